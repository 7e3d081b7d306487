//! The fused inventory end to end: the devices that CISA's ICSNPP identity logs name appear
//! in `otwatch assets --json` with the same vendor, product, firmware and serial, each
//! with evidence; role and level carry reasons; the views show them; and a second run
//! recomputes identity over everything the database holds.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const ENIP: &str = "icsnpp-enip/tests/traces/enip_cip_example.pcap";
const S7IDENT: &str = "icsnpp-s7comm/tests/traces/s7ident.pcap";
const BACNET_SERVICES: &str = "icsnpp-bacnet/testing/traces/bacnet_services.pcap";
const BACNET_EXAMPLE: &str = "icsnpp-bacnet/testing/traces/bacnet_example.pcap";

/// Rows of a Zeek log as column → value maps. Baselines cut with zeek-cut lost their
/// `#fields` line; the corpus names their columns in `baseline-columns.tsv`.
fn zeek_rows(log: &str) -> Vec<BTreeMap<String, String>> {
    let path = corpus(log);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut columns: Option<Vec<String>> = text
        .lines()
        .find_map(|l| l.strip_prefix("#fields\t"))
        .map(|f| f.split('\t').map(str::to_string).collect());
    if columns.is_none() {
        let table = std::fs::read_to_string(corpus("baseline-columns.tsv")).unwrap();
        let (dir, file) = log.rsplit_once('/').unwrap();
        columns = table.lines().find_map(|l| {
            let mut parts = l.split('\t');
            let (d, f, c) = (parts.next()?, parts.next()?, parts.next()?);
            (d.trim_end_matches('/') == dir && f == file)
                .then(|| c.split(' ').map(str::to_string).collect())
        });
    }
    let columns = columns.unwrap_or_else(|| panic!("no columns known for {log}"));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            columns
                .iter()
                .cloned()
                .zip(l.split('\t').map(str::to_string))
                .collect()
        })
        .collect()
}

fn assets_json(dir: &Path) -> Vec<Value> {
    let out = otwatch(&["assets", "--db", "a.db", "--json"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

fn with_ip<'a>(assets: &'a [Value], ip: &str) -> &'a Value {
    assets
        .iter()
        .find(|a| a["ips"].as_array().unwrap().iter().any(|i| i == ip))
        .unwrap_or_else(|| panic!("no asset with {ip}"))
}

/// The shown value of an identity field, after checking it carries evidence.
fn shown(asset: &Value, field: &str) -> String {
    let f = &asset["identity"][field];
    assert!(!f.is_null(), "no {field} in {}", asset["identity"]);
    assert!(
        f["evidence"]["frame"].as_u64().unwrap() > 0,
        "{field} without a frame: {f}"
    );
    assert!(!f["evidence"]["capture"].as_str().unwrap().is_empty());
    f["value"].as_str().unwrap().to_string()
}

/// The value as the device sent it: what the ICSNPP logs record. The shown value is the
/// normalised spelling (`docs/inventory.md`, "Normalised names").
fn as_sent(asset: &Value, field: &str) -> String {
    let shown = shown(asset, field);
    asset["identity"][field]["raw"]
        .as_str()
        .map(str::to_string)
        .unwrap_or(shown)
}

/// Spelling aside ("Acuity Brands Lighting Inc." against "..., Inc."), the same name.
fn same_name(a: &str, b: &str) -> bool {
    let key = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    key(a) == key(b)
}

#[test]
fn cip_identity_log_devices_match() {
    let rows = zeek_rows("icsnpp-enip/tests/baseline/analyzer.basic/cip_identity.log");
    assert!(!rows.is_empty());
    let dir = analysed_into_db(ENIP);
    let assets = assets_json(dir.path());
    for row in &rows {
        let a = with_ip(&assets, &row["socket_address"]);
        assert_eq!(as_sent(a, "vendor"), row["vendor_name"]);
        assert_eq!(as_sent(a, "model"), row["product_name"]);
        assert_eq!(as_sent(a, "firmware"), row["revision"]);
        assert_eq!(as_sent(a, "serial"), row["serial_number"]);
        assert_eq!(a["identity"]["vendor"]["evidence"]["protocol"], "enip");
    }
    // The 1756-ENBT/A is a communications module in a ControlLogix chassis.
    let enbt = with_ip(&assets, "10.1.1.164");
    assert_eq!(enbt["identity"]["role"], "network_device");
    assert_eq!(enbt["identity"]["purdue_level"], "1");
    assert!(enbt["identity"]["role_reasons"][0]
        .as_str()
        .unwrap()
        .contains("Communications Adapter"));
    // Its MAC prefix names another maker: kept as a conflict, not shown.
    let conflicts = enbt["identity"]["conflicts"].as_array().unwrap();
    let vendor = conflicts.iter().find(|c| c["field"] == "vendor").unwrap();
    assert_eq!(vendor["values"][0]["evidence"]["protocol"], "enip");
    assert_eq!(vendor["values"][1]["evidence"]["protocol"], "oui");
}

#[test]
fn s7comm_known_devices_match() {
    let rows = zeek_rows("icsnpp-s7comm/tests/baseline/analyzer.s7ident/s7comm_known_devices.log");
    assert!(!rows.is_empty());
    let dir = analysed_into_db(S7IDENT);
    let assets = assets_json(dir.path());
    for row in &rows {
        let a = with_ip(&assets, &row["id.resp_h"]);
        assert_eq!(shown(a, "model"), row["module_name"]);
        assert_eq!(shown(a, "serial"), row["module_serial"]);
        assert_eq!(shown(a, "name"), row["automation_system_name"]);
        // The SZL also names the order number and firmware ICSNPP's log leaves out.
        assert_eq!(shown(a, "order_number"), "6ES7 315-2EH14-0AB0");
        assert_eq!(shown(a, "firmware"), "V3.2.6");
        assert_eq!(a["identity"]["role"], "controller");
        assert_eq!(a["identity"]["purdue_level"], "1");
        let modules = a["identity"]["modules"].as_array().unwrap();
        assert!(
            modules.iter().any(|m| m["model"] == "6ES7 315-2EH14-0AB0"
                && m["position"].as_str().unwrap().starts_with("rack 0")),
            "{modules:?}"
        );
    }
}

/// BACnet devices keyed by the device instance they announce. An address that relays the
/// I-Am of several devices (a router forwarding for its MS/TP networks) is left out: those
/// devices are assets behind it, not the router itself.
fn by_instance(assets: &[Value]) -> BTreeMap<String, &Value> {
    let mut out = BTreeMap::new();
    for a in assets {
        let instances: Vec<&str> = a["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|at| at["name"] == "bacnet_device_instance")
            .map(|at| at["value"].as_str().unwrap())
            .collect();
        if let [only] = instances.as_slice() {
            out.insert(only.to_string(), a);
        }
    }
    out
}

#[test]
fn bacnet_discovery_vendors_match() {
    let rows = zeek_rows("icsnpp-bacnet/testing/baseline/analyzer.services/bacnet_discovery.log");
    let dir = analysed_into_db(BACNET_SERVICES);
    let assets = assets_json(dir.path());
    let devices = by_instance(&assets);
    let mut checked = Vec::new();
    for row in rows.iter().filter(|r| r["pdu_service"] == "i-am") {
        // Devices behind a BACnet router announce through it; only the ones that are
        // assets of their own (their instance is on an asset) are compared here.
        let Some(a) = devices.get(&row["instance_number"]) else {
            continue;
        };
        if a["ips"]
            .as_array()
            .unwrap()
            .iter()
            .all(|ip| ip != &row["source_h"])
        {
            continue;
        }
        let vendor = as_sent(a, "vendor");
        assert!(
            same_name(&vendor, &row["vendor"]),
            "{vendor} vs {}",
            row["vendor"]
        );
        checked.push((row["source_h"].clone(), vendor));
    }
    let acuity: Vec<_> = checked
        .iter()
        .filter(|(_, v)| v.starts_with("Acuity Brands"))
        .map(|(ip, _)| ip.as_str())
        .collect();
    assert!(acuity.contains(&"192.168.0.16"), "{checked:?}");
    assert!(acuity.contains(&"192.168.0.50"), "{checked:?}");
    // The workstation that reads properties, transfers files and reinitialises devices.
    let ws = with_ip(&assets, "192.168.0.50");
    assert_eq!(
        ws["identity"]["role"], "engineering_workstation",
        "{}",
        ws["identity"]
    );
    assert_eq!(
        with_ip(&assets, "192.168.0.16")["identity"]["role"],
        "controller"
    );
}

#[test]
fn bacnet_property_log_devices_match() {
    let rows = zeek_rows("icsnpp-bacnet/testing/baseline/analyzer.basic/bacnet_property.log");
    let dir = analysed_into_db(BACNET_EXAMPLE);
    let assets = assets_json(dir.path());
    let devices = by_instance(&assets);
    let mut checked = 0;
    for row in &rows {
        if row["pdu_service"] != "read-property-ack" || row["object_type"] != "device" {
            continue;
        }
        let field = match row["property"].as_str() {
            "model-name" => "model",
            "firmware-revision" => "firmware",
            "object-name" => "name",
            "vendor-name" => "vendor",
            _ => continue,
        };
        let Some(a) = devices.get(&row["instance_number"]) else {
            continue;
        };
        if a["ips"]
            .as_array()
            .unwrap()
            .iter()
            .all(|ip| ip != &row["source_h"])
        {
            continue;
        }
        assert_eq!(
            as_sent(a, field),
            row["value"],
            "{field} of {}",
            row["source_h"]
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} properties compared");
}

#[test]
fn views_show_identity_role_and_level_with_evidence() {
    let dir = analysed_into_db(S7IDENT);
    let export = otwatch(&["assets", "--db", "a.db", "--csv"], dir.path());
    assert!(export.status.success(), "{}", text(&export.stderr));
    let csv = text(&export.stdout);
    let header = csv.lines().next().unwrap();
    for column in [
        "role",
        "purdue_level",
        "vendor",
        "model",
        "product_family",
        "firmware",
    ] {
        assert!(header.split(',').any(|h| h == column), "{header}");
    }
    assert!(csv.contains("S7-300 CPU 315-2 PN/DP"), "{csv}");
    let table = otwatch(&["assets", "--db", "a.db"], dir.path());
    assert!(table.status.success(), "{}", text(&table.stderr));
    let table = text(&table.stdout);
    let header = table.lines().next().unwrap();
    for column in ["role", "level", "vendor", "model", "firmware"] {
        assert!(header.split_whitespace().any(|h| h == column), "{header}");
    }
    assert!(table.contains("controller"), "{table}");
    assert!(
        table.contains("CPU 315-2 PN/DP (6ES7 315-2EH14-0AB0)"),
        "{table}"
    );

    let shown = otwatch(&["asset", "172.17.0.2", "--db", "a.db"], dir.path());
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let out = text(&shown.stdout);
    assert!(out.contains("role: controller (inferred)"), "{out}");
    assert!(out.contains("Purdue level: 1 (inferred)"), "{out}");
    assert!(out.contains("S7comm Read SZL response"), "{out}");
    assert!(out.contains("S C-C2UR28922012"), "{out}");
}

#[test]
fn a_later_run_recomputes_identity_over_all_runs() {
    let dir = analysed_into_db(S7IDENT);
    let capture = corpus(ENIP);
    let out = otwatch(
        &[
            "analyze",
            capture.to_str().unwrap(),
            "--db",
            "a.db",
            "--quiet",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let assets = assets_json(dir.path());
    // The first run's CPU keeps the identity fused from the first capture's attributes.
    assert_eq!(
        shown(with_ip(&assets, "172.17.0.2"), "model"),
        "CPU 315-2 PN/DP"
    );
    assert_eq!(
        shown(with_ip(&assets, "10.1.1.164"), "model"),
        "1756-ENBT/A"
    );
    // Every stored asset has a role decided by inference, with reasons.
    for a in &assets {
        assert_eq!(a["identity"]["role_decided"], "inferred", "{a}");
        assert!(!a["identity"]["role_reasons"].as_array().unwrap().is_empty());
    }
}

#[test]
fn simulated_plant_roles_and_levels() {
    let dir = tempfile::tempdir().unwrap();
    let out = otwatch(&["demo", "--out", "plant.pcap", "--db", "a.db"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let assets = assets_json(dir.path());
    let role = |ip: &str| {
        let id = &with_ip(&assets, ip)["identity"];
        (
            id["role"].as_str().unwrap().to_string(),
            id["purdue_level"].as_str().unwrap_or("-").to_string(),
            id["role_reasons"].to_string(),
        )
    };
    let expect = [
        // The router answers DHCP and DNS for the consoles: it sits with them.
        ("10.20.1.1", "network_device", "2"),
        ("10.20.1.11", "controller", "1"),
        ("10.20.1.12", "controller", "1"),
        ("10.20.1.21", "hmi", "2"),
        ("10.20.1.50", "engineering_workstation", "2"),
    ];
    for (ip, want_role, want_level) in expect {
        let (r, l, why) = role(ip);
        assert_eq!(
            (r.as_str(), l.as_str()),
            (want_role, want_level),
            "{ip}: {why}"
        );
    }
    let (_, _, why) = role("10.20.1.11");
    assert!(why.contains("answers modbus on 502/tcp"), "{why}");
}

/// The role of the client in captures whose names say what made them.
#[test]
fn clients_play_the_role_their_capture_names() {
    let s7 = "ITI-ICS-Security-Tools/pcaps/s7";
    for (capture, client, role, because) in [
        (
            "tia_s300_downloadOb1.pcapng",
            "134.217.61.131",
            "engineering_workstation",
            "Request Download",
        ),
        (
            "snap7_s300_stop.pcapng",
            "134.249.62.206",
            "engineering_workstation",
            "PLC Stop",
        ),
        (
            "S7-1200-Uploading-OB1-TIAV12.pcap",
            "192.168.1.10",
            "engineering_workstation",
            "Begin Sequence",
        ),
        (
            "wincc_s400_production.pcapng",
            "194.250.63.239",
            "hmi",
            "polls 1 device(s) over s7comm",
        ),
        (
            "s7-1200-hmi.pcap",
            "192.168.25.177",
            "hmi",
            "over s7comm-plus",
        ),
    ] {
        let dir = analysed_into_db(&format!("{s7}/{capture}"));
        let assets = assets_json(dir.path());
        let id = &with_ip(&assets, client)["identity"];
        assert_eq!(id["role"], role, "{capture}: {id}");
        assert!(
            id["role_reasons"][0].as_str().unwrap().contains(because),
            "{capture}: {id}"
        );
        assert_eq!(id["purdue_level"], "2", "{capture}");
    }
}
