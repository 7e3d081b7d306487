//! Agreement with nDPI's per-flow protocol on the captures whose only peer output is
//! `ndpiReader`'s `*.out`: every flow nDPI names as industrial must carry the same protocol
//! in otwatch's flow records.
//!
//! nDPI writes one line per flow, e.g.
//! `1  TCP 10.0.0.1:2404 <-> 10.0.0.2:54768 [proto: 245/IEC60870][...][cat: IoT-Scada/31]...`.
//! A flow is industrial when nDPI files it under `IoT-Scada`, or names EtherNet/IP or CIP
//! (which nDPI files under `Network`).

use anyhow::{Context, Result};
use otwatch_engine::{analyze, AnalyzeOptions, Input, Silent};
use otwatch_model::FlowRecord;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

/// One flow of an nDPI result file.
#[derive(Debug, PartialEq)]
pub struct NdpiFlow {
    pub transport: String,
    pub a: SocketAddr,
    pub b: SocketAddr,
    /// nDPI's protocol name, master and application joined by a dot (`Modbus.UMAS`).
    pub protocol: String,
    pub category: String,
}

impl NdpiFlow {
    pub fn is_industrial(&self) -> bool {
        self.category.starts_with("IoT-Scada")
            || matches!(self.protocol.as_str(), "EthernetIP" | "CIP")
    }
}

/// The flow lines of an `ndpiReader` result; lines that are not flows are skipped.
pub fn parse_out(text: &str) -> Vec<NdpiFlow> {
    text.lines().filter_map(parse_flow_line).collect()
}

fn parse_flow_line(line: &str) -> Option<NdpiFlow> {
    let mut words = line.trim_start().splitn(3, char::is_whitespace);
    words.next()?.parse::<u32>().ok()?;
    let transport = words.next()?.to_ascii_lowercase();
    let rest = words.next()?.trim_start();
    let (a, rest) = rest.split_once(' ')?;
    let (arrow, rest) = rest.split_once(' ')?;
    if !matches!(arrow, "<->" | "->") {
        return None;
    }
    let (b, rest) = rest.split_once(' ')?;
    let field = |name: &str| {
        let start = rest.find(&format!("[{name}: "))? + name.len() + 3;
        let end = start + rest[start..].find(']')?;
        Some(rest[start..end].to_string())
    };
    let protocol = field("proto")?;
    let protocol = protocol
        .split_once('/')
        .map_or(protocol.as_str(), |(_, n)| n);
    Some(NdpiFlow {
        transport,
        a: parse_endpoint(a)?,
        b: parse_endpoint(b)?,
        protocol: protocol.to_string(),
        category: field("cat").unwrap_or_default(),
    })
}

/// `10.0.0.1:502` or `[fe80::1]:320`.
fn parse_endpoint(text: &str) -> Option<SocketAddr> {
    if let Ok(s) = text.parse() {
        return Some(s);
    }
    let (ip, port) = text.rsplit_once(':')?;
    Some(SocketAddr::new(
        ip.parse::<IpAddr>().ok()?,
        port.parse().ok()?,
    ))
}

/// otwatch's service names that mean what nDPI's protocol name means; empty when otwatch
/// has no name for it.
pub fn our_services(ndpi: &str) -> &'static [&'static str] {
    match ndpi {
        "Modbus" | "Modbus.UMAS" => &["modbus"],
        "DNP3" => &["dnp3_tcp", "dnp3_udp"],
        "IEC60870" => &["iec104"],
        "S7Comm" => &["cotp,s7comm"],
        "S7CommPlus" => &["cotp,s7comm-plus"],
        "EthernetIP" => &["enip"],
        "CIP" => &["cip"],
        "BACnet" => &["bacnet"],
        "OPC-UA" => &["opcua-binary"],
        "FINS" => &["omron_fins"],
        "BeckhoffADS" => &["ads"],
        "ISO9506-1-MMS" => &["cotp,mms", "mms"],
        "IEEE-C37118" => &["synchrophasor"],
        "DCERPC.PROFINET_IO" | "PROFINET_IO" => &["spicy_profinet_io_cm"],
        "IEC62056" => &["dlms"],
        "ANSI_C1222" => &["c1222"],
        "KNXnet_IP" => &["knxnet_ip"],
        "HART-IP" => &["hart_ip"],
        _ => &[],
    }
}

#[derive(Debug, Default)]
pub struct Agreement {
    pub industrial: usize,
    pub agreed: usize,
    /// One line per disagreement: capture, flow, nDPI's protocol, otwatch's.
    pub disagreements: Vec<String>,
}

/// Runs every `*.out` result of `MANIFEST.tsv` rows against otwatch's analysis of its
/// capture.
pub fn check(corpus: &Path, pairs: &[(String, String)]) -> Result<Agreement> {
    let mut total = Agreement::default();
    for (capture, out) in pairs {
        let text = std::fs::read_to_string(corpus.join(out))
            .with_context(|| format!("reading {}", corpus.join(out).display()))?;
        let wanted: Vec<NdpiFlow> = parse_out(&text)
            .into_iter()
            .filter(NdpiFlow::is_industrial)
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let analysis = analyze(
            &[Input::File(corpus.join(capture))],
            &AnalyzeOptions {
                threads: 1,
                ..AnalyzeOptions::default()
            },
            &Silent,
        );
        for flow in &wanted {
            total.industrial += 1;
            let ours = analysis.flows.iter().find(|f| same_flow(f, flow));
            let service = ours.and_then(|f| f.service.as_deref());
            if service.is_some_and(|s| our_services(&flow.protocol).contains(&s)) {
                total.agreed += 1;
            } else {
                total.disagreements.push(format!(
                    "{capture}: {} {} <-> {}: nDPI {}, otwatch {}",
                    flow.transport,
                    flow.a,
                    flow.b,
                    flow.protocol,
                    match (ours, service) {
                        (None, _) => "no such flow".to_string(),
                        (Some(_), None) => "no protocol".to_string(),
                        (Some(_), Some(s)) => s.to_string(),
                    }
                ));
            }
        }
    }
    Ok(total)
}

fn same_flow(f: &FlowRecord, n: &NdpiFlow) -> bool {
    let orig = SocketAddr::new(f.orig_h, f.orig_p);
    let resp = SocketAddr::new(f.resp_h, f.resp_p);
    f.transport.as_str() == n.transport
        && ((orig == n.a && resp == n.b) || (orig == n.b && resp == n.a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_lines() {
        let text = "Confidence DPI              : 2 (flows)\n\
            \t1\tTCP 10.175.211.1:2404 <-> 10.119.105.26:54768 [proto: 245/IEC60870][IP: 0/Unknown][ClearText][cat: IoT-Scada/31][7 pkts/987 bytes]\n\
            \t2\tUDP [fe80::20:9400:d]:320 <-> [fe80::2b0:aeff:fe01:f921]:320 [proto: 358/PTPv2][cat: System/18]\n\
            \t3\tTCP 10.0.0.1:1 <-> 10.0.0.2:502 [proto: 44.364/Modbus.UMAS][cat: IoT-Scada/31]\n";
        let flows = parse_out(text);
        assert_eq!(flows.len(), 3);
        assert_eq!(flows[0].protocol, "IEC60870");
        assert_eq!(flows[0].a, "10.175.211.1:2404".parse().unwrap());
        assert!(flows[0].is_industrial());
        assert_eq!(
            flows[1].b,
            "[fe80::2b0:aeff:fe01:f921]:320".parse().unwrap()
        );
        assert!(!flows[1].is_industrial());
        assert_eq!(flows[2].protocol, "Modbus.UMAS");
        assert_eq!(our_services(&flows[2].protocol), &["modbus"]);
    }
}
