#![no_main]

//! Input: one UDP datagram of PROFINET IO context management (connectionless DCE/RPC).
//! The header, a fragment acknowledgement's body, and the call's arguments and blocks are
//! decoded.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_profinet_io_cm::run(data));
