//! Reading ASN.1 BER/DER tag-length-value elements, as SNMP messages and X.509 certificates
//! encode them.
//!
//! Only what those two need: one-byte tags (the high-tag-number form is refused), definite
//! lengths of at most four bytes, and decoders for INTEGER, OBJECT IDENTIFIER and the time
//! types. Every read checks the length against the bytes present, so a lying length is an
//! error, never an out-of-bounds read.

use crate::Malformed;

/// One element: its tag byte and its contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
}

pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const UTF8_STRING: u8 = 0x0c;
pub const PRINTABLE_STRING: u8 = 0x13;
pub const T61_STRING: u8 = 0x14;
pub const IA5_STRING: u8 = 0x16;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const BMP_STRING: u8 = 0x1e;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;

/// At most this many arcs of an OID are decoded; real OIDs have a few dozen at most.
const MAX_OID_ARCS: usize = 64;

/// Reads one element from the start of `b`; returns it and the bytes after it.
pub fn read(b: &[u8]) -> Result<(Tlv<'_>, &[u8]), Malformed> {
    let (&tag, rest) = b
        .split_first()
        .ok_or(Malformed::new("ber_truncated_tag", 0))?;
    if tag & 0x1f == 0x1f {
        return Err(Malformed::new("ber_long_tag", 0));
    }
    let (&first, rest) = rest
        .split_first()
        .ok_or(Malformed::new("ber_truncated_length", 1))?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 {
            return Err(Malformed::new("ber_indefinite_length", 1));
        }
        if n > 4 {
            return Err(Malformed::new("ber_length_too_long", 1));
        }
        let bytes = rest
            .get(..n)
            .ok_or(Malformed::new("ber_truncated_length", 2))?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
        (len, &rest[n..])
    };
    let header = b.len() - rest.len();
    let value = rest
        .get(..len)
        .ok_or(Malformed::new("ber_truncated_value", header))?;
    Ok((Tlv { tag, value }, &rest[len..]))
}

/// Reads one element and insists on its tag.
pub fn expect(b: &[u8], tag: u8) -> Result<(&[u8], &[u8]), Malformed> {
    let (tlv, rest) = read(b)?;
    if tlv.tag != tag {
        return Err(Malformed::new("ber_unexpected_tag", 0));
    }
    Ok((tlv.value, rest))
}

/// A signed INTEGER of at most eight bytes.
pub fn integer(v: &[u8]) -> Option<i64> {
    if v.is_empty() || v.len() > 8 {
        return None;
    }
    let negative = v[0] & 0x80 != 0;
    let start: i64 = if negative { -1 } else { 0 };
    Some(v.iter().fold(start, |acc, &x| (acc << 8) | i64::from(x)))
}

/// An unsigned value (SNMP counters, gauges, time ticks) of at most eight significant bytes;
/// a leading zero byte that only keeps the sign positive is allowed.
pub fn unsigned(v: &[u8]) -> Option<u64> {
    let v = match v {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => v,
    };
    if v.is_empty() || v.len() > 8 {
        return None;
    }
    Some(v.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
}

/// An OBJECT IDENTIFIER in dotted form ("1.3.6.1.2.1.1.1.0").
pub fn oid(v: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    let mut in_arc = false;
    for &b in v {
        if acc > (u64::MAX >> 7) {
            return None;
        }
        acc = (acc << 7) | u64::from(b & 0x7f);
        in_arc = true;
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            if arcs.len() > MAX_OID_ARCS {
                return None;
            }
            acc = 0;
            in_arc = false;
        }
    }
    if in_arc || arcs.is_empty() {
        return None;
    }
    Some(
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// UTCTime or GeneralizedTime ("YYMMDDHHMMSSZ", "YYYYMMDDHHMMSSZ") as RFC 3339 text and
/// seconds since 1970. UTCTime years below 50 are 20xx, as RFC 5280 says.
pub fn time(tag: u8, v: &[u8]) -> Option<(String, i64)> {
    let digits = |s: &[u8]| -> Option<i64> {
        s.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (year, rest) = match tag {
        UTC_TIME => {
            let yy = digits(v.get(..2)?)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, v.get(2..)?)
        }
        GENERALIZED_TIME => (digits(v.get(..4)?)?, v.get(4..)?),
        _ => return None,
    };
    let month = digits(rest.get(..2)?)?;
    let day = digits(rest.get(2..4)?)?;
    let hour = digits(rest.get(4..6)?)?;
    let minute = digits(rest.get(6..8)?)?;
    let second = rest.get(8..10).and_then(digits).unwrap_or(0);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    let text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z");
    Some((text, secs))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_short_long_and_lying() {
        let (t, rest) = read(&[0x04, 0x02, b'h', b'i', 0xff]).unwrap();
        assert_eq!((t.tag, t.value, rest), (0x04, &b"hi"[..], &[0xff][..]));
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend(std::iter::repeat_n(b'a', 0x80));
        assert_eq!(read(&long).unwrap().0.value.len(), 0x80);
        assert_eq!(
            read(&[0x04, 0x05, 1]).unwrap_err().reason,
            "ber_truncated_value"
        );
        assert_eq!(
            read(&[0x30, 0x80]).unwrap_err().reason,
            "ber_indefinite_length"
        );
        assert_eq!(read(&[0x1f, 0x01, 0]).unwrap_err().reason, "ber_long_tag");
        assert!(read(&[0x04, 0x85, 1, 1, 1, 1, 1]).is_err());
    }

    #[test]
    fn numbers_and_oids() {
        assert_eq!(integer(&[0x00, 0xff]), Some(255));
        assert_eq!(integer(&[0xff]), Some(-1));
        assert_eq!(integer(&[]), None);
        assert_eq!(unsigned(&[0x00, 0xff, 0xff, 0xff, 0xff]), Some(0xffff_ffff));
        // sysDescr.0
        assert_eq!(
            oid(&[0x2b, 6, 1, 2, 1, 1, 1, 0]).as_deref(),
            Some("1.3.6.1.2.1.1.1.0")
        );
        // An arc above 127 (enterprise 4329, Siemens) and one cut short.
        assert_eq!(
            oid(&[0x2b, 6, 1, 4, 1, 0xa1, 0x69]).as_deref(),
            Some("1.3.6.1.4.1.4329")
        );
        assert_eq!(oid(&[0x2b, 6, 0x81]), None);
        assert_eq!(oid(&[0xff; 12]), None);
    }

    #[test]
    fn times() {
        assert_eq!(
            time(UTC_TIME, b"261128005206Z"),
            Some(("2026-11-28T00:52:06Z".into(), 1_795_827_126))
        );
        assert_eq!(
            time(GENERALIZED_TIME, b"19700101000000Z"),
            Some(("1970-01-01T00:00:00Z".into(), 0))
        );
        assert_eq!(time(UTC_TIME, b"2613"), None);
        assert_eq!(time(UTC_TIME, b"261399005206Z"), None);
    }
}
