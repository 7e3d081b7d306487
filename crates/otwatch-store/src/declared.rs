//! The declared inventory as the site last imported it, with a record of every import.
//!
//! An import replaces the previous declared set as a whole (a site's list is a document,
//! not a stream of edits), but the import itself — file, who, when, how many devices — is
//! kept, so a diff can always say which list it compared against.

use crate::{Result, Store, StoreError};
use otwatch_inventory::declared::{parse_level, parse_role, DeclaredDevice};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// One import of a declared inventory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredImport {
    pub id: i64,
    pub file: String,
    /// RFC 3339, UTC.
    pub imported_at: String,
    pub by: String,
    pub devices: i64,
}

impl Store {
    /// Replaces the declared inventory. Returns the new import and how many declared devices
    /// it replaced.
    pub fn replace_declared(
        &mut self,
        file: &str,
        by: &str,
        devices: &[DeclaredDevice],
    ) -> Result<(DeclaredImport, i64)> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let replaced: i64 = tx
            .query_row("SELECT COUNT(*) FROM declared_assets", [], |r| r.get(0))
            .map_err(err)?;
        tx.execute("DELETE FROM declared_assets", []).map_err(err)?;
        tx.execute(
            "INSERT INTO declared_imports (file, imported_at, by_user, devices)
             VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?2, ?3)",
            params![file, by, devices.len() as i64],
        )
        .map_err(err)?;
        let import_id = tx.last_insert_rowid();
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO declared_assets (import_id, line, name, ip, mac, vendor, model, firmware, serial, role,
                       purdue_level, location, owner, criticality, notes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                )
                .map_err(err)?;
            for d in devices {
                st.execute(params![
                    import_id,
                    d.line as i64,
                    d.name,
                    d.ip.map(|i| i.to_string()),
                    d.mac,
                    d.vendor,
                    d.model,
                    d.firmware,
                    d.serial,
                    d.role.map(|r| r.as_str()),
                    d.purdue_level.map(|l| l.as_str()),
                    d.location,
                    d.owner,
                    d.criticality,
                    d.notes
                ])
                .map_err(err)?;
            }
        }
        let import = tx
            .query_row(
                "SELECT id, file, imported_at, by_user, devices FROM declared_imports WHERE id = ?1",
                [import_id],
                import_row,
            )
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok((import, replaced))
    }

    /// The current declared inventory and the import it came from; `None` before any import.
    pub fn declared(&self) -> Result<Option<(DeclaredImport, Vec<DeclaredDevice>)>> {
        let err = self.err();
        let Some(import) = self
            .conn
            .query_row(
                "SELECT id, file, imported_at, by_user, devices FROM declared_imports ORDER BY id DESC LIMIT 1",
                [],
                import_row,
            )
            .optional()
            .map_err(&err)?
        else {
            return Ok(None);
        };
        let mut st = self
            .conn
            .prepare(
                "SELECT line, name, ip, mac, vendor, model, firmware, serial, role, purdue_level, location, owner,
                   criticality, notes
                 FROM declared_assets WHERE import_id = ?1 ORDER BY line",
            )
            .map_err(&err)?;
        let devices = st
            .query_map([import.id], |r| {
                Ok(DeclaredDevice {
                    line: r.get::<_, i64>(0)? as u64,
                    name: r.get(1)?,
                    ip: r.get::<_, Option<String>>(2)?.and_then(|t| t.parse().ok()),
                    mac: r.get(3)?,
                    vendor: r.get(4)?,
                    model: r.get(5)?,
                    firmware: r.get(6)?,
                    serial: r.get(7)?,
                    role: r.get::<_, Option<String>>(8)?.and_then(|t| parse_role(&t)),
                    purdue_level: r.get::<_, Option<String>>(9)?.and_then(|t| parse_level(&t)),
                    location: r.get(10)?,
                    owner: r.get(11)?,
                    criticality: r.get(12)?,
                    notes: r.get(13)?,
                })
            })
            .map_err(&err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&err)?;
        Ok(Some((import, devices)))
    }

    /// Every import, newest first.
    pub fn declared_imports(&self) -> Result<Vec<DeclaredImport>> {
        let err = self.err();
        let mut st = self
            .conn
            .prepare(
                "SELECT id, file, imported_at, by_user, devices FROM declared_imports ORDER BY id DESC",
            )
            .map_err(&err)?;
        let rows = st
            .query_map([], import_row)
            .map_err(&err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&err)?;
        Ok(rows)
    }
}

fn import_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeclaredImport> {
    Ok(DeclaredImport {
        id: r.get(0)?,
        file: r.get(1)?,
        imported_at: r.get(2)?,
        by: r.get(3)?,
        devices: r.get(4)?,
    })
}

#[cfg(test)]
mod tests;
