#![no_main]

//! Input: bytes of one direction of a GENISYS TCP stream. Messages are cut from it one
//! after the other, skipping what does not frame, as the engine does; the input is also
//! checked by the payload identification.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_genisys::run(data));
