//! Beckhoff ADS over AMS: how TwinCAT engineering tools, HMIs and controllers talk to
//! Beckhoff PLCs (TCP 48898), and the route discovery beside it (UDP 48899).
//!
//! Over TCP each message is a six-byte AMS/TCP header (two reserved bytes, a length), the
//! 32-byte AMS header (target and source AMS NetId and port, command, state flags, data
//! length, error code, invoke id) and the command's data. All numbers are little-endian.
//! What matters to a monitor: the device name and version a ReadDeviceInfo answer gives,
//! the run/stop state ReadState reports and WriteControl changes, and which index groups
//! are written. Over UDP, discovery answers name the host, and an AddRoute request
//! carries a user name and password in clear.

use crate::Malformed;

/// AMS/TCP header: two reserved bytes and the length of what follows.
pub const TCP_HEADER_LEN: usize = 6;
pub const AMS_HEADER_LEN: usize = 32;
/// Largest message read into memory; longer ones (bulk reads) are passed over.
pub const MAX_MESSAGE: usize = 64 * 1024;

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn net_id(b: &[u8], at: usize) -> Option<[u8; 6]> {
    b.get(at..at + 6)?.try_into().ok()
}

/// An AMS NetId as TwinCAT writes it (`5.13.117.96.1.1`).
pub fn format_net_id(id: &[u8; 6]) -> String {
    let parts: Vec<String> = id.iter().map(u8::to_string).collect();
    parts.join(".")
}

/// The total length of the AMS/TCP message at the start of `buf`, once its header is in.
pub fn tcp_message_len(buf: &[u8]) -> Option<usize> {
    let len = usize::try_from(le32(buf, 2)?).ok()?;
    TCP_HEADER_LEN.checked_add(len)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmsHeader {
    pub target_net_id: [u8; 6],
    pub target_port: u16,
    pub source_net_id: [u8; 6],
    pub source_port: u16,
    pub command: u16,
    pub state_flags: u16,
    pub data_len: u32,
    pub error: u32,
    pub invoke_id: u32,
}

impl AmsHeader {
    pub fn is_response(&self) -> bool {
        self.state_flags & 0x0001 != 0
    }
}

/// One ADS message: its AMS header and the command's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub header: AmsHeader,
    pub data: &'a [u8],
}

/// An AMS/TCP message (the six-byte prefix included).
pub fn parse_tcp(buf: &[u8]) -> Result<Message<'_>, Malformed> {
    let bad = |reason, offset| Malformed { reason, offset };
    if buf.len() < TCP_HEADER_LEN + AMS_HEADER_LEN {
        return Err(bad("ads_short_header", buf.len()));
    }
    if buf.first() != Some(&0) || buf.get(1) != Some(&0) {
        return Err(bad("ads_reserved_not_zero", 0));
    }
    parse_ams(buf.get(TCP_HEADER_LEN..).unwrap_or_default())
}

/// An AMS header and its data.
pub fn parse_ams(b: &[u8]) -> Result<Message<'_>, Malformed> {
    let short = Malformed {
        reason: "ads_short_header",
        offset: b.len(),
    };
    let header = AmsHeader {
        target_net_id: net_id(b, 0).ok_or(short)?,
        target_port: le16(b, 6).ok_or(short)?,
        source_net_id: net_id(b, 8).ok_or(short)?,
        source_port: le16(b, 14).ok_or(short)?,
        command: le16(b, 16).ok_or(short)?,
        state_flags: le16(b, 18).ok_or(short)?,
        data_len: le32(b, 20).ok_or(short)?,
        error: le32(b, 24).ok_or(short)?,
        invoke_id: le32(b, 28).ok_or(short)?,
    };
    let len = usize::try_from(header.data_len).unwrap_or(usize::MAX);
    let data = AMS_HEADER_LEN
        .checked_add(len)
        .and_then(|end| b.get(AMS_HEADER_LEN..end))
        .ok_or(Malformed {
            reason: "ads_length_mismatch",
            offset: 20,
        })?;
    Ok(Message { header, data })
}

pub const CMD_READ_DEVICE_INFO: u16 = 1;
pub const CMD_READ: u16 = 2;
pub const CMD_WRITE: u16 = 3;
pub const CMD_READ_STATE: u16 = 4;
pub const CMD_WRITE_CONTROL: u16 = 5;
pub const CMD_READ_WRITE: u16 = 9;

pub fn command_name(command: u16) -> Option<&'static str> {
    Some(match command {
        0 => "Invalid",
        1 => "ReadDeviceInfo",
        2 => "Read",
        3 => "Write",
        4 => "ReadState",
        5 => "WriteControl",
        6 => "AddDeviceNotification",
        7 => "DeleteDeviceNotification",
        8 => "DeviceNotification",
        9 => "ReadWrite",
        _ => return None,
    })
}

/// ADS states (the run/stop state of a TwinCAT runtime or PLC).
pub fn state_name(state: u16) -> Option<&'static str> {
    Some(match state {
        0 => "INVALID",
        1 => "IDLE",
        2 => "RESET",
        3 => "INIT",
        4 => "START",
        5 => "RUN",
        6 => "STOP",
        7 => "SAVECFG",
        8 => "LOADCFG",
        9 => "POWERFAILURE",
        10 => "POWERGOOD",
        11 => "ERROR",
        12 => "SHUTDOWN",
        13 => "SUSPEND",
        14 => "RESUME",
        15 => "CONFIG",
        16 => "RECONFIG",
        17 => "STOPPING",
        18 => "INCOMPATIBLE",
        19 => "EXCEPTION",
        _ => return None,
    })
}

/// The answer to ReadDeviceInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub result: u32,
    pub version: (u8, u8, u16),
    pub name: Option<String>,
}

pub fn device_info(data: &[u8]) -> Option<DeviceInfo> {
    Some(DeviceInfo {
        result: le32(data, 0)?,
        version: (*data.get(4)?, *data.get(5)?, le16(data, 6)?),
        name: crate::non_empty(crate::single_line(
            data.get(8..24)?
                .split(|&b| b == 0)
                .next()
                .unwrap_or_default(),
        )),
    })
}

/// The answer to ReadState: result, ADS state, device state.
pub fn read_state(data: &[u8]) -> Option<(u32, u16, u16)> {
    Some((le32(data, 0)?, le16(data, 4)?, le16(data, 6)?))
}

/// A WriteControl request: the ADS state and device state asked for.
pub fn write_control(data: &[u8]) -> Option<(u16, u16)> {
    Some((le16(data, 0)?, le16(data, 2)?))
}

/// Index group, index offset and length of a Read, Write or ReadWrite request (for
/// ReadWrite, the length read back).
pub fn index(data: &[u8]) -> Option<(u32, u32, u32)> {
    Some((le32(data, 0)?, le32(data, 4)?, le32(data, 8)?))
}

// ---------------------------------------------------------------------------------------
// UDP 48899: discovery and routes.

pub const UDP_MAGIC: [u8; 4] = [0x03, 0x66, 0x14, 0x71];
pub const SERVICE_DISCOVERY: u32 = 1;
pub const SERVICE_ADD_ROUTE: u32 = 6;
pub const SERVICE_RESPONSE: u32 = 0x8000_0000;
pub const TAG_PASSWORD: u16 = 2;
pub const TAG_HOST_NAME: u16 = 5;
pub const TAG_ROUTE_NAME: u16 = 12;
pub const TAG_USER_NAME: u16 = 13;

/// Tags read from one datagram at most (a datagram holds a handful).
const MAX_TAGS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery<'a> {
    pub invoke_id: u32,
    pub service: u32,
    pub net_id: [u8; 6],
    pub port: u16,
    pub tags: Vec<(u16, &'a [u8])>,
}

impl Discovery<'_> {
    pub fn tag(&self, id: u16) -> Option<&[u8]> {
        self.tags.iter().find(|(t, _)| *t == id).map(|(_, v)| *v)
    }
}

pub fn parse_udp(b: &[u8]) -> Result<Discovery<'_>, Malformed> {
    if b.get(..4) != Some(&UDP_MAGIC[..]) {
        return Err(Malformed {
            reason: "ads_udp_bad_magic",
            offset: 0,
        });
    }
    let short = Malformed {
        reason: "ads_udp_short",
        offset: b.len(),
    };
    let mut d = Discovery {
        invoke_id: le32(b, 4).ok_or(short)?,
        service: le32(b, 8).ok_or(short)?,
        net_id: net_id(b, 12).ok_or(short)?,
        port: le16(b, 18).ok_or(short)?,
        tags: Vec::new(),
    };
    let count = le32(b, 20).unwrap_or(0);
    let mut at = 24;
    for _ in 0..count.min(MAX_TAGS as u32) {
        let (Some(id), Some(len)) = (le16(b, at), le16(b, at + 2)) else {
            break;
        };
        let end = at + 4 + usize::from(len);
        let Some(value) = b.get(at + 4..end) else {
            break;
        };
        d.tags.push((id, value));
        at = end;
    }
    Ok(d)
}

/// A NUL-terminated tag value as text.
pub fn tag_text(value: &[u8]) -> Option<String> {
    crate::non_empty(crate::single_line(
        value.split(|&b| b == 0).next().unwrap_or_default(),
    ))
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

    // ITI beckoff/beckoffaddroute.pcapng, frames 45 and 87: ReadState and its answer
    // (RUN).
    #[test]
    fn read_state_and_answer() {
        let b = hex("000020000000050d756001011027c0a801c70101038004000400000000000000000008000000");
        assert_eq!(tcp_message_len(&b), Some(38));
        let m = parse_tcp(&b).unwrap();
        assert_eq!(m.header.command, CMD_READ_STATE);
        assert!(!m.header.is_response());
        assert_eq!(format_net_id(&m.header.target_net_id), "5.13.117.96.1.1");
        assert_eq!(m.header.target_port, 10000);
        let b = hex("000028000000c0a801c701010380050d7560010110270400050008000000000000000a0000000000000005000200");
        let m = parse_tcp(&b).unwrap();
        assert!(m.header.is_response());
        let (result, state, _) = read_state(m.data).unwrap();
        assert_eq!((result, state_name(state)), (0, Some("RUN")));
    }

    // ITI beckoff/beckoffaddroute.pcapng, frame 44: discovery answer naming the host;
    // frame 58: AddRoute with a user name and a password.
    #[test]
    fn discovery_and_add_route() {
        let b = hex("036614710000000001000080050d7560010110270300000005000a0043585f30443735363000");
        let d = parse_udp(&b).unwrap();
        assert_eq!(d.service, SERVICE_RESPONSE | SERVICE_DISCOVERY);
        assert_eq!(
            d.tag(TAG_HOST_NAME).and_then(tag_text).as_deref(),
            Some("CX_0D7560")
        );
        let b = hex("036614710000000006000000c0a801c701011027050000000c000d005348454e4855414a362d50430007000600c0a801c701010d000e0041646d696e6973747261746f720002000200310005000d005348454e4855414a362d504300");
        let d = parse_udp(&b).unwrap();
        assert_eq!(d.service, SERVICE_ADD_ROUTE);
        assert_eq!(
            d.tag(TAG_USER_NAME).and_then(tag_text).as_deref(),
            Some("Administrator")
        );
        assert!(d.tag(TAG_PASSWORD).is_some());
    }

    #[test]
    fn hostile_lengths() {
        let mut b = hex("000020000000050d756001011027c0a801c70101038004000400ffffffff00000000");
        b.extend([0; 4]);
        assert!(parse_tcp(&b).is_err());
        assert!(parse_udp(&hex("03661471")).is_err());
        let mut b = hex("03661471000000000100008005");
        b.extend([0; 20]);
        b.extend([0xff; 8]);
        let _ = parse_udp(&b);
    }
}
