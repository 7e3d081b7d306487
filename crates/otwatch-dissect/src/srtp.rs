//! GE SRTP (Service Request Transport Protocol, TCP 18245): how GE / Emerson PACSystems and
//! Series 90 PLCs are programmed and read by Proficy Machine Edition, HMIs and historians.
//!
//! Every message starts with a 56-byte header: a message type in the first byte (0x02 a
//! request, 0x03 a reply with its data inline, 0x00 the session initialisation), and, in
//! a request, the service request code at byte 42 with its segment selector, data offset
//! and length after it. The service code says what is asked: memory reads and writes,
//! run/stop (set PLC state), program store and load, controller type and identity.
//! Offsets follow the public descriptions of the protocol; no capture in the corpus holds
//! SRTP.

use crate::Malformed;

pub const HEADER_LEN: usize = 56;
pub const TYPE_REQUEST: u8 = 0x02;
const SERVICE_CODE_AT: usize = 42;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub sequence: u16,
    pub service: u8,
    pub segment_selector: u8,
}

/// A service request, from the first 56 bytes of a message; `Ok(None)` for the other
/// message types.
pub fn request(b: &[u8]) -> Result<Option<Request>, Malformed> {
    let header = b.get(..HEADER_LEN).ok_or(Malformed {
        reason: "srtp_short_header",
        offset: b.len(),
    })?;
    if header[0] != TYPE_REQUEST {
        return Ok(None);
    }
    Ok(Some(Request {
        sequence: u16::from_le_bytes([header[2], header[3]]),
        service: header[SERVICE_CODE_AT],
        segment_selector: header[SERVICE_CODE_AT + 1],
    }))
}

/// A payload that starts like an SRTP message: a known message type, a header's worth
/// of bytes and a zero second byte.
pub fn looks_like(payload: &[u8]) -> bool {
    payload.len() >= HEADER_LEN && payload[0] <= 0x03 && payload[1] == 0
}

pub fn service_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0x00 => "PLC Short Status",
        0x03 => "Return Control Program Names",
        0x04 => "Read System Memory",
        0x05 => "Read Task Memory",
        0x06 => "Read Program Memory",
        0x07 => "Write System Memory",
        0x08 => "Write Task Memory",
        0x09 => "Write Program Memory",
        0x20 => "Programmer Logon",
        0x21 => "Change PLC CPU Privilege Level",
        0x22 => "Set Control ID",
        0x23 => "Set PLC State",
        0x24 => "Set PLC Time/Date",
        0x25 => "Return PLC Time/Date",
        0x38 => "Return Fault Table",
        0x39 => "Clear Fault Table",
        0x3f => "Program Store",
        0x40 => "Program Load",
        0x43 => "Return Controller Type and ID",
        0x44 => "Toggle Force System Memory",
        _ => return None,
    })
}

/// Services that change the PLC: writes, state changes, logons and privilege changes,
/// program load and store, fault clearing, time setting, forcing.
pub fn is_notable(code: u8) -> bool {
    matches!(
        code,
        0x07 | 0x08 | 0x09 | 0x20 | 0x21 | 0x22 | 0x23 | 0x24 | 0x39 | 0x3f | 0x40 | 0x44
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // A Set PLC State request laid out as the public SRTP descriptions give it.
    #[test]
    fn set_plc_state_request() {
        let mut b = vec![0u8; HEADER_LEN];
        b[0] = TYPE_REQUEST;
        b[2] = 7;
        b[42] = 0x23;
        assert!(looks_like(&b));
        let r = request(&b).unwrap().unwrap();
        assert_eq!(
            (r.sequence, service_name(r.service)),
            (7, Some("Set PLC State"))
        );
        assert!(is_notable(r.service));
        b[0] = 0x03;
        assert_eq!(request(&b).unwrap(), None);
        assert!(request(&b[..10]).is_err());
    }
}
