//! MELSEC end to end: the engineering traffic of ITI's MELSOFT captures (TCP and the UDP
//! discovery on port 5560) is named `melsoft` in the flows, not left unidentified.

mod common;
use common::*;

/// (lower port, service) of every flow.
fn services(capture: &str) -> Vec<(u64, String)> {
    let dir = tempfile::tempdir().unwrap();
    let capture = corpus(capture);
    let out = otwatch(
        &[
            "analyze",
            capture.to_str().unwrap(),
            "--no-db",
            "--quiet",
            "--jsonl",
            "out",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::read_to_string(dir.path().join("out/flows.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|f| {
            let port = f["orig_p"]
                .as_u64()
                .unwrap()
                .min(f["resp_p"].as_u64().unwrap());
            (port, f["service"].as_str().unwrap_or("-").to_string())
        })
        .collect()
}

#[test]
fn melsoft_tcp_session_is_recognised() {
    let s = services("ITI-ICS-Security-Tools/pcaps/MELSEC/melsoft_variant_clean.pcap");
    assert_eq!(s, [(5001, "melsoft".to_string())]);
}

#[test]
fn melsoft_udp_discovery_is_recognised() {
    let s = services("ITI-ICS-Security-Tools/pcaps/MELSEC/melsoft_UDP_clean_2.pcap");
    let discovery: Vec<_> = s.iter().filter(|(p, _)| *p == 5560).collect();
    assert!(!discovery.is_empty());
    assert!(discovery.iter().all(|(_, x)| x == "melsoft"), "{s:?}");
    assert!(s
        .iter()
        .filter(|(p, _)| *p != 5560)
        .all(|(_, x)| x != "melsoft"));
}
