//! OPC UA end to end: the CLI on ICSNPP's OPC UA captures, checked against what they hold —
//! the server's own description in the inventory with its evidence, writes, method calls
//! and a clear-text user session as events, the requests per service on the edge, the
//! ICSNPP logs, and a channel secured with Basic256Sha256 followed as metadata only.

mod common;
use common::*;

const MAINLOOP: &str =
    "icsnpp-opcua-binary/pcaps/open62541_client-server_mainloop-not-localhost.pcap";

#[test]
fn server_description_reaches_the_inventory() {
    let capture = "icsnpp-opcua-binary/pcaps/open62541_discover_getendpoints_discover_urls.pcap";
    let server = asset_after_analysis(capture, "192.168.224.105");
    let uri = fact(&server, "opcua_application_uri");
    assert_eq!(uri["value"], "urn:open62541.server.application");
    assert_eq!(uri["evidence"]["protocol"], "opcua");
    assert_eq!(uri["evidence"]["message"], "OPC UA GetEndpoints response");
    assert_eq!(uri["evidence"]["frame"], 85);
    assert_eq!(
        fact(&server, "opcua_product_uri")["value"],
        "http://open62541.org"
    );
    assert_eq!(
        fact(&server, "software")["value"],
        "open62541-based OPC UA Application"
    );
    assert_eq!(
        fact(&server, "opcua_endpoint")["value"],
        "opc.tcp://Maui-16714:4840/ security None policy None users Anonymous,UserName certificate no"
    );
}

#[test]
fn writes_calls_and_clear_text_sessions_become_events() {
    let events = events_after_analysis(MAINLOOP);
    let of = |kind: &str| -> Vec<&serde_json::Value> {
        events.iter().filter(|e| e["kind"] == kind).collect()
    };
    let session = of("opcua_cleartext_session");
    assert_eq!(session.len(), 1);
    let detail = session[0]["detail"].as_str().unwrap();
    assert!(detail.contains("\"user1\""), "{detail}");
    assert!(detail.contains("readable on the wire"), "{detail}");
    assert!(
        !detail.contains("password\""),
        "the password itself is never shown"
    );
    let write = of("opcua_write");
    assert_eq!(
        write.len(),
        1,
        "the repeated write of the same node is one event"
    );
    assert_eq!(write[0]["frame"], 91);
    assert_eq!(
        write[0]["detail"],
        "Write of 1 node(s): ns=1;s=the.answer (Value)"
    );
    let call = of("opcua_call");
    assert_eq!(call.len(), 1);
    assert_eq!(
        call[0]["detail"],
        "Call of 1 method(s): method ns=1;i=62541 on i=85"
    );
    assert!(of("opcua_malformed").is_empty());
}

#[test]
fn requests_per_service_are_counted_on_the_edge() {
    let dir = analysed_into_db(MAINLOOP);
    let listed = functions_listed(dir.path(), true);
    let functions: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
    let count = |name: &str| {
        functions
            .iter()
            .find(|f| f["protocol"] == "opcua" && f["function"] == name)
            .map(|f| f["count"].as_u64().unwrap())
    };
    assert_eq!(count("Write"), Some(2));
    assert_eq!(count("Publish"), Some(11), "as tshark counts them");
    assert_eq!(count("Call"), Some(1));
    assert_eq!(count("GetEndpoints"), Some(2));
}

#[test]
fn main_and_status_logs_are_written_with_icsnpp_columns() {
    let rows = zeek_log_after_analysis(MAINLOOP, "opcua_binary");
    let of_type = |t: &str| rows.iter().filter(|r| r["msg_type"] == t).count();
    assert_eq!(
        [
            of_type("HEL"),
            of_type("ACK"),
            of_type("OPN"),
            of_type("MSG"),
            of_type("CLO")
        ],
        [2, 2, 2, 29, 2],
        "two connections: one for GetEndpoints, one for the session"
    );
    let get_endpoints = rows
        .iter()
        .find(|r| r["req_identifier_str"] == "GetEndpointsRequest")
        .unwrap();
    assert_eq!(get_endpoints["msg_type"], "MSG");
    assert_eq!(get_endpoints["total_size"], "662", "180 + 482 bytes");
    assert_eq!(get_endpoints["res_identifier_str"], "GetEndpointsResponse");
    let opn = rows.iter().find(|r| r["msg_type"] == "OPN").unwrap();
    assert_eq!(
        opn["sec_policy_uri"],
        "http://opcfoundation.org/UA/SecurityPolicy#None"
    );
    // The client asks with channel 0, the server answers with the channel it opened.
    let channels: Vec<&str> = opn["sec_channel_id"].split(',').collect();
    assert_eq!(channels.len(), 2);
    assert_eq!(channels[0], "0");
    let status = zeek_log_after_analysis(MAINLOOP, "opcua_binary_status_code_detail");
    let no_subscription = status
        .iter()
        .filter(|r| r["sub_code_str"] == "BadNoSubscription")
        .count();
    assert_eq!(no_subscription, 10);
    let channel = zeek_log_after_analysis(MAINLOOP, "opcua_binary_opensecure_channel");
    assert_eq!(channel.len(), 4);
}

#[test]
fn a_secured_channel_is_logged_as_metadata_only() {
    let capture = "icsnpp-opcua-binary/pcaps/python_opcua-client-server_encrypted.pcap";
    let rows = zeek_log_after_analysis(capture, "opcua_binary");
    let secured: Vec<_> = rows
        .iter()
        .filter(|r| r["sec_policy_uri"].ends_with("#Basic256Sha256"))
        .collect();
    assert!(!secured.is_empty());
    for r in &secured {
        assert_eq!(r["request_id"], "-", "the sequence header is ciphertext");
        assert_eq!(r["req_identifier_str"], "-");
        assert_eq!(r["snd_cert_len"], "850");
    }
    let events = events_after_analysis(capture);
    assert!(events
        .iter()
        .all(|e| e["kind"] != "opcua_cleartext_session" && e["kind"] != "opcua_malformed"));
}

#[test]
fn service_logs_name_the_user_but_never_the_password() {
    let activate = zeek_log_after_analysis(MAINLOOP, "opcua_binary_activate_session");
    let request = activate.iter().find(|r| r["is_orig"] == "T").unwrap();
    assert_eq!(request["ext_obj_type_id_str"], "UserNameIdentityToken");
    assert_eq!(request["ext_obj_user_name"], "user1");
    assert_eq!(request["ext_obj_password"], "-");
    let references = zeek_log_after_analysis(MAINLOOP, "opcua_binary_browse_response_references");
    assert!(references
        .iter()
        .any(|r| r["browse_response_ref_name"] == "TheGreatNode"
            && r["browse_response_display_name_text"] == "TheNewGreatNode"
            && r["browse_response_node_class"] == "ObjectNodeClass"));
    let written = zeek_log_after_analysis(MAINLOOP, "opcua_binary_write");
    let requests: Vec<_> = written.iter().filter(|r| r["is_orig"] == "T").collect();
    assert_eq!(requests.len(), 2);
    assert!(requests
        .iter()
        .all(|r| r["node_id_string"] == "the.answer" && r["attribute_id_str"] == "Value"));
}
