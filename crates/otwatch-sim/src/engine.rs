//! The scenario engine: runs a [`Scenario`] and streams its capture in time order.
//!
//! Every source of traffic is an actor with a wake-up time: a device booting (gratuitous
//! ARP, DHCP), a polling conversation, a timed event. The engine always wakes the earliest
//! actor; what it produces starts no earlier than its wake-up time, so every frame stamped
//! before the next wake-up is final and can be written. Memory therefore stays proportional
//! to the number of actors and the frames of one exchange, not to the capture's length,
//! which is what lets `large` write gigabytes.

use crate::dhcp::{self, DhcpMessage};
use crate::dialect::{self, ActionKind, Dialect, DialectContext, PollContext};
use crate::frame::{self, MacAddr, TimedFrame, BROADCAST_MAC};
use crate::link::{Link, LinkEnd, Turnaround};
use crate::pcap::PcapWriter;
use crate::rng::SplitMix64;
use crate::scenario::{Device, EventKind, Scenario, Stack};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::{self, Write};
use std::net::Ipv4Addr;

/// What a generator run produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generated {
    pub packets: u64,
    /// Bytes of frames (without pcap record headers).
    pub frame_bytes: u64,
    pub first_micros: i64,
    pub last_micros: i64,
    /// True when `max_bytes` stopped the run before the scenario's end.
    pub truncated: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("writing the capture: {0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    Dialect(#[from] dialect::DialectError),
    #[error("event {event}: protocol {protocol} cannot express {action}")]
    Unsupported {
        event: String,
        protocol: String,
        action: String,
    },
}

#[derive(Default)]
pub struct GenerateOptions<'a> {
    /// Stop once this many bytes of frames are written.
    pub max_bytes: Option<u64>,
    /// Called now and then with the capture time reached and the bytes written so far.
    pub progress: Option<&'a mut dyn FnMut(i64, u64)>,
}

/// Runs `scenario` and writes its capture to `out` as classic pcap.
pub fn generate<W: Write>(
    scenario: &Scenario,
    out: W,
    mut options: GenerateOptions<'_>,
) -> Result<Generated, GenerateError> {
    let mut engine = Engine::new(scenario)?;
    let mut writer = PcapWriter::new(out)?;
    let mut stats = Generated {
        first_micros: i64::MAX,
        ..Generated::default()
    };
    let end = scenario.end();
    let mut last_progress = 0u64;
    while let Some(Reverse((wake, index))) = engine.agenda.pop() {
        if wake >= end {
            break;
        }
        let next = engine.run_actor(index, wake)?;
        if let Some(next) = next {
            engine.agenda.push(Reverse((next, index)));
        }
        let horizon = engine
            .agenda
            .peek()
            .map(|Reverse((t, _))| *t)
            .unwrap_or(i64::MAX);
        if engine.flush(&mut writer, horizon.min(end), &mut stats, options.max_bytes)? {
            stats.truncated = true;
            break;
        }
        if stats.frame_bytes - last_progress > 16 << 20 {
            last_progress = stats.frame_bytes;
            if let Some(progress) = options.progress.as_mut() {
                progress(horizon.min(end), stats.frame_bytes);
            }
        }
    }
    if !stats.truncated {
        engine.flush(&mut writer, end, &mut stats, options.max_bytes)?;
    }
    writer.flush()?;
    if stats.packets == 0 {
        stats.first_micros = scenario.start;
        stats.last_micros = scenario.start;
    }
    Ok(stats)
}

/// A frame waiting for every actor to move past its time.
type Pending = Reverse<(i64, u64)>;

struct Engine<'s> {
    scenario: &'s Scenario,
    actors: Vec<Actor>,
    agenda: BinaryHeap<Reverse<(i64, usize)>>,
    pending: BinaryHeap<Pending>,
    pending_frames: HashMap<u64, Vec<u8>>,
    sequence: u64,
    rng: SplitMix64,
    next_port: Vec<u16>,
}

enum Actor {
    Boot {
        device: usize,
    },
    Poll {
        poll: usize,
        conversation: Option<Conversation>,
        cycle: u64,
        last_arp: i64,
    },
    Event {
        event: usize,
    },
    /// A SYN flood, sent in batches so that a million SYNs never sit in memory at once.
    Flood {
        event: usize,
        sent: u32,
    },
}

struct Conversation {
    dialect: Box<dyn Dialect>,
    link: Link,
}

impl<'s> Engine<'s> {
    fn new(scenario: &'s Scenario) -> Result<Self, GenerateError> {
        let mut rng = SplitMix64::new(scenario.seed ^ 0x0e1e_c7ed);
        let mut actors = Vec::new();
        let mut agenda = BinaryHeap::new();
        let mut schedule = |actor: Actor, at: i64, actors: &mut Vec<Actor>| {
            agenda.push(Reverse((at, actors.len())));
            actors.push(actor);
        };
        for (i, d) in scenario.devices.iter().enumerate() {
            let at = scenario.start + d.appears + rng.range(50_000, 2_000_000);
            schedule(Actor::Boot { device: i }, at, &mut actors);
        }
        for (i, p) in scenario.polls.iter().enumerate() {
            let appears = scenario.devices[p.client]
                .appears
                .max(scenario.devices[p.server].appears);
            // Clients come up a few seconds after the devices they talk to.
            let at = scenario.start + p.start.max(appears) + rng.range(2_500_000, 6_000_000);
            schedule(
                Actor::Poll {
                    poll: i,
                    conversation: None,
                    cycle: 0,
                    last_arp: i64::MIN,
                },
                at,
                &mut actors,
            );
        }
        for (i, e) in scenario.events.iter().enumerate() {
            let actor = match e.kind {
                EventKind::SynFlood => Actor::Flood { event: i, sent: 0 },
                _ => Actor::Event { event: i },
            };
            schedule(actor, scenario.start + e.at, &mut actors);
        }
        // Every event's protocol must be able to express its action.
        for e in &scenario.events {
            if let (EventKind::Action(action), Some(protocol), Some(to)) =
                (e.kind, &e.protocol, e.to)
            {
                let mut d = dialect::build(
                    protocol,
                    &DialectContext {
                        client: &scenario.devices[e.from].spec,
                        server: &scenario.devices[to].spec,
                        seed: 0,
                    },
                )?;
                let poll = PollContext {
                    now_micros: scenario.start + e.at,
                    cycle: 0,
                };
                if d.action(action, &poll).is_none() {
                    return Err(GenerateError::Unsupported {
                        event: format!("{} at {}s", e.kind.name(), e.at / 1_000_000),
                        protocol: protocol.clone(),
                        action: action.name().to_string(),
                    });
                }
            }
        }
        let next_port = scenario
            .devices
            .iter()
            .map(|_| 49_152 + (rng.next_u16() % 8_000))
            .collect();
        Ok(Self {
            scenario,
            actors,
            agenda,
            pending: BinaryHeap::new(),
            pending_frames: HashMap::new(),
            sequence: 0,
            rng,
            next_port,
        })
    }

    fn push(&mut self, frame: TimedFrame) {
        self.sequence += 1;
        self.pending.push(Reverse((frame.ts_micros, self.sequence)));
        self.pending_frames.insert(self.sequence, frame.frame);
    }

    fn push_all(&mut self, frames: Vec<TimedFrame>) {
        for f in frames {
            self.push(f);
        }
    }

    /// Writes every pending frame stamped before `horizon`. Returns true when `max_bytes`
    /// was reached.
    fn flush<W: Write>(
        &mut self,
        writer: &mut PcapWriter<W>,
        horizon: i64,
        stats: &mut Generated,
        max_bytes: Option<u64>,
    ) -> Result<bool, GenerateError> {
        let end = self.scenario.end();
        while let Some(Reverse((ts, seq))) = self.pending.peek().copied() {
            if ts >= horizon {
                break;
            }
            self.pending.pop();
            let frame = self.pending_frames.remove(&seq).expect("pending frame");
            if ts >= end {
                continue;
            }
            writer.write_packet(ts, &frame)?;
            stats.packets += 1;
            stats.frame_bytes += frame.len() as u64;
            stats.first_micros = stats.first_micros.min(ts);
            stats.last_micros = stats.last_micros.max(ts);
            if max_bytes.is_some_and(|m| stats.frame_bytes >= m) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn ephemeral_port(&mut self, device: usize) -> u16 {
        let port = self.next_port[device];
        self.next_port[device] = if port >= 65_000 { 49_152 } else { port + 1 };
        port
    }

    fn device(&self, i: usize) -> &'s Device {
        &self.scenario.devices[i]
    }

    /// The MAC the capture shows for `target` in frames exchanged with `from`: the target's
    /// own when both share a subnet, else the gateway of `from`'s zone.
    fn seen_mac(&self, from: usize, target: usize) -> MacAddr {
        let (a, b) = (self.device(from), self.device(target));
        let subnet = self.scenario.zones[a.zone].subnet;
        if subnet.contains(&b.spec.ip) {
            return b.spec.mac;
        }
        match self.scenario.zones[a.zone].gateway {
            Some(g) => self.device(g).spec.mac,
            None => b.spec.mac,
        }
    }

    /// The device `from` must ARP for to reach `target`.
    fn next_hop(&self, from: usize, target: usize) -> usize {
        let (a, b) = (self.device(from), self.device(target));
        if self.scenario.zones[a.zone].subnet.contains(&b.spec.ip) {
            return target;
        }
        self.scenario.zones[a.zone].gateway.unwrap_or(target)
    }

    fn link_end(&self, device: usize, seen_mac: MacAddr) -> LinkEnd {
        let d = self.device(device);
        LinkEnd {
            mac: d.spec.mac,
            seen_mac,
            ip: d.spec.ip,
            ttl: d.stack.ttl(),
            window: d.stack.window(),
        }
    }

    fn new_conversation(
        &mut self,
        protocol: &str,
        client: usize,
        server: usize,
    ) -> Result<Conversation, GenerateError> {
        let seed = self.rng.next_u64();
        let dialect = dialect::build(
            protocol,
            &DialectContext {
                client: &self.device(client).spec,
                server: &self.device(server).spec,
                seed,
            },
        )?;
        let client_end = self.link_end(client, self.device(client).spec.mac);
        let server_end = self.link_end(server, self.seen_mac(client, server));
        let port = self.ephemeral_port(client);
        let broadcast = self.scenario.zones[self.device(client).zone]
            .subnet
            .broadcast();
        let mut link = Link::new(
            dialect.transport(),
            client_end,
            server_end,
            port,
            broadcast,
            self.rng.next_u64(),
        );
        link.turnaround = match self.device(server).stack {
            Stack::Embedded => Turnaround {
                server: (900, 7_500),
                client: (80, 600),
            },
            Stack::Linux | Stack::Windows => Turnaround {
                server: (250, 2_500),
                client: (80, 600),
            },
        };
        Ok(Conversation { dialect, link })
    }

    /// ARP request from `asker` for `target`'s next hop and its reply. Returns when done.
    fn arp(&mut self, t: i64, asker: usize, target: usize) -> i64 {
        let hop = self.next_hop(asker, target);
        let (a, h) = (&self.device(asker).spec, &self.device(hop).spec);
        let (a_mac, a_ip, h_mac, h_ip) = (a.mac, a.ip, h.mac, h.ip);
        self.push(TimedFrame {
            ts_micros: t,
            frame: frame::arp_request(a_mac, a_ip, h_ip),
        });
        let t2 = t + self.rng.range(150, 1_500);
        self.push(TimedFrame {
            ts_micros: t2,
            frame: frame::arp_reply(h_mac, h_ip, a_mac, a_ip),
        });
        t2 + self.rng.range(100, 400)
    }

    /// Runs one actor at `now`; returns when it wants to run again.
    fn run_actor(&mut self, index: usize, now: i64) -> Result<Option<i64>, GenerateError> {
        // Take the actor out so that `self` can be borrowed freely while it runs.
        let mut actor =
            std::mem::replace(&mut self.actors[index], Actor::Event { event: usize::MAX });
        let next = match &mut actor {
            Actor::Boot { device } => {
                self.boot(*device, now);
                None
            }
            Actor::Poll {
                poll,
                conversation,
                cycle,
                last_arp,
            } => self.poll(*poll, conversation, cycle, last_arp, now)?,
            Actor::Event { event } => {
                self.event(*event, now)?;
                None
            }
            Actor::Flood { event, sent } => self.syn_flood(*event, sent, now),
        };
        self.actors[index] = actor;
        Ok(next)
    }

    fn boot(&mut self, device: usize, now: i64) {
        let d = self.device(device);
        let (mac, ip) = (d.spec.mac, d.spec.ip);
        let mut t = now;
        if d.dhcp {
            t = self.dhcp_lease(device, t);
        }
        let announce_at = t + self.rng.range(1_000, 50_000);
        self.push(TimedFrame {
            ts_micros: announce_at,
            frame: frame::arp_gratuitous(mac, ip),
        });
    }

    /// DISCOVER/OFFER/REQUEST/ACK with the zone's gateway as the DHCP server.
    fn dhcp_lease(&mut self, device: usize, now: i64) -> i64 {
        let d = self.device(device);
        let zone = &self.scenario.zones[d.zone];
        let Some(server) = zone.gateway else {
            return now;
        };
        let s = &self.device(server).spec;
        let (client_mac, client_ip) = (d.spec.mac, d.spec.ip);
        let (server_mac, server_ip) = (s.mac, s.ip);
        let hostname = d.spec.station_name().to_string();
        let mask = Ipv4Addr::from(u32::MAX << (32 - u32::from(zone.subnet.prefix_len())));
        let xid = self.rng.next_u32();
        let ids: [u16; 2] = [self.rng.next_u16(), self.rng.next_u16()];
        let client_options =
            |m: DhcpMessage| m.option(dhcp::OPT_HOST_NAME, hostname.as_bytes().to_vec());
        let server_options = |m: DhcpMessage| {
            m.option_ip(dhcp::OPT_SERVER_ID, server_ip)
                .option_u32(dhcp::OPT_LEASE_TIME, 86_400)
                .option_ip(dhcp::OPT_SUBNET_MASK, mask)
                .option_ip(dhcp::OPT_ROUTER, server_ip)
        };
        let discover = client_options(DhcpMessage::client(dhcp::DHCPDISCOVER, xid, client_mac));
        let offer = server_options(DhcpMessage::server(
            dhcp::DHCPOFFER,
            xid,
            client_mac,
            client_ip,
        ));
        let request = client_options(
            DhcpMessage::client(dhcp::DHCPREQUEST, xid, client_mac)
                .option_ip(dhcp::OPT_REQUESTED_IP, client_ip)
                .option_ip(dhcp::OPT_SERVER_ID, server_ip),
        );
        let ack = server_options(DhcpMessage::server(
            dhcp::DHCPACK,
            xid,
            client_mac,
            client_ip,
        ));
        let mut t = now;
        let steps = [
            (true, discover.encode()),
            (false, offer.encode()),
            (true, request.encode()),
            (false, ack.encode()),
        ];
        for (i, (from_client, payload)) in steps.into_iter().enumerate() {
            let frame = if from_client {
                frame::ipv4_udp(
                    client_mac,
                    BROADCAST_MAC,
                    Ipv4Addr::UNSPECIFIED,
                    Ipv4Addr::BROADCAST,
                    dhcp::DHCP_CLIENT_PORT,
                    dhcp::DHCP_SERVER_PORT,
                    ids[0].wrapping_add(i as u16),
                    64,
                    &payload,
                )
            } else {
                frame::ipv4_udp(
                    server_mac,
                    client_mac,
                    server_ip,
                    client_ip,
                    dhcp::DHCP_SERVER_PORT,
                    dhcp::DHCP_CLIENT_PORT,
                    ids[1].wrapping_add(i as u16),
                    64,
                    &payload,
                )
            };
            self.push(TimedFrame {
                ts_micros: t,
                frame,
            });
            t += self.rng.range(1_000, 8_000);
        }
        t
    }

    fn poll(
        &mut self,
        poll_index: usize,
        conversation: &mut Option<Conversation>,
        cycle: &mut u64,
        last_arp: &mut i64,
        now: i64,
    ) -> Result<Option<i64>, GenerateError> {
        let poll = &self.scenario.polls[poll_index];
        if poll
            .stop
            .is_some_and(|stop| now >= self.scenario.start + stop)
        {
            if let Some(mut c) = conversation.take() {
                let end = c.dialect.session_end();
                let (frames, t) = c.link.deliver(now, &end);
                self.push_all(frames);
                let (frames, _) = c.link.close(t + 1_000);
                self.push_all(frames);
            }
            return Ok(None);
        }
        let mut t = now;
        // ARP caches expire after some minutes; a refresh shows who owns which address.
        if now.saturating_sub(*last_arp) > 600_000_000 {
            t = self.arp(t, poll.client, poll.server);
            *last_arp = now;
        }
        if conversation.is_none() {
            let mut c = self.new_conversation(&poll.protocol, poll.client, poll.server)?;
            let (frames, t_open) = c.link.open(t);
            self.push_all(frames);
            t = t_open;
            let start = c.dialect.session_start();
            if !start.is_empty() {
                let (frames, t_start) = c.link.deliver(t + self.rng.range(200, 2_000), &start);
                self.push_all(frames);
                t = t_start;
            }
            if poll.identify {
                let identify = c.dialect.identify();
                if !identify.is_empty() {
                    let (frames, t_id) =
                        c.link.deliver(t + self.rng.range(1_000, 20_000), &identify);
                    self.push_all(frames);
                    t = t_id;
                }
            }
            *conversation = Some(c);
        }
        let c = conversation.as_mut().expect("conversation opened above");
        let messages = c.dialect.poll(&PollContext {
            now_micros: t,
            cycle: *cycle,
        });
        let (frames, _) = c.link.deliver(t, &messages);
        self.push_all(frames);
        *cycle += 1;
        let jitter = if poll.jitter > 0 {
            self.rng.range(-poll.jitter, poll.jitter)
        } else {
            0
        };
        Ok(Some(now + poll.interval + jitter))
    }

    fn event(&mut self, event_index: usize, now: i64) -> Result<(), GenerateError> {
        let event = &self.scenario.events[event_index];
        match event.kind {
            EventKind::Action(action) => self.action_event(event_index, action, now),
            EventKind::WriteFlood => self.write_flood(event_index, now),
            EventKind::ArpSpoof => {
                self.arp_spoof(event_index, now);
                Ok(())
            }
            EventKind::RemoteSession => self.remote_session(event_index, now),
            EventKind::IdentifySweep => self.identify_sweep(event_index, now),
            EventKind::NewDevice | EventKind::SynFlood => Ok(()),
        }
    }

    /// Opens a connection from the event's source to its target, runs `body`, closes.
    fn one_off(
        &mut self,
        protocol: &str,
        from: usize,
        to: usize,
        now: i64,
        body: &mut dyn FnMut(&mut Self, &mut Conversation, i64) -> i64,
    ) -> Result<i64, GenerateError> {
        let mut t = self.arp(now, from, to);
        let mut c = self.new_conversation(protocol, from, to)?;
        let (frames, t_open) = c.link.open(t);
        self.push_all(frames);
        t = t_open;
        let start = c.dialect.session_start();
        if !start.is_empty() {
            let (frames, t_start) = c.link.deliver(t + self.rng.range(200, 2_000), &start);
            self.push_all(frames);
            t = t_start;
        }
        let body_at = t + self.rng.range(5_000, 50_000);
        t = body(self, &mut c, body_at);
        let end = c.dialect.session_end();
        if !end.is_empty() {
            let (frames, t_end) = c.link.deliver(t + self.rng.range(1_000, 10_000), &end);
            self.push_all(frames);
            t = t_end;
        }
        let (frames, t_close) = c.link.close(t + self.rng.range(1_000, 10_000));
        self.push_all(frames);
        Ok(t_close)
    }

    /// Protocol, source and target of an event the scenario checker guaranteed to have all
    /// three.
    fn conversation_of(&self, index: usize) -> (String, usize, usize) {
        let e = &self.scenario.events[index];
        (
            e.protocol.clone().expect("checked"),
            e.from,
            e.to.expect("checked"),
        )
    }

    fn action_event(
        &mut self,
        index: usize,
        action: ActionKind,
        now: i64,
    ) -> Result<(), GenerateError> {
        let (protocol, from, to) = self.conversation_of(index);
        self.one_off(&protocol, from, to, now, &mut |engine, c, t| {
            let poll = PollContext {
                now_micros: t,
                cycle: 0,
            };
            let messages = c.dialect.action(action, &poll).unwrap_or_default();
            let (frames, end) = c.link.deliver(t, &messages);
            engine.push_all(frames);
            end
        })?;
        Ok(())
    }

    fn write_flood(&mut self, index: usize, now: i64) -> Result<(), GenerateError> {
        let e = &self.scenario.events[index];
        let (protocol, from, to) = self.conversation_of(index);
        let (count, duration) = (i64::from(e.count.max(1)), e.duration.max(1));
        let spacing = (duration / count).max(200);
        self.one_off(&protocol, from, to, now, &mut |engine, c, t0| {
            let mut t = t0;
            for i in 0..count {
                let poll = PollContext {
                    now_micros: t,
                    cycle: i as u64,
                };
                let messages = c
                    .dialect
                    .action(ActionKind::Write, &poll)
                    .unwrap_or_default();
                let (frames, end) = c.link.deliver(t, &messages);
                engine.push_all(frames);
                t = end.max(t + spacing + engine.rng.range(-spacing / 4, spacing / 4));
            }
            t
        })?;
        Ok(())
    }

    /// Up to a thousand SYNs of a flood from `now` on; returns when the next batch starts.
    fn syn_flood(&mut self, index: usize, sent: &mut u32, now: i64) -> Option<i64> {
        const BATCH: u32 = 1_000;
        let e = &self.scenario.events[index];
        let (from, to) = (e.from, e.to.expect("checked"));
        let count = e.count.max(1);
        let spacing = (e.duration / i64::from(count)).max(1);
        let src = &self.device(from).spec;
        let (src_mac, src_ip, dst_ip) = (src.mac, src.ip, self.device(to).spec.ip);
        let dst_mac = self.seen_mac(from, to);
        let mut t = now;
        let end = (*sent + BATCH).min(count);
        while *sent < end {
            let sport = 1024 + (self.rng.next_u16() % 64_512);
            let dport = 1 + (self.rng.next_u16() % 65_535);
            let seq = self.rng.next_u32();
            let ip_id = self.rng.next_u16();
            self.push(TimedFrame {
                ts_micros: t,
                frame: frame::ipv4_tcp(
                    src_mac,
                    dst_mac,
                    src_ip,
                    dst_ip,
                    sport,
                    dport,
                    seq,
                    0,
                    frame::TCP_SYN,
                    1024,
                    ip_id,
                    &[],
                ),
            });
            *sent += 1;
            t += spacing;
        }
        (*sent < count).then_some(t)
    }

    /// The attacker claims the victim's address: ARP replies every one to three seconds to
    /// the victim's gateway and as broadcasts, for the event's duration.
    fn arp_spoof(&mut self, index: usize, now: i64) {
        let e = &self.scenario.events[index];
        let attacker = &self.device(e.from).spec;
        let victim = &self.device(e.to.expect("checked")).spec;
        let (a_mac, v_ip) = (attacker.mac, victim.ip);
        let end = now + e.duration;
        let mut t = now;
        while t < end {
            self.push(TimedFrame {
                ts_micros: t,
                frame: frame::arp_reply(a_mac, v_ip, BROADCAST_MAC, v_ip),
            });
            t += self.rng.range(1_000_000, 3_000_000);
        }
    }

    fn remote_session(&mut self, index: usize, now: i64) -> Result<(), GenerateError> {
        let e = &self.scenario.events[index];
        let (protocol, from, to) = self.conversation_of(index);
        let duration = e.duration;
        self.one_off(&protocol, from, to, now, &mut |engine, c, t0| {
            // Screen updates and input: one exchange every 100 ms to 1 s.
            let mut t = t0;
            let mut cycle = 0;
            while t < t0 + duration {
                let messages = c.dialect.poll(&PollContext {
                    now_micros: t,
                    cycle,
                });
                let (frames, end) = c.link.deliver(t, &messages);
                engine.push_all(frames);
                cycle += 1;
                t = end.max(t + engine.rng.range(100_000, 1_000_000));
            }
            t
        })?;
        Ok(())
    }

    /// The source asks every device of the target's zone for its identity, one connection
    /// each, a few hundred milliseconds apart.
    fn identify_sweep(&mut self, index: usize, now: i64) -> Result<(), GenerateError> {
        let (protocol, from, to) = self.conversation_of(index);
        let zone = self.device(to).zone;
        let targets: Vec<usize> = (0..self.scenario.devices.len())
            .filter(|&i| i != from && self.device(i).zone == zone)
            .collect();
        let mut t = now;
        for target in targets {
            t = self.one_off(&protocol, from, target, t, &mut |engine, c, t| {
                let messages = c.dialect.identify();
                let (frames, end) = c.link.deliver(t, &messages);
                engine.push_all(frames);
                end
            })?;
            t += self.rng.range(100_000, 400_000);
        }
        Ok(())
    }
}
