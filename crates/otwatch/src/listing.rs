//! `otwatch assets`, `asset` and `edges`: what the database knows.

use crate::table::Table;
use crate::FormatArgs;
use anyhow::{bail, Result};
use otwatch_model::identity::{AssetIdentity, Decided, Fact};
use otwatch_model::{iso_time, Asset, ProtocolRole};
use otwatch_store::Store;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

pub fn open_existing(db: &Path) -> Result<Store> {
    if !db.exists() {
        bail!(
            "no database at {}; run `otwatch analyze CAPTURE --db {}` first",
            db.display(),
            db.display()
        );
    }
    Ok(Store::open(db)?)
}

/// A readable name for an asset key: its first address, and its host name if known.
pub fn labels<'a>(assets: impl Iterator<Item = &'a Asset>) -> HashMap<String, String> {
    assets
        .map(|a| {
            let addr = a
                .ips
                .first()
                .map(|ip| ip.to_string())
                .or_else(|| a.macs.first().cloned())
                .unwrap_or_else(|| a.key.clone());
            let label = match a.hostnames.first() {
                Some(h) => format!("{addr} ({h})"),
                None => addr,
            };
            (a.key.clone(), label)
        })
        .collect()
}

pub fn label_of(labels: &HashMap<String, String>, key: &str) -> String {
    labels
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.strip_prefix("net:").unwrap_or(key).to_string())
}

fn short_time(ts: i64) -> String {
    let iso = iso_time(ts);
    format!("{} {}", &iso[..10], &iso[11..19])
}

fn protocol_list(a: &Asset, role: ProtocolRole) -> String {
    let mut out: Vec<String> = a
        .protocols
        .iter()
        .filter(|p| p.role == role)
        .map(|p| {
            let guess = if p.identified_by == otwatch_model::IdentifiedBy::Port {
                "?"
            } else {
                ""
            };
            match (role, p.port) {
                (ProtocolRole::Server, Some(port)) => format!("{}{guess}/{port}", p.protocol),
                _ => format!("{}{guess}", p.protocol),
            }
        })
        .collect();
    out.dedup();
    if out.is_empty() {
        "-".into()
    } else {
        out.join(" ")
    }
}

/// A shown identity value, or "-".
fn shown(fact: &otwatch_model::identity::FactField) -> String {
    fact.as_ref()
        .map(|f| f.value.clone())
        .unwrap_or_else(|| "-".into())
}

fn decided(d: Decided) -> &'static str {
    match d {
        Decided::Observed => "observed",
        Decided::Inferred => "inferred",
        Decided::User => "set by a person",
    }
}

/// The inventory as a table; ids are shown when the assets come from the database.
pub fn asset_table<'a>(assets: impl Iterator<Item = (Option<i64>, &'a Asset)>) -> Table {
    let assets: Vec<_> = assets.collect();
    // A device behind a gateway has no address of its own: it is shown by the address of
    // the asset that fronts it and its place there.
    let first_ip: std::collections::HashMap<&str, String> = assets
        .iter()
        .filter_map(|(_, a)| Some((a.key.as_str(), a.ips.first()?.to_string())))
        .collect();
    let mut t = Table::new(&[
        "id",
        "ip",
        "mac",
        "role",
        "level",
        "vendor",
        "model",
        "firmware",
        "name",
        "serves",
        "uses",
        "first seen",
        "last seen",
    ])
    .shortening();
    for (id, a) in assets {
        let ips = if let (true, Some(parent)) = (a.ips.is_empty(), &a.parent) {
            let front = first_ip.get(parent.as_str()).unwrap_or(parent);
            let position = a.position.as_deref().unwrap_or("behind it");
            format!("via {front} ({position})")
        } else if a.ips.is_empty() {
            "-".to_string()
        } else {
            a.ips
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        t.row(vec![
            id.map(|i| i.to_string()).unwrap_or_else(|| "-".into()),
            ips,
            if a.macs.is_empty() {
                "-".into()
            } else {
                a.macs.join(" ")
            },
            a.identity.role.as_str().to_string(),
            a.identity
                .purdue_level
                .map(|l| l.as_str().to_string())
                .unwrap_or_else(|| "-".into()),
            shown(&a.identity.vendor),
            match (&a.identity.model, &a.identity.order_number) {
                (Some(m), Some(o)) if m.value != o.value => format!("{} ({})", m.value, o.value),
                (Some(m), _) => m.value.clone(),
                (None, o) => shown(o),
            },
            shown(&a.identity.firmware),
            match &a.identity.name {
                Some(n) => n.value.clone(),
                None if !a.hostnames.is_empty() => a.hostnames.join(" "),
                None => "-".into(),
            },
            protocol_list(a, ProtocolRole::Server),
            protocol_list(a, ProtocolRole::Client),
            short_time(a.first_seen),
            short_time(a.last_seen),
        ]);
    }
    t
}

#[derive(Serialize)]
struct AssetWithId<'a> {
    id: i64,
    #[serde(flatten)]
    asset: &'a Asset,
}

fn print_json<T: Serialize>(items: &[T], lines: bool) -> Result<()> {
    if lines {
        for item in items {
            println!("{}", serde_json::to_string(item)?);
        }
    } else {
        println!("{}", serde_json::to_string_pretty(items)?);
    }
    Ok(())
}

pub fn assets(db: &Path, format: FormatArgs) -> Result<()> {
    let store = open_existing(db)?;
    let assets = store.assets()?;
    if format.json || format.jsonl {
        let items: Vec<_> = assets
            .iter()
            .map(|(id, a)| AssetWithId { id: *id, asset: a })
            .collect();
        return print_json(&items, format.jsonl);
    }
    let table = asset_table(assets.iter().map(|(id, a)| (Some(*id), a)));
    if format.csv {
        print!("{}", table.csv());
    } else {
        print!("{}", table.render());
        eprintln!("{} assets; `otwatch asset ID` shows the evidence; '?' marks a protocol known only by its port", assets.len());
    }
    Ok(())
}

/// The asset a person names by id, key, IP or MAC address. Ids and keys of assets merged
/// into another lead to that one, with a note on stderr.
pub fn find_asset(store: &Store, db: &Path, wanted: &str) -> Result<(i64, Asset)> {
    find_asset_among(store, db, &store.assets()?, wanted)
}

/// [`find_asset`] in an inventory the caller has already loaded.
pub fn find_asset_among(
    store: &Store,
    db: &Path,
    assets: &[(i64, Asset)],
    wanted: &str,
) -> Result<(i64, Asset)> {
    let wanted = wanted.trim();
    let matches = |id: i64, a: &Asset| {
        wanted.parse::<i64>().ok() == Some(id)
            || a.key == wanted
            || a.ips.iter().any(|ip| ip.to_string() == wanted)
            || a.macs.iter().any(|m| m.eq_ignore_ascii_case(wanted))
    };
    if let Some((id, a)) = assets.iter().find(|(id, a)| matches(*id, a)) {
        return Ok((*id, a.clone()));
    }
    let merged = match wanted.parse::<i64>() {
        Ok(n) => store.merged_into(n)?,
        Err(_) => store.asset_for_merged_key(wanted)?,
    };
    if let Some(found) = merged.and_then(|m| assets.iter().find(|(id, _)| *id == m)) {
        eprintln!("note: {wanted} was merged into asset {}", found.0);
        return Ok(found.clone());
    }
    bail!(
        "no asset {wanted:?} in {}; `otwatch assets --db {}` lists them",
        db.display(),
        db.display()
    );
}

pub fn asset(db: &Path, wanted: &str, json: bool) -> Result<()> {
    let store = open_existing(db)?;
    let assets = store.assets()?;
    let (id, a) = find_asset_among(&store, db, &assets, wanted)?;
    let (id, a) = (&id, &a);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&AssetWithId { id: *id, asset: a })?
        );
        return Ok(());
    }
    println!("asset {id}: {}", a.key);
    if let Some(note) = &a.note {
        println!("note: {note}");
    }
    // Its front and the devices behind it, by key.
    match (&a.parent, &a.position) {
        (Some(parent), position) => {
            let front = assets
                .iter()
                .find(|(_, f)| &f.key == parent)
                .map(|(fid, _)| format!("asset {fid}, "))
                .unwrap_or_default();
            let at = position.as_deref().unwrap_or("a place not stated");
            println!("behind: {front}{parent}, at {at}");
        }
        (None, Some(position)) => println!("position: {position}"),
        (None, None) => {}
    }
    let children: Vec<String> = assets
        .iter()
        .filter(|(_, c)| c.parent.as_ref() == Some(&a.key))
        .map(|(cid, c)| {
            let at = c.position.as_deref().unwrap_or("-");
            format!("asset {cid} {} ({at})", c.key)
        })
        .collect();
    // A router may front hundreds; the first few name the kind, `assets` lists them all.
    const NAMED_CHILDREN: usize = 5;
    match children.len() {
        0 => {}
        n if n <= NAMED_CHILDREN => println!("devices behind it: {}", children.join(", ")),
        n => println!(
            "devices behind it: {n}, e.g. {}; `otwatch assets` lists them all",
            children[..NAMED_CHILDREN].join(", ")
        ),
    }
    println!(
        "first seen {}, last seen {}",
        iso_time(a.first_seen),
        iso_time(a.last_seen)
    );
    match a.internal {
        Some(true) => println!("internal: yes (an address is inside the site's networks)"),
        Some(false) => println!("internal: no (no address inside the site's networks)"),
        None => {}
    }
    print_overrides(*id, &a.overrides);
    print_identity(&a.identity);
    println!("\nevery attribute the traffic showed");
    let mut t = Table::new(&[
        "attribute",
        "value",
        "source",
        "evidence",
        "capture",
        "frame",
        "time",
        "confidence",
    ]);
    for at in &a.attributes {
        let e = &at.evidence;
        t.row(vec![
            at.name.clone(),
            at.value.clone(),
            e.protocol.clone(),
            e.message.clone(),
            e.capture.clone(),
            e.frame.to_string(),
            iso_time(e.ts),
            format!("{:.1}", e.confidence),
        ]);
    }
    println!("\n{}", t.render());
    let mut p = Table::new(&[
        "protocol",
        "role",
        "port",
        "identified by",
        "flows",
        "first seen",
        "last seen",
    ]);
    for proto in &a.protocols {
        p.row(vec![
            proto.protocol.clone(),
            format!("{:?}", proto.role).to_lowercase(),
            proto
                .port
                .map(|x| x.to_string())
                .unwrap_or_else(|| "-".into()),
            format!("{:?}", proto.identified_by).to_lowercase(),
            proto.flows.to_string(),
            iso_time(proto.first_seen),
            iso_time(proto.last_seen),
        ]);
    }
    if !p.is_empty() {
        println!("{}", p.render());
    }
    let changes = store.changes(&otwatch_store::changes::ChangeFilter {
        asset_id: Some(*id),
        ..Default::default()
    })?;
    if !changes.is_empty() {
        let mut c = Table::new(&["time", "change", "field", "old", "new", "evidence"]);
        for ch in changes.iter().map(|l| &l.change) {
            let e = &ch.evidence;
            c.row(vec![
                iso_time(ch.ts),
                ch.kind.as_str().into(),
                ch.field.clone().unwrap_or_else(|| "-".into()),
                ch.old_value.clone().unwrap_or_else(|| "-".into()),
                ch.new_value.clone().unwrap_or_else(|| "-".into()),
                if e.frame == 0 {
                    e.message.clone()
                } else {
                    format!("{} #{}: {}", e.capture, e.frame, e.message)
                },
            ]);
        }
        println!("changes over time\n{}", c.render());
    }
    Ok(())
}

/// What people recorded about the asset; each line says it is a person's word.
fn print_overrides(id: i64, o: &otwatch_model::identity::AssetOverrides) {
    let lines: Vec<(&str, String)> = [
        ("name", o.name.clone()),
        ("role", o.role.map(|r| r.as_str().to_string())),
        (
            "purdue level",
            o.purdue_level.map(|l| l.as_str().to_string()),
        ),
        ("owner", o.owner.clone()),
        ("criticality", o.criticality.clone()),
        ("location", o.location.clone()),
        ("notes", o.notes.clone()),
        (
            "decommissioned",
            o.decommissioned.filter(|d| *d).map(|_| "yes".to_string()),
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    if lines.is_empty() {
        return;
    }
    println!("\nset by people (`otwatch assets history {id}` shows who and when):");
    for (k, v) in lines {
        println!("  {k}: {v}");
    }
}

fn evidence_cells(f: &Fact) -> Vec<String> {
    let e = &f.evidence;
    let time = if e.ts == 0 && e.protocol == "user" {
        "-".to_string()
    } else {
        iso_time(e.ts)
    };
    vec![
        e.protocol.clone(),
        e.message.clone(),
        if e.capture.is_empty() {
            "-".into()
        } else {
            e.capture.clone()
        },
        if e.frame == 0 {
            "-".into()
        } else {
            e.frame.to_string()
        },
        time,
    ]
}

/// The fused identity: each shown value with its evidence, the values it beat, the
/// modules, and the role and level with their reasons.
fn print_identity(id: &AssetIdentity) {
    println!(
        "\nrole: {} ({})",
        id.role.as_str(),
        decided(id.role_decided)
    );
    for r in &id.role_reasons {
        println!("  - {r}");
    }
    println!(
        "Purdue level: {} ({})",
        id.purdue_level.map(|l| l.as_str()).unwrap_or("-"),
        decided(id.purdue_decided)
    );
    for r in &id.purdue_reasons {
        println!("  - {r}");
    }
    let fields = [
        ("vendor", &id.vendor),
        ("model", &id.model),
        ("order number", &id.order_number),
        ("product family", &id.product_family),
        ("firmware", &id.firmware),
        ("hardware revision", &id.hardware_revision),
        ("serial", &id.serial),
        ("name", &id.name),
    ];
    let mut t = Table::new(&[
        "identity", "value", "as sent", "source", "evidence", "capture", "frame", "time",
    ]);
    for (label, fact) in fields {
        let Some(f) = fact else { continue };
        let mut row = vec![
            label.to_string(),
            f.value.clone(),
            f.raw.clone().unwrap_or_else(|| "-".into()),
        ];
        row.extend(evidence_cells(f));
        t.row(row);
    }
    if t.is_empty() {
        println!("\nidentity: nothing stated");
    } else {
        println!("\n{}", t.render());
    }
    if !id.conflicts.is_empty() {
        println!("sources disagree (the first value of each field is shown):");
        let mut c = Table::new(&[
            "field", "value", "shown", "source", "evidence", "capture", "frame", "time",
        ]);
        for conflict in &id.conflicts {
            for (i, f) in conflict.values.iter().enumerate() {
                let mut row = vec![
                    conflict.field.clone(),
                    f.value.clone(),
                    if i == 0 { "yes".into() } else { "-".into() },
                ];
                row.extend(evidence_cells(f));
                c.row(row);
            }
        }
        println!("{}", c.render());
    }
    if !id.modules.is_empty() {
        let mut m = Table::new(&[
            "module", "model", "firmware", "serial", "source", "capture", "frame",
        ]);
        for module in &id.modules {
            let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            m.row(vec![
                module.position.clone(),
                dash(&module.model),
                dash(&module.firmware),
                dash(&module.serial),
                module.evidence.message.clone(),
                module.evidence.capture.clone(),
                module.evidence.frame.to_string(),
            ]);
        }
        println!("{}", m.render());
    }
}

pub fn edges(db: &Path, format: FormatArgs) -> Result<()> {
    let store = open_existing(db)?;
    let edges = store.edges()?;
    if format.json || format.jsonl {
        return print_json(&edges, format.jsonl);
    }
    let assets = store.assets()?;
    let names = labels(assets.iter().map(|(_, a)| a));
    let mut t = Table::new(&[
        "client",
        "server",
        "protocol",
        "port",
        "identified by",
        "flows",
        "packets",
        "bytes",
        "first seen",
        "last seen",
        "first frame",
    ]);
    for e in &edges {
        t.row(vec![
            label_of(&names, &e.client),
            label_of(&names, &e.server),
            e.protocol.clone(),
            e.server_port
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into()),
            format!("{:?}", e.identified_by).to_lowercase(),
            e.flows.to_string(),
            e.packets.to_string(),
            e.bytes.to_string(),
            short_time(e.first_seen),
            short_time(e.last_seen),
            // Edges stored before edges carried evidence have none.
            if e.first_frame == 0 {
                "-".to_string()
            } else {
                format!("{} #{}", e.first_capture, e.first_frame)
            },
        ]);
    }
    if format.csv {
        print!("{}", t.csv());
    } else {
        print!("{}", t.render());
        eprintln!("{} edges", edges.len());
    }
    Ok(())
}

pub fn functions(db: &Path, format: FormatArgs) -> Result<()> {
    let store = open_existing(db)?;
    let functions = store.functions()?;
    if format.json || format.jsonl {
        return print_json(&functions, format.jsonl);
    }
    let assets = store.assets()?;
    let names = labels(assets.iter().map(|(_, a)| a));
    let mut t = Table::new(&[
        "client",
        "server",
        "protocol",
        "function",
        "count",
        "first seen",
        "last seen",
        "addresses",
    ]);
    for f in &functions {
        let addresses = f.addresses.to_text();
        t.row(vec![
            label_of(&names, &f.client),
            label_of(&names, &f.server),
            f.protocol.clone(),
            f.function.clone(),
            f.count.to_string(),
            short_time(f.first_seen),
            short_time(f.last_seen),
            if addresses.is_empty() {
                "-".to_string()
            } else {
                addresses
            },
        ]);
    }
    if format.csv {
        print!("{}", t.csv());
    } else {
        print!("{}", t.render());
        eprintln!("{} functions on edges", functions.len());
    }
    Ok(())
}
