//! From merged observations and finished flows to assets, edges and aggregates.

use crate::observe::{is_host_address, EvidenceRef, Observations, Subject, Via};
use otwatch_model::site::SiteNetworks;
use otwatch_model::{
    Asset, AssetProtocol, Attribute, Edge, Evidence, FlowRecord, FunctionAggregate, IdentifiedBy,
    ProtocolRole,
};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

#[derive(Debug, Clone)]
pub struct InventoryOptions {
    /// A MAC that sends from more addresses than this, not claimed by ARP or DHCP, is taken
    /// to be a router: the addresses behind it become assets of their own.
    pub router_ip_threshold: usize,
    /// Threads that fuse identities on large inventories.
    pub threads: usize,
}

impl Default for InventoryOptions {
    fn default() -> Self {
        Self {
            router_ip_threshold: 4,
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

struct Builder<'a> {
    captures: &'a [String],
    assets: BTreeMap<String, Asset>,
    by_ip: BTreeMap<IpAddr, String>,
    by_mac: BTreeMap<[u8; 6], String>,
}

impl Builder<'_> {
    fn evidence(
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

    fn new_asset(&mut self, key: String, first: i64, last: i64, note: Option<String>) {
        self.assets.entry(key.clone()).or_insert(Asset {
            key,
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
        });
    }

    fn asset_for(&self, ip: IpAddr, mac: Option<[u8; 6]>) -> Option<&String> {
        // A MAC-keyed asset owns an address only if the address was tied to it; otherwise
        // (a router's MAC) the address's own asset is the endpoint.
        if let Some(key) = self.by_ip.get(&ip) {
            return Some(key);
        }
        mac.and_then(|m| self.by_mac.get(&m))
    }
}

/// Builds the inventory. `captures` names the capture files by the index used in evidence.
pub fn build(
    obs: &Observations,
    flows: &[FlowRecord],
    captures: &[String],
    site: &SiteNetworks,
    opts: &InventoryOptions,
) -> Inventory {
    let mut b = Builder {
        captures,
        assets: BTreeMap::new(),
        by_ip: BTreeMap::new(),
        by_mac: BTreeMap::new(),
    };

    // 1. One asset per unicast MAC; addresses tied to it unless it forwards for many.
    let mut macs: Vec<_> = obs.macs.iter().collect();
    macs.sort_by_key(|(m, _)| **m);
    for (mac, seen) in macs {
        let key = format!("mac:{}", mac_string(mac));
        let claimed: Vec<_> = seen
            .ips
            .iter()
            .filter(|(_, s)| s.via != Via::IpSource)
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
        b.new_asset(key.clone(), seen.first.ts, seen.last_ts, note);
        b.by_mac.insert(*mac, key.clone());
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
            seen.ips.iter().collect()
        };
        for (ip, s) in candidates {
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
        let asset = b.assets.get_mut(&key).expect("just created");
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
            asset.ips.push(ip);
            asset.attributes.push(Attribute {
                name: "ip".into(),
                value: ip.to_string(),
                evidence: ev,
            });
            b.by_ip.insert(ip, key.clone());
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
                Some(router) => format!("seen behind {router}"),
                None => "seen without a link-layer address".to_string(),
            };
            let ev = b.evidence(
                EvidenceRef {
                    ts,
                    capture: 0,
                    frame: f.first_frame,
                },
                "ip",
                format!("source address of flow {}", f.uid),
                0.9,
            );
            let ev = Evidence {
                capture: f.first_capture.clone(),
                ..ev
            };
            b.new_asset(key.clone(), f.first_ts, f.last_ts, Some(note));
            let asset = b.assets.get_mut(&key).expect("just created");
            asset.ips.push(ip);
            asset.attributes.push(Attribute {
                name: "ip".into(),
                value: ip.to_string(),
                evidence: ev,
            });
            b.by_ip.insert(ip, key);
        }
    }

    // 3. Names, attached by MAC first, then by address.
    let mut names: Vec<_> = obs.names.values().collect();
    names.sort_by(|a, b| {
        (a.first, &a.name, a.protocol, a.mac, a.ip)
            .cmp(&(b.first, &b.name, b.protocol, b.mac, b.ip))
    });
    for n in names {
        let key = n
            .mac
            .and_then(|m| b.by_mac.get(&m).cloned())
            .or_else(|| n.ip.and_then(|ip| b.by_ip.get(&ip).cloned()));
        let Some(key) = key else { continue };
        let ev = b.evidence(n.first, n.protocol, n.message.clone(), n.confidence);
        let asset = b.assets.get_mut(&key).expect("indexed asset");
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
    let mut stated: Vec<_> = obs.attributes.values().collect();
    stated.sort_by(|a, b| {
        (a.first, a.name, &a.value, a.protocol, a.subject)
            .cmp(&(b.first, b.name, &b.value, b.protocol, b.subject))
    });
    for at in stated {
        let key = match at.subject {
            Subject::Ip(ip) => b.by_ip.get(&ip).cloned(),
            Subject::Mac(mac) => b.by_mac.get(&mac).cloned(),
        };
        let Some(key) = key else { continue };
        let ev = b.evidence(at.first, at.protocol, at.message.clone(), at.confidence);
        let asset = b.assets.get_mut(&key).expect("indexed asset");
        if at.name == "vendor" && at.confidence >= 0.9 {
            asset.vendor = Some(at.value.clone());
        }
        asset.attributes.push(Attribute {
            name: at.name.to_string(),
            value: at.value.clone(),
            evidence: ev,
        });
    }

    // 4. Protocols per asset and the communication map, from flows.
    let mut edges: BTreeMap<(String, String, String, u16), Edge> = BTreeMap::new();
    for f in flows {
        let orig = b
            .asset_for(f.orig_h, f.orig_mac)
            .cloned()
            .unwrap_or_else(|| format!("net:{}", f.orig_h));
        let resp = b
            .asset_for(f.resp_h, f.resp_mac)
            .cloned()
            .unwrap_or_else(|| format!("net:{}", f.resp_h));
        let (client, server, server_port) = if f.orig_is_server {
            (resp, orig, f.orig_p)
        } else {
            (orig, resp, f.resp_p)
        };
        let (protocol, identified_by) = match (&f.service, f.service_identified_by) {
            (Some(s), Some(by)) => (s.clone(), by),
            _ => (
                format!("{}/{}", f.transport.as_str(), f.resp_p),
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
            .entry((
                client.clone(),
                server.clone(),
                protocol.clone(),
                server_port,
            ))
            .or_insert(Edge {
                client: client.clone(),
                server: server.clone(),
                protocol: protocol.clone(),
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
        for (key, role, seen) in sides {
            let Some(asset) = b.assets.get_mut(&key) else {
                continue;
            };
            if !seen {
                continue;
            }
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
                    protocol: protocol.clone(),
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

    // 5. Per-function aggregates, by asset pair. The names live in the key only, and move
    // into the aggregates at the end: on a large site this map is the build's biggest.
    struct Tally {
        count: u64,
        first_seen: otwatch_model::Micros,
        last_seen: otwatch_model::Micros,
        addresses: otwatch_model::ranges::AddressRanges,
    }
    let mut functions: BTreeMap<(String, String, &'static str, String), Tally> = BTreeMap::new();
    for fc in obs.functions.values() {
        let asset_of = |ip: &IpAddr| {
            b.by_ip
                .get(ip)
                .cloned()
                .unwrap_or_else(|| format!("net:{ip}"))
        };
        let e = functions
            .entry((
                asset_of(&fc.client),
                asset_of(&fc.server),
                fc.protocol,
                fc.function.clone(),
            ))
            .or_insert(Tally {
                count: 0,
                first_seen: fc.first_ts,
                last_seen: fc.last_ts,
                addresses: Default::default(),
            });
        e.count += fc.count;
        e.first_seen = e.first_seen.min(fc.first_ts);
        e.last_seen = e.last_seen.max(fc.last_ts);
        e.addresses.merge(&fc.addresses);
    }
    let functions =
        functions.into_iter().map(
            |((client, server, protocol, function), t)| FunctionAggregate {
                client,
                server,
                protocol: protocol.to_string(),
                function,
                count: t.count,
                first_seen: t.first_seen,
                last_seen: t.last_seen,
                addresses: t.addresses,
            },
        );

    let mut assets: Vec<Asset> = b.assets.into_values().collect();
    for a in &mut assets {
        a.ips.sort();
        a.internal = if a.ips.is_empty() {
            None
        } else {
            Some(a.ips.iter().any(|ip| site.is_internal(*ip)))
        };
        a.protocols
            .sort_by(|x, y| (&x.protocol, x.role, x.port).cmp(&(&y.protocol, y.role, y.port)));
        a.attributes.sort_by(|x, y| {
            (&x.name, &x.value, x.evidence.ts).cmp(&(&y.name, &y.value, y.evidence.ts))
        });
        let mut seen = BTreeSet::new();
        a.attributes.retain(|at| {
            seen.insert((
                at.name.clone(),
                at.value.clone(),
                at.evidence.protocol.clone(),
            ))
        });
    }
    assets.sort_by(|x, y| (x.ips.first(), &x.key).cmp(&(y.ips.first(), &y.key)));
    let edges: Vec<Edge> = edges.into_values().collect();
    let functions: Vec<FunctionAggregate> = functions.collect();
    // 6. What each asset is, its role and level, from this run's view alone; the store
    //    fuses again over everything earlier runs recorded.
    let identities = crate::fuse::fuse_all(&assets, &edges, &functions, site, opts.threads);
    for (a, id) in assets.iter_mut().zip(identities) {
        a.identity = id;
    }
    Inventory {
        assets,
        edges,
        functions,
    }
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
            &obs,
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
}
