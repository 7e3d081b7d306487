//! Ethernet, ARP, IPv4, UDP and TCP frame builders.
//!
//! Everything produced here is a complete frame as a passive tap records it: Ethernet II
//! header, IPv4 header checksum, TCP/UDP checksums over the pseudo-header, and zero padding
//! up to the 60-byte Ethernet minimum (the FCS never reaches the capture). Dissectors in
//! otwatch therefore have to honour the IPv4 total length instead of the frame length, just
//! as they must on real traffic. [`TcpSession`] keeps the sequence-number bookkeeping of one
//! connection so that callers only decide who sends what, and when.

use std::net::Ipv4Addr;

pub type MacAddr = [u8; 6];

pub const BROADCAST_MAC: MacAddr = [0xff; 6];
pub const ZERO_MAC: MacAddr = [0; 6];

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_ARP: u16 = 0x0806;

pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;

/// Shortest Ethernet frame on the wire, excluding the 4-byte FCS.
pub const MIN_FRAME_LEN: usize = 60;
pub const ETHERNET_HEADER_LEN: usize = 14;
pub const IPV4_HEADER_LEN: usize = 20;
pub const UDP_HEADER_LEN: usize = 8;
pub const TCP_HEADER_LEN: usize = 20;

/// Time-to-live used by [`ipv4_tcp`], the common default of embedded and Unix-like stacks.
pub const DEFAULT_TTL: u8 = 64;

pub const TCP_FIN: u8 = 0x01;
pub const TCP_SYN: u8 = 0x02;
pub const TCP_RST: u8 = 0x04;
pub const TCP_PSH: u8 = 0x08;
pub const TCP_ACK: u8 = 0x10;
pub const TCP_URG: u8 = 0x20;

pub const ARP_OP_REQUEST: u16 = 1;
pub const ARP_OP_REPLY: u16 = 2;

/// Lower-case, colon-separated notation (`00:80:f4:0a:3c:11`).
pub fn format_mac(mac: &MacAddr) -> String {
    let parts: Vec<String> = mac.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

/// RFC 1071 ones'-complement checksum. Summing a block that already contains its correct
/// checksum yields zero, which is how receivers (and the tests) verify it.
pub fn internet_checksum(data: &[u8]) -> u16 {
    let mut sum: u64 = 0;
    let mut words = data.chunks_exact(2);
    for word in &mut words {
        sum += u64::from(u16::from_be_bytes([word[0], word[1]]));
    }
    if let [last] = words.remainder() {
        sum += u64::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Checksum of a TCP or UDP segment including the IPv4 pseudo-header. The segment's own
/// checksum field must be zero when this is called.
pub fn pseudo_header_checksum(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, segment: &[u8]) -> u16 {
    let len = u16::try_from(segment.len()).expect("segment longer than 65535 bytes");
    let mut buf = Vec::with_capacity(12 + segment.len());
    buf.extend_from_slice(&src.octets());
    buf.extend_from_slice(&dst.octets());
    buf.push(0);
    buf.push(protocol);
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(segment);
    internet_checksum(&buf)
}

/// An Ethernet II frame, zero-padded to [`MIN_FRAME_LEN`].
pub fn ethernet(dst_mac: MacAddr, src_mac: MacAddr, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity((ETHERNET_HEADER_LEN + payload.len()).max(MIN_FRAME_LEN));
    frame.extend_from_slice(&dst_mac);
    frame.extend_from_slice(&src_mac);
    frame.extend_from_slice(&ethertype.to_be_bytes());
    frame.extend_from_slice(payload);
    if frame.len() < MIN_FRAME_LEN {
        frame.resize(MIN_FRAME_LEN, 0);
    }
    frame
}

/// A 20-byte IPv4 header (no options) with its checksum filled in.
///
/// Panics if the datagram would exceed 65535 bytes.
pub fn ipv4_header(
    src_ip: Ipv4Addr,
    dst_ip: Ipv4Addr,
    protocol: u8,
    ip_id: u16,
    ttl: u8,
    dont_fragment: bool,
    payload_len: usize,
) -> [u8; IPV4_HEADER_LEN] {
    let total_len = u16::try_from(IPV4_HEADER_LEN + payload_len)
        .expect("IPv4 datagram longer than 65535 bytes");
    let mut h = [0u8; IPV4_HEADER_LEN];
    h[0] = 0x45;
    h[2..4].copy_from_slice(&total_len.to_be_bytes());
    h[4..6].copy_from_slice(&ip_id.to_be_bytes());
    if dont_fragment {
        h[6] = 0x40;
    }
    h[8] = ttl;
    h[9] = protocol;
    h[12..16].copy_from_slice(&src_ip.octets());
    h[16..20].copy_from_slice(&dst_ip.octets());
    let checksum = internet_checksum(&h);
    h[10..12].copy_from_slice(&checksum.to_be_bytes());
    h
}

fn ipv4_frame(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    header: [u8; IPV4_HEADER_LEN],
    segment: &[u8],
) -> Vec<u8> {
    let mut packet = Vec::with_capacity(IPV4_HEADER_LEN + segment.len());
    packet.extend_from_slice(&header);
    packet.extend_from_slice(segment);
    ethernet(dst_mac, src_mac, ETHERTYPE_IPV4, &packet)
}

/// A complete Ethernet/IPv4/UDP frame. Fragmentation is never needed for the small
/// datagrams simulated here, so DF stays clear as most stacks leave it for UDP.
#[allow(clippy::too_many_arguments)]
pub fn ipv4_udp(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src_ip: Ipv4Addr,
    dst_ip: Ipv4Addr,
    sport: u16,
    dport: u16,
    ip_id: u16,
    ttl: u8,
    payload: &[u8],
) -> Vec<u8> {
    let len = u16::try_from(UDP_HEADER_LEN + payload.len()).expect("UDP datagram too long");
    let mut segment = Vec::with_capacity(usize::from(len));
    segment.extend_from_slice(&sport.to_be_bytes());
    segment.extend_from_slice(&dport.to_be_bytes());
    segment.extend_from_slice(&len.to_be_bytes());
    segment.extend_from_slice(&[0, 0]);
    segment.extend_from_slice(payload);
    let checksum = match pseudo_header_checksum(src_ip, dst_ip, IPPROTO_UDP, &segment) {
        // Zero on the wire means "no checksum" for UDP, so a computed zero is sent as ones.
        0 => 0xffff,
        c => c,
    };
    segment[6..8].copy_from_slice(&checksum.to_be_bytes());
    let header = ipv4_header(
        src_ip,
        dst_ip,
        IPPROTO_UDP,
        ip_id,
        ttl,
        false,
        segment.len(),
    );
    ipv4_frame(src_mac, dst_mac, header, &segment)
}

/// A complete Ethernet/IPv4/TCP frame without TCP options, TTL [`DEFAULT_TTL`] and DF set.
#[allow(clippy::too_many_arguments)]
pub fn ipv4_tcp(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src_ip: Ipv4Addr,
    dst_ip: Ipv4Addr,
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    window: u16,
    ip_id: u16,
    payload: &[u8],
) -> Vec<u8> {
    let tcp = TcpFields {
        sport,
        dport,
        seq,
        ack,
        flags,
        window,
        options: &[],
    };
    tcp_frame(
        src_mac,
        dst_mac,
        src_ip,
        dst_ip,
        ip_id,
        DEFAULT_TTL,
        &tcp,
        payload,
    )
}

struct TcpFields<'a> {
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    window: u16,
    options: &'a [u8],
}

#[allow(clippy::too_many_arguments)]
fn tcp_frame(
    src_mac: MacAddr,
    dst_mac: MacAddr,
    src_ip: Ipv4Addr,
    dst_ip: Ipv4Addr,
    ip_id: u16,
    ttl: u8,
    tcp: &TcpFields<'_>,
    payload: &[u8],
) -> Vec<u8> {
    assert!(
        tcp.options.len().is_multiple_of(4) && tcp.options.len() <= 40,
        "TCP options must be padded to 32-bit words and fit in 40 bytes"
    );
    let header_len = TCP_HEADER_LEN + tcp.options.len();
    let mut segment = Vec::with_capacity(header_len + payload.len());
    segment.extend_from_slice(&tcp.sport.to_be_bytes());
    segment.extend_from_slice(&tcp.dport.to_be_bytes());
    segment.extend_from_slice(&tcp.seq.to_be_bytes());
    segment.extend_from_slice(&tcp.ack.to_be_bytes());
    segment.push(((header_len / 4) as u8) << 4);
    segment.push(tcp.flags);
    segment.extend_from_slice(&tcp.window.to_be_bytes());
    segment.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
    segment.extend_from_slice(tcp.options);
    segment.extend_from_slice(payload);
    let checksum = pseudo_header_checksum(src_ip, dst_ip, IPPROTO_TCP, &segment);
    segment[16..18].copy_from_slice(&checksum.to_be_bytes());
    let header = ipv4_header(src_ip, dst_ip, IPPROTO_TCP, ip_id, ttl, true, segment.len());
    ipv4_frame(src_mac, dst_mac, header, &segment)
}

fn arp(
    op: u16,
    eth_dst: MacAddr,
    sender_mac: MacAddr,
    sender_ip: Ipv4Addr,
    target_mac: MacAddr,
    target_ip: Ipv4Addr,
) -> Vec<u8> {
    let mut p = Vec::with_capacity(28);
    p.extend_from_slice(&1u16.to_be_bytes()); // Ethernet
    p.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    p.push(6);
    p.push(4);
    p.extend_from_slice(&op.to_be_bytes());
    p.extend_from_slice(&sender_mac);
    p.extend_from_slice(&sender_ip.octets());
    p.extend_from_slice(&target_mac);
    p.extend_from_slice(&target_ip.octets());
    ethernet(eth_dst, sender_mac, ETHERTYPE_ARP, &p)
}

/// Broadcast "who has `target_ip`?" from `sender_mac`/`sender_ip`.
pub fn arp_request(sender_mac: MacAddr, sender_ip: Ipv4Addr, target_ip: Ipv4Addr) -> Vec<u8> {
    arp(
        ARP_OP_REQUEST,
        BROADCAST_MAC,
        sender_mac,
        sender_ip,
        ZERO_MAC,
        target_ip,
    )
}

/// Unicast "`sender_ip` is at `sender_mac`" answering the host at `target_mac`/`target_ip`.
pub fn arp_reply(
    sender_mac: MacAddr,
    sender_ip: Ipv4Addr,
    target_mac: MacAddr,
    target_ip: Ipv4Addr,
) -> Vec<u8> {
    arp(
        ARP_OP_REPLY,
        target_mac,
        sender_mac,
        sender_ip,
        target_mac,
        target_ip,
    )
}

/// Gratuitous ARP announcement in the request form (sender and target IP equal), which is
/// what most devices emit when their link comes up.
pub fn arp_gratuitous(mac: MacAddr, ip: Ipv4Addr) -> Vec<u8> {
    arp(ARP_OP_REQUEST, BROADCAST_MAC, mac, ip, ZERO_MAC, ip)
}

/// One frame of a timeline, stamped in microseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedFrame {
    pub ts_micros: i64,
    pub frame: Vec<u8>,
}

/// One end of a TCP connection: its link and network identity plus the stack properties a
/// passive observer can fingerprint (initial TTL, advertised window, MSS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub mac: MacAddr,
    pub ip: Ipv4Addr,
    pub port: u16,
    pub ttl: u8,
    pub window: u16,
    pub mss: u16,
}

impl Endpoint {
    pub fn new(mac: MacAddr, ip: Ipv4Addr, port: u16) -> Self {
        Self {
            mac,
            ip,
            port,
            ttl: DEFAULT_TTL,
            window: 65_535,
            mss: 1460,
        }
    }

    pub fn with_ttl(mut self, ttl: u8) -> Self {
        self.ttl = ttl;
        self
    }

    pub fn with_window(mut self, window: u16) -> Self {
        self.window = window;
        self
    }

    pub fn with_mss(mut self, mss: u16) -> Self {
        self.mss = mss;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

impl Side {
    pub fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }

    fn index(self) -> usize {
        match self {
            Side::Client => 0,
            Side::Server => 1,
        }
    }
}

/// Sequence-number bookkeeping for one TCP connection observed without loss.
///
/// Every segment acknowledges everything the peer has sent so far, which is exactly what a
/// tap sees when both hosts are on the same segment and nothing is in flight at once. The
/// caller is responsible for handing out non-decreasing timestamps per connection.
#[derive(Debug, Clone)]
pub struct TcpSession {
    ends: [Endpoint; 2],
    next_seq: [u32; 2],
    ip_id: [u16; 2],
    established: bool,
    fin_sent: [bool; 2],
}

impl TcpSession {
    pub fn new(client: Endpoint, server: Endpoint, client_isn: u32, server_isn: u32) -> Self {
        Self {
            ends: [client, server],
            next_seq: [client_isn, server_isn],
            ip_id: [0, 0],
            established: false,
            fin_sent: [false, false],
        }
    }

    /// Initial IPv4 identification values; each side increments its own per segment.
    pub fn with_ip_ids(mut self, client: u16, server: u16) -> Self {
        self.ip_id = [client, server];
        self
    }

    pub fn endpoint(&self, side: Side) -> &Endpoint {
        &self.ends[side.index()]
    }

    /// The sequence number `side` will put on its next segment.
    pub fn next_seq(&self, side: Side) -> u32 {
        self.next_seq[side.index()]
    }

    pub fn is_established(&self) -> bool {
        self.established
    }

    /// Three-way handshake: SYN at `ts_micros`, SYN/ACK one `turnaround_micros` later and
    /// the final ACK after another. SYN and SYN/ACK carry each side's MSS option.
    pub fn open(&mut self, ts_micros: i64, turnaround_micros: i64) -> Vec<TimedFrame> {
        assert!(!self.established, "connection already opened");
        let mss_option = |end: &Endpoint| {
            let [hi, lo] = end.mss.to_be_bytes();
            [2, 4, hi, lo]
        };
        let client_mss = mss_option(&self.ends[0]);
        let server_mss = mss_option(&self.ends[1]);
        let syn = self.segment(Side::Client, ts_micros, TCP_SYN, &client_mss, &[]);
        let syn_ack = self.segment(
            Side::Server,
            ts_micros + turnaround_micros,
            TCP_SYN | TCP_ACK,
            &server_mss,
            &[],
        );
        self.established = true;
        let ack = self.segment(
            Side::Client,
            ts_micros + 2 * turnaround_micros,
            TCP_ACK,
            &[],
            &[],
        );
        vec![syn, syn_ack, ack]
    }

    /// A data segment (PSH/ACK) from `from`. Payloads are expected to fit one MSS, which
    /// every industrial request/response protocol simulated here does.
    pub fn send(&mut self, from: Side, ts_micros: i64, payload: &[u8]) -> TimedFrame {
        self.assert_can_send(from);
        assert!(!payload.is_empty(), "use ack() for segments without data");
        assert!(
            payload.len() <= usize::from(self.ends[from.peer().index()].mss),
            "payload larger than the peer's MSS"
        );
        self.segment(from, ts_micros, TCP_PSH | TCP_ACK, &[], payload)
    }

    /// A pure ACK from `from` acknowledging everything the peer has sent.
    pub fn ack(&mut self, from: Side, ts_micros: i64) -> TimedFrame {
        assert!(self.established, "connection not opened");
        self.segment(from, ts_micros, TCP_ACK, &[], &[])
    }

    /// Orderly close initiated by `from`: FIN/ACK, the peer's FIN/ACK one
    /// `turnaround_micros` later, and the initiator's final ACK after another.
    pub fn close(&mut self, from: Side, ts_micros: i64, turnaround_micros: i64) -> Vec<TimedFrame> {
        self.assert_can_send(from);
        self.assert_can_send(from.peer());
        let fin = self.segment(from, ts_micros, TCP_FIN | TCP_ACK, &[], &[]);
        self.fin_sent[from.index()] = true;
        let peer_fin = self.segment(
            from.peer(),
            ts_micros + turnaround_micros,
            TCP_FIN | TCP_ACK,
            &[],
            &[],
        );
        self.fin_sent[from.peer().index()] = true;
        let last_ack = self.segment(from, ts_micros + 2 * turnaround_micros, TCP_ACK, &[], &[]);
        vec![fin, peer_fin, last_ack]
    }

    fn assert_can_send(&self, from: Side) {
        assert!(self.established, "connection not opened");
        assert!(!self.fin_sent[from.index()], "{from:?} already sent FIN");
    }

    fn segment(
        &mut self,
        from: Side,
        ts_micros: i64,
        flags: u8,
        options: &[u8],
        payload: &[u8],
    ) -> TimedFrame {
        let me = from.index();
        let peer = from.peer().index();
        let seq = self.next_seq[me];
        let ack = if flags & TCP_ACK != 0 {
            self.next_seq[peer]
        } else {
            0
        };
        let (src, dst) = (self.ends[me], self.ends[peer]);
        let tcp = TcpFields {
            sport: src.port,
            dport: dst.port,
            seq,
            ack,
            flags,
            window: src.window,
            options,
        };
        let frame = tcp_frame(
            src.mac,
            dst.mac,
            src.ip,
            dst.ip,
            self.ip_id[me],
            src.ttl,
            &tcp,
            payload,
        );
        self.ip_id[me] = self.ip_id[me].wrapping_add(1);
        // SYN and FIN each occupy one sequence number.
        let consumed = payload.len() as u32
            + u32::from(flags & TCP_SYN != 0)
            + u32::from(flags & TCP_FIN != 0);
        self.next_seq[me] = seq.wrapping_add(consumed);
        TimedFrame { ts_micros, frame }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HMI_MAC: MacAddr = [0x00, 0xd0, 0xc9, 0xe4, 0x51, 0x20];
    const PLC_MAC: MacAddr = [0x00, 0x80, 0xf4, 0x0a, 0x3c, 0x11];
    const HMI_IP: Ipv4Addr = Ipv4Addr::new(10, 20, 1, 21);
    const PLC_IP: Ipv4Addr = Ipv4Addr::new(10, 20, 1, 11);

    struct Tcp {
        seq: u32,
        ack: u32,
        flags: u8,
        payload: Vec<u8>,
        ttl: u8,
        ip_id: u16,
    }

    fn parse_tcp(frame: &[u8]) -> Tcp {
        let ip = &frame[ETHERNET_HEADER_LEN..];
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        let tcp = &ip[IPV4_HEADER_LEN..total];
        let doff = usize::from(tcp[12] >> 4) * 4;
        Tcp {
            seq: u32::from_be_bytes(tcp[4..8].try_into().unwrap()),
            ack: u32::from_be_bytes(tcp[8..12].try_into().unwrap()),
            flags: tcp[13],
            payload: tcp[doff..].to_vec(),
            ttl: ip[8],
            ip_id: u16::from_be_bytes([ip[4], ip[5]]),
        }
    }

    fn verify_checksums(frame: &[u8]) {
        let ip = &frame[ETHERNET_HEADER_LEN..];
        assert_eq!(
            internet_checksum(&ip[..IPV4_HEADER_LEN]),
            0,
            "IPv4 header checksum"
        );
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
        let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
        assert_eq!(
            pseudo_header_checksum(src, dst, ip[9], &ip[IPV4_HEADER_LEN..total]),
            0,
            "transport checksum"
        );
    }

    #[test]
    fn ipv4_header_checksum_matches_known_value() {
        let mut known = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(internet_checksum(&known), 0xb861);
        known[10..12].copy_from_slice(&[0xb8, 0x61]);
        assert_eq!(internet_checksum(&known), 0);

        let built = ipv4_header(
            Ipv4Addr::new(192, 168, 0, 1),
            Ipv4Addr::new(192, 168, 0, 199),
            IPPROTO_UDP,
            0,
            64,
            true,
            0x73 - IPV4_HEADER_LEN,
        );
        assert_eq!(built, known);
    }

    #[test]
    fn odd_length_checksum_pads_with_zero() {
        assert_eq!(internet_checksum(&[0x01]), !0x0100);
        assert_eq!(
            internet_checksum(&[0x12, 0x34, 0x56]),
            internet_checksum(&[0x12, 0x34, 0x56, 0])
        );
    }

    #[test]
    fn tcp_frame_matches_independently_computed_checksums() {
        let modbus = [
            0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0a,
        ];
        let tcp = TcpFields {
            sport: 49731,
            dport: 502,
            seq: 0x1a2b_3c4d,
            ack: 0x5e6f_7081,
            flags: TCP_PSH | TCP_ACK,
            window: 64240,
            options: &[],
        };
        let frame = tcp_frame(HMI_MAC, PLC_MAC, HMI_IP, PLC_IP, 0x1234, 128, &tcp, &modbus);
        assert_eq!(frame.len(), 14 + 20 + 20 + 12);
        assert_eq!(&frame[0..6], &PLC_MAC);
        assert_eq!(&frame[6..12], &HMI_MAC);
        assert_eq!(&frame[12..14], &[0x08, 0x00]);
        assert_eq!(&frame[14 + 2..14 + 4], &52u16.to_be_bytes());
        assert_eq!(&frame[14 + 10..14 + 12], &[0xd2, 0x48], "IPv4 checksum");
        assert_eq!(&frame[34 + 16..34 + 18], &[0xb3, 0xd1], "TCP checksum");
        verify_checksums(&frame);
    }

    #[test]
    fn udp_frame_matches_independently_computed_checksum() {
        let frame = ipv4_udp(
            [0x00, 0x14, 0x22, 0x7b, 0xc0, 0x5e],
            [0x00, 0x00, 0x0c, 0x5a, 0x12, 0x01],
            Ipv4Addr::new(10, 20, 1, 50),
            Ipv4Addr::new(10, 20, 1, 1),
            51234,
            53,
            7,
            128,
            b"abc",
        );
        // 14 + 20 + 8 + 3 = 45 bytes of content, padded to the Ethernet minimum.
        assert_eq!(frame.len(), MIN_FRAME_LEN);
        assert!(frame[45..].iter().all(|&b| b == 0));
        assert_eq!(&frame[34 + 6..34 + 8], &[0x5c, 0xc3], "UDP checksum");
        verify_checksums(&frame);
    }

    #[test]
    fn arp_frames_have_expected_layout() {
        let req = arp_request(HMI_MAC, HMI_IP, PLC_IP);
        assert_eq!(req.len(), MIN_FRAME_LEN);
        assert_eq!(&req[0..6], &BROADCAST_MAC);
        assert_eq!(&req[12..14], &[0x08, 0x06]);
        assert_eq!(&req[14..22], &[0, 1, 8, 0, 6, 4, 0, 1]);
        assert_eq!(&req[22..28], &HMI_MAC);
        assert_eq!(&req[28..32], &HMI_IP.octets());
        assert_eq!(&req[32..38], &ZERO_MAC);
        assert_eq!(&req[38..42], &PLC_IP.octets());

        let reply = arp_reply(PLC_MAC, PLC_IP, HMI_MAC, HMI_IP);
        assert_eq!(&reply[0..6], &HMI_MAC);
        assert_eq!(&reply[20..22], &[0, 2]);
        assert_eq!(&reply[32..38], &HMI_MAC);

        let garp = arp_gratuitous(PLC_MAC, PLC_IP);
        assert_eq!(&garp[28..32], &garp[38..42]);
    }

    #[test]
    fn format_mac_is_lower_case_colon_separated() {
        assert_eq!(format_mac(&PLC_MAC), "00:80:f4:0a:3c:11");
    }

    #[test]
    fn tcp_session_sequence_bookkeeping() {
        let client = Endpoint::new(HMI_MAC, HMI_IP, 49731)
            .with_ttl(128)
            .with_window(64240);
        let server = Endpoint::new(PLC_MAC, PLC_IP, 502).with_window(4096);
        let mut s = TcpSession::new(client, server, 1000, 0xffff_fff0).with_ip_ids(100, 7);

        let hs = s.open(10, 5);
        assert_eq!(
            hs.iter().map(|f| f.ts_micros).collect::<Vec<_>>(),
            [10, 15, 20]
        );
        let (syn, syn_ack, ack) = (
            parse_tcp(&hs[0].frame),
            parse_tcp(&hs[1].frame),
            parse_tcp(&hs[2].frame),
        );
        assert_eq!((syn.seq, syn.ack, syn.flags), (1000, 0, TCP_SYN));
        assert_eq!(
            (syn_ack.seq, syn_ack.ack, syn_ack.flags),
            (0xffff_fff0, 1001, TCP_SYN | TCP_ACK)
        );
        assert_eq!((ack.seq, ack.ack, ack.flags), (1001, 0xffff_fff1, TCP_ACK));
        assert_eq!((syn.ttl, syn_ack.ttl), (128, 64));
        assert_eq!((syn.ip_id, ack.ip_id, syn_ack.ip_id), (100, 101, 7));
        assert!(s.is_established());

        let req = parse_tcp(&s.send(Side::Client, 30, &[1; 12]).frame);
        assert_eq!(
            (req.seq, req.ack, req.flags),
            (1001, 0xffff_fff1, TCP_PSH | TCP_ACK)
        );
        assert_eq!(req.payload, [1; 12]);
        assert_eq!(s.next_seq(Side::Client), 1013);

        let peer_ack = parse_tcp(&s.ack(Side::Server, 31).frame);
        assert_eq!(
            (peer_ack.seq, peer_ack.ack, peer_ack.flags),
            (0xffff_fff1, 1013, TCP_ACK)
        );
        assert!(peer_ack.payload.is_empty());

        // The server's sequence space wraps past 2^32 here.
        let resp = parse_tcp(&s.send(Side::Server, 35, &[2; 29]).frame);
        assert_eq!((resp.seq, resp.ack), (0xffff_fff1, 1013));
        assert_eq!(s.next_seq(Side::Server), 0xffff_fff1u32.wrapping_add(29));

        let delayed = parse_tcp(&s.ack(Side::Client, 200).frame);
        assert_eq!((delayed.seq, delayed.ack), (1013, 14));

        let next = parse_tcp(&s.send(Side::Client, 1000, &[3; 12]).frame);
        assert_eq!((next.seq, next.ack), (1013, 14));

        let close = s.close(Side::Client, 2000, 3);
        let (fin, peer_fin, last) = (
            parse_tcp(&close[0].frame),
            parse_tcp(&close[1].frame),
            parse_tcp(&close[2].frame),
        );
        assert_eq!((fin.seq, fin.ack, fin.flags), (1025, 14, TCP_FIN | TCP_ACK));
        assert_eq!(
            (peer_fin.seq, peer_fin.ack, peer_fin.flags),
            (14, 1026, TCP_FIN | TCP_ACK)
        );
        assert_eq!((last.seq, last.ack, last.flags), (1026, 15, TCP_ACK));
        for f in hs.iter().chain(close.iter()) {
            verify_checksums(&f.frame);
        }
    }

    #[test]
    #[should_panic(expected = "already sent FIN")]
    fn sending_after_close_panics() {
        let client = Endpoint::new(HMI_MAC, HMI_IP, 49731);
        let server = Endpoint::new(PLC_MAC, PLC_IP, 502);
        let mut s = TcpSession::new(client, server, 1, 2);
        s.open(0, 1);
        s.close(Side::Client, 10, 1);
        s.send(Side::Client, 20, &[0]);
    }
}
