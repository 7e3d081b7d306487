//! The inventory and the communication map in the formats other tools import.
//!
//! Spreadsheets and asset databases take CSV, scripts take JSON, graph tools take GraphML
//! (yEd, Gephi) or DOT (Graphviz), and NetBox takes its own bulk-import CSV. Every writer
//! here works on the model types alone, writes to any `io::Write`, and never reads the
//! store, so each format is tested from assets built in memory. The column sets and
//! conventions are documented in `docs/inventory.md` ("Exports").
//!
//! Every CSV cell goes through [`csv_cell`]: a value a spreadsheet would run as a formula
//! (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`,
//! because names and hostnames come from the traffic and anyone on the network can choose
//! them.

use otwatch_model::identity::{AssetRole, PurdueLevel};
use otwatch_model::{iso_time, Asset, Edge, FunctionAggregate, IdentifiedBy, ProtocolRole};
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Write};

#[cfg(test)]
mod fixtures;
mod graph;
mod netbox;

pub use graph::{write_dot, write_graphml};
pub use netbox::{
    netbox_names, netbox_role, write_netbox_devices, write_netbox_interfaces, write_netbox_ips,
    NetboxPrerequisites, NETBOX_DEVICE_COLUMNS, NETBOX_INTERFACE, NETBOX_INTERFACE_COLUMNS,
    NETBOX_IP_COLUMNS, NETBOX_UNKNOWN,
};

/// One CSV cell: guarded against formula injection, then quoted as RFC 4180 asks.
pub fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn csv_row<W: Write>(w: &mut W, cells: &[String]) -> io::Result<()> {
    let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    // CRLF is what RFC 4180 and spreadsheet importers expect.
    write!(w, "{}\r\n", line.join(","))
}

fn csv_header<W: Write>(w: &mut W, names: &[&str]) -> io::Result<()> {
    write!(w, "{}\r\n", names.join(","))
}

fn fact_text(f: &otwatch_model::identity::FactField) -> String {
    f.as_ref().map(|f| f.value.clone()).unwrap_or_default()
}

/// The name people know the asset by: theirs first, then the device's own, then DNS/DHCP.
pub fn asset_name(a: &Asset) -> Option<String> {
    a.overrides
        .name
        .clone()
        .or_else(|| a.identity.name.as_ref().map(|f| f.value.clone()))
        .or_else(|| a.hostnames.first().cloned())
        .filter(|n| !n.trim().is_empty())
}

/// The vendor as fused from the device's statements, else as the MAC's OUI says.
pub fn asset_vendor(a: &Asset) -> Option<String> {
    a.identity
        .vendor
        .as_ref()
        .map(|f| f.value.clone())
        .or_else(|| a.vendor.clone())
}

/// A person's role beats the inferred one.
pub fn asset_role(a: &Asset) -> AssetRole {
    a.overrides.role.unwrap_or(a.identity.role)
}

pub fn asset_purdue(a: &Asset) -> Option<PurdueLevel> {
    a.overrides.purdue_level.or(a.identity.purdue_level)
}

fn address(a: &Asset) -> String {
    a.ips
        .first()
        .map(|ip| ip.to_string())
        .or_else(|| a.macs.first().cloned())
        .unwrap_or_else(|| a.key.clone())
}

fn joined<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// "modbus/502 server; dns client"; a protocol known only by its port carries a '?'.
fn protocols_text(a: &Asset) -> String {
    let mut seen = Vec::new();
    for p in &a.protocols {
        let guess = if p.identified_by == IdentifiedBy::Port {
            "?"
        } else {
            ""
        };
        let text = match (p.role, p.port) {
            (ProtocolRole::Server, Some(port)) => format!("{}{guess}/{port} server", p.protocol),
            (ProtocolRole::Server, None) => format!("{}{guess} server", p.protocol),
            (ProtocolRole::Client, _) => format!("{}{guess} client", p.protocol),
        };
        if !seen.contains(&text) {
            seen.push(text);
        }
    }
    seen.join("; ")
}

/// An asset as `otwatch assets --json` prints it: its database id and every field.
#[derive(Serialize)]
pub struct AssetRecord<'a> {
    pub id: i64,
    #[serde(flatten)]
    pub asset: &'a Asset,
}

/// The inventory as a JSON array (pretty) or as JSON lines.
pub fn write_assets_json<W: Write>(
    w: &mut W,
    assets: &[(i64, Asset)],
    lines: bool,
) -> io::Result<()> {
    let records: Vec<AssetRecord<'_>> = assets
        .iter()
        .map(|(id, asset)| AssetRecord { id: *id, asset })
        .collect();
    write_json(w, &records, lines)
}

fn write_json<W: Write, T: Serialize>(w: &mut W, items: &[T], lines: bool) -> io::Result<()> {
    if lines {
        for item in items {
            serde_json::to_writer(&mut *w, item)?;
            writeln!(w)?;
        }
    } else {
        serde_json::to_writer_pretty(&mut *w, items)?;
        writeln!(w)?;
    }
    Ok(())
}

pub const ASSET_CSV_COLUMNS: &[&str] = &[
    "id",
    "key",
    "ips",
    "macs",
    "vendor",
    "model",
    "order_number",
    "product_family",
    "firmware",
    "hardware_revision",
    "serial",
    "name",
    "role",
    "purdue_level",
    "parent",
    "position",
    "first_seen",
    "last_seen",
    "protocols",
    "owner",
    "criticality",
    "location",
    "decommissioned",
    "notes",
    "role_reasons",
    "modules",
    "conflicts",
];

/// One row per asset with the fused identity and what people recorded about it.
pub fn write_assets_csv<W: Write>(w: &mut W, assets: &[(i64, Asset)]) -> io::Result<()> {
    csv_header(w, ASSET_CSV_COLUMNS)?;
    for (id, a) in assets {
        let id_ = &a.identity;
        let o = &a.overrides;
        csv_row(
            w,
            &[
                id.to_string(),
                a.key.clone(),
                joined(&a.ips),
                joined(&a.macs),
                asset_vendor(a).unwrap_or_default(),
                fact_text(&id_.model),
                fact_text(&id_.order_number),
                fact_text(&id_.product_family),
                fact_text(&id_.firmware),
                fact_text(&id_.hardware_revision),
                fact_text(&id_.serial),
                asset_name(a).unwrap_or_default(),
                asset_role(a).as_str().to_string(),
                asset_purdue(a)
                    .map(|l| l.as_str().to_string())
                    .unwrap_or_default(),
                a.parent.clone().unwrap_or_default(),
                a.position.clone().unwrap_or_default(),
                iso_time(a.first_seen),
                iso_time(a.last_seen),
                protocols_text(a),
                o.owner.clone().unwrap_or_default(),
                o.criticality.clone().unwrap_or_default(),
                o.location.clone().unwrap_or_default(),
                match o.decommissioned {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => String::new(),
                },
                o.notes.clone().unwrap_or_default(),
                id_.role_reasons.join("; "),
                modules_text(a),
                conflicts_text(a),
            ],
        )?;
    }
    Ok(())
}

/// "slot 2 1756-ENBT/A fw 3.1; slot 3 1756-L61": what the controller said sits in it.
fn modules_text(a: &Asset) -> String {
    a.identity
        .modules
        .iter()
        .map(|m| {
            let mut text = m.position.clone();
            for (prefix, v) in [("", &m.model), ("fw ", &m.firmware), ("sn ", &m.serial)] {
                if let Some(v) = v {
                    text.push_str(&format!(" {prefix}{v}"));
                }
            }
            text
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// "firmware: V3.2.6 | V3.2.5": fields whose sources disagree, shown value first.
fn conflicts_text(a: &Asset) -> String {
    a.identity
        .conflicts
        .iter()
        .map(|c| {
            let values: Vec<&str> = c.values.iter().map(|v| v.value.as_str()).collect();
            format!("{}: {}", c.field, values.join(" | "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub const ATTRIBUTE_CSV_COLUMNS: &[&str] = &[
    "asset_id",
    "asset",
    "name",
    "value",
    "protocol",
    "message",
    "capture",
    "frame",
    "time",
    "confidence",
];

/// One row per attribute with its evidence: the answer to "why do you say that?".
pub fn write_attributes_csv<W: Write>(w: &mut W, assets: &[(i64, Asset)]) -> io::Result<()> {
    csv_header(w, ATTRIBUTE_CSV_COLUMNS)?;
    for (id, a) in assets {
        for at in &a.attributes {
            let e = &at.evidence;
            csv_row(
                w,
                &[
                    id.to_string(),
                    a.key.clone(),
                    at.name.clone(),
                    at.value.clone(),
                    e.protocol.clone(),
                    e.message.clone(),
                    e.capture.clone(),
                    e.frame.to_string(),
                    iso_time(e.ts),
                    format!("{:.2}", e.confidence),
                ],
            )?;
        }
    }
    Ok(())
}

/// How often one protocol function was requested on an edge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionCount {
    pub function: String,
    pub count: u64,
    pub first_seen: i64,
    pub last_seen: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub addresses: String,
}

/// An edge of the communication map with the functions its client requested.
#[derive(Debug, Clone, Serialize)]
pub struct EdgeRecord {
    #[serde(flatten)]
    pub edge: Edge,
    pub client_label: String,
    pub server_label: String,
    pub functions: Vec<FunctionCount>,
}

/// How an endpoint reads in a map: name, address, role, as far as they are known.
pub struct NodeLabels {
    labels: HashMap<String, NodeLabel>,
}

#[derive(Debug, Clone, Default)]
struct NodeLabel {
    name: Option<String>,
    address: String,
    role: Option<AssetRole>,
    vendor: Option<String>,
    purdue: Option<PurdueLevel>,
}

impl NodeLabels {
    pub fn new(assets: &[(i64, Asset)]) -> Self {
        let labels = assets
            .iter()
            .map(|(_, a)| {
                (
                    a.key.clone(),
                    NodeLabel {
                        name: asset_name(a),
                        address: address(a),
                        role: Some(asset_role(a)).filter(|r| *r != AssetRole::Unknown),
                        vendor: asset_vendor(a),
                        purdue: asset_purdue(a),
                    },
                )
            })
            .collect();
        Self { labels }
    }

    fn get(&self, key: &str) -> NodeLabel {
        self.labels.get(key).cloned().unwrap_or_else(|| NodeLabel {
            // Endpoints that are not assets (broadcast, multicast, "net:" groups) keep
            // their key, less the prefix.
            address: key.strip_prefix("net:").unwrap_or(key).to_string(),
            ..NodeLabel::default()
        })
    }

    /// One line: "PLC-1 (10.0.0.1)" or "10.0.0.1".
    pub fn one_line(&self, key: &str) -> String {
        let l = self.get(key);
        match l.name {
            Some(n) => format!("{n} ({})", l.address),
            None => l.address,
        }
    }

    /// Name, address and role on separate lines, for graph nodes.
    fn lines(&self, key: &str) -> Vec<String> {
        let l = self.get(key);
        let mut out = Vec::new();
        out.extend(l.name);
        out.push(l.address);
        out.extend(l.role.map(|r| r.as_str().to_string()));
        out
    }
}

/// The protocols whose edges may carry a function of `protocol`, in order of preference.
/// Edges are named by the flow's service ("cotp,s7comm", "enip"), functions by the
/// protocol that states them ("s7comm", "cip"): CIP requests travel in EtherNet/IP
/// sessions, S7 and MMS in COTP.
fn carriers(protocol: &str) -> Vec<String> {
    let p = normal_protocol(protocol);
    match p.as_str() {
        "cip" => vec!["enip".into(), "cip".into()],
        "s7comm" | "s7comm_plus" | "mms" => vec![p.clone(), "cotp".into()],
        _ => vec![p],
    }
}

fn normal_protocol(p: &str) -> String {
    p.trim().to_ascii_lowercase().replace('-', "_")
}

fn carries(edge: &Edge, protocol: &str) -> bool {
    edge.protocol
        .split(',')
        .any(|part| normal_protocol(part) == protocol)
}

/// The map's edges with the functions requested on each, and the aggregates that matched
/// no edge (an edge and its functions recorded by different runs, say), so that none is
/// dropped without a word.
pub struct EdgeRecords {
    pub edges: Vec<EdgeRecord>,
    pub unmatched: Vec<FunctionAggregate>,
}

/// Joins each edge with the function aggregates of its client and server. A function
/// goes to the pair's edges of the most preferred protocol that carries it (see
/// [`carriers`]), or to the pair's only edge. Aggregates carry no port, so an edge seen
/// on two ports with one protocol lists the same functions on both.
pub fn edge_records(
    edges: &[Edge],
    functions: &[FunctionAggregate],
    labels: &NodeLabels,
) -> EdgeRecords {
    let mut by_pair: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, e) in edges.iter().enumerate() {
        by_pair
            .entry((e.client.as_str(), e.server.as_str()))
            .or_default()
            .push(i);
    }
    let mut attached: Vec<Vec<FunctionCount>> = vec![Vec::new(); edges.len()];
    let mut unmatched = Vec::new();
    for f in functions {
        let pair = by_pair
            .get(&(f.client.as_str(), f.server.as_str()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut targets: Vec<usize> = carriers(&f.protocol)
            .iter()
            .map(|c| {
                pair.iter()
                    .copied()
                    .filter(|&i| carries(&edges[i], c))
                    .collect::<Vec<_>>()
            })
            .find(|found| !found.is_empty())
            .unwrap_or_default();
        if targets.is_empty() && pair.len() == 1 {
            targets = pair.to_vec();
        }
        if targets.is_empty() {
            unmatched.push(f.clone());
        }
        for i in targets {
            attached[i].push(FunctionCount {
                function: f.function.clone(),
                count: f.count,
                first_seen: f.first_seen,
                last_seen: f.last_seen,
                addresses: f.addresses.to_text(),
            });
        }
    }
    let edges = edges
        .iter()
        .zip(attached)
        .map(|(e, mut functions)| {
            functions.sort_by(|a, b| b.count.cmp(&a.count).then(a.function.cmp(&b.function)));
            EdgeRecord {
                edge: e.clone(),
                client_label: labels.one_line(&e.client),
                server_label: labels.one_line(&e.server),
                functions,
            }
        })
        .collect();
    EdgeRecords { edges, unmatched }
}

pub fn write_edges_json<W: Write>(w: &mut W, edges: &[EdgeRecord], lines: bool) -> io::Result<()> {
    write_json(w, edges, lines)
}

/// "read_holding_registers=12; write_single_register=3", most frequent first.
fn functions_text(functions: &[FunctionCount]) -> String {
    functions
        .iter()
        .map(|f| format!("{}={}", f.function, f.count))
        .collect::<Vec<_>>()
        .join("; ")
}

pub const EDGE_CSV_COLUMNS: &[&str] = &[
    "client",
    "server",
    "protocol",
    "port",
    "transport",
    "identified_by",
    "flows",
    "packets",
    "bytes",
    "first_seen",
    "last_seen",
    "first_capture",
    "first_frame",
    "client_label",
    "server_label",
    "functions",
];

pub fn write_edges_csv<W: Write>(w: &mut W, edges: &[EdgeRecord]) -> io::Result<()> {
    csv_header(w, EDGE_CSV_COLUMNS)?;
    for r in edges {
        let e = &r.edge;
        csv_row(
            w,
            &[
                e.client.clone(),
                e.server.clone(),
                e.protocol.clone(),
                e.server_port.map(|p| p.to_string()).unwrap_or_default(),
                e.transport.as_str().to_string(),
                match e.identified_by {
                    IdentifiedBy::Payload => "payload".into(),
                    IdentifiedBy::Port => "port".into(),
                },
                e.flows.to_string(),
                e.packets.to_string(),
                e.bytes.to_string(),
                iso_time(e.first_seen),
                iso_time(e.last_seen),
                e.first_capture.clone(),
                if e.first_frame == 0 {
                    String::new()
                } else {
                    e.first_frame.to_string()
                },
                r.client_label.clone(),
                r.server_label.clone(),
                functions_text(&r.functions),
            ],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn cells_are_quoted_and_guarded_against_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        for risky in ["=1+1", "+41", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(
                csv_cell(risky).trim_matches('"').starts_with('\''),
                "{risky}"
            );
        }
        assert_eq!(csv_cell("=A1,B1"), "\"'=A1,B1\"");
        assert_eq!(csv_cell("10.0.0.1"), "10.0.0.1");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn assets_csv_has_fused_identity_and_overrides() {
        let mut out = Vec::new();
        write_assets_csv(&mut out, &plant()).unwrap();
        let (headers, rows) = parsed_csv(&out);
        assert_eq!(headers, ASSET_CSV_COLUMNS);
        assert_eq!(rows.len(), 4);
        let plc = &rows[0];
        let col = |name| column(&headers, plc, name);
        assert_eq!(col("vendor"), "Siemens");
        assert_eq!(col("order_number"), "6ES7 315-2EH14-0AB0");
        assert_eq!(col("product_family"), "S7-300 CPU 315-2 PN/DP");
        assert_eq!(col("firmware"), "V3.2.6");
        assert_eq!(col("serial"), "S C-X4U421302009");
        assert_eq!(col("name"), "PLC, \"line 1\"");
        assert_eq!(col("role"), "controller");
        assert_eq!(col("purdue_level"), "1");
        assert_eq!(col("protocols"), "s7comm/102 server");
        assert_eq!(col("location"), "Hall 2\ncabinet 4");
        assert_eq!(col("criticality"), "high");
        assert_eq!(
            col("role_reasons"),
            "answers S7 on 102 and serves SZL: controller"
        );
        assert_eq!(
            col("modules"),
            "rack 0 slot 2 6ES7 315-2EH14-0AB0 fw V3.2.6"
        );
        assert_eq!(col("conflicts"), "firmware: V3.2.6 | V3.2.5");
        assert_eq!(col("first_seen"), "2026-03-02T08:00:00.000000Z");
        let io = &rows[1];
        assert_eq!(column(&headers, io, "parent"), "mac:00:1b:1b:01:02:03");
        assert_eq!(column(&headers, io, "position"), "Modbus unit 3");
        assert_eq!(column(&headers, io, "role"), "unknown");
        // The hostname an attacker chose does not reach a spreadsheet as a formula.
        assert_eq!(
            column(&headers, &rows[2], "name"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(column(&headers, &rows[3], "decommissioned"), "yes");
    }

    #[test]
    fn attributes_csv_has_one_row_per_attribute_with_evidence() {
        let mut out = Vec::new();
        write_attributes_csv(&mut out, &plant()).unwrap();
        let (headers, rows) = parsed_csv(&out);
        assert_eq!(headers, ATTRIBUTE_CSV_COLUMNS);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            [
                "1",
                "mac:00:1b:1b:01:02:03",
                "order_number",
                "6ES7 315-2EH14-0AB0",
                "s7comm",
                "Read SZL 0x0011, index 1",
                "plant.pcap",
                "7",
                "2026-03-02T08:00:00.000000Z",
                "1.00"
            ]
        );
        assert_eq!(column(&headers, &rows[1], "asset_id"), "3");
        assert_eq!(
            column(&headers, &rows[1], "value"),
            "'=HYPERLINK(\"http://x\")"
        );
    }

    #[test]
    fn assets_json_carries_identity_overrides_and_parent() {
        let mut out = Vec::new();
        write_assets_json(&mut out, &plant(), false).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 4);
        assert_eq!(v[0]["id"], 1);
        assert_eq!(v[0]["identity"]["firmware"]["value"], "V3.2.6");
        assert_eq!(
            v[0]["identity"]["firmware"]["evidence"]["message"],
            "Read SZL 0x0011"
        );
        assert_eq!(v[0]["identity"]["role"], "controller");
        assert_eq!(v[0]["identity"]["purdue_level"], "1");
        assert_eq!(v[0]["overrides"]["owner"], "Process team");
        assert_eq!(v[0]["attributes"][0]["evidence"]["frame"], 7);
        assert_eq!(v[1]["parent"], "mac:00:1b:1b:01:02:03");
        assert_eq!(v[1]["position"], "Modbus unit 3");

        let mut lines = Vec::new();
        write_assets_json(&mut lines, &plant(), true).unwrap();
        let text = String::from_utf8(lines).unwrap();
        assert_eq!(text.lines().count(), 4);
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }

    #[test]
    fn edges_carry_their_function_sets() {
        let assets = plant();
        let labels = NodeLabels::new(&assets);
        let (edges, functions) = edges();
        let records = edge_records(&edges, &functions, &labels).edges;
        assert_eq!(records[0].functions.len(), 2);
        assert_eq!(records[0].functions[0].function, "read_var");
        assert_eq!(records[0].functions[0].addresses, "db 1");
        assert!(records[1].functions.is_empty());
        assert_eq!(records[0].server_label, "PLC, \"line 1\" (10.0.0.10)");
        assert_eq!(records[1].server_label, "broadcast");

        let mut out = Vec::new();
        write_edges_csv(&mut out, &records).unwrap();
        let (headers, rows) = parsed_csv(&out);
        assert_eq!(headers, EDGE_CSV_COLUMNS);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            column(&headers, &rows[0], "functions"),
            "read_var=12; write_var=3"
        );
        assert_eq!(column(&headers, &rows[0], "port"), "102");
        assert_eq!(column(&headers, &rows[1], "port"), "");

        let mut json = Vec::new();
        write_edges_json(&mut json, &records, false).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v[0]["protocol"], "s7comm");
        assert_eq!(v[0]["functions"][1]["function"], "write_var");
        assert_eq!(v[0]["functions"][1]["count"], 3);
    }

    #[test]
    fn functions_find_the_edge_that_carries_them() {
        let assets = plant();
        let labels = NodeLabels::new(&assets);
        let (mut edges, mut functions) = edges();
        edges[0].protocol = "cotp,s7comm".into();
        // Explicit CIP messages ride the EtherNet/IP session, not the I/O connection.
        let (c, s) = ("mac:00:0c:29:00:00:01", "mac:00:1b:1b:01:02:03");
        let mut enip = edges[0].clone();
        enip.protocol = "enip".into();
        enip.server_port = Some(44818);
        let mut io = edges[0].clone();
        io.protocol = "cip".into();
        io.server_port = Some(2222);
        edges.push(enip);
        edges.push(io);
        let mut cip = functions[0].clone();
        cip.protocol = "cip".into();
        cip.function = "Get Attribute List".into();
        functions.push(cip);
        // A function on a pair the map does not hold stays visible as unmatched.
        let mut stray = functions[0].clone();
        stray.server = "mac:00:0c:29:00:00:02".into();
        functions.push(stray);
        let r = edge_records(&edges, &functions, &labels);
        let names = |i: usize| {
            r.edges[i]
                .functions
                .iter()
                .map(|f| f.function.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(0), ["read_var", "write_var"]);
        assert!(names(1).is_empty());
        assert_eq!(names(2), ["Get Attribute List"]);
        assert!(names(3).is_empty());
        assert_eq!(
            (
                r.edges[2].edge.client.as_str(),
                r.edges[2].edge.server.as_str()
            ),
            (c, s)
        );
        assert_eq!(r.unmatched.len(), 1);
        // A pair with a single edge takes its functions whatever the names.
        let mut modbus = functions[0].clone();
        modbus.client = "mac:00:0c:29:00:00:01".into();
        modbus.server = "net:broadcast".into();
        modbus.protocol = "modbus".into();
        let r = edge_records(&edges, &[modbus], &labels);
        assert_eq!(r.edges[1].functions.len(), 1);
        assert!(r.unmatched.is_empty());
    }
}
