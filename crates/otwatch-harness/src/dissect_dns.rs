//! Input: a UDP payload taken as DNS (also mDNS and LLMNR, which share the format).

use otwatch_dissect::dns;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    std::hint::black_box(dns::looks_like_dns(data));
    let _ = std::hint::black_box(dns::parse(data));
}
