//! DNS message decoding, shared by unicast DNS, mDNS (5353) and LLMNR (5355).
//!
//! Name resolution traffic reveals which hosts an asset talks to and, through mDNS and
//! LLMNR, what the asset calls itself and which services it offers. Messages arrive
//! from anyone on the segment, so name decompression is bounded in both jumps and
//! length, and only a bounded number of records per section is kept.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::Malformed;

const HEADER_LEN: usize = 12;
/// Records kept per section; the rest are walked over so later sections still decode.
const MAX_RECORDS: usize = 64;
const MAX_TXT_STRINGS: usize = 64;
/// RFC 1035 limit on a name's wire length, length octets and root label included.
const MAX_NAME_WIRE_LEN: usize = 255;
/// Real names need a handful of pointer hops; anything beyond this is a loop or a
/// deliberately expensive chain.
const MAX_POINTER_JUMPS: usize = 32;
const MAX_STRING_CHARS: usize = 255;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DnsMessage {
    pub id: u16,
    pub is_response: bool,
    pub opcode: u8,
    pub authoritative: bool,
    pub truncated: bool,
    pub recursion_desired: bool,
    pub recursion_available: bool,
    pub rcode: u8,
    /// At most 64 per section.
    pub questions: Vec<DnsQuestion>,
    pub answers: Vec<DnsRecord>,
    pub authority: Vec<DnsRecord>,
    pub additional: Vec<DnsRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DnsQuestion {
    /// Dot separated, case as on the wire, no trailing dot; the root is "".
    pub name: String,
    pub qtype: u16,
    /// Raw class; in mDNS the top bit is the unicast-response flag.
    pub qclass: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DnsRecord {
    pub name: String,
    pub rtype: u16,
    /// Raw class; in mDNS the top bit is the cache-flush flag.
    pub class: u16,
    pub ttl: u32,
    pub data: DnsRData,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum DnsRData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// CNAME, PTR and NS targets.
    Name(String),
    /// Character strings, lossy UTF-8, at most 64 kept.
    Txt(Vec<String>),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    /// Any other type, or an A/AAAA record of the wrong length.
    Other {
        len: usize,
    },
}

/// Mnemonic for a QTYPE/TYPE value; "UNKNOWN" for anything uncommon.
pub fn qtype_name(t: u16) -> &'static str {
    match t {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        13 => "HINFO",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        35 => "NAPTR",
        41 => "OPT",
        43 => "DS",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        64 => "SVCB",
        65 => "HTTPS",
        251 => "IXFR",
        252 => "AXFR",
        255 => "ANY",
        257 => "CAA",
        _ => "UNKNOWN",
    }
}

/// Mnemonic for the 4-bit header RCODE.
pub fn rcode_name(rcode: u8) -> &'static str {
    match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => "UNKNOWN",
    }
}

/// Cheap plausibility check for identifying DNS-like traffic on unexpected ports.
pub fn looks_like_dns(msg: &[u8]) -> bool {
    let Some(h) = Header::read(msg) else {
        return false;
    };
    let records = u32::from(h.ancount) + u32::from(h.nscount) + u32::from(h.arcount);
    // Each question needs at least 5 bytes and each record at least 11, so counts that
    // cannot fit in the message are a strong negative signal.
    let min_body = u64::from(h.qdcount) * 5 + u64::from(records) * 11;
    let fits = u64::try_from(msg.len().saturating_sub(HEADER_LEN)).unwrap_or(u64::MAX) >= min_body;
    if h.opcode > 5 || !fits || h.qdcount > 8 || records > 256 {
        return false;
    }
    if !h.is_response && h.qdcount == 0 {
        return false;
    }
    if h.qdcount == 0 && records == 0 {
        return false;
    }
    // The first name of the body must decode and leave room for its fixed fields.
    let fixed = if h.qdcount > 0 { 4 } else { 10 };
    match read_name(msg, HEADER_LEN) {
        Ok((_, next)) => next.saturating_add(fixed) <= msg.len(),
        Err(_) => false,
    }
}

/// Decode a DNS message (without the TCP length prefix).
pub fn parse(msg: &[u8]) -> Result<DnsMessage, Malformed> {
    let h = Header::read(msg).ok_or(Malformed::new("dns_truncated", msg.len()))?;
    let mut pos = HEADER_LEN;

    let mut questions = Vec::new();
    for i in 0..h.qdcount {
        if usize::from(i) < MAX_RECORDS {
            let (name, next) = read_name(msg, pos)?;
            let qtype = be16(msg, next)?;
            let qclass = be16(msg, next + 2)?;
            questions.push(DnsQuestion {
                name,
                qtype,
                qclass,
            });
            pos = next + 4;
        } else {
            pos = skip_name(msg, pos)?;
            pos = pos
                .checked_add(4)
                .filter(|&p| p <= msg.len())
                .ok_or(Malformed::new("dns_truncated", pos))?;
        }
    }

    let mut sections: [Vec<DnsRecord>; 3] = Default::default();
    for (section, count) in sections.iter_mut().zip([h.ancount, h.nscount, h.arcount]) {
        for i in 0..count {
            let keep = usize::from(i) < MAX_RECORDS;
            let (record, next) = read_record(msg, pos, keep)?;
            section.extend(record);
            pos = next;
        }
    }
    let [answers, authority, additional] = sections;

    Ok(DnsMessage {
        id: h.id,
        is_response: h.is_response,
        opcode: h.opcode,
        authoritative: h.flags & 0x0400 != 0,
        truncated: h.flags & 0x0200 != 0,
        recursion_desired: h.flags & 0x0100 != 0,
        recursion_available: h.flags & 0x0080 != 0,
        rcode: (h.flags & 0x000f) as u8,
        questions,
        answers,
        authority,
        additional,
    })
}

struct Header {
    id: u16,
    flags: u16,
    is_response: bool,
    opcode: u8,
    qdcount: u16,
    ancount: u16,
    nscount: u16,
    arcount: u16,
}

impl Header {
    fn read(msg: &[u8]) -> Option<Self> {
        let w = |i: usize| be16(msg, i).ok();
        let flags = w(2)?;
        Some(Self {
            id: w(0)?,
            flags,
            is_response: flags & 0x8000 != 0,
            opcode: ((flags >> 11) & 0x0f) as u8,
            qdcount: w(4)?,
            ancount: w(6)?,
            nscount: w(8)?,
            arcount: w(10)?,
        })
    }
}

/// Decode one resource record at `pos`; returns the record (when `keep`) and the offset
/// after it. Skipped records are walked without decompressing names so that a message
/// full of records costs time linear in its length.
fn read_record(
    msg: &[u8],
    pos: usize,
    keep: bool,
) -> Result<(Option<DnsRecord>, usize), Malformed> {
    let (name, fixed) = if keep {
        let (name, next) = read_name(msg, pos)?;
        (Some(name), next)
    } else {
        (None, skip_name(msg, pos)?)
    };
    let rtype = be16(msg, fixed)?;
    let class = be16(msg, fixed + 2)?;
    let ttl = be32(msg, fixed + 4)?;
    let rdlen = usize::from(be16(msg, fixed + 8)?);
    let rd_start = fixed + 10;
    let rd_end = rd_start + rdlen;
    let rdata = msg
        .get(rd_start..rd_end)
        .ok_or(Malformed::new("dns_truncated", rd_start))?;
    let Some(name) = name else {
        return Ok((None, rd_end));
    };
    let data = match rtype {
        1 => <[u8; 4]>::try_from(rdata)
            .map(|a| DnsRData::A(Ipv4Addr::from(a)))
            .unwrap_or(DnsRData::Other { len: rdlen }),
        28 => <[u8; 16]>::try_from(rdata)
            .map(|a| DnsRData::Aaaa(Ipv6Addr::from(a)))
            .unwrap_or(DnsRData::Other { len: rdlen }),
        2 | 5 | 12 => DnsRData::Name(read_name(msg, rd_start)?.0),
        16 => DnsRData::Txt(txt_strings(rdata)),
        33 if rdlen >= 7 => DnsRData::Srv {
            priority: be16(msg, rd_start)?,
            weight: be16(msg, rd_start + 2)?,
            port: be16(msg, rd_start + 4)?,
            target: read_name(msg, rd_start + 6)?.0,
        },
        _ => DnsRData::Other { len: rdlen },
    };
    Ok((
        Some(DnsRecord {
            name,
            rtype,
            class,
            ttl,
            data,
        }),
        rd_end,
    ))
}

fn txt_strings(mut rdata: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = rdata.split_first() {
        if out.len() >= MAX_TXT_STRINGS {
            break;
        }
        // A string running past RDATA is kept up to the end rather than dropping the
        // whole record: TXT content is informational only.
        let take = usize::from(len).min(rest.len());
        let (s, tail) = rest.split_at(take);
        out.push(text(s));
        rdata = tail;
    }
    out
}

/// Decode a possibly compressed name starting at `start`. Returns the presentation form
/// and the offset just after the name's in-place encoding.
fn read_name(msg: &[u8], start: usize) -> Result<(String, usize), Malformed> {
    let mut out = String::new();
    let mut pos = start;
    let mut resume_at: Option<usize> = None;
    let mut jumps = 0usize;
    // Counts length octets and label bytes; the root octet is added on termination.
    let mut wire_len = 0usize;
    loop {
        let len = *msg.get(pos).ok_or(Malformed::new("dns_truncated", pos))?;
        match len & 0xc0 {
            0x00 if len == 0 => {
                return Ok((out, resume_at.unwrap_or(pos + 1)));
            }
            0x00 => {
                let n = usize::from(len);
                wire_len += 1 + n;
                if wire_len + 1 > MAX_NAME_WIRE_LEN {
                    return Err(Malformed::new("dns_name_too_long", pos));
                }
                let label = msg
                    .get(pos + 1..pos + 1 + n)
                    .ok_or(Malformed::new("dns_truncated", pos))?;
                if wire_len > 1 + n {
                    out.push('.');
                }
                push_label(&mut out, label);
                pos += 1 + n;
            }
            0xc0 => {
                let lo = *msg
                    .get(pos + 1)
                    .ok_or(Malformed::new("dns_truncated", pos))?;
                jumps += 1;
                if jumps > MAX_POINTER_JUMPS {
                    return Err(Malformed::new("dns_name_loop", pos));
                }
                resume_at.get_or_insert(pos + 2);
                let target = (usize::from(len & 0x3f) << 8) | usize::from(lo);
                if target == pos {
                    return Err(Malformed::new("dns_name_loop", pos));
                }
                pos = target;
            }
            _ => return Err(Malformed::new("dns_bad_label_type", pos)),
        }
    }
}

/// Walk past a name without following compression pointers.
fn skip_name(msg: &[u8], start: usize) -> Result<usize, Malformed> {
    let mut pos = start;
    loop {
        let len = *msg.get(pos).ok_or(Malformed::new("dns_truncated", pos))?;
        match len & 0xc0 {
            0x00 if len == 0 => return Ok(pos + 1),
            0x00 => pos += 1 + usize::from(len),
            0xc0 if pos + 2 <= msg.len() => return Ok(pos + 2),
            0xc0 => return Err(Malformed::new("dns_truncated", pos)),
            _ => return Err(Malformed::new("dns_bad_label_type", pos)),
        }
    }
}

/// Presentation-format escaping (RFC 1035 5.1): a literal dot or backslash inside a
/// label is backslash-escaped and control bytes become `\DDD`, so the rendered name is
/// unambiguous and safe to print. Non-ASCII UTF-8 (common in mDNS instance names) is
/// kept as text.
fn push_label(out: &mut String, label: &[u8]) {
    for c in String::from_utf8_lossy(label).chars() {
        match c {
            '.' => out.push_str("\\."),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii_control() => {
                let b = c as u32;
                out.push('\\');
                out.push(char::from(b'0' + (b / 100) as u8));
                out.push(char::from(b'0' + (b / 10 % 10) as u8));
                out.push(char::from(b'0' + (b % 10) as u8));
            }
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .take(MAX_STRING_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn be16(b: &[u8], at: usize) -> Result<u16, Malformed> {
    b.get(at..at.saturating_add(2))
        .and_then(|s| <[u8; 2]>::try_from(s).ok())
        .map(u16::from_be_bytes)
        .ok_or(Malformed::new("dns_truncated", at))
}

fn be32(b: &[u8], at: usize) -> Result<u32, Malformed> {
    b.get(at..at.saturating_add(4))
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_be_bytes)
        .ok_or(Malformed::new("dns_truncated", at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire_name(name: &str) -> Vec<u8> {
        let mut v = Vec::new();
        for label in name.split('.').filter(|l| !l.is_empty()) {
            v.push(label.len() as u8);
            v.extend_from_slice(label.as_bytes());
        }
        v.push(0);
        v
    }

    fn header(id: u16, flags: u16, counts: [u16; 4]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&id.to_be_bytes());
        v.extend_from_slice(&flags.to_be_bytes());
        for c in counts {
            v.extend_from_slice(&c.to_be_bytes());
        }
        v
    }

    fn rr(v: &mut Vec<u8>, name: &[u8], rtype: u16, class: u16, ttl: u32, rdata: &[u8]) {
        v.extend_from_slice(name);
        v.extend_from_slice(&rtype.to_be_bytes());
        v.extend_from_slice(&class.to_be_bytes());
        v.extend_from_slice(&ttl.to_be_bytes());
        v.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        v.extend_from_slice(rdata);
    }

    /// Recursive resolver answer: historian.plant.local CNAME srv-hist01.plant.local,
    /// which has an A record, plus an EDNS OPT record. Every later name is compressed.
    fn cname_response() -> Vec<u8> {
        let mut v = header(0xbeef, 0x8180, [1, 2, 0, 1]);
        v.extend_from_slice(&wire_name("historian.plant.local"));
        v.extend_from_slice(&[0, 1, 0, 1]);
        // "plant.local" starts after the 1+9 byte "historian" label at offset 12.
        let plant = 12 + 10;
        let cname_rdata_at = v.len() + 12;
        let mut cname = vec![10];
        cname.extend_from_slice(b"srv-hist01");
        cname.extend_from_slice(&[0xc0, plant as u8]);
        rr(&mut v, &[0xc0, 0x0c], 5, 1, 300, &cname);
        rr(
            &mut v,
            &[0xc0, cname_rdata_at as u8],
            1,
            1,
            300,
            &[10, 20, 30, 5],
        );
        rr(&mut v, &[0], 41, 1232, 0, &[]);
        v
    }

    /// An mDNS announcement from a gateway offering a web UI.
    fn mdns_response() -> Vec<u8> {
        let mut v = header(0, 0x8400, [0, 1, 0, 3]);
        let service = wire_name("_http._tcp.local");
        // Offsets into the message: the service name sits right after the header, and
        // "local" follows the 6-byte "_http" and 5-byte "_tcp" labels.
        let service_at = 12u8;
        let local_at = service_at + 11;
        let mut ptr = vec![8];
        ptr.extend_from_slice(b"PLC-GW01");
        ptr.extend_from_slice(&[0xc0, service_at]);
        let instance_at = (12 + service.len() + 10) as u8;
        rr(&mut v, &service, 12, 1, 4500, &ptr);
        let mut srv = vec![0, 0, 0, 0, 0, 80, 8];
        srv.extend_from_slice(b"plc-gw01");
        srv.extend_from_slice(&[0xc0, local_at]);
        rr(&mut v, &[0xc0, instance_at], 33, 0x8001, 120, &srv);
        rr(
            &mut v,
            &[0xc0, instance_at],
            16,
            0x8001,
            4500,
            b"\x09path=/hmi\x07model=X\x01Y\x02-2",
        );
        let mut host = vec![8];
        host.extend_from_slice(b"plc-gw01");
        host.extend_from_slice(&[0xc0, local_at]);
        let aaaa = "fe80::21b:1bff:fe4c:5d6e"
            .parse::<Ipv6Addr>()
            .unwrap()
            .octets();
        rr(&mut v, &host, 28, 0x8001, 120, &aaaa);
        v
    }

    #[test]
    fn response_with_compression() {
        let m = cname_response();
        assert!(looks_like_dns(&m));
        let d = parse(&m).unwrap();
        assert_eq!(d.id, 0xbeef);
        assert!(d.is_response && d.recursion_desired && d.recursion_available);
        assert!(!d.authoritative && !d.truncated);
        assert_eq!(rcode_name(d.rcode), "NOERROR");
        assert_eq!(
            d.questions,
            [DnsQuestion {
                name: "historian.plant.local".into(),
                qtype: 1,
                qclass: 1
            }]
        );
        assert_eq!(d.answers.len(), 2);
        assert_eq!(d.answers[0].name, "historian.plant.local");
        assert_eq!(qtype_name(d.answers[0].rtype), "CNAME");
        assert_eq!(
            d.answers[0].data,
            DnsRData::Name("srv-hist01.plant.local".into())
        );
        assert_eq!(d.answers[1].name, "srv-hist01.plant.local");
        assert_eq!(d.answers[1].ttl, 300);
        assert_eq!(d.answers[1].data, DnsRData::A(Ipv4Addr::new(10, 20, 30, 5)));
        assert!(d.authority.is_empty());
        assert_eq!(d.additional.len(), 1);
        assert_eq!(d.additional[0].name, "");
        assert_eq!(qtype_name(d.additional[0].rtype), "OPT");
        assert_eq!(d.additional[0].data, DnsRData::Other { len: 0 });
    }

    #[test]
    fn mdns_service_records() {
        let m = mdns_response();
        assert!(looks_like_dns(&m));
        let d = parse(&m).unwrap();
        assert!(d.authoritative);
        assert!(d.questions.is_empty());
        assert_eq!(d.answers[0].name, "_http._tcp.local");
        assert_eq!(
            d.answers[0].data,
            DnsRData::Name("PLC-GW01._http._tcp.local".into())
        );
        assert_eq!(d.additional[0].name, "PLC-GW01._http._tcp.local");
        assert_eq!(d.additional[0].class, 0x8001);
        assert_eq!(
            d.additional[0].data,
            DnsRData::Srv {
                priority: 0,
                weight: 0,
                port: 80,
                target: "plc-gw01.local".into()
            }
        );
        assert_eq!(
            d.additional[1].data,
            DnsRData::Txt(vec![
                "path=/hmi".into(),
                "model=X".into(),
                "Y".into(),
                "-2".into()
            ])
        );
        assert_eq!(d.additional[2].name, "plc-gw01.local");
        assert_eq!(
            d.additional[2].data,
            DnsRData::Aaaa("fe80::21b:1bff:fe4c:5d6e".parse().unwrap())
        );
    }

    #[test]
    fn query_and_escaping() {
        let mut v = header(7, 0x0100, [1, 0, 0, 0]);
        v.extend_from_slice(b"\x05a.b\\c\x03x\x01y\x00");
        v.extend_from_slice(&[0, 255, 0, 1]);
        assert!(looks_like_dns(&v));
        let d = parse(&v).unwrap();
        assert!(!d.is_response);
        assert_eq!(d.questions[0].name, "a\\.b\\\\c.x\\001y");
        assert_eq!(qtype_name(d.questions[0].qtype), "ANY");

        let mut root = header(8, 0x0000, [1, 0, 0, 0]);
        root.extend_from_slice(&[0, 0, 2, 0, 1]);
        assert_eq!(parse(&root).unwrap().questions[0].name, "");
    }

    #[test]
    fn compression_loops_fail() {
        // Question name is a pointer to itself.
        let mut v = header(1, 0x0100, [1, 0, 0, 0]);
        v.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1]);
        assert_eq!(parse(&v).unwrap_err().reason, "dns_name_loop");
        assert!(!looks_like_dns(&v));

        // Two pointers referring to each other.
        let mut v = header(1, 0x8000, [1, 1, 0, 0]);
        v.extend_from_slice(&[0xc0, 0x12, 0, 1, 0, 1]);
        v.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0]);
        assert_eq!(parse(&v).unwrap_err().reason, "dns_name_loop");

        // A label followed by a pointer back to itself grows without bound.
        let mut v = header(1, 0x0100, [1, 0, 0, 0]);
        v.extend_from_slice(&[3, b'a', b'b', b'c', 0xc0, 0x0c, 0, 1, 0, 1]);
        assert!(parse(&v).is_err());

        // Long labels joined by pointers exceed 255 bytes.
        let mut v = header(1, 0x0100, [1, 0, 0, 0]);
        v.push(63);
        v.extend_from_slice(&[b'z'; 63]);
        v.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1]);
        assert_eq!(parse(&v).unwrap_err().reason, "dns_name_too_long");
    }

    #[test]
    fn malformed_inputs() {
        assert_eq!(parse(&[0; 5]).unwrap_err().reason, "dns_truncated");
        let mut v = cname_response();
        v.truncate(v.len() - 3);
        assert_eq!(parse(&v).unwrap_err().reason, "dns_truncated");
        let mut v = header(1, 0x0100, [1, 0, 0, 0]);
        v.extend_from_slice(&[0x40, 0, 0, 1, 0, 1]);
        assert_eq!(parse(&v).unwrap_err().reason, "dns_bad_label_type");
        // Opcode 9 and absurd counts are not DNS-looking.
        assert!(!looks_like_dns(&header(1, 0x4800, [1, 0, 0, 0])));
        let mut v = header(1, 0x0100, [40, 0, 0, 0]);
        v.extend_from_slice(&[0; 300]);
        assert!(!looks_like_dns(&v));
    }

    #[test]
    fn record_counts_are_capped() {
        let n = 200u16;
        let mut v = header(2, 0x8400, [0, n, 0, 1]);
        for i in 0..n {
            rr(&mut v, &[0], 1, 1, 10, &[10, 0, (i >> 8) as u8, i as u8]);
        }
        rr(&mut v, &wire_name("tail.local"), 1, 1, 10, &[10, 9, 9, 9]);
        let d = parse(&v).unwrap();
        assert_eq!(d.answers.len(), MAX_RECORDS);
        assert_eq!(d.additional[0].name, "tail.local");
    }

    #[test]
    fn never_panics() {
        let valid = [cname_response(), mdns_response()];
        // Small counts and pointer-heavy bodies reach the name decoder more often.
        let shape = |buf: &mut Vec<u8>, _: usize| {
            if buf.len() >= 12 {
                buf[4..12].copy_from_slice(&[0, 2, 0, 3, 0, 1, 0, 1]);
                for b in buf.iter_mut().skip(12).step_by(3) {
                    *b |= 0xc0;
                }
            }
        };
        crate::hostile::never_panics(&valid, 0x2545_f491_4f6c_dd1d, shape, |b| {
            let _ = parse(b);
            let _ = looks_like_dns(b);
        });
    }
}
