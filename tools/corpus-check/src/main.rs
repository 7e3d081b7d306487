//! Measures how well otwatch's flows agree with Zeek's `conn.log` on the shared corpus.
//!
//! `MANIFEST.tsv` pairs captures with folders of Zeek logs; logs cut without a header get
//! their column names from `baseline-columns.tsv`. For every baseline connection the check
//! looks for an otwatch flow with the same originator, responder, ports and transport and,
//! where the baseline has them, the same packets and IP bytes each way. It prints each
//! disagreement with its capture and the two totals, and fails below the thresholds.
//!
//! Usage: corpus-check CORPUS_DIR [--min-reproduced 99] [--max-extra 2] [--quiet]

use anyhow::{bail, Context, Result};
use otwatch_engine::{analyze, AnalyzeOptions, Input, Silent};
use otwatch_model::FlowRecord;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Tuple {
    orig_h: String,
    orig_p: String,
    resp_h: String,
    resp_p: String,
    proto: String,
}

#[derive(Debug, Clone)]
struct BaselineRow {
    tuple: Tuple,
    /// orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes when the log has them.
    counts: Option<[u64; 4]>,
}

fn read_tsv(path: &Path) -> Result<Vec<Vec<String>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect())
}

fn parse_conn_log(path: &Path, fallback_columns: Option<&Vec<String>>) -> Result<Vec<BaselineRow>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut columns: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for line in text.lines() {
        if let Some(fields) = line.strip_prefix("#fields\t") {
            columns = Some(fields.split('\t').map(str::to_string).collect());
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols = match columns.as_ref().or(fallback_columns) {
            Some(c) => c,
            None => bail!(
                "{}: no #fields header and no entry in baseline-columns.tsv",
                path.display()
            ),
        };
        let values: Vec<&str> = line.split('\t').collect();
        let get = |name: &str| {
            cols.iter()
                .position(|c| c == name)
                .and_then(|i| values.get(i))
                .map(|v| v.to_string())
        };
        let tuple = Tuple {
            orig_h: get("id.orig_h").unwrap_or_default(),
            orig_p: get("id.orig_p").unwrap_or_default(),
            resp_h: get("id.resp_h").unwrap_or_default(),
            resp_p: get("id.resp_p").unwrap_or_default(),
            proto: get("proto").unwrap_or_default(),
        };
        let num = |name: &str| get(name).and_then(|v| v.parse::<u64>().ok());
        let counts = match (
            num("orig_pkts"),
            num("orig_ip_bytes"),
            num("resp_pkts"),
            num("resp_ip_bytes"),
        ) {
            (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
            _ => None,
        };
        rows.push(BaselineRow { tuple, counts });
    }
    Ok(rows)
}

fn tuple_of(f: &FlowRecord) -> Tuple {
    Tuple {
        orig_h: f.orig_h.to_string(),
        orig_p: f.orig_p.to_string(),
        resp_h: f.resp_h.to_string(),
        resp_p: f.resp_p.to_string(),
        proto: f.transport.as_str().to_string(),
    }
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "usage: corpus-check CORPUS_DIR [--min-reproduced PCT] [--max-extra PCT] [--quiet]"
        );
        println!("example: corpus-check ../shared/corpus");
        return Ok(());
    }
    let corpus = PathBuf::from(&args[0]);
    let flag = |name: &str, default: f64| -> f64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let min_reproduced = flag("--min-reproduced", 99.0);
    let max_extra = flag("--max-extra", 2.0);
    let quiet = args.iter().any(|a| a == "--quiet");

    let manifest = read_tsv(&corpus.join("MANIFEST.tsv"))?;
    let header = manifest.first().context("MANIFEST.tsv is empty")?;
    let col = |name: &str| {
        header
            .iter()
            .position(|c| c == name)
            .with_context(|| format!("MANIFEST.tsv has no {name} column"))
    };
    let (path_col, out_col) = (col("local_path")?, col("expected_output")?);

    let mut fallback: HashMap<(String, String), Vec<String>> = HashMap::new();
    for row in read_tsv(&corpus.join("baseline-columns.tsv"))?
        .into_iter()
        .skip(1)
    {
        if row.len() >= 3 {
            fallback.insert(
                (row[0].clone(), row[1].clone()),
                row[2].split(' ').map(str::to_string).collect(),
            );
        }
    }

    // Baseline folder -> the capture that produced it (closest path when several claim it).
    let mut pairs: BTreeMap<String, String> = BTreeMap::new();
    for row in manifest.iter().skip(1) {
        let (Some(capture), Some(outputs)) = (row.get(path_col), row.get(out_col)) else {
            continue;
        };
        for out in outputs.split(';').filter(|o| o.ends_with('/')) {
            if !corpus.join(out).join("conn.log").exists() {
                continue;
            }
            let better = match pairs.get(out) {
                Some(existing) => common_prefix(capture, out) > common_prefix(existing, out),
                None => true,
            };
            if better {
                pairs.insert(out.to_string(), capture.clone());
            }
        }
    }
    if pairs.is_empty() {
        bail!(
            "no capture in {} has a Zeek conn.log baseline",
            corpus.display()
        );
    }

    let opts = AnalyzeOptions {
        threads: 2,
        ..AnalyzeOptions::default()
    };
    let (mut base_total, mut reproduced, mut tuple_only) = (0usize, 0usize, 0usize);
    let (mut ours_total, mut extra) = (0usize, 0usize);
    for (dir, capture) in &pairs {
        let columns = fallback.get(&(dir.clone(), "conn.log".to_string()));
        let baseline = parse_conn_log(&corpus.join(dir).join("conn.log"), columns)?;
        let analysis = analyze(&[Input::File(corpus.join(capture))], &opts, &Silent);
        let mut ours: Vec<Option<&FlowRecord>> = analysis.flows.iter().map(Some).collect();
        let mut matched_here = 0;
        for b in &baseline {
            base_total += 1;
            let exact = ours.iter().position(|o| {
                o.is_some_and(|f| {
                    tuple_of(f) == b.tuple
                        && b.counts.is_none_or(|c| {
                            c == [f.orig_pkts, f.orig_ip_bytes, f.resp_pkts, f.resp_ip_bytes]
                        })
                })
            });
            let found = exact.or_else(|| {
                ours.iter()
                    .position(|o| o.is_some_and(|f| tuple_of(f) == b.tuple))
            });
            match (exact, found) {
                (Some(i), _) => {
                    reproduced += 1;
                    matched_here += 1;
                    ours[i] = None;
                }
                (None, Some(i)) => {
                    tuple_only += 1;
                    let f = ours[i].expect("present");
                    if !quiet {
                        println!(
                            "COUNTS  {capture}: {:?} zeek {:?} otwatch [{}, {}, {}, {}]",
                            b.tuple,
                            b.counts,
                            f.orig_pkts,
                            f.orig_ip_bytes,
                            f.resp_pkts,
                            f.resp_ip_bytes
                        );
                    }
                    ours[i] = None;
                }
                (None, None) => {
                    if !quiet {
                        println!("MISSING {capture}: {:?} {:?}", b.tuple, b.counts);
                    }
                }
            }
        }
        ours_total += analysis.flows.len();
        for f in ours.into_iter().flatten() {
            extra += 1;
            if !quiet {
                println!(
                    "EXTRA   {capture}: {:?} [{}, {}, {}, {}]",
                    tuple_of(f),
                    f.orig_pkts,
                    f.orig_ip_bytes,
                    f.resp_pkts,
                    f.resp_ip_bytes
                );
            }
        }
        if !quiet {
            println!(
                "capture {capture}: {matched_here}/{} baseline connections reproduced",
                baseline.len()
            );
        }
    }
    let reproduced_pct = reproduced as f64 * 100.0 / base_total.max(1) as f64;
    let extra_pct = extra as f64 * 100.0 / ours_total.max(1) as f64;
    println!(
        "conn.log agreement: {} baseline logs, {base_total} Zeek connections, {reproduced} reproduced ({reproduced_pct:.2} %), \
         {tuple_only} with other counts",
        pairs.len()
    );
    println!("conn.log extras: {extra} of {ours_total} otwatch flows match no Zeek connection ({extra_pct:.2} %)");
    if reproduced_pct < min_reproduced || extra_pct > max_extra {
        bail!("agreement below target: need ≥ {min_reproduced} % reproduced and ≤ {max_extra} % extra");
    }
    Ok(())
}
