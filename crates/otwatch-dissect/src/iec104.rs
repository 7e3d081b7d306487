//! IEC 60870-5-104: the telecontrol protocol of power grids and substations, over TCP.
//!
//! Each APDU is a start byte `0x68`, a length (at most 253) and a four-byte control field
//! that makes it an I-frame (numbered, with an ASDU), an S-frame (acknowledgement only) or
//! a U-frame (STARTDT, STOPDT, TESTFR). An ASDU is a type identification, a variable
//! structure qualifier (number of objects, sequence bit), a cause of transmission with its
//! negative and test bits and the originator address, a two-byte common address, and the
//! information objects, each a three-byte information object address (IOA) and an element
//! whose size the type fixes. Elements are stepped over, except the command qualifiers a
//! monitor reports (what a command asks to switch, and whether it selects or executes).

use crate::Malformed;

pub const START: u8 = 0x68;
/// Start byte, length and control field.
pub const APCI_LEN: usize = 6;
/// The largest APDU: the length byte counts at most 253 bytes.
pub const MAX_APDU: usize = 255;
/// IOAs an ASDU may list; the 7-bit object count bounds it anyway.
pub const MAX_OBJECTS: usize = 127;

/// Total length of the APDU that starts `header`, for stream framing.
pub fn apdu_len(header: &[u8]) -> Option<usize> {
    if *header.first()? != START {
        return None;
    }
    let len = usize::from(*header.get(1)?);
    (len >= 4).then_some(len + 2)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UFunction {
    StartDtAct,
    StartDtCon,
    StopDtAct,
    StopDtCon,
    TestFrAct,
    TestFrCon,
}

impl UFunction {
    pub fn name(self) -> &'static str {
        match self {
            UFunction::StartDtAct => "STARTDT act",
            UFunction::StartDtCon => "STARTDT con",
            UFunction::StopDtAct => "STOPDT act",
            UFunction::StopDtCon => "STOPDT con",
            UFunction::TestFrAct => "TESTFR act",
            UFunction::TestFrCon => "TESTFR con",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apdu<'a> {
    I {
        send_seq: u16,
        recv_seq: u16,
        asdu: &'a [u8],
    },
    S {
        recv_seq: u16,
    },
    /// `None` when the control field sets no single known function.
    U(Option<UFunction>),
}

pub fn parse_apdu(apdu: &[u8]) -> Result<Apdu<'_>, Malformed> {
    if apdu.first() != Some(&START) {
        return Err(Malformed::new("iec104_bad_start", 0));
    }
    let Some(&len) = apdu.get(1) else {
        return Err(Malformed::new("iec104_truncated", apdu.len()));
    };
    let len = usize::from(len);
    if len < 4 {
        return Err(Malformed::new("iec104_short_length", 1));
    }
    if apdu.len() < len + 2 {
        return Err(Malformed::new("iec104_truncated", apdu.len()));
    }
    let c = [apdu[2], apdu[3], apdu[4], apdu[5]];
    let seq = |lo: u8, hi: u8| u16::from_le_bytes([lo, hi]) >> 1;
    Ok(if c[0] & 1 == 0 {
        Apdu::I {
            send_seq: seq(c[0], c[1]),
            recv_seq: seq(c[2], c[3]),
            asdu: &apdu[APCI_LEN..len + 2],
        }
    } else if c[0] & 3 == 1 {
        Apdu::S {
            recv_seq: seq(c[2], c[3]),
        }
    } else {
        Apdu::U(match c[0] {
            0x07 => Some(UFunction::StartDtAct),
            0x0b => Some(UFunction::StartDtCon),
            0x13 => Some(UFunction::StopDtAct),
            0x23 => Some(UFunction::StopDtCon),
            0x43 => Some(UFunction::TestFrAct),
            0x83 => Some(UFunction::TestFrCon),
            _ => None,
        })
    })
}

/// The ASDU header and the addresses of its information objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asdu<'a> {
    pub type_id: u8,
    /// Elements follow one IOA at consecutive addresses.
    pub sequence: bool,
    pub count: u8,
    pub cause: u8,
    pub negative: bool,
    pub test: bool,
    pub originator: u8,
    pub common_address: u16,
    /// Information object addresses, in order (consecutive when `sequence`).
    pub ioas: Vec<u32>,
    /// The first element (after its IOA), for the command qualifiers.
    pub first_element: &'a [u8],
}

/// Size of one information element of a type (after its IOA), for the types of the
/// companion standard; `None` for unknown or variable-size types.
pub fn element_size(type_id: u8) -> Option<usize> {
    Some(match type_id {
        1 | 3 | 45 | 46 | 47 | 70 | 100 | 101 | 105 | 113 => 1,
        2 | 4 | 51 => 4,
        5 | 21 | 104 | 106 => 2,
        6 | 7 | 13 | 15 | 20 | 50 | 112 => 5,
        8 | 14 | 16 | 30 | 31 | 58 | 59 | 60 => 8,
        9 | 11 | 48 | 49 | 110 | 111 => 3,
        10 | 12 | 17 | 120 => 6,
        18 | 19 | 103 | 121 => 7,
        32 | 107 => 9,
        33 | 36 | 37 | 63 => 12,
        34 | 35 | 38 | 61 | 62 => 10,
        39 | 40 | 64 => 11,
        102 => 0,
        122 | 124 => 4,
        123 => 5,
        126 => 13,
        127 => 16,
        _ => return None,
    })
}

pub fn parse_asdu(asdu: &[u8]) -> Result<Asdu<'_>, Malformed> {
    if asdu.len() < 6 {
        return Err(Malformed::new("iec104_asdu_truncated", asdu.len()));
    }
    let type_id = asdu[0];
    let sequence = asdu[1] & 0x80 != 0;
    let count = asdu[1] & 0x7f;
    let cot = asdu[2];
    let mut a = Asdu {
        type_id,
        sequence,
        count,
        cause: cot & 0x3f,
        negative: cot & 0x40 != 0,
        test: cot & 0x80 != 0,
        originator: asdu[3],
        common_address: u16::from_le_bytes([asdu[4], asdu[5]]),
        ioas: Vec::new(),
        first_element: &[],
    };
    let objects = &asdu[6..];
    let ioa_at = |at: usize| -> Option<u32> {
        let b = objects.get(at..at + 3)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], 0]))
    };
    let Some(size) = element_size(type_id) else {
        // Unknown layout: only the first address can be read with confidence.
        if let Some(ioa) = ioa_at(0) {
            a.ioas.push(ioa);
        }
        return Ok(a);
    };
    if count == 0 {
        return Ok(a);
    }
    if sequence {
        let first = ioa_at(0).ok_or(Malformed::new("iec104_asdu_truncated", asdu.len()))?;
        let needed = 3 + size * usize::from(count);
        if objects.len() < needed {
            return Err(Malformed::new("iec104_asdu_truncated", asdu.len()));
        }
        a.first_element = objects.get(3..3 + size).unwrap_or_default();
        a.ioas = (0..u32::from(count))
            .map(|i| (first + i) & 0xff_ffff)
            .collect();
    } else {
        let step = 3 + size;
        if objects.len() < step * usize::from(count) {
            return Err(Malformed::new("iec104_asdu_truncated", asdu.len()));
        }
        a.first_element = objects.get(3..step).unwrap_or_default();
        a.ioas = objects
            .chunks_exact(step)
            .take(usize::from(count).min(MAX_OBJECTS))
            .map(|o| u32::from_le_bytes([o[0], o[1], o[2], 0]))
            .collect();
    }
    Ok(a)
}

/// The standard's mnemonic of a type identification.
pub fn type_name(type_id: u8) -> Option<&'static str> {
    Some(match type_id {
        1 => "M_SP_NA_1",
        2 => "M_SP_TA_1",
        3 => "M_DP_NA_1",
        4 => "M_DP_TA_1",
        5 => "M_ST_NA_1",
        6 => "M_ST_TA_1",
        7 => "M_BO_NA_1",
        8 => "M_BO_TA_1",
        9 => "M_ME_NA_1",
        10 => "M_ME_TA_1",
        11 => "M_ME_NB_1",
        12 => "M_ME_TB_1",
        13 => "M_ME_NC_1",
        14 => "M_ME_TC_1",
        15 => "M_IT_NA_1",
        16 => "M_IT_TA_1",
        17 => "M_EP_TA_1",
        18 => "M_EP_TB_1",
        19 => "M_EP_TC_1",
        20 => "M_PS_NA_1",
        21 => "M_ME_ND_1",
        30 => "M_SP_TB_1",
        31 => "M_DP_TB_1",
        32 => "M_ST_TB_1",
        33 => "M_BO_TB_1",
        34 => "M_ME_TD_1",
        35 => "M_ME_TE_1",
        36 => "M_ME_TF_1",
        37 => "M_IT_TB_1",
        38 => "M_EP_TD_1",
        39 => "M_EP_TE_1",
        40 => "M_EP_TF_1",
        45 => "C_SC_NA_1",
        46 => "C_DC_NA_1",
        47 => "C_RC_NA_1",
        48 => "C_SE_NA_1",
        49 => "C_SE_NB_1",
        50 => "C_SE_NC_1",
        51 => "C_BO_NA_1",
        58 => "C_SC_TA_1",
        59 => "C_DC_TA_1",
        60 => "C_RC_TA_1",
        61 => "C_SE_TA_1",
        62 => "C_SE_TB_1",
        63 => "C_SE_TC_1",
        64 => "C_BO_TA_1",
        70 => "M_EI_NA_1",
        100 => "C_IC_NA_1",
        101 => "C_CI_NA_1",
        102 => "C_RD_NA_1",
        103 => "C_CS_NA_1",
        104 => "C_TS_NA_1",
        105 => "C_RP_NA_1",
        106 => "C_CD_NA_1",
        107 => "C_TS_TA_1",
        110 => "P_ME_NA_1",
        111 => "P_ME_NB_1",
        112 => "P_ME_NC_1",
        113 => "P_AC_NA_1",
        120 => "F_FR_NA_1",
        121 => "F_SR_NA_1",
        122 => "F_SC_NA_1",
        123 => "F_LS_NA_1",
        124 => "F_AF_NA_1",
        125 => "F_SG_NA_1",
        126 => "F_DR_TA_1",
        127 => "F_SC_NB_1",
        _ => return None,
    })
}

/// The mnemonic, or `type-<n>` for identifications the standard leaves free.
pub fn type_label(type_id: u8) -> String {
    type_name(type_id).map_or_else(|| format!("type-{type_id}"), str::to_string)
}

/// Causes of transmission, by their short names in the standard.
pub fn cause_name(cause: u8) -> String {
    let name = match cause {
        1 => "per/cyc",
        2 => "back",
        3 => "spont",
        4 => "init",
        5 => "req",
        6 => "act",
        7 => "actcon",
        8 => "deact",
        9 => "deactcon",
        10 => "actterm",
        11 => "retrem",
        12 => "retloc",
        13 => "file",
        20 => "inrogen",
        21..=36 => return format!("inro{}", cause - 20),
        37 => "reqcogen",
        38..=41 => return format!("reqco{}", cause - 37),
        44 => "unknown type",
        45 => "unknown cause",
        46 => "unknown common address",
        47 => "unknown object address",
        _ => return format!("cause-{cause}"),
    };
    name.to_string()
}

/// What a command type does, for events; `None` for monitoring and other types.
pub fn command_kind(type_id: u8) -> Option<&'static str> {
    Some(match type_id {
        45 | 58 => "iec104_single_command",
        46 | 59 => "iec104_double_command",
        47 | 60 => "iec104_regulating_step_command",
        48..=50 | 61..=63 => "iec104_setpoint_command",
        51 | 64 => "iec104_bitstring_command",
        100 => "iec104_interrogation",
        101 => "iec104_counter_interrogation",
        102 => "iec104_read",
        103 => "iec104_clock_sync",
        104 | 107 => "iec104_test",
        105 => "iec104_reset_process",
        106 => "iec104_delay_acquisition",
        110..=113 => "iec104_parameter",
        120..=127 => "iec104_file_transfer",
        _ => return None,
    })
}

/// The meaning of a command's first element: state asked and select/execute, or the
/// qualifier of an interrogation or reset.
pub fn command_detail(type_id: u8, element: &[u8]) -> Option<String> {
    let q = *element.first()?;
    let select = |b: u8| if b & 0x80 != 0 { "select" } else { "execute" };
    Some(match type_id {
        45 | 58 => format!("{} {}", if q & 1 != 0 { "ON" } else { "OFF" }, select(q)),
        46 | 59 => {
            let state = match q & 3 {
                1 => "OFF",
                2 => "ON",
                _ => "not permitted",
            };
            format!("{state} {}", select(q))
        }
        47 | 60 => {
            let step = match q & 3 {
                1 => "next step LOWER",
                2 => "next step HIGHER",
                _ => "not permitted",
            };
            format!("{step} {}", select(q))
        }
        48 | 61 => {
            let v = i16::from_le_bytes([q, *element.get(1)?]);
            format!(
                "normalized {:.4} {}",
                f64::from(v) / 32768.0,
                select(*element.get(2)?)
            )
        }
        49 | 62 => {
            let v = i16::from_le_bytes([q, *element.get(1)?]);
            format!("scaled {v} {}", select(*element.get(2)?))
        }
        50 | 63 => {
            let b = element.get(..4)?;
            let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            format!("float {v} {}", select(*element.get(4)?))
        }
        100 | 101 => format!("qualifier {q}"),
        105 => match q {
            1 => "general reset of process".to_string(),
            2 => "reset of pending information with time tag".to_string(),
            _ => format!("qualifier {q}"),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// zeek-iec104-georgemakrakis testing/Traces/first/iec104.pcap, frame 20: I (2,33),
    /// C_SC_NA_1 activation, common address 10, IOA 2, single command ON, execute.
    const SINGLE_COMMAND: &[u8] = &[
        0x68, 0x0e, 0x04, 0x00, 0x42, 0x00, 0x2d, 0x01, 0x06, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x00,
        0x01,
    ];
    /// Same capture, frame 7: STARTDT act.
    const STARTDT: &[u8] = &[0x68, 0x04, 0x07, 0x00, 0x00, 0x00];
    /// Same capture, frame 15: S (13).
    const S_FRAME: &[u8] = &[0x68, 0x04, 0x01, 0x00, 0x1a, 0x00];

    #[test]
    fn single_command_activation() {
        assert_eq!(apdu_len(SINGLE_COMMAND), Some(SINGLE_COMMAND.len()));
        let Apdu::I {
            send_seq,
            recv_seq,
            asdu,
        } = parse_apdu(SINGLE_COMMAND).unwrap()
        else {
            panic!("an I-frame");
        };
        assert_eq!((send_seq, recv_seq), (2, 33));
        let a = parse_asdu(asdu).unwrap();
        assert_eq!(type_label(a.type_id), "C_SC_NA_1");
        assert_eq!((a.cause, a.common_address), (6, 10));
        assert_eq!(cause_name(a.cause), "act");
        assert_eq!(a.ioas, vec![2]);
        assert_eq!(command_kind(a.type_id), Some("iec104_single_command"));
        assert_eq!(
            command_detail(a.type_id, a.first_element).as_deref(),
            Some("ON execute")
        );
    }

    #[test]
    fn u_and_s_frames() {
        assert_eq!(
            parse_apdu(STARTDT).unwrap(),
            Apdu::U(Some(UFunction::StartDtAct))
        );
        assert_eq!(parse_apdu(S_FRAME).unwrap(), Apdu::S { recv_seq: 13 });
    }

    #[test]
    fn sequence_of_elements_lists_consecutive_addresses() {
        // M_SP_NA_1, SQ=1, 4 objects from IOA 1, interrogated (cause 20), address 10.
        let asdu = [1, 0x84, 20, 0, 10, 0, 1, 0, 0, 1, 0, 1, 0];
        let a = parse_asdu(&asdu).unwrap();
        assert_eq!(a.ioas, vec![1, 2, 3, 4]);
        assert_eq!(cause_name(a.cause), "inrogen");
        assert!(
            parse_asdu(&asdu[..10]).is_err(),
            "fewer elements than counted"
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        let valid = vec![SINGLE_COMMAND.to_vec(), STARTDT.to_vec(), S_FRAME.to_vec()];
        crate::hostile::never_panics(
            &valid,
            0x104,
            |b, i| {
                if i % 2 == 0 && b.len() >= 2 {
                    b[0] = START;
                    b[1] = u8::try_from(b.len() - 2).unwrap_or(253).min(253);
                }
            },
            |b| {
                let _ = apdu_len(b);
                if let Ok(Apdu::I { asdu, .. }) = parse_apdu(b) {
                    if let Ok(a) = parse_asdu(asdu) {
                        let _ = command_detail(a.type_id, a.first_element);
                        let _ = cause_name(a.cause);
                    }
                }
            },
        );
    }
}
