#![no_main]

//! Input: a UDP payload taken as DHCP/BOOTP.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_dhcp::run(data));
