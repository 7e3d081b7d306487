//! Input: bytes of an EtherNet/IP stream (TCP 44818); the CIP message each SendRRData or
//! SendUnitData message carries is parsed with everything that reads into it (paths,
//! Multiple Service Packet, Unconnected Send, Forward Open/Close, Identity answers), and so
//! is the input itself as one CIP message.

use otwatch_dissect::cip::{self, Message};
use otwatch_dissect::enip::{self, Framed};

fn cip_message(b: &[u8], depth: u8) {
    let Ok(m) = cip::parse(b) else {
        let _ = std::hint::black_box(cip::identity_all(b));
        return;
    };
    let data = match m {
        Message::Request(r) => {
            let _ = std::hint::black_box(r.path.address());
            let _ = std::hint::black_box(cip::describe_path(&r.path));
            r.data
        }
        Message::Response(r) => r.data,
    };
    if let Ok(services) = cip::multiple_service_packet(data) {
        if depth < 2 {
            for s in services {
                cip_message(s, depth + 1);
            }
        }
    }
    if let Ok(u) = cip::unconnected_send(data) {
        let _ = std::hint::black_box(cip::describe_route(&u.route));
        if depth < 2 {
            cip_message(u.embedded, depth + 1);
        }
    }
    for large in [false, true] {
        if let Ok(f) = cip::forward_open(data, large) {
            let _ = std::hint::black_box(cip::describe_route(&f.path));
        }
    }
    let _ = std::hint::black_box(cip::forward_close(data));
    let _ = std::hint::black_box(cip::identity_all(data));
    for attribute in 1..=8 {
        let _ = std::hint::black_box(cip::identity_attribute(attribute, data));
    }
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut rest = data;
    while let Framed::Message(m, used) = enip::frame(rest) {
        if let Ok(send) = enip::parse_send_data(m.data) {
            if let Ok(carried) = enip::carried(&send) {
                if let Some(message) = carried.message {
                    cip_message(message, 0);
                }
            }
        }
        rest = &rest[used..];
    }
    cip_message(data, 0);
}
