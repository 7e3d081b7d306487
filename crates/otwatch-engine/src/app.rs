//! Per-flow application state: which protocol the flow carries, and the facts its
//! messages reveal about hosts (names, addresses) and about what is asked (functions).

use crate::dnp3::Dnp3Flow;
use crate::enip::EnipFlow;
use crate::it::{SessionFlow, SnmpFlow};
use crate::modbus::ModbusFlow;
use crate::s7::S7Flow;
use otwatch_dissect::identify::{self, AppProtocol, Confidence};
use otwatch_dissect::{dhcp, dns, netbios};
use otwatch_flow::FlowKey;
use otwatch_inventory::{EvidenceRef, Observations, Subject, Via};
use otwatch_model::logs::{ConnId, LogRow, LogSpec, Value};
use otwatch_model::{Micros, ProtocolEvent};
use std::net::IpAddr;

/// Payload chunks per direction tried for identification before settling for the port.
const MAX_TRIES: u8 = 4;

#[derive(Debug, Default)]
pub struct AppState {
    pub service: Option<(AppProtocol, Confidence)>,
    tries: [u8; 2],
    /// Kept apart so that flows of other protocols stay small.
    modbus: Option<Box<ModbusFlow>>,
    enip: Option<Box<EnipFlow>>,
    s7: Option<Box<S7Flow>>,
    dnp3: Option<Box<Dnp3Flow>>,
    snmp: Option<Box<SnmpFlow>>,
    /// HTTP, TLS, SSH, RDP, VNC, Telnet, FTP, SMB: the opening of the session.
    session: Option<Box<SessionFlow>>,
}

/// What a dissector may touch besides its own flow.
pub struct Ctx<'a> {
    pub obs: &'a mut Observations,
    pub events: &'a mut Vec<ProtocolEvent>,
    pub events_dropped: &'a mut u64,
    pub max_events: usize,
    pub ev: EvidenceRef,
    pub capture_name: &'a str,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_mac: Option<[u8; 6]>,
    /// The flow, for the connection columns of transaction logs.
    pub conn: ConnRef<'a>,
    /// The message being handled went from originator to responder.
    pub from_orig: bool,
    /// Where transaction-log rows go; `None` when no log output was asked for, so that
    /// dissectors build no rows at all.
    pub logs: Option<&'a mut Vec<LogRow>>,
}

/// What names a flow in a log row.
#[derive(Clone, Copy)]
pub struct ConnRef<'a> {
    pub key: &'a FlowKey,
    pub first_ts: Micros,
    pub orig: (IpAddr, u16),
    pub resp: (IpAddr, u16),
}

impl Ctx<'_> {
    /// Transaction logs were asked for.
    pub fn logging(&self) -> bool {
        self.logs.is_some()
    }

    /// Adds a row to log `spec`, for the message being handled.
    pub fn log(&mut self, spec: &'static LogSpec, values: Vec<Value>) {
        let from_orig = self.from_orig;
        self.log_directed(spec, from_orig, values);
    }

    /// Adds a row for a message in the given direction (a transaction logged when its
    /// response arrives still belongs to its request).
    pub fn log_directed(&mut self, spec: &'static LogSpec, from_orig: bool, values: Vec<Value>) {
        let ts = self.ev.ts;
        self.log_at(spec, ts, from_orig, values);
    }

    /// Adds a row stamped with an earlier time: a transaction written when its response
    /// arrives carries the time of its request.
    pub fn log_at(
        &mut self,
        spec: &'static LogSpec,
        ts: Micros,
        from_orig: bool,
        values: Vec<Value>,
    ) {
        let Some(rows) = self.logs.as_mut() else {
            return;
        };
        debug_assert_eq!(values.len(), spec.columns.len(), "log {}", spec.name);
        let c = self.conn;
        rows.push(LogRow {
            spec,
            ts,
            conn: ConnId {
                uid: crate::worker::uid_of(c.first_ts, c.key, c.orig),
                orig_h: c.orig.0,
                orig_p: c.orig.1,
                resp_h: c.resp.0,
                resp_p: c.resp.1,
            },
            from_orig,
            values,
        });
    }

    /// Bytes delivered for the other direction than the packet in hand (data released by
    /// an acknowledgement): addresses and direction swap.
    pub fn turn_around(&mut self) {
        std::mem::swap(&mut self.src, &mut self.dst);
        self.from_orig = !self.from_orig;
        self.src_mac = None;
    }

    pub fn event(&mut self, protocol: &str, kind: String, detail: String) {
        if self.events.len() >= self.max_events {
            *self.events_dropped += 1;
            return;
        }
        self.events.push(ProtocolEvent {
            ts: self.ev.ts,
            flow_uid: None,
            protocol: protocol.to_string(),
            kind,
            src: Some(self.src),
            dst: Some(self.dst),
            detail,
            capture: self.capture_name.to_string(),
            frame: self.ev.frame,
        });
    }
}

impl AppState {
    /// Identification on a payload chunk; a payload match replaces a port guess, and
    /// S7 data upgrades a COTP-only identification.
    fn identify(&mut self, tcp: bool, from_orig: bool, data: &[u8], sport: u16, dport: u16) {
        let dir = usize::from(!from_orig);
        let settled = match self.service {
            Some((AppProtocol::Cotp, Confidence::Payload)) => false,
            Some((_, Confidence::Payload)) => true,
            _ => false,
        };
        if settled || self.tries[dir] >= MAX_TRIES || data.is_empty() {
            return;
        }
        self.tries[dir] += 1;
        if let Some((p, Confidence::Payload)) = identify::identify(tcp, data, sport, dport) {
            if self.service != Some((AppProtocol::S7comm, Confidence::Payload)) {
                self.service = Some((p, Confidence::Payload));
            }
        }
    }

    /// At the end of the flow: fall back to the port when the payload said nothing.
    pub fn finish(&mut self, tcp: bool, orig_port: u16, resp_port: u16) {
        if self.service.is_none() {
            self.service =
                identify::by_port(tcp, resp_port, orig_port).map(|p| (p, Confidence::Port));
        }
    }

    /// A chunk of a reassembled TCP stream.
    pub fn on_stream(
        &mut self,
        from_orig: bool,
        data: &[u8],
        sport: u16,
        dport: u16,
        ctx: &mut Ctx<'_>,
    ) {
        self.identify(true, from_orig, data, sport, dport);
        if matches!(
            self.service,
            Some((AppProtocol::Modbus, Confidence::Payload))
        ) {
            // The server is the side on 502; elsewhere the originator is the client.
            let request = dport == 502 || (sport != 502 && from_orig);
            self.modbus
                .get_or_insert_with(Default::default)
                .chunk(request, data, ctx);
        } else if matches!(self.service, Some((AppProtocol::Enip, Confidence::Payload))) {
            self.enip.get_or_insert_with(Default::default).chunk(
                usize::from(!from_orig),
                data,
                ctx,
            );
        } else if matches!(
            self.service,
            Some((
                AppProtocol::S7comm | AppProtocol::S7commPlus | AppProtocol::Cotp,
                Confidence::Payload
            ))
        ) {
            self.s7
                .get_or_insert_with(Default::default)
                .chunk(usize::from(!from_orig), data, ctx);
        } else if self.carries_dnp3(sport, dport) {
            self.dnp3.get_or_insert_with(Default::default).chunk(
                usize::from(!from_orig),
                data,
                ctx,
            );
        } else if let Some(p) = crate::it::session_protocol(self.service, sport, dport) {
            // A port guess (Telnet, FTP) gives way when the payload names the protocol.
            if self.session.as_ref().is_some_and(|s| s.protocol() != p) {
                self.session = None;
            }
            self.session
                .get_or_insert_with(|| Box::new(SessionFlow::new(p)))
                .chunk(usize::from(!from_orig), data, ctx);
        }
    }

    /// DNP3 when the payload says so, or on its port unless the payload says otherwise.
    fn carries_dnp3(&self, sport: u16, dport: u16) -> bool {
        match self.service {
            Some((AppProtocol::Dnp3, _)) => true,
            Some((_, Confidence::Payload)) => false,
            _ => sport == 20000 || dport == 20000,
        }
    }

    /// Per protocol, how often the flow's limit on open transactions forgot a request; the
    /// summary reports them as `<protocol>_open_transaction_limit` drops.
    pub fn transaction_limit_hits(&self, mut report: impl FnMut(&'static str, u64)) {
        if let Some(m) = self.modbus.as_ref() {
            report("modbus", m.pending_limit_hits());
        }
        if let Some(d) = self.dnp3.as_ref() {
            report("dnp3", d.pending_limit_hits());
        }
        if let Some(e) = self.enip.as_ref() {
            report("enip", e.pending_limit_hits());
        }
        if let Some(s) = self.s7.as_ref() {
            report("s7comm", s.pending_limit_hits());
        }
    }

    /// The flow ended: protocols write what they still hold (transactions never answered).
    pub fn on_end(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(m) = self.modbus.as_mut() {
            m.end(ctx);
        }
        if let (Some(d), Some(rows)) = (self.dnp3.as_mut(), ctx.logs.as_deref_mut()) {
            d.end(ctx.conn, rows);
        }
        if let Some(s) = self.session.as_mut() {
            s.end(ctx);
        }
    }

    /// Bytes are missing from the stream: framing state cannot be trusted.
    pub fn on_gap(&mut self) {
        if let Some(m) = self.modbus.as_mut() {
            m.gap();
        }
        if let Some(e) = self.enip.as_mut() {
            e.gap();
        }
        if let Some(s) = self.s7.as_mut() {
            s.gap();
        }
        if let Some(d) = self.dnp3.as_mut() {
            d.gap();
        }
        if let Some(s) = self.session.as_mut() {
            s.gap();
        }
    }

    /// One UDP datagram.
    pub fn on_datagram(
        &mut self,
        from_orig: bool,
        data: &[u8],
        sport: u16,
        dport: u16,
        ctx: &mut Ctx<'_>,
    ) {
        self.identify(false, from_orig, data, sport, dport);
        let on = |p: u16| sport == p || dport == p;
        if on(67) || on(68) {
            dhcp_facts(data, ctx);
        } else if on(53) || on(5353) || on(5355) {
            dns_facts(data, on(5353), ctx);
        } else if on(137) {
            nbns_facts(data, ctx);
        } else if on(138) {
            nbdgm_facts(data, ctx);
        } else if on(161) || on(162) {
            self.snmp
                .get_or_insert_with(Default::default)
                .datagram(data, ctx);
        } else if on(44818) {
            self.enip
                .get_or_insert_with(Default::default)
                .datagram(data, ctx);
        } else if on(2222) {
            crate::enip::io_datagram(data, ctx);
        } else if self.carries_dnp3(sport, dport) {
            self.dnp3.get_or_insert_with(Default::default).datagram(
                usize::from(!from_orig),
                data,
                ctx,
            );
        } else if on(47808)
            || matches!(
                self.service,
                Some((AppProtocol::Bacnet, Confidence::Payload))
            )
        {
            bacnet_facts(data, ctx);
        }
    }
}

/// I-Am announcements and ReadProperty answers about the Device object. A message from a
/// device on another BACnet network arrives through a router: it is recorded as an event
/// only, since the IP address is the router's.
fn bacnet_facts(data: &[u8], ctx: &mut Ctx<'_>) {
    use otwatch_dissect::bacnet;
    let Ok(Some(npdu)) = bacnet::parse(data) else {
        return;
    };
    let behind = npdu
        .source_network
        .map(|n| format!(" (device on BACnet network {n}, behind the router at this address)"));
    if let Some(i_am) = bacnet::i_am(npdu.apdu) {
        if behind.is_none() {
            let message = "BACnet I-Am";
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                "bacnet_device_instance",
                &i_am.device_instance.to_string(),
                "bacnet",
                message,
                1.0,
                ctx.ev,
            );
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                "bacnet_vendor_id",
                &i_am.vendor_id.to_string(),
                "bacnet",
                message,
                1.0,
                ctx.ev,
            );
        }
        let detail = format!(
            "device {} vendor id {}{}",
            i_am.device_instance,
            i_am.vendor_id,
            behind.clone().unwrap_or_default()
        );
        ctx.event("bacnet", "bacnet_i_am".into(), detail);
    }
    let Some(v) = bacnet::read_property_ack(npdu.apdu) else {
        return;
    };
    if v.object_type != bacnet::OBJECT_DEVICE {
        return;
    }
    let Some(property) = bacnet::property_name(v.property) else {
        return;
    };
    let attribute = match property {
        "vendor-name" => "vendor",
        "model-name" => "model",
        "firmware-revision" => "firmware",
        "application-software-version" => "application_version",
        "object-name" => "object_name",
        "vendor-identifier" => "bacnet_vendor_id",
        other => other,
    };
    if behind.is_none() {
        let message = format!(
            "BACnet ReadProperty acknowledgement, device {} property {property}",
            v.instance
        );
        ctx.obs.attribute(
            Subject::Ip(ctx.src),
            attribute,
            &v.value,
            "bacnet",
            &message,
            1.0,
            ctx.ev,
        );
        if attribute == "object_name" {
            ctx.obs.name(
                None,
                Some(ctx.src),
                &v.value,
                "bacnet",
                &message,
                0.9,
                ctx.ev,
            );
        }
    }
    let detail = format!(
        "device {} {property} = {:?}{}",
        v.instance,
        v.value,
        behind.unwrap_or_default()
    );
    ctx.event("bacnet", "bacnet_device_property".into(), detail);
}

fn fmt_mac(mac: &[u8; 6]) -> String {
    otwatch_wire::format_mac(*mac)
}

fn dhcp_facts(data: &[u8], ctx: &mut Ctx<'_>) {
    let Ok(msg) = dhcp::parse(data) else { return };
    let kind = msg
        .message_type
        .map(dhcp::message_type_name)
        .unwrap_or("BOOTP");
    let client = msg.client_mac;
    let client_mac = (client != [0; 6]).then_some(client);
    if msg.op == 1 {
        for (name, what) in [
            (&msg.hostname, "option 12 (host name)"),
            (&msg.client_fqdn, "option 81 (client FQDN)"),
        ] {
            if let Some(n) = name {
                let message = format!("DHCP {kind} {what}");
                ctx.obs
                    .name(client_mac, None, n, "dhcp", &message, 1.0, ctx.ev);
            }
        }
    }
    if msg.op == 2 && msg.message_type == Some(5) && !msg.yiaddr.is_unspecified() {
        if let Some(mac) = client_mac {
            ctx.obs
                .sighting(mac, Some(IpAddr::V4(msg.yiaddr)), Via::Dhcp, ctx.ev);
        }
    }
    let mut detail = format!("client {}", fmt_mac(&client));
    if let Some(h) = &msg.hostname {
        detail.push_str(&format!(" host name {h:?}"));
    }
    if let Some(ip) = msg.requested_ip {
        detail.push_str(&format!(" requested {ip}"));
    }
    if !msg.yiaddr.is_unspecified() {
        detail.push_str(&format!(" assigned {}", msg.yiaddr));
    }
    if let Some(v) = &msg.vendor_class {
        detail.push_str(&format!(" vendor class {v:?}"));
    }
    ctx.event(
        "dhcp",
        format!("dhcp_{}", kind.to_ascii_lowercase()),
        detail,
    );
}

fn dns_facts(data: &[u8], multicast: bool, ctx: &mut Ctx<'_>) {
    let Ok(msg) = dns::parse(data) else { return };
    if !msg.is_response {
        return;
    }
    // An mDNS answer is the host speaking for itself; a DNS answer is the resolver's word.
    let (protocol, confidence) = if multicast {
        ("mdns", 0.9)
    } else {
        ("dns", 0.7)
    };
    for rec in msg.answers.iter().chain(msg.additional.iter()) {
        match &rec.data {
            dns::DnsRData::A(a) => {
                let message = format!(
                    "{} answer: A record for {}",
                    protocol.to_uppercase(),
                    rec.name
                );
                ctx.obs.name(
                    None,
                    Some(IpAddr::V4(*a)),
                    &rec.name,
                    protocol,
                    &message,
                    confidence,
                    ctx.ev,
                );
            }
            dns::DnsRData::Aaaa(a) => {
                let message = format!(
                    "{} answer: AAAA record for {}",
                    protocol.to_uppercase(),
                    rec.name
                );
                ctx.obs.name(
                    None,
                    Some(IpAddr::V6(*a)),
                    &rec.name,
                    protocol,
                    &message,
                    confidence,
                    ctx.ev,
                );
            }
            dns::DnsRData::Name(target) if rec.rtype == 12 => {
                if let Some(ip) = reverse_name_to_ip(&rec.name) {
                    let message = format!(
                        "{} answer: PTR record {}",
                        protocol.to_uppercase(),
                        rec.name
                    );
                    ctx.obs.name(
                        None,
                        Some(ip),
                        target,
                        protocol,
                        &message,
                        confidence,
                        ctx.ev,
                    );
                }
            }
            _ => {}
        }
    }
}

/// "21.1.20.10.in-addr.arpa" to 10.20.1.21.
fn reverse_name_to_ip(name: &str) -> Option<IpAddr> {
    let stem = name.strip_suffix(".in-addr.arpa")?;
    let mut octets = [0u8; 4];
    let parts: Vec<&str> = stem.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    for (i, p) in parts.iter().rev().enumerate() {
        octets[i] = p.parse().ok()?;
    }
    Some(IpAddr::from(octets))
}

fn nbns_facts(data: &[u8], ctx: &mut Ctx<'_>) {
    let Ok(msg) = netbios::parse_name_service(data) else {
        return;
    };
    // Registrations and refreshes carry the host's own name and address.
    let registration = matches!(msg.opcode, 5 | 8 | 9);
    let answer = msg.is_response && msg.opcode == 0;
    if !registration && !answer {
        return;
    }
    for rec in msg.answers.iter().chain(msg.additional.iter()) {
        if rec.group || !matches!(rec.name.suffix, 0x00 | 0x20) {
            continue;
        }
        for ip in &rec.addresses {
            let message = format!(
                "NetBIOS name service {} for {}<{:02x}>",
                netbios::opcode_name(msg.opcode),
                rec.name.name,
                rec.name.suffix
            );
            ctx.obs.name(
                None,
                Some(IpAddr::V4(*ip)),
                &rec.name.name,
                "netbios",
                &message,
                0.9,
                ctx.ev,
            );
        }
    }
}

fn nbdgm_facts(data: &[u8], ctx: &mut Ctx<'_>) {
    let Ok(msg) = netbios::parse_datagram(data) else {
        return;
    };
    let Some(source) = &msg.source_name else {
        return;
    };
    if matches!(source.suffix, 0x00 | 0x20) {
        let message = format!(
            "NetBIOS datagram source name {}<{:02x}>",
            source.name, source.suffix
        );
        ctx.obs.name(
            ctx.src_mac,
            Some(IpAddr::V4(msg.source_ip)),
            &source.name,
            "netbios",
            &message,
            0.9,
            ctx.ev,
        );
    }
}

/// Where layer-2 facts record their events (no IP addresses to give).
pub struct EventSink<'a> {
    pub events: &'a mut Vec<ProtocolEvent>,
    pub dropped: &'a mut u64,
    pub max: usize,
    pub capture: &'a str,
}

impl EventSink<'_> {
    fn push(&mut self, ev: EvidenceRef, protocol: &str, kind: &str, detail: String) {
        if self.events.len() >= self.max {
            *self.dropped += 1;
            return;
        }
        self.events.push(ProtocolEvent {
            ts: ev.ts,
            flow_uid: None,
            protocol: protocol.to_string(),
            kind: kind.to_string(),
            src: None,
            dst: None,
            detail,
            capture: self.capture.to_string(),
            frame: ev.frame,
        });
    }
}

/// PROFINET DCP: an Identify response states the device (by MAC); a Set request changes a
/// device's name or address, which an engineer should know about.
pub fn profinet_dcp_facts(
    payload: &[u8],
    src_mac: [u8; 6],
    ev: EvidenceRef,
    obs: &mut Observations,
    sink: &mut EventSink<'_>,
) {
    use otwatch_dissect::profinet_dcp;
    let Ok(Some(dcp)) = profinet_dcp::parse(payload) else {
        return;
    };
    let mac = fmt_mac(&src_mac);
    if dcp.is_identify_response() {
        let message = "PROFINET DCP Identify response";
        let subject = Subject::Mac(src_mac);
        let mut facts: Vec<(&'static str, String)> = Vec::new();
        if let Some(n) = &dcp.station_name {
            facts.push(("station_name", n.clone()));
            obs.name(Some(src_mac), None, n, "profinet_dcp", message, 1.0, ev);
        }
        if let Some(t) = &dcp.station_type {
            facts.push(("model", t.clone()));
        }
        if let (Some(v), Some(d)) = (dcp.vendor_id, dcp.device_id) {
            facts.push(("profinet_vendor_id", format!("0x{v:04x}")));
            facts.push(("profinet_device_id", format!("0x{d:04x}")));
        }
        if let Some(r) = dcp.role {
            facts.push(("profinet_role", profinet_dcp::role_names(r).join(", ")));
        }
        if let Some(ip) = dcp.ip.filter(|ip| !ip.is_unspecified()) {
            facts.push(("configured_ip", ip.to_string()));
        }
        for (name, value) in &facts {
            obs.attribute(subject, name, value, "profinet_dcp", message, 1.0, ev);
        }
        let detail = facts
            .iter()
            .map(|(n, v)| format!("{n}={v:?}"))
            .collect::<Vec<_>>()
            .join(" ");
        sink.push(
            ev,
            "profinet_dcp",
            "profinet_dcp_identify",
            format!("{mac} {detail}"),
        );
    } else if dcp.is_set_request() {
        let mut what = Vec::new();
        if let Some(n) = &dcp.station_name {
            what.push(format!("station name {n:?}"));
        }
        if let Some(ip) = dcp.ip {
            what.push(format!(
                "IP {ip} mask {} gateway {}",
                dcp.netmask.unwrap_or(ip),
                dcp.gateway.unwrap_or(ip)
            ));
        }
        if what.is_empty() {
            what.push(format!("blocks {:?}", dcp.blocks));
        }
        sink.push(
            ev,
            "profinet_dcp",
            "profinet_dcp_set",
            format!("{mac} sets {}", what.join(", ")),
        );
    }
}

/// LLDP and CDP: the sender names itself.
pub fn l2_discovery_facts(
    ethertype_lldp: bool,
    payload: &[u8],
    src_mac: Option<[u8; 6]>,
    ev: EvidenceRef,
    obs: &mut Observations,
) {
    let Some(mac) = src_mac else { return };
    if ethertype_lldp {
        if let Ok(info) = otwatch_dissect::lldp::parse(payload) {
            if let Some(name) = &info.system_name {
                obs.name(
                    Some(mac),
                    None,
                    name,
                    "lldp",
                    "LLDP system name TLV",
                    1.0,
                    ev,
                );
            }
        }
    } else if let Some(cdp) = otwatch_dissect::cdp::strip_snap(payload) {
        if let Ok(info) = otwatch_dissect::cdp::parse(cdp) {
            if let Some(name) = &info.device_id {
                obs.name(Some(mac), None, name, "cdp", "CDP device ID TLV", 1.0, ev);
            }
        }
    }
}

/// Zeek's `service` value for a protocol, where Zeek (with ICSNPP) has one.
pub fn zeek_service(p: AppProtocol) -> &'static str {
    match p {
        AppProtocol::Dnp3 => "dnp3_tcp",
        AppProtocol::S7comm => "cotp,s7comm",
        AppProtocol::S7commPlus => "cotp,s7comm-plus",
        AppProtocol::ProfinetCm => "spicy_profinet_io_cm",
        AppProtocol::CipIo => "cip",
        other => other.name(),
    }
}

pub fn observe_arp(
    sender_mac: [u8; 6],
    sender_ip: IpAddr,
    ev: EvidenceRef,
    obs: &mut Observations,
) {
    obs.sighting(sender_mac, Some(sender_ip), Via::Arp, ev);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name_to_ip("21.1.20.10.in-addr.arpa"),
            Some("10.20.1.21".parse().unwrap())
        );
        assert_eq!(reverse_name_to_ip("x.1.20.10.in-addr.arpa"), None);
    }

    #[test]
    fn modbus_requests_across_chunks() {
        let mut t = TestFlow::new(("10.0.0.1", 40000), ("10.0.0.1", 502));
        t.logging = false;
        let mut ctx = t.ctx(true, 1, 1);
        let mut app = AppState {
            service: Some((AppProtocol::Modbus, Confidence::Payload)),
            ..Default::default()
        };
        let two = [
            0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10, 0, 2, 0, 0, 0, 6, 1, 6, 0, 4, 4, 0xb0,
        ];
        app.on_stream(true, &two[..15], 40000, 502, &mut ctx);
        app.on_stream(true, &two[15..], 40000, 502, &mut ctx);
        let mut names: Vec<_> = t
            .obs
            .functions
            .values()
            .map(|f| (f.function.clone(), f.count))
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                ("READ_HOLDING_REGISTERS".into(), 1),
                ("WRITE_SINGLE_REGISTER".into(), 1)
            ]
        );
    }
}
