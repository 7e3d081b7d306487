//! Removes frames that a mirror port delivered twice.
//!
//! A SPAN port that copies both directions of a switch port, or two overlapping SPAN
//! sessions, delivers the same frame twice within microseconds. A frame whose bytes equal
//! one seen less than `window` earlier is dropped and counted. Real retransmissions differ
//! (sequence numbers, IP id) or come hundreds of milliseconds later, so they are kept.

use ahash::{AHashMap, RandomState};
use otwatch_model::Micros;
use std::collections::VecDeque;

/// Entries kept at most; beyond it the oldest are forgotten early (never a memory leak).
const MAX_TRACKED: usize = 65_536;

pub struct Deduplicator {
    window: Micros,
    /// Keyed per run, so that crafted frames cannot collide with another frame's hash.
    hasher: RandomState,
    recent: AHashMap<u64, Micros>,
    order: VecDeque<(Micros, u64)>,
}

impl Deduplicator {
    pub fn new(window: Micros) -> Self {
        Self {
            window,
            hasher: RandomState::new(),
            recent: AHashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// True when the frame duplicates one seen within the window.
    pub fn is_duplicate(&mut self, ts: Micros, frame: &[u8]) -> bool {
        if self.window <= 0 {
            return false;
        }
        while let Some(&(old_ts, h)) = self.order.front() {
            if ts - old_ts > self.window || self.order.len() >= MAX_TRACKED {
                self.order.pop_front();
                if self.recent.get(&h) == Some(&old_ts) {
                    self.recent.remove(&h);
                }
            } else {
                break;
            }
        }
        let h = self.hasher.hash_one(frame);
        if let Some(&seen) = self.recent.get(&h) {
            if ts - seen <= self.window && ts >= seen {
                return true;
            }
        }
        self.recent.insert(h, ts);
        self.order.push_back((ts, h));
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_frame_twice_within_window_is_dropped_once() {
        let mut d = Deduplicator::new(1000);
        assert!(!d.is_duplicate(0, b"frame-a"));
        assert!(d.is_duplicate(10, b"frame-a"));
        assert!(!d.is_duplicate(20, b"frame-b"));
        // Far later, the same bytes are a new frame (e.g. a repeated broadcast).
        assert!(!d.is_duplicate(500_000, b"frame-a"));
    }

    #[test]
    fn disabled_window_keeps_everything() {
        let mut d = Deduplicator::new(0);
        assert!(!d.is_duplicate(0, b"x"));
        assert!(!d.is_duplicate(0, b"x"));
    }
}
