#![no_main]

//! Input: bytes of a DNP3 stream (as over TCP, or one UDP datagram). Link frames are cut
//! from it, their CRCs checked, their segments reassembled, and every application fragment
//! decoded down to its objects. Since mutations rarely keep CRCs right, the input is also
//! decoded as one application fragment directly.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_dnp3::run(data));
