//! Detection end to end at the level the operator sees: the attack and maintenance captures
//! of the corpus each raise a high or critical alert with their ATT&CK technique and no other
//! controller-action technique; benign captures raise no high or critical alert at all.
//! (`tests/attack_events.rs` checks the protocol events underneath, frame by frame.)

mod common;

use common::*;
use serde_json::Value;

/// The controller-action techniques: a capture may raise only the one it shows.
const CONTROLLER_ACTIONS: &[&str] = &[
    "T0858", "T0843", "T0845", "T0816", "T0839", "T0857", "T0836",
];

const ITI: &str = "ITI-ICS-Security-Tools/pcaps/";

/// Capture (under the ITI folder) and the technique it shows.
const ATTACKS: &[(&str, &str)] = &[
    ("s7/snap7_s300_stop.pcapng", "T0858"),
    ("s7/step7_s300_stop.pcapng", "T0858"),
    ("s7/step7_s300_download.pcapng", "T0843"),
    ("s7/tia_s300_downloadOb1.pcapng", "T0843"),
    ("s7/s7comm_downloading_block_db1.pcap", "T0843"),
    ("EthernetIP/cip_stop_plc.pcap", "T0858"),
    ("EthernetIP/cip_start_plc.pcap", "T0858"),
    ("dnp3/cold_restart_and_response.pcap", "T0816"),
    ("dnp3/warm_restart_and_response.pcap", "T0816"),
    ("profinet/PROFINET-RT-DCP/ChangeIPUsingDCP.pcap", "T0836"),
    (
        "IEC61850/MMS - Specific Commands/mms-stopRequest.pcap",
        "T0858",
    ),
    (
        "IEC61850/MMS - Specific Commands/mms-startRequest.pcap",
        "T0858",
    ),
    (
        "IEC61850/MMS - Specific Commands/mms-initiateDownloadSequence.pcap",
        "T0843",
    ),
    // Named as an upload, but the bytes show TIA Portal downloading OB1 into the CPU
    // (docs/detection.md, "Controller actions").
    ("s7/S7-1200-Uploading-OB1-TIAV12.pcap", "T0843"),
];

/// Normal polling and reading.
const BENIGN: &[&str] = &[
    "ITI-ICS-Security-Tools/pcaps/s7/s7comm_varservice_libnodavedemo.pcap",
    "icsnpp-modbus/testing/traces/modbus_example.pcap",
    "icsnpp-bacnet/testing/traces/bacnet_example.pcap",
    "icsnpp-opcua-binary/pcaps/open62541_client-server_mainloop.pcap",
    "zeek/testing/btest/Traces/dnp3/dnp3_read.pcap",
    "zeek/testing/btest/Traces/dnp3/dnp3_udp_read.pcap",
];

fn alerts_after_analysis(capture: &str) -> Vec<Value> {
    let dir = analysed_into_db(capture);
    let out = otwatch(&["alerts", "--db", "a.db", "--json"], dir.path());
    assert!(out.status.success(), "{capture}: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn techniques(alert: &Value) -> Vec<&str> {
    alert["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect()
}

fn severe(alert: &Value) -> bool {
    matches!(alert["severity"].as_str(), Some("high" | "critical"))
}

#[test]
fn attack_captures_raise_their_technique_and_no_other_controller_action() {
    for (capture, expected) in ATTACKS {
        let capture = format!("{ITI}{capture}");
        let alerts = alerts_after_analysis(&capture);
        let hit = alerts
            .iter()
            .find(|a| severe(a) && techniques(a).contains(expected));
        let Some(hit) = hit else {
            panic!("{capture}: no high or critical {expected} alert in {alerts:#?}");
        };
        assert!(
            !hit["evidence"].as_array().unwrap().is_empty(),
            "{capture}: alert without evidence"
        );
        for a in &alerts {
            for t in techniques(a) {
                assert!(
                    t == *expected || !CONTROLLER_ACTIONS.contains(&t),
                    "{capture}: unexpected {t} from rule {}",
                    a["rule"]
                );
            }
        }
    }
}

#[test]
fn benign_captures_raise_no_high_or_critical_alert() {
    for capture in BENIGN {
        let alerts = alerts_after_analysis(capture);
        let severe: Vec<_> = alerts.iter().filter(|a| severe(a)).collect();
        assert!(severe.is_empty(), "{capture}: {severe:#?}");
    }
}
