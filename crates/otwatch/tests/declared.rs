//! The declared inventory end to end: a site's CSV against what a corpus capture showed.

mod common;

use common::{analysed_into_db, otwatch, text};
use std::path::Path;

const CAPTURE: &str = "icsnpp-enip/tests/traces/enip_cip_example.pcap";

/// Declares every device the capture shows except the HOST ENGINEERING one at
/// 192.168.10.131, with the 1756-ENBT/A's firmware written down wrong, and one PLC that
/// never appears on the wire.
const SITE_CSV: &str = "\
Name;IP Address;MAC;Manufacturer;Model;Firmware;Serial;Role;Purdue;Owner
ENBT bridge;10.1.1.164;00-19-07-24-3C-CA;Rockwell Automation;1756-ENBT/A;4.1;0x00524d8e;io;1;Ops
eng laptop;10.1.1.167;;;;;;EWS;2;
core switch;;00:1e:f6:73:59:81;Cisco;;;;switch;2;IT
dlink;;00:21:91:06:f1:66;;;;;switch;2;IT
caldigit;192.168.1.4;;;;;;;;
plc 22;192.168.1.22;;Rockwell;;;;PLC;1;
plc 24;192.168.1.24;;;;;;PLC;1;
vm 21;192.168.10.21;;;;;;server;3;
vm 24;192.168.10.24;;;;;;server;3;
scada;192.168.10.105;;Dell;;;;scada;2;
plc 120;192.168.10.120;;;;;;PLC;1;
spare PLC;10.1.1.200;;Siemens;S7-1500;;;PLC;1;
";

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--db", "a.db"]);
    otwatch(&all, dir)
}

fn diff_json(dir: &Path) -> serde_json::Value {
    let out = run(dir, &["inventory", "diff", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn declared_against_observed_names_shadow_missing_and_mismatch() {
    let dir = analysed_into_db(CAPTURE);
    let none = run(dir.path(), &["inventory", "diff"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(text(&none.stderr).contains("import-declared"));

    std::fs::write(dir.path().join("site.csv"), SITE_CSV).unwrap();
    let out = run(
        dir.path(),
        &["inventory", "import-declared", "site.csv", "--by", "alice"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("imported 12 declared devices from site.csv"));

    let d = diff_json(dir.path());
    assert_eq!(d["schema"], "otwatch.inventory_diff/1");
    assert_eq!(d["declared_by"], "alice");
    let s = &d["summary"];
    assert_eq!(
        (
            &s["declared"],
            &s["matched"],
            &s["shadow"],
            &s["missing"],
            &s["mismatches"]
        ),
        (&12.into(), &11.into(), &1.into(), &1.into(), &6.into()),
        "{d:#}"
    );
    // Besides the firmware, five declared roles and levels disagree with what the traffic
    // shows (e.g. "plc 24" only ever polls another device, as an HMI does); each observed
    // role comes with the reasons it was inferred from.
    let role_mismatches: Vec<_> = d["matched"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["mismatches"].as_array().unwrap())
        .filter(|mm| mm["field"] == "role" || mm["field"] == "purdue_level")
        .collect();
    assert_eq!(role_mismatches.len(), 5, "{d:#}");
    assert!(role_mismatches
        .iter()
        .all(|mm| !mm["observed"][0]["reasons"].as_array().unwrap().is_empty()));
    // The one device nobody declared.
    let shadow = &d["shadow"][0];
    assert_eq!(shadow["ips"][0], "192.168.10.131");
    assert_eq!(shadow["vendor"], "HOST ENGINEERING");
    // The one declared device the traffic never showed.
    assert_eq!(d["missing"][0]["name"], "spare PLC");
    assert_eq!(d["missing"][0]["line"], 13);
    // The firmware written down wrong, with the observed value's evidence.
    let enbt = d["matched"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["declared"]["name"] == "ENBT bridge")
        .unwrap();
    assert_eq!(enbt["matched_by"], "mac");
    let m = &enbt["mismatches"][0];
    assert_eq!(m["field"], "firmware");
    assert_eq!(m["declared"], "4.1");
    assert_eq!(m["observed"][0]["value"], "V4.3");
    assert_eq!(m["observed"][0]["evidence"]["protocol"], "enip");
    assert_eq!(m["observed"][0]["evidence"]["frame"], 372);
    let by: Vec<&str> = d["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["matched_by"].as_str().unwrap())
        .collect();
    assert_eq!(by.iter().filter(|b| **b == "mac").count(), 3);
    assert_eq!(by.iter().filter(|b| **b == "ip").count(), 8);

    let table = run(dir.path(), &["inventory", "diff"]);
    let shown = text(&table.stdout);
    assert!(shown.contains("mismatch") && shown.contains("never observed"));
    assert!(text(&table.stderr).contains("1 shadow devices"));
    let csv = run(dir.path(), &["inventory", "diff", "--csv"]);
    let csv = text(&csv.stdout);
    assert!(
        csv.starts_with("status,declared,asset,matched by,field"),
        "{csv}"
    );
    assert_eq!(csv.lines().filter(|l| l.starts_with("shadow,")).count(), 1);
}

#[test]
fn a_second_import_replaces_the_first() {
    let dir = analysed_into_db(CAPTURE);
    std::fs::write(dir.path().join("site.csv"), SITE_CSV).unwrap();
    let out = run(
        dir.path(),
        &["inventory", "import-declared", "site.csv", "--by", "alice"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(
        dir.path().join("v2.csv"),
        "hostname,serial,fw version\nENBT,0x00524D8E,V4.3\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["inventory", "import-declared", "v2.csv", "--by", "bob"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("replacing the 12 of the previous import"));
    let d = diff_json(dir.path());
    assert_eq!(d["declared_file"], "v2.csv");
    assert_eq!(d["summary"]["declared"], 1);
    assert_eq!(d["summary"]["shadow"], 11);
    assert_eq!(d["matched"][0]["matched_by"], "serial");
    assert_eq!(
        d["summary"]["mismatches"], 0,
        "V4.3 is the firmware 4.3: {d:#}"
    );
}

#[test]
fn a_bad_file_is_refused_with_line_and_column() {
    let dir = analysed_into_db(CAPTURE);
    std::fs::write(
        dir.path().join("bad.csv"),
        "name,ip,mac\nplc1,10.1.1.300,\nplc2,,00:11:22\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["inventory", "import-declared", "bad.csv", "--by", "alice"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("bad.csv:2:2: ip \"10.1.1.300\""), "{err}");
    assert!(err.contains("bad.csv:3:3: mac \"00:11:22\""), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    let missing = run(
        dir.path(),
        &["inventory", "import-declared", "nope.csv", "--by", "alice"],
    );
    assert!(text(&missing.stderr).contains("cannot read the declared inventory nope.csv"));
}
