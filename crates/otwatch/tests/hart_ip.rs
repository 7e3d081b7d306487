//! HART-IP end to end: the CLI on ICSNPP's HART-IP captures: the identity a device gives
//! in answer to commands 0, 16 and 21 in the inventory with its evidence, write commands as
//! events, and the general, direct-PDU, session-record, universal-command and
//! common-command logs with ICSNPP's columns, tied together by their link ids.

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

#[test]
fn identity_from_direct_pdu_answers() {
    // hart-ip_all_types_and_commands_sent.pcapng: the device answers commands 16 and 21 in
    // direct PDUs.
    let device = asset_after_analysis(ALL_COMMANDS, "10.9.0.117");
    let assembly = fact(&device, "hart_final_assembly_number");
    assert_eq!(assembly["value"], "0");
    assert_eq!(assembly["evidence"]["protocol"], "hart_ip");
    assert_eq!(fact(&device, "hart_device_type")["value"], "0xf9fd");
    assert_eq!(fact(&device, "hart_manufacturer_id")["value"], "0x00f9");
    // Command 11 asks who carries a tag; the device that answers carries it.
    let tag = fact(&device, "hart_tag");
    assert_eq!(tag["value"], "@ATIVEPI");
    assert_eq!(
        tag["evidence"]["message"],
        "HART-IP direct PDU response to command 11 (Read Unique Identifier Tag)"
    );
}

#[test]
fn universal_command_rows_link_to_their_message() {
    let rows = zeek_log_after_analysis(GATEWAY, "hart_ip_universal_commands");
    assert_eq!(rows.len(), 20, "as many rows as ICSNPP writes");
    let identity = rows
        .iter()
        .find(|r| r["read_unique_identifier_response__254"] == "254")
        .expect("command 0 answer");
    assert_eq!(
        identity["read_unique_identifier_response_expanded_device_type"],
        "WIRELESSGATEWAY ROSEMOUNT"
    );
    assert_eq!(
        identity["read_unique_identifier_response_device_profile"],
        "WIRELESSHART GATEWAY"
    );
    let general = zeek_log_after_analysis(GATEWAY, "hart_ip_general");
    let message = general
        .iter()
        .find(|r| r["command_number_link_id"] == identity["command_number_link_id"])
        .expect("the message that carried the answer");
    assert_eq!(
        message["token_passing_pdu_command_number"],
        "Read Unique Identifier"
    );
    assert_eq!(message["header_message_type_message_type"], "Response");
    let loop_current = rows
        .iter()
        .find(|r| r["read_loop_current_response_primary_variable_loop_current"] != "-")
        .expect("command 2 answer");
    assert_eq!(
        loop_current["read_loop_current_response_primary_variable_loop_current"],
        "nan"
    );
    assert!(rows.iter().any(
        |r| r["read_dynamic_variable_response_tertiary_variable_units"] == "C DEGREES CELSIUS"
    ));
}

#[test]
fn common_command_rows_from_token_passing_and_direct_pdus() {
    let rows = zeek_log_after_analysis(ALL_COMMANDS, "hart_ip_common_commands");
    let units = rows
        .iter()
        .find(|r| r["write_device_variable_units_device_variable_units_code"] != "-")
        .expect("command 53 request");
    assert_eq!(
        units["write_device_variable_units_device_variable_units_code"],
        "unknown-0xfa"
    );
    let information = rows
        .iter()
        .find(|r| r["read_device_variable_information_response_acquisition_period"] != "-")
        .expect("command 54 answer");
    assert_eq!(
        information["read_device_variable_information_response_acquisition_period"],
        "1 minutes, 40.000000 seconds since midnight"
    );
    let commands = zeek_log_after_analysis(ALL_COMMANDS, "hart_ip_direct_pdu_command");
    let carrier = commands
        .iter()
        .find(|c| c["command_number_link_id"] == information["command_number_link_id"])
        .expect("the direct PDU command that carried the answer");
    assert_eq!(
        carrier["direct_pdu_command_command_number"],
        "Read Device Variable Information"
    );
}
