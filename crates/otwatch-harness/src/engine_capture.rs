//! Input: a whole capture file, analysed as the command line would analyse it.

use otwatch_engine::{analyze, AnalyzeOptions, Input, Silent};

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let inputs = [Input::Memory {
        name: "fuzz.pcap".into(),
        bytes: data.to_vec(),
    }];
    let opts = AnalyzeOptions {
        threads: 1,
        ..Default::default()
    };
    std::hint::black_box(analyze(&inputs, &opts, &Silent));
}
