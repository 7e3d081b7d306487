//! MMS (ISO 9506, the application protocol of IEC 61850 client/server and of ICCP) over
//! the ISO stack on TCP 102: the COTP data handed here carries an ISO session SPDU, whose
//! user data is a presentation PPDU, in which an ACSE association request or response
//! (connection setup) or the data itself holds the MMS PDU.
//!
//! The MMS PDU is read for what a monitor needs: its kind (confirmed request, response or
//! error, unconfirmed, reject, cancel, initiate, conclude), the invoke id, the service,
//! the object names a service touches (domain-specific names, named variable lists),
//! file names of file services, the object class and scope of GetNameList, the identity a
//! server states in its Identify response, and the class of an error. Values are not
//! decoded.

use crate::ber::{self, child, elements, unsigned, Tlv};
use crate::Malformed;

/// Object and file names kept per message.
const MAX_NAMES: usize = 16;
/// How deep name searches descend into a service's structure.
const MAX_DEPTH: u8 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PduKind {
    ConfirmedRequest,
    ConfirmedResponse,
    ConfirmedError,
    Unconfirmed,
    Reject,
    CancelRequest,
    CancelResponse,
    CancelError,
    InitiateRequest,
    InitiateResponse,
    InitiateError,
    ConcludeRequest,
    ConcludeResponse,
    ConcludeError,
}

impl PduKind {
    fn from_tag(n: u32) -> Option<Self> {
        use PduKind::*;
        Some(match n {
            0 => ConfirmedRequest,
            1 => ConfirmedResponse,
            2 => ConfirmedError,
            3 => Unconfirmed,
            4 => Reject,
            5 => CancelRequest,
            6 => CancelResponse,
            7 => CancelError,
            8 => InitiateRequest,
            9 => InitiateResponse,
            10 => InitiateError,
            11 => ConcludeRequest,
            12 => ConcludeResponse,
            13 => ConcludeError,
            _ => return None,
        })
    }

    /// The PDU's name in ISO 9506 (as Wireshark shows it).
    pub fn name(self) -> &'static str {
        use PduKind::*;
        match self {
            ConfirmedRequest => "confirmed-RequestPDU",
            ConfirmedResponse => "confirmed-ResponsePDU",
            ConfirmedError => "confirmed-ErrorPDU",
            Unconfirmed => "unconfirmed-PDU",
            Reject => "rejectPDU",
            CancelRequest => "cancel-RequestPDU",
            CancelResponse => "cancel-ResponsePDU",
            CancelError => "cancel-ErrorPDU",
            InitiateRequest => "initiate-RequestPDU",
            InitiateResponse => "initiate-ResponsePDU",
            InitiateError => "initiate-ErrorPDU",
            ConcludeRequest => "conclude-RequestPDU",
            ConcludeResponse => "conclude-ResponsePDU",
            ConcludeError => "conclude-ErrorPDU",
        }
    }

    pub fn is_request(self) -> bool {
        matches!(
            self,
            PduKind::ConfirmedRequest
                | PduKind::CancelRequest
                | PduKind::InitiateRequest
                | PduKind::ConcludeRequest
        )
    }
}

/// What a server says it is, in its Identify response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    pub vendor: String,
    pub model: String,
    pub revision: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: PduKind,
    pub invoke_id: Option<u32>,
    /// Confirmed service number (ISO 9506 `ConfirmedServiceRequest` choice), or the
    /// unconfirmed service (0 informationReport, 1 unsolicitedStatus, 2
    /// eventNotification) for unconfirmed PDUs.
    pub service: Option<u32>,
    /// "domain/item" for domain-specific names, the name alone for VMD-specific ones.
    pub names: Vec<String>,
    pub files: Vec<String>,
    pub identity: Option<Identity>,
    /// GetNameList's object class and scope, an error's class and code, a rejection's
    /// reason.
    pub detail: Option<String>,
}

/// Where in the ISO stack the MMS PDU was found.
fn session_user_data(spdu: &[u8]) -> Result<(u8, &[u8]), Malformed> {
    let kind = *spdu.first().ok_or(Malformed::new("ses_truncated", 0))?;
    let (len, header) = spdu_length(spdu, 1)?;
    match kind {
        // Give Tokens (empty) then Data Transfer: user data follows the DT header.
        0x01 => {
            let mut at = header + len;
            if len == 0 && spdu.get(at) == Some(&0x01) {
                let (l, h) = spdu_length(spdu, at + 1)?;
                at = h + l;
            }
            Ok((kind, spdu.get(at..).unwrap_or_default()))
        }
        // Connect, Accept, Finish, Disconnect, Abort, Refuse: parameters, one of which
        // (PGI 193, or 194 extended) is the user data.
        0x0d | 0x0e | 0x09 | 0x0a | 0x19 | 0x0c => {
            let params = spdu
                .get(header..header.saturating_add(len))
                .unwrap_or_else(|| spdu.get(header..).unwrap_or_default());
            let mut at = 0;
            while at < params.len() {
                let pi = params[at];
                let (l, h) = spdu_length(params, at + 1)?;
                let value = params.get(h..h.saturating_add(l)).unwrap_or_default();
                if pi == 0xc1 || pi == 0xc2 {
                    return Ok((kind, value));
                }
                at = h + l;
            }
            Ok((kind, &[]))
        }
        _ => Err(Malformed::new("ses_spdu_type", 0)),
    }
}

/// An ISO session length indicator at `at`: one byte, or 0xFF and two bytes.
fn spdu_length(b: &[u8], at: usize) -> Result<(usize, usize), Malformed> {
    match b.get(at) {
        Some(0xff) => {
            let hi = *b.get(at + 1).ok_or(Malformed::new("ses_truncated", at))?;
            let lo = *b.get(at + 2).ok_or(Malformed::new("ses_truncated", at))?;
            Ok((usize::from(u16::from_be_bytes([hi, lo])), at + 3))
        }
        Some(&l) => Ok((usize::from(l), at + 1)),
        None => Err(Malformed::new("ses_truncated", at)),
    }
}

/// The MMS PDU inside a presentation PPDU: directly in the fully encoded user data of a
/// data transfer, or inside the ACSE APDU of a connect.
fn mms_in_presentation(ppdu: &[u8], connect: bool) -> Option<&[u8]> {
    let user_data = if connect {
        // CP-type / CPA-PPDU: SET { ..., normal-mode-parameters [2] { ..., user-data } }.
        let set = child(ppdu, ber::UNIVERSAL_CONSTRUCTED, 17)?;
        let normal = child(set, ber::CONTEXT_CONSTRUCTED, 2)?;
        child(normal, ber::APPLICATION_CONSTRUCTED, 1)?
    } else {
        child(ppdu, ber::APPLICATION_CONSTRUCTED, 1)?
    };
    let pdv = child(user_data, ber::UNIVERSAL_CONSTRUCTED, 16)?;
    let single = child(pdv, ber::CONTEXT_CONSTRUCTED, 0)?;
    if !connect {
        return Some(single);
    }
    // AARQ [APPLICATION 0] or AARE [APPLICATION 1]: user-information [30] EXTERNAL.
    let acse = elements(single).find(|t| t.form == ber::APPLICATION_CONSTRUCTED)?;
    let info = child(acse.content, ber::CONTEXT_CONSTRUCTED, 30)?;
    let external = child(info, ber::UNIVERSAL_CONSTRUCTED, 8)?;
    child(external, ber::CONTEXT_CONSTRUCTED, 0)
}

/// Parses the payload of a COTP data TPDU (a whole TSDU). `Ok(None)` when the SPDU holds
/// no MMS PDU (session or association housekeeping).
pub fn parse(tsdu: &[u8]) -> Result<Option<Message>, Malformed> {
    // Some stacks put MMS straight on COTP, without session and presentation.
    if starts_bare_pdu(tsdu) {
        return parse_pdu(tsdu).map(Some);
    }
    let (kind, user) = session_user_data(tsdu)?;
    if user.is_empty() {
        return Ok(None);
    }
    let Some(pdu) = mms_in_presentation(user, kind != 0x01) else {
        return Ok(None);
    };
    parse_pdu(pdu).map(Some)
}

/// Whether the bytes open like the ISO session SPDUs that carry MMS: a connect or accept
/// with parameters, or give tokens followed by data transfer (`01 00 01 ..`).
pub fn starts_iso_session(b: &[u8]) -> bool {
    match b {
        [0x0d | 0x0e, len, ..] => *len >= 2 && b.len() >= 4,
        [0x01, 0x00, 0x01, _, ..] => true,
        _ => false,
    }
}

/// Whether the bytes open with an MMS PDU tag rather than an ISO session SPDU: a
/// constructed PDU (confirmed, unconfirmed, reject, initiate: `A0`–`AA`) or a primitive
/// cancel or conclude (`85`–`87`, `8B`–`8D`).
pub fn starts_bare_pdu(b: &[u8]) -> bool {
    matches!(b.first(), Some(0xa0..=0xaa | 0x85..=0x87 | 0x8b..=0x8d))
}

/// Parses one MMS PDU (as it stands inside the presentation layer).
pub fn parse_pdu(pdu: &[u8]) -> Result<Message, Malformed> {
    let top = ber::tlv(pdu, 0)?;
    if top.form & 0xc0 != ber::CONTEXT {
        return Err(Malformed::new("mms_pdu_tag", 0));
    }
    let kind = PduKind::from_tag(top.number).ok_or(Malformed::new("mms_pdu_tag", 0))?;
    let mut m = Message {
        kind,
        invoke_id: None,
        service: None,
        names: Vec::new(),
        files: Vec::new(),
        identity: None,
        detail: None,
    };
    let body = top.content;
    match kind {
        PduKind::ConfirmedRequest | PduKind::ConfirmedResponse => {
            let mut items = elements(body);
            let id = items.next().ok_or(Malformed::new("mms_no_invoke_id", 0))?;
            m.invoke_id = Some(unsigned(id.content));
            // A request may carry a list of modifiers (a universal SEQUENCE) first.
            let service = items.find(|t| t.form & 0xc0 == ber::CONTEXT);
            if let Some(s) = service {
                m.service = Some(s.number);
                service_details(&mut m, s);
            }
        }
        PduKind::ConfirmedError => {
            let mut items = elements(body);
            m.invoke_id = items.next().map(|t| unsigned(t.content));
            if let Some(error) = items.find(|t| t.number == 2) {
                m.detail = service_error(error.content);
            }
        }
        PduKind::Unconfirmed => {
            if let Some(s) = elements(body).next() {
                m.service = Some(s.number);
                if s.number == 0 {
                    report_names(&mut m, s.content);
                }
            }
        }
        PduKind::Reject => {
            let mut items = elements(body);
            if let Some(first) = items.next() {
                if first.number == 0 {
                    m.invoke_id = Some(unsigned(first.content));
                    if let Some(reason) = items.next() {
                        m.detail = Some(format!(
                            "reject {} reason {}",
                            reject_class(reason.number),
                            unsigned(reason.content)
                        ));
                    }
                }
            }
        }
        PduKind::CancelRequest | PduKind::CancelResponse => {
            m.invoke_id = Some(unsigned(body));
        }
        _ => {}
    }
    Ok(m)
}

fn service_details(m: &mut Message, s: Tlv<'_>) {
    let request = m.kind == PduKind::ConfirmedRequest;
    match s.number {
        // Identify response: vendorName [0], modelName [1], revision [2].
        2 if !request => {
            let field = |n| {
                child(s.content, ber::CONTEXT, n)
                    .and_then(crate::printable)
                    .unwrap_or_default()
            };
            m.identity = Some(Identity {
                vendor: field(0),
                model: field(1),
                revision: field(2),
            });
        }
        // GetNameList request: objectClass [0], objectScope [1].
        1 if request => {
            let class = child(s.content, ber::CONTEXT_CONSTRUCTED, 0)
                .and_then(|c| elements(c).next())
                .map(|t| object_class(unsigned(t.content)))
                .unwrap_or("unknown");
            let scope = child(s.content, ber::CONTEXT_CONSTRUCTED, 1)
                .and_then(|c| elements(c).next())
                .map(|t| match t.number {
                    0 => "VMD".to_string(),
                    1 => format!("domain {}", crate::printable(t.content).unwrap_or_default()),
                    _ => "association".to_string(),
                })
                .unwrap_or_default();
            m.detail = Some(format!("object class {class}, scope {scope}"));
            if let Some(domain) = m.detail.as_ref().and_then(|d| d.split("domain ").nth(1)) {
                m.names.push(domain.to_string());
            }
        }
        // Domain transfers and program invocations name their domain or invocation: the
        // service itself is the identifier, or its first field [0] is.
        26..=44 if request => {
            let name = if s.form == ber::CONTEXT {
                Some(s.content)
            } else {
                child(s.content, ber::CONTEXT, 0)
            };
            if let Some(n) = name.and_then(crate::printable) {
                m.names.push(n);
            }
        }
        // File services: ObtainFile, FileOpen, FileRead, FileClose, FileRename,
        // FileDelete, FileDirectory name files with GraphicStrings.
        46 | 72..=77 => collect_strings(s.content, 0x19, &mut m.files, MAX_DEPTH),
        _ => collect_names(s.content, &mut m.names, MAX_DEPTH),
    }
}

/// Domain-specific object names ([1] { domainId, itemId }) anywhere below `b`.
fn collect_names(b: &[u8], out: &mut Vec<String>, depth: u8) {
    if depth == 0 {
        return;
    }
    for t in elements(b) {
        if out.len() >= MAX_NAMES {
            return;
        }
        if t.form != ber::CONTEXT_CONSTRUCTED && t.form != ber::UNIVERSAL_CONSTRUCTED {
            continue;
        }
        // A variable specification by name whose name is VMD- or association-specific.
        if t.form == ber::CONTEXT_CONSTRUCTED && t.number == 0 {
            let mut inner = elements(t.content);
            if let (Some(n), None) = (inner.next(), inner.next()) {
                if n.form == ber::CONTEXT && (n.number == 0 || n.number == 2) {
                    if let Some(name) = crate::printable(n.content) {
                        out.push(name);
                    }
                    continue;
                }
            }
        }
        if t.form == ber::CONTEXT_CONSTRUCTED && t.number == 1 {
            let parts: Vec<Tlv<'_>> = elements(t.content).take(3).collect();
            if let [d, i] = parts[..] {
                if d.form == ber::UNIVERSAL && d.number == 26 && i.number == 26 {
                    out.push(format!(
                        "{}/{}",
                        String::from_utf8_lossy(d.content),
                        String::from_utf8_lossy(i.content)
                    ));
                    continue;
                }
            }
        }
        collect_names(t.content, out, depth - 1);
    }
}

/// Strings of universal type `number` anywhere below `b`.
fn collect_strings(b: &[u8], number: u32, out: &mut Vec<String>, depth: u8) {
    if depth == 0 {
        return;
    }
    for t in elements(b) {
        if out.len() >= MAX_NAMES {
            return;
        }
        if t.form == ber::UNIVERSAL && t.number == number {
            if let Some(s) = crate::printable(t.content) {
                out.push(s);
            }
        } else if t.form & 0x20 != 0 {
            collect_strings(t.content, number, out, depth - 1);
        }
    }
}

/// An information report names a variable list ([1] ObjectName) or lists variables.
fn report_names(m: &mut Message, report: &[u8]) {
    let Some(spec) = elements(report).next() else {
        return;
    };
    if spec.number == 1 {
        if let Some(name) = elements(spec.content).next() {
            if name.form == ber::CONTEXT && name.number == 0 {
                if let Some(n) = crate::printable(name.content) {
                    m.names.push(n);
                }
                return;
            }
        }
    }
    collect_names(spec.content, &mut m.names, MAX_DEPTH);
}

fn service_error(b: &[u8]) -> Option<String> {
    let class = child(b, ber::CONTEXT_CONSTRUCTED, 0)?;
    let c = elements(class).next()?;
    Some(format!(
        "error class {} code {}",
        error_class(c.number),
        unsigned(c.content)
    ))
}

fn error_class(n: u32) -> &'static str {
    [
        "vmd-state",
        "application-reference",
        "definition",
        "resource",
        "service",
        "service-preempt",
        "time-resolution",
        "access",
        "initiate",
        "conclude",
        "cancel",
        "file",
        "others",
    ]
    .get(n as usize)
    .copied()
    .unwrap_or("unknown")
}

fn reject_class(n: u32) -> &'static str {
    [
        "",
        "confirmed-request",
        "confirmed-response",
        "confirmed-error",
        "unconfirmed",
        "pdu-error",
        "cancel-request",
        "cancel-response",
        "cancel-error",
        "conclude-request",
        "conclude-response",
        "conclude-error",
    ]
    .get(n as usize)
    .copied()
    .filter(|s| !s.is_empty())
    .unwrap_or("unknown")
}

fn object_class(n: u32) -> &'static str {
    [
        "named variable",
        "scattered access",
        "named variable list",
        "named type",
        "semaphore",
        "event condition",
        "event action",
        "event enrollment",
        "journal",
        "domain",
        "program invocation",
        "operator station",
    ]
    .get(n as usize)
    .copied()
    .unwrap_or("unknown")
}

/// ISO 9506 names of the confirmed services.
pub fn confirmed_service_name(n: u32) -> &'static str {
    const NAMES: [&str; 78] = [
        "status",
        "getNameList",
        "identify",
        "rename",
        "read",
        "write",
        "getVariableAccessAttributes",
        "defineNamedVariable",
        "defineScatteredAccess",
        "getScatteredAccessAttributes",
        "deleteVariableAccess",
        "defineNamedVariableList",
        "getNamedVariableListAttributes",
        "deleteNamedVariableList",
        "defineNamedType",
        "getNamedTypeAttributes",
        "deleteNamedType",
        "input",
        "output",
        "takeControl",
        "relinquishControl",
        "defineSemaphore",
        "deleteSemaphore",
        "reportSemaphoreStatus",
        "reportPoolSemaphoreStatus",
        "reportSemaphoreEntryStatus",
        "initiateDownloadSequence",
        "downloadSegment",
        "terminateDownloadSequence",
        "initiateUploadSequence",
        "uploadSegment",
        "terminateUploadSequence",
        "requestDomainDownload",
        "requestDomainUpload",
        "loadDomainContent",
        "storeDomainContent",
        "deleteDomain",
        "getDomainAttributes",
        "createProgramInvocation",
        "deleteProgramInvocation",
        "start",
        "stop",
        "resume",
        "reset",
        "kill",
        "getProgramInvocationAttributes",
        "obtainFile",
        "defineEventCondition",
        "deleteEventCondition",
        "getEventConditionAttributes",
        "reportEventConditionStatus",
        "alterEventConditionMonitoring",
        "triggerEvent",
        "defineEventAction",
        "deleteEventAction",
        "getEventActionAttributes",
        "reportEventActionStatus",
        "defineEventEnrollment",
        "deleteEventEnrollment",
        "alterEventEnrollment",
        "reportEventEnrollmentStatus",
        "getEventEnrollmentAttributes",
        "acknowledgeEventNotification",
        "getAlarmSummary",
        "getAlarmEnrollmentSummary",
        "readJournal",
        "writeJournal",
        "initializeJournal",
        "reportJournalStatus",
        "createJournal",
        "deleteJournal",
        "getCapabilityList",
        "fileOpen",
        "fileRead",
        "fileClose",
        "fileRename",
        "fileDelete",
        "fileDirectory",
    ];
    NAMES.get(n as usize).copied().unwrap_or("unknown")
}

pub fn unconfirmed_service_name(n: u32) -> &'static str {
    match n {
        0 => "informationReport",
        1 => "unsolicitedStatus",
        2 => "eventNotification",
        _ => "unknown",
    }
}

impl Message {
    /// The service's name, for confirmed and unconfirmed PDUs.
    pub fn service_name(&self) -> Option<&'static str> {
        let s = self.service?;
        Some(match self.kind {
            PduKind::Unconfirmed => unconfirmed_service_name(s),
            _ => confirmed_service_name(s),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The COTP user data (after `02 f0 80`) of piccolo.pcap (ITI IEC 61850 captures).
    /// Frame 1: session Connect, presentation CP, ACSE AARQ, MMS initiate request.
    const INITIATE: &str = "0db60506130100160102140200023302000134020001c1a031819da003800101a28195810400000001820400000001a423300f0201010604520100013004060251013010020103060528ca22020130040602510161623060020101a05b6059a107060528ca220203a20706052901876701a30302010ca606060429018767a70302010cbe33283106025101020103a028a826800300ff0081010a82010a830105a416800101810305f100820c03ee1c000004000000010118";
    /// Frame 3: an Identify request, invoke id 1.
    const IDENTIFY: &str = "01000100610e300c020103a007a0050201018200";
    /// Frame 4: its response — tshark: vendorName "INFO TECH", modelName "S61850 for
    /// PC", revision "0.0.1".
    const IDENTIFIED: &str = "01000100612f302d020103a028a126020101a2218009494e464f2054454348810d53363138353020666f722050438205302e302e31";

    #[test]
    fn initiate_inside_session_presentation_and_acse() {
        let m = parse(&hex(INITIATE)).unwrap().unwrap();
        assert_eq!(m.kind, PduKind::InitiateRequest);
        assert_eq!(m.kind.name(), "initiate-RequestPDU");
    }

    #[test]
    fn identify_request_and_response() {
        let q = parse(&hex(IDENTIFY)).unwrap().unwrap();
        assert_eq!(q.kind, PduKind::ConfirmedRequest);
        assert_eq!((q.invoke_id, q.service), (Some(1), Some(2)));
        assert_eq!(q.service_name(), Some("identify"));
        let r = parse(&hex(IDENTIFIED)).unwrap().unwrap();
        assert_eq!(r.kind, PduKind::ConfirmedResponse);
        let id = r.identity.unwrap();
        assert_eq!(id.vendor, "INFO TECH");
        assert_eq!(id.model, "S61850 for PC");
        assert_eq!(id.revision, "0.0.1");
    }

    /// iec61850_write.pcap (ITI MMS captures), frame 12 after COTP: a Write of the
    /// VMD-specific variable "mu" (tshark: vmd-specific: mu, integer 0).
    #[test]
    fn write_names_its_variable() {
        let b = hex("01000100611d301b020103a016a014020100a50fa0083006a00480026d75a003850100");
        let m = parse(&b).unwrap().unwrap();
        assert_eq!(m.service_name(), Some("write"));
        assert_eq!(m.names, vec!["mu"]);
    }

    /// mms-stopRequest.pcap (ITI MMS captures), frame 8 after COTP: an initiate request
    /// straight on COTP, without session or presentation.
    #[test]
    fn mms_straight_on_cotp() {
        let b =
            hex("a8268002001f81010382010383020808a416800101810305e800820c03ffffffffffffffffffffff");
        let m = parse(&b).unwrap().unwrap();
        assert_eq!(m.kind, PduKind::InitiateRequest);
    }

    /// mms-stopRequest.pcap, frame 16 after COTP: Stop of program invocation
    /// "R395024397Application_1" (service tag [41] in the high-tag form `BF 29`).
    #[test]
    fn stop_names_the_program_invocation() {
        let b = hex("a01f020101bf29198017523339353032343339374170706c69636174696f6e5f31");
        let m = parse(&b).unwrap().unwrap();
        assert_eq!(m.service_name(), Some("stop"));
        assert_eq!(m.names, vec!["R395024397Application_1"]);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for b in [hex(INITIATE), hex(IDENTIFY), hex(IDENTIFIED)] {
            for cut in 0..b.len() {
                let _ = parse(&b[..cut]);
            }
            let mut f = b.clone();
            for i in 0..f.len() {
                for x in [0x80, 0xff] {
                    f[i] ^= x;
                    let _ = parse(&f);
                    f[i] ^= x;
                }
            }
        }
    }
}
