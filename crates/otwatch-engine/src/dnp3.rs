//! DNP3 on one flow (TCP stream or UDP datagrams): link frames cut from each direction,
//! CRCs checked, transport segments joined into application fragments, requests paired
//! with responses by outstation and application sequence (a bounded number open at once),
//! and what the fragments say turned into inventory facts (link addresses, group 0 device
//! attributes), notable events (controls, restarts, writes, file operations, time set,
//! unsolicited reporting switched on or off) and anomalies (CRC errors, bad framing,
//! unknown functions, unsolicited responses, segments out of sequence, reassembly
//! overflow).
//!
//! Three transaction logs: Zeek's `dnp3.log` (a request and the response that follows it
//! as one row) and ICSNPP's `dnp3_control.log` (control blocks) and `dnp3_objects.log`
//! (object headers of reads and their responses).

use crate::app::{ConnRef, Ctx};
use otwatch_dissect::dnp3::{
    self, AnalogOutput, Attribute, Crob, FileObject, Fragment, LinkFrame, LinkFramed, Reassembled,
    Reassembler,
};
use otwatch_inventory::Subject;
use otwatch_model::logs::{ConnId, LogRow, LogSpec, Value};
use otwatch_model::Micros;

/// Zeek's `dnp3.log`.
pub static DNP3_LOG: LogSpec = LogSpec {
    name: "dnp3",
    directional: false,
    columns: &[
        ("fc_request", "string"),
        ("fc_reply", "string"),
        ("iin", "count"),
    ],
};

/// ICSNPP's `dnp3_control.log`: one row per control relay output or pattern control block.
pub static DNP3_CONTROL_LOG: LogSpec = LogSpec {
    name: "dnp3_control",
    directional: true,
    columns: &[
        ("block_type", "string"),
        ("function_code", "string"),
        ("index_number", "count"),
        ("trip_control_code", "string"),
        ("operation_type", "string"),
        ("clear_bit", "bool"),
        ("execute_count", "count"),
        ("on_time", "count"),
        ("off_time", "count"),
        ("status_code", "string"),
    ],
};

/// ICSNPP's `dnp3_objects.log`: object headers of READ requests and of their responses.
pub static DNP3_OBJECTS_LOG: LogSpec = LogSpec {
    name: "dnp3_objects",
    directional: true,
    columns: &[
        ("function_code", "string"),
        ("object_type", "string"),
        ("object_count", "count"),
        ("range_low", "count"),
        ("range_high", "count"),
    ],
};

/// Requests awaiting a response per flow; beyond it the oldest is forgotten and counted.
/// A master has one request open per outstation, so this only fills when one connection
/// carries many outstations (a gateway) or responses go missing.
const MAX_OPEN: usize = 32;
/// Bytes held per direction for a link frame split across TCP segments.
const MAX_CARRY: usize = dnp3::MAX_LINK_FRAME;

#[derive(Debug, Default)]
pub struct Dnp3Flow {
    carry: [Vec<u8>; 2],
    /// The direction's bytes stopped framing; reported once until a frame is found again.
    lost_sync: [bool; 2],
    reassembly: [Reassembler; 2],
    /// Link address last recorded for each side, so that facts are stated once per flow.
    address_seen: [Option<u16>; 2],
    open: Vec<OpenRequest>,
    limit_hits: u64,
    unsolicited_reported: bool,
    /// dnp3.log keeps the last request until a response arrives (Zeek's pairing): its time
    /// and function code.
    log_request: Option<(Micros, u8)>,
    /// Digests of the notable requests already reported on this flow: a master repeating
    /// the same command (a poll that operates, a retried select) is one event, not one per
    /// repetition.
    reported: crate::reported::Reported<u64>,
}

/// Distinct notable requests reported per flow; beyond it, repetitions are no longer
/// recognised and each is reported.
const MAX_REPORTED: usize = 16;

#[derive(Debug, Clone, Copy)]
struct OpenRequest {
    /// Link address of the outstation asked.
    outstation: u16,
    sequence: u8,
    function: u8,
}

/// Items an event names one by one; beyond it, it says how many more there were.
const MAX_LISTED: usize = 16;

/// Requests that expect no response: confirms and the "no response" variants.
fn expects_response(fc: u8) -> bool {
    !matches!(fc, 0x00 | 0x06 | 0x08 | 0x0a | 0x0c | 0x21)
}

/// Zeek's name for a function code (`unknown-<hex>` for codes the standard lacks).
fn zeek_function(fc: u8) -> String {
    dnp3::function_name(fc).map_or_else(|| format!("unknown-{fc:x}"), str::to_string)
}

/// The inventory label of a request function.
pub fn function_label(fc: u8) -> String {
    dnp3::function_name(fc).map_or_else(|| format!("FC_{fc}"), str::to_string)
}

impl Dnp3Flow {
    pub fn pending_limit_hits(&self) -> u64 {
        self.limit_hits
    }

    /// Bytes are missing from the stream: partial frames and fragments cannot be completed.
    pub fn gap(&mut self) {
        for side in 0..2 {
            self.carry[side].clear();
            self.lost_sync[side] = false;
            self.reassembly[side].reset();
        }
        self.open.clear();
    }

    /// A chunk of a TCP stream; `side` 0 for the originator's direction.
    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        let mut data = data;
        if !self.carry[side].is_empty() {
            // Complete the held frame with at most one frame's worth of the new bytes, so
            // that the held buffer never grows with the size of a chunk.
            let mut carry = std::mem::take(&mut self.carry[side]);
            let held = carry.len();
            let take = data.len().min(dnp3::MAX_LINK_FRAME);
            carry.extend_from_slice(&data[..take]);
            let used = self.frames(side, &carry, ctx);
            if used >= held {
                data = &data[used - held..];
                carry.clear();
            } else {
                // Still no whole frame: every new byte is held (a frame is shorter than
                // what was taken, so `take` was all of `data`).
                carry.drain(..used);
                data = &data[take..];
                if !data.is_empty() || carry.len() > MAX_CARRY {
                    carry.clear();
                }
            }
            self.carry[side] = carry;
            if data.is_empty() {
                return;
            }
        }
        let used = self.frames(side, data, ctx);
        let rest = &data[used..];
        if rest.len() <= MAX_CARRY {
            self.carry[side].extend_from_slice(rest);
        }
    }

    /// One UDP datagram: whole link frames, one after the other.
    pub fn datagram(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        let used = self.frames(side, data, ctx);
        if used < data.len() && !self.lost_sync[side] {
            ctx.event(
                "dnp3",
                "dnp3_bad_length".into(),
                format!(
                    "{} bytes at the end of the datagram do not make a whole link frame",
                    data.len() - used
                ),
            );
        }
        self.lost_sync[side] = false;
    }

    /// Handles the whole frames at the start of `buf`; returns the bytes used (or skipped
    /// as unframeable).
    fn frames(&mut self, side: usize, buf: &[u8], ctx: &mut Ctx<'_>) -> usize {
        let mut at = 0;
        while at < buf.len() {
            match dnp3::frame_link(&buf[at..]) {
                LinkFramed::Frame(frame) => {
                    self.lost_sync[side] = false;
                    at += frame.bytes.len();
                    self.frame(side, &frame, ctx);
                }
                LinkFramed::NeedMore => break,
                LinkFramed::Invalid(m) => {
                    if !self.lost_sync[side] {
                        self.lost_sync[side] = true;
                        self.reassembly[side].reset();
                        let kind = match m.reason {
                            "dnp3_header_crc" => "dnp3_crc_error",
                            _ => "dnp3_bad_length",
                        };
                        ctx.event(
                            "dnp3",
                            kind.into(),
                            format!("link frame not valid ({m}); looking for the next one"),
                        );
                    }
                    // Resynchronise on the next start bytes (a last 0x05 may be the first
                    // of them).
                    at += 1;
                    at += match buf[at..].windows(2).position(|w| w == [0x05, 0x64]) {
                        Some(skip) => skip,
                        None if buf.last() == Some(&0x05) && at < buf.len() => buf.len() - at - 1,
                        None => buf.len() - at,
                    };
                }
            }
        }
        at
    }

    fn frame(&mut self, side: usize, frame: &LinkFrame<'_>, ctx: &mut Ctx<'_>) {
        let h = frame.header;
        if self.address_seen[side] != Some(h.source) {
            self.address_seen[side] = Some(h.source);
            let (name, role) = if h.from_master() {
                ("dnp3_master_address", "master")
            } else {
                ("dnp3_outstation_address", "outstation")
            };
            let message = format!(
                "DNP3 link frame from the {role} (source address {}, destination {})",
                h.source, h.destination
            );
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                name,
                &h.source.to_string(),
                "dnp3",
                &message,
                1.0,
                ctx.ev,
            );
        }
        if h.user_data_len() == 0 {
            return;
        }
        let mut user = [0u8; dnp3::MAX_USER_DATA];
        let segment = match frame.user_data(&mut user) {
            Ok(s) => s,
            Err(m) => {
                self.reassembly[side].reset();
                ctx.event(
                    "dnp3",
                    "dnp3_crc_error".into(),
                    format!(
                        "link frame from address {} to {}: {m}; its data is discarded",
                        h.source, h.destination
                    ),
                );
                return;
            }
        };
        let Self {
            reassembly,
            open,
            limit_hits,
            unsolicited_reported,
            log_request,
            reported,
            ..
        } = self;
        match reassembly[side].push(segment) {
            Reassembled::Fragment(bytes) => {
                let mut app = AppSide {
                    open,
                    limit_hits,
                    unsolicited_reported,
                    log_request,
                    reported,
                    source: h.source,
                    destination: h.destination,
                };
                app.fragment(bytes, ctx);
            }
            Reassembled::Partial => {}
            Reassembled::Dropped(reason) => {
                // A missing first segment is what a capture started mid-fragment looks
                // like; the other two mean lost, reordered or forged segments.
                let detail = match reason {
                    "dnp3_transport_reassembly_overflow" => format!(
                        "application fragment from address {} longer than {} bytes; dropped",
                        h.source,
                        dnp3::MAX_FRAGMENT
                    ),
                    "dnp3_transport_out_of_sequence" => format!(
                        "transport segment from address {} out of sequence; the fragment in \
                         progress is dropped",
                        h.source
                    ),
                    _ => return,
                };
                ctx.event("dnp3", reason.into(), detail);
            }
        }
    }

    /// The flow ended: a request still waiting for its response becomes a dnp3.log row of
    /// its own, as Zeek writes it.
    pub fn end(&mut self, conn: ConnRef<'_>, rows: &mut Vec<LogRow>) {
        let Some((ts, fc)) = self.log_request.take() else {
            return;
        };
        rows.push(LogRow {
            spec: &DNP3_LOG,
            ts,
            conn: ConnId {
                uid: crate::worker::uid_of(conn.first_ts, conn.key, conn.orig),
                orig_h: conn.orig.0,
                orig_p: conn.orig.1,
                resp_h: conn.resp.0,
                resp_p: conn.resp.1,
            },
            from_orig: true,
            values: vec![zeek_function(fc).into(), Value::Unset, Value::Unset],
        });
    }
}

/// What the application layer of one flow keeps, borrowed for one fragment.
struct AppSide<'s> {
    open: &'s mut Vec<OpenRequest>,
    limit_hits: &'s mut u64,
    unsolicited_reported: &'s mut bool,
    log_request: &'s mut Option<(Micros, u8)>,
    reported: &'s mut crate::reported::Reported<u64>,
    source: u16,
    destination: u16,
}

impl AppSide<'_> {
    fn fragment(&mut self, bytes: &[u8], ctx: &mut Ctx<'_>) {
        let fragment = match dnp3::parse_fragment(bytes) {
            Ok(f) => f,
            Err(m) => {
                ctx.event(
                    "dnp3",
                    "dnp3_malformed".into(),
                    format!("application fragment from address {}: {m}", self.source),
                );
                return;
            }
        };
        let fc = fragment.header.function;
        if dnp3::function_name(fc).is_none() {
            ctx.event(
                "dnp3",
                "dnp3_unknown_function".into(),
                format!(
                    "function code {fc} (0x{fc:02x}) from address {} to {}",
                    self.source, self.destination
                ),
            );
        }
        if ctx.logging() {
            self.log_fragment(&fragment, ctx);
        }
        if dnp3::is_response_function(fc) {
            self.response(&fragment, ctx);
        } else {
            self.request(&fragment, ctx);
        }
    }

    /// Whether this request (function and objects, sequence number aside) is new on the flow.
    fn first_report(&mut self, f: &Fragment<'_>) -> bool {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write_u8(f.header.function);
        h.write_u16(self.destination);
        h.write(f.objects);
        let digest = h.finish();
        self.reported.first(digest, MAX_REPORTED)
    }

    fn request(&mut self, f: &Fragment<'_>, ctx: &mut Ctx<'_>) {
        let fc = f.header.function;
        ctx.obs.function(
            ctx.src,
            ctx.dst,
            "dnp3",
            u16::from(fc),
            || function_label(fc),
            ctx.ev.ts,
        );
        record_points(f, ctx);
        if expects_response(fc) {
            let (outstation, sequence) = (self.destination, f.header.sequence());
            // A repeated request (same outstation and sequence) replaces the one it repeats.
            self.open
                .retain(|r| (r.outstation, r.sequence) != (outstation, sequence));
            if self.open.len() >= MAX_OPEN {
                self.open.remove(0);
                *self.limit_hits += 1;
            }
            self.open.push(OpenRequest {
                outstation,
                sequence,
                function: fc,
            });
        }
        if is_notable_request(fc) && self.first_report(f) && room_for_request_event(fc, ctx) {
            if let Some((kind, detail)) = notable_request(f, self.destination) {
                ctx.event("dnp3", kind.into(), detail);
            }
        }
    }

    fn response(&mut self, f: &Fragment<'_>, ctx: &mut Ctx<'_>) {
        let h = f.header;
        let asked = if h.function == 0x81 {
            self.open
                .iter()
                .position(|r| (r.outstation, r.sequence) == (self.source, h.sequence()))
                .map(|i| self.open.remove(i).function)
        } else {
            None
        };
        if h.function == 0x82 && !*self.unsolicited_reported {
            *self.unsolicited_reported = true;
            ctx.event(
                "dnp3",
                "dnp3_unsolicited_response".into(),
                format!(
                    "outstation {} sends unsolicited responses to master {} (first seen; IIN {})",
                    self.source,
                    self.destination,
                    iin_text(h.iin.unwrap_or(0))
                ),
            );
        }
        let mut attributes = Vec::new();
        let mut failed_controls = Vec::new();
        let mut refused = 0usize;
        for objects in dnp3::objects(f).map_while(Result::ok) {
            let oh = objects.header;
            match oh.group {
                0 => {
                    for o in objects.items() {
                        if let Some(a) = Attribute::parse(oh.variation, o.data)
                            .filter(|_| attributes.len() < 4 * MAX_LISTED)
                        {
                            attributes.push(a);
                        }
                    }
                }
                12 if oh.variation <= 2 => {
                    for o in objects.items() {
                        if let Some(c) = Crob::parse(o.data).filter(|c| c.status != 0) {
                            refused += 1;
                            if failed_controls.len() >= MAX_LISTED {
                                continue;
                            }
                            failed_controls.push(format!(
                                "index {}: {}",
                                o.index.map_or("-".into(), |i| i.to_string()),
                                dnp3::control_status_name(c.status)
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        if !failed_controls.is_empty() {
            ctx.event(
                "dnp3",
                "dnp3_control_refused".into(),
                format!(
                    "outstation {} refused {} control(s){}: {}{}",
                    self.source,
                    refused,
                    asked
                        .map(|fc| format!(" of {}", function_label(fc)))
                        .unwrap_or_default(),
                    failed_controls.join(", "),
                    if refused > failed_controls.len() {
                        ", ..."
                    } else {
                        ""
                    }
                ),
            );
        }
        if !attributes.is_empty() {
            self.device_attributes(&attributes, ctx);
        }
    }

    /// Group 0 attributes: what the outstation says about itself.
    fn device_attributes(&self, attributes: &[Attribute], ctx: &mut Ctx<'_>) {
        let mut stated = Vec::new();
        for a in attributes {
            let value = a.value.to_string();
            let Some(name) = dnp3::attribute_name(a.variation) else {
                continue;
            };
            stated.push(format!("{name}={value:?}"));
            let fact = match a.variation {
                252 => "vendor",
                250 => "model",
                242 => "firmware",
                243 => "hardware_version",
                248 => "serial",
                247 => "device_name",
                245 => "location",
                _ => continue,
            };
            if value.is_empty() {
                continue;
            }
            let message = format!(
                "DNP3 device attribute g0v{} ({name}) from outstation {}",
                a.variation, self.source
            );
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                fact,
                &value,
                "dnp3",
                &message,
                1.0,
                ctx.ev,
            );
            if fact == "device_name" {
                ctx.obs
                    .name(None, Some(ctx.src), &value, "dnp3", &message, 0.9, ctx.ev);
            }
        }
        if !stated.is_empty() {
            ctx.event(
                "dnp3",
                "dnp3_device_attributes".into(),
                format!("outstation {}: {}", self.source, stated.join(" ")),
            );
        }
    }

    /// Rows of the three logs for one fragment.
    fn log_fragment(&mut self, f: &Fragment<'_>, ctx: &mut Ctx<'_>) {
        let fc = f.header.function;
        let response = dnp3::is_response_function(fc);
        if response {
            let request = self.log_request.take();
            ctx.log(
                &DNP3_LOG,
                vec![
                    Value::opt_str(request.map(|(_, fc)| zeek_function(fc))),
                    zeek_function(fc).into(),
                    Value::opt_count(f.header.iin),
                ],
            );
        } else {
            *self.log_request = Some((ctx.ev.ts, fc));
        }
        let function = zeek_function(fc);
        for objects in dnp3::objects(f).map_while(Result::ok) {
            let oh = objects.header;
            if let Some(name) = icsnpp_object_name(oh.group, oh.variation) {
                let (count, low, high) = zeek_range_values(&oh);
                let values = match (response, fc) {
                    (false, 0x01) => Some(vec![
                        function.clone().into(),
                        name.into(),
                        Value::Unset,
                        Value::Unset,
                        Value::Unset,
                    ]),
                    (true, 0x81) => Some(vec![
                        function.clone().into(),
                        name.into(),
                        count.into(),
                        low.into(),
                        high.into(),
                    ]),
                    _ => None,
                };
                if let Some(values) = values {
                    ctx.log(&DNP3_OBJECTS_LOG, values);
                }
            }
            if oh.group == 12 && matches!(oh.variation, 1 | 2) {
                let block_type = if oh.variation == 1 {
                    "Control Relay Output Block"
                } else {
                    "Pattern Control Block"
                };
                for o in objects.items() {
                    let Some(c) = Crob::parse(o.data) else {
                        continue;
                    };
                    ctx.log(
                        &DNP3_CONTROL_LOG,
                        vec![
                            block_type.into(),
                            function.clone().into(),
                            Value::Count(o.index.map_or(0, u64::from)),
                            c.trip_close_name().into(),
                            c.operation_name().into(),
                            c.clear().into(),
                            c.count.into(),
                            c.on_time.into(),
                            c.off_time.into(),
                            if response {
                                icsnpp_status_name(c.status).into()
                            } else {
                                Value::Unset
                            },
                        ],
                    );
                }
            }
        }
    }
}

/// The count, low and high values Zeek reports for an object header (`number_of_item`,
/// `rf_value_low`, `rf_value_high` of its DNP3 analyzer): counts of one byte are both count
/// and low; two- and four-byte counts are reported as count with their bytes swapped as
/// low; virtual address ranges have no count; "all points" reads 0xffff as low and high.
/// The points a request names, per object group (`g12 0-3`), for the per-edge function
/// aggregates: which outputs an operator commands, which counters a master reads.
fn record_points(f: &Fragment<'_>, ctx: &mut Ctx<'_>) {
    let fc = u16::from(f.header.function);
    for objects in dnp3::objects(f) {
        let Ok(objects) = objects else { break };
        let h = objects.header;
        let mut name = [0; 4];
        let space = group_name(h.group, &mut name);
        match h.range {
            dnp3::Range::Indexes { start, stop } => ctx.obs.function_addresses(
                ctx.src,
                ctx.dst,
                "dnp3",
                fc,
                space,
                u64::from(start),
                u64::from(stop),
            ),
            dnp3::Range::Count(_) if matches!(h.prefix_code(), 1..=3) => {
                for object in objects.items() {
                    if let Some(index) = object.index {
                        ctx.obs.function_addresses(
                            ctx.src,
                            ctx.dst,
                            "dnp3",
                            fc,
                            space,
                            u64::from(index),
                            u64::from(index),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// `g12` for group 12, formatted on the stack: this runs for every request.
fn group_name(group: u8, buf: &mut [u8; 4]) -> &str {
    buf[0] = b'g';
    let digits = [group / 100, group / 10 % 10, group % 10];
    let skip = match group {
        100.. => 0,
        10.. => 1,
        _ => 2,
    };
    let len = 4 - skip;
    for (o, d) in buf[1..len].iter_mut().zip(&digits[skip..]) {
        *o = b'0' + d;
    }
    std::str::from_utf8(&buf[..len]).unwrap_or("g")
}

fn zeek_range_values(h: &dnp3::ObjectHeader) -> (u64, u64, u64) {
    use dnp3::Range;
    match (h.range_code(), h.range) {
        (_, Range::Indexes { start, stop }) => (h.count(), start.into(), stop.into()),
        (3, Range::Addresses { start, stop }) => (0, start.into(), stop.into()),
        (4, Range::Addresses { start, stop }) => (
            0,
            (start as u16).swap_bytes().into(),
            (stop as u16).swap_bytes().into(),
        ),
        (_, Range::Addresses { start, stop }) => {
            (0, start.swap_bytes().into(), stop.swap_bytes().into())
        }
        (_, Range::All) => (0, 0xffff, 0xffff),
        (8, Range::Count(n)) => (n.into(), (n as u16).swap_bytes().into(), 0),
        (9, Range::Count(n)) => (n.into(), n.swap_bytes().into(), 0),
        (_, Range::Count(n)) => (n.into(), n.into(), 0),
    }
}

/// ICSNPP's wording of control status codes (its table, which differs from the standard's
/// from code 5 on).
fn icsnpp_status_name(status: u8) -> String {
    match status {
        0x00 => "Success",
        0x01 => "Timeout",
        0x02 => "No Select",
        0x03 => "Format Error",
        0x04 => "Not Supported",
        0x05 => "Latch Off",
        0x06 => "Already Active",
        0x07 => "Hardware Error",
        0x08 => "Too Many Objs",
        0x09 => "Not Authorized",
        0x0a => "Automation Inhibit",
        0x0b => "Processing Limited",
        0x0c => "Out of Range",
        0x7e => "Non Participating",
        0x7f => "Undefined",
        other => return format!("unknown-{other:x}"),
    }
    .into()
}

/// The object names ICSNPP logs (others are not written to `dnp3_objects.log`).
fn icsnpp_object_name(group: u8, variation: u8) -> Option<&'static str> {
    Some(match (group, variation) {
        (1, 0) => "Binary Input Default Variation",
        (1, 1) => "Single-bit Binary Input",
        (1, 2) => "Binary Input With Status",
        (2, 0) => "Binary Input Change Default Variation",
        (2, 1) => "Binary Input Change Without Time",
        (2, 2) => "Binary Input Change With Time",
        (2, 3) => "Binary Input Change With Relative Time",
        (3, 0) => "Double-bit Input Default Variation",
        (3, 1) => "Double-bit Input No Flags",
        (3, 2) => "Double-bit Input With Status",
        (4, 0) => "Double-bit Input Change Default Variation",
        (4, 1) => "Double-bit Input Change Without Time",
        (4, 2) => "Double-bit Input Change With Time",
        (4, 3) => "Double-bit Input Change With Relative Time",
        (10, 0) => "Binary Output Default Variation",
        (10, 1) => "Binary Output",
        (10, 2) => "Binary Output Status",
        (11, 0) => "Binary Output Change Default Variation",
        (11, 1) => "Binary Output Change Without Time",
        (11, 2) => "Binary Output Change With Time",
        (20, 0) => "Binary Counter Default Variation",
        (20, 1) => "32-Bit Binary Counter",
        (20, 2) => "16-Bit Binary Counter",
        (20, 3) => "32-Bit Delta Counter",
        (20, 4) => "16-Bit Delta Counter",
        (20, 5) => "32-Bit Binary Counter Without Flag",
        (20, 6) => "16-Bit Binary Counter Without Flag",
        (20, 7) => "32-Bit Delta Counter Without Flag",
        (20, 8) => "16-Bit Delta Counter Without Flag",
        (21, 0) => "Frozen Binary Counter Default Variation",
        (21, 1) => "32-Bit Frozen Counter",
        (21, 2) => "16-Bit Frozen Counter",
        (21, 3) => "32-Bit Frozen Delta Counter",
        (21, 4) => "16-Bit Frozen Delta Counter",
        (21, 5) => "32-Bit Frozen Counter w/ Time of Freeze",
        (21, 6) => "16-Bit Frozen Counter w/ Time of Freeze",
        (21, 7) => "32-Bit Frozen Delta Counter w/ Time of Freeze",
        (21, 8) => "16-Bit Frozen Delta Counter w/ Time of Freeze",
        (21, 9) => "32-Bit Frozen Counter Without Flag",
        (21, 10) => "16-Bit Frozen Counter Without Flag",
        (21, 11) => "32-Bit Frozen Delta Counter Without Flag",
        (21, 12) => "16-Bit Frozen Delta Counter Without Flag",
        (22, 0) => "Counter Change Event Default Variation",
        (22, 1) => "32-Bit Counter Change Event w/o Time",
        (22, 2) => "16-Bit Counter Change Event w/o Time",
        (22, 3) => "32-Bit Delta Counter Change Event w/o Time",
        (22, 4) => "16-Bit Delta Counter Change Event w/o Time",
        (22, 5) => "32-Bit Counter Change Event with Time",
        (22, 6) => "16-Bit Counter Change Event with Time",
        (22, 7) => "32-Bit Delta Counter Change Event with Time",
        (22, 8) => "16-Bit Delta Counter Change Event with Time",
        (23, 0) => "Frozen Binary Counter Change Event Default Variation",
        (23, 1) => "32-Bit Frozen Counter Change Event",
        (23, 2) => "16-Bit Frozen Counter Change Event",
        (23, 3) => "32-Bit Frozen Delta Counter Change Event",
        (23, 4) => "16-Bit Frozen Delta Counter Change Event",
        (23, 5) => "32-Bit Frozen Counter Change Event w/ Time of Freeze",
        (23, 6) => "16-Bit Frozen Counter Change Event w/ Time of Freeze",
        (23, 7) => "32-Bit Frozen Delta Counter Change Event w/ Time of Freeze",
        (23, 8) => "16-Bit Frozen Delta Counter Change Event w/ Time of Freeze",
        (30, 0) => "Analog Input Default Variation",
        (30, 1) => "32-Bit Analog Input",
        (30, 2) => "16-Bit Analog Input",
        (30, 3) => "32-Bit Analog Input Without Flag",
        (30, 4) => "16-Bit Analog Input Without Flag",
        (30, 5) => "32-Bit Floating Point Input",
        (30, 6) => "64-Bit Floating Point Input",
        (31, 1) => "32-Bit Frozen Analog Input",
        (31, 2) => "16-Bit Frozen Analog Input",
        (31, 3) => "32-Bit Frozen Analog Input w/ Time of Freeze",
        (31, 4) => "16-Bit Frozen Analog Input w/ Time of Freeze",
        (31, 5) => "32-Bit Frozen Analog Input Without Flag",
        (31, 6) => "16-Bit Frozen Analog Input Without Flag",
        (31, 7) => "32-Bit Frozen Floating Point Input",
        (31, 8) => "64-Bit Frozen Floating Point Input",
        (32, 0) => "Analog Input Change Default Variation",
        (32, 1) => "32-Bit Analog Change Event w/o Time",
        (32, 2) => "16-Bit Analog Change Event w/o Time",
        (32, 3) => "32-Bit Analog Change Event w/ Time",
        (32, 4) => "16-Bit Analog Change Event w/ Time",
        (32, 5) => "32-Bit Floating Point Change Event w/o Time",
        (32, 6) => "64-Bit Floating Point Change Event w/o Time",
        (32, 7) => "32-Bit Floating Point Change Event w/ Time",
        (32, 8) => "64-Bit Floating Point Change Event w/ Time",
        (33, 1) => "32-Bit Frozen Analog Event w/o Time",
        (33, 2) => "16-Bit Frozen Analog Event w/o Time",
        (33, 3) => "32-Bit Frozen Analog Event w/ Time",
        (33, 4) => "16-Bit Frozen Analog Event w/ Time",
        (33, 5) => "32-Bit Floating Point Frozen Change Event w/o Time",
        (33, 6) => "64-Bit Floating Point Frozen Change Event w/o Time",
        (33, 7) => "32-Bit Floating Point Frozen Change Event w/ Time",
        (33, 8) => "64-Bit Floating Point Frozen Change Event w/ Time",
        (40, 0) => "Analog Output Default Variation",
        (40, 1) => "32-Bit Analog Output Status",
        (40, 2) => "16-Bit Analog Output Status",
        (40, 3) => "32-Bit Floating Point Output Status",
        (40, 4) => "64-Bit Floating Point Output Status",
        (41, 1) => "32-Bit Analog Output Block",
        (41, 2) => "16-Bit Analog Output Block",
        (41, 3) => "32-Bit Floating Point Output Block",
        (41, 4) => "64-Bit Floating Point Output Block",
        (42, 0) => "Analog Output Event Default Variation",
        (42, 1) => "32-Bit Analog Output Event w/o Time",
        (42, 2) => "16-Bit Analog Output Event w/o Time",
        (42, 3) => "32-Bit Analog Output Event w/ Time",
        (42, 4) => "16-Bit Analog Output Event w/ Time",
        (42, 5) => "32-Bit Floating Point Output Event w/o Time",
        (42, 6) => "64-Bit Floating Point Output Event w/o Time",
        (42, 7) => "32-Bit Floating Point Output Event w/ Time",
        (42, 8) => "64-Bit Floating Point Output Event w/ Time",
        (60, 1) => "Class 0 Data",
        (60, 2) => "Class 1 Data",
        (60, 3) => "Class 2 Data",
        (60, 4) => "Class 3 Data",
        _ => return None,
    })
}

fn iin_text(iin: u16) -> String {
    let names = dnp3::iin_names(iin);
    if names.is_empty() {
        "none".into()
    } else {
        names.join(",")
    }
}

/// Whether the event a request is worth can still be kept; when not, it is counted here,
/// before any time is spent describing it. A write's kind depends on its objects, so only
/// the overall limit applies to it.
fn room_for_request_event(fc: u8, ctx: &mut Ctx<'_>) -> bool {
    match request_kind(fc) {
        Some(kind) if fc != 0x02 => ctx.room_for_event(kind),
        _ => ctx.room_for_any_event(),
    }
}

/// The kind of event a request function is worth, before its objects are read (they turn a
/// write into a file operation or a time set).
fn request_kind(fc: u8) -> Option<&'static str> {
    Some(match fc {
        0x03..=0x06 => "dnp3_control",
        0x0d | 0x0e => "dnp3_restart",
        0x02 => "dnp3_write",
        0x19..=0x1e => "dnp3_file_operation",
        0x14 | 0x15 => "dnp3_unsolicited_setting",
        0x18 => "dnp3_time_set",
        0x0f..=0x13 | 0x1f => "dnp3_application_control",
        _ => return None,
    })
}

fn is_notable_request(fc: u8) -> bool {
    matches!(fc, 0x02..=0x06 | 0x0d..=0x15 | 0x18..=0x1f)
}

/// The event a request is worth, if any: its kind and what it did.
fn notable_request(f: &Fragment<'_>, outstation: u16) -> Option<(&'static str, String)> {
    let fc = f.header.function;
    let name = function_label(fc);
    let mut kind = request_kind(fc)?;
    let mut what = Vec::new();
    for objects in dnp3::objects(f) {
        let objects = match objects {
            Ok(o) => o,
            Err(m) => {
                what.push(format!("objects not decoded ({m})"));
                break;
            }
        };
        let h = objects.header;
        match (h.group, h.variation) {
            (12, 1 | 2) => {
                for o in objects.items().take(MAX_LISTED + 1) {
                    if let Some(c) = Crob::parse(o.data) {
                        what.push(format!(
                            "binary output {}: {} {} count {} on {} ms off {} ms",
                            o.index.map_or("-".into(), |i| i.to_string()),
                            c.trip_close_name(),
                            c.operation_name(),
                            c.count,
                            c.on_time,
                            c.off_time
                        ));
                    }
                }
            }
            (41, v) => {
                for o in objects.items().take(MAX_LISTED + 1) {
                    if let Some(a) = AnalogOutput::parse(v, o.data) {
                        what.push(format!(
                            "analog output {} := {}",
                            o.index.map_or("-".into(), |i| i.to_string()),
                            a.value
                        ));
                    }
                }
            }
            (70, v) => {
                if fc == 0x02 && v == 5 {
                    kind = "dnp3_file_operation";
                }
                for o in objects.items().take(MAX_LISTED + 1) {
                    if let Some(file) = FileObject::parse(v, o.data) {
                        what.push(describe_file(&file));
                    }
                }
            }
            (50, 1 | 3) if fc == 0x02 => {
                kind = "dnp3_time_set";
                what.push("absolute time".into());
            }
            (80, 1) => what.push("internal indications (clear restart)".into()),
            (60, v) => what.push(format!("class {} data", v.saturating_sub(1))),
            (g, v) => what.push(format!("g{g}v{v} x{}", h.count())),
        }
        if what.len() > MAX_LISTED {
            what.truncate(MAX_LISTED);
            what.push("...".into());
            break;
        }
    }
    let detail = if what.is_empty() {
        format!("{name} to outstation {outstation}")
    } else {
        format!("{name} to outstation {outstation}: {}", what.join("; "))
    };
    Some((kind, detail))
}

fn describe_file(file: &FileObject) -> String {
    match file {
        FileObject::Authentication { user } => format!("file authentication as user {user:?}"),
        FileObject::Command { name, mode, size } => {
            let mode = match mode {
                0 => "delete",
                1 => "read",
                2 => "write",
                3 => "append",
                _ => "unknown mode",
            };
            format!("file {name:?} ({mode}, {size} bytes)")
        }
        FileObject::CommandStatus {
            handle,
            size,
            status,
        } => format!("file handle {handle:#x} size {size} status {status}"),
        FileObject::Transport {
            handle,
            block,
            last,
            len,
        } => format!(
            "file handle {handle:#x} block {block}{} ({len} bytes)",
            if *last { " (last)" } else { "" }
        ),
        FileObject::TransportStatus {
            handle,
            block,
            status,
        } => format!("file handle {handle:#x} block {block} status {status}"),
        FileObject::Descriptor { name, size } => format!("file {name:?} ({size} bytes)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;
    use otwatch_inventory::Observations;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// dnp3_select_operate.pcap (Zeek's DNP3 traces): SELECT, its response, OPERATE.
    const SELECT: &str = "05641ac40200030040f2c6c7030c0128010001000301640000008fda6400000000005b";
    const SELECT_RESPONSE: &str =
        "05641c44030002004b91fcc78100000c0128010001000301640001a400006400000000005b";
    const OPERATE: &str = "05641ac40200030040f2c7c8040c012801000100030164000000a9cf6400000000005b";

    struct Run {
        obs: Observations,
        events: Vec<otwatch_model::ProtocolEvent>,
        rows: Vec<LogRow>,
    }

    /// Feeds (from master?, bytes) chunks to one TCP flow, with logging on.
    fn run(chunks: &[(bool, &[u8])]) -> Run {
        run_on(&mut Dnp3Flow::default(), chunks)
    }

    fn run_on(flow: &mut Dnp3Flow, chunks: &[(bool, &[u8])]) -> Run {
        let mut t = TestFlow::new(("10.0.0.1", 40000), ("10.0.0.2", 20000));
        for (i, (from_master, data)) in chunks.iter().enumerate() {
            let mut ctx = t.ctx(*from_master, i as u64 + 1, i as i64 + 1);
            flow.chunk(usize::from(!from_master), data, &mut ctx);
        }
        let Ctx {
            conn,
            logs: Some(rows),
            ..
        } = t.ctx(true, 0, 0)
        else {
            unreachable!("the test flow logs")
        };
        flow.end(conn, rows);
        Run {
            obs: t.obs,
            events: t.events,
            rows: t.rows,
        }
    }

    fn log<'a>(rows: &'a [LogRow], name: &str) -> Vec<&'a [Value]> {
        rows.iter()
            .filter(|r| r.spec.name == name)
            .map(|r| r.values.as_slice())
            .collect()
    }

    #[test]
    fn frames_split_across_chunks_pair_into_log_rows() {
        let (select, response, operate) = (hex(SELECT), hex(SELECT_RESPONSE), hex(OPERATE));
        let r = run(&[
            (true, &select[..7]),
            (true, &select[7..]),
            (false, &response[..20]),
            (false, &response[20..]),
            (true, &operate),
        ]);
        let dnp3 = log(&r.rows, "dnp3");
        assert_eq!(
            dnp3,
            vec![
                &[
                    Value::from("SELECT"),
                    Value::from("RESPONSE"),
                    Value::Count(0)
                ][..],
                &[Value::from("OPERATE"), Value::Unset, Value::Unset][..],
            ]
        );
        let control = log(&r.rows, "dnp3_control");
        assert_eq!(control.len(), 3);
        assert_eq!(control[0][1], Value::from("SELECT"));
        assert_eq!(control[0][2], Value::Count(1));
        assert_eq!(control[0][4], Value::from("Latch On"));
        assert_eq!(control[0][9], Value::Unset);
        assert_eq!(control[1][9], Value::from("Success"));
        let kinds: Vec<_> = r.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, vec!["dnp3_control", "dnp3_control"]);
        assert!(r.events[0].detail.contains("binary output 1: Nul Latch On"));
        let addresses: Vec<_> = r
            .obs
            .attributes
            .values()
            .map(|a| (a.name, a.value.clone()))
            .collect();
        assert!(addresses.contains(&("dnp3_outstation_address", "2".to_string())));
        assert!(addresses.contains(&("dnp3_master_address", "3".to_string())));
    }

    /// A link frame from the master to `destination` carrying one whole fragment.
    fn master_frame(destination: u16, fragment: &[u8]) -> Vec<u8> {
        segment_frame(destination, 0xc0, fragment)
    }

    /// A link frame from the master carrying one transport segment.
    fn segment_frame(destination: u16, transport: u8, data: &[u8]) -> Vec<u8> {
        let mut user = vec![transport];
        user.extend_from_slice(data);
        let mut f = vec![0x05, 0x64, (5 + user.len()) as u8, 0xc4];
        f.extend_from_slice(&destination.to_le_bytes());
        f.extend_from_slice(&3u16.to_le_bytes());
        f.extend_from_slice(&dnp3::crc16(&f).to_le_bytes());
        for block in user.chunks(16) {
            f.extend_from_slice(block);
            f.extend_from_slice(&dnp3::crc16(block).to_le_bytes());
        }
        f
    }

    #[test]
    fn open_requests_are_bounded_and_counted() {
        // READ of class 0 to 40 outstations behind one connection, none answered.
        let frames: Vec<Vec<u8>> = (0..40u16)
            .map(|d| master_frame(d, &[0xc1, 0x01, 0x3c, 0x01, 0x06]))
            .collect();
        let chunks: Vec<(bool, &[u8])> = frames.iter().map(|f| (true, f.as_slice())).collect();
        let mut flow = Dnp3Flow::default();
        let r = run_on(&mut flow, &chunks);
        assert_eq!(flow.pending_limit_hits(), 40 - MAX_OPEN as u64);
        // The same request repeated to one outstation replaces itself.
        let mut flow = Dnp3Flow::default();
        let again = master_frame(7, &[0xc1, 0x01, 0x3c, 0x01, 0x06]);
        run_on(&mut flow, &vec![(true, again.as_slice()); 40]);
        assert_eq!(flow.pending_limit_hits(), 0);
        assert_eq!(log(&r.rows, "dnp3_objects").len(), 40);
    }

    #[test]
    fn held_partial_frame_then_a_long_chunk() {
        let operate = hex(OPERATE);
        let stream: Vec<u8> = operate
            .iter()
            .copied()
            .cycle()
            .take(30 * operate.len())
            .collect();
        for cut in [1, 7, 10, 31, operate.len() + 3] {
            let r = run(&[
                (true, &stream[..cut]),
                (true, &stream[cut..cut + 1]),
                (true, &stream[cut + 1..]),
            ]);
            // Every repetition is decoded (one control row each); the event says it once.
            let rows = log(&r.rows, "dnp3_control").len();
            let controls = r.events.iter().filter(|e| e.kind == "dnp3_control").count();
            assert_eq!((cut, rows, controls, r.events.len()), (cut, 30, 1, 1));
        }
    }

    #[test]
    fn segments_out_of_sequence_are_reported_and_dropped() {
        // First segment (FIR, seq 0) of a READ, then a last segment numbered 2, not 1.
        let first = segment_frame(4, 0x40, &[0xc1, 0x01, 0x3c]);
        let last = segment_frame(4, 0x82, &[0x01, 0x06]);
        let r = run(&[(true, &first), (true, &last)]);
        let kinds: Vec<_> = r.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, vec!["dnp3_transport_out_of_sequence"]);
        assert!(log(&r.rows, "dnp3_objects").is_empty());
        // Numbered 1, the same segments make one READ.
        let last = segment_frame(4, 0x81, &[0x01, 0x06]);
        let r = run(&[(true, &first), (true, &last)]);
        assert!(r.events.is_empty());
        assert_eq!(log(&r.rows, "dnp3_objects").len(), 1);
    }

    #[test]
    fn resynchronises_after_garbage() {
        let select = hex(SELECT);
        let mut stream = vec![0x00, 0x05, 0x05, 0x11];
        stream.extend_from_slice(&select);
        let r = run(&[(true, &stream[..3]), (true, &stream[3..])]);
        let kinds: Vec<_> = r.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, vec!["dnp3_bad_length", "dnp3_control"]);
    }

    #[test]
    fn corrupt_data_block_is_an_event_and_yields_nothing() {
        let mut select = hex(SELECT);
        select[12] ^= 0xff;
        let r = run(&[(true, &select)]);
        assert_eq!(r.events.len(), 1);
        assert_eq!(r.events[0].kind, "dnp3_crc_error");
        assert!(log(&r.rows, "dnp3").is_empty());
    }
}

#[cfg(test)]
mod group_name_tests {
    #[test]
    fn group_names() {
        let mut b = [0; 4];
        assert_eq!(super::group_name(0, &mut b), "g0");
        assert_eq!(super::group_name(12, &mut b), "g12");
        assert_eq!(super::group_name(120, &mut b), "g120");
    }
}
