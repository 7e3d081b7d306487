#![no_main]

//! Input: the text of a user rules file. Checking it either counts its rules or lists its
//! problems with line numbers; it never panics, whatever the TOML holds.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::rules_file::run(data));
