//! Writes otwatch's results in the formats other tools read.
//!
//! Zeek-style logs (tab-separated, `#fields` and `#types` headers, Zeek's column names and
//! value formats) plug into whatever already reads Zeek: Malcolm, Splunk, Elastic. JSON
//! lines carry a `schema` field naming the record type and its version
//! (`otwatch.flow/1`, ...), documented in `docs/schema.md`. The inventory and the
//! communication map go out as CSV, JSON, GraphML, DOT and NetBox import files
//! ([`inventory`], documented in `docs/inventory.md`).

use otwatch_model::{
    zeek_time, Asset, Edge, FlowRecord, FunctionAggregate, Micros, ProtocolEvent, SCHEMA_VERSION,
};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub mod inventory;
mod translog;
pub use translog::{zeek_fields, TransactionLogWriter};

#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot write: {source}; check that the folder exists and has free space")]
pub struct ExportError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

fn create(path: &Path) -> Result<BufWriter<File>, ExportError> {
    File::create(path)
        .map(|f| BufWriter::with_capacity(1 << 20, f))
        .map_err(|source| ExportError {
            path: path.to_path_buf(),
            source,
        })
}

/// Zeek's escaping for string fields: separators, non-printable bytes and backslashes
/// become `\xNN`; an empty string is `(empty)`.
fn zeek_str(s: &str) -> String {
    if s.is_empty() {
        return "(empty)".into();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' | '\\' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn zeek_bool(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "T",
        Some(false) => "F",
        None => "-",
    }
}

/// `#open`/`#close` stamp in Zeek's format (UTC).
fn zeek_stamp(ts: Micros) -> String {
    let iso = otwatch_model::iso_time(ts);
    // 2026-03-02T08:00:00.000000Z -> 2026-03-02-08-00-00
    format!(
        "{}-{}-{}-{}",
        &iso[0..10],
        &iso[11..13],
        &iso[14..16],
        &iso[17..19]
    )
}

const CONN_FIELDS: &[(&str, &str)] = &[
    ("ts", "time"),
    ("uid", "string"),
    ("id.orig_h", "addr"),
    ("id.orig_p", "port"),
    ("id.resp_h", "addr"),
    ("id.resp_p", "port"),
    ("proto", "enum"),
    ("service", "string"),
    ("duration", "interval"),
    ("orig_bytes", "count"),
    ("resp_bytes", "count"),
    ("conn_state", "string"),
    ("local_orig", "bool"),
    ("local_resp", "bool"),
    ("missed_bytes", "count"),
    ("history", "string"),
    ("orig_pkts", "count"),
    ("orig_ip_bytes", "count"),
    ("resp_pkts", "count"),
    ("resp_ip_bytes", "count"),
    ("tunnel_parents", "set[string]"),
    ("ip_proto", "count"),
];

/// Writes `conn.log` in `dir`. `stamp` is the time written in `#open` and `#close`.
pub fn write_zeek_conn(
    dir: &Path,
    flows: &[FlowRecord],
    stamp: Micros,
) -> Result<PathBuf, ExportError> {
    let path = dir.join("conn.log");
    let err = |source| ExportError {
        path: path.clone(),
        source,
    };
    let mut w = create(&path)?;
    write_zeek_header(&mut w, "conn", CONN_FIELDS, stamp).map_err(err)?;
    for f in flows {
        // Zeek leaves duration and byte counts unset for a connection without duration.
        let duration = f.duration_micros();
        let (dur, ob, rb) = if duration > 0 {
            (
                format!("{}.{:06}", duration / 1_000_000, duration % 1_000_000),
                f.orig_bytes.to_string(),
                f.resp_bytes.to_string(),
            )
        } else {
            ("-".into(), "-".into(), "-".into())
        };
        writeln!(
            w,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t-\t{}",
            zeek_time(f.first_ts),
            f.uid,
            f.orig_h,
            f.orig_p,
            f.resp_h,
            f.resp_p,
            f.transport.as_str(),
            f.service
                .as_deref()
                .map(zeek_str)
                .unwrap_or_else(|| "-".into()),
            dur,
            ob,
            rb,
            f.conn_state,
            zeek_bool(f.local_orig),
            zeek_bool(f.local_resp),
            f.missed_bytes,
            if f.history.is_empty() {
                "-".to_string()
            } else {
                zeek_str(&f.history)
            },
            f.orig_pkts,
            f.orig_ip_bytes,
            f.resp_pkts,
            f.resp_ip_bytes,
            f.ip_proto,
        )
        .map_err(err)?;
    }
    writeln!(w, "#close\t{}", zeek_stamp(stamp)).map_err(err)?;
    w.flush().map_err(err)?;
    Ok(path)
}

fn write_zeek_header(
    w: &mut impl Write,
    log: &str,
    fields: &[(&str, &str)],
    stamp: Micros,
) -> std::io::Result<()> {
    writeln!(w, "#separator \\x09")?;
    writeln!(w, "#set_separator\t,")?;
    writeln!(w, "#empty_field\t(empty)")?;
    writeln!(w, "#unset_field\t-")?;
    writeln!(w, "#path\t{log}")?;
    writeln!(w, "#open\t{}", zeek_stamp(stamp))?;
    let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    let types: Vec<&str> = fields.iter().map(|(_, t)| *t).collect();
    writeln!(w, "#fields\t{}", names.join("\t"))?;
    writeln!(w, "#types\t{}", types.join("\t"))
}

#[derive(Serialize)]
struct Versioned<'a, T: Serialize> {
    schema: String,
    #[serde(flatten)]
    record: &'a T,
}

fn write_lines<T: Serialize>(path: &Path, kind: &str, records: &[T]) -> Result<(), ExportError> {
    let err = |source| ExportError {
        path: path.to_path_buf(),
        source,
    };
    let mut w = create(path)?;
    let schema = format!("otwatch.{kind}/{SCHEMA_VERSION}");
    for record in records {
        serde_json::to_writer(
            &mut w,
            &Versioned {
                schema: schema.clone(),
                record,
            },
        )
        .map_err(|e| err(e.into()))?;
        w.write_all(b"\n").map_err(err)?;
    }
    w.flush().map_err(err)
}

/// What `--jsonl DIR` writes: one file per record type.
pub struct JsonlRecords<'a> {
    pub flows: &'a [FlowRecord],
    pub assets: &'a [Asset],
    pub edges: &'a [Edge],
    pub functions: &'a [FunctionAggregate],
    pub events: &'a [ProtocolEvent],
}

pub fn write_jsonl(dir: &Path, r: &JsonlRecords<'_>) -> Result<Vec<PathBuf>, ExportError> {
    let files = [
        ("flows.jsonl", "flow"),
        ("assets.jsonl", "asset"),
        ("edges.jsonl", "edge"),
        ("functions.jsonl", "function"),
        ("events.jsonl", "event"),
    ];
    let mut written = Vec::new();
    for (file, kind) in files {
        let path = dir.join(file);
        match kind {
            "flow" => write_lines(&path, kind, r.flows)?,
            "asset" => write_lines(&path, kind, r.assets)?,
            "edge" => write_lines(&path, kind, r.edges)?,
            "function" => write_lines(&path, kind, r.functions)?,
            _ => write_lines(&path, kind, r.events)?,
        }
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_model::{IdentifiedBy, TransportProto};

    fn flow(duration: i64) -> FlowRecord {
        FlowRecord {
            uid: "CHhAvVGS1DHFjwGM9".into(),
            first_ts: 1_700_000_000_000_001,
            last_ts: 1_700_000_000_000_001 + duration,
            orig_h: "127.0.0.1".parse().unwrap(),
            orig_p: 47785,
            resp_h: "127.0.0.1".parse().unwrap(),
            resp_p: 502,
            transport: TransportProto::Tcp,
            ip_proto: 6,
            vlan: None,
            inner_vlan: None,
            orig_mac: Some([0, 0x80, 0xf4, 1, 2, 3]),
            resp_mac: None,
            service: Some("modbus".into()),
            service_identified_by: Some(IdentifiedBy::Payload),
            orig_pkts: 50,
            orig_ip_bytes: 2900,
            resp_pkts: 48,
            resp_ip_bytes: 2897,
            orig_bytes: 292,
            resp_bytes: 393,
            conn_state: "SF".into(),
            history: "ShADadFf".into(),
            missed_bytes: 0,
            acked_unseen_bytes: 0,
            local_orig: Some(true),
            local_resp: Some(true),
            orig_is_server: false,
            first_capture: "modbus.pcap".into(),
            first_frame: 1,
        }
    }

    #[test]
    fn conn_log_matches_zeek_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_zeek_conn(dir.path(), &[flow(6324), flow(0)], 0).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "#separator \\x09");
        assert!(lines[6].starts_with("#fields\tts\tuid\tid.orig_h\tid.orig_p"));
        let fields: Vec<&str> = lines[8].split('\t').collect();
        assert_eq!(fields.len(), CONN_FIELDS.len());
        assert_eq!(
            &fields[..20],
            &[
                "1700000000.000001",
                "CHhAvVGS1DHFjwGM9",
                "127.0.0.1",
                "47785",
                "127.0.0.1",
                "502",
                "tcp",
                "modbus",
                "0.006324",
                "292",
                "393",
                "SF",
                "T",
                "T",
                "0",
                "ShADadFf",
                "50",
                "2900",
                "48",
                "2897"
            ]
        );
        let single: Vec<&str> = lines[9].split('\t').collect();
        assert_eq!(&single[8..11], &["-", "-", "-"]);
        assert!(lines[10].starts_with("#close\t1970-01-01-00-00-00"));
    }

    #[test]
    fn jsonl_records_carry_their_schema() {
        let dir = tempfile::tempdir().unwrap();
        let flows = [flow(1)];
        write_jsonl(
            dir.path(),
            &JsonlRecords {
                flows: &flows,
                assets: &[],
                edges: &[],
                functions: &[],
                events: &[],
            },
        )
        .unwrap();
        let text = std::fs::read_to_string(dir.path().join("flows.jsonl")).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(v["schema"], "otwatch.flow/1");
        assert_eq!(v["orig_mac"], "00:80:f4:01:02:03");
        assert_eq!(v["service_identified_by"], "payload");
        assert!(std::fs::read_to_string(dir.path().join("events.jsonl"))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn zeek_strings_are_escaped() {
        assert_eq!(zeek_str("a\tb"), "a\\x09b");
        assert_eq!(zeek_str(""), "(empty)");
    }
}
