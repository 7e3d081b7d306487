//! IEC 61850 GOOSE (EtherType 0x88B8) and Sampled Values (EtherType 0x88BA): the
//! multicast messages by which protection relays and merging units publish state and
//! measurements. A GOOSE publisher repeats its dataset with a growing sequence number
//! (`sqNum`) and bumps the state number (`stNum`) when a value changes — a trip, a breaker
//! opening — so a change of `stNum` is an event on the substation's process. The test and
//! simulation flags mark messages a subscriber must not act on in service.
//!
//! Both start with APPID, length and two reserved words (the first holding the simulate
//! bit of edition 2), then a BER-encoded PDU. Only the header fields are read; dataset
//! values are passed over.

use crate::Malformed;

/// Fields of a GOOSE PDU (tags of IEC 61850-8-1's `IECGoosePdu`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Goose {
    pub appid: u16,
    /// Reserved 1, bit 15: the message is simulated (edition 2).
    pub simulated: bool,
    pub gocb_ref: String,
    pub time_allowed_to_live: u32,
    pub dat_set: String,
    pub go_id: Option<String>,
    pub st_num: u32,
    pub sq_num: u32,
    /// The `test` (edition 1) or `simulation` (edition 2) element.
    pub test: bool,
    pub conf_rev: u32,
    pub nds_com: bool,
    pub num_dat_set_entries: u32,
}

/// The first ASDU of a Sampled Values PDU.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SampledValues {
    pub appid: u16,
    pub simulated: bool,
    pub asdu_count: u32,
    pub sv_id: String,
    pub smp_cnt: u32,
    pub conf_rev: u32,
}

/// One BER element as its one-byte tag (all tags here are below 31), contents, and
/// where the next one starts.
fn element(b: &[u8], at: usize) -> Result<(u8, &[u8], usize), Malformed> {
    let t = ber::tlv(b, at)?;
    let tag = if t.number < 0x1f {
        t.form | t.number as u8
    } else {
        0xff
    };
    Ok((tag, t.content, t.next))
}

use crate::ber::{self, unsigned};

fn visible(c: &[u8]) -> String {
    crate::printable(c).unwrap_or_default()
}

/// The four header words and the PDU after them.
fn header(p: &[u8]) -> Result<(u16, bool, &[u8]), Malformed> {
    let h = p
        .get(..8)
        .ok_or(Malformed::new("iec61850_header_truncated", 0))?;
    let appid = u16::from_be_bytes([h[0], h[1]]);
    let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
    if len < 8 {
        return Err(Malformed::new("iec61850_length", 2));
    }
    let simulated = h[4] & 0x80 != 0;
    // The length counts from the APPID; frames padded to the Ethernet minimum carry more.
    let pdu = p.get(8..len).unwrap_or(&p[8..]);
    Ok((appid, simulated, pdu))
}

/// Parses the payload after EtherType 0x88B8.
pub fn parse_goose(p: &[u8]) -> Result<Goose, Malformed> {
    let (appid, simulated, pdu) = header(p)?;
    let (tag, body, _) = element(pdu, 0)?;
    if tag != 0x61 {
        return Err(Malformed::new("goose_pdu_tag", 8));
    }
    let mut g = Goose {
        appid,
        simulated,
        ..Goose::default()
    };
    let mut at = 0;
    while at < body.len() {
        let (tag, c, next) = element(body, at)?;
        match tag {
            0x80 => g.gocb_ref = visible(c),
            0x81 => g.time_allowed_to_live = unsigned(c),
            0x82 => g.dat_set = visible(c),
            0x83 => g.go_id = Some(visible(c)),
            0x85 => g.st_num = unsigned(c),
            0x86 => g.sq_num = unsigned(c),
            0x87 => g.test = c.first().is_some_and(|&b| b != 0),
            0x88 => g.conf_rev = unsigned(c),
            0x89 => g.nds_com = c.first().is_some_and(|&b| b != 0),
            0x8a => g.num_dat_set_entries = unsigned(c),
            _ => {}
        }
        at = next;
    }
    if g.gocb_ref.is_empty() {
        return Err(Malformed::new("goose_without_gocbref", 8));
    }
    Ok(g)
}

/// Parses the payload after EtherType 0x88BA (the first ASDU only).
pub fn parse_sampled_values(p: &[u8]) -> Result<SampledValues, Malformed> {
    let (appid, simulated, pdu) = header(p)?;
    let (tag, body, _) = element(pdu, 0)?;
    if tag != 0x60 {
        return Err(Malformed::new("sv_pdu_tag", 8));
    }
    let mut sv = SampledValues {
        appid,
        simulated,
        ..SampledValues::default()
    };
    let mut at = 0;
    while at < body.len() {
        let (tag, c, next) = element(body, at)?;
        match tag {
            0x80 => sv.asdu_count = unsigned(c),
            0xa2 => {
                let (_, asdu, _) = element(c, 0)?;
                let mut i = 0;
                while i < asdu.len() {
                    let (tag, v, next) = element(asdu, i)?;
                    match tag {
                        0x80 => sv.sv_id = visible(v),
                        0x82 => sv.smp_cnt = unsigned(v),
                        0x83 => sv.conf_rev = unsigned(v),
                        _ => {}
                    }
                    i = next;
                }
            }
            _ => {}
        }
        at = next;
    }
    Ok(sv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// GOOSE.pcap (ITI IEC 61850 GOOSE captures), frame 1, after the EtherType; tshark
    /// reads gocbRef GEDeviceF650/LLN0$GO$gcb01, stNum 1, sqNum 10, confRev 1.
    const F650: &str = "0001009100000000618186801a4745446576696365463635302f4c4c4e3024474f2467636230318103009c4082184745446576696365463635302f4c4c4e3024474f4f534531830b463635305f474f4f5345318408386ebbf34217280a85010186010a8701008801018901008a0108ab208301008403030000830100840303000083010084030300008301008403030000";

    #[test]
    fn goose_header_fields() {
        let g = parse_goose(&hex(F650)).unwrap();
        assert_eq!(g.appid, 1);
        assert!(!g.simulated);
        assert_eq!(g.gocb_ref, "GEDeviceF650/LLN0$GO$gcb01");
        assert_eq!(g.time_allowed_to_live, 40000);
        assert_eq!(g.dat_set, "GEDeviceF650/LLN0$GOOSE1");
        assert_eq!(g.go_id.as_deref(), Some("F650_GOOSE1"));
        assert_eq!((g.st_num, g.sq_num, g.conf_rev), (1, 10, 1));
        assert!(!g.test && !g.nds_com);
        assert_eq!(g.num_dat_set_entries, 8);
    }

    /// No capture of the corpus holds Sampled Values: this message is laid out by
    /// IEC 61850-9-2 (APPID 0x4000, one ASDU: svID "MU01", smpCnt 16, confRev 1, smpSynch
    /// 2, eight bytes of samples).
    #[test]
    fn sampled_values_first_asdu() {
        let asdu = hex("80044d553031820200108304000000018501028708000000010000000a");
        let mut seq = vec![0x30, asdu.len() as u8];
        seq.extend_from_slice(&asdu);
        let mut pdu = vec![0x80, 0x01, 0x01, 0xa2, seq.len() as u8];
        pdu.extend_from_slice(&seq);
        let mut p = vec![
            0x40,
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            0x60,
            pdu.len() as u8,
        ];
        p.extend_from_slice(&pdu);
        let len = p.len() as u16;
        p[2..4].copy_from_slice(&len.to_be_bytes());
        let sv = parse_sampled_values(&p).unwrap();
        assert_eq!(sv.appid, 0x4000);
        assert_eq!(sv.asdu_count, 1);
        assert_eq!(sv.sv_id, "MU01");
        assert_eq!((sv.smp_cnt, sv.conf_rev), (16, 1));
        assert!(parse_goose(&p).is_err());
    }

    #[test]
    fn truncations_and_flips_never_panic() {
        let b = hex(F650);
        for cut in 0..b.len() {
            let _ = parse_goose(&b[..cut]);
            let _ = parse_sampled_values(&b[..cut]);
        }
        let mut f = b.clone();
        for i in 0..f.len() {
            f[i] ^= 0x80;
            let _ = parse_goose(&f);
            let _ = parse_sampled_values(&f);
            f[i] ^= 0x80;
        }
    }
}
