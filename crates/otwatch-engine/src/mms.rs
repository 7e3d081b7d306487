//! MMS (IEC 61850 client/server, ICCP) on a TCP 102 flow, after COTP: data TPDUs are
//! joined into whole TSDUs (bounded), and each MMS PDU found under the session,
//! presentation and ACSE layers becomes a row of the `mms` log, a per-edge function count,
//! inventory facts (a server's Identify response: vendor, model, revision) and, for what
//! changes a server, events: writes, program invocation control (start, stop, resume,
//! reset, kill, delete), domain downloads, uploads and deletions, file services, control
//! take-over, and rejections.

use crate::app::Ctx;
use otwatch_dissect::mms::{self, Message, PduKind};
use otwatch_inventory::Subject;
use otwatch_model::logs::{LogSpec, Value};

const PROTOCOL: &str = "mms";

/// otwatch's own `mms.log` (ICSNPP has no MMS parser): one row per MMS PDU.
pub static MMS_LOG: LogSpec = LogSpec {
    name: "mms",
    directional: true,
    columns: &[
        ("pdu_type", "string"),
        ("invoke_id", "count"),
        ("service", "string"),
        ("objects", "vector[string]"),
        ("files", "vector[string]"),
        ("detail", "string"),
    ],
};

/// Bytes of a TSDU held across data TPDUs per direction; MMS PDUs of IEC 61850 servers
/// are bounded by the negotiated PDU size, commonly 8 to 64 KiB.
const MAX_TSDU: usize = 64 * 1024;
/// Distinct notable requests reported per flow.
const MAX_REPORTED: usize = 32;

#[derive(Debug, Default)]
pub struct MmsFlow {
    carry: [Vec<u8>; 2],
    /// The direction's TSDU grew past [`MAX_TSDU`]: its remaining TPDUs are skipped.
    overflow: [bool; 2],
    reported: crate::reported::Reported<u64>,
    malformed_reported: bool,
    /// MMS PDUs decoded on the flow.
    pdus: u64,
}

impl MmsFlow {
    /// An MMS PDU was decoded: the flow carries MMS whatever its first segments looked
    /// like.
    pub fn carries_mms(&self) -> bool {
        self.pdus > 0
    }

    /// The user data of one COTP data TPDU.
    pub fn tpdu(&mut self, side: usize, end_of_tsdu: bool, data: &[u8], ctx: &mut Ctx<'_>) {
        let side = side.min(1);
        if !end_of_tsdu || !self.carry[side].is_empty() || self.overflow[side] {
            if self.carry[side].len() + data.len() > MAX_TSDU {
                self.overflow[side] = true;
                self.carry[side] = Vec::new();
            } else if !self.overflow[side] {
                self.carry[side].extend_from_slice(data);
            }
            if !end_of_tsdu {
                return;
            }
            if std::mem::take(&mut self.overflow[side]) {
                ctx.event(
                    PROTOCOL,
                    "mms_oversized".into(),
                    format!("an ISO TSDU longer than {MAX_TSDU} bytes was passed over"),
                );
                return;
            }
            let whole = std::mem::take(&mut self.carry[side]);
            self.tsdu(&whole, ctx);
        } else {
            self.tsdu(data, ctx);
        }
    }

    pub fn gap(&mut self) {
        self.carry = Default::default();
        self.overflow = [false; 2];
    }

    fn tsdu(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        let m = match mms::parse(data) {
            Ok(Some(m)) => {
                self.pdus += 1;
                m
            }
            Ok(None) => return,
            Err(e) => {
                if !self.malformed_reported {
                    self.malformed_reported = true;
                    ctx.event(
                        PROTOCOL,
                        "mms_malformed".into(),
                        format!("ISO session data of {} bytes: {e}", data.len()),
                    );
                }
                return;
            }
        };
        if ctx.logging() {
            ctx.log(
                &MMS_LOG,
                vec![
                    m.kind.name().into(),
                    Value::opt_count(m.invoke_id),
                    Value::opt_str(m.service_name()),
                    Value::Strs(m.names.clone()),
                    Value::Strs(m.files.clone()),
                    Value::opt_str(m.detail.clone()),
                ],
            );
        }
        if m.kind == PduKind::ConfirmedRequest {
            if let Some(s) = m.service {
                ctx.obs.function(
                    ctx.src,
                    ctx.dst,
                    PROTOCOL,
                    s as u16,
                    || mms::confirmed_service_name(s).to_string(),
                    ctx.ev.ts,
                );
            }
            self.notable_request(&m, ctx);
        }
        if let Some(id) = &m.identity {
            identity_facts(id, ctx);
        }
        if m.kind == PduKind::Reject {
            ctx.event(
                PROTOCOL,
                "mms_reject".into(),
                m.detail.clone().unwrap_or_else(|| "reject".into()),
            );
        }
    }

    fn notable_request(&mut self, m: &Message, ctx: &mut Ctx<'_>) {
        let Some(service) = m.service else { return };
        let kind = match service {
            5 => "mms_write",
            38..=44 => "mms_program_control",
            26..=36 => "mms_domain_transfer",
            46 | 72..=77 => "mms_file",
            19 | 20 => "mms_control",
            7 | 8 | 10 | 11 | 13 | 14 | 16 => "mms_definition_change",
            _ => return,
        };
        let name = mms::confirmed_service_name(service);
        let mut detail = name.to_string();
        if !m.names.is_empty() {
            detail.push_str(&format!(" {}", m.names.join(", ")));
        }
        if !m.files.is_empty() {
            detail.push_str(&format!(" file {}", m.files.join(", ")));
        }
        let digest = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            detail.hash(&mut h);
            h.finish()
        };
        if !self.reported.first(digest, MAX_REPORTED) {
            return;
        }
        ctx.event(PROTOCOL, kind.into(), detail);
    }
}

/// The server answering an Identify request states what it is.
fn identity_facts(id: &mms::Identity, ctx: &mut Ctx<'_>) {
    let message = "MMS Identify response";
    for (name, value) in [
        ("vendor", &id.vendor),
        ("model", &id.model),
        ("firmware", &id.revision),
    ] {
        ctx.obs.attribute(
            Subject::Ip(ctx.src),
            name,
            value,
            PROTOCOL,
            message,
            1.0,
            ctx.ev,
        );
    }
    ctx.event(
        PROTOCOL,
        "mms_identify".into(),
        format!(
            "vendor {:?} model {:?} revision {:?}",
            id.vendor, id.model, id.revision
        ),
    );
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

    /// piccolo.pcap (ITI IEC 61850 captures), frame 4, after COTP: the Identify response.
    const IDENTIFIED: &str = "01000100612f302d020103a028a126020101a2218009494e464f2054454348810d53363138353020666f722050438205302e302e31";

    #[test]
    fn identity_split_across_tpdus_reaches_the_inventory() {
        let mut t = TestFlow::new(("10.0.0.1", 40000), ("10.0.0.2", 102));
        let mut flow = MmsFlow::default();
        let b = hex(IDENTIFIED);
        flow.tpdu(1, false, &b[..20], &mut t.ctx(false, 4, 4));
        flow.tpdu(1, true, &b[20..], &mut t.ctx(false, 5, 5));
        let vendor = t
            .obs
            .attributes
            .values()
            .find(|a| a.name == "vendor")
            .map(|a| a.value.clone());
        assert_eq!(vendor.as_deref(), Some("INFO TECH"));
        assert_eq!(t.rows.len(), 1);
        assert_eq!(
            t.rows[0].values[0],
            Value::Str("confirmed-ResponsePDU".into())
        );
        assert_eq!(t.rows[0].values[2], Value::Str("identify".into()));
        assert_eq!(t.events[0].kind, "mms_identify");
    }

    #[test]
    fn oversized_tsdus_are_dropped_and_reported() {
        let mut t = TestFlow::new(("10.0.0.1", 40000), ("10.0.0.2", 102));
        let mut flow = MmsFlow::default();
        let chunk = vec![0u8; 16 * 1024];
        for _ in 0..5 {
            flow.tpdu(0, false, &chunk, &mut t.ctx(true, 1, 1));
        }
        flow.tpdu(0, true, &chunk, &mut t.ctx(true, 2, 2));
        assert_eq!(t.events.len(), 1);
        assert_eq!(t.events[0].kind, "mms_oversized");
        assert!(flow.carry[0].capacity() <= MAX_TSDU);
    }
}
