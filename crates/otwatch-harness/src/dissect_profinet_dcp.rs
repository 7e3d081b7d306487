//! Input: the payload of a PROFINET frame (after EtherType 0x8892).

use otwatch_dissect::profinet_dcp;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    if let Ok(Some(dcp)) = profinet_dcp::parse(data) {
        let _ = std::hint::black_box(dcp.role.map(profinet_dcp::role_names));
    }
}
