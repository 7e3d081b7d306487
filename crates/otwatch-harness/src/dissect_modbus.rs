//! Input: bytes of a Modbus/TCP stream; every ADU framed from it is decoded, and the input
//! is also read as the data of a Read Device Identification response.

use otwatch_dissect::modbus::{self, Framed};

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut rest = data;
    while let Framed::Adu(adu, used) = modbus::frame(rest) {
        let _ = std::hint::black_box(modbus::parse_device_identification(adu.data));
        let _ = std::hint::black_box((modbus::function_name(adu.function), adu.is_exception()));
        rest = &rest[used..];
    }
    let _ = std::hint::black_box(modbus::parse_device_identification(data));
}
