//! IEC 61850 end to end: GOOSE publishers and their state changes as events, and MMS on
//! TCP 102 in `mms.log`, with a server's Identify answer in the inventory. Expected values
//! are those tshark decodes from the same frames.

mod common;
use common::*;

const GOOSE: &str = "ITI-ICS-Security-Tools/pcaps/IEC61850/GOOSE/GOOSE.pcap";
const SAMPLE_GOOSE: &str = "ITI-ICS-Security-Tools/pcaps/IEC61850/GOOSE/Sample_File_GOOSE.pcap";
const PICCOLO: &str = "ITI-ICS-Security-Tools/pcaps/IEC61850/piccolo.pcap";
const ICCP: &str =
    "ITI-ICS-Security-Tools/pcaps/IEC61850/8d7c7db0-9804-012b-b2a6-0016cb8cea27.pcap";
const STOP: &str =
    "ITI-ICS-Security-Tools/pcaps/IEC61850/MMS - Specific Commands/mms-stopRequest.pcap";

fn of_kind(events: &[serde_json::Value], kind: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["detail"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_goose_publisher_is_announced_once() {
    let events = events_after_analysis(GOOSE);
    let publishers = of_kind(&events, "goose_publisher");
    // tshark: gocbRef GEDeviceF650/LLN0$GO$gcb01, datSet GEDeviceF650/LLN0$GOOSE1, goID
    // F650_GOOSE1, stNum 1, confRev 1 in every frame of the capture.
    assert_eq!(publishers.len(), 1);
    let p = &publishers[0];
    assert!(
        p.starts_with("00:a0:f4:08:2f:77 publishes GEDeviceF650/LLN0$GO$gcb01"),
        "{p}"
    );
    assert!(p.contains("dataset GEDeviceF650/LLN0$GOOSE1"), "{p}");
    assert!(p.contains("goID \"F650_GOOSE1\""), "{p}");
    assert!(of_kind(&events, "goose_state_change").is_empty());
}

#[test]
fn goose_state_changes_follow_stnum() {
    let events = events_after_analysis(SAMPLE_GOOSE);
    let changes = of_kind(&events, "goose_state_change");
    // tshark on frames 1 and 2 of the capture: stNum 36705, then 36706, of
    // AA1C1Q01A1LD0/LLN0$GO$gcb_A from 0a:bb:fe:10:c9:02.
    assert!(!changes.is_empty());
    assert_eq!(
        changes[0],
        "0a:bb:fe:10:c9:02 AA1C1Q01A1LD0/LLN0$GO$gcb_A stNum 36705 -> 36706 (sqNum 0, dataset AA1C1Q01A1LD0/LLN0$InterlockingA)"
    );
}

#[test]
fn mms_identify_reaches_the_inventory() {
    // tshark, frame 4: vendorName "INFO TECH", modelName "S61850 for PC", revision 0.0.1.
    let asset = asset_after_analysis(PICCOLO, "10.10.0.30");
    // The network card's maker (from the MAC) is a vendor fact too: the MMS one is its own.
    let stated = |name: &str| {
        asset["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name && a["evidence"]["protocol"] == "mms")
            .cloned()
            .unwrap_or_default()
    };
    let vendor = stated("vendor");
    assert_eq!(vendor["value"], "INFO TECH");
    assert_eq!(vendor["evidence"]["frame"], 4);
    assert_eq!(stated("model")["value"], "S61850 for PC");
    assert_eq!(stated("firmware")["value"], "0.0.1");
}

#[test]
fn mms_log_has_a_row_per_pdu() {
    let rows = zeek_log_after_analysis(PICCOLO, "mms");
    let kinds: Vec<&str> = rows.iter().map(|r| r["pdu_type"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "initiate-RequestPDU",
            "initiate-ResponsePDU",
            "confirmed-RequestPDU",
            "confirmed-ResponsePDU",
            "confirmed-RequestPDU"
        ]
    );
    assert_eq!(rows[2]["service"], "identify");
    assert_eq!(rows[2]["invoke_id"], "1");
    assert_eq!(rows[2]["is_orig"], "T");
    assert_eq!(rows[4]["service"], "status");
}

#[test]
fn iccp_reports_and_writes() {
    // The client sends each TPKT header in a TCP segment of its own (frames 4 and 5).
    let rows = zeek_log_after_analysis(ICCP, "mms");
    let reports = rows
        .iter()
        .filter(|r| r["service"] == "informationReport")
        .count();
    // tshark: 115 unconfirmed PDUs, all information reports.
    assert_eq!(reports, 115);
    let asset = asset_after_analysis(ICCP, "10.101.1.3");
    assert_eq!(asset["protocols"][0]["protocol"], "cotp,mms");
    assert_eq!(asset["protocols"][0]["identified_by"], "payload");
    let events = events_after_analysis(ICCP);
    let writes = of_kind(&events, "mms_write");
    assert!(
        writes.contains(&"write KIRKLAND/CITEC_TS0".to_string()),
        "{writes:?}"
    );
}

#[test]
fn program_stop_and_start_are_events() {
    let events = events_after_analysis(STOP);
    assert_eq!(
        of_kind(&events, "mms_program_start"),
        ["start R395024397Application_1"]
    );
    assert_eq!(
        of_kind(&events, "mms_program_stop"),
        ["stop R395024397Application_1"]
    );
}
