//! The buffered record reader behind [`CaptureReader`].

use crate::{sniff, CaptureError, Sniffed};
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapNGPacketBlock;
use pcap_parser::PcapError;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Records larger than this are treated as damage rather than waited for: no link type
/// otwatch decodes has frames anywhere near it, and a corrupt length must not make the
/// reader buffer the rest of the file.
const MAX_RECORD: usize = 16 * 1024 * 1024;
const INITIAL_BUFFER: usize = 1024 * 1024;
/// 9999-12-31T23:59:59.999999Z. Timestamps are clamped to the years 1970–9999 so that a
/// hostile or broken header cannot make time arithmetic downstream overflow.
const MAX_TS_MICROS: i64 = 253_402_300_799_999_999;

fn sane_ts(ts: i64) -> i64 {
    ts.clamp(0, MAX_TS_MICROS)
}

/// One captured packet, borrowed from the reader's buffer until the next call.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    /// Microseconds since the Unix epoch.
    pub ts_micros: i64,
    /// 1-based position of the packet in its file, as Wireshark numbers frames.
    pub frame_number: u64,
    /// LINKTYPE number of the interface that captured it.
    pub linktype: u32,
    pub data: &'a [u8],
    pub orig_len: u32,
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: u32,
    units_per_second: u64,
    offset_seconds: i64,
}

enum Format {
    Pcap {
        big_endian: bool,
        nanos: bool,
        linktype: u32,
    },
    PcapNg {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// Counts the bytes read from the underlying file, for progress on compressed input too.
struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads the packets of one capture file in order.
pub struct CaptureReader {
    path: PathBuf,
    source: Box<dyn Read + Send>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Offset in the (decompressed) stream of `buf[start]`.
    offset: u64,
    format: Format,
    frames: u64,
    last_ts: i64,
    file_bytes_read: Arc<AtomicU64>,
    compressed: bool,
}

impl CaptureReader {
    fn with_source(
        path: PathBuf,
        source: Box<dyn Read + Send>,
        buffer: usize,
        counter: Arc<AtomicU64>,
    ) -> Self {
        Self {
            path,
            source,
            buf: vec![0; buffer],
            start: 0,
            end: 0,
            eof: false,
            offset: 0,
            // Replaced by `read_header`.
            format: Format::Pcap {
                big_endian: false,
                nanos: false,
                linktype: 1,
            },
            frames: 0,
            last_ts: 0,
            file_bytes_read: counter,
            compressed: false,
        }
    }

    /// Opens a file, undoing gzip compression if its magic says so, and reads its header.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let io = |cause| CaptureError::Io {
            path: path.to_path_buf(),
            cause,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let counter = Arc::new(AtomicU64::new(0));
        let counting = CountingReader {
            inner: file,
            count: counter.clone(),
        };
        let mut reader = Self::with_source(
            path.to_path_buf(),
            Box::new(counting),
            INITIAL_BUFFER,
            counter,
        );
        reader.fill(4)?;
        if sniff(reader.available()) == Sniffed::Gzip {
            let raw = std::mem::replace(&mut reader.source, Box::new(std::io::empty()));
            // Put back what was already read, then decompress the whole stream.
            let already = reader.available().to_vec();
            let chained = std::io::Cursor::new(already).chain(raw);
            reader.source = Box::new(flate2::read::MultiGzDecoder::new(chained));
            reader.start = 0;
            reader.end = 0;
            reader.eof = false;
            reader.compressed = true;
            reader.fill(4)?;
        }
        reader.read_header()?;
        Ok(reader)
    }

    /// Opens a capture held in memory (tests, the demo, fuzzing).
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<Self, CaptureError> {
        let len = bytes.len() as u64;
        let buffer = INITIAL_BUFFER.min(bytes.len() + 64);
        let source = Box::new(std::io::Cursor::new(bytes));
        let mut reader = Self::with_source(
            PathBuf::from(name),
            source,
            buffer,
            Arc::new(AtomicU64::new(len)),
        );
        reader.fill(4)?;
        reader.read_header()?;
        Ok(reader)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A counter of bytes read from the file itself (compressed bytes for gzip files).
    pub fn progress_counter(&self) -> Arc<AtomicU64> {
        self.file_bytes_read.clone()
    }

    pub fn is_compressed(&self) -> bool {
        self.compressed
    }

    /// The link type of the first interface, for messages.
    pub fn first_linktype(&self) -> Option<u32> {
        match &self.format {
            Format::Pcap { linktype, .. } => Some(*linktype),
            Format::PcapNg { interfaces, .. } => interfaces.first().map(|i| i.linktype),
        }
    }

    fn available(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Ensures at least `want` bytes are buffered unless the stream ends first.
    fn fill(&mut self, want: usize) -> Result<(), CaptureError> {
        if self.end - self.start >= want {
            return Ok(());
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end < want && !self.eof {
            // Grow only as data arrives, so a corrupt length field costs nothing.
            if self.end == self.buf.len() {
                let grown = (self.buf.len() * 2).min(want.next_power_of_two()).max(64);
                self.buf.resize(grown, 0);
            }
            match self.source.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    // A damaged gzip stream surfaces as an I/O error from the decoder.
                    use std::io::ErrorKind::{InvalidData, InvalidInput, UnexpectedEof};
                    if self.compressed
                        && matches!(source.kind(), InvalidInput | InvalidData | UnexpectedEof)
                    {
                        return Err(CaptureError::Corrupt {
                            path: self.path.clone(),
                            offset: self.offset + (self.end - self.start) as u64,
                            what: "gzip stream",
                        });
                    }
                    return Err(CaptureError::Io {
                        path: self.path.clone(),
                        cause: source,
                    });
                }
            }
        }
        Ok(())
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.offset += n as u64;
    }

    fn truncated(&self, what: &'static str) -> CaptureError {
        CaptureError::Truncated {
            path: self.path.clone(),
            offset: self.offset,
            what,
        }
    }

    fn corrupt(&self, what: &'static str) -> CaptureError {
        CaptureError::Corrupt {
            path: self.path.clone(),
            offset: self.offset,
            what,
        }
    }

    fn read_header(&mut self) -> Result<(), CaptureError> {
        let head = self.available();
        match sniff(head) {
            Sniffed::Pcap => {
                self.fill(24)?;
                let h = self.available();
                if h.len() < 24 {
                    return Err(self.truncated("pcap file header"));
                }
                let (big_endian, nanos) = match [h[0], h[1], h[2], h[3]] {
                    [0xd4, 0xc3, 0xb2, 0xa1] => (false, false),
                    [0xa1, 0xb2, 0xc3, 0xd4] => (true, false),
                    [0x4d, 0x3c, 0xb2, 0xa1] => (false, true),
                    _ => (true, true),
                };
                let field = [h[20], h[21], h[22], h[23]];
                let network = if big_endian {
                    u32::from_be_bytes(field)
                } else {
                    u32::from_le_bytes(field)
                };
                // The upper bits of the link type field carry FCS information.
                self.format = Format::Pcap {
                    big_endian,
                    nanos,
                    linktype: network & 0x0fff_ffff,
                };
                self.consume(24);
                Ok(())
            }
            Sniffed::PcapNg => {
                self.format = Format::PcapNg {
                    big_endian: false,
                    interfaces: Vec::new(),
                };
                Ok(())
            }
            Sniffed::Gzip | Sniffed::Other => {
                let magic = head
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                Err(CaptureError::NotACapture {
                    path: self.path.clone(),
                    magic: if magic.is_empty() {
                        "nothing: the file is empty".into()
                    } else {
                        magic
                    },
                })
            }
        }
    }

    /// The next packet, `Ok(None)` at a clean end of file. After an error the reader is
    /// done; everything returned before it was valid.
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, CaptureError> {
        loop {
            match self.format {
                Format::Pcap { .. } => return self.next_pcap(),
                Format::PcapNg { .. } => {
                    if let Some(found) = self.next_pcapng_block()? {
                        let (start, len, ts, linktype, orig_len) = found;
                        return Ok(Some(Packet {
                            ts_micros: ts,
                            frame_number: self.frames,
                            linktype,
                            data: &self.buf[start..start + len],
                            orig_len,
                        }));
                    }
                    if self.start == self.end && self.eof {
                        return Ok(None);
                    }
                }
            }
        }
    }

    fn next_pcap(&mut self) -> Result<Option<Packet<'_>>, CaptureError> {
        let Format::Pcap {
            big_endian,
            nanos,
            linktype,
        } = self.format
        else {
            unreachable!()
        };
        self.fill(16)?;
        let h = self.available();
        if h.is_empty() {
            return Ok(None);
        }
        if h.len() < 16 {
            return Err(self.truncated("pcap record header"));
        }
        let read = |at: usize| {
            let b = [h[at], h[at + 1], h[at + 2], h[at + 3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let (secs, frac, caplen, orig_len) = (read(0), read(4), read(8) as usize, read(12));
        // Some writers store a fraction of exactly one second (or more); like Wireshark,
        // carry it into the seconds instead of calling the record damaged.
        if caplen > MAX_RECORD {
            return Err(self.corrupt("pcap record header"));
        }
        self.fill(16 + caplen)?;
        if self.available().len() < 16 + caplen {
            return Err(self.truncated("pcap record"));
        }
        let micros = if nanos {
            i64::from(frac) / 1000
        } else {
            i64::from(frac)
        };
        let ts = sane_ts(i64::from(secs) * 1_000_000 + micros);
        let data_start = self.start + 16;
        self.consume(16 + caplen);
        self.frames += 1;
        self.last_ts = ts;
        Ok(Some(Packet {
            ts_micros: ts,
            frame_number: self.frames,
            linktype,
            data: &self.buf[data_start..data_start + caplen],
            orig_len,
        }))
    }

    /// Reads one pcapng block. Returns the location of packet data when the block was a
    /// packet, `None` for any other block.
    #[allow(clippy::type_complexity)]
    fn next_pcapng_block(&mut self) -> Result<Option<(usize, usize, i64, u32, u32)>, CaptureError> {
        self.fill(12)?;
        let head = self.available();
        if head.is_empty() {
            return Ok(None);
        }
        if head.len() < 12 {
            return Err(self.truncated("pcapng block header"));
        }
        let Format::PcapNg { big_endian, .. } = self.format else {
            unreachable!()
        };
        let is_shb = head[..4] == [0x0a, 0x0d, 0x0d, 0x0a];
        // A section header carries its own byte order; every other block uses the section's.
        let section_big_endian = if is_shb {
            head[8..12] == [0x1a, 0x2b, 0x3c, 0x4d]
        } else {
            big_endian
        };
        let len_bytes = [head[4], head[5], head[6], head[7]];
        let block_len = if section_big_endian {
            u32::from_be_bytes(len_bytes)
        } else {
            u32::from_le_bytes(len_bytes)
        } as usize;
        if block_len < 12 || !block_len.is_multiple_of(4) || block_len > MAX_RECORD {
            return Err(self.corrupt("pcapng block length"));
        }
        self.fill(block_len)?;
        if self.available().len() < block_len {
            return Err(self.truncated("pcapng block"));
        }
        let block_bytes = &self.buf[self.start..self.start + block_len];
        let parsed = if section_big_endian {
            pcap_parser::pcapng::parse_block_be(block_bytes)
        } else {
            pcap_parser::pcapng::parse_block_le(block_bytes)
        };
        let block = match parsed {
            Ok((_, block)) => block,
            Err(nom::Err::Incomplete(_)) | Err(nom::Err::Error(PcapError::Incomplete(_))) => {
                return Err(self.corrupt("pcapng block"))
            }
            Err(_) => return Err(self.corrupt("pcapng block")),
        };
        let base = self.start;
        let mut found = None;
        match block {
            Block::SectionHeader(shb) => {
                self.format = Format::PcapNg {
                    big_endian: shb.big_endian(),
                    interfaces: Vec::new(),
                };
            }
            Block::InterfaceDescription(idb) => {
                let units = idb.ts_resolution().unwrap_or(1_000_000).max(1);
                if let Format::PcapNg { interfaces, .. } = &mut self.format {
                    if interfaces.len() < 65_536 {
                        interfaces.push(Interface {
                            linktype: idb.linktype.0 as u32,
                            units_per_second: units,
                            offset_seconds: idb.if_tsoffset,
                        });
                    }
                }
            }
            Block::EnhancedPacket(epb) => {
                let Format::PcapNg { interfaces, .. } = &self.format else {
                    unreachable!()
                };
                let Some(iface) = interfaces.get(epb.if_id as usize).copied() else {
                    return Err(self.corrupt("packet block naming an undeclared interface"));
                };
                let raw = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let secs =
                    ((raw / iface.units_per_second) as i64).saturating_add(iface.offset_seconds);
                let frac = raw % iface.units_per_second;
                let micros =
                    (u128::from(frac) * 1_000_000 / u128::from(iface.units_per_second)) as i64;
                let ts = sane_ts(secs.saturating_mul(1_000_000).saturating_add(micros));
                let data = epb.packet_data();
                let start = data.as_ptr() as usize - block_bytes.as_ptr() as usize;
                found = Some((base + start, data.len(), ts, iface.linktype, epb.origlen));
            }
            Block::SimplePacket(spb) => {
                let Format::PcapNg { interfaces, .. } = &self.format else {
                    unreachable!()
                };
                let Some(iface) = interfaces.first().copied() else {
                    return Err(self.corrupt("packet block before any interface description"));
                };
                let data = spb.packet_data();
                let start = data.as_ptr() as usize - block_bytes.as_ptr() as usize;
                found = Some((
                    base + start,
                    data.len(),
                    self.last_ts,
                    iface.linktype,
                    spb.origlen,
                ));
            }
            _ => {}
        }
        self.consume(block_len);
        if let Some((_, _, ts, _, _)) = found {
            self.frames += 1;
            self.last_ts = ts;
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legacy_pcap(records: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let mut out = vec![
            0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0,
            0,
        ];
        for (s, us, data) in records {
            out.extend_from_slice(&s.to_le_bytes());
            out.extend_from_slice(&us.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(data);
        }
        out
    }

    fn pcapng(tsresol: Option<u8>, packets: &[(u64, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        // SHB, little endian, no options.
        out.extend_from_slice(&[
            0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
        ]);
        out.extend_from_slice(&(-1i64).to_le_bytes());
        out.extend_from_slice(&28u32.to_le_bytes());
        // IDB with optional if_tsresol.
        let opts: Vec<u8> = match tsresol {
            Some(r) => vec![9, 0, 1, 0, r, 0, 0, 0, 0, 0, 0, 0],
            None => vec![],
        };
        let idb_len = 20 + opts.len() as u32;
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&idb_len.to_le_bytes());
        out.extend_from_slice(&[1, 0, 0, 0, 0, 0, 4, 0]);
        out.extend_from_slice(&opts);
        out.extend_from_slice(&idb_len.to_le_bytes());
        for (ts, data) in packets {
            let padded = data.len().div_ceil(4) * 4;
            let len = 32 + padded as u32;
            out.extend_from_slice(&6u32.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
            out.extend_from_slice(&(*ts as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(data);
            out.resize(out.len() + padded - data.len(), 0);
            out.extend_from_slice(&len.to_le_bytes());
        }
        out
    }

    #[test]
    fn reads_legacy_pcap_records() {
        let bytes = legacy_pcap(&[(10, 5, b"abc"), (11, 6, b"defgh")]);
        let mut r = CaptureReader::from_bytes("t.pcap", bytes).unwrap();
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(
            (p.ts_micros, p.frame_number, p.linktype, p.data),
            (10_000_005, 1, 1, &b"abc"[..])
        );
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(
            (p.ts_micros, p.frame_number, p.data),
            (11_000_006, 2, &b"defgh"[..])
        );
        assert!(r.next_packet().unwrap().is_none());
    }

    #[test]
    fn truncated_pcap_reports_offset_after_valid_packets() {
        let mut bytes = legacy_pcap(&[(10, 5, b"abc"), (11, 6, b"defgh")]);
        bytes.truncate(bytes.len() - 2);
        let mut r = CaptureReader::from_bytes("t.pcap", bytes).unwrap();
        assert!(r.next_packet().unwrap().is_some());
        match r.next_packet() {
            Err(CaptureError::Truncated { offset, .. }) => assert_eq!(offset, 24 + 16 + 3),
            other => panic!("expected truncation, got {other:?}"),
        }
    }

    /// Reads everything `bytes` holds: the packets' data up to the first error, and whether
    /// the reader ended cleanly, stopped on a truncation, or refused the file.
    fn read_all(bytes: Vec<u8>) -> (Vec<Vec<u8>>, &'static str) {
        let mut r = match CaptureReader::from_bytes("cut", bytes) {
            Ok(r) => r,
            Err(_) => return (Vec::new(), "refused"),
        };
        let mut seen = Vec::new();
        loop {
            match r.next_packet() {
                Ok(Some(p)) => seen.push(p.data.to_vec()),
                Ok(None) => return (seen, "clean"),
                Err(CaptureError::Truncated { .. }) => return (seen, "truncated"),
                Err(e) => panic!("unexpected error on a cut file: {e}"),
            }
        }
    }

    /// A capture cut at any byte keeps every packet before the cut, ends cleanly only where
    /// the cut falls between records, and says "truncated" everywhere else; nothing panics.
    #[test]
    fn a_capture_cut_at_any_byte_keeps_what_came_before() {
        let packets: [&[u8]; 3] = [b"first", b"second packet", b"3rd"];
        let records: Vec<(u32, u32, &[u8])> = packets
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u32, 0, *p))
            .collect();
        let pcap = legacy_pcap(&records);
        let mut ends = vec![24];
        for p in packets {
            ends.push(ends.last().unwrap() + 16 + p.len());
        }
        let ng_packets: Vec<(u64, &[u8])> = packets.iter().map(|p| (1, *p)).collect();
        let ng = pcapng(None, &ng_packets);
        let mut ng_ends = vec![28 + 20];
        for p in packets {
            ng_ends.push(ng_ends.last().unwrap() + 32 + p.len().div_ceil(4) * 4);
        }
        for (bytes, ends) in [(pcap, ends), (ng, ng_ends)] {
            assert_eq!(*ends.last().unwrap(), bytes.len());
            for cut in 0..=bytes.len() {
                let (seen, how) = read_all(bytes[..cut].to_vec());
                let complete = ends[1..].iter().filter(|&&e| e <= cut).count();
                assert_eq!(seen.len(), complete, "cut at {cut}");
                assert_eq!(seen, packets[..complete], "cut at {cut}");
                let expected = if cut < 4 {
                    "refused"
                } else if ends.contains(&cut) {
                    "clean"
                } else if cut < ends[0] && bytes[0] == 0xd4 {
                    "refused" // inside the pcap file header
                } else {
                    "truncated"
                };
                if cut >= 4 && cut < ends[0] && bytes[0] != 0xd4 {
                    // Inside the pcapng section or interface header: never a packet, and a
                    // clean end only where a whole block ended (the section header).
                    assert!(how != "clean" || cut == 28, "cut at {cut}: {how}");
                } else {
                    assert_eq!(how, expected, "cut at {cut}");
                }
            }
        }
    }

    /// A block type the reader does not know (a vendor's, or a newer standard's) is skipped
    /// by its length; the packets around it are read.
    #[test]
    fn pcapng_skips_blocks_it_does_not_know() {
        let one = pcapng(None, &[(1, b"before")]);
        let two = pcapng(None, &[(2, b"after")]);
        let header_len = 28 + 20;
        let mut bytes = one.clone();
        // A custom block (type 0x00000BAD) of 16 bytes: type, length, 4 bytes, length.
        bytes.extend_from_slice(&0x0bad_u32.to_le_bytes());
        bytes.extend_from_slice(&16u32.to_le_bytes());
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&16u32.to_le_bytes());
        bytes.extend_from_slice(&two[header_len..]);
        let (seen, how) = read_all(bytes);
        assert_eq!(how, "clean");
        assert_eq!(seen, [b"before".to_vec(), b"after".to_vec()]);
    }

    #[test]
    fn reads_pcapng_with_nanosecond_resolution() {
        let bytes = pcapng(Some(9), &[(1_700_000_000_123_456_789, b"xyz")]);
        let mut r = CaptureReader::from_bytes("t.pcapng", bytes).unwrap();
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(p.ts_micros, 1_700_000_000_123_456);
        assert_eq!(p.data, b"xyz");
        assert!(r.next_packet().unwrap().is_none());
    }

    #[test]
    fn pcapng_default_resolution_is_microseconds() {
        let bytes = pcapng(
            None,
            &[
                (1_700_000_000_123_456, b"a"),
                (1_700_000_001_000_000, b"bcdef"),
            ],
        );
        let mut r = CaptureReader::from_bytes("t.pcapng", bytes).unwrap();
        assert_eq!(
            r.next_packet().unwrap().unwrap().ts_micros,
            1_700_000_000_123_456
        );
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.frame_number, p.data), (2, &b"bcdef"[..]));
    }

    #[test]
    fn not_a_capture_names_magic() {
        let err = CaptureReader::from_bytes("notes.txt", b"hello world".to_vec())
            .err()
            .unwrap();
        assert!(err.to_string().contains("68 65 6c 6c"), "{err}");
        let err = CaptureReader::from_bytes("empty", Vec::new())
            .err()
            .unwrap();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn gzip_is_detected_by_magic() {
        use std::io::Write;
        let raw = legacy_pcap(&[(1, 2, b"hello")]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&raw).unwrap();
        let dir = std::env::temp_dir().join(format!("otwatch-capture-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("capture.pcapng"); // misleading name on purpose
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let mut r = CaptureReader::open(&path).unwrap();
        assert!(r.is_compressed());
        assert_eq!(r.next_packet().unwrap().unwrap().data, b"hello");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_and_random_input_never_panics() {
        let good = pcapng(Some(6), &[(1, b"abcdefgh"), (2, b"ijkl")]);
        let legacy = legacy_pcap(&[(1, 2, b"abcdefgh"), (3, 4, b"ijkl")]);
        let mut state = 0x1234_5678_9abc_def1u64;
        for i in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut bytes = if i % 2 == 0 {
                good.clone()
            } else {
                legacy.clone()
            };
            let at = (state as usize) % bytes.len();
            bytes[at] = (state >> 40) as u8;
            bytes.truncate(((state >> 20) as usize) % (bytes.len() + 1));
            if let Ok(mut r) = CaptureReader::from_bytes("fuzz", bytes) {
                for _ in 0..10 {
                    match r.next_packet() {
                        Ok(Some(_)) => {}
                        _ => break,
                    }
                }
            }
        }
    }
}
