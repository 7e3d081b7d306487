//! Detectors written in code, for findings that no single protocol event shows.
//!
//! Each detector has a rule id, a default title, severity, techniques and explanation
//! template; they appear in the rule set like built-in rules, so that a user file can
//! disable one (`enabled = false`) or change its severity, and `otwatch rules list` shows
//! them. Add a detector by appending to [`DETECTORS`]; its alerts are deduplicated with
//! the rule alerts.

mod scan;
mod transient;

use crate::{render, techniques_text, DetectionInput, Rule, TemplateVars};
use otwatch_model::alert::{Alert, AlertEvidence, Severity, MAX_ALERT_EVIDENCE};
use otwatch_model::identity::{AssetRole, PurdueLevel};
use std::collections::HashMap;
use std::net::IpAddr;

/// A detector and the defaults of its rule.
pub struct Detector {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub techniques: &'static [&'static str],
    pub explanation: &'static str,
    pub run: fn(&DetectionInput<'_>, &Rule) -> Vec<Alert>,
}

pub const DETECTORS: &[Detector] = &[Detector {
    id: "net.internet_ot_traffic",
    title: "Internet address talking to an OT asset",
    severity: Severity::Medium,
    techniques: &["T0883"],
    explanation: "{src_name} and {dst_name} exchanged {protocol} traffic across the site boundary \
                  ({detail}); one side is outside the site's configured networks and the other is \
                  an industrial asset: an OT device reachable from or reaching the internet ({technique}). \
                  {count} connections.",
    run: internet_ot_traffic,
},
Detector {
    id: "net.duplicate_address",
    title: "One IP address claimed by two devices",
    severity: Severity::High,
    techniques: &["T0830"],
    explanation: "{detail}: two network cards answer for the same address. Either someone is \
                  spoofing ARP to sit between the devices that talk to {dst} ({technique}), or two \
                  devices were given the same address; a redundancy pair sharing a virtual address \
                  (VRRP, HSRP) also shows this and can be accepted by disabling the rule for it.",
    run: duplicate_address,
},
Detector {
    id: "net.transient_asset",
    title: "New device joined the control network and spoke to controllers",
    severity: Severity::Medium,
    techniques: &["T0864"],
    explanation: "{src_name} was not in the capture's first minutes: {detail}. A device that \
                  appears mid-capture and talks to controllers is a transient cyber asset, a \
                  laptop or service notebook brought in ({technique}); check who connected it and \
                  whether it was meant to reach {dst_name}.",
    run: transient::transient_asset,
},
Detector {
    id: "net.port_scan",
    title: "Port or host scan",
    severity: Severity::Medium,
    techniques: &["T0846"],
    explanation: "{src_name} tried connections that were never answered or were refused: {detail}.                   Trying many ports of one device, or one port of many devices, maps what runs                   where ({technique}); on a control network it is a tool or an intruder                   surveying {dst_name}.",
    run: scan::port_scan,
},
Detector {
    id: "net.syn_flood",
    title: "SYN flood",
    severity: Severity::High,
    techniques: &["T0814"],
    explanation: "{src_name} opened connections to {dst_name} and never completed them: {detail}.                   Half-open connections in these numbers fill a device's connection table;                   small controllers stop answering their HMI or stop altogether ({technique}).",
    run: scan::syn_flood,
}];

fn is_industrial_service(service: &str) -> bool {
    INDUSTRIAL_SERVICES.contains(&service)
}

/// T0830: an address that two MAC-keyed assets claimed for themselves by ARP or DHCP.
fn duplicate_address(input: &DetectionInput<'_>, rule: &Rule) -> Vec<Alert> {
    let mut out = Vec::new();
    let mut claimed: Vec<_> = input.address_claims.iter().collect();
    claimed.sort_by_key(|(ip, _)| **ip);
    for (ip, claims) in claimed {
        let mut claims = claims.clone();
        claims.sort_by(|a, b| (a.1.ts, &a.0).cmp(&(b.1.ts, &b.0)));
        let keys: Vec<String> = claims.iter().map(|(k, _)| k.clone()).collect();
        let detail = format!(
            "{ip} is claimed by {}",
            keys.iter()
                .map(|k| k.trim_start_matches("mac:"))
                .collect::<Vec<_>>()
                .join(" and ")
        );
        let evidence: Vec<AlertEvidence> = claims
            .iter()
            .take(MAX_ALERT_EVIDENCE)
            .map(|(key, e)| AlertEvidence {
                ts: e.ts,
                protocol: e.protocol.clone(),
                kind: "address_claim".into(),
                detail: format!(
                    "{} claims {ip}: {}",
                    key.trim_start_matches("mac:"),
                    e.message
                ),
                capture: e.capture.clone(),
                frame: e.frame,
                flow_uid: None,
            })
            .collect();
        let vars = TemplateVars {
            src: keys[1].clone(),
            dst: ip.to_string(),
            src_name: keys[1].clone(),
            dst_name: input.name_of(Some(*ip)),
            protocol: "arp".into(),
            detail: detail.clone(),
            technique: techniques_text(&rule.techniques),
        };
        out.push(Alert {
            rule: rule.id.clone(),
            title: rule.title.clone(),
            severity: rule.severity,
            techniques: rule.techniques.clone(),
            assets: keys,
            src: None,
            dst: Some(*ip),
            subject: ip.to_string(),
            // The conflict begins when the second card claims the address, not at the
            // owner's first announcement.
            first_seen: claims.get(1).map(|(_, e)| e.ts).unwrap_or_default(),
            last_seen: claims.iter().map(|(_, e)| e.ts).max().unwrap_or_default(),
            count: claims.len() as u64,
            explanation: render(&rule.explanation, &vars, claims.len() as u64),
            evidence,
        });
    }
    out
}

/// Services that only industrial devices speak; a flow of one marks its server as OT.
const INDUSTRIAL_SERVICES: &[&str] = &[
    "modbus",
    "s7comm",
    "s7comm_plus",
    "enip",
    "cip",
    "dnp3",
    "iec104",
    "mms",
    "iec61850",
    "bacnet",
    "opcua",
    "profinet_io_cm",
    "profinet",
    "omron_fins",
    "hart_ip",
    "synchrophasor",
    "bsap",
    "genisys",
    "ge_srtp",
    "slmp",
    "roc_plus",
    "ads",
    "goose",
];

fn is_ot(input: &DetectionInput<'_>, ip: IpAddr) -> bool {
    input.assets.get(&ip).is_some_and(|a| {
        matches!(
            a.role,
            AssetRole::Controller
                | AssetRole::IoModule
                | AssetRole::SafetyController
                | AssetRole::Hmi
                | AssetRole::ScadaServer
                | AssetRole::EngineeringWorkstation
        ) || matches!(
            a.level,
            Some(PurdueLevel::Process | PurdueLevel::BasicControl | PurdueLevel::Supervisory)
        )
    })
}

/// T0883: one side of a flow outside the site's networks, the other an OT asset or the
/// server of an industrial protocol. "Outside" comes from the site description only.
fn internet_ot_traffic(input: &DetectionInput<'_>, rule: &Rule) -> Vec<Alert> {
    let mut by_pair: HashMap<(IpAddr, IpAddr), Alert> = HashMap::new();
    let mut vars_of: HashMap<(IpAddr, IpAddr), TemplateVars> = HashMap::new();
    for f in input.flows {
        let (o, r) = (f.orig_h, f.resp_h);
        let (o_in, r_in) = (input.site.is_internal(o), input.site.is_internal(r));
        if o_in == r_in || o.is_multicast() || r.is_multicast() || o.is_unspecified() {
            continue;
        }
        let industrial = f
            .service
            .as_deref()
            .is_some_and(|s| INDUSTRIAL_SERVICES.contains(&s));
        let inside = if o_in { o } else { r };
        if !(industrial || is_ot(input, inside)) {
            continue;
        }
        let protocol = f
            .service
            .clone()
            .unwrap_or_else(|| f.transport.as_str().to_string());
        let detail = format!(
            "{}:{} -> {}:{} {} flow {}",
            o, f.orig_p, r, f.resp_p, protocol, f.uid
        );
        let ev = AlertEvidence {
            ts: f.first_ts,
            protocol: protocol.clone(),
            kind: "flow".into(),
            detail: detail.clone(),
            capture: f.first_capture.clone(),
            frame: f.first_frame,
            flow_uid: Some(f.uid.clone()),
        };
        // Both directions of a conversation are one finding: keyed outside side first.
        let key = if o_in { (r, o) } else { (o, r) };
        match by_pair.get_mut(&key) {
            Some(a) => {
                a.count += 1;
                a.first_seen = a.first_seen.min(f.first_ts);
                a.last_seen = a.last_seen.max(f.last_ts);
                if a.evidence.len() < MAX_ALERT_EVIDENCE {
                    a.evidence.push(ev);
                }
            }
            None => {
                vars_of.insert(
                    key,
                    TemplateVars {
                        src: o.to_string(),
                        dst: r.to_string(),
                        src_name: input.name_of(Some(o)),
                        dst_name: input.name_of(Some(r)),
                        protocol,
                        detail,
                        technique: techniques_text(&rule.techniques),
                    },
                );
                by_pair.insert(
                    key,
                    Alert {
                        rule: rule.id.clone(),
                        title: rule.title.clone(),
                        severity: rule.severity,
                        techniques: rule.techniques.clone(),
                        assets: vec![input.key_of(key.0), input.key_of(key.1)],
                        src: Some(o),
                        dst: Some(r),
                        subject: String::new(),
                        first_seen: f.first_ts,
                        last_seen: f.last_ts,
                        count: 1,
                        explanation: String::new(),
                        evidence: vec![ev],
                    },
                );
            }
        }
    }
    by_pair
        .into_iter()
        .map(|(k, mut a)| {
            a.evidence.sort_by_key(|e| (e.ts, e.frame));
            a.explanation = render(&rule.explanation, &vars_of[&k], a.count);
            a
        })
        .collect()
}
