//! IT protocols on a plant network: SNMP datagrams, and the first messages of HTTP, TLS,
//! SSH, RDP, VNC, Telnet, FTP and SMB sessions.
//!
//! They matter to an OT monitor for two reasons: devices name themselves in them (the
//! SNMP system group, a web server's Server header and page title, a certificate's subject,
//! an SSH banner, NTLM host names), and they show remote access into the plant and
//! passwords crossing it in clear. Only the opening of each session is read: a flow stops
//! costing anything after a dozen chunks per direction, or sooner when its protocol has
//! said what it has to say. Credentials are never kept: a community string is reported by
//! its length, a password by its presence.

use crate::app::Ctx;
use otwatch_dissect::identify::AppProtocol;
use otwatch_dissect::{http, sessions, snmp, tls};
use otwatch_inventory::{EvidenceRef, Subject};
use std::net::IpAddr;

/// Chunks per direction looked at before a session is left alone.
const MAX_CHUNKS: u8 = 12;
/// HTTP messages per direction parsed on one flow.
const MAX_HTTP_MESSAGES: u8 = 4;
/// Body bytes searched for a page title.
const MAX_TITLE_BODY: usize = 4 * 1024;
/// Set requests and traps reported per SNMP flow; a poller repeats itself.
const MAX_SNMP_EVENTS: u8 = 8;

// ---------------------------------------------------------------------------------- SNMP

/// What an SNMP flow (one manager–agent pair of ports) has already reported.
#[derive(Debug, Default)]
pub struct SnmpFlow {
    community_reported: bool,
    system_reported: bool,
    v3_reported: bool,
    events: u8,
}

impl SnmpFlow {
    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        let Ok(msg) = snmp::parse(data) else {
            return;
        };
        let pdu_name = msg.pdu.as_ref().map_or("encrypted PDU", |p| p.kind.name());
        if let Some(community) = msg.community {
            if !self.community_reported {
                self.community_reported = true;
                let default = if snmp::is_default_community(community) {
                    ", a factory default"
                } else {
                    ""
                };
                let detail = format!(
                    "SNMP{} {pdu_name} carries a community string in clear ({} characters{default}; not recorded)",
                    msg.version.name(),
                    community.len()
                );
                ctx.event("snmp", "cleartext_credentials".into(), detail);
            }
        }
        if let Some(h) = &msg.v3 {
            self.engine_facts(h, msg.pdu.as_ref().map(|p| p.kind), ctx);
            if !self.v3_reported && !h.authenticated() && !h.user.is_empty() {
                self.v3_reported = true;
                let detail = format!(
                    "SNMPv3 {pdu_name} for user {:?} without authentication (noAuthNoPriv)",
                    h.user
                );
                ctx.event("snmp", "snmp_unauthenticated".into(), detail);
            }
        }
        let Some(pdu) = msg.pdu else { return };
        let room = self.events < MAX_SNMP_EVENTS;
        match pdu.kind {
            snmp::PduType::SetRequest if room => {
                self.events += 1;
                let oids: Vec<&str> = pdu
                    .varbinds
                    .iter()
                    .take(8)
                    .map(|v| v.oid.as_str())
                    .collect();
                let detail = format!(
                    "SNMP{} SetRequest for {} ({} bindings)",
                    msg.version.name(),
                    oids.join(", "),
                    pdu.varbinds.len() + pdu.varbinds_skipped
                );
                ctx.event("snmp", "snmp_set_request".into(), detail);
            }
            snmp::PduType::TrapV1 | snmp::PduType::TrapV2 | snmp::PduType::InformRequest
                if room =>
            {
                self.events += 1;
                let what = match &pdu.trap_v1 {
                    Some(t) => format!(
                        "enterprise {} generic {} specific {}",
                        t.enterprise, t.generic, t.specific
                    ),
                    None => pdu
                        .varbinds
                        .iter()
                        .find(|v| v.oid == snmp::SNMP_TRAP_OID)
                        .and_then(|v| v.value.as_text())
                        .map_or_else(|| "no snmpTrapOID".into(), |o| format!("trap {o}")),
                };
                let detail = format!("SNMP{} {} {what}", msg.version.name(), pdu.kind.name());
                ctx.event("snmp", "snmp_trap".into(), detail);
            }
            _ => {}
        }
        if matches!(
            pdu.kind,
            snmp::PduType::Response
                | snmp::PduType::TrapV1
                | snmp::PduType::TrapV2
                | snmp::PduType::InformRequest
        ) {
            self.system_facts(&pdu, ctx);
        }
    }

    /// The maker named by the authoritative engine's id: the agent answering a request, or
    /// sending a trap (readable even when the PDU is encrypted).
    fn engine_facts(&mut self, h: &snmp::V3Header, kind: Option<snmp::PduType>, ctx: &mut Ctx<'_>) {
        let Some(vendor) = h.engine_enterprise.and_then(snmp::enterprise_name) else {
            return;
        };
        let agent = if h.reportable() && kind != Some(snmp::PduType::TrapV2) {
            ctx.dst
        } else {
            ctx.src
        };
        ctx.obs.attribute(
            Subject::Ip(agent),
            "vendor",
            vendor,
            "snmp",
            "SNMPv3 authoritative snmpEngineID (IANA enterprise number)",
            0.8,
            ctx.ev,
        );
    }

    /// The MIB-II system group answered by an agent (or sent with its traps).
    fn system_facts(&mut self, pdu: &snmp::Pdu, ctx: &mut Ctx<'_>) {
        let mut said = Vec::new();
        for v in &pdu.varbinds {
            let (attribute, label) = match v.oid.as_str() {
                snmp::SYS_DESCR => ("description", "sysDescr"),
                snmp::SYS_OBJECT_ID => ("snmp_sys_object_id", "sysObjectID"),
                snmp::SYS_NAME => ("hostname", "sysName"),
                snmp::SYS_LOCATION => ("location", "sysLocation"),
                _ => continue,
            };
            let Some(value) = v.value.as_text().filter(|t| !t.is_empty()) else {
                continue;
            };
            let message = format!("SNMP {} {label}.0", pdu.kind.name());
            let subject = Subject::Ip(ctx.src);
            if attribute == "hostname" {
                ctx.obs
                    .name(None, Some(ctx.src), value, "snmp", &message, 0.9, ctx.ev);
            } else {
                ctx.obs
                    .attribute(subject, attribute, value, "snmp", &message, 1.0, ctx.ev);
            }
            if attribute == "description" {
                crate::app::described_facts(value, subject, "snmp", &message, ctx.ev, ctx.obs);
            }
            if attribute == "snmp_sys_object_id" {
                if let Some(vendor) = snmp::enterprise_number(value).and_then(snmp::enterprise_name)
                {
                    let message = format!("{message} (IANA enterprise number)");
                    ctx.obs
                        .attribute(subject, "vendor", vendor, "snmp", &message, 0.9, ctx.ev);
                }
            }
            said.push(format!("{label}={value:?}"));
        }
        if !said.is_empty() && !self.system_reported {
            self.system_reported = true;
            ctx.event("snmp", "snmp_system".into(), said.join(" "));
        }
    }
}

// ------------------------------------------------------------------------------ sessions

/// Which session protocols this module reads on a TCP flow: those identified by payload,
/// and Telnet, FTP and SMB on their ports (their first bytes are often plain text, or a
/// NetBIOS session request, that no payload check claims).
pub fn session_protocol(
    service: Option<(AppProtocol, otwatch_dissect::identify::Confidence)>,
    sport: u16,
    dport: u16,
) -> Option<AppProtocol> {
    use otwatch_dissect::identify::Confidence;
    use AppProtocol::*;
    match service {
        Some((p @ (Http | Tls | Ssh | Rdp | Vnc | Telnet | Ftp | Smb), Confidence::Payload)) => {
            Some(p)
        }
        Some((_, Confidence::Payload)) => None,
        _ if sport == 23 || dport == 23 => Some(Telnet),
        _ if sport == 21 || dport == 21 => Some(Ftp),
        _ if [139, 445].contains(&sport) || [139, 445].contains(&dport) => Some(Smb),
        _ => None,
    }
}

/// Once-per-flow reports.
mod said {
    pub const SESSION: u16 = 1;
    pub const REQUEST: u16 = 2;
    pub const RESPONSE: u16 = 4;
    pub const CREDENTIALS: u16 = 8;
    pub const CLIENT_HELLO: u16 = 16;
    pub const SERVER_HELLO: u16 = 32;
    pub const CERTIFICATE: u16 = 64;
    pub const NEGOTIATE: u16 = 128;
    pub const NTLM: u16 = 256;
    pub const SECURITY: u16 = 512;
}

/// A response head waiting for the start of its body, and where it was seen: it may be
/// reported later (at the end of the flow) with another packet in hand.
#[derive(Debug)]
struct PendingResponse {
    response: http::Response,
    head_len: usize,
    server: IpAddr,
    client: IpAddr,
    ev: EvidenceRef,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum HttpState {
    /// Waiting for a request line or status line at the start of a chunk.
    #[default]
    Idle,
    /// Gathering a message head.
    Head,
    /// Gathering the start of a response body for its title.
    Body,
}

/// The opening of one TCP session of an IT protocol.
#[derive(Debug)]
pub struct SessionFlow {
    protocol: AppProtocol,
    /// Per direction (0: from the originator): chunks seen, and whether to read more.
    chunks: [u8; 2],
    done: [bool; 2],
    /// HTTP heads and bodies, TLS handshake records: bounded per direction.
    buf: [Vec<u8>; 2],
    said: u16,
    http: [HttpState; 2],
    http_messages: [u8; 2],
    /// The response whose body is searched for a title.
    pending_response: Option<Box<PendingResponse>>,
    ftp_user: Option<String>,
    /// The RFB version the server announced ("3.3" sends its security type differently).
    rfb_version: Option<String>,
    /// SMB1 dialect names the client offered: the server answers with an index.
    smb_offered: Vec<String>,
}

impl SessionFlow {
    pub fn new(protocol: AppProtocol) -> Self {
        Self {
            protocol,
            chunks: [0; 2],
            done: [false; 2],
            buf: [Vec::new(), Vec::new()],
            said: 0,
            http: [HttpState::Idle; 2],
            http_messages: [0; 2],
            pending_response: None,
            ftp_user: None,
            rfb_version: None,
            smb_offered: Vec::new(),
        }
    }

    pub fn protocol(&self) -> AppProtocol {
        self.protocol
    }

    fn first(&mut self, flag: u16) -> bool {
        let first = self.said & flag == 0;
        self.said |= flag;
        first
    }

    fn stop(&mut self, dir: usize) {
        self.done[dir] = true;
        self.buf[dir] = Vec::new();
    }

    /// A chunk of the reassembled stream; `dir` 0 is from the originator.
    pub fn chunk(&mut self, dir: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        if self.done[dir] || data.is_empty() {
            return;
        }
        self.chunks[dir] = self.chunks[dir].saturating_add(1);
        match self.protocol {
            AppProtocol::Http => self.http_chunk(dir, data, ctx),
            AppProtocol::Tls => self.tls_chunk(dir, data, ctx),
            AppProtocol::Ssh => self.ssh_chunk(dir, data, ctx),
            AppProtocol::Rdp => self.rdp_chunk(dir, data, ctx),
            AppProtocol::Vnc => self.rfb_chunk(dir, data, ctx),
            AppProtocol::Telnet => self.telnet_chunk(ctx),
            AppProtocol::Ftp => self.ftp_chunk(data, ctx),
            AppProtocol::Smb => self.smb_chunk(data, ctx),
            _ => self.done = [true; 2],
        }
        if self.chunks[dir] >= MAX_CHUNKS && !self.done[dir] {
            if self.http[dir] == HttpState::Body {
                self.finish_response(ctx);
            }
            self.stop(dir);
        }
    }

    /// Bytes are missing: buffered heads and records cannot be completed.
    pub fn gap(&mut self) {
        for dir in 0..2 {
            self.buf[dir].clear();
            self.http[dir] = HttpState::Idle;
            if self.protocol == AppProtocol::Tls {
                self.stop(dir);
            }
        }
        self.pending_response = None;
    }

    /// The flow ended: a response still waiting for its title is reported without one.
    pub fn end(&mut self, ctx: &mut Ctx<'_>) {
        self.finish_response(ctx);
    }

    // ---------------------------------------------------------------------------- HTTP

    fn http_chunk(&mut self, dir: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        let starts = data.starts_with(b"HTTP/") || otwatch_dissect::identify::looks_like_http(data);
        if self.http[dir] == HttpState::Body && starts {
            self.finish_response(ctx);
            self.http[dir] = HttpState::Idle;
        }
        match self.http[dir] {
            HttpState::Idle if starts => {
                self.http[dir] = HttpState::Head;
                self.buf[dir].clear();
            }
            HttpState::Idle => return,
            _ => {}
        }
        let cap = match self.http[dir] {
            HttpState::Body => {
                self.pending_response.as_ref().map_or(0, |p| p.head_len) + MAX_TITLE_BODY
            }
            _ => http::MAX_HEAD,
        };
        let room = cap.saturating_sub(self.buf[dir].len());
        self.buf[dir].extend_from_slice(&data[..data.len().min(room)]);
        if self.http[dir] == HttpState::Head {
            let Some(end) = http::head_end(&self.buf[dir]) else {
                if self.buf[dir].len() >= http::MAX_HEAD {
                    self.http[dir] = HttpState::Idle;
                    self.buf[dir].clear();
                }
                return;
            };
            self.http_messages[dir] += 1;
            let head = &self.buf[dir][..end];
            if head.starts_with(b"HTTP/") {
                if let Ok(r) = http::parse_response(head) {
                    let bodiless = matches!(r.status, 100..=199 | 204 | 304);
                    if r.may_have_title() && r.content_length != Some(0) && !bodiless {
                        self.pending_response = Some(Box::new(PendingResponse {
                            response: r,
                            head_len: end,
                            server: ctx.src,
                            client: ctx.dst,
                            ev: ctx.ev,
                        }));
                        self.http[dir] = HttpState::Body;
                    } else {
                        self.report_response(&r, None, ctx);
                        self.http[dir] = HttpState::Idle;
                    }
                } else {
                    self.http[dir] = HttpState::Idle;
                }
            } else {
                if let Ok(r) = http::parse_request(head) {
                    self.report_request(&r, ctx);
                }
                self.http[dir] = HttpState::Idle;
            }
        }
        if self.http[dir] == HttpState::Body {
            let Some(pending) = self.pending_response.as_ref() else {
                self.http[dir] = HttpState::Idle;
                return;
            };
            let body = self.buf[dir].get(pending.head_len..).unwrap_or_default();
            let complete = pending
                .response
                .content_length
                .is_some_and(|n| body.len() >= n);
            if let Some(title) = http::title(body) {
                if let Some(p) = self.pending_response.take() {
                    self.report_response(&p.response, Some(&title), ctx);
                }
                self.http[dir] = HttpState::Idle;
            } else if complete || self.buf[dir].len() >= pending.head_len + MAX_TITLE_BODY {
                self.finish_response(ctx);
                self.http[dir] = HttpState::Idle;
            }
        }
        if self.http[dir] == HttpState::Idle {
            self.buf[dir].clear();
            if self.http_messages[dir] >= MAX_HTTP_MESSAGES {
                self.stop(dir);
            }
        }
    }

    /// Reports a response that never showed a title, as of the packet that carried its
    /// head.
    fn finish_response(&mut self, ctx: &mut Ctx<'_>) {
        let Some(p) = self.pending_response.take() else {
            return;
        };
        let now = (ctx.ev, ctx.src, ctx.dst);
        (ctx.ev, ctx.src, ctx.dst) = (p.ev, p.server, p.client);
        self.report_response(&p.response, None, ctx);
        (ctx.ev, ctx.src, ctx.dst) = now;
    }

    fn report_request(&mut self, r: &http::Request, ctx: &mut Ctx<'_>) {
        let message = format!("HTTP {} request", r.method);
        if let Some(agent) = &r.user_agent {
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                "http_user_agent",
                agent,
                "http",
                &format!("{message} User-Agent header"),
                0.8,
                ctx.ev,
            );
        }
        let host = r.host.as_deref().unwrap_or("-");
        if let Some(http::Authorization::Basic { user, .. }) = &r.authorization {
            if self.first(said::CREDENTIALS) {
                let detail = format!(
                    "HTTP Basic authentication for user {:?} to {host} {} (password in clear; not recorded)",
                    user.as_deref().unwrap_or(""),
                    r.uri
                );
                ctx.event("http", "cleartext_credentials".into(), detail);
            }
        }
        if let Some(http::Authorization::Ntlm(n)) = &r.authorization {
            if n.message_type == 3 {
                self.ntlm_authenticate(n, ctx);
            }
        }
        if self.first(said::REQUEST) {
            let mut detail = format!("{} {} host {host:?}", r.method, r.uri);
            if let Some(a) = &r.user_agent {
                detail.push_str(&format!(" user agent {a:?}"));
            }
            if let Some(http::Authorization::Other(scheme)) = &r.authorization {
                detail.push_str(&format!(" authorization {scheme}"));
            }
            ctx.event("http", "http_request".into(), detail);
        }
    }

    fn report_response(&mut self, r: &http::Response, title: Option<&str>, ctx: &mut Ctx<'_>) {
        let server = Subject::Ip(ctx.src);
        if let Some(s) = &r.server {
            let message = format!("HTTP {} response Server header", r.status);
            ctx.obs
                .attribute(server, "http_server", s, "http", &message, 0.9, ctx.ev);
        }
        if let Some(t) = title {
            let message = format!("HTTP {} response HTML title", r.status);
            ctx.obs
                .attribute(server, "http_title", t, "http", &message, 0.8, ctx.ev);
        }
        // A response that names nothing (no Server, no title, no challenge) is not worth
        // an event: the request already said that the session exists.
        let telling = r.server.is_some() || title.is_some() || r.authenticate.is_some();
        if telling && self.first(said::RESPONSE) {
            let mut detail = format!("{} {}", r.status, r.reason);
            if let Some(s) = &r.server {
                detail.push_str(&format!(" server {s:?}"));
            }
            if let Some(t) = title {
                detail.push_str(&format!(" title {t:?}"));
            }
            if let Some(a) = &r.authenticate {
                detail.push_str(&format!(" asks for {a} authentication"));
            }
            ctx.event("http", "http_response".into(), detail);
        }
    }

    // ----------------------------------------------------------------------------- TLS

    fn tls_chunk(&mut self, dir: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        let room = (tls::MAX_HANDSHAKE + 5 * 64).saturating_sub(self.buf[dir].len());
        self.buf[dir].extend_from_slice(&data[..data.len().min(room)]);
        let flight = match tls::read_flight(&self.buf[dir]) {
            Ok(f) => f,
            Err(_) => {
                self.stop(dir);
                return;
            }
        };
        if let Some(hello) = &flight.client_hello {
            if self.first(said::CLIENT_HELLO) {
                let mut detail = format!(
                    "ClientHello up to {}",
                    tls::version_name(hello.max_version())
                );
                if let Some(sni) = &hello.server_name {
                    detail.push_str(&format!(" server name {sni:?}"));
                    ctx.obs.attribute(
                        Subject::Ip(ctx.dst),
                        "tls_server_name",
                        sni,
                        "ssl",
                        "TLS ClientHello server name (SNI)",
                        0.7,
                        ctx.ev,
                    );
                }
                if !hello.alpn.is_empty() {
                    detail.push_str(&format!(" ALPN {}", hello.alpn.join(",")));
                }
                ctx.event("ssl", "tls_client_hello".into(), detail);
            }
        }
        if let Some(hello) = &flight.server_hello {
            if self.first(said::SERVER_HELLO) {
                let version = tls::version_name(hello.version);
                let mut detail = format!(
                    "ServerHello {version} cipher {}",
                    tls::cipher_name(hello.cipher_suite)
                );
                if tls::is_deprecated(hello.version) {
                    detail.push_str(" (deprecated protocol version)");
                }
                ctx.obs.attribute(
                    Subject::Ip(ctx.src),
                    "tls_version",
                    &version,
                    "ssl",
                    "TLS ServerHello",
                    1.0,
                    ctx.ev,
                );
                ctx.event("ssl", "tls_server_hello".into(), detail);
            }
        }
        if let Some(cert) = flight.certificates.first() {
            if self.first(said::CERTIFICATE) {
                self.report_certificate(cert, ctx);
            }
        }
        if flight.done || self.said & said::CERTIFICATE != 0 {
            self.stop(dir);
        }
    }

    fn report_certificate(&mut self, cert: &tls::Certificate, ctx: &mut Ctx<'_>) {
        let server = Subject::Ip(ctx.src);
        let message = "TLS Certificate (server's own)";
        for (name, value) in [
            ("tls_certificate_subject", Some(&cert.subject)),
            ("tls_certificate_issuer", Some(&cert.issuer)),
            (
                "tls_certificate_not_after",
                cert.not_after.as_ref().map(|t| &t.0),
            ),
        ] {
            if let Some(v) = value {
                ctx.obs
                    .attribute(server, name, v, "ssl", message, 1.0, ctx.ev);
            }
        }
        let now = ctx.ev.ts / 1_000_000;
        let expired = cert.not_after.as_ref().is_some_and(|t| t.1 < now);
        let not_yet = cert.not_before.as_ref().is_some_and(|t| t.1 > now);
        let mut detail = format!(
            "subject {:?} issuer {:?} serial {} valid {} to {}",
            cert.subject,
            cert.issuer,
            cert.serial,
            cert.not_before.as_ref().map_or("?", |t| t.0.as_str()),
            cert.not_after.as_ref().map_or("?", |t| t.0.as_str()),
        );
        if cert.self_issued {
            detail.push_str(" self-signed");
        }
        ctx.event("ssl", "tls_certificate".into(), detail.clone());
        if expired || not_yet {
            let why = if expired { "expired" } else { "not yet valid" };
            ctx.event(
                "ssl",
                "tls_certificate_invalid".into(),
                format!("certificate {why} when seen: {detail}"),
            );
        }
    }

    // ----------------------------------------------------------------- remote access

    fn ssh_chunk(&mut self, dir: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        if let Some(banner) = sessions::ssh_banner(data) {
            let side = if dir == 0 { "client" } else { "server" };
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                "ssh_software",
                &banner.software,
                "ssh",
                &format!("SSH {side} identification string"),
                1.0,
                ctx.ev,
            );
            if self.first(said::SESSION) {
                let detail = format!(
                    "SSH-{} session, {side} software {:?}",
                    banner.protocol, banner.software
                );
                ctx.event("ssh", "ssh_session".into(), detail);
            }
        }
        self.stop(dir);
    }

    fn rdp_chunk(&mut self, dir: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        if dir == 0 {
            if let Some(r) = sessions::rdp_request(data) {
                if self.first(said::SESSION) {
                    let cookie = match r.user_name_length {
                        Some(n) => format!("user name in the mstshash cookie ({n} characters)"),
                        None => "no user name cookie".into(),
                    };
                    let requested = r
                        .requested_protocols
                        .map_or("standard RDP security only".into(), sessions::rdp_protocols);
                    let detail = format!("RDP connection request, {cookie}, requests {requested}");
                    ctx.event("rdp", "rdp_session".into(), detail);
                }
            }
        } else if let Some(c) = sessions::rdp_confirm(data) {
            if self.first(said::SECURITY) {
                let (kind, detail) = match c {
                    sessions::RdpConfirm::Selected(p) if p != 0 => (
                        "rdp_security",
                        format!("RDP server selected {}", sessions::rdp_protocols(p)),
                    ),
                    sessions::RdpConfirm::Failure(code) => (
                        "rdp_security",
                        format!("RDP server refused the negotiation (failure code {code})"),
                    ),
                    _ => (
                        "rdp_weak_security",
                        "RDP server uses standard RDP security (no TLS, no network level authentication)".into(),
                    ),
                };
                ctx.event("rdp", kind.into(), detail);
            }
        }
        self.stop(dir);
    }

    fn rfb_chunk(&mut self, dir: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        if let Some(version) = sessions::rfb_version(data) {
            if dir == 1 {
                ctx.obs.attribute(
                    Subject::Ip(ctx.src),
                    "rfb_version",
                    &version,
                    "rfb",
                    "RFB ProtocolVersion (server)",
                    1.0,
                    ctx.ev,
                );
                if self.first(said::SESSION) {
                    ctx.event(
                        "rfb",
                        "vnc_session".into(),
                        format!("VNC (RFB {version}) server"),
                    );
                }
                self.rfb_version = Some(version);
                // The security types may follow in the same chunk.
                if data.len() > 12 {
                    self.rfb_security(&data[12..], ctx);
                    self.stop(dir);
                }
                return;
            }
            self.stop(dir);
            return;
        }
        if dir == 1 && self.rfb_version.is_some() {
            self.rfb_security(data, ctx);
        }
        self.stop(dir);
    }

    fn rfb_security(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        let none_offered = if self.rfb_version.as_deref() == Some("3.3") {
            data.get(..4) == Some(&[0, 0, 0, sessions::RFB_SECURITY_NONE][..])
        } else {
            sessions::rfb_security_types(data)
                .is_some_and(|t| t.contains(&sessions::RFB_SECURITY_NONE))
        };
        if none_offered && self.first(said::SECURITY) {
            ctx.event(
                "rfb",
                "vnc_no_authentication".into(),
                "VNC server offers security type None: anyone reaching it gets the screen".into(),
            );
        }
    }

    fn telnet_chunk(&mut self, ctx: &mut Ctx<'_>) {
        if self.first(said::SESSION) {
            ctx.event(
                "telnet",
                "telnet_session".into(),
                "Telnet session: remote login with everything, passwords included, in clear".into(),
            );
        }
        self.done = [true; 2];
    }

    fn ftp_chunk(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        for line in sessions::ftp_lines(data) {
            match line {
                sessions::FtpLine::Reply(220, banner) => self.ftp_banner(&banner, ctx),
                sessions::FtpLine::User(name) => self.ftp_user = Some(name),
                sessions::FtpLine::Pass => self.ftp_password(ctx),
                sessions::FtpLine::Auth => self.done = [true; 2],
                _ => {}
            }
        }
    }

    fn ftp_banner(&mut self, banner: &str, ctx: &mut Ctx<'_>) {
        if !self.first(said::SESSION) {
            return;
        }
        ctx.obs.attribute(
            Subject::Ip(ctx.src),
            "ftp_banner",
            banner,
            "ftp",
            "FTP 220 greeting",
            0.9,
            ctx.ev,
        );
        ctx.event(
            "ftp",
            "ftp_session".into(),
            format!("FTP server {banner:?}"),
        );
    }

    fn ftp_password(&mut self, ctx: &mut Ctx<'_>) {
        if !self.first(said::CREDENTIALS) {
            return;
        }
        let user = self.ftp_user.as_deref().unwrap_or("");
        let anonymous = if matches!(user.to_ascii_lowercase().as_str(), "anonymous" | "ftp") {
            " (anonymous login)"
        } else {
            ""
        };
        let detail =
            format!("FTP login for user {user:?}{anonymous}, password in clear (not recorded)");
        ctx.event("ftp", "cleartext_credentials".into(), detail);
    }

    fn smb_chunk(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        let Ok(Some(m)) = sessions::smb_message(data) else {
            return;
        };
        if let Some((called, calling)) = &m.session_names {
            let message = "NetBIOS session request";
            if !called.starts_with('*') {
                ctx.obs
                    .name(None, Some(ctx.dst), called, "smb", message, 0.7, ctx.ev);
            }
            ctx.obs
                .name(None, Some(ctx.src), calling, "smb", message, 0.7, ctx.ev);
        }
        if !m.dialects_offered.is_empty() && self.smb_offered.is_empty() {
            self.smb_offered = m.dialects_offered.clone();
        }
        if let Some(dialect) = &m.dialect {
            let named = match (m.version, dialect.strip_prefix("SMB1 dialect ")) {
                (1, Some(i)) => i
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| self.smb_offered.get(i).cloned())
                    .unwrap_or_else(|| dialect.clone()),
                _ => dialect.clone(),
            };
            let shown = if m.version == 1 {
                format!("SMB1 {named}")
            } else {
                format!("SMB {named}")
            };
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                "smb_dialect",
                &shown,
                "smb",
                "SMB negotiate response",
                1.0,
                ctx.ev,
            );
            if self.first(said::NEGOTIATE) {
                let note = if m.version == 1 {
                    " (SMB1: deprecated, the protocol of EternalBlue)"
                } else {
                    ""
                };
                ctx.event(
                    "smb",
                    "smb_negotiate".into(),
                    format!("dialect {shown}{note}"),
                );
            }
        }
        for (what, value) in [
            ("smb_native_os", &m.native_os),
            ("smb_native_lanman", &m.native_lanman),
        ] {
            if let Some(v) = value {
                ctx.obs.attribute(
                    Subject::Ip(ctx.src),
                    what,
                    v,
                    "smb",
                    "SMB1 session setup native OS strings",
                    0.9,
                    ctx.ev,
                );
            }
        }
        let Some(ntlm) = &m.ntlm else { return };
        match ntlm.message_type {
            2 => {
                let message = "NTLMSSP CHALLENGE target information";
                if let Some(name) = &ntlm.nb_computer {
                    ctx.obs
                        .name(None, Some(ctx.src), name, "ntlm", message, 0.9, ctx.ev);
                }
                for (what, value) in [
                    ("windows_domain", &ntlm.nb_domain),
                    ("dns_domain", &ntlm.dns_domain),
                ] {
                    if let Some(v) = value {
                        ctx.obs.attribute(
                            Subject::Ip(ctx.src),
                            what,
                            v,
                            "ntlm",
                            message,
                            0.9,
                            ctx.ev,
                        );
                    }
                }
            }
            3 => self.ntlm_authenticate(ntlm, ctx),
            _ => {}
        }
    }

    /// An NTLM AUTHENTICATE (in SMB or in HTTP): the client names its workstation, and the
    /// account it logs on with.
    fn ntlm_authenticate(&mut self, ntlm: &sessions::Ntlm, ctx: &mut Ctx<'_>) {
        if let Some(w) = &ntlm.workstation {
            ctx.obs.name(
                None,
                Some(ctx.src),
                w,
                "ntlm",
                "NTLMSSP AUTHENTICATE workstation",
                0.9,
                ctx.ev,
            );
        }
        if self.first(said::NTLM) {
            let detail = format!(
                "NTLM authentication of {}\\{} from workstation {:?}",
                ntlm.domain.as_deref().unwrap_or(""),
                ntlm.user.as_deref().unwrap_or(""),
                ntlm.workstation.as_deref().unwrap_or("")
            );
            ctx.event("ntlm", "ntlm_authentication".into(), detail);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn kinds(t: &TestFlow) -> Vec<(String, String)> {
        t.events
            .iter()
            .map(|e| (e.protocol.clone(), e.kind.clone()))
            .collect()
    }

    fn attribute(t: &TestFlow, name: &str) -> Option<String> {
        t.obs
            .attributes
            .values()
            .find(|a| a.name == name)
            .map(|a| a.value.clone())
    }

    #[test]
    fn snmp_community_is_reported_once_and_never_kept() {
        // Sample_File_MMS_and_GOOSE.pcap, frames 32 and 33 (community "public").
        let get = hex("30819c02010104067075626c6963a0818e020320ce62020100020100308180300e060a2b0601020102020108010500300e060a2b0601020102020108020500300e060a2b0601020102020108030500300e060a2b0601020102020108040500300e060a2b0601020102020108050500300e060a2b0601020102020108060500300e060a2b0601020102020108070500300e060a2b0601020102020108080500");
        let mut t = TestFlow::new(("172.16.0.101", 1076), ("172.16.202.0", 161));
        let mut flow = SnmpFlow::default();
        flow.datagram(&get, &mut t.ctx(true, 32, 1));
        flow.datagram(&get, &mut t.ctx(true, 79, 2));
        assert_eq!(
            kinds(&t),
            vec![("snmp".into(), "cleartext_credentials".into())]
        );
        let detail = &t.events[0].detail;
        assert!(
            detail.contains("6 characters, a factory default"),
            "{detail}"
        );
        assert!(!detail.contains("public"), "{detail}");
    }

    #[test]
    fn snmp_v3_engine_names_the_agent_maker_even_encrypted() {
        // An authPriv v3 answer from an agent whose engine id is of the RFC 3411 form for
        // enterprise 8691 with a MAC; built after RFC 3412 and 3414.
        let answer = hex(concat!(
            "303b020103",
            "3011020404d2162d020300ffe3040103020103",
            "041d301b040b800021f3030090e801020302010102010104026f7004000400",
            "0404deadbeef"
        ));
        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 161));
        let mut flow = SnmpFlow::default();
        flow.datagram(&answer, &mut t.ctx(false, 2, 1));
        let vendor = t
            .obs
            .attributes
            .values()
            .find(|a| a.name == "vendor")
            .unwrap();
        assert_eq!(vendor.value, "Moxa");
        assert_eq!(vendor.subject, Subject::Ip("10.0.0.9".parse().unwrap()));
        assert!(t.events.is_empty(), "authenticated: nothing to flag");
    }

    /// A v2c Response of sysDescr.0 from a Cisco switch, laid out after RFC 3416 (the
    /// corpus holds no sysDescr answer).
    #[test]
    fn snmp_sys_descr_states_vendor_model_and_firmware() {
        let text = b"Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE (fc3)";
        let tlv = |tag: u8, v: &[u8]| {
            // BER lengths: one byte below 128, else 0x81 and one byte.
            let mut out = if v.len() < 128 {
                vec![tag, v.len() as u8]
            } else {
                vec![tag, 0x81, v.len() as u8]
            };
            out.extend_from_slice(v);
            out
        };
        let mut bind = tlv(0x06, &[0x2b, 6, 1, 2, 1, 1, 1, 0]);
        bind.extend(tlv(0x04, text));
        let mut pdu = tlv(0x02, &[1]);
        pdu.extend(tlv(0x02, &[0]));
        pdu.extend(tlv(0x02, &[0]));
        pdu.extend(tlv(0x30, &tlv(0x30, &bind)));
        let mut msg = tlv(0x02, &[1]);
        msg.extend(tlv(0x04, b"public"));
        msg.extend(tlv(0xa2, &pdu));
        let msg = tlv(0x30, &msg);

        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 161));
        let mut flow = SnmpFlow::default();
        flow.datagram(&msg, &mut t.ctx(false, 2, 2));
        assert_eq!(attribute(&t, "vendor").as_deref(), Some("Cisco"));
        assert_eq!(attribute(&t, "model").as_deref(), Some("C2960"));
        assert_eq!(attribute(&t, "firmware").as_deref(), Some("15.0(2)SE11"));
        let model = t
            .obs
            .attributes
            .values()
            .find(|a| a.name == "model")
            .unwrap();
        assert_eq!(model.subject, Subject::Ip("10.0.0.9".parse().unwrap()));
        assert_eq!(model.protocol, "snmp");
        assert!(
            model.message.starts_with("SNMP Response sysDescr.0"),
            "{}",
            model.message
        );
    }

    #[test]
    fn snmp_set_request_and_system_group() {
        // A v1 SetRequest of sysName.0 = "x", community "private"; built after RFC 1157.
        let set = hex("3029020100040770726976617465a31b0201070201000201003010300e06082b0601020101050004027878");
        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 161));
        let mut flow = SnmpFlow::default();
        flow.datagram(&set, &mut t.ctx(true, 1, 1));
        assert!(kinds(&t).contains(&("snmp".into(), "snmp_set_request".into())));
        assert!(t
            .events
            .iter()
            .any(|e| e.detail.contains("1.3.6.1.2.1.1.5.0")));
    }

    #[test]
    fn http_request_and_titled_response() {
        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 80));
        let mut flow = SessionFlow::new(AppProtocol::Http);
        flow.chunk(
            0,
            b"GET / HTTP/1.1\r\nHost: plc\r\nAuthorization: Basic YWRtaW46czNjcmV0\r\n\r\n",
            &mut t.ctx(true, 4, 1),
        );
        let mut ctx = t.ctx(false, 5, 2);
        flow.chunk(
            1,
            b"HTTP/1.1 200 OK\r\nServer: Boa/0.94.14rc21\r\nContent-Type: text/html\r\n\r\n<html><head><ti",
            &mut ctx,
        );
        flow.chunk(1, b"tle>SIMATIC HMI</title>", &mut ctx);
        assert_eq!(
            kinds(&t),
            vec![
                ("http".into(), "cleartext_credentials".into()),
                ("http".into(), "http_request".into()),
                ("http".into(), "http_response".into()),
            ]
        );
        assert!(!t.events[0].detail.contains("s3cret"));
        assert_eq!(
            attribute(&t, "http_server").as_deref(),
            Some("Boa/0.94.14rc21")
        );
        assert_eq!(attribute(&t, "http_title").as_deref(), Some("SIMATIC HMI"));
    }

    #[test]
    fn ntlm_over_http_names_the_workstation() {
        // The AUTHENTICATE of Sample_File_MMS_and_GOOSE.pcap frame 16, sent as HTTP would.
        let token = "TlRMTVNTUAADAAAAGAAYAGwAAAAYABgAhAAAAAgACABIAAAAFAAUAFAAAAAIAAgAZAAAAAAAAACcAAAABYKIogUCzg4AAAAPRABFAE0ATwBNAGkAYwByAG8AUwBDAEEARABBAEQARQBNAE8A";
        let head =
            format!("GET /WinCC HTTP/1.1\r\nHost: hmi\r\nAuthorization: Negotiate {token}\r\n\r\n");
        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 80));
        let mut flow = SessionFlow::new(AppProtocol::Http);
        flow.chunk(0, head.as_bytes(), &mut t.ctx(true, 4, 1));
        assert_eq!(
            kinds(&t),
            vec![
                ("ntlm".into(), "ntlm_authentication".into()),
                ("http".into(), "http_request".into())
            ]
        );
        assert!(t.events[0].detail.contains("DEMO\\MicroSCADA"));
        assert!(t.obs.names.values().any(|n| n.name == "DEMO"));
    }

    #[test]
    fn response_without_title_is_reported_as_of_its_head() {
        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 80));
        let mut flow = SessionFlow::new(AppProtocol::Http);
        flow.chunk(
            1,
            b"HTTP/1.1 200 OK\r\nServer: lighttpd\r\n\r\n<html>",
            &mut t.ctx(false, 5, 2),
        );
        // The flow ends with the originator's last packet in hand.
        flow.end(&mut t.ctx(true, 9, 9));
        assert_eq!(kinds(&t), vec![("http".into(), "http_response".into())]);
        let e = &t.events[0];
        assert_eq!((e.frame, e.src), (5, Some("10.0.0.9".parse().unwrap())));
        // An interim response has no body to wait for.
        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 80));
        let mut flow = SessionFlow::new(AppProtocol::Http);
        flow.chunk(
            1,
            b"HTTP/1.1 101 Switching Protocols\r\nServer: hmi\r\nUpgrade: websocket\r\n\r\n",
            &mut t.ctx(false, 5, 2),
        );
        assert_eq!(t.events.len(), 1);
        // One that names nothing is no event.
        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 80));
        let mut flow = SessionFlow::new(AppProtocol::Http);
        flow.chunk(
            1,
            b"HTTP/1.1 204 No Content\r\n\r\n",
            &mut t.ctx(false, 5, 2),
        );
        assert!(t.events.is_empty());
    }

    #[test]
    fn tls_handshake_facts() {
        let mut t = TestFlow::new(("127.0.0.1", 33054), ("127.0.0.2", 44330));
        let mut flow = SessionFlow::new(AppProtocol::Tls);
        let hello = include_bytes!("../../otwatch-dissect/testdata/tls12_client_hello.bin");
        let server = include_bytes!("../../otwatch-dissect/testdata/tls12_server_flight.bin");
        flow.chunk(0, hello, &mut t.ctx(true, 4, 1_795_827_126_000_000));
        let mut ctx = t.ctx(false, 6, 1_795_827_126_000_000);
        flow.chunk(1, &server[..700], &mut ctx);
        flow.chunk(1, &server[700..], &mut ctx);
        assert_eq!(
            kinds(&t),
            vec![
                ("ssl".into(), "tls_client_hello".into()),
                ("ssl".into(), "tls_server_hello".into()),
                ("ssl".into(), "tls_certificate".into()),
            ]
        );
        assert_eq!(
            attribute(&t, "tls_certificate_subject").as_deref(),
            Some("CN=hmi-01.plant.example,O=Example Plant")
        );
        assert!(flow.done[1] && flow.buf[1].capacity() == 0, "buffer freed");
        // Seen two years later, the certificate has expired.
        let mut t = TestFlow::new(("127.0.0.1", 33054), ("127.0.0.2", 44330));
        let mut flow = SessionFlow::new(AppProtocol::Tls);
        flow.chunk(1, server, &mut t.ctx(false, 6, 1_860_000_000_000_000));
        assert!(kinds(&t).contains(&("ssl".into(), "tls_certificate_invalid".into())));
    }

    #[test]
    fn remote_access_sessions() {
        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 22));
        let mut ssh = SessionFlow::new(AppProtocol::Ssh);
        ssh.chunk(1, b"SSH-2.0-OpenSSH_7.4\r\n", &mut t.ctx(false, 4, 1));
        ssh.chunk(0, b"SSH-2.0-PuTTY_Release_0.76\r\n", &mut t.ctx(true, 6, 2));
        assert_eq!(kinds(&t), vec![("ssh".into(), "ssh_session".into())]);
        assert_eq!(t.obs.attributes.len(), 2);

        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 21));
        let mut ftp = SessionFlow::new(AppProtocol::Ftp);
        ftp.chunk(1, b"220 PLC FTP server ready\r\n", &mut t.ctx(false, 4, 1));
        ftp.chunk(0, b"USER anonymous\r\n", &mut t.ctx(true, 6, 2));
        ftp.chunk(0, b"PASS guest@\r\n", &mut t.ctx(true, 8, 3));
        assert_eq!(
            kinds(&t),
            vec![
                ("ftp".into(), "ftp_session".into()),
                ("ftp".into(), "cleartext_credentials".into())
            ]
        );
        assert!(t.events[1].detail.contains("anonymous login"));
        assert!(!t.events[1].detail.contains("guest@"));

        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 5900));
        let mut vnc = SessionFlow::new(AppProtocol::Vnc);
        vnc.chunk(1, b"RFB 003.008\n", &mut t.ctx(false, 4, 1));
        vnc.chunk(0, b"RFB 003.008\n", &mut t.ctx(true, 6, 2));
        vnc.chunk(1, &[1, 1], &mut t.ctx(false, 8, 3));
        assert_eq!(
            kinds(&t),
            vec![
                ("rfb".into(), "vnc_session".into()),
                ("rfb".into(), "vnc_no_authentication".into())
            ]
        );

        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 3389));
        let mut rdp = SessionFlow::new(AppProtocol::Rdp);
        let cr = b"\x03\x00\x00\x2c\x27\xe0\x00\x00\x00\x00\x00Cookie: mstshash=eltons\r\n\x01\x00\x08\x00\x03\x00\x00\x00";
        rdp.chunk(0, cr, &mut t.ctx(true, 4, 1));
        let cc = b"\x03\x00\x00\x0b\x06\xd0\x00\x00\x12\x34\x00";
        rdp.chunk(1, cc, &mut t.ctx(false, 5, 2));
        assert_eq!(
            kinds(&t),
            vec![
                ("rdp".into(), "rdp_session".into()),
                ("rdp".into(), "rdp_weak_security".into())
            ]
        );
    }

    #[test]
    fn chunks_are_bounded() {
        let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 80));
        let mut flow = SessionFlow::new(AppProtocol::Http);
        let mut ctx = t.ctx(false, 1, 1);
        flow.chunk(
            1,
            b"HTTP/1.1 200 OK\r\nServer: GoAhead-Webs\r\nContent-Type: text/html\r\n\r\n",
            &mut ctx,
        );
        for _ in 0..100 {
            flow.chunk(1, &[b'x'; 1000], &mut ctx);
        }
        assert!(flow.buf[1].capacity() <= http::MAX_HEAD + MAX_TITLE_BODY);
        assert!(flow.done[1]);
        assert_eq!(kinds(&t), vec![("http".into(), "http_response".into())]);
    }

    #[test]
    fn hostile_chunks_stay_bounded() {
        use AppProtocol::*;
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let starts: [&[u8]; 6] = [
            b"GET / HTTP/1.1\r\n",
            b"HTTP/1.1 200 OK\r\n",
            b"\x16\x03\x03\x40\x00\x0b",
            b"SSH-2.0-",
            b"RFB 003.008\n",
            b"\x00\x00\x01\x00\xffSMB\x73",
        ];
        for protocol in [Http, Tls, Ssh, Rdp, Vnc, Telnet, Ftp, Smb] {
            let mut t = TestFlow::new(("10.0.0.5", 40000), ("10.0.0.9", 80));
            t.max_events = 10_000;
            let mut flow = SessionFlow::new(protocol);
            for i in 0..400u32 {
                let len = (next() % 3000) as usize;
                let mut chunk: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let start = starts[(next() % 6) as usize];
                if i % 2 == 0 && chunk.len() > start.len() {
                    chunk[..start.len()].copy_from_slice(start);
                }
                let dir = (next() % 2) as usize;
                flow.chunk(dir, &chunk, &mut t.ctx(dir == 0, u64::from(i), 1));
                if i % 97 == 0 {
                    flow.gap();
                }
                assert!(flow.buf.iter().all(|b| b.len() <= tls::MAX_HANDSHAKE + 320));
            }
            flow.end(&mut t.ctx(true, 999, 2));
            assert!(
                t.events.len() <= 16,
                "{protocol:?}: {} events",
                t.events.len()
            );
        }
    }
}
