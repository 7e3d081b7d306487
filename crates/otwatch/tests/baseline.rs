//! Baseline end to end: learn on captures of normal Modbus polling, then analyse captures
//! with one change injected each (a write, a new poller, a faster cadence) and check the
//! alert, its evidence, and that accepting it makes the change normal.

mod common;

use common::modbus_lab::*;
use common::{otwatch, text};
use otwatch_sim::frame::{Endpoint, MacAddr, Side, TcpSession};
use otwatch_sim::modbus;
use serde_json::Value;
use std::path::Path;

/// Reads of holding registers 0-9 every `period` for `n` polls from `start`.
fn polls(start: i64, period: i64, n: i64) -> Vec<(i64, Req)> {
    (0..n)
        .map(|i| (start + SEC + i * period, Req::Read(0, 10)))
        .collect()
}

/// Three minutes of the HMI reading the PLC once a second, starting `minutes` after T0.
fn normal(path: &Path, minutes: i64) {
    let start = T0 + minutes * 60 * SEC;
    write_capture(
        path,
        connection(HMI, 40000 + minutes as u16, start, &polls(start, SEC, 180)),
    );
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = otwatch(args, dir);
    assert!(
        out.status.success(),
        "otwatch {args:?} failed:\n{}",
        text(&out.stderr)
    );
    text(&out.stderr)
}

fn learned(dir: &Path) {
    normal(&dir.join("mon.pcap"), 0);
    normal(&dir.join("tue.pcap"), 10);
    let err = run(
        dir,
        &["baseline", "learn", "mon.pcap", "tue.pcap", "--db", "b.db"],
    );
    assert!(
        err.contains("2 assets, 1 edges, 1 functions (1 with a cadence)"),
        "{err}"
    );
}

fn alerts(dir: &Path) -> Vec<Value> {
    let out = otwatch(&["baseline", "alerts", "--db", "b.db", "--json"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rules_of(alerts: &[Value]) -> Vec<String> {
    let mut r: Vec<String> = alerts
        .iter()
        .map(|a| a["alert"]["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r
}

#[test]
fn normal_traffic_departs_from_nothing_and_show_lists_what_was_learned() {
    let dir = tempfile::tempdir().unwrap();
    learned(dir.path());
    normal(&dir.path().join("wed.pcap"), 20);
    let err = run(dir.path(), &["analyze", "wed.pcap", "--db", "b.db", "-q"]);
    assert!(err.contains("baseline: no departures"), "{err}");
    assert!(alerts(dir.path()).is_empty());

    let out = otwatch(&["baseline", "show", "--db", "b.db", "--json"], dir.path());
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &shown["baseline"]["functions"][0];
    assert_eq!(f["function"], "READ_HOLDING_REGISTERS");
    assert_eq!(f["write"], false);
    assert_eq!(f["cadence"].as_array().unwrap().len(), 2);
    let rate = f["cadence"][0].as_f64().unwrap();
    assert!(
        (rate - 60.0).abs() < 0.5,
        "one poll a second is 60 a minute, got {rate}"
    );
    assert_eq!(shown["meta"]["sources"].as_array().unwrap().len(), 1);
    let table = text(&otwatch(&["baseline", "show", "--db", "b.db"], dir.path()).stdout);
    assert!(
        table.contains("holding_register 0-9") && table.contains("60.00 ±0.00 (2 samples)"),
        "{table}"
    );
}

#[test]
fn the_same_client_writing_is_a_first_write_and_can_be_accepted() {
    let dir = tempfile::tempdir().unwrap();
    learned(dir.path());
    let start = T0 + 20 * 60 * SEC;
    let mut reqs = polls(start, SEC, 180);
    reqs.push((start + 90 * SEC + 500_000, Req::Write(4, 1234)));
    reqs.push((start + 95 * SEC + 500_000, Req::Read(100, 10)));
    reqs.sort_by_key(|r| r.0);
    write_capture(
        &dir.path().join("wed.pcap"),
        connection(HMI, 41000, start, &reqs),
    );
    let err = run(dir.path(), &["analyze", "wed.pcap", "--db", "b.db", "-q"]);
    assert!(
        err.contains("baseline: 2 alerts (1 high, 1 medium)"),
        "{err}"
    );

    let found = alerts(dir.path());
    assert_eq!(
        rules_of(&found),
        [
            "baseline.address_outside",
            "baseline.write_where_only_reads"
        ]
    );
    let write = found
        .iter()
        .find(|a| a["alert"]["rule"] == "baseline.write_where_only_reads")
        .unwrap();
    let a = &write["alert"];
    assert_eq!(
        a["severity"], "high",
        "a server of unknown role counts as a controller"
    );
    assert_eq!(a["techniques"], serde_json::json!(["T0855"]));
    assert_eq!(a["subject"], "modbus | WRITE_SINGLE_REGISTER");
    assert_eq!(a["src"], "10.0.0.1");
    assert_eq!(a["dst"], "10.0.0.2");
    assert_eq!(
        a["first_seen"].as_i64().unwrap(),
        start + 90 * SEC + 500_000
    );
    let ev = &a["evidence"][0];
    assert!(
        ev["capture"].as_str().unwrap().ends_with("wed.pcap"),
        "{ev}"
    );
    assert_eq!(
        ev["frame"], 1,
        "the connection that carried the write starts at frame 1"
    );
    assert!(a["explanation"]
        .as_str()
        .unwrap()
        .contains("only read from"));
    let outside = found
        .iter()
        .find(|a| a["alert"]["rule"] == "baseline.address_outside")
        .unwrap();
    assert_eq!(
        outside["alert"]["subject"],
        "modbus | READ_HOLDING_REGISTERS | holding_register 100-109"
    );

    // The departures are in the alert list like every other alert, not yet acknowledged.
    let listed = |dir: &Path| -> Vec<Value> {
        let out = otwatch(&["alerts", "--db", "b.db", "--json"], dir);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        all.into_iter()
            .filter(|a| a["rule"].as_str().unwrap().starts_with("baseline."))
            .collect()
    };
    let before = listed(dir.path());
    assert_eq!(before.len(), found.len(), "{before:#?}");
    assert!(before.iter().all(|a| a["acked"] == false));

    // Accept both; the same traffic is then normal.
    for a in &found {
        let id = a["id"].to_string();
        let err = run(dir.path(), &["baseline", "accept", &id, "--db", "b.db"]);
        assert!(err.contains(&format!("alert {id} accepted")), "{err}");
    }
    assert!(alerts(dir.path())
        .iter()
        .all(|a| !a["accepted_at"].is_null()));
    assert!(listed(dir.path()).iter().all(|a| a["acked"] == true));
    let id = found[0]["id"].to_string();
    let err = run(dir.path(), &["baseline", "accept", &id, "--db", "b.db"]);
    assert!(err.contains("already accepted"), "{err}");
    let err = run(dir.path(), &["analyze", "wed.pcap", "--db", "b.db", "-q"]);
    assert!(err.contains("baseline: no departures"), "{err}");

    let out = otwatch(&["baseline", "accept", "999", "--db", "b.db"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no baseline alert 999"));
}

#[test]
fn a_new_host_polling_is_a_new_asset_and_a_new_edge() {
    let dir = tempfile::tempdir().unwrap();
    learned(dir.path());
    let start = T0 + 20 * 60 * SEC;
    let mut frames = connection(HMI, 41000, start, &polls(start, SEC, 180));
    frames.extend(connection(
        ROGUE,
        50000,
        start + 60 * SEC,
        &polls(start + 60 * SEC, 2 * SEC, 20),
    ));
    write_capture(&dir.path().join("wed.pcap"), frames);
    let err = run(dir.path(), &["analyze", "wed.pcap", "--db", "b.db", "-q"]);
    assert!(err.contains("baseline: 2 alerts (2 medium)"), "{err}");
    let found = alerts(dir.path());
    assert_eq!(
        rules_of(&found),
        ["baseline.new_asset", "baseline.new_edge"]
    );
    let edge = found
        .iter()
        .find(|a| a["alert"]["rule"] == "baseline.new_edge")
        .unwrap();
    assert_eq!(edge["alert"]["techniques"], serde_json::json!(["T0848"]));
    assert_eq!(edge["alert"]["src"], "10.0.0.9");
    assert!(edge["alert"]["evidence"][0]["frame"].as_u64().unwrap() > 1);

    // Reset: no baseline, no comparison.
    let err = run(dir.path(), &["baseline", "reset", "--db", "b.db"]);
    assert!(err.contains("baseline forgotten"), "{err}");
    let err = run(dir.path(), &["analyze", "wed.pcap", "--db", "b.db", "-q"]);
    assert!(!err.contains("baseline:"), "{err}");
}

#[test]
fn polling_four_times_as_fast_is_a_cadence_break() {
    let dir = tempfile::tempdir().unwrap();
    learned(dir.path());
    let start = T0 + 20 * 60 * SEC;
    write_capture(
        &dir.path().join("wed.pcap"),
        connection(HMI, 41000, start, &polls(start, SEC / 4, 720)),
    );
    let err = run(dir.path(), &["analyze", "wed.pcap", "--db", "b.db", "-q"]);
    assert!(err.contains("baseline: 1 alert (1 low)"), "{err}");
    let found = alerts(dir.path());
    assert_eq!(rules_of(&found), ["baseline.cadence"]);
    let detail = found[0]["alert"]["evidence"][0]["detail"].as_str().unwrap();
    assert!(detail.starts_with("240."), "{detail}");
}

#[test]
fn learning_from_the_database_and_errors_that_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = otwatch(
        &["baseline", "learn", "--from-db", "--db", "none.db"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("run `otwatch analyze CAPTURE --db none.db` first"));

    normal(&dir.path().join("mon.pcap"), 0);
    run(dir.path(), &["analyze", "mon.pcap", "--db", "b.db", "-q"]);
    let err = run(
        dir.path(),
        &["baseline", "learn", "--from-db", "--db", "b.db"],
    );
    assert!(err.contains("2 assets, 1 edges, 1 functions"), "{err}");
    let err = run(dir.path(), &["analyze", "mon.pcap", "--db", "b.db", "-q"]);
    assert!(err.contains("baseline: no departures"), "{err}");

    let help = text(&otwatch(&["baseline", "learn", "--help"], dir.path()).stdout);
    assert!(help.contains("Examples:"));
}

/// Splits a corpus capture at its middle frame time: learn on the first part, then the
/// second part with a new host injected (on the same link, to a controller the capture
/// polls) must raise the new asset, the new edge and its first write — and the real second
/// part alone nothing of severity high.
#[test]
fn learn_on_one_half_of_a_corpus_capture_and_detect_a_host_injected_in_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let source = common::corpus("ITI-ICS-Security-Tools/pcaps/ModbusTCP/ModbusTCP.pcap");
    let mut reader = otwatch_capture::CaptureReader::open(&source).unwrap();
    let mut frames: Vec<(i64, Vec<u8>)> = Vec::new();
    while let Some(p) = reader.next_packet().unwrap() {
        assert_eq!(p.linktype, 1, "the split writes Ethernet frames");
        frames.push((p.ts_micros, p.data.to_vec()));
    }
    let mut times: Vec<i64> = frames.iter().map(|f| f.0).collect();
    times.sort();
    let middle = times[times.len() / 2];
    let (first, second): (Vec<_>, Vec<_>) = frames.into_iter().partition(|f| f.0 < middle);
    // The controller's MAC, from a request to it (Ethernet, IPv4, TCP to port 502).
    let plc_ip = [141, 81, 0, 46];
    let plc_mac: MacAddr = second
        .iter()
        .find(|(_, f)| {
            f.len() > 38 && f[12..14] == [8, 0] && f[30..34] == plc_ip && f[36..38] == [1, 246]
        })
        .map(|(_, f)| f[0..6].try_into().unwrap())
        .expect("a Modbus request to 141.81.0.46");
    write_capture(&dir.path().join("first.pcap"), first);
    write_capture(&dir.path().join("second.pcap"), second.clone());
    run(
        dir.path(),
        &["baseline", "learn", "first.pcap", "--db", "b.db"],
    );

    let err = run(dir.path(), &["analyze", "first.pcap", "--db", "b.db", "-q"]);
    assert!(err.contains("baseline: no departures"), "{err}");
    run(
        dir.path(),
        &["analyze", "second.pcap", "--db", "b.db", "-q"],
    );
    let natural = alerts(dir.path());
    assert!(
        natural
            .iter()
            .all(|a| a["alert"]["severity"] != "high" && a["alert"]["severity"] != "critical"),
        "the real second half holds no first writes or new functions: {natural:#?}"
    );

    // A laptop at 141.81.0.200 reads the controller once and then writes a register.
    let laptop: ([u8; 4], MacAddr) = ([141, 81, 0, 200], [0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc]);
    let c = Endpoint::new(laptop.1, laptop.0.into(), 51000);
    let s = Endpoint::new(plc_mac, plc_ip.into(), 502);
    let mut tcp = TcpSession::new(c, s, 5, 7);
    let at = middle + 10 * SEC;
    let mut injected: Vec<(i64, Vec<u8>)> = tcp
        .open(at, 300)
        .into_iter()
        .map(|f| (f.ts_micros, f.frame))
        .collect();
    for (i, pdu) in [
        modbus::read_holding_registers_request(0, 4),
        modbus::write_single_register(3, 9),
    ]
    .iter()
    .enumerate()
    {
        let f = tcp.send(
            Side::Client,
            at + (i as i64 + 1) * SEC,
            &modbus::adu(i as u16, 1, pdu),
        );
        injected.push((f.ts_micros, f.frame));
    }
    let mut changed = second;
    changed.extend(injected);
    write_capture(&dir.path().join("changed.pcap"), changed);
    let before = natural.len();
    run(
        dir.path(),
        &["analyze", "changed.pcap", "--db", "b.db", "-q"],
    );
    let found: Vec<Value> = alerts(dir.path()).into_iter().skip(before).collect();
    let by_rule = |r: &str| {
        found
            .iter()
            .find(|a| a["alert"]["rule"] == r)
            .map(|a| &a["alert"])
    };
    let write = by_rule("baseline.write_where_only_reads").expect("the injected write");
    assert_eq!(write["severity"], "high");
    assert_eq!(write["src"], "141.81.0.200");
    assert_eq!(write["dst"], "141.81.0.46");
    assert!(write["evidence"][0]["capture"]
        .as_str()
        .unwrap()
        .ends_with("changed.pcap"));
    assert!(write["explanation"]
        .as_str()
        .unwrap()
        .contains("never talked to"));
    let edge = by_rule("baseline.new_edge").expect("the new path");
    assert_eq!(edge["techniques"], serde_json::json!(["T0848"]));
    assert_eq!(
        by_rule("baseline.new_asset").expect("the laptop")["src"],
        "141.81.0.200"
    );
    let highs: Vec<_> = found
        .iter()
        .filter(|a| a["alert"]["severity"] == "high")
        .collect();
    assert_eq!(highs.len(), 1, "only the write is high: {found:#?}");
}
