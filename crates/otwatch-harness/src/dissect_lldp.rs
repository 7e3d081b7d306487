//! Input: the payload of an LLDP frame (after EtherType 0x88cc).

use otwatch_dissect::lldp;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let _ = std::hint::black_box(lldp::parse(data));
}
