//! Alerts in the database: one row per finding across every run.
//!
//! A later run's occurrence of the same finding (same rule, assets and subject — the
//! alert's deduplication key) adds to the row's count, widens its times and tops up its
//! evidence instead of adding a row, so re-analysing a capture or a noisy week still leaves
//! one alert to acknowledge. An acknowledged alert that occurs again later in traffic time
//! is reopened: the acknowledgement covered what had been seen, not what came after.

use crate::{Result, Store, StoreError};
use otwatch_model::alert::{Alert, AlertEvidence, Severity, MAX_ALERT_EVIDENCE};
use otwatch_model::Micros;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use std::net::IpAddr;

/// Who acknowledged an alert, when, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ack {
    /// UTC, ISO 8601.
    pub at: String,
    pub by: String,
    pub note: Option<String>,
}

/// An alert as stored, with its database id and acknowledgement.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    pub id: i64,
    pub alert: Alert,
    pub first_run: i64,
    pub last_run: i64,
    pub ack: Option<Ack>,
}

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub min_severity: Option<Severity>,
    pub rule: Option<String>,
    /// Only alerts whose last occurrence is at or after this traffic time.
    pub since: Option<Micros>,
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("alert fields serialise")
}

/// Writes one run's alerts inside its transaction.
pub(crate) fn record(tx: &Transaction<'_>, run_id: i64, alerts: &[Alert]) -> rusqlite::Result<()> {
    for a in alerts {
        let assets = json(&a.assets);
        let held: Option<(i64, i64, String)> = tx
            .query_row(
                "SELECT id, last_seen, evidence FROM alerts WHERE rule = ?1 AND assets = ?2 AND subject = ?3",
                params![a.rule, assets, a.subject],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match held {
            None => {
                crate::exec(tx,
                    "INSERT INTO alerts (rule, title, severity, techniques, assets, subject, src, dst,
                       first_seen, last_seen, count, explanation, evidence, first_run, last_run)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
                    params![
                        a.rule,
                        a.title,
                        a.severity.as_str(),
                        json(&a.techniques),
                        assets,
                        a.subject,
                        a.src.map(|x| x.to_string()),
                        a.dst.map(|x| x.to_string()),
                        a.first_seen,
                        a.last_seen,
                        a.count as i64,
                        a.explanation,
                        json(&a.evidence),
                        run_id
                    ],
                )?;
            }
            Some((id, last_seen, evidence)) => {
                let mut kept: Vec<AlertEvidence> =
                    serde_json::from_str(&evidence).unwrap_or_default();
                for e in &a.evidence {
                    if kept.len() >= MAX_ALERT_EVIDENCE {
                        break;
                    }
                    // The same frame seen again (a capture analysed twice) is one piece of evidence.
                    if !kept
                        .iter()
                        .any(|k| k.capture == e.capture && k.frame == e.frame && k.kind == e.kind)
                    {
                        kept.push(e.clone());
                    }
                }
                kept.sort_by_key(|e| (e.ts, e.frame));
                let reopened = a.last_seen > last_seen;
                crate::exec(tx,
                    "UPDATE alerts SET title = ?2, severity = ?3, techniques = ?4, explanation = ?5,
                       first_seen = MIN(first_seen, ?6), last_seen = MAX(last_seen, ?7),
                       count = count + ?8, evidence = ?9, last_run = ?10,
                       acked_at = CASE WHEN ?11 THEN NULL ELSE acked_at END,
                       acked_by = CASE WHEN ?11 THEN NULL ELSE acked_by END,
                       ack_note = CASE WHEN ?11 THEN NULL ELSE ack_note END
                     WHERE id = ?1",
                    params![
                        id,
                        a.title,
                        a.severity.as_str(),
                        json(&a.techniques),
                        a.explanation,
                        a.first_seen,
                        a.last_seen,
                        a.count as i64,
                        json(&kept),
                        run_id,
                        reopened
                    ],
                )?;
            }
        }
    }
    Ok(())
}

const COLUMNS: &str =
    "id, rule, title, severity, techniques, assets, subject, src, dst, first_seen, last_seen,
    count, explanation, evidence, first_run, last_run, acked_at, acked_by, ack_note";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAlert> {
    let text = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    let ip = |i: usize| -> rusqlite::Result<Option<IpAddr>> {
        Ok(r.get::<_, Option<String>>(i)?.and_then(|s| s.parse().ok()))
    };
    let acked_at: Option<String> = r.get(16)?;
    Ok(StoredAlert {
        id: r.get(0)?,
        alert: Alert {
            rule: text(1)?,
            title: text(2)?,
            severity: Severity::parse(&text(3)?).unwrap_or_default(),
            techniques: serde_json::from_str(&text(4)?).unwrap_or_default(),
            assets: serde_json::from_str(&text(5)?).unwrap_or_default(),
            subject: text(6)?,
            src: ip(7)?,
            dst: ip(8)?,
            first_seen: r.get(9)?,
            last_seen: r.get(10)?,
            count: r.get::<_, i64>(11)? as u64,
            explanation: text(12)?,
            evidence: serde_json::from_str(&text(13)?).unwrap_or_default(),
        },
        first_run: r.get(14)?,
        last_run: r.get(15)?,
        ack: match acked_at {
            Some(at) => Some(Ack {
                at,
                by: r.get::<_, Option<String>>(17)?.unwrap_or_default(),
                note: r.get(18)?,
            }),
            None => None,
        },
    })
}

impl Store {
    /// What people recorded about assets (role, level, name...), by asset key, so that
    /// detection judges a run's assets as the operator described them.
    pub fn overrides_by_key(
        &self,
    ) -> Result<std::collections::HashMap<String, otwatch_model::identity::AssetOverrides>> {
        let err = self.err();
        let mut st = self
            .conn
            .prepare("SELECT a.id, a.key FROM asset_overrides o JOIN assets a ON a.id = o.asset_id")
            .map_err(&err)?;
        let ids = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(&err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&err)?;
        let mut all = crate::corrections::load_all_overrides(&self.conn).map_err(&err)?;
        let out = ids
            .into_iter()
            .filter_map(|(id, key)| all.remove(&id).map(|o| (key, o)))
            .collect();
        Ok(out)
    }

    /// Stored alerts, most severe first, then latest first.
    pub fn alerts(&self, filter: &AlertFilter) -> Result<Vec<StoredAlert>> {
        let err = self.err();
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM alerts ORDER BY last_seen DESC, id"
            ))
            .map_err(&err)?;
        let mut out: Vec<StoredAlert> = st
            .query_map([], row)
            .map_err(&err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&err)?
            .into_iter()
            .filter(|s| filter.min_severity.is_none_or(|m| s.alert.severity >= m))
            .filter(|s| filter.rule.as_ref().is_none_or(|r| s.alert.rule == *r))
            .filter(|s| filter.since.is_none_or(|t| s.alert.last_seen >= t))
            .collect();
        out.sort_by_key(|a| std::cmp::Reverse(a.alert.severity));
        Ok(out)
    }

    pub fn alert(&self, id: i64) -> Result<Option<StoredAlert>> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM alerts WHERE id = ?1"),
                [id],
                row,
            )
            .optional()
            .map_err(self.err())
    }

    /// Records who acknowledged alert `id`; refused when there is no such alert.
    pub fn ack_alert(&mut self, id: i64, by: &str, note: Option<&str>) -> Result<StoredAlert> {
        let n = self
            .conn
            .execute(
                "UPDATE alerts SET acked_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'), acked_by = ?2, ack_note = ?3 WHERE id = ?1",
                params![id, by, note],
            )
            .map_err(self.err())?;
        if n == 0 {
            return Err(StoreError::Refused {
                detail: format!(
                    "no alert {id} in {}; list them with `otwatch alerts`",
                    self.path.display()
                ),
            });
        }
        Ok(self.alert(id)?.expect("the alert was just updated"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChangeOptions, RunRecord};

    fn alert(ts: Micros, frame: u64, count: u64) -> Alert {
        Alert {
            rule: "ot.plc_stop".into(),
            title: "PLC stopped".into(),
            severity: Severity::Critical,
            techniques: vec!["T0858".into()],
            assets: vec!["ip:10.0.0.1".into(), "mac:00:1b:1b:00:00:01".into()],
            src: Some("10.0.0.1".parse().unwrap()),
            dst: Some("10.0.0.2".parse().unwrap()),
            subject: String::new(),
            first_seen: ts,
            last_seen: ts,
            count,
            explanation: "stopped".into(),
            evidence: vec![AlertEvidence {
                ts,
                protocol: "s7comm".into(),
                kind: "s7_plc_stop".into(),
                detail: "stop".into(),
                capture: "a.pcap".into(),
                frame,
                flow_uid: None,
            }],
        }
    }

    fn run(store: &mut Store, alerts: &[Alert]) -> i64 {
        let rec = RunRecord {
            summary_json: "{}",
            flows: &[],
            assets: &[],
            edges: &[],
            functions: &[],
            events: &[],
        };
        store
            .record_run_with_alerts(&rec, &ChangeOptions::default(), alerts)
            .unwrap()
    }

    #[test]
    fn a_finding_seen_again_is_one_row_with_a_growing_count() {
        let mut store = Store::open_in_memory().unwrap();
        let r1 = run(&mut store, &[alert(100, 5, 2)]);
        let r2 = run(&mut store, &[alert(100, 5, 2)]);
        let all = store.alerts(&AlertFilter::default()).unwrap();
        assert_eq!(all.len(), 1);
        let a = &all[0];
        assert_eq!(a.alert.count, 4);
        assert_eq!((a.first_run, a.last_run), (r1, r2));
        assert_eq!(
            a.alert.evidence.len(),
            1,
            "the same frame is one piece of evidence"
        );
        // A different subject is another finding.
        let mut other = alert(50, 9, 1);
        other.subject = "fc 8".into();
        run(&mut store, &[other]);
        assert_eq!(store.count("alerts").unwrap(), 2);
    }

    #[test]
    fn ack_is_recorded_and_a_later_occurrence_reopens() {
        let mut store = Store::open_in_memory().unwrap();
        run(&mut store, &[alert(100, 5, 1)]);
        let id = store.alerts(&AlertFilter::default()).unwrap()[0].id;
        let acked = store
            .ack_alert(id, "maria", Some("planned maintenance"))
            .unwrap();
        let ack = acked.ack.unwrap();
        assert_eq!(ack.by, "maria");
        assert_eq!(ack.note.as_deref(), Some("planned maintenance"));
        // The same traffic again keeps the acknowledgement; later traffic reopens it.
        run(&mut store, &[alert(100, 5, 1)]);
        assert!(store.alert(id).unwrap().unwrap().ack.is_some());
        run(&mut store, &[alert(200, 8, 1)]);
        let a = store.alert(id).unwrap().unwrap();
        assert!(a.ack.is_none());
        assert_eq!(
            (a.alert.first_seen, a.alert.last_seen, a.alert.count),
            (100, 200, 3)
        );
        assert_eq!(a.alert.evidence.len(), 2);
        assert!(store.ack_alert(999, "x", None).is_err());
    }

    #[test]
    fn filters_by_severity_rule_and_time() {
        let mut store = Store::open_in_memory().unwrap();
        let mut low = alert(10, 1, 1);
        low.rule = "net.malformed".into();
        low.severity = Severity::Low;
        run(&mut store, &[low, alert(100, 5, 1)]);
        let f = |min, rule: Option<&str>, since| AlertFilter {
            min_severity: min,
            rule: rule.map(String::from),
            since,
        };
        assert_eq!(
            store
                .alerts(&f(Some(Severity::High), None, None))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store
                .alerts(&f(None, Some("net.malformed"), None))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(store.alerts(&f(None, None, Some(50))).unwrap().len(), 1);
        assert_eq!(
            store.alerts(&f(None, None, None)).unwrap()[0]
                .alert
                .severity,
            Severity::Critical
        );
    }
}
