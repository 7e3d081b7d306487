//! Ports on which some analyzer expects a server, per transport.
//!
//! Used only to decide who originated a flow whose start was not seen (no SYN), as Zeek
//! does with its `likely_server_ports`: when the sender's port is in this list and the
//! receiver's is not, the receiver is taken to be the originator. Zeek's ports carry their
//! transport (4712/tcp is not 4712/udp), so the lists are separate.

const TCP_SERVER_PORTS: &[u16] = &[
    20, 21, 22, 23, 25, 53, 80, 81, 88, 102, 110, 135, 139, 143, 389, 443, 445, 465, 502, 563, 585,
    587, 614, 631, 636, 989, 990, 992, 993, 994, 995, 1080, 1433, 1883, 1911, 1962, 2404, 3128,
    3268, 3306, 3389, 4000, 4712, 4840, 5094, 5223, 5432, 5900, 5901, 5902, 5903, 5904, 5905, 5906,
    5907, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8443, 8883, 8888, 9600, 10001, 18245, 20000,
    20547, 44818, 48898,
];

const UDP_SERVER_PORTS: &[u16] = &[
    53, 67, 68, 69, 88, 123, 137, 161, 162, 500, 514, 546, 547, 1234, 1812, 1813, 2123, 2152, 2222,
    3478, 3544, 4000, 4500, 4713, 4789, 5060, 5072, 5094, 5353, 5355, 6081, 9600, 20000, 34964,
    44818, 47808,
];

pub fn is_likely_server_port(tcp: bool, port: u16) -> bool {
    let list = if tcp {
        TCP_SERVER_PORTS
    } else {
        UDP_SERVER_PORTS
    };
    list.binary_search(&port).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_are_sorted_for_binary_search() {
        assert!(super::TCP_SERVER_PORTS.windows(2).all(|w| w[0] < w[1]));
        assert!(super::UDP_SERVER_PORTS.windows(2).all(|w| w[0] < w[1]));
        assert!(super::is_likely_server_port(true, 502));
        assert!(super::is_likely_server_port(false, 4713));
        assert!(!super::is_likely_server_port(false, 4712));
        assert!(!super::is_likely_server_port(true, 49152));
    }
}
