#![no_main]

//! Input: a whole capture file, analysed as the command line would analyse it.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::engine_capture::run(data));
