//! Input: one UDP datagram of BSAP (BSAP/IP or a tunnelled serial frame), decoded down to
//! the remote-database function; the input is also checked by the payload identification.

use otwatch_dissect::bsap::{self, Datagram};

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    match bsap::parse(data) {
        Ok(Datagram::Ip(m)) => {
            let _ =
                std::hint::black_box((m.rdb_request(), bsap::ip_message_type_name(m.message_func)));
        }
        Ok(Datagram::Serial(m)) => {
            let _ = std::hint::black_box((m.rdb_request(), bsap::app_function_name(m.dfun)));
        }
        Err(_) => {}
    }
    let _ = std::hint::black_box(otwatch_dissect::identify::looks_like_bsap(data, true));
}
