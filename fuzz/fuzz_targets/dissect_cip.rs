#![no_main]

//! Input: bytes of an EtherNet/IP stream (TCP 44818); the CIP message each SendRRData or
//! SendUnitData message carries is parsed with everything that reads into it (paths,
//! Multiple Service Packet, Unconnected Send, Forward Open/Close, Identity answers), and so
//! is the input itself as one CIP message.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_cip::run(data));
