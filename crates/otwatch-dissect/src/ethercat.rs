//! EtherCAT frames (EtherType 0x88a4): the datagrams a master sends through its ring of
//! slaves, each with a command (read, write, read-write, by position, node address,
//! broadcast or logical address). A passive monitor counts the command types: a change in
//! the mix (writes where there were only cyclic logical reads and writes) is what matters.
//!
//! The frame header is two little-endian bytes: an 11-bit length and a 4-bit type (1 for
//! EtherCAT datagrams). Each datagram is a command, an index, a 4-byte address, a length
//! word (11-bit length, a "more datagrams follow" bit at the top), an interrupt word, the
//! data and a 2-byte working counter.

/// Datagrams read from one frame at most (a maximal Ethernet frame holds fewer).
const MAX_DATAGRAMS: usize = 128;
const DATAGRAM_HEADER: usize = 10;

pub fn command_name(command: u8) -> Option<&'static str> {
    Some(match command {
        0 => "NOP",
        1 => "APRD",
        2 => "APWR",
        3 => "APRW",
        4 => "FPRD",
        5 => "FPWR",
        6 => "FPRW",
        7 => "BRD",
        8 => "BWR",
        9 => "BRW",
        10 => "LRD",
        11 => "LWR",
        12 => "LRW",
        13 => "ARMW",
        14 => "FRMW",
        _ => return None,
    })
}

/// The commands of the datagrams of one EtherCAT frame (the EtherType's payload), in
/// order; empty when the frame is not of the datagram type. Stops at the first datagram
/// that does not fit.
pub fn commands(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let Some(header) = payload.get(..2) else {
        return out;
    };
    let word = u16::from_le_bytes([header[0], header[1]]);
    if word >> 12 != 1 {
        return out;
    }
    let frame_len = usize::from(word & 0x07ff);
    let body = payload.get(2..).unwrap_or_default();
    let mut rest = body.get(..frame_len.min(body.len())).unwrap_or_default();
    while out.len() < MAX_DATAGRAMS {
        let Some(h) = rest.get(..DATAGRAM_HEADER) else {
            break;
        };
        let len_word = u16::from_le_bytes([h[6], h[7]]);
        let data_len = usize::from(len_word & 0x07ff);
        let Some(after) = rest.get(DATAGRAM_HEADER + data_len + 2..) else {
            break;
        };
        out.push(h[0]);
        if len_word & 0x8000 == 0 {
            break;
        }
        rest = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // A frame of two datagrams, laid out as ETG.1000.4 describes: an LRW of 4 bytes
    // (more follows) and an FPRD of 2 bytes.
    #[test]
    fn two_datagrams() {
        let mut f = vec![0x1e, 0x10];
        f.extend([12, 0x01, 0, 0, 0, 0, 0x04, 0x80, 0, 0, 1, 2, 3, 4, 0, 0]);
        f.extend([
            4, 0x02, 0x00, 0x10, 0x30, 0x01, 0x02, 0x00, 0, 0, 9, 9, 1, 0,
        ]);
        assert_eq!(commands(&f), vec![12, 4]);
        assert_eq!(command_name(12), Some("LRW"));
    }

    #[test]
    fn other_types_and_truncation() {
        assert!(commands(&[0x1e, 0x40]).is_empty());
        assert!(commands(&[0x1e]).is_empty());
        assert_eq!(
            commands(&[0xff, 0x17, 12, 0, 0, 0, 0, 0, 0xff, 0x87]),
            Vec::<u8>::new()
        );
    }
}
