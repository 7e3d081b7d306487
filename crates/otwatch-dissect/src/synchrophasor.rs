//! IEEE C37.118 synchrophasor frames (C37.118-2005 and .2-2011), as phasor measurement
//! units (PMUs) and phasor data concentrators exchange them over TCP (4712) and UDP (4713).
//!
//! Every frame opens with SYNC (`0xAA`, the frame type and the version), the frame size, the
//! data stream id and a time stamp (SOC and FRACSEC), and closes with a CRC-CCITT. Data
//! frames can only be read with the configuration (CFG-1/2) that describes them: how many
//! PMUs, and for each its phasors, analogs and digitals and their number formats. Command
//! frames turn transmission on or off and ask for a configuration or the header.

use crate::Malformed;

pub const SYNC: u8 = 0xaa;
/// SYNC, FRAMESIZE, IDCODE, SOC, FRACSEC.
pub const HEADER_LEN: usize = 14;
/// The frame size is a 16-bit count.
pub const MAX_FRAME: usize = 65_535;
/// PMUs and channels a configuration may describe before it is cut: the counts are 16-bit,
/// far more than any real device carries.
pub const MAX_PMUS: usize = 256;
pub const MAX_CHANNELS: usize = 1024;

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

fn f32_at(b: &[u8], at: usize) -> Option<f32> {
    Some(f32::from_bits(be32(b, at)?))
}

/// Total length of the frame that starts `header`, for stream framing.
pub fn frame_len(header: &[u8]) -> Option<usize> {
    if *header.first()? != SYNC {
        return None;
    }
    let len = usize::from(be16(header, 2)?);
    (len >= HEADER_LEN + 2).then_some(len)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameType {
    Data,
    Header,
    Cfg1,
    Cfg2,
    Command,
    Cfg3,
}

impl FrameType {
    /// ICSNPP's name of the frame type.
    pub fn name(self) -> &'static str {
        match self {
            FrameType::Data => "Data",
            FrameType::Header => "Header",
            FrameType::Cfg1 => "CFG1",
            FrameType::Cfg2 => "CFG2",
            FrameType::Command => "Command",
            FrameType::Cfg3 => "CFG3",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    pub frame_type: FrameType,
    pub version: u8,
    pub size: u16,
    pub idcode: u16,
    pub soc: u32,
    pub fracsec: u32,
    /// What lies between the header and the CRC.
    pub body: &'a [u8],
    pub crc_ok: bool,
}

/// CRC-CCITT (polynomial 0x1021, initial 0xFFFF), as the standard specifies.
pub fn crc_ccitt(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

pub fn parse(frame: &[u8]) -> Result<Frame<'_>, Malformed> {
    if frame.first() != Some(&SYNC) {
        return Err(Malformed::new("synchrophasor_bad_sync", 0));
    }
    let Some(size) = be16(frame, 2) else {
        return Err(Malformed::new("synchrophasor_truncated", frame.len()));
    };
    let len = usize::from(size);
    if len < HEADER_LEN + 2 {
        return Err(Malformed::new("synchrophasor_short_size", 2));
    }
    if frame.len() < len {
        return Err(Malformed::new("synchrophasor_truncated", frame.len()));
    }
    let frame_type = match (frame[1] >> 4) & 7 {
        0 => FrameType::Data,
        1 => FrameType::Header,
        2 => FrameType::Cfg1,
        3 => FrameType::Cfg2,
        4 => FrameType::Command,
        5 => FrameType::Cfg3,
        _ => return Err(Malformed::new("synchrophasor_unknown_frame_type", 1)),
    };
    let crc = be16(frame, len - 2).unwrap_or(0);
    Ok(Frame {
        frame_type,
        version: frame[1] & 0x0f,
        size,
        idcode: be16(frame, 4).unwrap_or(0),
        soc: be32(frame, 6).unwrap_or(0),
        fracsec: be32(frame, 10).unwrap_or(0),
        body: &frame[HEADER_LEN..len - 2],
        crc_ok: crc_ccitt(&frame[..len - 2]) == crc,
    })
}

/// One PMU as a configuration describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PmuConfig {
    pub station_name: String,
    pub idcode: u16,
    /// Phasors in polar form (rectangular otherwise).
    pub polar: bool,
    pub phasor_float: bool,
    pub analog_float: bool,
    pub freq_float: bool,
    pub phasor_names: Vec<String>,
    pub analog_names: Vec<String>,
    pub digital_names: Vec<String>,
    pub phasors: u16,
    pub analogs: u16,
    pub digitals: u16,
    /// Conversion factors as sent: PHUNIT, ANUNIT (four bytes each), DIGUNIT (normal
    /// status mask and valid inputs mask).
    pub phunits: Vec<u32>,
    pub anunits: Vec<u32>,
    pub digunits: Vec<(u16, u16)>,
    /// Nominal frequency: 50 or 60 Hz.
    pub fnom: u16,
    /// The FNOM field as sent (bit 0 set for 50 Hz).
    pub fnom_code: u16,
    pub cfgcnt: u16,
}

impl PmuConfig {
    /// Bytes this PMU takes in a data frame.
    pub fn data_len(&self) -> usize {
        let ph = if self.phasor_float { 8 } else { 4 };
        let fr = if self.freq_float { 4 } else { 2 };
        let an = if self.analog_float { 4 } else { 2 };
        2 + ph * usize::from(self.phasors)
            + 2 * fr
            + an * usize::from(self.analogs)
            + 2 * usize::from(self.digitals)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub time_base: u32,
    /// PMUs the frame says it describes.
    pub pmu_count: u16,
    pub pmus: Vec<PmuConfig>,
    pub data_rate: i16,
}

fn name16(b: &[u8]) -> String {
    crate::printable(b).unwrap_or_default()
}

/// A CFG-1 or CFG-2 body.
pub fn config(body: &[u8]) -> Result<Config, Malformed> {
    let truncated = |at: usize| Malformed::new("synchrophasor_config_truncated", at);
    let time_base = be32(body, 0).ok_or(truncated(0))? & 0x00ff_ffff;
    let pmu_count = be16(body, 4).ok_or(truncated(4))?;
    let mut at = 6;
    let mut pmus = Vec::new();
    for _ in 0..usize::from(pmu_count).min(MAX_PMUS) {
        let fixed = body.get(at..at + 26).ok_or(truncated(at))?;
        let format = be16(fixed, 18).unwrap_or(0);
        let (phasors, analogs, digitals) = (
            be16(fixed, 20).unwrap_or(0),
            be16(fixed, 22).unwrap_or(0),
            be16(fixed, 24).unwrap_or(0),
        );
        let names = usize::from(phasors) + usize::from(analogs) + 16 * usize::from(digitals);
        if names > MAX_CHANNELS * 16 {
            return Err(Malformed::new("synchrophasor_too_many_channels", at + 20));
        }
        at += 26;
        let names_bytes = body.get(at..at + 16 * names).ok_or(truncated(at))?;
        let mut all: Vec<String> = names_bytes.chunks_exact(16).map(name16).collect();
        let digital_names = all.split_off(usize::from(phasors) + usize::from(analogs));
        let analog_names = all.split_off(usize::from(phasors));
        at += 16 * names;
        // Conversion factors: four bytes per phasor, analog and digital word.
        let words = |n: u16, at: usize| -> Result<Vec<u32>, Malformed> {
            body.get(at..at + 4 * usize::from(n))
                .ok_or(truncated(at))
                .map(|b| {
                    b.chunks_exact(4)
                        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                        .collect()
                })
        };
        let phunits = words(phasors, at)?;
        at += 4 * usize::from(phasors);
        let anunits = words(analogs, at)?;
        at += 4 * usize::from(analogs);
        let digunits = words(digitals, at)?
            .into_iter()
            .map(|w| ((w >> 16) as u16, w as u16))
            .collect();
        at += 4 * usize::from(digitals);
        let fnom = be16(body, at).ok_or(truncated(at))?;
        let cfgcnt = be16(body, at + 2).ok_or(truncated(at + 2))?;
        at += 4;
        pmus.push(PmuConfig {
            station_name: name16(&fixed[..16]),
            idcode: be16(fixed, 16).unwrap_or(0),
            polar: format & 1 != 0,
            phasor_float: format & 2 != 0,
            analog_float: format & 4 != 0,
            freq_float: format & 8 != 0,
            phasor_names: all,
            analog_names,
            digital_names,
            phasors,
            analogs,
            digitals,
            phunits,
            anunits,
            digunits,
            fnom: if fnom & 1 != 0 { 50 } else { 60 },
            fnom_code: fnom,
            cfgcnt,
        });
    }
    let data_rate = be16(body, at).ok_or(truncated(at))? as i16;
    Ok(Config {
        time_base,
        pmu_count,
        pmus,
        data_rate,
    })
}

/// One PMU's block of a data frame.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PmuData {
    pub stat: u16,
    /// (real, imaginary) or (magnitude, angle), as the configuration says.
    pub phasors: Vec<(f64, f64)>,
    pub freq: f64,
    pub dfreq: f64,
    pub analogs: Vec<f64>,
    pub digitals: Vec<u16>,
}

/// A data frame's body read with its configuration; PMUs beyond the body are left out.
pub fn data(body: &[u8], config: &Config) -> Vec<PmuData> {
    let mut out = Vec::new();
    let mut at = 0;
    for pmu in &config.pmus {
        let Some(block) = body.get(at..at + pmu.data_len()) else {
            break;
        };
        at += pmu.data_len();
        let mut p = 2;
        let mut d = PmuData {
            stat: be16(block, 0).unwrap_or(0),
            ..PmuData::default()
        };
        for _ in 0..pmu.phasors {
            let v = if pmu.phasor_float {
                p += 8;
                (
                    f64::from(f32_at(block, p - 8).unwrap_or(0.0)),
                    f64::from(f32_at(block, p - 4).unwrap_or(0.0)),
                )
            } else {
                p += 4;
                let a = be16(block, p - 4).unwrap_or(0);
                let b = be16(block, p - 2).unwrap_or(0) as i16;
                if pmu.polar {
                    // Magnitude unsigned; angle in radians times 10^4.
                    (f64::from(a), f64::from(b) / 10_000.0)
                } else {
                    (f64::from(a as i16), f64::from(b))
                }
            };
            d.phasors.push(v);
        }
        if pmu.freq_float {
            d.freq = f64::from(f32_at(block, p).unwrap_or(0.0));
            d.dfreq = f64::from(f32_at(block, p + 4).unwrap_or(0.0));
            p += 8;
        } else {
            d.freq = f64::from(be16(block, p).unwrap_or(0) as i16);
            d.dfreq = f64::from(be16(block, p + 2).unwrap_or(0) as i16) / 100.0;
            p += 4;
        }
        for _ in 0..pmu.analogs {
            let v = if pmu.analog_float {
                p += 4;
                f64::from(f32_at(block, p - 4).unwrap_or(0.0))
            } else {
                p += 2;
                f64::from(be16(block, p - 2).unwrap_or(0) as i16)
            };
            d.analogs.push(v);
        }
        for _ in 0..pmu.digitals {
            d.digitals.push(be16(block, p).unwrap_or(0));
            p += 2;
        }
        out.push(d);
    }
    out
}

/// The command of a command frame and its extended frame (16-bit words).
pub fn command(body: &[u8]) -> Option<(u16, Vec<u16>)> {
    let cmd = be16(body, 0)?;
    let ext = body
        .get(2..)
        .unwrap_or_default()
        .chunks_exact(2)
        .take(MAX_CHANNELS)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    Some((cmd, ext))
}

/// ICSNPP's name of a command.
pub fn command_name(cmd: u16) -> String {
    match cmd {
        1 => "Data off".into(),
        2 => "Data on".into(),
        3 => "Send HDR".into(),
        4 => "Send CFG-1".into(),
        5 => "Send CFG-2".into(),
        6 => "Send CFG-3".into(),
        8 => "Extended frame".into(),
        c if (0x100..=0xfff).contains(&c) => format!("User designated ({c})"),
        c => format!("Reserved ({c})"),
    }
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

    /// icsnpp-synchrophasor C37.118_1PMU_TCP.pcap, frame 4: command "Send CFG-2" to PMU 241.
    const COMMAND: &str = "aa41001200f100000000000000000005d7d0";
    /// Same capture, frame 6: CFG-2 of "Blue PMU", four float rectangular phasors, 50 Hz.
    const CFG2: &str = "aa31008600f14893344a0019999a00ffffff0001426c756520504d55202020202020202000f1000600040000000056314c504d202020202020202020202056414c504d202020202020202020202056424c504d202020202020202020202056434c504d202020202020202020202000000001000000010000000100000001000100590032c1e2";
    /// Same capture, frame 10: a data frame it describes.
    const DATA: &str = "aa01003600f14893344a001eb852080042f68f24c7c36623430188cbc7c36332c7a956764742fe4b47a91cdd4743d1440000000047ef";

    #[test]
    fn command_frame() {
        let b = hex(COMMAND);
        assert_eq!(frame_len(&b), Some(18));
        let f = parse(&b).unwrap();
        assert!(f.crc_ok);
        assert_eq!(
            (f.frame_type, f.idcode, f.version),
            (FrameType::Command, 241, 1)
        );
        let (cmd, ext) = command(f.body).unwrap();
        assert_eq!(command_name(cmd), "Send CFG-2");
        assert!(ext.is_empty());
    }

    #[test]
    fn config_then_data() {
        let b = hex(CFG2);
        let f = parse(&b).unwrap();
        assert!(f.crc_ok);
        assert_eq!(f.frame_type, FrameType::Cfg2);
        let c = config(f.body).unwrap();
        assert_eq!((c.pmu_count, c.data_rate, c.time_base), (1, 50, 0xffffff));
        let pmu = &c.pmus[0];
        assert_eq!(pmu.station_name, "Blue PMU");
        assert_eq!(
            (pmu.idcode, pmu.phasors, pmu.fnom, pmu.cfgcnt),
            (241, 4, 50, 89)
        );
        assert!(!pmu.polar && pmu.phasor_float && pmu.analog_float && !pmu.freq_float);
        assert_eq!(pmu.phasor_names, ["V1LPM", "VALPM", "VBLPM", "VCLPM"]);
        assert_eq!(pmu.phunits, [1, 1, 1, 1]);
        assert!(pmu.anunits.is_empty() && pmu.digunits.is_empty());
        assert_eq!(pmu.fnom_code, 1);
        let d = hex(DATA);
        let f = parse(&d).unwrap();
        assert!(f.crc_ok);
        let pmus = data(f.body, &c);
        assert_eq!(pmus.len(), 1);
        assert_eq!(pmus[0].stat, 0x0800);
        assert_eq!(format!("{:.6}", pmus[0].phasors[0].0), "123.279572");
        assert_eq!(format!("{:.6}", pmus[0].phasors[0].1), "-100044.273438");
    }

    #[test]
    fn hostile_input_never_panics() {
        let valid = vec![hex(COMMAND), hex(CFG2), hex(DATA)];
        let c = config(parse(&valid[1]).unwrap().body).unwrap();
        crate::hostile::never_panics(
            &valid,
            0xc37,
            |b, i| {
                if i % 2 == 0 && b.len() >= 4 {
                    b[0] = SYNC;
                    let n = u16::try_from(b.len()).unwrap_or(u16::MAX);
                    b[2..4].copy_from_slice(&n.to_be_bytes());
                }
            },
            |b| {
                let _ = frame_len(b);
                if let Ok(f) = parse(b) {
                    let _ = config(f.body);
                    let _ = data(f.body, &c);
                    let _ = command(f.body);
                }
            },
        );
    }
}
