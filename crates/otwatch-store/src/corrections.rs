//! What people corrected in the inventory, and the audit trail of each correction.
//!
//! Analyses rewrite observed facts; corrections must outlive them. So overrides (owner,
//! criticality, role...) sit in their own table keyed by asset, and merges and splits leave
//! *pins* behind: "observed key K belongs to asset A" after a merge, "address X belongs to
//! asset B" after a split. [`Store::record_run`] consults the pins for every asset, address
//! and edge it writes, so the next analysis keeps merged records together and split ones
//! apart. Every change is written to `asset_corrections` with who made it and when, in the
//! same transaction as the change itself.

use crate::{Result, Store, StoreError};
use otwatch_model::identity::{AssetOverrides, AssetRole, PurdueLevel};
use otwatch_model::{Edge, FunctionAggregate};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;

/// A field a person may set on an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideField {
    Owner,
    Criticality,
    Location,
    Notes,
    Decommissioned,
    Role,
    PurdueLevel,
    Name,
}

impl OverrideField {
    pub const ALL: [OverrideField; 8] = [
        OverrideField::Owner,
        OverrideField::Criticality,
        OverrideField::Location,
        OverrideField::Notes,
        OverrideField::Decommissioned,
        OverrideField::Role,
        OverrideField::PurdueLevel,
        OverrideField::Name,
    ];

    /// The column in `asset_overrides`, which is also the name the audit trail uses.
    pub fn as_str(self) -> &'static str {
        match self {
            OverrideField::Owner => "owner",
            OverrideField::Criticality => "criticality",
            OverrideField::Location => "location",
            OverrideField::Notes => "notes",
            OverrideField::Decommissioned => "decommissioned",
            OverrideField::Role => "role",
            OverrideField::PurdueLevel => "purdue_level",
            OverrideField::Name => "name",
        }
    }
}

/// One change a person made, as the audit trail keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correction {
    pub id: i64,
    pub asset_id: i64,
    /// RFC 3339, UTC, when the change was stored.
    pub at: String,
    pub by: String,
    /// `edit`, `merge` or `split`.
    pub action: String,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Which address of an asset to split off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    Mac,
    Ip,
}

impl AddressKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AddressKind::Mac => "mac",
            AddressKind::Ip => "ip",
        }
    }
}

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

fn refused(detail: String) -> StoreError {
    StoreError::Refused { detail }
}

fn asset_key(conn: &Connection, id: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT key FROM assets WHERE id = ?1", [id], |r| r.get(0))
        .optional()
}

fn record(
    conn: &Connection,
    asset_id: i64,
    by: &str,
    action: &str,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> rusqlite::Result<Correction> {
    conn.execute(
        &format!(
            "INSERT INTO asset_corrections (asset_id, at, by_user, action, field, old_value, new_value)
             VALUES (?1, {NOW}, ?2, ?3, ?4, ?5, ?6)"
        ),
        params![asset_id, by, action, field, old, new],
    )?;
    let id = conn.last_insert_rowid();
    conn.query_row(
        "SELECT id, asset_id, at, by_user, action, field, old_value, new_value FROM asset_corrections WHERE id = ?1",
        [id],
        correction_row,
    )
}

fn correction_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Correction> {
    Ok(Correction {
        id: r.get(0)?,
        asset_id: r.get(1)?,
        at: r.get(2)?,
        by: r.get(3)?,
        action: r.get(4)?,
        field: r.get(5)?,
        old: r.get(6)?,
        new: r.get(7)?,
    })
}

/// The stored value of one override as text; `decommissioned` is kept as 0/1.
fn override_text(
    conn: &Connection,
    asset_id: i64,
    field: OverrideField,
) -> rusqlite::Result<Option<String>> {
    let sql = format!(
        "SELECT {} FROM asset_overrides WHERE asset_id = ?1",
        field.as_str()
    );
    let value: Option<Option<rusqlite::types::Value>> =
        conn.query_row(&sql, [asset_id], |r| r.get(0)).optional()?;
    Ok(match value.flatten() {
        Some(rusqlite::types::Value::Integer(i)) => Some((i != 0).to_string()),
        Some(rusqlite::types::Value::Text(t)) => Some(t),
        _ => None,
    })
}

fn set_override(
    conn: &Connection,
    asset_id: i64,
    field: OverrideField,
    value: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO asset_overrides (asset_id) VALUES (?1)",
        [asset_id],
    )?;
    let sql = format!(
        "UPDATE asset_overrides SET {} = ?2 WHERE asset_id = ?1",
        field.as_str()
    );
    if field == OverrideField::Decommissioned {
        conn.execute(
            &sql,
            params![asset_id, value.map(|v| i64::from(v == "true"))],
        )?;
    } else {
        conn.execute(&sql, params![asset_id, value])?;
    }
    Ok(())
}

/// Every asset's overrides, by asset id, in one query (for loading the whole inventory).
pub(crate) fn load_all_overrides(
    conn: &Connection,
) -> rusqlite::Result<std::collections::HashMap<i64, AssetOverrides>> {
    let mut st = conn.prepare(
        "SELECT asset_id, owner, criticality, location, notes, decommissioned, role, purdue_level, name
         FROM asset_overrides",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            AssetOverrides {
                owner: r.get(1)?,
                criticality: r.get(2)?,
                location: r.get(3)?,
                notes: r.get(4)?,
                decommissioned: r.get::<_, Option<i64>>(5)?.map(|d| d != 0),
                role: r
                    .get::<_, Option<String>>(6)?
                    .and_then(|t| AssetRole::parse(&t)),
                purdue_level: r
                    .get::<_, Option<String>>(7)?
                    .and_then(|t| PurdueLevel::parse(&t)),
                name: r.get(8)?,
            },
        ))
    })?;
    rows.collect()
}

/// The asset a pin sends `(kind, value)` to, if any.
pub(crate) fn pinned(conn: &Connection, kind: &str, value: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT asset_id FROM asset_pins WHERE kind = ?1 AND value = ?2")?
        .query_row(params![kind, value], |r| r.get(0))
        .optional()
}

pub(crate) fn any_pins(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM asset_pins)", [], |r| r.get(0))
}

/// Edge and function endpoints are asset keys; a pinned key is written as the key of the
/// asset it was merged into. Answers are cached: a run repeats the same keys many times.
pub(crate) struct KeyMapper {
    active: bool,
    cache: HashMap<String, String>,
}

impl KeyMapper {
    pub(crate) fn new(conn: &Connection) -> rusqlite::Result<Self> {
        Ok(KeyMapper {
            active: any_pins(conn)?,
            cache: HashMap::new(),
        })
    }

    pub(crate) fn map(&mut self, conn: &Connection, key: &str) -> rusqlite::Result<String> {
        if !self.active {
            return Ok(key.to_string());
        }
        if let Some(k) = self.cache.get(key) {
            return Ok(k.clone());
        }
        let mapped = match pinned(conn, "key", key)? {
            Some(id) => asset_key(conn, id)?.unwrap_or_else(|| key.to_string()),
            None => key.to_string(),
        };
        self.cache.insert(key.to_string(), mapped.clone());
        Ok(mapped)
    }
}

pub(crate) fn upsert_edge(conn: &Connection, e: &Edge) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO edges (client, server, protocol, transport, server_port, identified_by, flows, packets, bytes, first_seen, last_seen,
           first_capture, first_frame)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT(client, server, protocol, server_port) DO UPDATE SET
           identified_by = CASE WHEN excluded.identified_by = 'payload' THEN 'payload' ELSE edges.identified_by END,
           first_capture = CASE WHEN excluded.first_seen < edges.first_seen THEN excluded.first_capture ELSE edges.first_capture END,
           first_frame = CASE WHEN excluded.first_seen < edges.first_seen THEN excluded.first_frame ELSE edges.first_frame END,
           flows = edges.flows + excluded.flows, packets = edges.packets + excluded.packets,
           bytes = edges.bytes + excluded.bytes,
           first_seen = MIN(edges.first_seen, excluded.first_seen), last_seen = MAX(edges.last_seen, excluded.last_seen)",
    )?
    .execute(params![
        e.client,
        e.server,
        e.protocol,
        e.transport.as_str(),
        e.server_port.map(i64::from).unwrap_or(-1),
        crate::by_str(e.identified_by),
        e.flows as i64,
        e.packets as i64,
        e.bytes as i64,
        e.first_seen,
        e.last_seen,
        e.first_capture,
        e.first_frame as i64
    ])?;
    Ok(())
}

pub(crate) fn upsert_function(conn: &Connection, f: &FunctionAggregate) -> rusqlite::Result<()> {
    upsert_function_checked(conn, f, true)
}

/// As [`upsert_function`]; with `may_exist` false the caller knows no row has this key
/// (an empty table, keys unique within the run) and the lookup of earlier ranges is skipped.
pub(crate) fn upsert_function_checked(
    conn: &Connection,
    f: &FunctionAggregate,
    may_exist: bool,
) -> rusqlite::Result<()> {
    // Address ranges merge as sets: what earlier runs saw is kept and widened.
    let earlier: Option<String> = if may_exist {
        conn.prepare_cached(
            "SELECT addresses FROM function_aggregates
             WHERE client = ?1 AND server = ?2 AND protocol = ?3 AND function = ?4",
        )?
        .query_row(params![f.client, f.server, f.protocol, f.function], |r| {
            r.get(0)
        })
        .optional()?
    } else {
        None
    };
    let addresses = match earlier {
        Some(text) => {
            let mut addresses = otwatch_model::ranges::AddressRanges::parse(&text);
            addresses.merge(&f.addresses);
            std::borrow::Cow::Owned(addresses)
        }
        None => std::borrow::Cow::Borrowed(&f.addresses),
    };
    conn.prepare_cached(
        "INSERT INTO function_aggregates (client, server, protocol, function, count, first_seen, last_seen, addresses)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(client, server, protocol, function) DO UPDATE SET
           count = function_aggregates.count + excluded.count,
           first_seen = MIN(function_aggregates.first_seen, excluded.first_seen),
           last_seen = MAX(function_aggregates.last_seen, excluded.last_seen),
           addresses = excluded.addresses",
    )?
    .execute(params![
        f.client,
        f.server,
        f.protocol,
        f.function,
        f.count as i64,
        f.first_seen,
        f.last_seen,
        addresses.to_text()
    ])?;
    Ok(())
}

/// Rewrites every edge and function aggregate of `from` as one of `to`, adding counts where
/// `to` already has the same edge.
fn rekey_map(conn: &Connection, from: &str, to: &str) -> rusqlite::Result<()> {
    let edges = {
        let mut st = conn.prepare(
            "SELECT id, client, server, protocol, transport, server_port, identified_by, flows, packets, bytes,
               first_seen, last_seen, first_capture, first_frame
             FROM edges WHERE client = ?1 OR server = ?1",
        )?;
        let rows = st.query_map([from], |r| {
            let swap = |k: String| if k == from { to.to_string() } else { k };
            Ok((
                r.get::<_, i64>(0)?,
                Edge {
                    client: swap(r.get(1)?),
                    server: swap(r.get(2)?),
                    protocol: r.get(3)?,
                    transport: crate::transport_from(&r.get::<_, String>(4)?),
                    server_port: u16::try_from(r.get::<_, i64>(5)?).ok(),
                    identified_by: crate::by_from(&r.get::<_, String>(6)?),
                    flows: r.get::<_, i64>(7)? as u64,
                    packets: r.get::<_, i64>(8)? as u64,
                    bytes: r.get::<_, i64>(9)? as u64,
                    first_seen: r.get(10)?,
                    last_seen: r.get(11)?,
                    first_capture: r.get(12)?,
                    first_frame: r.get::<_, i64>(13)? as u64,
                },
            ))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    for (id, e) in edges {
        conn.execute("DELETE FROM edges WHERE id = ?1", [id])?;
        upsert_edge(conn, &e)?;
    }
    let functions = {
        let mut st = conn.prepare(
            "SELECT rowid, client, server, protocol, function, count, first_seen, last_seen, addresses
             FROM function_aggregates WHERE client = ?1 OR server = ?1",
        )?;
        let rows = st.query_map([from], |r| {
            let swap = |k: String| if k == from { to.to_string() } else { k };
            Ok((
                r.get::<_, i64>(0)?,
                FunctionAggregate {
                    client: swap(r.get(1)?),
                    server: swap(r.get(2)?),
                    protocol: r.get(3)?,
                    function: r.get(4)?,
                    count: r.get::<_, i64>(5)? as u64,
                    first_seen: r.get(6)?,
                    last_seen: r.get(7)?,
                    addresses: otwatch_model::ranges::AddressRanges::parse(&r.get::<_, String>(8)?),
                },
            ))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    for (rowid, f) in functions {
        conn.execute("DELETE FROM function_aggregates WHERE rowid = ?1", [rowid])?;
        upsert_function(conn, &f)?;
    }
    Ok(())
}

/// Every (table, column) that refers to an asset id, so that a merge moves rows of tables
/// this module does not know by name as well.
fn asset_references(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for t in tables {
        let mut st = conn.prepare("SELECT \"table\", \"from\" FROM pragma_foreign_key_list(?1)")?;
        let refs = st.query_map([&t], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for r in refs {
            let (target, column) = r?;
            if target == "assets" {
                out.push((t.clone(), column));
            }
        }
    }
    Ok(out)
}

impl Store {
    /// Sets overrides on an asset; `None` clears one. Returns the changes recorded, which
    /// leave out values that were already so.
    pub fn edit_asset(
        &mut self,
        asset_id: i64,
        by: &str,
        changes: &[(OverrideField, Option<String>)],
    ) -> Result<Vec<Correction>> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        if asset_key(&tx, asset_id).map_err(err)?.is_none() {
            return Err(refused(format!("no asset {asset_id}")));
        }
        let mut done = Vec::new();
        for (field, value) in changes {
            let old = override_text(&tx, asset_id, *field).map_err(err)?;
            if old == *value {
                continue;
            }
            set_override(&tx, asset_id, *field, value.as_deref()).map_err(err)?;
            done.push(
                record(
                    &tx,
                    asset_id,
                    by,
                    "edit",
                    field.as_str(),
                    old.as_deref(),
                    value.as_deref(),
                )
                .map_err(err)?,
            );
        }
        tx.commit().map_err(err)?;
        Ok(done)
    }

    /// Makes `absorb` part of `keep`: its addresses, facts, protocols, map edges, the devices
    /// behind it and its audit trail move over, its overrides fill the gaps of `keep`'s, and
    /// its key is pinned so that later analyses record it into `keep`.
    pub fn merge_assets(&mut self, keep: i64, absorb: i64, by: &str) -> Result<Vec<Correction>> {
        if keep == absorb {
            return Err(refused(format!(
                "asset {keep} cannot be merged with itself; name two different assets"
            )));
        }
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let (Some(keep_key), Some(absorb_key)) = (
            asset_key(&tx, keep).map_err(err)?,
            asset_key(&tx, absorb).map_err(err)?,
        ) else {
            let missing = if asset_key(&tx, keep).map_err(err)?.is_none() {
                keep
            } else {
                absorb
            };
            return Err(refused(format!("no asset {missing}")));
        };
        let mut done = Vec::new();
        for field in OverrideField::ALL {
            let mine = override_text(&tx, keep, field).map_err(err)?;
            let theirs = override_text(&tx, absorb, field).map_err(err)?;
            if mine.is_none() && theirs.is_some() {
                set_override(&tx, keep, field, theirs.as_deref()).map_err(err)?;
                done.push(
                    record(
                        &tx,
                        keep,
                        by,
                        "merge",
                        field.as_str(),
                        None,
                        theirs.as_deref(),
                    )
                    .map_err(err)?,
                );
            }
        }
        tx.execute("DELETE FROM asset_overrides WHERE asset_id = ?1", [absorb])
            .map_err(err)?;
        tx.execute(
            "INSERT INTO asset_protocols (asset_id, protocol, role, port, transport, identified_by, first_seen, last_seen, flows)
             SELECT ?1, protocol, role, port, transport, identified_by, first_seen, last_seen, flows
             FROM asset_protocols WHERE asset_id = ?2 AND true
             ON CONFLICT(asset_id, protocol, role, port) DO UPDATE SET
               identified_by = CASE WHEN excluded.identified_by = 'payload' THEN 'payload' ELSE asset_protocols.identified_by END,
               first_seen = MIN(asset_protocols.first_seen, excluded.first_seen),
               last_seen = MAX(asset_protocols.last_seen, excluded.last_seen),
               flows = asset_protocols.flows + excluded.flows",
            params![keep, absorb],
        )
        .map_err(err)?;
        tx.execute("DELETE FROM asset_protocols WHERE asset_id = ?1", [absorb])
            .map_err(err)?;
        for (table, column) in asset_references(&tx).map_err(err)? {
            // Rows `keep` already has (the same attribute, say) are duplicates: drop them.
            tx.execute(
                &format!(
                    "UPDATE OR IGNORE \"{table}\" SET \"{column}\" = ?1 WHERE \"{column}\" = ?2"
                ),
                params![keep, absorb],
            )
            .map_err(err)?;
            tx.execute(
                &format!("DELETE FROM \"{table}\" WHERE \"{column}\" = ?1"),
                [absorb],
            )
            .map_err(err)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO asset_pins (kind, value, asset_id) VALUES ('key', ?1, ?2)",
            params![absorb_key, keep],
        )
        .map_err(err)?;
        tx.execute(
            "UPDATE assets SET
               first_seen = MIN(first_seen, (SELECT first_seen FROM assets WHERE id = ?2)),
               last_seen = MAX(last_seen, (SELECT last_seen FROM assets WHERE id = ?2)),
               vendor = COALESCE(vendor, (SELECT vendor FROM assets WHERE id = ?2)),
               internal = COALESCE(internal, (SELECT internal FROM assets WHERE id = ?2))
             WHERE id = ?1",
            params![keep, absorb],
        )
        .map_err(err)?;
        rekey_map(&tx, &absorb_key, &keep_key).map_err(err)?;
        // Devices behind the absorbed record are behind the kept one now.
        tx.execute(
            "UPDATE assets SET parent = ?1 WHERE parent = ?2",
            params![keep_key, absorb_key],
        )
        .map_err(err)?;
        tx.execute(
            "UPDATE asset_corrections SET asset_id = ?1 WHERE asset_id = ?2",
            params![keep, absorb],
        )
        .map_err(err)?;
        tx.execute("DELETE FROM assets WHERE id = ?1", [absorb])
            .map_err(err)?;
        done.push(
            record(
                &tx,
                keep,
                by,
                "merge",
                "asset",
                Some(&format!("asset {absorb} ({absorb_key})")),
                Some(&format!("merged into asset {keep} ({keep_key})")),
            )
            .map_err(err)?,
        );
        tx.commit().map_err(err)?;
        Ok(done)
    }

    /// Moves one address of an asset, with the facts that name it, to a new asset, and pins
    /// the address there for later analyses. Returns the new asset's id and the changes.
    pub fn split_asset(
        &mut self,
        asset_id: i64,
        kind: AddressKind,
        address: &str,
        by: &str,
    ) -> Result<(i64, Vec<Correction>)> {
        let value = match kind {
            AddressKind::Mac => address.trim().to_ascii_lowercase(),
            AddressKind::Ip => match address.trim().parse::<IpAddr>() {
                Ok(ip) => ip.to_string(),
                Err(_) => {
                    return Err(refused(format!(
                        "{address:?} is not an IP address; write it as 10.20.1.11"
                    )))
                }
            },
        };
        let kind = kind.as_str();
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let Some(old_key) = asset_key(&tx, asset_id).map_err(err)? else {
            return Err(refused(format!("no asset {asset_id}")));
        };
        let addresses: Vec<(String, String)> = tx
            .prepare("SELECT kind, value FROM asset_addresses WHERE asset_id = ?1")
            .map_err(err)?
            .query_map([asset_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)?;
        if !addresses.iter().any(|(k, v)| k == kind && *v == value) {
            return Err(refused(format!(
                "asset {asset_id} has no {kind} {value}; `otwatch asset {asset_id}` lists its addresses"
            )));
        }
        if addresses.len() < 2 {
            return Err(refused(format!(
                "{kind} {value} is the only address of asset {asset_id}; there is nothing to split it from"
            )));
        }
        let new_key = format!("{kind}:{value}");
        if new_key == old_key {
            return Err(refused(format!(
                "asset {asset_id} is keyed by {kind} {value}, so that address stays; split off its other addresses instead"
            )));
        }
        if let Some(other) = tx
            .query_row("SELECT id FROM assets WHERE key = ?1", [&new_key], |r| {
                r.get::<_, i64>(0)
            })
            .optional()
            .map_err(err)?
        {
            return Err(refused(format!(
                "asset {other} already has the key {new_key}; merge the address there with `otwatch assets merge {other} {asset_id}` \
                 only if the whole records are one device"
            )));
        }
        tx.execute(
            "INSERT INTO assets (key, vendor, internal, first_seen, last_seen, note)
             SELECT ?1, NULL, internal, first_seen, last_seen, ?2 FROM assets WHERE id = ?3",
            params![
                new_key,
                format!("split from asset {asset_id} ({old_key}) by {by}"),
                asset_id
            ],
        )
        .map_err(err)?;
        let new_id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE asset_addresses SET asset_id = ?1 WHERE asset_id = ?2 AND kind = ?3 AND value = ?4",
            params![new_id, asset_id, kind, value],
        )
        .map_err(err)?;
        tx.execute(
            "UPDATE asset_attributes SET asset_id = ?1 WHERE asset_id = ?2 AND name = ?3 AND value = ?4",
            params![new_id, asset_id, kind, value],
        )
        .map_err(err)?;
        tx.execute(
            "INSERT OR REPLACE INTO asset_pins (kind, value, asset_id) VALUES (?1, ?2, ?3)",
            params![kind, value, new_id],
        )
        .map_err(err)?;
        // The address's own key, pinned to the old asset by an earlier merge, is now a real
        // asset of its own.
        tx.execute(
            "DELETE FROM asset_pins WHERE kind = 'key' AND value = ?1",
            [&new_key],
        )
        .map_err(err)?;
        let done = vec![
            record(
                &tx,
                asset_id,
                by,
                "split",
                kind,
                Some(&value),
                Some(&format!("moved to asset {new_id} ({new_key})")),
            )
            .map_err(err)?,
            record(
                &tx,
                new_id,
                by,
                "split",
                kind,
                Some(&format!("asset {asset_id} ({old_key})")),
                Some(&value),
            )
            .map_err(err)?,
        ];
        tx.commit().map_err(err)?;
        Ok((new_id, done))
    }

    /// The audit trail of one asset, oldest first, including that of assets merged into it.
    pub fn history(&self, asset_id: i64) -> Result<Vec<Correction>> {
        let err = self.err();
        let mut st = self
            .conn
            .prepare(
                "SELECT id, asset_id, at, by_user, action, field, old_value, new_value
                 FROM asset_corrections WHERE asset_id = ?1 ORDER BY id",
            )
            .map_err(&err)?;
        let rows = st
            .query_map([asset_id], correction_row)
            .map_err(&err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&err)?;
        Ok(rows)
    }

    /// The asset that a merged-away asset id was merged into, following later merges.
    pub fn merged_into(&self, asset_id: i64) -> Result<Option<i64>> {
        let err = self.err();
        let mut current = asset_id;
        let mut found = None;
        // Each merge deletes the absorbed id, so a chain is at most as long as the merges.
        for _ in 0..64 {
            let next: Option<i64> = self
                .conn
                .query_row(
                    "SELECT asset_id FROM asset_corrections
                     WHERE action = 'merge' AND field = 'asset' AND old_value LIKE ?1 ORDER BY id DESC LIMIT 1",
                    [format!("asset {current} (%")],
                    |r| r.get(0),
                )
                .optional()
                .map_err(&err)?;
            match next {
                Some(n) if n != current => {
                    found = Some(n);
                    current = n;
                    if asset_key(&self.conn, n).map_err(&err)?.is_some() {
                        break;
                    }
                }
                _ => break,
            }
        }
        Ok(found)
    }

    /// The IP addresses people split from the asset they were seen with; the analysis keeps
    /// them as assets of their own.
    pub fn split_ips(&self) -> Result<std::collections::BTreeSet<IpAddr>> {
        let err = self.err();
        let mut st = self
            .conn
            .prepare("SELECT value FROM asset_pins WHERE kind = 'ip'")
            .map_err(&err)?;
        let texts = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(&err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&err)?;
        Ok(texts.iter().filter_map(|t| t.parse().ok()).collect())
    }

    /// The asset a merged-away key now belongs to.
    pub fn asset_for_merged_key(&self, key: &str) -> Result<Option<i64>> {
        pinned(&self.conn, "key", key).map_err(self.err())
    }
}

#[cfg(test)]
mod tests;
