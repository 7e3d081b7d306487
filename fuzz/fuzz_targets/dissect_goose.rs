#![no_main]

//! Input: the payload of a GOOSE (EtherType 0x88B8) or Sampled Values (0x88BA) frame; the
//! first byte chooses which.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_goose::run(data));
