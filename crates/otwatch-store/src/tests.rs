use super::*;
use otwatch_model::TransportProto;

fn ev(frame: u64) -> Evidence {
    Evidence {
        protocol: "dhcp".into(),
        message: "DHCP REQUEST option 12 (host name)".into(),
        capture: "demo.pcap".into(),
        frame,
        ts: 100,
        confidence: 1.0,
    }
}

fn asset(first: i64, flows: u64) -> Asset {
    Asset {
        key: "mac:00:80:f4:01:02:03".into(),
        macs: vec!["00:80:f4:01:02:03".into()],
        ips: vec!["10.20.1.11".parse().unwrap()],
        vendor: Some("TELEMECANIQUE ELECTRIQUE".into()),
        hostnames: vec!["PLC-1".into()],
        internal: Some(true),
        first_seen: first,
        last_seen: first + 10,
        protocols: vec![AssetProtocol {
            protocol: "modbus".into(),
            role: ProtocolRole::Server,
            port: Some(502),
            transport: TransportProto::Tcp,
            identified_by: IdentifiedBy::Payload,
            first_seen: first,
            last_seen: first + 10,
            flows,
        }],
        attributes: vec![Attribute {
            name: "hostname".into(),
            value: "PLC-1".into(),
            evidence: ev(7),
        }],
        note: None,
        parent: None,
        position: None,
        identity: Default::default(),
        overrides: Default::default(),
    }
}

fn record(store: &mut Store, assets: &[Asset]) {
    store
        .record_run(&RunRecord {
            summary_json: "{}",
            flows: &[],
            assets,
            edges: &[],
            functions: &[],
            events: &[],
        })
        .unwrap();
}

#[test]
fn assets_merge_across_runs_with_evidence() {
    let mut store = Store::open_in_memory().unwrap();
    record(&mut store, &[asset(100, 2)]);
    record(&mut store, &[asset(50, 3)]);
    let assets = store.assets().unwrap();
    assert_eq!(assets.len(), 1);
    let (_, a) = &assets[0];
    assert_eq!(a.first_seen, 50);
    assert_eq!(a.protocols[0].flows, 5);
    assert_eq!(a.hostnames, vec!["PLC-1"]);
    assert_eq!(a.attributes[0].evidence.frame, 7);
}

#[test]
fn old_database_is_upgraded_not_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations::migrate_to(&mut conn, &path, 1).unwrap();
        conn.execute(
            "INSERT INTO assets (key, first_seen, last_seen) VALUES ('ip:10.0.0.9', 1, 2)",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        store.count("assets").unwrap(),
        1,
        "data from the old version is kept"
    );
}

#[test]
fn newer_or_foreign_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.db");
    Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let e = Store::open(&newer).err().unwrap().to_string();
    assert!(e.contains("newer otwatch") && e.contains("newer.db"), "{e}");

    let foreign = dir.path().join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE x (a)")
        .unwrap();
    let e = Store::open(&foreign).err().unwrap().to_string();
    assert!(e.contains("not an otwatch database"), "{e}");

    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "this is not sqlite, just a text file that is long enough to matter",
    )
    .unwrap();
    let e = Store::open(&text).err().unwrap().to_string();
    assert!(e.contains("notes.txt"), "{e}");
}

#[test]
fn function_addresses_widen_across_runs() {
    let mut store = Store::open_in_memory().unwrap();
    let mut write = |first: u64, last: u64, ts: i64| {
        let mut addresses = AddressRanges::default();
        addresses.add("holding_register", first, last);
        let f = FunctionAggregate {
            client: "mac:00:00:00:00:00:01".into(),
            server: "mac:00:80:f4:01:02:03".into(),
            protocol: "modbus".into(),
            function: "WRITE_MULTIPLE_REGISTERS".into(),
            count: 2,
            first_seen: ts,
            last_seen: ts + 5,
            addresses,
        };
        store
            .record_run(&RunRecord {
                summary_json: "{}",
                flows: &[],
                assets: &[],
                edges: &[],
                functions: &[f],
                events: &[],
            })
            .unwrap();
    };
    write(100, 109, 50);
    write(110, 119, 10);
    write(300, 300, 90);
    let stored = store.functions().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].count, 6);
    assert_eq!((stored[0].first_seen, stored[0].last_seen), (10, 95));
    assert_eq!(
        stored[0].addresses.to_text(),
        "holding_register 100-119,300"
    );
}

#[test]
fn a_device_behind_another_keeps_its_place_and_follows_its_front() {
    let mut store = Store::open_in_memory().unwrap();
    let gateway = asset(1, 1);
    let mut unit = Asset {
        key: format!("{}/unit:3", gateway.key),
        macs: Vec::new(),
        ips: Vec::new(),
        parent: Some(gateway.key.clone()),
        position: Some("Modbus unit 3".into()),
        ..asset(1, 0)
    };
    unit.hostnames.clear();
    unit.attributes.clear();
    let mut other = asset(1, 1);
    other.key = "mac:00:80:f4:09:09:09".into();
    other.ips = vec!["10.20.1.99".parse().unwrap()];
    // Recorded before its gateway and before an asset with a higher address: still listed
    // right after the gateway.
    record(&mut store, &[unit.clone(), other, gateway.clone()]);
    // A later run that does not say where it sits does not forget it.
    record(
        &mut store,
        &[Asset {
            parent: None,
            position: None,
            ..unit.clone()
        }],
    );
    let listed = store.assets().unwrap();
    let keys: Vec<_> = listed.iter().map(|(_, a)| a.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "mac:00:80:f4:01:02:03",
            "mac:00:80:f4:01:02:03/unit:3",
            "mac:00:80:f4:09:09:09"
        ]
    );
    let (_, stored) = &listed[1];
    assert_eq!(stored.parent.as_deref(), Some("mac:00:80:f4:01:02:03"));
    assert_eq!(stored.position.as_deref(), Some("Modbus unit 3"));
    assert_eq!(listed[0].1.parent, None);
}

#[test]
fn fused_identity_is_stored_and_loaded_back() {
    use otwatch_model::identity::{AssetRole, Fact, PurdueLevel};
    let mut store = Store::open_in_memory().unwrap();
    record(&mut store, &[asset(100, 2)]);
    let identity = AssetIdentity {
        model: Some(Box::new(Fact {
            value: "BMX P34 2020".into(),
            raw: None,
            evidence: ev(9),
        })),
        role: AssetRole::Controller,
        role_reasons: vec!["answers modbus on 502/tcp: controller".into()],
        purdue_level: Some(PurdueLevel::BasicControl),
        ..Default::default()
    };
    store
        .set_identities([("mac:00:80:f4:01:02:03", &identity)])
        .unwrap();
    let assets = store.assets().unwrap();
    assert_eq!(assets[0].1.identity, identity);
    let (role, level, model): (String, String, String) = store
        .conn
        .query_row("SELECT role, purdue_level, model FROM assets", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(
        (role.as_str(), level.as_str(), model.as_str()),
        ("controller", "1", "BMX P34 2020")
    );
    // A later run keeps the stored identity until it is fused again.
    record(&mut store, &[asset(50, 1)]);
    assert_eq!(store.assets().unwrap()[0].1.identity, identity);
}
