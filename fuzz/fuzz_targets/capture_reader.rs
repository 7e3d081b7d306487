#![no_main]

//! Input: a whole capture file (classic pcap or pcapng).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::capture_reader::run(data));
