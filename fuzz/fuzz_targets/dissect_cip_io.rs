#![no_main]

//! Input: the payload of a UDP datagram to or from port 2222 (CIP implicit I/O).

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::enip;

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(enip::parse_io(data));
});
