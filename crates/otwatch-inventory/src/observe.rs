//! Facts gathered per packet, kept small and mergeable.

use ahash::AHashMap;
use otwatch_model::ranges::AddressRanges;
use otwatch_model::Micros;
use std::net::IpAddr;

/// Where a fact was seen: capture index, 1-based frame number, timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EvidenceRef {
    pub ts: Micros,
    pub capture: u32,
    pub frame: u64,
}

/// How an address was tied to a MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Via {
    /// The MAC sent an ARP packet naming the address as its own.
    Arp,
    /// A DHCP server assigned the address to the MAC.
    Dhcp,
    /// The MAC announced the address as its management address in LLDP. A switch may send
    /// LLDP from a port's MAC and answer for the address from another, so the claim yields
    /// to an ARP or DHCP claim of another card.
    Lldp,
    /// The MAC sent IP packets from the address (may be a router forwarding for others).
    IpSource,
}

impl Via {
    pub fn describe(self) -> &'static str {
        match self {
            Via::Arp => "ARP: sender hardware and protocol address",
            Via::Dhcp => "DHCP ACK: address assigned to the client hardware address",
            Via::Lldp => "LLDP management address TLV: the sender's own address",
            Via::IpSource => "IP packet sent from this address by this MAC",
        }
    }
    pub fn protocol(self) -> &'static str {
        match self {
            Via::Arp => "arp",
            Via::Dhcp => "dhcp",
            Via::Lldp => "lldp",
            Via::IpSource => "ip",
        }
    }
}

#[derive(Debug, Clone)]
pub struct IpSighting {
    pub first: EvidenceRef,
    pub last_ts: Micros,
    /// The strongest tie seen, with its evidence.
    pub via: Via,
    pub via_evidence: EvidenceRef,
}

#[derive(Debug, Clone)]
pub struct MacSighting {
    pub first: EvidenceRef,
    pub last_ts: Micros,
    pub frames: u64,
    pub ips: Vec<(IpAddr, IpSighting)>,
    /// Packets from addresses not recorded because the per-MAC list was full.
    pub ips_dropped: u64,
    /// Position of each address in `ips`, built once a MAC has many (a router): keeps the
    /// per-packet lookup constant-time.
    index: Option<AHashMap<IpAddr, usize>>,
}

/// Addresses a MAC is looked up among by a plain scan before an index is built.
const SCAN_LIMIT: usize = 8;

impl MacSighting {
    fn position(&mut self, ip: IpAddr) -> Option<usize> {
        if let Some(index) = &self.index {
            return index.get(&ip).copied();
        }
        let found = self.ips.iter().position(|(a, _)| *a == ip);
        if found.is_none() && self.ips.len() >= SCAN_LIMIT {
            self.index = Some(
                self.ips
                    .iter()
                    .enumerate()
                    .map(|(i, (a, _))| (*a, i))
                    .collect(),
            );
        }
        found
    }

    fn push(&mut self, ip: IpAddr, seen: IpSighting) {
        if let Some(index) = &mut self.index {
            index.insert(ip, self.ips.len());
        }
        self.ips.push((ip, seen));
    }
}

/// A name a host announced or that names it (DHCP, DNS, NetBIOS, LLDP, CDP).
#[derive(Debug, Clone, PartialEq)]
pub struct NameSighting {
    pub mac: Option<[u8; 6]>,
    pub ip: Option<IpAddr>,
    pub name: String,
    pub protocol: &'static str,
    pub message: String,
    pub confidence: f32,
    pub first: EvidenceRef,
    pub count: u64,
}

/// Whom a stated fact is about: the sender's address, its MAC for layer-2 protocols, or a
/// device reached through the host at an address (a gateway, a chassis, a BACnet router).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Ip(IpAddr),
    Mac([u8; 6]),
    /// The device at `path` behind the host at the address. Whether it becomes an asset of
    /// its own or its facts stay with the host is decided when the inventory is built.
    Behind(IpAddr, BehindPath),
}

/// A BACnet MAC address (1 byte on MS/TP, 6 on B/IP or Ethernet, up to 7 on others),
/// kept inline so that paths stay `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BacnetMac {
    len: u8,
    bytes: [u8; 7],
}

impl BacnetMac {
    /// `None` for an empty or over-long address.
    pub fn new(mac: &[u8]) -> Option<BacnetMac> {
        if mac.is_empty() || mac.len() > 7 {
            return None;
        }
        let mut bytes = [0; 7];
        bytes[..mac.len()].copy_from_slice(mac);
        Some(BacnetMac {
            len: mac.len() as u8,
            bytes,
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// "0x12" for one byte, "c0a8000dbac0"-style hex for longer ones.
    pub fn hex(&self) -> String {
        let digits: String = self.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        format!("0x{digits}")
    }
}

/// Where a device sits behind the host that fronts it, as the traffic addressed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BehindPath {
    /// A Modbus/TCP unit identifier.
    ModbusUnit(u8),
    /// The first hop of a CIP route or connection path: a port segment (1 is the
    /// backplane) and its link address (the slot). `hops` counts the port segments of the
    /// whole path: identity answered through more than one hop is not the first hop's.
    CipPort { port: u16, link: u8, hops: u8 },
    /// A device on another BACnet network, named by the router's SNET/SADR.
    Bacnet { network: u16, mac: BacnetMac },
    /// The rack and slot a COTP connection confirm's called TSAP names.
    S7 { rack: u8, slot: u8 },
}

impl BehindPath {
    /// Stable key suffix of a child asset: `unit:3`, `slot:1.2`, `bacnet:5:0x12`,
    /// `rack:0.3`.
    pub fn key_part(&self) -> String {
        match self {
            BehindPath::ModbusUnit(u) => format!("unit:{u}"),
            BehindPath::CipPort { port, link, .. } => format!("slot:{port}.{link}"),
            BehindPath::Bacnet { network, mac } => format!("bacnet:{network}:{}", mac.hex()),
            BehindPath::S7 { rack, slot } => format!("rack:{rack}.{slot}"),
        }
    }

    /// The position shown to people: "Modbus unit 3", "backplane slot 2".
    pub fn describe(&self) -> String {
        match self {
            BehindPath::ModbusUnit(u) => format!("Modbus unit {u}"),
            BehindPath::CipPort { port: 1, link, .. } => format!("backplane slot {link}"),
            BehindPath::CipPort { port, link, .. } => format!("CIP port {port}, link {link}"),
            BehindPath::Bacnet { network, mac } => {
                format!("BACnet network {network}, MAC {}", mac.hex())
            }
            BehindPath::S7 { rack, slot } => format!("rack {rack}, slot {slot}"),
        }
    }

    /// The protocol that revealed the path, for evidence.
    pub fn protocol(&self) -> &'static str {
        match self {
            BehindPath::ModbusUnit(_) => "modbus",
            BehindPath::CipPort { .. } => "cip",
            BehindPath::Bacnet { .. } => "bacnet",
            BehindPath::S7 { .. } => "s7comm",
        }
    }
}

/// A device that answered, or a connection that was accepted, at a path behind a host.
#[derive(Debug, Clone, PartialEq)]
pub struct BehindSighting {
    pub front: IpAddr,
    pub path: BehindPath,
    /// The message that first showed it.
    pub message: String,
    pub first: EvidenceRef,
    pub last_ts: Micros,
    pub count: u64,
    /// It answered or announced itself; a device that only sent requests through its
    /// front (a BACnet workstation on a remote network) is a client there.
    pub answered: bool,
}

/// A fact a device stated about itself in a protocol message: vendor, product code,
/// firmware revision.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeSighting {
    pub subject: Subject,
    pub name: &'static str,
    pub value: String,
    pub protocol: &'static str,
    pub message: String,
    pub confidence: f32,
    pub first: EvidenceRef,
    pub count: u64,
}

/// An attribute is kept once per (address, name, value, protocol).
pub type AttributeKey = (Subject, &'static str, String, &'static str);

/// A name is kept once per (MAC, address, name, protocol).
pub type NameKey = (Option<[u8; 6]>, Option<IpAddr>, String, &'static str);

/// Requests per protocol function on one flow, for the per-edge aggregates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCount {
    pub client: IpAddr,
    pub server: IpAddr,
    /// The device behind the server that the request addressed, where the protocol says.
    pub path: Option<BehindPath>,
    pub protocol: &'static str,
    pub function: String,
    pub count: u64,
    pub first_ts: Micros,
    pub last_ts: Micros,
    pub addresses: AddressRanges,
}

/// Client, server, protocol and function code. Counting a request looks this key up, so
/// equality tries the cheap parts first and the protocol name by pointer before its bytes
/// (names are static; equal ones are nearly always the same literal), and the hash takes
/// the name's length, not its bytes.
#[derive(Debug, Clone, Copy)]
pub struct FunctionKey {
    pub client: IpAddr,
    pub server: IpAddr,
    pub path: Option<BehindPath>,
    pub protocol: &'static str,
    pub code: u16,
}

impl PartialEq for FunctionKey {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.client == other.client
            && self.server == other.server
            && self.path == other.path
            && (std::ptr::eq(self.protocol, other.protocol) || self.protocol == other.protocol)
    }
}

impl Eq for FunctionKey {}

impl std::hash::Hash for FunctionKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.code.hash(state);
        self.client.hash(state);
        self.server.hash(state);
        self.path.hash(state);
        self.protocol.len().hash(state);
    }
}

/// Requests per function and edge. Counting is what dissectors do most, and consecutive
/// counts mostly land on the same entry (a request and the addresses it touched, the
/// services of one Multiple Service Packet), so the last entry is found without hashing.
#[derive(Debug, Clone, Default)]
pub struct FunctionCounts {
    index: AHashMap<FunctionKey, usize>,
    entries: Vec<(FunctionKey, FunctionCount)>,
    last: Option<(FunctionKey, usize)>,
}

impl FunctionCounts {
    fn position(&mut self, key: &FunctionKey) -> Option<usize> {
        if let Some((k, i)) = &self.last {
            if k == key {
                return Some(*i);
            }
        }
        let i = *self.index.get(key)?;
        self.last = Some((*key, i));
        Some(i)
    }

    pub fn get_mut(&mut self, key: &FunctionKey) -> Option<&mut FunctionCount> {
        let i = self.position(key)?;
        Some(&mut self.entries[i].1)
    }

    fn entry(
        &mut self,
        key: FunctionKey,
        make: impl FnOnce() -> FunctionCount,
    ) -> &mut FunctionCount {
        let i = match self.position(&key) {
            Some(i) => i,
            None => {
                let i = self.entries.len();
                self.entries.push((key, make()));
                self.index.insert(key, i);
                self.last = Some((key, i));
                i
            }
        };
        &mut self.entries[i].1
    }

    pub fn values(&self) -> impl Iterator<Item = &FunctionCount> {
        self.entries.iter().map(|(_, f)| f)
    }

    fn reserve(&mut self, more: usize) {
        self.index.reserve(more);
        self.entries.reserve(more);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl IntoIterator for FunctionCounts {
    type Item = (FunctionKey, FunctionCount);
    type IntoIter = std::vec::IntoIter<(FunctionKey, FunctionCount)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// IP addresses kept per MAC; a router forwarding for a whole network reaches it quickly,
/// and beyond it only the count matters.
const MAX_IPS_PER_MAC: usize = 256;
/// Addresses a MAC claimed (ARP, DHCP, LLDP) are kept beyond [`MAX_IPS_PER_MAC`] up to this
/// many entries in all: a claim decides who owns an address, and dropping it in one worker
/// but not another would make the owner depend on how packets were sharded.
const MAX_ADDRESSES_PER_MAC: usize = 4096;
const MAX_NAMES: usize = 100_000;
/// Devices kept behind one host: all 247 Modbus unit ids, or a few MS/TP networks behind a
/// BACnet router. Beyond it only the count matters, kept per host.
pub const MAX_BEHIND_PER_FRONT: usize = 256;
/// Devices kept behind all hosts together by one worker: a scan that finds thousands of
/// gateways must not grow the observations without end.
const MAX_BEHIND: usize = 100_000;

#[derive(Debug, Default, Clone)]
pub struct Observations {
    pub macs: AHashMap<[u8; 6], MacSighting>,
    pub names: AHashMap<NameKey, NameSighting>,
    pub names_dropped: u64,
    pub attributes: AHashMap<AttributeKey, AttributeSighting>,
    /// Keyed by the protocol's function code, so that counting a request allocates nothing.
    pub functions: FunctionCounts,
    /// Devices seen behind a host, by host address and path.
    pub behind: AHashMap<(IpAddr, BehindPath), BehindSighting>,
    /// Devices behind each host, to hold [`MAX_BEHIND_PER_FRONT`].
    behind_per_front: AHashMap<IpAddr, usize>,
    /// Devices not recorded because their host already had the most kept.
    pub behind_dropped: AHashMap<IpAddr, u64>,
}

fn is_unicast_mac(mac: &[u8; 6]) -> bool {
    mac[0] & 1 == 0 && *mac != [0; 6]
}

impl Observations {
    /// A frame from `mac`, optionally sent from `ip`.
    pub fn sighting(&mut self, mac: [u8; 6], ip: Option<IpAddr>, via: Via, ev: EvidenceRef) {
        if !is_unicast_mac(&mac) {
            return;
        }
        let entry = self.macs.entry(mac).or_insert_with(|| MacSighting {
            first: ev,
            last_ts: ev.ts,
            frames: 0,
            ips: Vec::new(),
            ips_dropped: 0,
            index: None,
        });
        entry.frames += 1;
        if ev < entry.first {
            entry.first = ev;
        }
        entry.last_ts = entry.last_ts.max(ev.ts);
        let Some(ip) = ip.filter(is_host_address) else {
            return;
        };
        if let Some(i) = entry.position(ip) {
            let seen = &mut entry.ips[i].1;
            seen.last_ts = seen.last_ts.max(ev.ts);
            if ev < seen.first {
                seen.first = ev;
            }
            if via < seen.via || (via == seen.via && ev < seen.via_evidence) {
                seen.via = via;
                seen.via_evidence = ev;
            }
        } else if entry.ips.len() < MAX_IPS_PER_MAC
            || (via != Via::IpSource && entry.ips.len() < MAX_ADDRESSES_PER_MAC)
        {
            entry.push(
                ip,
                IpSighting {
                    first: ev,
                    last_ts: ev.ts,
                    via,
                    via_evidence: ev,
                },
            );
        } else {
            entry.ips_dropped += 1;
        }
    }

    /// A flow from `mac` and `ip` ended: widen when they were last seen, count its frames.
    pub fn extend(&mut self, mac: [u8; 6], ip: IpAddr, last_ts: Micros, frames: u64) {
        let Some(entry) = self.macs.get_mut(&mac) else {
            return;
        };
        entry.last_ts = entry.last_ts.max(last_ts);
        entry.frames += frames.saturating_sub(1);
        if let Some(i) = entry.position(ip) {
            let seen = &mut entry.ips[i].1;
            seen.last_ts = seen.last_ts.max(last_ts);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn name(
        &mut self,
        mac: Option<[u8; 6]>,
        ip: Option<IpAddr>,
        name: &str,
        protocol: &'static str,
        message: &str,
        confidence: f32,
        ev: EvidenceRef,
    ) {
        let name = name.trim().trim_end_matches('.');
        if name.is_empty() {
            return;
        }
        let mac = mac.filter(is_unicast_mac);
        let key = (mac, ip, name.to_string(), protocol);
        if let Some(seen) = self.names.get_mut(&key) {
            seen.count += 1;
            if ev < seen.first {
                seen.first = ev;
                seen.message = message.to_string();
            }
            return;
        }
        if self.names.len() >= MAX_NAMES {
            self.names_dropped += 1;
            return;
        }
        let sighting = NameSighting {
            mac,
            ip,
            name: key.2.clone(),
            protocol,
            message: message.to_string(),
            confidence,
            first: ev,
            count: 1,
        };
        self.names.insert(key, sighting);
    }

    #[allow(clippy::too_many_arguments)]
    pub fn attribute(
        &mut self,
        subject: Subject,
        name: &'static str,
        value: &str,
        protocol: &'static str,
        message: &str,
        confidence: f32,
        ev: EvidenceRef,
    ) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let key = (subject, name, value.to_string(), protocol);
        if let Some(seen) = self.attributes.get_mut(&key) {
            seen.count += 1;
            if ev < seen.first {
                seen.first = ev;
                seen.message = message.to_string();
            }
            return;
        }
        if self.attributes.len() >= MAX_NAMES {
            self.names_dropped += 1;
            return;
        }
        let sighting = AttributeSighting {
            subject,
            name,
            value: key.2.clone(),
            protocol,
            message: message.to_string(),
            confidence,
            first: ev,
            count: 1,
        };
        self.attributes.insert(key, sighting);
    }

    /// A device answered (or accepted a connection) at `path` behind the host at `front`;
    /// `message` names what showed it and is asked only the first time.
    pub fn behind(
        &mut self,
        front: IpAddr,
        path: BehindPath,
        message: impl FnOnce() -> String,
        ev: EvidenceRef,
    ) {
        self.behind_seen(front, path, true, message, ev);
    }

    /// A device at `path` behind `front` sent a request through it.
    pub fn behind_asking(
        &mut self,
        front: IpAddr,
        path: BehindPath,
        message: impl FnOnce() -> String,
        ev: EvidenceRef,
    ) {
        self.behind_seen(front, path, false, message, ev);
    }

    fn behind_seen(
        &mut self,
        front: IpAddr,
        path: BehindPath,
        answered: bool,
        message: impl FnOnce() -> String,
        ev: EvidenceRef,
    ) {
        if let Some(seen) = self.behind.get_mut(&(front, path)) {
            seen.answered |= answered;
            seen.count += 1;
            seen.last_ts = seen.last_ts.max(ev.ts);
            if ev < seen.first {
                seen.first = ev;
                seen.message = message();
            }
            return;
        }
        let kept = self.behind_per_front.entry(front).or_insert(0);
        if *kept >= MAX_BEHIND_PER_FRONT || self.behind.len() >= MAX_BEHIND {
            *self.behind_dropped.entry(front).or_insert(0) += 1;
            return;
        }
        *kept += 1;
        self.behind.insert(
            (front, path),
            BehindSighting {
                front,
                path,
                message: message(),
                first: ev,
                last_ts: ev.ts,
                count: 1,
                answered,
            },
        );
    }

    /// One request for function `code` of `protocol`; `label` names it, and is asked only
    /// the first time the function is seen on this edge.
    pub fn function(
        &mut self,
        client: IpAddr,
        server: IpAddr,
        protocol: &'static str,
        code: u16,
        label: impl FnOnce() -> String,
        ts: Micros,
    ) {
        self.function_at(client, server, None, protocol, code, label, ts);
    }

    /// As [`function`](Self::function), for a request addressed to the device at `path`
    /// behind the server (a Modbus unit behind a gateway).
    #[allow(clippy::too_many_arguments)]
    pub fn function_at(
        &mut self,
        client: IpAddr,
        server: IpAddr,
        path: Option<BehindPath>,
        protocol: &'static str,
        code: u16,
        label: impl FnOnce() -> String,
        ts: Micros,
    ) {
        let e = self.functions.entry(
            FunctionKey {
                client,
                server,
                path,
                protocol,
                code,
            },
            || FunctionCount {
                client,
                server,
                path,
                protocol,
                function: label(),
                count: 0,
                first_ts: ts,
                last_ts: ts,
                addresses: AddressRanges::default(),
            },
        );
        e.count += 1;
        e.first_ts = e.first_ts.min(ts);
        e.last_ts = e.last_ts.max(ts);
    }

    /// The addresses `first..=last` of `space` that a request for function `code` (already
    /// counted with [`function`](Self::function)) touched.
    #[allow(clippy::too_many_arguments)]
    pub fn function_addresses(
        &mut self,
        client: IpAddr,
        server: IpAddr,
        protocol: &'static str,
        code: u16,
        space: &str,
        first: u64,
        last: u64,
    ) {
        self.function_addresses_at(client, server, None, protocol, code, space, first, last);
    }

    /// As [`function_addresses`](Self::function_addresses), for a request counted with
    /// [`function_at`](Self::function_at).
    #[allow(clippy::too_many_arguments)]
    pub fn function_addresses_at(
        &mut self,
        client: IpAddr,
        server: IpAddr,
        path: Option<BehindPath>,
        protocol: &'static str,
        code: u16,
        space: &str,
        first: u64,
        last: u64,
    ) {
        let key = FunctionKey {
            client,
            server,
            path,
            protocol,
            code,
        };
        if let Some(e) = self.functions.get_mut(&key) {
            e.addresses.add(space, first, last);
        }
    }

    /// Folds another worker's observations in; the result does not depend on the order.
    pub fn merge(&mut self, mut other: Observations) {
        let theirs = std::mem::take(&mut other.functions);
        self.merge_all_but_functions(other);
        merge_functions(&mut self.functions, theirs);
    }

    /// [`merge`](Self::merge) on two threads: the function counts, the biggest part on a
    /// large site, are folded in beside everything else.
    pub fn merge_in_parallel(&mut self, mut other: Observations) {
        let theirs = std::mem::take(&mut other.functions);
        let mut mine = std::mem::take(&mut self.functions);
        std::thread::scope(|scope| {
            scope.spawn(|| merge_functions(&mut mine, theirs));
            self.merge_all_but_functions(other);
        });
        self.functions = mine;
    }

    fn merge_all_but_functions(&mut self, other: Observations) {
        for (mac, theirs) in other.macs {
            match self.macs.get_mut(&mac) {
                None => {
                    self.macs.insert(mac, theirs);
                }
                Some(mine) => {
                    mine.frames += theirs.frames;
                    mine.first = mine.first.min(theirs.first);
                    mine.last_ts = mine.last_ts.max(theirs.last_ts);
                    mine.ips_dropped += theirs.ips_dropped;
                    for (ip, s) in theirs.ips {
                        if let Some(i) = mine.position(ip) {
                            let m = &mut mine.ips[i].1;
                            m.first = m.first.min(s.first);
                            m.last_ts = m.last_ts.max(s.last_ts);
                            if (s.via, s.via_evidence) < (m.via, m.via_evidence) {
                                m.via = s.via;
                                m.via_evidence = s.via_evidence;
                            }
                        } else {
                            mine.push(ip, s);
                        }
                    }
                    // Keep the earliest addresses, as a single worker reading in time order
                    // would have: the result must not depend on how packets were sharded.
                    // Claims beyond stay (see MAX_ADDRESSES_PER_MAC).
                    if mine.ips.len() > MAX_IPS_PER_MAC {
                        mine.ips.sort_by_key(|(ip, s)| (s.first, *ip));
                        let before = mine.ips.len();
                        let mut rank = 0;
                        mine.ips.retain(|(_, s)| {
                            rank += 1;
                            rank <= MAX_IPS_PER_MAC || s.via != Via::IpSource
                        });
                        mine.ips.truncate(MAX_ADDRESSES_PER_MAC);
                        mine.ips_dropped += (before - mine.ips.len()) as u64;
                        mine.index = None;
                    }
                }
            }
        }
        for (key, theirs) in other.names {
            match self.names.get_mut(&key) {
                None => {
                    self.names.insert(key, theirs);
                }
                Some(mine) => {
                    mine.count += theirs.count;
                    if theirs.first < mine.first {
                        mine.first = theirs.first;
                        mine.message = theirs.message;
                    }
                }
            }
        }
        self.names_dropped += other.names_dropped;
        self.attributes.reserve(other.attributes.len());
        for (key, theirs) in other.attributes {
            match self.attributes.get_mut(&key) {
                None => {
                    self.attributes.insert(key, theirs);
                }
                Some(mine) => {
                    mine.count += theirs.count;
                    if theirs.first < mine.first {
                        mine.first = theirs.first;
                        mine.message = theirs.message;
                    }
                }
            }
        }
        self.merge_behind(other.behind, other.behind_dropped);
    }
}

fn merge_functions(mine: &mut FunctionCounts, theirs: FunctionCounts) {
    // Both directions of a conversation go to one worker, so the workers' functions rarely
    // overlap: room for all of them is made once.
    mine.reserve(theirs.len());
    for (key, theirs) in theirs {
        let mut theirs = Some(theirs);
        let entry = mine.entry(key, || theirs.take().expect("taken once"));
        if let Some(theirs) = theirs {
            entry.count += theirs.count;
            entry.first_ts = entry.first_ts.min(theirs.first_ts);
            entry.last_ts = entry.last_ts.max(theirs.last_ts);
            entry.addresses.merge(&theirs.addresses);
        }
    }
}

impl Observations {
    fn merge_behind(
        &mut self,
        theirs: AHashMap<(IpAddr, BehindPath), BehindSighting>,
        dropped: AHashMap<IpAddr, u64>,
    ) {
        for (front, n) in dropped {
            *self.behind_dropped.entry(front).or_insert(0) += n;
        }
        let mut grown = Vec::new();
        for (key, s) in theirs {
            match self.behind.get_mut(&key) {
                Some(mine) => {
                    mine.count += s.count;
                    mine.answered |= s.answered;
                    mine.last_ts = mine.last_ts.max(s.last_ts);
                    if s.first < mine.first {
                        mine.first = s.first;
                        mine.message = s.message;
                    }
                }
                None => {
                    let kept = self.behind_per_front.entry(key.0).or_insert(0);
                    *kept += 1;
                    if *kept > MAX_BEHIND_PER_FRONT {
                        grown.push(key.0);
                    }
                    self.behind.insert(key, s);
                }
            }
        }
        // Keep the devices seen first, as a single worker reading in time order would
        // have: the result must not depend on how packets were sharded.
        grown.sort();
        grown.dedup();
        for front in grown {
            let mut paths: Vec<_> = self
                .behind
                .values()
                .filter(|s| s.front == front)
                .map(|s| (s.first, s.path))
                .collect();
            paths.sort();
            for (_, path) in paths.iter().skip(MAX_BEHIND_PER_FRONT) {
                if let Some(s) = self.behind.remove(&(front, *path)) {
                    *self.behind_dropped.entry(front).or_insert(0) += s.count;
                }
            }
            self.behind_per_front
                .insert(front, paths.len().min(MAX_BEHIND_PER_FRONT));
        }
    }
}

/// Addresses that can belong to one host: not unspecified, broadcast or multicast.
pub fn is_host_address(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !(v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast()),
        IpAddr::V6(v6) => !(v6.is_unspecified() || v6.is_multicast()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ts: i64, frame: u64) -> EvidenceRef {
        EvidenceRef {
            ts,
            capture: 0,
            frame,
        }
    }

    #[test]
    fn merge_is_order_independent() {
        let mac = [0, 0x80, 0xf4, 1, 2, 3];
        let ip: IpAddr = "10.20.1.11".parse().unwrap();
        let mut a = Observations::default();
        a.sighting(mac, Some(ip), Via::IpSource, ev(5, 5));
        a.name(Some(mac), None, "PLC-1", "dhcp", "late", 1.0, ev(9, 9));
        let mut b = Observations::default();
        b.sighting(mac, Some(ip), Via::Arp, ev(7, 7));
        b.name(Some(mac), None, "PLC-1", "dhcp", "early", 1.0, ev(2, 2));

        let (mut ab, mut ba) = (Observations::default(), Observations::default());
        let clone = |o: &Observations| Observations {
            macs: o.macs.clone(),
            names: o.names.clone(),
            names_dropped: 0,
            attributes: o.attributes.clone(),
            functions: o.functions.clone(),
            ..Default::default()
        };
        ab.merge(clone(&a));
        ab.merge(clone(&b));
        ba.merge(b);
        ba.merge(a);
        for o in [&ab, &ba] {
            let m = &o.macs[&mac];
            assert_eq!(m.first, ev(5, 5));
            assert_eq!(m.ips[0].1.via, Via::Arp);
            let n = o.names.values().next().unwrap();
            assert_eq!((n.message.as_str(), n.count), ("early", 2));
        }
    }

    #[test]
    fn capped_address_list_does_not_depend_on_sharding() {
        let router = [0, 0, 0x0c, 1, 1, 1];
        let ip = |i: u32| IpAddr::from((0x0a00_0000 + i).to_be_bytes());
        let mut single = Observations::default();
        let (mut even, mut odd) = (Observations::default(), Observations::default());
        for i in 0..600u32 {
            let e = ev(i64::from(i), u64::from(i) + 1);
            single.sighting(router, Some(ip(i)), Via::IpSource, e);
            let shard = if i % 2 == 0 { &mut even } else { &mut odd };
            shard.sighting(router, Some(ip(i)), Via::IpSource, e);
        }
        let mut merged = Observations::default();
        merged.merge(odd);
        merged.merge(even);
        let kept = |o: &Observations| {
            let mut v: Vec<IpAddr> = o.macs[&router].ips.iter().map(|(a, _)| *a).collect();
            v.sort();
            v
        };
        assert_eq!(kept(&single).len(), MAX_IPS_PER_MAC);
        assert_eq!(kept(&single), kept(&merged));
    }

    /// A router's address list is full in one worker; the ARP claim of an address seen late
    /// lands there, while another worker saw the address earlier. Whatever the split, the
    /// claim is kept: it decides which card owns the address.
    #[test]
    fn a_claim_beyond_the_cap_is_kept_whatever_the_sharding() {
        let router = [0, 0, 0x0c, 1, 1, 1];
        let ip = |i: u32| IpAddr::from((0x0a00_0000 + i).to_be_bytes());
        let claimed = ip(10_000);
        let owner = |o: &Observations| {
            o.macs[&router]
                .ips
                .iter()
                .find(|(a, _)| *a == claimed)
                .map(|(_, s)| (s.via, s.via_evidence))
        };
        let mut single = Observations::default();
        let (mut full, mut other) = (Observations::default(), Observations::default());
        other.sighting(router, Some(claimed), Via::IpSource, ev(1, 1));
        single.sighting(router, Some(claimed), Via::IpSource, ev(1, 1));
        for i in 0..400u32 {
            let e = ev(i64::from(i) + 2, u64::from(i) + 2);
            full.sighting(router, Some(ip(i)), Via::IpSource, e);
            single.sighting(router, Some(ip(i)), Via::IpSource, e);
        }
        full.sighting(router, Some(claimed), Via::Arp, ev(900, 900));
        single.sighting(router, Some(claimed), Via::Arp, ev(900, 900));
        let mut merged = Observations::default();
        merged.merge(full);
        merged.merge(other);
        assert_eq!(owner(&single), Some((Via::Arp, ev(900, 900))));
        assert_eq!(owner(&merged), owner(&single));
        let count = |o: &Observations| o.macs[&router].ips.len();
        assert_eq!(count(&merged), count(&single));
    }

    #[test]
    fn broadcast_and_multicast_are_not_host_addresses() {
        let mut o = Observations::default();
        o.sighting(
            [0xff; 6],
            Some("10.0.0.1".parse().unwrap()),
            Via::IpSource,
            ev(1, 1),
        );
        o.sighting(
            [0, 1, 2, 3, 4, 5],
            Some("255.255.255.255".parse().unwrap()),
            Via::IpSource,
            ev(1, 1),
        );
        assert!(o.macs.len() == 1 && o.macs.values().next().unwrap().ips.is_empty());
    }
}
