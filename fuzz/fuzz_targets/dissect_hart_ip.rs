#![no_main]

//! Input: bytes of a HART-IP stream or datagram. Messages are cut by their header's length
//! and decoded, down to the identity, tag, final assembly number and long tag that
//! commands 0, 13, 16 and 20 answers carry and the field-by-field decoding of universal and
//! common-practice commands; the input is also checked by the payload identification.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_hart_ip::run(data));
