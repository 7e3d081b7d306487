//! Input: an 802.3 LLC payload; CDP behind a SNAP header, or a bare CDP PDU.

use otwatch_dissect::cdp;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    if let Some(pdu) = cdp::strip_snap(data) {
        let _ = std::hint::black_box(cdp::parse(pdu));
    }
    // The same bytes as a bare PDU, so mutations need not keep the SNAP prefix intact.
    let _ = std::hint::black_box(cdp::parse(data));
}
