//! Change over time: what a run shows that differs from what the database already held.
//!
//! When a run is recorded, the assets it built are compared with the state the database
//! kept from earlier runs (read inside the same transaction, before the run is merged in):
//! new assets, firmware, vendor, model and serial that are not the ones seen before, new
//! addresses and addresses that moved to another MAC, new names, new protocols, and
//! assets that sent nothing for a configurable time. The comparison is pure
//! ([`compare`], [`stale`]) and tested alone; the rest of this module reads and writes
//! the three tables it needs (`asset_changes`, `asset_current`, `change_runs`).
//!
//! `asset_current` holds, per asset and compared field, the values otwatch currently
//! believes, with the traffic time they were last established. It is needed because the
//! attribute history only keeps each value's first sighting: after a firmware went
//! A → B → A, the history alone cannot tell which one is current.

use otwatch_model::changes::{AssetChange, ChangeKind};
use otwatch_model::{iso_time, Asset, Edge, Evidence, Micros, ProtocolRole};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Settings of the change computation.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChangeOptions {
    /// Report an asset as not seen once the database holds traffic this much later than
    /// the asset's last frame; `None` never reports it.
    pub stale_after: Option<Micros>,
}

/// A fact compared across runs, under its canonical name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Firmware,
    Vendor,
    Model,
    Serial,
    Hostname,
    Ip,
}

impl Field {
    const ALL: [Field; 6] = [
        Field::Firmware,
        Field::Vendor,
        Field::Model,
        Field::Serial,
        Field::Hostname,
        Field::Ip,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Firmware => "firmware",
            Field::Vendor => "vendor",
            Field::Model => "model",
            Field::Serial => "serial",
            Field::Hostname => "hostname",
            Field::Ip => "ip",
        }
    }

    fn parse(text: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == text)
    }

    fn kind(self) -> ChangeKind {
        match self {
            Field::Firmware => ChangeKind::FirmwareChanged,
            Field::Vendor | Field::Model | Field::Serial => ChangeKind::IdentityChanged,
            Field::Hostname => ChangeKind::NameChanged,
            Field::Ip => ChangeKind::IpChanged,
        }
    }
}

/// The attribute names that feed each compared field. Protocols name the same fact
/// differently (Modbus "product_name", S7 "order_number", CIP "serial_number").
const SOURCES: &[(Field, &[&str])] = &[
    (Field::Firmware, &["firmware", "firmware_version"]),
    (Field::Vendor, &["vendor", "vendor_name"]),
    (Field::Model, &["model", "product_name", "order_number"]),
    (Field::Serial, &["serial", "serial_number"]),
    (Field::Hostname, &["hostname", "station_name"]),
];

/// One value of a field in a run, with the evidence of its earliest sighting.
#[derive(Debug, Clone)]
pub struct Stated<'a> {
    pub value: String,
    pub evidence: &'a Evidence,
}

/// The facts of one asset that are compared across runs, by canonical field. This is the
/// one place that decides what "the same device" means; values that differ only in
/// spelling (case, spaces, a "V" before a firmware number) are one value.
pub fn compared_fields(asset: &Asset) -> BTreeMap<Field, Vec<Stated<'_>>> {
    // Each value is found again by its normalised form through `seen`: a router states
    // thousands of addresses, and comparing each with every earlier one would be quadratic.
    fn add<'a>(
        out: &mut BTreeMap<Field, Vec<Stated<'a>>>,
        seen: &mut HashMap<(Field, String), usize>,
        field: Field,
        value: &str,
        evidence: &'a Evidence,
    ) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let list = out.entry(field).or_default();
        match seen.entry((field, normalise(field, value))) {
            std::collections::hash_map::Entry::Occupied(at) => {
                let s = &mut list[*at.get()];
                if evidence.ts < s.evidence.ts {
                    s.evidence = evidence;
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(list.len());
                list.push(Stated {
                    value: value.to_string(),
                    evidence,
                });
            }
        }
    }
    let mut out: BTreeMap<Field, Vec<Stated<'_>>> = BTreeMap::new();
    let mut seen = HashMap::new();
    for at in &asset.attributes {
        let source = SOURCES
            .iter()
            .find(|(_, names)| names.contains(&at.name.as_str()));
        if let Some((field, _)) = source {
            // The MAC prefix names the maker of the network interface, not of the device:
            // a new network card is not a new vendor.
            if *field == Field::Vendor && at.evidence.protocol == "oui" {
                continue;
            }
            add(&mut out, &mut seen, *field, &at.value, &at.evidence);
        } else if at.name == "ip" && is_mac_keyed(&asset.key) {
            // An asset known only by its address (behind a router) cannot change address.
            add(&mut out, &mut seen, Field::Ip, &at.value, &at.evidence);
        }
    }
    out
}

fn is_mac_keyed(key: &str) -> bool {
    key.starts_with("mac:")
}

/// The comparable form of a value: case, spacing and common decorations removed.
pub fn normalise(field: Field, value: &str) -> String {
    let mut v = value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    match field {
        Field::Firmware => {
            for prefix in ["firmware ", "version ", "ver. ", "ver ", "fw ", "v"] {
                if let Some(rest) = v.strip_prefix(prefix).map(str::trim_start) {
                    if rest.starts_with(|c: char| c.is_ascii_digit()) {
                        v = rest.to_string();
                        break;
                    }
                }
            }
        }
        Field::Vendor => {
            v = v.trim_end_matches(['.', ',']).to_string();
            for suffix in [
                " ag",
                " gmbh",
                " inc",
                " corp",
                " corporation",
                " co",
                " ltd",
                " llc",
                " s.a",
                " sa",
                " se",
                ",",
            ] {
                if let Some(rest) = v.strip_suffix(suffix) {
                    v = rest.trim_end_matches(['.', ',', ' ']).to_string();
                }
            }
        }
        Field::Hostname => {
            // "plc1.plant.local" and "PLC1" name one host.
            if let Some((first, _)) = v.split_once('.') {
                if !first.is_empty() && first.parse::<u8>().is_err() {
                    v = first.to_string();
                }
            }
        }
        Field::Model | Field::Serial | Field::Ip => {}
    }
    v
}

/// What the database held about one asset before the run.
#[derive(Debug, Clone, Default)]
pub struct PriorAsset {
    pub last_seen: Micros,
    /// Current values per field, each with the traffic time it was established.
    pub current: BTreeMap<Field, Vec<(String, Micros)>>,
    /// (protocol, role, port): the port only for the server role, since a client's
    /// destination port is the server's business.
    pub protocols: BTreeSet<(String, ProtocolRole, Option<u16>)>,
    /// Time of the latest "not seen" change, when no traffic came since.
    pub reported_not_seen: Option<Micros>,
}

/// What the database held before the run.
#[derive(Debug, Clone, Default)]
pub struct Prior {
    pub assets: HashMap<String, PriorAsset>,
    /// Current holder of each IP address among MAC-keyed assets, with its time.
    pub ip_holders: HashMap<String, (String, Micros)>,
}

/// An update of `asset_current`.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// The field's values are these from now on.
    Replace {
        asset: String,
        field: Field,
        values: Vec<(String, Micros)>,
    },
    /// One more current value beside the others.
    Add {
        asset: String,
        field: Field,
        value: String,
        ts: Micros,
    },
    /// The address now belongs to another asset.
    Release { asset: String, ip: String },
}

/// The outcome of comparing a run with the prior state.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// The database held no asset: this run is the reference inventory.
    pub reference: bool,
    pub changes: Vec<AssetChange>,
    pub edits: Vec<Edit>,
}

fn mac_of(key: &str) -> &str {
    key.strip_prefix("mac:").unwrap_or(key)
}

fn joined(values: &[(String, Micros)]) -> String {
    values
        .iter()
        .map(|(v, _)| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The evidence that an asset exists: the earliest frame that showed its MAC or address.
fn presence_evidence(asset: &Asset, after: Micros) -> Evidence {
    asset
        .attributes
        .iter()
        .filter(|a| a.evidence.ts >= after)
        .min_by_key(|a| (a.name != "mac" && a.name != "ip", a.evidence.ts))
        .map(|a| a.evidence.clone())
        .unwrap_or_else(|| Evidence {
            protocol: "inventory".into(),
            message: "first traffic of the asset".into(),
            capture: String::new(),
            frame: 0,
            ts: asset.first_seen.max(after),
            confidence: 1.0,
        })
}

/// Compares the assets of one run with the prior state. Facts from traffic older than the
/// current value do not overturn it: captures may be analysed out of order, and a change
/// is measured forward in traffic time.
pub fn compare(prior: &Prior, assets: &[Asset], edges: &[Edge]) -> Comparison {
    let reference = prior.assets.is_empty();
    let mut out = Comparison {
        reference,
        ..Default::default()
    };
    // Addresses stated by several assets in this one run: a conflict for detection to
    // judge, not a move.
    let mut run_holders: HashMap<String, Vec<&str>> = HashMap::new();
    let fields: Vec<_> = assets.iter().map(compared_fields).collect();
    for (asset, f) in assets.iter().zip(&fields) {
        for s in f.get(&Field::Ip).into_iter().flatten() {
            run_holders
                .entry(s.value.clone())
                .or_default()
                .push(&asset.key);
        }
    }
    for (asset, fields) in assets.iter().zip(fields) {
        let prev = prior.assets.get(&asset.key);
        match prev {
            None if !reference => {
                let evidence = presence_evidence(asset, Micros::MIN);
                let mut described = vec![];
                if asset.internal == Some(false) {
                    described.push("outside the site's networks".to_string());
                }
                if let Some(v) = &asset.vendor {
                    described.push(v.clone());
                }
                if !asset.ips.is_empty() {
                    described.push(
                        asset
                            .ips
                            .iter()
                            .map(|i| i.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
                out.changes.push(AssetChange {
                    asset: asset.key.clone(),
                    kind: ChangeKind::NewAsset,
                    field: None,
                    old_value: None,
                    new_value: Some(asset.key.clone()),
                    ts: evidence.ts,
                    detail: format!(
                        "asset not in the inventory before{}",
                        if described.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", described.join(", "))
                        }
                    ),
                    evidence,
                });
            }
            Some(p) if p.reported_not_seen.is_some() && asset.last_seen > p.last_seen => {
                let evidence = presence_evidence(asset, p.last_seen + 1);
                out.changes.push(AssetChange {
                    asset: asset.key.clone(),
                    kind: ChangeKind::SeenAgain,
                    field: Some("last_seen".into()),
                    old_value: Some(iso_time(p.last_seen)),
                    new_value: Some(iso_time(evidence.ts)),
                    ts: evidence.ts,
                    detail: format!(
                        "traffic again after {} without",
                        human_duration(evidence.ts - p.last_seen)
                    ),
                    evidence,
                });
            }
            _ => {}
        }
        for (field, stated) in fields {
            let before: &[(String, Micros)] = prev
                .and_then(|p| p.current.get(&field))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if field == Field::Ip {
                compare_addresses(prior, asset, before, &stated, &run_holders, &mut out);
                continue;
            }
            let known: BTreeSet<String> = before.iter().map(|(v, _)| normalise(field, v)).collect();
            let fresh: Vec<&Stated<'_>> = stated
                .iter()
                .filter(|s| !known.contains(&normalise(field, &s.value)))
                .collect();
            if before.is_empty() {
                // Learning a fact is not a change of it.
                out.edits.push(Edit::Replace {
                    asset: asset.key.clone(),
                    field,
                    values: stated
                        .iter()
                        .map(|s| (s.value.clone(), s.evidence.ts))
                        .collect(),
                });
            } else if fresh.len() < stated.len() {
                // One of the known values was stated again: the others are further values
                // of the same device (two protocols, two names), not a change. Restated
                // values keep their stored spelling and move their time forward, so that
                // older traffic analysed later cannot overturn them.
                for s in &stated {
                    let norm = normalise(field, &s.value);
                    let value = before
                        .iter()
                        .find(|(v, _)| normalise(field, v) == norm)
                        .map_or_else(|| s.value.clone(), |(v, _)| v.clone());
                    out.edits.push(Edit::Add {
                        asset: asset.key.clone(),
                        field,
                        value,
                        ts: s.evidence.ts,
                    });
                }
            } else {
                let newest_before = before.iter().map(|(_, ts)| *ts).max().unwrap_or(0);
                let first = stated
                    .iter()
                    .min_by_key(|s| s.evidence.ts)
                    .expect("a field is listed only with a value");
                if stated.iter().all(|s| s.evidence.ts < newest_before) {
                    continue;
                }
                let new_values: Vec<(String, Micros)> = stated
                    .iter()
                    .map(|s| (s.value.clone(), s.evidence.ts))
                    .collect();
                out.changes.push(AssetChange {
                    asset: asset.key.clone(),
                    kind: field.kind(),
                    field: Some(field.as_str().into()),
                    old_value: Some(joined(before)),
                    new_value: Some(joined(&new_values)),
                    ts: first.evidence.ts,
                    detail: format!(
                        "{} was {}, now {} ({})",
                        field.as_str(),
                        joined(before),
                        joined(&new_values),
                        first.evidence.message
                    ),
                    evidence: first.evidence.clone(),
                });
                out.edits.push(Edit::Replace {
                    asset: asset.key.clone(),
                    field,
                    values: new_values,
                });
            }
        }
        if let (Some(p), false) = (prev, reference) {
            compare_protocols(p, asset, edges, &mut out);
        }
    }
    out
}

fn compare_addresses(
    prior: &Prior,
    asset: &Asset,
    before: &[(String, Micros)],
    stated: &[Stated<'_>],
    run_holders: &HashMap<String, Vec<&str>>,
    out: &mut Comparison,
) {
    let known: BTreeSet<&str> = before.iter().map(|(v, _)| v.as_str()).collect();
    let newest_before = before.iter().map(|(_, ts)| *ts).max().unwrap_or(0);
    let is_new_asset = !prior.assets.contains_key(&asset.key);
    let disjoint = !before.is_empty() && stated.iter().all(|s| !known.contains(s.value.as_str()));
    let mut new_values = Vec::new();
    for s in stated {
        if known.contains(s.value.as_str()) {
            new_values.push((s.value.clone(), s.evidence.ts));
            continue;
        }
        let ts = s.evidence.ts;
        let holder = prior
            .ip_holders
            .get(&s.value)
            .filter(|(h, _)| *h != asset.key);
        let shared_in_run = run_holders.get(&s.value).is_some_and(|v| v.len() > 1);
        match holder {
            Some((_, held_since)) if ts < *held_since => continue,
            // Both MACs use it in this run: neither replaced the other.
            Some(_) if shared_in_run => {}
            Some((h, _)) => {
                out.changes.push(AssetChange {
                    asset: asset.key.clone(),
                    kind: ChangeKind::IpChanged,
                    field: Some("ip_moved".into()),
                    old_value: Some(format!("{} on {}", s.value, mac_of(h))),
                    new_value: Some(format!("{} on {}", s.value, mac_of(&asset.key))),
                    ts,
                    detail: format!(
                        "address {} moved from MAC {} to MAC {}: a replaced device, a moved \
                         address, or someone using another's address",
                        s.value,
                        mac_of(h),
                        mac_of(&asset.key)
                    ),
                    evidence: s.evidence.clone(),
                });
                out.edits.push(Edit::Release {
                    asset: h.clone(),
                    ip: s.value.clone(),
                });
            }
            None if !is_new_asset && !out.reference && ts >= newest_before => {
                out.changes.push(AssetChange {
                    asset: asset.key.clone(),
                    kind: ChangeKind::IpChanged,
                    field: Some("ip".into()),
                    old_value: (!before.is_empty()).then(|| joined(before)),
                    new_value: Some(s.value.clone()),
                    ts,
                    detail: if before.is_empty() {
                        format!("MAC {} uses IP address {}", mac_of(&asset.key), s.value)
                    } else {
                        format!(
                            "MAC {} uses IP address {} (before: {})",
                            mac_of(&asset.key),
                            s.value,
                            joined(before)
                        )
                    },
                    evidence: s.evidence.clone(),
                });
            }
            None => {}
        }
        new_values.push((s.value.clone(), ts));
    }
    if disjoint && stated.iter().any(|s| s.evidence.ts >= newest_before) {
        out.edits.push(Edit::Replace {
            asset: asset.key.clone(),
            field: Field::Ip,
            values: new_values,
        });
    } else {
        for (value, ts) in new_values {
            out.edits.push(Edit::Add {
                asset: asset.key.clone(),
                field: Field::Ip,
                value,
                ts,
            });
        }
    }
}

fn compare_protocols(prev: &PriorAsset, asset: &Asset, edges: &[Edge], out: &mut Comparison) {
    let mut reported = BTreeSet::new();
    for p in &asset.protocols {
        let port = p.port.filter(|_| p.role == ProtocolRole::Server);
        let id = (p.protocol.clone(), p.role, port);
        if prev.protocols.contains(&id) || !reported.insert(id) {
            continue;
        }
        let (field, shown) = match (p.role, port) {
            (ProtocolRole::Server, Some(port)) => ("serves", format!("{}/{port}", p.protocol)),
            (ProtocolRole::Server, None) => ("serves", p.protocol.clone()),
            (ProtocolRole::Client, _) => ("uses", p.protocol.clone()),
        };
        // The edge's first flow is the evidence: which frame opened it.
        let edge = edges
            .iter()
            .filter(|e| {
                e.protocol == p.protocol
                    && match p.role {
                        ProtocolRole::Server => e.server == asset.key && e.server_port == port,
                        ProtocolRole::Client => e.client == asset.key,
                    }
            })
            .min_by_key(|e| e.first_seen);
        let guess = if p.identified_by == otwatch_model::IdentifiedBy::Port {
            " (known only by its port)"
        } else {
            ""
        };
        let evidence = Evidence {
            protocol: p.protocol.clone(),
            message: match edge {
                Some(e) if p.role == ProtocolRole::Server => {
                    format!("first {} flow to this asset from {}", p.protocol, e.client)
                }
                Some(e) => format!("first {} flow from this asset to {}", p.protocol, e.server),
                None => format!("first {} flow of this asset", p.protocol),
            },
            capture: edge.map(|e| e.first_capture.clone()).unwrap_or_default(),
            frame: edge.map(|e| e.first_frame).unwrap_or(0),
            ts: edge.map(|e| e.first_seen).unwrap_or(p.first_seen),
            confidence: if guess.is_empty() { 1.0 } else { 0.5 },
        };
        out.changes.push(AssetChange {
            asset: asset.key.clone(),
            kind: ChangeKind::NewProtocol,
            field: Some(field.into()),
            old_value: None,
            new_value: Some(shown.clone()),
            ts: p.first_seen,
            detail: format!(
                "{} {shown}{guess} for the first time",
                if field == "serves" { "serves" } else { "uses" }
            ),
            evidence,
        });
    }
}

/// Assets with no traffic for `stale_after` before `latest` (the latest traffic time in
/// the database), unless already reported since their last frame. The change is dated
/// when the asset crossed the threshold.
pub fn stale<'a>(
    assets: impl Iterator<Item = (&'a str, Micros, Option<Micros>)>,
    latest: Micros,
    stale_after: Micros,
) -> Vec<AssetChange> {
    assets
        .filter(|(_, last_seen, reported)| {
            latest.saturating_sub(*last_seen) >= stale_after
                && reported.is_none_or(|r| r <= *last_seen)
        })
        .map(|(key, last_seen, _)| {
            let ts = last_seen.saturating_add(stale_after);
            AssetChange {
                asset: key.to_string(),
                kind: ChangeKind::NotSeen,
                field: Some("last_seen".into()),
                old_value: Some(iso_time(last_seen)),
                new_value: None,
                ts,
                detail: format!(
                    "no traffic for {} (last seen {}; traffic in the database runs until {})",
                    human_duration(latest - last_seen),
                    iso_time(last_seen),
                    iso_time(latest)
                ),
                evidence: Evidence {
                    protocol: "inventory".into(),
                    message: format!(
                        "no frame from or to the asset between {} and {}",
                        iso_time(last_seen),
                        iso_time(latest)
                    ),
                    capture: String::new(),
                    frame: 0,
                    ts,
                    confidence: 1.0,
                },
            }
        })
        .collect()
}

/// "3 d 4 h", "12 min", "40 s": for sentences, not for parsing.
pub fn human_duration(micros: Micros) -> String {
    let s = micros.max(0) / 1_000_000;
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) if m > 0 => format!("{h} h {m} min"),
        (0, h, _) => format!("{h} h"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// Reads the prior state, before the run's assets are merged into the database.
pub(crate) fn load_prior(conn: &Connection) -> rusqlite::Result<Prior> {
    let mut prior = Prior::default();
    let mut keys: HashMap<i64, String> = HashMap::new();
    let mut st = conn.prepare(
        "SELECT a.id, a.key, a.last_seen,
                (SELECT MAX(c.ts) FROM asset_changes c WHERE c.asset_id = a.id AND c.kind = 'not_seen')
         FROM assets a",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    for row in rows {
        let (id, key, last_seen, not_seen) = row?;
        prior.assets.insert(
            key.clone(),
            PriorAsset {
                last_seen,
                // A report older than the last frame was answered by traffic since.
                reported_not_seen: not_seen.filter(|t| *t > last_seen),
                ..Default::default()
            },
        );
        keys.insert(id, key);
    }
    let mut st =
        conn.prepare("SELECT asset_id, field, value, ts FROM asset_current ORDER BY ts, value")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    for row in rows {
        let (id, field, value, ts) = row?;
        let (Some(key), Some(field)) = (keys.get(&id), Field::parse(&field)) else {
            continue;
        };
        if field == Field::Ip && is_mac_keyed(key) {
            prior.ip_holders.insert(value.clone(), (key.clone(), ts));
        }
        if let Some(a) = prior.assets.get_mut(key) {
            a.current.entry(field).or_default().push((value, ts));
        }
    }
    let mut st = conn.prepare("SELECT asset_id, protocol, role, port FROM asset_protocols")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    for row in rows {
        let (id, protocol, role, port) = row?;
        let Some(a) = keys.get(&id).and_then(|k| prior.assets.get_mut(k)) else {
            continue;
        };
        let role = if role == "server" {
            ProtocolRole::Server
        } else {
            ProtocolRole::Client
        };
        let port = u16::try_from(port)
            .ok()
            .filter(|_| role == ProtocolRole::Server);
        a.protocols.insert((protocol, role, port));
    }
    Ok(prior)
}

fn asset_id(conn: &Connection, key: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row("SELECT id FROM assets WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

pub(crate) fn insert_change(
    conn: &Connection,
    run_id: i64,
    asset_id: i64,
    c: &AssetChange,
) -> rusqlite::Result<()> {
    let e = &c.evidence;
    crate::exec(conn,
        "INSERT INTO asset_changes (run_id, asset_id, kind, field, old_value, new_value, ts, detail,
           protocol, message, capture, frame, confidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            run_id,
            asset_id,
            c.kind.as_str(),
            c.field,
            c.old_value,
            c.new_value,
            c.ts,
            c.detail,
            e.protocol,
            e.message,
            e.capture,
            e.frame as i64,
            f64::from(e.confidence)
        ],
    )?;
    Ok(())
}

/// Writes the comparison, the assets gone quiet and the run's change summary. Called in
/// the run's transaction after its assets were merged, so every asset has an id.
pub(crate) fn record(
    conn: &Connection,
    run_id: i64,
    comparison: &Comparison,
    compared: usize,
    options: &ChangeOptions,
) -> rusqlite::Result<()> {
    for c in &comparison.changes {
        if let Some(id) = asset_id(conn, &c.asset)? {
            insert_change(conn, run_id, id, c)?;
        }
    }
    for edit in &comparison.edits {
        match edit {
            Edit::Replace {
                asset,
                field,
                values,
            } => {
                let Some(id) = asset_id(conn, asset)? else {
                    continue;
                };
                crate::exec(
                    conn,
                    "DELETE FROM asset_current WHERE asset_id = ?1 AND field = ?2",
                    params![id, field.as_str()],
                )?;
                for (value, ts) in values {
                    crate::exec(
                        conn,
                        "INSERT OR REPLACE INTO asset_current (asset_id, field, value, ts, run_id)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![id, field.as_str(), value, ts, run_id],
                    )?;
                }
            }
            Edit::Add {
                asset,
                field,
                value,
                ts,
            } => {
                if let Some(id) = asset_id(conn, asset)? {
                    crate::exec(conn,
                        "INSERT INTO asset_current (asset_id, field, value, ts, run_id)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (asset_id, field, value) DO UPDATE SET
                           ts = MAX(asset_current.ts, excluded.ts),
                           run_id = CASE WHEN excluded.ts > asset_current.ts THEN excluded.run_id ELSE asset_current.run_id END",
                        params![id, field.as_str(), value, ts, run_id],
                    )?;
                }
            }
            Edit::Release { asset, ip } => {
                if let Some(id) = asset_id(conn, asset)? {
                    crate::exec(conn,
                        "DELETE FROM asset_current WHERE asset_id = ?1 AND field = 'ip' AND value = ?2",
                        params![id, ip],
                    )?;
                }
            }
        }
    }
    let latest = latest_traffic(conn)?;
    if let (Some(after), Some(latest)) = (options.stale_after, latest) {
        for (id, c) in stale_in(conn, latest, after)? {
            insert_change(conn, run_id, id, &c)?;
        }
    }
    crate::exec(conn,
        "INSERT INTO change_runs (run_id, reference, assets_compared, changes, latest_ts, stale_after)
         VALUES (?1, ?2, ?3, (SELECT COUNT(*) FROM asset_changes WHERE run_id = ?1), ?4, ?5)",
        params![
            run_id,
            comparison.reference,
            compared as i64,
            latest,
            options.stale_after
        ],
    )?;
    Ok(())
}

/// The latest traffic time of any asset. A capture with a broken clock can carry frames
/// dated decades ahead; traffic more than a day after the wall clock is not believed, or
/// one such frame would make every asset look quiet.
fn latest_traffic(conn: &Connection) -> rusqlite::Result<Option<Micros>> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as Micros)
        .unwrap_or(Micros::MAX / 2);
    conn.query_row(
        "SELECT MAX(last_seen) FROM assets WHERE last_seen <= ?1",
        [now.saturating_add(86_400_000_000)],
        |r| r.get(0),
    )
}

/// Assets in the database that are stale against `latest` and not yet reported.
pub(crate) fn stale_in(
    conn: &Connection,
    latest: Micros,
    stale_after: Micros,
) -> rusqlite::Result<Vec<(i64, AssetChange)>> {
    let mut st = conn.prepare(
        "SELECT a.id, a.key, a.last_seen,
                (SELECT MAX(c.ts) FROM asset_changes c WHERE c.asset_id = a.id AND c.kind = 'not_seen')
         FROM assets a ORDER BY a.last_seen, a.id",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let ids: HashMap<&str, i64> = rows.iter().map(|(id, k, _, _)| (k.as_str(), *id)).collect();
    Ok(stale(
        rows.iter()
            .map(|(_, k, last, rep)| (k.as_str(), *last, *rep)),
        latest,
        stale_after,
    )
    .into_iter()
    .map(|c| (ids[c.asset.as_str()], c))
    .collect())
}

/// Which stored changes to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChangeFilter {
    /// Only changes at or after this traffic time.
    pub since: Option<Micros>,
    pub kind: Option<ChangeKind>,
    pub asset_id: Option<i64>,
    pub run_id: Option<i64>,
}

/// A change as listed: stored ones have an id and a run; "not seen" changes computed for
/// a listing (`otwatch changes --stale-after`) have neither.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedChange {
    pub id: Option<i64>,
    pub run_id: Option<i64>,
    pub asset_id: i64,
    pub change: AssetChange,
}

/// The run whose inventory is the reference the later runs are compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceRun {
    pub run_id: i64,
    pub started_at: String,
    pub assets: i64,
}

impl crate::Store {
    /// Stored changes, oldest first.
    pub fn changes(&self, filter: &ChangeFilter) -> crate::Result<Vec<ListedChange>> {
        let err = self.err();
        let mut st = self
            .conn
            .prepare(
                "SELECT c.id, c.run_id, c.asset_id, a.key, c.kind, c.field, c.old_value, c.new_value, c.ts, c.detail,
                        c.protocol, c.message, c.capture, c.frame, c.confidence
                 FROM asset_changes c JOIN assets a ON a.id = c.asset_id
                 WHERE (?1 IS NULL OR c.ts >= ?1) AND (?2 IS NULL OR c.kind = ?2) AND (?3 IS NULL OR c.asset_id = ?3)
                   AND (?4 IS NULL OR c.run_id = ?4)
                 ORDER BY c.ts, c.id",
            )
            .map_err(&err)?;
        let rows = st
            .query_map(
                params![
                    filter.since,
                    filter.kind.map(ChangeKind::as_str),
                    filter.asset_id,
                    filter.run_id
                ],
                |r| {
                    let kind: String = r.get(4)?;
                    Ok(ListedChange {
                        id: Some(r.get(0)?),
                        run_id: Some(r.get(1)?),
                        asset_id: r.get(2)?,
                        change: AssetChange {
                            asset: r.get(3)?,
                            // Kinds are written by this module only.
                            kind: ChangeKind::parse(&kind).unwrap_or(ChangeKind::NewAsset),
                            field: r.get(5)?,
                            old_value: r.get(6)?,
                            new_value: r.get(7)?,
                            ts: r.get(8)?,
                            detail: r.get(9)?,
                            evidence: Evidence {
                                protocol: r.get(10)?,
                                message: r.get(11)?,
                                capture: r.get(12)?,
                                frame: r.get::<_, i64>(13)? as u64,
                                ts: r.get(8)?,
                                confidence: r.get::<_, f64>(14)? as f32,
                            },
                        },
                    })
                },
            )
            .map_err(&err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&err)?;
        Ok(rows)
    }

    /// Assets with no traffic for `stale_after` before the latest traffic in the database
    /// that no run has reported yet: computed now, not stored.
    pub fn not_seen_now(&self, stale_after: Micros) -> crate::Result<Vec<ListedChange>> {
        let Some(latest) = self.latest_traffic()? else {
            return Ok(Vec::new());
        };
        Ok(stale_in(&self.conn, latest, stale_after)
            .map_err(self.err())?
            .into_iter()
            .map(|(asset_id, change)| ListedChange {
                id: None,
                run_id: None,
                asset_id,
                change,
            })
            .collect())
    }

    /// The latest traffic time of any asset: "now" for captures that are history.
    pub fn latest_traffic(&self) -> crate::Result<Option<Micros>> {
        latest_traffic(&self.conn).map_err(self.err())
    }

    /// The first run that found assets in an empty inventory; `None` before any, or for
    /// a database whose inventory predates change tracking.
    pub fn change_reference(&self) -> crate::Result<Option<ReferenceRun>> {
        self.conn
            .query_row(
                "SELECT c.run_id, r.started_at, c.assets_compared FROM change_runs c JOIN runs r ON r.id = c.run_id
                 WHERE c.reference = 1 AND c.assets_compared > 0 ORDER BY c.run_id LIMIT 1",
                [],
                |r| {
                    Ok(ReferenceRun {
                        run_id: r.get(0)?,
                        started_at: r.get(1)?,
                        assets: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// How many runs were compared with an earlier inventory.
    pub fn runs_compared(&self) -> crate::Result<i64> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM change_runs WHERE reference = 0",
                [],
                |r| r.get(0),
            )
            .map_err(self.err())
    }
}

#[cfg(test)]
#[path = "changes_tests.rs"]
mod tests;
