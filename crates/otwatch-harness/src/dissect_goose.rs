//! Input: the payload of a GOOSE (EtherType 0x88B8) or Sampled Values (0x88BA) frame; the
//! first byte chooses which.

use otwatch_dissect::goose;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let Some((&which, payload)) = data.split_first() else {
        return;
    };
    if which & 1 == 0 {
        let _ = std::hint::black_box(goose::parse_goose(payload));
    } else {
        let _ = std::hint::black_box(goose::parse_sampled_values(payload));
    }
}
