//! `otwatch assets` and `otwatch edges` in the formats other tools import: CSV and JSON
//! with every attribute and its evidence, GraphML and DOT maps, NetBox bulk-import CSV.
//!
//! The writers live in `otwatch_export::inventory`; this module reads the store, picks
//! the writer from the flags and streams to stdout, so that `otwatch assets --csv | head`
//! stops quietly instead of failing on the closed pipe.

use crate::config::Config;
use crate::listing::open_existing;
use crate::FormatArgs;
use anyhow::{Context, Result};
use clap::Args;
use otwatch_export::inventory::{self, NetboxPrerequisites, NodeLabels};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Args, Clone, Default)]
pub struct AssetExportArgs {
    /// With --csv: one row per attribute with its evidence instead of one row per asset.
    #[arg(long, requires = "csv")]
    pub attributes: bool,
    /// Print the devices as a CSV for NetBox's bulk import (Devices > Import).
    #[arg(long, conflicts_with_all = ["json", "jsonl", "csv", "netbox_interfaces", "netbox_ips"])]
    pub netbox: bool,
    /// Print one interface per device for NetBox (Interfaces > Import), to carry the addresses.
    #[arg(long, conflicts_with_all = ["json", "jsonl", "csv", "netbox_ips"])]
    pub netbox_interfaces: bool,
    /// Print the devices' IP addresses for NetBox (IP Addresses > Import).
    #[arg(long, conflicts_with_all = ["json", "jsonl", "csv"])]
    pub netbox_ips: bool,
    /// NetBox site the devices belong to (default: `name` under `[site]` in --config).
    // `requires` alone lets --site and --config through beside a flag that conflicts with
    // --netbox, hence the conflicts as well.
    #[arg(
        long,
        value_name = "NAME",
        requires = "netbox",
        conflicts_with_all = ["json", "jsonl", "csv", "netbox_interfaces", "netbox_ips"]
    )]
    pub site: Option<String>,
    /// Site description (TOML) whose `[site] name` is the NetBox site.
    #[arg(
        long,
        value_name = "PATH",
        requires = "netbox",
        conflicts_with_all = ["json", "jsonl", "csv", "netbox_interfaces", "netbox_ips"]
    )]
    pub config: Option<PathBuf>,
}

impl AssetExportArgs {
    /// Whether this module prints the assets; the table stays with `listing`.
    pub fn wanted(&self, format: FormatArgs) -> bool {
        format.json || format.jsonl || format.csv || self.netbox_any()
    }

    fn netbox_any(&self) -> bool {
        self.netbox || self.netbox_interfaces || self.netbox_ips
    }
}

#[derive(Args, Clone, Copy, Default)]
pub struct GraphArgs {
    /// Print the map as GraphML (yEd, Gephi, NetworkX).
    #[arg(long, conflicts_with_all = ["json", "jsonl", "csv", "dot", "functions"])]
    pub graphml: bool,
    /// Print the map as a Graphviz DOT digraph (`| dot -Tsvg > map.svg`).
    #[arg(long, conflicts_with_all = ["json", "jsonl", "csv", "functions"])]
    pub dot: bool,
}

impl GraphArgs {
    /// Whether this module prints the edges; the table stays with `listing`.
    pub fn wanted(&self, format: FormatArgs) -> bool {
        format.json || format.jsonl || format.csv || self.graphml || self.dot
    }
}

/// Runs `write` on a buffered stdout; a reader that closed the pipe early is no error.
fn to_stdout<T>(
    write: impl FnOnce(&mut BufWriter<io::StdoutLock<'static>>) -> io::Result<T>,
) -> Result<Option<T>> {
    let mut out = BufWriter::new(io::stdout().lock());
    let result = write(&mut out).and_then(|v| out.flush().map(|_| v));
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(None),
        Err(e) => Err(e).context("cannot write to standard output"),
    }
}

/// The NetBox site: the flag, else the site description's name, else `None` (bad usage).
fn site_name(args: &AssetExportArgs) -> Result<Option<String>> {
    if let Some(site) = &args.site {
        return Ok(Some(site.clone()));
    }
    let config = Config::load(args.config.as_deref())?;
    Ok(config.site.name.filter(|n| !n.trim().is_empty()))
}

/// Prints the assets as the flags ask; returns the exit status.
pub fn assets(db: &Path, format: FormatArgs, args: &AssetExportArgs) -> Result<u8> {
    // The site is checked before the database, so a missing flag is reported first.
    let site = if args.netbox {
        let Some(site) = site_name(args)? else {
            eprintln!(
                "error: NetBox needs the site the devices belong to: pass --site NAME (a site that \
                 exists in NetBox) or set `name` under [site] in the file given with --config"
            );
            return Ok(crate::EXIT_USAGE);
        };
        Some(site)
    } else {
        None
    };
    let store = open_existing(db)?;
    let assets = store.assets()?;
    if let Some(site) = site {
        if let Some(needs) = to_stdout(|w| inventory::write_netbox_devices(w, &assets, &site))? {
            tell_prerequisites(&site, &needs);
        }
        return Ok(0);
    }
    if args.netbox_interfaces {
        to_stdout(|w| inventory::write_netbox_interfaces(w, &assets))?;
    } else if args.netbox_ips {
        to_stdout(|w| inventory::write_netbox_ips(w, &assets))?;
    } else if format.csv && args.attributes {
        to_stdout(|w| inventory::write_attributes_csv(w, &assets))?;
    } else if format.csv {
        to_stdout(|w| inventory::write_assets_csv(w, &assets))?;
    } else {
        to_stdout(|w| inventory::write_assets_json(w, &assets, format.jsonl))?;
    }
    Ok(0)
}

/// NetBox refuses a device whose role, manufacturer or type does not exist yet; say which
/// ones this file refers to, on stderr so that stdout stays the CSV.
fn tell_prerequisites(site: &str, needs: &NetboxPrerequisites) {
    eprintln!("before importing, NetBox must have the site {site:?} and these:");
    eprintln!(
        "  device roles: {}",
        needs.roles.iter().cloned().collect::<Vec<_>>().join(", ")
    );
    for (manufacturer, types) in &needs.device_types {
        eprintln!(
            "  manufacturer {manufacturer:?} with device types: {}",
            types.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    eprintln!("then import --netbox-interfaces and --netbox-ips, in that order");
}

pub fn edges(db: &Path, format: FormatArgs, args: GraphArgs) -> Result<()> {
    let store = open_existing(db)?;
    let assets = store.assets()?;
    let labels = NodeLabels::new(&assets);
    let joined = inventory::edge_records(&store.edges()?, &store.functions()?, &labels);
    if !joined.unmatched.is_empty() {
        eprintln!(
            "{} function aggregates match no edge of the map and are left out; `otwatch edges --functions` lists them all",
            joined.unmatched.len()
        );
    }
    let records = joined.edges;
    if args.graphml {
        to_stdout(|w| inventory::write_graphml(w, &assets, &records, &labels))?;
    } else if args.dot {
        to_stdout(|w| inventory::write_dot(w, &assets, &records, &labels))?;
    } else if format.csv {
        to_stdout(|w| inventory::write_edges_csv(w, &records))?;
    } else {
        to_stdout(|w| inventory::write_edges_json(w, &records, format.jsonl))?;
    }
    Ok(())
}
