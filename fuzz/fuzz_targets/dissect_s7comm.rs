#![no_main]

//! Input: bytes of an ISO-on-TCP stream (port 102); each TPKT message cut from it, and the
//! input itself, is read as COTP and S7comm: TSAPs, the S7 header, job and ack-data
//! functions, user data, Read SZL and the CPU identity in it.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_s7comm::run(data));
