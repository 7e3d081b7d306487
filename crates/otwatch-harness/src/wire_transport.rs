//! Input: one selector byte for the IP protocol, then the IP payload.

use otwatch_wire::decode::decode_transport;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    // Most protocol numbers decode to `Other` straight away; weight the ones with headers.
    let protocol = match selector % 5 {
        0 => 6,
        1 => 17,
        2 => 1,
        3 => 58,
        _ => selector,
    };
    let _ = std::hint::black_box(decode_transport(protocol, payload));
}
