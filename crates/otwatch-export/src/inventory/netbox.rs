//! NetBox bulk-import files: devices, one interface per device, and the devices' IP
//! addresses, with names NetBox accepts and that the three files share.

use super::{
    address, asset_name, asset_purdue, asset_role, asset_vendor, csv_header, csv_row, joined,
    protocols_text,
};
use otwatch_model::identity::AssetRole;
use otwatch_model::{iso_time, Asset};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{self, Write};

/// NetBox's device name limit (characters).
const NETBOX_NAME_MAX: usize = 64;
const NETBOX_SERIAL_MAX: usize = 50;
const NETBOX_DESCRIPTION_MAX: usize = 200;
/// The one interface each exported device gets, to which its addresses are assigned.
pub const NETBOX_INTERFACE: &str = "observed";

fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// One line of printable text: control characters become spaces, runs of space collapse.
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// NetBox's device role names, by otwatch role; create these roles before importing.
pub fn netbox_role(role: AssetRole) -> &'static str {
    match role {
        AssetRole::Controller => "PLC/Controller",
        AssetRole::IoModule => "I/O Module",
        AssetRole::SafetyController => "Safety Controller",
        AssetRole::Hmi => "HMI",
        AssetRole::ScadaServer => "SCADA Server",
        AssetRole::EngineeringWorkstation => "Engineering Workstation",
        AssetRole::Historian => "Historian",
        AssetRole::OpcServer => "OPC Server",
        AssetRole::NetworkDevice => "Network Device",
        AssetRole::ItHost => "IT Host",
        AssetRole::Unknown => "Unknown",
    }
}

/// Used where the traffic named no manufacturer or product: NetBox requires both.
pub const NETBOX_UNKNOWN: &str = "Unknown";

/// Device names for NetBox: single-line, at most 64 characters, and unique within the
/// export regardless of case, as NetBox requires within a site.
pub fn netbox_names(assets: &[(i64, Asset)]) -> HashMap<String, String> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = HashMap::new();
    for (_, a) in assets {
        let wanted = asset_name(a)
            .map(|n| one_line(&n))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| address(a));
        let base = truncate_chars(&wanted, NETBOX_NAME_MAX);
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert(name.to_lowercase()) {
            let suffix = format!(" ({n})");
            let room = NETBOX_NAME_MAX - suffix.chars().count();
            name = format!("{}{suffix}", truncate_chars(&base, room));
            n += 1;
        }
        out.insert(a.key.clone(), name);
    }
    out
}

pub struct NetboxDevice {
    pub name: String,
    pub role: &'static str,
    pub manufacturer: String,
    pub device_type: String,
}

/// What a NetBox import needs to exist before the devices CSV loads: roles,
/// manufacturers and device types (by manufacturer).
#[derive(Debug, Default, PartialEq)]
pub struct NetboxPrerequisites {
    pub roles: BTreeSet<String>,
    pub device_types: BTreeMap<String, BTreeSet<String>>,
}

/// A device type needs its manufacturer. Without a known product, a vendor known only
/// from the MAC's OUI (which names the maker of the network interface, often not of the
/// device) would make a NetBox device type per NIC maker, so such devices share the one
/// "Unknown" manufacturer and type, and the OUI vendor goes into the comments.
fn netbox_device(a: &Asset, name: &str) -> NetboxDevice {
    let id = &a.identity;
    let clean = |v: &str| Some(truncate_chars(&one_line(v), 100)).filter(|v| !v.is_empty());
    let device_type = [&id.model, &id.product_family, &id.order_number]
        .into_iter()
        .find_map(|f| f.as_ref().and_then(|f| clean(&f.value)));
    let manufacturer = match device_type {
        Some(_) => asset_vendor(a).and_then(|v| clean(&v)),
        None => id
            .vendor
            .as_ref()
            .filter(|f| f.evidence.protocol != "oui")
            .and_then(|f| clean(&f.value)),
    };
    NetboxDevice {
        name: name.to_string(),
        role: netbox_role(asset_role(a)),
        manufacturer: manufacturer.unwrap_or_else(|| NETBOX_UNKNOWN.into()),
        device_type: device_type.unwrap_or_else(|| NETBOX_UNKNOWN.into()),
    }
}

pub const NETBOX_DEVICE_COLUMNS: &[&str] = &[
    "name",
    "role",
    "manufacturer",
    "device_type",
    "site",
    "status",
    "serial",
    "description",
    "comments",
];

/// Everything otwatch knows that NetBox has no column for, for the device's comments.
fn netbox_comments(a: &Asset, manufacturer: &str, names: &HashMap<String, String>) -> String {
    let mut lines = vec![format!(
        "Observed passively by otwatch (asset {}), first seen {}, last seen {}.",
        a.key,
        iso_time(a.first_seen),
        iso_time(a.last_seen)
    )];
    if let Some(vendor) = asset_vendor(a).filter(|v| one_line(v) != manufacturer) {
        lines.push(format!("Vendor: {}", one_line(&vendor)));
    }
    let id = &a.identity;
    for (label, f) in [
        ("Order number", &id.order_number),
        ("Product family", &id.product_family),
        ("Firmware", &id.firmware),
        ("Hardware revision", &id.hardware_revision),
    ] {
        if let Some(f) = f {
            lines.push(format!("{label}: {}", one_line(&f.value)));
        }
    }
    if !a.ips.is_empty() {
        lines.push(format!("IP: {}", joined(&a.ips)));
    }
    if !a.macs.is_empty() {
        lines.push(format!("MAC: {}", joined(&a.macs)));
    }
    if let Some(level) = asset_purdue(a) {
        lines.push(format!("Purdue level: {}", level.as_str()));
    }
    if let Some(parent) = &a.parent {
        let parent = names.get(parent).unwrap_or(parent);
        match &a.position {
            Some(pos) => lines.push(format!("Behind {parent}, {}", one_line(pos))),
            None => lines.push(format!("Behind {parent}")),
        }
    }
    let protocols = protocols_text(a);
    if !protocols.is_empty() {
        lines.push(format!("Protocols: {protocols}"));
    }
    let o = &a.overrides;
    for (label, v) in [
        ("Owner", &o.owner),
        ("Criticality", &o.criticality),
        ("Location", &o.location),
        ("Notes", &o.notes),
    ] {
        if let Some(v) = v {
            lines.push(format!("{label}: {v}"));
        }
    }
    lines.join("\n")
}

/// The devices CSV for NetBox's bulk import (Devices > Import), and what must exist in
/// NetBox first. Parents are named in the comments rather than in NetBox's `parent`
/// column, which needs device bays that a passive observer cannot know.
pub fn write_netbox_devices<W: Write>(
    w: &mut W,
    assets: &[(i64, Asset)],
    site: &str,
) -> io::Result<NetboxPrerequisites> {
    let names = netbox_names(assets);
    let mut needs = NetboxPrerequisites::default();
    csv_header(w, NETBOX_DEVICE_COLUMNS)?;
    for (_, a) in assets {
        let d = netbox_device(a, &names[&a.key]);
        let comments = netbox_comments(a, &d.manufacturer, &names);
        needs.roles.insert(d.role.to_string());
        needs
            .device_types
            .entry(d.manufacturer.clone())
            .or_default()
            .insert(d.device_type.clone());
        let status = if a.overrides.decommissioned == Some(true) {
            "offline"
        } else {
            "active"
        };
        let id = &a.identity;
        let description = [&id.product_family, &id.model]
            .into_iter()
            .find_map(|f| f.as_ref().map(|f| one_line(&f.value)))
            .map(|p| match &id.firmware {
                Some(fw) => format!("{p}, firmware {}", one_line(&fw.value)),
                None => p,
            })
            .unwrap_or_default();
        csv_row(
            w,
            &[
                d.name,
                d.role.to_string(),
                d.manufacturer,
                d.device_type,
                site.to_string(),
                status.to_string(),
                id.serial
                    .as_ref()
                    .map(|s| truncate_chars(&one_line(&s.value), NETBOX_SERIAL_MAX))
                    .unwrap_or_default(),
                truncate_chars(&description, NETBOX_DESCRIPTION_MAX),
                comments,
            ],
        )?;
    }
    Ok(needs)
}

pub const NETBOX_INTERFACE_COLUMNS: &[&str] = &["device", "name", "type", "description"];

/// One interface per device to hang its addresses on (Interfaces > Import); import it
/// after the devices and before the addresses.
pub fn write_netbox_interfaces<W: Write>(w: &mut W, assets: &[(i64, Asset)]) -> io::Result<()> {
    let names = netbox_names(assets);
    csv_header(w, NETBOX_INTERFACE_COLUMNS)?;
    for (_, a) in assets {
        let description = if a.macs.is_empty() {
            "observed by otwatch".to_string()
        } else {
            format!("observed by otwatch; MAC {}", joined(&a.macs))
        };
        csv_row(
            w,
            &[
                names[&a.key].clone(),
                NETBOX_INTERFACE.into(),
                "other".into(),
                truncate_chars(&description, NETBOX_DESCRIPTION_MAX),
            ],
        )?;
    }
    Ok(())
}

pub const NETBOX_IP_COLUMNS: &[&str] = &[
    "address",
    "status",
    "device",
    "interface",
    "is_primary",
    "dns_name",
    "description",
];

/// The devices' addresses for NetBox (IP Addresses > Import), each as a host address
/// (/32, /128: the capture shows the address, not the subnet) on the device's
/// [`NETBOX_INTERFACE`]. The first address of each family is the device's primary.
pub fn write_netbox_ips<W: Write>(w: &mut W, assets: &[(i64, Asset)]) -> io::Result<()> {
    let names = netbox_names(assets);
    csv_header(w, NETBOX_IP_COLUMNS)?;
    for (_, a) in assets {
        let mut primary_v4 = false;
        let mut primary_v6 = false;
        let dns = a
            .hostnames
            .first()
            .map(|h| one_line(h))
            .filter(|h| is_dns_name(h))
            .unwrap_or_default();
        for ip in &a.ips {
            let (prefix, primary) = if ip.is_ipv4() {
                (32, !std::mem::replace(&mut primary_v4, true))
            } else {
                (128, !std::mem::replace(&mut primary_v6, true))
            };
            csv_row(
                w,
                &[
                    format!("{ip}/{prefix}"),
                    "active".into(),
                    names[&a.key].clone(),
                    NETBOX_INTERFACE.into(),
                    primary.to_string(),
                    dns.clone(),
                    "observed by otwatch".into(),
                ],
            )?;
        }
    }
    Ok(())
}

/// NetBox refuses a DNS name with characters outside letters, digits, '.', '-', '_' and
/// '*'; a NetBIOS or station name that fails this is left out of `dns_name`.
fn is_dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '*'))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn netbox_names_are_unique_single_line_and_short() {
        let mut assets = plant();
        assets[3].1.overrides.name = Some("PLC, \"line 1\"".into());
        let mut long = asset("ip:10.0.0.30", "10.0.0.30");
        long.hostnames = vec![format!("{}\nx", "a".repeat(80))];
        let mut long2 = long.clone();
        long2.key = "ip:10.0.0.31".into();
        assets.push((5, long));
        assets.push((6, long2));
        let names = netbox_names(&assets);
        assert_eq!(names["mac:00:1b:1b:01:02:03"], "PLC, \"line 1\"");
        assert_eq!(names["mac:00:0c:29:00:00:02"], "PLC, \"line 1\" (2)");
        // No name, no address: the key stands in.
        assert_eq!(names["ip:10.0.0.10/unit/3"], "ip:10.0.0.10/unit/3");
        assert_eq!(names["ip:10.0.0.30"], "a".repeat(64));
        assert_eq!(names["ip:10.0.0.31"], format!("{} (2)", "a".repeat(60)));
        let unique: HashSet<String> = names.values().map(|n| n.to_lowercase()).collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn netbox_devices_csv_has_what_the_import_requires() {
        let mut out = Vec::new();
        let needs = write_netbox_devices(&mut out, &plant(), "Plant A").unwrap();
        let (headers, rows) = parsed_csv(&out);
        assert_eq!(headers, NETBOX_DEVICE_COLUMNS);
        assert_eq!(rows.len(), 4);
        let plc = &rows[0];
        let col = |name| column(&headers, plc, name);
        assert_eq!(col("role"), "PLC/Controller");
        assert_eq!(col("manufacturer"), "Siemens");
        assert_eq!(col("device_type"), "CPU 315-2 PN/DP");
        assert_eq!(col("site"), "Plant A");
        assert_eq!(col("status"), "active");
        assert_eq!(col("serial"), "S C-X4U421302009");
        assert_eq!(
            col("description"),
            "S7-300 CPU 315-2 PN/DP, firmware V3.2.6"
        );
        assert!(col("comments").contains("Order number: 6ES7 315-2EH14-0AB0"));
        assert!(col("comments").contains("Location: Hall 2\ncabinet 4"));
        let io = &rows[1];
        assert_eq!(column(&headers, io, "manufacturer"), "Unknown");
        assert_eq!(column(&headers, io, "device_type"), "Unknown");
        assert!(column(&headers, io, "comments").contains("Behind PLC, \"line 1\", Modbus unit 3"));
        assert_eq!(column(&headers, &rows[2], "role"), "HMI");
        // Only the NIC maker is known: the shared Unknown type, the vendor in the comments.
        assert_eq!(column(&headers, &rows[2], "manufacturer"), "Unknown");
        assert!(column(&headers, &rows[2], "comments").contains("Vendor: VMware, Inc."));
        assert_eq!(column(&headers, &rows[3], "status"), "offline");
        for row in &rows {
            for cell in row {
                assert!(!cell.starts_with('='), "{cell}");
            }
        }
        assert!(needs.roles.contains("PLC/Controller"));
        assert!(needs.roles.contains("Unknown"));
        assert_eq!(
            needs.device_types["Siemens"],
            BTreeSet::from(["CPU 315-2 PN/DP".to_string()])
        );
    }

    #[test]
    fn netbox_interfaces_and_ips_refer_to_the_device_names() {
        let mut assets = plant();
        assets[0].1.ips.push("fe80::1".parse().unwrap());
        assets[0].1.ips.push("10.0.1.10".parse().unwrap());
        assets[0].1.hostnames = vec!["plc1.plant.local".into()];
        let mut out = Vec::new();
        write_netbox_interfaces(&mut out, &assets).unwrap();
        let (headers, rows) = parsed_csv(&out);
        assert_eq!(headers, NETBOX_INTERFACE_COLUMNS);
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[0],
            [
                "PLC, \"line 1\"",
                "observed",
                "other",
                "observed by otwatch; MAC 00:1b:1b:01:02:03"
            ]
        );

        let mut out = Vec::new();
        write_netbox_ips(&mut out, &assets).unwrap();
        let (headers, rows) = parsed_csv(&out);
        assert_eq!(headers, NETBOX_IP_COLUMNS);
        // Three for the PLC, none for the device behind it, one each for the others.
        assert_eq!(rows.len(), 5);
        let cells: Vec<(String, String, String)> = rows
            .iter()
            .map(|r| (r[0].clone(), r[2].clone(), r[4].clone()))
            .collect();
        assert_eq!(
            cells[..3],
            [
                (
                    "10.0.0.10/32".into(),
                    "PLC, \"line 1\"".into(),
                    "true".into()
                ),
                (
                    "fe80::1/128".into(),
                    "PLC, \"line 1\"".into(),
                    "true".into()
                ),
                (
                    "10.0.1.10/32".into(),
                    "PLC, \"line 1\"".into(),
                    "false".into()
                ),
            ]
        );
        assert_eq!(column(&headers, &rows[0], "dns_name"), "plc1.plant.local");
        // A host name with a formula is no DNS name.
        assert_eq!(column(&headers, &rows[3], "dns_name"), "");
    }
}
