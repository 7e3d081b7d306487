//! otwatch only listens. Until live capture and the web UI arrive (with their own, reviewed
//! exceptions), no code in the workspace may open a socket of any kind.
//!
//! Reviewed exceptions: the SIEM forwarder (`otwatch alerts --syslog`), which sends alerts
//! only when a person asks, to the address they give, never during analysis; and its
//! end-to-end test, which receives them on a local socket.

use std::path::Path;

const ALLOWED: &[&str] = &[
    "crates/otwatch/src/siem.rs",
    "crates/otwatch/tests/alerts.rs",
];

const SOCKET_APIS: &[&str] = &[
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "UnixStream",
    "UnixDatagram",
    "socket2",
    "libc::socket",
    "libc::sendto",
    "AF_PACKET",
    "tokio::net",
    "reqwest",
    "pcap::Capture",
];

fn scan(dir: &Path, hits: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            scan(&path, hits);
        } else if path.extension().is_some_and(|e| e == "rs" || e == "toml")
            && !path.ends_with("passive.rs")
            && !ALLOWED.iter().any(|a| path.ends_with(a))
        {
            let text = std::fs::read_to_string(&path).unwrap();
            for api in SOCKET_APIS {
                if text.contains(api) {
                    hits.push(format!("{} uses {api}", path.display()));
                }
            }
        }
    }
}

#[test]
fn no_code_can_transmit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut hits = Vec::new();
    for dir in ["crates", "tools"] {
        scan(&root.join(dir), &mut hits);
    }
    assert!(hits.is_empty(), "socket APIs found: {hits:#?}");
}
