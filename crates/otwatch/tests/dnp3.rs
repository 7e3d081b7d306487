//! DNP3 end to end: the CLI on corpus captures (Zeek's DNP3 traces and ICSNPP's example),
//! checked against what the capture holds: inventory facts with their evidence, the three
//! DNP3 logs, and the notable events.

mod common;
use common::*;

fn values<'a>(
    rows: &'a [std::collections::BTreeMap<String, String>],
    columns: &[&str],
) -> Vec<Vec<&'a str>> {
    rows.iter()
        .map(|r| columns.iter().map(|c| r[*c].as_str()).collect())
        .collect()
}

#[test]
fn outstation_link_address_reaches_the_inventory() {
    let capture = "zeek/testing/btest/Traces/dnp3/dnp3_select_operate.pcap";
    let outstation = asset_after_analysis(capture, "130.126.140.229");
    let address = fact(&outstation, "dnp3_outstation_address");
    assert_eq!(address["value"], "2");
    assert_eq!(address["evidence"]["protocol"], "dnp3");
    assert_eq!(address["evidence"]["frame"], 6, "the first response");
    let master = asset_after_analysis(capture, "130.126.142.250");
    assert_eq!(fact(&master, "dnp3_master_address")["value"], "3");
    assert!(fact(&master, "dnp3_outstation_address").is_null());
}

#[test]
fn select_operate_over_tcp_in_all_three_logs() {
    let capture = "zeek/testing/btest/Traces/dnp3/dnp3_select_operate.pcap";
    let dnp3 = zeek_log_after_analysis(capture, "dnp3");
    assert_eq!(
        values(&dnp3, &["id.resp_p", "fc_request", "fc_reply", "iin"]),
        vec![
            vec!["20000", "SELECT", "RESPONSE", "0"],
            vec!["20000", "OPERATE", "RESPONSE", "0"]
        ]
    );
    let control = zeek_log_after_analysis(capture, "dnp3_control");
    assert_eq!(
        values(
            &control,
            &[
                "is_orig",
                "block_type",
                "function_code",
                "index_number",
                "trip_control_code",
                "operation_type",
                "clear_bit",
                "execute_count",
                "on_time",
                "off_time",
                "status_code"
            ]
        ),
        vec![
            vec![
                "T",
                "Control Relay Output Block",
                "SELECT",
                "1",
                "Nul",
                "Latch On",
                "F",
                "1",
                "100",
                "100",
                "-"
            ],
            vec![
                "F",
                "Control Relay Output Block",
                "RESPONSE",
                "1",
                "Nul",
                "Latch On",
                "F",
                "1",
                "100",
                "100",
                "Success"
            ],
            vec![
                "T",
                "Control Relay Output Block",
                "OPERATE",
                "1",
                "Nul",
                "Latch On",
                "F",
                "1",
                "100",
                "100",
                "-"
            ],
            vec![
                "F",
                "Control Relay Output Block",
                "RESPONSE",
                "1",
                "Nul",
                "Latch On",
                "F",
                "1",
                "100",
                "100",
                "Success"
            ],
        ]
    );
    assert_eq!(control[1]["source_h"], "130.126.140.229");
    assert!(
        zeek_log_after_analysis(capture, "dnp3_objects").is_empty(),
        "objects are logged for reads only"
    );
}

#[test]
fn reads_and_their_responses_in_the_objects_log() {
    let capture = "icsnpp-dnp3/testing/traces/dnp3_example.pcap";
    let objects = zeek_log_after_analysis(capture, "dnp3_objects");
    let columns = [
        "is_orig",
        "function_code",
        "object_type",
        "object_count",
        "range_low",
        "range_high",
    ];
    assert_eq!(
        values(&objects[..5], &columns),
        vec![
            vec!["T", "READ", "Class 0 Data", "-", "-", "-"],
            vec![
                "F",
                "RESPONSE",
                "Binary Input With Status",
                "120",
                "0",
                "119"
            ],
            vec!["F", "RESPONSE", "Binary Output Status", "34", "0", "33"],
            vec!["F", "RESPONSE", "16-Bit Analog Input", "20", "0", "19"],
            vec![
                "F",
                "RESPONSE",
                "16-Bit Analog Output Status",
                "20",
                "0",
                "19"
            ],
        ]
    );
    // The responses span two link frames each: every one was reassembled.
    let responses = objects
        .iter()
        .filter(|r| r["object_type"] == "16-Bit Analog Output Status")
        .count();
    assert_eq!(responses, 97);
}

#[test]
fn multi_frame_response_over_udp() {
    let dnp3 = zeek_log_after_analysis("zeek/testing/btest/Traces/dnp3/dnp3_udp_read.pcap", "dnp3");
    assert_eq!(
        values(&dnp3, &["id.orig_h", "fc_request", "fc_reply", "iin"]),
        vec![
            vec!["192.168.80.160", "READ", "RESPONSE", "36864"],
            vec!["192.168.80.160", "-", "RESPONSE", "36864"]
        ],
        "a two-fragment response: only the first answers the READ"
    );
}

#[test]
fn unanswered_request_is_logged_when_the_flow_ends() {
    let dnp3 = zeek_log_after_analysis("zeek/testing/btest/Traces/dnp3/dnp3.pcap", "dnp3");
    // With several workers, rows of different flows come in the workers' order.
    let mut unanswered: Vec<_> = dnp3
        .iter()
        .filter(|r| r["fc_reply"] == "-")
        .map(|r| (r["id.orig_p"].as_str(), r["fc_request"].as_str()))
        .collect();
    unanswered.sort();
    assert_eq!(
        unanswered,
        vec![("1084", "STOP_APPL"), ("1159", "DISABLE_UNSOLICITED")]
    );
}

#[test]
fn notable_commands_and_anomalies_become_events() {
    let events = events_after_analysis("zeek/testing/btest/Traces/dnp3/dnp3.pcap");
    let dnp3: Vec<serde_json::Value> = events
        .into_iter()
        .filter(|e| e["protocol"] == "dnp3")
        .collect();
    let first = |kind: &str| {
        dnp3.iter()
            .find(|e| e["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} event"))
            .clone()
    };
    let restart = first("dnp3_restart");
    assert_eq!(restart["frame"], 70);
    assert_eq!(restart["detail"], "COLD_RESTART to outstation 4");
    assert_eq!(
        first("dnp3_time_set")["detail"],
        "WRITE to outstation 4: absolute time"
    );
    assert!(first("dnp3_unsolicited_setting")["detail"]
        .as_str()
        .unwrap()
        .starts_with("DISABLE_UNSOLICITED to outstation 4"));
    assert!(first("dnp3_unsolicited_response")["detail"]
        .as_str()
        .unwrap()
        .contains("outstation 4 sends unsolicited responses"));
    // Frame 19 starts with 05 05 instead of 05 64.
    let bad = first("dnp3_bad_length");
    assert_eq!(bad["frame"], 19);
    assert!(bad["detail"].as_str().unwrap().contains("dnp3_bad_start"));
}

#[test]
fn file_operations_name_the_file() {
    let events = events_after_analysis("zeek/testing/btest/Traces/dnp3/dnp3_file_read.pcap");
    let files: Vec<String> = events
        .into_iter()
        .filter(|e| e["kind"] == "dnp3_file_operation")
        .map(|e| e["detail"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        files.first().map(String::as_str),
        Some("OPEN_FILE to outstation 4: file \"./test.xml\" (read, 0 bytes)")
    );
    assert!(files.iter().any(|f| f.starts_with("CLOSE_FILE")));
}

/// The per-edge function aggregates say which points a control addressed.
#[test]
fn function_aggregates_name_the_points_commanded() {
    let dir = analysed_into_db("zeek/testing/btest/Traces/dnp3/dnp3_select_operate.pcap");
    let functions: serde_json::Value =
        serde_json::from_str(&functions_listed(dir.path(), true)).unwrap();
    let operate = functions
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "OPERATE")
        .unwrap_or_else(|| panic!("no OPERATE aggregate in {functions}"));
    assert_eq!(
        operate["addresses"]["spaces"],
        serde_json::json!([{"space": "g12", "ranges": [[1, 1]]}])
    );
}
