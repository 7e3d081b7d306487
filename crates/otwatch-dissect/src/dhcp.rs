//! BOOTP/DHCPv4 decoding (UDP 67/68).
//!
//! DHCP is one of the richest passive sources of asset identity on an OT network: it
//! carries the client's MAC, chosen hostname, vendor class (often the firmware family)
//! and the parameter request list, whose order fingerprints the IP stack. Only the
//! options that feed the inventory are decoded; everything else is listed by code.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use serde::Serialize;

use crate::Malformed;

/// Fixed BOOTP header (236 bytes) plus the 4-byte magic cookie.
const MIN_LEN: usize = 240;
const MAGIC_COOKIE: [u8; 4] = [0x63, 0x82, 0x53, 0x63];
const OFF_CHADDR: usize = 28;
const OFF_SNAME: usize = 44;
const OFF_FILE: usize = 108;
const OFF_COOKIE: usize = 236;
const SNAME_LEN: usize = 64;
const FILE_LEN: usize = 128;
/// Bounds the option-code list kept for fingerprinting; real clients send ~10-30.
const MAX_OPTION_CODES: usize = 64;
const MAX_STRING_CHARS: usize = 255;

const OPT_PAD: u8 = 0;
const OPT_ROUTER: u8 = 3;
const OPT_HOSTNAME: u8 = 12;
const OPT_DOMAIN_NAME: u8 = 15;
const OPT_REQUESTED_IP: u8 = 50;
const OPT_LEASE_TIME: u8 = 51;
const OPT_OVERLOAD: u8 = 52;
const OPT_MESSAGE_TYPE: u8 = 53;
const OPT_SERVER_ID: u8 = 54;
const OPT_PARAM_REQUEST_LIST: u8 = 55;
const OPT_VENDOR_CLASS: u8 = 60;
const OPT_CLIENT_ID: u8 = 61;
const OPT_CLIENT_FQDN: u8 = 81;
const OPT_END: u8 = 255;

/// A decoded BOOTP/DHCP message. Options that were absent are `None` / empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DhcpMessage {
    /// 1 = BOOTREQUEST (client to server), 2 = BOOTREPLY.
    pub op: u8,
    pub xid: u32,
    /// `chaddr`, only when it is an Ethernet address (htype 1, hlen 6); zeros otherwise.
    pub client_mac: [u8; 6],
    pub ciaddr: Ipv4Addr,
    pub yiaddr: Ipv4Addr,
    pub siaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    /// Option 53; see [`message_type_name`]. `None` means plain BOOTP.
    pub message_type: Option<u8>,
    /// Option 12.
    pub hostname: Option<String>,
    /// Option 81, the domain name part.
    pub client_fqdn: Option<String>,
    /// Option 60.
    pub vendor_class: Option<String>,
    /// Option 50.
    pub requested_ip: Option<Ipv4Addr>,
    /// Option 54.
    pub server_id: Option<Ipv4Addr>,
    /// Option 3, first router only.
    pub router: Option<Ipv4Addr>,
    /// Option 15.
    pub domain_name: Option<String>,
    /// Option 51, seconds.
    pub lease_time: Option<u32>,
    /// Option 61 as lowercase hex (type byte included).
    pub client_id: Option<String>,
    /// Option 55 in the order the client sent it.
    pub param_request_list: Vec<u8>,
    /// Codes of all options present, in wire order (at most 64), for stack fingerprinting.
    pub option_codes: Vec<u8>,
}

/// Name for a DHCP message type (option 53) value.
pub fn message_type_name(t: u8) -> &'static str {
    match t {
        1 => "DISCOVER",
        2 => "OFFER",
        3 => "REQUEST",
        4 => "DECLINE",
        5 => "ACK",
        6 => "NAK",
        7 => "RELEASE",
        8 => "INFORM",
        _ => "UNKNOWN",
    }
}

/// Cheap pre-check for protocol identification on non-standard ports.
pub fn looks_like_dhcp(payload: &[u8]) -> bool {
    let (Some(&op), Some(&htype), Some(&hlen)) = (payload.first(), payload.get(1), payload.get(2))
    else {
        return false;
    };
    // ARP hardware types in use stop well below 64, and chaddr has room for 16 bytes.
    payload.len() >= MIN_LEN
        && matches!(op, 1 | 2)
        && (1..64).contains(&htype)
        && hlen <= 16
        && payload.get(OFF_COOKIE..MIN_LEN) == Some(&MAGIC_COOKIE[..])
}

/// Decode a BOOTP/DHCP UDP payload.
pub fn parse(payload: &[u8]) -> Result<DhcpMessage, Malformed> {
    if payload.len() < MIN_LEN {
        return Err(Malformed::new("dhcp_truncated", payload.len()));
    }
    let op = byte(payload, 0)?;
    if !matches!(op, 1 | 2) {
        return Err(Malformed::new("dhcp_bad_op", 0));
    }
    if payload.get(OFF_COOKIE..MIN_LEN) != Some(&MAGIC_COOKIE[..]) {
        return Err(Malformed::new("dhcp_no_magic_cookie", OFF_COOKIE));
    }
    let htype = byte(payload, 1)?;
    let hlen = byte(payload, 2)?;
    let client_mac = if htype == 1 && hlen == 6 {
        payload
            .get(OFF_CHADDR..OFF_CHADDR + 6)
            .and_then(|s| <[u8; 6]>::try_from(s).ok())
            .ok_or(Malformed::new("dhcp_truncated", OFF_CHADDR))?
    } else {
        [0; 6]
    };

    let mut msg = DhcpMessage {
        op,
        xid: be32(payload, 4)?,
        client_mac,
        ciaddr: ipv4_at(payload, 12)?,
        yiaddr: ipv4_at(payload, 16)?,
        siaddr: ipv4_at(payload, 20)?,
        giaddr: ipv4_at(payload, 24)?,
        message_type: None,
        hostname: None,
        client_fqdn: None,
        vendor_class: None,
        requested_ip: None,
        server_id: None,
        router: None,
        domain_name: None,
        lease_time: None,
        client_id: None,
        param_request_list: Vec::new(),
        option_codes: Vec::new(),
    };

    let mut overload = 0u8;
    walk_options(payload, MIN_LEN, payload.len(), &mut msg, &mut overload)?;
    // Option 52 moves further options into the `file` and/or `sname` fields, in that
    // order (RFC 2132 9.3). The overload value seen in those areas is ignored so that a
    // crafted message cannot make us walk an area twice.
    let mut ignored = 0u8;
    if overload & 1 != 0 {
        walk_options(
            payload,
            OFF_FILE,
            OFF_FILE + FILE_LEN,
            &mut msg,
            &mut ignored,
        )?;
    }
    if overload & 2 != 0 {
        walk_options(
            payload,
            OFF_SNAME,
            OFF_SNAME + SNAME_LEN,
            &mut msg,
            &mut ignored,
        )?;
    }
    Ok(msg)
}

/// Decode the options in `payload[start..end]` into `msg`. The first occurrence of an
/// option wins: RFC 3396 concatenation would let one message grow a field without bound.
fn walk_options(
    payload: &[u8],
    start: usize,
    end: usize,
    msg: &mut DhcpMessage,
    overload: &mut u8,
) -> Result<(), Malformed> {
    let mut pos = start;
    while pos < end {
        let code = byte(payload, pos)?;
        if code == OPT_END {
            break;
        }
        if code == OPT_PAD {
            pos += 1;
            continue;
        }
        let len = usize::from(
            payload
                .get(pos + 1)
                .copied()
                .filter(|_| pos + 1 < end)
                .ok_or(Malformed::new("dhcp_option_truncated", pos))?,
        );
        let data = payload
            .get(pos + 2..pos + 2 + len)
            .filter(|_| pos + 2 + len <= end)
            .ok_or(Malformed::new("dhcp_option_truncated", pos))?;
        if msg.option_codes.len() < MAX_OPTION_CODES {
            msg.option_codes.push(code);
        }
        apply_option(code, data, msg, overload);
        pos += 2 + len;
    }
    Ok(())
}

fn apply_option(code: u8, data: &[u8], msg: &mut DhcpMessage, overload: &mut u8) {
    match code {
        OPT_MESSAGE_TYPE if msg.message_type.is_none() => msg.message_type = data.first().copied(),
        OPT_HOSTNAME if msg.hostname.is_none() => msg.hostname = non_empty(text(data)),
        OPT_DOMAIN_NAME if msg.domain_name.is_none() => msg.domain_name = non_empty(text(data)),
        OPT_VENDOR_CLASS if msg.vendor_class.is_none() => msg.vendor_class = non_empty(text(data)),
        OPT_CLIENT_FQDN if msg.client_fqdn.is_none() => msg.client_fqdn = fqdn(data),
        OPT_REQUESTED_IP if msg.requested_ip.is_none() => msg.requested_ip = ipv4(data),
        OPT_SERVER_ID if msg.server_id.is_none() => msg.server_id = ipv4(data),
        OPT_ROUTER if msg.router.is_none() => msg.router = data.get(..4).and_then(ipv4),
        OPT_LEASE_TIME if msg.lease_time.is_none() => {
            msg.lease_time = <[u8; 4]>::try_from(data).ok().map(u32::from_be_bytes)
        }
        OPT_CLIENT_ID if msg.client_id.is_none() && !data.is_empty() => {
            // Bounded by the one-byte option length: at most 510 hex digits.
            let mut hex = String::with_capacity(data.len() * 2);
            for b in data {
                let _ = write!(hex, "{b:02x}");
            }
            msg.client_id = Some(hex);
        }
        OPT_PARAM_REQUEST_LIST if msg.param_request_list.is_empty() => {
            msg.param_request_list = data.to_vec()
        }
        OPT_OVERLOAD if *overload == 0 => *overload = data.first().copied().unwrap_or(0) & 3,
        _ => {}
    }
}

/// Option 81: flags, two obsolete rcode bytes, then the name either as ASCII or, when
/// the E flag is set, in uncompressed DNS wire format (RFC 4702).
fn fqdn(data: &[u8]) -> Option<String> {
    let flags = *data.first()?;
    let name = data.get(3..)?;
    if flags & 0x04 == 0 {
        return non_empty(text(name));
    }
    let mut out = String::new();
    let mut rest = name;
    // The option is at most 255 bytes, so this loop runs at most ~128 times.
    while let Some((&len, tail)) = rest.split_first() {
        if len == 0 || len > 63 {
            break;
        }
        let label = tail.get(..usize::from(len))?;
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&text(label));
        rest = tail.get(usize::from(len)..)?;
    }
    non_empty(cap_chars(out))
}

/// Lossy UTF-8 with trailing NUL padding removed and control characters blanked, so a
/// hostname cannot inject terminal escapes or line breaks into reports.
fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let s: String = String::from_utf8_lossy(bytes.get(..end).unwrap_or_default())
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cap_chars(s)
}

fn cap_chars(s: String) -> String {
    match s.char_indices().nth(MAX_STRING_CHARS) {
        Some((i, _)) => s.get(..i).unwrap_or_default().to_owned(),
        None => s,
    }
}

fn non_empty(s: String) -> Option<String> {
    (!s.trim().is_empty()).then_some(s)
}

fn ipv4(data: &[u8]) -> Option<Ipv4Addr> {
    <[u8; 4]>::try_from(data).ok().map(Ipv4Addr::from)
}

fn byte(b: &[u8], at: usize) -> Result<u8, Malformed> {
    b.get(at)
        .copied()
        .ok_or(Malformed::new("dhcp_truncated", at))
}

fn be32(b: &[u8], at: usize) -> Result<u32, Malformed> {
    b.get(at..at.saturating_add(4))
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_be_bytes)
        .ok_or(Malformed::new("dhcp_truncated", at))
}

fn ipv4_at(b: &[u8], at: usize) -> Result<Ipv4Addr, Malformed> {
    be32(b, at).map(Ipv4Addr::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DHCPREQUEST from a Windows engineering workstation in INIT-REBOOT state.
    fn request_eng_ws01() -> Vec<u8> {
        let mut p = vec![0u8; 240];
        p[0] = 1; // BOOTREQUEST
        p[1] = 1; // Ethernet
        p[2] = 6;
        p[4..8].copy_from_slice(&[0x3d, 0x1d, 0x4a, 0x2f]);
        p[10] = 0x00; // unicast reply ok
        p[28..34].copy_from_slice(&[0x00, 0x1b, 0x1b, 0x4c, 0x5d, 0x6e]);
        p[236..240].copy_from_slice(&MAGIC_COOKIE);
        p.extend_from_slice(&[53, 1, 3]);
        p.extend_from_slice(&[61, 7, 0x01, 0x00, 0x1b, 0x1b, 0x4c, 0x5d, 0x6e]);
        p.extend_from_slice(&[50, 4, 10, 20, 30, 41]);
        p.extend_from_slice(&[54, 4, 10, 20, 30, 1]);
        p.extend_from_slice(&[12, 8]);
        p.extend_from_slice(b"ENG-WS01");
        // Client FQDN, E flag set: "ENG-WS01.plant.local" in wire format.
        p.extend_from_slice(&[81, 25, 0x05, 0, 0]);
        p.extend_from_slice(b"\x08ENG-WS01\x05plant\x05local\x00");
        p.extend_from_slice(&[60, 8]);
        p.extend_from_slice(b"MSFT 5.0");
        p.extend_from_slice(&[
            55, 14, 1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252,
        ]);
        p.push(255);
        p.extend_from_slice(&[0; 6]);
        p
    }

    /// A DHCPACK from a PLC-network server, with a NUL-padded domain name.
    fn ack() -> Vec<u8> {
        let mut p = vec![0u8; 240];
        p[0] = 2;
        p[1] = 1;
        p[2] = 6;
        p[4..8].copy_from_slice(&[0x3d, 0x1d, 0x4a, 0x2f]);
        p[16..20].copy_from_slice(&[10, 20, 30, 41]);
        p[28..34].copy_from_slice(&[0x00, 0x1b, 0x1b, 0x4c, 0x5d, 0x6e]);
        p[236..240].copy_from_slice(&MAGIC_COOKIE);
        p.extend_from_slice(&[53, 1, 5]);
        p.extend_from_slice(&[54, 4, 10, 20, 30, 1]);
        p.extend_from_slice(&[51, 4, 0x00, 0x01, 0x51, 0x80]);
        p.extend_from_slice(&[1, 4, 255, 255, 255, 0]);
        p.extend_from_slice(&[3, 8, 10, 20, 30, 254, 10, 20, 30, 253]);
        p.extend_from_slice(&[15, 13]);
        p.extend_from_slice(b"plant.local\0\0");
        p.push(255);
        p
    }

    #[test]
    fn parses_request_with_hostname() {
        let p = request_eng_ws01();
        assert!(looks_like_dhcp(&p));
        let m = parse(&p).unwrap();
        assert_eq!(m.op, 1);
        assert_eq!(m.xid, 0x3d1d4a2f);
        assert_eq!(m.client_mac, [0x00, 0x1b, 0x1b, 0x4c, 0x5d, 0x6e]);
        assert_eq!(m.message_type, Some(3));
        assert_eq!(message_type_name(m.message_type.unwrap()), "REQUEST");
        assert_eq!(m.hostname.as_deref(), Some("ENG-WS01"));
        assert_eq!(m.client_fqdn.as_deref(), Some("ENG-WS01.plant.local"));
        assert_eq!(m.vendor_class.as_deref(), Some("MSFT 5.0"));
        assert_eq!(m.requested_ip, Some(Ipv4Addr::new(10, 20, 30, 41)));
        assert_eq!(m.server_id, Some(Ipv4Addr::new(10, 20, 30, 1)));
        assert_eq!(m.client_id.as_deref(), Some("01001b1b4c5d6e"));
        assert_eq!(
            m.param_request_list,
            [1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252]
        );
        assert_eq!(m.option_codes, [53, 61, 50, 54, 12, 81, 60, 55]);
        assert_eq!(m.ciaddr, Ipv4Addr::UNSPECIFIED);
        assert_eq!(m.router, None);
        assert_eq!(m.lease_time, None);
    }

    #[test]
    fn parses_ack() {
        let m = parse(&ack()).unwrap();
        assert_eq!(m.op, 2);
        assert_eq!(message_type_name(m.message_type.unwrap()), "ACK");
        assert_eq!(m.yiaddr, Ipv4Addr::new(10, 20, 30, 41));
        assert_eq!(m.router, Some(Ipv4Addr::new(10, 20, 30, 254)));
        assert_eq!(m.lease_time, Some(86400));
        assert_eq!(m.domain_name.as_deref(), Some("plant.local"));
    }

    #[test]
    fn ascii_fqdn_and_overload() {
        let mut p = vec![0u8; 240];
        p[0] = 1;
        p[1] = 6; // IEEE 802: chaddr is not reported as a MAC
        p[2] = 6;
        p[28..34].copy_from_slice(&[1, 2, 3, 4, 5, 6]);
        // Options continued in the `file` field.
        p[108] = 12;
        p[109] = 3;
        p[110..113].copy_from_slice(b"rtu");
        p[113] = 255;
        p[236..240].copy_from_slice(&MAGIC_COOKIE);
        p.extend_from_slice(&[52, 1, 1, 81, 9, 0, 0, 0]);
        p.extend_from_slice(b"rtu-7\0");
        p.push(255);
        let m = parse(&p).unwrap();
        assert_eq!(m.client_mac, [0; 6]);
        assert_eq!(m.hostname.as_deref(), Some("rtu"));
        assert_eq!(m.client_fqdn.as_deref(), Some("rtu-7"));
        assert_eq!(m.message_type, None);
    }

    #[test]
    fn rejects_bad_input() {
        let mut p = request_eng_ws01();
        p[236] = 0;
        assert_eq!(parse(&p).unwrap_err().reason, "dhcp_no_magic_cookie");
        assert!(!looks_like_dhcp(&p));

        let mut p = request_eng_ws01();
        p[0] = 3;
        assert_eq!(parse(&p).unwrap_err().reason, "dhcp_bad_op");

        assert_eq!(parse(&[1; 100]).unwrap_err().reason, "dhcp_truncated");

        let mut p = ack();
        p.truncate(p.len() - 5);
        assert_eq!(parse(&p).unwrap_err().reason, "dhcp_option_truncated");
    }

    #[test]
    fn strings_are_capped_and_sanitized() {
        let mut p = vec![0u8; 240];
        p[0] = 1;
        p[236..240].copy_from_slice(&MAGIC_COOKIE);
        p.extend_from_slice(&[12, 255]);
        p.extend_from_slice(&[0xc3; 255]); // invalid UTF-8 everywhere
        p.extend_from_slice(&[60, 5, b'a', 0x1b, b'[', b'2', b'J']);
        let m = parse(&p).unwrap();
        assert!(m.hostname.unwrap().chars().count() <= 255);
        assert_eq!(m.vendor_class.as_deref(), Some("a [2J"));
    }

    #[test]
    fn never_panics() {
        let valid = [request_eng_ws01(), ack()];
        // Most shaped inputs get a valid header so the option walker is exercised.
        let shape = |buf: &mut Vec<u8>, i: usize| {
            if buf.len() >= 240 {
                buf[0] = 1 + ((i / 2) % 2) as u8;
                buf[236..240].copy_from_slice(&MAGIC_COOKIE);
            }
        };
        crate::hostile::never_panics(&valid, 0x9e37_79b9_7f4a_7c15, shape, |b| {
            let _ = parse(b);
            let _ = looks_like_dhcp(b);
        });
    }
}
