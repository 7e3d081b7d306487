//! Which application protocol a flow carries: from the payload first, the port second.
//!
//! Each `looks_like_*` check is cheap and strict enough that random payload rarely passes;
//! a match is reported as [`Confidence::Payload`]. When no payload check matches, a
//! well-known port gives a [`Confidence::Port`] guess, which the outputs label as a guess.

use serde::Serialize;

/// Application protocols otwatch recognises on a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppProtocol {
    Modbus,
    Cotp,
    S7comm,
    S7commPlus,
    Mms,
    Enip,
    CipIo,
    Dnp3,
    Bacnet,
    Iec104,
    OpcUa,
    ProfinetCm,
    HartIp,
    Synchrophasor,
    OmronFins,
    Bsap,
    Genisys,
    RocPlus,
    Dlms,
    C1222,
    KnxnetIp,
    Ads,
    Slmp,
    Srtp,
    Codesys,
    Melsoft,
    Dhcp,
    Dns,
    NetbiosNs,
    NetbiosDgm,
    Ntp,
    Snmp,
    Syslog,
    Http,
    Tls,
    Ssh,
    Rdp,
    Smb,
    DceRpc,
    Ftp,
    Telnet,
    Vnc,
    Mqtt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Port,
    Payload,
}

impl AppProtocol {
    /// otwatch's own short name.
    pub fn name(self) -> &'static str {
        use AppProtocol::*;
        match self {
            Modbus => "modbus",
            Cotp => "cotp",
            S7comm => "s7comm",
            S7commPlus => "s7comm-plus",
            Mms => "mms",
            Enip => "enip",
            CipIo => "cip_io",
            Dnp3 => "dnp3",
            Bacnet => "bacnet",
            Iec104 => "iec104",
            OpcUa => "opcua-binary",
            ProfinetCm => "profinet_io_cm",
            HartIp => "hart_ip",
            Synchrophasor => "synchrophasor",
            OmronFins => "omron_fins",
            Bsap => "bsap",
            Genisys => "genisys",
            RocPlus => "roc_plus",
            Dlms => "dlms",
            C1222 => "c1222",
            KnxnetIp => "knxnet_ip",
            Ads => "ads",
            Slmp => "slmp",
            Srtp => "ge_srtp",
            Codesys => "codesys",
            Melsoft => "melsoft",
            Dhcp => "dhcp",
            Dns => "dns",
            NetbiosNs => "netbios-ns",
            NetbiosDgm => "netbios-dgm",
            Ntp => "ntp",
            Snmp => "snmp",
            Syslog => "syslog",
            Http => "http",
            Tls => "ssl",
            Ssh => "ssh",
            Rdp => "rdp",
            Smb => "smb",
            DceRpc => "dce_rpc",
            Ftp => "ftp",
            Telnet => "telnet",
            Vnc => "rfb",
            Mqtt => "mqtt",
        }
    }

    /// Whether this is an industrial (OT) protocol, for the summary and the inventory.
    pub fn is_industrial(self) -> bool {
        use AppProtocol::*;
        matches!(
            self,
            Modbus
                | Cotp
                | S7comm
                | S7commPlus
                | Mms
                | Enip
                | CipIo
                | Dnp3
                | Bacnet
                | Iec104
                | OpcUa
                | ProfinetCm
                | HartIp
                | Synchrophasor
                | OmronFins
                | Bsap
                | Genisys
                | RocPlus
                | Dlms
                | C1222
                | KnxnetIp
                | Ads
                | Slmp
                | Srtp
                | Codesys
                | Melsoft
        )
    }
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// Modbus/TCP: MBAP with protocol id 0, a plausible length, a valid function code.
pub fn looks_like_modbus(p: &[u8]) -> bool {
    let (Some(proto), Some(len)) = (be16(p, 2), be16(p, 4)) else {
        return false;
    };
    if p.len() < 8 || proto != 0 || !(2..=254).contains(&len) {
        return false;
    }
    let fc = p[7] & 0x7f;
    if fc == 0 {
        return false;
    }
    // One or more whole ADUs; a segment may end mid-ADU only after the first one.
    p.len() >= usize::from(len) + 6
}

/// TPKT (RFC 1006) with a COTP header of a known type. Returns the COTP PDU type.
fn tpkt_cotp(p: &[u8]) -> Option<(u8, &[u8])> {
    if p.len() < 7 || p[0] != 3 || p[1] != 0 || be16(p, 2)? < 7 {
        return None;
    }
    let li = usize::from(p[4]);
    let pdu = p[5] & 0xf0;
    if li < 2 || 5 + li > p.len() {
        return None;
    }
    matches!(pdu, 0xe0 | 0xd0 | 0xf0 | 0x80 | 0xc0 | 0x70).then(|| (pdu, &p[5 + li..]))
}

/// S7comm, S7comm-plus, MMS (under the ISO session layer, or straight on COTP), or bare
/// COTP (connection setup, before any data is seen).
pub fn classify_tpkt(p: &[u8]) -> Option<AppProtocol> {
    let (pdu, rest) = tpkt_cotp(p)?;
    if pdu == 0xf0 {
        return match rest.first() {
            Some(0x32) => Some(AppProtocol::S7comm),
            Some(0x72) => Some(AppProtocol::S7commPlus),
            _ if crate::mms::starts_iso_session(rest) || crate::mms::starts_bare_pdu(rest) => {
                Some(AppProtocol::Mms)
            }
            _ => Some(AppProtocol::Cotp),
        };
    }
    // Connection request/confirm: RDP announces itself with a cookie or a negotiation block.
    if pdu == 0xe0 || pdu == 0xd0 {
        let window = &p[..p.len().min(64)];
        if window.windows(17).any(|w| w == b"Cookie: mstshash=")
            || p.get(11..)
                .is_some_and(|r| r.first() == Some(&0x01) && r.len() == 8)
        {
            return Some(AppProtocol::Rdp);
        }
    }
    Some(AppProtocol::Cotp)
}

/// EtherNet/IP encapsulation header with a known command and consistent length.
pub fn looks_like_enip(p: &[u8]) -> bool {
    let (Some(cmd), Some(len), Some(options)) = (le16(p, 0), le16(p, 2), le32(p, 20)) else {
        return false;
    };
    let known = matches!(
        cmd,
        0x0001 | 0x0004 | 0x0063 | 0x0064 | 0x0065 | 0x0066 | 0x006f | 0x0070 | 0x0072 | 0x0073
    );
    // The whole first encapsulation message must be present; more may follow it.
    known && options == 0 && usize::from(len) + 24 <= p.len()
}

/// CIP implicit I/O on UDP: a common packet format with two items, the second connected data.
pub fn looks_like_cip_io(p: &[u8]) -> bool {
    matches!(le16(p, 0), Some(2))
        && matches!(le16(p, 2), Some(0x8002))
        && matches!(le16(p, 4), Some(8))
        && matches!(le16(p, 14), Some(0x00b1))
}

/// DNP3 link layer: start bytes 05 64 and a length of at least 5.
pub fn looks_like_dnp3(p: &[u8]) -> bool {
    p.len() >= 10 && p[0] == 0x05 && p[1] == 0x64 && p[2] >= 5
}

/// IEC 60870-5-104 APCI: start 0x68, length 4..=253, a valid I, S or U control field.
pub fn looks_like_iec104(p: &[u8]) -> bool {
    if p.len() < 6 || p[0] != 0x68 || !(4..=253).contains(&p[1]) {
        return false;
    }
    let c0 = p[2];
    if c0 & 1 == 0 {
        true // I-format
    } else if c0 & 3 == 1 {
        p[1] == 4 && c0 == 1 // S-format
    } else {
        p[1] == 4 && matches!(c0, 0x07 | 0x0b | 0x13 | 0x23 | 0x43 | 0x83)
    }
}

/// BACnet/IP BVLC: type 0x81, a known function, length equal to the datagram.
pub fn looks_like_bacnet(p: &[u8]) -> bool {
    p.len() >= 4 && p[0] == 0x81 && p[1] <= 0x0c && be16(p, 2) == Some(p.len() as u16)
}

/// OPC UA binary: a message type, a chunk type and a consistent length.
pub fn looks_like_opcua(p: &[u8]) -> bool {
    if p.len() < 8 {
        return false;
    }
    let kind = &p[..3];
    let known = matches!(
        kind,
        b"HEL" | b"ACK" | b"OPN" | b"MSG" | b"CLO" | b"ERR" | b"RHE"
    );
    let chunk = matches!(p[3], b'F' | b'C' | b'A');
    let len = le32(p, 4).unwrap_or(0) as usize;
    known && chunk && (8..=16 * 1024 * 1024).contains(&len)
}

/// DCE/RPC connectionless (PROFINET IO context manager) or connection-oriented (v5).
fn dcerpc_version(p: &[u8]) -> Option<u8> {
    match p {
        [4, ptype, ..] if p.len() >= 80 && *ptype <= 10 => Some(4),
        [5, 0 | 1, ptype, ..] if p.len() >= 16 && *ptype <= 20 => Some(5),
        _ => None,
    }
}

/// PROFINET IO device interface UUID dea00001-6c97-11d1-8271-00a02442df7d (and the
/// controller, supervisor and parameter-server ones, which differ in the first bytes).
fn is_pnio_uuid(uuid: &[u8]) -> bool {
    uuid.len() == 16
        && uuid[4..]
            == [
                0x6c, 0x97, 0x11, 0xd1, 0x82, 0x71, 0x00, 0xa0, 0x24, 0x42, 0xdf, 0x7d,
            ][..]
        || uuid.len() == 16 && uuid[..4] == [0x01, 0x00, 0xa0, 0xde][..]
}

pub fn looks_like_profinet_cm(p: &[u8]) -> bool {
    if dcerpc_version(p) != Some(4) {
        return false;
    }
    // The interface UUID sits at offset 24; byte order follows the data representation.
    p.get(24..40).is_some_and(|u| {
        is_pnio_uuid(u) || {
            let mut swapped = [0u8; 16];
            swapped.copy_from_slice(u);
            swapped[..4].reverse();
            swapped[4..6].reverse();
            swapped[6..8].reverse();
            is_pnio_uuid(&swapped)
        }
    })
}

pub fn looks_like_http(p: &[u8]) -> bool {
    const STARTS: [&[u8]; 10] = [
        b"GET ",
        b"POST ",
        b"HEAD ",
        b"PUT ",
        b"DELETE ",
        b"OPTIONS ",
        b"CONNECT ",
        b"PATCH ",
        b"TRACE ",
        b"HTTP/1.",
    ];
    STARTS.iter().any(|s| p.starts_with(s))
}

pub fn looks_like_tls(p: &[u8]) -> bool {
    p.len() >= 6
        && matches!(p[0], 0x14..=0x17)
        && p[1] == 3
        && p[2] <= 4
        && (p[0] != 0x16 || matches!(p[5], 1 | 2))
}

pub fn looks_like_smb(p: &[u8]) -> bool {
    p.len() >= 8
        && p[0] == 0
        && (&p[4..8] == b"\xffSMB" || &p[4..8] == b"\xfeSMB" || &p[4..8] == b"\xfdSMB")
}

pub fn looks_like_ntp(p: &[u8]) -> bool {
    p.len() >= 48 && matches!((p[0] >> 3) & 7, 1..=4) && matches!(p[0] & 7, 1..=5)
}

/// SNMP: a BER SEQUENCE holding INTEGER version 0, 1 or 3.
pub fn looks_like_snmp(p: &[u8]) -> bool {
    if p.len() < 8 || p[0] != 0x30 {
        return false;
    }
    let at = match p[1] {
        n if n < 0x80 => 2,
        0x81 => 3,
        0x82 => 4,
        _ => return false,
    };
    matches!(p.get(at..at + 3), Some([0x02, 0x01, 0 | 1 | 3]))
}

pub fn looks_like_hart_ip(p: &[u8]) -> bool {
    p.len() >= 8
        && matches!(p[0], 1 | 2)
        && p[1] <= 15
        && p[2] <= 5
        && be16(p, 6)
            .is_some_and(|l| usize::from(l) == p.len() || usize::from(l) <= p.len() && l >= 8)
}

/// GENISYS: the chunk is whole messages, each from a header byte (0xF1..0xFE) to its
/// terminator, with the CRC right where the message type carries one. Stations listen on
/// any port, so the payload alone decides.
pub fn looks_like_genisys(p: &[u8]) -> bool {
    use crate::genisys::{self, Framed};
    let mut at = 0;
    let mut checked_crc = false;
    while at < p.len() {
        match genisys::frame(&p[at..]) {
            Framed::Message(m, used) if m.crc_ok() => {
                checked_crc |= m.crc.is_some();
                at += used;
            }
            _ => return false,
        }
    }
    // CRC-less acknowledgements alone are too little to go on.
    checked_crc
}

/// BSAP in a UDP datagram: a serial frame (DLE STX, header, DLE ETX and a two-byte CRC)
/// on any port, or on the BSAP/IP port a header with its fixed first word (14) and a known
/// message function.
pub fn looks_like_bsap(p: &[u8], on_bsap_ip_port: bool) -> bool {
    let n = p.len();
    if n >= 12 && p[..2] == [0x10, 0x02] {
        return p[n - 4..n - 2] == [0x10, 0x03];
    }
    on_bsap_ip_port
        && n >= 14
        && le16(p, 0) == Some(14)
        && le16(p, 4).is_some_and(|f| matches!(f, 0 | 1 | 5 | 6 | 0x84 | 0x86))
}

/// A datagram that is exactly one HART-IP request or response by its header: servers
/// answer from a port of their own choosing (5095 in ICSNPP's capture), so the port alone
/// cannot decide.
fn hart_ip_datagram_exact(p: &[u8]) -> bool {
    p.len() >= 8 && p[1] <= 1 && be16(p, 6).is_some_and(|l| usize::from(l) == p.len())
}

pub fn looks_like_synchrophasor(p: &[u8]) -> bool {
    p.len() >= 16
        && p[0] == 0xaa
        && matches!((p[1] >> 4) & 7, 0..=5)
        && matches!(p[1] & 0x0f, 1..=3)
        && be16(p, 2).is_some_and(|l| usize::from(l) <= p.len() && l >= 16)
}

/// DLMS/COSEM (IEC 62056, smart meters): an HDLC frame (7E, frame format type A, length
/// matching the frame, closing 7E) or the TCP/UDP wrapper (version 1, length of the rest).
pub fn looks_like_dlms(p: &[u8]) -> bool {
    let hdlc = p.len() >= 9
        && p[0] == 0x7e
        && p[1] & 0xf0 == 0xa0
        && (usize::from(p[1] & 0x07) << 8 | usize::from(p[2])) + 2 == p.len()
        && p[p.len() - 1] == 0x7e;
    let wrapper = p.len() > 8
        && be16(p, 0) == Some(1)
        && be16(p, 6).is_some_and(|l| usize::from(l) + 8 == p.len());
    hdlc || wrapper
}

/// ANSI C12.22 (metering over IP): an ACSE association PDU, BER tag 0x60, whose length
/// covers the rest and whose first element is a context-specific ACSE field.
pub fn looks_like_c1222(p: &[u8]) -> bool {
    if p.len() < 4 || p[0] != 0x60 {
        return false;
    }
    let (len, at) = match p[1] {
        n if n < 0x80 => (usize::from(n), 2),
        0x81 => (usize::from(p[2]), 3),
        0x82 => (usize::from(be16(p, 2).unwrap_or(0)), 4),
        _ => return false,
    };
    at + len <= p.len()
        && p.get(at)
            .is_some_and(|t| matches!(t, 0xa1..=0xac | 0x80..=0x8b | 0xbe))
}

/// KNXnet/IP (building automation): header length 6, protocol version 0x10, a service type
/// of a known family and a total length matching the datagram or the first message.
pub fn looks_like_knxnet_ip(p: &[u8]) -> bool {
    p.len() >= 6
        && p[0] == 0x06
        && p[1] == 0x10
        && matches!(p[2], 0x02..=0x09)
        && be16(p, 4).is_some_and(|l| l >= 6 && usize::from(l) <= p.len())
}

/// CODESYS runtime traffic: V3 block-driver frames (magic `00 01 17 e8`, a little-endian
/// length counting the whole frame) anywhere, V2 frames (magic `bb bb`) only on the V2
/// gateway ports, where the magic alone is enough.
fn looks_like_codesys(payload: &[u8], on_codesys_port: bool) -> bool {
    let v3 = payload.starts_with(&[0x00, 0x01, 0x17, 0xe8])
        && le32(payload, 4).is_some_and(|l| l as usize == payload.len() || on_codesys_port);
    let v2 = on_codesys_port && payload.len() >= 6 && payload.starts_with(&[0xbb, 0xbb]);
    v3 || v2
}

/// MELSOFT, the engineering protocol of Mitsubishi's GX Works and MX Component with MELSEC
/// CPUs: a request type `57` (answers `d7`), a byte, three zero bytes, `11 11`, and a
/// little-endian length at byte 19 counting the bytes after byte 21. Over UDP (port 5560)
/// the same frames and the short `5a`/`da` discovery exchange travel.
fn looks_like_melsoft(payload: &[u8]) -> bool {
    matches!(payload.first(), Some(0x57 | 0xd7))
        && payload.get(2..7) == Some(&[0, 0, 0, 0x11, 0x11][..])
        && le16(payload, 19).is_some_and(|l| usize::from(l) + 21 == payload.len())
}

/// Tries every payload check that fits the transport, then ports.
pub fn identify(
    tcp: bool,
    payload: &[u8],
    src_port: u16,
    dst_port: u16,
) -> Option<(AppProtocol, Confidence)> {
    use AppProtocol::*;
    let on = |port: u16| src_port == port || dst_port == port;
    if !payload.is_empty() {
        let by_payload = if tcp {
            if payload.starts_with(b"SSH-") {
                Some(Ssh)
            } else if looks_like_http(payload) {
                Some(Http)
            } else if looks_like_tls(payload) {
                Some(Tls)
            } else if looks_like_smb(payload) {
                Some(Smb)
            } else if payload.starts_with(b"RFB 00") {
                Some(Vnc)
            } else if let Some(p) = classify_tpkt(payload) {
                Some(p)
            } else if looks_like_enip(payload)
                && (on(44818) || usize::from(le16(payload, 2).unwrap_or(0)) + 24 == payload.len())
            {
                Some(Enip)
            } else if looks_like_modbus(payload)
                && (on(502)
                    || be16(payload, 4).is_some_and(|l| usize::from(l) + 6 == payload.len()))
            {
                Some(Modbus)
            } else if looks_like_dnp3(payload) {
                Some(Dnp3)
            } else if looks_like_iec104(payload)
                && (on(2404) || usize::from(payload[1]) + 2 == payload.len())
            {
                Some(Iec104)
            } else if looks_like_opcua(payload) {
                Some(OpcUa)
            } else if dcerpc_version(payload) == Some(5) && (on(135) || on(445)) {
                Some(DceRpc)
            } else if on(5094) && looks_like_hart_ip(payload) {
                Some(HartIp)
            } else if looks_like_synchrophasor(payload) && (on(4712) || on(4713)) {
                Some(Synchrophasor)
            } else if payload.starts_with(b"FINS") {
                Some(OmronFins)
            } else if looks_like_dlms(payload) {
                Some(Dlms)
            } else if on(1153) && looks_like_c1222(payload) {
                Some(C1222)
            } else if on(3671) && looks_like_knxnet_ip(payload) {
                Some(KnxnetIp)
            } else if (payload.starts_with(b"220 ")
                || payload.starts_with(b"220-")
                || payload.starts_with(b"USER "))
                && on(21)
            {
                Some(Ftp)
            } else if payload[0] == 0xff
                && payload.len() >= 3
                && matches!(payload[1], 0xfb..=0xfe)
                && on(23)
            {
                Some(Telnet)
            } else if payload[0] == 0x10 && payload.windows(4).take(16).any(|w| w == b"MQTT") {
                Some(Mqtt)
            } else if looks_like_genisys(payload) {
                Some(Genisys)
            } else if on(4000) && crate::roc_plus::looks_like(payload) {
                Some(RocPlus)
            } else if crate::ads::tcp_message_len(payload) == Some(payload.len())
                && crate::ads::parse_tcp(payload).is_ok_and(|m| {
                    m.data.len() + crate::ads::TCP_HEADER_LEN + crate::ads::AMS_HEADER_LEN
                        == payload.len()
                })
            {
                Some(Ads)
            } else if crate::slmp::looks_like(payload) {
                Some(Slmp)
            } else if on(18245) && crate::srtp::looks_like(payload) {
                Some(Srtp)
            } else if looks_like_codesys(payload, on(1200) || on(2455) || on(11740)) {
                Some(Codesys)
            } else if looks_like_melsoft(payload) {
                Some(Melsoft)
            } else {
                None
            }
        } else if crate::dhcp::looks_like_dhcp(payload) && (on(67) || on(68)) {
            Some(Dhcp)
        } else if looks_like_bacnet(payload) {
            Some(Bacnet)
        } else if looks_like_cip_io(payload) && on(2222) {
            Some(CipIo)
        } else if looks_like_enip(payload) && on(44818) {
            Some(Enip)
        } else if looks_like_profinet_cm(payload) {
            Some(ProfinetCm)
        } else if looks_like_dnp3(payload) {
            Some(Dnp3)
        } else if (on(53) || on(5353) || on(5355)) && crate::dns::looks_like_dns(payload) {
            Some(Dns)
        } else if on(137) && crate::netbios::parse_name_service(payload).is_ok() {
            Some(NetbiosNs)
        } else if on(138) && crate::netbios::parse_datagram(payload).is_ok() {
            Some(NetbiosDgm)
        } else if on(123) && looks_like_ntp(payload) {
            Some(Ntp)
        } else if (on(161) || on(162)) && looks_like_snmp(payload) {
            Some(Snmp)
        } else if looks_like_hart_ip(payload) && (on(5094) || hart_ip_datagram_exact(payload)) {
            Some(HartIp)
        } else if looks_like_synchrophasor(payload) {
            Some(Synchrophasor)
        } else if looks_like_dlms(payload) && (on(4059) || payload[0] == 0x7e) {
            Some(Dlms)
        } else if on(1153) && looks_like_c1222(payload) {
            Some(C1222)
        } else if looks_like_knxnet_ip(payload)
            && usize::from(be16(payload, 4).unwrap_or(0)) == payload.len()
        {
            Some(KnxnetIp)
        } else if looks_like_bsap(payload, on(1234)) {
            Some(Bsap)
        } else if on(514) && payload.first() == Some(&b'<') {
            Some(Syslog)
        } else if on(9600) && payload.len() >= 10 && payload[0] & 0x80 != 0 && payload[1] == 0 {
            Some(OmronFins)
        } else if on(4000) && crate::roc_plus::looks_like(payload) {
            Some(RocPlus)
        } else if payload.starts_with(&crate::ads::UDP_MAGIC) {
            Some(Ads)
        } else if crate::slmp::looks_like(payload) {
            Some(Slmp)
        } else if on(5560) && payload.len() >= 4 && matches!(payload[0], 0x57 | 0xd7 | 0x5a | 0xda)
        {
            Some(Melsoft)
        } else {
            None
        };
        if let Some(p) = by_payload {
            return Some((p, Confidence::Payload));
        }
    }
    by_port(tcp, src_port, dst_port).map(|p| (p, Confidence::Port))
}

/// The protocol a well-known port suggests. The lower port is tried first, since the
/// server side usually has it.
pub fn by_port(tcp: bool, a: u16, b: u16) -> Option<AppProtocol> {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    port_protocol(tcp, lo).or_else(|| port_protocol(tcp, hi))
}

/// Whether `port` is where the protocol's server listens (DHCP clients use 68, trap
/// receivers 162: those are not servers a person would draw the arrow to).
pub fn is_server_port(p: AppProtocol, tcp: bool, port: u16) -> bool {
    port_protocol(tcp, port) == Some(p)
        && !matches!(
            (p, port),
            (AppProtocol::Dhcp, 68) | (AppProtocol::Snmp, 162)
        )
}

fn port_protocol(tcp: bool, port: u16) -> Option<AppProtocol> {
    use AppProtocol::*;
    Some(match (tcp, port) {
        (true, 502) => Modbus,
        (true, 102) => Cotp,
        (_, 44818) => Enip,
        (false, 2222) => CipIo,
        (_, 20000) => Dnp3,
        (false, 47808) => Bacnet,
        (true, 2404) => Iec104,
        (true, 4840) => OpcUa,
        (false, 34964) => ProfinetCm,
        (_, 5094) => HartIp,
        (true, 4712) | (false, 4713) => Synchrophasor,
        (_, 9600) => OmronFins,
        (false, 1234) => Bsap,
        (true, 10001) => Genisys,
        (_, 4000) => RocPlus,
        (true, 48898) | (false, 48899) => Ads,
        (true, 18245) => Srtp,
        (true, 1200) | (true, 2455) | (true, 11740) => Codesys,
        (false, 67) | (false, 68) => Dhcp,
        (_, 53) | (false, 5353) | (false, 5355) => Dns,
        (false, 137) => NetbiosNs,
        (false, 138) => NetbiosDgm,
        (false, 123) => Ntp,
        (false, 161) | (false, 162) => Snmp,
        (false, 514) => Syslog,
        (true, 80) | (true, 8080) => Http,
        (true, 443) | (true, 8443) => Tls,
        (true, 22) => Ssh,
        (true, 3389) => Rdp,
        (true, 445) | (true, 139) => Smb,
        (true, 135) => DceRpc,
        (true, 21) => Ftp,
        (true, 23) => Telnet,
        (true, 5900) => Vnc,
        (true, 1883) => Mqtt,
        (_, 4059) => Dlms,
        (_, 1153) => C1222,
        (_, 3671) => KnxnetIp,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modbus_request_by_payload() {
        let req = [
            0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0a,
        ];
        assert_eq!(
            identify(true, &req, 49152, 502),
            Some((AppProtocol::Modbus, Confidence::Payload))
        );
        // Same bytes on another port still match when the length is exact.
        assert_eq!(
            identify(true, &req, 49152, 5020),
            Some((AppProtocol::Modbus, Confidence::Payload))
        );
    }

    // CODESYS V3 block-driver header as the runtime sends it (magic, then the frame
    // length, 0x18 bytes here); V2 frames need their gateway port.
    #[test]
    fn codesys_frames() {
        let mut v3 = vec![0x00, 0x01, 0x17, 0xe8, 0x18, 0x00, 0x00, 0x00];
        v3.extend([0u8; 16]);
        assert_eq!(
            identify(true, &v3, 50000, 11740),
            Some((AppProtocol::Codesys, Confidence::Payload))
        );
        let v2 = [0xbb, 0xbb, 0x04, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04];
        assert_eq!(
            identify(true, &v2, 50000, 1200),
            Some((AppProtocol::Codesys, Confidence::Payload))
        );
        assert_ne!(
            identify(true, &v2, 50000, 5000),
            Some((AppProtocol::Codesys, Confidence::Payload))
        );
    }

    // ITI MELSEC/melsoft_129_clean.pcap: the first request of the engineering tool (111
    // bytes, the length 0x5a at byte 19) and a CPU's discovery answer on UDP 5560.
    #[test]
    fn melsoft_frames() {
        let mut request = vec![
            0x57, 0, 0, 0, 0, 0x11, 0x11, 0x07, 0, 0, 0xff, 0xff, 0x03, 0, 0, 0, 0, 0, 0, 0x5a, 0,
        ];
        request.extend([0u8; 90]);
        assert_eq!(
            identify(true, &request, 5001, 5562),
            Some((AppProtocol::Melsoft, Confidence::Payload))
        );
        let answer = [0xda, 0x00, 0x00, 0x01, 0x14, 0x00, 0xc0, 0xa8, 0x03, 0x65];
        assert_eq!(
            identify(false, &answer, 5560, 62657),
            Some((AppProtocol::Melsoft, Confidence::Payload))
        );
    }

    #[test]
    fn port_only_guess_is_marked() {
        assert_eq!(
            identify(true, &[], 49152, 502),
            Some((AppProtocol::Modbus, Confidence::Port))
        );
        assert_eq!(
            identify(true, b"garbage!", 49152, 502),
            Some((AppProtocol::Modbus, Confidence::Port))
        );
        assert_eq!(identify(true, b"garbage!", 49152, 50222), None);
    }

    #[test]
    fn s7_and_cotp() {
        // COTP CR from an S7 client (TSAPs 0x0100 / 0x0102).
        let cr = [
            3, 0, 0, 22, 17, 0xe0, 0, 0, 0, 1, 0, 0xc0, 1, 10, 0xc1, 2, 1, 0, 0xc2, 2, 1, 2,
        ];
        assert_eq!(classify_tpkt(&cr), Some(AppProtocol::Cotp));
        let dt = [
            3, 0, 0, 25, 2, 0xf0, 0x80, 0x32, 1, 0, 0, 0, 0, 0, 8, 0, 0, 0xf0, 0, 0, 1, 0, 1, 1,
            0xe0,
        ];
        assert_eq!(classify_tpkt(&dt), Some(AppProtocol::S7comm));
        let plus = [3, 0, 0, 9, 2, 0xf0, 0x80, 0x72, 1];
        assert_eq!(classify_tpkt(&plus), Some(AppProtocol::S7commPlus));
        // piccolo.pcap (ITI IEC 61850 captures), frame 3: MMS Identify under the ISO
        // session's give tokens and data transfer.
        let mms = [
            3, 0, 0, 0x1b, 2, 0xf0, 0x80, 1, 0, 1, 0, 0x61, 0x0e, 0x30, 0x0c, 2, 1, 3, 0xa0, 7,
            0xa0, 5, 2, 1, 1, 0x82, 0,
        ];
        assert_eq!(classify_tpkt(&mms), Some(AppProtocol::Mms));
        // mms-stopRequest.pcap, frame 8: an MMS initiate request straight on COTP.
        let bare = [3, 0, 0, 0x0b, 2, 0xf0, 0x80, 0xa8, 0x26, 0x80, 2];
        assert_eq!(classify_tpkt(&bare), Some(AppProtocol::Mms));
    }

    #[test]
    fn enip_list_identity_and_bacnet() {
        let mut li = vec![0x63, 0x00, 0x00, 0x00];
        li.extend_from_slice(&[0u8; 20]);
        assert_eq!(
            identify(false, &li, 50000, 44818),
            Some((AppProtocol::Enip, Confidence::Payload))
        );
        let who_is = [
            0x81, 0x0b, 0x00, 0x0c, 0x01, 0x20, 0xff, 0xff, 0x00, 0xff, 0x10, 0x08,
        ];
        assert_eq!(
            identify(false, &who_is, 47808, 47808),
            Some((AppProtocol::Bacnet, Confidence::Payload))
        );
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut s = 99u64;
        for len in 0..2000usize {
            let mut v = vec![0u8; len % 300];
            for b in v.iter_mut() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
                *b = (s >> 56) as u8;
            }
            let _ = identify(len % 2 == 0, &v, (s >> 8) as u16, (s >> 24) as u16);
            let _ = identify(true, &v, 502, 102);
            let _ = identify(false, &v, 47808, 34964);
        }
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn metering_and_building_protocols_by_payload() {
        // nDPI's dlms.pcap frame 4 (TCP 60797 -> 4060): an HDLC SNRM frame.
        let snrm = hex("7ea0070321930f017e");
        assert_eq!(
            identify(true, &snrm, 60797, 4060),
            Some((AppProtocol::Dlms, Confidence::Payload))
        );
        // nDPI's c1222.pcapng frame 3 (TCP 1577 -> 1153): ACSE header of a C12.22 request.
        let c1222 = hex(
            "6047a211060f2b060104018285638e7f85f1c24e00a60a06082b06010401828563a806020413e81421ac0fa20da00ba10980010081044c97f489be0d280b81098865f1e271a71f7f27",
        );
        assert_eq!(
            identify(true, &c1222, 1577, 1153),
            Some((AppProtocol::C1222, Confidence::Payload))
        );
        // nDPI's knxip.pcapng frame 1 (UDP 41343 -> 224.0.23.12:3671): a search request.
        let search = hex("06100201000e0801c0a858e7a17f");
        assert_eq!(
            identify(false, &search, 41343, 3671),
            Some((AppProtocol::KnxnetIp, Confidence::Payload))
        );
        // The same bytes one short: the length no longer matches.
        assert!(!looks_like_dlms(&snrm[..8]));
        assert!(!looks_like_knxnet_ip(&search[..5]));
    }

    #[test]
    fn genisys_hart_ip_and_bsap_by_payload() {
        // icsnpp-genisys/tests/traces/genisys_otherport.pcap: a poll on port 10002.
        let poll = [0xfb, 0x01, 0x83, 0x40, 0xf6];
        assert_eq!(
            identify(true, &poll, 53022, 10002),
            Some((AppProtocol::Genisys, Confidence::Payload))
        );
        let mut bad_crc = poll;
        bad_crc[2] = 0x84;
        assert_ne!(
            identify(true, &bad_crc, 53022, 10002),
            Some((AppProtocol::Genisys, Confidence::Payload))
        );
        // icsnpp-hart-ip/testing/traces/hart-ip.pcap frame 2: the server answers from 5095.
        let answer = [
            0x01, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x0d, 0x01, 0x00, 0x00, 0xea, 0x60,
        ];
        assert_eq!(
            identify(false, &answer, 5095, 49905),
            Some((AppProtocol::HartIp, Confidence::Payload))
        );
        // icsnpp-bsap/testing/traces/bsap-serial_example.pcapng frame 3, on port 1235.
        let serial = [
            0x10, 0x02, 0x00, 0xeb, 0x03, 0xe3, 0x08, 0xa0, 0x00, 0x00, 0x00, 0x01, 0x82, 0xdf,
            0x82, 0xbe, 0x10, 0x03, 0x91, 0x02,
        ];
        assert_eq!(
            identify(false, &serial, 1235, 1235),
            Some((AppProtocol::Bsap, Confidence::Payload))
        );
    }
}
