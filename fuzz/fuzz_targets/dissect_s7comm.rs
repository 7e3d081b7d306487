#![no_main]

//! Input: one TPKT message (or any bytes); the S7 PDU inside is parsed and, if it is a Read
//! SZL response, the CPU identity is read out of it.

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::s7comm;

fuzz_target!(|data: &[u8]| {
    let _ = s7comm::tpkt_total(data);
    for candidate in [s7comm::s7_payload(data), Some(data)].into_iter().flatten() {
        if let Ok(pdu) = s7comm::parse_pdu(candidate) {
            if let Some(szl) = s7comm::read_szl_response(&pdu) {
                let _ = std::hint::black_box(s7comm::cpu_identity(&szl));
            }
        }
    }
});
