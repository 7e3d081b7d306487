//! `otwatch analyze`: captures into the database, logs and a summary.

use crate::config::Config;
use crate::{listing, progress, EXIT_DAMAGED};
use anyhow::{bail, Context, Result};
use clap::Args;
use otwatch_engine::{analyze, Analysis, AnalyzeOptions, Input, Summary};
use otwatch_model::site::SiteNetworks;
use otwatch_store::{ChangeOptions, RunRecord, Store};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// Capture files (pcap, pcapng, optionally gzip-compressed) or folders of them.
    #[arg(required = true, value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,
    /// Database file (created if missing). Config key: analyze.db.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Site description and settings (TOML).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write Zeek-style logs (conn.log) into this folder. Config key: outputs.zeek_logs.
    #[arg(long, value_name = "DIR")]
    pub zeek_logs: Option<PathBuf>,
    /// Write JSON lines (flows, assets, edges, functions, events) into this folder. Config key: outputs.jsonl.
    #[arg(long, value_name = "DIR")]
    pub jsonl: Option<PathBuf>,
    /// Write the summary counts as JSON to this file. Config key: outputs.summary_json.
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Analysis worker threads, besides the reader (default: one per core available). Config key: analyze.threads.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Most flows kept at once; the longest idle are ended first beyond it. Config key: limits.max_flows.
    #[arg(long, value_name = "N")]
    pub max_flows: Option<usize>,
    /// Drop frames identical to one seen this many microseconds before (0 keeps all). Config key: analyze.duplicate_window_us.
    #[arg(long, value_name = "MICROS")]
    pub duplicate_window_us: Option<i64>,
    /// Report an asset as not seen when the database holds traffic this much later than its
    /// last frame (e.g. 12h, 7d, 2w; "off" for never; default 7d). Config key: changes.stale_after.
    #[arg(long, value_name = "DURATION", value_parser = crate::changes::parse_stale_after)]
    pub stale_after: Option<crate::changes::StaleAfter>,
    /// A rules file adding to or tuning the built-in detection rules (repeatable; applied
    /// after those of the config). Config key: detection.rules.
    #[arg(long, value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Do not store anything in the database (logs and summary only).
    #[arg(long)]
    pub no_db: bool,
    /// Print only the one-line totals, not the tables.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn options(
    config: &Config,
    threads: Option<usize>,
    max_flows: Option<usize>,
    dedup: Option<i64>,
) -> Result<AnalyzeOptions> {
    let mut opts = AnalyzeOptions::default();
    if let Some(nets) = &config.site.internal_networks {
        opts.site = SiteNetworks {
            internal: nets.clone(),
        };
    }
    if let Some(t) = threads.or(config.analyze.threads) {
        if t == 0 {
            bail!("--threads must be at least 1");
        }
        opts.threads = t;
    }
    let l = &config.limits;
    if let Some(n) = max_flows.or(l.max_flows) {
        if n == 0 {
            bail!("the flow limit must be at least 1");
        }
        opts.flow_limits.max_flows = n;
    }
    let secs = |s: u64| (s as i64).saturating_mul(1_000_000);
    if let Some(s) = l.tcp_idle_timeout_s {
        opts.flow_limits.tcp_idle_timeout = secs(s);
    }
    if let Some(s) = l.udp_idle_timeout_s {
        opts.flow_limits.udp_idle_timeout = secs(s);
    }
    if let Some(s) = l.other_idle_timeout_s {
        opts.flow_limits.other_idle_timeout = secs(s);
    }
    if let Some(b) = l.reassembly_max_bytes {
        opts.reassembly_limits.max_buffered_bytes = b;
    }
    if let Some(n) = l.reassembly_max_segments {
        opts.reassembly_limits.max_segments = n;
    }
    if let Some(n) = l.max_events_per_kind {
        opts.max_events_per_kind = n;
    }
    if let Some(w) = dedup.or(config.analyze.duplicate_window_us) {
        opts.duplicate_window = w.max(0);
    }
    Ok(opts)
}

pub fn run(args: AnalyzeArgs) -> Result<u8> {
    let config = Config::load(args.config.as_deref())?;
    let mut opts = options(
        &config,
        args.threads,
        args.max_flows,
        args.duplicate_window_us,
    )?;
    let db = args
        .db
        .clone()
        .or(config.analyze.db.clone())
        .unwrap_or_else(|| PathBuf::from("otwatch.db"));
    let zeek = args.zeek_logs.clone().or(config.outputs.zeek_logs.clone());
    let jsonl = args.jsonl.clone().or(config.outputs.jsonl.clone());
    let summary_json = args
        .summary_json
        .clone()
        .or(config.outputs.summary_json.clone());

    let (files, skipped) =
        otwatch_capture::expand_inputs(&args.captures).context("cannot list the captures")?;
    if let Some(first) = skipped.first() {
        eprintln!(
            "note: skipped {} file{} in the folders that are not captures (first: {})",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
            first.display()
        );
    }
    if files.is_empty() {
        bail!(
            "no capture files found in {}",
            args.captures
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // Bad rules should fail before minutes of analysis, like a wrong --db.
    let rules = crate::alerts::load_rules(&args.rules, &config)?;
    let change_options = ChangeOptions {
        stale_after: crate::changes::stale_after(args.stale_after, &config)?.0,
    };
    // Open the database first: a wrong --db should fail before minutes of analysis.
    let mut store = if args.no_db {
        None
    } else {
        Some(Store::open(&db)?)
    };
    if let Some(store) = &store {
        // Addresses people split off their MAC's asset stay assets of their own.
        opts.inventory.split_ips = store.split_ips()?;
    }

    if let Some(name) = &config.site.name {
        eprintln!(
            "site {name}: {} internal networks",
            opts.site.internal.len()
        );
    }
    let inputs: Vec<Input> = files.into_iter().map(Input::File).collect();
    let started = Instant::now();
    let bar = progress::Bar::new(true);
    let log_writer = if zeek.is_some() || jsonl.is_some() {
        for dir in zeek.iter().chain(jsonl.iter()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let (tx, writer) = spawn_log_writer(zeek.clone(), jsonl.clone());
        opts.transaction_logs = Some(tx);
        Some(writer)
    } else {
        None
    };
    let analysis = analyze(&inputs, &opts, &bar);
    // The workers are done; dropping the last sender lets the writer finish.
    opts.transaction_logs = None;
    if let Some(writer) = log_writer {
        writer
            .join()
            .map_err(|_| anyhow::anyhow!("the transaction-log writer stopped unexpectedly"))??;
    }
    let detect_started = Instant::now();
    let overrides = match &store {
        Some(s) => s.overrides_by_key()?,
        None => Default::default(),
    };
    let mut alerts = if overrides.is_empty() {
        crate::alerts::detect_run(&analysis, &opts.site, &rules)
    } else {
        // A role or level a person set (an engineering workstation the traffic could not
        // recognise) counts for the rules' conditions.
        let mut assets = analysis.inventory.assets.clone();
        for a in &mut assets {
            if let Some(o) = overrides.get(&a.key) {
                a.overrides = o.clone();
            }
        }
        crate::alerts::detect_with_assets(&analysis, &assets, &opts.site, &rules)
    };
    // Departures from a learned baseline are alerts like any other: stored with them, listed
    // by `otwatch alerts`, sent to the SIEM.
    let departures = match &store {
        Some(s) => crate::baseline::departures(s, &analysis)?,
        None => Vec::new(),
    };
    alerts.extend(departures.iter().cloned());
    let detect_seconds = detect_started.elapsed().as_secs_f64();
    let elapsed = started.elapsed();

    let run_id = write_outputs(
        &analysis,
        &opts.site,
        &alerts,
        store.as_mut(),
        &change_options,
        &OutputFiles {
            zeek_logs: zeek.as_deref(),
            jsonl: jsonl.as_deref(),
            summary_json: summary_json.as_deref(),
        },
    )?;
    let ids = match &store {
        Some(s) => Some(asset_ids(s)?),
        None => None,
    };
    print_summary(&analysis, elapsed.as_secs_f64(), args.quiet, ids.as_ref());
    if let (Some(store), Some(run_id)) = (&store, run_id) {
        eprintln!("results stored in {}", db.display());
        eprintln!("{}", crate::changes::run_note(store, run_id, &db)?);
    }
    eprintln!(
        "detection: {} ({} rules, {detect_seconds:.3} s)",
        crate::alerts::run_note(&alerts),
        rules.rules().iter().filter(|r| r.enabled).count()
    );
    if let Some(store) = store.as_mut() {
        // Kept with the run as well, so that `otwatch baseline accept` can fold one back in.
        crate::baseline::record_departures(store, run_id, &departures)?;
    }
    for w in &analysis.summary.warnings {
        eprintln!("warning: {w}");
    }
    for e in &analysis.summary.errors {
        eprintln!("error: {e}");
    }
    let code = if analysis.failed() {
        1
    } else if analysis.damaged() {
        EXIT_DAMAGED
    } else {
        0
    };
    // The process ends after this: handing back a million small allocations one by one
    // would only delay the exit (a third of a second on the benchmark capture).
    std::mem::forget(analysis);
    std::mem::forget(alerts);
    Ok(code)
}

/// Writes transaction-log rows as the workers produce them, on a thread of its own. On a
/// write error it stops reading, so the workers' rows are dropped and the error is returned.
fn spawn_log_writer(
    zeek: Option<PathBuf>,
    jsonl: Option<PathBuf>,
) -> (
    crossbeam_channel::Sender<Vec<otwatch_model::logs::LogRow>>,
    std::thread::JoinHandle<Result<()>>,
) {
    let (tx, rx) = crossbeam_channel::bounded::<Vec<otwatch_model::logs::LogRow>>(64);
    let handle = std::thread::spawn(move || -> Result<()> {
        let mut writer =
            otwatch_export::TransactionLogWriter::new(zeek.as_deref(), jsonl.as_deref());
        for batch in rx {
            for row in &batch {
                writer.write(row)?;
            }
        }
        writer.finish()?;
        Ok(())
    });
    (tx, handle)
}

/// Files a run writes besides the database, each optional.
#[derive(Default)]
pub struct OutputFiles<'a> {
    /// Folder for Zeek-style logs.
    pub zeek_logs: Option<&'a Path>,
    /// Folder for JSON-lines records.
    pub jsonl: Option<&'a Path>,
    pub summary_json: Option<&'a Path>,
}

/// Writes the run's results; returns the database run id when a store was given.
pub fn write_outputs(
    analysis: &Analysis,
    site: &SiteNetworks,
    alerts: &[otwatch_model::alert::Alert],
    store: Option<&mut Store>,
    changes: &ChangeOptions,
    files: &OutputFiles<'_>,
) -> Result<Option<i64>> {
    let (zeek, jsonl, summary_json) = (files.zeek_logs, files.jsonl, files.summary_json);
    let summary_text =
        serde_json::to_string_pretty(&analysis.summary).context("summary to JSON")?;
    let mut run_id = None;
    if let Some(store) = store {
        run_id = Some(store.record_run_with_alerts(
            &RunRecord {
                summary_json: &summary_text,
                flows: &analysis.flows,
                assets: &analysis.inventory.assets,
                edges: &analysis.inventory.edges,
                functions: &analysis.inventory.functions,
                events: &analysis.events,
            },
            changes,
            alerts,
        )?);
        if store.count("runs")? == 1 {
            // The database holds this run alone: the identities fused while building it
            // already saw everything there is.
            store
                .set_identities(
                    analysis
                        .inventory
                        .assets
                        .iter()
                        .map(|a| (a.key.as_str(), &a.identity)),
                )
                .context("storing the fused asset identities")?;
        } else {
            fuse_stored_identities(store, site, analysis.summary.threads)?;
        }
    }
    if let Some(dir) = zeek {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let stamp = analysis.flows.iter().map(|f| f.first_ts).min().unwrap_or(0);
        otwatch_export::write_zeek_conn(dir, &analysis.flows, stamp)?;
    }
    if let Some(dir) = jsonl {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        otwatch_export::write_jsonl(
            dir,
            &otwatch_export::JsonlRecords {
                flows: &analysis.flows,
                assets: &analysis.inventory.assets,
                edges: &analysis.inventory.edges,
                functions: &analysis.inventory.functions,
                events: &analysis.events,
            },
        )?;
    }
    if let Some(path) = summary_json {
        std::fs::write(path, summary_text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(run_id)
}

/// Fuses identity, role and level again for every stored asset: attributes, edges and
/// function counts accumulate across runs, so one run's view alone would forget what an
/// earlier capture showed.
pub fn fuse_stored_identities(
    store: &mut Store,
    site: &SiteNetworks,
    threads: usize,
) -> Result<()> {
    let assets: Vec<otwatch_model::Asset> = store.assets()?.into_iter().map(|(_, a)| a).collect();
    let edges = store.edges()?;
    let functions = store.functions()?;
    let identities = otwatch_inventory::fuse_all(&assets, &edges, &functions, site, threads);
    store
        .set_identities(assets.iter().map(|a| a.key.as_str()).zip(identities.iter()))
        .context("storing the fused asset identities")?;
    Ok(())
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn counts(map: &std::collections::BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Database ids of assets by key, to show beside this run's assets.
pub fn asset_ids(store: &Store) -> Result<HashMap<String, i64>> {
    Ok(store
        .assets()?
        .into_iter()
        .map(|(id, a)| (a.key, id))
        .collect())
}

pub fn print_summary(a: &Analysis, seconds: f64, quiet: bool, ids: Option<&HashMap<String, i64>>) {
    let s: &Summary = &a.summary;
    let file_bytes: u64 = s.captures.iter().map(|c| c.file_bytes).sum();
    let rate = if seconds > 0.0 {
        file_bytes as f64 / seconds / 1e6
    } else {
        0.0
    };
    println!(
        "{} capture{}, {} packets, {}, {} flows, {} assets, {} edges in {seconds:.2} s \
         ({rate:.0} MB/s of capture file, {} thread{})",
        s.captures.len(),
        if s.captures.len() == 1 { "" } else { "s" },
        s.packets,
        human_bytes(s.bytes),
        s.flows,
        s.assets,
        s.edges,
        s.threads,
        if s.threads == 1 { "" } else { "s" },
    );
    if quiet {
        return;
    }
    let mut caps = crate::table::Table::new(&[
        "capture",
        "packets",
        "bytes",
        "first packet",
        "last packet",
        "status",
    ]);
    for c in &s.captures {
        let status = match (&c.error, c.damaged) {
            (None, _) => "ok".to_string(),
            (Some(_), true) => "damaged (see warning)".to_string(),
            (Some(_), false) => "not read (see warning)".to_string(),
        };
        caps.row(vec![
            c.path.clone(),
            c.packets.to_string(),
            human_bytes(c.bytes),
            c.first_ts.clone().unwrap_or_else(|| "-".into()),
            c.last_ts.clone().unwrap_or_else(|| "-".into()),
            status,
        ]);
    }
    println!("\n{}", caps.render());
    let mut protos =
        crate::table::Table::new(&["protocol", "flows", "packets", "bytes", "identified"]);
    let mut ordered: Vec<_> = s.protocols.iter().collect();
    ordered.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(b.0)));
    for (name, t) in ordered {
        let how = if t.flows_by_port_only == 0 {
            "payload".to_string()
        } else if t.flows_by_port_only == t.flows {
            "port only (a guess)".to_string()
        } else {
            format!("payload; {} by port only", t.flows_by_port_only)
        };
        let how = if name.starts_with('(') {
            "-".to_string()
        } else {
            how
        };
        protos.row(vec![
            name.clone(),
            t.flows.to_string(),
            t.packets.to_string(),
            human_bytes(t.bytes),
            how,
        ]);
    }
    if !s.link_protocols.is_empty() {
        for (name, n) in &s.link_protocols {
            protos.row(vec![
                format!("{name} (layer 2)"),
                "-".into(),
                n.to_string(),
                "-".into(),
                "ethertype".into(),
            ]);
        }
    }
    println!("{}", protos.render());
    if !s.cyclic_streams.is_empty() {
        let mut streams: Vec<(&String, &u64)> = s.cyclic_streams.iter().collect();
        streams.sort_by(|a, b| b.1.cmp(a.1));
        let shown: Vec<String> = streams
            .iter()
            .take(5)
            .map(|(pair, n)| format!("{pair}: {n} frames"))
            .collect();
        let more = streams.len().saturating_sub(shown.len());
        println!(
            "PROFINET RT cyclic data: {} streams ({}{})",
            streams.len(),
            shown.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        );
    }
    println!("malformed packets: {}", counts(&s.malformed));
    println!("dropped: {}", counts(&s.dropped));
    let q = &s.capture_quality;
    println!(
        "capture quality: {} duplicate frames removed; time went backwards {} times, jumped {} times; \
         {} one-sided TCP flows; {} bytes acknowledged but not captured; capture loss {:.3} %",
        q.duplicate_frames_removed,
        q.timestamps_backwards,
        q.timestamp_jumps,
        q.tcp_one_sided_flows,
        q.tcp_acked_unseen_bytes,
        q.capture_loss_percent
    );
    for ex in &q.timestamp_examples {
        println!("  {ex}");
    }
    println!("\nassets");
    let with_ids = a
        .inventory
        .assets
        .iter()
        .map(|x| (ids.and_then(|m| m.get(&x.key).copied()), x));
    print!("{}", listing::asset_table(with_ids).render());
}
