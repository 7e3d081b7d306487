#![no_main]

//! Input: one selector byte for the IP protocol, then the IP payload.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::wire_transport::run(data));
