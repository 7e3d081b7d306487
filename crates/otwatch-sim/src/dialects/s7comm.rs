//! S7comm as an HMI or engineering station speaks it to a Siemens S7-300/400 CPU over ISO on
//! TCP: COTP connection to the CPU's rack and slot, setup communication, Read SZL for the
//! module and component identification, cyclic read-variable jobs on data blocks and
//! merkers, and the engineering functions an OT monitor must notice (write variable, PLC
//! stop, warm restart, block download with activation, block upload).

use super::Entry;
use crate::cotp::{self, Connection, ISO_TSAP_PORT, TPDU_SIZE_1024};
use crate::dialect::{
    process_value, ActionKind, DeviceSpec, Dialect, DialectContext, DialectError, DialectRng,
    Message, PollContext, Revealed, Transport,
};
use crate::frame::Side;

pub const ENTRY: Entry = Entry {
    name: "s7comm",
    description: "S7comm on ISO-on-TCP 102: DB and merker polling, SZL 0x0011/0x001C identification, write, PLC stop, warm restart, block download and upload",
    build,
};

const PROTOCOL_ID: u8 = 0x32;
const ROSCTR_JOB: u8 = 0x01;
const ROSCTR_ACK_DATA: u8 = 0x03;
const ROSCTR_USER_DATA: u8 = 0x07;

const FUNCTION_READ_VAR: u8 = 0x04;
const FUNCTION_WRITE_VAR: u8 = 0x05;
const FUNCTION_REQUEST_DOWNLOAD: u8 = 0x1a;
const FUNCTION_DOWNLOAD_BLOCK: u8 = 0x1b;
const FUNCTION_DOWNLOAD_ENDED: u8 = 0x1c;
const FUNCTION_START_UPLOAD: u8 = 0x1d;
const FUNCTION_UPLOAD: u8 = 0x1e;
const FUNCTION_END_UPLOAD: u8 = 0x1f;
const FUNCTION_PLC_CONTROL: u8 = 0x28;
const FUNCTION_PLC_STOP: u8 = 0x29;
const FUNCTION_SETUP_COMMUNICATION: u8 = 0xf0;

const AREA_MERKER: u8 = 0x83;
const AREA_DATA_BLOCK: u8 = 0x84;
const TRANSPORT_BYTE: u8 = 0x02;
const TRANSPORT_WORD: u8 = 0x04;
const TRANSPORT_REAL: u8 = 0x08;
/// Data-part transport sizes: lengths in bits for bit/byte/word types, in bytes for REAL.
const DATA_BYTE_WORD_DWORD: u8 = 0x04;
const DATA_REAL: u8 = 0x07;
const DATA_OCTET_STRING: u8 = 0x09;
const RETURN_SUCCESS: u8 = 0xff;
/// Block transfer status: more data follows this part.
const TRANSFER_MORE: u8 = 0x01;
const TRANSFER_LAST: u8 = 0x00;

/// What the CPU offers in setup communication; an S7-300 answers 240.
const PDU_SIZE_ASKED: u16 = 480;
const PDU_SIZE_GRANTED: u16 = 240;
/// Block data per download/upload answer: what fits a 240-byte PDU with its headers.
const TRANSFER_CHUNK: usize = 200;

/// The HMI reads the CPU's operating mode (SZL 0x0424) once every this many polls.
const MODE_POLL_EVERY: u64 = 10;
/// Before the capture, the CPU has been running this long.
const RUNNING_BEFORE_CAPTURE_MICROS: i64 = 3 * 86_400_000_000;

/// Connection type of the TSAPs: a programming device, as STEP 7 and most S7 drivers open.
const CONNECTION_PG: u8 = 0x01;

/// The data block the HMI polls and writes set points to, and the program block the
/// engineering actions transfer.
const PROCESS_DB: u16 = 1;
const PROGRAM_BLOCK_NUMBER: u16 = 1;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    Ok(Box::new(S7Dialect::new(context)?))
}

impl S7Dialect {
    fn new(context: &DialectContext<'_>) -> Result<Self, DialectError> {
        let place = |key: &str, default: i64, max: i64| -> Result<u8, DialectError> {
            match context.server.param_int(key).unwrap_or(default) {
                v if (0..=max).contains(&v) => Ok(v as u8),
                v => Err(DialectError::Device {
                    device: context.server.name.clone(),
                    message: format!("{key} {v} is outside 0..={max}"),
                }),
            }
        };
        let rack = place("s7_rack", 0, 7)?;
        let slot = place("s7_slot", 2, 31)?;
        let mut rng = DialectRng::new(context.seed);
        Ok(S7Dialect {
            server: context.server.clone(),
            rack,
            slot,
            client_ref: rng.next_u16() | 1,
            server_ref: rng.next_u16() | 1,
            pdu_ref: rng.next_u16(),
            cpu_pdu_ref: rng.next_u16(),
            szl_sequence: rng.next_u16() as u8,
            upload_id: rng.range(1, 0xff) as u32,
            seed: context.seed,
            mode: CpuMode::Run,
            mode_since_micros: None,
        })
    }
}

struct S7Dialect {
    server: DeviceSpec,
    rack: u8,
    slot: u8,
    client_ref: u16,
    server_ref: u16,
    /// PDU reference of the client's latest job.
    pdu_ref: u16,
    /// PDU reference of the latest job the CPU itself sent (during a download).
    cpu_pdu_ref: u16,
    szl_sequence: u8,
    upload_id: u32,
    seed: u64,
    /// The CPU's operating mode as the stop and start actions left it, and since when.
    mode: CpuMode,
    mode_since_micros: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CpuMode {
    Run,
    Stop,
}

/// An S7 PDU: header, parameters, data.
fn pdu(rosctr: u8, reference: u16, parameters: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = vec![PROTOCOL_ID, rosctr, 0, 0];
    out.extend_from_slice(&reference.to_be_bytes());
    out.extend_from_slice(&(parameters.len() as u16).to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    if rosctr == ROSCTR_ACK_DATA {
        // Error class and code: none.
        out.extend_from_slice(&[0, 0]);
    }
    out.extend_from_slice(parameters);
    out.extend_from_slice(data);
    out
}

/// A variable address in the S7ANY syntax: type, count, DB, area, bit address.
fn any_pointer(transport: u8, count: u16, db: u16, area: u8, byte: u32) -> [u8; 12] {
    let bit_address = (byte * 8).to_be_bytes();
    let [c0, c1] = count.to_be_bytes();
    let [d0, d1] = db.to_be_bytes();
    [
        0x12,
        0x0a,
        0x10,
        transport,
        c0,
        c1,
        d0,
        d1,
        area,
        bit_address[1],
        bit_address[2],
        bit_address[3],
    ]
}

/// One item of read-var answer or write-var request data: return code (or reserved byte),
/// data transport size, length, value bytes; padded to even length unless it is the last.
fn data_item(first: u8, transport: u8, value: &[u8], last: bool) -> Vec<u8> {
    let length = if transport == DATA_REAL {
        value.len()
    } else {
        value.len() * 8
    };
    let mut out = vec![first, transport];
    out.extend_from_slice(&(length as u16).to_be_bytes());
    out.extend_from_slice(value);
    if !last && value.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// Text padded (or cut) to a fixed field width.
fn fixed(text: &str, width: usize, pad: u8) -> Vec<u8> {
    let mut out: Vec<u8> = text.bytes().take(width).collect();
    out.resize(width, pad);
    out
}

/// A firmware version as the three numbers SZL 0x0011 index 7 holds: `V3.2.7`, `3.2` (patch
/// 0). `None` when the text is no version.
fn version_numbers(text: &str) -> Option<[u8; 3]> {
    let digits = text.trim().trim_start_matches(['V', 'v']);
    let mut numbers = [0u8; 3];
    let mut parts = digits.split('.');
    for (i, part) in parts.by_ref().take(3).enumerate() {
        numbers[i] = part.trim().parse().ok()?;
    }
    parts.next().is_none().then_some(numbers)
}

/// The hardware revision as a number (the digits of `PV 03`, `3`).
fn hardware_number(text: &str) -> u16 {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(1)
}

/// A block's file name in the load memory: `_0800001P` is OB 1 in the passive file system.
fn block_file_name(block_type: &str, number: u16, filesystem: char) -> String {
    format!("_{block_type}{number:05}{filesystem}")
}

/// An S7 DATE_AND_TIME: BCD year (two digits), month, day, hour, minute, second,
/// milliseconds, and the weekday (1 Sunday) in the last nibble.
fn date_and_time(micros: i64) -> [u8; 8] {
    let bcd = |v: i64| (((v / 10) << 4) | (v % 10)) as u8;
    let seconds = micros.div_euclid(1_000_000);
    let millis = micros.rem_euclid(1_000_000) / 1000;
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // 1970-01-01 was a Thursday: weekday 5 when Sunday is 1.
    let weekday = (days + 4).rem_euclid(7) + 1;
    [
        bcd(year % 100),
        bcd(month),
        bcd(day),
        bcd(of_day / 3600),
        bcd(of_day / 60 % 60),
        bcd(of_day % 60),
        bcd(millis / 10),
        ((millis % 10) << 4 | weekday) as u8,
    ]
}

impl S7Dialect {
    fn next_ref(&mut self) -> u16 {
        self.pdu_ref = self.pdu_ref.wrapping_add(1);
        self.pdu_ref
    }

    fn next_cpu_ref(&mut self) -> u16 {
        self.cpu_pdu_ref = self.cpu_pdu_ref.wrapping_add(0x0100);
        self.cpu_pdu_ref
    }

    /// A job from the client and the CPU's ack-data.
    fn job(
        &mut self,
        parameters: &[u8],
        data: &[u8],
        answer_parameters: &[u8],
        answer_data: &[u8],
    ) -> Vec<Message> {
        let reference = self.next_ref();
        vec![
            Message::request(cotp::data(&pdu(ROSCTR_JOB, reference, parameters, data))),
            Message::response(cotp::data(&pdu(
                ROSCTR_ACK_DATA,
                reference,
                answer_parameters,
                answer_data,
            ))),
        ]
    }

    /// A job the CPU sends to the client (during a download the CPU pulls the blocks) and
    /// the client's ack-data.
    fn cpu_job(
        &mut self,
        parameters: &[u8],
        answer_parameters: &[u8],
        answer_data: &[u8],
    ) -> Vec<Message> {
        let reference = self.next_cpu_ref();
        vec![
            Message {
                from: Side::Server,
                ..Message::response(cotp::data(&pdu(ROSCTR_JOB, reference, parameters, &[])))
            },
            Message {
                from: Side::Client,
                ..Message::request(cotp::data(&pdu(
                    ROSCTR_ACK_DATA,
                    reference,
                    answer_parameters,
                    answer_data,
                )))
            },
        ]
    }

    /// Read SZL `id` index `index`: the request and the CPU's answer with `records`.
    fn read_szl(
        &mut self,
        id: u16,
        index: u16,
        record_len: u16,
        records: &[Vec<u8>],
    ) -> Vec<Message> {
        let reference = self.next_ref();
        let mut request_data = vec![RETURN_SUCCESS, DATA_OCTET_STRING, 0, 4];
        request_data.extend_from_slice(&id.to_be_bytes());
        request_data.extend_from_slice(&index.to_be_bytes());
        // Parameter head 00 01 12, length 4, method request, type request / group CPU
        // functions, subfunction Read SZL, sequence 0.
        let request_parameters = [0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00];
        self.szl_sequence = self.szl_sequence.wrapping_add(1).max(1);
        let answer_parameters = [
            0x00,
            0x01,
            0x12,
            0x08,
            0x12,
            0x84,
            0x01,
            self.szl_sequence,
            0x00,
            0x00,
            0x00,
            0x00,
        ];
        let mut list = Vec::new();
        list.extend_from_slice(&id.to_be_bytes());
        list.extend_from_slice(&index.to_be_bytes());
        list.extend_from_slice(&record_len.to_be_bytes());
        list.extend_from_slice(&(records.len() as u16).to_be_bytes());
        for r in records {
            debug_assert_eq!(r.len(), usize::from(record_len));
            list.extend_from_slice(r);
        }
        let mut answer_data = vec![RETURN_SUCCESS, DATA_OCTET_STRING];
        answer_data.extend_from_slice(&(list.len() as u16).to_be_bytes());
        answer_data.extend_from_slice(&list);
        vec![
            Message::request(cotp::data(&pdu(
                ROSCTR_USER_DATA,
                reference,
                &request_parameters,
                &request_data,
            ))),
            Message::response(cotp::data(&pdu(
                ROSCTR_USER_DATA,
                reference,
                &answer_parameters,
                &answer_data,
            ))),
        ]
    }

    /// SZL 0x0011 records (28 bytes): index, order number (20 bytes), module type, and two
    /// version words.
    fn module_identification(&self) -> Vec<Vec<u8>> {
        let s = &self.server;
        let order = s.order_number.as_deref().unwrap_or("");
        let hardware = s.hardware.as_deref().map_or(1, hardware_number);
        let record = |index: u16, text: &[u8], ausbg: u16, ausbe: u16| {
            let mut r = index.to_be_bytes().to_vec();
            r.extend_from_slice(text);
            r.extend_from_slice(&[0x00, 0xc0]);
            r.extend_from_slice(&ausbg.to_be_bytes());
            r.extend_from_slice(&ausbe.to_be_bytes());
            r
        };
        let mut records = vec![
            record(1, &fixed(order, 20, b' '), 0, hardware),
            record(6, &fixed(order, 20, b' '), 0, hardware),
        ];
        if let Some([major, minor, patch]) = s.firmware.as_deref().and_then(version_numbers) {
            records.push(record(
                7,
                &fixed("", 20, b' '),
                u16::from_be_bytes([b'V', major]),
                u16::from_be_bytes([minor, patch]),
            ));
        }
        records
    }

    /// SZL 0x001C records (34 bytes): index and a 32-byte NUL-padded text.
    fn component_identification(&self) -> Vec<Vec<u8>> {
        let s = &self.server;
        let copyright = match s.vendor.as_deref() {
            Some(v) if !v.to_ascii_lowercase().contains("siemens") => v.to_string(),
            _ => "Original Siemens Equipment".to_string(),
        };
        let texts = [
            (1u16, s.station_name().to_string()),
            (2, s.name.clone()),
            (3, String::new()),
            (4, copyright),
            (5, s.serial.clone().unwrap_or_default()),
            (7, s.model.clone().unwrap_or_default()),
        ];
        texts
            .iter()
            .map(|(index, text)| {
                let mut r = index.to_be_bytes().to_vec();
                r.extend_from_slice(&fixed(text, 32, 0));
                r
            })
            .collect()
    }

    /// SZL 0x0424 record (20 bytes): the event of the latest mode transition, the mode
    /// it requested (previous mode left unknown, as S7-300 CPUs answer), and its time.
    fn mode_record(&mut self, now: i64) -> Vec<u8> {
        let since = *self
            .mode_since_micros
            .get_or_insert(now - RUNNING_BEFORE_CAPTURE_MICROS);
        let requested = match self.mode {
            CpuMode::Run => 0x08,
            CpuMode::Stop => 0x04,
        };
        let mut r = vec![0x51, 0x44, 0xff, requested, 0, 0, 0, 0, 0, 0, 0, 0];
        r.extend_from_slice(&date_and_time(since));
        r
    }

    fn process_words(&self, now: i64) -> Vec<u8> {
        (0..8u32)
            .flat_map(|i| (process_value(self.seed, i, now, 0.0, 27_648.0) as u16).to_be_bytes())
            .collect()
    }

    fn process_reals(&self, now: i64) -> Vec<u8> {
        let ranges = [(15.0, 85.0), (0.5, 6.0), (0.0, 120.0), (40.0, 60.0)];
        ranges
            .iter()
            .enumerate()
            .flat_map(|(i, (lo, hi))| {
                (process_value(self.seed, 20 + i as u32, now, *lo, *hi) as f32).to_be_bytes()
            })
            .collect()
    }

    fn merker_bytes(&self, now: i64) -> Vec<u8> {
        (0..2u32)
            .map(|byte| {
                (0..8u32).fold(0u8, |acc, bit| {
                    let on = process_value(self.seed, 40 + byte * 8 + bit, now, 0.0, 1.0) > 0.5;
                    acc | (u8::from(on) << bit)
                })
            })
            .collect()
    }

    /// The program block the engineering actions move: an MC7 block image with the
    /// 36-byte header STEP 7 writes ("pp", version, language, type, number, length).
    fn program_block(&self) -> Vec<u8> {
        let body_len = 336usize;
        let total = 36 + body_len;
        let mut block = vec![0x70, 0x70, 0x01, 0x01, 0x01, 0x08];
        block.extend_from_slice(&PROGRAM_BLOCK_NUMBER.to_be_bytes());
        block.extend_from_slice(&(total as u32).to_be_bytes());
        block.resize(36, 0);
        let mut rng = DialectRng::new(self.seed ^ 0x0b1c);
        block.extend((0..body_len).map(|_| rng.next_u16() as u8));
        block
    }

    /// Download or upload answer data: part length, a constant, the part.
    fn transfer_data(part: &[u8]) -> Vec<u8> {
        let mut data = (part.len() as u16).to_be_bytes().to_vec();
        data.extend_from_slice(&[0x00, 0xfb]);
        data.extend_from_slice(part);
        data
    }

    fn transfer_job(function: u8, session: u32, file: Option<&str>) -> Vec<u8> {
        let mut parameters = vec![function, 0x00, 0x00, 0x00];
        parameters.extend_from_slice(&session.to_be_bytes());
        if let Some(name) = file {
            parameters.push(name.len() as u8);
            parameters.extend_from_slice(name.as_bytes());
        }
        parameters
    }

    fn plc_control(&mut self, parameter_block: &[u8], service: &str) -> Vec<Message> {
        let mut parameters = vec![FUNCTION_PLC_CONTROL, 0, 0, 0, 0, 0, 0, 0xfd];
        parameters.extend_from_slice(&(parameter_block.len() as u16).to_be_bytes());
        parameters.extend_from_slice(parameter_block);
        parameters.push(service.len() as u8);
        parameters.extend_from_slice(service.as_bytes());
        self.job(&parameters, &[], &[FUNCTION_PLC_CONTROL], &[])
    }

    fn download(&mut self) -> Vec<Message> {
        let block = self.program_block();
        let file = block_file_name("08", PROGRAM_BLOCK_NUMBER, 'P');
        let mut out = Vec::new();
        // Request download: file name, then "1", load memory length and MC7 code length as
        // six digits each.
        let mut request = Self::transfer_job(FUNCTION_REQUEST_DOWNLOAD, 0, Some(&file));
        request[2] = 0x01;
        let lengths = format!("1{:06}{:06}", block.len(), block.len() - 36);
        request.push(lengths.len() as u8);
        request.extend_from_slice(lengths.as_bytes());
        out.extend(self.job(&request, &[], &[FUNCTION_REQUEST_DOWNLOAD], &[]));
        // The CPU then pulls the block part by part, and says when it has it all.
        let parts: Vec<&[u8]> = block.chunks(TRANSFER_CHUNK).collect();
        for (i, part) in parts.iter().enumerate() {
            let status = if i + 1 < parts.len() {
                TRANSFER_MORE
            } else {
                TRANSFER_LAST
            };
            out.extend(self.cpu_job(
                &Self::transfer_job(FUNCTION_DOWNLOAD_BLOCK, 0, Some(&file)),
                &[FUNCTION_DOWNLOAD_BLOCK, status],
                &Self::transfer_data(part),
            ));
        }
        out.extend(self.cpu_job(
            &Self::transfer_job(FUNCTION_DOWNLOAD_ENDED, 0, Some(&file)),
            &[FUNCTION_DOWNLOAD_ENDED],
            &[],
        ));
        // Insert: the passive block becomes part of the running program.
        let mut blocks = vec![0x01, 0x00];
        blocks.extend_from_slice(&file.as_bytes()[1..]);
        out.extend(self.plc_control(&blocks, "_INSE"));
        out
    }

    fn upload(&mut self) -> Vec<Message> {
        let block = self.program_block();
        let file = block_file_name("08", PROGRAM_BLOCK_NUMBER, 'A');
        self.upload_id = self.upload_id.wrapping_add(1);
        let id = self.upload_id;
        let mut out = Vec::new();
        let mut answer = vec![FUNCTION_START_UPLOAD, 0x00, 0x01, 0x00];
        answer.extend_from_slice(&id.to_be_bytes());
        let length = format!("{:07}", block.len());
        answer.push(length.len() as u8);
        answer.extend_from_slice(length.as_bytes());
        out.extend(self.job(
            &Self::transfer_job(FUNCTION_START_UPLOAD, 0, Some(&file)),
            &[],
            &answer,
            &[],
        ));
        let parts: Vec<&[u8]> = block.chunks(TRANSFER_CHUNK).collect();
        for (i, part) in parts.iter().enumerate() {
            let status = if i + 1 < parts.len() {
                TRANSFER_MORE
            } else {
                TRANSFER_LAST
            };
            out.extend(self.job(
                &Self::transfer_job(FUNCTION_UPLOAD, id, None),
                &[],
                &[FUNCTION_UPLOAD, status],
                &Self::transfer_data(part),
            ));
        }
        out.extend(self.job(
            &Self::transfer_job(FUNCTION_END_UPLOAD, id, None),
            &[],
            &[FUNCTION_END_UPLOAD],
            &[],
        ));
        out
    }
}

impl Dialect for S7Dialect {
    fn protocol(&self) -> &'static str {
        "s7comm"
    }

    fn transport(&self) -> Transport {
        Transport::Tcp {
            port: ISO_TSAP_PORT,
        }
    }

    fn session_start(&mut self) -> Vec<Message> {
        let calling = [CONNECTION_PG, 0x00];
        let called = [CONNECTION_PG, self.rack << 5 | self.slot];
        let connection = Connection {
            calling_tsap: &calling,
            called_tsap: &called,
            tpdu_size: TPDU_SIZE_1024,
        };
        let mut out = cotp::connect(self.client_ref, self.server_ref, &connection);
        // Setup communication: reserved byte, max parallel jobs calling and called, PDU size.
        let setup = |pdu_size: u16| {
            let mut p = vec![FUNCTION_SETUP_COMMUNICATION, 0x00, 0x00, 0x01, 0x00, 0x01];
            p.extend_from_slice(&pdu_size.to_be_bytes());
            p
        };
        out.extend(self.job(&setup(PDU_SIZE_ASKED), &[], &setup(PDU_SIZE_GRANTED), &[]));
        out
    }

    fn identify(&mut self) -> Vec<Message> {
        let module = self.module_identification();
        let component = self.component_identification();
        let mut out = self.read_szl(0x0011, 0x0000, 28, &module);
        out.extend(self.read_szl(0x001c, 0x0000, 34, &component));
        out
    }

    fn reveals(&self) -> &'static [Revealed] {
        &[
            Revealed::Model,
            Revealed::OrderNumber,
            Revealed::Firmware,
            Revealed::Serial,
            Revealed::Name,
        ]
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let now = poll.now_micros;
        let mut parameters = vec![FUNCTION_READ_VAR, 3];
        parameters.extend_from_slice(&any_pointer(
            TRANSPORT_WORD,
            8,
            PROCESS_DB,
            AREA_DATA_BLOCK,
            0,
        ));
        parameters.extend_from_slice(&any_pointer(
            TRANSPORT_REAL,
            4,
            PROCESS_DB,
            AREA_DATA_BLOCK,
            16,
        ));
        parameters.extend_from_slice(&any_pointer(TRANSPORT_BYTE, 2, 0, AREA_MERKER, 0));
        let mut data = data_item(
            RETURN_SUCCESS,
            DATA_BYTE_WORD_DWORD,
            &self.process_words(now),
            false,
        );
        data.extend(data_item(
            RETURN_SUCCESS,
            DATA_REAL,
            &self.process_reals(now),
            false,
        ));
        data.extend(data_item(
            RETURN_SUCCESS,
            DATA_BYTE_WORD_DWORD,
            &self.merker_bytes(now),
            true,
        ));
        let mut out = self.job(&parameters, &[], &[FUNCTION_READ_VAR, 3], &data);
        if poll.cycle.is_multiple_of(MODE_POLL_EVERY) {
            let record = self.mode_record(now);
            out.extend(self.read_szl(0x0424, 0x0000, 20, &[record]));
        }
        out
    }

    fn action(&mut self, kind: ActionKind, poll: &PollContext) -> Option<Vec<Message>> {
        Some(match kind {
            ActionKind::Write => {
                let set_point = process_value(self.seed, 60, poll.now_micros, 40.0, 80.0) as f32;
                let mut parameters = vec![FUNCTION_WRITE_VAR, 1];
                parameters.extend_from_slice(&any_pointer(
                    TRANSPORT_REAL,
                    1,
                    PROCESS_DB,
                    AREA_DATA_BLOCK,
                    32,
                ));
                let data = data_item(0x00, DATA_REAL, &set_point.to_be_bytes(), true);
                self.job(
                    &parameters,
                    &data,
                    &[FUNCTION_WRITE_VAR, 1],
                    &[RETURN_SUCCESS],
                )
            }
            ActionKind::PlcStop => {
                let mut parameters = vec![FUNCTION_PLC_STOP, 0, 0, 0, 0, 0];
                parameters.push(9);
                parameters.extend_from_slice(b"P_PROGRAM");
                self.mode = CpuMode::Stop;
                self.mode_since_micros = Some(poll.now_micros);
                self.job(&parameters, &[], &[FUNCTION_PLC_STOP], &[])
            }
            // An empty parameter block asks for a warm restart.
            ActionKind::PlcStart => {
                self.mode = CpuMode::Run;
                self.mode_since_micros = Some(poll.now_micros);
                self.plc_control(&[], "P_PROGRAM")
            }
            ActionKind::ProgramDownload => self.download(),
            ActionKind::ProgramUpload => self.upload(),
            // A CPU restart is the warm restart of plc_start; firmware goes through the
            // module's web server or a memory card, not S7comm.
            ActionKind::Restart | ActionKind::FirmwareUpdate => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    fn siemens_cpu() -> DeviceSpec {
        DeviceSpec {
            vendor: Some("Siemens".into()),
            model: Some("CPU 315-2 PN/DP".into()),
            order_number: Some("6ES7 315-2EH14-0AB0".into()),
            firmware: Some("V3.2.7".into()),
            hardware: Some("3".into()),
            serial: Some("S C-B1U393142011".into()),
            hostname: Some("S7300 station_1".into()),
            ..testing::sample_server()
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn every_action_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("s7comm", &siemens_cpu());
        testing::assert_tshark_clean(&capture, "s7comm");
    }

    #[test]
    fn identification_carries_the_scenario_identity() {
        let server = siemens_cpu();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let messages = dialect.identify();
        assert_eq!(messages.len(), 4);
        let module = &messages[1].payload;
        let component = &messages[3].payload;
        let text = String::from_utf8_lossy(component);
        for expected in [
            "CPU 315-2 PN/DP",
            "S C-B1U393142011",
            "S7300 station_1",
            "plc-1",
        ] {
            assert!(text.contains(expected), "{expected} missing in {text:?}");
        }
        assert!(String::from_utf8_lossy(module).contains("6ES7 315-2EH14-0AB0 "));
        // Firmware record: index 7, 20 blanks, module type, 'V' 3, then 2 and 7.
        let firmware = format!("0007{}00c0{:02x}030207", "20".repeat(20), b'V');
        assert!(hex(module).contains(&firmware), "{}", hex(module));
    }

    /// What otwatch's S7 decoder reads back from the identification: every identity field
    /// exactly as the scenario gave it.
    #[test]
    fn otwatch_reads_the_identity_back() {
        use otwatch_dissect::s7comm;
        let server = siemens_cpu();
        let mut dialect = S7Dialect::new(&testing::context(&server)).unwrap();
        let messages = dialect.identify();
        let mut identity = s7comm::CpuIdentity::default();
        for response in [&messages[1], &messages[3]] {
            let payload = s7comm::s7_payload(&response.payload).unwrap();
            let pdu = s7comm::parse_pdu(payload).unwrap();
            let szl = s7comm::read_szl_response(&pdu).unwrap();
            let part = s7comm::cpu_identity(&szl);
            identity.order_number = identity.order_number.or(part.order_number);
            identity.firmware = identity.firmware.or(part.firmware);
            identity.serial = identity.serial.or(part.serial);
            identity.module_type = identity.module_type.or(part.module_type);
            identity.station_name = identity.station_name.or(part.station_name);
        }
        assert_eq!(identity.order_number, server.order_number);
        assert_eq!(identity.firmware, server.firmware);
        assert_eq!(identity.serial, server.serial);
        assert_eq!(identity.module_type, server.model);
        assert_eq!(identity.station_name, server.hostname);
    }

    #[test]
    fn otwatch_reads_the_engineering_actions() {
        use otwatch_dissect::s7comm;
        let server = siemens_cpu();
        let mut dialect = S7Dialect::new(&testing::context(&server)).unwrap();
        let poll = PollContext {
            now_micros: 1_772_438_400_000_000,
            cycle: 0,
        };
        let jobs = |messages: Vec<Message>| -> Vec<(u8, Option<Vec<u8>>)> {
            messages
                .iter()
                .filter_map(|m| {
                    let payload = s7comm::s7_payload(&m.payload)?;
                    let pdu = s7comm::parse_pdu(payload).ok()?;
                    if pdu.rosctr != s7comm::rosctr::JOB || m.from != Side::Client {
                        return None;
                    }
                    let service = match s7comm::pi_service(&pdu) {
                        Some(Ok(pi)) => Some(pi.service.to_vec()),
                        _ => None,
                    };
                    Some((pdu.function()?, service))
                })
                .collect()
        };
        let stop = jobs(dialect.action(ActionKind::PlcStop, &poll).unwrap());
        assert_eq!(stop, vec![(FUNCTION_PLC_STOP, Some(b"P_PROGRAM".to_vec()))]);
        let start = jobs(dialect.action(ActionKind::PlcStart, &poll).unwrap());
        assert_eq!(
            start,
            vec![(FUNCTION_PLC_CONTROL, Some(b"P_PROGRAM".to_vec()))]
        );
        let download = dialect.action(ActionKind::ProgramDownload, &poll).unwrap();
        let request = s7comm::s7_payload(&download[0].payload).unwrap();
        let transfer = s7comm::block_transfer(&s7comm::parse_pdu(request).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(transfer.filename, Some(&b"_0800001P"[..]));
        assert_eq!(transfer.block_length, Some(372));
        assert_eq!(
            jobs(download).last(),
            Some(&(FUNCTION_PLC_CONTROL, Some(b"_INSE".to_vec())))
        );
        let upload = jobs(dialect.action(ActionKind::ProgramUpload, &poll).unwrap());
        assert_eq!(upload.first().map(|j| j.0), Some(FUNCTION_START_UPLOAD));
        assert_eq!(upload.last().map(|j| j.0), Some(FUNCTION_END_UPLOAD));
    }

    /// The PLC stop job of a snap7 session against an S7-300, frame 57 of the captured
    /// `snap7_s300_everything` (snap7 numbers its PDU references byte-swapped: 0x1c00).
    #[test]
    fn plc_stop_matches_a_captured_job() {
        let server = siemens_cpu();
        let context = testing::context(&server);
        let mut dialect = S7Dialect::new(&context).unwrap();
        dialect.pdu_ref = 0x1bff;
        let poll = PollContext {
            now_micros: 0,
            cycle: 0,
        };
        let messages = dialect.action(ActionKind::PlcStop, &poll).unwrap();
        assert_eq!(
            hex(&messages[0].payload),
            "0300002102f080320100001c000010000029000000000009505f50524f4752414d"
        );
        assert_eq!(
            hex(&messages[1].payload),
            "0300001402f080320300001c0000010000000029"
        );
    }

    /// The read-var job of a snap7 session, frame 51 of the same capture: one REAL at MD16.
    #[test]
    fn any_pointer_matches_a_captured_read_item() {
        assert_eq!(
            hex(&any_pointer(TRANSPORT_REAL, 1, 0, AREA_MERKER, 16)),
            "120a10080001000083000080"
        );
    }

    #[test]
    fn dates_are_bcd_with_the_weekday_last() {
        // 2016-02-08 14:51:37.569, a Monday, as the mode record of an S7-300 in the ITI
        // snap7 capture (frame 12) dates its last transition.
        let micros = 1_454_943_097_569_000;
        assert_eq!(hex(&date_and_time(micros)), "1602081451375692");
    }

    #[test]
    fn the_mode_poll_follows_stop_and_start() {
        use otwatch_dissect::s7comm;
        let server = siemens_cpu();
        let mut dialect = S7Dialect::new(&testing::context(&server)).unwrap();
        let mode_at = |cycle: u64, dialect: &mut S7Dialect| {
            let poll = PollContext {
                now_micros: 1_772_438_400_000_000 + cycle as i64 * 1_000_000,
                cycle,
            };
            let messages = dialect.poll(&poll);
            let answer = messages.last().unwrap();
            let pdu = s7comm::parse_pdu(s7comm::s7_payload(&answer.payload).unwrap()).unwrap();
            s7comm::read_szl_response(&pdu).map(|szl| s7comm::cpu_identity(&szl).mode)
        };
        assert_eq!(mode_at(0, &mut dialect), Some(Some("RUN".into())));
        assert_eq!(
            mode_at(1, &mut dialect),
            None,
            "only every tenth poll reads the mode"
        );
        let poll = PollContext {
            now_micros: 1_772_438_405_000_000,
            cycle: 5,
        };
        dialect.action(ActionKind::PlcStop, &poll).unwrap();
        assert_eq!(mode_at(10, &mut dialect), Some(Some("STOP".into())));
        dialect.action(ActionKind::PlcStart, &poll).unwrap();
        assert_eq!(mode_at(20, &mut dialect), Some(Some("RUN".into())));
    }

    #[test]
    fn versions_parse_as_s7_writes_them() {
        assert_eq!(version_numbers("V3.2.7"), Some([3, 2, 7]));
        assert_eq!(version_numbers("4.1"), Some([4, 1, 0]));
        assert_eq!(version_numbers("V2.x"), None);
        assert_eq!(version_numbers("1.2.3.4"), None);
    }
}
