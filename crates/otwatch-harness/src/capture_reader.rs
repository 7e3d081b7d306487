//! Input: a whole capture file (classic pcap or pcapng).

use otwatch_capture::CaptureReader;

// No record is shorter than a pcapng block header, so a reader that hands out more packets
// than the file has room for is not advancing; failing here beats hanging until -timeout.
const MIN_RECORD: usize = 12;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut reader = match CaptureReader::from_bytes("fuzz.pcap", data.to_vec()) {
        Ok(r) => r,
        Err(e) => {
            std::hint::black_box((e.is_damage(), e.to_string()));
            return;
        }
    };
    std::hint::black_box(reader.first_linktype());
    let mut packets = 0;
    loop {
        match reader.next_packet() {
            Ok(Some(packet)) => {
                std::hint::black_box((packet.ts_micros, packet.linktype, packet.data));
            }
            Ok(None) => break,
            Err(e) => {
                std::hint::black_box((e.is_damage(), e.to_string()));
                break;
            }
        }
        packets += 1;
        assert!(
            packets <= data.len() / MIN_RECORD,
            "{packets} packets from a {}-byte file",
            data.len()
        );
    }
}
