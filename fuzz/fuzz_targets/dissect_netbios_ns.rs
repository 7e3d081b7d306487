#![no_main]

//! Input: a UDP payload taken as NetBIOS Name Service.

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::netbios;

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(netbios::parse_name_service(data));
    // The first-level name encoding is also decoded on its own, from any length.
    std::hint::black_box(netbios::decode_netbios_name(data));
});
