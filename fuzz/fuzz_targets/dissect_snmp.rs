#![no_main]

//! Input: a UDP payload taken as an SNMP message (v1, v2c or v3), with the enterprise
//! lookup of every OID value it yields.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_snmp::run(data));
