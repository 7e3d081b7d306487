#![no_main]

//! Input: a declared-inventory CSV file as a site would export it. Parsing either yields
//! the declared assets or an error naming the line; it never panics, whatever the bytes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::declared_csv::run(data));
