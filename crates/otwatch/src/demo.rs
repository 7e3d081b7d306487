//! `otwatch demo`: a simulated plant, analysed end to end and scored against its truth.

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
    /// The scenario to simulate: a built-in one (`otwatch simulate --list`) or a file.
    #[arg(long, value_name = "SCENARIO", default_value = "small-plant")]
    pub scenario: String,
    /// Where to write the simulated capture.
    #[arg(long, value_name = "FILE", default_value = "otwatch-demo.pcap")]
    pub out: PathBuf,
    /// Database for the demo's results (kept apart from a real inventory).
    #[arg(long, value_name = "PATH", default_value = "otwatch-demo.db")]
    pub db: PathBuf,
    /// Seed of the simulation (default: the scenario's): the same seed gives the same capture.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Size of the `large` scenario in devices.
    #[arg(long, value_name = "N")]
    pub devices: Option<usize>,
    /// Capture length instead of the scenario's (e.g. 5m).
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Also write the score against the scenario's truth as JSON.
    #[arg(long, value_name = "FILE")]
    pub score_json: Option<PathBuf>,
    /// Also write Zeek-style logs into this folder.
    #[arg(long, value_name = "DIR")]
    pub zeek_logs: Option<PathBuf>,
    /// Also write JSON lines into this folder.
    #[arg(long, value_name = "DIR")]
    pub jsonl: Option<PathBuf>,
}

pub fn run(args: DemoArgs) -> Result<u8> {
    let mut scenario = crate::simulate::load_sized(&args.scenario, args.devices)?;
    if let Some(seed) = args.seed {
        scenario = scenario.with_seed(seed);
    }
    if let Some(d) = &args.duration {
        let micros = otwatch_model::parse_duration(&d.to_ascii_lowercase())
            .map_err(|e| anyhow::anyhow!("--duration: {e}"))?;
        scenario = scenario.with_duration(micros);
    }
    let generated = crate::simulate::write_capture(&scenario, &args.out, None)?;
    eprintln!(
        "wrote {} ({} packets of the simulated site {:?}: {})",
        args.out.display(),
        generated.packets,
        scenario.name,
        scenario.description
    );
    let truth = otwatch_sim::truth::truth(&scenario, &generated);
    if args.db.exists() {
        // The demo database holds one run of one scenario; a stale one would mix plants.
        std::fs::remove_file(&args.db)
            .with_context(|| format!("cannot replace the demo database {}", args.db.display()))?;
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", args.db.display()));
        }
    }
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
    println!("\n{}", crate::alerts::run_note(&alerts));
    let score = otwatch_sim::score::score(&truth, &analysis.inventory.assets, &alerts);
    println!("\nagainst the scenario's truth: {}", score.summary());
    for miss in &score.misses {
        println!("  - {miss}");
    }
    if let Some(path) = &args.score_json {
        let json = serde_json::to_string_pretty(&score).expect("score serialises");
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!(
        "results stored in {}; try `otwatch assets --db {}` and `otwatch asset 10.20.1.11 --db {}`",
        args.db.display(),
        args.db.display(),
        args.db.display()
    );
    Ok(0)
}
