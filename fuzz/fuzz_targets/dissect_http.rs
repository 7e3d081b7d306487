#![no_main]

//! Input: the start of one direction of an HTTP stream. The head is cut where it ends and
//! read as a request and as a response; what follows is searched for a page title.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_http::run(data));
