//! BSAP on one UDP flow (BSAP/IP, or serial BSAP frames tunnelled in datagrams): one row
//! per datagram in ICSNPP's `bsap_ip_header.log` or `bsap_serial_header.log`; remote
//! database requests counted per RDB function in the per-edge aggregates; writes of RTU
//! signals as events; the serial node address a request goes to into the inventory.

use crate::app::Ctx;
use otwatch_dissect::bsap::{self, Datagram, IpMessage, SerialMessage};
use otwatch_inventory::Subject;
use otwatch_model::logs::{LogSpec, Value};

/// ICSNPP's `bsap_ip_header.log`: every BSAP/IP datagram.
pub static BSAP_IP_HEADER_LOG: LogSpec = LogSpec {
    name: "bsap_ip_header",
    directional: true,
    columns: &[("num_msg", "count"), ("type_name", "string")],
};

/// ICSNPP's `bsap_serial_header.log`: every tunnelled serial frame.
pub static BSAP_SERIAL_HEADER_LOG: LogSpec = LogSpec {
    name: "bsap_serial_header",
    directional: true,
    columns: &[
        ("ser", "count"),
        ("dadd", "count"),
        ("sadd", "count"),
        ("ctl", "count"),
        ("dfun", "string"),
        ("seq", "count"),
        ("sfun", "string"),
        ("nsb", "count"),
        ("type_name", "string"),
    ],
};

/// ICSNPP's `bsap_ip_rdb.log`: BSAP/IP remote database requests and answers.
pub static BSAP_IP_RDB_LOG: LogSpec = LogSpec {
    name: "bsap_ip_rdb",
    directional: true,
    columns: &[
        ("header_size", "count"),
        ("mes_seq", "count"),
        ("res_seq", "count"),
        ("data_len", "count"),
        ("sequence", "count"),
        ("app_func_code", "string"),
        ("node_status", "count"),
        ("func_code", "string"),
        ("variable_count", "count"),
        ("variables", "vector[string]"),
        ("variable_value", "vector[string]"),
    ],
};

/// ICSNPP's `bsap_serial_rdb.log`: remote database requests and their answers.
pub static BSAP_SERIAL_RDB_LOG: LogSpec = LogSpec {
    name: "bsap_serial_rdb",
    directional: true,
    columns: &[
        ("func_code", "string"),
        ("variable_count", "count"),
        ("variables", "vector[string]"),
        ("variable_value", "vector[string]"),
    ],
};

/// Distinct writes reported per flow (RDB function and the bytes naming the signals); a
/// master repeating the same write is one event.
const MAX_REPORTED: usize = 16;
/// Bytes of a write request shown in its event.
const MAX_SHOWN: usize = 48;

#[derive(Debug)]
pub struct BsapFlow {
    malformed_reported: bool,
    reported: crate::reported::Reported<u64>,
    node_stated: bool,
    /// RDB function of the last serial request: an answer carries no function of its own.
    last_function: u8,
    /// Signals named by the last serial read and write, which their answers are logged
    /// with.
    last_read_count: u8,
    last_write_count: u8,
    /// BSAP/IP: the last request's application function, sequence, message sequence and
    /// data length (an answer matching the sequence clears them), and the addresses a write
    /// by address named, which its answer is logged with.
    ip_app_function: u8,
    ip_response_id: u32,
    ip_message_id: u32,
    ip_request_len: u32,
    ip_write_addresses: String,
}

impl Default for BsapFlow {
    fn default() -> Self {
        Self {
            malformed_reported: false,
            reported: Default::default(),
            node_stated: false,
            // No request seen yet: ICSNPP's initial value, so an answer without one is
            // logged as it logs it.
            last_function: 0xff,
            last_read_count: 0,
            last_write_count: 0,
            ip_app_function: 0xff,
            ip_response_id: 0,
            ip_message_id: 0,
            ip_request_len: 0,
            ip_write_addresses: String::new(),
        }
    }
}

/// ICSNPP's name of an RDB function in its RDB logs; answers are named by the request's
/// function plus 0x50 (`RSP_READ_SIGNAL_BY_NAME`).
fn rdb_log_name(code: u32) -> String {
    let name = match code {
        0x50..=0x5f | 0xd0..=0xdf => u8::try_from(code - 0x50)
            .ok()
            .and_then(bsap::rdb_function_name)
            .map(|n| format!("RSP_{n}")),
        _ => u8::try_from(code)
            .ok()
            .and_then(bsap::rdb_function_name)
            .map(str::to_string),
    };
    name.unwrap_or_else(|| format!("Unknown RDB Func-0x{code:02x}"))
}

/// Signal names in a serial RDB request: from `start`, each one the next `@` up to a NUL.
fn signal_names(data: &[u8], count: u8, start: usize) -> Vec<String> {
    let mut names = Vec::new();
    let mut z = start;
    for _ in 0..count {
        while z < data.len() && data[z] != b'@' {
            z += 1;
        }
        if z >= data.len() {
            break;
        }
        let end = data[z..]
            .iter()
            .position(|&b| b == 0)
            .map_or(data.len(), |e| z + e);
        names.push(data[z..end].iter().map(|&b| char::from(b)).collect());
        z = end;
    }
    names
}

/// The signals of a BSAP/IP read-by-name answer as ICSNPP lists them: per signal a status
/// byte, then (status zero) `0xVVVV Addr 0xAAAA` or (status set) `Errdata 0x.... Errdata
/// 0x.... Addr 0x....`, up to the `24 77` that ends a signal.
fn ip_read_answer(data: &[u8], count: u8) -> Vec<String> {
    let at = |z: usize| data.get(z).copied().unwrap_or(0);
    let hex2 = |z: usize| format!("{:02X}{:02X}", at(z), at(z + 1));
    let last = data.len() as i64 - 2;
    let more = |z: usize| at(z) != 0x24 && at(z + 1) != 0x77;
    let mut out = Vec::new();
    let mut z = 0usize;
    for _ in 0..count {
        if z >= data.len() {
            break;
        }
        let error = at(z) > 0;
        if error {
            z += 1;
        }
        loop {
            let name = if error {
                let s = format!(
                    "Errdata 0x{} Errdata 0x{} Addr 0x{}",
                    hex2(z),
                    hex2(z + 2),
                    hex2(z + 4)
                );
                z += 6;
                s
            } else {
                let s = format!("0x{} Addr 0x{}", hex2(z), hex2(z + 2));
                z += 4;
                s
            };
            out.push(name);
            if z as i64 > last || !more(z) {
                break;
            }
        }
        z += 2;
    }
    out
}

/// The value of a BSAP/IP write-by-name answer, as ICSNPP renders it.
fn ip_write_answer(data: &[u8]) -> String {
    let at = |z: usize| data.get(z).copied().unwrap_or(0);
    let last = data.len() as i64 - 2;
    let more = |z: usize| at(z) != 0x24 && at(z + 1) != 0x77;
    let mut value = String::new();
    let mut error = false;
    let mut z = 0usize;
    loop {
        if at(z) & 0xf0 != 0 {
            error = true;
            value.push_str(&format!("Errdata 0x{:02X}", at(z)));
            z += 1;
        }
        z += 1;
        if z as i64 > last || !more(z) {
            break;
        }
    }
    if !error {
        z = 0;
        loop {
            value.push_str(&format!("{:02X}", at(z)));
            z += 1;
            if z as i64 > last || !more(z) {
                break;
            }
        }
    }
    value
}

/// The value bytes of a serial RDB answer as ICSNPP renders them: read from `start` up to
/// the DLE ETX trailer, every byte with a high-nibble bit set shown as `Errdata 0xNN`, or
/// (when none is) all bytes in hex. `spaced` puts a space after each error byte, as the
/// read answers have it.
fn answer_value(data: &[u8], start: usize, spaced: bool, skip_after_error: bool) -> String {
    let at = |z: usize| data.get(z).copied().unwrap_or(0);
    let last = data.len() as i64 - 2;
    let more = |z: usize| at(z) != 0x10 && at(z + 1) != 0x03;
    let mut value = String::new();
    let mut error = false;
    let mut z = start;
    loop {
        if at(z) & 0xf0 != 0 {
            error = true;
            value.push_str(&format!("Errdata 0x{:02X}", at(z)));
            if spaced {
                value.push(' ');
            }
            if skip_after_error {
                z += 1;
            }
        }
        z += 1;
        if z as i64 > last || !more(z) {
            break;
        }
    }
    if !error {
        z = start;
        loop {
            value.push_str(&format!("{:02X}", at(z)));
            z += 1;
            if z as i64 > last || !more(z) {
                break;
            }
        }
    }
    value
}

/// The per-edge label of an RDB function (`READ_SIGNAL_BY_NAME`).
fn function_label(f: u8) -> String {
    bsap::rdb_function_name(f).map_or_else(|| format!("RDB_FUNCTION_0x{f:02x}"), str::to_string)
}

impl BsapFlow {
    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        match bsap::parse(data) {
            Ok(Datagram::Ip(m)) => self.ip(&m, ctx),
            Ok(Datagram::Serial(m)) => self.serial(&m, ctx),
            Err(e) => {
                if !self.malformed_reported {
                    self.malformed_reported = true;
                    ctx.event(
                        "bsap",
                        "bsap_malformed".into(),
                        format!(
                            "datagram of {} bytes is not BSAP ({e}); further ones on this flow \
                             are not reported",
                            data.len()
                        ),
                    );
                }
            }
        }
    }

    fn ip(&mut self, m: &IpMessage<'_>, ctx: &mut Ctx<'_>) {
        if ctx.logging() {
            ctx.log(
                &BSAP_IP_HEADER_LOG,
                vec![
                    m.num_messages.into(),
                    bsap::ip_message_type_name(m.message_func).into(),
                ],
            );
        }
        if ctx.logging() {
            self.ip_rdb_row(m, ctx);
        }
        if let Some((app, func)) = m.rdb_request() {
            if app == bsap::APP_RDB {
                self.rdb_request(func, m.body, ctx);
            }
        }
    }

    fn serial(&mut self, m: &SerialMessage<'_>, ctx: &mut Ctx<'_>) {
        if ctx.logging() {
            let (dadd, sadd, ctl, kind) = match m.global {
                Some((d, s, c)) => (d.into(), s.into(), c.into(), "Global Message"),
                None => (Value::Unset, Value::Unset, Value::Unset, "Local Message"),
            };
            ctx.log(
                &BSAP_SERIAL_HEADER_LOG,
                vec![
                    m.ser.into(),
                    dadd,
                    sadd,
                    ctl,
                    bsap::app_function_name(m.dfun).into(),
                    m.seq.into(),
                    bsap::app_function_name(m.sfun).into(),
                    m.nsb.into(),
                    kind.into(),
                ],
            );
        }
        if ctx.logging() {
            self.serial_rdb_row(m, ctx);
        }
        if let Some(func) = m.rdb_request() {
            if !self.node_stated && m.global.is_none() {
                // The request's address byte names the RTU it goes to; the IP address is the
                // serial server's, so the fact is held with less than full confidence.
                self.node_stated = true;
                ctx.obs.attribute(
                    Subject::Ip(ctx.dst),
                    "bsap_node_address",
                    &(m.addr & 0x7f).to_string(),
                    "bsap",
                    "BSAP serial remote database request addressed to this local node",
                    0.6,
                    ctx.ev,
                );
            }
            self.rdb_request(func, m.body, ctx);
        }
    }

    /// The `bsap_ip_rdb.log` row of a request to the remote database or of its answer.
    fn ip_rdb_row(&mut self, m: &IpMessage<'_>, ctx: &mut Ctx<'_>) {
        if m.num_messages == 0 {
            return;
        }
        let Some(r) = m.record() else { return };
        let u32_at = |i: usize| {
            r.get(i..i + 4)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let byte = |i: usize| r.get(i).copied().unwrap_or(0);
        if m.is_request() {
            if r.len() < 10 {
                return;
            }
            let (data_length, sequence, app) = (u32_at(0), u32_at(5), byte(9));
            self.ip_app_function = app;
            self.ip_response_id = sequence;
            self.ip_message_id = sequence;
            self.ip_request_len = data_length;
            if app != bsap::APP_RDB || r.len() < 12 {
                return;
            }
            let (node_status, func) = (byte(10), byte(11));
            let data = &r[12..];
            self.last_function = func;
            let at = |i: usize| data.get(i).copied().unwrap_or(0);
            let (count, names, values) = match func {
                0x04 | 0x84 => (at(4), signal_names(data, at(4), 0), Vec::new()),
                0x80 => {
                    let count = at(3);
                    let (mut addresses, mut value) = (String::new(), String::new());
                    let mut z = 4;
                    for _ in 0..count {
                        addresses.push_str(&format!("Addr 0x{:02X}{:02X} ", at(z), at(z + 1)));
                        z += 2;
                        value.push_str(&format!("{:02X}", at(z)));
                        z += 1;
                        if z > data.len() {
                            break;
                        }
                    }
                    self.ip_write_addresses = addresses.clone();
                    (count, vec![addresses], vec![value])
                }
                _ => (0, Vec::new(), Vec::new()),
            };
            ctx.log(
                &BSAP_IP_RDB_LOG,
                vec![
                    Value::Unset,
                    self.ip_message_id.into(),
                    self.ip_response_id.into(),
                    self.ip_request_len.into(),
                    Value::Unset,
                    "RDB".into(),
                    node_status.into(),
                    rdb_log_name(u32::from(func)).into(),
                    count.into(),
                    Value::Strs(names),
                    Value::Strs(values),
                ],
            );
        } else if m.message_func == bsap::IP_FUNC_RESPONSE {
            if r.len() < 11 {
                return;
            }
            let (data_length, sequence, count) = (u32_at(0), u32_at(5), byte(10));
            let data = &r[11..];
            let status = if self.ip_response_id == sequence {
                self.ip_response_id = 0;
                self.ip_message_id = 0;
                u32::from(self.last_function) + 0x50
            } else {
                self.ip_response_id
            };
            if self.ip_app_function != bsap::APP_RDB {
                return;
            }
            let (variables, values) = match status.wrapping_sub(0x50) as u8 {
                0x04 => (ip_read_answer(data, count), Vec::new()),
                0x80 => (vec![self.ip_write_addresses.clone()], Vec::new()),
                0x84 => (
                    Vec::new(),
                    (0..count).map(|_| ip_write_answer(data)).collect(),
                ),
                _ => (Vec::new(), Vec::new()),
            };
            ctx.log(
                &BSAP_IP_RDB_LOG,
                vec![
                    data_length.into(),
                    sequence.into(),
                    sequence.into(),
                    data_length.into(),
                    sequence.into(),
                    "RDB".into(),
                    Value::Count(u64::from(status)),
                    rdb_log_name(status).into(),
                    count.into(),
                    Value::Strs(variables),
                    Value::Strs(values),
                ],
            );
        }
    }

    /// The `bsap_serial_rdb.log` row of a request to the remote database or of its answer.
    fn serial_rdb_row(&mut self, m: &SerialMessage<'_>, ctx: &mut Ctx<'_>) {
        let (code, count, names, values) = if m.dfun == bsap::APP_RDB {
            let Some((&func, data)) = m.body.split_first() else {
                return;
            };
            self.last_function = func;
            let at = |i: usize| data.get(i).copied().unwrap_or(0);
            let (count, names) = match func {
                0x04 => {
                    self.last_read_count = at(3);
                    (at(3), signal_names(data, at(3), 2))
                }
                0x00 => (at(3), Vec::new()),
                0x84 => {
                    self.last_write_count = at(1);
                    (at(1), signal_names(data, at(1), 2))
                }
                _ => (0, Vec::new()),
            };
            (u32::from(func), count, names, Vec::new())
        } else if m.dfun == bsap::APP_PEI_PC && m.sfun == bsap::APP_RDB {
            let data = m.body;
            let func = self.last_function;
            let (count, values) = match func {
                0x04 => {
                    let count = self.last_read_count;
                    let values = (0..count)
                        .map(|_| answer_value(data, 2, true, false))
                        .collect();
                    (count, values)
                }
                0x84 => (
                    self.last_write_count,
                    vec![answer_value(data, 0, false, true)],
                ),
                _ => (0, Vec::new()),
            };
            (u32::from(func) + 0x50, count, Vec::new(), values)
        } else {
            return;
        };
        ctx.log(
            &BSAP_SERIAL_RDB_LOG,
            vec![
                rdb_log_name(code).into(),
                count.into(),
                Value::Strs(names),
                Value::Strs(values),
            ],
        );
    }

    fn rdb_request(&mut self, func: u8, body: &[u8], ctx: &mut Ctx<'_>) {
        ctx.obs.function(
            ctx.src,
            ctx.dst,
            "bsap",
            u16::from(func),
            || function_label(func),
            ctx.ev.ts,
        );
        if !bsap::rdb_is_write(func) {
            return;
        }
        let shown = &body[..body.len().min(MAX_SHOWN)];
        let digest = shown
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64 ^ u64::from(func), |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        if !self.reported.first(digest, MAX_REPORTED) {
            return;
        }
        let names: Vec<String> = shown
            .split(|&b| b == 0)
            .filter_map(|part| {
                let at = part.iter().rposition(|&b| b == b'@')?;
                otwatch_dissect::printable(&part[at..])
            })
            .collect();
        let what = if names.is_empty() {
            String::new()
        } else {
            format!(": {}", names.join(", "))
        };
        ctx.event(
            "bsap",
            "bsap_write_signal".into(),
            format!("remote database {}{what}", function_label(func)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;

    // icsnpp-bsap/testing/traces/bsap-serial_example.pcapng, frames 1 and 3.
    const SERIAL_REQUEST: [u8; 27] = [
        0x10, 0x02, 0x01, 0xeb, 0xa0, 0xe3, 0x08, 0x03, 0x00, 0x04, 0x01, 0x40, 0x0f, 0x01, 0x40,
        0x47, 0x56, 0x2e, 0x41, 0x53, 0x33, 0x2e, 0x00, 0x10, 0x03, 0xa9, 0x4d,
    ];
    const SERIAL_RESPONSE: [u8; 19] = [
        0x10, 0x02, 0x00, 0xeb, 0x03, 0xe3, 0x08, 0xa0, 0x00, 0x00, 0x00, 0x01, 0x82, 0xdf, 0x82,
        0xbe, 0x10, 0x03, 0x91,
    ];

    #[test]
    fn serial_rows_functions_and_node() {
        let mut t = TestFlow::new(("192.168.5.35", 1235), ("192.168.5.34", 1235));
        let mut flow = BsapFlow::default();
        flow.datagram(&SERIAL_REQUEST, &mut t.ctx(true, 1, 1));
        flow.datagram(&SERIAL_RESPONSE, &mut t.ctx(false, 3, 2));
        assert_eq!(
            t.rows[0].values,
            vec![
                Value::Count(0xeb),
                Value::Unset,
                Value::Unset,
                Value::Unset,
                Value::from("RDB"),
                Value::Count(2275),
                Value::from("PEI_PC"),
                Value::Count(0),
                Value::from("Local Message"),
            ]
        );
        assert_eq!(t.rows[2].values[4], Value::from("PEI_PC"));
        let f: Vec<_> = t
            .obs
            .functions
            .values()
            .map(|f| f.function.clone())
            .collect();
        assert_eq!(f, vec!["READ_SIGNAL_BY_NAME".to_string()]);
        let node = t
            .obs
            .attributes
            .values()
            .find(|a| a.name == "bsap_node_address")
            .expect("node address");
        assert_eq!(node.value, "1");
        assert_eq!(node.subject, Subject::Ip("192.168.5.34".parse().unwrap()));
        assert!(t.events.is_empty());
    }

    #[test]
    fn serial_rdb_rows_as_icsnpp_writes_them() {
        let mut t = TestFlow::new(("192.168.5.35", 1235), ("192.168.5.34", 1235));
        let mut flow = BsapFlow::default();
        flow.datagram(&SERIAL_REQUEST, &mut t.ctx(true, 1, 1));
        flow.datagram(&SERIAL_RESPONSE, &mut t.ctx(false, 3, 2));
        let rdb: Vec<&Vec<Value>> = t
            .rows
            .iter()
            .filter(|r| r.spec.name == "bsap_serial_rdb")
            .map(|r| &r.values)
            .collect();
        assert_eq!(
            rdb,
            vec![
                &vec![
                    Value::from("READ_SIGNAL_BY_NAME"),
                    Value::Count(1),
                    Value::Strs(vec!["@GV.AS3.".into()]),
                    Value::Strs(vec![]),
                ],
                &vec![
                    Value::from("RSP_READ_SIGNAL_BY_NAME"),
                    Value::Count(1),
                    Value::Strs(vec![]),
                    Value::Strs(vec![
                        "Errdata 0x82 Errdata 0xDF Errdata 0x82 Errdata 0xBE ".into()
                    ]),
                ],
            ]
        );
        // bsap-serial_example.pcapng frame 930: the answer to a write, no error bits.
        let answer = [0x00, 0x00, 0x10, 0x03, 0xb5, 0xea];
        assert_eq!(answer_value(&answer, 0, false, true), "0000");
        assert_eq!(answer_value(&[], 0, false, true), "00");
    }

    #[test]
    fn writes_are_events_once() {
        let mut t = TestFlow::new(("192.168.5.35", 1235), ("192.168.5.34", 1235));
        let mut flow = BsapFlow::default();
        let mut write = SERIAL_REQUEST;
        write[9] = 0x84;
        flow.datagram(&write, &mut t.ctx(true, 1, 1));
        flow.datagram(&write, &mut t.ctx(true, 2, 2));
        assert_eq!(t.events.len(), 1);
        assert_eq!(t.events[0].kind, "bsap_write_signal");
        assert!(t.events[0]
            .detail
            .contains("WRITE_SIGNAL_BY_NAME: @GV.AS3."));
        flow.datagram(&[0x10], &mut t.ctx(true, 3, 3));
        assert_eq!(t.events[1].kind, "bsap_malformed");
    }

    #[test]
    fn arbitrary_datagrams_never_panic() {
        // Real request/answer shapes with random bytes after the headers, so that the
        // log rendering walks garbage of every length.
        let mut t = TestFlow::new(("192.168.5.211", 1234), ("192.168.5.210", 1234));
        let mut flow = BsapFlow::default();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let prefixes: [&[u8]; 5] = [
            &[0x0e, 0, 1, 0, 6, 0],
            &[0x0e, 0, 1, 0, 5, 0],
            &[0x10, 0x02, 0x01],
            &[0x10, 0x02, 0x00],
            &[0x10, 0x02, 0x81],
        ];
        for i in 0..20_000 {
            let mut d = prefixes[i % prefixes.len()].to_vec();
            let len = (next() % 80) as usize;
            d.extend((0..len).map(|_| next() as u8));
            if i % 3 == 0 && d.len() > 30 {
                // An RDB request or answer with the function codes the renderers know.
                d[9] = [0xa0, 0x03][i % 2];
                d[25] = [0x04, 0x80, 0x84, 0x00][i % 4];
            }
            t.rows.clear();
            t.events.clear();
            flow.datagram(&d, &mut t.ctx(i % 2 == 0, i as u64, i as i64));
        }
    }
}
