//! The `large` scenario: thousands of devices across many sites, for UI and scale tests.
//!
//! Written as scenario text by code rather than by hand, so its size is a parameter. Every
//! site has an operations zone (SCADA server, HMIs, an engineering workstation) and cells of
//! ten controllers each; cells rotate through Modbus, S7comm, EtherNet/IP, DNP3 and BACnet
//! controllers of several vendors. The first site also carries two attacks, so that scale
//! tests still have something to find.

use std::fmt::Write;

/// Devices in the default `large` scenario.
pub const DEFAULT_DEVICES: usize = 2_000;

/// The most devices `large` lays out: 200 sites of 20 cells (one 10.S.C.0/24 subnet each)
/// with ten controllers and an HMI.
pub const MAX_DEVICES: usize = 200 * CELLS_PER_SITE * (CONTROLLERS_PER_CELL + 1);

const CONTROLLERS_PER_CELL: usize = 10;
const CELLS_PER_SITE: usize = 20;

struct Family {
    protocol: &'static str,
    vendor: &'static str,
    model: &'static str,
    order_number: Option<&'static str>,
    firmware: &'static str,
    interval: &'static str,
}

const FAMILIES: &[Family] = &[
    Family {
        protocol: "modbus",
        vendor: "Schneider Electric",
        model: "BMX P34 2020",
        order_number: Some("BMXP342020"),
        firmware: "V3.10",
        interval: "500ms",
    },
    Family {
        protocol: "s7comm",
        vendor: "Siemens",
        model: "CPU 315-2 PN/DP",
        order_number: Some("6ES7 315-2EH14-0AB0"),
        firmware: "V3.2.6",
        interval: "500ms",
    },
    Family {
        protocol: "enip",
        vendor: "Rockwell Automation",
        model: "1756-L83E/B",
        order_number: None,
        firmware: "33.11",
        interval: "250ms",
    },
    Family {
        protocol: "dnp3",
        vendor: "Schneider Electric",
        model: "SCADAPack 474",
        order_number: None,
        firmware: "9.3.1",
        interval: "2s",
    },
    Family {
        protocol: "bacnet",
        vendor: "Johnson Controls",
        model: "MS-NAE5510-2",
        order_number: None,
        firmware: "10.1.0",
        interval: "2s",
    },
];

/// Scenario text of `large` with about `devices` devices (at least one cell).
pub fn scenario_text(devices: usize) -> String {
    let per_cell = CONTROLLERS_PER_CELL + 1; // controllers + the cell HMI
    let cells = devices.div_ceil(per_cell).max(1);
    let sites = cells.div_ceil(CELLS_PER_SITE).min(200);
    let mut t = String::new();
    let _ = writeln!(
        t,
        "name = \"large\"\ndescription = \"{sites} sites, {cells} cells, about {devices} devices\"\n\
         start = \"2026-07-01T00:00:00Z\"\nduration = \"1h\"\nseed = 5\n"
    );
    let mut cell = 0usize;
    for site in 1..=sites {
        let ops = format!("site{site}-ops");
        let _ = writeln!(
            t,
            "[[zone]]\nname = \"{ops}\"\nlevel = \"2\"\nsubnet = \"10.{site}.0.0/24\"\ngateway = \"{ops}-fw\"\n\
             security_level = 2\ndescription = \"Site {site} operations\"\n"
        );
        device(
            &mut t,
            &format!("{ops}-fw"),
            &ops,
            &format!("10.{site}.0.1"),
            "network_device",
            "Fortinet",
            None,
        );
        device(
            &mut t,
            &format!("{ops}-scada"),
            &ops,
            &format!("10.{site}.0.10"),
            "scada_server",
            "Dell",
            None,
        );
        device(
            &mut t,
            &format!("{ops}-ews"),
            &ops,
            &format!("10.{site}.0.20"),
            "engineering_workstation",
            "Dell",
            None,
        );
        let cells_here = (cells - cell).min(CELLS_PER_SITE);
        for c in 1..=cells_here {
            let family = &FAMILIES[cell % FAMILIES.len()];
            cell += 1;
            let zone = format!("site{site}-cell{c}");
            let _ = writeln!(
                t,
                "[[zone]]\nname = \"{zone}\"\nlevel = \"1\"\nsubnet = \"10.{site}.{c}.0/24\"\ngateway = \"{zone}-gw\"\n\
                 security_level = 3\n"
            );
            device(
                &mut t,
                &format!("{zone}-gw"),
                &zone,
                &format!("10.{site}.{c}.1"),
                "network_device",
                "Cisco",
                None,
            );
            let hmi = format!("{zone}-hmi");
            device(
                &mut t,
                &hmi,
                &zone,
                &format!("10.{site}.{c}.200"),
                "hmi",
                "Advantech",
                Some("2"),
            );
            for p in 1..=CONTROLLERS_PER_CELL {
                let name = format!("{zone}-plc{p}");
                let _ = writeln!(
                    t,
                    "[[device]]\nname = \"{name}\"\nzone = \"{zone}\"\nip = \"10.{site}.{c}.{}\"\nrole = \"controller\"\n\
                     vendor = \"{}\"\nmodel = \"{}\"\nfirmware = \"{}\"",
                    10 + p,
                    family.vendor,
                    family.model,
                    family.firmware
                );
                if let Some(o) = family.order_number {
                    let _ = writeln!(t, "order_number = \"{o}\"");
                }
                match family.protocol {
                    "enip" => {
                        let _ = writeln!(t, "serial = \"{:08X}\"", 0x6000_0000 + cell * 100 + p);
                    }
                    "dnp3" => {
                        let _ = writeln!(t, "params = {{ dnp3_address = {} }}", 10 + p);
                    }
                    "bacnet" => {
                        let _ = writeln!(t, "params = {{ bacnet_instance = {} }}", cell * 100 + p);
                    }
                    _ => {}
                }
                t.push('\n');
                // The HMI connects to one controller every 16 s: identification requests
                // to a whole cell within a minute would rightly look like a sweep.
                let _ = writeln!(
                    t,
                    "[[poll]]\nclient = \"{hmi}\"\nserver = \"{name}\"\nprotocol = \"{}\"\ninterval = \"{}\"\nstart = \"{}s\"\n",
                    family.protocol,
                    family.interval,
                    (p - 1) * 16
                );
            }
        }
    }
    // Two attacks at the first site, on its first (Modbus) and second (S7) cells.
    let _ = writeln!(
        t,
        "[[device]]\nname = \"intruder\"\nzone = \"site1-cell1\"\nip = \"10.1.1.66\"\nrole = \"it_host\"\nlevel = \"2\"\n\
         vendor = \"Lenovo\"\ndhcp = true\nappears = \"20m\"\n\n\
         [[event]]\nat = \"20m\"\nkind = \"new_device\"\nfrom = \"intruder\"\nattack = true\n\
         techniques = [\"T0864\"]\nduration = \"15m\"\ndescription = \"An intruder's laptop joins a cell of site 1\"\n\n\
         [[event]]\nat = \"30m\"\nkind = \"plc_stop\"\nfrom = \"intruder\"\nto = \"site1-cell1-plc1\"\nprotocol = \"modbus\"\n\
         attack = true\ntechniques = [\"T0858\"]\ndescription = \"An intruder stops a PLC of site 1\"\n"
    );
    if cells > 1 {
        let _ = writeln!(
            t,
            "[[event]]\nat = \"40m\"\nkind = \"program_download\"\nfrom = \"site1-ops-ews\"\nto = \"site1-cell2-plc1\"\n\
             protocol = \"s7comm\"\ntechniques = [\"T0843\"]\ndescription = \"Maintenance: a program download at site 1\"\n"
        );
    }
    t
}

fn device(
    t: &mut String,
    name: &str,
    zone: &str,
    ip: &str,
    role: &str,
    vendor: &str,
    level: Option<&str>,
) {
    let _ = writeln!(t, "[[device]]\nname = \"{name}\"\nzone = \"{zone}\"\nip = \"{ip}\"\nrole = \"{role}\"\nvendor = \"{vendor}\"");
    if let Some(l) = level {
        let _ = writeln!(t, "level = \"{l}\"");
    }
    t.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn sizes_follow_the_parameter() {
        for devices in [11, 500, 2_000, 10_000] {
            let s =
                Scenario::parse(&scenario_text(devices), "large").unwrap_or_else(|e| panic!("{e}"));
            let n = s.devices.len();
            assert!(
                n >= devices && n < devices + devices / 5 + 20,
                "{devices}: {n}"
            );
        }
    }
}
