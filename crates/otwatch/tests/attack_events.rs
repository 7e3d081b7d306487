//! Controller actions end to end: every attack or maintenance capture the detection issue
//! lists raises the protocol events of the action it shows, and only those, and the benign
//! captures raise none. The mapping from event to ATT&CK technique is read from the
//! built-in rules file (`crates/otwatch-detect/rules/controller.toml`), so these tests check
//! the rules the alert engine will run, not a copy of them.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::events_after_analysis;

/// The techniques that name an action on a controller; a capture may show only those it
/// is listed with.
const CONTROLLER_ACTIONS: [&str; 7] = [
    "T0858", "T0843", "T0845", "T0816", "T0839", "T0857", "T0836",
];

/// One `[[rule]]` of the rules file, the parts that decide which events it looks at.
struct Rule {
    id: String,
    severity: String,
    techniques: Vec<String>,
    protocols: Vec<String>,
    kinds: Vec<String>,
    detail: Option<regex::Regex>,
}

fn rules_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../otwatch-detect/rules/controller.toml")
}

fn rules() -> Vec<Rule> {
    let path = rules_file();
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let doc: toml::Table = text
        .parse()
        .unwrap_or_else(|e| panic!("{} is not valid TOML: {e}", path.display()));
    let strings = |t: &toml::Table, key: &str| -> Vec<String> {
        t.get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .map(|s| s.as_str().expect("a list of strings").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    doc["rule"]
        .as_array()
        .expect("[[rule]] tables")
        .iter()
        .map(|r| {
            let r = r.as_table().unwrap();
            let id = r["id"].as_str().unwrap().to_string();
            Rule {
                severity: r["severity"].as_str().unwrap().to_string(),
                techniques: strings(r, "techniques"),
                protocols: strings(r, "protocols"),
                kinds: strings(r, "kinds"),
                detail: r.get("detail").map(|d| {
                    regex::Regex::new(d.as_str().unwrap())
                        .unwrap_or_else(|e| panic!("rule {id}: bad detail pattern: {e}"))
                }),
                id,
            }
        })
        .collect()
}

impl Rule {
    fn matches(&self, e: &serde_json::Value) -> bool {
        let s = |k: &str| e[k].as_str().unwrap_or_default();
        self.protocols.iter().any(|p| p == s("protocol"))
            && self.kinds.iter().any(|k| k == s("kind"))
            && self.detail.as_ref().is_none_or(|d| d.is_match(s("detail")))
    }

    fn alerts_high(&self) -> bool {
        matches!(self.severity.as_str(), "high" | "critical")
    }
}

/// Each controller-action event of a capture: (frame, kind, techniques, raised by a
/// high or critical rule).
fn actions(
    rules: &[Rule],
    events: &[serde_json::Value],
) -> Vec<(u64, String, BTreeSet<String>, bool)> {
    events
        .iter()
        .filter_map(|e| {
            let hits: Vec<&Rule> = rules.iter().filter(|r| r.matches(e)).collect();
            let techniques: BTreeSet<String> = hits
                .iter()
                .flat_map(|r| r.techniques.iter().cloned())
                .filter(|t| CONTROLLER_ACTIONS.contains(&t.as_str()))
                .collect();
            (!techniques.is_empty()).then(|| {
                (
                    e["frame"].as_u64().unwrap_or(0),
                    e["kind"].as_str().unwrap_or_default().to_string(),
                    techniques,
                    hits.iter().any(|r| r.alerts_high()),
                )
            })
        })
        .collect()
}

/// A capture, the technique it shows, and its controller-action events (frame, kind).
type Expected = (&'static str, &'static str, &'static [(u64, &'static str)]);

/// Capture → the technique it shows → the controller-action events (frame, kind) it must
/// raise, all of them. docs/detection.md ("Controller actions") carries the same table.
const ATTACKS: &[Expected] = &[
    ("ITI-ICS-Security-Tools/pcaps/s7/snap7_s300_stop.pcapng", "T0858", &[(1, "s7_plc_stop")]),
    (
        "ITI-ICS-Security-Tools/pcaps/s7/step7_s300_stop.pcapng",
        "T0858",
        &[(1, "s7_plc_stop"), (4, "s7_cpu_mode_change")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/s7/step7_s300_download.pcapng",
        "T0843",
        &[(88, "s7_block_download"), (94, "s7_block_activate")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/s7/tia_s300_downloadOb1.pcapng",
        "T0843",
        &[(58, "s7_block_download"), (66, "s7_block_activate")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/s7/s7comm_downloading_block_db1.pcap",
        "T0843",
        &[(43, "s7_block_download"), (58, "s7_block_activate")],
    ),
    ("ITI-ICS-Security-Tools/pcaps/EthernetIP/cip_stop_plc.pcap", "T0858", &[(1, "cip_stop")]),
    (
        "ITI-ICS-Security-Tools/pcaps/EthernetIP/cip_start_plc.pcap",
        "T0858",
        &[(1, "cip_start")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/dnp3/cold_restart_and_response.pcap",
        "T0816",
        &[(4, "dnp3_restart")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/dnp3/warm_restart_and_response.pcap",
        "T0816",
        &[(4, "dnp3_restart")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/profinet/PROFINET-RT-DCP/ChangeIPUsingDCP.pcap",
        "T0836",
        &[(3, "profinet_dcp_set")],
    ),
    // Both MMS captures hold a start and a stop of the same program invocation.
    (
        "ITI-ICS-Security-Tools/pcaps/IEC61850/MMS - Specific Commands/mms-stopRequest.pcap",
        "T0858",
        &[(12, "mms_program_start"), (16, "mms_program_stop")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/IEC61850/MMS - Specific Commands/mms-startRequest.pcap",
        "T0858",
        &[(12, "mms_program_stop"), (16, "mms_program_start")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/IEC61850/MMS - Specific Commands/mms-initiateDownloadSequence.pcap",
        "T0843",
        &[(16, "mms_program_download")],
    ),
];

/// Further captures of the corpus that show one controller action: an S7comm-plus download,
/// the other MMS program and domain services, a UMAS program read-out, BACnet restarts.
const FURTHER: &[Expected] = &[
    // Listed in the issue as a program upload (T0845); its bytes say otherwise: TIA Portal
    // opens a "DLTransaction" sequence (frame 121) and creates the block "Main" (OB1) in
    // the CPU (frames 127-129). The file name follows the colloquial "upload to the PLC".
    (
        "ITI-ICS-Security-Tools/pcaps/s7/S7-1200-Uploading-OB1-TIAV12.pcap",
        "T0843",
        &[(121, "s7plus_program_download")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/modicon/modicon_test.pcap",
        "T0845",
        &[(76, "umas_program_upload")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/IEC61850/MMS - Specific Commands/mms-initiateUploadSequence.pcap",
        "T0845",
        &[(12, "mms_program_upload")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/IEC61850/MMS - Specific Commands/mms-terminateUploadSequence.pcap",
        "T0845",
        // Frame 16, terminateUploadSequence, ends the upload frame 12 began.
        &[(12, "mms_program_upload")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/IEC61850/MMS - Specific Commands/mms-killRequest.pcap",
        "T0858",
        &[(12, "mms_program_stop")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/IEC61850/MMS - Specific Commands/mms-resetRequest.pcap",
        "T0858",
        &[(12, "mms_program_reset")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/IEC61850/MMS - Specific Commands/mms-resumeRequest.pcap",
        "T0858",
        &[(12, "mms_program_start")],
    ),
    (
        "ITI-ICS-Security-Tools/pcaps/IEC61850/MMS - Specific Commands/mms-deleteProgramInvocation.pcap",
        "T0858",
        &[(12, "mms_program_invocation")],
    ),
    (
        "icsnpp-bacnet/testing/traces/bacnet_services.pcap",
        "T0816",
        &[(398, "bacnet_reinitialize_device"), (400, "bacnet_reinitialize_device")],
    ),
];

/// Captures of normal polling and reading: no controller action at all.
const BENIGN: &[&str] = &[
    "ITI-ICS-Security-Tools/pcaps/s7/s7comm_varservice_libnodavedemo.pcap",
    "icsnpp-modbus/testing/traces/modbus_example.pcap",
    "icsnpp-bacnet/testing/traces/bacnet_example.pcap",
    "icsnpp-bacnet/testing/traces/bacnet_segmented_data.pcap",
    "icsnpp-opcua-binary/pcaps/open62541_client-server_mainloop.pcap",
    "icsnpp-opcua-binary/pcaps/python_opcua-client-server_minimal.pcap",
    "zeek/testing/btest/Traces/dnp3/dnp3_read.pcap",
    "zeek/testing/btest/Traces/dnp3/dnp3_udp_read.pcap",
    "zeek/testing/btest/Traces/dnp3/dnp3_read_p20001.pcap",
];

fn check_attack(rules: &[Rule], capture: &str, technique: &str, expected: &[(u64, &str)]) {
    let events = events_after_analysis(capture);
    let found = actions(rules, &events);
    let seen: Vec<(u64, &str)> = found.iter().map(|(f, k, _, _)| (*f, k.as_str())).collect();
    assert_eq!(seen, expected, "{capture}: controller-action events");
    assert!(
        found
            .iter()
            .any(|(_, _, t, high)| *high && t.contains(technique)),
        "{capture}: no high or critical rule with {technique} matches: {found:?}"
    );
    for (frame, kind, techniques, _) in &found {
        assert!(
            techniques.iter().all(|t| t == technique),
            "{capture}: frame {frame} ({kind}) maps to {techniques:?}, the capture shows only {technique}"
        );
    }
}

#[test]
fn s7_stop_and_download_captures_raise_their_actions_only() {
    let rules = rules();
    for (capture, technique, expected) in ATTACKS.iter().filter(|a| a.0.contains("/s7/")) {
        check_attack(&rules, capture, technique, expected);
    }
}

#[test]
fn cip_dnp3_profinet_and_mms_captures_raise_their_actions_only() {
    let rules = rules();
    for (capture, technique, expected) in ATTACKS.iter().filter(|a| !a.0.contains("/s7/")) {
        check_attack(&rules, capture, technique, expected);
    }
}

#[test]
fn further_attack_and_maintenance_captures_raise_their_actions_only() {
    let rules = rules();
    for (capture, technique, expected) in FURTHER {
        check_attack(&rules, capture, technique, expected);
    }
}

#[test]
fn benign_captures_raise_no_controller_action() {
    let rules = rules();
    for capture in BENIGN {
        let events = events_after_analysis(capture);
        let found = actions(&rules, &events);
        assert!(found.is_empty(), "{capture}: {found:?}");
    }
}

/// The rules file itself: ids in the built-in namespace, known severities, every kind
/// one the protocol analysis emits, and a kind shared by several rules told apart by
/// their detail patterns.
#[test]
fn controller_rules_are_well_formed() {
    let rules = rules();
    assert!(rules.len() >= 20, "{} rules", rules.len());
    let engine = Path::new(env!("CARGO_MANIFEST_DIR")).join("../otwatch-engine/src");
    let mut sources = String::new();
    let mut dirs = vec![engine];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    // IEC 104 command kinds are named in the dissector's table.
    sources.push_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../otwatch-dissect/src/iec104.rs"),
        )
        .unwrap(),
    );
    let mut ids = BTreeSet::new();
    for r in &rules {
        assert!(r.id.starts_with("ot."), "{}", r.id);
        assert!(ids.insert(r.id.clone()), "duplicate id {}", r.id);
        assert!(
            ["info", "low", "medium", "high", "critical"].contains(&r.severity.as_str()),
            "{}: severity {}",
            r.id,
            r.severity
        );
        assert!(!r.techniques.is_empty() && !r.protocols.is_empty() && !r.kinds.is_empty());
        for t in &r.techniques {
            assert!(
                t.len() == 5 && t.starts_with("T0") && t[1..].bytes().all(|b| b.is_ascii_digit()),
                "{}: technique {t}",
                r.id
            );
        }
        for k in &r.kinds {
            assert!(
                sources.contains(&format!("\"{k}\"")),
                "{}: no protocol event of kind {k}",
                r.id
            );
            let sharing = rules.iter().filter(|o| o.kinds.contains(k)).count();
            assert!(
                sharing == 1 || r.detail.is_some(),
                "{}: kind {k} is shared with other rules, a detail pattern must tell them apart",
                r.id
            );
        }
    }
}
