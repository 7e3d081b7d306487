//! NTP (version 4) as a host's time client asks the plant's time server: one client-mode
//! request and the server-mode answer per poll, with timestamps taken from the capture
//! clock so that offset and delay come out as a few hundred microseconds.

use super::Entry;
use crate::dialect::{
    ActionKind, Dialect, DialectContext, DialectError, DialectRng, Message, PollContext, Transport,
};

pub const ENTRY: Entry = Entry {
    name: "ntp",
    description: "NTP v4 on 123: client requests and a stratum-1 server's answers",
    build,
};

pub const NTP_PORT: u16 = 123;

/// Seconds between the NTP era (1900-01-01) and the Unix epoch.
const NTP_UNIX_OFFSET: i64 = 2_208_988_800;
/// log2 of the poll interval the client announces: 64 s.
const POLL_EXPONENT: u8 = 6;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    let mut rng = DialectRng::new(context.seed);
    Ok(Box::new(NtpDialect {
        // A client clock off by up to ±20 ms: enough that the answer corrects something.
        client_offset_micros: rng.range(-20_000, 20_000),
        rng,
    }))
}

struct NtpDialect {
    client_offset_micros: i64,
    rng: DialectRng,
}

/// A 64-bit NTP timestamp: seconds since 1900 and a binary fraction.
fn timestamp(unix_micros: i64) -> [u8; 8] {
    let seconds = unix_micros.div_euclid(1_000_000) + NTP_UNIX_OFFSET;
    let micros = unix_micros.rem_euclid(1_000_000) as u64;
    let fraction = (micros << 32) / 1_000_000;
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&(seconds as u32).to_be_bytes());
    out[4..].copy_from_slice(&(fraction as u32).to_be_bytes());
    out
}

/// The 48-octet header: leap indicator 0, version 4, `mode`, and the fields after it.
#[allow(clippy::too_many_arguments)]
fn packet(
    mode: u8,
    stratum: u8,
    precision: i8,
    root_delay: u32,
    root_dispersion: u32,
    reference_id: [u8; 4],
    stamps: [Option<i64>; 4],
) -> Vec<u8> {
    let mut out = vec![(4 << 3) | mode, stratum, POLL_EXPONENT, precision as u8];
    out.extend(root_delay.to_be_bytes());
    out.extend(root_dispersion.to_be_bytes());
    out.extend(reference_id);
    for stamp in stamps {
        out.extend(stamp.map_or([0; 8], timestamp));
    }
    out
}

impl Dialect for NtpDialect {
    fn protocol(&self) -> &'static str {
        "ntp"
    }

    fn transport(&self) -> Transport {
        Transport::Udp {
            port: NTP_PORT,
            client_port: Some(NTP_PORT),
        }
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let sent = poll.now_micros + self.client_offset_micros;
        let request = packet(3, 0, -20, 0, 0, [0; 4], [None, None, None, Some(sent)]);
        // The server's clock is the capture's; it answers after a few hundred microseconds.
        let received = poll.now_micros + self.rng.range(150, 400);
        let transmitted = received + self.rng.range(20, 80);
        let reference = poll.now_micros - self.rng.range(1_000_000, 16_000_000);
        let response = packet(
            4,
            1,
            -23,
            0,
            0x0000_0010,
            *b"GPS\0",
            [
                Some(reference),
                Some(sent),
                Some(received),
                Some(transmitted),
            ],
        );
        // The client corrects its clock by about half of what it was off.
        self.client_offset_micros /= 2;
        vec![Message::request(request), Message::response(response)]
    }

    fn action(&mut self, _kind: ActionKind, _poll: &PollContext) -> Option<Vec<Message>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    #[test]
    fn polls_render_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("ntp", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "ntp.flags.mode == 4");
    }

    /// RFC 5905 figure 8: 1 January 1970 is 2208988800 s after the NTP era began; half a
    /// second is fraction 0x80000000.
    #[test]
    fn timestamps_follow_the_rfc() {
        assert_eq!(timestamp(500_000), [0x83, 0xaa, 0x7e, 0x80, 0x80, 0, 0, 0]);
    }

    #[test]
    fn the_answer_echoes_the_request_time() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let messages = dialect.poll(&PollContext {
            now_micros: 1_772_438_400_000_000,
            cycle: 0,
        });
        let (request, response) = (&messages[0].payload, &messages[1].payload);
        assert_eq!(request.len(), 48);
        assert_eq!(request[0], 0x23, "version 4, client mode");
        assert_eq!(response[0], 0x24, "version 4, server mode");
        assert_eq!(
            &response[24..32],
            &request[40..48],
            "origin = client transmit"
        );
    }
}
