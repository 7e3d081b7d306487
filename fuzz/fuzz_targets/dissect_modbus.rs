#![no_main]

//! Input: bytes of a Modbus/TCP stream; every ADU framed from it is decoded, and the input
//! is also read as the data of a Read Device Identification response.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_modbus::run(data));
