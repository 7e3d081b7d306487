//! SNMP v2c as a network management station speaks it to a device's agent: a Get of the
//! MIB-II system group for identity (sysDescr states vendor, model and firmware in words,
//! sysObjectID the vendor's IANA enterprise number, sysName the host name), then Gets of
//! the first interface's counters each cycle. An administrator changing sysLocation is a
//! SetRequest.

use super::Entry;
use crate::dialect::{
    ActionKind, DeviceSpec, Dialect, DialectContext, DialectError, DialectRng, Message,
    PollContext, Revealed, Transport,
};

pub const ENTRY: Entry = Entry {
    name: "snmp",
    description: "SNMP v2c on 161: system group Get (sysDescr, sysObjectID, sysName), interface counter polling, sysLocation Set",
    build,
};

const SYS_DESCR: &str = "1.3.6.1.2.1.1.1.0";
const SYS_OBJECT_ID: &str = "1.3.6.1.2.1.1.2.0";
const SYS_UP_TIME: &str = "1.3.6.1.2.1.1.3.0";
const SYS_NAME: &str = "1.3.6.1.2.1.1.5.0";
const SYS_LOCATION: &str = "1.3.6.1.2.1.1.6.0";
const IF_OPER_STATUS_1: &str = "1.3.6.1.2.1.2.2.1.8.1";
const IF_IN_OCTETS_1: &str = "1.3.6.1.2.1.2.2.1.10.1";
const IF_OUT_OCTETS_1: &str = "1.3.6.1.2.1.2.2.1.16.1";

const PDU_GET: u8 = 0xa0;
const PDU_RESPONSE: u8 = 0xa2;
const PDU_SET: u8 = 0xa3;

/// IANA private enterprise numbers of vendors common on plant networks, so sysObjectID
/// names the maker when the scenario does not give the number itself.
const ENTERPRISES: &[(&str, u32)] = &[
    ("siemens", 4329),
    ("schneider", 3833),
    ("rockwell", 95),
    ("allen-bradley", 95),
    ("cisco", 9),
    ("hirschmann", 248),
    ("belden", 248),
    ("moxa", 8691),
    ("phoenix contact", 4346),
    ("microsoft", 311),
    ("hewlett", 11),
    ("dell", 674),
];

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    let server = context.server;
    let community = server
        .param_text("snmp_community")
        .unwrap_or("public")
        .to_string();
    let enterprise = match server.param_int("snmp_enterprise") {
        Some(n) => Some(u32::try_from(n).map_err(|_| DialectError::Device {
            device: server.name.clone(),
            message: format!("snmp_enterprise {n} is not an enterprise number"),
        })?),
        None => server.vendor.as_deref().and_then(|v| {
            let v = v.to_ascii_lowercase();
            ENTERPRISES
                .iter()
                .find(|(name, _)| v.contains(name))
                .map(|(_, n)| *n)
        }),
    };
    let mut rng = DialectRng::new(context.seed);
    Ok(Box::new(SnmpDialect {
        server: server.clone(),
        community,
        enterprise,
        request_id: rng.range(1, 0x7fff_0000) as i32,
        seed: context.seed,
        uptime_at_start_micros: rng.range(3_600_000_000, 40 * 86_400_000_000),
        booted_micros: None,
    }))
}

struct SnmpDialect {
    server: DeviceSpec,
    community: String,
    enterprise: Option<u32>,
    request_id: i32,
    seed: u64,
    /// How long the agent has been up when the conversation starts.
    uptime_at_start_micros: i64,
    /// When the agent booted, fixed by the first poll's clock.
    booted_micros: Option<i64>,
}

enum Value {
    Null,
    Integer(i64),
    Text(String),
    Oid(String),
    Counter32(u32),
    TimeTicks(u32),
}

impl SnmpDialect {
    fn sys_descr(&self) -> String {
        let s = &self.server;
        let product: Vec<&str> = [s.vendor.as_deref(), s.model.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let product = if product.is_empty() {
            s.station_name().to_string()
        } else {
            product.join(" ")
        };
        match &s.firmware {
            Some(f) => format!("{product}, firmware {f}"),
            None => product,
        }
    }

    /// sysObjectID: the vendor's subtree, or zeroDotZero when no enterprise is known, which
    /// SMIv2 reserves for "no identifier".
    fn sys_object_id(&self) -> String {
        match self.enterprise {
            Some(n) => format!("1.3.6.1.4.1.{n}.1.1"),
            None => "0.0".into(),
        }
    }

    /// sysUpTime in hundredths of a second. Before the first poll there is no clock: the
    /// agent then reports the uptime it has when the conversation starts.
    fn uptime(&mut self, now_micros: Option<i64>) -> u32 {
        let ticks = match (now_micros, self.booted_micros) {
            (Some(now), Some(booted)) => (now - booted) / 10_000,
            (Some(now), None) => {
                self.booted_micros = Some(now - self.uptime_at_start_micros);
                self.uptime_at_start_micros / 10_000
            }
            (None, _) => self.uptime_at_start_micros / 10_000,
        };
        // TimeTicks wrap after 2^32 hundredths (about 497 days).
        (ticks.rem_euclid(1 << 32)) as u32
    }

    fn exchange(&mut self, kind: u8, names: &[&str], values: &[Value]) -> Vec<Message> {
        self.request_id = self.request_id.wrapping_add(1).max(1);
        let request_values: Vec<Value> = if kind == PDU_SET {
            values.iter().map(Value::clone_shallow).collect()
        } else {
            names.iter().map(|_| Value::Null).collect()
        };
        vec![
            Message::request(message(
                &self.community,
                kind,
                self.request_id,
                names,
                &request_values,
            )),
            Message::response(message(
                &self.community,
                PDU_RESPONSE,
                self.request_id,
                names,
                values,
            )),
        ]
    }
}

impl Value {
    fn clone_shallow(&self) -> Value {
        match self {
            Value::Null => Value::Null,
            Value::Integer(i) => Value::Integer(*i),
            Value::Text(t) => Value::Text(t.clone()),
            Value::Oid(o) => Value::Oid(o.clone()),
            Value::Counter32(c) => Value::Counter32(*c),
            Value::TimeTicks(t) => Value::TimeTicks(*t),
        }
    }
}

impl Dialect for SnmpDialect {
    fn protocol(&self) -> &'static str {
        "snmp"
    }

    fn transport(&self) -> Transport {
        Transport::Udp {
            port: 161,
            client_port: None,
        }
    }

    fn identify(&mut self) -> Vec<Message> {
        let uptime = self.uptime(None);
        let values = [
            Value::Text(self.sys_descr()),
            Value::Oid(self.sys_object_id()),
            Value::TimeTicks(uptime),
            Value::Text(self.server.station_name().to_string()),
        ];
        self.exchange(
            PDU_GET,
            &[SYS_DESCR, SYS_OBJECT_ID, SYS_UP_TIME, SYS_NAME],
            &values,
        )
    }

    fn reveals(&self) -> &'static [Revealed] {
        if self.enterprise.is_some() && self.server.vendor.is_some() {
            &[Revealed::Vendor, Revealed::Name]
        } else {
            &[Revealed::Name]
        }
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let uptime = self.uptime(Some(poll.now_micros));
        // Octet counters grow with a steady cyclic load of a few kB/s, wrapping as
        // Counter32 does.
        let seconds = u64::from(uptime) / 100;
        let inbound = (seconds * 3_100 + self.seed % 10_000) as u32;
        let outbound = (seconds * 5_700 + self.seed % 7_000) as u32;
        let values = [
            Value::TimeTicks(uptime),
            Value::Integer(1),
            Value::Counter32(inbound),
            Value::Counter32(outbound),
        ];
        self.exchange(
            PDU_GET,
            &[
                SYS_UP_TIME,
                IF_OPER_STATUS_1,
                IF_IN_OCTETS_1,
                IF_OUT_OCTETS_1,
            ],
            &values,
        )
    }

    fn action(&mut self, kind: ActionKind, _poll: &PollContext) -> Option<Vec<Message>> {
        if kind != ActionKind::Write {
            return None;
        }
        let location = format!("{} cabinet 2", self.server.station_name());
        Some(self.exchange(PDU_SET, &[SYS_LOCATION], &[Value::Text(location)]))
    }
}

// ------------------------------------------------------------------------- encoding

fn message(
    community: &str,
    kind: u8,
    request_id: i32,
    names: &[&str],
    values: &[Value],
) -> Vec<u8> {
    let mut bindings = Vec::new();
    for (name, value) in names.iter().zip(values) {
        let mut binding = tlv(0x06, &oid(name));
        binding.extend(encode_value(value));
        bindings.extend(tlv(0x30, &binding));
    }
    let mut pdu = tlv(0x02, &integer(i64::from(request_id)));
    pdu.extend(tlv(0x02, &integer(0))); // error-status
    pdu.extend(tlv(0x02, &integer(0))); // error-index
    pdu.extend(tlv(0x30, &bindings));
    let mut body = tlv(0x02, &integer(1)); // version 2c
    body.extend(tlv(0x04, community.as_bytes()));
    body.extend(tlv(kind, &pdu));
    tlv(0x30, &body)
}

fn encode_value(value: &Value) -> Vec<u8> {
    match value {
        Value::Null => tlv(0x05, &[]),
        Value::Integer(i) => tlv(0x02, &integer(*i)),
        Value::Text(t) => tlv(0x04, t.as_bytes()),
        Value::Oid(o) => tlv(0x06, &oid(o)),
        Value::Counter32(c) => tlv(0x41, &integer(i64::from(*c))),
        Value::TimeTicks(t) => tlv(0x43, &integer(i64::from(*t))),
    }
}

/// BER type, definite length (short or long form), contents.
fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    crate::ber::tlv(&[tag], contents)
}

/// Two's-complement, fewest octets. Unsigned application types (Counter32, TimeTicks) go
/// through here too, which adds the leading zero their high bit needs.
fn integer(value: i64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (lead, next) = (bytes[start], bytes[start + 1]);
        if (lead == 0 && next & 0x80 == 0) || (lead == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u32> = dotted
        .split('.')
        .map(|a| a.parse().expect("numeric OID arc"))
        .collect();
    let mut out = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut chunk = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            chunk.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        chunk.reverse();
        out.extend(chunk);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    #[test]
    fn every_action_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("snmp", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "snmp");
    }

    #[test]
    fn system_group_carries_the_scenario_identity() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let response = dialect.identify()[1].payload.clone();
        let text = String::from_utf8_lossy(&response).into_owned();
        assert!(
            text.contains("Schneider Electric BMX P34 2020, firmware V3.10"),
            "{text:?}"
        );
        assert!(text.contains("PLC-LINE1"), "{text:?}");
        // sysObjectID 1.3.6.1.4.1.3833.1.1: Schneider Electric's enterprise number.
        let object_id = [
            0x06, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x9d, 0x79, 0x01, 0x01,
        ];
        assert!(response.windows(object_id.len()).any(|w| w == object_id));
    }

    /// Frame 32 of the ITI IEC 61850 capture `Sample_File_MMS_and_GOOSE.pcap`: a v2c
    /// GetRequest, community "public", request id 0x20ce62, for ifOperStatus.1 to .8.
    #[test]
    fn get_request_matches_a_captured_frame() {
        let names: Vec<String> = (1..=8)
            .map(|i| format!("1.3.6.1.2.1.2.2.1.8.{i}"))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let nulls: Vec<Value> = names.iter().map(|_| Value::Null).collect();
        let encoded = message("public", PDU_GET, 0x20ce62, &names, &nulls);
        let expected = "30819c02010104067075626c6963a0818e020320ce62020100020100308180300e060a2b0601020102020108010500300e060a2b0601020102020108020500300e060a2b0601020102020108030500300e060a2b0601020102020108040500300e060a2b0601020102020108050500300e060a2b0601020102020108060500300e060a2b0601020102020108070500300e060a2b0601020102020108080500";
        let hex: String = encoded.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }
}
