//! Facility-location inequalities for setups: for an operation with setups
//! whose item has no other source at its site, the units made in each period
//! are allocated to the requirements they serve on time, each allocation
//! within the requirement's size times `y[o,t]`. Big-M alone lets a
//! fractional setup carry the whole capacity; these rows give the lot-sizing
//! LP its facility-location bound without changing the set of integer plans.
//!
//! The requirements of an operation are its own item's demands, one by one,
//! and, for a component, its echelon demand per period: the units of it held
//! by the items made from it at the same site and due then (multi-level lot
//! sizing's echelon facility-location reformulation).

use super::lp::{sum_of, Col, Columns, Making, Rows};
use super::network::{Network, Pair};
use super::scope::Scope;
use good_lp::Expression;
use std::collections::{HashMap, HashSet};

/// The most allocation columns that echelon requirements may add to one
/// model: each costs one column per period up to its due period, per
/// component, which on a site with a deep bill of materials grows faster
/// than the rest of the model. Past this budget the remaining components keep
/// big-M setups (and their own demands' rows).
const ECHELON_COLUMN_BUDGET: usize = 100_000;

/// Units that must be made by period `due`: `r` times the on-time delivery
/// of each demand `d` in `served`, at most `most` in all; `echelon` when
/// the demands are of items made from the operation's item.
struct Requirement {
    due: usize,
    most: f64,
    served: Vec<(usize, f64)>,
    echelon: bool,
}

/// The facility-location view of one setup operation whose item has no other
/// source at its site: `alloc[k]` holds (period, column) for the units made
/// in that period for requirement `k`'s on-time deliveries, and `opening[k]`
/// the part of the initial stock that serves it.
///
/// Every feasible plan has such an allocation. Own demands (`r = 1`): serve
/// on-time deliveries first in, first out; stock never goes negative, so the
/// cumulative on-time deliveries never exceed the initial stock plus
/// cumulative production. Echelon demands: inputs are consumed in the period
/// their parent is made, so a unit delivered on time was made (with all its
/// components, down the bill of materials) by its due period, and every unit
/// of the component that went into it was made in or before that period or
/// came from the component's initial stock. A unit of the component goes
/// into at most one parent unit, so the allocations of different demands
/// are different units. `r` counts only the paths through items with one
/// operation and no other source (no initial stock, receipts or lanes in),
/// so it never exceeds what every unit holds. The rows below therefore cut
/// no plan; they cut fractional setups: units made in `t` for a requirement
/// are at most its size times `y[o,t]`, where big-M allows the whole
/// capacity.
pub(crate) struct LotSizing {
    operation: usize,
    requirements: Vec<Requirement>,
    alloc: Vec<Vec<(usize, Col)>>,
    opening: Vec<Option<Col>>,
}

/// Where an item at a site comes from, for the operations that qualify.
struct Sources {
    /// The one kept operation making each (site, item) pair, where there is
    /// exactly one.
    only_maker: HashMap<Pair, usize>,
    /// Pairs with units that no operation at the site made: lane arrivals
    /// and receipts.
    other_source: HashSet<Pair>,
    /// Per (site, input): the items made only from production at the site,
    /// with no initial stock, that consume it, with the quantity per unit.
    users: HashMap<Pair, Vec<(usize, f64)>>,
}

impl Sources {
    fn of(net: &Network, scope: &Scope) -> Sources {
        let mut makers: HashMap<Pair, Vec<usize>> = HashMap::new();
        for (o, op) in net.operations.iter().enumerate() {
            if scope.operation_kept[o] {
                makers.entry((op.site, op.item)).or_default().push(o);
            }
        }
        let only_maker: HashMap<Pair, usize> = makers
            .into_iter()
            .filter(|(_, ops)| ops.len() == 1)
            .map(|(pair, ops)| (pair, ops[0]))
            .collect();
        let mut other_source: HashSet<Pair> =
            net.receipts.keys().map(|&(n, i, _)| (n, i)).collect();
        for (k, e) in net.lanes.iter().enumerate() {
            for (pos, &i) in e.items.iter().enumerate() {
                if scope.lane_item_kept[k][pos] {
                    other_source.insert((e.to, i));
                }
            }
        }
        let mut users: HashMap<Pair, Vec<(usize, f64)>> = HashMap::new();
        for (&(n, item), &o) in &only_maker {
            if other_source.contains(&(n, item)) || net.initial((n, item)) > 0.0 {
                continue;
            }
            for &(input, qty) in &net.operations[o].inputs {
                users.entry((n, input)).or_default().push((item, qty));
            }
        }
        Sources {
            only_maker,
            other_source,
            users,
        }
    }

    /// Whether every unit of `pair` is made at its site by its one operation.
    fn only_made(&self, pair: Pair) -> bool {
        self.only_maker.contains_key(&pair) && !self.other_source.contains(&pair)
    }

    /// Units of `component` that every unit of each item at `site` holds,
    /// for the items that hold some: 1 for the component itself; for an item
    /// made only by its one operation from inputs and with no initial stock,
    /// the sum over its inputs of quantity times their content; 0 (left out)
    /// otherwise. Computed without recursion, so a deep bill of materials
    /// cannot overflow the stack; validation rejects cycles, and one met here
    /// anyway counts as 0.
    fn content(&self, site: usize, component: usize) -> HashMap<usize, f64> {
        // The component's own stock is allowed for (the opening columns), so
        // only edges into other items count.
        let users = |i: usize| {
            self.users
                .get(&(site, i))
                .into_iter()
                .flatten()
                .filter(move |&&(user, _)| user != component)
        };
        // Items reachable upwards from the component, in an order where every
        // input comes before its users (Kahn's algorithm on that subgraph).
        let mut reach: HashSet<usize> = HashSet::from([component]);
        let mut stack = vec![component];
        while let Some(i) = stack.pop() {
            for &(user, _) in users(i) {
                if reach.insert(user) {
                    stack.push(user);
                }
            }
        }
        let mut waiting: HashMap<usize, usize> = reach.iter().map(|&i| (i, 0)).collect();
        for &i in &reach {
            for &(user, _) in users(i) {
                *waiting.entry(user).or_default() += 1;
            }
        }
        let mut content: HashMap<usize, f64> = HashMap::from([(component, 1.0)]);
        let mut ready = vec![component];
        while let Some(i) = ready.pop() {
            let c = content.get(&i).copied().unwrap_or(0.0);
            for &(user, qty) in users(i) {
                *content.entry(user).or_default() += qty * c;
                let w = waiting.entry(user).or_default();
                *w -= 1;
                if *w == 0 {
                    ready.push(user);
                }
            }
        }
        // An item left waiting sits on a cycle (or above one): count 0.
        content.retain(|i, c| *c > 0.0 && waiting.get(i).copied().unwrap_or(0) == 0);
        content
    }
}

/// Creates the allocation columns of every operation that qualifies.
pub(crate) fn lot_sizing_columns(
    net: &Network,
    scope: &Scope,
    setup: &[Vec<Option<Col>>],
    cols: &mut Columns,
) -> Vec<LotSizing> {
    let sources = Sources::of(net, scope);
    let demands_at = demands_at(net);
    let mut echelon_budget = ECHELON_COLUMN_BUDGET;
    let mut out = Vec::new();
    for (o, op) in net.operations.iter().enumerate() {
        let pair = (op.site, op.item);
        if !scope.operation_kept[o] || !op.needs_setup || !sources.only_made(pair) {
            continue;
        }
        let own = demands_at.get(&pair).map(Vec::as_slice).unwrap_or_default();
        let mut requirements: Vec<Requirement> = own
            .iter()
            .map(|&d| Requirement {
                due: net.demands[d].due,
                most: net.demands[d].qty,
                served: vec![(d, 1.0)],
                echelon: false,
            })
            .collect();
        if echelon_budget > 0 {
            let echelon = echelon_requirements(net, &sources, &demands_at, o);
            let echelon_columns: usize = echelon.iter().map(|q| q.due + 1).sum();
            if echelon_columns <= echelon_budget {
                echelon_budget -= echelon_columns;
                requirements.extend(echelon);
            }
        }
        if requirements.is_empty() {
            continue;
        }
        let has_opening = net.initial(pair) > 0.0;
        let alloc = requirements
            .iter()
            .map(|q| {
                (0..=q.due)
                    .filter(|&t| setup[o][t].is_some())
                    .map(|t| (t, cols.add(f64::INFINITY, 0.0)))
                    .collect()
            })
            .collect();
        let opening = requirements
            .iter()
            .map(|_| has_opening.then(|| cols.add(f64::INFINITY, 0.0)))
            .collect();
        out.push(LotSizing {
            operation: o,
            requirements,
            alloc,
            opening,
        });
    }
    out
}

/// The demands with something to deliver within the horizon, per (site, item).
fn demands_at(net: &Network) -> HashMap<Pair, Vec<usize>> {
    let mut at: HashMap<Pair, Vec<usize>> = HashMap::new();
    for (d, dd) in net.demands.iter().enumerate() {
        if dd.due < net.periods && dd.qty > 0.0 {
            at.entry((dd.site, dd.item)).or_default().push(d);
        }
    }
    at
}

/// The echelon requirements of operation `o`'s item, one per due period:
/// the units of it held by the on-time deliveries of the other items at its
/// site that are made from it (see [`Sources::content`]).
fn echelon_requirements(
    net: &Network,
    sources: &Sources,
    demands_at: &HashMap<Pair, Vec<usize>>,
    o: usize,
) -> Vec<Requirement> {
    let op = &net.operations[o];
    let mut by_due: Vec<Requirement> = (0..net.periods)
        .map(|due| Requirement {
            due,
            most: 0.0,
            served: Vec::new(),
            echelon: true,
        })
        .collect();
    for (item, r) in sources.content(op.site, op.item) {
        if item == op.item {
            continue;
        }
        for &d in demands_at.get(&(op.site, item)).into_iter().flatten() {
            let q = &mut by_due[net.demands[d].due];
            q.most += r * net.demands[d].qty;
            q.served.push((d, r));
        }
    }
    by_due.retain(|q| !q.served.is_empty());
    for q in &mut by_due {
        q.served.sort_by_key(|&(d, _)| d);
    }
    by_due
}

impl LotSizing {
    /// Whether some requirement is an echelon one (served through a parent).
    pub(crate) fn has_echelon(&self) -> bool {
        self.requirements.iter().any(|q| q.echelon)
    }

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

    /// The rows: allocations within production, within the requirement's
    /// size times `y[o,t]`, and covering its on-time deliveries.
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
        for (k, q) in self.requirements.iter().enumerate() {
            let mut cover = Expression::with_capacity(self.alloc[k].len() + q.served.len() + 1);
            for &(t, c) in &self.alloc[k] {
                if let Some(y) = setup[o][t] {
                    rows.add(sum_of([(1.0, &c), (-q.most, &y)]).leq(0.0));
                }
                per_period.entry(t).or_default().add_mul(1.0, c.var);
                cover.add_mul(-1.0, c.var);
            }
            if let Some(c) = self.opening[k] {
                cover.add_mul(-1.0, c.var);
            }
            let mut on_time = false;
            for &(d, r) in &q.served {
                // The first delivery column is the on-time one (`t = due`).
                let first = delivered[d].first();
                if let Some((_, w)) = first.filter(|(t, _)| *t == net.demands[d].due) {
                    cover.add_mul(r, w.var);
                    on_time = true;
                }
            }
            if on_time {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NetworkDoc;
    use crate::planning::formulation::PlanModel;
    use crate::planning::highs::{run_highs, Outcome};
    use crate::planning::lp::Mode;
    use crate::planning::options::SolveOptions;
    use serde_json::{json, Value};

    fn operation(item: &str, inputs: Value) -> Value {
        json!({"item": item, "load": 1.0, "inputs": inputs, "setup_cost": 50.0, "setup_time": 5.0})
    }

    /// One site: `a` goes into `b` (1 each) and `c` (2 `b` and 1 `a`); `d`
    /// is made from `a` but starts with stock; `e` has two lines making it,
    /// and `f` is made from `e`; `g` is made from `a` but also arrives as a
    /// receipt. Each item made from `a` has a demand.
    fn bill_of_materials() -> NetworkDoc {
        let demand =
            |item: &str| json!({"id": item, "site": "s", "item": item, "period": 2, "qty": 10.0});
        let items: Vec<Value> = ["a", "b", "c", "d", "e", "f", "g"]
            .map(|i| json!({ "id": i }))
            .into();
        let demands: Vec<Value> = ["b", "c", "d", "f", "g"].map(demand).into();
        serde_json::from_value(json!({
            "name": "bom",
            "horizon": {"periods": 3},
            "items": items,
            "enterprises": [{"id": "x", "role": "leader"}],
            "sites": [{"id": "s", "enterprise": "x"}],
            "lines": [
                {"id": "main", "site": "s", "capacity": 1000.0, "operations": [
                    operation("a", json!([])),
                    operation("b", json!([{"item": "a", "qty": 1.0}])),
                    operation("c", json!([{"item": "b", "qty": 2.0}, {"item": "a", "qty": 1.0}])),
                    operation("d", json!([{"item": "a", "qty": 1.0}])),
                    operation("e", json!([{"item": "a", "qty": 1.0}])),
                    operation("f", json!([{"item": "e", "qty": 1.0}])),
                    operation("g", json!([{"item": "a", "qty": 1.0}]))
                ]},
                {"id": "spare", "site": "s", "capacity": 1000.0, "operations": [operation("e", json!([]))]}
            ],
            "stocks": [{"site": "s", "item": "d", "initial": 5.0}],
            "receipts": [{"site": "s", "item": "g", "period": 1, "qty": 3.0}],
            "demands": demands,
            "policy": {"late_penalty": 100.0, "unmet_penalty": 1000.0}
        }))
        .expect("a valid document")
    }

    #[test]
    fn content_counts_only_items_made_solely_from_production_at_the_site() {
        let doc = bill_of_materials();
        assert!(crate::model::validate(&doc).is_valid());
        let net = Network::resolve(&doc);
        let item = |id: &str| doc.items.iter().position(|i| i.id == id).unwrap();
        let content = Sources::of(&net, &Scope::of(&net)).content(0, item("a"));
        // c holds a directly and through both units of b: 1 + 2 * 1.
        let expected = HashMap::from([(item("a"), 1.0), (item("b"), 1.0), (item("c"), 3.0)]);
        assert_eq!(content, expected);
    }

    #[test]
    fn a_component_gets_one_echelon_requirement_per_due_period() {
        let doc = bill_of_materials();
        let net = Network::resolve(&doc);
        let sources = Sources::of(&net, &Scope::of(&net));
        let a = net
            .operations
            .iter()
            .position(|o| o.id == "main/a")
            .unwrap();
        let reqs = echelon_requirements(&net, &sources, &demands_at(&net), a);
        assert_eq!(reqs.len(), 1);
        let q = &reqs[0];
        assert_eq!((q.due, q.echelon), (2, true));
        // The demands of b (10 units holding 10 a) and c (10 holding 30 a).
        assert_eq!(q.most, 40.0);
        let served: Vec<(&str, f64)> = q
            .served
            .iter()
            .map(|&(d, r)| (doc.demands[d].id.as_str(), r))
            .collect();
        assert_eq!(served, [("b", 1.0), ("c", 3.0)]);
    }

    /// The LP relaxation's optimum of `doc`'s model.
    fn relaxation(doc: &NetworkDoc) -> f64 {
        let net = Network::resolve(doc);
        let model = PlanModel::build(&net, &Scope::of(&net), Mode::Exact);
        let options = SolveOptions {
            highs_options: vec![("solve_relaxation".into(), "true".into())],
            ..SolveOptions::default()
        };
        match run_highs(model, &options, false, None)
            .expect("HiGHS runs")
            .outcome
        {
            Outcome::Solved(values) => values.bound,
            _ => panic!("no relaxation optimum"),
        }
    }

    #[test]
    fn echelon_requirements_raise_the_bound_of_a_two_level_chain() {
        // The two-level Tempelmeier-Derstroff fixture of
        // `tests/import_lot_sizing.rs` (optimum 1,050): end items 1 and 2 made
        // from item 3. Facility-location rows on the end items alone give
        // an LP bound of 938; the echelon rows on item 3 lift it to 953 2/7.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lot_sizing");
        let doc =
            crate::import::mlclsp::read_mlclsp(&std::path::Path::new(dir).join("G9121111.TMP"))
                .expect("imports");
        let bound = relaxation(&doc);
        assert!((bound - 953.0 - 2.0 / 7.0).abs() < 1e-6, "{bound}");
    }
}
