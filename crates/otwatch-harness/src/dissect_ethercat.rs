//! Input: the payload of an EtherCAT frame (after EtherType 0x88a4): its datagrams' commands.

use otwatch_dissect::ethercat;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    for command in ethercat::commands(data) {
        let _ = std::hint::black_box(ethercat::command_name(command));
    }
}
