#![no_main]

//! Input: bytes of an IEC 60870-5-104 stream. APDUs are cut from it and decoded, each
//! I-frame's ASDU down to its object addresses and command qualifiers; the input is also
//! decoded as a bare ASDU, since mutations rarely keep the APCI length right.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_iec104::run(data));
