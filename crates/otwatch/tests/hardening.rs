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

/// A folder with both captures and a database holding one committed run (the small one).
fn site_with_one_run() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    captures(dir.path());
    let out = otwatch(
        &["analyze", "small.pcap", "--db", "site.db", "--quiet"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = dir.path().join("site.db");
    (dir, db)
}

#[test]
fn analysis_killed_at_any_point_leaves_a_sound_database() {
    let (dir, db) = site_with_one_run();
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
    let (dir, db) = site_with_one_run();
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

/// A classic pcap with the given link type and records (seconds, frame bytes, captured
/// length).
fn pcap(linktype: u32, records: &[(u32, &[u8], usize)]) -> Vec<u8> {
    let mut out = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    out.extend(65535u32.to_le_bytes());
    out.extend(linktype.to_le_bytes());
    for (secs, frame, caplen) in records {
        let kept = &frame[..(*caplen).min(frame.len())];
        out.extend(secs.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend((kept.len() as u32).to_le_bytes());
        out.extend((frame.len() as u32).to_le_bytes());
        out.extend(kept);
    }
    out
}

/// Ethernet, IPv4 and UDP from 10.0.0.1:5000 to 10.0.0.2:161, four bytes of payload.
fn udp_frame() -> Vec<u8> {
    let mut f = vec![0, 0x1b, 0x1b, 0, 0, 2, 0, 0x1b, 0x1b, 0, 0, 1, 0x08, 0x00];
    f.extend([
        0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    f.extend([0x13, 0x88, 0, 161, 0, 12, 0, 0, 1, 2, 3, 4]);
    f
}

/// Writes `bytes` as the capture `name` and analyses it: the output and the summary.
fn analyse(dir: &Path, capture: &str, bytes: &[u8]) -> (std::process::Output, serde_json::Value) {
    std::fs::write(dir.join(capture), bytes).unwrap();
    let out = otwatch(
        &[
            "analyze",
            capture,
            "--no-db",
            "--quiet",
            "--summary-json",
            "s.json",
        ],
        dir,
    );
    let summary = std::fs::read(dir.join("s.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    (out, summary)
}

/// Captures broken in the ways the field produces them give the documented behaviour: a
/// clear message, and what was valid kept.
#[test]
fn broken_captures_are_reported_and_what_was_valid_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let frame = udp_frame();

    // A link type otwatch does not decode: counted as dropped, with a warning that says
    // how to convert the capture.
    let (out, summary) = analyse(
        dir.path(),
        "usb.pcap",
        &pcap(147, &[(1, &frame, 64), (2, &frame, 64)]),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(summary["dropped"]["unsupported_linktype_147"], 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("link type 147") && err.contains("editcap"),
        "{err}"
    );

    // A snap length shorter than the headers: the frames are counted as malformed by the
    // header they cut, the whole frames beside them are analysed.
    let (out, summary) = analyse(
        dir.path(),
        "snapped.pcap",
        &pcap(1, &[(1, &frame, 20), (2, &frame, 64), (3, &frame, 30)]),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let malformed: u64 = summary["malformed"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(malformed, 2, "{}", summary["malformed"]);
    assert_eq!(summary["udp_packets"], 1);
    assert_eq!(summary["flows"], 1);

    // Time going backwards: counted, with the frame named; every frame is analysed.
    let (out, summary) = analyse(
        dir.path(),
        "clock.pcap",
        &pcap(1, &[(100, &frame, 64), (50, &frame, 64), (101, &frame, 64)]),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(summary["capture_quality"]["timestamps_backwards"], 1);
    assert!(
        summary["capture_quality"]["timestamp_examples"][0]
            .as_str()
            .unwrap()
            .contains("clock.pcap frame 2"),
        "{}",
        summary["capture_quality"]
    );
    assert_eq!(summary["packets"], 3);

    // A file that is no capture at all: refused with its first bytes named.
    let (out, _) = analyse(dir.path(), "notes.pcap", b"not packets");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("notes.pcap") && err.contains("6e 6f 74 20"),
        "{err}"
    );
}
