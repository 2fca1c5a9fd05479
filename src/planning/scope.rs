//! What the model must contain: the operations and lane items that can ever
//! carry a positive quantity in an optimal plan. Leaving the rest out shrinks
//! the model without changing its optimum; each rule below says why it is exact.
//!
//! 1. Forward: a (site, item) pair that no initial stock, receipt, operation or
//!    lane can ever supply holds zero stock in every feasible plan, so nothing
//!    can leave it: lanes out of it and operations consuming it are fixed at 0.
//! 2. Backward: a pair that no demand or safety target can use, and from which
//!    nothing can leave, only accumulates what arrives. An inflow to it whose
//!    sources hold stock for free (no holding cost, no upper bound) can be
//!    dropped: the units stay at the source at no cost, and every constraint
//!    stays satisfied. Lanes into pairs with sourcing shares are always kept,
//!    since dropping one side of a share changes what the others may carry.

use super::network::{Network, Pair};
use std::collections::{HashMap, HashSet};

/// Which decisions exist in the model.
pub(crate) struct Scope {
    pub operation_kept: Vec<bool>,
    /// Per lane, per position in its item list.
    pub lane_item_kept: Vec<Vec<bool>>,
}

impl Scope {
    /// Computes the scope of a resolved network.
    pub fn of(net: &Network) -> Scope {
        let reachable = reachable_pairs(net);
        let mut scope = Scope {
            operation_kept: net
                .operations
                .iter()
                .map(|o| operation_can_run(net, &reachable, o.line, &o.inputs, o.site))
                .collect(),
            lane_item_kept: net
                .lanes
                .iter()
                .map(|e| {
                    e.items
                        .iter()
                        .map(|&i| lane_can_carry(net, e, i) && reachable.contains(&(e.from, i)))
                        .collect()
                })
                .collect(),
        };
        scope.drop_dead_ends(net);
        scope
    }

    /// Rule 2, repeated until nothing more can be dropped.
    fn drop_dead_ends(&mut self, net: &Network) {
        let sinks: HashSet<Pair> = net
            .demands
            .iter()
            .map(|d| (d.site, d.item))
            .chain(
                net.stocks
                    .iter()
                    .filter(|(_, s)| s.safety > 0.0)
                    .map(|(&p, _)| p),
            )
            .collect();
        let shared: HashSet<Pair> = net
            .lanes
            .iter()
            .filter(|e| e.min_share.is_some() || e.max_share.is_some())
            .flat_map(|e| e.items.iter().map(move |&i| (e.to, i)))
            .collect();
        let free = |p: &Pair| {
            net.stocks
                .get(p)
                .is_none_or(|s| s.holding_cost == 0.0 && s.max.is_none())
        };
        loop {
            let outflows = self.pairs_with_outflow(net);
            let dead_end =
                |p: &Pair| !sinks.contains(p) && !outflows.contains(p) && !shared.contains(p);
            let mut changed = false;
            for (k, e) in net.lanes.iter().enumerate() {
                for (pos, &i) in e.items.iter().enumerate() {
                    if self.lane_item_kept[k][pos] && dead_end(&(e.to, i)) && free(&(e.from, i)) {
                        self.lane_item_kept[k][pos] = false;
                        changed = true;
                    }
                }
            }
            for (o, op) in net.operations.iter().enumerate() {
                if self.operation_kept[o]
                    && dead_end(&(op.site, op.item))
                    && op.inputs.iter().all(|&(i, _)| free(&(op.site, i)))
                {
                    self.operation_kept[o] = false;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn pairs_with_outflow(&self, net: &Network) -> HashSet<Pair> {
        let mut out = HashSet::new();
        for (k, e) in net.lanes.iter().enumerate() {
            for (pos, &i) in e.items.iter().enumerate() {
                if self.lane_item_kept[k][pos] {
                    out.insert((e.from, i));
                }
            }
        }
        for (o, op) in net.operations.iter().enumerate() {
            if self.operation_kept[o] {
                out.extend(op.inputs.iter().map(|&(i, _)| (op.site, i)));
            }
        }
        out
    }

    /// The pairs that need stock variables: every pair touched by a kept
    /// decision, a stock record, a receipt or a demand, in a stable order.
    pub fn stock_pairs(&self, net: &Network) -> Vec<Pair> {
        let mut pairs: HashSet<Pair> = net.stocks.keys().copied().collect();
        pairs.extend(net.receipts.keys().map(|&(n, i, _)| (n, i)));
        pairs.extend(net.demands.iter().map(|d| (d.site, d.item)));
        for (o, op) in net.operations.iter().enumerate() {
            if self.operation_kept[o] {
                pairs.insert((op.site, op.item));
                pairs.extend(op.inputs.iter().map(|&(i, _)| (op.site, i)));
            }
        }
        for (k, e) in net.lanes.iter().enumerate() {
            for (pos, &i) in e.items.iter().enumerate() {
                if self.lane_item_kept[k][pos] {
                    pairs.insert((e.from, i));
                    pairs.insert((e.to, i));
                }
            }
        }
        let mut pairs: Vec<Pair> = pairs.into_iter().collect();
        pairs.sort_unstable();
        pairs
    }
}

fn operation_can_run(
    net: &Network,
    reachable: &HashSet<Pair>,
    line: usize,
    inputs: &[(usize, f64)],
    site: usize,
) -> bool {
    net.lines[line].capacity.iter().any(|&c| c > 0.0)
        && inputs.iter().all(|&(i, _)| reachable.contains(&(site, i)))
}

fn lane_can_carry(net: &Network, e: &super::network::LaneData, _item: usize) -> bool {
    e.lead_time < net.periods
        && e.capacity
            .as_ref()
            .is_none_or(|c| c.iter().take(net.periods - e.lead_time).any(|&v| v > 0.0))
}

/// Rule 1: the least fixpoint of "can ever hold a positive quantity".
fn reachable_pairs(net: &Network) -> HashSet<Pair> {
    let mut reachable: HashSet<Pair> = net
        .stocks
        .iter()
        .filter(|(_, s)| s.initial > 0.0)
        .map(|(&p, _)| p)
        .collect();
    reachable.extend(
        net.receipts
            .iter()
            .filter(|(_, &q)| q > 0.0)
            .map(|(&(n, i, _), _)| (n, i)),
    );
    // Lanes indexed by their source pair, so each newly reachable pair wakes
    // only the lanes that leave it.
    let mut lanes_from: HashMap<Pair, Vec<Pair>> = HashMap::new();
    for e in &net.lanes {
        if lane_can_carry(net, e, 0) {
            for &i in &e.items {
                lanes_from.entry((e.from, i)).or_default().push((e.to, i));
            }
        }
    }
    let mut queue: Vec<Pair> = reachable.iter().copied().collect();
    let mut ops_done = vec![false; net.operations.len()];
    loop {
        while let Some(p) = queue.pop() {
            for &q in lanes_from.get(&p).into_iter().flatten() {
                if reachable.insert(q) {
                    queue.push(q);
                }
            }
        }
        // Operations become runnable as their inputs arrive; rescanning them is
        // cheap next to solving, and the BOM depth bounds the rounds.
        let mut grew = false;
        for (o, op) in net.operations.iter().enumerate() {
            if !ops_done[o] && operation_can_run(net, &reachable, op.line, &op.inputs, op.site) {
                ops_done[o] = true;
                if reachable.insert((op.site, op.item)) {
                    queue.push((op.site, op.item));
                    grew = true;
                }
            }
        }
        if !grew && queue.is_empty() {
            break;
        }
    }
    reachable
}

#[cfg(test)]
impl Scope {
    /// Every decision kept: the model exactly as docs/model.md writes it.
    pub(crate) fn everything(net: &Network) -> Scope {
        Scope {
            operation_kept: vec![true; net.operations.len()],
            lane_item_kept: net
                .lanes
                .iter()
                .map(|e| vec![true; e.items.len()])
                .collect(),
        }
    }

    fn kept(&self) -> usize {
        self.operation_kept.iter().filter(|&&k| k).count()
            + self.lane_item_kept.iter().flatten().filter(|&&k| k).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::generate::{generate, GeneratorSpec};
    use crate::planning::extract::extract_plan;
    use crate::planning::formulation::PlanModel;
    use crate::planning::highs::{run_highs, Outcome};
    use crate::planning::lp::Mode;
    use crate::planning::options::SolveOptions;
    use serde_json::json;

    fn optimum(net: &Network, scope: &Scope) -> f64 {
        let model = PlanModel::build(net, scope, Mode::Exact);
        let is_mip = model.map.integer_columns > 0;
        let options = SolveOptions {
            relative_gap: Some(0.0),
            ..SolveOptions::default()
        };
        let run = run_highs(model, &options, is_mip, None).expect("HiGHS runs");
        match run.outcome {
            Outcome::Solved(values) => extract_plan(net, &run.model_map, &values, None)
                .objective
                .expect("objective"),
            _ => panic!("no optimum"),
        }
    }

    #[test]
    fn leaving_out_what_cannot_matter_keeps_the_optimum() {
        let mut pruned_somewhere = false;
        for seed in 0..16u64 {
            let mut doc = generate(&GeneratorSpec {
                suppliers: 4 + (seed % 4) as usize,
                periods: 4 + (seed % 3) as u32,
                seed,
                setups: seed % 2 == 0,
                renovations: (seed % 2) as usize,
                shares: seed % 3 == 0,
                ..GeneratorSpec::default()
            });
            add_dead_ends(&mut doc);
            let net = Network::resolve(&doc);
            let (scope, full) = (Scope::of(&net), Scope::everything(&net));
            pruned_somewhere |= scope.kept() < full.kept();
            let (a, b) = (optimum(&net, &scope), optimum(&net, &full));
            assert!(
                (a - b).abs() <= 1e-6 * a.abs().max(1.0),
                "seed {seed}: {a} vs {b}"
            );
        }
        assert!(
            pruned_somewhere,
            "no generated chain had anything to leave out"
        );
    }

    /// A scrapyard that every site can ship its products to, and a line that
    /// needs an item nobody makes: what the scope should leave out.
    fn add_dead_ends(doc: &mut crate::model::NetworkDoc) {
        let leader = doc.sites[0].enterprise.clone();
        let site = |id: &str| crate::model::Site {
            id: id.into(),
            enterprise: leader.clone(),
            name: None,
            region: None,
        };
        doc.sites.push(site("scrapyard"));
        doc.items.push(crate::model::Item {
            id: "unobtainium".into(),
            name: None,
            unit: None,
        });
        let made: Vec<(String, String)> = doc
            .lines
            .iter()
            .flat_map(|l| {
                l.operations
                    .iter()
                    .map(|o| (l.site.clone(), o.item.clone()))
            })
            .collect();
        for (k, (from, item)) in made.into_iter().enumerate() {
            doc.lanes.push(
                serde_json::from_value(json!({
                    "id": format!("scrap-{k}"), "from": from, "to": "scrapyard",
                    "items": [item], "cost": 0
                }))
                .expect("lane"),
            );
        }
        let first_item = doc.items[0].id.clone();
        doc.lines.push(
            serde_json::from_value(json!({
                "id": "dreams", "site": doc.sites[0].id, "capacity": 100,
                "operations": [{"item": first_item, "inputs": [{"item": "unobtainium", "qty": 1}]}]
            }))
            .expect("line"),
        );
    }

    #[test]
    fn unreachable_pairs_and_dead_ends_are_left_out() {
        // "x" is never made anywhere, so the lane carrying it and the line
        // consuming it go; "p" shipped to "dump" (no demand, nothing leaves,
        // free stock at the source) goes too; "p" to the customer stays.
        let doc: crate::model::NetworkDoc = serde_json::from_value(json!({
            "horizon": {"periods": 2},
            "items": [{"id": "p"}, {"id": "x"}, {"id": "q"}],
            "enterprises": [{"id": "l", "role": "leader"}],
            "sites": [{"id": "a", "enterprise": "l"}, {"id": "b", "enterprise": "l"},
                      {"id": "dump", "enterprise": "l"}],
            "lines": [{"id": "make-p", "site": "a", "capacity": 10, "operations": [{"item": "p"}]},
                      {"id": "make-q", "site": "b", "capacity": 10,
                       "operations": [{"item": "q", "inputs": [{"item": "x", "qty": 1}]}]}],
            "lanes": [{"id": "ab", "from": "a", "to": "b", "items": ["p", "x"]},
                      {"id": "a-dump", "from": "a", "to": "dump", "items": ["p"]}],
            "demands": [{"id": "d", "site": "b", "item": "p", "period": 1, "qty": 3}]
        }))
        .expect("document");
        let net = Network::resolve(&doc);
        let scope = Scope::of(&net);
        assert_eq!(scope.operation_kept, vec![true, false]);
        assert_eq!(scope.lane_item_kept, vec![vec![true, false], vec![false]]);
    }
}
