//! DNP3 over TCP 20000 as a SCADA master speaks it to an RTU or protection relay: an
//! integrity poll when the connection comes up, class 1/2/3 event polls with analog input
//! changes, now and then an unsolicited response the master confirms, the device attributes
//! of group 0 for identity, CROB select/operate for an operator command, cold restart,
//! stop and start of the outstation's application, and a configuration file written with
//! the file transfer functions.
//!
//! Every message is framed the way the wire carries it: link frames (with a CRC after the
//! header and after every 16 bytes of user data), transport segments of at most 249
//! application bytes, and application fragments with their own sequence numbers.

use super::Entry;
use crate::dialect::{
    process_value, ActionKind, Dialect, DialectContext, DialectError, DialectRng, Message,
    PollContext, Revealed, Transport,
};

pub const ENTRY: Entry = Entry {
    name: "dnp3",
    description: "DNP3 on 20000: integrity and class event polls, unsolicited responses, group 0 device attributes, CROB select/operate, cold restart, stop/start application, file transfer of a configuration",
    build,
};

pub const DNP3_TCP_PORT: u16 = 20000;

/// Outstation address when the scenario names none; masters default to 1.
const DEFAULT_OUTSTATION: u16 = 10;
const DEFAULT_MASTER: u16 = 1;

/// Link control bytes: primary frames with unconfirmed user data, DIR set from the master.
const LINK_FROM_MASTER: u8 = 0xc4;
const LINK_FROM_OUTSTATION: u8 = 0x44;
/// Application bytes a transport segment carries at most (a 255-byte link frame less the
/// addresses, control and the transport header).
const MAX_SEGMENT: usize = 249;

const FC_CONFIRM: u8 = 0x00;
const FC_READ: u8 = 0x01;
const FC_WRITE: u8 = 0x02;
const FC_SELECT: u8 = 0x03;
const FC_OPERATE: u8 = 0x04;
const FC_COLD_RESTART: u8 = 0x0d;
const FC_START_APPL: u8 = 0x11;
const FC_STOP_APPL: u8 = 0x12;
const FC_ENABLE_UNSOLICITED: u8 = 0x14;
const FC_OPEN_FILE: u8 = 0x19;
const FC_CLOSE_FILE: u8 = 0x1a;
const FC_RESPONSE: u8 = 0x81;
const FC_UNSOLICITED_RESPONSE: u8 = 0x82;

const APP_FIR: u8 = 0x80;
const APP_FIN: u8 = 0x40;
const APP_CON: u8 = 0x20;
const APP_UNS: u8 = 0x10;

/// Qualifiers: all objects; 8-bit start/stop; 16-bit count with 16-bit index prefixes;
/// 8-bit count; 8-bit count with 16-bit size prefixes (free-format objects).
const Q_ALL: u8 = 0x06;
const Q_RANGE8: u8 = 0x00;
const Q_INDEXED16: u8 = 0x28;
const Q_COUNT8: u8 = 0x07;
const Q_SIZED16: u8 = 0x5b;

/// Group 0 attributes the outstation reports, with what of the device they carry.
const ATTR_SOFTWARE_VERSION: u8 = 242;
const ATTR_HARDWARE_VERSION: u8 = 243;
const ATTR_DEVICE_NAME: u8 = 247;
const ATTR_SERIAL_NUMBER: u8 = 248;
const ATTR_PRODUCT_AND_MODEL: u8 = 250;
const ATTR_MANUFACTURER: u8 = 252;
const ATTR_ALL: u8 = 254;
const ATTR_TYPE_VISIBLE_STRING: u8 = 1;

/// Points of the simulated RTU: binary inputs (breaker positions, alarms) and analog inputs
/// with their ranges (flows, levels, pressures, voltages).
const BINARY_INPUTS: u16 = 8;
const ANALOG_INPUTS: &[(f64, f64)] = &[
    (0.0, 450.0),
    (1.2, 6.8),
    (10.0, 95.0),
    (380.0, 420.0),
    (48.0, 52.0),
    (0.0, 120.0),
];
/// Binary output the operator pulses (a pump start).
const OPERATED_OUTPUT: u16 = 2;
/// The configuration file the engineering tool writes.
const CONFIG_FILE: &str = "/config/rtu_points.xml";
const FILE_HANDLE_SEED: u32 = 0x5a00_0000;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    let address = |device: &crate::dialect::DeviceSpec, default: u16| {
        match device.param_int("dnp3_address") {
            None => Ok(default),
            // 0xfff0 and above are reserved for broadcast and special use.
            Some(a) if (0..0xfff0).contains(&a) => Ok(a as u16),
            Some(a) => Err(DialectError::Device {
                device: device.name.clone(),
                message: format!("dnp3_address {a} is outside 0..=65519"),
            }),
        }
    };
    let outstation = address(context.server, DEFAULT_OUTSTATION)?;
    let master = address(context.client, DEFAULT_MASTER)?;
    if master == outstation {
        return Err(DialectError::Device {
            device: context.server.name.clone(),
            message: format!("dnp3_address {outstation} is also the master's address"),
        });
    }
    let server = context.server;
    let mut attributes = Vec::new();
    for (variation, value) in [
        (ATTR_MANUFACTURER, server.vendor.clone()),
        (ATTR_PRODUCT_AND_MODEL, server.model.clone()),
        (ATTR_SOFTWARE_VERSION, server.firmware.clone()),
        (ATTR_HARDWARE_VERSION, server.hardware.clone()),
        (ATTR_SERIAL_NUMBER, server.serial.clone()),
        (ATTR_DEVICE_NAME, Some(server.station_name().to_string())),
    ] {
        if let Some(value) = value {
            if value.len() > 255 {
                return Err(DialectError::Device {
                    device: server.name.clone(),
                    message: format!("{value:?} is longer than a DNP3 attribute (255 bytes)"),
                });
            }
            attributes.push((variation, value));
        }
    }
    let mut rng = DialectRng::new(context.seed);
    Ok(Box::new(Dnp3Dialect {
        master,
        outstation,
        attributes,
        master_transport: rng.next_u32() as u8 & 0x3f,
        outstation_transport: rng.next_u32() as u8 & 0x3f,
        request_sequence: rng.next_u32() as u8 & 0x0f,
        unsolicited_sequence: 0,
        file_handle: FILE_HANDLE_SEED | (rng.next_u32() & 0xffff),
        seed: context.seed,
    }))
}

/// The link frame carrying `user_data` (a transport segment): header with its CRC, then
/// the data in blocks of 16 bytes, each followed by its CRC.
pub fn link_frame(control: u8, destination: u16, source: u16, user_data: &[u8]) -> Vec<u8> {
    assert!(
        user_data.len() <= 250,
        "a link frame carries at most 250 bytes"
    );
    let mut header = vec![0x05, 0x64, (5 + user_data.len()) as u8, control];
    header.extend_from_slice(&destination.to_le_bytes());
    header.extend_from_slice(&source.to_le_bytes());
    let mut out = header.clone();
    out.extend_from_slice(&crc16(&header).to_le_bytes());
    for block in user_data.chunks(16) {
        out.extend_from_slice(block);
        out.extend_from_slice(&crc16(block).to_le_bytes());
    }
    out
}

/// The DNP3 CRC: polynomial 0x3D65 (bit-reversed 0xA6BC), complemented.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xa6bc
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// An application object header with an 8-bit start/stop range.
fn range8(group: u8, variation: u8, start: u8, stop: u8) -> Vec<u8> {
    vec![group, variation, Q_RANGE8, start, stop]
}

/// The three event classes, or (with class 0) everything: an integrity poll.
fn class_objects(with_static: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for variation in [2, 3, 4] {
        out.extend_from_slice(&[60, variation, Q_ALL]);
    }
    if with_static {
        out.extend_from_slice(&[60, 1, Q_ALL]);
    }
    out
}

/// DNP3 time: milliseconds since the Unix epoch in six bytes.
fn dnp3_time(micros: i64) -> [u8; 6] {
    let millis = (micros / 1000) as u64;
    let b = millis.to_le_bytes();
    [b[0], b[1], b[2], b[3], b[4], b[5]]
}

/// Flag byte of a point that is online and not in trouble.
const FLAG_ONLINE: u8 = 0x01;

struct Dnp3Dialect {
    master: u16,
    outstation: u16,
    attributes: Vec<(u8, String)>,
    master_transport: u8,
    outstation_transport: u8,
    request_sequence: u8,
    unsolicited_sequence: u8,
    file_handle: u32,
    seed: u64,
}

impl Dnp3Dialect {
    /// Splits a fragment into transport segments and link frames, numbering segments in
    /// the sender's direction.
    fn frames(&mut self, from_master: bool, fragment: &[u8]) -> Vec<u8> {
        let (control, destination, source) = if from_master {
            (LINK_FROM_MASTER, self.outstation, self.master)
        } else {
            (LINK_FROM_OUTSTATION, self.master, self.outstation)
        };
        let chunks: Vec<&[u8]> = fragment.chunks(MAX_SEGMENT).collect();
        let mut out = Vec::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let counter = if from_master {
                &mut self.master_transport
            } else {
                &mut self.outstation_transport
            };
            let mut header = *counter & 0x3f;
            *counter = counter.wrapping_add(1) & 0x3f;
            if i == 0 {
                header |= 0x40;
            }
            if i + 1 == chunks.len() {
                header |= 0x80;
            }
            let mut segment = vec![header];
            segment.extend_from_slice(chunk);
            out.extend(link_frame(control, destination, source, &segment));
        }
        out
    }

    fn request_message(&mut self, fragment: &[u8]) -> Message {
        Message::request(self.frames(true, fragment))
    }

    fn response_message(&mut self, fragment: &[u8]) -> Message {
        Message::response(self.frames(false, fragment))
    }

    /// A request and its solicited response; the response asks for a confirm when it
    /// carries events, which the master then sends with the same sequence number.
    fn exchange(&mut self, function: u8, objects: &[u8], response_objects: &[u8]) -> Vec<Message> {
        self.exchange_confirmed(function, objects, response_objects, false)
    }

    fn exchange_confirmed(
        &mut self,
        function: u8,
        objects: &[u8],
        response_objects: &[u8],
        confirm: bool,
    ) -> Vec<Message> {
        let sequence = self.request_sequence;
        self.request_sequence = (self.request_sequence + 1) & 0x0f;
        let mut request = vec![APP_FIR | APP_FIN | sequence, function];
        request.extend_from_slice(objects);
        let control = APP_FIR | APP_FIN | if confirm { APP_CON } else { 0 } | sequence;
        // IIN: no flags raised (no restart pending, no buffer overflow, time is synced).
        let mut response = vec![control, FC_RESPONSE, 0x00, 0x00];
        response.extend_from_slice(response_objects);
        let mut out = vec![
            self.request_message(&request),
            self.response_message(&response),
        ];
        if confirm {
            out.push(self.request_message(&[APP_FIR | APP_FIN | sequence, FC_CONFIRM]));
        }
        out
    }

    fn analog_value(&self, index: usize, now_micros: i64) -> f32 {
        let (low, high) = ANALOG_INPUTS[index];
        process_value(self.seed, index as u32, now_micros, low, high) as f32
    }

    /// Analog input change events (g32v7: float with flag and time) for the points whose
    /// value moved enough this cycle.
    fn analog_events(&self, now_micros: i64, cycle: u64) -> Vec<u8> {
        let changed: Vec<usize> = (0..ANALOG_INPUTS.len())
            .filter(|i| (cycle + *i as u64).is_multiple_of(3) || *i == (cycle as usize % 6))
            .collect();
        let mut out = vec![32, 7, Q_INDEXED16];
        out.extend_from_slice(&(changed.len() as u16).to_le_bytes());
        for i in changed {
            out.extend_from_slice(&(i as u16).to_le_bytes());
            out.push(FLAG_ONLINE);
            out.extend_from_slice(&self.analog_value(i, now_micros).to_le_bytes());
            // Events are stamped when the outstation saw them, a little before the poll.
            out.extend_from_slice(&dnp3_time(now_micros - 150_000 * (i as i64 + 1)));
        }
        out
    }

    /// Static data: binary inputs with flags (g1v2) and analog inputs as floats (g30v5).
    fn static_data(&self, now_micros: i64) -> Vec<u8> {
        let mut out = range8(1, 2, 0, (BINARY_INPUTS - 1) as u8);
        for i in 0..BINARY_INPUTS {
            let on = process_value(self.seed, 100 + u32::from(i), now_micros, 0.0, 1.0) > 0.5;
            out.push(FLAG_ONLINE | if on { 0x80 } else { 0 });
        }
        out.extend(range8(30, 5, 0, (ANALOG_INPUTS.len() - 1) as u8));
        for i in 0..ANALOG_INPUTS.len() {
            out.extend_from_slice(&self.analog_value(i, now_micros).to_le_bytes());
            out.push(FLAG_ONLINE);
        }
        out
    }

    /// A control relay output block (g12v1) for one output: pulse on (close), one count,
    /// one second on.
    fn crob(status: u8) -> Vec<u8> {
        let mut out = vec![12, 1, Q_INDEXED16, 0x01, 0x00];
        out.extend_from_slice(&OPERATED_OUTPUT.to_le_bytes());
        out.push(0x41);
        out.push(1);
        out.extend_from_slice(&1000u32.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.push(status);
        out
    }

    /// One free-format g70 object of `variation` with its 16-bit size prefix.
    fn file_object(variation: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![70, variation, Q_SIZED16, 0x01];
        out.extend_from_slice(&(body.len() as u16).to_le_bytes());
        out.extend_from_slice(body);
        out
    }

    /// g70v4: the outstation's answer to open or close.
    fn file_command_status(handle: u32, size: u32, request_id: u16) -> Vec<u8> {
        let mut body = handle.to_le_bytes().to_vec();
        body.extend_from_slice(&size.to_le_bytes());
        body.extend_from_slice(&1024u16.to_le_bytes());
        body.extend_from_slice(&request_id.to_le_bytes());
        body.push(0);
        Self::file_object(4, &body)
    }

    fn program_download(&mut self, now_micros: i64) -> Vec<Message> {
        let content = config_file(self.seed);
        let request_id = (self.file_handle & 0xff) as u16;
        // g70v3 open: name offset and size, creation time, permissions (rw-r--r--),
        // authentication key, file size, mode 2 (write), maximum block, request id, name.
        let mut open = Vec::new();
        open.extend_from_slice(&26u16.to_le_bytes());
        open.extend_from_slice(&(CONFIG_FILE.len() as u16).to_le_bytes());
        open.extend_from_slice(&dnp3_time(now_micros));
        open.extend_from_slice(&0o644u16.to_le_bytes());
        open.extend_from_slice(&0u32.to_le_bytes());
        open.extend_from_slice(&(content.len() as u32).to_le_bytes());
        open.extend_from_slice(&2u16.to_le_bytes());
        open.extend_from_slice(&1024u16.to_le_bytes());
        open.extend_from_slice(&request_id.to_le_bytes());
        open.extend_from_slice(CONFIG_FILE.as_bytes());
        let handle = self.file_handle;
        self.file_handle = self.file_handle.wrapping_add(1);
        let mut out = self.exchange(
            FC_OPEN_FILE,
            &Self::file_object(3, &open),
            &Self::file_command_status(handle, 0, request_id),
        );
        let blocks: Vec<&[u8]> = content.chunks(512).collect();
        for (number, block) in blocks.iter().enumerate() {
            let last = if number + 1 == blocks.len() {
                0x8000_0000
            } else {
                0
            };
            let block_number = number as u32 | last;
            let mut transport = handle.to_le_bytes().to_vec();
            transport.extend_from_slice(&block_number.to_le_bytes());
            transport.extend_from_slice(block);
            let mut status = handle.to_le_bytes().to_vec();
            status.extend_from_slice(&block_number.to_le_bytes());
            status.push(0);
            out.extend(self.exchange(
                FC_WRITE,
                &Self::file_object(5, &transport),
                &Self::file_object(6, &status),
            ));
        }
        let mut close = handle.to_le_bytes().to_vec();
        close.extend_from_slice(&0u32.to_le_bytes());
        close.extend_from_slice(&0u16.to_le_bytes());
        close.extend_from_slice(&request_id.to_le_bytes());
        close.push(0);
        out.extend(self.exchange(
            FC_CLOSE_FILE,
            &Self::file_object(4, &close),
            &Self::file_command_status(handle, 0, request_id),
        ));
        out
    }
}

/// A point configuration file as an RTU's engineering tool writes it.
fn config_file(seed: u64) -> Vec<u8> {
    let mut text =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<RtuConfiguration>\r\n");
    for (i, (low, high)) in ANALOG_INPUTS.iter().enumerate() {
        let deadband = (high - low) / 100.0 * (1.0 + (seed >> (i * 4) & 0x3) as f64);
        text.push_str(&format!(
            "  <AnalogInput index=\"{i}\" class=\"{}\" deadband=\"{deadband:.2}\" low=\"{low}\" high=\"{high}\"/>\r\n",
            1 + i % 3
        ));
    }
    for i in 0..BINARY_INPUTS {
        text.push_str(&format!(
            "  <BinaryInput index=\"{i}\" class=\"1\" debounce_ms=\"20\"/>\r\n"
        ));
    }
    text.push_str("</RtuConfiguration>\r\n");
    text.into_bytes()
}

impl Dialect for Dnp3Dialect {
    fn protocol(&self) -> &'static str {
        "dnp3"
    }

    fn transport(&self) -> Transport {
        Transport::Tcp {
            port: DNP3_TCP_PORT,
        }
    }

    fn session_start(&mut self) -> Vec<Message> {
        // The master learns the whole state first, then lets the outstation report
        // changes of classes 1 to 3 on its own.
        let now = 0;
        let static_data = self.static_data(now);
        let mut out = self.exchange(FC_READ, &class_objects(true), &static_data);
        let unsolicited_classes: Vec<u8> =
            [2u8, 3, 4].iter().flat_map(|v| [60, *v, Q_ALL]).collect();
        out.extend(self.exchange(FC_ENABLE_UNSOLICITED, &unsolicited_classes, &[]));
        out
    }

    fn identify(&mut self) -> Vec<Message> {
        let mut response = Vec::new();
        for (variation, value) in &self.attributes {
            response.extend(range8(0, *variation, 0, 0));
            response.push(ATTR_TYPE_VISIBLE_STRING);
            response.push(value.len() as u8);
            response.extend_from_slice(value.as_bytes());
        }
        self.exchange(FC_READ, &[0, ATTR_ALL, Q_ALL], &response)
    }

    fn reveals(&self) -> &'static [Revealed] {
        &[
            Revealed::Vendor,
            Revealed::Model,
            Revealed::Firmware,
            Revealed::Hardware,
            Revealed::Serial,
            Revealed::Name,
        ]
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let mut out = Vec::new();
        if poll.cycle % 4 == 1 {
            // A change the outstation reported on its own between two polls.
            let sequence = self.unsolicited_sequence;
            self.unsolicited_sequence = (self.unsolicited_sequence + 1) & 0x0f;
            let control = APP_FIR | APP_FIN | APP_CON | APP_UNS | sequence;
            let mut fragment = vec![control, FC_UNSOLICITED_RESPONSE, 0x00, 0x00];
            fragment.extend(self.analog_events(poll.now_micros - 400_000, poll.cycle + 1));
            out.push(self.response_message(&fragment));
            let confirm = [APP_FIR | APP_FIN | APP_UNS | sequence, FC_CONFIRM];
            out.push(self.request_message(&confirm));
        }
        let events = self.analog_events(poll.now_micros, poll.cycle);
        out.extend(self.exchange_confirmed(FC_READ, &class_objects(false), &events, true));
        out
    }

    fn action(&mut self, kind: ActionKind, poll: &PollContext) -> Option<Vec<Message>> {
        Some(match kind {
            ActionKind::Write => {
                let crob = Self::crob(0);
                let mut out = self.exchange(FC_SELECT, &crob, &crob);
                out.extend(self.exchange(FC_OPERATE, &crob, &crob));
                out
            }
            ActionKind::Restart => {
                // g52v2: the outstation says how long until it answers again (ms).
                let mut delay = vec![52, 2, Q_COUNT8, 1];
                delay.extend_from_slice(&5000u16.to_le_bytes());
                self.exchange(FC_COLD_RESTART, &[], &delay)
            }
            // g90v1 with "all": every application on the outstation.
            ActionKind::PlcStop => self.exchange(FC_STOP_APPL, &[90, 1, Q_ALL], &[]),
            ActionKind::PlcStart => self.exchange(FC_START_APPL, &[90, 1, Q_ALL], &[]),
            ActionKind::ProgramDownload => self.program_download(poll.now_micros),
            // Uploads and firmware go through the same file functions; a configuration
            // download is the one a DNP3 engineering tool is known for.
            ActionKind::ProgramUpload | ActionKind::FirmwareUpdate => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing::{self, hex};

    /// Strips link headers and CRCs and transport headers: the application fragments.
    fn fragments(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut current = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let length = usize::from(bytes[at + 2]) - 5;
            let mut user = Vec::new();
            let mut p = at + 10;
            let mut left = length;
            while left > 0 {
                let n = left.min(16);
                user.extend_from_slice(&bytes[p..p + n]);
                p += n + 2;
                left -= n;
            }
            at = p;
            current.extend_from_slice(&user[1..]);
            if user[0] & 0x80 != 0 {
                out.push(std::mem::take(&mut current));
            }
        }
        out
    }

    #[test]
    fn every_action_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("dnp3", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "dnp3");
    }

    #[test]
    fn device_attributes_carry_the_scenario_identity() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let messages = dialect.identify();
        let response = &fragments(&messages[1].payload)[0];
        let mut found = Vec::new();
        let mut at = 4;
        while at < response.len() {
            assert_eq!(response[at], 0);
            let variation = response[at + 1];
            let len = usize::from(response[at + 6]);
            let text = String::from_utf8(response[at + 7..at + 7 + len].to_vec()).unwrap();
            found.push((variation, text));
            at += 7 + len;
        }
        assert!(
            found.contains(&(252, "Schneider Electric".into())),
            "{found:?}"
        );
        assert!(found.contains(&(250, "BMX P34 2020".into())));
        assert!(found.contains(&(242, "V3.10".into())));
        assert!(found.contains(&(243, "PV 03".into())));
        assert!(found.contains(&(248, "20190412-0042".into())));
        assert!(found.contains(&(247, "PLC-LINE1".into())));
    }

    /// cold_restart_and_response.pcap frame 4: COLD_RESTART from master 1 to outstation
    /// 10, transport and application sequence 0.
    #[test]
    fn cold_restart_frame_matches_a_captured_one() {
        let captured = hex("056408c40a000100fc42c0c00d9c86");
        assert_eq!(
            link_frame(LINK_FROM_MASTER, 10, 1, &[0xc0, 0xc0, FC_COLD_RESTART]),
            captured
        );
    }

    /// dnp3_file_write.pcap frame 6: the OPEN_FILE response, 24 bytes of user data in two
    /// CRC blocks.
    #[test]
    fn multi_block_frame_matches_a_captured_one() {
        let captured =
            hex("05641d44030004008308fdc681000046045b010d007856341200a35400000000040600004476");
        let user = hex("fdc681000046045b010d0078563412000000000004060000");
        assert_eq!(link_frame(0x44, 3, 4, &user), captured);
    }

    #[test]
    fn long_fragments_are_segmented_and_sequenced() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let messages = dialect
            .action(
                ActionKind::ProgramDownload,
                &PollContext {
                    now_micros: 1_772_438_400_000_000,
                    cycle: 4,
                },
            )
            .unwrap();
        let write = &messages[2].payload;
        let frames = fragments(write);
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0][1], FC_WRITE);
        assert!(frames[0].len() > MAX_SEGMENT, "{}", frames[0].len());
        let text = String::from_utf8_lossy(&fragments(&messages[0].payload)[0]).to_string();
        assert!(text.contains(CONFIG_FILE), "{text}");
    }

    #[test]
    fn polls_move_and_sequences_advance() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let a = dialect.poll(&PollContext {
            now_micros: 1_772_438_400_000_000,
            cycle: 0,
        });
        let b = dialect.poll(&PollContext {
            now_micros: 1_772_438_460_000_000,
            cycle: 1,
        });
        // Cycle 1 opens with an unsolicited response and the master's confirm of it.
        let unsolicited = &fragments(&b[0].payload)[0];
        assert_eq!(b[0].from, crate::frame::Side::Server);
        assert_eq!(unsolicited[1], FC_UNSOLICITED_RESPONSE);
        assert_eq!(unsolicited[0] & (APP_UNS | APP_CON), APP_UNS | APP_CON);
        assert_eq!(fragments(&b[1].payload)[0][1], FC_CONFIRM);
        let first = &fragments(&a[0].payload)[0];
        let second = &fragments(&b[2].payload)[0];
        assert_eq!(second[1], FC_READ);
        assert_eq!((first[0] + 1) & 0x0f, second[0] & 0x0f);
        assert_ne!(a[1].payload, b[3].payload);
    }
}
