#![no_main]

//! Input: one SLMP / MC protocol binary frame (3E or 4E, request or response), decoded
//! with the views of batch device access and Read Type Name.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_slmp::run(data));
