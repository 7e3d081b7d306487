//! IEEE C37.118 end to end: the CLI on ICSNPP's synchrophasor captures, checked against what
//! the captures hold: the stations and PMU ids a configuration names in the inventory, the
//! commands as events, and the command, configuration and data logs.

mod common;
use common::*;

/// A concentrator (192.168.0.10) and a device carrying four PMUs (192.168.0.60, data
/// stream 60, PMUs 61 to 64), over TCP.
const FOUR_PMUS: &str = "icsnpp-synchrophasor/tests/traces/C37.118_4in1PMU_TCP.pcap";
/// One PMU ("Blue PMU", stream 241) over TCP.
const ONE_PMU: &str = "icsnpp-synchrophasor/tests/traces/C37.118_1PMU_TCP.pcap";

#[test]
fn stations_and_pmu_ids_reach_the_inventory() {
    let device = asset_after_analysis(FOUR_PMUS, "192.168.0.60");
    let values = |name: &str| -> Vec<String> {
        device["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["name"] == name)
            .map(|a| a["value"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        values("synchrophasor_station"),
        ["PMU1", "PMU2", "PMU3", "PMU4"]
    );
    assert_eq!(values("synchrophasor_pmu_id"), ["61", "62", "63", "64"]);
    assert_eq!(values("synchrophasor_data_stream_id"), ["60"]);
    let station = fact(&device, "synchrophasor_station");
    assert_eq!(station["evidence"]["protocol"], "synchrophasor");
    assert_eq!(station["evidence"]["message"], "C37.118 CFG2 frame");
    let concentrator = asset_after_analysis(FOUR_PMUS, "192.168.0.10");
    assert!(fact(&concentrator, "synchrophasor_station").is_null());
}

#[test]
fn transmission_commands_become_events() {
    let events = events_after_analysis(ONE_PMU);
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["protocol"] == "synchrophasor")
        .map(|e| (e["kind"].as_str().unwrap(), e["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                "synchrophasor_config_request",
                "Send CFG-2 to data stream 241"
            ),
            (
                "synchrophasor_transmission_on",
                "Data on to data stream 241"
            ),
            (
                "synchrophasor_transmission_off",
                "Data off to data stream 241"
            ),
        ]
    );
    let first = events
        .iter()
        .find(|e| e["protocol"] == "synchrophasor")
        .unwrap();
    assert_eq!(
        (first["src"].as_str(), first["frame"].as_u64()),
        (Some("192.168.0.20"), Some(4))
    );
}

#[test]
fn command_configuration_and_data_logs() {
    let commands = zeek_log_after_analysis(ONE_PMU, "synchrophasor_cmd");
    assert_eq!(
        commands
            .iter()
            .map(|c| c["command"].as_str())
            .collect::<Vec<_>>(),
        ["Send CFG-2", "Data on", "Data off"]
    );
    assert_eq!(commands[0]["command"], "Send CFG-2");
    assert_eq!(commands[0]["frame_size"], "18");
    let cfg = zeek_log_after_analysis(ONE_PMU, "synchrophasor_cfg");
    assert_eq!(cfg.len(), 1);
    assert_eq!(
        [
            "frame_type",
            "frame_size",
            "pmu_count_expected",
            "pmu_count_actual",
            "data_rate"
        ]
        .map(|c| cfg[0][c].as_str()),
        ["CFG2", "134", "1", "1", "50"]
    );
    let data = zeek_log_after_analysis(FOUR_PMUS, "synchrophasor_data");
    let detail = zeek_log_after_analysis(FOUR_PMUS, "synchrophasor_data_detail");
    assert_eq!(data.len(), 1342);
    assert_eq!(detail.len(), 4 * 1342, "one row per PMU of each data frame");
    let first = &data[0]["data_frame_id"];
    let rows_of_first: Vec<&str> = detail
        .iter()
        .filter(|r| &r["data_frame_id"] == first)
        .map(|r| r["pmu_idx"].as_str())
        .collect();
    assert_eq!(rows_of_first, ["0", "1", "2", "3"]);
    // PMU1 sends polar floats: magnitudes near 100, rectangular columns zero.
    let pmu1 = detail.iter().find(|r| r["pmu_idx"] == "0").unwrap();
    assert_eq!(pmu1["est_rectangular_real"], "0.0,0.0,0.0");
    assert!(pmu1["est_polar_magnitude"].starts_with("100."));
}
