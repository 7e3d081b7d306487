#![no_main]

//! Input: a UDP payload taken as NetBIOS Name Service.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_netbios_ns::run(data));
