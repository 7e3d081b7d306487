//! CIP (Common Industrial Protocol) messages as EtherNet/IP carries them: the service
//! request with its EPATH, the response with its general and extended status, the Multiple
//! Service Packet and its embedded services, Unconnected Send with the request it forwards
//! and the route, Forward Open/Close of the Connection Manager, and the Identity object's
//! attributes (vendor, device type, product code, revision, status, serial, product name,
//! state) as Get_Attributes_All and Get_Attribute_Single answer them.

use crate::Malformed;
use serde::Serialize;

pub const GET_ATTRIBUTES_ALL: u8 = 0x01;
pub const SET_ATTRIBUTES_ALL: u8 = 0x02;
pub const GET_ATTRIBUTE_LIST: u8 = 0x03;
pub const SET_ATTRIBUTE_LIST: u8 = 0x04;
pub const RESET: u8 = 0x05;
pub const START: u8 = 0x06;
pub const STOP: u8 = 0x07;
pub const MULTIPLE_SERVICE_PACKET: u8 = 0x0a;
pub const GET_ATTRIBUTE_SINGLE: u8 = 0x0e;
pub const SET_ATTRIBUTE_SINGLE: u8 = 0x10;
/// Connection Manager services (class 0x06); Logix reuses some codes on other classes.
pub const FORWARD_CLOSE: u8 = 0x4e;
pub const UNCONNECTED_SEND: u8 = 0x52;
pub const FORWARD_OPEN: u8 = 0x54;
pub const LARGE_FORWARD_OPEN: u8 = 0x5b;

pub const CLASS_IDENTITY: u32 = 0x01;
pub const CLASS_CONNECTION_MANAGER: u32 = 0x06;

/// Services expanded from one Multiple Service Packet; the count field allows 65 535.
pub const MAX_EMBEDDED: usize = 64;
/// Segments read from one path.
const MAX_SEGMENTS: usize = 32;

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

/// One CIP message: a request (service code, path, data) or a response (service code with
/// the reply bit, status, data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    Request(Request<'a>),
    Response(Response<'a>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    pub service: u8,
    pub path: Path<'a>,
    pub data: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'a> {
    /// The service code without the reply bit.
    pub service: u8,
    pub general_status: u8,
    /// The first extended status word, when there is one.
    pub extended_status: Option<u16>,
    pub data: &'a [u8],
}

impl Message<'_> {
    pub fn service(&self) -> u8 {
        match self {
            Message::Request(r) => r.service,
            Message::Response(r) => r.service,
        }
    }
}

/// Parses one CIP message.
pub fn parse(b: &[u8]) -> Result<Message<'_>, Malformed> {
    let service = *b.first().ok_or(Malformed::new("cip_empty", 0))?;
    if service & 0x80 != 0 {
        let (Some(&general_status), Some(&words)) = (b.get(2), b.get(3)) else {
            return Err(Malformed::new("cip_response_truncated", 0));
        };
        let ext_end = 4 + 2 * usize::from(words);
        if b.len() < ext_end {
            return Err(Malformed::new("cip_extended_status_truncated", 3));
        }
        Ok(Message::Response(Response {
            service: service & 0x7f,
            general_status,
            extended_status: (words > 0).then(|| le16(b, 4)).flatten(),
            data: &b[ext_end..],
        }))
    } else {
        let words = *b.get(1).ok_or(Malformed::new("cip_request_truncated", 0))?;
        let path_end = 2 + 2 * usize::from(words);
        let path = b
            .get(2..path_end)
            .ok_or(Malformed::new("cip_path_truncated", 1))?;
        Ok(Message::Request(Request {
            service,
            path: Path(path),
            data: &b[path_end..],
        }))
    }
}

/// An EPATH (padded): a sequence of segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Path<'a>(pub &'a [u8]);

/// One segment of an EPATH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// A logical segment: which address (class, instance, ...) and its value.
    Logical(Logical, u32),
    /// A port segment of a route: leave through `port` to the node at `link` (a slot
    /// number, or an address as text).
    Port { port: u16, link: &'a [u8] },
    /// An ANSI extended symbol (a tag name).
    Symbolic(&'a [u8]),
    /// Simple data (configuration data in a connection path).
    Data(&'a [u8]),
    /// A segment this parser does not decode; the path is not read further.
    Other(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Logical {
    Class,
    Instance,
    Member,
    ConnectionPoint,
    Attribute,
    Special,
    ServiceId,
}

impl<'a> Path<'a> {
    pub fn segments(&self) -> Segments<'a> {
        Segments {
            b: self.0,
            at: 0,
            read: 0,
        }
    }

    /// The object the request addresses, from the logical segments that open the path.
    pub fn address(&self) -> Address {
        let mut a = Address::default();
        for segment in self.segments() {
            match segment {
                Ok(Segment::Logical(kind, value)) => match kind {
                    Logical::Class => a.class = Some(value),
                    Logical::Instance => a.instance = Some(value),
                    Logical::Member => a.member = Some(value),
                    Logical::Attribute => a.attribute = Some(value),
                    _ => {}
                },
                _ => break,
            }
        }
        a
    }
}

/// Class, instance, attribute and member of a request path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Address {
    pub class: Option<u32>,
    pub instance: Option<u32>,
    pub attribute: Option<u32>,
    pub member: Option<u32>,
}

pub struct Segments<'a> {
    b: &'a [u8],
    at: usize,
    read: usize,
}

impl<'a> Iterator for Segments<'a> {
    type Item = Result<Segment<'a>, Malformed>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.b.len() || self.read >= MAX_SEGMENTS {
            return None;
        }
        self.read += 1;
        let at = self.at;
        let truncated = Malformed::new("cip_path_segment_truncated", at);
        let kind = self.b[at];
        let (segment, used) = match kind >> 5 {
            // Port segment: bit 4 says the link address is longer than one byte; port 15
            // means a 16-bit port number follows.
            0 => {
                let long_link = kind & 0x10 != 0;
                let mut p = at + 1;
                let link_len = if long_link {
                    p += 1;
                    usize::from(*self.b.get(at + 1)?)
                } else {
                    1
                };
                let port = if kind & 0x0f == 0x0f {
                    let port = le16(self.b, p);
                    p += 2;
                    port
                } else {
                    Some(u16::from(kind & 0x0f))
                };
                let Some(port) = port else {
                    self.at = self.b.len();
                    return Some(Err(truncated));
                };
                let Some(link) = self.b.get(p..p + link_len) else {
                    self.at = self.b.len();
                    return Some(Err(truncated));
                };
                let end = p + link_len;
                let padded = end + (end - at) % 2;
                (Segment::Port { port, link }, padded - at)
            }
            1 => {
                let logical = match (kind >> 2) & 7 {
                    0 => Logical::Class,
                    1 => Logical::Instance,
                    2 => Logical::Member,
                    3 => Logical::ConnectionPoint,
                    4 => Logical::Attribute,
                    5 => Logical::Special,
                    _ => Logical::ServiceId,
                };
                let value = match kind & 3 {
                    0 => self.b.get(at + 1).map(|v| (u32::from(*v), 2)),
                    1 => le16(self.b, at + 2).map(|v| (u32::from(v), 4)),
                    2 => le32(self.b, at + 2).map(|v| (v, 6)),
                    _ => {
                        self.at = self.b.len();
                        return Some(Ok(Segment::Other(kind)));
                    }
                };
                let Some((value, used)) = value else {
                    self.at = self.b.len();
                    return Some(Err(truncated));
                };
                (Segment::Logical(logical, value), used)
            }
            4 if kind == 0x91 => {
                let Some(&len) = self.b.get(at + 1) else {
                    self.at = self.b.len();
                    return Some(Err(truncated));
                };
                let len = usize::from(len);
                let Some(name) = self.b.get(at + 2..at + 2 + len) else {
                    self.at = self.b.len();
                    return Some(Err(truncated));
                };
                (Segment::Symbolic(name), 2 + len + len % 2)
            }
            4 if kind == 0x80 => {
                let Some(&words) = self.b.get(at + 1) else {
                    self.at = self.b.len();
                    return Some(Err(truncated));
                };
                let len = 2 * usize::from(words);
                let Some(data) = self.b.get(at + 2..at + 2 + len) else {
                    self.at = self.b.len();
                    return Some(Err(truncated));
                };
                (Segment::Data(data), 2 + len)
            }
            _ => {
                self.at = self.b.len();
                return Some(Ok(Segment::Other(kind)));
            }
        };
        self.at = at + used;
        Some(Ok(segment))
    }
}

/// A route (port segments) as text: `port 1 slot 0`, `port 2 address 10.0.0.5`.
pub fn describe_route(path: &Path<'_>) -> String {
    let mut parts = Vec::new();
    for s in path.segments().take(8) {
        match s {
            Ok(Segment::Port { port, link }) if link.len() == 1 => {
                parts.push(format!("port {port} slot {}", link[0]));
            }
            Ok(Segment::Port { port, link }) => {
                let text = crate::printable(link).unwrap_or_default();
                parts.push(format!("port {port} address {text}"));
            }
            Ok(other) => parts.push(describe_segment(&other)),
            Err(_) => break,
        }
    }
    parts.join(", ")
}

fn describe_segment(s: &Segment<'_>) -> String {
    match s {
        Segment::Logical(kind, v) => format!("{kind:?} 0x{v:02x}").to_lowercase(),
        Segment::Port { port, .. } => format!("port {port}"),
        Segment::Symbolic(name) => {
            format!("symbol {:?}", crate::printable(name).unwrap_or_default())
        }
        Segment::Data(d) => format!("data ({} bytes)", d.len()),
        Segment::Other(k) => format!("segment 0x{k:02x}"),
    }
}

/// A path as text, for events: `class 0x01, instance 0x01` or a tag name.
pub fn describe_path(path: &Path<'_>) -> String {
    let mut parts = Vec::new();
    for s in path.segments().take(8) {
        match s {
            Ok(s) => parts.push(describe_segment(&s)),
            Err(_) => break,
        }
    }
    parts.join(", ")
}

/// The services of a Multiple Service Packet (request or response data): a count, offsets
/// from the start of the count, then the services. At most [`MAX_EMBEDDED`] are returned.
pub fn multiple_service_packet(data: &[u8]) -> Result<Vec<&[u8]>, Malformed> {
    let count = le16(data, 0).ok_or(Malformed::new("cip_msp_truncated", 0))?;
    let count = usize::from(count).min(MAX_EMBEDDED);
    let mut offsets = Vec::with_capacity(count);
    for i in 0..count {
        let offset = le16(data, 2 + 2 * i).ok_or(Malformed::new("cip_msp_truncated", 2 + 2 * i))?;
        offsets.push(usize::from(offset));
    }
    let mut out = Vec::with_capacity(count);
    for (i, &start) in offsets.iter().enumerate() {
        let end = offsets.get(i + 1).copied().unwrap_or(data.len());
        let Some(service) = data.get(start..end.max(start).min(data.len())) else {
            return Err(Malformed::new("cip_msp_offset_out_of_range", 2 + 2 * i));
        };
        out.push(service);
    }
    Ok(out)
}

/// Unconnected Send (0x52 to the Connection Manager): the request forwarded and its route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnconnectedSend<'a> {
    pub embedded: &'a [u8],
    pub route: Path<'a>,
}

pub fn unconnected_send(data: &[u8]) -> Result<UnconnectedSend<'_>, Malformed> {
    let size = le16(data, 2).ok_or(Malformed::new("cip_unconnected_send_truncated", 0))?;
    let size = usize::from(size);
    let embedded = data
        .get(4..4 + size)
        .ok_or(Malformed::new("cip_unconnected_send_truncated", 4))?;
    let route_at = 4 + size + size % 2;
    let words = *data.get(route_at).ok_or(Malformed::new(
        "cip_unconnected_send_route_truncated",
        route_at,
    ))?;
    let route = data
        .get(route_at + 2..route_at + 2 + 2 * usize::from(words))
        .ok_or(Malformed::new(
            "cip_unconnected_send_route_truncated",
            route_at,
        ))?;
    Ok(UnconnectedSend {
        embedded,
        route: Path(route),
    })
}

/// Forward Open / Large Forward Open request: the connection being asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardOpen<'a> {
    pub o_to_t_connection_id: u32,
    pub t_to_o_connection_id: u32,
    pub connection_serial: u16,
    pub originator_vendor_id: u16,
    pub originator_serial: u32,
    pub o_to_t_rpi_us: u32,
    pub t_to_o_rpi_us: u32,
    pub transport: u8,
    pub path: Path<'a>,
}

pub fn forward_open(data: &[u8], large: bool) -> Result<ForwardOpen<'_>, Malformed> {
    let params = if large { 4 } else { 2 };
    let truncated = Malformed::new("cip_forward_open_truncated", 0);
    let t_to_o_rpi_at = 26 + params;
    let transport_at = t_to_o_rpi_at + 4 + params;
    let path_words = *data.get(transport_at + 1).ok_or(truncated)?;
    let path_at = transport_at + 2;
    let path = data
        .get(path_at..path_at + 2 * usize::from(path_words))
        .ok_or(truncated)?;
    Ok(ForwardOpen {
        o_to_t_connection_id: le32(data, 2).ok_or(truncated)?,
        t_to_o_connection_id: le32(data, 6).ok_or(truncated)?,
        connection_serial: le16(data, 10).ok_or(truncated)?,
        originator_vendor_id: le16(data, 12).ok_or(truncated)?,
        originator_serial: le32(data, 14).ok_or(truncated)?,
        o_to_t_rpi_us: le32(data, 22).ok_or(truncated)?,
        t_to_o_rpi_us: le32(data, t_to_o_rpi_at).ok_or(truncated)?,
        transport: data[transport_at],
        path: Path(path),
    })
}

/// Forward Close request: which connection, and its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardClose<'a> {
    pub connection_serial: u16,
    pub originator_vendor_id: u16,
    pub originator_serial: u32,
    pub path: Path<'a>,
}

pub fn forward_close(data: &[u8]) -> Result<ForwardClose<'_>, Malformed> {
    let truncated = Malformed::new("cip_forward_close_truncated", 0);
    let words = *data.get(10).ok_or(truncated)?;
    let path = data.get(12..12 + 2 * usize::from(words)).ok_or(truncated)?;
    Ok(ForwardClose {
        connection_serial: le16(data, 2).ok_or(truncated)?,
        originator_vendor_id: le16(data, 4).ok_or(truncated)?,
        originator_serial: le32(data, 6).ok_or(truncated)?,
        path: Path(path),
    })
}

/// The Identity object's instance attributes 1 to 8.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub vendor_id: Option<u16>,
    pub device_type: Option<u16>,
    pub product_code: Option<u16>,
    pub revision: Option<(u8, u8)>,
    pub status: Option<u16>,
    pub serial_number: Option<u32>,
    pub product_name: Option<String>,
    pub state: Option<u8>,
}

/// A Get_Attributes_All reply of the Identity object: attributes 1 to 7 in order, and 8
/// (state) when the device includes it.
pub fn identity_all(b: &[u8]) -> Result<Identity, Malformed> {
    let truncated = Malformed::new("cip_identity_truncated", 0);
    let name_len = usize::from(*b.get(14).ok_or(truncated)?);
    let name = b.get(15..15 + name_len).ok_or(truncated)?;
    Ok(Identity {
        vendor_id: le16(b, 0),
        device_type: le16(b, 2),
        product_code: le16(b, 4),
        revision: Some((b[6], b[7])),
        status: le16(b, 8),
        serial_number: le32(b, 10),
        product_name: crate::printable(name),
        state: b.get(15 + name_len).copied(),
    })
}

/// A Get_Attribute_Single reply of the Identity object, for attribute `attribute`.
pub fn identity_attribute(attribute: u32, b: &[u8]) -> Result<Identity, Malformed> {
    let truncated = Malformed::new("cip_identity_attribute_truncated", 0);
    let mut id = Identity::default();
    match attribute {
        1 => id.vendor_id = Some(le16(b, 0).ok_or(truncated)?),
        2 => id.device_type = Some(le16(b, 0).ok_or(truncated)?),
        3 => id.product_code = Some(le16(b, 0).ok_or(truncated)?),
        4 => id.revision = Some((*b.first().ok_or(truncated)?, *b.get(1).ok_or(truncated)?)),
        5 => id.status = Some(le16(b, 0).ok_or(truncated)?),
        6 => id.serial_number = Some(le32(b, 0).ok_or(truncated)?),
        7 => {
            let len = usize::from(*b.first().ok_or(truncated)?);
            id.product_name = crate::printable(b.get(1..1 + len).ok_or(truncated)?);
        }
        8 => id.state = Some(*b.first().ok_or(truncated)?),
        _ => return Err(Malformed::new("cip_identity_attribute_unknown", 0)),
    }
    Ok(id)
}

/// ICSNPP's names for CIP service codes (without the reply bit). Codes from 0x4b up are
/// object-specific; these are the names ICSNPP gives them whatever the class.
pub fn service_name(code: u8) -> &'static str {
    match code {
        0x01 => "Get Attributes All",
        0x02 => "Set Attributes All",
        0x03 => "Get Attribute List",
        0x04 => "Set Attribute List",
        0x05 => "Reset",
        0x06 => "Start",
        0x07 => "Stop",
        0x08 => "Create",
        0x09 => "Delete",
        0x0a => "Multiple Service Packet",
        0x0d => "Apply Attributes",
        0x0e => "Get Attributes Single",
        0x10 => "Set Attributes Single",
        0x11 => "Find Next Object Instance",
        0x15 => "Restore",
        0x16 => "Save",
        0x17 => "No Forward Open",
        0x18 => "Get Member",
        0x19 => "Set Member",
        0x1a => "Insert Member",
        0x1b => "Remove Member",
        0x1c => "Group Sync",
        0x1d => "Get Connection Point Member List",
        0x4b => "Execute PCCC Service",
        0x4c => "Read Data",
        0x4d => "Write Data",
        0x4e => "Read Write Modify Data",
        0x52 => "Read Data Fragmented",
        0x53 => "Write Data Fragmented",
        0x54 => "Forward Open",
        _ => "unknown",
    }
}

/// The meaning of a service on a given class, where the class changes it: the Connection
/// Manager's 0x4e is Forward Close and 0x52 Unconnected Send, while Logix controllers use
/// the same codes on tags for Read Modify Write and Read Tag Fragmented.
pub fn service_meaning(code: u8, class: Option<u32>) -> &'static str {
    match (code, class) {
        (FORWARD_CLOSE, Some(CLASS_CONNECTION_MANAGER)) => "Forward Close",
        (UNCONNECTED_SEND, Some(CLASS_CONNECTION_MANAGER)) => "Unconnected Send",
        (FORWARD_OPEN, _) => "Forward Open",
        (LARGE_FORWARD_OPEN, Some(CLASS_CONNECTION_MANAGER)) => "Large Forward Open",
        (0x4c, _) => "Read Tag",
        (0x4d, _) => "Write Tag",
        (0x4e, _) => "Read Modify Write Tag",
        (0x52, _) => "Read Tag Fragmented",
        (0x53, _) => "Write Tag Fragmented",
        (code, _) => service_name(code),
    }
}

/// ICSNPP's names for general status codes.
pub fn status_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0x00 => "Success",
        0x01 => "Connection Failure",
        0x02 => "Resource Unavailable",
        0x03 => "Invalid Parameter Value",
        0x04 => "Path Segment Error",
        0x05 => "Path Destination Unknown",
        0x06 => "Partial Transfer",
        0x07 => "Connection Lost",
        0x08 => "Service Not Supported",
        0x09 => "Invalid Attribute Value",
        0x0a => "Attribute List Error",
        0x0b => "Already In Requested Mode/State",
        0x0c => "Object State Conflict",
        0x0d => "Object Already Exists",
        0x0e => "Attribute Not Settable",
        0x0f => "Privilege Violation",
        0x10 => "Device State Conflict",
        0x11 => "Reply Data Too Large",
        0x12 => "Fragmentation Of A Primitive Value",
        0x13 => "Not Enough Data",
        0x14 => "Attribute Not Supported",
        0x15 => "Too Much Data",
        0x16 => "Object Does Not Exist",
        0x17 => "Service Fragmentation Sequence Not In Progress",
        0x18 => "No Stored Attribute Data",
        0x19 => "Store Operation Failure",
        0x1a => "Routing Failure, Request Packet Too Large",
        0x1b => "Routing Failure, Response Packet Too Large",
        0x1c => "Missing Attribute List Entry Data",
        0x1d => "Invalid Attribute Value List",
        0x1e => "Embedded Service Error",
        0x1f => "Vendor Specific Error",
        0x20 => "Invalid Parameter",
        0x21 => "Write-Once Value Or Medium Already Written",
        0x22 => "Invalid Reply Received",
        0x23 => "Buffer Overflow",
        0x24 => "Invalid Message Format",
        0x25 => "Key Failure In Path",
        0x26 => "Path Size Invalid",
        0x27 => "Unexpected Attribute In List",
        0x28 => "Invalid Member ID",
        0x29 => "Member Not Settable",
        0x2a => "Group 2 Only Server General Failure",
        0x2b => "Unknown Modbus Error",
        0x2c => "Attribute Not Gettable",
        0xff => "Still Processing",
        _ => return None,
    })
}

/// ICSNPP's names for the Connection Manager's extended status codes.
pub fn extended_status_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0x100 => "Connection in use or duplicate Forward Open",
        0x103 => "Transport class and trigger combination not supported",
        0x106 => "Ownership conflict",
        0x107 => "Target connection not found",
        0x108 => "Invalid network connection parameter",
        0x109 => "Invalid connection size",
        0x110 => "Target for connection not configured",
        0x111 => "RPI not supported",
        0x112 => "RPI value(s) not acceptable",
        0x113 => "Out of connections",
        0x114 => "Vendor ID or product code mismatch",
        0x115 => "Device type mismatch",
        0x116 => "Revision mismatch",
        0x117 => "Invalid produced or consumed application path",
        0x118 => "Invalid or inconsistent configuration application path",
        0x119 => "Non-listen only connection not opened",
        0x11a => "Target object out of connections",
        0x11b => "RPI is smaller than the production inhibit time",
        0x11c => "Transport class not supported",
        0x11d => "Production trigger not supported",
        0x11e => "Direction not supported",
        0x11f => "Invalid O->T Fixed/Variable",
        0x120 => "Invalid T->O Fixed/Variable",
        0x121 => "Invalid O->T Priority",
        0x122 => "Invalid T->O Priority",
        0x123 => "Invalid O->T connection type",
        0x124 => "Invalid T->O connection type",
        0x125 => "Invalid O->T redundant owner",
        0x126 => "Invalid configuration size",
        0x127 => "Invalid O->T size",
        0x128 => "Invalid T->O size",
        0x129 => "Invalid configuration application path",
        0x12a => "Invalid consuming application path",
        0x12b => "Invalid producing application path",
        0x12c => "Configuration symbol does not exist",
        0x12d => "Consuming symbol does not exist",
        0x12e => "Producing symbol does not exist",
        0x12f => "Inconsistent application path combination",
        0x130 => "Inconsistent consume data format",
        0x131 => "Inconsistent produce data format",
        0x132 => "NULL ForwardOpen not supported",
        0x203 => "Connection timed out",
        0x204 => "Unconnected request timed out",
        0x205 => "Parameter error in unconnected request",
        0x206 => "Message too large for UnconnectedSend",
        0x207 => "Unconnected acknowledged without reply",
        0x301 => "No buffer memory available",
        0x302 => "Network bandwidth not available for data",
        0x303 => "No consumed connection ID filter available",
        0x304 => "Not configured to send scheduled priority data",
        0x305 => "Schedule signature mismatch",
        0x306 => "Schedule signature validation not possible",
        0x311 => "Port not available",
        0x312 => "Link address not valid",
        0x315 => "Invalid segment in connection path",
        0x316 => "ForwardClose connection path mismatch",
        0x317 => "Scheduling not specified",
        0x318 => "Link address to self invalid",
        0x319 => "Secondary resources unavailable",
        0x31a => "Rack connection already established",
        0x31b => "Module connection already established",
        0x31c => "Miscellaneous",
        0x31d => "Redundant connection mismatch",
        0x31e => {
            "No more user configurable link consumer resources available in the producing module"
        }
        0x31f => {
            "No more user configurable link consumer resources configured in the producing module"
        }
        0x800 => "Network link offline",
        0x801 => "Incompatible Multicast RPI",
        0x802 => "Invalid Safety Connection Size",
        0x803 => "Invalid Safety Connection Format",
        0x804 => "Invalid Time Correction Connection Parameters",
        0x805 => "Invalid Ping Interval EPI Multiplier",
        0x806 => "Time Coordination Msg Min Multiplier",
        0x807 => "Network Time Expectation Multiplier",
        0x808 => "Timeout Multiplier",
        0x809 => "Invalid Max Consumer Number",
        0x80a => "Invalid CPCRC",
        0x80b => "Time Correction Connection ID Invalid",
        0x80c => "SCID Mismatch",
        0x80d => "TUNID not set",
        0x80e => "TUNID Mismatch",
        0x80f => "Configuration operation not allowed",
        0x810 => "No target application data available",
        0x811 => "No originator application data available",
        0x812 => "Node address has changed since the network was scheduled",
        0x813 => "Not configured for off-subnet multicast",
        0x814 => "Invalid produce/consume data format",
        _ => return None,
    })
}

/// ICSNPP's names for CIP object classes.
pub fn class_name(class: u32) -> &'static str {
    match class {
        0x00 => "",
        0x01 => "Identity",
        0x02 => "Message Router",
        0x03 => "DeviceNet",
        0x04 => "Assembly",
        0x05 => "Connection",
        0x06 => "Connection Manager",
        0x07 => "Register",
        0x08 => "Discrete Input Point",
        0x09 => "Discrete Output Point",
        0x0a => "Analog Input Point",
        0x0b => "Analog Output Point",
        0x0e => "Presence Sensing",
        0x0f => "Parameter",
        0x10 => "Parameter Group",
        0x12 => "Group",
        0x1d => "Discrete Input Group",
        0x1e => "Discrete Output Group",
        0x1f => "Discrete Group",
        0x20 => "Analog Input Group",
        0x21 => "Analog Output Group",
        0x22 => "Analog Group",
        0x23 => "Position Sensor",
        0x24 => "Position Controller Supervisor",
        0x25 => "Position Controller",
        0x26 => "Block Sequencer",
        0x27 => "Command Block",
        0x28 => "Motor Data",
        0x29 => "Control Supervisor",
        0x2a => "AC/DC Drive",
        0x2b => "Acknowledge Handler",
        0x2c => "Overload",
        0x2d => "Softstart",
        0x2e => "Selection",
        0x30 => "S-Device Supervisor",
        0x31 => "S-Analog Sensor",
        0x32 => "S-Analog Actuator",
        0x33 => "S-Single Stage Controller",
        0x34 => "S-Gas Calibration",
        0x35 => "Trip Point",
        0x37 => "File",
        0x38 => "S-Partial Pressure",
        0x39 => "Safety Supervisor",
        0x3a => "Safety Validator",
        0x3b => "Safety Discrete Output Point",
        0x3c => "Safety Discrete Output Group",
        0x3d => "Safety Discrete Input Point",
        0x3e => "Safety Discrete Input Group",
        0x3f => "Safety Dual Channel Output",
        0x40 => "S-Sensor Calibration",
        0x41 => "Event Log",
        0x42 => "Motion Device Axis",
        0x43 => "Time Sync",
        0x44 => "Modbus",
        0x45 => "Originator Connection List",
        0x46 => "Modbus Serial Link",
        0x47 => "Device Level Ring (DLR)",
        0x48 => "QoS",
        0x49 => "Safety Analog Input Point",
        0x4a => "Safety Analog Input Group",
        0x4b => "Safety Dual Channel Analog Input",
        0x4c => "SERCOS III Link",
        0x4d => "Target Connection List",
        0x4e => "Base Energy",
        0x4f => "Electrical Energy",
        0x50 => "Non-Electrical Energy",
        0x51 => "Base Switch",
        0x52 => "SNMP",
        0x53 => "Power Management",
        0x54 => "RSTP Bridge",
        0x55 => "RSTP Port",
        0x56 => "PRP/HSR Protocol",
        0x57 => "PRP/HSR Nodes Table",
        0x58 => "Safety Feedback",
        0x59 => "Safety Dual Channel Feedback",
        0x5a => "Safety Stop Functions",
        0x5b => "Safety Limit Functions",
        0x5c => "Power Curtailment",
        0x5d => "CIP Security",
        0x5e => "EtherNet/IP Security",
        0x5f => "Certificate Management",
        0x67 => "PCCC Class",
        0xf0 => "ControlNet",
        0xf1 => "ControlNet Keeper",
        0xf2 => "ControlNet Scheduling",
        0xf3 => "Connection Configuration",
        0xf4 => "Port",
        0xf5 => "TCP/IP Interface",
        0xf6 => "Ethernet Link",
        0xf7 => "CompoNet",
        0xf8 => "CompoNet Repeater",
        _ => "unknown",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::enip;

    pub fn bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// SendUnitData carrying a Multiple Service Packet of eleven Get_Attribute_List
    /// requests (ICSNPP trace multiple_service_packet_cip.pcapng, frame 1).
    pub const MSP_REQUEST: &str = "7000ba0000010211000000000000000000000000000000000000000001000200a1000400010b7c00b100a60089070a02200224010b00180022002c0036004c005800640072007c008a0094000302200124010100050003022069240001000b0003022073240101000200030220ac240107000100020003000500070009000a000303206825002024010013000302207024010200120013000302208e240103000300080010000302206924000100090003022068240003000f0018001900030220772401010002000302208b240101000600";
    /// Its answer (ITI cip-multiple-2.pcap, frame 1).
    pub const MSP_RESPONSE: &str = "70000d0100010211000000000000000000000000000000000000000000000200a10004002800fe80b100f90089078a0000000b001800240030003c0074007f009500ad00b900d500e1008300000001000500000060308300000001000b00000003008300000001000200000000008300000007000100000005000200000001000300000095291f04050000000000070000000200000009000000010001000a0000008422df488300000001001300000000830000000200120000000000000013000000000000008300000003000300000014000800000000001000000001008300000001000900000000008300000003000f0000000000180000000000000019000000000000008300000001000200000002018300000001000600000073b4ea05f4590400";
    /// Unconnected Send of Get_Attributes_All to class 0xac through port 1 slot 0, and
    /// its answer (ITI EthernetIP-CIP.pcap, frames 29 and 31).
    pub const UNCONNECTED_SEND_MSG: &str = "6f00260000050213000000006ac0be000000000000000000000000001400020000000000b200160052022006240107e90800010220ac2401010001000100";
    pub const UNCONNECTED_SEND_ANSWER: &str = "6f00340000050213000000006ac0be000000000000000000000000001400020000000000b200240081000000e8000100e302b2a4c1d1afa40000e803020000009453d33d01000100e2fc2030";
    /// Forward Open and Forward Close, each with its answer (ITI cip_only.pcap, frames
    /// 475, 478, 2884, 2885).
    pub const FORWARD_OPEN_MSG: &str = "6f003e0009a6183f000000005936060038bc270c00000000000000001400020000000000b2002e00540220062401079b060000800500fe8006004d00e0312b3d023d0600d01213001243d01213001243a30220022401";
    pub const FORWARD_OPEN_ANSWER: &str = "6f002e0009a6183f000000005936060038bc270c00000000000000000004020000000000b2001e00d40000006ef3240a0500fe8006004d00e0312b3dd0121300d01213000000";
    pub const FORWARD_CLOSE_MSG: &str = "6f00260009a6183f00000000cb46060038bc270c00000000000000001400020000000000b20016004e0220062401079b06004d00e0312b3d020020022401";
    pub const FORWARD_CLOSE_ANSWER: &str = "6f001e0009a6183f00000000cb46060038bc270c00000000000000000004020000000000b2000e00ce00000006004d00e0312b3d0000";
    /// Multiple Service Packet of four Read Modify Write requests on tags named by
    /// symbolic segments (ITI EthernetIP-CIP.pcap, frame 37).
    pub const TAG_WRITES: &str = "7000aa000001021000000000a3a893000000000000000000000000000a000200a100040001038b00b100960071ec0a022002240104000a00280046006a004e0c91164c4d535f44495341424c455f32445343414e4e455231010001ff4e0c91164c4d535f44495341424c455f32445343414e4e455232010001ff4e0f911b4c4d535f44495341424c455f424152434f44455f5343414e4e455200010000fe4e0f911b4c4d535f534554504f494e544348414e47455f524543454956454400010000fe";
    /// Set_Attribute_Single to the Identity object (ICSNPP trace
    /// set_attribute_single_service_cip.pcapng, frame 1) and Stop to class 0x8e (ITI
    /// cip_stop_plc.pcap, frame 1).
    pub const SET_ATTRIBUTE_SINGLE_MSG: &str = "70001c00f4ffcab4000000005f7079636f6d6d5f00000000000000000a000200a1000400ba629adab10008000d00100220012400";
    pub const STOP_MSG: &str = "70001c0001002a00000000000000000000000000000000000000000001000200a1000400224095ffb100080006010702208e2401";

    /// The CIP message an encapsulation message carries, with its connection and sequence.
    pub fn carried(hex: &str) -> (Option<u32>, Option<u16>, Vec<u8>) {
        let msg = bytes(hex);
        let enip::Framed::Message(m, used) = enip::frame(&msg) else {
            panic!("does not frame")
        };
        assert_eq!(used, msg.len());
        let send = enip::parse_send_data(m.data).unwrap();
        let c = enip::carried(&send).unwrap();
        (
            c.connection_id,
            c.sequence_count,
            c.message.unwrap().to_vec(),
        )
    }

    fn request(b: &[u8]) -> Request<'_> {
        match parse(b).unwrap() {
            Message::Request(r) => r,
            other => panic!("not a request: {other:?}"),
        }
    }

    fn response(b: &[u8]) -> Response<'_> {
        match parse(b).unwrap() {
            Message::Response(r) => r,
            other => panic!("not a response: {other:?}"),
        }
    }

    #[test]
    fn multiple_service_packet_request_expands_its_services() {
        let (connection, sequence, cip) = carried(MSP_REQUEST);
        assert_eq!((connection, sequence), (Some(0x007c_0b01), Some(1929)));
        let r = request(&cip);
        assert_eq!(r.service, MULTIPLE_SERVICE_PACKET);
        assert_eq!(
            r.path.address(),
            Address {
                class: Some(2),
                instance: Some(1),
                ..Default::default()
            }
        );
        let services = multiple_service_packet(r.data).unwrap();
        assert_eq!(services.len(), 11);
        let addresses: Vec<_> = services
            .iter()
            .map(|s| {
                let inner = request(s);
                assert_eq!(inner.service, GET_ATTRIBUTE_LIST);
                let a = inner.path.address();
                (a.class.unwrap(), a.instance.unwrap())
            })
            .collect();
        assert_eq!(addresses[0], (0x01, 0x01));
        // A 16-bit instance segment: 25 00 20 24.
        assert_eq!(addresses[4], (0x68, 0x2420));
        assert_eq!(addresses[10], (0x8b, 0x01));
    }

    #[test]
    fn multiple_service_packet_response_carries_each_status() {
        let (_, sequence, cip) = carried(MSP_RESPONSE);
        assert_eq!(sequence, Some(1929));
        let r = response(&cip);
        assert_eq!((r.service, r.general_status), (MULTIPLE_SERVICE_PACKET, 0));
        assert_eq!(r.extended_status, None);
        let services = multiple_service_packet(r.data).unwrap();
        assert_eq!(services.len(), 11);
        for s in services {
            let inner = response(s);
            assert_eq!(
                (inner.service, inner.general_status),
                (GET_ATTRIBUTE_LIST, 0)
            );
        }
    }

    #[test]
    fn unconnected_send_forwards_a_request_along_a_route() {
        let (connection, sequence, cip) = carried(UNCONNECTED_SEND_MSG);
        assert_eq!((connection, sequence), (None, None));
        let r = request(&cip);
        assert_eq!(r.service, UNCONNECTED_SEND);
        assert_eq!(r.path.address().class, Some(CLASS_CONNECTION_MANAGER));
        let send = unconnected_send(r.data).unwrap();
        let inner = request(send.embedded);
        assert_eq!(inner.service, GET_ATTRIBUTES_ALL);
        assert_eq!(inner.path.address().class, Some(0xac));
        assert_eq!(describe_route(&send.route), "port 1 slot 0");
        let (_, _, answer) = carried(UNCONNECTED_SEND_ANSWER);
        let a = response(&answer);
        assert_eq!((a.service, a.general_status, a.data.len()), (1, 0, 32));
    }

    #[test]
    fn forward_open_and_close() {
        let (_, _, cip) = carried(FORWARD_OPEN_MSG);
        let r = request(&cip);
        assert_eq!(
            service_meaning(r.service, r.path.address().class),
            "Forward Open"
        );
        let fo = forward_open(r.data, false).unwrap();
        assert_eq!(fo.o_to_t_connection_id, 0x8000_0006);
        assert_eq!(fo.t_to_o_connection_id, 0x80fe_0005);
        assert_eq!((fo.connection_serial, fo.originator_vendor_id), (6, 77));
        assert_eq!(fo.originator_serial, 0x3d2b_31e0);
        assert_eq!((fo.o_to_t_rpi_us, fo.t_to_o_rpi_us), (1_250_000, 1_250_000));
        assert_eq!(fo.transport, 0xa3);
        assert_eq!(describe_route(&fo.path), "class 0x02, instance 0x01");
        let (_, _, answer) = carried(FORWARD_OPEN_ANSWER);
        assert_eq!(response(&answer).service, FORWARD_OPEN);

        let (_, _, cip) = carried(FORWARD_CLOSE_MSG);
        let r = request(&cip);
        assert_eq!(
            service_meaning(r.service, r.path.address().class),
            "Forward Close"
        );
        let fc = forward_close(r.data).unwrap();
        assert_eq!((fc.connection_serial, fc.originator_vendor_id), (6, 77));
        assert_eq!(describe_path(&fc.path), "class 0x02, instance 0x01");
        let (_, _, answer) = carried(FORWARD_CLOSE_ANSWER);
        assert_eq!(response(&answer).service, FORWARD_CLOSE);
    }

    #[test]
    fn symbolic_segments_name_tags() {
        let (_, _, cip) = carried(TAG_WRITES);
        let services = multiple_service_packet(request(&cip).data).unwrap();
        assert_eq!(services.len(), 4);
        let first = request(services[0]);
        assert_eq!(first.service, 0x4e);
        assert_eq!(
            first.path.segments().next(),
            Some(Ok(Segment::Symbolic(&b"LMS_DISABLE_2DSCANNER1"[..])))
        );
        assert_eq!(first.path.address(), Address::default());
        assert_eq!(
            service_meaning(first.service, None),
            "Read Modify Write Tag"
        );
        // An odd-length name is padded to a whole word.
        let third = request(services[2]);
        assert_eq!(
            describe_path(&third.path),
            "symbol \"LMS_DISABLE_BARCODE_SCANNER\""
        );
    }

    #[test]
    fn set_attribute_single_and_stop() {
        let (_, sequence, cip) = carried(SET_ATTRIBUTE_SINGLE_MSG);
        assert_eq!(sequence, Some(13));
        let r = request(&cip);
        assert_eq!(r.service, SET_ATTRIBUTE_SINGLE);
        assert_eq!(
            (r.path.address().class, r.path.address().instance),
            (Some(1), Some(0))
        );
        let (_, _, cip) = carried(STOP_MSG);
        let r = request(&cip);
        assert_eq!((r.service, r.path.address().class), (STOP, Some(0x8e)));
    }

    #[test]
    fn logical_segments_of_every_width_and_ports_with_addresses() {
        // class 8-bit, instance 16-bit, attribute 32-bit, member 8-bit.
        let path = [
            0x20, 0x01, 0x25, 0x00, 0x34, 0x12, 0x32, 0x00, 0x78, 0x56, 0x34, 0x12, 0x28, 0x07,
        ];
        assert_eq!(
            Path(&path).address(),
            Address {
                class: Some(1),
                instance: Some(0x1234),
                attribute: Some(0x1234_5678),
                member: Some(7),
            }
        );
        // Port 2 to 10.0.0.5 (extended link address, padded), then port 1 slot 3.
        let mut route = vec![0x12, 8];
        route.extend_from_slice(b"10.0.0.5");
        route.extend_from_slice(&[0x01, 0x03]);
        assert_eq!(
            describe_route(&Path(&route)),
            "port 2 address 10.0.0.5, port 1 slot 3"
        );
    }

    /// The Identity object's attributes as the 1756-ENBT/A of the ICSNPP trace states them
    /// in its ListIdentity reply (frame 372), in Get_Attributes_All order.
    pub fn identity_attributes() -> Vec<u8> {
        let mut b = vec![0x01, 0x00, 0x0c, 0x00, 0x3a, 0x00, 0x04, 0x03, 0x30, 0x00];
        b.extend_from_slice(&[0x8e, 0x4d, 0x52, 0x00, 11]);
        b.extend_from_slice(b"1756-ENBT/A");
        b.push(3);
        b
    }

    #[test]
    fn identity_object_answers() {
        let id = identity_all(&identity_attributes()).unwrap();
        assert_eq!(
            (id.vendor_id, id.device_type, id.product_code),
            (Some(1), Some(12), Some(58))
        );
        assert_eq!(id.revision, Some((4, 3)));
        assert_eq!(id.serial_number, Some(0x0052_4d8e));
        assert_eq!(id.product_name.as_deref(), Some("1756-ENBT/A"));
        assert_eq!(id.state, Some(3));
        let name = identity_attribute(7, &identity_attributes()[14..]).unwrap();
        assert_eq!(name.product_name.as_deref(), Some("1756-ENBT/A"));
        assert!(identity_attribute(42, &[0]).is_err());
    }

    #[test]
    fn error_status_with_extended_status() {
        // Forward Open refused: general status 0x01, one extended word 0x0100.
        let b = [0xd4, 0x00, 0x01, 0x01, 0x00, 0x01, 0xaa];
        let r = response(&b);
        assert_eq!((r.general_status, r.extended_status), (1, Some(0x0100)));
        assert_eq!(status_name(1), Some("Connection Failure"));
        assert_eq!(
            extended_status_name(0x0100),
            Some("Connection in use or duplicate Forward Open")
        );
        assert_eq!(r.data, &[0xaa]);
    }

    #[test]
    fn never_panics() {
        let valid: Vec<Vec<u8>> = [
            MSP_REQUEST,
            MSP_RESPONSE,
            UNCONNECTED_SEND_MSG,
            FORWARD_OPEN_MSG,
            FORWARD_CLOSE_MSG,
            TAG_WRITES,
        ]
        .iter()
        .map(|h| carried(h).2)
        .chain([identity_attributes()])
        .collect();
        crate::hostile::never_panics(
            &valid,
            0x5eed_c1b0_0001,
            |buf, i| {
                if !buf.is_empty() {
                    buf[0] = [0x0a, 0x8a, 0x52, 0x54, 0x5b, 0x4e, 0x81][i % 7];
                }
            },
            |b| {
                let Ok(m) = parse(b) else {
                    let _ = identity_all(b);
                    return;
                };
                let data = match m {
                    Message::Request(r) => {
                        let _ = r.path.address();
                        let _ = describe_path(&r.path);
                        r.data
                    }
                    Message::Response(r) => r.data,
                };
                let _ = multiple_service_packet(data);
                if let Ok(u) = unconnected_send(data) {
                    let _ = describe_route(&u.route);
                    let _ = parse(u.embedded);
                }
                if let Ok(f) = forward_open(data, true) {
                    let _ = describe_route(&f.path);
                }
                let _ = forward_open(data, false);
                let _ = forward_close(data);
                for a in 0..10 {
                    let _ = identity_attribute(a, data);
                }
                let _ = identity_all(data);
            },
        );
    }
}
