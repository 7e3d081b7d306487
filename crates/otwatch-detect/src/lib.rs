//! Detection: from one analysis's protocol events, flows and inventory to deduplicated,
//! explained alerts tagged with MITRE ATT&CK for ICS techniques.
//!
//! Two sources feed it. Rules are data (see [`rules`]): each matches events by protocol,
//! kind and detail, optionally only for certain source roles or destination levels, and
//! optionally only when a count of events falls inside a sliding window of event time.
//! Detectors are code (see [`detectors`]) for what a single event cannot show (flows to
//! and from the internet, learned behaviour); they register a rule id so that users can
//! disable or tune them like any rule. Both produce [`Alert`]s that are deduplicated
//! together by [`Alert::dedup_key`].

pub mod detectors;
pub mod rules;
mod techniques;

pub use rules::{check_file, GroupBy, Origin, Rule, RuleError, RuleErrors, RuleSet, Threshold};
pub use techniques::technique_name;

use ahash::AHashMap;
use otwatch_model::alert::{Alert, AlertEvidence, MAX_ALERT_EVIDENCE};
use otwatch_model::identity::{AssetRole, PurdueLevel};
use otwatch_model::site::SiteNetworks;
use otwatch_model::{Asset, FlowRecord, Micros, ProtocolEvent};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// What detection knows of one asset.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetInfo {
    pub key: String,
    /// Station, host or configured name, when known.
    pub name: Option<String>,
    pub role: AssetRole,
    pub level: Option<PurdueLevel>,
}

impl AssetInfo {
    /// What a person recorded wins over what the traffic suggested.
    pub fn of(a: &Asset) -> AssetInfo {
        AssetInfo {
            key: a.key.clone(),
            name: a
                .overrides
                .name
                .clone()
                .or_else(|| a.identity.name.as_ref().map(|f| f.value.clone()))
                .or_else(|| a.hostnames.first().cloned()),
            role: a.overrides.role.unwrap_or(a.identity.role),
            level: a.overrides.purdue_level.or(a.identity.purdue_level),
        }
    }
}

/// One analysis, as detection sees it.
pub struct DetectionInput<'a> {
    pub events: &'a [ProtocolEvent],
    pub assets: AHashMap<IpAddr, AssetInfo>,
    pub flows: &'a [FlowRecord],
    pub site: &'a SiteNetworks,
    /// Addresses that devices claimed for themselves (ARP, DHCP), with the asset key and
    /// the evidence of each claim; an address claimed by two devices is a duplicate.
    pub address_claims: AHashMap<IpAddr, Vec<(String, otwatch_model::Evidence)>>,
    /// The inventory's assets whole, for detectors that judge when and how a device
    /// appeared (its first frame, DHCP lease, MAC vendor).
    pub inventory: &'a [Asset],
}

impl<'a> DetectionInput<'a> {
    pub fn new(
        events: &'a [ProtocolEvent],
        assets: &'a [Asset],
        flows: &'a [FlowRecord],
        site: &'a SiteNetworks,
    ) -> Self {
        // When two records hold one address: devices behind a gateway share its address and
        // the address is the gateway's; a record whose role is known beats an unknown one;
        // otherwise the card that claimed the address first owns it (a spoofer comes later).
        let mut by_ip: AHashMap<IpAddr, (bool, i64, AssetInfo)> = AHashMap::new();
        for a in assets {
            if a.ips.is_empty() {
                continue;
            }
            let front = a.parent.is_none();
            // When each address was first stated, gathered in one pass: a router's record
            // may hold thousands of addresses.
            let mut stated_at: AHashMap<&str, i64> = AHashMap::new();
            for at in a.attributes.iter().filter(|at| at.name == "ip") {
                let ts = stated_at.entry(at.value.as_str()).or_insert(i64::MAX);
                *ts = (*ts).min(at.evidence.ts);
            }
            let info = AssetInfo::of(a);
            for ip in &a.ips {
                let claimed_at = stated_at
                    .get(ip.to_string().as_str())
                    .copied()
                    .unwrap_or(i64::MAX);
                let info = info.clone();
                let keep_existing = match by_ip.get(ip) {
                    None => false,
                    Some((was_front, was_claimed, was)) => {
                        if *was_front != front {
                            *was_front
                        } else if (was.role == AssetRole::Unknown)
                            != (info.role == AssetRole::Unknown)
                        {
                            was.role != AssetRole::Unknown
                        } else {
                            *was_claimed <= claimed_at
                        }
                    }
                };
                if !keep_existing {
                    by_ip.insert(*ip, (front, claimed_at, info));
                }
            }
        }
        let mut address_claims: AHashMap<IpAddr, Vec<(String, otwatch_model::Evidence)>> =
            AHashMap::new();
        for a in assets.iter().filter(|a| a.key.starts_with("mac:")) {
            for at in &a.attributes {
                let claimed = matches!(at.evidence.protocol.as_str(), "arp" | "dhcp");
                if at.name != "ip" || !claimed {
                    continue;
                }
                if let Ok(ip) = at.value.parse::<IpAddr>() {
                    let claims = address_claims.entry(ip).or_default();
                    if !claims.iter().any(|(k, _)| k == &a.key) {
                        claims.push((a.key.clone(), at.evidence.clone()));
                    }
                }
            }
        }
        address_claims.retain(|_, claims| claims.len() > 1);
        DetectionInput {
            events,
            assets: by_ip.into_iter().map(|(ip, (_, _, a))| (ip, a)).collect(),
            flows,
            site,
            address_claims,
            inventory: assets,
        }
    }

    pub fn asset(&self, ip: Option<IpAddr>) -> Option<&AssetInfo> {
        ip.and_then(|ip| self.assets.get(&ip))
    }

    /// The asset key of an address; an address no asset holds is named by itself.
    pub fn key_of(&self, ip: IpAddr) -> String {
        self.assets
            .get(&ip)
            .map_or_else(|| format!("ip:{ip}"), |a| a.key.clone())
    }

    pub(crate) fn name_of(&self, ip: Option<IpAddr>) -> String {
        match ip {
            None => "-".into(),
            Some(ip) => match self.assets.get(&ip) {
                Some(AssetInfo {
                    name: Some(name), ..
                }) => format!("{name} ({ip})"),
                _ => ip.to_string(),
            },
        }
    }
}

/// The values an explanation template can name.
#[derive(Debug, Clone, Default)]
pub struct TemplateVars {
    pub src: String,
    pub dst: String,
    pub src_name: String,
    pub dst_name: String,
    pub protocol: String,
    pub detail: String,
    pub technique: String,
}

impl TemplateVars {
    pub fn of_event(input: &DetectionInput<'_>, e: &ProtocolEvent, techniques: &[String]) -> Self {
        let ip = |x: Option<IpAddr>| x.map_or_else(|| "-".to_string(), |ip| ip.to_string());
        TemplateVars {
            src: ip(e.src),
            dst: ip(e.dst),
            src_name: input.name_of(e.src),
            dst_name: input.name_of(e.dst),
            protocol: e.protocol.clone(),
            detail: e.detail.clone(),
            technique: techniques_text(techniques),
        }
    }
}

/// "T0858 Change Operating Mode, T0816 Device Restart/Shutdown".
pub fn techniques_text(techniques: &[String]) -> String {
    techniques
        .iter()
        .map(|t| match technique_name(t) {
            Some(name) => format!("{t} {name}"),
            None => t.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fills an explanation template; unknown placeholders stay as written.
pub fn render(template: &str, vars: &TemplateVars, count: u64) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let count_text;
        let value = match &after[..close] {
            "src" => vars.src.as_str(),
            "dst" => vars.dst.as_str(),
            "src_name" => vars.src_name.as_str(),
            "dst_name" => vars.dst_name.as_str(),
            "protocol" => vars.protocol.as_str(),
            "detail" => vars.detail.as_str(),
            "technique" => vars.technique.as_str(),
            "count" => {
                count_text = count.to_string();
                count_text.as_str()
            }
            _ => {
                out.push_str(&rest[open..open + close + 2]);
                rest = &after[close + 1..];
                continue;
            }
        };
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

pub fn evidence_of(e: &ProtocolEvent) -> AlertEvidence {
    AlertEvidence {
        ts: e.ts,
        protocol: e.protocol.clone(),
        kind: e.kind.clone(),
        detail: e.detail.clone(),
        capture: e.capture.clone(),
        frame: e.frame,
        flow_uid: e.flow_uid.clone(),
    }
}

/// Collects occurrences into deduplicated alerts. An occurrence of a key already held
/// widens its times, counts, and adds evidence up to [`MAX_ALERT_EVIDENCE`].
#[derive(Default)]
pub struct Alerts {
    alerts: Vec<Alert>,
    /// The template and the first occurrence's values, filled with the final count.
    templates: Vec<Option<(String, TemplateVars)>>,
    index: HashMap<(String, Vec<String>, String), usize>,
}

impl Alerts {
    /// Adds one alert (which may itself stand for several occurrences).
    pub fn add(&mut self, alert: Alert) {
        self.add_with_template(alert, None);
    }

    fn add_with_template(&mut self, alert: Alert, template: Option<(String, TemplateVars)>) {
        let key = alert.dedup_key();
        match self.index.get(&key) {
            Some(&i) => {
                let held = &mut self.alerts[i];
                held.count += alert.count;
                held.first_seen = held.first_seen.min(alert.first_seen);
                held.last_seen = held.last_seen.max(alert.last_seen);
                held.severity = held.severity.max(alert.severity);
                for ev in alert.evidence {
                    if held.evidence.len() >= MAX_ALERT_EVIDENCE {
                        break;
                    }
                    held.evidence.push(ev);
                }
                held.evidence.sort_by_key(|e| (e.ts, e.frame));
            }
            None => {
                self.index.insert(key, self.alerts.len());
                self.alerts.push(alert);
                self.templates.push(template);
            }
        }
    }

    /// The alerts, oldest first, explanations filled with their counts.
    pub fn finish(self) -> Vec<Alert> {
        let mut out: Vec<Alert> = self
            .alerts
            .into_iter()
            .zip(self.templates)
            .map(|(mut a, t)| {
                if let Some((template, vars)) = t {
                    a.explanation = render(&template, &vars, a.count);
                }
                a
            })
            .collect();
        out.sort_by(|a, b| {
            (a.first_seen, &a.rule, &a.assets).cmp(&(b.first_seen, &b.rule, &b.assets))
        });
        out
    }
}

/// Events per key in a sliding window of event time, in a bounded number of buckets: the
/// count is exact to one bucket (a twentieth of the window), the memory per key fixed.
struct Window {
    buckets: VecDeque<(Micros, u64)>,
}

const WINDOW_BUCKETS: i64 = 20;
/// Beyond this many threshold keys at once, keys idle for longer than their window go.
const MAX_THRESHOLD_KEYS: usize = 100_000;

impl Window {
    fn add(&mut self, ts: Micros, window: Micros) -> u64 {
        let width = (window / WINDOW_BUCKETS).max(1);
        let start = ts - ts.rem_euclid(width);
        match self.buckets.back_mut() {
            Some((s, n)) if *s == start => *n += 1,
            _ => self.buckets.push_back((start, 1)),
        }
        while let Some((s, _)) = self.buckets.front() {
            // A bucket reaching back past the window is dropped whole: the count errs low,
            // so a threshold never fires on events that were not all within the window.
            if *s <= ts - window {
                self.buckets.pop_front();
            } else {
                break;
            }
        }
        self.buckets.iter().map(|(_, n)| n).sum()
    }

    fn last(&self) -> Micros {
        self.buckets.back().map_or(Micros::MIN, |(s, _)| *s)
    }
}

fn rule_matches(rule: &Rule, input: &DetectionInput<'_>, e: &ProtocolEvent) -> bool {
    if !rule.protocols.is_empty() && !rule.protocols.contains(&e.protocol) {
        return false;
    }
    if !rule.kinds.is_empty() && !rule.kinds.contains(&e.kind) {
        return false;
    }
    if let Some(re) = &rule.detail {
        if !re.is_match(&e.detail) {
            return false;
        }
    }
    if !rule.unless_src_role.is_empty() {
        let role = input.asset(e.src).map_or(AssetRole::Unknown, |a| a.role);
        if rule.unless_src_role.contains(&role) {
            return false;
        }
    }
    let dst = input.asset(e.dst);
    if !rule.only_dst_roles.is_empty()
        && !dst.is_some_and(|a| rule.only_dst_roles.contains(&a.role))
    {
        return false;
    }
    if !rule.only_dst_levels.is_empty()
        && !dst
            .and_then(|a| a.level)
            .is_some_and(|l| rule.only_dst_levels.contains(&l))
    {
        return false;
    }
    for (want, ip) in [(rule.src_internal, e.src), (rule.dst_internal, e.dst)] {
        if let Some(want) = want {
            match ip {
                Some(ip) if input.site.is_internal(ip) == want => {}
                _ => return false,
            }
        }
    }
    true
}

/// Alerts from the rules alone.
fn rule_alerts(input: &DetectionInput<'_>, rules: &RuleSet, out: &mut Alerts) {
    // Rules by the event kind they name; rules that name only protocols look at every kind.
    let mut by_kind: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_protocol: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in rules.rules().iter().enumerate() {
        if !r.enabled {
            continue;
        }
        if !r.kinds.is_empty() {
            for k in &r.kinds {
                by_kind.entry(k.as_str()).or_default().push(i);
            }
        } else {
            for p in &r.protocols {
                by_protocol.entry(p.as_str()).or_default().push(i);
            }
        }
    }
    if by_kind.is_empty() && by_protocol.is_empty() {
        return;
    }
    // Thresholds count in event time, so events are taken in time order.
    let mut order: Vec<usize> = (0..input.events.len()).collect();
    order.sort_by_key(|&i| (input.events[i].ts, input.events[i].frame));
    let mut windows: HashMap<(usize, Option<IpAddr>, Option<IpAddr>), Window> = HashMap::new();
    let mut candidates: Vec<usize> = Vec::new();
    for i in order {
        let e = &input.events[i];
        candidates.clear();
        if let Some(v) = by_kind.get(e.kind.as_str()) {
            candidates.extend(v);
        }
        if let Some(v) = by_protocol.get(e.protocol.as_str()) {
            candidates.extend(v);
        }
        for &ri in &candidates {
            let rule = &rules.rules()[ri];
            if !rule_matches(rule, input, e) {
                continue;
            }
            let (gs, gd) = match rule.group_by {
                GroupBy::Src => (e.src, None),
                GroupBy::Dst => (None, e.dst),
                GroupBy::SrcDst => (e.src, e.dst),
            };
            if let Some(th) = &rule.threshold {
                if windows.len() >= MAX_THRESHOLD_KEYS {
                    let now = e.ts;
                    windows.retain(|(r, _, _), w| {
                        let span = rules.rules()[*r].threshold.as_ref().map_or(0, |t| t.window);
                        w.last() >= now - span
                    });
                }
                if windows.len() >= MAX_THRESHOLD_KEYS && !windows.contains_key(&(ri, gs, gd)) {
                    continue;
                }
                let n = windows
                    .entry((ri, gs, gd))
                    .or_insert_with(|| Window {
                        buckets: VecDeque::new(),
                    })
                    .add(e.ts, th.window);
                if n < th.count {
                    continue;
                }
            }
            let assets: Vec<String> = [gs, gd]
                .into_iter()
                .flatten()
                .map(|ip| input.key_of(ip))
                .collect();
            let alert = Alert {
                rule: rule.id.clone(),
                title: rule.title.clone(),
                severity: rule.severity,
                techniques: rule.techniques.clone(),
                assets,
                src: e.src,
                dst: e.dst,
                subject: String::new(),
                first_seen: e.ts,
                last_seen: e.ts,
                count: 1,
                explanation: String::new(),
                evidence: vec![evidence_of(e)],
            };
            let vars = TemplateVars::of_event(input, e, &rule.techniques);
            out.add_with_template(alert, Some((rule.explanation.clone(), vars)));
        }
    }
}

/// Alerts from the code detectors (see [`detectors`]), each run with its rule's settings
/// and skipped when a user file disabled it.
pub fn extra(input: &DetectionInput<'_>, rules: &RuleSet) -> Vec<Alert> {
    let mut out = Vec::new();
    for d in detectors::DETECTORS {
        let Some(rule) = rules.get(d.id) else {
            continue;
        };
        if rule.enabled {
            out.extend((d.run)(input, rule));
        }
    }
    out
}

/// Every alert of one analysis: rule alerts and detector alerts, deduplicated together.
pub fn detect(input: &DetectionInput<'_>, rules: &RuleSet) -> Vec<Alert> {
    let mut alerts = Alerts::default();
    // The rules over events and the detectors over flows and assets read the same input
    // and nothing of each other: they run side by side, and their alerts are added in the
    // same order as if one ran after the other.
    let detected = std::thread::scope(|scope| {
        let detectors = scope.spawn(|| extra(input, rules));
        rule_alerts(input, rules, &mut alerts);
        detectors
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    });
    for a in detected {
        alerts.add(a);
    }
    alerts.finish()
}

#[cfg(test)]
mod tests;
