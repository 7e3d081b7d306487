#![no_main]

//! Input: bytes of a Modbus/TCP stream. Every ADU framed from it has its body decoded both
//! as a request and as a response, and every value those views hold is read, as the logs
//! read them: registers, coils, file records, identification objects, server id text.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_modbus_pdu::run(data));
