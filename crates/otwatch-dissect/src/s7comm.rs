//! S7comm over ISO-on-TCP: TPKT (RFC 1006), COTP (ISO 8073) and the S7 PDU that Siemens
//! S7-300/400 CPUs, and S7-1200/1500 in their compatible mode, speak on TCP port 102.
//!
//! COTP: every TPDU type with its name, and the connection request/confirm parameters,
//! whose TSAPs say which rack and slot a client addresses. S7: the header with its error
//! class and code, the job functions (read/write variable with each item, setup
//! communication, block upload/download with the block's file name, PLC control with the
//! PI service, PLC stop) and the user-data functions (group, subfunction, Read SZL with
//! the list id and index). The CPU states its identity in Read SZL answers: order number
//! and firmware (SZL 0x0011), station, module and serial (SZL 0x001C), operating mode
//! (SZL 0x0424).
//!
//! Names of codes follow the ones ICSNPP's S7comm parser writes in its logs, which in
//! turn follow Wireshark's S7comm dissector, so that logs agree word for word.

use crate::Malformed;
use serde::Serialize;

pub const TPKT_HEADER: usize = 4;

/// Total length of the TPKT message starting at `h` (at least 4 bytes), if it is one.
pub fn tpkt_total(h: &[u8]) -> Option<usize> {
    (h.len() >= TPKT_HEADER && h[0] == 3 && h[1] == 0)
        .then(|| usize::from(u16::from_be_bytes([h[2], h[3]])))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

// ---------------------------------------------------------------------------------------
// COTP
// ---------------------------------------------------------------------------------------

/// COTP TPDU codes (the high nibble of the second header byte).
pub mod tpdu {
    pub const ED: u8 = 0x1;
    pub const EA: u8 = 0x2;
    pub const RJ: u8 = 0x5;
    pub const AK: u8 = 0x6;
    pub const ER: u8 = 0x7;
    pub const DR: u8 = 0x8;
    pub const DC: u8 = 0xc;
    pub const CC: u8 = 0xd;
    pub const CR: u8 = 0xe;
    pub const DT: u8 = 0xf;
}

/// The TPDU's abbreviation and name, as ISO 8073 gives them.
pub fn tpdu_name(code: u8) -> Option<&'static str> {
    Some(match code {
        tpdu::ED => "ED Expedited Data",
        tpdu::EA => "EA Expedited Data Acknowledgement",
        tpdu::RJ => "RJ Reject",
        tpdu::AK => "AK Data Acknowledgement",
        tpdu::ER => "ER TPDU Error",
        tpdu::DR => "DR Disconnect Request",
        tpdu::DC => "DC Disconnect Confirm",
        tpdu::CC => "CC Connection Confirm",
        tpdu::CR => "CR Connection Request",
        tpdu::DT => "DT Data",
        _ => return None,
    })
}

/// One COTP TPDU inside a TPKT message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cotp<'a> {
    /// TPDU code, see [`tpdu`].
    pub code: u8,
    /// Length indicator: header bytes after this one.
    pub length_indicator: u8,
    /// Connection request/confirm parameters.
    pub connection: Option<CotpConnection<'a>>,
    /// Data TPDU: this is the last TPDU of the user's message.
    pub end_of_tsdu: bool,
    /// What follows the header (the S7 PDU of a data TPDU).
    pub payload: &'a [u8],
}

/// The fixed part and the parameters of a connection request or confirm.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CotpConnection<'a> {
    pub destination_ref: u16,
    pub source_ref: u16,
    pub class: u8,
    /// Largest TPDU the sender accepts, in bytes.
    pub tpdu_size: Option<u32>,
    pub calling_tsap: Option<&'a [u8]>,
    pub called_tsap: Option<&'a [u8]>,
}

/// Header bytes after the length indicator that each TPDU type needs at least.
fn minimum_length_indicator(code: u8) -> u8 {
    match code {
        tpdu::DT => 2,
        tpdu::CR | tpdu::CC | tpdu::DR => 6,
        tpdu::DC => 5,
        tpdu::ED | tpdu::EA | tpdu::AK | tpdu::RJ | tpdu::ER => 4,
        _ => 1,
    }
}

/// The COTP TPDU in one whole TPKT message.
pub fn parse_cotp(tpkt: &[u8]) -> Result<Cotp<'_>, Malformed> {
    if tpkt.len() < 6 {
        return Err(Malformed::new("cotp_truncated", tpkt.len()));
    }
    let li = tpkt[4];
    let code = tpkt[5] >> 4;
    let header_end = 5 + usize::from(li);
    if header_end > tpkt.len() {
        return Err(Malformed::new("cotp_length_beyond_tpkt", 4));
    }
    if li < minimum_length_indicator(code) {
        return Err(Malformed::new("cotp_length_too_short", 4));
    }
    let header = &tpkt[..header_end];
    let connection = matches!(code, tpdu::CR | tpdu::CC).then(|| connection_parameters(header));
    Ok(Cotp {
        code,
        length_indicator: li,
        connection,
        end_of_tsdu: code == tpdu::DT && tpkt[6] & 0x80 != 0,
        payload: &tpkt[header_end..],
    })
}

/// CR/CC: references and class at bytes 6..11, then parameters (code, length, value).
fn connection_parameters(header: &[u8]) -> CotpConnection<'_> {
    let mut c = CotpConnection {
        destination_ref: be16(header, 6).unwrap_or(0),
        source_ref: be16(header, 8).unwrap_or(0),
        class: header.get(10).map_or(0, |b| b >> 4),
        ..Default::default()
    };
    let mut at = 11;
    while let (Some(&code), Some(&len)) = (header.get(at), header.get(at + 1)) {
        let Some(value) = header.get(at + 2..at + 2 + usize::from(len)) else {
            break;
        };
        match code {
            0xc0 if len == 1 && value[0] < 32 => c.tpdu_size = Some(1 << value[0]),
            0xc1 => c.calling_tsap = Some(value),
            0xc2 => c.called_tsap = Some(value),
            _ => {}
        }
        at += 2 + usize::from(len);
    }
    c
}

/// What a two-byte S7 TSAP says: the kind of connection, and the rack and slot of the CPU
/// it addresses (in the called TSAP) or of the client's own module (in the calling TSAP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct S7Tsap {
    pub connection_type: u8,
    pub rack: u8,
    pub slot: u8,
}

/// Reads a TSAP in S7's two-byte form; S7-1200/1500 and others use text TSAPs instead.
pub fn s7_tsap(tsap: &[u8]) -> Option<S7Tsap> {
    let [kind, place] = tsap else { return None };
    matches!(kind, 1..=3 | 0x10..=0x1f).then_some(S7Tsap {
        connection_type: *kind,
        rack: place >> 5,
        slot: place & 0x1f,
    })
}

pub fn connection_type_name(kind: u8) -> &'static str {
    match kind {
        1 => "PG (programming device)",
        2 => "OP (operator panel)",
        3 => "S7 basic",
        _ => "other",
    }
}

/// The S7 PDU inside one TPKT message carrying a COTP data TPDU.
pub fn s7_payload(tpkt: &[u8]) -> Option<&[u8]> {
    let cotp = parse_cotp(tpkt).ok()?;
    (cotp.code == tpdu::DT && cotp.payload.first() == Some(&0x32)).then_some(cotp.payload)
}

// ---------------------------------------------------------------------------------------
// S7 header
// ---------------------------------------------------------------------------------------

pub mod rosctr {
    pub const JOB: u8 = 1;
    pub const ACK: u8 = 2;
    pub const ACK_DATA: u8 = 3;
    pub const USER_DATA: u8 = 7;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct S7Pdu<'a> {
    /// 1 job, 2 ack, 3 ack-data, 7 user data.
    pub rosctr: u8,
    /// The PDU reference as it is on the wire (big-endian).
    pub pdu_ref: u16,
    /// Error class and code of an ack or ack-data.
    pub error: Option<(u8, u8)>,
    pub parameters: &'a [u8],
    pub data: &'a [u8],
    /// Everything after the header, parameters and data together.
    pub body: &'a [u8],
}

impl S7Pdu<'_> {
    /// The reference with its bytes swapped, which is how ICSNPP logs it (snap7 and most
    /// clients count it little-endian).
    pub fn pdu_ref_swapped(&self) -> u16 {
        self.pdu_ref.swap_bytes()
    }

    /// The function code: first parameter byte of a job, ack or ack-data.
    pub fn function(&self) -> Option<u8> {
        self.parameters.first().copied()
    }
}

pub fn parse_pdu(p: &[u8]) -> Result<S7Pdu<'_>, Malformed> {
    if p.len() < 10 || p[0] != 0x32 {
        return Err(Malformed::new("s7_header_truncated", 0));
    }
    let rosctr = p[1];
    let header = if matches!(rosctr, rosctr::ACK | rosctr::ACK_DATA) {
        12
    } else {
        10
    };
    if p.len() < header {
        return Err(Malformed::new("s7_header_truncated", p.len()));
    }
    let param_len = usize::from(u16::from_be_bytes([p[6], p[7]]));
    let data_len = usize::from(u16::from_be_bytes([p[8], p[9]]));
    let parameters = p
        .get(header..header + param_len)
        .ok_or(Malformed::new("s7_parameters_truncated", header))?;
    let data = p
        .get(header + param_len..header + param_len + data_len)
        .ok_or(Malformed::new("s7_data_truncated", header + param_len))?;
    Ok(S7Pdu {
        rosctr,
        pdu_ref: u16::from_be_bytes([p[4], p[5]]),
        error: (header == 12).then(|| (p[10], p[11])),
        parameters,
        data,
        body: &p[header..],
    })
}

/// ROSCTR names as ICSNPP writes them.
pub fn rosctr_name(r: u8) -> &'static str {
    match r {
        rosctr::JOB => "Job-Request",
        rosctr::ACK => "ACK",
        rosctr::ACK_DATA => "ACK-Data",
        rosctr::USER_DATA => "User-Data",
        _ => "unknown",
    }
}

pub fn error_class_name(class: u8) -> Option<&'static str> {
    Some(match class {
        0x00 => "No error",
        0x81 => "Application relationship error",
        0x82 => "Object definition error",
        0x83 => "No ressources available error",
        0x84 => "Error on service processing",
        0x85 => "Error on supplies",
        0x87 => "Access error",
        _ => return None,
    })
}

pub mod function {
    pub const CPU_SERVICES: u8 = 0x00;
    pub const READ_VAR: u8 = 0x04;
    pub const WRITE_VAR: u8 = 0x05;
    pub const REQUEST_DOWNLOAD: u8 = 0x1a;
    pub const DOWNLOAD_BLOCK: u8 = 0x1b;
    pub const DOWNLOAD_ENDED: u8 = 0x1c;
    pub const START_UPLOAD: u8 = 0x1d;
    pub const UPLOAD: u8 = 0x1e;
    pub const END_UPLOAD: u8 = 0x1f;
    pub const PLC_CONTROL: u8 = 0x28;
    pub const PLC_STOP: u8 = 0x29;
    pub const SETUP_COMMUNICATION: u8 = 0xf0;
}

/// Job function names.
pub fn function_name(code: u8) -> Option<&'static str> {
    use function::*;
    Some(match code {
        CPU_SERVICES => "CPU Services",
        READ_VAR => "Read Variable",
        WRITE_VAR => "Write Variable",
        REQUEST_DOWNLOAD => "Request Download",
        DOWNLOAD_BLOCK => "Download Block",
        DOWNLOAD_ENDED => "Download Ended",
        START_UPLOAD => "Start Upload",
        UPLOAD => "Upload",
        END_UPLOAD => "End Upload",
        PLC_CONTROL => "PLC Control",
        PLC_STOP => "PLC Stop",
        SETUP_COMMUNICATION => "Setup Communication",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Job functions
// ---------------------------------------------------------------------------------------

/// Setup communication: how many jobs each side may have open, and the PDU size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetupCommunication {
    pub max_amq_calling: u16,
    pub max_amq_called: u16,
    pub pdu_size: u16,
}

pub fn setup_communication(pdu: &S7Pdu<'_>) -> Option<SetupCommunication> {
    let p = pdu.parameters;
    (p.first() == Some(&function::SETUP_COMMUNICATION) && p.len() >= 8).then(|| {
        SetupCommunication {
            max_amq_calling: be16(p, 2).unwrap_or(0),
            max_amq_called: be16(p, 4).unwrap_or(0),
            pdu_size: be16(p, 6).unwrap_or(0),
        }
    })
}

/// One item of a read/write variable request in S7ANY addressing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarItem {
    pub transport_size: u8,
    /// Number of elements of `transport_size`.
    pub length: u16,
    pub db_number: u16,
    pub area: u8,
    /// Byte address and bit (address >> 3, address & 7).
    pub address: u32,
}

impl VarItem {
    /// The address as an engineer writes it: `DB1.DBX 4.0`, `M 10.2`, `I 0.0`.
    pub fn display(&self) -> String {
        let (byte, bit) = (self.address >> 3, self.address & 7);
        match self.area {
            0x84 => format!("DB{}.DBX {byte}.{bit}", self.db_number),
            0x85 => format!("DI{}.DIX {byte}.{bit}", self.db_number),
            0x1c => format!("C {byte}"),
            0x1d => format!("T {byte}"),
            a => format!("{} {byte}.{bit}", area_name(a)),
        }
    }
}

impl VarItem {
    /// The bytes the item covers, first and last (counters and timers count in elements).
    pub fn byte_span(&self) -> (u64, u64) {
        let element = match self.transport_size {
            0x04 | 0x05 | 0x1c | 0x1d => 2,
            0x06..=0x08 => 4,
            _ => 1,
        };
        let first = u64::from(if matches!(self.area, 0x1c | 0x1d) {
            self.address
        } else {
            self.address >> 3
        });
        let bytes = if self.transport_size == 0x01 {
            1
        } else {
            u64::from(self.length.max(1)) * element
        };
        (first, first + bytes - 1)
    }
}

/// Memory area codes.
pub fn area_name(area: u8) -> &'static str {
    match area {
        0x03 => "SYS",
        0x05 => "SI",
        0x06 => "SQ",
        0x1c => "C",
        0x1d => "T",
        0x1e => "IEC counter",
        0x1f => "IEC timer",
        0x80 => "P",
        0x81 => "I",
        0x82 => "Q",
        0x83 => "M",
        0x84 => "DB",
        0x85 => "DI",
        0x86 => "L",
        0x87 => "V",
        _ => "unknown area",
    }
}

/// Transport size codes of an item address.
pub fn transport_size_name(size: u8) -> &'static str {
    match size {
        0x01 => "BIT",
        0x02 => "BYTE",
        0x03 => "CHAR",
        0x04 => "WORD",
        0x05 => "INT",
        0x06 => "DWORD",
        0x07 => "DINT",
        0x08 => "REAL",
        0x09 => "DATE",
        0x0a => "TOD",
        0x0b => "TIME",
        0x0c => "S5TIME",
        0x0f => "DATE_AND_TIME",
        0x1c => "COUNTER",
        0x1d => "TIMER",
        0x1e => "IEC TIMER",
        0x1f => "IEC COUNTER",
        0x20 => "HS COUNTER",
        _ => "unknown size",
    }
}

/// The items of a read or write variable job (at most 255; non-S7ANY items are skipped).
pub fn var_items(pdu: &S7Pdu<'_>) -> Result<Vec<VarItem>, Malformed> {
    let p = pdu.parameters;
    let count = usize::from(*p.get(1).ok_or(Malformed::new("s7_item_count_missing", 1))?);
    let mut items = Vec::with_capacity(count.min(p.len() / 4));
    let mut at = 2;
    for _ in 0..count {
        let (Some(&spec), Some(&len)) = (p.get(at), p.get(at + 1)) else {
            return Err(Malformed::new("s7_item_truncated", at));
        };
        let item = p
            .get(at + 2..at + 2 + usize::from(len))
            .ok_or(Malformed::new("s7_item_truncated", at))?;
        // Variable specification 0x12, syntax id 0x10 (S7ANY): size, length, DB, area, address.
        if spec == 0x12 && item.len() >= 10 && item[0] == 0x10 {
            items.push(VarItem {
                transport_size: item[1],
                length: be16(item, 2).unwrap_or(0),
                db_number: be16(item, 4).unwrap_or(0),
                area: item[6],
                address: u32::from_be_bytes([0, item[7], item[8], item[9]]),
            });
        }
        at += 2 + usize::from(len);
    }
    Ok(items)
}

/// Return codes of each item in the data of a read or write variable ack-data (at most 255).
pub fn item_return_codes(pdu: &S7Pdu<'_>) -> Vec<u8> {
    let count = usize::from(pdu.parameters.get(1).copied().unwrap_or(0));
    let d = pdu.data;
    let mut codes = Vec::with_capacity(count.min(d.len()));
    if pdu.function() == Some(function::WRITE_VAR) {
        codes.extend(d.iter().take(count));
        return codes;
    }
    let mut at = 0;
    while codes.len() < count {
        let (Some(&rc), Some(&size)) = (d.get(at), d.get(at + 1)) else {
            break;
        };
        codes.push(rc);
        let len = usize::from(be16(d, at + 2).unwrap_or(0));
        // Bit and byte sizes give the length in bits; octet-string sizes in bytes.
        let bytes = match size {
            0x03..=0x05 => len.div_ceil(8),
            _ => len,
        };
        // Items but the last are padded to an even length.
        at += 4 + bytes + (bytes & 1);
    }
    codes
}

/// Item and Read SZL return codes, as ICSNPP names them.
pub fn return_code_name(code: u8) -> &'static str {
    match code {
        0x00 => "Reserved",
        0x01 => "Hardware error",
        0x03 => "Accessing the bbject not allowed",
        0x05 => "Invalid address",
        0x06 => "Data type not supported",
        0x07 => "Data type inconsistent",
        0x0a => "Object does not exist",
        0xff => "Success",
        _ => "Unknown",
    }
}

/// The fields of a block upload or download message, in the layout of each function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockTransfer<'a> {
    pub function: u8,
    pub status: Option<u8>,
    pub session_id: Option<u32>,
    pub block_length: Option<u32>,
    /// `_0A00001P`: block type, number and file system of the block.
    pub filename: Option<&'a [u8]>,
}

/// The upload/download fields of a job or ack-data of those functions; `None` for other
/// functions, `Err` when the message is too short for its function's fields.
pub fn block_transfer<'a>(pdu: &S7Pdu<'a>) -> Option<Result<BlockTransfer<'a>, Malformed>> {
    use function::*;
    // Read across parameters and data, as the fields of the ack-data of an upload are split.
    let b = pdu.body;
    let code = *b.first()?;
    if !(REQUEST_DOWNLOAD..=END_UPLOAD).contains(&code) {
        return None;
    }
    let short = Malformed::new("s7_block_transfer_truncated", b.len());
    let filename = |at: usize| -> Option<&'a [u8]> {
        let len = usize::from(*b.get(at)?);
        b.get(at + 1..at + 1 + len)
    };
    let mut t = BlockTransfer {
        function: code,
        ..Default::default()
    };
    let result = match pdu.rosctr {
        rosctr::JOB => {
            t.status = b.get(1).copied();
            t.session_id = be32(b, 4);
            if t.session_id.is_none() {
                return Some(Err(short));
            }
            if matches!(
                code,
                START_UPLOAD | REQUEST_DOWNLOAD | DOWNLOAD_BLOCK | DOWNLOAD_ENDED
            ) {
                t.filename = filename(8);
                let Some(name) = t.filename else {
                    return Some(Err(short));
                };
                if code == REQUEST_DOWNLOAD {
                    // Then a length and a part in text: '1', load memory length (6 digits),
                    // MC7 code length (6 digits).
                    let at = 9 + name.len();
                    let Some(part) = filename(at) else {
                        return Some(Err(short));
                    };
                    t.block_length = part.get(1..7).and_then(ascii_number);
                }
            }
            Ok(t)
        }
        rosctr::ACK_DATA => match code {
            START_UPLOAD => {
                t.status = b.get(1).copied();
                t.session_id = be32(b, 4);
                match filename(8) {
                    Some(text) => {
                        t.block_length = ascii_number(text);
                        Ok(t)
                    }
                    None => Err(short),
                }
            }
            UPLOAD | DOWNLOAD_BLOCK => {
                t.status = b.get(1).copied();
                match be16(b, 2) {
                    Some(len) if b.len() >= 6 + usize::from(len) => {
                        t.block_length = Some(len.into());
                        Ok(t)
                    }
                    _ => Err(short),
                }
            }
            _ => Ok(t),
        },
        _ => return None,
    };
    Some(result)
}

fn ascii_number(text: &[u8]) -> Option<u32> {
    std::str::from_utf8(text).ok()?.trim().parse().ok()
}

/// A block's file name split up: `_0B00000A` is system data block 0 in the active file
/// system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockFile {
    pub block_type: String,
    pub number: String,
    pub filesystem: String,
}

pub fn block_file(filename: &[u8]) -> BlockFile {
    let text = String::from_utf8_lossy(filename);
    let part = |from: usize, to: usize| {
        text.get(from.min(text.len())..to.min(text.len()))
            .unwrap_or_default()
            .to_string()
    };
    BlockFile {
        block_type: part(1, 3),
        number: part(3, 8),
        filesystem: part(8, 9),
    }
}

pub fn block_type_name(code: &str) -> &'static str {
    match code {
        "08" => "Organization Block",
        "0A" => "Data Block",
        "0B" => "System Data Block",
        "0C" => "Function",
        "0D" => "System Function",
        "0E" => "Function Block",
        "0F" => "System Function Block",
        _ => "Unknown",
    }
}

pub fn filesystem_name(code: &str) -> &'static str {
    match code {
        "P" => "Passive",
        "A" => "Active",
        _ => "Unknown",
    }
}

/// A PLC control job (function 0x28) or PLC stop (0x29): the PI service it invokes and the
/// parameter block (for block services, the blocks concerned).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiService<'a> {
    pub function: u8,
    pub parameter_block: &'a [u8],
    pub service: &'a [u8],
}

pub fn pi_service<'a>(pdu: &S7Pdu<'a>) -> Option<Result<PiService<'a>, Malformed>> {
    let b = pdu.body;
    let function = *b.first()?;
    if pdu.rosctr != rosctr::JOB {
        return None;
    }
    let (parameter_block, name_at) = match function {
        // Seven unknown bytes, the parameter block with its length, then the service name.
        function::PLC_CONTROL => {
            let Some(len) = be16(b, 8) else {
                return Some(Err(Malformed::new("s7_plc_control_truncated", b.len())));
            };
            let end = 10 + usize::from(len);
            match b.get(10..end) {
                Some(block) => (block, end),
                None => return Some(Err(Malformed::new("s7_plc_control_truncated", 8))),
            }
        }
        // Five unknown bytes, then the service name.
        function::PLC_STOP => (&b[..0], 6),
        _ => return None,
    };
    let service = b.get(name_at).and_then(|&len| {
        let start = name_at + 1;
        b.get(start..start + usize::from(len))
    });
    Some(match service {
        Some(service) => Ok(PiService {
            function,
            parameter_block,
            service,
        }),
        None => Err(Malformed::new("s7_pi_service_truncated", name_at)),
    })
}

/// What a PI service does, as ICSNPP names the ones of S7 CPUs and SINUMERIK NCs.
pub fn pi_service_name(service: &[u8]) -> &'static str {
    match service {
        b"_INSE" | b"_INS2" => "Activates a PLC module",
        b"_DELE" => "Removes module from the PLC's passive file system",
        b"P_PROGRAM" => "PLC Start / Stop",
        b"_MODU" => "PLC Copy Ram to Rom",
        b"_GARB" => "Compress PLC memory",
        b"_N_LOGIN_" => "Login",
        b"_N_LOGOUT" => "Logout",
        b"_N_CANCEL" => "Cancels NC alarm",
        b"_N_DASAVE" => "PI-Service for copying data from SRAM to FLASH",
        b"_N_DIGIOF" => "Turns off digitizing",
        b"_N_DIGION" => "Turns on digitizing",
        b"_N_DZERO_" => "Set all D numbers invalid for function",
        b"_N_F_OPER" => "Opens a file read-only",
        b"_N_OST_OF" => "Overstore OFF",
        b"_N_OST_ON" => "Overstore ON",
        b"_N_SCALE_" => "Unit of measurement setting (metric<->INCH)",
        b"_N_SETUFR" => "Activates user frame",
        b"_N_STRTLK" => "The global start disable is set",
        b"_N_STRTUL" => "The global start disable is reset",
        b"_N_TMRASS" => "Resets the Active status",
        b"_N_F_DELE" => "Deletes file",
        b"_N_EXTERN" | b"_N_EXTMOD" => "Selects external program for execution",
        b"_N_F_DELR" => "Delete file even without access rights",
        b"_N_F_XFER" => "Selects file for uploading",
        b"_N_LOCKE_" => "Locks the active file for editing",
        b"_N_SELECT" => "Selects program for execution",
        b"_N_SRTEXT" => "A file is being marked in _N_EXT_DIR",
        b"_N_F_CLOS" => "Closes file",
        b"_N_F_OPEN" => "Opens file",
        b"_N_F_SEEK" => "Position the file search pointer",
        b"_N_ASUP__" => "Assigns interrupt",
        b"_N_CHEKDM" => "Start uniqueness check on D numbers",
        b"_N_CHKDNO" => "Check whether the tools have unique D numbers",
        b"_N_CONFIG" => "Reconfigures machine data",
        b"_N_CRCEDN" => "Creates a cutting edge by specifying an edge number",
        b"_N_DELECE" => "Deletes a cutting edge",
        b"_N_CREACE" => "Creates a cutting edge",
        b"_N_CREATO" => "Creates a tool",
        b"_N_DELETO" => "Deletes tool",
        b"_N_CRTOCE" => "Generate tool with specified edge number",
        b"_N_DELVAR" => "Delete data block",
        b"_N_F_COPY" => "Copies file within the NCK",
        b"_N_F_DMDA" => "Deletes MDA memory",
        b"_N_F_PROT" => "Assigns a protection level to a file",
        b"_N_F_RENA" => "Renames file",
        b"_N_FINDBL" => "Activates search",
        b"_N_IBN_SS" => "Sets the set-up switch",
        b"_N_MMCSEM" => "MMC-Semaphore",
        b"_N_NCKMOD" => "The mode in which the NCK will work is being set",
        b"_N_NEWPWD" => "New password",
        b"_N_SEL_BL" => "Selects a new block",
        b"_N_SETTST" => "Activate tools for replacement tool group",
        b"_N_TMAWCO" => "Set the active wear group in one magazine",
        b"_N_TMCRTC" => "Create tool with specified edge number",
        b"_N_TMCRTO" => "Creates tool in the tool management",
        b"_N_TMFDPL" => "Searches an empty place for loading",
        b"_N_TMFPBP" => "Searches for empty location",
        b"_N_TMGETT" => "Determines T-number for specific toolID with Duplono",
        b"_N_TMMVTL" => "Loads or unloads a tool",
        b"_N_TMPCIT" => "Sets increment value of the piece counter",
        b"_N_TMPOSM" => "Positions a magazine or tool",
        b"_N_TRESMO" => "Reset monitoring values",
        b"_N_TSEARC" => "Complex search via search screenforms",
        _ => "unknown",
    }
}

// ---------------------------------------------------------------------------------------
// User data
// ---------------------------------------------------------------------------------------

pub mod group {
    pub const MODE_TRANSITION: u8 = 0x0;
    pub const PROGRAMMER: u8 = 0x1;
    pub const CYCLIC: u8 = 0x2;
    pub const BLOCK: u8 = 0x3;
    pub const CPU: u8 = 0x4;
    pub const SECURITY: u8 = 0x5;
    pub const TIME: u8 = 0x7;
}

/// The parameter head of a user-data PDU, and the data part that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserData<'a> {
    /// 0x11 request, 0x12 response (or a follow-up request).
    pub method: u8,
    /// High nibble: 0 push, 4 request, 8 response; low nibble: the function group.
    pub type_group: u8,
    pub subfunction: u8,
    pub sequence: u8,
    /// Responses: several PDUs of one answer share a data unit reference.
    pub data_unit_ref: u8,
    /// Responses: 0 when this is the last PDU of the answer.
    pub last_data_unit: u8,
    /// Responses: 0 or the error code.
    pub error_code: Option<u16>,
    /// What follows the parameter head (return code, transport size, length, content).
    pub data: &'a [u8],
}

impl UserData<'_> {
    pub fn group(&self) -> u8 {
        self.type_group & 0x0f
    }

    pub fn is_response(&self) -> bool {
        self.method == 0x12
    }

    /// The part after the return code, transport size and length, bounded by that length.
    pub fn content(&self) -> Option<&[u8]> {
        let len = usize::from(be16(self.data, 2)?);
        self.data.get(4..4 + len)
    }

    pub fn return_code(&self) -> Option<u8> {
        self.data.first().copied()
    }
}

pub fn user_data<'a>(pdu: &S7Pdu<'a>) -> Result<UserData<'a>, Malformed> {
    let b = pdu.body;
    if b.len() < 8 {
        return Err(Malformed::new("s7_user_data_truncated", b.len()));
    }
    let method = b[4];
    let (head, data_unit_ref, last_data_unit, error_code) = if method == 0x12 {
        if b.len() < 12 {
            return Err(Malformed::new("s7_user_data_truncated", b.len()));
        }
        (12, b[8], b[9], be16(b, 10))
    } else {
        (8, 0, 0, None)
    };
    Ok(UserData {
        method,
        type_group: b[5],
        subfunction: b[6],
        sequence: b[7],
        data_unit_ref,
        last_data_unit,
        error_code,
        data: &b[head..],
    })
}

pub fn user_data_group_name(group: u8) -> Option<&'static str> {
    Some(match group {
        0x0 => "Mode-Transition",
        0x1 => "Programmer Controls",
        0x2 => "Cyclic Services",
        0x3 => "Block Functions",
        0x4 => "CPU Functions",
        0x5 => "Security",
        0x6 => "PBC BSEND-BRECV",
        0x7 => "Time Functions",
        0xf => "NC Programming",
        _ => return None,
    })
}

/// `Request: CPU Functions`, `Response: Time Functions`: the type and group of user data.
pub fn user_data_function_name(type_group: u8) -> String {
    let kind = match type_group & 0xf0 {
        0x40 => "Request",
        0x80 => "Response",
        0x00 => "Push",
        _ => "Unknown",
    };
    let group = user_data_group_name(type_group & 0x0f).unwrap_or("unknown");
    format!("{kind}: {group}")
}

/// Subfunction names per group; `None` for groups without a list (e.g. BSEND/BRECV).
pub fn user_data_subfunction_name(group: u8, sub: u8) -> Option<&'static str> {
    let name = match group {
        0x0 => match sub {
            0x00 => "Stop",
            0x01 => "Warm Restart",
            0x02 => "Run",
            0x03 => "Hot Restart",
            0x04 => "Hold",
            0x06 => "Cold Restart",
            0x09 => "Run_R",
            0x0b => "Link-Up",
            0x0c => "Update",
            _ => "unknown",
        },
        0x1 => match sub {
            0x01 => "Block Status",
            0x02 => "Variable Status",
            0x03 => "Output ISTACK",
            0x04 => "Output BSTACK",
            0x05 => "Output LSTACK",
            0x06 => "Time Measurement",
            0x07 => "Force Selection",
            0x08 => "Modify Variable",
            0x09 => "Force",
            0x0a => "Breakpoint",
            0x0b => "Exit HOLD",
            0x0c => "Memory Reset",
            0x0d => "Disable Job",
            0x0e => "Enable Job",
            0x0f => "Delete Job",
            0x10 => "Read Job List",
            0x11 => "Read Job",
            0x12 => "Replace Job",
            0x13 => "Block Status v2",
            0x16 => "Flash LED",
            _ => "unknown",
        },
        0x2 => match sub {
            0x01 => "Cyclic Transfer",
            0x04 => "Unsubscribe",
            0x05 => "Change Driven Transfer",
            0x07 => "Change Driven Transfer Modify",
            0x08 => "RDREC",
            _ => "unknown",
        },
        0x3 => match sub {
            0x01 => "List Blocks",
            0x02 => "List Blocks of Type",
            0x03 => "Get Block Info",
            _ => "unknown",
        },
        0x4 => match sub {
            0x01 => "Read SZL",
            0x02 => "Message Service",
            0x03 => "Diagnostic Message",
            0x04 => "ALARM_8 Indication",
            0x05 => "NOTIFY Indication",
            0x06 => "ALARM_8 Lock",
            0x07 => "ALARM_8 Unlock",
            0x08 => "SCAN Indication",
            0x0b => "ALARM_S Indication",
            0x0c => "ALARM_SQ Indication",
            0x0d => "ALARM Query",
            0x0e => "ALARM ACK",
            0x11 => "ALARM ACK Indication",
            0x12 => "ALARM Lock Indication",
            0x13 => "ALARM Unlock Indication",
            0x16 => "NOTIFY_8 Indication",
            _ => "unknown",
        },
        0x5 => match sub {
            0x01 => "PLC Password",
            _ => "unknown",
        },
        0x7 => match sub {
            0x01 => "Read Clock",
            0x02 => "Set Clock",
            0x03 => "Read Clock (Following)",
            0x04 => "Set Clock (2)",
            _ => "unknown",
        },
        _ => return None,
    };
    Some(name)
}

pub fn user_data_method_name(method: u8) -> &'static str {
    match method {
        0x11 => "Request",
        0x12 => "Response",
        _ => "Unknown",
    }
}

/// The clock in a time-function message (S7's BCD timestamp): `2016-02-08 23:08:10.000`.
pub fn clock(ud: &UserData<'_>) -> Option<String> {
    let t = ud.content()?;
    if t.len() < 10 {
        return None;
    }
    let bcd = |b: u8| u32::from(b >> 4) * 10 + u32::from(b & 0x0f);
    let year = bcd(t[2]);
    let year = if year >= 90 { 1900 + year } else { 2000 + year };
    let millis = bcd(t[8]) * 10 + u32::from(t[9] >> 4);
    Some(format!(
        "{year:04}-{:02}-{:02} {:02}:{:02}:{:02}.{millis:03}",
        bcd(t[3]),
        bcd(t[4]),
        bcd(t[5]),
        bcd(t[6]),
        bcd(t[7])
    ))
}

// ---------------------------------------------------------------------------------------
// Read SZL
// ---------------------------------------------------------------------------------------

/// The SZL part of a Read SZL request or response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadSzl<'a> {
    pub return_code: u8,
    pub szl_id: u16,
    pub szl_index: u16,
    /// After the id and index: record length, record count, records.
    pub content: &'a [u8],
}

/// The SZL part of a user-data PDU of group CPU functions, subfunction Read SZL; `None`
/// for other user data. A part too short for the id and index, or a component
/// identification (0x001C) answer whose records do not all fit, is `Err`.
pub fn read_szl<'a>(ud: &UserData<'a>) -> Option<Result<ReadSzl<'a>, Malformed>> {
    if ud.group() != group::CPU || ud.subfunction != 0x01 {
        return None;
    }
    let d = ud.data;
    let (Some(&return_code), Some(len)) = (d.first(), be16(d, 2)) else {
        return Some(Err(Malformed::new("s7_szl_truncated", d.len())));
    };
    let len = usize::from(len);
    if len < 4 {
        return Some(Err(Malformed::new("s7_szl_length_too_short", 2)));
    }
    let Some(part) = d.get(4..4 + len) else {
        return Some(Err(Malformed::new("s7_szl_truncated", d.len())));
    };
    let szl = ReadSzl {
        return_code,
        szl_id: be16(part, 0).unwrap_or(0),
        szl_index: be16(part, 2).unwrap_or(0),
        content: &part[4..],
    };
    if szl.szl_id == 0x001c && !szl.content.is_empty() {
        let whole = match (be16(szl.content, 0), be16(szl.content, 2)) {
            (Some(rl), Some(n)) => 4 + usize::from(rl) * usize::from(n) <= szl.content.len(),
            _ => false,
        };
        if !whole {
            return Some(Err(Malformed::new("s7_szl_records_truncated", 8)));
        }
    }
    Some(Ok(szl))
}

/// SZL list names (by the list number, the low byte of the id).
pub fn szl_id_name(szl_id: u16) -> &'static str {
    match szl_id & 0xff {
        0x00 => "List of all the SZL-IDs of a module",
        0x11 => "Module identification",
        0x12 => "CPU characteristics",
        0x13 => "User memory areas",
        0x14 => "System areas",
        0x15 => "Block types",
        0x16 | 0x23 => "Priority classes",
        0x17 => "List of the permitted SDBs with a number < 1000",
        0x18 => "Maximum S7-300 I/O configuration",
        0x19 | 0x74 => "Status of the module LEDs",
        0x1c => "Component Identification",
        0x21 => "Interrupt / error assignment",
        0x22 => "Interrupt status",
        0x24 => "Modes",
        0x25 => "Assignment between process image partitions and OBs",
        0x31 => "Communication capability parameters",
        0x32 => "Communication status data",
        0x33 => "Diagnostics: device logon list",
        0x37 => "Ethernet - Details of a Module",
        0x71 => "H CPU group information",
        0x75 => "Switched DP slaves in the H-system",
        0x81 => "Start information list",
        0x82 => "Start event list",
        0x91 => "Module status information",
        0x92 | 0x94 => "Rack / station status information",
        0x95 => "Extended DP master system information",
        0x96 => "Module status information, PROFINET IO and PROFIBUS DP",
        0xa0 => "Diagnostic buffer of the CPU",
        0xb1 => "Module diagnostic information (data record 0)",
        0xb2 => "Module diagnostic information (data record 1), geographical address",
        0xb3 => "Module diagnostic information (data record 1), logical address",
        0xb4 => "Diagnostic data of a DP slave",
        _ => "Unknown",
    }
}

/// A Read SZL response: the list id and index, and its records (at most 64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SzlResponse<'a> {
    pub szl_id: u16,
    pub szl_index: u16,
    pub records: Vec<&'a [u8]>,
}

/// The records of a Read SZL answer: those that fit, at most 64.
pub fn szl_records<'a>(szl: &ReadSzl<'a>) -> SzlResponse<'a> {
    let c = szl.content;
    let record_len = usize::from(be16(c, 0).unwrap_or(0));
    let count = usize::from(be16(c, 2).unwrap_or(0));
    let mut records = Vec::new();
    if record_len > 0 {
        for i in 0..count.min(64) {
            let start = 4 + i * record_len;
            match c.get(start..start + record_len) {
                Some(r) => records.push(r),
                None => break,
            }
        }
    }
    SzlResponse {
        szl_id: szl.szl_id,
        szl_index: szl.szl_index,
        records,
    }
}

/// The Read SZL response in a user-data PDU, if that is what it carries and it starts an
/// answer (a follow-on PDU of a long answer has no id or index).
pub fn read_szl_response<'a>(pdu: &S7Pdu<'a>) -> Option<SzlResponse<'a>> {
    if pdu.rosctr != rosctr::USER_DATA {
        return None;
    }
    let ud = user_data(pdu).ok()?;
    if ud.type_group & 0xf0 != 0x80 {
        return None;
    }
    let szl = match read_szl(&ud)? {
        Ok(szl) => szl,
        // The records that arrived still say what they say.
        Err(_) => partial_szl(&ud)?,
    };
    (szl.return_code == 0xff).then(|| szl_records(&szl))
}

fn partial_szl<'a>(ud: &UserData<'a>) -> Option<ReadSzl<'a>> {
    let d = ud.data;
    Some(ReadSzl {
        return_code: *d.first()?,
        szl_id: be16(d, 4)?,
        szl_index: be16(d, 6)?,
        content: d.get(8..)?,
    })
}

/// What a CPU says about itself in SZL 0x0011, 0x001C and 0x0424.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CpuIdentity {
    pub order_number: Option<String>,
    pub firmware: Option<String>,
    pub station_name: Option<String>,
    pub module_name: Option<String>,
    pub plant_name: Option<String>,
    pub serial: Option<String>,
    pub module_type: Option<String>,
    pub location: Option<String>,
    /// Operating mode from SZL 0x0424: `RUN`, `STOP`.
    pub mode: Option<String>,
}

/// Reads the identity facts out of a Read SZL response of list 0x0011, 0x001C or 0x0424.
pub fn cpu_identity(szl: &SzlResponse<'_>) -> CpuIdentity {
    let mut id = CpuIdentity::default();
    for r in &szl.records {
        let index = be16(r, 0).unwrap_or(0);
        match szl.szl_id & 0x00ff {
            0x11 if r.len() >= 28 => {
                let (ausbg, ausbe) = (be16(r, 24).unwrap_or(0), be16(r, 26).unwrap_or(0));
                match index {
                    1 => id.order_number = crate::printable(&r[2..22]),
                    // Version records: 'V' and the major number, then minor and patch.
                    7 if ausbg >> 8 == u16::from(b'V') => {
                        id.firmware =
                            Some(format!("V{}.{}.{}", ausbg & 0xff, ausbe >> 8, ausbe & 0xff));
                    }
                    _ => {}
                }
            }
            0x1c if r.len() >= 10 => {
                let value = crate::printable(&r[2..r.len().min(34)]);
                match index {
                    1 => id.station_name = value,
                    2 => id.module_name = value,
                    3 => id.plant_name = value,
                    5 => id.serial = value,
                    7 => id.module_type = value,
                    0x0b => id.location = value,
                    _ => {}
                }
            }
            // The mode byte: 8 RUN, 4 STOP, as S7 clients read it.
            0x24 if r.len() >= 4 => id.mode = Some(mode_name(r[3])),
            _ => {}
        }
    }
    id
}

pub fn mode_name(code: u8) -> String {
    match code {
        0x08 => "RUN".into(),
        0x04 => "STOP".into(),
        0x05 => "HOLD".into(),
        0x03 => "STARTUP".into(),
        other => format!("unknown ({other:#04x})"),
    }
}

/// The component identification strings of SZL 0x001C as ICSNPP's known-devices log
/// keeps them: record text with its NUL padding removed, empty when the CPU left it blank.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentNames {
    pub automation_system_name: Option<String>,
    pub module_name: Option<String>,
    pub plant_name: Option<String>,
    pub module_serial: Option<String>,
}

pub fn component_names(szl: &SzlResponse<'_>) -> ComponentNames {
    let mut names = ComponentNames::default();
    if szl.szl_id != 0x001c {
        return names;
    }
    for r in &szl.records {
        let text = || {
            let raw = r.get(2..r.len().min(34)).unwrap_or_default();
            let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
            String::from_utf8_lossy(&raw[..end])
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
        };
        match be16(r, 0) {
            Some(1) => names.automation_system_name = Some(text()),
            Some(2) => names.module_name = Some(text()),
            Some(3) => names.plant_name = Some(text()),
            Some(5) => names.module_serial = Some(text()),
            _ => {}
        }
    }
    names
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // Messages from icsnpp-s7comm/tests/traces/snap7.pcap and s7ident.pcap (snap7 client
    // and server, CPU 315-2 PN/DP personality).

    /// s7ident.pcap frame 4: COTP connection request, TSAPs 0x0100 and 0x0101.
    pub(crate) fn connection_request() -> Vec<u8> {
        hex("0300001611e00000000100c0010ac1020100c2020101")
    }
    /// s7ident.pcap frame 11: Read SZL 0x0011 response.
    pub(crate) fn szl_0011_response() -> Vec<u8> {
        hex(
            "0300009902f080320700000100000c007c000112081284010000000000ff09007800110000001c\
             0004000136455337203331352d32454831342d304142302000c000040001000636455337203331\
             352d32454831342d304142302000c0000400010007202020202020202020202020202020202020\
             202000c0560302060081426f6f74204c6f61646572202020202020202020000041200909",
        )
    }
    /// s7ident.pcap frame 13: Read SZL 0x001C response, ten records.
    pub(crate) fn szl_001c_response() -> Vec<u8> {
        hex(
            "0300017d02f080320700000200000c0160000112081284010000000000ff09015c001c0000002200\
             0a0001534e4150372d53455256455200000000000000000000000000000000000000000002435055\
             203331352d3220504e2f445000000000000000000000000000000000000003000000000000000000\
             000000000000000000000000000000000000000000000000044f726967696e616c205369656d656e\
             732045717569706d656e7400000000000000055320432d4332555232383932323031320000000000\
             00000000000000000000000007435055203331352d3220504e2f4450000000000000000000000000\
             000000000000084d4d43203236374646313146000000000000000000000000000000000000000000\
             09002af60000010000000000000000000000000000000000000000000000000000000a0000000000\
             000000000000000000000000000000000000000000000000000000000b0000000000000000000000\
             000000000000000000000000000000000000000000",
        )
    }
    /// snap7.pcap frame 12: Read SZL 0x0424 response (mode RUN).
    pub(crate) fn szl_0424_response() -> Vec<u8> {
        hex(
            "0300003d02f080320700000500000c0020000112081284010200000000ff09001c04240000001400\
             015144ff0800000000000000001602081451375692",
        )
    }
    /// snap7.pcap frame 6: first PDU of a Read SZL 0x001C answer cut in two.
    fn szl_001c_first_part() -> Vec<u8> {
        hex(
            "030000f702f080320700000200000c00da0001120812840102d5010000ff0900d6001c0000002200\
             0a000153373330302f45543230304d2073746174696f6e5f31000000000000000000000002504c43\
             5f310000000000000000000000000000000000000000000000000000000003000000000000000000\
             000000000000000000000000000000000000000000000000044f726967696e616c205369656d656e\
             732045717569706d656e7400000000000000055320432d4231553339333134323031310000000000\
             00000000000000000000000007435055203331352d3220504e2f4450000000000000000000000000\
             00000000000008",
        )
    }
    /// snap7.pcap frame 17: job Start Upload of `_0B00000A`.
    pub(crate) fn start_upload_job() -> Vec<u8> {
        hex("0300002302f080320100000800001200001d00000000000000095f3042303030303041")
    }
    /// snap7.pcap frame 18: its ack-data, session 7, block length "0000216".
    fn start_upload_ack() -> Vec<u8> {
        hex("0300002302f0803203000008000010000000001d000100000000070730303030323136")
    }
    /// snap7.pcap frame 59: PLC control `_MODU` (copy RAM to ROM).
    pub(crate) fn plc_control_modu() -> Vec<u8> {
        hex("0300002302f080320100001d000012000028000000000000fd00024550055f4d4f4455")
    }
    /// snap7.pcap frame 57: PLC stop.
    fn plc_stop() -> Vec<u8> {
        hex("0300002102f080320100001c000010000029000000000009505f50524f4752414d")
    }
    /// snap7.pcap frame 49: write variable, one REAL at MD16.
    pub(crate) fn write_var() -> Vec<u8> {
        hex("0300002702f080320100001800000e00080501120a100800010000830000800007000479e9f642")
    }
    /// snap7.pcap frame 56: read variable ack-data, five items.
    fn read_var_ack() -> Vec<u8> {
        hex(
            "0300007902f080320300001b000002006400000405ff040080acde000daddeaddeaddeaddeaddead\
             deff040080aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbff040080bbbbbbbbbbbbbbbbaddeaddeaddeadd\
             eff09001000000000000000000000000000000000ff090010001100000000000000000000000000\
             00",
        )
    }
    /// snap7.pcap frame 1: setup communication job.
    fn setup_communication_job() -> Vec<u8> {
        hex("0300001902f08032010000000000080000f0000001000101e0")
    }
    /// snap7.pcap frame 47: user data, time functions, set clock.
    pub(crate) fn set_clock() -> Vec<u8> {
        hex("0300002702f0803207000017000008000e0001120411470200ff09000a00191602082308100002")
    }
    /// snap7.pcap frame 24: block info answered with error 0xd209.
    fn block_info_error() -> Vec<u8> {
        hex("0300002102f080320700000b00000c000400011208128303000000d2090a000000")
    }
    /// s7ident.pcap frame 21: ack without parameters, error class 0xd2 code 0x41.
    fn ack_error() -> Vec<u8> {
        hex("0300001302f08032020000060000000000d241")
    }

    fn pdu(msg: &[u8]) -> S7Pdu<'_> {
        parse_pdu(s7_payload(msg).unwrap()).unwrap()
    }

    #[test]
    fn connection_request_names_rack_and_slot() {
        let msg = connection_request();
        let cotp = parse_cotp(&msg).unwrap();
        assert_eq!(cotp.code, tpdu::CR);
        assert_eq!(tpdu_name(cotp.code), Some("CR Connection Request"));
        let c = cotp.connection.unwrap();
        assert_eq!(c.tpdu_size, Some(1024));
        assert_eq!(c.calling_tsap, Some(&[1u8, 0][..]));
        let called = s7_tsap(c.called_tsap.unwrap()).unwrap();
        assert_eq!(
            (called.connection_type, called.rack, called.slot),
            (1, 0, 1)
        );
        assert_eq!(s7_tsap(b"SIMATIC-ROOT-HMI"), None);
    }

    #[test]
    fn cotp_lengths_are_checked() {
        let mut msg = connection_request();
        msg[4] = 0x40;
        assert_eq!(
            parse_cotp(&msg).unwrap_err().reason,
            "cotp_length_beyond_tpkt"
        );
        msg[4] = 3;
        assert_eq!(
            parse_cotp(&msg).unwrap_err().reason,
            "cotp_length_too_short"
        );
    }

    #[test]
    fn order_number_and_firmware_from_szl_0011() {
        let msg = szl_0011_response();
        assert_eq!(tpkt_total(&msg), Some(msg.len()));
        let pdu = pdu(&msg);
        assert_eq!(pdu.pdu_ref_swapped(), 1);
        let szl = read_szl_response(&pdu).unwrap();
        assert_eq!((szl.szl_id, szl.records.len()), (0x0011, 4));
        let id = cpu_identity(&szl);
        assert_eq!(id.order_number.as_deref(), Some("6ES7 315-2EH14-0AB0"));
        assert_eq!(id.firmware.as_deref(), Some("V3.2.6"));
    }

    #[test]
    fn component_identification_from_szl_001c() {
        let msg = szl_001c_response();
        let szl = read_szl_response(&pdu(&msg)).unwrap();
        let id = cpu_identity(&szl);
        assert_eq!(id.station_name.as_deref(), Some("SNAP7-SERVER"));
        assert_eq!(id.module_name.as_deref(), Some("CPU 315-2 PN/DP"));
        assert_eq!(id.serial.as_deref(), Some("S C-C2UR28922012"));
        assert_eq!(id.plant_name, None);
        let names = component_names(&szl);
        assert_eq!(names.plant_name.as_deref(), Some(""));
        assert_eq!(names.module_serial.as_deref(), Some("S C-C2UR28922012"));
    }

    #[test]
    fn a_cut_component_answer_still_gives_the_records_that_arrived() {
        let msg = szl_001c_first_part();
        let pdu = pdu(&msg);
        let ud = user_data(&pdu).unwrap();
        assert_eq!((ud.data_unit_ref, ud.last_data_unit), (0xd5, 1));
        assert_eq!(
            read_szl(&ud).unwrap().unwrap_err().reason,
            "s7_szl_records_truncated"
        );
        let id = cpu_identity(&read_szl_response(&pdu).unwrap());
        assert_eq!(id.station_name.as_deref(), Some("S7300/ET200M station_1"));
        assert_eq!(id.serial.as_deref(), Some("S C-B1U393142011"));
    }

    #[test]
    fn mode_from_szl_0424() {
        let msg = szl_0424_response();
        let szl = read_szl_response(&pdu(&msg)).unwrap();
        assert_eq!(szl.szl_id, 0x0424);
        assert_eq!(cpu_identity(&szl).mode.as_deref(), Some("RUN"));
    }

    #[test]
    fn start_upload_job_and_ack() {
        let msg = start_upload_job();
        let job = pdu(&msg);
        let t = block_transfer(&job).unwrap().unwrap();
        assert_eq!((t.status, t.session_id), (Some(0), Some(0)));
        let file = block_file(t.filename.unwrap());
        assert_eq!(block_type_name(&file.block_type), "System Data Block");
        assert_eq!(
            (file.number.as_str(), file.filesystem.as_str()),
            ("00000", "A")
        );
        let msg = start_upload_ack();
        let ack = pdu(&msg);
        assert_eq!(ack.error, Some((0, 0)));
        let t = block_transfer(&ack).unwrap().unwrap();
        assert_eq!((t.session_id, t.block_length), (Some(7), Some(216)));
    }

    #[test]
    fn pi_services() {
        let msg = plc_control_modu();
        let s = pi_service(&pdu(&msg)).unwrap().unwrap();
        assert_eq!(s.service, b"_MODU");
        assert_eq!(pi_service_name(s.service), "PLC Copy Ram to Rom");
        let msg = plc_stop();
        let s = pi_service(&pdu(&msg)).unwrap().unwrap();
        assert_eq!(
            (s.function, s.service),
            (function::PLC_STOP, &b"P_PROGRAM"[..])
        );
    }

    #[test]
    fn variable_items_and_return_codes() {
        let msg = write_var();
        let items = var_items(&pdu(&msg)).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].display(), "M 16.0");
        assert_eq!(
            (
                items[0].length,
                transport_size_name(items[0].transport_size)
            ),
            (1, "REAL")
        );
        let msg = read_var_ack();
        assert_eq!(item_return_codes(&pdu(&msg)), vec![0xff; 5]);
    }

    #[test]
    fn setup_communication_sizes() {
        let msg = setup_communication_job();
        let s = setup_communication(&pdu(&msg)).unwrap();
        assert_eq!(
            (s.max_amq_calling, s.max_amq_called, s.pdu_size),
            (1, 1, 480)
        );
    }

    #[test]
    fn user_data_set_clock() {
        let msg = set_clock();
        let ud = user_data(&pdu(&msg)).unwrap();
        assert_eq!(
            user_data_function_name(ud.type_group),
            "Request: Time Functions"
        );
        assert_eq!(
            user_data_subfunction_name(ud.group(), ud.subfunction),
            Some("Set Clock")
        );
        assert_eq!(clock(&ud).as_deref(), Some("2016-02-08 23:08:10.000"));
    }

    #[test]
    fn user_data_error_code() {
        let msg = block_info_error();
        let ud = user_data(&pdu(&msg)).unwrap();
        assert_eq!((ud.is_response(), ud.error_code), (true, Some(0xd209)));
    }

    #[test]
    fn ack_carries_error_class_and_code() {
        let msg = ack_error();
        let p = pdu(&msg);
        assert_eq!(
            (p.rosctr, p.error, p.function()),
            (rosctr::ACK, Some((0xd2, 0x41)), None)
        );
    }

    fn every_parser(b: &[u8]) {
        let _ = tpkt_total(b);
        if let Ok(cotp) = parse_cotp(b) {
            if let Some(c) = cotp.connection {
                let _ = c.called_tsap.and_then(s7_tsap);
            }
        }
        if let Some(p) = s7_payload(b) {
            if let Ok(pdu) = parse_pdu(p) {
                let _ = setup_communication(&pdu);
                let _ = var_items(&pdu);
                let _ = item_return_codes(&pdu);
                if let Some(Ok(t)) = block_transfer(&pdu) {
                    let _ = t.filename.map(block_file);
                }
                let _ = pi_service(&pdu);
                if let Ok(ud) = user_data(&pdu) {
                    let _ = clock(&ud);
                    let _ = read_szl(&ud);
                }
                if let Some(szl) = read_szl_response(&pdu) {
                    let _ = cpu_identity(&szl);
                    let _ = component_names(&szl);
                }
            }
        }
    }

    #[test]
    fn never_panics() {
        crate::hostile::never_panics(
            &[
                szl_0011_response(),
                szl_001c_response(),
                szl_001c_first_part(),
                szl_0424_response(),
                connection_request(),
                start_upload_job(),
                start_upload_ack(),
                plc_control_modu(),
                plc_stop(),
                write_var(),
                read_var_ack(),
                set_clock(),
            ],
            0x57c0_11d3_0000_0011,
            |buf, i| {
                if buf.len() >= 10 {
                    let rosctr = [1, 2, 3, 7][i % 4];
                    buf[..10].copy_from_slice(&[3, 0, 0, 0, 2, 0xf0, 0x80, 0x32, rosctr, 0]);
                    let len = buf.len() as u16;
                    buf[2..4].copy_from_slice(&len.to_be_bytes());
                }
            },
            every_parser,
        );
    }
}
