#![no_main]

//! Input: the start of one direction of a TLS stream: records, the handshake messages
//! they carry, certificates included. Also decoded as one DER certificate directly, since
//! mutations rarely keep the record and handshake lengths around it right.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_tls::run(data));
