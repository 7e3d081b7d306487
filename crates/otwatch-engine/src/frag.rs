//! IPv4 and IPv6 fragment reassembly with bounded memory.

use ahash::AHashMap;
use otwatch_model::Micros;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FragKey {
    src: IpAddr,
    dst: IpAddr,
    protocol: u8,
    ident: u32,
}

struct Datagram {
    first_ts: Micros,
    pieces: Vec<(u32, Vec<u8>)>,
    bytes: usize,
    total: Option<u32>,
}

/// What happened to a fragment.
pub enum FragOutcome {
    /// The datagram is complete: its reassembled payload.
    Complete(Vec<u8>),
    Pending,
    /// Dropped: the reason label is counted.
    Dropped(&'static str),
}

pub struct FragmentTable {
    open: AHashMap<FragKey, Datagram>,
    pub timed_out: u64,
}

const MAX_OPEN: usize = 4096;
const MAX_DATAGRAM: usize = 65_535;
const TIMEOUT: Micros = 30_000_000;

impl FragmentTable {
    pub fn new() -> Self {
        Self {
            open: AHashMap::new(),
            timed_out: 0,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        ts: Micros,
        src: IpAddr,
        dst: IpAddr,
        protocol: u8,
        ident: u32,
        offset: u32,
        more: bool,
        data: &[u8],
    ) -> FragOutcome {
        let key = FragKey {
            src,
            dst,
            protocol,
            ident,
        };
        if !self.open.contains_key(&key) && self.open.len() >= MAX_OPEN {
            self.expire(ts);
            if self.open.len() >= MAX_OPEN {
                return FragOutcome::Dropped("fragment_table_full");
            }
        }
        let d = self.open.entry(key).or_insert(Datagram {
            first_ts: ts,
            pieces: Vec::new(),
            bytes: 0,
            total: None,
        });
        let end = offset as usize + data.len();
        if end > MAX_DATAGRAM || d.bytes + data.len() > MAX_DATAGRAM || d.pieces.len() >= 512 {
            self.open.remove(&key);
            return FragOutcome::Dropped("fragment_oversized");
        }
        if !more {
            d.total = Some(end as u32);
        }
        d.pieces.push((offset, data.to_vec()));
        d.bytes += data.len();
        let Some(total) = d.total else {
            return FragOutcome::Pending;
        };
        d.pieces.sort_by_key(|(o, _)| *o);
        let mut covered = 0u32;
        for (o, p) in &d.pieces {
            if *o > covered {
                return FragOutcome::Pending;
            }
            covered = covered.max(o + p.len() as u32);
        }
        if covered < total {
            return FragOutcome::Pending;
        }
        let d = self.open.remove(&key).expect("present");
        let mut out = vec![0u8; total as usize];
        for (o, p) in d.pieces {
            let start = o as usize;
            let stop = (start + p.len()).min(out.len());
            if start < stop {
                out[start..stop].copy_from_slice(&p[..stop - start]);
            }
        }
        FragOutcome::Complete(out)
    }

    pub fn expire(&mut self, now: Micros) {
        let before = self.open.len();
        self.open.retain(|_, d| now - d.first_ts <= TIMEOUT);
        self.timed_out += (before - self.open.len()) as u64;
    }

    #[cfg(test)]
    pub fn pending(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_order_fragments_reassemble() {
        let mut t = FragmentTable::new();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(matches!(
            t.add(0, a, b, 17, 7, 8, false, b"world"),
            FragOutcome::Pending
        ));
        match t.add(1, a, b, 17, 7, 0, true, b"hello, w") {
            FragOutcome::Complete(d) => assert_eq!(d, b"hello, wworld"),
            _ => panic!("not complete"),
        }
        assert_eq!(t.pending(), 0);
    }

    #[test]
    fn oversized_datagram_is_dropped() {
        let mut t = FragmentTable::new();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(matches!(
            t.add(0, a, a, 17, 1, 65_000, true, &[0u8; 1000]),
            FragOutcome::Dropped(_)
        ));
    }
}
