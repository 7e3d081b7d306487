#![no_main]

//! Input: the payload of a PROFINET frame (after EtherType 0x8892).

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::profinet_dcp;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(dcp)) = profinet_dcp::parse(data) {
        let _ = std::hint::black_box(dcp.role.map(profinet_dcp::role_names));
    }
});
