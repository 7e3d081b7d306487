//! Input: a UDP payload taken as a NetBIOS datagram.

use otwatch_dissect::netbios;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let _ = std::hint::black_box(netbios::parse_datagram(data));
}
