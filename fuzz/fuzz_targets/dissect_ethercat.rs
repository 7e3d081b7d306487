#![no_main]

//! Input: the payload of an EtherCAT frame (after EtherType 0x88a4): its datagrams' commands.

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::ethercat;

fuzz_target!(|data: &[u8]| {
    for command in ethercat::commands(data) {
        let _ = std::hint::black_box(ethercat::command_name(command));
    }
});
