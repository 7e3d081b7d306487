#![no_main]

//! Input: a BACnet/IP datagram. BVLC and NPDU are read; the APDU (and the input itself) is
//! read as every APDU type, and its parameters as every service the dissector decodes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_bacnet::run(data));
