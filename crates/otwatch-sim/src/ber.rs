//! BER/DER encoding of a type-length-value with a definite length, shared by the encoders
//! of ASN.1 protocols (MMS, SNMP, the SPNEGO tokens of SMB).

/// Definite length: the short form below 128, otherwise the long form with as few octets
/// as the length needs (DER's rule, which BER readers accept too).
pub fn length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes: Vec<u8> = len
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    let mut out = vec![0x80 | bytes.len() as u8];
    out.extend(bytes);
    out
}

/// The identifier octets in `tag`, the length of `contents`, and `contents`.
pub fn tlv(tag: &[u8], contents: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.extend(length(contents.len()));
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_switch_to_the_long_form_at_128() {
        assert_eq!(length(127), vec![0x7f]);
        assert_eq!(length(128), vec![0x81, 0x80]);
        assert_eq!(length(300), vec![0x82, 0x01, 0x2c]);
        assert_eq!(length(70_000), vec![0x83, 0x01, 0x11, 0x70]);
        assert_eq!(tlv(&[0x04], b"ab"), vec![0x04, 0x02, b'a', b'b']);
    }
}
