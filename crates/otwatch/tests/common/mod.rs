//! Helpers shared by the end-to-end tests: run the binary, find corpus captures, read an
//! asset back as JSON.
#![allow(dead_code)]

pub mod modbus_lab;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn otwatch(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_otwatch"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run otwatch")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The shared corpus beside the repository; CI always has it.
pub fn corpus(rel: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let path = root.join(rel);
    assert!(
        path.exists(),
        "{} is missing: the tests need ../shared/corpus beside the repository",
        path.display()
    );
    path.canonicalize().unwrap()
}

/// Analyses one corpus capture into `a.db` in a fresh folder, and returns the folder.
pub fn analysed_into_db(capture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let capture = corpus(capture);
    let out = otwatch(
        &[
            "analyze",
            capture.to_str().unwrap(),
            "--db",
            "a.db",
            "--quiet",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir
}

/// Analyses one corpus capture into a fresh database and returns the asset holding `ip`
/// as `otwatch asset --json` prints it.
pub fn asset_after_analysis(capture: &str, ip: &str) -> serde_json::Value {
    let dir = analysed_into_db(capture);
    let shown = otwatch(&["asset", ip, "--db", "a.db", "--json"], dir.path());
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    serde_json::from_slice(&shown.stdout).unwrap()
}

/// `otwatch edges --functions`, as JSON or as the table, on the database in `dir`.
pub fn functions_listed(dir: &Path, json: bool) -> String {
    let mut args = vec!["edges", "--functions", "--db", "a.db"];
    if json {
        args.push("--json");
    }
    let listed = otwatch(&args, dir);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    text(&listed.stdout)
}

/// The notable events of one corpus capture, as `--jsonl` writes them.
pub fn events_after_analysis(capture: &str) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let capture = corpus(capture);
    let out = otwatch(
        &[
            "analyze",
            capture.to_str().unwrap(),
            "--no-db",
            "--quiet",
            "--jsonl",
            "out",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::read_to_string(dir.path().join("out/events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The first attribute of that name, with its evidence.
pub fn fact(asset: &serde_json::Value, name: &str) -> serde_json::Value {
    asset["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .cloned()
        .unwrap_or_default()
}

/// Analyses one corpus capture with `--zeek-logs` and returns the rows of one log as
/// column-name → value maps.
pub fn zeek_log_after_analysis(
    capture: &str,
    log: &str,
) -> Vec<std::collections::BTreeMap<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    let capture = corpus(capture);
    let out = otwatch(
        &[
            "analyze",
            capture.to_str().unwrap(),
            "--no-db",
            "--quiet",
            "--zeek-logs",
            "logs",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let path = dir.path().join("logs").join(format!("{log}.log"));
    let Ok(body) = std::fs::read_to_string(&path) else {
        return Vec::new();
    };
    let mut columns: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for line in body.lines() {
        if let Some(f) = line.strip_prefix("#fields\t") {
            columns = f.split('\t').map(str::to_string).collect();
        } else if !line.starts_with('#') {
            rows.push(
                columns
                    .iter()
                    .cloned()
                    .zip(line.split('\t').map(str::to_string))
                    .collect(),
            );
        }
    }
    rows
}
