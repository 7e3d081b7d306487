//! Input: the start of one direction of an HTTP stream. The head is cut where it ends and
//! read as a request and as a response; what follows is searched for a page title.

use otwatch_dissect::http;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let end = http::head_end(data).unwrap_or(data.len());
    let head = &data[..end];
    let _ = std::hint::black_box(http::parse_request(head));
    let _ = std::hint::black_box(http::parse_response(head).map(|r| r.may_have_title()));
    let _ = std::hint::black_box(http::title(&data[end..]));
}
