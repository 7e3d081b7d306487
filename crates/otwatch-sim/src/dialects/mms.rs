//! IEC 61850 MMS (ISO 9506) as a SCADA gateway or station computer speaks it to an IED
//! over the full OSI stack on TCP 102: COTP, ISO session, presentation and ACSE carry the
//! association (MMS initiate); then Identify for the server's vendor, model and revision,
//! cyclic reads of measurements and switch positions in the IED's logical device, and the
//! services an OT monitor must notice: writes, program invocation stop and start, and
//! domain download and upload.
//!
//! Every PDU is BER, built here from tag and content; lengths take the short form below
//! 128 bytes and the long form above, as MMS stacks write them.

use super::Entry;
use crate::ber::tlv;
use crate::cotp::{self, Connection, ISO_TSAP_PORT, TPDU_SIZE_1024};
use crate::dialect::{
    process_value, ActionKind, DeviceSpec, Dialect, DialectContext, DialectError, DialectRng,
    Message, PollContext, Revealed, Transport,
};
use crate::frame::Side;

pub const ENTRY: Entry = Entry {
    name: "mms",
    description: "IEC 61850 MMS on ISO-on-TCP 102: association (session, presentation, ACSE, initiate), Identify, reads of the logical device, write, program stop/start, domain download and upload",
    build,
};

/// The logical device polled when the scenario names none.
const DEFAULT_DOMAIN: &str = "LD0";

/// Presentation context identifiers the association defines: 1 for ACSE, 3 for MMS.
const CONTEXT_ACSE: u8 = 1;
const CONTEXT_MMS: u8 = 3;

// Confirmed service numbers of ISO 9506 (the context tag of the service choice).
const SERVICE_IDENTIFY: u32 = 2;
const SERVICE_READ: u32 = 4;
const SERVICE_WRITE: u32 = 5;
const SERVICE_INITIATE_DOWNLOAD: u32 = 26;
const SERVICE_DOWNLOAD_SEGMENT: u32 = 27;
const SERVICE_TERMINATE_DOWNLOAD: u32 = 28;
const SERVICE_INITIATE_UPLOAD: u32 = 29;
const SERVICE_UPLOAD_SEGMENT: u32 = 30;
const SERVICE_TERMINATE_UPLOAD: u32 = 31;
const SERVICE_START: u32 = 40;
const SERVICE_STOP: u32 = 41;

/// The services both ends announce in the initiate (bit numbers of ISO 9506
/// ServiceSupportOptions): status, name lists, identify, variable access and lists,
/// domain transfer and management, program invocations, files, information reports,
/// conclude and cancel.
const SERVICES_SUPPORTED: &[usize] = &[
    0, 1, 2, 4, 5, 6, 11, 12, 13, 26, 27, 28, 29, 30, 31, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45,
    72, 73, 74, 75, 76, 77, 79, 83, 84,
];
/// ServiceSupportOptions has 85 bits: 11 octets, 3 unused bits.
const SERVICE_SUPPORT_BITS: usize = 85;

/// A BER bit string's content (unused-bit count, then the bits) with `set` bits on.
fn bit_string(set: &[usize], bits: usize) -> Vec<u8> {
    let octets = bits.div_ceil(8);
    let mut out = vec![0u8; octets + 1];
    out[0] = (octets * 8 - bits) as u8;
    for &bit in set {
        out[1 + bit / 8] |= 0x80 >> (bit % 8);
    }
    out
}

/// Domain content bytes per download or upload segment.
const SEGMENT: usize = 400;

/// The measurements and positions the client reads each cycle: item name within the
/// logical device, and the range of the value (a float), or `None` for a double-point
/// position (bit string).
const POLLED: &[(&str, Option<(f64, f64)>)] = &[
    ("MMXU1$MX$TotW$mag$f", Some((2.0e6, 9.5e6))),
    ("MMXU1$MX$Hz$mag$f", Some((49.9, 50.1))),
    ("MMXU1$MX$PhV$phsA$cVal$mag$f", Some((11_300.0, 11_700.0))),
    ("MMXU1$MX$A$phsA$cVal$mag$f", Some((120.0, 480.0))),
    ("XCBR1$ST$Pos$stVal", None),
];
const WRITTEN: &str = "ATCC1$SP$BndCtr$setMag$f";

// --- BER ------------------------------------------------------------------------------

/// The identifier octets of a context-specific tag, in the high-tag-number form from 31.
fn context_tag(number: u32, constructed: bool) -> Vec<u8> {
    let class = if constructed { 0xa0 } else { 0x80 };
    if number < 31 {
        vec![class | number as u8]
    } else {
        vec![class | 0x1f, u8::try_from(number).expect("tag below 128")]
    }
}

fn context(number: u32, content: &[u8]) -> Vec<u8> {
    tlv(&context_tag(number, false), content)
}

fn context_constructed(number: u32, parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(&context_tag(number, true), &parts.concat())
}

fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(&[0x30], &parts.concat())
}

/// An unsigned integer in the fewest octets (a leading zero when the top bit is set).
fn integer_content(value: u32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(3);
    let mut out = bytes[first..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

fn integer(value: u32) -> Vec<u8> {
    tlv(&[0x02], &integer_content(value))
}

fn visible_string(text: &str) -> Vec<u8> {
    tlv(&[0x1a], text.as_bytes())
}

fn object_identifier(encoded: &[u8]) -> Vec<u8> {
    tlv(&[0x06], encoded)
}

/// A domain-specific object name `[1] { domainId, itemId }`.
fn domain_specific(domain: &str, item: &str) -> Vec<u8> {
    context_constructed(1, &[visible_string(domain), visible_string(item)])
}

/// A variable specification by name, as an element of a list of variables.
fn named_variable(domain: &str, item: &str) -> Vec<u8> {
    sequence(&[context_constructed(0, &[domain_specific(domain, item)])])
}

/// MMS floating-point data: the exponent width (8, single precision) and the IEEE value.
fn float_data(value: f32) -> Vec<u8> {
    let mut content = vec![0x08];
    content.extend_from_slice(&value.to_be_bytes());
    context(7, &content)
}

// --- ISO session and presentation -----------------------------------------------------

/// An ISO session item: its code (an SPDU type, or a PI/PGI parameter code), its length
/// (one octet, or 0xFF and two) and its value. SPDUs and their parameters share the layout.
fn session_item(code: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![code];
    if value.len() < 255 {
        out.push(value.len() as u8);
    } else {
        out.push(0xff);
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    }
    out.extend_from_slice(value);
    out
}

/// Presentation user data: fully encoded, one PDV of the context `id`.
fn presentation_user_data(id: u8, apdu: &[u8]) -> Vec<u8> {
    tlv(
        &[0x61],
        &sequence(&[integer(u32::from(id)), tlv(&[0xa0], apdu)]),
    )
}

/// The MMS PDU in a session data transfer: give tokens and data transfer SPDUs (both
/// empty) before the presentation data.
fn session_data(mms: &[u8]) -> Vec<u8> {
    let mut out = vec![0x01, 0x00, 0x01, 0x00];
    out.extend(presentation_user_data(CONTEXT_MMS, mms));
    out
}

/// ACSE user information: the MMS PDU as an EXTERNAL of the MMS context.
fn acse_user_information(mms: &[u8]) -> Vec<u8> {
    context_constructed(
        30,
        &[tlv(
            &[0x28],
            &[integer(u32::from(CONTEXT_MMS)), tlv(&[0xa0], mms)].concat(),
        )],
    )
}

/// ACSE protocol version 1 and the MMS application context 1.0.9506.2.3.
fn acse_common() -> Vec<u8> {
    [
        context(0, &[0x07, 0x80]),
        context_constructed(1, &[object_identifier(&[0x28, 0xca, 0x22, 0x02, 0x03])]),
    ]
    .concat()
}

/// Session connect/accept item (protocol options 0, version 2) and the session user
/// requirements (duplex).
fn session_items() -> Vec<u8> {
    [
        session_item(
            0x05,
            &[session_item(0x13, &[0x00]), session_item(0x16, &[0x02])].concat(),
        ),
        session_item(0x14, &[0x00, 0x02]),
    ]
    .concat()
}

/// Mode selector: normal mode.
fn presentation_mode() -> Vec<u8> {
    context_constructed(0, &[context(0, &[0x01])])
}

/// The BER transfer syntax 2.1.1.
fn ber_transfer_syntax() -> Vec<u8> {
    object_identifier(&[0x51, 0x01])
}

// --- the dialect ----------------------------------------------------------------------

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    Ok(Box::new(MmsDialect::new(context)?))
}

struct MmsDialect {
    server: DeviceSpec,
    domain: String,
    client_ref: u16,
    server_ref: u16,
    /// Invoke id of the client's latest request.
    invoke_id: u32,
    /// Invoke id of the latest request the server sent (download segments).
    server_invoke_id: u32,
    upload_id: u32,
    seed: u64,
}

impl MmsDialect {
    fn new(context: &DialectContext<'_>) -> Result<Self, DialectError> {
        let domain = context
            .server
            .param_text("mms_domain")
            .unwrap_or(DEFAULT_DOMAIN)
            .to_string();
        if domain.is_empty() || domain.len() > 64 || !domain.is_ascii() {
            return Err(DialectError::Device {
                device: context.server.name.clone(),
                message: format!(
                    "mms_domain {domain:?} is no MMS identifier (1 to 64 ASCII characters)"
                ),
            });
        }
        let mut rng = DialectRng::new(context.seed);
        Ok(Self {
            server: context.server.clone(),
            domain,
            client_ref: rng.next_u16() | 1,
            server_ref: rng.next_u16() | 1,
            invoke_id: rng.range(0, 1000) as u32,
            server_invoke_id: rng.range(0, 1000) as u32,
            upload_id: rng.range(1, 100) as u32,
            seed: context.seed,
        })
    }

    /// A confirmed request of the client and the server's confirmed response.
    fn confirmed(
        &mut self,
        service: u32,
        request: &[u8],
        response: &[u8],
        constructed: bool,
    ) -> Vec<Message> {
        self.invoke_id = self.invoke_id.wrapping_add(1);
        exchange(
            Side::Client,
            self.invoke_id,
            service,
            request,
            response,
            constructed,
        )
    }

    /// A confirmed request the server makes of the client (it pulls download segments).
    fn server_confirmed(
        &mut self,
        service: u32,
        request: &[u8],
        response: &[u8],
        constructed: bool,
    ) -> Vec<Message> {
        self.server_invoke_id = self.server_invoke_id.wrapping_add(1);
        exchange(
            Side::Server,
            self.server_invoke_id,
            service,
            request,
            response,
            constructed,
        )
    }

    fn program_invocation(&self) -> String {
        format!("{}_Program", self.domain)
    }

    /// The domain content a download or upload moves: a deterministic image.
    fn domain_content(&self) -> Vec<u8> {
        let mut rng = DialectRng::new(self.seed ^ 0xd0_a1);
        (0..1000).map(|_| rng.next_u16() as u8).collect()
    }

    fn download(&mut self) -> Vec<Message> {
        let domain = self.domain.clone();
        let content = self.domain_content();
        let request = [
            context(0, domain.as_bytes()),
            context_constructed(1, &[visible_string("DownloadCapability")]),
            context(2, &[0x00]),
        ]
        .concat();
        let mut out = self.confirmed(SERVICE_INITIATE_DOWNLOAD, &request, &[], true);
        let segments: Vec<&[u8]> = content.chunks(SEGMENT).collect();
        for (i, segment) in segments.iter().enumerate() {
            let more = i + 1 < segments.len();
            let mut response = context(0, segment);
            if !more {
                response.extend(context(1, &[0x00]));
            }
            out.extend(self.server_confirmed(
                SERVICE_DOWNLOAD_SEGMENT,
                domain.as_bytes(),
                &response,
                false,
            ));
        }
        out.extend(self.server_confirmed(
            SERVICE_TERMINATE_DOWNLOAD,
            &context(0, domain.as_bytes()),
            &[],
            true,
        ));
        out
    }

    fn upload(&mut self) -> Vec<Message> {
        let domain = self.domain.clone();
        let content = self.domain_content();
        self.upload_id = self.upload_id.wrapping_add(1);
        let id = integer_content(self.upload_id);
        let response = [
            context(0, &id),
            context_constructed(1, &[visible_string("UploadCapability")]),
        ]
        .concat();
        let mut out = self.confirmed(SERVICE_INITIATE_UPLOAD, domain.as_bytes(), &response, false);
        let segments: Vec<&[u8]> = content.chunks(SEGMENT).collect();
        for (i, segment) in segments.iter().enumerate() {
            let mut response = context(0, segment);
            if i + 1 == segments.len() {
                response.extend(context(1, &[0x00]));
            }
            out.extend(self.confirmed(SERVICE_UPLOAD_SEGMENT, &id, &response, false));
        }
        out.extend(self.confirmed(SERVICE_TERMINATE_UPLOAD, &id, &[], false));
        out
    }
}

/// One confirmed exchange: `from` sends the request, its peer the response. The request's
/// service element is primitive (`constructed` false: an identifier, an integer, NULL) or
/// a SEQUENCE; a response with empty content is the service's NULL.
fn exchange(
    from: Side,
    invoke_id: u32,
    service: u32,
    request: &[u8],
    response: &[u8],
    constructed: bool,
) -> Vec<Message> {
    let request_service = tlv(&context_tag(service, constructed), request);
    let response_service = tlv(&context_tag(service, !response.is_empty()), response);
    let request_pdu = context_constructed(0, &[integer(invoke_id), request_service]);
    let response_pdu = context_constructed(1, &[integer(invoke_id), response_service]);
    let wrap = |pdu: &[u8]| cotp::data(&session_data(pdu));
    let message = |side: Side, payload: Vec<u8>| Message {
        from: side,
        ..Message::request(payload)
    };
    vec![
        message(from, wrap(&request_pdu)),
        message(from.peer(), wrap(&response_pdu)),
    ]
}

impl Dialect for MmsDialect {
    fn protocol(&self) -> &'static str {
        "mms"
    }

    fn transport(&self) -> Transport {
        Transport::Tcp {
            port: ISO_TSAP_PORT,
        }
    }

    fn session_start(&mut self) -> Vec<Message> {
        let tsap = [0x00, 0x01];
        let connection = Connection {
            calling_tsap: &tsap,
            called_tsap: &tsap,
            tpdu_size: TPDU_SIZE_1024,
        };
        let mut out = cotp::connect(self.client_ref, self.server_ref, &connection);
        // MMS initiate: local detail 64000 octets, 10 outstanding requests each way,
        // nesting level 5, version 1, the parameter CBBs and services an IEC 61850 client
        // and server announce.
        let initiate = |tag: u32| {
            context_constructed(
                tag,
                &[
                    context(0, &integer_content(64_000)),
                    context(1, &[10]),
                    context(2, &[10]),
                    context(3, &[5]),
                    context_constructed(
                        4,
                        &[
                            context(0, &[0x01]),
                            context(1, &[0x05, 0xf1, 0x00]),
                            context(2, &bit_string(SERVICES_SUPPORTED, SERVICE_SUPPORT_BITS)),
                        ],
                    ),
                ],
            )
        };
        let initiate_request = initiate(8);
        let initiate_response = initiate(9);
        let aarq = tlv(
            &[0x60],
            &[acse_common(), acse_user_information(&initiate_request)].concat(),
        );
        let aare = tlv(
            &[0x61],
            &[
                acse_common(),
                // Result accepted; source diagnostic: ACSE service user, null.
                context_constructed(2, &[integer(0)]),
                context_constructed(3, &[context_constructed(1, &[integer(0)])]),
                acse_user_information(&initiate_response),
            ]
            .concat(),
        );
        let selector = [0x00, 0x00, 0x00, 0x01];
        let context_list = context_constructed(
            4,
            &[
                sequence(&[
                    integer(u32::from(CONTEXT_ACSE)),
                    object_identifier(&[0x52, 0x01, 0x00, 0x01]),
                    sequence(&[ber_transfer_syntax()]),
                ]),
                sequence(&[
                    integer(u32::from(CONTEXT_MMS)),
                    object_identifier(&[0x28, 0xca, 0x22, 0x02, 0x01]),
                    sequence(&[ber_transfer_syntax()]),
                ]),
            ],
        );
        let accepted = sequence(&[context(0, &[0x00]), context(1, &[0x51, 0x01])]);
        let requirements = context(8, &[0x06, 0x00]);
        let connect_presentation = tlv(
            &[0x31],
            &[
                presentation_mode(),
                context_constructed(
                    2,
                    &[
                        context(1, &selector),
                        context(2, &selector),
                        context_list,
                        requirements.clone(),
                        presentation_user_data(CONTEXT_ACSE, &aarq),
                    ],
                ),
            ]
            .concat(),
        );
        let accept_presentation = tlv(
            &[0x31],
            &[
                presentation_mode(),
                context_constructed(
                    2,
                    &[
                        context(3, &selector),
                        context_constructed(5, &[accepted.clone(), accepted]),
                        requirements,
                        presentation_user_data(CONTEXT_ACSE, &aare),
                    ],
                ),
            ]
            .concat(),
        );
        let session_selector = [0x00, 0x01];
        let connect = session_item(
            0x0d,
            &[
                session_items(),
                session_item(0x33, &session_selector),
                session_item(0x34, &session_selector),
                session_item(0xc1, &connect_presentation),
            ]
            .concat(),
        );
        let accept = session_item(
            0x0e,
            &[session_items(), session_item(0xc1, &accept_presentation)].concat(),
        );
        out.push(Message::request(cotp::data(&connect)));
        out.push(Message::response(cotp::data(&accept)));
        out
    }

    fn identify(&mut self) -> Vec<Message> {
        let s = &self.server;
        let response = [
            context(0, s.vendor.as_deref().unwrap_or("").as_bytes()),
            context(1, s.model.as_deref().unwrap_or("").as_bytes()),
            context(2, s.firmware.as_deref().unwrap_or("").as_bytes()),
        ]
        .concat();
        self.confirmed(SERVICE_IDENTIFY, &[], &response, false)
    }

    fn reveals(&self) -> &'static [Revealed] {
        &[Revealed::Vendor, Revealed::Model, Revealed::Firmware]
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let variables: Vec<Vec<u8>> = POLLED
            .iter()
            .map(|(item, _)| named_variable(&self.domain, item))
            .collect();
        // Read: variable access specification [1], a list of variables [0].
        let request = context_constructed(1, &[context_constructed(0, &variables)]);
        let results: Vec<Vec<u8>> = POLLED
            .iter()
            .enumerate()
            .map(|(i, (_, range))| match range {
                Some((lo, hi)) => {
                    float_data(process_value(self.seed, i as u32, poll.now_micros, *lo, *hi) as f32)
                }
                // Double-point position, two bits: 10 on (closed), 01 off (open).
                None => {
                    let closed = process_value(self.seed, 70, poll.now_micros, 0.0, 1.0) > 0.1;
                    context(4, &[0x06, if closed { 0x80 } else { 0x40 }])
                }
            })
            .collect();
        let response = context_constructed(1, &results);
        self.confirmed(SERVICE_READ, &request, &response, true)
    }

    fn action(&mut self, kind: ActionKind, poll: &PollContext) -> Option<Vec<Message>> {
        Some(match kind {
            ActionKind::Write => {
                let set_point = process_value(self.seed, 80, poll.now_micros, 1.0, 3.0) as f32;
                let request = [
                    context_constructed(0, &[named_variable(&self.domain, WRITTEN)]),
                    context_constructed(0, &[float_data(set_point)]),
                ]
                .concat();
                // One success (NULL [1]) per variable written.
                self.confirmed(SERVICE_WRITE, &request, &context(1, &[]), true)
            }
            ActionKind::PlcStop => {
                let name = self.program_invocation();
                self.confirmed(SERVICE_STOP, &context(0, name.as_bytes()), &[], true)
            }
            ActionKind::PlcStart => {
                let name = self.program_invocation();
                let request = [context(0, name.as_bytes()), context(1, &[])].concat();
                self.confirmed(SERVICE_START, &request, &[], true)
            }
            ActionKind::ProgramDownload => self.download(),
            ActionKind::ProgramUpload => self.upload(),
            // MMS has no firmware transfer, and restarting the VMD is not a service; a
            // program invocation reset only resets one program.
            ActionKind::FirmwareUpdate | ActionKind::Restart => return None,
        })
    }

    fn session_end(&mut self) -> Vec<Message> {
        // Conclude, then release the association: session finish and disconnect carrying
        // the ACSE release request and response.
        let conclude = |tag: u8| cotp::data(&session_data(&[tag, 0x00]));
        let release = |spdu_kind: u8, apdu_tag: u8| {
            let apdu = tlv(&[apdu_tag], &context(0, &[0x00]));
            cotp::data(&session_item(
                spdu_kind,
                &session_item(0xc1, &presentation_user_data(CONTEXT_ACSE, &apdu)),
            ))
        };
        vec![
            Message::request(conclude(0x8b)),
            Message::response(conclude(0x8c)),
            Message::request(release(0x09, 0x62)),
            Message::response(release(0x0a, 0x63)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn every_action_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("mms", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "mms");
    }

    #[test]
    fn identify_response_carries_the_scenario_identity() {
        let server = testing::sample_server();
        let mut dialect = MmsDialect::new(&testing::context(&server)).unwrap();
        let messages = dialect.identify();
        let response = hex(&messages[1].payload);
        for (tag, text) in [
            (0x80u8, "Schneider Electric"),
            (0x81, "BMX P34 2020"),
            (0x82, "V3.10"),
        ] {
            let field = format!("{tag:02x}{:02x}{}", text.len(), hex(text.as_bytes()));
            assert!(response.contains(&field), "{text} missing in {response}");
        }
    }

    /// Every MMS PDU the conversation sends, as otwatch's decoder reads it.
    fn decoded(messages: &[Message]) -> Vec<(Side, otwatch_dissect::mms::Message)> {
        messages
            .iter()
            // Data TPDUs only: the connection request and confirm carry no session.
            .filter(|m| m.payload[5] == 0xf0)
            .filter_map(|m| {
                let tsdu = &m.payload[7..];
                otwatch_dissect::mms::parse(tsdu)
                    .unwrap()
                    .map(|pdu| (m.from, pdu))
            })
            .collect()
    }

    #[test]
    fn otwatch_reads_identity_and_actions_back() {
        use otwatch_dissect::mms::PduKind;
        let server = testing::sample_server();
        let mut dialect = MmsDialect::new(&testing::context(&server)).unwrap();
        let start = decoded(&dialect.session_start());
        assert_eq!(start.len(), 2, "initiate request and response");
        let identity = decoded(&dialect.identify())[1].1.identity.clone().unwrap();
        assert_eq!(Some(identity.vendor), server.vendor);
        assert_eq!(Some(identity.model), server.model);
        assert_eq!(Some(identity.revision), server.firmware);

        let poll = PollContext {
            now_micros: 1_772_438_400_000_000,
            cycle: 0,
        };
        let read = decoded(&dialect.poll(&poll));
        assert_eq!(read[0].1.service, Some(SERVICE_READ));
        assert_eq!(read[0].1.names.len(), POLLED.len());
        assert_eq!(read[0].1.names[0], "LD0/MMXU1$MX$TotW$mag$f");
        let client_requests = |kind: ActionKind,
                               dialect: &mut MmsDialect|
         -> Vec<(u32, Vec<String>)> {
            decoded(&dialect.action(kind, &poll).unwrap())
                .into_iter()
                .filter(|(side, m)| *side == Side::Client && m.kind == PduKind::ConfirmedRequest)
                .map(|(_, m)| (m.service.unwrap(), m.names))
                .collect()
        };
        let program = vec!["LD0_Program".to_string()];
        assert_eq!(
            client_requests(ActionKind::PlcStop, &mut dialect),
            vec![(SERVICE_STOP, program.clone())]
        );
        assert_eq!(
            client_requests(ActionKind::PlcStart, &mut dialect),
            vec![(SERVICE_START, program)]
        );
        assert_eq!(
            client_requests(ActionKind::ProgramDownload, &mut dialect),
            vec![(SERVICE_INITIATE_DOWNLOAD, vec!["LD0".to_string()])]
        );
        let upload = client_requests(ActionKind::ProgramUpload, &mut dialect);
        assert_eq!(
            upload[0],
            (SERVICE_INITIATE_UPLOAD, vec!["LD0".to_string()])
        );
        assert_eq!(upload.last().map(|u| u.0), Some(SERVICE_TERMINATE_UPLOAD));
        let write = client_requests(ActionKind::Write, &mut dialect);
        assert_eq!(write, vec![(SERVICE_WRITE, vec![format!("LD0/{WRITTEN}")])]);
    }

    /// The Identify exchange of an ICCP association (ITI IEC 61850 captures,
    /// `8d7c7db0-…pcap` frames 23 and 26), without the TPKT header: invoke id 1.
    #[test]
    fn identify_matches_a_captured_exchange() {
        let server = DeviceSpec {
            vendor: Some("AREVA T&D Corporation".into()),
            model: Some("e-terracomm".into()),
            firmware: Some("2.3.1".into()),
            ..testing::sample_server()
        };
        let mut dialect = MmsDialect::new(&testing::context(&server)).unwrap();
        dialect.invoke_id = 0;
        let messages = dialect.identify();
        assert_eq!(
            hex(&messages[0].payload[4..]),
            "02f08001000100610e300c020103a007a0050201018200"
        );
        assert_eq!(
            hex(&messages[1].payload[4..]),
            "02f0800100010061393037020103a032a130020101a22b801541524556412054264420436f72706f726174696f6e810b652d7465727261636f6d6d8205322e332e31"
        );
    }

    /// The end of an IEC 61850 association (ITI `Sample_File_MMS_and_GOOSE.pcap` frames
    /// 136 and 138): conclude request and response in session data transfers.
    #[test]
    fn conclude_matches_a_captured_association_end() {
        let server = testing::sample_server();
        let mut dialect = MmsDialect::new(&testing::context(&server)).unwrap();
        let end = dialect.session_end();
        assert_eq!(
            hex(&end[0].payload),
            "0300001602f0800100010061093007020103a0028b00"
        );
        assert_eq!(
            hex(&end[1].payload),
            "0300001602f0800100010061093007020103a0028c00"
        );
        assert_eq!(
            end[2].payload[7], 0x09,
            "session finish carries the release"
        );
    }

    #[test]
    fn ber_lengths_switch_to_the_long_form_at_128() {
        assert_eq!(crate::ber::length(127), vec![0x7f]);
        assert_eq!(crate::ber::length(128), vec![0x81, 0x80]);
        assert_eq!(crate::ber::length(300), vec![0x82, 0x01, 0x2c]);
        assert_eq!(context_tag(41, true), vec![0xbf, 0x29]);
        assert_eq!(integer_content(200), vec![0x00, 0xc8]);
        assert_eq!(bit_string(&[0, 2, 9], 10), vec![0x06, 0xa0, 0x40]);
    }
}
