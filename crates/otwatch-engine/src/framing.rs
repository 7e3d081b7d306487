//! Cuts a reassembled TCP stream into the messages of a length-prefixed protocol (MBAP,
//! EtherNet/IP encapsulation, TPKT), per direction, across chunk boundaries.
//!
//! A partial message is held until the rest arrives, up to a bound; a longer one is passed
//! over without buffering. A gap in the stream, or bytes that do not frame, drop what is
//! held: reading on from a guessed boundary would misread everything after it.

/// How a protocol states a message's length.
pub trait MessageLength {
    /// Bytes needed before the length can be read.
    const HEADER: usize;
    /// Total length of the message starting at `header`, or `None` when it does not frame.
    fn total(header: &[u8]) -> Option<usize>;
}

#[derive(Debug, Default)]
pub struct Framer {
    carry: [Vec<u8>; 2],
    skip: [usize; 2],
}

impl Framer {
    pub fn gap(&mut self) {
        self.carry = Default::default();
        self.skip = [0, 0];
    }

    /// Direction `side` holds part of a message or is passing over one: the next chunk
    /// does not start at a message boundary.
    pub fn holding(&self, side: usize) -> bool {
        !self.carry[side].is_empty() || self.skip[side] > 0
    }

    /// Feeds a chunk of direction `side` (0 or 1); `on_message` gets each whole message.
    pub fn feed<L: MessageLength>(
        &mut self,
        side: usize,
        data: &[u8],
        max_carry: usize,
        mut on_message: impl FnMut(&[u8]),
    ) {
        let passed = self.skip[side].min(data.len());
        self.skip[side] -= passed;
        let data = &data[passed..];
        if data.is_empty() {
            return;
        }
        let carry = &mut self.carry[side];
        // The held bytes keep their allocation from chunk to chunk: no allocation per message.
        let cut = if carry.is_empty() {
            let cut = cut::<L>(data, max_carry, &mut on_message);
            carry.extend_from_slice(&data[cut.consumed..]);
            cut
        } else {
            carry.extend_from_slice(data);
            let cut = cut::<L>(carry, max_carry, &mut on_message);
            carry.drain(..cut.consumed);
            cut
        };
        if let Some(skip) = cut.skip {
            self.skip[side] = skip;
            carry.clear();
        }
    }
}

struct Cut {
    /// Bytes taken by whole messages (or given up as unframeable).
    consumed: usize,
    /// A message too long to hold: this many of its bytes are yet to come and be passed over.
    skip: Option<usize>,
}

fn cut<L: MessageLength>(buf: &[u8], max_carry: usize, on_message: &mut impl FnMut(&[u8])) -> Cut {
    let mut at = 0;
    while buf.len() - at >= L::HEADER {
        let rest = &buf[at..];
        let Some(total) = L::total(rest).filter(|t| *t >= L::HEADER) else {
            return Cut {
                consumed: buf.len(),
                skip: None,
            };
        };
        if rest.len() < total {
            let skip = (total > max_carry).then(|| total - rest.len());
            return Cut {
                consumed: if skip.is_some() { buf.len() } else { at },
                skip,
            };
        }
        on_message(&rest[..total]);
        at += total;
    }
    Cut {
        consumed: at,
        skip: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One length byte, then that many bytes.
    struct Tiny;
    impl MessageLength for Tiny {
        const HEADER: usize = 1;
        fn total(header: &[u8]) -> Option<usize> {
            (header[0] != 0xff).then(|| 1 + usize::from(header[0]))
        }
    }

    fn run(f: &mut Framer, side: usize, data: &[u8], max: usize) -> Vec<Vec<u8>> {
        let mut got = Vec::new();
        f.feed::<Tiny>(side, data, max, |m| got.push(m.to_vec()));
        got
    }

    #[test]
    fn messages_across_chunks_and_sides() {
        let mut f = Framer::default();
        assert_eq!(run(&mut f, 0, &[2, b'a'], 64), Vec::<Vec<u8>>::new());
        assert_eq!(run(&mut f, 1, &[1, b'z'], 64), vec![vec![1, b'z']]);
        assert_eq!(
            run(&mut f, 0, &[b'b', 1, b'c'], 64),
            vec![vec![2, b'a', b'b'], vec![1, b'c']]
        );
    }

    #[test]
    fn oversized_message_is_skipped_and_bad_framing_drops_what_is_held() {
        let mut f = Framer::default();
        assert!(run(&mut f, 0, &[10, 1, 2], 4).is_empty());
        assert!(
            run(&mut f, 0, &[3, 4, 5, 6, 7, 8, 9, 10], 4).is_empty(),
            "rest of the long message passed over"
        );
        assert_eq!(run(&mut f, 0, &[1, b'x'], 4), vec![vec![1, b'x']]);
        assert!(run(&mut f, 0, &[0xff, 1, b'y'], 4).is_empty());
    }
}
