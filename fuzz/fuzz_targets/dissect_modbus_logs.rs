#![no_main]

//! Input: Modbus messages of one TCP connection, each
//! `[flags][transaction id, 2 bytes][unit][function][length][PDU data, length bytes]`;
//! flags bit 0: sent by the server; bit 1: delivered in two segments. The target gives each
//! message its MBAP header, wraps the connection (handshake, segments, FINs) in a pcap and
//! analyses it with transaction logs on, so that every byte the fuzzer mutates reaches
//! request/response pairing and the ICSNPP log rows, both ways round.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| otwatch_harness::dissect_modbus_logs::run(data));
