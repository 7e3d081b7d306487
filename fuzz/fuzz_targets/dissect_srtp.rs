#![no_main]

//! Input: the start of a GE SRTP message (as a client's chunk on TCP 18245).

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::srtp;

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(srtp::looks_like(data));
    if let Ok(Some(r)) = srtp::request(data) {
        let _ = std::hint::black_box(srtp::service_name(r.service));
    }
});
