//! Remote Desktop as the Windows client opens it to a host: the X.224 connection request
//! with the `mstshash` user cookie and a negotiation request, the server's confirm
//! selecting TLS, a TLS 1.2 handshake, then encrypted application data (input from the
//! client, screen updates from the server) every cycle.
//!
//! Everything after the handshake is ciphertext, so its bytes are random of realistic
//! sizes; only the cleartext negotiation and the TLS framing are protocol content. An RDP
//! session is an event in itself (a remote session into a controller's level); it has no
//! actions.

use super::Entry;
use crate::dialect::{
    ActionKind, Dialect, DialectContext, DialectError, DialectRng, Message, PollContext, Transport,
};

pub const ENTRY: Entry = Entry {
    name: "rdp",
    description: "RDP on 3389: X.224 connection request with mstshash cookie, TLS selected, TLS 1.2 handshake, encrypted session traffic",
    build,
};

pub const RDP_PORT: u16 = 3389;

/// RDP_NEG_REQ requestedProtocols: TLS and CredSSP, what current clients offer.
const REQUESTED_TLS_AND_CREDSSP: u32 = 0x0000_0003;
const SELECTED_TLS: u32 = 0x0000_0001;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    // The cookie carries the first characters of the user name the client logs on with.
    let user = format!("op{}", context.client.station_name().to_ascii_lowercase())
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(9)
        .collect();
    Ok(Box::new(RdpDialect {
        user,
        rng: DialectRng::new(context.seed),
    }))
}

struct RdpDialect {
    user: String,
    rng: DialectRng,
}

impl RdpDialect {
    fn random(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.rng.next_u32() as u8).collect()
    }

    fn connection_request(&self) -> Vec<u8> {
        let mut user_data = format!("Cookie: mstshash={}\r\n", self.user).into_bytes();
        user_data.extend(negotiation(0x01, 0x00, REQUESTED_TLS_AND_CREDSSP));
        tpkt(&x224(0xe0, &user_data))
    }

    fn connection_confirm(&self) -> Vec<u8> {
        // Flags: extended client data supported, as Windows servers answer.
        tpkt(&x224(0xd0, &negotiation(0x02, 0x01, SELECTED_TLS)))
    }

    fn client_hello(&mut self) -> Vec<u8> {
        let mut body = vec![0x03, 0x03];
        body.extend(self.random(32));
        body.push(0); // no session to resume
        let suites: [u16; 8] = [
            0xc030, 0xc02f, 0xc028, 0xc027, 0x009d, 0x009c, 0x003d, 0x003c,
        ];
        body.extend(((suites.len() * 2) as u16).to_be_bytes());
        for s in suites {
            body.extend(s.to_be_bytes());
        }
        body.extend([0x01, 0x00]); // null compression only
        let mut extensions = Vec::new();
        extensions.extend(extension(0x000a, &[0x00, 0x04, 0x00, 0x17, 0x00, 0x18]));
        extensions.extend(extension(0x000b, &[0x01, 0x00]));
        extensions.extend(extension(
            0x000d,
            &[
                0x00, 0x0c, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x08, 0x04, 0x08, 0x05, 0x02, 0x01,
            ],
        ));
        extensions.extend(extension(0x0017, &[]));
        extensions.extend(extension(0xff01, &[0x00]));
        body.extend((extensions.len() as u16).to_be_bytes());
        body.extend(extensions);
        record(0x16, 0x0301, &handshake(0x01, &body))
    }

    fn server_flight(&mut self) -> Vec<u8> {
        let mut hello = vec![0x03, 0x03];
        hello.extend(self.random(32));
        hello.push(32);
        hello.extend(self.random(32));
        hello.extend(0xc030u16.to_be_bytes());
        hello.push(0);
        let mut extensions = Vec::new();
        extensions.extend(extension(0xff01, &[0x00]));
        extensions.extend(extension(0x0017, &[]));
        extensions.extend(extension(0x000b, &[0x01, 0x00]));
        hello.extend((extensions.len() as u16).to_be_bytes());
        hello.extend(extensions);
        // ECDHE on secp256r1: the server's point, signed with RSA-PKCS1-SHA256.
        let mut key_exchange = vec![0x03, 0x00, 0x17, 65, 0x04];
        key_exchange.extend(self.random(64));
        key_exchange.extend([0x04, 0x01, 0x01, 0x00]);
        key_exchange.extend(self.random(256));
        let mut flight = handshake(0x02, &hello);
        flight.extend(handshake(0x0c, &key_exchange));
        flight.extend(handshake(0x0e, &[]));
        record(0x16, 0x0303, &flight)
    }

    fn client_finish(&mut self) -> Vec<u8> {
        let mut point = vec![65, 0x04];
        point.extend(self.random(64));
        let mut out = record(0x16, 0x0303, &handshake(0x10, &point));
        out.extend(record(0x14, 0x0303, &[0x01]));
        out.extend(self.encrypted_finished());
        out
    }

    fn server_finish(&mut self) -> Vec<u8> {
        let mut out = record(0x14, 0x0303, &[0x01]);
        out.extend(self.encrypted_finished());
        out
    }

    /// AES-GCM Finished: 8-octet explicit nonce, 16 octets of ciphertext, 16-octet tag.
    fn encrypted_finished(&mut self) -> Vec<u8> {
        let body = self.random(40);
        record(0x16, 0x0303, &body)
    }

    fn application_data(&mut self, plaintext_len: usize) -> Vec<u8> {
        let body = self.random(plaintext_len + 24);
        record(0x17, 0x0303, &body)
    }
}

impl Dialect for RdpDialect {
    fn protocol(&self) -> &'static str {
        "rdp"
    }

    fn transport(&self) -> Transport {
        Transport::Tcp { port: RDP_PORT }
    }

    fn session_start(&mut self) -> Vec<Message> {
        let mut out = vec![
            Message::request(self.connection_request()),
            Message::response(self.connection_confirm()),
            Message::request(self.client_hello()),
            Message::response(self.server_flight()),
            Message::request(self.client_finish()),
            Message::response(self.server_finish()),
        ];
        // MCS connect, licensing and capability exchange: a burst of records both ways.
        for (client_len, server_len) in [(420, 320), (60, 40), (40, 1_100), (380, 60)] {
            out.push(Message::request(self.application_data(client_len)));
            out.push(Message::response(self.application_data(server_len)));
        }
        out
    }

    fn poll(&mut self, _poll: &PollContext) -> Vec<Message> {
        let mut out = Vec::new();
        let inputs = self.rng.range(1, 3);
        for _ in 0..inputs {
            let len = self.rng.range(12, 48) as usize;
            out.push(Message::request(self.application_data(len)));
        }
        let updates = self.rng.range(1, 4);
        for _ in 0..updates {
            let len = self.rng.range(200, 2_800) as usize;
            out.push(Message::response(self.application_data(len)));
        }
        out
    }

    fn action(&mut self, _kind: ActionKind, _poll: &PollContext) -> Option<Vec<Message>> {
        None
    }

    fn session_end(&mut self) -> Vec<Message> {
        // The client's disconnect request and then its encrypted close_notify alert.
        let mut out = vec![Message::request(self.application_data(11))];
        let alert = self.random(26);
        out.push(Message::request(record(0x15, 0x0303, &alert)));
        out
    }
}

fn tpkt(payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0x03, 0x00];
    out.extend(((payload.len() + 4) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// An X.224 connection request (0xe0) or confirm (0xd0), class 0, with user data.
fn x224(code: u8, user_data: &[u8]) -> Vec<u8> {
    let mut out = vec![(6 + user_data.len()) as u8, code, 0x00, 0x00];
    // Source reference: mstsc uses 0 in the request; the server echoes a fixed value.
    out.extend(if code == 0xd0 {
        [0x12, 0x34]
    } else {
        [0x00, 0x00]
    });
    out.push(0x00);
    out.extend_from_slice(user_data);
    out
}

/// RDP_NEG_REQ (type 1) or RDP_NEG_RSP (type 2): type, flags, length 8, protocols.
fn negotiation(kind: u8, flags: u8, protocols: u32) -> Vec<u8> {
    let mut out = vec![kind, flags, 0x08, 0x00];
    out.extend(protocols.to_le_bytes());
    out
}

fn record(content_type: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type];
    out.extend(version.to_be_bytes());
    out.extend((body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

fn extension(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_be_bytes().to_vec();
    out.extend((data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    #[test]
    fn session_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("rdp", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "rdp");
    }

    /// tshark hands port 3389 to TPKT and shows the TLS that follows the negotiation as
    /// "TPKT continuation", as it does for real sessions; decoded as TLS, the handshake and
    /// records must be well formed.
    #[test]
    fn tls_after_the_negotiation_is_well_formed() {
        let capture = testing::render_all("rdp", &testing::sample_server());
        let path =
            std::env::temp_dir().join(format!("otwatch-sim-rdp-tls-{}.pcap", std::process::id()));
        std::fs::write(&path, &capture).unwrap();
        let fields = |filter: &str| -> Vec<String> {
            let output = std::process::Command::new("tshark")
                .args(["-n", "-d", "tcp.port==3389,tls", "-r"])
                .arg(&path)
                .args(["-Y", filter, "-T", "fields", "-e", "frame.number"])
                .output()
                .expect("tshark runs");
            assert!(output.status.success(), "tshark rejected {filter:?}");
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .map(str::to_string)
                .collect()
        };
        // The X.224 negotiation frames (4 and 5) are not TLS and are the only ones allowed
        // to look odd when forced through the TLS dissector.
        let broken: Vec<String> =
            fields("(_ws.malformed || _ws.expert.severity >= \"error\") && frame.number > 5");
        let hellos = fields("tls.handshake.type == 1 || tls.handshake.type == 2");
        let records = fields("tls.record.content_type == 23");
        std::fs::remove_file(&path).ok();
        assert!(broken.is_empty(), "malformed TLS in frames {broken:?}");
        assert_eq!(hellos.len(), 2, "ClientHello and ServerHello");
        assert!(records.len() > 10, "application data: {records:?}");
    }

    /// The connection request layout of MS-RDPBCGR 2.2.1.1, with the user name of its
    /// example in 4.1.1: TPKT (length 44), X.224 CR (length indicator 39, class 0), the
    /// cookie line, RDP_NEG_REQ asking for TLS and CredSSP.
    #[test]
    fn connection_request_follows_the_specification() {
        let dialect = RdpDialect {
            user: "eltons".into(),
            rng: DialectRng::new(1),
        };
        let mut expected = vec![
            0x03, 0x00, 0x00, 0x2c, 0x27, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        expected.extend_from_slice(b"Cookie: mstshash=eltons\r\n");
        expected.extend_from_slice(&[0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00]);
        assert_eq!(dialect.connection_request(), expected);
    }

    #[test]
    fn server_selects_tls() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let start = dialect.session_start();
        let confirm = &start[1].payload;
        assert_eq!(&confirm[5..6], &[0xd0]);
        assert_eq!(
            &confirm[11..],
            &[0x02, 0x01, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00]
        );
        assert_eq!(&start[2].payload[..1], &[0x16], "a TLS handshake follows");
    }
}
