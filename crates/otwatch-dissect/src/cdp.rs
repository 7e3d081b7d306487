//! Cisco Discovery Protocol (CDP v1/v2) decoding.
//!
//! Cisco industrial and campus switches announce their name, platform, software
//! version, port and native VLAN over CDP. For a passive monitor this maps assets to
//! switch ports and identifies network infrastructure (and its firmware) without
//! touching it. CDP rides on 802.2 LLC/SNAP to 01:00:0c:cc:cc:cc; [`strip_snap`]
//! removes that header.

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::Malformed;

const SNAP_CDP: [u8; 8] = [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00];
const HEADER_LEN: usize = 4;
const TLV_HEADER_LEN: usize = 4;

const TLV_DEVICE_ID: u16 = 0x0001;
const TLV_ADDRESSES: u16 = 0x0002;
const TLV_PORT_ID: u16 = 0x0003;
const TLV_CAPABILITIES: u16 = 0x0004;
const TLV_SOFTWARE_VERSION: u16 = 0x0005;
const TLV_PLATFORM: u16 = 0x0006;
const TLV_VTP_DOMAIN: u16 = 0x0009;
const TLV_NATIVE_VLAN: u16 = 0x000a;
const TLV_DUPLEX: u16 = 0x000b;
const TLV_MANAGEMENT_ADDRESSES: u16 = 0x0016;

/// NLPID protocol identifier for IP in the Addresses TLV.
const NLPID_IP: u8 = 0xcc;
const MAX_ADDRESSES: usize = 64;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CdpInfo {
    pub version: u8,
    /// Seconds the receiver should keep this information.
    pub ttl: u8,
    pub device_id: Option<String>,
    /// IPv4 addresses from the Addresses TLV (at most 64).
    pub addresses: Vec<Ipv4Addr>,
    /// IPv4 addresses from the Management Addresses TLV (at most 64).
    pub management_addresses: Vec<Ipv4Addr>,
    /// The sending interface, e.g. "GigabitEthernet1/4".
    pub port_id: Option<String>,
    /// Capability bits; see [`capability_names`].
    pub capabilities: Option<u32>,
    /// Control characters (the banner spans several lines) are blanked; at most 255
    /// characters.
    pub software_version: Option<String>,
    pub platform: Option<String>,
    pub native_vlan: Option<u16>,
    pub vtp_domain: Option<String>,
    pub full_duplex: Option<bool>,
}

/// Return the CDP PDU that follows an 802.2 LLC + SNAP header with Cisco OUI
/// 00-00-0C and protocol ID 0x2000.
pub fn strip_snap(llc: &[u8]) -> Option<&[u8]> {
    llc.strip_prefix(&SNAP_CDP[..])
}

/// Names of the capability bits set in `bits`.
pub fn capability_names(bits: u32) -> Vec<&'static str> {
    const NAMES: [&str; 11] = [
        "router",
        "transparent_bridge",
        "source_route_bridge",
        "switch",
        "host",
        "igmp",
        "repeater",
        "voip_phone",
        "remotely_managed",
        "cvta",
        "two_port_mac_relay",
    ];
    NAMES
        .iter()
        .enumerate()
        .filter(|&(i, _)| bits & (1 << i) != 0)
        .map(|(_, &n)| n)
        .collect()
}

/// Decode a CDP PDU starting at the version byte.
pub fn parse(payload: &[u8]) -> Result<CdpInfo, Malformed> {
    let (version, ttl) = match payload {
        [v, t, _, _, ..] => (*v, *t),
        _ => return Err(Malformed::new("cdp_truncated", payload.len())),
    };
    if !matches!(version, 1 | 2) {
        return Err(Malformed::new("cdp_bad_version", 0));
    }
    let mut info = CdpInfo {
        version,
        ttl,
        device_id: None,
        addresses: Vec::new(),
        management_addresses: Vec::new(),
        port_id: None,
        capabilities: None,
        software_version: None,
        platform: None,
        native_vlan: None,
        vtp_domain: None,
        full_duplex: None,
    };

    let mut pos = HEADER_LEN;
    while pos < payload.len() {
        let tlv_type = be16(payload, pos).ok_or(Malformed::new("cdp_tlv_truncated", pos))?;
        let len =
            usize::from(be16(payload, pos + 2).ok_or(Malformed::new("cdp_tlv_truncated", pos))?);
        // The length includes the header; anything shorter would stall the walk.
        if len < TLV_HEADER_LEN {
            return Err(Malformed::new("cdp_bad_tlv_length", pos));
        }
        let value = payload
            .get(pos + TLV_HEADER_LEN..pos + len)
            .ok_or(Malformed::new("cdp_tlv_truncated", pos))?;
        match tlv_type {
            TLV_DEVICE_ID if info.device_id.is_none() => {
                info.device_id = crate::non_empty(crate::single_line(value))
            }
            TLV_PORT_ID if info.port_id.is_none() => {
                info.port_id = crate::non_empty(crate::single_line(value))
            }
            TLV_SOFTWARE_VERSION if info.software_version.is_none() => {
                info.software_version = crate::non_empty(crate::single_line(value))
            }
            TLV_PLATFORM if info.platform.is_none() => {
                info.platform = crate::non_empty(crate::single_line(value))
            }
            TLV_VTP_DOMAIN if info.vtp_domain.is_none() => {
                info.vtp_domain = crate::non_empty(crate::single_line(value))
            }
            TLV_CAPABILITIES if info.capabilities.is_none() => {
                info.capabilities = be32(value, 0);
            }
            TLV_NATIVE_VLAN if info.native_vlan.is_none() => info.native_vlan = be16(value, 0),
            TLV_DUPLEX if info.full_duplex.is_none() => {
                info.full_duplex = value.first().map(|&d| d != 0)
            }
            TLV_ADDRESSES => collect_addresses(value, &mut info.addresses),
            TLV_MANAGEMENT_ADDRESSES => collect_addresses(value, &mut info.management_addresses),
            _ => {}
        }
        pos += len;
    }
    Ok(info)
}

/// Addresses TLV: a 32-bit count, then (protocol type, protocol length, protocol,
/// address length, address) entries. Only NLPID IP entries are kept; the count is not
/// trusted beyond what the TLV actually holds.
fn collect_addresses(value: &[u8], out: &mut Vec<Ipv4Addr>) {
    let Some(count) = be32(value, 0) else {
        return;
    };
    let mut pos = 4usize;
    for _ in 0..count.min(MAX_ADDRESSES as u32) {
        let (Some(&ptype), Some(&plen)) = (value.get(pos), value.get(pos + 1)) else {
            return;
        };
        let plen = usize::from(plen);
        let Some(proto) = value.get(pos + 2..pos + 2 + plen) else {
            return;
        };
        let Some(alen) = be16(value, pos + 2 + plen).map(usize::from) else {
            return;
        };
        let addr_at = pos + 4 + plen;
        let Some(addr) = value.get(addr_at..addr_at + alen) else {
            return;
        };
        if ptype == 1 && proto == [NLPID_IP] && out.len() < MAX_ADDRESSES {
            if let Ok(a) = <[u8; 4]>::try_from(addr) {
                let a = Ipv4Addr::from(a);
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        pos = addr_at + alen;
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at.checked_add(2)?)
        .and_then(|s| <[u8; 2]>::try_from(s).ok())
        .map(u16::from_be_bytes)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_be_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(v: &mut Vec<u8>, t: u16, value: &[u8]) {
        v.extend_from_slice(&t.to_be_bytes());
        v.extend_from_slice(&((value.len() + 4) as u16).to_be_bytes());
        v.extend_from_slice(value);
    }

    fn ip_entry(a: [u8; 4]) -> Vec<u8> {
        let mut e = vec![0x01, 0x01, NLPID_IP, 0x00, 0x04];
        e.extend_from_slice(&a);
        e
    }

    /// CDPv2 from an industrial Ethernet switch, including the LLC/SNAP header.
    fn ie_switch_frame() -> Vec<u8> {
        let mut v = SNAP_CDP.to_vec();
        v.extend_from_slice(&[0x02, 0xb4, 0x5e, 0x11]);
        tlv(&mut v, TLV_DEVICE_ID, b"IE4000-CELL3.plant.local");
        tlv(
            &mut v,
            TLV_SOFTWARE_VERSION,
            b"Cisco IOS Software, IE4000 Software (IE4000-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc2)\nTechnical Support: http://www.cisco.com/techsupport\nCopyright (c) 1986-2021 by Cisco Systems, Inc.",
        );
        tlv(&mut v, TLV_PLATFORM, b"cisco IE-4000-8GT4G-E");
        let mut addrs = vec![0, 0, 0, 2];
        addrs.extend_from_slice(&ip_entry([10, 20, 0, 3]));
        // An IPv6 entry in 802.2 form, which is skipped.
        addrs.extend_from_slice(&[0x02, 0x08, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd, 0, 16]);
        addrs.extend_from_slice(&[0xfd; 16]);
        tlv(&mut v, TLV_ADDRESSES, &addrs);
        tlv(&mut v, TLV_PORT_ID, b"GigabitEthernet1/4");
        tlv(&mut v, TLV_CAPABILITIES, &[0, 0, 0x00, 0x28]);
        tlv(&mut v, 0x0008, &[0, 0, 0x0c, 0x01, 0x12, 0, 0, 0, 0, 0xff]);
        tlv(&mut v, TLV_VTP_DOMAIN, b"OT-LINE3");
        tlv(&mut v, TLV_NATIVE_VLAN, &[0x00, 0x1e]);
        tlv(&mut v, TLV_DUPLEX, &[0x01]);
        let mut mgmt = vec![0, 0, 0, 1];
        mgmt.extend_from_slice(&ip_entry([10, 20, 0, 3]));
        tlv(&mut v, TLV_MANAGEMENT_ADDRESSES, &mgmt);
        v
    }

    #[test]
    fn parses_switch_announcement() {
        let frame = ie_switch_frame();
        let pdu = strip_snap(&frame).unwrap();
        let c = parse(pdu).unwrap();
        assert_eq!(c.version, 2);
        assert_eq!(c.ttl, 180);
        assert_eq!(c.device_id.as_deref(), Some("IE4000-CELL3.plant.local"));
        assert_eq!(c.addresses, [Ipv4Addr::new(10, 20, 0, 3)]);
        assert_eq!(c.management_addresses, [Ipv4Addr::new(10, 20, 0, 3)]);
        assert_eq!(c.port_id.as_deref(), Some("GigabitEthernet1/4"));
        assert_eq!(
            capability_names(c.capabilities.unwrap()),
            ["switch", "igmp"]
        );
        let sw = c.software_version.unwrap();
        assert!(sw.starts_with("Cisco IOS Software, IE4000 Software"));
        assert!(sw.contains("Version 15.2(7)E4"));
        assert!(!sw.contains('\n'));
        assert!(sw.chars().count() <= 255);
        assert_eq!(c.platform.as_deref(), Some("cisco IE-4000-8GT4G-E"));
        assert_eq!(c.native_vlan, Some(30));
        assert_eq!(c.vtp_domain.as_deref(), Some("OT-LINE3"));
        assert_eq!(c.full_duplex, Some(true));
    }

    #[test]
    fn snap_header_must_match() {
        assert_eq!(strip_snap(&SNAP_CDP), Some(&[][..]));
        assert_eq!(
            strip_snap(&[0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20]),
            None
        );
        // Same OUI, different protocol ID (VTP).
        assert_eq!(
            strip_snap(&[0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x03, 1]),
            None
        );
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(parse(&[2, 180]).unwrap_err().reason, "cdp_truncated");
        assert_eq!(
            parse(&[7, 180, 0, 0]).unwrap_err().reason,
            "cdp_bad_version"
        );
        assert_eq!(
            parse(&[2, 180, 0, 0, 0, 1, 0, 2]).unwrap_err().reason,
            "cdp_bad_tlv_length"
        );
        assert_eq!(
            parse(&[2, 180, 0, 0, 0, 1, 0, 9, b'a']).unwrap_err().reason,
            "cdp_tlv_truncated"
        );
        // An address count far larger than the TLV is tolerated.
        let mut v = vec![2, 180, 0, 0];
        let mut addrs = vec![0xff, 0xff, 0xff, 0xff];
        addrs.extend_from_slice(&ip_entry([192, 168, 1, 1]));
        tlv(&mut v, TLV_ADDRESSES, &addrs);
        assert_eq!(
            parse(&v).unwrap().addresses,
            [Ipv4Addr::new(192, 168, 1, 1)]
        );
    }

    #[test]
    fn never_panics() {
        let frame = ie_switch_frame();
        for n in 0..=frame.len() {
            let _ = strip_snap(&frame[..n]);
        }
        let valid = [strip_snap(&frame).unwrap().to_vec()];
        // Small TLV type and length so the walker sees several TLVs.
        let shape = |buf: &mut Vec<u8>, _: usize| {
            if buf.len() >= 8 {
                buf[0] = 2;
                buf[4] = 0;
                buf[5] = (buf[5] % 0x17) + 1;
                buf[6] = 0;
                buf[7] %= 64;
            }
        };
        crate::hostile::never_panics(&valid, 0x6a09_e667_f3bc_c908, shape, |b| {
            let _ = parse(b);
            let _ = strip_snap(b);
        });
    }
}
