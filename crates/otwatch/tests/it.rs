//! IT protocols end to end: the CLI on corpus captures that carry SNMP, SMB with NTLM,
//! HTTP, TLS and RDP next to their industrial traffic, checked against what the captures
//! hold: host names and SMB facts in the inventory with their evidence, session and
//! cleartext-credential events, and no credential ever written out.

mod common;
use common::*;

const IEC61850: &str = "ITI-ICS-Security-Tools/pcaps/IEC61850/Sample_File_MMS_and_GOOSE.pcap";
const SCANNED_502: &str = "zeek/testing/btest/Traces/modbus/modbus-and-non-modbus-p502.pcap";
const MMS_OVER_HTTP: &str = "ITI-ICS-Security-Tools/pcaps/IEC61850/m-send-req.mms.pcap";

fn of_kind<'a>(events: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    events.iter().filter(|e| e["kind"] == kind).collect()
}

#[test]
fn smb_session_names_the_server_and_its_os() {
    let server = asset_after_analysis(IEC61850, "172.16.0.122");
    assert_eq!(server["hostnames"], serde_json::json!(["SAS1"]));
    let os = fact(&server, "smb_native_os");
    assert_eq!(os["value"], "Windows 5.0");
    assert_eq!(os["evidence"]["protocol"], "smb");
    assert_eq!(os["evidence"]["frame"], 15, "the session setup response");
    assert_eq!(fact(&server, "smb_dialect")["value"], "SMB1 NT LM 0.12");
    assert_eq!(fact(&server, "windows_domain")["value"], "SAS1");

    let station = asset_after_analysis(IEC61850, "172.16.0.101");
    assert_eq!(station["hostnames"], serde_json::json!(["DEMO"]));
    assert_eq!(
        fact(&station, "smb_native_os")["value"],
        "Windows Server 2003 R2 3790 Service Pack 2"
    );
}

#[test]
fn ntlm_logon_smb1_and_snmp_community_become_events() {
    let events = events_after_analysis(IEC61850);
    let ntlm = of_kind(&events, "ntlm_authentication");
    assert_eq!(ntlm.len(), 4, "one per SMB session in the capture");
    assert_eq!(ntlm[0]["protocol"], "ntlm");
    assert_eq!(ntlm[0]["frame"], 16);
    assert_eq!(ntlm[0]["src"], "172.16.0.101");
    assert!(ntlm[0]["detail"]
        .as_str()
        .unwrap()
        .contains("DEMO\\MicroSCADA"));
    let smb = of_kind(&events, "smb_negotiate");
    assert!(smb[0]["detail"].as_str().unwrap().contains("SMB1"));

    let community: Vec<_> = of_kind(&events, "cleartext_credentials")
        .into_iter()
        .filter(|e| e["protocol"] == "snmp")
        .collect();
    assert!(!community.is_empty());
    assert_eq!(community[0]["frame"], 32);
    assert_eq!(community[0]["dst"], "172.16.202.0");
    let detail = community[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("6 characters, a factory default"),
        "{detail}"
    );
    // The community itself ("public") is nowhere in the output.
    assert!(events
        .iter()
        .all(|e| !e["detail"].as_str().unwrap_or("").contains("public")));
}

#[test]
fn scanners_on_the_modbus_port_are_recognised() {
    let events = events_after_analysis(SCANNED_502);
    let http = of_kind(&events, "http_request");
    assert_eq!(http.len(), 1);
    assert_eq!(http[0]["protocol"], "http");
    assert_eq!(http[0]["frame"], 65);
    assert!(http[0]["detail"].as_str().unwrap().contains("zgrab"));
    let tls = of_kind(&events, "tls_client_hello");
    assert_eq!(tls.len(), 1);
    assert_eq!(tls[0]["protocol"], "ssl");
    assert_eq!(tls[0]["frame"], 49);
    let rdp = of_kind(&events, "rdp_session");
    assert_eq!(rdp.len(), 1);
    assert!(rdp[0]["detail"]
        .as_str()
        .unwrap()
        .contains("user name in the mstshash cookie"));
}

#[test]
fn web_server_header_reaches_the_inventory() {
    let server = asset_after_analysis(MMS_OVER_HTTP, "127.0.0.2");
    let header = fact(&server, "http_server");
    assert_eq!(header["value"], "Mu Dynamics");
    assert_eq!(header["evidence"]["protocol"], "http");
    assert_eq!(header["evidence"]["frame"], 5);
    let client = asset_after_analysis(MMS_OVER_HTTP, "127.0.0.1");
    assert_eq!(fact(&client, "http_user_agent")["value"], "Mu Dynamics");
    assert!(fact(&client, "http_server").is_null());
}
