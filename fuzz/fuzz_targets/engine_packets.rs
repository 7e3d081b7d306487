#![no_main]

//! Input: one selector byte for the link type, then records of
//! `[time step][frame length, u16 little endian][frame]`, the last frame cut short at the
//! end of the input. The target wraps them in a well-formed pcap, so every byte the
//! fuzzer mutates reaches frame decoding, flows, reassembly and identification rather
//! than the file reader.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::engine_packets::run(data));
