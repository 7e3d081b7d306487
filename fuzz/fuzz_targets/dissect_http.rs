#![no_main]

//! Input: the start of one direction of an HTTP stream. The head is cut where it ends and
//! read as a request and as a response; what follows is searched for a page title.

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::http;

fuzz_target!(|data: &[u8]| {
    let end = http::head_end(data).unwrap_or(data.len());
    let head = &data[..end];
    let _ = std::hint::black_box(http::parse_request(head));
    let _ = std::hint::black_box(http::parse_response(head).map(|r| r.may_have_title()));
    let _ = std::hint::black_box(http::title(&data[end..]));
});
