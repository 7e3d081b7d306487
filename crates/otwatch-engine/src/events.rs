//! The notable protocol events an analysis keeps: at most a fixed number per kind, and
//! always the earliest ones.
//!
//! A flood of one kind (a DNP3 master operating outputs all day) must neither fill memory
//! nor crowd out a rare kind that comes later (a PLC stop). And what is kept must not depend
//! on how packets were shared among workers: each worker keeps the earliest events of each
//! kind it saw, and the merge keeps the earliest of those. The earliest of all are always
//! among them, so the result is the same with any number of workers.

use ahash::AHashMap;
use otwatch_model::ProtocolEvent;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

/// The order in which events are kept and listed: time, then where they were seen, then
/// their content, so that no two different events tie.
pub fn event_order(a: &ProtocolEvent, b: &ProtocolEvent) -> Ordering {
    (
        a.ts,
        &a.capture,
        a.frame,
        &a.kind,
        &a.protocol,
        &a.detail,
        a.src,
        a.dst,
    )
        .cmp(&(
            b.ts,
            &b.capture,
            b.frame,
            &b.kind,
            &b.protocol,
            &b.detail,
            b.src,
            b.dst,
        ))
}

struct Ranked(ProtocolEvent);

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        event_order(&self.0, &other.0) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        event_order(&self.0, &other.0)
    }
}

#[derive(Default)]
struct KindEvents {
    /// The earliest events of the kind so far; the latest of them on top, to be replaced.
    kept: BinaryHeap<Ranked>,
    seen: u64,
}

/// One worker's events, the earliest `per_kind` of each kind.
pub struct EventStore {
    per_kind: usize,
    kinds: AHashMap<String, KindEvents>,
}

impl EventStore {
    pub fn new(per_kind: usize) -> Self {
        Self {
            per_kind,
            kinds: AHashMap::new(),
        }
    }

    /// Whether an event of `kind` seen at this time and frame could still be kept. When the
    /// kind holds its fill of earlier events, it cannot: it is counted as seen here, before
    /// any time is spent describing it. (The kept events only ever get earlier, so a `false`
    /// stays right while events wait to be absorbed.)
    pub fn would_keep(&mut self, kind: &str, ts: i64, capture: &str, frame: u64) -> bool {
        let Some(k) = self.kinds.get_mut(kind) else {
            return true;
        };
        if k.kept.len() < self.per_kind {
            return true;
        }
        // Full; with a limit of 0 nothing is kept, so every event is later than all kept.
        let later = k.kept.peek().is_none_or(|latest| {
            (ts, capture, frame) > (latest.0.ts, latest.0.capture.as_str(), latest.0.frame)
        });
        if later {
            k.seen += 1;
        }
        !later
    }

    /// Takes the events a dissector recorded.
    pub fn absorb(&mut self, events: &mut Vec<ProtocolEvent>) {
        for e in events.drain(..) {
            self.add(e);
        }
    }

    fn add(&mut self, e: ProtocolEvent) {
        let kind = match self.kinds.get_mut(e.kind.as_str()) {
            Some(k) => k,
            None => self.kinds.entry(e.kind.clone()).or_default(),
        };
        kind.seen += 1;
        if kind.kept.len() < self.per_kind {
            kind.kept.push(Ranked(e));
            return;
        }
        let mut latest = match kind.kept.peek_mut() {
            Some(top) => top,
            None => return, // per_kind is 0: nothing is kept
        };
        if event_order(&e, &latest.0) == Ordering::Less {
            *latest = Ranked(e);
        }
    }

    /// The kept events, unordered, and how many of each kind were seen.
    pub fn into_parts(self) -> (Vec<ProtocolEvent>, BTreeMap<String, u64>) {
        let mut events = Vec::new();
        let mut seen = BTreeMap::new();
        for (kind, k) in self.kinds {
            events.extend(k.kept.into_vec().into_iter().map(|r| r.0));
            seen.insert(kind, k.seen);
        }
        (events, seen)
    }
}

/// Merges the workers' events: in [`event_order`], the earliest `per_kind` of each kind.
/// Returns them with the number of events not kept, per kind.
pub fn merge_events(
    mut events: Vec<ProtocolEvent>,
    seen: &BTreeMap<String, u64>,
    per_kind: usize,
) -> (Vec<ProtocolEvent>, BTreeMap<String, u64>) {
    events.sort_unstable_by(event_order);
    let mut kept_of: AHashMap<String, usize> = AHashMap::new();
    events.retain(|e| {
        let n = match kept_of.get_mut(e.kind.as_str()) {
            Some(n) => n,
            None => kept_of.entry(e.kind.clone()).or_default(),
        };
        *n += 1;
        *n <= per_kind
    });
    let not_kept = seen
        .iter()
        .filter_map(|(kind, &n)| {
            let kept = kept_of.get(kind.as_str()).map_or(0, |&k| k.min(per_kind)) as u64;
            (n > kept).then(|| (kind.clone(), n - kept))
        })
        .collect();
    (events, not_kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, ts: i64, frame: u64) -> ProtocolEvent {
        ProtocolEvent {
            ts,
            flow_uid: None,
            protocol: "p".into(),
            kind: kind.into(),
            src: None,
            dst: None,
            detail: String::new(),
            capture: "c".into(),
            frame,
        }
    }

    /// However the events are shared among workers, and in whatever order each worker
    /// meets them, the merge keeps the same: the earliest of each kind.
    /// Asking first changes nothing in what is kept or counted, whatever the limit (0 keeps
    /// nothing and still counts every event).
    #[test]
    fn an_event_turned_away_early_counts_as_if_offered() {
        for limit in [0, 2] {
            let mut asked = EventStore::new(limit);
            let mut offered = EventStore::new(limit);
            for i in 0..5u64 {
                let e = event("k", i as i64, i);
                if asked.would_keep("k", e.ts, &e.capture, e.frame) {
                    asked.absorb(&mut vec![e.clone()]);
                }
                offered.absorb(&mut vec![e]);
            }
            let (mut a, seen_a) = asked.into_parts();
            let (mut b, seen_b) = offered.into_parts();
            a.sort_by(event_order);
            b.sort_by(event_order);
            assert_eq!(a, b, "limit {limit}");
            assert_eq!(a.len(), limit);
            assert_eq!(seen_a, seen_b, "limit {limit}");
            assert_eq!(seen_a["k"], 5, "limit {limit}");
        }
    }

    #[test]
    fn the_earliest_of_each_kind_are_kept_whatever_the_split() {
        let all: Vec<ProtocolEvent> = (0..300)
            .map(|i| {
                event(
                    if i % 3 == 0 { "rare" } else { "flood" },
                    (i * 7919 % 300) as i64,
                    i,
                )
            })
            .collect();
        let run = |workers: usize| {
            let mut stores: Vec<EventStore> = (0..workers).map(|_| EventStore::new(20)).collect();
            for (i, e) in all.iter().enumerate() {
                let mut one = vec![e.clone()];
                stores[i % workers].absorb(&mut one);
            }
            let mut events = Vec::new();
            let mut seen: BTreeMap<String, u64> = BTreeMap::new();
            for s in stores {
                let (e, n) = s.into_parts();
                events.extend(e);
                for (k, v) in n {
                    *seen.entry(k).or_default() += v;
                }
            }
            merge_events(events, &seen, 20)
        };
        let (one, dropped_one) = run(1);
        for workers in [2, 3, 7] {
            let (many, dropped_many) = run(workers);
            assert_eq!(one, many, "{workers} workers");
            assert_eq!(dropped_one, dropped_many);
        }
        assert_eq!(one.len(), 40);
        assert_eq!(dropped_one["flood"], 200 - 20);
        assert_eq!(dropped_one["rare"], 100 - 20);
        let mut expected: Vec<_> = all.iter().filter(|e| e.kind == "rare").cloned().collect();
        expected.sort_by(event_order);
        expected.truncate(20);
        let kept_rare: Vec<_> = one.into_iter().filter(|e| e.kind == "rare").collect();
        assert_eq!(kept_rare, expected);
    }
}
