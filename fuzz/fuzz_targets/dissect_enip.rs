#![no_main]

//! Input: bytes of an EtherNet/IP stream (TCP 44818) or datagram (UDP 44818); every
//! encapsulation message framed from it is read as each command's data (ListIdentity,
//! ListServices, RegisterSession, SendRRData/SendUnitData items), and so is the input itself.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_enip::run(data));
