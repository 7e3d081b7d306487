//! Messages cut from the ICSNPP BACnet test captures (`testing/traces/*.pcap`), each with its
//! capture and frame number.

use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn apdu_of(d: &[u8]) -> Apdu<'_> {
    let m = parse(d).unwrap();
    let n = m.npdu.unwrap();
    assert_eq!(n.network_message, None);
    parse_apdu(n.body).unwrap()
}

/// bacnet_example.pcap frame 74: I-Am from device 721, vendor 15.
const I_AM: &str = "810a001401001000c4020002d12204009103210f";
/// bacnet_example.pcap frame 137: ReadProperty ack, device 1, model-name "HIY-054".
const MODEL_NAME_ACK: &str = "810a001c010030020c0c020001f519463e7508004849592d3035343f";
/// bacnet_services.pcap frame 267: DeviceCommunicationControl through a router to network
/// 3, 1 minute, disable, password "filister".
const DCC: &str = "810a001e01240003016cff02038511090119012d090066696c6973746572";
/// bacnet_services.pcap frame 266: Error PDU for DCC, from device 0x6c on network 3.
const DCC_ERROR: &str = "810a001101080003016c5084119105911a";
/// bacnet_services.pcap frame 400: ReinitializeDevice warmstart with password "ethereal".
const REINIT: &str = "810a001c01240003016cff02038a1409011d0900657468657265616c";
/// bacnet_error_reject_abort.pcap frames 44 and 45: a reject and an abort.
const REJECT: &str = "810a000e0120000d013dff603a09";
const ABORT: &str = "810b00090100710100";
/// bacnet_segmented_data.pcap frame 16: segment ack of invoke 94, sequence 0.
const SEGMENT_ACK_FRAME: &str = "810a000a0100405e0003";
/// bacnet_services.pcap frame 2: ReadProperty ack of analog-output 101 present-value 100.0,
/// from device 0x6c behind a router (SNET 3).
const ROUTED_ACK: &str = "810a001b01080003016c30010c0c0040006519553e4442c800003f";

#[test]
fn i_am_states_instance_and_vendor() {
    let d = hex(I_AM);
    let a = apdu_of(&d);
    assert_eq!(
        (a.pdu_type, a.service),
        (UNCONFIRMED_REQUEST, Some(SERVICE_I_AM))
    );
    let i = i_am(a.body).unwrap();
    assert_eq!(
        (i.object_type, i.device_instance, i.vendor_id),
        (8, 721, 15)
    );
    assert_eq!(vendor_name(15), Some("Cornell University"));
}

#[test]
fn vendor_table_states_source_and_date() {
    let t = vendor_table();
    assert_eq!(
        t.entries, 1455,
        "the header's entry count and the rows agree"
    );
    assert!(t.source.starts_with("Wireshark 4.0.17"), "{}", t.source);
    assert!(t.date.starts_with("2024-08-26"), "{}", t.date);
}

#[test]
fn read_property_ack_of_model_name() {
    let d = hex(MODEL_NAME_ACK);
    let a = apdu_of(&d);
    assert_eq!((a.pdu_type, a.invoke_id), (COMPLEX_ACK, Some(2)));
    let v = read_property_ack(a.body).unwrap();
    assert_eq!(
        (v.property.object_type, v.property.instance),
        (OBJECT_DEVICE, 501)
    );
    assert_eq!(property_name(v.property.property), "model-name");
    assert_eq!(v.values, vec!["HIY-054"]);
    assert_eq!(v.text.as_deref(), Some("HIY-054"));
}

#[test]
fn routed_ack_names_the_source_network_and_renders_reals() {
    let d = hex(ROUTED_ACK);
    let m = parse(&d).unwrap();
    let n = m.npdu.unwrap();
    assert_eq!(
        n.source,
        Some(NetAddress {
            network: 3,
            mac: &[0x6c]
        })
    );
    let v = read_property_ack(parse_apdu(n.body).unwrap().body).unwrap();
    assert_eq!(v.values, vec!["100.000000"]);
}

#[test]
fn device_communication_control_with_password() {
    let d = hex(DCC);
    let m = parse(&d).unwrap();
    let n = m.npdu.unwrap();
    assert_eq!(n.destination.map(|d| d.network), Some(3));
    let a = parse_apdu(n.body).unwrap();
    assert_eq!(
        (a.invoke_id, a.service),
        (Some(133), Some(SERVICE_DEVICE_COMMUNICATION_CONTROL))
    );
    let c = device_communication_control(a.body).unwrap();
    assert_eq!(c.duration_minutes, Some(1));
    assert_eq!(communication_state_name(c.state), "disable");
    assert_eq!(c.password.as_deref(), Some("filister"));
}

#[test]
fn reinitialize_device_and_its_error() {
    let d = hex(REINIT);
    let a = apdu_of(&d);
    let r = reinitialize_device(a.body).unwrap();
    assert_eq!(reinitialize_state_name(r.state), "warmstart");
    assert_eq!(r.password.as_deref(), Some("ethereal"));
    let d = hex(DCC_ERROR);
    let e = apdu_of(&d);
    assert_eq!((e.pdu_type, e.invoke_id), (ERROR_PDU, Some(132)));
    let (class, code) = error_class_code(e.body).unwrap();
    assert_eq!(
        (class, error_code_name(code).as_str()),
        (5, "password-failure")
    );
}

#[test]
fn reject_abort_and_segment_ack() {
    let d = hex(REJECT);
    let r = apdu_of(&d);
    assert_eq!(
        (r.pdu_type, r.invoke_id, r.reason.map(reject_reason_name)),
        (REJECT_PDU, Some(0x3a), Some("unrecognized-service".into()))
    );
    let d = hex(ABORT);
    let a = apdu_of(&d);
    assert_eq!((a.pdu_type, a.reason), (ABORT_PDU, Some(0)));
    let d = hex(SEGMENT_ACK_FRAME);
    let s = apdu_of(&d);
    assert_eq!(
        (s.pdu_type, s.invoke_id, s.sequence_number),
        (SEGMENT_ACK, Some(94), Some(0))
    );
}

#[test]
fn values_render_like_the_icsnpp_logs() {
    let t = |b: &'static [u8]| tag(b, 0).unwrap().0;
    assert_eq!(render_value(&t(&[0x10])), "false");
    assert_eq!(render_value(&t(&[0x11])), "true");
    assert_eq!(render_value(&t(&[0x82, 0x00, 0x40])), "FTFFFFFF");
    assert_eq!(render_value(&t(&[0x32, 0xfe, 0x20])), "-480");
    assert_eq!(render_value(&t(&[0xa4, 105, 5, 20, 5])), "5/20/2005");
    assert_eq!(render_value(&t(&[0xb4, 8, 27, 14, 0])), "8:27:14.0");
    assert_eq!(render_value(&t(&[0xc4, 0x02, 0x80, 0x00, 0x09])), "file: 9");
    assert_eq!(
        enumerated_property_value(117, 98).as_deref(),
        Some("percent")
    );
    assert_eq!(property_name(513), "Vendor Specific (513)");
}

#[test]
fn never_panics() {
    let valid: Vec<Vec<u8>> = [
        I_AM,
        MODEL_NAME_ACK,
        DCC,
        DCC_ERROR,
        REINIT,
        REJECT,
        ABORT,
        SEGMENT_ACK_FRAME,
        ROUTED_ACK,
    ]
    .iter()
    .map(|h| hex(h))
    .collect();
    crate::hostile::never_panics(
        &valid,
        0xbac0_e7a1_2024_0001,
        |buf, i| {
            if buf.len() >= 6 {
                let len = (buf.len() as u16).to_be_bytes();
                buf[..6].copy_from_slice(&[0x81, 0x0a, len[0], len[1], 1, (i as u8) & 0xac]);
            }
        },
        |b| {
            if let Ok(Message { npdu: Some(n), .. }) = parse(b) {
                exercise(n.body);
            }
            exercise(b);
        },
    );
}

fn exercise(b: &[u8]) {
    if let Ok(a) = parse_apdu(b) {
        let body = a.body;
        let _ = who_is(body);
        let _ = i_am(body);
        let _ = who_has(body);
        let _ = i_have(body);
        let _ = read_property_request(body);
        let _ = read_property_ack(body);
        let _ = write_property(body);
        let _ = read_property_multiple_request(body);
        let _ = write_property_multiple(body);
        let _ = read_property_multiple_ack(body);
        let _ = device_communication_control(body);
        let _ = reinitialize_device(body);
        let _ = error_class_code(body);
    }
}
