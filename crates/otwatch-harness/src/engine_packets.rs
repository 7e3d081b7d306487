//! Input: one selector byte for the link type, then records of
//! `[time step][frame length, u16 little endian][frame]`, the last frame cut short at the
//! end of the input. The target wraps them in a well-formed pcap, so every byte the
//! fuzzer mutates reaches frame decoding, flows, reassembly and identification rather
//! than the file reader.

use otwatch_engine::{analyze, AnalyzeOptions, Input, Silent};
use otwatch_flow::{FlowLimits, ReassemblyLimits};

const LINKTYPES: [u32; 5] = [1, 0, 101, 113, 276];
const START_MICROS: u64 = 1_700_000_000_000_000;

/// Step 0xff goes one second back in time; otherwise the low 3 bits scaled by a power of
/// two from the high 5, which reaches from duplicates (0) past every idle timeout (hours).
fn advance(ts: u64, step: u8) -> u64 {
    if step == 0xff {
        ts.saturating_sub(1_000_000)
    } else {
        ts + (u64::from(step & 7) << (step >> 3))
    }
}

fn pcap(linktype: u32, mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + rest.len() * 6);
    out.extend_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65_535u32.to_le_bytes());
    out.extend_from_slice(&linktype.to_le_bytes());
    let mut ts = START_MICROS;
    while let [step, tail @ ..] = rest {
        ts = advance(ts, *step);
        let (len, tail) = match tail {
            [lo, hi, tail @ ..] => (usize::from(u16::from_le_bytes([*lo, *hi])), tail),
            _ => (usize::MAX, &[][..]),
        };
        let (frame, tail) = tail.split_at(len.min(tail.len()));
        rest = tail;
        let secs = (ts / 1_000_000) as u32;
        let micros = (ts % 1_000_000) as u32;
        out.extend_from_slice(&secs.to_le_bytes());
        out.extend_from_slice(&micros.to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(frame);
    }
    out
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let linktype = LINKTYPES[usize::from(selector) % LINKTYPES.len()];
    let inputs = [Input::Memory {
        name: "fuzz.pcap".into(),
        bytes: pcap(linktype, rest),
    }];
    // Limits small enough that a few kilobytes of input reach flow eviction and forced
    // reassembly gaps, which the defaults only reach on large captures.
    let opts = AnalyzeOptions {
        threads: 1,
        flow_limits: FlowLimits {
            max_flows: 8,
            ..Default::default()
        },
        reassembly_limits: ReassemblyLimits {
            max_buffered_bytes: 4096,
            max_segments: 16,
        },
        ..Default::default()
    };
    let analysis = analyze(&inputs, &opts, &Silent);
    // The file is well formed by construction: the reader must take all of it.
    for capture in &analysis.summary.captures {
        assert!(capture.error.is_none(), "{:?}", capture.error);
    }
    std::hint::black_box(analysis);
}
