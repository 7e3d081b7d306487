//! Input: bytes of a ROC Plus stream or datagram. Messages are cut one after the other by
//! their length byte, each told request or response, and every opcode-specific view that
//! applies is decoded.

use otwatch_dissect::roc_plus as roc;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let _ = std::hint::black_box(roc::looks_like(data));
    let mut rest = data;
    while let Ok((m, used)) = roc::parse(rest) {
        rest = &rest[used..];
        let kind = roc::packet_type(m.opcode, m.data);
        let _ = std::hint::black_box(roc::system_config(m.data));
        let _ = std::hint::black_box(roc::clock(m.data).map(|c| c.unix_seconds()));
        let _ = std::hint::black_box(roc::login(m.data));
        let _ = std::hint::black_box(roc::errors(m.data).count());
        if let Some(c) = roc::file_command(m.data) {
            let _ = std::hint::black_box(roc::file_transfer(m.data, c, true));
            let _ = std::hint::black_box(roc::file_transfer(m.data, c, false));
        }
        for response in [false, true] {
            let _ = std::hint::black_box(roc::table_data(m.data, response, true));
            let _ = std::hint::black_box(roc::point_parameters(m.data, response));
            let _ = std::hint::black_box(roc::user_defined(m.data, response));
            let _ = std::hint::black_box(roc::min_max(m.data, response));
            let _ = std::hint::black_box(roc::data_request(m.opcode, m.data, response));
            let _ = std::hint::black_box(roc::history_point_data(m.opcode, m.data, response));
            let _ = std::hint::black_box(roc::history_information(m.data, response));
            let _ = std::hint::black_box(roc::transaction_history(m.data, response));
        }
        let _ = std::hint::black_box(roc::store_and_forward(m.data));
        let _ = std::hint::black_box(kind);
    }
}
