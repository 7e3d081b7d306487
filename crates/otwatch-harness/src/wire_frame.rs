//! Input: one selector byte naming the link type, then the captured frame.

use otwatch_wire::decode::decode_transport;
use otwatch_wire::{decode_frame, LinkType, Network, Transport};

const LINKS: [LinkType; 6] = [
    LinkType::Ethernet,
    LinkType::Null,
    LinkType::RawIp,
    LinkType::Loop,
    LinkType::LinuxSll,
    LinkType::LinuxSll2,
];

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let Some((&selector, frame)) = data.split_first() else {
        return;
    };
    let link = LINKS[usize::from(selector) % LINKS.len()];
    match decode_frame(link, frame) {
        Ok(decoded) => {
            std::hint::black_box(decoded.vlans.key());
            if let Network::Ip(ip) = &decoded.network {
                // The engine decodes a fragment's transport once the datagram is whole; a
                // lone fragment's bytes are the closest hostile stand-in for that.
                if matches!(ip.transport, Transport::Fragment) {
                    let _ = std::hint::black_box(decode_transport(ip.protocol, ip.payload));
                }
            }
        }
        Err(e) => {
            std::hint::black_box(e.reason());
        }
    }
}
