//! An outage must not lose what was stored: `otwatch analyze` killed at any point, or stopped
//! by a full disk, leaves a database that opens, passes SQLite's integrity check and still
//! holds every run committed before.

mod common;

use common::{otwatch, text};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn integrity_and_runs(db: &Path) -> (String, i64) {
    let conn = rusqlite::Connection::open(db).expect("the database opens");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check runs");
    let runs: i64 = conn
        .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
        .expect("runs table readable");
    (integrity, runs)
}

/// Two captures: a small one analysed to completion first, and one that takes a few tenths
/// of a second to analyse, to be interrupted.
fn captures(dir: &Path) {
    let out = otwatch(&["simulate", "factory", "--out", "small.pcap"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = otwatch(
        &[
            "simulate",
            "large",
            "--devices",
            "80",
            "--duration",
            "15m",
            "--out",
            "big.pcap",
        ],
        dir,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn analysis_killed_at_any_point_leaves_a_sound_database() {
    let dir = tempfile::tempdir().unwrap();
    captures(dir.path());
    let db = dir.path().join("site.db");
    let out = otwatch(
        &["analyze", "small.pcap", "--db", "site.db", "--quiet"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let assets_before = text(&otwatch(&["assets", "--db", "site.db", "--json"], dir.path()).stdout);
    assert!(assets_before.contains("\"key\""), "{assets_before}");

    // How long a whole run takes here, so that the kills fall from the start of reading to
    // the last database writes whatever the build and machine.
    let started = std::time::Instant::now();
    let out = otwatch(
        &["analyze", "big.pcap", "--db", "timing.db", "--quiet"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let whole = started.elapsed().as_millis() as u64;
    let mut runs_seen = 1;
    for percent in [2, 10, 25, 40, 55, 65, 75, 82, 88, 93, 97, 100, 105] {
        let delay_ms = whole * percent / 100;
        let mut child = Command::new(env!("CARGO_BIN_EXE_otwatch"))
            .args(["analyze", "big.pcap", "--db", "site.db", "--quiet"])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("otwatch starts");
        std::thread::sleep(Duration::from_millis(delay_ms));
        // SIGKILL: no handler runs, nothing is flushed.
        let _ = child.kill();
        let _ = child.wait();
        let (integrity, runs) = integrity_and_runs(&db);
        assert_eq!(integrity, "ok", "killed after {delay_ms} ms");
        assert!(
            runs >= runs_seen,
            "killed after {delay_ms} ms: {runs} runs, {runs_seen} were committed before"
        );
        eprintln!("killed at {percent} % of a whole run ({delay_ms} ms): {runs} runs stored");
        runs_seen = runs;
        let listed = otwatch(&["assets", "--db", "site.db", "--json"], dir.path());
        assert!(listed.status.success(), "{}", text(&listed.stderr));
        // The first run's assets are all still there.
        for key in assets_before.lines().filter(|l| l.contains("\"key\"")) {
            assert!(
                text(&listed.stdout).contains(key.trim()),
                "killed after {delay_ms} ms: {key} is gone"
            );
        }
    }
    // And the database takes the next analysis as if nothing had happened.
    let out = otwatch(
        &["analyze", "big.pcap", "--db", "site.db", "--quiet"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(integrity_and_runs(&db), ("ok".to_string(), runs_seen + 1));
}

/// A file-size limit stands in for a full disk (SQLite reports both as write failures): the
/// run fails with a message that says what happened and what to do, and the database keeps
/// the earlier run intact.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_a_clear_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    captures(dir.path());
    let db = dir.path().join("site.db");
    let out = otwatch(
        &["analyze", "small.pcap", "--db", "site.db", "--quiet"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (_, runs_before) = integrity_and_runs(&db);
    let size = std::fs::metadata(&db).unwrap().len();
    // Room for the file as it is and a little more, in 512-byte blocks; the write that
    // would pass the limit fails with EFBIG instead of killing the process.
    let blocks = size / 512 + 64;
    let script = format!(
        "trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" analyze big.pcap --db site.db --quiet"
    );
    let out = Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_otwatch")])
        .current_dir(dir.path())
        .output()
        .expect("sh runs");
    assert!(!out.status.success(), "the run cannot have fit");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("site.db") && stderr.contains("disk may be full"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(integrity_and_runs(&db), ("ok".to_string(), runs_before));
}
