#![no_main]

//! Input: the payload of an EtherCAT frame (after EtherType 0x88a4): its datagrams' commands.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_ethercat::run(data));
