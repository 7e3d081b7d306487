//! GENISYS end to end: the CLI on ICSNPP's GENISYS captures (one on the usual port 10001,
//! one on 10002, found by payload alone): the station's address in the inventory, the
//! office's polls among the per-edge functions, and `genisys.log` with ICSNPP's columns.

mod common;
use common::*;

const CAPTURE: &str = "icsnpp-genisys/tests/traces/genisys.pcap";
const OTHER_PORT: &str = "icsnpp-genisys/tests/traces/genisys_otherport.pcap";

#[test]
fn station_address_reaches_the_inventory() {
    let station = asset_after_analysis(CAPTURE, "172.27.0.2");
    let address = fact(&station, "genisys_station_address");
    assert_eq!(address["value"], "1");
    assert_eq!(address["evidence"]["protocol"], "genisys");
    assert_eq!(address["evidence"]["frame"], 6, "the first acknowledgement");
    let office = asset_after_analysis(CAPTURE, "172.27.0.3");
    assert!(fact(&office, "genisys_station_address").is_null());
}

#[test]
fn polls_are_counted_per_edge() {
    let dir = analysed_into_db(CAPTURE);
    let listed = functions_listed(dir.path(), false);
    assert!(listed.contains("POLL"), "{listed}");
    assert!(listed.contains("RECALL_HEADER"), "{listed}");
}

#[test]
fn log_on_another_port_found_by_payload() {
    let rows = zeek_log_after_analysis(OTHER_PORT, "genisys");
    assert_eq!(rows.len(), 688);
    let first = &rows[0];
    let columns = [
        "id.resp_p",
        "proto",
        "header",
        "server",
        "direction",
        "crc_transmitted",
        "crc_calculated",
        "payload",
    ];
    let got: Vec<&str> = columns.iter().map(|c| first[*c].as_str()).collect();
    assert_eq!(
        got,
        vec!["10002", "tcp", "Poll", "1", "request", "0x4083", "0xf082", "-"]
    );
    let indications = rows
        .iter()
        .filter(|r| r["header"] == "Indication Data")
        .count();
    assert_eq!(indications, 127);
}

#[test]
fn valid_crcs_raise_no_anomaly() {
    let events = events_after_analysis(CAPTURE);
    assert!(
        events
            .iter()
            .all(|e| !e["kind"].as_str().unwrap_or("").starts_with("genisys_")),
        "{events:?}"
    );
}
