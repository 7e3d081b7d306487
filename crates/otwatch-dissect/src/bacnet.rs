//! BACnet/IP, layer by layer: the BVLC header of the UDP datagram (with the original
//! sender of a forwarded NPDU), the NPDU (network layer messages, and the source and
//! destination specifiers a BACnet router adds), the APDU header of each of the eight PDU
//! types (segmentation, invoke id, service choice, reject and abort reasons), and the
//! services in which devices discover each other (Who-Is, I-Am, Who-Has, I-Have), read and
//! write properties (ReadProperty, ReadPropertyMultiple, WriteProperty(Multiple),
//! ReadRange) and are silenced or restarted (DeviceCommunicationControl,
//! ReinitializeDevice). Property values are rendered as text the way ICSNPP's BACnet logs
//! render them, so that our logs read alike.
//!
//! Everything works on borrowed slices; tag walks are bounded by the message and by
//! [`MAX_TAGS`], so hostile input costs at most linear time.

use crate::Malformed;
use serde::Serialize;
use std::net::Ipv4Addr;

/// BVLC function codes.
pub const BVLC_RESULT: u8 = 0x00;
pub const BVLC_FORWARDED_NPDU: u8 = 0x04;
pub const BVLC_DISTRIBUTE_BROADCAST: u8 = 0x09;
pub const BVLC_ORIGINAL_UNICAST: u8 = 0x0a;
pub const BVLC_ORIGINAL_BROADCAST: u8 = 0x0b;

/// APDU types (the high nibble of the first APDU byte).
pub const CONFIRMED_REQUEST: u8 = 0;
pub const UNCONFIRMED_REQUEST: u8 = 1;
pub const SIMPLE_ACK: u8 = 2;
pub const COMPLEX_ACK: u8 = 3;
pub const SEGMENT_ACK: u8 = 4;
pub const ERROR_PDU: u8 = 5;
pub const REJECT_PDU: u8 = 6;
pub const ABORT_PDU: u8 = 7;

/// Confirmed services this module decodes.
pub const SERVICE_READ_PROPERTY: u8 = 12;
pub const SERVICE_READ_PROPERTY_MULTIPLE: u8 = 14;
pub const SERVICE_WRITE_PROPERTY: u8 = 15;
pub const SERVICE_WRITE_PROPERTY_MULTIPLE: u8 = 16;
pub const SERVICE_DEVICE_COMMUNICATION_CONTROL: u8 = 17;
pub const SERVICE_REINITIALIZE_DEVICE: u8 = 20;
pub const SERVICE_READ_RANGE: u8 = 26;
/// Unconfirmed services this module decodes.
pub const SERVICE_I_AM: u8 = 0;
pub const SERVICE_I_HAVE: u8 = 1;
pub const SERVICE_WHO_HAS: u8 = 7;
pub const SERVICE_WHO_IS: u8 = 8;

pub const OBJECT_DEVICE: u16 = 8;

/// Tags read from one service body at most; a real body holds far fewer.
pub const MAX_TAGS: usize = 4096;
/// Values kept from one property value (one log row each).
pub const MAX_VALUES: usize = 1024;

/// The BVLC header and what follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bvlc<'a> {
    pub function: u8,
    /// The length the header states (which may differ from the datagram's).
    pub length: usize,
    /// The B/IP address of the device that sent a forwarded NPDU.
    pub forwarded_from: Option<(Ipv4Addr, u16)>,
    /// The result code of a BVLC-Result.
    pub result: Option<u16>,
    /// The NPDU, for the functions that carry one.
    pub npdu: Option<&'a [u8]>,
}

/// Reads the BVLC header of a BACnet/IP datagram.
pub fn parse_bvlc(datagram: &[u8]) -> Result<Bvlc<'_>, Malformed> {
    let (Some(&0x81), Some(&function)) = (datagram.first(), datagram.get(1)) else {
        return Err(Malformed::new("bacnet_not_bvlc", 0));
    };
    let length = match datagram.get(2..4) {
        Some(l) => usize::from(u16::from_be_bytes([l[0], l[1]])),
        None => return Err(Malformed::new("bacnet_truncated", 2)),
    };
    if length < 4 {
        return Err(Malformed::new("bacnet_bad_bvlc_length", 2));
    }
    // Some devices state a length longer than the datagram they send; what arrived is
    // still read (the engine reports the mismatch).
    let body = &datagram[4..length.min(datagram.len())];
    let mut bvlc = Bvlc {
        function,
        length,
        forwarded_from: None,
        result: None,
        npdu: None,
    };
    match function {
        BVLC_RESULT => {
            let r = body.get(..2).ok_or(Malformed::new("bacnet_truncated", 4))?;
            bvlc.result = Some(u16::from_be_bytes([r[0], r[1]]));
        }
        BVLC_FORWARDED_NPDU => {
            let a = body.get(..6).ok_or(Malformed::new("bacnet_truncated", 4))?;
            bvlc.forwarded_from = Some((
                Ipv4Addr::new(a[0], a[1], a[2], a[3]),
                u16::from_be_bytes([a[4], a[5]]),
            ));
            bvlc.npdu = body.get(6..);
        }
        BVLC_DISTRIBUTE_BROADCAST | BVLC_ORIGINAL_UNICAST | BVLC_ORIGINAL_BROADCAST => {
            bvlc.npdu = Some(body);
        }
        _ => {}
    }
    Ok(bvlc)
}

/// A network number and the MAC address on that network (empty: broadcast).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetAddress<'a> {
    pub network: u16,
    pub mac: &'a [u8],
}

/// The NPDU header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Npdu<'a> {
    pub control: u8,
    /// DNET/DADR: the message is for a device on another network.
    pub destination: Option<NetAddress<'a>>,
    /// SNET/SADR: the message comes from a device on another network, through a router.
    pub source: Option<NetAddress<'a>>,
    /// A network layer message type; `None` when an APDU follows.
    pub network_message: Option<u8>,
    /// The APDU, or the network layer message's data.
    pub body: &'a [u8],
}

impl Npdu<'_> {
    /// The sender asked for a reply (a confirmed request, or a segment awaiting its ack).
    pub fn expecting_reply(&self) -> bool {
        self.control & 0x04 != 0
    }
}

pub fn parse_npdu(n: &[u8]) -> Result<Npdu<'_>, Malformed> {
    let (Some(&1), Some(&control)) = (n.first(), n.get(1)) else {
        return Err(Malformed::new("bacnet_bad_npdu_version", 0));
    };
    let mut at = 2;
    let address = |at: &mut usize| -> Result<NetAddress<'_>, Malformed> {
        let h = n
            .get(*at..*at + 3)
            .ok_or(Malformed::new("bacnet_truncated", *at))?;
        let len = usize::from(h[2]);
        let mac = n
            .get(*at + 3..*at + 3 + len)
            .ok_or(Malformed::new("bacnet_truncated", *at + 3))?;
        let network = u16::from_be_bytes([h[0], h[1]]);
        *at += 3 + len;
        Ok(NetAddress { network, mac })
    };
    let destination = if control & 0x20 != 0 {
        Some(address(&mut at)?)
    } else {
        None
    };
    let source = if control & 0x08 != 0 {
        Some(address(&mut at)?)
    } else {
        None
    };
    if destination.is_some() {
        at += 1; // hop count
    }
    let network_message = if control & 0x80 != 0 {
        let t = *n.get(at).ok_or(Malformed::new("bacnet_truncated", at))?;
        at += 1;
        if t >= 0x80 {
            at += 2; // vendor id of a proprietary message
        }
        Some(t)
    } else {
        None
    };
    let body = n.get(at..).ok_or(Malformed::new("bacnet_truncated", at))?;
    Ok(Npdu {
        control,
        destination,
        source,
        network_message,
        body,
    })
}

/// One BACnet message: BVLC, and where there is one, NPDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub bvlc: Bvlc<'a>,
    pub npdu: Option<Npdu<'a>>,
}

/// Reads BVLC and NPDU of a datagram.
pub fn parse(datagram: &[u8]) -> Result<Message<'_>, Malformed> {
    let bvlc = parse_bvlc(datagram)?;
    let npdu = match bvlc.npdu {
        Some(n) => {
            let at = datagram.len() - n.len();
            Some(parse_npdu(n).map_err(|m| Malformed::new(m.reason, m.offset + at))?)
        }
        None => None,
    };
    Ok(Message { bvlc, npdu })
}

/// The APDU header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Apdu<'a> {
    pub pdu_type: u8,
    /// A segment of a segmented request or complex ack.
    pub segmented: bool,
    /// More segments follow this one.
    pub more_follows: bool,
    pub invoke_id: Option<u8>,
    pub sequence_number: Option<u8>,
    /// Service choice (requests, simple and complex acks, errors).
    pub service: Option<u8>,
    /// Reject or abort reason.
    pub reason: Option<u8>,
    /// Sent by the server (segment ack and abort).
    pub from_server: bool,
    /// The service parameters (or error class and code).
    pub body: &'a [u8],
}

pub fn parse_apdu(a: &[u8]) -> Result<Apdu<'_>, Malformed> {
    let first = *a.first().ok_or(Malformed::new("bacnet_truncated", 0))?;
    let byte = |i: usize| {
        a.get(i)
            .copied()
            .ok_or(Malformed::new("bacnet_truncated", i))
    };
    let mut apdu = Apdu {
        pdu_type: first >> 4,
        segmented: false,
        more_follows: false,
        invoke_id: None,
        sequence_number: None,
        service: None,
        reason: None,
        from_server: false,
        body: &[],
    };
    let body_at = match apdu.pdu_type {
        CONFIRMED_REQUEST => {
            apdu.segmented = first & 0x08 != 0;
            apdu.more_follows = first & 0x04 != 0;
            apdu.invoke_id = Some(byte(2)?);
            let mut at = 3;
            if apdu.segmented {
                apdu.sequence_number = Some(byte(3)?);
                at = 5;
            }
            apdu.service = Some(byte(at)?);
            at + 1
        }
        UNCONFIRMED_REQUEST => {
            apdu.service = Some(byte(1)?);
            2
        }
        SIMPLE_ACK => {
            apdu.invoke_id = Some(byte(1)?);
            apdu.service = Some(byte(2)?);
            3
        }
        COMPLEX_ACK => {
            apdu.segmented = first & 0x08 != 0;
            apdu.more_follows = first & 0x04 != 0;
            apdu.invoke_id = Some(byte(1)?);
            let mut at = 2;
            if apdu.segmented {
                apdu.sequence_number = Some(byte(2)?);
                at = 4;
            }
            apdu.service = Some(byte(at)?);
            at + 1
        }
        SEGMENT_ACK => {
            apdu.from_server = first & 0x01 != 0;
            apdu.invoke_id = Some(byte(1)?);
            apdu.sequence_number = Some(byte(2)?);
            byte(3)?;
            4
        }
        ERROR_PDU => {
            apdu.invoke_id = Some(byte(1)?);
            apdu.service = Some(byte(2)?);
            3
        }
        REJECT_PDU | ABORT_PDU => {
            apdu.from_server = first & 0x01 != 0;
            apdu.invoke_id = Some(byte(1)?);
            apdu.reason = Some(byte(2)?);
            3
        }
        _ => return Err(Malformed::new("bacnet_unknown_pdu_type", 0)),
    };
    apdu.body = a.get(body_at..).unwrap_or_default();
    Ok(apdu)
}

/// One BACnet tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag<'a> {
    pub number: u8,
    pub context: bool,
    pub kind: TagKind,
    /// The length/value/type bits (a boolean's value for application booleans).
    pub lvt: u8,
    pub content: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    Value,
    Opening,
    Closing,
}

impl Tag<'_> {
    fn is_context(&self, number: u8) -> bool {
        self.context && self.kind == TagKind::Value && self.number == number
    }
    fn opens(&self, number: u8) -> bool {
        self.context && self.kind == TagKind::Opening && self.number == number
    }
    fn closes(&self, number: u8) -> bool {
        self.context && self.kind == TagKind::Closing && self.number == number
    }
}

/// Reads the tag at `at`; returns it and the offset after it.
pub fn tag(b: &[u8], at: usize) -> Option<(Tag<'_>, usize)> {
    let first = *b.get(at)?;
    let mut pos = at + 1;
    let mut number = first >> 4;
    if number == 15 {
        number = *b.get(pos)?;
        pos += 1;
    }
    let context = first & 0x08 != 0;
    let lvt = first & 0x07;
    if context && (lvt == 6 || lvt == 7) {
        let kind = if lvt == 6 {
            TagKind::Opening
        } else {
            TagKind::Closing
        };
        let t = Tag {
            number,
            context,
            kind,
            lvt,
            content: &[],
        };
        return Some((t, pos));
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
    let t = Tag {
        number,
        context,
        kind: TagKind::Value,
        lvt,
        content,
    };
    Some((t, pos + len))
}

/// The tags of a service body, in order, up to the first undecodable byte or [`MAX_TAGS`].
pub fn tags(body: &[u8]) -> Vec<Tag<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < body.len() && out.len() < MAX_TAGS {
        let Some((t, next)) = tag(body, at) else {
            break;
        };
        out.push(t);
        at = next;
    }
    out
}

pub fn unsigned(content: &[u8]) -> Option<u32> {
    if content.is_empty() || content.len() > 4 {
        return None;
    }
    Some(content.iter().fold(0u32, |v, b| (v << 8) | u32::from(*b)))
}

fn signed(content: &[u8]) -> Option<i32> {
    let v = unsigned(content)?;
    let bits = 8 * content.len() as u32;
    let shift = 32 - bits;
    Some(((v << shift) as i32) >> shift)
}

/// An object identifier: object type and instance number.
pub fn object_id(content: &[u8]) -> Option<(u16, u32)> {
    let v = unsigned(content).filter(|_| content.len() == 4)?;
    Some(((v >> 22) as u16, v & 0x3f_ffff))
}

/// A character string value for the inventory: lossy, control characters dropped,
/// trimmed; UTF-8, UCS-2 and ISO 8859-1 encodings.
pub fn character_string(content: &[u8]) -> Option<String> {
    let (&encoding, chars) = content.split_first()?;
    let text: String = match encoding {
        0 => String::from_utf8_lossy(chars).into_owned(),
        4 => chars
            .chunks_exact(2)
            .filter_map(|c| char::from_u32(u32::from(u16::from_be_bytes([c[0], c[1]]))))
            .collect(),
        5 => chars.iter().map(|&b| char::from(b)).collect(),
        _ => return None,
    };
    let text: String = text.chars().filter(|c| !c.is_control()).take(255).collect();
    Some(text.trim().to_string())
}

/// An application-tagged value rendered as ICSNPP renders it: booleans `true`/`false`,
/// reals with six decimals, octet strings in hex, bit strings as `T`/`F` per bit, dates
/// `m/d/yyyy`, times `h:m:s.hh`, object identifiers `type: instance`; character strings
/// only in UTF-8 and up to a NUL; NULL and other encodings are empty.
pub fn render_value(t: &Tag<'_>) -> String {
    let c = t.content;
    match t.number {
        1 => (t.lvt == 1).to_string(),
        2 | 9 => unsigned(c).unwrap_or(0).to_string(),
        3 => signed(c).unwrap_or(0).to_string(),
        4 => match <[u8; 4]>::try_from(c) {
            Ok(b) => format!("{:.6}", f32::from_be_bytes(b)),
            Err(_) => "0.000000".into(),
        },
        5 => match <[u8; 8]>::try_from(c) {
            Ok(b) => format!("{:.6}", f64::from_be_bytes(b)),
            Err(_) => "0.000000".into(),
        },
        6 if c.len() > 1024 => format!("<octets len={}>", c.len()),
        6 => c.iter().map(|b| format!("{b:02x}")).collect(),
        7 => match c.split_first() {
            Some((0, chars)) => {
                let end = chars.iter().position(|&b| b == 0).unwrap_or(chars.len());
                String::from_utf8_lossy(&chars[..end.min(4096)]).into_owned()
            }
            _ => String::new(),
        },
        8 if c.len() > 512 => format!("<bits len={}>", c.len()),
        8 => c
            .iter()
            .skip(1)
            .flat_map(|b| {
                (0..8)
                    .rev()
                    .map(move |i| if b >> i & 1 == 1 { 'T' } else { 'F' })
            })
            .collect(),
        10 if c.len() == 4 => format!("{}/{}/{}", c[1], c[2], 1900 + u32::from(c[0])),
        11 if c.len() == 4 => format!("{}:{}:{}.{}", c[0], c[1], c[2], c[3]),
        12 => match object_id(c) {
            Some((t, i)) if t < 50 => format!("{}: {i}", object_type_name(t)),
            Some((t, i)) => format!("unknown_type_{t}: {i}"),
            None => String::new(),
        },
        _ => String::new(),
    }
}

/// Who-Is: the range of device instances asked for (`None`: all).
pub fn who_is(body: &[u8]) -> Option<(u32, u32)> {
    let t = tags(body);
    match (t.first(), t.get(1)) {
        (Some(lo), Some(hi)) if lo.is_context(0) && hi.is_context(1) => {
            Some((unsigned(lo.content)?, unsigned(hi.content)?))
        }
        _ => None,
    }
}

/// An I-Am announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IAm {
    pub object_type: u16,
    pub device_instance: u32,
    pub max_apdu: u32,
    pub segmentation: u32,
    pub vendor_id: u32,
}

pub fn i_am(body: &[u8]) -> Option<IAm> {
    let t = tags(body);
    let [oid, max_apdu, seg, vendor] = t.get(..4)? else {
        return None;
    };
    if [oid, max_apdu, seg, vendor].iter().any(|t| t.context) {
        return None;
    }
    let (object_type, device_instance) = object_id(oid.content)?;
    Some(IAm {
        object_type,
        device_instance,
        max_apdu: unsigned(max_apdu.content)?,
        segmentation: unsigned(seg.content)?,
        vendor_id: unsigned(vendor.content)?,
    })
}

/// Who-Has: a device range and the object looked for, by identifier or by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhoHas {
    pub range: Option<(u32, u32)>,
    pub object: Option<(u16, u32)>,
    pub object_name: Option<String>,
}

pub fn who_has(body: &[u8]) -> Option<WhoHas> {
    let mut out = WhoHas {
        range: None,
        object: None,
        object_name: None,
    };
    let t = tags(body);
    let mut i = 0;
    if let (Some(lo), Some(hi)) = (t.first(), t.get(1)) {
        if lo.is_context(0) && hi.is_context(1) {
            out.range = Some((unsigned(lo.content)?, unsigned(hi.content)?));
            i = 2;
        }
    }
    let what = t.get(i)?;
    if what.is_context(2) {
        out.object = Some(object_id(what.content)?);
    } else if what.is_context(3) {
        out.object_name = Some(render_value(&Tag {
            number: 7,
            context: false,
            ..*what
        }));
    } else {
        return None;
    }
    Some(out)
}

/// I-Have: the device that has the object, the object and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IHave {
    pub device: (u16, u32),
    pub object: (u16, u32),
    pub object_name: String,
}

pub fn i_have(body: &[u8]) -> Option<IHave> {
    let t = tags(body);
    let [dev, obj, name] = t.get(..3)? else {
        return None;
    };
    if dev.context || obj.context || name.context || name.number != 7 {
        return None;
    }
    Some(IHave {
        device: object_id(dev.content)?,
        object: object_id(obj.content)?,
        object_name: render_value(name),
    })
}

/// A property of an object, as requests name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PropertyRef {
    pub object_type: u16,
    pub instance: u32,
    pub property: u32,
    pub array_index: Option<u32>,
}

/// Reads `[0] object, [1] property, [2] index?` from the tags at `*i`.
fn property_ref(t: &[Tag<'_>], i: &mut usize) -> Option<PropertyRef> {
    let oid = t.get(*i).filter(|t| t.is_context(0))?;
    let prop = t.get(*i + 1).filter(|t| t.is_context(1))?;
    let (object_type, instance) = object_id(oid.content)?;
    *i += 2;
    let array_index = match t.get(*i) {
        Some(x) if x.is_context(2) => {
            *i += 1;
            unsigned(x.content)
        }
        _ => None,
    };
    Some(PropertyRef {
        object_type,
        instance,
        property: unsigned(prop.content)?,
        array_index,
    })
}

/// ReadProperty and ReadRange requests: the property asked for.
pub fn read_property_request(body: &[u8]) -> Option<PropertyRef> {
    property_ref(&tags(body), &mut 0)
}

/// A property and the values given for it (ReadProperty ack, WriteProperty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PropertyValues {
    pub property: PropertyRef,
    /// Each application-tagged value, rendered; at most [`MAX_VALUES`].
    pub values: Vec<String>,
    /// The first character string among the values, for the inventory.
    pub text: Option<String>,
    /// The first unsigned or enumerated value.
    pub number: Option<u32>,
    /// WriteProperty's priority.
    pub priority: Option<u32>,
    /// ReadPropertyMultiple answered this property with an error instead of values.
    pub error: bool,
}

/// Collects the values between opening tag `number` at `t[*i]` and its closing tag.
fn collect_values(t: &[Tag<'_>], i: &mut usize, number: u8, out: &mut PropertyValues) -> bool {
    if !t.get(*i).is_some_and(|x| x.opens(number)) {
        return false;
    }
    *i += 1;
    let mut depth = 0usize;
    while let Some(x) = t.get(*i) {
        *i += 1;
        match x.kind {
            TagKind::Opening => depth += 1,
            TagKind::Closing if depth == 0 => return x.closes(number),
            TagKind::Closing => depth -= 1,
            TagKind::Value if !x.context => {
                if out.values.len() < MAX_VALUES {
                    out.values.push(render_value(x));
                }
                if x.number == 7 && out.text.is_none() {
                    out.text = character_string(x.content);
                }
                if matches!(x.number, 2 | 9) && out.number.is_none() {
                    out.number = unsigned(x.content);
                }
            }
            TagKind::Value => {}
        }
    }
    false
}

/// A ReadProperty acknowledgement (unsegmented, or a segmented one reassembled).
pub fn read_property_ack(body: &[u8]) -> Option<PropertyValues> {
    let t = tags(body);
    let mut i = 0;
    let property = property_ref(&t, &mut i)?;
    let mut out = PropertyValues {
        property,
        values: Vec::new(),
        text: None,
        number: None,
        priority: None,
        error: false,
    };
    collect_values(&t, &mut i, 3, &mut out);
    Some(out)
}

/// A WriteProperty request.
pub fn write_property(body: &[u8]) -> Option<PropertyValues> {
    let t = tags(body);
    let mut i = 0;
    let property = property_ref(&t, &mut i)?;
    let mut out = PropertyValues {
        property,
        values: Vec::new(),
        text: None,
        number: None,
        priority: None,
        error: false,
    };
    if collect_values(&t, &mut i, 3, &mut out) {
        out.priority = t
            .get(i)
            .filter(|x| x.is_context(4))
            .and_then(|x| unsigned(x.content));
    }
    Some(out)
}

/// ReadPropertyMultiple request: each object with the properties asked of it.
pub fn read_property_multiple_request(body: &[u8]) -> Vec<PropertyRef> {
    let t = tags(body);
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(oid) = t.get(i).filter(|x| x.is_context(0)) {
        let Some((object_type, instance)) = object_id(oid.content) else {
            break;
        };
        if !t.get(i + 1).is_some_and(|x| x.opens(1)) {
            break;
        }
        i += 2;
        while let Some(p) = t.get(i).filter(|x| x.is_context(0)) {
            i += 1;
            let array_index = match t.get(i) {
                Some(x) if x.is_context(1) => {
                    i += 1;
                    unsigned(x.content)
                }
                _ => None,
            };
            if let Some(property) = unsigned(p.content) {
                out.push(PropertyRef {
                    object_type,
                    instance,
                    property,
                    array_index,
                });
            }
        }
        if !t.get(i).is_some_and(|x| x.closes(1)) {
            break;
        }
        i += 1;
    }
    out
}

/// ReadPropertyMultiple acknowledgement: each object and property read, with its values
/// (a property answered with an error has none).
pub fn read_property_multiple_ack(body: &[u8]) -> Vec<PropertyValues> {
    let t = tags(body);
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(oid) = t.get(i).filter(|x| x.is_context(0)) {
        let Some((object_type, instance)) = object_id(oid.content) else {
            break;
        };
        if !t.get(i + 1).is_some_and(|x| x.opens(1)) {
            break;
        }
        i += 2;
        while let Some(p) = t.get(i).filter(|x| x.is_context(2)) {
            i += 1;
            let array_index = match t.get(i) {
                Some(x) if x.is_context(3) => {
                    i += 1;
                    unsigned(x.content)
                }
                _ => None,
            };
            let Some(property) = unsigned(p.content) else {
                return out;
            };
            let mut pv = PropertyValues {
                property: PropertyRef {
                    object_type,
                    instance,
                    property,
                    array_index,
                },
                values: Vec::new(),
                text: None,
                number: None,
                priority: None,
                error: false,
            };
            let complete = if t.get(i).is_some_and(|x| x.opens(4)) {
                collect_values(&t, &mut i, 4, &mut pv)
            } else {
                let mut error = pv.clone();
                pv.error = true;
                collect_values(&t, &mut i, 5, &mut error)
            };
            out.push(pv);
            if !complete {
                return out;
            }
        }
        if !t.get(i).is_some_and(|x| x.closes(1)) {
            break;
        }
        i += 1;
    }
    out
}

/// WritePropertyMultiple request: each object and property written, with its values.
pub fn write_property_multiple(body: &[u8]) -> Vec<PropertyValues> {
    let t = tags(body);
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(oid) = t.get(i).filter(|x| x.is_context(0)) {
        let Some((object_type, instance)) = object_id(oid.content) else {
            break;
        };
        if !t.get(i + 1).is_some_and(|x| x.opens(1)) {
            break;
        }
        i += 2;
        while let Some(p) = t.get(i).filter(|x| x.is_context(0)) {
            i += 1;
            let array_index = match t.get(i) {
                Some(x) if x.is_context(1) => {
                    i += 1;
                    unsigned(x.content)
                }
                _ => None,
            };
            let Some(property) = unsigned(p.content) else {
                return out;
            };
            let mut pv = PropertyValues {
                property: PropertyRef {
                    object_type,
                    instance,
                    property,
                    array_index,
                },
                values: Vec::new(),
                text: None,
                number: None,
                priority: None,
                error: false,
            };
            if !collect_values(&t, &mut i, 2, &mut pv) {
                out.push(pv);
                return out;
            }
            if let Some(x) = t.get(i).filter(|x| x.is_context(3)) {
                pv.priority = unsigned(x.content);
                i += 1;
            }
            out.push(pv);
        }
        if !t.get(i).is_some_and(|x| x.closes(1)) {
            break;
        }
        i += 1;
    }
    out
}

/// DeviceCommunicationControl and ReinitializeDevice: the state asked for, and whether a
/// password was given (its text is kept only for the ICSNPP-compatible log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceControl {
    /// Minutes the device is to stay silent (DeviceCommunicationControl).
    pub duration_minutes: Option<u32>,
    pub state: u32,
    #[serde(skip)]
    pub password: Option<String>,
}

impl DeviceControl {
    /// A non-empty password was given.
    pub fn has_password(&self) -> bool {
        self.password.as_deref().is_some_and(|p| !p.is_empty())
    }
}

pub fn device_communication_control(body: &[u8]) -> Option<DeviceControl> {
    let t = tags(body);
    let mut i = 0;
    let duration_minutes = match t.first() {
        Some(x) if x.is_context(0) => {
            i = 1;
            unsigned(x.content)
        }
        _ => None,
    };
    let state = t.get(i).filter(|x| x.is_context(1))?;
    let password = t.get(i + 1).filter(|x| x.is_context(2)).map(password_text);
    Some(DeviceControl {
        duration_minutes,
        state: unsigned(state.content)?,
        password,
    })
}

pub fn reinitialize_device(body: &[u8]) -> Option<DeviceControl> {
    let t = tags(body);
    let state = t.first().filter(|x| x.is_context(0))?;
    let password = t.get(1).filter(|x| x.is_context(1)).map(password_text);
    Some(DeviceControl {
        duration_minutes: None,
        state: unsigned(state.content)?,
        password,
    })
}

fn password_text(t: &Tag<'_>) -> String {
    render_value(&Tag {
        number: 7,
        context: false,
        ..*t
    })
}

/// The error class and code of an Error PDU (the first two enumerated values, which is
/// where every service's error puts them).
pub fn error_class_code(body: &[u8]) -> Option<(u32, u32)> {
    let mut found = tags(body)
        .into_iter()
        .filter(|t| t.kind == TagKind::Value && t.number == 9 && !t.context)
        .filter_map(|t| unsigned(t.content));
    Some((found.next()?, found.next()?))
}

// ---- Names -------------------------------------------------------------------------------

fn sorted_table(
    cell: &'static std::sync::OnceLock<Vec<(u32, &'static str)>>,
    text: &'static str,
) -> &'static [(u32, &'static str)] {
    cell.get_or_init(|| {
        let mut rows: Vec<(u32, &'static str)> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (id, name) = l.split_once('\t')?;
                Some((id.parse().ok()?, name))
            })
            .collect();
        rows.sort_by_key(|r| r.0);
        rows
    })
}

fn lookup(
    cell: &'static std::sync::OnceLock<Vec<(u32, &'static str)>>,
    text: &'static str,
    id: u32,
) -> Option<&'static str> {
    let t = sorted_table(cell, text);
    t.binary_search_by_key(&id, |r| r.0).ok().map(|i| t[i].1)
}

const BACNET_VENDORS: &str = include_str!("../data/bacnet_vendors.tsv");

/// Source, date and size of the BACnet vendor table, for reports.
pub fn vendor_table() -> crate::TableHeader {
    crate::table_header(BACNET_VENDORS)
}

/// The name registered for a BACnet vendor id (`data/bacnet_vendors.tsv`; its header names
/// the source).
pub fn vendor_name(id: u32) -> Option<&'static str> {
    static T: std::sync::OnceLock<Vec<(u32, &'static str)>> = std::sync::OnceLock::new();
    lookup(&T, BACNET_VENDORS, id)
}

/// A property identifier's name; `Vendor Specific (n)` for the proprietary range.
pub fn property_name(id: u32) -> String {
    static T: std::sync::OnceLock<Vec<(u32, &'static str)>> = std::sync::OnceLock::new();
    match lookup(&T, include_str!("../data/bacnet_properties.tsv"), id) {
        Some(n) => n.to_string(),
        None if (512..=4_194_303).contains(&id) => format!("Vendor Specific ({id})"),
        None => format!("Unknown Property-{id}"),
    }
}

/// An engineering unit's name.
pub fn unit_name(id: u32) -> String {
    static T: std::sync::OnceLock<Vec<(u32, &'static str)>> = std::sync::OnceLock::new();
    lookup(&T, include_str!("../data/bacnet_units.tsv"), id)
        .map_or_else(|| format!("Unknown Unit-{id}"), str::to_string)
}

pub fn error_code_name(code: u32) -> String {
    static T: std::sync::OnceLock<Vec<(u32, &'static str)>> = std::sync::OnceLock::new();
    lookup(&T, include_str!("../data/bacnet_error_codes.tsv"), code).map_or_else(
        || format!("Unknown Error Code-0x{code:02x}"),
        str::to_string,
    )
}

const OBJECT_TYPES: [&str; 65] = [
    "analog-input",
    "analog-output",
    "analog-value",
    "binary-input",
    "binary-output",
    "binary-value",
    "calendar",
    "command",
    "device",
    "event-enrollment",
    "file",
    "group",
    "loop",
    "multi-state-input",
    "multi-state-output",
    "notification-class",
    "program",
    "schedule",
    "averaging",
    "multi-state-value",
    "trend-log",
    "life-safety-point",
    "life-safety-zone",
    "accumulator",
    "pulse-converter",
    "event-log",
    "global-group",
    "trend-log-multiple",
    "load-control",
    "structured-view",
    "access-door",
    "timer",
    "access-credential",
    "access-point",
    "access-rights",
    "access-user",
    "access-zone",
    "credential-data-input",
    "network-security",
    "bitstring-value",
    "characterstring-value",
    "date-pattern-value",
    "date-value",
    "datetime-pattern-value",
    "datetime-value",
    "integer-value",
    "large-analog-value",
    "octetstring-value",
    "positive-integer-value",
    "time-pattern-value",
    "time-value",
    "notification-forwarder",
    "alert-enrollment",
    "channel",
    "lighting-output",
    "binary-lighting-output",
    "network-port",
    "elevator-group",
    "escalator",
    "lift",
    "staging",
    "audit-log",
    "audit-reporter",
    "color",
    "color-temperature",
];

pub fn object_type_name(t: u16) -> String {
    match OBJECT_TYPES.get(usize::from(t)) {
        Some(n) => n.to_string(),
        None if t >= 128 => format!("proprietary-{t}"),
        None => format!("Unknown Object Type-{t}"),
    }
}

/// Names of the APDU types, as ICSNPP's `bacnet.log` writes them.
pub fn pdu_type_name(t: u8) -> &'static str {
    [
        "CONFIRMED_REQUEST",
        "UNCONFIRMED_REQUEST",
        "SIMPLE_ACK",
        "COMPLEX_ACK",
        "SEGMENT_ACK",
        "ERROR_PDU",
        "REJECT_PDU",
        "ABORT_PDU",
    ]
    .get(usize::from(t))
    .copied()
    .unwrap_or("UNKNOWN")
}

pub fn bvlc_function_name(f: u8) -> String {
    let name = [
        "BVLC_Result",
        "Write_Broadcast_Table",
        "Read_Broadcast_Table",
        "Read_Broadcast_Table_ACK",
        "Forwarded_NPDU",
        "Register_Foreign_Device",
        "Read_Foreign_Device_Table",
        "Read_Foreign_Device_Table_ACK",
        "Delete_Foreign_Device_Table_Entry",
        "Distribute_Broadcast_to_Network",
        "Original_Unicast_NPDU",
        "Original_Broadcast_NPDU",
        "Secure_BVLL",
    ];
    name.get(usize::from(f)).map_or_else(
        || format!("Unknown BVLC Function Code-0x{f:02x}"),
        |n| n.to_string(),
    )
}

pub fn bvlc_result_name(code: u16) -> String {
    match code {
        0x00 => "Successful_completion".into(),
        0x10 => "Write-Broadcast-Distribution-Table_NAK".into(),
        0x20 => "Read-Broadcast-Distribution-Table_NAK".into(),
        0x30 => "Register-Foreign-Device_NAK".into(),
        0x40 => "Read-Foreign-Device-Table_NAK".into(),
        0x50 => "Delete-Foreign-Device-Table-Entry_NAK".into(),
        0x60 => "Distribute-Broadcast-To-Network_NAK".into(),
        c => format!("Unknown BVLC Result Code-0x{c:02x}"),
    }
}

pub fn confirmed_service_name(s: u8) -> String {
    const NAMES: [&str; 35] = [
        "acknowledge_alarm",
        "confirmed_cov_notification",
        "confirmed_event_notification",
        "get_alarm_summary",
        "get_enrollment_summary",
        "subscribe_cov",
        "atomic_read_file",
        "atomic_write_file",
        "add_list_element",
        "remove_list_element",
        "create_object",
        "delete_object",
        "read_property",
        "read_property_conditional",
        "read_property_multiple",
        "write_property",
        "write_property_multiple",
        "device_communication_control",
        "confirmed_private_transfer",
        "confirmed_text_message",
        "reinitialize_device",
        "vt_open",
        "vt_close",
        "vt_data",
        "authenticate",
        "request_key",
        "read_range",
        "life_safety_operation",
        "subscribe_cov_property",
        "get_event_information",
        "subscribe_cov_property_multiple",
        "confirmed_cov_notification_multiple",
        "confirmed_audit_notification",
        "audit_log_query",
        "auth_request",
    ];
    NAMES.get(usize::from(s)).map_or_else(
        || format!("Unknown Service Choice-0x{s:02x}"),
        |n| n.to_string(),
    )
}

pub fn unconfirmed_service_name(s: u8) -> String {
    const NAMES: [&str; 14] = [
        "i_am",
        "i_have",
        "unconfirmed_cov_notification",
        "unconfirmed_event_notification",
        "unconfirmed_private_transfer",
        "unconfirmed_text_message",
        "time_synchronization",
        "who_has",
        "who_is",
        "utc_time_synchronization",
        "write_group",
        "unconfirmed_cov_notification_multiple",
        "unconfirmed_audit_notification",
        "who_am_i",
    ];
    match (s, NAMES.get(usize::from(s))) {
        (14, _) => "you_are".into(),
        (_, Some(n)) => n.to_string(),
        _ => format!("Unknown Service Choice-0x{s:02x}"),
    }
}

pub fn network_message_name(t: u8) -> String {
    const NAMES: [&str; 0x14] = [
        "who_is_router_to_network",
        "i_am_router_to_network",
        "i_could_be_router_to_network",
        "reject_message_to_network",
        "router_busy_to_network",
        "router_available_to_network",
        "initialize_routing_table",
        "initialize_routing_table_ack",
        "establish_connection_to_network",
        "disconnect_connection_to_network",
        "challenge_request",
        "security_payload",
        "security_response",
        "request_key_update",
        "update_key_set",
        "update_distribution_key",
        "request_master_key",
        "set_master_key",
        "what_is_network_number",
        "network_number_is",
    ];
    NAMES
        .get(usize::from(t))
        .map_or_else(|| format!("Unknown NPDU Type-0x{t:02x}"), |n| n.to_string())
}

pub fn reject_reason_name(r: u8) -> String {
    const NAMES: [&str; 10] = [
        "other",
        "buffer-overflow",
        "inconsistent-parameters",
        "invalid-parameter-data-type",
        "invalid-tag",
        "missing-required-parameter",
        "parameter-out-of-range",
        "too-many-arguments",
        "undefined-enumeration",
        "unrecognized-service",
    ];
    NAMES.get(usize::from(r)).map_or_else(
        || format!("Unknown Reject Reason-0x{r:02x}"),
        |n| n.to_string(),
    )
}

pub fn abort_reason_name(r: u8) -> String {
    const NAMES: [&str; 12] = [
        "other",
        "buffer-overflow",
        "invalid-apdu-in-this-state",
        "preempted-by-higher-priority-task",
        "segmentation-not-supported",
        "security-error",
        "insufficient-security",
        "window-size-out-of-range",
        "application-exceeded-reply-time",
        "out-of-resources",
        "tsm-timeout",
        "apdu-too-long",
    ];
    NAMES.get(usize::from(r)).map_or_else(
        || format!("Unknown Abort Reason-0x{r:02x}"),
        |n| n.to_string(),
    )
}

pub fn reinitialize_state_name(s: u32) -> String {
    const NAMES: [&str; 8] = [
        "coldstart",
        "warmstart",
        "startbackup",
        "endbackup",
        "startrestore",
        "endrestore",
        "abortrestore",
        "activate-changes",
    ];
    NAMES
        .get(s as usize)
        .map_or_else(|| format!("Unknown State-{s}"), |n| n.to_string())
}

pub fn communication_state_name(s: u32) -> String {
    const NAMES: [&str; 3] = ["enable", "disable", "disable-initiation"];
    NAMES
        .get(s as usize)
        .map_or_else(|| format!("Unknown State-{s}"), |n| n.to_string())
}

/// The text for an enumerated property value, for the properties whose enumerations the
/// logs spell out (event state, notify type, object type, reliability, segmentation,
/// system status, units, logging type); `None` leaves the number.
pub fn enumerated_property_value(property: u32, v: u32) -> Option<String> {
    let from = |names: &[&str]| {
        names
            .get(v as usize)
            .map_or_else(|| format!("Unknown-{v}"), |n| n.to_string())
    };
    Some(match property {
        36 => from(&[
            "normal",
            "fault",
            "offnormal",
            "high-limit",
            "low-limit",
            "life-safety-alarm",
        ]),
        72 => from(&["alarm", "event", "ack-notification"]),
        79 => object_type_name(v.min(u32::from(u16::MAX)) as u16),
        103 => from(&[
            "no-fault-detected",
            "no-sensor",
            "over-range",
            "under-range",
            "open-loop",
            "shorted-loop",
            "no-output",
            "unreliable-other",
            "process-error",
            "multi-state-fault",
            "configuration-error",
            "reserved-11",
            "communication-failure",
            "member-fault",
            "monitored-object-fault",
            "tripped",
            "lamp-failure",
            "activation-failure",
            "renew-dhcp-failure",
            "renew-fd-registration-failure",
            "restart-auto-negotiation-failure",
            "restart-failure",
            "proprietary-command-failure",
            "faults-listed",
            "referenced-object-fault",
        ]),
        107 => from(&[
            "segmented-both",
            "segmented-transmit",
            "segmented-receive",
            "no-segmentation",
        ]),
        112 => from(&[
            "operational",
            "operational-read-only",
            "download-required",
            "download-in-progress",
            "non-operational",
            "backup-in-progress",
        ]),
        117 => unit_name(v),
        197 => from(&["polled", "cov", "triggered"]),
        _ => return None,
    })
}

/// Device object properties that state what a device is, with the inventory attribute each
/// one fills.
pub fn identity_attribute(property: u32) -> Option<&'static str> {
    Some(match property {
        12 => "application_version",
        28 => "description",
        44 => "firmware",
        58 => "location",
        70 => "model",
        77 => "object_name",
        120 => "bacnet_vendor_id",
        121 => "vendor",
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
