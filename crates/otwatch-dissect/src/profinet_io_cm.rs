//! PROFINET IO context management (IO-CM): connectionless DCE/RPC (version 4) on UDP
//! 34964 and the ports the endpoints agree on after it. A controller opens an application
//! relation (Connect), writes and reads records, signals the end of parameterisation and
//! application readiness (Control) and closes the relation (Release); the device answers
//! each call on the same activity.
//!
//! This module reads the 80-byte DCE/RPC header (byte order chosen by its data
//! representation), the body of fragment acknowledgements, the NDR argument header of
//! requests and responses, and the PROFINET blocks inside it that matter to a monitor: the
//! AR block of a Connect (the controller's station name and MAC), the read and write
//! record headers (slot, subslot, record index), control blocks (the command bits) and the
//! I&M0 record (vendor, order id, serial number, revisions).

use crate::Malformed;

/// The fixed connectionless DCE/RPC header.
pub const HEADER_LEN: usize = 80;

pub const PTYPE_REQUEST: u8 = 0;
pub const PTYPE_PING: u8 = 1;
pub const PTYPE_RESPONSE: u8 = 2;
pub const PTYPE_FACK: u8 = 9;

pub const OP_CONNECT: u16 = 0;
pub const OP_RELEASE: u16 = 1;
pub const OP_READ: u16 = 2;
pub const OP_WRITE: u16 = 3;
pub const OP_CONTROL: u16 = 4;
pub const OP_READ_IMPLICIT: u16 = 5;

/// Selective-acknowledgement words kept from a fragment acknowledgement; a sender with a
/// window this wide would be unusual, and the count itself is still reported.
const MAX_SEL_ACK: usize = 16;
/// Blocks read from one call's arguments.
const MAX_BLOCKS: usize = 64;

/// The connectionless DCE/RPC header, numbers already in host order. UUIDs stay in wire
/// order: that is how the log shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcHeader {
    pub version: u8,
    pub packet_type: u8,
    pub flags1: u8,
    pub flags2: u8,
    /// The data representation's first byte: high nibble integer order (1 little endian),
    /// low nibble character set.
    pub drep_int_char: u8,
    pub drep_float: u8,
    pub serial_high: u8,
    pub object_uuid: [u8; 16],
    pub interface_uuid: [u8; 16],
    pub activity_uuid: [u8; 16],
    pub server_boot_time: u32,
    pub interface_version: u32,
    pub sequence_num: u32,
    pub operation_num: u16,
    pub interface_hint: u16,
    pub activity_hint: u16,
    pub body_len: u16,
    pub fragment_num: u16,
    pub auth_protocol: u8,
    pub serial_low: u8,
}

impl RpcHeader {
    pub fn little_endian(&self) -> bool {
        self.drep_int_char >> 4 == 1
    }
    pub fn is_fragment(&self) -> bool {
        self.flags1 & 0x04 != 0
    }
    pub fn is_last_fragment(&self) -> bool {
        self.flags1 & 0x02 != 0
    }
    /// The call's arguments start in this datagram (an unfragmented call, or its first
    /// fragment).
    pub fn starts_call(&self) -> bool {
        !self.is_fragment() || self.fragment_num == 0
    }
}

/// The body of a fragment acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fack {
    pub version: u8,
    pub window_size: u16,
    pub max_tsdu: u32,
    pub max_frag_size: u32,
    pub serial_number: u16,
    pub sel_ack_len: u16,
    /// At most [`MAX_SEL_ACK`] words.
    pub sel_ack: Vec<u32>,
}

/// One datagram: header, fragment acknowledgement body if it is one, and the body bytes
/// that this datagram holds (`body_len` of them when the datagram is whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram<'a> {
    pub header: RpcHeader,
    pub fack: Option<Fack>,
    pub body: &'a [u8],
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
    le: bool,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let s = self
            .b
            .get(self.at..self.at.saturating_add(n))
            .ok_or(Malformed::new("pnio_cm_truncated", self.at))?;
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Malformed> {
        let s = self.take(2)?;
        let a = [s[0], s[1]];
        Ok(if self.le {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        })
    }
    fn u32(&mut self) -> Result<u32, Malformed> {
        let s = self.take(4)?;
        let a = [s[0], s[1], s[2], s[3]];
        Ok(if self.le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }
    fn uuid(&mut self) -> Result<[u8; 16], Malformed> {
        let mut u = [0u8; 16];
        u.copy_from_slice(self.take(16)?);
        Ok(u)
    }
}

/// Whether the payload opens like a connectionless DCE/RPC message: version 4, a known
/// packet type, an integer order and a floating-point format that exist.
pub fn looks_like_rpc_cl(p: &[u8]) -> bool {
    matches!(p, [4, ptype, _, _, 0x00 | 0x01 | 0x10 | 0x11, float, ..]
        if *ptype <= 10 && *float <= 3 && p.len() >= 24)
}

/// Parses one UDP datagram.
pub fn parse(p: &[u8]) -> Result<Datagram<'_>, Malformed> {
    if !looks_like_rpc_cl(p) {
        return Err(Malformed::new("pnio_cm_not_rpc_v4", 0));
    }
    if p.len() < HEADER_LEN {
        return Err(Malformed::new("pnio_cm_truncated", p.len()));
    }
    let le = p[4] >> 4 == 1;
    let mut r = Reader { b: p, at: 0, le };
    let header = RpcHeader {
        version: r.u8()?,
        packet_type: r.u8()? & 0x1f,
        flags1: r.u8()?,
        flags2: r.u8()?,
        drep_int_char: r.u8()?,
        drep_float: r.u8()?,
        serial_high: {
            r.u8()?; // the data representation's reserved byte
            r.u8()?
        },
        object_uuid: r.uuid()?,
        interface_uuid: r.uuid()?,
        activity_uuid: r.uuid()?,
        server_boot_time: r.u32()?,
        interface_version: r.u32()?,
        sequence_num: r.u32()?,
        operation_num: r.u16()?,
        interface_hint: r.u16()?,
        activity_hint: r.u16()?,
        body_len: r.u16()?,
        fragment_num: r.u16()?,
        auth_protocol: r.u8()?,
        serial_low: r.u8()?,
    };
    let rest = &p[HEADER_LEN..];
    let body = rest.get(..usize::from(header.body_len)).unwrap_or(rest);
    let fack = if header.packet_type == PTYPE_FACK {
        let mut f = Reader { b: rest, at: 0, le };
        let version = f.u8()?;
        f.u8()?;
        let window_size = f.u16()?;
        let max_tsdu = f.u32()?;
        let max_frag_size = f.u32()?;
        let serial_number = f.u16()?;
        let sel_ack_len = f.u16()?;
        let mut sel_ack = Vec::new();
        for _ in 0..usize::from(sel_ack_len).min(MAX_SEL_ACK) {
            sel_ack.push(f.u32()?);
        }
        Some(Fack {
            version,
            window_size,
            max_tsdu,
            max_frag_size,
            serial_number,
            sel_ack_len,
            sel_ack,
        })
    } else {
        None
    };
    Ok(Datagram { header, fack, body })
}

/// UUID text as the bytes stand on the wire, upper case, in 8-4-4-4-12 groups.
pub fn uuid_text(u: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02X}"));
    }
    s
}

pub fn packet_type_name(t: u8) -> &'static str {
    match t {
        0 => "Request",
        1 => "Ping",
        2 => "Response",
        3 => "Fault",
        4 => "Working",
        5 => "No call Response to Ping",
        6 => "Reject",
        7 => "Acknowledge",
        8 => "Connectionless Canel",
        9 => "Fragment Acknowledge",
        10 => "Cancel Acknowledge",
        _ => "unknown",
    }
}

pub fn operation_name(op: u16) -> &'static str {
    match op {
        OP_CONNECT => "Connect",
        OP_RELEASE => "Release",
        OP_READ => "Read",
        OP_WRITE => "Write",
        OP_CONTROL => "Control",
        OP_READ_IMPLICIT => "Read Implicit",
        _ => "unknown",
    }
}

/// PNIO status of a response (all zero is success).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PnioStatus {
    pub error_code: u8,
    pub error_decode: u8,
    pub error_code1: u8,
    pub error_code2: u8,
}

impl PnioStatus {
    pub fn is_ok(&self) -> bool {
        *self == PnioStatus::default()
    }
}

/// What a call's arguments hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Args {
    /// Responses only.
    pub status: Option<PnioStatus>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// ARBlockReq of a Connect: the controller opening the relation.
    ArRequest {
        ar_type: u16,
        ar_uuid: [u8; 16],
        initiator_mac: [u8; 6],
        station_name: String,
    },
    /// IODReadReqHeader / IODWriteReqHeader and their response headers.
    Record {
        block_type: u16,
        ar_uuid: [u8; 16],
        api: u32,
        slot: u16,
        subslot: u16,
        index: u16,
        data_len: u32,
    },
    /// IOD/IOX control blocks (and the release block), request or response.
    Control {
        block_type: u16,
        ar_uuid: [u8; 16],
        command: u16,
    },
    Im0(Im0),
    /// Any other block, by type.
    Other(u16),
}

/// Identification & maintenance record 0: what the device says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Im0 {
    pub vendor_id: u16,
    pub order_id: String,
    pub serial_number: String,
    pub hardware_revision: u16,
    /// 'V', 'R', 'P', 'U' or 'T' and three numbers: "V2.1.0".
    pub software_revision: String,
    pub revision_counter: u16,
    pub profile_id: u16,
}

fn text(b: &[u8]) -> String {
    crate::printable(b).unwrap_or_default()
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

fn uuid_at(b: &[u8], at: usize) -> Option<[u8; 16]> {
    let mut u = [0u8; 16];
    u.copy_from_slice(b.get(at..at + 16)?);
    Some(u)
}

/// Reads the NDR argument header of a request or response body and the blocks after it
/// (block contents are always big-endian). A datagram carrying only the first fragment
/// of a long call yields the blocks that fit in it.
pub fn parse_args(header: &RpcHeader, body: &[u8]) -> Result<Args, Malformed> {
    let mut r = Reader {
        b: body,
        at: 0,
        le: header.little_endian(),
    };
    let status = if header.packet_type == PTYPE_RESPONSE {
        let s = r.take(4)?;
        Some(PnioStatus {
            error_code: s[0],
            error_decode: s[1],
            error_code1: s[2],
            error_code2: s[3],
        })
    } else {
        r.u32()?; // ArgsMaximum
        None
    };
    let args_len = r.u32()? as usize;
    r.u32()?; // MaximumCount
    r.u32()?; // Offset
    let actual = r.u32()? as usize;
    let start = r.at;
    let wanted = start.saturating_add(args_len.min(actual));
    let data = body.get(start..wanted.min(body.len())).unwrap_or_default();
    let mut blocks = Vec::new();
    let mut at = 0;
    let mut in_multiple_write = false;
    while at + 6 <= data.len() && blocks.len() < MAX_BLOCKS {
        let (Some(block_type), Some(len)) = (be16(data, at), be16(data, at + 2)) else {
            break;
        };
        let len = usize::from(len);
        if len < 2 {
            return Err(Malformed::new("pnio_cm_block_length", start + at + 2));
        }
        // The block length counts from the version bytes on.
        let end = (at + 4 + len).min(data.len());
        let content = &data[at + 6..end];
        let b = block(block_type, content);
        at += 4 + len;
        // A write header is followed by its record data, which is not a block (unless it
        // is a WriteMultiple, whose data is the headers and data of each record, each
        // padded to four bytes).
        if let Block::Record {
            block_type: 0x0008,
            index,
            data_len,
            ..
        } = b
        {
            if index != 0xe040 {
                at = at.saturating_add(data_len as usize);
                if in_multiple_write {
                    at = at.saturating_add(3) & !3;
                }
            } else {
                in_multiple_write = true;
            }
        }
        blocks.push(b);
    }
    Ok(Args { status, blocks })
}

fn block(block_type: u16, c: &[u8]) -> Block {
    let parsed = match block_type {
        0x0101 => ar_request(c),
        0x0008 | 0x0009 | 0x8008 | 0x8009 => record_header(block_type, c),
        0x0110..=0x0118 | 0x8110..=0x8118 => Some(Block::Control {
            block_type,
            ar_uuid: uuid_at(c, 2).unwrap_or_default(),
            command: be16(c, 22).unwrap_or_default(),
        }),
        0x0020 => im0(c).map(Block::Im0),
        _ => None,
    };
    parsed.unwrap_or(Block::Other(block_type))
}

fn ar_request(c: &[u8]) -> Option<Block> {
    let ar_type = be16(c, 0)?;
    let ar_uuid = uuid_at(c, 2)?;
    let mut initiator_mac = [0u8; 6];
    initiator_mac.copy_from_slice(c.get(20..26)?);
    // Object UUID, properties, timeout factor and UDP port before the name's length.
    let name_len = usize::from(be16(c, 50)?);
    let station_name = text(c.get(52..52 + name_len).unwrap_or_default());
    Some(Block::ArRequest {
        ar_type,
        ar_uuid,
        initiator_mac,
        station_name,
    })
}

fn record_header(block_type: u16, c: &[u8]) -> Option<Block> {
    Some(Block::Record {
        block_type,
        ar_uuid: uuid_at(c, 2)?,
        api: be32(c, 18)?,
        slot: be16(c, 22)?,
        subslot: be16(c, 24)?,
        index: be16(c, 28)?,
        data_len: be32(c, 30)?,
    })
}

fn im0(c: &[u8]) -> Option<Im0> {
    let sw = c.get(40..44)?;
    let prefix = if sw[0].is_ascii_alphabetic() {
        char::from(sw[0])
    } else {
        'V'
    };
    Some(Im0 {
        vendor_id: be16(c, 0)?,
        order_id: text(c.get(2..22)?),
        serial_number: text(c.get(22..38)?),
        hardware_revision: be16(c, 38)?,
        software_revision: format!("{prefix}{}.{}.{}", sw[1], sw[2], sw[3]),
        revision_counter: be16(c, 44)?,
        profile_id: be16(c, 46)?,
    })
}

/// Well-known record indexes, for events people read.
pub fn record_index_name(index: u16) -> Option<&'static str> {
    Some(match index {
        0xaff0 => "I&M0",
        0xaff1 => "I&M1",
        0xaff2 => "I&M2",
        0xaff3 => "I&M3",
        0xaff4 => "I&M4",
        0xe040 => "WriteMultiple",
        0xf840 => "I&M0FilterData",
        0xf841 => "PDRealData",
        0xf842 => "PDExpectedData",
        0x8071 => "PDInterfaceAdjust",
        0x802b => "PDPortDataCheck",
        0x802f => "PDPortDataAdjust",
        0x800c => "Diagnosis",
        0x8080 => "PDInterfaceDataReal",
        0x80b0 => "CombinedObjectContainer",
        0xe000..=0xe03f => "ExpectedIdentificationData",
        _ => return None,
    })
}

/// Names of the control command bits that are set.
pub fn control_command_names(command: u16) -> Vec<&'static str> {
    const BITS: [(u16, &str); 7] = [
        (0x0001, "PrmEnd"),
        (0x0002, "ApplicationReady"),
        (0x0004, "Release"),
        (0x0008, "Done"),
        (0x0010, "ReadyForCompanion"),
        (0x0020, "ReadyForRT_CLASS_3"),
        (0x0040, "PrmBegin"),
    ];
    BITS.iter()
        .filter(|(bit, _)| command & bit != 0)
        .map(|(_, n)| *n)
        .collect()
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

    /// profinet.pcap (ITI PROFINET captures), frame 1: a Read Implicit request for the
    /// I&M0 filter data, little endian.
    const READ_IMPLICIT: &str = "04000800100000000000a0de976cd111827100010003015a0100a0de976cd111827100a02442df7ddbabbaec1d005443b2500b01630abafd0000000001000000000000000500ffffffff54000000000040800000400000004080000000000000400000000009003c0100000a0000000000000000000000000000000000000000000000010000f84000008000000000000000000000000000000000000000000000000000";

    /// profinet_io_cm_device.pcapng (ICSNPP PROFINET IO-CM traces), frame 1: a Connect
    /// request, big endian, from the controller "pc-worx-rt-basic-6d-d3-43".
    const CONNECT: &str = "0400200000000000dea000006c9711d1827100010003015adea000016c9711d1827100a02442df7d13142f9000001000a994d2106890ca5a0000000000000001000000000000ffffffff01c90000000000001000000001b50000100000000000000001b50101004f010000017c74224e166c4a58bf6b6c25a75870f0000100a0456dd343dea000006c9711d182710001003c00b00000001102588892001970632d776f72782d72742d62617369632d36642d64332d3433010200560100000100018892000000010028c0020020000800070000ffffffff00180018c000000000000000000100000000000400000001000200008000000900008001000a00008002000b0002000000010000000100010001010200560100000200028892000000010028ffff0020000800080000ffffffff00180018c000000000000000000100000000000200000001000600010001000b00040000000100000000800000030000800100040000800200050104006c01000001000000000000000000010000000600010000000100030001000401010002000401010002ffff010a00000001000001010003ffff010a00000001000001018000001000000000000100000101800100010000000000010000010180020002000000000001000001010104002001000001000000000001ffff8140000000010001ffff81400002000200010101010300160100000188920000000000050003800100c8c000a000";

    /// Same capture, frame 5: Control request with PrmEnd.
    const CONTROL: &str = "0400200000000000dea000006c9711d1827100010003015adea000016c9711d1827100a02442df7d13142f9000001000a994d2106890ca5a0000000000000001000000020004ffffffff00340000000000001000000000200000100000000000000000200110001c010000007c74224e166c4a58bf6b6c25a75870f00001000000010000";

    /// profinet_io_cm_write.pcapng (ICSNPP traces), frame 4: a fragment acknowledgement.
    const FACK: &str = "04090000100000000000a0de976cd1118271000000fa002a0100a0de976cd111827100a02442df7d80d3c4ca3a001010ac000012341234012a03000001000000010000000300ffffffff14000000000001cc0100b8050000b805000000000000cccccccc";

    #[test]
    fn read_implicit_request_header() {
        let b = hex(READ_IMPLICIT);
        let d = parse(&b).unwrap();
        let h = &d.header;
        assert!(h.little_endian());
        assert_eq!(h.packet_type, PTYPE_REQUEST);
        assert_eq!(h.flags1, 0x08);
        assert_eq!(
            uuid_text(&h.object_uuid),
            "0000A0DE-976C-D111-8271-00010003015A"
        );
        assert_eq!(
            uuid_text(&h.activity_uuid),
            "DBABBAEC-1D00-5443-B250-0B01630ABAFD"
        );
        assert_eq!(h.interface_version, 1);
        assert_eq!(h.operation_num, OP_READ_IMPLICIT);
        assert_eq!((h.interface_hint, h.activity_hint), (0xffff, 0xffff));
        assert_eq!(h.body_len, 84);
        let args = parse_args(h, d.body).unwrap();
        assert_eq!(args.status, None);
        match &args.blocks[..] {
            [Block::Record {
                block_type: 0x0009,
                index: 0xf840,
                slot: 0,
                subslot: 1,
                ..
            }] => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn connect_names_the_controller() {
        let b = hex(CONNECT);
        let d = parse(&b).unwrap();
        assert!(!d.header.little_endian());
        assert_eq!(d.header.operation_num, OP_CONNECT);
        assert_eq!(
            uuid_text(&d.header.interface_uuid),
            "DEA00001-6C97-11D1-8271-00A02442DF7D"
        );
        let args = parse_args(&d.header, d.body).unwrap();
        match &args.blocks[0] {
            Block::ArRequest {
                ar_type,
                initiator_mac,
                station_name,
                ..
            } => {
                assert_eq!(*ar_type, 1);
                assert_eq!(*initiator_mac, [0x00, 0xa0, 0x45, 0x6d, 0xd3, 0x43]);
                assert_eq!(station_name, "pc-worx-rt-basic-6d-d3-43");
            }
            other => panic!("{other:?}"),
        }
        assert!(args.blocks.len() > 4);
    }

    #[test]
    fn control_prm_end() {
        let b = hex(CONTROL);
        let d = parse(&b).unwrap();
        let args = parse_args(&d.header, d.body).unwrap();
        match args.blocks[..] {
            [Block::Control {
                block_type: 0x0110,
                command,
                ..
            }] => assert_eq!(control_command_names(command), vec!["PrmEnd"]),
            ref other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fragment_acknowledgement_body() {
        let b = hex(FACK);
        let d = parse(&b).unwrap();
        assert_eq!(d.header.packet_type, PTYPE_FACK);
        assert_eq!(d.header.operation_num, OP_WRITE);
        assert_eq!(d.header.body_len, 20);
        let f = d.fack.unwrap();
        assert_eq!(f.version, 1);
        assert_eq!(f.window_size, 1);
        assert_eq!((f.max_tsdu, f.max_frag_size), (1464, 1464));
        assert_eq!((f.serial_number, f.sel_ack_len), (0, 0));
    }

    /// No capture in the corpus reads I&M0 itself (only its filter data), so this record
    /// is laid out by the field table of IEC 61158-6-10 (I&M0 block, type 0x0020).
    #[test]
    fn im0_record() {
        let mut c = vec![0x00, 0x20, 0x00, 0x38, 0x01, 0x00];
        c.extend_from_slice(&[0x00, 0x2a]);
        c.extend_from_slice(b"6ES7 151-3BA23-0AB0 ");
        c.extend_from_slice(b"S C-X4U421302009");
        c.extend_from_slice(&[0x00, 0x03, b'V', 3, 2, 1, 0x00, 0x00, 0x00, 0x00]);
        c.extend_from_slice(&[0x00, 0x00, 0x01, 0x01, 0x00, 0x1e]);
        match block(0x0020, &c[6..]) {
            Block::Im0(im) => {
                assert_eq!(im.vendor_id, 0x002a);
                assert_eq!(im.order_id, "6ES7 151-3BA23-0AB0");
                assert_eq!(im.serial_number, "S C-X4U421302009");
                assert_eq!(im.hardware_revision, 3);
                assert_eq!(im.software_revision, "V3.2.1");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for b in [hex(READ_IMPLICIT), hex(CONNECT), hex(CONTROL), hex(FACK)] {
            for cut in 0..b.len() {
                if let Ok(d) = parse(&b[..cut]) {
                    let _ = parse_args(&d.header, d.body);
                }
            }
            let mut flipped = b.clone();
            for i in HEADER_LEN..flipped.len() {
                flipped[i] ^= 0xff;
                if let Ok(d) = parse(&flipped) {
                    let _ = parse_args(&d.header, d.body);
                }
                flipped[i] ^= 0xff;
            }
        }
    }
}
