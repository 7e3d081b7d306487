//! SNMP v1, v2c and v3 messages (RFC 1157, 3416, 3412): the version, the v1/v2c community,
//! the v3 user and security level, and the PDU with its variable bindings.
//!
//! Managed devices answer with the MIB-II system group (sysDescr, sysObjectID, sysName,
//! sysLocation), which names the device and its maker; v1 and v2c carry the community,
//! a password, in clear. The community is handed out as a slice for the caller to measure,
//! never as text to keep. Encrypted v3 PDUs are left alone: only their header is read.

use crate::der::{self, Tlv};
use crate::Malformed;
use std::net::Ipv4Addr;

/// Variable bindings decoded per PDU; a GetBulk answer may hold hundreds, identity sits in
/// the first few.
pub const MAX_VARBINDS: usize = 64;

pub const SYS_DESCR: &str = "1.3.6.1.2.1.1.1.0";
pub const SYS_OBJECT_ID: &str = "1.3.6.1.2.1.1.2.0";
pub const SYS_CONTACT: &str = "1.3.6.1.2.1.1.4.0";
pub const SYS_NAME: &str = "1.3.6.1.2.1.1.5.0";
pub const SYS_LOCATION: &str = "1.3.6.1.2.1.1.6.0";
/// snmpTrapOID.0: the second binding of a v2 trap or inform names the notification.
pub const SNMP_TRAP_OID: &str = "1.3.6.1.6.3.1.1.4.1.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2c,
    V3,
}

impl Version {
    pub fn name(self) -> &'static str {
        match self {
            Version::V1 => "v1",
            Version::V2c => "v2c",
            Version::V3 => "v3",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PduType {
    GetRequest,
    GetNextRequest,
    Response,
    SetRequest,
    TrapV1,
    GetBulkRequest,
    InformRequest,
    TrapV2,
    Report,
}

impl PduType {
    fn from_tag(tag: u8) -> Option<Self> {
        Some(match tag {
            0xa0 => Self::GetRequest,
            0xa1 => Self::GetNextRequest,
            0xa2 => Self::Response,
            0xa3 => Self::SetRequest,
            0xa4 => Self::TrapV1,
            0xa5 => Self::GetBulkRequest,
            0xa6 => Self::InformRequest,
            0xa7 => Self::TrapV2,
            0xa8 => Self::Report,
            _ => return None,
        })
    }

    /// The names RFC 3416 and Zeek's snmp.log use.
    pub fn name(self) -> &'static str {
        match self {
            Self::GetRequest => "GetRequest",
            Self::GetNextRequest => "GetNextRequest",
            Self::Response => "Response",
            Self::SetRequest => "SetRequest",
            Self::TrapV1 => "Trap",
            Self::GetBulkRequest => "GetBulkRequest",
            Self::InformRequest => "InformRequest",
            Self::TrapV2 => "SNMPv2-Trap",
            Self::Report => "Report",
        }
    }
}

/// A value of a variable binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Integer(i64),
    /// An OCTET STRING that reads as text.
    Text(String),
    /// Any other OCTET STRING, by its length (binary: MAC addresses, bit maps, keys).
    Bytes(usize),
    Oid(String),
    IpAddress(Ipv4Addr),
    /// Counter32, Gauge32, TimeTicks, Counter64.
    Unsigned(u64),
    Null,
    /// noSuchObject, noSuchInstance, endOfMibView.
    Exception(u8),
    Other(u8),
}

impl Value {
    fn parse(tlv: Tlv<'_>) -> Self {
        match tlv.tag {
            der::INTEGER => der::integer(tlv.value).map_or(Value::Other(tlv.tag), Value::Integer),
            der::OCTET_STRING => text(tlv.value).map_or(Value::Bytes(tlv.value.len()), Value::Text),
            der::NULL => Value::Null,
            der::OID => der::oid(tlv.value).map_or(Value::Other(tlv.tag), Value::Oid),
            0x40 => match tlv.value {
                [a, b, c, d] => Value::IpAddress(Ipv4Addr::new(*a, *b, *c, *d)),
                _ => Value::Other(tlv.tag),
            },
            0x41 | 0x42 | 0x43 | 0x46 => {
                der::unsigned(tlv.value).map_or(Value::Other(tlv.tag), Value::Unsigned)
            }
            0x80..=0x82 => Value::Exception(tlv.tag),
            other => Value::Other(other),
        }
    }

    /// The value as text, when it is one a person would read (a string or an OID).
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) | Value::Oid(t) => Some(t),
            _ => None,
        }
    }
}

/// An OCTET STRING as text when it is printable UTF-8 (line breaks and tabs allowed, as
/// sysDescr often has them); binary strings are not text.
fn text(v: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(v).ok()?;
    let s = s.trim_end_matches('\0');
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\r' | '\n' | '\t'))
    {
        return None;
    }
    crate::printable(s.as_bytes()).or_else(|| v.is_empty().then(String::new))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarBind {
    pub oid: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    pub kind: PduType,
    pub request_id: Option<i64>,
    pub error_status: Option<i64>,
    pub varbinds: Vec<VarBind>,
    /// Bindings beyond [`MAX_VARBINDS`], counted, not decoded.
    pub varbinds_skipped: usize,
    /// SNMPv1 Trap: enterprise, agent address, generic and specific trap numbers.
    pub trap_v1: Option<TrapV1>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrapV1 {
    pub enterprise: String,
    pub agent: Option<Ipv4Addr>,
    pub generic: i64,
    pub specific: i64,
}

/// The SNMPv3 header fields worth knowing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Header {
    pub flags: u8,
    pub security_model: i64,
    /// msgUserName of the User-based Security Model (empty during engine discovery).
    pub user: String,
    /// The enterprise number in the authoritative engine's snmpEngineID (RFC 3411), readable
    /// even when the PDU is encrypted.
    pub engine_enterprise: Option<u32>,
}

impl V3Header {
    pub fn authenticated(&self) -> bool {
        self.flags & 1 != 0
    }
    pub fn encrypted(&self) -> bool {
        self.flags & 2 != 0
    }
    /// The sender expects an answer (a request or an inform), so the authoritative engine
    /// is the receiver.
    pub fn reportable(&self) -> bool {
        self.flags & 4 != 0
    }
    pub fn security_level(&self) -> &'static str {
        match (self.authenticated(), self.encrypted()) {
            (false, _) => "noAuthNoPriv",
            (true, false) => "authNoPriv",
            (true, true) => "authPriv",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    pub version: Version,
    /// v1/v2c community: a password in clear. Measure it; do not keep it.
    pub community: Option<&'a [u8]>,
    pub v3: Option<V3Header>,
    /// `None` for an encrypted v3 PDU.
    pub pdu: Option<Pdu>,
}

/// Decodes one SNMP message (one UDP datagram).
pub fn parse(data: &[u8]) -> Result<Message<'_>, Malformed> {
    let (body, _) = der::expect(data, der::SEQUENCE)?;
    let (version, rest) = der::expect(body, der::INTEGER)?;
    let version = match der::integer(version) {
        Some(0) => Version::V1,
        Some(1) => Version::V2c,
        Some(3) => Version::V3,
        _ => return Err(Malformed::new("snmp_unknown_version", 2)),
    };
    if version == Version::V3 {
        return parse_v3(rest);
    }
    let (community, rest) = der::expect(rest, der::OCTET_STRING)?;
    let pdu = parse_pdu(rest)?;
    Ok(Message {
        version,
        community: Some(community),
        v3: None,
        pdu: Some(pdu),
    })
}

fn parse_v3(rest: &[u8]) -> Result<Message<'_>, Malformed> {
    // msgGlobalData: msgID, msgMaxSize, msgFlags, msgSecurityModel.
    let (global, rest) = der::expect(rest, der::SEQUENCE)?;
    let (_, g) = der::expect(global, der::INTEGER)?;
    let (_, g) = der::expect(g, der::INTEGER)?;
    let (flags, g) = der::expect(g, der::OCTET_STRING)?;
    let (model, _) = der::expect(g, der::INTEGER)?;
    let flags = flags.first().copied().unwrap_or(0);
    let security_model = der::integer(model).unwrap_or(0);
    let (params, rest) = der::expect(rest, der::OCTET_STRING)?;
    // USM parameters (model 3): engine id, boots, time, user name, auth and priv params.
    let (engine, user) = if security_model == 3 {
        usm(params).unwrap_or_default()
    } else {
        (&[][..], String::new())
    };
    let header = V3Header {
        flags,
        security_model,
        user,
        engine_enterprise: engine_enterprise(engine),
    };
    let pdu = if header.encrypted() {
        None
    } else {
        // ScopedPDU: contextEngineID, contextName, PDU.
        let (scoped, _) = der::expect(rest, der::SEQUENCE)?;
        let (_, s) = der::expect(scoped, der::OCTET_STRING)?;
        let (_, s) = der::expect(s, der::OCTET_STRING)?;
        Some(parse_pdu(s)?)
    };
    Ok(Message {
        version: Version::V3,
        community: None,
        v3: Some(header),
        pdu,
    })
}

/// The USM parameters' authoritative engine id and user name.
fn usm(params: &[u8]) -> Option<(&[u8], String)> {
    let (usm, _) = der::expect(params, der::SEQUENCE).ok()?;
    let (engine, u) = der::expect(usm, der::OCTET_STRING).ok()?;
    let (_, u) = der::expect(u, der::INTEGER).ok()?;
    let (_, u) = der::expect(u, der::INTEGER).ok()?;
    let (name, _) = der::expect(u, der::OCTET_STRING).ok()?;
    Some((engine, crate::printable(name).unwrap_or_default()))
}

/// An snmpEngineID starts with the enterprise number of the agent's maker, its top bit set
/// in the current format (RFC 3411 5.); ids shorter than 5 bytes are not engine ids.
fn engine_enterprise(id: &[u8]) -> Option<u32> {
    let head: [u8; 4] = id.get(..4)?.try_into().ok()?;
    let number = u32::from_be_bytes(head) & 0x7fff_ffff;
    (id.len() >= 5 && number != 0).then_some(number)
}

fn parse_pdu(b: &[u8]) -> Result<Pdu, Malformed> {
    let (tlv, _) = der::read(b)?;
    let kind = PduType::from_tag(tlv.tag).ok_or(Malformed::new("snmp_unknown_pdu", 0))?;
    let mut pdu = Pdu {
        kind,
        request_id: None,
        error_status: None,
        varbinds: Vec::new(),
        varbinds_skipped: 0,
        trap_v1: None,
    };
    let rest = if kind == PduType::TrapV1 {
        let (enterprise, r) = der::expect(tlv.value, der::OID)?;
        let (agent, r) = der::expect(r, 0x40)?;
        let (generic, r) = der::expect(r, der::INTEGER)?;
        let (specific, r) = der::expect(r, der::INTEGER)?;
        let (_, r) = der::read(r)?; // time-stamp
        pdu.trap_v1 = Some(TrapV1 {
            enterprise: der::oid(enterprise).unwrap_or_default(),
            agent: match agent {
                [a, b, c, d] => Some(Ipv4Addr::new(*a, *b, *c, *d)),
                _ => None,
            },
            generic: der::integer(generic).unwrap_or(-1),
            specific: der::integer(specific).unwrap_or(-1),
        });
        r
    } else {
        let (id, r) = der::expect(tlv.value, der::INTEGER)?;
        let (status, r) = der::expect(r, der::INTEGER)?;
        let (_, r) = der::expect(r, der::INTEGER)?;
        pdu.request_id = der::integer(id);
        pdu.error_status = der::integer(status);
        r
    };
    let (mut list, _) = der::expect(rest, der::SEQUENCE)?;
    while !list.is_empty() {
        let (binding, next) = der::expect(list, der::SEQUENCE)?;
        list = next;
        if pdu.varbinds.len() >= MAX_VARBINDS {
            pdu.varbinds_skipped += 1;
            continue;
        }
        let (name, value) = der::expect(binding, der::OID)?;
        let (value, _) = der::read(value)?;
        pdu.varbinds.push(VarBind {
            oid: der::oid(name).ok_or(Malformed::new("snmp_bad_oid", 0))?,
            value: Value::parse(value),
        });
    }
    Ok(pdu)
}

/// The enterprise number an object identifier under 1.3.6.1.4.1 names (sysObjectID, a v1
/// trap's enterprise).
pub fn enterprise_number(oid: &str) -> Option<u32> {
    oid.strip_prefix("1.3.6.1.4.1.")?
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// The organisation registered for an enterprise number: network, automation, power and
/// building-control vendors found on plant networks. Taken from the IANA "Private Enterprise Numbers" registry
/// (iana.org/assignments/enterprise-numbers), with the registered names shortened.
pub fn enterprise_name(number: u32) -> Option<&'static str> {
    Some(match number {
        9 => "Cisco",
        11 => "Hewlett-Packard",
        95 => "Allen-Bradley (Rockwell Automation)",
        171 => "D-Link",
        207 => "Allied Telesis",
        244 => "Lantronix",
        248 => "Hirschmann",
        311 => "Microsoft",
        318 => "American Power Conversion (APC)",
        332 => "Digi International",
        343 => "Intel",
        368 => "Axis Communications",
        409 => "Mitsubishi Electric",
        534 => "Eaton",
        553 => "GarrettCom",
        674 => "Dell",
        908 => "ABB",
        1890 => "Red Lion Controls",
        1916 => "Extreme Networks",
        2011 => "Huawei",
        2636 => "Juniper Networks",
        2910 => "General Electric",
        3833 => "Schneider Electric",
        4131 => "Tridium",
        4196 => "Siemens (Automation & Drives)",
        4329 => "Siemens",
        4346 => "Phoenix Contact",
        4399 => "Johnson Controls",
        4473 => "Opto 22",
        6876 => "VMware",
        7427 => "Yokogawa Electric",
        8072 => "Net-SNMP",
        8691 => "Moxa",
        10297 => "Advantech",
        12356 => "Fortinet",
        13576 => "WAGO",
        14988 => "MikroTik",
        15004 => "RuggedCom",
        16177 => "Westermo",
        16838 => "Omron",
        20998 => "Honeywell",
        21108 => "Harting",
        24866 => "Turck",
        25157 => "Beckhoff Automation",
        25461 => "Palo Alto Networks",
        27378 => "Belden",
        28381 => "Red Lion Controls (N-Tron)",
        29312 => "B&R Industrial Automation",
        30722 => "ProSoft Technology",
        31127 => "Emerson Process Management",
        31343 => "Festo",
        31823 => "Schweitzer Engineering Laboratories",
        32481 => "Unitronics",
        34081 => "INSYS icom",
        38187 => "Weidmüller",
        43144 => "HMS Industrial Networks",
        43236 => "Pilz",
        _ => return None,
    })
}

/// Communities that ship as factory defaults; using one is T0812 (default credentials).
pub fn is_default_community(c: &[u8]) -> bool {
    matches!(c, b"public" | b"private")
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

    /// Sample_File_MMS_and_GOOSE.pcap (ITI IEC 61850 captures), frame 32: a v2c GetRequest
    /// for ifOperStatus of eight interfaces, community "public".
    const GET_FRAME_32: &str = "30819c02010104067075626c6963a0818e020320ce62020100020100308180300e060a2b0601020102020108010500300e060a2b0601020102020108020500300e060a2b0601020102020108030500300e060a2b0601020102020108040500300e060a2b0601020102020108050500300e060a2b0601020102020108060500300e060a2b0601020102020108070500300e060a2b0601020102020108080500";
    /// The same capture, frame 33: the switch's Response (interfaces up = 1, down = 2).
    const RESPONSE_FRAME_33: &str = "3081a402010104067075626c6963a28196020320ce62020100020100308188300f060a2b060102010202010801020101300f060a2b060102010202010802020102300f060a2b060102010202010803020101300f060a2b060102010202010804020101300f060a2b060102010202010805020101300f060a2b060102010202010806020102300f060a2b060102010202010807020102300f060a2b060102010202010808020102";

    /// A v2c Response carrying the system group. No capture in the corpus holds one, so
    /// this one is built by hand after RFC 3416 and MIB-II: community "public", request id
    /// 1, sysDescr "SCALANCE X208", sysObjectID 1.3.6.1.4.1.4329.6.1.2, sysName "sw-cell-1",
    /// sysLocation "Hall 2".
    fn system_response() -> Vec<u8> {
        fn tlv(tag: u8, v: &[u8]) -> Vec<u8> {
            let mut out = vec![tag, v.len() as u8];
            out.extend_from_slice(v);
            out
        }
        let oid_sys = |n: u8| vec![0x2b, 6, 1, 2, 1, 1, n, 0];
        let bind = |n: u8, value: Vec<u8>| {
            let mut b = tlv(der::OID, &oid_sys(n));
            b.extend(value);
            tlv(der::SEQUENCE, &b)
        };
        let mut binds = bind(1, tlv(der::OCTET_STRING, b"SCALANCE X208"));
        binds.extend(bind(
            2,
            tlv(der::OID, &[0x2b, 6, 1, 4, 1, 0xa1, 0x69, 6, 1, 2]),
        ));
        binds.extend(bind(5, tlv(der::OCTET_STRING, b"sw-cell-1")));
        binds.extend(bind(6, tlv(der::OCTET_STRING, b"Hall 2")));
        let mut pdu = tlv(der::INTEGER, &[1]);
        pdu.extend(tlv(der::INTEGER, &[0]));
        pdu.extend(tlv(der::INTEGER, &[0]));
        pdu.extend(tlv(der::SEQUENCE, &binds));
        let mut msg = tlv(der::INTEGER, &[1]);
        msg.extend(tlv(der::OCTET_STRING, b"public"));
        msg.extend(tlv(0xa2, &pdu));
        tlv(der::SEQUENCE, &msg)
    }

    #[test]
    fn get_request_from_the_corpus() {
        let bytes = hex(GET_FRAME_32);
        let m = parse(&bytes).unwrap();
        assert_eq!(m.version, Version::V2c);
        assert_eq!(m.community, Some(&b"public"[..]));
        assert!(is_default_community(m.community.unwrap()));
        let pdu = m.pdu.unwrap();
        assert_eq!(pdu.kind, PduType::GetRequest);
        assert_eq!(pdu.request_id, Some(0x20ce62));
        assert_eq!(pdu.varbinds.len(), 8);
        assert_eq!(pdu.varbinds[0].oid, "1.3.6.1.2.1.2.2.1.8.1");
        assert_eq!(pdu.varbinds[0].value, Value::Null);
    }

    #[test]
    fn response_from_the_corpus() {
        let bytes = hex(RESPONSE_FRAME_33);
        let pdu = parse(&bytes).unwrap().pdu.unwrap();
        assert_eq!(pdu.kind, PduType::Response);
        let states: Vec<_> = pdu.varbinds.iter().map(|v| v.value.clone()).collect();
        assert_eq!(states[0], Value::Integer(1));
        assert_eq!(states[1], Value::Integer(2));
    }

    #[test]
    fn system_group() {
        let bytes = system_response();
        let m = parse(&bytes).unwrap();
        let pdu = m.pdu.unwrap();
        let find = |oid: &str| {
            pdu.varbinds
                .iter()
                .find(|v| v.oid == oid)
                .and_then(|v| v.value.as_text().map(str::to_string))
        };
        assert_eq!(find(SYS_DESCR).as_deref(), Some("SCALANCE X208"));
        let object_id = find(SYS_OBJECT_ID).unwrap();
        assert_eq!(object_id, "1.3.6.1.4.1.4329.6.1.2");
        assert_eq!(
            enterprise_number(&object_id).and_then(enterprise_name),
            Some("Siemens")
        );
        assert_eq!(find(SYS_NAME).as_deref(), Some("sw-cell-1"));
        assert_eq!(find(SYS_LOCATION).as_deref(), Some("Hall 2"));
    }

    #[test]
    fn v3_header_and_discovery() {
        // An SNMPv3 engine discovery request (RFC 3414 4.): noAuthNoPriv, reportable, USM,
        // empty user; built after the RFC.
        let bytes = hex(concat!(
            "303e020103",
            "3011020404d2162d020300ffe30401040201 03",
            "0410300e0400020100020100040004000400",
            "30140400 0400a00e02043b9aca00020100020100 3000"
        )
        .replace(' ', "")
        .as_str());
        let m = parse(&bytes).unwrap();
        assert_eq!(m.version, Version::V3);
        let h = m.v3.unwrap();
        assert_eq!(h.security_level(), "noAuthNoPriv");
        assert_eq!(h.user, "");
        assert_eq!(h.engine_enterprise, None, "discovery carries no engine id");
        assert!(h.reportable());
        assert_eq!(m.pdu.unwrap().kind, PduType::GetRequest);
        // An engine id of the RFC 3411 form: enterprise 8691 (Moxa), format 3 (MAC).
        assert_eq!(
            engine_enterprise(&[0x80, 0, 0x21, 0xf3, 3, 0, 0x90, 0xe8, 1, 2, 3]),
            Some(8691)
        );
        assert_eq!(engine_enterprise(&[0x80, 0, 0, 9]), None);
    }

    #[test]
    fn enterprise_numbers() {
        assert_eq!(enterprise_number("1.3.6.1.4.1.9.1.1208"), Some(9));
        assert_eq!(enterprise_number("1.3.6.1.2.1.1"), None);
        assert_eq!(enterprise_name(8691), Some("Moxa"));
        assert_eq!(enterprise_name(1), None);
    }

    #[test]
    fn hostile_input() {
        let valid = vec![hex(GET_FRAME_32), hex(RESPONSE_FRAME_33), system_response()];
        crate::hostile::never_panics(
            &valid,
            161,
            |buf, i| {
                if buf.len() > 4 {
                    buf[0] = 0x30;
                    buf[1] = (buf.len() - 2).min(127) as u8;
                    buf[2] = 2;
                    buf[3] = 1;
                    buf[4] = [0, 1, 3][i % 3];
                }
            },
            |b| {
                let _ = parse(b);
            },
        );
    }
}
