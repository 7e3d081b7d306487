#![no_main]

//! Input: the first byte picks a reader, the rest is the start of a stream chunk: 0 SMB
//! (NetBIOS session message, SMB1/SMB2, NTLMSSP), 1 RDP connection request and confirm,
//! 2 RFB version and security types, 3 FTP control lines, 4 an SSH banner.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_sessions::run(data));
