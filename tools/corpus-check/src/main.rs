//! Measures how well otwatch agrees with the Zeek and ICSNPP logs recorded for the shared
//! corpus: `conn.log`, and every protocol log otwatch writes.
//!
//! `MANIFEST.tsv` pairs captures with folders of Zeek logs; logs cut without a header get
//! their column names from `baseline-columns.tsv`.
//!
//! - `conn.log`: for every baseline connection the check looks for an otwatch flow with the
//!   same originator, responder, ports and transport and, where the baseline has them, the
//!   same packets and IP bytes each way.
//! - Protocol logs (`modbus.log`, `dnp3_objects.log`, ...): each baseline row must be
//!   reproduced by one otwatch row with the same value in every baseline column, except
//!   `ts`, `uid` and link ids (which no two tools can share). A baseline column otwatch does
//!   not write counts as a disagreement. Rows are matched as multisets, so order does not
//!   matter but counts do.
//!
//! It prints each disagreement with its capture and the totals per log, and fails below the
//! thresholds.
//!
//! Usage: corpus-check CORPUS_DIR [--min-reproduced 99] [--max-extra 2] (conn.log thresholds;
//!        each group of protocol logs has its own, in LOG_GROUPS) [--quiet]
//!        [--log NAME] (only that protocol log, and no conn.log or nDPI check)
//!
//! - nDPI: on the captures whose peer output is `ndpiReader`'s `*.out`, every flow nDPI
//!   names as industrial must carry the same protocol in otwatch (see `ndpi.rs`).

mod ndpi;

use anyhow::{bail, Context, Result};
use otwatch_engine::{analyze, AnalyzeOptions, Input, Silent};
use otwatch_model::logs::LogRow;
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

/// The protocol logs otwatch writes and this check compares, in groups with their own
/// thresholds: the protocols of part 1 must agree more closely than the younger ones.
struct LogGroup {
    name: &'static str,
    min_reproduced: f64,
    max_unmatched: f64,
    logs: &'static [&'static str],
}

const LOG_GROUPS: &[LogGroup] = &[
    LogGroup {
        name: "Modbus, DNP3, S7comm, EtherNet/IP",
        min_reproduced: 99.0,
        max_unmatched: 2.0,
        logs: &[
            "modbus",
            "modbus_detailed",
            "modbus_mask_write_register",
            "modbus_read_write_multiple_registers",
            "modbus_read_device_identification",
            "dnp3",
            "dnp3_control",
            "dnp3_objects",
            "cotp",
            "s7comm",
            "s7comm_read_szl",
            "s7comm_known_devices",
            "s7comm_upload_download",
            "s7comm_plus",
            "enip",
            "cip",
            "cip_io",
            "cip_identity",
        ],
    },
    LogGroup {
        name: "BACnet, OPC UA, PROFINET and the rest",
        min_reproduced: 97.0,
        max_unmatched: 3.0,
        logs: &[
            // Each protocol adds its logs here.
            "bacnet",
            "bacnet_discovery",
            "bacnet_property",
            "bacnet_device_control",
            "genisys",
            "hart_ip_general",
            "hart_ip_session_record",
            "hart_ip_direct_pdu_command",
            "hart_ip_universal_commands",
            "hart_ip_common_commands",
            "bsap_ip_header",
            "bsap_ip_rdb",
            "bsap_serial_header",
            "bsap_serial_rdb",
            "profinet_io_cm",
            "opcua_binary",
            "opcua_binary_status_code_detail",
            "opcua_binary_opensecure_channel",
            "opcua_binary_get_endpoints",
            "opcua_binary_get_endpoints_description",
            "opcua_binary_get_endpoints_user_token",
            "opcua_binary_create_session",
            "opcua_binary_create_session_endpoints",
            "opcua_binary_create_session_user_token",
            "opcua_binary_close_session",
            "opcua_binary_create_subscription",
            "opcua_binary_write",
            "opcua_binary_activate_session",
            "opcua_binary_browse",
            "opcua_binary_browse_description",
            "opcua_binary_browse_result",
            "opcua_binary_browse_response_references",
            "opcua_binary_read",
            "opcua_binary_read_nodes_to_read",
            "opcua_binary_read_results",
            "opcua_binary_create_monitored_items",
            "opcua_binary_create_monitored_items_create_item",
            "omron_fins_general",
            "omron_fins_detail",
            "omron_fins_network_status_read",
            "omron_fins_file",
            "omron_fins_error",
            "omron_fins_data_link_status_read",
            "synchrophasor",
            "synchrophasor_cmd",
            "synchrophasor_hdr",
            "synchrophasor_cfg",
            "synchrophasor_cfg_detail",
            "synchrophasor_data",
            "synchrophasor_data_detail",
            "roc_plus",
            "roc_plus_sys_cfg",
            "roc_plus_realtime_clock",
            "roc_plus_login",
            "roc_plus_file_transfer",
            "roc_plus_unknown_data",
            "roc_plus_configurable_opcode",
            "roc_plus_single_point_parameters",
            "roc_plus_store_and_forward",
            "roc_plus_user_defined_info",
            "roc_plus_historical_min_max_vals",
            "roc_plus_data_request",
            "roc_plus_history_information",
            "roc_plus_time_period_history_points",
            "roc_plus_history_point_data",
            "roc_plus_transaction_history",
        ],
    },
];

fn all_protocol_logs() -> Vec<&'static str> {
    LOG_GROUPS
        .iter()
        .flat_map(|g| g.logs.iter().copied())
        .collect()
}

/// Columns no two tools can agree on: times of analysis, and the identifiers each tool
/// draws at random to link rows (`*_link_id`, and the synchrophasor logs' `*_frame_id`).
fn ignored_column(name: &str) -> bool {
    name == "ts" || name == "uid" || name.ends_with("_link_id") || name.ends_with("_frame_id")
}

/// A baseline log: its comparable column names and rows of values in those columns.
struct Baseline {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn parse_log(path: &Path, fallback_columns: Option<&Vec<String>>) -> Result<Baseline> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut columns: Option<Vec<String>> = None;
    let mut raw_rows = Vec::new();
    for line in text.lines() {
        if let Some(fields) = line.strip_prefix("#fields\t") {
            columns = Some(fields.split('\t').map(str::to_string).collect());
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        raw_rows.push(line.split('\t').map(str::to_string).collect::<Vec<_>>());
    }
    let all = match columns.or_else(|| fallback_columns.cloned()) {
        Some(c) => c,
        // A log the tool opened but never wrote to (only btest's comment lines): no rows
        // to reproduce.
        None if raw_rows.is_empty() => Vec::new(),
        None => bail!(
            "{}: no #fields header and no entry in baseline-columns.tsv",
            path.display()
        ),
    };
    let keep: Vec<usize> = (0..all.len())
        .filter(|&i| !ignored_column(&all[i]))
        .collect();
    Ok(Baseline {
        columns: keep.iter().map(|&i| all[i].clone()).collect(),
        rows: raw_rows
            .into_iter()
            .map(|r| {
                keep.iter()
                    .map(|&i| r.get(i).cloned().unwrap_or_default())
                    .collect()
            })
            .collect(),
    })
}

/// Zeek's test baselines mask every time value (`XXXXXXXXXX.XXXXXX`): such a cell agrees
/// with any time we write.
fn same_row(ours: &[String], baseline: &[String]) -> bool {
    ours.len() == baseline.len()
        && ours.iter().zip(baseline).all(|(o, b)| {
            // The baseline hid a number (a time, or anything shaped like one): ours must be
            // a number too, whatever its value.
            o == b || (b == "XXXXXXXXXX.XXXXXX" && o != "-" && o.parse::<f64>().is_ok())
        })
}

/// Our rows of one log, projected onto the baseline's columns; a column we do not write
/// reads `<not written>` and so never matches.
fn project(rows: &[&LogRow], columns: &[String]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| {
            let names: Vec<&str> = row.spec.all_columns().map(|(n, _)| n).collect();
            let values = otwatch_export::zeek_fields(row);
            columns
                .iter()
                .map(|c| match names.iter().position(|n| n == c) {
                    Some(i) => masked_like_baseline(row.spec.name, &values[i]),
                    None => "<not written>".to_string(),
                })
                .collect()
        })
        .collect()
}

/// The BACnet baselines passed through a canonifier that replaced every `0.000000` (the
/// way it masks unset times) with `XXXXXXXXXX.XXXXXX`, also inside property values (`80.0`
/// reads `8XXXXXXXXXX.XXXXXX`); our values get the same mask before they are compared. The
/// HART-IP common-command baseline went through the same one: the acquisition period
/// `1 minutes, 40.000000 seconds since midnight` reads `1 minutes, 4XXXXXXXXXX.XXXXXX ...`.
fn masked_like_baseline(log: &str, value: &str) -> String {
    if log.starts_with("bacnet") || log == "hart_ip_common_commands" {
        value.replace("0.000000", "XXXXXXXXXX.XXXXXX")
    } else {
        value.to_string()
    }
}

#[derive(Default)]
struct Tally {
    expected: usize,
    reproduced: usize,
    ours: usize,
    unmatched: usize,
}

/// Baselines written by older versions of a log hold fewer rows than the current version;
/// only our rows that the older version would have written are compared with them.
/// - `modbus.log` before Zeek added `pdu_type` held one row per response (the request's
///   function, the response's exception), none for requests.
fn legacy_filter(log: &str, baseline_columns: &[String], row: &LogRow) -> bool {
    if log == "modbus" && !baseline_columns.iter().any(|c| c == "pdu_type") {
        let names: Vec<&str> = row.spec.all_columns().map(|(n, _)| n).collect();
        let values = otwatch_export::zeek_fields(row);
        return names
            .iter()
            .position(|n| *n == "pdu_type")
            .is_none_or(|i| values[i] == "RESP");
    }
    true
}

/// Analyses a capture, collecting the transaction-log rows as they come.
fn analyze_with_logs(capture: &Path) -> (otwatch_engine::Analysis, Vec<LogRow>) {
    let (tx, rx) = crossbeam_channel::bounded::<Vec<LogRow>>(64);
    let collector = std::thread::spawn(move || rx.into_iter().flatten().collect::<Vec<_>>());
    let opts = AnalyzeOptions {
        threads: 2,
        transaction_logs: Some(tx),
        ..AnalyzeOptions::default()
    };
    let analysis = analyze(&[Input::File(capture.to_path_buf())], &opts, &Silent);
    drop(opts);
    let rows = collector.join().expect("collector thread");
    (analysis, rows)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "usage: corpus-check CORPUS_DIR [--min-reproduced PCT] [--max-extra PCT] [--quiet] [--log NAME] [--logs-report-only] [--ndpi-report-only]"
        );
        println!("example: corpus-check ../shared/corpus --log modbus_detailed");
        return Ok(());
    }
    let corpus = PathBuf::from(&args[0]);
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let flag = |name: &str, default: f64| -> f64 {
        value(name).and_then(|v| v.parse().ok()).unwrap_or(default)
    };
    let min_reproduced = flag("--min-reproduced", 99.0);
    let max_extra = flag("--max-extra", 2.0);
    let quiet = args.iter().any(|a| a == "--quiet");
    // Reports the protocol logs without failing on them (while a protocol is being built).
    let logs_report_only = args.iter().any(|a| a == "--logs-report-only");
    let ndpi_report_only = args.iter().any(|a| a == "--ndpi-report-only");
    let only_log = value("--log").cloned();
    if let Some(l) = &only_log {
        if !all_protocol_logs().contains(&l.as_str()) {
            bail!(
                "--log {l}: not a protocol log otwatch writes; one of {:?}",
                all_protocol_logs()
            );
        }
    }
    let check_conn = only_log.is_none();
    let logs_in_scope: Vec<&str> = match &only_log {
        Some(l) => vec![l.as_str()],
        None => all_protocol_logs(),
    };

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

    let wanted = |dir: &Path| {
        (check_conn && dir.join("conn.log").exists())
            || logs_in_scope
                .iter()
                .any(|l| dir.join(format!("{l}.log")).exists())
    };
    // Baseline folder -> the capture that produced it (closest path when several claim it).
    let mut pairs: BTreeMap<String, String> = BTreeMap::new();
    for row in manifest.iter().skip(1) {
        let (Some(capture), Some(outputs)) = (row.get(path_col), row.get(out_col)) else {
            continue;
        };
        for out in outputs.split(';').filter(|o| o.ends_with('/')) {
            if !wanted(&corpus.join(out)) {
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
        bail!("no capture in {} has a Zeek baseline", corpus.display());
    }

    let (mut base_total, mut reproduced, mut tuple_only) = (0usize, 0usize, 0usize);
    let (mut ours_total, mut extra) = (0usize, 0usize);
    let mut conn_logs = 0;
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for (dir, capture) in &pairs {
        let (analysis, log_rows) = analyze_with_logs(&corpus.join(capture));
        for log in &logs_in_scope {
            let path = corpus.join(dir).join(format!("{log}.log"));
            if !path.exists() {
                continue;
            }
            let columns = fallback.get(&(dir.clone(), format!("{log}.log")));
            let baseline = parse_log(&path, columns)?;
            let mine: Vec<&LogRow> = log_rows
                .iter()
                .filter(|r| r.spec.name == *log && legacy_filter(log, &baseline.columns, r))
                .collect();
            let mut ours: Vec<Option<Vec<String>>> = project(&mine, &baseline.columns)
                .into_iter()
                .map(Some)
                .collect();
            let tally = tallies.entry(log.to_string()).or_default();
            tally.expected += baseline.rows.len();
            tally.ours += ours.len();
            for b in &baseline.rows {
                match ours
                    .iter()
                    .position(|o| o.as_ref().is_some_and(|o| same_row(o, b)))
                {
                    Some(i) => {
                        tally.reproduced += 1;
                        ours[i] = None;
                    }
                    None if !quiet => {
                        println!(
                            "MISSING {log}.log {capture}: {}",
                            pretty(&baseline.columns, b)
                        );
                    }
                    None => {}
                }
            }
            for o in ours.into_iter().flatten() {
                tally.unmatched += 1;
                if !quiet {
                    println!(
                        "EXTRA   {log}.log {capture}: {}",
                        pretty(&baseline.columns, &o)
                    );
                }
            }
        }
        if !check_conn || !corpus.join(dir).join("conn.log").exists() {
            continue;
        }
        conn_logs += 1;
        let columns = fallback.get(&(dir.clone(), "conn.log".to_string()));
        let baseline = parse_conn_log(&corpus.join(dir).join("conn.log"), columns)?;
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
    let mut failed = Vec::new();
    if check_conn {
        let reproduced_pct = if base_total == 0 {
            100.0
        } else {
            pct(reproduced, base_total)
        };
        let extra_pct = pct(extra, ours_total);
        println!(
            "conn.log agreement: {conn_logs} baseline logs, {base_total} Zeek connections, {reproduced} reproduced ({reproduced_pct:.2} %), \
             {tuple_only} with other counts"
        );
        println!("conn.log extras: {extra} of {ours_total} otwatch flows match no Zeek connection ({extra_pct:.2} %)");
        if reproduced_pct < min_reproduced || extra_pct > max_extra {
            failed.push(format!(
                "conn.log (need ≥ {min_reproduced} % reproduced and ≤ {max_extra} % extra)"
            ));
        }
    }
    println!("protocol log agreement (baseline rows reproduced / expected; otwatch rows matching no baseline row):");
    for group in LOG_GROUPS {
        let mut all = Tally::default();
        for (log, t) in tallies
            .iter()
            .filter(|(l, _)| group.logs.contains(&l.as_str()))
        {
            print_tally(log, t);
            all.expected += t.expected;
            all.reproduced += t.reproduced;
            all.ours += t.ours;
            all.unmatched += t.unmatched;
        }
        if all.expected == 0 && all.ours == 0 {
            continue;
        }
        print_tally(&format!("overall: {}", group.name), &all);
        let (reproduced, unmatched) = (
            pct(all.reproduced, all.expected),
            pct(all.unmatched, all.ours),
        );
        if !logs_report_only
            && all.expected > 0
            && (reproduced < group.min_reproduced || unmatched > group.max_unmatched)
        {
            failed.push(format!(
                "the logs of {} (need ≥ {} % reproduced and ≤ {} % unmatched)",
                group.name, group.min_reproduced, group.max_unmatched
            ));
        }
    }
    if check_conn {
        let ndpi_pairs: Vec<(String, String)> = manifest
            .iter()
            .skip(1)
            .flat_map(|row| {
                let capture = row.get(path_col).cloned().unwrap_or_default();
                row.get(out_col)
                    .map(|o| o.split(';').map(str::to_string).collect::<Vec<_>>())
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|o| o.ends_with(".out"))
                    .map(move |o| (capture.clone(), o))
            })
            .collect();
        let agreement = ndpi::check(&corpus, &ndpi_pairs)?;
        for d in &agreement.disagreements {
            println!("NDPI    {d}");
        }
        println!(
            "nDPI agreement: {} of {} flows nDPI names as industrial carry the same protocol in otwatch",
            agreement.agreed, agreement.industrial
        );
        if !ndpi_report_only && agreement.agreed < agreement.industrial {
            failed.push("the protocols nDPI names (every industrial flow must agree)".to_string());
        }
    }
    if !failed.is_empty() {
        bail!("agreement below target for {}", failed.join(" and "));
    }
    Ok(())
}

fn print_tally(name: &str, t: &Tally) {
    println!(
        "  {name:40} {:>6}/{:<6} {:>7.2} %   unmatched {:>5}/{:<5} {:>6.2} %",
        t.reproduced,
        t.expected,
        if t.expected == 0 {
            100.0
        } else {
            pct(t.reproduced, t.expected)
        },
        t.unmatched,
        t.ours,
        pct(t.unmatched, t.ours)
    );
}

/// Per cent; an empty whole counts as all reproduced and nothing unmatched.
fn pct(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        if part == 0 {
            0.0
        } else {
            100.0
        }
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

fn pretty(columns: &[String], values: &[String]) -> String {
    columns
        .iter()
        .zip(values)
        .map(|(c, v)| format!("{c}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}
