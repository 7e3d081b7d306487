//! The hostile-input harness every dissector's tests share: truncations of real messages,
//! random buffers (half of them shaped to get past the first checks), and small mutations
//! of real messages. The check only has to return; a panic fails the test.

/// xorshift64: deterministic, so a failure reproduces.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Runs `check` on every truncation of each valid message, 20 000 random buffers of up to
/// 600 bytes (every second one passed through `shape` with its index), and 5 000 mutations
/// of each valid message.
pub fn never_panics(
    valid: &[Vec<u8>],
    seed: u64,
    shape: impl Fn(&mut Vec<u8>, usize),
    check: impl Fn(&[u8]),
) {
    for v in valid {
        for n in 0..=v.len() {
            check(&v[..n]);
        }
    }
    let mut rng = Rng::new(seed);
    for i in 0..20_000 {
        let len = (rng.next() % 600) as usize;
        let mut buf: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if i % 2 == 0 {
            shape(&mut buf, i);
        }
        check(&buf);
    }
    for v in valid.iter().filter(|v| !v.is_empty()) {
        for _ in 0..5_000 {
            let mut buf = v.clone();
            for _ in 0..=(rng.next() % 4) {
                let at = (rng.next() as usize) % buf.len();
                buf[at] = rng.next() as u8;
            }
            check(&buf);
        }
    }
}
