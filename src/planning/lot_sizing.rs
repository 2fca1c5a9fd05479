//! Facility-location inequalities for setups: for an operation with setups
//! whose item has no other source at its site, the units made in each period
//! are allocated to the local demands they serve on time, each allocation
//! within `qty_d y[o,t]`. Big-M alone lets a fractional setup carry the whole
//! capacity; these rows give the lot-sizing LP its facility-location bound
//! without changing the set of integer plans.

use super::formulation::{sum_of, Col, Columns, Making, Rows};
use super::network::{Network, Pair};
use super::scope::Scope;
use good_lp::Expression;
use std::collections::{HashMap, HashSet};

/// The facility-location view of one setup operation whose item has no other
/// source at its site: `alloc[d]` holds (period, column) for the units made
/// in that period and delivered on time to local demand `d`, and `opening[d]`
/// the part of the initial stock that serves `d` on time.
///
/// Every feasible plan has such an allocation (serve on-time deliveries first
/// in, first out: stock never goes negative, so the cumulative on-time
/// deliveries never exceed the initial stock plus cumulative production), so
/// the rows below cut no plan. They cut fractional setups: units made in `t`
/// for `d` are at most `qty_d y[o,t]`, where big-M allows the whole capacity.
pub(crate) struct LotSizing {
    operation: usize,
    demands: Vec<usize>,
    alloc: Vec<Vec<(usize, Col)>>,
    opening: Vec<Option<Col>>,
}

/// Creates the allocation columns of every operation that qualifies.
pub(crate) fn lot_sizing_columns(
    net: &Network,
    scope: &Scope,
    setup: &[Vec<Option<Col>>],
    cols: &mut Columns,
) -> Vec<LotSizing> {
    let mut makers: HashMap<Pair, usize> = HashMap::new();
    for (o, op) in net.operations.iter().enumerate() {
        if scope.operation_kept[o] {
            *makers.entry((op.site, op.item)).or_default() += 1;
        }
    }
    let mut lane_fed: HashSet<Pair> = Default::default();
    for (k, e) in net.lanes.iter().enumerate() {
        for (pos, &i) in e.items.iter().enumerate() {
            if scope.lane_item_kept[k][pos] {
                lane_fed.insert((e.to, i));
            }
        }
    }
    let received: HashSet<Pair> = net.receipts.keys().map(|&(n, i, _)| (n, i)).collect();
    let mut out = Vec::new();
    for (o, op) in net.operations.iter().enumerate() {
        let pair = (op.site, op.item);
        if !scope.operation_kept[o]
            || !op.needs_setup
            || makers.get(&pair) != Some(&1)
            || lane_fed.contains(&pair)
            || received.contains(&pair)
        {
            continue;
        }
        let demands: Vec<usize> = (0..net.demands.len())
            .filter(|&d| (net.demands[d].site, net.demands[d].item) == pair)
            .filter(|&d| net.demands[d].due < net.periods && net.demands[d].qty > 0.0)
            .collect();
        if demands.is_empty() {
            continue;
        }
        let has_opening = net.initial(pair) > 0.0;
        let alloc = demands
            .iter()
            .map(|&d| {
                (0..=net.demands[d].due)
                    .filter(|&t| setup[o][t].is_some())
                    .map(|t| (t, cols.add(f64::INFINITY, 0.0)))
                    .collect()
            })
            .collect();
        let opening = demands
            .iter()
            .map(|_| has_opening.then(|| cols.add(f64::INFINITY, 0.0)))
            .collect();
        out.push(LotSizing {
            operation: o,
            demands,
            alloc,
            opening,
        });
    }
    out
}

impl LotSizing {
    /// The operation whose setups these allocations tighten.
    pub(crate) fn operation(&self) -> usize {
        self.operation
    }

    /// The allocation columns of units made in period `t`.
    pub(crate) fn allocated_in(&self, t: usize) -> impl Iterator<Item = &Col> + '_ {
        self.alloc
            .iter()
            .flat_map(move |a| a.iter().filter(move |(p, _)| *p == t).map(|(_, c)| c))
    }

    /// The rows: allocations within production, within `qty_d y[o,t]`, and
    /// covering the on-time delivery.
    pub(crate) fn add_rows(
        &self,
        net: &Network,
        making: &[Vec<Making>],
        setup: &[Vec<Option<Col>>],
        delivered: &[Vec<(usize, Col)>],
        rows: &mut Rows,
    ) {
        let o = self.operation;
        let mut per_period: HashMap<usize, Expression> = HashMap::new();
        for (k, &d) in self.demands.iter().enumerate() {
            let qty = net.demands[d].qty;
            let mut cover = Expression::with_capacity(self.alloc[k].len() + 2);
            for &(t, c) in &self.alloc[k] {
                if let Some(y) = setup[o][t] {
                    rows.add(sum_of([(1.0, &c), (-qty, &y)]).leq(0.0));
                }
                per_period.entry(t).or_default().add_mul(1.0, c.var);
                cover.add_mul(-1.0, c.var);
            }
            if let Some(c) = self.opening[k] {
                cover.add_mul(-1.0, c.var);
            }
            if let Some((_, w)) = delivered[d].first() {
                cover.add_mul(1.0, w.var);
                rows.add(cover.leq(0.0));
            }
        }
        let mut periods: Vec<_> = per_period.into_iter().collect();
        periods.sort_by_key(|(t, _)| *t);
        for (t, mut e) in periods {
            for c in making[o][t].cols() {
                e.add_mul(-1.0, c.var);
            }
            rows.add(e.leq(0.0));
        }
        let openings: Vec<&Col> = self.opening.iter().flatten().collect();
        if !openings.is_empty() {
            let pair = (net.operations[o].site, net.operations[o].item);
            rows.add(sum_of(openings.into_iter().map(|c| (1.0, c))).leq(net.initial(pair)));
        }
    }
}
