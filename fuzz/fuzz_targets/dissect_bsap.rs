#![no_main]

//! Input: one UDP datagram of BSAP (BSAP/IP or a tunnelled serial frame), decoded down to
//! the remote-database function; the input is also checked by the payload identification.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_bsap::run(data));
