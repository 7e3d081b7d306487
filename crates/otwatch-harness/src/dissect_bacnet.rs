//! Input: a BACnet/IP datagram. BVLC and NPDU are read; the APDU (and the input itself) is
//! read as every APDU type, and its parameters as every service the dissector decodes.

use otwatch_dissect::bacnet;

fn services(apdu: &[u8]) {
    let Ok(a) = bacnet::parse_apdu(apdu) else {
        return;
    };
    let b = a.body;
    let _ = std::hint::black_box(bacnet::who_is(b));
    let _ = std::hint::black_box(bacnet::i_am(b));
    let _ = std::hint::black_box(bacnet::who_has(b));
    let _ = std::hint::black_box(bacnet::i_have(b));
    let _ = std::hint::black_box(bacnet::read_property_request(b));
    let _ = std::hint::black_box(bacnet::read_property_ack(b));
    let _ = std::hint::black_box(bacnet::read_property_multiple_request(b));
    let _ = std::hint::black_box(bacnet::read_property_multiple_ack(b));
    let _ = std::hint::black_box(bacnet::write_property(b));
    let _ = std::hint::black_box(bacnet::write_property_multiple(b));
    let _ = std::hint::black_box(bacnet::device_communication_control(b));
    let _ = std::hint::black_box(bacnet::reinitialize_device(b));
    let _ = std::hint::black_box(bacnet::error_class_code(b));
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    if let Ok(bacnet::Message { npdu: Some(n), .. }) = bacnet::parse(data) {
        services(n.body);
    }
    services(data);
}
