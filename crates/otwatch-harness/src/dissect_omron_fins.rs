//! Input: bytes of a FINS/TCP stream, or one FINS frame as a UDP datagram carries it.
//! FINS/TCP messages are cut from the stream and their frames decoded; the input is also
//! decoded as a bare frame, with every command's data decoder run on what follows.

use otwatch_dissect::omron_fins as fins;

fn frame(bytes: &[u8]) {
    let Ok(f) = fins::parse(bytes) else {
        return;
    };
    let _ = std::hint::black_box(fins::command_label(f.command));
    let _ = std::hint::black_box(f.response_code.map(fins::response_label));
    let _ = std::hint::black_box(fins::memory_area_command(f.data));
    let _ = std::hint::black_box(fins::memory_area_transfer(f.data));
    let _ = std::hint::black_box(fins::clock(f.data));
    let _ = std::hint::black_box(fins::controller_data(f.data));
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut rest = data;
    while let Some(total) = fins::tcp_message_len(rest) {
        let Some(message) = rest.get(..total) else {
            break;
        };
        if let Ok(m) = fins::parse_tcp(message) {
            let _ = std::hint::black_box(m.node_addresses());
            frame(m.body);
        }
        rest = &rest[total..];
    }
    frame(data);
}
