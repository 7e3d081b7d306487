//! `otwatch demo`: a small simulated plant, analysed end to end.

use crate::analyze::{print_summary, write_outputs};
use crate::table::Table;
use anyhow::{Context, Result};
use clap::Args;
use otwatch_engine::{analyze, AnalyzeOptions, Input};
use otwatch_store::Store;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct DemoArgs {
    /// Where to write the simulated capture.
    #[arg(long, value_name = "FILE", default_value = "otwatch-demo.pcap")]
    pub out: PathBuf,
    /// Database for the demo's results (kept apart from a real inventory).
    #[arg(long, value_name = "PATH", default_value = "otwatch-demo.db")]
    pub db: PathBuf,
    /// Seed of the simulation: the same seed gives the same capture.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also write Zeek-style logs into this folder.
    #[arg(long, value_name = "DIR")]
    pub zeek_logs: Option<PathBuf>,
    /// Also write JSON lines into this folder.
    #[arg(long, value_name = "DIR")]
    pub jsonl: Option<PathBuf>,
}

pub fn run(args: DemoArgs) -> Result<u8> {
    let plant = otwatch_sim::demo_plant(args.seed);
    std::fs::write(&args.out, &plant.pcap)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!(
        "wrote {} ({} packets of a simulated plant: an HMI polling two PLCs over Modbus/TCP, DHCP, ARP, DNS, an engineering workstation)",
        args.out.display(),
        plant.truth.packet_count
    );
    let mut store = Store::open(&args.db)?;
    let started = Instant::now();
    let analysis = analyze(
        &[Input::File(args.out.clone())],
        &AnalyzeOptions::default(),
        &otwatch_engine::Silent,
    );
    let seconds = started.elapsed().as_secs_f64();
    let rules = otwatch_detect::RuleSet::builtin()
        .map_err(|e| anyhow::anyhow!("the built-in rules are not valid: {e}"))?;
    let alerts = crate::alerts::detect_run(&analysis, &AnalyzeOptions::default().site, &rules);
    write_outputs(
        &analysis,
        &AnalyzeOptions::default().site,
        &alerts,
        Some(&mut store),
        &Default::default(),
        &crate::analyze::OutputFiles {
            zeek_logs: args.zeek_logs.as_deref(),
            jsonl: args.jsonl.as_deref(),
            summary_json: None,
        },
    )?;
    let ids = crate::analyze::asset_ids(&store)?;
    print_summary(&analysis, seconds, false, Some(&ids));

    let names = crate::listing::labels(analysis.inventory.assets.iter());
    let name = |k: &str| crate::listing::label_of(&names, k);
    println!("\ncommunication map");
    let mut edges = Table::new(&["client", "server", "protocol", "port", "flows", "packets"]);
    for e in &analysis.inventory.edges {
        edges.row(vec![
            name(&e.client),
            name(&e.server),
            e.protocol.clone(),
            e.server_port
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into()),
            e.flows.to_string(),
            e.packets.to_string(),
        ]);
    }
    print!("{}", edges.render());

    println!("\nrequests per function");
    let mut funcs = Table::new(&[
        "client",
        "server",
        "protocol",
        "function",
        "count",
        "addresses",
    ]);
    for f in &analysis.inventory.functions {
        let addresses = f.addresses.to_text();
        funcs.row(vec![
            name(&f.client),
            name(&f.server),
            f.protocol.clone(),
            f.function.clone(),
            f.count.to_string(),
            if addresses.is_empty() {
                "-".into()
            } else {
                addresses
            },
        ]);
    }
    print!("{}", funcs.render());

    // The simulation knows the truth: show how much of it the analysis recovered.
    let assets = &analysis.inventory.assets;
    let found = plant
        .truth
        .devices
        .iter()
        .filter(|d| {
            assets
                .iter()
                .any(|a| a.macs.contains(&d.mac) && a.ips.contains(&std::net::IpAddr::V4(d.ip)))
        })
        .count();
    let named = plant
        .truth
        .devices
        .iter()
        .filter(|d| d.hostname.is_some())
        .count();
    let names_found = plant
        .truth
        .devices
        .iter()
        .filter_map(|d| d.hostname.as_ref())
        .filter(|h| assets.iter().any(|a| a.hostnames.contains(h)))
        .count();
    println!("\n{}", crate::alerts::run_note(&alerts));
    println!(
        "\nfound {found} of {} simulated devices with their MAC and IP, {names_found} of {named} announced host names",
        plant.truth.devices.len()
    );
    eprintln!(
        "results stored in {}; try `otwatch assets --db {}` and `otwatch asset 10.20.1.11 --db {}`",
        args.db.display(),
        args.db.display(),
        args.db.display()
    );
    Ok(0)
}
