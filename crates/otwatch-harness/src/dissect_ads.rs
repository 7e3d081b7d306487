//! Input: bytes of an ADS stream (AMS/TCP messages one after the other) or one datagram of
//! UDP 48899. Every message is decoded with each command's data views.

use otwatch_dissect::ads;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut rest = data;
    while let Some(len) = ads::tcp_message_len(rest) {
        let Some(message) = rest.get(..len) else {
            break;
        };
        if let Ok(m) = ads::parse_tcp(message) {
            let _ = std::hint::black_box(ads::command_name(m.header.command));
            let _ = std::hint::black_box(ads::device_info(m.data));
            let _ = std::hint::black_box(ads::read_state(m.data));
            let _ = std::hint::black_box(ads::write_control(m.data));
            let _ = std::hint::black_box(ads::index(m.data));
        }
        rest = &rest[len..];
    }
    if let Ok(d) = ads::parse_udp(data) {
        for (_, value) in &d.tags {
            let _ = std::hint::black_box(ads::tag_text(value));
        }
    }
}
