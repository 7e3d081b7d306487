//! From merged observations and finished flows to assets, edges and aggregates.

use crate::observe::{is_host_address, EvidenceRef, Observations, Subject, Via};
use otwatch_model::site::SiteNetworks;
use otwatch_model::{
    Asset, AssetProtocol, Attribute, Edge, Evidence, FlowRecord, FunctionAggregate, IdentifiedBy,
    ProtocolRole,
};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::net::IpAddr;

#[derive(Debug, Clone)]
pub struct InventoryOptions {
    /// A MAC that sends from more addresses than this, not claimed by ARP or DHCP, is taken
    /// to be a router: the addresses behind it become assets of their own.
    pub router_ip_threshold: usize,
    /// Addresses a person split from the MAC they were seen with (`otwatch assets split`):
    /// they become assets of their own, with their own traffic, as addresses behind a
    /// router do.
    pub split_ips: BTreeSet<IpAddr>,
    /// Threads that fuse identities on large inventories.
    pub threads: usize,
}

impl Default for InventoryOptions {
    fn default() -> Self {
        Self {
            router_ip_threshold: 4,
            split_ips: BTreeSet::new(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub assets: Vec<Asset>,
    pub edges: Vec<Edge>,
    pub functions: Vec<FunctionAggregate>,
}

fn mac_string(mac: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]
    )
}

/// An asset's place in the [`AssetTable`]: the build refers to assets by number, so that
/// the address indexes, the edges and the function counts hash and copy four bytes where
/// they would otherwise clone a key string.
pub(crate) type AssetId = u32;

/// The assets being built, in creation order, found by key. Assets are large (hundreds of
/// bytes) and a site may have a hundred thousand: they are boxed so that neither growing
/// the table nor sorting it moves them.
#[derive(Default)]
#[allow(clippy::vec_box)] // boxed on purpose, see above
pub(crate) struct AssetTable {
    list: Vec<Box<Asset>>,
    index: ahash::AHashMap<String, AssetId>,
}

impl AssetTable {
    pub(crate) fn at_mut(&mut self, id: AssetId) -> &mut Asset {
        &mut self.list[id as usize]
    }

    pub(crate) fn key(&self, id: AssetId) -> &str {
        &self.list[id as usize].key
    }

    /// Adds `make()` under `key` unless an asset has that key; returns its id either way.
    fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> Asset) -> AssetId {
        match self.index.get(key) {
            Some(&id) => id,
            None => {
                let id = AssetId::try_from(self.list.len()).expect("fewer than 4 billion assets");
                self.list.push(Box::new(make()));
                self.index.insert(key.to_string(), id);
                id
            }
        }
    }

    #[allow(clippy::vec_box)]
    fn into_vec(self) -> Vec<Box<Asset>> {
        self.list
    }
}

pub(crate) struct Builder<'a> {
    captures: &'a [String],
    pub(crate) assets: AssetTable,
    pub(crate) by_ip: ahash::AHashMap<IpAddr, AssetId>,
    pub(crate) by_mac: ahash::AHashMap<[u8; 6], AssetId>,
}

impl Builder<'_> {
    pub(crate) fn evidence(
        &self,
        ev: EvidenceRef,
        protocol: &str,
        message: String,
        confidence: f32,
    ) -> Evidence {
        Evidence {
            protocol: protocol.to_string(),
            message,
            capture: self
                .captures
                .get(ev.capture as usize)
                .cloned()
                .unwrap_or_default(),
            frame: ev.frame,
            ts: ev.ts,
            confidence,
        }
    }

    /// The asset under `key`, created with these times and note if it is new.
    pub(crate) fn new_asset(
        &mut self,
        key: &str,
        first: i64,
        last: i64,
        note: Option<String>,
    ) -> AssetId {
        self.assets.get_or_insert_with(key, || Asset {
            key: key.to_string(),
            macs: Vec::new(),
            ips: Vec::new(),
            vendor: None,
            hostnames: Vec::new(),
            internal: None,
            first_seen: first,
            last_seen: last,
            protocols: Vec::new(),
            attributes: Vec::new(),
            note,
            parent: None,
            position: None,
            identity: Default::default(),
            overrides: Default::default(),
        })
    }

    fn asset_for(&self, ip: IpAddr, mac: Option<[u8; 6]>) -> Option<AssetId> {
        // A MAC-keyed asset owns an address only if the address was tied to it; otherwise
        // (a router's MAC) the address's own asset is the endpoint.
        if let Some(&id) = self.by_ip.get(&ip) {
            return Some(id);
        }
        mac.and_then(|m| self.by_mac.get(&m).copied())
    }
}

/// Builds the inventory. `captures` names the capture files by the index used in evidence.
/// The observations are taken whole: their function counts move into the aggregates rather
/// than being copied.
pub fn build(
    mut obs: Observations,
    flows: &[FlowRecord],
    captures: &[String],
    site: &SiteNetworks,
    opts: &InventoryOptions,
) -> Inventory {
    let function_counts = std::mem::take(&mut obs.functions);
    let obs = &obs;
    let mut b = Builder {
        captures,
        assets: AssetTable::default(),
        by_ip: ahash::AHashMap::new(),
        by_mac: ahash::AHashMap::new(),
    };

    // 1. One asset per unicast MAC; addresses tied to it unless it forwards for many.
    let mut macs: Vec<_> = obs.macs.iter().collect();
    macs.sort_by_key(|(m, _)| **m);
    // An address another card claims in ARP or DHCP belongs to that card, even when a
    // gateway with only a few routed peers also sent packets from it. When several cards
    // claim one address by ARP or DHCP (ARP spoofing, a duplicate), the earliest claim owns
    // it: what the address says in its protocols belongs to that card's asset. An LLDP
    // management address is claimed only where no card did so by ARP or DHCP: a switch
    // announces it from a port's MAC while its management interface answers ARP with another.
    let mut claimed_by: ahash::AHashMap<IpAddr, (&[u8; 6], EvidenceRef)> = ahash::AHashMap::new();
    for lldp_pass in [false, true] {
        for (mac, seen) in &macs {
            for (ip, s) in &seen.ips {
                if s.via == Via::IpSource || (s.via == Via::Lldp) != lldp_pass {
                    continue;
                }
                if lldp_pass {
                    claimed_by.entry(*ip).or_insert((*mac, s.via_evidence));
                    continue;
                }
                let owner = claimed_by.entry(*ip).or_insert((*mac, s.via_evidence));
                if s.via_evidence < owner.1 {
                    *owner = (*mac, s.via_evidence);
                }
            }
        }
    }
    for (mac, seen) in macs {
        let key = format!("mac:{}", mac_string(mac));
        let owner_is_this = |ip: &IpAddr| claimed_by.get(ip).is_none_or(|(owner, _)| *owner == mac);
        let claimed: Vec<_> = seen
            .ips
            .iter()
            .filter(|(ip, s)| match s.via {
                Via::Arp | Via::Dhcp => true,
                Via::Lldp => owner_is_this(ip),
                Via::IpSource => false,
            })
            .collect();
        let is_router = seen.ips.len() > opts.router_ip_threshold;
        let note = is_router.then(|| {
            let count = if seen.ips_dropped > 0 {
                format!("more than {}", seen.ips.len())
            } else {
                seen.ips.len().to_string()
            };
            format!(
                "sends IP traffic from {count} addresses: a router or gateway; \
                 those addresses are assets of their own"
            )
        });
        let id = b.new_asset(&key, seen.first.ts, seen.last_ts, note);
        b.by_mac.insert(*mac, id);
        let vendor = otwatch_oui::lookup(*mac);
        let mac_ev = b.evidence(
            seen.first,
            "ethernet",
            "source MAC address of a frame".into(),
            1.0,
        );
        let vendor_ev = vendor.map(|_| {
            b.evidence(
                seen.first,
                "oui",
                format!("MAC prefix in the {}", otwatch_oui::source()),
                0.6,
            )
        });
        let mut owned_ips = Vec::new();
        let candidates: Vec<_> = if is_router {
            claimed
        } else {
            seen.ips
                .iter()
                .filter(|(ip, s)| matches!(s.via, Via::Arp | Via::Dhcp) || owner_is_this(ip))
                .collect()
        };
        for (ip, s) in candidates {
            if opts.split_ips.contains(ip) {
                continue;
            }
            owned_ips.push((
                *ip,
                b.evidence(
                    s.via_evidence,
                    s.via.protocol(),
                    s.via.describe().into(),
                    if s.via == Via::IpSource { 0.8 } else { 1.0 },
                ),
            ));
        }
        let asset = b.assets.at_mut(id);
        asset.macs.push(mac_string(mac));
        asset.attributes.push(Attribute {
            name: "mac".into(),
            value: mac_string(mac),
            evidence: mac_ev,
        });
        if let (Some(v), Some(ev)) = (vendor, vendor_ev) {
            asset.vendor = Some(v.to_string());
            asset.attributes.push(Attribute {
                name: "vendor".into(),
                value: v.to_string(),
                evidence: ev,
            });
        }
        for (ip, ev) in owned_ips {
            // A card that claimed an address another card claimed first keeps the claim as
            // evidence (the duplicate-address detector reads it) but not the address.
            if claimed_by.get(&ip).is_none_or(|(owner, _)| *owner == mac) {
                asset.ips.push(ip);
                b.by_ip.insert(ip, id);
            }
            asset.attributes.push(Attribute {
                name: "ip".into(),
                value: ip.to_string(),
                evidence: ev,
            });
        }
    }

    // 2. Addresses that sent traffic but belong to no MAC-keyed asset: beyond a router, or
    //    captured without a link layer.
    for f in flows {
        for (ip, pkts, ts, mac) in [
            (f.orig_h, f.orig_pkts, f.first_ts, f.orig_mac),
            (f.resp_h, f.resp_pkts, f.first_ts, f.resp_mac),
        ] {
            if pkts == 0 || !is_host_address(&ip) || b.by_ip.contains_key(&ip) {
                continue;
            }
            let key = format!("ip:{ip}");
            let note = match mac.and_then(|m| b.by_mac.get(&m)) {
                Some(&mac_asset) if opts.split_ips.contains(&ip) => {
                    let mac_key = b.assets.key(mac_asset);
                    format!("seen with the MAC of {mac_key}, split from it by a person")
                }
                Some(&router) => format!("seen behind {}", b.assets.key(router)),
                None => "seen without a link-layer address".to_string(),
            };
            let evidence = Evidence {
                protocol: "ip".into(),
                message: format!("source address of flow {}", f.uid),
                capture: f.first_capture.clone(),
                frame: f.first_frame,
                ts,
                confidence: 0.9,
            };
            let id = b.new_asset(&key, f.first_ts, f.last_ts, Some(note));
            let asset = b.assets.at_mut(id);
            asset.ips.push(ip);
            asset.attributes.push(Attribute {
                name: "ip".into(),
                value: ip.to_string(),
                evidence,
            });
            b.by_ip.insert(ip, id);
        }
    }

    // 2b. Devices behind gateways, chassis and routers: assets of their own, linked to the
    //     host that fronts them.
    let placed = crate::behind::place(obs, &mut b);

    // The function aggregates need only the address index, the asset keys and the placed
    // devices, all complete now: they are counted on another thread while the assets take
    // their facts.
    let keys: Vec<String> = b.assets.list.iter().map(|a| a.key.clone()).collect();
    let by_ip = b.by_ip.clone();
    let (placed_ref, keys_ref) = (&placed, &keys);
    std::thread::scope(|scope| {
        let counting =
            scope.spawn(move || function_aggregates(function_counts, &by_ip, placed_ref, keys_ref));
        // 3. Names, attached by MAC first, then by address.
        let mut names: Vec<_> = obs.names.values().collect();
        names.sort_by(|a, b| {
            (a.first, &a.name, a.protocol, a.mac, a.ip)
                .cmp(&(b.first, &b.name, b.protocol, b.mac, b.ip))
        });
        for n in names {
            let id = n
                .mac
                .and_then(|m| b.by_mac.get(&m).copied())
                .or_else(|| n.ip.and_then(|ip| b.by_ip.get(&ip).copied()));
            let Some(id) = id else { continue };
            let ev = b.evidence(n.first, n.protocol, n.message.clone(), n.confidence);
            let asset = b.assets.at_mut(id);
            if !asset.hostnames.contains(&n.name) {
                asset.hostnames.push(n.name.clone());
            }
            asset.attributes.push(Attribute {
                name: "hostname".into(),
                value: n.name.clone(),
                evidence: ev,
            });
        }

        // 3b. What devices said about themselves. A device's own statement of its vendor beats
        //     the guess from its MAC prefix; both stay in the attributes with their sources.
        // The time of each statement sits beside it, so that sorting reads the statements
        // themselves only on ties; (subject, name, value, protocol) is unique, so the order
        // is total.
        let mut stated: Vec<_> = obs.attributes.values().map(|at| (at.first, at)).collect();
        stated.sort_unstable_by(|(first_a, a), (first_b, b)| {
            first_a.cmp(first_b).then_with(|| {
                (a.name, &a.value, a.protocol, a.subject)
                    .cmp(&(b.name, &b.value, b.protocol, b.subject))
            })
        });
        for (_, at) in stated {
            let Some(id) = placed.subject_asset(&b, at.subject) else {
                continue;
            };
            let ev = b.evidence(at.first, at.protocol, at.message.clone(), at.confidence);
            let asset = b.assets.at_mut(id);
            if at.name == "vendor" && at.confidence >= 0.9 {
                asset.vendor = Some(at.value.clone());
            }
            // A name stated through a route is not a name sighting of the address (it may be a
            // module's), so it joins the host names of whichever asset it was placed on here.
            if matches!(at.subject, Subject::Behind(..)) && at.name == "station_name" {
                if !asset.hostnames.contains(&at.value) {
                    asset.hostnames.push(at.value.clone());
                }
                asset.attributes.push(Attribute {
                    name: "hostname".into(),
                    value: at.value.clone(),
                    evidence: ev.clone(),
                });
            }
            asset.attributes.push(Attribute {
                name: at.name.to_string(),
                value: at.value.clone(),
                evidence: ev,
            });
        }

        // 4. Protocols per asset and the communication map, from flows.
        let mut edges: ahash::AHashMap<(Endpoint, Endpoint, Cow<'_, str>, u16), Edge> =
            ahash::AHashMap::new();
        for f in flows {
            let orig = b
                .asset_for(f.orig_h, f.orig_mac)
                .map_or(Endpoint::Net(f.orig_h), Endpoint::Asset);
            let resp = b
                .asset_for(f.resp_h, f.resp_mac)
                .map_or(Endpoint::Net(f.resp_h), Endpoint::Asset);
            let (client, server, server_port) = if f.orig_is_server {
                (resp, orig, f.orig_p)
            } else {
                (orig, resp, f.resp_p)
            };
            let (protocol, identified_by) = match (&f.service, f.service_identified_by) {
                (Some(s), Some(by)) => (Cow::Borrowed(s.as_str()), by),
                _ => (
                    Cow::Owned(format!("{}/{}", f.transport.as_str(), f.resp_p)),
                    IdentifiedBy::Port,
                ),
            };
            let port = if matches!(
                f.transport,
                otwatch_model::TransportProto::Tcp | otwatch_model::TransportProto::Udp
            ) {
                Some(server_port)
            } else {
                None
            };
            let e = edges
                .entry((client, server, protocol.clone(), server_port))
                .or_insert_with(|| Edge {
                    client: client.key(&b.assets),
                    server: server.key(&b.assets),
                    protocol: protocol.to_string(),
                    transport: f.transport,
                    server_port: port,
                    identified_by,
                    flows: 0,
                    packets: 0,
                    bytes: 0,
                    first_seen: f.first_ts,
                    last_seen: f.last_ts,
                    first_capture: f.first_capture.clone(),
                    first_frame: f.first_frame,
                });
            if f.first_ts < e.first_seen {
                e.first_capture = f.first_capture.clone();
                e.first_frame = f.first_frame;
            }
            e.flows += 1;
            e.packets += f.orig_pkts + f.resp_pkts;
            e.bytes += f.orig_ip_bytes + f.resp_ip_bytes;
            e.first_seen = e.first_seen.min(f.first_ts);
            e.last_seen = e.last_seen.max(f.last_ts);
            if identified_by == IdentifiedBy::Payload {
                e.identified_by = IdentifiedBy::Payload;
            }
            if f.service.is_none() {
                continue;
            }
            // A server is only credited with a protocol when it sent something.
            let (client_sent, server_sent) = if f.orig_is_server {
                (f.resp_pkts > 0, true)
            } else {
                (true, f.resp_pkts > 0)
            };
            let sides = [
                (client, ProtocolRole::Client, client_sent),
                (server, ProtocolRole::Server, server_sent),
            ];
            for (endpoint, role, seen) in sides {
                let Endpoint::Asset(id) = endpoint else {
                    continue;
                };
                if !seen {
                    continue;
                }
                let asset = b.assets.at_mut(id);
                asset.first_seen = asset.first_seen.min(f.first_ts);
                asset.last_seen = asset.last_seen.max(f.last_ts);
                let p = asset.protocols.iter_mut().find(|p| {
                    p.protocol == protocol
                        && p.role == role
                        && p.port == port.filter(|_| role == ProtocolRole::Server)
                });
                match p {
                    Some(p) => {
                        p.flows += 1;
                        p.first_seen = p.first_seen.min(f.first_ts);
                        p.last_seen = p.last_seen.max(f.last_ts);
                        if identified_by == IdentifiedBy::Payload {
                            p.identified_by = IdentifiedBy::Payload;
                        }
                    }
                    None => asset.protocols.push(AssetProtocol {
                        protocol: protocol.to_string(),
                        role,
                        port: port.filter(|_| role == ProtocolRole::Server),
                        transport: f.transport,
                        identified_by,
                        first_seen: f.first_ts,
                        last_seen: f.last_ts,
                        flows: 1,
                    }),
                }
            }
        }
        let mut edges: Vec<(u16, Edge)> = edges
            .into_iter()
            .map(|((_, _, _, server_port), e)| (server_port, e))
            .collect();
        edges.sort_unstable_by(|(port_x, x), (port_y, y)| {
            (&x.client, &x.server, &x.protocol, port_x).cmp(&(
                &y.client,
                &y.server,
                &y.protocol,
                port_y,
            ))
        });
        let edges: Vec<Edge> = edges.into_iter().map(|(_, e)| e).collect();

        let mut assets = b.assets.into_vec();
        for a in &mut assets {
            a.ips.sort();
            // An address the device only announced (its LLDP management address) and never
            // used says where it is managed from, not where it sits: it makes a device inside
            // the site, but alone never outside it.
            a.internal = if a.ips.iter().any(|ip| site.is_internal(*ip)) {
                Some(true)
            } else {
                // Stated addresses, and those stated other than by LLDP, gathered once: a
                // router may hold thousands.
                let mut stated = ahash::AHashSet::new();
                let mut used = ahash::AHashSet::new();
                for at in a.attributes.iter().filter(|at| at.name == "ip") {
                    stated.insert(at.value.as_str());
                    if at.evidence.protocol != "lldp" {
                        used.insert(at.value.as_str());
                    }
                }
                let announced_only = |ip: &IpAddr| {
                    let value = ip.to_string();
                    stated.contains(value.as_str()) && !used.contains(value.as_str())
                };
                if a.ips.iter().all(announced_only) {
                    None
                } else {
                    Some(false)
                }
            };
            a.protocols
                .sort_by(|x, y| (&x.protocol, x.role, x.port).cmp(&(&y.protocol, y.role, y.port)));
            a.attributes.sort_by(|x, y| {
                (&x.name, &x.value, x.evidence.ts).cmp(&(&y.name, &y.value, y.evidence.ts))
            });
            // Sorted by name and value, so the same statement by the same protocol is found
            // among the attributes of equal name and value just before it.
            let mut keep = Vec::with_capacity(a.attributes.len());
            for (i, at) in a.attributes.iter().enumerate() {
                let first_of_value = a.attributes[..i]
                    .iter()
                    .rev()
                    .take_while(|p| p.name == at.name && p.value == at.value)
                    .all(|p| p.evidence.protocol != at.evidence.protocol);
                keep.push(first_of_value);
            }
            let mut keep = keep.into_iter();
            a.attributes.retain(|_| keep.next().unwrap_or(true));
        }
        let assets = fronted_order(assets);
        let functions = counting
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        // 6. What each asset is, its role and level, from this run's view alone; the store
        //    fuses again over everything earlier runs recorded.
        let identities = crate::fuse::fuse_all(&assets, &edges, &functions, site, opts.threads);
        let assets = assets
            .into_iter()
            .zip(identities)
            .map(|(a, identity)| Asset { identity, ..*a })
            .collect();
        Inventory {
            assets,
            edges,
            functions,
        }
    })
}

/// One end of a flow: an asset, or an address no asset owns (a peer that never sent, a
/// broadcast or multicast group), keyed `net:ADDRESS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Endpoint {
    Asset(AssetId),
    Net(IpAddr),
}

impl Endpoint {
    fn key(self, assets: &AssetTable) -> String {
        match self {
            Endpoint::Asset(id) => assets.key(id).to_string(),
            Endpoint::Net(ip) => format!("net:{ip}"),
        }
    }
}

/// The assets in the order they are listed: by address, a device behind another right
/// after the one that fronts it.
#[allow(clippy::vec_box)]
fn fronted_order(assets: Vec<Box<Asset>>) -> Vec<Box<Asset>> {
    let order: Vec<usize> = {
        let first_ip: ahash::AHashMap<&str, Option<IpAddr>> = assets
            .iter()
            .map(|a| (a.key.as_str(), a.ips.first().copied()))
            .collect();
        let mut keyed: Vec<_> = assets
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let front = a.parent.as_deref().unwrap_or(&a.key);
                let ip = a
                    .ips
                    .first()
                    .copied()
                    .or_else(|| first_ip.get(front).copied().flatten());
                // Shorter keys first, so that unit 2 comes before unit 10.
                let sort_key = (ip, front, a.parent.is_some(), a.key.len(), a.key.as_str());
                (sort_key, i)
            })
            .collect();
        // Keys are unique, so the order is total.
        keyed.sort_unstable_by(|x, y| x.0.cmp(&y.0));
        keyed.into_iter().map(|(_, i)| i).collect()
    };
    let mut taken: Vec<Option<Box<Asset>>> = assets.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|i| taken[i].take().expect("each asset is placed once"))
        .collect()
}

/// Per-function aggregates, by asset pair. The names live in the key only, and move into
/// the aggregates at the end: on a large site this map is the build's biggest.
fn function_aggregates(
    counts: crate::observe::FunctionCounts,
    by_ip: &ahash::AHashMap<IpAddr, AssetId>,
    placed: &crate::behind::Placed,
    keys: &[String],
) -> Vec<FunctionAggregate> {
    struct Tally {
        count: u64,
        first_seen: otwatch_model::Micros,
        last_seen: otwatch_model::Micros,
        addresses: otwatch_model::ranges::AddressRanges,
    }
    // Endpoints are numbered: assets by their id, addresses that no asset owns after them.
    let asset_count = AssetId::try_from(keys.len()).expect("fewer than 4 billion assets");
    let mut net_keys: Vec<String> = Vec::new();
    let mut net_ids: ahash::AHashMap<IpAddr, u32> = ahash::AHashMap::new();
    let mut endpoint_of = |ip: IpAddr| -> u32 {
        if let Some(&id) = by_ip.get(&ip) {
            return id;
        }
        *net_ids.entry(ip).or_insert_with(|| {
            net_keys.push(format!("net:{ip}"));
            asset_count + (net_keys.len() - 1) as u32
        })
    };
    // Nearly every count is an aggregate of its own: sized once, the map never rehashes.
    let mut functions: ahash::AHashMap<(u32, u32, &'static str, String), Tally> =
        ahash::AHashMap::with_capacity(counts.len());
    for (_, fc) in counts {
        let client = endpoint_of(fc.client);
        // A request addressed to a device behind the server counts for that device; the
        // network edge stays with the server, where the packets went.
        let server = match fc.path.and_then(|path| placed.child(fc.server, path)) {
            Some(child) => child,
            None => endpoint_of(fc.server),
        };
        // The first count of a function moves its address ranges in: most functions are
        // counted by one worker on one flow, and copying the ranges would double them.
        match functions.entry((client, server, fc.protocol, fc.function)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Tally {
                    count: fc.count,
                    first_seen: fc.first_ts,
                    last_seen: fc.last_ts,
                    addresses: fc.addresses,
                });
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let e = o.get_mut();
                e.count += fc.count;
                e.first_seen = e.first_seen.min(fc.first_ts);
                e.last_seen = e.last_seen.max(fc.last_ts);
                e.addresses.merge(&fc.addresses);
            }
        }
    }
    let key_of = |id: u32| -> &str {
        match id.checked_sub(asset_count) {
            None => &keys[id as usize],
            Some(net) => &net_keys[net as usize],
        }
    };
    // Sorted by the endpoints' keys through their ranks, computed once per endpoint: a
    // string comparison per endpoint rather than one per comparison of two aggregates.
    let mut by_key: Vec<u32> = (0..asset_count + net_keys.len() as u32).collect();
    by_key.sort_unstable_by(|x, y| key_of(*x).cmp(key_of(*y)));
    let mut rank = vec![0u32; by_key.len()];
    for (r, id) in by_key.into_iter().enumerate() {
        rank[id as usize] = r as u32;
    }
    let mut functions: Vec<_> = functions.into_iter().collect();
    functions.sort_unstable_by(|((c1, s1, p1, f1), _), ((c2, s2, p2, f2), _)| {
        (rank[*c1 as usize], rank[*s1 as usize], p1, f1).cmp(&(
            rank[*c2 as usize],
            rank[*s2 as usize],
            p2,
            f2,
        ))
    });
    functions
        .into_iter()
        .map(
            |((client, server, protocol, function), t)| FunctionAggregate {
                client: key_of(client).to_string(),
                server: key_of(server).to_string(),
                protocol: protocol.to_string(),
                function,
                count: t.count,
                first_seen: t.first_seen,
                last_seen: t.last_seen,
                addresses: t.addresses,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_model::TransportProto;

    fn ev(ts: i64, frame: u64) -> EvidenceRef {
        EvidenceRef {
            ts,
            capture: 0,
            frame,
        }
    }

    fn flow(
        orig: &str,
        resp: &str,
        port: u16,
        service: Option<&str>,
        orig_mac: [u8; 6],
    ) -> FlowRecord {
        FlowRecord {
            uid: "Cx".into(),
            first_ts: 10,
            last_ts: 20,
            orig_h: orig.parse().unwrap(),
            orig_p: 40000,
            resp_h: resp.parse().unwrap(),
            resp_p: port,
            transport: TransportProto::Tcp,
            ip_proto: 6,
            vlan: None,
            inner_vlan: None,
            orig_mac: Some(orig_mac),
            resp_mac: None,
            service: service.map(str::to_string),
            service_identified_by: service.map(|_| IdentifiedBy::Payload),
            orig_pkts: 3,
            orig_ip_bytes: 180,
            resp_pkts: 2,
            resp_ip_bytes: 120,
            orig_bytes: 12,
            resp_bytes: 9,
            conn_state: "SF".into(),
            history: "ShADadFf".into(),
            missed_bytes: 0,
            acked_unseen_bytes: 0,
            local_orig: None,
            local_resp: None,
            orig_is_server: false,
            first_capture: "c.pcap".into(),
            first_frame: 1,
        }
    }

    /// A switch announces its management address in LLDP from a port's MAC; the address is
    /// the port MAC's when nothing else claims it, and the card's that answers ARP for it
    /// otherwise, never both.
    #[test]
    fn an_lldp_management_address_yields_to_an_arp_claim() {
        let port = [0x00, 0x1b, 0x1b, 0x02, 0xe6, 0x1f];
        let cpu = [0x00, 0x1b, 0x1b, 0x02, 0xe6, 0x00];
        let management: IpAddr = "141.81.0.190".parse().unwrap();
        let owners = |arp: bool| {
            let mut obs = Observations::default();
            obs.sighting(port, Some(management), Via::Lldp, ev(1, 1));
            if arp {
                obs.sighting(cpu, Some(management), Via::Arp, ev(2, 2));
            }
            let inv = build(
                obs,
                &[],
                &["c.pcap".into()],
                &SiteNetworks::default(),
                &InventoryOptions::default(),
            );
            inv.assets
                .iter()
                .filter(|a| a.ips.contains(&management))
                .map(|a| a.key.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(owners(false), ["mac:00:1b:1b:02:e6:1f"]);
        assert_eq!(owners(true), ["mac:00:1b:1b:02:e6:00"]);

        // enip_cip_example.pcap: a D-Link switch on the plant segment announces a public
        // management address; announced alone, it does not put the switch outside the site.
        let switch = [0x00, 0x21, 0x91, 0x06, 0xf1, 0x66];
        let mut obs = Observations::default();
        obs.sighting(
            switch,
            Some("208.73.217.142".parse().unwrap()),
            Via::Lldp,
            ev(1, 1),
        );
        let inv = build(
            obs,
            &[],
            &["c.pcap".into()],
            &SiteNetworks::default(),
            &InventoryOptions::default(),
        );
        assert_eq!(inv.assets[0].ips.len(), 1);
        assert_eq!(inv.assets[0].internal, None);
    }

    #[test]
    fn router_mac_does_not_swallow_remote_addresses() {
        let hmi = [0x00, 0xd0, 0xc9, 1, 1, 1];
        let router = [0x00, 0x00, 0x0c, 9, 9, 9];
        let mut obs = Observations::default();
        obs.sighting(hmi, Some("10.0.0.5".parse().unwrap()), Via::Arp, ev(1, 1));
        obs.sighting(
            router,
            Some("10.0.0.1".parse().unwrap()),
            Via::Arp,
            ev(2, 2),
        );
        for i in 0..10u8 {
            obs.sighting(
                router,
                Some(IpAddr::from([198, 51, 100, i])),
                Via::IpSource,
                ev(3, 3 + u64::from(i)),
            );
        }
        obs.name(
            Some(hmi),
            None,
            "HMI-01",
            "dhcp",
            "DHCP REQUEST option 12 (host name)",
            1.0,
            ev(1, 1),
        );
        let flows = vec![flow(
            "198.51.100.3",
            "10.0.0.5",
            502,
            Some("modbus"),
            router,
        )];
        let inv = build(
            obs,
            &flows,
            &["c.pcap".into()],
            &SiteNetworks::default(),
            &InventoryOptions::default(),
        );
        let keys: Vec<_> = inv.assets.iter().map(|a| a.key.as_str()).collect();
        assert!(keys.contains(&"ip:198.51.100.3"), "{keys:?}");
        let router_asset = inv
            .assets
            .iter()
            .find(|a| a.key == "mac:00:00:0c:09:09:09")
            .unwrap();
        assert_eq!(
            router_asset.ips,
            vec!["10.0.0.1".parse::<IpAddr>().unwrap()]
        );
        let hmi_asset = inv
            .assets
            .iter()
            .find(|a| a.key == "mac:00:d0:c9:01:01:01")
            .unwrap();
        assert_eq!(hmi_asset.hostnames, vec!["HMI-01"]);
        assert!(hmi_asset
            .attributes
            .iter()
            .all(|a| !a.evidence.capture.is_empty()));
        assert_eq!(hmi_asset.internal, Some(true));
        assert_eq!(hmi_asset.protocols[0].role, ProtocolRole::Server);
        // The build fuses identity: the name from DHCP, the role from serving Modbus.
        assert_eq!(
            hmi_asset.identity.name.as_ref().map(|f| f.value.as_str()),
            Some("HMI-01")
        );
        assert_eq!(
            hmi_asset.identity.role,
            otwatch_model::identity::AssetRole::Controller
        );
        assert_eq!(inv.edges.len(), 1);
        assert_eq!(inv.edges[0].client, "ip:198.51.100.3");
        assert_eq!(inv.edges[0].server, "mac:00:d0:c9:01:01:01");
        assert_eq!(
            (
                inv.edges[0].first_capture.as_str(),
                inv.edges[0].first_frame
            ),
            ("c.pcap", 1)
        );
    }

    #[test]
    fn an_address_split_by_a_person_is_an_asset_with_its_own_traffic() {
        let nat = [0x00, 0xd0, 0xc9, 1, 1, 1];
        let observed = || {
            let mut obs = Observations::default();
            obs.sighting(nat, Some("10.0.0.5".parse().unwrap()), Via::Arp, ev(1, 1));
            obs.sighting(
                nat,
                Some("10.0.0.6".parse().unwrap()),
                Via::IpSource,
                ev(2, 2),
            );
            obs
        };
        let flows = vec![flow("10.0.0.6", "10.0.0.9", 502, Some("modbus"), nat)];
        let split = InventoryOptions {
            split_ips: ["10.0.0.6".parse().unwrap()].into(),
            ..Default::default()
        };
        let together = build(
            observed(),
            &flows,
            &["c.pcap".into()],
            &SiteNetworks::default(),
            &InventoryOptions::default(),
        );
        assert_eq!(together.edges[0].client, "mac:00:d0:c9:01:01:01");
        let inv = build(
            observed(),
            &flows,
            &["c.pcap".into()],
            &SiteNetworks::default(),
            &split,
        );
        let own = inv
            .assets
            .iter()
            .find(|a| a.key == "ip:10.0.0.6")
            .expect("the split address is an asset");
        assert!(own.note.as_deref().unwrap().contains("split from it"));
        assert_eq!(own.protocols[0].role, ProtocolRole::Client);
        assert_eq!(inv.edges[0].client, "ip:10.0.0.6");
        let rest = inv
            .assets
            .iter()
            .find(|a| a.key == "mac:00:d0:c9:01:01:01")
            .unwrap();
        assert_eq!(rest.ips, vec!["10.0.0.5".parse::<IpAddr>().unwrap()]);
    }
}

#[cfg(test)]
mod behind_tests {
    use super::*;
    use crate::observe::{BacnetMac, BehindPath};
    use otwatch_model::TransportProto;

    fn ev(ts: i64, frame: u64) -> EvidenceRef {
        EvidenceRef {
            ts,
            capture: 0,
            frame,
        }
    }

    const GATEWAY_MAC: [u8; 6] = [0x00, 0x90, 0xe8, 1, 2, 3];

    fn front() -> IpAddr {
        "192.168.0.20".parse().unwrap()
    }

    /// A host with its MAC and address, and one flow to it so that it is an asset.
    fn with_front() -> Observations {
        let mut obs = Observations::default();
        obs.sighting(GATEWAY_MAC, Some(front()), Via::Arp, ev(1, 1));
        obs
    }

    fn built(obs: Observations) -> Inventory {
        build(
            obs,
            &[],
            &["c.pcap".into()],
            &SiteNetworks::default(),
            &InventoryOptions::default(),
        )
    }

    fn asset<'a>(inv: &'a Inventory, key: &str) -> &'a Asset {
        inv.assets
            .iter()
            .find(|a| a.key == key)
            .unwrap_or_else(|| panic!("no {key} among {:?}", keys(inv)))
    }

    fn keys(inv: &Inventory) -> Vec<&str> {
        inv.assets.iter().map(|a| a.key.as_str()).collect()
    }

    fn value<'a>(a: &'a Asset, name: &str) -> Option<&'a str> {
        a.attributes
            .iter()
            .find(|at| at.name == name)
            .map(|at| at.value.as_str())
    }

    fn unit(u: u8) -> BehindPath {
        BehindPath::ModbusUnit(u)
    }

    #[test]
    fn units_behind_a_modbus_gateway_are_assets_with_their_own_identity() {
        let mut obs = with_front();
        for (u, frame) in [(1, 10), (3, 11), (7, 12)] {
            obs.behind(
                front(),
                unit(u),
                || format!("response from unit {u}"),
                ev(2, frame),
            );
        }
        let client: IpAddr = "192.168.0.21".parse().unwrap();
        obs.function_at(
            client,
            front(),
            Some(unit(3)),
            "modbus",
            4,
            || "READ_INPUT_REGISTERS".into(),
            2,
        );
        obs.function_at(
            client,
            front(),
            Some(unit(1)),
            "modbus",
            4,
            || "READ_INPUT_REGISTERS".into(),
            2,
        );
        obs.attribute(
            Subject::Behind(front(), unit(3)),
            "vendor",
            "Schneider Electric",
            "modbus",
            "Read Device Identification, unit 3",
            1.0,
            ev(3, 20),
        );
        obs.attribute(
            Subject::Behind(front(), unit(1)),
            "product_name",
            "MGate MB3180",
            "modbus",
            "Read Device Identification, unit 1",
            1.0,
            ev(3, 21),
        );
        let inv = built(obs);
        let gateway_key = "mac:00:90:e8:01:02:03";
        // Unit 1 addresses the gateway itself; 3 and 7 are devices behind it, in that order
        // right after it.
        assert_eq!(
            keys(&inv),
            vec![
                gateway_key,
                "mac:00:90:e8:01:02:03/unit:3",
                "mac:00:90:e8:01:02:03/unit:7"
            ]
        );
        let child = asset(&inv, "mac:00:90:e8:01:02:03/unit:3");
        assert_eq!(child.parent.as_deref(), Some(gateway_key));
        assert_eq!(child.position.as_deref(), Some("Modbus unit 3"));
        assert_eq!(child.vendor.as_deref(), Some("Schneider Electric"));
        assert!(child.ips.is_empty() && child.macs.is_empty());
        let position = child.attributes.iter().find(|a| a.name == "position");
        let position = position.expect("position with evidence");
        assert_eq!(
            (position.evidence.frame, position.evidence.protocol.as_str()),
            (11, "modbus")
        );
        assert_eq!(child.protocols[0].protocol, "modbus");
        assert_eq!(child.protocols[0].role, ProtocolRole::Server);

        let gateway = asset(&inv, gateway_key);
        assert_eq!(value(gateway, "product_name"), Some("MGate MB3180"));
        assert_ne!(gateway.vendor.as_deref(), Some("Schneider Electric"));
        let behind: Vec<_> = gateway
            .attributes
            .iter()
            .filter(|a| a.name == "behind")
            .map(|a| a.value.as_str())
            .collect();
        assert_eq!(behind.len(), 2, "{behind:?}");

        // Requests to unit 3 count for the device; those to unit 1 for the gateway.
        let servers: Vec<_> = inv.functions.iter().map(|f| f.server.as_str()).collect();
        assert!(
            servers.contains(&"mac:00:90:e8:01:02:03/unit:3"),
            "{servers:?}"
        );
        assert!(servers.contains(&gateway_key), "{servers:?}");
    }

    #[test]
    fn a_server_answering_one_unit_keeps_its_facts() {
        let mut obs = with_front();
        obs.behind(front(), unit(10), || "response".into(), ev(2, 2));
        obs.behind(front(), unit(10), || "response".into(), ev(3, 3));
        obs.attribute(
            Subject::Behind(front(), unit(10)),
            "modbus_server_id",
            "Wingpath Limited",
            "modbus",
            "Report Server ID, unit 10",
            1.0,
            ev(3, 3),
        );
        let inv = built(obs);
        assert_eq!(keys(&inv), vec!["mac:00:90:e8:01:02:03"]);
        let server = &inv.assets[0];
        assert_eq!(value(server, "modbus_server_id"), Some("Wingpath Limited"));
        assert_eq!(server.parent, None);
    }

    #[test]
    fn bacnet_devices_behind_a_router_carry_instance_vendor_and_model() {
        let mut obs = with_front();
        let mac = BacnetMac::new(&[0x1d]).unwrap();
        let path = BehindPath::Bacnet { network: 3, mac };
        obs.behind(
            front(),
            path,
            || "relayed, SNET 3 SADR 0x1d".into(),
            ev(2, 5),
        );
        for (name, v) in [
            ("bacnet_device_instance", "29"),
            ("vendor", "Lithonia Lighting, Inc."),
            ("model", "SYSC MLX"),
        ] {
            obs.attribute(
                Subject::Behind(front(), path),
                name,
                v,
                "bacnet",
                "ReadProperty acknowledgement",
                1.0,
                ev(3, 6),
            );
        }
        let inv = built(obs.clone());
        let child = asset(&inv, "mac:00:90:e8:01:02:03/bacnet:3:0x1d");
        assert_eq!(
            child.position.as_deref(),
            Some("BACnet network 3, MAC 0x1d")
        );
        assert_eq!(value(child, "bacnet_device_instance"), Some("29"));
        assert_eq!(value(child, "model"), Some("SYSC MLX"));
        assert_eq!(child.vendor.as_deref(), Some("Lithonia Lighting, Inc."));
        assert_eq!(child.protocols[0].transport, TransportProto::Udp);
        assert_eq!(child.protocols[0].role, ProtocolRole::Server);
        // Nothing the routed device said lands on the router.
        assert_eq!(value(asset(&inv, "mac:00:90:e8:01:02:03"), "model"), None);

        // A workstation on a remote network that only sends requests is a client there.
        let workstation = BehindPath::Bacnet {
            network: 7,
            mac: BacnetMac::new(&[0x01]).unwrap(),
        };
        obs.behind_asking(front(), workstation, || "ReadProperty".into(), ev(4, 7));
        let inv = built(obs);
        let ws = asset(&inv, "mac:00:90:e8:01:02:03/bacnet:7:0x01");
        assert_eq!(ws.protocols[0].role, ProtocolRole::Client);
    }

    #[test]
    fn cip_modules_reached_through_the_backplane_are_children() {
        let mut obs = with_front();
        let slot = |link, hops| BehindPath::CipPort {
            port: 1,
            link,
            hops,
        };
        obs.behind(front(), slot(0, 1), || "Unconnected Send".into(), ev(2, 29));
        obs.behind(front(), slot(2, 2), || "Forward Open".into(), ev(2, 30));
        obs.attribute(
            Subject::Behind(front(), slot(0, 1)),
            "model",
            "1756-L61/B LOGIX5561",
            "enip",
            "Get_Attributes_All of the Identity object",
            1.0,
            ev(2, 31),
        );
        let inv = built(obs);
        let module = asset(&inv, "mac:00:90:e8:01:02:03/slot:1.0");
        assert_eq!(module.position.as_deref(), Some("backplane slot 0"));
        assert_eq!(value(module, "model"), Some("1756-L61/B LOGIX5561"));
        // A route that goes on from slot 2 still shows the module in slot 2.
        let bridge = asset(&inv, "mac:00:90:e8:01:02:03/slot:1.2");
        assert_eq!(bridge.position.as_deref(), Some("backplane slot 2"));
    }

    #[test]
    fn s7_racks_and_slots_place_the_cpu_and_the_modules_beside_it() {
        let mut obs = with_front();
        let at = |rack, slot| BehindPath::S7 { rack, slot };
        for frame in 2..5 {
            obs.behind(front(), at(0, 2), || "COTP CC".into(), ev(2, frame));
        }
        obs.behind(front(), at(0, 4), || "COTP CC".into(), ev(9, 9));
        obs.attribute(
            Subject::Behind(front(), at(0, 2)),
            "order_number",
            "6ES7 315-2EH14-0AB0",
            "s7comm",
            "Read SZL",
            1.0,
            ev(3, 3),
        );
        obs.attribute(
            Subject::Behind(front(), at(0, 4)),
            "order_number",
            "6GK7 343-1EX30-0XE0",
            "s7comm",
            "Read SZL",
            1.0,
            ev(9, 10),
        );
        let inv = built(obs);
        let cpu = asset(&inv, "mac:00:90:e8:01:02:03");
        assert_eq!(cpu.position.as_deref(), Some("rack 0, slot 2"));
        assert_eq!(value(cpu, "order_number"), Some("6ES7 315-2EH14-0AB0"));
        let module = asset(&inv, "mac:00:90:e8:01:02:03/rack:0.4");
        assert_eq!(module.position.as_deref(), Some("rack 0, slot 4"));
        assert_eq!(value(module, "order_number"), Some("6GK7 343-1EX30-0XE0"));

        // S7-1200 and S7-1500 CPUs answer at slot 0 and slot 1 alike: one device.
        let mut obs = with_front();
        obs.behind(front(), at(0, 1), || "COTP CC".into(), ev(2, 2));
        obs.behind(front(), at(0, 1), || "COTP CC".into(), ev(2, 3));
        obs.behind(front(), at(0, 0), || "COTP CC".into(), ev(2, 4));
        let inv = built(obs);
        assert_eq!(keys(&inv), vec!["mac:00:90:e8:01:02:03"]);
        assert_eq!(inv.assets[0].position.as_deref(), Some("rack 0, slot 1"));
    }

    #[test]
    fn devices_behind_one_host_are_bounded_and_the_rest_counted() {
        let mut obs = with_front();
        let mut sharded = [Observations::default(), Observations::default()];
        for i in 0..300u32 {
            let path = BehindPath::Bacnet {
                network: 5,
                mac: BacnetMac::new(&i.to_be_bytes()).unwrap(),
            };
            let e = ev(i64::from(i), u64::from(i) + 2);
            obs.behind(front(), path, || "relayed".into(), e);
            sharded[i as usize % 2].behind(front(), path, || "relayed".into(), e);
        }
        assert_eq!(obs.behind.len(), crate::MAX_BEHIND_PER_FRONT);
        assert_eq!(obs.behind_dropped[&front()], 44);
        let inv = built(obs.clone());
        assert_eq!(inv.assets.len(), 1 + crate::MAX_BEHIND_PER_FRONT);
        let router = asset(&inv, "mac:00:90:e8:01:02:03");
        let note = router.note.as_deref().unwrap_or_default();
        assert!(
            note.contains("44 messages from devices behind it"),
            "{note}"
        );

        // Sharded across workers, the same devices are kept.
        let mut merged = with_front();
        let [a, b] = sharded;
        merged.merge(b);
        merged.merge(a);
        let kept = |o: &Observations| {
            let mut v: Vec<_> = o.behind.keys().copied().collect();
            v.sort();
            v
        };
        assert_eq!(kept(&merged), kept(&obs));
        assert_eq!(merged.behind_dropped[&front()], 44);
    }
}
