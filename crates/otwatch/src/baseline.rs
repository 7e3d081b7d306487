//! `otwatch baseline`: learn what normal traffic looks like, show it, fold accepted alerts
//! into it, or forget it. Once a baseline exists, `otwatch analyze` compares every run with
//! it (see `docs/detection.md`, "Baseline").

use crate::listing::{label_of, labels, open_existing};
use crate::table::Table;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use otwatch_baseline::{Baseline, RunData};
use otwatch_engine::{analyze, Analysis, Input};
use otwatch_model::alert::{Alert, Severity};
use otwatch_model::iso_time;
use otwatch_store::Store;
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum BaselineCommand {
    /// Learn normal behaviour from captures (each one a cadence sample) or from what the
    /// database already holds; adds to the stored baseline unless --replace.
    #[command(
        after_help = "Examples:\n  otwatch baseline learn monday.pcap tuesday.pcap --db site.db\n  \
                            otwatch baseline learn --from-db --db site.db\n  \
                            otwatch baseline learn week1/ --replace --config site.toml"
    )]
    Learn(LearnArgs),
    /// Show the baseline: assets, edges, and per edge the functions, address ranges and
    /// request cadence.
    #[command(
        after_help = "Examples:\n  otwatch baseline show\n  otwatch baseline show --db site.db --json | jq '.baseline.functions[0]'"
    )]
    Show(ShowArgs),
    /// List what analyses found departing from the baseline, with the ids `accept` takes.
    #[command(
        after_help = "Examples:\n  otwatch baseline alerts\n  otwatch baseline alerts --json | jq '.[] | select(.alert.severity == \"high\")'"
    )]
    Alerts(ShowArgs),
    /// Fold what an alert reported into the baseline, so that it is normal from now on.
    #[command(
        after_help = "Examples:\n  otwatch baseline alerts\n  otwatch baseline accept 4 --db site.db"
    )]
    Accept {
        /// Alert id, from `otwatch baseline alerts`.
        id: i64,
        #[command(flatten)]
        db: crate::DbArg,
    },
    /// Forget the baseline; analyses stop comparing until one is learned again.
    #[command(after_help = "Examples:\n  otwatch baseline reset --db site.db")]
    Reset {
        #[command(flatten)]
        db: crate::DbArg,
    },
}

#[derive(Args)]
pub struct LearnArgs {
    /// Capture files or folders of traffic known to be normal.
    #[arg(
        value_name = "CAPTURE",
        required_unless_present = "from_db",
        conflicts_with = "from_db"
    )]
    pub captures: Vec<PathBuf>,
    /// Learn from the assets, edges and functions the database holds now.
    #[arg(long)]
    pub from_db: bool,
    /// Start a new baseline instead of adding to the stored one.
    #[arg(long)]
    pub replace: bool,
    /// Site description and settings (TOML), as for `analyze`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub db: crate::DbArg,
}

#[derive(Args)]
pub struct ShowArgs {
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: crate::DbArg,
}

pub fn run(command: BaselineCommand) -> Result<u8> {
    match command {
        BaselineCommand::Learn(args) => learn(args),
        BaselineCommand::Show(args) => show(args).map(|_| 0),
        BaselineCommand::Alerts(args) => list_alerts(args).map(|_| 0),
        BaselineCommand::Accept { id, db } => accept(id, &db.db).map(|_| 0),
        BaselineCommand::Reset { db } => {
            let mut store = open_existing(&db.db)?;
            if store.reset_baseline()? {
                eprintln!(
                    "baseline forgotten in {}; analyses no longer compare with one",
                    db.db.display()
                );
            } else {
                eprintln!("{} holds no baseline; nothing to forget", db.db.display());
            }
            Ok(0)
        }
    }
}

fn run_data(a: &Analysis) -> RunData<'_> {
    RunData {
        assets: &a.inventory.assets,
        edges: &a.inventory.edges,
        functions: &a.inventory.functions,
        flows: &a.flows,
        events: &a.events,
    }
}

fn learn(args: LearnArgs) -> Result<u8> {
    let mut store = if args.from_db {
        open_existing(&args.db.db)?
    } else {
        Store::open(&args.db.db)?
    };
    let mut base = match (args.replace, store.baseline()?) {
        (false, Some(s)) => s.baseline,
        _ => Baseline::default(),
    };
    let mut code = 0;
    let mut sources = Vec::new();
    if args.from_db {
        let assets: Vec<_> = store.assets()?.into_iter().map(|(_, a)| a).collect();
        let (edges, functions) = (store.edges()?, store.functions()?);
        if assets.is_empty() && edges.is_empty() {
            bail!(
                "{} holds no analysed traffic to learn from; run `otwatch analyze CAPTURE --db {}` first",
                args.db.db.display(),
                args.db.db.display()
            );
        }
        base.absorb(&RunData {
            assets: &assets,
            edges: &edges,
            functions: &functions,
            flows: &[],
            events: &[],
        });
        sources.push("database".to_string());
    } else {
        let config = crate::config::Config::load(args.config.as_deref())?;
        let opts = crate::analyze::options(&config, None, None, None)?;
        let (files, _) =
            otwatch_capture::expand_inputs(&args.captures).context("cannot list the captures")?;
        if files.is_empty() {
            bail!("no capture files found in the paths given; give pcap or pcapng files or folders of them");
        }
        // One analysis per capture: each gives its own cadence sample, so that the
        // baseline knows how much the rates vary, not only their average.
        for file in files {
            let analysis = analyze(&[Input::File(file.clone())], &opts, &otwatch_engine::Silent);
            for e in &analysis.summary.errors {
                eprintln!("error: {}: {e}", file.display());
            }
            if analysis.failed() {
                bail!(
                    "{} could not be analysed (see above); the baseline was not changed",
                    file.display()
                );
            }
            if analysis.damaged() {
                eprintln!(
                    "warning: {} is damaged; learned from its valid part",
                    file.display()
                );
                code = crate::EXIT_DAMAGED;
            }
            base.absorb(&run_data(&analysis));
            sources.push(file.display().to_string());
        }
    }
    // Forgotten only now: a capture that fails to load leaves the old baseline in place.
    if args.replace {
        store.reset_baseline()?;
    }
    store.save_baseline(&base, &sources.join(", "))?;
    eprintln!(
        "baseline in {}: {} assets, {} edges, {} functions ({} with a cadence) learned from {}",
        args.db.db.display(),
        base.assets.len(),
        base.edges.len(),
        base.functions.len(),
        base.functions
            .iter()
            .filter(|f| !f.cadence.is_empty())
            .count(),
        sources.join(", ")
    );
    Ok(code)
}

/// What this run shows that the stored baseline does not: its departures as alerts (none
/// without a baseline).
pub fn departures(store: &Store, analysis: &Analysis) -> Result<Vec<Alert>> {
    Ok(match store.baseline()? {
        Some(stored) => otwatch_baseline::compare(&stored.baseline, &run_data(analysis)),
        None => Vec::new(),
    })
}

/// Keeps the run's departures under their baseline ids and says how many there were.
pub fn record_departures(store: &mut Store, run_id: Option<i64>, alerts: &[Alert]) -> Result<()> {
    if store.baseline()?.is_none() {
        return Ok(());
    }
    let ids = store.record_baseline_alerts(run_id, alerts)?;
    let mut by_sev: Vec<String> = Vec::new();
    for s in Severity::ALL.iter().rev() {
        let n = alerts.iter().filter(|a| a.severity == *s).count();
        if n > 0 {
            by_sev.push(format!("{n} {}", s.as_str()));
        }
    }
    if alerts.is_empty() {
        eprintln!("baseline: no departures from the learned baseline");
    } else {
        eprintln!(
            "baseline: {} alert{} ({}), ids {}-{}; `otwatch baseline alerts` lists them",
            alerts.len(),
            if alerts.len() == 1 { "" } else { "s" },
            by_sev.join(", "),
            ids.first().copied().unwrap_or_default(),
            ids.last().copied().unwrap_or_default()
        );
    }
    Ok(())
}

fn show(args: ShowArgs) -> Result<()> {
    let store = open_existing(&args.db.db)?;
    let Some(stored) = store.baseline()? else {
        if args.json {
            println!("null");
        }
        eprintln!(
            "{} holds no baseline; learn one with `otwatch baseline learn CAPTURE --db {}`",
            args.db.db.display(),
            args.db.db.display()
        );
        return Ok(());
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stored)?);
        return Ok(());
    }
    let assets: Vec<_> = store.assets()?.into_iter().map(|(_, a)| a).collect();
    let names = labels(assets.iter());
    let name = |k: &str| label_of(&names, k);
    let b = &stored.baseline;
    println!(
        "baseline learned {}, last changed {}, from {}",
        iso_time(stored.meta.created_at),
        iso_time(stored.meta.updated_at),
        stored.meta.sources.join("; ")
    );
    let mut t = Table::new(&["asset", "key", "role", "first seen", "last seen"]);
    for a in &b.assets {
        t.row(vec![
            name(&a.key),
            a.key.clone(),
            a.role.clone(),
            iso_time(a.first_seen),
            iso_time(a.last_seen),
        ]);
    }
    println!("\nassets ({})\n{}", b.assets.len(), t.render());
    let mut t = Table::new(&[
        "client",
        "server",
        "protocol",
        "functions",
        "first seen",
        "last seen",
    ]);
    let mut per_edge: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for f in &b.functions {
        *per_edge
            .entry((&f.client, &f.server, &f.protocol))
            .or_default() += 1;
    }
    for e in &b.edges {
        t.row(vec![
            name(&e.client),
            name(&e.server),
            e.protocol.clone(),
            per_edge
                .get(&(e.client.as_str(), e.server.as_str(), e.protocol.as_str()))
                .copied()
                .unwrap_or(0)
                .to_string(),
            iso_time(e.first_seen),
            iso_time(e.last_seen),
        ]);
    }
    println!("edges ({})\n{}", b.edges.len(), t.render());
    let mut t = Table::new(&[
        "client",
        "server",
        "protocol",
        "function",
        "write",
        "count",
        "addresses",
        "requests/min",
    ]);
    for f in &b.functions {
        let cadence = match f.cadence_stats() {
            Some(c) => format!(
                "{:.2} ±{:.2} ({} sample{})",
                c.median,
                c.spread,
                c.samples,
                if c.samples == 1 { "" } else { "s" }
            ),
            None => "-".into(),
        };
        t.row(vec![
            name(&f.client),
            name(&f.server),
            f.protocol.clone(),
            f.function.clone(),
            if f.write { "yes" } else { "no" }.into(),
            f.count.to_string(),
            if f.addresses.is_empty() {
                "-".into()
            } else {
                f.addresses.to_text()
            },
            cadence,
        ]);
    }
    println!("functions ({})\n{}", b.functions.len(), t.render());
    Ok(())
}

fn list_alerts(args: ShowArgs) -> Result<()> {
    let store = open_existing(&args.db.db)?;
    let alerts = store.baseline_alerts()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&alerts)?);
        return Ok(());
    }
    let assets: Vec<_> = store.assets()?.into_iter().map(|(_, a)| a).collect();
    let names = labels(assets.iter());
    let mut t = Table::new(&[
        "id",
        "severity",
        "rule",
        "assets",
        "subject",
        "count",
        "first seen",
        "accepted",
    ]);
    for s in &alerts {
        let a = &s.alert;
        t.row(vec![
            s.id.to_string(),
            a.severity.as_str().into(),
            a.rule.clone(),
            a.assets
                .iter()
                .map(|k| label_of(&names, k))
                .collect::<Vec<_>>()
                .join(" → "),
            a.subject.clone(),
            a.count.to_string(),
            iso_time(a.first_seen),
            s.accepted_at.map_or_else(|| "-".into(), iso_time),
        ]);
    }
    if t.is_empty() {
        eprintln!("no baseline alerts in {}", args.db.db.display());
    } else {
        print!("{}", t.render());
    }
    Ok(())
}

fn accept(id: i64, db: &std::path::Path) -> Result<()> {
    let mut store = open_existing(db)?;
    let Some(found) = store.baseline_alert(id)? else {
        bail!(
            "{}: no baseline alert {id}; `otwatch baseline alerts` lists their ids",
            db.display()
        );
    };
    if let Some(at) = found.accepted_at {
        eprintln!(
            "alert {id} was already accepted at {}; the baseline is unchanged",
            iso_time(at)
        );
        return Ok(());
    }
    let Some(stored) = store.baseline()? else {
        bail!(
            "{} holds no baseline to accept alert {id} into (it was reset); learn one with `otwatch baseline learn`",
            db.display()
        );
    };
    let mut base = stored.baseline;
    let done = base
        .accept(&found.alert)
        .with_context(|| format!("alert {id} cannot be accepted"))?;
    store.save_baseline(&base, &format!("accepted alert {id}"))?;
    store.mark_baseline_alert_accepted(id)?;
    // The same finding in the alert list is acknowledged, saying why.
    let key = found.alert.dedup_key();
    let listed = store.alerts(&otwatch_store::AlertFilter {
        rule: Some(found.alert.rule.clone()),
        ..Default::default()
    })?;
    for shown in listed
        .iter()
        .filter(|s| s.alert.dedup_key() == key && s.ack.is_none())
    {
        store.ack_alert(
            shown.id,
            "baseline",
            Some(&format!("accepted into the baseline (baseline alert {id})")),
        )?;
    }
    eprintln!("alert {id} accepted: {done}");
    Ok(())
}
