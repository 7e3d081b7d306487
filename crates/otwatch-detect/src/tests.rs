use super::*;
use otwatch_model::alert::Severity;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn event(ts: Micros, kind: &str, src: &str, dst: &str, detail: &str) -> ProtocolEvent {
    ProtocolEvent {
        ts,
        flow_uid: Some("C1".into()),
        protocol: "s7comm".into(),
        kind: kind.into(),
        src: Some(ip(src)),
        dst: Some(ip(dst)),
        detail: detail.into(),
        capture: "plant.pcap".into(),
        frame: ts as u64,
    }
}

fn asset(key: &str, addr: &str, role: AssetRole, level: Option<PurdueLevel>) -> Asset {
    let mut a: Asset = serde_json::from_value(serde_json::json!({
        "key": key, "macs": [], "ips": [addr], "vendor": null, "hostnames": [],
        "internal": true, "first_seen": 0, "last_seen": 0, "protocols": [], "attributes": [],
        "note": null
    }))
    .unwrap();
    a.identity.role = role;
    a.identity.purdue_level = level;
    a
}

fn plant() -> Vec<Asset> {
    vec![
        asset(
            "mac:plc",
            "10.0.0.10",
            AssetRole::Controller,
            Some(PurdueLevel::BasicControl),
        ),
        asset(
            "mac:ews",
            "10.0.0.20",
            AssetRole::EngineeringWorkstation,
            Some(PurdueLevel::Supervisory),
        ),
        asset(
            "mac:hmi",
            "10.0.0.30",
            AssetRole::Hmi,
            Some(PurdueLevel::Supervisory),
        ),
    ]
}

const RULES: &str = r#"
[[rule]]
id = "site.stop"
title = "PLC stopped"
severity = "critical"
techniques = ["T0858"]
protocols = ["s7comm"]
kinds = ["s7_plc_stop"]
explanation = "{src_name} told {dst_name} to stop over {protocol}: {detail} ({technique}), {count} times"
unless_src_role = ["engineering_workstation"]

[[rule]]
id = "site.setclock"
title = "Clock set on a controller"
severity = "medium"
techniques = ["T0836"]
kinds = ["s7_set_clock"]
detail = "^set clock"
only_dst_levels = ["1"]
explanation = "{src} set the clock of {dst}"

[[rule]]
id = "site.flood"
title = "Malformed flood"
severity = "medium"
techniques = ["T0814"]
kinds = ["s7_malformed"]
threshold = { count = 5, window = "1s" }
group_by = "src"
explanation = "{src} flooded: {count}"
"#;

/// The site's rules alone: the built-in rules name the same event kinds.
fn rules() -> RuleSet {
    let mut set = RuleSet::load(&[("site.toml".into(), RULES.into())]).unwrap();
    set.retain(|r| r.id.starts_with("site."));
    set
}

fn run(events: &[ProtocolEvent], assets: &[Asset]) -> Vec<Alert> {
    let site = SiteNetworks::default();
    let input = DetectionInput::new(events, assets, &[], &site);
    detect(&input, &rules())
}

#[test]
fn matching_by_kind_role_and_template() {
    let events = vec![
        event(1_000, "s7_plc_stop", "10.0.0.30", "10.0.0.10", "PLC stop"),
        // The engineering workstation is exempt.
        event(2_000, "s7_plc_stop", "10.0.0.20", "10.0.0.10", "PLC stop"),
        // A kind no rule names.
        event(
            3_000,
            "s7_cpu_identity",
            "10.0.0.30",
            "10.0.0.10",
            "CPU 315",
        ),
    ];
    let mut assets = plant();
    assets[0].overrides.name = Some("Press PLC".into());
    let alerts = run(&events, &assets);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(a.rule, "site.stop");
    assert_eq!(a.severity, Severity::Critical);
    assert_eq!(a.assets, vec!["mac:hmi".to_string(), "mac:plc".to_string()]);
    assert_eq!(a.src, Some(ip("10.0.0.30")));
    assert_eq!(
        a.explanation,
        "10.0.0.30 told Press PLC (10.0.0.10) to stop over s7comm: PLC stop (T0858 Change Operating Mode), 1 times"
    );
    assert_eq!(a.evidence[0].frame, 1_000);
    assert_eq!(a.evidence[0].capture, "plant.pcap");
}

#[test]
fn unknown_source_is_not_exempt_and_is_named_by_address() {
    let events = vec![event(1, "s7_plc_stop", "10.0.0.99", "10.0.0.10", "stop")];
    let alerts = run(&events, &plant());
    assert_eq!(
        alerts[0].assets,
        vec!["ip:10.0.0.99".to_string(), "mac:plc".to_string()]
    );
}

#[test]
fn detail_regex_and_level_condition() {
    let events = vec![
        event(
            1,
            "s7_set_clock",
            "10.0.0.30",
            "10.0.0.10",
            "set clock 2024",
        ),
        event(2, "s7_set_clock", "10.0.0.30", "10.0.0.10", "read clock"),
        // The HMI is level 2, not 1.
        event(
            3,
            "s7_set_clock",
            "10.0.0.10",
            "10.0.0.30",
            "set clock 2024",
        ),
    ];
    let alerts = run(&events, &plant());
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].count, 1);
    assert_eq!(
        alerts[0].explanation,
        "10.0.0.30 set the clock of 10.0.0.10"
    );
}

#[test]
fn dedup_counts_and_bounds_evidence() {
    let events: Vec<_> = (0..100)
        .map(|i| event(1_000 + i, "s7_plc_stop", "10.0.0.30", "10.0.0.10", "stop"))
        .rev()
        .collect();
    let alerts = run(&events, &plant());
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a.count, 100);
    assert_eq!((a.first_seen, a.last_seen), (1_000, 1_099));
    assert_eq!(a.evidence.len(), MAX_ALERT_EVIDENCE);
    assert_eq!(
        a.evidence[0].ts, 1_000,
        "the first occurrences, oldest first"
    );
    assert!(a.explanation.ends_with("100 times"), "{}", a.explanation);
}

#[test]
fn threshold_fires_only_within_the_window() {
    let sec = 1_000_000;
    // Four per second for ten seconds: never five within one second.
    let slow: Vec<_> = (0..40)
        .map(|i| event(i * sec / 4, "s7_malformed", "10.0.0.30", "10.0.0.10", "bad"))
        .collect();
    let flood = |events: &[ProtocolEvent]| -> Vec<Alert> {
        let all = run(events, &plant());
        // The built-in rule for single malformed messages fires too; it is not under test.
        assert!(all
            .iter()
            .all(|a| a.rule == "site.flood" || a.rule == "net.malformed_ot_protocol"));
        all.into_iter().filter(|a| a.rule == "site.flood").collect()
    };
    assert!(flood(&slow).is_empty());
    // Then a burst of twenty within 20 ms, to two destinations (grouped by source).
    let mut burst = slow.clone();
    for i in 0..20 {
        let dst = if i % 2 == 0 { "10.0.0.10" } else { "10.0.0.20" };
        burst.push(event(
            20 * sec + i * 1_000,
            "s7_malformed",
            "10.0.0.30",
            dst,
            "bad",
        ));
    }
    let alerts = flood(&burst);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(a.assets, vec!["mac:hmi".to_string()]);
    // The fifth event of the burst is the first that completes the threshold.
    assert_eq!(a.count, 16);
    assert_eq!(a.first_seen, 20 * sec + 4_000);
}

#[test]
fn detector_alerts_follow_the_site_networks() {
    let flow = |orig: &str, resp: &str, service: &str| -> FlowRecord {
        serde_json::from_value(serde_json::json!({
            "uid": "Cx", "first_ts": 5, "last_ts": 9, "orig_h": orig, "orig_p": 40000,
            "resp_h": resp, "resp_p": 502, "transport": "tcp", "ip_proto": 6, "vlan": null,
            "inner_vlan": null, "orig_mac": null, "resp_mac": null, "service": service,
            "service_identified_by": "payload", "orig_pkts": 1, "orig_ip_bytes": 60,
            "resp_pkts": 1, "resp_ip_bytes": 60, "orig_bytes": 0, "resp_bytes": 0,
            "conn_state": "SF", "history": "ShADadFf", "missed_bytes": 0,
            "acked_unseen_bytes": 0, "local_orig": null, "local_resp": null, "orig_is_server": false,
            "first_capture": "plant.pcap", "first_frame": 7
        }))
        .unwrap()
    };
    let flows = vec![
        flow("3.15.1.1", "10.0.0.10", "modbus"),
        flow("10.0.0.10", "3.15.1.1", "modbus"),
        flow("10.0.0.30", "10.0.0.10", "modbus"),
        flow("8.8.8.8", "10.0.0.99", "http"),
    ];
    let assets = plant();
    let site = SiteNetworks::default();
    let input = DetectionInput::new(&[], &assets, &flows, &site);
    let mut detectors = RuleSet::builtin().unwrap();
    detectors.retain(|r| r.id == "net.internet_ot_traffic");
    let alerts = detect(&input, &detectors);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].rule, "net.internet_ot_traffic");
    assert_eq!(alerts[0].count, 2, "both directions are one finding");
    assert_eq!(
        alerts[0].assets,
        vec!["ip:3.15.1.1".to_string(), "mac:plc".to_string()]
    );
    assert_eq!(alerts[0].evidence[0].frame, 7);
    // A site that numbers itself from 3.15.0.0/16 sees no internet traffic there.
    let site = SiteNetworks {
        internal: vec![
            "3.15.0.0/16".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
        ],
    };
    let input = DetectionInput::new(&[], &assets, &flows, &site);
    assert!(detect(&input, &rules()).is_empty());
}

#[test]
fn detector_and_rule_alerts_share_dedup() {
    let mut acc = Alerts::default();
    let a = Alert {
        rule: "r".into(),
        title: "t".into(),
        severity: Severity::Low,
        techniques: vec![],
        assets: vec!["a".into()],
        src: None,
        dst: None,
        subject: "s".into(),
        first_seen: 10,
        last_seen: 10,
        count: 2,
        explanation: String::new(),
        evidence: vec![],
    };
    acc.add(a.clone());
    acc.add(Alert {
        first_seen: 5,
        last_seen: 20,
        count: 3,
        ..a.clone()
    });
    acc.add(Alert {
        subject: "other".into(),
        ..a
    });
    let out = acc.finish();
    assert_eq!(out.len(), 2);
    assert_eq!(
        (out[0].count, out[0].first_seen, out[0].last_seen),
        (5, 5, 20)
    );
}

#[test]
fn render_fills_known_and_keeps_unknown() {
    let vars = TemplateVars {
        src: "1.2.3.4".into(),
        detail: "x".into(),
        ..TemplateVars::default()
    };
    assert_eq!(
        render("{src} {detail} {count} {other} {", &vars, 7),
        "1.2.3.4 x 7 {other} {"
    );
}

#[test]
fn disabled_rules_do_not_fire() {
    let user = format!("{RULES}\n[[rule]]\nid = \"it.telnet_session\"\nenabled = false\n");
    let set = RuleSet::load(&[("site.toml".into(), user)]).unwrap();
    let mut e = event(1, "telnet_session", "10.0.0.30", "10.0.0.10", "login");
    e.protocol = "telnet".into();
    let site = SiteNetworks::default();
    let assets = plant();
    let events = [e];
    let input = DetectionInput::new(&events, &assets, &[], &site);
    assert!(detect(&input, &set)
        .iter()
        .all(|a| a.rule != "it.telnet_session"));
    assert!(detect(&input, &RuleSet::builtin().unwrap())
        .iter()
        .any(|a| a.rule == "it.telnet_session"));
}

#[test]
fn an_address_claimed_by_two_cards_is_a_duplicate() {
    use otwatch_model::{Attribute, Evidence};
    let claim = |protocol: &str, frame: u64| Attribute {
        name: "ip".into(),
        value: "10.0.0.10".into(),
        evidence: Evidence {
            protocol: protocol.into(),
            message: "ARP reply from this MAC for this address".into(),
            capture: "plant.pcap".into(),
            frame,
            ts: frame as i64 * 1_000,
            confidence: 1.0,
        },
    };
    let mut assets = plant();
    assets[0].attributes.push(claim("arp", 3));
    // A second card answering ARP for the PLC's address: the attacker in the middle.
    let mut rogue = asset("mac:rogue", "10.0.0.10", AssetRole::Unknown, None);
    rogue.attributes.push(claim("arp", 40));
    // Seen only as the IP source behind it (a router), no claim: not a duplicate.
    let mut router = asset("mac:router", "10.0.0.30", AssetRole::NetworkDevice, None);
    router.attributes.push(claim("ip", 50));
    assets.push(rogue);
    assets.push(router);
    let site = SiteNetworks::default();
    let input = DetectionInput::new(&[], &assets, &[], &site);
    let mut rules = RuleSet::builtin().unwrap();
    rules.retain(|r| r.id == "net.duplicate_address");
    let alerts = detect(&input, &rules);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(a.severity, Severity::High);
    assert_eq!(a.techniques, ["T0830"]);
    assert_eq!(a.assets, ["mac:plc", "mac:rogue"]);
    assert_eq!(
        a.evidence.iter().map(|e| e.frame).collect::<Vec<_>>(),
        [3, 40]
    );
    assert!(
        a.explanation
            .contains("10.0.0.10 is claimed by plc and rogue"),
        "{}",
        a.explanation
    );
}

mod transient {
    use super::*;
    use otwatch_model::{Attribute, Evidence};

    const MIN: Micros = 60_000_000;

    fn flow(uid: &str, ts: Micros, orig: &str, resp: &str, port: u16, service: &str) -> FlowRecord {
        serde_json::from_value(serde_json::json!({
            "uid": uid, "first_ts": ts, "last_ts": ts + 1_000_000, "orig_h": orig,
            "orig_p": 50000, "resp_h": resp, "resp_p": port, "transport": "tcp", "ip_proto": 6,
            "vlan": null, "inner_vlan": null, "orig_mac": null, "resp_mac": null,
            "service": service, "service_identified_by": "payload", "orig_pkts": 4,
            "orig_ip_bytes": 400, "resp_pkts": 4, "resp_ip_bytes": 400, "orig_bytes": 100,
            "resp_bytes": 100, "conn_state": "SF", "history": "ShADadFf", "missed_bytes": 0,
            "acked_unseen_bytes": 0, "local_orig": null, "local_resp": null,
            "orig_is_server": false, "first_capture": "plant.pcap",
            "first_frame": (ts / 1_000_000) as u64
        }))
        .unwrap()
    }

    fn fact(name: &str, value: &str, protocol: &str, message: &str, ts: Micros) -> Attribute {
        Attribute {
            name: name.into(),
            value: value.into(),
            evidence: Evidence {
                protocol: protocol.into(),
                message: message.into(),
                capture: "plant.pcap".into(),
                frame: (ts / 1_000_000) as u64,
                ts,
                confidence: 1.0,
            },
        }
    }

    /// A laptop whose first frame, a DHCP request, comes `at` into the capture.
    fn laptop(at: Micros) -> Asset {
        let mut a = asset("mac:laptop", "10.0.0.77", AssetRole::Unknown, None);
        a.first_seen = at;
        a.hostnames = vec!["SERVICE-NB7".into()];
        a.attributes = vec![
            fact(
                "mac",
                "00:1e:c9:77:77:77",
                "ethernet",
                "source MAC address of a frame",
                at,
            ),
            fact("vendor", "Dell Inc.", "oui", "MAC prefix", at),
            fact(
                "hostname",
                "SERVICE-NB7",
                "dhcp",
                "DHCP REQUEST option 12 (host name)",
                at,
            ),
            fact("ip", "10.0.0.77", "dhcp", "DHCP ACK", at + 1_000_000),
        ];
        a
    }

    fn alerts(assets: &[Asset], flows: &[FlowRecord]) -> Vec<Alert> {
        let site = SiteNetworks::default();
        let input = DetectionInput::new(&[], assets, flows, &site);
        let mut set = RuleSet::builtin().unwrap();
        set.retain(|r| r.id == "net.transient_asset");
        detect(&input, &set)
    }

    /// The HMI polls the PLC from the capture's first second on, for ten minutes.
    fn polling() -> FlowRecord {
        let mut f = flow("Cpoll", 1_000_000, "10.0.0.30", "10.0.0.10", 502, "modbus");
        f.last_ts = 10 * MIN;
        f
    }

    #[test]
    fn a_laptop_joining_late_and_speaking_s7_to_the_plc_is_transient() {
        let mut assets = plant();
        assets.push(laptop(5 * MIN));
        let flows = vec![
            polling(),
            flow(
                "Cews",
                5 * MIN + 9_000_000,
                "10.0.0.77",
                "10.0.0.10",
                102,
                "s7comm",
            ),
        ];
        let got = alerts(&assets, &flows);
        assert_eq!(got.len(), 1, "{got:#?}");
        let a = &got[0];
        assert_eq!(a.rule, "net.transient_asset");
        assert_eq!(a.severity, Severity::Medium);
        assert_eq!(a.techniques, ["T0864"]);
        assert_eq!(a.assets, ["mac:laptop"]);
        assert_eq!(
            (a.src, a.dst),
            (Some(ip("10.0.0.77")), Some(ip("10.0.0.10")))
        );
        for part in [
            "after 4 min 59 s of watching the network without a break",
            "DHCP host name \"SERVICE-NB7\"",
            "MAC vendor Dell Inc.",
            "took 10.0.0.77 by DHCP",
            "as an industrial client it opened s7comm to 10.0.0.10",
        ] {
            assert!(a.explanation.contains(part), "{part}: {}", a.explanation);
        }
        let kinds: Vec<_> = a
            .evidence
            .iter()
            .map(|e| (e.kind.as_str(), e.frame))
            .collect();
        assert_eq!(
            kinds,
            [("first_frame", 300), ("first_industrial_request", 309)]
        );
    }

    #[test]
    fn a_dhcp_host_talking_to_level_two_is_transient_and_an_it_host_is_not() {
        let mut assets = plant();
        assets.push(laptop(5 * MIN));
        // Web pages of the HMI (level 2): no industrial protocol, but a leased newcomer.
        let flows = vec![
            polling(),
            flow("Cweb", 6 * MIN, "10.0.0.77", "10.0.0.30", 80, "http"),
        ];
        let got = alerts(&assets, &flows);
        assert_eq!(got.len(), 1, "{got:#?}");
        assert!(got[0]
            .explanation
            .contains("after taking a DHCP lease it opened http"));
        assert_eq!(got[0].evidence[1].kind, "first_contact_to_control");

        // Without a lease, web traffic is not enough.
        let mut fixed = laptop(5 * MIN);
        fixed.attributes.retain(|at| at.evidence.protocol != "dhcp");
        let mut assets = plant();
        assets.push(fixed);
        assert!(alerts(&assets, &flows).is_empty());
    }

    #[test]
    fn devices_of_the_first_minutes_and_late_controllers_are_not_transient() {
        // The laptop was there from the first minute.
        let mut assets = plant();
        assets.push(laptop(MIN));
        let flows = vec![
            polling(),
            flow(
                "Cews",
                MIN + 9_000_000,
                "10.0.0.77",
                "10.0.0.10",
                102,
                "s7comm",
            ),
        ];
        assert!(alerts(&assets, &flows).is_empty());

        // A second PLC heard first after five minutes, polling the first one.
        let mut plc2 = asset(
            "mac:plc2",
            "10.0.0.11",
            AssetRole::Controller,
            Some(PurdueLevel::BasicControl),
        );
        plc2.attributes = vec![fact(
            "mac",
            "00:1b:1b:11:11:11",
            "ethernet",
            "frame",
            5 * MIN,
        )];
        let mut assets = plant();
        assets.push(plc2);
        let flows = vec![
            polling(),
            flow("Cp2p", 5 * MIN, "10.0.0.11", "10.0.0.10", 102, "s7comm"),
        ];
        assert!(alerts(&assets, &flows).is_empty());

        // Two recordings spliced into one file: a minute of polling, hours of nothing, then
        // the laptop. Nothing was watched when it came.
        let mut assets = plant();
        assets.push(laptop(300 * MIN));
        let mut short = polling();
        short.last_ts = MIN;
        let flows = vec![
            short,
            flow(
                "Cews",
                300 * MIN + 9_000_000,
                "10.0.0.77",
                "10.0.0.10",
                102,
                "s7comm",
            ),
        ];
        assert!(alerts(&assets, &flows).is_empty());

        // An address outside the site's networks is the internet detector's business.
        let mut outsider = laptop(5 * MIN);
        outsider.ips = vec![ip("198.51.100.7")];
        let mut assets = plant();
        assets.push(outsider);
        let flows = vec![
            polling(),
            flow(
                "Cout",
                5 * MIN + 9_000_000,
                "198.51.100.7",
                "10.0.0.10",
                102,
                "s7comm",
            ),
        ];
        assert!(alerts(&assets, &flows).is_empty());

        // A capture that starts with the laptop already late: no earlier frame, no judgement.
        let mut assets = plant();
        assets.push(laptop(5 * MIN));
        let flows = vec![flow(
            "Cews",
            5 * MIN + 9_000_000,
            "10.0.0.77",
            "10.0.0.10",
            102,
            "s7comm",
        )];
        assert!(alerts(&assets, &flows).is_empty());
    }
}
