//! HART-IP (TCP and UDP port 5094): the 8-byte header (version, message type, message id,
//! status, sequence number, length including the header) and the bodies a monitor needs:
//! session initiate, token-passing PDUs (a HART frame: delimiter, polling or unique
//! address, command, byte count, response code and device status in responses, data, check
//! byte), direct PDUs (device and extended status, then 16-bit commands one after the
//! other) and the audit log with its session records. Publish and NAK bodies are kept as
//! raw bytes.
//!
//! Command 0 (Read Unique Identifier), 13 (Read Tag, Descriptor, Date) and 20 (Read Long
//! Tag) responses are decoded for the inventory.

use crate::Malformed;
use std::net::{Ipv4Addr, Ipv6Addr};

pub const HEADER_LEN: usize = 8;

pub const MESSAGE_TYPE_REQUEST: u8 = 0;
pub const MESSAGE_TYPE_RESPONSE: u8 = 1;

pub const SESSION_INITIATE: u8 = 0;
pub const SESSION_CLOSE: u8 = 1;
pub const KEEP_ALIVE: u8 = 2;
pub const TOKEN_PASSING_PDU: u8 = 3;
pub const DIRECT_PDU: u8 = 4;
pub const READ_AUDIT_LOG: u8 = 5;

/// Bytes of one session record in an audit log response.
pub const SESSION_RECORD_LEN: usize = 58;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub version: u8,
    /// High nibble of the message-type byte (zero by the specification).
    pub reserved: u8,
    pub message_type: u8,
    pub message_id: u8,
    pub status: u8,
    pub sequence: u16,
    /// Whole message, header included.
    pub length: u16,
}

impl Header {
    pub fn parse(b: &[u8]) -> Result<Header, Malformed> {
        let h = b
            .get(..HEADER_LEN)
            .ok_or(Malformed::new("hart_ip_truncated_header", b.len()))?;
        let length = u16::from_be_bytes([h[6], h[7]]);
        if usize::from(length) < HEADER_LEN {
            return Err(Malformed::new("hart_ip_bad_length", 6));
        }
        Ok(Header {
            version: h[0],
            reserved: h[1] >> 4,
            message_type: h[1] & 0x0f,
            message_id: h[2],
            status: h[3],
            sequence: u16::from_be_bytes([h[4], h[5]]),
            length,
        })
    }

    pub fn is_request(&self) -> bool {
        self.message_type == MESSAGE_TYPE_REQUEST
    }

    /// Requests and responses have their bodies decoded; publish and NAK do not.
    pub fn has_decoded_body(&self) -> bool {
        matches!(
            self.message_type,
            MESSAGE_TYPE_REQUEST | MESSAGE_TYPE_RESPONSE
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body<'a> {
    /// Keep alive, session close, and message ids without a body.
    Empty,
    SessionInitiate {
        master_type: u8,
        inactivity_close_timer: u32,
    },
    TokenPassing(TokenPassingPdu<'a>),
    Direct(DirectPdu<'a>),
    AuditLog(AuditLog),
    /// Publish and NAK messages: the body bytes as they are.
    Raw(&'a [u8]),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    pub header: Header,
    pub body: Body<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address<'a> {
    /// One byte: master bit, burst bit and the polling address.
    Polling(u8),
    /// Five bytes: manufacturer, device type and device id bits.
    Unique(&'a [u8]),
}

/// A HART frame carried whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenPassingPdu<'a> {
    pub delimiter: u8,
    pub address: Address<'a>,
    pub command: u8,
    pub byte_count: u8,
    /// Response code and device status, in responses.
    pub response: Option<(u8, u8)>,
    /// The command's data (after response code and status in a response).
    pub data: &'a [u8],
    pub check_byte: u8,
}

impl TokenPassingPdu<'_> {
    pub fn expansion_bytes(&self) -> u8 {
        (self.delimiter >> 5) & 0x03
    }
    pub fn physical_layer_type(&self) -> u8 {
        (self.delimiter >> 3) & 0x03
    }
    pub fn frame_type(&self) -> u8 {
        self.delimiter & 0x07
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectPdu<'a> {
    pub device_status: u8,
    pub extended_status: u8,
    pub commands: Vec<DirectCommand<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectCommand<'a> {
    pub number: u16,
    pub byte_count: u8,
    /// In responses.
    pub response_code: Option<u8>,
    pub data: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLog {
    pub start_record: u8,
    pub number_of_records: u8,
    pub response: Option<AuditLogResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLogResponse {
    /// Seconds since 1970.
    pub power_up_time: u64,
    pub last_security_change: u64,
    pub server_status: u16,
    pub session_record_size: u16,
    pub records: Vec<SessionRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRecord {
    pub client_ipv4: Ipv4Addr,
    pub client_ipv6: Ipv6Addr,
    pub client_port: u16,
    pub server_port: u16,
    pub connect_time: u64,
    pub disconnect_time: u64,
    pub status_summary: u16,
    pub start_configuration_change_count: u16,
    pub end_configuration_change_count: u16,
    pub num_publish_pdu: u32,
    pub num_request_pdu: u32,
    pub num_response_pdu: u32,
}

/// A cursor over a message body that reports where it ran out.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(Malformed::new("hart_ip_truncated_body", self.at));
        };
        let s = &self.buf[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Malformed> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, Malformed> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, Malformed> {
        let mut v = 0u64;
        for &b in self.take(8)? {
            v = (v << 8) | u64::from(b);
        }
        Ok(v)
    }
    fn rest(&self) -> usize {
        self.buf.len() - self.at
    }
}

/// The length of the message starting `buf`, from its header.
pub fn message_len(buf: &[u8]) -> Option<usize> {
    Header::parse(buf).ok().map(|h| usize::from(h.length))
}

/// One whole message (exactly `length` bytes, as cut by [`message_len`]).
pub fn parse(msg: &[u8]) -> Result<Message<'_>, Malformed> {
    let header = Header::parse(msg)?;
    let body_bytes = msg
        .get(HEADER_LEN..usize::from(header.length))
        .ok_or(Malformed::new("hart_ip_truncated_body", msg.len()))?;
    let body = if !header.has_decoded_body() {
        Body::Raw(body_bytes)
    } else {
        let mut r = Reader {
            buf: body_bytes,
            at: 0,
        };
        match header.message_id {
            SESSION_INITIATE => Body::SessionInitiate {
                master_type: r.u8()?,
                inactivity_close_timer: r.u32()?,
            },
            TOKEN_PASSING_PDU => Body::TokenPassing(token_passing(&mut r, header.is_request())?),
            DIRECT_PDU => Body::Direct(direct(&mut r, header.is_request())?),
            READ_AUDIT_LOG => Body::AuditLog(audit_log(&mut r, header.is_request())?),
            _ => Body::Empty,
        }
    };
    Ok(Message { header, body })
}

fn token_passing<'a>(r: &mut Reader<'a>, request: bool) -> Result<TokenPassingPdu<'a>, Malformed> {
    let delimiter = r.u8()?;
    let address = if delimiter & 0x80 != 0 {
        Address::Unique(r.take(5)?)
    } else {
        Address::Polling(r.u8()?)
    };
    let command = r.u8()?;
    let byte_count = r.u8()?;
    let (response, data) = if request {
        (None, r.take(usize::from(byte_count))?)
    } else {
        // Response code and device status come first and count in the byte count.
        let code = r.u8()?;
        let status = r.u8()?;
        let data = r.take(usize::from(byte_count.saturating_sub(2)))?;
        (Some((code, status)), data)
    };
    let check_byte = r.u8()?;
    Ok(TokenPassingPdu {
        delimiter,
        address,
        command,
        byte_count,
        response,
        data,
        check_byte,
    })
}

fn direct<'a>(r: &mut Reader<'a>, request: bool) -> Result<DirectPdu<'a>, Malformed> {
    let device_status = r.u8()?;
    let extended_status = r.u8()?;
    let mut commands = Vec::new();
    // Each command takes at least three bytes, so the loop ends within the body.
    while r.rest() > 0 {
        let number = r.u16()?;
        let byte_count = r.u8()?;
        let (response_code, data) = if request {
            (None, r.take(usize::from(byte_count))?)
        } else {
            let code = r.u8()?;
            (
                Some(code),
                r.take(usize::from(byte_count.saturating_sub(1)))?,
            )
        };
        commands.push(DirectCommand {
            number,
            byte_count,
            response_code,
            data,
        });
    }
    Ok(DirectPdu {
        device_status,
        extended_status,
        commands,
    })
}

fn audit_log(r: &mut Reader<'_>, request: bool) -> Result<AuditLog, Malformed> {
    let start_record = r.u8()?;
    let number_of_records = r.u8()?;
    let response = if request {
        None
    } else {
        let power_up_time = r.u64()?;
        let last_security_change = r.u64()?;
        let server_status = r.u16()?;
        let session_record_size = r.u16()?;
        // At most 255 records, each a fixed 58 bytes read from the body.
        let mut records = Vec::with_capacity(usize::from(number_of_records).min(r.rest() / 58));
        for _ in 0..number_of_records {
            let v4 = r.take(4)?;
            let v6 = r.take(16)?;
            let mut v6_bytes = [0u8; 16];
            v6_bytes.copy_from_slice(v6);
            records.push(SessionRecord {
                client_ipv4: Ipv4Addr::new(v4[0], v4[1], v4[2], v4[3]),
                client_ipv6: Ipv6Addr::from(v6_bytes),
                client_port: r.u16()?,
                server_port: r.u16()?,
                connect_time: r.u64()?,
                disconnect_time: r.u64()?,
                status_summary: r.u16()?,
                start_configuration_change_count: r.u16()?,
                end_configuration_change_count: r.u16()?,
                num_publish_pdu: r.u32()?,
                num_request_pdu: r.u32()?,
                num_response_pdu: r.u32()?,
            });
        }
        Some(AuditLogResponse {
            power_up_time,
            last_security_change,
            server_status,
            session_record_size,
            records,
        })
    };
    Ok(AuditLog {
        start_record,
        number_of_records,
        response,
    })
}

pub fn message_type_name(t: u8) -> String {
    match t {
        0 => "Request".into(),
        1 => "Response".into(),
        2 => "Publish".into(),
        3 => "NAK".into(),
        other => format!("unknown-0x{other:x}"),
    }
}

pub fn message_id_name(id: u8) -> String {
    match id {
        SESSION_INITIATE => "Session Initiate".into(),
        SESSION_CLOSE => "Session Close".into(),
        KEEP_ALIVE => "Keep Alive".into(),
        TOKEN_PASSING_PDU => "Token Passing PDU".into(),
        DIRECT_PDU => "Direct PDU".into(),
        READ_AUDIT_LOG => "Read Audit Log".into(),
        other => format!("unknown-0x{other:x}"),
    }
}

/// Header status codes (HART-IP specification, status of the message).
pub fn status_name(s: u8) -> String {
    match s {
        0 => "Success".into(),
        2 => "Invalid Selection".into(),
        5 => "Too Few Data Bytes Received".into(),
        6 => "Device Specific Command Error".into(),
        8 => "Set to Nearest Possible Value Warning".into(),
        14 => "Version Not Supported".into(),
        15 => "All Available Sessions in Use".into(),
        16 => "Session Already Established".into(),
        32 => "Busy".into(),
        other => format!("unknown-0x{other:x}"),
    }
}

pub fn address_type_name(unique: bool) -> &'static str {
    if unique {
        "Unique Address"
    } else {
        "Polling Address"
    }
}

pub fn physical_layer_name(p: u8) -> String {
    match p {
        0 => "Asynchronous".into(),
        1 => "Synchronous".into(),
        other => format!("unknown-0x{other:x}"),
    }
}

pub fn frame_type_name(f: u8) -> String {
    match f {
        1 => "Burst Frame Field to Master".into(),
        2 => "STX Master to Field".into(),
        6 => "Acknowledgement Field to Master".into(),
        other => format!("unknown-0x{other:x}"),
    }
}

/// The name of a HART command (universal and common practice), as ICSNPP's logs write
/// it (including its spelling of commands 58, 75, 83 and 68).
pub fn command_name(cmd: u16) -> Option<&'static str> {
    Some(match cmd {
        0 => "Read Unique Identifier",
        1 => "Read Primary Variable",
        2 => "Read Loop Current",
        3 => "Read Dynamic Variable",
        6 => "Write Polling Address",
        7 => "Read Loop Configuration",
        8 => "Read Dynamic Variable Classifications",
        9 => "Read Device Variable",
        11 => "Read Unique Identifier Tag",
        12 => "Read Message",
        13 => "Read Tag",
        14 => "Read Primary Variable Transducer Information",
        15 => "Read Device Information",
        16 => "Read Final Assembly Number",
        17 => "Write Message",
        18 => "Write Tag Descriptor Date",
        19 => "Write Final Assembly Number",
        20 => "Read Long Tag",
        21 => "Read Unique Identifier Long Tag",
        22 => "Write Long Tag",
        33 => "Read Device Variables",
        34 => "Write Primary Variable Damping Value",
        35 => "Write Primary Variable Range Values",
        36 => "Set Primary Variable Upper Range Value",
        37 => "Set Primary Variable Lower Range Value",
        38 => "Reset Configuration Changed Flag",
        39 => "EEPROM Control",
        40 => "Enter/Exit Fixed Current Mode",
        41 => "Perform Self-Test",
        42 => "Perform Device Reset",
        43 => "Set Primary Variable Zero",
        44 => "Write Primary Variable Units",
        45 => "Trim Loop Current Zero",
        46 => "Trim Loop Current Gain",
        47 => "Write Primary Variable Transfer Function",
        48 => "Read Additional Device Status",
        49 => "Write Primary Variable Transducer Serial Number",
        50 => "Read Dynamic Variable Assignments",
        51 => "Write Dynamic Variable Assignments",
        52 => "Set Device Variable Zero",
        53 => "Write Device Variable Units",
        54 => "Read Device Variable Information",
        55 => "Write Device Variable Damping Value",
        56 => "Write Device Variable Transducer Serial No.",
        57 => "Read Unit Tag, Descriptor, Date",
        58 => "Read Unit Tag, Descriptor, Date",
        59 => "Write Number of Response Preambles",
        60 => "Read Analog Channel and Percent of Range",
        61 => "Read Dynamic Variables and Primary Variable Analog Channel",
        62 => "Read Analog Channels",
        63 => "Read Analog Channel Information",
        64 => "Write Analog Channel Additional Damping Value",
        65 => "Write Analog Channel Range Values",
        66 => "Enter/Exit Fixed Analog Channel Mode",
        67 => "Trim Analog Channel Zero",
        68 => "Trim Analog Channel GAIN",
        69 => "Write Analog Channel Transfer Function",
        70 => "Read Analog Channel Endpoint Values",
        71 => "Lock Device",
        72 => "Squawk",
        73 => "Find Device",
        74 => "Read I/O System Capabilities",
        75 => "Pull Sub-Device",
        76 => "Read Lock Device State",
        77 => "Send Command to Sub-Device",
        78 => "Read Aggregated Commands",
        79 => "Write Device Variable",
        80 => "Read Device Variable Trim Points",
        81 => "Read Device Variable Trim Guidelines",
        82 => "Write Device Variable Trim Point",
        83 => "Write Device Variable Trim Point",
        84 => "Read Sub-Device Identity Summary",
        85 => "Read I/O Channel Statistics",
        86 => "Read Sub-Device Statistics",
        87 => "Write I/O System Master Mode",
        88 => "Write I/O System Retry Count",
        89 => "Set Real-Time Clock",
        _ => return None,
    })
}

/// The command's name, or `unknown-0x<hex>` for commands without one.
pub fn command_label(cmd: u16) -> String {
    command_name(cmd).map_or_else(|| format!("unknown-0x{cmd:x}"), str::to_string)
}

/// Commands whose data ICSNPP decodes field by field (the rest it logs as raw data).
pub fn command_decoded_by_icsnpp(cmd: u16) -> bool {
    command_name(cmd).is_some() && !matches!(cmd, 36 | 37 | 41 | 42 | 43 | 77 | 78)
}

/// What a command does to the device, for events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Read,
    /// Changes configuration, calibration, outputs or the clock.
    Write,
    /// Restarts or tests the device.
    Reset,
}

pub fn command_effect(cmd: u16) -> Effect {
    match cmd {
        41 | 42 => Effect::Reset,
        6
        | 17
        | 18
        | 19
        | 22
        | 34..=40
        | 43..=47
        | 49
        | 51..=53
        | 55
        | 56
        | 58
        | 59
        | 64..=69
        | 71
        | 79
        | 82
        | 83
        | 87..=89 => Effect::Write,
        _ => Effect::Read,
    }
}

/// What command 0 (Read Unique Identifier) answers: the device's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub expanded_device_type: u16,
    pub hart_major_revision: u8,
    pub device_revision: u8,
    pub software_revision: u8,
    pub hardware_revision: u8,
    pub device_id: u32,
    /// Two bytes from HART 7 on; older devices put a one-byte code in the device type.
    pub manufacturer_id: Option<u16>,
}

/// The data of a command 0 response (after response code and device status).
pub fn read_unique_identifier(data: &[u8]) -> Option<Identity> {
    if data.len() < 12 || data[0] != 254 {
        return None;
    }
    let manufacturer_id = data.get(17..19).map(|m| u16::from_be_bytes([m[0], m[1]]));
    Some(Identity {
        expanded_device_type: u16::from_be_bytes([data[1], data[2]]),
        hart_major_revision: data[4],
        device_revision: data[5],
        software_revision: data[6],
        hardware_revision: data[7] >> 3,
        device_id: u32::from_be_bytes([0, data[9], data[10], data[11]]),
        manufacturer_id,
    })
}

/// HART packed ASCII: four 6-bit characters in three bytes; codes below 32 stand for
/// 64..95 ('@', 'A'..'Z', '[' ...).
pub fn packed_ascii(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3);
    for chunk in bytes.chunks(3) {
        let mut bits = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            bits |= u32::from(b) << (16 - 8 * i);
        }
        let chars = chunk.len() * 8 / 6;
        for i in 0..chars {
            let c = ((bits >> (18 - 6 * i)) & 0x3f) as u8;
            out.push(char::from(if c < 32 { c + 64 } else { c }));
        }
    }
    out
}

/// Command 13 response data: tag (8 packed characters) and descriptor (16).
pub fn read_tag(data: &[u8]) -> Option<(String, String)> {
    let tag = packed_ascii(data.get(..6)?);
    let descriptor = packed_ascii(data.get(6..18)?);
    Some((tag.trim().to_string(), descriptor.trim().to_string()))
}

/// Command 16 response data: the final assembly number, three bytes.
pub fn read_final_assembly_number(data: &[u8]) -> Option<u32> {
    let b = data.get(..3)?;
    Some(u32::from_be_bytes([0, b[0], b[1], b[2]]))
}

/// Command 20 response data: the long tag, 32 ISO Latin-1 characters padded with NULs.
pub fn read_long_tag(data: &[u8]) -> Option<String> {
    let raw = data.get(..32)?;
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    let tag: String = raw[..end].iter().map(|&b| char::from(b)).collect();
    Some(tag.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // icsnpp-hart-ip/testing/traces/hart-ip.pcap, frame 1: Session Initiate request.
    const SESSION_INITIATE_REQUEST: &str = "010000000002000d0100007530";
    // Same capture, frames 3 and 4: command 0 to unique address 26 4e 00 00 d2 and its
    // answer (a Rosemount wireless gateway).
    const COMMAND_0_REQUEST: &str = "010003000003001182264e0000d2000038";
    const COMMAND_0_RESPONSE: &str =
        "010103000003002986264e0000d2001800d0fe264e050704010e0c0000d205020002d00026002684e4";
    // hart-ip_all_messageIDs.pcapng, frames 12 and 13: a direct PDU with command 54.
    const DIRECT_REQUEST: &str = "010004000004000e000000360100";
    const DIRECT_RESPONSE: &str =
        "010104000004002a000000361d00006543214b46bb8000000000004eff40004348000000fa00000c8000";

    #[test]
    fn session_initiate() {
        let b1 = hex(SESSION_INITIATE_REQUEST);
        let m = parse(&b1).unwrap();
        assert_eq!(m.header.version, 1);
        assert_eq!(message_type_name(m.header.message_type), "Request");
        assert_eq!(message_id_name(m.header.message_id), "Session Initiate");
        assert_eq!(m.header.sequence, 2);
        assert_eq!(m.header.length, 13);
        assert_eq!(
            m.body,
            Body::SessionInitiate {
                master_type: 1,
                inactivity_close_timer: 30000
            }
        );
    }

    #[test]
    fn token_passing_command_0() {
        let b2 = hex(COMMAND_0_REQUEST);
        let m = parse(&b2).unwrap();
        let Body::TokenPassing(p) = m.body else {
            panic!("{m:?}")
        };
        assert_eq!(p.address, Address::Unique(&[0x26, 0x4e, 0, 0, 0xd2]));
        assert_eq!((p.command, p.byte_count, p.check_byte), (0, 0, 0x38));
        assert_eq!(frame_type_name(p.frame_type()), "STX Master to Field");
        let b3 = hex(COMMAND_0_RESPONSE);
        let m = parse(&b3).unwrap();
        let Body::TokenPassing(p) = m.body else {
            panic!("{m:?}")
        };
        assert_eq!(p.response, Some((0, 0xd0)));
        assert_eq!(p.check_byte, 228);
        assert_eq!(
            frame_type_name(p.frame_type()),
            "Acknowledgement Field to Master"
        );
        let id = read_unique_identifier(p.data).unwrap();
        assert_eq!(id.expanded_device_type, 0x264e);
        assert_eq!(id.hart_major_revision, 7);
        assert_eq!((id.device_revision, id.software_revision), (4, 1));
        assert_eq!(id.device_id, 210);
        assert_eq!(id.manufacturer_id, Some(0x26));
    }

    #[test]
    fn direct_pdu_commands() {
        let b4 = hex(DIRECT_REQUEST);
        let m = parse(&b4).unwrap();
        let Body::Direct(d) = m.body else {
            panic!("{m:?}")
        };
        assert_eq!(d.commands.len(), 1);
        assert_eq!(d.commands[0].number, 54);
        assert_eq!(d.commands[0].data, &[0]);
        let b5 = hex(DIRECT_RESPONSE);
        let m = parse(&b5).unwrap();
        let Body::Direct(d) = m.body else {
            panic!("{m:?}")
        };
        assert_eq!(
            (d.commands[0].byte_count, d.commands[0].response_code),
            (29, Some(0))
        );
        assert_eq!(d.commands[0].data.len(), 28);
    }

    #[test]
    fn truncated_bodies_are_malformed() {
        let mut b = hex(COMMAND_0_RESPONSE);
        b.truncate(b.len() - 5);
        let len = b.len() as u16;
        b[6..8].copy_from_slice(&len.to_be_bytes());
        assert_eq!(parse(&b).unwrap_err().reason, "hart_ip_truncated_body");
    }

    #[test]
    fn packed_ascii_tag() {
        // "ABC@" packed: 000001 000010 000011 000000.
        assert_eq!(packed_ascii(&[0x04, 0x20, 0xc0]), "ABC@");
    }

    #[test]
    fn hostile_input() {
        let valid = vec![
            hex(SESSION_INITIATE_REQUEST),
            hex(COMMAND_0_REQUEST),
            hex(COMMAND_0_RESPONSE),
            hex(DIRECT_REQUEST),
            hex(DIRECT_RESPONSE),
        ];
        crate::hostile::never_panics(
            &valid,
            0x4a27,
            |b, i| {
                if b.len() >= 8 {
                    b[0] = 1;
                    b[1] = (i % 3) as u8;
                    b[2] = (i % 6) as u8;
                    let len = b.len() as u16;
                    b[6..8].copy_from_slice(&len.to_be_bytes());
                }
            },
            |b| {
                if let Ok(m) = parse(b) {
                    if let Body::TokenPassing(p) = &m.body {
                        let _ = read_unique_identifier(p.data);
                        let _ = read_tag(p.data);
                        let _ = read_long_tag(p.data);
                    }
                }
                let _ = message_len(b);
            },
        );
    }
}
