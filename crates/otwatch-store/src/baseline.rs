//! The learned baseline and the departures analyses found from it.
//!
//! The baseline lives in tables of its own: analyses rewrite the observed inventory, never
//! what normal is; only `baseline learn`, `accept` and `reset` change it. Saving replaces
//! the stored baseline as a whole inside one transaction, so a failed save leaves the old
//! one intact.

use crate::{Result, Store, StoreError};
use otwatch_baseline::{Baseline, BaselineAsset, BaselineEdge, BaselineFunction};
use otwatch_model::alert::Alert;
use otwatch_model::ranges::AddressRanges;
use otwatch_model::Micros;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// When the baseline was first learned and last changed (wall clock, microseconds since
/// the epoch), and what it was learned from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineMeta {
    pub created_at: Micros,
    pub updated_at: Micros,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredBaseline {
    pub meta: BaselineMeta,
    pub baseline: Baseline,
}

/// A departure an analysis found, with the id `baseline accept` takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredBaselineAlert {
    pub id: i64,
    pub run_id: Option<i64>,
    /// When it was folded into the baseline, if it was.
    pub accepted_at: Option<Micros>,
    pub alert: Alert,
}

fn now() -> Micros {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as Micros)
        .unwrap_or(0)
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{what}: {e}").into(),
    )
}

impl Store {
    /// The stored baseline, or `None` when none was learned (or it was reset).
    pub fn baseline(&self) -> Result<Option<StoredBaseline>> {
        let err = self.err();
        let meta = self
            .conn
            .query_row(
                "SELECT created_at, updated_at, sources FROM baseline_meta WHERE id = 1",
                [],
                |r| {
                    let sources: String = r.get(2)?;
                    Ok(BaselineMeta {
                        created_at: r.get(0)?,
                        updated_at: r.get(1)?,
                        sources: serde_json::from_str(&sources)
                            .map_err(|e| corrupt("baseline sources", e))?,
                    })
                },
            )
            .optional()
            .map_err(&err)?;
        let Some(meta) = meta else {
            return Ok(None);
        };
        let mut b = Baseline::default();
        let mut st = self
            .conn
            .prepare("SELECT key, role, first_seen, last_seen FROM baseline_assets ORDER BY key")
            .map_err(&err)?;
        b.assets = st
            .query_map([], |r| {
                Ok(BaselineAsset {
                    key: r.get(0)?,
                    role: r.get(1)?,
                    first_seen: r.get(2)?,
                    last_seen: r.get(3)?,
                })
            })
            .map_err(&err)?
            .collect::<std::result::Result<_, _>>()
            .map_err(&err)?;
        let mut st = self
            .conn
            .prepare(
                "SELECT client, server, protocol, first_seen, last_seen FROM baseline_edges
                 ORDER BY client, server, protocol",
            )
            .map_err(&err)?;
        b.edges = st
            .query_map([], |r| {
                Ok(BaselineEdge {
                    client: r.get(0)?,
                    server: r.get(1)?,
                    protocol: r.get(2)?,
                    first_seen: r.get(3)?,
                    last_seen: r.get(4)?,
                })
            })
            .map_err(&err)?
            .collect::<std::result::Result<_, _>>()
            .map_err(&err)?;
        let mut st = self
            .conn
            .prepare(
                "SELECT client, server, protocol, function, write, count, first_seen, last_seen, addresses, cadence
                 FROM baseline_functions ORDER BY client, server, protocol, function",
            )
            .map_err(&err)?;
        b.functions = st
            .query_map([], |r| {
                let cadence: String = r.get(9)?;
                Ok(BaselineFunction {
                    client: r.get(0)?,
                    server: r.get(1)?,
                    protocol: r.get(2)?,
                    function: r.get(3)?,
                    write: r.get(4)?,
                    count: r.get::<_, i64>(5)? as u64,
                    first_seen: r.get(6)?,
                    last_seen: r.get(7)?,
                    addresses: AddressRanges::parse(&r.get::<_, String>(8)?),
                    cadence: serde_json::from_str(&cadence)
                        .map_err(|e| corrupt("baseline cadence", e))?,
                })
            })
            .map_err(&err)?
            .collect::<std::result::Result<_, _>>()
            .map_err(&err)?;
        Ok(Some(StoredBaseline { meta, baseline: b }))
    }

    /// Replaces the stored baseline with `b`; `source` (a capture, "database", "accepted
    /// alert 4") is added to the list of what it was learned from.
    pub fn save_baseline(&mut self, b: &Baseline, source: &str) -> Result<()> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let prior = self.baseline()?.map(|s| s.meta);
        let mut sources = prior
            .as_ref()
            .map(|m| m.sources.clone())
            .unwrap_or_default();
        sources.push(source.to_string());
        let sources = serde_json::to_string(&sources).expect("strings serialise");
        let at = now();
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute_batch(
            "DELETE FROM baseline_assets; DELETE FROM baseline_edges; DELETE FROM baseline_functions;",
        )
        .map_err(err)?;
        tx.execute(
            "INSERT INTO baseline_meta (id, created_at, updated_at, sources) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, sources = excluded.sources",
            params![prior.map_or(at, |m| m.created_at), at, sources],
        )
        .map_err(err)?;
        {
            let mut st = tx
                .prepare("INSERT INTO baseline_assets (key, role, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4)")
                .map_err(err)?;
            for a in &b.assets {
                st.execute(params![a.key, a.role, a.first_seen, a.last_seen])
                    .map_err(err)?;
            }
            let mut st = tx
                .prepare(
                    "INSERT INTO baseline_edges (client, server, protocol, first_seen, last_seen)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(err)?;
            for e in &b.edges {
                st.execute(params![
                    e.client,
                    e.server,
                    e.protocol,
                    e.first_seen,
                    e.last_seen
                ])
                .map_err(err)?;
            }
            let mut st = tx
                .prepare(
                    "INSERT INTO baseline_functions
                     (client, server, protocol, function, write, count, first_seen, last_seen, addresses, cadence)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(err)?;
            for f in &b.functions {
                st.execute(params![
                    f.client,
                    f.server,
                    f.protocol,
                    f.function,
                    f.write,
                    f.count as i64,
                    f.first_seen,
                    f.last_seen,
                    f.addresses.to_text(),
                    serde_json::to_string(&f.cadence).expect("numbers serialise"),
                ])
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Forgets the baseline (the departures found so far stay listed). Returns whether
    /// there was one.
    pub fn reset_baseline(&mut self) -> Result<bool> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let had = tx.execute("DELETE FROM baseline_meta", []).map_err(err)? > 0;
        tx.execute_batch(
            "DELETE FROM baseline_assets; DELETE FROM baseline_edges; DELETE FROM baseline_functions;",
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(had)
    }

    /// Keeps the departures one analysis found; returns their ids in order.
    pub fn record_baseline_alerts(
        &mut self,
        run_id: Option<i64>,
        alerts: &[Alert],
    ) -> Result<Vec<i64>> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let mut ids = Vec::with_capacity(alerts.len());
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO baseline_alerts (run_id, rule, severity, subject, alert_json)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(err)?;
            for a in alerts {
                let json = serde_json::to_string(a).expect("alerts serialise");
                st.execute(params![
                    run_id,
                    a.rule,
                    a.severity.as_str(),
                    a.subject,
                    json
                ])
                .map_err(err)?;
                ids.push(tx.last_insert_rowid());
            }
        }
        tx.commit().map_err(err)?;
        Ok(ids)
    }

    /// Every departure found so far, oldest first.
    pub fn baseline_alerts(&self) -> Result<Vec<StoredBaselineAlert>> {
        self.baseline_alerts_where("1 = 1", [])
    }

    pub fn baseline_alert(&self, id: i64) -> Result<Option<StoredBaselineAlert>> {
        Ok(self.baseline_alerts_where("id = ?1", [id])?.pop())
    }

    fn baseline_alerts_where<P: rusqlite::Params>(
        &self,
        filter: &str,
        p: P,
    ) -> Result<Vec<StoredBaselineAlert>> {
        let err = self.err();
        // The filter is one of this module's constants, never input.
        let sql = format!(
            "SELECT id, run_id, accepted_at, alert_json FROM baseline_alerts WHERE {filter} ORDER BY id"
        );
        let mut st = self.conn.prepare(&sql).map_err(&err)?;
        let rows = st
            .query_map(p, |r| {
                let json: String = r.get(3)?;
                Ok(StoredBaselineAlert {
                    id: r.get(0)?,
                    run_id: r.get(1)?,
                    accepted_at: r.get(2)?,
                    alert: serde_json::from_str(&json).map_err(|e| corrupt("baseline alert", e))?,
                })
            })
            .map_err(&err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&err)?;
        Ok(rows)
    }

    pub fn mark_baseline_alert_accepted(&mut self, id: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE baseline_alerts SET accepted_at = ?1 WHERE id = ?2",
                params![now(), id],
            )
            .map(|_| ())
            .map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_model::alert::Severity;

    fn sample() -> Baseline {
        let mut addresses = AddressRanges::default();
        addresses.add("holding_register", 0, 9);
        Baseline {
            assets: vec![BaselineAsset {
                key: "ip:10.0.0.2".into(),
                role: "controller".into(),
                first_seen: 1,
                last_seen: 2,
            }],
            edges: vec![BaselineEdge {
                client: "ip:10.0.0.1".into(),
                server: "ip:10.0.0.2".into(),
                protocol: "modbus".into(),
                first_seen: 1,
                last_seen: 2,
            }],
            functions: vec![BaselineFunction {
                client: "ip:10.0.0.1".into(),
                server: "ip:10.0.0.2".into(),
                protocol: "modbus".into(),
                function: "READ_HOLDING_REGISTERS".into(),
                write: false,
                count: 600,
                first_seen: 1,
                last_seen: 2,
                addresses,
                cadence: vec![60.0, 59.5],
            }],
        }
    }

    #[test]
    fn baseline_round_trips_and_resets() {
        let mut s = Store::open_in_memory().unwrap();
        assert!(s.baseline().unwrap().is_none());
        s.save_baseline(&sample(), "a.pcap").unwrap();
        s.save_baseline(&sample(), "b.pcap").unwrap();
        let got = s.baseline().unwrap().unwrap();
        assert_eq!(got.baseline, sample());
        assert_eq!(got.meta.sources, ["a.pcap", "b.pcap"]);
        assert!(s.reset_baseline().unwrap());
        assert!(s.baseline().unwrap().is_none());
        assert!(!s.reset_baseline().unwrap());
    }

    #[test]
    fn alerts_are_kept_by_id_and_marked_accepted() {
        let mut s = Store::open_in_memory().unwrap();
        let a = Alert {
            rule: "baseline.new_asset".into(),
            title: "New asset".into(),
            severity: Severity::Medium,
            techniques: vec![],
            assets: vec!["ip:10.0.0.9".into()],
            src: None,
            dst: None,
            subject: "unknown".into(),
            first_seen: 5,
            last_seen: 6,
            count: 1,
            explanation: "x".into(),
            evidence: vec![],
        };
        let ids = s
            .record_baseline_alerts(None, &[a.clone(), a.clone()])
            .unwrap();
        assert_eq!(ids.len(), 2);
        s.mark_baseline_alert_accepted(ids[1]).unwrap();
        let got = s.baseline_alert(ids[1]).unwrap().unwrap();
        assert_eq!(got.alert, a);
        assert!(got.accepted_at.is_some());
        assert!(s
            .baseline_alert(ids[0])
            .unwrap()
            .unwrap()
            .accepted_at
            .is_none());
        assert!(s.baseline_alert(999).unwrap().is_none());
        assert_eq!(s.baseline_alerts().unwrap().len(), 2);
    }
}
