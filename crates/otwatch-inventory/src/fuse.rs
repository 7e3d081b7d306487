//! Identity fusion: one answer to "what is this device?" from everything the traffic said.
//!
//! Protocols name the same thing differently (CIP's product name, S7's module type, BACnet's
//! model-name property, an SNMP sysName, a NetBIOS name). [`fuse`] maps those attributes
//! onto the fields of an [`AssetIdentity`], shows for each field the value from the most
//! trustworthy source — a person, then the device's own identity protocol, then management
//! and IT statements, then the MAC prefix, then a port guess — and keeps every disagreeing
//! value in the conflicts with its evidence. It then infers the asset's role from what it
//! serves and what it does to others (a table of rules, [`ROLE_RULES`], each with a human
//! reason) and its Purdue level from the role and its peers. The rules and the precedence
//! are documented in `docs/inventory.md`.

use crate::normalize;
use crate::observe::is_host_address;
use ahash::AHashMap;
use otwatch_model::identity::{
    AssetIdentity, AssetRole, Conflict, Decided, Fact, Module, PurdueLevel,
};
use otwatch_model::site::SiteNetworks;
use otwatch_model::{Asset, Edge, Evidence, FunctionAggregate, IdentifiedBy, ProtocolRole};
use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// What the rest of the inventory says about the assets an asset deals with: the edges and
/// function aggregates it takes part in (each function's kind worked out once), and the
/// role and addressing of each peer.
#[derive(Debug, Default)]
pub struct FusionContext<'a> {
    /// Everything known per asset key, in one place: one lookup per asset.
    slots: AHashMap<&'a str, Slot<'a>>,
}

#[derive(Debug, Default)]
struct Slot<'a> {
    edges: Vec<&'a Edge>,
    functions: Vec<(&'a FunctionAggregate, FunctionKind)>,
    /// Set for assets and for endpoints known only by a host address.
    peer: Option<Peer>,
    /// The asset itself, for naming it in reasons.
    asset: Option<&'a Asset>,
    /// How many assets name this one as their parent.
    children: usize,
}

/// What the level inference needs to know about the other side of an edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peer {
    pub role: AssetRole,
    /// Whether an address of the peer lies inside the site's networks.
    pub internal: Option<bool>,
}

impl<'a> FusionContext<'a> {
    /// Indexes the edges and aggregates by asset key. Peers start with the role a person
    /// gave them, else unknown; see [`FusionContext::with_roles`] and [`fuse_all`].
    pub fn new<A: Borrow<Asset>>(
        assets: &'a [A],
        edges: &'a [Edge],
        functions: &'a [FunctionAggregate],
        site: &SiteNetworks,
    ) -> Self {
        let mut slots: AHashMap<&'a str, Slot<'a>> = AHashMap::with_capacity(assets.len());
        for a in assets {
            let a = a.borrow();
            let slot = slots.entry(a.key.as_str()).or_default();
            slot.asset = Some(a);
            slot.peer = Some(Peer {
                role: a.overrides.role.unwrap_or(AssetRole::Unknown),
                internal: a.internal,
            });
        }
        for a in assets {
            if let Some(parent) = &a.borrow().parent {
                slots.entry(parent.as_str()).or_default().children += 1;
            }
        }
        for e in edges {
            slots.entry(e.client.as_str()).or_default().edges.push(e);
            if e.server != e.client {
                slots.entry(e.server.as_str()).or_default().edges.push(e);
            }
            // Endpoints that never answered are known only by address; the site decides
            // whether they are inside. Broadcast and multicast groups are not peers at all.
            for key in [&e.client, &e.server] {
                let Some(ip) = key
                    .strip_prefix("net:")
                    .and_then(|t| t.parse::<IpAddr>().ok())
                else {
                    continue;
                };
                if is_host_address(&ip) {
                    slots
                        .entry(key.as_str())
                        .or_default()
                        .peer
                        .get_or_insert(Peer {
                            role: AssetRole::Unknown,
                            internal: Some(site.is_internal(ip)),
                        });
                }
            }
        }
        // A few dozen distinct function names recur across many thousands of edges.
        let mut kinds: AHashMap<(&str, &str), FunctionKind> = AHashMap::new();
        for f in functions {
            let kind = *kinds
                .entry((f.protocol.as_str(), f.function.as_str()))
                .or_insert_with(|| function_kind(&f.protocol, &f.function));
            slots
                .entry(f.client.as_str())
                .or_default()
                .functions
                .push((f, kind));
            if f.server != f.client {
                slots
                    .entry(f.server.as_str())
                    .or_default()
                    .functions
                    .push((f, kind));
            }
        }
        FusionContext { slots }
    }

    /// Sets the role of each listed peer.
    pub fn with_roles(mut self, roles: impl IntoIterator<Item = (&'a str, AssetRole)>) -> Self {
        for (key, role) in roles {
            if let Some(p) = self.slots.get_mut(key).and_then(|s| s.peer.as_mut()) {
                p.role = role;
            }
        }
        self
    }

    fn slot(&self, key: &str) -> Option<&Slot<'a>> {
        self.slots.get(key)
    }

    fn edges_of(&self, key: &str) -> &[&'a Edge] {
        self.slot(key).map(|s| s.edges.as_slice()).unwrap_or(&[])
    }

    fn functions_of(&self, key: &str) -> &[(&'a FunctionAggregate, FunctionKind)] {
        self.slot(key)
            .map(|s| s.functions.as_slice())
            .unwrap_or(&[])
    }

    fn peer(&self, key: &str) -> Option<Peer> {
        self.slot(key).and_then(|s| s.peer)
    }

    /// How reasons name an asset: its first address.
    fn label(&self, key: &str) -> String {
        match self.slot(key).and_then(|s| s.asset) {
            Some(a) => a
                .ips
                .first()
                .map(|ip| ip.to_string())
                .or_else(|| a.macs.first().cloned())
                .unwrap_or_else(|| a.key.clone()),
            None => key.strip_prefix("net:").unwrap_or(key).to_string(),
        }
    }
}

/// Fuses every asset, on up to `threads` threads. Identity and role first, for all; then
/// the levels, which depend on the roles of the peers.
pub fn fuse_all<A: Borrow<Asset> + Sync>(
    assets: &[A],
    edges: &[Edge],
    functions: &[FunctionAggregate],
    site: &SiteNetworks,
    threads: usize,
) -> Vec<AssetIdentity> {
    let ctx = FusionContext::new(assets, edges, functions, site);
    let mut identities = par_map(assets, threads, |a| identity_and_role(a.borrow(), &ctx));
    let ctx = ctx.with_roles(
        assets
            .iter()
            .zip(&identities)
            .map(|(a, id)| (a.borrow().key.as_str(), id.role)),
    );
    let roles: Vec<(&Asset, AssetRole)> = assets
        .iter()
        .zip(&identities)
        .map(|(a, id)| (a.borrow(), id.role))
        .collect();
    let levels = par_map(&roles, threads, |(a, role)| level_of(a, *role, &ctx));
    for (id, (level, decided, reasons)) in identities.iter_mut().zip(levels) {
        id.purdue_level = level;
        id.purdue_decided = decided;
        id.purdue_reasons = reasons;
    }
    identities
}

/// Maps `items` in order, split into contiguous chunks over `threads` threads. Small
/// inventories stay on the calling thread: starting threads would cost more than it saves.
fn par_map<A: Sync, T: Send>(items: &[A], threads: usize, f: impl Fn(&A) -> T + Sync) -> Vec<T> {
    const MIN_PER_THREAD: usize = 4096;
    let threads = threads.min(items.len() / MIN_PER_THREAD).max(1);
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let running: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<T>>()))
            .collect();
        running
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

// ---------------------------------------------------------------------------------------
// Identity fields and precedence

/// Where a statement comes from, weakest first: the shown value is the strongest one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SourceClass {
    /// A guess from a port number or any inference below 0.5 confidence.
    PortGuess,
    /// The IEEE registry entry for the MAC prefix: says who made the network interface.
    Oui,
    /// Management and IT protocols: SNMP, LLDP/CDP, HTTP, TLS certificates, DHCP, NetBIOS...
    Management,
    /// The device's own identity protocol: S7 SZL, CIP identity, Modbus MEI, BACnet device
    /// object, DNP3 group 0, PROFINET DCP and I&M, MMS identify, OPC UA BuildInfo, FINS...
    DeviceProtocol,
    /// A person's correction.
    Person,
}

/// Protocols whose statements describe the host's management or IT side, not its control
/// function; anything not listed here (and not OUI) is a device identity protocol.
const MANAGEMENT_PROTOCOLS: &[&str] = &[
    "snmp", "lldp", "cdp", "http", "ssl", "tls", "dhcp", "dhcpv6", "netbios", "mdns", "dns",
    "llmnr", "smb", "ntlm", "ssh", "rdp", "ftp", "telnet", "rfb", "kerberos", "ethernet", "arp",
    "ip",
];

fn source_class(ev: &Evidence) -> SourceClass {
    let p = ev.protocol.as_str();
    if p == "user" {
        SourceClass::Person
    } else if p == "port" || ev.confidence < 0.5 {
        SourceClass::PortGuess
    } else if p == "oui" {
        SourceClass::Oui
    } else if MANAGEMENT_PROTOCOLS.contains(&p) {
        SourceClass::Management
    } else {
        SourceClass::DeviceProtocol
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Vendor,
    Model,
    OrderNumber,
    Firmware,
    HardwareRevision,
    Serial,
    Name,
}

impl Field {
    fn as_str(self) -> &'static str {
        match self {
            Field::Vendor => "vendor",
            Field::Model => "model",
            Field::OrderNumber => "order_number",
            Field::Firmware => "firmware",
            Field::HardwareRevision => "hardware_revision",
            Field::Serial => "serial",
            Field::Name => "name",
        }
    }
}

/// Attribute names per identity field. Within one source class, an earlier name is the
/// better statement (a product name beats the name of a software build).
const FIELD_ATTRIBUTES: &[(Field, &[&str])] = &[
    (Field::Vendor, &["vendor", "manufacturer"]),
    (
        Field::Model,
        &[
            "model",
            "product_name",
            "module_name",
            "software",
            "ads_device_name",
        ],
    ),
    (
        Field::OrderNumber,
        &["order_number", "order_id", "product_code"],
    ),
    (
        Field::Firmware,
        &["firmware", "firmware_version", "software_version"],
    ),
    (
        Field::HardwareRevision,
        &["hardware_revision", "hardware_version"],
    ),
    (Field::Serial, &["serial", "serial_number"]),
    (
        Field::Name,
        &[
            "station_name",
            "object_name",
            "opcua_application_name",
            "device_name",
            "hostname",
            "sys_name",
            "hart_long_tag",
            "hart_tag",
            "synchrophasor_station",
        ],
    ),
];

/// A displayed value and, when cleaning changed it, the device's own spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalised {
    pub value: String,
    pub raw: Option<String>,
}

/// The one place every displayed identity value passes through, so that each field reads
/// the same across protocols: vendors by their canonical spelling, firmware as "V3.2.6",
/// order numbers in their maker's spacing (`normalize.rs`). `raw` keeps what was sent.
pub fn normalised(field: &str, value: &str) -> Normalised {
    let clean = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let shown = match field {
        "vendor" => normalize::vendor_name(&clean).into_owned(),
        "firmware" => normalize::firmware(&clean),
        "order_number" => normalize::order_number(&clean).unwrap_or_else(|| clean.clone()),
        _ => clean,
    };
    Normalised {
        raw: (shown != value).then(|| value.to_string()),
        value: shown,
    }
}

/// The product family the order number (or else the model) maps to, with the evidence of
/// the statement it was read from; none when the tables do not know it or the vendor
/// contradicts the order number.
fn product_family(id: &AssetIdentity) -> Option<Fact> {
    let vendor = id.vendor.as_ref().map(|v| v.value.as_str());
    [&id.order_number, &id.model]
        .into_iter()
        .flatten()
        .find_map(|basis| {
            normalize::product_family(vendor, &basis.value).map(|family| Fact {
                value: family.to_string(),
                raw: None,
                evidence: basis.evidence.clone(),
            })
        })
}

/// Values that carry no information: blank padding some devices send in name fields (HART
/// packs '@' for blank, others repeat one filler character or leave format strings).
fn is_filler(value: &str) -> bool {
    let mut chars = value.chars().filter(|c| !c.is_whitespace());
    let Some(first) = chars.next() else {
        return true;
    };
    // One repeated punctuation mark, or one letter or digit repeated past any real
    // name or serial ("AAAAAAAAAAAA", "000000000").
    let all_same = chars.all(|c| c == first);
    let repeated = all_same && (!first.is_alphanumeric() || value.chars().count() > 8);
    repeated || value.contains("%n")
}

struct Candidate {
    fact: Fact,
    class: SourceClass,
    name_rank: usize,
    key: String,
}

/// A CIP product code is a number the vendor assigns, not an order number; Modbus MEI and
/// others state the catalogue reference under the same name.
fn is_order_number(name: &str, value: &str) -> bool {
    name != "product_code" || value.chars().any(|c| c.is_ascii_alphabetic())
}

/// Where an attribute name sits in [`FIELD_ATTRIBUTES`]: the field's index there and the
/// name's rank within the field. Looked up once per attribute, where scanning the table
/// would compare the name with every listed one.
fn field_of(name: &str) -> Option<(usize, usize)> {
    static BY_NAME: std::sync::LazyLock<AHashMap<&'static str, (usize, usize)>> =
        std::sync::LazyLock::new(|| {
            FIELD_ATTRIBUTES
                .iter()
                .enumerate()
                .flat_map(|(field, (_, names))| {
                    names
                        .iter()
                        .enumerate()
                        .map(move |(rank, name)| (*name, (field, rank)))
                })
                .collect()
        });
    BY_NAME.get(name).copied()
}

/// The statements of each identity field, in the order of [`FIELD_ATTRIBUTES`], each list
/// strongest first.
fn candidates(asset: &Asset) -> Vec<Vec<Candidate>> {
    let mut per_field: Vec<Vec<Candidate>> = FIELD_ATTRIBUTES.iter().map(|_| Vec::new()).collect();
    for at in &asset.attributes {
        let Some((index, name_rank)) = field_of(&at.name) else {
            continue;
        };
        let field = FIELD_ATTRIBUTES[index].0;
        if field == Field::OrderNumber && !is_order_number(&at.name, &at.value) {
            continue;
        }
        if is_filler(&at.value) {
            continue;
        }
        let n = normalised(field.as_str(), &at.value);
        let key = n.value.to_lowercase();
        per_field[index].push(Candidate {
            fact: Fact {
                value: n.value,
                raw: n.raw,
                evidence: at.evidence.clone(),
            },
            class: source_class(&at.evidence),
            name_rank,
            key,
        });
    }
    // Strongest source first; among equals the better attribute name, the more confident
    // statement, then the latest one (a firmware update is the device's current word).
    for list in &mut per_field {
        list.sort_by(|a, b| {
            b.class
                .cmp(&a.class)
                .then(a.name_rank.cmp(&b.name_rank))
                .then(
                    b.fact
                        .evidence
                        .confidence
                        .total_cmp(&a.fact.evidence.confidence),
                )
                .then(b.fact.evidence.ts.cmp(&a.fact.evidence.ts))
                .then(a.fact.value.cmp(&b.fact.value))
        });
    }
    per_field
}

/// The shown value of a field and, when sources disagree, every distinct value with the
/// evidence of its strongest statement.
fn pick(mut list: Vec<Candidate>, field: Field) -> (Option<Fact>, Option<Conflict>) {
    if list.is_empty() {
        return (None, None);
    }
    let mut seen = BTreeSet::new();
    list.retain(|c| seen.insert(c.key.clone()));
    let shown = list[0].fact.clone();
    let conflict = (list.len() > 1).then(|| Conflict {
        field: field.as_str().to_string(),
        values: list.into_iter().map(|c| c.fact).collect(),
    });
    (Some(shown), conflict)
}

fn person_fact(value: &str) -> Candidate {
    let n = normalised("name", value);
    Candidate {
        key: n.value.to_lowercase(),
        fact: Fact {
            value: n.value,
            raw: n.raw,
            evidence: Evidence {
                protocol: "user".into(),
                message: "set by a person (assets edit)".into(),
                capture: String::new(),
                frame: 0,
                ts: 0,
                confidence: 1.0,
            },
        },
        class: SourceClass::Person,
        name_rank: 0,
    }
}

/// Rack and slot modules a protocol revealed. S7 names the rack and slot of the CPU it
/// connects to; the CPU's identity (order number, firmware, serial) belongs to that slot.
fn modules(asset: &Asset, identity: &AssetIdentity) -> Vec<Module> {
    let mut out = Vec::new();
    let mut positions = BTreeSet::new();
    for at in asset.attributes.iter().filter(|a| a.name == "s7_rack_slot") {
        let position = at.value.replace(',', "");
        if !positions.insert(position.clone()) {
            continue;
        }
        let from_s7 = |f: &otwatch_model::identity::FactField| {
            f.as_ref()
                .filter(|f| f.evidence.protocol.starts_with("s7comm"))
                .map(|f| f.value.clone())
        };
        out.push(Module {
            position,
            model: from_s7(&identity.order_number).or_else(|| from_s7(&identity.model)),
            firmware: from_s7(&identity.firmware),
            serial: from_s7(&identity.serial),
            evidence: at.evidence.clone(),
        });
    }
    out
}

/// The fused identity of one asset, with its role and Purdue level. The level uses the
/// peers' roles as `ctx` knows them; [`fuse_all`] works them out first.
pub fn fuse(asset: &Asset, ctx: &FusionContext<'_>) -> AssetIdentity {
    let mut id = identity_and_role(asset, ctx);
    (id.purdue_level, id.purdue_decided, id.purdue_reasons) = level_of(asset, id.role, ctx);
    id
}

fn identity_and_role(asset: &Asset, ctx: &FusionContext<'_>) -> AssetIdentity {
    let mut id = AssetIdentity::default();
    for ((field, _), mut list) in FIELD_ATTRIBUTES.iter().zip(candidates(asset)) {
        if *field == Field::Name {
            if let Some(name) = asset.overrides.name.as_deref().filter(|n| !n.is_empty()) {
                list.insert(0, person_fact(name));
            }
        }
        let (shown, conflict) = pick(list, *field);
        let slot = match field {
            Field::Vendor => &mut id.vendor,
            Field::Model => &mut id.model,
            Field::OrderNumber => &mut id.order_number,
            Field::Firmware => &mut id.firmware,
            Field::HardwareRevision => &mut id.hardware_revision,
            Field::Serial => &mut id.serial,
            Field::Name => &mut id.name,
        };
        *slot = shown.map(Box::new);
        id.conflicts.extend(conflict);
    }
    id.product_family = product_family(&id).map(Box::new);
    id.modules = modules(asset, &id);

    match asset.overrides.role {
        Some(role) => {
            id.role = role;
            id.role_decided = Decided::User;
            id.role_reasons = vec![format!("set by a person: {}", role.as_str())];
        }
        None => {
            let signals = Signals::new(asset, &id, ctx);
            let (role, reasons) = infer_role(&signals);
            id.role = role;
            id.role_decided = Decided::Inferred;
            id.role_reasons = reasons;
        }
    }
    id
}

fn level_of(
    asset: &Asset,
    role: AssetRole,
    ctx: &FusionContext<'_>,
) -> (Option<PurdueLevel>, Decided, Vec<String>) {
    match asset.overrides.purdue_level {
        Some(level) => (
            Some(level),
            Decided::User,
            vec![format!("set by a person: level {}", level.as_str())],
        ),
        None => {
            let (level, reasons) = infer_level(asset, role, ctx);
            (level, Decided::Inferred, reasons)
        }
    }
}

// ---------------------------------------------------------------------------------------
// What an asset does: function kinds per protocol

/// What a protocol function does to the device that serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FunctionKind {
    /// Program, configuration or file transfer to or from the device.
    ProgramTransfer,
    /// Start, stop, restart or reinitialise the device.
    DeviceControl,
    /// Online engineering: block lists, variable status, forcing, passwords, clock setting.
    Engineering,
    /// Reads of the device's identity or diagnostics (SZL, MEI, identify).
    IdentityRead,
    Read,
    Write,
    /// Process commands: select/operate, setpoints, interrogations that act.
    Command,
    Other,
}

/// Application protocol names in flows (Zeek service names) to the names the dissectors
/// use for functions and attributes.
fn protocol_token(service: &str) -> &str {
    match service {
        "dnp3_tcp" | "dnp3_udp" => "dnp3",
        "opcua-binary" => "opcua",
        "spicy_profinet_io_cm" => "profinet_io_cm",
        "genisys_tcp" => "genisys",
        "enip" => "cip",
        other => other,
    }
}

/// The tokens of a flow service such as "cotp,s7comm".
fn protocol_tokens(service: &str) -> impl Iterator<Item = &str> {
    service.split(',').map(|s| protocol_token(s.trim()))
}

pub fn function_kind(protocol: &str, function: &str) -> FunctionKind {
    use FunctionKind::*;
    let f = function.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| f.contains(w));
    match protocol {
        "s7comm" => {
            if has(&["download", "upload"]) {
                ProgramTransfer
            } else if has(&["plc control", "plc stop"]) {
                DeviceControl
            } else if has(&[
                "block functions",
                "programmer controls",
                "security",
                "set clock",
            ]) {
                Engineering
            } else if has(&["read szl"]) {
                IdentityRead
            } else if has(&["read variable", "cyclic"]) {
                Read
            } else if has(&["write variable"]) {
                Write
            } else {
                Other
            }
        }
        "s7comm-plus" => {
            // TIA Portal wraps downloads and configuration in sequences and resolves links;
            // HMIs and OPC servers only get and set variables.
            if has(&["begin sequence", "end sequence", "get link"]) {
                Engineering
            } else if has(&["set variable", "set multi"]) {
                Write
            } else if has(&["get multi", "get variable"]) {
                Read
            } else if has(&["explore"]) {
                IdentityRead
            } else {
                Other
            }
        }
        "modbus" => {
            if has(&["umas"]) {
                // Schneider's programming protocol inside function 90.
                Engineering
            } else if has(&[
                "encap_interface_transport",
                "report_slave_id",
                "report_server_id",
            ]) {
                IdentityRead
            } else if has(&["write", "mask"]) {
                Write
            } else if has(&["read"]) {
                Read
            } else {
                Other
            }
        }
        "dnp3" => {
            if has(&["file"]) {
                ProgramTransfer
            } else if has(&[
                "restart",
                "stop_appl",
                "start_appl",
                "init_appl",
                "initialize",
            ]) {
                DeviceControl
            } else if has(&["select", "operate", "freeze"]) {
                Command
            } else if f == "read" {
                Read
            } else if f == "write" {
                Write
            } else {
                Other
            }
        }
        "iec104" => {
            if f.starts_with("c_rp") {
                DeviceControl
            } else if f.starts_with("c_ic") || f.starts_with("c_ci") || f.starts_with("c_rd") {
                Read
            } else if f.starts_with("c_cs") {
                Other
            } else if f.starts_with("c_") {
                Command
            } else {
                Other
            }
        }
        "mms" => {
            if has(&[
                "download",
                "upload",
                "domain",
                "programinvocation",
                "file",
                "obtainfile",
            ]) && !has(&["getdomainattributes"])
            {
                ProgramTransfer
            } else if matches!(f.as_str(), "start" | "stop" | "resume" | "reset" | "kill") {
                DeviceControl
            } else if f == "identify" {
                IdentityRead
            } else if f == "write" {
                Write
            } else if has(&["read", "get", "status"]) {
                Read
            } else {
                Other
            }
        }
        "cip" => {
            if matches!(f.as_str(), "start" | "stop" | "reset") {
                DeviceControl
            } else if f == "get attributes all" {
                IdentityRead
            } else if has(&["write", "set attribute", "modify"]) {
                Write
            } else if has(&["read", "get attribute"]) {
                Read
            } else {
                Other
            }
        }
        "bacnet" => {
            if has(&["atomic_write_file", "atomic_read_file"]) {
                ProgramTransfer
            } else if has(&["reinitialize_device", "device_communication_control"]) {
                DeviceControl
            } else if has(&["create_object", "delete_object", "list_element"]) {
                Engineering
            } else if f == "who_is" || f == "who_has" {
                IdentityRead
            } else if has(&["write"]) {
                Write
            } else if has(&["read", "subscribe"]) {
                Read
            } else {
                Other
            }
        }
        "omron_fins" => {
            if has(&["program area", "file", "memory card", "volume"]) {
                ProgramTransfer
            } else if f == "run" || f == "stop" {
                DeviceControl
            } else if has(&[
                "clock write",
                "parameter area",
                "access right",
                "error clear",
                "error log clear",
                "name set",
                "name delete",
                "data link table write",
            ]) {
                Engineering
            } else if has(&["controller data read", "controller status"]) {
                IdentityRead
            } else if has(&["forced"]) {
                Command
            } else if has(&["write", "fill", "transfer"]) {
                Write
            } else if has(&["read"]) {
                Read
            } else {
                Other
            }
        }
        "ads" => {
            if has(&["writecontrol"]) {
                DeviceControl
            } else if has(&["readdeviceinfo"]) {
                IdentityRead
            } else if has(&["write"]) {
                Write
            } else if has(&["read", "notification"]) {
                Read
            } else {
                Other
            }
        }
        "roc_plus" => {
            if has(&["file transfer"]) {
                ProgramTransfer
            } else if has(&["system config"]) {
                IdentityRead
            } else if has(&["set ", "write", "store"]) {
                Write
            } else if has(&["read", "request"]) {
                Read
            } else {
                Other
            }
        }
        "hart_ip" => {
            if has(&["unique_identifier"]) {
                IdentityRead
            } else if has(&["write", "reset_configuration"]) {
                Engineering
            } else if has(&["read"]) {
                Read
            } else {
                Other
            }
        }
        "opcua" => {
            if has(&["addnodes", "deletenodes", "addreferences"]) {
                Engineering
            } else if f == "write" {
                Write
            } else if f == "call" {
                Command
            } else if has(&[
                "read",
                "browse",
                "publish",
                "monitoreditems",
                "subscription",
            ]) {
                Read
            } else {
                Other
            }
        }
        "bsap" | "genisys" | "melsoft" | "slmp" | "synchrophasor" => {
            if has(&["write", "control", "execute"]) {
                Write
            } else if has(&["read", "poll", "recall", "data on", "send cfg", "send hdr"]) {
                Read
            } else {
                Other
            }
        }
        _ => Other,
    }
}

// ---------------------------------------------------------------------------------------
// Role rules

/// Protocols whose server holds process logic or process data: a controller, RTU, IED or
/// a gateway in front of one.
const CONTROL_PROTOCOLS: &[&str] = &[
    "s7comm",
    "s7comm-plus",
    "modbus",
    "dnp3",
    "iec104",
    "mms",
    "omron_fins",
    "melsoft",
    "slmp",
    "ads",
    "bsap",
    "genisys",
    "roc_plus",
    "cip",
    "bacnet",
    "synchrophasor",
];

/// Protocols of office and server networks.
const IT_PROTOCOLS: &[&str] = &[
    "smb",
    "rdp",
    "netbios-ns",
    "netbios-dgm",
    "netbios-ssn",
    "dce_rpc",
    "ntlm",
    "kerberos",
    "ldap",
    "ssh",
    "http",
    "ssl",
    "dns",
    "ftp",
    "smtp",
    "imap",
    "pop3",
];

/// Makers of switches, routers and firewalls: a device they made is a network device
/// unless its own protocols say otherwise.
const NETWORK_VENDORS: &[&str] = &[
    "cisco",
    "juniper",
    "hirschmann",
    "moxa",
    "westermo",
    "ruggedcom",
    "aruba",
    "fortinet",
    "palo alto",
    "netgear",
    "mikrotik",
    "ubiquiti",
    "tp-link",
    "extreme networks",
    "arista",
    "belden",
    "n-tron",
];

/// Everything the role rules look at, gathered once per asset.
struct Signals<'s> {
    asset: &'s Asset,
    /// Model, order number and product texts the asset stated, as stated.
    product_texts: Vec<String>,
    /// The same texts in lower case, for the keyword rules.
    product_lower: Vec<String>,
    vendor: Option<String>,
    order_numbers: Vec<String>,
    /// CIP device type codes the asset stated.
    cip_device_types: Vec<u16>,
    /// Protocols served by payload, as (token, port, transport).
    served: Vec<(&'s str, Option<u16>, &'static str)>,
    /// Protocols used as a client, identified by payload.
    used: BTreeSet<&'s str>,
    /// Functions this asset invoked: (kind, protocol, function) → the servers' keys.
    invoked: BTreeMap<(FunctionKind, &'s str, &'s str), BTreeSet<&'s str>>,
    /// Servers of control protocols this asset is a client of, by payload.
    control_servers: BTreeMap<&'s str, BTreeSet<&'s str>>,
    children: usize,
    /// The whole inventory's context, for naming peers and counting served functions.
    labels: &'s FusionContext<'s>,
}

impl<'s> Signals<'s> {
    fn new(asset: &'s Asset, id: &AssetIdentity, ctx: &'s FusionContext<'s>) -> Self {
        let slot = ctx.slot(&asset.key);
        let attr = |names: &[&str]| -> Vec<&'s str> {
            asset
                .attributes
                .iter()
                .filter(|a| names.contains(&a.name.as_str()))
                .map(|a| a.value.as_str())
                .collect()
        };
        let mut product_texts: Vec<String> = attr(&[
            "model",
            "product_name",
            "module_name",
            "order_number",
            "order_id",
            "product_code",
            "description",
        ])
        .into_iter()
        .map(str::to_string)
        .collect();
        for f in [&id.model, &id.order_number].into_iter().flatten() {
            product_texts.push(f.value.clone());
        }
        let order_numbers = attr(&["order_number", "order_id", "product_code"])
            .into_iter()
            .map(|v| normalised("order_number", v).value.to_uppercase())
            .collect();
        let cip_device_types = attr(&["device_type"])
            .into_iter()
            .filter_map(|v| {
                let code = v.rsplit_once('(')?.1.trim_end_matches(')');
                code.parse().ok()
            })
            .collect();
        let served = asset
            .protocols
            .iter()
            .filter(|p| p.role == ProtocolRole::Server && p.identified_by == IdentifiedBy::Payload)
            .flat_map(|p| {
                protocol_tokens(&p.protocol).map(move |t| (t, p.port, p.transport.as_str()))
            })
            .collect();
        let used = asset
            .protocols
            .iter()
            .filter(|p| p.role == ProtocolRole::Client && p.identified_by == IdentifiedBy::Payload)
            .flat_map(|p| protocol_tokens(&p.protocol))
            .collect();
        let mut invoked: BTreeMap<_, BTreeSet<&'s str>> = BTreeMap::new();
        // A server counts as polled when this asset read, wrote or commanded something on
        // it; where the protocol records no functions, the payload-identified edge counts.
        let mut acted_on: BTreeMap<(&str, &str), bool> = BTreeMap::new();
        for &(f, kind) in slot.map(|s| s.functions.as_slice()).unwrap_or(&[]) {
            if f.client == asset.key && f.server != asset.key {
                invoked
                    .entry((kind, f.protocol.as_str(), f.function.as_str()))
                    .or_default()
                    .insert(f.server.as_str());
                let polling = matches!(
                    kind,
                    FunctionKind::Read | FunctionKind::Write | FunctionKind::Command
                );
                *acted_on
                    .entry((f.server.as_str(), f.protocol.as_str()))
                    .or_default() |= polling;
            }
        }
        let mut control_servers: BTreeMap<&'s str, BTreeSet<&'s str>> = BTreeMap::new();
        for e in slot.map(|s| s.edges.as_slice()).unwrap_or(&[]) {
            if e.client != asset.key || e.server == asset.key {
                continue;
            }
            if e.identified_by != IdentifiedBy::Payload {
                continue;
            }
            for t in protocol_tokens(&e.protocol) {
                let polled = acted_on
                    .get(&(e.server.as_str(), t))
                    .copied()
                    .unwrap_or(true);
                if CONTROL_PROTOCOLS.contains(&t) && !e.server.starts_with("net:") && polled {
                    control_servers
                        .entry(e.server.as_str())
                        .or_default()
                        .insert(t);
                }
            }
        }
        Signals {
            asset,
            product_lower: product_texts.iter().map(|t| t.to_lowercase()).collect(),
            product_texts,
            vendor: id.vendor.as_ref().map(|v| v.value.to_lowercase()),
            order_numbers,
            cip_device_types,
            served,
            used,
            invoked,
            control_servers,
            children: slot.map_or(0, |s| s.children),
            labels: ctx,
        }
    }

    /// The first stated product text containing one of these lowercase words, as stated.
    fn any_text(&self, words: &[&str]) -> Option<String> {
        self.product_lower
            .iter()
            .position(|t| words.iter().any(|w| t.contains(w)))
            .map(|i| self.product_texts[i].clone())
    }

    fn attribute(&self, name: &str) -> Option<&'s str> {
        self.asset
            .attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    /// The three functions of `protocol` that others invoked most on this asset.
    fn served_names(&self, protocol: &str) -> Vec<String> {
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for (f, _) in self.labels.functions_of(&self.asset.key) {
            if f.server == self.asset.key && f.protocol == protocol {
                *counts.entry(f.function.as_str()).or_default() += f.count;
            }
        }
        let mut f: Vec<_> = counts.into_iter().collect();
        f.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        f.into_iter().take(3).map(|(n, _)| n.to_string()).collect()
    }

    /// Servers on which this asset invoked functions of these kinds, with the functions.
    fn invoked_kinds(&self, kinds: &[FunctionKind]) -> (BTreeSet<&str>, Vec<&str>) {
        let mut servers = BTreeSet::new();
        if !self.invoked.keys().any(|(kind, _, _)| kinds.contains(kind)) {
            return (servers, Vec::new());
        }
        let mut functions = Vec::new();
        for ((kind, _, function), on) in &self.invoked {
            if kinds.contains(kind) {
                servers.extend(on.iter().copied());
                if !functions.contains(function) {
                    functions.push(*function);
                }
            }
        }
        (servers, functions)
    }

    fn names_of(&self, keys: &BTreeSet<&str>) -> String {
        let mut names: Vec<String> = keys.iter().take(3).map(|k| self.labels.label(k)).collect();
        if keys.len() > 3 {
            names.push(format!("{} more", keys.len() - 3));
        }
        names.join(", ")
    }
}

/// One row of the role table: when `test` returns a reason, the asset may play `role`.
pub struct RoleRule {
    pub name: &'static str,
    pub role: AssetRole,
    test: fn(&Signals<'_>) -> Option<String>,
}

/// The role rules, strongest first: the first rule that matches decides the role, and every
/// matching rule for that role adds its reason. Identity statements come before behaviour,
/// because a device's own word about what it is beats what its traffic suggests.
pub const ROLE_RULES: &[RoleRule] = &[
    RoleRule {
        name: "safety_identity",
        role: AssetRole::SafetyController,
        test: safety_identity,
    },
    RoleRule {
        name: "hmi_identity",
        role: AssetRole::Hmi,
        test: hmi_identity,
    },
    RoleRule {
        name: "controller_identity",
        role: AssetRole::Controller,
        test: controller_identity,
    },
    RoleRule {
        name: "io_identity",
        role: AssetRole::IoModule,
        test: io_identity,
    },
    RoleRule {
        name: "network_identity",
        role: AssetRole::NetworkDevice,
        test: network_identity,
    },
    RoleRule {
        name: "serves_control_protocol",
        role: AssetRole::Controller,
        test: serves_control_protocol,
    },
    RoleRule {
        name: "io_controller",
        role: AssetRole::Controller,
        test: io_controller,
    },
    RoleRule {
        name: "engineering_actions",
        role: AssetRole::EngineeringWorkstation,
        test: engineering_actions,
    },
    RoleRule {
        name: "identity_sweep",
        role: AssetRole::EngineeringWorkstation,
        test: identity_sweep,
    },
    RoleRule {
        name: "identity_without_polling",
        role: AssetRole::EngineeringWorkstation,
        test: identity_without_polling,
    },
    RoleRule {
        name: "historian_name",
        role: AssetRole::Historian,
        test: historian_name,
    },
    RoleRule {
        name: "serves_opc",
        role: AssetRole::OpcServer,
        test: serves_opc,
    },
    RoleRule {
        name: "polls_many_controllers",
        role: AssetRole::ScadaServer,
        test: polls_many_controllers,
    },
    RoleRule {
        name: "polls_few_controllers",
        role: AssetRole::Hmi,
        test: polls_few_controllers,
    },
    RoleRule {
        name: "bacnet_device",
        role: AssetRole::Controller,
        test: bacnet_device,
    },
    RoleRule {
        name: "field_device_protocol",
        role: AssetRole::IoModule,
        test: field_device_protocol,
    },
    RoleRule {
        name: "network_vendor",
        role: AssetRole::NetworkDevice,
        test: network_vendor,
    },
    RoleRule {
        name: "it_protocols",
        role: AssetRole::ItHost,
        test: it_protocols,
    },
    RoleRule {
        name: "lldp_only",
        role: AssetRole::NetworkDevice,
        test: lldp_only,
    },
];

fn infer_role(s: &Signals<'_>) -> (AssetRole, Vec<String>) {
    let first = ROLE_RULES
        .iter()
        .enumerate()
        .find_map(|(i, r)| (r.test)(s).map(|reason| (i, r.role, reason)));
    let Some((i, role, reason)) = first else {
        return (
            AssetRole::Unknown,
            vec!["no identity statement or protocol behaviour points to a role: unknown".into()],
        );
    };
    let mut reasons = vec![reason];
    reasons.extend(
        ROLE_RULES[i + 1..]
            .iter()
            .filter(|r| r.role == role)
            .filter_map(|r| (r.test)(s)),
    );
    (role, reasons)
}

/// Siemens F-CPUs: the letter F after the CPU number in the name ("CPU 315F-2 PN/DP",
/// "CPU 1516F-3", "CPU 1214 FC") or in the order number's product key (6ES7 315-2FJ14,
/// 6ES7 516-3FN01, 6ES7 151-8FB01; S7-1200 FC: 6ES7 214-1AF40).
fn siemens_f_cpu(s: &Signals<'_>) -> Option<String> {
    for stated in &s.product_texts {
        let t = stated.to_lowercase();
        if let Some(rest) = t.split("cpu").nth(1) {
            let token: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == ' ')
                .collect();
            let digits: String = token.chars().take_while(|c| c.is_ascii_digit()).collect();
            let after = token[digits.len()..].trim_start();
            if !digits.is_empty() && (after.starts_with('f') || after.starts_with("sp f")) {
                return Some(format!("F-CPU {stated:?}"));
            }
        }
    }
    for o in &s.order_numbers {
        let b = o.as_bytes();
        if o.starts_with("6ES7 ") && b.len() >= 12 {
            let family = &o[5..7];
            let f_at_10 = b[10] == b'F' && matches!(family, "31" | "51" | "15");
            let f_at_11 = b[11] == b'F' && family == "21";
            if f_at_10 || f_at_11 {
                return Some(format!("F-CPU order number {o}"));
            }
        }
    }
    None
}

/// Rockwell safety controllers: GuardLogix catalogue numbers carry an S in the suffix
/// (1756-L73S, 1756-L83ES, 1769-L33ERMS, 5069-L320ERS2).
fn guardlogix(s: &Signals<'_>) -> Option<String> {
    let texts = s.product_texts.iter().map(|t| t.to_uppercase());
    for t in texts.chain(s.order_numbers.iter().cloned()) {
        for word in t.split_whitespace() {
            for prefix in ["1756-L", "1769-L", "5069-L"] {
                if let Some(rest) = word.strip_prefix(prefix) {
                    let suffix: String = rest
                        .trim_start_matches(|c: char| c.is_ascii_digit())
                        .chars()
                        .take_while(|c| c.is_ascii_alphabetic())
                        .collect();
                    if suffix.contains('S') {
                        return Some(format!("GuardLogix catalogue number {word}"));
                    }
                }
            }
        }
    }
    None
}

fn safety_identity(s: &Signals<'_>) -> Option<String> {
    let why = if s.cip_device_types.contains(&0x23) {
        Some("states CIP device type Safety Discrete I/O Device (35)".to_string())
    } else if let Some(t) = s.any_text(&[
        "guardlogix",
        "tricon",
        "himax",
        "himatrix",
        "prosafe",
        "pnoz",
        "pss 4000",
        "safety",
        "f-cpu",
    ]) {
        Some(format!("states product {t:?}"))
    } else {
        siemens_f_cpu(s)
            .or_else(|| guardlogix(s))
            .map(|w| format!("states {w}"))
    };
    why.map(|w| format!("{w}: part of a safety system, safety_controller"))
}

fn hmi_identity(s: &Signals<'_>) -> Option<String> {
    if s.cip_device_types.contains(&0x18) {
        return Some("states CIP device type Human-Machine Interface (24): hmi".into());
    }
    s.any_text(&[
        "panelview",
        "hmi",
        "operator panel",
        "comfort panel",
        "basic panel",
        "ktp",
        "magelis",
    ])
    .map(|t| format!("states product {t:?}: hmi"))
}

fn controller_identity(s: &Signals<'_>) -> Option<String> {
    if s.cip_device_types.contains(&0x0e) {
        return Some(
            "states CIP device type Programmable Logic Controller (14): controller".into(),
        );
    }
    if s.cip_device_types.contains(&0x10) {
        return Some("states CIP device type Position Controller (16): controller".into());
    }
    s.any_text(&[
        "cpu",
        "plc",
        "logix",
        "modicon",
        "melsec",
        "simatic s7",
        "rtu",
        "roc800",
        "twincat",
        "controller",
    ])
    .map(|t| format!("states product {t:?}: controller"))
}

/// CIP device types of drives, I/O and field instruments.
const CIP_IO_TYPES: &[u16] = &[
    0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x09, 0x13, 0x15, 0x16, 0x17, 0x1a, 0x1b, 0x1c, 0x22, 0x25,
];

fn io_identity(s: &Signals<'_>) -> Option<String> {
    if let Some(code) = s.cip_device_types.iter().find(|c| CIP_IO_TYPES.contains(c)) {
        let name = s.attribute("device_type").unwrap_or("an I/O type");
        return Some(format!(
            "states CIP device type {name} (code {code}): io_module"
        ));
    }
    if let Some(r) = s.attribute("profinet_role") {
        let r = r.to_ascii_lowercase();
        if r.contains("io-device") && !r.contains("controller") {
            return Some("announces PROFINET role IO-Device: io_module".into());
        }
    }
    s.attribute("hart_device_type")
        .map(|t| format!("states a HART identity (device type {t}): field device, io_module"))
}

fn network_identity(s: &Signals<'_>) -> Option<String> {
    if s.cip_device_types.contains(&0x2c) {
        return Some("states CIP device type Managed Switch (44): network_device".into());
    }
    if s.cip_device_types.contains(&0x0c) {
        return Some(
            "states CIP device type Communications Adapter (12): a bridge into a chassis \
             or network, network_device"
                .into(),
        );
    }
    if let Some(note) = &s.asset.note {
        if note.contains("router or gateway") {
            return Some(format!("{note}: network_device"));
        }
    }
    if s.asset
        .attributes
        .iter()
        .any(|a| a.evidence.protocol == "cdp")
    {
        return Some("announces itself by CDP: network_device".into());
    }
    if s.children > 0 {
        return Some(format!(
            "fronts {} device(s) recorded behind it: gateway, network_device",
            s.children
        ));
    }
    None
}

fn serves_control_protocol(s: &Signals<'_>) -> Option<String> {
    let (token, port, transport) = s
        .served
        .iter()
        .find(|(t, _, _)| CONTROL_PROTOCOLS.contains(t))?;
    let on = match port {
        Some(p) => format!(" on {p}/{transport}"),
        None => String::new(),
    };
    let functions = s.served_names(token);
    let serves = if functions.is_empty() {
        String::new()
    } else {
        format!(" and serves {}", functions.join(", "))
    };
    Some(format!("answers {token}{on}{serves}: controller"))
}

fn io_controller(s: &Signals<'_>) -> Option<String> {
    if let Some(r) = s.attribute("profinet_role") {
        if r.to_ascii_lowercase().contains("controller") {
            return Some("announces PROFINET role IO controller: controller".into());
        }
    }
    s.invoked
        .keys()
        .any(|(_, p, f)| *p == "profinet_io_cm" && f.eq_ignore_ascii_case("connect"))
        .then(|| "sets up PROFINET IO connections (Connect) to IO devices: controller".into())
}

fn engineering_actions(s: &Signals<'_>) -> Option<String> {
    let mut parts = Vec::new();
    for (kind, verb) in [
        (FunctionKind::ProgramTransfer, "transfers programs or files"),
        (FunctionKind::DeviceControl, "starts, stops or restarts"),
        (FunctionKind::Engineering, "uses engineering functions"),
    ] {
        let (servers, functions) = s.invoked_kinds(&[kind]);
        if servers.is_empty() {
            continue;
        }
        parts.push(format!(
            "{verb} ({}) on {}",
            functions
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            s.names_of(&servers)
        ));
    }
    (!parts.is_empty()).then(|| format!("{}: engineering workstation", parts.join("; ")))
}

fn identity_sweep(s: &Signals<'_>) -> Option<String> {
    let (servers, functions) = s.invoked_kinds(&[FunctionKind::IdentityRead]);
    (servers.len() >= 3).then(|| {
        format!(
            "reads identity ({}) from {} devices ({}): engineering workstation or scanner",
            functions
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            servers.len(),
            s.names_of(&servers)
        )
    })
}

/// A console reads process data cyclically; a person commissioning, diagnosing or
/// maintaining a device reads its identity and diagnostics (and may write to it) without
/// polling it. Discovery broadcasts (`net:` destinations) do not count.
fn identity_without_polling(s: &Signals<'_>) -> Option<String> {
    let (identified, _) = s.invoked_kinds(&[FunctionKind::IdentityRead]);
    if identified.is_empty() {
        return None;
    }
    let (polled, _) = s.invoked_kinds(&[FunctionKind::Read]);
    let targets: BTreeSet<&str> = identified
        .into_iter()
        .filter(|k| !polled.contains(k) && !k.starts_with("net:"))
        .collect();
    if targets.is_empty() {
        return None;
    }
    let functions: Vec<&str> = s
        .invoked
        .iter()
        .filter(|((kind, _, _), on)| {
            matches!(
                kind,
                FunctionKind::IdentityRead | FunctionKind::Write | FunctionKind::Command
            ) && on.iter().any(|k| targets.contains(k))
        })
        .map(|((_, _, f), _)| *f)
        .take(4)
        .collect();
    Some(format!(
        "reads the identity or diagnostics of {} without polling it ({}): commissioning, \
         diagnostics or maintenance, engineering workstation",
        s.names_of(&targets),
        functions.join(", ")
    ))
}

fn historian_name(s: &Signals<'_>) -> Option<String> {
    const WORDS: &[&str] = &[
        "historian",
        "osisoft",
        "pi server",
        "pi data archive",
        "aveva insight",
    ];
    let names = s.asset.attributes.iter().filter(|a| {
        matches!(
            a.name.as_str(),
            "hostname" | "opcua_application_name" | "software" | "model" | "http_title"
        )
    });
    for a in names {
        let v = a.value.to_lowercase();
        let named = WORDS.iter().any(|w| v.contains(w))
            || (a.name == "hostname"
                && v.split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|w| w.starts_with("hist")));
        if named {
            return Some(format!("{} {:?}: historian", a.name, a.value));
        }
    }
    None
}

fn serves_opc(s: &Signals<'_>) -> Option<String> {
    let (_, port, transport) = s.served.iter().find(|(t, _, _)| *t == "opcua")?;
    let on = port
        .map(|p| format!(" on {p}/{transport}"))
        .unwrap_or_default();
    Some(format!("answers OPC UA{on}: opc_server"))
}

fn control_polling(s: &Signals<'_>) -> String {
    let keys: BTreeSet<&str> = s.control_servers.keys().copied().collect();
    let protocols: BTreeSet<&str> = s.control_servers.values().flatten().copied().collect();
    format!(
        "polls {} device(s) over {} ({})",
        keys.len(),
        protocols.into_iter().collect::<Vec<_>>().join(", "),
        s.names_of(&keys)
    )
}

fn polls_many_controllers(s: &Signals<'_>) -> Option<String> {
    (s.control_servers.len() >= 3).then(|| format!("{}: scada_server", control_polling(s)))
}

fn polls_few_controllers(s: &Signals<'_>) -> Option<String> {
    let n = s.control_servers.len();
    (n > 0 && n < 3).then(|| format!("{}: hmi", control_polling(s)))
}

/// Every BACnet device, workstations included, announces a device object; one that does
/// nothing else a workstation would do is a building controller.
fn bacnet_device(s: &Signals<'_>) -> Option<String> {
    let instance = s
        .asset
        .attributes
        .iter()
        .find(|a| a.name == "bacnet_device_instance" && a.evidence.protocol == "bacnet")?;
    Some(format!(
        "announces BACnet device {} ({}): building controller, controller",
        instance.value, instance.evidence.message
    ))
}

fn field_device_protocol(s: &Signals<'_>) -> Option<String> {
    let (token, port, transport) = s
        .served
        .iter()
        .find(|(t, _, _)| matches!(*t, "hart_ip" | "profinet_io_cm" | "c1222"))?;
    let on = port
        .map(|p| format!(" on {p}/{transport}"))
        .unwrap_or_default();
    Some(format!("answers {token}{on}: field device, io_module"))
}

fn it_protocols(s: &Signals<'_>) -> Option<String> {
    let mut seen: Vec<&str> = s
        .served
        .iter()
        .map(|(t, _, _)| *t)
        .chain(s.used.iter().copied())
        .filter(|t| IT_PROTOCOLS.contains(t))
        .collect();
    seen.sort();
    seen.dedup();
    let os = s
        .attribute("smb_native_os")
        .or_else(|| s.attribute("windows_domain"))
        .or_else(|| s.attribute("http_user_agent"));
    if seen.is_empty() && os.is_none() {
        return None;
    }
    let mut why = Vec::new();
    if !seen.is_empty() {
        why.push(format!("speaks {}", seen.join(", ")));
    }
    if let Some(os) = os {
        why.push(format!("states {os:?}"));
    }
    Some(format!(
        "{} and nothing industrial: it_host",
        why.join(" and ")
    ))
}

fn network_vendor(s: &Signals<'_>) -> Option<String> {
    let v = s.vendor.as_ref()?;
    NETWORK_VENDORS
        .iter()
        .find(|w| v.contains(*w))
        .map(|w| format!("made by {w}, a maker of network equipment: network_device"))
}

fn lldp_only(s: &Signals<'_>) -> Option<String> {
    s.asset
        .attributes
        .iter()
        .any(|a| a.evidence.protocol == "lldp")
        .then(|| "announces itself by LLDP and serves nothing industrial: network_device".into())
}

// ---------------------------------------------------------------------------------------
// Purdue level

/// Services every host uses whatever its level.
const INFRASTRUCTURE_PROTOCOLS: &[&str] = &[
    "dhcp",
    "dhcpv6",
    "dns",
    "mdns",
    "llmnr",
    "ntp",
    "syslog",
    "netbios-ns",
    "netbios-dgm",
    "ssdp",
];

fn role_level(role: AssetRole) -> Option<PurdueLevel> {
    match role {
        AssetRole::IoModule => Some(PurdueLevel::Process),
        AssetRole::Controller | AssetRole::SafetyController => Some(PurdueLevel::BasicControl),
        AssetRole::Hmi
        | AssetRole::ScadaServer
        | AssetRole::EngineeringWorkstation
        | AssetRole::Historian
        | AssetRole::OpcServer => Some(PurdueLevel::Supervisory),
        AssetRole::ItHost => Some(PurdueLevel::Business),
        AssetRole::NetworkDevice | AssetRole::Unknown => None,
    }
}

fn is_field_or_control(role: AssetRole) -> bool {
    matches!(
        role,
        AssetRole::IoModule | AssetRole::Controller | AssetRole::SafetyController
    )
}

/// Roles that sit at level 2 or below.
fn is_ot(role: AssetRole) -> bool {
    is_field_or_control(role)
        || matches!(
            role,
            AssetRole::Hmi | AssetRole::ScadaServer | AssetRole::EngineeringWorkstation
        )
}

fn infer_level(
    asset: &Asset,
    role: AssetRole,
    ctx: &FusionContext<'_>,
) -> (Option<PurdueLevel>, Vec<String>) {
    // Address, name and time services reach every level: they do not make a bridge, but
    // a network device serving them sits with its clients.
    let mut all_peers: Vec<(&str, Peer, bool)> = Vec::new();
    for e in ctx.edges_of(&asset.key) {
        let infrastructure =
            protocol_tokens(&e.protocol).all(|t| INFRASTRUCTURE_PROTOCOLS.contains(&t));
        let other = if e.client == asset.key {
            &e.server
        } else {
            &e.client
        };
        if other != &asset.key {
            if let Some(p) = ctx.peer(other) {
                all_peers.push((other.as_str(), p, infrastructure));
            }
        }
    }
    // One entry per peer, infrastructure-only when every edge with it was.
    all_peers.sort_by(|a, b| a.0.cmp(b.0).then(a.2.cmp(&b.2)));
    all_peers.dedup_by(|later, first| later.0 == first.0);
    let pick = |f: &dyn Fn(&Peer) -> bool| -> Vec<&str> {
        all_peers
            .iter()
            .filter(|(_, p, infrastructure)| !infrastructure && f(p))
            .map(|(k, _, _)| *k)
            .collect()
    };
    let names = |keys: &[&str]| {
        let mut n: Vec<String> = keys.iter().take(3).map(|k| ctx.label(k)).collect();
        if keys.len() > 3 {
            n.push(format!("{} more", keys.len() - 3));
        }
        n.join(", ")
    };
    let it_peers = pick(&|p| p.role == AssetRole::ItHost || p.internal == Some(false));
    let outside = asset.internal == Some(false);
    let mut reasons = Vec::new();

    // A communications module sits in the controller's chassis, whatever it talks to.
    let in_chassis = role == AssetRole::NetworkDevice
        && asset
            .attributes
            .iter()
            .any(|a| a.name == "device_type" && a.value.ends_with("(12)"));
    if in_chassis {
        return (
            Some(PurdueLevel::BasicControl),
            vec!["communications adapter in a controller chassis: level 1".into()],
        );
    }
    if is_field_or_control(role) {
        let level = role_level(role);
        reasons.push(format!(
            "{}: level {}",
            role.as_str(),
            level.map(PurdueLevel::as_str).unwrap_or("-")
        ));
        if !it_peers.is_empty() {
            reasons.push(format!(
                "also talks to IT or outside hosts ({}): check the segmentation",
                names(&it_peers)
            ));
        }
        if outside {
            reasons.push(
                "no address inside the site's networks: check the site's internal networks".into(),
            );
        }
        return (level, reasons);
    }
    let control_peers = pick(&|p| is_field_or_control(p.role));
    let ot_peers = pick(&|p| is_ot(p.role));
    let supervisory_peers = pick(&|p| {
        matches!(
            p.role,
            AssetRole::Hmi
                | AssetRole::ScadaServer
                | AssetRole::OpcServer
                | AssetRole::Historian
                | AssetRole::EngineeringWorkstation
        )
    });
    if outside
        && matches!(
            role,
            AssetRole::ItHost | AssetRole::Unknown | AssetRole::NetworkDevice
        )
    {
        return (
            Some(PurdueLevel::Enterprise),
            vec!["no address inside the site's networks: outside the site, level 5".into()],
        );
    }
    // Consoles stay at level 2 when an IT host reaches them (remote desktop, file shares):
    // the IT host is the bridge, and the console's reasons point at the path.
    let console = matches!(role, AssetRole::Hmi | AssetRole::EngineeringWorkstation);
    if console && !it_peers.is_empty() {
        reasons.push(format!(
            "also talks to IT or outside hosts ({}): check the segmentation",
            names(&it_peers)
        ));
    }
    if !console && !ot_peers.is_empty() && !it_peers.is_empty() && role != AssetRole::NetworkDevice
    {
        return (
            Some(PurdueLevel::Dmz),
            vec![format!(
                "talks to level 2 or lower assets ({}) and to IT or outside hosts ({}): \
                 bridges IT and OT, level 3.5",
                names(&ot_peers),
                names(&it_peers)
            )],
        );
    }
    match role {
        AssetRole::Hmi | AssetRole::EngineeringWorkstation => {
            reasons.insert(0, format!("{}: level 2", role.as_str()));
            (Some(PurdueLevel::Supervisory), reasons)
        }
        AssetRole::ScadaServer | AssetRole::Historian | AssetRole::OpcServer => {
            if control_peers.is_empty() && !supervisory_peers.is_empty() {
                reasons.push(format!(
                    "{} that talks to supervisory assets ({}) but to no controller: \
                     a site-wide server, level 3",
                    role.as_str(),
                    names(&supervisory_peers)
                ));
                (Some(PurdueLevel::Operations), reasons)
            } else {
                reasons.push(if control_peers.is_empty() {
                    format!("{}: level 2", role.as_str())
                } else {
                    format!(
                        "{} that talks to controllers ({}): level 2",
                        role.as_str(),
                        names(&control_peers)
                    )
                });
                (Some(PurdueLevel::Supervisory), reasons)
            }
        }
        AssetRole::ItHost => (
            Some(PurdueLevel::Business),
            vec!["it_host inside the site that reaches no level 2 or lower asset: level 4".into()],
        ),
        AssetRole::NetworkDevice => {
            let levels: BTreeSet<PurdueLevel> = all_peers
                .iter()
                .filter_map(|(_, p, _)| role_level(p.role))
                .collect();
            match levels.first() {
                Some(l) => (
                    Some(*l),
                    vec![format!(
                        "network_device: the lowest level of the assets it talks to, level {}",
                        l.as_str()
                    )],
                ),
                None => (
                    None,
                    vec!["network_device whose peers have no known level: not inferred".into()],
                ),
            }
        }
        _ => (
            None,
            vec!["role unknown: no level inferred; set one with `otwatch assets edit`".into()],
        ),
    }
}

#[cfg(test)]
mod tests;
