//! The database: what a person queries after an analysis.
//!
//! SQLite by default, one file, no server. It holds flows, assets with every attribute's
//! evidence, the communication map, per-function aggregates, notable events and each run's
//! summary — never one row per packet or transaction. The schema is versioned with
//! migrations (`PRAGMA user_version`): a database from an older otwatch is upgraded in
//! place, one from a newer otwatch is refused with a clear message, nothing is silently
//! rebuilt.

mod alerts;
mod baseline;
pub mod changes;
mod corrections;
mod declared;
mod migrations;

pub use alerts::{Ack, AlertFilter, StoredAlert};
pub use baseline::{BaselineMeta, StoredBaseline, StoredBaselineAlert};
pub use corrections::{AddressKind, Correction, OverrideField};
pub use declared::DeclaredImport;

use otwatch_model::identity::AssetIdentity;
use otwatch_model::ranges::AddressRanges;
use otwatch_model::{
    Asset, AssetProtocol, Attribute, Edge, Evidence, FlowRecord, FunctionAggregate, IdentifiedBy,
    ProtocolEvent, ProtocolRole, TransportProto,
};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub use changes::ChangeOptions;
pub use migrations::SCHEMA_VERSION;

/// What to do when the database could not be written: SQLite says "disk I/O error" for a
/// file-size limit and "database or disk is full" for a full disk, and neither says that
/// the transaction was rolled back.
fn write_failure_hint(source: &rusqlite::Error) -> &'static str {
    match source.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::SystemIoFailure) => {
            " (the disk may be full or a file-size limit reached: free space or raise the \
             limit and run again; this run was rolled back, earlier runs are intact)"
        }
        _ => "",
    }
}

/// Runs a statement through the connection's statement cache. One run repeats a handful of
/// statements hundreds of thousands of times; preparing each anew costs more than running it.
pub(crate) fn exec(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// [`exec`] for a statement that returns one row.
pub(crate) fn query_one<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, f)
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: database error: {source}{hint}", hint = write_failure_hint(source))]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "{path}: written by a newer otwatch (schema version {found}; this otwatch knows up to {supported}); \
         upgrade otwatch or choose another --db"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path}: not an otwatch database ({detail}); choose another --db")]
    Foreign { path: PathBuf, detail: String },
    /// A correction that would not make sense; the text says why and what to do instead.
    #[error("{detail}")]
    Refused { detail: String },
    #[error(
        "{path}: the stored identity of asset {key} is not valid JSON ({source}); \
         run `otwatch analyze` again to recompute it"
    )]
    Identity {
        path: PathBuf,
        key: String,
        source: serde_json::Error,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// What one analysis run writes.
pub struct RunRecord<'a> {
    pub summary_json: &'a str,
    pub flows: &'a [FlowRecord],
    pub assets: &'a [Asset],
    pub edges: &'a [Edge],
    pub functions: &'a [FunctionAggregate],
    pub events: &'a [ProtocolEvent],
}

fn transport_from(s: &str) -> TransportProto {
    match s {
        "tcp" => TransportProto::Tcp,
        "udp" => TransportProto::Udp,
        "icmp" => TransportProto::Icmp,
        _ => TransportProto::Other,
    }
}

fn by_from(s: &str) -> IdentifiedBy {
    if s == "payload" {
        IdentifiedBy::Payload
    } else {
        IdentifiedBy::Port
    }
}

fn by_str(b: IdentifiedBy) -> &'static str {
    match b {
        IdentifiedBy::Payload => "payload",
        IdentifiedBy::Port => "port",
    }
}

fn role_str(r: ProtocolRole) -> &'static str {
    match r {
        ProtocolRole::Client => "client",
        ProtocolRole::Server => "server",
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let err = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.prepare()?;
        Ok(store)
    }

    /// An in-memory database, for tests and the demo.
    pub fn open_in_memory() -> Result<Self> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sqlite {
            path: path.clone(),
            source,
        })?;
        let mut store = Store { conn, path };
        store.prepare()?;
        Ok(store)
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn prepare(&mut self) -> Result<()> {
        let path = self.path.clone();
        let foreign = |source: rusqlite::Error| match source {
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::NotADatabase => {
                StoreError::Foreign {
                    path: path.clone(),
                    detail: "the file is not an SQLite database".into(),
                }
            }
            source => StoreError::Sqlite {
                path: path.clone(),
                source,
            },
        };
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            )
            .map_err(&foreign)?;
        migrations::migrate(&mut self.conn, &self.path)
    }

    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())
    }

    /// Writes one run in a single transaction. Assets, edges and aggregates merge with
    /// what earlier runs recorded; flows and events are appended.
    pub fn record_run(&mut self, run: &RunRecord<'_>) -> Result<i64> {
        self.record_run_with(run, &ChangeOptions::default())
    }

    /// [`Store::record_run`], recording what changed against the earlier runs (see
    /// [`changes`]) in the same transaction.
    pub fn record_run_with(&mut self, run: &RunRecord<'_>, options: &ChangeOptions) -> Result<i64> {
        self.record_run_with_alerts(run, options, &[])
    }

    /// [`Store::record_run_with`], also recording the run's alerts (deduplicated against
    /// the stored ones) in the same transaction.
    pub fn record_run_with_alerts(
        &mut self,
        run: &RunRecord<'_>,
        options: &ChangeOptions,
        alerts: &[otwatch_model::alert::Alert],
    ) -> Result<i64> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        exec(&tx,
            "INSERT INTO runs (started_at, otwatch_version, summary_json) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?1, ?2)",
            params![env!("CARGO_PKG_VERSION"), run.summary_json],
        )
        .map_err(err)?;
        let run_id = tx.last_insert_rowid();
        // The state before this run, read before its assets merge in.
        let prior = changes::load_prior(&tx).map_err(err)?;
        let comparison = changes::compare(&prior, run.assets, run.edges);
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO flows (run_id, uid, first_ts, last_ts, orig_h, orig_p, resp_h, resp_p, transport, ip_proto, vlan,
                     service, service_identified_by, orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes, orig_bytes, resp_bytes,
                     conn_state, history, missed_bytes, capture, first_frame)
                     VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24)",
                )
                .map_err(err)?;
            for f in run.flows {
                st.execute(params![
                    run_id,
                    f.uid,
                    f.first_ts,
                    f.last_ts,
                    f.orig_h.to_string(),
                    f.orig_p,
                    f.resp_h.to_string(),
                    f.resp_p,
                    f.transport.as_str(),
                    f.ip_proto,
                    f.vlan,
                    f.service,
                    f.service_identified_by.map(by_str),
                    f.orig_pkts as i64,
                    f.orig_ip_bytes as i64,
                    f.resp_pkts as i64,
                    f.resp_ip_bytes as i64,
                    f.orig_bytes as i64,
                    f.resp_bytes as i64,
                    f.conn_state,
                    f.history,
                    f.missed_bytes as i64,
                    f.first_capture,
                    f.first_frame as i64,
                ])
                .map_err(err)?;
            }
        }
        // Merges and splits people made: a pinned key records into the asset it was merged
        // into, a pinned address (and the facts naming it) into the asset it was split to.
        let pins = corrections::any_pins(&tx).map_err(err)?;
        // Asset keys as written: a pinned key becomes the key of the asset it was merged
        // into, for parents (a device behind a merged front sits behind the kept asset),
        // edges and function aggregates alike.
        let mut keys = corrections::KeyMapper::new(&tx).map_err(err)?;
        for a in run.assets {
            let parent = match &a.parent {
                Some(p) => Some(keys.map(&tx, p).map_err(err)?),
                None => None,
            };
            let merged_into = if pins {
                corrections::pinned(&tx, "key", &a.key).map_err(err)?
            } else {
                None
            };
            let id: i64 = match merged_into {
                Some(id) => {
                    exec(&tx,
                        "UPDATE assets SET vendor = COALESCE(?2, vendor), internal = COALESCE(?3, internal),
                           first_seen = MIN(first_seen, ?4), last_seen = MAX(last_seen, ?5) WHERE id = ?1",
                        params![id, a.vendor, a.internal, a.first_seen, a.last_seen],
                    )
                    .map_err(err)?;
                    id
                }
                None => {
                    exec(&tx,
                        "INSERT INTO assets (key, vendor, internal, first_seen, last_seen, note, parent, position)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                         ON CONFLICT(key) DO UPDATE SET
                           vendor = COALESCE(excluded.vendor, assets.vendor),
                           internal = COALESCE(excluded.internal, assets.internal),
                           first_seen = MIN(assets.first_seen, excluded.first_seen),
                           last_seen = MAX(assets.last_seen, excluded.last_seen),
                           note = COALESCE(excluded.note, assets.note),
                           parent = COALESCE(excluded.parent, assets.parent),
                           position = COALESCE(excluded.position, assets.position)",
                        params![
                            a.key,
                            a.vendor,
                            a.internal,
                            a.first_seen,
                            a.last_seen,
                            a.note,
                            parent,
                            a.position
                        ],
                    )
                    .map_err(err)?;
                    query_one(&tx, "SELECT id FROM assets WHERE key = ?1", [&a.key], |r| {
                        r.get(0)
                    })
                    .map_err(err)?
                }
            };
            let mut split_to: Vec<(&'static str, String, i64)> = Vec::new();
            let addresses = a
                .macs
                .iter()
                .map(|m| ("mac", m.clone()))
                .chain(a.ips.iter().map(|ip| ("ip", ip.to_string())));
            for (kind, value) in addresses {
                let target = if pins {
                    corrections::pinned(&tx, kind, &value).map_err(err)?
                } else {
                    None
                }
                .unwrap_or(id);
                if target != id {
                    exec(&tx,
                        "UPDATE assets SET first_seen = MIN(first_seen, ?2), last_seen = MAX(last_seen, ?3) WHERE id = ?1",
                        params![target, a.first_seen, a.last_seen],
                    )
                    .map_err(err)?;
                    split_to.push((kind, value.clone(), target));
                }
                exec(&tx,
                    "INSERT OR IGNORE INTO asset_addresses (asset_id, kind, value) VALUES (?1, ?2, ?3)",
                    params![target, kind, value],
                )
                .map_err(err)?;
            }
            for at in &a.attributes {
                let e = &at.evidence;
                let target = split_to
                    .iter()
                    .find(|(kind, value, _)| at.name == *kind && at.value == *value)
                    .map_or(id, |(_, _, target)| *target);
                exec(&tx,
                    "INSERT OR IGNORE INTO asset_attributes (asset_id, run_id, name, value, protocol, message, capture, frame, ts, confidence)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![target, run_id, at.name, at.value, e.protocol, e.message, e.capture, e.frame as i64, e.ts, f64::from(e.confidence)],
                )
                .map_err(err)?;
            }
            for p in &a.protocols {
                exec(&tx,
                    "INSERT INTO asset_protocols (asset_id, protocol, role, port, transport, identified_by, first_seen, last_seen, flows)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT(asset_id, protocol, role, port) DO UPDATE SET
                       identified_by = CASE WHEN excluded.identified_by = 'payload' THEN 'payload' ELSE asset_protocols.identified_by END,
                       first_seen = MIN(asset_protocols.first_seen, excluded.first_seen),
                       last_seen = MAX(asset_protocols.last_seen, excluded.last_seen),
                       flows = asset_protocols.flows + excluded.flows",
                    params![
                        id,
                        p.protocol,
                        role_str(p.role),
                        p.port.map(i64::from).unwrap_or(-1),
                        p.transport.as_str(),
                        by_str(p.identified_by),
                        p.first_seen,
                        p.last_seen,
                        p.flows as i64
                    ],
                )
                .map_err(err)?;
            }
        }
        for e in run.edges {
            if pins {
                let mapped = Edge {
                    client: keys.map(&tx, &e.client).map_err(err)?,
                    server: keys.map(&tx, &e.server).map_err(err)?,
                    ..e.clone()
                };
                corrections::upsert_edge(&tx, &mapped).map_err(err)?;
            } else {
                corrections::upsert_edge(&tx, e).map_err(err)?;
            }
        }
        // The first run into a database has no earlier aggregates to widen, and its keys
        // are unique unless merges map two onto one.
        let functions_may_exist = pins
            || query_one(
                &tx,
                "SELECT EXISTS (SELECT 1 FROM function_aggregates)",
                [],
                |r| r.get::<_, bool>(0),
            )
            .map_err(err)?;
        for f in run.functions {
            let mapped;
            let f = if pins {
                mapped = FunctionAggregate {
                    client: keys.map(&tx, &f.client).map_err(err)?,
                    server: keys.map(&tx, &f.server).map_err(err)?,
                    ..f.clone()
                };
                &mapped
            } else {
                f
            };
            corrections::upsert_function_checked(&tx, f, functions_may_exist).map_err(err)?;
        }
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO events (run_id, ts, protocol, kind, src, dst, detail, capture, frame)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(err)?;
            for e in run.events {
                st.execute(params![
                    run_id,
                    e.ts,
                    e.protocol,
                    e.kind,
                    e.src.map(|a| a.to_string()),
                    e.dst.map(|a| a.to_string()),
                    e.detail,
                    e.capture,
                    e.frame as i64
                ])
                .map_err(err)?;
            }
        }
        changes::record(&tx, run_id, &comparison, run.assets.len(), options).map_err(err)?;
        alerts::record(&tx, run_id, alerts).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(run_id)
    }

    /// The inventory as stored, ordered by first address.
    pub fn assets(&self) -> Result<Vec<(i64, Asset)>> {
        let err = self.err();
        let mut st = self
            .conn
            .prepare("SELECT id, key, vendor, internal, first_seen, last_seen, note, parent, position, identity_json FROM assets ORDER BY id")
            .map_err(&err)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(9)?,
                    Asset {
                        key: r.get(1)?,
                        macs: Vec::new(),
                        ips: Vec::new(),
                        vendor: r.get(2)?,
                        hostnames: Vec::new(),
                        internal: r.get(3)?,
                        first_seen: r.get(4)?,
                        last_seen: r.get(5)?,
                        protocols: Vec::new(),
                        attributes: Vec::new(),
                        note: r.get(6)?,
                        parent: r.get(7)?,
                        position: r.get(8)?,
                        identity: Default::default(),
                        overrides: Default::default(),
                    },
                ))
            })
            .map_err(&err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&err)?;
        // Each child table is read once, in asset order, rather than once per asset: with
        // tens of thousands of assets the per-asset queries were most of the load time.
        let mut addresses: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        {
            let mut st = self
                .conn
                .prepare("SELECT asset_id, kind, value FROM asset_addresses ORDER BY asset_id, kind, value")
                .map_err(&err)?;
            let mut q = st.query([]).map_err(&err)?;
            while let Some(r) = q.next().map_err(&err)? {
                addresses
                    .entry(r.get(0).map_err(&err)?)
                    .or_default()
                    .push((r.get(1).map_err(&err)?, r.get(2).map_err(&err)?));
            }
        }
        let mut attributes: HashMap<i64, Vec<Attribute>> = HashMap::new();
        {
            let mut st = self
                .conn
                .prepare(
                    "SELECT asset_id, name, value, protocol, message, capture, frame, ts, confidence FROM asset_attributes
                     ORDER BY asset_id, name, value, ts",
                )
                .map_err(&err)?;
            let mut q = st.query([]).map_err(&err)?;
            while let Some(r) = q.next().map_err(&err)? {
                let at = Attribute {
                    name: r.get(1).map_err(&err)?,
                    value: r.get(2).map_err(&err)?,
                    evidence: Evidence {
                        protocol: r.get(3).map_err(&err)?,
                        message: r.get(4).map_err(&err)?,
                        capture: r.get(5).map_err(&err)?,
                        frame: r.get::<_, i64>(6).map_err(&err)? as u64,
                        ts: r.get(7).map_err(&err)?,
                        confidence: r.get::<_, f64>(8).map_err(&err)? as f32,
                    },
                };
                attributes
                    .entry(r.get(0).map_err(&err)?)
                    .or_default()
                    .push(at);
            }
        }
        let mut protocols: HashMap<i64, Vec<AssetProtocol>> = HashMap::new();
        {
            let mut st = self
                .conn
                .prepare(
                    "SELECT asset_id, protocol, role, port, transport, identified_by, first_seen, last_seen, flows FROM asset_protocols
                     ORDER BY asset_id, protocol, role, port",
                )
                .map_err(&err)?;
            let mut q = st.query([]).map_err(&err)?;
            while let Some(r) = q.next().map_err(&err)? {
                let port: i64 = r.get(3).map_err(&err)?;
                let p = AssetProtocol {
                    protocol: r.get(1).map_err(&err)?,
                    role: if r.get::<_, String>(2).map_err(&err)? == "server" {
                        ProtocolRole::Server
                    } else {
                        ProtocolRole::Client
                    },
                    port: u16::try_from(port).ok(),
                    transport: transport_from(&r.get::<_, String>(4).map_err(&err)?),
                    identified_by: by_from(&r.get::<_, String>(5).map_err(&err)?),
                    first_seen: r.get(6).map_err(&err)?,
                    last_seen: r.get(7).map_err(&err)?,
                    flows: r.get::<_, i64>(8).map_err(&err)? as u64,
                };
                protocols
                    .entry(r.get(0).map_err(&err)?)
                    .or_default()
                    .push(p);
            }
        }
        let mut overrides = corrections::load_all_overrides(&self.conn).map_err(&err)?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, identity_json, mut a) in rows {
            if let Some(text) = identity_json {
                a.identity =
                    serde_json::from_str(&text).map_err(|source| StoreError::Identity {
                        path: self.path.clone(),
                        key: a.key.clone(),
                        source,
                    })?;
            }
            for (kind, value) in addresses.remove(&id).unwrap_or_default() {
                if kind == "mac" {
                    a.macs.push(value);
                } else if let Ok(ip) = value.parse::<IpAddr>() {
                    a.ips.push(ip);
                }
            }
            a.ips.sort();
            a.attributes = attributes.remove(&id).unwrap_or_default();
            a.overrides = overrides.remove(&id).unwrap_or_default();
            for at in &a.attributes {
                if at.name == "hostname" && !a.hostnames.contains(&at.value) {
                    a.hostnames.push(at.value.clone());
                }
            }
            a.protocols = protocols.remove(&id).unwrap_or_default();
            out.push((id, a));
        }
        // A device behind another is listed right after the one that fronts it.
        let fronts: HashMap<String, (Option<IpAddr>, i64)> = out
            .iter()
            .map(|(id, a)| (a.key.clone(), (a.ips.first().copied(), *id)))
            .collect();
        let place = |id: i64, a: &Asset| match a.parent.as_ref().and_then(|p| fronts.get(p)) {
            Some((ip, front_id)) => (a.ips.first().copied().or(*ip), *front_id, true, id),
            None => (a.ips.first().copied(), id, false, id),
        };
        out.sort_by_cached_key(|(id, a)| place(*id, a));
        Ok(out)
    }

    /// Stores the fused identity of assets, by key, in one transaction; keys the database
    /// does not hold are skipped.
    pub fn set_identities<'a>(
        &mut self,
        identities: impl IntoIterator<Item = (&'a str, &'a AssetIdentity)>,
    ) -> Result<()> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut st = tx
                .prepare(
                    "UPDATE assets SET role = ?2, purdue_level = ?3, model = ?4, firmware = ?5, serial = ?6,
                       identity_json = ?7
                     WHERE key = ?1",
                )
                .map_err(err)?;
            for (key, id) in identities {
                let value =
                    |f: &otwatch_model::identity::FactField| f.as_ref().map(|f| f.value.clone());
                let json = serde_json::to_string(id).map_err(|source| StoreError::Identity {
                    path: path.clone(),
                    key: key.to_string(),
                    source,
                })?;
                st.execute(params![
                    key,
                    id.role.as_str(),
                    id.purdue_level.map(|l| l.as_str()),
                    value(&id.model).or_else(|| value(&id.order_number)),
                    value(&id.firmware),
                    value(&id.serial),
                    json
                ])
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    pub fn edges(&self) -> Result<Vec<Edge>> {
        let err = self.err();
        let mut st = self
            .conn
            .prepare(
                "SELECT client, server, protocol, transport, server_port, identified_by, flows, packets, bytes, first_seen, last_seen,
                   first_capture, first_frame
                 FROM edges ORDER BY client, server, protocol, server_port",
            )
            .map_err(&err)?;
        let rows = st
            .query_map([], |r| {
                Ok(Edge {
                    client: r.get(0)?,
                    server: r.get(1)?,
                    protocol: r.get(2)?,
                    transport: transport_from(&r.get::<_, String>(3)?),
                    server_port: u16::try_from(r.get::<_, i64>(4)?).ok(),
                    identified_by: by_from(&r.get::<_, String>(5)?),
                    flows: r.get::<_, i64>(6)? as u64,
                    packets: r.get::<_, i64>(7)? as u64,
                    bytes: r.get::<_, i64>(8)? as u64,
                    first_seen: r.get(9)?,
                    last_seen: r.get(10)?,
                    first_capture: r.get(11)?,
                    first_frame: r.get::<_, i64>(12)? as u64,
                })
            })
            .map_err(&err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&err)?;
        Ok(rows)
    }

    pub fn functions(&self) -> Result<Vec<FunctionAggregate>> {
        let err = self.err();
        let mut st = self
            .conn
            .prepare(
                "SELECT client, server, protocol, function, count, first_seen, last_seen, addresses FROM function_aggregates
                 ORDER BY client, server, protocol, function",
            )
            .map_err(&err)?;
        let rows = st
            .query_map([], |r| {
                Ok(FunctionAggregate {
                    client: r.get(0)?,
                    server: r.get(1)?,
                    protocol: r.get(2)?,
                    function: r.get(3)?,
                    count: r.get::<_, i64>(4)? as u64,
                    first_seen: r.get(5)?,
                    last_seen: r.get(6)?,
                    addresses: AddressRanges::parse(&r.get::<_, String>(7)?),
                })
            })
            .map_err(&err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&err)?;
        Ok(rows)
    }

    pub fn count(&self, table: &str) -> Result<i64> {
        // Table names come from this crate's callers, never from input.
        let sql = format!("SELECT COUNT(*) FROM {table}");
        self.conn
            .query_row(&sql, [], |r| r.get(0))
            .map_err(self.err())
    }

    pub fn last_summary(&self) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT summary_json FROM runs ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())
    }
}

#[cfg(test)]
mod tests;
