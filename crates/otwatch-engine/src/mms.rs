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
    /// A download or upload was reported on the flow: the segment and terminate requests
    /// that carry it on are the same action, not another one.
    transfer_reported: [bool; 2],
}

const MID_TRANSFER: Option<&str> = Some("transfer under way when the capture began");

/// Which of a domain transfer's two directions a service belongs to.
const DOWNLOAD: usize = 0;
const UPLOAD: usize = 1;

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
        // One kind per action on the server, so a rule names the action without reading
        // the detail: a domain is the program and data an MMS server runs.
        let kind = match service {
            5 => "mms_write",
            40 | 42 => "mms_program_start",
            41 | 44 => "mms_program_stop",
            43 => "mms_program_reset",
            38 | 39 => "mms_program_invocation",
            // The client starts a download; the server then pulls the segments with
            // downloadSegment and ends with terminateDownloadSequence, requests of its
            // own towards the client. Those are the same download seen from the other
            // side: reported only when the capture began after the initiation, and then
            // turned around so the client stays the source.
            26 | 32 | 34 => {
                self.transfer_reported[DOWNLOAD] = true;
                "mms_program_download"
            }
            27 | 28 => {
                if std::mem::replace(&mut self.transfer_reported[DOWNLOAD], true) {
                    return;
                }
                std::mem::swap(&mut ctx.src, &mut ctx.dst);
                self.report(m, "mms_program_download", MID_TRANSFER, ctx);
                std::mem::swap(&mut ctx.src, &mut ctx.dst);
                return;
            }
            // An upload is driven by the client throughout: uploadSegment and
            // terminateUploadSequence continue the one begun by initiateUploadSequence.
            29 | 33 | 35 => {
                self.transfer_reported[UPLOAD] = true;
                "mms_program_upload"
            }
            30 | 31 => {
                if std::mem::replace(&mut self.transfer_reported[UPLOAD], true) {
                    return;
                }
                self.report(m, "mms_program_upload", MID_TRANSFER, ctx);
                return;
            }
            36 => "mms_domain_delete",
            46 => "mms_obtain_file",
            75 => "mms_file_rename",
            76 => "mms_file_delete",
            72..=74 | 77 => "mms_file",
            19 | 20 => "mms_control",
            7 | 8 | 10 | 11 | 13 | 14 | 16 => "mms_definition_change",
            _ => return,
        };
        self.report(m, kind, None, ctx);
    }

    fn report(&mut self, m: &Message, kind: &str, note: Option<&str>, ctx: &mut Ctx<'_>) {
        let Some(service) = m.service else { return };
        let name = mms::confirmed_service_name(service);
        let mut detail = name.to_string();
        if !m.names.is_empty() {
            detail.push_str(&format!(" {}", m.names.join(", ")));
        }
        if !m.files.is_empty() {
            detail.push_str(&format!(" file {}", m.files.join(", ")));
        }
        if let Some(note) = note {
            detail.push_str(&format!(" ({note})"));
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
        ctx.event(PROTOCOL, kind.to_string(), detail);
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

    /// The kind each program and domain service request gets, on the MMS PDUs (after COTP)
    /// of the ITI "MMS - Specific Commands" captures: frame 12 of each, and frame 16 of
    /// mms-stopRequest.pcap and mms-initiateDownloadSequence.pcap.
    #[test]
    fn program_and_domain_services_are_one_kind_per_action() {
        let cases = [
            // mms-stopRequest.pcap frame 12: start R395024397Application_1.
            ("a021020101bf281b8017523339353032343339374170706c69636174696f6e5f318100", "mms_program_start", "start R395024397Application_1"),
            // mms-stopRequest.pcap frame 16: stop.
            ("a01f020101bf29198017523339353032343339374170706c69636174696f6e5f31", "mms_program_stop", "stop R395024397Application_1"),
            // mms-resetRequest.pcap frame 12: reset.
            ("a01f020101bf2b198017523339353032343339374170706c69636174696f6e5f31", "mms_program_reset", "reset R395024397Application_1"),
            // mms-deleteProgramInvocation.pcap frame 12.
            ("a01e0201019f27184d7553656375726974795f4170706c69636174696f6e5f31", "mms_program_invocation", "deleteProgramInvocation MuSecurity_Application_1"),
            // mms-initiateDownloadSequence.pcap frame 16.
            ("a029020101ba24801044544c6f6746696c6573446f6d61696ea10d1a0b4d7553656341433830304d820100", "mms_program_download", "initiateDownloadSequence DTLogFilesDomain"),
            // mms-initiateUploadSequence.pcap frame 12.
            ("a0150201019d1044544c6f6746696c6573446f6d61696e", "mms_program_upload", "initiateUploadSequence DTLogFilesDomain"),
        ];
        for (pdu, kind, detail) in cases {
            let mut t = TestFlow::new(("127.0.0.1", 40000), ("127.0.0.1", 102));
            let mut flow = MmsFlow::default();
            flow.tpdu(0, true, &hex(pdu), &mut t.ctx(true, 12, 12));
            let got: Vec<_> = t
                .events
                .iter()
                .map(|e| (e.kind.as_str(), e.detail.as_str()))
                .collect();
            assert_eq!(got, [(kind, detail)]);
        }
    }

    /// mms-initiateDownloadSequence.pcap frame 12: takeControl of a semaphore is not an
    /// action on the program.
    #[test]
    fn take_control_is_not_a_program_action() {
        let mut t = TestFlow::new(("127.0.0.1", 40000), ("127.0.0.1", 102));
        let mut flow = MmsFlow::default();
        let pdu = hex("a017020101b312a00a80087265736572766564830101860101");
        flow.tpdu(0, true, &pdu, &mut t.ctx(true, 12, 12));
        assert_eq!(t.events.len(), 1);
        assert_eq!(t.events[0].kind, "mms_control");
    }

    /// A download as the simulator's `mms` dialect renders it (user data after COTP):
    /// the client's initiateDownloadSequence, then the server's own downloadSegment and
    /// terminateDownloadSequence requests towards the client; and an upload, which the
    /// client drives with initiateUploadSequence, uploadSegment and terminateUploadSequence.
    const INITIATE_DOWNLOAD: &str = "01000100612d302b020103a026a024020203c5ba1e80034c4430a1141a12446f776e6c6f61644361706162696c697479820100";
    const DOWNLOAD_SEGMENT: &str = "0100010061123010020103a00ba009020202339b034c4430";
    const TERMINATE_DOWNLOAD: &str = "0100010061143012020103a00da00b02020236bc0580034c4430";
    const INITIATE_UPLOAD: &str = "0100010061123010020103a00ba009020203c69d034c4430";
    const UPLOAD_SEGMENT: &str = "010001006110300e020103a009a007020203c79e0134";
    const TERMINATE_UPLOAD: &str = "010001006111300f020103a00aa008020203ca9f1f0134";

    fn transfer_events(messages: &[(bool, &str)]) -> Vec<(String, String, String)> {
        let mut t = TestFlow::new(("10.10.1.20", 49152), ("10.10.1.10", 102));
        let mut flow = MmsFlow::default();
        for (frame, (from_client, pdu)) in messages.iter().enumerate() {
            let frame = frame as u64 + 1;
            flow.tpdu(
                usize::from(!from_client),
                true,
                &hex(pdu),
                &mut t.ctx(*from_client, frame, frame as i64),
            );
        }
        assert_eq!(flow.pdus, messages.len() as u64, "every PDU decodes");
        t.events
            .iter()
            .map(|e| {
                (
                    e.kind.clone(),
                    e.src.map(|a| a.to_string()).unwrap_or_default(),
                    e.dst.map(|a| a.to_string()).unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn a_download_is_one_action_of_the_client_whatever_the_server_requests() {
        let got = transfer_events(&[
            (true, INITIATE_DOWNLOAD),
            (false, DOWNLOAD_SEGMENT),
            (false, DOWNLOAD_SEGMENT),
            (false, TERMINATE_DOWNLOAD),
        ]);
        let download = (
            "mms_program_download".to_string(),
            "10.10.1.20".to_string(),
            "10.10.1.10".to_string(),
        );
        assert_eq!(got, std::slice::from_ref(&download));

        // The capture began after the initiation: the segments the server pulls still
        // show the download, once, from the client to the server.
        let got = transfer_events(&[
            (false, DOWNLOAD_SEGMENT),
            (false, DOWNLOAD_SEGMENT),
            (false, TERMINATE_DOWNLOAD),
        ]);
        assert_eq!(got, [download]);
    }

    #[test]
    fn an_upload_is_one_action_of_the_client() {
        let upload = (
            "mms_program_upload".to_string(),
            "10.10.1.20".to_string(),
            "10.10.1.10".to_string(),
        );
        let got = transfer_events(&[
            (true, INITIATE_UPLOAD),
            (true, UPLOAD_SEGMENT),
            (true, UPLOAD_SEGMENT),
            (true, TERMINATE_UPLOAD),
        ]);
        assert_eq!(got, std::slice::from_ref(&upload));
        let got = transfer_events(&[(true, UPLOAD_SEGMENT), (true, TERMINATE_UPLOAD)]);
        assert_eq!(got, [upload]);
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
