//! Link-layer types found in pcap and pcapng files.

/// The link types otwatch decodes, by their LINKTYPE_* number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum LinkType {
    /// LINKTYPE_NULL (0): BSD loopback, 4-byte address family in host byte order.
    Null,
    /// LINKTYPE_ETHERNET (1).
    Ethernet,
    /// LINKTYPE_RAW (101), LINKTYPE_IPV4 (228), LINKTYPE_IPV6 (229): no link header.
    RawIp,
    /// LINKTYPE_LOOP (108): OpenBSD loopback, address family in network byte order.
    Loop,
    /// LINKTYPE_LINUX_SLL (113): Linux "cooked" capture v1.
    LinuxSll,
    /// LINKTYPE_LINUX_SLL2 (276): Linux "cooked" capture v2.
    LinuxSll2,
}

impl LinkType {
    /// Maps a LINKTYPE number to a decodable link type; `None` for link types that
    /// otwatch does not decode (the caller names the number in its message).
    pub fn from_linktype(number: u32) -> Option<Self> {
        Some(match number {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            101 | 228 | 229 | 12 | 14 => LinkType::RawIp,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            _ => return None,
        })
    }
}

/// A human name for a LINKTYPE number, for error messages about link types not decoded.
pub fn linktype_name(number: u32) -> &'static str {
    match number {
        0 => "NULL (BSD loopback)",
        1 => "ETHERNET",
        6 => "IEEE802_5 (Token Ring)",
        9 => "PPP",
        101 => "RAW",
        105 => "IEEE802_11 (Wi-Fi)",
        108 => "LOOP",
        113 => "LINUX_SLL",
        127 => "IEEE802_11_RADIOTAP (Wi-Fi with radiotap)",
        147..=162 => "USER0-15 (private use)",
        187 => "BLUETOOTH_HCI_H4",
        195 => "IEEE802_15_4 (Zigbee / 802.15.4)",
        201 => "BLUETOOTH_HCI_H4_WITH_PHDR",
        220 => "USB_LINUX_MMAPPED",
        228 => "IPV4",
        229 => "IPV6",
        276 => "LINUX_SLL2",
        _ => "unknown",
    }
}
