//! Emerson ROC Plus, the protocol of ROC800, FloBoss and DL8000 flow computers and RTUs
//! (TCP and UDP, port 4000 by convention).
//!
//! A message is a six-byte header (destination unit and group, source unit and group,
//! opcode, data length), up to 255 data bytes and a two-byte CRC. Nothing in the header
//! says whether a message is a request or a response: the data length, and for a few
//! opcodes the first data byte, tell them apart (and sometimes cannot, which is reported
//! as [`PacketType::Unknown`]). The opcode-specific views below decode what identifies the
//! device (system configuration), who logs in, which files move and what is written.

use crate::Malformed;

/// Header bytes before the data.
pub const HEADER_LEN: usize = 6;
/// A whole message: header, up to 255 data bytes, CRC.
pub const MAX_MESSAGE: usize = HEADER_LEN + 255 + 2;

/// One ROC Plus message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub destination_unit: u8,
    pub destination_group: u8,
    pub source_unit: u8,
    pub source_group: u8,
    pub opcode: u8,
    pub data: &'a [u8],
    pub crc_lsb: u8,
    pub crc_msb: u8,
}

/// The length of the message starting at `buf`, once its header is there.
pub fn message_len(buf: &[u8]) -> Option<usize> {
    buf.get(5).map(|&n| HEADER_LEN + usize::from(n) + 2)
}

/// The message at the start of `buf` and the bytes it took.
pub fn parse(buf: &[u8]) -> Result<(Message<'_>, usize), Malformed> {
    let len = message_len(buf).ok_or(Malformed {
        reason: "roc_plus_short_header",
        offset: buf.len(),
    })?;
    let whole = buf.get(..len).ok_or(Malformed {
        reason: "roc_plus_truncated",
        offset: buf.len(),
    })?;
    let (header, rest) = whole.split_at(HEADER_LEN);
    let [du, dg, su, sg, opcode, _] =
        <[u8; HEADER_LEN]>::try_from(header).map_err(|_| Malformed {
            reason: "roc_plus_short_header",
            offset: 0,
        })?;
    let (data, crc) = rest.split_at(rest.len().saturating_sub(2));
    let (&crc_lsb, &crc_msb) = (crc.first().unwrap_or(&0), crc.get(1).unwrap_or(&0));
    Ok((
        Message {
            destination_unit: du,
            destination_group: dg,
            source_unit: su,
            source_group: sg,
            opcode,
            data,
            crc_lsb,
            crc_msb,
        },
        len,
    ))
}

/// Whether a UDP datagram or the start of a TCP stream reads as ROC Plus messages: the
/// length byte must account for the bytes exactly, message after message.
pub fn looks_like(payload: &[u8]) -> bool {
    let mut rest = payload;
    let mut messages = 0;
    while !rest.is_empty() && messages < 8 {
        match message_len(rest) {
            Some(n) if n <= rest.len() => {
                rest = rest.get(n..).unwrap_or_default();
                messages += 1;
            }
            _ => return false,
        }
    }
    messages > 0 && rest.is_empty()
}

/// Request, response, or a message whose lengths fit both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    Request,
    Response,
    Unknown,
}

impl PacketType {
    pub fn name(self) -> &'static str {
        match self {
            PacketType::Request => "Request",
            PacketType::Response => "Response",
            PacketType::Unknown => "Unknown",
        }
    }
}

pub const OP_SYSTEM_CONFIG: u8 = 6;
pub const OP_READ_CLOCK: u8 = 7;
pub const OP_SET_CLOCK: u8 = 8;
pub const OP_READ_CONFIGURABLE: u8 = 10;
pub const OP_WRITE_CONFIGURABLE: u8 = 11;
pub const OP_LOGIN: u8 = 17;
pub const OP_STORE_AND_FORWARD: u8 = 24;
pub const OP_SET_SINGLE_POINT: u8 = 166;
pub const OP_WRITE_PARAMETERS: u8 = 181;
pub const OP_FILE_TRANSFER: u8 = 203;
pub const OP_HISTORY_INFORMATION: u8 = 139;
pub const OP_TRANSACTION_HISTORY: u8 = 206;
pub const OP_ERROR: u8 = 255;

/// The opcode's name as the ROC Plus specification titles it, with its number.
pub fn opcode_name(opcode: u8) -> Option<&'static str> {
    Some(match opcode {
        6 => "System Config (006)",
        7 => "Read Realtime Clock (007)",
        8 => "Set Realtime Clock (008)",
        10 => "Read Configurable Opcode Point Data (010)",
        11 => "Write Configurable Opcode Point Data (011)",
        17 => "Login Request (017)",
        24 => "Store And Forward (024)",
        50 => "Request IO Point Position (050)",
        100 => "Access User Defined Information (100)",
        105 => "Request Today's Yesterday's Min/Max Values (105)",
        108 => "Request History Tag And Periodic Index (108)",
        118 => "Request Alarm Data (118)",
        119 => "Request Event Data (119)",
        135 => "Request Single History Point Data (135)",
        136 => "Request Multiple History Point Data (136)",
        137 => "Request History Index (137)",
        138 => "Request Daily And Periodic History (138)",
        139 => "History Information Data (139)",
        166 => "Set Single Point Parameters (166)",
        167 => "Request Single Point Parameters (167)",
        180 => "Request Parameters (180)",
        181 => "Write Parameters (181)",
        203 => "General File Transfer (203)",
        205 => "Peer To Peer Network Messages (205)",
        206 => "Read Transaction History Data (206)",
        224 => "Srbx Signal (224)",
        225 => "Acknowledge Srbx (225)",
        255 => "Error Indicator (255)",
        _ => return None,
    })
}

/// Whether a request with this opcode changes the device: its clock, configuration,
/// parameters, files, or forwards a message to another unit.
pub fn is_write(opcode: u8) -> bool {
    matches!(
        opcode,
        OP_SET_CLOCK
            | OP_WRITE_CONFIGURABLE
            | OP_STORE_AND_FORWARD
            | OP_SET_SINGLE_POINT
            | OP_WRITE_PARAMETERS
    )
}

/// Tells requests from responses by the data length (and, for opcodes 139, 203 and 206,
/// the command in the first data byte), following the sizes the specification gives each
/// opcode's request and response.
pub fn packet_type(opcode: u8, data: &[u8]) -> PacketType {
    use PacketType::*;
    let n = data.len();
    let by = |request: bool| if request { Request } else { Response };
    match opcode {
        6 | 7 => by(n == 0),
        8 | 11 | 166 | 224 => by(n != 0),
        10 | 100 | 118 | 119 | 137 => by(n == 3),
        17 => by(n != 0 && n != 24),
        24 => by(n != 0),
        50 => by(n == 1),
        105 | 225 => by(n == 2),
        108 => {
            if (3..15).contains(&n) {
                Request
            } else if n > 23 {
                Response
            } else {
                Unknown
            }
        }
        135 => by(n == 6),
        136 => by(n == 7),
        138 => by(n == 4),
        167 => by(n == 4),
        139 => match data.first() {
            Some(0) => by(n == 2),
            Some(1) if n < 10 => Request,
            Some(1) if n > 67 => Response,
            _ => Unknown,
        },
        203 => match file_command(data) {
            Some(c) => c.packet_type(n),
            None => Unknown,
        },
        206 => match data.first() {
            Some(1) => by(n == 4),
            Some(2) if n != 6 => Response,
            _ => Unknown,
        },
        // Error responses come in (code, offset) pairs.
        255 => {
            if n.is_multiple_of(2) {
                Response
            } else {
                Unknown
            }
        }
        _ => Unknown,
    }
}

/// The name of an error code of opcode 255.
pub fn error_name(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "Invalid Opcode Request",
        2 => "Invalid Parameter Number",
        3 => "Invalid Logical Number",
        4 => "Invalid Point Type",
        5 => "Received Too Many Data Bytes",
        6 => "Received Too Few Data Bytes",
        13 => "Outside Valid Address Range",
        14 => "Invalid History Request",
        15 => "Invalid FST Request",
        16 => "Invalid Event Entry",
        17 => "Requested Too Many Alarms",
        18 => "Requested Too Many Events",
        19 => "Write to Read-Only Parameter",
        20 => "Security Error",
        21 => "Invalid Security Logon",
        22 => "Invalid Store and Forward Path",
        24 => "History Configuration in Progress",
        25 => "Invalid Parameter Range",
        50 => "General Error",
        63 => "Request Access Level Too High",
        _ => return None,
    })
}

/// The (error code, byte offset) pairs of an error response.
pub fn errors(data: &[u8]) -> impl Iterator<Item = (u8, u8)> + '_ {
    data.chunks_exact(2).map(|p| (p[0], p[1]))
}

// ---------------------------------------------------------------------------------------
// Opcode 6: system configuration (the device's identity).

/// The response to opcode 6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemConfig<'a> {
    pub system_mode: u8,
    pub port_number: u16,
    pub security_access_mode: u8,
    pub logical_compatibility: u8,
    pub opcode_revision: u8,
    pub subtype: u8,
    pub type_of_roc: u8,
    /// Logical points per point type, from point type 60 on.
    pub point_types: &'a [u8],
}

pub fn system_config(data: &[u8]) -> Option<SystemConfig<'_>> {
    let revision = *data.get(5)?;
    // The original revision lists point types 60..137, the extended one 60..255.
    let count = if revision == 0 { 78 } else { 196 };
    Some(SystemConfig {
        system_mode: *data.first()?,
        port_number: u16::from_be_bytes([*data.get(1)?, *data.get(2)?]),
        security_access_mode: *data.get(3)?,
        logical_compatibility: *data.get(4)?,
        opcode_revision: revision,
        subtype: *data.get(6)?,
        type_of_roc: *data.get(18)?,
        point_types: data.get(19..19 + count)?,
    })
}

pub fn system_mode_name(v: u8) -> &'static str {
    match v {
        0 => "Firmware Update",
        1 => "Run Mode",
        _ => "Unknown",
    }
}

pub fn compatibility_name(v: u8) -> &'static str {
    match v {
        0 => "Compatability Mode: 0 | 16 points per slot | 160 bytes total | 9  module slots max",
        1 => "Compatability Mode: 1 | 16 points per slot | 240 bytes total | 14 module slots max",
        2 => "Compatability Mode: 2 | 9 points per slot  | 224 bytes total | 27 module slots max",
        _ => "Unknown",
    }
}

pub fn revision_name(v: u8) -> &'static str {
    match v {
        0 => "Original",
        1 => "Extended",
        _ => "Unknown",
    }
}

pub fn subtype_name(v: u8) -> &'static str {
    match v {
        0 => "Series One",
        1 => "Series Two",
        _ => "Unknown",
    }
}

/// The device family opcode 6 reports; the specification marks FB100-series units with a
/// placeholder rather than a number, so every other value reads as FB100.
pub fn type_of_roc_name(v: u8) -> &'static str {
    match v {
        1 => "ROCPAC ROC300-Series",
        2 => "FloBoss 407",
        3 => "FlashPAC ROC300-Series",
        4 => "FloBoss 503",
        5 => "FloBoss 504",
        6 => "ROC800 (809/827)",
        11 => "DL8000",
        _ => "FB100",
    }
}

// ---------------------------------------------------------------------------------------
// Opcodes 7 and 8: the real-time clock.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub second: u8,
    pub minute: u8,
    pub hour: u8,
    pub day: u8,
    pub month: u8,
    pub year: u16,
    /// Present in the response to opcode 7, absent from the opcode 8 request.
    pub day_of_week: Option<u8>,
}

pub fn clock(data: &[u8]) -> Option<Clock> {
    Some(Clock {
        second: *data.first()?,
        minute: *data.get(1)?,
        hour: *data.get(2)?,
        day: *data.get(3)?,
        month: *data.get(4)?,
        year: u16::from_be_bytes([*data.get(5)?, *data.get(6)?]),
        day_of_week: data.get(7).copied(),
    })
}

impl Clock {
    /// Seconds since 1970 for the clock's date and time read as UTC; `None` for a date
    /// that does not exist.
    pub fn unix_seconds(&self) -> Option<i64> {
        let (y, m, d) = (
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) || self.hour > 23 || self.minute > 59 {
            return None;
        }
        // Days from the civil calendar (Howard Hinnant's algorithm).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Some(
            days * 86_400
                + i64::from(self.hour) * 3600
                + i64::from(self.minute) * 60
                + i64::from(self.second),
        )
    }
}

pub fn day_of_week_name(v: u8) -> &'static str {
    match v {
        1 => "Sunday",
        2 => "Monday",
        3 => "Tuesday",
        4 => "Wednesday",
        5 => "Thursday",
        6 => "Friday",
        7 => "Saturday",
        _ => "Unknown",
    }
}

// ---------------------------------------------------------------------------------------
// Opcode 17: login and logout, told apart by their lengths.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login<'a> {
    /// Three-character operator id, two-byte password, access level.
    Standard {
        operator: &'a [u8],
        access_level: u8,
    },
    /// Thirty-character operator id, forty-character password, access level.
    Enhanced {
        operator: &'a [u8],
        access_level: u8,
    },
    StandardLogout {
        operator: &'a [u8],
        logout: &'a [u8],
    },
    EnhancedLogout {
        operator: &'a [u8],
        logout: &'a [u8],
    },
    SessionKeyRequest(&'a [u8]),
    WrappedSessionKey(&'a [u8]),
}

impl Login<'_> {
    pub fn kind(&self) -> &'static str {
        match self {
            Login::Standard { .. } => "Standard Login",
            Login::Enhanced { .. } => "Enhanced Login",
            Login::StandardLogout { .. } => "Standard Logout",
            Login::EnhancedLogout { .. } => "Enhanced Logout",
            Login::SessionKeyRequest(_) => "Session Key Request",
            Login::WrappedSessionKey(_) => "Wrapped Session Key",
        }
    }
}

pub fn login(data: &[u8]) -> Option<Login<'_>> {
    Some(match data.len() {
        6 => Login::Standard {
            operator: data.get(..3)?,
            access_level: *data.get(5)?,
        },
        71 => Login::Enhanced {
            operator: data.get(..30)?,
            access_level: *data.get(70)?,
        },
        11 => Login::StandardLogout {
            operator: data.get(..3)?,
            logout: data.get(5..)?,
        },
        76 => Login::EnhancedLogout {
            operator: data.get(..30)?,
            logout: data.get(70..)?,
        },
        13 => Login::SessionKeyRequest(data),
        24 => Login::WrappedSessionKey(data),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Opcode 203: general file transfer.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileCommand {
    Open,
    Read,
    Write,
    Close,
    /// Command 5 in a response; a request to delete carries command 6 with a path and
    /// a file name.
    Delete,
    ReadDirectory,
    ReadDirectory64,
}

impl FileCommand {
    pub fn name(self) -> &'static str {
        match self {
            FileCommand::Open => "Open",
            FileCommand::Read => "Read",
            FileCommand::Write => "Write",
            FileCommand::Close => "Close",
            FileCommand::Delete => "Delete",
            FileCommand::ReadDirectory => "Read Directory <= v3.05",
            FileCommand::ReadDirectory64 => "Read Directory >= v3.10",
        }
    }

    fn packet_type(self, n: usize) -> PacketType {
        use PacketType::*;
        let by = |request: bool| if request { Request } else { Response };
        match self {
            FileCommand::Open => by(n == 127),
            FileCommand::Read => by(n == 9),
            FileCommand::Write => by(n != 9),
            FileCommand::Close => by(n == 5),
            FileCommand::Delete => by(n == 126),
            FileCommand::ReadDirectory => by(n == 102),
            FileCommand::ReadDirectory64 => by(n == 103),
        }
    }
}

/// The file-transfer command: the first data byte, except that command 6 means delete
/// or one of the two directory reads according to the request's length.
pub fn file_command(data: &[u8]) -> Option<FileCommand> {
    let raw = *data.first()?;
    Some(match (raw, data.len()) {
        (6, 126) => FileCommand::Delete,
        (_, 102) => FileCommand::ReadDirectory,
        (_, 103) => FileCommand::ReadDirectory64,
        (1, _) => FileCommand::Open,
        (2, _) => FileCommand::Read,
        (3, _) => FileCommand::Write,
        (4, _) => FileCommand::Close,
        (5, _) => FileCommand::Delete,
        (6, _) => FileCommand::ReadDirectory,
        (64, _) => FileCommand::ReadDirectory64,
        _ => return None,
    })
}

/// What one file-transfer message says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileTransfer<'a> {
    pub open_options: Option<u8>,
    pub path: Option<Vec<u8>>,
    pub filename: Option<Vec<u8>>,
    pub file_descriptor: Option<u32>,
    pub offset: Option<u32>,
    pub file_size: Option<u32>,
    pub num_bytes: Option<u8>,
    pub data: Option<&'a [u8]>,
    pub additional_files: Option<u8>,
    pub total_files: Option<u16>,
    pub file_names: Option<Vec<&'a [u8]>>,
}

/// A NUL-padded text field with its NULs removed.
fn unpadded(raw: &[u8]) -> Vec<u8> {
    raw.iter().copied().filter(|&b| b != 0).collect()
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Names in a directory listing: NUL-separated, trailing empty names dropped; at most 255
/// names fit in a message.
fn names(raw: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = raw.split(|&b| b == 0).collect();
    while v.last().is_some_and(|n| n.is_empty()) {
        v.pop();
    }
    v
}

/// The fields of a file-transfer message of the given direction.
pub fn file_transfer(data: &[u8], command: FileCommand, request: bool) -> Option<FileTransfer<'_>> {
    let mut f = FileTransfer::default();
    match (command, request) {
        (FileCommand::Open, true) => {
            f.open_options = Some(*data.get(1)?);
            f.path = Some(unpadded(data.get(2..102)?));
            f.filename = Some(unpadded(data.get(102..127)?));
        }
        (FileCommand::Open, false) => f.file_descriptor = Some(be32(data, 1)?),
        (FileCommand::Read, true) => {
            f.file_descriptor = Some(be32(data, 1)?);
            f.offset = Some(be32(data, 5)?);
        }
        // A read's answer and a write request both carry a block of the file.
        (FileCommand::Read, false) | (FileCommand::Write, true) => {
            f.file_descriptor = Some(be32(data, 1)?);
            f.file_size = Some(be32(data, 5)?);
            f.offset = Some(be32(data, 9)?);
            let n = *data.get(13)?;
            f.num_bytes = Some(n);
            f.data = Some(data.get(14..14 + usize::from(n))?);
        }
        (FileCommand::Write, false) => {
            f.file_descriptor = Some(be32(data, 1)?);
            f.offset = Some(be32(data, 5)?);
        }
        (FileCommand::Close, true) => f.file_descriptor = Some(be32(data, 1)?),
        (FileCommand::Delete, true) => {
            f.path = Some(unpadded(data.get(1..101)?));
            f.filename = Some(unpadded(data.get(101..126)?));
        }
        (FileCommand::ReadDirectory, true) => {
            f.path = Some(unpadded(data.get(1..101)?));
            f.total_files = Some(u16::from(*data.get(101)?));
        }
        (FileCommand::ReadDirectory64, true) => {
            f.path = Some(unpadded(data.get(1..101)?));
            f.total_files = Some(be16(data, 101)?);
        }
        (FileCommand::ReadDirectory, false) => {
            f.additional_files = Some(*data.get(1)?);
            f.total_files = Some(u16::from(*data.get(2)?));
            f.file_names = Some(names(data.get(3..)?));
        }
        (FileCommand::ReadDirectory64, false) => {
            f.additional_files = Some(*data.get(1)?);
            f.total_files = Some(be16(data, 2)?);
            f.file_names = Some(names(data.get(4..)?));
        }
        (FileCommand::Close | FileCommand::Delete, false) => {}
    }
    Some(f)
}

pub fn open_options_name(v: u8) -> &'static str {
    match v {
        0 => "Open Read",
        1 => "Open Write",
        2 => "Create Write",
        3 => "Open Update",
        4 => "Truncate Write",
        _ => "Unknown",
    }
}

// ---------------------------------------------------------------------------------------
// Opcodes 10 and 11: configurable opcode tables.

/// A read answer (opcode 10, with the table's version) or a write request (opcode 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableData<'a> {
    pub table: u8,
    pub start: u8,
    pub count: u8,
    pub version: Option<u32>,
    pub data: Option<&'a [u8]>,
}

/// `with_version`: the answer to a read, which carries the table's version before the data.
pub fn table_data(data: &[u8], with_version: bool, with_data: bool) -> Option<TableData<'_>> {
    let (version, rest) = if with_version {
        (Some(be32(data, 3)?), data.get(7..)?)
    } else {
        (None, data.get(3..)?)
    };
    Some(TableData {
        table: *data.first()?,
        start: *data.get(1)?,
        count: *data.get(2)?,
        version,
        data: with_data.then_some(rest),
    })
}

// ---------------------------------------------------------------------------------------
// Opcodes 166 and 167: parameters of one point.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointParameters<'a> {
    pub point_type: u8,
    pub logical_number: u8,
    pub count: u8,
    pub start: u8,
    /// Absent from a request to read them.
    pub data: Option<&'a [u8]>,
}

pub fn point_parameters(data: &[u8], with_data: bool) -> Option<PointParameters<'_>> {
    Some(PointParameters {
        point_type: *data.first()?,
        logical_number: *data.get(1)?,
        count: *data.get(2)?,
        start: *data.get(3)?,
        data: if with_data {
            Some(data.get(4..)?)
        } else {
            None
        },
    })
}

// ---------------------------------------------------------------------------------------
// Opcode 24: store and forward, a message relayed through up to four units.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreAndForward<'a> {
    pub host: (u8, u8),
    pub destinations: [(u8, u8); 4],
    pub opcode: u8,
    pub data: &'a [u8],
}

pub fn store_and_forward(data: &[u8]) -> Option<StoreAndForward<'_>> {
    let b = |i: usize| data.get(i).copied();
    let n = usize::from(b(11)?);
    Some(StoreAndForward {
        host: (b(0)?, b(1)?),
        destinations: [
            (b(2)?, b(3)?),
            (b(4)?, b(5)?),
            (b(6)?, b(7)?),
            (b(8)?, b(9)?),
        ],
        opcode: b(10)?,
        data: data.get(12..12 + n)?,
    })
}

// ---------------------------------------------------------------------------------------
// Opcode 100: user-defined point types.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserDefined<'a> {
    pub command: u8,
    pub start: u8,
    pub count: u8,
    /// Present in the answer.
    pub point_types: Option<&'a [u8]>,
}

pub fn user_defined(data: &[u8], response: bool) -> Option<UserDefined<'_>> {
    let count = *data.get(2)?;
    Some(UserDefined {
        command: *data.first()?,
        start: *data.get(1)?,
        count,
        point_types: if response {
            Some(data.get(3..3 + usize::from(count))?)
        } else {
            None
        },
    })
}

pub fn point_type_name(v: u8) -> &'static str {
    match v {
        0 => "User Program 0",
        1 => "User Program 1",
        2 => "User Program 2",
        3 => "User Program 3",
        4 => "User Program 4",
        5 => "User Program 5",
        6 => "User Program 6",
        7 => "User Program 7",
        253 => "User Defined",
        254 => "ROC Point Type",
        255 => "No Point Type",
        _ => "Unknown",
    }
}

// ---------------------------------------------------------------------------------------
// Opcode 105: today's and yesterday's minimum and maximum of a history point.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinMax {
    pub segment: u8,
    pub point: u8,
    pub values: Option<MinMaxValues>,
}

/// Values are IEEE floats on the wire, kept as their four bytes; times are seconds since
/// 1970.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinMaxValues {
    pub archival_method: u8,
    pub point_type: u8,
    pub logical_number: u8,
    pub parameter: u8,
    pub current: u32,
    pub min_since_contract: u32,
    pub max_since_contract: u32,
    pub time_of_min: u64,
    pub time_of_max: u64,
    pub min_yesterday: u32,
    pub max_yesterday: u32,
    pub time_of_min_yesterday: u64,
    pub time_of_max_yesterday: u64,
    pub last_period: u32,
}

/// A time field of opcode 105: five bytes, most significant first.
fn be40(b: &[u8], at: usize) -> Option<u64> {
    let bytes = b.get(at..at + 5)?;
    Some(bytes.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
}

pub fn min_max(data: &[u8], response: bool) -> Option<MinMax> {
    let values = if response {
        Some(MinMaxValues {
            archival_method: *data.get(2)?,
            point_type: *data.get(3)?,
            logical_number: *data.get(4)?,
            parameter: *data.get(5)?,
            current: be32(data, 6)?,
            min_since_contract: be32(data, 10)?,
            max_since_contract: be32(data, 14)?,
            time_of_min: be40(data, 18)?,
            time_of_max: be40(data, 23)?,
            min_yesterday: be32(data, 28)?,
            max_yesterday: be32(data, 32)?,
            time_of_min_yesterday: be40(data, 36)?,
            time_of_max_yesterday: be40(data, 41)?,
            last_period: be32(data, 46)?,
        })
    } else {
        None
    };
    Some(MinMax {
        segment: *data.first()?,
        point: *data.get(1)?,
        values,
    })
}

// ---------------------------------------------------------------------------------------
// Opcodes 50, 108, 118, 119, 137, 138, 224 and 225: I/O positions, history tags and
// indexes, alarm and event logs, daily and periodic history, SRBX.

/// The fields one of those messages carries (ICSNPP logs them in one table).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataRequest<'a> {
    pub io_data_request: Option<u8>,
    pub io_data: Option<&'a [u8]>,
    pub history_segment: Option<u8>,
    pub num_points: Option<u8>,
    pub historical_points: Option<&'a [u8]>,
    pub periodic_index: Option<u16>,
    pub tag: Option<&'a [u8]>,
    pub num_alarms: Option<u8>,
    pub starting_alarm_index: Option<u16>,
    pub current_alarm_index: Option<u16>,
    /// 23-byte alarm records.
    pub alarms: Option<Vec<&'a [u8]>>,
    pub num_events_requested: Option<u8>,
    pub starting_event_index: Option<u16>,
    pub num_events_sent: Option<u8>,
    pub current_event_index: Option<u16>,
    /// 22-byte event records.
    pub events: Option<Vec<&'a [u8]>>,
    pub day: Option<u8>,
    pub month: Option<u8>,
    pub starting_periodic_index: Option<u16>,
    pub num_periodic_entries: Option<u16>,
    pub daily_index: Option<u16>,
    pub num_daily_entries: Option<u16>,
    pub history_point: Option<u8>,
    pub periodic_values: Option<Vec<u32>>,
    pub daily_values: Option<Vec<u32>>,
}

fn be32s(b: &[u8], at: usize, n: usize) -> Option<Vec<u32>> {
    (0..n).map(|i| be32(b, at + 4 * i)).collect()
}

fn records(b: &[u8], size: usize, n: usize) -> Option<Vec<&[u8]>> {
    let all = b.get(..size * n)?;
    Some(all.chunks_exact(size).collect())
}

/// The fields of a message of one of the opcodes above, for the given direction; `None`
/// for other opcodes or a message too short for its fields.
pub fn data_request(opcode: u8, data: &[u8], response: bool) -> Option<DataRequest<'_>> {
    let mut d = DataRequest::default();
    let b = |i: usize| data.get(i).copied();
    match (opcode, response) {
        (50, false) => d.io_data_request = Some(b(0)?),
        (50, true) => d.io_data = Some(data),
        (108, false) => {
            let n = b(1)?;
            d.history_segment = Some(b(0)?);
            d.num_points = Some(n);
            d.historical_points = Some(data.get(2..2 + usize::from(n))?);
        }
        (108, true) => {
            let n = usize::from(b(1)?);
            d.history_segment = Some(b(0)?);
            d.num_points = b(1);
            d.periodic_index = Some(be16(data, 2)?);
            d.historical_points = Some(data.get(4..4 + n)?);
            d.tag = Some(data.get(4 + n..4 + n + 10)?);
        }
        (118, false) => {
            d.num_alarms = Some(b(0)?);
            d.starting_alarm_index = Some(be16(data, 1)?);
        }
        (118, true) => {
            let n = b(0)?;
            d.num_alarms = Some(n);
            d.starting_alarm_index = Some(be16(data, 1)?);
            d.current_alarm_index = Some(be16(data, 3)?);
            d.alarms = Some(records(data.get(5..)?, 23, usize::from(n))?);
        }
        (119, false) => {
            d.num_events_requested = Some(b(0)?);
            d.starting_event_index = Some(be16(data, 1)?);
        }
        (119, true) => {
            let n = b(0)?;
            d.num_events_sent = Some(n);
            d.starting_event_index = Some(be16(data, 1)?);
            d.current_event_index = Some(be16(data, 3)?);
            d.events = Some(records(data.get(5..)?, 22, usize::from(n))?);
        }
        (137, false) => {
            d.history_segment = Some(b(0)?);
            d.day = Some(b(1)?);
            d.month = Some(b(2)?);
        }
        (137, true) => {
            d.history_segment = Some(b(0)?);
            d.starting_periodic_index = Some(be16(data, 1)?);
            d.num_periodic_entries = Some(be16(data, 3)?);
            d.daily_index = Some(be16(data, 5)?);
            d.num_daily_entries = Some(be16(data, 7)?);
        }
        (138, false) => {
            d.history_segment = Some(b(0)?);
            d.history_point = Some(b(1)?);
            d.day = Some(b(2)?);
            d.month = Some(b(3)?);
        }
        (138, true) => {
            let periodic = be16(data, 4)?;
            let daily = be16(data, 6)?;
            d.history_segment = Some(b(0)?);
            d.history_point = Some(b(1)?);
            d.day = Some(b(2)?);
            d.month = Some(b(3)?);
            d.num_periodic_entries = Some(periodic);
            d.num_daily_entries = Some(daily);
            let p = usize::from(periodic);
            d.periodic_values = Some(be32s(data, 8, p)?);
            d.daily_values = Some(be32s(data, 8 + 4 * p, usize::from(daily))?);
        }
        // SRBX: the alarm index that raised the signal, and its acknowledgement.
        (224 | 225, false) => d.current_alarm_index = Some(be16(data, 0)?),
        _ => return None,
    }
    Some(d)
}

// ---------------------------------------------------------------------------------------
// Opcodes 135, 136 and 139: history points.

pub fn history_type_name(v: u8) -> &'static str {
    match v {
        0 => "Minute",
        1 => "Periodic",
        2 => "Daily",
        _ => "Unknown",
    }
}

/// A request or answer of opcode 135 (one history point) or 136 (several).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryPointData {
    pub segment: Option<u8>,
    pub point: Option<u8>,
    pub history_type: Option<u8>,
    pub segment_index: Option<u16>,
    pub values_requested: Option<u8>,
    pub current_segment_index: Option<u16>,
    pub values_sent: Option<u8>,
    pub starting_point: Option<u8>,
    pub num_points: Option<u8>,
    pub num_time_periods: Option<u8>,
    pub elements_sent: Option<u8>,
    pub timestamps: Option<Vec<u32>>,
    pub values: Option<Vec<u32>>,
}

pub fn history_point_data(opcode: u8, data: &[u8], response: bool) -> Option<HistoryPointData> {
    let b = |i: usize| data.get(i).copied();
    let mut h = HistoryPointData {
        segment: Some(b(0)?),
        ..Default::default()
    };
    match (opcode, response) {
        (135, false) => {
            h.point = Some(b(1)?);
            h.history_type = Some(b(2)?);
            h.segment_index = Some(be16(data, 3)?);
            h.values_requested = Some(b(5)?);
        }
        (135, true) => {
            let n = b(4)?;
            h.point = Some(b(1)?);
            h.segment_index = Some(be16(data, 2)?);
            h.values_sent = Some(n);
            h.values = Some(be32s(data, 5, usize::from(n))?);
        }
        (136, false) => {
            h.segment_index = Some(be16(data, 1)?);
            h.history_type = Some(b(3)?);
            h.starting_point = Some(b(4)?);
            h.num_points = Some(b(5)?);
            h.num_time_periods = Some(b(6)?);
        }
        (136, true) => {
            let n = b(5)?;
            h.segment_index = Some(be16(data, 1)?);
            h.current_segment_index = Some(be16(data, 3)?);
            h.elements_sent = Some(n);
            // Elements come in (timestamp, value) pairs.
            let pairs = be32s(data, 6, usize::from(n / 2) * 2)?;
            h.timestamps = Some(pairs.iter().step_by(2).copied().collect());
            h.values = Some(pairs.iter().skip(1).step_by(2).copied().collect());
        }
        _ => return None,
    }
    Some(h)
}

/// Opcode 139: which points are configured in a history segment, and the values of the
/// points asked for over a number of time periods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryInformation<'a> {
    pub command: u8,
    pub segment: Option<u8>,
    pub segment_index: Option<u16>,
    pub current_index: Option<u16>,
    pub history_type: Option<u8>,
    pub num_time_periods: Option<u8>,
    pub request_timestamps: Option<u8>,
    pub num_points: Option<u8>,
    pub requested_points: Option<&'a [u8]>,
    pub num_configured: Option<u8>,
    pub configured_points: Option<&'a [u8]>,
    /// Per time period: its timestamp when asked for, and one value per point.
    pub periods: Vec<(Option<u32>, Vec<u32>)>,
}

pub fn history_command_name(command: u8) -> &'static str {
    match command {
        0 => "Request Configured Points",
        1 => "Request Specified Point Data",
        _ => "Unknown",
    }
}

pub fn history_information(data: &[u8], response: bool) -> Option<HistoryInformation<'_>> {
    let b = |i: usize| data.get(i).copied();
    let command = b(0)?;
    let mut h = HistoryInformation {
        command,
        segment: Some(b(1)?),
        ..Default::default()
    };
    match (command, response) {
        (0, false) => {}
        (0, true) => {
            let n = b(2)?;
            h.num_configured = Some(n);
            h.configured_points = Some(data.get(3..3 + usize::from(n))?);
        }
        (1, false) => {
            let n = b(7)?;
            h.segment_index = Some(be16(data, 2)?);
            h.history_type = Some(b(4)?);
            h.num_time_periods = Some(b(5)?);
            h.request_timestamps = Some(b(6)?);
            h.num_points = Some(n);
            h.requested_points = Some(data.get(8..8 + usize::from(n))?);
        }
        (1, true) => {
            let (periods, stamps, points) = (b(4)?, b(5)?, usize::from(b(6)?));
            h.current_index = Some(be16(data, 2)?);
            h.num_time_periods = Some(periods);
            h.request_timestamps = Some(stamps);
            h.num_points = b(6);
            let mut at = 7;
            for _ in 0..periods {
                let stamp = if stamps != 0 {
                    at += 4;
                    Some(be32(data, at - 4)?)
                } else {
                    None
                };
                h.periods.push((stamp, be32s(data, at, points)?));
                at += 4 * points;
            }
        }
        _ => return None,
    }
    Some(h)
}

// ---------------------------------------------------------------------------------------
// Opcode 206: the transaction history of a measurement segment.

/// Data types of transaction values whose code is known, with their sizes.
pub fn transaction_data_type(code: u8) -> Option<(&'static str, usize)> {
    Some(match code {
        3 => ("U16", 2),
        7 => ("FLOAT", 4),
        11 => ("STRING10", 10),
        20 => ("TIME", 4),
        _ => return None,
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransactionHistory<'a> {
    pub command: u8,
    pub segment: Option<u8>,
    pub transaction_offset: Option<u16>,
    pub transaction_number: Option<u16>,
    pub data_offset: Option<u16>,
    pub num_transactions: Option<u8>,
    pub more_data: Option<bool>,
    pub description: Option<&'a [u8]>,
    pub payload_size: Option<u16>,
    /// Listed transactions: number and creation time.
    pub transactions: Vec<(u16, u32)>,
    pub message_data_size: Option<u8>,
    pub data_types: Vec<u8>,
    pub values: Vec<u8>,
}

pub fn transaction_history(data: &[u8], response: bool) -> Option<TransactionHistory<'_>> {
    let b = |i: usize| data.get(i).copied();
    let command = b(0)?;
    let mut t = TransactionHistory {
        command,
        ..Default::default()
    };
    match (command, response) {
        (1, false) => {
            t.segment = Some(b(1)?);
            t.transaction_offset = Some(be16(data, 2)?);
        }
        (2, false) => {
            t.segment = Some(b(1)?);
            t.transaction_number = Some(be16(data, 2)?);
            t.data_offset = Some(be16(data, 4)?);
        }
        (1, true) => {
            let n = b(1)?;
            t.num_transactions = Some(n);
            t.more_data = Some(b(2)? != 0);
            t.description = Some(data.get(3..13)?);
            t.payload_size = Some(be16(data, 13)?);
            for i in 0..usize::from(n) {
                let at = 15 + 6 * i;
                t.transactions.push((be16(data, at)?, be32(data, at + 2)?));
            }
        }
        (2, true) => {
            t.message_data_size = Some(b(1)?);
            t.more_data = Some(b(2)? != 0);
            let mut rest = data.get(3..)?;
            // Each value is its type code and as many bytes as the type holds; an unknown
            // code ends the walk.
            while let Some((&code, after)) = rest.split_first() {
                let Some((_, size)) = transaction_data_type(code) else {
                    break;
                };
                let value = after.get(..size)?;
                t.data_types.push(code);
                t.values.extend_from_slice(value);
                rest = after.get(size..).unwrap_or_default();
            }
        }
        _ => return None,
    }
    Some(t)
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

    // all_opcodes_tcp.pcap (ICSNPP ROC Plus traces), frame 4: system configuration request.
    #[test]
    fn header_and_request_without_data() {
        let b = hex("0102030406003a2f");
        let (m, used) = parse(&b).unwrap();
        assert_eq!(used, 8);
        assert_eq!(
            (
                m.destination_unit,
                m.destination_group,
                m.source_unit,
                m.source_group
            ),
            (1, 2, 3, 4)
        );
        assert_eq!(m.opcode, OP_SYSTEM_CONFIG);
        assert!(m.data.is_empty());
        assert_eq!((m.crc_lsb, m.crc_msb), (0x3a, 0x2f));
        assert_eq!(packet_type(m.opcode, m.data), PacketType::Request);
        assert!(looks_like(&b));
    }

    // all_opcodes_tcp.pcap, frame 10: read clock response; frame 12: set clock request.
    #[test]
    fn clock_reads_as_utc_time() {
        let b = hex("0102030407081e2d0c0f0307e803fd67");
        let (m, _) = parse(&b).unwrap();
        assert_eq!(packet_type(m.opcode, m.data), PacketType::Response);
        let c = clock(m.data).unwrap();
        assert_eq!(c.year, 2024);
        assert_eq!(c.day_of_week.map(day_of_week_name), Some("Tuesday"));
        assert_eq!(c.unix_seconds(), Some(1_710_506_730));
        let b = hex("0102030408071e2d0c0f0307e8890d");
        let (m, _) = parse(&b).unwrap();
        assert_eq!(packet_type(m.opcode, m.data), PacketType::Request);
        assert_eq!(clock(m.data).unwrap().day_of_week, None);
    }

    // all_opcodes_tcp.pcap, frame 24: standard login of operator "OP1" at access level 1.
    #[test]
    fn standard_login() {
        let b = hex("0102030411064f503112340141bc");
        let (m, _) = parse(&b).unwrap();
        assert_eq!(packet_type(m.opcode, m.data), PacketType::Request);
        assert_eq!(
            login(m.data),
            Some(Login::Standard {
                operator: b"OP1",
                access_level: 1
            })
        );
    }

    // all_opcodes_tcp.pcap, frame 146: file write request of four bytes; frame 168: its
    // acknowledgement; frame 176: a directory listing.
    #[test]
    fn file_transfer_write_and_listing() {
        let b = hex("01020304cb1203000000000000000a00000000040a0b0c0d16e1");
        let (m, _) = parse(&b).unwrap();
        assert_eq!(packet_type(m.opcode, m.data), PacketType::Request);
        let f = file_transfer(m.data, FileCommand::Write, true).unwrap();
        assert_eq!(f.file_size, Some(10));
        assert_eq!(f.data, Some(&[10u8, 11, 12, 13][..]));
        let b = hex("01020304cb090300000004000000055a4a");
        let (m, _) = parse(&b).unwrap();
        assert_eq!(packet_type(m.opcode, m.data), PacketType::Response);
        let f = file_transfer(m.data, FileCommand::Write, false).unwrap();
        assert_eq!((f.file_descriptor, f.offset), (Some(4), Some(5)));
        let b = hex("01020304cb0d060001746573742e74787400008996");
        let (m, _) = parse(&b).unwrap();
        let c = file_command(m.data).unwrap();
        assert_eq!(c, FileCommand::ReadDirectory);
        let f = file_transfer(m.data, c, false).unwrap();
        assert_eq!(f.file_names, Some(vec![&b"test.txt"[..]]));
    }

    // all_opcodes_tcp.pcap, frame 220: an error response listing ten (code, offset) pairs.
    #[test]
    fn error_pairs() {
        let b = hex("01020304ff140100020103020403050406050d061407190832097b71");
        let (m, _) = parse(&b).unwrap();
        assert_eq!(packet_type(m.opcode, m.data), PacketType::Response);
        let e: Vec<_> = errors(m.data).collect();
        assert_eq!(e.len(), 10);
        assert_eq!(error_name(e[9].0), Some("General Error"));
    }

    // all_opcodes_tcp.pcap, frame 60: today's and yesterday's extremes of history point 1;
    // frame 44: a message to forward through four units.
    #[test]
    fn min_max_and_store_and_forward() {
        let b = hex("0102030469320101000000003f8000003f0000003fc00000006592008000659200803e99999a3fd9999a006592008000659200803f99999ae9d8");
        let (m, _) = parse(&b).unwrap();
        assert_eq!(packet_type(m.opcode, m.data), PacketType::Response);
        let v = min_max(m.data, true).unwrap().values.unwrap();
        assert_eq!(v.current, 0x3f80_0000);
        assert_eq!(v.time_of_min, 1_704_067_200);
        assert_eq!(v.last_period, 0x3f99_999a);
        let b = hex("01020304180d0102030405060708090a0b01420c0b");
        let (m, _) = parse(&b).unwrap();
        let s = store_and_forward(m.data).unwrap();
        assert_eq!(s.destinations[3], (9, 10));
        assert_eq!((s.opcode, s.data), (11, &b"B"[..]));
    }

    #[test]
    fn truncated_and_hostile_input() {
        assert!(parse(&[1, 2, 3]).is_err());
        assert!(parse(&hex("0102030406053a")).is_err());
        assert!(!looks_like(&hex("0102030406003a2fff")));
        for n in 0..40 {
            let junk: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            if let Ok((m, _)) = parse(&junk) {
                let _ = packet_type(m.opcode, m.data);
                let _ = system_config(m.data);
                let _ = login(m.data);
                for flag in [false, true] {
                    let _ = table_data(m.data, flag, true);
                    let _ = point_parameters(m.data, flag);
                    let _ = user_defined(m.data, flag);
                    let _ = min_max(m.data, flag);
                }
                let _ = store_and_forward(m.data);
                let _ = data_request(m.opcode, m.data, true);
                let _ = data_request(m.opcode, m.data, false);
                for r in [false, true] {
                    let _ = history_point_data(m.opcode, m.data, r);
                    let _ = history_information(m.data, r);
                    let _ = transaction_history(m.data, r);
                }
                if let Some(c) = file_command(m.data) {
                    let _ = file_transfer(m.data, c, true);
                    let _ = file_transfer(m.data, c, false);
                }
            }
        }
    }
}
