#![no_main]

//! Input: bytes of an ISO-on-TCP stream (port 102); the payload of each COTP data TPDU cut
//! from it, and the input itself, is read as S7comm-plus: header, opcode, function, and the
//! session and CPU version of a CreateObject answer.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_s7comm_plus::run(data));
