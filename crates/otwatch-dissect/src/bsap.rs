//! BSAP (Bristol Standard Asynchronous/Synchronous Protocol, Emerson/Bristol Babcock RTUs)
//! as carried in UDP datagrams: BSAP over IP (port 1234), and serial BSAP frames tunnelled
//! whole by a serial-to-Ethernet server (port 1235 in the corpus capture).
//!
//! A datagram starts with a little-endian 16-bit word: 0x0210 (the serial frame's DLE STX)
//! marks a serial frame, anything else is the BSAP/IP header (that word, the number of
//! messages and a message function: poll, request or response). A serial frame continues
//! with the address byte (high bit set: a global message with destination and source
//! addresses and a control byte), the message serial number, destination function,
//! sequence number, source function and node status. Requests to the remote database
//! (RDB, application function 0xA0) carry an RDB function code: reads and writes of
//! signals by address, name or list.

use crate::Malformed;

/// The serial frame's DLE STX, read as a little-endian word.
pub const SERIAL_MARK: u16 = 0x0210;
pub const APP_RDB: u8 = 0xa0;
pub const APP_PEI_PC: u8 = 0x03;
pub const APP_RDB_EXTENSION: u8 = 0xa1;

/// BSAP/IP header length: marker word, number of messages, message function.
pub const IP_HEADER_LEN: usize = 6;
/// BSAP/IP request body before the RDB function: message and response sequence numbers,
/// data length, header size, sequence, application function, node status.
const IP_REQUEST_PREFIX: usize = 4 + 4 + 4 + 1 + 4 + 1 + 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datagram<'a> {
    Ip(IpMessage<'a>),
    Serial(SerialMessage<'a>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpMessage<'a> {
    /// The first word: the length of the header (14 in every capture seen), whose bytes
    /// after the message function are header data.
    pub header_len: u16,
    pub num_messages: u16,
    pub message_func: u16,
    /// After the header.
    pub body: &'a [u8],
}

pub const IP_FUNC_POLL: u16 = 0x0000;
pub const IP_FUNC_RESPONSE: u16 = 0x0005;

impl IpMessage<'_> {
    pub fn is_request(&self) -> bool {
        matches!(self.message_func, 0x0006 | 0x0084 | 0x0086)
    }

    /// What follows the header data: a request or response record.
    pub fn record(&self) -> Option<&[u8]> {
        let skip = usize::from(self.header_len).checked_sub(IP_HEADER_LEN)?;
        self.body.get(skip..)
    }

    /// The application function and RDB function of a request carrying one.
    pub fn rdb_request(&self) -> Option<(u8, u8)> {
        if !self.is_request() || self.num_messages == 0 {
            return None;
        }
        let app = *self.body.get(IP_REQUEST_PREFIX - 2)?;
        let func = *self.body.get(IP_REQUEST_PREFIX)?;
        Some((app, func))
    }
}

/// The message-function name ICSNPP's `bsap_ip_header.log` writes.
pub fn ip_message_type_name(func: u16) -> String {
    match func {
        0x0000 => "POLL".into(),
        0x0001 => "RESPONSECNT".into(),
        0x0005 => "RESPONSE".into(),
        0x0006 | 0x0084 | 0x0086 => "REQUEST".into(),
        other => format!("Unknown Message Type-0x{other:02x}"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerialMessage<'a> {
    pub addr: u8,
    pub ser: u8,
    /// Destination address, source address and control byte of a global message.
    pub global: Option<(u16, u16, u8)>,
    pub dfun: u8,
    pub seq: u16,
    pub sfun: u8,
    pub nsb: u8,
    /// After the header, up to the end of the datagram (trailer included).
    pub body: &'a [u8],
}

impl SerialMessage<'_> {
    /// The RDB function of a request to the remote database.
    pub fn rdb_request(&self) -> Option<u8> {
        (self.dfun == APP_RDB).then(|| self.body.first().copied())?
    }
}

/// The application-function name ICSNPP's logs write.
pub fn app_function_name(f: u8) -> String {
    match f {
        APP_PEI_PC => "PEI_PC".into(),
        APP_RDB => "RDB".into(),
        APP_RDB_EXTENSION => "RDB_EXTENSION".into(),
        other => format!("Unknown APP Func-0x{other:02x}"),
    }
}

/// RDB function names (requests).
pub fn rdb_function_name(f: u8) -> Option<&'static str> {
    Some(match f {
        0x00 => "READ_SIGNAL_BY_ADDRESS",
        0x02 => "READ_LOGICAL_BY_ADDRESS",
        0x04 => "READ_SIGNAL_BY_NAME",
        0x06 => "READ_LOGICAL_BY_NAME",
        0x0c => "READ_SIGNAL_BY_LIST_START",
        0x0d => "READ_SIGNAL_BY_LIST_CONTINUE",
        0x0e => "READ_LOGICAL_BY_LIST_START",
        0x0f => "READ_LOGICAL_BY_LIST_CONTINUE",
        0x80 => "WRITE_SIGNAL_BY_ADDRESS",
        0x84 => "WRITE_SIGNAL_BY_NAME",
        0x8c => "WRITE_SIGNAL_BY_LIST_START",
        0x8d => "WRITE_SIGNAL_BY_LIST_CONTINUE",
        _ => return None,
    })
}

/// RDB functions with the high bit set write signals in the RTU.
pub fn rdb_is_write(f: u8) -> bool {
    f & 0x80 != 0
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// One UDP datagram.
pub fn parse(d: &[u8]) -> Result<Datagram<'_>, Malformed> {
    let mark = le16(d, 0).ok_or(Malformed::new("bsap_truncated", d.len()))?;
    if mark == SERIAL_MARK {
        let addr = *d.get(2).ok_or(Malformed::new("bsap_truncated", 2))?;
        let global = addr & 0x80 != 0;
        let header_len = if global { 11 } else { 6 };
        let h = d
            .get(3..3 + header_len)
            .ok_or(Malformed::new("bsap_truncated_serial_header", 3))?;
        let (global, rest) = if global {
            let dadd = u16::from_le_bytes([h[1], h[2]]);
            let sadd = u16::from_le_bytes([h[3], h[4]]);
            (Some((dadd, sadd, h[5])), &h[6..])
        } else {
            (None, &h[1..])
        };
        Ok(Datagram::Serial(SerialMessage {
            addr,
            ser: h[0],
            global,
            dfun: rest[0],
            seq: u16::from_le_bytes([rest[1], rest[2]]),
            sfun: rest[3],
            nsb: rest[4],
            body: d.get(3 + header_len..).unwrap_or_default(),
        }))
    } else {
        let num_messages = le16(d, 2).ok_or(Malformed::new("bsap_truncated_ip_header", 2))?;
        let message_func = le16(d, 4).ok_or(Malformed::new("bsap_truncated_ip_header", 4))?;
        Ok(Datagram::Ip(IpMessage {
            header_len: mark,
            num_messages,
            message_func,
            body: d.get(IP_HEADER_LEN..).unwrap_or_default(),
        }))
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

    // icsnpp-bsap/testing/traces/bsap-ip_example.pcap, frame 31 (start): a request reading
    // seven signals by name.
    const IP_REQUEST: &str =
        "0e0001000600834b0000744b00006d0000000c834b0000a0000403d0010f074047562e44533100";
    // Same capture, frame 34: a poll.
    const IP_POLL: &str = "0e000000000000000000754b0000";
    // bsap-serial_example.pcapng, frames 1 and 3: an RDB read by name of @GV.AS3 and the
    // answer.
    const SERIAL_REQUEST: &str = "100201eba0e30803000401400f014047562e4153332e001003a94d";
    const SERIAL_RESPONSE: &str = "100200eb03e308a000000182df82be10039102";

    #[test]
    fn ip_request_and_poll() {
        let b1 = hex(IP_REQUEST);
        let Datagram::Ip(m) = parse(&b1).unwrap() else {
            panic!()
        };
        assert_eq!((m.num_messages, m.message_func), (1, 6));
        assert_eq!(ip_message_type_name(m.message_func), "REQUEST");
        assert_eq!(m.rdb_request(), Some((APP_RDB, 0x04)));
        let b2 = hex(IP_POLL);
        let Datagram::Ip(p) = parse(&b2).unwrap() else {
            panic!()
        };
        assert_eq!(ip_message_type_name(p.message_func), "POLL");
        assert_eq!(p.rdb_request(), None);
    }

    #[test]
    fn serial_local_messages() {
        let b3 = hex(SERIAL_REQUEST);
        let Datagram::Serial(m) = parse(&b3).unwrap() else {
            panic!()
        };
        assert_eq!((m.addr, m.ser, m.seq), (1, 0xeb, 2275));
        assert_eq!(app_function_name(m.dfun), "RDB");
        assert_eq!(app_function_name(m.sfun), "PEI_PC");
        assert_eq!(m.global, None);
        assert_eq!(m.rdb_request(), Some(0x04));
        let b4 = hex(SERIAL_RESPONSE);
        let Datagram::Serial(r) = parse(&b4).unwrap() else {
            panic!()
        };
        assert_eq!(app_function_name(r.dfun), "PEI_PC");
        assert_eq!(r.rdb_request(), None);
    }

    #[test]
    fn global_header() {
        let d = [
            0x10, 0x02, 0x81, 7, 0x34, 0x12, 0x01, 0x00, 0x05, 0xa0, 1, 0, 3, 0, 0x84,
        ];
        let Datagram::Serial(m) = parse(&d).unwrap() else {
            panic!()
        };
        assert_eq!(m.global, Some((0x1234, 1, 5)));
        assert_eq!(m.rdb_request(), Some(0x84));
        assert!(rdb_is_write(0x84));
        assert!(parse(&d[..10]).is_err());
    }

    #[test]
    fn hostile_input() {
        let valid = vec![
            hex(IP_REQUEST),
            hex(IP_POLL),
            hex(SERIAL_REQUEST),
            hex(SERIAL_RESPONSE),
        ];
        crate::hostile::never_panics(
            &valid,
            0xb5a9,
            |b, i| {
                if b.len() >= 3 && i % 4 == 0 {
                    b[0] = 0x10;
                    b[1] = 0x02;
                }
            },
            |b| {
                if let Ok(d) = parse(b) {
                    match d {
                        Datagram::Ip(m) => {
                            let _ = m.rdb_request();
                        }
                        Datagram::Serial(m) => {
                            let _ = m.rdb_request();
                        }
                    }
                }
            },
        );
    }
}
