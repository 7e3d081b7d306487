//! The ground truth of a generated capture and the scenario's zone file.
//!
//! The truth says what an analysis of the capture should find: every asset with the
//! identity its protocols reveal, the designed mistakes (`designed_findings`) and, per
//! event, the ATT&CK for ICS techniques it should raise (`expected_alerts`). The zone file
//! is the scenario's zones and conduits in otwatch's zone-file format (`docs/simulator.md`).

use crate::dialect::{self, DialectContext, Revealed};
use crate::engine::Generated;
use crate::frame::format_mac;
use crate::scenario::Scenario;
use otwatch_model::iso_time;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Serialize, Deserialize)]
pub struct Truth {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub start: String,
    pub end: String,
    pub packets: u64,
    pub assets: Vec<TruthAsset>,
    pub designed_findings: Vec<TruthFinding>,
    pub expected_alerts: Vec<ExpectedAlert>,
    pub events: Vec<TruthEvent>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TruthAsset {
    pub name: String,
    pub ip: String,
    pub mac: String,
    pub zone: String,
    pub role: String,
    pub purdue_level: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Protocols the device serves in the capture.
    pub serves: Vec<String>,
    /// Protocols the device uses as a client.
    pub uses: Vec<String>,
    /// Identity attribute → the protocols whose identification reveals it in the capture.
    /// An attribute missing here cannot be recovered from the traffic.
    pub revealed: BTreeMap<String, Vec<String>>,
    /// When the device first sends anything.
    pub appears: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TruthFinding {
    #[serde(rename = "type")]
    pub kind: String,
    pub assets: Vec<String>,
    pub names: Vec<String>,
    pub description: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ExpectedAlert {
    pub technique: String,
    /// Addresses of the source and the target.
    pub assets: Vec<String>,
    pub time: String,
    pub time_micros: i64,
    /// The event lasts until here; an alert first seen in `[time, until]` matches.
    pub until_micros: i64,
    pub attack: bool,
    pub event: String,
    pub description: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TruthEvent {
    pub kind: String,
    pub time: String,
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    pub attack: bool,
    pub description: String,
}

/// Builds the truth of `scenario` after a generator run.
pub fn truth(scenario: &Scenario, generated: &Generated) -> Truth {
    let ip = |i: usize| scenario.devices[i].spec.ip.to_string();
    let mut serves: Vec<BTreeSet<String>> = vec![BTreeSet::new(); scenario.devices.len()];
    let mut uses: Vec<BTreeSet<String>> = vec![BTreeSet::new(); scenario.devices.len()];
    let mut revealed: Vec<BTreeMap<String, BTreeSet<String>>> =
        vec![BTreeMap::new(); scenario.devices.len()];
    for p in &scenario.polls {
        serves[p.server].insert(p.protocol.clone());
        uses[p.client].insert(p.protocol.clone());
        if !p.identify {
            continue;
        }
        let context = DialectContext {
            client: &scenario.devices[p.client].spec,
            server: &scenario.devices[p.server].spec,
            seed: 0,
        };
        if let Ok(d) = dialect::build(&p.protocol, &context) {
            let spec = &scenario.devices[p.server].spec;
            for r in d.reveals() {
                let present = match r {
                    Revealed::Vendor => spec.vendor.is_some(),
                    Revealed::Model => spec.model.is_some(),
                    Revealed::OrderNumber => spec.order_number.is_some(),
                    Revealed::Firmware => spec.firmware.is_some(),
                    Revealed::Hardware => spec.hardware.is_some(),
                    Revealed::Serial => spec.serial.is_some(),
                    Revealed::Name => true,
                };
                if present {
                    revealed[p.server]
                        .entry(r.name().to_string())
                        .or_default()
                        .insert(p.protocol.clone());
                }
            }
        }
    }
    let assets = scenario
        .devices
        .iter()
        .enumerate()
        .map(|(i, d)| TruthAsset {
            name: d.spec.name.clone(),
            ip: d.spec.ip.to_string(),
            mac: format_mac(&d.spec.mac),
            zone: scenario.zones[d.zone].name.clone(),
            role: d.role.as_str().to_string(),
            purdue_level: d.level.as_str().to_string(),
            vendor: d.spec.vendor.clone(),
            model: d.spec.model.clone(),
            order_number: d.spec.order_number.clone(),
            firmware: d.spec.firmware.clone(),
            hardware: d.spec.hardware.clone(),
            serial: d.spec.serial.clone(),
            hostname: d.spec.hostname.clone(),
            serves: serves[i].iter().cloned().collect(),
            uses: uses[i].iter().cloned().collect(),
            revealed: revealed[i]
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().cloned().collect()))
                .collect(),
            appears: iso_time(scenario.start + d.appears),
        })
        .collect();
    let designed_findings = scenario
        .findings
        .iter()
        .map(|f| TruthFinding {
            kind: f.kind.clone(),
            assets: f.assets.iter().map(|&i| ip(i)).collect(),
            names: f
                .assets
                .iter()
                .map(|&i| scenario.devices[i].spec.name.clone())
                .collect(),
            description: f.description.clone(),
        })
        .collect();
    let mut expected_alerts = Vec::new();
    for p in &scenario.polls {
        let at = scenario.start
            + p.start
                .max(scenario.devices[p.client].appears)
                .max(scenario.devices[p.server].appears);
        for t in &p.techniques {
            expected_alerts.push(ExpectedAlert {
                technique: t.clone(),
                assets: vec![ip(p.client), ip(p.server)],
                time: iso_time(at),
                time_micros: at,
                until_micros: scenario.end(),
                attack: false,
                event: format!("{} poll", p.protocol),
                description: format!(
                    "{} polls {} over {} by design",
                    scenario.devices[p.client].spec.name,
                    scenario.devices[p.server].spec.name,
                    p.protocol
                ),
            });
        }
    }
    let mut events = Vec::new();
    for e in &scenario.events {
        let mut assets = vec![ip(e.from)];
        if let Some(to) = e.to {
            assets.push(ip(to));
        }
        let at = scenario.start + e.at;
        // Sessions take a few seconds to open; floods and spoofing last their duration.
        let until = at + e.duration.max(30_000_000);
        for t in &e.techniques {
            expected_alerts.push(ExpectedAlert {
                technique: t.clone(),
                assets: assets.clone(),
                time: iso_time(at),
                time_micros: at,
                until_micros: until,
                attack: e.attack,
                event: e.kind.name().to_string(),
                description: e.description.clone(),
            });
        }
        events.push(TruthEvent {
            kind: e.kind.name().to_string(),
            time: iso_time(at),
            from: ip(e.from),
            to: e.to.map(ip),
            protocol: e.protocol.clone(),
            attack: e.attack,
            description: e.description.clone(),
        });
    }
    Truth {
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        seed: scenario.seed,
        start: iso_time(scenario.start),
        end: iso_time(scenario.end()),
        packets: generated.packets,
        assets,
        designed_findings,
        expected_alerts,
        events,
    }
}

#[derive(Debug, Serialize)]
struct ZoneFile {
    zone: Vec<ZoneOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conduit: Vec<ConduitOut>,
}

#[derive(Debug, Serialize)]
struct ZoneOut {
    name: String,
    level: String,
    networks: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    security_level: Option<u8>,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
}

#[derive(Debug, Serialize)]
struct ConduitOut {
    name: String,
    zones: [String; 2],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    protocols: Vec<String>,
    /// Address of the host every session through the conduit must pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    through: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
}

/// The scenario's zones and conduits as an otwatch zone file (TOML).
pub fn zone_file(scenario: &Scenario) -> String {
    let file = ZoneFile {
        zone: scenario
            .zones
            .iter()
            .map(|z| ZoneOut {
                name: z.name.clone(),
                level: z.level.as_str().to_string(),
                networks: vec![z.subnet.to_string()],
                security_level: z.security_level,
                description: z.description.clone(),
            })
            .collect(),
        conduit: scenario
            .conduits
            .iter()
            .map(|c| ConduitOut {
                name: c.name.clone(),
                zones: [
                    scenario.zones[c.zones[0]].name.clone(),
                    scenario.zones[c.zones[1]].name.clone(),
                ],
                protocols: c.protocols.clone(),
                through: c.through.map(|d| scenario.devices[d].spec.ip.to_string()),
                description: c.description.clone(),
            })
            .collect(),
    };
    let body = toml::to_string_pretty(&file).expect("zone file serialises");
    format!(
        "# Zones and conduits of the simulated site {:?} (otwatch zone file, see docs/simulator.md).\n\n{body}",
        scenario.name
    )
}
