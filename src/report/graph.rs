//! The chain as Graphviz DOT (`chainplan graph --format dot`): left to
//! right from the farthest upstream tier to the customers, one cluster per
//! tier, nodes shaped by role and listing their lines, edges labelled with
//! lane id, items and lead time.

use crate::model::{NetworkDoc, Role};
use crate::planning::graph::ChainGraph;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Graphviz DOT of the chain, left to right from the farthest upstream tier
/// to the customers: one cluster per tier, nodes shaped by role and listing
/// their lines, edges labelled with lane id, items and lead time.
pub fn graph_dot(graph: &ChainGraph, doc: &NetworkDoc) -> String {
    let lines_at = lines_by_site(doc);
    let mut out = String::new();
    let name = doc.name.as_deref().unwrap_or("chain");
    let _ = writeln!(out, "digraph {} {{", quote(name));
    out.push_str("  rankdir=LR;\n  node [style=filled, fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (tier, nodes) in graph.nodes_by_tier() {
        write_cluster(graph, &mut out, tier, &nodes, &lines_at);
    }
    for edge in graph.graph().edge_references() {
        let lead_time = doc.lanes.get(edge.weight().lane).map_or(0, |l| l.lead_time);
        let lane = edge.weight();
        let label = dot_label(&[
            lane.id.clone(),
            lane.items.join(", "),
            format!("lead time {lead_time}"),
        ]);
        let _ = writeln!(
            out,
            "  {} -> {} [label={label}];",
            quote(&graph.graph()[edge.source()].site),
            quote(&graph.graph()[edge.target()].site),
        );
    }
    out.push_str("}\n");
    out
}

fn write_cluster(
    graph: &ChainGraph,
    out: &mut String,
    tier: Option<i32>,
    nodes: &[NodeIndex],
    lines_at: &HashMap<&str, Vec<String>>,
) {
    let (name, label) = cluster_names(graph, tier, nodes);
    let _ = writeln!(out, "  subgraph {name} {{");
    let _ = writeln!(
        out,
        "    label={};\n    style=dashed;\n    color=grey;",
        quote(&label)
    );
    for &n in nodes {
        let site = &graph.graph()[n];
        let mut text = vec![
            site.site.clone(),
            format!("{} ({})", site.enterprise, site.role.as_str()),
        ];
        if let Some(lines) = lines_at.get(site.site.as_str()) {
            text.extend(lines.iter().cloned());
        }
        let _ = writeln!(
            out,
            "    {} [label={}, {}];",
            quote(&site.site),
            dot_label(&text),
            role_style(site.role)
        );
    }
    out.push_str("  }\n");
}

/// The DOT name and the visible label of a tier's cluster.
fn cluster_names(graph: &ChainGraph, tier: Option<i32>, nodes: &[NodeIndex]) -> (String, String) {
    match tier {
        Some(0) => ("cluster_tier_0".into(), "leader".into()),
        Some(k) if k > 0 => (format!("cluster_tier_{k}"), format!("tier {k}")),
        Some(k) => {
            let all_customers = nodes
                .iter()
                .all(|&n| graph.graph()[n].role == Role::Customer);
            let label = if k == -1 && all_customers {
                "customers".to_string()
            } else {
                format!("downstream {}", -k)
            };
            // DOT identifiers cannot hold '-' unquoted; 'm' stands for minus.
            (format!("cluster_tier_m{}", -k), label)
        }
        None => ("cluster_unconnected".into(), "unconnected".into()),
    }
}

/// For each site, one label line per production line: `line: item, item`.
fn lines_by_site(doc: &NetworkDoc) -> HashMap<&str, Vec<String>> {
    let mut out: HashMap<&str, Vec<String>> = HashMap::new();
    for line in &doc.lines {
        let items: Vec<&str> = line.operations.iter().map(|o| o.item.as_str()).collect();
        out.entry(line.site.as_str()).or_default().push(format!(
            "{}: {}",
            line.id,
            items.join(", ")
        ));
    }
    out
}

/// DOT node attributes for a role.
fn role_style(role: Role) -> &'static str {
    match role {
        Role::Leader => "shape=doubleoctagon, style=\"filled,bold\", fillcolor=\"gold\"",
        Role::Supplier => "shape=box, fillcolor=\"lightblue\"",
        Role::Customer => "shape=house, fillcolor=\"palegreen\"",
        Role::Logistics => "shape=ellipse, fillcolor=\"lightgrey\"",
    }
}

/// `text` as a quoted DOT string. Backslashes are doubled too, because labels
/// read `\n`, `\N` and friends as escapes.
fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// A multi-line DOT label: each part escaped, joined with DOT's `\n`.
fn dot_label(parts: &[String]) -> String {
    let escaped: Vec<String> = parts.iter().map(|p| escape(p)).collect();
    format!("\"{}\"", escaped.join("\\n"))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::graph::tests::{chain, ODD};

    #[test]
    fn dot_has_a_cluster_per_tier_in_upstream_order() {
        let dot = graph_dot(&ChainGraph::build(&chain()), &chain());
        assert!(dot.starts_with("digraph \"small\" {"));
        assert!(dot.contains("rankdir=LR;"));
        let order: Vec<usize> = [
            "subgraph cluster_tier_2",
            "subgraph cluster_tier_1",
            "subgraph cluster_tier_0",
            "subgraph cluster_tier_m1",
            "subgraph cluster_unconnected",
        ]
        .iter()
        .map(|c| dot.find(c).unwrap_or_else(|| panic!("{c} missing")))
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        for label in [
            "\"tier 2\"",
            "\"leader\"",
            "\"customers\"",
            "\"unconnected\"",
        ] {
            assert!(dot.contains(&format!("label={label}")), "{label}");
        }
        assert!(dot.contains("shape=doubleoctagon"));
        assert!(dot.contains("shape=house"));
        assert!(dot.contains("assembly: car"));
    }

    #[test]
    fn dot_has_every_lane_with_its_label() {
        let doc = chain();
        let dot = graph_dot(&ChainGraph::build(&doc), &doc);
        assert_eq!(dot.matches(" -> ").count(), doc.lanes.len());
        for lane in &doc.lanes {
            assert!(
                dot.contains(&format!("[label=\"{}\\n", lane.id)),
                "{}",
                lane.id
            );
        }
        assert!(dot.contains("\"comp-b\" -> \"plant\" [label=\"l-part-b\\npart\\nlead time 2\"]"));
    }

    #[test]
    fn dot_escapes_quotes_and_backslashes() {
        let doc = chain();
        let dot = graph_dot(&ChainGraph::build(&doc), &doc);
        assert!(dot.contains("\"plant\" -> \"cust\\\"2\\\\dc\""));
        assert!(!dot.contains(ODD));
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }
}
