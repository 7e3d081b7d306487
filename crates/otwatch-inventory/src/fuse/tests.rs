use super::*;
use otwatch_model::{AssetProtocol, Attribute, TransportProto};

fn ev(protocol: &str, ts: i64, confidence: f32) -> Evidence {
    Evidence {
        protocol: protocol.into(),
        message: format!("{protocol} statement"),
        capture: "c.pcap".into(),
        frame: ts as u64,
        ts,
        confidence,
    }
}

fn asset(key: &str, ip: &str) -> Asset {
    Asset {
        key: key.into(),
        macs: Vec::new(),
        ips: vec![ip.parse().unwrap()],
        vendor: None,
        hostnames: Vec::new(),
        internal: Some(true),
        first_seen: 0,
        last_seen: 0,
        protocols: Vec::new(),
        attributes: Vec::new(),
        note: None,
        parent: None,
        position: None,
        identity: Default::default(),
        overrides: Default::default(),
    }
}

fn with_attr(mut a: Asset, name: &str, value: &str, protocol: &str, ts: i64) -> Asset {
    let confidence = if protocol == "oui" { 0.6 } else { 1.0 };
    a.attributes.push(Attribute {
        name: name.into(),
        value: value.into(),
        evidence: ev(protocol, ts, confidence),
    });
    a
}

fn serving(mut a: Asset, protocol: &str, port: u16) -> Asset {
    a.protocols.push(AssetProtocol {
        protocol: protocol.into(),
        role: ProtocolRole::Server,
        port: Some(port),
        transport: TransportProto::Tcp,
        identified_by: IdentifiedBy::Payload,
        first_seen: 0,
        last_seen: 0,
        flows: 1,
    });
    a
}

fn using(mut a: Asset, protocol: &str) -> Asset {
    a.protocols.push(AssetProtocol {
        protocol: protocol.into(),
        role: ProtocolRole::Client,
        port: None,
        transport: TransportProto::Tcp,
        identified_by: IdentifiedBy::Payload,
        first_seen: 0,
        last_seen: 0,
        flows: 1,
    });
    a
}

fn edge(client: &str, server: &str, protocol: &str, port: u16) -> Edge {
    Edge {
        client: client.into(),
        server: server.into(),
        protocol: protocol.into(),
        transport: TransportProto::Tcp,
        server_port: Some(port),
        identified_by: IdentifiedBy::Payload,
        flows: 1,
        packets: 2,
        bytes: 100,
        first_seen: 0,
        last_seen: 0,
        first_capture: "c.pcap".into(),
        first_frame: 1,
    }
}

fn function(client: &str, server: &str, protocol: &str, name: &str) -> FunctionAggregate {
    FunctionAggregate {
        client: client.into(),
        server: server.into(),
        protocol: protocol.into(),
        function: name.into(),
        count: 2,
        first_seen: 0,
        last_seen: 0,
        addresses: Default::default(),
    }
}

/// Fuses one asset among others, with the context all of them make.
fn fused(
    target: &str,
    assets: &[Asset],
    edges: &[Edge],
    functions: &[FunctionAggregate],
) -> AssetIdentity {
    let all = fuse_all(assets, edges, functions, &SiteNetworks::default(), 1);
    let i = assets.iter().position(|a| a.key == target).unwrap();
    all[i].clone()
}

fn alone(a: Asset) -> AssetIdentity {
    let key = a.key.clone();
    fused(&key, &[a], &[], &[])
}

fn rule_matched(id: &AssetIdentity, role: AssetRole, words: &str) {
    assert_eq!(id.role, role, "{:?}", id.role_reasons);
    assert_eq!(id.role_decided, Decided::Inferred);
    assert!(
        id.role_reasons.iter().any(|r| r.contains(words)),
        "{:?} lacks {words:?}",
        id.role_reasons
    );
}

// --- precedence and conflicts

#[test]
fn device_protocol_beats_management_beats_oui() {
    let a = asset("mac:1", "10.0.0.5");
    let a = with_attr(a, "vendor", "Hilscher GmbH", "oui", 1);
    let a = with_attr(a, "vendor", "Rockwell Automation/Allen-Bradley", "enip", 5);
    let a = with_attr(a, "vendor", "Moxa Inc.", "snmp", 3);
    let id = alone(a);
    let v = id.vendor.unwrap();
    assert_eq!(v.value, "Rockwell Automation");
    assert_eq!(v.raw.as_deref(), Some("Rockwell Automation/Allen-Bradley"));
    assert_eq!(v.evidence.protocol, "enip");
    let c = id.conflicts.iter().find(|c| c.field == "vendor").unwrap();
    let order: Vec<_> = c
        .values
        .iter()
        .map(|f| f.evidence.protocol.as_str())
        .collect();
    assert_eq!(order, ["enip", "snmp", "oui"]);
    assert!(c.values.iter().all(|f| f.evidence.frame > 0));
}

#[test]
fn oui_beats_a_port_guess_and_management_beats_oui() {
    let a = asset("mac:1", "10.0.0.5");
    let mut a = with_attr(a, "vendor", "Guessed Inc", "port", 1);
    a.attributes[0].evidence.confidence = 0.3;
    let a = with_attr(a, "vendor", "Siemens AG", "oui", 2);
    assert_eq!(alone(a.clone()).vendor.unwrap().value, "Siemens");
    let a = with_attr(a, "vendor", "Siemens", "snmp", 3);
    assert_eq!(alone(a).vendor.unwrap().evidence.protocol, "snmp");
}

#[test]
fn agreeing_sources_are_no_conflict_and_whitespace_is_cleaned() {
    let a = asset("mac:1", "10.0.0.5");
    let a = with_attr(a, "firmware", "V3.2.6", "s7comm", 1);
    let a = with_attr(a, "firmware", "  v3.2.6 ", "s7comm-plus", 2);
    let a = with_attr(a, "model", "CPU  315-2 PN/DP", "s7comm", 1);
    let id = alone(a);
    assert!(id.conflicts.is_empty(), "{:?}", id.conflicts);
    let m = id.model.unwrap();
    assert_eq!(m.value, "CPU 315-2 PN/DP");
    assert_eq!(m.raw.as_deref(), Some("CPU  315-2 PN/DP"));
}

#[test]
fn latest_statement_wins_within_a_source_and_the_older_is_kept() {
    let a = asset("mac:1", "10.0.0.5");
    let a = with_attr(a, "firmware", "4.3", "enip", 10);
    let a = with_attr(a, "firmware", "5.1", "enip", 20);
    let id = alone(a);
    assert_eq!(id.firmware.as_ref().unwrap().value, "V5.1");
    let c = &id.conflicts[0];
    assert_eq!(c.field, "firmware");
    assert_eq!(c.values[1].value, "V4.3");
    assert_eq!(c.values[1].evidence.ts, 10);
}

#[test]
fn person_named_asset_beats_every_protocol() {
    let mut a = asset("mac:1", "10.0.0.5");
    a = with_attr(a, "station_name", "plc-line-1", "profinet_dcp", 1);
    a.overrides.name = Some("Filler PLC".into());
    let id = alone(a);
    let n = id.name.unwrap();
    assert_eq!(
        (n.value.as_str(), n.evidence.protocol.as_str()),
        ("Filler PLC", "user")
    );
    assert_eq!(id.conflicts[0].values.len(), 2);
}

#[test]
fn field_mapping_across_protocols() {
    let a = asset("mac:1", "10.0.0.5");
    let a = with_attr(a, "serial_number", "S C-B1U393142011", "s7comm", 1);
    let a = with_attr(a, "hardware_version", "1", "hart_ip", 1);
    let a = with_attr(a, "product_code", "58", "enip", 1);
    let a = with_attr(a, "product_code", "BMX P34 2020", "modbus", 1);
    let a = with_attr(a, "hart_tag", "@@@@@@@@", "hart_ip", 1);
    let a = with_attr(a, "hostname", "PLC1", "netbios", 1);
    let a = with_attr(a, "object_name", "AHU-3", "bacnet", 1);
    let id = alone(a);
    assert_eq!(id.serial.unwrap().value, "S C-B1U393142011");
    assert_eq!(id.hardware_revision.unwrap().value, "1");
    // A numeric CIP product code is no order number; a Modbus product code is.
    let order = id.order_number.unwrap();
    assert_eq!(order.value, "BMXP342020");
    assert_eq!(order.raw.as_deref(), Some("BMX P34 2020"));
    // The device protocol's object name beats the NetBIOS name; the blank HART tag is no name.
    assert_eq!(id.name.as_ref().unwrap().value, "AHU-3");
    let names = id.conflicts.iter().find(|c| c.field == "name").unwrap();
    assert_eq!(names.values.len(), 2);
}

#[test]
fn s7_cpu_slot_is_a_module_with_its_identity() {
    let a = asset("mac:1", "10.0.0.5");
    let a = with_attr(a, "s7_rack_slot", "rack 0, slot 2", "s7comm", 1);
    let a = with_attr(a, "order_number", "6ES7 315-2EH14-0AB0", "s7comm", 2);
    let a = with_attr(a, "firmware", "V3.2.6", "s7comm", 2);
    let id = alone(a);
    assert_eq!(id.modules.len(), 1);
    let m = &id.modules[0];
    assert_eq!(m.position, "rack 0 slot 2");
    assert_eq!(m.model.as_deref(), Some("6ES7 315-2EH14-0AB0"));
    assert_eq!(m.firmware.as_deref(), Some("V3.2.6"));
}

// --- role rules, one test each

#[test]
fn rule_safety_identity() {
    for (name, value, protocol) in [
        ("model", "CPU 315F-2 PN/DP", "s7comm"),
        ("order_number", "6ES7 516-3FN01-0AB0", "s7comm-plus"),
        ("order_number", "6ES7 214-1AF40-0XB0", "s7comm-plus"),
        ("model", "1756-L73S/B LOGIX5573SAFETY", "enip"),
        ("model", "1769-L33ERMS", "enip"),
        ("device_type", "Safety Discrete I/O Device (35)", "enip"),
    ] {
        let a = with_attr(asset("mac:1", "10.0.0.5"), name, value, protocol, 1);
        rule_matched(&alone(a), AssetRole::SafetyController, "safety");
    }
    // Standard CPUs are not safety controllers.
    for (name, value) in [
        ("order_number", "6ES7 315-2EH14-0AB0"),
        ("order_number", "6ES7 214-1AG40-0XB0"),
        ("model", "1756-L83E"),
    ] {
        let a = with_attr(asset("mac:1", "10.0.0.5"), name, value, "s7comm", 1);
        assert_ne!(alone(a).role, AssetRole::SafetyController, "{value}");
    }
}

#[test]
fn rule_hmi_identity() {
    let a = with_attr(
        asset("mac:1", "10.0.0.5"),
        "model",
        "PanelView Plus 7",
        "enip",
        1,
    );
    rule_matched(&alone(a), AssetRole::Hmi, "PanelView");
}

#[test]
fn rule_controller_identity() {
    let a = with_attr(
        asset("mac:1", "10.0.0.5"),
        "device_type",
        "Programmable Logic Controller (14)",
        "enip",
        1,
    );
    rule_matched(
        &alone(a),
        AssetRole::Controller,
        "Programmable Logic Controller",
    );
    let a = with_attr(
        asset("mac:1", "10.0.0.5"),
        "model",
        "CPU 315-2 PN/DP",
        "s7comm",
        1,
    );
    rule_matched(&alone(a), AssetRole::Controller, "CPU 315-2");
}

#[test]
fn rule_io_identity() {
    let a = with_attr(
        asset("mac:1", "10.0.0.5"),
        "device_type",
        "General Purpose Discrete I/O (7)",
        "enip",
        1,
    );
    rule_matched(&alone(a), AssetRole::IoModule, "I/O");
    let a = with_attr(
        asset("mac:1", "10.0.0.5"),
        "profinet_role",
        "IO-Device",
        "profinet_dcp",
        1,
    );
    rule_matched(&alone(a), AssetRole::IoModule, "IO-Device");
    let a = with_attr(
        asset("mac:1", "10.0.0.5"),
        "hart_device_type",
        "0x264e",
        "hart_ip",
        1,
    );
    rule_matched(&alone(a), AssetRole::IoModule, "HART");
}

#[test]
fn rule_network_identity() {
    let a = with_attr(
        asset("mac:1", "10.0.0.5"),
        "device_type",
        "Communications Adapter (12)",
        "enip",
        1,
    );
    rule_matched(
        &alone(a),
        AssetRole::NetworkDevice,
        "Communications Adapter",
    );
    let mut a = asset("mac:1", "10.0.0.1");
    a.note = Some("sends IP traffic from 9 addresses: a router or gateway; those addresses are assets of their own".into());
    rule_matched(&alone(a), AssetRole::NetworkDevice, "router");
    let a = with_attr(asset("mac:1", "10.0.0.1"), "hostname", "sw-core", "cdp", 1);
    rule_matched(&alone(a), AssetRole::NetworkDevice, "CDP");
    // A gateway with Modbus units recorded behind it.
    let gw = serving(asset("mac:gw", "10.0.0.2"), "modbus", 502);
    let mut unit = asset("mac:gw/unit3", "10.0.0.2");
    unit.parent = Some("mac:gw".into());
    let id = fused("mac:gw", &[gw, unit], &[], &[]);
    rule_matched(&id, AssetRole::NetworkDevice, "fronts 1 device");
}

#[test]
fn rule_serves_control_protocol() {
    let plc = serving(asset("mac:plc", "10.0.0.5"), "cotp,s7comm", 102);
    let ews = using(asset("mac:ews", "10.0.0.9"), "cotp,s7comm");
    let id = fused(
        "mac:plc",
        &[plc, ews],
        &[edge("mac:ews", "mac:plc", "cotp,s7comm", 102)],
        &[function(
            "mac:ews",
            "mac:plc",
            "s7comm",
            "CPU Functions: Read SZL",
        )],
    );
    rule_matched(
        &id,
        AssetRole::Controller,
        "answers s7comm on 102/tcp and serves CPU Functions: Read SZL: controller",
    );
}

#[test]
fn rule_port_guess_is_no_controller() {
    let mut a = serving(asset("mac:1", "10.0.0.5"), "modbus", 502);
    a.protocols[0].identified_by = IdentifiedBy::Port;
    assert_eq!(alone(a).role, AssetRole::Unknown);
}

#[test]
fn rule_io_controller() {
    let a = with_attr(
        asset("mac:1", "10.0.0.5"),
        "profinet_role",
        "IO-Controller",
        "profinet_dcp",
        1,
    );
    rule_matched(&alone(a), AssetRole::Controller, "IO controller");
    let pc = using(asset("mac:c", "10.0.0.5"), "spicy_profinet_io_cm");
    let dev = asset("mac:d", "10.0.0.6");
    let id = fused(
        "mac:c",
        &[pc, dev],
        &[edge("mac:c", "mac:d", "spicy_profinet_io_cm", 34964)],
        &[function("mac:c", "mac:d", "profinet_io_cm", "Connect")],
    );
    rule_matched(&id, AssetRole::Controller, "Connect");
}

#[test]
fn rule_engineering_actions() {
    let ews = using(asset("mac:ews", "10.0.0.9"), "cotp,s7comm");
    let plc = serving(asset("mac:plc", "10.0.0.5"), "cotp,s7comm", 102);
    let id = fused(
        "mac:ews",
        &[ews, plc],
        &[edge("mac:ews", "mac:plc", "cotp,s7comm", 102)],
        &[
            function("mac:ews", "mac:plc", "s7comm", "Request Download"),
            function("mac:ews", "mac:plc", "s7comm", "PLC Stop"),
            function("mac:ews", "mac:plc", "s7comm", "Read Variable"),
        ],
    );
    rule_matched(
        &id,
        AssetRole::EngineeringWorkstation,
        "transfers programs or files (Request Download) on 10.0.0.5",
    );
    assert!(id.role_reasons[0].contains("starts, stops or restarts (PLC Stop)"));
    for (protocol, f) in [
        ("modbus", "UMAS"),
        ("dnp3", "COLD_RESTART"),
        ("mms", "initiateDownloadSequence"),
        ("bacnet", "reinitialize_device"),
        ("omron_fins", "Program Area Write"),
        ("roc_plus", "General File Transfer (203)"),
    ] {
        let id = fused(
            "mac:ews",
            &[asset("mac:ews", "10.0.0.9")],
            &[],
            &[function("mac:ews", "mac:plc", protocol, f)],
        );
        assert_eq!(id.role, AssetRole::EngineeringWorkstation, "{protocol} {f}");
    }
}

#[test]
fn rule_identity_sweep() {
    let functions: Vec<_> = (1..=3)
        .map(|i| {
            function(
                "mac:s",
                &format!("mac:{i}"),
                "s7comm",
                "CPU Functions: Read SZL",
            )
        })
        .collect();
    let id = fused("mac:s", &[asset("mac:s", "10.0.0.9")], &[], &functions);
    rule_matched(&id, AssetRole::EngineeringWorkstation, "reads identity");
    assert!(id.role_reasons[0].contains("from 3 devices"));
    // One CPU's SZL is no sweep (though, read without polling, it is diagnostics).
    let id = fused("mac:s", &[asset("mac:s", "10.0.0.9")], &[], &functions[..1]);
    assert!(
        id.role_reasons.iter().all(|r| !r.contains("devices (")),
        "{:?}",
        id.role_reasons
    );
}

#[test]
fn rule_historian_name() {
    let a = with_attr(
        asset("mac:1", "10.0.0.7"),
        "hostname",
        "HIST01",
        "netbios",
        1,
    );
    rule_matched(&alone(a), AssetRole::Historian, "HIST01");
    let a = with_attr(
        asset("mac:1", "10.0.0.7"),
        "opcua_application_name",
        "AVEVA Historian OPC UA",
        "opcua",
        1,
    );
    rule_matched(&alone(a), AssetRole::Historian, "historian");
}

#[test]
fn rule_serves_opc() {
    let a = serving(asset("mac:1", "10.0.0.7"), "opcua-binary", 4840);
    rule_matched(&alone(a), AssetRole::OpcServer, "OPC UA on 4840/tcp");
}

fn poller(n: usize) -> (Vec<Asset>, Vec<Edge>) {
    let mut assets = vec![using(asset("mac:s", "10.0.0.9"), "modbus")];
    let mut edges = Vec::new();
    for i in 0..n {
        let key = format!("mac:{i}");
        assets.push(serving(
            asset(&key, &format!("10.0.1.{}", i + 1)),
            "modbus",
            502,
        ));
        edges.push(edge("mac:s", &key, "modbus", 502));
    }
    (assets, edges)
}

#[test]
fn rule_polls_many_controllers() {
    let (assets, edges) = poller(4);
    let id = fused("mac:s", &assets, &edges, &[]);
    rule_matched(&id, AssetRole::ScadaServer, "polls 4 device(s) over modbus");
    assert_eq!(id.purdue_level, Some(PurdueLevel::Supervisory));
}

#[test]
fn rule_polls_few_controllers() {
    let (assets, edges) = poller(1);
    let id = fused("mac:s", &assets, &edges, &[]);
    rule_matched(
        &id,
        AssetRole::Hmi,
        "polls 1 device(s) over modbus (10.0.1.1)",
    );
}

#[test]
fn rule_bacnet_device() {
    let a = with_attr(
        asset("mac:1", "192.168.0.16"),
        "bacnet_device_instance",
        "111",
        "bacnet",
        1,
    );
    rule_matched(&alone(a), AssetRole::Controller, "BACnet device 111");
    // Discovery broadcasts are not polling: a device that only sends I-Am is no HMI.
    let dev = with_attr(
        using(asset("mac:1", "192.168.0.16"), "bacnet"),
        "bacnet_device_instance",
        "111",
        "bacnet",
        1,
    );
    let other = serving(asset("mac:2", "192.168.0.24"), "bacnet", 47808);
    let id = fused(
        "mac:1",
        &[dev, other],
        &[edge("mac:1", "mac:2", "bacnet", 47808)],
        &[function("mac:1", "mac:2", "bacnet", "i_am")],
    );
    assert_eq!(id.role, AssetRole::Controller, "{:?}", id.role_reasons);
}

#[test]
fn rule_field_device_protocol() {
    let a = serving(asset("mac:1", "10.0.0.8"), "hart_ip", 5094);
    rule_matched(&alone(a), AssetRole::IoModule, "hart_ip on 5094/tcp");
}

#[test]
fn rule_it_protocols() {
    let a = serving(asset("mac:1", "10.0.0.8"), "smb", 445);
    let a = with_attr(a, "smb_native_os", "Windows 10", "smb", 1);
    rule_matched(&alone(a), AssetRole::ItHost, "speaks smb");
}

#[test]
fn rule_network_vendor() {
    // A Cisco router answering DHCP and DNS is a network device, not an IT host.
    let a = with_attr(
        asset("mac:1", "10.0.0.1"),
        "vendor",
        "Cisco Systems, Inc",
        "oui",
        1,
    );
    let a = serving(a, "dns", 53);
    rule_matched(&alone(a), AssetRole::NetworkDevice, "cisco");
}

#[test]
fn rule_lldp_only() {
    let a = with_attr(asset("mac:1", "10.0.0.1"), "hostname", "sw-2", "lldp", 1);
    rule_matched(&alone(a), AssetRole::NetworkDevice, "LLDP");
}

#[test]
fn rule_identity_without_polling() {
    let ews = using(asset("mac:ews", "10.0.0.50"), "modbus");
    let plc = serving(asset("mac:plc", "10.0.0.11"), "modbus", 502);
    let edges = [edge("mac:ews", "mac:plc", "modbus", 502)];
    let mut functions = vec![
        function("mac:ews", "mac:plc", "modbus", "ENCAP_INTERFACE_TRANSPORT"),
        function("mac:ews", "mac:plc", "modbus", "WRITE_SINGLE_REGISTER"),
    ];
    let id = fused("mac:ews", &[ews.clone(), plc.clone()], &edges, &functions);
    rule_matched(
        &id,
        AssetRole::EngineeringWorkstation,
        "reads the identity or diagnostics of 10.0.0.11 without polling it \
         (ENCAP_INTERFACE_TRANSPORT, WRITE_SINGLE_REGISTER)",
    );
    // An HMI that reads identity at connect and then polls is still an HMI.
    functions.push(function(
        "mac:ews",
        "mac:plc",
        "modbus",
        "READ_HOLDING_REGISTERS",
    ));
    let id = fused("mac:ews", &[ews, plc], &edges, &functions);
    assert_eq!(id.role, AssetRole::Hmi, "{:?}", id.role_reasons);
}

#[test]
fn infrastructure_services_do_not_make_a_bridge() {
    let hmi = using(asset("mac:hmi", "10.0.0.9"), "modbus");
    let plc = serving(asset("mac:plc", "10.0.0.5"), "modbus", 502);
    let mut dns = asset("ip:8.8.8.8", "8.8.8.8");
    dns.internal = Some(false);
    let edges = [
        edge("mac:hmi", "mac:plc", "modbus", 502),
        edge("mac:hmi", "ip:8.8.8.8", "dns", 53),
    ];
    let id = fused("mac:hmi", &[hmi, plc, dns], &edges, &[]);
    assert_eq!(id.purdue_level, Some(PurdueLevel::Supervisory));
    assert_eq!(id.purdue_reasons, ["hmi: level 2"]);
}

#[test]
fn identity_beats_behaviour_and_unknown_says_so() {
    // A Communications Adapter that answers CIP is still the adapter.
    let a = serving(asset("mac:1", "10.0.0.5"), "cip", 44818);
    let a = with_attr(a, "device_type", "Communications Adapter (12)", "enip", 1);
    assert_eq!(alone(a).role, AssetRole::NetworkDevice);
    let id = alone(asset("mac:1", "10.0.0.5"));
    assert_eq!(id.role, AssetRole::Unknown);
    assert!(id.role_reasons[0].contains("unknown"));
    assert_eq!(id.purdue_level, None);
}

#[test]
fn every_rule_has_a_test() {
    let source = include_str!("tests.rs");
    for rule in ROLE_RULES {
        assert!(
            source.contains(&format!("fn rule_{}()", rule.name)),
            "role rule {} has no test",
            rule.name
        );
    }
}

// --- overrides and levels

#[test]
fn overrides_beat_inference() {
    let mut a = serving(asset("mac:1", "10.0.0.5"), "modbus", 502);
    a.overrides.role = Some(AssetRole::NetworkDevice);
    a.overrides.purdue_level = Some(PurdueLevel::Supervisory);
    let id = alone(a);
    assert_eq!(
        (id.role, id.role_decided),
        (AssetRole::NetworkDevice, Decided::User)
    );
    assert_eq!(
        (id.purdue_level, id.purdue_decided),
        (Some(PurdueLevel::Supervisory), Decided::User)
    );
}

#[test]
fn levels_follow_roles_and_peers() {
    let plc = serving(asset("mac:plc", "10.0.0.5"), "modbus", 502);
    let io = with_attr(
        asset("mac:io", "10.0.0.6"),
        "hart_device_type",
        "0x1",
        "hart_ip",
        1,
    );
    let hmi = using(asset("mac:hmi", "10.0.0.9"), "modbus");
    let jump = with_attr(
        using(asset("mac:jump", "10.0.0.20"), "modbus"),
        "smb_native_os",
        "Windows",
        "smb",
        1,
    );
    let mut web = asset("ip:203.0.113.7", "203.0.113.7");
    web.internal = Some(false);
    let office = serving(asset("mac:office", "10.1.0.4"), "smb", 445);
    let hist = with_attr(
        asset("mac:hist", "10.0.0.30"),
        "hostname",
        "historian",
        "dhcp",
        1,
    );
    let assets = vec![plc, io, hmi, jump, web, office, hist];
    let edges = vec![
        edge("mac:hmi", "mac:plc", "modbus", 502),
        edge("mac:jump", "mac:hmi", "rdp", 3389),
        edge("mac:jump", "ip:203.0.113.7", "ssl", 443),
        edge("mac:hist", "mac:hmi", "opcua-binary", 4840),
    ];
    let all = fuse_all(&assets, &edges, &[], &SiteNetworks::default(), 1);
    let level = |k: &str| {
        let i = assets.iter().position(|a| a.key == k).unwrap();
        (all[i].purdue_level, all[i].purdue_reasons.join("; "))
    };
    assert_eq!(level("mac:plc").0, Some(PurdueLevel::BasicControl));
    assert_eq!(level("mac:io").0, Some(PurdueLevel::Process));
    assert_eq!(level("mac:hmi").0, Some(PurdueLevel::Supervisory));
    let (l, why) = level("mac:jump");
    assert_eq!(l, Some(PurdueLevel::Dmz), "{why}");
    assert!(why.contains("203.0.113.7"), "{why}");
    assert_eq!(level("ip:203.0.113.7").0, Some(PurdueLevel::Enterprise));
    assert_eq!(level("mac:office").0, Some(PurdueLevel::Business));
    let (l, why) = level("mac:hist");
    assert_eq!(l, Some(PurdueLevel::Operations), "{why}");
}

#[test]
fn function_kinds_of_the_recorded_names() {
    use FunctionKind::*;
    for (p, f, k) in [
        ("s7comm", "Download Block", ProgramTransfer),
        ("s7comm", "PLC Control", DeviceControl),
        ("s7comm", "Block Functions: List Blocks", Engineering),
        ("s7comm", "CPU Functions: Read SZL", IdentityRead),
        ("s7comm", "Read Variable", Read),
        ("s7comm", "Write Variable", Write),
        ("s7comm-plus", "Begin Sequence", Engineering),
        ("s7comm-plus", "Get Multi Variables", Read),
        ("s7comm-plus", "Set Multi Variables", Write),
        ("modbus", "READ_WRITE_MULTIPLE_REGISTERS", Write),
        ("modbus", "READ_HOLDING_REGISTERS", Read),
        ("modbus", "ENCAP_INTERFACE_TRANSPORT", IdentityRead),
        ("dnp3", "DIRECT_OPERATE", Command),
        ("dnp3", "OPEN_FILE", ProgramTransfer),
        ("iec104", "C_SC_NA_1", Command),
        ("iec104", "C_IC_NA_1", Read),
        ("mms", "getDomainAttributes", Read),
        ("mms", "identify", IdentityRead),
        ("cip", "Read Tag", Read),
        ("cip", "Read Modify Write Tag", Write),
        ("bacnet", "read_property", Read),
        ("bacnet", "atomic_write_file", ProgramTransfer),
        ("omron_fins", "Memory Area Read", Read),
        ("omron_fins", "Stop", DeviceControl),
        ("opcua", "Browse", Read),
        ("hart_ip", "WRITE_TAG_DESCRIPTOR_DATE", Engineering),
        ("ads", "ReadDeviceInfo", IdentityRead),
    ] {
        assert_eq!(function_kind(p, f), k, "{p} {f}");
    }
}

#[test]
fn filler_values_are_no_identity() {
    for v in [
        "",
        "   ",
        "@@@@@@@@",
        "%n%n%n",
        "AAAAAAAAAAAAAAAAAAAA",
        "---",
        "000000000",
    ] {
        assert!(is_filler(v), "{v:?}");
    }
    for v in ["1", "000", "PLC1", "V3.2.6", "S C-C2UR28922012", "AA"] {
        assert!(!is_filler(v), "{v:?}");
    }
}

#[test]
fn threads_change_nothing_but_the_time() {
    let assets: Vec<Asset> = (0..9000u32)
        .map(|i| {
            let ip = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
            let a = asset(&format!("ip:{ip}"), &ip);
            if i % 3 == 0 {
                serving(a, "modbus", 502)
            } else {
                with_attr(a, "hostname", &format!("host-{i}"), "dhcp", i64::from(i))
            }
        })
        .collect();
    let edges: Vec<Edge> = (1..9000usize)
        .step_by(3)
        .map(|i| edge(&assets[i].key, &assets[i - 1].key, "modbus", 502))
        .collect();
    let site = SiteNetworks::default();
    let one = fuse_all(&assets, &edges, &[], &site, 1);
    let two = fuse_all(&assets, &edges, &[], &site, 2);
    assert_eq!(one, two);
    assert_eq!(one[1].role, AssetRole::Hmi);
    assert_eq!(one[0].role, AssetRole::Controller);
}

#[test]
fn each_attribute_name_states_one_identity_field() {
    // `field_of` keeps one field per name: a name listed under two fields would feed only one.
    let mut seen = std::collections::BTreeMap::new();
    for (field, names) in FIELD_ATTRIBUTES {
        for (rank, name) in names.iter().enumerate() {
            assert_eq!(seen.insert(*name, *field), None, "{name} is listed twice");
            let (index, found_rank) = field_of(name).expect("listed names are found");
            assert_eq!((FIELD_ATTRIBUTES[index].0, found_rank), (*field, rank));
        }
    }
    assert_eq!(field_of("ip"), None);
}

#[test]
fn a_vendor_spelling_reads_the_same_when_asked_again() {
    // The second answer comes from the thread's memory of the first.
    for _ in 0..3 {
        assert_eq!(normalised("vendor", "SIEMENS AG").value, "Siemens");
        assert_eq!(
            normalised("vendor", "ACME SYSTEMS GMBH").value,
            "ACME SYSTEMS"
        );
    }
}
