//! `otwatch inventory import-declared` and `inventory diff`: what the site believes it has
//! against what the traffic showed.

use crate::corrections::ByArg;
use crate::listing::open_existing;
use crate::table::Table;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use otwatch_inventory::declared::{
    diff, parse_declared, DeclaredDevice, DiffReport, ObservedValue,
};
use otwatch_model::Evidence;
use otwatch_store::Store;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum InventoryCommand {
    /// Import the site's own list of devices (CSV), replacing the previous one.
    #[command(
        after_help = "Columns (header names are matched case-insensitively, with common synonyms): name, ip, mac, vendor,\n\
                      model, firmware, serial, role, purdue_level, location, owner, criticality, notes. UTF-8, comma or\n\
                      semicolon separated; every row needs a name, ip, mac or serial. See docs/inventory.md.\n\n\
                      Examples:\n  otwatch inventory import-declared site-assets.csv\n  \
                      otwatch inventory import-declared examples/declared-inventory.csv --db site.db --by alice"
    )]
    ImportDeclared(ImportArgs),
    /// Compare the declared inventory with the observed one: shadow devices, devices never
    /// seen, and attributes that disagree.
    #[command(
        after_help = "Declared devices are paired with observed assets by MAC, then IP, then serial number, then name;\n\
                      the `matched by` column says which.\n\n\
                      Examples:\n  otwatch inventory diff\n  otwatch inventory diff --db site.db --csv > diff.csv\n  \
                      otwatch inventory diff --json | jq '.shadow[].ips'"
    )]
    Diff(DiffArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// The CSV file.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    #[command(flatten)]
    pub by: ByArg,
    #[command(flatten)]
    pub db: crate::DbArg,
}

#[derive(Args)]
pub struct DiffArgs {
    /// Print JSON instead of a table.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV instead of a table.
    #[arg(long)]
    pub csv: bool,
    #[command(flatten)]
    pub db: crate::DbArg,
}

pub fn run(command: InventoryCommand) -> Result<()> {
    match command {
        InventoryCommand::ImportDeclared(args) => import(args),
        InventoryCommand::Diff(args) => show_diff(args),
    }
}

fn import(args: ImportArgs) -> Result<()> {
    let by = args.by.who()?;
    let name = args.file.display().to_string();
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read the declared inventory {name}"))?;
    let parsed = parse_declared(&name, &bytes)?;
    if parsed.devices.is_empty() {
        bail!("{name}: the header is there but no device follows; nothing was imported");
    }
    for column in &parsed.ignored_columns {
        eprintln!("warning: {name}: column {column:?} is not one otwatch reads; it was ignored");
    }
    // Importing before any analysis is fine: the list waits for the traffic.
    let mut store = Store::open(&args.db.db)?;
    let (import, replaced) = store.replace_declared(&name, &by, &parsed.devices)?;
    println!(
        "imported {} declared device{} from {name} at {} by {by}{}",
        import.devices,
        if import.devices == 1 { "" } else { "s" },
        import.imported_at,
        if replaced > 0 {
            format!(" (replacing the {replaced} of the previous import)")
        } else {
            String::new()
        }
    );
    eprintln!(
        "`otwatch inventory diff --db {}` compares them with what the traffic showed",
        args.db.db.display()
    );
    Ok(())
}

#[derive(Serialize)]
struct DiffOutput<'a> {
    schema: &'static str,
    declared_file: &'a str,
    declared_at: &'a str,
    declared_by: &'a str,
    summary: Summary,
    #[serde(flatten)]
    report: &'a DiffReport,
}

#[derive(Serialize)]
struct Summary {
    declared: usize,
    observed: usize,
    matched: usize,
    shadow: usize,
    missing: usize,
    mismatches: usize,
}

fn evidence_text(e: &Evidence) -> String {
    format!("{}: {} ({} #{})", e.protocol, e.message, e.capture, e.frame)
}

fn declared_label(d: &DeclaredDevice) -> String {
    format!("{} (line {})", d.label(), d.line)
}

fn observed_text(values: &[ObservedValue]) -> (String, String) {
    let shown = values
        .iter()
        .map(|v| v.value.clone())
        .collect::<Vec<_>>()
        .join(" | ");
    let evidence = values
        .iter()
        .map(|v| match &v.evidence {
            Some(e) => evidence_text(e),
            None => v.reasons.join("; "),
        })
        .collect::<Vec<_>>()
        .join(" | ");
    (shown, evidence)
}

fn show_diff(args: DiffArgs) -> Result<()> {
    let store = open_existing(&args.db.db)?;
    let Some((import, declared)) = store.declared()? else {
        bail!(
            "no declared inventory in {}; import one with `otwatch inventory import-declared FILE.csv --db {}`",
            args.db.db.display(),
            args.db.db.display()
        );
    };
    let observed = store.assets()?;
    let report = diff(&declared, &observed);
    let summary = Summary {
        declared: declared.len(),
        observed: observed.len(),
        matched: report.matched.len(),
        shadow: report.shadow.len(),
        missing: report.missing.len(),
        mismatches: report.mismatch_count(),
    };
    if args.json {
        let out = DiffOutput {
            schema: "otwatch.inventory_diff/1",
            declared_file: &import.file,
            declared_at: &import.imported_at,
            declared_by: &import.by,
            summary,
            report: &report,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let mut t = Table::new(&[
        "status",
        "declared",
        "asset",
        "matched by",
        "field",
        "declared value",
        "observed value",
        "evidence",
    ]);
    for m in &report.matched {
        let asset = format!("{} ({})", m.asset_id, m.asset_key);
        let by = format!("{} {}", m.matched_by, m.matched_value);
        if m.mismatches.is_empty() {
            t.row(vec![
                "matched".into(),
                declared_label(&m.declared),
                asset.clone(),
                by.clone(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
            ]);
        }
        for x in &m.mismatches {
            let (observed, evidence) = observed_text(&x.observed);
            t.row(vec![
                "mismatch".into(),
                declared_label(&m.declared),
                asset.clone(),
                by.clone(),
                x.field.to_string(),
                x.declared.clone(),
                observed,
                evidence,
            ]);
        }
    }
    for d in &report.missing {
        t.row(vec![
            "missing".into(),
            declared_label(d),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "never observed".into(),
            "-".into(),
        ]);
    }
    for s in &report.shadow {
        let addresses: Vec<String> = s
            .ips
            .iter()
            .map(|i| i.to_string())
            .chain(s.macs.iter().cloned())
            .collect();
        let what = [s.vendor.clone(), s.model.clone(), s.name.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        t.row(vec![
            "shadow".into(),
            "-".into(),
            format!("{} ({})", s.asset_id, s.asset_key),
            "-".into(),
            "-".into(),
            "not declared".into(),
            if what.is_empty() {
                addresses.join(" ")
            } else {
                format!("{} {what}", addresses.join(" "))
            },
            s.evidence
                .as_ref()
                .map(evidence_text)
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    if args.csv {
        print!("{}", t.csv());
    } else {
        print!("{}", t.render());
        eprintln!(
            "declared list {} (imported {} by {}): {} declared, {} observed; {} matched, {} with mismatches ({} fields), \
             {} declared but never observed, {} shadow devices",
            import.file,
            import.imported_at,
            import.by,
            summary.declared,
            summary.observed,
            summary.matched,
            report.matched.iter().filter(|m| !m.mismatches.is_empty()).count(),
            summary.mismatches,
            summary.missing,
            summary.shadow
        );
    }
    Ok(())
}
