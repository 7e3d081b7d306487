#![no_main]

//! Input: one selector byte naming the link type, then the captured frame.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::wire_frame::run(data));
