//! Human corrections end to end: edit, merge and split an inventory from a corpus capture,
//! analyse the capture again into the same database, and check that the corrections held
//! and that the audit trail names who changed what, and when.

mod common;

use common::{analysed_into_db, corpus, text};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const CAPTURE: &str = "icsnpp-enip/tests/traces/enip_cip_example.pcap";

/// Runs otwatch on `a.db` as the user `user` (the default for `--by`).
fn as_user(user: &str, args: &[&str], dir: &Path) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_otwatch"))
        .args(args)
        .args(["--db", "a.db"])
        .env("USER", user)
        .current_dir(dir)
        .output()
        .expect("run otwatch");
    assert!(
        out.status.success(),
        "otwatch {args:?}: {}",
        text(&out.stderr)
    );
    out
}

fn asset(dir: &Path, id: &str) -> Value {
    serde_json::from_slice(&as_user("x", &["asset", id, "--json"], dir).stdout).unwrap()
}

fn assets(dir: &Path) -> Vec<Value> {
    serde_json::from_slice(&as_user("x", &["assets", "--json"], dir).stdout).unwrap()
}

fn history(dir: &Path, id: &str) -> Vec<Value> {
    serde_json::from_slice(&as_user("x", &["assets", "history", id, "--json"], dir).stdout).unwrap()
}

#[test]
fn corrections_hold_across_a_later_analysis_and_are_audited() {
    let dir = analysed_into_db(CAPTURE);
    let d = dir.path();
    assert_eq!(assets(d).len(), 12);

    // Edit: the person is taken from USER.
    as_user(
        "alice",
        &[
            "assets",
            "edit",
            "10.1.1.164",
            "--owner",
            "Process team",
            "--criticality",
            "high",
            "--location",
            "Hall 2, cabinet 4",
            "--notes",
            "feeds line 1",
            "--role",
            "io",
            "--level",
            "1",
            "--name",
            "ENBT-1",
            "--decommissioned",
        ],
        d,
    );
    let enbt_id = asset(d, "10.1.1.164")["id"].clone();
    // Merge: the two Rockwell adapters at .22 and .24 are one device.
    let keep = asset(d, "192.168.1.22")["id"].clone();
    let gone = asset(d, "192.168.1.24")["id"].clone();
    as_user(
        "bob",
        &[
            "assets",
            "merge",
            "192.168.1.22",
            "192.168.1.24",
            "--by",
            "bob",
        ],
        d,
    );
    // Split: the address 10.1.1.167 belongs to another device than its MAC.
    let laptop = asset(d, "3c:a9:f4:21:22:f8")["id"].clone();
    let split = as_user(
        "carol",
        &["assets", "split", "3c:a9:f4:21:22:f8", "--ip", "10.1.1.167"],
        d,
    );
    assert!(text(&split.stdout).contains("moved to asset"));

    let check = |d: &Path| {
        let all = assets(d);
        assert_eq!(all.len(), 12, "one merged away, one split off");
        let enbt = asset(d, "10.1.1.164");
        let o = &enbt["overrides"];
        assert_eq!(o["owner"], "Process team");
        assert_eq!(o["criticality"], "high");
        assert_eq!(o["location"], "Hall 2, cabinet 4");
        assert_eq!(o["notes"], "feeds line 1");
        assert_eq!(o["role"], "io_module");
        assert_eq!(o["purdue_level"], "1");
        assert_eq!(o["name"], "ENBT-1");
        assert_eq!(o["decommissioned"], true);
        let merged = asset(d, "192.168.1.24");
        assert_eq!(merged["id"], keep);
        assert_eq!(merged["macs"].as_array().unwrap().len(), 2);
        assert_eq!(
            merged["ips"],
            serde_json::json!(["192.168.1.22", "192.168.1.24"])
        );
        let moved = asset(d, "10.1.1.167");
        assert_eq!(moved["key"], "ip:10.1.1.167");
        assert_ne!(moved["id"], laptop);
        let rest = asset(d, "3c:a9:f4:21:22:f8");
        assert_eq!(rest["id"], laptop);
        assert_eq!(rest["ips"], serde_json::json!([]));
        assert!(rest["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["value"] != "10.1.1.167"));
    };
    check(d);
    let capture = corpus(CAPTURE);
    as_user("x", &["analyze", capture.to_str().unwrap(), "--quiet"], d);
    check(d);
    // The later analysis gave the split address its own traffic.
    let moved = asset(d, "10.1.1.167");
    assert_eq!(moved["protocols"][0]["protocol"], "enip");
    assert_eq!(moved["protocols"][0]["role"], "client");
    let edges: Vec<Value> =
        serde_json::from_slice(&as_user("x", &["edges", "--json"], d).stdout).unwrap();
    assert!(edges
        .iter()
        .any(|e| e["client"] == "ip:10.1.1.167" && e["protocol"] == "enip"));
    assert!(edges
        .iter()
        .all(|e| e["client"] != "mac:34:c0:f9:fe:65:6b" && e["server"] != "mac:34:c0:f9:fe:65:6b"));

    // The merged-away id still leads to the record it joined.
    let by_old_id = as_user("x", &["asset", &gone.to_string(), "--json"], d);
    let shown: Value = serde_json::from_slice(&by_old_id.stdout).unwrap();
    assert_eq!(shown["id"], keep);
    assert!(text(&by_old_id.stderr).contains("was merged into"));

    // Putting the ENBT back in service is one more audited change.
    as_user(
        "dave",
        &["assets", "edit", "10.1.1.164", "--decommissioned=false"],
        d,
    );
    assert_eq!(
        asset(d, "10.1.1.164")["overrides"]["decommissioned"],
        Value::Null
    );

    let trail = history(d, &enbt_id.to_string());
    let fields: Vec<(&str, &str, &str)> = trail
        .iter()
        .map(|c| {
            (
                c["by"].as_str().unwrap(),
                c["action"].as_str().unwrap(),
                c["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            ("alice", "edit", "owner"),
            ("alice", "edit", "criticality"),
            ("alice", "edit", "location"),
            ("alice", "edit", "notes"),
            ("alice", "edit", "name"),
            ("alice", "edit", "role"),
            ("alice", "edit", "purdue_level"),
            ("alice", "edit", "decommissioned"),
            ("dave", "edit", "decommissioned"),
        ]
    );
    assert_eq!(trail[8]["old"], "true");
    assert_eq!(trail[8]["new"], Value::Null);
    assert!(trail
        .iter()
        .all(|c| c["at"].as_str().unwrap().ends_with('Z')));

    let merge = history(d, "192.168.1.22");
    assert_eq!(merge.len(), 1);
    assert_eq!(
        (merge[0]["by"].as_str(), merge[0]["action"].as_str()),
        (Some("bob"), Some("merge"))
    );
    let split = history(d, "10.1.1.167");
    assert_eq!(split[0]["by"], "carol");
    assert_eq!(split[0]["action"], "split");
    let table = text(&as_user("x", &["assets", "history", "10.1.1.164"], d).stdout);
    assert!(table.contains("alice") && table.contains("dave") && table.contains("Process team"));
    let shown = text(&as_user("x", &["asset", "10.1.1.164"], d).stdout);
    assert!(shown.contains("owner: Process team"), "{shown}");
}

#[test]
fn corrections_that_make_no_sense_are_refused() {
    let dir = analysed_into_db(CAPTURE);
    let d = dir.path();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_otwatch"))
            .args(args)
            .args(["--db", "a.db"])
            .env_remove("USER")
            .current_dir(d)
            .output()
            .unwrap()
    };
    let nobody = run(&["assets", "edit", "10.1.1.164", "--owner", "x"]);
    assert_eq!(nobody.status.code(), Some(1));
    assert!(text(&nobody.stderr).contains("--by NAME"));
    let nothing = run(&["assets", "edit", "10.1.1.164", "--by", "a"]);
    assert_eq!(
        nothing.status.code(),
        Some(2),
        "no change named is bad usage"
    );
    let role = run(&[
        "assets",
        "edit",
        "10.1.1.164",
        "--role",
        "toaster",
        "--by",
        "a",
    ]);
    assert_eq!(
        role.status.code(),
        Some(2),
        "a value that is no role is bad usage"
    );
    assert!(text(&role.stderr).contains("not a role"));
    let itself = run(&[
        "assets",
        "merge",
        "10.1.1.164",
        "00:19:07:24:3c:ca",
        "--by",
        "a",
    ]);
    assert!(text(&itself.stderr).contains("cannot be merged with itself"));
    let stranger = run(&[
        "assets",
        "split",
        "10.1.1.164",
        "--ip",
        "10.9.9.9",
        "--by",
        "a",
    ]);
    assert!(text(&stranger.stderr).contains("has no ip 10.9.9.9"));
    let unknown = run(&["assets", "history", "10.9.9.9"]);
    assert!(text(&unknown.stderr).contains("no asset \"10.9.9.9\""));
}
