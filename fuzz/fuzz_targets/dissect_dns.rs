#![no_main]

//! Input: a UDP payload taken as DNS (also mDNS and LLMNR, which share the format).

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::dns;

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(dns::looks_like_dns(data));
    let _ = std::hint::black_box(dns::parse(data));
});
