//! Input: bytes of one direction of a GENISYS TCP stream. Messages are cut from it one
//! after the other, skipping what does not frame, as the engine does; the input is also
//! checked by the payload identification.

use otwatch_dissect::genisys::{self, Framed};

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut at = 0;
    while at < data.len() {
        match genisys::frame(&data[at..]) {
            Framed::Message(m, used) => {
                let _ = std::hint::black_box((genisys::header_name(m.header), m.crc_ok()));
                at += used;
            }
            Framed::Invalid(_, skip) => at += skip,
            Framed::NeedMore => break,
        }
    }
    let _ = std::hint::black_box(otwatch_dissect::identify::looks_like_genisys(data));
}
