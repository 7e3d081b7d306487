#![no_main]

//! Input: bytes of an EtherNet/IP stream; every encapsulation message framed from it is read
//! as a ListIdentity reply, and so is the input itself.

use libfuzzer_sys::fuzz_target;
use otwatch_dissect::enip::{self, Framed};

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Framed::Message(m, used) = enip::frame(rest) {
        let _ = std::hint::black_box(enip::parse_list_identity_reply(m.data));
        rest = &rest[used..];
    }
    let _ = std::hint::black_box(enip::parse_list_identity_reply(data));
});
