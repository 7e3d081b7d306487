//! Walks a captured frame from its link type down to the transport payload.

use crate::be16;
use crate::headers::{
    ethertype, ip_proto, ArpPacket, Ipv4Header, Ipv6Header, TcpHeader, UdpHeader,
};
use crate::link::LinkType;
use std::net::IpAddr;

/// Why a frame could not be decoded. Each variant has a stable label ([`Self::reason`]) that
/// the analysis summary counts; none of them stops the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum DecodeError {
    #[error("frame shorter than its link header")]
    TruncatedLinkHeader,
    #[error("VLAN tag cut short")]
    TruncatedVlan,
    #[error("more than four stacked VLAN tags")]
    TooManyVlanTags,
    #[error("loopback address family not IPv4 or IPv6")]
    UnknownAddressFamily,
    #[error("IP version field is neither 4 nor 6")]
    BadIpVersion,
    #[error("IPv4 header cut short")]
    TruncatedIpv4,
    #[error("IPv4 header length below 20 bytes")]
    BadIpv4HeaderLength,
    #[error("IPv6 header cut short")]
    TruncatedIpv6,
    #[error("IPv6 extension header cut short or chain too long")]
    BadIpv6Extension,
    #[error("TCP header cut short")]
    TruncatedTcp,
    #[error("TCP data offset below 20 bytes")]
    BadTcpHeaderLength,
    #[error("UDP header cut short")]
    TruncatedUdp,
    #[error("ICMP header cut short")]
    TruncatedIcmp,
    #[error("ARP packet cut short")]
    TruncatedArp,
    #[error("ARP for other than Ethernet/IPv4")]
    UnsupportedArp,
}

impl DecodeError {
    /// Stable snake_case label used as the counter name.
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::TruncatedLinkHeader => "truncated_link_header",
            DecodeError::TruncatedVlan => "truncated_vlan",
            DecodeError::TooManyVlanTags => "too_many_vlan_tags",
            DecodeError::UnknownAddressFamily => "unknown_address_family",
            DecodeError::BadIpVersion => "bad_ip_version",
            DecodeError::TruncatedIpv4 => "truncated_ipv4",
            DecodeError::BadIpv4HeaderLength => "bad_ipv4_header_length",
            DecodeError::TruncatedIpv6 => "truncated_ipv6",
            DecodeError::BadIpv6Extension => "bad_ipv6_extension",
            DecodeError::TruncatedTcp => "truncated_tcp",
            DecodeError::BadTcpHeaderLength => "bad_tcp_header_length",
            DecodeError::TruncatedUdp => "truncated_udp",
            DecodeError::TruncatedIcmp => "truncated_icmp",
            DecodeError::TruncatedArp => "truncated_arp",
            DecodeError::UnsupportedArp => "unsupported_arp",
        }
    }
}

/// Up to two 802.1Q / 802.1ad tags; deeper stacks keep the outer two.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct VlanTags {
    pub outer: Option<u16>,
    pub inner: Option<u16>,
}

impl VlanTags {
    fn push(&mut self, id: u16) {
        if self.outer.is_none() {
            self.outer = Some(id);
        } else if self.inner.is_none() {
            self.inner = Some(id);
        }
    }
    /// Both tags in one number, for flow keys: outer in the high half.
    pub fn key(&self) -> u32 {
        (u32::from(self.outer.unwrap_or(0)) << 16) | u32::from(self.inner.unwrap_or(0))
    }
}

/// A decoded frame. Borrowed from the capture buffer; nothing is copied.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    pub vlans: VlanTags,
    pub network: Network<'a>,
}

#[derive(Debug, Clone)]
pub enum Network<'a> {
    Ip(IpLayer<'a>),
    Arp(ArpPacket<'a>),
    /// 802.3 frame with a length field instead of an EtherType (STP, CDP over SNAP, ...).
    Llc(&'a [u8]),
    /// Any other EtherType (LLDP, PROFINET, GOOSE, ...): the payload after the type.
    Other {
        ethertype: u16,
        payload: &'a [u8],
    },
}

#[derive(Debug, Clone)]
pub struct IpLayer<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// The upper-layer protocol after any IPv6 extension headers.
    pub protocol: u8,
    pub ttl: u8,
    /// Length of the IP packet as its header declares it (Zeek's `ip_bytes`).
    pub ip_len: u32,
    /// The IP payload was cut by the capture's snap length.
    pub truncated: bool,
    pub fragment: Option<Fragment>,
    /// The IP payload after extension headers, trimmed of link-layer padding.
    pub payload: &'a [u8],
    /// The decoded transport; [`Transport::Fragment`] when `fragment` is set.
    pub transport: Transport<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    pub ident: u32,
    /// Byte offset of this fragment's data in the original payload.
    pub offset: u32,
    pub more: bool,
}

#[derive(Debug, Clone)]
pub enum Transport<'a> {
    Tcp(TcpSegment<'a>),
    Udp {
        src_port: u16,
        dst_port: u16,
        payload: &'a [u8],
    },
    Icmp {
        v6: bool,
        icmp_type: u8,
        code: u8,
        payload: &'a [u8],
    },
    /// Part of a fragmented datagram: decode after reassembly with [`decode_transport`].
    Fragment,
    Other,
}

#[derive(Debug, Clone, Copy)]
pub struct TcpSegment<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    pub payload: &'a [u8],
}

/// Decodes one captured frame. Errors describe the first header that did not fit.
#[inline]
pub fn decode_frame(link: LinkType, data: &[u8]) -> Result<Frame<'_>, DecodeError> {
    match link {
        LinkType::Ethernet => decode_ethernet(data),
        LinkType::RawIp => Ok(bare(decode_ip_by_version(data)?)),
        LinkType::Null | LinkType::Loop => {
            if data.len() < 4 {
                return Err(DecodeError::TruncatedLinkHeader);
            }
            // The family is in the writer's byte order for NULL, which may not be the
            // file's; both orders are tried since the values do not collide.
            let le = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
            let be = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
            let family = if le < 256 { le } else { be };
            match family {
                2 => Ok(bare(decode_ipv4(&data[4..])?)),
                24 | 28 | 30 => Ok(bare(decode_ipv6(&data[4..])?)),
                _ => Err(DecodeError::UnknownAddressFamily),
            }
        }
        LinkType::LinuxSll => {
            if data.len() < 16 {
                return Err(DecodeError::TruncatedLinkHeader);
            }
            let src_mac = sll_mac(be16(data, 2), be16(data, 4), &data[6..14]);
            let mut frame = decode_ethertype(be16(data, 14), &data[16..], VlanTags::default())?;
            frame.src_mac = src_mac;
            Ok(frame)
        }
        LinkType::LinuxSll2 => {
            if data.len() < 20 {
                return Err(DecodeError::TruncatedLinkHeader);
            }
            let src_mac = sll_mac(be16(data, 8), u16::from(data[11]), &data[12..20]);
            let mut frame = decode_ethertype(be16(data, 0), &data[20..], VlanTags::default())?;
            frame.src_mac = src_mac;
            Ok(frame)
        }
    }
}

fn sll_mac(arphrd: u16, addr_len: u16, addr: &[u8]) -> Option<[u8; 6]> {
    // ARPHRD_ETHER (1) and ARPHRD_LOOPBACK (772) carry a 6-byte MAC.
    if (arphrd == 1 || arphrd == 772) && addr_len == 6 {
        let mut mac = [0u8; 6];
        mac.copy_from_slice(&addr[..6]);
        Some(mac)
    } else {
        None
    }
}

fn bare(network: Network<'_>) -> Frame<'_> {
    Frame {
        src_mac: None,
        dst_mac: None,
        vlans: VlanTags::default(),
        network,
    }
}

#[inline]
fn decode_ethernet(data: &[u8]) -> Result<Frame<'_>, DecodeError> {
    if data.len() < 14 {
        return Err(DecodeError::TruncatedLinkHeader);
    }
    let mut dst = [0u8; 6];
    let mut src = [0u8; 6];
    dst.copy_from_slice(&data[0..6]);
    src.copy_from_slice(&data[6..12]);
    let mut frame = decode_ethertype(be16(data, 12), &data[14..], VlanTags::default())?;
    frame.src_mac = Some(src);
    frame.dst_mac = Some(dst);
    Ok(frame)
}

#[inline]
fn decode_ethertype(
    mut ty: u16,
    mut rest: &[u8],
    mut vlans: VlanTags,
) -> Result<Frame<'_>, DecodeError> {
    let mut depth = 0;
    while matches!(ty, ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_OLD) {
        depth += 1;
        if depth > 4 {
            return Err(DecodeError::TooManyVlanTags);
        }
        if rest.len() < 4 {
            return Err(DecodeError::TruncatedVlan);
        }
        vlans.push(be16(rest, 0) & 0x0fff);
        ty = be16(rest, 2);
        rest = &rest[4..];
    }
    let network = match ty {
        ethertype::IPV4 => decode_ipv4(rest)?,
        ethertype::IPV6 => decode_ipv6(rest)?,
        ethertype::ARP => Network::Arp(ArpPacket::new_checked(rest)?),
        len if len <= 1500 => Network::Llc(&rest[..rest.len().min(usize::from(len))]),
        other => Network::Other {
            ethertype: other,
            payload: rest,
        },
    };
    Ok(Frame {
        src_mac: None,
        dst_mac: None,
        vlans,
        network,
    })
}

#[inline]
fn decode_ip_by_version(data: &[u8]) -> Result<Network<'_>, DecodeError> {
    match data.first().map(|b| b >> 4) {
        Some(4) => decode_ipv4(data),
        Some(6) => decode_ipv6(data),
        Some(_) => Err(DecodeError::BadIpVersion),
        None => Err(DecodeError::TruncatedIpv4),
    }
}

#[inline]
fn decode_ipv4(data: &[u8]) -> Result<Network<'_>, DecodeError> {
    let h = Ipv4Header::new_checked(data)?;
    let declared = usize::from(h.total_len());
    // A zero total length comes from TCP segmentation offload: trust the capture.
    let (end, truncated) = if declared == 0 {
        (data.len(), false)
    } else if declared < h.header_len() {
        return Err(DecodeError::TruncatedIpv4);
    } else if declared > data.len() {
        (data.len(), true)
    } else {
        (declared, false)
    };
    let ip_len = if declared == 0 { data.len() } else { declared } as u32;
    let payload = &data[h.header_len()..end];
    let fragment = (h.more_fragments() || h.fragment_offset() != 0).then(|| Fragment {
        ident: u32::from(h.ident()),
        offset: u32::from(h.fragment_offset()),
        more: h.more_fragments(),
    });
    let transport = if fragment.is_some() {
        Transport::Fragment
    } else {
        decode_transport(h.protocol(), payload)?
    };
    Ok(Network::Ip(IpLayer {
        src: IpAddr::V4(h.src()),
        dst: IpAddr::V4(h.dst()),
        protocol: h.protocol(),
        ttl: h.ttl(),
        ip_len,
        truncated,
        fragment,
        payload,
        transport,
    }))
}

#[inline]
fn decode_ipv6(data: &[u8]) -> Result<Network<'_>, DecodeError> {
    let h = Ipv6Header::new_checked(data)?;
    let declared = usize::from(h.payload_len()) + Ipv6Header::LEN;
    let (end, truncated) = if h.payload_len() == 0 {
        (data.len(), false) // jumbogram or offload: take what was captured
    } else if declared > data.len() {
        (data.len(), true)
    } else {
        (declared, false)
    };
    let mut next = h.next_header();
    let mut at = Ipv6Header::LEN;
    let mut fragment = None;
    let mut hops = 0;
    loop {
        match next {
            0 | 43 | 60 | 135 | 139 | 140 => {
                if end < at + 8 {
                    return Err(DecodeError::BadIpv6Extension);
                }
                let len = (usize::from(data[at + 1]) + 1) * 8;
                next = data[at];
                at += len;
            }
            44 => {
                if end < at + 8 {
                    return Err(DecodeError::BadIpv6Extension);
                }
                let off_flags = be16(data, at + 2);
                fragment = Some(Fragment {
                    ident: crate::be32(data, at + 4),
                    offset: u32::from(off_flags & 0xfff8),
                    more: off_flags & 1 != 0,
                });
                next = data[at];
                at += 8;
            }
            51 => {
                if end < at + 8 {
                    return Err(DecodeError::BadIpv6Extension);
                }
                let len = (usize::from(data[at + 1]) + 2) * 4;
                next = data[at];
                at += len;
            }
            _ => break,
        }
        hops += 1;
        if hops > 8 || at > end {
            return Err(DecodeError::BadIpv6Extension);
        }
    }
    // A fragment header saying "offset 0, no more fragments" is an atomic fragment.
    if matches!(
        fragment,
        Some(Fragment {
            offset: 0,
            more: false,
            ..
        })
    ) {
        fragment = None;
    }
    let payload = &data[at..end];
    let transport = if fragment.is_some() {
        Transport::Fragment
    } else {
        decode_transport(next, payload)?
    };
    Ok(Network::Ip(IpLayer {
        src: IpAddr::V6(h.src()),
        dst: IpAddr::V6(h.dst()),
        protocol: next,
        ttl: h.hop_limit(),
        ip_len: if h.payload_len() == 0 {
            data.len() as u32
        } else {
            declared as u32
        },
        truncated,
        fragment,
        payload,
        transport,
    }))
}

/// Decodes a transport header and payload; used directly for reassembled fragments.
#[inline]
pub fn decode_transport(protocol: u8, payload: &[u8]) -> Result<Transport<'_>, DecodeError> {
    Ok(match protocol {
        ip_proto::TCP => {
            let t = TcpHeader::new_checked(payload)?;
            Transport::Tcp(TcpSegment {
                src_port: t.src_port(),
                dst_port: t.dst_port(),
                seq: t.seq(),
                ack: t.ack(),
                flags: t.flags(),
                window: t.window(),
                payload: t.payload(),
            })
        }
        ip_proto::UDP => {
            let u = UdpHeader::new_checked(payload)?;
            Transport::Udp {
                src_port: u.src_port(),
                dst_port: u.dst_port(),
                payload: u.payload(),
            }
        }
        ip_proto::ICMP | ip_proto::ICMPV6 => {
            if payload.len() < 4 {
                return Err(DecodeError::TruncatedIcmp);
            }
            Transport::Icmp {
                v6: protocol == ip_proto::ICMPV6,
                icmp_type: payload[0],
                code: payload[1],
                payload: &payload[4..],
            }
        }
        _ => Transport::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Modbus/TCP request frame (Ethernet, IPv4, TCP) with 2 bytes of Ethernet padding.
    fn modbus_frame() -> Vec<u8> {
        let mut f = vec![
            0x00, 0x80, 0xf4, 0x01, 0x02, 0x03, 0x00, 0xd0, 0xc9, 0x0a, 0x0b, 0x0c, 0x08,
            0x00, // eth
            0x45, 0x00, 0x00, 0x34, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10, 20, 1, 21,
            10, 20, 1, 11, // ipv4, total 52
            0xc3, 0x50, 0x01, 0xf6, 0, 0, 0, 100, 0, 0, 0, 200, 0x50, 0x18, 0x20, 0x00, 0, 0, 0,
            0, // tcp
            0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00,
            0x0a, // mbap + pdu
        ];
        f.extend_from_slice(&[0, 0]);
        f
    }

    #[test]
    fn ethernet_ipv4_tcp() {
        let data = modbus_frame();
        let frame = decode_frame(LinkType::Ethernet, &data).unwrap();
        assert_eq!(frame.src_mac, Some([0x00, 0xd0, 0xc9, 0x0a, 0x0b, 0x0c]));
        let Network::Ip(ip) = frame.network else {
            panic!("not ip")
        };
        assert_eq!(ip.ip_len, 52);
        let Transport::Tcp(tcp) = ip.transport else {
            panic!("not tcp")
        };
        assert_eq!(tcp.dst_port, 502);
        assert_eq!(tcp.seq, 100);
        assert_eq!(tcp.payload.len(), 12, "padding must be trimmed");
    }

    #[test]
    fn qinq_tags_are_kept() {
        let inner = modbus_frame();
        let mut data = inner[..12].to_vec();
        data.extend_from_slice(&[0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a]);
        data.extend_from_slice(&inner[12..]);
        let frame = decode_frame(LinkType::Ethernet, &data).unwrap();
        assert_eq!(frame.vlans.outer, Some(100));
        assert_eq!(frame.vlans.inner, Some(10));
        assert!(matches!(frame.network, Network::Ip(_)));
    }

    #[test]
    fn linux_sll_and_null() {
        let eth = modbus_frame();
        let mut sll = vec![
            0, 0, 0, 1, 0, 6, 0x00, 0xd0, 0xc9, 0x0a, 0x0b, 0x0c, 0, 0, 0x08, 0x00,
        ];
        sll.extend_from_slice(&eth[14..]);
        let frame = decode_frame(LinkType::LinuxSll, &sll).unwrap();
        assert_eq!(frame.src_mac, Some([0x00, 0xd0, 0xc9, 0x0a, 0x0b, 0x0c]));
        assert!(matches!(frame.network, Network::Ip(_)));

        let mut null = vec![2, 0, 0, 0];
        null.extend_from_slice(&eth[14..]);
        assert!(matches!(
            decode_frame(LinkType::Null, &null).unwrap().network,
            Network::Ip(_)
        ));
        null[0..4].copy_from_slice(&[0, 0, 0, 2]);
        assert!(matches!(
            decode_frame(LinkType::Loop, &null).unwrap().network,
            Network::Ip(_)
        ));
    }

    #[test]
    fn ipv4_fragment_is_not_decoded_as_transport() {
        let mut data = modbus_frame();
        data[14 + 6] = 0x20; // more fragments
        let frame = decode_frame(LinkType::Ethernet, &data).unwrap();
        let Network::Ip(ip) = frame.network else {
            panic!()
        };
        assert!(matches!(ip.transport, Transport::Fragment));
        assert_eq!(ip.fragment.unwrap().offset, 0);
    }

    #[test]
    fn ipv6_with_hop_by_hop_then_udp() {
        let mut data = vec![0x60, 0, 0, 0, 0, 8 + 8 + 2, 0, 64];
        data.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        data.extend_from_slice(&[0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16]);
        data.extend_from_slice(&[17, 0, 5, 2, 0, 0, 1, 0]); // hop-by-hop with router alert
        data.extend_from_slice(&[0x02, 0x22, 0x02, 0x23, 0x00, 0x0a, 0, 0, 0xab, 0xcd]);
        let frame = decode_frame(LinkType::RawIp, &data).unwrap();
        let Network::Ip(ip) = frame.network else {
            panic!()
        };
        assert_eq!(ip.protocol, 17);
        assert!(matches!(
            ip.transport,
            Transport::Udp {
                dst_port: 547,
                payload: &[0xab, 0xcd],
                ..
            }
        ));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let template = modbus_frame();
        let links = [
            LinkType::Ethernet,
            LinkType::RawIp,
            LinkType::Null,
            LinkType::Loop,
            LinkType::LinuxSll,
            LinkType::LinuxSll2,
        ];
        for i in 0..50_000 {
            let mut data = if i % 2 == 0 {
                template.clone()
            } else {
                vec![0u8; (next() % 200) as usize]
            };
            for _ in 0..(next() % 8) {
                if data.is_empty() {
                    break;
                }
                let at = (next() as usize) % data.len();
                data[at] = next() as u8;
            }
            let cut = (next() as usize) % (data.len() + 1);
            let _ = decode_frame(links[i % links.len()], &data[..cut]);
        }
    }
}
