//! BACnet/IP on one UDP flow: each datagram's BVLC, NPDU and APDU read, segmented complex
//! acknowledgements joined (bounded), confirmed requests remembered by invoke id (a bounded
//! number open at once) so that rejects and aborts name the service they answer, and what
//! the messages say turned into inventory facts (I-Am, Device object properties read by
//! ReadProperty or ReadPropertyMultiple), per-edge function aggregates (service, with the
//! objects and properties addressed), notable events (writes, DeviceCommunicationControl,
//! ReinitializeDevice, object and file changes, errors, rejects, aborts, malformed
//! messages) and ICSNPP's four BACnet logs.
//!
//! A message relayed by a BACnet router carries the original sender's network and MAC
//! address (SNET/SADR): the IP address is the router's, so what such a message states is
//! about a device behind the router (an MS/TP controller, say), recorded as such and made a
//! child asset of the router. A forwarded NPDU names the B/IP address of its original
//! sender, which is the subject of what it states.

use crate::app::Ctx;
use otwatch_dissect::bacnet::{self, Apdu, Message, PropertyRef, PropertyValues};
use otwatch_inventory::{BacnetMac, BehindPath, Subject};
use otwatch_model::logs::{LogSpec, Value};
use std::net::IpAddr;

/// ICSNPP's `bacnet.log`: one row per APDU (a segmented one when its last segment arrives)
/// and per network layer message.
pub static BACNET_LOG: LogSpec = LogSpec {
    name: "bacnet",
    directional: true,
    columns: &[
        ("bvlc_function", "string"),
        ("pdu_type", "string"),
        ("pdu_service", "string"),
        ("invoke_id", "count"),
        ("result_code", "string"),
    ],
};

/// ICSNPP's `bacnet_discovery.log`: Who-Is, I-Am, Who-Has and I-Have.
pub static BACNET_DISCOVERY_LOG: LogSpec = LogSpec {
    name: "bacnet_discovery",
    directional: true,
    columns: &[
        ("pdu_service", "string"),
        ("device_id_type", "string"),
        ("device_id_number", "count"),
        ("object_type", "string"),
        ("instance_number", "count"),
        ("vendor", "string"),
        ("range", "string"),
        ("object_name", "string"),
    ],
};

/// ICSNPP's `bacnet_property.log`: properties read (one row per value of an answer) and
/// written, and the errors answering them.
pub static BACNET_PROPERTY_LOG: LogSpec = LogSpec {
    name: "bacnet_property",
    directional: true,
    columns: &[
        ("invoke_id", "count"),
        ("pdu_service", "string"),
        ("object_type", "string"),
        ("instance_number", "count"),
        ("property", "string"),
        ("array_index", "count"),
        ("value", "string"),
    ],
};

/// ICSNPP's `bacnet_device_control.log`: DeviceCommunicationControl and ReinitializeDevice
/// requests and their outcome.
pub static BACNET_DEVICE_CONTROL_LOG: LogSpec = LogSpec {
    name: "bacnet_device_control",
    directional: true,
    columns: &[
        ("invoke_id", "count"),
        ("pdu_service", "string"),
        ("time_duration", "count"),
        ("device_state", "string"),
        ("password", "string"),
        ("result", "string"),
        ("result_code", "string"),
    ],
};

/// Confirmed requests awaiting an answer per flow; beyond it the oldest is forgotten and
/// counted. A client keeps few requests outstanding per peer, so this only fills when
/// answers go missing.
const MAX_OPEN: usize = 64;
/// Bytes of one segmented message held while its segments arrive; a longer message is
/// dropped (counted as malformed) rather than held.
const MAX_SEGMENTED: usize = 64 * 1024;
/// Distinct notable messages reported per flow; beyond it, repetitions are no longer
/// recognised and each is reported.
const MAX_REPORTED: usize = 32;
/// Objects and properties an event names one by one; beyond it, it says how many more.
const MAX_LISTED: usize = 8;

#[derive(Debug, Default)]
pub struct BacnetFlow {
    open: Vec<OpenRequest>,
    limit_hits: u64,
    /// Per direction (0 from the originator): a segmented message being joined.
    joining: [Option<Joining>; 2],
    /// Digests of the notable messages already reported on this flow: devices repeat
    /// I-Am, clients retry a refused command; each is one event.
    reported: crate::reported::Reported<u64>,
}

#[derive(Debug, Clone, Copy)]
struct OpenRequest {
    invoke_id: u8,
    service: u8,
    /// The request went from the originator.
    from_orig: bool,
}

#[derive(Debug)]
struct Joining {
    pdu_type: u8,
    invoke_id: Option<u8>,
    service: Option<u8>,
    next_sequence: u8,
    body: Vec<u8>,
}

/// Where a message's facts belong.
#[derive(Clone, Copy)]
enum Sender {
    /// The host at the packet's source address.
    Here(IpAddr),
    /// The B/IP address a BBMD forwarded the message for.
    Forwarded(IpAddr),
    /// A device on another BACnet network (SNET) at a MAC address there (SADR), behind
    /// the router at the given B/IP address.
    Routed(IpAddr, u16, BacnetMac),
    /// A routed message whose source MAC address is empty or too long to be a device's.
    Unplaced(u16),
}

impl Sender {
    fn subject(self) -> Option<Subject> {
        match self {
            Sender::Here(ip) | Sender::Forwarded(ip) => Some(Subject::Ip(ip)),
            Sender::Routed(router, network, mac) => {
                Some(Subject::Behind(router, BehindPath::Bacnet { network, mac }))
            }
            Sender::Unplaced(_) => None,
        }
    }
    /// The address of the host itself, for names: a routed device has none of its own.
    fn host(self) -> Option<IpAddr> {
        match self {
            Sender::Here(ip) | Sender::Forwarded(ip) => Some(ip),
            Sender::Routed(..) | Sender::Unplaced(_) => None,
        }
    }
    fn note(self) -> String {
        match self {
            Sender::Here(_) => String::new(),
            Sender::Forwarded(ip) => format!(" (forwarded for {ip})"),
            Sender::Routed(router, n, mac) => format!(
                " (device on BACnet network {n}, MAC {}, behind the router at {router})",
                mac.hex()
            ),
            Sender::Unplaced(n) => {
                format!(" (device on BACnet network {n}, behind the router at this address)")
            }
        }
    }
}

impl BacnetFlow {
    pub fn pending_limit_hits(&self) -> u64 {
        self.limit_hits
    }

    /// One UDP datagram.
    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        if data.is_empty() {
            // A scanner's empty probe to the port: no BACnet message at all.
            return;
        }
        let msg = match bacnet::parse(data) {
            Ok(m) => m,
            Err(m) => {
                self.report(
                    ctx,
                    "bacnet_malformed",
                    format!("{} at byte {}", m.reason, m.offset),
                );
                return;
            }
        };
        if msg.bvlc.length != data.len() {
            self.report(
                ctx,
                "bacnet_length_mismatch",
                format!(
                    "BVLC length {} in a datagram of {} bytes",
                    msg.bvlc.length,
                    data.len()
                ),
            );
        }
        if let Some(code) = msg.bvlc.result.filter(|&c| c != 0) {
            // A BBMD refused a table write, a foreign device registration or a broadcast.
            self.report(ctx, "bacnet_bvlc_nak", bacnet::bvlc_result_name(code));
        }
        let Some(npdu) = msg.npdu else {
            return;
        };
        let sender = match (npdu.source, msg.bvlc.forwarded_from) {
            (Some(s), forwarded) => {
                // The router is the B/IP host that put the message on this network.
                let router = forwarded.map_or(ctx.src, |(ip, _)| IpAddr::V4(ip));
                match BacnetMac::new(s.mac) {
                    Some(mac) => Sender::Routed(router, s.network, mac),
                    None => Sender::Unplaced(s.network),
                }
            }
            (None, Some((ip, _))) => Sender::Forwarded(IpAddr::V4(ip)),
            (None, None) => Sender::Here(ctx.src),
        };

        if let Some(t) = npdu.network_message {
            if ctx.logging() {
                let values = vec![
                    bacnet::bvlc_function_name(msg.bvlc.function).into(),
                    "NPDU".into(),
                    bacnet::network_message_name(t).into(),
                    Value::Unset,
                    Value::Unset,
                ];
                ctx.log(&BACNET_LOG, values);
            }
            return;
        }
        let apdu = match bacnet::parse_apdu(npdu.body) {
            Ok(a) => a,
            Err(m) => {
                let offset = m.offset + (data.len() - npdu.body.len());
                self.report(
                    ctx,
                    "bacnet_malformed",
                    format!("{} at byte {offset}", m.reason),
                );
                return;
            }
        };
        let side = usize::from(!ctx.from_orig);
        let joined;
        let apdu = if apdu.segmented && matches!(apdu.pdu_type, 0 | 3) {
            match self.join(side, &apdu, ctx) {
                Some(body) => {
                    joined = body;
                    Apdu {
                        body: &joined,
                        ..apdu
                    }
                }
                None => return,
            }
        } else {
            apdu
        };
        if let Sender::Routed(router, network, mac) = sender {
            let path = BehindPath::Bacnet { network, mac };
            let message = || {
                let what = match (apdu.pdu_type, apdu.service) {
                    (bacnet::UNCONFIRMED_REQUEST, Some(service)) => {
                        bacnet::unconfirmed_service_name(service)
                    }
                    (kind, Some(service)) => format!(
                        "{} {}",
                        bacnet::confirmed_service_name(service),
                        bacnet::pdu_type_name(kind)
                    ),
                    (kind, None) => bacnet::pdu_type_name(kind).to_string(),
                };
                format!(
                    "BACnet {what} relayed by the router, SNET {network} SADR {}",
                    mac.hex()
                )
            };
            // Who-Is (8) and Who-Has (7) ask; I-Am, I-Have and notifications announce.
            let asks = apdu.pdu_type == bacnet::CONFIRMED_REQUEST
                || (apdu.pdu_type == bacnet::UNCONFIRMED_REQUEST
                    && matches!(apdu.service, Some(7 | 8)));
            if asks {
                ctx.obs.behind_asking(router, path, message, ctx.ev);
            } else {
                ctx.obs.behind(router, path, message, ctx.ev);
            }
        }
        self.log_header(&msg, &apdu, ctx);
        self.apdu(&apdu, sender, ctx);
    }

    /// Adds a segment; returns the whole service body once the last segment is in.
    fn join(&mut self, side: usize, apdu: &Apdu<'_>, ctx: &mut Ctx<'_>) -> Option<Vec<u8>> {
        let seq = apdu.sequence_number.unwrap_or(0);
        let slot = &mut self.joining[side];
        let continues = slot.as_ref().is_some_and(|j| {
            j.pdu_type == apdu.pdu_type
                && j.invoke_id == apdu.invoke_id
                && j.service == apdu.service
                && j.next_sequence == seq
        });
        if seq == 0 || !continues {
            *slot = (seq == 0).then(|| Joining {
                pdu_type: apdu.pdu_type,
                invoke_id: apdu.invoke_id,
                service: apdu.service,
                next_sequence: 0,
                body: Vec::new(),
            });
        }
        let Some(j) = slot.as_mut() else {
            // A later segment whose start was not seen: nothing to join it to.
            return None;
        };
        if j.body.len() + apdu.body.len() > MAX_SEGMENTED {
            *slot = None;
            self.report(
                ctx,
                "bacnet_segmented_too_long",
                format!("a segmented message grew past {MAX_SEGMENTED} bytes and was dropped"),
            );
            return None;
        }
        j.body.extend_from_slice(apdu.body);
        j.next_sequence = seq.wrapping_add(1);
        if apdu.more_follows {
            return None;
        }
        slot.take().map(|j| j.body)
    }

    fn log_header(&self, msg: &Message<'_>, apdu: &Apdu<'_>, ctx: &mut Ctx<'_>) {
        if !ctx.logging() {
            return;
        }
        let service = match apdu.pdu_type {
            bacnet::UNCONFIRMED_REQUEST => apdu.service.map(bacnet::unconfirmed_service_name),
            bacnet::REJECT_PDU => Some("reject".into()),
            bacnet::ABORT_PDU => Some("abort".into()),
            bacnet::SEGMENT_ACK => None,
            _ => apdu.service.map(bacnet::confirmed_service_name),
        };
        let result = match apdu.pdu_type {
            bacnet::ERROR_PDU => {
                bacnet::error_class_code(apdu.body).map(|(_, code)| bacnet::error_code_name(code))
            }
            bacnet::REJECT_PDU => apdu.reason.map(bacnet::reject_reason_name),
            bacnet::ABORT_PDU => apdu.reason.map(bacnet::abort_reason_name),
            _ => None,
        };
        let values = vec![
            bacnet::bvlc_function_name(msg.bvlc.function).into(),
            bacnet::pdu_type_name(apdu.pdu_type).into(),
            Value::opt_str(service),
            Value::opt_count(apdu.invoke_id),
            Value::opt_str(result),
        ];
        ctx.log(&BACNET_LOG, values);
    }

    fn apdu(&mut self, apdu: &Apdu<'_>, sender: Sender, ctx: &mut Ctx<'_>) {
        match apdu.pdu_type {
            bacnet::UNCONFIRMED_REQUEST => {
                let service = apdu.service.unwrap_or(0);
                self.function(ctx, 0x100 | u16::from(service), None);
                self.unconfirmed(service, apdu.body, sender, ctx);
            }
            bacnet::CONFIRMED_REQUEST => {
                let (Some(invoke_id), Some(service)) = (apdu.invoke_id, apdu.service) else {
                    return;
                };
                self.remember(invoke_id, service, ctx.from_orig);
                self.request(invoke_id, service, apdu.body, ctx);
            }
            bacnet::SIMPLE_ACK | bacnet::COMPLEX_ACK | bacnet::ERROR_PDU => {
                let (Some(invoke_id), Some(service)) = (apdu.invoke_id, apdu.service) else {
                    return;
                };
                self.answered(invoke_id, ctx.from_orig);
                self.answer(apdu, invoke_id, service, sender, ctx);
            }
            bacnet::REJECT_PDU | bacnet::ABORT_PDU => {
                let invoke_id = apdu.invoke_id.unwrap_or(0);
                let reason = apdu.reason.unwrap_or(0);
                let service = self.answered(invoke_id, ctx.from_orig);
                let (result, kind, why) = if apdu.pdu_type == bacnet::REJECT_PDU {
                    (
                        "REJECT",
                        "bacnet_reject",
                        bacnet::reject_reason_name(reason),
                    )
                } else {
                    ("ABORT", "bacnet_abort", bacnet::abort_reason_name(reason))
                };
                if let Some(s) = service.filter(|s| is_device_control(*s)) {
                    self.control_outcome(invoke_id, s, result, Some(why.clone()), ctx);
                }
                let what = service.map_or_else(
                    || "a request not seen".to_string(),
                    bacnet::confirmed_service_name,
                );
                self.report(ctx, kind, format!("{why}, answering {what}"));
            }
            _ => {}
        }
    }

    fn remember(&mut self, invoke_id: u8, service: u8, from_orig: bool) {
        self.open
            .retain(|o| !(o.invoke_id == invoke_id && o.from_orig == from_orig));
        if self.open.len() >= MAX_OPEN {
            self.open.remove(0);
            self.limit_hits += 1;
        }
        self.open.push(OpenRequest {
            invoke_id,
            service,
            from_orig,
        });
    }

    /// Forgets the request an answer (sent in direction `from_orig`) is for; its service.
    fn answered(&mut self, invoke_id: u8, from_orig: bool) -> Option<u8> {
        let i = self
            .open
            .iter()
            .position(|o| o.invoke_id == invoke_id && o.from_orig != from_orig)?;
        Some(self.open.remove(i).service)
    }

    fn function(&self, ctx: &mut Ctx<'_>, code: u16, addressed: Option<&[PropertyRef]>) {
        let label = || {
            if code & 0x100 != 0 {
                bacnet::unconfirmed_service_name((code & 0xff) as u8)
            } else {
                bacnet::confirmed_service_name((code & 0xff) as u8)
            }
        };
        ctx.obs
            .function(ctx.src, ctx.dst, "bacnet", code, label, ctx.ev.ts);
        for p in addressed.unwrap_or_default() {
            let space = format!(
                "{}/{}",
                bacnet::object_type_name(p.object_type),
                bacnet::property_name(p.property)
            );
            ctx.obs.function_addresses(
                ctx.src,
                ctx.dst,
                "bacnet",
                code,
                &space,
                u64::from(p.instance),
                u64::from(p.instance),
            );
        }
    }

    fn unconfirmed(&mut self, service: u8, body: &[u8], sender: Sender, ctx: &mut Ctx<'_>) {
        match service {
            bacnet::SERVICE_WHO_IS => {
                let range = bacnet::who_is(body);
                if ctx.logging() {
                    let values = discovery_row("who-is", None, None, None, range, None);
                    ctx.log(&BACNET_DISCOVERY_LOG, values);
                }
            }
            bacnet::SERVICE_I_AM => {
                let Some(i) = bacnet::i_am(body) else {
                    self.malformed_service(ctx, "I-Am");
                    return;
                };
                if ctx.logging() {
                    let mut values = discovery_row(
                        "i-am",
                        None,
                        Some((i.object_type, i.device_instance)),
                        None,
                        None,
                        None,
                    );
                    values[5] = vendor_for_log(i.vendor_id).into();
                    ctx.log(&BACNET_DISCOVERY_LOG, values);
                }
                self.i_am(&i, sender, ctx);
            }
            bacnet::SERVICE_WHO_HAS => {
                let Some(w) = bacnet::who_has(body) else {
                    self.malformed_service(ctx, "Who-Has");
                    return;
                };
                if ctx.logging() {
                    let name = Some(w.object_name.clone().unwrap_or_else(|| "N/A".into()));
                    let values = discovery_row("who-has", None, w.object, None, w.range, name);
                    ctx.log(&BACNET_DISCOVERY_LOG, values);
                }
            }
            bacnet::SERVICE_I_HAVE => {
                let Some(h) = bacnet::i_have(body) else {
                    self.malformed_service(ctx, "I-Have");
                    return;
                };
                if ctx.logging() {
                    let values = discovery_row(
                        "i-have",
                        Some(h.device),
                        Some(h.object),
                        None,
                        None,
                        Some(h.object_name.clone()),
                    );
                    ctx.log(&BACNET_DISCOVERY_LOG, values);
                }
            }
            _ => {}
        }
    }

    fn i_am(&mut self, i: &bacnet::IAm, sender: Sender, ctx: &mut Ctx<'_>) {
        if let Some(subject) = sender.subject() {
            let message = "BACnet I-Am";
            let instance = i.device_instance.to_string();
            let vendor_id = i.vendor_id.to_string();
            ctx.obs.attribute(
                subject,
                "bacnet_device_instance",
                &instance,
                "bacnet",
                message,
                1.0,
                ctx.ev,
            );
            ctx.obs.attribute(
                subject,
                "bacnet_vendor_id",
                &vendor_id,
                "bacnet",
                message,
                1.0,
                ctx.ev,
            );
            if let Some(name) = bacnet::vendor_name(i.vendor_id) {
                ctx.obs
                    .attribute(subject, "vendor", name, "bacnet", message, 1.0, ctx.ev);
            }
        }
        let vendor = bacnet::vendor_name(i.vendor_id).unwrap_or("unregistered");
        let detail = format!(
            "device {} vendor id {} ({vendor}){}",
            i.device_instance,
            i.vendor_id,
            sender.note()
        );
        self.report(ctx, "bacnet_i_am", detail);
    }

    fn request(&mut self, invoke_id: u8, service: u8, body: &[u8], ctx: &mut Ctx<'_>) {
        let code = u16::from(service);
        match service {
            bacnet::SERVICE_READ_PROPERTY | bacnet::SERVICE_READ_RANGE => {
                let Some(p) = bacnet::read_property_request(body) else {
                    self.function(ctx, code, None);
                    self.malformed_service(ctx, "ReadProperty");
                    return;
                };
                self.function(ctx, code, Some(&[p]));
                let name = if service == bacnet::SERVICE_READ_PROPERTY {
                    "read-property-request"
                } else {
                    "read-range-request"
                };
                if ctx.logging() {
                    ctx.log(
                        &BACNET_PROPERTY_LOG,
                        property_row(invoke_id, name, &p, Value::Unset),
                    );
                }
            }
            bacnet::SERVICE_READ_PROPERTY_MULTIPLE => {
                let props = bacnet::read_property_multiple_request(body);
                self.function(ctx, code, Some(&props));
                if ctx.logging() {
                    for p in &props {
                        let row = property_row(
                            invoke_id,
                            "read-property-multiple-request",
                            p,
                            Value::Unset,
                        );
                        ctx.log(&BACNET_PROPERTY_LOG, row);
                    }
                }
            }
            bacnet::SERVICE_WRITE_PROPERTY => {
                let Some(w) = bacnet::write_property(body) else {
                    self.function(ctx, code, None);
                    self.malformed_service(ctx, "WriteProperty");
                    return;
                };
                self.function(ctx, code, Some(&[w.property]));
                if ctx.logging() {
                    let value = w
                        .values
                        .first()
                        .map_or(Value::Unset, |v| log_value(w.property.property, v));
                    let row = property_row(invoke_id, "write-property", &w.property, value);
                    ctx.log(&BACNET_PROPERTY_LOG, row);
                }
                let detail = describe_write(&w);
                self.report(ctx, "bacnet_write_property", detail);
            }
            bacnet::SERVICE_WRITE_PROPERTY_MULTIPLE => {
                let writes = bacnet::write_property_multiple(body);
                let props: Vec<PropertyRef> = writes.iter().map(|w| w.property).collect();
                self.function(ctx, code, Some(&props));
                let mut listed: Vec<String> =
                    writes.iter().take(MAX_LISTED).map(describe_write).collect();
                if writes.len() > MAX_LISTED {
                    listed.push(format!("and {} more", writes.len() - MAX_LISTED));
                }
                self.report(
                    ctx,
                    "bacnet_write_property_multiple",
                    if listed.is_empty() {
                        "no property could be read from the request".into()
                    } else {
                        listed.join("; ")
                    },
                );
            }
            bacnet::SERVICE_DEVICE_COMMUNICATION_CONTROL | bacnet::SERVICE_REINITIALIZE_DEVICE => {
                self.function(ctx, code, None);
                self.device_control(invoke_id, service, body, ctx);
            }
            _ => {
                self.function(ctx, code, None);
                if let Some(what) = notable_service(service) {
                    self.report(
                        ctx,
                        "bacnet_object_change",
                        format!("{} ({what})", bacnet::confirmed_service_name(service)),
                    );
                }
            }
        }
    }

    fn device_control(&mut self, invoke_id: u8, service: u8, body: &[u8], ctx: &mut Ctx<'_>) {
        let dcc = service == bacnet::SERVICE_DEVICE_COMMUNICATION_CONTROL;
        let parsed = if dcc {
            bacnet::device_communication_control(body)
        } else {
            bacnet::reinitialize_device(body)
        };
        let Some(c) = parsed else {
            self.malformed_service(ctx, &bacnet::confirmed_service_name(service));
            return;
        };
        let state = if dcc {
            bacnet::communication_state_name(c.state)
        } else {
            bacnet::reinitialize_state_name(c.state)
        };
        if ctx.logging() {
            let values = vec![
                invoke_id.into(),
                bacnet::confirmed_service_name(service).into(),
                Value::opt_count(c.duration_minutes),
                state.clone().into(),
                // ICSNPP copies the password here; otwatch writes no credential into a log
                // that may be shipped elsewhere (the event says whether one was given).
                Value::Unset,
                Value::Unset,
                Value::Unset,
            ];
            ctx.log(&BACNET_DEVICE_CONTROL_LOG, values);
        }
        let password = match c.password.as_deref() {
            None => "no password",
            Some("") => "empty password",
            Some(_) => "password given",
        };
        let (kind, detail) = if dcc {
            let duration = c
                .duration_minutes
                .map_or_else(|| "indefinitely".into(), |m| format!("for {m} min"));
            (
                "bacnet_device_communication_control",
                format!("communication {state} {duration}, {password}"),
            )
        } else {
            (
                "bacnet_reinitialize_device",
                format!("reinitialize {state}, {password}"),
            )
        };
        self.report(ctx, kind, detail);
    }

    fn control_outcome(
        &mut self,
        invoke_id: u8,
        service: u8,
        result: &str,
        code: Option<String>,
        ctx: &mut Ctx<'_>,
    ) {
        if !ctx.logging() {
            return;
        }
        let values = vec![
            invoke_id.into(),
            bacnet::confirmed_service_name(service).into(),
            Value::Unset,
            Value::Unset,
            Value::Unset,
            result.into(),
            Value::opt_str(code),
        ];
        ctx.log(&BACNET_DEVICE_CONTROL_LOG, values);
    }

    fn answer(
        &mut self,
        apdu: &Apdu<'_>,
        invoke_id: u8,
        service: u8,
        sender: Sender,
        ctx: &mut Ctx<'_>,
    ) {
        match apdu.pdu_type {
            bacnet::SIMPLE_ACK if is_device_control(service) => {
                self.control_outcome(invoke_id, service, "SUCCESS", None, ctx);
            }
            bacnet::ERROR_PDU => {
                let (class, code) = bacnet::error_class_code(apdu.body).unwrap_or((0, 0));
                let code_name = bacnet::error_code_name(code);
                if is_device_control(service) {
                    self.control_outcome(invoke_id, service, "ERROR", Some(code_name.clone()), ctx);
                }
                if matches!(service, 12 | 14 | 15 | 16) && ctx.logging() {
                    let values = vec![
                        invoke_id.into(),
                        format!("ERROR: {}", bacnet::confirmed_service_name(service)).into(),
                        code_name.clone().into(),
                        Value::Unset,
                        Value::Unset,
                        Value::Unset,
                        Value::Unset,
                    ];
                    ctx.log(&BACNET_PROPERTY_LOG, values);
                }
                self.report(
                    ctx,
                    "bacnet_error",
                    format!(
                        "{} refused: {} (class {})",
                        bacnet::confirmed_service_name(service),
                        code_name,
                        error_class_name(class)
                    ),
                );
            }
            bacnet::COMPLEX_ACK => match service {
                bacnet::SERVICE_READ_PROPERTY => {
                    let Some(v) = bacnet::read_property_ack(apdu.body) else {
                        self.malformed_service(ctx, "ReadProperty acknowledgement");
                        return;
                    };
                    if ctx.logging() {
                        self.log_ack(invoke_id, "read-property-ack", &v, ctx);
                    }
                    self.identity(&v, sender, "ReadProperty", ctx);
                }
                bacnet::SERVICE_READ_PROPERTY_MULTIPLE => {
                    for v in bacnet::read_property_multiple_ack(apdu.body) {
                        if ctx.logging() {
                            self.log_ack(invoke_id, "read-property-multiple-ack", &v, ctx);
                        }
                        self.identity(&v, sender, "ReadPropertyMultiple", ctx);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// One row per value read (none for an empty list), `PropertyError` for a property
    /// answered with an error.
    fn log_ack(&self, invoke_id: u8, name: &str, v: &PropertyValues, ctx: &mut Ctx<'_>) {
        if v.error {
            ctx.log(
                &BACNET_PROPERTY_LOG,
                property_row(invoke_id, name, &v.property, "PropertyError".into()),
            );
        }
        for value in &v.values {
            let value = log_value(v.property.property, value);
            ctx.log(
                &BACNET_PROPERTY_LOG,
                property_row(invoke_id, name, &v.property, value),
            );
        }
    }

    /// A Device object property that states what the device is.
    fn identity(&mut self, v: &PropertyValues, sender: Sender, how: &str, ctx: &mut Ctx<'_>) {
        if v.property.object_type != bacnet::OBJECT_DEVICE {
            return;
        }
        if let (Sender::Routed(..), Some(subject), false) = (sender, sender.subject(), v.error) {
            // Behind a router the device has no address of its own to be known by: the
            // instance of the Device object it answered for is its name on the network.
            ctx.obs.attribute(
                subject,
                "bacnet_device_instance",
                &v.property.instance.to_string(),
                "bacnet",
                &format!("BACnet {how} acknowledgement for its Device object"),
                1.0,
                ctx.ev,
            );
        }
        let Some(attribute) = bacnet::identity_attribute(v.property.property) else {
            return;
        };
        let value = match (&v.text, v.number) {
            (Some(t), _) => t.clone(),
            (None, Some(n)) if attribute == "bacnet_vendor_id" => n.to_string(),
            _ => return,
        };
        if value.is_empty() {
            return;
        }
        let property = bacnet::property_name(v.property.property);
        if let Some(subject) = sender.subject() {
            let message = format!(
                "BACnet {how} acknowledgement, device {} property {property}",
                v.property.instance
            );
            ctx.obs
                .attribute(subject, attribute, &value, "bacnet", &message, 1.0, ctx.ev);
            if let Some(ip) = sender.host().filter(|_| attribute == "object_name") {
                ctx.obs
                    .name(None, Some(ip), &value, "bacnet", &message, 0.9, ctx.ev);
            }
        }
        let detail = format!(
            "device {} {property} = {value:?}{}",
            v.property.instance,
            sender.note()
        );
        self.report(ctx, "bacnet_device_property", detail);
    }

    fn malformed_service(&mut self, ctx: &mut Ctx<'_>, what: &str) {
        self.report(
            ctx,
            "bacnet_malformed",
            format!("{what} parameters could not be read"),
        );
    }

    /// An event, once per flow for the same kind and detail.
    fn report(&mut self, ctx: &mut Ctx<'_>, kind: &str, detail: String) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (kind, &detail).hash(&mut h);
        let digest = h.finish();
        if !self.reported.first(digest, MAX_REPORTED) {
            return;
        }
        ctx.event("bacnet", kind.to_string(), detail);
    }
}

fn is_device_control(service: u8) -> bool {
    matches!(
        service,
        bacnet::SERVICE_DEVICE_COMMUNICATION_CONTROL | bacnet::SERVICE_REINITIALIZE_DEVICE
    )
}

/// Confirmed services that change a device's objects, lists or files.
fn notable_service(service: u8) -> Option<&'static str> {
    Some(match service {
        7 => "writes a file",
        8 => "adds to a list",
        9 => "removes from a list",
        10 => "creates an object",
        11 => "deletes an object",
        18 => "vendor-specific command",
        27 => "life safety operation",
        _ => return None,
    })
}

fn error_class_name(class: u32) -> String {
    const NAMES: [&str; 8] = [
        "device",
        "object",
        "property",
        "resources",
        "security",
        "services",
        "vt",
        "communication",
    ];
    NAMES
        .get(class as usize)
        .map_or_else(|| class.to_string(), |n| n.to_string())
}

/// A vendor as ICSNPP's discovery log writes it: the registered name without commas (the
/// log's set separator), or the id in hex when unregistered.
fn vendor_for_log(id: u32) -> String {
    match bacnet::vendor_name(id) {
        Some(n) => n.replace(',', ""),
        None => format!("Unknown Vendor-0x{id:x}"),
    }
}

/// A property value for the log: enumerations named for the properties ICSNPP names them
/// for; empty values unset.
fn log_value(property: u32, value: &str) -> Value {
    if value.is_empty() {
        return Value::Unset;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(n) = value
            .parse::<u32>()
            .ok()
            .and_then(|v| bacnet::enumerated_property_value(property, v))
        {
            return n.into();
        }
    }
    value.into()
}

fn describe_write(w: &PropertyValues) -> String {
    let p = &w.property;
    let mut s = format!(
        "{} {} {}",
        bacnet::object_type_name(p.object_type),
        p.instance,
        bacnet::property_name(p.property)
    );
    if let Some(i) = p.array_index {
        s.push_str(&format!("[{i}]"));
    }
    let value = w
        .values
        .first()
        .map(|v| match log_value(p.property, v) {
            Value::Str(s) => s,
            _ => "null".to_string(),
        })
        .unwrap_or_else(|| "null".into());
    let value: String = value.chars().take(64).collect();
    s.push_str(&format!(" = {value}"));
    if let Some(pr) = w.priority {
        s.push_str(&format!(" at priority {pr}"));
    }
    s
}

fn discovery_row(
    service: &str,
    device: Option<(u16, u32)>,
    object: Option<(u16, u32)>,
    vendor: Option<String>,
    range: Option<(u32, u32)>,
    name: Option<String>,
) -> Vec<Value> {
    let range = match service {
        "who-is" | "who-has" => {
            Some(range.map_or_else(|| "All".into(), |(l, h)| format!("{l}-{h}")))
        }
        _ => None,
    };
    vec![
        service.into(),
        Value::opt_str(device.map(|d| bacnet::object_type_name(d.0))),
        Value::opt_count(device.map(|d| d.1)),
        Value::opt_str(object.map(|o| bacnet::object_type_name(o.0))),
        Value::opt_count(object.map(|o| o.1)),
        Value::opt_str(vendor),
        Value::opt_str(range),
        name.map_or(Value::Unset, |n| n.into()),
    ]
}

fn property_row(invoke_id: u8, service: &str, p: &PropertyRef, value: Value) -> Vec<Value> {
    vec![
        invoke_id.into(),
        service.into(),
        bacnet::object_type_name(p.object_type).into(),
        p.instance.into(),
        bacnet::property_name(p.property).into(),
        Value::opt_count(p.array_index),
        value,
    ]
}

#[cfg(test)]
mod tests;
