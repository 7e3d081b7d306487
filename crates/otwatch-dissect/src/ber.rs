//! The BER (ASN.1 basic encoding rules) elements IEC 61850's protocols are made of:
//! GOOSE and Sampled Values PDUs, and the ISO presentation, ACSE and MMS layers. Only
//! what walking those needs: tags with high numbers, definite lengths of up to four bytes
//! and indefinite lengths (taken to run to the end of the enclosing bytes).

use crate::Malformed;

/// One element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// Class and constructed bits of the first identifier byte (`0x80 | 0x20` for a
    /// constructed context-specific tag).
    pub form: u8,
    pub number: u32,
    pub content: &'a [u8],
    /// Where the element after this one starts.
    pub next: usize,
}

pub const CONTEXT: u8 = 0x80;
pub const CONTEXT_CONSTRUCTED: u8 = 0xa0;
pub const APPLICATION: u8 = 0x40;
pub const APPLICATION_CONSTRUCTED: u8 = 0x60;
pub const UNIVERSAL: u8 = 0x00;
pub const UNIVERSAL_CONSTRUCTED: u8 = 0x20;

/// Reads the element that starts at `at`.
pub fn tlv(b: &[u8], at: usize) -> Result<Tlv<'_>, Malformed> {
    let first = *b.get(at).ok_or(Malformed::new("ber_truncated", at))?;
    let mut i = at + 1;
    let mut number = u32::from(first & 0x1f);
    if number == 0x1f {
        number = 0;
        loop {
            let x = *b.get(i).ok_or(Malformed::new("ber_truncated", i))?;
            i += 1;
            if number > 0x00ff_ffff {
                return Err(Malformed::new("ber_tag_too_long", at));
            }
            number = number << 7 | u32::from(x & 0x7f);
            if x & 0x80 == 0 {
                break;
            }
        }
    }
    let l = *b.get(i).ok_or(Malformed::new("ber_truncated", i))?;
    i += 1;
    let (start, end) = if l < 0x80 {
        (i, i.saturating_add(usize::from(l)))
    } else if l == 0x80 {
        (i, b.len())
    } else {
        let n = usize::from(l & 0x7f);
        if n > 4 {
            return Err(Malformed::new("ber_length_too_long", i - 1));
        }
        let bytes = b.get(i..i + n).ok_or(Malformed::new("ber_truncated", i))?;
        let len = bytes.iter().fold(0usize, |v, &x| v << 8 | usize::from(x));
        (i + n, (i + n).saturating_add(len))
    };
    let content = b
        .get(start..end)
        .ok_or(Malformed::new("ber_truncated", start))?;
    Ok(Tlv {
        form: first & 0xe0,
        number,
        content,
        next: end,
    })
}

/// The elements of `b`, one after the other, until the bytes end or one does not decode.
pub fn elements(b: &[u8]) -> impl Iterator<Item = Tlv<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= b.len() {
            return None;
        }
        let t = tlv(b, at).ok()?;
        at = t.next;
        Some(t)
    })
}

/// The content of the first element of `b` with this form and number.
pub fn child(b: &[u8], form: u8, number: u32) -> Option<&[u8]> {
    elements(b)
        .find(|t| t.form == form && t.number == number)
        .map(|t| t.content)
}

/// An unsigned integer of at most four significant bytes (a leading zero allowed).
pub fn unsigned(c: &[u8]) -> u32 {
    c.iter()
        .skip_while(|&&b| b == 0)
        .take(4)
        .fold(0u32, |v, &x| v << 8 | u32::from(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_tag_numbers_and_long_lengths() {
        // [72] constructed (MMS fileOpen), length 0x81 0x02.
        let b = [0xbf, 0x48, 0x81, 0x02, 0x19, 0x00];
        let t = tlv(&b, 0).unwrap();
        assert_eq!(
            (t.form, t.number, t.content.len(), t.next),
            (0xa0, 72, 2, 6)
        );
        assert!(tlv(&b[..5], 0).is_err());
        let endless = [0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00];
        assert!(tlv(&endless, 0).is_err());
    }
}
