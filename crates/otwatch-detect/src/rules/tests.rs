use super::*;

fn errors(text: &str) -> Vec<RuleError> {
    check_file("user.toml", text)
        .expect_err("the file should be refused")
        .0
}

fn one_error(text: &str) -> RuleError {
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:?}");
    e.into_iter().next().unwrap()
}

const GOOD: &str = r#"
[[rule]]
id = "site.modbus_write"
title = "Modbus write"
severity = "high"
techniques = ["T0855"]
protocols = ["modbus"]
kinds = ["modbus_write"]
detail = "^fc (5|6|15|16)"
explanation = "{src} wrote to {dst}: {detail}"
unless_src_role = ["engineering_workstation"]
only_dst_levels = ["0", "1", "2"]
threshold = { count = 5, window = "10s" }
group_by = "src"
"#;

#[test]
fn builtin_rules_are_valid_and_unique() {
    let set = RuleSet::builtin().expect("built-in rules are valid");
    assert!(set.get("it.cleartext_credentials").is_some());
    assert!(set.get("net.malformed_flood").unwrap().threshold.is_some());
    assert!(
        set.get("net.internet_ot_traffic").is_some(),
        "detectors are listed as rules"
    );
    assert!(BUILTIN_FILES.iter().any(|(f, _)| f.ends_with("it.toml")));
    for r in set.rules() {
        assert!(
            r.id.starts_with("ot.") || r.id.starts_with("net.") || r.id.starts_with("it."),
            "{}",
            r.id
        );
        assert!(!r.techniques.is_empty(), "{} names no technique", r.id);
    }
}

#[test]
fn a_good_file_parses_fully() {
    assert_eq!(check_file("user.toml", GOOD), Ok(1));
    let set = RuleSet::load(&[("user.toml".into(), GOOD.into())]).unwrap();
    let r = set.get("site.modbus_write").unwrap();
    assert_eq!(r.severity, Severity::High);
    assert_eq!(r.group_by, GroupBy::Src);
    assert_eq!(r.threshold.as_ref().unwrap().count, 5);
    assert_eq!(r.threshold.as_ref().unwrap().window, 10_000_000);
    assert_eq!(r.unless_src_role, vec![AssetRole::EngineeringWorkstation]);
    assert_eq!(r.only_dst_levels.len(), 3);
    assert!(r.detail.as_ref().unwrap().is_match("fc 16 write multiple"));
    assert_eq!(r.origin, Origin::User("user.toml".into()));
}

#[test]
fn unknown_key_is_reported_at_its_line() {
    let e = one_error("[[rule]]\nid = \"x.a\"\ntitle = \"t\"\nseverty = \"high\"\n");
    assert_eq!((e.line, e.column), (4, 1), "{e}");
    assert!(e.message.contains("severty"), "{e}");
    assert!(e.to_string().starts_with("user.toml:4:1: "), "{e}");
}

#[test]
fn bad_severity_is_reported_at_its_value() {
    let text = GOOD.replace("severity = \"high\"", "severity = \"severe\"");
    let e = one_error(&text);
    assert_eq!((e.line, e.column), (5, 12), "{e}");
    assert!(
        e.message.contains("severe") && e.message.contains("critical"),
        "{e}"
    );
}

#[test]
fn bad_regex_is_reported() {
    let e = one_error(&GOOD.replace("^fc (5|6|15|16)", "fc (5|6"));
    assert_eq!(e.line, 9, "{e}");
    assert!(e.message.contains("regular expression"), "{e}");
}

#[test]
fn unknown_role_and_level_are_reported() {
    let e = one_error(&GOOD.replace("engineering_workstation", "laptop"));
    assert_eq!(e.line, 11, "{e}");
    assert!(
        e.message.contains("laptop") && e.message.contains("hmi"),
        "{e}"
    );
    let e = one_error(&GOOD.replace("\"2\"]", "\"7\"]"));
    assert_eq!(e.line, 12, "{e}");
    assert!(e.message.contains("Purdue level \"7\""), "{e}");
}

#[test]
fn duplicate_ids_are_reported_at_the_second() {
    let text = format!("{GOOD}\n{GOOD}");
    let e = one_error(&text);
    assert_eq!(e.line, 18, "{e}");
    assert!(e.message.contains("duplicate"), "{e}");
}

#[test]
fn threshold_syntax_is_checked() {
    let e = one_error(&GOOD.replace("window = \"10s\"", "window = \"ten seconds\""));
    assert_eq!(e.line, 13, "{e}");
    assert!(e.message.contains("duration"), "{e}");
    let e = one_error(&GOOD.replace("count = 5", "count = 0"));
    assert_eq!(e.line, 13, "{e}");
    assert!(e.message.contains("at least 1"), "{e}");
    let e = one_error(&GOOD.replace("count = 5,", "count = 5, every = 3,"));
    assert!(e.message.contains("every"), "{e}");
    assert_eq!(parse_window("500ms"), Some(500_000));
    assert_eq!(parse_window("2h"), Some(7_200_000_000));
    assert_eq!(parse_window("0s"), None);
    assert_eq!(parse_window("10"), None);
}

#[test]
fn group_by_technique_and_placeholder_are_checked() {
    let e = one_error(&GOOD.replace("group_by = \"src\"", "group_by = \"pair\""));
    assert_eq!(e.line, 14, "{e}");
    let e = one_error(&GOOD.replace("T0855", "0855"));
    assert_eq!(e.line, 6, "{e}");
    let e = one_error(&GOOD.replace("{detail}", "{details}"));
    assert_eq!(e.line, 10, "{e}");
    assert!(e.message.contains("{details}"), "{e}");
}

#[test]
fn a_new_rule_must_be_complete() {
    let e = one_error("[[rule]]\nid = \"site.half\"\nseverity = \"low\"\n");
    assert_eq!(e.line, 2, "{e}");
    assert!(
        e.message.contains("title") && e.message.contains("explanation"),
        "{e}"
    );
}

#[test]
fn several_errors_are_all_reported() {
    let text = GOOD
        .replace("severity = \"high\"", "severity = \"huge\"")
        .replace("window = \"10s\"", "window = \"x\"");
    assert_eq!(errors(&text).len(), 2);
}

#[test]
fn user_files_disable_and_tune_builtins() {
    let user = "[[rule]]\nid = \"it.telnet_session\"\nenabled = false\n\n[[rule]]\nid = \"net.malformed_flood\"\nseverity = \"high\"\nthreshold = { count = 10, window = \"1s\" }\n";
    assert_eq!(check_file("tune.toml", user), Ok(2));
    let set = RuleSet::load(&[("tune.toml".into(), user.into())]).unwrap();
    let telnet = set.get("it.telnet_session").unwrap();
    assert!(!telnet.enabled);
    assert_eq!(telnet.title, "Telnet session", "untouched keys stay");
    let flood = set.get("net.malformed_flood").unwrap();
    assert_eq!(flood.severity, Severity::High);
    assert_eq!(flood.threshold.as_ref().unwrap().count, 10);
    assert!(matches!(&flood.origin, Origin::Tuned { user, .. } if user == "tune.toml"));
    let detector = "[[rule]]\nid = \"net.internet_ot_traffic\"\nenabled = false\n";
    let set = RuleSet::load(&[("d.toml".into(), detector.into())]).unwrap();
    assert!(!set.get("net.internet_ot_traffic").unwrap().enabled);
}

#[test]
fn toml_syntax_errors_carry_the_line() {
    let e = one_error("[[rule]]\nid = \"a.b\"\ntitle = \"unterminated\n");
    assert_eq!(e.line, 3, "{e}");
}
