#![no_main]

//! Input: a whole capture file, analysed as the command line would analyse it.

use libfuzzer_sys::fuzz_target;
use otwatch_engine::{analyze, AnalyzeOptions, Input, Silent};

fuzz_target!(|data: &[u8]| {
    let inputs = [Input::Memory {
        name: "fuzz.pcap".into(),
        bytes: data.to_vec(),
    }];
    let opts = AnalyzeOptions {
        threads: 1,
        ..Default::default()
    };
    std::hint::black_box(analyze(&inputs, &opts, &Silent));
});
