//! BSAP end to end: the CLI on ICSNPP's BSAP captures (BSAP/IP on port 1234 and serial
//! BSAP tunnelled over UDP port 1235): the header logs with ICSNPP's columns, remote
//! database requests among the per-edge functions, and writes of RTU signals as events.

mod common;
use common::*;

const IP: &str = "icsnpp-bsap/testing/traces/bsap-ip_example.pcap";
const SERIAL: &str = "icsnpp-bsap/testing/traces/bsap-serial_example.pcapng";

#[test]
fn ip_header_log() {
    let rows = zeek_log_after_analysis(IP, "bsap_ip_header");
    assert_eq!(rows.len(), 5047);
    let polls = rows.iter().filter(|r| r["type_name"] == "POLL").count();
    assert_eq!(polls, 1682);
    let first = &rows[0];
    assert_eq!(first["is_orig"], "T");
    assert_eq!(first["num_msg"], "1");
    assert_eq!(first["type_name"], "REQUEST");
}

#[test]
fn ip_remote_database_log() {
    let rows = zeek_log_after_analysis(IP, "bsap_ip_rdb");
    assert_eq!(rows.len(), 3363);
    let write = rows
        .iter()
        .position(|r| r["func_code"] == "WRITE_SIGNAL_BY_ADDRESS")
        .expect("a write");
    assert_eq!(rows[write]["variables"], "Addr 0x1100 ");
    assert_eq!(rows[write]["variable_value"], "0A");
    let read_answer = rows
        .iter()
        .find(|r| r["func_code"] == "RSP_READ_SIGNAL_BY_NAME")
        .expect("a read answer");
    assert!(
        read_answer["variables"].starts_with("0x0000 Addr 0x0400,"),
        "{read_answer:?}"
    );
}

#[test]
fn serial_header_log() {
    let rows = zeek_log_after_analysis(SERIAL, "bsap_serial_header");
    assert_eq!(rows.len(), 2838);
    let first = &rows[0];
    let got: Vec<&str> = ["ser", "dadd", "dfun", "seq", "sfun", "nsb", "type_name"]
        .iter()
        .map(|c| first[*c].as_str())
        .collect();
    assert_eq!(
        got,
        vec!["235", "-", "RDB", "2275", "PEI_PC", "0", "Local Message"]
    );
}

#[test]
fn serial_remote_database_log() {
    let rows = zeek_log_after_analysis(SERIAL, "bsap_serial_rdb");
    assert_eq!(rows.len(), 2820);
    let write = rows
        .iter()
        .position(|r| r["func_code"] == "WRITE_SIGNAL_BY_NAME")
        .expect("a write");
    assert_eq!(rows[write]["variables"], "@GV.AS2.");
    let answer = &rows[write + 1];
    assert_eq!(answer["func_code"], "RSP_WRITE_SIGNAL_BY_NAME");
    assert_eq!(answer["is_orig"], "F");
    assert_eq!(answer["variable_value"], "0000");
}

#[test]
fn writes_and_functions() {
    let events = events_after_analysis(SERIAL);
    let writes: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "bsap_write_signal")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert!(
        writes.contains(&"remote database WRITE_SIGNAL_BY_NAME: @GV.AS2."),
        "{writes:?}"
    );
    let dir = analysed_into_db(IP);
    let listed = functions_listed(dir.path(), false);
    assert!(listed.contains("READ_SIGNAL_BY_NAME"), "{listed}");
    assert!(listed.contains("WRITE_SIGNAL_BY_ADDRESS"), "{listed}");
}
