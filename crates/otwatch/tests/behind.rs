//! Devices behind devices, end to end on corpus captures: the Modbus units behind a
//! gateway, the BACnet devices on an MS/TP network behind a router, the module a CIP route
//! reaches through the backplane, and the rack and slot of S7 CPUs. Each becomes an asset
//! of its own, linked to the one that fronts it, with what it said about itself.

mod common;
use common::*;

/// A Moxa Modbus gateway (192.168.0.20, MAC prefix 00:90:e8) that answers for units 1, 2,
/// 3 and 7 (`tshark -Y "mbtcp && tcp.srcport==502" -T fields -e mbtcp.unit_id`).
const MOXA: &str = "ITI-ICS-Security-Tools/pcaps/ModbusTCP/Modbus/modbus_test.pcap";
const MOXA_KEY: &str = "mac:00:90:e8:4c:83:db";
/// A BACnet router (192.168.0.24) relaying for the MS/TP devices of network 3; ICSNPP's
/// `bacnet_property.log` baseline (analyzer.services) has device 29 answering object-name
/// 112E1, vendor-name "Lithonia Lighting, Inc.", model-name "SYSC MLX", firmware-revision
/// 2.62, and `bacnet_discovery.log` an I-Am of device 108 from Acuity Brands.
const BACNET: &str = "icsnpp-bacnet/testing/traces/bacnet_services.pcap";
const ROUTER_KEY: &str = "mac:00:e0:c9:00:10:a5";
/// Four Rockwell EtherNet/IP modules, each sent Unconnected Send requests routed to
/// "Port: Backplane, Address: 0" (tshark's CIP Connection Manager dissection).
const CIP_ROUTED: &str = "ITI-ICS-Security-Tools/pcaps/EthernetIP/EthernetIP-CIP.pcap";

fn listed(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let out = otwatch(&["assets", "--db", "a.db", "--json"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn children_of<'a>(assets: &'a [serde_json::Value], key: &str) -> Vec<&'a serde_json::Value> {
    assets.iter().filter(|a| a["parent"] == key).collect()
}

#[test]
fn modbus_units_behind_a_gateway_are_assets_of_their_own() {
    let dir = analysed_into_db(MOXA);
    let assets = listed(dir.path());
    let units: Vec<_> = children_of(&assets, MOXA_KEY)
        .iter()
        .map(|a| (a["key"].as_str().unwrap(), a["position"].as_str().unwrap()))
        .collect();
    // Unit 1 addresses the gateway itself.
    assert_eq!(
        units,
        vec![
            ("mac:00:90:e8:4c:83:db/unit:2", "Modbus unit 2"),
            ("mac:00:90:e8:4c:83:db/unit:3", "Modbus unit 3"),
            ("mac:00:90:e8:4c:83:db/unit:7", "Modbus unit 7"),
        ]
    );
    // Each child is listed right after its gateway.
    let at = |key: &str| assets.iter().position(|a| a["key"] == key).unwrap();
    assert_eq!(at("mac:00:90:e8:4c:83:db/unit:2"), at(MOXA_KEY) + 1);

    let unit7 = otwatch(
        &[
            "asset",
            "mac:00:90:e8:4c:83:db/unit:7",
            "--db",
            "a.db",
            "--json",
        ],
        dir.path(),
    );
    let unit7: serde_json::Value = serde_json::from_slice(&unit7.stdout).unwrap();
    let position = fact(&unit7, "position");
    assert_eq!(position["evidence"]["protocol"], "modbus");
    assert_eq!(position["evidence"]["frame"], 3);
    assert!(unit7["ips"].as_array().unwrap().is_empty());

    // The requests to unit 7 are that device's: one client writes its holding registers.
    let functions: serde_json::Value =
        serde_json::from_str(&functions_listed(dir.path(), true)).unwrap();
    let writes: Vec<_> = functions
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["function"] == "WRITE_SINGLE_REGISTER")
        .collect();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0]["server"], "mac:00:90:e8:4c:83:db/unit:7");
    assert_eq!(writes[0]["count"], 63);

    // The table shows a child by its gateway's address and its place there, and the
    // gateway's page lists what is behind it.
    let table = otwatch(&["assets", "--db", "a.db"], dir.path());
    assert!(text(&table.stdout).contains("via 192.168.0.20 (Modbus unit 7)"));
    let page = otwatch(&["asset", "192.168.0.20", "--db", "a.db"], dir.path());
    let page = text(&page.stdout);
    assert!(
        page.contains("devices behind it:") && page.contains("/unit:3 (Modbus unit 3)"),
        "{page}"
    );
    // The communication map keeps the network conversation with the gateway.
    let edges = otwatch(&["edges", "--db", "a.db", "--json"], dir.path());
    let edges: serde_json::Value = serde_json::from_slice(&edges.stdout).unwrap();
    assert!(edges
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["server"] == MOXA_KEY));
}

#[test]
fn bacnet_devices_behind_a_router_carry_what_they_said() {
    let dir = analysed_into_db(BACNET);
    let assets = listed(dir.path());
    let behind_router = children_of(&assets, ROUTER_KEY);
    assert_eq!(behind_router.len(), 30);
    let device = |key: &str| {
        behind_router
            .iter()
            .find(|a| a["key"] == key)
            .copied()
            .unwrap_or_else(|| panic!("no {key}"))
    };
    let d29 = device("mac:00:e0:c9:00:10:a5/bacnet:3:0x1d");
    assert_eq!(d29["position"], "BACnet network 3, MAC 0x1d");
    assert_eq!(fact(d29, "bacnet_device_instance")["value"], "29");
    assert_eq!(fact(d29, "model")["value"], "SYSC MLX");
    assert_eq!(fact(d29, "firmware")["value"], "2.62");
    assert_eq!(fact(d29, "object_name")["value"], "112E1");
    let vendors: Vec<_> = d29["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == "vendor")
        .map(|a| a["value"].as_str().unwrap())
        .collect();
    assert!(vendors.contains(&"Lithonia Lighting, Inc."), "{vendors:?}");
    assert_eq!(fact(d29, "model")["evidence"]["protocol"], "bacnet");

    let d108 = device("mac:00:e0:c9:00:10:a5/bacnet:3:0x6c");
    assert_eq!(fact(d108, "bacnet_device_instance")["value"], "108");
    assert_eq!(
        fact(d108, "vendor")["value"],
        "Acuity Brands Lighting, Inc."
    );
    assert_eq!(fact(d108, "vendor")["evidence"]["message"], "BACnet I-Am");

    // The router itself is not credited with its devices' model.
    let router = assets.iter().find(|a| a["key"] == ROUTER_KEY).unwrap();
    assert!(fact(router, "model").is_null());
    assert_eq!(router["ips"][0], "192.168.0.24");
}

#[test]
fn a_cip_route_through_the_backplane_reaches_a_module() {
    let dir = analysed_into_db(CIP_ROUTED);
    let assets = listed(dir.path());
    let fronts = [
        "mac:00:00:bc:5f:49:51",
        "mac:00:00:bc:5f:48:fa",
        "mac:00:00:bc:c7:ce:56",
        "mac:00:00:bc:d1:60:da",
    ];
    for front in fronts {
        let modules = children_of(&assets, front);
        assert_eq!(modules.len(), 1, "{front}: {modules:?}");
        assert_eq!(modules[0]["key"], format!("{front}/slot:1.0"));
        assert_eq!(modules[0]["position"], "backplane slot 0");
        let position = fact(modules[0], "position");
        assert_eq!(position["evidence"]["protocol"], "cip");
        assert!(
            position["evidence"]["message"]
                .as_str()
                .unwrap()
                .contains("through the route backplane slot 0"),
            "{position}"
        );
    }
}

#[test]
fn s7_cpus_show_the_rack_and_slot_they_accepted() {
    // Frame 6 of s7ident.pcap confirms the connection to TSAP 0x0101 (rack 0, slot 1);
    // the ITI capture's IM151-8 CPU accepts 0x0102 (rack 0, slot 2).
    let snap7 = asset_after_analysis("icsnpp-s7comm/tests/traces/s7ident.pcap", "172.17.0.2");
    assert_eq!(snap7["position"], "rack 0, slot 1");
    assert!(snap7["parent"].is_null());
    // What the CPU said on that connection stays the CPU's.
    assert_eq!(fact(&snap7, "serial")["value"], "S C-C2UR28922012");
    let cpu = asset_after_analysis(
        "ITI-ICS-Security-Tools/pcaps/s7/s7comm_reading_plc_status.pcap",
        "192.168.1.40",
    );
    assert_eq!(cpu["position"], "rack 0, slot 2");
    assert_eq!(fact(&cpu, "position")["evidence"]["protocol"], "s7comm");
    assert!(cpu["hostnames"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h == "IM151-8-CPU"));
}
