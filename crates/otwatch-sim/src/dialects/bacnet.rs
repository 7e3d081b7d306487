//! BACnet/IP as a building management workstation speaks it to a controller: Who-Is and the
//! controller's I-Am to find it, ReadPropertyMultiple on its Device object for identity,
//! ReadProperty of analog inputs every cycle, and the device-management services an
//! operator or an attacker uses (WriteProperty, ReinitializeDevice, backup and restore
//! through AtomicReadFile / AtomicWriteFile, DeviceCommunicationControl).
//!
//! BACnet has no "stop the controller" service. The closest an attacker comes is
//! DeviceCommunicationControl *disable*: the controller keeps running its program but stops
//! answering, which silences it towards the supervisor. `plc_stop` renders that, and
//! `plc_start` the matching *enable*; while communication is disabled the polls go
//! unanswered, as they would on a real network.

use super::Entry;
use crate::dialect::{
    process_value, ActionKind, Destination, DeviceSpec, Dialect, DialectContext, DialectError,
    DialectRng, Message, PollContext, Revealed, Transport,
};

pub const ENTRY: Entry = Entry {
    name: "bacnet",
    description: "BACnet/IP on 47808: Who-Is/I-Am, Device object identity, analog-input polling, WriteProperty, ReinitializeDevice restart/backup/restore with file transfer, DeviceCommunicationControl",
    build,
};

pub const BACNET_IP_PORT: u16 = 47808;

const BVLC_TYPE: u8 = 0x81;
const BVLC_ORIGINAL_UNICAST: u8 = 0x0a;
const BVLC_ORIGINAL_BROADCAST: u8 = 0x0b;

const PDU_CONFIRMED_REQUEST: u8 = 0x00;
const PDU_UNCONFIRMED_REQUEST: u8 = 0x10;
const PDU_SIMPLE_ACK: u8 = 0x20;
const PDU_COMPLEX_ACK: u8 = 0x30;

/// Segmentation not accepted, up to 1476 octets in one APDU (the BACnet/IP maximum).
const MAX_APDU_1476: u8 = 0x05;

const SERVICE_I_AM: u8 = 0;
const SERVICE_WHO_IS: u8 = 8;
const SERVICE_ATOMIC_READ_FILE: u8 = 6;
const SERVICE_ATOMIC_WRITE_FILE: u8 = 7;
const SERVICE_READ_PROPERTY: u8 = 12;
const SERVICE_READ_PROPERTY_MULTIPLE: u8 = 14;
const SERVICE_WRITE_PROPERTY: u8 = 15;
const SERVICE_DEVICE_COMMUNICATION_CONTROL: u8 = 17;
const SERVICE_REINITIALIZE_DEVICE: u8 = 20;

const OBJECT_ANALOG_INPUT: u32 = 0;
const OBJECT_ANALOG_VALUE: u32 = 2;
const OBJECT_DEVICE: u32 = 8;
const OBJECT_FILE: u32 = 10;

const PROP_FIRMWARE_REVISION: u32 = 44;
const PROP_MODEL_NAME: u32 = 70;
const PROP_OBJECT_NAME: u32 = 77;
const PROP_PRESENT_VALUE: u32 = 85;
const PROP_VENDOR_IDENTIFIER: u32 = 120;
const PROP_VENDOR_NAME: u32 = 121;
const PROP_CONFIGURATION_FILES: u32 = 154;

const REINIT_WARMSTART: u32 = 1;
const REINIT_STARTBACKUP: u32 = 2;
const REINIT_ENDBACKUP: u32 = 3;
const REINIT_STARTRESTORE: u32 = 4;
const REINIT_ENDRESTORE: u32 = 5;

const DCC_ENABLE: u32 = 0;
const DCC_DISABLE: u32 = 1;

/// Octets per AtomicReadFile / AtomicWriteFile record; small enough to fit one Ethernet
/// frame with all headers, as controllers that cannot segment require.
const FILE_CHUNK: usize = 480;
/// Analog inputs read every cycle: supply and return temperatures, pressure, humidity.
const POLLED_INPUTS: u32 = 4;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    let server = context.server;
    let param = |key: &str, default: i64, max: i64| -> Result<u32, DialectError> {
        let value = server.param_int(key).unwrap_or(default);
        if !(0..=max).contains(&value) {
            return Err(DialectError::Device {
                device: server.name.clone(),
                message: format!("{key} {value} is outside 0..={max}"),
            });
        }
        Ok(value as u32)
    };
    // The device instance is a 22-bit number; 4194303 is reserved for "unconfigured".
    let instance = param(
        "bacnet_instance",
        1000 + i64::from(server.ip.octets()[3]),
        4_194_302,
    )?;
    let vendor_id = match server.param_int("bacnet_vendor_id") {
        Some(_) => param("bacnet_vendor_id", 0, 0xffff)?,
        None => default_vendor_id(server)?,
    };
    let mut rng = DialectRng::new(context.seed);
    Ok(Box::new(BacnetDialect {
        server: server.clone(),
        instance,
        vendor_id,
        invoke_id: rng.next_u32() as u8,
        seed: context.seed,
        communication_disabled: false,
    }))
}

/// ASHRAE vendor identifiers of building automation makers, so that the I-Am names the
/// same maker as the Device object's vendor-name when the scenario gives no number.
const VENDOR_IDS: &[(&str, u32)] = &[
    ("trane", 2),
    ("johnson controls", 5),
    ("siemens", 7),
    ("delta controls", 8),
    ("schneider", 10),
    ("carrier", 16),
    ("honeywell", 17),
    ("automated logic", 24),
    ("tridium", 36),
    ("kieback", 39),
    ("sauter", 80),
    ("wago", 222),
    ("distech", 364),
    ("beckhoff", 415),
];

/// The vendor id for a device without `bacnet_vendor_id`: from its maker's name, or 0
/// (ASHRAE's own number, what unbranded and test devices send) when it names none. A maker
/// outside the table is an error rather than a guess, since a wrong number would make the
/// I-Am contradict the vendor-name.
fn default_vendor_id(server: &DeviceSpec) -> Result<u32, DialectError> {
    let Some(vendor) = &server.vendor else {
        return Ok(0);
    };
    let lower = vendor.to_ascii_lowercase();
    VENDOR_IDS
        .iter()
        .find(|(name, _)| lower.contains(name))
        .map(|(_, id)| *id)
        .ok_or_else(|| DialectError::Device {
            device: server.name.clone(),
            message: format!("no BACnet vendor id known for {vendor:?}; set bacnet_vendor_id"),
        })
}

struct BacnetDialect {
    server: DeviceSpec,
    instance: u32,
    vendor_id: u32,
    invoke_id: u8,
    seed: u64,
    communication_disabled: bool,
}

impl BacnetDialect {
    /// One confirmed service: the request and, unless the device has been told to stay
    /// silent, its acknowledgement. DeviceCommunicationControl and ReinitializeDevice are
    /// answered even then, as the standard requires.
    fn confirmed(&mut self, service: u8, request: &[u8], ack: Option<&[u8]>) -> Vec<Message> {
        self.invoke_id = self.invoke_id.wrapping_add(1);
        let id = self.invoke_id;
        let mut apdu = vec![PDU_CONFIRMED_REQUEST, MAX_APDU_1476, id, service];
        apdu.extend_from_slice(request);
        let mut out = vec![Message::request(bvlc_unicast(&npdu(true, &apdu)))];
        let answers = !self.communication_disabled
            || matches!(
                service,
                SERVICE_DEVICE_COMMUNICATION_CONTROL | SERVICE_REINITIALIZE_DEVICE
            );
        if answers {
            let reply = match ack {
                Some(body) => {
                    let mut reply = vec![PDU_COMPLEX_ACK, id, service];
                    reply.extend_from_slice(body);
                    reply
                }
                None => vec![PDU_SIMPLE_ACK, id, service],
            };
            out.push(Message::response(bvlc_unicast(&npdu(false, &reply))));
        }
        out
    }

    fn device(&self) -> u32 {
        object_id(OBJECT_DEVICE, self.instance)
    }

    /// The Device object properties that say what the controller is, in the order a
    /// workstation's discovery asks for them. Serial-number is not asked for: otwatch
    /// takes no identity from it, so the truth could not be scored against it.
    fn identity_properties(&self) -> Vec<(u32, Vec<u8>)> {
        let s = &self.server;
        let mut props = vec![(PROP_OBJECT_NAME, app_character_string(s.station_name()))];
        if let Some(v) = &s.vendor {
            props.push((PROP_VENDOR_NAME, app_character_string(v)));
        }
        props.push((PROP_VENDOR_IDENTIFIER, app_unsigned(self.vendor_id)));
        if let Some(v) = &s.model {
            props.push((PROP_MODEL_NAME, app_character_string(v)));
        }
        if let Some(v) = &s.firmware {
            props.push((PROP_FIRMWARE_REVISION, app_character_string(v)));
        }
        props
    }

    fn reinitialize(&mut self, state: u32) -> Vec<Message> {
        let request = context_unsigned(0, state);
        self.confirmed(SERVICE_REINITIALIZE_DEVICE, &request, None)
    }

    fn communication_control(&mut self, state: u32) -> Vec<Message> {
        let request = context_unsigned(1, state);
        let out = self.confirmed(SERVICE_DEVICE_COMMUNICATION_CONTROL, &request, None);
        self.communication_disabled = state == DCC_DISABLE;
        out
    }

    /// The controller's configuration file contents, deterministic per conversation.
    fn configuration_file(&self) -> Vec<u8> {
        let mut rng = DialectRng::new(self.seed ^ 0xbac0);
        (0..FILE_CHUNK * 3 + 200)
            .map(|_| rng.next_u32() as u8)
            .collect()
    }

    fn configuration_file_object(&self) -> u32 {
        object_id(OBJECT_FILE, 1)
    }

    fn backup(&mut self) -> Vec<Message> {
        let mut out = self.reinitialize(REINIT_STARTBACKUP);
        // The workstation learns which File objects make up the backup from the Device
        // object's Configuration_Files array, then reads each one.
        let file = self.configuration_file_object();
        let mut request = context_object_id(0, self.device());
        request.extend(context_unsigned(1, PROP_CONFIGURATION_FILES));
        let mut ack = request.clone();
        ack.push(opening_tag(3));
        ack.extend(app_object_id(file));
        ack.push(closing_tag(3));
        out.extend(self.confirmed(SERVICE_READ_PROPERTY, &request, Some(&ack)));
        let contents = self.configuration_file();
        let chunks: Vec<&[u8]> = contents.chunks(FILE_CHUNK).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let start = (i * FILE_CHUNK) as i32;
            let mut request = app_object_id(file);
            request.push(opening_tag(0));
            request.extend(app_signed(start));
            request.extend(app_unsigned(FILE_CHUNK as u32));
            request.push(closing_tag(0));
            let mut ack = app_boolean(i + 1 == chunks.len());
            ack.push(opening_tag(0));
            ack.extend(app_signed(start));
            ack.extend(app_octet_string(chunk));
            ack.push(closing_tag(0));
            out.extend(self.confirmed(SERVICE_ATOMIC_READ_FILE, &request, Some(&ack)));
        }
        out.extend(self.reinitialize(REINIT_ENDBACKUP));
        out
    }

    fn restore(&mut self) -> Vec<Message> {
        let mut out = self.reinitialize(REINIT_STARTRESTORE);
        let file = self.configuration_file_object();
        let contents = self.configuration_file();
        for (i, chunk) in contents.chunks(FILE_CHUNK).enumerate() {
            let start = (i * FILE_CHUNK) as i32;
            let mut request = app_object_id(file);
            request.push(opening_tag(0));
            request.extend(app_signed(start));
            request.extend(app_octet_string(chunk));
            request.push(closing_tag(0));
            let ack = context_signed(0, start);
            out.extend(self.confirmed(SERVICE_ATOMIC_WRITE_FILE, &request, Some(&ack)));
        }
        out.extend(self.reinitialize(REINIT_ENDRESTORE));
        out
    }
}

impl Dialect for BacnetDialect {
    fn protocol(&self) -> &'static str {
        "bacnet"
    }

    fn transport(&self) -> Transport {
        Transport::Udp {
            port: BACNET_IP_PORT,
            client_port: Some(BACNET_IP_PORT),
        }
    }

    fn session_start(&mut self) -> Vec<Message> {
        // A Who-Is limited to the one instance the workstation is configured for, and the
        // controller's I-Am, which BACnet devices broadcast so every peer learns the
        // binding at once.
        let mut who_is = vec![PDU_UNCONFIRMED_REQUEST, SERVICE_WHO_IS];
        who_is.extend(context_unsigned(0, self.instance));
        who_is.extend(context_unsigned(1, self.instance));
        let mut i_am = vec![PDU_UNCONFIRMED_REQUEST, SERVICE_I_AM];
        i_am.extend(app_object_id(self.device()));
        i_am.extend(app_unsigned(1476));
        // Segmentation: 3 = no segmentation.
        i_am.extend(app_enumerated(3));
        i_am.extend(app_unsigned(self.vendor_id));
        vec![
            Message::request(bvlc_broadcast(&npdu(false, &who_is))).to(Destination::Broadcast),
            Message::response(bvlc_broadcast(&npdu(false, &i_am))).to(Destination::Broadcast),
        ]
    }

    fn identify(&mut self) -> Vec<Message> {
        let props = self.identity_properties();
        let mut request = context_object_id(0, self.device());
        request.push(opening_tag(1));
        for (id, _) in &props {
            request.extend(context_unsigned(0, *id));
        }
        request.push(closing_tag(1));
        let mut ack = context_object_id(0, self.device());
        ack.push(opening_tag(1));
        for (id, value) in &props {
            ack.extend(context_unsigned(2, *id));
            ack.push(opening_tag(4));
            ack.extend_from_slice(value);
            ack.push(closing_tag(4));
        }
        ack.push(closing_tag(1));
        self.confirmed(SERVICE_READ_PROPERTY_MULTIPLE, &request, Some(&ack))
    }

    fn reveals(&self) -> &'static [Revealed] {
        &[
            Revealed::Vendor,
            Revealed::Model,
            Revealed::Firmware,
            Revealed::Name,
        ]
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let mut out = Vec::new();
        for input in 1..=POLLED_INPUTS {
            let value = process_value(self.seed, input, poll.now_micros, 12.0, 28.0) as f32;
            let mut request = context_object_id(0, object_id(OBJECT_ANALOG_INPUT, input));
            request.extend(context_unsigned(1, PROP_PRESENT_VALUE));
            let mut ack = request.clone();
            ack.push(opening_tag(3));
            ack.extend(app_real(value));
            ack.push(closing_tag(3));
            out.extend(self.confirmed(SERVICE_READ_PROPERTY, &request, Some(&ack)));
        }
        out
    }

    fn action(&mut self, kind: ActionKind, poll: &PollContext) -> Option<Vec<Message>> {
        Some(match kind {
            ActionKind::Write => {
                // A set point change at the operator priority (8, "manual operator").
                let value = process_value(self.seed, 50, poll.now_micros, 19.0, 23.0) as f32;
                let value = (value * 2.0).round() / 2.0;
                let mut request = context_object_id(0, object_id(OBJECT_ANALOG_VALUE, 1));
                request.extend(context_unsigned(1, PROP_PRESENT_VALUE));
                request.push(opening_tag(3));
                request.extend(app_real(value));
                request.push(closing_tag(3));
                request.extend(context_unsigned(4, 8));
                self.confirmed(SERVICE_WRITE_PROPERTY, &request, None)
            }
            ActionKind::Restart => self.reinitialize(REINIT_WARMSTART),
            ActionKind::ProgramUpload => self.backup(),
            ActionKind::ProgramDownload => self.restore(),
            ActionKind::PlcStop => self.communication_control(DCC_DISABLE),
            ActionKind::PlcStart => self.communication_control(DCC_ENABLE),
            ActionKind::FirmwareUpdate => return None,
        })
    }
}

// ------------------------------------------------------------------------- encoding

fn bvlc(function: u8, npdu: &[u8]) -> Vec<u8> {
    let mut out = vec![BVLC_TYPE, function];
    out.extend_from_slice(&((npdu.len() + 4) as u16).to_be_bytes());
    out.extend_from_slice(npdu);
    out
}

fn bvlc_unicast(npdu: &[u8]) -> Vec<u8> {
    bvlc(BVLC_ORIGINAL_UNICAST, npdu)
}

fn bvlc_broadcast(npdu: &[u8]) -> Vec<u8> {
    bvlc(BVLC_ORIGINAL_BROADCAST, npdu)
}

/// A local NPDU (no routing information) around an APDU.
fn npdu(expecting_reply: bool, apdu: &[u8]) -> Vec<u8> {
    let control = if expecting_reply { 0x04 } else { 0x00 };
    let mut out = vec![0x01, control];
    out.extend_from_slice(apdu);
    out
}

fn object_id(object_type: u32, instance: u32) -> u32 {
    (object_type << 22) | (instance & 0x3f_ffff)
}

/// The shortest big-endian form of an unsigned value, as BACnet encodes it.
fn minimal_unsigned(value: u32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|b| **b == 0).count();
    bytes[skip..].to_vec()
}

fn minimal_signed(value: i32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut skip = 0;
    while skip < 3 {
        let (lead, next) = (bytes[skip], bytes[skip + 1]);
        let redundant = (lead == 0x00 && next & 0x80 == 0) || (lead == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        skip += 1;
    }
    bytes[skip..].to_vec()
}

/// A tag octet and length for `tag` (application when `context` is false) and `data`.
fn tagged(tag: u8, context: bool, data: &[u8]) -> Vec<u8> {
    let class = if context { 0x08 } else { 0x00 };
    let mut out = Vec::with_capacity(data.len() + 4);
    match data.len() {
        n @ 0..=4 => out.push((tag << 4) | class | n as u8),
        n @ 5..=253 => {
            out.push((tag << 4) | class | 5);
            out.push(n as u8);
        }
        n => {
            out.push((tag << 4) | class | 5);
            out.push(254);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(data);
    out
}

fn opening_tag(tag: u8) -> u8 {
    (tag << 4) | 0x0e
}

fn closing_tag(tag: u8) -> u8 {
    (tag << 4) | 0x0f
}

fn app_boolean(value: bool) -> Vec<u8> {
    // The application-tagged boolean carries its value in the length bits.
    vec![0x10 | u8::from(value)]
}

fn app_unsigned(value: u32) -> Vec<u8> {
    tagged(2, false, &minimal_unsigned(value))
}

fn app_signed(value: i32) -> Vec<u8> {
    tagged(3, false, &minimal_signed(value))
}

fn app_real(value: f32) -> Vec<u8> {
    tagged(4, false, &value.to_be_bytes())
}

fn app_octet_string(data: &[u8]) -> Vec<u8> {
    tagged(6, false, data)
}

/// A character string in UTF-8 (character set 0).
fn app_character_string(text: &str) -> Vec<u8> {
    let mut data = vec![0x00];
    data.extend_from_slice(text.as_bytes());
    tagged(7, false, &data)
}

fn app_enumerated(value: u32) -> Vec<u8> {
    tagged(9, false, &minimal_unsigned(value))
}

fn app_object_id(id: u32) -> Vec<u8> {
    tagged(12, false, &id.to_be_bytes())
}

fn context_unsigned(tag: u8, value: u32) -> Vec<u8> {
    tagged(tag, true, &minimal_unsigned(value))
}

fn context_signed(tag: u8, value: i32) -> Vec<u8> {
    tagged(tag, true, &minimal_signed(value))
}

fn context_object_id(tag: u8, id: u32) -> Vec<u8> {
    tagged(tag, true, &id.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    #[test]
    fn every_action_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("bacnet", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "bacapp");
    }

    #[test]
    fn device_object_read_carries_the_scenario_identity() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let start = dialect.session_start();
        let i_am = &start[1].payload;
        // Device object 1001 and vendor id 5 at the end of the I-Am.
        assert_eq!(&i_am[8..13], &[0xc4, 0x02, 0x00, 0x03, 0xe9]);
        assert_eq!(&i_am[i_am.len() - 2..], &[0x21, 0x05]);
        let messages = dialect.identify();
        let text = String::from_utf8_lossy(&messages[1].payload).into_owned();
        for expected in ["Schneider Electric", "BMX P34 2020", "V3.10", "PLC-LINE1"] {
            assert!(text.contains(expected), "{expected} missing from {text:?}");
        }
    }

    /// Frame 2 of the ICSNPP `bacnet_services` capture: the ReadProperty acknowledgement
    /// for analog-output 101 present-value 100.0, invoke id 1.
    #[test]
    fn read_property_ack_matches_a_captured_frame() {
        let mut ack = context_object_id(0, object_id(1, 101));
        ack.extend(context_unsigned(1, PROP_PRESENT_VALUE));
        ack.push(opening_tag(3));
        ack.extend(app_real(100.0));
        ack.push(closing_tag(3));
        let mut apdu = vec![PDU_COMPLEX_ACK, 0x01, SERVICE_READ_PROPERTY];
        apdu.extend(ack);
        assert_eq!(
            apdu,
            [
                0x30, 0x01, 0x0c, 0x0c, 0x00, 0x40, 0x00, 0x65, 0x19, 0x55, 0x3e, 0x44, 0x42, 0xc8,
                0x00, 0x00, 0x3f
            ]
        );
    }

    #[test]
    fn vendor_id_defaults_from_the_vendor_name() {
        let mut server = testing::sample_server();
        server.params.remove("bacnet_vendor_id");
        assert_eq!(default_vendor_id(&server), Ok(10));
        server.vendor = Some("Acme Widgets".into());
        assert!(default_vendor_id(&server).is_err());
        server.vendor = None;
        assert_eq!(default_vendor_id(&server), Ok(0));
    }

    #[test]
    fn signed_and_unsigned_use_the_fewest_octets() {
        assert_eq!(minimal_unsigned(0), [0]);
        assert_eq!(minimal_unsigned(1476), [0x05, 0xc4]);
        assert_eq!(minimal_signed(-1), [0xff]);
        assert_eq!(minimal_signed(128), [0x00, 0x80]);
        assert_eq!(minimal_signed(960), [0x03, 0xc0]);
    }

    #[test]
    fn a_silenced_device_leaves_polls_unanswered_until_enabled() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let poll = PollContext {
            now_micros: 1_772_438_400_000_000,
            cycle: 0,
        };
        assert_eq!(dialect.poll(&poll).len(), 8);
        let stop = dialect.action(ActionKind::PlcStop, &poll).unwrap();
        assert_eq!(stop.len(), 2, "DeviceCommunicationControl is acknowledged");
        assert_eq!(dialect.poll(&poll).len(), 4);
        dialect.action(ActionKind::PlcStart, &poll).unwrap();
        assert_eq!(dialect.poll(&poll).len(), 8);
    }
}
