//! End-to-end tests of the `otwatch` binary on real captures from the shared corpus and on
//! the simulated plant.

mod common;

use common::*;

#[test]
fn demo_finds_the_simulated_plant() {
    let dir = tempfile::tempdir().unwrap();
    let out = otwatch(&["demo", "--zeek-logs", "logs"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // small-plant: six devices, the identity their Modbus identification reveals, the
    // maintenance upload, the laptop joining mid-capture (a transient cyber asset) and its
    // PLC stop, nothing else alarming.
    assert!(
        stdout.contains(
            "small-plant: 6/6 devices, 7/7 identity attributes, 5/6 roles, 3/3 expected alerts, 0 unexpected alerts"
        ),
        "{stdout}"
    );
    let line = |function: &str| {
        stdout
            .lines()
            .find(|l| l.contains(function))
            .unwrap_or_default()
            .to_string()
    };
    // The operator's write of the set point, with the register it touched.
    assert!(
        line("WRITE_SINGLE_REGISTER").contains("holding_register 4"),
        "{stdout}"
    );
    assert!(
        stdout.contains("BMXP342020") && stdout.contains("V3.10"),
        "{stdout}"
    );
    assert!(dir.path().join("otwatch-demo.pcap").exists());
    let conn = std::fs::read_to_string(dir.path().join("logs/conn.log")).unwrap();
    assert_eq!(
        conn.lines().filter(|l| !l.starts_with('#')).count(),
        11,
        "{conn}"
    );

    let assets = otwatch(&["assets", "--db", "otwatch-demo.db", "--json"], dir.path());
    assert!(assets.status.success(), "{}", text(&assets.stderr));
    let list: serde_json::Value = serde_json::from_slice(&assets.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 6);
    let one = otwatch(
        &["asset", "10.20.1.21", "--db", "otwatch-demo.db"],
        dir.path(),
    );
    let one_text = text(&one.stdout);
    assert!(
        one_text.contains("HMI-01") && one_text.contains("option 12 (host name)"),
        "{one_text}"
    );
}

#[test]
fn analyze_real_capture_writes_database_logs_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let capture = corpus("icsnpp-modbus/testing/traces/modbus_example.pcap");
    let out = otwatch(
        &[
            "analyze",
            capture.to_str().unwrap(),
            "--db",
            "site.db",
            "--zeek-logs",
            "zeek",
            "--jsonl",
            "jsonl",
            "--summary-json",
            "summary.json",
            "--threads",
            "2",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["schema"], "otwatch.summary/1");
    assert_eq!(summary["packets"], 100);
    assert_eq!(summary["flows"], 2);
    assert!(summary["protocols"]["modbus"]["flows"].as_u64().unwrap() >= 1);

    // The same connection Zeek reports in its baseline for this capture.
    let conn = std::fs::read_to_string(dir.path().join("zeek/conn.log")).unwrap();
    assert!(conn.contains("#fields\tts\tuid\tid.orig_h"));
    let row = conn
        .lines()
        .find(|l| l.contains("\t47785\t"))
        .expect("the loopback modbus connection");
    let f: Vec<&str> = row.split('\t').collect();
    assert_eq!(
        &f[2..8],
        &["127.0.0.1", "47785", "127.0.0.1", "502", "tcp", "modbus"]
    );
    assert_eq!(
        &f[11..],
        &["SF", "T", "T", "0", "ShADadFf", "50", "2900", "48", "2897", "-", "6"]
    );

    for file in ["flows", "assets", "edges", "functions", "events"] {
        let path = dir.path().join(format!("jsonl/{file}.jsonl"));
        let body = std::fs::read_to_string(&path).unwrap();
        for line in body.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(
                v["schema"].as_str().unwrap().starts_with("otwatch."),
                "{line}"
            );
        }
    }

    let edges = otwatch(&["edges", "--db", "site.db", "--csv"], dir.path());
    assert!(edges.status.success());
    assert!(text(&edges.stdout).starts_with("client,server,protocol,port"));
    // Every edge of the map says where it was first seen.
    let edges = otwatch(&["edges", "--db", "site.db", "--json"], dir.path());
    let edges: serde_json::Value = serde_json::from_slice(&edges.stdout).unwrap();
    for e in edges.as_array().unwrap() {
        assert!(
            e["first_capture"]
                .as_str()
                .unwrap()
                .ends_with("modbus_example.pcap"),
            "{e}"
        );
        assert!(e["first_frame"].as_u64().unwrap() >= 1, "{e}");
    }
    let assets = otwatch(&["assets", "--db", "site.db", "--csv"], dir.path());
    let csv = text(&assets.stdout);
    assert!(
        csv.contains("127.0.0.1") && csv.contains("modbus/502"),
        "{csv}"
    );
}

#[test]
fn site_networks_from_config_decide_what_is_local() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("site.toml"),
        "[site]\nname = \"test\"\ninternal_networks = [\"3.15.0.0/16\"]\n",
    )
    .unwrap();
    let capture = corpus("icsnpp-modbus/testing/traces/modbus_example.pcap");
    let out = otwatch(
        &[
            "analyze",
            capture.to_str().unwrap(),
            "--config",
            "site.toml",
            "--no-db",
            "--zeek-logs",
            "z",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let conn = std::fs::read_to_string(dir.path().join("z/conn.log")).unwrap();
    let row = conn.lines().find(|l| l.contains("3.15.227.20")).unwrap();
    let f: Vec<&str> = row.split('\t').collect();
    assert_eq!(
        (f[12], f[13]),
        ("F", "T"),
        "192.168.1.6 is not in the site, 3.15.227.20 is: {row}"
    );
}

#[test]
fn bad_config_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), "[limits]\nmax_flow = 10\n").unwrap();
    let capture = corpus("icsnpp-modbus/testing/traces/modbus_example.pcap");
    let out = otwatch(
        &[
            "analyze",
            capture.to_str().unwrap(),
            "--config",
            "bad.toml",
            "--no-db",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("line 2") && err.contains("max_flow"),
        "{err}"
    );
}

#[test]
fn truncated_capture_keeps_the_valid_part_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(corpus("icsnpp-modbus/testing/traces/modbus_example.pcap")).unwrap();
    std::fs::write(dir.path().join("cut.pcap"), &full[..full.len() - 30]).unwrap();
    let out = otwatch(
        &["analyze", "cut.pcap", "--summary-json", "s.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("cut.pcap") && err.contains("byte offset"),
        "{err}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(summary["packets"], 99, "every packet before the damage");
    let assets = otwatch(&["assets", "--json"], dir.path());
    assert!(
        serde_json::from_slice::<serde_json::Value>(&assets.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
}

#[test]
fn not_a_capture_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.pcap"), "meeting notes, not packets").unwrap();
    let out = otwatch(&["analyze", "notes.pcap", "--no-db"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("notes.pcap") && err.contains("not a capture file"),
        "{err}"
    );
}

#[test]
fn gzip_folders_and_misnamed_files_are_read_by_magic() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("captures");
    std::fs::create_dir_all(folder.join("nested")).unwrap();
    let raw = std::fs::read(corpus("icsnpp-modbus/testing/traces/modbus_example.pcap")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).unwrap();
    std::fs::write(folder.join("nested/modbus.pcapng"), gz.finish().unwrap()).unwrap();
    std::fs::write(folder.join("README.txt"), "not a capture").unwrap();
    std::fs::copy(
        corpus("icsnpp-enip/tests/traces/enip_cip_example.pcap"),
        folder.join("enip.cap"),
    )
    .unwrap();
    let out = otwatch(
        &["analyze", "captures", "--no-db", "--summary-json", "s.json"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(summary["captures"].as_array().unwrap().len(), 2);
    assert!(summary["captures"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["compressed"] == true));
    assert!(text(&out.stderr).contains("skipped 1 file"));
}

#[test]
fn database_from_a_newer_otwatch_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let demo = otwatch(&["demo", "--db", "a.db"], dir.path());
    assert!(demo.status.success());
    rusqlite::Connection::open(dir.path().join("a.db"))
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let out = otwatch(&["assets", "--db", "a.db"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("a.db") && err.contains("newer otwatch"),
        "{err}"
    );
}

#[test]
fn every_command_has_help_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in ["analyze", "demo", "assets", "asset", "edges"] {
        let out = otwatch(&[cmd, "--help"], dir.path());
        assert!(out.status.success());
        assert!(
            text(&out.stdout).contains("Examples:"),
            "{cmd} --help has no example"
        );
    }
    let out = otwatch(&["analyze"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(2),
        "missing arguments are bad usage"
    );
}

#[test]
fn thread_count_does_not_change_results() {
    let dir = tempfile::tempdir().unwrap();
    let captures = [
        corpus("icsnpp-bacnet/testing/traces/bacnet_services.pcap"),
        corpus("icsnpp-enip/tests/traces/enip_cip_example.pcap"),
        corpus("icsnpp-profinet-io-cm/testing/traces/profinet_io_cm_mixed_2.pcapng"),
        corpus("icsnpp-dnp3/testing/traces/dnp3_example.pcap"),
    ];
    let mut outputs = Vec::new();
    for n in ["1", "2", "4"] {
        let mut args = vec!["analyze".to_string()];
        args.extend(captures.iter().map(|c| c.display().to_string()));
        args.extend(
            [
                "--no-db",
                "--jsonl",
                &format!("out{n}"),
                "--zeek-logs",
                &format!("out{n}"),
                "--threads",
                n,
            ]
            .map(String::from),
        );
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = otwatch(&refs, dir.path());
        assert!(out.status.success(), "{}", text(&out.stderr));
        let read =
            |f: &str| std::fs::read_to_string(dir.path().join(format!("out{n}/{f}"))).unwrap();
        outputs.push((
            read("conn.log"),
            read("assets.jsonl"),
            read("edges.jsonl"),
            read("events.jsonl"),
        ));
    }
    assert!(outputs[0].0.lines().count() > 50, "{}", outputs[0].0);
    assert_eq!(outputs[0], outputs[1], "1 and 2 threads differ");
    assert_eq!(outputs[0], outputs[2], "1 and 4 threads differ");
}

/// What one analysis of the simulated factory gave: `alerts`, `assets` and `edges` as JSON,
/// and the summary.
struct FactoryRun {
    alerts: String,
    assets: String,
    edges: String,
    summary: serde_json::Value,
}

/// The simulated factory analysed with 1, 2 and 4 threads, with the given configuration.
fn factory_with_1_2_and_4_threads(config: &str) -> Vec<FactoryRun> {
    let dir = tempfile::tempdir().unwrap();
    let out = otwatch(&["simulate", "factory", "--out", "f.pcap"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(dir.path().join("site.toml"), config).unwrap();
    ["1", "2", "4"]
        .into_iter()
        .map(|n| {
            let db = format!("t{n}.db");
            let summary = format!("s{n}.json");
            let out = otwatch(
                &[
                    "analyze",
                    "f.pcap",
                    "--db",
                    &db,
                    "--threads",
                    n,
                    "--quiet",
                    "--config",
                    "site.toml",
                    "--summary-json",
                    &summary,
                ],
                dir.path(),
            );
            assert!(out.status.success(), "{}", text(&out.stderr));
            let json = |what: &str| {
                let out = otwatch(&[what, "--json", "--db", &db], dir.path());
                assert!(out.status.success(), "{}", text(&out.stderr));
                text(&out.stdout)
            };
            FactoryRun {
                alerts: json("alerts"),
                assets: json("assets"),
                edges: json("edges"),
                summary: serde_json::from_slice(&std::fs::read(dir.path().join(&summary)).unwrap())
                    .unwrap(),
            }
        })
        .collect()
}

/// The simulated factory carries attacks and maintenance on a timeline: its alerts, assets
/// and changes must not depend on how many workers read the capture.
#[test]
fn thread_count_does_not_change_alerts() {
    let runs = factory_with_1_2_and_4_threads("");
    let outputs: Vec<_> = runs
        .iter()
        .map(|r| (&r.alerts, &r.assets, &r.edges))
        .collect();
    assert!(
        outputs[0].0.matches("\"rule\"").count() >= 7,
        "{}",
        outputs[0].0
    );
    assert_eq!(outputs[0], outputs[1], "1 and 2 threads differ");
    assert_eq!(outputs[0], outputs[2], "1 and 4 threads differ");
}

/// With room for only a few events of each kind, which events are kept (the earliest of
/// each kind) and what is counted as dropped must not depend on the number of workers
/// either: a flood of one kind may neither change the alerts with the thread count nor
/// crowd out a rarer kind.
#[test]
fn event_limits_keep_the_same_events_whatever_the_thread_count() {
    let runs = factory_with_1_2_and_4_threads("[limits]\nmax_events_per_kind = 2\n");
    let outputs: Vec<_> = runs
        .iter()
        .map(|r| {
            (
                &r.alerts,
                &r.summary["dropped"]["event_limit"],
                &r.summary["warnings"],
            )
        })
        .collect();
    assert!(
        outputs[0].1.as_u64().unwrap_or(0) > 0,
        "the limit must be reached for the test to mean anything: {:?}",
        outputs[0].2
    );
    assert_eq!(outputs[0], outputs[1], "1 and 2 threads differ");
    assert_eq!(outputs[0], outputs[2], "1 and 4 threads differ");
}

#[test]
fn devices_identify_themselves_with_evidence() {
    // ICSNPP's cip_identity.log for this capture: vendor 1, device type 12, product code 58,
    // revision 4.3, serial 0x00524d8e, product name 1756-ENBT/A.
    let asset = asset_after_analysis(
        "icsnpp-enip/tests/traces/enip_cip_example.pcap",
        "10.1.1.164",
    );
    assert_eq!(fact(&asset, "model")["value"], "1756-ENBT/A");
    assert_eq!(fact(&asset, "firmware")["value"], "4.3");
    assert_eq!(fact(&asset, "serial")["value"], "0x00524d8e");
    assert_eq!(fact(&asset, "cip_vendor_id")["value"], "1");
    // The vendor id's registered name beats the MAC prefix (a Cisco block on this adapter).
    assert_eq!(asset["vendor"], "Rockwell Automation/Allen-Bradley");
    assert_eq!(
        fact(&asset, "device_type")["value"],
        "Communications Adapter (12)"
    );
    assert_eq!(fact(&asset, "serial")["evidence"]["protocol"], "enip");
    assert_eq!(fact(&asset, "serial")["evidence"]["frame"], 372);
}

#[test]
fn siemens_cpu_states_order_number_firmware_and_serial() {
    // ICSNPP's s7comm_known_devices.log for this capture: SNAP7-SERVER, CPU 315-2 PN/DP,
    // serial S C-C2UR28922012.
    let asset = asset_after_analysis("icsnpp-s7comm/tests/traces/s7ident.pcap", "172.17.0.2");
    assert_eq!(fact(&asset, "order_number")["value"], "6ES7 315-2EH14-0AB0");
    assert_eq!(fact(&asset, "firmware")["value"], "V3.2.6");
    assert_eq!(fact(&asset, "serial")["value"], "S C-C2UR28922012");
    assert_eq!(fact(&asset, "model")["value"], "CPU 315-2 PN/DP");
    // SZL 0x001C: automation system and module name (the plant name is left blank).
    assert_eq!(fact(&asset, "station_name")["value"], "SNAP7-SERVER");
    assert_eq!(fact(&asset, "module_name")["value"], "CPU 315-2 PN/DP");
    assert!(fact(&asset, "plant_name").is_null());
    assert_eq!(fact(&asset, "serial")["evidence"]["frame"], 13);
    // The CPU confirmed the COTP connection to rack 0, slot 1.
    assert_eq!(fact(&asset, "s7_rack_slot")["value"], "rack 0, slot 1");
    assert_eq!(fact(&asset, "s7_rack_slot")["evidence"]["frame"], 6);
    assert!(asset["hostnames"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h == "SNAP7-SERVER"));
}

#[test]
fn bacnet_device_object_properties_identify_the_controller() {
    let asset = asset_after_analysis(
        "icsnpp-bacnet/testing/traces/bacnet_example.pcap",
        "172.20.32.109",
    );
    assert_eq!(fact(&asset, "model")["value"], "HIY-054");
    assert_eq!(fact(&asset, "firmware")["value"], "4.2.1");
    assert_eq!(fact(&asset, "object_name")["value"], "PLC_28");
    assert_eq!(fact(&asset, "location")["value"], "bay_7080");
}

#[test]
fn profinet_dcp_identify_names_the_device_by_its_mac() {
    let asset = asset_after_analysis(
        "ITI-ICS-Security-Tools/pcaps/profinet/PROFINET-RT-DCP/ChangeIPUsingDCP.pcap",
        "08:00:06:93:cf:32",
    );
    assert_eq!(fact(&asset, "station_name")["value"], "X208-BORD");
    assert_eq!(fact(&asset, "profinet_vendor_id")["value"], "0x002a");
    assert_eq!(fact(&asset, "profinet_device_id")["value"], "0x0a01");
    assert_eq!(
        fact(&asset, "station_name")["evidence"]["protocol"],
        "profinet_dcp"
    );
    assert!(asset["hostnames"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h == "X208-BORD"));
}

/// `otwatch assets | head`: a reader that is gone before otwatch writes (here, its end of
/// the pipe is closed at once) ends otwatch quietly, without a panic.
#[test]
fn a_reader_that_stops_early_ends_otwatch_quietly() {
    use std::process::{Command, Stdio};
    let dir = analysed_into_db("icsnpp-bacnet/testing/traces/bacnet_services.pcap");
    for args in [
        vec!["asset", "192.168.0.24"],
        vec!["assets"],
        vec!["edges", "--functions"],
        vec!["changes"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_otwatch"))
            .args(&args)
            .args(["--db", "a.db"])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
