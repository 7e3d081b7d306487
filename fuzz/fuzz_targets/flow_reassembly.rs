#![no_main]

//! Input: a sequence of steps, each an op byte and a little-endian u32, then for segments
//! a length byte and that many payload bytes (cut short at the end of the input).
//! Op modulo 8: 0-4 a segment at that sequence number (bit 7 set: with SYN), 5-6 an
//! acknowledgement up to it, 7 the end of the flow.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::flow_reassembly::run(data));
