#![no_main]

//! Input: bytes of a C37.118 stream (or one UDP datagram). Frames are cut from it; each
//! configuration is kept and the data frames that follow are read with it, as a flow does;
//! commands are decoded. The input is also read as a bare configuration body.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_synchrophasor::run(data));
