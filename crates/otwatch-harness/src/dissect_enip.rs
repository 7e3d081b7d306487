//! Input: bytes of an EtherNet/IP stream (TCP 44818) or datagram (UDP 44818); every
//! encapsulation message framed from it is read as each command's data (ListIdentity,
//! ListServices, RegisterSession, SendRRData/SendUnitData items), and so is the input itself.

use otwatch_dissect::enip::{self, Framed};

fn read(data: &[u8]) {
    let _ = std::hint::black_box(enip::parse_list_identity_reply(data));
    let _ = std::hint::black_box(enip::parse_list_services_reply(data));
    let _ = std::hint::black_box(enip::parse_register_session(data));
    if let Ok(send) = enip::parse_send_data(data) {
        let _ = std::hint::black_box(enip::carried(&send));
    }
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut rest = data;
    while let Framed::Message(m, used) = enip::frame(rest) {
        read(m.data);
        rest = &rest[used..];
    }
    read(data);
}
