//! Input: a UDP payload taken as DHCP/BOOTP.

use otwatch_dissect::dhcp;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    std::hint::black_box(dhcp::looks_like_dhcp(data));
    let _ = std::hint::black_box(dhcp::parse(data));
}
