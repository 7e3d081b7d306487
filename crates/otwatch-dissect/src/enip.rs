//! EtherNet/IP encapsulation: framing of the 24-byte header over TCP and UDP, command and
//! status names, the Common Packet Format (CPF) items that SendRRData, SendUnitData and the
//! List* replies carry, the ListIdentity reply (in which a device states its vendor, device
//! type, product code, revision, serial number and product name), and the class 0/1
//! implicit I/O datagrams sent to UDP port 2222.

use crate::Malformed;
use serde::Serialize;

pub const HEADER_LEN: usize = 24;
/// Largest encapsulation message accepted; the length field allows 65 535 bytes of data.
pub const MAX_MESSAGE: usize = HEADER_LEN + 65_535;

pub const NOP: u16 = 0x0000;
pub const LIST_SERVICES: u16 = 0x0004;
pub const LIST_IDENTITY: u16 = 0x0063;
pub const LIST_INTERFACES: u16 = 0x0064;
pub const REGISTER_SESSION: u16 = 0x0065;
pub const UNREGISTER_SESSION: u16 = 0x0066;
pub const SEND_RR_DATA: u16 = 0x006f;
pub const SEND_UNIT_DATA: u16 = 0x0070;
pub const INDICATE_STATUS: u16 = 0x0072;
pub const CANCEL: u16 = 0x0073;

/// CPF item type ids.
pub mod item {
    pub const NULL_ADDRESS: u16 = 0x0000;
    pub const LIST_IDENTITY: u16 = 0x000c;
    pub const CONNECTED_ADDRESS: u16 = 0x00a1;
    pub const CONNECTED_DATA: u16 = 0x00b1;
    pub const UNCONNECTED_DATA: u16 = 0x00b2;
    pub const LIST_SERVICES: u16 = 0x0100;
    pub const SOCKADDR_O_TO_T: u16 = 0x8000;
    pub const SOCKADDR_T_TO_O: u16 = 0x8001;
    pub const SEQUENCED_ADDRESS: u16 = 0x8002;
}

/// Items read from one CPF list; real messages carry two to four.
const MAX_ITEMS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encapsulation<'a> {
    pub command: u16,
    /// The length field: bytes of data after the header.
    pub length: u16,
    pub session: u32,
    pub status: u32,
    pub sender_context: [u8; 8],
    pub options: u32,
    pub data: &'a [u8],
}

pub enum Framed<'a> {
    Message(Encapsulation<'a>, usize),
    NeedMore,
}

impl Framed<'_> {
    pub fn is_need_more(&self) -> bool {
        matches!(self, Framed::NeedMore)
    }
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// Frames the encapsulation message at the start of `buf`.
pub fn frame(buf: &[u8]) -> Framed<'_> {
    if buf.len() < HEADER_LEN {
        return Framed::NeedMore;
    }
    let length = u16::from_le_bytes([buf[2], buf[3]]);
    let total = HEADER_LEN + usize::from(length);
    if buf.len() < total {
        return Framed::NeedMore;
    }
    let mut sender_context = [0; 8];
    sender_context.copy_from_slice(&buf[12..20]);
    let message = Encapsulation {
        command: u16::from_le_bytes([buf[0], buf[1]]),
        length,
        session: u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]),
        status: u32::from_le_bytes([buf[8], buf[9], buf[10], buf[11]]),
        sender_context,
        options: u32::from_le_bytes([buf[20], buf[21], buf[22], buf[23]]),
        data: &buf[HEADER_LEN..total],
    };
    Framed::Message(message, total)
}

/// The command is one the specification defines.
pub fn is_known_command(command: u16) -> bool {
    command_name(command) != "unknown"
}

/// The data length a command must have, for those whose data is fixed.
pub fn fixed_length(command: u16, from_originator: bool) -> Option<usize> {
    match command {
        REGISTER_SESSION => Some(4),
        UNREGISTER_SESSION => Some(0),
        LIST_IDENTITY | LIST_SERVICES | LIST_INTERFACES if from_originator => Some(0),
        _ => None,
    }
}

/// One item of a Common Packet Format list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpfItem<'a> {
    pub type_id: u16,
    pub data: &'a [u8],
}

/// The items of a CPF list: a count, then that many (type, length, data) items. At most
/// [`MAX_ITEMS`] are read.
pub fn cpf_items(data: &[u8]) -> Result<CpfItems<'_>, Malformed> {
    let count = le16(data, 0).ok_or(Malformed::new("enip_cpf_truncated", 0))?;
    Ok(CpfItems {
        data,
        at: 2,
        left: usize::from(count).min(MAX_ITEMS),
    })
}

pub struct CpfItems<'a> {
    data: &'a [u8],
    at: usize,
    left: usize,
}

impl<'a> Iterator for CpfItems<'a> {
    type Item = Result<CpfItem<'a>, Malformed>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let at = self.at;
        let (Some(type_id), Some(len)) = (le16(self.data, at), le16(self.data, at + 2)) else {
            self.left = 0;
            return Some(Err(Malformed::new("enip_cpf_item_truncated", at)));
        };
        let start = at + 4;
        let Some(body) = self.data.get(start..start + usize::from(len)) else {
            self.left = 0;
            return Some(Err(Malformed::new("enip_cpf_item_truncated", at)));
        };
        self.at = start + usize::from(len);
        Some(Ok(CpfItem {
            type_id,
            data: body,
        }))
    }
}

/// SendRRData and SendUnitData: interface handle, timeout, then a CPF list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendData<'a> {
    pub interface_handle: u32,
    pub timeout: u16,
    pub items: &'a [u8],
}

pub fn parse_send_data(data: &[u8]) -> Result<SendData<'_>, Malformed> {
    let (Some(interface_handle), Some(timeout)) = (le32(data, 0), le16(data, 4)) else {
        return Err(Malformed::new("enip_send_data_truncated", 0));
    };
    Ok(SendData {
        interface_handle,
        timeout,
        items: &data[6..],
    })
}

/// What a SendRRData or SendUnitData message carries: the address and the CIP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Carried<'a> {
    /// From a connected or sequenced address item.
    pub connection_id: Option<u32>,
    /// Connected data starts with the CIP sequence count of the transport.
    pub sequence_count: Option<u16>,
    /// The CIP message (after the sequence count, for connected data).
    pub message: Option<&'a [u8]>,
}

/// Reads the address and data items of a SendRRData/SendUnitData CPF list.
pub fn carried<'a>(send: &SendData<'a>) -> Result<Carried<'a>, Malformed> {
    let mut out = Carried::default();
    for it in cpf_items(send.items)? {
        let it = it?;
        match it.type_id {
            item::CONNECTED_ADDRESS | item::SEQUENCED_ADDRESS => {
                out.connection_id = le32(it.data, 0);
            }
            item::UNCONNECTED_DATA => out.message = Some(it.data),
            item::CONNECTED_DATA => {
                let sequence =
                    le16(it.data, 0).ok_or(Malformed::new("enip_connected_data_truncated", 0))?;
                out.sequence_count = Some(sequence);
                out.message = Some(&it.data[2..]);
            }
            _ => {}
        }
    }
    Ok(out)
}

/// RegisterSession: protocol version and options.
pub fn parse_register_session(data: &[u8]) -> Option<(u16, u16)> {
    Some((le16(data, 0)?, le16(data, 2)?))
}

/// One service a ListServices reply names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub version: u16,
    pub capability_flags: u16,
    pub name: String,
}

/// The service items of a ListServices reply.
pub fn parse_list_services_reply(data: &[u8]) -> Result<Vec<Service>, Malformed> {
    let mut out = Vec::new();
    for it in cpf_items(data)? {
        let it = it?;
        if it.type_id != item::LIST_SERVICES {
            continue;
        }
        let (Some(version), Some(capability_flags)) = (le16(it.data, 0), le16(it.data, 2)) else {
            return Err(Malformed::new("enip_list_services_truncated", 0));
        };
        let name = it.data.get(4..).unwrap_or_default();
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        out.push(Service {
            version,
            capability_flags,
            name: crate::printable(&name[..end]).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A class 0/1 implicit I/O datagram (UDP 2222): a sequenced address item, then the
/// connected data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoDatagram<'a> {
    pub connection_id: u32,
    /// The encapsulation sequence number of the sequenced address item.
    pub sequence_number: u32,
    pub data: &'a [u8],
}

pub fn parse_io(data: &[u8]) -> Result<IoDatagram<'_>, Malformed> {
    let mut address = None;
    let mut payload = None;
    for it in cpf_items(data)? {
        let it = it?;
        match it.type_id {
            item::SEQUENCED_ADDRESS => {
                let (Some(id), Some(seq)) = (le32(it.data, 0), le32(it.data, 4)) else {
                    return Err(Malformed::new("cip_io_address_truncated", 2));
                };
                address = Some((id, seq));
            }
            item::CONNECTED_DATA => payload = Some(it.data),
            _ => {}
        }
    }
    match (address, payload) {
        (Some((connection_id, sequence_number)), Some(data)) => Ok(IoDatagram {
            connection_id,
            sequence_number,
            data,
        }),
        _ => Err(Malformed::new("cip_io_items_missing", 0)),
    }
}

/// ICSNPP's names for encapsulation statuses.
pub fn status_name(status: u32) -> Option<&'static str> {
    Some(match status {
        0x00 => "Success",
        0x01 => "Invalid/Unsupported Command",
        0x02 => "Insufficient Memory Resources",
        0x03 => "Malformed or Incorrect Data",
        0x64 => "Invalid Session Handle",
        0x65 => "Invalid Length",
        0x69 => "Unsupported Protocol Version",
        0x6a => "CIP Service Not Allowed",
        _ => return None,
    })
}

/// ICSNPP's names for encapsulation commands.
pub fn command_name(command: u16) -> &'static str {
    match command {
        0x0000 => "NOP",
        0x0004 => "List Services",
        0x0063 => "List Identity",
        0x0064 => "List Interfaces",
        0x0065 => "Register Session",
        0x0066 => "Unregister Session",
        0x006f => "Send RR Data",
        0x0070 => "Send Unit Data",
        0x0072 => "Indicate Status",
        0x0073 => "Cancel",
        _ => "unknown",
    }
}

/// A device's identity as a ListIdentity reply states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub encapsulation_version: u16,
    pub socket_address: [u8; 4],
    pub socket_port: u16,
    pub vendor_id: u16,
    pub device_type: u16,
    pub product_code: u16,
    pub revision_major: u8,
    pub revision_minor: u8,
    pub status: u16,
    pub serial_number: u32,
    pub product_name: String,
    pub state: Option<u8>,
}

/// Parses the data of a ListIdentity reply: the identity items it carries (at most 8).
pub fn parse_list_identity_reply(data: &[u8]) -> Result<Vec<Identity>, Malformed> {
    let count = le16(data, 0).ok_or(Malformed::new("enip_list_identity_truncated", 0))?;
    let mut at = 2;
    let mut out = Vec::new();
    for _ in 0..count.min(8) {
        let (Some(kind), Some(len)) = (le16(data, at), le16(data, at + 2)) else {
            return Err(Malformed::new("enip_list_identity_truncated", at));
        };
        let body_start = at + 4;
        let Some(body) = data.get(body_start..body_start + usize::from(len)) else {
            return Err(Malformed::new("enip_list_identity_truncated", at));
        };
        if kind == item::LIST_IDENTITY {
            out.push(
                parse_identity_item(body)
                    .ok_or(Malformed::new("enip_identity_truncated", body_start))?,
            );
        }
        at = body_start + usize::from(len);
    }
    Ok(out)
}

fn parse_identity_item(b: &[u8]) -> Option<Identity> {
    let name_len = usize::from(*b.get(32)?);
    let name = b.get(33..33 + name_len)?;
    Some(Identity {
        encapsulation_version: le16(b, 0)?,
        // The socket address is in network byte order, unlike the rest.
        socket_port: u16::from_be_bytes([*b.get(4)?, *b.get(5)?]),
        socket_address: [*b.get(6)?, *b.get(7)?, *b.get(8)?, *b.get(9)?],
        vendor_id: le16(b, 18)?,
        device_type: le16(b, 20)?,
        product_code: le16(b, 22)?,
        revision_major: *b.get(24)?,
        revision_minor: *b.get(25)?,
        status: le16(b, 26)?,
        serial_number: le32(b, 28)?,
        product_name: crate::printable(name).unwrap_or_default(),
        state: b.get(33 + name_len).copied(),
    })
}

const CIP_VENDORS: &str = include_str!("../data/cip_vendors.tsv");

/// Source, date and size of the CIP vendor table, for reports.
pub fn vendor_table() -> crate::TableHeader {
    crate::table_header(CIP_VENDORS)
}

/// The name registered for a CIP vendor id (`data/cip_vendors.tsv`; its header names the
/// source).
pub fn vendor_name(id: u16) -> Option<&'static str> {
    static TABLE: std::sync::OnceLock<Vec<(u16, &'static str)>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut rows: Vec<(u16, &'static str)> = CIP_VENDORS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (id, name) = l.split_once('\t')?;
                Some((id.parse().ok()?, name))
            })
            .collect();
        rows.sort_by_key(|r| r.0);
        rows
    });
    table
        .binary_search_by_key(&id, |r| r.0)
        .ok()
        .map(|i| table[i].1)
}

/// CIP device profile names (ODVA), for the common ones.
pub fn device_type_name(code: u16) -> &'static str {
    match code {
        0x00 => "Generic Device",
        0x02 => "AC Drive",
        0x03 => "Motor Overload",
        0x04 => "Limit Switch",
        0x05 => "Inductive Proximity Switch",
        0x06 => "Photoelectric Sensor",
        0x07 => "General Purpose Discrete I/O",
        0x09 => "Resolver",
        0x0c => "Communications Adapter",
        0x0e => "Programmable Logic Controller",
        0x10 => "Position Controller",
        0x13 => "DC Drive",
        0x15 => "Contactor",
        0x16 => "Motor Starter",
        0x17 => "Soft Start",
        0x18 => "Human-Machine Interface",
        0x1a => "Mass Flow Controller",
        0x1b => "Pneumatic Valve",
        0x1c => "Vacuum Pressure Gauge",
        0x22 => "Encoder",
        0x23 => "Safety Discrete I/O Device",
        0x25 => "CIP Motion Drive",
        0x2b => "Generic Device (keyable)",
        0x2c => "Managed Switch",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cip::tests::{bytes, SET_ATTRIBUTE_SINGLE_MSG};

    /// ListIdentity reply from a 1756-ENBT/A (ICSNPP trace enip_cip_example.pcap, frame 372).
    const LIST_IDENTITY_REPLY: &str = "63003300000000000000000000000000c1debed10000000001000c002d0001000002af120a0101a4000000000000000001000c003a00040330008e4d52000b313735362d454e42542f4103";
    /// Implicit I/O datagrams of both directions (same trace, frames 377 and 388).
    const IO_TO_ADAPTER: &str = "02000280080003064b00db943f00b1000600a587e80f0300";
    const IO_FROM_ADAPTER: &str = "0200028008000b408e008f150500b10002000100";

    fn reply() -> Vec<u8> {
        bytes(LIST_IDENTITY_REPLY)
    }

    #[test]
    fn list_identity_reply() {
        let msg = reply();
        let Framed::Message(m, used) = frame(&msg) else {
            panic!()
        };
        assert_eq!((m.command, used), (LIST_IDENTITY, msg.len()));
        assert_eq!(m.sender_context, [0, 0, 0, 0, 0xc1, 0xde, 0xbe, 0xd1]);
        let ids = parse_list_identity_reply(m.data).unwrap();
        let id = &ids[0];
        assert_eq!(id.encapsulation_version, 1);
        assert_eq!((id.vendor_id, id.device_type, id.product_code), (1, 12, 58));
        assert_eq!(
            (id.revision_major, id.revision_minor, id.serial_number),
            (4, 3, 0x0052_4d8e)
        );
        assert_eq!(id.status, 0x0030);
        assert_eq!(
            (id.product_name.as_str(), id.state),
            ("1756-ENBT/A", Some(3))
        );
        assert_eq!(
            (id.socket_address, id.socket_port),
            ([10, 1, 1, 164], 44818)
        );
        assert_eq!(device_type_name(id.device_type), "Communications Adapter");
        assert_eq!(vendor_name(1), Some("Rockwell Automation/Allen-Bradley"));
        assert_eq!(vendor_name(0xffff), None);
    }

    #[test]
    fn vendor_table_states_source_and_date() {
        let t = vendor_table();
        assert_eq!(
            t.entries, 1463,
            "the header's entry count and the rows agree"
        );
        assert!(t.source.starts_with("pycomm3 1.2.16"), "{}", t.source);
        assert!(t.date.starts_with("2026-11-27"), "{}", t.date);
    }

    #[test]
    fn header_fields_and_connected_items() {
        let msg = bytes(SET_ATTRIBUTE_SINGLE_MSG);
        let Framed::Message(m, _) = frame(&msg) else {
            panic!()
        };
        assert_eq!((m.command, m.length), (SEND_UNIT_DATA, 28));
        assert_eq!((m.session, m.status, m.options), (0xb4ca_fff4, 0, 0));
        assert_eq!(&m.sender_context, b"_pycomm_");
        assert_eq!(command_name(m.command), "Send Unit Data");
        let send = parse_send_data(m.data).unwrap();
        assert_eq!((send.interface_handle, send.timeout), (0, 10));
        let kinds: Vec<u16> = cpf_items(send.items)
            .unwrap()
            .map(|i| i.unwrap().type_id)
            .collect();
        assert_eq!(kinds, vec![item::CONNECTED_ADDRESS, item::CONNECTED_DATA]);
        let c = carried(&send).unwrap();
        assert_eq!(
            (c.connection_id, c.sequence_count),
            (Some(0xda9a_62ba), Some(13))
        );
        assert_eq!(c.message, Some(&[0x10, 0x02, 0x20, 0x01, 0x24, 0x00][..]));
        assert!(frame(&msg[..msg.len() - 1]).is_need_more());
    }

    #[test]
    fn implicit_io_datagrams() {
        let to_adapter = bytes(IO_TO_ADAPTER);
        let io = parse_io(&to_adapter).unwrap();
        assert_eq!(
            (io.connection_id, io.sequence_number),
            (0x004b_0603, 4_166_875)
        );
        assert_eq!(io.data, &[0xa5, 0x87, 0xe8, 0x0f, 0x03, 0x00]);
        let from_adapter = bytes(IO_FROM_ADAPTER);
        let io = parse_io(&from_adapter).unwrap();
        assert_eq!(
            (io.connection_id, io.sequence_number),
            (0x008e_400b, 333_199)
        );
        assert_eq!(io.data, &[0x01, 0x00]);
        assert!(parse_io(&to_adapter[..20]).is_err());
    }

    /// No capture of the corpus holds these two; the layouts are the specification's.
    #[test]
    fn register_session_and_list_services() {
        assert_eq!(parse_register_session(&[1, 0, 0, 0]), Some((1, 0)));
        assert_eq!(fixed_length(REGISTER_SESSION, true), Some(4));
        assert_eq!(fixed_length(SEND_RR_DATA, true), None);
        let mut reply = vec![1, 0, 0x00, 0x01, 20, 0, 1, 0, 0x20, 0x01];
        reply.extend_from_slice(b"Communications\0\0");
        let services = parse_list_services_reply(&reply).unwrap();
        assert_eq!(services[0].name, "Communications");
        assert_eq!(services[0].capability_flags, 0x0120);
    }

    #[test]
    fn command_and_status_names() {
        assert_eq!(command_name(REGISTER_SESSION), "Register Session");
        assert_eq!(command_name(0x0999), "unknown");
        assert!(!is_known_command(0x0999));
        assert_eq!(status_name(0x64), Some("Invalid Session Handle"));
        assert_eq!(status_name(0x1234), None);
    }

    #[test]
    fn never_panics() {
        crate::hostile::never_panics(
            &[
                reply(),
                bytes(SET_ATTRIBUTE_SINGLE_MSG),
                bytes(IO_TO_ADAPTER),
            ],
            0x0d7a_e1b9_44a8_2d01,
            |buf, i| {
                if buf.len() >= 2 {
                    let command = [LIST_IDENTITY, SEND_RR_DATA, SEND_UNIT_DATA, LIST_SERVICES];
                    buf[..2].copy_from_slice(&command[i % 4].to_le_bytes());
                }
            },
            |b| {
                if let Framed::Message(m, _) = frame(b) {
                    let _ = parse_list_identity_reply(m.data);
                    let _ = parse_list_services_reply(m.data);
                    if let Ok(send) = parse_send_data(m.data) {
                        let _ = carried(&send);
                    }
                }
                let _ = parse_list_identity_reply(b);
                let _ = parse_io(b);
                if let Ok(items) = cpf_items(b) {
                    for _ in items {}
                }
            },
        );
    }
}
