//! Modbus/TCP: MBAP framing of a reassembled stream, function and exception names, and the
//! Read Device Identification (function 43, MEI type 14) response, where a device states
//! its vendor, product code and firmware revision.

use crate::Malformed;
use serde::Serialize;

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

/// Parses the data of a function-43 response (starting with the MEI type).
pub fn parse_device_identification(data: &[u8]) -> Result<DeviceIdentification, Malformed> {
    if data.len() < 6 {
        return Err(Malformed::new("modbus_device_id_truncated", data.len()));
    }
    if data[0] != MEI_READ_DEVICE_ID {
        return Err(Malformed::new("modbus_not_device_id", 0));
    }
    let count = usize::from(data[5]);
    let mut objects = Vec::with_capacity(count.min(32));
    let mut at = 6;
    for _ in 0..count {
        let (Some(&id), Some(&len)) = (data.get(at), data.get(at + 1)) else {
            return Err(Malformed::new("modbus_device_id_truncated", at));
        };
        let end = at + 2 + usize::from(len);
        let Some(raw) = data.get(at + 2..end) else {
            return Err(Malformed::new("modbus_device_id_truncated", at));
        };
        let value: String = String::from_utf8_lossy(raw)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        objects.push(DeviceIdObject {
            id,
            value: value.trim().to_string(),
        });
        at = end;
    }
    Ok(DeviceIdentification {
        read_code: data[1],
        conformity_level: data[2],
        more_follows: data[3] == 0xff,
        next_object_id: data[4],
        objects,
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
}
