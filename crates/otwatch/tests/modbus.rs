//! Modbus/TCP end to end: the ICSNPP logs written from real captures, the facts a device
//! states about itself reaching the inventory, and anomalies reaching the events.

mod common;
use common::*;

use std::collections::BTreeMap;

const EXAMPLE: &str = "icsnpp-modbus/testing/traces/modbus_example.pcap";
/// A Wingpath simulator polled with Diagnostics, Report Server ID and identification
/// requests it does not answer.
const WINGPATH: &str = "ITI-ICS-Security-Tools/pcaps/ModbusTCP/modbus_test_data_part1.pcap";
/// Requests whose bodies are cut short (mask write, read/write multiple).
const SHORT_BODIES: &str = "ITI-ICS-Security-Tools/pcaps/ModbusTCP/modbus_test_data_part2.pcap";

type Row = BTreeMap<String, String>;

fn find<'a>(rows: &'a [Row], pairs: &[(&str, &str)]) -> &'a Row {
    rows.iter()
        .find(|r| pairs.iter().all(|(k, v)| r[*k] == *v))
        .unwrap_or_else(|| panic!("no row with {pairs:?} among {rows:#?}"))
}

#[test]
fn detailed_log_merges_request_and_response() {
    let rows = zeek_log_after_analysis(EXAMPLE, "modbus_detailed");
    assert_eq!(rows.len(), 26, "one row per transaction: {rows:#?}");

    // One coil asked for: its value, and the seven padding bits of the byte apart.
    let coils = find(&rows, &[("tid", "1"), ("func", "READ_COILS")]);
    assert_eq!(
        (
            coils["address"].as_str(),
            coils["quantity"].as_str(),
            coils["response_values"].as_str(),
            coils["response_data"].as_str(),
            coils["matched"].as_str()
        ),
        ("1", "1", "1", "0,0,0,0,0,0,0", "T")
    );
    let registers = find(&rows, &[("tid", "6")]);
    assert_eq!(
        registers["response_values"],
        "170,170,187,204,61316,58347,40843,58561"
    );
    let written = find(&rows, &[("func", "WRITE_MULTIPLE_COILS")]);
    assert_eq!(written["request_values"], "1,0,0,1");

    let diagnostics = find(&rows, &[("func", "DIAGNOSTICS")]);
    assert_eq!(
        diagnostics["request_subfunction_code"],
        "Return Diagnostic Register"
    );
    assert_eq!(diagnostics["request_data"], "\\x00\\x00");

    // Functions without a decoded body: each message on its own, unpaired.
    let server_id: Vec<_> = rows
        .iter()
        .filter(|r| r["func"] == "REPORT_SLAVE_ID")
        .collect();
    assert_eq!(server_id.len(), 2);
    assert!(server_id.iter().all(|r| r["matched"] == "-"));

    // The exception answers the request it pairs with, under the request's function.
    let refused = find(&rows, &[("id.resp_h", "3.15.227.20")]);
    assert_eq!(
        (
            refused["func"].as_str(),
            refused["address"].as_str(),
            refused["quantity"].as_str(),
            refused["exception_code"].as_str()
        ),
        (
            "READ_HOLDING_REGISTERS",
            "600",
            "10",
            "ILLEGAL_DATA_ADDRESS"
        )
    );
}

#[test]
fn side_logs_link_to_their_transaction() {
    let detailed = zeek_log_after_analysis(EXAMPLE, "modbus_detailed");
    let link_of = |tid: &str| find(&detailed, &[("tid", tid)])["modbus_detailed_link_id"].clone();

    let masks = zeek_log_after_analysis(EXAMPLE, "modbus_mask_write_register");
    assert_eq!(masks.len(), 4);
    let request = find(&masks, &[("tid", "19"), ("request_response", "REQUEST")]);
    assert_eq!(
        (
            request["is_orig"].as_str(),
            request["and_mask"].as_str(),
            request["or_mask"].as_str()
        ),
        ("T", "65535", "57005")
    );
    let response = find(&masks, &[("tid", "19"), ("request_response", "RESPONSE")]);
    assert_eq!(response["source_p"], "502");
    assert_eq!(request["modbus_detailed_link_id"], link_of("19"));
    assert_eq!(response["modbus_detailed_link_id"], link_of("19"));
    assert_ne!(link_of("18"), link_of("19"));

    let multiple = zeek_log_after_analysis(EXAMPLE, "modbus_read_write_multiple_registers");
    let asked = find(&multiple, &[("tid", "21"), ("request_response", "REQUEST")]);
    assert_eq!(asked["write_registers"], "170,187,204");
    assert_eq!(asked["read_quantity"], "4");
    let read = find(
        &multiple,
        &[("tid", "21"), ("request_response", "RESPONSE")],
    );
    assert_eq!(read["read_registers"], "170,170,187,204");
    assert_eq!(read["modbus_detailed_link_id"], link_of("21"));

    let identification = zeek_log_after_analysis(EXAMPLE, "modbus_read_device_identification");
    assert_eq!(
        identification.len(),
        4,
        "the request and one row per object"
    );
    let request = find(&identification, &[("request_response", "REQUEST")]);
    assert_eq!(
        (
            request["device_id_code"].as_str(),
            request["object_id_code"].as_str()
        ),
        ("1", "0x00")
    );
    assert_eq!(request["object_id"], "VendorName");
    let vendor = find(
        &identification,
        &[
            ("request_response", "RESPONSE"),
            ("object_id", "VendorName"),
        ],
    );
    assert_eq!(vendor["object_value"], "Zeek Modbus Test");
    assert_eq!(vendor["conformity_level_code"], "0x83");
    assert_eq!(
        vendor["conformity_level"],
        "Extended Identification (Stream, Individual)"
    );
    assert_eq!(
        find(&identification, &[("object_id", "MajorMinorVersion")])["object_value"],
        "1.2.3.6"
    );
    assert!(identification
        .iter()
        .all(|r| r["modbus_detailed_link_id"] == link_of("23")));
}

#[test]
fn unanswered_requests_are_logged_unmatched_when_the_flow_ends() {
    let rows = zeek_log_after_analysis(WINGPATH, "modbus_detailed");
    let unanswered: Vec<_> = rows
        .iter()
        .filter(|r| r["func"] == "ENCAP_INTERFACE_TRANSPORT")
        .collect();
    assert_eq!(unanswered.len(), 2, "{rows:#?}");
    for row in unanswered {
        assert_eq!(row["matched"], "F");
        assert_eq!(row["mei_type"], "Read Device Identification");
    }
}

#[test]
fn report_server_id_and_device_identification_reach_the_inventory() {
    // The loopback server answers for units 1, 2, 4 to 8 and 10: a gateway. Report
    // Server ID was answered by unit 2, a device behind it; the identification objects by
    // unit 1, which addresses the gateway itself.
    let asset = asset_after_analysis(EXAMPLE, "ip:127.0.0.1/unit:2");
    assert_eq!(asset["parent"], "ip:127.0.0.1");
    let server_id = fact(&asset, "modbus_server_id");
    assert_eq!(
        server_id["value"],
        "Zeek Modbus Test-Protocol Parsing is fun!-1.2.3.6"
    );
    assert_eq!(server_id["evidence"]["frame"], 62);
    assert_eq!(server_id["evidence"]["protocol"], "modbus");
    let asset = asset_after_analysis(EXAMPLE, "127.0.0.1");
    assert!(fact(&asset, "modbus_server_id").is_null());
    let vendor = fact(&asset, "vendor");
    assert_eq!(vendor["value"], "Zeek Modbus Test");
    assert_eq!(vendor["evidence"]["frame"], 94);

    let wingpath = asset_after_analysis(WINGPATH, "10.0.0.3");
    assert_eq!(
        fact(&wingpath, "modbus_server_id")["value"],
        "Wingpath Limited"
    );
}

#[test]
fn bodies_cut_short_are_anomalies() {
    let malformed: Vec<_> = events_after_analysis(SHORT_BODIES)
        .into_iter()
        .filter(|e| e["kind"] == "modbus_malformed")
        .collect();
    let details: Vec<&str> = malformed
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(details.len(), 2, "{details:?}");
    assert!(details[0].starts_with("MASK_WRITE_REGISTER request: modbus_pdu_truncated"));
    assert!(details[1].starts_with("READ_WRITE_MULTIPLE_REGISTERS request"));
    assert_eq!(malformed[0]["frame"], 62);
    // Well-formed traffic raises none.
    assert!(!events_after_analysis(EXAMPLE)
        .iter()
        .any(|e| e["kind"] == "modbus_malformed"));
}

/// The per-edge function aggregates say which coils and registers each function touched.
#[test]
fn function_aggregates_name_the_registers_touched() {
    let dir = analysed_into_db("icsnpp-modbus/testing/traces/modbus_example.pcap");
    let functions: serde_json::Value =
        serde_json::from_str(&functions_listed(dir.path(), true)).unwrap();
    // The loopback conversation's server is a gateway keyed by its address, and requests
    // to its units count for the devices behind it; the remote server is keyed by its MAC.
    let addresses = |function: &str, loopback: bool| {
        let on_loopback =
            |f: &serde_json::Value| f["server"].as_str().unwrap().starts_with("ip:127.0.0.1/");
        functions
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["function"] == function
                    && on_loopback(f) == loopback
                    && (!loopback || f["server"] == "ip:127.0.0.1/unit:5")
            })
            .map(|f| f["addresses"].clone())
            .unwrap_or_else(|| panic!("no {function} aggregate in {functions}"))
    };
    let coils = addresses("READ_COILS", true);
    assert_eq!(coils["spaces"][0]["space"], "coil");
    assert_eq!(coils["spaces"][0]["ranges"], serde_json::json!([[1, 8]]));
    let remote = addresses("READ_HOLDING_REGISTERS", false);
    assert_eq!(remote["spaces"][0]["space"], "holding_register");
    assert_eq!(
        remote["spaces"][0]["ranges"],
        serde_json::json!([[600, 609]])
    );
    let table = functions_listed(dir.path(), false);
    assert!(table.contains("holding_register 10"), "{table}");
}
