//! HART-IP on one flow (TCP stream or UDP datagrams): messages cut by the header's
//! length, written to ICSNPP's `hart_ip_general.log` (one row per message),
//! `hart_ip_direct_pdu_command.log` (one row per command of a direct PDU),
//! `hart_ip_session_record.log` (the session records of an audit log response) and the
//! universal and common command logs (see `hart_ip_commands`). The identity a device gives
//! in answer to commands 0, 11 and 21 (manufacturer, device type, device id, revisions),
//! its tag, descriptor, final assembly number and long tag (commands 13, 16 and 20) reach
//! the inventory; commands that write, calibrate, lock or reset a device become events;
//! every command counts in the per-edge function aggregates.

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use crate::hart_ip_commands::command_row;
use otwatch_dissect::hart_ip::{
    self, Address, Body, DirectPdu, Effect, Header, Message, TokenPassingPdu,
};
use otwatch_dissect::hart_ip_commands;
use otwatch_inventory::Subject;
use otwatch_model::logs::{LogSpec, Value};

/// ICSNPP's `hart_ip_general.log`: every message, header and body fields.
pub static HART_IP_GENERAL_LOG: LogSpec = LogSpec {
    name: "hart_ip_general",
    directional: false,
    columns: &[
        ("proto", "string"),
        ("command_number_link_id", "string"),
        ("direct_pdu_command_link_id", "string"),
        ("session_log_record_link_id", "string"),
        ("message_packet_bytes", "vector[count]"),
        ("header_version", "count"),
        ("header_message_type_reserved", "count"),
        ("header_message_type_message_type", "string"),
        ("header_message_id", "string"),
        ("header_status_code", "string"),
        ("header_sequence_number", "count"),
        ("header_length", "count"),
        ("session_initiate_master_type", "count"),
        ("session_initiate_inactivity_close_timer", "count"),
        ("token_passing_pdu_delimiter_address_type", "string"),
        ("token_passing_pdu_delimiter_expansion_bytes", "count"),
        ("token_passing_pdu_delimiter_physical_layer_type", "string"),
        ("token_passing_pdu_delimiter_frame_type", "string"),
        ("token_passing_pdu_address_v4", "count"),
        ("token_passing_pdu_address_v6", "string"),
        ("token_passing_pdu_command_number", "string"),
        ("token_passing_pdu_byte_count", "count"),
        ("token_passing_pdu_check_byte", "count"),
        ("token_passing_pdu_contents_data_data", "vector[count]"),
        ("token_passing_pdu_contents_response_response_code", "count"),
        (
            "token_passing_pdu_contents_response_device_status_device_malfunction",
            "bool",
        ),
        (
            "token_passing_pdu_contents_response_device_status_configuration_changed",
            "bool",
        ),
        (
            "token_passing_pdu_contents_response_device_status_cold_start",
            "bool",
        ),
        (
            "token_passing_pdu_contents_response_device_status_more_status_available",
            "bool",
        ),
        (
            "token_passing_pdu_contents_response_device_status_loop_current_fixed",
            "bool",
        ),
        (
            "token_passing_pdu_contents_response_device_status_loop_current_saturated",
            "bool",
        ),
        (
            "token_passing_pdu_contents_response_device_status_non_primary_variable_out_of_limits",
            "bool",
        ),
        (
            "token_passing_pdu_contents_response_device_status_primary_variable_out_of_limits",
            "bool",
        ),
        ("direct_pdu_device_status_device_malfunction", "bool"),
        ("direct_pdu_device_status_configuration_changed", "bool"),
        ("direct_pdu_device_status_cold_start", "bool"),
        ("direct_pdu_device_status_more_status_available", "bool"),
        ("direct_pdu_device_status_loop_current_fixed", "bool"),
        ("direct_pdu_device_status_loop_current_saturated", "bool"),
        (
            "direct_pdu_device_status_non_primary_variable_out_of_limits",
            "bool",
        ),
        (
            "direct_pdu_device_status_primary_variable_out_of_limits",
            "bool",
        ),
        ("direct_pdu_extended_status_undefined_bits", "count"),
        ("direct_pdu_extended_status_function_check", "bool"),
        ("direct_pdu_extended_status_out_of_specification", "bool"),
        ("direct_pdu_extended_status_failure", "bool"),
        ("direct_pdu_extended_status_critical_power_failure", "bool"),
        ("direct_pdu_extended_status_device_variable_alert", "bool"),
        ("direct_pdu_extended_status_maintenance_required", "bool"),
        ("read_audit_log_start_record", "count"),
        ("read_audit_log_number_of_records", "count"),
        ("read_audit_log_power_up_time", "double"),
        ("read_audit_log_last_security_change", "double"),
        ("read_audit_log_server_status_undefined_bits", "count"),
        (
            "read_audit_log_server_status_insecure_syslog_connection",
            "bool",
        ),
        (
            "read_audit_log_server_status_syslog_server_located_but_connection_failed",
            "bool",
        ),
        (
            "read_audit_log_server_status_unable_to_locate_syslog_server",
            "bool",
        ),
        ("read_audit_log_session_record_size", "count"),
    ],
};

/// ICSNPP's `hart_ip_direct_pdu_command.log`: one row per command in a direct PDU.
pub static HART_IP_DIRECT_PDU_COMMAND_LOG: LogSpec = LogSpec {
    name: "hart_ip_direct_pdu_command",
    directional: false,
    columns: &[
        ("proto", "string"),
        ("direct_pdu_command_link_id", "string"),
        ("command_number_link_id", "string"),
        ("direct_pdu_command_data_data", "vector[count]"),
        ("direct_pdu_command_command_number", "string"),
        ("direct_pdu_command_byte_count", "count"),
        ("direct_pdu_contents_response_response_code", "count"),
    ],
};

/// ICSNPP's `hart_ip_session_record.log`: the session records an audit log reports.
pub static HART_IP_SESSION_RECORD_LOG: LogSpec = LogSpec {
    name: "hart_ip_session_record",
    directional: false,
    columns: &[
        ("proto", "string"),
        ("session_log_record_link_id", "string"),
        ("session_log_record_client_i_pv4_address", "addr"),
        ("session_log_record_client_i_pv6_address", "addr"),
        ("session_log_record_client_port", "count"),
        ("session_log_record_server_port", "count"),
        ("session_log_record_connect_time", "double"),
        ("session_log_record_disconnect_time", "double"),
        (
            "session_log_record_session_status_summary_undefined_bits",
            "count",
        ),
        (
            "session_log_record_session_status_summary_insecure_session",
            "bool",
        ),
        (
            "session_log_record_session_status_summary_session_timeout",
            "bool",
        ),
        (
            "session_log_record_session_status_summary_aborted_session",
            "bool",
        ),
        (
            "session_log_record_session_status_summary_bad_session_initialization",
            "bool",
        ),
        (
            "session_log_record_session_status_summary_writes_occured",
            "bool",
        ),
        (
            "session_log_record_start_configuration_change_count",
            "count",
        ),
        ("session_log_record_end_configuration_change_count", "count"),
        ("session_log_record_num_publish_pdu", "count"),
        ("session_log_record_num_request_pdu", "count"),
        ("session_log_record_num_response_pdu", "count"),
    ],
};

/// Messages up to this size are reassembled from a TCP stream; a longer one is skipped. An
/// audit log answer with all 255 session records is under 15 KiB.
const MAX_MESSAGE: usize = 16 * 1024;
/// Distinct notable commands reported per flow; a master repeating the same write is one
/// event, and beyond this many each is reported.
const MAX_REPORTED: usize = 16;

struct HartIpLength;

impl MessageLength for HartIpLength {
    const HEADER: usize = hart_ip::HEADER_LEN;
    fn total(header: &[u8]) -> Option<usize> {
        hart_ip::message_len(header)
    }
}

#[derive(Debug, Default)]
pub struct HartIpFlow {
    framer: Framer,
    state: State,
}

#[derive(Debug, Default)]
struct State {
    /// Link ids tie a general row to its direct-PDU command and session-record rows;
    /// numbered per flow, so unique together with the uid.
    next_link: u64,
    malformed_reported: bool,
    identity_reported: bool,
    /// The tag (command 11) or long tag (command 21) the last such request searched for:
    /// the device that answers it carries that tag. One slot, so nothing grows.
    asked_tag: Option<(u16, String)>,
    /// (command, device address) of the notable requests already reported.
    reported: crate::reported::Reported<(u16, u64)>,
}

impl HartIpFlow {
    /// Bytes are missing from the stream: a partial message cannot be completed.
    pub fn gap(&mut self) {
        self.framer.gap();
    }

    /// A chunk of a TCP stream; `side` 0 for the originator's direction.
    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        let Self { framer, state } = self;
        framer.feed::<HartIpLength>(side, data, MAX_MESSAGE, |m| state.message(m, "tcp", ctx));
    }

    /// One UDP datagram: messages one after the other.
    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        let mut rest = data;
        while !rest.is_empty() {
            match hart_ip::message_len(rest) {
                Some(n) if n <= rest.len() => {
                    self.state.message(&rest[..n], "udp", ctx);
                    rest = &rest[n..];
                }
                _ => {
                    self.state.malformed(
                        &format!(
                            "{} bytes at the end of a datagram make no message",
                            rest.len()
                        ),
                        ctx,
                    );
                    break;
                }
            }
        }
    }
}

/// A HART command as the per-edge aggregates name it (`READ_UNIQUE_IDENTIFIER`).
pub fn function_label(cmd: u16) -> String {
    hart_ip::command_name(cmd).map_or_else(
        || format!("COMMAND_{cmd}"),
        |n| {
            n.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
                .split('_')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("_")
        },
    )
}

/// Session-level messages count in the aggregates beside HART commands, under codes no
/// command uses.
const SESSION_FUNCTION_BASE: u16 = 0xf000;

/// Zeek's rendering of a 64-bit time field logged as a double: above 2^31 it switches to
/// the exponent form with 17 significant digits, trailing zeros dropped
/// (`7.2686072195458847e+18`, `5.987321793e+09`).
fn zeek_large_double(v: u64) -> Value {
    crate::hart_ip_commands::zeek_double(v as f64)
}

fn bit(byte: u16, n: u8) -> Value {
    Value::Bool(byte >> n & 1 == 1)
}

/// The eight device-status flags, most significant bit first, as the logs order them.
fn status_flags(status: u8) -> impl Iterator<Item = Value> {
    (0..8u8).rev().map(move |n| bit(u16::from(status), n))
}

/// A row under construction, filled by column name.
struct Row {
    spec: &'static LogSpec,
    values: Vec<Value>,
}

impl Row {
    fn new(spec: &'static LogSpec, proto: &str) -> Self {
        let mut values = vec![Value::Unset; spec.columns.len()];
        values[0] = proto.into();
        Row { spec, values }
    }

    fn set(&mut self, column: &str, v: impl Into<Value>) {
        if let Some(i) = self.spec.columns.iter().position(|(c, _)| *c == column) {
            self.values[i] = v.into();
        } else {
            debug_assert!(false, "{} has no column {column}", self.spec.name);
        }
    }

    /// Consecutive columns from `first` on.
    fn set_run(&mut self, first: &str, values: impl IntoIterator<Item = Value>) {
        if let Some(i) = self.spec.columns.iter().position(|(c, _)| *c == first) {
            for (slot, v) in self.values[i..].iter_mut().zip(values) {
                *slot = v;
            }
        }
    }
}

impl State {
    fn link(&mut self) -> String {
        self.next_link += 1;
        format!("L{}", self.next_link)
    }

    fn malformed(&mut self, detail: &str, ctx: &mut Ctx<'_>) {
        if !self.malformed_reported {
            self.malformed_reported = true;
            ctx.event(
                "hart_ip",
                "hart_ip_malformed".into(),
                format!("{detail} (further malformed messages on this flow are not reported)"),
            );
        }
    }

    fn message(&mut self, bytes: &[u8], proto: &str, ctx: &mut Ctx<'_>) {
        let m = match hart_ip::parse(bytes) {
            Ok(m) => m,
            Err(e) => {
                let what = Header::parse(bytes)
                    .map(|h| hart_ip::message_id_name(h.message_id))
                    .unwrap_or_else(|_| "message".into());
                self.malformed(&format!("{what} not valid: {e}"), ctx);
                return;
            }
        };
        if ctx.logging() {
            self.log(&m, proto, ctx);
        }
        let h = m.header;
        match &m.body {
            Body::TokenPassing(p) => self.token_passing(&h, p, ctx),
            Body::Direct(d) => self.direct(&h, d, ctx),
            _ if h.is_request() => ctx.obs.function(
                ctx.src,
                ctx.dst,
                "hart_ip",
                SESSION_FUNCTION_BASE | u16::from(h.message_id),
                || {
                    hart_ip::message_id_name(h.message_id)
                        .to_uppercase()
                        .replace(' ', "_")
                },
                ctx.ev.ts,
            ),
            _ => {}
        }
    }

    fn log(&mut self, m: &Message<'_>, proto: &str, ctx: &mut Ctx<'_>) {
        let h = &m.header;
        let mut row = Row::new(&HART_IP_GENERAL_LOG, proto);
        row.set("header_version", h.version);
        row.set("header_message_type_reserved", h.reserved);
        row.set(
            "header_message_type_message_type",
            hart_ip::message_type_name(h.message_type),
        );
        row.set("header_message_id", hart_ip::message_id_name(h.message_id));
        row.set("header_status_code", hart_ip::status_name(h.status));
        row.set("header_sequence_number", h.sequence);
        row.set("header_length", h.length);
        match &m.body {
            Body::Empty => {}
            Body::Raw(bytes) => row.set(
                "message_packet_bytes",
                Value::Counts(bytes.iter().map(|&b| u64::from(b)).collect()),
            ),
            Body::SessionInitiate {
                master_type,
                inactivity_close_timer,
            } => {
                row.set("session_initiate_master_type", *master_type);
                row.set(
                    "session_initiate_inactivity_close_timer",
                    *inactivity_close_timer,
                );
            }
            Body::TokenPassing(p) => {
                let unique = matches!(p.address, Address::Unique(_));
                row.set(
                    "token_passing_pdu_delimiter_address_type",
                    hart_ip::address_type_name(unique),
                );
                row.set(
                    "token_passing_pdu_delimiter_expansion_bytes",
                    p.expansion_bytes(),
                );
                row.set(
                    "token_passing_pdu_delimiter_physical_layer_type",
                    hart_ip::physical_layer_name(p.physical_layer_type()),
                );
                row.set(
                    "token_passing_pdu_delimiter_frame_type",
                    hart_ip::frame_type_name(p.frame_type()),
                );
                match p.address {
                    Address::Polling(a) => row.set("token_passing_pdu_address_v4", a),
                    Address::Unique(a) => {
                        row.set("token_passing_pdu_address_v6", Value::Bytes(a.to_vec()))
                    }
                }
                row.set(
                    "token_passing_pdu_command_number",
                    hart_ip::command_label(u16::from(p.command)),
                );
                row.set("token_passing_pdu_byte_count", p.byte_count);
                row.set("token_passing_pdu_check_byte", p.check_byte);
                if !p.data.is_empty() && !hart_ip::command_decoded_by_icsnpp(u16::from(p.command)) {
                    row.set(
                        "token_passing_pdu_contents_data_data",
                        Value::Counts(p.data.iter().map(|&b| u64::from(b)).collect()),
                    );
                }
                if let Some(decoded) =
                    hart_ip_commands::decode(u16::from(p.command), h.is_request(), p.data)
                {
                    let link = self.link();
                    row.set("command_number_link_id", link.clone());
                    let (spec, values) = command_row(&decoded, proto, &link);
                    ctx.log(spec, values);
                }
                if let Some((code, status)) = p.response {
                    row.set("token_passing_pdu_contents_response_response_code", code);
                    row.set_run(
                        "token_passing_pdu_contents_response_device_status_device_malfunction",
                        status_flags(status),
                    );
                }
            }
            Body::Direct(d) => {
                let link = self.link();
                row.set("direct_pdu_command_link_id", link.clone());
                row.set_run(
                    "direct_pdu_device_status_device_malfunction",
                    status_flags(d.device_status),
                );
                let ext = u16::from(d.extended_status);
                row.set("direct_pdu_extended_status_undefined_bits", ext >> 6);
                row.set_run(
                    "direct_pdu_extended_status_function_check",
                    (0..6u8).rev().map(|n| bit(ext, n)),
                );
                for c in &d.commands {
                    let mut r = Row::new(&HART_IP_DIRECT_PDU_COMMAND_LOG, proto);
                    r.set("direct_pdu_command_link_id", link.clone());
                    if !c.data.is_empty() && !hart_ip::command_decoded_by_icsnpp(c.number) {
                        r.set(
                            "direct_pdu_command_data_data",
                            Value::Counts(c.data.iter().map(|&b| u64::from(b)).collect()),
                        );
                    }
                    r.set(
                        "direct_pdu_command_command_number",
                        hart_ip::command_label(c.number),
                    );
                    r.set("direct_pdu_command_byte_count", c.byte_count);
                    if let Some(code) = c.response_code {
                        r.set("direct_pdu_contents_response_response_code", code);
                    }
                    if let Some(decoded) =
                        hart_ip_commands::decode(c.number, h.is_request(), c.data)
                    {
                        let command_link = self.link();
                        r.set("command_number_link_id", command_link.clone());
                        let (spec, values) = command_row(&decoded, proto, &command_link);
                        ctx.log(spec, values);
                    }
                    ctx.log(r.spec, r.values);
                }
            }
            Body::AuditLog(a) => {
                let link = self.link();
                row.set("session_log_record_link_id", link.clone());
                row.set("read_audit_log_start_record", a.start_record);
                row.set("read_audit_log_number_of_records", a.number_of_records);
                if let Some(r) = &a.response {
                    row.set(
                        "read_audit_log_power_up_time",
                        zeek_large_double(r.power_up_time),
                    );
                    row.set(
                        "read_audit_log_last_security_change",
                        zeek_large_double(r.last_security_change),
                    );
                    row.set(
                        "read_audit_log_server_status_undefined_bits",
                        r.server_status >> 3,
                    );
                    row.set_run(
                        "read_audit_log_server_status_insecure_syslog_connection",
                        (0..3u8).rev().map(|n| bit(r.server_status, n)),
                    );
                    row.set("read_audit_log_session_record_size", r.session_record_size);
                    for s in &r.records {
                        let mut sr = Row::new(&HART_IP_SESSION_RECORD_LOG, proto);
                        sr.set("session_log_record_link_id", link.clone());
                        sr.set(
                            "session_log_record_client_i_pv4_address",
                            Value::Addr(s.client_ipv4.into()),
                        );
                        sr.set(
                            "session_log_record_client_i_pv6_address",
                            Value::Addr(s.client_ipv6.into()),
                        );
                        sr.set("session_log_record_client_port", s.client_port);
                        sr.set("session_log_record_server_port", s.server_port);
                        sr.set(
                            "session_log_record_connect_time",
                            zeek_large_double(s.connect_time),
                        );
                        sr.set(
                            "session_log_record_disconnect_time",
                            zeek_large_double(s.disconnect_time),
                        );
                        sr.set(
                            "session_log_record_session_status_summary_undefined_bits",
                            s.status_summary >> 5,
                        );
                        sr.set_run(
                            "session_log_record_session_status_summary_insecure_session",
                            (0..5u8).rev().map(|n| bit(s.status_summary, n)),
                        );
                        sr.set(
                            "session_log_record_start_configuration_change_count",
                            s.start_configuration_change_count,
                        );
                        sr.set(
                            "session_log_record_end_configuration_change_count",
                            s.end_configuration_change_count,
                        );
                        sr.set("session_log_record_num_publish_pdu", s.num_publish_pdu);
                        sr.set("session_log_record_num_request_pdu", s.num_request_pdu);
                        sr.set("session_log_record_num_response_pdu", s.num_response_pdu);
                        ctx.log(sr.spec, sr.values);
                    }
                }
            }
        }
        ctx.log(row.spec, row.values);
    }

    fn token_passing(&mut self, h: &Header, p: &TokenPassingPdu<'_>, ctx: &mut Ctx<'_>) {
        let address = match p.address {
            Address::Polling(a) => format!("polling address {a}"),
            Address::Unique(a) => format!(
                "device address {}",
                a.iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        };
        let cmd = u16::from(p.command);
        if h.is_request() {
            self.remember_asked_tag(cmd, p.data);
            self.request(cmd, &address, address_digest(p.address), ctx);
        } else if p.response.is_some_and(|(code, _)| code == 0) {
            // A gateway answers for the devices behind it: the facts belong to the address
            // in the frame, which is the server's own only when nothing says otherwise.
            let message = format!(
                "HART-IP token-passing response to command {cmd} ({}), {address}",
                hart_ip::command_label(cmd)
            );
            self.identity(cmd, p.data, &message, 0.8, ctx);
        }
    }

    fn direct(&mut self, h: &Header, d: &DirectPdu<'_>, ctx: &mut Ctx<'_>) {
        for c in &d.commands {
            if h.is_request() {
                self.remember_asked_tag(c.number, c.data);
                self.request(c.number, "the server", 0, ctx);
            } else if c.response_code == Some(0) {
                let message = format!(
                    "HART-IP direct PDU response to command {} ({})",
                    c.number,
                    hart_ip::command_label(c.number)
                );
                self.identity(c.number, c.data, &message, 1.0, ctx);
            }
        }
    }

    /// The identity facts of a response; the first identity of the flow is also an event.
    fn identity(
        &mut self,
        cmd: u16,
        data: &[u8],
        message: &str,
        confidence: f32,
        ctx: &mut Ctx<'_>,
    ) {
        let mut facts = identity_facts(cmd, data, message, confidence, ctx);
        if matches!(cmd, 11 | 21) && !facts.is_empty() {
            if let Some((asked, tag)) = self.asked_tag.take() {
                if asked == cmd {
                    let name = if cmd == 11 {
                        "hart_tag"
                    } else {
                        "hart_long_tag"
                    };
                    ctx.obs.attribute(
                        Subject::Ip(ctx.src),
                        name,
                        &tag,
                        "hart_ip",
                        message,
                        confidence,
                        ctx.ev,
                    );
                    facts.push((name, tag));
                }
            }
        }
        if matches!(cmd, 0 | 11 | 21) && !facts.is_empty() && !self.identity_reported {
            self.identity_reported = true;
            let detail = facts
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            ctx.event(
                "hart_ip",
                "hart_ip_identity".into(),
                format!("{message}: {detail}"),
            );
        }
    }

    /// Commands 11 and 21 ask "who has this tag": keep the tag until the answer.
    fn remember_asked_tag(&mut self, cmd: u16, data: &[u8]) {
        let tag = match cmd {
            11 => data
                .get(..6)
                .map(|t| hart_ip::packed_ascii(t).trim().to_string()),
            21 => hart_ip::read_long_tag(data),
            _ => return,
        };
        self.asked_tag = tag.filter(|t| !t.is_empty()).map(|t| (cmd, t));
    }

    fn request(&mut self, cmd: u16, target: &str, address: u64, ctx: &mut Ctx<'_>) {
        ctx.obs.function(
            ctx.src,
            ctx.dst,
            "hart_ip",
            cmd,
            || function_label(cmd),
            ctx.ev.ts,
        );
        let kind = match hart_ip::command_effect(cmd) {
            Effect::Read => return,
            Effect::Write => "hart_ip_write_command",
            Effect::Reset => "hart_ip_device_reset",
        };
        let key = (cmd, address);
        if !self.reported.first(key, MAX_REPORTED) {
            return;
        }
        ctx.event(
            "hart_ip",
            kind.into(),
            format!(
                "command {cmd} ({}) to {target}",
                hart_ip::command_label(cmd)
            ),
        );
    }
}

fn address_digest(a: Address<'_>) -> u64 {
    match a {
        Address::Polling(p) => 0x100 | u64::from(p),
        Address::Unique(u) => u.iter().fold(1u64 << 40, |acc, &b| acc << 8 | u64::from(b)),
    }
}

/// Commands 0, 11, 13, 16, 20 and 21 answered successfully: who the device is. Returns
/// the facts stated.
fn identity_facts(
    cmd: u16,
    data: &[u8],
    message: &str,
    confidence: f32,
    ctx: &mut Ctx<'_>,
) -> Vec<(&'static str, String)> {
    let mut facts: Vec<(&'static str, String)> = Vec::new();
    match cmd {
        // Commands 11 and 21 answer with the same identity as command 0, for the device
        // whose tag or long tag was asked.
        0 | 11 | 21 => {
            if let Some(id) = hart_ip::read_unique_identifier(data) {
                if let Some(m) = id.manufacturer_id {
                    facts.push(("hart_manufacturer_id", format!("0x{m:04x}")));
                }
                facts.push((
                    "hart_device_type",
                    format!("0x{:04x}", id.expanded_device_type),
                ));
                facts.push(("hart_device_id", id.device_id.to_string()));
                facts.push(("hart_protocol_revision", id.hart_major_revision.to_string()));
                facts.push(("hart_device_revision", id.device_revision.to_string()));
                facts.push(("firmware", id.software_revision.to_string()));
                facts.push(("hardware_version", id.hardware_revision.to_string()));
            }
        }
        13 => {
            if let Some((tag, descriptor)) = hart_ip::read_tag(data) {
                facts.push(("hart_tag", tag));
                facts.push(("description", descriptor));
            }
        }
        16 => {
            if let Some(number) = hart_ip::read_final_assembly_number(data) {
                facts.push(("hart_final_assembly_number", number.to_string()));
            }
        }
        20 => {
            if let Some(tag) = hart_ip::read_long_tag(data) {
                facts.push(("hart_long_tag", tag));
            }
        }
        _ => return facts,
    }
    for (name, value) in &facts {
        ctx.obs.attribute(
            Subject::Ip(ctx.src),
            name,
            value,
            "hart_ip",
            message,
            confidence,
            ctx.ev,
        );
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_doubles_as_zeek_writes_them() {
        // hart-ip_all_messageIDs.pcapng frame 15: power-up time and a disconnect time.
        assert_eq!(
            zeek_large_double(0x64df_4785_64df_4785),
            Value::from("7.2686069618478469e+18")
        );
        assert_eq!(
            zeek_large_double(0x0000_0001_64df_47c1),
            Value::from("5.987321793e+09")
        );
        assert_eq!(zeek_large_double(12), Value::Double(12.0));
    }

    #[test]
    fn function_labels() {
        assert_eq!(function_label(0), "READ_UNIQUE_IDENTIFIER");
        assert_eq!(function_label(57), "READ_UNIT_TAG_DESCRIPTOR_DATE");
        assert_eq!(function_label(40), "ENTER_EXIT_FIXED_CURRENT_MODE");
        assert_eq!(function_label(500), "COMMAND_500");
    }
}
