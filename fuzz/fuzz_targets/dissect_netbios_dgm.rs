#![no_main]

//! Input: a UDP payload taken as a NetBIOS datagram.

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::netbios;

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(netbios::parse_datagram(data));
});
