//! Alerts: what detection tells the operator, each with the techniques it maps to and the
//! protocol events that show it.
//!
//! One alert stands for every occurrence of the same finding (same rule, same assets, same
//! subject): `count` grows and `first_seen`/`last_seen` widen instead of a thousand rows.
//! The evidence keeps the first occurrences in full (capture, frame, time) so that an
//! analyst can open the capture at the frame that triggered it.

use crate::Micros;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// How urgently a person should look.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        let t = text.trim().to_ascii_lowercase();
        Severity::ALL.into_iter().find(|s| s.as_str() == t)
    }
}

/// One protocol event (or other observation) that made the alert fire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvidence {
    pub ts: Micros,
    pub protocol: String,
    /// The event kind, e.g. "s7_plc_stop", or what a detector observed, e.g. "arp_reply".
    pub kind: String,
    pub detail: String,
    pub capture: String,
    pub frame: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_uid: Option<String>,
}

/// A finding, deduplicated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Rule id, e.g. "ot.plc_stop"; built-in and user rules share one namespace.
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    /// MITRE ATT&CK for ICS technique ids, e.g. ["T0858"].
    pub techniques: Vec<String>,
    /// Keys of the assets involved, the acting one first when there is one.
    pub assets: Vec<String>,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    /// What the occurrences have in common beyond rule and assets (e.g. the function code,
    /// the written address range); part of the deduplication key.
    #[serde(default)]
    pub subject: String,
    pub first_seen: Micros,
    pub last_seen: Micros,
    pub count: u64,
    /// Why it fired, in words an operator reads: what happened, between whom, why it matters.
    pub explanation: String,
    /// The first occurrences (bounded), oldest first.
    pub evidence: Vec<AlertEvidence>,
}

impl Alert {
    /// Occurrences with the same key are one alert.
    pub fn dedup_key(&self) -> (String, Vec<String>, String) {
        (self.rule.clone(), self.assets.clone(), self.subject.clone())
    }
}

/// How many occurrences an alert keeps in full as evidence.
pub const MAX_ALERT_EVIDENCE: usize = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_read_back() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert_eq!(Severity::parse("HIGH"), Some(Severity::High));
        assert_eq!(Severity::parse("severe"), None);
    }
}
