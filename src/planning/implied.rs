//! What an optimal plan cannot exceed: an implied upper bound on every
//! column of the model, so that a Lagrangian bound (`bound`) is finite. The
//! fast strategy and a repair's bound both box their columns with it.

use super::formulation::ModelMap;
use super::highs::LpData;
use super::network::Network;
use crate::model::scenario::unlimited_stand_in;

/// An upper bound on each column that some optimal solution respects,
/// finite for every column: production within the line's peak capacity;
/// flows and stock of an item within every unit of it that can exist by
/// then (initial stock, receipts and the capacity of every line making it),
/// and within the lane's capacity or the stock's maximum; deliveries, unmet
/// units and safety shortfalls within their demand or target; anything else
/// within every unit the chain can ever hold (see [`unlimited_stand_in`]).
/// And since every cost is non-negative, a column of cost `c` is at most
/// `cost_above / c` in an optimal plan, where `cost_above` is the cost of
/// any feasible plan. `None` when a total is beyond what a document may hold.
pub(crate) fn implied_upper(
    net: &Network,
    map: &ModelMap,
    lp: &LpData,
    cost_above: f64,
) -> Option<Vec<f64>> {
    let everything = unlimited_stand_in(net.doc).ok()?;
    let mut upper = vec![everything; lp.cost.len()];
    if costs_nonnegative(lp) && cost_above.is_finite() {
        let room = (cost_above - lp.offset).max(0.0);
        for (u, c) in upper.iter_mut().zip(&lp.cost) {
            if *c > 0.0 {
                *u = u.min(room / c);
            }
        }
    }
    // Shares may ask for round trips on a cycle of lanes, beyond what is
    // made (see `unlimited_stand_in`): flows then keep the wider bound.
    let shares = net
        .lanes
        .iter()
        .any(|l| l.min_share.is_some() || l.max_share.is_some());
    let available = availability(net);
    let mut cap = |col: usize, value: f64| {
        if let Some(u) = upper.get_mut(col) {
            *u = u.min(value.max(0.0));
        }
    };
    for (o, op) in net.operations.iter().enumerate() {
        for (t, making) in map.making[o].iter().enumerate() {
            for c in making.before.into_iter().chain(making.after) {
                cap(c.col, net.peak_capacity(op.line, t) / op.load);
            }
        }
    }
    for (k, lane) in net.lanes.iter().enumerate() {
        for (pos, flows) in map.flow[k].iter().enumerate() {
            let item = lane.items[pos];
            for (t, c) in flows.iter().enumerate() {
                if let Some(c) = c {
                    if let Some(capacity) = &lane.capacity {
                        cap(c.col, capacity[t]);
                    }
                    if !shares {
                        cap(c.col, available[item][t]);
                    }
                }
            }
        }
    }
    for (p, pair) in map.stock_pairs.iter().enumerate() {
        for (t, c) in map.stock[p].iter().enumerate() {
            cap(c.col, available[pair.1][t]);
        }
        let Some(stock) = net.stocks.get(pair) else {
            continue;
        };
        if let Some(max) = &stock.max {
            for (t, c) in map.stock[p].iter().enumerate() {
                cap(c.col, max[t]);
            }
        }
        if let Some(shortfall) = &map.shortfall[p] {
            for c in shortfall {
                cap(c.col, stock.safety);
            }
        }
    }
    for (d, demand) in net.demands.iter().enumerate() {
        for (_, c) in &map.delivered[d] {
            cap(c.col, demand.qty);
        }
        cap(map.unmet[d].col, demand.qty);
    }
    Some(upper)
}

/// Per item and period, every unit of the item that can exist by the end
/// of that period: all its initial stock, its receipts so far, and what
/// every line making it can make so far at its peak capacity.
fn availability(net: &Network) -> Vec<Vec<f64>> {
    let periods = net.periods;
    let mut added = vec![vec![0.0; periods]; net.doc.items.len()];
    for ((_, item), stock) in &net.stocks {
        if let Some(first) = added[*item].first_mut() {
            *first += stock.initial.max(0.0);
        }
    }
    for ((_, item, t), qty) in &net.receipts {
        if let Some(slot) = added[*item].get_mut(*t) {
            *slot += qty.max(0.0);
        }
    }
    for op in &net.operations {
        for (t, slot) in added[op.item].iter_mut().enumerate() {
            *slot += net.peak_capacity(op.line, t).max(0.0) / op.load;
        }
    }
    for series in &mut added {
        let mut total = 0.0;
        for slot in series.iter_mut() {
            total += *slot;
            *slot = total;
        }
    }
    added
}

/// Whether every cost and every column's lower bound is at least zero, so
/// that every plan costs at least the objective's constant term.
pub(crate) fn costs_nonnegative(lp: &LpData) -> bool {
    lp.cost.iter().all(|c| *c >= 0.0) && lp.col_lower.iter().all(|l| *l >= 0.0)
}
