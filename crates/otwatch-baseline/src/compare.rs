//! Comparing one analysis with the baseline: each departure becomes an alert an operator
//! can act on, with the first frame that showed it.
//!
//! Severities: a new function or a first write towards a controller is `high` (it is how a
//! process gets changed), towards other devices `medium`; a new asset or a new edge is
//! `medium`; addresses outside the learned ranges are `medium`, or `high` for writes to a
//! controller; a cadence break is `low` (timing alone is a weak signal). A server whose role
//! is not known yet counts as a controller: it answers a control protocol, and the cautious
//! reading is the one an operator would rather dismiss than miss.

use crate::{access, rate_per_minute, Baseline, BaselineFunction, SUBJECT_SEP};
use otwatch_model::alert::{Alert, AlertEvidence, Severity, MAX_ALERT_EVIDENCE};
use otwatch_model::identity::AssetRole;
use otwatch_model::ranges::AddressRanges;
use otwatch_model::{iso_time, Asset, Edge, FlowRecord, FunctionAggregate, Micros, ProtocolEvent};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// What one analysis produced, as the baseline reads it.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunData<'a> {
    pub assets: &'a [Asset],
    pub edges: &'a [Edge],
    pub functions: &'a [FunctionAggregate],
    /// Only for evidence: the flow that carried a finding's first occurrence.
    pub flows: &'a [FlowRecord],
    /// Only for evidence: a protocol event at a function's first request gives its exact
    /// frame (the aggregates keep times, not frames).
    pub events: &'a [ProtocolEvent],
}

/// How far a rate may stray from the learned median before it is a break: three robust
/// standard deviations (1.4826 × the median absolute deviation), but never less than half
/// the median, because a baseline learned from one or two sources has no spread to speak of.
fn cadence_tolerance(median: f64, spread: f64) -> f64 {
    (3.0 * 1.4826 * spread).max(0.5 * median)
}

struct Ctx<'a> {
    base: &'a Baseline,
    run: &'a RunData<'a>,
    assets: HashMap<&'a str, &'a Asset>,
    /// The run's flows by each of their two addresses, for evidence.
    flows_by_ip: HashMap<IpAddr, Vec<&'a FlowRecord>>,
}

impl<'a> Ctx<'a> {
    fn ips(&self, key: &str) -> Vec<IpAddr> {
        self.assets
            .get(key)
            .map(|a| a.ips.clone())
            .unwrap_or_else(|| {
                key.strip_prefix("ip:")
                    .or_else(|| key.strip_prefix("net:"))
                    .and_then(|s| s.parse().ok())
                    .into_iter()
                    .collect()
            })
    }

    fn ip(&self, key: &str) -> Option<IpAddr> {
        self.ips(key).first().copied()
    }

    /// "10.0.0.5 (mac:00:80:...)" — the address people know, and the key the CLI lists.
    fn name(&self, key: &str) -> String {
        match self.ip(key) {
            Some(ip) if key != format!("ip:{ip}") => format!("{ip} ({key})"),
            Some(ip) => ip.to_string(),
            None => key.to_string(),
        }
    }

    fn role(&self, key: &str) -> AssetRole {
        let seen = self.assets.get(key).map(|a| a.identity.role);
        match seen {
            Some(r) if r != AssetRole::Unknown => r,
            _ => self
                .base
                .asset(key)
                .and_then(|a| AssetRole::parse(&a.role))
                .unwrap_or(AssetRole::Unknown),
        }
    }

    /// Whether the run saw requests for protocol functions on `e` (not only packets).
    fn serves_functions(&self, e: &Edge) -> bool {
        self.run.functions.iter().any(|f| {
            f.client == e.client && f.server == e.server && carries(&e.protocol, &f.protocol)
        })
    }

    /// Endpoints that are no asset (broadcast, multicast, `net:` keys) control nothing.
    fn controller_like(&self, key: &str) -> bool {
        if !self.assets.contains_key(key) && self.base.asset(key).is_none() {
            return false;
        }
        matches!(
            self.role(key),
            AssetRole::Controller
                | AssetRole::SafetyController
                | AssetRole::IoModule
                | AssetRole::Unknown
        )
    }

    /// The flow between `client` and `server` that was open at `ts`, else the first one
    /// between them after it: where an analyst finds the first occurrence.
    fn flow_at(&self, client: &str, server: &str, ts: Micros) -> Option<&'a FlowRecord> {
        let (c, s) = (self.ips(client), self.ips(server));
        let between = |f: &&&FlowRecord| {
            (c.contains(&f.orig_h) && s.contains(&f.resp_h))
                || (c.contains(&f.resp_h) && s.contains(&f.orig_h))
        };
        let flows = c
            .iter()
            .filter_map(|ip| self.flows_by_ip.get(ip))
            .flatten()
            .filter(between)
            .copied();
        let open = flows
            .clone()
            .filter(|f| f.first_ts <= ts && ts <= f.last_ts)
            .min_by_key(|f| f.first_ts);
        open.or_else(|| {
            flows
                .filter(|f| f.first_ts >= ts)
                .min_by_key(|f| f.first_ts)
        })
    }

    fn function_evidence(
        &self,
        f: &FunctionAggregate,
        kind: &str,
        detail: String,
    ) -> Vec<AlertEvidence> {
        let (c, s) = (self.ips(&f.client), self.ips(&f.server));
        let event = self.run.events.iter().find(|e| {
            e.ts == f.first_seen
                && e.protocol == f.protocol
                && e.src.is_some_and(|ip| c.contains(&ip))
                && e.dst.is_some_and(|ip| s.contains(&ip))
        });
        if let Some(e) = event {
            return vec![AlertEvidence {
                ts: e.ts,
                protocol: f.protocol.clone(),
                kind: kind.to_string(),
                detail: format!("{detail} ({}: {})", e.kind, e.detail),
                capture: e.capture.clone(),
                frame: e.frame,
                flow_uid: e.flow_uid.clone(),
            }];
        }
        let flow = self.flow_at(&f.client, &f.server, f.first_seen);
        let edge = self.run.edges.iter().find(|e| {
            e.client == f.client && e.server == f.server && carries(&e.protocol, &f.protocol)
        });
        let (capture, frame, uid) = match (flow, edge) {
            (Some(fl), _) => (
                fl.first_capture.clone(),
                fl.first_frame,
                Some(fl.uid.clone()),
            ),
            (None, Some(e)) => (e.first_capture.clone(), e.first_frame, None),
            (None, None) => (String::new(), 0, None),
        };
        vec![AlertEvidence {
            ts: f.first_seen,
            protocol: f.protocol.clone(),
            kind: kind.to_string(),
            detail,
            capture,
            frame,
            flow_uid: uid,
        }]
    }
}

fn alert(rule: &str, title: &str, severity: Severity, techniques: &[&str]) -> Alert {
    Alert {
        rule: rule.to_string(),
        title: title.to_string(),
        severity,
        techniques: techniques.iter().map(|t| t.to_string()).collect(),
        assets: Vec::new(),
        src: None,
        dst: None,
        subject: String::new(),
        first_seen: 0,
        last_seen: 0,
        count: 1,
        explanation: String::new(),
        evidence: Vec::new(),
    }
}

/// The ATT&CK for ICS technique a function's name points at, beyond plain writes.
fn function_techniques(protocol: &str, function: &str) -> Vec<&'static str> {
    let lower = function.to_ascii_lowercase();
    let mut t = Vec::new();
    if access::is_write(protocol, function) {
        t.push("T0855");
    }
    if lower.contains("download") {
        t.push("T0843");
    } else if lower.contains("upload") {
        t.push("T0845");
    } else if lower.contains("restart") || lower.contains("reinitialize") {
        t.push("T0816");
    } else if lower.contains("stop") {
        t.push("T0858");
    }
    t
}

/// Whether an edge's protocol (a stack such as `cotp,s7comm`, as flows name their
/// service) carries a function's protocol (`s7comm`).
pub(crate) fn carries(edge_protocol: &str, protocol: &str) -> bool {
    edge_protocol == protocol || edge_protocol.split(',').any(|p| p == protocol)
}

fn shares_protocol(a: &str, b: &str) -> bool {
    a.split(',').any(|p| carries(b, p))
}

/// Every departure of `run` from `base`, most severe first. An empty baseline yields
/// nothing: there is nothing to depart from.
pub fn compare(base: &Baseline, run: &RunData<'_>) -> Vec<Alert> {
    if base.is_empty() {
        return Vec::new();
    }
    // The lookups search in key order; a hand-built baseline may not be in it.
    let sorted;
    let base = if base.is_sorted() {
        base
    } else {
        sorted = {
            let mut b = base.clone();
            b.sort();
            b
        };
        &sorted
    };
    let mut cx = Ctx {
        base,
        run,
        assets: run.assets.iter().map(|a| (a.key.as_str(), a)).collect(),
        flows_by_ip: HashMap::new(),
    };
    for f in run.flows {
        cx.flows_by_ip.entry(f.orig_h).or_default().push(f);
        if f.resp_h != f.orig_h {
            cx.flows_by_ip.entry(f.resp_h).or_default().push(f);
        }
    }
    let mut out = Vec::new();
    new_assets(&cx, &mut out);
    new_edges(&cx, &mut out);
    functions(&cx, &mut out);
    silent_functions(&cx, &mut out);
    for a in &mut out {
        a.evidence.truncate(MAX_ALERT_EVIDENCE);
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.first_seen.cmp(&b.first_seen))
            .then_with(|| a.dedup_key().cmp(&b.dedup_key()))
    });
    out
}

fn new_assets(cx: &Ctx<'_>, out: &mut Vec<Alert>) {
    for a in cx.run.assets {
        if cx.base.asset(&a.key).is_some() {
            continue;
        }
        // A new machine that opens connections to controllers is what a transient laptop
        // or a planted box looks like; a new server is more likely new equipment.
        let acts_on_controllers =
            cx.run.edges.iter().any(|e| {
                e.client == a.key && cx.controller_like(&e.server) && cx.serves_functions(e)
            });
        let mut al = alert(
            "baseline.new_asset",
            "New asset",
            Severity::Medium,
            if acts_on_controllers { &["T0864"] } else { &[] },
        );
        al.assets = vec![a.key.clone()];
        al.src = a.ips.first().copied();
        // The asset alone is the finding: a role decided later must not make it a second one.
        al.subject = String::new();
        al.first_seen = a.first_seen;
        al.last_seen = a.last_seen;
        let first_flow = if a.ips.is_empty() {
            // Only layer-2 assets have no address; their flows are found by MAC.
            cx.run
                .flows
                .iter()
                .filter(|f| {
                    [f.orig_mac, f.resp_mac]
                        .iter()
                        .flatten()
                        .any(|m| a.macs.contains(&otwatch_model::mac_text::format(m)))
                })
                .min_by_key(|f| f.first_ts)
        } else {
            a.ips
                .iter()
                .filter_map(|ip| cx.flows_by_ip.get(ip))
                .flatten()
                .copied()
                .min_by_key(|f| f.first_ts)
        };
        if let Some(f) = first_flow {
            al.evidence.push(AlertEvidence {
                ts: f.first_ts,
                protocol: f
                    .service
                    .clone()
                    .unwrap_or_else(|| f.transport.as_str().to_string()),
                kind: "first_flow".into(),
                detail: format!("{}:{} → {}:{}", f.orig_h, f.orig_p, f.resp_h, f.resp_p),
                capture: f.first_capture.clone(),
                frame: f.first_frame,
                flow_uid: Some(f.uid.clone()),
            });
        } else if let Some(at) = a.attributes.iter().min_by_key(|x| x.evidence.ts) {
            al.evidence.push(AlertEvidence {
                ts: at.evidence.ts,
                protocol: at.evidence.protocol.clone(),
                kind: "first_attribute".into(),
                detail: format!("{} = {}", at.name, at.value),
                capture: at.evidence.capture.clone(),
                frame: at.evidence.frame,
                flow_uid: None,
            });
        }
        let mut vendor = a
            .vendor
            .as_deref()
            .map(|v| format!(", {v}"))
            .unwrap_or_default();
        if a.identity.role != AssetRole::Unknown {
            vendor.push_str(&format!(", {}", a.identity.role.as_str().replace('_', " ")));
        }
        al.explanation = format!(
            "{}{vendor} was never seen while the baseline was learned; its first traffic is at {}. \
             A device new to a control network is a planned change nobody recorded, or someone's foothold: \
             find out who connected it, then accept the alert into the baseline if it belongs.",
            cx.name(&a.key),
            iso_time(a.first_seen)
        );
        out.push(al);
    }
}

/// A client that opens new paths to this many servers in one run is exploring the network.
const SCAN_SERVERS: usize = 5;

fn new_edges(cx: &Ctx<'_>, out: &mut Vec<Alert>) {
    let mut servers: HashMap<&str, HashSet<&str>> = HashMap::new();
    for e in cx.run.edges {
        if cx.base.edge(&e.client, &e.server, &e.protocol).is_none() {
            servers.entry(&e.client).or_default().insert(&e.server);
        }
    }
    let new_servers: HashMap<&str, usize> =
        servers.into_iter().map(|(c, s)| (c, s.len())).collect();
    for e in cx.run.edges {
        if cx.base.edge(&e.client, &e.server, &e.protocol).is_some() {
            continue;
        }
        // A new client commanding a controller over its control protocol is the shape of a
        // rogue master; other new edges are worth a look, nothing more.
        let client_known_for_protocol = cx
            .base
            .edges
            .iter()
            .any(|b| b.client == e.client && shares_protocol(&b.protocol, &e.protocol));
        let rogue =
            cx.serves_functions(e) && !client_known_for_protocol && cx.controller_like(&e.server);
        let mut techniques: Vec<&str> = Vec::new();
        if rogue {
            techniques.push("T0848");
        }
        let fanned_out = new_servers.get(e.client.as_str()).copied().unwrap_or(0) >= SCAN_SERVERS;
        if fanned_out {
            techniques.push("T0846");
        }
        let mut al = alert(
            "baseline.new_edge",
            "New communication path",
            Severity::Medium,
            &techniques,
        );
        al.assets = vec![e.client.clone(), e.server.clone()];
        al.src = cx.ip(&e.client);
        al.dst = cx.ip(&e.server);
        al.subject = e.protocol.clone();
        al.first_seen = e.first_seen;
        al.last_seen = e.last_seen;
        al.count = e.flows.max(1);
        al.evidence.push(AlertEvidence {
            ts: e.first_seen,
            protocol: e.protocol.clone(),
            kind: "first_flow".into(),
            detail: format!(
                "{} → {} {}{}",
                cx.name(&e.client),
                cx.name(&e.server),
                e.protocol,
                e.server_port
                    .map(|p| format!(" port {p}"))
                    .unwrap_or_default()
            ),
            capture: e.first_capture.clone(),
            frame: e.first_frame,
            flow_uid: None,
        });
        // The functions the new path carried go with it, so that accepting the edge
        // accepts what it was used for.
        for f in cx.run.functions.iter().filter(|f| {
            f.client == e.client && f.server == e.server && carries(&e.protocol, &f.protocol)
        }) {
            let mut ev = cx.function_evidence(f, "function", f.function.clone());
            al.evidence.append(&mut ev);
        }
        let scan = if fanned_out {
            format!(
                " It opened new paths to {} servers in this run, the pattern of someone discovering what is there.",
                new_servers.get(e.client.as_str()).copied().unwrap_or(0)
            )
        } else {
            String::new()
        };
        let why = if rogue {
            format!(
                "{} never acted as a {} client in the baseline; a new master issuing requests to a controller can command the process (rogue master).",
                cx.name(&e.client),
                e.protocol
            )
        } else {
            "Paths that were not there while the baseline was learned show new dependencies, or someone exploring.".to_string()
        };
        al.explanation = format!(
            "{} talked to {} over {} ({} flow{}, first at {}), which it never did while the baseline was learned. {why}",
            cx.name(&e.client),
            cx.name(&e.server),
            e.protocol,
            e.flows,
            if e.flows == 1 { "" } else { "s" },
            iso_time(e.first_seen)
        ) + &scan;
        out.push(al);
    }
}

fn functions(cx: &Ctx<'_>, out: &mut Vec<Alert>) {
    // Pairs the baseline saw writing: a first write is judged per client and server, over
    // any protocol, because that is what "never seen writing to that controller" means.
    let writers: HashSet<(&str, &str)> = cx
        .base
        .functions
        .iter()
        .filter(|f| f.write)
        .map(|f| (f.client.as_str(), f.server.as_str()))
        .collect();
    for f in cx.run.functions {
        let write = access::is_write(&f.protocol, &f.function);
        let edge_known = cx.base.carrier(&f.client, &f.server, &f.protocol).is_some();
        let learned = cx
            .base
            .function(&f.client, &f.server, &f.protocol, &f.function);
        let subject = format!("{}{SUBJECT_SEP}{}", f.protocol, f.function);
        let controller = cx.controller_like(&f.server);
        let sev = if controller {
            Severity::High
        } else {
            Severity::Medium
        };
        if learned.is_none() && write && !writers.contains(&(f.client.as_str(), f.server.as_str()))
        {
            let mut al = alert(
                "baseline.write_where_only_reads",
                "Write from a source never seen writing to this device",
                sev,
                &function_techniques(&f.protocol, &f.function),
            );
            fill(cx, &mut al, f, subject);
            let addrs = addresses_text(&f.addresses);
            al.evidence = cx.function_evidence(
                f,
                "first_request",
                format!("first {} request{addrs}", f.function),
            );
            al.explanation = format!(
                "{} sent {} {} request{} ({}{addrs}) to {}, first at {}. While the baseline was learned it {} this device. \
                 A write from a source never seen writing can change setpoints or outputs (unauthorized command message): \
                 confirm the change was planned and who made it.",
                cx.name(&f.client),
                f.count,
                f.protocol,
                if f.count == 1 { "" } else { "s" },
                f.function,
                cx.name(&f.server),
                iso_time(f.first_seen),
                if edge_known { "only read from" } else { "never talked to" }
            );
            out.push(al);
            continue;
        }
        let Some(learned) = learned else {
            // Functions on a new edge are told by the new-edge alert; only writes (above)
            // stand on their own.
            if !edge_known {
                continue;
            }
            let mut al = alert(
                "baseline.new_function",
                "New function on a known communication path",
                sev,
                &function_techniques(&f.protocol, &f.function),
            );
            fill(cx, &mut al, f, subject);
            al.evidence = cx.function_evidence(
                f,
                "first_request",
                format!(
                    "first {} request{}",
                    f.function,
                    addresses_text(&f.addresses)
                ),
            );
            let known: Vec<&str> = cx
                .base
                .functions
                .iter()
                .filter(|b| {
                    b.client == f.client && b.server == f.server && b.protocol == f.protocol
                })
                .map(|b| b.function.as_str())
                .collect();
            al.explanation = format!(
                "{} asked {} for {} over {} ({} time{}, first at {}); while the baseline was learned this path carried {}. \
                 A function new to a long-standing path is how diagnostics, program changes and control commands show up.",
                cx.name(&f.client),
                cx.name(&f.server),
                f.function,
                f.protocol,
                f.count,
                if f.count == 1 { "" } else { "s" },
                iso_time(f.first_seen),
                if known.is_empty() {
                    "no recognised functions".to_string()
                } else {
                    format!("only {}", known.join(", "))
                }
            );
            out.push(al);
            continue;
        };
        address_outside(cx, f, learned, write, controller, out);
        cadence(cx, f, learned, write, out);
    }
}

fn fill(cx: &Ctx<'_>, al: &mut Alert, f: &FunctionAggregate, subject: String) {
    al.assets = vec![f.client.clone(), f.server.clone()];
    al.src = cx.ip(&f.client);
    al.dst = cx.ip(&f.server);
    al.subject = subject;
    al.first_seen = f.first_seen;
    al.last_seen = f.last_seen;
    al.count = f.count.max(1);
}

fn addresses_text(a: &AddressRanges) -> String {
    if a.is_empty() {
        String::new()
    } else {
        format!(", {}", a.to_text())
    }
}

/// The parts of `seen` that no learned range covers.
pub(crate) fn outside(seen: &AddressRanges, learned: &AddressRanges) -> AddressRanges {
    let mut out = AddressRanges::default();
    for s in &seen.spaces {
        let known: &[(u64, u64)] = learned
            .spaces
            .iter()
            .find(|l| l.space == s.space)
            .map(|l| l.ranges.as_slice())
            .unwrap_or(&[]);
        for &(a, b) in &s.ranges {
            // Walk the learned ranges (sorted, disjoint) and keep the gaps inside a..=b.
            let mut from = a;
            let mut covered = false;
            for &(ka, kb) in known {
                if kb < from {
                    continue;
                }
                if ka > b {
                    break;
                }
                if ka > from {
                    out.add(&s.space, from, ka - 1);
                }
                if kb >= b {
                    covered = true;
                    break;
                }
                from = kb + 1;
            }
            if !covered {
                out.add(&s.space, from, b);
            }
        }
    }
    out
}

fn address_outside(
    cx: &Ctx<'_>,
    f: &FunctionAggregate,
    learned: &BaselineFunction,
    write: bool,
    controller: bool,
    out: &mut Vec<Alert>,
) {
    // A protocol that states no addresses leaves nothing to compare.
    if learned.addresses.is_empty() || f.addresses.is_empty() {
        return;
    }
    let beyond = outside(&f.addresses, &learned.addresses);
    if beyond.is_empty() {
        return;
    }
    let (sev, tech): (Severity, &[&str]) = match (write, controller) {
        (true, true) => (Severity::High, &["T0836"]),
        (true, false) => (Severity::Medium, &["T0836"]),
        (false, _) => (Severity::Medium, &["T0861"]),
    };
    let mut al = alert(
        "baseline.address_outside",
        if write {
            "Write to addresses outside the learned ranges"
        } else {
            "Access to addresses outside the learned ranges"
        },
        sev,
        tech,
    );
    let text = beyond.to_text();
    fill(
        cx,
        &mut al,
        f,
        format!(
            "{}{SUBJECT_SEP}{}{SUBJECT_SEP}{text}",
            f.protocol, f.function
        ),
    );
    al.evidence = cx.function_evidence(
        f,
        "address_range",
        format!("{} touched {}", f.function, f.addresses.to_text()),
    );
    al.explanation = format!(
        "{} {} {text} on {} with {} ({}); the baseline knows only {} for that function. {}",
        cx.name(&f.client),
        if write { "wrote" } else { "read" },
        cx.name(&f.server),
        f.function,
        f.protocol,
        learned.addresses.to_text(),
        if write {
            "Writes to registers or objects never written before change parameters the process did not change in normal operation."
        } else {
            "Reading addresses never read before is how someone maps a controller's points and tags."
        }
    );
    out.push(al);
}

fn cadence(
    cx: &Ctx<'_>,
    f: &FunctionAggregate,
    learned: &BaselineFunction,
    write: bool,
    out: &mut Vec<Alert>,
) {
    let (Some(stats), Some(rate)) = (learned.cadence_stats(), rate_per_minute(f)) else {
        return;
    };
    let tol = cadence_tolerance(stats.median, stats.spread);
    if (rate - stats.median).abs() <= tol {
        return;
    }
    let faster = rate > stats.median;
    // Writes far faster than normal are how outputs get hammered (brute force I/O).
    let tech: &[&str] = if faster && write { &["T0806"] } else { &[] };
    let mut al = alert(
        "baseline.cadence",
        "Request cadence changed",
        Severity::Low,
        tech,
    );
    fill(
        cx,
        &mut al,
        f,
        format!("{}{SUBJECT_SEP}{}", f.protocol, f.function),
    );
    let minutes = (f.last_seen - f.first_seen) as f64 / 60e6;
    // The rate leads the detail: accepting the alert reads it back from there.
    al.evidence = cx.function_evidence(
        f,
        "cadence",
        format!(
            "{rate:.3} requests/min over {minutes:.1} min (learned median {:.3}, spread {:.3}, {} sample{})",
            stats.median,
            stats.spread,
            stats.samples,
            if stats.samples == 1 { "" } else { "s" }
        ),
    );
    al.explanation = format!(
        "{} polled {} with {} {} times a minute over {minutes:.1} minutes; the baseline rate is {:.2} (±{:.2} allowed). \
         Polling {} than usual means a changed or failing master, a second master, or a flood.",
        cx.name(&f.client),
        cx.name(&f.server),
        f.function,
        format_args!("{rate:.2}"),
        stats.median,
        tol,
        if faster { "faster" } else { "slower" }
    );
    out.push(al);
}

/// Learned polling that stopped while its path stayed busy: the run saw the edge long
/// enough for the learned rate to give at least [`crate::MIN_CADENCE_REQUESTS`] requests,
/// and not one came. A master that was replaced, or reconfigured, polls differently.
fn silent_functions(cx: &Ctx<'_>, out: &mut Vec<Alert>) {
    let requested: HashSet<(&str, &str, &str, &str)> = cx
        .run
        .functions
        .iter()
        .map(|f| {
            (
                f.client.as_str(),
                f.server.as_str(),
                f.protocol.as_str(),
                f.function.as_str(),
            )
        })
        .collect();
    let mut reported: HashSet<(&str, &str, &str, &str)> = HashSet::new();
    for e in cx.run.edges {
        let minutes = e.last_seen.saturating_sub(e.first_seen) as f64 / 60e6;
        if e.last_seen.saturating_sub(e.first_seen) < crate::MIN_CADENCE_SPAN {
            continue;
        }
        for learned in cx.base.functions_between(&e.client, &e.server) {
            if !carries(&e.protocol, &learned.protocol)
                || requested.contains(&(
                    learned.client.as_str(),
                    learned.server.as_str(),
                    learned.protocol.as_str(),
                    learned.function.as_str(),
                ))
                // Two edges of one pair (other ports) report it once.
                || !reported.insert((
                    learned.client.as_str(),
                    learned.server.as_str(),
                    learned.protocol.as_str(),
                    learned.function.as_str(),
                ))
            {
                continue;
            }
            let Some(stats) = learned.cadence_stats() else {
                continue;
            };
            let expected = stats.median * minutes;
            if expected < crate::MIN_CADENCE_REQUESTS as f64 {
                continue;
            }
            let mut al = alert(
                "baseline.cadence",
                "Learned polling stopped",
                Severity::Low,
                &[],
            );
            al.assets = vec![e.client.clone(), e.server.clone()];
            al.src = cx.ip(&e.client);
            al.dst = cx.ip(&e.server);
            al.subject = format!("{}{SUBJECT_SEP}{}", learned.protocol, learned.function);
            al.first_seen = e.first_seen;
            al.last_seen = e.last_seen;
            al.evidence.push(AlertEvidence {
                ts: e.first_seen,
                protocol: learned.protocol.clone(),
                kind: "cadence".into(),
                // The rate leads the detail: accepting the alert reads it back from there.
                detail: format!(
                    "0.000 requests/min over {minutes:.1} min (learned median {:.3}, spread {:.3}, {} sample{})",
                    stats.median,
                    stats.spread,
                    stats.samples,
                    if stats.samples == 1 { "" } else { "s" }
                ),
                capture: e.first_capture.clone(),
                frame: e.first_frame,
                flow_uid: None,
            });
            al.explanation = format!(
                "{} and {} talked over {} for {minutes:.1} minutes without a single {} request, which the baseline \
                 knows at {:.2} a minute (about {expected:.0} expected). Polling that stops while the path stays \
                 busy means the master was replaced or reconfigured.",
                cx.name(&e.client),
                cx.name(&e.server),
                e.protocol,
                learned.function,
                stats.median
            );
            out.push(al);
        }
    }
}
