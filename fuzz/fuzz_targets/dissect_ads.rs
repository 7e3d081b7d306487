#![no_main]

//! Input: bytes of an ADS stream (AMS/TCP messages one after the other) or one datagram of
//! UDP 48899. Every message is decoded with each command's data views.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_ads::run(data));
