//! `otwatch changes`: what changed between analyses into one database, and the durations
//! and times its flags (and `analyze --stale-after`) take.
//!
//! Times are traffic times: captures are history, so "the last 7 days" means the 7 days
//! before the latest traffic the database holds, not before the wall clock.

use crate::listing::{find_asset_among, labels, open_existing};
use crate::table::Table;
use crate::FormatArgs;
use anyhow::{Context, Result};
use clap::Args;
use otwatch_model::changes::{AssetChange, ChangeKind};
use otwatch_model::{iso_time, Micros};
use otwatch_store::changes::{ChangeFilter, ListedChange};
use otwatch_store::Store;
use serde::Serialize;
use std::path::PathBuf;

/// The default of `--stale-after`: a device quiet for a week in a plant is worth a look.
pub const DEFAULT_STALE_AFTER: &str = "7d";

/// How long an asset may stay quiet before it is reported; `None` turns the report off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleAfter(pub Option<Micros>);

/// "90s", "30m", "12h", "7d", "2w", combined as "1d12h"; "off" or "0" for never.
pub fn parse_stale_after(text: &str) -> Result<StaleAfter, String> {
    let t = text.trim().to_ascii_lowercase();
    if t == "off" || t == "never" || t == "0" {
        return Ok(StaleAfter(None));
    }
    otwatch_model::parse_duration(&t).map(|d| StaleAfter(Some(d)))
}

/// `--since`: a UTC date or time (2026-03-02, 2026-03-02T08:00:00Z, "2026-03-02 08:00"), or
/// a duration back from the latest traffic in the database (7d).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    At(Micros),
    Before(Micros),
}

pub fn parse_since(text: &str) -> Result<Since, String> {
    let t = text.trim();
    if let Ok(d) = otwatch_model::parse_duration(&t.to_ascii_lowercase()) {
        return Ok(Since::Before(d));
    }
    otwatch_model::parse_utc(t).map(Since::At).ok_or_else(|| {
        format!(
            "{t:?} is neither a UTC time (2026-03-02, 2026-03-02T08:00:00Z) nor a duration \
             back from the latest traffic (7d, 12h)"
        )
    })
}

fn parse_kind(text: &str) -> Result<ChangeKind, String> {
    ChangeKind::parse(text).ok_or_else(|| {
        format!(
            "{text:?} is not a kind of change; one of: {}",
            ChangeKind::ALL.map(ChangeKind::as_str).join(", ")
        )
    })
}

#[derive(Args)]
pub struct ChangesArgs {
    #[command(flatten)]
    pub db: crate::DbArg,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Only changes at or after this traffic time: a UTC date or time (2026-03-02,
    /// 2026-03-02T08:00:00Z), or a duration back from the latest traffic (7d, 12h).
    #[arg(long, value_name = "TIME", value_parser = parse_since)]
    pub since: Option<Since>,
    /// Only this kind: new_asset, firmware_changed, identity_changed, ip_changed,
    /// name_changed, new_protocol, not_seen, seen_again.
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    pub kind: Option<ChangeKind>,
    /// Only this asset: id (from `otwatch assets`), key, IP or MAC address.
    #[arg(long, value_name = "ID")]
    pub asset: Option<String>,
    /// Also list assets quiet for this long before the latest traffic that no analysis has
    /// reported yet (e.g. 12h, 7d; "off" for none; default 7d). Config key: changes.stale_after.
    #[arg(long, value_name = "DURATION", value_parser = parse_stale_after)]
    pub stale_after: Option<StaleAfter>,
    /// Settings file (TOML), for changes.stale_after.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The stale threshold from the flag, else the config key, else the default.
pub fn stale_after(flag: Option<StaleAfter>, config: &crate::config::Config) -> Result<StaleAfter> {
    if let Some(s) = flag {
        return Ok(s);
    }
    let text = config
        .changes
        .stale_after
        .as_deref()
        .unwrap_or(DEFAULT_STALE_AFTER);
    parse_stale_after(text)
        .map_err(anyhow::Error::msg)
        .context("config key changes.stale_after")
}

#[derive(Serialize)]
struct ChangeOut<'a> {
    schema: &'static str,
    id: Option<i64>,
    run_id: Option<i64>,
    asset_id: i64,
    time: String,
    #[serde(flatten)]
    change: &'a AssetChange,
}

pub fn run(args: ChangesArgs) -> Result<()> {
    let config = crate::config::Config::load(args.config.as_deref())?;
    let store = open_existing(&args.db.db)?;
    let assets = store.assets()?;
    let asset_id = match &args.asset {
        Some(wanted) => Some(find_asset_among(&store, &args.db.db, &assets, wanted)?.0),
        None => None,
    };
    let latest = store.latest_traffic()?;
    let since = match args.since {
        Some(Since::At(t)) => Some(t),
        Some(Since::Before(d)) => latest.map(|l| l - d),
        None => None,
    };
    let filter = ChangeFilter {
        since,
        kind: args.kind,
        asset_id,
        run_id: None,
    };
    let mut listed = store.changes(&filter)?;
    let threshold = stale_after(args.stale_after, &config)?;
    let pending = match (threshold.0, args.kind) {
        (Some(after), None | Some(ChangeKind::NotSeen)) => store
            .not_seen_now(after)?
            .into_iter()
            .filter(|c| asset_id.is_none_or(|id| c.asset_id == id))
            .filter(|c| since.is_none_or(|s| c.change.ts >= s))
            .collect(),
        _ => Vec::new(),
    };
    let pending_count = pending.len();
    listed.extend(pending);
    listed.sort_by_key(|c| (c.change.ts, c.id.is_none(), c.id));

    if args.format.json || args.format.jsonl {
        let out: Vec<ChangeOut<'_>> = listed
            .iter()
            .map(|c| ChangeOut {
                schema: "otwatch.change/1",
                id: c.id,
                run_id: c.run_id,
                asset_id: c.asset_id,
                time: iso_time(c.change.ts),
                change: &c.change,
            })
            .collect();
        if args.format.jsonl {
            for o in &out {
                println!("{}", serde_json::to_string(o)?);
            }
        } else {
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
    } else if args.format.csv {
        print!("{}", csv_table(&listed).csv());
    } else {
        let names = labels(assets.iter().map(|(_, a)| a));
        let mut t = Table::new(&[
            "id", "time", "asset", "change", "field", "old", "new", "evidence",
        ]);
        for c in &listed {
            let ch = &c.change;
            t.row(vec![
                c.id.map(|i| i.to_string()).unwrap_or_else(|| "-".into()),
                short_time(ch.ts),
                format!(
                    "{} {}",
                    c.asset_id,
                    crate::listing::label_of(&names, &ch.asset)
                ),
                ch.kind.as_str().into(),
                ch.field.clone().unwrap_or_else(|| "-".into()),
                ch.old_value.clone().unwrap_or_else(|| "-".into()),
                ch.new_value.clone().unwrap_or_else(|| "-".into()),
                evidence_text(ch),
            ]);
        }
        print!("{}", t.render());
    }
    eprintln!(
        "{}",
        footer(&store, listed.len(), pending_count, threshold)?
    );
    Ok(())
}

/// One line after `analyze` on what the run changed, or that it set the reference.
pub fn run_note(store: &Store, run_id: i64, db: &std::path::Path) -> Result<String> {
    if let Some(r) = store.change_reference()? {
        if r.run_id == run_id {
            return Ok(format!(
                "changes: first analysis into this database; its {} assets are the reference \
                 inventory, later analyses record what differs from it (`otwatch changes`)",
                r.assets
            ));
        }
    }
    let recorded = store.changes(&ChangeFilter {
        run_id: Some(run_id),
        ..Default::default()
    })?;
    if recorded.is_empty() {
        return Ok("changes: none against what the database held before".into());
    }
    let mut by_kind = std::collections::BTreeMap::new();
    for c in &recorded {
        *by_kind.entry(c.change.kind.as_str()).or_insert(0) += 1;
    }
    let kinds: Vec<String> = by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect();
    Ok(format!(
        "changes: {} recorded ({}); `otwatch changes --db {}` lists them with evidence",
        recorded.len(),
        kinds.join(", "),
        db.display()
    ))
}

fn short_time(ts: Micros) -> String {
    let iso = iso_time(ts);
    format!("{} {}", &iso[..10], &iso[11..19])
}

fn evidence_text(c: &AssetChange) -> String {
    let e = &c.evidence;
    if e.frame == 0 {
        e.message.clone()
    } else {
        format!("{} #{}: {} {}", e.capture, e.frame, e.protocol, e.message)
    }
}

fn csv_table(listed: &[ListedChange]) -> Table {
    let mut t = Table::new(&[
        "id",
        "run_id",
        "asset_id",
        "asset",
        "time",
        "kind",
        "field",
        "old_value",
        "new_value",
        "detail",
        "protocol",
        "message",
        "capture",
        "frame",
    ]);
    let opt = |v: Option<i64>| v.map(|i| i.to_string()).unwrap_or_default();
    for c in listed {
        let ch = &c.change;
        let e = &ch.evidence;
        t.row(vec![
            opt(c.id),
            opt(c.run_id),
            c.asset_id.to_string(),
            ch.asset.clone(),
            iso_time(ch.ts),
            ch.kind.as_str().into(),
            ch.field.clone().unwrap_or_default(),
            ch.old_value.clone().unwrap_or_default(),
            ch.new_value.clone().unwrap_or_default(),
            ch.detail.clone(),
            e.protocol.clone(),
            e.message.clone(),
            e.capture.clone(),
            e.frame.to_string(),
        ]);
    }
    t
}

/// Says what the list is measured against, so that an empty list is not mistaken for
/// "nothing was compared".
fn footer(store: &Store, shown: usize, pending: usize, threshold: StaleAfter) -> Result<String> {
    let mut out = format!("{shown} change{}", if shown == 1 { "" } else { "s" });
    if pending > 0 {
        out.push_str(&format!(
            " ({pending} \"not seen\" computed now, id \"-\": no analysis has recorded them yet)"
        ));
    }
    out.push_str(". ");
    match store.change_reference()? {
        Some(r) => out.push_str(&format!(
            "The first analysis into this database (run {}, {}) found {} assets: that inventory \
             is the reference, and its assets are not listed as new.",
            r.run_id, r.started_at, r.assets
        )),
        None => out.push_str(
            "The inventory recorded before changes were tracked is the reference; its assets \
             are not listed as new.",
        ),
    }
    let compared = store.runs_compared()?;
    if compared == 0 {
        out.push_str(
            " No later analysis has been compared with it yet: analyse more captures into \
             this database to see what changes.",
        );
    } else {
        out.push_str(&format!(
            " {compared} later analys{} compared with it.",
            if compared == 1 { "is was" } else { "es were" }
        ));
    }
    if let Some(after) = threshold.0 {
        out.push_str(&format!(
            " Assets are reported as not seen after {} without traffic, measured against the \
             latest traffic in the database.",
            otwatch_store::changes::human_duration(after)
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    const SECOND: Micros = 1_000_000;
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            parse_stale_after("7d"),
            Ok(StaleAfter(Some(7 * 86_400 * SECOND)))
        );
        assert_eq!(
            parse_stale_after("1d12h").unwrap().0,
            Some(36 * 3600 * SECOND)
        );
        assert_eq!(parse_stale_after("90s").unwrap().0, Some(90 * SECOND));
        assert_eq!(parse_stale_after("off"), Ok(StaleAfter(None)));
        for bad in ["7", "7 days", "d", "-3h", ""] {
            let err = parse_stale_after(bad).unwrap_err();
            assert!(err.contains("e.g. 90s"), "{bad}: {err}");
        }
    }

    #[test]
    fn since_times() {
        assert_eq!(
            parse_since("2026-03-02T08:00:00.5Z"),
            Ok(Since::At(1_772_438_400_500_000))
        );
        assert_eq!(
            parse_since("2026-03-02 08:00"),
            Ok(Since::At(1_772_438_400_000_000))
        );
        assert_eq!(
            parse_since("2000-02-29"),
            Ok(Since::At(951_782_400_000_000))
        );
        assert_eq!(parse_since("12h"), Ok(Since::Before(12 * 3600 * SECOND)));
        assert!(parse_since("2026-13-01").is_err());
        assert!(parse_since("yesterday").is_err());
    }
}
