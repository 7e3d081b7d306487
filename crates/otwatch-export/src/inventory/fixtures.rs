//! Assets and edges built in memory for the writers' tests: an S7-300 as identity fusion
//! fills it, a device behind it, an HMI whose host name is a formula, and a second device
//! whose name clashes with the first.

use super::*;
pub use otwatch_model::identity::Fact;
use otwatch_model::identity::{AssetIdentity, AssetOverrides, Conflict, Module};
use otwatch_model::ranges::AddressRanges;
use otwatch_model::{AssetProtocol, Attribute, Evidence, TransportProto};
pub use std::collections::{BTreeSet, HashSet};

pub fn evidence(protocol: &str, message: &str, frame: u64) -> Evidence {
    Evidence {
        protocol: protocol.into(),
        message: message.into(),
        capture: "plant.pcap".into(),
        frame,
        ts: 1_772_438_400_000_000,
        confidence: 1.0,
    }
}

pub fn fact(value: &str) -> otwatch_model::identity::FactField {
    Some(Box::new(Fact {
        value: value.into(),
        raw: None,
        evidence: evidence("s7comm", "Read SZL 0x0011", 7),
    }))
}

pub fn asset(key: &str, ip: &str) -> Asset {
    Asset {
        key: key.into(),
        macs: vec![],
        ips: vec![ip.parse().unwrap()],
        vendor: None,
        hostnames: vec![],
        internal: Some(true),
        first_seen: 1_772_438_400_000_000,
        last_seen: 1_772_438_460_000_000,
        protocols: vec![],
        attributes: vec![],
        note: None,
        parent: None,
        position: None,
        identity: AssetIdentity::default(),
        overrides: AssetOverrides::default(),
    }
}

/// An S7-300 as fusion fills it, one device behind it, and one named by an attacker.
pub fn plant() -> Vec<(i64, Asset)> {
    let mut plc = asset("mac:00:1b:1b:01:02:03", "10.0.0.10");
    plc.macs = vec!["00:1b:1b:01:02:03".into()];
    plc.vendor = Some("Siemens AG".into());
    plc.identity = AssetIdentity {
        vendor: fact("Siemens"),
        model: fact("CPU 315-2 PN/DP"),
        order_number: fact("6ES7 315-2EH14-0AB0"),
        product_family: fact("S7-300 CPU 315-2 PN/DP"),
        firmware: fact("V3.2.6"),
        hardware_revision: fact("4"),
        serial: fact("S C-X4U421302009"),
        name: fact("PLC, \"line 1\""),
        role: AssetRole::Controller,
        role_reasons: vec!["answers S7 on 102 and serves SZL: controller".into()],
        purdue_level: Some(PurdueLevel::BasicControl),
        modules: vec![Module {
            position: "rack 0 slot 2".into(),
            model: Some("6ES7 315-2EH14-0AB0".into()),
            firmware: Some("V3.2.6".into()),
            serial: None,
            evidence: evidence("s7comm", "Read SZL 0x001C", 8),
        }],
        conflicts: vec![Conflict {
            field: "firmware".into(),
            values: vec![*fact("V3.2.6").unwrap(), *fact("V3.2.5").unwrap()],
        }],
        ..AssetIdentity::default()
    };
    plc.overrides = AssetOverrides {
        owner: Some("Process team".into()),
        criticality: Some("high".into()),
        location: Some("Hall 2\ncabinet 4".into()),
        ..AssetOverrides::default()
    };
    plc.protocols = vec![AssetProtocol {
        protocol: "s7comm".into(),
        role: ProtocolRole::Server,
        port: Some(102),
        transport: TransportProto::Tcp,
        identified_by: IdentifiedBy::Payload,
        first_seen: 0,
        last_seen: 0,
        flows: 3,
    }];
    plc.attributes = vec![Attribute {
        name: "order_number".into(),
        value: "6ES7 315-2EH14-0AB0".into(),
        evidence: evidence("s7comm", "Read SZL 0x0011, index 1", 7),
    }];
    let mut io = asset("ip:10.0.0.10/unit/3", "10.0.0.10");
    io.ips.clear();
    io.parent = Some(plc.key.clone());
    io.position = Some("Modbus unit 3".into());
    let mut hmi = asset("mac:00:0c:29:00:00:01", "10.0.0.20");
    hmi.vendor = Some("VMware, Inc.".into());
    hmi.hostnames = vec!["=HYPERLINK(\"http://x\")".into()];
    hmi.identity.role = AssetRole::Hmi;
    hmi.attributes = vec![Attribute {
        name: "hostname".into(),
        value: "=HYPERLINK(\"http://x\")".into(),
        evidence: evidence("dhcp", "DHCP REQUEST option 12 (host name), a, b", 2),
    }];
    let mut twin = asset("mac:00:0c:29:00:00:02", "10.0.0.21");
    twin.overrides.name = Some("plc, \"LINE 1\"".into());
    twin.overrides.decommissioned = Some(true);
    vec![(1, plc), (2, io), (3, hmi), (4, twin)]
}

pub fn edges() -> (Vec<Edge>, Vec<FunctionAggregate>) {
    let edge = |client: &str, server: &str, protocol: &str, port| Edge {
        client: client.into(),
        server: server.into(),
        protocol: protocol.into(),
        transport: TransportProto::Tcp,
        server_port: port,
        identified_by: IdentifiedBy::Payload,
        flows: 2,
        packets: 40,
        bytes: 4000,
        first_seen: 1_772_438_400_000_000,
        last_seen: 1_772_438_460_000_000,
        first_capture: "plant.pcap".into(),
        first_frame: 5,
    };
    let func = |function: &str, count| {
        let mut addresses = AddressRanges::default();
        addresses.add("db", 1, 1);
        FunctionAggregate {
            client: "mac:00:0c:29:00:00:01".into(),
            server: "mac:00:1b:1b:01:02:03".into(),
            protocol: "s7comm".into(),
            function: function.into(),
            count,
            first_seen: 1,
            last_seen: 2,
            addresses,
        }
    };
    (
        vec![
            edge(
                "mac:00:0c:29:00:00:01",
                "mac:00:1b:1b:01:02:03",
                "s7comm",
                Some(102),
            ),
            edge("mac:00:0c:29:00:00:01", "net:broadcast", "dhcp", None),
        ],
        vec![func("write_var", 3), func("read_var", 12)],
    )
}

pub fn parsed_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

pub fn column(headers: &[String], row: &[String], name: &str) -> String {
    let i = headers.iter().position(|h| h == name).unwrap();
    row[i].clone()
}
