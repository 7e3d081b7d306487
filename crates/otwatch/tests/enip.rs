//! End-to-end: EtherNet/IP and CIP captures of the corpus through the CLI, checked against
//! the rows ICSNPP wrote for the same captures and against the events an engineer expects.

mod common;
use common::*;

const EXAMPLE: &str = "icsnpp-enip/tests/traces/enip_cip_example.pcap";

fn row<'a>(
    rows: &'a [std::collections::BTreeMap<String, String>],
    wanted: &[(&str, &str)],
) -> &'a std::collections::BTreeMap<String, String> {
    rows.iter()
        .find(|r| {
            wanted
                .iter()
                .all(|(k, v)| r.get(*k).map(String::as_str) == Some(*v))
        })
        .unwrap_or_else(|| panic!("no row with {wanted:?}"))
}

#[test]
fn zeek_logs_hold_icsnpp_rows() {
    // Counts and values as in ICSNPP's baseline for this capture (analyzer.basic).
    let enip = zeek_log_after_analysis(EXAMPLE, "enip");
    assert_eq!(enip.len(), 269);
    let reply = row(&enip, &[("enip_command_code", "0x63"), ("is_orig", "F")]);
    assert_eq!(reply["enip_command"], "List Identity");
    assert_eq!(reply["length"], "51");
    assert_eq!(reply["session_handle"], "0x00000000");
    assert_eq!(reply["enip_status"], "Success");
    assert_eq!(reply["sender_context"], "0x00000000c1debed1");
    assert_eq!(reply["options"], "0x00000000");
    assert_eq!(reply["source_h"], "10.1.1.164");

    let cip = zeek_log_after_analysis(EXAMPLE, "cip");
    assert_eq!(cip.len(), 1158);
    let msp = row(
        &cip,
        &[
            ("cip_sequence_count", "1929"),
            ("cip_service_code", "0x0a"),
            ("direction", "request"),
        ],
    );
    assert_eq!(msp["class_name"], "Message Router");
    assert_eq!(msp["instance_id"], "0x01");
    assert_eq!(msp["attribute_id"], "-");
    assert_eq!(msp["cip_status"], "-");
    let embedded = row(
        &cip,
        &[("cip_sequence_count", "1929"), ("instance_id", "0x2420")],
    );
    assert_eq!(embedded["cip_service"], "Get Attribute List");
    assert_eq!(embedded["class_id"], "0x68");
    let answer = row(
        &cip,
        &[
            ("cip_sequence_count", "1929"),
            ("cip_service_code", "0x0a"),
            ("direction", "response"),
        ],
    );
    assert_eq!(answer["cip_status_code"], "0x00");
    assert_eq!(answer["cip_status"], "Success");
    assert_eq!(answer["cip_extended_status_code"], "-");
    assert_eq!(answer["class_id"], "-");

    let io = zeek_log_after_analysis(EXAMPLE, "cip_io");
    assert_eq!(io.len(), 398);
    let first = row(
        &io,
        &[
            ("connection_id", "0x004b0603"),
            ("sequence_number", "4166875"),
        ],
    );
    assert_eq!(first["data_length"], "6");
    assert_eq!(first["io_data"], "a587e80f0300");
    assert_eq!(first["is_orig"], "T");

    let identity = zeek_log_after_analysis(EXAMPLE, "cip_identity");
    assert_eq!(identity.len(), 1);
    let id = &identity[0];
    for (column, value) in [
        ("is_orig", "F"),
        ("encapsulation_version", "1"),
        ("socket_address", "10.1.1.164"),
        ("socket_port", "44818"),
        ("vendor_id", "1"),
        ("vendor_name", "Rockwell Automation/Allen-Bradley"),
        ("device_type_id", "12"),
        ("device_type_name", "Communications Adapter"),
        ("product_code", "58"),
        ("revision", "4.3"),
        ("device_status", "0x0030"),
        ("serial_number", "0x00524d8e"),
        ("product_name", "1756-ENBT/A"),
        ("device_state", "0x0003"),
    ] {
        assert_eq!(id[column], value, "{column}");
    }
    // The identity row and the encapsulation header of its packet share a correlation id.
    assert_eq!(id["packet_correlation_id"], reply["packet_correlation_id"]);
}

#[test]
fn controller_stop_and_start_are_events() {
    for (capture, kind, name) in [
        (
            "ITI-ICS-Security-Tools/pcaps/EthernetIP/cip_stop_plc.pcap",
            "cip_stop",
            "Stop (0x07)",
        ),
        (
            "ITI-ICS-Security-Tools/pcaps/EthernetIP/cip_start_plc.pcap",
            "cip_start",
            "Start (0x06)",
        ),
    ] {
        let events = events_after_analysis(capture);
        let event = events
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {events:?}"));
        let detail = event["detail"].as_str().unwrap();
        assert!(detail.starts_with(name), "{detail}");
        assert!(detail.contains("class 0x8e"), "{detail}");
        assert_eq!(event["src"], "192.168.1.69");
        assert_eq!(event["dst"], "192.168.1.30");
        assert_eq!(event["frame"], 1);
    }
}

#[test]
fn attribute_writes_are_events_once_per_object() {
    // The enip_cip_example session writes class 0x8b with Set_Attribute_List once.
    let events = events_after_analysis(EXAMPLE);
    let writes: Vec<_> = events
        .iter()
        .filter(|e| e["kind"] == "cip_set_attribute")
        .collect();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(writes[0]["detail"]
        .as_str()
        .unwrap()
        .contains("class 0x8b (vendor-specific) instance 0x01"));
}

/// The per-edge function aggregates say which object instances each CIP service addressed.
#[test]
fn function_aggregates_name_the_objects_addressed() {
    let dir = analysed_into_db("icsnpp-enip/tests/traces/enip_cip_example.pcap");
    let functions: serde_json::Value =
        serde_json::from_str(&functions_listed(dir.path(), true)).unwrap();
    let set = functions
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "Set Attribute List")
        .unwrap_or_else(|| panic!("no Set Attribute List aggregate in {functions}"));
    assert_eq!(
        set["addresses"]["spaces"],
        serde_json::json!([{"space": "class 0x8b", "ranges": [[1, 1]]}])
    );
}
