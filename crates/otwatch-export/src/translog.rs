//! Writes transaction-log rows as they arrive: one Zeek TSV file and/or one JSON-lines file
//! per log, opened on the log's first row, so that memory stays flat however long the run.

use crate::{create, write_zeek_header, zeek_stamp, zeek_str, ExportError};
use otwatch_model::logs::{LogRow, LogSpec, Value};
use otwatch_model::{zeek_time, Micros, SCHEMA_VERSION};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where rows go: a folder for Zeek logs, a folder for JSON lines, or both.
pub struct TransactionLogWriter {
    zeek_dir: Option<PathBuf>,
    jsonl_dir: Option<PathBuf>,
    open: BTreeMap<&'static str, OpenLog>,
    rows: u64,
}

struct OpenLog {
    /// Time of the last row, for Zeek's `#close` line.
    last_ts: Micros,
    zeek: Option<(PathBuf, BufWriter<File>)>,
    jsonl: Option<(PathBuf, BufWriter<File>)>,
}

impl TransactionLogWriter {
    /// A Zeek log's `#open` and `#close` lines give the times of its first and last rows
    /// (capture time, so that the same capture gives the same files).
    pub fn new(zeek_dir: Option<&Path>, jsonl_dir: Option<&Path>) -> Self {
        Self {
            zeek_dir: zeek_dir.map(Path::to_path_buf),
            jsonl_dir: jsonl_dir.map(Path::to_path_buf),
            open: BTreeMap::new(),
            rows: 0,
        }
    }

    pub fn rows_written(&self) -> u64 {
        self.rows
    }

    fn open(&mut self, spec: &'static LogSpec, ts: Micros) -> Result<&mut OpenLog, ExportError> {
        if !self.open.contains_key(spec.name) {
            let zeek = match &self.zeek_dir {
                Some(dir) => {
                    let path = dir.join(format!("{}.log", spec.name));
                    let mut w = create(&path)?;
                    let columns: Vec<(&str, &str)> = spec.all_columns().collect();
                    write_zeek_header(&mut w, spec.name, &columns, ts).map_err(|source| {
                        ExportError {
                            path: path.clone(),
                            source,
                        }
                    })?;
                    Some((path, w))
                }
                None => None,
            };
            let jsonl = match &self.jsonl_dir {
                Some(dir) => {
                    let path = dir.join(format!("{}.jsonl", spec.name));
                    let w = create(&path)?;
                    Some((path, w))
                }
                None => None,
            };
            self.open.insert(
                spec.name,
                OpenLog {
                    last_ts: ts,
                    zeek,
                    jsonl,
                },
            );
        }
        Ok(self.open.get_mut(spec.name).expect("just inserted"))
    }

    pub fn write(&mut self, row: &LogRow) -> Result<(), ExportError> {
        debug_assert_eq!(
            row.values.len(),
            row.spec.columns.len(),
            "log {} row has the wrong number of values",
            row.spec.name
        );
        let values = row.all_values();
        let spec = row.spec;
        let log = self.open(spec, row.ts)?;
        log.last_ts = log.last_ts.max(row.ts);
        if let Some((path, w)) = &mut log.zeek {
            let mut line = String::with_capacity(256);
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    line.push('\t');
                }
                push_zeek_value(&mut line, v);
            }
            line.push('\n');
            w.write_all(line.as_bytes()).map_err(|source| ExportError {
                path: path.clone(),
                source,
            })?;
        }
        if let Some((path, w)) = &mut log.jsonl {
            let mut object = serde_json::Map::new();
            object.insert(
                "schema".into(),
                format!("otwatch.{}/{SCHEMA_VERSION}", spec.name).into(),
            );
            for ((name, _), v) in spec.all_columns().zip(values.iter()) {
                if let Some(json) = json_value(v) {
                    object.insert(name.to_string(), json);
                }
            }
            let err = |source| ExportError {
                path: path.clone(),
                source,
            };
            serde_json::to_writer(&mut *w, &object).map_err(|e| err(e.into()))?;
            w.write_all(b"\n").map_err(err)?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Closes every log (Zeek's `#close` line) and returns the files written.
    pub fn finish(self) -> Result<Vec<PathBuf>, ExportError> {
        let mut written = Vec::new();
        for (_, log) in self.open {
            if let Some((path, mut w)) = log.zeek {
                let err = |source| ExportError {
                    path: path.clone(),
                    source,
                };
                writeln!(w, "#close\t{}", zeek_stamp(log.last_ts)).map_err(err)?;
                w.flush().map_err(err)?;
                written.push(path);
            }
            if let Some((path, mut w)) = log.jsonl {
                w.flush().map_err(|source| ExportError {
                    path: path.clone(),
                    source,
                })?;
                written.push(path);
            }
        }
        Ok(written)
    }
}

/// A row's values as Zeek writes them, one string per column.
pub fn zeek_fields(row: &LogRow) -> Vec<String> {
    row.all_values()
        .iter()
        .map(|v| {
            let mut s = String::new();
            push_zeek_value(&mut s, v);
            s
        })
        .collect()
}

fn push_zeek_value(out: &mut String, v: &Value) {
    use std::fmt::Write as _;
    match v {
        Value::Unset => out.push('-'),
        Value::Str(s) => out.push_str(&zeek_str(s)),
        Value::Count(c) => {
            let _ = write!(out, "{c}");
        }
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Bool(b) => out.push(if *b { 'T' } else { 'F' }),
        Value::Addr(a) => {
            let _ = write!(out, "{a}");
        }
        Value::Port(p) => {
            let _ = write!(out, "{p}");
        }
        Value::Double(d) => out.push_str(&zeek_double(*d)),
        Value::Time(t) => out.push_str(&zeek_time(*t)),
        Value::Interval(t) => out.push_str(&zeek_time(*t)),
        Value::Counts(list) if list.is_empty() => out.push_str("(empty)"),
        Value::Counts(list) => {
            for (i, c) in list.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{c}");
            }
        }
        Value::Bytes(b) => out.push_str(&zeek_bytes(b)),
        Value::Times(list) if list.is_empty() => out.push_str("(empty)"),
        Value::Times(list) => {
            for (i, t) in list.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&zeek_time(*t));
            }
        }
        Value::Strs(list) if list.is_empty() => out.push_str("(empty)"),
        Value::Strs(list) => {
            for (i, s) in list.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                // The set separator inside an element is escaped as Zeek does.
                out.push_str(&zeek_str(s).replace(',', "\\x2c"));
            }
        }
    }
}

/// Zeek prints doubles with up to six decimals, trailing zeros removed, and at least one
/// decimal (`3.0`, `0.25`, `1.123457`).
fn zeek_double(d: f64) -> String {
    if !d.is_finite() {
        return format!("{d}");
    }
    let mut s = format!("{d:.6}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.push('0');
    }
    s
}

fn json_value(v: &Value) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match v {
        Value::Unset => return None,
        Value::Str(s) => J::from(s.as_str()),
        Value::Count(c) => J::from(*c),
        Value::Int(i) => J::from(*i),
        Value::Bool(b) => J::from(*b),
        Value::Addr(a) => J::from(a.to_string()),
        Value::Port(p) => J::from(*p),
        Value::Double(d) => J::from(*d),
        Value::Time(t) => J::from(otwatch_model::iso_time(*t)),
        Value::Interval(t) => J::from(*t as f64 / 1e6),
        Value::Counts(list) => J::from(list.clone()),
        Value::Strs(list) => J::from(list.clone()),
        Value::Bytes(b) => J::from(zeek_bytes(b)),
        Value::Times(list) => J::from(
            list.iter()
                .map(|t| otwatch_model::iso_time(*t))
                .collect::<Vec<_>>(),
        ),
    })
}

/// A byte string as Zeek logs it: printable ASCII kept, a backslash doubled, every other
/// byte `\xNN`; an empty one is `(empty)`.
fn zeek_bytes(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    if bytes.is_empty() {
        return "(empty)".into();
    }
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_model::logs::ConnId;

    #[test]
    fn byte_strings_are_written_as_zeek_writes_them() {
        assert_eq!(zeek_bytes(b"a\\b\t\x7f\xa0"), "a\\\\b\\x09\\x7f\\xa0");
        assert_eq!(zeek_bytes(b""), "(empty)");
    }

    static DEMO: LogSpec = LogSpec {
        name: "demo_detailed",
        directional: true,
        columns: &[
            ("func", "string"),
            ("values", "vector[count]"),
            ("score", "double"),
            ("note", "string"),
        ],
    };

    fn row(from_orig: bool, values: Vec<Value>) -> LogRow {
        LogRow {
            spec: &DEMO,
            ts: 1_700_000_000_000_001,
            conn: ConnId {
                uid: "CHhAvVGS1DHFjwGM9".into(),
                orig_h: "127.0.0.1".parse().unwrap(),
                orig_p: 47785,
                resp_h: "127.0.0.2".parse().unwrap(),
                resp_p: 502,
            },
            from_orig,
            values,
        }
    }

    #[test]
    fn binary_strings_as_zeek_writes_them() {
        // A HART unique address from icsnpp-hart-ip's hart-ip.pcap, frame 3.
        assert_eq!(zeek_bytes(&[0x26, 0x4e, 0, 0, 0xd2]), "&N\\x00\\x00\\xd2");
        assert_eq!(zeek_bytes(&[]), "(empty)");
    }

    #[test]
    fn zeek_and_jsonl_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = TransactionLogWriter::new(Some(dir.path()), Some(dir.path()));
        w.write(&row(
            true,
            vec![
                "READ_COILS".into(),
                Value::Counts(vec![1, 0, 1]),
                Value::Double(0.25),
                Value::Unset,
            ],
        ))
        .unwrap();
        w.write(&row(
            false,
            vec![
                "READ_COILS".into(),
                Value::Counts(vec![]),
                Value::Double(3.0),
                "a\tb".into(),
            ],
        ))
        .unwrap();
        assert_eq!(w.rows_written(), 2);
        let files = w.finish().unwrap();
        assert_eq!(files.len(), 2);
        let text = std::fs::read_to_string(dir.path().join("demo_detailed.log")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[4], "#path\tdemo_detailed");
        assert_eq!(
            lines[6],
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tis_orig\tsource_h\tsource_p\tdestination_h\tdestination_p\tfunc\tvalues\tscore\tnote"
        );
        assert_eq!(
            lines[8],
            "1700000000.000001\tCHhAvVGS1DHFjwGM9\t127.0.0.1\t47785\t127.0.0.2\t502\tT\t127.0.0.1\t47785\t127.0.0.2\t502\tREAD_COILS\t1,0,1\t0.25\t-"
        );
        assert!(lines[9].contains("\tF\t127.0.0.2\t502\t127.0.0.1\t47785\t"));
        assert!(lines[9].ends_with("\tREAD_COILS\t(empty)\t3.0\ta\\x09b"));
        assert!(lines[10].starts_with("#close"));
        let json = std::fs::read_to_string(dir.path().join("demo_detailed.jsonl")).unwrap();
        let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
        assert_eq!(first["schema"], "otwatch.demo_detailed/1");
        assert_eq!(first["values"], serde_json::json!([1, 0, 1]));
        assert_eq!(first["source_p"], 47785);
        assert!(first.get("note").is_none(), "unset values are left out");
    }

    #[test]
    fn doubles_as_zeek_prints_them() {
        assert_eq!(zeek_double(3.0), "3.0");
        assert_eq!(zeek_double(1.1234567), "1.123457");
        assert_eq!(zeek_double(-0.5), "-0.5");
    }
}
