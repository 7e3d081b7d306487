//! One conversation's transport: turns a dialect's [`Message`]s into timed frames.
//!
//! A [`Link`] owns everything below the application layer for one client–server pair:
//! the TCP connection (handshake, sequence numbers, segmentation at the MSS, delayed
//! acknowledgements, close), UDP ports, raw Ethernet framing, IP identification counters
//! and the turnaround times between request and response.

use crate::dialect::{Destination, Message, Transport};
use crate::frame::{self, Endpoint, MacAddr, Side, TcpSession, TimedFrame, BROADCAST_MAC};
use crate::rng::SplitMix64;
use std::net::Ipv4Addr;

/// Addresses of one end of a conversation as the capture shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkEnd {
    /// The MAC this end's frames carry as source (the device's own MAC), and as destination
    /// for frames towards it (a router's MAC when the peer is in another subnet: see
    /// [`LinkEnd::seen_mac`]).
    pub mac: MacAddr,
    /// The MAC the capture shows for this end: its own on its segment, the gateway's when
    /// the traffic was routed to the segment the sensor watches.
    pub seen_mac: MacAddr,
    pub ip: Ipv4Addr,
    /// Initial TTL of the device's stack (64 for embedded and Unix-like, 128 for Windows).
    pub ttl: u8,
    pub window: u16,
}

impl LinkEnd {
    pub fn new(mac: MacAddr, ip: Ipv4Addr) -> Self {
        Self {
            mac,
            seen_mac: mac,
            ip,
            ttl: frame::DEFAULT_TTL,
            window: 64_240,
        }
    }
}

/// Response times of the server, in microseconds.
#[derive(Debug, Clone, Copy)]
pub struct Turnaround {
    pub server: (i64, i64),
    pub client: (i64, i64),
}

impl Default for Turnaround {
    fn default() -> Self {
        Self {
            server: (400, 4_000),
            client: (80, 600),
        }
    }
}

pub struct Link {
    transport: Transport,
    client: LinkEnd,
    server: LinkEnd,
    client_port: u16,
    /// The directed broadcast address of the client's subnet, for UDP broadcasts.
    broadcast_ip: Ipv4Addr,
    tcp: Option<TcpSession>,
    ip_id: [u16; 2],
    rng: SplitMix64,
    pub turnaround: Turnaround,
}

impl Link {
    pub fn new(
        transport: Transport,
        client: LinkEnd,
        server: LinkEnd,
        client_port: u16,
        broadcast_ip: Ipv4Addr,
        seed: u64,
    ) -> Self {
        let mut rng = SplitMix64::new(seed);
        let ip_id = [rng.next_u16(), rng.next_u16()];
        let client_port = match transport {
            Transport::Udp {
                client_port: Some(p),
                ..
            } => p,
            _ => client_port,
        };
        Self {
            transport,
            client,
            server,
            client_port,
            broadcast_ip,
            tcp: None,
            ip_id,
            rng,
            turnaround: Turnaround::default(),
        }
    }

    pub fn transport(&self) -> Transport {
        self.transport
    }

    pub fn is_open(&self) -> bool {
        match self.transport {
            Transport::Tcp { .. } => self.tcp.is_some(),
            _ => true,
        }
    }

    fn end(&self, side: Side) -> &LinkEnd {
        match side {
            Side::Client => &self.client,
            Side::Server => &self.server,
        }
    }

    fn endpoint(&self, side: Side, port: u16) -> Endpoint {
        let me = self.end(side);
        // Frames from this end carry its own MAC as source; the engine's view of the peer
        // (seen_mac) is the destination. TcpSession uses one MAC per end for both, so each
        // end is given the MAC the capture shows for it.
        Endpoint::new(me.seen_mac, me.ip, port)
            .with_ttl(me.ttl)
            .with_window(me.window)
    }

    /// Opens the transport at `t`: the TCP handshake, nothing for datagram transports.
    /// Returns the frames and the time the link is ready.
    pub fn open(&mut self, t: i64) -> (Vec<TimedFrame>, i64) {
        let Transport::Tcp { port } = self.transport else {
            return (Vec::new(), t);
        };
        let client = self.endpoint(Side::Client, self.client_port);
        let server = self.endpoint(Side::Server, port);
        let mut session = TcpSession::new(client, server, self.rng.next_u32(), self.rng.next_u32())
            .with_ip_ids(self.ip_id[0], self.ip_id[1]);
        let rtt = self.rng.range(150, 900);
        let frames = session.open(t, rtt);
        self.tcp = Some(session);
        let end = frames.last().map(|f| f.ts_micros).unwrap_or(t);
        (frames, end)
    }

    /// Puts `messages` on the wire starting at `t`. Returns the frames and the time of the
    /// last one.
    pub fn deliver(&mut self, t: i64, messages: &[Message]) -> (Vec<TimedFrame>, i64) {
        let mut frames = Vec::with_capacity(messages.len() + 1);
        let mut now = t;
        let mut previous: Option<Side> = None;
        for message in messages {
            let gap = match (message.delay_micros, previous) {
                (Some(d), _) => d,
                (None, None) => 0,
                (None, Some(p)) if p == message.from => self.rng.range(20, 120),
                (None, Some(_)) => {
                    let (lo, hi) = match message.from {
                        Side::Server => self.turnaround.server,
                        Side::Client => self.turnaround.client,
                    };
                    self.rng.range(lo, hi)
                }
            };
            now += gap.max(0);
            self.put(now, message, &mut frames);
            if let Some(last) = frames.last() {
                now = now.max(last.ts_micros);
            }
            previous = Some(message.from);
        }
        // The side that received last acknowledges after its delayed-ACK timer, unless the
        // exchange ended with data from it.
        if let (Some(last), Some(tcp)) = (previous, self.tcp.as_mut()) {
            let acker = last.peer();
            now += self.rng.range(200, 40_000);
            frames.push(tcp.ack(acker, now));
        }
        (frames, now)
    }

    fn put(&mut self, t: i64, message: &Message, frames: &mut Vec<TimedFrame>) {
        match self.transport {
            Transport::Tcp { .. } => {
                let tcp = self
                    .tcp
                    .as_mut()
                    .expect("deliver before open on a TCP link");
                let mss = usize::from(tcp.endpoint(message.from.peer()).mss).max(1);
                let mut ts = t;
                for chunk in message.payload.chunks(mss) {
                    frames.push(tcp.send(message.from, ts, chunk));
                    ts += 12;
                }
            }
            Transport::Udp { port, .. } => {
                let (src, dst) = (*self.end(message.from), *self.end(message.from.peer()));
                let (sport, dport) = match message.from {
                    Side::Client => (self.client_port, port),
                    Side::Server => (port, self.client_port),
                };
                let (dst_mac, dst_ip) = match message.to {
                    Destination::Peer => (dst.seen_mac, dst.ip),
                    Destination::Broadcast => (BROADCAST_MAC, self.broadcast_ip),
                    Destination::Multicast(mac) => (mac, Ipv4Addr::BROADCAST),
                };
                let id = self.next_ip_id(message.from);
                frames.push(TimedFrame {
                    ts_micros: t,
                    frame: frame::ipv4_udp(
                        src.seen_mac,
                        dst_mac,
                        src.ip,
                        dst_ip,
                        sport,
                        dport,
                        id,
                        src.ttl,
                        &message.payload,
                    ),
                });
            }
            Transport::Ethernet { ethertype } => {
                let (src, dst) = (*self.end(message.from), *self.end(message.from.peer()));
                let dst_mac = match message.to {
                    Destination::Peer => dst.mac,
                    Destination::Broadcast => BROADCAST_MAC,
                    Destination::Multicast(mac) => mac,
                };
                frames.push(TimedFrame {
                    ts_micros: t,
                    frame: frame::ethernet(dst_mac, src.mac, ethertype, &message.payload),
                });
            }
        }
    }

    fn next_ip_id(&mut self, side: Side) -> u16 {
        let i = match side {
            Side::Client => 0,
            Side::Server => 1,
        };
        self.ip_id[i] = self.ip_id[i].wrapping_add(1);
        self.ip_id[i]
    }

    /// Closes a TCP connection from the client's side; nothing for other transports.
    pub fn close(&mut self, t: i64) -> (Vec<TimedFrame>, i64) {
        match self.tcp.take() {
            Some(mut tcp) => {
                let rtt = self.rng.range(150, 900);
                let frames = tcp.close(Side::Client, t, rtt);
                let end = frames.last().map(|f| f.ts_micros).unwrap_or(t);
                (frames, end)
            }
            None => (Vec::new(), t),
        }
    }
}
