//! Input: bytes of an ISO-on-TCP stream (port 102); the payload of each COTP data TPDU cut
//! from it, and the input itself, is read as S7comm-plus: header, opcode, function, and the
//! session and CPU version of a CreateObject answer.

use otwatch_dissect::{s7comm, s7comm_plus};

fn plus(p: &[u8]) {
    if let Ok(m) = s7comm_plus::parse(p) {
        let _ = std::hint::black_box(s7comm_plus::created_session(&m));
        let _ = std::hint::black_box(s7comm_plus::plc_version(&m));
    }
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut rest = data;
    while let Some(total) = s7comm::tpkt_total(rest) {
        if total < s7comm::TPKT_HEADER || total > rest.len() {
            break;
        }
        if let Ok(cotp) = s7comm::parse_cotp(&rest[..total]) {
            plus(cotp.payload);
        }
        rest = &rest[total..];
    }
    plus(data);
}
