#![no_main]

//! Input: a BACnet/IP datagram; its APDU (and the input itself) is read as an I-Am and as a
//! ReadProperty acknowledgement.

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::bacnet;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(npdu)) = bacnet::parse(data) {
        let _ = std::hint::black_box(bacnet::i_am(npdu.apdu));
        let _ = std::hint::black_box(bacnet::read_property_ack(npdu.apdu));
    }
    let _ = std::hint::black_box(bacnet::i_am(data));
    let _ = std::hint::black_box(bacnet::read_property_ack(data));
});
