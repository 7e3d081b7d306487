//! Detection end to end on captures built for the purpose, where the corpus holds no real
//! example: a Modbus write flood among normal polling.

mod common;

use common::{otwatch, text};
use otwatch_sim::frame::{Endpoint, MacAddr, Side, TcpSession};
use otwatch_sim::modbus;
use serde_json::Value;
use std::path::Path;

const T0: i64 = 1_700_000_000_000_000;
const SEC: i64 = 1_000_000;
const HMI: ([u8; 4], MacAddr) = ([10, 0, 0, 1], [0x00, 0xd0, 0xc9, 0x01, 0x01, 0x01]);
const PLC: ([u8; 4], MacAddr) = ([10, 0, 0, 2], [0x00, 0x80, 0xf4, 0x02, 0x02, 0x02]);
const ROGUE: ([u8; 4], MacAddr) = ([10, 0, 0, 9], [0x00, 0x0c, 0x29, 0x09, 0x09, 0x09]);

/// One Modbus request, answered by the PLC.
enum Req {
    Read(u16, u16),
    Write(u16, u16),
}

/// A Modbus/TCP connection from `client` to the PLC carrying `requests` at their times.
fn connection(
    client: ([u8; 4], MacAddr),
    port: u16,
    start: i64,
    requests: &[(i64, Req)],
) -> Vec<(i64, Vec<u8>)> {
    let c = Endpoint::new(client.1, client.0.into(), port);
    let s = Endpoint::new(PLC.1, PLC.0.into(), 502);
    let mut tcp = TcpSession::new(c, s, 1000, 9000);
    let mut out: Vec<(i64, Vec<u8>)> = tcp
        .open(start, 200)
        .into_iter()
        .map(|f| (f.ts_micros, f.frame))
        .collect();
    for (tid, (ts, r)) in requests.iter().enumerate() {
        let (req, resp) = match r {
            Req::Read(a, n) => (
                modbus::read_holding_registers_request(*a, *n),
                modbus::read_holding_registers_response(&vec![7; usize::from(*n)]),
            ),
            Req::Write(a, v) => (
                modbus::write_single_register(*a, *v),
                modbus::write_single_register(*a, *v),
            ),
        };
        let f = tcp.send(Side::Client, *ts, &modbus::adu(tid as u16, 1, &req));
        out.push((f.ts_micros, f.frame));
        let f = tcp.send(Side::Server, ts + 2_000, &modbus::adu(tid as u16, 1, &resp));
        out.push((f.ts_micros, f.frame));
    }
    out
}

fn write_capture(path: &Path, mut frames: Vec<(i64, Vec<u8>)>) {
    frames.sort_by_key(|f| f.0);
    let pcap =
        otwatch_sim::pcap::pcap_to_vec(frames.iter().map(|(t, f)| (*t, f.as_slice()))).unwrap();
    std::fs::write(path, pcap).unwrap();
}

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
