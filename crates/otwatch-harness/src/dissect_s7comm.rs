//! Input: bytes of an ISO-on-TCP stream (port 102); each TPKT message cut from it, and the
//! input itself, is read as COTP and S7comm: TSAPs, the S7 header, job and ack-data
//! functions, user data, Read SZL and the CPU identity in it.

use otwatch_dissect::s7comm;

fn message(m: &[u8]) {
    if let Ok(cotp) = s7comm::parse_cotp(m) {
        if let Some(c) = &cotp.connection {
            let _ = std::hint::black_box(c.called_tsap.and_then(s7comm::s7_tsap));
        }
    }
    for candidate in [s7comm::s7_payload(m), Some(m)].into_iter().flatten() {
        let Ok(pdu) = s7comm::parse_pdu(candidate) else {
            continue;
        };
        let _ = std::hint::black_box(s7comm::setup_communication(&pdu));
        if let Ok(items) = s7comm::var_items(&pdu) {
            for item in items {
                let _ = std::hint::black_box(item.display());
            }
        }
        let _ = std::hint::black_box(s7comm::item_return_codes(&pdu));
        if let Some(Ok(t)) = s7comm::block_transfer(&pdu) {
            let _ = std::hint::black_box(t.filename.map(s7comm::block_file));
        }
        let _ = std::hint::black_box(s7comm::pi_service(&pdu));
        if let Ok(ud) = s7comm::user_data(&pdu) {
            let _ = std::hint::black_box(s7comm::clock(&ud));
            let _ = std::hint::black_box(s7comm::read_szl(&ud));
        }
        if let Some(szl) = s7comm::read_szl_response(&pdu) {
            let _ = std::hint::black_box(s7comm::cpu_identity(&szl));
            let _ = std::hint::black_box(s7comm::component_names(&szl));
        }
    }
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut rest = data;
    while let Some(total) = s7comm::tpkt_total(rest) {
        if total < s7comm::TPKT_HEADER || total > rest.len() {
            break;
        }
        message(&rest[..total]);
        rest = &rest[total..];
    }
    message(data);
}
