//! The data of HART universal commands (0 to 48) and common-practice commands (33 to 89)
//! carried in HART-IP token-passing and direct PDUs, decoded field by field.
//!
//! Each decoded field is named by the column of the ICSNPP log that holds it
//! (`hart_ip_universal_commands` or `hart_ip_common_commands`), so the engine writes a
//! command's row without a second table of names. Codes are written with ICSNPP's names for
//! engineering units, device-variable classifications and the other HART common tables; a
//! code without a name reads `unknown-0x<hex>`, as ICSNPP writes it. Strings follow the
//! HART encodings: packed ASCII (four 6-bit characters in three bytes), ISO Latin-1 (kept
//! as bytes, NULs included), dates (day, month, year since 1900) and times of day (written
//! as ICSNPP writes them, see [`time_of_day`]).
//!
//! A command whose fixed fields do not fit in its data is not decoded; fields that depend
//! on the byte count (the slots of commands 3, 9 and 33, the optional tail of command 48)
//! are decoded as far as the data reaches.

use crate::hart_ip::packed_ascii;

/// Which ICSNPP log a decoded command belongs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandLog {
    Universal,
    Common,
}

/// One decoded value.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Count(u64),
    /// An IEEE 754 single-precision value.
    Real(f32),
    Flag(bool),
    /// A name from a code table, packed ASCII text, a date or a time of day.
    Text(String),
    /// Latin-1 strings and device-specific bytes, as the device sent them.
    Bytes(Vec<u8>),
}

/// A command's fields, each under its ICSNPP column name.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedCommand {
    pub log: CommandLog,
    pub fields: Vec<(String, Field)>,
}

impl DecodedCommand {
    pub fn get(&self, column: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, f)| f)
    }
}

/// A cursor over command data; every read is checked.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self) -> Option<u32> {
        self.take(3)
            .map(|b| u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f32(&mut self) -> Option<f32> {
        self.u32().map(f32::from_bits)
    }
}

/// Fields under construction, named `<prefix>_<field>`.
struct Out {
    prefix: &'static str,
    fields: Vec<(String, Field)>,
}

impl Out {
    fn new(prefix: &'static str) -> Self {
        Out {
            prefix,
            fields: Vec::new(),
        }
    }
    fn put(&mut self, name: &str, f: Field) {
        self.fields.push((format!("{}_{name}", self.prefix), f));
    }
    fn count(&mut self, name: &str, v: impl Into<u64>) {
        self.put(name, Field::Count(v.into()));
    }
    fn real(&mut self, name: &str, v: f32) {
        self.put(name, Field::Real(v));
    }
    fn flag(&mut self, name: &str, byte: u8, bit: u8) {
        self.put(name, Field::Flag(byte >> bit & 1 == 1));
    }
    fn text(&mut self, name: &str, v: String) {
        self.put(name, Field::Text(v));
    }
    fn name(&mut self, name: &str, table: fn(u16) -> Option<&'static str>, code: u16) {
        self.text(name, code_name(table, code));
    }
    fn bytes(&mut self, name: &str, v: &[u8]) {
        self.put(name, Field::Bytes(v.to_vec()));
    }
    fn done(self, log: CommandLog) -> Option<DecodedCommand> {
        Some(DecodedCommand {
            log,
            fields: self.fields,
        })
    }
}

/// A code's name, or `unknown-0x<hex>` as ICSNPP writes codes its tables lack.
pub fn code_name(table: fn(u16) -> Option<&'static str>, code: u16) -> String {
    table(code).map_or_else(|| format!("unknown-0x{code:x}"), str::to_string)
}

/// The data of one HART command (after the response code and device status in a
/// response), decoded as ICSNPP decodes it. `None` for commands ICSNPP leaves to the raw
/// data column, for requests or responses that carry no fields of their own, for empty
/// data, and when the fixed fields do not fit.
pub fn decode(cmd: u16, request: bool, data: &[u8]) -> Option<DecodedCommand> {
    if data.is_empty() {
        return None;
    }
    let response = !request;
    let n = data.len();
    let mut r = Reader { data, pos: 0 };
    let r = &mut r;
    use CommandLog::{Common, Universal};
    match cmd {
        0 if response => identity(r, "read_unique_identifier_response", Universal),
        1 if response => {
            let mut o = Out::new("read_primary_variable_response");
            o.name("primary_variable_units", unit_name, r.u8()?.into());
            o.real("primary_variable", r.f32()?);
            o.done(Universal)
        }
        2 if response => {
            let mut o = Out::new("read_loop_current_response");
            o.real("primary_variable_loop_current", r.f32()?);
            o.real("primary_variable_percent_range", r.f32()?);
            o.done(Universal)
        }
        3 if response => {
            let mut o = Out::new("read_dynamic_variable_response");
            o.real("primary_variable_loop_current", r.f32()?);
            for (min, which) in [
                (9, "primary"),
                (14, "secondary"),
                (19, "tertiary"),
                (24, "quaternary"),
            ] {
                if n >= min {
                    o.name(
                        &format!("{which}_variable_units"),
                        unit_name,
                        r.u8()?.into(),
                    );
                    o.real(&format!("{which}_variable"), r.f32()?);
                }
            }
            o.done(Universal)
        }
        6 => {
            let mut o = Out::new("write_polling_address");
            o.count("polling_address_device", r.u8()?);
            if response || n >= 2 {
                o.name("loop_current_mode", loop_current_mode_name, r.u8()?.into());
            }
            o.done(Universal)
        }
        7 if response => {
            let mut o = Out::new("read_loop_configuration_response");
            o.count("polling_address_device", r.u8()?);
            o.name("loop_current_mode", loop_current_mode_name, r.u8()?.into());
            o.done(Universal)
        }
        8 if response => {
            let mut o = Out::new("read_dynamic_variable_classifications_response");
            for which in ["primary", "secondary", "tertiary", "quaternary"] {
                o.name(
                    &format!("{which}_variable_classification"),
                    classification_name,
                    r.u8()?.into(),
                );
            }
            o.done(Universal)
        }
        9 if request => {
            let mut o = Out::new("read_device_variable_request");
            for slot in 0..8usize {
                if n > slot {
                    o.count(&format!("slot{slot}_device_variable_code"), r.u8()?);
                }
            }
            o.done(Universal)
        }
        9 => {
            let mut o = Out::new("read_device_variable_response");
            extended_status(&mut o, "extended_field_device_status", r.u8()?);
            for slot in 0..8usize {
                if n >= 9 + 8 * slot {
                    device_variable_slot(&mut o, r, &format!("slot{slot}"))?;
                }
            }
            o.count("slot0_time", r.u32()?);
            o.done(Universal)
        }
        11 if request => {
            let mut o = Out::new("read_unique_identifier_tag_request");
            o.text("tag", packed_ascii(r.take(6)?));
            o.done(Universal)
        }
        11 => identity(r, "read_unique_identifier_tag_response", Universal),
        12 if response => {
            let mut o = Out::new("read_message_response");
            o.text("message", packed_ascii(r.take(24)?));
            o.done(Universal)
        }
        13 if response => {
            let mut o = Out::new("read_tag_response");
            o.text("tag", packed_ascii(r.take(6)?));
            o.text("descriptor", packed_ascii(r.take(12)?));
            o.text("date_code", date(r.take(3)?));
            o.done(Universal)
        }
        14 if response => {
            let mut o = Out::new("read_primary_variable_transducer_information_response");
            o.count("p_v_transducer_serial_number", r.u24()?);
            o.name("p_v_transducer_limits_units", unit_name, r.u8()?.into());
            o.real("p_v_upper_transducer_limit", r.f32()?);
            o.real("p_v_lower_transducer_limit", r.f32()?);
            o.real("p_v_minimum_span", r.f32()?);
            o.done(Universal)
        }
        15 if response => {
            let mut o = Out::new("read_device_information_response");
            o.name(
                "p_v_alarm_selection_code",
                alarm_selection_name,
                r.u8()?.into(),
            );
            o.name(
                "p_v_transfer_function_code",
                transfer_function_name,
                r.u8()?.into(),
            );
            o.name("p_v_upper_lower_range", unit_name, r.u8()?.into());
            o.real("p_v_upper_range_value", r.f32()?);
            o.real("p_v_lower_range_value", r.f32()?);
            o.real("p_v_damping_value", r.f32()?);
            o.name("write_protect_code", write_protect_name, r.u8()?.into());
            o.count("_250", r.u8()?);
            let flags = r.u8()?;
            o.count("p_v_analog_channel_flags_undefined_bits", flags >> 1);
            o.flag("p_v_analog_channel_flags_analog_channel", flags, 0);
            o.done(Universal)
        }
        16 if response => {
            let mut o = Out::new("read_final_assembly_number_response");
            o.count("final_assembly_number", r.u24()?);
            o.done(Universal)
        }
        17 => {
            let mut o = Out::new("write_message");
            o.text("message_string", packed_ascii(r.take(24)?));
            o.done(Universal)
        }
        18 => {
            let mut o = Out::new("write_tag_descriptor_date");
            o.text("tag", packed_ascii(r.take(6)?));
            o.text("record_keeping_descriptor", packed_ascii(r.take(12)?));
            o.text("date_code", date(r.take(3)?));
            o.done(Universal)
        }
        19 => {
            let mut o = Out::new("write_final_assembly_number");
            o.count("final_assembly_number", r.u24()?);
            o.done(Universal)
        }
        20 if response => {
            let mut o = Out::new("read_long_tag_response");
            o.bytes("long_tag", r.take(32)?);
            o.done(Universal)
        }
        21 if request => {
            let mut o = Out::new("read_unique_identifier_long_tag_request");
            o.bytes("long_tag", r.take(32)?);
            o.done(Universal)
        }
        21 => identity(r, "read_unique_identifier_long_tag_response", Universal),
        22 => {
            let mut o = Out::new("write_long_tag");
            o.bytes("long_tag", r.take(32)?);
            o.done(Universal)
        }
        38 => {
            let mut o = Out::new("reset_configuration_changed_flag");
            if response || n >= 2 {
                o.count("configuration_change_counter", r.u16()?);
            }
            o.done(Universal)
        }
        48 => additional_device_status(r, n),
        33 if request => {
            let mut o = Out::new("read_device_variables_request");
            for slot in 0..4usize {
                if n > slot {
                    o.count(&format!("slot{slot}_device_variable_code"), r.u8()?);
                }
            }
            o.done(Common)
        }
        33 => {
            let mut o = Out::new("read_device_variables_response");
            for slot in 0..4usize {
                if n >= 6 + 6 * slot {
                    o.count(&format!("slot{slot}_device_variable_code"), r.u8()?);
                    o.name(&format!("slot{slot}_units_code"), unit_name, r.u8()?.into());
                    o.real(&format!("slot{slot}_device_variable"), r.f32()?);
                }
            }
            o.done(Common)
        }
        34 => {
            let mut o = Out::new("write_primary_variable_damping_value");
            o.real("pv_damping_value", r.f32()?);
            o.done(Common)
        }
        35 => {
            let mut o = Out::new("write_primary_variable_range_values");
            o.name(
                "pv_upper_and_lower_range_values_units_code",
                unit_name,
                r.u8()?.into(),
            );
            o.real("pv_upper_range_value", r.f32()?);
            o.real("p_v_lower_range_value", r.f32()?);
            o.done(Common)
        }
        39 => {
            let mut o = Out::new("eeprom_control");
            o.name("eeprom_control_code", eeprom_control_name, r.u8()?.into());
            o.done(Common)
        }
        40 => {
            let mut o = Out::new("enter_exit_fixed_current_mode");
            o.real("pv_fixed_current_level", r.f32()?);
            o.done(Common)
        }
        44 => {
            let mut o = Out::new("write_primary_variable_units");
            o.name("pv_unit_codes", unit_name, r.u8()?.into());
            o.done(Common)
        }
        45 | 46 => {
            let mut o = Out::new(if cmd == 45 {
                "trim_loop_current_zero"
            } else {
                "trim_loop_current_gain"
            });
            o.real("measured_pv_loop_current_level", r.f32()?);
            o.done(Common)
        }
        47 => {
            let mut o = Out::new("write_primary_variable_transfer_function");
            o.name(
                "p_v_transfer_function_code",
                transfer_function_name,
                r.u8()?.into(),
            );
            o.done(Common)
        }
        49 => {
            let mut o = Out::new("write_primary_variable_transducer_serial_number");
            o.count("pv_transducer_serial_number", r.u24()?);
            o.done(Common)
        }
        50 if response => {
            let mut o = Out::new("read_dynamic_variable_assignments_response");
            for which in ["primary", "secondary", "tertiary", "quaternary"] {
                o.count(
                    &format!("device_variable_assigned_to_{which}_variable"),
                    r.u8()?,
                );
            }
            o.done(Common)
        }
        51 => {
            let mut o = Out::new("write_dynamic_variable_assignments");
            for (i, which) in ["primary", "secondary", "tertiary", "quaternary"]
                .into_iter()
                .enumerate()
            {
                if i == 0 || response || n > i {
                    o.count(
                        &format!("device_variable_assigned_to_{which}_variable"),
                        r.u8()?,
                    );
                }
            }
            o.done(Common)
        }
        52 => {
            let mut o = Out::new("set_device_variable_zero");
            o.count("device_variable_zeroed", r.u8()?);
            o.done(Common)
        }
        53 => {
            let mut o = Out::new("write_device_variable_units");
            o.count("device_variable_code", r.u8()?);
            // ICSNPP names this units code from the classification table; kept so that
            // the column agrees.
            o.name(
                "device_variable_units_code",
                classification_name,
                r.u8()?.into(),
            );
            o.done(Common)
        }
        54 if request => {
            let mut o = Out::new("read_device_variable_information_request");
            o.count("device_variable_code", r.u8()?);
            o.done(Common)
        }
        54 => {
            let mut o = Out::new("read_device_variable_information_response");
            o.count("device_variable_code", r.u8()?);
            o.count("device_variable_transducer_serial_number", r.u24()?);
            o.name(
                "device_variable_limits_minimum_span_units_code",
                unit_name,
                r.u8()?.into(),
            );
            o.real("device_variable_upper_transducer_limit", r.f32()?);
            o.real("device_variable_lower_transducer_limit", r.f32()?);
            o.real("device_variable_damping_value", r.f32()?);
            o.real("device_variable_minimum_span", r.f32()?);
            o.name(
                "device_variable_classification",
                classification_name,
                r.u8()?.into(),
            );
            o.name("device_variable_family", family_name, r.u8()?.into());
            o.text("acquisition_period", time_of_day(r.u32()?));
            let props = r.u8()?;
            o.flag("device_variable_properties_is_simulated", props, 7);
            o.count(
                "device_variable_properties_undefined_bits_1_6",
                props >> 1 & 0x3f,
            );
            o.flag("device_variable_properties_is_input", props, 0);
            o.done(Common)
        }
        55 => {
            let mut o = Out::new("write_device_variable_damping_value");
            o.count("device_variable_code", r.u8()?);
            o.real("device_variable_damping_value", r.f32()?);
            o.done(Common)
        }
        56 => {
            let mut o = Out::new("write_device_variable_transducer_serial_no");
            o.count("device_variable_code", r.u8()?);
            o.count("device_variable_transducer_serial_number", r.u24()?);
            o.done(Common)
        }
        57 if response => unit_tag(r, "read_unit_tag_descriptor_date_response"),
        58 => unit_tag(r, "write_unit_tag_descriptor_date"),
        59 => {
            let mut o = Out::new("write_number_of_response_preambles");
            o.count("number_of_preambles", r.u8()?);
            o.done(Common)
        }
        60 if request => {
            let mut o = Out::new("read_analog_channel_and_percent_of_range_request");
            o.count("analog_channel_number_code", r.u8()?);
            o.done(Common)
        }
        60 => {
            let mut o = Out::new("read_analog_channel_and_percent_of_range_response");
            o.count("analog_channel_number_code", r.u8()?);
            o.name("analog_channel_units_code", unit_name, r.u8()?.into());
            o.real("analog_channel_level", r.f32()?);
            o.real("analog_channel_percent_of_range", r.f32()?);
            o.done(Common)
        }
        61 if response => {
            let mut o =
                Out::new("read_dynamic_variables_and_primary_variable_analog_channel_response");
            o.name(
                "primary_variable_analog_channel_units_code",
                unit_name,
                r.u8()?.into(),
            );
            o.real("primary_variable_analog_level", r.f32()?);
            for which in ["primary", "secondary", "tertiary", "quaternary"] {
                o.name(
                    &format!("{which}_variable_units_code"),
                    unit_name,
                    r.u8()?.into(),
                );
                o.real(&format!("{which}_variable"), r.f32()?);
            }
            o.done(Common)
        }
        62 if request => {
            let mut o = Out::new("read_analog_channels_request");
            for slot in 0..4 {
                o.count(&format!("analog_channel_number_code_slot{slot}"), r.u8()?);
            }
            o.done(Common)
        }
        62 => {
            let mut o = Out::new("read_analog_channels_response");
            for slot in 0..4 {
                o.count(&format!("analog_channel_number_code_slot{slot}"), r.u8()?);
                o.name(
                    &format!("analog_channel_units_code_slot{slot}"),
                    unit_name,
                    r.u8()?.into(),
                );
                o.real(&format!("analog_channel_level_slot{slot}"), r.f32()?);
            }
            o.done(Common)
        }
        63 if request => {
            let mut o = Out::new("read_analog_channel_information_request");
            o.count("analog_channel_number_code", r.u8()?);
            o.done(Common)
        }
        63 => {
            let mut o = Out::new("read_analog_channel_information_response");
            o.count("analog_channel_number_code", r.u8()?);
            o.name(
                "analog_channel_alarm_selection_code",
                alarm_selection_name,
                r.u8()?.into(),
            );
            o.name(
                "analog_channel_transfer_function_code",
                transfer_function_name,
                r.u8()?.into(),
            );
            o.name(
                "analog_channel_upper_and_lower_range_values_units_code",
                unit_name,
                r.u8()?.into(),
            );
            o.real("analog_channel_upper_range_value", r.f32()?);
            o.real("analog_channel_lower_range_value", r.f32()?);
            o.real("analog_channel_damping_value", r.f32()?);
            let flags = r.u8()?;
            o.flag("analog_channel_flags_is_simulated", flags, 7);
            o.count("analog_channel_flags_undefined_bits_1_6", flags >> 1 & 0x3f);
            o.flag("analog_channel_flags_is_input", flags, 0);
            o.done(Common)
        }
        64 => {
            let mut o = Out::new("write_analog_channel_additional_damping_value");
            o.count("analog_channel_number_code", r.u8()?);
            o.real("analog_channel_damping_value", r.f32()?);
            o.done(Common)
        }
        65 => {
            let mut o = Out::new("write_analog_channel_range_values");
            o.count("analog_channel_number_code", r.u8()?);
            o.name(
                "analog_channel_upper_and_lower_range_values_units_code",
                unit_name,
                r.u8()?.into(),
            );
            o.real("analog_channel_upper_range_value", r.f32()?);
            o.real("analog_channel_lower_range_value", r.f32()?);
            o.done(Common)
        }
        66 => {
            let mut o = Out::new("enter_exit_fixed_analog_channel_mode");
            o.count("analog_channel_number_code", r.u8()?);
            o.name("analog_channel_units_code", unit_name, r.u8()?.into());
            o.real("fixed_analog_channel_level", r.f32()?);
            o.done(Common)
        }
        67 | 68 => {
            let mut o = Out::new(if cmd == 67 {
                "trim_analog_channel_zero"
            } else {
                "trim_analog_channel_gain"
            });
            o.count("analog_channel_number_code", r.u8()?);
            o.name("analog_channel_units_code", unit_name, r.u8()?.into());
            o.real("analog_channel_level", r.f32()?);
            o.done(Common)
        }
        69 => {
            let mut o = Out::new("write_analog_channel_transfer_function");
            o.count("analog_channel_number_code", r.u8()?);
            // ICSNPP's column name for the transfer function code.
            o.name(
                "analog_channel_units_code",
                transfer_function_name,
                r.u8()?.into(),
            );
            o.done(Common)
        }
        70 if request => {
            let mut o = Out::new("read_analog_channel_endpoint_values_request");
            o.count("analog_channel_number_code", r.u8()?);
            o.done(Common)
        }
        70 => {
            let mut o = Out::new("read_analog_channel_endpoint_values_response");
            o.count("analog_channel_number_code", r.u8()?);
            o.name(
                "analog_channel_upper_and_lower_endpoint_values_units_code",
                unit_name,
                r.u8()?.into(),
            );
            o.real("analog_channel_upper_endpoint_value", r.f32()?);
            o.real("analog_channel_lower_endpoint_value", r.f32()?);
            o.real("analog_channel_upper_limit_value", r.f32()?);
            o.real("analog_channel_lower_limit_value", r.f32()?);
            o.done(Common)
        }
        71 => {
            let mut o = Out::new("lock_device");
            o.name("lock_code", lock_code_name, r.u8()?.into());
            o.done(Common)
        }
        72 => {
            let mut o = Out::new("squawk");
            if response || n > 1 {
                o.name("squawk_control", squawk_name, r.u8()?.into());
            }
            o.done(Common)
        }
        73 if response => identity(r, "find_device_response", Common),
        74 if response => {
            let mut o = Out::new("read_io_system_capabilities_response");
            o.count("max_io_cards", r.u8()?);
            o.count("max_channels_per_io_card", r.u8()?);
            o.count("max_sub_devices_per_channel", r.u8()?);
            o.count("number_of_devices_detected", r.u16()?);
            o.count("max_delayed_responses_supported", r.u8()?);
            o.name("master_mode", master_mode_name, r.u8()?.into());
            o.count("retry_count", r.u8()?);
            o.done(Common)
        }
        75 if request => {
            let mut o = Out::new("poll_sub_device_request");
            o.count("io_card", r.u8()?);
            o.count("channel", r.u8()?);
            o.count("sub_device_polling_address", r.u8()?);
            o.done(Common)
        }
        75 => identity(r, "poll_sub_device_response", Common),
        76 if response => {
            let mut o = Out::new("read_lock_device_state_response");
            let s = r.u8()?;
            o.count("lock_status_undefined_bits", s >> 5);
            o.flag("lock_status_lock_gateway", s, 4);
            o.flag("lock_status_configuration_locked", s, 3);
            o.flag("lock_status_lock_primary", s, 2);
            o.flag("lock_status_lock_permanent", s, 1);
            o.flag("lock_status_device_locked", s, 0);
            o.done(Common)
        }
        79 => {
            let mut o = Out::new("write_device_variable");
            o.count("device_variable_code", r.u8()?);
            o.name(
                "write_device_variable_command_code",
                write_device_variable_name,
                r.u8()?.into(),
            );
            o.name("units_code", unit_name, r.u8()?.into());
            o.real("device_variable_value", r.f32()?);
            variable_status(&mut o, "device_variable_status", r.u8()?);
            o.done(Common)
        }
        80 => {
            let mut o = Out::new("read_device_variable_trim_points");
            o.count("device_variable_code", r.u8()?);
            if response {
                o.name("response_trim_points_units_code", unit_name, r.u8()?.into());
                o.real("response_lower_or_single_trim_point", r.f32()?);
                o.real("response_upper_trim_point", r.f32()?);
            }
            o.done(Common)
        }
        81 => {
            let mut o = Out::new("read_device_variable_trim_guidelines");
            o.count("device_variable_guidelines", r.u8()?);
            o.done(Common)
        }
        82 => {
            let mut o = Out::new("write_device_variable_trim_point");
            o.count("device_variable_to_trim", r.u8()?);
            o.name("trim_point", trim_point_name, r.u8()?.into());
            o.name("trim_points_units_code", unit_name, r.u8()?.into());
            o.real("trim_point_value", r.f32()?);
            o.done(Common)
        }
        83 => {
            let mut o = Out::new("reset_device_variable_trim");
            o.count("device_variable_trim_to_reset", r.u8()?);
            o.done(Common)
        }
        84 => {
            let mut o = Out::new("read_sub_device_identity_summary");
            o.count("sub_device_index", r.u16()?);
            if response {
                o.count("response_io_card", r.u8()?);
                o.count("response_channel", r.u8()?);
                o.name(
                    "response_manufacturer_identification_code",
                    manufacturer_name,
                    r.u16()?,
                );
                o.name("response_expanded_device_type", device_type_name, r.u16()?);
                o.count("response_device_id", r.u24()?);
                o.count("response_universal_command_revision_level", r.u8()?);
                o.bytes("response_long_tag", r.take(32)?);
                o.count("response_device_revision", r.u8()?);
                o.name(
                    "response_device_profile",
                    device_profile_name,
                    r.u8()?.into(),
                );
                o.name(
                    "response_private_label_distributor_code",
                    manufacturer_name,
                    r.u16()?,
                );
            }
            o.done(Common)
        }
        85 => {
            let mut o = Out::new("read_io_channel_statistics");
            o.count("io_card", r.u8()?);
            o.count("channel", r.u8()?);
            if response {
                for c in ["stx", "ack", "ostx", "oack", "back"] {
                    o.count(&format!("response_{c}_count"), r.u16()?);
                }
            }
            o.done(Common)
        }
        86 => {
            let mut o = Out::new("read_sub_device_statistics");
            o.count("sub_device_index", r.u16()?);
            if response {
                for c in ["stx", "ack", "back"] {
                    o.count(&format!("response_{c}_count"), r.u16()?);
                }
            }
            o.done(Common)
        }
        87 => {
            let mut o = Out::new("write_io_system_master_mode");
            o.name("master_mode", master_mode_name, r.u8()?.into());
            o.done(Common)
        }
        88 => {
            let mut o = Out::new("write_io_system_retry_count");
            o.count("retry_count", r.u8()?);
            o.done(Common)
        }
        89 => {
            let mut o = Out::new("set_real_time_clock");
            o.name("time_set_code", time_set_name, r.u8()?.into());
            o.text("date", date(r.take(3)?));
            o.text("time_of_day", time_of_day(r.u32()?));
            if request {
                o.count("null_bytes", r.u16()?);
            }
            o.done(Common)
        }
        _ => None,
    }
}

/// The identity block of commands 0, 11, 21 (and 73, 75 for sub-devices).
fn identity(r: &mut Reader<'_>, prefix: &'static str, log: CommandLog) -> Option<DecodedCommand> {
    let mut o = Out::new(prefix);
    o.count("_254", r.u8()?);
    o.name("expanded_device_type", device_type_name, r.u16()?);
    o.count("minimum_preambles_master_slave", r.u8()?);
    o.count("hart_protocol_major_revision", r.u8()?);
    o.count("device_revision_level", r.u8()?);
    o.count("software_revision_level", r.u8()?);
    let hw = r.u8()?;
    o.count(
        "hardware_revision_level_and_physical_signaling_codes_hardware_revision_level",
        hw >> 3,
    );
    o.name(
        "hardware_revision_level_and_physical_signaling_codes_physical_signaling_code",
        physical_signaling_name,
        u16::from(hw & 0x07),
    );
    let flags = r.u8()?;
    for (bit, name) in [
        (7, "c8_psk_in_multi_drop_only"),
        (6, "c8_psk_capable_field_device"),
        (5, "undefined_5"),
        (4, "safehart_capable_field_device"),
        (3, "ieee_802_15_4_dsss_o_qpsk_modulation"),
        (2, "protocol_bridge_device"),
        (1, "eeprom_control"),
        (0, "mutli_sensor_field_device"),
    ] {
        o.flag(&format!("flags_{name}"), flags, bit);
    }
    o.count("device_id", r.u24()?);
    o.count("number_preambles_slave_master", r.u8()?);
    o.count("last_device_variable_this", r.u8()?);
    o.count("configuration_change_counter", r.u16()?);
    extended_status(&mut o, "extended_field_device_status", r.u8()?);
    o.name(
        "manufacturer_identification_code",
        manufacturer_name,
        r.u16()?,
    );
    o.name(
        "private_label_distributor_code",
        manufacturer_name,
        r.u16()?,
    );
    o.name("device_profile", device_profile_name, r.u8()?.into());
    o.done(log)
}

/// Common Table 17: two undefined bits (as one number) and six flags.
fn extended_status(o: &mut Out, prefix: &str, s: u8) {
    o.count(&format!("{prefix}_undefined_bits"), s >> 6);
    for (bit, name) in [
        (5, "function_check"),
        (4, "out_of_specification"),
        (3, "failure"),
        (2, "critical_power_failure"),
        (1, "device_variable_alert"),
        (0, "maintenance_required"),
    ] {
        o.flag(&format!("{prefix}_{name}"), s, bit);
    }
}

/// A device variable's status byte: process-data quality, limit, more status, family bits.
fn variable_status(o: &mut Out, prefix: &str, s: u8) {
    o.name(
        &format!("{prefix}_process_data_status"),
        process_data_status_name,
        u16::from(s >> 6),
    );
    o.name(
        &format!("{prefix}_limit_status"),
        limit_status_name,
        u16::from(s >> 4 & 0x03),
    );
    o.flag(
        &format!("{prefix}_more_device_variable_status_available"),
        s,
        3,
    );
    o.count(&format!("{prefix}_device_family_specific_status"), s & 0x07);
}

/// One slot of a command 9 response: code, classification, units, value, status.
fn device_variable_slot(o: &mut Out, r: &mut Reader<'_>, slot: &str) -> Option<()> {
    o.count(&format!("{slot}_device_variable_code"), r.u8()?);
    o.name(
        &format!("{slot}_device_variable_class"),
        classification_name,
        r.u8()?.into(),
    );
    o.name(&format!("{slot}_units_code"), unit_name, r.u8()?.into());
    o.real(&format!("{slot}_device_variable"), r.f32()?);
    variable_status(o, &format!("{slot}_device_variable_status"), r.u8()?);
    Some(())
}

fn unit_tag(r: &mut Reader<'_>, prefix: &'static str) -> Option<DecodedCommand> {
    let mut o = Out::new(prefix);
    o.text("unit_tag", packed_ascii(r.take(6)?));
    o.text("unit_descriptor", packed_ascii(r.take(6)?));
    o.text("unit_date", date(r.take(3)?));
    o.done(CommandLog::Common)
}

/// Command 48: six device-specific bytes, extended status, operating mode and standardized
/// status 0 when at least nine bytes came; the later status bytes as far as the data goes.
fn additional_device_status(r: &mut Reader<'_>, n: usize) -> Option<DecodedCommand> {
    let mut o = Out::new("read_additional_device_status_contents");
    if n < 9 {
        return o.done(CommandLog::Universal);
    }
    o.bytes("device_specific_status_0", r.take(6)?);
    extended_status(&mut o, "extended_field_device_status", r.u8()?);
    o.name("device_operating_mode", operating_mode_name, r.u8()?.into());
    let s0 = r.u8()?;
    for (bit, name) in [
        (7, "device_configuration_lock"),
        (6, "electronic_defect"),
        (5, "environmental_conditions_out_of_range"),
        (4, "power_supply_conditions_out_of_range"),
        (3, "watchdog_reset_executed"),
        (2, "volatile_memory_defect"),
        (1, "non_volatile_memory_defect"),
        (0, "device_variable_simulation_active"),
    ] {
        o.flag(&format!("standardized_status0_{name}"), s0, bit);
    }
    type Bits = &'static [(u8, &'static str)];
    let tail: [(usize, &str, u8, Bits); 5] = [
        (
            10,
            "standardized_status1",
            5,
            &[
                (4, "reserved"),
                (3, "battery_or_power_supply_needs_maintenance"),
                (2, "event_notification_overflow"),
                (1, "discrete_variable_simulation_active"),
                (0, "status_simulation_active"),
            ],
        ),
        (
            11,
            "analog_channel_saturated",
            4,
            &[
                (3, "quinary_analog"),
                (2, "quaternary_analog"),
                (1, "tertiary_analog"),
                (0, "secondary_analog"),
            ],
        ),
        (
            12,
            "standardized_status2",
            5,
            &[
                (4, "stale_data_notice"),
                (3, "sub_device_with_duplicate_id"),
                (2, "sub_device_mismatch"),
                (1, "duplicate_master_detected"),
                (0, "sub_device_list_changed"),
            ],
        ),
        (
            13,
            "standardized_status3",
            5,
            &[
                (4, "radio_failure"),
                (3, "block_transfer_pending"),
                (2, "bandwith_allocation_pending"),
                (1, "resereved"),
                (0, "capacity_denied"),
            ],
        ),
        (14, "analog_channel", 1, &[(0, "analog_channel")]),
    ];
    for (min, group, undefined_from, bits) in tail {
        if n < min {
            break;
        }
        let b = r.u8()?;
        o.count(&format!("{group}_undefined_bits"), b >> undefined_from);
        for &(bit, name) in bits {
            o.flag(&format!("{group}_{name}"), b, bit);
        }
    }
    if n >= 15 {
        o.bytes("device_specific_status_1", r.take(11)?);
    }
    o.done(CommandLog::Universal)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A HART date (day, month, years since 1900) as ICSNPP writes it: `August 23, 2010`; a
/// month outside 1..=12 reads `InvalidMonth`.
pub fn date(b: &[u8]) -> String {
    let (day, month, year) = match b {
        [d, m, y, ..] => (*d, *m, *y),
        _ => return String::new(),
    };
    let month = usize::from(month)
        .checked_sub(1)
        .and_then(|i| MONTHS.get(i))
        .copied()
        .unwrap_or("InvalidMonth");
    format!("{month} {day}, {}", 1900 + u32::from(year))
}

/// A HART time of day as ICSNPP writes it: the count (1/32 ms units by the specification)
/// divided by 32 and read as seconds, then the hours, minutes and seconds that are not
/// zero, `1 hours, 2 minutes, 3.500000 seconds since midnight`. The column agrees with
/// ICSNPP at the cost of a factor of 1000 against the specification.
pub fn time_of_day(t: u32) -> String {
    let fraction = (t % 32) as f32 / 32.0;
    let total_seconds = t / 32;
    let seconds = total_seconds % 60;
    let minutes = total_seconds / 60 % 60;
    let hours = total_seconds / 3600;
    let mut parts = Vec::new();
    if hours > 0 {
        parts.push(format!("{hours} hours"));
    }
    if minutes > 0 {
        parts.push(format!("{minutes} minutes"));
    }
    if seconds > 0 || fraction > 0.0 {
        parts.push(format!(
            "{:.6} seconds since midnight",
            fraction + seconds as f32
        ));
    }
    parts.join(", ")
}

/// Common Table 2, engineering units, with ICSNPP's names (abbreviation and name; the
/// names whose abbreviation is a symbol start with a space, ` PERCENT`).
pub fn unit_name(code: u16) -> Option<&'static str> {
    Some(match code {
        1 => "INH20 INCHES OF WATER AT 68 F 20 C",
        2 => "INHG INCHES OF MERCURY AT 0 C",
        3 => "FTH20 FEET OF WATER AT 68 F 20 C",
        4 => "MMH20 MILLIMETERS OF WATER AT 68 F 20 C",
        5 => "MMHG MILLIMETERS OF MERCURY AT 0 C",
        6 => "PSI POUNDS PER SQUARE INCH",
        7 => "BAR BARS",
        8 => "MBAR MILLIBARS",
        9 => "GLCM2 GRAMS PER SQUARE CENTIMETER",
        10 => "KGLTM2 KILOGRAMS PER SQUARE CENTIMETER",
        11 => "PA PASCALS",
        12 => "KPA KILOPASCALS",
        13 => "TORR TORR",
        14 => "ATM ATMOSPHERES",
        15 => "MIN CUBIC FEET PER MINUTE",
        16 => "GALMIN GALLONS PER MINUTE",
        17 => "VMIN LITERS PER MINUTE",
        18 => "GALUKMIN IMPERIAL GALLONS PER MINUTE",
        19 => "MH CUBIC METER PER HOUR",
        20 => "FTS FEET PER SECOND",
        21 => "MS METERS PER SECOND",
        22 => "GALS GALLONS PER SECOND",
        23 => "MGALD MILLION GALLONS PER DAY",
        24 => "LS LITERS PER SECOND",
        25 => "MID MILLION LITERS PER DAY",
        26 => "TLS CUBIC FEET PER SECOND",
        27 => "RD CUBIC FEET PER DAY",
        28 => "MS CUBIC METERS PER SECOND",
        29 => "MD CUBIC METERS PER DAY",
        30 => "GAL UKH IMPERIAL GALLONS PER HOUR",
        31 => "GAL UKD IMPERIAL GALLONS PER DAY",
        32 => "C DEGREES CELSIUS",
        33 => "F DEGREES FAHRENHEIT",
        34 => "R DEGREES RANKINE",
        35 => "K KELVIN",
        36 => "MV MILLIVOLTS",
        37 => "Q OHMS",
        38 => "HZ HERTZ",
        39 => "MA MILLIAMPERES",
        40 => "GAL GALLONS",
        41 => " LITERS",
        42 => "GAL UK IMPERIAL GALLONS",
        43 => "M3 CUBIC METERS",
        44 => "FT FEET",
        45 => "M METERS",
        46 => "BBL BARRELS",
        47 => "IN INCHES",
        48 => "CM CENTIMETERS",
        49 => "MM MILLIMETERS",
        50 => "MIN MINUTES",
        51 => "S SECONDS",
        52 => "H HOURS",
        53 => "D DAYS",
        54 => "CST CENTISTOKES",
        55 => "CP CENTIPOISE",
        56 => "USS MICROSIEMENS",
        57 => " PERCENT",
        58 => "V VOLTS",
        59 => "PH POTENTIAL OF HYDROGEN ACIDITY OR ALKALINITY",
        60 => "G GRAMS",
        61 => "KG KILOGRAMS",
        62 => "T METRIC TONS",
        63 => "IB POUNDS",
        64 => "TON SHORT TONS",
        65 => "TON UK LONG TONS",
        66 => "MSCM MILLI SIEMENS PER CENTIMETER",
        67 => "USCM MICRO SIEMENS PER CENTIMETER",
        68 => "N NEWTON",
        69 => "J JOULE",
        70 => "GS GRAMS PER SECOND",
        71 => "GMIN GRAMS PER MINUTE",
        72 => "GH GRAMS PER HOUR",
        73 => "KGS KILOGRAMS PER SECOND",
        74 => "KGMIN KILOGRAMS PER MINUTE",
        75 => "KGH KILOGRAMS PER HOUR",
        76 => "KGD KILOGRAMS PER DAY",
        77 => "TMIN METRIC TONS PER MINUTE",
        78 => "TH METRIC TONS PER HOUR",
        79 => "TD METRIC TONS PER DAY",
        80 => "IBS POUNDS PER SECOND",
        81 => "IBMIN POUNDS PER MINUTE",
        82 => "IBH POUNDS PER HOUR",
        83 => "IBD POUNDS PER DAY",
        84 => "TONMIN SHORT TONS PER MINUTE",
        85 => "TONH SHORT TONS PER HOUR",
        86 => "TOND SHORT TONS PER DAY",
        87 => "TON UKH LONG TONS PER HOUR",
        88 => "TON UKD LONG TONS PER DAY",
        89 => "DTH DEKA THERM",
        90 => "SG SPECIFIC GRAVITY UNITS",
        91 => "GM3 GRAMS PER CUBIC CENTIMETER",
        92 => "KGLM3 KILOGRAMS PER CUBIC METER",
        93 => "IBGAL POUNDS PER GALLON",
        94 => "IBFT POUNDS PER CUBIC FOOT",
        95 => "GML GRAMS PER MILLILITER",
        96 => "KGL KILOGRAMS PER LITER",
        97 => "GL GRAMS PER LITER",
        98 => "IBIN POUNDS PER CUBIC INCH",
        99 => "TONYD3 SHORT TONS PER CUBIC YARD",
        100 => "TW DEGREES TWADDELL",
        101 => "BX DEGREES BRIX",
        102 => "B DEGREES BAUME HEAVY",
        103 => "BE LIGHT DEGREES BAUME LIGHT",
        104 => "DEGREES API DEGREES API",
        105 => " PERCENT SOLIDS PER WEIGHT",
        106 => " PERCENT SOLIDS PER VOLUME",
        107 => "BG DEGREES BALLING",
        108 => "PROOFVOL PROOF PER VOLUME",
        109 => "PROOFMASS PROOF PER MASS",
        110 => "BU BUSHELS",
        111 => "YD3 CUBIC YARDS",
        112 => "FT3 CUBIC FEET",
        113 => "IN3 CUBIC INCHES",
        114 => "INS INCHES PER SECOND",
        115 => "INMIN INCHES PER MINUTE",
        116 => "FTMIN FEET PER MINUTE",
        117 => "S DEGREES PER SECOND",
        118 => "RPS REVOLUTIONS PER SECOND",
        119 => "RPM REVOLUTIONS PER MINUTE",
        120 => "MH METERS PER HOUR",
        121 => "NMH NORMAL CUBIC METER PER HOUR",
        122 => "NIH NORMAL LITER PER HOUR",
        123 => "SCFMIN STANDARD CUBIC FEET PER MINUTE",
        124 => "BBL US",
        125 => "OZ OUNCE",
        126 => "FTLBF FOOT POUND FORCE",
        127 => "KW KILOWATT",
        128 => "KWH KILO WATT HOUR",
        129 => "HP HORSEPOWER",
        130 => "FT3H CUBIC FEET PER HOUR",
        131 => "M3MIN CUBIC METERS PER MINUTE",
        132 => "BBLS BARRELS PER SECOND",
        133 => "BBLMIN BARRELS PER MINUTE",
        134 => "BBLH BARRELS PER HOUR",
        135 => "BBLD BARRELS PER DAY",
        136 => "GALH GALLONS PER HOUR",
        137 => "GAL UKS IMPERIAL GALLONS PER SECOND",
        138 => "IH LITERS PER HOUR",
        139 => "PPM PARTS PER MILLION",
        140 => "MCALTHH MEGA CALORIE PER HOUR",
        141 => "MJH MEGA JOULE PER HOUR",
        142 => "BTUH BRITISH THERMAL UNIT IT PER HOUR",
        143 => " DEGREES",
        144 => "RAD RADIAN",
        145 => "INH20 60 F INCHES OF WATER AT 60 F",
        146 => "UAL MICROGRAMS PER LITER",
        147 => "PGM MICROGRAMS PER CUBIC METER",
        148 => " PERCENT CONSISTENCY",
        149 => "VOL VOLUME PERCENT",
        150 => " PERCENT STEAM QUALITY",
        151 => "FT 16 FEETIN SIXTEENTHS",
        152 => "B CUBIC FEET PER POUND",
        153 => "PF PICOFARADS",
        154 => "MIL MILLILITERS PER LITER",
        155 => "PIN MICROLITERS PER LITER",
        156 => "DB DECIBEL",
        160 => "P PERCENT PLATO",
        161 => "LEL PERCENT LOWER EXPLOSION LEVEL",
        162 => "MCALTH MEGA CALORIE",
        163 => "KQ KILO OHMS",
        164 => "MJ MEGA JOULE",
        165 => "BTU BRITISH THERMAL UNIT",
        166 => "NM3 NORMAL CUBIC METER",
        167 => "NI NORMAL LITER",
        168 => "SCF STANDARD CUBIC FEET",
        169 => "PPB PARTS PER BILLION",
        235 => "GALD GALLONS PER DAY",
        236 => "HL HECTOLITERS",
        237 => "MPA MEGAPASCALS",
        238 => "INH20 4 C INCHES OF WATER AT 4 C",
        239 => "MMH20 4 C MILLIMETERS OF WATER AT 4 C",
        250 => "NAN",
        252 => "UNKNOWN",
        253 => "SPECIAL",
        _ => return None,
    })
}

/// Common Table 21, device-variable classifications.
pub fn classification_name(code: u16) -> Option<&'static str> {
    const RESERVED: [&str; 64] = [
        "DEVICE VARIABLE NOT CLASSIFIED",
        "1 RESERVED",
        "2 RESERVED",
        "3 RESERVED",
        "4 RESERVED",
        "5 RESERVED",
        "6 RESERVED",
        "7 RESERVED",
        "8 RESERVED",
        "9 RESERVED",
        "10 RESERVED",
        "11 RESERVED",
        "12 RESERVED",
        "13 RESERVED",
        "14 RESERVED",
        "15 RESERVED",
        "16 RESERVED",
        "17 RESERVED",
        "18 RESERVED",
        "19 RESERVED",
        "20 RESERVED",
        "21 RESERVED",
        "22 RESERVED",
        "23 RESERVED",
        "24 RESERVED",
        "25 RESERVED",
        "26 RESERVED",
        "27 RESERVED",
        "28 RESERVED",
        "29 RESERVED",
        "30 RESERVED",
        "31 RESERVED",
        "32 RESERVED",
        "33 RESERVED",
        "34 RESERVED",
        "35 RESERVED",
        "36 RESERVED",
        "37 RESERVED",
        "38 RESERVED",
        "39 RESERVED",
        "40 RESERVED",
        "41 RESERVED",
        "42 RESERVED",
        "43 RESERVED",
        "44 RESERVED",
        "45 RESERVED",
        "46 RESERVED",
        "47 RESERVED",
        "48 RESERVED",
        "49 RESERVED",
        "50 RESERVED",
        "51 RESERVED",
        "52 RESERVED",
        "53 RESERVED",
        "54 RESERVED",
        "55 RESERVED",
        "56 RESERVED",
        "57 RESERVED",
        "58 RESERVED",
        "59 RESERVED",
        "60 RESERVED",
        "61 RESERVED",
        "62 RESERVED",
        "63 RESERVED",
    ];
    if let Some(name) = RESERVED.get(usize::from(code)) {
        return Some(name);
    }
    Some(match code {
        64 => "TEMPERATURE",
        65 => "PRESSURE",
        66 => "VOLUMETRIC FLOW",
        67 => "VELOCITY",
        68 => "VOLUME",
        69 => "LENGTH",
        70 => "TIME",
        71 => "MASS",
        72 => "MASS FLOW",
        73 => "MASS PER VOLUME",
        74 => "VISCOSITY",
        75 => "ANGULAR VELOCITY",
        76 => "AREA",
        77 => "ENERGY WORK",
        78 => "FORCE",
        79 => "POWER",
        80 => "FREQUENCY",
        81 => "ANALYTICAL",
        82 => "CAPACITANCE",
        83 => "ELECTROMOTIVE FORCE ELECTRIC POTENTIAL",
        84 => "CURRENT",
        85 => "RESISTANCE",
        86 => "ANGLE",
        87 => "CONDUCTANCE",
        88 => "VOLUME PER VOLUME",
        89 => "VOLUME PER MASS",
        90 => "CONCENTRATION",
        91 => "91 RESERVED",
        92 => "92 RESERVED",
        93 => "93 RESERVED",
        94 => "94 RESERVED",
        95 => "95 RESERVED",
        96 => "ACCELERATION",
        97 => "TURBIDITY",
        98 => "TEMPERATURE DIFFERENCE",
        99 => "VOLUMETRIC GAS FLOW PER SECOND",
        100 => "VOLUMETRIC GAS FLOW PER MINUTE",
        101 => "VOLUMETRIC GAS FLOW PER HOUR",
        102 => "VOLUMETRIC GAS FLOW PER DAY",
        103 => "VOLUMETRIC LIQUID FLOW PER SECOND",
        104 => "VOLUMETRIC LIQUID FLOW PER MINUTE",
        105 => "VOLUMETRIC LIQUID FLOW PER HOUR",
        106 => "VOLUMETRIC LIQUID FLOW PER DAY",
        107 => "THERMAL EXPANSION",
        108 => "VOLUMETRIC ENERGY DENSITY",
        109 => "MASS ENERGY DENSITY",
        110 => "TORQUE",
        111 => "MISCELLANEOUS",
        112 => "TORSIONAL STIFFNESS",
        113 => "LINEAR STIFFNESS",
        _ => return None,
    })
}

/// Common Table 8, manufacturer identification codes, with ICSNPP's names (squeezed
/// upper case; a name the table gives twice is prefixed with its code, `26 ABB`).
pub fn manufacturer_name(code: u16) -> Option<&'static str> {
    Some(match code {
        1 => "ACROMAG",
        2 => "ALLENBRADLEY",
        3 => "AMETEK",
        4 => "ANALOGDEVICES",
        5 => "5 ABB",
        6 => "BECKMAN",
        7 => "BELLMICROSENSOR",
        8 => "BOURNS",
        9 => "BRISTOLBABCOCK",
        10 => "BROOKSINSTRUMENT",
        11 => "CHESSELL",
        12 => "COMBUSTIONENGINEERING",
        13 => "DANIELINDUSTRIES",
        14 => "DELTA",
        15 => "DIETERICHSTANDARD",
        16 => "DOHRMANN",
        17 => "ENDRESSHAUSER",
        18 => "ABBBAILEYFISCHERANDPORTER",
        19 => "FISHERCONTROLSINTLLLC",
        20 => "20 SCHNEIDERELECTRICSYSTEMSUSAINC",
        21 => "FUJI",
        22 => "ABBHARTMANNBRAUN",
        23 => "HONEYWELL",
        24 => "ITTBARTON",
        25 => "25 THERMOMEASURETECH",
        26 => "26 ABB",
        27 => "LEEDSNORTHRUP",
        28 => "LESLIE",
        29 => "MSYSTEMCO",
        30 => "MEASUREX",
        31 => "MICROMOTION",
        32 => "MOOREINDUSTRIES",
        33 => "PRIMEMEASUREMENTPRODUCTS",
        34 => "OHKURAELECTRIC",
        35 => "PAINE",
        36 => "ROCHESTERINSTRUMENTSYSTEMS",
        37 => "RONAN",
        38 => "ROSEMOUNT",
        39 => "PEEKMEASUREMENT",
        40 => "ACTARISNEPTUNE",
        41 => "SENSALL",
        42 => "SIEMENSAG",
        43 => "WEED",
        44 => "TOSHIBA",
        45 => "TRANSMATION",
        46 => "ROSEMOUNTANALYTICAL",
        47 => "VALMET",
        48 => "FLOWSERVE",
        49 => "VAREC",
        50 => "VIATRAN",
        51 => "DELTAWEED",
        52 => "WESTINGHOUSE",
        53 => "XOMOX",
        54 => "AZBILCORPORATIONFORMERYAMATAKECORPORATION",
        55 => "YOKOGAWA",
        56 => "NUOVOPIGNONE",
        57 => "PROMAC",
        58 => "EXACCORPORATION",
        59 => "MOBREY",
        60 => "ARCOMCONTROLSYSTEMS",
        61 => "PRINCO",
        62 => "SMAR",
        63 => "63 SCHNEIDERELECTRICSYSTEMSUSAINC",
        64 => "MEASUREMENTTECHNOLOGY",
        65 => "APPLIEDSYSTEMTECHNOLOGIES",
        66 => "SAMSON",
        67 => "SPARLINGINSTRUMENTS",
        68 => "FIREYE",
        69 => "KROHNE",
        70 => "BETZ",
        71 => "DRUCK",
        72 => "SOR",
        73 => "ELCONINSTRUMENTS",
        74 => "SPIRAXSARCO",
        75 => "TERMIFLEXCORPORATION",
        76 => "VAFINSTRUMENTS",
        77 => "WESTLOCKCONTROLS",
        78 => "AMETEKDREXELBROOK",
        79 => "ROSEMOUNTTANKRADAR",
        80 => "ABBKTEK",
        81 => "SENSIDYNEINC",
        82 => "DRAEGER",
        83 => "RAYTEK",
        84 => "84 SIEMENSMILLTRONICSP1",
        85 => "BTG",
        86 => "MAGNETROL",
        87 => "NELESFINLANDOY",
        88 => "88 SIEMENSMILLTRONICSP1",
        89 => "HELIOS",
        90 => "ANDERSONINSTRUMENTCOMPANY",
        91 => "INOR",
        92 => "ROBERTSHAW",
        93 => "93 PEPPERLFUCHS",
        94 => "ACCUTECH",
        95 => "FLOWMEASUREMENTINC",
        96 => "BAUMER",
        97 => "KNICK",
        98 => "VEGAGRIESHABERKG",
        99 => "TEMPOSONICS",
        100 => "OVAL",
        101 => "MASONEILAN",
        102 => "BESTA",
        103 => "OHMART",
        104 => "HAROLDBECKANDSONSINC",
        105 => "RITTMEYERINSTRUMENTATION",
        106 => "ROSSELMESSTECHNIK",
        107 => "WIKA",
        108 => "BOPPREUTHERMESSTECHNIK",
        109 => "PRELECTRONICS",
        110 => "ROTORKPROCESSCONTROLS",
        111 => "VALCOMSRL",
        112 => "USELECTRICMOTORS",
        113 => "APPARATEBAUHUNDSBACH",
        114 => "DYNISCO",
        115 => "TERRANOVA",
        116 => "DIRECTMEASUREMENT",
        117 => "KLAYINSTRUMENTS",
        118 => "CIDRACORP",
        119 => "MMGAUTOMATIKYDTR",
        120 => "BUERKERTFLUIDCONTROLSYSTEMS",
        121 => "VENTUREMEASUREMENT",
        122 => "PONDUSINSTRUMENTS",
        123 => "ZAPSAOSTROWWIELKOPOLSKI",
        124 => "GLI",
        125 => "FISHERROSEMOUNTPERFORMANCETECHNOLOGIES",
        126 => "PAPERMACHINECOMPONENTS",
        127 => "LABOM",
        128 => "DANFOSS",
        129 => "TURBO",
        130 => "TOKYOKEISO",
        131 => "SMC",
        132 => "STATUSINSTRUMENTS",
        133 => "HUAKONG",
        134 => "AUTROLBYDUONSYSTEMCOLTD",
        135 => "VORTEKINSTRUMENTSLLC",
        136 => "AGCROSBY",
        137 => "ACTIONINSTRUMENTS",
        138 => "KEYSTONECONTROLS",
        139 => "THERMOELECTRICCO",
        140 => "ISEMAGTECH",
        141 => "RUEGER",
        142 => "METTLERTOLEDO",
        143 => "DETTRONICS",
        144 => "144 THERMOMEASURETECH",
        145 => "DEZURIK",
        146 => "PHASEDYNAMICS",
        147 => "WELLTECHSHANGHAI",
        148 => "ENRAF",
        149 => "4TECHASA",
        150 => "BRANDTINSTRUMENTS",
        151 => "NIVELCO",
        152 => "CAMILLEBAUER",
        153 => "METRAN",
        154 => "MILTONROYCO",
        155 => "PMV",
        156 => "TURCK",
        157 => "PANAMETRICS",
        158 => "RSTAHL",
        159 => "ANALYTICALTECHNOLOGYINC",
        160 => "FINT",
        161 => "BERTHOLD",
        162 => "INTERCORR",
        163 => "CHINABRICONTECOLTD",
        164 => "ELECTRONMACHINE",
        165 => "SIERRAINSTRUMENTS",
        166 => "FLUIDCOMPONENTS",
        167 => "SOLIDAT",
        168 => "MERIAMINSTRUMENT",
        169 => "INVENSYS",
        170 => "SPRODUCTS",
        171 => "CRANE",
        172 => "MICROMATICINSTRUMENTAS",
        173 => "JTECASSOCIATES",
        174 => "TRACERCO",
        175 => "AGAR",
        176 => "PHOENIXCONTACT",
        177 => "177 ANDEANINSTRUMENTS",
        178 => "AMERLEVELINSTR",
        179 => "HAWK",
        180 => "ROTORKYTCLIMITED",
        181 => "PYROMATIONINC",
        182 => "SATRONINSTRUMENTS",
        183 => "BIFFI",
        184 => "SHANGHAIAUTOMATIONINSTRUMENTATIONCOLTD",
        185 => "BDSENSORS",
        186 => "186 ANDEANINSTRUMENTS",
        187 => "KEMOTRON",
        188 => "APLISENS",
        189 => "BADGERMETER",
        190 => "HIMA",
        191 => "GP50",
        192 => "KONGSBERGMARITIME",
        193 => "ASASPA",
        194 => "HENGESBACH",
        195 => "LANLIANINSTRUMENTS",
        196 => "SPECTRUMCONTROLS",
        197 => "KAJAANIPROCESSMEASUREMENTS",
        198 => "FAFNIR",
        199 => "SICKENGINEERINGGMBH",
        200 => "JSPNOVAPAKA",
        201 => "MESACON",
        202 => "SPIRAXSARCOSRL",
        203 => "LJTECHNOLOGIES",
        204 => "TECFLUIDSA",
        205 => "SAILSORSINSTRUMENTS",
        206 => "ROOST",
        207 => "KOSO",
        208 => "MUK",
        209 => "GEENERGY",
        210 => "HONEYWELLANALYTICS",
        211 => "HEINRICHS",
        212 => "SIC",
        213 => "HACHLANGEGMBH",
        214 => "EXALONINSTRUMENTS",
        215 => "FAUREHERMAN",
        216 => "STISRL",
        217 => "MANOMETRKHARKIV",
        218 => "DALIANINSTRUMENTS",
        219 => "SPECTREX",
        220 => "SIPAIINSTRUMENTS",
        221 => "ADVANCEDFLOW",
        222 => "REXA",
        223 => "GENERALMONITORSBYMSA",
        224 => "224 MANUFACTUREREXPANSION",
        225 => "225 MANUFACTUREREXPANSION",
        226 => "226 MANUFACTUREREXPANSION",
        227 => "227 MANUFACTUREREXPANSION",
        228 => "228 MANUFACTUREREXPANSION",
        229 => "229 MANUFACTUREREXPANSION",
        230 => "230 MANUFACTUREREXPANSION",
        231 => "231 MANUFACTUREREXPANSION",
        232 => "232 MANUFACTUREREXPANSION",
        233 => "233 MANUFACTUREREXPANSION",
        234 => "234 MANUFACTUREREXPANSION",
        235 => "235 MANUFACTUREREXPANSION",
        236 => "236 MANUFACTUREREXPANSION",
        237 => "237 MANUFACTUREREXPANSION",
        238 => "238 MANUFACTUREREXPANSION",
        239 => "239 MANUFACTUREREXPANSION",
        249 => "FIELDCOMMGROUP",
        24576 => "EXSAF",
        24577 => "SEOJININSTECH",
        24578 => "TASIFLOW",
        24579 => "POWERGENEXLTD",
        24580 => "APM",
        24581 => "BIFOLDORANGE",
        24582 => "BARTEC",
        24583 => "DETCON",
        24584 => "MSA",
        24585 => "METROVAL",
        24586 => "ETALONRUS",
        24587 => "JOGLER",
        24588 => "KSB",
        24589 => "RICHTERCT",
        24590 => "NETSAFETY",
        24591 => "SECANADA",
        24592 => "SUPCON",
        24593 => "DKKTOA",
        24594 => "DWYERINSTRUMENTSINC",
        24595 => "FINETEK",
        24596 => "TOPWORXINC",
        24597 => "HOFFERFLOWCNTRLS",
        24598 => "DUSTNETWORKS",
        24599 => "FORBESMARSHALL",
        24600 => "ALLMEASURESLTD",
        24601 => "24601 PEPPERLFUCHS",
        24602 => "CSSI",
        24603 => "TCFLUIDCONTROL",
        24604 => "ROHRBACKCOSASCO",
        24605 => "AIRSPRITE",
        24606 => "MICROCYBERCORPORATION",
        24607 => "TIG",
        24608 => "IFMPROVERGMBH",
        24609 => "FLEXIM",
        24610 => "TOKYOKEIKIINC",
        24611 => "SBEM",
        24612 => "24612 SKOFLOINDUSTRIESINC",
        24613 => "STONELCORPORATION",
        24614 => "EUREKAFLOW",
        24615 => "BEKAASSOCIATES",
        24616 => "CAPSTARAUTOMATION",
        24617 => "PULSAR",
        24618 => "LLCSPEELEMER",
        24619 => "SOFTTECHGROUP",
        24620 => "FUJIANWIDEPLUSPRECISIONINSTRUMENTSCOLTD",
        24621 => "ENOTECGMBH",
        24622 => "VALCONTROLSAS",
        24623 => "KURZINSTRUMENTS",
        24624 => "ESENZATECHNOLOGIES",
        24625 => "CROWCON",
        24626 => "GEORGIN",
        24627 => "ELDRIDGEPRODUCTS",
        24628 => "DDTOP",
        24629 => "KSRKUEBLER",
        24630 => "ARMSTRONGINTL",
        24631 => "HITACHIHIGHTECH",
        24632 => "AMFLOW",
        24633 => "FLUIDWELL",
        24634 => "MECON",
        24635 => "FOXTHERMALINST",
        24636 => "EJMCONSULTING",
        24637 => "ANTONPAAR",
        24638 => "DINELSRO",
        24639 => "SIMTRONICSASA",
        24640 => "INTEC",
        24641 => "SOFTING",
        24642 => "FIRESENTRYCORP",
        24643 => "FUTUREINSTRUMENT",
        24644 => "MOTOYAMA",
        24645 => "THORSISTECHNOLOGIESGMBH",
        24646 => "MORGANKOREA",
        24647 => "AWIATECH",
        24648 => "CHENTRONICS",
        24649 => "UNITEDELECTRIC",
        24650 => "SHANGHAISINOTOINSTRUMENTCOLTD",
        24651 => "MATSUSHIMA",
        24652 => "WESTCONTROLAS",
        24653 => "OLDHAM",
        24654 => "WOORITG",
        24655 => "TRIANGLEMICROSOL",
        24656 => "NIVOCONTROLSPVTLTD",
        24657 => "NIVISLLC",
        24658 => "SKFUSA",
        24659 => "ESPSAFETY",
        24660 => "HOLLYSYS",
        24661 => "GFSIGNET",
        24662 => "24662 KOROSISPECINDO",
        24663 => "SIERRAMONITOR",
        24664 => "SCHNEIDERELECTRICSYSTEMSUSAINC",
        24665 => "EMERSON",
        24666 => "ABMSENSORTECH",
        24667 => "RIKENKEIKI",
        24668 => "EEPLPUNEINDIA",
        24669 => "THERMALINSTCO",
        24670 => "HYDACELECTRONIC",
        24671 => "GNEUSS",
        24672 => "ACTUATIONTECHNOLOGIES",
        24673 => "ROXAR",
        24674 => "GASTRONCOLTD",
        24675 => "HAMILTONBONADUZ",
        24676 => "NOBELWEIGHINGSYSTEMS",
        24677 => "ECD",
        24678 => "SENSORELECTRONICS",
        24679 => "SENSCIENT",
        24680 => "SHANGHAIKENTINSTRUMENTCOLTD",
        24681 => "SCOTTSAFETY",
        24682 => "WELKINCOLTD",
        24683 => "TEPLOPRIBOR",
        24684 => "AUBURNSYSTEMS",
        24685 => "THERMODISC",
        24686 => "SWISAINSTRUMENT",
        24687 => "SAGEMETERINGINC",
        24688 => "COOPERBUSSMANN",
        24689 => "FSUEVNIIA",
        24690 => "GROVELEYDETECTION",
        24691 => "HENGYANGNOPHOTOELECTRICINFOTECHCO",
        24692 => "UNIVERSALFLOW",
        24693 => "IMTEXCONTROLSLTD",
        24694 => "ELECTRONSTANDARTPRIBOR",
        24695 => "VMONITOR",
        24696 => "AMTECCORPORATION",
        24697 => "MTI",
        24698 => "BJZRZC",
        24699 => "VOLCATEKCOLTD",
        24700 => "AUMA",
        24701 => "MAXIMINTEGRATED",
        24702 => "NOVUSAUTOMATION",
        24703 => "ELSTERINSTROMET",
        24704 => "MISTRASGROUPINC",
        24705 => "GEFRANSPA",
        24706 => "LUMASENSETECHNOLOGIES",
        24707 => "ADVANCEDSENSORSLTD",
        24708 => "3S",
        24709 => "AKYTECGMBH",
        24710 => "EUROMAGINTERNATIONALSRL",
        24711 => "PERMASENSE",
        24712 => "ISOILHEMINA",
        24713 => "WALSN",
        24714 => "STEC",
        24715 => "SENSE",
        24716 => "JUMOGMBHCOKG",
        24717 => "XACTSENSINGLLC",
        24718 => "ADAPTIVEWIRELESSSOLUTIONS",
        24719 => "NEWCOSMOSELECTRIC",
        24720 => "SCANSENSEAS",
        24721 => "PSMINSTRUMENTATIONLTD",
        24722 => "NUOAN",
        24723 => "SPAANALITPRIBOR",
        24724 => "SPRINGFIELDRESEARCHCORP",
        24726 => "PRECISIONDIGITAL",
        24727 => "DEFINEINSTRUMENTS",
        24728 => "HUIZHONG",
        24729 => "GASENSOR",
        24730 => "FLOWLINE",
        24731 => "NORGREN",
        24732 => "SNPAS",
        24733 => "CHROMALOX",
        24734 => "ETROL",
        24735 => "ZEHONG",
        24736 => "ANALOGSYSTEMS",
        24737 => "TEPLOKONTROL",
        24738 => "STS",
        24739 => "BERNARDCONTROLS",
        24740 => "ACTION98",
        24741 => "GASTECHAUSTRALIA",
        24742 => "HANLAIMSCOLTD",
        24743 => "MAXONICAUTOMATION",
        24744 => "WILCOXONRESEARCH",
        24745 => "SHUCHENGST",
        24746 => "RAESYSTEMSSHANGHAIINC",
        24747 => "XIANDONGFENGMACHINERYELECTRONICCOLTD",
        24748 => "TECHNIAS",
        24749 => "OOONPOVAKUUMMASH",
        24750 => "HENGANINSTRUMENTS",
        24751 => "ALBATROS",
        24752 => "TEXASINSTRUMENTS",
        24753 => "BEIJINGYANSHANTIMESINSTRUMENTCOLTD",
        24754 => "POINTLLC",
        24755 => "GUIDEDULTRASONICS",
        24756 => "PLT",
        24757 => "SWANANALYTICALINSTRUMENTS",
        24758 => "SOLDOSRL",
        24759 => "SENSIA",
        24760 => "HOERBIGER",
        24761 => "SHANGHAIYINUO",
        24762 => "VIPNPK",
        24763 => "HBSENSORS",
        24764 => "PROCOMSOLLTD",
        24765 => "HORIBAADVANCEDTECHNO",
        24766 => "VIVACE",
        24767 => "ANDISOON",
        24768 => "ELMETRO",
        24769 => "LIMACO",
        24770 => "RHOSONICSANALYTICALBV",
        24771 => "WISESENSINGINC",
        24772 => "STFBACS",
        24773 => "EMIS",
        24774 => "KPATENTS",
        24775 => "UNIFIRE",
        24776 => "A3MONITORINGLTD",
        24777 => "ARGOSYANALYTICSLTD",
        24778 => "VALTEK SULAMERIC",
        24779 => "ELIMKOLTDSTI",
        24781 => "GODAINSTRUMENTS",
        24782 => "FESTOSECOKG",
        24783 => "PUGUANG",
        24784 => "EMCOCONTROLSAS",
        24785 => "RIVERTRACE",
        24786 => "KATRONIC",
        24787 => "ROTEX",
        24788 => "ONICONINC",
        24789 => "DVGAUTOMATION",
        24790 => "CHENZHUINSTRUMENT",
        24791 => "HOENTZSCHGMBH",
        24792 => "CHONGGINGCHUANYIAUTOMATIONCOLTD",
        24793 => "ANCN",
        24794 => "MITSUBISHIHITACHIPOWERSYSTEMS",
        24795 => "OTISINSTRUMENTS",
        24796 => "KANEKOSANGYO",
        24797 => "KOBOLDMESSRING",
        24798 => "SAMHOI",
        24799 => "DIEERSTEINDUSTRY",
        24800 => "THECLARKRELIANCECORP",
        24801 => "BALLUFF",
        24802 => "WNK",
        24803 => "SMETECITD",
        24804 => "PIEZUSLTD",
        24805 => "GMINTERNATIONAL",
        24806 => "UNITEQENGINEERINGBV",
        24807 => "BARKSDALECONTROLPRODUCTS",
        24808 => "ERIS",
        24809 => "GLOBALTEST",
        24810 => "DANAHERSHANGHAIINDUSTRIALINSTRUMENTATIONTECHNOLOGIESRDLTD",
        24811 => "NIVUS",
        24812 => "FILTERSENSE",
        24813 => "BEIJINGHUADESAFETYENGINEERINGTECHNOLOGYCOLTD",
        24814 => "GUANGZHOUXITAI",
        24815 => "BELAINSTRUMENTS",
        24816 => "KEMKUEPPERSELEKTROMECHANIK",
        24817 => "ENERGOFLOWAG",
        24818 => "IGMDETECTOR",
        24819 => "WECANINSTRUMENTS",
        24820 => "VZLJOT",
        24821 => "ROCKSENSOR",
        24822 => "TISSIN",
        24823 => "HEILONGJIANGTONGBAOSENSORCOMPANY",
        24824 => "SBEMPVTLTD",
        24825 => "NOAHACTUATION",
        24826 => "NOSHOKINC",
        24827 => "ENERGOPRIBOR",
        24828 => "POWERFLOW",
        24829 => "ADZNAGANO",
        24830 => "LEEG",
        24831 => "APPLETONGRPLLC",
        24832 => "CANADASENSORSTECHNOLOGYINC",
        24833 => "ROTORK",
        24834 => "EIPENVIRONOIDA",
        24835 => "WANDFLUH",
        24836 => "NEOMONITORSAS",
        24837 => "OOOOKBVEKTOR",
        24838 => "CENTERO",
        24839 => "KMGAUTOMATION",
        24840 => "CLOU",
        24841 => "GREYLINE",
        24842 => "DELTACONTROLS",
        24843 => "WISECONTROLINC",
        24844 => "METALSAMPLES",
        24845 => "BEITEINSTRUMENT",
        24846 => "CURTO",
        24847 => "SAMILPNU",
        24848 => "UNIPHOSENVIROTRONICPVTLTD",
        24849 => "SMARTEMBEDDEDSYSTEMS",
        24850 => "TEKTROL",
        24851 => "YEPEF",
        24852 => "24852 ADEPTFLUIDYNEPVTLTD",
        24853 => "WUXI",
        24854 => "ALCONTLTD",
        24855 => "SADIINC",
        24856 => "VIBROTECHINC",
        24857 => "ZHEJIANGAOXININSTRUMENTCOLTD",
        24858 => "3SCI",
        24859 => "UTTHUNGATECHNOLOGIES",
        24860 => "SYSCOR",
        24861 => "MOLEX",
        24862 => "SHENYANGLANSHENINSTRUMENTCOLTD",
        24863 => "TERMOTRONIC",
        24864 => "SENKO",
        24865 => "AAROHIEMBEDDEDSYSTEMSPVTLTD",
        24866 => "CONTROLDATASYSTEMSSRL",
        24867 => "SHTRAY",
        24868 => "TOSHNIWALINDUSTRIESPRIVATELIMITED",
        24869 => "JSCEPFSIBNA",
        24870 => "FGD",
        24871 => "FELLOWKOGYO",
        24872 => "MOTHERWELLTANKGAUGING",
        24873 => "TAIYUANTAICOCMFCOITD",
        24874 => "DIVIGRAPH",
        24875 => "WUZHONGINSTRUMENTCOLTD",
        24876 => "CHANGSUNGACECOLTD",
        24877 => "ASHCROFTINSTRUMENTSGMBH",
        24878 => "24878 ADEPTFLUIDYNEPVTLTD",
        24879 => "24879 KOROSISPECINDO",
        24880 => "DIYUAN",
        24881 => "NEWPOWER",
        24882 => "RHEONIK",
        24883 => "AEGIS",
        24884 => "SEG",
        24885 => "HANWEIELECTRONICSGROUPCORPORATION",
        24886 => "GEMU",
        24887 => "BALDOTACONTROL",
        24888 => "LAURISTECHNOLOGIESINC",
        24889 => "GKS",
        24890 => "BINDERGMBH",
        24891 => "MICROPACK",
        24892 => "JOHNSONCONTROLS",
        24893 => "OPTRONICSTECHNOLOGY",
        24894 => "FOCUSONVOF",
        24895 => "XINGSHENINSTRUMENT",
        24897 => "TEPLOCOM",
        24898 => "NPPSENSOR",
        24899 => "GASDNACOLTD",
        24900 => "HENANHONGTIAN",
        24901 => "SINIER",
        24902 => "NHR",
        24903 => "HOFFERMEASURING",
        24904 => "HENGJUNZDH",
        24905 => "BRSANYUAN",
        24906 => "VNER",
        24907 => "MORC",
        24908 => "OGMM",
        24909 => "SOLAHD",
        24910 => "UWTGMBH",
        24911 => "BONRAY",
        24912 => "24912 SKOFLOINDUSTRIESINC",
        24913 => "ATOMHORIZONELECTRIC",
        24914 => "DAEHANSENSORCOLTD",
        24915 => "RAYDAR",
        24916 => "PROSENSE",
        24917 => "CNOOCSAFETYTECHNOLOGY",
        _ => return None,
    })
}

/// Common Table 1, expanded device types: ICSNPP names several thousand; only the types
/// seen in the test captures are named here, the others read `unknown-0x<hex>` (the
/// numeric type goes to the inventory either way).
pub fn device_type_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0x264e => "WIRELESSGATEWAY ROSEMOUNT",
        0xf9fd => "FieldComm Group HART-IP FlowDevice",
        _ => return None,
    })
}

/// Common Table 57, device profiles.
pub fn device_profile_name(code: u16) -> Option<&'static str> {
    Some(match code {
        1 => "PROCESS AUTOMATION DEVICE",
        2 => "DISCRETE DEVICE",
        3 => "HYBRID PROCESS AUTOMATION DISCRETE",
        4 => "IO SYSTEM",
        14 => "DISCRETE ADAPTER",
        65 => "HART IP PROCESS AUTOMATION DEVICE",
        66 => "HART IP DISCRETE DEVICE",
        67 => "HART IP HYBRID PROCESS AUTOMATION DISCRETE",
        68 => "HART IP IO SYSTEM",
        129 => "WIRELESSHART PROCESS AUTOMATION DEVICE",
        130 => "WIRELESSHART DISCRETE DEVICE",
        131 => "WIRELESSHART HYBRID PROCESS AUTOMATION DISCRETE",
        132 => "WIRELESSHART GATEWAY",
        140 => "WIRELESSHART ACCESS POINT",
        141 => "WIRELESSHART PROCESS ADAPTER",
        142 => "WIRELESSHART DISCRETE ADAPTER",
        144 => "WIRELESSHART ENABLED HANDHELD PORTABLE MAINTENANCE TOOL",
        _ => return None,
    })
}

/// Common Table 10, physical signaling codes.
pub fn physical_signaling_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "BELL 202 CURRENT",
        1 => "BELL 202 VOLTAGE",
        2 => "RS 485",
        3 => "RS 232",
        4 => "WIRELESS",
        6 => "SPECIAL",
        _ => return None,
    })
}

/// Common Table 16, loop current modes.
pub fn loop_current_mode_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Disabled",
        1 => "Enabled",
        _ => return None,
    })
}

/// Common Table 7, write protect codes.
pub fn write_protect_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "No",
        1 => "Yes",
        250 => "Not Used",
        251 => "None",
        252 => "Unknown",
        253 => "Special",
        _ => return None,
    })
}

/// Common Table 6, alarm selection codes.
pub fn alarm_selection_name(code: u16) -> Option<&'static str> {
    const MANUFACTURER: [&str; 10] = [
        "Manufacturer Specific Value (240)",
        "Manufacturer Specific Value (241)",
        "Manufacturer Specific Value (242)",
        "Manufacturer Specific Value (243)",
        "Manufacturer Specific Value (244)",
        "Manufacturer Specific Value (245)",
        "Manufacturer Specific Value (246)",
        "Manufacturer Specific Value (247)",
        "Manufacturer Specific Value (248)",
        "Manufacturer Specific Value (249)",
    ];
    Some(match code {
        0 => "High",
        1 => "Low",
        239 => "Hold Last Output Value",
        240..=249 => MANUFACTURER[usize::from(code - 240)],
        250 => "Not Used",
        251 => "None",
        252 => "Unknown",
        253 => "Special",
        _ => return None,
    })
}

/// Common Table 3, transfer function codes.
pub fn transfer_function_name(code: u16) -> Option<&'static str> {
    const MANUFACTURER: [&str; 40] = [
        "Manufacturer Specific Definition (210)",
        "Manufacturer Specific Definition (211)",
        "Manufacturer Specific Definition (212)",
        "Manufacturer Specific Definition (213)",
        "Manufacturer Specific Definition (214)",
        "Manufacturer Specific Definition (215)",
        "Manufacturer Specific Definition (216)",
        "Manufacturer Specific Definition (217)",
        "Manufacturer Specific Definition (218)",
        "Manufacturer Specific Definition (219)",
        "Manufacturer Specific Definition (220)",
        "Manufacturer Specific Definition (221)",
        "Manufacturer Specific Definition (222)",
        "Manufacturer Specific Definition (223)",
        "Manufacturer Specific Definition (224)",
        "Manufacturer Specific Definition (225)",
        "Manufacturer Specific Definition (226)",
        "Manufacturer Specific Definition (227)",
        "Manufacturer Specific Definition (228)",
        "Manufacturer Specific Definition (229)",
        "DISCRETE SWITCH",
        "SQUARE ROOT PLUS SPECIAL CURVE",
        "SQUARE ROOT THIRD POWER PLUS SPECIAL CURVE",
        "SQUARE ROOT FIFTH POWER PLUS SPECIAL CURVE",
        "Manufacturer Specific Definition (234)",
        "Manufacturer Specific Definition (235)",
        "Manufacturer Specific Definition (236)",
        "Manufacturer Specific Definition (237)",
        "Manufacturer Specific Definition (238)",
        "Manufacturer Specific Definition (239)",
        "Manufacturer Specific Definition (240)",
        "Manufacturer Specific Definition (241)",
        "Manufacturer Specific Definition (242)",
        "Manufacturer Specific Definition (243)",
        "Manufacturer Specific Definition (244)",
        "Manufacturer Specific Definition (245)",
        "Manufacturer Specific Definition (246)",
        "Manufacturer Specific Definition (247)",
        "Manufacturer Specific Definition (248)",
        "Manufacturer Specific Definition (249)",
    ];
    Some(match code {
        0 => "Linear",
        1 => "Square Root",
        2 => "Square Root Third Power",
        3 => "Square Root Fifth Power",
        4 => "Special Curve",
        5 => "Square",
        6 => "SQUARE ROOT WITH CUTOFF BASED ON DIFERENTIAL PRESSURE ORFICE PLATE",
        10 => "EQUAL PERCENTAGE 125",
        11 => "EQUAL PERCENTAGE 133",
        12 => "EQUAL PERCENTAGE 150",
        15 => "QUICK OPEN 125",
        16 => "QUICK OPEN 133",
        17 => "QUICK OPEN 150",
        30 => "HYPERBOLIC SHAPE FACTOR  010",
        31 => "HYPERBOLIC SHAPE FACTOR  020",
        32 => "HYPERBOLIC SHAPE FACTOR  030",
        34 => "HYPERBOLIC SHAPE FACTOR  050",
        37 => "HYPERBOLIC SHAPE FACTOR  070",
        40 => "HYPERBOLIC SHAPE FACTOR  100",
        41 => "HYPERBOLIC SHAPE FACTOR  150",
        42 => "HYPERBOLIC SHAPE FACTOR  200",
        43 => "HYPERBOLIC SHAPE FACTOR  300",
        44 => "HYPERBOLIC SHAPE FACTOR  400",
        45 => "HYPERBOLIC SHAPE FACTOR  500",
        100 => "FLAT BOTTOM TANK",
        101 => "CONICAL OR PYRAMIDAL BOTTOM TANK",
        102 => "PARABOLIC BOTTOM TANK",
        103 => "SPHERICAL BOTTOM TANK",
        104 => "ANGLED BOTTOM TANK",
        105 => "FLAT END CYLINDER TANK",
        106 => "PARABOLIC END CYLINDER TANK",
        107 => "SPHERICAL TANK",
        210..=249 => MANUFACTURER[usize::from(code - 210)],
        250 => "NOTUSED",
        251 => "NONE",
        252 => "UNKNOWN",
        253 => "SPECIAL",
        _ => return None,
    })
}

/// Common Table 14, operating modes (only 0 is defined).
pub fn operating_mode_name(code: u16) -> Option<&'static str> {
    (code == 0).then_some("Reserved")
}

/// Common Table A-3, process data status (the top two bits of a variable's status).
pub fn process_data_status_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Bad",
        1 => "Poor Accuracy",
        2 => "Manual/Fixed",
        3 => "Good",
        _ => return None,
    })
}

/// Common Table A-3, limit status (bits 4 and 5 of a variable's status).
pub fn limit_status_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Not Limited",
        1 => "Low Limited",
        2 => "High Limited",
        3 => "Constant",
        _ => return None,
    })
}

/// Command 39, EEPROM control codes.
pub fn eeprom_control_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Burn EEPROM",
        1 => "Restore Shadow RAM",
        _ => return None,
    })
}

/// Common Table 20, device families (ICSNPP's spelling, `Simple PID Controle` included).
pub fn family_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0..=3 => "Reserved",
        4 => "Temperature",
        5 => "Pressure",
        6 => "Valve / Actuator",
        7 => "Simple PID Controle",
        8 => "pH",
        9 => "Conductivity",
        10 => "Totalizer",
        11 => "Level",
        12 => "Vortex Flow",
        13 => "Mag Flow",
        14 => "Coriolis Flow",
        15 => "Modulating Final Control",
        250 => "Not Used",
        _ => return None,
    })
}

/// Common Table 18, lock device codes.
pub fn lock_code_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Unlock",
        1 => "Lock - Temporary",
        2 => "Lock - Permanent",
        3 => "Lock All",
        _ => return None,
    })
}

/// Common Table 66, squawk control codes.
pub fn squawk_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Off",
        1 => "On",
        2 => "Squawk Once",
        _ => return None,
    })
}

/// Commands 74 and 87, I/O system master mode.
pub fn master_mode_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Secondary",
        1 => "Primary",
        _ => return None,
    })
}

/// Common Table 19, write device variable codes.
pub fn write_device_variable_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Normal",
        1 => "Fixed Value",
        _ => return None,
    })
}

/// Common Table 22, trim point codes.
pub fn trim_point_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "No Trim Point Supported",
        1 => "Lower Trim Point Supported",
        2 => "Upper Trim Point Supported",
        3 => "Lower and Upper Trim Point Supported",
        _ => return None,
    })
}

/// Common Table 38, time set codes.
pub fn time_set_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Read Receive Time",
        1 => "Write Date and Time",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn text(d: &DecodedCommand, column: &str) -> String {
        match d.get(column) {
            Some(Field::Text(s)) => s.clone(),
            other => panic!("{column}: {other:?}"),
        }
    }

    fn count(d: &DecodedCommand, column: &str) -> u64 {
        match d.get(column) {
            Some(Field::Count(c)) => *c,
            other => panic!("{column}: {other:?}"),
        }
    }

    fn real(d: &DecodedCommand, column: &str) -> f32 {
        match d.get(column) {
            Some(Field::Real(r)) => *r,
            other => panic!("{column}: {other:?}"),
        }
    }

    fn flag(d: &DecodedCommand, column: &str) -> bool {
        match d.get(column) {
            Some(Field::Flag(b)) => *b,
            other => panic!("{column}: {other:?}"),
        }
    }

    // hart-ip.pcap frame 4: command 0 answered by a WirelessHART gateway (data after
    // response code and device status).
    const COMMAND_0_RESPONSE: &str = "fe264e050704010e0c0000d205020002d00026002684";
    // hart-ip.pcap frame 10: command 3, loop current not a number, four variables.
    const COMMAND_3_RESPONSE: &str = "7fa00000fb00000000fb0000000020420200002042000000";
    // hart-ip.pcap frame 12: command 9, four slots and the slot 0 time stamp.
    const COMMAND_9_RESPONSE: &str =
        "020000fb00000000100100fb00000000c002402042020000c003402042000000c068ff6500";
    // hart-ip.pcap frame 20: command 48, thirteen bytes of additional status.
    const COMMAND_48_RESPONSE: &str = "10040700000002000000000000";
    // hart-ip_all_messageIDs.pcapng frame 11: command 54 for device variable 0.
    const COMMAND_54_RESPONSE: &str = "006543214b46bb8000000000004eff40004348000000fa00000c8000";
    // hart-ip_all_types_and_commands_sent.pcapng frame 100: command 18 request.
    const COMMAND_18_REQUEST: &str = "0015095854090000000000000000000000ff7b080a";
    // hart-ip_all_types_and_commands_sent.pcapng frame 110: command 79 request.
    const COMMAND_79_REQUEST: &str = "0000fa0000000000";

    #[test]
    fn read_unique_identifier_response() {
        let d = decode(0, false, &hex(COMMAND_0_RESPONSE)).unwrap();
        assert_eq!(d.log, CommandLog::Universal);
        let p = "read_unique_identifier_response";
        assert_eq!(count(&d, &format!("{p}__254")), 254);
        assert_eq!(
            text(&d, &format!("{p}_expanded_device_type")),
            "WIRELESSGATEWAY ROSEMOUNT"
        );
        assert_eq!(count(&d, &format!("{p}_hart_protocol_major_revision")), 7);
        assert_eq!(
            count(
                &d,
                &format!("{p}_hardware_revision_level_and_physical_signaling_codes_hardware_revision_level")
            ),
            1
        );
        assert_eq!(
            text(
                &d,
                &format!("{p}_hardware_revision_level_and_physical_signaling_codes_physical_signaling_code")
            ),
            "SPECIAL"
        );
        assert!(flag(&d, &format!("{p}_flags_protocol_bridge_device")));
        assert!(flag(
            &d,
            &format!("{p}_flags_ieee_802_15_4_dsss_o_qpsk_modulation")
        ));
        assert_eq!(count(&d, &format!("{p}_device_id")), 210);
        assert_eq!(
            count(
                &d,
                &format!("{p}_extended_field_device_status_undefined_bits")
            ),
            3
        );
        assert!(flag(
            &d,
            &format!("{p}_extended_field_device_status_out_of_specification")
        ));
        assert_eq!(
            text(&d, &format!("{p}_manufacturer_identification_code")),
            "ROSEMOUNT"
        );
        assert_eq!(
            text(&d, &format!("{p}_device_profile")),
            "WIRELESSHART GATEWAY"
        );
        // The same block answers commands 11 and 21, under their own columns.
        let d = decode(21, false, &hex(COMMAND_0_RESPONSE)).unwrap();
        assert_eq!(
            count(&d, "read_unique_identifier_long_tag_response_device_id"),
            210
        );
        // A request of command 0 carries nothing of its own, nor does a cut answer.
        assert!(decode(0, true, &hex(COMMAND_0_RESPONSE)).is_none());
        let cut = hex(COMMAND_0_RESPONSE);
        assert!(decode(0, false, &cut[..21]).is_none());
    }

    #[test]
    fn dynamic_variables_by_byte_count() {
        let d = decode(3, false, &hex(COMMAND_3_RESPONSE)).unwrap();
        let p = "read_dynamic_variable_response";
        assert!(real(&d, &format!("{p}_primary_variable_loop_current")).is_nan());
        assert_eq!(
            text(&d, &format!("{p}_primary_variable_units")),
            "unknown-0xfb"
        );
        assert_eq!(
            text(&d, &format!("{p}_tertiary_variable_units")),
            "C DEGREES CELSIUS"
        );
        assert_eq!(real(&d, &format!("{p}_tertiary_variable")), 32.5);
        assert_eq!(real(&d, &format!("{p}_quaternary_variable")), 32.0);
        // Nine bytes reach the primary variable only.
        let d = decode(3, false, &hex(COMMAND_3_RESPONSE)[..9]).unwrap();
        assert!(d.get(&format!("{p}_primary_variable")).is_some());
        assert!(d.get(&format!("{p}_secondary_variable")).is_none());
    }

    #[test]
    fn device_variable_slots() {
        let d = decode(9, false, &hex(COMMAND_9_RESPONSE)).unwrap();
        let p = "read_device_variable_response";
        assert!(flag(
            &d,
            &format!("{p}_extended_field_device_status_device_variable_alert")
        ));
        assert_eq!(count(&d, &format!("{p}_slot3_device_variable_code")), 3);
        assert_eq!(
            text(&d, &format!("{p}_slot3_device_variable_class")),
            "TEMPERATURE"
        );
        assert_eq!(
            text(
                &d,
                &format!("{p}_slot3_device_variable_status_process_data_status")
            ),
            "Good"
        );
        assert!(d.get(&format!("{p}_slot4_device_variable_code")).is_none());
        assert_eq!(count(&d, &format!("{p}_slot0_time")), 0x68ff_6500);
    }

    #[test]
    fn additional_device_status() {
        let d = decode(48, false, &hex(COMMAND_48_RESPONSE)).unwrap();
        let p = "read_additional_device_status_contents";
        assert_eq!(
            d.get(&format!("{p}_device_specific_status_0")),
            Some(&Field::Bytes(vec![0x10, 0x04, 0x07, 0, 0, 0]))
        );
        assert_eq!(text(&d, &format!("{p}_device_operating_mode")), "Reserved");
        assert_eq!(
            count(&d, &format!("{p}_standardized_status3_undefined_bits")),
            0
        );
        // Thirteen bytes end before the analog channel byte.
        assert!(d
            .get(&format!("{p}_analog_channel_analog_channel"))
            .is_none());
    }

    #[test]
    fn device_variable_information() {
        let d = decode(54, false, &hex(COMMAND_54_RESPONSE)).unwrap();
        assert_eq!(d.log, CommandLog::Common);
        let p = "read_device_variable_information_response";
        assert_eq!(
            count(&d, &format!("{p}_device_variable_transducer_serial_number")),
            6_636_321
        );
        assert_eq!(
            text(
                &d,
                &format!("{p}_device_variable_limits_minimum_span_units_code")
            ),
            "KGH KILOGRAMS PER HOUR"
        );
        assert_eq!(
            real(&d, &format!("{p}_device_variable_damping_value")),
            2_141_192_192.0
        );
        assert_eq!(text(&d, &format!("{p}_device_variable_family")), "Not Used");
        assert_eq!(
            text(&d, &format!("{p}_acquisition_period")),
            "1 minutes, 40.000000 seconds since midnight"
        );
        let d = decode(54, true, &[0]).unwrap();
        assert_eq!(
            count(
                &d,
                "read_device_variable_information_request_device_variable_code"
            ),
            0
        );
    }

    #[test]
    fn writes_of_tag_and_device_variable() {
        let d = decode(18, true, &hex(COMMAND_18_REQUEST)).unwrap();
        assert_eq!(text(&d, "write_tag_descriptor_date_tag"), "@ATIVEPI");
        assert_eq!(
            text(&d, "write_tag_descriptor_date_record_keeping_descriptor"),
            "@@@@@@@@@@@@@@C?"
        );
        assert_eq!(
            text(&d, "write_tag_descriptor_date_date_code"),
            "August 123, 1910"
        );
        let d = decode(79, true, &hex(COMMAND_79_REQUEST)).unwrap();
        assert_eq!(
            text(
                &d,
                "write_device_variable_write_device_variable_command_code"
            ),
            "Normal"
        );
        assert_eq!(text(&d, "write_device_variable_units_code"), "NAN");
        assert_eq!(
            text(
                &d,
                "write_device_variable_device_variable_status_process_data_status"
            ),
            "Bad"
        );
    }

    #[test]
    fn name_tables() {
        assert_eq!(manufacturer_name(17), Some("ENDRESSHAUSER"));
        assert_eq!(manufacturer_name(26), Some("26 ABB"));
        assert_eq!(manufacturer_name(24665), Some("EMERSON"));
        assert_eq!(manufacturer_name(24896), None);
        assert_eq!(code_name(manufacturer_name, 0x1234), "unknown-0x1234");
        assert_eq!(unit_name(57), Some(" PERCENT"));
        assert_eq!(unit_name(251), None);
        assert_eq!(classification_name(32), Some("32 RESERVED"));
        assert_eq!(classification_name(250), None);
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(date(&[0, 0, 0]), "InvalidMonth 0, 1900");
        assert_eq!(date(&[23, 8, 110]), "August 23, 2010");
        assert_eq!(date(&[1, 13, 0]), "InvalidMonth 1, 1900");
        assert_eq!(time_of_day(0), "");
        assert_eq!(
            time_of_day((3600 + 60 + 3) * 32 + 16),
            "1 hours, 1 minutes, 3.500000 seconds since midnight"
        );
        assert_eq!(time_of_day(3600 * 32), "1 hours");
    }

    #[test]
    fn hostile_input() {
        let valid = vec![
            hex(COMMAND_0_RESPONSE),
            hex(COMMAND_9_RESPONSE),
            hex(COMMAND_48_RESPONSE),
            hex(COMMAND_54_RESPONSE),
        ];
        crate::hostile::never_panics(
            &valid,
            0x4a28,
            // The first byte picks the command, so random buffers reach every decoder.
            |b, i| {
                if let Some(first) = b.first_mut() {
                    *first = (i % 91) as u8;
                }
            },
            |b| {
                if let Some((&cmd, data)) = b.split_first() {
                    let _ = decode(u16::from(cmd), true, data);
                    let _ = decode(u16::from(cmd), false, data);
                }
            },
        );
    }
}
