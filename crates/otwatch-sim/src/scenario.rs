//! Scenario files: the plant to simulate and the truth an analysis should recover.
//!
//! A scenario (TOML) names the site's zones and conduits, every device with its identity,
//! the conversations between devices (who polls whom, over which protocol, how often) and
//! timed events: operator writes, maintenance, attacks. It also states what an analysis is
//! expected to find: each event lists the ATT&CK for ICS techniques it should raise, and
//! `[[finding]]` entries name the designed mistakes (an IT host polling a PLC directly).
//! [`Scenario::parse`] checks everything up front and reports errors with the scenario's
//! name and the offending entry, so a generator run never stops halfway.
//!
//! The format is documented in `docs/simulator.md`.

use crate::dialect::{ActionKind, DeviceSpec, ParamValue, KNOWN_PARAMS};
use crate::frame::MacAddr;
use otwatch_model::identity::{AssetRole, PurdueLevel};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{file}: {message}")]
    Toml { file: String, message: String },
    #[error("{file}: {context}: {message}")]
    Invalid {
        file: String,
        context: String,
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    name: String,
    #[serde(default)]
    description: String,
    /// UTC start of the capture.
    start: String,
    duration: String,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default, rename = "zone")]
    zones: Vec<ZoneEntry>,
    #[serde(default, rename = "conduit")]
    conduits: Vec<ConduitEntry>,
    #[serde(default, rename = "device")]
    devices: Vec<DeviceEntry>,
    #[serde(default, rename = "poll")]
    polls: Vec<PollEntry>,
    #[serde(default, rename = "event")]
    events: Vec<EventEntry>,
    #[serde(default, rename = "finding")]
    findings: Vec<FindingEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneEntry {
    name: String,
    level: PurdueLevel,
    subnet: ipnet::Ipv4Net,
    #[serde(default)]
    description: String,
    /// Device that routes the zone's traffic to other subnets.
    #[serde(default)]
    gateway: Option<String>,
    /// IEC 62443 target security level (1-4).
    #[serde(default)]
    security_level: Option<u8>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConduitEntry {
    name: String,
    zones: [String; 2],
    /// Protocols allowed through the conduit.
    #[serde(default)]
    protocols: Vec<String>,
    /// A device every session through the conduit must pass (a jump host).
    #[serde(default)]
    through: Option<String>,
    #[serde(default)]
    description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceEntry {
    name: String,
    zone: String,
    ip: Ipv4Addr,
    role: AssetRole,
    #[serde(default)]
    level: Option<PurdueLevel>,
    #[serde(default)]
    mac: Option<String>,
    /// First three bytes of the MAC when the vendor has no built-in OUI.
    #[serde(default)]
    oui: Option<String>,
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    order_number: Option<String>,
    #[serde(default)]
    firmware: Option<String>,
    #[serde(default)]
    hardware: Option<String>,
    #[serde(default)]
    serial: Option<String>,
    #[serde(default)]
    hostname: Option<String>,
    /// Network stack: "embedded" (TTL 64, small windows), "linux", "windows" (TTL 128).
    #[serde(default)]
    os: Option<String>,
    /// Leases its address with DHCP when it appears.
    #[serde(default)]
    dhcp: bool,
    /// Offset from the start at which the device first sends anything (a new laptop).
    #[serde(default)]
    appears: Option<String>,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PollEntry {
    client: String,
    server: String,
    protocol: String,
    interval: String,
    #[serde(default)]
    jitter: Option<String>,
    #[serde(default = "yes")]
    identify: bool,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    stop: Option<String>,
    /// ATT&CK for ICS techniques this conversation raises by design (SNMP communities in
    /// clear text), expected once from its start to the end of the capture.
    #[serde(default)]
    techniques: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventEntry {
    at: String,
    kind: String,
    from: String,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    attack: bool,
    /// ATT&CK for ICS techniques an analysis should raise for this event.
    #[serde(default)]
    techniques: Vec<String>,
    #[serde(default)]
    description: String,
    /// Repetitions (write floods, sweeps).
    #[serde(default)]
    count: Option<u32>,
    /// How long the event lasts (remote sessions, floods).
    #[serde(default)]
    duration: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingEntry {
    kind: String,
    assets: Vec<String>,
    #[serde(default)]
    description: String,
}

/// A zone of the site.
#[derive(Debug, Clone)]
pub struct Zone {
    pub name: String,
    pub level: PurdueLevel,
    pub subnet: ipnet::Ipv4Net,
    pub description: String,
    pub gateway: Option<usize>,
    pub security_level: Option<u8>,
}

#[derive(Debug, Clone)]
pub struct Conduit {
    pub name: String,
    pub zones: [usize; 2],
    pub protocols: Vec<String>,
    pub through: Option<usize>,
    pub description: String,
}

/// The network stack a device runs, which shows in TTLs and TCP windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    Embedded,
    Linux,
    Windows,
}

impl Stack {
    pub fn ttl(self) -> u8 {
        match self {
            Stack::Windows => 128,
            Stack::Embedded | Stack::Linux => 64,
        }
    }
    pub fn window(self) -> u16 {
        match self {
            Stack::Embedded => 4096,
            Stack::Linux => 29_200,
            Stack::Windows => 64_240,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Device {
    pub spec: DeviceSpec,
    pub zone: usize,
    pub role: AssetRole,
    pub level: PurdueLevel,
    pub stack: Stack,
    pub dhcp: bool,
    /// Offset from the capture start before which the device is silent.
    pub appears: i64,
}

#[derive(Debug, Clone)]
pub struct Poll {
    pub client: usize,
    pub server: usize,
    pub protocol: String,
    pub interval: i64,
    pub jitter: i64,
    pub identify: bool,
    pub start: i64,
    pub stop: Option<i64>,
    pub techniques: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A dialect action ([`ActionKind`]) over one connection.
    Action(ActionKind),
    /// Many writes in a short time.
    WriteFlood,
    /// `from` answers ARP for `to`'s address with its own MAC.
    ArpSpoof,
    /// An interactive session (RDP, VNC, SSH) from `from` to `to`.
    RemoteSession,
    /// `from` asks every device of `to`'s zone for its identity.
    IdentifySweep,
    /// `from` joins the network (its `appears` time); sends nothing by itself but states
    /// what an analysis should notice about the newcomer.
    NewDevice,
    /// `from` sends `count` TCP SYNs to random ports of `to` over `duration`, each from a
    /// new source port: as many half-open flows as SYNs (flow-table floods, scans).
    SynFlood,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Action(a) => a.name(),
            EventKind::WriteFlood => "write_flood",
            EventKind::ArpSpoof => "arp_spoof",
            EventKind::RemoteSession => "remote_session",
            EventKind::IdentifySweep => "identify_sweep",
            EventKind::NewDevice => "new_device",
            EventKind::SynFlood => "syn_flood",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        if let Some(a) = ActionKind::from_name(name) {
            return Some(EventKind::Action(a));
        }
        Some(match name {
            "write_flood" => EventKind::WriteFlood,
            "arp_spoof" => EventKind::ArpSpoof,
            "remote_session" => EventKind::RemoteSession,
            "identify_sweep" => EventKind::IdentifySweep,
            "new_device" => EventKind::NewDevice,
            "syn_flood" => EventKind::SynFlood,
            _ => return None,
        })
    }

    fn names() -> String {
        let mut names: Vec<&str> = ActionKind::ALL.iter().map(|a| a.name()).collect();
        names.extend([
            "write_flood",
            "arp_spoof",
            "remote_session",
            "identify_sweep",
        ]);
        names.join(", ")
    }
}

#[derive(Debug, Clone)]
pub struct Event {
    pub at: i64,
    pub kind: EventKind,
    pub from: usize,
    pub to: Option<usize>,
    pub protocol: Option<String>,
    pub attack: bool,
    pub techniques: Vec<String>,
    pub description: String,
    pub count: u32,
    pub duration: i64,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub kind: String,
    pub assets: Vec<usize>,
    pub description: String,
}

/// A checked scenario. Times are microseconds; offsets are from [`Scenario::start`].
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub start: i64,
    pub duration: i64,
    pub seed: u64,
    pub zones: Vec<Zone>,
    pub conduits: Vec<Conduit>,
    pub devices: Vec<Device>,
    pub polls: Vec<Poll>,
    pub events: Vec<Event>,
    pub findings: Vec<Finding>,
}

/// Built-in vendor OUIs (each checked against the IEEE registry by a test), so that a
/// scenario only names the vendor and the MAC still says who made the device.
pub const VENDOR_OUIS: &[(&str, [u8; 3])] = &[
    ("Siemens", [0x00, 0x1b, 0x1b]),
    ("Rockwell Automation", [0x00, 0x00, 0xbc]),
    ("Schneider Electric", [0x00, 0x80, 0xf4]), // registered as Telemecanique, a Schneider brand
    ("WAGO", [0x00, 0x30, 0xde]),
    ("Phoenix Contact", [0x00, 0xa0, 0x45]),
    ("Moxa", [0x00, 0x90, 0xe8]),
    ("Cisco", [0x00, 0x00, 0x0c]),
    ("Dell", [0x00, 0x14, 0x22]),
    ("Hewlett Packard", [0x00, 0x1b, 0x78]),
    ("Advantech", [0x00, 0xd0, 0xc9]),
    ("Belden", [0x00, 0x80, 0x63]), // Hirschmann, a Belden brand
    ("Beckhoff", [0x00, 0x01, 0x05]),
    ("ABB", [0x00, 0x00, 0x23]),
    ("Honeywell", [0x00, 0x40, 0x84]),
    ("Lenovo", [0x10, 0xc5, 0x95]),
    ("Fortinet", [0x00, 0x09, 0x0f]),
    ("Johnson Controls", [0x00, 0x10, 0x8d]),
    ("Mitsubishi Electric", [0x00, 0x26, 0x92]),
    ("Omron", [0x00, 0x00, 0x0a]),
    ("SEL", [0x00, 0x30, 0xa7]),
    ("GE", [0x08, 0x00, 0x19]),
];

fn parse_mac(text: &str, len: usize) -> Option<Vec<u8>> {
    let parts: Vec<&str> = text.split([':', '-']).collect();
    if parts.len() != len {
        return None;
    }
    parts
        .iter()
        .map(|p| u8::from_str_radix(p, 16).ok().filter(|_| p.len() == 2))
        .collect()
}

impl Scenario {
    /// Parses and checks a scenario; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let raw: ScenarioFile = toml::from_str(text).map_err(|e| ScenarioError::Toml {
            file: file.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        Checker { file }.check(raw)
    }

    pub fn device_index(&self, name: &str) -> Option<usize> {
        self.devices.iter().position(|d| d.spec.name == name)
    }

    /// Renames the scenario's seed; the same seed gives the same capture.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Shortens or lengthens the capture, dropping events and polls outside it.
    pub fn with_duration(mut self, duration: i64) -> Self {
        self.duration = duration;
        self.events.retain(|e| e.at < duration);
        self
    }

    pub fn end(&self) -> i64 {
        self.start + self.duration
    }
}

struct Checker<'a> {
    file: &'a str,
}

impl Checker<'_> {
    fn error(&self, context: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.to_string(),
            context: context.into(),
            message: message.into(),
        }
    }

    fn duration(&self, context: &str, text: &str) -> Result<i64, ScenarioError> {
        otwatch_model::parse_duration(&text.to_ascii_lowercase())
            .map_err(|e| self.error(context, e))
    }

    fn offset(&self, context: &str, text: &str) -> Result<i64, ScenarioError> {
        let t = text.trim();
        if t == "0" || t == "0s" {
            return Ok(0);
        }
        self.duration(context, t)
    }

    fn techniques(
        &self,
        context: &str,
        techniques: &[String],
    ) -> Result<Vec<String>, ScenarioError> {
        for t in techniques {
            let ok =
                t.len() == 5 && t.starts_with('T') && t[1..].chars().all(|c| c.is_ascii_digit());
            if !ok {
                return Err(self.error(
                    context,
                    format!("{t:?} is not an ATT&CK for ICS technique id like T0858"),
                ));
            }
        }
        Ok(techniques.to_vec())
    }

    fn check(&self, raw: ScenarioFile) -> Result<Scenario, ScenarioError> {
        let start = otwatch_model::parse_utc(&raw.start).ok_or_else(|| {
            self.error(
                "start",
                format!(
                    "{:?} is not a UTC time; write e.g. 2026-03-02T08:00:00Z",
                    raw.start
                ),
            )
        })?;
        let duration = self.duration("duration", &raw.duration)?;

        let mut zone_index = HashMap::new();
        for (i, z) in raw.zones.iter().enumerate() {
            if zone_index.insert(z.name.clone(), i).is_some() {
                return Err(self.error(format!("zone {:?}", z.name), "defined twice"));
            }
            if let Some(sl) = z.security_level {
                if !(1..=4).contains(&sl) {
                    return Err(self.error(
                        format!("zone {:?}", z.name),
                        format!("security_level {sl} is not 1-4"),
                    ));
                }
            }
        }

        let mut devices = Vec::with_capacity(raw.devices.len());
        let mut device_index: HashMap<String, usize> = HashMap::new();
        let mut ips: HashMap<Ipv4Addr, String> = HashMap::new();
        let mut macs: HashMap<MacAddr, String> = HashMap::new();
        for (i, d) in raw.devices.iter().enumerate() {
            let context = format!("device {:?}", d.name);
            if device_index.insert(d.name.clone(), i).is_some() {
                return Err(self.error(context, "defined twice"));
            }
            let zone = *zone_index
                .get(&d.zone)
                .ok_or_else(|| self.error(&context, format!("zone {:?} is not defined", d.zone)))?;
            let subnet = raw.zones[zone].subnet;
            if !subnet.contains(&d.ip) {
                return Err(self.error(
                    &context,
                    format!("{} is outside its zone's subnet {subnet}", d.ip),
                ));
            }
            if let Some(other) = ips.insert(d.ip, d.name.clone()) {
                return Err(self.error(
                    &context,
                    format!("{} is also the address of {other:?}", d.ip),
                ));
            }
            let mut mac = self.mac_of(d, &context, raw.seed.unwrap_or(1), 0)?;
            // A generated MAC that another device already has is drawn again; a MAC the
            // scenario wrote twice is an error.
            let mut salt = 0;
            while d.mac.is_none() && macs.contains_key(&mac) {
                salt += 1;
                mac = self.mac_of(d, &context, raw.seed.unwrap_or(1), salt)?;
            }
            if let Some(other) = macs.insert(mac, d.name.clone()) {
                return Err(self.error(&context, format!("its MAC is also {other:?}'s")));
            }
            let stack = match d.os.as_deref() {
                None => match d.role {
                    AssetRole::Hmi
                    | AssetRole::ScadaServer
                    | AssetRole::EngineeringWorkstation
                    | AssetRole::Historian
                    | AssetRole::OpcServer
                    | AssetRole::ItHost => Stack::Windows,
                    _ => Stack::Embedded,
                },
                Some("embedded") => Stack::Embedded,
                Some("linux") => Stack::Linux,
                Some("windows") => Stack::Windows,
                Some(other) => {
                    return Err(self.error(
                        &context,
                        format!("os {other:?} is not one of embedded, linux, windows"),
                    ))
                }
            };
            let mut params = BTreeMap::new();
            for (key, value) in &d.params {
                if !KNOWN_PARAMS.iter().any(|(k, _)| k == key) {
                    let known: Vec<&str> = KNOWN_PARAMS.iter().map(|(k, _)| *k).collect();
                    return Err(self.error(
                        &context,
                        format!("unknown parameter {key:?}; known: {}", known.join(", ")),
                    ));
                }
                let value = match value {
                    toml::Value::Integer(v) => ParamValue::Integer(*v),
                    toml::Value::String(s) => ParamValue::Text(s.clone()),
                    other => {
                        return Err(self.error(
                            &context,
                            format!("parameter {key:?} must be a number or a string, not {other}"),
                        ))
                    }
                };
                params.insert(key.clone(), value);
            }
            let appears = match &d.appears {
                Some(t) => self.offset(&format!("{context}: appears"), t)?,
                None => 0,
            };
            devices.push(Device {
                spec: DeviceSpec {
                    name: d.name.clone(),
                    ip: d.ip,
                    mac,
                    vendor: d.vendor.clone(),
                    model: d.model.clone(),
                    order_number: d.order_number.clone(),
                    firmware: d.firmware.clone(),
                    hardware: d.hardware.clone(),
                    serial: d.serial.clone(),
                    hostname: d.hostname.clone(),
                    params,
                },
                zone,
                role: d.role,
                level: d.level.unwrap_or(raw.zones[zone].level),
                stack,
                dhcp: d.dhcp,
                appears,
            });
        }
        let device = |context: &str, name: &str| -> Result<usize, ScenarioError> {
            device_index
                .get(name)
                .copied()
                .ok_or_else(|| self.error(context, format!("device {name:?} is not defined")))
        };

        let mut zones = Vec::with_capacity(raw.zones.len());
        for z in &raw.zones {
            let gateway = match &z.gateway {
                Some(g) => Some(device(&format!("zone {:?}: gateway", z.name), g)?),
                None => None,
            };
            zones.push(Zone {
                name: z.name.clone(),
                level: z.level,
                subnet: z.subnet,
                description: z.description.clone(),
                gateway,
                security_level: z.security_level,
            });
        }
        let mut conduits = Vec::new();
        for c in &raw.conduits {
            let context = format!("conduit {:?}", c.name);
            let zone = |name: &str| {
                zone_index
                    .get(name)
                    .copied()
                    .ok_or_else(|| self.error(&context, format!("zone {name:?} is not defined")))
            };
            let zones_of = [zone(&c.zones[0])?, zone(&c.zones[1])?];
            let through = match &c.through {
                Some(t) => Some(device(&context, t)?),
                None => None,
            };
            conduits.push(Conduit {
                name: c.name.clone(),
                zones: zones_of,
                protocols: c.protocols.clone(),
                through,
                description: c.description.clone(),
            });
        }

        let known_protocols: Vec<&str> = crate::dialects::REGISTRY.iter().map(|e| e.name).collect();
        let protocol_ok = |context: &str, p: &str| -> Result<(), ScenarioError> {
            if known_protocols.contains(&p) {
                Ok(())
            } else {
                Err(self.error(
                    context,
                    format!(
                        "unknown protocol {p:?}; known: {}",
                        known_protocols.join(", ")
                    ),
                ))
            }
        };
        let mut polls = Vec::new();
        for (i, p) in raw.polls.iter().enumerate() {
            let context = format!(
                "poll {} ({} -> {} {})",
                i + 1,
                p.client,
                p.server,
                p.protocol
            );
            protocol_ok(&context, &p.protocol)?;
            let interval = self.duration(&context, &p.interval)?;
            let jitter = match &p.jitter {
                Some(j) => self.offset(&context, j)?,
                None => interval / 50,
            };
            if jitter * 2 >= interval {
                return Err(self.error(&context, "jitter must be under half the interval"));
            }
            polls.push(Poll {
                client: device(&context, &p.client)?,
                server: device(&context, &p.server)?,
                protocol: p.protocol.clone(),
                interval,
                jitter,
                identify: p.identify,
                start: match &p.start {
                    Some(s) => self.offset(&context, s)?,
                    None => 0,
                },
                stop: match &p.stop {
                    Some(s) => Some(self.offset(&context, s)?),
                    None => None,
                },
                techniques: self.techniques(&context, &p.techniques)?,
            });
        }

        let mut events = Vec::new();
        for (i, e) in raw.events.iter().enumerate() {
            let context = format!("event {} ({} at {})", i + 1, e.kind, e.at);
            let kind = EventKind::from_name(&e.kind).ok_or_else(|| {
                self.error(
                    &context,
                    format!("unknown kind; known: {}", EventKind::names()),
                )
            })?;
            let at = self.offset(&context, &e.at)?;
            if at >= duration {
                return Err(self.error(&context, "happens after the end of the capture"));
            }
            let to = match &e.to {
                Some(t) => Some(device(&context, t)?),
                None => None,
            };
            let needs_protocol = !matches!(
                kind,
                EventKind::ArpSpoof | EventKind::NewDevice | EventKind::SynFlood
            );
            if to.is_none() && kind != EventKind::NewDevice {
                return Err(self.error(&context, "needs `to`"));
            }
            match (&e.protocol, needs_protocol) {
                (Some(p), true) => protocol_ok(&context, p)?,
                (None, true) => return Err(self.error(&context, "needs `protocol`")),
                _ => {}
            }
            let techniques = self.techniques(&context, &e.techniques)?;
            events.push(Event {
                at,
                kind,
                from: device(&context, &e.from)?,
                to,
                protocol: e.protocol.clone(),
                attack: e.attack,
                techniques,
                description: e.description.clone(),
                count: e.count.unwrap_or(match kind {
                    EventKind::WriteFlood => 500,
                    EventKind::SynFlood => 10_000,
                    _ => 1,
                }),
                duration: match &e.duration {
                    Some(d) => self.duration(&context, d)?,
                    None => match kind {
                        EventKind::RemoteSession => 120_000_000,
                        EventKind::WriteFlood => 10_000_000,
                        EventKind::ArpSpoof => 60_000_000,
                        EventKind::NewDevice => 600_000_000,
                        EventKind::SynFlood => 60_000_000,
                        _ => 0,
                    },
                },
            });
        }
        events.sort_by_key(|e| e.at);

        let mut findings = Vec::new();
        for f in &raw.findings {
            let context = format!("finding {:?}", f.kind);
            let assets = f
                .assets
                .iter()
                .map(|a| device(&context, a))
                .collect::<Result<Vec<_>, _>>()?;
            findings.push(Finding {
                kind: f.kind.clone(),
                assets,
                description: f.description.clone(),
            });
        }

        Ok(Scenario {
            name: raw.name,
            description: raw.description,
            start,
            duration,
            seed: raw.seed.unwrap_or(1),
            zones,
            conduits,
            devices,
            polls,
            events,
            findings,
        })
    }

    fn mac_of(
        &self,
        d: &DeviceEntry,
        context: &str,
        seed: u64,
        salt: u64,
    ) -> Result<MacAddr, ScenarioError> {
        if let Some(text) = &d.mac {
            let bytes = parse_mac(text, 6).ok_or_else(|| {
                self.error(
                    context,
                    format!("mac {text:?} is not like 00:1b:1b:12:34:56"),
                )
            })?;
            return Ok(bytes.try_into().expect("six bytes"));
        }
        let oui: [u8; 3] = match (&d.oui, &d.vendor) {
            (Some(text), _) => parse_mac(text, 3)
                .ok_or_else(|| self.error(context, format!("oui {text:?} is not like 00:1b:1b")))?
                .try_into()
                .expect("three bytes"),
            (None, Some(vendor)) => VENDOR_OUIS
                .iter()
                .find(|(v, _)| {
                    v.eq_ignore_ascii_case(vendor)
                        || **v == *otwatch_inventory::normalize::vendor_name(vendor)
                })
                .map(|(_, o)| *o)
                .ok_or_else(|| {
                    self.error(
                        context,
                        format!(
                            "no built-in OUI for vendor {vendor:?}: give `oui = \"xx:xx:xx\"` or `mac`"
                        ),
                    )
                })?,
            (None, None) => {
                return Err(self.error(context, "needs a vendor, an `oui` or a `mac`"))
            }
        };
        // The device part comes from the name and seed, so MACs are stable across runs.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for b in d.name.bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let [a, b, c, ..] = hash.to_be_bytes();
        Ok([oui[0], oui[1], oui[2], a, b, c])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_ouis_belong_to_their_vendors() {
        for (vendor, oui) in VENDOR_OUIS {
            let registered = otwatch_oui::lookup([oui[0], oui[1], oui[2], 0, 0, 1])
                .unwrap_or_else(|| panic!("{vendor}: OUI not registered"));
            let shown = otwatch_inventory::normalize::vendor_name(registered);
            assert_eq!(&*shown, *vendor, "{vendor}: registered to {registered}");
        }
    }

    const MINIMAL: &str = r#"
name = "t"
start = "2026-03-02T08:00:00Z"
duration = "10m"
[[zone]]
name = "cell"
level = "1"
subnet = "10.1.1.0/24"
[[device]]
name = "plc"
zone = "cell"
ip = "10.1.1.10"
role = "controller"
vendor = "Schneider Electric"
[[device]]
name = "hmi"
zone = "cell"
ip = "10.1.1.20"
role = "hmi"
vendor = "Advantech"
level = "2"
[[poll]]
client = "hmi"
server = "plc"
protocol = "modbus"
interval = "1s"
[[event]]
at = "5m"
kind = "plc_stop"
from = "hmi"
to = "plc"
protocol = "modbus"
attack = true
techniques = ["T0858"]
"#;

    #[test]
    fn minimal_scenario_parses() {
        let s = Scenario::parse(MINIMAL, "t.toml").unwrap();
        assert_eq!(s.duration, 600_000_000);
        assert_eq!(s.devices[0].spec.mac[..3], [0x00, 0x80, 0xf4]);
        assert_eq!(s.devices[1].level, PurdueLevel::Supervisory);
        assert_eq!(s.devices[0].level, PurdueLevel::BasicControl);
        assert_eq!(s.events[0].kind, EventKind::Action(ActionKind::PlcStop));
        assert_eq!(s.polls[0].jitter, 20_000);
    }

    #[test]
    fn errors_name_the_entry_and_the_fix() {
        let bad = MINIMAL.replace(
            "protocol = \"modbus\"\ninterval",
            "protocol = \"modbuss\"\ninterval",
        );
        let e = Scenario::parse(&bad, "t.toml").unwrap_err().to_string();
        assert!(
            e.contains("poll 1") && e.contains("unknown protocol \"modbuss\""),
            "{e}"
        );
        let bad = MINIMAL.replace("10.1.1.20", "10.1.2.20");
        let e = Scenario::parse(&bad, "t.toml").unwrap_err().to_string();
        assert!(e.contains("device \"hmi\"") && e.contains("outside"), "{e}");
        let bad = MINIMAL.replace("vendor = \"Advantech\"", "vendor = \"Nobody\"");
        let e = Scenario::parse(&bad, "t.toml").unwrap_err().to_string();
        assert!(e.contains("no built-in OUI"), "{e}");
        let bad = MINIMAL.replace("T0858", "X1");
        let e = Scenario::parse(&bad, "t.toml").unwrap_err().to_string();
        assert!(e.contains("technique"), "{e}");
        let bad = MINIMAL.replace("role = \"hmi\"", "role = \"hmi\"\ncolour = 1");
        let e = Scenario::parse(&bad, "t.toml").unwrap_err().to_string();
        assert!(e.contains("t.toml") && e.contains("colour"), "{e}");
    }
}
