//! ROC Plus end to end: the CLI on ICSNPP's ROC Plus traces (every opcode over TCP and over
//! UDP), checked against what the captures hold: the device's identity from its system
//! configuration, logins and file transfers as events, and the ICSNPP logs.

mod common;
use common::*;

const TCP: &str = "icsnpp-roc-plus/testing/traces/all_opcodes_tcp.pcap";
const UDP: &str = "icsnpp-roc-plus/testing/traces/all_opcodes_udp.pcap";

#[test]
fn system_configuration_names_the_device() {
    let device = asset_after_analysis(TCP, "192.168.1.200");
    let model = fact(&device, "model");
    assert_eq!(model["value"], "ROC800 (809/827)");
    assert_eq!(model["evidence"]["protocol"], "roc_plus");
    assert_eq!(
        model["evidence"]["frame"], 6,
        "the system configuration response"
    );
    assert_eq!(fact(&device, "vendor")["value"], "Emerson");
    assert_eq!(fact(&device, "roc_plus_address")["value"], "unit 3 group 4");
    let master = asset_after_analysis(TCP, "192.168.1.100");
    assert!(fact(&master, "model").is_null());
}

#[test]
fn logins_writes_and_file_transfers_are_events() {
    let events = events_after_analysis(UDP);
    let of_kind = |kind: &str| -> Vec<&serde_json::Value> {
        events.iter().filter(|e| e["kind"] == kind).collect()
    };
    let logins = of_kind("roc_plus_login");
    assert!(
        logins.iter().any(|e| e["detail"]
            .as_str()
            .unwrap()
            .contains("Standard Login by operator \"OP1\"")),
        "{logins:?}"
    );
    let files = of_kind("roc_plus_file_transfer");
    assert!(
        files.iter().any(|e| e["detail"]
            .as_str()
            .unwrap()
            .contains("/flash/data/example.txt")),
        "{files:?}"
    );
    assert!(!of_kind("roc_plus_set_clock").is_empty());
    assert!(!of_kind("roc_plus_write").is_empty());
    assert!(!of_kind("roc_plus_error").is_empty());
}

#[test]
fn every_message_reaches_the_log_with_its_columns() {
    let rows = zeek_log_after_analysis(TCP, "roc_plus");
    assert_eq!(rows.len(), 109);
    let first = &rows[0];
    assert_eq!(first["protocol"], "tcp");
    assert_eq!(first["packet_type"], "Request");
    assert_eq!(first["opcode"], "System Config (006)");
    let errors = rows.last().unwrap();
    assert_eq!(errors["opcode"], "Error Indicator (255)");
    assert!(errors["error_code"].ends_with(",General Error"));
    let login = zeek_log_after_analysis(UDP, "roc_plus_login");
    assert_eq!(login[0]["operator_id"], "4F5031");
    assert_eq!(
        login[0]["password"], "(empty)",
        "a password is never logged"
    );
    let files = zeek_log_after_analysis(UDP, "roc_plus_file_transfer");
    assert_eq!(files[3]["data"], "\\x0a\\x0b\\x0c\\x0d");
}
