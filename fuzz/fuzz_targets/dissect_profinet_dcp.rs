#![no_main]

//! Input: the payload of a PROFINET frame (after EtherType 0x8892).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_profinet_dcp::run(data));
