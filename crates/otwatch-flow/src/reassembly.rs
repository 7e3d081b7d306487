//! One direction of a TCP connection turned into an ordered byte stream.
//!
//! In-order segments are handed on without copying. Out-of-order segments are held, up to
//! a byte and a segment limit per direction; past a limit, or when the peer acknowledges
//! bytes the capture never showed, the stream skips ahead and reports a gap of known size.
//! Retransmitted bytes are dropped and counted; overlaps that disagree with what was
//! already delivered are counted too (a sign of evasion or a broken capture).

use serde::Serialize;

#[derive(Debug, Clone, Copy)]
pub struct ReassemblyLimits {
    /// Bytes held out of order per direction before the stream skips ahead.
    pub max_buffered_bytes: usize,
    /// Out-of-order segments held per direction.
    pub max_segments: usize,
}

impl Default for ReassemblyLimits {
    fn default() -> Self {
        Self {
            max_buffered_bytes: 256 * 1024,
            max_segments: 256,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReassemblyStats {
    pub delivered_bytes: u64,
    pub out_of_order_segments: u64,
    pub retransmitted_bytes: u64,
    pub overlap_conflicts: u64,
    pub gaps: u64,
    pub gap_bytes: u64,
    /// Bytes the peer acknowledged that the capture never showed (capture loss).
    pub acked_unseen_bytes: u64,
    /// Segments too far ahead of the stream to belong to it, ignored.
    pub out_of_window_segments: u64,
    /// Gaps forced by a full buffer rather than by acknowledged loss.
    pub buffer_overflows: u64,
}

impl ReassemblyStats {
    pub fn add(&mut self, o: &ReassemblyStats) {
        self.delivered_bytes += o.delivered_bytes;
        self.out_of_order_segments += o.out_of_order_segments;
        self.retransmitted_bytes += o.retransmitted_bytes;
        self.overlap_conflicts += o.overlap_conflicts;
        self.gaps += o.gaps;
        self.gap_bytes += o.gap_bytes;
        self.acked_unseen_bytes += o.acked_unseen_bytes;
        self.buffer_overflows += o.buffer_overflows;
        self.out_of_window_segments += o.out_of_window_segments;
    }
}

/// What the stream hands to the application layer.
#[derive(Debug, PartialEq, Eq)]
pub enum StreamChunk<'a> {
    Data(&'a [u8]),
    /// This many bytes are missing before the next data.
    Gap(u64),
}

/// What one segment did, for Zeek's history letters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SegmentOutcome {
    pub retransmission: bool,
    pub gap: bool,
}

/// The tail of the delivered stream, in a fixed buffer: no allocation per flow.
#[derive(Debug)]
struct Recent {
    buf: [u8; RECENT_KEPT],
    len: usize,
}

impl Default for Recent {
    fn default() -> Self {
        Self {
            buf: [0; RECENT_KEPT],
            len: 0,
        }
    }
}

impl Recent {
    fn push(&mut self, data: &[u8]) {
        if data.len() >= RECENT_KEPT {
            self.buf.copy_from_slice(&data[data.len() - RECENT_KEPT..]);
            self.len = RECENT_KEPT;
            return;
        }
        let keep = (RECENT_KEPT - data.len()).min(self.len);
        self.buf.copy_within(self.len - keep..self.len, 0);
        self.buf[keep..keep + data.len()].copy_from_slice(data);
        self.len = keep + data.len();
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[derive(Debug, Default)]
pub struct Reassembler {
    next: Option<u32>,
    pending: Vec<(u32, Vec<u8>)>,
    pending_bytes: usize,
    /// Last delivered bytes, kept short, to tell an honest retransmission from a conflict.
    recent: Recent,
    pub stats: ReassemblyStats,
}

/// `a < b` in sequence space.
fn seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

const RECENT_KEPT: usize = 64;
/// Largest distance ahead of the stream at which a segment is still held (far above any
/// real TCP window, which scaling caps at 1 GiB but OT links never approach).
const MAX_AHEAD: u32 = 16 * 1024 * 1024;

impl Reassembler {
    /// Takes one segment. `out` receives the stream in order.
    pub fn segment(
        &mut self,
        seq: u32,
        syn: bool,
        payload: &[u8],
        limits: &ReassemblyLimits,
        out: &mut impl FnMut(StreamChunk<'_>),
    ) -> SegmentOutcome {
        let data_seq = if syn { seq.wrapping_add(1) } else { seq };
        let next = *self.next.get_or_insert(data_seq);
        let mut outcome = SegmentOutcome::default();
        if payload.is_empty() {
            return outcome;
        }
        let end = data_seq.wrapping_add(payload.len() as u32);
        if data_seq == next {
            self.deliver(payload, out);
            self.drain(out);
        } else if seq_lt(data_seq, next) {
            if !seq_lt(next, end) {
                // Entirely old bytes.
                self.check_overlap(data_seq, payload, next);
                self.stats.retransmitted_bytes += payload.len() as u64;
                outcome.retransmission = true;
            } else {
                let already = next.wrapping_sub(data_seq) as usize;
                self.check_overlap(data_seq, &payload[..already], next);
                self.stats.retransmitted_bytes += already as u64;
                outcome.retransmission = true;
                self.deliver(&payload[already..], out);
                self.drain(out);
            }
        } else if data_seq.wrapping_sub(next) > MAX_AHEAD {
            // Far beyond anything a window allows: a stray or forged segment, not a hole
            // worth skipping the stream for.
            self.stats.out_of_window_segments += 1;
        } else {
            self.stats.out_of_order_segments += 1;
            if self
                .pending
                .iter()
                .any(|(s, d)| *s == data_seq && d.len() >= payload.len())
            {
                self.stats.retransmitted_bytes += payload.len() as u64;
                outcome.retransmission = true;
                return outcome;
            }
            self.pending.push((data_seq, payload.to_vec()));
            self.pending_bytes += payload.len();
            while self.pending_bytes > limits.max_buffered_bytes
                || self.pending.len() > limits.max_segments
            {
                self.stats.buffer_overflows += 1;
                if !self.skip_to_first_pending(out) {
                    break;
                }
                outcome.gap = true;
            }
        }
        outcome
    }

    /// The peer acknowledged up to `ack`: bytes before it that never arrived are lost.
    pub fn acknowledged(&mut self, ack: u32, out: &mut impl FnMut(StreamChunk<'_>)) -> bool {
        let Some(next) = self.next else { return false };
        // One byte of slack covers a FIN, which takes a sequence number but carries no data.
        if !seq_lt(next.wrapping_add(1), ack) {
            return false;
        }
        let first_pending = self
            .pending
            .iter()
            .map(|(s, _)| *s)
            .min_by(|a, b| a.wrapping_sub(next).cmp(&b.wrapping_sub(next)));
        match first_pending {
            Some(p) if seq_lt(p, ack) => {
                self.stats.acked_unseen_bytes += u64::from(p.wrapping_sub(next));
                self.skip_to_first_pending(out);
            }
            _ => {
                let missing = ack.wrapping_sub(next) as u64;
                // An ACK far ahead of anything seen is more likely garbage than loss.
                if missing > 64 * 1024 * 1024 {
                    return false;
                }
                self.stats.acked_unseen_bytes += missing;
                self.gap(missing, out);
                self.next = Some(ack);
            }
        }
        true
    }

    /// End of the flow: hand on whatever is held, with the gaps in between.
    pub fn flush(&mut self, out: &mut impl FnMut(StreamChunk<'_>)) {
        while self.skip_to_first_pending(out) {}
    }

    fn deliver(&mut self, data: &[u8], out: &mut impl FnMut(StreamChunk<'_>)) {
        if data.is_empty() {
            return;
        }
        out(StreamChunk::Data(data));
        self.stats.delivered_bytes += data.len() as u64;
        if let Some(n) = self.next.as_mut() {
            *n = n.wrapping_add(data.len() as u32);
        }
        self.recent.push(data);
    }

    fn gap(&mut self, bytes: u64, out: &mut impl FnMut(StreamChunk<'_>)) {
        self.stats.gaps += 1;
        self.stats.gap_bytes += bytes;
        self.recent.len = 0;
        out(StreamChunk::Gap(bytes));
    }

    /// Compares retransmitted bytes with the tail of what was delivered, where still known.
    fn check_overlap(&mut self, data_seq: u32, old: &[u8], next: u32) {
        let back = next.wrapping_sub(data_seq) as usize;
        let recent = self.recent.bytes();
        if back == 0 || back > recent.len() {
            return;
        }
        let known = &recent[recent.len() - back..];
        let n = known.len().min(old.len());
        if known[..n] != old[..n] {
            self.stats.overlap_conflicts += 1;
        }
    }

    /// Delivers held segments that have become contiguous.
    fn drain(&mut self, out: &mut impl FnMut(StreamChunk<'_>)) {
        if self.pending.is_empty() {
            return;
        }
        loop {
            let Some(next) = self.next else { return };
            let mut progressed = false;
            let mut i = 0;
            while i < self.pending.len() {
                let (s, _) = self.pending[i];
                let len = self.pending[i].1.len() as u32;
                let end = s.wrapping_add(len);
                if !seq_lt(next, s) {
                    let (s, data) = self.pending.swap_remove(i);
                    self.pending_bytes -= data.len();
                    if seq_lt(next, end) {
                        let skip = next.wrapping_sub(s) as usize;
                        self.stats.retransmitted_bytes += skip as u64;
                        self.deliver(&data[skip..], out);
                        progressed = true;
                    } else {
                        self.stats.retransmitted_bytes += data.len() as u64;
                    }
                    continue;
                }
                i += 1;
            }
            if !progressed {
                return;
            }
        }
    }

    /// Jumps over the hole before the earliest held segment. False when nothing is held.
    fn skip_to_first_pending(&mut self, out: &mut impl FnMut(StreamChunk<'_>)) -> bool {
        let Some(next) = self.next else { return false };
        let Some(first) = self
            .pending
            .iter()
            .map(|(s, _)| *s)
            .min_by_key(|s| s.wrapping_sub(next))
        else {
            return false;
        };
        let missing = first.wrapping_sub(next);
        if missing > 0 && !seq_lt(first, next) {
            self.gap(u64::from(missing), out);
            self.next = Some(first);
        }
        self.drain(out);
        true
    }

    /// Bytes currently held out of order.
    pub fn buffered(&self) -> usize {
        self.pending_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(r: &mut Reassembler, segs: &[(u32, &[u8])]) -> Vec<String> {
        let limits = ReassemblyLimits {
            max_buffered_bytes: 16,
            max_segments: 4,
        };
        let mut got = Vec::new();
        for (seq, data) in segs {
            r.segment(*seq, false, data, &limits, &mut |c| {
                got.push(match c {
                    StreamChunk::Data(d) => String::from_utf8_lossy(d).into_owned(),
                    StreamChunk::Gap(n) => format!("<gap {n}>"),
                })
            });
        }
        got
    }

    #[test]
    fn in_order_and_out_of_order_give_the_same_stream() {
        let mut r = Reassembler::default();
        let got = collect(&mut r, &[(1000, b"abc"), (1006, b"ghi"), (1003, b"def")]);
        assert_eq!(got.concat(), "abcdefghi");
        assert_eq!(r.stats.out_of_order_segments, 1);
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn retransmission_and_partial_overlap() {
        let mut r = Reassembler::default();
        let got = collect(&mut r, &[(1, b"abcd"), (1, b"abcd"), (3, b"cdEF")]);
        assert_eq!(got.concat(), "abcdEF");
        assert_eq!(r.stats.retransmitted_bytes, 6);
        assert_eq!(r.stats.overlap_conflicts, 0);
        let got = collect(&mut r, &[(5, b"XY")]);
        assert!(got.is_empty());
        assert_eq!(
            r.stats.overlap_conflicts, 1,
            "different bytes for the same sequence numbers"
        );
    }

    #[test]
    fn buffer_limit_forces_a_counted_gap() {
        let mut r = Reassembler::default();
        let got = collect(
            &mut r,
            &[(0, b"a"), (10, b"bbbbbbbbbb"), (20, b"cccccccccc")],
        );
        assert_eq!(got, vec!["a", "<gap 9>", "bbbbbbbbbb", "cccccccccc"]);
        assert_eq!(r.stats.gap_bytes, 9);
        assert_eq!(r.stats.buffer_overflows, 1);
    }

    #[test]
    fn ack_beyond_seen_data_is_a_gap() {
        let mut r = Reassembler::default();
        collect(&mut r, &[(100, b"abc")]);
        let mut got = Vec::new();
        assert!(r.acknowledged(203, &mut |c| got.push(format!("{c:?}"))));
        assert_eq!(got, vec!["Gap(100)"]);
        let got = collect(&mut r, &[(203, b"z")]);
        assert_eq!(got, vec!["z"]);
    }

    #[test]
    fn segment_far_ahead_is_ignored_not_a_gap() {
        let mut r = Reassembler::default();
        let got = collect(&mut r, &[(0, b"a"), (1_000_000_000, b"zz"), (1, b"b")]);
        assert_eq!(got.concat(), "ab");
        assert_eq!(r.stats.out_of_window_segments, 1);
        assert_eq!(r.stats.gap_bytes, 0);
    }

    #[test]
    fn sequence_wrap_is_handled() {
        let mut r = Reassembler::default();
        let got = collect(&mut r, &[(u32::MAX - 1, b"ab"), (1, b"d"), (0, b"c")]);
        assert_eq!(got.concat(), "abcd");
    }

    #[test]
    fn hostile_segments_stay_bounded() {
        let mut r = Reassembler::default();
        let limits = ReassemblyLimits {
            max_buffered_bytes: 1000,
            max_segments: 10,
        };
        let mut state = 7u64;
        for _ in 0..10_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let seq = (state >> 32) as u32;
            let len = ((state >> 8) % 300) as usize;
            r.segment(seq, false, &vec![0u8; len], &limits, &mut |_| {});
            assert!(r.buffered() <= 1000 + 300);
        }
    }
}
