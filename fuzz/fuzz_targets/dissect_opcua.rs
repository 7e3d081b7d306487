#![no_main]

//! Input: bytes of an OPC UA binary stream (as over TCP). Chunks are cut from it by their
//! headers and each is decoded as its message type says, down to the service body. Since
//! mutations rarely keep chunk sizes right, the input is also decoded as one service body
//! directly.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_opcua::run(data));
