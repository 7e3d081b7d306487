//! Datagrams cut from the ICSNPP BACnet test captures (`testing/traces/*.pcap`), each with
//! its capture and frame number.

use super::*;
use crate::test_flow::TestFlow;
use otwatch_model::logs::Value;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// bacnet_example.pcap frame 137: device 501 at 172.20.32.109 answers model-name "HIY-054".
const MODEL_NAME_ACK: &str = "810a001c010030020c0c020001f519463e7508004849592d3035343f";
/// bacnet_services.pcap frame 2: ReadProperty ack from device 0x6c on network 3, relayed by
/// the router at 192.168.0.24.
const ROUTED_ACK: &str = "810a001b01080003016c30010c0c0040006519553e4442c800003f";
/// bacnet_services.pcap frames 267 and 268: DeviceCommunicationControl (disable for 1 min,
/// password "filister") and its simple ack.
const DCC: &str = "810a001e01240003016cff02038511090119012d090066696c6973746572";
const DCC_ACK: &str = "810a000d01080003016c208511";
/// bacnet_services.pcap frame 281: the last segment of a segmented ReadPropertyMultiple ack
/// (invoke 136, sequence 1).
const RPM_LAST_SEGMENT: &str = "810a001e01080003016c388801100e0c000008541e29555e9101911f5f1f";

fn rows_of(t: &TestFlow, log: &str) -> Vec<Vec<String>> {
    t.rows
        .iter()
        .filter(|r| r.spec.name == log)
        .map(|r| r.values.iter().map(text).collect())
        .collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::Unset => "-".into(),
        Value::Str(s) => s.clone(),
        Value::Count(c) => c.to_string(),
        other => format!("{other:?}"),
    }
}

#[test]
fn device_properties_reach_the_inventory_and_the_property_log() {
    let mut t = TestFlow::new(("172.20.32.200", 47808), ("172.20.32.109", 47808));
    let mut flow = BacnetFlow::default();
    flow.datagram(&hex(MODEL_NAME_ACK), &mut t.ctx(false, 137, 1));
    let model: Vec<_> = t
        .obs
        .attributes
        .values()
        .filter(|a| a.name == "model")
        .collect();
    assert_eq!(model.len(), 1);
    assert_eq!(model[0].value, "HIY-054");
    assert_eq!(
        model[0].subject,
        Subject::Ip("172.20.32.109".parse().unwrap())
    );
    let rows = rows_of(&t, "bacnet_property");
    assert_eq!(
        rows[0],
        [
            "2",
            "read-property-ack",
            "device",
            "501",
            "model-name",
            "-",
            "HIY-054"
        ]
    );
}

#[test]
fn a_device_behind_a_router_is_not_pinned_on_the_router() {
    let mut t = TestFlow::new(("192.168.0.50", 47808), ("192.168.0.24", 47808));
    let mut flow = BacnetFlow::default();
    flow.datagram(&hex(ROUTED_ACK), &mut t.ctx(false, 2, 1));
    assert!(t.obs.attributes.is_empty());
    let rows = rows_of(&t, "bacnet_property");
    assert_eq!(rows[0][6], "100.000000");
    // The router relayed it for the device at MAC 0x6c on network 3.
    let router: IpAddr = "192.168.0.24".parse().unwrap();
    let path = BehindPath::Bacnet {
        network: 3,
        mac: BacnetMac::new(&[0x6c]).unwrap(),
    };
    let seen = &t.obs.behind[&(router, path)];
    assert_eq!(seen.first.frame, 2);
    assert!(
        seen.message.contains("SNET 3 SADR 0x6c"),
        "{}",
        seen.message
    );
}

#[test]
fn what_a_routed_device_says_of_itself_is_its_own() {
    // The routed ack above, turned into device 29 (MAC 0x1d) answering model-name
    // "SYSC MLX", as it does in frame 149 of bacnet_services.pcap.
    let mut apdu = hex("30010c0c0200001d1946");
    apdu.extend_from_slice(&[0x3e, 0x75, 0x09, 0x00]);
    apdu.extend_from_slice(b"SYSC MLX");
    apdu.push(0x3f);
    let mut datagram = hex("810a000001080003011d");
    datagram.extend_from_slice(&apdu);
    let length = datagram.len() as u16;
    datagram[2..4].copy_from_slice(&length.to_be_bytes());

    let mut t = TestFlow::new(("192.168.0.50", 47808), ("192.168.0.24", 47808));
    let mut flow = BacnetFlow::default();
    flow.datagram(&datagram, &mut t.ctx(false, 149, 1));
    let router: IpAddr = "192.168.0.24".parse().unwrap();
    let device = Subject::Behind(
        router,
        BehindPath::Bacnet {
            network: 3,
            mac: BacnetMac::new(&[0x1d]).unwrap(),
        },
    );
    let stated = |name: &str| {
        t.obs
            .attributes
            .keys()
            .find(|(s, n, _, _)| *s == device && *n == name)
            .map(|(_, _, v, _)| v.clone())
    };
    assert_eq!(stated("model").as_deref(), Some("SYSC MLX"));
    assert_eq!(stated("bacnet_device_instance").as_deref(), Some("29"));
    assert!(t
        .obs
        .attributes
        .keys()
        .all(|(s, _, _, _)| *s != Subject::Ip(router)));
    // No host name is pinned on the router's address either.
    assert!(t.obs.names.is_empty());
}

#[test]
fn device_communication_control_is_logged_and_reported_without_its_password() {
    let mut t = TestFlow::new(("192.168.0.50", 47808), ("192.168.0.24", 47808));
    let mut flow = BacnetFlow::default();
    flow.datagram(&hex(DCC), &mut t.ctx(true, 267, 1));
    flow.datagram(&hex(DCC_ACK), &mut t.ctx(false, 268, 2));
    let rows = rows_of(&t, "bacnet_device_control");
    assert_eq!(
        rows[0],
        [
            "133",
            "device_communication_control",
            "1",
            "disable",
            "-",
            "-",
            "-"
        ]
    );
    assert_eq!(
        rows[1],
        [
            "133",
            "device_communication_control",
            "-",
            "-",
            "-",
            "SUCCESS",
            "-"
        ]
    );
    let ev: Vec<_> = t
        .events
        .iter()
        .filter(|e| e.kind == "bacnet_device_communication_control")
        .collect();
    assert_eq!(ev.len(), 1);
    assert_eq!(
        ev[0].detail,
        "communication disable for 1 min, password given"
    );
    assert!(t.events.iter().all(|e| !e.detail.contains("filister")));
    assert!(rows.iter().flatten().all(|v| !v.contains("filister")));
    // The service reaches the per-edge function aggregates.
    assert!(t
        .obs
        .functions
        .values()
        .any(|f| f.function == "device_communication_control"));
}

#[test]
fn a_segment_without_its_start_is_not_logged() {
    let mut t = TestFlow::new(("192.168.0.50", 47808), ("192.168.0.24", 47808));
    let mut flow = BacnetFlow::default();
    flow.datagram(&hex(RPM_LAST_SEGMENT), &mut t.ctx(false, 281, 1));
    assert!(rows_of(&t, "bacnet").is_empty());
}

#[test]
fn segments_are_joined_and_logged_once() {
    // The two segments of bacnet_services.pcap frames 279 and 281 rebuilt around a short
    // first segment (sequence 0) cut from frame 279: device 0x6c's analog-value 53
    // present-value.
    let first = "810a001f01080003016c3c8800100e0c000008351e29554e44425c00004f1f";
    let mut t = TestFlow::new(("192.168.0.50", 47808), ("192.168.0.24", 47808));
    let mut flow = BacnetFlow::default();
    flow.datagram(&hex(first), &mut t.ctx(false, 279, 1));
    assert!(rows_of(&t, "bacnet").is_empty());
    flow.datagram(&hex(RPM_LAST_SEGMENT), &mut t.ctx(false, 281, 2));
    let rows = rows_of(&t, "bacnet");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0],
        [
            "Original_Unicast_NPDU",
            "COMPLEX_ACK",
            "read_property_multiple",
            "136",
            "-"
        ]
    );
}

#[test]
fn a_bbmd_refusal_is_reported() {
    // ITI-ICS-Security-Tools pcaps/BACnet/bacnet_test.pcap frame 22: BVLC-Result 0x0020,
    // Read-Broadcast-Distribution-Table NAK.
    let mut t = TestFlow::new(("10.0.0.1", 47808), ("10.0.0.2", 47808));
    let mut flow = BacnetFlow::default();
    flow.datagram(&hex("810000060020"), &mut t.ctx(false, 22, 1));
    let kinds: Vec<_> = t
        .events
        .iter()
        .map(|e| (e.kind.as_str(), e.detail.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [("bacnet_bvlc_nak", "Read-Broadcast-Distribution-Table_NAK")]
    );
    assert!(t.rows.is_empty());
}

#[test]
fn an_empty_probe_is_not_malformed_bacnet() {
    // ITI-ICS-Security-Tools pcaps/BACnet/bacnet_test.pcap frame 1: an empty datagram to
    // port 47808.
    let mut t = TestFlow::new(("10.0.0.1", 64087), ("10.0.0.2", 47808));
    let mut flow = BacnetFlow::default();
    flow.datagram(&[], &mut t.ctx(true, 1, 1));
    assert!(t.events.is_empty());
}
