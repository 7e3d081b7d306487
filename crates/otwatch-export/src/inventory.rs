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

use otwatch_model::identity::{AssetRole, Fact, PurdueLevel};
use otwatch_model::{iso_time, Asset, Edge, FunctionAggregate, IdentifiedBy, ProtocolRole};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{self, Write};

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

fn fact(f: &Option<Fact>) -> String {
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
                fact(&id_.model),
                fact(&id_.order_number),
                fact(&id_.product_family),
                fact(&id_.firmware),
                fact(&id_.hardware_revision),
                fact(&id_.serial),
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

/// The nodes of a map: every asset, then every edge endpoint that is not one.
fn graph_nodes(assets: &[(i64, Asset)], edges: &[EdgeRecord]) -> Vec<String> {
    let mut keys: Vec<String> = assets.iter().map(|(_, a)| a.key.clone()).collect();
    let mut known: HashSet<String> = keys.iter().cloned().collect();
    for r in edges {
        for k in [&r.edge.client, &r.edge.server] {
            if known.insert(k.clone()) {
                keys.push(k.clone());
            }
        }
    }
    keys
}

fn edge_label(e: &Edge) -> String {
    match e.server_port {
        Some(p) => format!("{}/{p}", e.protocol),
        None => e.protocol.clone(),
    }
}

/// Text fit for XML 1.0: markup characters escaped, characters XML cannot carry at all
/// (most control characters) replaced, since names come from the traffic.
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const GRAPHML_NODE_KEYS: &[(&str, &str)] = &[
    ("label", "label"),
    ("asset", "asset"),
    ("ips", "ips"),
    ("macs", "macs"),
    ("vendor", "vendor"),
    ("role", "role"),
    ("purdue", "purdue_level"),
];
const GRAPHML_EDGE_KEYS: &[(&str, &str, &str)] = &[
    ("elabel", "label", "string"),
    ("protocol", "protocol", "string"),
    ("port", "port", "int"),
    ("flows", "flows", "long"),
    ("packets", "packets", "long"),
    ("bytes", "bytes", "long"),
    ("functions", "functions", "string"),
    ("efirst", "first_seen", "string"),
    ("elast", "last_seen", "string"),
];

/// The map as GraphML: a directed graph from client to server, one edge per protocol and
/// port, with name/IP/role on the nodes and protocol, counts and functions on the edges.
pub fn write_graphml<W: Write>(
    w: &mut W,
    assets: &[(i64, Asset)],
    edges: &[EdgeRecord],
    labels: &NodeLabels,
) -> io::Result<()> {
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    for (id, name) in GRAPHML_NODE_KEYS {
        writeln!(
            w,
            r#"  <key id="{id}" for="node" attr.name="{name}" attr.type="string"/>"#
        )?;
    }
    for (id, name, ty) in GRAPHML_EDGE_KEYS {
        writeln!(
            w,
            r#"  <key id="{id}" for="edge" attr.name="{name}" attr.type="{ty}"/>"#
        )?;
    }
    writeln!(w, r#"  <graph id="otwatch" edgedefault="directed">"#)?;
    let by_key: HashMap<&str, &Asset> = assets.iter().map(|(_, a)| (a.key.as_str(), a)).collect();
    let nodes = graph_nodes(assets, edges);
    let mut node_id: HashMap<&str, usize> = HashMap::new();
    for (i, key) in nodes.iter().enumerate() {
        node_id.insert(key, i);
        writeln!(w, r#"    <node id="n{i}">"#)?;
        let l = labels.get(key);
        let mut data = vec![
            ("label", labels.lines(key).join(" ")),
            ("asset", key.clone()),
        ];
        if let Some(a) = by_key.get(key.as_str()) {
            data.push(("ips", joined(&a.ips)));
            data.push(("macs", joined(&a.macs)));
        }
        data.extend(l.vendor.map(|v| ("vendor", v)));
        data.extend(l.role.map(|r| ("role", r.as_str().to_string())));
        data.extend(l.purdue.map(|p| ("purdue", p.as_str().to_string())));
        for (k, v) in data {
            if !v.is_empty() {
                writeln!(w, r#"      <data key="{k}">{}</data>"#, xml_text(&v))?;
            }
        }
        writeln!(w, "    </node>")?;
    }
    for (i, r) in edges.iter().enumerate() {
        let e = &r.edge;
        writeln!(
            w,
            r#"    <edge id="e{i}" source="n{}" target="n{}">"#,
            node_id[e.client.as_str()],
            node_id[e.server.as_str()]
        )?;
        let mut data = vec![("elabel", edge_label(e)), ("protocol", e.protocol.clone())];
        data.extend(e.server_port.map(|p| ("port", p.to_string())));
        data.push(("flows", e.flows.to_string()));
        data.push(("packets", e.packets.to_string()));
        data.push(("bytes", e.bytes.to_string()));
        data.push(("functions", functions_text(&r.functions)));
        data.push(("efirst", iso_time(e.first_seen)));
        data.push(("elast", iso_time(e.last_seen)));
        for (k, v) in data {
            if !v.is_empty() {
                writeln!(w, r#"      <data key="{k}">{}</data>"#, xml_text(&v))?;
            }
        }
        writeln!(w, "    </edge>")?;
    }
    writeln!(w, "  </graph>")?;
    writeln!(w, "</graphml>")
}

/// A DOT double-quoted string: quotes and backslashes escaped, line breaks as `\n`.
fn dot_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The map for Graphviz: `otwatch edges --dot | dot -Tsvg > map.svg`.
pub fn write_dot<W: Write>(
    w: &mut W,
    assets: &[(i64, Asset)],
    edges: &[EdgeRecord],
    labels: &NodeLabels,
) -> io::Result<()> {
    writeln!(w, "digraph otwatch {{")?;
    writeln!(w, "  rankdir=LR;")?;
    writeln!(w, "  node [shape=box, fontname=\"Helvetica\"];")?;
    writeln!(w, "  edge [fontname=\"Helvetica\", fontsize=10];")?;
    let nodes = graph_nodes(assets, edges);
    let mut node_id: HashMap<&str, usize> = HashMap::new();
    for (i, key) in nodes.iter().enumerate() {
        node_id.insert(key, i);
        // Labels are joined with a real newline here; dot_string turns it into `\n`.
        writeln!(
            w,
            "  n{i} [label={}, tooltip={}];",
            dot_string(&labels.lines(key).join("\n")),
            dot_string(key)
        )?;
    }
    for r in edges {
        let e = &r.edge;
        let tooltip = if r.functions.is_empty() {
            format!("{} flows", e.flows)
        } else {
            format!("{} flows; {}", e.flows, functions_text(&r.functions))
        };
        writeln!(
            w,
            "  n{} -> n{} [label={}, tooltip={}];",
            node_id[e.client.as_str()],
            node_id[e.server.as_str()],
            dot_string(&edge_label(e)),
            dot_string(&tooltip)
        )?;
    }
    writeln!(w, "}}")
}

/// NetBox's device name limit (characters).
const NETBOX_NAME_MAX: usize = 64;
const NETBOX_SERIAL_MAX: usize = 50;
const NETBOX_DESCRIPTION_MAX: usize = 200;
/// The one interface each exported device gets, to which its addresses are assigned.
pub const NETBOX_INTERFACE: &str = "observed";

fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// One line of printable text: control characters become spaces, runs of space collapse.
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// NetBox's device role names, by otwatch role; create these roles before importing.
pub fn netbox_role(role: AssetRole) -> &'static str {
    match role {
        AssetRole::Controller => "PLC/Controller",
        AssetRole::IoModule => "I/O Module",
        AssetRole::SafetyController => "Safety Controller",
        AssetRole::Hmi => "HMI",
        AssetRole::ScadaServer => "SCADA Server",
        AssetRole::EngineeringWorkstation => "Engineering Workstation",
        AssetRole::Historian => "Historian",
        AssetRole::OpcServer => "OPC Server",
        AssetRole::NetworkDevice => "Network Device",
        AssetRole::ItHost => "IT Host",
        AssetRole::Unknown => "Unknown",
    }
}

/// Used where the traffic named no manufacturer or product: NetBox requires both.
pub const NETBOX_UNKNOWN: &str = "Unknown";

/// Device names for NetBox: single-line, at most 64 characters, and unique within the
/// export regardless of case, as NetBox requires within a site.
pub fn netbox_names(assets: &[(i64, Asset)]) -> HashMap<String, String> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = HashMap::new();
    for (_, a) in assets {
        let wanted = asset_name(a)
            .map(|n| one_line(&n))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| address(a));
        let base = truncate_chars(&wanted, NETBOX_NAME_MAX);
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert(name.to_lowercase()) {
            let suffix = format!(" ({n})");
            let room = NETBOX_NAME_MAX - suffix.chars().count();
            name = format!("{}{suffix}", truncate_chars(&base, room));
            n += 1;
        }
        out.insert(a.key.clone(), name);
    }
    out
}

pub struct NetboxDevice {
    pub name: String,
    pub role: &'static str,
    pub manufacturer: String,
    pub device_type: String,
}

/// What a NetBox import needs to exist before the devices CSV loads: roles,
/// manufacturers and device types (by manufacturer).
#[derive(Debug, Default, PartialEq)]
pub struct NetboxPrerequisites {
    pub roles: BTreeSet<String>,
    pub device_types: BTreeMap<String, BTreeSet<String>>,
}

/// A device type needs its manufacturer. Without a known product, a vendor known only
/// from the MAC's OUI (which names the maker of the network interface, often not of the
/// device) would make a NetBox device type per NIC maker, so such devices share the one
/// "Unknown" manufacturer and type, and the OUI vendor goes into the comments.
fn netbox_device(a: &Asset, name: &str) -> NetboxDevice {
    let id = &a.identity;
    let clean = |v: &str| Some(truncate_chars(&one_line(v), 100)).filter(|v| !v.is_empty());
    let device_type = [&id.model, &id.product_family, &id.order_number]
        .into_iter()
        .find_map(|f| f.as_ref().and_then(|f| clean(&f.value)));
    let manufacturer = match device_type {
        Some(_) => asset_vendor(a).and_then(|v| clean(&v)),
        None => id
            .vendor
            .as_ref()
            .filter(|f| f.evidence.protocol != "oui")
            .and_then(|f| clean(&f.value)),
    };
    NetboxDevice {
        name: name.to_string(),
        role: netbox_role(asset_role(a)),
        manufacturer: manufacturer.unwrap_or_else(|| NETBOX_UNKNOWN.into()),
        device_type: device_type.unwrap_or_else(|| NETBOX_UNKNOWN.into()),
    }
}

pub const NETBOX_DEVICE_COLUMNS: &[&str] = &[
    "name",
    "role",
    "manufacturer",
    "device_type",
    "site",
    "status",
    "serial",
    "description",
    "comments",
];

/// Everything otwatch knows that NetBox has no column for, for the device's comments.
fn netbox_comments(a: &Asset, manufacturer: &str, names: &HashMap<String, String>) -> String {
    let mut lines = vec![format!(
        "Observed passively by otwatch (asset {}), first seen {}, last seen {}.",
        a.key,
        iso_time(a.first_seen),
        iso_time(a.last_seen)
    )];
    if let Some(vendor) = asset_vendor(a).filter(|v| one_line(v) != manufacturer) {
        lines.push(format!("Vendor: {}", one_line(&vendor)));
    }
    let id = &a.identity;
    for (label, f) in [
        ("Order number", &id.order_number),
        ("Product family", &id.product_family),
        ("Firmware", &id.firmware),
        ("Hardware revision", &id.hardware_revision),
    ] {
        if let Some(f) = f {
            lines.push(format!("{label}: {}", one_line(&f.value)));
        }
    }
    if !a.ips.is_empty() {
        lines.push(format!("IP: {}", joined(&a.ips)));
    }
    if !a.macs.is_empty() {
        lines.push(format!("MAC: {}", joined(&a.macs)));
    }
    if let Some(level) = asset_purdue(a) {
        lines.push(format!("Purdue level: {}", level.as_str()));
    }
    if let Some(parent) = &a.parent {
        let parent = names.get(parent).unwrap_or(parent);
        match &a.position {
            Some(pos) => lines.push(format!("Behind {parent}, {}", one_line(pos))),
            None => lines.push(format!("Behind {parent}")),
        }
    }
    let protocols = protocols_text(a);
    if !protocols.is_empty() {
        lines.push(format!("Protocols: {protocols}"));
    }
    let o = &a.overrides;
    for (label, v) in [
        ("Owner", &o.owner),
        ("Criticality", &o.criticality),
        ("Location", &o.location),
        ("Notes", &o.notes),
    ] {
        if let Some(v) = v {
            lines.push(format!("{label}: {v}"));
        }
    }
    lines.join("\n")
}

/// The devices CSV for NetBox's bulk import (Devices > Import), and what must exist in
/// NetBox first. Parents are named in the comments rather than in NetBox's `parent`
/// column, which needs device bays that a passive observer cannot know.
pub fn write_netbox_devices<W: Write>(
    w: &mut W,
    assets: &[(i64, Asset)],
    site: &str,
) -> io::Result<NetboxPrerequisites> {
    let names = netbox_names(assets);
    let mut needs = NetboxPrerequisites::default();
    csv_header(w, NETBOX_DEVICE_COLUMNS)?;
    for (_, a) in assets {
        let d = netbox_device(a, &names[&a.key]);
        let comments = netbox_comments(a, &d.manufacturer, &names);
        needs.roles.insert(d.role.to_string());
        needs
            .device_types
            .entry(d.manufacturer.clone())
            .or_default()
            .insert(d.device_type.clone());
        let status = if a.overrides.decommissioned == Some(true) {
            "offline"
        } else {
            "active"
        };
        let id = &a.identity;
        let description = [&id.product_family, &id.model]
            .into_iter()
            .find_map(|f| f.as_ref().map(|f| one_line(&f.value)))
            .map(|p| match &id.firmware {
                Some(fw) => format!("{p}, firmware {}", one_line(&fw.value)),
                None => p,
            })
            .unwrap_or_default();
        csv_row(
            w,
            &[
                d.name,
                d.role.to_string(),
                d.manufacturer,
                d.device_type,
                site.to_string(),
                status.to_string(),
                id.serial
                    .as_ref()
                    .map(|s| truncate_chars(&one_line(&s.value), NETBOX_SERIAL_MAX))
                    .unwrap_or_default(),
                truncate_chars(&description, NETBOX_DESCRIPTION_MAX),
                comments,
            ],
        )?;
    }
    Ok(needs)
}

pub const NETBOX_INTERFACE_COLUMNS: &[&str] = &["device", "name", "type", "description"];

/// One interface per device to hang its addresses on (Interfaces > Import); import it
/// after the devices and before the addresses.
pub fn write_netbox_interfaces<W: Write>(w: &mut W, assets: &[(i64, Asset)]) -> io::Result<()> {
    let names = netbox_names(assets);
    csv_header(w, NETBOX_INTERFACE_COLUMNS)?;
    for (_, a) in assets {
        let description = if a.macs.is_empty() {
            "observed by otwatch".to_string()
        } else {
            format!("observed by otwatch; MAC {}", joined(&a.macs))
        };
        csv_row(
            w,
            &[
                names[&a.key].clone(),
                NETBOX_INTERFACE.into(),
                "other".into(),
                truncate_chars(&description, NETBOX_DESCRIPTION_MAX),
            ],
        )?;
    }
    Ok(())
}

pub const NETBOX_IP_COLUMNS: &[&str] = &[
    "address",
    "status",
    "device",
    "interface",
    "is_primary",
    "dns_name",
    "description",
];

/// The devices' addresses for NetBox (IP Addresses > Import), each as a host address
/// (/32, /128: the capture shows the address, not the subnet) on the device's
/// [`NETBOX_INTERFACE`]. The first address of each family is the device's primary.
pub fn write_netbox_ips<W: Write>(w: &mut W, assets: &[(i64, Asset)]) -> io::Result<()> {
    let names = netbox_names(assets);
    csv_header(w, NETBOX_IP_COLUMNS)?;
    for (_, a) in assets {
        let mut primary_v4 = false;
        let mut primary_v6 = false;
        let dns = a
            .hostnames
            .first()
            .map(|h| one_line(h))
            .filter(|h| is_dns_name(h))
            .unwrap_or_default();
        for ip in &a.ips {
            let (prefix, primary) = if ip.is_ipv4() {
                (32, !std::mem::replace(&mut primary_v4, true))
            } else {
                (128, !std::mem::replace(&mut primary_v6, true))
            };
            csv_row(
                w,
                &[
                    format!("{ip}/{prefix}"),
                    "active".into(),
                    names[&a.key].clone(),
                    NETBOX_INTERFACE.into(),
                    primary.to_string(),
                    dns.clone(),
                    "observed by otwatch".into(),
                ],
            )?;
        }
    }
    Ok(())
}

/// NetBox refuses a DNS name with characters outside letters, digits, '.', '-', '_' and
/// '*'; a NetBIOS or station name that fails this is left out of `dns_name`.
fn is_dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '*'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_model::identity::{AssetIdentity, AssetOverrides, Conflict, Module};
    use otwatch_model::ranges::AddressRanges;
    use otwatch_model::{AssetProtocol, Attribute, Evidence, TransportProto};

    fn evidence(protocol: &str, message: &str, frame: u64) -> Evidence {
        Evidence {
            protocol: protocol.into(),
            message: message.into(),
            capture: "plant.pcap".into(),
            frame,
            ts: 1_772_438_400_000_000,
            confidence: 1.0,
        }
    }

    fn fact(value: &str) -> Option<Fact> {
        Some(Fact {
            value: value.into(),
            raw: None,
            evidence: evidence("s7comm", "Read SZL 0x0011", 7),
        })
    }

    fn asset(key: &str, ip: &str) -> Asset {
        Asset {
            key: key.into(),
            macs: vec![],
            ips: vec![ip.parse().unwrap()],
            vendor: None,
            hostnames: vec![],
            internal: Some(true),
            first_seen: 1_772_438_400_000_000,
            last_seen: 1_772_438_460_000_000,
            protocols: vec![],
            attributes: vec![],
            note: None,
            parent: None,
            position: None,
            identity: AssetIdentity::default(),
            overrides: AssetOverrides::default(),
        }
    }

    /// An S7-300 as fusion fills it, one device behind it, and one named by an attacker.
    fn plant() -> Vec<(i64, Asset)> {
        let mut plc = asset("mac:00:1b:1b:01:02:03", "10.0.0.10");
        plc.macs = vec!["00:1b:1b:01:02:03".into()];
        plc.vendor = Some("Siemens AG".into());
        plc.identity = AssetIdentity {
            vendor: fact("Siemens"),
            model: fact("CPU 315-2 PN/DP"),
            order_number: fact("6ES7 315-2EH14-0AB0"),
            product_family: fact("S7-300 CPU 315-2 PN/DP"),
            firmware: fact("V3.2.6"),
            hardware_revision: fact("4"),
            serial: fact("S C-X4U421302009"),
            name: fact("PLC, \"line 1\""),
            role: AssetRole::Controller,
            role_reasons: vec!["answers S7 on 102 and serves SZL: controller".into()],
            purdue_level: Some(PurdueLevel::BasicControl),
            modules: vec![Module {
                position: "rack 0 slot 2".into(),
                model: Some("6ES7 315-2EH14-0AB0".into()),
                firmware: Some("V3.2.6".into()),
                serial: None,
                evidence: evidence("s7comm", "Read SZL 0x001C", 8),
            }],
            conflicts: vec![Conflict {
                field: "firmware".into(),
                values: vec![fact("V3.2.6").unwrap(), fact("V3.2.5").unwrap()],
            }],
            ..AssetIdentity::default()
        };
        plc.overrides = AssetOverrides {
            owner: Some("Process team".into()),
            criticality: Some("high".into()),
            location: Some("Hall 2\ncabinet 4".into()),
            ..AssetOverrides::default()
        };
        plc.protocols = vec![AssetProtocol {
            protocol: "s7comm".into(),
            role: ProtocolRole::Server,
            port: Some(102),
            transport: TransportProto::Tcp,
            identified_by: IdentifiedBy::Payload,
            first_seen: 0,
            last_seen: 0,
            flows: 3,
        }];
        plc.attributes = vec![Attribute {
            name: "order_number".into(),
            value: "6ES7 315-2EH14-0AB0".into(),
            evidence: evidence("s7comm", "Read SZL 0x0011, index 1", 7),
        }];
        let mut io = asset("ip:10.0.0.10/unit/3", "10.0.0.10");
        io.ips.clear();
        io.parent = Some(plc.key.clone());
        io.position = Some("Modbus unit 3".into());
        let mut hmi = asset("mac:00:0c:29:00:00:01", "10.0.0.20");
        hmi.vendor = Some("VMware, Inc.".into());
        hmi.hostnames = vec!["=HYPERLINK(\"http://x\")".into()];
        hmi.identity.role = AssetRole::Hmi;
        hmi.attributes = vec![Attribute {
            name: "hostname".into(),
            value: "=HYPERLINK(\"http://x\")".into(),
            evidence: evidence("dhcp", "DHCP REQUEST option 12 (host name), a, b", 2),
        }];
        let mut twin = asset("mac:00:0c:29:00:00:02", "10.0.0.21");
        twin.overrides.name = Some("plc, \"LINE 1\"".into());
        twin.overrides.decommissioned = Some(true);
        vec![(1, plc), (2, io), (3, hmi), (4, twin)]
    }

    fn edges() -> (Vec<Edge>, Vec<FunctionAggregate>) {
        let edge = |client: &str, server: &str, protocol: &str, port| Edge {
            client: client.into(),
            server: server.into(),
            protocol: protocol.into(),
            transport: TransportProto::Tcp,
            server_port: port,
            identified_by: IdentifiedBy::Payload,
            flows: 2,
            packets: 40,
            bytes: 4000,
            first_seen: 1_772_438_400_000_000,
            last_seen: 1_772_438_460_000_000,
            first_capture: "plant.pcap".into(),
            first_frame: 5,
        };
        let func = |function: &str, count| {
            let mut addresses = AddressRanges::default();
            addresses.add("db", 1, 1);
            FunctionAggregate {
                client: "mac:00:0c:29:00:00:01".into(),
                server: "mac:00:1b:1b:01:02:03".into(),
                protocol: "s7comm".into(),
                function: function.into(),
                count,
                first_seen: 1,
                last_seen: 2,
                addresses,
            }
        };
        (
            vec![
                edge(
                    "mac:00:0c:29:00:00:01",
                    "mac:00:1b:1b:01:02:03",
                    "s7comm",
                    Some(102),
                ),
                edge("mac:00:0c:29:00:00:01", "net:broadcast", "dhcp", None),
            ],
            vec![func("write_var", 3), func("read_var", 12)],
        )
    }

    fn parsed_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::ReaderBuilder::new().from_reader(bytes);
        let headers = r.headers().unwrap().iter().map(String::from).collect();
        let rows = r
            .records()
            .map(|rec| rec.unwrap().iter().map(String::from).collect())
            .collect();
        (headers, rows)
    }

    fn column(headers: &[String], row: &[String], name: &str) -> String {
        let i = headers.iter().position(|h| h == name).unwrap();
        row[i].clone()
    }

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

    #[test]
    fn graphml_is_valid_xml_with_labelled_nodes_and_edges() {
        let assets = plant();
        let labels = NodeLabels::new(&assets);
        let (edges, functions) = edges();
        let records = edge_records(&edges, &functions, &labels).edges;
        let mut out = Vec::new();
        write_graphml(&mut out, &assets, &records, &labels).unwrap();
        let text = String::from_utf8(out).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let nodes: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("node"))
            .collect();
        // Four assets and the broadcast endpoint.
        assert_eq!(nodes.len(), 5);
        let graph_edges: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("edge"))
            .collect();
        assert_eq!(graph_edges.len(), 2);
        let data = |node: roxmltree::Node, key: &str| {
            node.children()
                .find(|c| c.has_tag_name("data") && c.attribute("key") == Some(key))
                .and_then(|c| c.text())
                .map(String::from)
        };
        assert_eq!(
            data(nodes[0], "label").as_deref(),
            Some("PLC, \"line 1\" 10.0.0.10 controller")
        );
        assert_eq!(data(nodes[0], "purdue").as_deref(), Some("1"));
        assert_eq!(data(nodes[4], "label").as_deref(), Some("broadcast"));
        let e = graph_edges[0];
        assert_eq!(e.attribute("source"), Some("n2"));
        assert_eq!(e.attribute("target"), Some("n0"));
        assert_eq!(data(e, "elabel").as_deref(), Some("s7comm/102"));
        assert_eq!(
            data(e, "functions").as_deref(),
            Some("read_var=12; write_var=3")
        );
    }

    #[test]
    fn graphml_survives_control_characters_in_names() {
        let mut assets = plant();
        assets[0].1.identity.name = fact("evil\u{1}<name>&");
        let labels = NodeLabels::new(&assets);
        let mut out = Vec::new();
        write_graphml(&mut out, &assets, &[], &labels).unwrap();
        let text = String::from_utf8(out).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let label = doc
            .descendants()
            .find(|n| n.has_tag_name("data") && n.attribute("key") == Some("label"))
            .and_then(|n| n.text())
            .unwrap();
        assert_eq!(label, "evil\u{FFFD}<name>& 10.0.0.10 controller");
    }

    #[test]
    fn dot_escapes_quotes_and_breaks_lines() {
        let assets = plant();
        let labels = NodeLabels::new(&assets);
        let (edges, functions) = edges();
        let records = edge_records(&edges, &functions, &labels).edges;
        let mut out = Vec::new();
        write_dot(&mut out, &assets, &records, &labels).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("digraph otwatch {\n"), "{text}");
        assert!(text.trim_end().ends_with('}'));
        assert!(
            text.contains(r#"n0 [label="PLC, \"line 1\"\n10.0.0.10\ncontroller", tooltip="mac:00:1b:1b:01:02:03"];"#),
            "{text}"
        );
        assert!(
            text.contains(
                r#"n2 -> n0 [label="s7comm/102", tooltip="2 flows; read_var=12; write_var=3"];"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"n2 -> n4 [label="dhcp""#), "{text}");
        assert_eq!(dot_string("a\\b\r\n"), r#""a\\b\n""#);
    }

    #[test]
    fn netbox_names_are_unique_single_line_and_short() {
        let mut assets = plant();
        assets[3].1.overrides.name = Some("PLC, \"line 1\"".into());
        let mut long = asset("ip:10.0.0.30", "10.0.0.30");
        long.hostnames = vec![format!("{}\nx", "a".repeat(80))];
        let mut long2 = long.clone();
        long2.key = "ip:10.0.0.31".into();
        assets.push((5, long));
        assets.push((6, long2));
        let names = netbox_names(&assets);
        assert_eq!(names["mac:00:1b:1b:01:02:03"], "PLC, \"line 1\"");
        assert_eq!(names["mac:00:0c:29:00:00:02"], "PLC, \"line 1\" (2)");
        // No name, no address: the key stands in.
        assert_eq!(names["ip:10.0.0.10/unit/3"], "ip:10.0.0.10/unit/3");
        assert_eq!(names["ip:10.0.0.30"], "a".repeat(64));
        assert_eq!(names["ip:10.0.0.31"], format!("{} (2)", "a".repeat(60)));
        let unique: HashSet<String> = names.values().map(|n| n.to_lowercase()).collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn netbox_devices_csv_has_what_the_import_requires() {
        let mut out = Vec::new();
        let needs = write_netbox_devices(&mut out, &plant(), "Plant A").unwrap();
        let (headers, rows) = parsed_csv(&out);
        assert_eq!(headers, NETBOX_DEVICE_COLUMNS);
        assert_eq!(rows.len(), 4);
        let plc = &rows[0];
        let col = |name| column(&headers, plc, name);
        assert_eq!(col("role"), "PLC/Controller");
        assert_eq!(col("manufacturer"), "Siemens");
        assert_eq!(col("device_type"), "CPU 315-2 PN/DP");
        assert_eq!(col("site"), "Plant A");
        assert_eq!(col("status"), "active");
        assert_eq!(col("serial"), "S C-X4U421302009");
        assert_eq!(
            col("description"),
            "S7-300 CPU 315-2 PN/DP, firmware V3.2.6"
        );
        assert!(col("comments").contains("Order number: 6ES7 315-2EH14-0AB0"));
        assert!(col("comments").contains("Location: Hall 2\ncabinet 4"));
        let io = &rows[1];
        assert_eq!(column(&headers, io, "manufacturer"), "Unknown");
        assert_eq!(column(&headers, io, "device_type"), "Unknown");
        assert!(column(&headers, io, "comments").contains("Behind PLC, \"line 1\", Modbus unit 3"));
        assert_eq!(column(&headers, &rows[2], "role"), "HMI");
        // Only the NIC maker is known: the shared Unknown type, the vendor in the comments.
        assert_eq!(column(&headers, &rows[2], "manufacturer"), "Unknown");
        assert!(column(&headers, &rows[2], "comments").contains("Vendor: VMware, Inc."));
        assert_eq!(column(&headers, &rows[3], "status"), "offline");
        for row in &rows {
            for cell in row {
                assert!(!cell.starts_with('='), "{cell}");
            }
        }
        assert!(needs.roles.contains("PLC/Controller"));
        assert!(needs.roles.contains("Unknown"));
        assert_eq!(
            needs.device_types["Siemens"],
            BTreeSet::from(["CPU 315-2 PN/DP".to_string()])
        );
    }

    #[test]
    fn netbox_interfaces_and_ips_refer_to_the_device_names() {
        let mut assets = plant();
        assets[0].1.ips.push("fe80::1".parse().unwrap());
        assets[0].1.ips.push("10.0.1.10".parse().unwrap());
        assets[0].1.hostnames = vec!["plc1.plant.local".into()];
        let mut out = Vec::new();
        write_netbox_interfaces(&mut out, &assets).unwrap();
        let (headers, rows) = parsed_csv(&out);
        assert_eq!(headers, NETBOX_INTERFACE_COLUMNS);
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[0],
            [
                "PLC, \"line 1\"",
                "observed",
                "other",
                "observed by otwatch; MAC 00:1b:1b:01:02:03"
            ]
        );

        let mut out = Vec::new();
        write_netbox_ips(&mut out, &assets).unwrap();
        let (headers, rows) = parsed_csv(&out);
        assert_eq!(headers, NETBOX_IP_COLUMNS);
        // Three for the PLC, none for the device behind it, one each for the others.
        assert_eq!(rows.len(), 5);
        let cells: Vec<(String, String, String)> = rows
            .iter()
            .map(|r| (r[0].clone(), r[2].clone(), r[4].clone()))
            .collect();
        assert_eq!(
            cells[..3],
            [
                (
                    "10.0.0.10/32".into(),
                    "PLC, \"line 1\"".into(),
                    "true".into()
                ),
                (
                    "fe80::1/128".into(),
                    "PLC, \"line 1\"".into(),
                    "true".into()
                ),
                (
                    "10.0.1.10/32".into(),
                    "PLC, \"line 1\"".into(),
                    "false".into()
                ),
            ]
        );
        assert_eq!(column(&headers, &rows[0], "dns_name"), "plc1.plant.local");
        // A host name with a formula is no DNS name.
        assert_eq!(column(&headers, &rows[3], "dns_name"), "");
    }
}
