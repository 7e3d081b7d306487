#![no_main]

//! Input: bytes of a ROC Plus stream or datagram. Messages are cut one after the other by
//! their length byte, each told request or response, and every opcode-specific view that
//! applies is decoded.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_roc_plus::run(data));
