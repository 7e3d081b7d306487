#![no_main]

//! Input: bytes of a FINS/TCP stream, or one FINS frame as a UDP datagram carries it.
//! FINS/TCP messages are cut from the stream and their frames decoded; the input is also
//! decoded as a bare frame, with every command's data decoder run on what follows.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_omron_fins::run(data));
