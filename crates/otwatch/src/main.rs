//! `otwatch`: the command-line front of the passive OT monitor.
//!
//! A thin layer over the library crates: it parses flags and the site description, runs
//! the analysis with a progress bar, writes the database and the opt-in logs, and prints
//! tables. Exit status: 0 success, 1 failure, 2 bad usage, 3 done but an input was
//! damaged (the valid part was analysed).

mod alerts;
mod analyze;
mod baseline;
mod changes;
mod config;
mod corrections;
mod declared;
mod demo;
mod export;
mod listing;
mod progress;
mod siem;
mod simulate;
mod table;

use clap::{Args, Parser, Subcommand};

/// The workers allocate small, short-lived buffers (event texts, per-flow protocol state)
/// at a high rate; mimalloc serves them in a fraction of the system allocator's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status for "done, but an input capture was damaged".
pub const EXIT_DAMAGED: u8 = 3;

/// Exit status for bad usage, as clap returns it for flags it can check itself.
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "otwatch",
    version,
    about = "Passive OT security monitor: captures in, asset inventory, communication map and Zeek-style logs out",
    long_about = "otwatch only listens. It reads capture files (pcap, pcapng, gzip-compressed, or folders of them), \
                  decodes the traffic into flows and industrial protocols, and keeps an evidence-backed asset \
                  inventory and communication map in a SQLite database.",
    after_help = "Examples:\n  otwatch demo\n  otwatch analyze plant.pcapng --zeek-logs logs/\n  otwatch assets --csv > assets.csv\n\n\
                  Exit status: 0 success, 1 failure, 2 bad usage, 3 done but an input capture was damaged."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
pub struct DbArg {
    /// Database file (created if missing).
    #[arg(long, value_name = "PATH", default_value = "otwatch.db")]
    pub db: PathBuf,
}

#[derive(Args, Clone, Copy, Default)]
pub struct FormatArgs {
    /// Print JSON (an array) instead of a table.
    #[arg(long, conflicts_with_all = ["jsonl", "csv"])]
    pub json: bool,
    /// Print JSON lines, one record per line.
    #[arg(long, conflicts_with = "csv")]
    pub jsonl: bool,
    /// Print CSV instead of a table.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse capture files or folders into the database.
    #[command(
        after_help = "Examples:\n  otwatch analyze plant.pcapng\n  otwatch analyze captures/ --db site.db --zeek-logs logs/ --jsonl out/ --summary-json summary.json\n  otwatch analyze big.pcap.gz --threads 2 --config site.toml"
    )]
    Analyze(analyze::AnalyzeArgs),
    /// Generate a capture of a small simulated plant, analyse it and show what was found.
    #[command(
        after_help = "Examples:\n  otwatch demo\n  otwatch demo --out plant.pcap --db demo.db --zeek-logs demo-logs/\n  otwatch demo --scenario factory --score-json score.json\n  otwatch demo --scenario large --devices 500 --duration 35m"
    )]
    Demo(demo::DemoArgs),
    /// Write the capture of a simulated site from a scenario, with its ground truth and zones.
    #[command(
        after_help = "Examples:\n  otwatch simulate --list\n  otwatch simulate small-plant --out plant.pcap --truth truth.json --zones zones.toml\n  \
                      otwatch simulate factory --out factory.pcap --seed 7 --duration 30m\n  otwatch simulate large --out large.pcap --max-size 1GB\n  otwatch simulate large --devices 10000 --duration 10m --out large.pcap\n  \
                      otwatch simulate my-site.toml --out my-site.pcap"
    )]
    Simulate(simulate::SimulateArgs),
    /// List the asset inventory, or correct it (edit, merge, split) and show the audit trail.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  otwatch assets\n  otwatch assets --db site.db --csv > assets.csv\n  otwatch assets --csv --attributes > evidence.csv\n  otwatch assets --json | jq '.[].identity.firmware.value'\n  \
                      otwatch assets --netbox --site 'Plant A' > netbox-devices.csv\n  otwatch assets --netbox-interfaces > netbox-interfaces.csv\n  otwatch assets --netbox-ips > netbox-ips.csv\n  \
                      otwatch assets edit 3 --owner \"Process team\" --criticality high\n  otwatch assets merge 3 7\n  \
                      otwatch assets split 3 --ip 10.20.1.12\n  otwatch assets history 3\n\n\
                      CSV cells that start with = + - @ get a leading ' so that spreadsheets do not run them."
    )]
    Assets {
        #[command(subcommand)]
        action: Option<corrections::AssetsCommand>,
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        format: FormatArgs,
        #[command(flatten)]
        export: export::AssetExportArgs,
    },
    /// The declared inventory: import the site's list of devices and compare it with the traffic.
    #[command(
        after_help = "Examples:\n  otwatch inventory import-declared site-assets.csv\n  otwatch inventory diff\n  otwatch inventory diff --csv > diff.csv"
    )]
    Inventory {
        #[command(subcommand)]
        action: declared::InventoryCommand,
    },
    /// Show one asset with the evidence for every attribute.
    #[command(
        after_help = "Examples:\n  otwatch asset 3\n  otwatch asset 10.20.1.11\n  otwatch asset mac:00:80:f4:0a:01:0b --json"
    )]
    Asset {
        /// Asset id (from `otwatch assets`), key, IP or MAC address.
        id: String,
        #[command(flatten)]
        db: DbArg,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List what changed between analyses: new assets, firmware, vendor/model/serial,
    /// addresses, names, protocols, assets gone quiet; each with its time and evidence.
    #[command(
        after_help = "The first analysis into an empty database is the reference inventory: its assets are not listed as new; \
                      every later analysis records what differs from what the database held. Times are traffic times.\n\n\
                      Examples:\n  otwatch analyze monday.pcap --db site.db\n  otwatch analyze tuesday.pcap --db site.db\n  \
                      otwatch changes --db site.db\n  otwatch changes --kind firmware_changed --since 2026-03-01\n  \
                      otwatch changes --asset 10.20.1.11 --since 7d --json\n  otwatch changes --stale-after 12h --csv > changes.csv"
    )]
    Changes(changes::ChangesArgs),
    /// List the alerts detection raised, acknowledge them, or send them to a SIEM.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  otwatch alerts\n  otwatch alerts --severity high --since 7d\n  otwatch alerts --rule ot.plc_stop --json\n  \
                      otwatch alerts --csv > alerts.csv\n  otwatch alerts --cef >> siem.log\n  otwatch alerts --syslog udp://siem.example:514\n  \
                      otwatch alerts ack 12 --by maria --note \"planned maintenance\"\n\n\
                      One alert stands for every occurrence of the same finding (rule, assets, subject): its count grows \
                      across analyses. Times are traffic times."
    )]
    Alerts(alerts::AlertsArgs),
    /// Check rule files and list the rules in force.
    #[command(
        after_help = "Examples:\n  otwatch rules check site-rules.toml\n  otwatch rules list --rules site-rules.toml"
    )]
    Rules {
        #[command(subcommand)]
        action: alerts::RulesCommand,
    },
    /// Learn normal behaviour per edge and alert on what departs from it: new assets,
    /// edges and functions, first writes, addresses outside the learned ranges, cadence breaks.
    #[command(
        after_help = "Once a baseline is stored, every `otwatch analyze` into the same database compares with it.\n\n\
                      Examples:\n  otwatch baseline learn normal-week.pcap --db site.db\n  otwatch analyze today.pcap --db site.db\n  \
                      otwatch baseline alerts --db site.db\n  otwatch baseline accept 3 --db site.db\n  otwatch baseline show --json"
    )]
    Baseline {
        #[command(subcommand)]
        action: baseline::BaselineCommand,
    },
    /// List the communication map: who talks to whom, with which protocol.
    #[command(
        after_help = "Examples:\n  otwatch edges\n  otwatch edges --csv > map.csv\n  otwatch edges --functions   # per function: count, times, addresses touched\n  otwatch edges --json        # each edge with the functions requested on it\n  otwatch edges --graphml > map.graphml\n  otwatch edges --dot | dot -Tsvg > map.svg"
    )]
    Edges {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        format: FormatArgs,
        #[command(flatten)]
        graph: export::GraphArgs,
        /// One row per edge and protocol function (read coils, S7 write var, DNP3 operate...)
        /// with its count, first and last time and the addresses it touched.
        #[arg(long)]
        functions: bool,
    },
}

/// Transparent huge pages make the kernel zero 2 MiB for the first touch of each region;
/// the analysis allocates many small, scattered objects, and on a 1 GB capture that zeroing
/// cost more than a tenth of the run. Ordinary pages keep the memory the run really uses.
fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and changes only how the
    // kernel backs this process's anonymous memory; failure (an old kernel) is harmless.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// A reader that stops early (`otwatch assets | head`) ends otwatch quietly, as it ends any
/// other Unix filter, instead of every `println!` turning the closed pipe into a panic.
fn quiet_on_closed_pipe() {
    #[cfg(target_os = "linux")]
    // SAFETY: restoring the default disposition of SIGPIPE touches no memory; it only
    // undoes the "ignore" the Rust runtime installs before main.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    without_transparent_huge_pages();
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Assets {
            action: Some(action),
            ..
        } => corrections::run(action).map(|_| 0),
        Command::Assets {
            action: None,
            db,
            format,
            export,
        } if export.wanted(format) => export::assets(&db.db, format, &export),
        Command::Assets {
            action: None,
            db,
            format,
            ..
        } => listing::assets(&db.db, format).map(|_| 0),
        Command::Inventory { action } => declared::run(action).map(|_| 0),
        Command::Asset { id, db, json } => listing::asset(&db.db, &id, json).map(|_| 0),
        Command::Changes(args) => changes::run(args).map(|_| 0),
        Command::Alerts(args) => alerts::run(args),
        Command::Rules { action } => alerts::rules(action),
        Command::Baseline { action } => baseline::run(action),
        Command::Edges {
            db,
            format,
            functions: false,
            graph,
        } if graph.wanted(format) => export::edges(&db.db, format, graph).map(|_| 0),
        Command::Edges {
            db,
            format,
            functions: false,
            ..
        } => listing::edges(&db.db, format).map(|_| 0),
        Command::Edges {
            db,
            format,
            functions: true,
            ..
        } => listing::functions(&db.db, format).map(|_| 0),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
