//! The opening messages of remote-access and file-sharing sessions: SSH banners, RDP
//! connection negotiation, the VNC (RFB) handshake, FTP commands and replies, and SMB
//! negotiation with its NTLMSSP authentication.
//!
//! On a plant network these sessions are how people reach the controllers: who opens them,
//! with what software, and whether a password crosses the wire in clear matters more than
//! what they carry afterwards. Each function reads one message from the start of a
//! reassembled stream chunk and returns `None` when the bytes are not that message.

use crate::Malformed;

// ---------------------------------------------------------------------------------- SSH

/// An SSH identification string (RFC 4253 4.2): "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshBanner {
    pub protocol: String,
    /// The software and version, with any comment after a space.
    pub software: String,
}

pub fn ssh_banner(data: &[u8]) -> Option<SshBanner> {
    let line = data.strip_prefix(b"SSH-")?;
    let end = line
        .iter()
        .take(251)
        .position(|&b| b == b'\n' || b == b'\r')?;
    let line = &line[..end];
    let dash = line.iter().position(|&b| b == b'-')?;
    let protocol = crate::printable(&line[..dash])?;
    let software = crate::printable(&line[dash + 1..])?;
    Some(SshBanner { protocol, software })
}

// ---------------------------------------------------------------------------------- RDP

/// An RDP X.224 Connection Request (MS-RDPBCGR 2.2.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdpRequest {
    /// A "Cookie: mstshash=" carried a user name (its length only: the name is the user's
    /// login, shown in clear on the wire).
    pub user_name_length: Option<usize>,
    /// RDP_NEG_REQ requestedProtocols; absent for clients that only speak standard RDP
    /// security.
    pub requested_protocols: Option<u32>,
}

/// An RDP X.224 Connection Confirm (MS-RDPBCGR 2.2.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RdpConfirm {
    /// RDP_NEG_RSP selectedProtocol.
    Selected(u32),
    /// RDP_NEG_FAILURE failureCode.
    Failure(u32),
    /// No negotiation block: standard RDP security.
    Legacy,
}

/// The X.224 variable part of a TPKT-framed Connection Request (0xE0) or Confirm (0xD0).
fn x224(data: &[u8], pdu: u8) -> Option<&[u8]> {
    let [3, 0, hi, lo, li, code, ..] = *data else {
        return None;
    };
    let total = usize::from(u16::from_be_bytes([hi, lo]));
    if code & 0xf0 != pdu || usize::from(li) < 6 || total < 11 {
        return None;
    }
    data.get(11..total.min(data.len()))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub fn rdp_request(data: &[u8]) -> Option<RdpRequest> {
    let mut rest = x224(data, 0xe0)?;
    let mut user_name_length = None;
    if let Some(cookie) = rest.strip_prefix(b"Cookie: mstshash=") {
        let end = cookie.windows(2).position(|w| w == b"\r\n")?;
        user_name_length = Some(end);
        rest = &cookie[end + 2..];
    } else if rest.starts_with(b"Cookie: ") {
        // A routing token from a load balancer: skip to its end.
        let end = rest.windows(2).position(|w| w == b"\r\n")?;
        rest = &rest[end + 2..];
    }
    let requested_protocols = match rest {
        [1, _, 8, 0, ..] => le32(rest, 4),
        _ => None,
    };
    if user_name_length.is_none() && requested_protocols.is_none() {
        return None;
    }
    Some(RdpRequest {
        user_name_length,
        requested_protocols,
    })
}

pub fn rdp_confirm(data: &[u8]) -> Option<RdpConfirm> {
    let rest = x224(data, 0xd0)?;
    Some(match rest {
        [2, _, 8, 0, ..] => RdpConfirm::Selected(le32(rest, 4)?),
        [3, _, 8, 0, ..] => RdpConfirm::Failure(le32(rest, 4)?),
        _ => RdpConfirm::Legacy,
    })
}

/// The security protocols of an RDP negotiation, by name.
pub fn rdp_protocols(p: u32) -> String {
    if p == 0 {
        return "RDP standard security".into();
    }
    let names = [
        (1, "TLS"),
        (2, "CredSSP (NLA)"),
        (4, "RDSTLS"),
        (8, "CredSSP early user auth"),
        (0x10, "RDS AAD"),
    ];
    let list: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| p & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    if list.is_empty() {
        format!("0x{p:x}")
    } else {
        list.join(", ")
    }
}

// ---------------------------------------------------------------------------------- VNC

/// The RFB ProtocolVersion message (RFC 6143 7.1.1): "RFB 003.008\n" → "3.8".
pub fn rfb_version(data: &[u8]) -> Option<String> {
    let v = data.get(..12)?;
    if !v.starts_with(b"RFB ") || v[7] != b'.' || v[11] != b'\n' {
        return None;
    }
    let major = std::str::from_utf8(&v[4..7]).ok()?.parse::<u16>().ok()?;
    let minor = std::str::from_utf8(&v[8..11]).ok()?.parse::<u16>().ok()?;
    Some(format!("{major}.{minor}"))
}

/// The security types a server offers (RFC 6143 7.1.2, version 3.7 and later: a count and
/// that many types). An empty list is a refusal with a reason.
pub fn rfb_security_types(data: &[u8]) -> Option<Vec<u8>> {
    let (&count, types) = data.split_first()?;
    types.get(..usize::from(count)).map(<[u8]>::to_vec)
}

/// Security type 1: no authentication at all.
pub const RFB_SECURITY_NONE: u8 = 1;

// ---------------------------------------------------------------------------------- FTP

/// One line of an FTP control connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FtpLine {
    /// A reply: code and text.
    Reply(u16, String),
    /// USER with the name.
    User(String),
    /// PASS: a password in clear, not kept.
    Pass,
    /// AUTH TLS/SSL: the session turns to TLS.
    Auth,
    Other,
}

/// The complete lines at the start of a chunk (at most 16).
pub fn ftp_lines(data: &[u8]) -> Vec<FtpLine> {
    data.split_inclusive(|&b| b == b'\n')
        .filter(|l| l.ends_with(b"\n"))
        .take(16)
        .map(|l| {
            let l = l.trim_ascii_end();
            let word_end = l.iter().position(|&b| b == b' ').unwrap_or(l.len());
            let (word, arg) = (&l[..word_end], l.get(word_end + 1..).unwrap_or_default());
            if word.len() == 3 && word.iter().all(u8::is_ascii_digit)
                || (l.len() >= 4 && l[..3].iter().all(u8::is_ascii_digit) && l[3] == b'-')
            {
                let code = std::str::from_utf8(&l[..3])
                    .ok()
                    .and_then(|c| c.parse().ok());
                let text = crate::printable(l.get(4..).unwrap_or_default()).unwrap_or_default();
                return code.map_or(FtpLine::Other, |c| FtpLine::Reply(c, text));
            }
            if word.eq_ignore_ascii_case(b"USER") {
                FtpLine::User(crate::printable(arg).unwrap_or_default())
            } else if word.eq_ignore_ascii_case(b"PASS") {
                FtpLine::Pass
            } else if word.eq_ignore_ascii_case(b"AUTH") {
                FtpLine::Auth
            } else {
                FtpLine::Other
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------- SMB

/// What the start of an SMB stream chunk (one NetBIOS session message) says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SmbMessage {
    /// NetBIOS session request: the called (server) and calling (client) names.
    pub session_names: Option<(String, String)>,
    /// 1 for SMB1, 2 for SMB2/3.
    pub version: u8,
    pub is_response: bool,
    pub command: u16,
    /// Dialects a client offers (SMB1 names, SMB2 revisions as "2.0.2", "3.1.1").
    pub dialects_offered: Vec<String>,
    /// The dialect a server picked.
    pub dialect: Option<String>,
    /// SMB1 Session Setup: the native OS and LAN manager strings.
    pub native_os: Option<String>,
    pub native_lanman: Option<String>,
    pub ntlm: Option<Ntlm>,
}

/// NTLMSSP, as carried in a session setup.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ntlm {
    /// 2 (CHALLENGE, from the server) or 3 (AUTHENTICATE, from the client).
    pub message_type: u32,
    /// CHALLENGE target information: NetBIOS and DNS names of the server and its domain.
    pub nb_computer: Option<String>,
    pub nb_domain: Option<String>,
    pub dns_computer: Option<String>,
    pub dns_domain: Option<String>,
    /// AUTHENTICATE: the account's domain, user and the client's workstation name.
    pub domain: Option<String>,
    pub user: Option<String>,
    pub workstation: Option<String>,
}

/// SMB messages looked into; the interesting ones (negotiate, session setup) are small.
const MAX_SMB: usize = 8 * 1024;

pub fn smb_message(data: &[u8]) -> Result<Option<SmbMessage>, Malformed> {
    let [kind, _, hi, lo, ..] = *data else {
        return Ok(None);
    };
    let len = usize::from(hi) << 8 | usize::from(lo);
    let body = &data[4..data.len().min(4 + len)];
    let mut m = SmbMessage::default();
    if kind == 0x81 {
        // Called and calling names, each a length byte 0x20, 32 bytes and a 0.
        let called = body
            .get(1..33)
            .and_then(crate::netbios::decode_netbios_name);
        let calling = body
            .get(35..67)
            .and_then(crate::netbios::decode_netbios_name);
        if let (Some(called), Some(calling)) = (called, calling) {
            m.session_names = Some((called.0, calling.0));
        }
        return Ok(Some(m));
    }
    if kind != 0 {
        return Ok(None);
    }
    let body = &body[..body.len().min(MAX_SMB)];
    match body.get(..4) {
        Some(b"\xffSMB") => smb1(body, &mut m)?,
        Some(b"\xfeSMB") => smb2(body, &mut m)?,
        _ => return Ok(None),
    }
    if let Some(at) = body.windows(8).position(|w| w == b"NTLMSSP\0") {
        m.ntlm = ntlmssp(&body[at..]);
    }
    Ok(Some(m))
}

fn smb1(b: &[u8], m: &mut SmbMessage) -> Result<(), Malformed> {
    m.version = 1;
    let header = b
        .get(..32)
        .ok_or(Malformed::new("smb_truncated_header", 0))?;
    m.command = u16::from(header[4]);
    m.is_response = header[9] & 0x80 != 0;
    let unicode = u16::from_le_bytes([header[10], header[11]]) & 0x8000 != 0;
    let words = usize::from(*b.get(32).ok_or(Malformed::new("smb_truncated_words", 32))?);
    let params = b
        .get(33..33 + 2 * words)
        .ok_or(Malformed::new("smb_truncated_words", 33))?;
    let count_at = 33 + 2 * words;
    let byte_count = b
        .get(count_at..count_at + 2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])))
        .ok_or(Malformed::new("smb_truncated_bytes", count_at))?;
    let bytes_at = count_at + 2;
    let bytes = b
        .get(bytes_at..(bytes_at + byte_count).min(b.len()))
        .unwrap_or_default();
    match (m.command, m.is_response) {
        (0x72, false) => {
            // Dialect strings, each 0x02 then a NUL-terminated name.
            for d in bytes.split(|&c| c == 0).take(32) {
                if let Some(name) = d.strip_prefix(&[2]).and_then(crate::printable) {
                    m.dialects_offered.push(name);
                }
            }
        }
        (0x72, true) => {
            if let [lo, hi, ..] = *params {
                m.dialect = Some(format!("SMB1 dialect {}", u16::from_le_bytes([lo, hi])));
            }
        }
        (0x73, _) => {
            // Extended security: the blob length is the last parameter word before the
            // strings (word 7 in requests of 12 words, word 3 in responses of 4).
            let blob_len = match (m.is_response, words) {
                (true, 4) => params.get(6..8),
                (false, 12) => params.get(14..16),
                _ => None,
            }
            .map(|w| usize::from(u16::from_le_bytes([w[0], w[1]])));
            if let Some(blob_len) = blob_len {
                let mut at = bytes_at + blob_len;
                if unicode && at % 2 == 1 {
                    at += 1;
                }
                let strings = b
                    .get(at..(bytes_at + byte_count).min(b.len()))
                    .unwrap_or_default();
                let mut it = null_terminated(strings, unicode).into_iter();
                m.native_os = it.next();
                m.native_lanman = it.next();
            }
        }
        _ => {}
    }
    Ok(())
}

/// Up to two NUL-terminated strings (UTF-16LE or 8-bit).
fn null_terminated(b: &[u8], unicode: bool) -> Vec<String> {
    let mut out = Vec::new();
    if unicode {
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        for s in units.split(|&u| u == 0).take(2) {
            if let Some(t) = crate::printable(String::from_utf16_lossy(s).as_bytes()) {
                out.push(t);
            }
        }
    } else {
        for s in b.split(|&c| c == 0).take(2) {
            if let Some(t) = crate::printable(s) {
                out.push(t);
            }
        }
    }
    out
}

fn smb2_dialect(d: u16) -> String {
    match d {
        0x0202 => "2.0.2".into(),
        0x0210 => "2.1".into(),
        0x0300 => "3.0".into(),
        0x0302 => "3.0.2".into(),
        0x0311 => "3.1.1".into(),
        0x02ff => "2.???".into(),
        other => format!("0x{other:04x}"),
    }
}

fn smb2(b: &[u8], m: &mut SmbMessage) -> Result<(), Malformed> {
    m.version = 2;
    let header = b
        .get(..64)
        .ok_or(Malformed::new("smb2_truncated_header", 0))?;
    m.command = u16::from_le_bytes([header[12], header[13]]);
    m.is_response = header[16] & 1 != 0;
    let body = &b[64..];
    if m.command == 0 {
        let u16_at = |at: usize| {
            body.get(at..at + 2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
        };
        if m.is_response {
            m.dialect = u16_at(4).map(smb2_dialect);
        } else {
            let count = usize::from(u16_at(2).unwrap_or(0)).min(16);
            m.dialects_offered = (0..count)
                .filter_map(|i| u16_at(36 + 2 * i))
                .map(smb2_dialect)
                .collect();
        }
    }
    Ok(())
}

/// NTLMSSP CHALLENGE and AUTHENTICATE messages (MS-NLMP 2.2.1.2, 2.2.1.3), from the
/// signature on.
pub fn ntlmssp(b: &[u8]) -> Option<Ntlm> {
    let message_type = le32(b, 8)?;
    let field = |at: usize| -> Option<&[u8]> {
        let len = usize::from(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?));
        let offset = usize::try_from(le32(b, at + 4)?).ok()?;
        b.get(offset..offset.checked_add(len)?)
    };
    let mut n = Ntlm {
        message_type,
        ..Default::default()
    };
    match message_type {
        2 => {
            let flags = le32(b, 20)?;
            let unicode = flags & 1 != 0;
            let mut info = field(40)?;
            for _ in 0..16 {
                let [lo, hi, llo, lhi, ref rest @ ..] = *info else {
                    break;
                };
                let (id, len) = (
                    u16::from_le_bytes([lo, hi]),
                    usize::from(u16::from_le_bytes([llo, lhi])),
                );
                let value = rest.get(..len)?;
                info = &rest[len..];
                let text = string(value, unicode);
                match id {
                    0 => break,
                    1 => n.nb_computer = text,
                    2 => n.nb_domain = text,
                    3 => n.dns_computer = text,
                    4 => n.dns_domain = text,
                    _ => {}
                }
            }
        }
        3 => {
            let flags = le32(b, 60).unwrap_or(1);
            let unicode = flags & 1 != 0;
            n.domain = field(28).and_then(|v| string(v, unicode));
            n.user = field(36).and_then(|v| string(v, unicode));
            n.workstation = field(44).and_then(|v| string(v, unicode));
        }
        _ => return None,
    }
    Some(n)
}

fn string(b: &[u8], unicode: bool) -> Option<String> {
    if unicode {
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        crate::printable(String::from_utf16_lossy(&units).as_bytes())
    } else {
        crate::printable(b)
    }
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

    // Sample_File_MMS_and_GOOSE.pcap (ITI IEC 61850 captures): a MicroSCADA station
    // (DEMO, 172.16.0.101) opening an SMB1 session to SAS1 (172.16.0.122) over port 139.
    /// Frame 10: NetBIOS session request, to SAS1<20> from DEMO<00>.
    const SESSION_REQUEST_10: &str = "81000044204644454246444442434143414341434143414341434143414341434143414341002045454546454e455043414341434143414341434143414341434143414341414100";
    /// Frame 12: SMB1 Negotiate Protocol Request.
    const NEGOTIATE_12: &str = "00000085ff534d4272000000001853c80000000000000000000000000000fffe00000000006200025043204e4554574f524b2050524f4752414d20312e3000024c414e4d414e312e30000257696e646f777320666f7220576f726b67726f75707320332e316100024c4d312e325830303200024c414e4d414e322e3100024e54204c4d20302e313200";
    /// Frame 15: Session Setup AndX Response with the NTLMSSP CHALLENGE.
    const CHALLENGE_15: &str = "000000e1ff534d4273160000c09807c80000000000000000000000000000fffe0008100004ff00e10000006c00b6004e544c4d5353500002000000080008003000000005828aa03e3fb6dd83384e160000000000000000340034003800000053004100530031000200080053004100530031000100080053004100530031000400080073006100730031000300080073006100730031000000000000570069006e0064006f0077007300200035002e0030000000570069006e0064006f00770073002000320030003000300020004c0041004e0020004d0061006e00610067006500720000";
    /// Frame 16: Session Setup AndX Request with the NTLMSSP AUTHENTICATE, DEMO\MicroSCADA.
    const AUTHENTICATE_16: &str = "00000168ff534d4273000000001807c80000000000000000000000000000fffe000820000cff00680104110a000000000000009c0000000000d40000a02d014e544c4d5353500003000000180018006c0000001800180084000000080008004800000014001400500000000800080064000000000000009c000000058288a20502ce0e0000000f440045004d004f004d006900630072006f0053004300410044004100440045004d004f000f72e0028d14459f000000000000000000000000000000008ec4dde4200fb23ce6a1f290e29d579048b5190b9d128fbd00570069006e0064006f0077007300200053006500720076006500720020003200300030003300200052003200200033003700390030002000530065007200760069006300650020005000610063006b002000320000000000570069006e0064006f0077007300200053006500720076006500720020003200300030003300200052003200200035002e00320000000000";

    #[test]
    fn smb_session_from_the_corpus() {
        let s = smb_message(&hex(SESSION_REQUEST_10)).unwrap().unwrap();
        assert_eq!(s.session_names, Some(("SAS1".into(), "DEMO".into())));

        let n = smb_message(&hex(NEGOTIATE_12)).unwrap().unwrap();
        assert_eq!(n.version, 1);
        assert!(!n.is_response);
        assert_eq!(
            n.dialects_offered.last().map(String::as_str),
            Some("NT LM 0.12")
        );
        assert_eq!(n.dialects_offered.len(), 6);

        let c = smb_message(&hex(CHALLENGE_15)).unwrap().unwrap();
        assert!(c.is_response);
        let ntlm = c.ntlm.unwrap();
        assert_eq!(ntlm.message_type, 2);
        assert_eq!(ntlm.nb_computer.as_deref(), Some("SAS1"));
        assert_eq!(ntlm.dns_domain.as_deref(), Some("sas1"));
        assert_eq!(c.native_os.as_deref(), Some("Windows 5.0"));
        assert_eq!(c.native_lanman.as_deref(), Some("Windows 2000 LAN Manager"));

        let a = smb_message(&hex(AUTHENTICATE_16)).unwrap().unwrap();
        let ntlm = a.ntlm.unwrap();
        assert_eq!(ntlm.message_type, 3);
        assert_eq!(ntlm.domain.as_deref(), Some("DEMO"));
        assert_eq!(ntlm.user.as_deref(), Some("MicroSCADA"));
        assert_eq!(ntlm.workstation.as_deref(), Some("DEMO"));
        assert_eq!(
            a.native_os.as_deref(),
            Some("Windows Server 2003 R2 3790 Service Pack 2")
        );
    }

    #[test]
    fn smb2_negotiate() {
        // An SMB2 NEGOTIATE response choosing 3.1.1, built after MS-SMB2 2.2.4 (the
        // corpus holds only SMB1): NetBIOS header, 64-byte SMB2 header, body start.
        let mut msg = vec![0, 0, 0, 72];
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(b"\xfeSMB");
        header[4] = 64;
        header[16] = 1; // SMB2_FLAGS_SERVER_TO_REDIR
        msg.extend(header);
        msg.extend([65, 0, 1, 0, 0x11, 0x03, 0, 0]);
        let m = smb_message(&msg).unwrap().unwrap();
        assert_eq!((m.version, m.is_response), (2, true));
        assert_eq!(m.dialect.as_deref(), Some("3.1.1"));
    }

    #[test]
    fn ssh_banners() {
        // RFC 4253 4.2's form; the corpus holds no SSH session.
        let b = ssh_banner(b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n").unwrap();
        assert_eq!(b.protocol, "2.0");
        assert_eq!(b.software, "OpenSSH_8.9p1 Ubuntu-3ubuntu0.6");
        assert_eq!(
            ssh_banner(b"SSH-2.0-dropbear_2019.78\n").unwrap().software,
            "dropbear_2019.78"
        );
        assert_eq!(ssh_banner(b"SSH-2.0-never ends"), None);
    }

    #[test]
    fn rdp_negotiation() {
        // MS-RDPBCGR 4.1.1's Connection Request (cookie "mstshash=eltons", TLS and
        // CredSSP requested) and 4.1.2's Connection Confirm (TLS selected).
        let cr = b"\x03\x00\x00\x2c\x27\xe0\x00\x00\x00\x00\x00Cookie: mstshash=eltons\r\n\x01\x00\x08\x00\x03\x00\x00\x00";
        let r = rdp_request(cr).unwrap();
        assert_eq!(r.user_name_length, Some(6));
        assert_eq!(r.requested_protocols, Some(3));
        assert_eq!(rdp_protocols(3), "TLS, CredSSP (NLA)");
        let cc = b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x00\x08\x00\x01\x00\x00\x00";
        assert_eq!(rdp_confirm(cc), Some(RdpConfirm::Selected(1)));
        // An S7 COTP connection request is not RDP.
        let s7 = [
            3, 0, 0, 22, 17, 0xe0, 0, 0, 0, 1, 0, 0xc0, 1, 10, 0xc1, 2, 1, 0, 0xc2, 2, 1, 2,
        ];
        assert_eq!(rdp_request(&s7), None);
    }

    #[test]
    fn rfb_handshake() {
        // RFC 6143 7.1.1 and 7.1.2: version 3.8, the server offering None and VNC auth.
        assert_eq!(rfb_version(b"RFB 003.008\n").as_deref(), Some("3.8"));
        assert_eq!(rfb_version(b"RFB 003.00x\n"), None);
        assert_eq!(rfb_security_types(&[2, 1, 2]), Some(vec![1, 2]));
        assert_eq!(rfb_security_types(&[3, 1]), None);
    }

    #[test]
    fn ftp_control_lines() {
        // RFC 959's command and reply forms.
        let server = ftp_lines(b"220-Welcome\r\n220 ProFTPD Server (PLC backup)\r\n");
        assert_eq!(
            server[1],
            FtpLine::Reply(220, "ProFTPD Server (PLC backup)".into())
        );
        let client = ftp_lines(b"USER operator\r\nPASS secret\r\nSYST\r\npartial");
        assert_eq!(
            client,
            vec![
                FtpLine::User("operator".into()),
                FtpLine::Pass,
                FtpLine::Other
            ]
        );
    }

    #[test]
    fn hostile_input() {
        let valid = vec![
            hex(SESSION_REQUEST_10),
            hex(NEGOTIATE_12),
            hex(CHALLENGE_15),
            hex(AUTHENTICATE_16),
            b"\x03\x00\x00\x2c\x27\xe0\x00\x00\x00\x00\x00Cookie: mstshash=eltons\r\n\x01\x00\x08\x00\x03\x00\x00\x00".to_vec(),
        ];
        crate::hostile::never_panics(
            &valid,
            445,
            |buf, i| {
                if buf.len() > 40 {
                    buf[0] = 0;
                    let len = (buf.len() - 4) as u16;
                    buf[2..4].copy_from_slice(&len.to_be_bytes());
                    buf[4..8].copy_from_slice(if i % 4 == 0 { b"\xfeSMB" } else { b"\xffSMB" });
                    if i % 3 == 0 {
                        buf[20..28].copy_from_slice(b"NTLMSSP\0");
                    }
                }
            },
            |b| {
                let _ = smb_message(b);
                let _ = ntlmssp(b);
                let _ = ssh_banner(b);
                let _ = rdp_request(b);
                let _ = rdp_confirm(b);
                let _ = rfb_version(b);
                let _ = rfb_security_types(b);
                let _ = ftp_lines(b);
            },
        );
    }
}
