#![no_main]

//! Input: an 802.3 LLC payload; CDP behind a SNAP header, or a bare CDP PDU.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_cdp::run(data));
