//! Devices behind devices: the Modbus units behind a gateway, the modules in a CIP chassis,
//! the BACnet devices on networks behind a router, the S7 modules in a rack.
//!
//! Protocol modules record where traffic was routed (`Observations::behind`) and tag the
//! facts a routed answer states with `Subject::Behind`. Here, once every host has an asset,
//! each such path either becomes a child asset linked to the host that fronts it, or, where
//! the path only addresses the host itself (Modbus unit 1 of a plain server, the one rack
//! and slot of a CPU), its facts stay with the host. The rules are in `docs/inventory.md`,
//! section "Devices behind devices".

use crate::build::{AssetId, Builder};
use crate::observe::{BehindPath, BehindSighting, Observations, Subject};
use otwatch_model::{AssetProtocol, Attribute, IdentifiedBy, ProtocolRole, TransportProto};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Modbus unit ids that address the device itself rather than one behind it: 0 (broadcast,
/// and "this device" for many servers), 1 (the usual default) and 255 (the value the
/// Modbus/TCP specification recommends for a device that is not a gateway).
const MODBUS_SELF_UNITS: [u8; 3] = [0, 1, 255];

/// The attribute a Modbus server states when it answers with exception 10 or 11 ("gateway
/// path unavailable", "gateway target device failed to respond"). It is kept as evidence
/// about the server but does not by itself make the unit a device behind it: simulators and
/// some plain devices send exception 11 too (the Wingpath simulator in the corpus does).
pub const MODBUS_GATEWAY_FACT: &str = "modbus_gateway";

/// Where each recorded path ended up.
#[derive(Debug, Default)]
pub(crate) struct Placed {
    children: BTreeMap<(IpAddr, BehindPath), AssetId>,
}

impl Placed {
    /// The child asset a routed request or answer reached, if the path made one.
    pub(crate) fn child(&self, front: IpAddr, path: BehindPath) -> Option<AssetId> {
        self.children.get(&(front, path)).copied()
    }

    /// The asset a stated fact belongs to.
    pub(crate) fn subject_asset(&self, b: &Builder<'_>, subject: Subject) -> Option<AssetId> {
        match subject {
            Subject::Ip(ip) => b.by_ip.get(&ip).copied(),
            Subject::Mac(mac) => b.by_mac.get(&mac).copied(),
            Subject::Behind(ip, path) => self.child(ip, path).or_else(|| b.by_ip.get(&ip).copied()),
        }
    }
}

/// Is the front a Modbus gateway? It is when it answered for several unit ids, one of them
/// not an id that usually addresses the device itself.
fn modbus_gateway(units: &[u8]) -> bool {
    units.len() >= 2 && units.iter().any(|u| !MODBUS_SELF_UNITS.contains(u))
}

/// S7-1200 and S7-1500 CPUs accept connections to rack 0 slot 0 and slot 1 alike.
fn s7_alias(a: (u8, u8), b: (u8, u8)) -> bool {
    a.0 == 0 && b.0 == 0 && a.1 <= 1 && b.1 <= 1
}

/// Which sightings of one front make child assets; for S7, also the front's own position.
fn decide(sightings: &[&BehindSighting]) -> (Vec<BehindPath>, Option<BehindPath>) {
    let mut children = Vec::new();
    let units: Vec<u8> = sightings
        .iter()
        .filter_map(|s| match s.path {
            BehindPath::ModbusUnit(u) => Some(u),
            _ => None,
        })
        .collect();
    if modbus_gateway(&units) {
        children.extend(
            units
                .iter()
                .filter(|u| !MODBUS_SELF_UNITS.contains(u))
                .map(|u| BehindPath::ModbusUnit(*u)),
        );
    }
    for s in sightings {
        if matches!(
            s.path,
            BehindPath::CipPort { .. } | BehindPath::Bacnet { .. }
        ) {
            children.push(s.path);
        }
    }
    // The rack and slot most connections went to is where the front itself sits (the
    // CPU, or the module a CP passes them to); each other one is a module behind it.
    let mut racks: Vec<(u64, (u8, u8))> = sightings
        .iter()
        .filter_map(|s| match s.path {
            BehindPath::S7 { rack, slot } => Some((s.count, (rack, slot))),
            _ => None,
        })
        .collect();
    racks.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let own = racks.first().map(|(_, place)| *place);
    if let Some(own) = own {
        for (_, place) in &racks[1..] {
            if !s7_alias(own, *place) {
                children.push(BehindPath::S7 {
                    rack: place.0,
                    slot: place.1,
                });
            }
        }
    }
    let own = own.map(|(rack, slot)| BehindPath::S7 { rack, slot });
    (children, own)
}

fn transport_of(path: &BehindPath) -> TransportProto {
    match path {
        BehindPath::Bacnet { .. } => TransportProto::Udp,
        _ => TransportProto::Tcp,
    }
}

/// Creates the child assets and places the fronts; call once every address has its asset.
pub(crate) fn place(obs: &Observations, b: &mut Builder<'_>) -> Placed {
    let mut by_front: BTreeMap<IpAddr, Vec<&BehindSighting>> = BTreeMap::new();
    for s in obs.behind.values() {
        by_front.entry(s.front).or_default().push(s);
    }
    let mut placed = Placed::default();
    for (front, mut sightings) in by_front {
        let Some(&front_id) = b.by_ip.get(&front) else {
            continue;
        };
        let front_key = b.assets.key(front_id).to_string();
        sightings.sort_by_key(|s| (s.path, s.first));
        let (children, own) = decide(&sightings);
        if let Some(own) = own {
            let s = sightings.iter().find(|s| s.path == own).expect("decided");
            let ev = b.evidence(s.first, own.protocol(), s.message.clone(), 1.0);
            let asset = b.assets.at_mut(front_id);
            if asset.parent.is_none() {
                asset.position = Some(own.describe());
            }
            asset.attributes.push(Attribute {
                name: "position".into(),
                value: own.describe(),
                evidence: ev,
            });
        }
        for path in children {
            let s = sightings
                .iter()
                .find(|s| s.path == path)
                .expect("decided from these");
            let key = format!("{front_key}/{}", path.key_part());
            let ev = b.evidence(s.first, path.protocol(), s.message.clone(), 1.0);
            let note = format!("reached through {front_key} at {}", path.describe());
            let child_id = b.new_asset(&key, s.first.ts, s.last_ts, Some(note));
            let child = b.assets.at_mut(child_id);
            child.parent = Some(front_key.clone());
            child.position = Some(path.describe());
            child.first_seen = child.first_seen.min(s.first.ts);
            child.last_seen = child.last_seen.max(s.last_ts);
            child.attributes.push(Attribute {
                name: "position".into(),
                value: path.describe(),
                evidence: ev.clone(),
            });
            let protocol = path.protocol().to_string();
            let role = if s.answered {
                ProtocolRole::Server
            } else {
                ProtocolRole::Client
            };
            match child
                .protocols
                .iter_mut()
                .find(|p| p.protocol == protocol && p.role == role)
            {
                Some(p) => {
                    p.first_seen = p.first_seen.min(s.first.ts);
                    p.last_seen = p.last_seen.max(s.last_ts);
                }
                None => child.protocols.push(AssetProtocol {
                    protocol,
                    role,
                    port: None,
                    transport: transport_of(&path),
                    identified_by: IdentifiedBy::Payload,
                    first_seen: s.first.ts,
                    last_seen: s.last_ts,
                    // The child is never a flow's endpoint: its traffic is the front's.
                    flows: 0,
                }),
            }
            let front_asset = b.assets.at_mut(front_id);
            if !front_asset
                .attributes
                .iter()
                .any(|a| a.name == "behind" && a.value == key)
            {
                front_asset.attributes.push(Attribute {
                    name: "behind".into(),
                    value: key.clone(),
                    evidence: ev,
                });
            }
            placed.children.insert((front, path), child_id);
        }
    }
    for (front, dropped) in &obs.behind_dropped {
        let Some(&front_id) = b.by_ip.get(front) else {
            continue;
        };
        let asset = b.assets.at_mut(front_id);
        asset.note = Some(match asset.note.take() {
            Some(n) => format!(
                "{n}; {dropped} messages from devices behind it not kept (more than {} devices)",
                crate::MAX_BEHIND_PER_FRONT
            ),
            None => format!(
                "{dropped} messages from devices behind it not kept (more than {} devices)",
                crate::MAX_BEHIND_PER_FRONT
            ),
        });
    }
    placed
}
