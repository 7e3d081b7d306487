//! Rules as data: the TOML rule format, its validation and the set of rules in force.
//!
//! Built-in rules ship in the binary (every file of the crate's `rules/` folder); users add
//! rules, disable built-ins (`enabled = false`) or tune them (severity, threshold) by id in
//! files of their own. Every mistake in a file is reported with the file, line and column
//! of the offending key or value, so that `otwatch rules check` can point at it.

use otwatch_model::alert::Severity;
use otwatch_model::identity::{AssetRole, PurdueLevel};
use otwatch_model::Micros;
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Range;
use toml::Spanned;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// One problem in a rules file, where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct RuleError {
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

/// Every problem found in a set of rule files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleErrors(pub Vec<RuleError>);

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Which assets an alert (and a threshold's count) is kept per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupBy {
    Src,
    Dst,
    #[default]
    SrcDst,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Src => "src",
            GroupBy::Dst => "dst",
            GroupBy::SrcDst => "src_dst",
        }
    }
}

/// Fires only when `count` matching events fall within `window` (event time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Threshold {
    pub count: u64,
    pub window: Micros,
    /// The window as written, for listings.
    pub window_text: String,
}

/// Where a rule came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin(String),
    /// A built-in changed by a user file.
    Tuned {
        builtin: String,
        user: String,
    },
    User(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin(file) => write!(f, "built-in ({file})"),
            Origin::Tuned { builtin, user } => write!(f, "built-in ({builtin}), tuned in {user}"),
            Origin::User(file) => write!(f, "{file}"),
        }
    }
}

/// A validated rule, ready to match.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub techniques: Vec<String>,
    pub protocols: Vec<String>,
    pub kinds: Vec<String>,
    pub detail: Option<Regex>,
    pub explanation: String,
    pub unless_src_role: Vec<AssetRole>,
    pub only_dst_roles: Vec<AssetRole>,
    pub only_dst_levels: Vec<PurdueLevel>,
    /// Some(false): only sources outside the site's networks; Some(true): only inside.
    pub src_internal: Option<bool>,
    pub dst_internal: Option<bool>,
    pub threshold: Option<Threshold>,
    pub group_by: GroupBy,
    pub enabled: bool,
    pub origin: Origin,
}

/// The placeholders an explanation may use.
pub const PLACEHOLDERS: [&str; 8] = [
    "src",
    "dst",
    "src_name",
    "dst_name",
    "protocol",
    "detail",
    "count",
    "technique",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    count: Spanned<i64>,
    window: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: Option<Spanned<String>>,
    severity: Option<Spanned<String>>,
    techniques: Option<Vec<Spanned<String>>>,
    protocols: Option<Vec<Spanned<String>>>,
    kinds: Option<Vec<Spanned<String>>>,
    detail: Option<Spanned<String>>,
    explanation: Option<Spanned<String>>,
    unless_src_role: Option<Vec<Spanned<String>>>,
    only_dst_roles: Option<Vec<Spanned<String>>>,
    only_dst_levels: Option<Vec<Spanned<String>>>,
    src_internal: Option<bool>,
    dst_internal: Option<bool>,
    threshold: Option<Spanned<RawThreshold>>,
    group_by: Option<Spanned<String>>,
    enabled: Option<bool>,
}

/// A rule as one file states it: only the keys it gives, validated.
#[derive(Debug, Clone, Default)]
struct Patch {
    id: String,
    title: Option<String>,
    severity: Option<Severity>,
    techniques: Option<Vec<String>>,
    protocols: Option<Vec<String>>,
    kinds: Option<Vec<String>>,
    detail: Option<Regex>,
    explanation: Option<String>,
    unless_src_role: Option<Vec<AssetRole>>,
    only_dst_roles: Option<Vec<AssetRole>>,
    only_dst_levels: Option<Vec<PurdueLevel>>,
    src_internal: Option<bool>,
    dst_internal: Option<bool>,
    threshold: Option<Threshold>,
    group_by: Option<GroupBy>,
    enabled: Option<bool>,
}

/// Byte offset to 1-based line and column.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

struct Reporter<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<RuleError>,
}

impl Reporter<'_> {
    fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_col(self.text, span.start);
        self.errors.push(RuleError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        });
    }
}

/// "500ms", "10s", "5m", "1h", "1d" to microseconds.
pub fn parse_window(text: &str) -> Option<Micros> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().ok()?;
    let unit_us: i64 = match unit {
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" => 60_000_000,
        "h" => 3_600_000_000,
        "d" => 86_400_000_000,
        _ => return None,
    };
    let us = n.checked_mul(unit_us)?;
    (us > 0).then_some(us)
}

fn valid_technique(t: &str) -> bool {
    // T0xxx, optionally with a sub-technique .xxx
    let b = t.as_bytes();
    let main = b.len() >= 5 && b[0] == b'T' && b[1..5].iter().all(u8::is_ascii_digit);
    main && (b.len() == 5
        || (b.len() == 9 && b[5] == b'.' && b[6..].iter().all(u8::is_ascii_digit)))
}

fn valid_name(t: &str) -> bool {
    !t.is_empty()
        && t.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' || c == '-'
        })
}

/// Parses one file into validated patches. `known` holds the ids a patch may tune without
/// restating the whole rule (the built-ins, when reading a user file).
fn parse_file(
    file: &str,
    text: &str,
    known: &HashSet<String>,
) -> Result<Vec<Patch>, Vec<RuleError>> {
    let mut rep = Reporter {
        file,
        text,
        errors: Vec::new(),
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().replace('\n', " ");
            let hint = if message.starts_with("unknown field") {
                " (see the rule format in docs/detection.md)"
            } else {
                ""
            };
            rep.at(span, format!("{message}{hint}"));
            return Err(rep.errors);
        }
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for r in raw.rule {
        let id = r.id.get_ref().trim().to_string();
        let id_span = r.id.span();
        if !valid_name(&id) {
            rep.at(
                id_span.clone(),
                format!("rule id {id:?} must be lowercase letters, digits, '_', '.' or '-'"),
            );
        }
        if !seen.insert(id.clone()) {
            rep.at(
                id_span.clone(),
                format!("duplicate rule id {id:?}: each id may appear once per file"),
            );
            continue;
        }
        // A key given with a bad value is reported as bad, not also as missing.
        let given_title = r.title.is_some();
        let given_severity = r.severity.is_some();
        let given_explanation = r.explanation.is_some();
        let given_match = r.kinds.as_ref().is_some_and(|k| !k.is_empty())
            || r.protocols.as_ref().is_some_and(|k| !k.is_empty());
        let mut p = Patch {
            id: id.clone(),
            src_internal: r.src_internal,
            dst_internal: r.dst_internal,
            enabled: r.enabled,
            ..Patch::default()
        };
        if let Some(t) = r.title {
            if t.get_ref().trim().is_empty() {
                rep.at(t.span(), "title is empty");
            }
            p.title = Some(t.into_inner());
        }
        if let Some(s) = r.severity {
            match Severity::parse(s.get_ref()) {
                Some(v) => p.severity = Some(v),
                None => rep.at(
                    s.span(),
                    format!(
                        "unknown severity {:?}: use info, low, medium, high or critical",
                        s.get_ref()
                    ),
                ),
            }
        }
        if let Some(list) = r.techniques {
            let mut v = Vec::new();
            for t in list {
                if valid_technique(t.get_ref()) {
                    v.push(t.into_inner());
                } else {
                    rep.at(
                        t.span(),
                        format!(
                            "technique {:?} is not an ATT&CK for ICS id like \"T0858\"",
                            t.get_ref()
                        ),
                    );
                }
            }
            p.techniques = Some(v);
        }
        for (list, slot, what) in [
            (r.protocols, &mut p.protocols, "protocol"),
            (r.kinds, &mut p.kinds, "event kind"),
        ] {
            if let Some(list) = list {
                let mut v = Vec::new();
                for t in list {
                    if valid_name(t.get_ref()) {
                        v.push(t.into_inner());
                    } else {
                        rep.at(
                            t.span(),
                            format!(
                                "{what} {:?} must be lowercase, like \"s7comm\"",
                                t.get_ref()
                            ),
                        );
                    }
                }
                *slot = Some(v);
            }
        }
        if let Some(d) = r.detail {
            match Regex::new(d.get_ref()) {
                Ok(re) => p.detail = Some(re),
                Err(e) => {
                    let first = e.to_string();
                    let last = first.lines().last().unwrap_or("").trim().to_string();
                    rep.at(
                        d.span(),
                        format!("detail is not a valid regular expression: {last}"),
                    );
                }
            }
        }
        if let Some(x) = r.explanation {
            let text = x.get_ref();
            let mut rest = text.as_str();
            let mut ok = true;
            while let Some(open) = rest.find('{') {
                let after = &rest[open + 1..];
                match after.find('}') {
                    Some(close) => {
                        let name = &after[..close];
                        if !PLACEHOLDERS.contains(&name) {
                            rep.at(
                                x.span(),
                                format!(
                                    "explanation uses unknown placeholder {{{name}}}; known: {}",
                                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                                ),
                            );
                            ok = false;
                        }
                        rest = &after[close + 1..];
                    }
                    None => {
                        rep.at(x.span(), "explanation has a '{' without its '}'");
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                p.explanation = Some(x.into_inner());
            }
        }
        for (list, slot) in [
            (r.unless_src_role, &mut p.unless_src_role),
            (r.only_dst_roles, &mut p.only_dst_roles),
        ] {
            if let Some(list) = list {
                let mut v = Vec::new();
                for t in list {
                    match AssetRole::parse(t.get_ref()) {
                        Some(role) => v.push(role),
                        None => rep.at(
                            t.span(),
                            format!(
                                "unknown asset role {:?}; known: {}",
                                t.get_ref(),
                                AssetRole::ALL.map(|r| r.as_str()).join(", ")
                            ),
                        ),
                    }
                }
                *slot = Some(v);
            }
        }
        if let Some(list) = r.only_dst_levels {
            let mut v = Vec::new();
            for t in list {
                match PurdueLevel::parse(t.get_ref()) {
                    Some(l) => v.push(l),
                    None => rep.at(
                        t.span(),
                        format!(
                            "unknown Purdue level {:?}; known: 0, 1, 2, 3, 3.5, 4, 5",
                            t.get_ref()
                        ),
                    ),
                }
            }
            p.only_dst_levels = Some(v);
        }
        if let Some(th) = r.threshold {
            let th = th.into_inner();
            let count = *th.count.get_ref();
            if count < 1 {
                rep.at(
                    th.count.span(),
                    format!("threshold count {count} must be at least 1"),
                );
            }
            match parse_window(th.window.get_ref()) {
                Some(window) if count >= 1 => {
                    p.threshold = Some(Threshold {
                        count: count as u64,
                        window,
                        window_text: th.window.get_ref().trim().to_string(),
                    })
                }
                Some(_) => {}
                None => rep.at(
                    th.window.span(),
                    format!(
                        "threshold window {:?} is not a duration like \"500ms\", \"10s\", \"5m\", \"1h\" or \"1d\"",
                        th.window.get_ref()
                    ),
                ),
            }
        }
        if let Some(g) = r.group_by {
            p.group_by = match g.get_ref().as_str() {
                "src" => Some(GroupBy::Src),
                "dst" => Some(GroupBy::Dst),
                "src_dst" => Some(GroupBy::SrcDst),
                other => {
                    rep.at(
                        g.span(),
                        format!("unknown group_by {other:?}: use src, dst or src_dst"),
                    );
                    None
                }
            };
        }
        if !known.contains(&id) {
            let mut missing = Vec::new();
            for (given, what) in [
                (given_title, "title"),
                (given_severity, "severity"),
                (given_explanation, "explanation"),
                (given_match, "kinds or protocols"),
            ] {
                if !given {
                    missing.push(what);
                }
            }
            if !missing.is_empty() {
                rep.at(
                    id_span,
                    format!(
                        "rule {id:?} is new (no built-in rule has this id) and lacks {}",
                        missing.join(", ")
                    ),
                );
            }
        }
        out.push(p);
    }
    if rep.errors.is_empty() {
        Ok(out)
    } else {
        Err(rep.errors)
    }
}

fn apply(base: &mut Patch, p: Patch) {
    macro_rules! take {
        ($($f:ident),*) => { $( if p.$f.is_some() { base.$f = p.$f; } )* };
    }
    take!(
        title,
        severity,
        techniques,
        protocols,
        kinds,
        detail,
        explanation,
        unless_src_role,
        only_dst_roles,
        only_dst_levels,
        src_internal,
        dst_internal,
        threshold,
        group_by,
        enabled
    );
}

/// The rules in force: built-ins, then each user file in order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// Keeps only the rules `keep` accepts (a test of one rule file without the built-ins,
    /// a run limited to some rules).
    pub fn retain(&mut self, keep: impl Fn(&Rule) -> bool) {
        self.rules.retain(|r| keep(r));
    }

    /// The rules that ship in the binary.
    pub fn builtin() -> Result<RuleSet, RuleErrors> {
        RuleSet::load(&[])
    }

    /// Built-ins with user files `(name, text)` applied in order.
    pub fn load(user_files: &[(String, String)]) -> Result<RuleSet, RuleErrors> {
        let (mut order, mut merged, mut errors) = builtin_rules().clone();
        let builtin_ids: HashSet<String> = merged.keys().cloned().collect();
        for (file, text) in user_files {
            match parse_file(file, text, &builtin_ids) {
                Ok(patches) => {
                    for p in patches {
                        match merged.get_mut(&p.id) {
                            Some((base, origin)) => {
                                *origin = match origin {
                                    Origin::Builtin(b) | Origin::Tuned { builtin: b, .. } => {
                                        Origin::Tuned {
                                            builtin: b.clone(),
                                            user: file.clone(),
                                        }
                                    }
                                    Origin::User(_) => Origin::User(file.clone()),
                                };
                                apply(base, p);
                            }
                            None => {
                                order.push(p.id.clone());
                                merged.insert(p.id.clone(), (p, Origin::User(file.clone())));
                            }
                        }
                    }
                }
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(RuleErrors(errors));
        }
        let mut rules = Vec::with_capacity(order.len());
        for id in order {
            let (p, origin) = merged.remove(&id).expect("every ordered id was merged");
            rules.push(Rule {
                title: p.title.unwrap_or_else(|| id.clone()),
                severity: p.severity.unwrap_or_default(),
                techniques: p.techniques.unwrap_or_default(),
                protocols: p.protocols.unwrap_or_default(),
                kinds: p.kinds.unwrap_or_default(),
                detail: p.detail,
                explanation: p.explanation.unwrap_or_default(),
                unless_src_role: p.unless_src_role.unwrap_or_default(),
                only_dst_roles: p.only_dst_roles.unwrap_or_default(),
                only_dst_levels: p.only_dst_levels.unwrap_or_default(),
                src_internal: p.src_internal,
                dst_internal: p.dst_internal,
                threshold: p.threshold,
                group_by: p.group_by.unwrap_or_default(),
                enabled: p.enabled.unwrap_or(true),
                origin,
                id,
            });
        }
        Ok(RuleSet { rules })
    }

    /// Every rule, enabled or not, built-ins first.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Builds a set from rules made in code (tests, detectors' own settings).
    pub fn from_rules(rules: Vec<Rule>) -> RuleSet {
        RuleSet { rules }
    }
}

/// What the built-in rules files and the code detectors define, with their problems.
type BuiltinRules = (
    Vec<String>,
    BTreeMap<String, (Patch, Origin)>,
    Vec<RuleError>,
);

/// The built-in rules, parsed once per process: every load (each analysis, each `rules
/// check`, each fuzz input) starts from a copy of them.
fn builtin_rules() -> &'static BuiltinRules {
    static PARSED: std::sync::OnceLock<BuiltinRules> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        let mut errors = Vec::new();
        let mut order: Vec<String> = Vec::new();
        let mut merged: BTreeMap<String, (Patch, Origin)> = BTreeMap::new();
        let none = HashSet::new();
        for (file, text) in BUILTIN_FILES {
            match parse_file(file, text, &none) {
                Ok(patches) => {
                    for p in patches {
                        if let Some((_, Origin::Builtin(other))) = merged.get(&p.id) {
                            errors.push(RuleError {
                                file: file.to_string(),
                                line: 1,
                                column: 1,
                                message: format!("rule id {:?} is also defined in {other}", p.id),
                            });
                            continue;
                        }
                        order.push(p.id.clone());
                        merged.insert(p.id.clone(), (p, Origin::Builtin(file.to_string())));
                    }
                }
                Err(e) => errors.extend(e),
            }
        }
        for d in crate::detectors::DETECTORS {
            order.push(d.id.to_string());
            let p = Patch {
                id: d.id.to_string(),
                title: Some(d.title.to_string()),
                severity: Some(d.severity),
                techniques: Some(d.techniques.iter().map(|t| t.to_string()).collect()),
                explanation: Some(d.explanation.to_string()),
                ..Patch::default()
            };
            merged.insert(d.id.to_string(), (p, Origin::Builtin("detector".into())));
        }
        (order, merged, errors)
    })
}

/// Validates one user file against the built-ins: the number of rules it states, or every
/// problem with its line.
pub fn check_file(file: &str, text: &str) -> Result<usize, RuleErrors> {
    let set = RuleSet::load(&[(file.to_string(), text.to_string())])?;
    Ok(set
        .rules
        .iter()
        .filter(
            |r| matches!(&r.origin, Origin::User(f) | Origin::Tuned { user: f, .. } if f == file),
        )
        .count())
}

#[cfg(test)]
mod tests;
