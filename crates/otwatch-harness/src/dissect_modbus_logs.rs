//! Input: Modbus messages of one TCP connection, each
//! `[flags][transaction id, 2 bytes][unit][function][length][PDU data, length bytes]`;
//! flags bit 0: sent by the server; bit 1: delivered in two segments. The target gives each
//! message its MBAP header, wraps the connection (handshake, segments, FINs) in a pcap and
//! analyses it with transaction logs on, so that every byte the fuzzer mutates reaches
//! request/response pairing and the ICSNPP log rows, both ways round.

use otwatch_engine::{analyze, AnalyzeOptions, Input, Silent};

const CLIENT: [u8; 4] = [10, 0, 0, 1];
const SERVER: [u8; 4] = [10, 0, 0, 2];

struct Capture {
    out: Vec<u8>,
    ts: u32,
    seq: [u32; 2],
}

impl Capture {
    fn new() -> Self {
        let mut out = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&65_535u32.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        Self {
            out,
            ts: 0,
            seq: [1000, 5000],
        }
    }

    /// One Ethernet/IPv4/TCP frame from `side` (0 client, 1 server).
    fn segment(&mut self, side: usize, flags: u8, payload: &[u8]) {
        let (src, dst, sport, dport) = if side == 0 {
            (CLIENT, SERVER, 40000u16, 502u16)
        } else {
            (SERVER, CLIENT, 502, 40000)
        };
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x08, 0x00]);
        let total = (20 + 20 + payload.len()) as u16;
        frame.extend_from_slice(&[0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0]);
        frame[16..18].copy_from_slice(&total.to_be_bytes());
        frame.extend_from_slice(&src);
        frame.extend_from_slice(&dst);
        frame.extend_from_slice(&sport.to_be_bytes());
        frame.extend_from_slice(&dport.to_be_bytes());
        frame.extend_from_slice(&self.seq[side].to_be_bytes());
        frame.extend_from_slice(&self.seq[1 - side].to_be_bytes());
        frame.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        frame.extend_from_slice(payload);
        let syn_or_fin = u32::from(flags & 0x03 != 0);
        self.seq[side] = self.seq[side]
            .wrapping_add(payload.len() as u32)
            .wrapping_add(syn_or_fin);
        self.ts += 1;
        self.out.extend_from_slice(&self.ts.to_le_bytes());
        self.out.extend_from_slice(&0u32.to_le_bytes());
        self.out
            .extend_from_slice(&(frame.len() as u32).to_le_bytes());
        self.out
            .extend_from_slice(&(frame.len() as u32).to_le_bytes());
        self.out.extend_from_slice(&frame);
    }
}

const SYN: u8 = 0x02;
const ACK: u8 = 0x10;
const FIN: u8 = 0x01;
const PSH: u8 = 0x08;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut capture = Capture::new();
    capture.segment(0, SYN, &[]);
    capture.segment(1, SYN | ACK, &[]);
    capture.segment(0, ACK, &[]);
    let mut rest = data;
    while let [flags, t0, t1, unit, function, len, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len()).min(252);
        let (pdu, tail) = tail.split_at(len);
        rest = tail;
        let mut adu = vec![*t0, *t1, 0, 0];
        adu.extend_from_slice(&((len + 2) as u16).to_be_bytes());
        adu.extend_from_slice(&[*unit, *function]);
        adu.extend_from_slice(pdu);
        let side = usize::from(flags & 1);
        if flags & 2 != 0 {
            let (a, b) = adu.split_at(adu.len() / 2);
            capture.segment(side, ACK, a);
            capture.segment(side, ACK | PSH, b);
        } else {
            capture.segment(side, ACK | PSH, &adu);
        }
        capture.segment(1 - side, ACK, &[]);
    }
    capture.segment(0, FIN | ACK, &[]);
    capture.segment(1, FIN | ACK, &[]);
    capture.segment(0, ACK, &[]);

    let (tx, rx) = crossbeam_channel::unbounded();
    let opts = AnalyzeOptions {
        threads: 1,
        transaction_logs: Some(tx),
        ..Default::default()
    };
    let inputs = [Input::Memory {
        name: "fuzz.pcap".into(),
        bytes: capture.out,
    }];
    let analysis = analyze(&inputs, &opts, &Silent);
    drop(opts);
    let rows: usize = rx.into_iter().map(|batch| batch.len()).sum();
    std::hint::black_box((analysis, rows));
}
