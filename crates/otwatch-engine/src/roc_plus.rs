//! ROC Plus on one flow (TCP stream or UDP datagrams): messages cut by their length byte,
//! each told request or response from its opcode and length, and turned into inventory
//! facts (the device family, mode and ROC address from the system configuration),
//! notable events (logins and logouts with the password in clear, writes to the clock,
//! parameters and configurable opcode tables, store-and-forward, file transfers, error
//! responses) and per-edge function counts.
//!
//! Transaction logs: ICSNPP's `roc_plus.log` (one row per message) and the detail logs of
//! the opcodes whose fields otwatch reads (`roc_plus_sys_cfg`, `roc_plus_realtime_clock`,
//! `roc_plus_login`, `roc_plus_file_transfer`, `roc_plus_unknown_data`). ROC Plus carries
//! no transaction number, so requests and responses are logged as they come, unpaired:
//! no per-flow state grows with the traffic.

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use crate::reported::digest;
use otwatch_dissect::roc_plus::{self as roc, FileCommand, Login, Message, PacketType};
use otwatch_inventory::Subject;
use otwatch_model::logs::{LogSpec, Value};

const PROTOCOL: &str = "roc_plus";

/// ICSNPP's `roc_plus.log`: every message's header.
pub static ROC_PLUS_LOG: LogSpec = LogSpec {
    name: "roc_plus",
    directional: false,
    columns: &[
        ("protocol", "string"),
        ("roc_plus_link_id", "string"),
        ("packet_type", "string"),
        ("destination_unit", "count"),
        ("destination_group", "count"),
        ("source_unit", "count"),
        ("source_group", "count"),
        ("opcode", "string"),
        ("data_length", "count"),
        ("lsb_crc", "count"),
        ("msb_crc", "count"),
        ("error_code", "vector[string]"),
        ("error_offset", "vector[count]"),
    ],
};

/// ICSNPP's `roc_plus_sys_cfg.log`: the answer to opcode 6.
pub static ROC_PLUS_SYS_CFG_LOG: LogSpec = LogSpec {
    name: "roc_plus_sys_cfg",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("system_mode", "string"),
        ("port_number", "count"),
        ("security_access_mode", "count"),
        ("logical_compatability_status", "string"),
        ("opcode_revision", "string"),
        ("subtype", "string"),
        ("type_of_roc", "string"),
        ("point_types", "vector[count]"),
    ],
};

/// ICSNPP's `roc_plus_realtime_clock.log`: the clock read (opcode 7) or set (opcode 8).
pub static ROC_PLUS_REALTIME_CLOCK_LOG: LogSpec = LogSpec {
    name: "roc_plus_realtime_clock",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("current_second", "count"),
        ("current_minute", "count"),
        ("current_hour", "count"),
        ("current_day", "count"),
        ("current_month", "count"),
        ("current_year", "count"),
        ("current_day_of_week", "string"),
        ("timestamp", "time"),
    ],
};

/// ICSNPP's `roc_plus_login.log`: opcode 17 requests. The password column stays empty:
/// a password is never written to a log.
pub static ROC_PLUS_LOGIN_LOG: LogSpec = LogSpec {
    name: "roc_plus_login",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("operator_id", "string"),
        ("password", "vector[count]"),
        ("access_level", "count"),
        ("logout_string", "string"),
        ("session_key_string", "string"),
        ("wrapped_session_key", "string"),
    ],
};

/// ICSNPP's `roc_plus_file_transfer.log`: opcode 203 messages.
pub static ROC_PLUS_FILE_TRANSFER_LOG: LogSpec = LogSpec {
    name: "roc_plus_file_transfer",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("command", "string"),
        ("open_options", "string"),
        ("path", "string"),
        ("filename", "string"),
        ("file_descriptor", "count"),
        ("offset", "count"),
        ("file_size", "count"),
        ("num_bytes", "count"),
        ("data", "string"),
        ("additional_files", "count"),
        ("total_num_files", "count"),
        ("file_names", "vector[string]"),
    ],
};

/// ICSNPP's `roc_plus_unknown_data.log`: the data of messages that cannot be told request
/// or response.
pub static ROC_PLUS_UNKNOWN_DATA_LOG: LogSpec = LogSpec {
    name: "roc_plus_unknown_data",
    directional: false,
    columns: &[("roc_plus_link_id", "string"), ("data", "string")],
};

/// ICSNPP's `roc_plus_configurable_opcode.log`: configurable opcode tables read (opcode
/// 10) and written (opcode 11).
pub static ROC_PLUS_CONFIGURABLE_OPCODE_LOG: LogSpec = LogSpec {
    name: "roc_plus_configurable_opcode",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("table_number", "count"),
        ("starting_table_location", "count"),
        ("num_table_locations", "count"),
        ("table_version_number", "count"),
        ("data", "string"),
    ],
};

/// ICSNPP's `roc_plus_single_point_parameters.log`: parameters of one point set (opcode
/// 166) or read (opcode 167).
pub static ROC_PLUS_SINGLE_POINT_PARAMETERS_LOG: LogSpec = LogSpec {
    name: "roc_plus_single_point_parameters",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("point_type", "count"),
        ("point_logic_number", "count"),
        ("num_parameters", "count"),
        ("start_parameter_num", "count"),
        ("parameter_data", "string"),
    ],
};

/// ICSNPP's `roc_plus_store_and_forward.log`: messages relayed through other units
/// (opcode 24).
pub static ROC_PLUS_STORE_AND_FORWARD_LOG: LogSpec = LogSpec {
    name: "roc_plus_store_and_forward",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("host_address", "count"),
        ("host_group", "count"),
        ("dest1_address", "count"),
        ("dest1_group", "count"),
        ("dest2_address", "count"),
        ("dest2_group", "count"),
        ("dest3_address", "count"),
        ("dest3_group", "count"),
        ("dest4_address", "count"),
        ("dest4_group", "count"),
        ("desired_opcode", "count"),
        ("num_data_bytes", "count"),
        ("opcode_data", "string"),
    ],
};

/// ICSNPP's `roc_plus_user_defined_info.log`: user-defined point types (opcode 100).
pub static ROC_PLUS_USER_DEFINED_INFO_LOG: LogSpec = LogSpec {
    name: "roc_plus_user_defined_info",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("command", "count"),
        ("start_point", "count"),
        ("num_points", "count"),
        ("point_types", "vector[string]"),
    ],
};

/// ICSNPP's `roc_plus_historical_min_max_vals.log`: today's and yesterday's extremes of a
/// history point (opcode 105). Values are the four bytes of an IEEE float read as a
/// count, as ICSNPP writes them.
pub static ROC_PLUS_HISTORICAL_MIN_MAX_VALS_LOG: LogSpec = LogSpec {
    name: "roc_plus_historical_min_max_vals",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("history_segment", "count"),
        ("historical_point_number", "count"),
        ("historical_archival_method", "count"),
        ("point_type", "count"),
        ("point_logic_number", "count"),
        ("parameter_number", "count"),
        ("current_value", "count"),
        ("minimum_value_since_contract", "count"),
        ("maximum_value_since_contract", "count"),
        ("time_of_min_value_occurrence", "time"),
        ("time_of_max_value_occurrence", "time"),
        ("minimum_value_yesterday", "count"),
        ("maximum_value_yesterday", "count"),
        ("time_of_yesterday_min_value", "time"),
        ("time_of_yesterday_max_value", "time"),
        ("value_during_last_completed_period", "count"),
    ],
};

/// ICSNPP's `roc_plus_data_request.log`: I/O point positions (opcode 50), history tags
/// and periodic index (108), alarm and event log reads (118, 119), history indexes (137),
/// daily and periodic history (138) and SRBX alarm indexes (224, 225), in one table.
pub static ROC_PLUS_DATA_REQUEST_LOG: LogSpec = LogSpec {
    name: "roc_plus_data_request",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("io_data_req", "count"),
        ("io_data", "string"),
        ("history_segment", "count"),
        ("num_points", "count"),
        ("historical_points", "vector[string]"),
        ("periodic_index", "count"),
        ("tag", "string"),
        ("num_alarms", "count"),
        ("starting_alarm_log_idx", "count"),
        ("current_alarm_log_idx", "count"),
        ("alarm_data", "vector[string]"),
        ("num_events_req", "count"),
        ("starting_event_log_idx", "count"),
        ("num_events_sent", "count"),
        ("current_event_log_idx", "count"),
        ("event_data", "vector[string]"),
        ("day_requested", "count"),
        ("month_requested", "count"),
        ("starting_periodic_idx", "count"),
        ("num_periodic_entries", "count"),
        ("daily_index", "count"),
        ("num_daily_entries", "count"),
        ("history_point", "count"),
        ("periodic_values", "vector[count]"),
        ("daily_values", "vector[count]"),
    ],
};

/// ICSNPP's `roc_plus_history_information.log`: opcode 139, the configured points of a
/// history segment and the data of points asked for.
pub static ROC_PLUS_HISTORY_INFORMATION_LOG: LogSpec = LogSpec {
    name: "roc_plus_history_information",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("command", "string"),
        ("history_segment", "count"),
        ("history_segment_index", "count"),
        ("current_index", "count"),
        ("type_of_history", "string"),
        ("num_time_periods", "count"),
        ("request_timestamps", "count"),
        ("num_points", "count"),
        ("requested_history_points", "vector[count]"),
        ("num_configured_points", "count"),
        ("configured_points", "vector[count]"),
    ],
};

/// ICSNPP's `roc_plus_time_period_history_points.log`: one row per time period of an
/// opcode 139 answer.
pub static ROC_PLUS_TIME_PERIOD_HISTORY_POINTS_LOG: LogSpec = LogSpec {
    name: "roc_plus_time_period_history_points",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("timestamp_for_index", "time"),
        ("history_point_values", "vector[count]"),
    ],
};

/// ICSNPP's `roc_plus_history_point_data.log`: opcodes 135 (one history point) and 136
/// (several).
pub static ROC_PLUS_HISTORY_POINT_DATA_LOG: LogSpec = LogSpec {
    name: "roc_plus_history_point_data",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("history_segment", "count"),
        ("point_number", "count"),
        ("type_of_history", "string"),
        ("history_segment_index", "count"),
        ("num_values_requested", "count"),
        ("current_history_segment_index", "count"),
        ("num_values_sent", "count"),
        ("starting_history_point", "count"),
        ("num_history_points", "count"),
        ("num_time_periods", "count"),
        ("num_data_elements_sent", "count"),
        ("history_timestamps", "vector[time]"),
        ("history_values", "vector[count]"),
    ],
};

/// ICSNPP's `roc_plus_transaction_history.log`: opcode 206, transactions listed and read.
pub static ROC_PLUS_TRANSACTION_HISTORY_LOG: LogSpec = LogSpec {
    name: "roc_plus_transaction_history",
    directional: false,
    columns: &[
        ("roc_plus_link_id", "string"),
        ("command", "string"),
        ("segment", "count"),
        ("transaction_offset", "count"),
        ("transaction_number", "count"),
        ("data_offset", "count"),
        ("num_transactions", "count"),
        ("more_data", "bool"),
        ("description", "string"),
        ("payload_size", "count"),
        ("transaction_num", "vector[count]"),
        ("date_created", "vector[count]"),
        ("msg_data_size", "count"),
        ("data_type", "vector[string]"),
        ("data", "vector[count]"),
    ],
};

/// A whole message always fits: the length is one byte.
const MAX_CARRY: usize = roc::MAX_MESSAGE;

/// Distinct notable messages reported per flow; beyond it each is reported again.
const MAX_REPORTED: usize = 16;

struct RocLength;

impl MessageLength for RocLength {
    const HEADER: usize = roc::HEADER_LEN;
    fn total(header: &[u8]) -> Option<usize> {
        roc::message_len(header)
    }
}

#[derive(Debug, Default)]
pub struct RocPlusFlow {
    framer: Framer,
    state: FlowState,
}

#[derive(Debug, Default)]
struct FlowState {
    /// Messages seen on the flow, numbering the link ids that tie detail rows to their
    /// `roc_plus.log` row.
    messages: u64,
    /// Digests of notable messages already reported: a master polling with the same
    /// write, or logging in again and again, is one event.
    reported: crate::reported::Reported<u64>,
    /// The responder's ROC address was recorded.
    address_recorded: bool,
}

impl RocPlusFlow {
    pub fn gap(&mut self) {
        self.framer.gap();
    }

    /// A chunk of a TCP stream; `side` 0 for the originator's direction.
    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        let Self { framer, state } = self;
        framer.feed::<RocLength>(side, data, MAX_CARRY, |bytes| {
            if let Ok((m, _)) = roc::parse(bytes) {
                state.message(&m, "tcp", ctx);
            }
        });
    }

    /// One UDP datagram: whole messages, one after the other.
    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        let mut rest = data;
        // A datagram of at most 64 KiB holds at most this many eight-byte messages.
        for _ in 0..8192 {
            if rest.is_empty() {
                return;
            }
            match roc::parse(rest) {
                Ok((m, used)) => {
                    self.state.message(&m, "udp", ctx);
                    rest = rest.get(used..).unwrap_or_default();
                }
                Err(e) => {
                    ctx.event(
                        PROTOCOL,
                        "roc_plus_malformed".into(),
                        format!("{} ({} bytes of a datagram left over)", e, rest.len()),
                    );
                    return;
                }
            }
        }
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// Text a device sent, byte for byte (names in a directory listing).
fn byte_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl FlowState {
    fn message(&mut self, m: &Message<'_>, transport: &str, ctx: &mut Ctx<'_>) {
        self.messages += 1;
        let kind = roc::packet_type(m.opcode, m.data);
        let link_id = if ctx.logging() {
            let c = ctx.conn;
            Value::Str(format!(
                "{}-{}",
                crate::worker::uid_of(c.first_ts, c.key, c.orig),
                self.messages
            ))
        } else {
            Value::Unset
        };
        if ctx.logging() {
            self.log_header(m, kind, transport, link_id.clone(), ctx);
        }
        if kind == PacketType::Request {
            let opcode = m.opcode;
            ctx.obs.function(
                ctx.src,
                ctx.dst,
                PROTOCOL,
                u16::from(opcode),
                || function_label(opcode),
                ctx.ev.ts,
            );
        }
        match (m.opcode, kind) {
            (roc::OP_SYSTEM_CONFIG, PacketType::Response) => self.system_config(m, link_id, ctx),
            (roc::OP_READ_CLOCK, PacketType::Response)
            | (roc::OP_SET_CLOCK, PacketType::Request) => self.clock(m, link_id, ctx),
            (roc::OP_LOGIN, PacketType::Request) => self.login(m, link_id, ctx),
            // The only login response with data: the session key, wrapped.
            (roc::OP_LOGIN, PacketType::Response) if !m.data.is_empty() => {
                self.login(m, link_id, ctx)
            }
            (roc::OP_FILE_TRANSFER, PacketType::Request | PacketType::Response) => {
                self.file_transfer(m, kind == PacketType::Request, link_id, ctx)
            }
            (roc::OP_ERROR, PacketType::Response) => self.error(m, ctx),
            (op, PacketType::Request) if roc::is_write(op) => {
                self.write(m, ctx);
                if ctx.logging() {
                    log_detail(m, kind, link_id, ctx);
                }
            }
            (_, PacketType::Unknown) if ctx.logging() => {
                let data = match (m.opcode, m.data.split_first()) {
                    (roc::OP_HISTORY_INFORMATION, Some((1, rest))) => {
                        format!("Request Specified Point Data,{}", hex_upper(rest))
                    }
                    (roc::OP_TRANSACTION_HISTORY, Some((_, rest))) => hex_upper(rest),
                    _ => hex_upper(m.data),
                };
                ctx.log(&ROC_PLUS_UNKNOWN_DATA_LOG, vec![link_id, data.into()]);
            }
            _ if ctx.logging() => log_detail(m, kind, link_id, ctx),
            _ => {}
        }
    }

    fn log_header(
        &self,
        m: &Message<'_>,
        kind: PacketType,
        transport: &str,
        link_id: Value,
        ctx: &mut Ctx<'_>,
    ) {
        let (codes, offsets) = if m.opcode == roc::OP_ERROR && kind == PacketType::Response {
            let (c, o): (Vec<String>, Vec<u64>) = roc::errors(m.data)
                .map(|(code, at)| (error_label(code), u64::from(at)))
                .unzip();
            (Value::Strs(c), Value::Counts(o))
        } else {
            (Value::Unset, Value::Unset)
        };
        ctx.log(
            &ROC_PLUS_LOG,
            vec![
                transport.into(),
                link_id,
                kind.name().into(),
                m.destination_unit.into(),
                m.destination_group.into(),
                m.source_unit.into(),
                m.source_group.into(),
                roc::opcode_name(m.opcode).unwrap_or("Unknown").into(),
                Value::Count(m.data.len() as u64),
                m.crc_lsb.into(),
                m.crc_msb.into(),
                codes,
                offsets,
            ],
        );
    }

    /// Reports a notable message once per flow (up to [`MAX_REPORTED`] distinct ones).
    fn report(&mut self, key: &[&[u8]], kind: &str, detail: String, ctx: &mut Ctx<'_>) {
        let d = digest(key);
        if !self.reported.first(d, MAX_REPORTED) {
            return;
        }
        ctx.event(PROTOCOL, kind.into(), detail);
    }

    fn system_config(&mut self, m: &Message<'_>, link_id: Value, ctx: &mut Ctx<'_>) {
        let Some(c) = roc::system_config(m.data) else {
            ctx.event(
                PROTOCOL,
                "roc_plus_malformed".into(),
                format!(
                    "system configuration response of {} bytes, too short",
                    m.data.len()
                ),
            );
            return;
        };
        let message = "ROC Plus system configuration (opcode 6)";
        let model = roc::type_of_roc_name(c.type_of_roc);
        let subject = Subject::Ip(ctx.src);
        ctx.obs
            .attribute(subject, "vendor", "Emerson", PROTOCOL, message, 0.9, ctx.ev);
        ctx.obs
            .attribute(subject, "model", model, PROTOCOL, message, 0.9, ctx.ev);
        ctx.obs.attribute(
            subject,
            "operating_mode",
            roc::system_mode_name(c.system_mode),
            PROTOCOL,
            message,
            1.0,
            ctx.ev,
        );
        if !self.address_recorded {
            self.address_recorded = true;
            ctx.obs.attribute(
                subject,
                "roc_plus_address",
                &format!("unit {} group {}", m.source_unit, m.source_group),
                PROTOCOL,
                message,
                1.0,
                ctx.ev,
            );
        }
        if ctx.logging() {
            ctx.log(
                &ROC_PLUS_SYS_CFG_LOG,
                vec![
                    link_id,
                    roc::system_mode_name(c.system_mode).into(),
                    c.port_number.into(),
                    c.security_access_mode.into(),
                    roc::compatibility_name(c.logical_compatibility).into(),
                    roc::revision_name(c.opcode_revision).into(),
                    roc::subtype_name(c.subtype).into(),
                    model.into(),
                    Value::Counts(c.point_types.iter().map(|&p| u64::from(p)).collect()),
                ],
            );
        }
    }

    fn clock(&mut self, m: &Message<'_>, link_id: Value, ctx: &mut Ctx<'_>) {
        let Some(c) = roc::clock(m.data) else {
            return;
        };
        if m.opcode == roc::OP_SET_CLOCK {
            let detail = format!(
                "clock of unit {} group {} set to {:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                m.destination_unit,
                m.destination_group,
                c.year,
                c.month,
                c.day,
                c.hour,
                c.minute,
                c.second
            );
            self.report(&[&[m.opcode], m.data], "roc_plus_set_clock", detail, ctx);
        }
        if ctx.logging() {
            ctx.log(
                &ROC_PLUS_REALTIME_CLOCK_LOG,
                vec![
                    link_id,
                    c.second.into(),
                    c.minute.into(),
                    c.hour.into(),
                    c.day.into(),
                    c.month.into(),
                    c.year.into(),
                    Value::opt_str(c.day_of_week.map(roc::day_of_week_name)),
                    c.unix_seconds()
                        .map_or(Value::Unset, |s| Value::Time(s * 1_000_000)),
                ],
            );
        }
    }

    fn login(&mut self, m: &Message<'_>, link_id: Value, ctx: &mut Ctx<'_>) {
        let Some(l) = roc::login(m.data) else {
            return;
        };
        let operator = match l {
            Login::Standard { operator, .. }
            | Login::Enhanced { operator, .. }
            | Login::StandardLogout { operator, .. }
            | Login::EnhancedLogout { operator, .. } => Some(operator),
            Login::SessionKeyRequest(_) | Login::WrappedSessionKey(_) => None,
        };
        let who = operator
            .and_then(otwatch_dissect::printable)
            .map(|o| format!(" by operator {o:?}"))
            .unwrap_or_default();
        let detail = match l {
            Login::Standard { access_level, .. } | Login::Enhanced { access_level, .. } => format!(
                "{}{who} at access level {access_level} to unit {} group {}; the password travels in clear",
                l.kind(),
                m.destination_unit,
                m.destination_group
            ),
            _ => format!(
                "{}{who} to unit {} group {}",
                l.kind(),
                m.destination_unit,
                m.destination_group
            ),
        };
        // The wrapped session key is the device's answer, not a login attempt.
        if !matches!(l, Login::WrappedSessionKey(_)) {
            self.report(
                &[
                    &[m.opcode],
                    operator.unwrap_or_default(),
                    l.kind().as_bytes(),
                ],
                "roc_plus_login",
                detail,
                ctx,
            );
        }
        if !ctx.logging() {
            return;
        }
        let hex = |b: &[u8]| Value::Str(hex_upper(b));
        let no_password = || Value::Counts(Vec::new());
        let values = match l {
            Login::Standard {
                operator,
                access_level,
            }
            | Login::Enhanced {
                operator,
                access_level,
            } => vec![
                hex(operator),
                no_password(),
                access_level.into(),
                Value::Unset,
                Value::Unset,
                Value::Unset,
            ],
            Login::StandardLogout { operator, logout }
            | Login::EnhancedLogout { operator, logout } => vec![
                hex(operator),
                no_password(),
                Value::Unset,
                hex(logout),
                Value::Unset,
                Value::Unset,
            ],
            Login::SessionKeyRequest(key) => vec![
                Value::Unset,
                Value::Unset,
                Value::Unset,
                Value::Unset,
                hex(key),
                Value::Unset,
            ],
            Login::WrappedSessionKey(key) => vec![
                Value::Unset,
                Value::Unset,
                Value::Unset,
                Value::Unset,
                Value::Unset,
                hex(key),
            ],
        };
        let mut row = vec![link_id];
        row.extend(values);
        ctx.log(&ROC_PLUS_LOGIN_LOG, row);
    }

    fn file_transfer(&mut self, m: &Message<'_>, request: bool, link_id: Value, ctx: &mut Ctx<'_>) {
        let Some(command) = roc::file_command(m.data) else {
            return;
        };
        let Some(f) = roc::file_transfer(m.data, command, request) else {
            ctx.event(
                PROTOCOL,
                "roc_plus_malformed".into(),
                format!(
                    "file transfer {} {} of {} bytes does not hold its fields",
                    command.name(),
                    if request { "request" } else { "response" },
                    m.data.len()
                ),
            );
            return;
        };
        let notable = request
            && matches!(
                command,
                FileCommand::Open | FileCommand::Write | FileCommand::Delete
            );
        if notable {
            let path = f.path.as_deref().map(String::from_utf8_lossy);
            let name = f.filename.as_deref().map(String::from_utf8_lossy);
            let target = match (&path, &name) {
                (Some(p), Some(n)) => format!(" {p}{n}"),
                _ => f
                    .file_descriptor
                    .map(|d| format!(" file descriptor {d}"))
                    .unwrap_or_default(),
            };
            let how = f
                .open_options
                .map(|o| format!(" ({})", roc::open_options_name(o)))
                .unwrap_or_default();
            let detail = format!(
                "file {}{target}{how} on unit {} group {}",
                command.name().to_lowercase(),
                m.destination_unit,
                m.destination_group
            );
            let key_path = f.path.clone().unwrap_or_default();
            let key_name = f.filename.clone().unwrap_or_default();
            self.report(
                &[&[m.opcode, command as u8], &key_path, &key_name],
                "roc_plus_file_transfer",
                detail,
                ctx,
            );
        }
        if !ctx.logging() {
            return;
        }
        let text = |b: Option<Vec<u8>>| b.map_or(Value::Unset, Value::Bytes);
        ctx.log(
            &ROC_PLUS_FILE_TRANSFER_LOG,
            vec![
                link_id,
                command.name().into(),
                Value::opt_str(f.open_options.map(roc::open_options_name)),
                text(f.path),
                text(f.filename),
                Value::opt_count(f.file_descriptor),
                Value::opt_count(f.offset),
                Value::opt_count(f.file_size),
                Value::opt_count(f.num_bytes),
                f.data.map_or(Value::Unset, |d| Value::Bytes(d.to_vec())),
                Value::opt_count(f.additional_files),
                Value::opt_count(f.total_files),
                f.file_names.map_or(Value::Unset, |n| {
                    Value::Strs(n.iter().map(|n| byte_text(n)).collect())
                }),
            ],
        );
    }

    fn error(&mut self, m: &Message<'_>, ctx: &mut Ctx<'_>) {
        let errors: Vec<String> = roc::errors(m.data)
            .take(16)
            .map(|(code, at)| format!("{} at byte {at}", error_label(code)))
            .collect();
        if errors.is_empty() {
            return;
        }
        let detail = format!(
            "unit {} group {} answered with errors: {}",
            m.source_unit,
            m.source_group,
            errors.join(", ")
        );
        self.report(&[&[m.opcode], m.data], "roc_plus_error", detail, ctx);
    }

    fn write(&mut self, m: &Message<'_>, ctx: &mut Ctx<'_>) {
        let name = function_label(m.opcode);
        let detail = format!(
            "{name} to unit {} group {} ({} data bytes)",
            m.destination_unit,
            m.destination_group,
            m.data.len()
        );
        self.report(&[&[m.opcode], m.data], "roc_plus_write", detail, ctx);
    }
}

/// The detail-log row of the opcodes read for their logs only.
fn log_detail(m: &Message<'_>, kind: PacketType, link_id: Value, ctx: &mut Ctx<'_>) {
    let response = match kind {
        PacketType::Request => false,
        PacketType::Response => true,
        PacketType::Unknown => return,
    };
    let count = |v: u8| Value::Count(v.into());
    if m.opcode == roc::OP_HISTORY_INFORMATION {
        log_history_information(m, response, link_id, ctx);
        return;
    }
    let (spec, values): (&'static LogSpec, Vec<Value>) = match m.opcode {
        10 | 11 => {
            let with_version = m.opcode == 10 && response;
            let with_data = with_version || (m.opcode == 11 && !response);
            if m.opcode == 11 && response {
                return;
            }
            let Some(t) = roc::table_data(m.data, with_version, with_data) else {
                return;
            };
            (
                &ROC_PLUS_CONFIGURABLE_OPCODE_LOG,
                vec![
                    count(t.table),
                    count(t.start),
                    count(t.count),
                    Value::opt_count(t.version),
                    t.data.map_or(Value::Unset, |d| Value::Bytes(d.to_vec())),
                ],
            )
        }
        166 | 167 => {
            let with_data = (m.opcode == 166) != response;
            if m.opcode == 166 && response {
                return;
            }
            let Some(p) = roc::point_parameters(m.data, with_data) else {
                return;
            };
            (
                &ROC_PLUS_SINGLE_POINT_PARAMETERS_LOG,
                vec![
                    count(p.point_type),
                    count(p.logical_number),
                    count(p.count),
                    count(p.start),
                    Value::opt_str(p.data.map(hex_upper)),
                ],
            )
        }
        24 if !response => {
            let Some(f) = roc::store_and_forward(m.data) else {
                return;
            };
            let mut v = vec![count(f.host.0), count(f.host.1)];
            for (unit, group) in f.destinations {
                v.extend([count(unit), count(group)]);
            }
            v.extend([
                count(f.opcode),
                Value::Count(f.data.len() as u64),
                Value::Bytes(f.data.to_vec()),
            ]);
            (&ROC_PLUS_STORE_AND_FORWARD_LOG, v)
        }
        100 => {
            let Some(u) = roc::user_defined(m.data, response) else {
                return;
            };
            (
                &ROC_PLUS_USER_DEFINED_INFO_LOG,
                vec![
                    count(u.command),
                    count(u.start),
                    count(u.count),
                    u.point_types.map_or(Value::Unset, |t| {
                        Value::Strs(
                            t.iter()
                                .map(|&p| roc::point_type_name(p).to_string())
                                .collect(),
                        )
                    }),
                ],
            )
        }
        105 => {
            let Some(mm) = roc::min_max(m.data, response) else {
                return;
            };
            let mut v = vec![count(mm.segment), count(mm.point)];
            match mm.values {
                Some(x) => {
                    // Five-byte seconds: at most 2^40, so microseconds fit.
                    let time = |s: u64| {
                        i64::try_from(s)
                            .map_or(Value::Unset, |s| Value::Time(s.saturating_mul(1_000_000)))
                    };
                    let float = |f: u32| Value::Count(f.into());
                    v.extend([
                        count(x.archival_method),
                        count(x.point_type),
                        count(x.logical_number),
                        count(x.parameter),
                        float(x.current),
                        float(x.min_since_contract),
                        float(x.max_since_contract),
                        time(x.time_of_min),
                        time(x.time_of_max),
                        float(x.min_yesterday),
                        float(x.max_yesterday),
                        time(x.time_of_min_yesterday),
                        time(x.time_of_max_yesterday),
                        float(x.last_period),
                    ]);
                }
                None => v.extend(std::iter::repeat_n(Value::Unset, 14)),
            }
            (&ROC_PLUS_HISTORICAL_MIN_MAX_VALS_LOG, v)
        }
        50 | 108 | 118 | 119 | 137 | 138 | 224 | 225 => {
            let Some(d) = roc::data_request(m.opcode, m.data, response) else {
                return;
            };
            let c8 = |v: Option<u8>| Value::opt_count(v);
            let c16 = |v: Option<u16>| Value::opt_count(v);
            let hexes = |v: Option<Vec<&[u8]>>| {
                v.map_or(Value::Unset, |r| {
                    Value::Strs(r.iter().map(|x| hex_upper(x)).collect())
                })
            };
            let counts = |v: Option<Vec<u32>>| {
                v.map_or(Value::Unset, |v| {
                    Value::Counts(v.into_iter().map(u64::from).collect())
                })
            };
            (
                &ROC_PLUS_DATA_REQUEST_LOG,
                vec![
                    c8(d.io_data_request),
                    d.io_data.map_or(Value::Unset, |b| Value::Bytes(b.to_vec())),
                    c8(d.history_segment),
                    c8(d.num_points),
                    d.historical_points.map_or(Value::Unset, |p| {
                        Value::Strs(p.iter().map(|x| format!("0x{x:02x}")).collect())
                    }),
                    c16(d.periodic_index),
                    Value::opt_str(d.tag.map(hex_upper)),
                    c8(d.num_alarms),
                    c16(d.starting_alarm_index),
                    c16(d.current_alarm_index),
                    hexes(d.alarms),
                    c8(d.num_events_requested),
                    c16(d.starting_event_index),
                    c8(d.num_events_sent),
                    c16(d.current_event_index),
                    hexes(d.events),
                    c8(d.day),
                    c8(d.month),
                    c16(d.starting_periodic_index),
                    c16(d.num_periodic_entries),
                    c16(d.daily_index),
                    c16(d.num_daily_entries),
                    c8(d.history_point),
                    counts(d.periodic_values),
                    counts(d.daily_values),
                ],
            )
        }
        135 | 136 => {
            let Some(h) = roc::history_point_data(m.opcode, m.data, response) else {
                return;
            };
            let counts = |v: Option<Vec<u32>>| {
                v.map_or(Value::Unset, |v| {
                    Value::Counts(v.into_iter().map(u64::from).collect())
                })
            };
            (
                &ROC_PLUS_HISTORY_POINT_DATA_LOG,
                vec![
                    Value::opt_count(h.segment),
                    Value::opt_count(h.point),
                    Value::opt_str(h.history_type.map(roc::history_type_name)),
                    Value::opt_count(h.segment_index),
                    Value::opt_count(h.values_requested),
                    Value::opt_count(h.current_segment_index),
                    Value::opt_count(h.values_sent),
                    Value::opt_count(h.starting_point),
                    Value::opt_count(h.num_points),
                    Value::opt_count(h.num_time_periods),
                    Value::opt_count(h.elements_sent),
                    times(h.timestamps),
                    counts(h.values),
                ],
            )
        }
        roc::OP_TRANSACTION_HISTORY => {
            let Some(t) = roc::transaction_history(m.data, response) else {
                return;
            };
            let listed = response && t.command == 1;
            let read = response && t.command == 2;
            (
                &ROC_PLUS_TRANSACTION_HISTORY_LOG,
                vec![
                    match t.command {
                        1 => "List".into(),
                        _ => "Read".into(),
                    },
                    Value::opt_count(t.segment),
                    Value::opt_count(t.transaction_offset),
                    Value::opt_count(t.transaction_number),
                    Value::opt_count(t.data_offset),
                    Value::opt_count(t.num_transactions),
                    t.more_data.map_or(Value::Unset, Value::Bool),
                    Value::opt_str(t.description.map(hex_upper)),
                    Value::opt_count(t.payload_size),
                    if listed {
                        Value::Counts(t.transactions.iter().map(|x| u64::from(x.0)).collect())
                    } else {
                        Value::Unset
                    },
                    if listed {
                        Value::Counts(t.transactions.iter().map(|x| u64::from(x.1)).collect())
                    } else {
                        Value::Unset
                    },
                    Value::opt_count(t.message_data_size),
                    if read {
                        Value::Strs(
                            t.data_types
                                .iter()
                                .map(|&c| {
                                    roc::transaction_data_type(c)
                                        .map_or("Unknown", |(name, _)| name)
                                        .to_string()
                                })
                                .collect(),
                        )
                    } else {
                        Value::Unset
                    },
                    if read {
                        Value::Counts(t.values.iter().map(|&v| u64::from(v)).collect())
                    } else {
                        Value::Unset
                    },
                ],
            )
        }
        _ => return,
    };
    let mut row = vec![link_id];
    row.extend(values);
    ctx.log(spec, row);
}

/// Seconds since 1970 as a vector of times.
fn times(v: Option<Vec<u32>>) -> Value {
    v.map_or(Value::Unset, |v| {
        Value::Times(v.into_iter().map(|s| i64::from(s) * 1_000_000).collect())
    })
}

/// Opcode 139: its row in `roc_plus_history_information.log` and, for an answer with
/// point data, one row per time period in `roc_plus_time_period_history_points.log`.
fn log_history_information(m: &Message<'_>, response: bool, link_id: Value, ctx: &mut Ctx<'_>) {
    let Some(h) = roc::history_information(m.data, response) else {
        return;
    };
    let points = |p: Option<&[u8]>| {
        p.map_or(Value::Unset, |p| {
            Value::Counts(p.iter().map(|&x| u64::from(x)).collect())
        })
    };
    ctx.log(
        &ROC_PLUS_HISTORY_INFORMATION_LOG,
        vec![
            link_id.clone(),
            roc::history_command_name(h.command).into(),
            Value::opt_count(h.segment),
            Value::opt_count(h.segment_index),
            Value::opt_count(h.current_index),
            Value::opt_str(h.history_type.map(roc::history_type_name)),
            Value::opt_count(h.num_time_periods),
            Value::opt_count(h.request_timestamps),
            Value::opt_count(h.num_points),
            points(h.requested_points),
            Value::opt_count(h.num_configured),
            points(h.configured_points),
        ],
    );
    for (stamp, values) in h.periods {
        ctx.log(
            &ROC_PLUS_TIME_PERIOD_HISTORY_POINTS_LOG,
            vec![
                link_id.clone(),
                stamp.map_or(Value::Unset, |s| Value::Time(i64::from(s) * 1_000_000)),
                Value::Counts(values.into_iter().map(u64::from).collect()),
            ],
        );
    }
}

fn error_label(code: u8) -> String {
    roc::error_name(code).map_or_else(|| format!("Unknown ({code})"), str::to_string)
}

/// The label of an opcode in the function aggregates.
pub fn function_label(opcode: u8) -> String {
    roc::opcode_name(opcode).map_or_else(|| format!("Opcode {opcode}"), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn rows<'a>(t: &'a TestFlow, name: &str) -> Vec<&'a otwatch_model::logs::LogRow> {
        t.rows.iter().filter(|r| r.spec.name == name).collect()
    }

    // all_opcodes_tcp.pcap (ICSNPP ROC Plus traces), frames 4 and 6: the system
    // configuration request and its answer from a ROC800, split across two chunks.
    #[test]
    fn system_configuration_names_the_device() {
        let mut t = TestFlow::new(("192.168.1.100", 32107), ("192.168.1.200", 4000));
        let mut f = RocPlusFlow::default();
        f.chunk(0, &hex("0102030406003a2f"), &mut t.ctx(true, 4, 1));
        let mut answer = hex("0102030406d701000200020101000000000000000000000006");
        answer.extend(0u8..196);
        answer.extend([0xdd, 0xc9]);
        let (a, b) = answer.split_at(100);
        f.chunk(1, a, &mut t.ctx(false, 6, 2));
        f.chunk(1, b, &mut t.ctx(false, 6, 2));
        let header = rows(&t, "roc_plus");
        assert_eq!(header.len(), 2);
        assert_eq!(header[0].values[2], Value::from("Request"));
        assert_eq!(header[1].values[2], Value::from("Response"));
        assert_eq!(header[1].values[8], Value::Count(215));
        let cfg = rows(&t, "roc_plus_sys_cfg");
        assert_eq!(cfg.len(), 1);
        assert_eq!(cfg[0].values[7], Value::from("ROC800 (809/827)"));
        let attrs = format!("{:?}", t.obs);
        assert!(attrs.contains("ROC800 (809/827)"), "{attrs}");
    }

    // all_opcodes_tcp.pcap, frame 24: a standard login; frame 146: a file write.
    #[test]
    fn login_and_file_write_are_events() {
        let mut t = TestFlow::new(("192.168.1.100", 32107), ("192.168.1.200", 4000));
        let mut f = RocPlusFlow::default();
        f.chunk(
            0,
            &hex("0102030411064f503112340141bc"),
            &mut t.ctx(true, 24, 1),
        );
        f.chunk(
            0,
            &hex("01020304cb1203000000000000000a00000000040a0b0c0d16e1"),
            &mut t.ctx(true, 146, 2),
        );
        let kinds: Vec<&str> = t.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["roc_plus_login", "roc_plus_file_transfer"]);
        assert!(t.events[0].detail.contains("\"OP1\""));
        let login = rows(&t, "roc_plus_login");
        assert_eq!(login[0].values[1], Value::from("4F5031"));
        assert_eq!(login[0].values[2], Value::Counts(vec![]));
        let file = rows(&t, "roc_plus_file_transfer");
        assert_eq!(file[0].values[7], Value::Count(10));
    }

    // all_opcodes_udp.pcap, frame 1 followed by junk that does not frame.
    #[test]
    fn datagram_with_trailing_junk_is_reported() {
        let mut t = TestFlow::new(("192.168.1.100", 32107), ("192.168.1.200", 4000));
        let mut f = RocPlusFlow::default();
        let mut d = hex("0102030406003a2f");
        d.extend([1, 2, 3, 4, 6, 200]);
        f.datagram(&d, &mut t.ctx(true, 1, 1));
        assert_eq!(rows(&t, "roc_plus").len(), 1);
        assert_eq!(t.events[0].kind, "roc_plus_malformed");
    }
}
