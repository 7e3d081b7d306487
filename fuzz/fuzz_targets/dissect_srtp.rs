#![no_main]

//! Input: the start of a GE SRTP message (as a client's chunk on TCP 18245).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_srtp::run(data));
