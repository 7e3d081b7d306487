use super::*;
use crate::RunRecord;
use otwatch_model::{
    Asset, AssetProtocol, Attribute, Evidence, IdentifiedBy, ProtocolRole, TransportProto,
};

fn ev(protocol: &str, frame: u64) -> Evidence {
    Evidence {
        protocol: protocol.into(),
        message: format!("{protocol} message"),
        capture: "c.pcap".into(),
        frame,
        ts: frame as i64,
        confidence: 1.0,
    }
}

/// One MAC-keyed asset with the given IPs, each with its "ip" fact, serving Modbus.
fn asset(mac: &str, ips: &[&str], seen: i64) -> Asset {
    let mut attributes = vec![Attribute {
        name: "mac".into(),
        value: mac.into(),
        evidence: ev("ethernet", 1),
    }];
    for ip in ips {
        attributes.push(Attribute {
            name: "ip".into(),
            value: ip.to_string(),
            evidence: ev("arp", 2),
        });
    }
    Asset {
        key: format!("mac:{mac}"),
        macs: vec![mac.into()],
        ips: ips.iter().map(|i| i.parse().unwrap()).collect(),
        vendor: None,
        hostnames: Vec::new(),
        internal: Some(true),
        first_seen: seen,
        last_seen: seen + 10,
        protocols: vec![AssetProtocol {
            protocol: "modbus".into(),
            role: ProtocolRole::Server,
            port: Some(502),
            transport: TransportProto::Tcp,
            identified_by: IdentifiedBy::Payload,
            first_seen: seen,
            last_seen: seen + 10,
            flows: 1,
        }],
        attributes,
        note: None,
        parent: None,
        position: None,
        identity: Default::default(),
        overrides: Default::default(),
    }
}

fn edge(client: &str, server: &str) -> Edge {
    Edge {
        client: client.into(),
        server: server.into(),
        protocol: "modbus".into(),
        transport: TransportProto::Tcp,
        server_port: Some(502),
        identified_by: IdentifiedBy::Payload,
        flows: 1,
        packets: 4,
        bytes: 200,
        first_seen: 5,
        last_seen: 6,
        first_capture: "c.pcap".into(),
        first_frame: 3,
    }
}

fn function(server: &str) -> FunctionAggregate {
    FunctionAggregate {
        client: "mac:00:00:00:00:00:0d".into(),
        server: server.into(),
        protocol: "modbus".into(),
        function: "READ_HOLDING_REGISTERS".into(),
        count: 3,
        first_seen: 5,
        last_seen: 6,
        addresses: Default::default(),
    }
}

fn run(store: &mut Store, assets: &[Asset], edges: &[Edge]) {
    let functions: Vec<FunctionAggregate> = edges.iter().map(|e| function(&e.server)).collect();
    store
        .record_run(&RunRecord {
            summary_json: "{}",
            flows: &[],
            assets,
            edges,
            functions: &functions,
            events: &[],
        })
        .unwrap();
}

fn id_of(store: &Store, key: &str) -> i64 {
    store
        .assets()
        .unwrap()
        .into_iter()
        .find(|(_, a)| a.key == key)
        .unwrap_or_else(|| panic!("no {key}"))
        .0
}

fn plant() -> (Vec<Asset>, Vec<Edge>) {
    let a = asset("00:00:00:00:00:0a", &["10.0.0.1"], 100);
    let b = asset("00:00:00:00:00:0b", &["10.0.0.2"], 50);
    let gw = asset("00:00:00:00:00:0c", &["10.0.0.3", "10.0.0.4"], 100);
    let hmi = asset("00:00:00:00:00:0d", &["10.0.0.9"], 100);
    let edges = vec![
        edge("mac:00:00:00:00:00:0d", "mac:00:00:00:00:00:0a"),
        edge("mac:00:00:00:00:00:0d", "mac:00:00:00:00:00:0b"),
    ];
    (vec![a, b, gw, hmi], edges)
}

#[test]
fn edits_are_stored_loaded_and_audited() {
    let mut store = Store::open_in_memory().unwrap();
    let (assets, edges) = plant();
    run(&mut store, &assets, &edges);
    let a = id_of(&store, "mac:00:00:00:00:00:0a");
    let done = store
        .edit_asset(
            a,
            "alice",
            &[
                (OverrideField::Owner, Some("Process team".into())),
                (OverrideField::Role, Some("controller".into())),
                (OverrideField::PurdueLevel, Some("1".into())),
                (OverrideField::Decommissioned, Some("true".into())),
            ],
        )
        .unwrap();
    assert_eq!(done.len(), 4);
    // Setting the same value again changes nothing and records nothing.
    let again = store
        .edit_asset(
            a,
            "bob",
            &[
                (OverrideField::Owner, Some("Maintenance".into())),
                (OverrideField::Role, Some("controller".into())),
                (OverrideField::Decommissioned, None),
            ],
        )
        .unwrap();
    assert_eq!(again.len(), 2);
    assert_eq!(again[0].old.as_deref(), Some("Process team"));
    assert_eq!(again[0].new.as_deref(), Some("Maintenance"));
    assert_eq!(again[1].field, "decommissioned");
    assert_eq!(again[1].old.as_deref(), Some("true"));
    assert_eq!(again[1].new, None);

    // A later analysis leaves the corrections alone.
    run(&mut store, &assets, &edges);
    let (_, shown) = store
        .assets()
        .unwrap()
        .into_iter()
        .find(|(id, _)| *id == a)
        .unwrap();
    assert_eq!(shown.overrides.owner.as_deref(), Some("Maintenance"));
    assert_eq!(shown.overrides.role, Some(AssetRole::Controller));
    assert_eq!(
        shown.overrides.purdue_level,
        Some(PurdueLevel::BasicControl)
    );
    assert_eq!(shown.overrides.decommissioned, None);
    let history = store.history(a).unwrap();
    assert_eq!(history.len(), 6);
    assert_eq!(history[0].by, "alice");
    assert_eq!(history[5].by, "bob");
    assert!(history
        .iter()
        .all(|c| c.at.ends_with('Z') && c.action == "edit"));
    assert!(matches!(
        store.edit_asset(999, "x", &[(OverrideField::Owner, None)]),
        Err(StoreError::Refused { .. })
    ));
}

#[test]
fn a_merge_holds_across_later_analyses() {
    let mut store = Store::open_in_memory().unwrap();
    let (assets, edges) = plant();
    run(&mut store, &assets, &edges);
    let a = id_of(&store, "mac:00:00:00:00:00:0a");
    let b = id_of(&store, "mac:00:00:00:00:00:0b");
    store
        .edit_asset(
            b,
            "alice",
            &[(OverrideField::Location, Some("Hall 2".into()))],
        )
        .unwrap();
    let done = store.merge_assets(a, b, "bob").unwrap();
    assert_eq!(done.len(), 2, "B's location fills A's gap, then the merge");
    assert!(matches!(
        store.merge_assets(a, a, "bob"),
        Err(StoreError::Refused { .. })
    ));

    let check = |store: &Store, flows: u64| {
        let all = store.assets().unwrap();
        assert_eq!(all.len(), 3);
        let (_, m) = all.iter().find(|(id, _)| *id == a).unwrap();
        assert_eq!(m.macs, vec!["00:00:00:00:00:0a", "00:00:00:00:00:0b"]);
        assert_eq!(m.ips.len(), 2);
        assert_eq!(m.first_seen, 50);
        assert_eq!(m.protocols[0].flows, flows);
        assert_eq!(m.overrides.location.as_deref(), Some("Hall 2"));
        let edges = store.edges().unwrap();
        assert_eq!(edges.len(), 1, "{edges:#?}");
        assert_eq!(edges[0].server, "mac:00:00:00:00:00:0a");
        assert_eq!(edges[0].flows, flows);
        let functions = store.functions().unwrap();
        assert_eq!(functions.len(), 1, "{functions:#?}");
        assert_eq!(functions[0].server, "mac:00:00:00:00:00:0a");
        assert_eq!(functions[0].count, flows * 3);
    };
    check(&store, 2);
    // The next analysis still sees two MACs; they go into one asset.
    run(&mut store, &assets, &edges);
    check(&store, 4);
    assert_eq!(
        store.asset_for_merged_key("mac:00:00:00:00:00:0b").unwrap(),
        Some(a)
    );
    let history = store.history(a).unwrap();
    let actions: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|c| (c.action.as_str(), c.field.as_str(), c.by.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("edit", "location", "alice"),
            ("merge", "location", "bob"),
            ("merge", "asset", "bob")
        ]
    );
}

#[test]
fn a_split_holds_across_later_analyses() {
    let mut store = Store::open_in_memory().unwrap();
    let (assets, edges) = plant();
    run(&mut store, &assets, &edges);
    let gw = id_of(&store, "mac:00:00:00:00:00:0c");
    assert!(matches!(
        store.split_asset(gw, AddressKind::Ip, "10.0.0.7", "carol"),
        Err(StoreError::Refused { .. })
    ));
    assert!(matches!(
        store.split_asset(gw, AddressKind::Mac, "00:00:00:00:00:0c", "carol"),
        Err(StoreError::Refused { .. })
    ));
    let (new, done) = store
        .split_asset(gw, AddressKind::Ip, "10.0.0.4", "carol")
        .unwrap();
    assert_eq!(done.len(), 2);
    let check = |store: &Store| {
        let all = store.assets().unwrap();
        assert_eq!(all.len(), 5);
        let (_, old) = all.iter().find(|(id, _)| *id == gw).unwrap();
        let (_, split) = all.iter().find(|(id, _)| *id == new).unwrap();
        assert_eq!(old.ips, vec!["10.0.0.3".parse::<IpAddr>().unwrap()]);
        assert!(old.attributes.iter().all(|at| at.value != "10.0.0.4"));
        assert_eq!(split.key, "ip:10.0.0.4");
        assert_eq!(split.ips, vec!["10.0.0.4".parse::<IpAddr>().unwrap()]);
        assert_eq!(
            split
                .attributes
                .iter()
                .map(|at| at.name.as_str())
                .collect::<Vec<_>>(),
            vec!["ip"]
        );
    };
    check(&store);
    run(&mut store, &assets, &edges);
    check(&store);
    let history = store.history(new).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].old.as_deref(),
        Some("asset 3 (mac:00:00:00:00:00:0c)")
    );
    assert_eq!(
        store.history(gw).unwrap()[0].new.as_deref().unwrap(),
        format!("moved to asset {new} (ip:10.0.0.4)")
    );
}

#[test]
fn devices_behind_a_merged_record_move_to_the_kept_one() {
    let mut store = Store::open_in_memory().unwrap();
    let (mut assets, edges) = plant();
    // A Modbus unit behind B, as the inventory writes it.
    let mut unit = asset("00:00:00:00:00:0b", &[], 50);
    unit.key = "mac:00:00:00:00:00:0b/unit:2".into();
    unit.macs.clear();
    unit.attributes.clear();
    unit.parent = Some("mac:00:00:00:00:00:0b".into());
    unit.position = Some("unit 2".into());
    assets.push(unit);
    run(&mut store, &assets, &edges);
    let a = id_of(&store, "mac:00:00:00:00:00:0a");
    let b = id_of(&store, "mac:00:00:00:00:00:0b");
    store.merge_assets(a, b, "bob").unwrap();

    let parent_of_unit = |store: &Store| {
        let all = store.assets().unwrap();
        let (_, u) = all
            .iter()
            .find(|(_, x)| x.key == "mac:00:00:00:00:00:0b/unit:2")
            .expect("the unit stays an asset of its own");
        u.parent.clone()
    };
    assert_eq!(
        parent_of_unit(&store).as_deref(),
        Some("mac:00:00:00:00:00:0a")
    );
    // The next analysis still names B as the front; the unit stays behind A.
    run(&mut store, &assets, &edges);
    assert_eq!(
        parent_of_unit(&store).as_deref(),
        Some("mac:00:00:00:00:00:0a")
    );
}
