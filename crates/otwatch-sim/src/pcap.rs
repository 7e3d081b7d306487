//! Classic libpcap file writer.
//!
//! The format is the original little-endian pcap (magic `a1b2c3d4`, version 2.4, microsecond
//! timestamps, Ethernet link type) because every tool otwatch is compared against reads it,
//! and because a fixed layout with no optional blocks keeps generated captures byte-stable.

use std::io::{self, Write};

pub const PCAP_MAGIC: u32 = 0xa1b2_c3d4;
pub const PCAP_VERSION_MAJOR: u16 = 2;
pub const PCAP_VERSION_MINOR: u16 = 4;
pub const PCAP_SNAPLEN: u32 = 65_535;
pub const LINKTYPE_ETHERNET: u32 = 1;
pub const GLOBAL_HEADER_LEN: usize = 24;
pub const RECORD_HEADER_LEN: usize = 16;

/// Streams packets into a pcap file. The global header is written on construction so that
/// even an empty capture is a valid file.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    packets: u64,
}

impl<W: Write> PcapWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        let mut header = [0u8; GLOBAL_HEADER_LEN];
        header[0..4].copy_from_slice(&PCAP_MAGIC.to_le_bytes());
        header[4..6].copy_from_slice(&PCAP_VERSION_MAJOR.to_le_bytes());
        header[6..8].copy_from_slice(&PCAP_VERSION_MINOR.to_le_bytes());
        // thiszone and sigfigs stay zero: timestamps are UTC and nobody fills in accuracy.
        header[16..20].copy_from_slice(&PCAP_SNAPLEN.to_le_bytes());
        header[20..24].copy_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
        out.write_all(&header)?;
        Ok(Self { out, packets: 0 })
    }

    /// Appends one frame captured at `ts_micros` (microseconds since the Unix epoch).
    /// Frames longer than the snaplen are truncated but keep their original length, as a
    /// capturing tool would record them. Timestamps before 1970 or after 2106 cannot be
    /// represented and are rejected.
    pub fn write_packet(&mut self, ts_micros: i64, frame: &[u8]) -> io::Result<()> {
        let secs = u32::try_from(ts_micros.div_euclid(1_000_000)).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("timestamp {ts_micros} µs is outside the pcap range"),
            )
        })?;
        let micros = ts_micros.rem_euclid(1_000_000) as u32;
        let orig_len = u32::try_from(frame.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame longer than 4 GiB"))?;
        let cap_len = orig_len.min(PCAP_SNAPLEN);

        let mut record = [0u8; RECORD_HEADER_LEN];
        record[0..4].copy_from_slice(&secs.to_le_bytes());
        record[4..8].copy_from_slice(&micros.to_le_bytes());
        record[8..12].copy_from_slice(&cap_len.to_le_bytes());
        record[12..16].copy_from_slice(&orig_len.to_le_bytes());
        self.out.write_all(&record)?;
        self.out.write_all(&frame[..cap_len as usize])?;
        self.packets += 1;
        Ok(())
    }

    pub fn packets_written(&self) -> u64 {
        self.packets
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl PcapWriter<Vec<u8>> {
    /// A writer that builds the capture in memory.
    pub fn in_memory() -> Self {
        Self::new(Vec::new()).expect("writing to a Vec cannot fail")
    }
}

/// Builds a whole capture in memory from `(timestamp µs, frame)` pairs, in the order given.
pub fn pcap_to_vec<'a, I>(packets: I) -> io::Result<Vec<u8>>
where
    I: IntoIterator<Item = (i64, &'a [u8])>,
{
    let mut writer = PcapWriter::in_memory();
    for (ts, frame) in packets {
        writer.write_packet(ts, frame)?;
    }
    Ok(writer.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_header_bytes() {
        let bytes = PcapWriter::in_memory().into_inner();
        assert_eq!(
            bytes,
            [
                0xd4, 0xc3, 0xb2, 0xa1, // magic, little-endian
                0x02, 0x00, 0x04, 0x00, // version 2.4
                0x00, 0x00, 0x00, 0x00, // thiszone
                0x00, 0x00, 0x00, 0x00, // sigfigs
                0xff, 0xff, 0x00, 0x00, // snaplen 65535
                0x01, 0x00, 0x00, 0x00, // Ethernet
            ]
        );
    }

    #[test]
    fn record_header_and_payload() {
        let frame = [0xaa; 60];
        // 2026-03-02 08:00:00.123456 UTC
        let bytes = pcap_to_vec([(1_772_438_400_123_456, &frame[..])]).unwrap();
        let record = &bytes[GLOBAL_HEADER_LEN..];
        assert_eq!(&record[0..4], &1_772_438_400u32.to_le_bytes());
        assert_eq!(&record[4..8], &123_456u32.to_le_bytes());
        assert_eq!(&record[8..12], &60u32.to_le_bytes());
        assert_eq!(&record[12..16], &60u32.to_le_bytes());
        assert_eq!(&record[16..], &frame[..]);
    }

    #[test]
    fn oversized_frame_is_truncated_to_snaplen() {
        let frame = vec![0u8; 70_000];
        let mut writer = PcapWriter::in_memory();
        writer.write_packet(0, &frame).unwrap();
        assert_eq!(writer.packets_written(), 1);
        let bytes = writer.into_inner();
        let record = &bytes[GLOBAL_HEADER_LEN..];
        assert_eq!(&record[8..12], &65_535u32.to_le_bytes());
        assert_eq!(&record[12..16], &70_000u32.to_le_bytes());
        assert_eq!(record.len(), RECORD_HEADER_LEN + 65_535);
    }

    #[test]
    fn unrepresentable_timestamps_are_rejected() {
        let mut writer = PcapWriter::in_memory();
        assert!(writer.write_packet(-1, &[0; 60]).is_err());
        assert!(writer
            .write_packet((1 << 32) * 1_000_000, &[0; 60])
            .is_err());
        assert_eq!(writer.packets_written(), 0);
    }
}
