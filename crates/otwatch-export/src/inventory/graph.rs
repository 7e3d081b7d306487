//! The communication map as a graph: GraphML for yEd, Gephi and NetworkX, DOT for
//! Graphviz. Both draw client to server, one edge per protocol and port, and carry the
//! labels and counts that the CSV and JSON exports hold.

use super::{functions_text, joined, EdgeRecord, NodeLabels};
use otwatch_model::{iso_time, Asset, Edge};
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

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

#[cfg(test)]
mod tests {
    use super::super::edge_records;
    use super::super::fixtures::*;
    use super::*;

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
}
