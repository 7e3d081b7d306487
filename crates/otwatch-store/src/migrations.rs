//! Versioned schema changes. Each entry upgrades the schema by one version; they run in
//! order inside one transaction, so a failed upgrade leaves the old database as it was.

use crate::{Result, StoreError};
use rusqlite::Connection;
use std::path::Path;

const MIGRATIONS: &[&str] = &[
    // 1: first release.
    "CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        otwatch_version TEXT NOT NULL,
        summary_json TEXT NOT NULL
    );
    CREATE TABLE flows (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        uid TEXT NOT NULL,
        first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,
        orig_h TEXT NOT NULL, orig_p INTEGER NOT NULL, resp_h TEXT NOT NULL, resp_p INTEGER NOT NULL,
        transport TEXT NOT NULL, ip_proto INTEGER NOT NULL, vlan INTEGER,
        service TEXT, service_identified_by TEXT,
        orig_pkts INTEGER NOT NULL, orig_ip_bytes INTEGER NOT NULL, resp_pkts INTEGER NOT NULL, resp_ip_bytes INTEGER NOT NULL,
        orig_bytes INTEGER NOT NULL, resp_bytes INTEGER NOT NULL,
        conn_state TEXT NOT NULL, history TEXT NOT NULL, missed_bytes INTEGER NOT NULL,
        capture TEXT NOT NULL, first_frame INTEGER NOT NULL
    );
    CREATE TABLE assets (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        vendor TEXT, internal INTEGER,
        first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
        note TEXT
    );
    CREATE TABLE asset_addresses (
        asset_id INTEGER NOT NULL REFERENCES assets(id),
        kind TEXT NOT NULL CHECK (kind IN ('mac', 'ip')),
        value TEXT NOT NULL,
        UNIQUE (asset_id, kind, value)
    );
    CREATE TABLE asset_attributes (
        id INTEGER PRIMARY KEY,
        asset_id INTEGER NOT NULL REFERENCES assets(id),
        run_id INTEGER NOT NULL REFERENCES runs(id),
        name TEXT NOT NULL, value TEXT NOT NULL,
        protocol TEXT NOT NULL, message TEXT NOT NULL,
        capture TEXT NOT NULL, frame INTEGER NOT NULL, ts INTEGER NOT NULL, confidence REAL NOT NULL,
        UNIQUE (asset_id, name, value, protocol)
    );
    CREATE TABLE asset_protocols (
        asset_id INTEGER NOT NULL REFERENCES assets(id),
        protocol TEXT NOT NULL, role TEXT NOT NULL, port INTEGER NOT NULL,
        transport TEXT NOT NULL, identified_by TEXT NOT NULL,
        first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, flows INTEGER NOT NULL,
        PRIMARY KEY (asset_id, protocol, role, port)
    );
    CREATE TABLE edges (
        id INTEGER PRIMARY KEY,
        client TEXT NOT NULL, server TEXT NOT NULL, protocol TEXT NOT NULL,
        transport TEXT NOT NULL, server_port INTEGER NOT NULL, identified_by TEXT NOT NULL,
        flows INTEGER NOT NULL, packets INTEGER NOT NULL, bytes INTEGER NOT NULL,
        first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
        UNIQUE (client, server, protocol, server_port)
    );
    CREATE TABLE function_aggregates (
        client TEXT NOT NULL, server TEXT NOT NULL, protocol TEXT NOT NULL, function TEXT NOT NULL,
        count INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
        UNIQUE (client, server, protocol, function)
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        ts INTEGER NOT NULL, protocol TEXT NOT NULL, kind TEXT NOT NULL,
        src TEXT, dst TEXT, detail TEXT NOT NULL, capture TEXT NOT NULL, frame INTEGER NOT NULL
    );",
    // 2: lookups the CLI makes by time and by address.
    "CREATE INDEX flows_by_time ON flows (first_ts);
    CREATE INDEX flows_by_hosts ON flows (orig_h, resp_h);
    CREATE INDEX events_by_time ON events (ts);
    CREATE INDEX addresses_by_value ON asset_addresses (kind, value);",
    // 3: evidence for each edge of the communication map.
    "ALTER TABLE edges ADD COLUMN first_capture TEXT NOT NULL DEFAULT '';
    ALTER TABLE edges ADD COLUMN first_frame INTEGER NOT NULL DEFAULT 0;",
    // 4: the addresses each function touched (registers, data blocks, objects).
    "ALTER TABLE function_aggregates ADD COLUMN addresses TEXT NOT NULL DEFAULT '';",
    // 5 (change over time): what each run changed, the values currently believed per
    // asset and field, and what each run's comparison did. A database from before starts
    // with the addresses it already holds as current, so that its next run reports only
    // addresses that are really new.
    "CREATE TABLE asset_changes (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        asset_id INTEGER NOT NULL REFERENCES assets(id),
        kind TEXT NOT NULL, field TEXT, old_value TEXT, new_value TEXT,
        ts INTEGER NOT NULL, detail TEXT NOT NULL,
        protocol TEXT NOT NULL, message TEXT NOT NULL,
        capture TEXT NOT NULL, frame INTEGER NOT NULL, confidence REAL NOT NULL
    );
    CREATE INDEX asset_changes_by_time ON asset_changes (ts);
    CREATE INDEX asset_changes_by_asset ON asset_changes (asset_id, kind);
    CREATE TABLE asset_current (
        asset_id INTEGER NOT NULL REFERENCES assets(id),
        field TEXT NOT NULL, value TEXT NOT NULL,
        ts INTEGER NOT NULL, run_id INTEGER REFERENCES runs(id),
        PRIMARY KEY (asset_id, field, value)
    );
    CREATE TABLE change_runs (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id),
        reference INTEGER NOT NULL, assets_compared INTEGER NOT NULL, changes INTEGER NOT NULL,
        latest_ts INTEGER, stale_after INTEGER
    );
    INSERT INTO asset_current (asset_id, field, value, ts, run_id)
        SELECT ad.asset_id, 'ip', ad.value, a.last_seen, NULL
        FROM asset_addresses ad JOIN assets a ON a.id = ad.asset_id
        WHERE ad.kind = 'ip' AND a.key LIKE 'mac:%';",
    // 6 (inventory: human corrections and the declared inventory). Corrections live in
    // their own tables so that later analyses, which rewrite observed facts, never lose them.
    "CREATE TABLE asset_overrides (
        asset_id INTEGER PRIMARY KEY REFERENCES assets(id),
        owner TEXT, criticality TEXT, location TEXT, notes TEXT, decommissioned INTEGER,
        role TEXT, purdue_level TEXT, name TEXT
    );
    CREATE TABLE asset_corrections (
        id INTEGER PRIMARY KEY,
        asset_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        by_user TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('edit', 'merge', 'split')),
        field TEXT NOT NULL,
        old_value TEXT,
        new_value TEXT
    );
    CREATE INDEX corrections_by_asset ON asset_corrections (asset_id, id);
    CREATE TABLE asset_pins (
        kind TEXT NOT NULL CHECK (kind IN ('key', 'mac', 'ip')),
        value TEXT NOT NULL,
        asset_id INTEGER NOT NULL REFERENCES assets(id),
        PRIMARY KEY (kind, value)
    );
    CREATE TABLE declared_imports (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        by_user TEXT NOT NULL,
        devices INTEGER NOT NULL
    );
    CREATE TABLE declared_assets (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES declared_imports(id),
        line INTEGER NOT NULL,
        name TEXT, ip TEXT, mac TEXT, vendor TEXT, model TEXT, firmware TEXT, serial TEXT,
        role TEXT, purdue_level TEXT, location TEXT, owner TEXT, criticality TEXT, notes TEXT
    );",
    // 7 (devices behind devices): the key of the asset that fronts this one (a gateway, a
    // chassis, a BACnet router) and where it sits behind it.
    "ALTER TABLE assets ADD COLUMN parent TEXT;
    ALTER TABLE assets ADD COLUMN position TEXT;",
    // 8 (identity fusion): the fused identity of each asset: the fields later features filter
    // and compare on as columns, the whole identity with its evidence and conflicts as JSON.
    "ALTER TABLE assets ADD COLUMN role TEXT;
    ALTER TABLE assets ADD COLUMN purdue_level TEXT;
    ALTER TABLE assets ADD COLUMN model TEXT;
    ALTER TABLE assets ADD COLUMN firmware TEXT;
    ALTER TABLE assets ADD COLUMN serial TEXT;
    ALTER TABLE assets ADD COLUMN identity_json TEXT;
    CREATE INDEX assets_by_role ON assets (role);",
    // 9 (detection): one row per finding (rule, assets, subject); later runs add to its
    // count and times. Techniques, assets and evidence are JSON arrays.
    "CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        rule TEXT NOT NULL, title TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
        techniques TEXT NOT NULL, assets TEXT NOT NULL, subject TEXT NOT NULL,
        src TEXT, dst TEXT,
        first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, count INTEGER NOT NULL,
        explanation TEXT NOT NULL, evidence TEXT NOT NULL,
        first_run INTEGER NOT NULL REFERENCES runs(id), last_run INTEGER NOT NULL REFERENCES runs(id),
        acked_at TEXT, acked_by TEXT, ack_note TEXT,
        UNIQUE (rule, assets, subject)
    );
    CREATE INDEX alerts_by_time ON alerts (last_seen);",
    // 10 (detection: baseline). What normal looks like, learned from traffic an operator
    // vouches for, kept apart from the observed tables so that later analyses never move
    // it; and the departures later analyses found, so that one can be accepted by id.
    "CREATE TABLE baseline_meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        sources TEXT NOT NULL
    );
    CREATE TABLE baseline_assets (
        key TEXT PRIMARY KEY, role TEXT NOT NULL,
        first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL
    );
    CREATE TABLE baseline_edges (
        client TEXT NOT NULL, server TEXT NOT NULL, protocol TEXT NOT NULL,
        first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
        PRIMARY KEY (client, server, protocol)
    );
    CREATE TABLE baseline_functions (
        client TEXT NOT NULL, server TEXT NOT NULL, protocol TEXT NOT NULL, function TEXT NOT NULL,
        write INTEGER NOT NULL, count INTEGER NOT NULL,
        first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
        addresses TEXT NOT NULL, cadence TEXT NOT NULL,
        PRIMARY KEY (client, server, protocol, function)
    );
    CREATE TABLE baseline_alerts (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        rule TEXT NOT NULL, severity TEXT NOT NULL, subject TEXT NOT NULL,
        alert_json TEXT NOT NULL,
        accepted_at INTEGER
    );",
];

/// The schema version this otwatch writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    migrate_to(conn, path, SCHEMA_VERSION)
}

pub(crate) fn migrate_to(conn: &mut Connection, path: &Path, target: i64) -> Result<()> {
    let err = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let current: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    if current == 0 {
        // A version-0 file with tables of its own is someone else's database.
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if tables > 0 {
            return Err(StoreError::Foreign {
                path: path.to_path_buf(),
                detail: format!("it holds {tables} tables but no otwatch schema version"),
            });
        }
    }
    if current >= target {
        return Ok(());
    }
    let tx = conn.transaction().map_err(err)?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(current as usize)
    {
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(err)?;
    }
    tx.commit().map_err(err)
}
