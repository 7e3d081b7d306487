//! S7comm and S7comm-plus on one flow: TPKT messages framed in each direction; COTP
//! connection setup (the TSAPs name the CPU's rack and slot); S7 jobs paired with their
//! acknowledgements by PDU reference (a bounded number open at once); the CPU's identity
//! and mode from Read SZL answers and from S7comm-plus session setup; events for what
//! changes a PLC (stop, start, block download and delete, copy RAM to ROM, set clock,
//! password) and for what is wrong (bad lengths, unknown codes, errors, acks without a
//! job); and ICSNPP's logs `cotp`, `s7comm`, `s7comm_read_szl`, `s7comm_upload_download`,
//! `s7comm_known_devices` and `s7comm_plus`.
//!
//! The logs keep ICSNPP's choice of rows: a message of which a part that ICSNPP decodes
//! does not decode (an ack without a function code, a Read SZL without an id, a component
//! identification answer whose records run past the PDU) is in `cotp.log` only.

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use crate::mms::MmsFlow;
use otwatch_dissect::s7comm::{self, function, group, rosctr, tpdu, S7Pdu};
use otwatch_dissect::s7comm_plus;
use otwatch_inventory::{BehindPath, Subject};
use otwatch_model::logs::{LogSpec, Value};

pub static COTP_LOG: LogSpec = LogSpec {
    name: "cotp",
    directional: true,
    columns: &[("pdu_code", "string"), ("pdu_name", "string")],
};

pub static S7COMM_LOG: LogSpec = LogSpec {
    name: "s7comm",
    directional: true,
    columns: &[
        ("rosctr_code", "count"),
        ("rosctr_name", "string"),
        ("pdu_reference", "count"),
        ("function_code", "string"),
        ("function_name", "string"),
        ("subfunction_code", "string"),
        ("subfunction_name", "string"),
        ("error_class", "string"),
        ("error_code", "string"),
    ],
};

pub static S7COMM_READ_SZL_LOG: LogSpec = LogSpec {
    name: "s7comm_read_szl",
    directional: true,
    columns: &[
        ("pdu_reference", "count"),
        ("method", "string"),
        ("szl_id", "string"),
        ("szl_id_name", "string"),
        ("szl_index", "string"),
        ("return_code", "string"),
        ("return_code_name", "string"),
    ],
};

pub static S7COMM_UPLOAD_DOWNLOAD_LOG: LogSpec = LogSpec {
    name: "s7comm_upload_download",
    directional: true,
    columns: &[
        ("rosctr", "string"),
        ("pdu_reference", "count"),
        ("function_name", "string"),
        ("function_status", "string"),
        ("session_id", "count"),
        ("blocklength", "count"),
        ("filename", "string"),
        ("block_type", "string"),
        ("block_number", "string"),
        ("destination_filesystem", "string"),
    ],
};

/// One row per device and connection; ICSNPP leaves the direction columns unset here, so
/// they are ordinary columns written as unset.
pub static S7COMM_KNOWN_DEVICES_LOG: LogSpec = LogSpec {
    name: "s7comm_known_devices",
    directional: false,
    columns: &[
        ("is_orig", "bool"),
        ("source_h", "addr"),
        ("source_p", "port"),
        ("destination_h", "addr"),
        ("destination_p", "port"),
        ("automation_system_name", "string"),
        ("module_name", "string"),
        ("plant_name", "string"),
        ("module_serial", "string"),
    ],
};

pub static S7COMM_PLUS_LOG: LogSpec = LogSpec {
    name: "s7comm_plus",
    directional: true,
    columns: &[
        ("version", "count"),
        ("opcode", "string"),
        ("opcode_name", "string"),
        ("function_code", "string"),
        ("function_name", "string"),
    ],
};

/// TPKT messages are held up to this size across chunks: an S7 PDU is at most 960 bytes
/// on S7-300/400, and S7comm-plus TPDUs are as large as the TPDU size the connection
/// request sets (1024 bytes in the corpus). Longer ones are passed over.
const MAX_CARRY: usize = 4096;
/// Jobs awaiting their acknowledgement per flow; beyond it the oldest is forgotten.
const MAX_OPEN_JOBS: usize = 32;
/// Distinct identity statements remembered per flow; beyond it each new one is reported.
const MAX_STATEMENTS: usize = 16;

#[derive(Debug, Default)]
pub struct S7Flow {
    framer: Framer,
    open_jobs: Vec<(u16, u8)>,
    /// Jobs forgotten because too many were open at once.
    limit_hits: u64,
    /// Per direction: the data unit reference of a Read SZL answer whose next PDU is due.
    szl_answer_in_progress: [Option<u8>; 2],
    notes: Notes,
    /// MMS over the same ISO transport (IEC 61850, ICCP), once an ISO session SPDU is seen.
    mms: Option<Box<MmsFlow>>,
    /// Per direction: the last S7comm-plus fragment had no trailer, so the next one carries
    /// the rest of that message rather than an opcode of its own.
    plus_continues: [bool; 2],
}

/// What the flow has already said, so that it is said once.
#[derive(Debug, Default)]
struct Notes {
    known_device_logged: bool,
    ack_without_job_reported: bool,
    /// An ack whose job was not seen yet: the stream of the other direction may deliver
    /// the job after it (both leave in packets that cross), so it is reported only when
    /// the next message is not that job.
    deferred_ack: Option<UnmatchedAck>,
    /// Hashes of the identity statements reported (at most [`MAX_STATEMENTS`]), so that a
    /// CPU polled for its mode every second is reported when something changes.
    identities_stated: Vec<u64>,
    /// Bytes went missing since the last job: the jobs of acks that follow may be in them.
    jobs_lost: bool,
    /// The rack and slot the connection confirm accepted: what the CPU says on this
    /// connection is said by the module there.
    place: Option<BehindPath>,
    /// An S7comm-plus session was reported: a connection carries one, and the later
    /// Create Object answers create objects inside it (the blocks of a download).
    plus_session_reported: bool,
    /// An identity SZL (module or component identification) was asked for on this
    /// connection: a tool that asks again is one asker, a sweep is many connections.
    szl_identity_asked: bool,
}

/// An ack or ack-data whose job has not been seen: PDU reference, ROSCTR, function.
#[derive(Debug, Clone, Copy)]
struct UnmatchedAck(u16, u8, Option<u8>);

impl UnmatchedAck {
    fn detail(self) -> String {
        let UnmatchedAck(reference, rosctr, function) = self;
        format!(
            "{} for {}, PDU reference {}, without a job seen on this connection (reported \
             once per connection)",
            s7comm::rosctr_name(rosctr),
            function.map_or("a job", |f| s7comm::function_name(f)
                .unwrap_or("unknown function")),
            reference.swap_bytes()
        )
    }
}

struct Tpkt;

impl MessageLength for Tpkt {
    const HEADER: usize = s7comm::TPKT_HEADER;
    fn total(h: &[u8]) -> Option<usize> {
        s7comm::tpkt_total(h)
    }
}

impl S7Flow {
    pub fn gap(&mut self) {
        self.framer.gap();
        self.open_jobs.clear();
        self.szl_answer_in_progress = [None, None];
        self.notes.deferred_ack = None;
        self.notes.jobs_lost = true;
        if let Some(m) = self.mms.as_mut() {
            m.gap();
        }
    }

    /// MMS was decoded on the flow.
    pub fn carries_mms(&self) -> bool {
        self.mms.as_ref().is_some_and(|m| m.carries_mms())
    }

    pub fn pending_limit_hits(&self) -> u64 {
        self.limit_hits
    }

    /// A chunk of the stream; `side` 0 for the originator's direction, 1 for the other.
    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        // The framer lends each message only inside its callback, where the rest of the
        // flow's state is needed too: split the borrows.
        let Self {
            framer,
            open_jobs,
            limit_hits,
            szl_answer_in_progress,
            notes,
            mms,
            plus_continues,
        } = self;
        let mut state = FlowState {
            open_jobs,
            limit_hits,
            szl_answer_in_progress: &mut szl_answer_in_progress[side.min(1)],
            notes,
            mms,
            plus_continues: &mut plus_continues[side.min(1)],
            side,
        };
        framer.feed::<Tpkt>(side, data, MAX_CARRY, |message| state.tpkt(message, ctx));
    }
}

struct FlowState<'s> {
    open_jobs: &'s mut Vec<(u16, u8)>,
    limit_hits: &'s mut u64,
    szl_answer_in_progress: &'s mut Option<u8>,
    notes: &'s mut Notes,
    mms: &'s mut Option<Box<MmsFlow>>,
    plus_continues: &'s mut bool,
    side: usize,
}

fn hex2(v: u8) -> String {
    format!("0x{v:02x}")
}

impl FlowState<'_> {
    fn tpkt(&mut self, message: &[u8], ctx: &mut Ctx<'_>) {
        let cotp = match s7comm::parse_cotp(message) {
            Ok(c) => c,
            Err(e) => {
                ctx.event(
                    "s7comm",
                    "cotp_malformed".into(),
                    format!(
                        "TPKT of {} bytes does not hold a valid COTP header: {e}",
                        message.len()
                    ),
                );
                return;
            }
        };
        if ctx.logging() {
            let name = s7comm::tpdu_name(cotp.code).map_or_else(
                || format!("Unknown COTP PDU-{}", hex2(cotp.code)),
                String::from,
            );
            ctx.log(&COTP_LOG, vec![hex2(cotp.code).into(), name.into()]);
        }
        if let Some(c) = &cotp.connection {
            if let Some(place) = connection_facts(cotp.code, c, ctx) {
                self.notes.place = Some(place);
            }
        }
        if cotp.code != tpdu::DT {
            return;
        }
        if let Some(m) = self.mms.as_mut() {
            m.tpdu(self.side, cotp.end_of_tsdu, cotp.payload, ctx);
            return;
        }
        match cotp.payload.first() {
            Some(0x32) => self.s7comm(cotp.payload, ctx),
            Some(0x72) => {
                let continuation = *self.plus_continues;
                *self.plus_continues = !plus_trailer(cotp.payload);
                plus(
                    cotp.payload,
                    continuation,
                    &mut self.notes.plus_session_reported,
                    ctx,
                )
            }
            // ISO session SPDUs (data transfer after give tokens, connect, accept), or an
            // MMS PDU straight on COTP.
            Some(0x01 | 0x0d | 0x0e) | Some(0xa0..=0xaa | 0x85..=0x87 | 0x8b..=0x8d) => self
                .mms
                .get_or_insert_with(Default::default)
                .tpdu(self.side, cotp.end_of_tsdu, cotp.payload, ctx),
            _ => {}
        }
    }

    fn s7comm(&mut self, payload: &[u8], ctx: &mut Ctx<'_>) {
        let pdu = match s7comm::parse_pdu(payload) {
            Ok(p) => p,
            Err(e) => {
                ctx.event(
                    "s7comm",
                    "s7_malformed".into(),
                    format!("S7 PDU of {} bytes: {e}", payload.len()),
                );
                return;
            }
        };
        let mut answered = false;
        if let Some(unmatched) = self.notes.deferred_ack.take() {
            answered = pdu.rosctr == rosctr::JOB && pdu.pdu_ref == unmatched.0;
            if !answered {
                self.notes.ack_without_job_reported = true;
                ctx.event("s7comm", "s7_ack_without_job".into(), unmatched.detail());
            }
        }
        match pdu.rosctr {
            rosctr::JOB => {
                self.job(&pdu, ctx);
                // The job arrived after its answer: the transaction is complete.
                if answered
                    && self
                        .open_jobs
                        .last()
                        .is_some_and(|(r, _)| *r == pdu.pdu_ref)
                {
                    self.open_jobs.pop();
                }
            }
            rosctr::ACK | rosctr::ACK_DATA => self.acknowledgement(&pdu, ctx),
            rosctr::USER_DATA => self.user_data(&pdu, ctx),
            other => ctx.event(
                "s7comm",
                "s7_unknown_rosctr".into(),
                format!(
                    "S7 PDU with unknown ROSCTR {}, PDU reference {}",
                    hex2(other),
                    pdu.pdu_ref_swapped()
                ),
            ),
        }
    }

    fn job(&mut self, pdu: &S7Pdu<'_>, ctx: &mut Ctx<'_>) {
        let Some(code) = pdu.function() else {
            ctx.event(
                "s7comm",
                "s7_malformed".into(),
                format!(
                    "job without a function code, PDU reference {}",
                    pdu.pdu_ref_swapped()
                ),
            );
            return;
        };
        let name = s7comm::function_name(code);
        ctx.obs.function(
            ctx.src,
            ctx.dst,
            "s7comm",
            u16::from(code),
            || name.map_or_else(|| format!("FC_{}", hex2(code)), String::from),
            ctx.ev.ts,
        );
        if matches!(code, 0x04 | 0x05) {
            record_items(code, pdu, ctx);
        }
        if name.is_none() {
            ctx.event(
                "s7comm",
                "s7_unknown_function".into(),
                format!(
                    "job with unknown function {}, PDU reference {}",
                    hex2(code),
                    pdu.pdu_ref_swapped()
                ),
            );
        }
        self.notes.jobs_lost = false;
        if self.open_jobs.len() >= MAX_OPEN_JOBS {
            self.open_jobs.remove(0);
            *self.limit_hits += 1;
        }
        self.open_jobs.push((pdu.pdu_ref, code));

        let mut service = None;
        let mut loggable = true;
        match s7comm::pi_service(pdu) {
            Some(Ok(pi)) => {
                pi_event(&pi, pdu, ctx);
                service = Some(pi);
            }
            Some(Err(e)) => {
                loggable = code != function::PLC_CONTROL;
                ctx.event(
                    "s7comm",
                    "s7_malformed".into(),
                    format!("{} job: {e}", name.unwrap_or("PLC control")),
                );
            }
            None => {}
        }
        let transfer = s7comm::block_transfer(pdu);
        if let Some(Ok(t)) = &transfer {
            transfer_event(t, pdu, ctx);
        }
        if matches!(transfer, Some(Err(_))) {
            loggable = false;
        }
        if !ctx.logging() || !loggable {
            return;
        }
        let (sub_code, sub_name) = match service.filter(|_| code == function::PLC_CONTROL) {
            Some(pi) => (
                Value::Str(String::from_utf8_lossy(pi.service).into_owned()),
                Value::from(s7comm::pi_service_name(pi.service)),
            ),
            None => (Value::Unset, Value::Unset),
        };
        ctx.log(
            &S7COMM_LOG,
            vec![
                pdu.rosctr.into(),
                s7comm::rosctr_name(pdu.rosctr).into(),
                pdu.pdu_ref_swapped().into(),
                hex2(code).into(),
                name.unwrap_or("unknown").into(),
                sub_code,
                sub_name,
                Value::Unset,
                Value::Unset,
            ],
        );
        if let Some(Ok(t)) = transfer {
            log_transfer(&t, pdu, ctx);
        }
    }

    fn acknowledgement(&mut self, pdu: &S7Pdu<'_>, ctx: &mut Ctx<'_>) {
        let asked = self
            .open_jobs
            .iter()
            .position(|(r, _)| *r == pdu.pdu_ref)
            .map(|i| self.open_jobs.remove(i).1);
        let (class, code) = pdu.error.unwrap_or((0, 0));
        let function = pdu.function();
        let what = function
            .or(asked)
            .map(|f| s7comm::function_name(f).unwrap_or("unknown function"))
            .unwrap_or("job");
        if asked.is_none() && !self.notes.ack_without_job_reported && !self.notes.jobs_lost {
            self.notes.deferred_ack = Some(UnmatchedAck(pdu.pdu_ref, pdu.rosctr, function));
        }
        if class != 0 || code != 0 {
            ctx.event(
                "s7comm",
                "s7_error".into(),
                format!(
                    "{what} answered with error class {} ({}) code {}, PDU reference {}",
                    hex2(class),
                    s7comm::error_class_name(class).unwrap_or("unknown class"),
                    hex2(code),
                    pdu.pdu_ref_swapped()
                ),
            );
        }
        let variables = matches!(function, Some(function::READ_VAR | function::WRITE_VAR));
        if pdu.rosctr == rosctr::ACK_DATA && variables {
            let rejected = s7comm::item_return_codes(pdu)
                .into_iter()
                .filter(|rc| *rc != 0xff)
                .count();
            if rejected > 0 {
                ctx.event(
                    "s7comm",
                    "s7_item_error".into(),
                    format!(
                        "{what}: {rejected} item(s) answered with an error return code, \
                         PDU reference {}",
                        pdu.pdu_ref_swapped()
                    ),
                );
            }
        }
        if !ctx.logging() {
            return;
        }
        // An ack states its function in a parameter byte; without one ICSNPP writes no row.
        if pdu.rosctr == rosctr::ACK && pdu.body.is_empty() {
            return;
        }
        let function = if pdu.rosctr == rosctr::ACK {
            pdu.body.first().copied()
        } else {
            function
        };
        let transfer = s7comm::block_transfer(pdu);
        if matches!(transfer, Some(Err(_))) {
            return;
        }
        ctx.log(
            &S7COMM_LOG,
            vec![
                pdu.rosctr.into(),
                s7comm::rosctr_name(pdu.rosctr).into(),
                pdu.pdu_ref_swapped().into(),
                Value::opt_str(function.map(hex2)),
                Value::opt_str(function.map(|f| s7comm::function_name(f).unwrap_or("unknown"))),
                Value::Unset,
                Value::Unset,
                s7comm::error_class_name(class)
                    .map_or_else(
                        || format!("Unknown error class-{}", hex2(class)),
                        String::from,
                    )
                    .into(),
                hex2(code).into(),
            ],
        );
        if pdu.rosctr == rosctr::ACK_DATA {
            if let Some(Ok(t)) = transfer {
                log_transfer(&t, pdu, ctx);
            }
        }
    }

    fn user_data(&mut self, pdu: &S7Pdu<'_>, ctx: &mut Ctx<'_>) {
        let ud = match s7comm::user_data(pdu) {
            Ok(ud) => ud,
            Err(e) => {
                ctx.event(
                    "s7comm",
                    "s7_malformed".into(),
                    format!("user data, PDU reference {}: {e}", pdu.pdu_ref_swapped()),
                );
                return;
            }
        };
        let group_id = ud.group();
        let sub_name = s7comm::user_data_subfunction_name(group_id, ud.subfunction);
        let request = ud.type_group & 0xf0 == 0x40;
        if request {
            ctx.obs.function(
                ctx.src,
                ctx.dst,
                "s7comm",
                0x7000 | u16::from(group_id) << 8 | u16::from(ud.subfunction),
                || {
                    format!(
                        "{}: {}",
                        s7comm::user_data_group_name(group_id).unwrap_or("unknown group"),
                        sub_name.unwrap_or("unknown")
                    )
                },
                ctx.ev.ts,
            );
        }
        if s7comm::user_data_group_name(group_id).is_none() {
            ctx.event(
                "s7comm",
                "s7_unknown_function".into(),
                format!(
                    "user data of unknown function group {}, PDU reference {}",
                    hex2(ud.type_group),
                    pdu.pdu_ref_swapped()
                ),
            );
        }
        if let Some(code) = ud.error_code.filter(|c| *c != 0) {
            ctx.event(
                "s7comm",
                "s7_error".into(),
                format!(
                    "{} {} answered with error code 0x{code:04x}, PDU reference {}",
                    s7comm::user_data_function_name(ud.type_group),
                    sub_name.unwrap_or("unknown"),
                    pdu.pdu_ref_swapped()
                ),
            );
        }
        user_data_event(&ud, request, pdu, ctx);

        let szl = s7comm::read_szl(&ud);
        // The request names the asker, which the CPU's answer does not: identification
        // sweeps are judged by who asks.
        if let (true, Some(Ok(asked))) = (request && ud.type_group & 0xf0 == 0x40, &szl) {
            if matches!(asked.szl_id & 0xff, 0x11 | 0x1c) && !self.notes.szl_identity_asked {
                self.notes.szl_identity_asked = true;
                ctx.event(
                    "s7comm",
                    "s7_szl_identity_request".into(),
                    format!(
                        "Read SZL 0x{:04x} ({}) index 0x{:04x}, PDU reference {}",
                        asked.szl_id,
                        s7comm::szl_id_name(asked.szl_id),
                        asked.szl_index,
                        pdu.pdu_ref_swapped()
                    ),
                );
            }
        }
        if let Some(Err(e)) = &szl {
            // A follow-up request for the rest of a long answer carries no SZL id, and the
            // first PDU of a long answer holds only the records that fit.
            // An answer with an error has no SZL part to read.
            let follow_up = ud.is_response() && request
                || ud.error_code.is_some_and(|c| c != 0)
                || ud.return_code().is_some_and(|rc| rc != 0xff);
            let first_part = ud.last_data_unit != 0 && e.reason == "s7_szl_records_truncated";
            if !follow_up && !first_part {
                ctx.event(
                    "s7comm",
                    "s7_malformed".into(),
                    format!("Read SZL, PDU reference {}: {e}", pdu.pdu_ref_swapped()),
                );
            }
        }
        if ud.group() == group::CPU && ud.subfunction == 1 && ud.type_group & 0xf0 == 0x80 {
            self.szl_answer(pdu, &ud, &szl, ctx);
        }
        if !ctx.logging() || matches!(szl, Some(Err(_))) {
            return;
        }
        let (error_class, error_code) = match ud.error_code {
            None => (Value::Unset, Value::Unset),
            Some(0) => (Value::from("No error"), Value::from("0x00")),
            Some(code) => (
                Value::from("Parameter Error"),
                Value::Str(format!("0x{code:02x}")),
            ),
        };
        ctx.log(
            &S7COMM_LOG,
            vec![
                pdu.rosctr.into(),
                s7comm::rosctr_name(pdu.rosctr).into(),
                pdu.pdu_ref_swapped().into(),
                hex2(ud.type_group).into(),
                s7comm::user_data_function_name(ud.type_group).into(),
                hex2(ud.subfunction).into(),
                Value::opt_str(sub_name),
                error_class,
                error_code,
            ],
        );
        // ICSNPP logs the PDU that starts an answer (or is the whole of it), not the rest.
        if let Some(Ok(szl)) = szl {
            if ud.data_unit_ref == 0 || ud.last_data_unit == 1 {
                ctx.log(
                    &S7COMM_READ_SZL_LOG,
                    vec![
                        pdu.pdu_ref_swapped().into(),
                        s7comm::user_data_method_name(ud.method).into(),
                        format!("0x{:04x}", szl.szl_id).into(),
                        s7comm::szl_id_name(szl.szl_id).into(),
                        format!("0x{:04x}", szl.szl_index).into(),
                        hex2(szl.return_code).into(),
                        s7comm::return_code_name(szl.return_code).into(),
                    ],
                );
            }
        }
    }

    /// A Read SZL answer: identity facts from the PDU that starts it, and the
    /// known-devices row from a whole component identification.
    fn szl_answer(
        &mut self,
        pdu: &S7Pdu<'_>,
        ud: &s7comm::UserData<'_>,
        szl: &Option<Result<s7comm::ReadSzl<'_>, otwatch_dissect::Malformed>>,
        ctx: &mut Ctx<'_>,
    ) {
        let continues = *self.szl_answer_in_progress == Some(ud.data_unit_ref);
        *self.szl_answer_in_progress =
            (ud.data_unit_ref != 0 && ud.last_data_unit != 0).then_some(ud.data_unit_ref);
        if continues {
            return;
        }
        let Some(answer) = s7comm::read_szl_response(pdu) else {
            return;
        };
        let subject = match self.notes.place {
            Some(place) => Subject::Behind(ctx.src, place),
            None => Subject::Ip(ctx.src),
        };
        identity_facts(&answer, subject, &mut self.notes.identities_stated, ctx);
        if let Some(Ok(_)) = szl {
            if answer.szl_id == 0x001c && !self.notes.known_device_logged && ctx.logging() {
                self.notes.known_device_logged = true;
                let names = s7comm::component_names(&answer);
                let mut values = vec![Value::Unset; 5];
                values.extend([
                    Value::opt_str(names.automation_system_name),
                    Value::opt_str(names.module_name),
                    Value::opt_str(names.plant_name),
                    Value::opt_str(names.module_serial),
                ]);
                ctx.log(&S7COMM_KNOWN_DEVICES_LOG, values);
            }
        }
    }
}

/// The TSAPs of a connection confirm: the CPU accepts a connection to the rack and slot
/// the called TSAP names, which is where the CPU sits. (A request alone is only what the
/// client asked for.)
fn connection_facts(
    code: u8,
    c: &s7comm::CotpConnection<'_>,
    ctx: &mut Ctx<'_>,
) -> Option<BehindPath> {
    if code != tpdu::CC {
        return None;
    }
    let called = c.called_tsap.and_then(s7comm::s7_tsap)?;
    let message = format!(
        "COTP connection confirm, called TSAP {:02x}{:02x} ({} connection)",
        called.connection_type,
        called.rack << 5 | called.slot,
        s7comm::connection_type_name(called.connection_type)
    );
    let place = BehindPath::S7 {
        rack: called.rack,
        slot: called.slot,
    };
    // Said of the module at that place: the CPU itself, or one reached through it.
    ctx.obs.attribute(
        Subject::Behind(ctx.src, place),
        "s7_rack_slot",
        &format!("rack {}, slot {}", called.rack, called.slot),
        "s7comm",
        &message,
        1.0,
        ctx.ev,
    );
    ctx.obs.behind(ctx.src, place, || message, ctx.ev);
    Some(place)
}

fn identity_facts(
    szl: &s7comm::SzlResponse<'_>,
    subject: Subject,
    stated_before: &mut Vec<u64>,
    ctx: &mut Ctx<'_>,
) {
    let id = s7comm::cpu_identity(szl);
    let message = format!(
        "S7comm Read SZL response, list {:#06x} index {:#06x}",
        szl.szl_id, szl.szl_index
    );
    let facts = [
        ("order_number", &id.order_number),
        ("firmware", &id.firmware),
        ("station_name", &id.station_name),
        ("module_name", &id.module_name),
        ("plant_name", &id.plant_name),
        ("serial", &id.serial),
        ("model", &id.module_type),
        ("location", &id.location),
        ("cpu_mode", &id.mode),
    ];
    let mut stated = Vec::new();
    for (name, value) in facts {
        if let Some(v) = value {
            ctx.obs
                .attribute(subject, name, v, "s7comm", &message, 1.0, ctx.ev);
            stated.push(format!("{name}={v:?}"));
        }
    }
    if let (Some(station), Subject::Ip(_)) = (&id.station_name, subject) {
        ctx.obs.name(
            None,
            Some(ctx.src),
            station,
            "s7comm",
            &message,
            1.0,
            ctx.ev,
        );
    }
    if stated.is_empty() {
        return;
    }
    let statement = stated.join(" ");
    let hash = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        statement.hash(&mut h);
        h.finish()
    };
    if !stated_before.contains(&hash) {
        if stated_before.len() < MAX_STATEMENTS {
            stated_before.push(hash);
        }
        ctx.event("s7comm", "s7_cpu_identity".into(), statement);
    }
}

/// PLC control and PLC stop: what the PI service does to the CPU.
fn pi_event(pi: &s7comm::PiService<'_>, pdu: &S7Pdu<'_>, ctx: &mut Ctx<'_>) {
    let service = String::from_utf8_lossy(pi.service);
    let kind = match (pi.function, pi.service) {
        (function::PLC_STOP, _) => "s7_plc_stop",
        (_, b"P_PROGRAM") => "s7_plc_start",
        (_, b"_MODU") => "s7_copy_ram_to_rom",
        (_, b"_GARB") => "s7_compress_memory",
        (_, b"_DELE") => "s7_block_delete",
        (_, b"_INSE" | b"_INS2") => "s7_block_activate",
        _ => "s7_plc_control",
    };
    let what = match kind {
        "s7_plc_stop" => "PLC stop",
        "s7_plc_start" => "PLC start",
        _ => s7comm::pi_service_name(pi.service),
    };
    let mut detail = format!(
        "{what} (PI service {service}), PDU reference {}",
        pdu.pdu_ref_swapped()
    );
    if let Some(blocks) = otwatch_dissect::printable(pi.parameter_block) {
        detail.push_str(&format!(", parameters {blocks:?}"));
    }
    ctx.event("s7comm", kind.into(), detail);
}

/// Block download and upload jobs that start a transfer.
fn transfer_event(t: &s7comm::BlockTransfer<'_>, pdu: &S7Pdu<'_>, ctx: &mut Ctx<'_>) {
    let kind = match t.function {
        function::REQUEST_DOWNLOAD => "s7_block_download",
        function::START_UPLOAD => "s7_block_upload",
        _ => return,
    };
    let Some(name) = t.filename else { return };
    let file = s7comm::block_file(name);
    let mut detail = format!(
        "{} of {} {} ({} file system), file {:?}, PDU reference {}",
        s7comm::function_name(t.function).unwrap_or("transfer"),
        s7comm::block_type_name(&file.block_type),
        file.number,
        s7comm::filesystem_name(&file.filesystem),
        String::from_utf8_lossy(name),
        pdu.pdu_ref_swapped()
    );
    if let Some(len) = t.block_length {
        detail.push_str(&format!(", load memory length {len}"));
    }
    ctx.event("s7comm", kind.into(), detail);
}

fn log_transfer(t: &s7comm::BlockTransfer<'_>, pdu: &S7Pdu<'_>, ctx: &mut Ctx<'_>) {
    let file = t.filename.map(s7comm::block_file);
    ctx.log(
        &S7COMM_UPLOAD_DOWNLOAD_LOG,
        vec![
            s7comm::rosctr_name(pdu.rosctr).into(),
            pdu.pdu_ref_swapped().into(),
            s7comm::function_name(t.function)
                .unwrap_or("unknown")
                .into(),
            Value::opt_str(t.status.map(hex2)),
            Value::opt_count(t.session_id),
            Value::opt_count(t.block_length),
            Value::opt_str(t.filename.map(|f| String::from_utf8_lossy(f).into_owned())),
            Value::opt_str(
                file.as_ref()
                    .map(|f| s7comm::block_type_name(&f.block_type)),
            ),
            Value::opt_str(file.as_ref().map(|f| f.number.clone())),
            Value::opt_str(
                file.as_ref()
                    .map(|f| s7comm::filesystem_name(&f.filesystem)),
            ),
        ],
    );
}

/// User data that changes the CPU or says it changed: mode transitions, set clock,
/// password, memory reset.
fn user_data_event(ud: &s7comm::UserData<'_>, request: bool, pdu: &S7Pdu<'_>, ctx: &mut Ctx<'_>) {
    let reference = pdu.pdu_ref_swapped();
    match (ud.group(), ud.subfunction) {
        (group::MODE_TRANSITION, sub) if ud.type_group & 0xf0 == 0 => {
            let mode = s7comm::user_data_subfunction_name(group::MODE_TRANSITION, sub)
                .unwrap_or("unknown");
            ctx.event(
                "s7comm",
                "s7_cpu_mode_change".into(),
                format!("CPU reports mode transition to {mode} ({})", hex2(sub)),
            );
        }
        (group::TIME, 0x02 | 0x04) if request => {
            let to = s7comm::clock(ud).unwrap_or_else(|| "an unreadable time".into());
            ctx.event(
                "s7comm",
                "s7_set_clock".into(),
                format!("set clock to {to}, PDU reference {reference}"),
            );
        }
        (group::SECURITY, 0x01) if request => ctx.event(
            "s7comm",
            "s7_password".into(),
            format!("PLC password sent (security function), PDU reference {reference}"),
        ),
        (group::PROGRAMMER, 0x0c) if request => ctx.event(
            "s7comm",
            "s7_memory_reset".into(),
            format!("memory reset requested, PDU reference {reference}"),
        ),
        _ => {}
    }
}

/// Whether an S7comm-plus fragment ends its message: a message spread over several TPDUs
/// carries the trailer (0x72, version, zero length) only after its last part. A fragment
/// too short to say is taken as complete, so one odd frame cannot hide the next message.
fn plus_trailer(payload: &[u8]) -> bool {
    let Some(len) = payload
        .get(2..4)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    else {
        return true;
    };
    // Version 3 puts an integrity digest (length byte and digest) before the data, which
    // the length does not count.
    let digest = match payload.get(1) {
        Some(3) => payload.get(4).map_or(0, |d| 1 + usize::from(*d)),
        _ => 0,
    };
    payload.len() >= 4 + digest + len + 4 || payload.len() < 4 + digest + len
}

/// The transaction name TIA Portal gives the sequence that loads blocks into a CPU.
const DOWNLOAD_TRANSACTION: &[u8] = b"DLTransaction";

/// An S7comm-plus message: the log row, function counts, the session and identity a
/// CreateObject answer states in the clear, and a program download opening. A
/// `continuation` carries the rest of the message before it: its first byte is data, not
/// an opcode, and it is only logged.
fn plus(payload: &[u8], continuation: bool, session_reported: &mut bool, ctx: &mut Ctx<'_>) {
    let m = match s7comm_plus::parse(payload) {
        Ok(m) => m,
        Err(e) => {
            ctx.event(
                "s7comm-plus",
                "s7plus_malformed".into(),
                format!("S7comm-plus message of {} bytes: {e}", payload.len()),
            );
            return;
        }
    };
    if let (false, Some(s7comm_plus::opcode::REQUEST), Some(f)) =
        (continuation, m.opcode, m.function)
    {
        if f == s7comm_plus::BEGIN_SEQUENCE
            && m.body
                .windows(DOWNLOAD_TRANSACTION.len())
                .any(|w| w == DOWNLOAD_TRANSACTION)
        {
            ctx.event(
                "s7comm-plus",
                "s7plus_program_download".into(),
                format!(
                    "S7comm-plus version {} Begin Sequence \"DLTransaction\": the engineering tool opens a download into the CPU, sequence {}",
                    m.version,
                    m.sequence.map_or_else(|| "-".into(), |s| s.to_string())
                ),
            );
        }
        ctx.obs.function(
            ctx.src,
            ctx.dst,
            "s7comm-plus",
            f,
            || s7comm_plus::function_name(f).map_or_else(|| format!("FC_0x{f:04x}"), String::from),
            ctx.ev.ts,
        );
    }
    if !continuation
        && m.opcode == Some(s7comm_plus::opcode::RESPONSE)
        && m.function == Some(s7comm_plus::CREATE_OBJECT)
    {
        let session = s7comm_plus::created_session(&m);
        let version = s7comm_plus::plc_version(&m);
        if let Some(v) = &version {
            let message = format!(
                "S7comm-plus CreateObject response (protocol version {}), server session version",
                m.version
            );
            for (name, value) in [("order_number", &v.order_number), ("firmware", &v.firmware)] {
                ctx.obs.attribute(
                    Subject::Ip(ctx.src),
                    name,
                    value,
                    "s7comm-plus",
                    &message,
                    1.0,
                    ctx.ev,
                );
            }
        }
        let mut detail = format!("S7comm-plus version {} session", m.version);
        if let Some(s) = session {
            detail.push_str(&format!(" 0x{s:08x}"));
        }
        detail.push_str(" opened");
        if let Some(v) = &version {
            detail.push_str(&format!(
                "; CPU order number {:?} firmware {:?}",
                v.order_number, v.firmware
            ));
        }
        if !*session_reported {
            *session_reported = true;
            ctx.event("s7comm-plus", "s7plus_session".into(), detail);
        }
    }
    if let Some(op) = m
        .opcode
        .filter(|op| !continuation && s7comm_plus::opcode_name(*op).is_none())
    {
        ctx.event(
            "s7comm-plus",
            "s7plus_unknown_opcode".into(),
            format!(
                "S7comm-plus version {} with unknown opcode {}",
                m.version,
                hex2(op)
            ),
        );
    }
    // ICSNPP reads the opcode and four bytes after it (reserved and function code).
    if !ctx.logging() || m.body.len() < 5 {
        return;
    }
    let Some(op) = m.opcode else { return };
    let function = m.function.filter(|_| {
        matches!(
            op,
            s7comm_plus::opcode::REQUEST | s7comm_plus::opcode::RESPONSE
        )
    });
    ctx.log(
        &S7COMM_PLUS_LOG,
        vec![
            m.version.into(),
            hex2(op).into(),
            s7comm_plus::opcode_name(op)
                .map_or_else(
                    || format!("Unknown s7comm-plus opcode-{}", hex2(op)),
                    String::from,
                )
                .into(),
            Value::opt_str(function.map(|f| format!("0x{f:04x}"))),
            Value::opt_str(function.map(|f| {
                s7comm_plus::function_name(f).map_or_else(
                    || format!("Unknown s7comm-plus function-0x{f:04x}"),
                    String::from,
                )
            })),
        ],
    );
}

/// The memory a read or write variable job touches, per area (`DB1`, `M`, `I`, `Q`), in
/// bytes, for the per-edge function aggregates.
fn record_items(code: u8, pdu: &S7Pdu<'_>, ctx: &mut Ctx<'_>) {
    let Ok(items) = s7comm::var_items(pdu) else {
        return;
    };
    for item in &items {
        let mut buf = [0u8; 8];
        let space = item_space(item, &mut buf);
        let (first, last) = item.byte_span();
        ctx.obs.function_addresses(
            ctx.src,
            ctx.dst,
            "s7comm",
            u16::from(code),
            space,
            first,
            last,
        );
    }
}

/// `DB12` for a data block (each its own space), the area's letter otherwise; formatted on
/// the stack since this runs for every item.
fn item_space<'b>(item: &s7comm::VarItem, buf: &'b mut [u8; 8]) -> &'b str {
    let prefix: &[u8; 2] = match item.area {
        0x84 => b"DB",
        0x85 => b"DI",
        area => return s7comm::area_name(area),
    };
    buf[..2].copy_from_slice(prefix);
    let mut n = item.db_number;
    let mut digits = [0u8; 5];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for i in 0..len {
        buf[2 + i] = digits[len - 1 - i];
    }
    std::str::from_utf8(&buf[..2 + len]).unwrap_or("DB")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;
    use otwatch_inventory::Observations;
    use otwatch_model::logs::LogRow;
    use otwatch_model::ProtocolEvent;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Messages of icsnpp-s7comm/tests/traces/s7ident.pcap (frames 4, 6, 20, 21) and
    /// snap7.pcap (frames 17, 18, 59), each with its direction (true: client to CPU).
    fn conversation() -> Vec<(bool, Vec<u8>)> {
        [
            (true, "0300001611e00000000100c0010ac1020100c2020101"),
            (false, "0300001611d00001000100c0010ac1020100c2020101"),
            (
                true,
                "0300002302f080320100000600001200001d00000000000000095f3042303030303041",
            ),
            (false, "0300001302f08032020000060000000000d241"),
            (
                true,
                "0300002302f080320100000800001200001d00000000000000095f3042303030303041",
            ),
            (
                false,
                "0300002302f0803203000008000010000000001d000100000000070730303030323136",
            ),
            (
                true,
                "0300002302f080320100001d000012000028000000000000fd00024550055f4d4f4455",
            ),
        ]
        .into_iter()
        .map(|(up, h)| (up, hex(h)))
        .collect()
    }

    struct Run {
        obs: Observations,
        events: Vec<ProtocolEvent>,
        rows: Vec<LogRow>,
        flow: S7Flow,
    }

    fn run(messages: &[(bool, Vec<u8>)], logging: bool) -> Run {
        let mut t = TestFlow::new(("172.17.0.3", 33028), ("172.17.0.2", 102));
        t.logging = logging;
        let mut flow = S7Flow::default();
        for (frame, (up, msg)) in messages.iter().enumerate() {
            let mut ctx = t.ctx(*up, frame as u64 + 1, 1);
            // Split each message across two chunks: framing must hold the first part.
            let (a, b) = msg.split_at(msg.len() / 2);
            flow.chunk(usize::from(!*up), a, &mut ctx);
            flow.chunk(usize::from(!*up), b, &mut ctx);
        }
        Run {
            obs: t.obs,
            events: t.events,
            rows: t.rows,
            flow,
        }
    }

    fn column(row: &LogRow, name: &str) -> Value {
        let at = row
            .spec
            .columns
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap();
        row.values[at].clone()
    }

    #[test]
    fn logs_rows_as_icsnpp_does() {
        let r = run(&conversation(), true);
        let of = |log: &'static str| r.rows.iter().filter(move |row| row.spec.name == log);
        assert_eq!(of("cotp").count(), 7);
        assert_eq!(
            column(of("cotp").next().unwrap(), "pdu_name"),
            Value::from("CR Connection Request")
        );
        // The ack without a function code is in cotp.log only.
        let s7: Vec<_> = of("s7comm").collect();
        assert_eq!(s7.len(), 4);
        assert_eq!(column(s7[2], "error_class"), Value::from("No error"));
        assert_eq!(column(s7[3], "subfunction_code"), Value::from("_MODU"));
        assert_eq!(
            column(s7[3], "subfunction_name"),
            Value::from("PLC Copy Ram to Rom")
        );
        let transfers: Vec<_> = of("s7comm_upload_download").collect();
        assert_eq!(transfers.len(), 3);
        assert_eq!(
            column(transfers[0], "block_type"),
            Value::from("System Data Block")
        );
        assert_eq!(column(transfers[2], "blocklength"), Value::Count(216));
        assert!(!transfers[2].from_orig);
    }

    #[test]
    fn events_and_facts() {
        let r = run(&conversation(), false);
        assert!(r.rows.is_empty());
        let kinds: Vec<&str> = r.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "s7_block_upload",
                "s7_error",
                "s7_block_upload",
                "s7_copy_ram_to_rom"
            ]
        );
        assert!(r.events[1].detail.contains("class 0xd2"));
        let rack_slot: Vec<_> = r
            .obs
            .attributes
            .values()
            .filter(|a| a.name == "s7_rack_slot")
            .collect();
        assert_eq!(rack_slot.len(), 1);
        assert_eq!(rack_slot[0].value, "rack 0, slot 1");
        // Recorded as what the module at that place says, and the place as where it sits,
        // for the inventory to decide whether it is the host itself or a module behind it.
        let place = BehindPath::S7 { rack: 0, slot: 1 };
        let cpu = "172.17.0.2".parse().unwrap();
        assert_eq!(rack_slot[0].subject, Subject::Behind(cpu, place));
        assert_eq!(r.obs.behind[&(cpu, place)].first.frame, 2);
    }

    #[test]
    fn an_ack_without_its_job_is_reported_once() {
        let mut messages = conversation();
        messages.retain(|(up, _)| !up);
        let r = run(&messages, false);
        let without: Vec<_> = r
            .events
            .iter()
            .filter(|e| e.kind == "s7_ack_without_job")
            .collect();
        assert_eq!(without.len(), 1);
    }

    #[test]
    fn an_answer_delivered_before_its_job_is_no_anomaly() {
        let c = conversation();
        // The ack-data of reference 8, then its job, then the next job.
        let messages = [c[5].clone(), c[4].clone(), c[6].clone()];
        let r = run(&messages, false);
        assert!(r.events.iter().all(|e| e.kind != "s7_ack_without_job"));
        assert_eq!(r.flow.open_jobs.len(), 1);
    }

    #[test]
    fn open_jobs_are_bounded_and_counted() {
        let job = conversation().swap_remove(2);
        let mut messages = Vec::new();
        for i in 0..(MAX_OPEN_JOBS as u16 + 5) {
            let mut m = job.1.clone();
            m[11..13].copy_from_slice(&i.to_be_bytes());
            messages.push((true, m));
        }
        let r = run(&messages, false);
        assert_eq!(r.flow.open_jobs.len(), MAX_OPEN_JOBS);
        assert_eq!(r.flow.pending_limit_hits(), 5);
    }

    /// s7/S7-1200-Uploading-OB1-TIAV12.pcap (ITI), TIA Portal V12 and an S7-1200 over
    /// S7comm-plus version 2: frame 121 opens the "DLTransaction" sequence, frames 127 to
    /// 129 carry one CreateObject (the block "Main", OB1) in three fragments, the last with
    /// the trailer.
    const PLUS_DOWNLOAD_BEGIN: &str = concat!(
        "0300004202f08072020033310000055600000025000003c03602000100a17fffc0018d240000a381",
        "6900150d444c5472616e73616374696f6ea20000000072020000",
    );
    const PLUS_CREATE_FIRST: &str = concat!(
        "030003fb02f080720203f031000004ca00000027000003c0340000000300040000000000a18a3200",
        "0194572000a381690015044d61696ea39315000589d0b2d1b5919f8ce8a3931600048b7ea3931100",
        "1400820a9800000278f95814b03b7d955d6bc3201486ff4ae91f989f894216d8ca02852ebb88f7e3",
        "106c16969ad19941fffd4e24b49dabbd117cceabc78ff7e8ff8360e1209e263fd6c122cb255c8168",
        "3792712a895222d39a33c2a2ddcc6de3e1f0159668c8e3fa7a88929c6ab15e199ae0ecc273c628e1",
        "045320e709bd48e8e5cc31c064468912544b91a3ef4c96e07982ab503246df7970d2aeddda76f361",
        "dbcf4572eedebdc4b7e7f7cde8be3d38bfaa43a1227985de2dd1adf3f6b88736146b598f6e4e1ed1",
        "8b13aab826826b77e0ba093abbb33f7628f137ba410b03c7cefa0a0efd702a1b7c8308291efec0e2",
        "a5a926d77a5c3f0cbd3f2dd3a1256e06501e250eca28edd9abbfc3becf50a39313000424a3a14040",
        "1500a3936f000589d0b2cf86a6cd8aa8a3a13f401588081d20224d61696e2050726f6772616d2053",
        "7765657020284379636c65292200a3935900030001a3935a000101a3935b00030004a3935c001700",
        "000d779a78000b00009a79100214000000000000000000000000000000000000000000a3935f0001",
        "00a39361000589d0b2d1b5919f8ce8a39364000c00000000a3984f001700000da09b210008009b22",
        "0015009b2300080000a39c23000800a3a3620014001501000800080001000200050001030008000c",
        "000000a3941400140014184001e0018c0021abcde0018c00211234144001a39415000588b8ce938f",
        "8c89ff78a39419401400a3941a0014000400000000a3941b001400300000002c10e27131e304ff78",
        "002000010000000000000000000000000002000000010000000000000000000000000000a3941e00",
        "0800a3941f0014000c0c00000000000000000710c6a3941740140200822898000002787db0155ff8",
        "d5954d0b823018c7bf8aac6be5e6b399412ff472e8d229a2a3546a04d9a942faf4ad6dda9c9a1875",
        "c88b0c419efdfe2fcf609cc427eb96bb16f73c67773e0cd1f512753c341e1592a72be5271803f1dd",
        "e7db017fbbdb0728a55a20d8d3193a5ddc25c8d4395346700596d110502b31a2328e724221b85dee",
        "a6744225a600a719469e856b0018a314fa2fcb2fc224b3fd6c3e9962ed511f246e3e9edb926072e9",
        "581def61db5a9f03eebcda44189c8903b49ab3d7943373ff833350e2bce72cc17cce79b9c1195755",
        "072955684a953223cb1f63355201dffa6f855c7ad92bc9449b6892c9b32e19b7905a16cb30e64b25",
        "57cbb858cc572e4854b558a40bebc4d216a6c805f609322a3d158f34158ffc3a11f95d5f7a57db68",
        "de07ceb3c93400a3a3500003ffffa393700014",
    );
    const PLUS_CREATE_MIDDLE: &str = concat!(
        "030003fc02f080720203f100823f98000002787d66052b13ad96490ec2300c45ef927d556742c9a6",
        "a7e002452d3b24964888bb9379b04391102b045562d3fffcfdbf3ba3a1c6880449d257030016f750",
        "688cb32463b823fadf212e1ac8e332ea860da0e66ca9a47aebacfd459f252ec48d954a493349abf4",
        "a4ac86c96efbeabe5ed7cd5cd66ddd34b1aaa7e0c0258849097d7ab1f1a6f11c1444ffb624dc1f4c",
        "b4fb464e59ecf37ebb2794e1e1b9c02ca3c9138978f782e7a5b38a946f06bb0818092840220a0c42",
        "4a2c32775566af8efb286a954d52791199971c72fc99aa70b834849c7a44e62349869687668b162a",
        "b8c77641dba53c959ee9a1ef3633ef8e873be320417cf1c95b5d96085d76f7ff50ae371c52715002",
        "65211215b295e1cc007d6a00941b00250740d9013ea60718e507d27b4b04d656656d0bd3c7d63102",
        "65ae98e55ffa895bde4b53a586a39371001400820c9800000278f91398a37fed56b10e823010dd4d",
        "fc07d21dd22b4636070dc6810d43dcd8fc49073fc95f90427b6de9b51295ad03090dbdd7d777efee",
        "783d9e0bae0850f06278d861bbc9322d927c1f564eee195e9965ca079d2884f402b9dd1106436482",
        "4bd107a3a482eee67d5fb795f285805d0e97bae439bf1d7910045380486d058263007a605cb89699",
        "92c334b0edb20e44cff517efd060ba91c459968c455a9b76a2844e2548595e093083183353a1c885",
        "2e2a43ce07b16a1b51068b4642bc1660d2b1a4ee23c8a69720a46a2a5fcb2baf92a4fdbbb4564f4b",
        "f2ae236f72ee2ad2b6a786d1e38518c978e27dd6e367d3cd9bdc0b03a9014f877eb8d4b5495ef9d9",
        "2b91ffc237d2bbdd27a39372401401001798000002787d3c55436ac3ee0e3427e8db010021ab0d40",
        "00a3936540140200834698000002787defaeae49b557df4fc230107e37f17f30f1dd2995ed652119",
        "0323c908c429ef1d2bbab8d1a5dd8cfcf7deb51ddd868292f846ef763ffa71fdeeae97441c46e705",
        "07c0c1d3924bddedc04fcc6bb166adde7e3340c5ae48384ee4fac75598a3f552b23ae55a04e8ee0a",
        "e332ae9330a752e23166f9668c739f82ba631e674599b39eb9db65915f58588a25bfb4f0babce13b",
        "fbeb3d716e0b4f1ea0d0684c37c27a9f418ce7404a504f3f4b1895d0c0344c57eb51be145931d140",
        "aea8311f6af58a8a2091989cbd83637d8dfc7184a2451948330be8acb5b81f7478db0d1ae273e55b",
        "0963cb14c7fb6b9aacd366dd321928bdde2f7412ee61120f595c69ac1a10a03023e3474fe63d7888",
        "77029ec151780839179efb63f07827e0b91b90fd5ae3fe008ff7377886a6cabac585df36cf6de4bf",
        "6cb3cad2f81c5eadad3df5a05ac7d1e50510d523a3297001bcfa8f2c45768fd5301df2a2cc722680",
        "b791af6d3c45ff4a669a8e347babf2d62a7a2369",
    );
    const PLUS_CREATE_LAST: &str = concat!(
        "030000e702f080720200d8be52277b862b4d74edda47a7c742703f03a044ad16c5886d5fab371534",
        "e2fc3da8d445e6c0436217084695217e4f61336c35289884179b8d64cdbef75d74420ea37bff16dd",
        "775a50f84ee79f6a31f717d914b4eb00a3936900140000a39418401400a3941d0014005c98000002",
        "78f966052b138314792ea949a5e9e034c3cba5a06003accac0d519d05843a089a9e9c0668da3b3ad",
        "1230f05df352c04c434b2505b7cca26260c5032c6941e53b3476816a7c1231854d9514f48186dbe8",
        "a3d90700dab627e7a4900a00000060a4900a00000060a20000000072020000",
    );

    #[test]
    fn s7plus_download_transaction_is_an_event_and_fragments_are_not_messages() {
        let messages: Vec<(bool, Vec<u8>)> = [
            PLUS_DOWNLOAD_BEGIN,
            PLUS_CREATE_FIRST,
            PLUS_CREATE_MIDDLE,
            PLUS_CREATE_LAST,
        ]
        .iter()
        .map(|h| (true, hex(h)))
        .collect();
        let r = run(&messages, false);
        let kinds: Vec<(u64, &str)> = r
            .events
            .iter()
            .map(|e| (e.frame, e.kind.as_str()))
            .collect();
        // The fragments after the first hold block data where an opcode would be: before,
        // they were reported as unknown opcodes 0x00 and 0xbe.
        assert_eq!(kinds, vec![(1, "s7plus_program_download")]);
        assert!(
            r.events[0].detail.contains("version 2"),
            "{}",
            r.events[0].detail
        );
    }

    #[test]
    fn s7plus_trailer_marks_the_last_fragment() {
        assert!(plus_trailer(&hex(PLUS_DOWNLOAD_BEGIN)[7..]));
        assert!(!plus_trailer(&hex(PLUS_CREATE_FIRST)[7..]));
        assert!(!plus_trailer(&hex(PLUS_CREATE_MIDDLE)[7..]));
        assert!(plus_trailer(&hex(PLUS_CREATE_LAST)[7..]));
        // Too short to read a length: complete, so the next message is read for itself.
        assert!(plus_trailer(&[0x72, 0x02]));
    }

    /// icsnpp-s7comm s7ident.pcap frames 10, 12 and 16: Read SZL 0x0011 (module
    /// identification), 0x001c (component identification) and 0x0424 (CPU mode). The
    /// first identity request is the event; the mode poll is not identification.
    #[test]
    fn identity_szl_request_names_the_asker_once_per_connection() {
        let r = run(
            &[
                "0300002102f080320700000100000800080001120411440100ff09000400110000",
                "0300002102f080320700000200000800080001120411440100ff090004001c0000",
                "0300002102f080320700000400000800080001120411440100ff09000404240000",
            ]
            .map(|h| (true, hex(h))),
            false,
        );
        let asked: Vec<_> = r
            .events
            .iter()
            .filter(|e| e.kind == "s7_szl_identity_request")
            .map(|e| e.frame)
            .collect();
        assert_eq!(asked, vec![1]);
        assert!(
            r.events[0].detail.starts_with("Read SZL 0x0011"),
            "{}",
            r.events[0].detail
        );
    }

    /// The same capture, frames 8 and 132: the answer that opens the session (with the
    /// CPU's order number and firmware) and the answer to the Create Object of OB1 in it.
    /// Only the first opens a session.
    #[test]
    fn one_s7plus_session_per_connection() {
        let session = concat!(
            "0300008902f0807201007a32000004ca0000000136110287408707a100000120821f0000a3816900",
            "1500a3823200170000013a823b00048200823c00048140823d00048480c040823e00048480c04082",
            "3f00151b313b36455337203231342d31484533302d30584230203b56322e328240001505323b3739",
            "3382410003000300a20000000072010000",
        );
        let block_created = "0300001f02f0807202001032000004ca000000273400000000000072020000";
        let r = run(&[(false, hex(session)), (false, hex(block_created))], false);
        let sessions: Vec<u64> = r
            .events
            .iter()
            .filter(|e| e.kind == "s7plus_session")
            .map(|e| e.frame)
            .collect();
        assert_eq!(sessions, vec![1]);
        assert!(r.events[0].detail.contains("6ES7 214-1HE30-0XB0"));
    }
}
