//! OPC UA binary (UA TCP on 4840) as a SCADA client or historian speaks it to a server:
//! Hello/Acknowledge, a secure channel with security policy None, an anonymous session,
//! GetEndpoints and a Read of the server's BuildInfo for identity, cyclic Reads of process
//! variables and an operator's Write.
//!
//! Security policy None with an anonymous user is what many plant networks still run, and
//! what a passive monitor can read; a signed or encrypted channel would hide every service
//! body from it.

use super::Entry;
use crate::dialect::{
    process_value, ActionKind, DeviceSpec, Dialect, DialectContext, DialectError, DialectRng,
    Message, PollContext, Revealed, Transport,
};

pub const ENTRY: Entry = Entry {
    name: "opcua",
    description: "OPC UA binary on 4840: secure channel (policy None), anonymous session, GetEndpoints and BuildInfo identity, Read polling, Write",
    build,
};

pub const OPCUA_TCP_PORT: u16 = 4840;

const SECURITY_POLICY_NONE: &str = "http://opcfoundation.org/UA/SecurityPolicy#None";
const TRANSPORT_PROFILE_BINARY: &str =
    "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary";

/// Binary encoding ids of the service messages used here (the `_Encoding_DefaultBinary`
/// nodes of the standard namespace).
mod encoding {
    pub const GET_ENDPOINTS_REQUEST: u32 = 428;
    pub const GET_ENDPOINTS_RESPONSE: u32 = 431;
    pub const OPEN_SECURE_CHANNEL_REQUEST: u32 = 446;
    pub const OPEN_SECURE_CHANNEL_RESPONSE: u32 = 449;
    pub const CLOSE_SECURE_CHANNEL_REQUEST: u32 = 452;
    pub const CREATE_SESSION_REQUEST: u32 = 461;
    pub const CREATE_SESSION_RESPONSE: u32 = 464;
    pub const ACTIVATE_SESSION_REQUEST: u32 = 467;
    pub const ACTIVATE_SESSION_RESPONSE: u32 = 470;
    pub const CLOSE_SESSION_REQUEST: u32 = 473;
    pub const CLOSE_SESSION_RESPONSE: u32 = 476;
    pub const READ_REQUEST: u32 = 631;
    pub const READ_RESPONSE: u32 = 634;
    pub const WRITE_REQUEST: u32 = 673;
    pub const WRITE_RESPONSE: u32 = 676;
    pub const ANONYMOUS_IDENTITY_TOKEN: u32 = 321;
}

/// Server_ServerStatus_BuildInfo children (namespace 0).
const BUILD_INFO_PRODUCT_NAME: u32 = 2261;
const BUILD_INFO_PRODUCT_URI: u32 = 2262;
const BUILD_INFO_MANUFACTURER_NAME: u32 = 2263;
const BUILD_INFO_SOFTWARE_VERSION: u32 = 2264;

const ATTRIBUTE_VALUE: u32 = 13;
const VARIANT_DOUBLE: u8 = 11;
const VARIANT_STRING: u8 = 12;
/// The namespace a typical server puts its process objects in.
const PROCESS_NAMESPACE: u16 = 2;

/// Process variables read every cycle, with their plausible range.
const POLLED: [(&str, f64, f64); 4] = [
    ("Line1.Tank1.Level", 0.5, 4.5),
    ("Line1.Tank1.Temperature", 18.0, 65.0),
    ("Line1.Pump1.Flow", 0.0, 120.0),
    ("Line1.Pump1.Pressure", 1.0, 6.5),
];
const SETPOINT: &str = "Line1.Tank1.LevelSetpoint";

/// Ticks of 100 ns between 1601-01-01 (the OPC UA epoch) and 1970-01-01.
const EPOCH_1601_TICKS: i64 = 116_444_736_000_000_000;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    let server = context.server;
    let application_uri = match server.param_text("opcua_application_uri") {
        Some("") => {
            return Err(DialectError::Device {
                device: server.name.clone(),
                message: "opcua_application_uri is empty".into(),
            })
        }
        Some(uri) => uri.to_string(),
        None => format!("urn:{}:OPCUA:Server", server.station_name()),
    };
    let mut rng = DialectRng::new(context.seed);
    Ok(Box::new(OpcUaDialect {
        server: server.clone(),
        client_name: context.client.station_name().to_string(),
        application_uri,
        endpoint_url: format!("opc.tcp://{}:{OPCUA_TCP_PORT}", server.ip),
        seed: context.seed,
        channel_id: rng.range(1, 0xffff) as u32,
        token_id: rng.range(1, 0xff) as u32,
        sequence: [rng.range(1, 50) as u32, rng.range(1, 50) as u32],
        request_id: 0,
        request_handle: rng.range(1, 1000) as u32,
        authentication_token: rng.next_u32(),
        session_id: rng.next_u32(),
        now_micros: None,
    }))
}

struct OpcUaDialect {
    server: DeviceSpec,
    client_name: String,
    application_uri: String,
    endpoint_url: String,
    seed: u64,
    channel_id: u32,
    token_id: u32,
    /// Next sequence number of the client and of the server: each side counts its own.
    sequence: [u32; 2],
    request_id: u32,
    request_handle: u32,
    authentication_token: u32,
    session_id: u32,
    /// Time of the latest poll or action, for request and response timestamps; before the
    /// first one the timestamps are left null, which the standard allows.
    now_micros: Option<i64>,
}

impl OpcUaDialect {
    fn timestamp(&self) -> i64 {
        self.now_micros.map_or(0, |t| t * 10 + EPOCH_1601_TICKS)
    }

    fn request_header(&mut self, authenticated: bool) -> Writer {
        self.request_handle = self.request_handle.wrapping_add(1);
        let mut w = Writer::default();
        if authenticated {
            w.numeric_node(0, self.authentication_token);
        } else {
            w.two_byte_node(0);
        }
        w.i64(self.timestamp());
        w.u32(self.request_handle);
        w.u32(0); // no diagnostics asked for
        w.null_string();
        w.u32(10_000); // timeout hint, ms
        w.empty_extension_object();
        w
    }

    fn response_header(&self) -> Writer {
        let mut w = Writer::default();
        // The server answers a moment after the request; a millisecond is what a lightly
        // loaded server shows.
        let ts = if self.now_micros.is_some() {
            self.timestamp() + 10_000
        } else {
            0
        };
        w.i64(ts);
        w.u32(self.request_handle);
        w.u32(0); // Good
        w.u8(0); // no diagnostic info
        w.i32(-1); // no string table
        w.empty_extension_object();
        w
    }

    fn next_sequence(&mut self, side: usize) -> u32 {
        let s = self.sequence[side];
        self.sequence[side] = s.wrapping_add(1);
        s
    }

    /// A request and its response on the secure channel as MSG chunks.
    fn exchange(
        &mut self,
        request_type: u32,
        request: Writer,
        response_type: u32,
        response: Writer,
    ) -> Vec<Message> {
        self.request_id = self.request_id.wrapping_add(1);
        let id = self.request_id;
        let (q, r) = (self.next_sequence(0), self.next_sequence(1));
        vec![
            Message::request(self.symmetric(b"MSG", q, id, request_type, &request.0)),
            Message::response(self.symmetric(b"MSG", r, id, response_type, &response.0)),
        ]
    }

    fn symmetric(
        &self,
        kind: &[u8; 3],
        sequence: u32,
        request_id: u32,
        type_id: u32,
        body: &[u8],
    ) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(self.channel_id);
        w.u32(self.token_id);
        w.u32(sequence);
        w.u32(request_id);
        w.four_byte_node(type_id);
        w.bytes(body);
        chunk(kind, &w.0)
    }

    fn open_secure_channel(&mut self) -> Vec<Message> {
        self.request_id = self.request_id.wrapping_add(1);
        let id = self.request_id;
        let mut request = self.request_header(false);
        request.u32(0); // client protocol version
        request.u32(0); // issue a token
        request.u32(1); // security mode None
        request.byte_string(&[0]);
        request.u32(3_600_000);
        let mut response = self.response_header();
        response.u32(0); // server protocol version
        response.u32(self.channel_id);
        response.u32(self.token_id);
        response.i64(self.timestamp());
        response.u32(3_600_000);
        response.byte_string(&[0]);
        let (q, r) = (self.next_sequence(0), self.next_sequence(1));
        vec![
            Message::request(asymmetric(
                0,
                q,
                id,
                encoding::OPEN_SECURE_CHANNEL_REQUEST,
                &request.0,
            )),
            Message::response(asymmetric(
                self.channel_id,
                r,
                id,
                encoding::OPEN_SECURE_CHANNEL_RESPONSE,
                &response.0,
            )),
        ]
    }

    fn application_name(&self) -> String {
        let s = &self.server;
        match (&s.vendor, &s.model) {
            (Some(v), Some(m)) => format!("{v} {m}"),
            (Some(v), None) => format!("{v} OPC UA Server"),
            (None, Some(m)) => m.clone(),
            (None, None) => format!("{} OPC UA Server", s.station_name()),
        }
    }

    fn product_uri(&self) -> String {
        let slug = |t: &str| {
            t.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        };
        let vendor = self.server.vendor.as_deref().map_or("opcua".into(), slug);
        let model = self.server.model.as_deref().map_or("server".into(), slug);
        format!("urn:{vendor}:{model}")
    }

    fn server_description(&self, w: &mut Writer) {
        w.string(&self.application_uri);
        w.string(&self.product_uri());
        w.localized_text("en", &self.application_name());
        w.u32(0); // Server
        w.null_string();
        w.null_string();
        w.i32(1);
        w.string(&self.endpoint_url);
    }

    fn endpoints(&self, w: &mut Writer) {
        w.i32(1);
        w.string(&self.endpoint_url);
        self.server_description(w);
        w.null_byte_string(); // no certificate with policy None
        w.u32(1); // MessageSecurityMode None
        w.string(SECURITY_POLICY_NONE);
        w.i32(1);
        w.string("anonymous");
        w.u32(0); // Anonymous
        w.null_string();
        w.null_string();
        w.null_string();
        w.string(TRANSPORT_PROFILE_BINARY);
        w.u8(0);
    }

    fn variable(name: &str) -> NodeIdRef<'_> {
        NodeIdRef::String(PROCESS_NAMESPACE, name)
    }

    fn read(
        &mut self,
        nodes: &[NodeIdRef<'_>],
        values: &[Variant],
        source_timestamps: bool,
    ) -> Vec<Message> {
        let mut request = self.request_header(true);
        request.f64(0.0); // max age: the current value
        request.u32(if source_timestamps { 2 } else { 3 }); // both / neither
        request.i32(nodes.len() as i32);
        for node in nodes {
            request.node(node);
            request.u32(ATTRIBUTE_VALUE);
            request.null_string();
            request.u16(0);
            request.null_string();
        }
        let mut response = self.response_header();
        response.i32(values.len() as i32);
        let ts = self.timestamp();
        for value in values {
            if source_timestamps {
                response.u8(0x01 | 0x04 | 0x08);
                response.variant(value);
                response.i64(ts - 2_500_000); // sampled 250 ms earlier
                response.i64(ts);
            } else {
                response.u8(0x01);
                response.variant(value);
            }
        }
        response.i32(-1);
        self.exchange(
            encoding::READ_REQUEST,
            request,
            encoding::READ_RESPONSE,
            response,
        )
    }
}

impl Dialect for OpcUaDialect {
    fn protocol(&self) -> &'static str {
        "opcua"
    }

    fn transport(&self) -> Transport {
        Transport::Tcp {
            port: OPCUA_TCP_PORT,
        }
    }

    fn session_start(&mut self) -> Vec<Message> {
        let mut hello = Writer::default();
        hello.u32(0);
        hello.u32(65_536);
        hello.u32(65_536);
        hello.u32(0);
        hello.u32(0);
        hello.string(&self.endpoint_url);
        let mut ack = Writer::default();
        ack.u32(0);
        ack.u32(65_536);
        ack.u32(65_536);
        ack.u32(16_777_216);
        ack.u32(5_000);
        let mut out = vec![
            Message::request(chunk(b"HEL", &hello.0)),
            Message::response(chunk(b"ACK", &ack.0)),
        ];
        out.extend(self.open_secure_channel());

        let mut request = self.request_header(false);
        request.string("urn:scada:client"); // client description
        request.string("urn:scada:client:product");
        request.localized_text("en", &format!("{} SCADA client", self.client_name));
        request.u32(1); // Client
        request.null_string();
        request.null_string();
        request.i32(0);
        request.string(&self.application_uri);
        request.string(&self.endpoint_url);
        request.string(&format!("{} session", self.client_name));
        let mut nonce = DialectRng::new(self.seed ^ 0x0c11);
        let client_nonce: Vec<u8> = (0..32).map(|_| nonce.next_u32() as u8).collect();
        request.byte_string(&client_nonce);
        request.null_byte_string();
        request.f64(1_200_000.0);
        request.u32(0);
        let mut response = self.response_header();
        response.numeric_node(1, self.session_id);
        response.numeric_node(0, self.authentication_token);
        response.f64(1_200_000.0);
        let server_nonce: Vec<u8> = (0..32).map(|_| nonce.next_u32() as u8).collect();
        response.byte_string(&server_nonce);
        response.null_byte_string();
        self.endpoints(&mut response);
        response.i32(0); // no software certificates
        response.null_string();
        response.null_byte_string();
        response.u32(0);
        out.extend(self.exchange(
            encoding::CREATE_SESSION_REQUEST,
            request,
            encoding::CREATE_SESSION_RESPONSE,
            response,
        ));

        let mut request = self.request_header(true);
        request.null_string(); // client signature: none with policy None
        request.null_byte_string();
        request.i32(0);
        request.i32(1);
        request.string("en");
        let mut token = Writer::default();
        token.string("anonymous");
        request.extension_object(encoding::ANONYMOUS_IDENTITY_TOKEN, &token.0);
        request.null_string();
        request.null_byte_string();
        let mut response = self.response_header();
        let server_nonce: Vec<u8> = (0..32).map(|_| nonce.next_u32() as u8).collect();
        response.byte_string(&server_nonce);
        response.i32(0);
        response.i32(0);
        out.extend(self.exchange(
            encoding::ACTIVATE_SESSION_REQUEST,
            request,
            encoding::ACTIVATE_SESSION_RESPONSE,
            response,
        ));
        out
    }

    fn identify(&mut self) -> Vec<Message> {
        let mut request = self.request_header(true);
        request.string(&self.endpoint_url);
        request.i32(0);
        request.i32(1);
        request.string(TRANSPORT_PROFILE_BINARY);
        let mut response = self.response_header();
        self.endpoints(&mut response);
        let mut out = self.exchange(
            encoding::GET_ENDPOINTS_REQUEST,
            request,
            encoding::GET_ENDPOINTS_RESPONSE,
            response,
        );

        let s = &self.server;
        let mut nodes = Vec::new();
        let mut values = Vec::new();
        let product_uri = self.product_uri();
        for (id, value) in [
            (BUILD_INFO_PRODUCT_NAME, s.model.clone()),
            (BUILD_INFO_PRODUCT_URI, Some(product_uri)),
            (BUILD_INFO_MANUFACTURER_NAME, s.vendor.clone()),
            (BUILD_INFO_SOFTWARE_VERSION, s.firmware.clone()),
        ] {
            if let Some(v) = value {
                nodes.push(NodeIdRef::Numeric(0, id));
                values.push(Variant::String(v));
            }
        }
        out.extend(self.read(&nodes, &values, false));
        out
    }

    fn reveals(&self) -> &'static [Revealed] {
        &[Revealed::Vendor, Revealed::Model, Revealed::Firmware]
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        self.now_micros = Some(poll.now_micros);
        let nodes: Vec<NodeIdRef<'_>> = POLLED.iter().map(|(n, _, _)| Self::variable(n)).collect();
        let values: Vec<Variant> = POLLED
            .iter()
            .enumerate()
            .map(|(i, (_, lo, hi))| {
                Variant::Double(process_value(
                    self.seed,
                    i as u32,
                    poll.now_micros,
                    *lo,
                    *hi,
                ))
            })
            .collect();
        self.read(&nodes, &values, true)
    }

    fn action(&mut self, kind: ActionKind, poll: &PollContext) -> Option<Vec<Message>> {
        if kind != ActionKind::Write {
            // Program transfer, run state and firmware have no standard OPC UA service;
            // vendors expose them as methods of their own information models.
            return None;
        }
        self.now_micros = Some(poll.now_micros);
        let value = process_value(self.seed, 40, poll.now_micros, 1.0, 4.0);
        let value = (value * 10.0).round() / 10.0;
        let mut request = self.request_header(true);
        request.i32(1);
        request.node(&Self::variable(SETPOINT));
        request.u32(ATTRIBUTE_VALUE);
        request.null_string();
        request.u8(0x01);
        request.variant(&Variant::Double(value));
        let mut response = self.response_header();
        response.i32(1);
        response.u32(0);
        response.i32(-1);
        Some(self.exchange(
            encoding::WRITE_REQUEST,
            request,
            encoding::WRITE_RESPONSE,
            response,
        ))
    }

    fn session_end(&mut self) -> Vec<Message> {
        let mut request = self.request_header(true);
        request.u8(1); // delete subscriptions
        let response = self.response_header();
        let mut out = self.exchange(
            encoding::CLOSE_SESSION_REQUEST,
            request,
            encoding::CLOSE_SESSION_RESPONSE,
            response,
        );
        self.request_id = self.request_id.wrapping_add(1);
        let id = self.request_id;
        let sequence = self.next_sequence(0);
        let request = self.request_header(true);
        out.push(Message::request(self.symmetric(
            b"CLO",
            sequence,
            id,
            encoding::CLOSE_SECURE_CHANNEL_REQUEST,
            &request.0,
        )));
        out
    }
}

// ------------------------------------------------------------------------- encoding

/// One final chunk ('F') of a message: type, size, body.
fn chunk(kind: &[u8; 3], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(kind);
    out.push(b'F');
    out.extend_from_slice(&((body.len() + 8) as u32).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// An OPN chunk: the asymmetric security header names policy None and carries no
/// certificates.
fn asymmetric(
    channel_id: u32,
    sequence: u32,
    request_id: u32,
    type_id: u32,
    body: &[u8],
) -> Vec<u8> {
    let mut w = Writer::default();
    w.u32(channel_id);
    w.string(SECURITY_POLICY_NONE);
    w.null_byte_string();
    w.null_byte_string();
    w.u32(sequence);
    w.u32(request_id);
    w.four_byte_node(type_id);
    w.bytes(body);
    chunk(b"OPN", &w.0)
}

enum NodeIdRef<'a> {
    Numeric(u16, u32),
    String(u16, &'a str),
}

enum Variant {
    Double(f64),
    String(String),
}

/// OPC UA binary encoding: little-endian, length-prefixed strings, -1 for null.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, v: &[u8]) {
        self.0.extend_from_slice(v);
    }
    fn string(&mut self, s: &str) {
        self.byte_string(s.as_bytes());
    }
    fn null_string(&mut self) {
        self.i32(-1);
    }
    fn byte_string(&mut self, v: &[u8]) {
        self.i32(v.len() as i32);
        self.bytes(v);
    }
    fn null_byte_string(&mut self) {
        self.i32(-1);
    }
    fn localized_text(&mut self, locale: &str, text: &str) {
        self.u8(0x03);
        self.string(locale);
        self.string(text);
    }
    fn two_byte_node(&mut self, id: u8) {
        self.u8(0x00);
        self.u8(id);
    }
    fn four_byte_node(&mut self, id: u32) {
        debug_assert!(id <= 0xffff);
        self.u8(0x01);
        self.u8(0);
        self.u16(id as u16);
    }
    fn numeric_node(&mut self, namespace: u16, id: u32) {
        self.u8(0x02);
        self.u16(namespace);
        self.u32(id);
    }
    fn node(&mut self, node: &NodeIdRef<'_>) {
        match node {
            NodeIdRef::Numeric(ns, id) if *ns == 0 && *id <= 0xff => self.two_byte_node(*id as u8),
            NodeIdRef::Numeric(ns, id) if *ns <= 0xff && *id <= 0xffff => {
                self.u8(0x01);
                self.u8(*ns as u8);
                self.u16(*id as u16);
            }
            NodeIdRef::Numeric(ns, id) => self.numeric_node(*ns, *id),
            NodeIdRef::String(ns, name) => {
                self.u8(0x03);
                self.u16(*ns);
                self.string(name);
            }
        }
    }
    fn empty_extension_object(&mut self) {
        self.two_byte_node(0);
        self.u8(0x00);
    }
    fn extension_object(&mut self, type_id: u32, body: &[u8]) {
        self.four_byte_node(type_id);
        self.u8(0x01);
        self.byte_string(body);
    }
    fn variant(&mut self, v: &Variant) {
        match v {
            Variant::Double(d) => {
                self.u8(VARIANT_DOUBLE);
                self.f64(*d);
            }
            Variant::String(s) => {
                self.u8(VARIANT_STRING);
                self.string(s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    #[test]
    fn every_action_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("opcua", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "opcua");
    }

    #[test]
    fn endpoints_and_build_info_carry_the_scenario_identity() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        dialect.session_start();
        let messages = dialect.identify();
        assert_eq!(messages.len(), 4);
        let endpoints = String::from_utf8_lossy(&messages[1].payload).into_owned();
        assert!(
            endpoints.contains("Schneider Electric BMX P34 2020"),
            "{endpoints:?}"
        );
        assert!(
            endpoints.contains("urn:PLC-LINE1:OPCUA:Server"),
            "{endpoints:?}"
        );
        let build_info = &messages[3].payload;
        for expected in ["BMX P34 2020", "Schneider Electric", "V3.10"] {
            let mut encoded = vec![VARIANT_STRING];
            encoded.extend_from_slice(&(expected.len() as i32).to_le_bytes());
            encoded.extend_from_slice(expected.as_bytes());
            assert!(
                build_info.windows(encoded.len()).any(|w| w == encoded),
                "{expected} missing from the BuildInfo read"
            );
        }
    }

    #[test]
    fn the_application_uri_parameter_is_used() {
        let mut server = testing::sample_server();
        server.params.insert(
            "opcua_application_uri".into(),
            crate::dialect::ParamValue::Text("urn:plant:line1:plc".into()),
        );
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        dialect.session_start();
        let text = String::from_utf8_lossy(&dialect.identify()[1].payload).into_owned();
        assert!(text.contains("urn:plant:line1:plc"), "{text:?}");
    }

    /// The Hello of open62541's client in the ICSNPP `opcua_with-gap` capture:
    /// version 0, 65536-octet buffers, no limits, endpoint opc.tcp://192.168.11.34:4840.
    #[test]
    fn hello_matches_a_captured_frame() {
        let mut hello = Writer::default();
        for v in [0, 65_536, 65_536, 0, 0] {
            hello.u32(v);
        }
        hello.string("opc.tcp://192.168.11.34:4840");
        let mut expected = b"HELF\x3c\x00\x00\x00".to_vec();
        expected.extend_from_slice(&[
            0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1c, 0, 0, 0,
        ]);
        expected.extend_from_slice(b"opc.tcp://192.168.11.34:4840");
        assert_eq!(chunk(b"HEL", &hello.0), expected);
    }
}
