//! Per-flow application state: which protocol the flow carries, and the facts its
//! messages reveal about hosts (names, addresses) and about what is asked (functions).

use crate::ads::AdsFlow;
use crate::bacnet::BacnetFlow;
use crate::bsap::BsapFlow;
use crate::dnp3::Dnp3Flow;
use crate::enip::EnipFlow;
use crate::genisys::GenisysFlow;
use crate::hart_ip::HartIpFlow;
use crate::iec104::Iec104Flow;
use crate::it::{SessionFlow, SnmpFlow};
use crate::modbus::ModbusFlow;
use crate::omron_fins::OmronFinsFlow;
use crate::opcua::OpcUaFlow;
use crate::profinet_io_cm::ProfinetCmFlow;
use crate::roc_plus::RocPlusFlow;
use crate::s7::S7Flow;
use crate::slmp::SlmpFlow;
use crate::srtp::SrtpFlow;
use crate::synchrophasor::SynchrophasorFlow;
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
    bacnet: Option<Box<BacnetFlow>>,
    genisys: Option<Box<GenisysFlow>>,
    hart_ip: Option<Box<HartIpFlow>>,
    bsap: Option<Box<BsapFlow>>,
    profinet_cm: Option<Box<ProfinetCmFlow>>,
    opcua: Option<Box<OpcUaFlow>>,
    omron_fins: Option<Box<OmronFinsFlow>>,
    iec104: Option<Box<Iec104Flow>>,
    synchrophasor: Option<Box<SynchrophasorFlow>>,
    roc_plus: Option<Box<RocPlusFlow>>,
    ads: Option<Box<AdsFlow>>,
    slmp: Option<Box<SlmpFlow>>,
    srtp: Option<Box<SrtpFlow>>,
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
    /// The worker's kept events, asked before an event is described whether it could be
    /// kept at all; `None` keeps every event (the protocol modules' tests).
    pub event_store: Option<&'a mut crate::events::EventStore>,
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

    /// Whether an event of `kind` from the message at hand could be kept; when not, it is
    /// counted as dropped here, so that a flood costs no time describing what is not kept.
    pub fn room_for_event(&mut self, kind: &str) -> bool {
        if !self.room_for_any_event() {
            return false;
        }
        match self.event_store.as_deref_mut() {
            Some(store) => store.would_keep(kind, self.ev.ts, self.capture_name, self.ev.frame),
            None => true,
        }
    }

    /// Whether the events recorded since the last batch leave room for one more.
    pub fn room_for_any_event(&mut self) -> bool {
        if self.events.len() >= self.max_events {
            *self.events_dropped += 1;
            return false;
        }
        true
    }

    pub fn event(&mut self, protocol: &str, kind: String, detail: String) {
        if !self.room_for_event(&kind) {
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
        let side = usize::from(!from_orig);
        if self.named_by_payload(AppProtocol::Modbus) {
            // The server is the side on 502; elsewhere the originator is the client.
            let request = dport == 502 || (sport != 502 && from_orig);
            self.modbus
                .get_or_insert_with(Default::default)
                .chunk(request, data, ctx);
        } else if self.named_by_payload(AppProtocol::Enip) {
            self.enip
                .get_or_insert_with(Default::default)
                .chunk(side, data, ctx);
        } else if matches!(
            self.service,
            Some((
                AppProtocol::S7comm
                    | AppProtocol::S7commPlus
                    | AppProtocol::Mms
                    | AppProtocol::Cotp,
                Confidence::Payload
            ))
        ) || (self.service.is_none() && (sport == 102 || dport == 102))
        {
            // Unrecognised yet on port 102: stacks that send the TPKT header in a segment
            // of its own defeat identification by the first chunks, not the framer.
            let s7 = self.s7.get_or_insert_with(Default::default);
            s7.chunk(side, data, ctx);
            // Identification may have missed it (TPKT headers in segments of their own).
            if s7.carries_mms()
                && matches!(
                    self.service,
                    None | Some((_, Confidence::Port)) | Some((AppProtocol::Cotp, _))
                )
            {
                self.service = Some((AppProtocol::Mms, Confidence::Payload));
            }
        } else if self.carries(AppProtocol::Dnp3, &[20000], sport, dport) {
            self.dnp3
                .get_or_insert_with(Default::default)
                .chunk(side, data, ctx);
        } else if self.named_by_payload(AppProtocol::HartIp) {
            self.hart_ip
                .get_or_insert_with(Default::default)
                .chunk(side, data, ctx);
        } else if self.carries(AppProtocol::RocPlus, &[4000], sport, dport) {
            self.roc_plus
                .get_or_insert_with(Default::default)
                .chunk(side, data, ctx);
        } else if self.carries(AppProtocol::Iec104, &[2404], sport, dport) {
            self.iec104
                .get_or_insert_with(Default::default)
                .chunk(side, data, ctx);
        } else if self.named_by_payload(AppProtocol::Genisys) {
            self.genisys
                .get_or_insert_with(Default::default)
                .chunk(side, data, ctx);
        } else if self.carries(AppProtocol::OpcUa, &[4840, 4843], sport, dport) {
            self.opcua
                .get_or_insert_with(Default::default)
                .chunk(side, data, ctx);
        } else if self.carries(AppProtocol::Synchrophasor, &[4712], sport, dport) {
            self.synchrophasor
                .get_or_insert_with(Default::default)
                .chunk(side, data, true, ctx);
        } else if self.carries(AppProtocol::OmronFins, &[9600], sport, dport) {
            self.omron_fins
                .get_or_insert_with(Default::default)
                .chunk(side, data, ctx);
        } else if self.carries(AppProtocol::Ads, &[48898], sport, dport) {
            self.ads
                .get_or_insert_with(Default::default)
                .chunk(side, data, ctx);
        } else if self.named_by_payload(AppProtocol::Slmp) {
            self.slmp
                .get_or_insert_with(Default::default)
                .chunk(side, data, ctx);
        } else if self.named_by_payload(AppProtocol::Srtp) {
            self.srtp
                .get_or_insert_with(Default::default)
                .chunk(dport == 18245, data, ctx);
        } else if let Some(p) = crate::it::session_protocol(self.service, sport, dport) {
            // A port guess (Telnet, FTP) gives way when the payload names the protocol.
            if self.session.as_ref().is_some_and(|s| s.protocol() != p) {
                self.session = None;
            }
            self.session
                .get_or_insert_with(|| Box::new(SessionFlow::new(p)))
                .chunk(side, data, ctx);
        }
    }

    /// The payload named `protocol` (no port guess).
    fn named_by_payload(&self, protocol: AppProtocol) -> bool {
        self.service == Some((protocol, Confidence::Payload))
    }

    /// `protocol` when the payload says so, or on one of its ports unless the payload says
    /// otherwise. ROC Plus has no signature of its own, so its port alone decides; OPC UA
    /// also listens on 4843 in TLS-wrapped deployments that still speak UA TCP inside.
    fn carries(&self, protocol: AppProtocol, ports: &[u16], sport: u16, dport: u16) -> bool {
        match self.service {
            Some((p, _)) if p == protocol => true,
            Some((_, Confidence::Payload)) => false,
            _ => ports.iter().any(|&p| sport == p || dport == p),
        }
    }

    /// PROFINET IO-CM once a datagram of the flow was recognised as such (the ports are
    /// chosen per relation), or a DCE/RPC datagram to its well-known port.
    fn carries_profinet_cm(&self, dport: u16) -> bool {
        match self.service {
            Some((AppProtocol::ProfinetCm, Confidence::Payload)) => true,
            Some((_, Confidence::Payload)) => false,
            _ => dport == 34964,
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
        if let Some(b) = self.bacnet.as_ref() {
            report("bacnet", b.pending_limit_hits());
        }
        if let Some(o) = self.opcua.as_ref() {
            report("opcua", o.pending_limit_hits());
        }
        if let Some(a) = self.ads.as_ref() {
            report("ads", a.pending_limit_hits());
        }
        if let Some(s) = self.slmp.as_ref() {
            report("slmp", s.pending_limit_hits());
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
        if let (Some(o), Some(rows)) = (self.opcua.as_mut(), ctx.logs.as_deref_mut()) {
            o.end(ctx.conn, rows);
        }
        if let Some(s) = self.synchrophasor.as_ref() {
            s.end(ctx);
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
        if let Some(g) = self.genisys.as_mut() {
            g.gap();
        }
        if let Some(h) = self.hart_ip.as_mut() {
            h.gap();
        }
        if let Some(o) = self.opcua.as_mut() {
            o.gap();
        }
        if let Some(f) = self.omron_fins.as_mut() {
            f.gap();
        }
        if let Some(i) = self.iec104.as_mut() {
            i.gap();
        }
        if let Some(s) = self.synchrophasor.as_mut() {
            s.gap();
        }
        if let Some(r) = self.roc_plus.as_mut() {
            r.gap();
        }
        if let Some(a) = self.ads.as_mut() {
            a.gap();
        }
        if let Some(s) = self.slmp.as_mut() {
            s.gap();
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
        } else if self.carries_profinet_cm(dport) {
            self.profinet_cm
                .get_or_insert_with(Default::default)
                .datagram(data, ctx);
        } else if self.carries(AppProtocol::Dnp3, &[20000], sport, dport) {
            self.dnp3.get_or_insert_with(Default::default).datagram(
                usize::from(!from_orig),
                data,
                ctx,
            );
        } else if self.named_by_payload(AppProtocol::HartIp) {
            self.hart_ip
                .get_or_insert_with(Default::default)
                .datagram(data, ctx);
        } else if self.named_by_payload(AppProtocol::Bsap) {
            self.bsap
                .get_or_insert_with(Default::default)
                .datagram(data, ctx);
        } else if self.carries(AppProtocol::OmronFins, &[9600], sport, dport) {
            self.omron_fins
                .get_or_insert_with(Default::default)
                .datagram(data, ctx);
        } else if self.carries(AppProtocol::Synchrophasor, &[4713], sport, dport) {
            self.synchrophasor
                .get_or_insert_with(Default::default)
                .datagram(data, ctx);
        } else if self.carries(AppProtocol::RocPlus, &[4000], sport, dport) {
            self.roc_plus
                .get_or_insert_with(Default::default)
                .datagram(data, ctx);
        } else if on(48899) {
            self.ads
                .get_or_insert_with(Default::default)
                .datagram(data, ctx);
        } else if self.named_by_payload(AppProtocol::Slmp) {
            self.slmp
                .get_or_insert_with(Default::default)
                .datagram(data, ctx);
        } else if on(47808) || self.named_by_payload(AppProtocol::Bacnet) {
            self.bacnet
                .get_or_insert_with(Default::default)
                .datagram(data, ctx);
        }
    }
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
    pub fn push(&mut self, ev: EvidenceRef, protocol: &str, kind: &str, detail: String) {
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

/// PROFINET DCP: an Identify response states the device (by MAC); an Identify request
/// shows who searches the network; a Set request changes a device's name or address,
/// resets it or makes it signal, which an engineer should know about (with the MAC of
/// the station that asked).
pub fn profinet_dcp_facts(
    payload: &[u8],
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    ev: EvidenceRef,
    obs: &mut Observations,
    sink: &mut EventSink<'_>,
) {
    use otwatch_dissect::profinet_dcp;
    let Ok(Some(dcp)) = profinet_dcp::parse(payload) else {
        return;
    };
    let mac = fmt_mac(&src_mac);
    let target = fmt_mac(&dst_mac);
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
    } else if dcp.is_identify_request() {
        let filter = match &dcp.station_name {
            Some(n) => format!("station name {n:?}"),
            None => "all devices".to_string(),
        };
        sink.push(
            ev,
            "profinet_dcp",
            "profinet_dcp_identify_request",
            format!("{mac} searches for {filter} (sent to {target})"),
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
        for (option, suboption) in &dcp.blocks {
            match (option, suboption) {
                (5, 3) => what.push("signal (flash the device's LED)".into()),
                (5, 5) => what.push("reset to factory settings".into()),
                (5, 6) => what.push("reset to factory settings (by type)".into()),
                _ => {}
            }
        }
        if what.is_empty() {
            what.push(format!("blocks {:?}", dcp.blocks));
        }
        let kind = if dcp.blocks.iter().any(|b| matches!(b, (5, 5 | 6))) {
            "profinet_dcp_factory_reset"
        } else {
            "profinet_dcp_set"
        };
        sink.push(
            ev,
            "profinet_dcp",
            kind,
            format!("{mac} sets {} on {target}", what.join(", ")),
        );
    }
}

/// LLDP and CDP: the sender names itself; LLDP also gives its management address (an
/// address the device owns) and a system description, whose plainly stated maker, model,
/// order number, hardware and firmware become facts of their own.
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
            for ip in &info.management_addresses {
                obs.sighting(mac, Some(*ip), Via::Lldp, ev);
            }
            if let Some(text) = &info.system_description {
                let subject = Subject::Mac(mac);
                let message = "LLDP system description TLV";
                obs.attribute(subject, "description", text, "lldp", message, 1.0, ev);
                described_facts(text, subject, "lldp", message, ev, obs);
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

/// The identity a free-text self-description states plainly (SNMP sysDescr, the LLDP
/// system description): management facts, below what an industrial identity protocol says.
pub fn described_facts(
    text: &str,
    subject: Subject,
    protocol: &'static str,
    message: &str,
    ev: EvidenceRef,
    obs: &mut Observations,
) {
    let d = otwatch_dissect::sysdescr::parse(text);
    let stated = [
        ("vendor", d.vendor.map(str::to_string)),
        ("model", d.model),
        ("order_number", d.order_number),
        ("hardware_revision", d.hardware),
        ("firmware", d.firmware),
    ];
    for (name, value) in stated {
        if let Some(value) = value {
            let message = format!("{message}: {name} stated in the text");
            obs.attribute(subject, name, &value, protocol, &message, 0.9, ev);
        }
    }
}

/// Zeek's `service` value for a protocol, where Zeek (with ICSNPP) has one.
pub fn zeek_service(p: AppProtocol, udp: bool) -> &'static str {
    match p {
        AppProtocol::Dnp3 if udp => "dnp3_udp",
        AppProtocol::Dnp3 => "dnp3_tcp",
        AppProtocol::Genisys => "genisys_tcp",
        AppProtocol::S7comm => "cotp,s7comm",
        AppProtocol::S7commPlus => "cotp,s7comm-plus",
        AppProtocol::Mms => "cotp,mms",
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

    /// A DCP Set request with a control block "reset to factory" (option 5, suboption 6),
    /// laid out by IEC 61158-6-10: the corpus holds no factory reset.
    #[test]
    fn dcp_factory_reset_names_both_stations() {
        let set = [
            0xfe, 0xfd, 4, 0, 0, 0, 0, 1, 0, 0, 0, 8, 5, 6, 0, 4, 0, 0, 0, 2,
        ];
        let mut events = Vec::new();
        let mut dropped = 0;
        let mut sink = EventSink {
            events: &mut events,
            dropped: &mut dropped,
            max: 10,
            capture: "t",
        };
        let mut obs = Observations::default();
        let ev = EvidenceRef {
            ts: 1,
            capture: 0,
            frame: 1,
        };
        let (engineer, device) = ([0, 0x0c, 0x29, 1, 2, 3], [8, 0, 6, 4, 5, 6]);
        profinet_dcp_facts(&set, engineer, device, ev, &mut obs, &mut sink);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, "profinet_dcp_factory_reset");
        assert_eq!(
            events[0].detail,
            "00:0c:29:01:02:03 sets reset to factory settings (by type) on 08:00:06:04:05:06"
        );
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

    /// mb2.pcap (ITI Modbus captures), frame 499 after the EtherType: the LLDP
    /// announcement of a SCALANCE X212-2 named "Switch1" with management address
    /// 141.81.0.190.
    const SCALANCE_LLDP: &str = "02080773776974636831040907706f72742d30303106020014082d5369656d656e732c2053494d41544943204e45542c2045746865726e65742053776974636820506f72742030310a07537769746368310c4c5369656d656e732c2053494d41544943204e45542c205343414c414e434520583231322d322c2036474b35203231322d32424230302d324141332c2048573a20372c2046573a2056342e30320e0400800080101405018d5100be0200000001082b0601040181c06efe08000ecf0200000000fe0a000ecf05001b1b02e61efe0900120f01036c0000100000";

    #[test]
    fn lldp_gives_the_management_address_and_the_described_identity() {
        let payload: Vec<u8> = (0..SCALANCE_LLDP.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&SCALANCE_LLDP[i..i + 2], 16).unwrap())
            .collect();
        let mac = [0x00, 0x1b, 0x1b, 0x02, 0xe6, 0x1f];
        let ev = EvidenceRef {
            ts: 1,
            capture: 0,
            frame: 499,
        };
        let mut obs = Observations::default();
        l2_discovery_facts(true, &payload, Some(mac), ev, &mut obs);

        let seen = &obs.macs[&mac];
        let management: IpAddr = "141.81.0.190".parse().unwrap();
        assert_eq!(seen.ips.len(), 1);
        assert_eq!(seen.ips[0].0, management);
        assert_eq!(seen.ips[0].1.via, Via::Lldp);

        let mut facts: Vec<(&str, &str, &str)> = obs
            .attributes
            .values()
            .map(|a| (a.name, a.value.as_str(), a.protocol))
            .collect();
        facts.sort();
        assert_eq!(
            facts,
            [
                (
                    "description",
                    "Siemens, SIMATIC NET, SCALANCE X212-2, 6GK5 212-2BB00-2AA3, HW: 7, FW: V4.02",
                    "lldp"
                ),
                ("firmware", "V4.02", "lldp"),
                ("hardware_revision", "7", "lldp"),
                ("model", "SCALANCE X212-2", "lldp"),
                ("order_number", "6GK5 212-2BB00-2AA3", "lldp"),
                ("vendor", "Siemens", "lldp"),
            ]
        );
        assert!(obs
            .attributes
            .values()
            .all(|a| a.subject == Subject::Mac(mac) && a.first.frame == 499));
        assert!(obs.names.values().any(|n| n.name == "Switch1"));
    }
}
