//! Detection end to end on captures built for the purpose, where the corpus holds no real
//! example: a Modbus write flood among normal polling.

mod common;

use common::modbus_lab::*;
use common::{otwatch, text};
use serde_json::Value;
use std::path::Path;

fn alerts_of(dir: &Path, capture: &str) -> Vec<Value> {
    let out = otwatch(&["analyze", capture, "--db", "a.db", "--quiet"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = otwatch(&["alerts", "--db", "a.db", "--json"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The HMI polls and now and then writes a set point for two minutes; a rogue host writes
/// 200 changing values 20 ms apart into registers 500-509. Only the rogue host floods.
#[test]
fn a_modbus_write_flood_among_polling_is_one_high_alert() {
    let dir = tempfile::tempdir().unwrap();
    let mut hmi = Vec::new();
    for i in 0..120 {
        hmi.push((T0 + SEC + i * SEC, Req::Read(0, 10)));
        if i % 10 == 5 {
            hmi.push((T0 + SEC + i * SEC + 300_000, Req::Write(40, i as u16)));
        }
    }
    let start = T0 + 60 * SEC;
    let flood: Vec<(i64, Req)> = (0..200)
        .map(|i| {
            (
                start + SEC + i * 20_000,
                Req::Write(500 + i as u16 % 10, i as u16),
            )
        })
        .collect();
    let mut frames = connection(HMI, 40000, T0, &hmi);
    frames.extend(connection(ROGUE, 51000, start, &flood));
    write_capture(&dir.path().join("flood.pcap"), frames);

    let alerts = alerts_of(dir.path(), "flood.pcap");
    let floods: Vec<&Value> = alerts
        .iter()
        .filter(|a| a["rule"] == "ot.modbus_write_flood")
        .collect();
    assert_eq!(floods.len(), 1, "{alerts:#?}");
    let a = floods[0];
    assert_eq!(a["severity"], "high");
    assert_eq!(a["techniques"][0], "T0806");
    assert_eq!(a["src"], "10.0.0.9");
    assert_eq!(a["dst"], "10.0.0.2");
    assert_eq!(a["count"], 1);
    let explanation = a["explanation"].as_str().unwrap();
    for part in [
        "100 value-changing write requests in 2.0 s (50.5 per second)",
        "write single register (function 6) ×100",
        "holding registers 500-509",
    ] {
        assert!(explanation.contains(part), "{explanation}");
    }
    assert_eq!(a["evidence"][0]["kind"], "modbus_write_flood");
}
