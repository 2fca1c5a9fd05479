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
