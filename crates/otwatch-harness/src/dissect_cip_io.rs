//! Input: the payload of a UDP datagram to or from port 2222 (CIP implicit I/O).

use otwatch_dissect::enip;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let _ = std::hint::black_box(enip::parse_io(data));
}
