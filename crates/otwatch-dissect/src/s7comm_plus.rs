//! S7comm-plus (protocol id 0x72), the protocol of S7-1200 and S7-1500 CPUs and TIA Portal,
//! in a COTP data TPDU: the header (version, length, the integrity digest of version 3),
//! the opcode (request, response, notification), the function code, sequence number and
//! session id, and what can be read without the session keys: the session a CreateObject
//! answer opens and the version string a CPU states about itself in it (`1;6ES7 511-1AK00-
//! 0AB0;V1.0`: its order number and firmware).

use crate::Malformed;

pub mod opcode {
    pub const REQUEST: u8 = 0x31;
    pub const RESPONSE: u8 = 0x32;
    pub const NOTIFICATION: u8 = 0x33;
}

/// One S7comm-plus message (or the first part of one spread over several TPDUs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlusMessage<'a> {
    /// 1, 2, 3 (3 carries an integrity digest in the header), 0xfe keep-alive.
    pub version: u8,
    pub data_length: u16,
    pub digest: Option<&'a [u8]>,
    pub opcode: Option<u8>,
    /// Requests and responses: the function (0x04ca CreateObject, 0x0542 SetMultiVariables).
    pub function: Option<u16>,
    pub sequence: Option<u16>,
    /// Requests: the session the request belongs to.
    pub session_id: Option<u32>,
    /// From the opcode on.
    pub body: &'a [u8],
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The S7comm-plus message in the payload of a COTP data TPDU.
pub fn parse(p: &[u8]) -> Result<PlusMessage<'_>, Malformed> {
    if p.first() != Some(&0x72) {
        return Err(Malformed::new("s7plus_not_s7plus", 0));
    }
    let (Some(&version), Some(data_length)) = (p.get(1), be16(p, 2)) else {
        return Err(Malformed::new("s7plus_header_truncated", p.len()));
    };
    let mut at = 4;
    let digest = if version == 3 {
        let len = usize::from(
            *p.get(4)
                .ok_or(Malformed::new("s7plus_digest_truncated", 4))?,
        );
        let digest = p
            .get(5..5 + len)
            .ok_or(Malformed::new("s7plus_digest_truncated", 5))?;
        at = 5 + len;
        Some(digest)
    } else {
        None
    };
    let body = &p[at..];
    let mut m = PlusMessage {
        version,
        data_length,
        digest,
        opcode: None,
        function: None,
        sequence: None,
        session_id: None,
        body,
    };
    if version == 0xfe {
        return Ok(m);
    }
    m.opcode = body.first().copied();
    if matches!(m.opcode, Some(opcode::REQUEST | opcode::RESPONSE)) {
        m.function = be16(body, 3);
        m.sequence = be16(body, 7);
        if m.opcode == Some(opcode::REQUEST) {
            m.session_id = be32(body, 9);
        }
    }
    Ok(m)
}

pub fn opcode_name(code: u8) -> Option<&'static str> {
    Some(match code {
        opcode::REQUEST => "Request",
        opcode::RESPONSE => "Response",
        opcode::NOTIFICATION => "Notification",
        _ => return None,
    })
}

pub fn function_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0x04bb => "Explore",
        0x04ca => "Create Object",
        0x04d4 => "Delete Object",
        0x04f2 => "Set Variable",
        0x0524 => "Get Link",
        0x0542 => "Set Multi Variables",
        0x054c => "Get Multi Variables",
        0x0556 => "Begin Sequence",
        0x0560 => "End Sequence",
        0x056b => "Invoke",
        0x0586 => "Get Variable Sub Streamed",
        _ => return None,
    })
}

pub const CREATE_OBJECT: u16 = 0x04ca;
pub const BEGIN_SEQUENCE: u16 = 0x0556;

/// S7comm-plus variable-length integer: seven bits a byte, high bit set when more follow
/// (at most five bytes for 32 bits).
fn vlq32(b: &[u8], at: usize) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for i in 0..5 {
        let byte = *b.get(at + i)?;
        value = (value << 7) | u32::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// The session a CreateObject response opens: the first object id it returns (later
/// requests of the session carry it as their session id).
pub fn created_session(m: &PlusMessage<'_>) -> Option<u32> {
    if m.opcode != Some(opcode::RESPONSE) || m.function != Some(CREATE_OBJECT) {
        return None;
    }
    // Opcode, reserved, function, reserved, sequence, transport flags; then the return
    // value, the number of object ids, the ids.
    let (_, used) = vlq32(m.body, 10)?;
    let count = *m.body.get(10 + used)?;
    if count == 0 {
        return None;
    }
    vlq32(m.body, 11 + used).map(|(id, _)| id)
}

/// A CPU's statement of what it is, from the version string of a CreateObject answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlcVersion {
    pub order_number: String,
    pub firmware: String,
}

/// The first version string (`1;6ES7 214-1HE30-0XB0 ;V2.2`) among the string values of an
/// unencrypted message.
pub fn plc_version(m: &PlusMessage<'_>) -> Option<PlcVersion> {
    let b = m.body;
    let mut at = 0;
    // String values: type 0x15, a one-byte length (strings this short), the text.
    while at + 2 < b.len() {
        if b[at] == 0x15 && b[at + 1] > 6 && b[at + 1] < 0x80 {
            if let Some(text) = b.get(at + 2..at + 2 + usize::from(b[at + 1])) {
                if let Some(v) = version_string(text) {
                    return Some(v);
                }
            }
        }
        at += 1;
    }
    None
}

fn version_string(text: &[u8]) -> Option<PlcVersion> {
    let text = std::str::from_utf8(text).ok()?;
    let mut parts = text.split(';');
    let (kind, order, firmware) = (parts.next()?, parts.next()?, parts.next()?);
    let plausible = kind.len() == 1
        && kind.chars().all(|c| c.is_ascii_digit())
        && order.trim().len() >= 6
        && order.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && firmware.starts_with('V')
        && firmware.len() <= 16
        && firmware.chars().all(|c| c.is_ascii_graphic());
    plausible.then(|| PlcVersion {
        order_number: order.trim().to_string(),
        firmware: firmware.to_string(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// ITI S7-1200-Uploading-OB1-TIAV12.pcap frame 8 (S7 payload only): the CPU answers
    /// CreateObject, opening session 0x3c0 and stating its order number and firmware.
    pub(crate) fn create_object_response() -> Vec<u8> {
        hex(
            "7201007a32000004ca0000000136110287408707a100000120821f0000a38169001500a382320017\
             0000013a823b00048200823c00048140823d00048480c040823e00048480c040823f00151b313b36\
             455337203231342d31484533302d30584230203b56322e328240001505323b373933824100030003\
             00a20000000072010000",
        )
    }

    /// icsnpp-s7comm s7comm_plus.pcap frame 7 (S7 payload only): a version 3 SetVariable
    /// request with its integrity digest.
    pub(crate) fn set_variable_v3() -> Vec<u8> {
        hex(
            "7203005920e969a95a852ab0e288480ccecb618e48779f4b68a1ce9a9c42cd6aa536800683310000\
             04f20000831a70000e4d7470000e5101881d000700ce000004e88969001200000000896a00130089\
             6b000400000084eb270000000072030000",
        )
    }

    #[test]
    fn create_object_response_opens_a_session_and_names_the_cpu() {
        let msg = create_object_response();
        let m = parse(&msg).unwrap();
        assert_eq!(
            (m.version, m.opcode, m.function),
            (1, Some(0x32), Some(0x04ca))
        );
        assert_eq!(m.sequence, Some(1));
        assert_eq!(created_session(&m), Some(0x3c0));
        let v = plc_version(&m).unwrap();
        assert_eq!(v.order_number, "6ES7 214-1HE30-0XB0");
        assert_eq!(v.firmware, "V2.2");
    }

    #[test]
    fn version_3_request_behind_its_digest() {
        let msg = set_variable_v3();
        let m = parse(&msg).unwrap();
        assert_eq!(m.digest.map(<[u8]>::len), Some(32));
        assert_eq!((m.opcode, m.function), (Some(0x31), Some(0x04f2)));
        assert_eq!(function_name(0x04f2), Some("Set Variable"));
        assert_eq!(m.session_id, Some(0x7000_0e4d));
        assert_eq!(plc_version(&m), None);
    }

    #[test]
    fn never_panics() {
        crate::hostile::never_panics(
            &[create_object_response(), set_variable_v3()],
            0x5750_1a55_0000_0072,
            |buf, i| {
                if buf.len() >= 2 {
                    buf[0] = 0x72;
                    buf[1] = [1, 2, 3, 0xfe][i % 4];
                }
            },
            |b| {
                if let Ok(m) = parse(b) {
                    let _ = created_session(&m);
                    let _ = plc_version(&m);
                }
            },
        );
    }
}
