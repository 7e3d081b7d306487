//! Input: bytes of a C37.118 stream (or one UDP datagram). Frames are cut from it; each
//! configuration is kept and the data frames that follow are read with it, as a flow does;
//! commands are decoded. The input is also read as a bare configuration body.

use otwatch_dissect::synchrophasor::{self as c37, FrameType};

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut config = c37::config(data).unwrap_or_default();
    let mut rest = data;
    while let Some(total) = c37::frame_len(rest) {
        let Some(bytes) = rest.get(..total) else {
            break;
        };
        if let Ok(f) = c37::parse(bytes) {
            match f.frame_type {
                FrameType::Cfg1 | FrameType::Cfg2 => {
                    if let Ok(c) = c37::config(f.body) {
                        config = c;
                    }
                }
                FrameType::Data => {
                    let _ = std::hint::black_box(c37::data(f.body, &config));
                }
                FrameType::Command => {
                    let _ = std::hint::black_box(
                        c37::command(f.body).map(|(c, _)| c37::command_name(c)),
                    );
                }
                _ => {}
            }
        }
        rest = &rest[total..];
    }
}
