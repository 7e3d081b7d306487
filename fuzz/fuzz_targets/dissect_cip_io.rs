#![no_main]

//! Input: the payload of a UDP datagram to or from port 2222 (CIP implicit I/O).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_cip_io::run(data));
