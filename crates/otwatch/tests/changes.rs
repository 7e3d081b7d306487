//! Change over time, end to end: two captures of one plant two weeks apart, analysed in
//! sequence into one database. Between them the PLC's firmware was updated, the
//! engineering workstation got a new address and a new name and started using DNS, a
//! laptop appeared and a device went quiet.

mod common;

use common::{otwatch, text};
use otwatch_sim::dhcp::DhcpMessage;
use otwatch_sim::frame::{arp_gratuitous, ipv4_udp, Endpoint, MacAddr, Side, TcpSession};
use otwatch_sim::{dns, modbus, pcap};
use serde_json::Value;
use std::net::Ipv4Addr;
use std::path::Path;

const PLC: MacAddr = [0x00, 0x80, 0xf4, 0x01, 0x00, 0x05];
const WORKSTATION: MacAddr = [0x00, 0x0c, 0x29, 0x01, 0x00, 0x0a];
const ROUTER: MacAddr = [0x00, 0x1b, 0x54, 0x01, 0x00, 0x01];
const DRIVE: MacAddr = [0x00, 0x0e, 0x8c, 0x01, 0x00, 0x14];
const LAPTOP: MacAddr = [0x3c, 0x22, 0xfb, 0x01, 0x00, 0x42];
const BROADCAST: MacAddr = [0xff; 6];

const SECOND: i64 = 1_000_000;
const DAY: i64 = 86_400 * SECOND;
/// 2026-03-02T08:00:00Z.
const MONDAY: i64 = 1_772_438_400 * SECOND;

fn ip(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 20, 1, last)
}

/// A Modbus client reads the PLC's identification (FC 43 / MEI 14) and a few registers.
fn modbus_poll(
    frames: &mut Vec<(i64, Vec<u8>)>,
    client: (MacAddr, Ipv4Addr, u16),
    firmware: &str,
    t: i64,
) {
    let mut s = TcpSession::new(
        Endpoint::new(client.0, client.1, client.2),
        Endpoint::new(PLC, ip(5), 502),
        1000,
        5000,
    );
    let mut at = t;
    let mut tick = || {
        at += 10_000;
        at
    };
    for f in s.open(tick(), 200) {
        frames.push((f.ts_micros, f.frame));
    }
    let exchanges = [
        (
            modbus::read_device_id_request(1, 0),
            modbus::read_device_id_response(
                1,
                0x01,
                &[
                    (0, "Schneider Electric"),
                    (1, "BMX P34 2020"),
                    (2, firmware),
                ],
            ),
        ),
        (
            modbus::read_holding_registers_request(0, 2),
            modbus::read_holding_registers_response(&[7, 9]),
        ),
    ];
    for (tid, (request, response)) in exchanges.into_iter().enumerate() {
        let tid = tid as u16 + 1;
        let f = s.send(Side::Client, tick(), &modbus::adu(tid, 1, &request));
        frames.push((f.ts_micros, f.frame));
        let f = s.send(Side::Server, tick(), &modbus::adu(tid, 1, &response));
        frames.push((f.ts_micros, f.frame));
    }
    for f in s.close(Side::Client, tick(), 200) {
        frames.push((f.ts_micros, f.frame));
    }
}

/// The workstation asks the DHCP server for its address, naming itself (option 12).
fn dhcp_request(frames: &mut Vec<(i64, Vec<u8>)>, name: &str, t: i64) {
    let request = DhcpMessage::client(3, 0x1234, WORKSTATION)
        .option(12, name.as_bytes())
        .encode();
    frames.push((
        t,
        ipv4_udp(
            WORKSTATION,
            BROADCAST,
            Ipv4Addr::UNSPECIFIED,
            Ipv4Addr::BROADCAST,
            68,
            67,
            1,
            64,
            &request,
        ),
    ));
}

fn write_capture(dir: &Path, name: &str, mut frames: Vec<(i64, Vec<u8>)>) -> String {
    frames.sort_by_key(|(ts, _)| *ts);
    let bytes = pcap::pcap_to_vec(frames.iter().map(|(ts, f)| (*ts, f.as_slice()))).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
    name.to_string()
}

/// Monday: the reference. The workstation (10.20.1.10, ENG-WS1) polls the PLC, whose
/// firmware is v2.1; the drive and the router announce themselves.
fn monday(dir: &Path) -> String {
    let mut frames = Vec::new();
    dhcp_request(&mut frames, "ENG-WS1", MONDAY);
    frames.push((MONDAY + SECOND, arp_gratuitous(ROUTER, ip(1))));
    frames.push((MONDAY + 2 * SECOND, arp_gratuitous(DRIVE, ip(20))));
    modbus_poll(
        &mut frames,
        (WORKSTATION, ip(10), 49152),
        "v2.1",
        MONDAY + 10 * SECOND,
    );
    write_capture(dir, "monday.pcap", frames)
}

/// Two weeks later: firmware v2.4; the workstation is 10.20.1.11 and ENG-WS2 and resolves
/// a name through the router; a laptop polls the PLC; the drive sent nothing.
fn two_weeks_later(dir: &Path) -> String {
    let t = MONDAY + 14 * DAY;
    let mut frames = Vec::new();
    dhcp_request(&mut frames, "ENG-WS2", t);
    frames.push((t + SECOND, arp_gratuitous(ROUTER, ip(1))));
    frames.push((
        t + 2 * SECOND,
        ipv4_udp(
            WORKSTATION,
            ROUTER,
            ip(11),
            ip(1),
            53001,
            53,
            2,
            64,
            &dns::query_a(7, "historian.plant.local"),
        ),
    ));
    frames.push((
        t + 2 * SECOND + 900,
        ipv4_udp(
            ROUTER,
            WORKSTATION,
            ip(1),
            ip(11),
            53,
            53001,
            3,
            64,
            &dns::response_a(7, "historian.plant.local", ip(30), 300),
        ),
    ));
    modbus_poll(
        &mut frames,
        (WORKSTATION, ip(11), 49200),
        "v2.4",
        t + 10 * SECOND,
    );
    modbus_poll(
        &mut frames,
        (LAPTOP, ip(66), 50000),
        "v2.4",
        t + 20 * SECOND,
    );
    write_capture(dir, "later.pcap", frames)
}

fn analyse(dir: &Path, capture: &str) -> String {
    let out = otwatch(&["analyze", capture, "--db", "a.db", "--quiet"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stderr)
}

fn changes(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["changes", "--db", "a.db", "--json"];
    args.extend_from_slice(extra);
    let out = otwatch(&args, dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn find<'a>(all: &'a [Value], kind: &str, asset: &str) -> Vec<&'a Value> {
    all.iter()
        .filter(|c| c["kind"] == kind && c["asset"] == asset)
        .collect()
}

fn key(mac: MacAddr) -> String {
    format!(
        "mac:{}",
        mac.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    )
}

#[test]
fn two_captures_in_sequence_record_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let first = monday(dir.path());
    let second = two_weeks_later(dir.path());

    let note = analyse(dir.path(), &first);
    assert!(note.contains("reference inventory"), "{note}");
    assert!(changes(dir.path(), &[]).is_empty());
    let listed = otwatch(&["changes", "--db", "a.db"], dir.path());
    assert!(
        text(&listed.stderr).contains("is the reference, and its assets are not listed as new"),
        "{}",
        text(&listed.stderr)
    );

    let note = analyse(dir.path(), &second);
    assert!(note.contains("changes: "), "{note}");
    let all = changes(dir.path(), &[]);
    let summary: Vec<String> = all
        .iter()
        .map(|c| format!("{} {} {}", c["kind"], c["asset"], c["field"]))
        .collect();

    assert!(all.iter().all(|c| c["schema"] == "otwatch.change/1"));
    // The PLC's firmware, with the MEI response as evidence.
    let fw = find(&all, "firmware_changed", &key(PLC));
    assert_eq!(fw.len(), 1, "{summary:#?}");
    assert_eq!(
        (fw[0]["old_value"].as_str(), fw[0]["new_value"].as_str()),
        (Some("v2.1"), Some("v2.4"))
    );
    assert_eq!(fw[0]["evidence"]["protocol"], "modbus");
    assert_eq!(fw[0]["evidence"]["capture"], second);
    assert!(fw[0]["evidence"]["frame"].as_u64().unwrap() > 0);
    assert!(fw[0]["ts"].as_i64().unwrap() > MONDAY + 14 * DAY);
    // Vendor and model are the same: no identity change.
    assert!(
        all.iter().all(|c| c["kind"] != "identity_changed"),
        "{summary:#?}"
    );

    // The workstation: new address, new name, new protocol.
    let ws = key(WORKSTATION);
    let moved = find(&all, "ip_changed", &ws);
    assert_eq!(moved.len(), 1, "{summary:#?}");
    assert_eq!(moved[0]["old_value"], "10.20.1.10");
    assert_eq!(moved[0]["new_value"], "10.20.1.11");
    let named = find(&all, "name_changed", &ws);
    assert_eq!(named.len(), 1, "{summary:#?}");
    assert_eq!(
        (
            named[0]["old_value"].as_str(),
            named[0]["new_value"].as_str()
        ),
        (Some("ENG-WS1"), Some("ENG-WS2"))
    );
    assert_eq!(named[0]["evidence"]["protocol"], "dhcp");
    let uses: Vec<_> = find(&all, "new_protocol", &ws)
        .into_iter()
        .filter_map(|c| c["new_value"].as_str())
        .collect();
    assert_eq!(uses, ["dns"], "{summary:#?}");
    let serves: Vec<_> = find(&all, "new_protocol", &key(ROUTER))
        .into_iter()
        .filter_map(|c| c["new_value"].as_str())
        .collect();
    assert_eq!(serves, ["dns/53"], "{summary:#?}");

    // The laptop is new; the PLC and the router are not.
    let new: Vec<_> = all
        .iter()
        .filter(|c| c["kind"] == "new_asset")
        .map(|c| c["asset"].as_str().unwrap())
        .collect();
    assert_eq!(new, [key(LAPTOP)], "{summary:#?}");

    // The drive sent nothing for two weeks (default threshold 7 days), dated when it crossed it.
    let quiet = find(&all, "not_seen", &key(DRIVE));
    assert_eq!(quiet.len(), 1, "{summary:#?}");
    assert_eq!(
        quiet[0]["ts"].as_i64().unwrap(),
        MONDAY + 2 * SECOND + 7 * DAY
    );
    assert_eq!(all.len(), 7, "{summary:#?}");

    // Filters.
    assert_eq!(
        changes(dir.path(), &["--kind", "firmware_changed"]).len(),
        1
    );
    assert_eq!(changes(dir.path(), &["--asset", "10.20.1.11"]).len(), 3);
    assert_eq!(
        changes(dir.path(), &["--since", "2026-03-16T08:00:15Z"])
            .iter()
            .filter(|c| c["kind"] == "new_asset")
            .count(),
        1
    );
    assert!(changes(dir.path(), &["--since", "1s", "--kind", "not_seen"]).is_empty());

    // Analysing the later capture again changes nothing more.
    let note = analyse(dir.path(), &second);
    assert!(note.contains("changes: none"), "{note}");
    assert_eq!(changes(dir.path(), &[]).len(), 7);

    // `otwatch asset` shows an asset's changes below its evidence.
    let shown = otwatch(&["asset", "10.20.1.5", "--db", "a.db"], dir.path());
    let shown = text(&shown.stdout);
    assert!(shown.contains("changes over time"), "{shown}");
    assert!(
        shown.contains("firmware_changed") && shown.contains("v2.4"),
        "{shown}"
    );

    // The table and CSV forms.
    let table = otwatch(&["changes", "--db", "a.db"], dir.path());
    let body = text(&table.stdout);
    assert!(
        body.contains("firmware_changed") && body.contains("v2.4"),
        "{body}"
    );
    let csv = otwatch(&["changes", "--db", "a.db", "--csv"], dir.path());
    let csv = text(&csv.stdout);
    assert!(
        csv.starts_with("id,run_id,asset_id,asset,time,kind"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 8);
}

#[test]
fn stale_threshold_from_the_flag_and_bad_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let first = monday(dir.path());
    let analyse_with = |threshold: &str| {
        let out = otwatch(
            &[
                "analyze",
                &first,
                "--db",
                "a.db",
                "--quiet",
                "--stale-after",
                threshold,
            ],
            dir.path(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    let quiet = |listed: &[Value]| -> Vec<(String, bool)> {
        listed
            .iter()
            .filter(|c| c["kind"] == "not_seen")
            .map(|c| (c["asset"].as_str().unwrap().to_string(), c["id"].is_null()))
            .collect()
    };
    // The router's and the drive's only frames are 1 s and 2 s into a capture whose
    // traffic runs 10 s: quiet for 5 s, not for the default 7 days.
    analyse_with("off");
    assert!(changes(dir.path(), &[]).is_empty());
    // Listing with a threshold shows what no run recorded, without an id.
    let computed = quiet(&changes(dir.path(), &["--stale-after", "5s"]));
    assert_eq!(
        computed,
        [(key(ROUTER), true), (key(DRIVE), true)],
        "{computed:?}"
    );
    // A run with that threshold records them, once.
    analyse_with("5s");
    analyse_with("5s");
    let recorded = quiet(&changes(dir.path(), &["--stale-after", "5s"]));
    assert_eq!(
        recorded,
        [(key(ROUTER), false), (key(DRIVE), false)],
        "{recorded:?}"
    );

    let bad = otwatch(
        &["changes", "--db", "a.db", "--stale-after", "7 days"],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("e.g. 90s"),
        "{}",
        text(&bad.stderr)
    );
    let bad = otwatch(&["changes", "--db", "a.db", "--kind", "moved"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("firmware_changed"),
        "{}",
        text(&bad.stderr)
    );
    let bad = otwatch(
        &["changes", "--db", "a.db", "--asset", "10.9.9.9"],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("otwatch assets"),
        "{}",
        text(&bad.stderr)
    );
    std::fs::write(
        dir.path().join("site.toml"),
        "[changes]\nstale_after = \"soon\"\n",
    )
    .unwrap();
    let bad = otwatch(
        &["analyze", &first, "--db", "b.db", "--config", "site.toml"],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("changes.stale_after"),
        "{}",
        text(&bad.stderr)
    );
}
