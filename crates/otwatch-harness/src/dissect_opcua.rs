//! Input: bytes of an OPC UA binary stream (as over TCP). Chunks are cut from it by their
//! headers and each is decoded as its message type says, down to the service body. Since
//! mutations rarely keep chunk sizes right, the input is also decoded as one service body
//! directly.

use otwatch_dissect::opcua;

fn chunk(header: &opcua::Header, body: &[u8]) {
    match &header.message_type {
        b"HEL" | b"ACK" => {
            let _ = std::hint::black_box(opcua::hello(body, header.message_type == *b"HEL"));
        }
        b"ERR" => {
            let _ = std::hint::black_box(opcua::error(body));
        }
        _ => {
            let Ok(secured) = opcua::secured(header.message_type == *b"OPN", body) else {
                return;
            };
            if let Some(a) = &secured.asymmetric {
                let _ = std::hint::black_box(a.is_none_policy());
            }
            if let Ok((_, _, body)) = opcua::sequence(secured.payload) {
                service(body);
            }
        }
    }
}

fn service(body: &[u8]) {
    if let Ok(s) = opcua::service(body) {
        let name = opcua::service_name(s.type_id);
        let _ = std::hint::black_box(name.map(opcua::service_stem));
        if let opcua::ServiceKind::Response(h, _) = &s.kind {
            let _ = std::hint::black_box(opcua::status_name(h.service_result));
        }
    }
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut rest = data;
    while let Some(header) = opcua::header(rest) {
        let Some(bytes) = rest.get(..header.size as usize) else {
            break;
        };
        chunk(&header, &bytes[opcua::HEADER_LEN..]);
        rest = &rest[bytes.len()..];
    }
    service(data);
}
