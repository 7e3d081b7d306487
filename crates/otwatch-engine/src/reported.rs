//! What a flow has already reported, so that a command repeated on the flow (a poll that
//! writes the same value every cycle) becomes one event, not thousands.
//!
//! The memory is bounded: once `max` keys are held, new keys are still reported but no
//! longer remembered, so hostile traffic can cost events (which are capped themselves),
//! never memory.

/// The key a protocol remembers for a report: a hash of what makes two reports the same.
pub(crate) fn digest(value: impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

#[derive(Debug, Clone)]
pub(crate) struct Reported<T>(Vec<T>);

impl<T> Default for Reported<T> {
    fn default() -> Self {
        Reported(Vec::new())
    }
}

impl<T: PartialEq> Reported<T> {
    /// True the first time `key` is seen on the flow (and every time once `max` keys are
    /// held); false for a repeat.
    pub(crate) fn first(&mut self, key: T, max: usize) -> bool {
        if self.0.contains(&key) {
            return false;
        }
        if self.0.len() < max {
            self.0.push(key);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::Reported;

    #[test]
    fn repeats_are_reported_once_and_memory_stays_bounded() {
        let mut r = Reported::default();
        assert!(r.first(7u64, 2));
        assert!(!r.first(7, 2));
        assert!(r.first(8, 2));
        // Full: a new key is reported each time, and not kept.
        assert!(r.first(9, 2));
        assert!(r.first(9, 2));
        assert!(!r.first(8, 2));
        assert_eq!(r.0.len(), 2);
    }
}
