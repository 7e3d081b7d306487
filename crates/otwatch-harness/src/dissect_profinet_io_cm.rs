//! Input: one UDP datagram of PROFINET IO context management (connectionless DCE/RPC).
//! The header, a fragment acknowledgement's body, and the call's arguments and blocks are
//! decoded.

use otwatch_dissect::profinet_io_cm::{self as pn, Block};

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let Ok(d) = pn::parse(data) else {
        return;
    };
    let _ = std::hint::black_box(pn::uuid_text(&d.header.activity_uuid));
    let Ok(args) = pn::parse_args(&d.header, d.body) else {
        return;
    };
    for b in &args.blocks {
        match b {
            Block::Control { command, .. } => {
                let _ = std::hint::black_box(pn::control_command_names(*command));
            }
            Block::Record { index, .. } => {
                let _ = std::hint::black_box(pn::record_index_name(*index));
            }
            other => {
                let _ = std::hint::black_box(other);
            }
        }
    }
}
