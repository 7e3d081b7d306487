//! IEEE C37.118 synchrophasor streams on one flow (TCP stream or UDP datagrams): frames cut
//! from each direction, configurations kept to read the data frames they describe, and what
//! the frames say turned into inventory facts (station names, PMU ids, data stream id),
//! per-edge command aggregates, and notable events (transmission turned off or on,
//! configuration or header asked for, configuration changed, bad CRCs, malformed frames).
//!
//! Transaction logs, as ICSNPP writes them: `synchrophasor_cmd`, `synchrophasor_hdr`,
//! `synchrophasor_cfg`, `synchrophasor_data` and `synchrophasor_data_detail` (one row per
//! PMU of a data frame, linked to its frame by `data_frame_id`).

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use otwatch_dissect::synchrophasor::{self as c37, Config, Frame, FrameType};
use otwatch_inventory::Subject;
use otwatch_model::logs::{LogSpec, Value};

/// ICSNPP's `synchrophasor.log`: one row per connection, written when it ends.
pub static SYNCHROPHASOR_LOG: LogSpec = LogSpec {
    name: "synchrophasor",
    directional: false,
    columns: &[
        ("proto", "enum"),
        ("version", "set[count]"),
        ("data_stream_id", "set[count]"),
        ("history", "string"),
        ("frame_size_min", "count"),
        ("frame_size_max", "count"),
        ("frame_size_tot", "count"),
        ("data_frame_count", "count"),
        ("data_rate", "set[count]"),
    ],
};

pub static SYNCHROPHASOR_CMD_LOG: LogSpec = LogSpec {
    name: "synchrophasor_cmd",
    directional: false,
    columns: &[
        ("proto", "enum"),
        ("frame_type", "string"),
        ("frame_size", "count"),
        ("header_time_stamp", "time"),
        ("command", "string"),
        ("extframe", "vector[count]"),
    ],
};

pub static SYNCHROPHASOR_HDR_LOG: LogSpec = LogSpec {
    name: "synchrophasor_hdr",
    directional: false,
    columns: &[
        ("proto", "enum"),
        ("frame_type", "string"),
        ("frame_size", "count"),
        ("header_time_stamp", "time"),
        ("data", "string"),
    ],
};

pub static SYNCHROPHASOR_CFG_LOG: LogSpec = LogSpec {
    name: "synchrophasor_cfg",
    directional: false,
    columns: &[
        ("proto", "enum"),
        ("frame_type", "string"),
        ("frame_size", "count"),
        ("header_time_stamp", "time"),
        ("cont_idx", "count"),
        ("pmu_count_expected", "count"),
        ("pmu_count_actual", "count"),
        ("data_rate", "count"),
        ("cfg_frame_id", "string"),
    ],
};

/// ICSNPP's `synchrophasor_cfg_detail.log`: one row per PMU of a configuration. The
/// CFG-3 columns (sampling, calibration, position, window) are zero or false for CFG-1/2.
pub static SYNCHROPHASOR_CFG_DETAIL_LOG: LogSpec = LogSpec {
    name: "synchrophasor_cfg_detail",
    directional: false,
    columns: &[
        ("proto", "enum"),
        ("frame_type", "string"),
        ("header_time_stamp", "time"),
        ("cfg_frame_id", "string"),
        ("pmu_idx", "count"),
        ("svc_class", "string"),
        ("station_name", "string"),
        ("data_source_id", "count"),
        ("global_pmuid", "string"),
        ("phasor_shape", "bool"),
        ("phasor_format", "bool"),
        ("analog_format", "bool"),
        ("freq_format", "bool"),
        ("phnmr", "count"),
        ("annmr", "count"),
        ("dgnmr", "count"),
        ("phnam", "vector[string]"),
        ("annam", "vector[string]"),
        ("dgnam", "vector[string]"),
        ("phasor_conv_phunit", "vector[count]"),
        ("phasor_conv_phvalue", "vector[count]"),
        ("phasor_conv_upsampled_interpolation", "vector[bool]"),
        ("phasor_conv_upsampled_extrapolation", "vector[bool]"),
        ("phasor_conv_downsampled_reselection", "vector[bool]"),
        ("phasor_conv_downsampled_fir_filter", "vector[bool]"),
        ("phasor_conv_downsampled_no_fir_filter", "vector[bool]"),
        (
            "phasor_conv_filtered_without_changing_sampling",
            "vector[bool]",
        ),
        ("phasor_conv_calibration_mag_adj", "vector[bool]"),
        ("phasor_conv_calibration_phas_adj", "vector[bool]"),
        ("phasor_conv_rotation_phase_adj", "vector[bool]"),
        ("phasor_conv_pseudo_phasor_val", "vector[bool]"),
        ("phasor_conv_mod_appl", "vector[bool]"),
        ("phasor_conv_phasor_component", "vector[count]"),
        ("phasor_conv_phasor_type", "vector[bool]"),
        ("phasor_conv_user_def", "vector[count]"),
        ("phasor_conv_scale_factor", "vector[double]"),
        ("phasor_conv_angle_adj", "vector[double]"),
        ("analog_conv_analog_flags", "vector[count]"),
        ("analog_conv_user_defined_scaling", "vector[int]"),
        ("analog_conv_mag_scale", "vector[double]"),
        ("analog_conv_offset", "vector[double]"),
        ("digital_conv_normal_status_mask", "vector[count]"),
        ("digital_conv_valid_inputs_mask", "vector[count]"),
        ("pmu_lat", "double"),
        ("pmu_lon", "double"),
        ("pmu_elev", "double"),
        ("window", "int"),
        ("group_delay", "int"),
        ("fnom", "count"),
        ("cfgcnt", "count"),
    ],
};

pub static SYNCHROPHASOR_DATA_LOG: LogSpec = LogSpec {
    name: "synchrophasor_data",
    directional: false,
    columns: &[
        ("proto", "enum"),
        ("frame_type", "string"),
        ("frame_size", "count"),
        ("header_time_stamp", "time"),
        ("pmu_count_expected", "count"),
        ("pmu_count_actual", "count"),
        ("data_frame_id", "string"),
    ],
};

pub static SYNCHROPHASOR_DATA_DETAIL_LOG: LogSpec = LogSpec {
    name: "synchrophasor_data_detail",
    directional: false,
    columns: &[
        ("proto", "enum"),
        ("frame_type", "string"),
        ("header_time_stamp", "time"),
        ("data_frame_id", "string"),
        ("pmu_idx", "count"),
        ("trigger_reason", "count"),
        ("unlocked_time", "count"),
        ("pmu_time_quality", "count"),
        ("data_modified", "bool"),
        ("config_change", "bool"),
        ("pmu_trigger_pickup", "bool"),
        ("data_sorting_type", "bool"),
        ("pmu_sync_error", "bool"),
        ("data_error_indicator", "count"),
        ("est_rectangular_real", "vector[double]"),
        ("est_rectangular_imaginary", "vector[double]"),
        ("est_polar_magnitude", "vector[double]"),
        ("est_polar_angle", "vector[double]"),
        ("freq_dev_mhz", "double"),
        ("rocof", "double"),
        ("analog_data", "vector[double]"),
        ("digital", "vector[count]"),
    ],
};

/// A frame is at most 65535 bytes; a configuration of a large concentrator comes near.
const MAX_FRAME: usize = c37::MAX_FRAME;
/// Configurations kept per flow (one per data stream id); a flow carrying more streams
/// reads the data of the first ones only.
const MAX_CONFIGS: usize = 8;
/// Commands and configurations reported per flow before repetitions are no longer told
/// apart.
const MAX_REPORTED: usize = 16;

struct FrameLength;
impl MessageLength for FrameLength {
    const HEADER: usize = 4;
    fn total(header: &[u8]) -> Option<usize> {
        c37::frame_len(header)
    }
}

#[derive(Debug, Default)]
pub struct SynchrophasorFlow {
    framer: Framer,
    /// Configurations by data stream id.
    configs: Vec<(u16, Config)>,
    /// Frames logged on this flow, for the ids linking a frame's rows.
    frames: u64,
    reported: crate::reported::Reported<(u8, u16, u16)>,
    crc_reported: bool,
    summary: Summary,
}

/// What `synchrophasor.log` says of the connection: frames decoded (commands,
/// configurations, headers, and data frames a configuration made readable).
#[derive(Debug, Default)]
struct Summary {
    first_ts: Option<i64>,
    tcp: bool,
    versions: Vec<u64>,
    streams: Vec<u64>,
    /// One letter per command, as ICSNPP writes them (`d`/`D` data off/on, `h` header,
    /// `1`/`2`/`3` configurations, `e` extended frame, `u` other).
    history: String,
    size_min: u64,
    size_max: u64,
    size_total: u64,
    data_frames: u64,
    data_rates: Vec<u64>,
}

/// Distinct values a summary set keeps, and command letters its history keeps.
const MAX_SUMMARY_VALUES: usize = 16;
const MAX_HISTORY: usize = 256;

fn add_to_set(set: &mut Vec<u64>, value: u64) {
    if !set.contains(&value) && set.len() < MAX_SUMMARY_VALUES {
        set.push(value);
        set.sort_unstable();
    }
}

impl Summary {
    fn frame(&mut self, f: &Frame<'_>, tcp: bool, ts: i64) {
        self.first_ts.get_or_insert(ts);
        self.tcp = tcp;
        add_to_set(&mut self.versions, f.version.into());
        add_to_set(&mut self.streams, f.idcode.into());
        let size = u64::from(f.size);
        if self.size_min == 0 || size < self.size_min {
            self.size_min = size;
        }
        self.size_max = self.size_max.max(size);
        self.size_total += size;
    }
}

impl SynchrophasorFlow {
    pub fn gap(&mut self) {
        self.framer.gap();
    }

    pub fn chunk(&mut self, side: usize, data: &[u8], tcp: bool, ctx: &mut Ctx<'_>) {
        // The framer is set aside while its frames are handled, so that they need no copy.
        let mut framer = std::mem::take(&mut self.framer);
        framer.feed::<FrameLength>(side, data, MAX_FRAME, |m| self.frame(m, tcp, ctx));
        self.framer = framer;
    }

    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        if !data.is_empty() {
            self.frame(data, false, ctx);
        }
    }

    fn frame(&mut self, bytes: &[u8], tcp: bool, ctx: &mut Ctx<'_>) {
        let f = match c37::parse(bytes) {
            Ok(f) => f,
            Err(e) => {
                ctx.event(
                    "synchrophasor",
                    "synchrophasor_malformed".into(),
                    e.to_string(),
                );
                return;
            }
        };
        if !f.crc_ok && !self.crc_reported {
            self.crc_reported = true;
            ctx.event(
                "synchrophasor",
                "synchrophasor_bad_crc".into(),
                format!(
                    "{} frame of stream {} with a CRC that does not match",
                    f.frame_type.name(),
                    f.idcode
                ),
            );
        }
        self.frames += 1;
        let readable =
            f.frame_type != FrameType::Data || self.configs.iter().any(|(s, _)| *s == f.idcode);
        if readable {
            self.summary.frame(&f, tcp, ctx.ev.ts);
            if f.frame_type == FrameType::Data {
                self.summary.data_frames += 1;
            }
        }
        let proto: Value = if tcp { "tcp" } else { "udp" }.into();
        let id = |prefix: char, n: u64| Value::Str(format!("{prefix}{n:x}"));
        match f.frame_type {
            FrameType::Command => self.command(&f, proto, ctx),
            FrameType::Header => {
                if ctx.logging() {
                    let text = otwatch_dissect::printable(f.body).unwrap_or_default();
                    ctx.log(
                        &SYNCHROPHASOR_HDR_LOG,
                        vec![
                            proto,
                            f.frame_type.name().into(),
                            Value::Count(f.size.into()),
                            Value::Unset,
                            text.into(),
                        ],
                    );
                }
            }
            FrameType::Cfg1 | FrameType::Cfg2 => match c37::config(f.body) {
                Ok(config) => {
                    if ctx.logging() {
                        ctx.log(
                            &SYNCHROPHASOR_CFG_LOG,
                            vec![
                                proto.clone(),
                                f.frame_type.name().into(),
                                Value::Count(f.size.into()),
                                Value::Unset,
                                Value::Count(0),
                                Value::Count(config.pmu_count.into()),
                                Value::Count(config.pmus.len() as u64),
                                Value::Count(config.data_rate.unsigned_abs().into()),
                                id('c', self.frames),
                            ],
                        );
                        let time = frame_time(&f, config.time_base);
                        for (i, pmu) in config.pmus.iter().enumerate() {
                            let row = cfg_detail_row(
                                &f,
                                pmu,
                                i,
                                proto.clone(),
                                time,
                                id('c', self.frames),
                            );
                            ctx.log(&SYNCHROPHASOR_CFG_DETAIL_LOG, row);
                        }
                    }
                    add_to_set(
                        &mut self.summary.data_rates,
                        config.data_rate.unsigned_abs().into(),
                    );
                    self.config(&f, config, ctx);
                }
                Err(e) => ctx.event(
                    "synchrophasor",
                    "synchrophasor_malformed".into(),
                    e.to_string(),
                ),
            },
            FrameType::Cfg3 => {
                if ctx.logging() {
                    ctx.log(
                        &SYNCHROPHASOR_CFG_LOG,
                        vec![
                            proto,
                            f.frame_type.name().into(),
                            Value::Count(f.size.into()),
                            Value::Unset,
                            Value::Count(be16(f.body, 0).unwrap_or(0).into()),
                            Value::Unset,
                            Value::Unset,
                            Value::Unset,
                            id('c', self.frames),
                        ],
                    );
                }
            }
            FrameType::Data => {
                let Some((_, config)) = self.configs.iter().find(|(s, _)| *s == f.idcode) else {
                    return;
                };
                if !ctx.logging() {
                    return;
                }
                let pmus = c37::data(f.body, config);
                let frame_id = id('d', self.frames);
                ctx.log(
                    &SYNCHROPHASOR_DATA_LOG,
                    vec![
                        proto.clone(),
                        f.frame_type.name().into(),
                        Value::Count(f.size.into()),
                        Value::Unset,
                        Value::Count(config.pmu_count.into()),
                        Value::Count(pmus.len() as u64),
                        frame_id.clone(),
                    ],
                );
                let time = frame_time(&f, config.time_base);
                for (i, (pmu, d)) in config.pmus.iter().zip(&pmus).enumerate() {
                    let s = d.stat;
                    let bit = |n: u16| Value::Bool(s & (1 << n) != 0);
                    let zeros = || doubles(&vec![0.0; d.phasors.len()]);
                    let first: Vec<f64> = d.phasors.iter().map(|p| p.0).collect();
                    let second: Vec<f64> = d.phasors.iter().map(|p| p.1).collect();
                    let (real, imaginary, magnitude, angle) = if pmu.polar {
                        (zeros(), zeros(), doubles(&first), doubles(&second))
                    } else {
                        (doubles(&first), doubles(&second), zeros(), zeros())
                    };
                    ctx.log(
                        &SYNCHROPHASOR_DATA_DETAIL_LOG,
                        vec![
                            proto.clone(),
                            f.frame_type.name().into(),
                            Value::Time(time),
                            frame_id.clone(),
                            Value::Count(i as u64),
                            Value::Count(u64::from(s & 0x0f)),
                            Value::Count(u64::from((s >> 4) & 3)),
                            Value::Count(u64::from((s >> 6) & 7)),
                            bit(9),
                            bit(10),
                            bit(11),
                            bit(12),
                            bit(13),
                            Value::Count(u64::from(s >> 14)),
                            real,
                            imaginary,
                            magnitude,
                            angle,
                            Value::Double(d.freq),
                            Value::Double(d.dfreq),
                            doubles(&d.analogs),
                            Value::Counts(d.digitals.iter().map(|&v| v.into()).collect()),
                        ],
                    );
                }
            }
        }
    }

    fn command(&mut self, f: &Frame<'_>, proto: Value, ctx: &mut Ctx<'_>) {
        let Some((cmd, ext)) = c37::command(f.body) else {
            ctx.event(
                "synchrophasor",
                "synchrophasor_malformed".into(),
                "command frame without a command".into(),
            );
            return;
        };
        let name = c37::command_name(cmd);
        if self.summary.history.len() < MAX_HISTORY {
            self.summary.history.push(match cmd {
                1 => 'd',
                2 => 'D',
                3 => 'h',
                4 => '1',
                5 => '2',
                6 => '3',
                8 => 'e',
                _ => 'u',
            });
        }
        ctx.obs.function(
            ctx.src,
            ctx.dst,
            "synchrophasor",
            cmd,
            || name.clone(),
            ctx.ev.ts,
        );
        if ctx.logging() {
            ctx.log(
                &SYNCHROPHASOR_CMD_LOG,
                vec![
                    proto,
                    f.frame_type.name().into(),
                    Value::Count(f.size.into()),
                    Value::Unset,
                    name.clone().into(),
                    Value::Counts(ext.iter().map(|&w| w.into()).collect()),
                ],
            );
        }
        let kind = match cmd {
            1 => "synchrophasor_transmission_off",
            2 => "synchrophasor_transmission_on",
            3..=6 => "synchrophasor_config_request",
            _ => return,
        };
        if !self.first_time((0, f.idcode, cmd)) {
            return;
        }
        ctx.event(
            "synchrophasor",
            kind.into(),
            format!("{name} to data stream {}", f.idcode),
        );
    }

    /// A configuration from the PMU (or concentrator): kept for the data frames, and its
    /// stations and ids recorded.
    fn config(&mut self, f: &Frame<'_>, config: Config, ctx: &mut Ctx<'_>) {
        let cfgcnt = config.pmus.first().map_or(0, |p| p.cfgcnt);
        let previous = self
            .configs
            .iter()
            .find(|(s, _)| *s == f.idcode)
            .and_then(|(_, c)| c.pmus.first().map(|p| p.cfgcnt));
        if previous.is_some_and(|p| p != cfgcnt) {
            ctx.event(
                "synchrophasor",
                "synchrophasor_config_change".into(),
                format!(
                    "data stream {}: configuration count {} -> {cfgcnt}",
                    f.idcode,
                    previous.unwrap_or(0)
                ),
            );
        }
        if self.first_time((f.frame_type as u8 + 1, f.idcode, cfgcnt)) {
            let message = format!("C37.118 {} frame", f.frame_type.name());
            let mut fact = |name: &'static str, value: &str| {
                ctx.obs.attribute(
                    Subject::Ip(ctx.src),
                    name,
                    value,
                    "synchrophasor",
                    &message,
                    1.0,
                    ctx.ev,
                );
            };
            fact("synchrophasor_data_stream_id", &f.idcode.to_string());
            for pmu in &config.pmus {
                fact("synchrophasor_station", &pmu.station_name);
                fact("synchrophasor_pmu_id", &pmu.idcode.to_string());
            }
        }
        let known = self.configs.len();
        match self.configs.iter_mut().find(|(s, _)| *s == f.idcode) {
            Some(slot) => slot.1 = config,
            None if known < MAX_CONFIGS => self.configs.push((f.idcode, config)),
            None => {}
        }
    }

    /// The connection ended: its summary row.
    pub fn end(&self, ctx: &mut Ctx<'_>) {
        let s = &self.summary;
        let Some(first) = s.first_ts else {
            return;
        };
        if !ctx.logging() {
            return;
        }
        let from_orig = ctx.from_orig;
        ctx.log_at(
            &SYNCHROPHASOR_LOG,
            first,
            from_orig,
            vec![
                if s.tcp { "tcp" } else { "udp" }.into(),
                Value::Counts(s.versions.clone()),
                Value::Counts(s.streams.clone()),
                s.history.clone().into(),
                Value::Count(s.size_min),
                Value::Count(s.size_max),
                Value::Count(s.size_total),
                Value::Count(s.data_frames),
                Value::Counts(s.data_rates.clone()),
            ],
        );
    }

    /// Whether this digest is new on the flow (and remembers it while there is room).
    fn first_time(&mut self, digest: (u8, u16, u16)) -> bool {
        self.reported.first(digest, MAX_REPORTED)
    }
}

/// One PMU of a configuration, in the columns of `synchrophasor_cfg_detail`.
fn cfg_detail_row(
    f: &Frame<'_>,
    pmu: &c37::PmuConfig,
    index: usize,
    proto: Value,
    time: i64,
    frame_id: Value,
) -> Vec<Value> {
    let strs = |v: &[String]| Value::Strs(v.to_vec());
    let counts = |v: Vec<u64>| Value::Counts(v);
    let phasors = pmu.phunits.len();
    let falses = || Value::Strs(vec!["F".to_string(); phasors]);
    let zeros = || Value::Counts(vec![0; phasors]);
    let analogs = pmu.anunits.len();
    let mut row = vec![
        proto,
        f.frame_type.name().into(),
        Value::Time(time),
        frame_id,
        Value::Count(index as u64),
        String::new().into(),
        pmu.station_name.clone().into(),
        Value::Count(pmu.idcode.into()),
        String::new().into(),
        Value::Bool(pmu.polar),
        Value::Bool(pmu.phasor_float),
        Value::Bool(pmu.analog_float),
        Value::Bool(pmu.freq_float),
        Value::Count(pmu.phasors.into()),
        Value::Count(pmu.analogs.into()),
        Value::Count(pmu.digitals.into()),
        strs(&pmu.phasor_names),
        strs(&pmu.analog_names),
        strs(&pmu.digital_names),
        // ICSNPP splits PHUNIT into its last byte and the byte before it.
        counts(pmu.phunits.iter().map(|u| u64::from(u & 0xff)).collect()),
        counts(
            pmu.phunits
                .iter()
                .map(|u| u64::from((u >> 8) & 0xff))
                .collect(),
        ),
    ];
    // The eleven sampling and calibration flags of CFG-3.
    row.extend(std::iter::repeat_with(falses).take(11));
    row.extend([
        zeros(),
        falses(),
        zeros(),
        doubles(&vec![0.0; phasors]),
        doubles(&vec![0.0; phasors]),
        // Likewise ANUNIT: its last byte as the flags, the three before as the scaling.
        counts(pmu.anunits.iter().map(|u| u64::from(u & 0xff)).collect()),
        Value::Strs(
            pmu.anunits
                .iter()
                .map(|&u| ((u as i32) >> 8).to_string())
                .collect(),
        ),
        doubles(&vec![0.0; analogs]),
        doubles(&vec![0.0; analogs]),
        counts(pmu.digunits.iter().map(|d| u64::from(d.0)).collect()),
        counts(pmu.digunits.iter().map(|d| u64::from(d.1)).collect()),
        Value::Double(0.0),
        Value::Double(0.0),
        Value::Double(0.0),
        Value::Int(0),
        Value::Int(0),
        Value::Count(pmu.fnom_code.into()),
        Value::Count(pmu.cfgcnt.into()),
    ]);
    row
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// The frame's time stamp: SOC plus the fraction of a second over the time base.
fn frame_time(f: &Frame<'_>, time_base: u32) -> i64 {
    let fraction = f.fracsec & 0x00ff_ffff;
    let micros = if time_base == 0 {
        0
    } else {
        i64::from(fraction) * 1_000_000 / i64::from(time_base)
    };
    i64::from(f.soc) * 1_000_000 + micros
}

/// A vector of doubles as Zeek writes them (six decimals, trailing zeros dropped), carried
/// as a list of strings.
fn doubles(values: &[f64]) -> Value {
    Value::Strs(values.iter().map(|&v| zeek_double(v)).collect())
}

fn zeek_double(d: f64) -> String {
    if !d.is_finite() {
        return format!("{d}");
    }
    let mut s = format!("{d:.6}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.push('0');
    }
    s
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

    /// icsnpp-synchrophasor C37.118_1PMU_TCP.pcap, frames 4 (command Send CFG-2), 6 (the
    /// CFG-2 of "Blue PMU") and 10 (a data frame).
    const COMMAND: &str = "aa41001200f100000000000000000005d7d0";
    const CFG2: &str = "aa31008600f14893344a0019999a00ffffff0001426c756520504d55202020202020202000f1000600040000000056314c504d202020202020202020202056414c504d202020202020202020202056424c504d202020202020202020202056434c504d202020202020202020202000000001000000010000000100000001000100590032c1e2";
    const DATA: &str = "aa01003600f14893344a001eb852080042f68f24c7c36623430188cbc7c36332c7a956764742fe4b47a91cdd4743d1440000000047ef";

    #[test]
    fn config_read_before_data_and_command_reported() {
        let mut t = TestFlow::new(("192.168.0.20", 36835), ("192.168.0.241", 4712));
        let mut flow = SynchrophasorFlow::default();
        // Data before any configuration cannot be read: not logged.
        flow.chunk(1, &hex(DATA), true, &mut t.ctx(false, 3, 1));
        assert!(t.rows.is_empty());
        flow.chunk(0, &hex(COMMAND), true, &mut t.ctx(true, 4, 2));
        let cfg = hex(CFG2);
        flow.chunk(1, &cfg[..50], true, &mut t.ctx(false, 6, 3));
        flow.chunk(1, &cfg[50..], true, &mut t.ctx(false, 6, 3));
        flow.chunk(1, &hex(DATA), true, &mut t.ctx(false, 10, 4));
        let names: Vec<&str> = t.rows.iter().map(|r| r.spec.name).collect();
        assert_eq!(
            names,
            [
                "synchrophasor_cmd",
                "synchrophasor_cfg",
                "synchrophasor_cfg_detail",
                "synchrophasor_data",
                "synchrophasor_data_detail"
            ]
        );
        let cfg_detail = &t.rows[2].values;
        assert_eq!(cfg_detail[6], Value::Str("Blue PMU".into()));
        assert_eq!(
            cfg_detail[19],
            Value::Counts(vec![1, 1, 1, 1]),
            "PHUNIT's last byte"
        );
        let detail = &t.rows[4].values;
        assert_eq!(detail[10], Value::Bool(true), "trigger pickup");
        assert_eq!(
            detail[14],
            Value::Strs(vec![
                "123.279572".into(),
                "129.534348".into(),
                "-86700.921875".into(),
                "86585.726562".into()
            ])
        );
        assert_eq!(t.events.len(), 1);
        assert_eq!(t.events[0].kind, "synchrophasor_config_request");
        flow.end(&mut t.ctx(true, 11, 5));
        let summary = t.rows.last().unwrap();
        assert_eq!(summary.spec.name, "synchrophasor");
        assert_eq!(summary.ts, 2, "stamped with the first frame decoded");
        assert_eq!(
            summary.values[3..8],
            [
                Value::Str("2".into()),
                Value::Count(18),
                Value::Count(134),
                Value::Count(18 + 134 + 54),
                Value::Count(1)
            ],
            "the data frame before the configuration is not counted"
        );
    }
}
