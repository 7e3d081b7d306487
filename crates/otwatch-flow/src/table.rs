//! The flow table: lookup by bidirectional key, direction, counters, expiry and eviction.

use crate::ports::is_likely_server_port;
use crate::reassembly::Reassembler;
use crate::tcp_state::TcpTracker;
use ahash::AHashMap;
use otwatch_model::{Micros, TransportProto};
use otwatch_wire::headers::tcp_flags::{ACK, SYN};
use otwatch_wire::VlanTags;
use serde::Serialize;
use std::collections::hash_map::Entry;
use std::net::IpAddr;

/// Key of a flow, the same for both directions: the endpoints are stored in order, as
/// plain integers so that hashing a key costs a handful of instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    pub vlan: u32,
    pub proto: u8,
    pub lo: (u128, u16),
    pub hi: (u128, u16),
}

fn ip_bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl FlowKey {
    pub fn new(vlan: u32, proto: u8, a: (IpAddr, u16), b: (IpAddr, u16)) -> Self {
        let a = (ip_bits(a.0), a.1);
        let b = (ip_bits(b.0), b.1);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        Self {
            vlan,
            proto,
            lo,
            hi,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    FromOrig,
    FromResp,
}

impl Direction {
    pub fn is_orig(self) -> bool {
        self == Direction::FromOrig
    }
    pub fn index(self) -> usize {
        match self {
            Direction::FromOrig => 0,
            Direction::FromResp => 1,
        }
    }
}

/// What the table needs to know about a packet.
#[derive(Debug, Clone, Copy)]
pub struct PacketInfo {
    pub ts: Micros,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// For ICMP: type, and the counterpart type or the code (see `icmp_ports`).
    pub src_port: u16,
    pub dst_port: u16,
    pub ip_proto: u8,
    pub transport: TransportProto,
    pub vlans: VlanTags,
    pub ip_len: u32,
    pub payload_len: u32,
    pub tcp_flags: u8,
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    pub capture: u32,
    pub frame: u64,
    /// A cheap digest of the frame's headers, to recognise a frame delivered twice.
    pub fingerprint: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct FlowLimits {
    pub max_flows: usize,
    pub tcp_idle_timeout: Micros,
    pub udp_idle_timeout: Micros,
    pub other_idle_timeout: Micros,
    /// How long a closed or reset TCP connection is kept before new packets start another.
    pub tcp_close_delay: Micros,
    /// A frame equal to one of the flow's last few within this time is a duplicate from
    /// the mirror port, not traffic; 0 keeps every frame.
    pub duplicate_window: Micros,
}

impl Default for FlowLimits {
    fn default() -> Self {
        // Zeek's defaults: 5 minutes for TCP, 1 minute for UDP and ICMP.
        Self {
            max_flows: 1_000_000,
            tcp_idle_timeout: 300_000_000,
            udp_idle_timeout: 60_000_000,
            other_idle_timeout: 60_000_000,
            tcp_close_delay: 5_000_000,
            duplicate_window: 1_000,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FlowTableStats {
    pub created: u64,
    pub expired_idle: u64,
    /// TCP connections that closed (FIN both ways or RST) and stayed quiet for the close
    /// delay: ended then, so that their state does not wait for the idle timeout.
    pub expired_closed: u64,
    pub evicted_full: u64,
    pub tcp_reuse: u64,
    pub peak_flows: u64,
}

impl FlowTableStats {
    pub fn add(&mut self, o: &FlowTableStats) {
        self.created += o.created;
        self.expired_idle += o.expired_idle;
        self.expired_closed += o.expired_closed;
        self.evicted_full += o.evicted_full;
        self.tcp_reuse += o.tcp_reuse;
        self.peak_flows += o.peak_flows;
    }
}

/// One flow and the application state `A` the caller keeps with it.
#[derive(Debug)]
pub struct Flow<A> {
    pub key: FlowKey,
    pub orig: (IpAddr, u16),
    pub resp: (IpAddr, u16),
    pub transport: TransportProto,
    pub ip_proto: u8,
    pub vlans: VlanTags,
    pub first_ts: Micros,
    pub last_ts: Micros,
    pub pkts: [u64; 2],
    pub ip_bytes: [u64; 2],
    pub payload_bytes: [u64; 2],
    pub macs: [Option<[u8; 6]>; 2],
    pub tcp: Option<TcpTracker>,
    pub streams: [Reassembler; 2],
    /// The originator was decided by ports, not by seeing the connection start.
    pub flipped: bool,
    pub first_capture: u32,
    pub first_frame: u64,
    /// A periodic idle check some analyzers run (Zeek's DNS analyzer on UDP): when it
    /// fires and the flow has been quiet for `idle`, the flow ends.
    pub session_timer: Option<SessionTimer>,
    /// The last few frames' fingerprints and times, for duplicate detection.
    recent: [(Micros, u64); RECENT_FRAMES],
    recent_next: u8,
    pub app: A,
}

const RECENT_FRAMES: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimer {
    pub next_fire: Micros,
    pub interval: Micros,
    pub idle: Micros,
}

impl SessionTimer {
    /// Zeek's DNS session timer: every 10 s from the start, ends the flow after 9 s of quiet.
    pub fn dns(first_ts: Micros) -> Self {
        Self {
            next_fire: first_ts + 10_000_000,
            interval: 10_000_000,
            idle: 9_000_000,
        }
    }

    /// Runs the timer up to `now`; true when it ended the flow.
    fn expired(&mut self, last_ts: Micros, now: Micros) -> bool {
        while self.next_fire <= now {
            if self.next_fire - last_ts >= self.idle {
                return true;
            }
            self.next_fire += self.interval;
        }
        false
    }
}

impl<A> Flow<A> {
    fn new(p: &PacketInfo, key: FlowKey, app: A) -> Self {
        let pure_syn = p.tcp_flags & SYN != 0 && p.tcp_flags & ACK == 0;
        let flip = match p.transport {
            TransportProto::Tcp if pure_syn => false,
            TransportProto::Tcp | TransportProto::Udp => {
                let tcp = p.transport == TransportProto::Tcp;
                is_likely_server_port(tcp, p.src_port) && !is_likely_server_port(tcp, p.dst_port)
            }
            _ => false,
        };
        let (orig, resp) = if flip {
            ((p.dst, p.dst_port), (p.src, p.src_port))
        } else {
            ((p.src, p.src_port), (p.dst, p.dst_port))
        };
        Flow {
            key,
            orig,
            resp,
            transport: p.transport,
            ip_proto: p.ip_proto,
            vlans: p.vlans,
            first_ts: p.ts,
            last_ts: p.ts,
            pkts: [0; 2],
            ip_bytes: [0; 2],
            payload_bytes: [0; 2],
            macs: [None; 2],
            tcp: (p.transport == TransportProto::Tcp).then(TcpTracker::default),
            streams: [Reassembler::default(), Reassembler::default()],
            flipped: flip,
            first_capture: p.capture,
            first_frame: p.frame,
            session_timer: None,
            recent: [(Micros::MIN, 0); RECENT_FRAMES],
            recent_next: 0,
            app,
        }
    }

    pub fn direction_of(&self, src: IpAddr, src_port: u16) -> Direction {
        if (src, src_port) == self.orig {
            Direction::FromOrig
        } else {
            Direction::FromResp
        }
    }

    /// Zeek's `conn_state` for this flow.
    pub fn conn_state(&self) -> &'static str {
        match &self.tcp {
            Some(t) => t.conn_state(),
            None if self.transport == TransportProto::Udp => {
                match (self.pkts[0] > 0, self.pkts[1] > 0) {
                    (true, true) => "SF",
                    (true, false) => "S0",
                    (false, true) => "SHR",
                    (false, false) => "OTH",
                }
            }
            None => "OTH",
        }
    }

    /// Remembers the frame; true when an equal one came within `window` before it.
    fn seen_recently(&mut self, ts: Micros, fingerprint: u64, window: Micros) -> bool {
        if window <= 0 || fingerprint == 0 {
            return false;
        }
        if self
            .recent
            .iter()
            .any(|&(t, f)| f == fingerprint && ts >= t && ts.saturating_sub(t) <= window)
        {
            return true;
        }
        self.recent[usize::from(self.recent_next)] = (ts, fingerprint);
        self.recent_next = (self.recent_next + 1) % RECENT_FRAMES as u8;
        false
    }

    fn ends_before(&mut self, p: &PacketInfo, limits: &FlowLimits) -> Option<bool> {
        let idle = p.ts - self.last_ts > self.idle_timeout(limits);
        let pure_syn = p.tcp_flags & SYN != 0 && p.tcp_flags & ACK == 0;
        let finished = self.tcp.as_ref().is_some_and(|t| t.is_finished());
        // A finished connection lingers only briefly (Zeek's tcp_close_delay).
        let reused = finished && (pure_syn || p.ts - self.last_ts > limits.tcp_close_delay);
        let last_ts = self.last_ts;
        let timer_ended = self
            .session_timer
            .as_mut()
            .is_some_and(|t| t.expired(last_ts, p.ts));
        (idle || reused || timer_ended).then_some(reused)
    }

    fn idle_timeout(&self, limits: &FlowLimits) -> Micros {
        match self.transport {
            TransportProto::Tcp => limits.tcp_idle_timeout,
            TransportProto::Udp => limits.udp_idle_timeout,
            _ => limits.other_idle_timeout,
        }
    }
}

/// A table of live flows. Flows that end (idle, evicted, replaced by a new TCP connection
/// on the same ports, or at [`FlowTable::finish_all`]) are moved to `finished` for the
/// caller to take.
pub struct FlowTable<A> {
    /// Randomly keyed: flow keys are chosen by whoever sends packets.
    /// Flows are boxed: a flow is nearly a kilobyte, and boxing keeps the table's own
    /// slots small, so a table grown by a flood costs its flows and little more.
    map: AHashMap<FlowKey, Box<Flow<A>>>,
    limits: FlowLimits,
    last_sweep: Micros,
    pub finished: Vec<Box<Flow<A>>>,
    pub stats: FlowTableStats,
}

const SWEEP_INTERVAL: Micros = 10_000_000;

impl<A> FlowTable<A> {
    pub fn new(limits: FlowLimits) -> Self {
        Self {
            map: AHashMap::new(),
            limits,
            last_sweep: Micros::MIN,
            finished: Vec::new(),
            stats: FlowTableStats::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Finds or creates the packet's flow, counts the packet, and updates TCP state.
    /// `new_app` makes the application state of a new flow.
    pub fn packet(
        &mut self,
        p: &PacketInfo,
        new_app: impl FnOnce() -> A,
    ) -> Option<(&mut Flow<A>, Direction)> {
        if self.last_sweep == Micros::MIN {
            self.last_sweep = p.ts;
        } else if p.ts - self.last_sweep >= SWEEP_INTERVAL {
            self.expire_idle(p.ts);
            self.last_sweep = p.ts;
        }
        let key = FlowKey::new(
            p.vlans.key(),
            p.ip_proto,
            (p.src, p.src_port),
            (p.dst, p.dst_port),
        );
        if self.map.len() >= self.limits.max_flows && !self.map.contains_key(&key) {
            self.evict_oldest();
        }
        let before = self.map.len() as u64;
        let flow = match self.map.entry(key) {
            Entry::Occupied(entry) => {
                let flow = entry.into_mut();
                match flow.ends_before(p, &self.limits) {
                    None => {
                        if flow.seen_recently(p.ts, p.fingerprint, self.limits.duplicate_window) {
                            return None;
                        }
                    }
                    Some(reused) => {
                        if reused {
                            self.stats.tcp_reuse += 1;
                        } else {
                            self.stats.expired_idle += 1;
                        }
                        self.stats.created += 1;
                        let old = std::mem::replace(flow, Box::new(Flow::new(p, key, new_app())));
                        self.finished.push(old);
                        flow.seen_recently(p.ts, p.fingerprint, self.limits.duplicate_window);
                    }
                }
                flow
            }
            Entry::Vacant(entry) => {
                self.stats.created += 1;
                self.stats.peak_flows = self.stats.peak_flows.max(before + 1);
                let flow = entry.insert(Box::new(Flow::new(p, key, new_app())));
                flow.seen_recently(p.ts, p.fingerprint, self.limits.duplicate_window);
                flow
            }
        };
        let flow: &mut Flow<A> = flow;
        let dir = flow.direction_of(p.src, p.src_port);
        let i = dir.index();
        flow.pkts[i] += 1;
        flow.ip_bytes[i] += u64::from(p.ip_len);
        flow.payload_bytes[i] += u64::from(p.payload_len);
        if flow.macs[i].is_none() {
            flow.macs[i] = p.src_mac;
        }
        if flow.macs[1 - i].is_none() {
            flow.macs[1 - i] = p.dst_mac;
        }
        if p.ts > flow.last_ts {
            flow.last_ts = p.ts;
        }
        Some((flow, dir))
    }

    /// Ends flows idle for longer than their timeout, and closed TCP connections quiet for
    /// longer than the close delay (a later packet would start a new flow anyway; ending
    /// them now frees their state hours earlier on a long capture).
    pub fn expire_idle(&mut self, now: Micros) {
        let limits = self.limits;
        let mut idle = 0;
        let ended: Vec<FlowKey> = self
            .map
            .iter()
            .filter(|(_, f)| {
                let quiet = now - f.last_ts;
                if quiet > f.idle_timeout(&limits) {
                    idle += 1;
                    true
                } else {
                    quiet > limits.tcp_close_delay
                        && f.tcp.as_ref().is_some_and(|t| t.is_finished())
                }
            })
            .map(|(k, _)| *k)
            .collect();
        self.stats.expired_idle += idle;
        self.stats.expired_closed += ended.len() as u64 - idle;
        for k in ended {
            if let Some(f) = self.map.remove(&k) {
                self.finished.push(f);
            }
        }
    }

    /// Makes room by ending the eighth of flows idle longest.
    fn evict_oldest(&mut self) {
        let mut ages: Vec<(Micros, FlowKey)> =
            self.map.iter().map(|(k, f)| (f.last_ts, *k)).collect();
        let n = (ages.len() / 8).max(1);
        if n < ages.len() {
            ages.select_nth_unstable(n);
        }
        for (_, k) in ages.into_iter().take(n) {
            if let Some(f) = self.map.remove(&k) {
                self.stats.evicted_full += 1;
                self.finished.push(f);
            }
        }
    }

    /// Ends every flow (end of input).
    pub fn finish_all(&mut self) {
        let mut all: Vec<Box<Flow<A>>> = std::mem::take(&mut self.map).into_values().collect();
        all.sort_by_key(|f| (f.first_ts, f.key));
        self.finished.extend(all);
    }
}

/// Zeek's pairing of ICMP message types: a request and its reply share one flow. Returns
/// the ports Zeek puts in the connection id: the type, and the counterpart type (or the
/// code for messages without one).
pub fn icmp_ports(v6: bool, icmp_type: u8, code: u8) -> (u16, u16) {
    let counterpart = if v6 {
        match icmp_type {
            128 => Some(129),
            129 => Some(128),
            133 => Some(134),
            134 => Some(133),
            135 => Some(136),
            136 => Some(135),
            130 => Some(131),
            131 => Some(130),
            139 => Some(140),
            140 => Some(139),
            144 => Some(145),
            145 => Some(144),
            _ => None,
        }
    } else {
        match icmp_type {
            8 => Some(0),
            0 => Some(8),
            13 => Some(14),
            14 => Some(13),
            15 => Some(16),
            16 => Some(15),
            10 => Some(9),
            9 => Some(10),
            17 => Some(18),
            18 => Some(17),
            _ => None,
        }
    };
    (u16::from(icmp_type), u16::from(counterpart.unwrap_or(code)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_wire::headers::tcp_flags::{FIN, PSH};

    fn pkt(
        ts: Micros,
        src: &str,
        sport: u16,
        dst: &str,
        dport: u16,
        flags: u8,
        len: u32,
    ) -> PacketInfo {
        PacketInfo {
            ts,
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            src_port: sport,
            dst_port: dport,
            ip_proto: 6,
            transport: TransportProto::Tcp,
            vlans: VlanTags::default(),
            ip_len: 40 + len,
            payload_len: len,
            tcp_flags: flags,
            src_mac: None,
            dst_mac: None,
            capture: 0,
            frame: 1,
            fingerprint: 0,
        }
    }

    #[test]
    fn both_directions_share_a_flow() {
        let mut t: FlowTable<()> = FlowTable::new(FlowLimits::default());
        t.packet(&pkt(0, "10.0.0.1", 40000, "10.0.0.2", 502, SYN, 0), || ());
        let (f, d) = t
            .packet(
                &pkt(1, "10.0.0.2", 502, "10.0.0.1", 40000, SYN | ACK, 0),
                || (),
            )
            .unwrap();
        assert_eq!(d, Direction::FromResp);
        assert_eq!(f.orig.1, 40000);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn mid_stream_server_reply_first_is_flipped() {
        let mut t: FlowTable<()> = FlowTable::new(FlowLimits::default());
        let (f, d) = t
            .packet(
                &pkt(0, "10.0.0.2", 502, "10.0.0.1", 40000, ACK | PSH, 9),
                || (),
            )
            .unwrap();
        assert_eq!(d, Direction::FromResp);
        assert_eq!(f.resp, ("10.0.0.2".parse().unwrap(), 502));
        assert!(f.flipped);
    }

    #[test]
    fn idle_flows_expire_and_reused_ports_start_a_new_flow() {
        let mut t: FlowTable<()> = FlowTable::new(FlowLimits::default());
        t.packet(&pkt(0, "10.0.0.1", 1, "10.0.0.2", 2, SYN, 0), || ());
        t.packet(
            &pkt(400_000_000, "10.0.0.1", 1, "10.0.0.2", 2, ACK, 0),
            || (),
        );
        assert_eq!(t.finished.len(), 1);
        assert_eq!(t.stats.expired_idle, 1);
        // Close both sides, then a new SYN on the same ports.
        for p in [
            pkt(400_000_001, "10.0.0.1", 1, "10.0.0.2", 2, FIN | ACK, 0),
            pkt(400_000_002, "10.0.0.2", 2, "10.0.0.1", 1, FIN | ACK, 0),
        ] {
            let (f, d) = t.packet(&p, || ()).unwrap();
            let flags = p.tcp_flags;
            f.tcp.as_mut().unwrap().segment(d.is_orig(), flags, 0, 0);
        }
        t.packet(
            &pkt(400_000_003, "10.0.0.1", 1, "10.0.0.2", 2, SYN, 0),
            || (),
        );
        assert_eq!(t.finished.len(), 2);
        assert_eq!(t.stats.tcp_reuse, 1);
    }

    #[test]
    fn full_table_evicts_oldest_and_counts() {
        let limits = FlowLimits {
            max_flows: 16,
            ..FlowLimits::default()
        };
        let mut t: FlowTable<()> = FlowTable::new(limits);
        for i in 0..100u16 {
            t.packet(
                &pkt(i64::from(i), "10.0.0.1", 1000 + i, "10.0.0.2", 502, SYN, 0),
                || (),
            );
            assert!(t.len() <= 16);
        }
        assert!(t.stats.evicted_full > 0);
        assert_eq!(t.stats.created, 100);
        assert_eq!(t.finished.len() as u64 + t.len() as u64, 100);
    }

    #[test]
    fn dns_session_timer_splits_like_zeek() {
        let mut t: FlowTable<()> = FlowTable::new(FlowLimits::default());
        let mut udp = |ts: Micros| {
            let mut p = pkt(ts, "169.254.216.43", 137, "169.254.255.255", 137, 0, 50);
            p.transport = TransportProto::Udp;
            p.ip_proto = 17;
            let (f, _) = t.packet(&p, || ()).unwrap();
            if f.session_timer.is_none() {
                f.session_timer = Some(SessionTimer::dns(f.first_ts));
            }
        };
        // Quiet for 14 s, but the timer fires 5.5 s into the silence: same flow.
        udp(0);
        udp(4_500_000);
        udp(18_500_000);
        // Quiet for 20 s: the timer at 30 s sees 11.5 s of quiet and ends the flow.
        udp(38_500_000);
        assert_eq!(t.finished.len(), 1);
        assert_eq!(t.finished[0].pkts[0], 3);
    }

    #[test]
    fn closed_connection_then_late_packet_is_a_new_flow() {
        let mut t: FlowTable<()> = FlowTable::new(FlowLimits::default());
        for p in [
            pkt(0, "10.0.0.1", 1, "10.0.0.2", 502, SYN, 0),
            pkt(1, "10.0.0.2", 502, "10.0.0.1", 1, SYN | ACK, 0),
            pkt(
                2,
                "10.0.0.1",
                1,
                "10.0.0.2",
                502,
                otwatch_wire::headers::tcp_flags::RST,
                0,
            ),
        ] {
            let (f, d) = t.packet(&p, || ()).unwrap();
            f.tcp
                .as_mut()
                .unwrap()
                .segment(d.is_orig(), p.tcp_flags, 0, 0);
        }
        t.packet(
            &pkt(16_000_000, "10.0.0.1", 1, "10.0.0.2", 502, ACK, 109),
            || (),
        );
        assert_eq!(t.finished.len(), 1);
    }

    #[test]
    fn closed_connection_ends_after_the_close_delay_while_open_ones_stay() {
        let mut t: FlowTable<()> = FlowTable::new(FlowLimits::default());
        let reset = otwatch_wire::headers::tcp_flags::RST;
        for p in [
            pkt(0, "10.0.0.1", 1, "10.0.0.2", 502, SYN, 0),
            pkt(1, "10.0.0.2", 502, "10.0.0.1", 1, SYN | ACK, 0),
            pkt(2, "10.0.0.1", 1, "10.0.0.2", 502, reset, 0),
            pkt(3, "10.0.0.3", 2, "10.0.0.2", 502, SYN, 0),
        ] {
            let (f, d) = t.packet(&p, || ()).unwrap();
            f.tcp
                .as_mut()
                .unwrap()
                .segment(d.is_orig(), p.tcp_flags, 0, 0);
        }
        // Another flow's packet after the sweep interval: the reset connection goes, the
        // half-open one (quiet just as long, but not closed) stays.
        t.packet(
            &pkt(11_000_000, "10.0.0.4", 3, "10.0.0.2", 502, SYN, 0),
            || (),
        );
        assert_eq!(t.finished.len(), 1);
        assert_eq!(t.finished[0].orig.0.to_string(), "10.0.0.1");
        assert_eq!(t.stats.expired_closed, 1);
        assert_eq!(t.stats.expired_idle, 0);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn duplicate_frame_in_a_flow_is_not_counted() {
        let mut t: FlowTable<()> = FlowTable::new(FlowLimits::default());
        let mut p = pkt(0, "10.0.0.1", 40000, "10.0.0.2", 502, ACK, 12);
        p.fingerprint = 77;
        assert!(t.packet(&p, || ()).is_some());
        p.ts = 300;
        assert!(t.packet(&p, || ()).is_none(), "same frame 300 µs later");
        p.ts = 500_000;
        let (f, _) = t.packet(&p, || ()).unwrap();
        assert_eq!(f.pkts[0], 2, "a retransmission half a second later counts");
    }

    #[test]
    fn icmp_echo_request_and_reply_pair() {
        assert_eq!(icmp_ports(false, 8, 0), (8, 0));
        assert_eq!(icmp_ports(false, 0, 0), (0, 8));
        assert_eq!(icmp_ports(false, 3, 3), (3, 3));
        assert_eq!(icmp_ports(true, 128, 0), (128, 129));
    }
}
