//! BACnet/IP: BVLC and NPDU headers, and the two APDUs in which a device states who it is —
//! the I-Am announcement (device instance, vendor id) and the ReadProperty acknowledgement
//! for properties of the Device object (vendor name, model, firmware, object name, ...).

use crate::Malformed;
use serde::Serialize;

/// Where the APDU sits and which BACnet network the sender is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Npdu<'a> {
    /// Set when the message comes from a device on another BACnet network (behind a router).
    pub source_network: Option<u16>,
    pub source_address: &'a [u8],
    pub apdu: &'a [u8],
}

/// Unwraps BVLC and NPDU; `None` for network-layer messages, which carry no APDU.
pub fn parse(datagram: &[u8]) -> Result<Option<Npdu<'_>>, Malformed> {
    if datagram.len() < 4 || datagram[0] != 0x81 {
        return Err(Malformed::new("bacnet_not_bvlc", 0));
    }
    let npdu_at = match datagram[1] {
        // Distribute-broadcast, original unicast, original broadcast.
        0x09..=0x0b => 4,
        0x04 => 10, // forwarded: the original sender's B/IP address follows
        _ => return Ok(None),
    };
    let n = datagram
        .get(npdu_at..)
        .ok_or(Malformed::new("bacnet_truncated", npdu_at))?;
    if n.len() < 2 || n[0] != 1 {
        return Err(Malformed::new("bacnet_bad_npdu_version", npdu_at));
    }
    let control = n[1];
    let mut at = 2;
    if control & 0x20 != 0 {
        let dlen = usize::from(
            *n.get(at + 2)
                .ok_or(Malformed::new("bacnet_truncated", npdu_at + at))?,
        );
        at += 3 + dlen;
    }
    let mut source_network = None;
    let mut source_address: &[u8] = &[];
    if control & 0x08 != 0 {
        let (Some(&hi), Some(&lo), Some(&slen)) = (n.get(at), n.get(at + 1), n.get(at + 2)) else {
            return Err(Malformed::new("bacnet_truncated", npdu_at + at));
        };
        source_network = Some(u16::from_be_bytes([hi, lo]));
        source_address = n
            .get(at + 3..at + 3 + usize::from(slen))
            .ok_or(Malformed::new("bacnet_truncated", npdu_at + at))?;
        at += 3 + usize::from(slen);
    }
    if control & 0x20 != 0 {
        at += 1; // hop count
    }
    if control & 0x80 != 0 {
        return Ok(None);
    }
    let apdu = n
        .get(at..)
        .ok_or(Malformed::new("bacnet_truncated", npdu_at + at))?;
    Ok(Some(Npdu {
        source_network,
        source_address,
        apdu,
    }))
}

/// One BACnet tag: number, context or application class, and its content.
struct Tag<'a> {
    number: u8,
    context: bool,
    /// 6 opening, 7 closing (context tags only); otherwise a value.
    kind: TagKind,
    content: &'a [u8],
}

#[derive(PartialEq, Eq)]
enum TagKind {
    Value,
    Opening,
    Closing,
}

/// Reads the tag at `at`; returns it and the offset after it.
fn tag(b: &[u8], at: usize) -> Option<(Tag<'_>, usize)> {
    let first = *b.get(at)?;
    let mut pos = at + 1;
    let mut number = first >> 4;
    if number == 15 {
        number = *b.get(pos)?;
        pos += 1;
    }
    let context = first & 0x08 != 0;
    let lvt = first & 0x07;
    if context && lvt == 6 {
        return Some((
            Tag {
                number,
                context,
                kind: TagKind::Opening,
                content: &[],
            },
            pos,
        ));
    }
    if context && lvt == 7 {
        return Some((
            Tag {
                number,
                context,
                kind: TagKind::Closing,
                content: &[],
            },
            pos,
        ));
    }
    // Application booleans keep their value in the length bits.
    let len = if !context && number == 1 {
        0
    } else if lvt < 5 {
        usize::from(lvt)
    } else {
        let ext = *b.get(pos)?;
        pos += 1;
        match ext {
            254 => {
                let l = u16::from_be_bytes([*b.get(pos)?, *b.get(pos + 1)?]);
                pos += 2;
                usize::from(l)
            }
            255 => {
                let l = u32::from_be_bytes([
                    *b.get(pos)?,
                    *b.get(pos + 1)?,
                    *b.get(pos + 2)?,
                    *b.get(pos + 3)?,
                ]);
                pos += 4;
                usize::try_from(l).ok()?
            }
            l => usize::from(l),
        }
    };
    let content = b.get(pos..pos.checked_add(len)?)?;
    Some((
        Tag {
            number,
            context,
            kind: TagKind::Value,
            content,
        },
        pos + len,
    ))
}

fn unsigned(content: &[u8]) -> Option<u32> {
    if content.is_empty() || content.len() > 4 {
        return None;
    }
    Some(content.iter().fold(0u32, |v, b| (v << 8) | u32::from(*b)))
}

fn object_id(content: &[u8]) -> Option<(u16, u32)> {
    let v = unsigned(content).filter(|_| content.len() == 4)?;
    Some(((v >> 22) as u16, v & 0x3f_ffff))
}

/// A character string value (encoding byte, then the characters).
fn character_string(content: &[u8]) -> Option<String> {
    let (&encoding, chars) = content.split_first()?;
    let text = match encoding {
        0 => String::from_utf8_lossy(chars).into_owned(),
        // UCS-2 big endian, used by some older devices.
        4 => chars
            .chunks_exact(2)
            .filter_map(|c| char::from_u32(u32::from(u16::from_be_bytes([c[0], c[1]]))))
            .collect(),
        // ISO 8859-1.
        5 => chars.iter().map(|&b| char::from(b)).collect(),
        _ => return None,
    };
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    Some(text.trim().to_string())
}

pub const OBJECT_DEVICE: u16 = 8;

/// An I-Am announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IAm {
    pub device_instance: u32,
    pub max_apdu: u32,
    pub vendor_id: u32,
}

/// A ReadProperty acknowledgement whose value is a character string or an unsigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PropertyValue {
    pub object_type: u16,
    pub instance: u32,
    pub property: u32,
    pub value: String,
}

/// The I-Am in an APDU, if it is one.
pub fn i_am(apdu: &[u8]) -> Option<IAm> {
    if apdu.len() < 2 || apdu[0] >> 4 != 1 || apdu[1] != 0 {
        return None;
    }
    let (oid, at) = tag(apdu, 2)?;
    let (object_type, device_instance) = object_id(oid.content)?;
    if object_type != OBJECT_DEVICE || oid.context {
        return None;
    }
    let (max_apdu, at) = tag(apdu, at)?;
    let (_segmentation, at) = tag(apdu, at)?;
    let (vendor, _) = tag(apdu, at)?;
    Some(IAm {
        device_instance,
        max_apdu: unsigned(max_apdu.content)?,
        vendor_id: unsigned(vendor.content)?,
    })
}

/// The ReadProperty acknowledgement in an APDU, if it is an unsegmented one.
pub fn read_property_ack(apdu: &[u8]) -> Option<PropertyValue> {
    // Complex ACK, not segmented, service 12 ReadProperty.
    if apdu.len() < 3 || apdu[0] != 0x30 || apdu[2] != 12 {
        return None;
    }
    let (oid, at) = tag(apdu, 3)?;
    let (object_type, instance) =
        object_id(oid.content).filter(|_| oid.context && oid.number == 0)?;
    let (prop, mut at) = tag(apdu, at)?;
    if !prop.context || prop.number != 1 {
        return None;
    }
    let property = unsigned(prop.content)?;
    let (mut next, mut after) = tag(apdu, at)?;
    if next.context && next.number == 2 && next.kind == TagKind::Value {
        at = after;
        (next, after) = tag(apdu, at)?;
    }
    if !(next.context && next.number == 3 && next.kind == TagKind::Opening) {
        return None;
    }
    let (value, _) = tag(apdu, after)?;
    if value.context || value.kind != TagKind::Value {
        return None;
    }
    let text = match value.number {
        7 => character_string(value.content)?,
        2 => unsigned(value.content)?.to_string(),
        _ => return None,
    };
    Some(PropertyValue {
        object_type,
        instance,
        property,
        value: text,
    })
}

/// Names of the Device object properties that identify a device.
pub fn property_name(property: u32) -> Option<&'static str> {
    Some(match property {
        12 => "application-software-version",
        28 => "description",
        44 => "firmware-revision",
        58 => "location",
        70 => "model-name",
        77 => "object-name",
        120 => "vendor-identifier",
        121 => "vendor-name",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i_am_datagram() -> Vec<u8> {
        // I-Am from device 1234, max APDU 1476, no segmentation, vendor 5.
        vec![
            0x81, 0x0b, 0x00, 0x14, 0x01, 0x20, 0xff, 0xff, 0x00, 0xff, 0x10, 0x00, 0xc4, 0x02,
            0x00, 0x04, 0xd2, 0x22, 0x05, 0xc4, 0x91, 0x03, 0x21, 0x05,
        ]
    }

    fn model_name_ack() -> Vec<u8> {
        let name = b"\x00Sample Controller";
        let mut apdu = vec![
            0x30,
            0x01,
            0x0c,
            0x0c,
            0x02,
            0x00,
            0x04,
            0xd2,
            0x19,
            70,
            0x3e,
            0x75,
            name.len() as u8,
        ];
        apdu.extend_from_slice(name);
        apdu.push(0x3f);
        let mut d = vec![0x81, 0x0a, 0x00, 0x00, 0x01, 0x00];
        d.extend_from_slice(&apdu);
        let len = d.len() as u16;
        d[2..4].copy_from_slice(&len.to_be_bytes());
        d
    }

    #[test]
    fn i_am_states_instance_and_vendor() {
        let d = i_am_datagram();
        let npdu = parse(&d).unwrap().unwrap();
        assert_eq!(npdu.source_network, None);
        assert_eq!(
            i_am(npdu.apdu),
            Some(IAm {
                device_instance: 1234,
                max_apdu: 1476,
                vendor_id: 5
            })
        );
    }

    #[test]
    fn read_property_ack_of_model_name() {
        let d = model_name_ack();
        let npdu = parse(&d).unwrap().unwrap();
        let v = read_property_ack(npdu.apdu).unwrap();
        assert_eq!(
            (v.object_type, v.instance, property_name(v.property)),
            (OBJECT_DEVICE, 1234, Some("model-name"))
        );
        assert_eq!(v.value, "Sample Controller");
    }

    #[test]
    fn never_panics() {
        crate::hostile::never_panics(
            &[i_am_datagram(), model_name_ack()],
            0xbac0_e7a1_2024_0001,
            |buf, i| {
                if buf.len() >= 6 {
                    buf[..6].copy_from_slice(&[
                        0x81,
                        if i % 4 == 0 { 0x04 } else { 0x0a },
                        0,
                        0,
                        1,
                        (i as u8) & 0x28,
                    ]);
                }
            },
            |b| {
                if let Ok(Some(n)) = parse(b) {
                    let _ = i_am(n.apdu);
                    let _ = read_property_ack(n.apdu);
                }
                let _ = i_am(b);
                let _ = read_property_ack(b);
            },
        );
    }
}
