//! S7comm and S7comm-plus end to end: the ICSNPP-style logs `--zeek-logs` writes for the
//! captures of ICSNPP's own tests, and what the CPUs state about themselves reaching the
//! inventory.

mod common;
use common::*;

const SNAP7: &str = "icsnpp-s7comm/tests/traces/snap7.pcap";
const S7IDENT: &str = "icsnpp-s7comm/tests/traces/s7ident.pcap";
const S7PLUS: &str = "icsnpp-s7comm/tests/traces/s7comm_plus.pcap";

#[test]
fn cotp_log_names_every_tpdu() {
    let rows = zeek_log_after_analysis(S7IDENT, "cotp");
    assert_eq!(rows.len(), 24);
    assert_eq!(rows[0]["pdu_code"], "0x0e");
    assert_eq!(rows[0]["pdu_name"], "CR Connection Request");
    assert_eq!(rows[0]["is_orig"], "T");
    assert_eq!(rows[1]["pdu_name"], "CC Connection Confirm");
    assert_eq!(rows[1]["source_p"], "102");
    assert!(rows[2..].iter().all(|r| r["pdu_name"] == "DT Data"));
}

#[test]
fn s7comm_log_has_jobs_acks_and_user_data() {
    let rows = zeek_log_after_analysis(SNAP7, "s7comm");
    assert_eq!(rows.len(), 61);
    let szl = &rows[3];
    assert_eq!(szl["rosctr_name"], "User-Data");
    assert_eq!(szl["function_name"], "Response: CPU Functions");
    assert_eq!(szl["subfunction_name"], "Read SZL");
    assert_eq!(szl["error_class"], "No error");
    let block_info_error = rows
        .iter()
        .find(|r| r["subfunction_name"] == "Get Block Info" && r["is_orig"] == "F")
        .unwrap();
    assert_eq!(block_info_error["error_class"], "Parameter Error");
    assert_eq!(block_info_error["error_code"], "0xd209");
    let modu = rows
        .iter()
        .find(|r| r["subfunction_code"] == "_MODU")
        .unwrap();
    assert_eq!(modu["function_name"], "PLC Control");
    assert_eq!(modu["subfunction_name"], "PLC Copy Ram to Rom");
    assert_eq!(modu["pdu_reference"], "29");
}

#[test]
fn read_szl_and_upload_download_logs() {
    let szl = zeek_log_after_analysis(SNAP7, "s7comm_read_szl");
    assert_eq!(szl.len(), 9);
    assert_eq!(szl[0]["szl_id"], "0x0011");
    assert_eq!(szl[0]["szl_id_name"], "Module identification");
    assert_eq!(szl[0]["method"], "Request");
    assert_eq!(szl[0]["return_code_name"], "Success");
    let transfers = zeek_log_after_analysis(SNAP7, "s7comm_upload_download");
    assert_eq!(transfers.len(), 25);
    assert_eq!(transfers[0]["filename"], "_0B00000A");
    assert_eq!(transfers[0]["block_type"], "System Data Block");
    assert_eq!(transfers[0]["destination_filesystem"], "Active");
    assert_eq!(transfers[1]["rosctr"], "ACK-Data");
    assert_eq!(transfers[1]["session_id"], "7");
    assert_eq!(transfers[1]["blocklength"], "216");
}

#[test]
fn known_devices_log_from_component_identification() {
    let rows = zeek_log_after_analysis(S7IDENT, "s7comm_known_devices");
    assert_eq!(rows.len(), 1);
    let d = &rows[0];
    assert_eq!(d["automation_system_name"], "SNAP7-SERVER");
    assert_eq!(d["module_name"], "CPU 315-2 PN/DP");
    assert_eq!(d["plant_name"], "(empty)");
    assert_eq!(d["module_serial"], "S C-C2UR28922012");
    assert_eq!(d["is_orig"], "-");
}

#[test]
fn s7comm_plus_log_reads_behind_the_integrity_digest() {
    let rows = zeek_log_after_analysis(S7PLUS, "s7comm_plus");
    assert_eq!(rows.len(), 121);
    assert!(rows.iter().all(|r| r["version"] == "3"));
    let set = rows
        .iter()
        .find(|r| r["function_code"] == "0x04f2")
        .unwrap();
    assert_eq!(set["opcode_name"], "Request");
    assert_eq!(set["function_name"], "Set Variable");
    assert_eq!(
        rows.iter()
            .filter(|r| r["opcode_name"] == "Notification")
            .count(),
        79
    );
}

#[test]
fn s7_1200_states_order_number_and_firmware_in_s7comm_plus_session_setup() {
    let asset = asset_after_analysis(
        "ITI-ICS-Security-Tools/pcaps/s7/S7-1200-Uploading-OB1-TIAV12.pcap",
        "192.168.1.191",
    );
    assert_eq!(fact(&asset, "order_number")["value"], "6ES7 214-1HE30-0XB0");
    assert_eq!(fact(&asset, "firmware")["value"], "V2.2");
    assert_eq!(
        fact(&asset, "firmware")["evidence"]["protocol"],
        "s7comm-plus"
    );
    assert_eq!(fact(&asset, "firmware")["evidence"]["frame"], 8);
}

#[test]
fn cpu_mode_from_szl_0424() {
    let asset = asset_after_analysis(SNAP7, "134.217.61.211");
    assert_eq!(fact(&asset, "cpu_mode")["value"], "RUN");
    assert_eq!(fact(&asset, "cpu_mode")["evidence"]["frame"], 12);
}

/// The per-edge function aggregates say which memory the read and write jobs touched.
#[test]
fn function_aggregates_name_the_memory_read_and_written() {
    let dir = analysed_into_db("icsnpp-s7comm/tests/traces/snap7.pcap");
    let table = functions_listed(dir.path(), false);
    let row = |function: &str| {
        table
            .lines()
            .find(|l| l.contains(function))
            .unwrap_or_else(|| panic!("no {function} row in\n{table}"))
            .to_string()
    };
    assert!(
        row("Read Variable").contains("C 0-15; I 0-15; M 0-19; Q 0-15; T 0-15"),
        "{table}"
    );
    assert!(
        row("Write Variable").contains("C 0-15; I 0-15; M 0-31; Q 0-15; T 0-15"),
        "{table}"
    );
}
