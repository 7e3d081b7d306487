//! Detection end to end: alerts stored and deduplicated across analyses, their JSON, CEF
//! and syslog forms, acknowledgement, and `rules check`.

mod common;
use common::{corpus, otwatch, text};
use std::path::Path;

/// Zeek's trace of a Modbus server exposed to the internet, with an RDP login from outside.
const EXPOSED: &str = "zeek/testing/btest/Traces/modbus/modbus-and-non-modbus-p502.pcap";

fn analyse(dir: &Path, capture: &str, extra: &[&str]) {
    let capture = corpus(capture);
    let mut args = vec![
        "analyze",
        capture.to_str().unwrap(),
        "--db",
        "a.db",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let out = otwatch(&args, dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("detection: "),
        "{}",
        text(&out.stderr)
    );
}

fn alerts_json(dir: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["alerts", "--db", "a.db", "--json"];
    args.extend_from_slice(extra);
    let out = otwatch(&args, dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn by_rule<'a>(alerts: &'a [serde_json::Value], rule: &str) -> Vec<&'a serde_json::Value> {
    alerts.iter().filter(|a| a["rule"] == rule).collect()
}

#[test]
fn alerts_are_stored_explained_and_deduplicated_across_analyses() {
    let dir = tempfile::tempdir().unwrap();
    analyse(dir.path(), EXPOSED, &[]);
    let first = alerts_json(dir.path(), &[]);
    let rdp = by_rule(&first, "it.external_remote_session");
    assert_eq!(rdp.len(), 1, "{first:#?}");
    let a = rdp[0];
    for field in [
        "id",
        "rule",
        "title",
        "severity",
        "techniques",
        "assets",
        "first_seen",
        "last_seen",
        "count",
        "evidence",
        "explanation",
        "src",
        "dst",
        "acked",
    ] {
        assert!(a.get(field).is_some(), "field {field} missing: {a:#}");
    }
    assert_eq!(a["severity"], "high");
    assert_eq!(a["techniques"], serde_json::json!(["T0822"]));
    assert_eq!(a["src"], "62.122.184.123");
    assert_eq!(a["dst"], "192.168.10.111");
    assert_eq!(a["count"], 1);
    assert_eq!(a["acked"], false);
    assert_eq!(a["evidence"][0]["frame"], 80);
    assert!(a["evidence"][0]["capture"]
        .as_str()
        .unwrap()
        .ends_with("modbus-and-non-modbus-p502.pcap"));
    assert!(
        a["first_seen"]
            .as_str()
            .unwrap()
            .starts_with("2023-07-08T20:25:27"),
        "{a:#}"
    );
    let explanation = a["explanation"].as_str().unwrap();
    assert!(
        explanation.starts_with(
            "62.122.184.123, outside the site's configured networks, opened a rdp session into"
        ) && explanation.contains("T0822 External Remote Services"),
        "{explanation}"
    );
    // Internet hosts polling the exposed Modbus server: one alert per outside host.
    let exposed = by_rule(&first, "net.internet_ot_traffic");
    assert_eq!(exposed.len(), 4, "{first:#?}");
    assert!(exposed.iter().all(|a| a["techniques"][0] == "T0883"));
    let total: u64 = first.iter().map(|a| a["count"].as_u64().unwrap()).sum();

    // The same capture again: one row per finding, counts doubled.
    analyse(dir.path(), EXPOSED, &[]);
    let second = alerts_json(dir.path(), &[]);
    assert_eq!(second.len(), first.len());
    let total_again: u64 = second.iter().map(|a| a["count"].as_u64().unwrap()).sum();
    assert_eq!(total_again, 2 * total);
    let rdp = by_rule(&second, "it.external_remote_session")[0];
    assert_eq!(rdp["count"], 2);
    assert_eq!(rdp["id"], a["id"]);
    assert_eq!(
        rdp["evidence"].as_array().unwrap().len(),
        1,
        "the same frame is not evidence twice"
    );

    // Filters.
    let high = alerts_json(dir.path(), &["--severity", "high"]);
    assert_eq!(high.len(), 1);
    assert_eq!(
        alerts_json(dir.path(), &["--rule", "net.internet_ot_traffic"]).len(),
        4
    );
    assert_eq!(
        alerts_json(dir.path(), &["--since", "2023-07-08T20:00:00Z"]).len(),
        1
    );
    let bad = otwatch(
        &["alerts", "--db", "a.db", "--severity", "severe"],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_site_description_decides_what_is_internet() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("site.toml"),
        "[site]\ninternal_networks = [\"0.0.0.0/0\"]\n",
    )
    .unwrap();
    analyse(dir.path(), EXPOSED, &["--config", "site.toml"]);
    let alerts = alerts_json(dir.path(), &[]);
    assert!(
        by_rule(&alerts, "net.internet_ot_traffic").is_empty(),
        "{alerts:#?}"
    );
    assert!(
        by_rule(&alerts, "it.external_remote_session").is_empty(),
        "{alerts:#?}"
    );
}

#[test]
fn user_rules_disable_and_add() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("site-rules.toml"),
        r#"[[rule]]
id = "net.internet_ot_traffic"
enabled = false

[[rule]]
id = "site.rdp_login"
title = "RDP login"
severity = "critical"
techniques = ["T0886"]
kinds = ["rdp_session"]
detail = "mstshash"
explanation = "{src} logged in to {dst} over {protocol} ({count})"
"#,
    )
    .unwrap();
    analyse(dir.path(), EXPOSED, &["--rules", "site-rules.toml"]);
    let alerts = alerts_json(dir.path(), &[]);
    assert!(by_rule(&alerts, "net.internet_ot_traffic").is_empty());
    let mine = by_rule(&alerts, "site.rdp_login");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["severity"], "critical");
    assert_eq!(
        mine[0]["explanation"],
        "62.122.184.123 logged in to 192.168.10.111 over rdp (1)"
    );
    let listed = otwatch(
        &["rules", "list", "--rules", "site-rules.toml", "--json"],
        dir.path(),
    );
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let rules: Vec<serde_json::Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let find = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(find("net.internet_ot_traffic")["enabled"], false);
    assert_eq!(find("site.rdp_login")["origin"], "site-rules.toml");
    assert_eq!(find("it.telnet_session")["enabled"], true);
}

#[test]
fn ack_records_who() {
    let dir = tempfile::tempdir().unwrap();
    analyse(dir.path(), EXPOSED, &[]);
    let id = alerts_json(dir.path(), &["--severity", "high"])[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let out = otwatch(
        &[
            "alerts",
            "ack",
            &id,
            "--by",
            "maria",
            "--note",
            "known vendor access",
            "--db",
            "a.db",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let a = alerts_json(dir.path(), &["--severity", "high"]).remove(0);
    assert_eq!(a["acked"], true);
    assert_eq!(a["ack"]["by"], "maria");
    assert_eq!(a["ack"]["note"], "known vendor access");
    let missing = otwatch(
        &["alerts", "ack", "9999", "--by", "x", "--db", "a.db"],
        dir.path(),
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("no alert 9999"),
        "{}",
        text(&missing.stderr)
    );
}

#[test]
fn cef_lines_carry_every_alert() {
    let dir = tempfile::tempdir().unwrap();
    analyse(dir.path(), EXPOSED, &[]);
    let out = otwatch(&["alerts", "--db", "a.db", "--cef"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), alerts_json(dir.path(), &[]).len());
    let rdp = lines
        .iter()
        .find(|l| l.contains("|it.external_remote_session|"))
        .expect("the RDP alert as CEF");
    let header: Vec<&str> = rdp.splitn(8, '|').collect();
    assert_eq!(header[0], "CEF:0");
    assert_eq!((header[1], header[2]), ("otwatch", "otwatch"));
    assert_eq!(header[4], "it.external_remote_session");
    assert_eq!(header[5], "Remote session from outside the site");
    assert_eq!(header[6], "8");
    let ext = header[7];
    assert!(
        ext.starts_with("rt=1688847927088 start=1688847927088 "),
        "{ext}"
    );
    for part in [
        "src=62.122.184.123",
        "dst=192.168.10.111",
        "cnt=1",
        "cs1=T0822",
        "app=rdp",
        "cn1=80",
    ] {
        assert!(ext.contains(part), "{part} missing from {ext}");
    }
    assert!(ext.contains(" msg=62.122.184.123, outside"), "{ext}");
}

#[test]
fn syslog_sends_rfc5424_messages_over_udp() {
    let dir = tempfile::tempdir().unwrap();
    analyse(dir.path(), EXPOSED, &[]);
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let url = format!("udp://{}", socket.local_addr().unwrap());
    let out = otwatch(
        &[
            "alerts",
            "--db",
            "a.db",
            "--severity",
            "high",
            "--syslog",
            &url,
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let mut buf = [0u8; 65536];
    let n = socket.recv(&mut buf).unwrap();
    let msg = text(&buf[..n]);
    // Facility 4 (security), severity 3 (error) for a high alert; version 1.
    assert!(msg.starts_with("<35>1 "), "{msg}");
    let fields: Vec<&str> = msg.splitn(8, ' ').collect();
    assert!(fields[1].ends_with('Z') && fields[1].contains('T'), "{msg}");
    assert_eq!((fields[3], fields[5], fields[6]), ("otwatch", "alert", "-"));
    assert!(fields[7].starts_with("CEF:0|otwatch|otwatch|"), "{msg}");
    assert!(fields[7].contains("|it.external_remote_session|"), "{msg}");
    let bad = otwatch(
        &["alerts", "--db", "a.db", "--syslog", "http://x:1"],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn rules_check_reports_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.toml"),
        "[[rule]]\nid = \"it.telnet_session\"\nseverity = \"high\"\n\n[[rule]]\nid = \"site.x\"\ntitle = \"X\"\nseverity = \"low\"\ntechniques = [\"T0855\"]\nkinds = [\"modbus_write\"]\nexplanation = \"{src} wrote\"\n",
    )
    .unwrap();
    let out = otwatch(&["rules", "check", "good.toml"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(
        text(&out.stdout),
        "good.toml: valid, 2 rules (new or tuning a built-in)\n"
    );

    std::fs::write(
        dir.path().join("bad.toml"),
        "[[rule]]\nid = \"site.y\"\ntitle = \"Y\"\nseverity = \"urgent\"\nkinds = [\"x\"]\nexplanation = \"y\"\nthreshold = { count = 3, window = \"soon\" }\n",
    )
    .unwrap();
    let out = otwatch(&["rules", "check", "bad.toml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("bad.toml:4:12: unknown severity \"urgent\""),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("bad.toml:7:35: threshold window \"soon\""),
        "{stdout}"
    );
    // Analysis refuses bad rules before reading any capture.
    let capture = corpus(EXPOSED);
    let out = otwatch(
        &[
            "analyze",
            capture.to_str().unwrap(),
            "--db",
            "a.db",
            "--rules",
            "bad.toml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("bad.toml:4:12"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("a.db").exists() || text(&out.stdout).is_empty());
}

#[test]
fn syslog_over_tcp_frames_by_octet_count() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    analyse(dir.path(), EXPOSED, &[]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tcp://{}", listener.local_addr().unwrap());
    let reader = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut all = String::new();
        conn.read_to_string(&mut all).unwrap();
        all
    });
    let out = otwatch(&["alerts", "--db", "a.db", "--syslog", &url], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stream = reader.join().unwrap();
    let expected = alerts_json(dir.path(), &[]).len();
    // Walk the frames: LENGTH SP MESSAGE, repeated.
    let mut rest = stream.as_str();
    let mut messages = Vec::new();
    while !rest.is_empty() {
        let (len, after) = rest.split_once(' ').expect("a length and a space");
        let len: usize = len.parse().expect("a decimal length");
        messages.push(&after[..len]);
        rest = &after[len..];
    }
    assert_eq!(messages.len(), expected);
    assert!(messages
        .iter()
        .all(|m| m.starts_with('<') && m.contains(">1 ") && m.contains(" CEF:0|otwatch|")));
}

#[test]
fn roles_and_levels_people_set_count_for_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    analyse(dir.path(), EXPOSED, &[]);
    let into_control = |dir: &Path| -> Option<u64> {
        by_rule(&alerts_json(dir, &[]), "it.remote_session_into_control")
            .first()
            .map(|a| a["count"].as_u64().unwrap())
    };
    // The traffic alone does not place the RDP server at a control level.
    assert_eq!(into_control(dir.path()), None);
    let edit = |args: &[&str]| {
        let mut all = vec!["assets", "edit"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--by", "test", "--db", "a.db"]);
        let out = otwatch(&all, dir.path());
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    edit(&["192.168.10.111", "--level", "1"]);
    analyse(dir.path(), EXPOSED, &[]);
    assert_eq!(into_control(dir.path()), Some(1));
    // Once the source is declared the engineering workstation, its sessions are exempt.
    edit(&["62.122.184.123", "--role", "engineering_workstation"]);
    analyse(dir.path(), EXPOSED, &[]);
    assert_eq!(into_control(dir.path()), Some(1));
}
