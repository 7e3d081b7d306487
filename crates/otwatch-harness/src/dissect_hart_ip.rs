//! Input: bytes of a HART-IP stream or datagram. Messages are cut by their header's length
//! and decoded, down to the identity, tag, final assembly number and long tag that
//! commands 0, 13, 16 and 20 answers carry and the field-by-field decoding of universal and
//! common-practice commands; the input is also checked by the payload identification.

use otwatch_dissect::hart_ip::{self, Body};
use otwatch_dissect::hart_ip_commands;

fn command_data(cmd: u16, request: bool, data: &[u8]) {
    let _ = std::hint::black_box(hart_ip_commands::decode(cmd, request, data));
    match cmd {
        0 | 11 | 21 => {
            let _ = std::hint::black_box(hart_ip::read_unique_identifier(data));
        }
        13 => {
            let _ = std::hint::black_box(hart_ip::read_tag(data));
        }
        16 => {
            let _ = std::hint::black_box(hart_ip::read_final_assembly_number(data));
        }
        20 => {
            let _ = std::hint::black_box(hart_ip::read_long_tag(data));
        }
        _ => {}
    }
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut rest = data;
    while let Some(n) = hart_ip::message_len(rest).filter(|&n| n <= rest.len()) {
        if let Ok(m) = hart_ip::parse(&rest[..n]) {
            let request = m.header.is_request();
            match &m.body {
                Body::TokenPassing(p) => command_data(u16::from(p.command), request, p.data),
                Body::Direct(d) => {
                    for c in &d.commands {
                        command_data(c.number, request, c.data);
                    }
                }
                _ => {}
            }
        }
        rest = &rest[n..];
    }
    let _ = std::hint::black_box(otwatch_dissect::identify::looks_like_hart_ip(data));
}
