//! What one simulated protocol says: the interface between the scenario engine and the
//! protocol encoders.
//!
//! A [`Dialect`] is one client–server conversation of one protocol (an HMI polling a PLC
//! over S7comm, a SCADA server polling an RTU over DNP3). It only decides the application
//! bytes and who sends them; the engine ([`crate::engine`]) owns addressing, TCP sequence
//! numbers, ARP, timing and the capture file. That split keeps every encoder free of
//! transport bookkeeping and lets one engine drive all of them.
//!
//! A dialect is built once per conversation from the two devices' specifications
//! ([`DialectContext`]) and then asked, in this order, for:
//! 1. [`Dialect::session_start`] once after the transport is up (COTP + S7 setup,
//!    EtherNet/IP RegisterSession, OPC UA Hello/OpenSecureChannel, IEC 104 STARTDT);
//! 2. [`Dialect::identify`] once when the scenario lets the client read the server's
//!    identity (SZL, CIP Identity, MEI 14, BACnet device object, DNP3 group 0);
//! 3. [`Dialect::poll`] every cycle;
//! 4. [`Dialect::action`] for a timed event (a write, a PLC stop, a program download).
//!
//! Identity facts the server reveals come from [`DeviceSpec`]: the encoder must put the
//! scenario's vendor, model, order number, firmware and serial into the protocol's identity
//! fields exactly, so that an analysis of the capture can be scored against the truth.

use crate::frame::{MacAddr, Side};
use crate::rng::SplitMix64;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// How a dialect's messages travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// One long-lived TCP connection to the server's port.
    Tcp { port: u16 },
    /// UDP datagrams to the server's port; the client keeps one source port per
    /// conversation unless `client_port` fixes it (BACnet uses 47808 on both ends).
    Udp { port: u16, client_port: Option<u16> },
    /// Raw Ethernet frames of this EtherType (PROFINET DCP 0x8892, LLDP 0x88cc).
    Ethernet { ethertype: u16 },
}

/// Where a message goes instead of the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Destination {
    /// The other end of the conversation.
    #[default]
    Peer,
    /// All stations: Ethernet broadcast, and for UDP the subnet's broadcast address.
    Broadcast,
    /// An Ethernet multicast group (PROFINET DCP identify 01:0e:cf:00:00:00, LLDP
    /// 01:80:c2:00:00:0e). For UDP the IP destination is the limited broadcast.
    Multicast(MacAddr),
}

/// One application message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub from: Side,
    pub payload: Vec<u8>,
    pub to: Destination,
    /// Time since the previous message of the same exchange. `None` lets the engine pick a
    /// realistic gap: the server's turnaround when the sender changes, tens of microseconds
    /// between back-to-back messages of one sender.
    pub delay_micros: Option<i64>,
}

impl Message {
    pub fn request(payload: Vec<u8>) -> Self {
        Self {
            from: Side::Client,
            payload,
            to: Destination::Peer,
            delay_micros: None,
        }
    }

    pub fn response(payload: Vec<u8>) -> Self {
        Self {
            from: Side::Server,
            payload,
            to: Destination::Peer,
            delay_micros: None,
        }
    }

    pub fn to(mut self, to: Destination) -> Self {
        self.to = to;
        self
    }

    pub fn after_micros(mut self, micros: i64) -> Self {
        self.delay_micros = Some(micros);
        self
    }
}

/// A timed event a scenario asks a conversation's client to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// An operator changes a set point or a command output (one write).
    Write,
    /// A program (or one block of it) transferred to the controller.
    ProgramDownload,
    /// A program read back from the controller.
    ProgramUpload,
    /// The controller put into stop / program mode.
    PlcStop,
    /// The controller put back into run.
    PlcStart,
    /// New firmware transferred to the device.
    FirmwareUpdate,
    /// The device told to restart (cold or warm).
    Restart,
}

impl ActionKind {
    pub const ALL: [ActionKind; 7] = [
        ActionKind::Write,
        ActionKind::ProgramDownload,
        ActionKind::ProgramUpload,
        ActionKind::PlcStop,
        ActionKind::PlcStart,
        ActionKind::FirmwareUpdate,
        ActionKind::Restart,
    ];

    /// The name used in scenario files (`kind = "plc_stop"`).
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Write => "write",
            ActionKind::ProgramDownload => "program_download",
            ActionKind::ProgramUpload => "program_upload",
            ActionKind::PlcStop => "plc_stop",
            ActionKind::PlcStart => "plc_start",
            ActionKind::FirmwareUpdate => "firmware_update",
            ActionKind::Restart => "restart",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// Identity attributes a protocol can reveal about the server, for the ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Revealed {
    Vendor,
    Model,
    OrderNumber,
    Firmware,
    Hardware,
    Serial,
    Name,
}

impl Revealed {
    pub fn name(self) -> &'static str {
        match self {
            Revealed::Vendor => "vendor",
            Revealed::Model => "model",
            Revealed::OrderNumber => "order_number",
            Revealed::Firmware => "firmware",
            Revealed::Hardware => "hardware",
            Revealed::Serial => "serial",
            Revealed::Name => "name",
        }
    }
}

/// A device as the scenario file describes it. Protocol encoders read the identity they
/// reveal from here, and protocol-specific numbers (CIP vendor id, BACnet instance, DNP3
/// address) from [`DeviceSpec::params`].
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSpec {
    /// Scenario-unique name ("plc-1"); also the default station / host name.
    pub name: String,
    pub ip: Ipv4Addr,
    pub mac: MacAddr,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub order_number: Option<String>,
    pub firmware: Option<String>,
    pub hardware: Option<String>,
    pub serial: Option<String>,
    pub hostname: Option<String>,
    /// Protocol parameters by name (`cip_vendor_id = 1`, `bacnet_instance = 1001`); see
    /// [`KNOWN_PARAMS`].
    pub params: BTreeMap<String, ParamValue>,
}

/// A protocol parameter value from the scenario file.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Integer(i64),
    Text(String),
}

/// Every protocol parameter a device may carry, with what it means. The scenario loader
/// rejects any other key so that a misspelt parameter is an error, not a silent default.
pub const KNOWN_PARAMS: &[(&str, &str)] = &[
    (
        "modbus_unit",
        "Modbus unit id the server answers (default 1)",
    ),
    ("s7_rack", "S7 rack of the CPU (default 0)"),
    ("s7_slot", "S7 slot of the CPU (default 2)"),
    ("cip_vendor_id", "ODVA vendor id in CIP Identity"),
    (
        "cip_device_type",
        "CIP device type (14 = programmable logic controller)",
    ),
    ("cip_product_code", "CIP product code"),
    ("bacnet_instance", "BACnet device object instance"),
    ("bacnet_vendor_id", "ASHRAE BACnet vendor id"),
    (
        "dnp3_address",
        "DNP3 link address of the outstation (the master's comes from its own device)",
    ),
    ("iec104_common_address", "IEC 104 common address of ASDU"),
    (
        "profinet_vendor_id",
        "PROFINET vendor id (DCP device id block)",
    ),
    (
        "profinet_device_id",
        "PROFINET device id (DCP device id block)",
    ),
    (
        "profinet_role",
        "PROFINET device role in DCP: io-device (default), io-controller, io-multidevice, io-supervisor",
    ),
    (
        "opcua_application_uri",
        "OPC UA application URI of the server",
    ),
    ("mms_domain", "MMS logical device (domain) name"),
    (
        "snmp_enterprise",
        "IANA enterprise number in the agent's sysObjectID (default from the vendor name)",
    ),
    (
        "snmp_community",
        "SNMP community the manager uses (default public)",
    ),
    (
        "http_server",
        "HTTP Server header the device's web server sends",
    ),
];

impl DeviceSpec {
    /// A bare device for tests and ad-hoc use: no identity, no parameters.
    pub fn bare(name: &str, ip: Ipv4Addr, mac: MacAddr) -> Self {
        Self {
            name: name.to_string(),
            ip,
            mac,
            vendor: None,
            model: None,
            order_number: None,
            firmware: None,
            hardware: None,
            serial: None,
            hostname: None,
            params: BTreeMap::new(),
        }
    }

    pub fn param_int(&self, key: &str) -> Option<i64> {
        match self.params.get(key) {
            Some(ParamValue::Integer(v)) => Some(*v),
            _ => None,
        }
    }

    pub fn param_text(&self, key: &str) -> Option<&str> {
        match self.params.get(key) {
            Some(ParamValue::Text(v)) => Some(v),
            _ => None,
        }
    }

    /// The station or host name the device calls itself.
    pub fn station_name(&self) -> &str {
        self.hostname.as_deref().unwrap_or(&self.name)
    }
}

/// What a dialect is built from.
pub struct DialectContext<'a> {
    pub client: &'a DeviceSpec,
    pub server: &'a DeviceSpec,
    /// Seed for this conversation; the dialect derives transaction ids, invoke ids and
    /// sequence numbers from it so that a scenario and seed give one capture.
    pub seed: u64,
}

/// A deterministic random source handed to dialects.
pub struct DialectRng(SplitMix64);

impl DialectRng {
    pub fn new(seed: u64) -> Self {
        Self(SplitMix64::new(seed))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    pub fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    pub fn next_u16(&mut self) -> u16 {
        self.0.next_u16()
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.0.range(lo, hi)
    }
}

/// The state of the process when a poll happens.
#[derive(Debug, Clone, Copy)]
pub struct PollContext {
    /// Capture time of the poll, microseconds since the Unix epoch.
    pub now_micros: i64,
    /// How many polls this conversation has made before this one.
    pub cycle: u64,
}

/// One protocol conversation. See the module documentation for the call order.
pub trait Dialect: Send {
    /// The protocol's name as scenario files write it (`"s7comm"`).
    fn protocol(&self) -> &'static str;
    fn transport(&self) -> Transport;
    fn session_start(&mut self) -> Vec<Message> {
        Vec::new()
    }
    fn identify(&mut self) -> Vec<Message> {
        Vec::new()
    }
    /// Which identity attributes [`Dialect::identify`] (or the session start) reveals.
    fn reveals(&self) -> &'static [Revealed] {
        &[]
    }
    fn poll(&mut self, poll: &PollContext) -> Vec<Message>;
    /// The messages of an action, or `None` when this protocol cannot express it.
    fn action(&mut self, kind: ActionKind, poll: &PollContext) -> Option<Vec<Message>>;
    /// Messages sent before the transport closes (COTP disconnect, UnRegisterSession).
    fn session_end(&mut self) -> Vec<Message> {
        Vec::new()
    }
}

/// A moving process value, deterministic in (seed, index, time): a slow triangle wave
/// between `low` and `high` with a period of one to five minutes, plus a little noise.
/// Only basic arithmetic, so the value is bit-identical on every platform.
pub fn process_value(seed: u64, index: u32, now_micros: i64, low: f64, high: f64) -> f64 {
    let mut rng = SplitMix64::new(seed ^ (u64::from(index) << 32) ^ 0x5eed);
    let period = rng.range(60_000_000, 300_000_000);
    let phase = rng.range(0, period - 1);
    let position = (now_micros + phase).rem_euclid(period) as f64 / period as f64;
    let triangle = if position < 0.5 {
        position * 2.0
    } else {
        2.0 - position * 2.0
    };
    let mut noise = SplitMix64::new(seed ^ index as u64 ^ (now_micros as u64 / 100_000));
    let jitter = noise.symmetric(0.01);
    let value = low + (high - low) * (triangle + jitter).clamp(0.0, 1.0);
    value.clamp(low, high)
}

/// Error from building a dialect for a conversation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialectError {
    #[error("unknown protocol {0:?}; known: {1}")]
    UnknownProtocol(String, String),
    #[error("device {device:?}: {message}")]
    Device { device: String, message: String },
}

/// The protocols scenario files can name, with a one-line description each.
pub fn protocols() -> Vec<(&'static str, &'static str)> {
    crate::dialects::REGISTRY
        .iter()
        .map(|d| (d.name, d.description))
        .collect()
}

/// Builds the dialect for `protocol` between the two devices of `context`.
pub fn build(
    protocol: &str,
    context: &DialectContext<'_>,
) -> Result<Box<dyn Dialect>, DialectError> {
    match crate::dialects::REGISTRY
        .iter()
        .find(|d| d.name == protocol)
    {
        Some(entry) => (entry.build)(context),
        None => Err(DialectError::UnknownProtocol(
            protocol.to_string(),
            crate::dialects::REGISTRY
                .iter()
                .map(|d| d.name)
                .collect::<Vec<_>>()
                .join(", "),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_values_move_and_stay_in_range() {
        let mut seen = std::collections::BTreeSet::new();
        for step in 0..600 {
            let v = process_value(7, 3, 1_700_000_000_000_000 + step * 1_000_000, 10.0, 90.0);
            assert!((10.0..=90.0).contains(&v), "{v}");
            seen.insert((v * 10.0) as i64);
        }
        assert!(seen.len() > 50, "values should move: {}", seen.len());
        assert_eq!(
            process_value(7, 3, 1_700_000_000_000_000, 10.0, 90.0),
            process_value(7, 3, 1_700_000_000_000_000, 10.0, 90.0)
        );
    }

    #[test]
    fn action_names_round_trip() {
        for kind in ActionKind::ALL {
            assert_eq!(ActionKind::from_name(kind.name()), Some(kind));
        }
    }
}
