#![no_main]

//! Input: one selector byte for the IP protocol, then the IP payload.

use libfuzzer_sys::fuzz_target;
use otwatch_wire::decode::decode_transport;

fuzz_target!(|data: &[u8]| {
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
});
