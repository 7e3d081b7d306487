//! LLDP (IEEE 802.1AB) decoding for the Ethernet payload after EtherType 0x88cc.
//!
//! Switches, PROFINET devices and many PLCs advertise themselves with LLDP every few
//! seconds: chassis and port identity, system name and firmware description, and a
//! management address. This is the main way a passive monitor learns which switch port
//! an asset sits on. PROFINET uses organizationally specific TLVs under OUI 00-0E-CF;
//! their subtypes are kept raw as a protocol presence signal.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::Malformed;

const TLV_END: u8 = 0;
const TLV_CHASSIS_ID: u8 = 1;
const TLV_PORT_ID: u8 = 2;
const TLV_TTL: u8 = 3;
const TLV_PORT_DESCRIPTION: u8 = 4;
const TLV_SYSTEM_NAME: u8 = 5;
const TLV_SYSTEM_DESCRIPTION: u8 = 6;
const TLV_SYSTEM_CAPABILITIES: u8 = 7;
const TLV_MANAGEMENT_ADDRESS: u8 = 8;
const TLV_ORG_SPECIFIC: u8 = 127;

const OUI_PROFINET: [u8; 3] = [0x00, 0x0e, 0xcf];
const OUI_IEEE_8021: [u8; 3] = [0x00, 0x80, 0xc2];

const MAX_ADDRESSES: usize = 64;
const MAX_PROFINET_SUBTYPES: usize = 64;
const MAX_STRING_CHARS: usize = 255;
/// Binary IDs are shown as hex; 64 bytes is far beyond any real chassis or port ID.
const MAX_HEX_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LldpInfo {
    /// MAC subtype as `aa:bb:cc:dd:ee:ff`, network address subtype as an IP, text
    /// subtypes as text; binary content falls back to colon-separated hex.
    pub chassis_id: String,
    pub chassis_id_subtype: u8,
    /// Rendered like `chassis_id` (port subtypes 3 = MAC, 4 = network address).
    pub port_id: String,
    pub port_id_subtype: u8,
    /// Seconds; 0 means the sender is withdrawing its information.
    pub ttl: u16,
    pub port_description: Option<String>,
    pub system_name: Option<String>,
    pub system_description: Option<String>,
    pub capabilities: Option<LldpCapabilities>,
    /// IPv4/IPv6 management addresses (at most 64).
    pub management_addresses: Vec<IpAddr>,
    /// Number of organizationally specific TLVs of any OUI.
    pub org_specific_count: usize,
    /// Subtypes of PROFINET (OUI 00-0E-CF) TLVs in wire order (at most 64).
    pub profinet_subtypes: Vec<u8>,
    /// Port VLAN ID from the IEEE 802.1 organizationally specific TLV.
    pub port_vlan_id: Option<u16>,
}

/// System capabilities TLV; bit meanings in [`capability_names`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LldpCapabilities {
    pub system: u16,
    pub enabled: u16,
}

/// Names of the capability bits set in `bits` (IEEE 802.1AB-2016 table 8-4).
pub fn capability_names(bits: u16) -> Vec<&'static str> {
    const NAMES: [&str; 11] = [
        "other",
        "repeater",
        "bridge",
        "wlan_access_point",
        "router",
        "telephone",
        "docsis_cable_device",
        "station_only",
        "c_vlan_component",
        "s_vlan_component",
        "two_port_mac_relay",
    ];
    NAMES
        .iter()
        .enumerate()
        .filter(|&(i, _)| bits & (1 << i) != 0)
        .map(|(_, &n)| n)
        .collect()
}

/// Decode an LLDPDU.
pub fn parse(payload: &[u8]) -> Result<LldpInfo, Malformed> {
    let mut chassis: Option<(u8, String)> = None;
    let mut port: Option<(u8, String)> = None;
    let mut ttl: Option<u16> = None;
    let mut info = LldpInfo {
        chassis_id: String::new(),
        chassis_id_subtype: 0,
        port_id: String::new(),
        port_id_subtype: 0,
        ttl: 0,
        port_description: None,
        system_name: None,
        system_description: None,
        capabilities: None,
        management_addresses: Vec::new(),
        org_specific_count: 0,
        profinet_subtypes: Vec::new(),
        port_vlan_id: None,
    };

    let mut pos = 0usize;
    // Every TLV consumes at least its 2-byte header, so this is linear in the payload.
    while pos < payload.len() {
        let header = payload
            .get(pos..pos + 2)
            .and_then(|s| <[u8; 2]>::try_from(s).ok())
            .map(u16::from_be_bytes)
            .ok_or(Malformed::new("lldp_tlv_truncated", pos))?;
        let tlv_type = (header >> 9) as u8;
        let len = usize::from(header & 0x01ff);
        let value = payload
            .get(pos + 2..pos + 2 + len)
            .ok_or(Malformed::new("lldp_tlv_truncated", pos))?;
        match tlv_type {
            TLV_END => break,
            // The first occurrence of each mandatory TLV counts; a repeated one is a
            // malformed or spoofed PDU, and the first is what compliant agents honour.
            TLV_CHASSIS_ID if chassis.is_none() => {
                let (&subtype, id) = value
                    .split_first()
                    .filter(|(_, id)| !id.is_empty())
                    .ok_or(Malformed::new("lldp_bad_chassis_id", pos))?;
                let rendered = match subtype {
                    4 => render_mac(id),
                    5 => render_network_address(id),
                    _ => render_id(id),
                };
                chassis = Some((subtype, rendered));
            }
            TLV_PORT_ID if port.is_none() => {
                let (&subtype, id) = value
                    .split_first()
                    .filter(|(_, id)| !id.is_empty())
                    .ok_or(Malformed::new("lldp_bad_port_id", pos))?;
                let rendered = match subtype {
                    3 => render_mac(id),
                    4 => render_network_address(id),
                    _ => render_id(id),
                };
                port = Some((subtype, rendered));
            }
            TLV_TTL if ttl.is_none() => {
                let v = value
                    .get(..2)
                    .and_then(|s| <[u8; 2]>::try_from(s).ok())
                    .map(u16::from_be_bytes)
                    .ok_or(Malformed::new("lldp_bad_ttl", pos))?;
                ttl = Some(v);
            }
            TLV_PORT_DESCRIPTION if info.port_description.is_none() => {
                info.port_description = crate::non_empty(crate::single_line(value));
            }
            TLV_SYSTEM_NAME if info.system_name.is_none() => {
                info.system_name = crate::non_empty(crate::single_line(value));
            }
            TLV_SYSTEM_DESCRIPTION if info.system_description.is_none() => {
                info.system_description = crate::non_empty(crate::single_line(value));
            }
            TLV_SYSTEM_CAPABILITIES if info.capabilities.is_none() => {
                let word = |i: usize| {
                    value
                        .get(i..i + 2)
                        .and_then(|s| <[u8; 2]>::try_from(s).ok())
                        .map(u16::from_be_bytes)
                };
                if let (Some(system), Some(enabled)) = (word(0), word(2)) {
                    info.capabilities = Some(LldpCapabilities { system, enabled });
                }
            }
            TLV_MANAGEMENT_ADDRESS => {
                if let Some(addr) = management_address(value) {
                    if info.management_addresses.len() < MAX_ADDRESSES
                        && !info.management_addresses.contains(&addr)
                    {
                        info.management_addresses.push(addr);
                    }
                }
            }
            TLV_ORG_SPECIFIC => {
                info.org_specific_count = info.org_specific_count.saturating_add(1);
                let oui = value.get(..3);
                let subtype = value.get(3).copied();
                match (oui, subtype) {
                    (Some(o), Some(st))
                        if o == OUI_PROFINET
                            && info.profinet_subtypes.len() < MAX_PROFINET_SUBTYPES =>
                    {
                        info.profinet_subtypes.push(st);
                    }
                    (Some(o), Some(1)) if o == OUI_IEEE_8021 && info.port_vlan_id.is_none() => {
                        info.port_vlan_id = value
                            .get(4..6)
                            .and_then(|s| <[u8; 2]>::try_from(s).ok())
                            .map(u16::from_be_bytes);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        pos += 2 + len;
    }

    let end = payload.len();
    (info.chassis_id_subtype, info.chassis_id) =
        chassis.ok_or(Malformed::new("lldp_missing_chassis_id", end))?;
    (info.port_id_subtype, info.port_id) =
        port.ok_or(Malformed::new("lldp_missing_port_id", end))?;
    info.ttl = ttl.ok_or(Malformed::new("lldp_missing_ttl", end))?;
    Ok(info)
}

/// Management Address TLV: address string length (subtype included), IANA address
/// family, address, then interface and OID fields that are not needed here.
fn management_address(value: &[u8]) -> Option<IpAddr> {
    let addr_len = usize::from(*value.first()?);
    let family = *value.get(1)?;
    let addr = value.get(2..1 + addr_len)?;
    match family {
        1 => <[u8; 4]>::try_from(addr)
            .ok()
            .map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        2 => <[u8; 16]>::try_from(addr)
            .ok()
            .map(|a| IpAddr::V6(Ipv6Addr::from(a))),
        _ => None,
    }
}

fn render_mac(id: &[u8]) -> String {
    if id.len() == 6 {
        hex_colon(id)
    } else {
        render_id(id)
    }
}

fn render_network_address(id: &[u8]) -> String {
    match id.split_first() {
        Some((1, a)) if a.len() == 4 => <[u8; 4]>::try_from(a)
            .map(|a| Ipv4Addr::from(a).to_string())
            .unwrap_or_default(),
        Some((2, a)) if a.len() == 16 => <[u8; 16]>::try_from(a)
            .map(|a| Ipv6Addr::from(a).to_string())
            .unwrap_or_default(),
        _ => hex_colon(id),
    }
}

/// Text when the ID is printable (interface names, PROFINET port names), otherwise
/// hex so that binary IDs stay distinguishable and safe to print.
fn render_id(id: &[u8]) -> String {
    let end = id.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let trimmed = id.get(..end).unwrap_or_default();
    match std::str::from_utf8(trimmed) {
        Ok(s) if !s.is_empty() && !s.chars().any(char::is_control) => {
            s.chars().take(MAX_STRING_CHARS).collect()
        }
        _ => hex_colon(id),
    }
}

fn hex_colon(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().min(MAX_HEX_BYTES) * 3);
    for (i, b) in bytes.iter().take(MAX_HEX_BYTES).enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(v: &mut Vec<u8>, t: u8, value: &[u8]) {
        let header = (u16::from(t) << 9) | value.len() as u16;
        v.extend_from_slice(&header.to_be_bytes());
        v.extend_from_slice(value);
    }

    /// LLDPDU of a PROFINET IO device behind a managed switch port, as emitted by an
    /// S7-1500-class controller.
    fn profinet_device() -> Vec<u8> {
        let mut v = Vec::new();
        tlv(&mut v, 1, &[4, 0x00, 0x1b, 0x1b, 0x4c, 0x5d, 0x6e]);
        tlv(&mut v, 2, b"\x07port-001.plc-line3");
        tlv(&mut v, 3, &[0x00, 0x14]);
        tlv(
            &mut v,
            4,
            b"Siemens, SIMATIC S7, CPU-1500, Ethernet Port, X1 P1",
        );
        tlv(&mut v, 5, b"plc-line3");
        tlv(
            &mut v,
            6,
            b"Siemens, SIMATIC S7, CPU 1516-3 PN/DP\r\n6ES7 516-3AN02-0AB0\0",
        );
        tlv(&mut v, 7, &[0x00, 0x80, 0x00, 0x80]);
        tlv(&mut v, 8, &[5, 1, 192, 168, 0, 10, 2, 0, 0, 0, 1, 0]);
        tlv(
            &mut v,
            127,
            &[0x00, 0x0e, 0xcf, 0x02, 0x00, 0x00, 0x00, 0x00],
        );
        tlv(
            &mut v,
            127,
            &[0x00, 0x0e, 0xcf, 0x05, 0x00, 0x1b, 0x1b, 0x4c, 0x5d, 0x6f],
        );
        tlv(
            &mut v,
            127,
            &[0x00, 0x12, 0x0f, 0x01, 0x03, 0x6c, 0x00, 0x00, 0x10],
        );
        tlv(&mut v, 127, &[0x00, 0x80, 0xc2, 0x01, 0x00, 0x0a]);
        tlv(&mut v, 0, &[]);
        v.extend_from_slice(&[0; 12]); // Ethernet padding
        v
    }

    /// A distribution switch identified by network address with an interface-name port.
    fn switch() -> Vec<u8> {
        let mut v = Vec::new();
        tlv(&mut v, 1, &[5, 1, 10, 0, 0, 2]);
        tlv(&mut v, 2, b"\x05Gi1/0/24");
        tlv(&mut v, 3, &[0x00, 0x78]);
        tlv(&mut v, 5, b"dist-sw1.plant.local");
        tlv(&mut v, 7, &[0x00, 0x14, 0x00, 0x04]);
        let mut mgmt = vec![17, 2];
        mgmt.extend_from_slice(&"fd00::2".parse::<Ipv6Addr>().unwrap().octets());
        mgmt.extend_from_slice(&[1, 0, 0, 0, 0, 0]);
        tlv(&mut v, 8, &mgmt);
        tlv(&mut v, 8, &[5, 1, 10, 0, 0, 2, 2, 0, 0, 0, 0, 0]);
        tlv(&mut v, 0, &[]);
        v
    }

    #[test]
    fn parses_profinet_device() {
        let i = parse(&profinet_device()).unwrap();
        assert_eq!(i.chassis_id_subtype, 4);
        assert_eq!(i.chassis_id, "00:1b:1b:4c:5d:6e");
        assert_eq!(i.port_id_subtype, 7);
        assert_eq!(i.port_id, "port-001.plc-line3");
        assert_eq!(i.ttl, 20);
        assert_eq!(
            i.port_description.as_deref(),
            Some("Siemens, SIMATIC S7, CPU-1500, Ethernet Port, X1 P1")
        );
        assert_eq!(i.system_name.as_deref(), Some("plc-line3"));
        assert_eq!(
            i.system_description.as_deref(),
            Some("Siemens, SIMATIC S7, CPU 1516-3 PN/DP  6ES7 516-3AN02-0AB0")
        );
        let caps = i.capabilities.unwrap();
        assert_eq!(capability_names(caps.system), ["station_only"]);
        assert_eq!(caps.enabled, 0x0080);
        assert_eq!(
            i.management_addresses,
            [IpAddr::V4(Ipv4Addr::new(192, 168, 0, 10))]
        );
        assert_eq!(i.org_specific_count, 4);
        assert_eq!(i.profinet_subtypes, [2, 5]);
        assert_eq!(i.port_vlan_id, Some(10));
    }

    #[test]
    fn parses_switch() {
        let i = parse(&switch()).unwrap();
        assert_eq!(i.chassis_id, "10.0.0.2");
        assert_eq!(i.port_id, "Gi1/0/24");
        assert_eq!(i.ttl, 120);
        assert_eq!(
            capability_names(i.capabilities.unwrap().system),
            ["bridge", "router"]
        );
        assert_eq!(
            i.management_addresses,
            [
                IpAddr::V6("fd00::2".parse().unwrap()),
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))
            ]
        );
        assert!(i.profinet_subtypes.is_empty());
        assert_eq!(i.org_specific_count, 0);
    }

    #[test]
    fn binary_ids_render_as_hex() {
        let mut v = Vec::new();
        tlv(&mut v, 1, &[1, 0x01, 0x1b, 0xff]);
        tlv(&mut v, 2, &[3, 1, 2, 3]);
        tlv(&mut v, 3, &[0, 0]);
        let i = parse(&v).unwrap();
        assert_eq!(i.chassis_id, "01:1b:ff");
        assert_eq!(i.port_id, "01:02:03");
        assert_eq!(i.ttl, 0);
    }

    #[test]
    fn rejects_malformed() {
        let mut v = profinet_device();
        v.truncate(20);
        assert_eq!(parse(&v).unwrap_err().reason, "lldp_tlv_truncated");
        let mut v = Vec::new();
        tlv(&mut v, 2, b"\x05eth0");
        tlv(&mut v, 3, &[0, 120]);
        tlv(&mut v, 0, &[]);
        assert_eq!(parse(&v).unwrap_err().reason, "lldp_missing_chassis_id");
        let mut v = Vec::new();
        tlv(&mut v, 1, &[4]);
        assert_eq!(parse(&v).unwrap_err().reason, "lldp_bad_chassis_id");
        assert_eq!(parse(&[]).unwrap_err().reason, "lldp_missing_chassis_id");
    }

    #[test]
    fn never_panics() {
        let valid = [profinet_device(), switch()];
        // Short TLV lengths keep random input walking through many TLVs.
        let shape = |buf: &mut Vec<u8>, _: usize| {
            for b in buf.iter_mut().skip(1).step_by(2) {
                *b &= 0x0f;
            }
            for b in buf.iter_mut().step_by(2) {
                *b = ((*b % 8) + 1) << 1;
            }
        };
        crate::hostile::never_panics(&valid, 0x853c_49e6_748f_ea9b, shape, |b| {
            let _ = parse(b);
        });
    }
}
