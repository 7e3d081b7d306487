//! BSAP on one UDP flow (BSAP/IP, or serial BSAP frames tunnelled in datagrams): one row
//! per datagram in ICSNPP's `bsap_ip_header.log` or `bsap_serial_header.log`; remote
//! database requests counted per RDB function in the per-edge aggregates; writes of RTU
//! signals as events; the serial node address a request goes to into the inventory.

use crate::app::Ctx;
use otwatch_dissect::bsap::{self, Datagram, IpMessage, SerialMessage};
use otwatch_inventory::Subject;
use otwatch_model::logs::{LogSpec, Value};

/// ICSNPP's `bsap_ip_header.log`: every BSAP/IP datagram.
pub static BSAP_IP_HEADER_LOG: LogSpec = LogSpec {
    name: "bsap_ip_header",
    directional: true,
    columns: &[("num_msg", "count"), ("type_name", "string")],
};

/// ICSNPP's `bsap_serial_header.log`: every tunnelled serial frame.
pub static BSAP_SERIAL_HEADER_LOG: LogSpec = LogSpec {
    name: "bsap_serial_header",
    directional: true,
    columns: &[
        ("ser", "count"),
        ("dadd", "count"),
        ("sadd", "count"),
        ("ctl", "count"),
        ("dfun", "string"),
        ("seq", "count"),
        ("sfun", "string"),
        ("nsb", "count"),
        ("type_name", "string"),
    ],
};

/// Distinct writes reported per flow (RDB function and the bytes naming the signals); a
/// master repeating the same write is one event.
const MAX_REPORTED: usize = 16;
/// Bytes of a write request shown in its event.
const MAX_SHOWN: usize = 48;

#[derive(Debug, Default)]
pub struct BsapFlow {
    malformed_reported: bool,
    reported: Vec<u64>,
    node_stated: bool,
}

/// The per-edge label of an RDB function (`READ_SIGNAL_BY_NAME`).
fn function_label(f: u8) -> String {
    bsap::rdb_function_name(f).map_or_else(|| format!("RDB_FUNCTION_0x{f:02x}"), str::to_string)
}

impl BsapFlow {
    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        match bsap::parse(data) {
            Ok(Datagram::Ip(m)) => self.ip(&m, ctx),
            Ok(Datagram::Serial(m)) => self.serial(&m, ctx),
            Err(e) => {
                if !self.malformed_reported {
                    self.malformed_reported = true;
                    ctx.event(
                        "bsap",
                        "bsap_malformed".into(),
                        format!(
                            "datagram of {} bytes is not BSAP ({e}); further ones on this flow \
                             are not reported",
                            data.len()
                        ),
                    );
                }
            }
        }
    }

    fn ip(&mut self, m: &IpMessage<'_>, ctx: &mut Ctx<'_>) {
        if ctx.logging() {
            ctx.log(
                &BSAP_IP_HEADER_LOG,
                vec![
                    m.num_messages.into(),
                    bsap::ip_message_type_name(m.message_func).into(),
                ],
            );
        }
        if let Some((app, func)) = m.rdb_request() {
            if app == bsap::APP_RDB {
                self.rdb_request(func, m.body, ctx);
            }
        }
    }

    fn serial(&mut self, m: &SerialMessage<'_>, ctx: &mut Ctx<'_>) {
        if ctx.logging() {
            let (dadd, sadd, ctl, kind) = match m.global {
                Some((d, s, c)) => (d.into(), s.into(), c.into(), "Global Message"),
                None => (Value::Unset, Value::Unset, Value::Unset, "Local Message"),
            };
            ctx.log(
                &BSAP_SERIAL_HEADER_LOG,
                vec![
                    m.ser.into(),
                    dadd,
                    sadd,
                    ctl,
                    bsap::app_function_name(m.dfun).into(),
                    m.seq.into(),
                    bsap::app_function_name(m.sfun).into(),
                    m.nsb.into(),
                    kind.into(),
                ],
            );
        }
        if let Some(func) = m.rdb_request() {
            if !self.node_stated && m.global.is_none() {
                // The request's address byte names the RTU it goes to; the IP address is the
                // serial server's, so the fact is held with less than full confidence.
                self.node_stated = true;
                ctx.obs.attribute(
                    Subject::Ip(ctx.dst),
                    "bsap_node_address",
                    &(m.addr & 0x7f).to_string(),
                    "bsap",
                    "BSAP serial remote database request addressed to this local node",
                    0.6,
                    ctx.ev,
                );
            }
            self.rdb_request(func, m.body, ctx);
        }
    }

    fn rdb_request(&mut self, func: u8, body: &[u8], ctx: &mut Ctx<'_>) {
        ctx.obs.function(
            ctx.src,
            ctx.dst,
            "bsap",
            u16::from(func),
            || function_label(func),
            ctx.ev.ts,
        );
        if !bsap::rdb_is_write(func) {
            return;
        }
        let shown = &body[..body.len().min(MAX_SHOWN)];
        let digest = shown
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64 ^ u64::from(func), |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        if self.reported.contains(&digest) {
            return;
        }
        if self.reported.len() < MAX_REPORTED {
            self.reported.push(digest);
        }
        let names: Vec<String> = shown
            .split(|&b| b == 0)
            .filter_map(|part| {
                let at = part.iter().rposition(|&b| b == b'@')?;
                otwatch_dissect::printable(&part[at..])
            })
            .collect();
        let what = if names.is_empty() {
            String::new()
        } else {
            format!(": {}", names.join(", "))
        };
        ctx.event(
            "bsap",
            "bsap_write_signal".into(),
            format!("remote database {}{what}", function_label(func)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;

    // icsnpp-bsap/testing/traces/bsap-serial_example.pcapng, frames 1 and 3.
    const SERIAL_REQUEST: [u8; 27] = [
        0x10, 0x02, 0x01, 0xeb, 0xa0, 0xe3, 0x08, 0x03, 0x00, 0x04, 0x01, 0x40, 0x0f, 0x01, 0x40,
        0x47, 0x56, 0x2e, 0x41, 0x53, 0x33, 0x2e, 0x00, 0x10, 0x03, 0xa9, 0x4d,
    ];
    const SERIAL_RESPONSE: [u8; 19] = [
        0x10, 0x02, 0x00, 0xeb, 0x03, 0xe3, 0x08, 0xa0, 0x00, 0x00, 0x00, 0x01, 0x82, 0xdf, 0x82,
        0xbe, 0x10, 0x03, 0x91,
    ];

    #[test]
    fn serial_rows_functions_and_node() {
        let mut t = TestFlow::new(("192.168.5.35", 1235), ("192.168.5.34", 1235));
        let mut flow = BsapFlow::default();
        flow.datagram(&SERIAL_REQUEST, &mut t.ctx(true, 1, 1));
        flow.datagram(&SERIAL_RESPONSE, &mut t.ctx(false, 3, 2));
        assert_eq!(
            t.rows[0].values,
            vec![
                Value::Count(0xeb),
                Value::Unset,
                Value::Unset,
                Value::Unset,
                Value::from("RDB"),
                Value::Count(2275),
                Value::from("PEI_PC"),
                Value::Count(0),
                Value::from("Local Message"),
            ]
        );
        assert_eq!(t.rows[1].values[4], Value::from("PEI_PC"));
        let f: Vec<_> = t
            .obs
            .functions
            .values()
            .map(|f| f.function.clone())
            .collect();
        assert_eq!(f, vec!["READ_SIGNAL_BY_NAME".to_string()]);
        let node = t
            .obs
            .attributes
            .values()
            .find(|a| a.name == "bsap_node_address")
            .expect("node address");
        assert_eq!(node.value, "1");
        assert_eq!(node.subject, Subject::Ip("192.168.5.34".parse().unwrap()));
        assert!(t.events.is_empty());
    }

    #[test]
    fn writes_are_events_once() {
        let mut t = TestFlow::new(("192.168.5.35", 1235), ("192.168.5.34", 1235));
        let mut flow = BsapFlow::default();
        let mut write = SERIAL_REQUEST;
        write[9] = 0x84;
        flow.datagram(&write, &mut t.ctx(true, 1, 1));
        flow.datagram(&write, &mut t.ctx(true, 2, 2));
        assert_eq!(t.events.len(), 1);
        assert_eq!(t.events[0].kind, "bsap_write_signal");
        assert!(t.events[0]
            .detail
            .contains("WRITE_SIGNAL_BY_NAME: @GV.AS3."));
        flow.datagram(&[0x10], &mut t.ctx(true, 3, 3));
        assert_eq!(t.events[1].kind, "bsap_malformed");
    }
}
