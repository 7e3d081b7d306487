//! SSH 2.0 as an administrator's OpenSSH client opens it to a host: identification
//! strings, both KEXINIT messages, a Curve25519 key exchange and NEWKEYS in clear, then
//! chacha20-poly1305 packets whose contents are ciphertext (authentication, the shell, keystrokes and
//! output). A remote session is an event in itself; SSH has no actions here.

use super::Entry;
use crate::dialect::{
    ActionKind, Dialect, DialectContext, DialectError, DialectRng, Message, PollContext, Transport,
};

pub const ENTRY: Entry = Entry {
    name: "ssh",
    description: "SSH 2.0 on 22: banners, key exchange in clear, encrypted session traffic",
    build,
};

pub const SSH_PORT: u16 = 22;

const CLIENT_BANNER: &str = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3";
/// What an embedded device's SSH server (an HMI panel, a gateway) usually runs.
const SERVER_BANNER: &str = "SSH-2.0-dropbear_2022.83";

const MSG_KEXINIT: u8 = 20;
const MSG_NEWKEYS: u8 = 21;
const MSG_KEX_ECDH_INIT: u8 = 30;
const MSG_KEX_ECDH_REPLY: u8 = 31;

/// chacha20-poly1305@openssh.com, the cipher OpenSSH prefers: packets padded to 8 octets,
/// a 16-octet tag after the ciphertext.
const CHACHA_BLOCK: usize = 8;
const POLY1305_TAG: usize = 16;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    Ok(Box::new(SshDialect {
        rng: DialectRng::new(context.seed),
    }))
}

struct SshDialect {
    rng: DialectRng,
}

impl SshDialect {
    fn random(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.rng.next_u32() as u8).collect()
    }

    /// A cleartext binary packet (RFC 4253 section 6): padding brings the packet to a
    /// multiple of 8 octets with at least 4 octets of padding.
    fn clear_packet(&mut self, payload: &[u8]) -> Vec<u8> {
        let unpadded = 4 + 1 + payload.len();
        let mut padding = 8 - unpadded % 8;
        if padding < 4 {
            padding += 8;
        }
        let mut out = ((1 + payload.len() + padding) as u32)
            .to_be_bytes()
            .to_vec();
        out.push(padding as u8);
        out.extend_from_slice(payload);
        out.extend(self.random(padding));
        out
    }

    /// A chacha20-poly1305 packet carrying `plaintext_len` octets of payload: the length
    /// is encrypted too, so the whole packet is ciphertext plus the 16-octet tag, its size
    /// padded to a multiple of 8 as RFC 4253 requires.
    fn encrypted_packet(&mut self, plaintext_len: usize) -> Vec<u8> {
        let unpadded = 4 + 1 + plaintext_len;
        let mut padding = CHACHA_BLOCK - unpadded % CHACHA_BLOCK;
        if padding < 4 {
            padding += CHACHA_BLOCK;
        }
        self.random(unpadded + padding + POLY1305_TAG)
    }

    fn kexinit(&mut self, kex: &str, host_keys: &str, ciphers: &str, macs: &str) -> Vec<u8> {
        let mut payload = vec![MSG_KEXINIT];
        payload.extend(self.random(16));
        for list in [
            kex, host_keys, ciphers, ciphers, macs, macs, "none", "none", "", "",
        ] {
            payload.extend(string(list.as_bytes()));
        }
        payload.push(0); // no guessed key exchange packet follows
        payload.extend(0u32.to_be_bytes());
        self.clear_packet(&payload)
    }
}

/// An SSH `string`: 32-bit length, then the octets.
fn string(data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(data);
    out
}

impl Dialect for SshDialect {
    fn protocol(&self) -> &'static str {
        "ssh"
    }

    fn transport(&self) -> Transport {
        Transport::Tcp { port: SSH_PORT }
    }

    fn session_start(&mut self) -> Vec<Message> {
        let client_kexinit = self.kexinit(
            "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256,ext-info-c",
            "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256",
            "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-ctr",
            "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256",
        );
        let server_kexinit = self.kexinit(
            "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com",
            "ssh-ed25519,rsa-sha2-256",
            "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr",
            "hmac-sha2-256,hmac-sha2-512",
        );
        let mut init = vec![MSG_KEX_ECDH_INIT];
        let client_key = self.random(32);
        init.extend(string(&client_key));
        let init = self.clear_packet(&init);

        let mut host_key = string(b"ssh-ed25519");
        let host_public = self.random(32);
        host_key.extend(string(&host_public));
        let mut signature = string(b"ssh-ed25519");
        let signature_bytes = self.random(64);
        signature.extend(string(&signature_bytes));
        let mut reply = vec![MSG_KEX_ECDH_REPLY];
        reply.extend(string(&host_key));
        let server_key = self.random(32);
        reply.extend(string(&server_key));
        reply.extend(string(&signature));
        let mut reply = self.clear_packet(&reply);
        reply.extend(self.clear_packet(&[MSG_NEWKEYS]));
        let client_newkeys = self.clear_packet(&[MSG_NEWKEYS]);

        let mut out = vec![
            Message::request(format!("{CLIENT_BANNER}\r\n").into_bytes()),
            Message::response(format!("{SERVER_BANNER}\r\n").into_bytes()),
            Message::request(client_kexinit),
            Message::response(server_kexinit),
            Message::request(init),
            Message::response(reply),
            Message::request(client_newkeys),
        ];
        // Service request, public key authentication, channel open, pty and shell requests,
        // each answered; then the login banner and prompt.
        for (client_len, server_len) in [(28, 28), (560, 16), (60, 24), (120, 12), (20, 380)] {
            out.push(Message::request(self.encrypted_packet(client_len)));
            out.push(Message::response(self.encrypted_packet(server_len)));
        }
        out
    }

    fn poll(&mut self, _poll: &PollContext) -> Vec<Message> {
        // A command typed a keystroke at a time, each echoed, then its output.
        let keystrokes = self.rng.range(2, 6);
        let mut out = Vec::new();
        for _ in 0..keystrokes {
            out.push(Message::request(self.encrypted_packet(10)));
            out.push(Message::response(self.encrypted_packet(10)));
        }
        let output = self.rng.range(40, 900) as usize;
        out.push(Message::response(self.encrypted_packet(output)));
        out
    }

    fn action(&mut self, _kind: ActionKind, _poll: &PollContext) -> Option<Vec<Message>> {
        None
    }

    fn session_end(&mut self) -> Vec<Message> {
        // exit, the exit status, EOF and the channel close both ways.
        vec![
            Message::request(self.encrypted_packet(10)),
            Message::response(self.encrypted_packet(30)),
            Message::response(self.encrypted_packet(5)),
            Message::response(self.encrypted_packet(5)),
            Message::request(self.encrypted_packet(5)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    #[test]
    fn session_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("ssh", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "ssh.kex_algorithms");
    }

    /// RFC 4253 section 6: packet_length counts padding_length, payload and padding; the
    /// whole packet is a multiple of 8 octets with 4 to 255 octets of padding. NEWKEYS is
    /// the 1-octet payload 21, so it always takes 10 octets of padding in 16.
    #[test]
    fn newkeys_is_padded_as_the_rfc_requires() {
        let mut dialect = SshDialect {
            rng: DialectRng::new(3),
        };
        let packet = dialect.clear_packet(&[MSG_NEWKEYS]);
        assert_eq!(packet.len(), 16);
        assert_eq!(&packet[..6], &[0, 0, 0, 12, 10, MSG_NEWKEYS]);
    }

    #[test]
    fn encrypted_packets_fill_whole_blocks() {
        let mut dialect = SshDialect {
            rng: DialectRng::new(3),
        };
        for len in [1, 10, 15, 16, 100, 900] {
            let packet = dialect.encrypted_packet(len);
            let sealed = packet.len() - POLY1305_TAG;
            assert_eq!(sealed % CHACHA_BLOCK, 0);
            assert!(sealed >= 4 + 1 + len + 4);
        }
    }

    #[test]
    fn banners_open_the_session() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let start = dialect.session_start();
        assert!(start[0].payload.starts_with(b"SSH-2.0-OpenSSH_"));
        assert!(start[1].payload.starts_with(b"SSH-2.0-dropbear_"));
        assert!(start[1].payload.ends_with(b"\r\n"));
    }
}
