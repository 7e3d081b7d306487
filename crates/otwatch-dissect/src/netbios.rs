//! NetBIOS Name Service (UDP 137) and Datagram Service (UDP 138) decoding.
//!
//! Windows-based HMIs, engineering workstations and historians still broadcast their
//! NetBIOS names, register them with WINS and announce themselves to the browser
//! service, which makes these protocols a cheap source of host names, workgroups and OS
//! versions. Name service messages share the DNS wire format, including compression
//! pointers, so the same jump and length bounds apply.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use serde::Serialize;

use crate::Malformed;

const HEADER_LEN: usize = 12;
/// Records kept per section and NB address entries kept per record.
const MAX_RECORDS: usize = 64;
const MAX_ADDRESSES: usize = 64;
const MAX_NODE_NAMES: usize = 64;
const MAX_NAME_WIRE_LEN: usize = 255;
const MAX_POINTER_JUMPS: usize = 32;
const ENCODED_NAME_LEN: usize = 32;
const MAX_STRING_CHARS: usize = 255;

const RR_NB: u16 = 0x0020;
const RR_NBSTAT: u16 = 0x0021;

/// A first-level decoded NetBIOS name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetbiosName {
    /// Up to 15 characters, trailing spaces and NULs removed; bytes outside printable
    /// ASCII are shown as `\xNN`.
    pub name: String,
    /// The 16th byte: 0x00 workstation, 0x20 file server, 0x1B/0x1C domain roles, ...
    pub suffix: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NbnsMessage {
    pub transaction_id: u16,
    pub is_response: bool,
    /// See [`opcode_name`].
    pub opcode: u8,
    pub authoritative: bool,
    pub truncated: bool,
    pub recursion_desired: bool,
    pub recursion_available: bool,
    /// Sent as a broadcast rather than to a WINS server.
    pub broadcast: bool,
    pub rcode: u8,
    /// At most 64 per section.
    pub questions: Vec<NbnsQuestion>,
    pub answers: Vec<NbnsRecord>,
    pub authority: Vec<NbnsRecord>,
    pub additional: Vec<NbnsRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NbnsQuestion {
    pub name: NetbiosName,
    /// 0x20 NB (name query), 0x21 NBSTAT (node status).
    pub qtype: u16,
    pub qclass: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NbnsRecord {
    pub name: NetbiosName,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    /// Addresses from NB RDATA (at most 64).
    pub addresses: Vec<Ipv4Addr>,
    /// The G flag of the first NB entry: the name is a group name.
    pub group: bool,
    /// Names from an NBSTAT (node status) response.
    pub node_names: Vec<NbNodeName>,
    /// The unit ID (usually the adapter MAC) from an NBSTAT response.
    pub unit_id: Option<[u8; 6]>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NbNodeName {
    pub name: NetbiosName,
    pub group: bool,
    /// Raw NAME_FLAGS (group, owner node type, state bits).
    pub flags: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NbdgmMessage {
    /// 0x10 direct unique, 0x11 direct group, 0x12 broadcast, 0x13 error, 0x14-0x16
    /// query request / positive / negative response.
    pub msg_type: u8,
    pub flags: u8,
    pub datagram_id: u16,
    pub source_ip: Ipv4Addr,
    pub source_port: u16,
    /// Present for the three data datagram types.
    pub source_name: Option<NetbiosName>,
    /// Present for data datagrams and query datagrams.
    pub destination_name: Option<NetbiosName>,
    /// Present for error datagrams.
    pub error_code: Option<u8>,
    /// The SMB mailslot the datagram is addressed to, e.g. `\MAILSLOT\BROWSE`.
    pub mailslot: Option<String>,
    /// A browser host/domain announcement carried in the mailslot payload.
    pub browser: Option<BrowserAnnouncement>,
}

/// MS-BRWS HostAnnouncement (1), DomainAnnouncement (0x0C) or LocalMasterAnnouncement
/// (0x0F). For a domain announcement `server_name` is the workgroup and `comment` the
/// master browser's name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrowserAnnouncement {
    pub opcode: u8,
    pub server_name: String,
    pub os_major: u8,
    pub os_minor: u8,
    pub server_type: u32,
    pub comment: String,
}

/// Name for an NBNS header opcode.
pub fn opcode_name(opcode: u8) -> &'static str {
    match opcode {
        0 => "QUERY",
        5 => "REGISTRATION",
        6 => "RELEASE",
        7 => "WACK",
        8 | 9 => "REFRESH",
        15 => "MULTI_HOMED_REGISTRATION",
        _ => "UNKNOWN",
    }
}

/// First-level decoding (RFC 1001 14.1) of the 32-byte half-ASCII form into the
/// 15-character name and its suffix byte. A leading 0x20 length octet is tolerated.
pub fn decode_netbios_name(encoded: &[u8]) -> Option<(String, u8)> {
    let enc = match encoded {
        [0x20, rest @ ..] if rest.len() == ENCODED_NAME_LEN => rest,
        _ => encoded,
    };
    if enc.len() != ENCODED_NAME_LEN {
        return None;
    }
    let mut raw = [0u8; 16];
    for (out, pair) in raw.iter_mut().zip(enc.chunks_exact(2)) {
        let hi = pair.first()?.checked_sub(b'A').filter(|&n| n < 16)?;
        let lo = pair.get(1)?.checked_sub(b'A').filter(|&n| n < 16)?;
        *out = (hi << 4) | lo;
    }
    let (&suffix, name) = raw.split_last()?;
    Some((render_name(name), suffix))
}

/// Decode a NetBIOS Name Service message.
pub fn parse_name_service(msg: &[u8]) -> Result<NbnsMessage, Malformed> {
    let w = |i| be16(msg, i, "nbns_truncated");
    let transaction_id = w(0)?;
    let flags = w(2)?;
    let [qdcount, ancount, nscount, arcount] = [w(4)?, w(6)?, w(8)?, w(10)?];
    let mut pos = HEADER_LEN;

    let mut questions = Vec::new();
    for i in 0..qdcount {
        if usize::from(i) < MAX_RECORDS {
            let (name, next) = read_nb_name(msg, pos)?;
            questions.push(NbnsQuestion {
                name,
                qtype: w(next)?,
                qclass: w(next + 2)?,
            });
            pos = next + 4;
        } else {
            pos = skip_name(msg, pos)? + 4;
            if pos > msg.len() {
                return Err(Malformed::new("nbns_truncated", msg.len()));
            }
        }
    }

    let mut sections: [Vec<NbnsRecord>; 3] = Default::default();
    for (section, count) in sections.iter_mut().zip([ancount, nscount, arcount]) {
        for i in 0..count {
            let (record, next) = read_record(msg, pos, usize::from(i) < MAX_RECORDS)?;
            section.extend(record);
            pos = next;
        }
    }
    let [answers, authority, additional] = sections;

    Ok(NbnsMessage {
        transaction_id,
        is_response: flags & 0x8000 != 0,
        opcode: ((flags >> 11) & 0x0f) as u8,
        authoritative: flags & 0x0400 != 0,
        truncated: flags & 0x0200 != 0,
        recursion_desired: flags & 0x0100 != 0,
        recursion_available: flags & 0x0080 != 0,
        broadcast: flags & 0x0010 != 0,
        rcode: (flags & 0x000f) as u8,
        questions,
        answers,
        authority,
        additional,
    })
}

fn read_record(
    msg: &[u8],
    pos: usize,
    keep: bool,
) -> Result<(Option<NbnsRecord>, usize), Malformed> {
    let (name, fixed) = if keep {
        let (name, next) = read_nb_name(msg, pos)?;
        (Some(name), next)
    } else {
        (None, skip_name(msg, pos)?)
    };
    let rtype = be16(msg, fixed, "nbns_truncated")?;
    let class = be16(msg, fixed + 2, "nbns_truncated")?;
    let ttl = be32(msg, fixed + 4, "nbns_truncated")?;
    let rdlen = usize::from(be16(msg, fixed + 8, "nbns_truncated")?);
    let rd_start = fixed + 10;
    let rdata = msg
        .get(rd_start..rd_start + rdlen)
        .ok_or(Malformed::new("nbns_truncated", rd_start))?;
    let next = rd_start + rdlen;
    let Some(name) = name else {
        return Ok((None, next));
    };
    let mut record = NbnsRecord {
        name,
        rtype,
        class,
        ttl,
        addresses: Vec::new(),
        group: false,
        node_names: Vec::new(),
        unit_id: None,
    };
    match rtype {
        RR_NB => {
            for (i, entry) in rdata.chunks_exact(6).take(MAX_ADDRESSES).enumerate() {
                let (flags, addr) = entry.split_at(2);
                if i == 0 {
                    record.group = flags.first().is_some_and(|f| f & 0x80 != 0);
                }
                if let Ok(a) = <[u8; 4]>::try_from(addr) {
                    record.addresses.push(Ipv4Addr::from(a));
                }
            }
        }
        RR_NBSTAT => {
            if let Some((&count, rest)) = rdata.split_first() {
                let count = usize::from(count);
                for entry in rest.chunks_exact(18).take(count.min(MAX_NODE_NAMES)) {
                    let (raw, flags) = entry.split_at(16);
                    let flags = <[u8; 2]>::try_from(flags).map_or(0, u16::from_be_bytes);
                    if let Some((&suffix, name)) = raw.split_last() {
                        record.node_names.push(NbNodeName {
                            name: NetbiosName {
                                name: render_name(name),
                                suffix,
                            },
                            group: flags & 0x8000 != 0,
                            flags,
                        });
                    }
                }
                record.unit_id = count
                    .checked_mul(18)
                    .and_then(|n| rest.get(n..n.checked_add(6)?))
                    .and_then(|s| <[u8; 6]>::try_from(s).ok());
            }
        }
        _ => {}
    }
    Ok((Some(record), next))
}

/// Decode a NetBIOS Datagram Service message.
pub fn parse_datagram(msg: &[u8]) -> Result<NbdgmMessage, Malformed> {
    let msg_type = *msg.first().ok_or(Malformed::new("nbdgm_truncated", 0))?;
    let flags = *msg.get(1).ok_or(Malformed::new("nbdgm_truncated", 1))?;
    let datagram_id = be16(msg, 2, "nbdgm_truncated")?;
    let source_ip = Ipv4Addr::from(be32(msg, 4, "nbdgm_truncated")?);
    let source_port = be16(msg, 8, "nbdgm_truncated")?;
    let mut out = NbdgmMessage {
        msg_type,
        flags,
        datagram_id,
        source_ip,
        source_port,
        source_name: None,
        destination_name: None,
        error_code: None,
        mailslot: None,
        browser: None,
    };
    match msg_type {
        0x10..=0x12 => {
            let dgm_length = usize::from(be16(msg, 10, "nbdgm_truncated")?);
            let packet_offset = be16(msg, 12, "nbdgm_truncated")?;
            let (src, next) = read_dgm_name(msg, 14)?;
            let (dst, next) = read_dgm_name(msg, next)?;
            out.source_name = Some(src);
            out.destination_name = Some(dst);
            // DGM_LENGTH counts from the source name; trust it only to shorten the data
            // (trailing Ethernet padding), never to read past the datagram.
            let end = 14usize.saturating_add(dgm_length).min(msg.len());
            let user = msg.get(next..end).unwrap_or_default();
            if packet_offset == 0 {
                if let Some((slot, announcement)) = smb_mailslot(user) {
                    out.mailslot = Some(slot);
                    out.browser = announcement;
                }
            }
        }
        0x13 => {
            out.error_code = Some(*msg.get(10).ok_or(Malformed::new("nbdgm_truncated", 10))?);
        }
        0x14..=0x16 => {
            out.destination_name = Some(read_dgm_name(msg, 10)?.0);
        }
        _ => return Err(Malformed::new("nbdgm_bad_type", 0)),
    }
    Ok(out)
}

fn read_dgm_name(msg: &[u8], pos: usize) -> Result<(NetbiosName, usize), Malformed> {
    read_nb_name(msg, pos).map_err(|e| {
        let reason = match e.reason {
            "nbns_truncated" => "nbdgm_truncated",
            "nbns_bad_name" => "nbdgm_bad_name",
            "nbns_name_loop" => "nbdgm_name_loop",
            "nbns_name_too_long" => "nbdgm_name_too_long",
            _ => "nbdgm_bad_label_type",
        };
        Malformed::new(reason, e.offset)
    })
}

/// SMB1 Transaction carrying a mailslot write: return the mailslot name and, for the
/// browser mailslot, a decoded announcement. `None` for anything else; the user data is
/// informational and never makes the datagram malformed.
fn smb_mailslot(smb: &[u8]) -> Option<(String, Option<BrowserAnnouncement>)> {
    if smb.get(..4)? != b"\xffSMB" || *smb.get(4)? != 0x25 {
        return None;
    }
    let word_count = usize::from(*smb.get(32)?);
    if word_count < 14 {
        return None;
    }
    let word = |i: usize| {
        smb.get(33 + 2 * i..35 + 2 * i)
            .and_then(|s| <[u8; 2]>::try_from(s).ok())
            .map(u16::from_le_bytes)
    };
    let data_count = usize::from(word(11)?);
    let data_offset = usize::from(word(12)?);
    // Bytes section: ByteCount, then the NUL-terminated transaction (mailslot) name.
    let name_start = 33 + 2 * word_count + 2;
    let name_field = smb.get(name_start..)?;
    let name_len = name_field.iter().take(64).position(|&b| b == 0)?;
    let slot = render_ascii(name_field.get(..name_len)?);
    let data = smb.get(data_offset..data_offset + data_count)?;
    let announcement = if slot.eq_ignore_ascii_case("\\MAILSLOT\\BROWSE")
        || slot.eq_ignore_ascii_case("\\MAILSLOT\\LANMAN")
    {
        browser_announcement(data)
    } else {
        None
    };
    Some((slot, announcement))
}

fn browser_announcement(d: &[u8]) -> Option<BrowserAnnouncement> {
    let opcode = *d.first()?;
    if !matches!(opcode, 0x01 | 0x0c | 0x0f) {
        return None;
    }
    let server = d.get(6..22)?;
    let server_len = server.iter().position(|&b| b == 0).unwrap_or(server.len());
    let server_type = d
        .get(24..28)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_le_bytes)?;
    let comment = d.get(32..).unwrap_or_default();
    let comment_len = comment
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(comment.len());
    Some(BrowserAnnouncement {
        opcode,
        server_name: render_ascii(server.get(..server_len)?),
        os_major: *d.get(22)?,
        os_minor: *d.get(23)?,
        server_type,
        comment: render_ascii(comment.get(..comment_len)?),
    })
}

/// Read a (possibly compressed) name whose first label is the 32-byte encoded NetBIOS
/// name; any scope labels after it are walked and dropped. Returns the offset after the
/// name's in-place encoding.
fn read_nb_name(msg: &[u8], start: usize) -> Result<(NetbiosName, usize), Malformed> {
    let mut pos = start;
    let mut resume_at: Option<usize> = None;
    let mut jumps = 0usize;
    let mut wire_len = 0usize;
    let mut first: Option<NetbiosName> = None;
    loop {
        let len = *msg.get(pos).ok_or(Malformed::new("nbns_truncated", pos))?;
        match len & 0xc0 {
            0x00 if len == 0 => {
                let name = first.ok_or(Malformed::new("nbns_bad_name", start))?;
                return Ok((name, resume_at.unwrap_or(pos + 1)));
            }
            0x00 => {
                let n = usize::from(len);
                wire_len += 1 + n;
                if wire_len + 1 > MAX_NAME_WIRE_LEN {
                    return Err(Malformed::new("nbns_name_too_long", pos));
                }
                let label = msg
                    .get(pos + 1..pos + 1 + n)
                    .ok_or(Malformed::new("nbns_truncated", pos))?;
                if first.is_none() {
                    let (name, suffix) =
                        decode_netbios_name(label).ok_or(Malformed::new("nbns_bad_name", pos))?;
                    first = Some(NetbiosName { name, suffix });
                }
                pos += 1 + n;
            }
            0xc0 => {
                let lo = *msg
                    .get(pos + 1)
                    .ok_or(Malformed::new("nbns_truncated", pos))?;
                jumps += 1;
                if jumps > MAX_POINTER_JUMPS {
                    return Err(Malformed::new("nbns_name_loop", pos));
                }
                resume_at.get_or_insert(pos + 2);
                pos = (usize::from(len & 0x3f) << 8) | usize::from(lo);
            }
            _ => return Err(Malformed::new("nbns_bad_label_type", pos)),
        }
    }
}

/// Walk past a name without following compression pointers, so skipped records cost
/// time linear in their size.
fn skip_name(msg: &[u8], start: usize) -> Result<usize, Malformed> {
    let mut pos = start;
    loop {
        let len = *msg.get(pos).ok_or(Malformed::new("nbns_truncated", pos))?;
        match len & 0xc0 {
            0x00 if len == 0 => return Ok(pos + 1),
            0x00 => pos += 1 + usize::from(len),
            0xc0 if pos + 2 <= msg.len() => return Ok(pos + 2),
            0xc0 => return Err(Malformed::new("nbns_truncated", pos)),
            _ => return Err(Malformed::new("nbns_bad_label_type", pos)),
        }
    }
}

/// NetBIOS names are OEM-codepage bytes padded with spaces (or NULs for the "*"
/// wildcard); non-printable bytes are escaped so names such as `\x01\x02__MSBROWSE__\x02`
/// stay visible without emitting control characters.
fn render_name(raw: &[u8]) -> String {
    let end = raw
        .iter()
        .rposition(|&b| b != b' ' && b != 0)
        .map_or(0, |i| i + 1);
    render_ascii(raw.get(..end).unwrap_or_default())
}

fn render_ascii(raw: &[u8]) -> String {
    let mut s = String::new();
    for &b in raw.iter().take(MAX_STRING_CHARS) {
        if (0x20..0x7f).contains(&b) {
            s.push(char::from(b));
        } else {
            let _ = write!(s, "\\x{b:02x}");
        }
    }
    s
}

fn be16(b: &[u8], at: usize, reason: &'static str) -> Result<u16, Malformed> {
    b.get(at..at.saturating_add(2))
        .and_then(|s| <[u8; 2]>::try_from(s).ok())
        .map(u16::from_be_bytes)
        .ok_or(Malformed::new(reason, at))
}

fn be32(b: &[u8], at: usize, reason: &'static str) -> Result<u32, Malformed> {
    b.get(at..at.saturating_add(4))
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_be_bytes)
        .ok_or(Malformed::new(reason, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// First-level encoding of a 15-character, space-padded name plus suffix.
    fn encode(name: &str, suffix: u8) -> Vec<u8> {
        let mut raw = [b' '; 16];
        raw[..name.len()].copy_from_slice(name.as_bytes());
        raw[15] = suffix;
        let mut v = vec![0x20];
        for b in raw {
            v.push(b'A' + (b >> 4));
            v.push(b'A' + (b & 0x0f));
        }
        v.push(0);
        v
    }

    /// A broadcast name registration for PLC-GW01<00> at 192.168.10.20, as sent by
    /// Windows: the additional record points back at the question name.
    fn registration() -> Vec<u8> {
        let mut v = vec![0x81, 0x02, 0x29, 0x10, 0, 1, 0, 0, 0, 0, 0, 1];
        v.extend_from_slice(&encode("PLC-GW01", 0x00));
        v.extend_from_slice(&[0x00, 0x20, 0x00, 0x01]);
        v.extend_from_slice(&[0xc0, 0x0c, 0x00, 0x20, 0x00, 0x01]);
        v.extend_from_slice(&300_000u32.to_be_bytes());
        v.extend_from_slice(&[0x00, 0x06, 0x00, 0x00, 192, 168, 10, 20]);
        v
    }

    /// A node status response listing a workstation's names and its MAC.
    fn node_status() -> Vec<u8> {
        let mut v = vec![0x12, 0x34, 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0];
        let mut star = vec![0x20, b'C', b'K'];
        star.extend_from_slice(&[b'A'; 30]);
        star.push(0);
        v.extend_from_slice(&star);
        v.extend_from_slice(&[0x00, 0x21, 0x00, 0x01, 0, 0, 0, 0]);
        let mut rdata = vec![3];
        for (name, suffix, flags) in [
            ("HMI-02", 0x00u8, 0x0400u16),
            ("WORKGROUP", 0x00, 0x8400),
            ("HMI-02", 0x20, 0x0400),
        ] {
            let mut raw = [b' '; 15];
            raw[..name.len()].copy_from_slice(name.as_bytes());
            rdata.extend_from_slice(&raw);
            rdata.push(suffix);
            rdata.extend_from_slice(&flags.to_be_bytes());
        }
        rdata.extend_from_slice(&[0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc]);
        rdata.extend_from_slice(&[0; 40]);
        v.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        v.extend_from_slice(&rdata);
        v
    }

    /// A browser HostAnnouncement from a Windows 10 HMI to WORKGROUP<1D>.
    fn host_announcement() -> Vec<u8> {
        let mut browse = vec![0x01, 0x02];
        browse.extend_from_slice(&720_000u32.to_le_bytes());
        let mut server = [0u8; 16];
        server[..6].copy_from_slice(b"HMI-02");
        browse.extend_from_slice(&server);
        browse.extend_from_slice(&[10, 0]);
        browse.extend_from_slice(&0x0001_1003u32.to_le_bytes());
        browse.extend_from_slice(&[15, 1, 0x55, 0xaa]);
        browse.extend_from_slice(b"Line 3 HMI\0");

        let slot = b"\\MAILSLOT\\BROWSE\0";
        let mut smb = vec![0xff, b'S', b'M', b'B', 0x25];
        smb.extend_from_slice(&[0; 27]);
        smb.push(17);
        let data_offset = 32 + 1 + 34 + 2 + slot.len();
        let words: [u16; 17] = [
            0,
            browse.len() as u16,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            browse.len() as u16,
            data_offset as u16,
            3,
            1,
            1,
            2,
        ];
        for w in words {
            smb.extend_from_slice(&w.to_le_bytes());
        }
        smb.extend_from_slice(&((slot.len() + browse.len()) as u16).to_le_bytes());
        smb.extend_from_slice(slot);
        assert_eq!(smb.len(), data_offset);
        smb.extend_from_slice(&browse);

        let mut v = vec![0x11, 0x02, 0x81, 0x5c, 192, 168, 10, 31, 0x00, 0x8a];
        let src = encode("HMI-02", 0x00);
        let dst = encode("WORKGROUP", 0x1d);
        v.extend_from_slice(&((src.len() + dst.len() + smb.len()) as u16).to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&src);
        v.extend_from_slice(&dst);
        v.extend_from_slice(&smb);
        v
    }

    #[test]
    fn decodes_names() {
        let enc = encode("PLC-GW01", 0x00);
        assert_eq!(
            decode_netbios_name(&enc[1..33]),
            Some(("PLC-GW01".into(), 0x00))
        );
        assert_eq!(
            decode_netbios_name(&enc[..33]),
            Some(("PLC-GW01".into(), 0x00))
        );
        assert_eq!(
            decode_netbios_name(b"CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            Some(("*".into(), 0))
        );
        assert_eq!(
            decode_netbios_name(b"CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQ"),
            None
        );
        assert_eq!(decode_netbios_name(b"CKAA"), None);
        let browse = b"ABACFPFPENFDECFCEPFHFDEFFPFPACAB";
        assert_eq!(
            decode_netbios_name(browse),
            Some(("\\x01\\x02__MSBROWSE__\\x02".into(), 0x01))
        );
    }

    #[test]
    fn parses_registration() {
        let m = parse_name_service(&registration()).unwrap();
        assert_eq!(m.transaction_id, 0x8102);
        assert!(!m.is_response);
        assert_eq!(opcode_name(m.opcode), "REGISTRATION");
        assert!(m.broadcast && m.recursion_desired);
        assert_eq!(m.questions.len(), 1);
        assert_eq!(m.questions[0].name.name, "PLC-GW01");
        assert_eq!(m.questions[0].name.suffix, 0x00);
        assert_eq!(m.questions[0].qtype, 0x20);
        assert_eq!(m.additional.len(), 1);
        let r = &m.additional[0];
        assert_eq!(r.name.name, "PLC-GW01");
        assert_eq!(r.ttl, 300_000);
        assert!(!r.group);
        assert_eq!(r.addresses, [Ipv4Addr::new(192, 168, 10, 20)]);
    }

    #[test]
    fn parses_node_status() {
        let m = parse_name_service(&node_status()).unwrap();
        assert!(m.is_response && m.authoritative);
        let r = &m.answers[0];
        assert_eq!(r.name.name, "*");
        assert_eq!(r.rtype, 0x21);
        assert_eq!(r.node_names.len(), 3);
        assert_eq!(r.node_names[1].name.name, "WORKGROUP");
        assert!(r.node_names[1].group);
        assert_eq!(r.node_names[2].name.suffix, 0x20);
        assert_eq!(r.unit_id, Some([0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc]));
    }

    #[test]
    fn parses_browser_announcement() {
        let d = parse_datagram(&host_announcement()).unwrap();
        assert_eq!(d.msg_type, 0x11);
        assert_eq!(d.source_ip, Ipv4Addr::new(192, 168, 10, 31));
        assert_eq!(d.source_port, 138);
        assert_eq!(
            d.source_name,
            Some(NetbiosName {
                name: "HMI-02".into(),
                suffix: 0
            })
        );
        assert_eq!(
            d.destination_name,
            Some(NetbiosName {
                name: "WORKGROUP".into(),
                suffix: 0x1d
            })
        );
        assert_eq!(d.mailslot.as_deref(), Some("\\MAILSLOT\\BROWSE"));
        let b = d.browser.unwrap();
        assert_eq!(b.server_name, "HMI-02");
        assert_eq!((b.os_major, b.os_minor), (10, 0));
        assert_eq!(b.server_type, 0x0001_1003);
        assert_eq!(b.comment, "Line 3 HMI");
    }

    #[test]
    fn datagram_error_and_query() {
        let d = parse_datagram(&[0x13, 0x02, 0, 1, 10, 0, 0, 1, 0, 138, 0x82]).unwrap();
        assert_eq!(d.error_code, Some(0x82));
        let mut q = vec![0x14, 0x02, 0, 2, 10, 0, 0, 1, 0, 138];
        q.extend_from_slice(&encode("PLC-GW01", 0x03));
        let d = parse_datagram(&q).unwrap();
        assert_eq!(d.destination_name.unwrap().suffix, 0x03);
        assert_eq!(
            parse_datagram(&[0x30, 0, 0, 0, 0, 0, 0, 0, 0, 0])
                .unwrap_err()
                .reason,
            "nbdgm_bad_type"
        );
    }

    #[test]
    fn malformed_name_service() {
        let mut v = registration();
        v[13] = b'a'; // lowercase is outside the half-ASCII alphabet
        assert_eq!(parse_name_service(&v).unwrap_err().reason, "nbns_bad_name");
        let mut v = registration();
        // Make the additional record's name a pointer to itself.
        let at = v.len() - 18;
        v[at] = 0xc0;
        v[at + 1] = at as u8;
        assert_eq!(parse_name_service(&v).unwrap_err().reason, "nbns_name_loop");
        let mut v = registration();
        v.truncate(v.len() - 2);
        assert_eq!(parse_name_service(&v).unwrap_err().reason, "nbns_truncated");
    }

    #[test]
    fn never_panics() {
        let valid = [registration(), node_status(), host_announcement()];
        let shape = |buf: &mut Vec<u8>, i: usize| {
            if buf.len() >= 12 {
                buf[4..12].copy_from_slice(&[0, 1, 0, 2, 0, 0, 0, 1]);
                buf[0] = 0x10 + (i % 7) as u8;
            }
        };
        crate::hostile::never_panics(&valid, 0xd1b5_4a32_d192_ed03, shape, |b| {
            let _ = parse_name_service(b);
            let _ = parse_datagram(b);
            let _ = decode_netbios_name(b);
        });
    }
}
