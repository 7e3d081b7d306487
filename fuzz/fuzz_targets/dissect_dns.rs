#![no_main]

//! Input: a UDP payload taken as DNS (also mDNS and LLMNR, which share the format).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_dns::run(data));
