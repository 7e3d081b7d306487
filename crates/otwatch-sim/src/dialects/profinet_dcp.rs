//! PROFINET DCP (Discovery and Configuration Protocol, EtherType 0x8892) as an engineering
//! tool or IO controller uses it to find the stations of a segment: an Identify-All request
//! to the DCP multicast group, and each station's unicast Identify response stating its
//! name of station, type (the model), vendor and device id, role and IP parameters.
//!
//! DCP has no operator write, program transfer, stop or restart. Its Set service renames a
//! station, readdresses it or resets it to factory settings: configuration changes
//! (ATT&CK for ICS T0836, and T0809 for the reset) that none of the scenario actions
//! stands for, so every action is `None`.

use super::Entry;
use crate::dialect::Destination;
use crate::dialect::{
    ActionKind, DeviceSpec, Dialect, DialectContext, DialectError, DialectRng, Message,
    PollContext, Revealed, Transport,
};
use crate::frame::MacAddr;

pub const ENTRY: Entry = Entry {
    name: "profinet_dcp",
    description: "PROFINET DCP on EtherType 0x8892: Identify-All to 01:0e:cf:00:00:00 and the station's Identify response (name, type, vendor/device id, role, IP)",
    build,
};

pub const ETHERTYPE_PROFINET: u16 = 0x8892;
/// The multicast group DCP Identify requests go to.
pub const DCP_IDENTIFY_MULTICAST: MacAddr = [0x01, 0x0e, 0xcf, 0x00, 0x00, 0x00];

const FRAME_ID_IDENTIFY_REQUEST: u16 = 0xfefe;
const FRAME_ID_IDENTIFY_RESPONSE: u16 = 0xfeff;
const SERVICE_IDENTIFY: u8 = 5;
const SERVICE_TYPE_REQUEST: u8 = 0;
const SERVICE_TYPE_RESPONSE_SUCCESS: u8 = 1;

const OPTION_IP: u8 = 1;
const OPTION_DEVICE: u8 = 2;
const OPTION_CONTROL: u8 = 5;
const OPTION_ALL: u8 = 0xff;
const SUB_IP_MAC: u8 = 1;
const SUB_IP_PARAMETER: u8 = 2;
const SUB_DEVICE_VENDOR: u8 = 1;
const SUB_DEVICE_NAME_OF_STATION: u8 = 2;
const SUB_DEVICE_ID: u8 = 3;
const SUB_DEVICE_ROLE: u8 = 4;
const SUB_DEVICE_OPTIONS: u8 = 5;
/// Block info of the IP parameter block: the address was set (by DCP or from storage).
const BLOCK_INFO_IP_SET: u16 = 0x0001;
/// Response delay factor 1: every station answers at once (no spreading).
const RESPONSE_DELAY: u16 = 0x0001;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    Ok(Box::new(DcpDialect::new(context)?))
}

struct DcpDialect {
    server: DeviceSpec,
    device_id: Option<(u16, u16)>,
    role: u8,
    xid: u32,
}

impl DcpDialect {
    fn new(context: &DialectContext<'_>) -> Result<Self, DialectError> {
        let server = context.server;
        let error = |message: String| DialectError::Device {
            device: server.name.clone(),
            message,
        };
        let id = |key: &str| -> Result<Option<u16>, DialectError> {
            match server.param_int(key) {
                None => Ok(None),
                Some(v) => u16::try_from(v)
                    .map(Some)
                    .map_err(|_| error(format!("{key} {v} is outside 0..=65535"))),
            }
        };
        let device_id = match (id("profinet_vendor_id")?, id("profinet_device_id")?) {
            (Some(v), Some(d)) => Some((v, d)),
            (None, None) => None,
            _ => {
                return Err(error(
                    "profinet_vendor_id and profinet_device_id go together".into(),
                ))
            }
        };
        let role = match server.param_text("profinet_role").unwrap_or("io-device") {
            "io-device" => 0x01,
            "io-controller" => 0x02,
            "io-multidevice" => 0x04,
            "io-supervisor" => 0x08,
            other => {
                return Err(error(format!(
                    "profinet_role {other:?} is none of io-device, io-controller, \
                     io-multidevice, io-supervisor"
                )))
            }
        };
        let mut rng = DialectRng::new(context.seed);
        Ok(Self {
            server: server.clone(),
            device_id,
            role,
            xid: rng.next_u32() & 0x00ff_ffff,
        })
    }

    /// One Identify-All exchange.
    fn identify_all(&mut self) -> Vec<Message> {
        self.xid = self.xid.wrapping_add(1);
        let request = header(
            FRAME_ID_IDENTIFY_REQUEST,
            SERVICE_TYPE_REQUEST,
            self.xid,
            RESPONSE_DELAY,
            &request_block(OPTION_ALL, OPTION_ALL, &[]),
        );
        let response = header(
            FRAME_ID_IDENTIFY_RESPONSE,
            SERVICE_TYPE_RESPONSE_SUCCESS,
            self.xid,
            0,
            &self.identify_blocks(),
        );
        vec![
            Message::request(request).to(Destination::Multicast(DCP_IDENTIFY_MULTICAST)),
            Message::response(response),
        ]
    }

    fn identify_blocks(&self) -> Vec<u8> {
        let s = &self.server;
        let supported: Vec<u8> = [
            (OPTION_IP, SUB_IP_MAC),
            (OPTION_IP, SUB_IP_PARAMETER),
            (OPTION_DEVICE, SUB_DEVICE_VENDOR),
            (OPTION_DEVICE, SUB_DEVICE_NAME_OF_STATION),
            (OPTION_DEVICE, SUB_DEVICE_ID),
            (OPTION_DEVICE, SUB_DEVICE_ROLE),
            (OPTION_DEVICE, SUB_DEVICE_OPTIONS),
            (OPTION_CONTROL, 1),
            (OPTION_CONTROL, 2),
            (OPTION_CONTROL, 3),
            (OPTION_CONTROL, 4),
            (OPTION_ALL, OPTION_ALL),
        ]
        .iter()
        .flat_map(|(o, s)| [*o, *s])
        .collect();
        let mut blocks = response_block(OPTION_DEVICE, SUB_DEVICE_OPTIONS, 0, &supported);
        if let Some(model) = &s.model {
            blocks.extend(response_block(
                OPTION_DEVICE,
                SUB_DEVICE_VENDOR,
                0,
                model.as_bytes(),
            ));
        }
        blocks.extend(response_block(
            OPTION_DEVICE,
            SUB_DEVICE_NAME_OF_STATION,
            0,
            s.station_name().as_bytes(),
        ));
        if let Some((vendor, device)) = self.device_id {
            let mut value = vendor.to_be_bytes().to_vec();
            value.extend_from_slice(&device.to_be_bytes());
            blocks.extend(response_block(OPTION_DEVICE, SUB_DEVICE_ID, 0, &value));
        }
        blocks.extend(response_block(
            OPTION_DEVICE,
            SUB_DEVICE_ROLE,
            0,
            &[self.role, 0x00],
        ));
        // The scenario gives no mask or router: a /24 and no default gateway.
        let mut ip = s.ip.octets().to_vec();
        ip.extend_from_slice(&[255, 255, 255, 0, 0, 0, 0, 0]);
        blocks.extend(response_block(
            OPTION_IP,
            SUB_IP_PARAMETER,
            BLOCK_INFO_IP_SET,
            &ip,
        ));
        blocks
    }
}

/// Frame id, service, transaction id, response delay (requests) or reserved (responses),
/// data length, blocks.
fn header(frame_id: u16, service_type: u8, xid: u32, delay: u16, blocks: &[u8]) -> Vec<u8> {
    let mut out = frame_id.to_be_bytes().to_vec();
    out.extend_from_slice(&[SERVICE_IDENTIFY, service_type]);
    out.extend_from_slice(&xid.to_be_bytes());
    out.extend_from_slice(&delay.to_be_bytes());
    out.extend_from_slice(&(blocks.len() as u16).to_be_bytes());
    out.extend_from_slice(blocks);
    out
}

/// A request block: option, suboption, length, value, padded to even length.
fn request_block(option: u8, suboption: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![option, suboption];
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
    if value.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// A response block: as a request block, with two bytes of block info before the value
/// (counted in the length).
fn response_block(option: u8, suboption: u8, info: u16, value: &[u8]) -> Vec<u8> {
    let mut with_info = info.to_be_bytes().to_vec();
    with_info.extend_from_slice(value);
    request_block(option, suboption, &with_info)
}

impl Dialect for DcpDialect {
    fn protocol(&self) -> &'static str {
        "profinet_dcp"
    }

    fn transport(&self) -> Transport {
        Transport::Ethernet {
            ethertype: ETHERTYPE_PROFINET,
        }
    }

    fn identify(&mut self) -> Vec<Message> {
        self.identify_all()
    }

    fn reveals(&self) -> &'static [Revealed] {
        &[Revealed::Model, Revealed::Name]
    }

    fn poll(&mut self, _poll: &PollContext) -> Vec<Message> {
        self.identify_all()
    }

    fn action(&mut self, _kind: ActionKind, _poll: &PollContext) -> Option<Vec<Message>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn identify_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("profinet_dcp", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "pn_dcp");
    }

    #[test]
    fn identify_response_carries_the_scenario_identity() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = DcpDialect::new(&context).unwrap();
        let messages = dialect.identify();
        assert_eq!(
            messages[0].to,
            Destination::Multicast(DCP_IDENTIFY_MULTICAST)
        );
        let response = hex(&messages[1].payload);
        let block =
            |sub: u8, value: &[u8]| format!("02{sub:02x}{:04x}0000{}", value.len() + 2, hex(value));
        assert!(response.contains(&block(1, b"BMX P34 2020")), "{response}");
        assert!(response.contains(&block(2, b"PLC-LINE1")), "{response}");
        assert!(
            response.contains(&block(3, &[0x00, 0x2a, 0x01, 0x01])),
            "{response}"
        );
        assert!(response.contains("0102000e0001" /* IP block, IP set */));
        assert!(response.contains(&hex(&[10, 10, 1, 10, 255, 255, 255, 0])));
    }

    #[test]
    fn otwatch_reads_the_identity_back() {
        use otwatch_dissect::profinet_dcp;
        let server = testing::sample_server();
        let mut dialect = DcpDialect::new(&testing::context(&server)).unwrap();
        let messages = dialect.poll(&PollContext {
            now_micros: 0,
            cycle: 0,
        });
        let request = profinet_dcp::parse(&messages[0].payload).unwrap().unwrap();
        assert!(request.is_identify_request());
        let response = profinet_dcp::parse(&messages[1].payload).unwrap().unwrap();
        assert!(response.is_identify_response());
        assert_eq!(response.station_name.as_deref(), Some("PLC-LINE1"));
        assert_eq!(response.station_type, server.model);
        assert_eq!(
            (response.vendor_id, response.device_id),
            (Some(0x002a), Some(0x0101))
        );
        assert_eq!(
            profinet_dcp::role_names(response.role.unwrap()),
            ["IO-Device"]
        );
        assert_eq!(response.ip, Some(server.ip));
    }

    /// ChangeIPUsingDCP.pcap (ITI PROFINET captures), frame 1 after the EtherType: the
    /// Identify-All request of transaction 0x01000001.
    #[test]
    fn identify_all_request_matches_a_captured_frame() {
        let request = header(
            FRAME_ID_IDENTIFY_REQUEST,
            SERVICE_TYPE_REQUEST,
            0x0100_0001,
            RESPONSE_DELAY,
            &request_block(OPTION_ALL, OPTION_ALL, &[]),
        );
        assert_eq!(hex(&request), "fefe05000100000100010004ffff0000");
    }

    #[test]
    fn unknown_role_is_an_error() {
        let mut server = testing::sample_server();
        server.params.insert(
            "profinet_role".into(),
            crate::dialect::ParamValue::Text("master".into()),
        );
        assert!(DcpDialect::new(&testing::context(&server)).is_err());
    }
}
