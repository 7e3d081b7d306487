//! OPC UA binary on one TCP flow: chunks framed in each direction, requests and responses
//! paired by request id (with a bounded number open), and what they show — who the server
//! and client say they are (application descriptions, BuildInfo reads) as facts on their
//! addresses; writes, method calls, sessions whose credentials travel in clear, error
//! messages and malformed chunks as events; requests per service (and the numeric nodes
//! they name) per edge; and ICSNPP's `opcua_binary.log` with its status-code and
//! secure-channel detail logs (the per-service logs are written by `opcua_services`).
//!
//! A channel opened with a security policy other than None is followed as metadata only:
//! its message bodies are signed and usually encrypted, so only the headers are logged.

use crate::app::{ConnRef, Ctx};
use crate::framing::{Framer, MessageLength};
use crate::opcua_services::{attribute_name, Rows};
use crate::reported::digest;
use otwatch_dissect::opcua::{
    self, Application, AsymmetricHeader, Header, Identity, NodeId, Request, Response, ServiceKind,
};
use otwatch_inventory::Subject;
use otwatch_model::logs::{ConnId, LogRow, LogSpec, Value};
use otwatch_model::Micros;
use std::collections::VecDeque;

/// ICSNPP's `opcua_binary.log`: one row per Hello, Acknowledge, Error and CloseSecureChannel
/// chunk, and one per request and response pair (OpenSecureChannel and service messages),
/// stamped with the request's time; `total_size` adds both sizes. A half that never meets
/// its other is written alone when the flow ends.
pub static OPCUA_BINARY_LOG: LogSpec = LogSpec {
    name: "opcua_binary",
    directional: false,
    columns: &[
        ("msg_type", "string"),
        ("is_final", "string"),
        ("total_size", "count"),
        ("error", "count"),
        ("reason", "string"),
        ("version", "count"),
        ("rcv_buf_size", "count"),
        ("snd_buf_size", "count"),
        ("max_msg_size", "count"),
        ("max_chunk_cnt", "count"),
        ("endpoint_url", "string"),
        ("sec_channel_id", "vector[count]"),
        ("sec_policy_uri_len", "int"),
        ("sec_policy_uri", "string"),
        ("snd_cert_len", "int"),
        ("snd_cert", "string"),
        ("rcv_cert_len", "int"),
        ("rcv_cert", "string"),
        ("request_id", "count"),
        ("req_opcua_link_id", "string"),
        ("req_msg_size", "count"),
        ("req_seq_number", "count"),
        ("req_encoding_mask", "count"),
        ("req_namespace_idx", "count"),
        ("req_identifier", "count"),
        ("req_identifier_str", "string"),
        ("req_hdr_node_id_type", "string"),
        ("req_hdr_node_id_namespace_idx", "count"),
        ("req_hdr_node_id_numeric", "count"),
        ("req_hdr_node_id_string", "string"),
        ("req_hdr_node_id_guid", "string"),
        ("req_hdr_node_id_opaque", "string"),
        ("req_hdr_timestamp", "time"),
        ("req_hdr_request_handle", "count"),
        ("req_hdr_return_diag", "count"),
        ("req_hdr_audit_entry_id", "string"),
        ("req_hdr_timeout_hint", "count"),
        ("req_hdr_add_hdr_type_id", "count"),
        ("req_hdr_add_hdr_enc_mask", "count"),
        ("res_opcua_link_id", "string"),
        ("res_msg_size", "count"),
        ("res_seq_number", "count"),
        ("res_encoding_mask", "count"),
        ("res_namespace_idx", "count"),
        ("res_identifier", "count"),
        ("res_identifier_str", "string"),
        ("res_hdr_timestamp", "time"),
        ("res_hdr_request_handle", "count"),
        ("status_code_link_id", "string"),
        ("res_hdr_service_diag_encoding", "count"),
        ("res_hdr_add_hdr_type_id", "count"),
        ("res_hdr_add_hdr_enc_mask", "count"),
    ],
};

/// ICSNPP's `opcua_binary_status_code_detail.log`: one row per status code a response
/// carries (its header's service result, and the per-operation results of Browse, Read,
/// Write, CreateMonitoredItems and ActivateSession), decoded into its bit fields.
pub static OPCUA_STATUS_CODE_LOG: LogSpec = LogSpec {
    name: "opcua_binary_status_code_detail",
    directional: true,
    columns: &[
        ("status_code_link_id", "string"),
        ("source", "count"),
        ("source_str", "string"),
        ("source_level", "count"),
        ("status_code", "string"),
        ("severity", "count"),
        ("severity_str", "string"),
        ("sub_code", "count"),
        ("sub_code_str", "string"),
        ("structure_changed", "bool"),
        ("semantics_changed", "bool"),
        ("info_type", "count"),
        ("info_type_str", "string"),
        ("limit_bits", "count"),
        ("limit_bits_str", "string"),
        ("overflow", "bool"),
        ("historian_bits", "count"),
        ("historian_bits_str", "string"),
        ("historianPartial", "bool"),
        ("historianExtraData", "bool"),
        ("historianMultiValue", "bool"),
    ],
};

/// ICSNPP's `opcua_binary_opensecure_channel.log`: one row per OpenSecureChannel request
/// (protocol version, request type, security mode, nonce, lifetime) and response (the
/// token the server issued).
pub static OPCUA_OPENSECURE_CHANNEL_LOG: LogSpec = LogSpec {
    name: "opcua_binary_opensecure_channel",
    directional: true,
    columns: &[
        ("opcua_link_id", "string"),
        ("client_proto_ver", "count"),
        ("sec_token_request_type", "count"),
        ("message_security_mode", "count"),
        ("client_nonce", "string"),
        ("req_lifetime", "count"),
        ("server_proto_ver", "count"),
        ("sec_token_sec_channel_id", "count"),
        ("sec_token_id", "count"),
        ("sec_token_created_at", "time"),
        ("sec_token_revised_time", "count"),
        ("server_nonce", "string"),
    ],
};

/// Requests (and responses) awaiting their other half per flow; beyond it the oldest is
/// written alone and counted.
const MAX_PENDING: usize = 64;
/// Bytes held per direction for a chunk split across TCP segments; a longer chunk (a large
/// Browse or Read answer) is passed over.
const MAX_CARRY: usize = 64 * 1024;
/// Malformed chunks reported per flow: a stream read from a wrong boundary yields one per
/// "chunk".
const MAX_MALFORMED_REPORTED: u8 = 3;
/// Distinct notable requests remembered per flow; the oldest is forgotten first, so at
/// worst a request is reported again.
const MAX_SEEN: usize = 64;
/// Items an event names one by one.
const MAX_LISTED: usize = 8;

/// Where a status code was found, as ICSNPP numbers and names it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StatusSource {
    ResponseHeader = 0,
    Browse = 2,
    ActivateSession = 4,
    Read = 6,
    CreateMonitoredItems = 8,
    Write = 18,
}

impl StatusSource {
    fn name(self) -> &'static str {
        match self {
            Self::ResponseHeader => "ResponseHeader",
            Self::Browse => "Browse",
            Self::ActivateSession => "ActivateSession",
            Self::Read => "Read",
            Self::CreateMonitoredItems => "CreateMonitoredItems",
            Self::Write => "Write",
        }
    }
}

/// Server status BuildInfo variables (namespace 0) a client may read, and the fact each
/// value states.
const BUILD_INFO: &[(u32, &str)] = &[
    (2261, "product_name"),
    (2262, "opcua_product_uri"),
    (2263, "vendor"),
    (2264, "software_version"),
    (2265, "build_number"),
];

#[derive(Debug, Default)]
pub struct OpcUaFlow {
    framer: Framer,
    state: FlowState,
}

#[derive(Debug, Default)]
struct FlowState {
    requests: VecDeque<Half>,
    responses: VecDeque<Half>,
    limit_hits: u64,
    /// The channel's policy is not None: bodies are signed or encrypted, only headers are
    /// read.
    secured: bool,
    /// Counter for the link ids that tie detail rows to their main row.
    links: u64,
    malformed_reported: u8,
    /// Bytes went missing from the stream.
    after_gap: bool,
    /// Digests of notable requests already reported on this flow.
    seen: VecDeque<u64>,
}

/// One side of a pair: what the main log row needs of a request or of a response.
#[derive(Debug)]
struct Half {
    ts: Micros,
    header: Header,
    request_id: Option<u32>,
    channel_id: u32,
    /// OPN chunks: the asymmetric security header's columns.
    security: Option<[Value; 6]>,
    /// The service's type id, for pairing a response with its request.
    service: Option<u32>,
    /// The request or response columns (`req_*` or `res_*`).
    columns: Vec<Value>,
    /// Read requests: the BuildInfo variables asked, by position in the request.
    build_info: Vec<(usize, &'static str)>,
    /// Seen while rows were written: written alone if the flow ends without its other.
    loggable: bool,
}

struct Chunk;

impl MessageLength for Chunk {
    const HEADER: usize = opcua::HEADER_LEN;
    fn total(h: &[u8]) -> Option<usize> {
        opcua::header(h).map(|h| h.size as usize)
    }
}

impl OpcUaFlow {
    pub fn gap(&mut self) {
        // Open requests are kept: their responses come after the gap under the same ids.
        self.framer.gap();
        self.state.after_gap = true;
    }

    pub fn pending_limit_hits(&self) -> u64 {
        self.state.limit_hits
    }

    /// A chunk of the TCP stream; `side` 0 for the originator's direction, 1 for the other.
    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        let Self { framer, state } = self;
        framer.feed::<Chunk>(side, data, MAX_CARRY, |bytes| state.message(bytes, ctx));
    }

    /// The flow ended: halves still waiting for their other are written alone.
    pub fn end(&mut self, conn: ConnRef<'_>, rows: &mut Vec<LogRow>) {
        let state = &mut self.state;
        let halves: Vec<(Half, bool)> = state
            .requests
            .drain(..)
            .map(|h| (h, true))
            .chain(state.responses.drain(..).map(|h| (h, false)))
            .collect();
        for (half, is_request) in halves.into_iter().filter(|(h, _)| h.loggable) {
            let (req, res) = if is_request {
                (Some(&half), None)
            } else {
                (None, Some(&half))
            };
            let values = main_row(req, res);
            rows.push(LogRow {
                spec: &OPCUA_BINARY_LOG,
                ts: half.ts,
                conn: ConnId {
                    uid: crate::worker::uid_of(conn.first_ts, conn.key, conn.orig),
                    orig_h: conn.orig.0,
                    orig_p: conn.orig.1,
                    resp_h: conn.resp.0,
                    resp_p: conn.resp.1,
                },
                from_orig: is_request,
                values,
            });
        }
    }
}

impl FlowState {
    /// Rows are written: logs were asked for and the stream has had no gap. ICSNPP stops
    /// reading a connection at its first gap; otwatch reads on (for facts, events and
    /// counts) but writes no more rows, so that both logs describe the same messages.
    fn logging(&self, ctx: &Ctx<'_>) -> bool {
        ctx.logging() && !self.after_gap
    }

    fn link(&mut self) -> String {
        self.links += 1;
        format!("{:x}", self.links)
    }

    fn malformed(&mut self, ctx: &mut Ctx<'_>, what: &str, why: &otwatch_dissect::Malformed) {
        if self.malformed_reported >= MAX_MALFORMED_REPORTED {
            return;
        }
        self.malformed_reported += 1;
        ctx.event(
            "opcua",
            "opcua_malformed".into(),
            format!("{what}: {} at byte {}", why.reason, why.offset),
        );
    }

    /// True the first time this digest is seen on the flow.
    fn first(&mut self, digest: u64) -> bool {
        if self.seen.contains(&digest) {
            return false;
        }
        if self.seen.len() >= MAX_SEEN {
            self.seen.pop_front();
        }
        self.seen.push_back(digest);
        true
    }

    fn message(&mut self, bytes: &[u8], ctx: &mut Ctx<'_>) {
        let Some(header) = opcua::header(bytes) else {
            return;
        };
        let body = bytes.get(opcua::HEADER_LEN..).unwrap_or_default();
        match &header.message_type {
            b"HEL" | b"ACK" | b"RHE" => self.hello(header, body, ctx),
            b"ERR" => self.error(header, body, ctx),
            _ => self.secured_chunk(header, body, ctx),
        }
    }

    fn hello(&mut self, header: Header, body: &[u8], ctx: &mut Ctx<'_>) {
        let hello = header.message_type == *b"HEL";
        if header.message_type == *b"RHE" {
            // ReverseHello: a server calling out to a client; nothing ICSNPP logs.
            return;
        }
        match opcua::hello(body, hello) {
            Ok(h) => {
                if self.logging(ctx) {
                    let mut v = header_columns(&header, header.size);
                    v[5] = h.version.into();
                    v[6] = h.receive_buffer_size.into();
                    v[7] = h.send_buffer_size.into();
                    v[8] = h.max_message_size.into();
                    v[9] = h.max_chunk_count.into();
                    if hello {
                        v[10] = Value::Str(h.endpoint_url.unwrap_or_default());
                    }
                    ctx.log(&OPCUA_BINARY_LOG, v);
                }
            }
            Err(e) => self.malformed(ctx, header.type_str(), &e),
        }
    }

    fn error(&mut self, header: Header, body: &[u8], ctx: &mut Ctx<'_>) {
        match opcua::error(body) {
            Ok((code, reason)) => {
                let name = opcua::status_name(code).unwrap_or("unknown status");
                ctx.event(
                    "opcua",
                    "opcua_error".into(),
                    format!(
                        "{} closes the connection with {name} (0x{code:08x}){}",
                        ctx.src,
                        reason
                            .as_deref()
                            .filter(|r| !r.is_empty())
                            .map(|r| format!(": {r}"))
                            .unwrap_or_default()
                    ),
                );
                if self.logging(ctx) {
                    let mut v = header_columns(&header, header.size);
                    v[3] = code.into();
                    v[4] = Value::Str(reason.unwrap_or_default());
                    ctx.log(&OPCUA_BINARY_LOG, v);
                }
            }
            Err(e) => self.malformed(ctx, "ERR", &e),
        }
    }

    /// OPN, MSG and CLO chunks.
    fn secured_chunk(&mut self, header: Header, body: &[u8], ctx: &mut Ctx<'_>) {
        let open = header.message_type == *b"OPN";
        let secured = match opcua::secured(open, body) {
            Ok(s) => s,
            Err(e) => return self.malformed(ctx, header.type_str(), &e),
        };
        if let Some(a) = &secured.asymmetric {
            self.secured = !a.is_none_policy();
        }
        let security = secured.asymmetric.as_ref().map(security_columns);
        let readable = !self.secured && header.chunk_type == b'F';
        let sequence = if self.secured {
            // The sequence header is encrypted along with the body (asymmetrically in OPN).
            None
        } else {
            opcua::sequence(secured.payload).ok()
        };
        let mut half = Half {
            ts: ctx.ev.ts,
            header,
            request_id: sequence.map(|(_, id, _)| id),
            channel_id: secured.channel_id,
            security,
            service: None,
            columns: Vec::new(),
            build_info: Vec::new(),
            loggable: self.logging(ctx),
        };
        let Some((seq, _, service_body)) = sequence.filter(|_| readable) else {
            // Metadata only: the row is written now, as a request when the client sent it.
            let is_request = ctx.from_orig;
            half.columns = side_columns(is_request, header.size, sequence.map(|s| s.0));
            if self.logging(ctx) {
                let link = self.link();
                set_link(&mut half.columns, link);
                let values = if is_request {
                    main_row(Some(&half), None)
                } else {
                    main_row(None, Some(&half))
                };
                ctx.log(&OPCUA_BINARY_LOG, values);
            }
            return;
        };
        let service = match opcua::service(service_body) {
            Ok(s) => s,
            Err(e) => {
                self.malformed(ctx, header.type_str(), &e);
                return;
            }
        };
        half.service = Some(service.type_id);
        let link = self.logging(ctx).then(|| self.link());
        match &service.kind {
            ServiceKind::Request(h, request) => {
                if self.logging(ctx) {
                    half.columns = request_columns(&header, seq, &service, h);
                }
                self.request(&service, request, &mut half, link.as_deref(), ctx);
                if let Some(link) = link.as_deref().filter(|_| self.logging(ctx)) {
                    let links = &mut self.links;
                    let mut next_link = || {
                        *links += 1;
                        format!("{:x}", *links)
                    };
                    Rows {
                        ctx,
                        next_link: &mut next_link,
                    }
                    .request(request, link);
                }
                if header.message_type == *b"CLO" {
                    // No response follows a CloseSecureChannel.
                    if self.logging(ctx) {
                        set_link(&mut half.columns, link.unwrap_or_default());
                        ctx.log(&OPCUA_BINARY_LOG, main_row(Some(&half), None));
                    }
                    return;
                }
                if self.logging(ctx) {
                    set_link(&mut half.columns, link.unwrap_or_default());
                }
                self.pair_request(half, ctx);
            }
            ServiceKind::Response(h, response) => {
                let status_link = self.logging(ctx).then(|| self.link());
                if self.logging(ctx) {
                    half.columns = response_columns(&header, seq, &service, h, status_link.clone());
                    set_link(&mut half.columns, link.clone().unwrap_or_default());
                    status_rows(
                        ctx,
                        status_link.as_deref().unwrap_or_default(),
                        StatusSource::ResponseHeader,
                        h.service_result,
                    );
                }
                let asked = half.request_id.and_then(|id| {
                    self.requests
                        .iter()
                        .find(|r| r.request_id == Some(id))
                        .map(|r| r.build_info.clone())
                });
                self.response(response, link.as_deref(), &asked.unwrap_or_default(), ctx);
                if let Some(link) = link.as_deref() {
                    if self.logging(ctx) {
                        let links = &mut self.links;
                        let mut next_link = || {
                            *links += 1;
                            format!("{:x}", *links)
                        };
                        Rows {
                            ctx,
                            next_link: &mut next_link,
                        }
                        .response(response, link);
                    }
                }
                self.pair_response(half, ctx);
            }
            ServiceKind::Unknown => {
                let is_request = ctx.from_orig;
                half.columns = side_columns(is_request, header.size, Some(seq));
                if self.logging(ctx) {
                    set_link(&mut half.columns, link.unwrap_or_default());
                    let values = if is_request {
                        main_row(Some(&half), None)
                    } else {
                        main_row(None, Some(&half))
                    };
                    ctx.log(&OPCUA_BINARY_LOG, values);
                }
            }
        }
    }

    fn pair_request(&mut self, half: Half, ctx: &mut Ctx<'_>) {
        let matching = self.responses.iter().position(|r| pairs(&half, r));
        if let Some(i) = matching {
            if let Some(res) = self.responses.remove(i) {
                if self.logging(ctx) {
                    ctx.log_at(
                        &OPCUA_BINARY_LOG,
                        half.ts,
                        true,
                        main_row(Some(&half), Some(&res)),
                    );
                }
            }
            return;
        }
        if self.requests.len() >= MAX_PENDING {
            self.limit_hits += 1;
            if let Some(old) = self.requests.pop_front() {
                if self.logging(ctx) {
                    ctx.log_at(&OPCUA_BINARY_LOG, old.ts, true, main_row(Some(&old), None));
                }
            }
        }
        self.requests.push_back(half);
    }

    fn pair_response(&mut self, half: Half, ctx: &mut Ctx<'_>) {
        let matching = self.requests.iter().position(|r| pairs(r, &half));
        if let Some(i) = matching {
            if let Some(req) = self.requests.remove(i) {
                if self.logging(ctx) {
                    ctx.log_at(
                        &OPCUA_BINARY_LOG,
                        req.ts,
                        true,
                        main_row(Some(&req), Some(&half)),
                    );
                }
            }
            return;
        }
        if self.responses.len() >= MAX_PENDING {
            self.limit_hits += 1;
            if let Some(old) = self.responses.pop_front() {
                if self.logging(ctx) {
                    ctx.log_at(&OPCUA_BINARY_LOG, old.ts, false, main_row(None, Some(&old)));
                }
            }
        }
        self.responses.push_back(half);
    }

    /// What a request shows: its service per edge, events for writes, calls and clear-text
    /// sessions, the client's own description, and the OpenSecureChannel log row.
    fn request(
        &mut self,
        service: &opcua::Service<'_>,
        request: &Request<'_>,
        half: &mut Half,
        link: Option<&str>,
        ctx: &mut Ctx<'_>,
    ) {
        let name = opcua::service_name(service.type_id).unwrap_or("UnknownRequest");
        let stem = opcua::service_stem(name);
        let code = u16::try_from(service.type_id).unwrap_or(u16::MAX);
        if half.header.message_type == *b"MSG" {
            ctx.obs.function(
                ctx.src,
                ctx.dst,
                "opcua",
                code,
                || stem.to_string(),
                ctx.ev.ts,
            );
        }
        match request {
            Request::OpenSecureChannel {
                client_protocol_version,
                request_type,
                security_mode,
                client_nonce,
                requested_lifetime,
            } if self.logging(ctx) => {
                let mut v = vec![Value::Unset; OPCUA_OPENSECURE_CHANNEL_LOG.columns.len()];
                v[0] = Value::Str(link.unwrap_or_default().to_string());
                v[1] = (*client_protocol_version).into();
                v[2] = (*request_type).into();
                v[3] = (*security_mode).into();
                v[4] = Value::Str(raw_bytes(client_nonce.as_deref()));
                v[5] = (*requested_lifetime).into();
                ctx.log(&OPCUA_OPENSECURE_CHANNEL_LOG, v);
            }
            Request::CreateSession { client, .. } => {
                application_facts(
                    ctx,
                    client,
                    "OPC UA CreateSession request (client description)",
                );
            }
            Request::ActivateSession { identity, .. } => self.activation(identity, ctx),
            Request::Read { nodes, .. } => {
                node_addresses(ctx, code, nodes.iter().map(|v| &v.node));
                half.build_info = nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.attribute == 13 && v.node.namespace.unwrap_or(0) == 0)
                    .filter_map(|(i, v)| {
                        let id = v.node.numeric()?;
                        BUILD_INFO
                            .iter()
                            .find(|(b, _)| *b == id)
                            .map(|(_, fact)| (i, *fact))
                    })
                    .collect();
            }
            Request::Write { nodes } => {
                node_addresses(ctx, code, nodes.iter().map(|w| &w.node));
                let listed = list(
                    nodes.iter().map(|w| {
                        format!(
                            "{} ({})",
                            w.node.display(),
                            attribute_name(w.attribute).map_or_else(
                                || format!("attribute {}", w.attribute),
                                str::to_string
                            )
                        )
                    }),
                    nodes.len(),
                );
                if self.first(digest(("write", &listed))) {
                    ctx.event(
                        "opcua",
                        "opcua_write".into(),
                        format!("Write of {} node(s): {listed}", nodes.len()),
                    );
                }
            }
            Request::Browse { nodes, .. } => {
                node_addresses(ctx, code, nodes.iter().map(|d| &d.node))
            }
            Request::Call { methods } => {
                node_addresses(ctx, code, methods.iter().map(|(_, m)| m));
                let listed = list(
                    methods
                        .iter()
                        .map(|(o, m)| format!("method {} on {}", m.display(), o.display())),
                    methods.len(),
                );
                if self.first(digest(("call", &listed))) {
                    ctx.event(
                        "opcua",
                        "opcua_call".into(),
                        format!("Call of {} method(s): {listed}", methods.len()),
                    );
                }
            }
            _ => {}
        }
    }

    /// Sessions whose user travels in clear: anonymous access, or a user name with a
    /// password that no encryption algorithm protects, on a channel without security.
    fn activation(&mut self, identity: &Identity, ctx: &mut Ctx<'_>) {
        if self.secured {
            return;
        }
        let detail = match identity {
            Identity::Anonymous { policy_id } => format!(
                "anonymous session (policy {}) on a secure channel with security policy None",
                policy_id.as_deref().unwrap_or("-")
            ),
            Identity::UserName {
                user_name,
                password_len,
                encryption_algorithm,
                ..
            } => {
                let protected = encryption_algorithm
                    .as_deref()
                    .is_some_and(|a| !a.is_empty());
                format!(
                    "session for user {:?} on a secure channel with security policy None; \
                     the password ({password_len} bytes) is {}",
                    user_name.as_deref().unwrap_or_default(),
                    if protected {
                        "encrypted with the server's key"
                    } else {
                        "readable on the wire"
                    }
                )
            }
            _ => return,
        };
        if self.first(digest(("session", &detail))) {
            ctx.event("opcua", "opcua_cleartext_session".into(), detail);
        }
    }

    /// What a response shows: the server's description and BuildInfo as facts, and the
    /// OpenSecureChannel log row.
    fn response(
        &mut self,
        response: &Response,
        link: Option<&str>,
        build_info: &[(usize, &'static str)],
        ctx: &mut Ctx<'_>,
    ) {
        match response {
            Response::OpenSecureChannel {
                server_protocol_version,
                channel_id,
                token_id,
                created_at,
                revised_lifetime,
                server_nonce,
            } if self.logging(ctx) => {
                let mut v = vec![Value::Unset; OPCUA_OPENSECURE_CHANNEL_LOG.columns.len()];
                v[0] = Value::Str(link.unwrap_or_default().to_string());
                v[6] = (*server_protocol_version).into();
                v[7] = (*channel_id).into();
                v[8] = (*token_id).into();
                v[9] = Value::Time(opcua::datetime_micros(*created_at));
                v[10] = (*revised_lifetime).into();
                v[11] = Value::Str(raw_bytes(server_nonce.as_deref()));
                ctx.log(&OPCUA_OPENSECURE_CHANNEL_LOG, v);
            }
            Response::GetEndpoints { endpoints } => {
                endpoint_facts(ctx, endpoints, "OPC UA GetEndpoints response");
            }
            Response::CreateSession { endpoints, .. } => {
                endpoint_facts(ctx, endpoints, "OPC UA CreateSession response");
            }
            Response::FindServers { servers } => {
                // A discovery server lists others too: only its own description is a fact
                // about this address.
                if let Some(own) = servers.first() {
                    application_facts(ctx, own, "OPC UA FindServers response");
                }
            }
            Response::Read { results } => {
                for (i, fact) in build_info {
                    if let Some(text) = results.get(*i).and_then(|v| v.text.as_deref()) {
                        ctx.obs.attribute(
                            Subject::Ip(ctx.src),
                            fact,
                            text,
                            "opcua",
                            "OPC UA Read response (server BuildInfo)",
                            1.0,
                            ctx.ev,
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// A request and a response belong together: same request id and message type, and the
/// same service (a ServiceFault answers any).
fn pairs(req: &Half, res: &Half) -> bool {
    req.request_id.is_some()
        && req.request_id == res.request_id
        && req.header.message_type == res.header.message_type
        && match (req.service, res.service) {
            (Some(q), Some(s)) => {
                s == opcua::ids::SERVICE_FAULT
                    || opcua::service_name(q).map(opcua::service_stem)
                        == opcua::service_name(s).map(opcua::service_stem)
            }
            _ => true,
        }
}

/// Up to [`MAX_LISTED`] items, comma-separated, and how many more there were.
fn list(items: impl Iterator<Item = String>, total: usize) -> String {
    let mut out: Vec<String> = items.take(MAX_LISTED).collect();
    if total > MAX_LISTED {
        out.push(format!("and {} more", total - MAX_LISTED));
    }
    out.join(", ")
}

/// Numeric node ids a request names, per namespace, as the addresses of its service.
fn node_addresses<'n>(ctx: &mut Ctx<'_>, code: u16, nodes: impl Iterator<Item = &'n NodeId>) {
    for n in nodes.take(opcua::MAX_ITEMS) {
        if let Some(id) = n.numeric() {
            let space = format!("ns={}", n.namespace.unwrap_or(0));
            ctx.obs.function_addresses(
                ctx.src,
                ctx.dst,
                "opcua",
                code,
                &space,
                id.into(),
                id.into(),
            );
        }
    }
}

/// An application's description as facts on the address that sent it.
fn application_facts(ctx: &mut Ctx<'_>, app: &Application, message: &str) {
    let facts = [
        ("opcua_application_uri", app.application_uri.as_deref()),
        ("opcua_product_uri", app.product_uri.as_deref()),
        ("opcua_application_name", app.name.text.as_deref()),
        (
            "opcua_application_type",
            Some(opcua::application_type_name(app.application_type)),
        ),
    ];
    // What a server calls itself is the software it runs (open62541, a vendor's stack).
    let software = (app.application_type != 1)
        .then_some(app.name.text.as_deref())
        .flatten();
    for (name, value) in facts.into_iter().chain([("software", software)]) {
        if let Some(value) = value.and_then(|v| otwatch_dissect::printable(v.as_bytes())) {
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                name,
                &value,
                "opcua",
                message,
                1.0,
                ctx.ev,
            );
        }
    }
}

/// A server's endpoints: its own description once, and each endpoint's address, security
/// and user token types.
fn endpoint_facts(ctx: &mut Ctx<'_>, endpoints: &[opcua::Endpoint], message: &str) {
    if let Some(first) = endpoints.first() {
        application_facts(ctx, &first.server, message);
    }
    for e in endpoints.iter().take(MAX_LISTED) {
        let policy = e
            .security_policy_uri
            .as_deref()
            .and_then(|u| u.rsplit('#').next())
            .unwrap_or("-");
        let tokens: Vec<&str> = e
            .user_tokens
            .iter()
            .take(MAX_LISTED)
            .map(|t| match t.token_type {
                0 => "Anonymous",
                1 => "UserName",
                2 => "Certificate",
                3 => "IssuedToken",
                _ => "unknown",
            })
            .collect();
        let value = format!(
            "{} security {} policy {policy} users {} certificate {}",
            e.endpoint_url.as_deref().unwrap_or("-"),
            opcua::security_mode_name(e.security_mode),
            if tokens.is_empty() {
                "-".to_string()
            } else {
                tokens.join(",")
            },
            if e.certificate.as_ref().is_some_and(|c| !c.is_empty()) {
                "yes"
            } else {
                "no"
            }
        );
        if let Some(value) = otwatch_dissect::printable(value.as_bytes()) {
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                "opcua_endpoint",
                &value,
                "opcua",
                message,
                1.0,
                ctx.ev,
            );
        }
    }
}

/// A status code's row in the status-code log.
pub(crate) fn status_rows(ctx: &mut Ctx<'_>, link: &str, source: StatusSource, code: u32) {
    // No link: rows are not being written.
    if !ctx.logging() || link.is_empty() {
        return;
    }
    let severity = code >> 30;
    let severity_str = match severity {
        0 => "Severity_Good",
        1 => "Severity_Uncertain",
        2 => "Severity_Bad",
        _ => "Reserved",
    };
    // ICSNPP keeps the sub-code in a byte.
    let sub_code = (code >> 16) & 0xff;
    let info_type = (code >> 10) & 0x3;
    let mut v = vec![
        Value::Str(link.to_string()),
        Value::Count(source as u64),
        source.name().into(),
        Value::Count(0),
        Value::Str(format!("0x{code:08x}")),
        severity.into(),
        severity_str.into(),
        sub_code.into(),
        Value::Str(opcua::status_name(code).unwrap_or_default().to_string()),
        Value::Bool(code & 0x8000 != 0),
        Value::Bool(code & 0x4000 != 0),
        info_type.into(),
        match info_type {
            0 => "InfoType_NotUsed",
            1 => "InfoType_DataValue",
            _ => "Reserved",
        }
        .into(),
    ];
    if info_type == 0 {
        v.extend(std::iter::repeat_n(Value::Unset, 8));
    } else {
        let limit = (code >> 8) & 0x3;
        let historian = code & 0x3;
        v.extend([
            limit.into(),
            [
                "LimitBits_None",
                "LimitBits_Low",
                "LimitBits_High",
                "LimitBits_Constant",
            ][limit as usize]
                .into(),
            Value::Bool(code & 0x80 != 0),
            historian.into(),
            match historian {
                0 => "HistorianBits_Raw",
                1 => "HistorianBits_Calculated",
                2 => "HistorianBits_Interpolated",
                _ => "Reserved",
            }
            .into(),
            Value::Bool(code & 0x04 != 0),
            Value::Bool(code & 0x08 != 0),
            Value::Bool(code & 0x10 != 0),
        ]);
    }
    ctx.log(&OPCUA_STATUS_CODE_LOG, v);
}

/// Bytes as the characters of the same codes, which the Zeek writer shows as `\xNN` where
/// they are not printable.
fn raw_bytes(bytes: Option<&[u8]>) -> String {
    bytes
        .unwrap_or_default()
        .iter()
        .map(|&b| char::from(b))
        .collect()
}

/// The columns of the asymmetric security header.
fn security_columns(a: &AsymmetricHeader<'_>) -> [Value; 6] {
    let hex = |b: Option<&[u8]>| {
        b.filter(|b| !b.is_empty())
            .map(|b| format!("0x{}", opcua::hex(b)))
    };
    [
        Value::Int(a.policy_uri_len.into()),
        Value::Str(a.policy_uri.clone().unwrap_or_default()),
        Value::Int(a.sender_certificate_len.into()),
        Value::opt_str(hex(a.sender_certificate)),
        Value::Int(a.receiver_thumbprint_len.into()),
        Value::opt_str(hex(a.receiver_thumbprint)),
    ]
}

/// The first eleven columns (message type to endpoint URL), unset but for the header's.
fn header_columns(header: &Header, total: u32) -> Vec<Value> {
    let mut v = vec![Value::Unset; OPCUA_BINARY_LOG.columns.len()];
    v[0] = header.type_str().into();
    v[1] = Value::Str(char::from(header.chunk_type).to_string());
    v[2] = total.into();
    v
}

const REQ_COLUMNS: usize = 20;
const RES_COLUMNS: usize = 13;
/// Position of the first request column (`req_opcua_link_id`) and response column.
const REQ_AT: usize = 19;
const RES_AT: usize = REQ_AT + REQ_COLUMNS;

fn set_link(columns: &mut [Value], link: String) {
    if let Some(first) = columns.first_mut() {
        *first = Value::Str(link);
    }
}

/// The columns of one side when only its size (and sequence number) are known.
fn side_columns(request: bool, size: u32, seq: Option<u32>) -> Vec<Value> {
    let mut v = vec![Value::Unset; if request { REQ_COLUMNS } else { RES_COLUMNS }];
    v[1] = size.into();
    v[2] = Value::opt_count(seq);
    v
}

fn node_columns(n: &NodeId) -> [Value; 6] {
    use opcua::Identifier;
    let mut v = [
        Value::Str(format!("0x{:02x}", n.encoding)),
        Value::opt_count(n.namespace),
        Value::Unset,
        Value::Unset,
        Value::Unset,
        Value::Unset,
    ];
    match &n.id {
        Identifier::Numeric(i) => v[2] = (*i).into(),
        Identifier::String(s) => v[3] = Value::Str(s.clone()),
        Identifier::Guid(g) => v[4] = Value::Str(g.clone()),
        Identifier::Opaque(b) => v[5] = Value::Str(format!("0x{}", opcua::hex(b))),
    }
    v
}

fn request_columns(
    header: &Header,
    seq: u32,
    service: &opcua::Service<'_>,
    h: &opcua::RequestHeader,
) -> Vec<Value> {
    let mut v = Vec::with_capacity(REQ_COLUMNS);
    v.push(Value::Unset);
    v.push(header.size.into());
    v.push(seq.into());
    v.push(service.type_encoding.into());
    v.push(service.type_namespace.into());
    v.push(service.type_id.into());
    v.push(Value::opt_str(opcua::service_name(service.type_id)));
    v.extend(node_columns(&h.auth_token));
    v.push(Value::Time(opcua::datetime_micros(h.timestamp)));
    v.push(h.handle.into());
    v.push(h.return_diagnostics.into());
    v.push(Value::Str(h.audit_entry_id.clone().unwrap_or_default()));
    v.push(h.timeout_hint.into());
    v.push(Value::opt_count(h.additional_type.numeric()));
    v.push(h.additional_encoding.into());
    v
}

fn response_columns(
    header: &Header,
    seq: u32,
    service: &opcua::Service<'_>,
    h: &opcua::ResponseHeader,
    status_link: Option<String>,
) -> Vec<Value> {
    vec![
        Value::Unset,
        header.size.into(),
        seq.into(),
        service.type_encoding.into(),
        service.type_namespace.into(),
        service.type_id.into(),
        Value::opt_str(opcua::service_name(service.type_id)),
        Value::Time(opcua::datetime_micros(h.timestamp)),
        h.handle.into(),
        Value::opt_str(status_link),
        h.diagnostics_mask.into(),
        Value::opt_count(h.additional_type.numeric()),
        h.additional_encoding.into(),
    ]
}

/// A main-log row from a request, a response, or both.
fn main_row(req: Option<&Half>, res: Option<&Half>) -> Vec<Value> {
    let Some(first) = req.or(res) else {
        return vec![Value::Unset; OPCUA_BINARY_LOG.columns.len()];
    };
    let total = req.map_or(0, |h| h.header.size) + res.map_or(0, |h| h.header.size);
    let mut v = header_columns(&first.header, total);
    let mut channels: Vec<u64> = req
        .iter()
        .chain(res.iter())
        .map(|h| u64::from(h.channel_id))
        .collect();
    channels.sort_unstable();
    channels.dedup();
    v[11] = Value::Counts(channels);
    if let Some(security) = req
        .and_then(|h| h.security.as_ref())
        .or(res.and_then(|h| h.security.as_ref()))
    {
        for (i, value) in security.iter().enumerate() {
            v[12 + i] = value.clone();
        }
    }
    v[18] = Value::opt_count(first.request_id);
    if let Some(r) = req {
        for (i, value) in r.columns.iter().take(REQ_COLUMNS).enumerate() {
            v[REQ_AT + i] = value.clone();
        }
    }
    if let Some(r) = res {
        for (i, value) in r.columns.iter().take(RES_COLUMNS).enumerate() {
            v[RES_AT + i] = value.clone();
        }
    }
    v
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

    // ICSNPP's `open62541_client-server_mainloop.pcap`: frames 10 and 12 (OpenSecureChannel
    // request and response, policy None) and 88 (a Write request).
    const OPN_REQUEST: &str = "4f504e4684000000000000002f000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c696379234e6f6e65ffffffffffffffff01000000010000000100be010000caa2e64e2dd1d5010000000000000000ffffffff00000000000000000000000000000001000000ffffffffc0270900";
    const OPN_RESPONSE: &str = "4f504e4687000000030000002f000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c696379234e6f6e65ffffffffffffffff01000000010000000100c1013a3fee4e2dd1d501000000000000000000ffffffff000000000000000300000003000000263fee4e2dd1d501c0270900ffffffff";
    const WRITE_REQUEST: &str = "4d5347466d000000040000000400000015000000150000000100a1020401003912161546f36d34fecffcbfbacb4c14b28f934f2dd1d5011600000000000000ffffffff00000000000000010000000301000a0000007468652e616e737765720d000000ffffffff010601000000";

    struct Run {
        flow: OpcUaFlow,
        obs: otwatch_inventory::Observations,
        events: Vec<otwatch_model::ProtocolEvent>,
        rows: Vec<LogRow>,
    }

    /// Feeds (from the client?, bytes) chunks to one TCP flow with logging on; `gap_before`
    /// marks a gap in the stream before that chunk.
    fn run(chunks: &[(bool, Vec<u8>)], gap_before: Option<usize>) -> Run {
        let mut flow = OpcUaFlow::default();
        let mut t = TestFlow::new(("10.0.0.1", 40000), ("10.0.0.2", 4840));
        for (i, (from_client, data)) in chunks.iter().enumerate() {
            if gap_before == Some(i) {
                flow.gap();
            }
            let mut ctx = t.ctx(*from_client, i as u64 + 1, i as i64 + 1);
            flow.chunk(usize::from(!from_client), data, &mut ctx);
        }
        let Ctx {
            conn,
            logs: Some(rows),
            ..
        } = t.ctx(true, 0, 0)
        else {
            unreachable!("the test flow logs")
        };
        flow.end(conn, rows);
        Run {
            flow,
            obs: t.obs,
            events: t.events,
            rows: t.rows,
        }
    }

    fn main_rows(rows: &[LogRow]) -> Vec<&LogRow> {
        rows.iter()
            .filter(|r| r.spec.name == "opcua_binary")
            .collect()
    }

    fn column<'a>(row: &'a LogRow, name: &str) -> &'a Value {
        let i = row
            .spec
            .columns
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap();
        &row.values[i]
    }

    /// A Write request with another request id.
    fn write_with_id(id: u32) -> Vec<u8> {
        let mut w = hex(WRITE_REQUEST);
        w[20..24].copy_from_slice(&id.to_le_bytes());
        w
    }

    #[test]
    fn request_and_response_make_one_row_split_across_segments() {
        let response = hex(OPN_RESPONSE);
        let (a, b) = response.split_at(40);
        let r = run(
            &[
                (true, hex(OPN_REQUEST)),
                (false, a.to_vec()),
                (false, b.to_vec()),
            ],
            None,
        );
        let rows = main_rows(&r.rows);
        assert_eq!(rows.len(), 1);
        let row = rows[0];
        assert_eq!(row.ts, 1, "the request's time");
        assert_eq!(column(row, "total_size"), &Value::Count(132 + 135));
        assert_eq!(column(row, "sec_channel_id"), &Value::Counts(vec![0, 3]));
        assert_eq!(
            column(row, "res_identifier_str"),
            &Value::Str("OpenSecureChannelResponse".into())
        );
        let channel: Vec<_> = r
            .rows
            .iter()
            .filter(|r| r.spec.name == "opcua_binary_opensecure_channel")
            .collect();
        assert_eq!(channel.len(), 2);
    }

    #[test]
    fn open_requests_are_bounded() {
        let chunks: Vec<_> = (0..MAX_PENDING as u32 + 6)
            .map(|id| (true, write_with_id(100 + id)))
            .collect();
        let r = run(&chunks, None);
        assert_eq!(r.flow.pending_limit_hits(), 6);
        // Six written when pushed out, the rest when the flow ended: none lost.
        assert_eq!(main_rows(&r.rows).len(), MAX_PENDING + 6);
        assert_eq!(
            r.events.iter().filter(|e| e.kind == "opcua_write").count(),
            1,
            "the same write repeated is one event"
        );
    }

    #[test]
    fn a_body_that_breaks_the_encoding_is_reported_a_few_times() {
        // A MSG chunk whose type id uses an encoding that does not exist (0x0f).
        let mut bad = b"MSGF".to_vec();
        bad.extend_from_slice(&25u32.to_le_bytes());
        bad.extend_from_slice(&[4, 0, 0, 0, 4, 0, 0, 0, 9, 0, 0, 0, 9, 0, 0, 0, 0x0f]);
        let chunks: Vec<_> = (0..5).map(|_| (true, bad.clone())).collect();
        let r = run(&chunks, None);
        let malformed: Vec<_> = r
            .events
            .iter()
            .filter(|e| e.kind == "opcua_malformed")
            .collect();
        assert_eq!(malformed.len(), usize::from(MAX_MALFORMED_REPORTED));
        assert!(malformed[0].detail.contains("opcua_bad_node_id_encoding"));
    }

    #[test]
    fn after_a_gap_no_rows_but_still_events() {
        let r = run(
            &[(true, hex(OPN_REQUEST)), (true, write_with_id(7))],
            Some(1),
        );
        let rows = main_rows(&r.rows);
        assert_eq!(rows.len(), 1, "only the request seen before the gap");
        assert_eq!(
            column(rows[0], "req_identifier_str"),
            &Value::Str("OpenSecureChannelRequest".into())
        );
        assert!(r.events.iter().any(|e| e.kind == "opcua_write"));
    }

    #[test]
    fn build_info_read_is_a_fact_on_the_server() {
        // Frames 84 and 86 of the same capture (a Read of ns=1;s=the.answer answered
        // BadNodeIdUnknown), with the node replaced by BuildInfo's SoftwareVersion (i=2264)
        // and the answer by the string "1.3.0"; the chunk sizes follow.
        let request = "4d5347466c00000004000000040000001400000014000000010077020401003912161546f36d34fecffcbfbacb4c14bed68b4f2dd1d5011500000000000000ffffffff00000000000000000000000000000000000000010000000100d8080d000000ffffffff0000ffffffff";
        let response = "4d5347464700000004000000040000000a0000001400000001007a02cc89934f2dd1d501150000000000000000ffffffff00000001000000010c05000000312e332e30ffffffff";
        let r = run(&[(true, hex(request)), (false, hex(response))], None);
        let server: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let version = r
            .obs
            .attributes
            .iter()
            .find(|((s, n, _, _), _)| *s == Subject::Ip(server) && *n == "software_version")
            .map(|((_, _, v, _), seen)| (v.clone(), seen.first.frame));
        assert_eq!(version, Some(("1.3.0".to_string(), 2)));
        let rows = main_rows(&r.rows);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            column(rows[0], "res_identifier_str"),
            &Value::Str("ReadResponse".into())
        );
    }
}
