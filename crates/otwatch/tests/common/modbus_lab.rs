//! Small Modbus/TCP captures built in the tests: an HMI, a PLC and a rogue host on one
//! subnet, connections carrying reads and writes at chosen times.

use otwatch_sim::frame::{Endpoint, MacAddr, Side, TcpSession};
use otwatch_sim::modbus;
use std::path::Path;

pub const T0: i64 = 1_700_000_000_000_000;
pub const SEC: i64 = 1_000_000;
pub const HMI: ([u8; 4], MacAddr) = ([10, 0, 0, 1], [0x00, 0xd0, 0xc9, 0x01, 0x01, 0x01]);
pub const PLC: ([u8; 4], MacAddr) = ([10, 0, 0, 2], [0x00, 0x80, 0xf4, 0x02, 0x02, 0x02]);
pub const ROGUE: ([u8; 4], MacAddr) = ([10, 0, 0, 9], [0x00, 0x0c, 0x29, 0x09, 0x09, 0x09]);

/// One request and its answer on a Modbus connection.
pub enum Req {
    Read(u16, u16),
    Write(u16, u16),
}

/// A Modbus/TCP connection from `client` to the PLC carrying `requests` at their times.
pub fn connection(
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

/// Writes `frames` in time order as a classic pcap.
pub fn write_capture(path: &Path, mut frames: Vec<(i64, Vec<u8>)>) {
    frames.sort_by_key(|f| f.0);
    let pcap =
        otwatch_sim::pcap::pcap_to_vec(frames.iter().map(|(t, f)| (*t, f.as_slice()))).unwrap();
    std::fs::write(path, pcap).unwrap();
}
