#![no_main]

//! Input: the payload of an LLDP frame (after EtherType 0x88cc).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_lldp::run(data));
