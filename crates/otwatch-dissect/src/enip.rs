//! EtherNet/IP encapsulation: framing of the 24-byte header over TCP and UDP, command names,
//! and the ListIdentity reply, in which a device states its vendor, device type, product
//! code, revision, serial number and product name.

use crate::Malformed;
use serde::Serialize;

pub const HEADER_LEN: usize = 24;
/// Largest encapsulation message accepted; the length field allows 65 535 bytes of data.
pub const MAX_MESSAGE: usize = HEADER_LEN + 65_535;

pub const LIST_IDENTITY: u16 = 0x0063;
/// CPF item carrying a CIP Identity in a ListIdentity reply.
const ITEM_IDENTITY: u16 = 0x000c;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encapsulation<'a> {
    pub command: u16,
    pub session: u32,
    pub status: u32,
    pub data: &'a [u8],
}

pub enum Framed<'a> {
    Message(Encapsulation<'a>, usize),
    NeedMore,
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// Frames the encapsulation message at the start of `buf`.
pub fn frame(buf: &[u8]) -> Framed<'_> {
    if buf.len() < HEADER_LEN {
        return Framed::NeedMore;
    }
    let length = usize::from(u16::from_le_bytes([buf[2], buf[3]]));
    let total = HEADER_LEN + length;
    if buf.len() < total {
        return Framed::NeedMore;
    }
    let message = Encapsulation {
        command: u16::from_le_bytes([buf[0], buf[1]]),
        session: u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]),
        status: u32::from_le_bytes([buf[8], buf[9], buf[10], buf[11]]),
        data: &buf[HEADER_LEN..total],
    };
    Framed::Message(message, total)
}

/// ICSNPP's names for encapsulation commands.
pub fn command_name(command: u16) -> &'static str {
    match command {
        0x0000 => "NOP",
        0x0004 => "List Services",
        0x0063 => "List Identity",
        0x0064 => "List Interfaces",
        0x0065 => "Register Session",
        0x0066 => "Unregister Session",
        0x006f => "Send RR Data",
        0x0070 => "Send Unit Data",
        0x0072 => "Indicate Status",
        0x0073 => "Cancel",
        _ => "Unknown",
    }
}

/// A device's identity as a ListIdentity reply states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub encapsulation_version: u16,
    pub socket_address: [u8; 4],
    pub socket_port: u16,
    pub vendor_id: u16,
    pub device_type: u16,
    pub product_code: u16,
    pub revision_major: u8,
    pub revision_minor: u8,
    pub status: u16,
    pub serial_number: u32,
    pub product_name: String,
    pub state: Option<u8>,
}

/// Parses the data of a ListIdentity reply: the identity items it carries (at most 8).
pub fn parse_list_identity_reply(data: &[u8]) -> Result<Vec<Identity>, Malformed> {
    let count = le16(data, 0).ok_or(Malformed::new("enip_list_identity_truncated", 0))?;
    let mut at = 2;
    let mut out = Vec::new();
    for _ in 0..count.min(8) {
        let (Some(kind), Some(len)) = (le16(data, at), le16(data, at + 2)) else {
            return Err(Malformed::new("enip_list_identity_truncated", at));
        };
        let body_start = at + 4;
        let Some(body) = data.get(body_start..body_start + usize::from(len)) else {
            return Err(Malformed::new("enip_list_identity_truncated", at));
        };
        if kind == ITEM_IDENTITY {
            out.push(
                parse_identity_item(body)
                    .ok_or(Malformed::new("enip_identity_truncated", body_start))?,
            );
        }
        at = body_start + usize::from(len);
    }
    Ok(out)
}

fn parse_identity_item(b: &[u8]) -> Option<Identity> {
    let name_len = usize::from(*b.get(32)?);
    let name = b.get(33..33 + name_len)?;
    Some(Identity {
        encapsulation_version: le16(b, 0)?,
        // The socket address is in network byte order, unlike the rest.
        socket_port: u16::from_be_bytes([*b.get(4)?, *b.get(5)?]),
        socket_address: [*b.get(6)?, *b.get(7)?, *b.get(8)?, *b.get(9)?],
        vendor_id: le16(b, 18)?,
        device_type: le16(b, 20)?,
        product_code: le16(b, 22)?,
        revision_major: *b.get(24)?,
        revision_minor: *b.get(25)?,
        status: le16(b, 26)?,
        serial_number: le32(b, 28)?,
        product_name: crate::printable(name).unwrap_or_default(),
        state: b.get(33 + name_len).copied(),
    })
}

/// CIP device profile names (ODVA), for the common ones.
pub fn device_type_name(code: u16) -> &'static str {
    match code {
        0x00 => "Generic Device",
        0x02 => "AC Drive",
        0x03 => "Motor Overload",
        0x04 => "Limit Switch",
        0x05 => "Inductive Proximity Switch",
        0x06 => "Photoelectric Sensor",
        0x07 => "General Purpose Discrete I/O",
        0x09 => "Resolver",
        0x0c => "Communications Adapter",
        0x0e => "Programmable Logic Controller",
        0x10 => "Position Controller",
        0x13 => "DC Drive",
        0x15 => "Contactor",
        0x16 => "Motor Starter",
        0x17 => "Soft Start",
        0x18 => "Human-Machine Interface",
        0x1a => "Mass Flow Controller",
        0x1b => "Pneumatic Valve",
        0x1c => "Vacuum Pressure Gauge",
        0x22 => "Encoder",
        0x23 => "Safety Discrete I/O Device",
        0x25 => "CIP Motion Drive",
        0x2b => "Generic Device (keyable)",
        0x2c => "Managed Switch",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ListIdentity reply from a 1756-ENBT/A (as in the ICSNPP EtherNet/IP test capture).
    fn reply() -> Vec<u8> {
        let mut item = vec![
            0x01, 0x00, 0x00, 0x02, 0xaf, 0x12, 10, 1, 1, 164, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        item.extend_from_slice(&1u16.to_le_bytes()); // vendor
        item.extend_from_slice(&12u16.to_le_bytes()); // device type
        item.extend_from_slice(&58u16.to_le_bytes()); // product code
        item.extend_from_slice(&[4, 3]);
        item.extend_from_slice(&0x0030u16.to_le_bytes());
        item.extend_from_slice(&0x0052_4d8eu32.to_le_bytes());
        item.push(11);
        item.extend_from_slice(b"1756-ENBT/A");
        item.push(3);
        let mut data = vec![1, 0, 0x0c, 0];
        data.extend_from_slice(&(item.len() as u16).to_le_bytes());
        data.extend_from_slice(&item);
        let mut msg = vec![0x63, 0x00];
        msg.extend_from_slice(&(data.len() as u16).to_le_bytes());
        msg.extend_from_slice(&[0; 20]);
        msg.extend_from_slice(&data);
        msg
    }

    #[test]
    fn list_identity_reply() {
        let msg = reply();
        let Framed::Message(m, used) = frame(&msg) else {
            panic!()
        };
        assert_eq!((m.command, used), (LIST_IDENTITY, msg.len()));
        let ids = parse_list_identity_reply(m.data).unwrap();
        let id = &ids[0];
        assert_eq!((id.vendor_id, id.device_type, id.product_code), (1, 12, 58));
        assert_eq!(
            (id.revision_major, id.revision_minor, id.serial_number),
            (4, 3, 0x0052_4d8e)
        );
        assert_eq!(
            (id.product_name.as_str(), id.state),
            ("1756-ENBT/A", Some(3))
        );
        assert_eq!(
            (id.socket_address, id.socket_port),
            ([10, 1, 1, 164], 44818)
        );
        assert_eq!(device_type_name(id.device_type), "Communications Adapter");
    }

    #[test]
    fn never_panics() {
        crate::hostile::never_panics(
            &[reply()],
            0x0d7a_e1b9_44a8_2d01,
            |buf, _| {
                if buf.len() >= 2 {
                    buf[0] = 0x63;
                    buf[1] = 0;
                }
            },
            |b| {
                if let Framed::Message(m, _) = frame(b) {
                    let _ = parse_list_identity_reply(m.data);
                }
                let _ = parse_list_identity_reply(b);
            },
        );
    }
}
