//! Transient cyber assets (ATT&CK for ICS T0864): a laptop, a vendor's service notebook or
//! a contractor's tablet plugged into the control network for a while. Passively it shows
//! as a device the capture had not seen for minutes that then speaks to the controllers:
//! an industrial client of a device that serves an industrial protocol, or a host that took
//! a DHCP lease and talks to level 0–2 assets. Devices present from the capture's first
//! minutes are the plant; a silent PLC woken by a poll is not a client, and controllers
//! themselves are not judged.

use super::{is_industrial_service, Rule};
use crate::{render, techniques_text, DetectionInput, TemplateVars};
use otwatch_model::alert::{Alert, AlertEvidence};
use otwatch_model::identity::{AssetRole, PurdueLevel};
use otwatch_model::{iso_time, Asset, FlowRecord, Micros};
use std::collections::HashMap;
use std::net::IpAddr;

/// A device first seen after the network was watched this long without a break is new to
/// it; a shorter watch cannot tell a newcomer from a quiet plant device.
pub const LATE_AFTER: Micros = 120_000_000;

/// Roles a transient device speaks to as a client: the devices that run the process.
const CONTROL_ROLES: &[AssetRole] = &[
    AssetRole::Controller,
    AssetRole::SafetyController,
    AssetRole::IoModule,
];

/// Roles that are part of the process or its network themselves, never transient.
const PLANT_ROLES: &[AssetRole] = &[
    AssetRole::Controller,
    AssetRole::SafetyController,
    AssetRole::IoModule,
    AssetRole::NetworkDevice,
];

/// Longest silence that still counts as one continuous watch of the network: captures
/// spliced from unrelated recordings, or a honeypot's trickle of scans hours apart, show
/// no devices "joining", only gaps.
pub const MAX_SILENCE: Micros = 60_000_000;

/// The stretches of time the analysis watched without a silence longer than
/// [`MAX_SILENCE`], from flows (each active from its first to its last packet) and the
/// evidence of every fact (ARP, LLDP and other frames that make no flow), in order.
fn watched_spans(input: &DetectionInput<'_>) -> Vec<(Micros, Micros)> {
    let mut activity: Vec<(Micros, Micros)> = input
        .flows
        .iter()
        .map(|f| (f.first_ts, f.last_ts.max(f.first_ts)))
        .collect();
    for a in input.inventory {
        activity.extend(
            a.attributes
                .iter()
                .map(|at| (at.evidence.ts, at.evidence.ts)),
        );
    }
    activity.sort_unstable();
    let mut spans: Vec<(Micros, Micros)> = Vec::new();
    for (start, end) in activity {
        match spans.last_mut() {
            Some(last) if start - last.1 <= MAX_SILENCE => last.1 = last.1.max(end),
            _ => spans.push((start, end)),
        }
    }
    spans
}

/// How long the network had been watched without a break when `ts` came.
fn watched_for(spans: &[(Micros, Micros)], ts: Micros) -> Micros {
    let i = spans.partition_point(|(start, _)| *start <= ts);
    match i.checked_sub(1).map(|i| spans[i]) {
        Some((start, end)) if end >= ts => ts - start,
        _ => 0,
    }
}

/// An asset's first frame: its earliest fact or flow, as evidence.
fn first_frame(a: &Asset, flows: &[&FlowRecord]) -> Option<AlertEvidence> {
    let fact = a
        .attributes
        .iter()
        .min_by_key(|at| (at.evidence.ts, at.evidence.frame))
        .map(|at| AlertEvidence {
            ts: at.evidence.ts,
            protocol: at.evidence.protocol.clone(),
            kind: "first_frame".into(),
            detail: format!("first frame of {}: {}", a.key, at.evidence.message),
            capture: at.evidence.capture.clone(),
            frame: at.evidence.frame,
            flow_uid: None,
        });
    let flow = flows
        .iter()
        .min_by_key(|f| (f.first_ts, f.first_frame))
        .map(|f| AlertEvidence {
            ts: f.first_ts,
            protocol: f
                .service
                .clone()
                .unwrap_or_else(|| f.transport.as_str().to_string()),
            kind: "first_frame".into(),
            detail: format!(
                "first frame of {}: {}:{} -> {}:{}",
                a.key, f.orig_h, f.orig_p, f.resp_h, f.resp_p
            ),
            capture: f.first_capture.clone(),
            frame: f.first_frame,
            flow_uid: Some(f.uid.clone()),
        });
    match (fact, flow) {
        (Some(x), Some(y)) => Some(if (y.ts, y.frame) < (x.ts, x.frame) {
            y
        } else {
            x
        }),
        (x, y) => x.or(y),
    }
}

fn is_unicast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !(v4.is_multicast() || v4.is_broadcast() || v4.is_unspecified()),
        IpAddr::V6(v6) => !(v6.is_multicast() || v6.is_unspecified()),
    }
}

fn low_level(level: Option<PurdueLevel>) -> bool {
    matches!(
        level,
        Some(PurdueLevel::Process | PurdueLevel::BasicControl | PurdueLevel::Supervisory)
    )
}

/// The DHCP exchange that gave the asset its address, as a phrase and a time: the server's
/// ACK (named by the client hardware address in the event), else the client's own request,
/// else an address the inventory tied to it by DHCP.
/// The earliest DHCP ACK and REQUEST per client MAC ("client 00:14:22:..." in the event
/// detail), indexed once so that judging every asset stays linear.
fn dhcp_by_client<'a>(
    input: &DetectionInput<'a>,
) -> HashMap<(&'static str, &'a str), &'a otwatch_model::ProtocolEvent> {
    let mut index: HashMap<(&'static str, &str), &otwatch_model::ProtocolEvent> = HashMap::new();
    for e in input.events {
        let kind = match e.kind.as_str() {
            "dhcp_ack" => "dhcp_ack",
            "dhcp_request" => "dhcp_request",
            _ => continue,
        };
        let Some(mac) = e
            .detail
            .split_once("client ")
            .and_then(|(_, rest)| rest.get(..17))
        else {
            continue;
        };
        let slot = index.entry((kind, mac)).or_insert(e);
        if (e.ts, e.frame) < (slot.ts, slot.frame) {
            *slot = e;
        }
    }
    index
}

fn lease_of(
    a: &Asset,
    dhcp: &HashMap<(&'static str, &str), &otwatch_model::ProtocolEvent>,
) -> Option<(String, Micros)> {
    for kind in ["dhcp_ack", "dhcp_request"] {
        let found = a
            .macs
            .iter()
            .filter_map(|m| dhcp.get(&(kind, m.as_str())))
            .min_by_key(|e| (e.ts, e.frame));
        if let Some(e) = found {
            let assigned = e
                .detail
                .split_once(" assigned ")
                .and_then(|(_, rest)| rest.split_whitespace().next());
            let what = match assigned {
                Some(ip) => format!("took {ip} by DHCP"),
                None => "asked for a DHCP lease".to_string(),
            };
            return Some((what, e.ts));
        }
    }
    a.attributes
        .iter()
        .find(|at| at.name == "ip" && at.evidence.protocol == "dhcp")
        .map(|at| (format!("took {} by DHCP", at.value), at.evidence.ts))
}

pub fn transient_asset(input: &DetectionInput<'_>, rule: &Rule) -> Vec<Alert> {
    let spans = watched_spans(input);
    let dhcp = dhcp_by_client(input);
    let mut flows_of: HashMap<IpAddr, Vec<&FlowRecord>> = HashMap::new();
    for f in input.flows {
        flows_of.entry(f.orig_h).or_default().push(f);
        if f.resp_h != f.orig_h {
            flows_of.entry(f.resp_h).or_default().push(f);
        }
    }
    let mut out = Vec::new();
    for a in input.inventory {
        // A device of the site's own networks: an outside address reaching a controller is
        // the internet detector's finding, not a device carried in.
        if a.parent.is_some() || !a.ips.iter().any(|ip| input.site.is_internal(*ip)) {
            continue;
        }
        let role = a.overrides.role.unwrap_or(a.identity.role);
        if PLANT_ROLES.contains(&role) {
            continue;
        }
        let mut flows: Vec<&FlowRecord> = a
            .ips
            .iter()
            .flat_map(|ip| flows_of.get(ip).into_iter().flatten().copied())
            .collect();
        flows.sort_by_key(|f| (f.first_ts, f.first_frame));
        flows.dedup_by_key(|f| f.uid.clone());
        let Some(first) = first_frame(a, &flows) else {
            continue;
        };
        let watched = watched_for(&spans, first.ts);
        if watched < LATE_AFTER {
            continue;
        }
        let own = |ip: IpAddr| a.ips.contains(&ip);
        // An industrial client of a controller, or of whatever answers it as a server.
        let industrial = flows.iter().copied().find(|f| {
            let served = f.service.as_deref().is_some_and(is_industrial_service);
            served
                && own(f.orig_h)
                && !f.orig_is_server
                && !own(f.resp_h)
                && is_unicast(f.resp_h)
                && (f.resp_pkts > 0
                    || input
                        .asset(Some(f.resp_h))
                        .is_some_and(|p| CONTROL_ROLES.contains(&p.role)))
        });
        let lease = lease_of(a, &dhcp);
        let low_level_peer = || {
            flows.iter().copied().find(|f| {
                let peer = if own(f.orig_h) { f.resp_h } else { f.orig_h };
                let infrastructure = matches!(f.service.as_deref(), Some("dhcp" | "dns" | "ntp"));
                !infrastructure
                    && !own(peer)
                    && is_unicast(peer)
                    && input.asset(Some(peer)).is_some_and(|p| low_level(p.level))
            })
        };
        let (contact, how) = match (industrial, &lease) {
            (Some(f), _) => (f, "as an industrial client"),
            (None, Some(_)) => match low_level_peer() {
                Some(f) => (f, "after taking a DHCP lease"),
                None => continue,
            },
            (None, None) => continue,
        };
        let peer = if own(contact.orig_h) {
            contact.resp_h
        } else {
            contact.orig_h
        };
        let host = *a.ips.first().expect("checked non-empty");
        let protocol = contact
            .service
            .clone()
            .unwrap_or_else(|| contact.transport.as_str().to_string());

        let mut clues = Vec::new();
        if let Some(name) = a
            .attributes
            .iter()
            .find(|at| at.name == "hostname" && at.evidence.protocol == "dhcp")
        {
            clues.push(format!("DHCP host name {:?}", name.value));
        } else if let Some(name) = a.hostnames.first() {
            clues.push(format!("host name {name:?}"));
        }
        if let Some(vendor) = a
            .attributes
            .iter()
            .find(|at| at.name == "vendor" && at.evidence.protocol == "oui")
        {
            clues.push(format!("MAC vendor {}", vendor.value));
        }
        if let Some((what, ts)) = &lease {
            clues.push(format!("{what} at {}", iso_time(*ts)));
        }
        // Whom it reached in the control system: industrial peers, and level 0–2 assets
        // over anything but the address and name services every host uses.
        let mut peers: Vec<String> = Vec::new();
        for f in &flows {
            let p = if own(f.orig_h) { f.resp_h } else { f.orig_h };
            let industrial = f.service.as_deref().is_some_and(is_industrial_service);
            let infrastructure = matches!(f.service.as_deref(), Some("dhcp" | "dns" | "ntp"));
            let counts = industrial
                || (!infrastructure && input.asset(Some(p)).is_some_and(|x| low_level(x.level)));
            let name = input.name_of(Some(p));
            if counts && is_unicast(p) && !own(p) && !peers.contains(&name) {
                peers.push(name);
            }
        }
        let shown = peers.len().min(5);
        let mut whom = peers[..shown].join(", ");
        if peers.len() > shown {
            whom.push_str(&format!(" and {} more", peers.len() - shown));
        }
        let minutes = watched / 60_000_000;
        let seconds = watched / 1_000_000 % 60;
        let detail = format!(
            "first seen at {} (after {minutes} min {seconds} s of watching the network without \
             a break){}; {how} it \
             opened {protocol} to {} at {}, and talked to {whom}",
            iso_time(first.ts),
            if clues.is_empty() {
                String::new()
            } else {
                format!(", {}", clues.join(", "))
            },
            input.name_of(Some(peer)),
            iso_time(contact.first_ts),
        );
        let request = AlertEvidence {
            ts: contact.first_ts,
            protocol: protocol.clone(),
            kind: if industrial.is_some() {
                "first_industrial_request".into()
            } else {
                "first_contact_to_control".into()
            },
            detail: format!(
                "{}:{} -> {}:{} {protocol} flow {}",
                contact.orig_h, contact.orig_p, contact.resp_h, contact.resp_p, contact.uid
            ),
            capture: contact.first_capture.clone(),
            frame: contact.first_frame,
            flow_uid: Some(contact.uid.clone()),
        };
        let vars = TemplateVars {
            src: host.to_string(),
            dst: peer.to_string(),
            src_name: input.name_of(Some(host)),
            dst_name: input.name_of(Some(peer)),
            protocol,
            detail: detail.clone(),
            technique: techniques_text(&rule.techniques),
        };
        out.push(Alert {
            rule: rule.id.clone(),
            title: rule.title.clone(),
            severity: rule.severity,
            techniques: rule.techniques.clone(),
            assets: vec![a.key.clone()],
            src: Some(host),
            dst: Some(peer),
            subject: a.key.clone(),
            first_seen: first.ts,
            last_seen: flows.iter().map(|f| f.last_ts).max().unwrap_or(first.ts),
            count: 1,
            explanation: render(&rule.explanation, &vars, 1),
            evidence: vec![first, request],
        });
    }
    out
}
