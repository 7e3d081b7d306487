#![no_main]

//! Input: a UDP payload taken as an SNMP message (v1, v2c or v3), with the enterprise
//! lookup of every OID value it yields.

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::snmp;

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = snmp::parse(data) else {
        return;
    };
    let _ = std::hint::black_box(msg.community.map(snmp::is_default_community));
    if let Some(pdu) = msg.pdu {
        for v in &pdu.varbinds {
            if let Some(text) = v.value.as_text() {
                let _ = std::hint::black_box(snmp::enterprise_number(text).and_then(snmp::enterprise_name));
            }
        }
    }
});
