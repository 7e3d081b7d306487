//! Mitsubishi SLMP / MELSEC communication protocol (MC protocol), binary 3E and 4E frames:
//! how SCADA, HMIs and engineering tools read and write the devices (D, M, X, Y...) of
//! MELSEC iQ-R, iQ-F, Q and L CPUs, and switch them between RUN, STOP and PAUSE.
//!
//! A 3E request is the subheader `50 00`, network and station numbers, the destination
//! module's I/O number and station, a data length counting the bytes that follow it, a
//! monitoring timer, a command and subcommand and the command's data. A response starts
//! `D0 00`, and after its data length carries an end code (0 for success). 4E frames add a
//! two-byte serial number (and two reserved bytes) after a `54 00` / `D4 00` subheader, so
//! that answers can be paired with their requests. Numbers are little-endian.

use crate::Malformed;

const SUB_3E_REQUEST: [u8; 2] = [0x50, 0x00];
const SUB_3E_RESPONSE: [u8; 2] = [0xd0, 0x00];
const SUB_4E_REQUEST: [u8; 2] = [0x54, 0x00];
const SUB_4E_RESPONSE: [u8; 2] = [0xd4, 0x00];

/// The fixed part of a 3E frame before the data length, and the data length itself.
const HEADER_3E: usize = 9;
const HEADER_4E: usize = 13;
/// Largest frame a device accepts (960 words of data and the header, with margin).
pub const MAX_FRAME: usize = 8 * 1024;

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Where the data length sits and whether the frame is a 4E one and a response.
fn layout(b: &[u8]) -> Option<(usize, bool, bool)> {
    let sub: [u8; 2] = b.get(..2)?.try_into().ok()?;
    Some(match sub {
        SUB_3E_REQUEST => (HEADER_3E, false, false),
        SUB_3E_RESPONSE => (HEADER_3E, false, true),
        SUB_4E_REQUEST => (HEADER_4E, true, false),
        SUB_4E_RESPONSE => (HEADER_4E, true, true),
        _ => return None,
    })
}

/// The length of the frame at the start of `b`, once its header is in.
pub fn frame_len(b: &[u8]) -> Option<usize> {
    let (header, _, _) = layout(b)?;
    Some(header + usize::from(le16(b, header - 2)?))
}

/// A payload that is exactly one binary 3E or 4E frame, with a request long enough for
/// its command and a response long enough for its end code.
pub fn looks_like(payload: &[u8]) -> bool {
    match (layout(payload), frame_len(payload)) {
        (Some((header, four_e, response)), Some(len)) => {
            let reserved_ok = !four_e || payload.get(4..6) == Some(&[0, 0][..]);
            let min = if response { header + 2 } else { header + 6 };
            len == payload.len() && len >= min && reserved_ok
        }
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    Request {
        serial: Option<u16>,
        network: u8,
        station: u8,
        command: u16,
        subcommand: u16,
        data: &'a [u8],
    },
    Response {
        serial: Option<u16>,
        network: u8,
        station: u8,
        end_code: u16,
        data: &'a [u8],
    },
}

pub fn parse(b: &[u8]) -> Result<Frame<'_>, Malformed> {
    let (header, four_e, response) = layout(b).ok_or(Malformed {
        reason: "slmp_unknown_subheader",
        offset: 0,
    })?;
    let short = Malformed {
        reason: "slmp_short",
        offset: b.len(),
    };
    let len = frame_len(b).ok_or(short)?;
    let frame = b.get(..len).ok_or(short)?;
    let serial = if four_e {
        Some(le16(b, 2).ok_or(short)?)
    } else {
        None
    };
    let base = if four_e { 6 } else { 2 };
    let network = *b.get(base).ok_or(short)?;
    let station = *b.get(base + 1).ok_or(short)?;
    if response {
        Ok(Frame::Response {
            serial,
            network,
            station,
            end_code: le16(frame, header).ok_or(short)?,
            data: frame.get(header + 2..).ok_or(short)?,
        })
    } else {
        Ok(Frame::Request {
            serial,
            network,
            station,
            command: le16(frame, header + 2).ok_or(short)?,
            subcommand: le16(frame, header + 4).ok_or(short)?,
            data: frame.get(header + 6..).ok_or(short)?,
        })
    }
}

pub const CMD_BATCH_READ: u16 = 0x0401;
pub const CMD_BATCH_WRITE: u16 = 0x1401;
pub const CMD_READ_TYPE_NAME: u16 = 0x0101;
pub const CMD_REMOTE_RUN: u16 = 0x1001;
pub const CMD_REMOTE_STOP: u16 = 0x1002;
pub const CMD_REMOTE_PAUSE: u16 = 0x1003;
pub const CMD_REMOTE_LATCH_CLEAR: u16 = 0x1005;
pub const CMD_REMOTE_RESET: u16 = 0x1006;

pub fn command_name(command: u16) -> Option<&'static str> {
    Some(match command {
        0x0401 => "Device Read (batch)",
        0x1401 => "Device Write (batch)",
        0x0403 => "Device Read Random",
        0x1402 => "Device Write Random",
        0x0406 => "Device Read Block",
        0x1406 => "Device Write Block",
        0x0801 => "Device Entry Monitor",
        0x0802 => "Device Execute Monitor",
        0x0101 => "Read Type Name",
        0x1001 => "Remote Run",
        0x1002 => "Remote Stop",
        0x1003 => "Remote Pause",
        0x1005 => "Remote Latch Clear",
        0x1006 => "Remote Reset",
        0x1617 => "Clear Error",
        0x0619 => "Loopback Test",
        0x1630 => "Remote Password Unlock",
        0x1631 => "Remote Password Lock",
        0x1810 => "Read Directory/File",
        0x1811 => "Search Directory/File",
        0x1820 => "New File",
        0x1822 => "Delete File",
        0x1824 => "Copy File",
        0x1825 => "Change File State",
        0x1826 => "Change File Date",
        0x1827 => "Open File",
        0x1828 => "Read File",
        0x1829 => "Write File",
        0x182a => "Close File",
        _ => return None,
    })
}

/// Commands that change the CPU's state or program: run/stop/pause/reset, writes to
/// devices, file changes, password lock changes.
pub fn is_notable(command: u16) -> bool {
    matches!(
        command,
        0x1401
            | 0x1402
            | 0x1406
            | 0x1001
            | 0x1002
            | 0x1003
            | 0x1005
            | 0x1006
            | 0x1617
            | 0x1630
            | 0x1631
            | 0x1820
            | 0x1822
            | 0x1824
            | 0x1825
            | 0x1826
            | 0x1829
    )
}

/// The device (memory area) a batch read or write starts at, its first number and the
/// number of points, for the 3-byte-number format (subcommands 0000 and 0001).
pub fn batch_range(subcommand: u16, data: &[u8]) -> Option<(&'static str, u32, u16)> {
    if subcommand > 1 {
        return None;
    }
    let start = u32::from_le_bytes([*data.first()?, *data.get(1)?, *data.get(2)?, 0]);
    let device = device_name(*data.get(3)?)?;
    Some((device, start, le16(data, 4)?))
}

pub fn device_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0x9c => "X",
        0x9d => "Y",
        0x90 => "M",
        0x92 => "L",
        0x93 => "F",
        0x94 => "V",
        0xa0 => "B",
        0xa8 => "D",
        0xb4 => "W",
        0xc2 => "TN",
        0xc5 => "CN",
        0xaf => "R",
        0xb0 => "ZR",
        0x91 => "SM",
        0xa9 => "SD",
        _ => return None,
    })
}

/// The answer to Read Type Name: the CPU model (space-padded ASCII) and its model code.
pub fn type_name(data: &[u8]) -> Option<(String, u16)> {
    let name = crate::non_empty(crate::single_line(data.get(..16)?).trim().to_string())?;
    Some((name, le16(data, 16)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    // A 3E batch read of D100..D104 and a Read Type Name answer from a Q03UDE, laid out as
    // the SLMP reference manual (SH-080956ENG, "Device Read" and "Read Type Name")
    // describes them.
    #[test]
    fn batch_read_request() {
        let b = [
            0x50, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x04, 0x00,
            0x00, 0x64, 0x00, 0x00, 0xa8, 0x05, 0x00,
        ];
        assert!(looks_like(&b));
        let Frame::Request {
            command,
            subcommand,
            data,
            serial,
            ..
        } = parse(&b).unwrap()
        else {
            panic!("a request")
        };
        assert_eq!((command, serial), (CMD_BATCH_READ, None));
        assert_eq!(batch_range(subcommand, data), Some(("D", 100, 5)));
    }

    #[test]
    fn type_name_answer_4e() {
        let mut b = vec![
            0xd4, 0x00, 0x34, 0x12, 0x00, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x14, 0x00, 0x00,
            0x00,
        ];
        b.extend(b"Q03UDECPU       ");
        b.extend([0x68, 0x02]);
        assert!(looks_like(&b));
        let Frame::Response {
            end_code,
            data,
            serial,
            ..
        } = parse(&b).unwrap()
        else {
            panic!("a response")
        };
        assert_eq!((end_code, serial), (0, Some(0x1234)));
        assert_eq!(type_name(data), Some(("Q03UDECPU".to_string(), 0x0268)));
    }

    #[test]
    fn not_slmp() {
        assert!(!looks_like(&[
            0x50, 0x00, 0, 0xff, 0xff, 0x03, 0, 0xff, 0xff
        ]));
        assert!(!looks_like(b"GET / HTTP/1.1\r\n"));
        assert!(parse(&[0x50]).is_err());
    }
}
