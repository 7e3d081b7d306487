//! One analysis worker: its own flow table, fragment table and observations.

use crate::app::{self, AppState, Ctx};
use crate::dedup::Deduplicator;
use crate::events::EventStore;
use crate::frag::{FragOutcome, FragmentTable};
use crate::summary::Counters;
use crate::AnalyzeOptions;
use otwatch_dissect::identify::{self, Confidence};
use otwatch_flow::{
    icmp_ports, Direction, Flow, FlowKey, FlowLimits, FlowTable, PacketInfo, SessionTimer,
    StreamChunk,
};

/// Ports where Zeek's DNS analyzer, and with it its session timer, runs on UDP.
const DNS_PORTS: [u16; 4] = [53, 137, 5353, 5355];
use otwatch_inventory::{EvidenceRef, Observations, Via};
use otwatch_model::logs::LogRow;
use otwatch_model::site::SiteNetworks;
use otwatch_model::{FlowRecord, IdentifiedBy, Micros, ProtocolEvent, TransportProto};
use otwatch_wire::headers::{ethertype, tcp_flags};
use otwatch_wire::{decode_frame, IpLayer, LinkType, Network, Transport, VlanTags};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A packet handed to a worker: where its bytes sit in the batch buffer.
#[derive(Debug, Clone, Copy)]
pub struct PacketMeta {
    pub start: u32,
    pub len: u32,
    pub ts: Micros,
    pub frame: u64,
    pub capture: u32,
    pub linktype: u32,
}

/// Packets travel to workers in batches, so that the channel is crossed rarely and no
/// allocation is made per packet.
#[derive(Debug, Default)]
pub struct Batch {
    pub data: Vec<u8>,
    pub packets: Vec<PacketMeta>,
}

pub struct WorkerOutput {
    pub flows: Vec<FlowRecord>,
    pub observations: Observations,
    /// The earliest events of each kind this worker saw, unordered.
    pub events: Vec<ProtocolEvent>,
    /// How many events of each kind this worker saw, kept or not.
    pub events_seen: BTreeMap<String, u64>,
    pub counters: Counters,
}

/// Events one batch of packets may record before the worker sorts them into its store;
/// only a pathological batch comes near it.
const EVENTS_PER_BATCH: usize = 100_000;

pub struct Worker {
    flows: FlowTable<AppState>,
    frags: FragmentTable,
    dedup: Deduplicator,
    obs: Observations,
    /// What the dissectors recorded since the last batch, for `event_store`.
    events: Vec<ProtocolEvent>,
    events_dropped: u64,
    event_store: EventStore,
    records: Vec<FlowRecord>,
    counters: Counters,
    opts: Arc<AnalyzeOptions>,
    captures: Arc<Vec<String>>,
    last_ts: Micros,
    fingerprint_key: u64,
    /// Transaction-log rows not yet handed to the writer (only when logs are wanted).
    log_rows: Option<Vec<LogRow>>,
    /// GOOSE publishers, Sampled Values streams and PROFINET cyclic MAC pairs.
    l2: crate::goose::L2State,
}

/// Rows are handed to the log writer in batches of this many.
const LOG_BATCH: usize = 512;

/// Enough to cover Ethernet, VLAN, IP and TCP headers with options: two frames that agree
/// here and in length are the same frame for any purpose of the analysis.
const FINGERPRINT_BYTES: usize = 128;

impl Worker {
    pub fn new(opts: Arc<AnalyzeOptions>, captures: Arc<Vec<String>>) -> Self {
        Self {
            flows: FlowTable::new(FlowLimits {
                duplicate_window: opts.duplicate_window,
                ..opts.flow_limits
            }),
            frags: FragmentTable::new(),
            dedup: Deduplicator::new(opts.duplicate_window),
            obs: Observations::default(),
            events: Vec::new(),
            events_dropped: 0,
            event_store: EventStore::new(opts.max_events_per_kind),
            records: Vec::new(),
            counters: Counters::default(),
            captures,
            last_ts: 0,
            fingerprint_key: ahash::RandomState::new().hash_one(0u64),
            log_rows: opts.transaction_logs.as_ref().map(|_| Vec::new()),
            l2: Default::default(),
            opts,
        }
    }

    /// A digest of the frame's first bytes (all headers), keyed per worker, for recognising
    /// a frame the mirror port delivered twice.
    fn fingerprint(&self, data: &[u8]) -> u64 {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write_u64(self.fingerprint_key);
        h.write(&data[..data.len().min(FINGERPRINT_BYTES)]);
        h.write_usize(data.len());
        h.finish() | 1
    }

    pub fn process_batch(&mut self, batch: &Batch) {
        for meta in &batch.packets {
            let data = &batch.data[meta.start as usize..(meta.start + meta.len) as usize];
            self.packet(meta, data);
        }
        self.event_store.absorb(&mut self.events);
    }

    pub fn packet(&mut self, meta: &PacketMeta, data: &[u8]) {
        self.counters.packets += 1;
        self.counters.bytes += data.len() as u64;
        if meta.ts > self.last_ts {
            self.last_ts = meta.ts;
        }
        let Some(link) = LinkType::from_linktype(meta.linktype) else {
            self.counters
                .drop(&format!("unsupported_linktype_{}", meta.linktype));
            return;
        };
        let frame = match decode_frame(link, data) {
            Ok(f) => f,
            Err(e) => {
                *self.counters.malformed.entry(e.reason()).or_default() += 1;
                return;
            }
        };
        let ev = EvidenceRef {
            ts: meta.ts,
            capture: meta.capture,
            frame: meta.frame,
        };
        match frame.network {
            Network::Ip(ip) => {
                self.counters.ip_packets += 1;
                if let Some(fragment) = ip.fragment {
                    if self.dedup.is_duplicate(meta.ts, data) {
                        self.counters.drop("duplicate_frame");
                        return;
                    }
                    if let Some(mac) = frame.src_mac {
                        self.obs.sighting(mac, Some(ip.src), Via::IpSource, ev);
                    }
                    match self.frags.add(
                        meta.ts,
                        ip.src,
                        ip.dst,
                        ip.protocol,
                        fragment.ident,
                        fragment.offset,
                        fragment.more,
                        ip.payload,
                    ) {
                        FragOutcome::Pending => {}
                        FragOutcome::Dropped(reason) => self.counters.drop(reason),
                        FragOutcome::Complete(whole) => {
                            self.counters.fragments_reassembled += 1;
                            match otwatch_wire::decode::decode_transport(ip.protocol, &whole) {
                                Ok(transport) => {
                                    let header = if ip.src.is_ipv4() { 20 } else { 40 };
                                    let ip_len = header + whole.len() as u32;
                                    self.transport(
                                        meta,
                                        &frame.vlans,
                                        frame.src_mac,
                                        frame.dst_mac,
                                        &ip,
                                        transport,
                                        ip_len,
                                        ev,
                                        0,
                                    );
                                }
                                Err(e) => {
                                    *self.counters.malformed.entry(e.reason()).or_default() += 1
                                }
                            }
                        }
                    }
                } else {
                    let transport = ip.transport.clone();
                    self.transport(
                        meta,
                        &frame.vlans,
                        frame.src_mac,
                        frame.dst_mac,
                        &ip,
                        transport,
                        ip.ip_len,
                        ev,
                        self.fingerprint(data),
                    );
                }
            }
            Network::Arp(_) | Network::Other { .. } | Network::Llc(_)
                if self.dedup.is_duplicate(meta.ts, data) =>
            {
                self.counters.drop("duplicate_frame");
            }
            Network::Arp(arp) => {
                self.counters.arp_packets += 1;
                let sender = arp.sender_ip();
                if !sender.is_unspecified() {
                    app::observe_arp(arp.sender_mac(), sender.into(), ev, &mut self.obs);
                } else if let Some(mac) = frame.src_mac {
                    self.obs.sighting(mac, None, Via::Arp, ev);
                }
            }
            Network::Other {
                ethertype: et,
                payload,
            } => {
                self.counters.non_ip_packets += 1;
                *self
                    .counters
                    .link_protocols
                    .entry(ethertype_name(et))
                    .or_default() += 1;
                if let Some(mac) = frame.src_mac {
                    self.obs.sighting(mac, None, Via::IpSource, ev);
                }
                if et == ethertype::LLDP {
                    app::l2_discovery_facts(true, payload, frame.src_mac, ev, &mut self.obs);
                } else if let (
                    ethertype::PROFINET | ethertype::GOOSE | ethertype::SAMPLED_VALUES,
                    Some(mac),
                ) = (et, frame.src_mac)
                {
                    let capture_name = self
                        .captures
                        .get(meta.capture as usize)
                        .map(String::as_str)
                        .unwrap_or("");
                    let mut events = app::EventSink {
                        events: &mut self.events,
                        dropped: &mut self.events_dropped,
                        max: EVENTS_PER_BATCH,
                        capture: capture_name,
                    };
                    let outcome = match et {
                        ethertype::PROFINET => {
                            let dst = frame.dst_mac.unwrap_or_default();
                            app::profinet_dcp_facts(
                                payload,
                                mac,
                                dst,
                                ev,
                                &mut self.obs,
                                &mut events,
                            );
                            self.l2.profinet_rt(payload, mac, dst)
                        }
                        ethertype::GOOSE => {
                            self.l2.goose(payload, mac, ev, &mut self.obs, &mut events)
                        }
                        _ => self
                            .l2
                            .sampled_values(payload, mac, ev, &mut self.obs, &mut events),
                    };
                    match outcome {
                        crate::goose::Outcome::Handled => {}
                        crate::goose::Outcome::Malformed(reason) => {
                            *self.counters.malformed.entry(reason).or_default() += 1
                        }
                        crate::goose::Outcome::Dropped(reason) => self.counters.drop(reason),
                    }
                } else if et == ethertype::ETHERCAT {
                    // Datagram commands are counted per type: the mix is the fingerprint
                    // of what a master does to its segment.
                    for command in otwatch_dissect::ethercat::commands(payload) {
                        let name = otwatch_dissect::ethercat::command_name(command).map_or_else(
                            || format!("ethercat_cmd_{command}"),
                            |n| format!("ethercat_{}", n.to_ascii_lowercase()),
                        );
                        *self.counters.link_protocols.entry(name).or_default() += 1;
                    }
                }
            }
            Network::Llc(payload) => {
                self.counters.non_ip_packets += 1;
                let name = if otwatch_dissect::cdp::strip_snap(payload).is_some() {
                    "cdp"
                } else {
                    "llc"
                };
                *self
                    .counters
                    .link_protocols
                    .entry(name.to_string())
                    .or_default() += 1;
                if let Some(mac) = frame.src_mac {
                    self.obs.sighting(mac, None, Via::IpSource, ev);
                }
                app::l2_discovery_facts(false, payload, frame.src_mac, ev, &mut self.obs);
            }
        }
        if !self.flows.finished.is_empty() {
            self.collect_finished();
        }
        if self.log_rows.as_ref().is_some_and(|r| r.len() >= LOG_BATCH) {
            self.send_log_rows();
        }
    }

    fn send_log_rows(&mut self) {
        let (Some(rows), Some(tx)) = (self.log_rows.as_mut(), &self.opts.transaction_logs) else {
            return;
        };
        if rows.is_empty() {
            return;
        }
        // A closed channel means the writer gave up (its error is reported there).
        let _ = tx.send(std::mem::take(rows));
    }

    #[allow(clippy::too_many_arguments)]
    fn transport(
        &mut self,
        meta: &PacketMeta,
        vlans: &VlanTags,
        src_mac: Option<[u8; 6]>,
        dst_mac: Option<[u8; 6]>,
        ip: &IpLayer<'_>,
        transport: Transport<'_>,
        ip_len: u32,
        ev: EvidenceRef,
        fingerprint: u64,
    ) {
        let (kind, src_port, dst_port, flags, payload): (TransportProto, u16, u16, u8, &[u8]) =
            match &transport {
                Transport::Tcp(t) => (
                    TransportProto::Tcp,
                    t.src_port,
                    t.dst_port,
                    t.flags,
                    t.payload,
                ),
                Transport::Udp {
                    src_port,
                    dst_port,
                    payload,
                } => (TransportProto::Udp, *src_port, *dst_port, 0, payload),
                Transport::Icmp {
                    v6,
                    icmp_type,
                    code,
                    payload,
                } => {
                    let (s, d) = icmp_ports(*v6, *icmp_type, *code);
                    (TransportProto::Icmp, s, d, 0, payload)
                }
                Transport::Other | Transport::Fragment => (TransportProto::Other, 0, 0, 0, &[][..]),
            };
        let info = PacketInfo {
            ts: meta.ts,
            src: ip.src,
            dst: ip.dst,
            src_port,
            dst_port,
            ip_proto: ip.protocol,
            transport: kind,
            vlans: *vlans,
            ip_len,
            payload_len: payload.len() as u32,
            tcp_flags: flags,
            src_mac,
            dst_mac,
            capture: meta.capture,
            frame: meta.frame,
            fingerprint,
        };
        let Some((flow, dir)) = self.flows.packet(&info, AppState::default) else {
            self.counters.drop("duplicate_frame");
            return;
        };
        match kind {
            TransportProto::Tcp => self.counters.tcp_packets += 1,
            TransportProto::Udp => self.counters.udp_packets += 1,
            TransportProto::Icmp => self.counters.icmp_packets += 1,
            TransportProto::Other => self.counters.other_ip_packets += 1,
        }
        // Which MAC used which address is recorded once per flow and direction, not per
        // packet (the flow's end extends the time it was last seen) — and again whenever a
        // direction's frames come from another MAC than its first (two capture points,
        // a failover), so that no sender is missed.
        if let Some(mac) = src_mac {
            if flow.pkts[dir.index()] == 1 || flow.macs[dir.index()] != Some(mac) {
                self.obs.sighting(mac, Some(ip.src), Via::IpSource, ev);
            }
        }
        if kind == TransportProto::Udp
            && flow.session_timer.is_none()
            && [src_port, dst_port].iter().any(|p| DNS_PORTS.contains(p))
        {
            flow.session_timer = Some(SessionTimer::dns(flow.first_ts));
        }
        let Flow {
            tcp,
            streams,
            app,
            key,
            first_ts,
            orig,
            resp,
            ..
        } = flow;
        let capture_name = self
            .captures
            .get(meta.capture as usize)
            .map(String::as_str)
            .unwrap_or("");
        let mut ctx = Ctx {
            obs: &mut self.obs,
            events: &mut self.events,
            events_dropped: &mut self.events_dropped,
            max_events: EVENTS_PER_BATCH,
            event_store: Some(&mut self.event_store),
            ev,
            capture_name,
            src: ip.src,
            dst: ip.dst,
            src_mac,
            conn: app::ConnRef {
                key,
                first_ts: *first_ts,
                orig: *orig,
                resp: *resp,
            },
            from_orig: dir == Direction::FromOrig,
            logs: self.log_rows.as_mut(),
        };
        let from_orig = dir == Direction::FromOrig;
        match transport {
            Transport::Tcp(seg) => {
                let tracker = tcp.as_mut().expect("TCP flow has a tracker");
                let (mine, theirs) = if from_orig { (0, 1) } else { (1, 0) };
                let (sport, dport) = (seg.src_port, seg.dst_port);
                let limits = &self.opts.reassembly_limits;
                let outcome = {
                    let mut deliver = |chunk: StreamChunk<'_>| match chunk {
                        StreamChunk::Data(d) => app.on_stream(from_orig, d, sport, dport, &mut ctx),
                        StreamChunk::Gap(_) => app.on_gap(),
                    };
                    streams[mine].segment(
                        seg.seq,
                        seg.flags & tcp_flags::SYN != 0,
                        seg.payload,
                        limits,
                        &mut deliver,
                    )
                };
                tracker.segment(from_orig, seg.flags, seg.seq, seg.payload.len());
                if outcome.retransmission {
                    tracker.mark(from_orig, b't');
                }
                if outcome.gap {
                    tracker.mark(from_orig, b'g');
                }
                if seg.flags & tcp_flags::ACK != 0 && seg.flags & tcp_flags::RST == 0 {
                    self.counters.tcp_acks += 1;
                    // The peer's stream runs the other way: its bytes flow from `theirs`.
                    let peer_is_orig = !from_orig;
                    ctx.turn_around();
                    let mut deliver = |chunk: StreamChunk<'_>| match chunk {
                        StreamChunk::Data(d) => {
                            app.on_stream(peer_is_orig, d, dport, sport, &mut ctx)
                        }
                        StreamChunk::Gap(_) => app.on_gap(),
                    };
                    let revealed_gap = streams[theirs].acknowledged(seg.ack, &mut deliver);
                    ctx.turn_around();
                    if revealed_gap {
                        self.counters.tcp_acks_revealing_gaps += 1;
                        tracker.mark(peer_is_orig, b'g');
                    }
                }
            }
            Transport::Udp {
                src_port,
                dst_port,
                payload,
            } => {
                app.on_datagram(from_orig, payload, src_port, dst_port, &mut ctx);
            }
            _ => {}
        }
    }

    fn collect_finished(&mut self) {
        let finished = std::mem::take(&mut self.flows.finished);
        for flow in finished {
            let record = self.finish_flow(*flow);
            self.records.push(record);
        }
    }

    fn finish_flow(&mut self, mut flow: Flow<AppState>) -> FlowRecord {
        let tcp = flow.transport == TransportProto::Tcp;
        if tcp {
            // Held segments can no longer be completed; the application sees the gap.
            let Flow { streams, app, .. } = &mut flow;
            for stream in streams.iter_mut() {
                stream.flush(&mut |c| {
                    if let StreamChunk::Gap(_) = c {
                        app.on_gap();
                    }
                });
                self.counters.reassembly.add(&stream.stats);
            }
        }
        if self.log_rows.is_some() {
            self.end_of_flow_logs(&mut flow);
        }
        flow.app.finish(tcp, flow.orig.1, flow.resp.1);
        let dropped = &mut self.counters.dropped;
        flow.app.transaction_limit_hits(|protocol, hits| {
            if hits > 0 {
                *dropped
                    .entry(format!("{protocol}_open_transaction_limit"))
                    .or_default() += hits;
            }
        });
        for (i, ip) in [flow.orig.0, flow.resp.0].into_iter().enumerate() {
            if let (Some(mac), true) = (flow.macs[i], flow.pkts[i] > 0) {
                self.obs.extend(mac, ip, flow.last_ts, flow.pkts[i]);
            }
        }
        record_of(&flow, &self.captures, &self.opts.site)
    }

    /// What a flow's protocols still hold when it ends (requests never answered) goes to the
    /// transaction logs; rows carry their own times, the flow's last packet stands in for the
    /// rest.
    fn end_of_flow_logs(&mut self, flow: &mut Flow<AppState>) {
        let Flow {
            app,
            key,
            first_ts,
            last_ts,
            orig,
            resp,
            first_capture,
            ..
        } = flow;
        let mut ctx = Ctx {
            obs: &mut self.obs,
            events: &mut self.events,
            events_dropped: &mut self.events_dropped,
            max_events: EVENTS_PER_BATCH,
            event_store: Some(&mut self.event_store),
            ev: EvidenceRef {
                ts: *last_ts,
                capture: *first_capture,
                frame: 0,
            },
            capture_name: self
                .captures
                .get(*first_capture as usize)
                .map(String::as_str)
                .unwrap_or(""),
            src: orig.0,
            dst: resp.0,
            src_mac: None,
            conn: app::ConnRef {
                key,
                first_ts: *first_ts,
                orig: *orig,
                resp: *resp,
            },
            from_orig: true,
            logs: self.log_rows.as_mut(),
        };
        app.on_end(&mut ctx);
    }

    /// Ends every flow and forgets short-lived state, at a break between captures.
    pub fn end_segment(&mut self) {
        self.flows.finish_all();
        self.collect_finished();
        self.frags.expire(Micros::MAX);
        self.dedup = Deduplicator::new(self.opts.duplicate_window);
    }

    pub fn finish(mut self) -> WorkerOutput {
        self.flows.finish_all();
        self.collect_finished();
        self.send_log_rows();
        self.frags.expire(Micros::MAX);
        if self.frags.timed_out > 0 {
            *self
                .counters
                .dropped
                .entry("fragment_incomplete".into())
                .or_default() += self.frags.timed_out;
        }
        if self.events_dropped > 0 {
            *self
                .counters
                .dropped
                .entry("event_limit".into())
                .or_default() += self.events_dropped;
        }
        self.counters.flow_table = self.flows.stats;
        self.counters.cyclic_streams = std::mem::take(&mut self.l2.cyclic);
        if self.l2.state_changes_not_reported > 0 {
            *self
                .counters
                .dropped
                .entry("goose_state_change_not_reported".into())
                .or_default() += self.l2.state_changes_not_reported;
        }
        self.event_store.absorb(&mut self.events);
        let (events, events_seen) = self.event_store.into_parts();
        WorkerOutput {
            flows: self.records,
            observations: self.obs,
            events,
            events_seen,
            counters: self.counters,
        }
    }
}

fn ethertype_name(et: u16) -> String {
    match et {
        ethertype::LLDP => "lldp".into(),
        ethertype::PROFINET => "profinet_rt".into(),
        ethertype::GOOSE => "goose".into(),
        ethertype::SAMPLED_VALUES => "sampled_values".into(),
        ethertype::ETHERCAT => "ethercat".into(),
        0x88e3 => "mrp".into(),
        0x88f7 => "ptp".into(),
        0x8899 => "realtek".into(),
        0x88e1 => "homeplug".into(),
        0x893a => "ieee1905".into(),
        0x88cd => "sercos3".into(),
        0x88ab => "powerlink".into(),
        other => format!("ethertype_0x{other:04x}"),
    }
}

/// A Zeek-like connection uid, derived from the flow itself so that every run (and every
/// thread count) gives the same one.
fn flow_uid(flow: &Flow<AppState>) -> String {
    uid_of(flow.first_ts, &flow.key, flow.orig)
}

pub(crate) fn uid_of(first_ts: Micros, key: &FlowKey, orig: (std::net::IpAddr, u16)) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    first_ts.hash(&mut h);
    key.hash(&mut h);
    orig.hash(&mut h);
    let first = h.finish();
    first.hash(&mut h);
    let mut v = (u128::from(first) << 64 | u128::from(h.finish())) >> 32;
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut uid = String::from("C");
    for _ in 0..17 {
        uid.push(DIGITS[(v % 62) as usize] as char);
        v /= 62;
    }
    uid
}

fn record_of(flow: &Flow<AppState>, captures: &[String], site: &SiteNetworks) -> FlowRecord {
    let (service, by) = match flow.app.service {
        Some((p, c)) => (
            Some(app::zeek_service(p, flow.key.proto == 17).to_string()),
            Some(if c == Confidence::Payload {
                IdentifiedBy::Payload
            } else {
                IdentifiedBy::Port
            }),
        ),
        None => (None, None),
    };
    let tcp = flow.transport == TransportProto::Tcp;
    // The side that sent the opening SYN is the client, whatever its port looks like: a
    // scanner's random source port may be a service's well-known one.
    let orig_opened = flow
        .tcp
        .as_ref()
        .is_some_and(|t| t.history().starts_with('S'));
    let orig_is_server = !orig_opened
        && flow.app.service.is_some_and(|(p, _)| {
            identify::is_server_port(p, tcp, flow.orig.1)
                && !identify::is_server_port(p, tcp, flow.resp.1)
        });
    let (orig_bytes, resp_bytes) = match &flow.tcp {
        Some(t) => (t.orig_size(), t.resp_size()),
        None => (flow.payload_bytes[0], flow.payload_bytes[1]),
    };
    let gap = flow.streams[0].stats.gap_bytes + flow.streams[1].stats.gap_bytes;
    let mut history = flow
        .tcp
        .as_ref()
        .map(|t| t.history().to_string())
        .unwrap_or_else(|| {
            let mut h = String::new();
            if flow.pkts[0] > 0 {
                h.push('D');
            }
            if flow.pkts[1] > 0 {
                h.push('d');
            }
            h
        });
    if flow.flipped && !history.starts_with('^') {
        history.insert(0, '^');
    }
    FlowRecord {
        uid: flow_uid(flow),
        first_ts: flow.first_ts,
        last_ts: flow.last_ts,
        orig_h: flow.orig.0,
        orig_p: flow.orig.1,
        resp_h: flow.resp.0,
        resp_p: flow.resp.1,
        transport: flow.transport,
        ip_proto: flow.ip_proto,
        vlan: flow.vlans.outer,
        inner_vlan: flow.vlans.inner,
        orig_mac: flow.macs[0],
        resp_mac: flow.macs[1],
        service,
        service_identified_by: by,
        orig_pkts: flow.pkts[0],
        orig_ip_bytes: flow.ip_bytes[0],
        resp_pkts: flow.pkts[1],
        resp_ip_bytes: flow.ip_bytes[1],
        orig_bytes,
        resp_bytes,
        conn_state: flow.conn_state().to_string(),
        history,
        missed_bytes: gap,
        acked_unseen_bytes: flow.streams[0].stats.acked_unseen_bytes
            + flow.streams[1].stats.acked_unseen_bytes,
        local_orig: Some(site.is_internal(flow.orig.0)),
        local_resp: Some(site.is_internal(flow.resp.0)),
        orig_is_server,
        first_capture: captures
            .get(flow.first_capture as usize)
            .cloned()
            .unwrap_or_default(),
        first_frame: flow.first_frame,
    }
}
