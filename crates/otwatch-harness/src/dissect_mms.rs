//! Input: the user data of a COTP data TPDU on TCP 102 (an ISO session SPDU carrying a
//! presentation PPDU, ACSE and MMS), as MMS flows hand it over; also decoded as a bare
//! MMS PDU, since mutations rarely keep the layers above it intact.

use otwatch_dissect::mms;

fn names(m: &mms::Message) {
    let _ = std::hint::black_box((m.service_name(), m.kind.name(), m.kind.is_request()));
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    if let Ok(Some(m)) = mms::parse(data) {
        names(&m);
    }
    if let Ok(m) = mms::parse_pdu(data) {
        names(&m);
    }
}
