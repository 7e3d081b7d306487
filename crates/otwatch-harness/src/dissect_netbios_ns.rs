//! Input: a UDP payload taken as NetBIOS Name Service.

use otwatch_dissect::netbios;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let _ = std::hint::black_box(netbios::parse_name_service(data));
    // The first-level name encoding is also decoded on its own, from any length.
    std::hint::black_box(netbios::decode_netbios_name(data));
}
