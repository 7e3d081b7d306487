//! BACnet/IP end to end: the CLI on ICSNPP's BACnet captures, checked against what the
//! captures hold: Device object properties in the inventory with their evidence, a device
//! behind a router kept off the router's address, device-control commands and errors as
//! events (never with the password), the four BACnet logs, and the services per edge.

mod common;
use common::*;

const EXAMPLE: &str = "icsnpp-bacnet/testing/traces/bacnet_example.pcap";
const SERVICES: &str = "icsnpp-bacnet/testing/traces/bacnet_services.pcap";

#[test]
fn device_object_properties_and_i_am_reach_the_inventory() {
    // Frames 133-141: 172.20.32.200 reads object-name, model-name and firmware-revision of
    // device 501 at 172.20.32.109; frame 90 is its I-Am (vendor id 85).
    let asset = asset_after_analysis(EXAMPLE, "172.20.32.109");
    let model = fact(&asset, "model");
    assert_eq!(model["value"], "HIY-054");
    assert_eq!(model["evidence"]["protocol"], "bacnet");
    assert_eq!(model["evidence"]["frame"], 137);
    assert_eq!(fact(&asset, "firmware")["value"], "4.2.1");
    assert_eq!(fact(&asset, "object_name")["value"], "PLC_28");
    let instance = fact(&asset, "bacnet_device_instance");
    assert_eq!(instance["value"], "501");
    assert_eq!(instance["evidence"]["frame"], 90);
    assert_eq!(fact(&asset, "bacnet_vendor_id")["value"], "85");
    let vendor = asset["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "vendor" && a["evidence"]["frame"] == 90)
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        vendor["value"], "Yamatake Building Systems Co., Ltd.",
        "{asset}"
    );
}

#[test]
fn a_device_behind_a_router_is_not_pinned_on_the_router() {
    // Frames 626-640: device 29 on BACnet network 3 answers, through the router at
    // 192.168.0.24, model-name "SYSC MLX" and object-name "112E1".
    let router = asset_after_analysis(SERVICES, "192.168.0.24");
    assert!(fact(&router, "model").is_null(), "{router}");
    assert!(fact(&router, "object_name").is_null(), "{router}");
    let events = events_after_analysis(SERVICES);
    assert!(events.iter().any(|e| e["kind"] == "bacnet_device_property"
        && e["detail"]
            .as_str()
            .unwrap()
            .contains("model-name = \"SYSC MLX\" (device on BACnet network 3")));
}

#[test]
fn device_control_commands_and_refusals_are_events_without_the_password() {
    let events = events_after_analysis(SERVICES);
    let of = |kind: &str| -> Vec<(u64, String)> {
        events
            .iter()
            .filter(|e| e["kind"] == kind)
            .map(|e| {
                (
                    e["frame"].as_u64().unwrap(),
                    e["detail"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let dcc = of("bacnet_device_communication_control");
    assert!(dcc.contains(&(
        265,
        "communication disable indefinitely, empty password".into()
    )));
    assert!(dcc.contains(&(
        267,
        "communication disable for 1 min, password given".into()
    )));
    let reinit = of("bacnet_reinitialize_device");
    assert!(reinit.contains(&(398, "reinitialize coldstart, password given".into())));
    let errors = of("bacnet_error");
    assert!(errors.contains(&(
        399,
        "reinitialize_device refused: password-failure (class services)".into()
    )));
    assert!(!of("bacnet_write_property").is_empty());
    for e in &events {
        let detail = e["detail"].as_str().unwrap();
        assert!(
            !detail.contains("filister") && !detail.contains("ethereal"),
            "a password reached an event: {detail}"
        );
    }
}

#[test]
fn the_four_bacnet_logs_are_written_with_their_columns() {
    let control = zeek_log_after_analysis(SERVICES, "bacnet_device_control");
    assert_eq!(control.len(), 16);
    let row = &control[2];
    assert_eq!(row["invoke_id"], "133");
    assert_eq!(row["pdu_service"], "device_communication_control");
    assert_eq!(row["time_duration"], "1");
    assert_eq!(row["device_state"], "disable");
    assert_eq!(row["source_h"], "192.168.0.50");
    assert_eq!(control[3]["result"], "SUCCESS");
    let header = zeek_log_after_analysis(SERVICES, "bacnet");
    assert!(header
        .iter()
        .any(|r| r["pdu_type"] == "NPDU" && r["pdu_service"] == "i_am_router_to_network"));
    let discovery = zeek_log_after_analysis(EXAMPLE, "bacnet_discovery");
    assert!(discovery.iter().any(|r| r["pdu_service"] == "i-am"
        && r["instance_number"] == "721"
        && r["vendor"] == "Cornell University"));
    let property = zeek_log_after_analysis(EXAMPLE, "bacnet_property");
    assert!(property
        .iter()
        .any(|r| r["pdu_service"] == "read-property-ack"
            && r["property"] == "units"
            && r["value"] == "hertz"));
}

#[test]
fn services_per_edge_name_the_objects_and_properties_they_address() {
    let dir = analysed_into_db(EXAMPLE);
    let listed = functions_listed(dir.path(), true);
    assert!(listed.contains("read_property"), "{listed}");
    assert!(listed.contains("device/model-name"), "{listed}");
    assert!(listed.contains("reinitialize_device"), "{listed}");
}
