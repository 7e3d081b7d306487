//! S7comm over ISO-on-TCP (TPKT, RFC 1006, and COTP, ISO 8073): the S7 header, and the
//! responses to Read SZL (system status list) in which a Siemens CPU states its order
//! number and firmware (SZL 0x0011) and its station, module and serial (SZL 0x001C).

use crate::Malformed;
use serde::Serialize;

pub const TPKT_HEADER: usize = 4;

/// Total length of the TPKT message starting at `h` (at least 4 bytes), if it is one.
pub fn tpkt_total(h: &[u8]) -> Option<usize> {
    (h.len() >= TPKT_HEADER && h[0] == 3 && h[1] == 0)
        .then(|| usize::from(u16::from_be_bytes([h[2], h[3]])))
}

/// The S7 PDU inside one TPKT message carrying a COTP data TPDU.
pub fn s7_payload(tpkt: &[u8]) -> Option<&[u8]> {
    let li = usize::from(*tpkt.get(4)?);
    let pdu_type = *tpkt.get(5)? & 0xf0;
    if pdu_type != 0xf0 {
        return None;
    }
    let payload = tpkt.get(5 + li..)?;
    (payload.first() == Some(&0x32)).then_some(payload)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct S7Pdu<'a> {
    /// 1 job, 2 ack, 3 ack-data, 7 user data.
    pub rosctr: u8,
    pub pdu_ref: u16,
    pub parameters: &'a [u8],
    pub data: &'a [u8],
}

pub fn parse_pdu(p: &[u8]) -> Result<S7Pdu<'_>, Malformed> {
    if p.len() < 10 || p[0] != 0x32 {
        return Err(Malformed::new("s7_header_truncated", 0));
    }
    let rosctr = p[1];
    let header = if matches!(rosctr, 2 | 3) { 12 } else { 10 };
    let param_len = usize::from(u16::from_be_bytes([p[6], p[7]]));
    let data_len = usize::from(u16::from_be_bytes([p[8], p[9]]));
    let parameters = p
        .get(header..header + param_len)
        .ok_or(Malformed::new("s7_parameters_truncated", header))?;
    let data = p
        .get(header + param_len..header + param_len + data_len)
        .ok_or(Malformed::new("s7_data_truncated", header + param_len))?;
    Ok(S7Pdu {
        rosctr,
        pdu_ref: u16::from_be_bytes([p[4], p[5]]),
        parameters,
        data,
    })
}

/// A Read SZL response: the list id and index, and its records (at most 64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SzlResponse<'a> {
    pub szl_id: u16,
    pub szl_index: u16,
    pub records: Vec<&'a [u8]>,
}

/// The Read SZL response in a user-data PDU, if that is what it carries.
pub fn read_szl_response<'a>(pdu: &S7Pdu<'a>) -> Option<SzlResponse<'a>> {
    let p = pdu.parameters;
    // User data, CPU functions (group 4) response (type 8), subfunction 1 Read SZL.
    if pdu.rosctr != 7
        || p.len() < 8
        || p[..3] != [0x00, 0x01, 0x12]
        || p[5] != 0x84
        || p[6] != 0x01
    {
        return None;
    }
    let d = pdu.data;
    if d.len() < 12 || d[0] != 0xff {
        return None;
    }
    let szl_id = u16::from_be_bytes([d[4], d[5]]);
    let szl_index = u16::from_be_bytes([d[6], d[7]]);
    let record_len = usize::from(u16::from_be_bytes([d[8], d[9]]));
    let count = usize::from(u16::from_be_bytes([d[10], d[11]]));
    let mut records = Vec::new();
    if record_len > 0 {
        for i in 0..count.min(64) {
            let start = 12 + i * record_len;
            match d.get(start..start + record_len) {
                Some(r) => records.push(r),
                None => break,
            }
        }
    }
    Some(SzlResponse {
        szl_id,
        szl_index,
        records,
    })
}

/// What a CPU says about itself in SZL 0x0011 and 0x001C.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CpuIdentity {
    pub order_number: Option<String>,
    pub firmware: Option<String>,
    pub station_name: Option<String>,
    pub module_name: Option<String>,
    pub plant_name: Option<String>,
    pub serial: Option<String>,
    pub module_type: Option<String>,
    pub location: Option<String>,
}

/// Reads the identity facts out of a Read SZL response of list 0x0011 or 0x001C.
pub fn cpu_identity(szl: &SzlResponse<'_>) -> CpuIdentity {
    let mut id = CpuIdentity::default();
    for r in &szl.records {
        let index = u16::from_be_bytes([
            r.first().copied().unwrap_or(0),
            r.get(1).copied().unwrap_or(0),
        ]);
        match szl.szl_id & 0x00ff {
            0x11 if r.len() >= 28 => {
                let (ausbg, ausbe) = (
                    u16::from_be_bytes([r[24], r[25]]),
                    u16::from_be_bytes([r[26], r[27]]),
                );
                match index {
                    1 => id.order_number = crate::printable(&r[2..22]),
                    // Version records: 'V' and the major number, then minor and patch.
                    7 if ausbg >> 8 == u16::from(b'V') => {
                        id.firmware =
                            Some(format!("V{}.{}.{}", ausbg & 0xff, ausbe >> 8, ausbe & 0xff));
                    }
                    _ => {}
                }
            }
            0x1c if r.len() >= 10 => {
                let value = crate::printable(&r[2..r.len().min(34)]);
                match index {
                    1 => id.station_name = value,
                    2 => id.module_name = value,
                    3 => id.plant_name = value,
                    5 => id.serial = value,
                    7 => id.module_type = value,
                    0x0b => id.location = value,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read SZL 0x0011 response of a CPU 315-2 PN/DP (as snap7 answers it), in TPKT/COTP.
    pub(crate) fn szl_0011_response() -> Vec<u8> {
        let mut records = Vec::new();
        let mut record = |index: u16, mlfb: &str, bgtyp: u16, ausbg: u16, ausbe: u16| {
            records.extend_from_slice(&index.to_be_bytes());
            let mut m = mlfb.as_bytes().to_vec();
            m.resize(20, b' ');
            records.extend_from_slice(&m);
            records.extend_from_slice(&bgtyp.to_be_bytes());
            records.extend_from_slice(&ausbg.to_be_bytes());
            records.extend_from_slice(&ausbe.to_be_bytes());
        };
        record(1, "6ES7 315-2EH14-0AB0", 0xc0, 4, 1);
        record(6, "6ES7 315-2EH14-0AB0", 0xc0, 4, 1);
        record(7, "", 0xc0, 0x5603, 0x0206);
        let mut data = vec![0xff, 0x09];
        data.extend_from_slice(&((8 + records.len()) as u16).to_be_bytes());
        data.extend_from_slice(&[0x00, 0x11, 0x00, 0x00, 0x00, 28, 0x00, 3]);
        data.extend_from_slice(&records);
        let params = [
            0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
        ];
        let mut s7 = vec![0x32, 0x07, 0x00, 0x00, 0x05, 0x00];
        s7.extend_from_slice(&(params.len() as u16).to_be_bytes());
        s7.extend_from_slice(&(data.len() as u16).to_be_bytes());
        s7.extend_from_slice(&params);
        s7.extend_from_slice(&data);
        let mut tpkt = vec![0x03, 0x00, 0x00, 0x00, 0x02, 0xf0, 0x80];
        tpkt.extend_from_slice(&s7);
        let len = tpkt.len() as u16;
        tpkt[2..4].copy_from_slice(&len.to_be_bytes());
        tpkt
    }

    #[test]
    fn order_number_and_firmware_from_szl_0011() {
        let msg = szl_0011_response();
        assert_eq!(tpkt_total(&msg), Some(msg.len()));
        let pdu = parse_pdu(s7_payload(&msg).unwrap()).unwrap();
        let szl = read_szl_response(&pdu).unwrap();
        assert_eq!((szl.szl_id, szl.records.len()), (0x0011, 3));
        let id = cpu_identity(&szl);
        assert_eq!(id.order_number.as_deref(), Some("6ES7 315-2EH14-0AB0"));
        assert_eq!(id.firmware.as_deref(), Some("V3.2.6"));
    }

    #[test]
    fn never_panics() {
        crate::hostile::never_panics(
            &[szl_0011_response()],
            0x57c0_11d3_0000_0011,
            |buf, _| {
                if buf.len() >= 8 {
                    buf[..8].copy_from_slice(&[3, 0, 0, 0, 2, 0xf0, 0x80, 0x32]);
                }
            },
            |b| {
                let _ = tpkt_total(b);
                if let Some(p) = s7_payload(b) {
                    if let Ok(pdu) = parse_pdu(p) {
                        if let Some(szl) = read_szl_response(&pdu) {
                            let _ = cpu_identity(&szl);
                        }
                    }
                }
            },
        );
    }
}
