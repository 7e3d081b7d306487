//! Input: a UDP payload taken as an SNMP message (v1, v2c or v3), with the enterprise
//! lookup of every OID value it yields.

use otwatch_dissect::snmp;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let Ok(msg) = snmp::parse(data) else {
        return;
    };
    let _ = std::hint::black_box(msg.community.map(snmp::is_default_community));
    if let Some(pdu) = msg.pdu {
        for v in &pdu.varbinds {
            if let Some(text) = v.value.as_text() {
                let _ = std::hint::black_box(
                    snmp::enterprise_number(text).and_then(snmp::enterprise_name),
                );
            }
        }
    }
}
