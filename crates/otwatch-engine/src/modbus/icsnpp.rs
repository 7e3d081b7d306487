//! The logs CISA's ICSNPP Modbus parser writes, reproduced column for column so that what
//! reads theirs reads ours: `modbus_detailed` merges each request with its response into one
//! row (written when the second of the two arrives, stamped with the time of the first);
//! mask-write, read/write-multiple and device-identification messages also get one row per
//! message (per object for identification answers) in their own logs, tied to the
//! transaction's detailed row by a shared link id.
//!
//! Pairing is by transaction id within the flow, both ways round: a response seen before its
//! request waits for it too. At most [`MAX_OPEN`] of each wait; one pushed out, or left
//! waiting when the flow ends, is written with `matched` false rather than lost.

use super::{zeek_exception, zeek_function};
use crate::app::Ctx;
use otwatch_dissect::modbus::{self, Adu, Request, Response, MEI_READ_DEVICE_ID};
use otwatch_model::logs::{LogSpec, Value};
use otwatch_model::Micros;

pub static DETAILED_LOG: LogSpec = LogSpec {
    name: "modbus_detailed",
    directional: false,
    columns: &[
        ("tid", "count"),
        ("unit", "count"),
        ("func", "string"),
        ("address", "count"),
        ("quantity", "count"),
        ("request_values", "vector[count]"),
        ("response_values", "vector[count]"),
        ("modbus_detailed_link_id", "string"),
        ("matched", "bool"),
        ("request_subfunction_code", "string"),
        ("response_subfunction_code", "string"),
        ("request_data", "string"),
        ("response_data", "string"),
        ("exception_code", "string"),
        ("mei_type", "string"),
    ],
};

pub static MASK_WRITE_REGISTER_LOG: LogSpec = LogSpec {
    name: "modbus_mask_write_register",
    directional: true,
    columns: &[
        ("modbus_detailed_link_id", "string"),
        ("tid", "count"),
        ("unit", "count"),
        ("func", "string"),
        ("request_response", "string"),
        ("address", "count"),
        ("and_mask", "count"),
        ("or_mask", "count"),
    ],
};

pub static READ_WRITE_MULTIPLE_REGISTERS_LOG: LogSpec = LogSpec {
    name: "modbus_read_write_multiple_registers",
    directional: true,
    columns: &[
        ("modbus_detailed_link_id", "string"),
        ("tid", "count"),
        ("unit", "count"),
        ("func", "string"),
        ("request_response", "string"),
        ("write_start_address", "count"),
        ("write_registers", "vector[count]"),
        ("read_start_address", "count"),
        ("read_quantity", "count"),
        ("read_registers", "vector[count]"),
    ],
};

pub static READ_DEVICE_IDENTIFICATION_LOG: LogSpec = LogSpec {
    name: "modbus_read_device_identification",
    directional: true,
    columns: &[
        ("modbus_detailed_link_id", "string"),
        ("tid", "count"),
        ("unit", "count"),
        ("func", "string"),
        ("request_response", "string"),
        ("mei_type", "string"),
        ("conformity_level_code", "string"),
        ("conformity_level", "string"),
        ("device_id_code", "count"),
        ("object_id_code", "string"),
        ("object_id", "string"),
        ("object_value", "string"),
    ],
};

/// Transactions waiting for their other half, per direction.
pub const MAX_OPEN: usize = 64;

/// The functions whose bodies ICSNPP decodes into a transaction; any other message is
/// logged on its own, with its header fields only.
fn decoded(function: u8) -> bool {
    matches!(function, 1..=6 | 8 | 15 | 16 | 20..=24 | 43)
}

/// One row of `modbus_detailed` in the making.
#[derive(Debug, Default)]
struct Transaction {
    ts: Micros,
    tid: u16,
    unit: u8,
    func: String,
    address: Option<u16>,
    quantity: Option<u64>,
    request_values: Option<Vec<u64>>,
    response_values: Option<Vec<u64>>,
    link_id: Option<String>,
    request_subfunction: Option<String>,
    response_subfunction: Option<String>,
    request_data: Option<String>,
    response_data: Option<String>,
    exception: Option<String>,
    mei_type: Option<String>,
}

impl Transaction {
    fn new(adu: &Adu<'_>, ts: Micros) -> Self {
        Self {
            ts,
            tid: adu.transaction_id,
            unit: adu.unit_id,
            func: zeek_function(adu.function),
            ..Self::default()
        }
    }

    /// A response that came first takes what its request says about the transaction.
    fn take_request(&mut self, request: Transaction) {
        if request.address.is_some() {
            self.address = request.address;
        }
        if request.quantity.is_some() {
            self.quantity = request.quantity;
        }
        if request.request_values.is_some() {
            self.request_values = request.request_values;
        }
        if request.request_subfunction.is_some() {
            self.request_subfunction = request.request_subfunction;
        }
        if request.request_data.is_some() {
            self.request_data = request.request_data;
        }
        self.merge_mei(request.mei_type);
        if self.link_id.is_none() {
            self.link_id = request.link_id;
        }
    }

    /// Both halves name the MEI type; when they differ the row says so.
    fn merge_mei(&mut self, other: Option<String>) {
        match (&mut self.mei_type, other) {
            (Some(mine), Some(other)) if *mine != other => {
                mine.push_str(" and ");
                mine.push_str(&other);
            }
            (mine @ None, other) => *mine = other,
            _ => {}
        }
    }

    fn into_row(self, matched: Option<bool>) -> Vec<Value> {
        let counts = |v: Option<Vec<u64>>| v.map_or(Value::Unset, Value::Counts);
        vec![
            self.tid.into(),
            self.unit.into(),
            self.func.into(),
            Value::opt_count(self.address),
            Value::opt_count(self.quantity),
            counts(self.request_values),
            counts(self.response_values),
            Value::opt_str(self.link_id),
            matched.map_or(Value::Unset, Value::Bool),
            Value::opt_str(self.request_subfunction),
            Value::opt_str(self.response_subfunction),
            Value::opt_str(self.request_data),
            Value::opt_str(self.response_data),
            Value::opt_str(self.exception),
            Value::opt_str(self.mei_type),
        ]
    }
}

/// Transactions of one flow waiting for their other half.
#[derive(Debug, Default)]
pub struct IcsnppLogs {
    requests: Vec<Transaction>,
    responses: Vec<Transaction>,
}

/// Removes and returns the transaction with this id.
fn take(open: &mut Vec<Transaction>, tid: u16) -> Option<Transaction> {
    let i = open.iter().position(|t| t.tid == tid)?;
    Some(open.remove(i))
}

/// Writes a completed transaction: stamped with the time of its first half.
fn write(ctx: &mut Ctx<'_>, txn: Transaction, matched: Option<bool>) {
    let ts = txn.ts;
    ctx.log_at(&DETAILED_LOG, ts, true, txn.into_row(matched));
}

/// Keeps a half transaction until the other half comes; one with the same id still waiting,
/// or the oldest when too many wait, is written as unmatched.
fn wait(open: &mut Vec<Transaction>, txn: Transaction, ctx: &mut Ctx<'_>) {
    if let Some(old) = take(open, txn.tid) {
        write(ctx, old, Some(false));
    }
    if open.len() >= MAX_OPEN {
        let oldest = open.remove(0);
        write(ctx, oldest, Some(false));
    }
    open.push(txn);
}

fn registers(r: modbus::Registers<'_>) -> Vec<u64> {
    r.iter().map(u64::from).collect()
}

fn bits(b: impl Iterator<Item = bool>) -> Vec<u64> {
    b.map(u64::from).collect()
}

/// Bytes a device sent, as a log string: the writer escapes control characters the way Zeek
/// does; bytes that are not UTF-8 become U+FFFD.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn diagnostics_name(subfunction: u16) -> String {
    modbus::diagnostics_subfunction_name(subfunction)
        .map_or_else(|| format!("unknown-{subfunction}"), str::to_string)
}

/// What `mei_type` says of an encapsulated request or response; the wording of the unknown
/// cases is ICSNPP's, one for each direction.
fn mei_name(mei_type: u8, request: bool) -> String {
    match mei_type {
        0x0d => "CANopen".to_string(),
        MEI_READ_DEVICE_ID => "Read Device Identification".to_string(),
        other if request => {
            format!("invalid encapsulated interface transport mei-(0x{other:02x})")
        }
        other => format!("unknown encapsulated interface transport mei-(ox{other:02x})"),
    }
}

/// Conformity levels of Read Device Identification (Modbus Application Protocol 1.1b3,
/// 6.21).
fn conformity_level_name(level: u8) -> &'static str {
    match level {
        0x01 => "Basic Identification (Stream)",
        0x02 => "Regular Identification (Stream)",
        0x03 => "Extended Identification (Stream)",
        0x81 => "Basic Identification (Stream, Individual)",
        0x82 => "Regular Identification (Stream, Individual)",
        0x83 => "Extended Identification (Stream, Individual)",
        _ => "Unknown",
    }
}

/// Standard identification objects, as ICSNPP names them.
fn object_name(id: u8) -> &'static str {
    match id {
        0x00 => "VendorName",
        0x01 => "ProductCode",
        0x02 => "MajorMinorVersion",
        0x03 => "VendorURL",
        0x04 => "ProductName",
        0x05 => "ModelName",
        0x06 => "UserApplicationName",
        _ => "Unknown",
    }
}

/// A link id for the rows of one transaction: derived from the flow, the frame and the
/// transaction id, so that every run gives the same one.
fn new_link_id(ctx: &Ctx<'_>, tid: u16) -> String {
    use std::hash::{Hash, Hasher};
    const DIGITS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut h = rustc_hash::FxHasher::default();
    ctx.conn.first_ts.hash(&mut h);
    ctx.conn.key.hash(&mut h);
    ctx.ev.capture.hash(&mut h);
    ctx.ev.frame.hash(&mut h);
    tid.hash(&mut h);
    let mut n = u128::from(h.finish()) << 64 | u128::from(h.finish().rotate_left(29) ^ 0x5bd1);
    (0..16)
        .map(|_| {
            let d = DIGITS[(n % 62) as usize];
            n /= 62;
            char::from(d)
        })
        .collect()
}

const DEVICE_IDENTIFICATION: &str = "READ-DEVICE-IDENTIFICATION";

impl IcsnppLogs {
    /// A request whose body parsed (`None` for a function not decoded).
    pub fn request(&mut self, adu: &Adu<'_>, body: Option<Request<'_>>, ctx: &mut Ctx<'_>) {
        if adu.is_exception() {
            return;
        }
        let mut txn = Transaction::new(adu, ctx.ev.ts);
        if !decoded(adu.function) {
            ctx.log(&DETAILED_LOG, txn.into_row(None));
            return;
        }
        let Some(body) = body else {
            return;
        };
        let early = take(&mut self.responses, adu.transaction_id);
        let link = |ctx: &Ctx<'_>| {
            early
                .as_ref()
                .and_then(|r| r.link_id.clone())
                .unwrap_or_else(|| new_link_id(ctx, adu.transaction_id))
        };
        match body {
            Request::ReadBits { start, quantity } | Request::ReadRegisters { start, quantity } => {
                txn.address = Some(start);
                txn.quantity = Some(quantity.into());
            }
            Request::WriteSingleCoil { address, on } => {
                txn.address = Some(address);
                txn.quantity = Some(1);
                txn.request_values = Some(vec![u64::from(on)]);
            }
            Request::WriteSingleRegister { address, value } => {
                txn.address = Some(address);
                txn.quantity = Some(1);
                txn.request_values = Some(vec![value.into()]);
            }
            Request::WriteMultipleCoils { start, coils } => {
                txn.address = Some(start);
                txn.quantity = Some(coils.len() as u64);
                txn.request_values = Some(bits(coils.iter()));
            }
            Request::WriteMultipleRegisters {
                start,
                registers: r,
            } => {
                txn.address = Some(start);
                txn.quantity = Some(r.len() as u64);
                txn.request_values = Some(registers(r));
            }
            Request::ReadFileRecord(refs) => txn.quantity = Some(refs.count() as u64),
            Request::WriteFileRecord(refs) => txn.quantity = Some(refs.count() as u64),
            Request::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            } => {
                let link = link(ctx);
                ctx.log_directed(
                    &MASK_WRITE_REGISTER_LOG,
                    true,
                    side_row(
                        &link,
                        adu,
                        &txn.func,
                        true,
                        [address.into(), and_mask.into(), or_mask.into()],
                    ),
                );
                txn.address = Some(address);
                txn.link_id = Some(link);
            }
            Request::ReadWriteMultipleRegisters {
                read_start,
                read_quantity,
                write_start,
                write_registers,
            } => {
                let link = link(ctx);
                ctx.log_directed(
                    &READ_WRITE_MULTIPLE_REGISTERS_LOG,
                    true,
                    side_row(
                        &link,
                        adu,
                        &txn.func,
                        true,
                        [
                            write_start.into(),
                            Value::Counts(registers(write_registers)),
                            read_start.into(),
                            read_quantity.into(),
                            Value::Unset,
                        ],
                    ),
                );
                txn.link_id = Some(link);
            }
            Request::ReadFifoQueue { address } => txn.address = Some(address),
            Request::Diagnostics { subfunction, data } => {
                txn.request_subfunction = Some(diagnostics_name(subfunction));
                txn.request_data = Some(text(data));
            }
            Request::Encapsulated { mei_type, .. } => {
                let link = link(ctx);
                if mei_type == MEI_READ_DEVICE_ID {
                    if let Ok(asked) = modbus::device_identification_request(adu.data) {
                        ctx.log_directed(
                            &READ_DEVICE_IDENTIFICATION_LOG,
                            true,
                            side_row(
                                &link,
                                adu,
                                &txn.func,
                                true,
                                [
                                    DEVICE_IDENTIFICATION.into(),
                                    Value::Unset,
                                    Value::Unset,
                                    asked.read_code.into(),
                                    format!("0x{:02x}", asked.object_id).into(),
                                    object_name(asked.object_id).into(),
                                    Value::Unset,
                                ],
                            ),
                        );
                    }
                }
                txn.mei_type = Some(mei_name(mei_type, true));
                txn.link_id = Some(link);
            }
            Request::Other => return,
        }
        match early {
            Some(mut response) => {
                response.take_request(txn);
                write(ctx, response, Some(true));
            }
            None => wait(&mut self.requests, txn, ctx),
        }
    }

    /// A response whose body parsed (`None` for a function not decoded).
    pub fn response(&mut self, adu: &Adu<'_>, body: Option<Response<'_>>, ctx: &mut Ctx<'_>) {
        let mut txn = Transaction::new(adu, ctx.ev.ts);
        if let Some(Response::Exception(code)) = body {
            let name = zeek_exception(code);
            match take(&mut self.requests, adu.transaction_id) {
                Some(mut request) => {
                    request.exception = Some(name);
                    write(ctx, request, Some(true));
                }
                None => {
                    txn.exception = Some(name);
                    ctx.log(&DETAILED_LOG, txn.into_row(None));
                }
            }
            return;
        }
        if adu.is_exception() {
            return;
        }
        if !decoded(adu.function) {
            ctx.log(&DETAILED_LOG, txn.into_row(None));
            return;
        }
        let Some(body) = body else {
            return;
        };
        let request = take(&mut self.requests, adu.transaction_id);
        let link = |ctx: &Ctx<'_>| {
            request
                .as_ref()
                .and_then(|r| r.link_id.clone())
                .unwrap_or_else(|| new_link_id(ctx, adu.transaction_id))
        };
        match body {
            Response::Bits(all) => match request.as_ref().and_then(|r| r.quantity) {
                // What was asked for are the values; the bits after, padding.
                Some(asked) => {
                    let asked = usize::try_from(asked).unwrap_or(usize::MAX).min(all.len());
                    txn.response_values = Some(bits(all.iter().take(asked)));
                    if all.len() > asked {
                        let padding: Vec<String> = all
                            .iter()
                            .skip(asked)
                            .map(|b| u8::from(b).to_string())
                            .collect();
                        txn.response_data = Some(padding.join(","));
                    }
                }
                None => {
                    txn.quantity = Some(all.len() as u64);
                    txn.response_values = Some(bits(all.iter()));
                }
            },
            Response::Registers(r) if adu.function == 23 => {
                let link = link(ctx);
                ctx.log_directed(
                    &READ_WRITE_MULTIPLE_REGISTERS_LOG,
                    false,
                    side_row(
                        &link,
                        adu,
                        &txn.func,
                        false,
                        [
                            Value::Unset,
                            Value::Unset,
                            Value::Unset,
                            Value::Unset,
                            Value::Counts(registers(r)),
                        ],
                    ),
                );
                txn.link_id = Some(link);
            }
            Response::Registers(r) => {
                txn.quantity = Some(r.len() as u64);
                txn.response_values = Some(registers(r));
            }
            Response::WriteSingleCoil { address, on } => {
                txn.address = Some(address);
                txn.quantity = Some(1);
                txn.response_values = Some(vec![u64::from(on)]);
            }
            Response::WriteSingleRegister { address, value } => {
                txn.address = Some(address);
                txn.quantity = Some(1);
                txn.response_values = Some(vec![value.into()]);
            }
            Response::WriteMultiple { start, quantity } => {
                txn.address = Some(start);
                txn.quantity = Some(quantity.into());
            }
            Response::ReadFileRecord(records) => {
                let described: Vec<String> = records
                    .iter()
                    .map(|r| {
                        format!(
                            "[file_len={}, ref_type={}, record_data={}]",
                            r.length,
                            r.ref_type,
                            text(r.data)
                        )
                    })
                    .collect();
                txn.response_data = (!described.is_empty()).then(|| described.join(" | "));
            }
            Response::WriteFileRecord(records) => {
                let described: Vec<String> = records
                    .iter()
                    .map(|r| {
                        format!(
                            "[ref_type={}, file_num={}, record_num={}, record_len={}, record_data={}]",
                            r.ref_type,
                            r.file_number,
                            r.record_number,
                            r.record_length,
                            text(r.data)
                        )
                    })
                    .collect();
                txn.response_data = (!described.is_empty()).then(|| described.join(" | "));
            }
            Response::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            } => {
                let link = link(ctx);
                ctx.log_directed(
                    &MASK_WRITE_REGISTER_LOG,
                    false,
                    side_row(
                        &link,
                        adu,
                        &txn.func,
                        false,
                        [address.into(), and_mask.into(), or_mask.into()],
                    ),
                );
                txn.address = Some(address);
                txn.link_id = Some(link);
            }
            Response::ReadFifoQueue(r) => {
                txn.quantity = Some(r.len() as u64);
                txn.response_values = (!r.is_empty()).then(|| registers(r));
            }
            Response::Diagnostics { subfunction, data } => {
                txn.response_subfunction = Some(diagnostics_name(subfunction));
                txn.response_data = Some(text(data));
            }
            Response::Encapsulated { mei_type, .. } => {
                let link = link(ctx);
                if mei_type == MEI_READ_DEVICE_ID {
                    device_identification_rows(adu, &txn.func, &link, ctx);
                }
                txn.mei_type = Some(mei_name(mei_type, false));
                txn.link_id = Some(link);
            }
            Response::Exception(_) | Response::Other => return,
        }
        match request {
            Some(request) => {
                let matched = complete(request, txn, adu.function);
                write(ctx, matched, Some(true));
            }
            None => wait(&mut self.responses, txn, ctx),
        }
    }

    /// The flow ended: whatever still waits is written as unmatched.
    pub fn end(&mut self, ctx: &mut Ctx<'_>) {
        for txn in self.requests.drain(..).chain(self.responses.drain(..)) {
            write(ctx, txn, Some(false));
        }
    }
}

/// A request completed by its response: the row keeps what the request said and takes from
/// the response what only it can say (values read, sub-function echoed, data returned);
/// where both state an address or quantity, ICSNPP keeps the request's for reads and the
/// response's for writes, and so does this.
fn complete(mut request: Transaction, response: Transaction, function: u8) -> Transaction {
    if response.response_values.is_some() {
        request.response_values = response.response_values;
    }
    if response.response_data.is_some() {
        request.response_data = response.response_data;
    }
    if response.response_subfunction.is_some() {
        request.response_subfunction = response.response_subfunction;
    }
    match function {
        5 | 16 => {
            request.address = response.address.or(request.address);
            request.quantity = response.quantity.or(request.quantity);
        }
        24 => request.quantity = response.quantity,
        _ => {}
    }
    request.merge_mei(response.mei_type);
    request
}

/// A side log's row: the columns they all start with (link id, transaction, unit, function,
/// request or response), then `rest`.
fn side_row(
    link: &str,
    adu: &Adu<'_>,
    func: &str,
    request: bool,
    rest: impl IntoIterator<Item = Value>,
) -> Vec<Value> {
    let mut row = vec![
        link.into(),
        adu.transaction_id.into(),
        adu.unit_id.into(),
        func.into(),
        if request { "REQUEST" } else { "RESPONSE" }.into(),
    ];
    row.extend(rest);
    row
}

/// One row per object of a Read Device Identification response.
fn device_identification_rows(adu: &Adu<'_>, func: &str, link: &str, ctx: &mut Ctx<'_>) {
    let Ok(answer) = modbus::device_identification_response(adu.data) else {
        return;
    };
    for (id, value) in answer.objects() {
        ctx.log_directed(
            &READ_DEVICE_IDENTIFICATION_LOG,
            false,
            side_row(
                link,
                adu,
                func,
                false,
                [
                    DEVICE_IDENTIFICATION.into(),
                    format!("0x{:02x}", answer.conformity_level).into(),
                    conformity_level_name(answer.conformity_level).into(),
                    answer.read_code.into(),
                    format!("0x{id:02x}").into(),
                    object_name(id).into(),
                    text(value).into(),
                ],
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;
    use otwatch_model::logs::LogRow;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn names_as_zeek_gives_them() {
        use super::super::{zeek_exception, zeek_function};
        assert_eq!(zeek_function(0x03), "READ_HOLDING_REGISTERS");
        assert_eq!(zeek_function(0x83), "READ_HOLDING_REGISTERS_EXCEPTION");
        assert_eq!(zeek_function(0x5a), "PROGRAM_UNITY");
        assert_eq!(zeek_function(0xda), "PROGRAM_UNITY_EXCEPTION");
        assert_eq!(zeek_function(71), "unknown-71");
        assert_eq!(zeek_function(0xb3), "unknown-179");
        assert_eq!(zeek_exception(2), "ILLEGAL_DATA_ADDRESS");
        assert_eq!(zeek_exception(12), "unknown-12");
    }

    #[test]
    fn nothing_is_kept_for_logs_nobody_asked_for() {
        let mut t = TestFlow::new(("10.0.0.1", 40000), ("10.0.0.1", 502));
        t.logging = false;
        let mut ctx = t.ctx(true, 0, 0);
        let mut flow = super::super::ModbusFlow::default();
        flow.chunk(true, &hex(MASK_REQUEST), &mut ctx);
        assert!(flow.icsnpp.is_none());
    }

    /// Feeds ADUs (hex, is it a request, capture time) to one flow's logs, then ends the flow.
    fn run(messages: &[(&str, bool, Micros)]) -> Vec<LogRow> {
        let mut t = TestFlow::new(("10.0.0.1", 40000), ("10.0.0.2", 502));
        let mut logs = IcsnppLogs::default();
        let mut ctx = t.ctx(true, 0, 0);
        for (i, (message, request, ts)) in messages.iter().enumerate() {
            let bytes = hex(message);
            let modbus::Framed::Adu(adu, _) = modbus::frame(&bytes) else {
                panic!("{message}")
            };
            ctx.ev.ts = *ts;
            ctx.ev.frame = i as u64 + 1;
            ctx.from_orig = *request;
            if *request {
                let body = modbus::parse_request(adu.function, adu.data).ok();
                logs.request(&adu, body, &mut ctx);
            } else {
                let body = modbus::parse_response(adu.function, adu.data).ok();
                logs.response(&adu, body, &mut ctx);
            }
        }
        logs.end(&mut ctx);
        t.rows
    }

    fn column(row: &LogRow, name: &str) -> Value {
        let i = row
            .spec
            .columns
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap();
        row.values[i].clone()
    }

    // Mask Write Register, tid 18, from modbus_example.pcap (frames 72 and 74).
    const MASK_REQUEST: &str = "0012000000080416000adead0000";
    const MASK_RESPONSE: &str = "0012000000080416000adead0000";

    #[test]
    fn a_response_seen_first_waits_for_its_request() {
        let rows = run(&[(MASK_RESPONSE, false, 10), (MASK_REQUEST, true, 20)]);
        let detailed: Vec<_> = rows.iter().filter(|r| r.spec == &DETAILED_LOG).collect();
        assert_eq!(detailed.len(), 1);
        assert_eq!(detailed[0].ts, 10, "stamped with the first half");
        assert_eq!(column(detailed[0], "matched"), Value::Bool(true));
        assert_eq!(column(detailed[0], "address"), Value::Count(10));
        let masks: Vec<_> = rows
            .iter()
            .filter(|r| r.spec == &MASK_WRITE_REGISTER_LOG)
            .collect();
        assert_eq!(masks.len(), 2);
        let link = column(detailed[0], "modbus_detailed_link_id");
        assert!(matches!(&link, Value::Str(s) if s.len() == 16));
        assert!(masks
            .iter()
            .all(|m| column(m, "modbus_detailed_link_id") == link));
    }

    #[test]
    fn the_request_time_stamps_a_paired_transaction() {
        let rows = run(&[(MASK_REQUEST, true, 10), (MASK_RESPONSE, false, 20)]);
        let detailed: Vec<_> = rows.iter().filter(|r| r.spec == &DETAILED_LOG).collect();
        assert_eq!((detailed.len(), detailed[0].ts), (1, 10));
    }

    #[test]
    fn waiting_is_bounded_and_nothing_is_lost() {
        // Read Holding Registers requests (modbus_example.pcap frame 20) never answered,
        // with transaction ids 0..=MAX_OPEN.
        let requests: Vec<String> = (0..=MAX_OPEN)
            .map(|tid| format!("{tid:04x}0000000604030001000a"))
            .collect();
        let messages: Vec<(&str, bool, Micros)> = requests
            .iter()
            .enumerate()
            .map(|(i, r)| (r.as_str(), true, i as Micros))
            .collect();
        let rows = run(&messages);
        assert_eq!(rows.len(), MAX_OPEN + 1);
        // The oldest was pushed out first, when the last came.
        assert_eq!(column(&rows[0], "tid"), Value::Count(0));
        assert!(rows
            .iter()
            .all(|r| column(r, "matched") == Value::Bool(false)));
    }

    #[test]
    fn a_reused_transaction_id_ends_the_unanswered_one() {
        let request = "000500000006040300010001";
        let response = "00050000000504030200aa";
        let rows = run(&[(request, true, 1), (request, true, 2), (response, false, 3)]);
        let matched: Vec<_> = rows.iter().map(|r| (r.ts, column(r, "matched"))).collect();
        assert_eq!(matched, [(1, Value::Bool(false)), (2, Value::Bool(true))]);
    }
}
