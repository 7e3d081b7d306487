//! Input: one SLMP / MC protocol binary frame (3E or 4E, request or response), decoded
//! with the views of batch device access and Read Type Name.

use otwatch_dissect::slmp::{self, Frame};

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let _ = std::hint::black_box(slmp::looks_like(data));
    match slmp::parse(data) {
        Ok(Frame::Request {
            command,
            subcommand,
            data,
            ..
        }) => {
            let _ = std::hint::black_box(slmp::command_name(command));
            let _ = std::hint::black_box(slmp::batch_range(subcommand, data));
        }
        Ok(Frame::Response { data, .. }) => {
            let _ = std::hint::black_box(slmp::type_name(data));
        }
        Err(_) => {}
    }
}
