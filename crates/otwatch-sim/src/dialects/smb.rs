//! SMB 2/3 as a Windows client speaks it to a file server on 445: NEGOTIATE (3.0.2 chosen),
//! SESSION_SETUP with NTLM inside SPNEGO, TREE_CONNECT to a share, then a file opened once
//! and read a block at a time every cycle (a SCADA server picking up a recipe or report
//! export). Messages are unsigned: signing is enabled but required by neither side, the
//! default for member servers and workstations.
//!
//! The NTLM exchange names both machines (the server's NetBIOS name in the CHALLENGE, the
//! client's workstation in the AUTHENTICATE) as a standalone Windows host does: its own
//! name serves as its domain.

use super::Entry;
use crate::dialect::{
    process_value, ActionKind, Dialect, DialectContext, DialectError, DialectRng, Message,
    PollContext, Transport,
};

pub const ENTRY: Entry = Entry {
    name: "smb",
    description: "SMB 3.0.2 on 445: negotiate, NTLM session setup, tree connect, file reads",
    build,
};

pub const SMB_PORT: u16 = 445;

const NEGOTIATE: u16 = 0;
const SESSION_SETUP: u16 = 1;
const LOGOFF: u16 = 2;
const TREE_CONNECT: u16 = 3;
const TREE_DISCONNECT: u16 = 4;
const CREATE: u16 = 5;
const CLOSE: u16 = 6;
const READ: u16 = 8;

const STATUS_SUCCESS: u32 = 0;
const STATUS_MORE_PROCESSING_REQUIRED: u32 = 0xc000_0016;

const SMB2_HEADER_LEN: u16 = 64;
const DIALECTS: [u16; 4] = [0x0202, 0x0210, 0x0300, 0x0302];
const CHOSEN_DIALECT: u16 = 0x0302;
const SIGNING_ENABLED: u16 = 0x0001;

const SHARE: &str = "exchange";
const FILE: &str = "recipes\\line1_recipes.csv";
const READ_BLOCK: u32 = 4_096;
const FILE_SIZE: u64 = 1_048_576;
const USER: &str = "scada";

/// NTLM flags of a current Windows client: Unicode, NTLM, sign and seal, extended session
/// security, target info, version, 128-bit and 56-bit keys, key exchange.
const NTLM_FLAGS: u32 = 0xe288_8215;

const OID_SPNEGO: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
const OID_NTLMSSP: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    let mut rng = DialectRng::new(context.seed);
    let netbios = |name: &str| -> String {
        name.split('.')
            .next()
            .unwrap_or(name)
            .to_ascii_uppercase()
            .chars()
            .take(15)
            .collect()
    };
    Ok(Box::new(SmbDialect {
        server_name: netbios(context.server.station_name()),
        client_name: netbios(context.client.station_name()),
        message_id: 0,
        session_id: 0x0000_1000_0000_0000 | u64::from(rng.next_u32()),
        tree_id: 0,
        file_id: None,
        offset: 0,
        seed: context.seed,
        rng,
    }))
}

struct SmbDialect {
    server_name: String,
    client_name: String,
    message_id: u64,
    session_id: u64,
    tree_id: u32,
    file_id: Option<[u8; 16]>,
    offset: u64,
    seed: u64,
    rng: DialectRng,
}

impl SmbDialect {
    fn random(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.rng.next_u32() as u8).collect()
    }

    /// One request and its response. `session` says whether the session id is known to
    /// the client yet (it learns it from the first SESSION_SETUP response).
    fn exchange(
        &mut self,
        command: u16,
        request: &[u8],
        status: u32,
        response: &[u8],
        session_known: bool,
    ) -> Vec<Message> {
        let id = self.message_id;
        self.message_id += 1;
        let credits_wanted = if command == NEGOTIATE { 0 } else { 31 };
        let request_session = if session_known { self.session_id } else { 0 };
        let response_session = if command == NEGOTIATE {
            0
        } else {
            self.session_id
        };
        let tree = match command {
            NEGOTIATE | SESSION_SETUP | TREE_CONNECT | LOGOFF => 0,
            _ => self.tree_id,
        };
        let response_tree = if command == TREE_CONNECT {
            self.tree_id
        } else {
            tree
        };
        let mut q = header(command, 0, false, credits_wanted, id, tree, request_session);
        q.extend_from_slice(request);
        let mut r = header(
            command,
            status,
            true,
            1.max(credits_wanted),
            id,
            response_tree,
            response_session,
        );
        r.extend_from_slice(response);
        vec![
            Message::request(netbios_session(&q)),
            Message::response(netbios_session(&r)),
        ]
    }

    fn negotiate(&mut self) -> Vec<Message> {
        let mut q = Vec::new();
        q.extend(36u16.to_le_bytes());
        q.extend((DIALECTS.len() as u16).to_le_bytes());
        q.extend(SIGNING_ENABLED.to_le_bytes());
        q.extend(0u16.to_le_bytes());
        q.extend(0x0000_007fu32.to_le_bytes()); // DFS, leasing, large MTU, multichannel, ...
        q.extend(self.random(16)); // client GUID
        q.extend(0u64.to_le_bytes()); // client start time: 0 before SMB 3.1.1
        for d in DIALECTS {
            q.extend(d.to_le_bytes());
        }
        let hint = spnego_init(&[]);
        let mut r = Vec::new();
        r.extend(65u16.to_le_bytes());
        r.extend(SIGNING_ENABLED.to_le_bytes());
        r.extend(CHOSEN_DIALECT.to_le_bytes());
        r.extend(0u16.to_le_bytes());
        r.extend(self.random(16)); // server GUID
        r.extend(0x0000_002fu32.to_le_bytes());
        for max in [8_388_608u32; 3] {
            r.extend(max.to_le_bytes());
        }
        // No clock before the first poll: system time "not given", and a server start
        // time of 0 as Windows servers send it.
        r.extend(0u64.to_le_bytes());
        r.extend(0u64.to_le_bytes());
        r.extend((SMB2_HEADER_LEN + 64).to_le_bytes());
        r.extend((hint.len() as u16).to_le_bytes());
        r.extend(0u32.to_le_bytes());
        r.extend(hint);
        self.exchange(NEGOTIATE, &q, STATUS_SUCCESS, &r, false)
    }

    fn session_setup(
        &mut self,
        token: &[u8],
        status: u32,
        answer: &[u8],
        session_known: bool,
    ) -> Vec<Message> {
        let mut q = Vec::new();
        q.extend(25u16.to_le_bytes());
        q.push(0); // flags
        q.push(SIGNING_ENABLED as u8);
        q.extend(0x0000_0001u32.to_le_bytes()); // DFS
        q.extend(0u32.to_le_bytes()); // channel
        q.extend((SMB2_HEADER_LEN + 24).to_le_bytes());
        q.extend((token.len() as u16).to_le_bytes());
        q.extend(0u64.to_le_bytes()); // previous session
        q.extend_from_slice(token);
        let mut r = Vec::new();
        r.extend(9u16.to_le_bytes());
        r.extend(0u16.to_le_bytes()); // session flags
        r.extend((SMB2_HEADER_LEN + 8).to_le_bytes());
        r.extend((answer.len() as u16).to_le_bytes());
        r.extend_from_slice(answer);
        self.exchange(SESSION_SETUP, &q, status, &r, session_known)
    }

    fn ntlm_negotiate(&self) -> Vec<u8> {
        let mut m = b"NTLMSSP\0".to_vec();
        m.extend(1u32.to_le_bytes());
        m.extend(NTLM_FLAGS.to_le_bytes());
        m.extend([0u8; 16]); // no domain or workstation supplied
        m.extend(WINDOWS_VERSION);
        m
    }

    fn target_info(&self, timestamp: u64) -> Vec<u8> {
        let name = utf16(&self.server_name);
        let mut info = Vec::new();
        for id in [2u16, 1, 4, 3] {
            info.extend(id.to_le_bytes());
            info.extend((name.len() as u16).to_le_bytes());
            info.extend_from_slice(&name);
        }
        info.extend(7u16.to_le_bytes());
        info.extend(8u16.to_le_bytes());
        info.extend(timestamp.to_le_bytes());
        info.extend([0, 0, 0, 0]); // MsvAvEOL
        info
    }

    fn ntlm_challenge(&mut self) -> Vec<u8> {
        let target = utf16(&self.server_name);
        let info = self.target_info(0);
        let mut m = b"NTLMSSP\0".to_vec();
        m.extend(2u32.to_le_bytes());
        m.extend(fields(target.len(), 56));
        m.extend(NTLM_FLAGS.to_le_bytes());
        m.extend(self.random(8)); // server challenge
        m.extend([0u8; 8]);
        m.extend(fields(info.len(), 56 + target.len()));
        m.extend(WINDOWS_VERSION);
        m.extend(target);
        m.extend(info);
        m
    }

    fn ntlm_authenticate(&mut self) -> Vec<u8> {
        let domain = utf16(&self.server_name);
        let user = utf16(USER);
        let workstation = utf16(&self.client_name);
        // NTLMv2 response: the proof, then the client's blob (version 1, reserved, time,
        // client challenge, reserved, the server's target information, reserved).
        let mut nt = self.random(16);
        nt.extend([0x01, 0x01, 0, 0, 0, 0, 0, 0]);
        nt.extend(0u64.to_le_bytes());
        nt.extend(self.random(8));
        nt.extend([0u8; 4]);
        nt.extend(self.target_info(0));
        nt.extend([0u8; 4]);
        let lm = [0u8; 24];
        let session_key = self.random(16);
        let header_len = 88;
        let mut at = header_len;
        let mut m = b"NTLMSSP\0".to_vec();
        m.extend(3u32.to_le_bytes());
        let mut payload = Vec::new();
        for part in [&lm[..], &nt, &domain, &user, &workstation, &session_key] {
            m.extend(fields(part.len(), at));
            at += part.len();
            payload.extend_from_slice(part);
        }
        m.extend(NTLM_FLAGS.to_le_bytes());
        m.extend(WINDOWS_VERSION);
        m.extend(self.random(16)); // MIC
        m.extend(payload);
        m
    }

    fn tree_connect(&mut self) -> Vec<Message> {
        self.tree_id = 1 + (self.rng.next_u32() % 8);
        let path = utf16(&format!("\\\\{}\\{SHARE}", self.server_name));
        let mut q = Vec::new();
        q.extend(9u16.to_le_bytes());
        q.extend(0u16.to_le_bytes());
        q.extend((SMB2_HEADER_LEN + 8).to_le_bytes());
        q.extend((path.len() as u16).to_le_bytes());
        q.extend(path);
        let mut r = Vec::new();
        r.extend(16u16.to_le_bytes());
        r.push(0x01); // disk share
        r.push(0);
        r.extend(0u32.to_le_bytes());
        r.extend(0u32.to_le_bytes());
        r.extend(0x001f_01ffu32.to_le_bytes()); // full access
        self.exchange(TREE_CONNECT, &q, STATUS_SUCCESS, &r, true)
    }

    fn open(&mut self, now_micros: i64) -> Vec<Message> {
        let name = utf16(FILE);
        let mut q = Vec::new();
        q.extend(57u16.to_le_bytes());
        q.push(0); // security flags
        q.push(0); // no oplock
        q.extend(2u32.to_le_bytes()); // impersonation
        q.extend([0u8; 16]); // create flags, reserved
        q.extend(0x0012_0089u32.to_le_bytes()); // read data, attributes, EA, synchronize
        q.extend(0u32.to_le_bytes());
        q.extend(0x0000_0003u32.to_le_bytes()); // share read and write
        q.extend(1u32.to_le_bytes()); // open existing
        q.extend(0x0000_0040u32.to_le_bytes()); // not a directory
        q.extend((SMB2_HEADER_LEN + 56).to_le_bytes());
        q.extend((name.len() as u16).to_le_bytes());
        q.extend([0u8; 8]); // no create contexts
        q.extend(name);
        let mut file_id = [0u8; 16];
        file_id.copy_from_slice(&self.random(16));
        self.file_id = Some(file_id);
        let written = filetime(now_micros - 3_600_000_000);
        let mut r = Vec::new();
        r.extend(89u16.to_le_bytes());
        r.push(0);
        r.push(0);
        r.extend(1u32.to_le_bytes()); // opened
        for t in [
            written - 86_400 * 10_000_000,
            filetime(now_micros),
            written,
            written,
        ] {
            r.extend(t.to_le_bytes());
        }
        r.extend(FILE_SIZE.to_le_bytes());
        r.extend(FILE_SIZE.to_le_bytes());
        r.extend(0x20u32.to_le_bytes()); // archive
        r.extend(0u32.to_le_bytes());
        r.extend(file_id);
        r.extend([0u8; 8]);
        self.exchange(CREATE, &q, STATUS_SUCCESS, &r, true)
    }

    fn read(&mut self, file_id: [u8; 16], now_micros: i64) -> Vec<Message> {
        if self.offset + u64::from(READ_BLOCK) > FILE_SIZE {
            self.offset = 0;
        }
        let mut q = Vec::new();
        q.extend(49u16.to_le_bytes());
        q.push(0x50); // padding: data goes right after the response's fixed part
        q.push(0);
        q.extend(READ_BLOCK.to_le_bytes());
        q.extend(self.offset.to_le_bytes());
        q.extend(file_id);
        q.extend([0u8; 16]); // minimum count, channel, remaining, no channel info
        q.push(0);
        let data = self.recipe_text(now_micros);
        let mut r = Vec::new();
        r.extend(17u16.to_le_bytes());
        r.push((SMB2_HEADER_LEN + 16) as u8);
        r.push(0);
        r.extend((data.len() as u32).to_le_bytes());
        r.extend([0u8; 8]);
        r.extend(data);
        self.offset += u64::from(READ_BLOCK);
        self.exchange(READ, &q, STATUS_SUCCESS, &r, true)
    }

    /// One block of the file: CSV lines of recipe set points.
    fn recipe_text(&self, now_micros: i64) -> Vec<u8> {
        let mut text = String::new();
        let mut line = (self.offset / 64) as u32;
        while text.len() < READ_BLOCK as usize {
            let temperature = process_value(self.seed, line, now_micros, 60.0, 95.0);
            let time = process_value(self.seed, line + 7, now_micros, 10.0, 90.0);
            text.push_str(&format!(
                "{line:06},BATCH-{:04},{temperature:08.2},{time:07.1},OK\r\n",
                line % 9_999
            ));
            line += 1;
        }
        text.truncate(READ_BLOCK as usize);
        text.into_bytes()
    }
}

impl Dialect for SmbDialect {
    fn protocol(&self) -> &'static str {
        "smb"
    }

    fn transport(&self) -> Transport {
        Transport::Tcp { port: SMB_PORT }
    }

    fn session_start(&mut self) -> Vec<Message> {
        let mut out = self.negotiate();
        let negotiate = spnego_init(&self.ntlm_negotiate());
        let challenge = spnego_response(Some(1), true, &self.ntlm_challenge());
        out.extend(self.session_setup(
            &negotiate,
            STATUS_MORE_PROCESSING_REQUIRED,
            &challenge,
            false,
        ));
        let authenticate = spnego_response(None, false, &self.ntlm_authenticate());
        let accepted = spnego_response(Some(0), false, &[]);
        out.extend(self.session_setup(&authenticate, STATUS_SUCCESS, &accepted, true));
        out.extend(self.tree_connect());
        out
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let mut out = Vec::new();
        let file_id = match self.file_id {
            Some(id) => id,
            None => {
                out.extend(self.open(poll.now_micros));
                self.file_id.expect("set by open")
            }
        };
        out.extend(self.read(file_id, poll.now_micros));
        out
    }

    fn action(&mut self, _kind: ActionKind, _poll: &PollContext) -> Option<Vec<Message>> {
        None
    }

    fn session_end(&mut self) -> Vec<Message> {
        let mut out = Vec::new();
        if let Some(file_id) = self.file_id.take() {
            let mut q = Vec::new();
            q.extend(24u16.to_le_bytes());
            q.extend(0u16.to_le_bytes());
            q.extend(0u32.to_le_bytes());
            q.extend(file_id);
            let mut r = Vec::new();
            r.extend(60u16.to_le_bytes());
            r.extend([0u8; 58]);
            out.extend(self.exchange(CLOSE, &q, STATUS_SUCCESS, &r, true));
        }
        let empty = [4u8, 0, 0, 0];
        out.extend(self.exchange(TREE_DISCONNECT, &empty, STATUS_SUCCESS, &empty, true));
        out.extend(self.exchange(LOGOFF, &empty, STATUS_SUCCESS, &empty, true));
        out
    }
}

/// Windows 10 1809 (10.0.17763), NTLM revision 15.
const WINDOWS_VERSION: [u8; 8] = [0x0a, 0x00, 0x63, 0x45, 0x00, 0x00, 0x00, 0x0f];

/// The 64-octet SMB2 sync header, unsigned.
fn header(
    command: u16,
    status: u32,
    response: bool,
    credits: u16,
    message_id: u64,
    tree_id: u32,
    session_id: u64,
) -> Vec<u8> {
    let mut h = b"\xfeSMB".to_vec();
    h.extend(SMB2_HEADER_LEN.to_le_bytes());
    h.extend(1u16.to_le_bytes()); // credit charge
    h.extend(status.to_le_bytes());
    h.extend(command.to_le_bytes());
    h.extend(credits.to_le_bytes());
    h.extend(u32::from(response).to_le_bytes());
    h.extend(0u32.to_le_bytes()); // no compounded command follows
    h.extend(message_id.to_le_bytes());
    h.extend(0x0000_feffu32.to_le_bytes()); // process id, as Windows fills it
    h.extend(tree_id.to_le_bytes());
    h.extend(session_id.to_le_bytes());
    h.extend([0u8; 16]);
    h
}

/// Direct TCP transport: a zero octet and a 24-bit length.
fn netbios_session(message: &[u8]) -> Vec<u8> {
    let mut out = (message.len() as u32).to_be_bytes().to_vec();
    out[0] = 0;
    out.extend_from_slice(message);
    out
}

/// NTLM's length, maximum length and offset of a payload field.
fn fields(len: usize, offset: usize) -> Vec<u8> {
    let mut out = (len as u16).to_le_bytes().to_vec();
    out.extend((len as u16).to_le_bytes());
    out.extend((offset as u32).to_le_bytes());
    out
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// FILETIME: 100 ns ticks since 1601.
fn filetime(unix_micros: i64) -> u64 {
    (unix_micros * 10 + 116_444_736_000_000_000) as u64
}

fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    crate::ber::tlv(&[tag], contents)
}

/// GSS-API initial token with an SPNEGO NegTokenInit offering NTLMSSP, carrying `token`
/// when there is one (the server's hint in NEGOTIATE carries none).
fn spnego_init(token: &[u8]) -> Vec<u8> {
    let mech_types = der(0xa0, &der(0x30, &der(0x06, OID_NTLMSSP)));
    let mut init = mech_types;
    if !token.is_empty() {
        init.extend(der(0xa2, &der(0x04, token)));
    }
    let mut body = der(0x06, OID_SPNEGO);
    body.extend(der(0xa0, &der(0x30, &init)));
    der(0x60, &body)
}

/// An SPNEGO NegTokenResp: negotiation state (0 accepted, 1 incomplete), the mechanism
/// when the server first answers, and the NTLM message.
fn spnego_fields(state: Option<u8>, with_mech: bool, token: &[u8]) -> Vec<u8> {
    let mut fields = Vec::new();
    if let Some(s) = state {
        fields.extend(der(0xa0, &der(0x0a, &[s])));
    }
    if with_mech {
        fields.extend(der(0xa1, &der(0x06, OID_NTLMSSP)));
    }
    if !token.is_empty() {
        fields.extend(der(0xa2, &der(0x04, token)));
    }
    fields
}

fn spnego_response(state: Option<u8>, with_mech: bool, token: &[u8]) -> Vec<u8> {
    der(0xa1, &der(0x30, &spnego_fields(state, with_mech, token)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    #[test]
    fn session_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("smb", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "smb2.cmd == 8");
        testing::assert_tshark_clean(&capture, "ntlmssp.auth.hostname");
    }

    /// MS-SMB2 2.2.1.1: the sync header is 64 octets, protocol id 0xFE 'S' 'M' 'B',
    /// structure size 64, the command at offset 12, the flags at 16 (bit 0: response),
    /// the message id at 24 and the session id at 40.
    #[test]
    fn header_layout_follows_the_specification() {
        let h = header(READ, 0, true, 31, 7, 5, 0x1122_3344_5566_7788);
        assert_eq!(h.len(), 64);
        assert_eq!(&h[..6], b"\xfeSMB\x40\x00");
        assert_eq!(&h[12..14], &[8, 0]);
        assert_eq!(&h[16..20], &[1, 0, 0, 0]);
        assert_eq!(&h[24..32], &7u64.to_le_bytes());
        assert_eq!(&h[36..40], &5u32.to_le_bytes());
        assert_eq!(&h[40..48], &0x1122_3344_5566_7788u64.to_le_bytes());
    }

    #[test]
    fn ntlm_names_both_machines() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let start = dialect.session_start();
        let challenge = &start[3].payload;
        let authenticate = &start[4].payload;
        assert!(challenge.windows(18).any(|w| w == utf16("PLC-LINE1")));
        assert!(authenticate.windows(10).any(|w| w == utf16("HMI-1")));
    }
}
