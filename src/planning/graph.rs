//! The chain graph: sites as nodes and lanes as edges (petgraph), the material
//! graph of the bills of materials, each site's tier relative to the leader,
//! and reachability queries (who feeds whom, which demands a site can hurt).
//! Its Graphviz rendering is a presenter's (`crate::report::graph_dot`).
//!
//! Pure and synchronous: built from a `NetworkDoc` only, no solver, no IO.
//! It assumes a validated document but never panics on one that is not:
//! references that do not resolve are skipped.

use crate::model::{NetworkDoc, Role};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use std::collections::{HashMap, HashSet, VecDeque};

/// A site of the chain: the node weight of [`ChainGraph::graph`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteNode {
    /// The site's id.
    pub site: String,
    /// The id of the enterprise that runs it.
    pub enterprise: String,
    /// That enterprise's role in the chain.
    pub role: Role,
}

/// A lane of the chain: the edge weight of [`ChainGraph::graph`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneEdge {
    /// Index of the lane in `doc.lanes`.
    pub lane: usize,
    /// The lane's id.
    pub id: String,
    /// The items the lane carries.
    pub items: Vec<String>,
}

/// The supply chain of one document as graphs, with tiers precomputed.
#[derive(Debug, Clone)]
pub struct ChainGraph {
    graph: DiGraph<SiteNode, LaneEdge>,
    site_index: HashMap<String, NodeIndex>,
    material: DiGraph<String, f64>,
    item_index: HashMap<String, NodeIndex>,
    /// Tier of each node, by node index.
    tiers: Vec<Option<i32>>,
    /// Indices into `doc.demands` of the demands at each node, by node index.
    demands_at: Vec<Vec<usize>>,
}

impl ChainGraph {
    /// Builds the site graph, the material graph and the tiers of `doc`.
    ///
    /// Sites whose enterprise is unknown, lanes whose ends are unknown and
    /// inputs whose items are unknown are left out; a repeated id keeps its
    /// first occurrence.
    pub fn build(doc: &NetworkDoc) -> ChainGraph {
        let (graph, site_index) = site_graph(doc);
        let (material, item_index) = material_graph(doc);
        let tiers = compute_tiers(&graph);
        let mut demands_at = vec![Vec::new(); graph.node_count()];
        for (d, demand) in doc.demands.iter().enumerate() {
            if let Some(n) = site_index.get(&demand.site) {
                demands_at[n.index()].push(d);
            }
        }
        ChainGraph {
            graph,
            site_index,
            material,
            item_index,
            tiers,
            demands_at,
        }
    }

    /// The site graph: one node per site, one edge per lane (from -> to).
    pub fn graph(&self) -> &DiGraph<SiteNode, LaneEdge> {
        &self.graph
    }

    /// The node of a site, if it is in the graph.
    pub fn node(&self, site: &str) -> Option<NodeIndex> {
        self.site_index.get(site).copied()
    }

    /// The material graph: one node per item (weight: its id) and an edge
    /// input -> made item for every operation input (weight: qty per unit).
    pub fn material(&self) -> &DiGraph<String, f64> {
        &self.material
    }

    /// The node of an item in [`ChainGraph::material`].
    pub fn item_node(&self, item: &str) -> Option<NodeIndex> {
        self.item_index.get(item).copied()
    }

    /// Whether some item needs itself, directly or through other items.
    pub fn bom_has_cycle(&self) -> bool {
        petgraph::algo::is_cyclic_directed(&self.material)
    }

    /// The tier of a site: 0 for the leader's sites, `k > 0` for a site `k`
    /// lanes upstream of the nearest leader site, `-k` for a site `k` lanes
    /// downstream of one, `None` for a site connected neither way (or unknown).
    /// A site both up- and downstream (lanes in a cycle) counts as upstream.
    pub fn tier(&self, site: &str) -> Option<i32> {
        self.node(site).and_then(|n| self.tiers[n.index()])
    }

    /// All sites that can reach `site` through lanes, excluding itself, sorted.
    pub fn upstream_sites(&self, site: &str) -> Vec<&str> {
        self.reachable(site, Direction::Incoming)
    }

    /// All sites `site` can reach through lanes, excluding itself, sorted.
    pub fn downstream_sites(&self, site: &str) -> Vec<&str> {
        self.reachable(site, Direction::Outgoing)
    }

    /// Indices into `doc.demands`, ascending, of the demands at `site` or at any
    /// site downstream of it: the demands a loss of capacity there can affect.
    pub fn demands_affected_by(&self, site: &str) -> Vec<usize> {
        let Some(start) = self.node(site) else {
            return Vec::new();
        };
        let mut nodes = reach(&self.graph, start, Direction::Outgoing);
        nodes.insert(start);
        let mut out: Vec<usize> = nodes
            .into_iter()
            .flat_map(|n| self.demands_at[n.index()].iter().copied())
            .collect();
        out.sort_unstable();
        out
    }

    /// Sites reachable from `site` in `direction`, without `site`, sorted by id.
    fn reachable(&self, site: &str, direction: Direction) -> Vec<&str> {
        let Some(start) = self.node(site) else {
            return Vec::new();
        };
        let mut sites: Vec<&str> = reach(&self.graph, start, direction)
            .into_iter()
            .filter(|&n| n != start)
            .map(|n| self.graph[n].site.as_str())
            .collect();
        sites.sort_unstable();
        sites
    }

    /// Nodes grouped by tier, upstream first (3, 2, 1, leader, -1, -2, ...),
    /// unconnected sites last; document order within a group.
    pub fn nodes_by_tier(&self) -> Vec<(Option<i32>, Vec<NodeIndex>)> {
        let mut groups: Vec<(Option<i32>, Vec<NodeIndex>)> = Vec::new();
        for n in self.graph.node_indices() {
            let tier = self.tiers[n.index()];
            match groups.iter_mut().find(|(t, _)| *t == tier) {
                Some((_, nodes)) => nodes.push(n),
                None => groups.push((tier, vec![n])),
            }
        }
        groups.sort_by_key(|(tier, _)| match tier {
            Some(k) => (0, -k),
            None => (1, 0),
        });
        groups
    }
}

/// The site graph and the index from site id to node.
fn site_graph(doc: &NetworkDoc) -> (DiGraph<SiteNode, LaneEdge>, HashMap<String, NodeIndex>) {
    let roles: HashMap<&str, Role> = doc
        .enterprises
        .iter()
        .map(|e| (e.id.as_str(), e.role))
        .collect();
    let mut graph = DiGraph::new();
    let mut index = HashMap::new();
    for site in &doc.sites {
        let Some(&role) = roles.get(site.enterprise.as_str()) else {
            continue;
        };
        if index.contains_key(&site.id) {
            continue;
        }
        let n = graph.add_node(SiteNode {
            site: site.id.clone(),
            enterprise: site.enterprise.clone(),
            role,
        });
        index.insert(site.id.clone(), n);
    }
    for (l, lane) in doc.lanes.iter().enumerate() {
        if let (Some(&a), Some(&b)) = (index.get(&lane.from), index.get(&lane.to)) {
            let weight = LaneEdge {
                lane: l,
                id: lane.id.clone(),
                items: lane.items.clone(),
            };
            graph.add_edge(a, b, weight);
        }
    }
    (graph, index)
}

/// The material graph (input item -> made item) and the index from item id to node.
fn material_graph(doc: &NetworkDoc) -> (DiGraph<String, f64>, HashMap<String, NodeIndex>) {
    let mut graph = DiGraph::new();
    let mut index = HashMap::new();
    for item in &doc.items {
        if !index.contains_key(&item.id) {
            index.insert(item.id.clone(), graph.add_node(item.id.clone()));
        }
    }
    for op in doc.lines.iter().flat_map(|l| &l.operations) {
        let Some(&made) = index.get(&op.item) else {
            continue;
        };
        for input in &op.inputs {
            if let Some(&used) = index.get(&input.item) {
                graph.add_edge(used, made, input.qty);
            }
        }
    }
    (graph, index)
}

/// Tier of every node, by node index (see [`ChainGraph::tier`]).
fn compute_tiers(graph: &DiGraph<SiteNode, LaneEdge>) -> Vec<Option<i32>> {
    let leaders: Vec<NodeIndex> = graph
        .node_indices()
        .filter(|&n| graph[n].role == Role::Leader)
        .collect();
    // Walking lanes backwards from the leader gives each site's distance to it.
    let up = distances(graph, &leaders, Direction::Incoming);
    let down = distances(graph, &leaders, Direction::Outgoing);
    up.iter()
        .zip(&down)
        .map(|(&u, &d)| match (u, d) {
            (Some(k), _) => Some(k as i32),
            (None, Some(k)) => Some(-(k as i32)),
            (None, None) => None,
        })
        .collect()
}

/// Multi-source BFS: the number of edges from the nearest source, by node index.
fn distances<N, E>(
    graph: &DiGraph<N, E>,
    sources: &[NodeIndex],
    direction: Direction,
) -> Vec<Option<usize>> {
    let mut dist = vec![None; graph.node_count()];
    let mut queue = VecDeque::new();
    for &s in sources {
        dist[s.index()] = Some(0);
        queue.push_back(s);
    }
    while let Some(n) = queue.pop_front() {
        let next = dist[n.index()].map_or(0, |d| d + 1);
        for m in graph.neighbors_directed(n, direction) {
            if dist[m.index()].is_none() {
                dist[m.index()] = Some(next);
                queue.push_back(m);
            }
        }
    }
    dist
}

/// Every node reachable from `start` in `direction`; `start` only if on a cycle.
fn reach<N, E>(
    graph: &DiGraph<N, E>,
    start: NodeIndex,
    direction: Direction,
) -> HashSet<NodeIndex> {
    let mut seen = HashSet::new();
    let mut stack = vec![start];
    while let Some(n) = stack.pop() {
        for m in graph.neighbors_directed(n, direction) {
            if seen.insert(m) {
                stack.push(m);
            }
        }
    }
    seen
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The customer site whose id needs escaping.
    pub(crate) const ODD: &str = "cust\"2\\dc";

    /// raw-site (tier 2) -> comp-a, comp-b (tier 1) -> plant (leader)
    /// -> cust1-dc, `cust"2\dc` (customers); `lonely` has no lanes.
    pub(crate) fn chain() -> NetworkDoc {
        let text = include_str!("../../tests/fixtures/small_chain.json");
        serde_json::from_str(text).expect("test document parses")
    }

    #[test]
    fn tiers_count_lanes_to_and_from_the_leader() {
        let g = ChainGraph::build(&chain());
        assert_eq!(g.tier("raw-site"), Some(2));
        assert_eq!(g.tier("comp-a"), Some(1));
        assert_eq!(g.tier("comp-b"), Some(1));
        assert_eq!(g.tier("plant"), Some(0));
        assert_eq!(g.tier("cust1-dc"), Some(-1));
        assert_eq!(g.tier(ODD), Some(-1));
        assert_eq!(g.tier("lonely"), None);
        assert_eq!(g.tier("no-such-site"), None);
    }

    #[test]
    fn a_site_both_up_and_downstream_counts_as_upstream() {
        let mut doc = chain();
        let mut back = doc.lanes[4].clone();
        back.id = "return".into();
        std::mem::swap(&mut back.from, &mut back.to);
        doc.lanes.push(back);
        let g = ChainGraph::build(&doc);
        assert_eq!(g.tier("cust1-dc"), Some(1));
        assert_eq!(g.tier(ODD), Some(-1));
    }

    #[test]
    fn up_and_downstream_sets_are_sorted_and_exclude_the_site() {
        let g = ChainGraph::build(&chain());
        assert_eq!(
            g.upstream_sites("plant"),
            vec!["comp-a", "comp-b", "raw-site"]
        );
        // Byte order: '"' sorts before '1'.
        assert_eq!(g.downstream_sites("plant"), vec![ODD, "cust1-dc"]);
        assert_eq!(
            g.downstream_sites("raw-site"),
            vec!["comp-a", "comp-b", ODD, "cust1-dc", "plant"]
        );
        assert!(g.upstream_sites("raw-site").is_empty());
        assert!(g.downstream_sites("lonely").is_empty());
        assert!(g.upstream_sites("no-such-site").is_empty());
    }

    #[test]
    fn demands_affected_are_at_the_site_or_downstream() {
        let g = ChainGraph::build(&chain());
        assert_eq!(g.demands_affected_by("raw-site"), vec![0, 1, 2]);
        assert_eq!(g.demands_affected_by("plant"), vec![0, 1, 2]);
        assert_eq!(g.demands_affected_by("cust1-dc"), vec![0]);
        assert_eq!(g.demands_affected_by("lonely"), vec![3]);
        assert!(g.demands_affected_by("no-such-site").is_empty());
    }

    #[test]
    fn site_graph_has_a_node_per_site_and_an_edge_per_lane() {
        let doc = chain();
        let g = ChainGraph::build(&doc);
        assert_eq!(g.graph().node_count(), doc.sites.len());
        assert_eq!(g.graph().edge_count(), doc.lanes.len());
        let plant = g.node("plant").expect("plant is a node");
        assert_eq!(g.graph()[plant].role, Role::Leader);
        let lanes: Vec<usize> = g.graph().edge_weights().map(|e| e.lane).collect();
        assert_eq!(lanes, (0..doc.lanes.len()).collect::<Vec<_>>());
    }

    #[test]
    fn unresolved_references_are_skipped() {
        let mut doc = chain();
        doc.lanes[0].to = "nowhere".into();
        doc.sites[6].enterprise = "nobody".into();
        doc.lines[1].operations[0].inputs[0].item = "unobtainium".into();
        let g = ChainGraph::build(&doc);
        assert_eq!(g.graph().edge_count(), doc.lanes.len() - 1);
        assert!(g.node("lonely").is_none());
        assert_eq!(g.material().edge_count(), 1);
        assert_eq!(g.tier("comp-a"), Some(1));
    }

    #[test]
    fn material_graph_links_inputs_to_made_items() {
        let g = ChainGraph::build(&chain());
        let m = g.material();
        let (ore, part, car) = (
            g.item_node("ore").unwrap(),
            g.item_node("part").unwrap(),
            g.item_node("car").unwrap(),
        );
        let e = m.find_edge(ore, part).expect("ore -> part");
        assert_eq!(m[e], 2.0);
        assert!(m.find_edge(part, car).is_some());
        assert_eq!(m.edge_count(), 2);
        assert!(!g.bom_has_cycle());
    }

    #[test]
    fn bom_cycles_are_found_including_self_loops() {
        let mut doc = chain();
        doc.lines[0].operations[0].inputs.push(crate::model::Input {
            item: "ore".into(),
            qty: 1.0,
        });
        assert!(ChainGraph::build(&doc).bom_has_cycle());
    }
}
