use super::*;
use crate::{RunRecord, Store};
use otwatch_model::{AssetProtocol, Attribute, IdentifiedBy, TransportProto};

const HOUR: Micros = 3_600_000_000;
const DAY: Micros = 24 * HOUR;

fn ev(protocol: &str, frame: u64, ts: Micros) -> Evidence {
    Evidence {
        protocol: protocol.into(),
        message: format!("{protocol} message"),
        capture: "plant.pcap".into(),
        frame,
        ts,
        confidence: 1.0,
    }
}

fn attr(name: &str, value: &str, protocol: &str, ts: Micros) -> Attribute {
    Attribute {
        name: name.into(),
        value: value.into(),
        evidence: ev(protocol, 10, ts),
    }
}

/// A Modbus PLC keyed by its MAC, seen at `ts` with this address and firmware.
fn plc(mac: &str, ip: &str, firmware: &str, ts: Micros) -> Asset {
    Asset {
        key: format!("mac:{mac}"),
        macs: vec![mac.into()],
        ips: vec![ip.parse().unwrap()],
        vendor: Some("Schneider Electric".into()),
        hostnames: vec![],
        internal: Some(true),
        first_seen: ts,
        last_seen: ts + 60_000_000,
        protocols: vec![AssetProtocol {
            protocol: "modbus".into(),
            role: ProtocolRole::Server,
            port: Some(502),
            transport: TransportProto::Tcp,
            identified_by: IdentifiedBy::Payload,
            first_seen: ts,
            last_seen: ts + 60_000_000,
            flows: 1,
        }],
        attributes: vec![
            attr("mac", mac, "ethernet", ts),
            attr("ip", ip, "arp", ts),
            attr("vendor", "Schneider Electric", "modbus", ts + 1),
            attr("firmware", firmware, "modbus", ts + 1),
        ],
        note: None,
        parent: None,
        position: None,
        identity: Default::default(),
        overrides: Default::default(),
    }
}

fn record(store: &mut Store, assets: &[Asset], stale_after: Option<Micros>) -> i64 {
    store
        .record_run_with(
            &RunRecord {
                summary_json: "{}",
                flows: &[],
                assets,
                edges: &[],
                functions: &[],
                events: &[],
            },
            &ChangeOptions { stale_after },
        )
        .unwrap()
}

fn listed(store: &Store) -> Vec<AssetChange> {
    store
        .changes(&ChangeFilter::default())
        .unwrap()
        .into_iter()
        .map(|c| c.change)
        .collect()
}

fn kinds(changes: &[AssetChange]) -> Vec<(ChangeKind, Option<&str>)> {
    changes
        .iter()
        .map(|c| (c.kind, c.field.as_deref()))
        .collect()
}

const MAC_A: &str = "00:80:f4:00:00:0a";
const MAC_B: &str = "00:80:f4:00:00:0b";

#[test]
fn the_first_run_into_an_empty_database_is_the_reference() {
    let mut store = Store::open_in_memory().unwrap();
    let run = record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.1", DAY)], None);
    assert!(listed(&store).is_empty());
    let reference = store.change_reference().unwrap().unwrap();
    assert_eq!((reference.run_id, reference.assets), (run, 1));
    // The same traffic again changes nothing.
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.1", DAY)], None);
    assert!(listed(&store).is_empty());
    assert_eq!(store.runs_compared().unwrap(), 1);
}

#[test]
fn new_asset_is_reported_with_its_first_frame() {
    let mut store = Store::open_in_memory().unwrap();
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.1", DAY)], None);
    record(&mut store, &[plc(MAC_B, "10.0.0.6", "V2.1", 2 * DAY)], None);
    let changes = listed(&store);
    assert_eq!(kinds(&changes), [(ChangeKind::NewAsset, None)]);
    let c = &changes[0];
    assert_eq!(c.asset, format!("mac:{MAC_B}"));
    assert_eq!((c.ts, c.evidence.protocol.as_str()), (2 * DAY, "ethernet"));
    assert!(c.detail.contains("10.0.0.6"), "{}", c.detail);
}

#[test]
fn firmware_change_is_reported_and_spelling_is_not() {
    let mut store = Store::open_in_memory().unwrap();
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.1", DAY)], None);
    record(
        &mut store,
        &[plc(MAC_A, "10.0.0.5", "v 2.1", 2 * DAY)],
        None,
    );
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "2.1", 2 * DAY)], None);
    assert!(listed(&store).is_empty(), "{:?}", listed(&store));
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.2", 3 * DAY)], None);
    let changes = listed(&store);
    assert_eq!(
        kinds(&changes),
        [(ChangeKind::FirmwareChanged, Some("firmware"))]
    );
    assert_eq!(changes[0].old_value.as_deref(), Some("V2.1"));
    assert_eq!(changes[0].new_value.as_deref(), Some("V2.2"));
    assert_eq!(changes[0].ts, 3 * DAY + 1);
}

#[test]
fn a_firmware_rolled_back_and_seen_again_is_one_change_each_way() {
    let mut store = Store::open_in_memory().unwrap();
    for (fw, day) in [("V2.1", 1), ("V2.2", 2), ("V2.1", 3), ("V2.1", 4)] {
        record(&mut store, &[plc(MAC_A, "10.0.0.5", fw, day * DAY)], None);
    }
    let changes = listed(&store);
    let steps: Vec<_> = changes
        .iter()
        .map(|c| (c.old_value.as_deref(), c.new_value.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [(Some("V2.1"), Some("V2.2")), (Some("V2.2"), Some("V2.1"))]
    );
}

#[test]
fn older_traffic_does_not_overturn_newer_facts() {
    let mut store = Store::open_in_memory().unwrap();
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.2", 5 * DAY)], None);
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.1", DAY)], None);
    assert!(listed(&store).is_empty(), "{:?}", listed(&store));
}

#[test]
fn a_restated_value_is_confirmed_so_older_traffic_cannot_overturn_it() {
    let mut store = Store::open_in_memory().unwrap();
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.1", DAY)], None);
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "2.1", 10 * DAY)], None);
    // Day 5 said V2.0, but day 10 had already confirmed V2.1.
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.0", 5 * DAY)], None);
    assert!(listed(&store).is_empty(), "{:?}", listed(&store));
    let rows: Vec<(String, i64)> = store
        .conn
        .prepare("SELECT value, ts FROM asset_current WHERE field = 'firmware'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(rows, [("V2.1".to_string(), 10 * DAY + 1)]);
}

#[test]
fn swapped_device_behind_a_router_changes_vendor_model_and_serial_but_not_by_oui() {
    let behind = |vendor: &str, model: &str, serial: &str, oui: &str, ts| Asset {
        key: "ip:172.16.1.20".into(),
        macs: vec![],
        attributes: vec![
            attr("ip", "172.16.1.20", "ip", ts),
            attr("vendor", oui, "oui", ts),
            attr("vendor", vendor, "enip", ts),
            attr("product_name", model, "enip", ts),
            attr("serial_number", serial, "enip", ts),
        ],
        ..plc(MAC_A, "172.16.1.20", "1.0", ts)
    };
    let mut store = Store::open_in_memory().unwrap();
    record(
        &mut store,
        &[behind(
            "Rockwell Automation/Allen-Bradley",
            "1756-ENBT/A",
            "0x001a2b3c",
            "Rockwell",
            DAY,
        )],
        None,
    );
    // Only the guess from the MAC prefix differs: no change.
    record(
        &mut store,
        &[behind(
            "Rockwell Automation/Allen-Bradley",
            "1756-ENBT/A",
            "0x001a2b3c",
            "Cisco",
            2 * DAY,
        )],
        None,
    );
    assert!(listed(&store).is_empty(), "{:?}", listed(&store));
    record(
        &mut store,
        &[behind(
            "Siemens AG",
            "S7-1200",
            "S C-X4U421302019",
            "Siemens",
            3 * DAY,
        )],
        None,
    );
    let changes = listed(&store);
    let mut fields: Vec<_> = changes.iter().map(|c| c.field.clone().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["model", "serial", "vendor"]);
    assert!(changes
        .iter()
        .all(|c| c.kind == ChangeKind::IdentityChanged));
}

#[test]
fn new_address_for_a_known_mac_and_an_address_moving_to_another_mac() {
    let mut store = Store::open_in_memory().unwrap();
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.1", DAY)], None);
    record(&mut store, &[plc(MAC_A, "10.0.0.7", "V2.1", 2 * DAY)], None);
    let changes = listed(&store);
    assert_eq!(kinds(&changes), [(ChangeKind::IpChanged, Some("ip"))]);
    assert_eq!(changes[0].old_value.as_deref(), Some("10.0.0.5"));
    assert_eq!(changes[0].new_value.as_deref(), Some("10.0.0.7"));

    // A replacement device takes over 10.0.0.7.
    record(&mut store, &[plc(MAC_B, "10.0.0.7", "V2.1", 3 * DAY)], None);
    let changes = listed(&store);
    assert_eq!(
        kinds(&changes[1..]),
        [
            (ChangeKind::NewAsset, None),
            (ChangeKind::IpChanged, Some("ip_moved"))
        ]
    );
    let moved = &changes[2];
    assert_eq!(
        moved.old_value.as_deref(),
        Some(format!("10.0.0.7 on {MAC_A}").as_str())
    );
    assert_eq!(moved.asset, format!("mac:{MAC_B}"));
    // The address went back: the old device holds it again, and that is a move too.
    record(&mut store, &[plc(MAC_A, "10.0.0.7", "V2.1", 4 * DAY)], None);
    let changes = listed(&store);
    assert_eq!(
        kinds(&changes[3..]),
        [(ChangeKind::IpChanged, Some("ip_moved"))]
    );
}

#[test]
fn an_address_used_by_two_macs_in_one_run_is_not_a_move() {
    let mut store = Store::open_in_memory().unwrap();
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.1", DAY)], None);
    record(
        &mut store,
        &[
            plc(MAC_A, "10.0.0.5", "V2.1", 2 * DAY),
            plc(MAC_B, "10.0.0.5", "V2.1", 2 * DAY),
        ],
        None,
    );
    assert_eq!(kinds(&listed(&store)), [(ChangeKind::NewAsset, None)]);
    // MAC A still holds it: A using it alone again is no move.
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.1", 3 * DAY)], None);
    assert_eq!(listed(&store).len(), 1, "{:?}", listed(&store));
}

#[test]
fn a_new_name_is_a_change_and_a_further_name_is_not() {
    let named = |names: &[&str], ts| {
        let mut a = plc(MAC_A, "10.0.0.5", "V2.1", ts);
        for n in names {
            a.attributes.push(attr("hostname", n, "dhcp", ts));
        }
        a
    };
    let mut store = Store::open_in_memory().unwrap();
    record(&mut store, &[named(&["PLC-1"], DAY)], None);
    record(
        &mut store,
        &[named(&["plc-1.plant.local", "PLC-1-NB"], 2 * DAY)],
        None,
    );
    record(&mut store, &[named(&["PLC-1-NB"], 3 * DAY)], None);
    assert!(listed(&store).is_empty(), "{:?}", listed(&store));
    record(&mut store, &[named(&["HMI-7"], 4 * DAY)], None);
    let changes = listed(&store);
    assert_eq!(
        kinds(&changes),
        [(ChangeKind::NameChanged, Some("hostname"))]
    );
    assert_eq!(changes[0].new_value.as_deref(), Some("HMI-7"));
}

#[test]
fn new_protocol_served_or_used_with_the_edge_as_evidence() {
    let mut store = Store::open_in_memory().unwrap();
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.1", DAY)], None);
    let mut later = plc(MAC_A, "10.0.0.5", "V2.1", 2 * DAY);
    later.protocols.push(AssetProtocol {
        protocol: "s7comm".into(),
        port: Some(102),
        ..later.protocols[0].clone()
    });
    later.protocols.push(AssetProtocol {
        protocol: "dns".into(),
        role: ProtocolRole::Client,
        port: None,
        transport: TransportProto::Udp,
        ..later.protocols[0].clone()
    });
    let edge = Edge {
        client: "mac:00:0c:29:00:00:01".into(),
        server: later.key.clone(),
        protocol: "s7comm".into(),
        transport: TransportProto::Tcp,
        server_port: Some(102),
        identified_by: IdentifiedBy::Payload,
        flows: 1,
        packets: 4,
        bytes: 300,
        first_seen: 2 * DAY + 5,
        last_seen: 2 * DAY + 9,
        first_capture: "later.pcap".into(),
        first_frame: 42,
    };
    let comparison = compare(&load_prior(&store.conn).unwrap(), &[later], &[edge]);
    let changes = comparison.changes;
    assert_eq!(
        kinds(&changes),
        [
            (ChangeKind::NewProtocol, Some("serves")),
            (ChangeKind::NewProtocol, Some("uses"))
        ]
    );
    assert_eq!(changes[0].new_value.as_deref(), Some("s7comm/102"));
    assert_eq!(
        (
            changes[0].evidence.capture.as_str(),
            changes[0].evidence.frame
        ),
        ("later.pcap", 42)
    );
    assert_eq!(changes[1].new_value.as_deref(), Some("dns"));
}

#[test]
fn not_seen_is_measured_against_the_latest_traffic_and_reported_once() {
    let mut store = Store::open_in_memory().unwrap();
    let quiet = plc(MAC_A, "10.0.0.5", "V2.1", DAY);
    let last_seen = quiet.last_seen;
    record(&mut store, &[quiet], Some(2 * DAY));
    record(
        &mut store,
        &[plc(MAC_B, "10.0.0.6", "V2.1", 2 * DAY)],
        Some(2 * DAY),
    );
    // One day later than A's last frame: not yet stale.
    assert_eq!(kinds(&listed(&store)), [(ChangeKind::NewAsset, None)]);
    record(
        &mut store,
        &[plc(MAC_B, "10.0.0.6", "V2.1", 5 * DAY)],
        Some(2 * DAY),
    );
    record(
        &mut store,
        &[plc(MAC_B, "10.0.0.6", "V2.1", 6 * DAY)],
        Some(2 * DAY),
    );
    let changes = listed(&store);
    assert_eq!(
        kinds(&changes[1..]),
        [(ChangeKind::NotSeen, Some("last_seen"))]
    );
    assert_eq!(changes[1].ts, last_seen + 2 * DAY);
    assert_eq!(changes[1].evidence.frame, 0);
    // A's traffic again.
    record(
        &mut store,
        &[plc(MAC_A, "10.0.0.5", "V2.1", 7 * DAY)],
        Some(2 * DAY),
    );
    let changes = listed(&store);
    assert_eq!(
        kinds(&changes[2..]),
        [(ChangeKind::SeenAgain, Some("last_seen"))]
    );
    assert_eq!(changes[2].ts, 7 * DAY);
}

#[test]
fn traffic_dated_in_the_future_does_not_make_everything_quiet() {
    let mut store = Store::open_in_memory().unwrap();
    let mut broken_clock = plc(MAC_B, "10.0.0.6", "V2.1", DAY);
    broken_clock.last_seen = 3_000_000_000 * 1_000_000; // 2065
    record(
        &mut store,
        &[plc(MAC_A, "10.0.0.5", "V2.1", DAY), broken_clock],
        Some(2 * DAY),
    );
    assert!(listed(&store).is_empty(), "{:?}", listed(&store));
    assert_eq!(store.latest_traffic().unwrap(), Some(DAY + 60_000_000));
}

#[test]
fn stale_listing_without_recording() {
    let rows = [
        ("mac:a", 0, None),
        ("mac:b", 9 * HOUR, None),
        ("mac:c", 0, Some(3 * HOUR)),
    ];
    let found = stale(
        rows.iter().map(|(k, l, r)| (*k, *l, *r)),
        10 * HOUR,
        2 * HOUR,
    );
    let keys: Vec<_> = found.iter().map(|c| c.asset.as_str()).collect();
    assert_eq!(keys, ["mac:a"]);
    assert!(found[0].detail.contains("10 h"), "{}", found[0].detail);
}

#[test]
fn normalised_spellings() {
    assert_eq!(normalise(Field::Firmware, " V3.2.6 "), "3.2.6");
    assert_eq!(normalise(Field::Firmware, "Version 3.2.6"), "3.2.6");
    assert_eq!(normalise(Field::Firmware, "vendor build"), "vendor build");
    assert_eq!(normalise(Field::Vendor, "SIEMENS AG"), "siemens");
    assert_eq!(normalise(Field::Vendor, "Acme, Inc."), "acme");
    assert_eq!(normalise(Field::Hostname, "PLC1.plant.local"), "plc1");
    assert_eq!(normalise(Field::Hostname, "10.0.0.5"), "10.0.0.5");
}

#[test]
fn an_older_database_starts_with_its_addresses_as_current() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        crate::migrations::migrate_to(&mut conn, &path, 4).unwrap();
        conn.execute_batch(
            "INSERT INTO runs (started_at, otwatch_version, summary_json) VALUES ('x', '0', '{}');
             INSERT INTO assets (key, first_seen, last_seen) VALUES ('mac:00:80:f4:00:00:0a', 1, 2);
             INSERT INTO asset_addresses VALUES (1, 'ip', '10.0.0.5');
             INSERT INTO asset_protocols VALUES (1, 'modbus', 'server', 502, 'tcp', 'payload', 1, 2, 1);",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    record(&mut store, &[plc(MAC_A, "10.0.0.5", "V2.1", DAY)], None);
    assert!(listed(&store).is_empty(), "{:?}", listed(&store));
    assert_eq!(store.change_reference().unwrap(), None);
}
