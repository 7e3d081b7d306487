//! HART-IP end to end: the CLI on ICSNPP's HART-IP captures: the identity a device gives
//! in answer to command 0 in the inventory with its evidence, write commands as events,
//! and the general, direct-PDU and session-record logs with ICSNPP's columns.

mod common;
use common::*;

const GATEWAY: &str = "icsnpp-hart-ip/testing/traces/hart-ip.pcap";
const ALL_COMMANDS: &str =
    "icsnpp-hart-ip/testing/traces/hart-ip_all_types_and_commands_sent.pcapng";
const ALL_MESSAGES: &str = "icsnpp-hart-ip/testing/traces/hart-ip_all_messageIDs.pcapng";

#[test]
fn command_0_identity_reaches_the_inventory() {
    let gateway = asset_after_analysis(GATEWAY, "192.168.0.10");
    let manufacturer = fact(&gateway, "hart_manufacturer_id");
    assert_eq!(manufacturer["value"], "0x0026");
    assert_eq!(manufacturer["evidence"]["protocol"], "hart_ip");
    assert_eq!(
        manufacturer["evidence"]["frame"], 4,
        "the first command 0 answer"
    );
    assert_eq!(fact(&gateway, "hart_device_id")["value"], "210");
    assert_eq!(fact(&gateway, "hart_device_type")["value"], "0x264e");
    assert_eq!(fact(&gateway, "hart_protocol_revision")["value"], "7");
    let client = asset_after_analysis(GATEWAY, "192.168.0.101");
    assert!(fact(&client, "hart_device_id").is_null());
}

#[test]
fn writes_are_events() {
    let events = events_after_analysis(ALL_COMMANDS);
    let writes: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "hart_ip_write_command")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert!(
        writes.contains(&"command 22 (Write Long Tag) to device address 26 95 eb 27 b8"),
        "{writes:?}"
    );
    assert!(events.iter().all(|e| e["kind"] != "hart_ip_malformed"));
}

#[test]
fn general_log_rows() {
    let rows = zeek_log_after_analysis(GATEWAY, "hart_ip_general");
    assert_eq!(rows.len(), 48);
    let answer = rows
        .iter()
        .find(|r| {
            r["header_message_type_message_type"] == "Response"
                && r["token_passing_pdu_command_number"] == "Read Unique Identifier"
        })
        .expect("command 0 answer");
    assert_eq!(
        answer["id.orig_p"], "5095",
        "the server answers from another port"
    );
    assert_eq!(answer["token_passing_pdu_address_v6"], "&N\\x00\\x00\\xd2");
    assert_eq!(answer["token_passing_pdu_check_byte"], "228");
    assert_eq!(
        answer["token_passing_pdu_contents_response_device_status_device_malfunction"],
        "T"
    );
}

#[test]
fn audit_log_and_direct_pdu_logs() {
    let records = zeek_log_after_analysis(ALL_MESSAGES, "hart_ip_session_record");
    assert_eq!(records.len(), 17);
    assert_eq!(records[0]["session_log_record_client_port"], "48314");
    assert_eq!(
        records[0]["session_log_record_connect_time"],
        "7.2686072195458847e+18"
    );
    let general = zeek_log_after_analysis(ALL_MESSAGES, "hart_ip_general");
    let audit = general
        .iter()
        .find(|r| {
            r["header_message_id"] == "Read Audit Log"
                && r["header_message_type_message_type"] == "Response"
        })
        .expect("audit log answer");
    assert_eq!(
        audit["session_log_record_link_id"],
        records[0]["session_log_record_link_id"]
    );
    let commands = zeek_log_after_analysis(ALL_MESSAGES, "hart_ip_direct_pdu_command");
    assert_eq!(commands.len(), 2);
    assert_eq!(
        commands[0]["direct_pdu_command_command_number"],
        "Read Device Variable Information"
    );
}
