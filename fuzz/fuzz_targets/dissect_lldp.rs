#![no_main]

//! Input: the payload of an LLDP frame (after EtherType 0x88cc).

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::lldp;

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(lldp::parse(data));
});
