#![no_main]

//! Input: one flag byte (bit 0: TCP), source and destination port (big endian), then the
//! first payload of a flow.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_identify::run(data));
