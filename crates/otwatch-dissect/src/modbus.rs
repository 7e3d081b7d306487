//! Modbus/TCP: MBAP framing of a reassembled stream, function and exception names, the
//! bodies of requests and responses (addresses, quantities, coil and register values, masks,
//! file records, diagnostics sub-functions), and the Read Device Identification (function
//! 43, MEI type 14) exchange, where a device states its vendor, product code and firmware
//! revision.
//!
//! Bodies are parsed by the same validity rules Zeek's Modbus analyzer applies (quantity
//! limits, byte counts that must agree), so that a message one calls malformed the other
//! does too; values are borrowed views over the message, decoded only when read.

use crate::Malformed;
use serde::Serialize;
use std::marker::PhantomData;

/// MBAP header (7 bytes) plus the function code.
const MIN_ADU: usize = 8;
/// The MBAP length field counts the unit id and the PDU: at most 254 bytes.
const MAX_LENGTH_FIELD: usize = 254;

/// One application data unit, borrowed from the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adu<'a> {
    pub transaction_id: u16,
    pub unit_id: u8,
    /// Function code; the high bit marks an exception response.
    pub function: u8,
    /// The PDU after the function code.
    pub data: &'a [u8],
}

impl Adu<'_> {
    pub fn is_exception(&self) -> bool {
        self.function & 0x80 != 0
    }
}

/// What the start of a buffer holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed<'a> {
    /// A whole ADU and the bytes it took.
    Adu(Adu<'a>, usize),
    /// The start of an ADU: wait for more bytes.
    NeedMore,
    /// Not Modbus/TCP framing: the stream cannot be followed from here.
    Invalid(Malformed),
}

/// Frames the ADU at the start of `buf`.
pub fn frame(buf: &[u8]) -> Framed<'_> {
    if buf.len() < MIN_ADU {
        return Framed::NeedMore;
    }
    let protocol = u16::from_be_bytes([buf[2], buf[3]]);
    let length = usize::from(u16::from_be_bytes([buf[4], buf[5]]));
    if protocol != 0 {
        return Framed::Invalid(Malformed::new("modbus_protocol_id_not_zero", 2));
    }
    if !(2..=MAX_LENGTH_FIELD).contains(&length) {
        return Framed::Invalid(Malformed::new("modbus_bad_length", 4));
    }
    let total = 6 + length;
    if buf.len() < total {
        return Framed::NeedMore;
    }
    let adu = Adu {
        transaction_id: u16::from_be_bytes([buf[0], buf[1]]),
        unit_id: buf[6],
        function: buf[7],
        data: &buf[MIN_ADU..total],
    };
    Framed::Adu(adu, total)
}

/// Zeek's names for Modbus function codes (the exception bit is ignored).
pub fn function_name(fc: u8) -> &'static str {
    match fc & 0x7f {
        1 => "READ_COILS",
        2 => "READ_DISCRETE_INPUTS",
        3 => "READ_HOLDING_REGISTERS",
        4 => "READ_INPUT_REGISTERS",
        5 => "WRITE_SINGLE_COIL",
        6 => "WRITE_SINGLE_REGISTER",
        7 => "READ_EXCEPTION_STATUS",
        8 => "DIAGNOSTICS",
        11 => "GET_COMM_EVENT_COUNTER",
        12 => "GET_COMM_EVENT_LOG",
        15 => "WRITE_MULTIPLE_COILS",
        16 => "WRITE_MULTIPLE_REGISTERS",
        17 => "REPORT_SLAVE_ID",
        20 => "READ_FILE_RECORD",
        21 => "WRITE_FILE_RECORD",
        22 => "MASK_WRITE_REGISTER",
        23 => "READ_WRITE_MULTIPLE_REGISTERS",
        24 => "READ_FIFO_QUEUE",
        43 => "ENCAP_INTERFACE_TRANSPORT",
        90 => "UMAS",
        _ => "UNKNOWN",
    }
}

pub fn exception_name(code: u8) -> &'static str {
    match code {
        1 => "ILLEGAL_FUNCTION",
        2 => "ILLEGAL_DATA_ADDRESS",
        3 => "ILLEGAL_DATA_VALUE",
        4 => "SLAVE_DEVICE_FAILURE",
        5 => "ACKNOWLEDGE",
        6 => "SLAVE_DEVICE_BUSY",
        8 => "MEMORY_PARITY_ERROR",
        10 => "GATEWAY_PATH_UNAVAILABLE",
        11 => "GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND",
        _ => "UNKNOWN",
    }
}

/// MEI type of Read Device Identification within function 43.
pub const MEI_READ_DEVICE_ID: u8 = 0x0e;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceIdObject {
    pub id: u8,
    pub value: String,
}

/// A Read Device Identification response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceIdentification {
    pub read_code: u8,
    pub conformity_level: u8,
    pub more_follows: bool,
    pub next_object_id: u8,
    pub objects: Vec<DeviceIdObject>,
}

/// Standard object names (Modbus Application Protocol v1.1b3, 6.21).
pub fn object_name(id: u8) -> &'static str {
    match id {
        0 => "VendorName",
        1 => "ProductCode",
        2 => "MajorMinorRevision",
        3 => "VendorUrl",
        4 => "ProductName",
        5 => "ModelName",
        6 => "UserApplicationName",
        _ => "private",
    }
}

/// A Read Device Identification response as it travels: header fields and the objects,
/// borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceIdResponse<'a> {
    pub read_code: u8,
    pub conformity_level: u8,
    pub more_follows: bool,
    pub next_object_id: u8,
    /// How many objects the response says it holds.
    pub object_count: u8,
    objects: &'a [u8],
}

impl<'a> DeviceIdResponse<'a> {
    /// The objects as (id, raw value), in order; stops at the first one cut short.
    pub fn objects(&self) -> impl Iterator<Item = (u8, &'a [u8])> + 'a {
        let mut rest = self.objects;
        (0..self.object_count).map_while(move |_| {
            let (&id, tail) = rest.split_first()?;
            let (&len, tail) = tail.split_first()?;
            let value = tail.get(..usize::from(len))?;
            rest = &tail[value.len()..];
            Some((id, value))
        })
    }
}

/// Reads the data of a function-43 response (starting with the MEI type) as Read Device
/// Identification.
pub fn device_identification_response(data: &[u8]) -> Result<DeviceIdResponse<'_>, Malformed> {
    if data.len() < 6 {
        return Err(Malformed::new("modbus_device_id_truncated", data.len()));
    }
    if data[0] != MEI_READ_DEVICE_ID {
        return Err(Malformed::new("modbus_not_device_id", 0));
    }
    Ok(DeviceIdResponse {
        read_code: data[1],
        conformity_level: data[2],
        more_follows: data[3] == 0xff,
        next_object_id: data[4],
        object_count: data[5],
        objects: &data[6..],
    })
}

/// Parses the data of a function-43 response (starting with the MEI type), with every
/// object present in full; values are made printable.
pub fn parse_device_identification(data: &[u8]) -> Result<DeviceIdentification, Malformed> {
    let response = device_identification_response(data)?;
    let objects: Vec<DeviceIdObject> = response
        .objects()
        .map(|(id, raw)| {
            let value: String = String::from_utf8_lossy(raw)
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            DeviceIdObject {
                id,
                value: value.trim().to_string(),
            }
        })
        .collect();
    if objects.len() < usize::from(response.object_count) {
        return Err(Malformed::new("modbus_device_id_truncated", data.len()));
    }
    Ok(DeviceIdentification {
        read_code: response.read_code,
        conformity_level: response.conformity_level,
        more_follows: response.more_follows,
        next_object_id: response.next_object_id,
        objects,
    })
}

/// A Read Device Identification request: which category is asked for (1 basic, 2 regular,
/// 3 extended, 4 one object) and the object to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceIdRequest {
    pub read_code: u8,
    pub object_id: u8,
}

/// Reads the data of a function-43 request (starting with the MEI type) as Read Device
/// Identification.
pub fn device_identification_request(data: &[u8]) -> Result<DeviceIdRequest, Malformed> {
    match data {
        [MEI_READ_DEVICE_ID, read_code, object_id, ..] => Ok(DeviceIdRequest {
            read_code: *read_code,
            object_id: *object_id,
        }),
        [_, _, _, ..] => Err(Malformed::new("modbus_not_device_id", 0)),
        _ => Err(Malformed::new("modbus_device_id_truncated", data.len())),
    }
}

/// The data of a Report Server ID response (function 17) after its byte count: a server id,
/// a run indicator and device-specific data, where only the device knows where one ends
/// and the next begins.
pub fn report_server_id(data: &[u8]) -> Result<&[u8], Malformed> {
    let (&byte_count, rest) = data
        .split_first()
        .ok_or(Malformed::new("modbus_pdu_truncated", 0))?;
    rest.get(..usize::from(byte_count))
        .ok_or(Malformed::new("modbus_pdu_truncated", data.len()))
}

/// The text a Report Server ID answer carries (devices put their vendor, model or version
/// there): runs of at least three printable ASCII characters, joined by a space; `None`
/// when there is none.
pub fn server_id_text(bytes: &[u8]) -> Option<String> {
    let runs: Vec<&str> = bytes
        .split(|b| !(0x20..0x7f).contains(b))
        .filter_map(|run| std::str::from_utf8(run).ok())
        .map(str::trim)
        .filter(|run| run.len() >= 3)
        .collect();
    (!runs.is_empty()).then(|| runs.join(" "))
}

/// 16-bit registers, big-endian, borrowed from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registers<'a>(&'a [u8]);

impl<'a> Registers<'a> {
    pub fn len(&self) -> usize {
        self.0.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = u16> + 'a {
        self.0
            .chunks_exact(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
    }
}

/// Coils or discrete inputs packed eight to a byte, the first in the least significant bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bits<'a> {
    bytes: &'a [u8],
    count: usize,
}

impl<'a> Bits<'a> {
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = bool> + 'a {
        let bytes = self.bytes;
        (0..self.count).map(move |i| bytes[i / 8] & (1 << (i % 8)) != 0)
    }
}

/// One sub-request of Read File Record: which record of which file, and how many words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRecordRef {
    pub ref_type: u8,
    pub file_number: u16,
    pub record_number: u16,
    pub record_length: u16,
}

/// One record of Read File Record's response: its length byte, reference type and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRecordData<'a> {
    pub length: u8,
    pub ref_type: u8,
    pub data: &'a [u8],
}

/// One record of Write File Record (request and echoed response), with the words written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRecordWrite<'a> {
    pub ref_type: u8,
    pub file_number: u16,
    pub record_number: u16,
    pub record_length: u16,
    pub data: &'a [u8],
}

/// A record of a file-record message, read from the front of the bytes left.
pub trait FileRecord<'a>: Sized {
    /// The record and the bytes after it, or `None` when it is cut short.
    fn read(bytes: &'a [u8]) -> Option<(Self, &'a [u8])>;
}

/// The records of a file-record message, already checked to lie wholly inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRecords<'a, T> {
    raw: &'a [u8],
    record: PhantomData<T>,
}

impl<'a, T: FileRecord<'a> + 'a> FileRecords<'a, T> {
    pub fn iter(&self) -> impl Iterator<Item = T> + 'a {
        let mut rest = self.raw;
        std::iter::from_fn(move || {
            let (item, tail) = T::read(rest)?;
            rest = tail;
            Some(item)
        })
    }

    pub fn count(&self) -> usize {
        self.iter().count()
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

impl<'a> FileRecord<'a> for FileRecordRef {
    fn read(b: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let record = FileRecordRef {
            ref_type: *b.first()?,
            file_number: be16(b, 1)?,
            record_number: be16(b, 3)?,
            record_length: be16(b, 5)?,
        };
        Some((record, &b[7..]))
    }
}

impl<'a> FileRecord<'a> for FileRecordData<'a> {
    fn read(b: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (&length, tail) = b.split_first()?;
        let (&ref_type, tail) = tail.split_first()?;
        // The length counts the reference type byte and the data after it.
        let data = tail.get(..usize::from(length).checked_sub(1)?)?;
        let record = FileRecordData {
            length,
            ref_type,
            data,
        };
        Some((record, &tail[data.len()..]))
    }
}

impl<'a> FileRecord<'a> for FileRecordWrite<'a> {
    fn read(b: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let record_length = be16(b, 5)?;
        let data = b.get(7..7 + 2 * usize::from(record_length))?;
        let record = FileRecordWrite {
            ref_type: b[0],
            file_number: be16(b, 1)?,
            record_number: be16(b, 3)?,
            record_length,
            data,
        };
        Some((record, &b[7 + data.len()..]))
    }
}

/// Checks that `raw` is a whole number of records, each passing `valid`.
fn file_records<'a, T: FileRecord<'a>>(
    raw: &'a [u8],
    valid: fn(&T) -> bool,
    reason: &'static str,
) -> Result<FileRecords<'a, T>, Malformed> {
    let mut rest = raw;
    while !rest.is_empty() {
        match T::read(rest) {
            Some((record, tail)) if valid(&record) => rest = tail,
            _ => return Err(Malformed::new(reason, 1 + raw.len() - rest.len())),
        }
    }
    Ok(FileRecords {
        raw,
        record: PhantomData,
    })
}

/// The body of a request, by function code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// Read Coils (1) and Read Discrete Inputs (2).
    ReadBits {
        start: u16,
        quantity: u16,
    },
    /// Read Holding Registers (3) and Read Input Registers (4).
    ReadRegisters {
        start: u16,
        quantity: u16,
    },
    WriteSingleCoil {
        address: u16,
        on: bool,
    },
    WriteSingleRegister {
        address: u16,
        value: u16,
    },
    WriteMultipleCoils {
        start: u16,
        coils: Bits<'a>,
    },
    WriteMultipleRegisters {
        start: u16,
        registers: Registers<'a>,
    },
    ReadFileRecord(FileRecords<'a, FileRecordRef>),
    WriteFileRecord(FileRecords<'a, FileRecordWrite<'a>>),
    MaskWriteRegister {
        address: u16,
        and_mask: u16,
        or_mask: u16,
    },
    ReadWriteMultipleRegisters {
        read_start: u16,
        read_quantity: u16,
        write_start: u16,
        write_registers: Registers<'a>,
    },
    ReadFifoQueue {
        address: u16,
    },
    Diagnostics {
        subfunction: u16,
        data: &'a [u8],
    },
    /// Encapsulated Interface Transport (43): the MEI type and what follows it.
    Encapsulated {
        mei_type: u8,
        data: &'a [u8],
    },
    /// A function whose body is not decoded here.
    Other,
}

/// The body of a normal (non-exception) response, by function code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response<'a> {
    /// Read Coils and Read Discrete Inputs: every bit of the bytes sent, padding included.
    Bits(Bits<'a>),
    /// Read Holding/Input Registers, and the registers read by Read/Write Multiple.
    Registers(Registers<'a>),
    WriteSingleCoil {
        address: u16,
        on: bool,
    },
    WriteSingleRegister {
        address: u16,
        value: u16,
    },
    /// Write Multiple Coils and Write Multiple Registers.
    WriteMultiple {
        start: u16,
        quantity: u16,
    },
    ReadFileRecord(FileRecords<'a, FileRecordData<'a>>),
    WriteFileRecord(FileRecords<'a, FileRecordWrite<'a>>),
    MaskWriteRegister {
        address: u16,
        and_mask: u16,
        or_mask: u16,
    },
    ReadFifoQueue(Registers<'a>),
    Diagnostics {
        subfunction: u16,
        data: &'a [u8],
    },
    Encapsulated {
        mei_type: u8,
        data: &'a [u8],
    },
    /// An exception response and its code.
    Exception(u8),
    Other,
}

/// The `len` bytes at `at`, or why not.
fn take(data: &[u8], at: usize, len: usize) -> Result<&[u8], Malformed> {
    data.get(at..at + len)
        .ok_or(Malformed::new("modbus_pdu_truncated", data.len()))
}

fn u16_at(data: &[u8], at: usize) -> Result<u16, Malformed> {
    be16(data, at).ok_or(Malformed::new("modbus_pdu_truncated", data.len()))
}

fn check(ok: bool, reason: &'static str, offset: usize) -> Result<(), Malformed> {
    if ok {
        Ok(())
    } else {
        Err(Malformed::new(reason, offset))
    }
}

fn coil_value(value: u16, offset: usize) -> Result<bool, Malformed> {
    match value {
        0xff00 => Ok(true),
        0x0000 => Ok(false),
        _ => Err(Malformed::new("modbus_bad_coil_value", offset)),
    }
}

/// Decodes the data of a request (the PDU after the function code). Offsets in errors
/// count from the start of that data.
pub fn parse_request(function: u8, data: &[u8]) -> Result<Request<'_>, Malformed> {
    Ok(match function {
        1 | 2 => {
            let quantity = u16_at(data, 2)?;
            check(quantity <= 2000, "modbus_bad_quantity", 2)?;
            Request::ReadBits {
                start: u16_at(data, 0)?,
                quantity,
            }
        }
        3 | 4 => {
            let quantity = u16_at(data, 2)?;
            check(quantity <= 125, "modbus_bad_quantity", 2)?;
            Request::ReadRegisters {
                start: u16_at(data, 0)?,
                quantity,
            }
        }
        5 => Request::WriteSingleCoil {
            address: u16_at(data, 0)?,
            on: coil_value(u16_at(data, 2)?, 2)?,
        },
        6 => Request::WriteSingleRegister {
            address: u16_at(data, 0)?,
            value: u16_at(data, 2)?,
        },
        15 => {
            let quantity = u16_at(data, 2)?;
            check(quantity <= 0x07b0, "modbus_bad_quantity", 2)?;
            let byte_count = usize::from(take(data, 4, 1)?[0]);
            check(
                byte_count == usize::from(quantity).div_ceil(8),
                "modbus_byte_count_mismatch",
                4,
            )?;
            Request::WriteMultipleCoils {
                start: u16_at(data, 0)?,
                coils: Bits {
                    bytes: take(data, 5, byte_count)?,
                    count: usize::from(quantity),
                },
            }
        }
        16 => {
            let quantity = usize::from(u16_at(data, 2)?);
            let byte_count = usize::from(take(data, 4, 1)?[0]);
            check(byte_count == 2 * quantity, "modbus_byte_count_mismatch", 4)?;
            Request::WriteMultipleRegisters {
                start: u16_at(data, 0)?,
                registers: Registers(take(data, 5, byte_count)?),
            }
        }
        20 => {
            let byte_count = usize::from(take(data, 0, 1)?[0]);
            check(byte_count <= 0xf5, "modbus_bad_byte_count", 0)?;
            Request::ReadFileRecord(file_records(
                take(data, 1, byte_count)?,
                |r: &FileRecordRef| {
                    r.ref_type == 6 && r.file_number > 0 && r.record_number <= 0x270f
                },
                "modbus_bad_file_record",
            )?)
        }
        21 => {
            let byte_count = usize::from(take(data, 0, 1)?[0]);
            Request::WriteFileRecord(file_records(
                take(data, 1, byte_count)?,
                |_| true,
                "modbus_bad_file_record",
            )?)
        }
        22 => Request::MaskWriteRegister {
            address: u16_at(data, 0)?,
            and_mask: u16_at(data, 2)?,
            or_mask: u16_at(data, 4)?,
        },
        23 => {
            let read_quantity = u16_at(data, 2)?;
            check(read_quantity <= 125, "modbus_bad_quantity", 2)?;
            let write_quantity = usize::from(u16_at(data, 6)?);
            check(write_quantity <= 100, "modbus_bad_quantity", 6)?;
            let byte_count = usize::from(take(data, 8, 1)?[0]);
            check(
                byte_count == 2 * write_quantity,
                "modbus_byte_count_mismatch",
                8,
            )?;
            Request::ReadWriteMultipleRegisters {
                read_start: u16_at(data, 0)?,
                read_quantity,
                write_start: u16_at(data, 4)?,
                write_registers: Registers(take(data, 9, byte_count)?),
            }
        }
        24 => Request::ReadFifoQueue {
            address: u16_at(data, 0)?,
        },
        8 => Request::Diagnostics {
            subfunction: u16_at(data, 0)?,
            data: &data[2..],
        },
        43 => Request::Encapsulated {
            mei_type: take(data, 0, 1)?[0],
            data: &data[1..],
        },
        _ => Request::Other,
    })
}

/// Decodes the data of a response (the PDU after the function code); a function code with
/// the high bit set is an exception.
pub fn parse_response(function: u8, data: &[u8]) -> Result<Response<'_>, Malformed> {
    if function & 0x80 != 0 {
        return Ok(Response::Exception(take(data, 0, 1)?[0]));
    }
    Ok(match function {
        1 | 2 => {
            let byte_count = usize::from(take(data, 0, 1)?[0]);
            Response::Bits(Bits {
                bytes: take(data, 1, byte_count)?,
                count: 8 * byte_count,
            })
        }
        3 | 4 | 23 => {
            let byte_count = usize::from(take(data, 0, 1)?[0]);
            check(
                function == 23 || byte_count % 2 == 0,
                "modbus_odd_byte_count",
                0,
            )?;
            let registers = take(data, 1, byte_count)?;
            Response::Registers(Registers(&registers[..byte_count & !1]))
        }
        5 => Response::WriteSingleCoil {
            address: u16_at(data, 0)?,
            on: coil_value(u16_at(data, 2)?, 2)?,
        },
        6 => Response::WriteSingleRegister {
            address: u16_at(data, 0)?,
            value: u16_at(data, 2)?,
        },
        15 | 16 => {
            let quantity = u16_at(data, 2)?;
            check(
                function == 16 || quantity <= 0x07b0,
                "modbus_bad_quantity",
                2,
            )?;
            Response::WriteMultiple {
                start: u16_at(data, 0)?,
                quantity,
            }
        }
        20 => {
            let byte_count = usize::from(take(data, 0, 1)?[0]);
            check(byte_count <= 0xf5, "modbus_bad_byte_count", 0)?;
            Response::ReadFileRecord(file_records(
                take(data, 1, byte_count)?,
                |r: &FileRecordData<'_>| r.ref_type == 6,
                "modbus_bad_file_record",
            )?)
        }
        21 => {
            let byte_count = usize::from(take(data, 0, 1)?[0]);
            Response::WriteFileRecord(file_records(
                take(data, 1, byte_count)?,
                |_| true,
                "modbus_bad_file_record",
            )?)
        }
        22 => Response::MaskWriteRegister {
            address: u16_at(data, 0)?,
            and_mask: u16_at(data, 2)?,
            or_mask: u16_at(data, 4)?,
        },
        24 => {
            check(u16_at(data, 0)? <= 62, "modbus_bad_byte_count", 0)?;
            let fifo_count = usize::from(u16_at(data, 2)?);
            check(fifo_count <= 31, "modbus_bad_quantity", 2)?;
            Response::ReadFifoQueue(Registers(take(data, 4, 2 * fifo_count)?))
        }
        8 => Response::Diagnostics {
            subfunction: u16_at(data, 0)?,
            data: &data[2..],
        },
        43 => Response::Encapsulated {
            mei_type: take(data, 0, 1)?[0],
            data: &data[1..],
        },
        _ => Response::Other,
    })
}

/// Names of the Diagnostics (function 8) sub-functions, as ICSNPP writes them.
pub fn diagnostics_subfunction_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0x00 => "Return Query Data",
        0x01 => "Restart Communications Option",
        0x02 => "Return Diagnostic Register",
        0x03 => "Change ASCII Input Delimiter",
        0x04 => "Force Listen Only Mode",
        0x0a => "Clear Counters and Diagnostic Register",
        0x0b => "Return Bus Message Count",
        0x0c => "Return Bus Communication Error Count",
        0x0d => "Return Bus Exception Error Count",
        0x0e => "Return Server Message Count",
        0x0f => "Return Server No Response Count",
        0x10 => "Return Server NAK Count",
        0x11 => "Return Server Busy Count",
        0x12 => "Return Bus Character Overrun Count",
        0x14 => "Clear Overrun Counter and Flag",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FC 43 / MEI 14 response from a Schneider M340 (objects 0, 1, 2).
    fn device_id_response() -> Vec<u8> {
        let mut adu = vec![
            0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x03,
        ];
        for (id, v) in [
            (0u8, &b"Schneider Electric"[..]),
            (1, b"BMX P34 2020"),
            (2, b"v3.10"),
        ] {
            adu.push(id);
            adu.push(v.len() as u8);
            adu.extend_from_slice(v);
        }
        let len = (adu.len() - 6) as u16;
        adu[4..6].copy_from_slice(&len.to_be_bytes());
        adu
    }

    #[test]
    fn frames_request_and_waits_for_partial() {
        let req = [
            0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0a,
        ];
        match frame(&req) {
            Framed::Adu(adu, used) => {
                assert_eq!(
                    (adu.transaction_id, adu.unit_id, adu.function, used),
                    (1, 1, 3, 12)
                );
                assert_eq!(adu.data, &[0, 0, 0, 0x0a]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(frame(&req[..10]), Framed::NeedMore);
        let mut bad = req;
        bad[3] = 1;
        assert!(matches!(frame(&bad), Framed::Invalid(_)));
    }

    #[test]
    fn device_identification_objects() {
        let adu = device_id_response();
        let Framed::Adu(adu, _) = frame(&adu) else {
            panic!()
        };
        assert_eq!(function_name(adu.function), "ENCAP_INTERFACE_TRANSPORT");
        let id = parse_device_identification(adu.data).unwrap();
        let values: Vec<_> = id
            .objects
            .iter()
            .map(|o| (object_name(o.id), o.value.as_str()))
            .collect();
        assert_eq!(
            values,
            vec![
                ("VendorName", "Schneider Electric"),
                ("ProductCode", "BMX P34 2020"),
                ("MajorMinorRevision", "v3.10")
            ]
        );
    }

    /// ADUs of `icsnpp-modbus/testing/traces/modbus_example.pcap` (frame number, hex).
    const EXAMPLE: &[(u32, &str)] = &[
        (4, "000100000006040100010001"),
        (6, "00010000000404010101"),
        (26, "00060000001305031000aa00aa00bb00ccef84e3eb9f8be4c1"),
        (36, "00090000000606050001ff00"),
        (40, "000a0000000607060001abcd"),
        (48, "000c00000006020800020000"),
        (52, "000d00000008070f000100040109"),
        (54, "000d00000006070f00010004"),
        (56, "000e0000000f0710000100040800aa00bb00cc00dd"),
        (
            62,
            "000f000000350211325a65656b204d6f6462757320546573742d50726f746f636f6c20\
              50617273696e672069732066756e212d312e322e332e36ff",
        ),
        (64, "001000000003081400"),
        (66, "001000000003081400"),
        (68, "001100000003081500"),
        (72, "0012000000080416000adead0000"),
        (80, "00140000000d061700010001000200010200ff"),
        (86, "00150000000b06170800aa00aa00bb00cc"),
        (88, "0016000000040a180000"),
        (90, "0016000000060a1800020000"),
        (92, "001700000005012b0e0100"),
        (
            94,
            "00170000003d012b0e018300000300105a65656b204d6f646275732054657374011850726f\
              746f636f6c2050617273696e672069732066756e210207312e322e332e36",
        ),
        (100, "000100000003008302"),
    ];

    fn example(frame: u32) -> Vec<u8> {
        let hex: String = EXAMPLE
            .iter()
            .find(|(f, _)| *f == frame)
            .unwrap()
            .1
            .split_whitespace()
            .collect::<String>();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    fn request_of(frame: u32) -> Request<'static> {
        let bytes: &'static [u8] = Box::leak(example(frame).into_boxed_slice());
        let Framed::Adu(adu, _) = super::frame(bytes) else {
            panic!("frame {frame}")
        };
        parse_request(adu.function, adu.data).unwrap()
    }

    fn response_of(frame: u32) -> Response<'static> {
        let bytes: &'static [u8] = Box::leak(example(frame).into_boxed_slice());
        let Framed::Adu(adu, _) = super::frame(bytes) else {
            panic!("frame {frame}")
        };
        parse_response(adu.function, adu.data).unwrap()
    }

    #[test]
    fn reads_and_their_values() {
        assert_eq!(
            request_of(4),
            Request::ReadBits {
                start: 1,
                quantity: 1
            }
        );
        let Response::Bits(coils) = response_of(6) else {
            panic!()
        };
        // One coil asked for; the byte carries seven bits of padding after it.
        assert_eq!(coils.len(), 8);
        assert_eq!(
            coils.iter().collect::<Vec<_>>(),
            [true, false, false, false, false, false, false, false]
        );
        let Response::Registers(registers) = response_of(26) else {
            panic!()
        };
        assert_eq!(
            registers.iter().collect::<Vec<_>>(),
            [0xaa, 0xaa, 0xbb, 0xcc, 0xef84, 0xe3eb, 0x9f8b, 0xe4c1]
        );
    }

    #[test]
    fn writes_of_coils_and_registers() {
        assert_eq!(
            request_of(36),
            Request::WriteSingleCoil {
                address: 1,
                on: true
            }
        );
        assert_eq!(
            request_of(40),
            Request::WriteSingleRegister {
                address: 1,
                value: 0xabcd
            }
        );
        let Request::WriteMultipleCoils { start: 1, coils } = request_of(52) else {
            panic!()
        };
        assert_eq!(coils.iter().collect::<Vec<_>>(), [true, false, false, true]);
        assert_eq!(
            response_of(54),
            Response::WriteMultiple {
                start: 1,
                quantity: 4
            }
        );
        let Request::WriteMultipleRegisters {
            start: 1,
            registers,
        } = request_of(56)
        else {
            panic!()
        };
        assert_eq!(
            registers.iter().collect::<Vec<_>>(),
            [0xaa, 0xbb, 0xcc, 0xdd]
        );
    }

    #[test]
    fn masks_read_write_multiple_and_fifo() {
        assert_eq!(
            request_of(72),
            Request::MaskWriteRegister {
                address: 10,
                and_mask: 0xdead,
                or_mask: 0
            }
        );
        let Request::ReadWriteMultipleRegisters {
            read_start: 1,
            read_quantity: 1,
            write_start: 2,
            write_registers,
        } = request_of(80)
        else {
            panic!()
        };
        assert_eq!(write_registers.iter().collect::<Vec<_>>(), [0xff]);
        let Response::Registers(read) = response_of(86) else {
            panic!()
        };
        assert_eq!(read.iter().collect::<Vec<_>>(), [0xaa, 0xaa, 0xbb, 0xcc]);
        assert_eq!(request_of(88), Request::ReadFifoQueue { address: 0 });
        let Response::ReadFifoQueue(queue) = response_of(90) else {
            panic!()
        };
        assert!(queue.is_empty());
    }

    #[test]
    fn file_records_diagnostics_and_exceptions() {
        let Request::ReadFileRecord(asked) = request_of(64) else {
            panic!()
        };
        assert_eq!(asked.count(), 0);
        let Response::ReadFileRecord(read) = response_of(66) else {
            panic!()
        };
        assert_eq!(read.count(), 0);
        let Request::WriteFileRecord(written) = request_of(68) else {
            panic!()
        };
        assert_eq!(written.count(), 0);
        assert_eq!(
            request_of(48),
            Request::Diagnostics {
                subfunction: 2,
                data: &[0, 0]
            }
        );
        assert_eq!(
            diagnostics_subfunction_name(2),
            Some("Return Diagnostic Register")
        );
        assert_eq!(response_of(100), Response::Exception(2));
        assert_eq!(exception_name(2), "ILLEGAL_DATA_ADDRESS");
    }

    #[test]
    fn file_record_references() {
        // Read File Record for file 4, record 1, two words; the answer, and a write of the
        // same record (Modbus Application Protocol 1.1b3, 6.14 and 6.15).
        let ask = [0x07, 0x06, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02];
        let Ok(Request::ReadFileRecord(refs)) = parse_request(20, &ask) else {
            panic!()
        };
        assert_eq!(
            refs.iter().collect::<Vec<_>>(),
            [FileRecordRef {
                ref_type: 6,
                file_number: 4,
                record_number: 1,
                record_length: 2
            }]
        );
        let answer = [0x06, 0x05, 0x06, 0x0d, 0xfe, 0x00, 0x20];
        let Ok(Response::ReadFileRecord(records)) = parse_response(20, &answer) else {
            panic!()
        };
        let records: Vec<_> = records.iter().collect();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].data, [0x0d, 0xfe, 0x00, 0x20]);
        let write = [
            0x0b, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x02, 0x06, 0xaf, 0x04, 0xbe,
        ];
        let Ok(Request::WriteFileRecord(records)) = parse_request(21, &write) else {
            panic!()
        };
        let records: Vec<_> = records.iter().collect();
        assert_eq!((records[0].file_number, records[0].record_number), (4, 7));
        assert_eq!(records[0].data, [0x06, 0xaf, 0x04, 0xbe]);
        // A reference type other than 6 is not a file record.
        let mut bad = ask;
        bad[1] = 5;
        assert!(parse_request(20, &bad).is_err());
    }

    #[test]
    fn bodies_breaking_the_rules_are_malformed() {
        // Byte count disagrees with the quantity of coils.
        assert_eq!(
            parse_request(15, &[0, 1, 0, 4, 2, 9, 0])
                .unwrap_err()
                .reason,
            "modbus_byte_count_mismatch"
        );
        // More registers than one read may ask for.
        assert_eq!(
            parse_request(3, &[0, 0, 0, 126]).unwrap_err().reason,
            "modbus_bad_quantity"
        );
        // A coil is either on (0xff00) or off.
        assert_eq!(
            parse_request(5, &[0, 1, 0x12, 0x34]).unwrap_err().reason,
            "modbus_bad_coil_value"
        );
        // Half a register.
        assert_eq!(
            parse_response(3, &[3, 0, 1, 2]).unwrap_err().reason,
            "modbus_odd_byte_count"
        );
        assert_eq!(
            parse_response(4, &[4, 0, 1]).unwrap_err().reason,
            "modbus_pdu_truncated"
        );
    }

    #[test]
    fn device_identification_request_and_raw_objects() {
        let Request::Encapsulated { mei_type: 0x0e, .. } = request_of(92) else {
            panic!()
        };
        let bytes = example(92);
        assert_eq!(
            device_identification_request(&bytes[8..]),
            Ok(DeviceIdRequest {
                read_code: 1,
                object_id: 0
            })
        );
        let bytes = example(94);
        let answer = device_identification_response(&bytes[8..]).unwrap();
        assert_eq!((answer.read_code, answer.conformity_level), (1, 0x83));
        let objects: Vec<_> = answer.objects().collect();
        assert_eq!(
            objects,
            [
                (0, &b"Zeek Modbus Test"[..]),
                (1, b"Protocol Parsing is fun!"),
                (2, b"1.2.3.6")
            ]
        );
        // Cut short in the middle of the last object: the whole ones are still read.
        let cut = device_identification_response(&bytes[8..bytes.len() - 2]).unwrap();
        assert_eq!(cut.objects().count(), 2);
        assert!(parse_device_identification(&bytes[8..bytes.len() - 2]).is_err());
    }

    #[test]
    fn report_server_id_text() {
        // Zeek's test trace: the text, then the run indicator.
        let bytes = example(62);
        let data = report_server_id(&bytes[8..]).unwrap();
        assert_eq!(
            server_id_text(data).as_deref(),
            Some("Zeek Modbus Test-Protocol Parsing is fun!-1.2.3.6")
        );
        // A Wingpath simulator (ITI modbus_test_data_part1.pcap, frame 41): server id 0,
        // run indicator 0xff, then the vendor.
        let wingpath = [
            0x12, 0x00, 0xff, b'W', b'i', b'n', b'g', b'p', b'a', b't', b'h', b' ', b'L', b'i',
            b'm', b'i', b't', b'e', b'd',
        ];
        let data = report_server_id(&wingpath).unwrap();
        assert_eq!(server_id_text(data).as_deref(), Some("Wingpath Limited"));
        assert_eq!(server_id_text(&[0x00, 0xff, b'a']), None);
        assert!(report_server_id(&wingpath[..5]).is_err());
    }

    /// Reads every value a body holds, as the logs do.
    fn exercise(function: u8, data: &[u8]) {
        let mut sum = 0u64;
        if let Ok(r) = parse_request(function, data) {
            match r {
                Request::WriteMultipleCoils { coils, .. } => sum += coils.iter().count() as u64,
                Request::WriteMultipleRegisters { registers, .. }
                | Request::ReadWriteMultipleRegisters {
                    write_registers: registers,
                    ..
                } => sum += registers.iter().map(u64::from).sum::<u64>(),
                Request::ReadFileRecord(refs) => sum += refs.count() as u64,
                Request::WriteFileRecord(refs) => {
                    sum += refs.iter().map(|r| r.data.len() as u64).sum::<u64>()
                }
                _ => {}
            }
        }
        if let Ok(r) = parse_response(function, data) {
            match r {
                Response::Bits(bits) => sum += bits.iter().filter(|b| *b).count() as u64,
                Response::Registers(r) | Response::ReadFifoQueue(r) => {
                    sum += r.iter().map(u64::from).sum::<u64>()
                }
                Response::ReadFileRecord(records) => {
                    sum += records.iter().map(|r| r.data.len() as u64).sum::<u64>()
                }
                Response::WriteFileRecord(records) => sum += records.count() as u64,
                _ => {}
            }
        }
        std::hint::black_box(sum);
    }

    #[test]
    fn never_panics() {
        let valid = [device_id_response()];
        crate::hostile::never_panics(
            &valid,
            0x0b4d_b05e_51d3_0001,
            |buf, _| {
                if buf.len() >= 8 {
                    buf[2] = 0;
                    buf[3] = 0;
                    buf[7] = 0x2b;
                }
            },
            |b| {
                if let Framed::Adu(adu, _) = frame(b) {
                    let _ = parse_device_identification(adu.data);
                }
                let _ = parse_device_identification(b);
            },
        );
    }

    #[test]
    fn bodies_never_panic() {
        let valid: Vec<Vec<u8>> = EXAMPLE.iter().map(|(f, _)| example(*f)).collect();
        crate::hostile::never_panics(
            &valid,
            0x0b4d_b05e_51d3_0002,
            |buf, i| {
                if buf.len() >= 8 {
                    buf[2] = 0;
                    buf[3] = 0;
                    // Every function code with a decoded body, normal and exception.
                    const CODES: &[u8] = &[1, 2, 3, 4, 5, 6, 8, 15, 16, 17, 20, 21, 22, 23, 24, 43];
                    buf[7] = CODES[i / 2 % CODES.len()] | if i % 4 == 0 { 0x80 } else { 0 };
                    let len = (buf.len() - 6).min(254) as u16;
                    buf[4..6].copy_from_slice(&len.to_be_bytes());
                }
            },
            |b| {
                if let Framed::Adu(adu, _) = frame(b) {
                    for body in [
                        parse_request(adu.function, adu.data)
                            .ok()
                            .map(|r| format!("{r:?}")),
                        parse_response(adu.function, adu.data)
                            .ok()
                            .map(|r| format!("{r:?}")),
                    ]
                    .into_iter()
                    .flatten()
                    {
                        std::hint::black_box(body);
                    }
                    exercise(adu.function, adu.data);
                    let _ = device_identification_request(adu.data);
                    if let Ok(r) = device_identification_response(adu.data) {
                        std::hint::black_box(r.objects().count());
                    }
                    if let Ok(d) = report_server_id(adu.data) {
                        std::hint::black_box(server_id_text(d));
                    }
                }
            },
        );
    }
}
