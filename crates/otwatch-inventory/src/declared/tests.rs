use super::*;
use otwatch_model::Attribute;

fn parsed(text: &str) -> DeclaredFile {
    parse_declared("site.csv", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn problems(text: &str) -> Vec<Problem> {
    match parse_declared("site.csv", text.as_bytes()) {
        Err(DeclaredError::Invalid { problems, .. }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn a_good_file_reads_every_column() {
    let f = parsed(
        "name,ip,mac,vendor,model,firmware,serial,role,purdue_level,location,owner,criticality,notes\n\
         PLC-1,10.0.0.5,00-1B-1B-12-34-56,Siemens,CPU 315-2 PN/DP,V3.2.6,S C-X4U421302009,PLC,1,Hall 2,Process team,high,\"line 1, main\"\n",
    );
    assert_eq!(f.delimiter, ',');
    assert!(f.ignored_columns.is_empty());
    assert_eq!(f.devices.len(), 1);
    let d = &f.devices[0];
    assert_eq!(d.line, 2);
    assert_eq!(d.name.as_deref(), Some("PLC-1"));
    assert_eq!(d.ip, Some("10.0.0.5".parse().unwrap()));
    assert_eq!(d.mac.as_deref(), Some("00:1b:1b:12:34:56"));
    assert_eq!(d.firmware.as_deref(), Some("V3.2.6"));
    assert_eq!(d.serial.as_deref(), Some("S C-X4U421302009"));
    assert_eq!(d.role, Some(AssetRole::Controller));
    assert_eq!(d.purdue_level, Some(PurdueLevel::BasicControl));
    assert_eq!(d.criticality.as_deref(), Some("high"));
    assert_eq!(d.notes.as_deref(), Some("line 1, main"));
}

#[test]
fn synonyms_semicolons_and_a_byte_order_mark() {
    let f = parsed(
        "\u{feff}Hostname;IP Address;MAC-Address;Manufacturer;Product;FW Version;Serial No;Device Type;Purdue;Area;Responsible;Priority;Comment;Rack\r\n\
         hmi1;10.0.0.9;0011.2233.4455;Rockwell;PanelView;\"5;1\";123;HMI;L2;Control room;Ops;C1;;R3\r\n\
         \r\n\
         ;;;;;;;;;;;;;\r\n\
         ews;10.0.0.20;;;;;;Engineering Station;Level 3,5;;;;;\r\n",
    );
    assert_eq!(f.delimiter, ';');
    assert_eq!(f.ignored_columns, vec!["Rack".to_string()]);
    assert_eq!(f.devices.len(), 2, "blank lines are skipped");
    let hmi = &f.devices[0];
    assert_eq!(hmi.name.as_deref(), Some("hmi1"));
    assert_eq!(hmi.mac.as_deref(), Some("00:11:22:33:44:55"));
    assert_eq!(hmi.vendor.as_deref(), Some("Rockwell"));
    assert_eq!(hmi.model.as_deref(), Some("PanelView"));
    assert_eq!(hmi.firmware.as_deref(), Some("5;1"));
    assert_eq!(hmi.role, Some(AssetRole::Hmi));
    assert_eq!(hmi.purdue_level, Some(PurdueLevel::Supervisory));
    assert_eq!(hmi.location.as_deref(), Some("Control room"));
    assert_eq!(hmi.owner.as_deref(), Some("Ops"));
    assert_eq!(hmi.criticality.as_deref(), Some("C1"));
    let ews = &f.devices[1];
    assert_eq!(ews.line, 5);
    assert_eq!(ews.role, Some(AssetRole::EngineeringWorkstation));
    assert_eq!(ews.purdue_level, Some(PurdueLevel::Dmz));
}

#[test]
fn bad_lines_are_all_named_with_line_and_column() {
    let p = problems(
        "name,ip,mac,role,purdue_level\n\
         plc1,10.0.0.300,00:11:22:33:44:55,plc,1\n\
         plc2,10.0.0.6,00:11:22:33:44,plc,7\n\
         \"multi\nline\",10.0.0.7,,robot,2\n\
         plc4,10.0.0.6,,,\n\
         ,,,plc,1\n",
    );
    let at: Vec<(u64, Option<usize>)> = p.iter().map(|p| (p.line, p.column)).collect();
    assert_eq!(
        at,
        vec![
            (2, Some(2)),
            (3, Some(3)),
            (3, Some(5)),
            (4, Some(4)),
            (6, Some(2)),
            (7, None)
        ],
        "{p:#?}"
    );
    assert!(p[0].message.contains("10.0.0.300"));
    assert!(p[3].message.contains("robot") && p[3].message.contains("controller"));
    assert!(p[4].message.contains("line 3"));
    let text = parse_declared("site.csv", b"name,ip\nplc1,10.0.0.300\n")
        .unwrap_err()
        .to_string();
    assert!(text.contains("site.csv:2:2: ip \"10.0.0.300\""), "{text}");
    assert!(text.contains("nothing was imported"), "{text}");
}

#[test]
fn files_that_cannot_be_read_say_what_to_do() {
    assert!(matches!(
        parse_declared("e.csv", b"\n\n"),
        Err(DeclaredError::Empty { .. })
    ));
    let e = parse_declared("x.csv", b"Foo,Bar\n1,2\n").unwrap_err();
    assert!(matches!(e, DeclaredError::NoKnownColumns { .. }));
    assert!(e.to_string().contains("\"Foo\""));
    let p = problems("name,ip\n\"plc1,10.0.0.1\n");
    assert_eq!((p[0].line, p[0].column), (2, None));
    assert!(p[0].message.contains("never closed"));
    let Err(DeclaredError::Invalid { problems: p, .. }) =
        parse_declared("latin1.csv", b"name,ip\nplc\xe9,10.0.0.1\n")
    else {
        panic!("latin-1 accepted")
    };
    assert_eq!(p[0].line, 2);
    assert!(p[0].message.contains("UTF-8"));
    let p = problems("name,ip,name\na,10.0.0.1,b\n");
    assert_eq!((p[0].line, p[0].column), (1, Some(3)));
    let p = problems("name,ip\na,10.0.0.1,extra\n");
    assert_eq!((p[0].line, p[0].column), (2, Some(3)));
}

#[test]
fn values_people_write_are_understood() {
    assert_eq!(
        normalise_mac("AABB.CCDD.EEFF").as_deref(),
        Some("aa:bb:cc:dd:ee:ff")
    );
    assert_eq!(
        normalise_mac("aabbccddeeff").as_deref(),
        Some("aa:bb:cc:dd:ee:ff")
    );
    assert_eq!(normalise_mac("aa:bb:cc:dd:ee"), None);
    assert_eq!(parse_role("RTU"), Some(AssetRole::Controller));
    assert_eq!(parse_role("network_device"), Some(AssetRole::NetworkDevice));
    assert_eq!(parse_role("toaster"), None);
    assert_eq!(parse_level("3.5"), Some(PurdueLevel::Dmz));
    assert_eq!(parse_level("level 0"), Some(PurdueLevel::Process));
    assert_eq!(parse_level("six"), None);
    assert!(agrees("vendor", "Siemens", "SIEMENS AG"));
    assert!(agrees("firmware", "V3.2.6", "3.2.6"));
    assert!(agrees("firmware", "v03.02", "3.2"));
    assert!(!agrees("firmware", "3.2.6", "3.2.8"));
    assert!(!agrees("serial", "123", "1234"));
}

fn ev(protocol: &str, frame: u64) -> Evidence {
    Evidence {
        protocol: protocol.into(),
        message: format!("{protocol} message"),
        capture: "c.pcap".into(),
        frame,
        ts: frame as i64 * 1000,
        confidence: 1.0,
    }
}

fn asset(key: &str, ip: &str, mac: &str, attrs: &[(&str, &str, &str)]) -> Asset {
    let attrs: Vec<(&str, &str, &str)> = [("ip", ip, "arp"), ("mac", mac, "ethernet")]
        .into_iter()
        .chain(attrs.iter().copied())
        .collect();
    Asset {
        key: key.into(),
        macs: vec![mac.into()],
        ips: vec![ip.parse().unwrap()],
        vendor: None,
        hostnames: Vec::new(),
        internal: Some(true),
        first_seen: 0,
        last_seen: 1,
        protocols: Vec::new(),
        attributes: attrs
            .iter()
            .enumerate()
            .map(|(i, (n, v, p))| Attribute {
                name: n.to_string(),
                value: v.to_string(),
                evidence: ev(p, i as u64 + 1),
            })
            .collect(),
        note: None,
        parent: None,
        position: None,
        identity: Default::default(),
        overrides: Default::default(),
    }
}

#[test]
fn declared_devices_pair_by_mac_then_ip_then_serial_then_name() {
    let observed = vec![
        (
            1,
            asset(
                "mac:00:00:00:00:00:01",
                "10.0.0.1",
                "00:00:00:00:00:01",
                &[
                    ("vendor", "Siemens AG", "s7comm"),
                    ("firmware", "V3.2.6", "s7comm"),
                ],
            ),
        ),
        (
            2,
            asset(
                "mac:00:00:00:00:00:02",
                "10.0.0.2",
                "00:00:00:00:00:02",
                &[("serial", "SN-2", "enip"), ("vendor", "Rockwell", "oui")],
            ),
        ),
        (
            3,
            asset(
                "mac:00:00:00:00:00:03",
                "10.0.0.3",
                "00:00:00:00:00:03",
                &[("hostname", "hmi3.plant.local", "dhcp")],
            ),
        ),
        (
            4,
            asset(
                "mac:00:00:00:00:00:04",
                "10.0.0.4",
                "00:00:00:00:00:04",
                &[],
            ),
        ),
        (5, {
            let mut a = asset("ip:8.8.8.8", "8.8.8.8", "00:00:00:00:00:09", &[]);
            a.internal = Some(false);
            a
        }),
        (
            6,
            asset(
                "mac:00:00:00:00:00:06",
                "10.0.0.6",
                "00:00:00:00:00:06",
                &[],
            ),
        ),
    ];
    let declared = parsed(
        "name,ip,mac,vendor,firmware,serial\n\
         plc1,10.0.0.99,00:00:00:00:00:01,Siemens,3.2.8,\n\
         drive,10.0.0.98,,Siemens,,SN-2\n\
         hmi3,,,,,\n\
         io4,10.0.0.4,,,,\n\
         ghost,10.0.0.50,,,,\n",
    )
    .devices;
    let r = diff(&declared, &observed);
    let by: Vec<(i64, MatchedBy, &str)> = r
        .matched
        .iter()
        .map(|m| (m.asset_id, m.matched_by, m.matched_value.as_str()))
        .collect();
    assert_eq!(
        by,
        vec![
            (1, MatchedBy::Mac, "00:00:00:00:00:01"),
            (2, MatchedBy::Serial, "SN-2"),
            (3, MatchedBy::Name, "hmi3.plant.local"),
            (4, MatchedBy::Ip, "10.0.0.4"),
        ]
    );
    assert_eq!(r.missing.len(), 1);
    assert_eq!(r.missing[0].name.as_deref(), Some("ghost"));
    assert_eq!(
        r.shadow.iter().map(|s| s.asset_id).collect::<Vec<_>>(),
        vec![6],
        "the internet host is no shadow device"
    );
    let plc = &r.matched[0].mismatches;
    let fields: Vec<&str> = plc.iter().map(|m| m.field).collect();
    assert_eq!(
        fields,
        vec!["ip", "firmware"],
        "Siemens agrees with Siemens AG"
    );
    assert_eq!(plc[1].observed[0].value, "V3.2.6");
    assert_eq!(
        plc[1].observed[0].evidence.as_ref().unwrap().protocol,
        "s7comm"
    );
    let drive = &r.matched[1].mismatches;
    assert_eq!(drive[1].field, "vendor");
    assert_eq!(
        drive[1].observed[0].evidence.as_ref().unwrap().protocol,
        "oui"
    );
    assert_eq!(r.mismatch_count(), 4);
}

#[test]
fn an_inferred_role_or_level_that_disagrees_is_a_mismatch_with_its_reasons() {
    let mut plc = asset(
        "mac:00:00:00:00:00:01",
        "10.0.0.1",
        "00:00:00:00:00:01",
        &[],
    );
    plc.identity.role = AssetRole::EngineeringWorkstation;
    plc.identity.role_reasons = vec!["initiates program downloads: engineering workstation".into()];
    plc.identity.purdue_level = Some(PurdueLevel::Supervisory);
    plc.identity.purdue_decided = Decided::User;
    let mut quiet = asset(
        "mac:00:00:00:00:00:02",
        "10.0.0.2",
        "00:00:00:00:00:02",
        &[],
    );
    quiet.identity.role = AssetRole::Unknown;
    let declared = parsed("ip,role,purdue_level\n10.0.0.1,PLC,1\n10.0.0.2,HMI,2\n").devices;
    let r = diff(&declared, &[(1, plc), (2, quiet)]);
    let m = &r.matched[0].mismatches;
    assert_eq!(m.len(), 2);
    assert_eq!((m[0].field, m[0].declared.as_str()), ("role", "controller"));
    assert_eq!(m[0].observed[0].value, "engineering_workstation");
    assert_eq!(m[0].observed[0].evidence, None);
    assert!(m[0].observed[0].reasons[0].contains("program downloads"));
    assert_eq!(
        (m[1].field, m[1].observed[0].attribute.as_str()),
        ("purdue_level", "override")
    );
    assert!(
        r.matched[1].mismatches.is_empty(),
        "an unknown role contradicts nothing"
    );
}
