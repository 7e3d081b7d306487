//! Modbus/TCP on one flow: ADUs framed in each direction, requests paired with responses by
//! transaction id (a bounded number open at once), function counts per edge, exceptions,
//! malformed bodies and write floods as events, and Read Device Identification answers as
//! facts about the server.
//!
//! When transaction logs are asked for, it also writes Zeek's `modbus.log` and the four logs
//! of CISA's ICSNPP Modbus parser: `modbus_detailed` (one row per transaction, request and
//! response merged), `modbus_mask_write_register`, `modbus_read_write_multiple_registers`
//! and `modbus_read_device_identification` (one row per message, or per identification
//! object). Their pairing is kept apart from the one behind events so that nothing of it is
//! allocated when no log is written.

mod icsnpp;
mod write_flood;

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use icsnpp::IcsnppLogs;
use otwatch_dissect::modbus::{self, Adu, Framed};
use otwatch_inventory::{BehindPath, Subject, MODBUS_GATEWAY_FACT};
use otwatch_model::logs::{LogSpec, Value};
use write_flood::WriteFlood;

/// Zeek's `modbus.log`: one row per message.
pub static MODBUS_LOG: LogSpec = LogSpec {
    name: "modbus",
    directional: false,
    columns: &[
        ("tid", "count"),
        ("unit", "count"),
        ("func", "string"),
        ("pdu_type", "string"),
        ("exception", "string"),
    ],
};

/// Zeek's name for a function code as the message carries it: an exception response of a
/// known function reads `<NAME>_EXCEPTION`, an unknown code `unknown-<code>`.
fn zeek_function(fc: u8) -> String {
    match zeek_function_name(fc & 0x7f) {
        None => format!("unknown-{fc}"),
        Some(name) if fc & 0x80 != 0 => format!("{name}_EXCEPTION"),
        Some(name) => name.to_string(),
    }
}

/// Zeek also names machine- and vendor-specific codes (its `Modbus::function_codes`).
fn zeek_function_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0x09 => "PROGRAM_484",
        0x0a => "POLL_484",
        0x0d => "PROGRAM_584_984",
        0x0e => "POLL_584_984",
        0x12 => "PROGRAM_884_U84",
        0x13 => "RESET_COMM_LINK_884_U84",
        0x28 => "PROGRAM_CONCEPT",
        0x29 => "MULTIPLE_FUNCTION_CODES",
        0x5a => "PROGRAM_UNITY",
        0x5b => "OBJECT_MESSAGING",
        0x7d => "FIRMWARE_REPLACEMENT",
        0x7e => "PROGRAM_584_984_2",
        0x7f => "REPORT_LOCAL_ADDRESS",
        _ => match modbus::function_name(code) {
            "UNKNOWN" => return None,
            name => name,
        },
    })
}

/// Zeek's name for an exception code; an unknown one reads `unknown-<code>`.
fn zeek_exception(code: u8) -> String {
    match modbus::exception_name(code) {
        "UNKNOWN" => format!("unknown-{code}"),
        name => name.to_string(),
    }
}

/// Requests awaiting a response per flow; beyond it the oldest is forgotten and counted.
const MAX_PENDING: usize = 64;
/// A Modbus ADU is at most 260 bytes; a partial one is carried to the next chunk.
const MAX_ADU: usize = 260;

#[derive(Debug, Default)]
pub struct ModbusFlow {
    framer: Framer,
    pending: Pending,
    /// Only when transaction logs are written.
    icsnpp: Option<Box<IcsnppLogs>>,
    /// A device identification (MEI 14) request was reported: a master that asks again
    /// is one asker, a sweep is many flows.
    identification_asked: bool,
    write_flood: WriteFlood,
}

#[derive(Debug, Default)]
struct Pending {
    open: Vec<(u16, u8)>,
    /// Requests forgotten because too many were open at once.
    limit_hits: u64,
}

/// MBAP: the length field counts the unit id and the PDU, at most 254 bytes.
struct Mbap;

impl MessageLength for Mbap {
    const HEADER: usize = 6;
    fn total(h: &[u8]) -> Option<usize> {
        let length = usize::from(u16::from_be_bytes([h[4], h[5]]));
        (h[2] == 0 && h[3] == 0 && (2..=254).contains(&length)).then_some(6 + length)
    }
}

/// The inventory attribute a device identification object becomes.
fn attribute_of(object_id: u8) -> Option<&'static str> {
    Some(match object_id {
        0 => "vendor",
        1 => "product_code",
        2 => "firmware",
        4 => "product_name",
        5 => "model",
        6 => "application_name",
        _ => return None,
    })
}

pub fn function_label(fc: u8) -> String {
    match modbus::function_name(fc) {
        "UNKNOWN" => format!("FC_{}", fc & 0x7f),
        name => name.to_string(),
    }
}

impl ModbusFlow {
    /// Bytes are missing: framing and pairing cannot be trusted across the hole.
    pub fn gap(&mut self) {
        self.framer.gap();
        self.pending.open.clear();
    }

    pub fn pending_limit_hits(&self) -> u64 {
        self.pending.limit_hits
    }

    /// The flow ended: transactions still waiting for their other half are logged.
    pub fn end(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(logs) = self.icsnpp.as_mut() {
            logs.end(ctx);
        }
    }

    /// A chunk of the stream; `request` when it flows from client to server.
    pub fn chunk(&mut self, request: bool, data: &[u8], ctx: &mut Ctx<'_>) {
        let Self {
            framer,
            pending,
            icsnpp,
            identification_asked,
            write_flood,
        } = self;
        framer.feed::<Mbap>(usize::from(!request), data, MAX_ADU, |message| {
            if let Framed::Adu(adu, _) = modbus::frame(message) {
                if ctx.logging() {
                    let exception = adu
                        .is_exception()
                        .then(|| adu.data.first().map(|c| zeek_exception(*c)))
                        .flatten();
                    ctx.log(
                        &MODBUS_LOG,
                        vec![
                            adu.transaction_id.into(),
                            adu.unit_id.into(),
                            zeek_function(adu.function).into(),
                            if request { "REQ" } else { "RESP" }.into(),
                            Value::opt_str(exception),
                        ],
                    );
                }
                if request {
                    let body = parsed(
                        &adu,
                        true,
                        modbus::parse_request(adu.function, adu.data),
                        ctx,
                    );
                    pending.request(&adu, ctx);
                    if let Some(body) = &body {
                        record_addresses(&adu, body, ctx);
                    }
                    controller_action(&adu, ctx);
                    if write_flood::is_write(adu.function) {
                        write_flood.write(adu.function, adu.unit_id, body.as_ref(), ctx);
                    }
                    if let (0x2b, [0x0e, code, object, ..]) = (adu.function, adu.data) {
                        // The answer comes from the device; the request names who asks,
                        // which is what an identification sweep is judged by.
                        if !*identification_asked {
                            *identification_asked = true;
                            ctx.event(
                                "modbus",
                                "modbus_device_identification_request".into(),
                                format!(
                                    "read device identification (MEI 14), read code {code}, object {object}, unit {}",
                                    adu.unit_id
                                ),
                            );
                        }
                    }
                    if ctx.logging() {
                        let logs = icsnpp.get_or_insert_with(Default::default);
                        logs.request(&adu, body, ctx);
                    }
                } else {
                    let body = parsed(
                        &adu,
                        false,
                        modbus::parse_response(adu.function, adu.data),
                        ctx,
                    );
                    if ctx.logging() {
                        let logs = icsnpp.get_or_insert_with(Default::default);
                        logs.response(&adu, body, ctx);
                    }
                    pending.response(&adu, ctx);
                }
            }
        });
    }
}

/// What a request does to the device itself rather than to its data, as the event kind
/// and its description: diagnostics that restart or silence the serial line (function 8),
/// Modicon firmware replacement (function 125) and the UMAS engineering functions
/// (function 90) that start or stop the PLC and move its program. UMAS transfers are
/// reported once, on the request that opens them; the block-by-block requests that follow
/// add nothing the operator needs. Answers are never reported: only a request shows who
/// asked.
fn controller_action(adu: &Adu<'_>, ctx: &mut Ctx<'_>) {
    let word = |i: usize| {
        adu.data
            .get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let unit = adu.unit_id;
    let (kind, detail) = match adu.function {
        8 => match word(0) {
            Some(1) => (
                "modbus_restart_communications",
                format!(
                    "diagnostics restart communications option{}, unit {unit}",
                    if word(2) == Some(0xff00) {
                        " (communication event log cleared)"
                    } else {
                        ""
                    }
                ),
            ),
            Some(4) => (
                "modbus_force_listen_only",
                format!("diagnostics force listen only mode, unit {unit}"),
            ),
            _ => return,
        },
        0x7d => (
            "modbus_firmware_replacement",
            format!(
                "firmware replacement (function 125) with {} bytes, unit {unit}",
                adu.data.len()
            ),
        ),
        0x5a => {
            // UMAS: a session byte, then the UMAS function. Schneider's own words are the
            // other way round from ATT&CK's: its "upload" writes into the PLC.
            let (Some(&session), Some(&function)) = (adu.data.first(), adu.data.get(1)) else {
                return;
            };
            let (kind, what) = match function {
                0x40 => ("umas_plc_start", "start PLC"),
                0x41 => ("umas_plc_stop", "stop PLC"),
                0x30 => (
                    "umas_program_download",
                    "initialize strategy transfer into the PLC",
                ),
                0x33 => (
                    "umas_program_upload",
                    "initialize strategy transfer out of the PLC",
                ),
                _ => return,
            };
            (
                kind,
                format!(
                    "UMAS {what} (function 0x{function:02x}), session 0x{session:02x}, unit {unit}"
                ),
            )
        }
        _ => return,
    };
    ctx.event("modbus", kind.into(), detail);
}

/// The coils and registers a request reads or writes, for the per-edge function aggregates
/// ("writes holding registers 100-119").
fn record_addresses(adu: &Adu<'_>, body: &modbus::Request<'_>, ctx: &mut Ctx<'_>) {
    use modbus::Request as R;
    let span = |start: u16, count: usize| {
        let first = u64::from(start);
        (first, first + (count.max(1) as u64) - 1)
    };
    let table = match adu.function {
        1 | 5 | 15 => "coil",
        2 => "discrete_input",
        4 => "input_register",
        _ => "holding_register",
    };
    let mut touched: [Option<(u64, u64)>; 2] = [None, None];
    match *body {
        R::ReadBits { start, quantity } | R::ReadRegisters { start, quantity } => {
            touched[0] = Some(span(start, usize::from(quantity)));
        }
        R::WriteSingleCoil { address, .. }
        | R::WriteSingleRegister { address, .. }
        | R::MaskWriteRegister { address, .. }
        | R::ReadFifoQueue { address } => touched[0] = Some(span(address, 1)),
        R::WriteMultipleCoils { start, coils } => touched[0] = Some(span(start, coils.len())),
        R::WriteMultipleRegisters { start, registers } => {
            touched[0] = Some(span(start, registers.len()))
        }
        R::ReadWriteMultipleRegisters {
            read_start,
            read_quantity,
            write_start,
            write_registers,
        } => {
            touched[0] = Some(span(read_start, usize::from(read_quantity)));
            touched[1] = Some(span(write_start, write_registers.len()));
        }
        _ => {}
    }
    for (first, last) in touched.into_iter().flatten() {
        ctx.obs.function_addresses_at(
            ctx.src,
            ctx.dst,
            Some(BehindPath::ModbusUnit(adu.unit_id)),
            "modbus",
            u16::from(adu.function),
            table,
            first,
            last,
        );
    }
}

/// A body that breaks the protocol's rules (a quantity beyond its limit, a byte count that
/// disagrees with it, a coil value other than on or off, a record cut short) is an anomaly
/// worth an event: devices do not send them, fuzzers and broken tools do.
fn parsed<T>(
    adu: &Adu<'_>,
    request: bool,
    body: Result<T, otwatch_dissect::Malformed>,
    ctx: &mut Ctx<'_>,
) -> Option<T> {
    match body {
        Ok(body) => Some(body),
        Err(e) => {
            ctx.event(
                "modbus",
                "modbus_malformed".into(),
                format!(
                    "{} {}: {} at byte {} of the PDU, unit {}, transaction {}",
                    function_label(adu.function),
                    if request { "request" } else { "response" },
                    e.reason,
                    e.offset + 1,
                    adu.unit_id,
                    adu.transaction_id
                ),
            );
            None
        }
    }
}

impl Pending {
    fn request(&mut self, adu: &modbus::Adu<'_>, ctx: &mut Ctx<'_>) {
        let code = u16::from(adu.function);
        // Counted per unit id: behind a gateway each unit is a device of its own.
        ctx.obs.function_at(
            ctx.src,
            ctx.dst,
            Some(BehindPath::ModbusUnit(adu.unit_id)),
            "modbus",
            code,
            || function_label(adu.function),
            ctx.ev.ts,
        );
        if self.open.len() >= MAX_PENDING {
            self.open.remove(0);
            self.limit_hits += 1;
        }
        self.open.push((adu.transaction_id, adu.function));
    }

    fn response(&mut self, adu: &modbus::Adu<'_>, ctx: &mut Ctx<'_>) {
        let asked = self
            .open
            .iter()
            .position(|(tid, _)| *tid == adu.transaction_id)
            .map(|i| self.open.remove(i));
        let function = modbus::function_name(adu.function);
        let code = adu.data.first().copied().unwrap_or(0);
        if adu.is_exception() && matches!(code, 10 | 11) {
            // Only a gateway says its path or its target failed: the unit did not answer.
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                MODBUS_GATEWAY_FACT,
                "gateway",
                "modbus",
                &format!(
                    "Modbus exception {code} ({}) for unit {}",
                    modbus::exception_name(code),
                    adu.unit_id
                ),
                1.0,
                ctx.ev,
            );
        } else {
            let unit = adu.unit_id;
            ctx.obs.behind(
                ctx.src,
                BehindPath::ModbusUnit(unit),
                || format!("Modbus {function} response from unit {unit}"),
                ctx.ev,
            );
        }
        if adu.is_exception() {
            let detail = format!(
                "{function} answered with exception {code} ({}), unit {}, transaction {}{}",
                modbus::exception_name(code),
                adu.unit_id,
                adu.transaction_id,
                if asked.is_some() {
                    ""
                } else {
                    " (request not seen)"
                }
            );
            ctx.event("modbus", "modbus_exception".into(), detail);
            return;
        }
        if adu.function == 17 {
            self.server_id(adu, ctx);
            return;
        }
        if adu.function == 43 && adu.data.first() == Some(&modbus::MEI_READ_DEVICE_ID) {
            let Ok(id) = modbus::parse_device_identification(adu.data) else {
                return;
            };
            let mut stated = Vec::new();
            for object in &id.objects {
                let Some(name) = attribute_of(object.id) else {
                    continue;
                };
                let message = format!(
                    "Modbus Read Device Identification (function 43/14) object {} {}, unit {}",
                    object.id,
                    modbus::object_name(object.id),
                    adu.unit_id
                );
                ctx.obs.attribute(
                    Subject::Behind(ctx.src, BehindPath::ModbusUnit(adu.unit_id)),
                    name,
                    &object.value,
                    "modbus",
                    &message,
                    1.0,
                    ctx.ev,
                );
                stated.push(format!(
                    "{}={:?}",
                    modbus::object_name(object.id),
                    object.value
                ));
            }
            let detail = if stated.is_empty() {
                format!(
                    "no standard objects (read code {}, conformity level {:#04x})",
                    id.read_code, id.conformity_level
                )
            } else {
                stated.join(" ")
            };
            ctx.event("modbus", "modbus_device_identification".into(), detail);
        }
    }
}

impl Pending {
    /// Report Server ID: the text a device says about itself, kept as a fact about the
    /// server (its format is the vendor's, so it is recorded as said, not split up).
    fn server_id(&mut self, adu: &modbus::Adu<'_>, ctx: &mut Ctx<'_>) {
        let Some(text) = modbus::report_server_id(adu.data)
            .ok()
            .and_then(modbus::server_id_text)
        else {
            return;
        };
        let message = format!(
            "Modbus Report Server ID (function 17) response, unit {}",
            adu.unit_id
        );
        ctx.obs.attribute(
            Subject::Behind(ctx.src, BehindPath::ModbusUnit(adu.unit_id)),
            "modbus_server_id",
            &text,
            "modbus",
            &message,
            1.0,
            ctx.ev,
        );
        ctx.event(
            "modbus",
            "modbus_server_id".into(),
            format!("unit {} says {text:?}", adu.unit_id),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;
    use std::net::IpAddr;

    /// An MBAP header for `pdu` addressed to `unit`.
    fn adu(tid: u16, unit: u8, pdu: &[u8]) -> Vec<u8> {
        let mut m = tid.to_be_bytes().to_vec();
        m.extend_from_slice(&[0, 0]);
        m.extend_from_slice(&(pdu.len() as u16 + 1).to_be_bytes());
        m.push(unit);
        m.extend_from_slice(pdu);
        m
    }

    #[test]
    fn answers_are_recorded_per_unit_and_gateway_exceptions_are_the_servers() {
        let mut t = TestFlow::new(("192.168.0.21", 40000), ("192.168.0.20", 502));
        let mut flow = ModbusFlow::default();
        // Unit 3 identifies itself; unit 9 does not answer, so the gateway says so.
        let ask = [0x2b, 0x0e, 0x01, 0x00];
        let mut answer = vec![0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x05];
        answer.extend_from_slice(b"Acme!");
        flow.chunk(true, &adu(1, 3, &ask), &mut t.ctx(true, 1, 1));
        flow.chunk(false, &adu(1, 3, &answer), &mut t.ctx(false, 2, 2));
        flow.chunk(true, &adu(2, 9, &ask), &mut t.ctx(true, 3, 3));
        flow.chunk(false, &adu(2, 9, &[0xab, 0x0b]), &mut t.ctx(false, 4, 4));

        let server: IpAddr = "192.168.0.20".parse().unwrap();
        let unit3 = BehindPath::ModbusUnit(3);
        assert_eq!(t.obs.behind[&(server, unit3)].first.frame, 2);
        assert!(!t
            .obs
            .behind
            .contains_key(&(server, BehindPath::ModbusUnit(9))));
        let subjects: Vec<_> = t
            .obs
            .attributes
            .keys()
            .map(|(s, n, v, _)| (*s, *n, v.as_str()))
            .collect();
        assert!(subjects.contains(&(Subject::Behind(server, unit3), "vendor", "Acme!")));
        assert!(subjects.contains(&(Subject::Ip(server), MODBUS_GATEWAY_FACT, "gateway")));
        // The requests count per unit.
        let paths: Vec<_> = t.obs.functions.values().map(|f| f.path).collect();
        assert!(paths.contains(&Some(unit3)) && paths.contains(&Some(BehindPath::ModbusUnit(9))));
    }
    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn kinds(t: &TestFlow) -> Vec<(u64, &str)> {
        t.events
            .iter()
            .map(|e| (e.frame, e.kind.as_str()))
            .collect()
    }

    /// modicon/modicon_test.pcap frames 76, 78 and 80: Unity Pro opens a strategy read-out
    /// (UMAS 0x33) and fetches its first blocks (0x34). Only the opening is an event.
    #[test]
    fn umas_program_upload_is_reported_once_on_its_opening_request() {
        let mut t = TestFlow::new(("192.168.63.100", 7718), ("192.168.63.253", 502));
        let mut flow = ModbusFlow::default();
        for (frame, payload) in [
            (76, "002300000008005a01330001fb00"),
            (78, "002400000008005a013400010100"),
            (80, "002500000008005a013400010200"),
        ] {
            flow.chunk(true, &hex(payload), &mut t.ctx(true, frame, frame as i64));
        }
        assert_eq!(kinds(&t), vec![(76, "umas_program_upload")]);
        assert_eq!(
            t.events[0].detail,
            "UMAS initialize strategy transfer out of the PLC (function 0x33), session 0x01, unit 0"
        );
    }

    /// ModbusTCP/modbus_test_data_part1.pcap frames 8 and 9: function 8 sub-function 4
    /// (force listen only) to unit 10, answered by a gateway exception. The request is the
    /// event; the exception answer is not a second one.
    #[test]
    fn force_listen_only_request_is_an_event() {
        let mut t = TestFlow::new(("10.0.0.57", 2578), ("10.0.0.3", 502));
        let mut flow = ModbusFlow::default();
        flow.chunk(
            true,
            &hex("0000000000060a0800040000"),
            &mut t.ctx(true, 8, 8),
        );
        flow.chunk(false, &hex("0000000000030a880b"), &mut t.ctx(false, 9, 9));
        let actions: Vec<_> = kinds(&t)
            .into_iter()
            .filter(|(_, k)| *k != "modbus_exception")
            .collect();
        assert_eq!(actions, vec![(8, "modbus_force_listen_only")]);
        assert_eq!(
            t.events[0].detail,
            "diagnostics force listen only mode, unit 10"
        );
    }

    /// The corpus holds no UMAS start, stop or program write, no restart communications and
    /// no function 125: these requests are laid out after the modicon_test.pcap requests
    /// (MBAP, unit 0, function 90, session byte, UMAS function) and the Modbus application
    /// protocol specification (function 8 sub-function 1 with data 0xFF00).
    #[test]
    fn umas_start_stop_download_restart_and_firmware_requests_are_events() {
        let mut t = TestFlow::new(("192.168.63.100", 7718), ("192.168.63.253", 502));
        let mut flow = ModbusFlow::default();
        for (frame, payload) in [
            (1, "000100000004005a0141"),
            (2, "000200000004005a0140"),
            (3, "000300000006005a01300001"),
            (4, "000400000006000800010000"),
            (5, "00050000000600080001ff00"),
            (6, "000600000004007d0102"),
            // Read PLC info and a memory block read: not actions.
            (7, "000700000004005a0004"),
            (8, "000800000004005a0120"),
            // Diagnostics return query data: a loopback test, not an action.
            (9, "000900000006000800001234"),
        ] {
            flow.chunk(true, &hex(payload), &mut t.ctx(true, frame, frame as i64));
        }
        assert_eq!(
            kinds(&t),
            vec![
                (1, "umas_plc_stop"),
                (2, "umas_plc_start"),
                (3, "umas_program_download"),
                (4, "modbus_restart_communications"),
                (5, "modbus_restart_communications"),
                (6, "modbus_firmware_replacement"),
            ]
        );
        assert_eq!(
            t.events[0].detail,
            "UMAS stop PLC (function 0x41), session 0x01, unit 0"
        );
        assert_eq!(
            t.events[4].detail,
            "diagnostics restart communications option (communication event log cleared), unit 0"
        );
    }

    /// icsnpp-modbus modbus_example.pcap frames 92 and 94: a basic device identification
    /// request to unit 1 and its answer. The request is the event, once per flow.
    #[test]
    fn device_identification_request_names_the_asker_once() {
        let mut t = TestFlow::new(("127.0.0.1", 47785), ("127.0.0.2", 502));
        let mut flow = ModbusFlow::default();
        let ask = hex("001700000005012b0e0100");
        flow.chunk(true, &ask, &mut t.ctx(true, 92, 92));
        flow.chunk(false, &hex("00170000003d012b0e018300000300105a65656b204d6f646275732054657374011850726f746f636f6c2050617273696e672069732066756e210207312e322e332e36"), &mut t.ctx(false, 94, 94));
        flow.chunk(true, &ask, &mut t.ctx(true, 96, 96));
        let asked: Vec<_> = t
            .events
            .iter()
            .filter(|e| e.kind == "modbus_device_identification_request")
            .map(|e| (e.frame, e.detail.as_str()))
            .collect();
        assert_eq!(
            asked,
            [(
                92,
                "read device identification (MEI 14), read code 1, object 0, unit 1"
            )]
        );
    }

    /// A UMAS answer echoing a stop code is the PLC speaking, not a command.
    #[test]
    fn umas_answers_are_not_actions() {
        let mut t = TestFlow::new(("192.168.63.100", 7718), ("192.168.63.253", 502));
        let mut flow = ModbusFlow::default();
        flow.chunk(true, &hex("000100000004005a0141"), &mut t.ctx(true, 1, 1));
        flow.chunk(false, &hex("000100000004005a01fe"), &mut t.ctx(false, 2, 2));
        assert_eq!(kinds(&t), vec![(1, "umas_plc_stop")]);
    }

    /// Writes the requests of `writes` (function, PDU) on one flow, `gap` microseconds
    /// apart, each answered by its echo; returns the write flood events' details.
    fn flood_events(writes: &[&[u8]], gap: i64) -> Vec<(u64, String)> {
        let mut t = TestFlow::new(("10.0.0.66", 50200), ("10.0.0.10", 502));
        t.max_events = 1000;
        let mut flow = ModbusFlow::default();
        for (i, pdu) in writes.iter().enumerate() {
            let tid = i as u16;
            let frame = 2 * i as u64 + 1;
            let ts = 1_000_000 + gap * i as i64;
            flow.chunk(true, &adu(tid, 1, pdu), &mut t.ctx(true, frame, ts));
            flow.chunk(
                false,
                &adu(tid, 1, pdu),
                &mut t.ctx(false, frame + 1, ts + 500),
            );
        }
        t.events
            .iter()
            .filter(|e| e.kind == "modbus_write_flood")
            .map(|e| (e.frame, e.detail.clone()))
            .collect()
    }

    /// Write single register (function 6) of `value` to `address` (the Modbus
    /// specification's layout).
    fn write_register(address: u16, value: u16) -> Vec<u8> {
        let mut pdu = vec![6];
        pdu.extend_from_slice(&address.to_be_bytes());
        pdu.extend_from_slice(&value.to_be_bytes());
        pdu
    }

    #[test]
    fn a_hundred_writes_within_ten_seconds_are_one_flood_event() {
        // 150 writes 50 ms apart of ever new values into registers 100-119: the 100th
        // write, 4.95 s after the first, makes the flood; the 50 after it continue it.
        let pdus: Vec<Vec<u8>> = (0..150).map(|i| write_register(100 + i % 20, i)).collect();
        let refs: Vec<&[u8]> = pdus.iter().map(Vec::as_slice).collect();
        let got = flood_events(&refs, 50_000);
        assert_eq!(
            got,
            [(
                199,
                "100 value-changing write requests in 5.0 s (20.2 per second): write single \
                 register (function 6) ×100 to holding registers 100-119, unit 1"
                    .to_string()
            )]
        );
    }

    #[test]
    fn writes_at_an_operators_pace_are_no_flood() {
        // 300 writes, one every 200 ms: 50 in any ten seconds.
        let pdus: Vec<Vec<u8>> = (0..300).map(|i| write_register(i % 8, i)).collect();
        let refs: Vec<&[u8]> = pdus.iter().map(Vec::as_slice).collect();
        assert!(flood_events(&refs, 200_000).is_empty());
    }

    /// modbusBig.pcap (Zeek's Modbus traces) writes coil 1 on with every scan, 25 times a
    /// second for a minute: a master re-asserting one value, not one driving the output.
    #[test]
    fn the_same_value_written_every_scan_is_no_flood() {
        let on: &[u8] = &[0x05, 0x00, 0x01, 0xff, 0x00];
        let refs = vec![on; 1400];
        assert!(flood_events(&refs, 40_000).is_empty());
        // A set point re-asserted with each scan among a few that change is no flood either.
        let pdus: Vec<Vec<u8>> = (0..1400u16)
            .map(|i| write_register(40, if i % 100 == 0 { i } else { 0 }))
            .collect();
        let refs: Vec<&[u8]> = pdus.iter().map(Vec::as_slice).collect();
        assert!(flood_events(&refs, 40_000).is_empty());
    }

    #[test]
    fn a_flood_that_stops_and_starts_again_is_two_events_and_names_each_function() {
        // Write multiple coils 0-7 (function 15) and single coil 9 (function 5), toggling,
        // 20 ms apart, then a minute of silence, then the same again.
        let coils: [&[u8]; 2] = [
            &[0x0f, 0x00, 0x00, 0x00, 0x08, 0x01, 0x0f],
            &[0x0f, 0x00, 0x00, 0x00, 0x08, 0x01, 0xf0],
        ];
        let coil: [&[u8]; 2] = [
            &[0x05, 0x00, 0x09, 0xff, 0x00],
            &[0x05, 0x00, 0x09, 0x00, 0x00],
        ];
        let mut refs: Vec<&[u8]> = Vec::new();
        for i in 0..120 {
            refs.push(if i % 2 == 0 {
                coils[i / 2 % 2]
            } else {
                coil[i / 2 % 2]
            });
        }
        let mut t = TestFlow::new(("10.0.0.66", 50200), ("10.0.0.10", 502));
        t.max_events = 1000;
        let mut flow = ModbusFlow::default();
        let mut ts = 0;
        for (round, gap_before) in [(0, 0), (1, 60_000_000)] {
            ts += gap_before;
            for (i, pdu) in refs.iter().enumerate() {
                ts += 20_000;
                let frame = (round * 1000 + i) as u64;
                flow.chunk(true, &adu(i as u16, 1, pdu), &mut t.ctx(true, frame, ts));
            }
        }
        let floods: Vec<_> = t
            .events
            .iter()
            .filter(|e| e.kind == "modbus_write_flood")
            .map(|e| (e.frame, e.detail.as_str()))
            .collect();
        let detail = "100 value-changing write requests in 2.0 s (50.5 per second): write single \
                      coil (function 5) ×50, write multiple coils (function 15) ×50 to coils 0-9, \
                      unit 1";
        assert_eq!(floods, [(99, detail), (1099, detail)]);
    }
}
