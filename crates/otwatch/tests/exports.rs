//! The inventory exports end to end: a corpus capture analysed into a database, then
//! `otwatch assets` and `otwatch edges` as CSV, JSON, GraphML, DOT and NetBox CSV, each
//! read back with an independent parser.

mod common;

use common::{corpus, otwatch, text};
use std::collections::HashSet;
use std::path::Path;

/// An EtherNet/IP capture with a Rockwell device and CIP requests, and an S7 capture,
/// analysed into one database; one asset then gets a host name an attacker could choose.
fn plant_db() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let enip = corpus("icsnpp-enip/tests/traces/enip_cip_example.pcap");
    let s7 = corpus("icsnpp-s7comm/tests/traces/s7ident.pcap");
    let out = otwatch(
        &[
            "analyze",
            enip.to_str().unwrap(),
            s7.to_str().unwrap(),
            "--db",
            "a.db",
            "--quiet",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = rusqlite::Connection::open(dir.path().join("a.db")).unwrap();
    db.execute(
        "INSERT INTO asset_attributes (asset_id, run_id, name, value, protocol, message, capture, frame, ts, confidence)
         SELECT a.id, 1, 'hostname', ?1, 'dhcp', 'DHCP REQUEST option 12 (host name)', 'x.pcap', 9, 0, 1.0
         FROM assets a JOIN asset_addresses d ON d.asset_id = a.id WHERE d.value = '192.168.10.120'",
        [HOSTILE],
    )
    .unwrap();
    dir
}

const HOSTILE: &str = "=cmd|' /C calc'!A0, \"PLC\"\nline 2";

fn run(dir: &Path, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--db", "a.db"]);
    let out = otwatch(&all, dir);
    assert!(
        out.status.success(),
        "otwatch {args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn csv_rows(s: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(s.as_bytes());
    let headers = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

fn col<'a>(headers: &[String], row: &'a [String], name: &str) -> &'a str {
    &row[headers.iter().position(|h| h == name).unwrap()]
}

fn json(s: &str) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(s)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn assets_csv_and_json_agree_and_escape_what_the_traffic_said() {
    let dir = plant_db();
    let assets = json(&run(dir.path(), &["assets", "--json"]));
    assert!(assets.len() >= 10, "{}", assets.len());
    for a in &assets {
        for field in ["identity", "overrides", "attributes", "protocols"] {
            assert!(a.get(field).is_some(), "{field} missing in {a}");
        }
    }

    let (headers, rows) = csv_rows(&run(dir.path(), &["assets", "--csv"]));
    assert_eq!(
        headers,
        [
            "id",
            "key",
            "ips",
            "macs",
            "vendor",
            "model",
            "order_number",
            "product_family",
            "firmware",
            "hardware_revision",
            "serial",
            "name",
            "role",
            "purdue_level",
            "parent",
            "position",
            "first_seen",
            "last_seen",
            "protocols",
            "owner",
            "criticality",
            "location",
            "decommissioned",
            "notes",
            "role_reasons",
            "modules",
            "conflicts"
        ]
    );
    assert_eq!(rows.len(), assets.len());
    let rockwell = rows
        .iter()
        .find(|r| col(&headers, r, "ips") == "192.168.10.120")
        .expect("the Rockwell adapter");
    assert_eq!(col(&headers, rockwell, "protocols"), "enip/44818 server");
    // Quotes, comma and newline survive; the formula does not reach a spreadsheet as one.
    assert_eq!(col(&headers, rockwell, "name"), format!("'{HOSTILE}"));
    // The fused vendor is the normalised name; the OUI's own spelling stays in the
    // attributes (below).
    assert!(rows.iter().any(|r| col(&headers, r, "vendor") == "Cisco"));

    let attributes: usize = assets
        .iter()
        .map(|a| a["attributes"].as_array().unwrap().len())
        .sum();
    let (headers, rows) = csv_rows(&run(dir.path(), &["assets", "--csv", "--attributes"]));
    assert_eq!(
        headers,
        [
            "asset_id",
            "asset",
            "name",
            "value",
            "protocol",
            "message",
            "capture",
            "frame",
            "time",
            "confidence"
        ]
    );
    assert_eq!(rows.len(), attributes);
    let hostile = rows
        .iter()
        .find(|r| col(&headers, r, "name") == "hostname" && col(&headers, r, "protocol") == "dhcp")
        .unwrap();
    assert_eq!(col(&headers, hostile, "value"), format!("'{HOSTILE}"));
    assert_eq!(col(&headers, hostile, "frame"), "9");
    // An OUI vendor name with a comma stays one cell.
    assert!(rows.iter().any(|r| col(&headers, r, "protocol") == "oui"
        && col(&headers, r, "value") == "Cisco Systems, Inc"));

    let lines = run(dir.path(), &["assets", "--jsonl"]);
    assert_eq!(lines.lines().count(), assets.len());
}

#[test]
fn edges_carry_function_sets_and_graphs_read_back() {
    let dir = plant_db();
    let edges = json(&run(dir.path(), &["edges", "--json"]));
    let functions = json(&run(dir.path(), &["edges", "--functions", "--json"]));
    let cip = edges
        .iter()
        .find(|e| e["protocol"] == "enip" && e["server_port"] == 44818)
        .expect("the EtherNet/IP session");
    let listed: Vec<(&str, u64)> = cip["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["function"].as_str().unwrap(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect();
    // The CIP requests of that session, as `edges --functions` counts them.
    let expected: Vec<(&str, u64)> = functions
        .iter()
        .filter(|f| f["protocol"] == "cip" && f["client"] == cip["client"])
        .map(|f| {
            (
                f["function"].as_str().unwrap(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(listed.len(), expected.len());
    for e in &expected {
        assert!(listed.contains(e), "{e:?} not in {listed:?}");
    }
    // Every aggregate found its edge.
    let attached: u64 = edges
        .iter()
        .flat_map(|e| e["functions"].as_array().unwrap())
        .map(|f| f["count"].as_u64().unwrap())
        .sum();
    let total: u64 = functions.iter().map(|f| f["count"].as_u64().unwrap()).sum();
    assert_eq!(attached, total);

    let (headers, rows) = csv_rows(&run(dir.path(), &["edges", "--csv"]));
    assert_eq!(headers[..4], ["client", "server", "protocol", "port"]);
    assert_eq!(headers[13..], ["client_label", "server_label", "functions"]);
    assert_eq!(rows.len(), edges.len());
    let s7 = rows
        .iter()
        .find(|r| col(&headers, r, "protocol") == "cotp,s7comm")
        .unwrap();
    assert!(
        col(&headers, s7, "functions").contains("CPU Functions: Read SZL=5"),
        "{s7:?}"
    );

    let assets = json(&run(dir.path(), &["assets", "--json"]));
    let graphml = run(dir.path(), &["edges", "--graphml"]);
    let doc = roxmltree::Document::parse(&graphml).expect("GraphML is well-formed XML");
    assert_eq!(
        doc.root_element().tag_name().namespace(),
        Some("http://graphml.graphdrawing.org/xmlns")
    );
    let node_ids: HashSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("node"))
        .map(|n| n.attribute("id").unwrap())
        .collect();
    assert!(node_ids.len() >= assets.len());
    let graph_edges: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("edge"))
        .collect();
    assert_eq!(graph_edges.len(), edges.len());
    for e in &graph_edges {
        assert!(node_ids.contains(e.attribute("source").unwrap()));
        assert!(node_ids.contains(e.attribute("target").unwrap()));
    }
    // The hostile name is carried as text, markup and all.
    assert!(doc
        .descendants()
        .any(|n| n.text().is_some_and(|t| t.starts_with(HOSTILE))));

    let dot = run(dir.path(), &["edges", "--dot"]);
    assert!(dot.starts_with("digraph otwatch {"));
    assert!(dot.trim_end().ends_with('}'));
    assert_eq!(
        dot.lines().filter(|l| l.contains(" -> ")).count(),
        edges.len()
    );
    assert!(dot.contains(r#"\"PLC\"\nline 2"#), "{dot}");
}

#[test]
fn netbox_files_fit_together() {
    let dir = plant_db();
    let assets = json(&run(dir.path(), &["assets", "--json"]));

    let without_site = otwatch(&["assets", "--netbox", "--db", "a.db"], dir.path());
    assert_eq!(without_site.status.code(), Some(2));
    assert!(text(&without_site.stderr).contains("--site NAME"));

    let out = otwatch(
        &["assets", "--netbox", "--site", "Plant A", "--db", "a.db"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let notes = text(&out.stderr);
    let roles = notes
        .lines()
        .find(|l| l.trim_start().starts_with("device roles:"))
        .unwrap_or_default();
    assert!(
        roles.contains("PLC/Controller") && roles.contains("Unknown"),
        "{notes}"
    );
    assert!(
        notes.contains("manufacturer \"Rockwell Automation\" with device types: 1756-ENBT/A"),
        "{notes}"
    );
    let (headers, devices) = csv_rows(&text(&out.stdout));
    assert_eq!(
        headers,
        [
            "name",
            "role",
            "manufacturer",
            "device_type",
            "site",
            "status",
            "serial",
            "description",
            "comments"
        ]
    );
    assert_eq!(devices.len(), assets.len());
    let names: HashSet<String> = devices.iter().map(|d| d[0].to_lowercase()).collect();
    assert_eq!(names.len(), devices.len(), "device names are unique");
    for d in &devices {
        assert!(!d[0].is_empty() && d[0].chars().count() <= 64 && !d[0].contains('\n'));
        assert_eq!(col(&headers, d, "site"), "Plant A");
        assert_eq!(col(&headers, d, "status"), "active");
    }
    assert!(devices
        .iter()
        .any(|d| d[0] == format!("'{}", HOSTILE.replace('\n', " "))));

    // The site may come from the site description instead.
    std::fs::write(dir.path().join("site.toml"), "[site]\nname = \"Plant B\"\n").unwrap();
    let (_, from_config) = csv_rows(&run(
        dir.path(),
        &["assets", "--netbox", "--config", "site.toml"],
    ));
    assert_eq!(from_config[0][4], "Plant B");

    let device_names: HashSet<&str> = devices.iter().map(|d| d[0].as_str()).collect();
    let (headers, interfaces) = csv_rows(&run(dir.path(), &["assets", "--netbox-interfaces"]));
    assert_eq!(headers, ["device", "name", "type", "description"]);
    assert_eq!(interfaces.len(), assets.len());
    let (headers, ips) = csv_rows(&run(dir.path(), &["assets", "--netbox-ips"]));
    assert_eq!(
        headers,
        [
            "address",
            "status",
            "device",
            "interface",
            "is_primary",
            "dns_name",
            "description"
        ]
    );
    let addresses: usize = assets
        .iter()
        .map(|a| a["ips"].as_array().unwrap().len())
        .sum();
    assert_eq!(ips.len(), addresses);
    for ip in &ips {
        assert!(device_names.contains(ip[2].as_str()), "{ip:?}");
        assert!(ip[0].ends_with("/32") || ip[0].ends_with("/128"));
    }
}

#[test]
fn export_flags_refuse_what_does_not_fit() {
    let dir = plant_db();
    for args in [
        vec!["assets", "--attributes"],
        vec!["assets", "--netbox", "--csv"],
        vec!["assets", "--csv", "--site", "Plant A"],
        vec!["edges", "--graphml", "--dot"],
        vec!["edges", "--graphml", "--functions"],
    ] {
        let out = otwatch(&args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
