#![no_main]

//! Input: the user data of a COTP data TPDU on TCP 102 (an ISO session SPDU carrying a
//! presentation PPDU, ACSE and MMS), as MMS flows hand it over; also decoded as a bare
//! MMS PDU, since mutations rarely keep the layers above it intact.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_mms::run(data));
