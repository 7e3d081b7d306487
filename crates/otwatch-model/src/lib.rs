//! The records that pass between otwatch's stages and reach its outputs.
//!
//! A dissector produces observations, the inventory turns them into assets whose every
//! attribute carries [`Evidence`], the store and the exporters write these types. Keeping
//! them here, free of capture or storage code, lets each stage be tested alone. The JSON
//! form of these types is the documented, versioned schema (`docs/schema.md`).

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

pub mod alert;
pub mod changes;
pub mod identity;
pub mod logs;
pub mod ranges;
pub mod site;

/// Version of the JSON-lines record schema; bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Microseconds since the Unix epoch.
pub type Micros = i64;

/// Formats a timestamp as Zeek does: seconds with six decimals.
pub fn zeek_time(ts: Micros) -> String {
    let secs = ts.div_euclid(1_000_000);
    let frac = ts.rem_euclid(1_000_000);
    format!("{secs}.{frac:06}")
}

/// RFC 3339 in UTC with microseconds, for JSON and tables.
pub fn iso_time(ts: Micros) -> String {
    let secs = ts.div_euclid(1_000_000);
    let micros = ts.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// A duration written as numbers with units (`250ms`, `90s`, `30m`, `12h`, `7d`, `2w`,
/// `1d12h`; `us` for microseconds), in
/// microseconds. The error says how to write one.
pub fn parse_duration(text: &str) -> Result<Micros, String> {
    let bad = || {
        format!(
            "{text:?} is not a duration: write a number and a unit, e.g. 90s, 30m, 12h, 7d, 2w, 250ms \
             (or 1d12h), or \"off\""
        )
    };
    let mut total: Micros = 0;
    let mut number = String::new();
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit: Micros = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                1_000
            }
            ('u', Some('s')) => {
                chars.next();
                1
            }
            ('s', _) => 1_000_000,
            ('m', _) => 60 * 1_000_000,
            ('h', _) => 3600 * 1_000_000,
            ('d', _) => 86_400 * 1_000_000,
            ('w', _) => 7 * 86_400 * 1_000_000,
            _ => return Err(bad()),
        };
        let n: Micros = number.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() || total <= 0 {
        return Err(bad());
    }
    Ok(total)
}

/// A UTC date or time (`2026-03-02`, `2026-03-02T08:00:00Z`, `2026-03-02 08:00:00.5`) in
/// microseconds since the Unix epoch.
pub fn parse_utc(text: &str) -> Option<Micros> {
    let t = text.trim_end_matches(['Z', 'z']);
    let (date, time) = match t.split_once(['T', 't', ' ']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut secs = days_from_civil(y, m, day) * 86_400;
    let mut micros = 0;
    if let Some(time) = time {
        let mut parts = time.split(':');
        let h: i64 = parts.next()?.parse().ok()?;
        let min: i64 = parts.next()?.parse().ok()?;
        let (s, frac) = match parts.next() {
            Some(s) => match s.split_once('.') {
                Some((s, f)) => (s.parse::<i64>().ok()?, f),
                None => (s.parse::<i64>().ok()?, ""),
            },
            None => (0, ""),
        };
        if parts.next().is_some() || h > 23 || min > 59 || s > 60 || frac.len() > 6 {
            return None;
        }
        if !frac.is_empty() {
            micros = format!("{frac:0<6}").parse::<i64>().ok()?;
        }
        secs += h * 3600 + min * 60 + s;
    }
    Some(secs * 1_000_000 + micros)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportProto {
    Tcp,
    Udp,
    Icmp,
    Other,
}

impl TransportProto {
    pub fn as_str(&self) -> &'static str {
        match self {
            TransportProto::Tcp => "tcp",
            TransportProto::Udp => "udp",
            TransportProto::Icmp => "icmp",
            TransportProto::Other => "unknown_transport",
        }
    }
}

/// How a flow's application protocol was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentifiedBy {
    /// The payload matched the protocol's structure.
    Payload,
    /// Only the port suggested it: a guess, never reported as fact.
    Port,
}

/// Where a claim comes from: the message that showed it, in which capture and frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Protocol that carried the fact, e.g. "dhcp", "arp", "modbus".
    pub protocol: String,
    /// The message, e.g. "DHCP REQUEST option 12 (host name)".
    pub message: String,
    /// Capture file (path as given on the command line).
    pub capture: String,
    /// 1-based frame number in that capture.
    pub frame: u64,
    pub ts: Micros,
    /// 0.0 – 1.0: 1.0 for a device's own statement, lower for inferences.
    pub confidence: f32,
}

/// One finished flow (a Zeek "connection").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowRecord {
    pub uid: String,
    pub first_ts: Micros,
    pub last_ts: Micros,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    pub transport: TransportProto,
    /// IP protocol number (Zeek's `ip_proto`).
    pub ip_proto: u8,
    pub vlan: Option<u16>,
    pub inner_vlan: Option<u16>,
    #[serde(with = "mac_text")]
    pub orig_mac: Option<[u8; 6]>,
    #[serde(with = "mac_text")]
    pub resp_mac: Option<[u8; 6]>,
    /// Application protocol (Zeek `service` names where Zeek has one).
    pub service: Option<String>,
    pub service_identified_by: Option<IdentifiedBy>,
    pub orig_pkts: u64,
    pub orig_ip_bytes: u64,
    pub resp_pkts: u64,
    pub resp_ip_bytes: u64,
    /// Application bytes: sequence-space size for TCP, payload sum otherwise.
    pub orig_bytes: u64,
    pub resp_bytes: u64,
    /// Zeek's connection state (S0, SF, REJ, ...).
    pub conn_state: String,
    /// Zeek's history letters.
    pub history: String,
    /// Bytes missing from the stream (content gaps), as Zeek's `missed_bytes`.
    pub missed_bytes: u64,
    /// Bytes the peer acknowledged that the capture never showed.
    pub acked_unseen_bytes: u64,
    pub local_orig: Option<bool>,
    pub local_resp: Option<bool>,
    /// The originator is the protocol's server (a DHCP server answering first, say); the
    /// communication map draws the arrow from the client all the same.
    pub orig_is_server: bool,
    /// Capture and frame of the flow's first packet.
    pub first_capture: String,
    pub first_frame: u64,
}

impl FlowRecord {
    pub fn duration_micros(&self) -> i64 {
        self.last_ts - self.first_ts
    }
}

/// A notable protocol event: not every transaction, but what a person may ask about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtocolEvent {
    pub ts: Micros,
    pub flow_uid: Option<String>,
    pub protocol: String,
    /// Short machine-readable kind, e.g. "dhcp_request", "arp_reply", "dns_answer".
    pub kind: String,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub detail: String,
    pub capture: String,
    pub frame: u64,
}

/// Which side of a conversation an asset was on for a protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProtocolRole {
    Client,
    Server,
}

/// A fact about an asset with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    /// e.g. "vendor", "hostname", "ip", "mac".
    pub name: String,
    pub value: String,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetProtocol {
    pub protocol: String,
    pub role: ProtocolRole,
    pub port: Option<u16>,
    pub transport: TransportProto,
    pub identified_by: IdentifiedBy,
    pub first_seen: Micros,
    pub last_seen: Micros,
    pub flows: u64,
}

/// One device as the inventory sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Stable key: "mac:aa:bb:..." inside a broadcast domain, "ip:10.0.0.1" beyond it.
    pub key: String,
    pub macs: Vec<String>,
    pub ips: Vec<IpAddr>,
    pub vendor: Option<String>,
    pub hostnames: Vec<String>,
    /// Internal per the site's configured networks (by its addresses).
    pub internal: Option<bool>,
    pub first_seen: Micros,
    pub last_seen: Micros,
    pub protocols: Vec<AssetProtocol>,
    pub attributes: Vec<Attribute>,
    /// Why the key was chosen (MAC seen directly, or IP behind a router).
    pub note: Option<String>,
    /// Key of the asset this one sits behind: a gateway, a chassis, a BACnet router.
    #[serde(default)]
    pub parent: Option<String>,
    /// Where it sits behind its parent, e.g. "Modbus unit 3", "backplane slot 2",
    /// "BACnet network 5, MAC 0x12".
    #[serde(default)]
    pub position: Option<String>,
    /// What the asset is, fused from its attributes (see [`identity`]).
    #[serde(default)]
    pub identity: identity::AssetIdentity,
    /// What people recorded about it (owner, criticality, role...), audited in the store.
    #[serde(default)]
    pub overrides: identity::AssetOverrides,
}

/// One edge of the communication map: a pair of assets and a protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub client: String,
    pub server: String,
    pub protocol: String,
    pub transport: TransportProto,
    pub server_port: Option<u16>,
    pub identified_by: IdentifiedBy,
    pub flows: u64,
    pub packets: u64,
    pub bytes: u64,
    pub first_seen: Micros,
    pub last_seen: Micros,
    /// Evidence: capture and frame of the first packet of the edge's earliest flow.
    pub first_capture: String,
    pub first_frame: u64,
}

/// Requests per protocol function on one edge (e.g. Modbus function codes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionAggregate {
    pub client: String,
    pub server: String,
    pub protocol: String,
    pub function: String,
    pub count: u64,
    pub first_seen: Micros,
    pub last_seen: Micros,
    /// The addresses the requests touched (registers, data blocks, objects), where the
    /// protocol states them.
    #[serde(default, skip_serializing_if = "ranges::AddressRanges::is_empty")]
    pub addresses: ranges::AddressRanges,
}

/// MAC addresses in JSON as "aa:bb:cc:dd:ee:ff".
pub mod mac_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn format(mac: &[u8; 6]) -> String {
        mac.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    pub fn parse(text: &str) -> Option<[u8; 6]> {
        let mut mac = [0u8; 6];
        let mut parts = text.split(':');
        for byte in mac.iter_mut() {
            *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
        }
        parts.next().is_none().then_some(mac)
    }

    pub fn serialize<S: Serializer>(mac: &Option<[u8; 6]>, s: S) -> Result<S::Ok, S::Error> {
        match mac {
            Some(m) => s.serialize_str(&format(m)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 6]>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        match text {
            None => Ok(None),
            Some(t) => parse(&t)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a MAC address: {t}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_text_round_trip() {
        assert_eq!(
            mac_text::parse("00:80:f4:01:02:0a"),
            Some([0, 0x80, 0xf4, 1, 2, 10])
        );
        assert_eq!(mac_text::parse("00:80:f4:01:02"), None);
        assert_eq!(
            mac_text::format(&[0, 0x80, 0xf4, 1, 2, 10]),
            "00:80:f4:01:02:0a"
        );
    }

    #[test]
    fn time_formats() {
        assert_eq!(zeek_time(1_700_000_000_000_001), "1700000000.000001");
        assert_eq!(iso_time(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            iso_time(1_772_438_400_500_000),
            "2026-03-02T08:00:00.500000Z"
        );
        assert_eq!(iso_time(951_782_400_000_000), "2000-02-29T00:00:00.000000Z");
    }
}
