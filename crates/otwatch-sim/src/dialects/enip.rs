//! EtherNet/IP with CIP explicit messaging, as an HMI or engineering station speaks it to a
//! Logix-style controller on TCP 44818: RegisterSession, ListIdentity and a Get_Attributes_All
//! of the Identity object for identity, Multiple Service Packets of Rockwell Read Tag
//! services for polling, Write Tag for an operator write, the Stop and Start services for
//! program / run mode, and the Identity object's Reset service for a restart.
//!
//! Requests go unwrapped in SendRRData straight to the controller (no Unconnected Send with
//! a backplane route), as clients talking to a controller's own Ethernet port do; a route
//! would make the analysis see a module behind the controller that the scenario never
//! placed there.

use super::Entry;
use crate::dialect::{
    process_value, ActionKind, DeviceSpec, Dialect, DialectContext, DialectError, DialectRng,
    Message, PollContext, Revealed, Transport,
};

pub const ENTRY: Entry = Entry {
    name: "enip",
    description: "EtherNet/IP-CIP on 44818: ListIdentity and Identity object reads, Logix tag reads and writes, Stop/Start (program/run mode), Identity Reset",
    build,
};

pub const ENIP_TCP_PORT: u16 = 44818;

const CMD_LIST_IDENTITY: u16 = 0x0063;
const CMD_REGISTER_SESSION: u16 = 0x0065;
const CMD_UNREGISTER_SESSION: u16 = 0x0066;
const CMD_SEND_RR_DATA: u16 = 0x006f;

const ITEM_NULL_ADDRESS: u16 = 0x0000;
const ITEM_LIST_IDENTITY: u16 = 0x000c;
const ITEM_UNCONNECTED_DATA: u16 = 0x00b2;

const SERVICE_GET_ATTRIBUTES_ALL: u8 = 0x01;
const SERVICE_RESET: u8 = 0x05;
const SERVICE_START: u8 = 0x06;
const SERVICE_STOP: u8 = 0x07;
const SERVICE_MULTIPLE_SERVICE_PACKET: u8 = 0x0a;
const SERVICE_READ_TAG: u8 = 0x4c;
const SERVICE_WRITE_TAG: u8 = 0x4d;
const REPLY: u8 = 0x80;

const CLASS_IDENTITY: u8 = 0x01;
const CLASS_MESSAGE_ROUTER: u8 = 0x02;
/// Rockwell's controller object, which Logix engineering software sends Stop and Start to.
const CLASS_LOGIX_CONTROLLER: u8 = 0x8e;

/// CIP elementary type code of a 32-bit IEEE float.
const TYPE_REAL: u16 = 0x00ca;
/// Identity object state attribute: operational.
const STATE_OPERATIONAL: u8 = 0x03;
/// Identity status word of a running controller: owned, configured, run mode bits as a
/// ControlLogix reports them.
const STATUS_RUNNING: u16 = 0x0060;

/// Tags an HMI faceplate for a process line reads every cycle, with their value ranges.
const POLLED_TAGS: &[(&str, f64, f64)] = &[
    ("Line1_Flow", 20.0, 180.0),
    ("Line1_Pressure", 1.5, 9.5),
    ("Tank1_Level", 5.0, 95.0),
    ("Pump1_Speed", 0.0, 1480.0),
    ("Oven_Temp", 140.0, 220.0),
];
/// The set point an operator adjusts.
const SETPOINT_TAG: &str = "Line1_Flow_SP";

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    let server = context.server;
    let number = |key: &str, default: u16| -> Result<u16, DialectError> {
        match server.param_int(key) {
            None => Ok(default),
            Some(v) => u16::try_from(v).map_err(|_| DialectError::Device {
                device: server.name.clone(),
                message: format!("{key} {v} is outside 0..=65535"),
            }),
        }
    };
    let vendor_id = match server.param_int("cip_vendor_id") {
        Some(_) => number("cip_vendor_id", 0)?,
        None => match server.vendor.as_deref() {
            None => ROCKWELL,
            Some(vendor) => vendor_id_for(vendor).ok_or_else(|| DialectError::Device {
                device: server.name.clone(),
                message: format!(
                    "no CIP vendor id is known for {vendor:?}; set cip_vendor_id (the ODVA number)"
                ),
            })?,
        },
    };
    let identity = CipIdentity {
        vendor_id,
        device_type: number("cip_device_type", 14)?,
        product_code: number("cip_product_code", 1)?,
        revision: server
            .firmware
            .as_deref()
            .map_or(Ok((1, 1)), revision_from_firmware)
            .map_err(|message| DialectError::Device {
                device: server.name.clone(),
                message,
            })?,
        serial: server
            .serial
            .as_deref()
            .map_or_else(|| fnv1a32(server.name.as_bytes()), serial_from_text),
        product_name: server
            .model
            .clone()
            .unwrap_or_else(|| server.station_name().to_string()),
    };
    if identity.product_name.len() > 255 {
        return Err(DialectError::Device {
            device: server.name.clone(),
            message: "model is longer than a CIP short string (255 bytes)".into(),
        });
    }
    let mut rng = DialectRng::new(context.seed);
    Ok(Box::new(EnipDialect {
        server: server.clone(),
        identity,
        session: 0,
        next_session: rng.next_u32() | 1,
        context_counter: rng.next_u64() & 0xffff_ffff,
        seed: context.seed,
    }))
}

const ROCKWELL: u16 = 1;

/// ODVA vendor ids of the makers whose controllers and adapters speak EtherNet/IP in most
/// plants, for scenarios that name the vendor but not its number. The analysis reports the
/// registry's own spelling for the number ("Rockwell Automation/Allen-Bradley").
const WELL_KNOWN_VENDORS: &[(&str, u16)] = &[
    ("rockwell", ROCKWELL),
    ("allen-bradley", ROCKWELL),
    ("allen bradley", ROCKWELL),
    ("schneider", 243),
    ("omron", 47),
    ("siemens", 1251),
    ("wago", 40),
    ("beckhoff", 108),
    ("phoenix contact", 562),
    ("mitsubishi", 161),
    ("festo", 26),
    ("turck", 48),
    ("hms", 90),
    ("keyence", 367),
    ("prosoft", 309),
    ("red lion", 176),
    ("b&r", 887),
    ("bernecker", 887),
    ("yaskawa", 44),
    ("fanuc", 591),
    ("abb", 46),
];

fn vendor_id_for(vendor: &str) -> Option<u16> {
    let vendor = vendor.to_ascii_lowercase();
    WELL_KNOWN_VENDORS
        .iter()
        .find(|(prefix, _)| vendor.starts_with(prefix))
        .map(|(_, id)| *id)
}

/// The Identity object's attributes 1 to 7 as the device reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CipIdentity {
    vendor_id: u16,
    device_type: u16,
    product_code: u16,
    revision: (u8, u8),
    serial: u32,
    product_name: String,
}

/// "V20.11", "20.011" and "v33.2.1" become the CIP revision (major, minor): the first two
/// numbers. CIP carries each in one byte.
fn revision_from_firmware(firmware: &str) -> Result<(u8, u8), String> {
    let numbers: Vec<&str> = firmware
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .collect();
    let byte = |s: &str| -> Result<u8, String> {
        s.parse::<u8>().map_err(|_| {
            format!("firmware {firmware:?}: {s} does not fit a CIP revision byte (0..=255)")
        })
    };
    match numbers.as_slice() {
        [] => Err(format!(
            "firmware {firmware:?} has no number for a CIP revision"
        )),
        [major] => Ok((byte(major)?, 0)),
        [major, minor, ..] => Ok((byte(major)?, byte(minor)?)),
    }
}

/// A CIP serial is a 32-bit number that tools print as eight hex digits. A scenario serial
/// written that way ("0x60a1b2c3" or "60A1B2C3") is carried exactly; any other text is
/// hashed so the same device always gets the same number.
fn serial_from_text(serial: &str) -> u32 {
    let digits = serial
        .strip_prefix("0x")
        .or_else(|| serial.strip_prefix("0X"))
        .unwrap_or(serial);
    if (1..=8).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_hexdigit()) {
        if let Ok(v) = u32::from_str_radix(digits, 16) {
            return v;
        }
    }
    fnv1a32(serial.as_bytes())
}

fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// The 24-byte encapsulation header followed by the command's data.
pub fn encapsulation(command: u16, session: u32, sender_context: [u8; 8], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + data.len());
    out.extend_from_slice(&command.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(&session.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&sender_context);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// SendRRData data: interface handle 0 (CIP), a timeout, and a CPF list of a null address
/// item and an unconnected data item carrying `cip`.
pub fn send_rr_data(timeout_seconds: u16, cip: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + cip.len());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&timeout_seconds.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&ITEM_NULL_ADDRESS.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&ITEM_UNCONNECTED_DATA.to_le_bytes());
    out.extend_from_slice(&(cip.len() as u16).to_le_bytes());
    out.extend_from_slice(cip);
    out
}

/// A padded EPATH to `class`/`instance` with 8-bit logical segments.
fn logical_path(class: u8, instance: u8) -> Vec<u8> {
    vec![0x20, class, 0x24, instance]
}

/// A padded EPATH of one ANSI extended symbol segment (a Logix tag name).
fn symbolic_path(tag: &str) -> Vec<u8> {
    let mut path = vec![0x91, tag.len() as u8];
    path.extend_from_slice(tag.as_bytes());
    if path.len() % 2 == 1 {
        path.push(0);
    }
    path
}

/// A CIP request: service, path size in words, path, data.
pub fn cip_request(service: u8, path: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = vec![service, (path.len() / 2) as u8];
    out.extend_from_slice(path);
    out.extend_from_slice(data);
    out
}

/// A successful CIP reply to `service` with `data`.
pub fn cip_reply(service: u8, data: &[u8]) -> Vec<u8> {
    let mut out = vec![service | REPLY, 0x00, 0x00, 0x00];
    out.extend_from_slice(data);
    out
}

/// The Multiple Service Packet body: a count, offsets from the count, then the services.
fn multiple_services(services: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(services.len() as u16).to_le_bytes());
    let mut offset = 2 + 2 * services.len();
    for s in services {
        out.extend_from_slice(&(offset as u16).to_le_bytes());
        offset += s.len();
    }
    for s in services {
        out.extend_from_slice(s);
    }
    out
}

/// Identity attributes 1 to 7 in the order Get_Attributes_All and the ListIdentity item
/// share.
fn identity_attributes(id: &CipIdentity) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&id.vendor_id.to_le_bytes());
    out.extend_from_slice(&id.device_type.to_le_bytes());
    out.extend_from_slice(&id.product_code.to_le_bytes());
    out.extend_from_slice(&[id.revision.0, id.revision.1]);
    out.extend_from_slice(&STATUS_RUNNING.to_le_bytes());
    out.extend_from_slice(&id.serial.to_le_bytes());
    out.push(id.product_name.len() as u8);
    out.extend_from_slice(id.product_name.as_bytes());
    out
}

/// A ListIdentity reply's data: one CIP Identity item naming the device's own socket
/// address (in network order, unlike everything else in EtherNet/IP).
fn list_identity_reply(server: &DeviceSpec, id: &CipIdentity) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&2u16.to_be_bytes());
    body.extend_from_slice(&ENIP_TCP_PORT.to_be_bytes());
    body.extend_from_slice(&server.ip.octets());
    body.extend_from_slice(&[0; 8]);
    body.extend_from_slice(&identity_attributes(id));
    body.push(STATE_OPERATIONAL);
    let mut out = Vec::new();
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&ITEM_LIST_IDENTITY.to_le_bytes());
    out.extend_from_slice(&(body.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

struct EnipDialect {
    server: DeviceSpec,
    identity: CipIdentity,
    session: u32,
    next_session: u32,
    context_counter: u64,
    seed: u64,
}

impl EnipDialect {
    /// Sender contexts pair requests with replies; clients number them.
    fn next_context(&mut self) -> [u8; 8] {
        self.context_counter = self.context_counter.wrapping_add(1);
        self.context_counter.to_le_bytes()
    }

    fn explicit(&mut self, request: &[u8], reply: &[u8]) -> Vec<Message> {
        let context = self.next_context();
        vec![
            Message::request(encapsulation(
                CMD_SEND_RR_DATA,
                self.session,
                context,
                &send_rr_data(10, request),
            )),
            Message::response(encapsulation(
                CMD_SEND_RR_DATA,
                self.session,
                context,
                &send_rr_data(0, reply),
            )),
        ]
    }

    fn tag_value(&self, index: usize, now_micros: i64) -> f32 {
        let (_, low, high) = POLLED_TAGS[index];
        process_value(self.seed, index as u32, now_micros, low, high) as f32
    }
}

impl Dialect for EnipDialect {
    fn protocol(&self) -> &'static str {
        "enip"
    }

    fn transport(&self) -> Transport {
        Transport::Tcp {
            port: ENIP_TCP_PORT,
        }
    }

    fn session_start(&mut self) -> Vec<Message> {
        let context = self.next_context();
        let version_and_options = [0x01, 0x00, 0x00, 0x00];
        self.session = self.next_session;
        vec![
            Message::request(encapsulation(
                CMD_REGISTER_SESSION,
                0,
                context,
                &version_and_options,
            )),
            Message::response(encapsulation(
                CMD_REGISTER_SESSION,
                self.session,
                context,
                &version_and_options,
            )),
        ]
    }

    fn identify(&mut self) -> Vec<Message> {
        let context = self.next_context();
        let mut out = vec![
            Message::request(encapsulation(CMD_LIST_IDENTITY, 0, context, &[])),
            Message::response(encapsulation(
                CMD_LIST_IDENTITY,
                0,
                context,
                &list_identity_reply(&self.server, &self.identity),
            )),
        ];
        let request = cip_request(
            SERVICE_GET_ATTRIBUTES_ALL,
            &logical_path(CLASS_IDENTITY, 1),
            &[],
        );
        let reply = cip_reply(
            SERVICE_GET_ATTRIBUTES_ALL,
            &identity_attributes(&self.identity),
        );
        out.extend(self.explicit(&request, &reply));
        out
    }

    fn reveals(&self) -> &'static [Revealed] {
        // The vendor is revealed as the ODVA registry's name for `cip_vendor_id`.
        &[
            Revealed::Vendor,
            Revealed::Model,
            Revealed::Firmware,
            Revealed::Serial,
        ]
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let requests: Vec<Vec<u8>> = POLLED_TAGS
            .iter()
            .map(|(tag, _, _)| cip_request(SERVICE_READ_TAG, &symbolic_path(tag), &[1, 0]))
            .collect();
        let replies: Vec<Vec<u8>> = (0..POLLED_TAGS.len())
            .map(|i| {
                let mut data = TYPE_REAL.to_le_bytes().to_vec();
                data.extend_from_slice(&self.tag_value(i, poll.now_micros).to_le_bytes());
                cip_reply(SERVICE_READ_TAG, &data)
            })
            .collect();
        let router = logical_path(CLASS_MESSAGE_ROUTER, 1);
        let request = cip_request(
            SERVICE_MULTIPLE_SERVICE_PACKET,
            &router,
            &multiple_services(&requests),
        );
        let reply = cip_reply(
            SERVICE_MULTIPLE_SERVICE_PACKET,
            &multiple_services(&replies),
        );
        self.explicit(&request, &reply)
    }

    fn action(&mut self, kind: ActionKind, poll: &PollContext) -> Option<Vec<Message>> {
        let (request, reply) = match kind {
            ActionKind::Write => {
                let value = process_value(self.seed, 50, poll.now_micros, 60.0, 150.0) as f32;
                let mut data = TYPE_REAL.to_le_bytes().to_vec();
                data.extend_from_slice(&1u16.to_le_bytes());
                data.extend_from_slice(&value.to_le_bytes());
                (
                    cip_request(SERVICE_WRITE_TAG, &symbolic_path(SETPOINT_TAG), &data),
                    cip_reply(SERVICE_WRITE_TAG, &[]),
                )
            }
            ActionKind::PlcStop => (
                cip_request(SERVICE_STOP, &logical_path(CLASS_LOGIX_CONTROLLER, 1), &[]),
                cip_reply(SERVICE_STOP, &[]),
            ),
            ActionKind::PlcStart => (
                cip_request(SERVICE_START, &logical_path(CLASS_LOGIX_CONTROLLER, 1), &[]),
                cip_reply(SERVICE_START, &[]),
            ),
            // Reset type 0: the equivalent of a power cycle.
            ActionKind::Restart => (
                cip_request(SERVICE_RESET, &logical_path(CLASS_IDENTITY, 1), &[0]),
                cip_reply(SERVICE_RESET, &[]),
            ),
            // Logix program and firmware transfers run over vendor-private services whose
            // layout is not public; nothing here would be recognisable as one.
            ActionKind::ProgramDownload
            | ActionKind::ProgramUpload
            | ActionKind::FirmwareUpdate => return None,
        };
        Some(self.explicit(&request, &reply))
    }

    fn session_end(&mut self) -> Vec<Message> {
        let context = self.next_context();
        // UnRegisterSession has no reply; the client closes the connection.
        vec![Message::request(encapsulation(
            CMD_UNREGISTER_SESSION,
            self.session,
            context,
            &[],
        ))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing::{self, hex};

    #[test]
    fn every_action_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("enip", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "cip");
    }

    #[test]
    fn identity_replies_carry_the_scenario_identity() {
        let mut server = testing::sample_server();
        server.firmware = Some("V20.11".into());
        server.serial = Some("60A1B2C3".into());
        server.model = Some("1756-L83E/B".into());
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let messages = dialect.identify();
        let list_identity = &messages[1].payload;
        // Header, item count, item type and length, then the item body.
        let body = &list_identity[24 + 6..];
        assert_eq!(&body[6..10], &server.ip.octets());
        assert_eq!(u16::from_le_bytes([body[18], body[19]]), 1);
        assert_eq!(u16::from_le_bytes([body[20], body[21]]), 14);
        assert_eq!(u16::from_le_bytes([body[22], body[23]]), 55);
        assert_eq!((body[24], body[25]), (20, 11));
        assert_eq!(
            u32::from_le_bytes([body[28], body[29], body[30], body[31]]),
            0x60a1_b2c3
        );
        assert_eq!(usize::from(body[32]), "1756-L83E/B".len());
        assert_eq!(&body[33..33 + 11], b"1756-L83E/B");
        let attributes = &messages[3].payload;
        let text = String::from_utf8_lossy(attributes);
        assert!(text.contains("1756-L83E/B"), "{text}");
        assert!(attributes
            .windows(4)
            .any(|w| w == 0x60a1_b2c3u32.to_le_bytes()));
    }

    #[test]
    fn the_vendor_id_follows_the_vendor_unless_given() {
        let mut server = testing::sample_server();
        let ids = |server: &DeviceSpec| {
            let context = testing::context(server);
            build(&context).map(|mut d| {
                let reply = d.identify().remove(1).payload;
                u16::from_le_bytes([reply[24 + 6 + 18], reply[24 + 6 + 19]])
            })
        };
        assert_eq!(ids(&server).unwrap(), 1);
        server.params.remove("cip_vendor_id");
        assert_eq!(ids(&server).unwrap(), 243);
        server.vendor = Some("Allen-Bradley".into());
        assert_eq!(ids(&server).unwrap(), 1);
        server.vendor = Some("Acme Controls".into());
        assert!(ids(&server).is_err());
    }

    #[test]
    fn firmware_and_serial_text_map_to_cip_numbers() {
        assert_eq!(revision_from_firmware("V20.11"), Ok((20, 11)));
        assert_eq!(revision_from_firmware("20.011"), Ok((20, 11)));
        assert_eq!(revision_from_firmware("v33"), Ok((33, 0)));
        assert!(revision_from_firmware("V300.1").is_err());
        assert!(revision_from_firmware("none").is_err());
        assert_eq!(serial_from_text("0x0042ABCD"), 0x0042_abcd);
        assert_eq!(serial_from_text("60a1b2c3"), 0x60a1_b2c3);
        let hashed = serial_from_text("20190412-0042");
        assert_eq!(hashed, serial_from_text("20190412-0042"));
        assert_ne!(hashed, serial_from_text("20190412-0043"));
    }

    /// The Stop request of a Logix engineering station captured on a real controller
    /// (Stop, service 0x07, to the controller object 0x8e instance 1) carries these CIP
    /// bytes after its connected sequence count.
    #[test]
    fn stop_request_matches_a_captured_one() {
        let captured = hex("070220_8e2401".replace('_', "").as_str());
        assert_eq!(
            cip_request(SERVICE_STOP, &logical_path(CLASS_LOGIX_CONTROLLER, 1), &[]),
            captured
        );
    }

    /// The encapsulation and CPF framing of a captured SendRRData (an Unconnected Send to
    /// the connection manager) is reproduced byte for byte.
    #[test]
    fn send_rr_data_framing_matches_a_captured_one() {
        let captured = hex(
            "6f00260000050213000000006ac0be000000000000000000000000001400020000000000b200160052022006240107e90800010220ac2401010001000100",
        );
        let cip = &captured[40..];
        let mut context = [0u8; 8];
        context.copy_from_slice(&captured[12..20]);
        let session = u32::from_le_bytes([captured[4], captured[5], captured[6], captured[7]]);
        let rebuilt = encapsulation(
            CMD_SEND_RR_DATA,
            session,
            context,
            &send_rr_data(0x0014, cip),
        );
        assert_eq!(rebuilt, captured);
    }

    #[test]
    fn polls_read_moving_tags_and_number_their_contexts() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        dialect.session_start();
        let first = dialect.poll(&PollContext {
            now_micros: 1_772_438_400_000_000,
            cycle: 0,
        });
        let later = dialect.poll(&PollContext {
            now_micros: 1_772_438_430_000_000,
            cycle: 1,
        });
        assert_ne!(first[0].payload[12..20], later[0].payload[12..20]);
        assert_eq!(first[0].payload[12..20], first[1].payload[12..20]);
        assert_ne!(first[1].payload, later[1].payload);
        assert!(String::from_utf8_lossy(&first[0].payload).contains("Tank1_Level"));
    }
}
