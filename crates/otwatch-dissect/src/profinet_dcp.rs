//! PROFINET DCP (Discovery and Configuration Protocol, EtherType 0x8892): the Identify
//! response, in which a device states its station name, type, vendor and device id, role and
//! IP parameters — and the Set request, which changes them (an engineering action worth an
//! event).

use crate::Malformed;
use serde::Serialize;
use std::net::Ipv4Addr;

const FRAME_ID_GET_SET: u16 = 0xfefd;
const FRAME_ID_IDENTIFY_REQUEST: u16 = 0xfefe;
const FRAME_ID_IDENTIFY_RESPONSE: u16 = 0xfeff;
const SERVICE_SET: u8 = 4;
const SERVICE_IDENTIFY: u8 = 5;

/// What a DCP frame says, for the frames otwatch reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dcp {
    /// 5 identify, 4 set, 3 get.
    pub service_id: u8,
    /// 0 request, 1 response success, 5 response unsupported.
    pub service_type: u8,
    pub station_name: Option<String>,
    pub station_type: Option<String>,
    pub vendor_id: Option<u16>,
    pub device_id: Option<u16>,
    pub role: Option<u8>,
    pub ip: Option<Ipv4Addr>,
    pub netmask: Option<Ipv4Addr>,
    pub gateway: Option<Ipv4Addr>,
    /// Options and suboptions of the blocks, for Set requests ("1/2" is IP parameter).
    pub blocks: Vec<(u8, u8)>,
}

impl Dcp {
    pub fn is_identify_response(&self) -> bool {
        self.service_id == SERVICE_IDENTIFY && self.service_type == 1
    }
    /// A multicast (or unicast) Identify request: someone searching the network, for all
    /// devices or for one station name (the request's filter).
    pub fn is_identify_request(&self) -> bool {
        self.service_id == SERVICE_IDENTIFY && self.service_type == 0
    }
    pub fn is_set_request(&self) -> bool {
        self.service_id == SERVICE_SET && self.service_type == 0
    }
}

fn ipv4(b: &[u8], at: usize) -> Option<Ipv4Addr> {
    Some(Ipv4Addr::new(
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ))
}

/// Parses the payload after the EtherType. `Ok(None)` for PROFINET frames that are not DCP
/// identify or get/set (cyclic real-time data, alarms, hello).
pub fn parse(payload: &[u8]) -> Result<Option<Dcp>, Malformed> {
    if payload.len() < 2 {
        return Err(Malformed::new("pn_frame_truncated", 0));
    }
    let frame_id = u16::from_be_bytes([payload[0], payload[1]]);
    if !matches!(
        frame_id,
        FRAME_ID_IDENTIFY_REQUEST | FRAME_ID_IDENTIFY_RESPONSE | FRAME_ID_GET_SET
    ) {
        return Ok(None);
    }
    let h = payload
        .get(2..12)
        .ok_or(Malformed::new("pn_dcp_header_truncated", 2))?;
    let mut dcp = Dcp {
        service_id: h[0],
        service_type: h[1],
        ..Dcp::default()
    };
    let data_len = usize::from(u16::from_be_bytes([h[8], h[9]]));
    let data = payload
        .get(12..12 + data_len)
        .ok_or(Malformed::new("pn_dcp_data_truncated", 12))?;
    // Responses put two bytes of block info before each block's value; requests do not.
    let info = if dcp.service_type == 0 { 0 } else { 2 };
    let mut at = 0;
    while at + 4 <= data.len() && dcp.blocks.len() < 32 {
        let (option, suboption) = (data[at], data[at + 1]);
        let len = usize::from(u16::from_be_bytes([data[at + 2], data[at + 3]]));
        let block = data
            .get(at + 4..at + 4 + len)
            .ok_or(Malformed::new("pn_dcp_block_truncated", 12 + at))?;
        dcp.blocks.push((option, suboption));
        // Set requests carry a 2-byte block qualifier before the value, like response info.
        let skip = if dcp.service_id == SERVICE_SET && dcp.service_type == 0 {
            2
        } else {
            info
        };
        let value = block.get(skip..).unwrap_or(&[]);
        match (option, suboption) {
            (1, 2) => {
                dcp.ip = ipv4(value, 0);
                dcp.netmask = ipv4(value, 4);
                dcp.gateway = ipv4(value, 8);
            }
            (2, 1) => dcp.station_type = crate::printable(value),
            (2, 2) => dcp.station_name = crate::printable(value),
            (2, 3) if value.len() >= 4 => {
                dcp.vendor_id = Some(u16::from_be_bytes([value[0], value[1]]));
                dcp.device_id = Some(u16::from_be_bytes([value[2], value[3]]));
            }
            (2, 4) => dcp.role = value.first().copied(),
            _ => {}
        }
        // Blocks are padded to an even length.
        at += 4 + len + (len & 1);
    }
    Ok(Some(dcp))
}

/// Names of the roles in the device role bit field.
pub fn role_names(role: u8) -> Vec<&'static str> {
    [
        (1, "IO-Device"),
        (2, "IO-Controller"),
        (4, "IO-Multidevice"),
        (8, "IO-Supervisor"),
    ]
    .iter()
    .filter(|(bit, _)| role & bit != 0)
    .map(|(_, n)| *n)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Identify response of a Siemens SCALANCE X208 (as in the ITI PROFINET DCP capture).
    fn identify_response() -> Vec<u8> {
        let mut blocks = Vec::new();
        let mut block = |opt: u8, sub: u8, value: &[u8]| {
            let len = (value.len() + 2) as u16;
            blocks.extend_from_slice(&[opt, sub]);
            blocks.extend_from_slice(&len.to_be_bytes());
            blocks.extend_from_slice(&[0, 0]);
            blocks.extend_from_slice(value);
            if len % 2 == 1 {
                blocks.push(0);
            }
        };
        block(2, 1, b"SCALANCE X-200");
        block(2, 2, b"x208-bord");
        block(2, 3, &[0x00, 0x2a, 0x0a, 0x01]);
        block(2, 4, &[0x01, 0x00]);
        block(1, 2, &[192, 168, 0, 208, 255, 255, 255, 0, 0, 0, 0, 0]);
        let mut frame = vec![0xfe, 0xff, 0x05, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00];
        frame.extend_from_slice(&(blocks.len() as u16).to_be_bytes());
        frame.extend_from_slice(&blocks);
        frame
    }

    #[test]
    fn identify_response_states_the_device() {
        let dcp = parse(&identify_response()).unwrap().unwrap();
        assert!(dcp.is_identify_response());
        assert_eq!(dcp.station_name.as_deref(), Some("x208-bord"));
        assert_eq!(dcp.station_type.as_deref(), Some("SCALANCE X-200"));
        assert_eq!((dcp.vendor_id, dcp.device_id), (Some(0x002a), Some(0x0a01)));
        assert_eq!(dcp.ip, Some(Ipv4Addr::new(192, 168, 0, 208)));
        assert_eq!(role_names(dcp.role.unwrap()), vec!["IO-Device"]);
    }

    /// PROFINET-RT.pcap (ITI PROFINET captures), frame 1 after the EtherType: an Identify
    /// request filtered on the station name "switch3".
    #[test]
    fn identify_request_filter() {
        let b = [
            0xfe, 0xfe, 0x05, 0x00, 0x03, 0x00, 0xbf, 0x9a, 0x00, 0x01, 0x00, 0x0c, 0x02, 0x02,
            0x00, 0x07, b's', b'w', b'i', b't', b'c', b'h', b'3', 0x00,
        ];
        let dcp = parse(&b).unwrap().unwrap();
        assert!(dcp.is_identify_request());
        assert_eq!(dcp.station_name.as_deref(), Some("switch3"));
    }

    #[test]
    fn cyclic_frames_are_not_dcp() {
        assert_eq!(parse(&[0x80, 0x00, 1, 2, 3]), Ok(None));
    }

    #[test]
    fn never_panics() {
        crate::hostile::never_panics(
            &[identify_response()],
            0x9c72_0892_0000_0001,
            |buf, i| {
                if buf.len() >= 4 {
                    buf[0] = 0xfe;
                    buf[1] = if i % 4 == 0 { 0xfd } else { 0xff };
                    buf[2] = 4 + (i % 2) as u8;
                    buf[3] = (i % 3) as u8;
                }
            },
            |b| {
                let _ = parse(b);
            },
        );
    }
}
