//! Ports on which some analyzer expects a server.
//!
//! Used only to decide who originated a flow whose start was not seen (no SYN), as Zeek
//! does with its `likely_server_ports`: when the sender's port is in this list and the
//! receiver's is not, the receiver is taken to be the originator.

/// TCP and UDP ports of protocols with a well-known server side, IT and OT.
const SERVER_PORTS: &[u16] = &[
    20, 21, 22, 23, 25, 53, 67, 68, 69, 80, 81, 88, 102, 110, 111, 123, 135, 137, 138, 139, 143, 161,
    162, 389, 443, 445, 465, 500, 502, 514, 546, 547, 563, 585, 587, 614, 631, 636, 989, 990, 992, 993,
    995, 1080, 1194, 1433, 1434, 1701, 1812, 1813, 1883, 1911, 1962, 2123, 2152, 2222, 2404, 2455, 3128,
    3268, 3306, 3389, 3478, 3544, 4000, 4712, 4713, 4789, 4840, 4843, 5007, 5060, 5094, 5223, 5353,
    5355, 5432, 5900, 6081, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8443, 8883, 8888, 9600, 10001,
    18245, 20000, 20547, 34962, 34963, 34964, 44818, 47808, 48898,
];

pub fn is_likely_server_port(port: u16) -> bool {
    SERVER_PORTS.binary_search(&port).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn list_is_sorted_for_binary_search() {
        assert!(super::SERVER_PORTS.windows(2).all(|w| w[0] < w[1]));
        assert!(super::is_likely_server_port(502));
        assert!(!super::is_likely_server_port(49152));
    }
}
