//! Zero-copy views of the headers otwatch decodes, from the link layer to TCP and UDP.
//!
//! Each header is a thin view over a borrowed byte slice whose constructor checks that the
//! fixed part is present; accessors read fields in network byte order. [`decode_frame`]
//! walks a captured frame from its link type down to the transport payload without
//! allocating, and says precisely why a frame could not be walked ([`DecodeError`]), so the
//! caller can count malformed packets per reason instead of stopping.

pub mod decode;
pub mod headers;
pub mod link;

pub use decode::{decode_frame, DecodeError, Frame, IpLayer, Network, Transport, VlanTags};
pub use link::LinkType;

/// Reads a big-endian u16 at `at`; callers have checked the length.
#[inline]
pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

#[inline]
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Formats a MAC address the way Zeek and most OT tools print it.
pub fn format_mac(mac: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]
    )
}
