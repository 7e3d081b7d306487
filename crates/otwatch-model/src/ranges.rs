//! The addresses a function touched on an edge — registers, coils, data blocks, object
//! indices — as a few inclusive ranges per address space, so that an engineer sees "writes
//! holding registers 100-119" without keeping every request.
//!
//! The set is bounded: beyond [`MAX_RANGES_PER_SPACE`] ranges in one space the two closest
//! neighbours are joined (the answer gets coarser, never wrong about what was touched), and
//! beyond [`MAX_SPACES`] spaces further spaces are counted as dropped.

use serde::{Deserialize, Serialize};

pub const MAX_RANGES_PER_SPACE: usize = 32;
pub const MAX_SPACES: usize = 16;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRanges {
    /// Per space (sorted by name), disjoint inclusive ranges in ascending order.
    pub spaces: Vec<SpaceRanges>,
    /// Accesses to spaces beyond the bound, not recorded.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceRanges {
    pub space: String,
    pub ranges: Vec<(u64, u64)>,
}

impl AddressRanges {
    pub fn is_empty(&self) -> bool {
        self.spaces.is_empty()
    }

    /// Records an access to `first..=last` in `space`; allocates only for a new space.
    pub fn add(&mut self, space: &str, first: u64, last: u64) {
        let (first, last) = (first.min(last), first.max(last));
        // A function touches one or two spaces nearly always: a scan that compares lengths
        // first beats the ordered search's string comparisons.
        if let Some(s) = self
            .spaces
            .iter_mut()
            .find(|s| s.space.len() == space.len() && s.space == space)
        {
            insert_range(&mut s.ranges, first, last);
            return;
        }
        let at = match self
            .spaces
            .binary_search_by(|s| s.space.as_str().cmp(space))
        {
            Ok(i) => i,
            Err(i) => {
                if self.spaces.len() >= MAX_SPACES {
                    self.dropped += 1;
                    return;
                }
                self.spaces.insert(
                    i,
                    SpaceRanges {
                        space: space.to_string(),
                        ranges: Vec::new(),
                    },
                );
                i
            }
        };
        insert_range(&mut self.spaces[at].ranges, first, last);
    }

    pub fn merge(&mut self, other: &AddressRanges) {
        for s in &other.spaces {
            for &(first, last) in &s.ranges {
                self.add(&s.space, first, last);
            }
        }
        self.dropped += other.dropped;
    }

    /// `holding_register 0-9,20; coil 1-8`: the form stored in the database and shown.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.spaces.iter().enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            out.push_str(&s.space);
            out.push(' ');
            for (j, (a, b)) in s.ranges.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                if a == b {
                    out.push_str(&a.to_string());
                } else {
                    out.push_str(&format!("{a}-{b}"));
                }
            }
        }
        out
    }

    /// Reads [`to_text`](Self::to_text)'s form back; parts that do not parse are skipped.
    pub fn parse(text: &str) -> AddressRanges {
        let mut out = AddressRanges::default();
        for part in text.split("; ").filter(|p| !p.is_empty()) {
            let Some((space, list)) = part.rsplit_once(' ') else {
                continue;
            };
            for r in list.split(',') {
                let parsed = match r.split_once('-') {
                    Some((a, b)) => a.parse().ok().zip(b.parse().ok()),
                    None => r.parse().ok().map(|a| (a, a)),
                };
                if let Some((a, b)) = parsed {
                    out.add(space, a, b);
                }
            }
        }
        out
    }
}

/// Inserts and coalesces (touching ranges join); over the bound, joins the closest pair.
fn insert_range(ranges: &mut Vec<(u64, u64)>, first: u64, last: u64) {
    // Fast path: polling the same block again and again.
    if ranges.iter().any(|&(a, b)| a <= first && last <= b) {
        return;
    }
    let at = ranges.partition_point(|&(a, _)| a < first);
    ranges.insert(at, (first, last));
    // Join with neighbours that overlap or touch.
    let mut i = at.saturating_sub(1);
    while i + 1 < ranges.len() {
        let (a, b) = ranges[i];
        let (c, d) = ranges[i + 1];
        if c <= b.saturating_add(1) {
            ranges[i] = (a, b.max(d));
            ranges.remove(i + 1);
        } else if i > at {
            break;
        } else {
            i += 1;
        }
    }
    while ranges.len() > MAX_RANGES_PER_SPACE {
        let closest = (0..ranges.len() - 1)
            .min_by_key(|&i| ranges[i + 1].0 - ranges[i].1)
            .expect("more than one range");
        ranges[closest].1 = ranges[closest + 1].1;
        ranges.remove(closest + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_coalesce_and_read_back() {
        let mut r = AddressRanges::default();
        r.add("holding_register", 10, 19);
        r.add("holding_register", 0, 9);
        r.add("holding_register", 30, 30);
        r.add("coil", 5, 1);
        r.add("holding_register", 12, 14);
        assert_eq!(r.to_text(), "coil 1-5; holding_register 0-19,30");
        assert_eq!(AddressRanges::parse(&r.to_text()), r);
        r.add("holding_register", 20, 29);
        assert_eq!(r.to_text(), "coil 1-5; holding_register 0-30");
    }

    #[test]
    fn bounded_by_joining_the_closest_neighbours() {
        let mut r = AddressRanges::default();
        for i in 0..100u64 {
            r.add("DB1", i * 10, i * 10 + 1);
        }
        let ranges = &r.spaces[0].ranges;
        assert_eq!(ranges.len(), MAX_RANGES_PER_SPACE);
        assert_eq!(ranges.first().unwrap().0, 0);
        assert_eq!(ranges.last().unwrap().1, 991);
        for i in 0..40 {
            r.add(&format!("space{i:02}"), 1, 1);
        }
        assert_eq!(r.spaces.len(), MAX_SPACES);
        assert_eq!(r.dropped, 40 - (MAX_SPACES as u64 - 1));
    }

    #[test]
    fn merge_is_order_independent() {
        let mut a = AddressRanges::default();
        a.add("x", 1, 2);
        let mut b = AddressRanges::default();
        b.add("x", 3, 9);
        b.add("y", 0, 0);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.to_text(), "x 1-9; y 0");
    }
}
