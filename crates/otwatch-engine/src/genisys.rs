//! GENISYS on one TCP flow: messages cut from each direction at their terminator, each
//! written to ICSNPP's `genisys.log`; station addresses into the inventory; control
//! messages (control data, common control data, execute controls) as events, since they
//! move points in the field; CRC errors and unframeable bytes as anomalies.

use crate::app::Ctx;
use otwatch_dissect::genisys::{self, Direction, Framed, Message};
use otwatch_inventory::Subject;
use otwatch_model::logs::{LogSpec, Value};

/// ICSNPP's `genisys.log`: one row per message.
pub static GENISYS_LOG: LogSpec = LogSpec {
    name: "genisys",
    directional: false,
    columns: &[
        ("proto", "enum"),
        ("header", "string"),
        ("server", "count"),
        ("direction", "string"),
        ("crc_transmitted", "string"),
        ("crc_calculated", "string"),
        ("payload", "vector[string]"),
    ],
};

/// Bytes held per direction for a message split across TCP segments: one whole message.
const MAX_CARRY: usize = genisys::MAX_BODY + 2;

#[derive(Debug, Default)]
pub struct GenisysFlow {
    carry: [Vec<u8>; 2],
    /// The direction's bytes stopped framing; reported once until a message is found again.
    lost_sync: [bool; 2],
    /// Station addresses already stated for the responder, so facts come once per flow.
    stations_seen: Vec<u8>,
    crc_error_reported: bool,
}

/// Station addresses remembered per flow (a line has at most a few dozen stations).
const MAX_STATIONS: usize = 64;

impl GenisysFlow {
    /// Bytes are missing from the stream: a held partial message cannot be completed.
    pub fn gap(&mut self) {
        for side in 0..2 {
            self.carry[side].clear();
            self.lost_sync[side] = false;
        }
    }

    /// A chunk of the TCP stream; `side` 0 for the originator's direction.
    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        if self.carry[side].is_empty() {
            let used = self.messages(side, data, ctx);
            self.hold(side, &data[used..]);
            return;
        }
        let mut buf = std::mem::take(&mut self.carry[side]);
        let held = buf.len();
        let take = data.len().min(MAX_CARRY);
        buf.extend_from_slice(&data[..take]);
        let used = self.messages(side, &buf, ctx);
        if used >= held {
            let rest = &data[used - held..];
            let used_rest = self.messages(side, rest, ctx);
            self.hold(side, &rest[used_rest..]);
        } else {
            // The held message is still incomplete, so `take` was all of `data`.
            let rest = buf.split_off(used);
            self.hold(side, &rest);
        }
    }

    fn hold(&mut self, side: usize, rest: &[u8]) {
        self.carry[side].clear();
        if rest.len() <= MAX_CARRY {
            self.carry[side].extend_from_slice(rest);
        }
    }

    /// Handles the whole messages at the start of `buf`; returns the bytes used (or
    /// skipped as unframeable).
    fn messages(&mut self, side: usize, buf: &[u8], ctx: &mut Ctx<'_>) -> usize {
        let mut at = 0;
        while at < buf.len() {
            match genisys::frame(&buf[at..]) {
                Framed::Message(m, used) => {
                    self.lost_sync[side] = false;
                    at += used;
                    self.message(&m, ctx);
                }
                Framed::NeedMore => break,
                Framed::Invalid(why, skip) => {
                    if !self.lost_sync[side] {
                        self.lost_sync[side] = true;
                        ctx.event(
                            "genisys",
                            "genisys_malformed".into(),
                            format!("bytes do not make a GENISYS message ({why}); skipped"),
                        );
                    }
                    at += skip;
                }
            }
        }
        at
    }

    fn message(&mut self, m: &Message, ctx: &mut Ctx<'_>) {
        let direction = Direction::of(m.header);
        let name = genisys::header_name(m.header);
        if ctx.logging() {
            // ICSNPP leaves both CRC columns empty when the sent CRC is absent or zero.
            let (sent, calculated) = match m.crc.filter(|&c| c > 0) {
                Some(c) => (
                    Value::Str(format!("0x{c:02x}")),
                    Value::Str(format!("0x{:02x}", m.crc_zero_init)),
                ),
                None => (Value::Unset, Value::Unset),
            };
            let payload = if m.pairs.is_empty() {
                Value::Unset
            } else {
                Value::Strs(m.pairs.iter().map(|(a, d)| format!("{a}={d}")).collect())
            };
            ctx.log(
                &GENISYS_LOG,
                vec![
                    "tcp".into(),
                    name.into(),
                    m.server.into(),
                    direction.name().into(),
                    sent,
                    calculated,
                    payload,
                ],
            );
        }
        if !m.crc_ok() && !self.crc_error_reported {
            self.crc_error_reported = true;
            ctx.event(
                "genisys",
                "genisys_crc_error".into(),
                format!(
                    "{name} for station {}: CRC sent 0x{:04x}, computed 0x{:04x} (further CRC \
                     errors on this flow are not reported)",
                    m.server,
                    m.crc.unwrap_or_default(),
                    m.crc_station
                ),
            );
        }
        match direction {
            Direction::Request => {
                ctx.obs.function(
                    ctx.src,
                    ctx.dst,
                    "genisys",
                    u16::from(m.header),
                    || name.to_uppercase().replace(' ', "_"),
                    ctx.ev.ts,
                );
                if matches!(
                    m.header,
                    genisys::CONTROL_DATA
                        | genisys::COMMON_CONTROL_DATA
                        | genisys::EXECUTE_CONTROLS
                ) {
                    let points = m
                        .pairs
                        .iter()
                        .take(16)
                        .map(|(a, d)| format!("{a}={d}"))
                        .collect::<Vec<_>>()
                        .join(",");
                    let kind = if m.header == genisys::EXECUTE_CONTROLS {
                        "genisys_execute_controls"
                    } else {
                        "genisys_control_data"
                    };
                    let detail = if points.is_empty() {
                        format!("{name} to station {}", m.server)
                    } else {
                        format!("{name} to station {}: {points}", m.server)
                    };
                    ctx.event("genisys", kind.into(), detail);
                }
            }
            Direction::Response => {
                if !self.stations_seen.contains(&m.server)
                    && self.stations_seen.len() < MAX_STATIONS
                {
                    self.stations_seen.push(m.server);
                    ctx.obs.attribute(
                        Subject::Ip(ctx.src),
                        "genisys_station_address",
                        &m.server.to_string(),
                        "genisys",
                        &format!("GENISYS {name} from station {}", m.server),
                        1.0,
                        ctx.ev,
                    );
                }
            }
            Direction::Unknown => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;

    // icsnpp-genisys/tests/traces/genisys.pcap, frames 4 (Poll), 6 (Acknowledge Client)
    // and 276 (Indication Data).
    const POLL: [u8; 5] = [0xfb, 0x01, 0x83, 0x40, 0xf6];
    const ACK: [u8; 3] = [0xf1, 0x01, 0xf6];
    const INDICATION: [u8; 13] = [
        0xf2, 0x01, 0x12, 0x04, 0x28, 0x04, 0x2a, 0x04, 0x2d, 0x06, 0x3f, 0xe8, 0xf6,
    ];

    #[test]
    fn rows_facts_and_split_messages() {
        let mut t = TestFlow::new(("172.27.0.3", 53022), ("172.27.0.2", 10001));
        let mut flow = GenisysFlow::default();
        flow.chunk(0, &POLL[..2], &mut t.ctx(true, 4, 1));
        flow.chunk(0, &POLL[2..], &mut t.ctx(true, 4, 1));
        flow.chunk(1, &ACK, &mut t.ctx(false, 6, 2));
        flow.chunk(1, &INDICATION, &mut t.ctx(false, 276, 3));
        let rows: Vec<&[Value]> = t.rows.iter().map(|r| r.values.as_slice()).collect();
        let s = |v: &str| Value::from(v);
        assert_eq!(
            rows,
            vec![
                &[
                    s("tcp"),
                    s("Poll"),
                    Value::Count(1),
                    s("request"),
                    s("0x4083"),
                    s("0xf082"),
                    Value::Unset
                ][..],
                &[
                    s("tcp"),
                    s("Acknowledge Client"),
                    Value::Count(1),
                    s("response"),
                    Value::Unset,
                    Value::Unset,
                    Value::Unset
                ][..],
                &[
                    s("tcp"),
                    s("Indication Data"),
                    Value::Count(1),
                    s("response"),
                    s("0xe83f"),
                    s("0xef4f"),
                    Value::Strs(vec![
                        "18=4".into(),
                        "40=4".into(),
                        "42=4".into(),
                        "45=6".into()
                    ])
                ][..],
            ]
        );
        assert!(t.events.is_empty(), "{:?}", t.events);
        let station = t
            .obs
            .attributes
            .values()
            .find(|a| a.name == "genisys_station_address")
            .expect("station address");
        assert_eq!(station.value, "1");
    }

    #[test]
    fn control_is_an_event_and_garbage_an_anomaly() {
        let mut t = TestFlow::new(("172.27.0.3", 53022), ("172.27.0.2", 10001));
        let mut flow = GenisysFlow::default();
        // Execute Controls to station 1 with a CRC that does not match.
        flow.chunk(
            0,
            &[0x00, 0xfe, 0x01, 0x00, 0x00, 0xf6],
            &mut t.ctx(true, 1, 1),
        );
        let kinds: Vec<&str> = t.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            vec![
                "genisys_malformed",
                "genisys_crc_error",
                "genisys_execute_controls"
            ]
        );
    }
}
