//! IEC 60870-5-104 on one TCP flow: APDUs cut from each direction of the stream, and what
//! they say turned into per-edge function aggregates (each ASDU type with the information
//! object addresses it named), an inventory fact (the common address of the controlled
//! station), notable events (commands with what they ask, interrogations, clock
//! synchronisation, reset process, test commands, negative confirmations, data transfer
//! stopped) and anomalies (bytes that do not frame, malformed ASDUs).
//!
//! One transaction log of our own, `iec104.log`: a row per APDU with its frame format,
//! sequence numbers and, for I-frames, the ASDU header and the addresses it names.

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use otwatch_dissect::iec104::{self, Apdu, Asdu};
use otwatch_inventory::Subject;
use otwatch_model::logs::{LogSpec, Value};

/// `iec104.log`: one row per APDU, in either direction.
pub static IEC104_LOG: LogSpec = LogSpec {
    name: "iec104",
    directional: true,
    columns: &[
        ("apdu_format", "string"),
        ("u_function", "string"),
        ("send_seq", "count"),
        ("recv_seq", "count"),
        ("type_id", "string"),
        ("cause", "string"),
        ("negative", "bool"),
        ("test", "bool"),
        ("originator", "count"),
        ("common_address", "count"),
        ("sequence", "bool"),
        ("num_objects", "count"),
        ("ioas", "vector[count]"),
    ],
};

struct ApduLength;
impl MessageLength for ApduLength {
    const HEADER: usize = 2;
    fn total(header: &[u8]) -> Option<usize> {
        iec104::apdu_len(header)
    }
}

/// Distinct notable commands reported per flow; a master repeating the same command (a
/// periodic interrogation, a retried select) is one event.
const MAX_REPORTED: usize = 32;

#[derive(Debug, Default)]
pub struct Iec104Flow {
    framer: Framer,
    /// Digests of the commands already reported.
    reported: crate::reported::Reported<u64>,
    /// The common address already recorded for the station.
    station_recorded: Option<u16>,
    /// Unframed bytes were reported; not again until an APDU frames.
    lost_sync: bool,
}

impl Iec104Flow {
    pub fn gap(&mut self) {
        self.framer.gap();
    }

    /// A chunk of the stream; `side` 0 for the originator's direction.
    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        // Bytes that start where an APDU should, without its start byte, are dropped by the
        // framer: reported here.
        let unframed =
            !self.framer.holding(side) && data.first().is_some_and(|&b| b != iec104::START);
        // The framer is set aside while its APDUs are handled, so that they need no copy.
        let mut framer = std::mem::take(&mut self.framer);
        framer.feed::<ApduLength>(side, data, iec104::MAX_APDU, |m| {
            self.lost_sync = false;
            self.apdu(m, ctx);
        });
        self.framer = framer;
        if unframed && !self.lost_sync {
            self.lost_sync = true;
            ctx.event(
                "iec104",
                "iec104_malformed".into(),
                "stream bytes without the 0x68 start of an APDU".into(),
            );
        }
    }

    fn apdu(&mut self, bytes: &[u8], ctx: &mut Ctx<'_>) {
        let apdu = match iec104::parse_apdu(bytes) {
            Ok(a) => a,
            Err(e) => {
                ctx.event("iec104", "iec104_malformed".into(), e.to_string());
                return;
            }
        };
        match apdu {
            Apdu::I {
                send_seq,
                recv_seq,
                asdu,
            } => match iec104::parse_asdu(asdu) {
                Ok(a) => {
                    self.asdu(&a, ctx);
                    if ctx.logging() {
                        let mut row = vec![
                            "I".into(),
                            Value::Unset,
                            Value::Count(send_seq.into()),
                            Value::Count(recv_seq.into()),
                        ];
                        row.extend(asdu_columns(&a));
                        ctx.log(&IEC104_LOG, row);
                    }
                }
                Err(e) => {
                    ctx.event("iec104", "iec104_malformed".into(), e.to_string());
                    if ctx.logging() {
                        let mut row = vec![
                            "I".into(),
                            Value::Unset,
                            Value::Count(send_seq.into()),
                            Value::Count(recv_seq.into()),
                        ];
                        row.extend(std::iter::repeat_n(Value::Unset, 9));
                        ctx.log(&IEC104_LOG, row);
                    }
                }
            },
            Apdu::S { recv_seq } => {
                if ctx.logging() {
                    let mut row = vec![
                        "S".into(),
                        Value::Unset,
                        Value::Unset,
                        Value::Count(recv_seq.into()),
                    ];
                    row.extend(std::iter::repeat_n(Value::Unset, 9));
                    ctx.log(&IEC104_LOG, row);
                }
            }
            Apdu::U(function) => {
                if function == Some(iec104::UFunction::StopDtAct) {
                    ctx.event(
                        "iec104",
                        "iec104_stop_data_transfer".into(),
                        "STOPDT act: data transfer stopped on this connection".into(),
                    );
                }
                if ctx.logging() {
                    let mut row = vec![
                        "U".into(),
                        function.map_or(Value::Str("unknown".into()), |f| f.name().into()),
                        Value::Unset,
                        Value::Unset,
                    ];
                    row.extend(std::iter::repeat_n(Value::Unset, 9));
                    ctx.log(&IEC104_LOG, row);
                }
            }
        }
    }

    fn asdu(&mut self, a: &Asdu<'_>, ctx: &mut Ctx<'_>) {
        let type_id = a.type_id;
        // Commands (and system commands) go from the controlling station; monitoring data
        // comes to it. The aggregate's client is the controlling side either way.
        let command = type_id >= 45;
        let activation = matches!(a.cause, 6 | 8);
        let (client, server) = if command {
            (ctx.src, ctx.dst)
        } else {
            (ctx.dst, ctx.src)
        };
        // A command counts once, when activated, not again in its confirmations.
        let counted = !command || activation;
        if counted {
            self.aggregate(a, client, server, ctx);
        }
        self.facts(a, command, activation, ctx);
    }

    fn aggregate(
        &mut self,
        a: &Asdu<'_>,
        client: std::net::IpAddr,
        server: std::net::IpAddr,
        ctx: &mut Ctx<'_>,
    ) {
        let type_id = a.type_id;
        ctx.obs.function(
            client,
            server,
            "iec104",
            u16::from(type_id),
            || iec104::type_label(type_id),
            ctx.ev.ts,
        );
        for (first, last) in ranges(&a.ioas) {
            ctx.obs.function_addresses(
                client,
                server,
                "iec104",
                u16::from(type_id),
                "IOA",
                first,
                last,
            );
        }
    }

    fn facts(&mut self, a: &Asdu<'_>, command: bool, activation: bool, ctx: &mut Ctx<'_>) {
        let type_id = a.type_id;
        // The station answering with its own data names itself by its common address.
        let from_station = ctx.src == ctx.conn.resp.0 && !ctx.from_orig;
        if from_station && a.common_address != 0xffff && self.station_recorded.is_none() {
            self.station_recorded = Some(a.common_address);
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                "iec104_common_address",
                &a.common_address.to_string(),
                "iec104",
                &format!("IEC 104 {} from the station", iec104::type_label(type_id)),
                0.9,
                ctx.ev,
            );
        }
        if command && a.cause == 7 && a.negative {
            let detail = format!(
                "{} negative confirmation, common address {}, IOA {}",
                iec104::type_label(type_id),
                a.common_address,
                a.ioas.first().copied().unwrap_or(0)
            );
            ctx.event("iec104", "iec104_command_rejected".into(), detail);
        }
        if !activation {
            return;
        }
        let Some(kind) = iec104::command_kind(type_id) else {
            return;
        };
        let what = iec104::command_detail(type_id, a.first_element);
        let digest = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (type_id, a.cause, a.common_address, a.ioas.first(), &what).hash(&mut h);
            h.finish()
        };
        if !self.reported.first(digest, MAX_REPORTED) {
            return;
        }
        let mut detail = format!(
            "{} {}, common address {}, IOA {}",
            iec104::type_label(type_id),
            iec104::cause_name(a.cause),
            a.common_address,
            a.ioas.first().copied().unwrap_or(0)
        );
        if let Some(w) = what {
            detail.push_str(": ");
            detail.push_str(&w);
        }
        if a.test {
            detail.push_str(" (test)");
        }
        ctx.event("iec104", kind.into(), detail);
    }
}

/// The ASDU columns of a row: type_id up to ioas.
fn asdu_columns(a: &Asdu<'_>) -> Vec<Value> {
    vec![
        iec104::type_label(a.type_id).into(),
        iec104::cause_name(a.cause).into(),
        Value::Bool(a.negative),
        Value::Bool(a.test),
        Value::Count(a.originator.into()),
        Value::Count(a.common_address.into()),
        Value::Bool(a.sequence),
        Value::Count(a.count.into()),
        Value::Counts(a.ioas.iter().map(|&i| u64::from(i)).collect()),
    ]
}

/// Addresses as runs of consecutive values.
fn ranges(ioas: &[u32]) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &i in ioas {
        let i = u64::from(i);
        match out.last_mut() {
            Some((_, last)) if *last + 1 == i => *last = i,
            _ => out.push((i, i)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;

    /// zeek-iec104-georgemakrakis testing/Traces/first/iec104.pcap, frame 20: C_SC_NA_1
    /// activation (IOA 2, ON, execute); frame 21: its confirmation, termination and the
    /// spontaneous M_SP_NA_1 that follows, three APDUs in one segment.
    const COMMAND: &[u8] = &[
        0x68, 0x0e, 0x04, 0x00, 0x42, 0x00, 0x2d, 0x01, 0x06, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x00,
        0x01,
    ];
    const ANSWERS: &[u8] = &[
        0x68, 0x0e, 0x42, 0x00, 0x06, 0x00, 0x2d, 0x01, 0x07, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x00,
        0x01, 0x68, 0x0e, 0x44, 0x00, 0x06, 0x00, 0x2d, 0x01, 0x0a, 0x00, 0x0a, 0x00, 0x02, 0x00,
        0x00, 0x01, 0x68, 0x0e, 0x46, 0x00, 0x06, 0x00, 0x01, 0x01, 0x03, 0x00, 0x0a, 0x00, 0x02,
        0x00, 0x00, 0x01,
    ];

    #[test]
    fn command_is_reported_once_and_every_apdu_logged() {
        let mut t = TestFlow::new(("10.20.102.1", 46413), ("10.20.100.108", 2404));
        let mut flow = Iec104Flow::default();
        flow.chunk(0, &COMMAND[..7], &mut t.ctx(true, 20, 1));
        flow.chunk(0, &COMMAND[7..], &mut t.ctx(true, 20, 1));
        flow.chunk(1, ANSWERS, &mut t.ctx(false, 21, 2));
        flow.chunk(0, COMMAND, &mut t.ctx(true, 22, 3));
        assert_eq!(t.events.len(), 1, "{:?}", t.events);
        assert_eq!(t.events[0].kind, "iec104_single_command");
        assert!(t.events[0].detail.contains("IOA 2: ON execute"));
        assert_eq!(t.rows.len(), 5);
        assert_eq!(t.rows[1].values[5], Value::Str("actcon".into()));
        assert_eq!(t.rows[3].values[4], Value::Str("M_SP_NA_1".into()));
        assert_eq!(t.rows[3].values[12], Value::Counts(vec![2]));
    }

    #[test]
    fn ioa_runs() {
        assert_eq!(ranges(&[1, 2, 3, 7, 8, 20]), vec![(1, 3), (7, 8), (20, 20)]);
    }
}
