//! BOOTP/DHCP message encoder (RFC 2131, options per RFC 2132).
//!
//! Client announcements in DHCP (host name, vendor class, parameter request list) are among
//! the richest passive inventory sources on a plant network, so the simulator emits full
//! exchanges rather than static addressing.

use std::net::Ipv4Addr;

use crate::frame::MacAddr;

pub const DHCP_SERVER_PORT: u16 = 67;
pub const DHCP_CLIENT_PORT: u16 = 68;

pub const BOOTREQUEST: u8 = 1;
pub const BOOTREPLY: u8 = 2;

pub const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];

/// Many relays and servers drop BOOTP messages shorter than this, so clients pad up to it.
pub const BOOTP_MIN_LEN: usize = 300;

pub const DHCPDISCOVER: u8 = 1;
pub const DHCPOFFER: u8 = 2;
pub const DHCPREQUEST: u8 = 3;
pub const DHCPDECLINE: u8 = 4;
pub const DHCPACK: u8 = 5;
pub const DHCPNAK: u8 = 6;
pub const DHCPRELEASE: u8 = 7;
pub const DHCPINFORM: u8 = 8;

pub const OPT_PAD: u8 = 0;
pub const OPT_SUBNET_MASK: u8 = 1;
pub const OPT_ROUTER: u8 = 3;
pub const OPT_DNS_SERVER: u8 = 6;
pub const OPT_HOST_NAME: u8 = 12;
pub const OPT_DOMAIN_NAME: u8 = 15;
pub const OPT_REQUESTED_IP: u8 = 50;
pub const OPT_LEASE_TIME: u8 = 51;
pub const OPT_MESSAGE_TYPE: u8 = 53;
pub const OPT_SERVER_ID: u8 = 54;
pub const OPT_PARAMETER_LIST: u8 = 55;
pub const OPT_VENDOR_CLASS: u8 = 60;
pub const OPT_CLIENT_ID: u8 = 61;
pub const OPT_END: u8 = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpMessage {
    pub op: u8,
    pub xid: u32,
    pub secs: u16,
    pub broadcast: bool,
    pub ciaddr: Ipv4Addr,
    pub yiaddr: Ipv4Addr,
    pub siaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    pub chaddr: MacAddr,
    /// Encoded in order; the END option is appended automatically.
    pub options: Vec<(u8, Vec<u8>)>,
}

impl DhcpMessage {
    fn new(op: u8, xid: u32, chaddr: MacAddr, message_type: u8) -> Self {
        Self {
            op,
            xid,
            secs: 0,
            broadcast: false,
            ciaddr: Ipv4Addr::UNSPECIFIED,
            yiaddr: Ipv4Addr::UNSPECIFIED,
            siaddr: Ipv4Addr::UNSPECIFIED,
            giaddr: Ipv4Addr::UNSPECIFIED,
            chaddr,
            options: vec![(OPT_MESSAGE_TYPE, vec![message_type])],
        }
    }

    /// A client message (DISCOVER, REQUEST, ...) with only option 53 set.
    pub fn client(message_type: u8, xid: u32, chaddr: MacAddr) -> Self {
        Self::new(BOOTREQUEST, xid, chaddr, message_type)
    }

    /// A server message (OFFER, ACK, ...) assigning `yiaddr`, with only option 53 set.
    pub fn server(message_type: u8, xid: u32, chaddr: MacAddr, yiaddr: Ipv4Addr) -> Self {
        Self {
            yiaddr,
            ..Self::new(BOOTREPLY, xid, chaddr, message_type)
        }
    }

    pub fn option(mut self, code: u8, value: impl Into<Vec<u8>>) -> Self {
        self.options.push((code, value.into()));
        self
    }

    pub fn option_ip(self, code: u8, addr: Ipv4Addr) -> Self {
        self.option(code, addr.octets())
    }

    pub fn option_u32(self, code: u8, value: u32) -> Self {
        self.option(code, value.to_be_bytes())
    }

    /// Panics if an option value exceeds 255 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(BOOTP_MIN_LEN);
        out.push(self.op);
        out.push(1); // htype Ethernet
        out.push(6); // hlen
        out.push(0); // hops
        out.extend_from_slice(&self.xid.to_be_bytes());
        out.extend_from_slice(&self.secs.to_be_bytes());
        let flags: u16 = if self.broadcast { 0x8000 } else { 0 };
        out.extend_from_slice(&flags.to_be_bytes());
        for addr in [self.ciaddr, self.yiaddr, self.siaddr, self.giaddr] {
            out.extend_from_slice(&addr.octets());
        }
        out.extend_from_slice(&self.chaddr);
        out.resize(out.len() + 10, 0); // rest of the 16-byte chaddr
        out.resize(out.len() + 64 + 128, 0); // sname, file
        out.extend_from_slice(&MAGIC_COOKIE);
        for (code, value) in &self.options {
            out.push(*code);
            out.push(u8::try_from(value.len()).expect("DHCP option longer than 255 bytes"));
            out.extend_from_slice(value);
        }
        out.push(OPT_END);
        if out.len() < BOOTP_MIN_LEN {
            out.resize(BOOTP_MIN_LEN, OPT_PAD);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discover_layout() {
        let mac = [0x00, 0xd0, 0xc9, 0xe4, 0x51, 0x20];
        let msg =
            DhcpMessage::client(DHCPDISCOVER, 0x1234_5678, mac).option(OPT_HOST_NAME, "HMI-01");
        let bytes = msg.encode();
        assert_eq!(bytes.len(), BOOTP_MIN_LEN);
        assert_eq!(&bytes[0..4], &[1, 1, 6, 0]);
        assert_eq!(&bytes[4..8], &[0x12, 0x34, 0x56, 0x78]);
        assert_eq!(&bytes[28..34], &mac);
        assert_eq!(&bytes[236..240], &MAGIC_COOKIE);
        assert_eq!(&bytes[240..243], &[OPT_MESSAGE_TYPE, 1, DHCPDISCOVER]);
        assert_eq!(&bytes[243..251], b"\x0c\x06HMI-01");
        assert_eq!(bytes[251], OPT_END);
        assert!(bytes[252..].iter().all(|&b| b == OPT_PAD));
    }

    #[test]
    fn server_message_carries_yiaddr() {
        let bytes = DhcpMessage::server(DHCPACK, 1, [0; 6], Ipv4Addr::new(10, 20, 1, 21))
            .option_u32(OPT_LEASE_TIME, 86_400)
            .encode();
        assert_eq!(bytes[0], BOOTREPLY);
        assert_eq!(&bytes[16..20], &[10, 20, 1, 21]);
        assert_eq!(&bytes[243..249], &[OPT_LEASE_TIME, 4, 0, 1, 0x51, 0x80]);
    }
}
