//! `otwatch alerts` and `otwatch rules`: the detections stored by `analyze`, their
//! acknowledgement, their SIEM forms (CEF lines, RFC 5424 syslog carrying CEF) and the
//! rule files behind them.

use crate::changes::{parse_since, Since};
use crate::config::Config;
use crate::listing::open_existing;
use crate::table::Table;
use crate::{DbArg, FormatArgs};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use otwatch_detect::{detect, techniques_text, DetectionInput, RuleSet};
use otwatch_engine::Analysis;
use otwatch_model::alert::{Alert, Severity};
use otwatch_model::site::SiteNetworks;
use otwatch_model::{iso_time, Micros};
use otwatch_store::{Ack, AlertFilter, StoredAlert};
use serde::Serialize;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Args)]
pub struct AlertsArgs {
    #[command(subcommand)]
    pub action: Option<AlertsCommand>,
    #[command(flatten)]
    pub db: DbArg,
    /// Only alerts of this severity or above: info, low, medium, high, critical.
    #[arg(long, value_name = "MIN", value_parser = parse_severity)]
    pub severity: Option<Severity>,
    /// Only alerts of this rule id.
    #[arg(long, value_name = "ID")]
    pub rule: Option<String>,
    /// Only alerts last seen at or after this UTC time (2026-03-02, 2026-03-02T08:00:00Z), or
    /// within this long before the latest traffic in the database (7d, 12h).
    #[arg(long, value_name = "T", value_parser = parse_since)]
    pub since: Option<Since>,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Print one ArcSight CEF line per alert.
    #[arg(long, conflicts_with_all = ["json", "jsonl", "csv", "syslog"])]
    pub cef: bool,
    /// Send each alert as an RFC 5424 syslog message carrying CEF to udp://HOST:PORT or
    /// tcp://HOST:PORT.
    #[arg(long, value_name = "URL", conflicts_with_all = ["json", "jsonl", "csv"])]
    pub syslog: Option<String>,
}

#[derive(Subcommand)]
pub enum AlertsCommand {
    /// Record that a person looked at an alert.
    #[command(
        after_help = "An acknowledged alert that occurs again later in the traffic is reopened.\n\n\
                      Examples:\n  otwatch alerts ack 12\n  otwatch alerts ack 12 --by maria --note \"planned firmware update\""
    )]
    Ack {
        /// Alert id (from `otwatch alerts`).
        id: i64,
        /// Who acknowledges (default: the USER environment variable).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// Why, in a few words.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
pub enum RulesCommand {
    /// Validate a rules file: exit 0 with a summary, or exit 1 with FILE:LINE:COL: lines.
    #[command(
        after_help = "Examples:\n  otwatch rules check site-rules.toml\n  otwatch rules check tuning.toml && otwatch analyze plant.pcap --rules tuning.toml"
    )]
    Check {
        /// The TOML rules file.
        file: PathBuf,
    },
    /// List the rules in force: built-in, detectors and user rules, enabled or not.
    #[command(
        after_help = "Examples:\n  otwatch rules list\n  otwatch rules list --rules site-rules.toml --json\n  otwatch rules list --config site.toml --csv"
    )]
    List {
        /// User rules files, applied after the built-ins in order. Config key: detection.rules.
        #[arg(long, value_name = "FILE")]
        rules: Vec<PathBuf>,
        /// Settings file whose detection.rules lists rule files.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[command(flatten)]
        format: FormatArgs,
    },
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(text).ok_or_else(|| {
        format!("{text:?} is not a severity: use info, low, medium, high or critical")
    })
}

/// The rule set: built-ins, then the config's files, then the flags' files.
pub fn load_rules(flags: &[PathBuf], config: &Config) -> Result<RuleSet> {
    let mut files = Vec::new();
    for path in config.detection.rules.iter().chain(flags) {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read rules file {}", path.display()))?;
        files.push((path.display().to_string(), text));
    }
    RuleSet::load(&files).map_err(|e| {
        anyhow::anyhow!("{e}\nthe rules are not valid; check them with `otwatch rules check FILE`")
    })
}

/// The alerts of one analysis.
pub fn detect_run(analysis: &Analysis, site: &SiteNetworks, rules: &RuleSet) -> Vec<Alert> {
    detect_with_assets(analysis, &analysis.inventory.assets, site, rules)
}

/// The alerts of one analysis, judging its events by `assets` (the run's, with what people
/// recorded about them).
pub fn detect_with_assets(
    analysis: &Analysis,
    assets: &[otwatch_model::Asset],
    site: &SiteNetworks,
    rules: &RuleSet,
) -> Vec<Alert> {
    let input = DetectionInput::new(&analysis.events, assets, &analysis.flows, site);
    detect(&input, rules)
}

/// "3 alerts: 1 critical, 2 low" after an analysis.
pub fn run_note(alerts: &[Alert]) -> String {
    if alerts.is_empty() {
        return "no alerts".into();
    }
    let parts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|s| {
            let n = alerts.iter().filter(|a| a.severity == *s).count();
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    format!(
        "{} alert{}: {}; `otwatch alerts` lists them",
        alerts.len(),
        if alerts.len() == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

#[derive(Serialize)]
struct EvidenceOut<'a> {
    time: String,
    ts: Micros,
    protocol: &'a str,
    kind: &'a str,
    detail: &'a str,
    capture: &'a str,
    frame: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    flow_uid: Option<&'a str>,
}

#[derive(Serialize)]
struct AlertOut<'a> {
    id: i64,
    rule: &'a str,
    title: &'a str,
    severity: Severity,
    techniques: &'a [String],
    technique_names: Vec<&'static str>,
    assets: &'a [String],
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    subject: &'a str,
    first_seen: String,
    last_seen: String,
    count: u64,
    explanation: &'a str,
    evidence: Vec<EvidenceOut<'a>>,
    acked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    ack: Option<&'a Ack>,
    first_run: i64,
    last_run: i64,
}

fn out(s: &StoredAlert) -> AlertOut<'_> {
    let a = &s.alert;
    AlertOut {
        id: s.id,
        rule: &a.rule,
        title: &a.title,
        severity: a.severity,
        techniques: &a.techniques,
        technique_names: a
            .techniques
            .iter()
            .map(|t| otwatch_detect::technique_name(t).unwrap_or(""))
            .collect(),
        assets: &a.assets,
        src: a.src,
        dst: a.dst,
        subject: &a.subject,
        first_seen: iso_time(a.first_seen),
        last_seen: iso_time(a.last_seen),
        count: a.count,
        explanation: &a.explanation,
        evidence: a
            .evidence
            .iter()
            .map(|e| EvidenceOut {
                time: iso_time(e.ts),
                ts: e.ts,
                protocol: &e.protocol,
                kind: &e.kind,
                detail: &e.detail,
                capture: &e.capture,
                frame: e.frame,
                flow_uid: e.flow_uid.as_deref(),
            })
            .collect(),
        acked: s.ack.is_some(),
        ack: s.ack.as_ref(),
        first_run: s.first_run,
        last_run: s.last_run,
    }
}

fn short_time(ts: Micros) -> String {
    let iso = iso_time(ts);
    format!("{} {}", &iso[..10], &iso[11..19])
}

fn ip_text(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "-".into(), |i| i.to_string())
}

pub fn run(args: AlertsArgs) -> Result<u8> {
    if let Some(AlertsCommand::Ack { id, by, note, db }) = args.action {
        let by = match by {
            Some(b) if !b.trim().is_empty() => b,
            _ => std::env::var("USER").unwrap_or_default(),
        };
        if by.trim().is_empty() {
            bail!("say who acknowledges with --by NAME (the USER environment variable is not set)");
        }
        let mut store = open_existing(&db.db)?;
        let a = store.ack_alert(id, &by, note.as_deref())?;
        eprintln!(
            "alert {id} ({}, {}) acknowledged by {by}",
            a.alert.rule,
            a.alert.severity.as_str()
        );
        return Ok(0);
    }
    let store = open_existing(&args.db.db)?;
    let since = match args.since {
        Some(Since::At(t)) => Some(t),
        Some(Since::Before(d)) => store.latest_traffic()?.map(|l| l - d),
        None => None,
    };
    let listed = store.alerts(&AlertFilter {
        min_severity: args.severity,
        rule: args.rule.clone(),
        since,
    })?;
    if let Some(url) = &args.syslog {
        let sent = crate::siem::send_syslog(url, &listed)?;
        eprintln!("{sent} alerts sent to {url}");
        return Ok(0);
    }
    if args.cef {
        for s in &listed {
            println!("{}", cef_line(s));
        }
        return Ok(0);
    }
    let f = args.format;
    if f.json || f.jsonl {
        let items: Vec<AlertOut<'_>> = listed.iter().map(out).collect();
        if f.jsonl {
            for i in &items {
                println!("{}", serde_json::to_string(i)?);
            }
        } else {
            println!("{}", serde_json::to_string_pretty(&items)?);
        }
        return Ok(0);
    }
    if f.csv {
        let mut t = Table::new(&[
            "id",
            "severity",
            "rule",
            "title",
            "techniques",
            "src",
            "dst",
            "assets",
            "first_seen",
            "last_seen",
            "count",
            "acked_by",
            "explanation",
            "first_evidence",
        ]);
        for s in &listed {
            let a = &s.alert;
            t.row(vec![
                s.id.to_string(),
                a.severity.as_str().into(),
                a.rule.clone(),
                a.title.clone(),
                a.techniques.join(" "),
                ip_text(a.src),
                ip_text(a.dst),
                a.assets.join(" "),
                iso_time(a.first_seen),
                iso_time(a.last_seen),
                a.count.to_string(),
                s.ack.as_ref().map(|k| k.by.clone()).unwrap_or_default(),
                a.explanation.clone(),
                a.evidence
                    .first()
                    .map(|e| format!("{} frame {}", e.capture, e.frame))
                    .unwrap_or_default(),
            ]);
        }
        print!("{}", t.csv());
        return Ok(0);
    }
    let mut t = Table::new(&[
        "id",
        "severity",
        "rule",
        "techniques",
        "src",
        "dst",
        "count",
        "last seen",
        "acked",
        "title",
    ]);
    for s in &listed {
        let a = &s.alert;
        t.row(vec![
            s.id.to_string(),
            a.severity.as_str().into(),
            a.rule.clone(),
            a.techniques.join(" "),
            ip_text(a.src),
            ip_text(a.dst),
            a.count.to_string(),
            short_time(a.last_seen),
            s.ack.as_ref().map_or_else(|| "-".into(), |k| k.by.clone()),
            a.title.clone(),
        ]);
    }
    print!("{}", t.render());
    let open = listed.iter().filter(|s| s.ack.is_none()).count();
    eprintln!(
        "{} alerts ({open} not acknowledged); `otwatch alerts --json` shows explanations and evidence, \
         `otwatch alerts ack ID` acknowledges one",
        listed.len()
    );
    Ok(0)
}

/// CEF severity 0-10 for ours.
pub fn cef_severity(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 3,
        Severity::Medium => 5,
        Severity::High => 8,
        Severity::Critical => 10,
    }
}

fn cef_header(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

fn cef_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('=', "\\=")
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

/// One ArcSight CEF line (see docs/detection.md, "SIEM output", for the mapping).
pub fn cef_line(s: &StoredAlert) -> String {
    let a = &s.alert;
    let ms = |us: Micros| us.div_euclid(1000).to_string();
    let mut ext: Vec<(&str, String)> = vec![
        ("rt", ms(a.last_seen)),
        ("start", ms(a.first_seen)),
        ("end", ms(a.last_seen)),
        ("cnt", a.count.to_string()),
        ("externalId", s.id.to_string()),
    ];
    for (ip, v4, v6, label) in [
        (a.src, "src", "c6a2", "Source IPv6 Address"),
        (a.dst, "dst", "c6a3", "Destination IPv6 Address"),
    ] {
        match ip {
            Some(IpAddr::V4(x)) => ext.push((v4, x.to_string())),
            Some(IpAddr::V6(x)) => {
                ext.push((v6, x.to_string()));
                ext.push(if v6 == "c6a2" {
                    ("c6a2Label", label.into())
                } else {
                    ("c6a3Label", label.into())
                });
            }
            None => {}
        }
    }
    if let Some(e) = a.evidence.first() {
        ext.push(("app", e.protocol.clone()));
        ext.push(("fname", e.capture.clone()));
        ext.push(("cn1", e.frame.to_string()));
        ext.push(("cn1Label", "first frame".into()));
    }
    ext.push(("cat", techniques_text(&a.techniques)));
    ext.push(("cs1", a.techniques.join(",")));
    ext.push(("cs1Label", "MITRE ATT&CK for ICS".into()));
    ext.push(("cs2", a.assets.join(",")));
    ext.push(("cs2Label", "assets".into()));
    if !a.subject.is_empty() {
        ext.push(("cs3", a.subject.clone()));
        ext.push(("cs3Label", "subject".into()));
    }
    if let Some(k) = &s.ack {
        ext.push(("cs4", k.by.clone()));
        ext.push(("cs4Label", "acknowledged by".into()));
    }
    ext.push(("msg", a.explanation.clone()));
    let ext: Vec<String> = ext
        .into_iter()
        .map(|(k, v)| format!("{k}={}", cef_value(&v)))
        .collect();
    format!(
        "CEF:0|otwatch|otwatch|{}|{}|{}|{}|{}",
        cef_header(env!("CARGO_PKG_VERSION")),
        cef_header(&a.rule),
        cef_header(&a.title),
        cef_severity(a.severity),
        ext.join(" ")
    )
}

/// Syslog severity for ours (RFC 5424 numeric severities).
fn syslog_severity(s: Severity) -> u8 {
    match s {
        Severity::Critical => 2,
        Severity::High => 3,
        Severity::Medium => 4,
        Severity::Low => 5,
        Severity::Info => 6,
    }
}

/// Facility 4 (security/authorization), the one SIEMs expect security events on.
const SYSLOG_FACILITY: u8 = 4;

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty() && h.is_ascii() && !h.contains(' '))
        .unwrap_or_else(|| "-".into())
}

/// One RFC 5424 message: the timestamp is when it is sent, the CEF inside carries the
/// traffic times.
pub fn syslog_message(s: &StoredAlert, host: &str, now: Micros) -> String {
    let pri = u16::from(SYSLOG_FACILITY) * 8 + u16::from(syslog_severity(s.alert.severity));
    format!(
        "<{pri}>1 {} {host} otwatch {} alert - {}",
        iso_time(now),
        std::process::id(),
        cef_line(s)
    )
}

pub fn rules(cmd: RulesCommand) -> Result<u8> {
    match cmd {
        RulesCommand::Check { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read rules file {}", file.display()))?;
            let name = file.display().to_string();
            match otwatch_detect::check_file(&name, &text) {
                Ok(n) => {
                    println!(
                        "{name}: valid, {n} rule{} (new or tuning a built-in)",
                        if n == 1 { "" } else { "s" }
                    );
                    Ok(0)
                }
                Err(errors) => {
                    for e in &errors.0 {
                        println!("{e}");
                    }
                    eprintln!(
                        "{name}: {} problem{}; the rule format is in docs/detection.md",
                        errors.0.len(),
                        if errors.0.len() == 1 { "" } else { "s" }
                    );
                    Ok(1)
                }
            }
        }
        RulesCommand::List {
            rules,
            config,
            format,
        } => {
            let config = Config::load(config.as_deref())?;
            let set = load_rules(&rules, &config)?;
            list_rules(&set, format)
        }
    }
}

#[derive(Serialize)]
struct RuleOut<'a> {
    id: &'a str,
    enabled: bool,
    severity: Severity,
    title: &'a str,
    techniques: &'a [String],
    protocols: &'a [String],
    kinds: &'a [String],
    threshold: Option<String>,
    group_by: &'static str,
    origin: String,
}

fn list_rules(set: &RuleSet, format: FormatArgs) -> Result<u8> {
    let items: Vec<RuleOut<'_>> = set
        .rules()
        .iter()
        .map(|r| RuleOut {
            id: &r.id,
            enabled: r.enabled,
            severity: r.severity,
            title: &r.title,
            techniques: &r.techniques,
            protocols: &r.protocols,
            kinds: &r.kinds,
            threshold: r
                .threshold
                .as_ref()
                .map(|t| format!("{} in {}", t.count, t.window_text)),
            group_by: r.group_by.as_str(),
            origin: r.origin.to_string(),
        })
        .collect();
    if format.json || format.jsonl {
        if format.jsonl {
            for i in &items {
                println!("{}", serde_json::to_string(i)?);
            }
        } else {
            println!("{}", serde_json::to_string_pretty(&items)?);
        }
        return Ok(0);
    }
    let mut t = Table::new(&[
        "id",
        "enabled",
        "severity",
        "techniques",
        "threshold",
        "origin",
        "title",
    ]);
    for r in &items {
        t.row(vec![
            r.id.into(),
            if r.enabled { "yes" } else { "no" }.into(),
            r.severity.as_str().into(),
            r.techniques.join(" "),
            r.threshold.clone().unwrap_or_else(|| "-".into()),
            r.origin.clone(),
            r.title.into(),
        ]);
    }
    if format.csv {
        print!("{}", t.csv());
    } else {
        print!("{}", t.render());
        eprintln!(
            "{} rules, {} enabled",
            items.len(),
            items.iter().filter(|r| r.enabled).count()
        );
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_model::alert::AlertEvidence;

    fn stored() -> StoredAlert {
        StoredAlert {
            id: 7,
            alert: Alert {
                rule: "ot.plc_stop".into(),
                title: "PLC stopped | halted".into(),
                severity: Severity::Critical,
                techniques: vec!["T0858".into()],
                assets: vec!["ip:10.0.0.1".into(), "mac:aa".into()],
                src: Some("10.0.0.1".parse().unwrap()),
                dst: Some("fe80::1".parse().unwrap()),
                subject: String::new(),
                first_seen: 1_000_000,
                last_seen: 2_000_000,
                count: 3,
                explanation: "a=b\nc\\d".into(),
                evidence: vec![AlertEvidence {
                    ts: 1_000_000,
                    protocol: "s7comm".into(),
                    kind: "s7_plc_stop".into(),
                    detail: "stop".into(),
                    capture: "x.pcap".into(),
                    frame: 4,
                    flow_uid: None,
                }],
            },
            first_run: 1,
            last_run: 1,
            ack: None,
        }
    }

    #[test]
    fn cef_escapes_header_and_extension() {
        let line = cef_line(&stored());
        assert!(
            line.starts_with(&format!(
                "CEF:0|otwatch|otwatch|{}|ot.plc_stop|PLC stopped \\| halted|10|rt=2000 start=1000 end=2000 cnt=3 externalId=7 src=10.0.0.1 c6a3=fe80::1 c6a3Label=Destination IPv6 Address app=s7comm fname=x.pcap cn1=4 ",
                env!("CARGO_PKG_VERSION")
            )),
            "{line}"
        );
        assert!(line.ends_with(" msg=a\\=b\\nc\\\\d"), "{line}");
        assert!(
            line.contains("cs1=T0858 cs1Label=MITRE ATT&CK for ICS"),
            "{line}"
        );
    }

    #[test]
    fn syslog_message_has_priority_and_version() {
        let m = syslog_message(&stored(), "host1", 0);
        assert!(
            m.starts_with("<34>1 1970-01-01T00:00:00.000000Z host1 otwatch "),
            "{m}"
        );
        assert!(m.contains(" alert - CEF:0|otwatch|"), "{m}");
    }
}
