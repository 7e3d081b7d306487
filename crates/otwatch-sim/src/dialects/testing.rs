//! Helpers for testing dialects: render a conversation with every step a dialect supports
//! into a capture, and check it with tshark.

use crate::dialect::{self, ActionKind, DeviceSpec, DialectContext, PollContext};
use crate::link::{Link, LinkEnd};
use crate::pcap::pcap_to_vec;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

pub const CLIENT_MAC: [u8; 6] = [0x00, 0x1c, 0x06, 0x11, 0x22, 0x33];
pub const SERVER_MAC: [u8; 6] = [0x00, 0x80, 0xf4, 0x0a, 0x3c, 0x11];

/// A fully described server device; protocol parameters for every registered protocol.
pub fn sample_server() -> DeviceSpec {
    let mut params = BTreeMap::new();
    for (key, value) in [
        ("cip_vendor_id", 1),
        ("cip_device_type", 14),
        ("cip_product_code", 55),
        ("bacnet_instance", 1001),
        ("bacnet_vendor_id", 5),
        ("dnp3_address", 10),
        ("iec104_common_address", 1),
        ("profinet_vendor_id", 0x002a),
        ("profinet_device_id", 0x0101),
    ] {
        params.insert(key.to_string(), dialect::ParamValue::Integer(value));
    }
    DeviceSpec {
        name: "plc-1".into(),
        ip: Ipv4Addr::new(10, 10, 1, 10),
        mac: SERVER_MAC,
        vendor: Some("Schneider Electric".into()),
        model: Some("BMX P34 2020".into()),
        order_number: Some("BMXP342020".into()),
        firmware: Some("V3.10".into()),
        hardware: Some("PV 03".into()),
        serial: Some("20190412-0042".into()),
        hostname: Some("PLC-LINE1".into()),
        params,
    }
}

pub fn sample_client() -> DeviceSpec {
    DeviceSpec::bare("hmi-1", Ipv4Addr::new(10, 10, 1, 20), CLIENT_MAC)
}

/// A context with the sample client; the client spec is leaked so the context can borrow
/// it for the test's lifetime.
pub fn context(server: &DeviceSpec) -> DialectContext<'_> {
    let client: &'static DeviceSpec = Box::leak(Box::new(sample_client()));
    DialectContext {
        client,
        server,
        seed: 42,
    }
}

/// A capture of one conversation of `protocol`: session start, identification, three polls,
/// every action the dialect supports, session end. Panics if the dialect cannot be built.
pub fn render_all(protocol: &str, server: &DeviceSpec) -> Vec<u8> {
    let client = sample_client();
    let context = DialectContext {
        client: &client,
        server,
        seed: 42,
    };
    let mut dialect = dialect::build(protocol, &context).expect("dialect builds");
    let mut link = Link::new(
        dialect.transport(),
        LinkEnd::new(client.mac, client.ip),
        LinkEnd::new(server.mac, server.ip),
        49_152,
        Ipv4Addr::new(10, 10, 1, 255),
        7,
    );
    let mut t = 1_772_438_400_000_000i64;
    let mut frames = Vec::new();
    let step = |frames: &mut Vec<_>, (new, end): (Vec<_>, i64)| {
        frames.extend(new);
        end
    };
    t = step(&mut frames, link.open(t));
    let start = dialect.session_start();
    t = step(&mut frames, link.deliver(t + 500, &start));
    let identify = dialect.identify();
    t = step(&mut frames, link.deliver(t + 500, &identify));
    for cycle in 0..3 {
        t += 100_000;
        let messages = dialect.poll(&PollContext {
            now_micros: t,
            cycle,
        });
        t = step(&mut frames, link.deliver(t, &messages));
    }
    for kind in ActionKind::ALL {
        t += 100_000;
        let poll = PollContext {
            now_micros: t,
            cycle: 3,
        };
        if let Some(messages) = dialect.action(kind, &poll) {
            t = step(&mut frames, link.deliver(t, &messages));
        }
    }
    let end = dialect.session_end();
    t = step(&mut frames, link.deliver(t + 1000, &end));
    step(&mut frames, link.close(t + 1000));
    frames.sort_by_key(|f| f.ts_micros);
    pcap_to_vec(frames.iter().map(|f| (f.ts_micros, f.frame.as_slice()))).expect("pcap in memory")
}

/// Writes `capture` to a temporary file and asserts tshark finds no malformed frame and
/// dissects at least one frame as `filter`.
pub fn assert_tshark_clean(capture: &[u8], filter: &str) {
    let dir = std::env::temp_dir().join(format!("otwatch-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{}.pcap",
        filter.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    ));
    std::fs::write(&path, capture).unwrap();
    let report = crate::tshark::check(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        report.problems.is_empty(),
        "tshark found problems in {}:\n{}",
        path.display(),
        report.problems.join("\n")
    );
    let matching = crate::tshark::count_matching(&path, filter).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matching > 0,
        "tshark dissected no frame as {filter} in {}",
        path.display()
    );
}

/// Bytes from hex text (`"0300001602f080"`), for layouts copied from a corpus frame.
pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digits"))
        .collect()
}
