#![no_main]

//! Input: a UDP payload taken as DHCP/BOOTP.

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::dhcp;

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(dhcp::looks_like_dhcp(data));
    let _ = std::hint::black_box(dhcp::parse(data));
});
