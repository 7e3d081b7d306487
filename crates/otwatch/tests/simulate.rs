//! End-to-end tests of `otwatch simulate` and `otwatch demo --scenario`: every built-in
//! scenario dissects cleanly in tshark, and an analysis of it recovers the scenario's truth —
//! every device, every identity attribute its protocols reveal, every expected alert at its
//! time, and no other alert of medium severity or above.

mod common;

use common::*;
use std::path::Path;

/// Built-in scenarios with the extra arguments that keep the test quick (`large` shrunk to a
/// few hundred devices, long enough to hold its attacks).
const SCENARIOS: &[(&str, &[&str])] = &[
    ("small-plant", &[]),
    ("water-utility", &[]),
    ("factory", &[]),
    ("building", &[]),
    ("large", &["--devices", "120", "--duration", "42m"]),
];

fn run_demo(dir: &Path, scenario: &str, extra: &[&str]) -> serde_json::Value {
    let pcap = format!("{scenario}.pcap");
    let db = format!("{scenario}.db");
    let score = format!("{scenario}-score.json");
    let mut args = vec![
        "demo",
        "--scenario",
        scenario,
        "--out",
        &pcap,
        "--db",
        &db,
        "--score-json",
        &score,
    ];
    args.extend_from_slice(extra);
    let out = otwatch(&args, dir);
    assert!(out.status.success(), "{scenario}: {}", text(&out.stderr));
    serde_json::from_slice(&std::fs::read(dir.join(&score)).unwrap()).unwrap()
}

#[test]
fn every_scenario_recovers_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = Vec::new();
    for (scenario, extra) in SCENARIOS {
        let score = run_demo(dir.path(), scenario, extra);
        let n = |k: &str| score[k].as_u64().unwrap();
        report.push(format!(
            "{scenario}: {}/{} devices, {}/{} identity, {}/{} roles, {}/{} expected alerts, {} unexpected; misses: {}",
            n("devices_found"),
            n("devices"),
            n("identity_correct"),
            n("identity_expected"),
            n("roles_correct"),
            n("devices"),
            n("expected_alerts_raised"),
            n("expected_alerts"),
            n("unexpected_alerts"),
            score["misses"]
        ));
        assert!(n("devices") > 0 && n("expected_alerts") > 0, "{scenario}");
        let perfect = n("devices_found") == n("devices")
            && n("identity_correct") == n("identity_expected")
            && n("expected_alerts_raised") == n("expected_alerts")
            && n("unexpected_alerts") == 0;
        assert!(perfect, "{}", report.join("\n"));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn every_scenario_dissects_cleanly_in_tshark() {
    let dir = tempfile::tempdir().unwrap();
    for (scenario, extra) in SCENARIOS {
        let pcap = format!("{scenario}.pcap");
        let mut args = vec!["simulate", scenario, "--out", &pcap];
        args.extend_from_slice(extra);
        if *scenario == "large" {
            // tshark needs minutes for the whole hour; the first five hold every protocol.
            args.extend_from_slice(&["--max-size", "20MB"]);
        }
        let out = otwatch(&args, dir.path());
        assert!(out.status.success(), "{scenario}: {}", text(&out.stderr));
        let report =
            otwatch_sim::tshark::check(&dir.path().join(&pcap)).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            report.frames > 1_000,
            "{scenario}: {} frames",
            report.frames
        );
        assert!(
            report.problems.is_empty(),
            "{scenario}: tshark reports {} problem frames:\n{}",
            report.problems.len(),
            report
                .problems
                .iter()
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn truth_and_zones_describe_the_factory() {
    let dir = tempfile::tempdir().unwrap();
    let out = otwatch(
        &[
            "simulate", "factory", "--out", "f.pcap", "--truth", "t.json", "--zones", "z.toml",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("t.json")).unwrap()).unwrap();
    let assets = truth["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 24);
    let plc = assets.iter().find(|a| a["ip"] == "10.41.1.11").unwrap();
    assert_eq!(plc["vendor"], "Siemens");
    assert_eq!(plc["order_number"], "6ES7 315-2EH14-0AB0");
    assert_eq!(plc["firmware"], "V3.2.6");
    assert_eq!(plc["role"], "controller");
    assert_eq!(plc["purdue_level"], "1");
    assert!(
        plc["mac"].as_str().unwrap().starts_with("00:1b:1b:"),
        "{plc}"
    );
    assert_eq!(plc["revealed"]["order_number"][0], "s7comm");
    let findings: Vec<&str> = truth["designed_findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        findings,
        [
            "it_host_polls_plc",
            "remote_access_bypasses_jump_host",
            "flat_network"
        ]
    );
    let bypass = &truth["designed_findings"][1];
    assert_eq!(
        bypass["assets"],
        serde_json::json!(["10.10.0.21", "10.41.2.21"])
    );
    let alerts = truth["expected_alerts"].as_array().unwrap();
    let download = alerts.iter().find(|a| a["technique"] == "T0843").unwrap();
    assert_eq!(download["time"], "2026-05-11T07:10:00.000000Z");
    assert_eq!(
        download["assets"],
        serde_json::json!(["10.10.0.22", "10.41.1.11"])
    );
    assert_eq!(download["attack"], true);
    let zones: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.path().join("z.toml")).unwrap()).unwrap();
    let zone_list = zones["zone"].as_array().unwrap();
    assert_eq!(zone_list.len(), 6);
    assert_eq!(zone_list[1]["name"].as_str(), Some("dmz"));
    assert_eq!(zone_list[1]["level"].as_str(), Some("3.5"));
    assert_eq!(zone_list[1]["networks"][0].as_str(), Some("10.30.0.0/24"));
    let conduits = zones["conduit"].as_array().unwrap();
    let through_jump = conduits
        .iter()
        .find(|c| c["name"].as_str() == Some("dmz-operations"))
        .unwrap();
    assert_eq!(through_jump["through"].as_str(), Some("10.30.0.10"));
}

#[test]
fn the_same_seed_gives_the_same_capture() {
    let dir = tempfile::tempdir().unwrap();
    for (out_name, seed) in [("a.pcap", "9"), ("b.pcap", "9"), ("c.pcap", "10")] {
        let out = otwatch(
            &["simulate", "small-plant", "--out", out_name, "--seed", seed],
            dir.path(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let read = |n: &str| std::fs::read(dir.path().join(n)).unwrap();
    assert_eq!(read("a.pcap"), read("b.pcap"));
    assert_ne!(read("a.pcap"), read("c.pcap"));
}

#[test]
fn scenario_file_errors_name_the_file_and_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "name = \"x\"\nstart = \"2026-01-01T00:00:00Z\"\nduration = \"1m\"\n\
         [[zone]]\nname = \"z\"\nlevel = \"1\"\nsubnet = \"10.0.0.0/24\"\n\
         [[device]]\nname = \"d\"\nzone = \"z\"\nip = \"10.0.0.5\"\nrole = \"controller\"\nvendor = \"Siemens\"\n\
         [[poll]]\nclient = \"d\"\nserver = \"nobody\"\nprotocol = \"modbus\"\ninterval = \"1s\"\n",
    )
    .unwrap();
    let out = otwatch(&["simulate", "bad.toml", "--out", "x.pcap"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.toml")
            && err.contains("poll 1")
            && err.contains("\"nobody\" is not defined"),
        "{err}"
    );
    let out = otwatch(
        &["simulate", "no-such-plant", "--out", "x.pcap"],
        dir.path(),
    );
    assert!(
        text(&out.stderr).contains("neither a built-in scenario"),
        "{}",
        text(&out.stderr)
    );
}

/// The benchmark's flood scenario, shrunk: 5000 SYNs to random ports of a PLC raise a SYN
/// flood (T0814) and a port scan (T0846) from the flooding host; the HMI's polling does not.
#[test]
fn a_syn_flood_raises_flood_and_scan_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/syn-flood.toml"),
    )
    .unwrap()
    .replace("count = 1000000", "count = 5000")
    .replace("duration = \"2m\"", "duration = \"4s\"");
    std::fs::write(dir.path().join("flood.toml"), scenario).unwrap();
    let out = otwatch(
        &[
            "demo",
            "--scenario",
            "flood.toml",
            "--out",
            "f.pcap",
            "--db",
            "f.db",
            "--score-json",
            "s.json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let alerts = otwatch(&["alerts", "--db", "f.db", "--json"], dir.path());
    let alerts: serde_json::Value = serde_json::from_slice(&alerts.stdout).unwrap();
    let rule = |id: &str| {
        alerts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == id)
            .unwrap_or_else(|| panic!("no {id} in {alerts:#}"))
            .clone()
    };
    let flood = rule("net.syn_flood");
    assert_eq!(flood["src"], "10.99.1.66");
    assert_eq!(flood["dst"], "10.99.1.10");
    assert!(flood["count"].as_u64().unwrap() >= 4_900, "{flood}");
    let scan = rule("net.port_scan");
    assert_eq!(scan["src"], "10.99.1.66");
    assert_eq!(scan["dst"], "10.99.1.10");
    let score: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(score["unexpected_alerts"], 0, "{score}");
    assert_eq!(
        score["expected_alerts_raised"], score["expected_alerts"],
        "{score}"
    );
}
