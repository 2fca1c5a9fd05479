//! Synthetic supply chains for tests, demos and benchmarks: raw-material
//! suppliers (tier 3) -> component suppliers (tier 2) -> module suppliers
//! (tier 1) -> the leader's plant -> customer DCs, with lines, lanes, demands,
//! stocks, a receipt and optional setups, renovations, sourcing shares and a
//! carbon price.
//!
//! [`add_renovation_candidates`] gives any document (an imported benchmark
//! chain, say) a random renovation programme the same way.
//!
//! Mirrors the structure and magnitudes of the reference model's generator
//! (`make agreement`), not its random stream. Deterministic for a seed,
//! always a valid document (docs/model.md §1), and linear in size: each supplier ships to a bounded
//! number of next-tier sites, so 600 suppliers generate in milliseconds.
//! Pure: no IO, no solver.

use crate::model::{
    Demand, Enterprise, Horizon, Input, Item, Lane, Line, NetworkDoc, Operation, PerPeriod, Policy,
    Receipt, Renovation, Role, Site, Stock,
};
use rand::rngs::StdRng;
use rand::seq::{index, IndexedRandom};
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How big and how rich a synthetic chain is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratorSpec {
    /// Supplier enterprises (one site each), spread round-robin over tiers 3, 2, 1;
    /// a tier left empty gets one extra supplier.
    pub suppliers: usize,
    /// Items per upstream tier (raw materials, components, modules); at least 1.
    pub items_per_tier: usize,
    /// `T`, the number of periods; at least 1.
    pub periods: u32,
    /// Customer DCs, each with demand for both products in most periods.
    pub customers: usize,
    /// Seed of the random stream: the same spec gives the same document.
    pub seed: u64,
    /// Give most operations a setup cost, and some a setup time or minimum lot.
    pub setups: bool,
    /// Lines to renovate (at most one renovation per line).
    pub renovations: usize,
    /// Put `min_share` / `max_share` on a pair of lanes into some sites.
    pub shares: bool,
    /// Set a carbon price.
    pub carbon: bool,
}

impl Default for GeneratorSpec {
    fn default() -> Self {
        GeneratorSpec {
            suppliers: 6,
            items_per_tier: 2,
            periods: 12,
            customers: 2,
            seed: 0,
            setups: false,
            renovations: 0,
            shares: false,
            carbon: false,
        }
    }
}

/// A random, valid network document shaped by `spec`, the same for the same spec.
pub fn generate(spec: &GeneratorSpec) -> NetworkDoc {
    let mut chain = Chain::new(spec);
    chain.add_lines();
    chain.add_supplier_lanes();
    if spec.shares {
        chain.add_shares();
    }
    chain.add_customers();
    chain.add_stocks();
    chain.add_receipt();
    chain.add_renovations();
    chain.finish_policy();
    chain.doc
}

/// Next-tier sites each supplier ships to; bounded so lanes grow linearly.
const FAN_OUT: usize = 3;
const LEADER_ENTERPRISE: &str = "leader";
const LEADER_SITE: &str = "leader-plant";
/// Index of the products in [`Chain::items`]; 0..=2 are the supplier tiers.
const PRODUCTS: usize = 3;

/// The document under construction, with the bookkeeping the steps share.
struct Chain {
    spec: GeneratorSpec,
    rng: StdRng,
    periods: usize,
    doc: NetworkDoc,
    /// Item ids by tier: raw, components, modules, products.
    items: [Vec<String>; 4],
    /// Supplier site ids by tier index: 0 raw (tier 3), 1 components, 2 modules.
    supplier_sites: [Vec<String>; 3],
    /// Expected demand per product and period over all customers.
    demand_per_period: f64,
    /// Lanes into each receiving site (indices into `doc.lanes`), in order.
    lanes_into: BTreeMap<String, Vec<usize>>,
}

impl Chain {
    fn new(spec: &GeneratorSpec) -> Chain {
        let per_tier = spec.items_per_tier.max(1);
        let periods = spec.periods.max(1);
        let items = [
            names("raw", per_tier),
            names("comp", per_tier),
            names("mod", per_tier),
            names("prod", 2),
        ];
        let doc = NetworkDoc {
            name: Some(format!("gen-{}", spec.seed)),
            horizon: Horizon {
                periods,
                period: Some("week".into()),
                start: None,
            },
            items: items
                .iter()
                .flatten()
                .map(|id| Item {
                    id: id.clone(),
                    name: None,
                    unit: None,
                })
                .collect(),
            policy: Policy {
                late_penalty: 5.0,
                unmet_penalty: 1000.0,
                safety_penalty: 0.5,
                ..Policy::default()
            },
            ..NetworkDoc::empty(periods)
        };
        let mut chain = Chain {
            spec: spec.clone(),
            rng: StdRng::seed_from_u64(spec.seed),
            periods: periods as usize,
            doc,
            items,
            supplier_sites: Default::default(),
            // Two products, ordered in 70% of periods, about 32 units an order.
            demand_per_period: spec.customers as f64 * 2.0 * 0.7 * 32.0,
            lanes_into: BTreeMap::new(),
        };
        chain.add_site(LEADER_ENTERPRISE, LEADER_SITE, Role::Leader);
        for s in 0..spec.suppliers {
            chain.add_supplier(s % 3, format!("sup{s}"));
        }
        for tier in 0..3 {
            if chain.supplier_sites[tier].is_empty() {
                chain.add_supplier(tier, format!("supx{tier}"));
            }
        }
        chain
    }

    fn add_site(&mut self, enterprise: &str, site: &str, role: Role) {
        self.doc.enterprises.push(Enterprise {
            id: enterprise.into(),
            name: None,
            role,
        });
        self.doc.sites.push(Site {
            id: site.into(),
            enterprise: enterprise.into(),
            name: None,
            region: None,
        });
    }

    fn add_supplier(&mut self, tier: usize, enterprise: String) {
        let site = format!("{enterprise}-site");
        self.add_site(&enterprise, &site, Role::Supplier);
        self.supplier_sites[tier].push(site);
    }

    /// One line per supplier making some of its tier's items, extra lines so
    /// every item is made somewhere, and two lines at the leader's plant.
    fn add_lines(&mut self) {
        for tier in 0..3 {
            for s in 0..self.supplier_sites[tier].len() {
                let site = self.supplier_sites[tier][s].clone();
                let len = self.items[tier].len();
                let k = self.rng.random_range(1..=len);
                let made = self.sample(tier, k);
                self.add_line(&site, tier, made);
            }
        }
        for tier in 0..3 {
            let made: BTreeSet<&str> = self
                .doc
                .lines
                .iter()
                .flat_map(|l| l.operations.iter().map(|o| o.item.as_str()))
                .collect();
            let missing: Vec<String> = self.items[tier]
                .iter()
                .filter(|i| !made.contains(i.as_str()))
                .cloned()
                .collect();
            for item in missing {
                let site = self.pick(&self.supplier_sites[tier].clone());
                self.add_line(&site, tier, vec![item]);
            }
        }
        self.add_line(LEADER_SITE, PRODUCTS, self.items[PRODUCTS].clone());
        let product = self.pick(&self.items[PRODUCTS].clone());
        self.add_line(LEADER_SITE, PRODUCTS, vec![product]);
    }

    /// A line making `made` (items of `tier`) from items of the tier before.
    fn add_line(&mut self, site: &str, tier: usize, made: Vec<String>) {
        let id = format!("line{}", self.doc.lines.len() + 1);
        let capacity = self.line_capacity(tier);
        let operations = made.into_iter().map(|i| self.operation(tier, i)).collect();
        let downtime = if self.rng.random_bool(0.15) {
            vec![self.rng.random_range(0..self.periods as u32)]
        } else {
            Vec::new()
        };
        self.doc.lines.push(Line {
            id,
            site: site.into(),
            capacity,
            downtime,
            operations,
        });
    }

    /// Capacity scaled to demand: each unit upstream feeds about two inputs
    /// downstream, and a tier's suppliers share its load.
    fn line_capacity(&mut self, tier: usize) -> PerPeriod {
        let mult = f64::from(1u32 << (3 - tier));
        let share = if tier == PRODUCTS {
            1
        } else {
            (self.supplier_sites[tier].len() * self.items[tier].len() / 4).max(1)
        } as f64;
        let lo = (self.demand_per_period * 1.2 * mult / share) as u64 + 10;
        let hi = (self.demand_per_period * 3.0 * mult / share) as u64 + 20;
        if self.rng.random_bool(0.5) {
            PerPeriod::Scalar(self.rng.random_range(lo..=hi) as f64)
        } else {
            let values = (0..self.periods)
                .map(|_| self.rng.random_range(lo * 3 / 4..=hi) as f64)
                .collect();
            PerPeriod::Series(values)
        }
    }

    fn operation(&mut self, tier: usize, item: String) -> Operation {
        let inputs = if tier == 0 {
            Vec::new()
        } else {
            let k = self.items[tier - 1].len().min(2);
            self.sample(tier - 1, k)
                .into_iter()
                .map(|item| Input {
                    item,
                    qty: *[1.0, 1.0, 1.0, 0.5].choose(&mut self.rng).unwrap_or(&1.0),
                })
                .collect()
        };
        let mut op = Operation {
            id: None,
            item,
            load: self.uniform(0.5, 2.0),
            cost: round2(self.rng.random_range(1.0..10.0) * (tier + 1) as f64),
            co2: self.uniform(0.1, 3.0),
            inputs,
            setup_cost: 0.0,
            setup_time: 0.0,
            min_lot: 0.0,
        };
        if self.spec.setups && self.rng.random_bool(0.6) {
            op.setup_cost = self.int(20, 200);
            if self.rng.random_bool(0.5) {
                op.setup_time = self.int(2, 15);
            }
            if self.rng.random_bool(0.3) {
                op.min_lot = self.int(5, 30);
            }
        }
        op
    }

    /// Each supplier ships everything it makes to up to [`FAN_OUT`] random
    /// next-tier sites; then every input a site needs gets at least one lane.
    fn add_supplier_lanes(&mut self) {
        let made = self.items_by_site();
        for tier in 0..3 {
            let downstream = if tier < 2 {
                self.supplier_sites[tier + 1].clone()
            } else {
                vec![LEADER_SITE.to_string()]
            };
            for from in self.supplier_sites[tier].clone() {
                let Some(items) = made.get(&from).filter(|i| !i.is_empty()) else {
                    continue;
                };
                let mut picks = index::sample(
                    &mut self.rng,
                    downstream.len(),
                    downstream.len().min(FAN_OUT),
                )
                .into_vec();
                picks.sort_unstable();
                for p in picks {
                    self.add_lane(&from, &downstream[p], items.iter().cloned().collect());
                }
            }
            self.cover_inputs(tier, &downstream, &made);
        }
    }

    /// Adds a lane from a tier-`tier` maker for every input of a downstream
    /// site that no lane brings yet, so no line is starved by construction.
    fn cover_inputs(
        &mut self,
        tier: usize,
        downstream: &[String],
        made: &BTreeMap<String, BTreeSet<String>>,
    ) {
        let mut makers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for site in &self.supplier_sites[tier] {
            for item in made.get(site).into_iter().flatten() {
                makers.entry(item).or_default().push(site);
            }
        }
        let needs = self.inputs_by_site();
        let mut new_lanes = Vec::new();
        for to in downstream {
            let mut arriving: BTreeSet<String> = self
                .lanes_into
                .get(to)
                .into_iter()
                .flatten()
                .flat_map(|&l| self.doc.lanes[l].items.iter().cloned())
                .collect();
            for item in needs.get(to).into_iter().flatten() {
                if arriving.contains(item) {
                    continue;
                }
                let Some(from) = makers
                    .get(item.as_str())
                    .and_then(|m| m.choose(&mut self.rng))
                else {
                    continue;
                };
                let items = made.get(*from).cloned().unwrap_or_default();
                arriving.extend(items.iter().cloned());
                new_lanes.push((from.to_string(), to.clone(), items));
            }
        }
        for (from, to, items) in new_lanes {
            self.add_lane(&from, &to, items.into_iter().collect());
        }
    }

    fn add_lane(&mut self, from: &str, to: &str, items: Vec<String>) {
        let capacity = self
            .rng
            .random_bool(0.5)
            .then(|| PerPeriod::Scalar(self.int(50, 400)));
        let lane = Lane {
            id: format!("lane{}", self.doc.lanes.len() + 1),
            from: from.into(),
            to: to.into(),
            items,
            lead_time: *[0, 0, 1, 1, 2].choose(&mut self.rng).unwrap_or(&0),
            capacity,
            cost: self.uniform(0.1, 2.0),
            co2: self.uniform(0.05, 1.0),
            min_share: None,
            max_share: None,
        };
        self.lanes_into
            .entry(to.to_string())
            .or_default()
            .push(self.doc.lanes.len());
        self.doc.lanes.push(lane);
    }

    /// Into each site that two lanes with the same items reach, caps the first
    /// at 70% and holds the second to at least 20%. One `min_share` per site
    /// keeps every (site, item) sum at 0.2, well under 1.
    fn add_shares(&mut self) {
        for lanes in self.lanes_into.values() {
            let mut first: HashMap<&[String], usize> = HashMap::new();
            let pair = lanes.iter().find_map(|&l| {
                let items = self.doc.lanes[l].items.as_slice();
                match first.get(items) {
                    Some(&p) => Some((p, l)),
                    None => {
                        first.insert(items, l);
                        None
                    }
                }
            });
            if let Some((capped, held)) = pair {
                self.doc.lanes[capped].max_share = Some(0.7);
                self.doc.lanes[held].min_share = Some(0.2);
            }
        }
    }

    /// Customer DCs, each with a lane from the plant and most (product, period)
    /// demands, some with their own penalties.
    fn add_customers(&mut self) {
        for c in 0..self.spec.customers {
            let site = format!("cust{c}-dc");
            self.add_site(&format!("cust{c}"), &site, Role::Customer);
            self.add_lane(LEADER_SITE, &site, self.items[PRODUCTS].clone());
            for t in 0..self.periods as u32 {
                for item in self.items[PRODUCTS].clone() {
                    if self.rng.random_bool(0.7) {
                        self.add_demand(c, &site, item, t);
                    }
                }
            }
        }
    }

    fn add_demand(&mut self, customer: usize, site: &str, item: String, period: u32) {
        let mut demand = Demand {
            id: format!("so-{customer}-{item}-{period}"),
            site: site.into(),
            item,
            period,
            qty: self.int(5, 60),
            late_penalty: None,
            unmet_penalty: None,
        };
        if self.rng.random_bool(0.3) {
            demand.late_penalty = Some(self.int(2, 20));
            demand.unmet_penalty = Some(self.int(400, 2000));
        }
        self.doc.demands.push(demand);
    }

    /// Stock records at most supplier (site, item) pairs, and opening stock of
    /// the products at the plant and the DCs so early demand can be served.
    fn add_stocks(&mut self) {
        let made = self.items_by_site();
        let suppliers: Vec<String> = self.supplier_sites.iter().flatten().cloned().collect();
        for site in &suppliers {
            for item in made.get(site).into_iter().flatten() {
                if self.rng.random_bool(0.6) {
                    self.add_supplier_stock(site, item);
                }
            }
        }
        let mut downstream = vec![LEADER_SITE.to_string()];
        downstream.extend((0..self.spec.customers).map(|c| format!("cust{c}-dc")));
        for site in downstream {
            for item in self.items[PRODUCTS].clone() {
                let stock = Stock {
                    site: site.clone(),
                    item,
                    initial: self.int(20, 80),
                    holding_cost: self.uniform(0.2, 1.5),
                    safety: 0.0,
                    max: None,
                };
                self.doc.stocks.push(stock);
            }
        }
    }

    fn add_supplier_stock(&mut self, site: &str, item: &str) {
        let mut stock = Stock {
            site: site.into(),
            item: item.into(),
            initial: self.int(0, 40),
            holding_cost: self.uniform(0.05, 1.0),
            safety: 0.0,
            max: None,
        };
        if self.rng.random_bool(0.2) {
            stock.safety = self.int(5, 20);
        }
        if self.rng.random_bool(0.2) {
            stock.max = Some(PerPeriod::Scalar(self.int(100, 300)));
        }
        self.doc.stocks.push(stock);
    }

    /// Half the time, raw material already on its way to a component supplier.
    fn add_receipt(&mut self) {
        if !self.rng.random_bool(0.5) {
            return;
        }
        let site = self.pick(&self.supplier_sites[1].clone());
        let item = self.pick(&self.items[0].clone());
        // Period 1 as in gen.py, clamped into a one-period horizon.
        let period = 1.min(self.periods as u32 - 1);
        self.doc.receipts.push(Receipt {
            site,
            item,
            period,
            qty: 30.0,
        });
    }

    /// Renovations of distinct random lines, from the chain's own stream.
    fn add_renovations(&mut self) {
        add_renovation_candidates_with(&mut self.doc, self.spec.renovations, &mut self.rng);
    }

    fn finish_policy(&mut self) {
        if self.spec.carbon {
            self.doc.policy.carbon_price = self.uniform(0.1, 2.0);
        }
    }

    /// Items made at each site, by site id.
    fn items_by_site(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for line in &self.doc.lines {
            let items = line.operations.iter().map(|o| o.item.clone());
            out.entry(line.site.clone()).or_default().extend(items);
        }
        out
    }

    /// Items consumed at each site, by site id.
    fn inputs_by_site(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for line in &self.doc.lines {
            let items = line
                .operations
                .iter()
                .flat_map(|o| o.inputs.iter().map(|i| i.item.clone()));
            out.entry(line.site.clone()).or_default().extend(items);
        }
        out
    }

    /// `k` distinct items of `tier`, in tier order.
    fn sample(&mut self, tier: usize, k: usize) -> Vec<String> {
        let mut picks = index::sample(&mut self.rng, self.items[tier].len(), k).into_vec();
        picks.sort_unstable();
        picks
            .into_iter()
            .map(|i| self.items[tier][i].clone())
            .collect()
    }

    /// One of `ids`, which is never empty here (every tier has a site and an item).
    fn pick(&mut self, ids: &[String]) -> String {
        ids.choose(&mut self.rng).cloned().unwrap_or_default()
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        uniform(&mut self.rng, lo, hi)
    }

    fn int(&mut self, lo: u32, hi: u32) -> f64 {
        int(&mut self.rng, lo, hi)
    }
}

/// `prefix0`, `prefix1`, ...
fn names(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|k| format!("{prefix}{k}")).collect()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Uniform in `[lo, hi)`, rounded to cents as in gen.py.
fn uniform<R: Rng + ?Sized>(rng: &mut R, lo: f64, hi: f64) -> f64 {
    round2(rng.random_range(lo..hi))
}

/// A whole number in `[lo, hi]`, as a document number.
fn int<R: Rng + ?Sized>(rng: &mut R, lo: u32, hi: u32) -> f64 {
    f64::from(rng.random_range(lo..=hi))
}

/// Adds a renovation programme of `count` random candidates to any valid
/// document, drawn from `StdRng::seed_from_u64(seed)`: the same document,
/// count and seed give the same candidates. See
/// [`add_renovation_candidates_with`] for what is drawn and how the document
/// stays valid and feasible.
pub fn add_renovation_candidates(doc: &mut NetworkDoc, count: usize, seed: u64) {
    add_renovation_candidates_with(doc, count, &mut StdRng::seed_from_u64(seed));
}

/// Adds up to `count` renovation candidates to `doc`, drawing from `rng`.
///
/// Each candidate renovates its own random line among those without a
/// renovation yet (fewer candidates when fewer such lines exist; none on a
/// document without periods), with an id `reno<k>` no renovation uses, a start
/// window of up to five periods inside the horizon, a one- or two-period
/// downtime, capacity x1.1-1.6, unit cost x0.6-0.95, CO2 x0.4-0.9, a capex of
/// 100,000-500,000 of which 0 or 50,000 is subsidised, and even odds of
/// being optional.
///
/// The policy then makes room for them on top of whatever the document
/// already allowed, so a document that had a feasible programme keeps it:
/// `max_concurrent_renovations` grows by `max(1, count / 2)` (from the number
/// of existing renovations when it was unset) and `renovation_budget` by the
/// net capex of the mandatory candidates plus 200,000 (from the existing
/// renovations' positive net capex when it was unset). A mandatory candidate
/// that a greedy schedule cannot fit under the added concurrency is made
/// optional, so the candidates alone never make the model infeasible.
pub fn add_renovation_candidates_with<R: Rng + ?Sized>(
    doc: &mut NetworkDoc,
    count: usize,
    rng: &mut R,
) {
    let periods = doc.periods();
    let renovated: BTreeSet<&str> = doc.renovations.iter().map(|r| r.line.as_str()).collect();
    let free: Vec<usize> = (0..doc.lines.len())
        .filter(|&l| !renovated.contains(doc.lines[l].id.as_str()))
        .collect();
    let drawn = count.min(free.len());
    if drawn == 0 || periods == 0 {
        return;
    }
    let mut picks = index::sample(rng, free.len(), drawn).into_vec();
    picks.sort_unstable();
    let taken: BTreeSet<String> = doc.renovations.iter().map(|r| r.id.clone()).collect();
    let mut ids = (0usize..)
        .map(|k| format!("reno{k}"))
        .filter(|id| !taken.contains(id));
    let existing = doc.renovations.len();
    let last = periods as u32 - 1;
    for p in picks {
        let earliest = rng.random_range(0..periods.saturating_sub(3).max(1) as u32);
        let renovation = Renovation {
            id: ids.next().unwrap_or_default(),
            line: doc.lines[free[p]].id.clone(),
            duration: rng.random_range(1..=2),
            earliest,
            latest: last.min(earliest + rng.random_range(1..=4)),
            capacity_factor: uniform(rng, 1.1, 1.6),
            cost_factor: uniform(rng, 0.6, 0.95),
            co2_factor: uniform(rng, 0.4, 0.9),
            capex: int(rng, 1, 5) * 100_000.0,
            subsidy: int(rng, 0, 1) * 50_000.0,
            optional: rng.random_bool(0.5),
            after: Vec::new(),
            group: None,
            window_cost: 0.0,
        };
        doc.renovations.push(renovation);
    }
    let (before, added) = doc.renovations.split_at_mut(existing);
    // The existing renovations fit the old limit on their own; the added
    // limit is the candidates' alone, so fitting them against it suffices.
    let limit = (count / 2).max(1) as u32;
    make_mandatory_fit(added, limit, periods);
    let must: f64 = added
        .iter()
        .filter(|r| !r.optional)
        .map(|r| r.capex - r.subsidy)
        .sum();
    let policy = &mut doc.policy;
    let old_limit = policy.max_concurrent_renovations.unwrap_or(existing as u32);
    let old_budget = policy
        .renovation_budget
        .unwrap_or_else(|| before.iter().map(|r| (r.capex - r.subsidy).max(0.0)).sum());
    policy.max_concurrent_renovations = Some(old_limit + limit);
    // Added last, so a document without renovations gets exactly
    // `must + 200_000`.
    policy.renovation_budget = Some(must + 200_000.0 + old_budget);
}

/// Makes optional any mandatory renovation that a greedy schedule (earliest
/// deadline first, earliest free start) cannot fit under `limit` lines down at
/// once; the schedule found proves the rest fit, so the model stays feasible.
fn make_mandatory_fit(renovations: &mut [Renovation], limit: u32, periods: usize) {
    let mut down = vec![0u32; periods];
    let mut order: Vec<usize> = (0..renovations.len())
        .filter(|&r| !renovations[r].optional)
        .collect();
    order.sort_by_key(|&r| (renovations[r].latest, r));
    for r in order {
        let reno = &renovations[r];
        let window = |s: u32| s as usize..(s + reno.duration).min(periods as u32) as usize;
        let start =
            (reno.earliest..=reno.latest).find(|&s| down[window(s)].iter().all(|&d| d < limit));
        match start {
            Some(s) => down[window(s)].iter_mut().for_each(|d| *d += 1),
            None => renovations[r].optional = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::graph::ChainGraph;
    use std::collections::HashSet;

    fn spec(seed: u64) -> GeneratorSpec {
        GeneratorSpec {
            seed,
            ..GeneratorSpec::default()
        }
    }

    /// Specs over seeds, sizes and every flag, small horizons included.
    fn variety() -> Vec<GeneratorSpec> {
        let mut out = Vec::new();
        for seed in 0..12u64 {
            for flags in 0..8u32 {
                out.push(GeneratorSpec {
                    suppliers: [0, 1, 3, 6, 10, 25][seed as usize % 6],
                    items_per_tier: [1, 2, 3, 5][seed as usize % 4],
                    periods: [1, 2, 3, 4, 12, 26][(seed as usize + flags as usize) % 6],
                    customers: [0, 1, 2, 3][flags as usize % 4],
                    seed,
                    setups: flags & 1 != 0,
                    renovations: if flags & 2 != 0 {
                        1 + seed as usize % 7
                    } else {
                        0
                    },
                    shares: flags & 4 != 0,
                    carbon: seed % 2 == 0,
                });
            }
        }
        out
    }

    fn unique<'a>(what: &str, ids: impl Iterator<Item = &'a str>) -> HashSet<&'a str> {
        let mut seen = HashSet::new();
        for id in ids {
            assert!(!id.is_empty(), "empty {what} id");
            assert!(seen.insert(id), "duplicate {what} {id}");
        }
        seen
    }

    fn check_per_period(value: &PerPeriod, periods: usize, what: &str) {
        if let PerPeriod::Series(v) = value {
            assert_eq!(v.len(), periods, "{what}: series length");
        }
        assert!(
            value.values().iter().all(|x| x.is_finite() && *x >= 0.0),
            "{what}"
        );
    }

    /// The rules of docs/model.md §1 a generator could break.
    fn check_valid(doc: &NetworkDoc) {
        let t = doc.periods();
        assert!(t >= 1);
        let items = unique("item", doc.items.iter().map(|i| i.id.as_str()));
        let enterprises = unique("enterprise", doc.enterprises.iter().map(|e| e.id.as_str()));
        let sites = unique("site", doc.sites.iter().map(|s| s.id.as_str()));
        let lines = unique("line", doc.lines.iter().map(|l| l.id.as_str()));
        unique("lane", doc.lanes.iter().map(|l| l.id.as_str()));
        unique("demand", doc.demands.iter().map(|d| d.id.as_str()));
        unique("renovation", doc.renovations.iter().map(|r| r.id.as_str()));
        let op_ids: Vec<String> = doc
            .lines
            .iter()
            .flat_map(|l| l.operations.iter().map(|o| o.id_in(&l.id)))
            .collect();
        unique("operation", op_ids.iter().map(String::as_str));
        let leaders = doc.enterprises.iter().filter(|e| e.role == Role::Leader);
        assert_eq!(leaders.count(), 1);
        assert!(doc
            .sites
            .iter()
            .all(|s| enterprises.contains(s.enterprise.as_str())));
        for line in &doc.lines {
            assert!(sites.contains(line.site.as_str()), "{}", line.id);
            check_per_period(&line.capacity, t, &line.id);
            assert!(line.downtime.iter().all(|&p| (p as usize) < t));
            for op in &line.operations {
                assert!(items.contains(op.item.as_str()));
                assert!(op.load > 0.0);
                assert!(op.inputs.iter().all(|i| items.contains(i.item.as_str())));
            }
        }
        let mut min_shares: HashMap<(&str, &str), f64> = HashMap::new();
        for lane in &doc.lanes {
            assert!(!lane.items.is_empty(), "{} carries nothing", lane.id);
            assert!(sites.contains(lane.from.as_str()) && sites.contains(lane.to.as_str()));
            assert_ne!(lane.from, lane.to);
            assert!(lane.items.iter().all(|i| items.contains(i.as_str())));
            if let Some(c) = &lane.capacity {
                check_per_period(c, t, &lane.id);
            }
            for share in [lane.min_share, lane.max_share].into_iter().flatten() {
                assert!((0.0..=1.0).contains(&share));
            }
            for item in &lane.items {
                *min_shares.entry((&lane.to, item)).or_default() += lane.min_share.unwrap_or(0.0);
            }
        }
        assert!(min_shares.values().all(|&s| s <= 1.0));
        let mut stocked = HashSet::new();
        for stock in &doc.stocks {
            assert!(sites.contains(stock.site.as_str()) && items.contains(stock.item.as_str()));
            assert!(
                stocked.insert((&stock.site, &stock.item)),
                "duplicate stock"
            );
            if let Some(m) = &stock.max {
                check_per_period(m, t, "stock max");
            }
        }
        for r in &doc.receipts {
            assert!(sites.contains(r.site.as_str()) && items.contains(r.item.as_str()));
            assert!((r.period as usize) < t);
        }
        for d in &doc.demands {
            assert!(sites.contains(d.site.as_str()) && items.contains(d.item.as_str()));
            assert!((d.period as usize) < t);
        }
        let mut renovated = HashSet::new();
        for r in &doc.renovations {
            assert!(lines.contains(r.line.as_str()));
            assert!(
                renovated.insert(r.line.as_str()),
                "two renovations on {}",
                r.line
            );
            assert!(r.duration >= 1);
            assert!(r.earliest <= r.latest && (r.latest as usize) < t, "{r:?}");
        }
        assert!(!ChainGraph::build(doc).bom_has_cycle());
    }

    #[test]
    fn the_same_seed_gives_the_same_document() {
        for s in variety().iter().step_by(7) {
            assert_eq!(generate(s), generate(s));
        }
    }

    #[test]
    fn different_seeds_give_different_documents() {
        assert_ne!(generate(&spec(1)).lanes, generate(&spec(2)).lanes);
        assert_ne!(generate(&spec(1)).demands, generate(&spec(2)).demands);
    }

    #[test]
    fn every_generated_document_is_valid() {
        for s in variety() {
            check_valid(&generate(&s));
        }
    }

    #[test]
    fn documents_survive_a_json_round_trip() {
        for s in variety().iter().step_by(5) {
            let doc = generate(s);
            let text = serde_json::to_string(&doc).expect("serializes");
            let back: NetworkDoc = serde_json::from_str(&text).expect("parses back");
            assert_eq!(back, doc);
        }
    }

    #[test]
    fn suppliers_sit_in_three_tiers_upstream_of_the_leader() {
        let doc = generate(&GeneratorSpec {
            suppliers: 30,
            ..spec(3)
        });
        let graph = ChainGraph::build(&doc);
        for site in &doc.sites {
            let tier = graph.tier(&site.id);
            let expected = if let Some(n) = site.id.strip_prefix("sup") {
                let s: usize = n.trim_end_matches("-site").parse().expect("sup<k>-site");
                Some(3 - (s % 3) as i32)
            } else if site.id == LEADER_SITE {
                Some(0)
            } else {
                Some(-1)
            };
            assert_eq!(tier, expected, "{}", site.id);
        }
    }

    #[test]
    fn every_input_has_a_lane_bringing_it() {
        for s in variety() {
            let doc = generate(&s);
            for line in &doc.lines {
                for input in line.operations.iter().flat_map(|o| &o.inputs) {
                    let brought = doc
                        .lanes
                        .iter()
                        .any(|l| l.to == line.site && l.items.contains(&input.item));
                    assert!(brought, "{}: nothing brings {}", line.site, input.item);
                }
            }
        }
    }

    #[test]
    fn large_chains_stay_linear_in_lanes() {
        let doc = generate(&GeneratorSpec {
            suppliers: 600,
            items_per_tier: 10,
            periods: 26,
            customers: 10,
            renovations: 40,
            setups: true,
            shares: true,
            carbon: true,
            ..spec(7)
        });
        check_valid(&doc);
        assert_eq!(doc.sites.len(), 611);
        // FAN_OUT lanes per supplier plus coverage lanes, at most one per input.
        assert!(
            doc.lanes.len() <= 600 * (FAN_OUT + 2) + 10,
            "{}",
            doc.lanes.len()
        );
        assert_eq!(doc.renovations.len(), 40);
    }

    #[test]
    fn mandatory_renovations_fit_the_concurrency_limit() {
        for seed in 0..20 {
            let doc = generate(&GeneratorSpec {
                periods: 1,
                renovations: 6,
                ..spec(seed)
            });
            // With one period every renovation starts at 0 and is down together.
            let limit = doc.policy.max_concurrent_renovations.expect("limit set");
            let mandatory = doc.renovations.iter().filter(|r| !r.optional).count();
            assert!(mandatory as u32 <= limit, "seed {seed}");
            let must: f64 = doc
                .renovations
                .iter()
                .filter(|r| !r.optional)
                .map(|r| r.capex - r.subsidy)
                .sum();
            assert!(must <= doc.policy.renovation_budget.expect("budget set"));
        }
    }

    #[test]
    fn greedy_fit_keeps_what_fits_and_frees_the_rest() {
        let reno = |id: &str, earliest, latest| Renovation {
            id: id.into(),
            line: id.into(),
            duration: 2,
            earliest,
            latest,
            capacity_factor: 1.0,
            cost_factor: 1.0,
            co2_factor: 1.0,
            capex: 0.0,
            subsidy: 0.0,
            optional: false,
            after: Vec::new(),
            group: None,
            window_cost: 0.0,
        };
        // Over 4 periods with one line down at a time, two 2-period renovations
        // fit (0-1, 2-3) and a third with the same window cannot.
        let mut renos = vec![reno("a", 0, 2), reno("b", 0, 2), reno("c", 0, 2)];
        make_mandatory_fit(&mut renos, 1, 4);
        let optional: Vec<bool> = renos.iter().map(|r| r.optional).collect();
        assert_eq!(optional, vec![false, false, true]);
    }

    #[test]
    fn setups_shares_and_carbon_follow_their_flags() {
        let plain = generate(&spec(5));
        assert!(plain
            .lines
            .iter()
            .flat_map(|l| &l.operations)
            .all(|o| !o.needs_setup()));
        assert!(plain
            .lanes
            .iter()
            .all(|l| l.min_share.is_none() && l.max_share.is_none()));
        assert_eq!(plain.policy.carbon_price, 0.0);
        assert!(plain.renovations.is_empty());
        let rich: Vec<NetworkDoc> = (0..10)
            .map(|seed| {
                generate(&GeneratorSpec {
                    setups: true,
                    shares: true,
                    carbon: true,
                    renovations: 3,
                    ..spec(seed)
                })
            })
            .collect();
        for doc in &rich {
            assert!(doc
                .lines
                .iter()
                .flat_map(|l| &l.operations)
                .any(|o| o.needs_setup()));
            assert!(doc.policy.carbon_price > 0.0);
            assert_eq!(doc.renovations.len(), 3);
        }
        // Shares need two lanes with the same items into one site: not every seed.
        assert!(rich
            .iter()
            .flat_map(|d| &d.lanes)
            .any(|l| l.min_share.is_some()));
    }
}
