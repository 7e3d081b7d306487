#![no_main]

//! Input: a UDP payload taken as a NetBIOS datagram.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_netbios_dgm::run(data));
