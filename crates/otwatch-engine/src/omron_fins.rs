//! Omron FINS on one flow: FINS/TCP messages cut from each direction of a stream (or one
//! frame per UDP datagram), and what the frames say turned into inventory facts (controller
//! model and version from Controller Data Read), per-edge function aggregates with the
//! memory each command touched, and notable events (memory, parameter and program writes,
//! run and stop, clock writes, file operations, forced set/reset, malformed frames).
//!
//! FINS frames say themselves whether they are commands or responses (the ICF), so each
//! frame is logged on its own: ICSNPP's `omron_fins_general.log` (headers) and
//! `omron_fins_detail.log` (the decoded command or response data).

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use otwatch_dissect::omron_fins::{self as fins, Frame, TcpMessage};
use otwatch_inventory::Subject;
use otwatch_model::logs::{LogSpec, Value};

/// ICSNPP's `omron_fins_general.log`: one row per FINS/TCP message or FINS frame.
pub static OMRON_FINS_GENERAL_LOG: LogSpec = LogSpec {
    name: "omron_fins_general",
    directional: false,
    columns: &[
        ("proto", "enum"),
        ("omron_fins_link_id", "string"),
        ("tcp_header", "string"),
        ("tcp_length", "count"),
        ("tcp_command", "string"),
        ("tcp_error_code", "string"),
        ("client_node_address", "count"),
        ("server_node_address", "count"),
        ("icf_gateway", "string"),
        ("icf_data_type", "string"),
        ("icf_response_setting", "string"),
        ("gateway_count", "count"),
        ("destination_network_address", "string"),
        ("destination_node_number", "string"),
        ("destination_unit_address", "string"),
        ("source_network_address", "string"),
        ("source_node_number", "string"),
        ("source_unit_address", "string"),
        ("service_id", "string"),
        ("command_code", "string"),
        ("response_code", "string"),
    ],
};

/// The detail columns, all strings or counts as ICSNPP types them; `c` marks counts.
const DETAIL_COLUMNS: &[(&str, &str)] = &[
    ("omron_fins_link_id", "string"),
    ("command_code", "string"),
    ("icf_data_type", "string"),
    ("memory_area_code", "string"),
    ("beginning_address", "string"),
    ("number_of_items", "count"),
    ("parameter_area_code", "string"),
    ("beginning_word", "string"),
    ("number_of_words", "count"),
    ("last_word_bit", "count"),
    ("response_code", "string"),
    ("data", "string"),
    ("year", "count"),
    ("month", "count"),
    ("date", "count"),
    ("hour", "count"),
    ("minute", "count"),
    ("second", "count"),
    ("day", "string"),
    ("clock_time", "time"),
    ("intelligent_id_no", "string"),
    ("first_word", "string"),
    ("read_length", "string"),
    ("data_length", "string"),
    ("num_of_link_nodes", "count"),
    ("block_record_data_link_status", "string"),
    ("block_record_num_of_link_nodes", "count"),
    ("block_record_node_num", "count"),
    ("block_record_cio_area_first_word", "string"),
    ("block_record_kind_of_dm", "string"),
    ("block_record_dm_area_first_word", "string"),
    ("block_record_num_of_total_words", "count"),
    ("program_no", "count"),
    ("protect_code", "count"),
    ("password", "string"),
    ("last_word", "string"),
    ("clear_code", "string"),
    ("number_of_bytes", "count"),
    ("run_mode", "string"),
    ("controller_data_to_read", "string"),
    ("controller_model", "string"),
    ("controller_version", "string"),
    ("for_system_use", "string"),
    ("program_area_size", "count"),
    ("iom_size", "count"),
    ("no_of_dm_words", "count"),
    ("timer_size", "count"),
    ("expansion_dm_size", "count"),
    ("no_of_steps_transitions", "count"),
    ("kind_of_memory_card", "string"),
    ("memory_card_size", "count"),
    ("cpu_bus_unit_config", "vector[count]"),
    ("no_of_sysmac_bus_master_mounted", "count"),
    ("no_of_sysmac_bus2_master_mounted", "count"),
    ("peripheral_device_connected", "count"),
    ("built_in_host_interface", "count"),
    ("no_of_racks_connected", "count"),
    ("no_of_units", "count"),
    ("unit_address", "string"),
    ("model_number", "string"),
    ("controller_status_data_read_status", "string"),
    ("controller_status_data_read_mode", "string"),
    ("fatal_error", "string"),
    ("non_fatal_error", "string"),
    ("message_yes_no", "string"),
    ("fal_fals_no", "count"),
    ("error_message", "string"),
    ("cycle_time_read_parameter", "string"),
    ("average_cycle_time", "double"),
    ("max_cycle_time", "double"),
    ("min_cycle_time", "double"),
    ("test_data", "string"),
    ("number_of_receptions", "count"),
    ("command", "string"),
    ("message_no_0", "bool"),
    ("message_no_1", "bool"),
    ("message_no_2", "bool"),
    ("message_no_3", "bool"),
    ("message_no_4", "bool"),
    ("message_no_5", "bool"),
    ("message_no_6", "bool"),
    ("message_no_7", "bool"),
    ("message_0", "string"),
    ("message_1", "string"),
    ("message_2", "string"),
    ("message_3", "string"),
    ("message_4", "string"),
    ("message_5", "string"),
    ("message_6", "string"),
    ("message_7", "string"),
    ("fal_fals_no_0", "bool"),
    ("fal_fals_no_1", "bool"),
    ("fal_fals_no_2", "bool"),
    ("fal_fals_no_3", "bool"),
    ("fal_fals_no_4", "bool"),
    ("fal_fals_no_5", "bool"),
    ("fal_fals_no_6", "bool"),
    ("fal_fals_no_7", "bool"),
    ("fal_fals_no_8", "bool"),
    ("fal_fals_no_9", "bool"),
    ("fal_fals_no_10", "bool"),
    ("fal_fals_no_11", "bool"),
    ("fal_fals_no_12", "bool"),
    ("fal_fals_no_13", "bool"),
    ("fal_fals_0", "string"),
    ("fal_fals_1", "string"),
    ("fal_fals_2", "string"),
    ("fal_fals_3", "string"),
    ("fal_fals_4", "string"),
    ("fal_fals_5", "string"),
    ("fal_fals_6", "string"),
    ("fal_fals_7", "string"),
    ("fal_fals_8", "string"),
    ("fal_fals_9", "string"),
    ("fal_fals_10", "string"),
    ("fal_fals_11", "string"),
    ("fal_fals_12", "string"),
    ("fal_fals_13", "string"),
    ("acquire_network_address", "string"),
    ("acquire_node_number", "string"),
    ("acquire_unit_address", "string"),
    ("no_of_bits", "count"),
    ("set_reset_specification", "string"),
    ("bit_flag", "string"),
];

/// ICSNPP's `omron_fins_detail.log`: the data of commands and responses, for the commands
/// whose data is decoded (others are in the general log only).
pub static OMRON_FINS_DETAIL_LOG: LogSpec = LogSpec {
    name: "omron_fins_detail",
    directional: false,
    columns: DETAIL_COLUMNS,
};

/// ICSNPP's `omron_fins_network_status_read.log`: one row per node of a Network Status Read
/// response.
pub static OMRON_FINS_NETWORK_STATUS_READ_LOG: LogSpec = LogSpec {
    name: "omron_fins_network_status_read",
    directional: false,
    columns: &[
        ("omron_fins_link_id", "string"),
        ("command_code", "string"),
        ("icf_data_type", "string"),
        ("response_code", "string"),
        ("node_number", "count"),
        ("in_network", "string"),
        ("exit_status", "string"),
        ("polling", "string"),
        ("communication_cycle_time", "double"),
        ("current_polling_node_number", "count"),
        ("cyclic_operation", "string"),
        ("cyclic_transmission_status", "string"),
        ("non_fatal_error", "string"),
        ("cyclic_error_count", "count"),
    ],
};

/// ICSNPP's `omron_fins_data_link_status_read.log`: one row per node of a Data Link Status
/// Read response.
pub static OMRON_FINS_DATA_LINK_STATUS_READ_LOG: LogSpec = LogSpec {
    name: "omron_fins_data_link_status_read",
    directional: false,
    columns: &[
        ("omron_fins_link_id", "string"),
        ("command_code", "string"),
        ("icf_data_type", "string"),
        ("response_code", "string"),
        ("node_number", "count"),
        ("data_links", "string"),
        ("node_setting", "string"),
        ("master_node_number", "count"),
        ("error_status", "string"),
        ("mode_status", "string"),
        ("warning_status", "string"),
    ],
};

const FILE_COLUMNS: &[(&str, &str)] = &[
    ("omron_fins_link_id", "string"),
    ("command_code", "string"),
    ("icf_data_type", "string"),
    ("response_code", "string"),
    ("disk_no", "count"),
    ("beginning_file_position", "string"),
    ("no_of_files", "count"),
    ("volume_label", "string"),
    ("year", "count"),
    ("month", "count"),
    ("day", "count"),
    ("hour", "count"),
    ("minute", "count"),
    ("second", "count"),
    ("total_capacity", "count"),
    ("unused_capacity", "count"),
    ("total_no_files", "count"),
    ("no_files_read", "count"),
    ("last_file", "bool"),
    ("file_name", "string"),
    ("file_capacity", "count"),
    ("file_position", "count"),
    ("data_length", "count"),
    ("fuid", "string"),
    ("parameter_code", "string"),
    ("src_disk_no", "count"),
    ("src_file_name", "string"),
    ("dst_disk_no", "count"),
    ("dst_file_name", "string"),
    ("old_file_name", "string"),
    ("new_file_name", "string"),
    ("parameter_area_code", "string"),
    ("beginning_address", "string"),
    ("no_of_words", "count"),
    ("memory_area_code", "string"),
    ("no_of_items", "count"),
    ("program_no", "string"),
    ("no_of_bytes", "count"),
    ("beginning_word", "string"),
    ("beginning_block_no", "count"),
    ("no_of_blocks", "count"),
    ("remaining_blocks", "count"),
    ("total_no_of_blocks", "count"),
    ("memory_type", "string"),
    ("data_type", "string"),
    ("last_block", "bool"),
    ("protected", "bool"),
    ("control_data", "count"),
    ("block_no", "count"),
    ("memory_data", "string"),
];

/// ICSNPP's `omron_fins_error.log`: Error Clear commands, Error Log Read commands and the
/// records their responses carry (one row per record).
pub static OMRON_FINS_ERROR_LOG: LogSpec = LogSpec {
    name: "omron_fins_error",
    directional: false,
    columns: &[
        ("omron_fins_link_id", "string"),
        ("command_code", "string"),
        ("icf_data_type", "string"),
        ("response_code", "string"),
        ("error_reset_fal_no", "string"),
        ("beginning_record_no", "count"),
        ("max_no_stored_records", "count"),
        ("no_of_stored_records", "count"),
        ("no_of_records", "count"),
        ("error_code_1", "string"),
        ("error_code_2", "string"),
        ("minute", "count"),
        ("second", "count"),
        ("day", "count"),
        ("hour", "count"),
        ("year", "count"),
        ("month", "count"),
    ],
};

/// ICSNPP's `omron_fins_file.log`: file commands (0x22xx) and the responses that carry
/// data, one row per file where a frame names several.
pub static OMRON_FINS_FILE_LOG: LogSpec = LogSpec {
    name: "omron_fins_file",
    directional: false,
    columns: FILE_COLUMNS,
};

/// A FINS/TCP message is a 16-byte header and a frame of at most 2012 bytes; more is not a
/// frame a controller accepts, and is passed over rather than held.
const MAX_MESSAGE: usize = 2048;

struct FinsTcpLength;
impl MessageLength for FinsTcpLength {
    const HEADER: usize = 8;
    fn total(header: &[u8]) -> Option<usize> {
        fins::tcp_message_len(header)
    }
}

#[derive(Debug, Default)]
pub struct OmronFinsFlow {
    framer: Framer,
    /// Controller facts already recorded on this flow.
    identity_recorded: bool,
    /// Digests of the notable commands already reported: a tool writing the same words
    /// every cycle is one event, not one per write.
    reported: crate::reported::Reported<u64>,
}

/// Distinct notable commands reported per flow; beyond it, repetitions are no longer
/// recognised and each is reported.
const MAX_REPORTED: usize = 32;

impl OmronFinsFlow {
    pub fn gap(&mut self) {
        self.framer.gap();
    }

    /// A chunk of a TCP stream; `side` 0 for the originator's direction.
    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        // The framer is set aside while its messages are handled, so that they need no copy.
        let mut framer = std::mem::take(&mut self.framer);
        framer.feed::<FinsTcpLength>(side, data, MAX_MESSAGE, |m| self.tcp_message(m, ctx));
        self.framer = framer;
    }

    fn tcp_message(&mut self, msg: &[u8], ctx: &mut Ctx<'_>) {
        let m = match fins::parse_tcp(msg) {
            Ok(m) => m,
            Err(e) => {
                ctx.event("omron_fins", "omron_fins_malformed".into(), e.to_string());
                return;
            }
        };
        if m.command != fins::TCP_FRAME_SEND {
            if ctx.logging() {
                let mut values = general_tcp_columns(&m);
                values.extend(std::iter::repeat_n(Value::Unset, 13));
                ctx.log(&OMRON_FINS_GENERAL_LOG, values);
            }
            return;
        }
        match fins::parse(m.body) {
            Ok(frame) => self.frame(Some(&m), &frame, ctx),
            Err(e) => ctx.event("omron_fins", "omron_fins_malformed".into(), e.to_string()),
        }
    }

    /// One UDP datagram: one FINS frame.
    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        // Empty datagrams (port probes) carry no frame to judge.
        if data.is_empty() {
            return;
        }
        match fins::parse(data) {
            Ok(frame) => self.frame(None, &frame, ctx),
            Err(e) => ctx.event("omron_fins", "omron_fins_malformed".into(), e.to_string()),
        }
    }

    fn frame(&mut self, tcp: Option<&TcpMessage<'_>>, f: &Frame<'_>, ctx: &mut Ctx<'_>) {
        if f.is_response() {
            self.response(f, ctx);
        } else if let Some((kind, detail)) = command(f, ctx) {
            let digest = {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                (kind, &detail).hash(&mut h);
                h.finish()
            };
            if self.reported.first(digest, MAX_REPORTED) {
                ctx.event("omron_fins", kind.into(), detail);
            }
        }
        if !ctx.logging() {
            return;
        }
        let mut values = match tcp {
            Some(m) => general_tcp_columns(m),
            None => vec![
                "udp".into(),
                Value::Unset,
                Value::Unset,
                Value::Unset,
                Value::Unset,
                Value::Unset,
                Value::Unset,
                Value::Unset,
            ],
        };
        let hex = |b: u8| Value::Str(format!("0x{b:02x}"));
        values.extend([
            if f.uses_gateway() {
                "Use (1)"
            } else {
                "Don't Use (0)"
            }
            .into(),
            data_type(f),
            if f.response_not_required() {
                "Response-Not-Required (1)"
            } else {
                "Response-Required (0)"
            }
            .into(),
            Value::Count(f.gateway_count.into()),
            hex(f.destination[0]),
            hex(f.destination[1]),
            hex(f.destination[2]),
            hex(f.source[0]),
            hex(f.source[1]),
            hex(f.source[2]),
            hex(f.service_id),
            fins::command_label(f.command).into(),
            f.response_code.map_or(Value::Str(String::new()), |c| {
                fins::response_label(c).into()
            }),
        ]);
        ctx.log(&OMRON_FINS_GENERAL_LOG, values);
        for detail in detail_rows(f) {
            ctx.log(&OMRON_FINS_DETAIL_LOG, detail);
        }
        if matches!(f.command, 0x2101 | 0x2102) {
            for row in error_rows(f) {
                ctx.log(&OMRON_FINS_ERROR_LOG, row);
            }
        }
        if (0x2201..=0x2211).contains(&f.command) {
            for row in file_rows(f) {
                ctx.log(&OMRON_FINS_FILE_LOG, row);
            }
        }
        if f.is_response() && f.main_response_code() == Some(0) {
            match f.command {
                0x0602 => {
                    for row in network_status_rows(f) {
                        ctx.log(&OMRON_FINS_NETWORK_STATUS_READ_LOG, row);
                    }
                }
                0x0603 => {
                    for row in data_link_status_rows(f) {
                        ctx.log(&OMRON_FINS_DATA_LINK_STATUS_READ_LOG, row);
                    }
                }
                _ => {}
            }
        }
        if f.command == 0x0105 && !f.is_response() {
            if let Some((_, to, _)) = fins::memory_area_transfer(f.data) {
                // ICSNPP writes the destination of a transfer as a row of its own.
                let mut row = DetailRow::new(f);
                row.set(
                    "memory_area_code",
                    format!("{} (Destination)", fins::memory_area_label(to.area)),
                );
                row.set("beginning_address", format!("0x{:06x}", to.packed()));
                ctx.log(&OMRON_FINS_DETAIL_LOG, row.values);
            }
        }
    }

    fn response(&mut self, f: &Frame<'_>, ctx: &mut Ctx<'_>) {
        if f.command != 0x0501 || f.main_response_code() != Some(0) || self.identity_recorded {
            return;
        }
        let (Some(data), _) = fins::controller_data(f.data) else {
            return;
        };
        self.identity_recorded = true;
        let message = "FINS Controller Data Read response";
        for (attribute, value) in [
            ("vendor", "Omron"),
            ("model", data.model.as_str()),
            ("firmware", data.version.as_str()),
        ] {
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                attribute,
                value,
                "omron_fins",
                message,
                1.0,
                ctx.ev,
            );
        }
    }
}

fn data_type(f: &Frame<'_>) -> Value {
    if f.is_response() {
        "Response (1)"
    } else {
        "Command (0)"
    }
    .into()
}

/// The FINS/TCP columns of a general row: proto up to server_node_address.
fn general_tcp_columns(m: &TcpMessage<'_>) -> Vec<Value> {
    let (client, server) = m.node_addresses();
    vec![
        "tcp".into(),
        Value::Unset,
        "0x46494e53".into(),
        Value::Count(m.length.into()),
        tcp_command_label(m.command).into(),
        tcp_error_label(m.error_code).into(),
        Value::opt_count(client),
        Value::opt_count(server),
    ]
}

fn tcp_command_label(command: u32) -> String {
    match command {
        0 => "Node Address Data Send (Client)".into(),
        1 => "Node Address Data Send (Server)".into(),
        2 => "Frame Send".into(),
        3 => "Frame Send Error Notification".into(),
        other => format!("Unknown ({other})"),
    }
}

fn tcp_error_label(code: u32) -> String {
    match code {
        0 => "Normal".into(),
        1 => "The header is not 'FINS'".into(),
        2 => "The data length is too long".into(),
        3 => "The command is not supported".into(),
        0x20 => "All connections are in use".into(),
        0x21 => "The specified node is already connected".into(),
        0x22 => "Attempt to access a protected node from an unspecified IP address".into(),
        0x23 => "The client FINS node address is out of range".into(),
        0x24 => "The same FINS node address is being used by the client and server".into(),
        0x25 => "All the node addresses available for allocation have been used".into(),
        other => format!("Unknown (0x{other:x})"),
    }
}

/// The short name of a memory area, for per-edge aggregates.
fn memory_space(area: u8) -> String {
    match area {
        0x00 | 0x40 | 0x80 | 0x0c => "CIO".into(),
        0x01 | 0x41 | 0x81 => "TIM/CNT".into(),
        0x82 => "DM".into(),
        0x90..=0x98 => "EM".into(),
        0x05 | 0x85 => "forced status".into(),
        other => format!("area 0x{other:02x}"),
    }
}

/// Bit areas count items in bits from the addressed bit; word areas in words.
fn words_touched(address: fins::MemoryAddress, count: u16) -> (u64, u64) {
    let first = u64::from(address.word);
    let items = u64::from(count.max(1));
    let bit_area = matches!(
        address.area,
        0x00 | 0x01 | 0x03 | 0x04 | 0x05 | 0x1b | 0x40 | 0x41
    );
    let last = if bit_area {
        // Bit positions run 0-15; a larger one is taken modulo the word.
        first + (u64::from(address.bit & 0x0f) + items - 1) / 16
    } else {
        first + items - 1
    };
    (first, last)
}

/// A command's aggregates; the event it raises, if notable, as (kind, detail).
fn command(f: &Frame<'_>, ctx: &mut Ctx<'_>) -> Option<(&'static str, String)> {
    ctx.obs.function(
        ctx.src,
        ctx.dst,
        "omron_fins",
        f.command,
        || {
            fins::command_name(f.command)
                .map_or_else(|| format!("0x{:04X}", f.command), str::to_string)
        },
        ctx.ev.ts,
    );
    let touched = match f.command {
        0x0101..=0x0103 => fins::memory_area_command(f.data).map(|(a, n, _)| (a, n)),
        0x0105 => fins::memory_area_transfer(f.data).map(|(a, _, n)| (a, n)),
        _ => None,
    };
    if let Some((address, count)) = touched {
        let (first, last) = words_touched(address, count);
        ctx.obs.function_addresses(
            ctx.src,
            ctx.dst,
            "omron_fins",
            f.command,
            &memory_space(address.area),
            first,
            last,
        );
    }
    let kind = fins::notable_command(f.command)?;
    let mut detail = fins::command_label(f.command);
    match f.command {
        0x0102 | 0x0103 => {
            if let Some((a, n, _)) = fins::memory_area_command(f.data) {
                detail.push_str(&format!(
                    ": {} word {} bit {}, {n} item(s)",
                    memory_space(a.area),
                    a.word,
                    a.bit
                ));
            }
        }
        0x0105 => {
            if let Some((from, to, n)) = fins::memory_area_transfer(f.data) {
                detail.push_str(&format!(
                    ": {n} item(s) from {} word {} to {} word {}",
                    memory_space(from.area),
                    from.word,
                    memory_space(to.area),
                    to.word
                ));
            }
        }
        0x0401 => {
            detail.push_str(&format!(
                ": mode {}",
                fins::run_mode_label(f.data.get(2).copied())
            ));
        }
        0x0702 => {
            if let Some(c) = fins::clock(f.data) {
                detail.push_str(&format!(
                    ": {:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                    c.year,
                    c.month,
                    c.day,
                    c.hour,
                    c.minute,
                    c.second.unwrap_or(0)
                ));
            }
        }
        0x2203..=0x2208 | 0x220a..=0x220c => {
            if let Some(name) = file_name(f) {
                detail.push_str(&format!(": {name:?}"));
            }
        }
        _ => {}
    }
    Some((kind, detail))
}

/// The (first) file name a file command names: after the disk number (and, for some
/// commands, parameters), 12 bytes padded with NULs.
fn file_name(f: &Frame<'_>) -> Option<String> {
    let at = match f.command {
        0x2202 | 0x2207 | 0x2208 | 0x2209 => 2,
        0x2203 | 0x2205 | 0x2206 => 4,
        0x220a | 0x220b => 10,
        0x220c => 14,
        _ => return None,
    };
    let rest = f.data.get(at..)?;
    let raw = rest.get(..12).unwrap_or(rest);
    otwatch_dissect::printable(raw.split(|&b| b == 0).next().unwrap_or_default())
}

/// A detail row being filled by column name.
struct DetailRow {
    columns: &'static [(&'static str, &'static str)],
    values: Vec<Value>,
}

impl DetailRow {
    fn new(f: &Frame<'_>) -> Self {
        Self::of(DETAIL_COLUMNS, f)
    }

    /// A row of a log whose columns start with link id, command code and data type and
    /// hold a response code.
    fn of(columns: &'static [(&'static str, &'static str)], f: &Frame<'_>) -> Self {
        let mut row = Self {
            columns,
            values: vec![Value::Unset; columns.len()],
        };
        row.set("command_code", fins::command_label(f.command));
        row.values[2] = data_type(f);
        if let Some(code) = f.response_code {
            row.set("response_code", fins::response_label(code));
        }
        row
    }

    fn set(&mut self, column: &str, value: impl Into<Value>) {
        if let Some(i) = self.columns.iter().position(|(n, _)| *n == column) {
            self.values[i] = value.into();
        }
    }
}

fn hex_bytes(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Raw bytes shown as text, as ICSNPP writes written data.
fn raw_text(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn parameter_area_label(code: u16) -> String {
    let name = match code {
        0x8010 => "PC Setup",
        0x8011 => "Peripheral Device Settings",
        0x8012 => "I/O Tables",
        0x8013 => "Routing Tables",
        0x8002 => "CPU Bus Unit Settings",
        _ => return "Unknown".into(),
    };
    format!("{name} (0x{code:04X})")
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// Hex of at most the first 15 bytes, as ICSNPP shows test and forced-status data.
fn hex_capped(bytes: &[u8]) -> String {
    hex_bytes(bytes.get(..15).unwrap_or(bytes))
}

/// Areas whose items are single bits (one byte each in a read response).
fn bit_area(area: u8) -> bool {
    matches!(
        area,
        0x00 | 0x01 | 0x03 | 0x04 | 0x05 | 0x1b | 0x40 | 0x41 | 0x43 | 0x44
    ) || fins::memory_area_label(area) == "Unknown"
}

/// Four BCD bytes in tenths of a millisecond.
fn bcd_tenths(b: &[u8]) -> Option<f64> {
    let mut v: u64 = 0;
    for &x in b.get(..4)? {
        v = v * 100 + u64::from(x >> 4) * 10 + u64::from(x & 0x0f);
    }
    Some(v as f64 / 10.0)
}

fn forced_spec_label(spec: u16) -> String {
    let name = match spec {
        0x0000 => "Forced reset",
        0x0001 => "Forced set",
        0x8000 => "Forced status released and bit turned OFF",
        0x8001 => "Forced status released and bit turned ON",
        0xffff => "Forced status released",
        _ => return "Unknown".into(),
    };
    format!("{name} (0x{spec:04X})")
}

/// The detail rows of a frame (several when it names several items), for the commands
/// whose data is decoded.
fn detail_rows(f: &Frame<'_>) -> Vec<Vec<Value>> {
    let d = f.data;
    let mut rows = Vec::new();
    match (f.command, f.is_response()) {
        (0x0104, false) => {
            // Four bytes per item: area code and address.
            for item in d.chunks_exact(4).take(MAX_ITEMS) {
                let mut row = DetailRow::new(f);
                row.set("memory_area_code", fins::memory_area_label(item[0]));
                row.set("beginning_address", hex_bytes(&item[1..]));
                rows.push(row.values);
            }
        }
        (0x0104, true) => {
            let mut at = 0;
            while let Some(&area) = d.get(at) {
                if rows.len() >= MAX_ITEMS {
                    break;
                }
                let width = if bit_area(area) { 1 } else { 2 };
                let value = d
                    .get(at + 1..(at + 1 + width).min(d.len()))
                    .unwrap_or_default();
                let mut row = DetailRow::new(f);
                row.set("memory_area_code", fins::memory_area_label(area));
                row.set("data", hex_bytes(value));
                rows.push(row.values);
                at += 1 + width;
            }
        }
        (0x0502, true) => {
            let count = d.first().copied().unwrap_or(0);
            for unit in d
                .get(1..)
                .unwrap_or_default()
                .chunks_exact(21)
                .take(MAX_ITEMS)
            {
                let mut row = DetailRow::new(f);
                row.set("no_of_units", u64::from(count));
                row.set("unit_address", format!("0x{:02x}", unit[0]));
                row.set("model_number", fixed_text_of(&unit[1..]));
                rows.push(row.values);
            }
        }
        (0x2301, false) => {
            // The number of bits, then six bytes per bit: set/reset specification, area,
            // word and bit.
            let bits = be16(d, 0).unwrap_or(0);
            for item in d
                .get(2..)
                .unwrap_or_default()
                .chunks_exact(6)
                .take(MAX_ITEMS)
            {
                let mut row = DetailRow::new(f);
                row.set("no_of_bits", u64::from(bits));
                row.set(
                    "set_reset_specification",
                    forced_spec_label(u16::from_be_bytes([item[0], item[1]])),
                );
                row.set("memory_area_code", fins::memory_area_label(item[2]));
                row.set("bit_flag", item[5].to_string());
                rows.push(row.values);
            }
        }
        (0x0220, false) | (0x0221, false) => {
            let mut row = DetailRow::new(f);
            row.set(
                "intelligent_id_no",
                format!("0x{:02x}", be16(d, 2).unwrap_or(0)),
            );
            row.set("first_word", format!("0x{:02x}", be16(d, 4).unwrap_or(0)));
            let length = format!("0x{:02x}", be16(d, 6).unwrap_or(0));
            if f.command == 0x0220 {
                row.set("read_length", length);
                rows.push(row.values);
            } else {
                row.set("data_length", length);
                row.set(
                    "num_of_link_nodes",
                    u64::from(d.get(8).copied().unwrap_or(0)),
                );
                // Eight bytes per node: node number, CIO first word, kind of DM, DM first
                // word, total words.
                for record in d
                    .get(9..)
                    .unwrap_or_default()
                    .chunks_exact(8)
                    .take(MAX_ITEMS)
                {
                    let mut r = DetailRow {
                        columns: DETAIL_COLUMNS,
                        values: row.values.clone(),
                    };
                    r.set("block_record_node_num", u64::from(record[0]));
                    link_record(&mut r, &record[1..]);
                    rows.push(r.values);
                }
            }
        }
        (0x0220, true) => {
            let nodes = d.first().copied().unwrap_or(0) & 0x7f;
            // Eight bytes per node: status and node count, then as in a write.
            for record in d
                .get(1..)
                .unwrap_or_default()
                .chunks_exact(8)
                .take(MAX_ITEMS)
            {
                let mut r = DetailRow::new(f);
                r.set("num_of_link_nodes", u64::from(nodes));
                r.set(
                    "block_record_data_link_status",
                    if record[0] & 0x80 != 0 {
                        "Warning (1)"
                    } else {
                        "Normal (0)"
                    },
                );
                r.set(
                    "block_record_num_of_link_nodes",
                    u64::from(record[0] & 0x7f),
                );
                link_record(&mut r, &record[1..]);
                rows.push(r.values);
            }
        }
        _ => rows.extend(detail_row(f)),
    }
    rows
}

/// Error codes a controller reports, for the codes whose meaning is certain; others read
/// `Unknown`, as ICSNPP writes codes it does not know.
fn error_code_label(code: u16) -> String {
    let name = match code {
        0xfffe => "Present error cleared",
        0xffff => "All errors cleared",
        0x00a0..=0x00a7 => "SYSMAC BUS error",
        0x00b0..=0x00b3 => "SYSMAC BUS/2 error",
        0x80e1 => "I/O points overflow",
        0x80e9 => "Duplication error",
        _ => return "Unknown".into(),
    };
    format!("{name} (0x{code:04X})")
}

/// Error Clear (the code to clear) and Error Log Read (first record and count; in the
/// response, ten bytes per record: two error codes and the BCD minute, second, day, hour,
/// year and month).
fn error_rows(f: &Frame<'_>) -> Vec<Vec<Value>> {
    let d = f.data;
    let word = |at: usize| be16(d, at);
    let new = || DetailRow::of(OMRON_FINS_ERROR_LOG.columns, f);
    match (f.command, f.is_response()) {
        (0x2101, false) => {
            let Some(code) = word(0) else {
                return Vec::new();
            };
            let mut row = new();
            row.set("error_reset_fal_no", error_code_label(code));
            vec![row.values]
        }
        (0x2102, false) => {
            let mut row = new();
            row.set("beginning_record_no", Value::opt_count(word(0)));
            row.set("no_of_records", Value::opt_count(word(2)));
            vec![row.values]
        }
        (0x2102, true) => {
            let (Some(max), Some(stored), Some(count)) = (word(0), word(2), word(4)) else {
                return Vec::new();
            };
            let bcd = |b: u8| u64::from((b >> 4) * 10 + (b & 0x0f));
            d.get(6..)
                .unwrap_or_default()
                .chunks_exact(10)
                .take(MAX_ITEMS)
                .map(|r| {
                    let mut row = new();
                    row.set("max_no_stored_records", u64::from(max));
                    row.set("no_of_stored_records", u64::from(stored));
                    row.set("no_of_records", u64::from(count));
                    row.set(
                        "error_code_1",
                        error_code_label(u16::from_be_bytes([r[0], r[1]])),
                    );
                    row.set(
                        "error_code_2",
                        error_code_label(u16::from_be_bytes([r[2], r[3]])),
                    );
                    for (i, column) in ["minute", "second", "day", "hour", "year", "month"]
                        .iter()
                        .enumerate()
                    {
                        row.set(column, bcd(r[4 + i]));
                    }
                    row.values
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A file or volume name: twelve bytes, NUL-padded.
fn name12(d: &[u8], at: usize) -> Option<String> {
    let raw = d.get(at..at + 12)?;
    Some(raw_text(raw.split(|&b| b == 0).next().unwrap_or_default()))
}

/// Date and time packed as a file system stamps them: year since 1980, month, day; hour,
/// minute, seconds halved.
fn packed_date(row: &mut DetailRow, d: &[u8], at: usize) -> Option<()> {
    let date = be16(d, at)?;
    let time = be16(d, at + 2)?;
    row.set("year", u64::from(1980 + (date >> 9)));
    row.set("month", u64::from((date >> 5) & 0x0f));
    row.set("day", u64::from(date & 0x1f));
    row.set("hour", u64::from(time >> 11));
    row.set("minute", u64::from((time >> 5) & 0x3f));
    row.set("second", u64::from((time & 0x1f) * 2));
    Some(())
}

fn file_parameter_label(command: u16, code: u16) -> String {
    let name = match (command, code) {
        (0x2203, 0) => "Create new file",
        (0x2203, 1) => "Create new file - overwrite if it already exists",
        (0x2203, 2) => "Add data to an existing file",
        (0x2203, 3) => "Overwrite data in an existing file",
        (0x2206, 0) => "Create new volume label",
        (0x2206, 1) => "Create new volume label - overwrite if it already exists",
        (0x2206, 2) => "Delete existing volume label",
        (0x220a..=0x220c, 0) => "Transfer from PC area to file device",
        (0x220a..=0x220c, 1) => "Transfer from file device to PC area",
        (0x220a..=0x220c, 2) => "Data compared",
        _ => return "Unknown".into(),
    };
    format!("{name} (0x{code:04X})")
}

/// The control byte of a file memory block: last block, protected, kind of data.
fn file_block(row: &mut DetailRow, control: u8, data: u8) {
    let kind = match control & 0x0f {
        0 => "Empty (0)",
        1 => "Program (1)",
        2 => "Data (2)",
        3 => "Comments (3)",
        _ => "Unknown",
    };
    row.set("data_type", kind);
    row.set("last_block", Value::Bool(control & 0x80 != 0));
    row.set("protected", Value::Bool(control & 0x40 != 0));
    row.set("control_data", u64::from(data));
}

/// The rows of `omron_fins_file.log` for a file command or response.
fn file_rows(f: &Frame<'_>) -> Vec<Vec<Value>> {
    let d = f.data;
    let new = || DetailRow::of(FILE_COLUMNS, f);
    let word = |at: usize| be16(d, at).map(u64::from);
    let mut rows = Vec::new();
    let mut row = new();
    let done = match (f.command, f.is_response()) {
        (0x2201, false) => {
            row.set("disk_no", Value::opt_count(word(0)));
            row.set(
                "beginning_file_position",
                format!("0x{:02x}", be16(d, 2).unwrap_or(0)),
            );
            row.set("no_of_files", Value::opt_count(word(4)));
            Some(())
        }
        (0x2201, true) => (|| {
            row.set("volume_label", name12(d, 0)?);
            packed_date(&mut row, d, 12)?;
            row.set("total_capacity", u64::from(be32(d, 16)?));
            row.set("unused_capacity", u64::from(be32(d, 20)?));
            row.set("total_no_files", u64::from(be16(d, 24)?));
            let read = be16(d, 26)?;
            row.set("no_files_read", u64::from(read & 0x7fff));
            row.set("last_file", Value::Bool(read & 0x8000 != 0));
            // Then twenty bytes per file: name, date and size; each a row of its own,
            // without the response code.
            for file in d
                .get(28..)
                .unwrap_or_default()
                .chunks_exact(20)
                .take(MAX_ITEMS)
            {
                let mut r = new();
                r.set("response_code", Value::Unset);
                r.set("file_name", name12(file, 0)?);
                packed_date(&mut r, file, 12)?;
                r.set("file_capacity", u64::from(be32(file, 16)?));
                rows.push(r.values);
            }
            Some(())
        })(),
        (0x2202 | 0x2203, false) => (|| {
            row.set("disk_no", word(0)?);
            let at = if f.command == 0x2203 {
                row.set(
                    "parameter_code",
                    file_parameter_label(f.command, be16(d, 2)?),
                );
                4
            } else {
                2
            };
            row.set("file_name", name12(d, at)?);
            row.set("file_position", u64::from(be32(d, at + 12)?));
            row.set("data_length", word(at + 16)?);
            Some(())
        })(),
        (0x2202, true) => (|| {
            row.set("file_capacity", u64::from(be32(d, 0)?));
            row.set("file_position", u64::from(be32(d, 4)?));
            row.set("data_length", word(8)?);
            Some(())
        })(),
        (0x2204, false) => {
            row.set("disk_no", Value::opt_count(word(0)));
            Some(())
        }
        (0x2205, false) => {
            let count = word(2).unwrap_or(0);
            for at in (4..d.len()).step_by(12).take(MAX_ITEMS) {
                let mut r = new();
                r.set("disk_no", Value::opt_count(word(0)));
                r.set("no_of_files", count);
                r.set("file_name", name12(d, at).unwrap_or_default());
                rows.push(r.values);
            }
            None
        }
        (0x2205, true) => {
            row.set("no_of_files", Value::opt_count(word(0)));
            Some(())
        }
        (0x2206, false) => (|| {
            row.set("disk_no", word(0)?);
            row.set(
                "parameter_code",
                file_parameter_label(f.command, be16(d, 2)?),
            );
            row.set("volume_label", name12(d, 4)?);
            Some(())
        })(),
        (0x2207, false) => (|| {
            row.set("src_disk_no", word(0)?);
            row.set("src_file_name", name12(d, 2)?);
            row.set("dst_disk_no", word(14)?);
            row.set("dst_file_name", name12(d, 16)?);
            Some(())
        })(),
        (0x2208, false) => (|| {
            // ICSNPP reads the first name as the new one.
            row.set("disk_no", word(0)?);
            row.set("new_file_name", name12(d, 2)?);
            row.set("old_file_name", name12(d, 14)?);
            Some(())
        })(),
        (0x2209, false) => (|| {
            row.set("disk_no", word(0)?);
            row.set("file_name", name12(d, 2)?);
            Some(())
        })(),
        (0x220a, false) => (|| {
            row.set(
                "parameter_code",
                file_parameter_label(f.command, be16(d, 0)?),
            );
            row.set("memory_area_code", fins::memory_area_label(*d.get(2)?));
            row.set("beginning_address", hex_bytes(d.get(3..6)?));
            row.set("no_of_items", word(6)?);
            row.set("disk_no", word(8)?);
            row.set("file_name", name12(d, 10)?);
            Some(())
        })(),
        (0x220b, false) => (|| {
            row.set(
                "parameter_code",
                file_parameter_label(f.command, be16(d, 0)?),
            );
            row.set("parameter_area_code", parameter_area_label(be16(d, 2)?));
            row.set("beginning_address", format!("0x{:02x}", be16(d, 4)?));
            row.set("no_of_words", word(6)?);
            row.set("disk_no", word(8)?);
            row.set("file_name", name12(d, 10)?);
            Some(())
        })(),
        (0x220c, false) => (|| {
            row.set(
                "parameter_code",
                file_parameter_label(f.command, be16(d, 0)?),
            );
            row.set("program_no", format!("0x{:02x}", be16(d, 2)?));
            row.set("beginning_address", format!("0x{:02x}", be32(d, 4)?));
            row.set("no_of_bytes", u64::from(be32(d, 8)?));
            row.set("disk_no", word(12)?);
            row.set("file_name", name12(d, 14)?);
            Some(())
        })(),
        (0x220a, true) => {
            row.set("no_of_items", Value::opt_count(word(0)));
            Some(())
        }
        (0x220b, true) => {
            row.set("no_of_words", Value::opt_count(word(0)));
            Some(())
        }
        (0x220f, false) => (|| {
            row.set("beginning_block_no", word(0)?);
            row.set("no_of_blocks", u64::from(*d.get(2)?));
            Some(())
        })(),
        (0x220f, true) => {
            let (Some(remaining), Some(total), Some(&kind)) = (word(0), word(2), d.get(4)) else {
                return rows;
            };
            let memory = match kind {
                0 => "All RAM (0x00)",
                1 => "First half RAM; second half ROM (0x01)",
                2 => "All ROM (0x02)",
                _ => "Unknown",
            };
            // Two bytes per block: control byte and data.
            for block in d
                .get(5..)
                .unwrap_or_default()
                .chunks_exact(2)
                .take(MAX_ITEMS)
            {
                let mut r = new();
                r.set("remaining_blocks", remaining);
                r.set("total_no_of_blocks", total);
                r.set("memory_type", memory);
                file_block(&mut r, block[0], block[1]);
                rows.push(r.values);
            }
            None
        }
        (0x2210, false) => {
            row.set("block_no", Value::opt_count(word(0)));
            Some(())
        }
        (0x2210, true) => (|| {
            file_block(&mut row, *d.first()?, *d.get(1)?);
            row.set("memory_data", hex_capped(d.get(2..).unwrap_or_default()));
            Some(())
        })(),
        (0x2211, false) => (|| {
            file_block(&mut row, *d.first()?, *d.get(1)?);
            row.set("block_no", word(2)?);
            row.set("memory_data", hex_capped(d.get(4..).unwrap_or_default()));
            Some(())
        })(),
        _ => None,
    };
    if done.is_some() {
        rows.insert(0, row.values);
    }
    rows
}

/// The columns every status row starts with.
fn status_prefix(f: &Frame<'_>) -> Vec<Value> {
    vec![
        Value::Unset,
        fins::command_label(f.command).into(),
        data_type(f),
        f.response_code.map_or(Value::Str(String::new()), |c| {
            fins::response_label(c).into()
        }),
    ]
}

fn flag(set: bool, yes: &str, no: &str) -> Value {
    if set {
        format!("{yes} (0x01)").into()
    } else {
        format!("{no} (0x00)").into()
    }
}

/// Network Status Read: four status bits per node (two nodes a byte) for 62 nodes, the
/// communication cycle time, the polling node, cyclic operation and transmission, one
/// non-fatal error bit per node (bit n of the eight bytes for node n) and one error
/// counter byte per node.
fn network_status_rows(f: &Frame<'_>) -> Vec<Vec<Value>> {
    const NODES: usize = 62;
    let d = f.data;
    let (Some(nodes), Some(cycle), Some(rest)) = (d.get(..31), be16(d, 31), d.get(33..)) else {
        return Vec::new();
    };
    let (Some(&polling), Some(&operation), Some(&transmission)) =
        (rest.first(), rest.get(1), rest.get(2))
    else {
        return Vec::new();
    };
    let errors = rest.get(3..11).unwrap_or_default();
    let counters = rest.get(11..).unwrap_or_default();
    (1..=NODES)
        .map(|n| {
            let byte = nodes[(n - 1) / 2];
            let status = if n % 2 == 1 { byte >> 4 } else { byte & 0x0f };
            let error = errors.get(n / 8).is_some_and(|b| b & (1 << (n % 8)) != 0);
            let mut row = status_prefix(f);
            row.extend([
                Value::Count(n as u64),
                flag(status & 0x08 != 0, "In network", "Not in network"),
                flag(status & 0x02 != 0, "Exited due to error", "Normal exit"),
                flag(
                    status & 0x01 != 0,
                    "Does not respond to polling",
                    "Responds to polling",
                ),
                Value::Double(f64::from(cycle)),
                Value::Count(polling.into()),
                flag(operation & 1 != 0, "Active", "Inactive"),
                flag(transmission & 1 != 0, "Transmission", "No transmission"),
                flag(error, "On", "Off"),
                Value::opt_count(counters.get(n - 1).copied()),
            ]);
            row
        })
        .collect()
}

/// Data Link Status Read: status flags, master node number, then three bytes per eight
/// nodes (error, run and warning bits, bit n % 8 for node n) for 32 nodes.
fn data_link_status_rows(f: &Frame<'_>) -> Vec<Vec<Value>> {
    const NODES: usize = 32;
    let d = f.data;
    let (Some(&flags), Some(&master), Some(status)) = (d.first(), d.get(1), d.get(2..14)) else {
        return Vec::new();
    };
    (1..=NODES)
        .map(|n| {
            let group = &status[(n - 1) / 8 * 3..(n - 1) / 8 * 3 + 3];
            let bit = |b: u8| b & (1 << ((n - 1) % 8)) != 0;
            let mut row = status_prefix(f);
            row.extend([
                Value::Count(n as u64),
                flag(flags & 0x01 != 0, "Active", "Inactive"),
                flag(flags & 0x80 != 0, "Master", "Slave"),
                Value::Count(master.into()),
                flag(bit(group[0]), "Error", "Normal"),
                flag(bit(group[1]), "Run", "Stop"),
                flag(bit(group[2]), "Warning", "Normal"),
            ]);
            row
        })
        .collect()
}

/// CIO first word, kind of DM, DM first word and total words of a data link record.
fn link_record(row: &mut DetailRow, r: &[u8]) {
    let word = |i: usize| be16(r, i).unwrap_or(0);
    row.set(
        "block_record_cio_area_first_word",
        format!("0x{:02x}", word(0)),
    );
    row.set(
        "block_record_kind_of_dm",
        format!("0x{:02x}", r.get(2).copied().unwrap_or(0)),
    );
    row.set(
        "block_record_dm_area_first_word",
        format!("0x{:02x}", word(3)),
    );
    row.set("block_record_num_of_total_words", u64::from(word(5)));
}

/// Rows one frame may add to the detail log; a frame listing more items is cut there.
const MAX_ITEMS: usize = 64;

fn fixed_text_of(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .rposition(|&b| b != 0 && b != b' ')
        .map_or(0, |i| i + 1);
    raw_text(bytes.get(..end).unwrap_or_default())
}

/// The detail row of a frame that names one item.
fn detail_row(f: &Frame<'_>) -> Option<Vec<Value>> {
    let mut row = DetailRow::new(f);
    let d = f.data;
    let response = f.is_response();
    match (f.command, response) {
        (0x0101..=0x0103, false) => {
            let (a, n, rest) = fins::memory_area_command(d)?;
            row.set("memory_area_code", fins::memory_area_label(a.area));
            row.set("beginning_address", format!("0x{:06x}", a.packed()));
            row.set("number_of_items", u64::from(n));
            match f.command {
                0x0102 => row.set("data", raw_text(rest)),
                0x0103 => row.set("data", hex_bytes(rest)),
                _ => {}
            }
        }
        (0x0101, true) => row.set("data", hex_bytes(d)),
        (0x0105, false) => {
            let (from, _, n) = fins::memory_area_transfer(d)?;
            row.set(
                "memory_area_code",
                format!("{} (Source)", fins::memory_area_label(from.area)),
            );
            row.set("beginning_address", format!("0x{:06x}", from.packed()));
            row.set("number_of_items", u64::from(n));
        }
        (0x0201..=0x0203, _) => {
            let code = be16(d, 0)?;
            let begin = be16(d, 2)?;
            let words = be16(d, 4)?;
            row.set("parameter_area_code", parameter_area_label(code));
            row.set("beginning_word", format!("0x{begin:02x}"));
            row.set("number_of_words", u64::from(words & 0x7fff));
            let rest = d.get(6..).unwrap_or_default();
            match (f.command, response) {
                (0x0203, _) => row.set("data", hex_bytes(rest)),
                (_, true) | (0x0202, false) => {
                    row.set("last_word_bit", u64::from(words >> 15));
                    row.set("data", raw_text(rest));
                }
                _ => row.set("last_word_bit", u64::from(words >> 15)),
            }
        }
        (0x0401, false) => {
            row.set("program_no", u64::from(be16(d, 0)?));
            row.set("run_mode", fins::run_mode_label(d.get(2).copied()));
        }
        (0x0501, false) => {
            let label = match d.first() {
                Some(0x00) => "Controller model Controller version Area data (0x00)",
                Some(0x01) => "CPU Bus Unit configuration Remote I/O data PC status (0x01)",
                _ => "Unknown",
            };
            row.set("controller_data_to_read", label);
        }
        (0x0501, true) => {
            let (first, second) = fins::controller_data(d);
            if first.is_none() && second.is_none() {
                return None;
            }
            let card = first
                .as_ref()
                .map_or("Unknown", |c| fins::memory_card_label(c.memory_card_kind));
            let first = first.unwrap_or_default();
            let second = second.unwrap_or_default();
            row.set("controller_model", first.model);
            row.set("controller_version", first.version);
            row.set("for_system_use", first.for_system_use);
            row.set("program_area_size", u64::from(first.program_area_size));
            row.set("iom_size", u64::from(first.iom_size));
            row.set("no_of_dm_words", u64::from(first.dm_words));
            row.set("timer_size", u64::from(first.timer_size));
            row.set("expansion_dm_size", u64::from(first.expansion_dm_size));
            row.set(
                "no_of_steps_transitions",
                u64::from(first.steps_transitions),
            );
            row.set("kind_of_memory_card", card);
            row.set("memory_card_size", u64::from(first.memory_card_size));
            row.set(
                "cpu_bus_unit_config",
                Value::Counts(second.cpu_bus_units.iter().map(|&u| u.into()).collect()),
            );
            row.set(
                "no_of_sysmac_bus_master_mounted",
                u64::from(second.sysmac_bus_masters),
            );
            row.set(
                "no_of_sysmac_bus2_master_mounted",
                u64::from(second.sysmac_bus2_masters),
            );
            row.set(
                "peripheral_device_connected",
                u64::from(second.peripheral_device_connected),
            );
            row.set(
                "built_in_host_interface",
                u64::from(second.built_in_host_interface),
            );
            row.set("no_of_racks_connected", u64::from(second.racks));
        }
        (0x0502, false) => {
            row.set("unit_address", format!("0x{:02x}", d.first()?));
            row.set("no_of_units", u64::from(*d.get(1)?));
        }
        (0x0701, true) | (0x0702, false) => {
            let c = fins::clock(d)?;
            row.set("year", u64::from(c.year));
            row.set("month", u64::from(c.month));
            row.set("date", u64::from(c.day));
            row.set("hour", u64::from(c.hour));
            row.set("minute", u64::from(c.minute));
            // ICSNPP writes a clock without seconds or weekday as 0 and Unknown.
            row.set("second", u64::from(c.second.unwrap_or(0)));
            row.set(
                "day",
                c.day_of_week.map_or("Unknown", fins::day_of_week_label),
            );
            if let Some(t) = clock_micros(&c) {
                row.set("clock_time", Value::Time(t));
            }
        }
        (0x0801, _) | (0x0803, false) => row.set("test_data", hex_capped(d)),
        // Its response carries nothing but the response code.
        (0x0221, true) => {}
        (0x0802, true) => row.set("number_of_receptions", u64::from(be16(d, 0)?)),
        (0x0304 | 0x0305, false) => {
            row.set("program_no", u64::from(be16(d, 0)?));
            row.set("protect_code", u64::from(*d.get(2)?));
            row.set("beginning_word", format!("0x{:02x}", be32(d, 3)?));
            row.set("last_word", format!("0x{:02x}", be32(d, 7)?));
            row.set("password", raw_text(d.get(11..).unwrap_or_default()));
        }
        (0x0306 | 0x0307, _) => {
            row.set("program_no", u64::from(be16(d, 0)?));
            row.set("beginning_word", format!("0x{:02x}", be32(d, 2)?));
            let bytes = be16(d, 6)?;
            row.set("number_of_bytes", u64::from(bytes & 0x7fff));
            row.set("last_word_bit", u64::from(bytes >> 15));
            if (f.command == 0x0307) != response {
                row.set("data", raw_text(d.get(8..).unwrap_or_default()));
            }
        }
        (0x0308, false) => {
            row.set("program_no", u64::from(be16(d, 0)?));
            row.set("clear_code", format!("0x{:02x}", d.get(2)?));
        }
        (0x0620, false) => {
            let label = match d.first() {
                Some(0x00) => "Initialize cycle time (0x00)",
                Some(0x01) => "Read the cycle time (0x01)",
                _ => "Unknown",
            };
            row.set("cycle_time_read_parameter", label);
        }
        (0x0620, true) => {
            row.set("average_cycle_time", Value::Double(bcd_tenths(d)?));
            row.set("max_cycle_time", Value::Double(bcd_tenths(d.get(4..)?)?));
            row.set("min_cycle_time", Value::Double(bcd_tenths(d.get(8..)?)?));
        }
        (0x0920, false) => {
            let word = be16(d, 0)?;
            let kind = word >> 14;
            let label = match kind {
                0 => "Message Read (0)",
                1 => "Message Clear (1)",
                2 => "FAL/FALS Read (2)",
                _ => "Unknown",
            };
            row.set("command", label);
            const MESSAGE: [&str; 8] = [
                "message_no_0",
                "message_no_1",
                "message_no_2",
                "message_no_3",
                "message_no_4",
                "message_no_5",
                "message_no_6",
                "message_no_7",
            ];
            const FAL: [&str; 14] = [
                "fal_fals_no_0",
                "fal_fals_no_1",
                "fal_fals_no_2",
                "fal_fals_no_3",
                "fal_fals_no_4",
                "fal_fals_no_5",
                "fal_fals_no_6",
                "fal_fals_no_7",
                "fal_fals_no_8",
                "fal_fals_no_9",
                "fal_fals_no_10",
                "fal_fals_no_11",
                "fal_fals_no_12",
                "fal_fals_no_13",
            ];
            let names: &[&str] = if kind == 2 { &FAL } else { &MESSAGE };
            for (bit, name) in names.iter().enumerate() {
                row.set(name, Value::Bool(word & (1 << bit) != 0));
            }
        }
        // A response without data answers a Message Clear; responses with messages are
        // in the general log only.
        (0x0920, true) if d.is_empty() => row.set("command", "Message Clear (1)"),
        (0x0c01..=0x0c03, false) => row.set("program_no", u64::from(be16(d, 0)?)),
        (0x0c01, true) => {
            let at = |i: usize| u64::from(d.get(i).copied().unwrap_or(0));
            row.set("acquire_network_address", Value::Count(at(0)));
            row.set("acquire_node_number", Value::Count(at(1)));
            row.set("acquire_unit_address", Value::Count(at(2)));
        }
        (0x230a, _) => {
            row.set("memory_area_code", fins::memory_area_label(*d.first()?));
            row.set("beginning_address", hex_bytes(d.get(1..4)?));
            row.set("no_of_units", u64::from(be16(d, 4)?));
            if response {
                row.set("data", hex_capped(d.get(6..).unwrap_or_default()));
            }
        }
        (0x2601, false) => row.set("data", raw_text(d)),
        _ => return None,
    }
    Some(row.values)
}

/// The controller's clock as a time (taken as UTC: FINS carries no zone).
fn clock_micros(c: &fins::Clock) -> Option<i64> {
    if !(1..=12).contains(&c.month) || !(1..=31).contains(&c.day) || c.hour > 23 || c.minute > 59 {
        return None;
    }
    // Days from the civil date (proleptic Gregorian), counted from 1970-01-01.
    let (y, m, d) = (i64::from(c.year), i64::from(c.month), i64::from(c.day));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400
        + i64::from(c.hour) * 3600
        + i64::from(c.minute) * 60
        + i64::from(c.second.unwrap_or(0));
    Some(seconds * 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;
    use otwatch_model::logs::LogRow;

    fn values(rows: &[LogRow], spec: &LogSpec) -> Vec<Vec<String>> {
        rows.iter()
            .filter(|r| std::ptr::eq(r.spec, spec))
            .map(debug_fields)
            .collect()
    }

    fn debug_fields(r: &LogRow) -> Vec<String> {
        r.values.iter().map(|v| format!("{v:?}")).collect()
    }

    /// icsnpp-omron-fins omron_fins_tcp_commands_responses.pcap, frames 4 and 5: Run
    /// (debug mode) and its response, in one FINS/TCP message each.
    const RUN: &[u8] = &[
        0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
        0x00, 0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x04, 0x01, 0x00, 0x00,
        0x01,
    ];
    const RUN_RESPONSE: &[u8] = &[
        0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
        0x00, 0xc1, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x04, 0x01, 0x00, 0x00,
    ];

    #[test]
    fn data_link_status_per_node() {
        // icsnpp-omron-fins omron.pcap, frame 204: nodes 3 and 6 running, 17-24 without
        // warning, 25-32 without error.
        let bytes = [
            0xc1, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x06, 0x03, 0x00, 0x00,
            0x81, 0x01, 0xff, 0x24, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff,
        ];
        let f = fins::parse(&bytes).unwrap();
        let rows = data_link_status_rows(&f);
        assert_eq!(rows.len(), 32);
        let mode = |n: usize| rows[n - 1][9].clone();
        assert_eq!(mode(3), Value::Str("Run (0x01)".into()));
        assert_eq!(mode(4), Value::Str("Stop (0x00)".into()));
        assert_eq!(
            rows[16][10],
            Value::Str("Normal (0x00)".into()),
            "node 17 warning"
        );
        assert_eq!(
            rows[24][8],
            Value::Str("Normal (0x00)".into()),
            "node 25 error"
        );
        assert!(data_link_status_rows(&fins::parse(&bytes[..20]).unwrap()).is_empty());
    }

    #[test]
    fn file_name_read_response_names_the_volume_then_each_file() {
        // icsnpp-omron-fins omron.pcap, frame 221: volume "filename.txt" and one file, both
        // stamped 2065-10-21 21:42:56 (`ab 55 ad 5c`).
        let mut bytes = vec![
            0xc1, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x22, 0x01, 0x00, 0x00,
        ];
        let stamped = |b: &mut Vec<u8>| {
            b.extend_from_slice(b"filename.txt");
            b.extend_from_slice(&[0xab, 0x55, 0xad, 0x5c]);
        };
        stamped(&mut bytes);
        bytes.extend_from_slice(&[0xff; 10]);
        bytes.extend_from_slice(&[0x00, 0x01]);
        stamped(&mut bytes);
        bytes.extend_from_slice(&[0xff; 4]);
        let rows = file_rows(&fins::parse(&bytes).unwrap());
        assert_eq!(rows.len(), 2);
        let column = |name: &str| FILE_COLUMNS.iter().position(|(n, _)| *n == name).unwrap();
        assert_eq!(
            rows[0][column("volume_label")],
            Value::Str("filename.txt".into())
        );
        assert_eq!(rows[0][column("year")], Value::Count(2065));
        assert_eq!(rows[0][column("second")], Value::Count(56));
        assert_eq!(rows[0][column("no_files_read")], Value::Count(1));
        assert_eq!(
            rows[1][column("file_name")],
            Value::Str("filename.txt".into())
        );
        assert_eq!(rows[1][column("response_code")], Value::Unset);
        assert!(file_rows(&fins::parse(&bytes[..30]).unwrap()).is_empty());
    }

    #[test]
    fn clock_as_time() {
        let c = fins::clock(&[0x09, 0x01, 0x20, 0x01, 0x02, 0x01, 0x03]).unwrap();
        // 2009-01-20T01:02:01Z
        assert_eq!(clock_micros(&c), Some(1_232_413_321_000_000));
    }

    #[test]
    fn run_over_tcp_split_across_chunks_is_logged_and_reported() {
        let mut t = TestFlow::new(("192.168.0.2", 5000), ("192.168.0.1", 9600));
        let mut flow = OmronFinsFlow::default();
        flow.chunk(0, &RUN[..10], &mut t.ctx(true, 4, 1));
        flow.chunk(0, &RUN[10..], &mut t.ctx(true, 4, 1));
        flow.chunk(1, RUN_RESPONSE, &mut t.ctx(false, 5, 2));
        let general = values(&t.rows, &OMRON_FINS_GENERAL_LOG);
        assert_eq!(general.len(), 2);
        assert_eq!(general[0][3], "Count(23)");
        assert_eq!(general[0][19], "Str(\"Run (0x0401)\")");
        assert_eq!(general[1][20], "Str(\"Normal completion (0x0000)\")");
        let detail = values(&t.rows, &OMRON_FINS_DETAIL_LOG);
        assert_eq!(detail.len(), 1, "the response to Run carries no data");
        assert!(detail[0].contains(&"Str(\"Debug (1)\")".to_string()));
        assert_eq!(t.events.len(), 1);
        assert_eq!(t.events[0].kind, "omron_fins_run");
        assert!(
            t.events[0].detail.contains("Debug"),
            "{}",
            t.events[0].detail
        );
    }
}
