//! Input: bytes of an IEC 60870-5-104 stream. APDUs are cut from it and decoded, each
//! I-frame's ASDU down to its object addresses and command qualifiers; the input is also
//! decoded as a bare ASDU, since mutations rarely keep the APCI length right.

use otwatch_dissect::iec104::{self, Apdu};

fn asdu(bytes: &[u8]) {
    if let Ok(a) = iec104::parse_asdu(bytes) {
        let _ = std::hint::black_box(iec104::type_label(a.type_id));
        let _ = std::hint::black_box(iec104::cause_name(a.cause));
        let _ = std::hint::black_box(iec104::command_detail(a.type_id, a.first_element));
    }
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut rest = data;
    while let Some(total) = iec104::apdu_len(rest) {
        let Some(apdu) = rest.get(..total) else {
            break;
        };
        if let Ok(Apdu::I { asdu: bytes, .. }) = iec104::parse_apdu(apdu) {
            asdu(bytes);
        }
        rest = &rest[total..];
    }
    asdu(data);
}
