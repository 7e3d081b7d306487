//! Views of single headers over borrowed bytes.
//!
//! `new_checked` verifies that the fixed part of the header (and, where the header says
//! how long it is, that length) is inside the slice; after that the accessors cannot read
//! out of bounds.

use crate::decode::DecodeError;
use crate::{be16, be32};
use std::net::{Ipv4Addr, Ipv6Addr};

pub mod ethertype {
    pub const IPV4: u16 = 0x0800;
    pub const ARP: u16 = 0x0806;
    pub const VLAN: u16 = 0x8100;
    pub const QINQ: u16 = 0x88a8;
    pub const QINQ_OLD: u16 = 0x9100;
    pub const IPV6: u16 = 0x86dd;
    pub const LLDP: u16 = 0x88cc;
    pub const PROFINET: u16 = 0x8892;
    pub const GOOSE: u16 = 0x88b8;
    pub const SAMPLED_VALUES: u16 = 0x88ba;
    pub const ETHERCAT: u16 = 0x88a4;
}

pub mod ip_proto {
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ICMPV6: u8 = 58;
}

/// IPv4 header view.
#[derive(Clone, Copy)]
pub struct Ipv4Header<'a> {
    bytes: &'a [u8],
}

impl<'a> Ipv4Header<'a> {
    pub const MIN_LEN: usize = 20;

    pub fn new_checked(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        if bytes.len() < Self::MIN_LEN {
            return Err(DecodeError::TruncatedIpv4);
        }
        let view = Self { bytes };
        if view.version() != 4 {
            return Err(DecodeError::BadIpVersion);
        }
        let ihl = view.header_len();
        if ihl < Self::MIN_LEN {
            return Err(DecodeError::BadIpv4HeaderLength);
        }
        if bytes.len() < ihl {
            return Err(DecodeError::TruncatedIpv4);
        }
        Ok(view)
    }
    pub fn version(&self) -> u8 {
        self.bytes[0] >> 4
    }
    pub fn header_len(&self) -> usize {
        usize::from(self.bytes[0] & 0x0f) * 4
    }
    pub fn total_len(&self) -> u16 {
        be16(self.bytes, 2)
    }
    pub fn ident(&self) -> u16 {
        be16(self.bytes, 4)
    }
    pub fn more_fragments(&self) -> bool {
        self.bytes[6] & 0x20 != 0
    }
    /// Fragment offset in bytes.
    pub fn fragment_offset(&self) -> u16 {
        (be16(self.bytes, 6) & 0x1fff) << 3
    }
    pub fn ttl(&self) -> u8 {
        self.bytes[8]
    }
    pub fn protocol(&self) -> u8 {
        self.bytes[9]
    }
    pub fn src(&self) -> Ipv4Addr {
        Ipv4Addr::new(
            self.bytes[12],
            self.bytes[13],
            self.bytes[14],
            self.bytes[15],
        )
    }
    pub fn dst(&self) -> Ipv4Addr {
        Ipv4Addr::new(
            self.bytes[16],
            self.bytes[17],
            self.bytes[18],
            self.bytes[19],
        )
    }
}

/// IPv6 fixed header view.
#[derive(Clone, Copy)]
pub struct Ipv6Header<'a> {
    bytes: &'a [u8],
}

impl<'a> Ipv6Header<'a> {
    pub const LEN: usize = 40;

    pub fn new_checked(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        if bytes.len() < Self::LEN {
            return Err(DecodeError::TruncatedIpv6);
        }
        if bytes[0] >> 4 != 6 {
            return Err(DecodeError::BadIpVersion);
        }
        Ok(Self { bytes })
    }
    pub fn payload_len(&self) -> u16 {
        be16(self.bytes, 4)
    }
    pub fn next_header(&self) -> u8 {
        self.bytes[6]
    }
    pub fn hop_limit(&self) -> u8 {
        self.bytes[7]
    }
    fn addr(&self, at: usize) -> Ipv6Addr {
        let mut octets = [0u8; 16];
        octets.copy_from_slice(&self.bytes[at..at + 16]);
        Ipv6Addr::from(octets)
    }
    pub fn src(&self) -> Ipv6Addr {
        self.addr(8)
    }
    pub fn dst(&self) -> Ipv6Addr {
        self.addr(24)
    }
}

/// TCP header view.
#[derive(Clone, Copy)]
pub struct TcpHeader<'a> {
    bytes: &'a [u8],
}

pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
}

impl<'a> TcpHeader<'a> {
    pub const MIN_LEN: usize = 20;

    pub fn new_checked(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        if bytes.len() < Self::MIN_LEN {
            return Err(DecodeError::TruncatedTcp);
        }
        let view = Self { bytes };
        let len = view.header_len();
        if len < Self::MIN_LEN {
            return Err(DecodeError::BadTcpHeaderLength);
        }
        if bytes.len() < len {
            return Err(DecodeError::TruncatedTcp);
        }
        Ok(view)
    }
    pub fn src_port(&self) -> u16 {
        be16(self.bytes, 0)
    }
    pub fn dst_port(&self) -> u16 {
        be16(self.bytes, 2)
    }
    pub fn seq(&self) -> u32 {
        be32(self.bytes, 4)
    }
    pub fn ack(&self) -> u32 {
        be32(self.bytes, 8)
    }
    pub fn header_len(&self) -> usize {
        usize::from(self.bytes[12] >> 4) * 4
    }
    pub fn flags(&self) -> u8 {
        self.bytes[13]
    }
    pub fn window(&self) -> u16 {
        be16(self.bytes, 14)
    }
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[self.header_len()..]
    }
}

/// UDP header view.
#[derive(Clone, Copy)]
pub struct UdpHeader<'a> {
    bytes: &'a [u8],
}

impl<'a> UdpHeader<'a> {
    pub const LEN: usize = 8;

    pub fn new_checked(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        if bytes.len() < Self::LEN {
            return Err(DecodeError::TruncatedUdp);
        }
        Ok(Self { bytes })
    }
    pub fn src_port(&self) -> u16 {
        be16(self.bytes, 0)
    }
    pub fn dst_port(&self) -> u16 {
        be16(self.bytes, 2)
    }
    pub fn length(&self) -> u16 {
        be16(self.bytes, 4)
    }
    /// The datagram payload, trimmed to the UDP length field when the capture holds
    /// trailing padding, and to what was captured when the length field says more.
    pub fn payload(&self) -> &'a [u8] {
        let declared = usize::from(self.length());
        let end = if declared >= Self::LEN && declared <= self.bytes.len() {
            declared
        } else {
            self.bytes.len()
        };
        &self.bytes[Self::LEN..end]
    }
}

/// ARP packet view (Ethernet/IPv4 only; other hardware types are reported as such).
#[derive(Clone, Copy, Debug)]
pub struct ArpPacket<'a> {
    bytes: &'a [u8],
}

impl<'a> ArpPacket<'a> {
    pub const LEN: usize = 28;

    pub fn new_checked(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        if bytes.len() < Self::LEN {
            return Err(DecodeError::TruncatedArp);
        }
        let view = Self { bytes };
        if be16(bytes, 0) != 1
            || be16(bytes, 2) != ethertype::IPV4
            || bytes[4] != 6
            || bytes[5] != 4
        {
            return Err(DecodeError::UnsupportedArp);
        }
        Ok(view)
    }
    /// 1 request, 2 reply.
    pub fn operation(&self) -> u16 {
        be16(self.bytes, 6)
    }
    fn mac(&self, at: usize) -> [u8; 6] {
        let mut mac = [0u8; 6];
        mac.copy_from_slice(&self.bytes[at..at + 6]);
        mac
    }
    pub fn sender_mac(&self) -> [u8; 6] {
        self.mac(8)
    }
    pub fn sender_ip(&self) -> Ipv4Addr {
        Ipv4Addr::new(
            self.bytes[14],
            self.bytes[15],
            self.bytes[16],
            self.bytes[17],
        )
    }
    pub fn target_mac(&self) -> [u8; 6] {
        self.mac(18)
    }
    pub fn target_ip(&self) -> Ipv4Addr {
        Ipv4Addr::new(
            self.bytes[24],
            self.bytes[25],
            self.bytes[26],
            self.bytes[27],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_fields_from_real_header() {
        // A UDP/IPv4 header from a BACnet capture: 172.20.32.200 -> 172.20.32.255.
        let bytes = [
            0x45, 0x00, 0x00, 0x28, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 172, 20, 32,
            200, 172, 20, 32, 255,
        ];
        let h = Ipv4Header::new_checked(&bytes).unwrap();
        assert_eq!(h.header_len(), 20);
        assert_eq!(h.total_len(), 40);
        assert_eq!(h.protocol(), ip_proto::UDP);
        assert_eq!(h.src(), Ipv4Addr::new(172, 20, 32, 200));
        assert_eq!(h.dst(), Ipv4Addr::new(172, 20, 32, 255));
        assert!(!h.more_fragments());
        assert_eq!(h.fragment_offset(), 0);
    }

    #[test]
    fn ipv4_rejects_short_ihl_and_truncation() {
        let mut bytes = [0u8; 20];
        bytes[0] = 0x44;
        assert_eq!(
            Ipv4Header::new_checked(&bytes).err(),
            Some(DecodeError::BadIpv4HeaderLength)
        );
        bytes[0] = 0x46;
        assert_eq!(
            Ipv4Header::new_checked(&bytes).err(),
            Some(DecodeError::TruncatedIpv4)
        );
        bytes[0] = 0x65;
        assert_eq!(
            Ipv4Header::new_checked(&bytes).err(),
            Some(DecodeError::BadIpVersion)
        );
    }

    #[test]
    fn tcp_header_with_options() {
        // SYN to port 502 with a 20-byte option block (data offset 10).
        let mut bytes = vec![
            0x94, 0x41, 0x01, 0xf6, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
            0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
        ];
        bytes.extend_from_slice(&[1u8; 20]);
        let h = TcpHeader::new_checked(&bytes).unwrap();
        assert_eq!(h.dst_port(), 502);
        assert_eq!(h.header_len(), 40);
        assert_eq!(h.flags(), tcp_flags::SYN);
        assert!(h.payload().is_empty());
        assert_eq!(
            TcpHeader::new_checked(&bytes[..30]).err(),
            Some(DecodeError::TruncatedTcp)
        );
    }

    #[test]
    fn udp_payload_respects_length_field() {
        let bytes = [
            0xba, 0xc0, 0xba, 0xc0, 0x00, 0x0a, 0, 0, 0x81, 0x0b, 0xff, 0xff,
        ];
        let h = UdpHeader::new_checked(&bytes).unwrap();
        assert_eq!(h.payload(), &[0x81, 0x0b]);
    }
}
