#![no_main]

//! Input: bytes of a HART-IP stream or datagram. Messages are cut by their header's length
//! and decoded, down to the identity, tag and long tag that command 0, 13 and 20 answers
//! carry; the input is also checked by the payload identification.

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::hart_ip::{self, Body};

fn command_data(cmd: u16, data: &[u8]) {
    match cmd {
        0 => {
            let _ = std::hint::black_box(hart_ip::read_unique_identifier(data));
        }
        13 => {
            let _ = std::hint::black_box(hart_ip::read_tag(data));
        }
        20 => {
            let _ = std::hint::black_box(hart_ip::read_long_tag(data));
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Some(n) = hart_ip::message_len(rest).filter(|&n| n <= rest.len()) {
        if let Ok(m) = hart_ip::parse(&rest[..n]) {
            match &m.body {
                Body::TokenPassing(p) => command_data(u16::from(p.command), p.data),
                Body::Direct(d) => {
                    for c in &d.commands {
                        command_data(c.number, c.data);
                    }
                }
                _ => {}
            }
        }
        rest = &rest[n..];
    }
    let _ = std::hint::black_box(otwatch_dissect::identify::looks_like_hart_ip(data));
});
