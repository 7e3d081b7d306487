//! The demo plant: five minutes of a small, flat Modbus/TCP process network.
//!
//! This is the capture behind `otwatch`'s demo, its documentation and its end-to-end tests.
//! Two PLCs are polled by an HMI every second; the HMI and an engineering workstation get
//! their addresses by DHCP and resolve names through the router; at about two minutes in the
//! workstation identifies PLC-1 and changes a setpoint. [`DemoTruth`] records what a correct
//! analysis has to find. Output depends only on the seed, so tests can compare captures byte
//! for byte and the truth can be regenerated instead of checked in.

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::dhcp::{self, DhcpMessage};
use crate::dns;
use crate::frame::{self, Endpoint, MacAddr, Side, TcpSession, TimedFrame};
use crate::modbus;
use crate::pcap::PcapWriter;
use crate::rng::SplitMix64;

/// 2026-03-02 08:00:00 UTC, in microseconds since the Unix epoch.
pub const DEMO_START_MICROS: i64 = 1_772_438_400_000_000;
pub const DEMO_DURATION_MICROS: i64 = 300 * SEC;
pub const DEMO_SUBNET: &str = "10.20.1.0/24";
pub const DEMO_DOMAIN: &str = "plant.local";
pub const DEFAULT_SEED: u64 = 1;

/// Resolved by the engineering workstation but never present on the capture.
pub const HISTORIAN_IP: Ipv4Addr = Ipv4Addr::new(10, 20, 1, 80);

const MS: i64 = 1_000;
const SEC: i64 = 1_000_000;

const SUBNET_MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
const LEASE_SECONDS: u32 = 86_400;
const DNS_TTL: u32 = 3_600;
/// What Windows DHCP clients send in option 60.
const WINDOWS_VENDOR_CLASS: &str = "MSFT 5.0";
/// Option 55 as sent by Windows 10 and later.
const WINDOWS_PARAMETER_LIST: [u8; 14] = [1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252];

const PLC1_UNIT_ID: u8 = 1;
const PLC2_UNIT_ID: u8 = 255;

const HR_LEVEL: usize = 0;
const HR_TEMPERATURE: usize = 1;
const HR_INLET_POSITION: usize = 2;
const HR_PUMP_SPEED: usize = 3;
const HR_PUMP_SETPOINT: usize = 4;
const HR_STATUS: usize = 5;
const HR_ALARMS: usize = 6;
const HR_RUN_HOURS: usize = 7;
const HR_SCAN_COUNTER: usize = 8;
const HR_HEARTBEAT: usize = 9;
const HR_HIGH_LEVEL_LIMIT: usize = 10;
const HOLDING_REGISTERS: usize = 12;
const POLLED_REGISTERS: u16 = 10;

const COIL_PUMP_RUNNING: usize = 0;
const COIL_INLET_OPEN: usize = 1;
const COIL_OUTLET_OPEN: usize = 2;
const COIL_HEATER_ON: usize = 3;
const COIL_AUTO_MODE: usize = 5;
const COILS: usize = 16;

/// The generated capture and what an analysis of it should report.
#[derive(Debug, Clone)]
pub struct DemoPlant {
    pub pcap: Vec<u8>,
    pub truth: DemoTruth,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoTruth {
    pub seed: u64,
    pub subnet: String,
    pub first_packet_micros: i64,
    pub last_packet_micros: i64,
    pub packet_count: usize,
    pub devices: Vec<DeviceTruth>,
    pub conversations: Vec<ConversationTruth>,
    pub events: Vec<EventTruth>,
}

impl DemoTruth {
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("truth contains only JSON-representable data")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceRole {
    Plc,
    Hmi,
    EngineeringWorkstation,
    Router,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceTruth {
    pub name: String,
    pub role: DeviceRole,
    /// Lower-case, colon-separated.
    pub mac: String,
    pub ip: Ipv4Addr,
    /// Only where the device announces one on the wire (DHCP option 12).
    pub hostname: Option<String>,
    /// Manufacturer an OUI lookup of `mac` should yield.
    pub vendor: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppProtocol {
    ModbusTcp,
    Dhcp,
    Dns,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Tcp,
    Udp,
}

/// A client/server relationship. For DHCP the client is named by the address it leased,
/// although its first messages are sent from 0.0.0.0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversationTruth {
    pub client_ip: Ipv4Addr,
    pub server_ip: Ipv4Addr,
    pub protocol: AppProtocol,
    pub transport: Transport,
    pub server_port: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    ModbusWrite,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventTruth {
    /// Timestamp of the request frame.
    pub ts_micros: i64,
    pub kind: EventKind,
    pub client_ip: Ipv4Addr,
    pub server_ip: Ipv4Addr,
    pub unit_id: u8,
    pub function_code: u8,
    pub address: u16,
    pub values: Vec<u16>,
    pub description: String,
}

/// The default demo (seed [`DEFAULT_SEED`]).
pub fn demo_plant_default() -> DemoPlant {
    demo_plant(DEFAULT_SEED)
}

/// Generates the demo plant capture for `seed`. Equal seeds give byte-identical output.
pub fn demo_plant(seed: u64) -> DemoPlant {
    let mut sim = Sim::new(seed);
    let t0 = DEMO_START_MICROS;
    let end = t0 + DEMO_DURATION_MICROS;

    let mut router = Host {
        name: "Router",
        role: DeviceRole::Router,
        vendor: "Cisco",
        hostname: None,
        mac: [0x00, 0x00, 0x0c, 0x5a, 0x12, 0x01],
        ip: Ipv4Addr::new(10, 20, 1, 1),
        ttl: 255,
        tcp_window: 4128,
        ip_id: sim.rng.next_u16(),
    };
    let plc1 = Host {
        name: "PLC-1",
        role: DeviceRole::Plc,
        vendor: "Schneider Electric",
        hostname: None,
        mac: [0x00, 0x80, 0xf4, 0x0a, 0x3c, 0x11],
        ip: Ipv4Addr::new(10, 20, 1, 11),
        ttl: 64,
        tcp_window: 4096,
        ip_id: sim.rng.next_u16(),
    };
    let plc2 = Host {
        name: "PLC-2",
        role: DeviceRole::Plc,
        vendor: "WAGO",
        hostname: None,
        mac: [0x00, 0x30, 0xde, 0x42, 0x17, 0x9b],
        ip: Ipv4Addr::new(10, 20, 1, 12),
        ttl: 64,
        tcp_window: 5840,
        ip_id: sim.rng.next_u16(),
    };
    let mut hmi = Host {
        name: "HMI",
        role: DeviceRole::Hmi,
        vendor: "Advantech",
        hostname: Some("HMI-01"),
        mac: [0x00, 0xd0, 0xc9, 0xe4, 0x51, 0x20],
        ip: Ipv4Addr::new(10, 20, 1, 21),
        ttl: 128,
        tcp_window: 64240,
        ip_id: sim.rng.next_u16(),
    };
    let mut eng = Host {
        name: "Engineering workstation",
        role: DeviceRole::EngineeringWorkstation,
        vendor: "Dell",
        hostname: Some("ENG-WS01"),
        mac: [0x00, 0x14, 0x22, 0x7b, 0xc0, 0x5e],
        ip: Ipv4Addr::new(10, 20, 1, 50),
        ttl: 128,
        tcp_window: 64240,
        ip_id: sim.rng.next_u16(),
    };
    // Schneider answers from its scan cycle; the WAGO stack acknowledges a request
    // immediately and sends the answer once the application has it.
    let plc1_timing = ServerTiming {
        delay: (2 * MS, 7 * MS),
        acks_first: false,
    };
    let plc2_timing = ServerTiming {
        delay: (MS, 4 * MS),
        acks_first: true,
    };

    // Both PLCs announce themselves as their links come up.
    let t = t0 + sim.between(120 * MS, 180 * MS);
    sim.push(t, frame::arp_gratuitous(plc1.mac, plc1.ip));
    let t = t0 + sim.between(550 * MS, 700 * MS);
    sim.push(t, frame::arp_gratuitous(plc2.mac, plc2.ip));

    // HMI boots, leases its address, resolves its time source and connects to both PLCs.
    let t = t0 + 1_500 * MS + sim.jitter(200 * MS);
    let t = sim.dhcp_lease(t, &mut hmi, &mut router);
    let t = t + sim.between(600 * MS, 900 * MS);
    let t = sim.arp_resolve(t, &hmi, &router);
    let t = t + sim.between(200, 600);
    let ntp_server = router.ip;
    let t = sim.dns_lookup(t, &mut hmi, &mut router, "ntp.plant.local", ntp_server);
    let t = t + sim.between(300 * MS, 500 * MS);
    let t = sim.arp_resolve(t, &hmi, &plc1);
    let t = t + sim.between(200, 500);
    let (mut hmi_plc1, t) =
        ModbusLink::connect(&mut sim, t, &hmi, &plc1, PLC1_UNIT_ID, plc1_timing);
    let t = t + sim.between(2 * MS, 6 * MS);
    let t = sim.arp_resolve(t, &hmi, &plc2);
    let t = t + sim.between(200, 500);
    let (mut hmi_plc2, hmi_ready) =
        ModbusLink::connect(&mut sim, t, &hmi, &plc2, PLC2_UNIT_ID, plc2_timing);

    let mut plc1_image = ProcessImage::new(&PLC1_PROCESS, t0);
    let mut plc2_image = ProcessImage::new(&PLC2_PROCESS, t0);
    let mut events = Vec::new();

    // The engineering workstation boots later, resolves the historian, and at about two
    // minutes in identifies PLC-1 and changes two parameters before disconnecting.
    let t = t0 + 95 * SEC + sim.jitter(2 * SEC);
    let t = sim.dhcp_lease(t, &mut eng, &mut router);
    let t = t + sim.between(700 * MS, 1_200 * MS);
    let t = sim.arp_resolve(t, &eng, &router);
    let t = t + sim.between(200, 600);
    let t = sim.dns_lookup(
        t,
        &mut eng,
        &mut router,
        "historian.plant.local",
        HISTORIAN_IP,
    );
    let t = t.max(t0 + 120 * SEC + sim.jitter(1_500 * MS));
    let t = sim.arp_resolve(t, &eng, &plc1);
    let t = t + sim.between(200, 500);
    let (mut eng_plc1, t) =
        ModbusLink::connect(&mut sim, t, &eng, &plc1, PLC1_UNIT_ID, plc1_timing);

    let t = t + sim.between(20 * MS, 60 * MS);
    let identity = [
        (modbus::DEVICE_ID_VENDOR_NAME, "Schneider Electric"),
        (modbus::DEVICE_ID_PRODUCT_CODE, "BMX P34 2020"),
        (modbus::DEVICE_ID_REVISION, "v3.10"),
    ];
    let t = eng_plc1.transact(
        &mut sim,
        t,
        &modbus::read_device_id_request(1, 0),
        &modbus::read_device_id_response(1, 0x01, &identity),
    );
    let t = t + sim.between(15 * MS, 45 * MS);
    let t = eng_plc1.transact(
        &mut sim,
        t,
        &modbus::report_server_id_request(),
        &modbus::report_server_id_response(PLC1_UNIT_ID, true, b"BMX P34 2020"),
    );
    let t = eng_plc1.delayed_ack(&mut sim, t);

    let write_at = t + sim.between(6 * SEC, 9 * SEC);
    let pdu = modbus::write_single_register(HR_PUMP_SETPOINT as u16, 1200);
    let t = eng_plc1.transact(&mut sim, write_at, &pdu, &pdu);
    plc1_image.schedule_write(t, HR_PUMP_SETPOINT, &[1200]);
    events.push(EventTruth {
        ts_micros: write_at,
        kind: EventKind::ModbusWrite,
        client_ip: eng.ip,
        server_ip: plc1.ip,
        unit_id: PLC1_UNIT_ID,
        function_code: modbus::FC_WRITE_SINGLE_REGISTER,
        address: HR_PUMP_SETPOINT as u16,
        values: vec![1200],
        description: "Pump speed setpoint (holding register 4) changed from 1000 to 1200 rpm"
            .to_string(),
    });
    let t = eng_plc1.delayed_ack(&mut sim, t);

    let write_at = t + sim.between(3 * SEC, 5 * SEC);
    let limit = [0x0000, 0x1068]; // 4200 mm as a big-endian 32-bit value
    let t = eng_plc1.transact(
        &mut sim,
        write_at,
        &modbus::write_multiple_registers_request(HR_HIGH_LEVEL_LIMIT as u16, &limit),
        &modbus::write_multiple_registers_response(HR_HIGH_LEVEL_LIMIT as u16, limit.len() as u16),
    );
    plc1_image.schedule_write(t, HR_HIGH_LEVEL_LIMIT, &limit);
    events.push(EventTruth {
        ts_micros: write_at,
        kind: EventKind::ModbusWrite,
        client_ip: eng.ip,
        server_ip: plc1.ip,
        unit_id: PLC1_UNIT_ID,
        function_code: modbus::FC_WRITE_MULTIPLE_REGISTERS,
        address: HR_HIGH_LEVEL_LIMIT as u16,
        values: limit.to_vec(),
        description: "High level limit (holding registers 10-11) changed from 4000 to 4200 mm"
            .to_string(),
    });
    let t = eng_plc1.delayed_ack(&mut sim, t);
    let t = t + sim.between(1_500 * MS, 3 * SEC);
    let turnaround = sim.between(200, 600);
    let close = eng_plc1.session.close(Side::Client, t, turnaround);
    sim.push_all(close);

    // Cyclic polling by the HMI; the two PLCs run on separate tasks a quarter second apart.
    let poll_start = (t0 + 4 * SEC).max(hmi_ready + 500 * MS);
    let mut tick = 0;
    loop {
        let base = poll_start + tick * SEC;
        if base + SEC > end {
            break;
        }
        let read_coils = tick % 5 == 0;
        let ts = base + sim.jitter(50 * MS);
        hmi_plc1.poll(&mut sim, &mut plc1_image, ts, read_coils);
        let ts = base + 250 * MS + sim.jitter(50 * MS);
        hmi_plc2.poll(&mut sim, &mut plc2_image, ts, read_coils);
        tick += 1;
    }

    let mut frames = sim.frames;
    // Stable, so frames that share a timestamp keep their causal order.
    frames.sort_by_key(|f| f.ts_micros);
    let mut writer = PcapWriter::in_memory();
    for f in &frames {
        writer
            .write_packet(f.ts_micros, &f.frame)
            .expect("demo timestamps are inside the pcap range");
    }

    let conversation =
        |client: &Host, server: &Host, protocol, transport, server_port| ConversationTruth {
            client_ip: client.ip,
            server_ip: server.ip,
            protocol,
            transport,
            server_port,
        };
    let truth = DemoTruth {
        seed,
        subnet: DEMO_SUBNET.to_string(),
        first_packet_micros: frames.first().map_or(t0, |f| f.ts_micros),
        last_packet_micros: frames.last().map_or(t0, |f| f.ts_micros),
        packet_count: frames.len(),
        devices: [&router, &plc1, &plc2, &hmi, &eng]
            .iter()
            .map(|h| h.truth())
            .collect(),
        conversations: vec![
            conversation(
                &hmi,
                &plc1,
                AppProtocol::ModbusTcp,
                Transport::Tcp,
                modbus::MODBUS_TCP_PORT,
            ),
            conversation(
                &hmi,
                &plc2,
                AppProtocol::ModbusTcp,
                Transport::Tcp,
                modbus::MODBUS_TCP_PORT,
            ),
            conversation(
                &eng,
                &plc1,
                AppProtocol::ModbusTcp,
                Transport::Tcp,
                modbus::MODBUS_TCP_PORT,
            ),
            conversation(
                &hmi,
                &router,
                AppProtocol::Dhcp,
                Transport::Udp,
                dhcp::DHCP_SERVER_PORT,
            ),
            conversation(
                &eng,
                &router,
                AppProtocol::Dhcp,
                Transport::Udp,
                dhcp::DHCP_SERVER_PORT,
            ),
            conversation(
                &hmi,
                &router,
                AppProtocol::Dns,
                Transport::Udp,
                dns::DNS_PORT,
            ),
            conversation(
                &eng,
                &router,
                AppProtocol::Dns,
                Transport::Udp,
                dns::DNS_PORT,
            ),
        ],
        events,
    };

    DemoPlant {
        pcap: writer.into_inner(),
        truth,
    }
}

struct Host {
    name: &'static str,
    role: DeviceRole,
    vendor: &'static str,
    hostname: Option<&'static str>,
    mac: MacAddr,
    /// The configured or leased address.
    ip: Ipv4Addr,
    /// Initial TTL of the host's stack, a common passive OS fingerprint.
    ttl: u8,
    tcp_window: u16,
    /// Next IPv4 identification for datagrams outside TCP sessions.
    ip_id: u16,
}

impl Host {
    fn next_ip_id(&mut self) -> u16 {
        let id = self.ip_id;
        self.ip_id = id.wrapping_add(1);
        id
    }

    fn endpoint(&self, port: u16) -> Endpoint {
        Endpoint::new(self.mac, self.ip, port)
            .with_ttl(self.ttl)
            .with_window(self.tcp_window)
    }

    fn truth(&self) -> DeviceTruth {
        DeviceTruth {
            name: self.name.to_string(),
            role: self.role,
            mac: frame::format_mac(&self.mac),
            ip: self.ip,
            hostname: self.hostname.map(str::to_string),
            vendor: self.vendor.to_string(),
        }
    }
}

/// Random source plus the unsorted timeline every generator appends to.
struct Sim {
    rng: SplitMix64,
    frames: Vec<TimedFrame>,
}

impl Sim {
    fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
            frames: Vec::with_capacity(4096),
        }
    }

    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.range(lo, hi)
    }

    fn jitter(&mut self, amplitude: i64) -> i64 {
        self.rng.range(-amplitude, amplitude)
    }

    fn ephemeral_port(&mut self) -> u16 {
        // IANA dynamic range, which Windows uses for outgoing connections.
        self.between(49_152, 65_535) as u16
    }

    fn push(&mut self, ts_micros: i64, frame: Vec<u8>) {
        self.frames.push(TimedFrame { ts_micros, frame });
    }

    fn push_all(&mut self, frames: Vec<TimedFrame>) {
        self.frames.extend(frames);
    }

    /// Broadcast request and unicast reply; returns when the reply is on the wire.
    fn arp_resolve(&mut self, ts: i64, asker: &Host, target: &Host) -> i64 {
        self.push(ts, frame::arp_request(asker.mac, asker.ip, target.ip));
        let t = ts + self.between(150, 900);
        self.push(
            t,
            frame::arp_reply(target.mac, target.ip, asker.mac, asker.ip),
        );
        t
    }

    fn udp(
        &mut self,
        ts: i64,
        from: &mut Host,
        src_ip: Ipv4Addr,
        to: (MacAddr, Ipv4Addr),
        ports: (u16, u16),
        payload: &[u8],
    ) {
        let ip_id = from.next_ip_id();
        let frame = frame::ipv4_udp(
            from.mac, to.0, src_ip, to.1, ports.0, ports.1, ip_id, from.ttl, payload,
        );
        self.push(ts, frame);
    }

    /// DISCOVER/OFFER/REQUEST/ACK for `client.ip`; returns when the ACK is on the wire.
    /// The server unicasts its replies to the offered address, as a client that leaves the
    /// broadcast flag clear expects.
    fn dhcp_lease(&mut self, ts: i64, client: &mut Host, server: &mut Host) -> i64 {
        let xid = self.rng.next_u32();
        let hostname = client
            .hostname
            .expect("DHCP clients in the demo announce a host name");
        let mut client_id = vec![1u8];
        client_id.extend_from_slice(&client.mac);
        let (client_mac, client_ip, server_ip) = (client.mac, client.ip, server.ip);
        let broadcast = (frame::BROADCAST_MAC, Ipv4Addr::BROADCAST);
        let to_server = (dhcp::DHCP_CLIENT_PORT, dhcp::DHCP_SERVER_PORT);
        let to_client = (dhcp::DHCP_SERVER_PORT, dhcp::DHCP_CLIENT_PORT);
        let client_options = |msg: DhcpMessage| {
            msg.option(dhcp::OPT_HOST_NAME, hostname)
                .option(dhcp::OPT_VENDOR_CLASS, WINDOWS_VENDOR_CLASS)
                .option(dhcp::OPT_PARAMETER_LIST, WINDOWS_PARAMETER_LIST.to_vec())
        };
        let server_options = |msg: DhcpMessage| {
            msg.option_ip(dhcp::OPT_SERVER_ID, server_ip)
                .option_u32(dhcp::OPT_LEASE_TIME, LEASE_SECONDS)
                .option_ip(dhcp::OPT_SUBNET_MASK, SUBNET_MASK)
                .option_ip(dhcp::OPT_ROUTER, server_ip)
                .option_ip(dhcp::OPT_DNS_SERVER, server_ip)
                .option(dhcp::OPT_DOMAIN_NAME, DEMO_DOMAIN)
        };

        let discover = client_options(
            DhcpMessage::client(dhcp::DHCPDISCOVER, xid, client_mac)
                .option(dhcp::OPT_CLIENT_ID, client_id.clone()),
        );
        self.udp(
            ts,
            client,
            Ipv4Addr::UNSPECIFIED,
            broadcast,
            to_server,
            &discover.encode(),
        );

        let t = ts + self.between(1_200, 3_500);
        let offer = server_options(DhcpMessage::server(
            dhcp::DHCPOFFER,
            xid,
            client_mac,
            client_ip,
        ));
        self.udp(
            t,
            server,
            server_ip,
            (client_mac, client_ip),
            to_client,
            &offer.encode(),
        );

        let t = t + self.between(2 * MS, 8 * MS);
        let request = client_options(
            DhcpMessage::client(dhcp::DHCPREQUEST, xid, client_mac)
                .option(dhcp::OPT_CLIENT_ID, client_id)
                .option_ip(dhcp::OPT_REQUESTED_IP, client_ip)
                .option_ip(dhcp::OPT_SERVER_ID, server_ip),
        );
        self.udp(
            t,
            client,
            Ipv4Addr::UNSPECIFIED,
            broadcast,
            to_server,
            &request.encode(),
        );

        let t = t + self.between(1_000, 3_000);
        let ack = server_options(DhcpMessage::server(
            dhcp::DHCPACK,
            xid,
            client_mac,
            client_ip,
        ));
        self.udp(
            t,
            server,
            server_ip,
            (client_mac, client_ip),
            to_client,
            &ack.encode(),
        );
        t
    }

    /// A-record query and answer; returns when the answer is on the wire.
    fn dns_lookup(
        &mut self,
        ts: i64,
        client: &mut Host,
        server: &mut Host,
        name: &str,
        answer: Ipv4Addr,
    ) -> i64 {
        let id = self.rng.next_u16();
        let sport = self.ephemeral_port();
        let (client_mac, client_ip) = (client.mac, client.ip);
        let (server_mac, server_ip) = (server.mac, server.ip);
        let query = dns::query_a(id, name);
        self.udp(
            ts,
            client,
            client_ip,
            (server_mac, server_ip),
            (sport, dns::DNS_PORT),
            &query,
        );
        let t = ts + self.between(400, 1_500);
        let response = dns::response_a(id, name, answer, DNS_TTL);
        self.udp(
            t,
            server,
            server_ip,
            (client_mac, client_ip),
            (dns::DNS_PORT, sport),
            &response,
        );
        t
    }
}

#[derive(Debug, Clone, Copy)]
struct ServerTiming {
    /// Bounds of the time between a request and its response.
    delay: (i64, i64),
    /// Whether the server sends a pure ACK before its response.
    acks_first: bool,
}

/// A Modbus/TCP client connection with incrementing transaction ids.
struct ModbusLink {
    session: TcpSession,
    unit_id: u8,
    next_transaction: u16,
    timing: ServerTiming,
}

impl ModbusLink {
    /// Opens the connection; returns the link and when the handshake completed.
    fn connect(
        sim: &mut Sim,
        ts: i64,
        client: &Host,
        server: &Host,
        unit_id: u8,
        timing: ServerTiming,
    ) -> (Self, i64) {
        let sport = sim.ephemeral_port();
        let mut session = TcpSession::new(
            client.endpoint(sport),
            server.endpoint(modbus::MODBUS_TCP_PORT),
            sim.rng.next_u32(),
            sim.rng.next_u32(),
        )
        .with_ip_ids(sim.rng.next_u16(), sim.rng.next_u16());
        let turnaround = sim.between(200, 600);
        sim.push_all(session.open(ts, turnaround));
        let link = Self {
            session,
            unit_id,
            next_transaction: 1,
            timing,
        };
        (link, ts + 2 * turnaround)
    }

    /// One request and its response; returns when the response is on the wire.
    fn transact(&mut self, sim: &mut Sim, ts: i64, request: &[u8], response: &[u8]) -> i64 {
        let tid = self.next_transaction;
        self.next_transaction = tid.wrapping_add(1);
        let frame = self
            .session
            .send(Side::Client, ts, &modbus::adu(tid, self.unit_id, request));
        sim.frames.push(frame);
        if self.timing.acks_first {
            let t = ts + sim.between(150, 400);
            sim.frames.push(self.session.ack(Side::Server, t));
        }
        let (lo, hi) = self.timing.delay;
        let t = ts + sim.between(lo, hi);
        let frame = self
            .session
            .send(Side::Server, t, &modbus::adu(tid, self.unit_id, response));
        sim.frames.push(frame);
        t
    }

    /// The client's delayed ACK when it has nothing else to send; Windows holds ACKs for up
    /// to 200 ms.
    fn delayed_ack(&mut self, sim: &mut Sim, last_received: i64) -> i64 {
        let t = last_received + sim.between(120 * MS, 200 * MS);
        sim.frames.push(self.session.ack(Side::Client, t));
        t
    }

    /// One polling cycle: holding registers every time, coils when asked.
    fn poll(&mut self, sim: &mut Sim, image: &mut ProcessImage, ts: i64, read_coils: bool) {
        image.advance(ts, &mut sim.rng);
        let mut t = self.transact(
            sim,
            ts,
            &modbus::read_holding_registers_request(0, POLLED_REGISTERS),
            &modbus::read_holding_registers_response(
                &image.holding[..usize::from(POLLED_REGISTERS)],
            ),
        );
        if read_coils {
            let next = t + sim.between(300, 1_500);
            t = self.transact(
                sim,
                next,
                &modbus::read_coils_request(0, COILS as u16),
                &modbus::read_coils_response(&image.coils),
            );
        }
        self.delayed_ack(sim, t);
    }
}

/// Fixed characteristics of one simulated process.
struct ProcessSpec {
    level_mm: f64,
    /// Half-width of the band the inlet valve keeps the level in.
    level_band_mm: f64,
    temperature_c10: f64,
    pump_setpoint_rpm: u16,
    high_level_limit_mm: u32,
    run_hours: u16,
    scan_micros: i64,
    inlet_open_permille: u16,
}

const PLC1_PROCESS: ProcessSpec = ProcessSpec {
    level_mm: 3200.0,
    level_band_mm: 25.0,
    temperature_c10: 452.0,
    pump_setpoint_rpm: 1000,
    high_level_limit_mm: 4000,
    run_hours: 18_342,
    scan_micros: 10 * MS,
    inlet_open_permille: 650,
};

const PLC2_PROCESS: ProcessSpec = ProcessSpec {
    level_mm: 1850.0,
    level_band_mm: 18.0,
    temperature_c10: 186.0,
    pump_setpoint_rpm: 900,
    high_level_limit_mm: 2400,
    run_hours: 9_127,
    scan_micros: 5 * MS,
    inlet_open_permille: 800,
};

/// A tank with an inlet valve on two-point control and a heated, pumped outlet. Levels
/// saw-tooth slowly inside the valve's band, temperature wanders around its setpoint, and
/// the pump follows its speed setpoint with some lag, so consecutive polls differ a little
/// and a setpoint write shows up in later reads.
struct ProcessImage {
    spec: &'static ProcessSpec,
    level: f64,
    level_rate: f64,
    temperature: f64,
    pump_rpm: f64,
    holding: [u16; HOLDING_REGISTERS],
    coils: [bool; COILS],
    boot_micros: i64,
    last_micros: i64,
    pending_writes: Vec<(i64, usize, Vec<u16>)>,
}

impl ProcessImage {
    fn new(spec: &'static ProcessSpec, boot_micros: i64) -> Self {
        let mut holding = [0u16; HOLDING_REGISTERS];
        holding[HR_PUMP_SETPOINT] = spec.pump_setpoint_rpm;
        holding[HR_RUN_HOURS] = spec.run_hours;
        let [hi, lo] = [
            (spec.high_level_limit_mm >> 16) as u16,
            spec.high_level_limit_mm as u16,
        ];
        holding[HR_HIGH_LEVEL_LIMIT] = hi;
        holding[HR_HIGH_LEVEL_LIMIT + 1] = lo;
        let mut coils = [false; COILS];
        coils[COIL_PUMP_RUNNING] = true;
        coils[COIL_OUTLET_OPEN] = true;
        coils[COIL_AUTO_MODE] = true;
        Self {
            spec,
            level: spec.level_mm,
            level_rate: 0.0,
            temperature: spec.temperature_c10,
            pump_rpm: f64::from(spec.pump_setpoint_rpm),
            holding,
            coils,
            boot_micros,
            last_micros: boot_micros,
            pending_writes: Vec::new(),
        }
    }

    /// Makes a write take effect for reads after `at`.
    fn schedule_write(&mut self, at: i64, address: usize, values: &[u16]) {
        self.pending_writes.push((at, address, values.to_vec()));
    }

    fn advance(&mut self, now: i64, rng: &mut SplitMix64) {
        let spec = self.spec;
        for (_, address, values) in self.pending_writes.iter().filter(|(at, _, _)| *at < now) {
            self.holding[*address..*address + values.len()].copy_from_slice(values);
        }
        self.pending_writes.retain(|(at, _, _)| *at >= now);

        let dt = (now - self.last_micros) as f64 / SEC as f64;
        if dt > 0.0 {
            let target_rate = if self.coils[COIL_INLET_OPEN] {
                0.8
            } else {
                -0.7
            };
            self.level_rate +=
                (target_rate - self.level_rate) * (0.2 * dt).min(1.0) + rng.symmetric(0.05);
            self.level += self.level_rate * dt;
            if self.level < spec.level_mm - spec.level_band_mm {
                self.coils[COIL_INLET_OPEN] = true;
            } else if self.level > spec.level_mm + spec.level_band_mm {
                self.coils[COIL_INLET_OPEN] = false;
            }

            let heating = if self.coils[COIL_HEATER_ON] {
                0.06
            } else {
                -0.04
            };
            self.temperature += (heating + rng.symmetric(0.08)) * dt;
            if self.temperature < spec.temperature_c10 - 3.0 {
                self.coils[COIL_HEATER_ON] = true;
            } else if self.temperature > spec.temperature_c10 + 3.0 {
                self.coils[COIL_HEATER_ON] = false;
            }

            let setpoint = f64::from(self.holding[HR_PUMP_SETPOINT]);
            self.pump_rpm += (setpoint - self.pump_rpm) * (0.25 * dt).min(1.0) + rng.symmetric(1.5);
            self.last_micros = now;
        }

        let status = [
            COIL_PUMP_RUNNING,
            COIL_AUTO_MODE,
            COIL_INLET_OPEN,
            COIL_HEATER_ON,
        ]
        .iter()
        .enumerate()
        .fold(0u16, |acc, (bit, &coil)| {
            acc | (u16::from(self.coils[coil]) << bit)
        });
        let uptime = now - self.boot_micros;
        self.holding[HR_LEVEL] = self.level.round() as u16;
        self.holding[HR_TEMPERATURE] = self.temperature.round() as u16;
        self.holding[HR_INLET_POSITION] = if self.coils[COIL_INLET_OPEN] {
            spec.inlet_open_permille
        } else {
            0
        };
        self.holding[HR_PUMP_SPEED] = self.pump_rpm.round() as u16;
        self.holding[HR_STATUS] = status;
        self.holding[HR_ALARMS] = 0;
        self.holding[HR_SCAN_COUNTER] = ((uptime / spec.scan_micros) % 65_536) as u16;
        self.holding[HR_HEARTBEAT] = ((uptime / SEC) % 2) as u16;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::frame::{internet_checksum, pseudo_header_checksum, TCP_ACK, TCP_FIN, TCP_SYN};
    use crate::pcap::{GLOBAL_HEADER_LEN, RECORD_HEADER_LEN};

    struct Packet {
        ts: i64,
        frame: Vec<u8>,
    }

    /// Independent reader so the tests also check what the writer produced.
    fn read_pcap(bytes: &[u8]) -> Vec<Packet> {
        assert_eq!(&bytes[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        let mut packets = Vec::new();
        let mut rest = &bytes[GLOBAL_HEADER_LEN..];
        while !rest.is_empty() {
            let field = |i: usize| u32::from_le_bytes(rest[i..i + 4].try_into().unwrap());
            let ts = i64::from(field(0)) * SEC + i64::from(field(4));
            let (cap_len, orig_len) = (field(8) as usize, field(12) as usize);
            assert_eq!(cap_len, orig_len);
            let frame = rest[RECORD_HEADER_LEN..RECORD_HEADER_LEN + cap_len].to_vec();
            packets.push(Packet { ts, frame });
            rest = &rest[RECORD_HEADER_LEN + cap_len..];
        }
        packets
    }

    struct Ip<'a> {
        src: Ipv4Addr,
        dst: Ipv4Addr,
        protocol: u8,
        header: &'a [u8],
        payload: &'a [u8],
    }

    fn ipv4(frame: &[u8]) -> Option<Ip<'_>> {
        if frame[12..14] != frame::ETHERTYPE_IPV4.to_be_bytes() {
            return None;
        }
        let ip = &frame[14..];
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        Some(Ip {
            src: Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]),
            dst: Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]),
            protocol: ip[9],
            header: &ip[..20],
            payload: &ip[20..total],
        })
    }

    struct Tcp<'a> {
        sport: u16,
        dport: u16,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &'a [u8],
    }

    fn tcp<'a>(ip: &Ip<'a>) -> Option<Tcp<'a>> {
        if ip.protocol != frame::IPPROTO_TCP {
            return None;
        }
        let s = ip.payload;
        let be16 = |i: usize| u16::from_be_bytes([s[i], s[i + 1]]);
        let be32 = |i: usize| u32::from_be_bytes(s[i..i + 4].try_into().unwrap());
        Some(Tcp {
            sport: be16(0),
            dport: be16(2),
            seq: be32(4),
            ack: be32(8),
            flags: s[13],
            payload: &s[usize::from(s[12] >> 4) * 4..],
        })
    }

    fn packets() -> Vec<Packet> {
        read_pcap(&demo_plant_default().pcap)
    }

    #[test]
    fn deterministic_for_a_seed_and_different_across_seeds() {
        let a = demo_plant(1);
        let b = demo_plant(1);
        assert!(
            a.pcap == b.pcap,
            "same seed must give byte-identical captures"
        );
        assert_eq!(a.truth, b.truth);
        let c = demo_plant(2);
        assert!(a.pcap != c.pcap);
        assert_eq!(a.truth.devices, c.truth.devices);
        assert_eq!(a.truth.conversations, c.truth.conversations);
    }

    #[test]
    fn packet_count_is_plausible_and_matches_truth() {
        let plant = demo_plant_default();
        let packets = read_pcap(&plant.pcap);
        println!("default demo: {} packets", packets.len());
        assert!(
            (1_500..=4_000).contains(&packets.len()),
            "{} packets",
            packets.len()
        );
        assert_eq!(packets.len(), plant.truth.packet_count);
        assert_eq!(packets[0].ts, plant.truth.first_packet_micros);
        assert_eq!(
            packets[packets.len() - 1].ts,
            plant.truth.last_packet_micros
        );
    }

    #[test]
    fn timestamps_are_ordered_and_inside_the_window() {
        let packets = packets();
        assert!(packets.windows(2).all(|w| w[0].ts <= w[1].ts));
        assert!(packets[0].ts >= DEMO_START_MICROS);
        assert!(packets[packets.len() - 1].ts < DEMO_START_MICROS + DEMO_DURATION_MICROS);
        // About five minutes, not just a few seconds of it.
        assert!(packets[packets.len() - 1].ts - packets[0].ts > 290 * SEC);
    }

    #[test]
    fn every_checksum_verifies() {
        for p in packets() {
            assert!(p.frame.len() >= frame::MIN_FRAME_LEN);
            let Some(ip) = ipv4(&p.frame) else { continue };
            assert_eq!(internet_checksum(ip.header), 0);
            assert_eq!(
                pseudo_header_checksum(ip.src, ip.dst, ip.protocol, ip.payload),
                0
            );
        }
    }

    #[test]
    fn tcp_streams_are_continuous_and_acks_match() {
        // Next expected sequence number per direction (src, sport, dst, dport).
        let mut next: HashMap<(Ipv4Addr, u16, Ipv4Addr, u16), u32> = HashMap::new();
        let mut segments = 0;
        for p in packets() {
            let Some(ip) = ipv4(&p.frame) else { continue };
            let Some(t) = tcp(&ip) else { continue };
            let key = (ip.src, t.sport, ip.dst, t.dport);
            let reverse = (ip.dst, t.dport, ip.src, t.sport);
            if t.flags & TCP_SYN == 0 {
                assert_eq!(next.get(&key), Some(&t.seq), "sequence gap");
            }
            if t.flags & TCP_ACK != 0 {
                assert_eq!(
                    next.get(&reverse),
                    Some(&t.ack),
                    "ack does not cover the peer"
                );
            } else {
                assert_eq!(t.ack, 0);
            }
            let consumed = t.payload.len() as u32
                + u32::from(t.flags & TCP_SYN != 0)
                + u32::from(t.flags & TCP_FIN != 0);
            next.insert(key, t.seq.wrapping_add(consumed));
            segments += 1;
        }
        assert_eq!(next.len(), 6, "three connections, two directions each");
        assert!(segments > 1_000);
    }

    #[test]
    fn every_modbus_request_has_a_matching_response() {
        let mut outstanding: HashMap<(Ipv4Addr, u16, u16), (u8, u8)> = HashMap::new();
        let mut last_tid: HashMap<(Ipv4Addr, u16), u16> = HashMap::new();
        let mut pairs = 0;
        for p in packets() {
            let Some(ip) = ipv4(&p.frame) else { continue };
            let Some(t) = tcp(&ip) else { continue };
            if t.payload.is_empty() {
                continue;
            }
            let adu = t.payload;
            let tid = u16::from_be_bytes([adu[0], adu[1]]);
            assert_eq!(&adu[2..4], &[0, 0], "protocol id");
            assert_eq!(
                usize::from(u16::from_be_bytes([adu[4], adu[5]])),
                adu.len() - 6
            );
            let (unit, fc) = (adu[6], adu[7]);
            if t.dport == modbus::MODBUS_TCP_PORT {
                let client = (ip.src, t.sport);
                if let Some(prev) = last_tid.insert(client, tid) {
                    assert_eq!(tid, prev.wrapping_add(1), "transaction ids increment");
                }
                let dup = outstanding.insert((ip.src, t.sport, tid), (unit, fc));
                assert!(dup.is_none(), "transaction id reused while outstanding");
            } else {
                assert_eq!(t.sport, modbus::MODBUS_TCP_PORT);
                let request = outstanding.remove(&(ip.dst, t.dport, tid));
                assert_eq!(
                    request,
                    Some((unit, fc)),
                    "response without matching request"
                );
                pairs += 1;
            }
        }
        assert!(
            outstanding.is_empty(),
            "unanswered requests: {outstanding:?}"
        );
        assert!(pairs > 500, "{pairs} request/response pairs");
    }

    #[test]
    fn unit_ids_and_function_codes_per_client() {
        let truth = demo_plant_default().truth;
        let ip_of = |name: &str| truth.devices.iter().find(|d| d.name == name).unwrap().ip;
        let (hmi, eng, plc1, plc2) = (
            ip_of("HMI"),
            ip_of("Engineering workstation"),
            ip_of("PLC-1"),
            ip_of("PLC-2"),
        );
        let mut seen: HashMap<(Ipv4Addr, Ipv4Addr), HashSet<(u8, u8)>> = HashMap::new();
        for p in packets() {
            let Some(ip) = ipv4(&p.frame) else { continue };
            let Some(t) = tcp(&ip) else { continue };
            if t.dport == modbus::MODBUS_TCP_PORT && !t.payload.is_empty() {
                seen.entry((ip.src, ip.dst))
                    .or_default()
                    .insert((t.payload[6], t.payload[7]));
            }
        }
        let set = |v: &[(u8, u8)]| v.iter().copied().collect::<HashSet<_>>();
        assert_eq!(seen[&(hmi, plc1)], set(&[(1, 1), (1, 3)]));
        assert_eq!(seen[&(hmi, plc2)], set(&[(255, 1), (255, 3)]));
        assert_eq!(
            seen[&(eng, plc1)],
            set(&[(1, 43), (1, 17), (1, 6), (1, 16)])
        );
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn setpoint_write_shows_up_in_later_reads() {
        let truth = demo_plant_default().truth;
        let write = &truth.events[0];
        assert_eq!(write.function_code, modbus::FC_WRITE_SINGLE_REGISTER);
        let mut before = HashSet::new();
        let mut after = HashSet::new();
        for p in packets() {
            let Some(ip) = ipv4(&p.frame) else { continue };
            let Some(t) = tcp(&ip) else { continue };
            let hmi_read = ip.src == write.server_ip
                && ip.dst != write.client_ip
                && t.payload.get(7) == Some(&modbus::FC_READ_HOLDING_REGISTERS);
            if hmi_read {
                let off = 9 + 2 * HR_PUMP_SETPOINT;
                let value = u16::from_be_bytes([t.payload[off], t.payload[off + 1]]);
                if p.ts < write.ts_micros {
                    &mut before
                } else {
                    &mut after
                }
                .insert(value);
            }
        }
        assert_eq!(before, HashSet::from([1000]));
        assert_eq!(after, HashSet::from([1200]));
    }

    #[test]
    fn hosts_resolve_peers_before_unicasting_to_them() {
        // (a, b): a knows b's MAC.
        let mut known: HashSet<(Ipv4Addr, Ipv4Addr)> = HashSet::new();
        let mut announced = HashSet::new();
        for p in packets() {
            let f = &p.frame;
            if f[12..14] == frame::ETHERTYPE_ARP.to_be_bytes() {
                let sender = Ipv4Addr::new(f[28], f[29], f[30], f[31]);
                let target = Ipv4Addr::new(f[38], f[39], f[40], f[41]);
                match u16::from_be_bytes([f[20], f[21]]) {
                    frame::ARP_OP_REQUEST if sender == target => {
                        assert_eq!(&f[0..6], &frame::BROADCAST_MAC);
                        announced.insert(sender);
                    }
                    frame::ARP_OP_REQUEST => {
                        assert_eq!(&f[0..6], &frame::BROADCAST_MAC);
                        known.insert((target, sender));
                    }
                    frame::ARP_OP_REPLY => {
                        assert_ne!(&f[0..6], &frame::BROADCAST_MAC);
                        known.insert((target, sender));
                    }
                    op => panic!("unexpected ARP op {op}"),
                }
                continue;
            }
            let Some(ip) = ipv4(f) else { continue };
            if ip.dst.is_broadcast() {
                continue;
            }
            // A DHCP server answers to the client hardware address in the request.
            let dhcp_reply = ip.protocol == frame::IPPROTO_UDP
                && ip.payload[0..2] == dhcp::DHCP_SERVER_PORT.to_be_bytes();
            assert!(
                dhcp_reply || known.contains(&(ip.src, ip.dst)),
                "{} sent to {} without resolving it",
                ip.src,
                ip.dst
            );
        }
        let plcs = [Ipv4Addr::new(10, 20, 1, 11), Ipv4Addr::new(10, 20, 1, 12)];
        assert_eq!(announced, HashSet::from(plcs));
    }

    #[test]
    fn dhcp_announces_the_hostnames_in_the_truth() {
        let truth = demo_plant_default().truth;
        let mut announced = HashSet::new();
        let mut message_types = Vec::new();
        for p in packets() {
            let Some(ip) = ipv4(&p.frame) else { continue };
            let udp = ip.payload;
            if ip.protocol != frame::IPPROTO_UDP || udp[2..4] != [0, 67] && udp[2..4] != [0, 68] {
                continue;
            }
            let bootp = &udp[8..];
            assert_eq!(&bootp[236..240], &dhcp::MAGIC_COOKIE);
            let mut opts = &bootp[240..];
            while let [code, len, rest @ ..] = opts {
                let value = &rest[..usize::from(*len)];
                match *code {
                    dhcp::OPT_MESSAGE_TYPE => message_types.push(value[0]),
                    dhcp::OPT_HOST_NAME => {
                        announced.insert(String::from_utf8(value.to_vec()).unwrap());
                    }
                    _ => {}
                }
                opts = &rest[usize::from(*len)..];
                if opts.first() == Some(&dhcp::OPT_END) {
                    break;
                }
            }
        }
        let expected: HashSet<String> = truth
            .devices
            .iter()
            .filter_map(|d| d.hostname.clone())
            .collect();
        assert_eq!(announced, expected);
        assert_eq!(message_types, [1, 2, 3, 5, 1, 2, 3, 5]);
    }

    #[test]
    fn truth_describes_the_plant() {
        let truth = demo_plant_default().truth;
        let ouis: Vec<&str> = truth.devices.iter().map(|d| &d.mac[..8]).collect();
        assert_eq!(
            ouis,
            ["00:00:0c", "00:80:f4", "00:30:de", "00:d0:c9", "00:14:22"]
        );
        assert!(truth
            .devices
            .iter()
            .all(|d| d.ip.octets()[..3] == [10, 20, 1]));
        assert_eq!(truth.events.len(), 2);
        assert!(truth
            .events
            .iter()
            .all(|e| e.kind == EventKind::ModbusWrite));
        assert!(truth.events[0].ts_micros > DEMO_START_MICROS + 110 * SEC);
        let json: serde_json::Value = serde_json::from_str(&truth.to_json_pretty()).unwrap();
        assert_eq!(json["devices"][3]["hostname"], "HMI-01");
        assert_eq!(json["devices"][4]["role"], "engineering_workstation");
        assert_eq!(json["conversations"][0]["protocol"], "modbus_tcp");
    }
}
