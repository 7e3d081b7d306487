//! DNS message encoder for the A-record lookups hosts on a plant network make.
//!
//! Names are written uncompressed in the question and referenced by a compression pointer
//! in the answer, as virtually every resolver does, so dissectors meet both forms.

use std::net::Ipv4Addr;

pub const DNS_PORT: u16 = 53;

pub const TYPE_A: u16 = 1;
pub const CLASS_IN: u16 = 1;

/// Standard query with recursion desired.
pub const FLAGS_QUERY: u16 = 0x0100;
/// Authoritative response, recursion desired and available, no error.
pub const FLAGS_RESPONSE: u16 = 0x8580;

/// Encodes a dotted name as length-prefixed labels. Panics on labels longer than 63 bytes.
pub fn encode_name(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 2);
    for label in name.trim_end_matches('.').split('.') {
        let len = u8::try_from(label.len())
            .ok()
            .filter(|&l| l <= 63)
            .expect("DNS label too long");
        out.push(len);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

fn header(id: u16, flags: u16, answers: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(12);
    for field in [id, flags, 1, answers, 0, 0] {
        out.extend_from_slice(&field.to_be_bytes());
    }
    out
}

fn question(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(&encode_name(name));
    out.extend_from_slice(&TYPE_A.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
}

pub fn query_a(id: u16, name: &str) -> Vec<u8> {
    let mut out = header(id, FLAGS_QUERY, 0);
    question(&mut out, name);
    out
}

pub fn response_a(id: u16, name: &str, addr: Ipv4Addr, ttl: u32) -> Vec<u8> {
    let mut out = header(id, FLAGS_RESPONSE, 1);
    question(&mut out, name);
    out.extend_from_slice(&[0xc0, 0x0c]); // pointer to the name in the question
    out.extend_from_slice(&TYPE_A.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    out.extend_from_slice(&ttl.to_be_bytes());
    out.extend_from_slice(&4u16.to_be_bytes());
    out.extend_from_slice(&addr.octets());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_layout() {
        let q = query_a(0xbeef, "ntp.plant.local");
        assert_eq!(&q[..12], &[0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x03ntp\x05plant\x05local\x00\x00\x01\x00\x01");
    }

    #[test]
    fn response_points_back_to_question() {
        let r = response_a(7, "ntp.plant.local.", Ipv4Addr::new(10, 20, 1, 1), 3600);
        let qlen = 12 + 17 + 4;
        assert_eq!(&r[2..8], &[0x85, 0x80, 0, 1, 0, 1]);
        assert_eq!(&r[qlen..qlen + 2], &[0xc0, 0x0c]);
        assert_eq!(&r[r.len() - 6..], &[0, 4, 10, 20, 1, 1]);
    }
}
