//! `otwatch assets edit`, `merge`, `split` and `history`: what people correct in the
//! inventory, each change recorded with who made it and when.

use crate::listing::{find_asset, find_asset_among, open_existing};
use crate::table::Table;
use anyhow::{bail, Context, Result};
use clap::{ArgGroup, Args, Subcommand};
use otwatch_inventory::declared::{parse_level, parse_role};
use otwatch_model::identity::{AssetRole, PurdueLevel};
use otwatch_store::{AddressKind, Correction, OverrideField};

#[derive(Subcommand)]
pub enum AssetsCommand {
    /// Record what a person knows about an asset: owner, criticality, location, role...
    #[command(
        after_help = "An empty value clears a field. Every change is kept with who made it and when.\n\n\
                      Examples:\n  otwatch assets edit 10.20.1.11 --owner \"Process team\" --criticality high --location \"Hall 2, cabinet 4\"\n  \
                      otwatch assets edit 3 --role controller --level 1 --by alice\n  \
                      otwatch assets edit mac:00:1b:1b:12:34:56 --decommissioned\n  \
                      otwatch assets edit 3 --decommissioned=false --notes \"\""
    )]
    Edit(EditArgs),
    /// Join two records that are one device: B's addresses and facts join A.
    #[command(
        after_help = "Later analyses record B's key into A, so the two stay one asset.\n\n\
                      Examples:\n  otwatch assets merge 3 7\n  otwatch assets merge 10.20.1.11 10.20.2.11 --by alice"
    )]
    Merge(MergeArgs),
    /// Split one record that is two devices: an address and its facts move to a new asset.
    #[command(
        after_help = "Later analyses record that address into the new asset, so the two stay apart.\n\n\
                      Examples:\n  otwatch assets split 3 --ip 10.20.1.12\n  otwatch assets split mac:00:1b:1b:12:34:56 --mac 00:1b:1b:aa:bb:cc --by alice"
    )]
    Split(SplitArgs),
    /// Show who changed what on an asset, and when.
    #[command(
        after_help = "Examples:\n  otwatch assets history 3\n  otwatch assets history 10.20.1.11 --csv > audit.csv"
    )]
    History(HistoryArgs),
}

#[derive(Args)]
pub struct ByArg {
    /// Who makes the change (default: the USER environment variable).
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

impl ByArg {
    pub fn who(&self) -> Result<String> {
        let name = match &self.by {
            Some(n) => n.clone(),
            None => std::env::var("USER").unwrap_or_default(),
        };
        let name = name.trim().to_string();
        if name.is_empty() {
            bail!("say who makes the change with --by NAME (the USER environment variable is not set)");
        }
        Ok(name)
    }
}

#[derive(Args)]
#[command(group(
    ArgGroup::new("change")
        .required(true)
        .multiple(true)
        .args(["owner", "criticality", "location", "notes", "role", "level", "name", "decommissioned"])
))]
pub struct EditArgs {
    /// Asset id (from `otwatch assets`), key, IP or MAC address.
    pub id: String,
    /// Who is responsible for the device.
    #[arg(long, value_name = "TEXT")]
    pub owner: Option<String>,
    /// How critical the device is, by site convention (e.g. high, C1).
    #[arg(long, value_name = "TEXT")]
    pub criticality: Option<String>,
    /// Where the device is (building, room, cabinet).
    #[arg(long, value_name = "TEXT")]
    pub location: Option<String>,
    /// Free text: what anyone looking at the device should know.
    #[arg(long, value_name = "TEXT")]
    pub notes: Option<String>,
    /// The device's role; overrides the inferred one (controller, io_module, hmi, scada_server,
    /// engineering_workstation, historian, opc_server, network_device, it_host, ...).
    #[arg(long, value_name = "ROLE", value_parser = role_value)]
    pub role: Option<String>,
    /// Purdue level 0, 1, 2, 3, 3.5, 4 or 5; overrides the inferred one.
    #[arg(long, alias = "purdue-level", value_name = "LEVEL", value_parser = level_value)]
    pub level: Option<String>,
    /// The device's name; overrides the names the traffic showed.
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,
    /// The device is out of service (`--decommissioned=false` puts it back).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub decommissioned: Option<bool>,
    #[command(flatten)]
    pub by: ByArg,
    #[command(flatten)]
    pub db: crate::DbArg,
}

#[derive(Args)]
pub struct MergeArgs {
    /// The asset that stays (id, key, IP or MAC).
    pub a: String,
    /// The asset that joins it and disappears as a record of its own.
    pub b: String,
    #[command(flatten)]
    pub by: ByArg,
    #[command(flatten)]
    pub db: crate::DbArg,
}

#[derive(Args)]
#[command(group(ArgGroup::new("address").required(true).args(["ip", "mac"])))]
pub struct SplitArgs {
    /// The asset to split (id, key, IP or MAC).
    pub id: String,
    /// The IP address that belongs to another device.
    #[arg(long, value_name = "ADDRESS")]
    pub ip: Option<String>,
    /// The MAC address that belongs to another device.
    #[arg(long, value_name = "ADDRESS")]
    pub mac: Option<String>,
    #[command(flatten)]
    pub by: ByArg,
    #[command(flatten)]
    pub db: crate::DbArg,
}

#[derive(Args)]
pub struct HistoryArgs {
    /// Asset id, key, IP or MAC address.
    pub id: String,
    /// Print JSON (an array) instead of a table.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV instead of a table.
    #[arg(long)]
    pub csv: bool,
    #[command(flatten)]
    pub db: crate::DbArg,
}

pub fn run(command: AssetsCommand) -> Result<()> {
    match command {
        AssetsCommand::Edit(args) => edit(args),
        AssetsCommand::Merge(args) => merge(args),
        AssetsCommand::Split(args) => split(args),
        AssetsCommand::History(args) => history(args),
    }
}

/// `--role`: an otwatch role name or a common word for one; empty clears the override.
fn role_value(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    parse_role(text)
        .map(|r| r.as_str().to_string())
        .ok_or_else(|| {
            format!(
                "not a role; use one of {}",
                AssetRole::ALL.map(|r| r.as_str()).join(", ")
            )
        })
}

/// `--level`: a Purdue level; empty clears the override.
fn level_value(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    parse_level(text)
        .map(|l| l.as_str().to_string())
        .ok_or_else(|| {
            format!(
                "not a Purdue level; use one of {}",
                PurdueLevel::ALL.map(|l| l.as_str()).join(", ")
            )
        })
}

/// An empty value clears a field.
fn text(value: Option<String>) -> Option<Option<String>> {
    value.map(|v| {
        let v = v.trim().to_string();
        (!v.is_empty()).then_some(v)
    })
}

fn edit(args: EditArgs) -> Result<()> {
    let by = args.by.who()?;
    let mut changes: Vec<(OverrideField, Option<String>)> = Vec::new();
    for (field, value) in [
        (OverrideField::Owner, args.owner),
        (OverrideField::Criticality, args.criticality),
        (OverrideField::Location, args.location),
        (OverrideField::Notes, args.notes),
        (OverrideField::Name, args.name),
    ] {
        if let Some(v) = text(value) {
            changes.push((field, v));
        }
    }
    // The parsers below already turned role and level into otwatch's own names.
    if let Some(role) = text(args.role) {
        changes.push((OverrideField::Role, role));
    }
    if let Some(level) = text(args.level) {
        changes.push((OverrideField::PurdueLevel, level));
    }
    if let Some(d) = args.decommissioned {
        // Not decommissioned is the default state, so `=false` clears the mark.
        changes.push((OverrideField::Decommissioned, d.then(|| "true".to_string())));
    }
    let mut store = open_existing(&args.db.db)?;
    let (id, asset) = find_asset(&store, &args.db.db, &args.id)?;
    let done = store.edit_asset(id, &by, &changes)?;
    if done.is_empty() {
        eprintln!(
            "nothing changed: asset {id} ({}) already has these values",
            asset.key
        );
        return Ok(());
    }
    for c in &done {
        println!(
            "asset {id} ({}): {} {} -> {}",
            asset.key,
            c.field,
            shown(&c.old),
            shown(&c.new)
        );
    }
    eprintln!(
        "recorded by {by}; `otwatch assets history {id} --db {}` shows the trail",
        args.db.db.display()
    );
    Ok(())
}

fn shown(v: &Option<String>) -> String {
    match v {
        Some(v) => format!("{v:?}"),
        None => "(none)".into(),
    }
}

fn merge(args: MergeArgs) -> Result<()> {
    let by = args.by.who()?;
    let mut store = open_existing(&args.db.db)?;
    let assets = store.assets()?;
    let (a, keep) = find_asset_among(&store, &args.db.db, &assets, &args.a)?;
    let (b, gone) = find_asset_among(&store, &args.db.db, &assets, &args.b)?;
    let done = store.merge_assets(a, b, &by)?;
    println!(
        "asset {b} ({}) merged into asset {a} ({}): {} addresses and their facts moved",
        gone.key,
        keep.key,
        gone.macs.len() + gone.ips.len()
    );
    for c in done.iter().filter(|c| c.field != "asset") {
        println!(
            "asset {a}: {} taken from asset {b}: {}",
            c.field,
            shown(&c.new)
        );
    }
    eprintln!(
        "recorded by {by}; later analyses record {} into asset {a}",
        gone.key
    );
    Ok(())
}

fn split(args: SplitArgs) -> Result<()> {
    let by = args.by.who()?;
    let mut store = open_existing(&args.db.db)?;
    let (id, asset) = find_asset(&store, &args.db.db, &args.id)?;
    let (kind, address) = match (&args.ip, &args.mac) {
        (Some(ip), _) => (AddressKind::Ip, ip.clone()),
        (None, Some(mac)) => {
            let Some(mac) = otwatch_inventory::declared::normalise_mac(mac) else {
                bail!("--mac {mac:?} is not a MAC address; write it as 00:1b:1b:12:34:56");
            };
            (AddressKind::Mac, mac)
        }
        (None, None) => unreachable!("clap requires --ip or --mac"),
    };
    let (new_id, done) = store
        .split_asset(id, kind, &address, &by)
        .with_context(|| format!("cannot split asset {id} ({})", asset.key))?;
    let moved = done.first().and_then(|c| c.new.clone()).unwrap_or_default();
    println!(
        "{} {address} split from asset {id} ({}): {moved}",
        kind.as_str(),
        asset.key
    );
    eprintln!(
        "recorded by {by}; later analyses record {} {address} into asset {new_id}",
        kind.as_str()
    );
    Ok(())
}

fn history(args: HistoryArgs) -> Result<()> {
    let store = open_existing(&args.db.db)?;
    let (id, asset) = find_asset(&store, &args.db.db, &args.id)?;
    let trail = store.history(id)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&trail)?);
        return Ok(());
    }
    let table = history_table(&trail);
    if args.csv {
        print!("{}", table.csv());
    } else {
        print!("{}", table.render());
        eprintln!(
            "{} change{} to asset {id} ({})",
            trail.len(),
            if trail.len() == 1 { "" } else { "s" },
            asset.key
        );
    }
    Ok(())
}

pub fn history_table(trail: &[Correction]) -> Table {
    let mut t = Table::new(&["change", "at", "by", "action", "field", "old", "new"]);
    for c in trail {
        t.row(vec![
            c.id.to_string(),
            c.at.clone(),
            c.by.clone(),
            c.action.clone(),
            c.field.clone(),
            c.old.clone().unwrap_or_else(|| "-".into()),
            c.new.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    t
}
