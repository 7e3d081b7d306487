//! Input: the start of one direction of a TLS stream: records, the handshake messages
//! they carry, certificates included. Also decoded as one DER certificate directly, since
//! mutations rarely keep the record and handshake lengths around it right.

use otwatch_dissect::tls;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    if let Ok(f) = tls::read_flight(data) {
        if let Some(h) = &f.server_hello {
            let _ = std::hint::black_box(tls::cipher_name(h.cipher_suite));
            let _ = std::hint::black_box(tls::version_name(h.version));
        }
        let _ = std::hint::black_box(f.client_hello.map(|h| h.max_version()));
    }
    let _ = std::hint::black_box(tls::parse_certificate(data));
}
