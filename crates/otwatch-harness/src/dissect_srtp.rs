//! Input: the start of a GE SRTP message (as a client's chunk on TCP 18245).

use otwatch_dissect::srtp;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let _ = std::hint::black_box(srtp::looks_like(data));
    if let Ok(Some(r)) = srtp::request(data) {
        let _ = std::hint::black_box(srtp::service_name(r.service));
    }
}
