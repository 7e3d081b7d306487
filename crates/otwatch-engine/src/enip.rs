//! EtherNet/IP and CIP on one flow: encapsulation messages framed in each direction (TCP) or
//! taken whole (UDP), the CIP requests and responses they carry paired by sender context
//! (unconnected) or sequence count (connected), with a bounded number open; identity facts
//! from ListIdentity replies and from the Identity object's own answers; events for what
//! changes a device (reset, start, stop, attribute and tag writes, connections opened) and
//! for what is wrong (bad lengths, unknown commands, error statuses, unasked responses);
//! and ICSNPP's `enip.log`, `cip.log`, `cip_io.log` and `cip_identity.log`.

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use otwatch_dissect::cip::{self, Address, Message};
use otwatch_dissect::enip::{self, Framed};
use otwatch_inventory::{BehindPath, Subject};
use otwatch_model::logs::{LogSpec, Value};
use std::collections::VecDeque;

/// ICSNPP's `enip.log`: one row per encapsulation message. In all four logs
/// `packet_correlation_id` is the capture frame that delivered the message, so that an
/// `enip.log` row and the `cip.log` rows of the same packet share it.
pub static ENIP_LOG: LogSpec = LogSpec {
    name: "enip",
    directional: true,
    columns: &[
        ("packet_correlation_id", "string"),
        ("enip_command_code", "string"),
        ("enip_command", "string"),
        ("length", "count"),
        ("session_handle", "string"),
        ("enip_status", "string"),
        ("sender_context", "string"),
        ("options", "string"),
    ],
};

/// ICSNPP's `cip.log`: one row per CIP request or response, and one per service embedded
/// in a Multiple Service Packet.
pub static CIP_LOG: LogSpec = LogSpec {
    name: "cip",
    directional: true,
    columns: &[
        ("packet_correlation_id", "string"),
        ("cip_sequence_count", "count"),
        ("direction", "string"),
        ("cip_service_code", "string"),
        ("cip_service", "string"),
        ("cip_status_code", "string"),
        ("cip_status", "string"),
        ("cip_extended_status_code", "string"),
        ("cip_extended_status", "string"),
        ("class_id", "string"),
        ("class_name", "string"),
        ("instance_id", "string"),
        ("attribute_id", "string"),
    ],
};

/// ICSNPP's `cip_io.log`: one row per implicit I/O datagram.
pub static CIP_IO_LOG: LogSpec = LogSpec {
    name: "cip_io",
    directional: true,
    columns: &[
        ("packet_correlation_id", "string"),
        ("connection_id", "string"),
        ("sequence_number", "count"),
        ("data_length", "count"),
        ("io_data", "string"),
    ],
};

/// ICSNPP's `cip_identity.log`: one row per identity item of a ListIdentity reply.
pub static CIP_IDENTITY_LOG: LogSpec = LogSpec {
    name: "cip_identity",
    directional: true,
    columns: &[
        ("packet_correlation_id", "string"),
        ("encapsulation_version", "count"),
        ("socket_address", "addr"),
        ("socket_port", "count"),
        ("vendor_id", "count"),
        ("vendor_name", "string"),
        ("device_type_id", "count"),
        ("device_type_name", "string"),
        ("product_code", "count"),
        ("revision", "string"),
        ("device_status", "string"),
        ("serial_number", "string"),
        ("product_name", "string"),
        ("device_state", "string"),
    ],
};

/// Partial messages held per direction. Identity replies are far smaller; longer messages
/// (large CIP transfers) are skipped over rather than buffered.
const MAX_CARRY: usize = 4096;
/// CIP requests awaiting a response per flow; beyond it the oldest is forgotten and counted.
const MAX_PENDING: usize = 64;
/// Identity requests remembered from one Multiple Service Packet (the eight attributes).
const MAX_IDENTITY_ASKS: usize = 8;

#[derive(Debug, Default)]
pub struct EnipFlow {
    framer: Framer,
    state: FlowState,
}

#[derive(Debug, Default)]
struct FlowState {
    pending: VecDeque<Open>,
    /// Requests forgotten because too many were open at once.
    limit_hits: u64,
    seen: Seen,
    /// The object the last counted service addressed: a poll that reads the same instance
    /// again adds nothing to the addresses touched, and is not looked up again.
    last_addressed: Option<(bool, u8, u32, u32)>,
    /// Unknown commands reported on this flow: a stream read from a wrong boundary yields
    /// one per "message", so only the first few become events.
    unknown_reported: u8,
    /// A ListIdentity request was reported: a tool that keeps asking on the same socket is
    /// one asker, a sweep is many flows.
    identity_request_reported: bool,
}

/// Unknown-command events per flow.
const MAX_UNKNOWN_REPORTED: u8 = 3;

/// Notable requests already reported on this flow: a controller polled with the same tag
/// write every cycle yields one event per tag, not thousands. The service counts per edge
/// keep the totals.
#[derive(Debug, Default)]
struct Seen(VecDeque<u64>);

/// Distinct notable requests remembered per flow; the oldest is forgotten first, so at
/// worst a request is reported again.
const MAX_SEEN: usize = 64;

impl Seen {
    /// True the first time this service, path and data shape is seen.
    fn first(&mut self, r: &cip::Request<'_>) -> bool {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (r.service, r.path.0).hash(&mut h);
        let key = h.finish();
        if self.0.contains(&key) {
            return false;
        }
        if self.0.len() >= MAX_SEEN {
            self.0.pop_front();
        }
        self.0.push_back(key);
        true
    }
}

/// How a response finds its request: unconnected messages echo the sender context,
/// connected ones the sequence count of their connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PairKey {
    Unconnected(u32, [u8; 8]),
    Connected(u16),
}

/// An open request: what it asked of which object (for an Unconnected Send, the request it
/// forwards; for a Multiple Service Packet, the embedded requests to the Identity object, by
/// position, which are all its answers are read for — keeping only those bounds what an
/// open request holds).
#[derive(Debug)]
struct Open {
    key: PairKey,
    /// The service as sent: an Unconnected Send refused on the way answers under its own
    /// code rather than the forwarded request's.
    outer_service: u8,
    asked: Asked,
    embedded: Vec<(usize, Asked)>,
    /// The module in the chassis an Unconnected Send or Forward Open was routed to.
    route: Option<BehindPath>,
}

#[derive(Debug, Clone, Copy)]
struct Asked {
    service: u8,
    address: Address,
}

struct Encapsulation;

impl MessageLength for Encapsulation {
    const HEADER: usize = 4;
    fn total(h: &[u8]) -> Option<usize> {
        Some(enip::HEADER_LEN + usize::from(u16::from_le_bytes([h[2], h[3]])))
    }
}

impl EnipFlow {
    pub fn gap(&mut self) {
        self.framer.gap();
        self.state.pending.clear();
    }

    pub fn pending_limit_hits(&self) -> u64 {
        self.state.limit_hits
    }

    /// A chunk of a TCP stream; `side` 0 for the originator's direction, 1 for the other.
    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        let Self { framer, state } = self;
        framer.feed::<Encapsulation>(side, data, MAX_CARRY, |bytes| {
            if let Framed::Message(m, _) = enip::frame(bytes) {
                state.message(&m, ctx);
            }
        });
    }

    /// One UDP datagram to or from port 44818 (ListIdentity is often broadcast).
    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        match enip::frame(data) {
            Framed::Message(m, used) => {
                if used != data.len() {
                    bad_length(ctx, &m, data.len() - enip::HEADER_LEN);
                }
                self.state.message(&m, ctx);
            }
            Framed::NeedMore if data.len() >= enip::HEADER_LEN => {
                let command = u16::from_le_bytes([data[0], data[1]]);
                let length = u16::from_le_bytes([data[2], data[3]]);
                ctx.event(
                    "enip",
                    "enip_bad_length".into(),
                    format!(
                        "{} (0x{command:04x}) states {length} bytes of data, the datagram holds {}",
                        enip::command_name(command),
                        data.len() - enip::HEADER_LEN
                    ),
                );
            }
            Framed::NeedMore => {}
        }
    }
}

fn bad_length(ctx: &mut Ctx<'_>, m: &enip::Encapsulation<'_>, actual: usize) {
    ctx.event(
        "enip",
        "enip_bad_length".into(),
        format!(
            "{} (0x{:04x}) states {} bytes of data, {actual} follow",
            enip::command_name(m.command),
            m.command,
            m.length
        ),
    );
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// One implicit I/O datagram (UDP 2222): logged as ICSNPP's `cip_io.log` has it.
pub fn io_datagram(data: &[u8], ctx: &mut Ctx<'_>) {
    if !ctx.logging() {
        return;
    }
    let Ok(io) = enip::parse_io(data) else {
        return;
    };
    ctx.log(
        &CIP_IO_LOG,
        vec![
            ctx.ev.frame.to_string().into(),
            format!("0x{:08x}", io.connection_id).into(),
            io.sequence_number.into(),
            (io.data.len() as u64).into(),
            hex(io.data).into(),
        ],
    );
}

impl FlowState {
    fn message(&mut self, m: &enip::Encapsulation<'_>, ctx: &mut Ctx<'_>) {
        let correlation = ctx.ev.frame;
        if ctx.logging() {
            ctx.log(
                &ENIP_LOG,
                vec![
                    correlation.to_string().into(),
                    format!("0x{:02x}", m.command).into(),
                    enip::command_name(m.command).into(),
                    m.length.into(),
                    format!("0x{:08x}", m.session).into(),
                    enip::status_name(m.status)
                        .map_or_else(
                            || format!("Unknown ENIP Status-0x{:02x}", m.status),
                            str::to_string,
                        )
                        .into(),
                    format!("0x{}", hex(&m.sender_context)).into(),
                    format!("0x{:08x}", m.options).into(),
                ],
            );
        }
        if !enip::is_known_command(m.command) {
            if self.unknown_reported < MAX_UNKNOWN_REPORTED {
                self.unknown_reported += 1;
                let last = if self.unknown_reported == MAX_UNKNOWN_REPORTED {
                    "; further unknown commands on this flow are not reported"
                } else {
                    ""
                };
                ctx.event(
                    "enip",
                    "enip_unknown_command".into(),
                    format!(
                        "command 0x{:04x}, {} bytes of data{last}",
                        m.command, m.length
                    ),
                );
            }
            return;
        }
        if let Some(expected) = enip::fixed_length(m.command, ctx.from_orig) {
            if m.data.len() != expected {
                bad_length(ctx, m, m.data.len());
            }
        }
        if m.status != 0 {
            ctx.event(
                "enip",
                "enip_error_status".into(),
                format!(
                    "{} answered with status 0x{:08x} ({}), session 0x{:08x}",
                    enip::command_name(m.command),
                    m.status,
                    enip::status_name(m.status).unwrap_or("unknown"),
                    m.session
                ),
            );
        }
        match m.command {
            enip::LIST_IDENTITY if !m.data.is_empty() => list_identity(m, correlation, ctx),
            // The request names the asker, which the answers (sent by each device) do
            // not: a sweep is judged by who asks.
            enip::LIST_IDENTITY if ctx.from_orig && !self.identity_request_reported => {
                self.identity_request_reported = true;
                ctx.event(
                    "enip",
                    "enip_list_identity_request".into(),
                    format!("ListIdentity request to {}", ctx.dst),
                );
            }
            enip::SEND_RR_DATA | enip::SEND_UNIT_DATA => self.send_data(m, correlation, ctx),
            _ => {}
        }
    }

    fn send_data(&mut self, m: &enip::Encapsulation<'_>, correlation: u64, ctx: &mut Ctx<'_>) {
        let Ok(send) = enip::parse_send_data(m.data) else {
            return;
        };
        let Ok(carried) = enip::carried(&send) else {
            return;
        };
        let Some(bytes) = carried.message else {
            return;
        };
        let Ok(message) = cip::parse(bytes) else {
            return;
        };
        let key = match carried.sequence_count {
            Some(seq) => PairKey::Connected(seq),
            None => PairKey::Unconnected(m.session, m.sender_context),
        };
        let sequence = carried.sequence_count.unwrap_or(0);
        match message {
            Message::Request(r) => self.request(&r, key, sequence, correlation, ctx),
            Message::Response(r) => self.response(&r, key, sequence, correlation, ctx),
        }
    }

    fn request(
        &mut self,
        r: &cip::Request<'_>,
        key: PairKey,
        sequence: u16,
        correlation: u64,
        ctx: &mut Ctx<'_>,
    ) {
        let address = r.path.address();
        log_request(ctx, correlation, sequence, r.service, &address);
        count_function(ctx, r.service, &address, &mut self.last_addressed);
        notable_request(ctx, r, &address, &mut self.seen);
        let mut asked = Asked {
            service: r.service,
            address,
        };
        let mut embedded = Vec::new();
        let mut route = None;
        if matches!(r.service, cip::FORWARD_OPEN | cip::LARGE_FORWARD_OPEN) {
            if let Ok(fo) = cip::forward_open(r.data, r.service == cip::LARGE_FORWARD_OPEN) {
                route = first_hop(&fo.path);
            }
        }
        if r.service == cip::MULTIPLE_SERVICE_PACKET {
            let services = cip::multiple_service_packet(r.data).unwrap_or_default();
            for (i, service) in services.into_iter().enumerate() {
                let Ok(Message::Request(inner)) = cip::parse(service) else {
                    continue;
                };
                let inner_address = inner.path.address();
                log_request(ctx, correlation, sequence, inner.service, &inner_address);
                count_function(ctx, inner.service, &inner_address, &mut self.last_addressed);
                notable_request(ctx, &inner, &inner_address, &mut self.seen);
                if inner_address.class == Some(cip::CLASS_IDENTITY)
                    && embedded.len() < MAX_IDENTITY_ASKS
                {
                    let asked = Asked {
                        service: inner.service,
                        address: inner_address,
                    };
                    embedded.push((i, asked));
                }
            }
        } else if r.service == cip::UNCONNECTED_SEND
            && address.class == Some(cip::CLASS_CONNECTION_MANAGER)
        {
            // The response that comes back is the forwarded request's.
            if let Ok(send) = cip::unconnected_send(r.data) {
                route = first_hop(&send.route);
                if let Ok(Message::Request(inner)) = cip::parse(send.embedded) {
                    let inner_address = inner.path.address();
                    count_function(ctx, inner.service, &inner_address, &mut self.last_addressed);
                    notable_request(ctx, &inner, &inner_address, &mut self.seen);
                    asked = Asked {
                        service: inner.service,
                        address: inner_address,
                    };
                }
            }
        }
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
            self.limit_hits += 1;
        }
        self.pending.push_back(Open {
            key,
            outer_service: r.service,
            asked,
            embedded,
            route,
        });
    }

    fn response(
        &mut self,
        r: &cip::Response<'_>,
        key: PairKey,
        sequence: u16,
        correlation: u64,
        ctx: &mut Ctx<'_>,
    ) {
        log_response(ctx, correlation, sequence, r);
        let open = self
            .pending
            .iter()
            .position(|o| {
                o.key == key && (o.asked.service == r.service || o.outer_service == r.service)
            })
            .and_then(|i| self.pending.remove(i));
        if open.is_none() {
            ctx.event(
                "cip",
                "cip_response_without_request".into(),
                format!(
                    "{} (0x{:02x}) response, status 0x{:02x}, and no request seen for it",
                    cip::service_name(r.service),
                    r.service,
                    r.general_status
                ),
            );
        }
        error_status(ctx, r, open.as_ref().map(|o| &o.asked));
        let route = open.as_ref().and_then(|o| o.route);
        if let (Some(path), 0) = (route, r.general_status) {
            // A module answered (or accepted the connection) through the chassis.
            ctx.obs.behind(
                ctx.src,
                path,
                || {
                    format!(
                        "CIP {} response through the route {}",
                        cip::service_name(r.service),
                        path.describe()
                    )
                },
                ctx.ev,
            );
        }
        let subject = match route {
            None => Some(Subject::Ip(ctx.src)),
            Some(path @ BehindPath::CipPort { hops: 1, .. }) => {
                Some(Subject::Behind(ctx.src, path))
            }
            // Further than the first module: whose identity it is cannot be placed.
            Some(_) => None,
        };
        if let Some(o) = open.as_ref().filter(|o| o.asked.service == r.service) {
            if let (0, Some(subject)) = (r.general_status, subject) {
                identity_answer(ctx, subject, &o.asked, r.data);
            }
        }
        if r.service != cip::MULTIPLE_SERVICE_PACKET {
            return;
        }
        let services = cip::multiple_service_packet(r.data).unwrap_or_default();
        for (i, service) in services.into_iter().enumerate() {
            let Ok(Message::Response(inner)) = cip::parse(service) else {
                continue;
            };
            log_response(ctx, correlation, sequence, &inner);
            let asked = open
                .as_ref()
                .and_then(|o| o.embedded.iter().find(|(at, _)| *at == i))
                .map(|(_, asked)| asked);
            error_status(ctx, &inner, asked);
            if let Some(asked) = asked.filter(|a| a.service == inner.service) {
                if inner.general_status == 0 {
                    identity_answer(ctx, Subject::Ip(ctx.src), asked, inner.data);
                }
            }
        }
    }
}

fn log_request(ctx: &mut Ctx<'_>, correlation: u64, sequence: u16, service: u8, a: &Address) {
    if !ctx.logging() {
        return;
    }
    let id = |v: Option<u32>| Value::opt_str(v.map(|v| format!("0x{v:02x}")));
    ctx.log(
        &CIP_LOG,
        vec![
            correlation.to_string().into(),
            Value::opt_count((sequence != 0).then_some(sequence)),
            "request".into(),
            format!("0x{service:02x}").into(),
            cip::service_name(service).into(),
            Value::Unset,
            Value::Unset,
            Value::Unset,
            Value::Unset,
            id(a.class),
            Value::opt_str(a.class.map(cip::class_name)),
            id(a.instance),
            id(a.attribute),
        ],
    );
}

fn log_response(ctx: &mut Ctx<'_>, correlation: u64, sequence: u16, r: &cip::Response<'_>) {
    if !ctx.logging() {
        return;
    }
    let status = cip::status_name(r.general_status).map_or_else(
        || format!("Unknown CIP Status-0x{:02x}", r.general_status),
        str::to_string,
    );
    let extended_name = r.extended_status.map(|e| {
        cip::extended_status_name(e).map_or_else(
            || format!("Unknown Extended Status-0x{e:04x}"),
            str::to_string,
        )
    });
    ctx.log(
        &CIP_LOG,
        vec![
            correlation.to_string().into(),
            Value::opt_count((sequence != 0).then_some(sequence)),
            "response".into(),
            format!("0x{:02x}", r.service).into(),
            cip::service_name(r.service).into(),
            format!("0x{:02x}", r.general_status).into(),
            status.into(),
            Value::opt_str(r.extended_status.map(|e| format!("0x{e:04x}"))),
            Value::opt_str(extended_name),
            Value::Unset,
            Value::Unset,
            Value::Unset,
            Value::Unset,
        ],
    );
}

/// Service counts per edge, named by what the service means on its class.
/// Counts a CIP service on the edge, with the object instance it addressed. Services from
/// 0x4b up mean something different on each class (0x4c reads a tag on a Logix symbol
/// object), so they are counted per class.
fn count_function(
    ctx: &mut Ctx<'_>,
    service: u8,
    address: &Address,
    last_addressed: &mut Option<(bool, u8, u32, u32)>,
) {
    let class = address.class;
    let code = if service & 0x7f >= 0x4b {
        u16::from(service) | (class.map_or(0, |c| c & 0xff) as u16) << 8
    } else {
        u16::from(service)
    };
    ctx.obs.function(
        ctx.src,
        ctx.dst,
        "cip",
        code,
        || cip::service_meaning(service, class).to_string(),
        ctx.ev.ts,
    );
    if let (Some(class), Some(instance)) = (class, address.instance) {
        let this = Some((ctx.from_orig, service, class, instance));
        if *last_addressed == this {
            return;
        }
        *last_addressed = this;
        let mut buf = [0u8; 16];
        let space = class_space(class, &mut buf);
        ctx.obs.function_addresses(
            ctx.src,
            ctx.dst,
            "cip",
            code,
            space,
            u64::from(instance),
            u64::from(instance),
        );
    }
}

/// `class 0x04` — the instances of each class are one address space; formatted on the stack
/// since this runs for every service.
fn class_space(class: u32, buf: &mut [u8; 16]) -> &str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf[..8].copy_from_slice(b"class 0x");
    // At least two hex digits, as CIP classes are written (0x04, 0x6b, 0x300).
    let digits = (32 - class.leading_zeros()).div_ceil(4).max(2) as usize;
    for i in 0..digits {
        let nibble = (class >> (4 * (digits - 1 - i))) & 0xf;
        buf[8 + i] = HEX[nibble as usize];
    }
    std::str::from_utf8(&buf[..8 + digits]).unwrap_or("class")
}

fn object(a: &Address) -> String {
    let mut s = match a.class {
        Some(c) if cip::class_name(c) != "unknown" && c != 0 => {
            format!("class 0x{c:02x} ({})", cip::class_name(c))
        }
        Some(c) if (0x64..=0xc7).contains(&c) => format!("class 0x{c:02x} (vendor-specific)"),
        Some(c) => format!("class 0x{c:02x}"),
        None => "no logical class".to_string(),
    };
    if let Some(i) = a.instance {
        s.push_str(&format!(" instance 0x{i:02x}"));
    }
    if let Some(at) = a.attribute {
        s.push_str(&format!(" attribute 0x{at:02x}"));
    }
    s
}

fn is_notable(service: u8, class: Option<u32>) -> bool {
    match service {
        cip::RESET | cip::START | cip::STOP => true,
        cip::SET_ATTRIBUTES_ALL | cip::SET_ATTRIBUTE_LIST | cip::SET_ATTRIBUTE_SINGLE => true,
        0x08 | 0x09 => true,
        cip::FORWARD_OPEN | cip::LARGE_FORWARD_OPEN => class == Some(cip::CLASS_CONNECTION_MANAGER),
        0x4d | 0x53 | 0x4e => class != Some(cip::CLASS_CONNECTION_MANAGER),
        _ => false,
    }
}

/// Requests that change a device: reset, start, stop, attribute and tag writes, object
/// creation and deletion, connections opened.
fn notable_request(ctx: &mut Ctx<'_>, r: &cip::Request<'_>, a: &Address, seen: &mut Seen) {
    if !is_notable(r.service, a.class) {
        return;
    }
    let opens_connection = matches!(r.service, cip::FORWARD_OPEN | cip::LARGE_FORWARD_OPEN);
    // Each Forward Open asks for a new connection; only repeated requests are folded.
    if !opens_connection && !seen.first(r) {
        return;
    }
    let kind = match r.service {
        cip::RESET => "cip_reset",
        cip::START => "cip_start",
        cip::STOP => "cip_stop",
        cip::SET_ATTRIBUTES_ALL | cip::SET_ATTRIBUTE_LIST | cip::SET_ATTRIBUTE_SINGLE => {
            "cip_set_attribute"
        }
        0x08 => "cip_create",
        0x09 => "cip_delete",
        cip::FORWARD_OPEN | cip::LARGE_FORWARD_OPEN
            if a.class == Some(cip::CLASS_CONNECTION_MANAGER) =>
        {
            return forward_open(ctx, r);
        }
        0x4d | 0x53 | 0x4e if a.class != Some(cip::CLASS_CONNECTION_MANAGER) => "cip_tag_write",
        _ => return,
    };
    let mut detail = format!(
        "{} (0x{:02x}) on {}; path {}; {} bytes of data",
        cip::service_meaning(r.service, a.class),
        r.service,
        object(a),
        cip::describe_path(&r.path),
        r.data.len()
    );
    if r.service == cip::RESET && a.class == Some(cip::CLASS_IDENTITY) {
        // The Identity object's reset type: 0 emulates a power cycle, 1 also returns to the
        // out-of-box configuration, 2 keeps the communication settings.
        if let Some(kind) = r.data.first() {
            detail.push_str(&format!("; reset type {kind}"));
        }
    }
    ctx.event("cip", kind.into(), detail);
}

fn forward_open(ctx: &mut Ctx<'_>, r: &cip::Request<'_>) {
    let large = r.service == cip::LARGE_FORWARD_OPEN;
    let detail = match cip::forward_open(r.data, large) {
        Ok(fo) => format!(
            "{} to {}: O->T connection 0x{:08x} every {} us, T->O connection 0x{:08x} every {} us, \
             transport 0x{:02x}, connection serial 0x{:04x}, originator vendor {} serial 0x{:08x}",
            if large { "Large Forward Open" } else { "Forward Open" },
            cip::describe_route(&fo.path),
            fo.o_to_t_connection_id,
            fo.o_to_t_rpi_us,
            fo.t_to_o_connection_id,
            fo.t_to_o_rpi_us,
            fo.transport,
            fo.connection_serial,
            fo.originator_vendor_id,
            fo.originator_serial
        ),
        Err(e) => format!("Forward Open that does not parse ({e})"),
    };
    ctx.event("cip", "cip_forward_open".into(), detail);
}

fn error_status(ctx: &mut Ctx<'_>, r: &cip::Response<'_>, asked: Option<&Asked>) {
    // Partial Transfer only says more data follows in the next fragment.
    if matches!(r.general_status, 0x00 | 0x06) {
        return;
    }
    let on = asked
        .map(|a| format!(" on {}", object(&a.address)))
        .unwrap_or_default();
    let extended = r
        .extended_status
        .map(|e| {
            format!(
                ", extended status 0x{e:04x} ({})",
                cip::extended_status_name(e).unwrap_or("unknown")
            )
        })
        .unwrap_or_default();
    ctx.event(
        "cip",
        "cip_error_status".into(),
        format!(
            "{} (0x{:02x}){on} answered with status 0x{:02x} ({}){extended}",
            cip::service_name(r.service),
            r.service,
            r.general_status,
            cip::status_name(r.general_status).unwrap_or("unknown")
        ),
    );
}

/// The Identity object's answers become facts about the device that sent them.
fn identity_answer(ctx: &mut Ctx<'_>, subject: Subject, asked: &Asked, data: &[u8]) {
    if asked.address.class != Some(cip::CLASS_IDENTITY) {
        return;
    }
    let (id, message) = match asked.service {
        cip::GET_ATTRIBUTES_ALL => (
            cip::identity_all(data),
            "CIP Get_Attributes_All response of the Identity object".to_string(),
        ),
        cip::GET_ATTRIBUTE_SINGLE => {
            let Some(attribute) = asked.address.attribute else {
                return;
            };
            (
                cip::identity_attribute(attribute, data),
                format!(
                    "CIP Get_Attribute_Single response of the Identity object, attribute {attribute}"
                ),
            )
        }
        _ => return,
    };
    let Ok(id) = id else { return };
    let mut facts = Vec::new();
    if let Some(v) = id.vendor_id {
        facts.push(("cip_vendor_id", v.to_string()));
        if let Some(name) = enip::vendor_name(v) {
            facts.push(("vendor", name.to_string()));
        }
    }
    if let Some(t) = id.device_type {
        facts.push((
            "device_type",
            format!("{} ({t})", enip::device_type_name(t)),
        ));
    }
    if let Some(p) = id.product_code {
        facts.push(("cip_product_code", p.to_string()));
    }
    if let Some((major, minor)) = id.revision {
        facts.push(("firmware", format!("{major}.{minor}")));
    }
    if let Some(s) = id.serial_number {
        facts.push(("serial", format!("0x{s:08x}")));
    }
    if let Some(n) = &id.product_name {
        facts.push(("model", n.clone()));
    }
    if facts.is_empty() {
        return;
    }
    state_facts(ctx, subject, &facts, &message);
    let detail = facts
        .iter()
        .map(|(n, v)| format!("{n}={v:?}"))
        .collect::<Vec<_>>()
        .join(" ");
    ctx.event("cip", "cip_identity".into(), detail);
}

/// The first module of a route or connection path: a port segment with a one-byte link
/// address (a slot). A first hop to a network address leaves the chassis for another host,
/// which is an asset of its own.
fn first_hop(path: &cip::Path<'_>) -> Option<BehindPath> {
    let mut first = None;
    let mut hops: u8 = 0;
    for segment in path.segments().take(16) {
        let Ok(segment) = segment else { break };
        if let cip::Segment::Port { port, link } = segment {
            hops = hops.saturating_add(1);
            if hops == 1 {
                let [slot] = link else { return None };
                first = Some((port, *slot));
            }
        }
    }
    first.map(|(port, link)| BehindPath::CipPort { port, link, hops })
}

fn state_facts(
    ctx: &mut Ctx<'_>,
    subject: Subject,
    facts: &[(&'static str, String)],
    message: &str,
) {
    for (name, value) in facts {
        ctx.obs
            .attribute(subject, name, value, "enip", message, 1.0, ctx.ev);
    }
}

fn list_identity(m: &enip::Encapsulation<'_>, correlation: u64, ctx: &mut Ctx<'_>) {
    let Ok(identities) = enip::parse_list_identity_reply(m.data) else {
        return;
    };
    for id in identities {
        if ctx.logging() {
            ctx.log(
                &CIP_IDENTITY_LOG,
                vec![
                    correlation.to_string().into(),
                    id.encapsulation_version.into(),
                    Value::Addr(std::net::IpAddr::from(id.socket_address)),
                    id.socket_port.into(),
                    id.vendor_id.into(),
                    enip::vendor_name(id.vendor_id).unwrap_or("unknown").into(),
                    id.device_type.into(),
                    enip::device_type_name(id.device_type).into(),
                    id.product_code.into(),
                    format!("{}.{}", id.revision_major, id.revision_minor).into(),
                    format!("0x{:04x}", id.status).into(),
                    format!("0x{:08x}", id.serial_number).into(),
                    id.product_name.as_str().into(),
                    format!("0x{:04x}", id.state.unwrap_or(0)).into(),
                ],
            );
        }
        let message = "EtherNet/IP ListIdentity reply, CIP Identity item";
        let mut facts = vec![("cip_vendor_id", id.vendor_id.to_string())];
        if let Some(name) = enip::vendor_name(id.vendor_id) {
            facts.push(("vendor", name.to_string()));
        }
        facts.extend([
            (
                "device_type",
                format!(
                    "{} ({})",
                    enip::device_type_name(id.device_type),
                    id.device_type
                ),
            ),
            ("cip_product_code", id.product_code.to_string()),
            (
                "firmware",
                format!("{}.{}", id.revision_major, id.revision_minor),
            ),
            ("serial", format!("0x{:08x}", id.serial_number)),
            ("model", id.product_name.clone()),
        ]);
        state_facts(ctx, Subject::Ip(ctx.src), &facts, message);
        let detail = facts
            .iter()
            .map(|(n, v)| format!("{n}={v:?}"))
            .collect::<Vec<_>>()
            .join(" ");
        ctx.event("enip", "enip_list_identity".into(), detail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;
    use otwatch_inventory::Observations;
    use otwatch_model::logs::LogRow;
    use otwatch_model::ProtocolEvent;
    use std::net::IpAddr;

    fn bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Runs `messages` (originator's side first when `true`) through one flow, logging.
    fn run(messages: &[(bool, Vec<u8>)]) -> (Observations, Vec<ProtocolEvent>, Vec<LogRow>) {
        let mut t = TestFlow::new(("10.0.0.1", 50000), ("10.0.0.2", 44818));
        let mut flow = EnipFlow::default();
        for (frame, (from_orig, msg)) in messages.iter().enumerate() {
            let mut ctx = t.ctx(*from_orig, frame as u64 + 1, 1);
            flow.chunk(usize::from(!from_orig), msg, &mut ctx);
        }
        (t.obs, t.events, t.rows)
    }

    fn column(row: &LogRow, name: &str) -> Value {
        let i = row
            .spec
            .columns
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap();
        row.values[i].clone()
    }

    /// Unconnected Send of Get_Attributes_All (ITI EthernetIP-CIP.pcap, frame 29) with its
    /// target changed from class 0xac to the Identity object, and an answer carrying the
    /// identity the 1756-ENBT/A of the ICSNPP trace states in its ListIdentity reply.
    fn identity_exchange() -> Vec<(bool, Vec<u8>)> {
        let request = bytes("6f00260000050213000000006ac0be000000000000000000000000001400020000000000b200160052022006240107e90800010220012401010001000100");
        let mut cip = vec![0x81, 0x00, 0x00, 0x00];
        cip.extend_from_slice(&[0x01, 0x00, 0x0c, 0x00, 0x3a, 0x00, 0x04, 0x03, 0x30, 0x00]);
        cip.extend_from_slice(&[0x8e, 0x4d, 0x52, 0x00, 11]);
        cip.extend_from_slice(b"1756-ENBT/A");
        cip.push(3);
        let mut data = vec![0, 0, 0, 0, 0x14, 0, 2, 0, 0, 0, 0, 0, 0xb2, 0];
        data.extend_from_slice(&(cip.len() as u16).to_le_bytes());
        data.extend_from_slice(&cip);
        let mut answer = request[..24].to_vec();
        answer[2..4].copy_from_slice(&(data.len() as u16).to_le_bytes());
        answer.extend_from_slice(&data);
        vec![(true, request), (false, answer)]
    }

    /// ITI EthernetIP/enip_test.pcap frame 6 (also icsnpp-enip enip_cip_example.pcap frame
    /// 371): 10.1.1.167 asks 10.1.1.164 for its identity over TCP; asked twice, it is one
    /// event.
    #[test]
    fn list_identity_request_names_the_asker_once_per_flow() {
        let ask = bytes("63000000000000000000000000000000c1debed100000000");
        let (_, events, _) = run(&[(true, ask.clone()), (true, ask)]);
        let asked: Vec<_> = events
            .iter()
            .map(|e| (e.frame, e.kind.as_str(), e.detail.as_str()))
            .collect();
        assert_eq!(
            asked,
            [(
                1,
                "enip_list_identity_request",
                "ListIdentity request to 10.0.0.2"
            )]
        );
    }

    #[test]
    fn identity_object_answer_reaches_the_inventory() {
        let (obs, events, rows) = run(&identity_exchange());
        let server: IpAddr = "10.0.0.2".parse().unwrap();
        // The request was routed to backplane slot 0: the identity is that module's.
        let slot0 = BehindPath::CipPort {
            port: 1,
            link: 0,
            hops: 1,
        };
        assert_eq!(obs.behind[&(server, slot0)].first.frame, 2);
        let stated = |name: &str| {
            obs.attributes
                .iter()
                .find(|((s, n, _, _), _)| *s == Subject::Behind(server, slot0) && *n == name)
                .map(|((_, _, v, _), seen)| (v.clone(), seen.message.clone(), seen.first.frame))
        };
        let (model, message, frame) = stated("model").unwrap();
        assert_eq!(model, "1756-ENBT/A");
        assert_eq!(frame, 2);
        assert!(message.contains("Get_Attributes_All"), "{message}");
        assert_eq!(stated("firmware").unwrap().0, "4.3");
        assert_eq!(stated("serial").unwrap().0, "0x00524d8e");
        assert_eq!(
            stated("vendor").unwrap().0,
            "Rockwell Automation/Allen-Bradley"
        );
        assert_eq!(
            stated("device_type").unwrap().0,
            "Communications Adapter (12)"
        );
        assert!(events.iter().any(|e| e.kind == "cip_identity"));
        // cip.log: the Unconnected Send as ICSNPP names it, then the forwarded answer.
        let cip: Vec<_> = rows.iter().filter(|r| r.spec.name == "cip").collect();
        assert_eq!(column(cip[0], "cip_service_code"), Value::from("0x52"));
        assert_eq!(
            column(cip[0], "class_name"),
            Value::from("Connection Manager")
        );
        assert_eq!(column(cip[0], "cip_sequence_count"), Value::Unset);
        assert_eq!(
            column(cip[1], "cip_service"),
            Value::from("Get Attributes All")
        );
        assert_eq!(column(cip[1], "cip_status"), Value::from("Success"));
    }

    #[test]
    fn multiple_service_packet_rows_and_pairing() {
        // ICSNPP trace multiple_service_packet_cip.pcapng frame 1 and its answer from ITI
        // cip-multiple-2.pcap frame 1 (same session, same sequence count 1929).
        let request = bytes("7000ba0000010211000000000000000000000000000000000000000001000200a1000400010b7c00b100a60089070a02200224010b00180022002c0036004c005800640072007c008a0094000302200124010100050003022069240001000b0003022073240101000200030220ac240107000100020003000500070009000a000303206825002024010013000302207024010200120013000302208e240103000300080010000302206924000100090003022068240003000f0018001900030220772401010002000302208b240101000600");
        let answer = bytes("70000d0100010211000000000000000000000000000000000000000000000200a10004002800fe80b100f90089078a0000000b001800240030003c0074007f009500ad00b900d500e1008300000001000500000060308300000001000b00000003008300000001000200000000008300000007000100000005000200000001000300000095291f04050000000000070000000200000009000000010001000a0000008422df488300000001001300000000830000000200120000000000000013000000000000008300000003000300000014000800000000001000000001008300000001000900000000008300000003000f0000000000180000000000000019000000000000008300000001000200000002018300000001000600000073b4ea05f4590400");
        // Split the request across two chunks: framing must hold the first part.
        let (first, rest) = request.split_at(50);
        let (_, events, rows) = run(&[
            (true, first.to_vec()),
            (true, rest.to_vec()),
            (false, answer),
        ]);
        let enip: Vec<_> = rows.iter().filter(|r| r.spec.name == "enip").collect();
        assert_eq!(enip.len(), 2);
        assert_eq!(column(enip[0], "session_handle"), Value::from("0x11020100"));
        assert_eq!(
            column(enip[0], "sender_context"),
            Value::from("0x0000000000000000")
        );
        assert_eq!(column(enip[0], "length"), Value::Count(186));
        let cip: Vec<_> = rows.iter().filter(|r| r.spec.name == "cip").collect();
        assert_eq!(cip.len(), 24);
        assert_eq!(
            column(cip[0], "cip_service"),
            Value::from("Multiple Service Packet")
        );
        assert_eq!(column(cip[0], "cip_sequence_count"), Value::Count(1929));
        assert_eq!(column(cip[5], "instance_id"), Value::from("0x2420"));
        assert_eq!(column(cip[5], "class_name"), Value::from("unknown"));
        assert_eq!(column(cip[12], "direction"), Value::from("response"));
        assert_eq!(column(cip[23], "cip_status_code"), Value::from("0x00"));
        assert!(
            !events
                .iter()
                .any(|e| e.kind == "cip_response_without_request"),
            "{events:?}"
        );
    }

    #[test]
    fn anomalies_and_changes_are_events() {
        // Stop to class 0x8e (ITI cip_stop_plc.pcap frame 1), sent twice: one event.
        let stop = bytes("70001c0001002a00000000000000000000000000000000000000000001000200a1000400224095ffb100080006010702208e2401");
        // Its answer, status 0x08 (Service Not Supported), once per request and then once
        // more, which no open request is left for.
        let mut refused = stop.clone();
        let at = refused.len() - 6;
        refused.truncate(at);
        refused.extend_from_slice(&[0x87, 0x00, 0x08, 0x00]);
        let length = (refused.len() - 24) as u16;
        refused[2..4].copy_from_slice(&length.to_le_bytes());
        // The connected data item: sequence count and the 4-byte answer.
        refused[42..44].copy_from_slice(&6u16.to_le_bytes());
        // An unknown command, and a RegisterSession with 2 bytes instead of 4.
        let mut unknown = vec![0x99, 0x00, 0, 0];
        unknown.extend_from_slice(&[0; 20]);
        let mut register = vec![0x65, 0x00, 2, 0];
        register.extend_from_slice(&[0; 20]);
        register.extend_from_slice(&[1, 0]);
        let (_, events, _) = run(&[
            (true, stop.clone()),
            (true, stop),
            (false, refused.clone()),
            (false, refused.clone()),
            (false, refused),
            (true, unknown),
            (true, register),
        ]);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            vec![
                "cip_stop",
                "cip_error_status",
                "cip_error_status",
                "cip_response_without_request",
                "cip_error_status",
                "enip_unknown_command",
                "enip_bad_length"
            ]
        );
        assert!(
            events[0].detail.contains("class 0x8e"),
            "{}",
            events[0].detail
        );
        assert!(
            events[1].detail.contains("on class 0x8e")
                && events[1].detail.contains("Service Not Supported"),
            "{}",
            events[1].detail
        );
    }

    #[test]
    fn identity_reset_states_its_type() {
        // The Stop message of ITI cip_stop_plc.pcap turned into Reset type 1 of the
        // Identity object.
        let mut reset = bytes("70001c0001002a00000000000000000000000000000000000000000001000200a1000400224095ffb100080006010702208e2401");
        let at = reset.len() - 6;
        reset.truncate(at);
        reset.extend_from_slice(&[0x05, 0x02, 0x20, 0x01, 0x24, 0x01, 0x01]);
        let length = (reset.len() - 24) as u16;
        reset[2..4].copy_from_slice(&length.to_le_bytes());
        reset[42..44].copy_from_slice(&9u16.to_le_bytes());
        let (_, events, _) = run(&[(true, reset)]);
        assert_eq!(events[0].kind, "cip_reset");
        assert!(
            events[0]
                .detail
                .contains("class 0x01 (Identity) instance 0x01")
                && events[0].detail.ends_with("reset type 1"),
            "{}",
            events[0].detail
        );
    }

    #[test]
    fn unconnected_send_refused_on_the_way_pairs_with_its_request() {
        // The Unconnected Send of ITI EthernetIP-CIP.pcap frame 29, answered by the
        // Connection Manager itself: status 0x01 with extended status 0x0204.
        let request = bytes("6f00260000050213000000006ac0be000000000000000000000000001400020000000000b200160052022006240107e90800010220ac2401010001000100");
        let cip = [0xd2, 0x00, 0x01, 0x01, 0x04, 0x02];
        let mut answer = request[..24].to_vec();
        let mut data = vec![0, 0, 0, 0, 0x14, 0, 2, 0, 0, 0, 0, 0, 0xb2, 0, 6, 0];
        data.extend_from_slice(&cip);
        answer[2..4].copy_from_slice(&(data.len() as u16).to_le_bytes());
        answer.extend_from_slice(&data);
        let (_, events, rows) = run(&[(true, request), (false, answer)]);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, vec!["cip_error_status"]);
        assert!(
            events[0].detail.contains("class 0xac (vendor-specific)")
                && events[0].detail.contains("Unconnected request timed out"),
            "{}",
            events[0].detail
        );
        let answer_row = rows.iter().rfind(|r| r.spec.name == "cip").unwrap();
        assert_eq!(
            column(answer_row, "cip_extended_status_code"),
            Value::from("0x0204")
        );
    }

    /// SendRRData carrying `cip` unconnected, in session 0x11020100.
    fn send_rr_data(cip: &[u8]) -> Vec<u8> {
        let mut data = vec![0, 0, 0, 0, 0x0a, 0, 2, 0, 0, 0, 0, 0, 0xb2, 0];
        data.extend_from_slice(&(cip.len() as u16).to_le_bytes());
        data.extend_from_slice(cip);
        let mut msg = vec![0x6f, 0x00];
        msg.extend_from_slice(&(data.len() as u16).to_le_bytes());
        msg.extend_from_slice(&0x1102_0100u32.to_le_bytes());
        msg.extend_from_slice(&[0; 16]);
        msg.extend_from_slice(&data);
        msg
    }

    #[test]
    fn identity_attribute_read_inside_a_multiple_service_packet() {
        // Get_Attribute_Single of attribute 7 (product name) after a read of class 0xac,
        // both in one Multiple Service Packet, as the MSP of the ICSNPP trace is laid out.
        let request = [
            0x0a, 0x02, 0x20, 0x02, 0x24, 0x01, 0x02, 0x00, 0x06, 0x00, 0x0c, 0x00, 0x01, 0x02,
            0x20, 0xac, 0x24, 0x01, 0x0e, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07,
        ];
        let mut answer = vec![
            0x8a, 0x00, 0x00, 0x00, 0x02, 0x00, 0x06, 0x00, 0x0a, 0x00, 0x81, 0x00, 0x08, 0x00,
            0x8e, 0x00, 0x00, 0x00, 11,
        ];
        answer.extend_from_slice(b"1756-ENBT/A");
        let (obs, events, _) = run(&[
            (true, send_rr_data(&request)),
            (false, send_rr_data(&answer)),
        ]);
        let model = obs
            .attributes
            .iter()
            .find(|((_, n, _, _), _)| *n == "model")
            .map(|((_, _, v, _), seen)| (v.clone(), seen.message.clone()))
            .unwrap();
        assert_eq!(model.0, "1756-ENBT/A");
        assert!(model.1.contains("attribute 7"), "{}", model.1);
        // The read of class 0xac was refused: Service Not Supported.
        assert!(events
            .iter()
            .any(|e| e.kind == "cip_error_status" && e.detail.contains("Service Not Supported")));
    }

    #[test]
    fn unknown_commands_are_reported_a_few_times_per_flow() {
        let mut garbage = vec![0x42, 0x42, 0, 0];
        garbage.extend_from_slice(&[0; 20]);
        let (_, events, _) = run(&vec![(true, garbage); 5]);
        assert_eq!(events.len(), 3);
        assert!(events.iter().all(|e| e.kind == "enip_unknown_command"));
        assert!(
            events[2].detail.ends_with("are not reported"),
            "{}",
            events[2].detail
        );
    }
}

#[cfg(test)]
mod class_space_tests {
    #[test]
    fn class_spaces_read_as_written() {
        let mut b = [0; 16];
        assert_eq!(super::class_space(4, &mut b), "class 0x04");
        assert_eq!(super::class_space(0x6b, &mut b), "class 0x6b");
        assert_eq!(super::class_space(0x300, &mut b), "class 0x300");
        assert_eq!(super::class_space(u32::MAX, &mut b), "class 0xffffffff");
    }
}
