//! DNP3 (IEEE 1815) as carried over TCP and UDP: link frames with their CRCs, transport
//! segments reassembled into application fragments, and the application layer — header,
//! function code, internal indications and object headers — with enough knowledge of object
//! sizes to step over data, and decoders for what a monitor needs to see: control relay
//! output blocks (g12), analog output commands (g41), file operations (g70) and the device
//! attributes of group 0 (vendor, model, firmware, serial).
//!
//! A link frame is `05 64`, a length byte (counting control, addresses and user data, not
//! CRCs), control, destination and source (little endian), a CRC over those eight bytes,
//! then the user data in blocks of at most 16 bytes, each followed by its own CRC.

use crate::Malformed;

/// Start bytes, control, length, two addresses and the header CRC.
pub const LINK_HEADER_LEN: usize = 10;
/// User data of one link frame: the length byte is at most 255 and counts 5 header bytes.
pub const MAX_USER_DATA: usize = 250;
/// A whole link frame: header, 250 bytes of user data and 16 block CRCs.
pub const MAX_LINK_FRAME: usize = LINK_HEADER_LEN + MAX_USER_DATA + 2 * 16;

/// CRC-16/DNP: polynomial 0x3D65, reflected (0xA6BC), initial value 0, final complement.
pub fn crc16(data: &[u8]) -> u16 {
    DNP3_CRC.checksum(data)
}

/// DNP3's CRC (polynomial 0x3D65, reflected, output inverted), computed sixteen bytes at a
/// step: a link frame checks one CRC per 16-byte block, so each block takes one step.
const DNP3_CRC: crc::Crc<u16, crc::Table<16>> =
    crc::Crc::<u16, crc::Table<16>>::new(&crc::CRC_16_DNP);

fn crc_matches(data: &[u8], crc: &[u8]) -> bool {
    crc.len() == 2 && crc16(data) == u16::from_le_bytes([crc[0], crc[1]])
}

/// The fixed part of a link frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkHeader {
    /// Control, addresses and user data, in bytes (CRCs not counted).
    pub length: u8,
    pub control: u8,
    pub destination: u16,
    pub source: u16,
}

impl LinkHeader {
    /// DIR bit: the frame comes from the master.
    pub fn from_master(&self) -> bool {
        self.control & 0x80 != 0
    }

    /// PRM bit: the sender initiates the link transaction.
    pub fn primary(&self) -> bool {
        self.control & 0x40 != 0
    }

    /// Link function code (its meaning depends on the PRM bit).
    pub fn function(&self) -> u8 {
        self.control & 0x0f
    }

    pub fn user_data_len(&self) -> usize {
        usize::from(self.length).saturating_sub(5)
    }

    /// Bytes the whole frame takes on the wire.
    pub fn frame_len(&self) -> usize {
        frame_len_for(self.length)
    }
}

/// Wire length of a frame whose length byte is `length` (at least 5).
fn frame_len_for(length: u8) -> usize {
    let user = usize::from(length).saturating_sub(5);
    LINK_HEADER_LEN + user + 2 * user.div_ceil(16)
}

/// One link frame, borrowed from the stream or datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkFrame<'a> {
    pub header: LinkHeader,
    /// The whole frame, header included.
    pub bytes: &'a [u8],
}

/// What the start of a buffer holds.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkFramed<'a> {
    Frame(LinkFrame<'a>),
    /// The start of a frame (or nothing): wait for more bytes.
    NeedMore,
    /// Not a DNP3 link frame here: bad start bytes, a length below 5, or a header CRC that
    /// does not match.
    Invalid(Malformed),
}

/// Frames the link frame at the start of `buf`. Only the header CRC is checked here; the
/// CRCs of the data blocks are checked by [`LinkFrame::user_data`].
pub fn frame_link(buf: &[u8]) -> LinkFramed<'_> {
    if buf.len() < 2 {
        if buf.first().is_some_and(|&b| b != 0x05) {
            return LinkFramed::Invalid(Malformed::new("dnp3_bad_start", 0));
        }
        return LinkFramed::NeedMore;
    }
    if buf[0] != 0x05 || buf[1] != 0x64 {
        return LinkFramed::Invalid(Malformed::new("dnp3_bad_start", 0));
    }
    if buf.len() < LINK_HEADER_LEN {
        return LinkFramed::NeedMore;
    }
    if buf[2] < 5 {
        return LinkFramed::Invalid(Malformed::new("dnp3_bad_length", 2));
    }
    if !crc_matches(&buf[..8], &buf[8..10]) {
        return LinkFramed::Invalid(Malformed::new("dnp3_header_crc", 8));
    }
    let header = LinkHeader {
        length: buf[2],
        control: buf[3],
        destination: u16::from_le_bytes([buf[4], buf[5]]),
        source: u16::from_le_bytes([buf[6], buf[7]]),
    };
    match buf.get(..header.frame_len()) {
        Some(bytes) => LinkFramed::Frame(LinkFrame { header, bytes }),
        None => LinkFramed::NeedMore,
    }
}

impl LinkFrame<'_> {
    /// The user data (transport header and application bytes) with the block CRCs checked
    /// and removed, copied into `out`.
    pub fn user_data<'o>(&self, out: &'o mut [u8; MAX_USER_DATA]) -> Result<&'o [u8], Malformed> {
        let mut remaining = self.header.user_data_len();
        let mut at = LINK_HEADER_LEN;
        let mut filled = 0;
        while remaining > 0 {
            let n = remaining.min(16);
            let (Some(block), Some(crc)) = (
                self.bytes.get(at..at + n),
                self.bytes.get(at + n..at + n + 2),
            ) else {
                return Err(Malformed::new("dnp3_truncated_frame", at));
            };
            if !crc_matches(block, crc) {
                return Err(Malformed::new("dnp3_data_crc", at + n));
            }
            out[filled..filled + n].copy_from_slice(block);
            filled += n;
            at += n + 2;
            remaining -= n;
        }
        Ok(&out[..filled])
    }
}

/// The transport header: one byte in front of each segment of an application fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportHeader {
    /// Last segment of the fragment.
    pub fin: bool,
    /// First segment of the fragment.
    pub fir: bool,
    pub sequence: u8,
}

impl TransportHeader {
    pub fn parse(byte: u8) -> Self {
        Self {
            fin: byte & 0x80 != 0,
            fir: byte & 0x40 != 0,
            sequence: byte & 0x3f,
        }
    }
}

/// Largest application fragment kept. The standard's default is 2048 bytes; devices may
/// negotiate more, rarely beyond a few kilobytes.
pub const MAX_FRAGMENT: usize = 8192;

/// Joins transport segments (one link frame's user data each) into application fragments,
/// one direction of one association.
#[derive(Debug, Default)]
pub struct Reassembler {
    buf: Vec<u8>,
    active: bool,
    next_sequence: u8,
    /// The last push completed a fragment: its bytes go on the next push.
    complete: bool,
}

/// What a segment did.
#[derive(Debug, PartialEq, Eq)]
pub enum Reassembled<'a> {
    /// A whole application fragment.
    Fragment(&'a [u8]),
    /// Kept; more segments are expected.
    Partial,
    /// Could not be used (and any fragment in progress is dropped with it): why.
    Dropped(&'static str),
}

impl Reassembler {
    /// Forgets the fragment in progress (bytes are missing from the stream).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.active = false;
        self.complete = false;
    }

    /// Adds one segment: the transport header byte and what follows it.
    pub fn push<'s>(&'s mut self, segment: &'s [u8]) -> Reassembled<'s> {
        if self.complete {
            // A fragment of several segments is rare next to single-segment ones: its
            // buffer is released rather than held for the life of the flow.
            self.buf = Vec::new();
            self.reset();
        }
        let Some((&first, data)) = segment.split_first() else {
            return Reassembled::Dropped("dnp3_empty_segment");
        };
        let t = TransportHeader::parse(first);
        if t.fir && t.fin {
            // The whole fragment in one segment: nothing to copy.
            self.reset();
            return Reassembled::Fragment(data);
        }
        if t.fir {
            // A first segment starts over; an unfinished fragment before it is lost.
            self.buf.clear();
            self.active = true;
        } else if !self.active {
            return Reassembled::Dropped("dnp3_transport_first_segment_missing");
        } else if t.sequence != self.next_sequence {
            self.reset();
            return Reassembled::Dropped("dnp3_transport_out_of_sequence");
        }
        if self.buf.len() + data.len() > MAX_FRAGMENT {
            self.reset();
            return Reassembled::Dropped("dnp3_transport_reassembly_overflow");
        }
        self.buf.extend_from_slice(data);
        self.next_sequence = (t.sequence + 1) & 0x3f;
        if t.fin {
            self.active = false;
            self.complete = true;
            Reassembled::Fragment(&self.buf)
        } else {
            Reassembled::Partial
        }
    }

    /// Bytes held for a fragment in progress.
    pub fn held(&self) -> usize {
        if self.complete {
            0
        } else {
            self.buf.len()
        }
    }
}

/// The application header: control, function code, and on responses the internal
/// indications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppHeader {
    pub control: u8,
    pub function: u8,
    /// IIN1 in the high byte, IIN2 in the low byte (the number Zeek logs).
    pub iin: Option<u16>,
}

impl AppHeader {
    pub fn fir(&self) -> bool {
        self.control & 0x80 != 0
    }
    pub fn fin(&self) -> bool {
        self.control & 0x40 != 0
    }
    /// The sender asks for an application confirm.
    pub fn con(&self) -> bool {
        self.control & 0x20 != 0
    }
    /// Unsolicited.
    pub fn uns(&self) -> bool {
        self.control & 0x10 != 0
    }
    pub fn sequence(&self) -> u8 {
        self.control & 0x0f
    }
}

/// One application fragment: header and the object bytes after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment<'a> {
    pub header: AppHeader,
    pub objects: &'a [u8],
}

/// Function codes 0x81–0x83 are responses; everything else is a request.
pub fn is_response_function(fc: u8) -> bool {
    matches!(fc, 0x81..=0x83)
}

pub fn parse_fragment(bytes: &[u8]) -> Result<Fragment<'_>, Malformed> {
    let (&control, rest) = bytes
        .split_first()
        .ok_or(Malformed::new("dnp3_empty_fragment", 0))?;
    let (&function, rest) = rest
        .split_first()
        .ok_or(Malformed::new("dnp3_truncated_application_header", 1))?;
    if is_response_function(function) {
        let Some(iin) = rest.get(..2) else {
            return Err(Malformed::new("dnp3_truncated_application_header", 2));
        };
        Ok(Fragment {
            header: AppHeader {
                control,
                function,
                iin: Some(u16::from_be_bytes([iin[0], iin[1]])),
            },
            objects: &rest[2..],
        })
    } else {
        Ok(Fragment {
            header: AppHeader {
                control,
                function,
                iin: None,
            },
            objects: rest,
        })
    }
}

/// Zeek's names for function codes; `None` for codes the standard does not define.
pub fn function_name(fc: u8) -> Option<&'static str> {
    Some(match fc {
        0x00 => "CONFIRM",
        0x01 => "READ",
        0x02 => "WRITE",
        0x03 => "SELECT",
        0x04 => "OPERATE",
        0x05 => "DIRECT_OPERATE",
        0x06 => "DIRECT_OPERATE_NR",
        0x07 => "IMMED_FREEZE",
        0x08 => "IMMED_FREEZE_NR",
        0x09 => "FREEZE_CLEAR",
        0x0a => "FREEZE_CLEAR_NR",
        0x0b => "FREEZE_AT_TIME",
        0x0c => "FREEZE_AT_TIME_NR",
        0x0d => "COLD_RESTART",
        0x0e => "WARM_RESTART",
        0x0f => "INITIALIZE_DATA",
        0x10 => "INITIALIZE_APPL",
        0x11 => "START_APPL",
        0x12 => "STOP_APPL",
        0x13 => "SAVE_CONFIG",
        0x14 => "ENABLE_UNSOLICITED",
        0x15 => "DISABLE_UNSOLICITED",
        0x16 => "ASSIGN_CLASS",
        0x17 => "DELAY_MEASURE",
        0x18 => "RECORD_CURRENT_TIME",
        0x19 => "OPEN_FILE",
        0x1a => "CLOSE_FILE",
        0x1b => "DELETE_FILE",
        0x1c => "GET_FILE_INFO",
        0x1d => "AUTHENTICATE_FILE",
        0x1e => "ABORT_FILE",
        0x1f => "ACTIVATE_CONFIG",
        0x20 => "AUTHENTICATE_REQ",
        0x21 => "AUTHENTICATE_REQ_NR",
        0x81 => "RESPONSE",
        0x82 => "UNSOLICITED_RESPONSE",
        0x83 => "AUTHENTICATE_RESP",
        _ => return None,
    })
}

/// IIN bits, IIN1 in the high byte (IEEE 1815-2012, 4.2.2.7.2).
pub fn iin_names(iin: u16) -> Vec<&'static str> {
    const NAMES: [&str; 16] = [
        "no_func_code_support",
        "object_unknown",
        "parameter_error",
        "event_buffer_overflow",
        "already_executing",
        "config_corrupt",
        "reserved_2",
        "reserved_1",
        "broadcast",
        "class_1_events",
        "class_2_events",
        "class_3_events",
        "need_time",
        "local_control",
        "device_trouble",
        "device_restart",
    ];
    (0..16)
        .filter(|bit| iin & (1 << bit) != 0)
        .map(|bit| NAMES[bit])
        .collect()
}

/// Which objects of a header are addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// Qualifier range codes 0–2: point indexes start..=stop.
    Indexes { start: u32, stop: u32 },
    /// Range codes 3–5: virtual addresses start..=stop (obsolete).
    Addresses { start: u32, stop: u32 },
    /// Range code 6: all points, no range field.
    All,
    /// Range codes 7–9 and 0xB: a count of objects.
    Count(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectHeader {
    pub group: u8,
    pub variation: u8,
    pub qualifier: u8,
    pub range: Range,
}

impl ObjectHeader {
    /// Prefix code: 0 none, 1–3 an index of 1, 2 or 4 bytes, 4–6 an object size of 1, 2 or
    /// 4 bytes.
    pub fn prefix_code(&self) -> u8 {
        (self.qualifier >> 4) & 0x07
    }

    pub fn range_code(&self) -> u8 {
        self.qualifier & 0x0f
    }

    /// Objects that follow (0 for "all points").
    pub fn count(&self) -> u64 {
        match self.range {
            Range::Indexes { start, stop } | Range::Addresses { start, stop } => {
                u64::from(stop) - u64::from(start) + 1
            }
            Range::All => 0,
            Range::Count(n) => u64::from(n),
        }
    }

    /// Group and variation as one number (`0x0c01` for g12v1), as Zeek and ICSNPP key them.
    pub fn object_type(&self) -> u16 {
        u16::from(self.group) << 8 | u16::from(self.variation)
    }
}

/// How big the objects of a group and variation are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectSize {
    /// Each object takes this many bytes.
    Fixed(usize),
    /// Objects are packed, this many bits each, padded to a whole byte per header.
    Bits(usize),
    /// Group 0 device attributes: data type, length, value.
    Attribute,
    /// Only known from an object-size prefix (qualifiers 0x4B, 0x5B, 0x6B).
    FromPrefix,
    /// Class data and other headers that never carry objects.
    Empty,
}

/// Object sizes of IEEE 1815-2012, Annex A, for the groups a monitor meets. `None` when the
/// size is not known: a header of such objects cannot be stepped over.
pub fn object_size(group: u8, variation: u8) -> Option<ObjectSize> {
    use ObjectSize::*;
    let v = variation;
    Some(match group {
        0 => Attribute,
        1 => match v {
            1 => Bits(1),
            2 => Fixed(1),
            _ => return None,
        },
        2 => match v {
            1 => Fixed(1),
            2 => Fixed(7),
            3 => Fixed(3),
            _ => return None,
        },
        3 => match v {
            1 => Bits(2),
            2 => Fixed(1),
            _ => return None,
        },
        4 => match v {
            1 => Fixed(1),
            2 => Fixed(7),
            3 => Fixed(3),
            _ => return None,
        },
        10 => match v {
            1 => Bits(1),
            2 => Fixed(1),
            _ => return None,
        },
        11 | 13 => match v {
            1 => Fixed(1),
            2 => Fixed(7),
            _ => return None,
        },
        12 => match v {
            1 | 2 => Fixed(11),
            3 => Bits(1),
            _ => return None,
        },
        20 => match v {
            1 | 3 => Fixed(5),
            2 | 4 => Fixed(3),
            5 | 7 => Fixed(4),
            6 | 8 => Fixed(2),
            _ => return None,
        },
        21 => match v {
            1 | 3 => Fixed(5),
            2 | 4 => Fixed(3),
            5 | 7 => Fixed(11),
            6 | 8 => Fixed(9),
            9 | 11 => Fixed(4),
            10 | 12 => Fixed(2),
            _ => return None,
        },
        22 | 23 => match v {
            1 | 3 => Fixed(5),
            2 | 4 => Fixed(3),
            5 | 7 => Fixed(11),
            6 | 8 => Fixed(9),
            _ => return None,
        },
        30 => match v {
            1 | 5 => Fixed(5),
            2 => Fixed(3),
            3 => Fixed(4),
            4 => Fixed(2),
            6 => Fixed(9),
            _ => return None,
        },
        31 => match v {
            1 | 7 => Fixed(5),
            2 => Fixed(3),
            3 => Fixed(11),
            4 => Fixed(9),
            5 => Fixed(4),
            6 => Fixed(2),
            8 => Fixed(9),
            _ => return None,
        },
        32 | 33 | 42 | 43 => match v {
            1 | 5 => Fixed(5),
            2 => Fixed(3),
            3 | 7 => Fixed(11),
            4 => Fixed(9),
            6 => Fixed(9),
            8 => Fixed(15),
            _ => return None,
        },
        34 => match v {
            1 => Fixed(2),
            2 | 3 => Fixed(4),
            _ => return None,
        },
        40 | 41 => match v {
            1 | 3 => Fixed(5),
            2 => Fixed(3),
            4 => Fixed(9),
            _ => return None,
        },
        50 => match v {
            1 | 3 => Fixed(6),
            2 => Fixed(10),
            4 => Fixed(11),
            _ => return None,
        },
        51 => match v {
            1 | 2 => Fixed(6),
            _ => return None,
        },
        52 => match v {
            1 | 2 => Fixed(2),
            _ => return None,
        },
        60 => match v {
            1..=4 => Empty,
            _ => return None,
        },
        70 | 83 | 85 | 86 | 87 | 88 | 90 | 91 | 120 => match (group, v) {
            (86, 2) => Fixed(1),
            _ => FromPrefix,
        },
        80 => match v {
            1 => Bits(1),
            _ => return None,
        },
        101 => match v {
            1 => Fixed(2),
            2 => Fixed(4),
            _ => return None,
        },
        102 => match v {
            1 => Fixed(1),
            _ => return None,
        },
        110..=113 if v > 0 => Fixed(usize::from(v)),
        121 => match v {
            1 => Fixed(7),
            _ => return None,
        },
        122 => match v {
            1 => Fixed(7),
            2 => Fixed(13),
            _ => return None,
        },
        _ => return None,
    })
}

/// Requests whose object headers only name points and carry no object data.
pub fn headers_only(function: u8) -> bool {
    matches!(function, 0x01 | 0x07..=0x0a | 0x14..=0x16)
}

/// The objects of one header: their bytes and how to cut them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Objects<'a> {
    pub header: ObjectHeader,
    /// Prefixes and objects, as they follow the header.
    pub bytes: &'a [u8],
    size: ObjectSize,
}

/// One object: its index (from the prefix or the range) or size prefix, and its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Object<'a> {
    /// Point index from an index prefix or the header's range.
    pub index: Option<u32>,
    pub data: &'a [u8],
}

/// Walks the object headers of a fragment. Each item is a header with its objects; the walk
/// ends with an error at the first header that is malformed or whose objects cannot be
/// stepped over.
pub struct ObjectWalk<'a> {
    rest: &'a [u8],
    offset: usize,
    with_data: bool,
    failed: bool,
}

/// Walks the objects of `fragment`.
pub fn objects<'a>(fragment: &Fragment<'a>) -> ObjectWalk<'a> {
    ObjectWalk {
        rest: fragment.objects,
        offset: 0,
        with_data: !headers_only(fragment.header.function),
        failed: false,
    }
}

fn le(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .rev()
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

fn parse_object_header(b: &[u8]) -> Result<(ObjectHeader, usize), Malformed> {
    let [group, variation, qualifier, ..] = *b else {
        return Err(Malformed::new("dnp3_truncated_object_header", b.len()));
    };
    let field = |n: usize| b.get(3..3 + n).map(le);
    let truncated = Malformed::new("dnp3_truncated_object_header", 3);
    let (range, used) = match qualifier & 0x0f {
        code @ 0..=5 => {
            let n = [1, 2, 4][usize::from(code % 3)];
            let (Some(start), Some(stop)) = (field(n), b.get(3 + n..3 + 2 * n).map(le)) else {
                return Err(truncated);
            };
            if stop < start {
                return Err(Malformed::new("dnp3_range_stop_before_start", 3));
            }
            let range = if code < 3 {
                Range::Indexes { start, stop }
            } else {
                Range::Addresses { start, stop }
            };
            (range, 2 * n)
        }
        6 => (Range::All, 0),
        code @ (7..=9 | 0x0b) => {
            let n = match code {
                7 | 0x0b => 1,
                8 => 2,
                _ => 4,
            };
            (Range::Count(field(n).ok_or(truncated)?), n)
        }
        _ => return Err(Malformed::new("dnp3_unknown_qualifier", 2)),
    };
    if qualifier & 0x80 != 0 || (qualifier >> 4) & 0x07 == 7 {
        return Err(Malformed::new("dnp3_unknown_qualifier", 2));
    }
    Ok((
        ObjectHeader {
            group,
            variation,
            qualifier,
            range,
        },
        3 + used,
    ))
}

/// Bytes taken by the objects of `header`, or why they cannot be stepped over.
fn objects_len(header: &ObjectHeader, size: ObjectSize, b: &[u8]) -> Result<usize, Malformed> {
    let count = header.count();
    let prefix = prefix_len(header.prefix_code());
    let need = |n: u64| -> Result<usize, Malformed> {
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= b.len())
            .ok_or(Malformed::new("dnp3_truncated_objects", b.len()))
    };
    if matches!(header.range, Range::All) || size == ObjectSize::Empty {
        return Ok(0);
    }
    match (size, header.prefix_code()) {
        (_, 4..=6) => {
            let mut at = 0usize;
            for _ in 0..count {
                let len = b
                    .get(at..at + prefix)
                    .map(le)
                    .ok_or(Malformed::new("dnp3_truncated_objects", at))?;
                at = at + prefix + need(u64::from(len))?;
                need(at as u64)?;
            }
            Ok(at)
        }
        (ObjectSize::Fixed(n), _) => need(count * (prefix + n) as u64),
        (ObjectSize::Bits(bits), 0) => need((count * bits as u64).div_ceil(8)),
        (ObjectSize::Attribute, _) => {
            let mut at = 0usize;
            for _ in 0..count {
                at += prefix;
                let len = b
                    .get(at + 1)
                    .ok_or(Malformed::new("dnp3_truncated_objects", at))?;
                at += 2 + usize::from(*len);
                need(at as u64)?;
            }
            Ok(at)
        }
        _ => Err(Malformed::new("dnp3_object_size_unknown", 0)),
    }
}

fn prefix_len(code: u8) -> usize {
    match code {
        1 | 4 => 1,
        2 | 5 => 2,
        3 | 6 => 4,
        _ => 0,
    }
}

impl<'a> Iterator for ObjectWalk<'a> {
    type Item = Result<Objects<'a>, Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let fail = |walk: &mut Self, m: Malformed| {
            walk.failed = true;
            Some(Err(Malformed::new(m.reason, walk.offset + m.offset)))
        };
        let (header, used) = match parse_object_header(self.rest) {
            Ok(h) => h,
            Err(m) => return fail(self, m),
        };
        let after = &self.rest[used..];
        // "All points" (qualifier 0x06) never carries objects, whatever the group.
        let (size, len) = if self.with_data && header.range != Range::All {
            let Some(size) = object_size(header.group, header.variation) else {
                return fail(self, Malformed::new("dnp3_object_size_unknown", 0));
            };
            match objects_len(&header, size, after) {
                Ok(len) => (size, len),
                Err(m) => return fail(self, Malformed::new(m.reason, used + m.offset)),
            }
        } else {
            (ObjectSize::Empty, 0)
        };
        let objects = Objects {
            header,
            bytes: &after[..len],
            size,
        };
        self.rest = &after[len..];
        self.offset += used + len;
        Some(Ok(objects))
    }
}

impl<'a> Objects<'a> {
    /// The objects one by one; packed objects (bits) are not split.
    pub fn items(&self) -> impl Iterator<Item = Object<'a>> + 'a {
        let header = self.header;
        let size = self.size;
        let prefix = prefix_len(header.prefix_code());
        let mut rest = self.bytes;
        let mut i = 0u64;
        let count = match size {
            ObjectSize::Bits(_) | ObjectSize::Empty => 0,
            _ => header.count(),
        };
        std::iter::from_fn(move || {
            if i >= count {
                return None;
            }
            let prefix_value = rest.get(..prefix).map(le)?;
            let body = &rest[prefix..];
            let len = match (size, header.prefix_code()) {
                (_, 4..=6) => prefix_value as usize,
                (ObjectSize::Fixed(n), _) => n,
                (ObjectSize::Attribute, _) => 2 + usize::from(*body.get(1)?),
                _ => return None,
            };
            let data = body.get(..len)?;
            let index = match (header.prefix_code(), header.range) {
                (1..=3, _) => Some(prefix_value),
                (_, Range::Indexes { start, .. }) => u32::try_from(u64::from(start) + i).ok(),
                _ => None,
            };
            rest = &body[len..];
            i += 1;
            Some(Object { index, data })
        })
    }
}

/// Control relay output block (g12v1) or pattern control block (g12v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crob {
    pub control_code: u8,
    pub count: u8,
    pub on_time: u32,
    pub off_time: u32,
    pub status: u8,
}

impl Crob {
    pub fn parse(data: &[u8]) -> Option<Self> {
        let d: &[u8; 11] = data.get(..11)?.try_into().ok()?;
        Some(Self {
            control_code: d[0],
            count: d[1],
            on_time: u32::from_le_bytes([d[2], d[3], d[4], d[5]]),
            off_time: u32::from_le_bytes([d[6], d[7], d[8], d[9]]),
            status: d[10],
        })
    }

    /// Trip-close code (bits 6–7), as ICSNPP names it.
    pub fn trip_close_name(&self) -> String {
        match self.control_code >> 6 {
            0 => "Nul".into(),
            1 => "Close".into(),
            2 => "Trip".into(),
            other => format!("unknown-{other:x}"),
        }
    }

    /// Operation type (bits 0–3), as ICSNPP names it.
    pub fn operation_name(&self) -> String {
        match self.control_code & 0x0f {
            0 => "Nul".into(),
            1 => "Pulse On".into(),
            2 => "Pulse Off".into(),
            3 => "Latch On".into(),
            4 => "Latch Off".into(),
            other => format!("unknown-{other:x}"),
        }
    }

    /// Clear bit (bit 5): cancel queued operations.
    pub fn clear(&self) -> bool {
        self.control_code & 0x20 != 0
    }
}

/// Names of command status codes as IEEE 1815 defines them (ICSNPP's log uses its own table).
pub fn control_status_name(status: u8) -> String {
    match status {
        0 => "Success",
        1 => "Timeout",
        2 => "No Select",
        3 => "Format Error",
        4 => "Not Supported",
        5 => "Already Active",
        6 => "Hardware Error",
        7 => "Local",
        8 => "Too Many Objs",
        9 => "Not Authorized",
        10 => "Automation Inhibit",
        11 => "Processing Limited",
        12 => "Out of Range",
        126 => "Non Participating",
        127 => "Undefined",
        other => return format!("unknown-{other:x}"),
    }
    .into()
}

/// Analog output command (g41): the value to set and the status byte.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalogOutput {
    pub value: f64,
    pub status: u8,
}

impl AnalogOutput {
    pub fn parse(variation: u8, d: &[u8]) -> Option<Self> {
        let (value, status_at) = match variation {
            1 => (
                f64::from(i32::from_le_bytes(d.get(..4)?.try_into().ok()?)),
                4,
            ),
            2 => (
                f64::from(i16::from_le_bytes(d.get(..2)?.try_into().ok()?)),
                2,
            ),
            3 => (
                f64::from(f32::from_le_bytes(d.get(..4)?.try_into().ok()?)),
                4,
            ),
            4 => (f64::from_le_bytes(d.get(..8)?.try_into().ok()?), 8),
            _ => return None,
        };
        Some(Self {
            value,
            status: *d.get(status_at)?,
        })
    }
}

/// A group 0 device attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub variation: u8,
    pub data_type: u8,
    pub value: AttributeValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    Text(String),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Octets(usize),
}

impl std::fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttributeValue::Text(s) => f.write_str(s),
            AttributeValue::Unsigned(n) => write!(f, "{n}"),
            AttributeValue::Signed(n) => write!(f, "{n}"),
            AttributeValue::Float(x) => write!(f, "{x}"),
            AttributeValue::Octets(n) => write!(f, "({n} octets)"),
        }
    }
}

impl Attribute {
    /// One object of g0v`variation`: data type code, length, value.
    pub fn parse(variation: u8, d: &[u8]) -> Option<Self> {
        let (&data_type, rest) = d.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let raw = rest.get(..usize::from(len))?;
        let int_bytes = |raw: &[u8]| raw.len() <= 8;
        let value = match data_type {
            1 => AttributeValue::Text(crate::printable(raw).unwrap_or_default()),
            2 if int_bytes(raw) => AttributeValue::Unsigned(
                raw.iter()
                    .rev()
                    .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
            ),
            3 if int_bytes(raw) && !raw.is_empty() => {
                let shift = 64 - 8 * raw.len() as u32;
                let bits = raw
                    .iter()
                    .rev()
                    .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
                AttributeValue::Signed(((bits << shift) as i64) >> shift)
            }
            4 if raw.len() == 4 => {
                AttributeValue::Float(f64::from(f32::from_le_bytes(raw.try_into().ok()?)))
            }
            4 if raw.len() == 8 => AttributeValue::Float(f64::from_le_bytes(raw.try_into().ok()?)),
            _ => AttributeValue::Octets(raw.len()),
        };
        Some(Self {
            variation,
            data_type,
            value,
        })
    }
}

/// What a group 0 variation describes (IEEE 1815-2012, group 0 "Device attributes").
pub fn attribute_name(variation: u8) -> Option<&'static str> {
    Some(match variation {
        209 => "secure_authentication_version",
        210 => "secure_authentication_statistics",
        211 => "user_attribute_sets",
        212 => "master_data_set_prototypes",
        213 => "outstation_data_set_prototypes",
        214 => "master_data_sets",
        215 => "outstation_data_sets",
        216 => "max_binary_output_per_request",
        217 => "local_timing_accuracy",
        218 => "duration_of_time_accuracy",
        219 => "analog_output_events_supported",
        220 => "max_analog_output_index",
        221 => "analog_outputs",
        222 => "binary_output_events_supported",
        223 => "max_binary_output_index",
        224 => "binary_outputs",
        225 => "frozen_counter_events_supported",
        226 => "frozen_counters_supported",
        227 => "counter_events_supported",
        228 => "max_counter_index",
        229 => "counters",
        230 => "frozen_analog_inputs_supported",
        231 => "analog_input_events_supported",
        232 => "max_analog_input_index",
        233 => "analog_inputs",
        234 => "double_bit_input_events_supported",
        235 => "max_double_bit_input_index",
        236 => "double_bit_inputs",
        237 => "binary_input_events_supported",
        238 => "max_binary_input_index",
        239 => "binary_inputs",
        240 => "max_transmit_fragment_size",
        241 => "max_receive_fragment_size",
        242 => "software_version",
        243 => "hardware_version",
        245 => "location",
        246 => "user_id_code",
        247 => "device_name",
        248 => "serial_number",
        249 => "subset_and_conformance",
        250 => "product_name_and_model",
        252 => "manufacturer_name",
        254 => "all_attributes_request",
        255 => "attribute_list",
        _ => return None,
    })
}

/// File operations (g70) a monitor reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileObject {
    /// g70v2: a user authenticates for file access (the password is not kept).
    Authentication { user: String },
    /// g70v3: open or delete a file.
    Command {
        name: String,
        /// 0 null (delete), 1 read, 2 write, 3 append.
        mode: u16,
        size: u32,
    },
    /// g70v4: the outstation's answer to a command.
    CommandStatus { handle: u32, size: u32, status: u8 },
    /// g70v5: a block of file data.
    Transport {
        handle: u32,
        block: u32,
        last: bool,
        len: usize,
    },
    /// g70v6: the answer to a transport block.
    TransportStatus { handle: u32, block: u32, status: u8 },
    /// g70v7: a directory entry or file information.
    Descriptor { name: String, size: u32 },
}

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// Text at an offset counted from the object's start (the standard places file names
/// right after the fixed fields, but the offset field says where).
fn text_at(d: &[u8], offset: u16, len: u16) -> String {
    let start = usize::from(offset);
    d.get(start..start + usize::from(len))
        .and_then(crate::printable)
        .unwrap_or_default()
}

impl FileObject {
    pub fn parse(variation: u8, d: &[u8]) -> Option<Self> {
        Some(match variation {
            2 => Self::Authentication {
                user: text_at(d, u16_at(d, 0)?, u16_at(d, 2)?),
            },
            3 => Self::Command {
                name: text_at(d, u16_at(d, 0)?, u16_at(d, 2)?),
                mode: u16_at(d, 20)?,
                size: u32_at(d, 16)?,
            },
            4 => Self::CommandStatus {
                handle: u32_at(d, 0)?,
                size: u32_at(d, 4)?,
                status: *d.get(12)?,
            },
            5 => {
                let block = u32_at(d, 4)?;
                Self::Transport {
                    handle: u32_at(d, 0)?,
                    block: block & 0x7fff_ffff,
                    last: block & 0x8000_0000 != 0,
                    len: d.len().saturating_sub(8),
                }
            }
            6 => Self::TransportStatus {
                handle: u32_at(d, 0)?,
                block: u32_at(d, 4)? & 0x7fff_ffff,
                status: *d.get(8)?,
            },
            7 => Self::Descriptor {
                name: text_at(d, u16_at(d, 0)?, u16_at(d, 2)?),
                size: u32_at(d, 6)?,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // Frames from Zeek's DNP3 test captures (zeek/testing/btest/Traces/dnp3) and from
    // ITI ICS-Security-Tools (pcaps/dnp3); capture and frame number noted at each.

    /// dnp3_select_operate.pcap frame 4: SELECT of one CROB (g12v1, qualifier 0x28).
    const SELECT: &str = "05641ac40200030040f2c6c7030c0128010001000301640000008fda6400000000005b";
    /// Frame 6: its response, echoing the CROB with a status.
    const SELECT_RESPONSE: &str =
        "05641c44030002004b91fcc78100000c0128010001000301640001a400006400000000005b";
    /// dnp3_udp_read.pcap frame 1: a link-only frame (no user data).
    const LINK_ONLY: &str = "05640549640001007e5f";
    /// dnp3_udp_read.pcap frame 5: READ of classes 1, 2, 3 and 0.
    const READ_CLASSES: &str = "056414c40100640067d6c6c7013c02063c03063c04063c010673c0";
    /// unsolcited_response_and_confirm.pcap frame 4: an empty unsolicited response.
    const UNSOLICITED: &str = "05640a4401000a006e25c0f08200004466";
    /// dnp3_file_read.pcap frame 4: OPEN_FILE "./test.xml" (g70v3, qualifier 0x5B).
    const OPEN_FILE: &str = "056432c4040003009c8df7ce1946035b0124001a000a00000000b3c50000000000000000000000000001000047e60404002e2f746573742e786d6ced8f";
    /// direct_operate_analog_output.pcap frame 1: DIRECT_OPERATE of g41v2.
    const ANALOG_OUTPUT: &str = "056412c4040003001e7ceec205290228010001000000007dd0";
    /// dataset_exchange.pcap frame 2: a response with two group 0 attributes.
    const ATTRIBUTES: &str =
        "056420440300040095e3c8c581000000d5000000020401000000607a00d7000000020403000000789f";
    /// cold_restart_and_response.pcap frame 4: COLD_RESTART.
    const COLD_RESTART: &str = "056408c40a000100fc42c0c00d9c86";

    /// The application fragment of a single-frame message.
    fn fragment_of(frame_hex: &str) -> Vec<u8> {
        let bytes = hex(frame_hex);
        let LinkFramed::Frame(frame) = frame_link(&bytes) else {
            panic!("not a frame: {frame_hex}")
        };
        let mut out = [0u8; MAX_USER_DATA];
        let user = frame.user_data(&mut out).unwrap().to_vec();
        let mut r = Reassembler::default();
        match r.push(&user) {
            Reassembled::Fragment(f) => f.to_vec(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn link_header_crcs_and_addresses() {
        let bytes = hex(SELECT);
        let LinkFramed::Frame(frame) = frame_link(&bytes) else {
            panic!()
        };
        assert_eq!(frame.bytes.len(), bytes.len());
        let h = frame.header;
        assert_eq!((h.length, h.destination, h.source), (26, 2, 3));
        assert!(h.from_master() && h.primary());
        assert_eq!(h.function(), 4);
        assert_eq!(crc16(&bytes[..8]), 0xf240);
        let mut out = [0u8; MAX_USER_DATA];
        assert_eq!(frame.user_data(&mut out).unwrap().len(), 21);

        // Every prefix is an incomplete frame.
        for n in 0..bytes.len() {
            assert_eq!(frame_link(&bytes[..n]), LinkFramed::NeedMore, "{n}");
        }
        let mut bad = bytes.clone();
        bad[4] ^= 1;
        assert!(matches!(
            frame_link(&bad),
            LinkFramed::Invalid(Malformed {
                reason: "dnp3_header_crc",
                ..
            })
        ));
        let mut bad = bytes.clone();
        bad[14] ^= 1;
        let LinkFramed::Frame(frame) = frame_link(&bad) else {
            panic!()
        };
        assert_eq!(
            frame.user_data(&mut out).unwrap_err().reason,
            "dnp3_data_crc"
        );
        assert!(matches!(frame_link(&[0x05, 0x65]), LinkFramed::Invalid(_)));
    }

    #[test]
    fn link_only_frame_has_no_user_data() {
        let bytes = hex(LINK_ONLY);
        let LinkFramed::Frame(frame) = frame_link(&bytes) else {
            panic!()
        };
        assert_eq!(frame.header.user_data_len(), 0);
        assert!(!frame.header.from_master());
        assert_eq!(frame.header.source, 1);
        let mut out = [0u8; MAX_USER_DATA];
        assert!(frame.user_data(&mut out).unwrap().is_empty());
    }

    #[test]
    fn select_with_a_control_relay_output_block() {
        let bytes = fragment_of(SELECT);
        let f = parse_fragment(&bytes).unwrap();
        assert_eq!(function_name(f.header.function), Some("SELECT"));
        assert!(f.header.fir() && f.header.fin() && !f.header.uns());
        assert_eq!(f.header.sequence(), 7);
        let all: Vec<_> = objects(&f).collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 1);
        let h = all[0].header;
        assert_eq!((h.group, h.variation, h.qualifier), (12, 1, 0x28));
        assert_eq!(h.range, Range::Count(1));
        let items: Vec<_> = all[0].items().collect();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].index, Some(1));
        let c = Crob::parse(items[0].data).unwrap();
        assert_eq!(
            (c.control_code, c.count, c.on_time, c.off_time),
            (3, 1, 100, 100)
        );
        assert_eq!(
            (c.trip_close_name().as_str(), c.operation_name().as_str()),
            ("Nul", "Latch On")
        );
        assert!(!c.clear());
    }

    #[test]
    fn response_carries_iin_and_echoed_block_status() {
        let bytes = fragment_of(SELECT_RESPONSE);
        let f = parse_fragment(&bytes).unwrap();
        assert_eq!(function_name(f.header.function), Some("RESPONSE"));
        assert_eq!(f.header.iin, Some(0));
        let o = objects(&f).next().unwrap().unwrap();
        let c = Crob::parse(o.items().next().unwrap().data).unwrap();
        assert_eq!(c.status, 0);
        assert_eq!(control_status_name(c.status), "Success");
    }

    #[test]
    fn read_of_class_data_is_headers_only() {
        let bytes = fragment_of(READ_CLASSES);
        let f = parse_fragment(&bytes).unwrap();
        assert_eq!(f.header.function, 1);
        let headers: Vec<_> = objects(&f)
            .map(|o| {
                let h = o.unwrap().header;
                (h.group, h.variation, h.range)
            })
            .collect();
        assert_eq!(
            headers,
            vec![
                (60, 2, Range::All),
                (60, 3, Range::All),
                (60, 4, Range::All),
                (60, 1, Range::All)
            ]
        );
    }

    #[test]
    fn unsolicited_response() {
        let bytes = fragment_of(UNSOLICITED);
        let f = parse_fragment(&bytes).unwrap();
        assert_eq!(
            function_name(f.header.function),
            Some("UNSOLICITED_RESPONSE")
        );
        assert!(f.header.uns() && f.header.con());
        assert_eq!(f.header.iin, Some(0));
        assert_eq!(objects(&f).count(), 0);
    }

    #[test]
    fn open_file_command() {
        let bytes = fragment_of(OPEN_FILE);
        let f = parse_fragment(&bytes).unwrap();
        assert_eq!(function_name(f.header.function), Some("OPEN_FILE"));
        let o = objects(&f).next().unwrap().unwrap();
        assert_eq!(
            (o.header.group, o.header.variation, o.header.qualifier),
            (70, 3, 0x5b)
        );
        let item = o.items().next().unwrap();
        assert_eq!(
            FileObject::parse(3, item.data),
            Some(FileObject::Command {
                name: "./test.xml".into(),
                mode: 1,
                size: 0
            })
        );
    }

    #[test]
    fn analog_output_command() {
        let bytes = fragment_of(ANALOG_OUTPUT);
        let f = parse_fragment(&bytes).unwrap();
        assert_eq!(function_name(f.header.function), Some("DIRECT_OPERATE"));
        let o = objects(&f).next().unwrap().unwrap();
        assert_eq!((o.header.group, o.header.variation), (41, 2));
        let item = o.items().next().unwrap();
        assert_eq!(item.index, Some(1));
        let a = AnalogOutput::parse(2, item.data).unwrap();
        assert_eq!((a.value, a.status), (0.0, 0));
    }

    #[test]
    fn device_attributes_of_group_0() {
        let bytes = fragment_of(ATTRIBUTES);
        let f = parse_fragment(&bytes).unwrap();
        let attributes: Vec<_> = objects(&f)
            .map(|o| {
                let o = o.unwrap();
                let item = o.items().next().unwrap();
                Attribute::parse(o.header.variation, item.data).unwrap()
            })
            .collect();
        assert_eq!(attributes.len(), 2);
        assert_eq!(attributes[0].variation, 213);
        assert_eq!(attributes[0].value, AttributeValue::Unsigned(1));
        assert_eq!(attribute_name(213), Some("outstation_data_set_prototypes"));
        assert_eq!(attributes[1].value, AttributeValue::Unsigned(3));
    }

    #[test]
    fn text_attributes() {
        // g0v252 manufacturer name, as an outstation sends it (type 1, visible string).
        let a = Attribute::parse(252, b"\x01\x0bAcme Relays").unwrap();
        assert_eq!(a.value, AttributeValue::Text("Acme Relays".into()));
        assert_eq!(Attribute::parse(252, b"\x01\x0cAcme"), None);
        let signed = Attribute::parse(1, &[3, 2, 0xfe, 0xff]).unwrap();
        assert_eq!(signed.value, AttributeValue::Signed(-2));
    }

    #[test]
    fn cold_restart_has_no_objects() {
        let bytes = fragment_of(COLD_RESTART);
        let f = parse_fragment(&bytes).unwrap();
        assert_eq!(function_name(f.header.function), Some("COLD_RESTART"));
        assert!(f.objects.is_empty());
    }

    #[test]
    fn reassembly_across_segments() {
        let mut r = Reassembler::default();
        // FIR, seq 5; then seq 6 with FIN.
        assert_eq!(r.push(&[0x45, 1, 2]), Reassembled::Partial);
        assert_eq!(r.held(), 2);
        assert_eq!(r.push(&[0x86, 3]), Reassembled::Fragment(&[1, 2, 3]));
        // A middle segment without its first.
        assert_eq!(
            r.push(&[0x07, 9]),
            Reassembled::Dropped("dnp3_transport_first_segment_missing")
        );
        // Out of sequence drops the fragment in progress.
        assert_eq!(r.push(&[0x40, 1]), Reassembled::Partial);
        assert_eq!(
            r.push(&[0x83, 2]),
            Reassembled::Dropped("dnp3_transport_out_of_sequence")
        );
        // A new first segment restarts.
        assert_eq!(r.push(&[0x40, 1]), Reassembled::Partial);
        assert_eq!(r.push(&[0xc0, 7]), Reassembled::Fragment(&[7]));
    }

    #[test]
    fn reassembly_is_bounded() {
        let mut r = Reassembler::default();
        let segment = |seq: u8| {
            let mut s = vec![seq & 0x3f];
            s.extend_from_slice(&[0u8; 249]);
            s
        };
        let mut first = segment(0);
        first[0] |= 0x40;
        assert_eq!(r.push(&first), Reassembled::Partial);
        let mut overflowed = false;
        for seq in 1..64 {
            let next = segment(seq);
            match r.push(&next) {
                Reassembled::Partial => continue,
                outcome => {
                    assert_eq!(
                        outcome,
                        Reassembled::Dropped("dnp3_transport_reassembly_overflow")
                    );
                    overflowed = true;
                    break;
                }
            }
        }
        assert!(overflowed);
        assert_eq!(r.held(), 0);
    }

    #[test]
    fn qualifiers_and_object_sizes() {
        // g30v2 indexes 0..=19 (qualifier 0x01, 16-bit start and stop): 20 objects of 3 bytes.
        let mut frag = vec![0xc0, 0x81, 0, 0, 30, 2, 0x01, 0, 0, 19, 0];
        frag.extend(std::iter::repeat_n(0u8, 60));
        // g1v1 packed bits, indexes 0..=9: two bytes.
        frag.extend_from_slice(&[1, 1, 0x00, 0, 9, 0xff, 0x03]);
        let f = parse_fragment(&frag).unwrap();
        let all: Vec<_> = objects(&f).collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].header.count(), 20);
        assert_eq!(all[0].items().count(), 20);
        assert_eq!(all[0].items().nth(3).unwrap().index, Some(3));
        assert_eq!(all[1].bytes, &[0xff, 0x03]);
        // Truncated objects end the walk with an error.
        let f = parse_fragment(&frag[..40]).unwrap();
        let last = objects(&f).last().unwrap();
        assert_eq!(last.unwrap_err().reason, "dnp3_truncated_objects");
        // Stop before start.
        let f = parse_fragment(&[0xc0, 0x81, 0, 0, 1, 2, 0x00, 5, 4]).unwrap();
        assert_eq!(
            objects(&f).next().unwrap().unwrap_err().reason,
            "dnp3_range_stop_before_start"
        );
    }

    #[test]
    fn iin_bits_by_name() {
        assert_eq!(iin_names(0x9000), vec!["need_time", "device_restart"]);
        assert_eq!(iin_names(0x0001), vec!["no_func_code_support"]);
    }

    #[test]
    fn never_panics() {
        let valid: Vec<Vec<u8>> = [
            SELECT,
            SELECT_RESPONSE,
            LINK_ONLY,
            READ_CLASSES,
            UNSOLICITED,
            OPEN_FILE,
            ANALOG_OUTPUT,
            ATTRIBUTES,
            COLD_RESTART,
        ]
        .iter()
        .map(|h| hex(h))
        .collect();
        let check = |b: &[u8]| {
            let mut out = [0u8; MAX_USER_DATA];
            let mut r = Reassembler::default();
            let mut at = 0;
            while let LinkFramed::Frame(frame) = frame_link(&b[at..]) {
                at += frame.bytes.len();
                if let Ok(user) = frame.user_data(&mut out) {
                    if let Reassembled::Fragment(bytes) = r.push(user) {
                        inspect_fragment(bytes);
                    }
                }
            }
            inspect_fragment(b);
        };
        crate::hostile::never_panics(
            &valid,
            0xd1a3_0000_0000_0001,
            |buf, i| {
                if buf.len() >= 2 && i % 4 == 0 {
                    buf[0] = 0x05;
                    buf[1] = 0x64;
                }
            },
            check,
        );
    }

    fn inspect_fragment(bytes: &[u8]) {
        if let Ok(f) = parse_fragment(bytes) {
            for o in objects(&f).flatten() {
                for item in o.items() {
                    let _ = Crob::parse(item.data);
                    let _ = AnalogOutput::parse(o.header.variation, item.data);
                    let _ = Attribute::parse(o.header.variation, item.data);
                    let _ = FileObject::parse(o.header.variation, item.data);
                }
            }
        }
    }
}
