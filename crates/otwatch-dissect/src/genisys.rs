//! GENISYS, the railway signalling protocol between a control office (the client) and
//! field stations (servers, by a one-byte address), as carried over TCP.
//!
//! A message is a header byte (0xF1..0xFE: the message type and its direction), the
//! station address, address/data pairs, a CRC-16 (little endian) and the terminator 0xF6.
//! Between header and terminator every byte of 0xF0 or above travels as the escape byte
//! 0xF0 followed by its low nibble, so a terminator never appears inside a message.
//! Acknowledge Client carries no CRC, nor does a Poll without one.

use crate::Malformed;

pub const ESCAPE: u8 = 0xf0;
pub const TERMINATOR: u8 = 0xf6;
/// Escaped bytes between header and terminator; real messages hold at most a few hundred
/// (256 address/data pairs, doubled by escaping, fit).
pub const MAX_BODY: usize = 1100;

pub const ACKNOWLEDGE_CLIENT: u8 = 0xf1;
pub const INDICATION_DATA: u8 = 0xf2;
pub const CONTROL_DATA_CHECKBACK: u8 = 0xf3;
pub const COMMON_CONTROL_DATA: u8 = 0xf9;
pub const ACKNOWLEDGE_INDICATION_AND_POLL: u8 = 0xfa;
pub const POLL: u8 = 0xfb;
pub const CONTROL_DATA: u8 = 0xfc;
pub const RECALL_HEADER: u8 = 0xfd;
pub const EXECUTE_CONTROLS: u8 = 0xfe;

/// The message type's name, as ICSNPP's `genisys.log` writes it.
pub fn header_name(header: u8) -> &'static str {
    match header {
        ACKNOWLEDGE_CLIENT => "Acknowledge Client",
        INDICATION_DATA => "Indication Data",
        CONTROL_DATA_CHECKBACK => "Control Data Checkback",
        COMMON_CONTROL_DATA => "Common Control Data",
        ACKNOWLEDGE_INDICATION_AND_POLL => "Acknowledge Indication and Poll",
        POLL => "Poll",
        CONTROL_DATA => "Control Data",
        RECALL_HEADER => "Recall Header",
        EXECUTE_CONTROLS => "Execute Controls",
        _ => "unknown",
    }
}

/// Which way a message type travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Office to station.
    Request,
    /// Station to office.
    Response,
    /// 0xF4..0xF8 are not defined.
    Unknown,
}

impl Direction {
    pub fn of(header: u8) -> Self {
        match header {
            0xf1..=0xf3 => Direction::Response,
            0xf9..=0xfe => Direction::Request,
            _ => Direction::Unknown,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Direction::Request => "request",
            Direction::Response => "response",
            Direction::Unknown => "unknown",
        }
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub header: u8,
    pub server: u8,
    /// The CRC as sent, when the message type carries one.
    pub crc: Option<u16>,
    /// Address/data pairs (an odd last byte is dropped).
    pub pairs: Vec<(u8, u8)>,
    /// CRC-16/ARC (initial value 0) over header, address and data: what ICSNPP's
    /// `crc_calculated` column holds.
    pub crc_zero_init: u16,
    /// CRC-16 with initial value 0xFFFF over the same bytes: what stations transmit.
    pub crc_station: u16,
}

impl Message {
    /// The transmitted CRC is what the station algorithm gives (no CRC: nothing to check).
    pub fn crc_ok(&self) -> bool {
        self.crc.is_none_or(|c| c == self.crc_station)
    }
}

/// What the start of a buffer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framed {
    /// A message and the bytes it took (terminator included).
    Message(Message, usize),
    /// A message has begun but its terminator has not arrived.
    NeedMore,
    /// Not a message here: skip `skip` bytes and look again.
    Invalid(Malformed, usize),
}

fn crc16_step(crc: u16, byte: u8) -> u16 {
    let mut c = crc ^ u16::from(byte);
    for _ in 0..8 {
        c = if c & 1 != 0 {
            (c >> 1) ^ 0xa001
        } else {
            c >> 1
        };
    }
    c
}

/// Reads the (possibly escaped) byte that ends `body`: its value and how many bytes it took.
fn last_unescaped(body: &[u8]) -> Option<(u8, usize)> {
    let (&last, before) = body.split_last()?;
    match before.last() {
        Some(&ESCAPE) => Some((ESCAPE | last, 2)),
        _ => Some((last, 1)),
    }
}

/// Cuts one message from the start of `buf`.
pub fn frame(buf: &[u8]) -> Framed {
    let Some(&header) = buf.first() else {
        return Framed::NeedMore;
    };
    if !(ACKNOWLEDGE_CLIENT..=EXECUTE_CONTROLS).contains(&header) {
        return Framed::Invalid(Malformed::new("genisys_bad_header", 0), 1);
    }
    let rest = buf.get(1..).unwrap_or_default();
    let Some(end) = rest
        .iter()
        .take(MAX_BODY + 1)
        .position(|&b| b == TERMINATOR)
    else {
        if rest.len() > MAX_BODY {
            return Framed::Invalid(Malformed::new("genisys_no_terminator", 1), 1);
        }
        return Framed::NeedMore;
    };
    let body = rest.get(..end).unwrap_or_default();
    match parse_body(header, body) {
        Ok(m) => Framed::Message(m, end + 2),
        Err(e) => Framed::Invalid(e, end + 2),
    }
}

/// A whole message, header to terminator.
pub fn parse(message: &[u8]) -> Result<Message, Malformed> {
    match frame(message) {
        Framed::Message(m, used) if used == message.len() => Ok(m),
        Framed::Message(_, used) => Err(Malformed::new("genisys_trailing_bytes", used)),
        Framed::NeedMore => Err(Malformed::new("genisys_truncated", message.len())),
        Framed::Invalid(e, _) => Err(e),
    }
}

fn parse_body(header: u8, body: &[u8]) -> Result<Message, Malformed> {
    let has_crc = !(header == ACKNOWLEDGE_CLIENT || (header == POLL && body.len() < 2));
    let mut crc = None;
    let mut data = body;
    if has_crc {
        let (high, n1) = last_unescaped(data).ok_or(Malformed::new("genisys_short_crc", 1))?;
        data = data.get(..data.len() - n1).unwrap_or_default();
        let (low, n2) = last_unescaped(data).ok_or(Malformed::new("genisys_short_crc", 1))?;
        data = data.get(..data.len() - n2).unwrap_or_default();
        crc = Some(u16::from_le_bytes([low, high]));
    }
    let (mut zero, mut station) = if has_crc {
        (crc16_step(0, header), crc16_step(0xffff, header))
    } else {
        (0, 0xffff)
    };
    let mut server = 0u8;
    let mut server_set = false;
    let mut raw: Vec<u8> = Vec::with_capacity(data.len());
    let mut escaped = false;
    for &b in data {
        let was_escaped = escaped;
        let value = if escaped {
            escaped = false;
            ESCAPE | b
        } else if b == ESCAPE {
            escaped = true;
            continue;
        } else {
            b
        };
        // ICSNPP takes an escaped first byte as the address without counting it as
        // seen, so the byte after it overwrites it; doing the same keeps the logs equal.
        if server_set {
            raw.push(value);
        } else {
            server = value;
            server_set = !was_escaped;
        }
        zero = crc16_step(zero, value);
        station = crc16_step(station, value);
    }
    let pairs = raw.chunks_exact(2).map(|p| (p[0], p[1])).collect();
    Ok(Message {
        header,
        server,
        crc,
        pairs,
        crc_zero_init: zero,
        crc_station: station,
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

    // icsnpp-genisys/tests/traces/genisys.pcap, frame 4: Poll of station 1.
    const POLL_FRAME: &str = "fb018340f6";
    // Same capture, frame 6: Acknowledge Client.
    const ACK_FRAME: &str = "f101f6";
    // Same capture, frame 276: Indication Data with four address/data pairs.
    const INDICATION_FRAME: &str = "f201120428042a042d063fe8f6";

    #[test]
    fn poll_from_the_office() {
        let m = parse(&hex(POLL_FRAME)).unwrap();
        assert_eq!(header_name(m.header), "Poll");
        assert_eq!(Direction::of(m.header), Direction::Request);
        assert_eq!(m.server, 1);
        assert_eq!(m.crc, Some(0x4083));
        assert_eq!(m.crc_zero_init, 0xf082, "ICSNPP's calculated CRC");
        assert!(m.crc_ok(), "stations start the CRC at 0xFFFF");
        assert!(m.pairs.is_empty());
    }

    #[test]
    fn acknowledge_has_no_crc() {
        let m = parse(&hex(ACK_FRAME)).unwrap();
        assert_eq!(header_name(m.header), "Acknowledge Client");
        assert_eq!(Direction::of(m.header), Direction::Response);
        assert_eq!((m.server, m.crc), (1, None));
    }

    #[test]
    fn indication_pairs() {
        let m = parse(&hex(INDICATION_FRAME)).unwrap();
        assert_eq!(m.pairs, vec![(0x12, 4), (0x28, 4), (0x2a, 4), (0x2d, 6)]);
        assert_eq!(m.crc, Some(0xe83f));
        assert!(m.crc_ok());
    }

    #[test]
    fn escaped_bytes_are_restored() {
        // Control Data to station 1 setting address 2 to 0xF5 (escaped as F0 05).
        let mut body = vec![0x01, 0x02, 0xf5];
        let mut crc = crc16_step(0xffff, 0xfc);
        for &b in &body {
            crc = crc16_step(crc, b);
        }
        body.truncate(2);
        let mut wire = vec![0xfc];
        wire.extend_from_slice(&body);
        wire.extend_from_slice(&[ESCAPE, 0x05]);
        for b in crc.to_le_bytes() {
            if b >= ESCAPE {
                wire.extend_from_slice(&[ESCAPE, b & 0x0f]);
            } else {
                wire.push(b);
            }
        }
        wire.push(TERMINATOR);
        let m = parse(&wire).unwrap();
        assert_eq!(m.pairs, vec![(2, 0xf5)]);
        assert!(m.crc_ok());
    }

    #[test]
    fn framing_in_a_stream() {
        let mut stream = hex(POLL_FRAME);
        stream.extend(hex(ACK_FRAME));
        let Framed::Message(_, used) = frame(&stream) else {
            panic!("poll")
        };
        assert_eq!(used, 5);
        assert!(matches!(frame(&stream[used..]), Framed::Message(_, 3)));
        assert_eq!(frame(&stream[..3]), Framed::NeedMore);
        assert!(matches!(frame(&[0x12, 0xfb]), Framed::Invalid(_, 1)));
        assert!(matches!(frame(&[0xfc, 0xf6]), Framed::Invalid(_, 2)));
    }

    #[test]
    fn hostile_input() {
        let valid = vec![hex(POLL_FRAME), hex(ACK_FRAME), hex(INDICATION_FRAME)];
        crate::hostile::never_panics(
            &valid,
            0x6e15,
            |b, i| {
                if let Some(first) = b.first_mut() {
                    *first = 0xf1 + (i % 14) as u8;
                }
                if let Some(last) = b.last_mut() {
                    *last = TERMINATOR;
                }
            },
            |b| {
                let mut at = 0;
                while at < b.len() {
                    match frame(&b[at..]) {
                        Framed::Message(_, n) | Framed::Invalid(_, n) => at += n,
                        Framed::NeedMore => break,
                    }
                }
            },
        );
    }
}
