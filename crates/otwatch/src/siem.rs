//! The syslog forwarder behind `otwatch alerts --syslog`: the one place where otwatch sends
//! anything on a network.
//!
//! It runs only when a person asks for it on the command line, after the fact, towards the
//! SIEM address they give (normally on the management network); analysis and capture never
//! reach it. `tests/passive.rs` allows socket use in this file and nowhere else in the
//! product code, so that the exception stays this small and visible.

use crate::alerts::{hostname, syslog_message};
use anyhow::{bail, Context, Result};
use otwatch_model::Micros;
use otwatch_store::StoredAlert;
use std::io::Write as _;
use std::net::{TcpStream, UdpSocket};

pub fn send_syslog(url: &str, alerts: &[StoredAlert]) -> Result<usize> {
    let (scheme, addr) = url
        .split_once("://")
        .with_context(|| format!("--syslog {url:?}: write udp://HOST:PORT or tcp://HOST:PORT"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as Micros)
        .unwrap_or(0);
    let host = hostname();
    match scheme {
        "udp" => {
            let socket = UdpSocket::bind(if addr.starts_with('[') {
                "[::]:0"
            } else {
                "0.0.0.0:0"
            })
            .context("cannot open a UDP socket")?;
            socket
                .connect(addr)
                .with_context(|| format!("cannot reach syslog server {addr}"))?;
            for s in alerts {
                socket
                    .send(syslog_message(s, &host, now).as_bytes())
                    .with_context(|| format!("cannot send to syslog server {addr}"))?;
            }
        }
        "tcp" => {
            let mut stream = TcpStream::connect(addr)
                .with_context(|| format!("cannot connect to syslog server {addr}"))?;
            for s in alerts {
                // Octet counting (RFC 6587): the length, a space, the message.
                let m = syslog_message(s, &host, now);
                write!(stream, "{} {m}", m.len())
                    .with_context(|| format!("cannot send to syslog server {addr}"))?;
            }
            stream.flush()?;
        }
        other => bail!(
            "--syslog {url:?}: unknown scheme {other:?}; write udp://HOST:PORT or tcp://HOST:PORT"
        ),
    }
    Ok(alerts.len())
}
