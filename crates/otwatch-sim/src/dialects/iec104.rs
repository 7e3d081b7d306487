//! IEC 60870-5-104 on TCP 2404 as a SCADA front end speaks it to a substation RTU: STARTDT
//! and a station interrogation when the connection comes up, then spontaneous measured
//! values with time tags from the station, S-frame acknowledgements from the controlling
//! station and TESTFR keep-alives; an operator command is a single command with select
//! before execute, and a restart is the reset process command.
//!
//! IEC 104 carries no identity of the device (no vendor, model or firmware), so the
//! conversation reveals nothing but the common address.

use super::Entry;
use crate::dialect::{
    process_value, ActionKind, Dialect, DialectContext, DialectError, DialectRng, Message,
    PollContext, Transport,
};

pub const ENTRY: Entry = Entry {
    name: "iec104",
    description: "IEC 60870-5-104 on 2404: STARTDT, station interrogation, spontaneous time-tagged measurands, S-frame acknowledgements, TESTFR, single command select/execute, reset process",
    build,
};

pub const IEC104_TCP_PORT: u16 = 2404;

const START: u8 = 0x68;
const U_STARTDT_ACT: u8 = 0x07;
const U_STARTDT_CON: u8 = 0x0b;
const U_TESTFR_ACT: u8 = 0x43;
const U_TESTFR_CON: u8 = 0x83;

/// Type identifications.
const M_SP_NA_1: u8 = 1;
const M_ME_NC_1: u8 = 13;
const M_SP_TB_1: u8 = 30;
const M_ME_TF_1: u8 = 36;
const C_SC_NA_1: u8 = 45;
const C_IC_NA_1: u8 = 100;
const C_RP_NA_1: u8 = 105;

/// Causes of transmission.
const COT_SPONTANEOUS: u8 = 3;
const COT_ACTIVATION: u8 = 6;
const COT_ACTIVATION_CON: u8 = 7;
const COT_ACTIVATION_TERM: u8 = 10;
const COT_INTERROGATED_BY_STATION: u8 = 20;

/// Qualifier of interrogation: the whole station.
const QOI_STATION: u8 = 20;
/// Qualifier of reset process: general reset.
const QRP_GENERAL_RESET: u8 = 1;
/// Single command qualifier bits: select (rather than execute), and the state ON.
const SCO_SELECT: u8 = 0x80;
const SCO_ON: u8 = 0x01;

/// Information object addresses of the simulated station: breaker and alarm positions,
/// measurands (feeder currents, bus voltages, active power, transformer temperature) with
/// their ranges, and the breaker the operator switches.
const SINGLE_POINT_BASE: u32 = 1001;
const SINGLE_POINTS: u32 = 8;
const MEASURANDS: &[(u32, f64, f64)] = &[
    (2001, 180.0, 420.0),
    (2002, 175.0, 410.0),
    (2003, 10.6, 11.4),
    (2004, 10.6, 11.4),
    (2005, 2.0, 7.5),
    (2006, 35.0, 78.0),
];
const COMMANDED_BREAKER: u32 = 3001;

/// k and w of the standard: the controlling station acknowledges at the latest after
/// this many I-frames.
const ACKNOWLEDGE_EVERY: u16 = 8;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    let common_address = match context.server.param_int("iec104_common_address") {
        None => 1,
        // 0 is unused and 65535 is the global (broadcast) address.
        Some(a) if (1..0xffff).contains(&a) => a as u16,
        Some(a) => {
            return Err(DialectError::Device {
                device: context.server.name.clone(),
                message: format!("iec104_common_address {a} is outside 1..=65534"),
            })
        }
    };
    let mut rng = DialectRng::new(context.seed);
    Ok(Box::new(Iec104Dialect {
        common_address,
        client_sent: 0,
        server_sent: 0,
        server_unacknowledged: 0,
        originator: (rng.next_u32() % 3) as u8,
        seed: context.seed,
    }))
}

/// A U-frame (STARTDT, STOPDT, TESTFR).
pub fn u_frame(function: u8) -> Vec<u8> {
    vec![START, 4, function, 0, 0, 0]
}

/// An S-frame acknowledging every I-frame up to `receive_sequence`.
pub fn s_frame(receive_sequence: u16) -> Vec<u8> {
    let r = (receive_sequence << 1).to_le_bytes();
    vec![START, 4, 0x01, 0x00, r[0], r[1]]
}

/// An I-frame carrying `asdu`, numbered with 15-bit send and receive sequences.
pub fn i_frame(send_sequence: u16, receive_sequence: u16, asdu: &[u8]) -> Vec<u8> {
    assert!(
        asdu.len() <= 249,
        "an APDU carries at most 249 bytes of ASDU"
    );
    let mut out = vec![START, (4 + asdu.len()) as u8];
    out.extend_from_slice(&(send_sequence << 1).to_le_bytes());
    out.extend_from_slice(&(receive_sequence << 1).to_le_bytes());
    out.extend_from_slice(asdu);
    out
}

/// The data unit identifier: type, variable structure qualifier, two-byte cause of
/// transmission (cause and originator) and two-byte common address.
pub fn asdu_header(
    type_id: u8,
    count: u8,
    sequence: bool,
    cause: u8,
    originator: u8,
    common_address: u16,
) -> Vec<u8> {
    let mut out = vec![
        type_id,
        count | if sequence { 0x80 } else { 0 },
        cause,
        originator,
    ];
    out.extend_from_slice(&common_address.to_le_bytes());
    out
}

fn ioa(address: u32) -> [u8; 3] {
    let b = address.to_le_bytes();
    [b[0], b[1], b[2]]
}

/// CP56Time2a: milliseconds within the minute, minute, hour, day of month with day of
/// week, month, year of the century; UTC, so the summer-time bit stays clear.
pub fn cp56time(micros: i64) -> [u8; 7] {
    let millis_total = micros.div_euclid(1000);
    let days = millis_total.div_euclid(86_400_000);
    let in_day = millis_total.rem_euclid(86_400_000);
    let ms_in_minute = (in_day % 60_000) as u16;
    let minute = ((in_day / 60_000) % 60) as u8;
    let hour = (in_day / 3_600_000) as u8;
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday; IEC numbers Monday as 1.
    let weekday = ((days + 3).rem_euclid(7) + 1) as u8;
    let ms = ms_in_minute.to_le_bytes();
    [
        ms[0],
        ms[1],
        minute,
        hour,
        day | (weekday << 5),
        month,
        (year.rem_euclid(100)) as u8,
    ]
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's method).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Quality descriptor of a good, current value.
const QUALITY_GOOD: u8 = 0x00;

struct Iec104Dialect {
    common_address: u16,
    /// I-frames the controlling station has sent (its V(S)).
    client_sent: u16,
    /// I-frames the station has sent (its V(S)), which the client's V(R) follows.
    server_sent: u16,
    server_unacknowledged: u16,
    originator: u8,
    seed: u64,
}

impl Iec104Dialect {
    fn header(&self, type_id: u8, count: u8, sequence: bool, cause: u8) -> Vec<u8> {
        asdu_header(
            type_id,
            count,
            sequence,
            cause,
            self.originator,
            self.common_address,
        )
    }

    fn client_sends(&mut self, asdu: &[u8]) -> Message {
        let frame = i_frame(self.client_sent, self.server_sent, asdu);
        self.client_sent = (self.client_sent + 1) & 0x7fff;
        // An I-frame acknowledges everything received so far.
        self.server_unacknowledged = 0;
        Message::request(frame)
    }

    fn station_sends(&mut self, asdu: &[u8], out: &mut Vec<Message>) {
        let frame = i_frame(self.server_sent, self.client_sent, asdu);
        self.server_sent = (self.server_sent + 1) & 0x7fff;
        self.server_unacknowledged += 1;
        out.push(Message::response(frame));
        if self.server_unacknowledged >= ACKNOWLEDGE_EVERY {
            out.push(self.acknowledge());
        }
    }

    fn acknowledge(&mut self) -> Message {
        self.server_unacknowledged = 0;
        Message::request(s_frame(self.server_sent))
    }

    /// The controlling station's S-frame once the station has gone quiet.
    fn acknowledge_pending(&mut self, out: &mut Vec<Message>) {
        if self.server_unacknowledged > 0 {
            out.push(self.acknowledge());
        }
    }

    fn measurand(&self, index: usize, now_micros: i64) -> f32 {
        let (_, low, high) = MEASURANDS[index];
        process_value(self.seed, index as u32, now_micros, low, high) as f32
    }

    fn breaker_closed(&self, point: u32, now_micros: i64) -> bool {
        process_value(self.seed, 100 + point, now_micros, 0.0, 1.0) > 0.2
    }

    /// A command's activation, confirmation and (for commands that run) termination.
    fn command(
        &mut self,
        type_id: u8,
        address: u32,
        element: u8,
        terminate: bool,
        out: &mut Vec<Message>,
    ) {
        let mut asdu = self.header(type_id, 1, false, COT_ACTIVATION);
        asdu.extend_from_slice(&ioa(address));
        asdu.push(element);
        out.push(self.client_sends(&asdu));
        asdu[2] = COT_ACTIVATION_CON;
        self.station_sends(&asdu, out);
        if terminate {
            asdu[2] = COT_ACTIVATION_TERM;
            self.station_sends(&asdu, out);
        }
    }
}

impl Dialect for Iec104Dialect {
    fn protocol(&self) -> &'static str {
        "iec104"
    }

    fn transport(&self) -> Transport {
        Transport::Tcp {
            port: IEC104_TCP_PORT,
        }
    }

    fn session_start(&mut self) -> Vec<Message> {
        let mut out = vec![
            Message::request(u_frame(U_STARTDT_ACT)),
            Message::response(u_frame(U_STARTDT_CON)),
        ];
        let mut interrogation = self.header(C_IC_NA_1, 1, false, COT_ACTIVATION);
        interrogation.extend_from_slice(&ioa(0));
        interrogation.push(QOI_STATION);
        out.push(self.client_sends(&interrogation));
        interrogation[2] = COT_ACTIVATION_CON;
        self.station_sends(&interrogation, &mut out);

        // The station's single points as one sequence of consecutive addresses.
        let mut points = self.header(
            M_SP_NA_1,
            SINGLE_POINTS as u8,
            true,
            COT_INTERROGATED_BY_STATION,
        );
        points.extend_from_slice(&ioa(SINGLE_POINT_BASE));
        for p in 0..SINGLE_POINTS {
            points.push(u8::from(self.breaker_closed(p, 0)));
        }
        self.station_sends(&points, &mut out);

        let mut measured = self.header(
            M_ME_NC_1,
            MEASURANDS.len() as u8,
            false,
            COT_INTERROGATED_BY_STATION,
        );
        for (i, (address, _, _)) in MEASURANDS.iter().enumerate() {
            measured.extend_from_slice(&ioa(*address));
            measured.extend_from_slice(&self.measurand(i, 0).to_le_bytes());
            measured.push(QUALITY_GOOD);
        }
        self.station_sends(&measured, &mut out);

        interrogation[2] = COT_ACTIVATION_TERM;
        self.station_sends(&interrogation, &mut out);
        self.acknowledge_pending(&mut out);
        out
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let mut out = Vec::new();
        let now = poll.now_micros;
        // Measurands that moved past their deadband since the last report.
        let changed: Vec<usize> = (0..MEASURANDS.len())
            .filter(|i| (poll.cycle + *i as u64).is_multiple_of(2))
            .collect();
        for chunk in changed.chunks(3) {
            let mut asdu = self.header(M_ME_TF_1, chunk.len() as u8, false, COT_SPONTANEOUS);
            for &i in chunk {
                asdu.extend_from_slice(&ioa(MEASURANDS[i].0));
                asdu.extend_from_slice(&self.measurand(i, now).to_le_bytes());
                asdu.push(QUALITY_GOOD);
                asdu.extend_from_slice(&cp56time(now - 20_000 * i as i64));
            }
            self.station_sends(&asdu, &mut out);
        }
        if poll.cycle % 5 == 2 {
            let point = (poll.cycle / 5 % u64::from(SINGLE_POINTS)) as u32;
            let mut asdu = self.header(M_SP_TB_1, 1, false, COT_SPONTANEOUS);
            asdu.extend_from_slice(&ioa(SINGLE_POINT_BASE + point));
            asdu.push(u8::from(self.breaker_closed(point, now)));
            asdu.extend_from_slice(&cp56time(now - 35_000));
            self.station_sends(&asdu, &mut out);
        }
        self.acknowledge_pending(&mut out);
        if poll.cycle % 4 == 1 {
            // An idle-timer keep-alive (t3 of the standard).
            out.push(Message::request(u_frame(U_TESTFR_ACT)));
            out.push(Message::response(u_frame(U_TESTFR_CON)));
        }
        out
    }

    fn action(&mut self, kind: ActionKind, _poll: &PollContext) -> Option<Vec<Message>> {
        let mut out = Vec::new();
        match kind {
            ActionKind::Write => {
                self.command(
                    C_SC_NA_1,
                    COMMANDED_BREAKER,
                    SCO_SELECT | SCO_ON,
                    false,
                    &mut out,
                );
                self.command(C_SC_NA_1, COMMANDED_BREAKER, SCO_ON, true, &mut out);
            }
            ActionKind::Restart => {
                self.command(C_RP_NA_1, 0, QRP_GENERAL_RESET, false, &mut out);
            }
            ActionKind::ProgramDownload
            | ActionKind::ProgramUpload
            | ActionKind::PlcStop
            | ActionKind::PlcStart
            | ActionKind::FirmwareUpdate => return None,
        }
        self.acknowledge_pending(&mut out);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing::{self, hex};

    #[test]
    fn every_action_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("iec104", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "iec60870_asdu");
    }

    /// TestDissectIec104.pcap frames 109 and 124: a station interrogation and a single
    /// command select, common address 37133.
    #[test]
    fn frames_match_captured_ones() {
        let mut interrogation = asdu_header(C_IC_NA_1, 1, false, COT_ACTIVATION, 0, 0x910d);
        interrogation.extend_from_slice(&ioa(0));
        interrogation.push(QOI_STATION);
        assert_eq!(
            i_frame(0, 1, &interrogation),
            hex("680e00000200640106000d9100000014")
        );
        let mut select = asdu_header(C_SC_NA_1, 1, false, COT_ACTIVATION, 1, 0x910d);
        select.extend_from_slice(&ioa(10010));
        select.push(SCO_SELECT | SCO_ON);
        assert_eq!(
            i_frame(2, 7, &select),
            hex("680e04000e002d0106010d911a270081")
        );
    }

    #[test]
    fn time_tags_are_calendar_dates() {
        // 2026-03-02 08:15:42.123 UTC, a Monday.
        let micros = 1_772_439_342_123_000;
        assert_eq!(cp56time(micros), [0x8b, 0xa4, 15, 8, 2 | (1 << 5), 3, 26]);
    }

    #[test]
    fn sequence_numbers_advance_and_frames_are_acknowledged() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let start = dialect.session_start();
        // STARTDT pair, GI act, con, two data ASDUs, act term, then the S-frame.
        assert_eq!(start.len(), 8);
        assert_eq!(start.last().unwrap().payload, s_frame(4));
        let poll = dialect.poll(&PollContext {
            now_micros: 1_772_439_342_123_000,
            cycle: 0,
        });
        let first = &poll[0].payload;
        assert_eq!(first[6], M_ME_TF_1);
        assert_eq!(u16::from_le_bytes([first[2], first[3]]) >> 1, 4);
        assert_eq!(u16::from_le_bytes([first[4], first[5]]) >> 1, 1);
        assert_eq!(u16::from_le_bytes([first[10], first[11]]), 1);
    }

    #[test]
    fn the_station_reveals_no_identity() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        assert!(dialect.identify().is_empty());
        assert!(dialect.reveals().is_empty());
    }
}
