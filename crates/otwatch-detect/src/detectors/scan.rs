//! Scans and SYN floods, read from the connection records.
//!
//! A port scan shows as one source opening TCP connections that the target never answers
//! or refuses (Zeek states S0, REJ, RSTOS0, RSTRH, SH, SHR) to many ports of one host, or to
//! one port of many hosts, within a minute: reconnaissance of what runs where (ATT&CK for
//! ICS T0846 Remote System Discovery). A SYN flood is the same half-open state in such
//! numbers towards one host that its connection table, and on small controllers its
//! process, suffers (T0814 Denial of Service). Both are judged in a sliding window so that
//! a long capture of ordinary reconnects never adds up to one.

use super::Rule;
use crate::{render, techniques_text, DetectionInput, TemplateVars};
use otwatch_model::alert::{Alert, AlertEvidence, MAX_ALERT_EVIDENCE};
use otwatch_model::{iso_time, FlowRecord, Micros, TransportProto};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;

/// Window of a scan, and how many distinct unanswered targets (ports of one host, or hosts
/// on one port) within it make one.
const SCAN_WINDOW: Micros = 60_000_000;
const SCAN_TARGETS: usize = 100;

/// Window of a flood and the half-open connections to one host within it that make one.
const FLOOD_WINDOW: Micros = 10_000_000;
const FLOOD_CONNECTIONS: usize = 1_000;

/// Connection states of an attempt the responder never took up.
fn unanswered(f: &FlowRecord) -> bool {
    f.transport == TransportProto::Tcp
        && matches!(
            f.conn_state.as_str(),
            "S0" | "REJ" | "RSTOS0" | "RSTRH" | "SH" | "SHR"
        )
}

/// Unanswered attempts per source, oldest first.
fn attempts_by_source<'a>(input: &DetectionInput<'a>) -> Vec<(IpAddr, Vec<&'a FlowRecord>)> {
    let mut by_source: HashMap<IpAddr, Vec<&FlowRecord>> = HashMap::new();
    for f in input.flows.iter().filter(|f| unanswered(f)) {
        // A responder's port below 1024 with an ephemeral originator port is the usual
        // direction; the record's originator is the side that sent the first SYN.
        by_source.entry(f.orig_h).or_default().push(f);
    }
    let mut out: Vec<_> = by_source.into_iter().collect();
    out.sort_by_key(|(ip, _)| *ip);
    for (_, flows) in &mut out {
        flows.sort_by_key(|f| (f.first_ts, f.first_frame));
    }
    out
}

fn evidence(flows: &[&FlowRecord]) -> Vec<AlertEvidence> {
    flows
        .iter()
        .take(MAX_ALERT_EVIDENCE)
        .map(|f| AlertEvidence {
            ts: f.first_ts,
            protocol: "tcp".into(),
            kind: "unanswered_connection".into(),
            detail: format!(
                "{}:{} -> {}:{} {}",
                f.orig_h, f.orig_p, f.resp_h, f.resp_p, f.conn_state
            ),
            capture: f.first_capture.clone(),
            frame: f.first_frame,
            flow_uid: Some(f.uid.clone()),
        })
        .collect()
}

/// The first window of `flows` (sorted by time) in which `key` takes `threshold` distinct
/// values; returns the index range of that window.
fn first_window<K: Ord + Copy>(
    flows: &[&FlowRecord],
    window: Micros,
    threshold: usize,
    key: impl Fn(&FlowRecord) -> K,
) -> Option<(usize, usize)> {
    let mut counts: std::collections::BTreeMap<K, usize> = std::collections::BTreeMap::new();
    let mut start = 0;
    let mut queue: VecDeque<usize> = VecDeque::new();
    for (i, f) in flows.iter().enumerate() {
        *counts.entry(key(f)).or_default() += 1;
        queue.push_back(i);
        while let Some(&first) = queue.front() {
            if f.first_ts - flows[first].first_ts <= window {
                break;
            }
            let k = key(flows[first]);
            if let Some(c) = counts.get_mut(&k) {
                *c -= 1;
                if *c == 0 {
                    counts.remove(&k);
                }
            }
            queue.pop_front();
            start = first + 1;
        }
        if counts.len() >= threshold {
            return Some((start, i + 1));
        }
    }
    None
}

struct Found<'a> {
    target: Option<IpAddr>,
    detail: String,
    flows: Vec<&'a FlowRecord>,
}

fn alert(input: &DetectionInput<'_>, rule: &Rule, source: IpAddr, found: Found<'_>) -> Alert {
    let vars = TemplateVars {
        src: source.to_string(),
        dst: found
            .target
            .map(|t| t.to_string())
            .unwrap_or_else(|| "many hosts".into()),
        src_name: input.name_of(Some(source)),
        dst_name: found
            .target
            .map(|t| input.name_of(Some(t)))
            .unwrap_or_else(|| "many hosts".into()),
        protocol: "tcp".into(),
        detail: found.detail.clone(),
        technique: techniques_text(&rule.techniques),
    };
    let count = found.flows.len() as u64;
    let mut assets = vec![input.key_of(source)];
    if let Some(t) = found.target {
        assets.push(input.key_of(t));
    }
    Alert {
        rule: rule.id.clone(),
        title: rule.title.clone(),
        severity: rule.severity,
        techniques: rule.techniques.clone(),
        assets,
        src: Some(source),
        dst: found.target,
        subject: String::new(),
        first_seen: found.flows.first().map(|f| f.first_ts).unwrap_or_default(),
        last_seen: found
            .flows
            .iter()
            .map(|f| f.last_ts)
            .max()
            .unwrap_or_default(),
        count,
        explanation: render(&rule.explanation, &vars, count),
        evidence: evidence(&found.flows),
    }
}

/// Per group (a target host, or a target port), the attempts from the first window in which
/// they reach [`SCAN_TARGETS`] distinct values of `spread` on: the group, those attempts, how
/// many distinct values they reach, and when the window began.
fn spread_groups<'a, G: Ord + Copy + std::hash::Hash, S: Ord + Copy>(
    flows: &[&'a FlowRecord],
    group: impl Fn(&FlowRecord) -> G,
    spread: impl Fn(&FlowRecord) -> S + Copy,
) -> Vec<(G, Vec<&'a FlowRecord>, usize, Micros)> {
    let mut groups: HashMap<G, Vec<&FlowRecord>> = HashMap::new();
    for f in flows {
        groups.entry(group(f)).or_default().push(f);
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|(g, _)| *g);
    let mut out = Vec::new();
    for (g, members) in groups {
        if let Some((a, _)) = first_window(&members, SCAN_WINDOW, SCAN_TARGETS, spread) {
            let all: Vec<&FlowRecord> = members[a..].to_vec();
            let distinct = all.iter().map(|f| spread(f)).collect::<BTreeSet<S>>().len();
            let began = all[0].first_ts;
            out.push((g, all, distinct, began));
        }
    }
    out
}

/// T0846: unanswered connections from one source to many ports of one host (vertical), or
/// to one port of many hosts (horizontal), within a minute.
pub fn port_scan(input: &DetectionInput<'_>, rule: &Rule) -> Vec<Alert> {
    let mut out = Vec::new();
    let window = SCAN_WINDOW / 1_000_000;
    for (source, flows) in attempts_by_source(input) {
        for (host, all, ports, began) in spread_groups(&flows, |f| f.resp_h, |f| f.resp_p) {
            let detail = format!(
                "{} unanswered connections to {ports} ports of {host} from {} on ({SCAN_TARGETS} ports within {window} s)",
                all.len(),
                iso_time(began),
            );
            let found = Found {
                target: Some(host),
                detail,
                flows: all,
            };
            out.push(alert(input, rule, source, found));
        }
        for (port, all, hosts, began) in spread_groups(&flows, |f| f.resp_p, |f| f.resp_h) {
            let detail = format!(
                "{} unanswered connections to port {port} of {hosts} hosts from {} on ({SCAN_TARGETS} hosts within {window} s)",
                all.len(),
                iso_time(began),
            );
            let found = Found {
                target: None,
                detail,
                flows: all,
            };
            out.push(alert(input, rule, source, found));
        }
    }
    out
}

/// T0814: a thousand or more half-open connections from one source to one host within ten
/// seconds.
pub fn syn_flood(input: &DetectionInput<'_>, rule: &Rule) -> Vec<Alert> {
    let mut out = Vec::new();
    for (source, flows) in attempts_by_source(input) {
        let mut by_host: HashMap<IpAddr, Vec<&FlowRecord>> = HashMap::new();
        for f in flows.iter().filter(|f| f.conn_state == "S0") {
            by_host.entry(f.resp_h).or_default().push(f);
        }
        let mut hosts: Vec<_> = by_host.into_iter().collect();
        hosts.sort_by_key(|(ip, _)| *ip);
        for (host, host_flows) in hosts {
            // Each half-open flow is its own key: the window counts connections.
            if let Some((a, _)) = first_window(&host_flows, FLOOD_WINDOW, FLOOD_CONNECTIONS, |f| {
                (f.orig_p, f.resp_p, f.first_frame)
            }) {
                let all: Vec<&FlowRecord> = host_flows[a..].to_vec();
                let seconds = (all.last().map(|f| f.first_ts).unwrap_or_default() - all[0].first_ts)
                    .max(1) as f64
                    / 1e6;
                out.push(alert(
                    input,
                    rule,
                    source,
                    Found {
                        target: Some(host),
                        detail: format!(
                            "{} half-open connections to {host} in {seconds:.0} s ({:.0} per second) from {} on",
                            all.len(),
                            all.len() as f64 / seconds.max(1.0),
                            iso_time(all[0].first_ts)
                        ),
                        flows: all,
                    },
                ));
            }
        }
    }
    out
}
