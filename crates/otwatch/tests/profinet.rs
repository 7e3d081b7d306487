//! PROFINET end to end: the IO-CM calls of ICSNPP's test captures in `profinet_io_cm.log`,
//! the calls that change a device as events, and the controller reaching the inventory.

mod common;
use common::*;

/// One whole application relation: Connect, Write, Control, Read, Release.
const DEVICE: &str = "icsnpp-profinet-io-cm/testing/traces/profinet_io_cm_device.pcapng";

#[test]
fn io_cm_log_has_a_row_per_datagram() {
    let rows = zeek_log_after_analysis(DEVICE, "profinet_io_cm");
    assert_eq!(rows.len(), 10);
    let connect = &rows[0];
    assert_eq!(connect["source_h"], "192.168.1.3");
    assert_eq!(connect["destination_p"], "34964");
    assert_eq!(connect["proto"], "udp");
    assert_eq!(connect["packet_type"], "Request");
    assert_eq!(connect["operation_num"], "Connect");
    assert_eq!(connect["integer_encoding"], "Big Endian");
    assert_eq!(
        connect["interface_uuid"],
        "DEA00001-6C97-11D1-8271-00A02442DF7D"
    );
    assert_eq!(connect["len_of_body"], "457");
    assert_eq!(connect["vers_fack"], "-");
    let answer = &rows[1];
    assert_eq!(answer["packet_type"], "Response");
    assert_eq!(answer["integer_encoding"], "Little Endian");
    assert_eq!(answer["source_h"], "192.168.1.2");
    assert_eq!(
        answer["interface_uuid"],
        "0100A0DE-976C-D111-8271-00A02442DF7D"
    );
    let ops: Vec<&str> = rows.iter().map(|r| r["operation_num"].as_str()).collect();
    assert_eq!(
        ops,
        [
            "Connect", "Connect", "Write", "Write", "Control", "Control", "Read", "Read",
            "Release", "Release"
        ]
    );
}

#[test]
fn connect_write_control_and_release_are_events() {
    let events = events_after_analysis(DEVICE);
    let of = |kind: &str| {
        events
            .iter()
            .filter(|e| e["kind"] == kind)
            .cloned()
            .collect::<Vec<_>>()
    };
    let connect = of("profinet_io_connect");
    assert_eq!(connect.len(), 1);
    let detail = connect[0]["detail"].as_str().unwrap();
    assert!(detail.contains("pc-worx-rt-basic-6d-d3-43"), "{detail}");
    assert!(detail.contains("00:a0:45:6d:d3:43"), "{detail}");
    let write = of("profinet_io_write");
    assert_eq!(write.len(), 1);
    let detail = write[0]["detail"].as_str().unwrap();
    assert!(detail.contains("record 0x01ff slot 1"), "{detail}");
    let control = of("profinet_io_control");
    assert_eq!(control.len(), 1);
    assert!(control[0]["detail"].as_str().unwrap().contains("PrmEnd"));
    assert_eq!(of("profinet_io_release").len(), 1);
    assert!(of("profinet_io_malformed").is_empty());
}

#[test]
fn the_controller_reaches_the_inventory() {
    let asset = asset_after_analysis(DEVICE, "192.168.1.3");
    let role = fact(&asset, "profinet_role");
    assert_eq!(role["value"], "IO controller");
    assert_eq!(role["evidence"]["protocol"], "profinet_io_cm");
    assert_eq!(role["evidence"]["frame"], 1, "the Connect request");
    let device = asset_after_analysis(DEVICE, "192.168.1.2");
    assert_eq!(
        fact(&device, "profinet_controller")["value"],
        "pc-worx-rt-basic-6d-d3-43 (192.168.1.3)"
    );
}

const CHANGE_IP: &str =
    "ITI-ICS-Security-Tools/pcaps/profinet/PROFINET-RT-DCP/ChangeIPUsingDCP.pcap";

#[test]
fn dcp_identify_and_set_name_who_asked() {
    let events = events_after_analysis(CHANGE_IP);
    let detail = |kind: &str| {
        events
            .iter()
            .find(|e| e["kind"] == kind)
            .map(|e| e["detail"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    // tshark: frame 1 Ident Req (All) from 00:0c:29:ba:09:ea; frame 3 Set Req IP
    // 192.168.0.10/255.255.255.0 gateway 192.168.0.1 to 08:00:06:93:cf:32.
    assert_eq!(
        detail("profinet_dcp_identify_request"),
        "00:0c:29:ba:09:ea searches for all devices (sent to 08:00:06:93:cf:32)"
    );
    assert_eq!(
        detail("profinet_dcp_set"),
        "00:0c:29:ba:09:ea sets IP 192.168.0.10 mask 255.255.255.0 gateway 192.168.0.1 on 08:00:06:93:cf:32"
    );
}

/// No capture of the corpus holds PROFINET RT cyclic data, so three frames of it (frame id
/// 0x8000, 40 bytes of IO data, cycle counter, data and transfer status) are written into
/// a capture here: they are counted per MAC pair in the summary, not reported one by one.
#[test]
fn rt_cyclic_frames_are_counted_per_mac_pair() {
    let dir = tempfile::tempdir().unwrap();
    let mut pcap: Vec<u8> = Vec::new();
    for word in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
        match word {
            0x0004_0002 => {
                pcap.extend_from_slice(&2u16.to_le_bytes());
                pcap.extend_from_slice(&4u16.to_le_bytes());
            }
            w => pcap.extend_from_slice(&w.to_le_bytes()),
        }
    }
    let device = [0x00, 0x1b, 0x1b, 0x35, 0x84, 0x10];
    let controller = [0x00, 0x1b, 0x1b, 0x02, 0x9a, 0xc3];
    for i in 0..3u32 {
        let mut frame = Vec::new();
        frame.extend_from_slice(&controller);
        frame.extend_from_slice(&device);
        frame.extend_from_slice(&[0x88, 0x92, 0x80, 0x00]);
        frame.extend_from_slice(&[0x80; 40]);
        frame.extend_from_slice(&(i as u16 * 32).to_be_bytes());
        frame.extend_from_slice(&[0x35, 0x00]);
        for v in [
            1_700_000_000,
            i * 1000,
            frame.len() as u32,
            frame.len() as u32,
        ] {
            pcap.extend_from_slice(&v.to_le_bytes());
        }
        pcap.extend_from_slice(&frame);
    }
    std::fs::write(dir.path().join("rt.pcap"), &pcap).unwrap();
    let out = otwatch(
        &[
            "analyze",
            "rt.pcap",
            "--no-db",
            "--quiet",
            "--summary-json",
            "s.json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(
        summary["cyclic_streams"]["00:1b:1b:35:84:10 > 00:1b:1b:02:9a:c3"],
        3
    );
    assert_eq!(summary["link_protocols"]["profinet_rt"], 3);
}
