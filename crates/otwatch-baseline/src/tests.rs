use super::*;
use crate::compare::outside;
use otwatch_model::alert::Severity;
use otwatch_model::identity::AssetRole;
use otwatch_model::{Edge, FlowRecord, IdentifiedBy, TransportProto};

const MIN: Micros = 60_000_000;

fn asset(key: &str, ip: &str, role: AssetRole) -> Asset {
    let mut a = Asset {
        key: key.into(),
        macs: Vec::new(),
        ips: vec![ip.parse().unwrap()],
        vendor: None,
        hostnames: Vec::new(),
        internal: Some(true),
        first_seen: 0,
        last_seen: 10 * MIN,
        protocols: Vec::new(),
        attributes: Vec::new(),
        note: None,
        parent: None,
        position: None,
        identity: Default::default(),
        overrides: Default::default(),
    };
    a.identity.role = role;
    a
}

fn edge(client: &str, server: &str, protocol: &str, first: Micros) -> Edge {
    Edge {
        client: client.into(),
        server: server.into(),
        protocol: protocol.into(),
        transport: TransportProto::Tcp,
        server_port: Some(502),
        identified_by: IdentifiedBy::Payload,
        flows: 1,
        packets: 10,
        bytes: 1000,
        first_seen: first,
        last_seen: first + 10 * MIN,
        first_capture: "run.pcap".into(),
        first_frame: 7,
    }
}

fn func(client: &str, server: &str, function: &str, count: u64, span: Micros) -> FunctionAggregate {
    let mut addresses = AddressRanges::default();
    addresses.add("holding_register", 0, 9);
    FunctionAggregate {
        client: client.into(),
        server: server.into(),
        protocol: "modbus".into(),
        function: function.into(),
        count,
        first_seen: MIN,
        last_seen: MIN + span,
        addresses,
    }
}

fn flow(orig: &str, resp: &str, first: Micros, last: Micros, frame: u64) -> FlowRecord {
    FlowRecord {
        uid: format!("C{frame}"),
        first_ts: first,
        last_ts: last,
        orig_h: orig.parse().unwrap(),
        orig_p: 40000,
        resp_h: resp.parse().unwrap(),
        resp_p: 502,
        transport: TransportProto::Tcp,
        ip_proto: 6,
        vlan: None,
        inner_vlan: None,
        orig_mac: None,
        resp_mac: None,
        service: Some("modbus".into()),
        service_identified_by: Some(IdentifiedBy::Payload),
        orig_pkts: 10,
        orig_ip_bytes: 500,
        resp_pkts: 10,
        resp_ip_bytes: 500,
        orig_bytes: 100,
        resp_bytes: 100,
        conn_state: "SF".into(),
        history: "ShADadFf".into(),
        missed_bytes: 0,
        acked_unseen_bytes: 0,
        local_orig: None,
        local_resp: None,
        orig_is_server: false,
        first_capture: "run.pcap".into(),
        first_frame: frame,
    }
}

struct Plant {
    assets: Vec<Asset>,
    edges: Vec<Edge>,
    functions: Vec<FunctionAggregate>,
    flows: Vec<FlowRecord>,
    events: Vec<otwatch_model::ProtocolEvent>,
}

impl Plant {
    /// An HMI polling a PLC's holding registers 0-9 once a second for ten minutes.
    fn normal() -> Plant {
        Plant {
            assets: vec![
                asset("ip:10.0.0.1", "10.0.0.1", AssetRole::Hmi),
                asset("ip:10.0.0.2", "10.0.0.2", AssetRole::Controller),
            ],
            edges: vec![edge("ip:10.0.0.1", "ip:10.0.0.2", "modbus", 0)],
            functions: vec![func(
                "ip:10.0.0.1",
                "ip:10.0.0.2",
                "READ_HOLDING_REGISTERS",
                601,
                10 * MIN,
            )],
            flows: vec![flow("10.0.0.1", "10.0.0.2", 0, 11 * MIN, 3)],
            events: Vec::new(),
        }
    }

    fn run(&self) -> RunData<'_> {
        RunData {
            assets: &self.assets,
            edges: &self.edges,
            functions: &self.functions,
            flows: &self.flows,
            events: &self.events,
        }
    }
}

fn learned() -> Baseline {
    Baseline::learn(&Plant::normal().run())
}

fn rules(alerts: &[Alert]) -> Vec<&str> {
    alerts.iter().map(|a| a.rule.as_str()).collect()
}

#[test]
fn learning_records_assets_edges_functions_and_cadence() {
    let b = learned();
    assert_eq!(b.assets.len(), 2);
    assert_eq!(b.asset("ip:10.0.0.2").unwrap().role, "controller");
    assert!(b.edge("ip:10.0.0.1", "ip:10.0.0.2", "modbus").is_some());
    let f = b
        .function(
            "ip:10.0.0.1",
            "ip:10.0.0.2",
            "modbus",
            "READ_HOLDING_REGISTERS",
        )
        .unwrap();
    assert!(!f.write);
    assert_eq!(f.addresses.to_text(), "holding_register 0-9");
    let c = f.cadence_stats().unwrap();
    assert!((c.median - 60.0).abs() < 1e-9, "{c:?}");
    assert_eq!(c.spread, 0.0);
}

#[test]
fn absorbing_more_sources_widens_cadence_and_ranges() {
    let mut b = learned();
    let mut p = Plant::normal();
    p.functions[0].count = 301; // 30 a minute
    p.functions[0].addresses.add("holding_register", 20, 29);
    b.absorb(&p.run());
    b.absorb(&Plant::normal().run());
    let f = &b.functions[0];
    assert_eq!(f.cadence.len(), 3);
    let c = f.cadence_stats().unwrap();
    assert_eq!(c.median, 60.0);
    assert_eq!(c.spread, 0.0);
    assert_eq!(f.addresses.to_text(), "holding_register 0-9,20-29");
    assert_eq!(f.count, 601 + 301 + 601);
}

#[test]
fn the_same_traffic_raises_nothing() {
    let p = Plant::normal();
    assert!(compare(&learned(), &p.run()).is_empty());
    assert!(
        compare(&Baseline::default(), &p.run()).is_empty(),
        "no baseline, no alerts"
    );
}

#[test]
fn a_new_host_polling_is_a_new_asset_and_a_new_edge() {
    let mut p = Plant::normal();
    p.assets
        .push(asset("ip:10.0.0.9", "10.0.0.9", AssetRole::Unknown));
    p.edges
        .push(edge("ip:10.0.0.9", "ip:10.0.0.2", "modbus", 5 * MIN));
    p.functions.push(func(
        "ip:10.0.0.9",
        "ip:10.0.0.2",
        "READ_HOLDING_REGISTERS",
        5,
        MIN,
    ));
    p.flows
        .push(flow("10.0.0.9", "10.0.0.2", 5 * MIN, 6 * MIN, 40));
    let alerts = compare(&learned(), &p.run());
    assert_eq!(
        rules(&alerts),
        ["baseline.new_asset", "baseline.new_edge"],
        "{alerts:#?}"
    );
    let asset = &alerts[0];
    assert_eq!(asset.severity, Severity::Medium);
    assert_eq!(asset.assets, ["ip:10.0.0.9"]);
    assert_eq!(asset.evidence[0].frame, 40);
    assert_eq!(asset.subject, "", "deduplicated by the asset alone");
    assert_eq!(
        asset.techniques,
        ["T0864"],
        "a new host acting on a controller"
    );
    let edge = &alerts[1];
    assert_eq!(
        edge.techniques,
        ["T0848"],
        "new master polling a controller"
    );
    assert_eq!(edge.subject, "modbus");
    assert_eq!(
        (edge.evidence[0].capture.as_str(), edge.evidence[0].frame),
        ("run.pcap", 7)
    );
    assert!(edge.explanation.contains("10.0.0.9"));
}

#[test]
fn a_write_where_only_reads_were_seen_is_high_on_a_controller() {
    let mut p = Plant::normal();
    let mut w = func(
        "ip:10.0.0.1",
        "ip:10.0.0.2",
        "WRITE_SINGLE_REGISTER",
        2,
        MIN,
    );
    w.first_seen = 4 * MIN;
    p.functions.push(w);
    let alerts = compare(&learned(), &p.run());
    assert_eq!(rules(&alerts), ["baseline.write_where_only_reads"]);
    let a = &alerts[0];
    assert_eq!(a.severity, Severity::High);
    assert_eq!(a.techniques, ["T0855"]);
    assert_eq!(a.subject, "modbus | WRITE_SINGLE_REGISTER");
    assert_eq!(a.src, Some("10.0.0.1".parse().unwrap()));
    assert_eq!(a.evidence[0].ts, 4 * MIN);
    assert_eq!(a.evidence[0].flow_uid.as_deref(), Some("C3"));
    assert!(
        a.explanation.contains("only read from"),
        "{}",
        a.explanation
    );

    // A protocol event at the first request gives its own frame.
    p.events.push(otwatch_model::ProtocolEvent {
        ts: 4 * MIN,
        flow_uid: Some("C3".into()),
        protocol: "modbus".into(),
        kind: "modbus_write".into(),
        src: Some("10.0.0.1".parse().unwrap()),
        dst: Some("10.0.0.2".parse().unwrap()),
        detail: "register 0".into(),
        capture: "run.pcap".into(),
        frame: 123,
    });
    let a = &compare(&learned(), &p.run())[0];
    assert_eq!(a.evidence[0].frame, 123);
    assert!(a.evidence[0].detail.ends_with("(modbus_write: register 0)"));

    // The same write to an HMI is worth less.
    let mut b = learned();
    b.assets[1].role = "hmi".into();
    p.assets[1].identity.role = AssetRole::Hmi;
    assert_eq!(compare(&b, &p.run())[0].severity, Severity::Medium);
}

#[test]
fn a_new_read_function_is_a_new_function_and_a_known_writer_writing_anew_too() {
    let mut p = Plant::normal();
    p.functions
        .push(func("ip:10.0.0.1", "ip:10.0.0.2", "REPORT_SLAVE_ID", 1, 0));
    let alerts = compare(&learned(), &p.run());
    assert_eq!(rules(&alerts), ["baseline.new_function"]);
    assert_eq!(alerts[0].severity, Severity::High);
    assert!(alerts[0].techniques.is_empty());
    assert!(alerts[0].explanation.contains("READ_HOLDING_REGISTERS"));

    // A client that already wrote to the controller writing with another function is a
    // new function, not a first write.
    let mut base = Plant::normal();
    base.functions.push(func(
        "ip:10.0.0.1",
        "ip:10.0.0.2",
        "WRITE_SINGLE_REGISTER",
        20,
        10 * MIN,
    ));
    let b = Baseline::learn(&base.run());
    let mut p = Plant::normal();
    p.functions.push(func(
        "ip:10.0.0.1",
        "ip:10.0.0.2",
        "WRITE_MULTIPLE_REGISTERS",
        1,
        0,
    ));
    let alerts = compare(&b, &p.run());
    // The learned single-register writes (two a minute) stopped on the busy path too.
    assert_eq!(
        rules(&alerts),
        ["baseline.new_function", "baseline.cadence"]
    );
    assert_eq!(alerts[0].techniques, ["T0855"]);
    assert_eq!(alerts[1].subject, "modbus | WRITE_SINGLE_REGISTER");
}

#[test]
fn addresses_outside_the_learned_ranges() {
    let mut p = Plant::normal();
    p.functions[0].addresses.add("holding_register", 5, 14);
    p.functions[0].addresses.add("input_register", 1, 1);
    let alerts = compare(&learned(), &p.run());
    assert_eq!(rules(&alerts), ["baseline.address_outside"]);
    let a = &alerts[0];
    assert_eq!(a.severity, Severity::Medium);
    assert_eq!(a.techniques, ["T0861"]);
    assert_eq!(
        a.subject,
        "modbus | READ_HOLDING_REGISTERS | holding_register 10-14; input_register 1"
    );

    let mut seen = AddressRanges::default();
    seen.add("coil", 0, 100);
    let mut known = AddressRanges::default();
    known.add("coil", 10, 19);
    known.add("coil", 30, 39);
    assert_eq!(outside(&seen, &known).to_text(), "coil 0-9,20-29,40-100");
    assert!(outside(&known, &seen).is_empty());
}

#[test]
fn a_cadence_break_either_way() {
    let b = learned();
    let mut fast = Plant::normal();
    fast.functions[0].count = 1201; // 120 a minute instead of 60
    let alerts = compare(&b, &fast.run());
    assert_eq!(rules(&alerts), ["baseline.cadence"]);
    assert_eq!(alerts[0].severity, Severity::Low);
    assert!(alerts[0].evidence[0]
        .detail
        .starts_with("120.000 requests/min"));
    assert!(alerts[0].explanation.contains("faster"));

    let mut slow = Plant::normal();
    slow.functions[0].count = 201;
    assert!(compare(&b, &slow.run())[0].explanation.contains("slower"));

    // Within the tolerance, and too short to judge: nothing.
    let mut near = Plant::normal();
    near.functions[0].count = 700;
    assert!(compare(&b, &near.run()).is_empty());
    let mut short = Plant::normal();
    short.functions[0].count = 50;
    short.functions[0].last_seen = short.functions[0].first_seen + MIN / 2;
    assert!(compare(&b, &short.run()).is_empty());
}

#[test]
fn accepting_alerts_makes_them_normal() {
    let mut p = Plant::normal();
    p.assets
        .push(asset("ip:10.0.0.9", "10.0.0.9", AssetRole::Unknown));
    p.edges
        .push(edge("ip:10.0.0.9", "ip:10.0.0.2", "modbus", 5 * MIN));
    p.functions.push(func(
        "ip:10.0.0.9",
        "ip:10.0.0.2",
        "READ_HOLDING_REGISTERS",
        5,
        MIN,
    ));
    p.functions.push(func(
        "ip:10.0.0.1",
        "ip:10.0.0.2",
        "WRITE_SINGLE_REGISTER",
        2,
        MIN,
    ));
    p.functions[0].addresses.add("holding_register", 50, 59);
    p.functions[0].count = 1201;
    let mut b = learned();
    let alerts = compare(&b, &p.run());
    assert_eq!(alerts.len(), 5, "{:?}", rules(&alerts));
    for a in &alerts {
        b.accept(a).unwrap_or_else(|e| panic!("{}: {e}", a.rule));
    }
    // The cadence now has samples 60 and 120: median 90, tolerance 45, so 120 is normal.
    let again = compare(&b, &p.run());
    assert!(again.is_empty(), "{again:#?}");

    let mut foreign = alerts[0].clone();
    foreign.rule = "ot.plc_stop".into();
    assert!(b
        .accept(&foreign)
        .unwrap_err()
        .0
        .contains("not a baseline rule"));
}

#[test]
fn a_new_client_reaching_many_servers_is_discovery() {
    let mut p = Plant::normal();
    p.assets
        .push(asset("ip:10.0.0.9", "10.0.0.9", AssetRole::ItHost));
    for i in 10..16 {
        let server = format!("ip:10.0.0.{i}");
        p.assets
            .push(asset(&server, &format!("10.0.0.{i}"), AssetRole::Unknown));
        p.edges
            .push(edge("ip:10.0.0.9", &server, "modbus", 5 * MIN));
    }
    let alerts = compare(&learned(), &p.run());
    let edges: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.rule == "baseline.new_edge")
        .collect();
    assert_eq!(edges.len(), 6);
    for e in &edges {
        // No functions were requested: no rogue master, but a sweep.
        assert_eq!(e.techniques, ["T0846"]);
        assert!(e.explanation.contains("new paths to 6 servers"));
    }
    let new_client = alerts.iter().find(|a| a.assets == ["ip:10.0.0.9"]).unwrap();
    assert!(
        new_client.techniques.is_empty(),
        "it requested nothing of the controllers"
    );
}

#[test]
fn a_baseline_out_of_key_order_is_still_searched_right() {
    let mut p = Plant::normal();
    p.assets
        .push(asset("ip:10.0.0.0", "10.0.0.0", AssetRole::Hmi));
    let mut b = Baseline::learn(&p.run());
    b.assets.reverse();
    assert!(!b.is_sorted());
    assert!(compare(&b, &p.run()).is_empty());
    b.absorb(&p.run());
    assert!(b.is_sorted());
    assert_eq!(b.assets.len(), 3);
}

#[test]
fn a_broadcast_destination_is_no_controller() {
    let mut p = Plant::normal();
    p.edges.push(edge(
        "ip:10.0.0.1",
        "net:255.255.255.255",
        "bacnet",
        5 * MIN,
    ));
    let mut who_is = func("ip:10.0.0.1", "net:255.255.255.255", "whoIs", 3, MIN);
    who_is.protocol = "bacnet".into();
    p.functions.push(who_is);
    let alerts = compare(&learned(), &p.run());
    assert_eq!(rules(&alerts), ["baseline.new_edge"]);
    assert!(
        alerts[0].techniques.is_empty(),
        "{:?}",
        alerts[0].techniques
    );
    assert_eq!(alerts[0].dst, Some("255.255.255.255".parse().unwrap()));
}

#[test]
fn functions_ride_on_edges_named_by_their_protocol_stack() {
    assert!(crate::compare::carries("cotp,s7comm", "s7comm"));
    assert!(!crate::compare::carries("cotp,s7comm", "s7comm-plus"));
    let s7 = |function: &str| {
        let mut f = func("ip:10.0.0.1", "ip:10.0.0.2", function, 3, MIN);
        f.protocol = "s7comm".into();
        f.addresses = AddressRanges::default();
        f
    };
    let mut p = Plant::normal();
    p.edges[0].protocol = "cotp,s7comm".into();
    p.functions = vec![s7("Read Variable")];
    let b = Baseline::learn(&p.run());
    assert_eq!(
        b.edges.len(),
        1,
        "the function's edge is the stack's edge: {:?}",
        b.edges
    );
    p.functions.push(s7("PLC Stop"));
    let alerts = compare(&b, &p.run());
    assert_eq!(rules(&alerts), ["baseline.new_function"]);
    assert_eq!(alerts[0].techniques, ["T0858"]);
    assert_eq!(alerts[0].severity, Severity::High);

    // A new path over the stack: the new-edge alert lists its functions, and accepting it
    // makes them known under their own protocol.
    let mut q = Plant::normal();
    q.assets
        .push(asset("ip:10.0.0.3", "10.0.0.3", AssetRole::Controller));
    let mut e = edge("ip:10.0.0.1", "ip:10.0.0.3", "cotp,s7comm", MIN);
    e.server_port = Some(102);
    q.edges.push(e);
    let mut stop = s7("PLC Stop");
    stop.server = "ip:10.0.0.3".into();
    q.functions.push(stop);
    let mut b = learned();
    let alerts = compare(&b, &q.run());
    let edge_alert = alerts
        .iter()
        .find(|a| a.rule == "baseline.new_edge")
        .unwrap();
    assert_eq!(edge_alert.techniques, ["T0848"]);
    assert!(edge_alert
        .evidence
        .iter()
        .any(|e| e.kind == "function" && e.detail == "PLC Stop"));
    for a in &alerts {
        b.accept(a).unwrap();
    }
    assert!(b
        .function("ip:10.0.0.1", "ip:10.0.0.3", "s7comm", "PLC Stop")
        .is_some());
    assert!(compare(&b, &q.run()).is_empty());
}

#[test]
fn polling_that_stops_on_a_busy_path_is_a_cadence_break() {
    let mut p = Plant::normal();
    p.functions[0].function = "READ_INPUT_REGISTERS".into();
    let alerts = compare(&learned(), &p.run());
    assert_eq!(
        rules(&alerts),
        ["baseline.new_function", "baseline.cadence"],
        "{alerts:#?}"
    );
    let stopped = &alerts[1];
    assert_eq!(stopped.subject, "modbus | READ_HOLDING_REGISTERS");
    assert_eq!(stopped.severity, Severity::Low);
    assert!(stopped.evidence[0]
        .detail
        .starts_with("0.000 requests/min over 10.0 min"));
    assert!(stopped.explanation.contains("about 600 expected"));

    // Seen too briefly to expect anything: nothing.
    let mut brief = Plant::normal();
    brief.functions.clear();
    brief.edges[0].last_seen = brief.edges[0].first_seen + MIN / 2;
    assert!(compare(&learned(), &brief.run()).is_empty());
}
