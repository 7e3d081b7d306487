//! IEC 60870-5-104 end to end: the CLI on corpus captures, checked against what the capture
//! holds (as Wireshark decodes it): the station's common address in the inventory, the
//! commands as events, the types and addresses on the edge, and `iec104.log`.

mod common;
use common::*;

/// A controlling station (10.20.102.1) and a station (10.20.100.108, common address 10):
/// general interrogation, then single, double, regulating-step, bitstring and set-point
/// commands, each activated, confirmed and terminated.
const CAPTURE: &str = "zeek-iec104-georgemakrakis/testing/Traces/first/iec104.pcap";

#[test]
fn station_common_address_reaches_the_inventory() {
    let station = asset_after_analysis(CAPTURE, "10.20.100.108");
    let address = fact(&station, "iec104_common_address");
    assert_eq!(address["value"], "10");
    assert_eq!(address["evidence"]["protocol"], "iec104");
    assert_eq!(
        address["evidence"]["frame"], 10,
        "the end of initialisation, the station's first ASDU"
    );
    let master = asset_after_analysis(CAPTURE, "10.20.102.1");
    assert!(fact(&master, "iec104_common_address").is_null());
}

#[test]
fn commands_become_events_with_what_they_ask() {
    let events = events_after_analysis(CAPTURE);
    let of = |kind: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["protocol"] == "iec104" && e["kind"] == kind)
            .map(|e| e["detail"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        of("iec104_single_command"),
        vec![
            "C_SC_NA_1 act, common address 10, IOA 2: ON execute",
            "C_SC_NA_1 act, common address 10, IOA 13: ON execute"
        ]
    );
    assert_eq!(
        of("iec104_double_command"),
        vec![
            "C_DC_NA_1 act, common address 10, IOA 1: OFF execute",
            "C_DC_NA_1 act, common address 10, IOA 14: ON execute"
        ]
    );
    assert_eq!(
        of("iec104_regulating_step_command")[0],
        "C_RC_NA_1 act, common address 10, IOA 1: next step HIGHER execute"
    );
    assert_eq!(
        of("iec104_interrogation"),
        vec!["C_IC_NA_1 act, common address 10, IOA 0: qualifier 20"],
        "the repeated interrogation is one event"
    );
    let single = events
        .iter()
        .find(|e| e["kind"] == "iec104_single_command")
        .unwrap();
    assert_eq!(single["frame"], 20);
    assert_eq!(single["src"], "10.20.102.1");
    assert!(of("iec104_malformed").is_empty());
}

#[test]
fn types_and_addresses_reach_the_edge() {
    let dir = analysed_into_db(CAPTURE);
    let listed = functions_listed(dir.path(), false);
    let line = |function: &str| {
        listed
            .lines()
            .find(|l| l.contains(&format!(" {function} ")))
            .unwrap_or_else(|| panic!("{function} in {listed}"))
            .to_string()
    };
    assert!(
        line("C_SC_NA_1").ends_with("IOA 2,13"),
        "{}",
        line("C_SC_NA_1")
    );
    assert!(
        line("M_SP_NA_1").ends_with("IOA 1-4"),
        "{}",
        line("M_SP_NA_1")
    );
    assert!(line("C_SC_NA_1").starts_with("10.20.102.1 "));
}

#[test]
fn every_apdu_is_logged_with_its_asdu_header() {
    let rows = zeek_log_after_analysis(CAPTURE, "iec104");
    let apdus = |format: &str| rows.iter().filter(|r| r["apdu_format"] == format).count();
    // Wireshark counts 10 U-frames, 14 S-frames and 91 I-frames in the capture.
    assert_eq!((apdus("U"), apdus("S"), apdus("I")), (10, 14, 91));
    assert_eq!(rows.len(), 115);
    let command = rows
        .iter()
        .find(|r| r["type_id"] == "C_SC_NA_1" && r["cause"] == "act")
        .unwrap();
    assert_eq!(command["send_seq"], "2");
    assert_eq!(command["recv_seq"], "33");
    assert_eq!(command["common_address"], "10");
    assert_eq!(command["ioas"], "2");
    assert_eq!(command["is_orig"], "T");
    let points = rows
        .iter()
        .find(|r| r["type_id"] == "M_SP_NA_1" && r["cause"] == "inrogen")
        .unwrap();
    assert_eq!(points["ioas"], "1,2,3,4");
    assert_eq!(points["sequence"], "F");
}
