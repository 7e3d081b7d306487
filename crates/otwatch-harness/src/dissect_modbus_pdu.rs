//! Input: bytes of a Modbus/TCP stream. Every ADU framed from it has its body decoded both
//! as a request and as a response, and every value those views hold is read, as the logs
//! read them: registers, coils, file records, identification objects, server id text.

use otwatch_dissect::modbus::{self, Framed, Request, Response};

fn read_request(body: Request<'_>) -> u64 {
    match body {
        Request::WriteMultipleCoils { coils, .. } => coils.iter().filter(|c| *c).count() as u64,
        Request::WriteMultipleRegisters { registers, .. }
        | Request::ReadWriteMultipleRegisters {
            write_registers: registers,
            ..
        } => registers.iter().map(u64::from).sum(),
        Request::ReadFileRecord(refs) => refs.iter().map(|r| u64::from(r.record_length)).sum(),
        Request::WriteFileRecord(records) => records.iter().map(|r| r.data.len() as u64).sum(),
        Request::Diagnostics { data, .. } | Request::Encapsulated { data, .. } => data.len() as u64,
        _ => 0,
    }
}

fn read_response(body: Response<'_>) -> u64 {
    match body {
        Response::Bits(bits) => bits.iter().filter(|b| *b).count() as u64,
        Response::Registers(r) | Response::ReadFifoQueue(r) => r.iter().map(u64::from).sum(),
        Response::ReadFileRecord(records) => records.iter().map(|r| r.data.len() as u64).sum(),
        Response::WriteFileRecord(records) => records.count() as u64,
        Response::Exception(code) => u64::from(code),
        _ => 0,
    }
}

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let mut rest = data;
    let mut sum = 0u64;
    while let Framed::Adu(adu, used) = modbus::frame(rest) {
        if let Ok(body) = modbus::parse_request(adu.function, adu.data) {
            sum = sum.wrapping_add(read_request(body));
        }
        if let Ok(body) = modbus::parse_response(adu.function, adu.data) {
            sum = sum.wrapping_add(read_response(body));
        }
        if let Ok(asked) = modbus::device_identification_request(adu.data) {
            sum = sum.wrapping_add(u64::from(asked.object_id));
        }
        if let Ok(answer) = modbus::device_identification_response(adu.data) {
            sum = sum.wrapping_add(answer.objects().map(|(_, v)| v.len() as u64).sum());
        }
        if let Ok(server) = modbus::report_server_id(adu.data) {
            std::hint::black_box(modbus::server_id_text(server));
        }
        rest = &rest[used..];
    }
    std::hint::black_box(sum);
}
