//! Input: one flag byte (bit 0: TCP), source and destination port (big endian), then the
//! first payload of a flow.

use otwatch_dissect::identify::{self, identify};

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let [flags, s0, s1, d0, d1, payload @ ..] = data else {
        return;
    };
    let tcp = flags & 1 != 0;
    let src_port = u16::from_be_bytes([*s0, *s1]);
    let dst_port = u16::from_be_bytes([*d0, *d1]);
    if let Some((protocol, confidence)) = identify(tcp, payload, src_port, dst_port) {
        std::hint::black_box((protocol.name(), protocol.is_industrial(), confidence));
    }
    std::hint::black_box(identify::by_port(tcp, src_port, dst_port));

    // `identify` stops at the first check that matches, so later checks would only ever see
    // payloads that all earlier ones rejected; each also runs on its own here.
    let p = payload;
    std::hint::black_box((
        identify::looks_like_modbus(p),
        identify::classify_tpkt(p),
        identify::looks_like_enip(p),
        identify::looks_like_cip_io(p),
        identify::looks_like_dnp3(p),
        identify::looks_like_iec104(p),
        identify::looks_like_bacnet(p),
        identify::looks_like_opcua(p),
        identify::looks_like_profinet_cm(p),
        identify::looks_like_http(p),
        identify::looks_like_tls(p),
        identify::looks_like_smb(p),
        identify::looks_like_ntp(p),
        identify::looks_like_snmp(p),
        identify::looks_like_hart_ip(p),
        identify::looks_like_synchrophasor(p),
    ));
}
