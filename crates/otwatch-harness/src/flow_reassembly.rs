//! Input: a sequence of steps, each an op byte and a little-endian u32, then for segments
//! a length byte and that many payload bytes (cut short at the end of the input).
//! Op modulo 8: 0-4 a segment at that sequence number (bit 7 set: with SYN), 5-6 an
//! acknowledgement up to it, 7 the end of the flow.

use otwatch_flow::{Reassembler, ReassemblyLimits, StreamChunk};

const LIMITS: ReassemblyLimits = ReassemblyLimits {
    max_buffered_bytes: 4096,
    max_segments: 16,
};
// One segment may push the buffer past the limit before the reassembler skips ahead.
const MAX_BUFFERED: usize = 4096 + u8::MAX as usize;

/// What the application layer was handed, to check against the reassembler's own counts.
#[derive(Default)]
struct Received {
    data: u64,
    gap: u64,
}

impl Received {
    fn take(&mut self, chunk: StreamChunk<'_>) {
        match chunk {
            StreamChunk::Data(d) => {
                assert!(!d.is_empty(), "empty data chunk");
                self.data += d.len() as u64;
            }
            StreamChunk::Gap(n) => self.gap += n,
        }
    }
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut stream = Reassembler::default();
    let mut got = Received::default();
    let mut rest = data;
    while let [op, a, b, c, d, tail @ ..] = rest {
        let value = u32::from_le_bytes([*a, *b, *c, *d]);
        rest = tail;
        match op % 8 {
            0..=4 => {
                let Some((&len, tail)) = rest.split_first() else {
                    break;
                };
                let (payload, tail) = tail.split_at(usize::from(len).min(tail.len()));
                rest = tail;
                let syn = op & 0x80 != 0;
                stream.segment(value, syn, payload, &LIMITS, &mut |c| got.take(c));
            }
            5 | 6 => {
                stream.acknowledged(value, &mut |c| got.take(c));
            }
            _ => {
                stream.flush(&mut |c| got.take(c));
                assert_eq!(stream.buffered(), 0, "bytes still held after flush");
            }
        }
        assert!(
            stream.buffered() <= MAX_BUFFERED,
            "{} bytes held out of order",
            stream.buffered()
        );
        assert_eq!(got.data, stream.stats.delivered_bytes, "delivered bytes");
        assert_eq!(got.gap, stream.stats.gap_bytes, "gap bytes");
    }
}
