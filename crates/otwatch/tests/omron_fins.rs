//! Omron FINS end to end: the CLI on ICSNPP's FINS captures, checked against what the
//! captures hold: a real CP1L's model and version in the inventory, run/stop and clock
//! writes as events, the general log with its FINS/TCP columns and the detail log.

mod common;
use common::*;

/// A tool (10.1.1.173) reading the controller data of a CP1L (10.1.1.164) over FINS/TCP
/// (after the node address exchange) and over UDP.
const REAL_CP1L: &str = "icsnpp-omron-fins/testing/traces/omron_test.pcap";
/// Run, Stop, Controller Data Read, Clock Read and Clock Write over FINS/TCP.
const COMMANDS: &str = "icsnpp-omron-fins/testing/traces/omron_fins_tcp_commands_responses.pcap";

#[test]
fn controller_model_and_version_reach_the_inventory() {
    let plc = asset_after_analysis(REAL_CP1L, "10.1.1.164");
    let model = fact(&plc, "model");
    assert_eq!(model["value"], "CP1L-EL20DR-D");
    assert_eq!(model["evidence"]["protocol"], "omron_fins");
    assert_eq!(
        model["evidence"]["frame"], 9,
        "the first Controller Data Read response, over FINS/TCP"
    );
    assert_eq!(fact(&plc, "firmware")["value"], "01.00 01.06");
    // The MAC in front of it is a router's, whose vendor the OUI names: FINS adds its own.
    let said_by_fins = plc["attributes"].as_array().unwrap().iter().any(|a| {
        a["name"] == "vendor" && a["value"] == "Omron" && a["evidence"]["protocol"] == "omron_fins"
    });
    assert!(said_by_fins, "{plc}");
    let tool = asset_after_analysis(REAL_CP1L, "10.1.1.173");
    assert!(fact(&tool, "model").is_null());
}

#[test]
fn run_stop_and_clock_write_become_events() {
    let events = events_after_analysis(COMMANDS);
    let fins: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["protocol"] == "omron_fins")
        .map(|e| (e["kind"].as_str().unwrap(), e["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fins,
        vec![
            ("omron_fins_run", "Run (0x0401): mode Debug (1)"),
            ("omron_fins_stop", "Stop (0x0402)"),
            (
                "omron_fins_clock_write",
                "Clock Write (0x0702): 2009-01-20 01:02:01"
            ),
        ]
    );
    let run = events
        .iter()
        .find(|e| e["kind"] == "omron_fins_run")
        .unwrap();
    assert_eq!(
        (run["src"].as_str(), run["frame"].as_u64()),
        (Some("192.168.0.2"), Some(4))
    );
    assert!(
        events_after_analysis(REAL_CP1L)
            .iter()
            .all(|e| e["protocol"] != "omron_fins"),
        "reading controller data is not notable, and empty probes are not malformed"
    );
}

#[test]
fn general_log_has_the_tcp_header_and_the_node_address_exchange() {
    let rows = zeek_log_after_analysis(REAL_CP1L, "omron_fins_general");
    let exchange: Vec<(&str, &str, &str)> = rows
        .iter()
        .filter(|r| r["tcp_command"].starts_with("Node Address"))
        .map(|r| {
            (
                r["tcp_command"].as_str(),
                r["client_node_address"].as_str(),
                r["server_node_address"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        exchange,
        vec![
            ("Node Address Data Send (Client)", "0", "-"),
            ("Node Address Data Send (Server)", "251", "200"),
        ]
    );
    let rows = zeek_log_after_analysis(COMMANDS, "omron_fins_general");
    assert_eq!(rows.len(), 16);
    let first = &rows[0];
    assert_eq!(first["proto"], "tcp");
    assert_eq!(first["tcp_header"], "0x46494e53");
    assert_eq!(first["tcp_length"], "23");
    assert_eq!(first["command_code"], "Run (0x0401)");
    assert_eq!(first["response_code"], "(empty)");
    assert_eq!(rows[1]["response_code"], "Normal completion (0x0000)");
    assert_eq!(rows[1]["icf_data_type"], "Response (1)");
}

#[test]
fn detail_log_has_the_controller_data_and_the_clock() {
    let rows = zeek_log_after_analysis(COMMANDS, "omron_fins_detail");
    let clock = rows
        .iter()
        .find(|r| r["command_code"] == "Clock Write (0x0702)")
        .unwrap();
    assert_eq!(
        ["year", "month", "date", "hour", "minute", "second", "day"].map(|c| clock[c].as_str()),
        ["2009", "1", "20", "1", "2", "1", "Wed (3)"]
    );
    let data = rows
        .iter()
        .find(|r| r["controller_model"] == "AAAAAAAAAAAAAAAAAAAA")
        .unwrap();
    assert_eq!(data["kind_of_memory_card"], "No Memory Card (0x00)");
    assert_eq!(data["memory_card_size"], "4");
}

#[test]
fn memory_commands_reach_the_edge_with_the_words_they_touched() {
    // ICSNPP's UDP capture: every command once, memory commands at word 0xcccc (52428).
    let dir = analysed_into_db("icsnpp-omron-fins/testing/traces/omron.pcap");
    let listed = functions_listed(dir.path(), false);
    let line = |function: &str| {
        listed
            .lines()
            .find(|l| l.contains(&format!(" {function} ")))
            .unwrap_or_else(|| panic!("{function} in {listed}"))
            .to_string()
    };
    assert!(
        line("Memory Area Write").ends_with("CIO 52428"),
        "{}",
        line("Memory Area Write")
    );
    assert!(
        line("Memory Area Read").contains("DM 52428-52429"),
        "{}",
        line("Memory Area Read")
    );
    assert!(line("Run").starts_with("10.4.14.102 "));
}
