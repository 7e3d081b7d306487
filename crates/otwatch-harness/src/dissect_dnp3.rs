//! Input: bytes of a DNP3 stream (as over TCP, or one UDP datagram). Link frames are cut
//! from it, their CRCs checked, their segments reassembled, and every application fragment
//! decoded down to its objects. Since mutations rarely keep CRCs right, the input is also
//! decoded as one application fragment directly.

use otwatch_dissect::dnp3::{
    self, AnalogOutput, Attribute, Crob, FileObject, LinkFramed, Reassembled, Reassembler,
};

fn fragment(bytes: &[u8]) {
    let Ok(f) = dnp3::parse_fragment(bytes) else {
        return;
    };
    let _ = std::hint::black_box(dnp3::function_name(f.header.function));
    for objects in dnp3::objects(&f).flatten() {
        let v = objects.header.variation;
        let _ = std::hint::black_box(objects.header.count());
        for o in objects.items() {
            let _ = std::hint::black_box(Crob::parse(o.data));
            let _ = std::hint::black_box(AnalogOutput::parse(v, o.data));
            let _ = std::hint::black_box(Attribute::parse(v, o.data));
            let _ = std::hint::black_box(FileObject::parse(v, o.data));
        }
    }
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut reassembler = Reassembler::default();
    let mut user = [0u8; dnp3::MAX_USER_DATA];
    let mut rest = data;
    while let LinkFramed::Frame(frame) = dnp3::frame_link(rest) {
        rest = &rest[frame.bytes.len()..];
        if let Ok(segment) = frame.user_data(&mut user) {
            if !segment.is_empty() {
                if let Reassembled::Fragment(bytes) = reassembler.push(segment) {
                    fragment(bytes);
                }
            }
        }
    }
    fragment(data);
}
