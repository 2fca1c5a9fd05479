//! What-if scenarios: a base network version and an ordered list of typed
//! changes, applied as an overlay. A stored scenario holds only its changes;
//! the changed document is built when it is solved or compared, so the base
//! is never copied per scenario. Every change is validated with a path
//! (`changes[2].periods.last: ...`), and a list applies whole or not at all.
//!
//! Imports the domain only.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::doc::{Demand, NetworkDoc, PerPeriod, Renovation};
use super::number::{
    nonnegative_amount_problem as amount_problem, nonnegative_problem as factor_problem, num,
    MAX_MAGNITUDE,
};
use super::problem::Problem;
use super::validate::{validate, MAX_PERIODS};
use serde::{Deserialize, Serialize};

/// Inclusive period range `first..=last`; JSON `{"first": 3, "last": 5}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodRange {
    pub first: u32,
    pub last: u32,
}

impl PeriodRange {
    /// The range of one period.
    pub fn single(period: u32) -> PeriodRange {
        PeriodRange {
            first: period,
            last: period,
        }
    }

    /// Whether `period` is inside the range.
    pub fn contains(&self, period: u32) -> bool {
        self.first <= period && period <= self.last
    }

    /// The periods of the range, in order (none when `first > last`).
    pub fn periods(&self) -> std::ops::RangeInclusive<u32> {
        self.first..=self.last
    }
}

/// What an outage takes down; JSON `{"site": "plant-2"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageScope {
    /// Every line at every site of the enterprise, and every lane from or to them.
    Enterprise(String),
    /// Every line at the site, and every lane from or to it.
    Site(String),
    /// One line.
    Line(String),
}

/// A line or a lane; JSON `{"line": "press"}` or `{"lane": "rail"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityTarget {
    Line(String),
    Lane(String),
}

/// Which unit costs and CO2 a factor applies to; JSON `{"line": "press"}`,
/// `{"lane": "rail"}`, `{"item": "gear"}` or `"all"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostScope {
    /// Every operation of the line.
    Line(String),
    /// The lane.
    Lane(String),
    /// Every operation making the item and every lane carrying it.
    Item(String),
    /// Every operation and lane.
    All,
}

/// A policy field and its new value (`null` clears an optional one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyValue {
    /// `carbon_price`, `carbon_cap`, `safety_penalty`, `late_penalty`,
    /// `unmet_penalty`, `renovation_budget` or `max_concurrent_renovations`.
    pub field: String,
    pub value: Option<f64>,
}

/// One change of a scenario.
///
/// A change list (the `--change FILE` format of the CLI) is a JSON array of
/// changes, each an object whose `type` names the change (see
/// [`ScenarioChange::kind`]) beside that change's fields:
///
/// ```json
/// [
///   {"type": "outage", "scope": {"site": "plant-2"}, "periods": {"first": 3, "last": 4}},
///   {"type": "capacity_factor", "target": {"line": "press"}, "periods": {"first": 0, "last": 5}, "factor": 0.8},
///   {"type": "lane_closure", "lane": "rail", "periods": {"first": 2, "last": 2}},
///   {"type": "lead_time", "lane": "rail", "lead_time": 3},
///   {"type": "demand_scale", "item": "gear", "customer": "acme", "periods": {"first": 6, "last": 11}, "factor": 1.2},
///   {"type": "add_demand", "demand": {"id": "rush-1", "site": "dc", "item": "gear", "period": 4, "qty": 50}},
///   {"type": "remove_demand", "id": "order-17"},
///   {"type": "cost_factor", "scope": {"item": "steel"}, "cost_factor": 1.15, "co2_factor": 1},
///   {"type": "carbon_price", "price": 0.12},
///   {"type": "carbon_cap", "cap": null},
///   {"type": "add_renovation", "renovation": {"id": "press-upgrade", "line": "press", "duration": 2, "earliest": 3, "latest": 8}},
///   {"type": "remove_renovation", "id": "oven-retrofit"},
///   {"type": "move_renovation", "id": "press-upgrade", "earliest": 4, "latest": 6},
///   {"type": "force_renovation", "id": "press-upgrade", "start": 5},
///   {"type": "set_policy", "field": "late_penalty", "value": 20}
/// ]
/// ```
///
/// Unknown keys are rejected. Optional keys: the four filters of
/// `demand_scale` (absent: no filter) and both factors of `cost_factor`
/// (absent: 1). [`apply_changes`] gives each change its meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScenarioChange {
    /// An enterprise, site or line produces (and, for enterprises and sites,
    /// ships and receives) nothing over the periods.
    Outage {
        scope: OutageScope,
        periods: PeriodRange,
    },
    /// Multiplies a line's or lane's capacity over the periods (a lane
    /// without a capacity stays unlimited unless the factor is 0).
    CapacityFactor {
        target: CapacityTarget,
        periods: PeriodRange,
        factor: f64,
    },
    /// A lane carries nothing over the periods.
    LaneClosure { lane: String, periods: PeriodRange },
    /// A lane's lead time becomes this.
    LeadTime { lane: String, lead_time: u32 },
    /// Multiplies the quantity of the matching demands: every filter given
    /// must match (item, site, customer enterprise, due period).
    DemandScale {
        #[serde(default)]
        item: Option<String>,
        #[serde(default)]
        site: Option<String>,
        #[serde(default)]
        customer: Option<String>,
        #[serde(default)]
        periods: Option<PeriodRange>,
        factor: f64,
    },
    /// A new order; its id must be new.
    AddDemand { demand: Demand },
    /// Removes an order.
    RemoveDemand { id: String },
    /// Multiplies unit costs and unit CO2 of the scope.
    CostFactor {
        scope: CostScope,
        #[serde(default = "one")]
        cost_factor: f64,
        #[serde(default = "one")]
        co2_factor: f64,
    },
    /// The carbon price becomes this.
    CarbonPrice { price: f64 },
    /// The carbon cap becomes this (`null`: none).
    CarbonCap { cap: Option<f64> },
    /// A new renovation candidate; its id must be new and its line free.
    AddRenovation { renovation: Renovation },
    /// Drops a renovation candidate.
    RemoveRenovation { id: String },
    /// A renovation may start only within `earliest..=latest`.
    MoveRenovation {
        id: String,
        earliest: u32,
        latest: u32,
    },
    /// A renovation is done, starting exactly in `start`.
    ForceRenovation { id: String, start: u32 },
    /// Any policy field.
    SetPolicy(PolicyValue),
}

fn one() -> f64 {
    1.0
}

impl ScenarioChange {
    /// The change's `type` in JSON (`outage`, `capacity_factor`, ...), for listings.
    pub fn kind(&self) -> &'static str {
        match self {
            ScenarioChange::Outage { .. } => "outage",
            ScenarioChange::CapacityFactor { .. } => "capacity_factor",
            ScenarioChange::LaneClosure { .. } => "lane_closure",
            ScenarioChange::LeadTime { .. } => "lead_time",
            ScenarioChange::DemandScale { .. } => "demand_scale",
            ScenarioChange::AddDemand { .. } => "add_demand",
            ScenarioChange::RemoveDemand { .. } => "remove_demand",
            ScenarioChange::CostFactor { .. } => "cost_factor",
            ScenarioChange::CarbonPrice { .. } => "carbon_price",
            ScenarioChange::CarbonCap { .. } => "carbon_cap",
            ScenarioChange::AddRenovation { .. } => "add_renovation",
            ScenarioChange::RemoveRenovation { .. } => "remove_renovation",
            ScenarioChange::MoveRenovation { .. } => "move_renovation",
            ScenarioChange::ForceRenovation { .. } => "force_renovation",
            ScenarioChange::SetPolicy(_) => "set_policy",
        }
    }
}

/// The policy fields a `set_policy` change may name, and whether `null`
/// (clearing the field) is allowed.
const POLICY_FIELDS: [(&str, bool); 7] = [
    ("carbon_price", false),
    ("carbon_cap", true),
    ("safety_penalty", false),
    ("late_penalty", false),
    ("unmet_penalty", false),
    ("renovation_budget", true),
    ("max_concurrent_renovations", true),
];

/// Applies the changes in order to a copy of `base`: each change applies to
/// the result of the ones before it.
///
/// What each change does (periods are departure periods for lanes, whose
/// capacity counts what leaves in a period):
///
/// - `outage`, line: the periods join the line's `downtime`. Site or
///   enterprise: every line at the site(s) gets that downtime; every lane
///   *from* the site(s) carries nothing leaving in the periods, and every lane
///   *to* them nothing that would *arrive* in the periods (its departures
///   `first - lead_time ..= last - lead_time`, clipped to the horizon), so the
///   sites neither ship nor receive over the periods. Goods already on the
///   way, stock on hand, receipts and deliveries from stock are untouched.
/// - `capacity_factor`: multiplies the line's capacity, or the lane's when it
///   has one, in the periods. A lane without a capacity stays unlimited,
///   unless the factor is 0: then it is closed in the periods, as by
///   `lane_closure`.
/// - `lane_closure`: the lane's capacity is 0 in the periods.
/// - `lead_time`: sets the lane's `lead_time` (one past the horizon is legal:
///   the lane then carries nothing).
/// - `demand_scale`: multiplies `qty` of every demand that matches every
///   filter given: `item`, `site`, `customer` (the enterprise of the demand's
///   site) and `periods` (its due period).
/// - `add_demand`, `remove_demand`, `add_renovation`, `remove_renovation`:
///   add or remove the record (an added one goes last).
/// - `cost_factor`: multiplies `cost` by `cost_factor` and `co2` by
///   `co2_factor` of the scope's operations and lanes; the item scope takes
///   the operations making the item and every lane listing it (a lane's cost
///   is per unit of any of its items).
/// - `carbon_price`, `carbon_cap`, `set_policy`: set the policy field
///   (`null` clears an optional one).
/// - `move_renovation`: sets `earliest` and `latest`, keeping `optional`.
/// - `force_renovation`: the renovation is done and starts in `start`:
///   `earliest = latest = start`, `optional = false`. The start need not lie
///   in the old window (forcing a date is the point of the what-if), only in
///   the horizon; the renovation may run past the horizon, as docs/model.md allows.
///
/// A lane without a capacity that a closure, an outage or a factor 0 closes
/// in some periods needs a number in its other periods, where it stays
/// unlimited: see [`unlimited_stand_in`].
///
/// # Errors
///
/// - If `base` itself breaks a rule of docs/model.md, its problems, as
///   [`validate`] gives them (document paths such as `lanes[2].to`), and no
///   change is applied: a change cannot be judged against a broken base.
/// - Otherwise every problem of every change, each at the change's path
///   `changes[i].<field>` (`changes[2].periods.last: period 30 is outside the
///   horizon 0..24`, `changes[0].scope.site: unknown site "x"`,
///   `changes[1].factor: must be a finite number >= 0, got -1`,
///   `changes[4]: matches no demand`). A change with a problem is skipped
///   and the changes after it still checked, so one pass finds them all.
/// - Then the changed document is checked with [`validate`], and its errors
///   are added as they are, at document paths (`demands[7].qty: ...`), so a
///   scenario never yields an invalid document. A caller tells the two kinds
///   apart by the `changes[` prefix. Warnings of the changed document are
///   not returned; validate it again to read them.
pub fn apply_changes(
    base: &NetworkDoc,
    changes: &[ScenarioChange],
) -> Result<NetworkDoc, Vec<Problem>> {
    let report = validate(base);
    if !report.is_valid() {
        return Err(report.errors);
    }
    let mut overlay = Overlay::new(base);
    for (i, change) in changes.iter().enumerate() {
        overlay.apply(i, change);
    }
    let (doc, mut problems) = overlay.finish();
    problems.extend(validate(&doc).errors);
    if problems.is_empty() {
        Ok(doc)
    } else {
        Err(problems)
    }
}

/// The capacity that stands for "unlimited" in the open periods of a lane
/// without a capacity that a scenario closes in some periods; `Err` with the
/// bound below when no number the document may state is large enough.
///
/// The document cannot say "unlimited in these periods, 0 in those", and it
/// forbids non-finite numbers, so the open periods get a finite capacity that
/// no plan needs. The argument: every unit on a lane is a unit of some item
/// that exists somewhere in the chain, and every unit that ever exists comes
/// from an initial stock, a receipt, or production. Production of operation
/// `o` in period `t` is at most `C[l,t] * max(1, capacity_factor) / load_o`
/// (docs/model.md §3.2: all of its line's capacity, renovated).
/// Their sum over the horizon, `U`, bounds the units that exist at any time,
/// so a unit crossing a lane at most once per period keeps every lane's
/// flow in a period at most `U`. A unit can cross a lane twice in one period
/// only by going round a cycle of lanes with lead time 0 and coming back to
/// where it was; removing such round trips leaves every balance as it was
/// and costs nothing more (costs and CO2 are `>= 0`), so an optimal plan
/// never needs them, with one exception: sourcing shares count every unit
/// arriving, so `min_share`/`max_share` on such a cycle could ask for round
/// trips, in proportion to the real flows. The stand-in is `U` rounded up to
/// a power of ten (readable in the changed document, and at least 1); it
/// must not exceed [`MAX_MAGNITUDE`], the largest number a document may hold.
///
/// Computed on the changed document, after every change, so that a later
/// change raising capacities or adding a renovation is counted.
pub fn unlimited_stand_in(doc: &NetworkDoc) -> Result<f64, f64> {
    let periods = doc.periods();
    let mut units: f64 = doc.stocks.iter().map(|s| s.initial).sum::<f64>()
        + doc.receipts.iter().map(|r| r.qty).sum::<f64>();
    for line in &doc.lines {
        let uplift = doc
            .renovations
            .iter()
            .filter(|r| r.line == line.id)
            .map(|r| r.capacity_factor)
            .fold(1.0, f64::max);
        let capacity: f64 = (0..periods).map(|t| line.capacity.at(t)).sum();
        for op in &line.operations {
            units += capacity * uplift / op.load;
        }
    }
    if !(units.is_finite() && units <= MAX_MAGNITUDE) {
        return Err(units);
    }
    // At most 13 steps: `units <= 1e12`, and powers of ten are exact in f64.
    let mut stand_in = 1.0;
    while stand_in < units {
        stand_in *= 10.0;
    }
    Ok(stand_in)
}

/// `value` with `f` applied in the periods of `range` (inside `0..periods`).
/// A scalar stays a scalar when the range is the whole horizon.
fn map_periods(
    value: &PerPeriod,
    periods: usize,
    range: PeriodRange,
    f: impl Fn(f64) -> f64,
) -> PerPeriod {
    let whole = range.first == 0 && range.last as usize + 1 >= periods;
    match value {
        PerPeriod::Scalar(v) if whole => PerPeriod::Scalar(f(*v)),
        _ => {
            let mut series = value.expand(periods);
            for t in range.periods() {
                if let Some(v) = series.get_mut(t as usize) {
                    *v = f(*v);
                }
            }
            PerPeriod::Series(series)
        }
    }
}

/// The largest value of `value` and the first period holding it.
fn peak(value: &PerPeriod) -> (usize, f64) {
    value
        .values()
        .iter()
        .copied()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |best, (t, v)| {
            if v > best.1 || v.is_nan() {
                (t, v)
            } else {
                best
            }
        })
}

/// The departure periods of a lane with `lead_time` whose arrivals fall in
/// `range`, if any fall inside the horizon.
fn departures_arriving_in(range: PeriodRange, lead_time: u32) -> Option<PeriodRange> {
    let last = range.last.checked_sub(lead_time)?;
    Some(PeriodRange {
        first: range.first.saturating_sub(lead_time),
        last,
    })
}

/// The problems of one change, each at `changes[i].<field>`.
struct Found {
    change: usize,
    problems: Vec<Problem>,
}

impl Found {
    /// A problem at `changes[i].field`, or at `changes[i]` for an empty field.
    fn add(&mut self, field: &str, reason: impl Into<String>) {
        let path = if field.is_empty() {
            format!("changes[{}]", self.change)
        } else {
            format!("changes[{}].{field}", self.change)
        };
        self.problems.push(Problem::new(path, reason));
    }

    fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn factor(&mut self, field: &str, v: f64) {
        if let Some(reason) = factor_problem(v) {
            self.add(field, reason);
        }
    }

    fn amount(&mut self, field: &str, v: f64) {
        if let Some(reason) = amount_problem(v) {
            self.add(field, reason);
        }
    }
}

/// A lane without a capacity that some change closed in some periods: the
/// first such change, and per period whether the lane is still open
/// (unlimited). Its capacity is written when every change has applied.
struct Unlimited {
    change: usize,
    open: Vec<bool>,
}

/// The document being changed, and everything found so far.
struct Overlay {
    doc: NetworkDoc,
    /// `T`, at most [`MAX_PERIODS`]: the base is valid.
    periods: u32,
    /// By lane index (changes never add or remove lanes).
    unlimited: BTreeMap<usize, Unlimited>,
    problems: Vec<Problem>,
}

impl Overlay {
    fn new(base: &NetworkDoc) -> Overlay {
        Overlay {
            doc: base.clone(),
            periods: base.horizon.periods.min(MAX_PERIODS),
            unlimited: BTreeMap::new(),
            problems: Vec::new(),
        }
    }

    fn apply(&mut self, i: usize, change: &ScenarioChange) {
        let mut found = Found {
            change: i,
            problems: Vec::new(),
        };
        let f = &mut found;
        match change {
            ScenarioChange::Outage { scope, periods } => self.outage(f, scope, *periods),
            ScenarioChange::CapacityFactor {
                target,
                periods,
                factor,
            } => self.capacity_factor(f, target, *periods, *factor),
            ScenarioChange::LaneClosure { lane, periods } => {
                self.range(f, "periods", *periods);
                let k = self.lane(f, "lane", lane);
                if let (Some(k), true) = (k, f.ok()) {
                    self.close_lane(k, i, *periods);
                }
            }
            ScenarioChange::LeadTime { lane, lead_time } => {
                if let Some(k) = self.lane(f, "lane", lane) {
                    self.doc.lanes[k].lead_time = *lead_time;
                }
            }
            ScenarioChange::DemandScale {
                item,
                site,
                customer,
                periods,
                factor,
            } => self.demand_scale(f, item, site, customer, periods, *factor),
            ScenarioChange::AddDemand { demand } => self.add_demand(f, demand),
            ScenarioChange::RemoveDemand { id } => {
                match self.doc.demands.iter().position(|d| &d.id == id) {
                    Some(k) => {
                        self.doc.demands.remove(k);
                    }
                    None => f.add("id", format!("unknown demand \"{id}\"")),
                }
            }
            ScenarioChange::CostFactor {
                scope,
                cost_factor,
                co2_factor,
            } => self.cost_factor(f, scope, *cost_factor, *co2_factor),
            ScenarioChange::CarbonPrice { price } => {
                f.amount("price", *price);
                if f.ok() {
                    self.doc.policy.carbon_price = *price;
                }
            }
            ScenarioChange::CarbonCap { cap } => {
                if let Some(cap) = cap {
                    f.amount("cap", *cap);
                }
                if f.ok() {
                    self.doc.policy.carbon_cap = *cap;
                }
            }
            ScenarioChange::AddRenovation { renovation } => self.add_renovation(f, renovation),
            ScenarioChange::RemoveRenovation { id } => {
                if let Some(k) = self.renovation(f, id) {
                    self.doc.renovations.remove(k);
                }
            }
            ScenarioChange::MoveRenovation {
                id,
                earliest,
                latest,
            } => {
                let k = self.renovation(f, id);
                if earliest > latest {
                    f.add(
                        "earliest",
                        format!("earliest > latest ({earliest} > {latest})"),
                    );
                } else {
                    self.period(f, "latest", *latest);
                }
                if let (Some(k), true) = (k, f.ok()) {
                    let r = &mut self.doc.renovations[k];
                    r.earliest = *earliest;
                    r.latest = *latest;
                }
            }
            ScenarioChange::ForceRenovation { id, start } => {
                let k = self.renovation(f, id);
                self.period(f, "start", *start);
                if let (Some(k), true) = (k, f.ok()) {
                    let r = &mut self.doc.renovations[k];
                    r.earliest = *start;
                    r.latest = *start;
                    r.optional = false;
                }
            }
            ScenarioChange::SetPolicy(value) => self.set_policy(f, value),
        }
        self.problems.append(&mut found.problems);
    }

    /// Writes the capacities of the lanes that lost their "unlimited", and
    /// hands back the document with every change problem.
    fn finish(mut self) -> (NetworkDoc, Vec<Problem>) {
        if !self.unlimited.is_empty() {
            let stand_in = unlimited_stand_in(&self.doc);
            for (k, lane) in std::mem::take(&mut self.unlimited) {
                match stand_in {
                    Ok(cap) => {
                        let capacity = if lane.open.iter().any(|&open| open) {
                            PerPeriod::Series(
                                lane.open
                                    .iter()
                                    .map(|&open| if open { cap } else { 0.0 })
                                    .collect(),
                            )
                        } else {
                            PerPeriod::Scalar(0.0)
                        };
                        self.doc.lanes[k].capacity = Some(capacity);
                    }
                    Err(units) => self.problems.push(Problem::new(
                        format!("changes[{}]", lane.change),
                        format!(
                            "lane \"{}\" has no capacity (unlimited), and up to {} units can exist in this \
                             document, more than the largest capacity a document may state (1e12), so no \
                             capacity can keep the lane unlimited in the periods it stays open; give the \
                             lane a capacity in the network",
                            self.doc.lanes[k].id,
                            num(units)
                        ),
                    )),
                }
            }
        }
        (self.doc, self.problems)
    }

    /// `first <= last <= T-1`.
    fn range(&self, f: &mut Found, field: &str, range: PeriodRange) {
        if range.first > range.last {
            f.add(
                field,
                format!("first > last ({} > {})", range.first, range.last),
            );
        } else {
            self.period(f, &format!("{field}.last"), range.last);
        }
    }

    /// A period inside the horizon.
    fn period(&self, f: &mut Found, field: &str, period: u32) {
        if period >= self.periods {
            f.add(
                field,
                format!(
                    "period {period} is outside the horizon 0..{}",
                    self.periods.saturating_sub(1)
                ),
            );
        }
    }

    fn line(&self, f: &mut Found, field: &str, id: &str) -> Option<usize> {
        let k = self.doc.lines.iter().position(|l| l.id == id);
        if k.is_none() {
            f.add(field, format!("unknown line \"{id}\""));
        }
        k
    }

    fn lane(&self, f: &mut Found, field: &str, id: &str) -> Option<usize> {
        let k = self.doc.lanes.iter().position(|l| l.id == id);
        if k.is_none() {
            f.add(field, format!("unknown lane \"{id}\""));
        }
        k
    }

    fn renovation(&self, f: &mut Found, id: &str) -> Option<usize> {
        let k = self.doc.renovations.iter().position(|r| r.id == id);
        if k.is_none() {
            f.add("id", format!("unknown renovation \"{id}\""));
        }
        k
    }

    fn known(&self, f: &mut Found, field: &str, kind: &str, id: &str) {
        let found = match kind {
            "item" => self.doc.items.iter().any(|x| x.id == id),
            "site" => self.doc.sites.iter().any(|x| x.id == id),
            _ => self.doc.enterprises.iter().any(|x| x.id == id),
        };
        if !found {
            f.add(field, format!("unknown {kind} \"{id}\""));
        }
    }

    /// The periods join the line's downtime (each once; the ones already
    /// there keep their places).
    fn add_downtime(&mut self, k: usize, range: PeriodRange) {
        let downtime = &mut self.doc.lines[k].downtime;
        let had: HashSet<u32> = downtime.iter().copied().collect();
        downtime.extend(range.periods().filter(|t| !had.contains(t)));
    }

    /// Capacity 0 for departures in the periods; a lane without a capacity
    /// is tracked until [`Overlay::finish`].
    fn close_lane(&mut self, k: usize, change: usize, range: PeriodRange) {
        let periods = self.periods as usize;
        let lane = &mut self.doc.lanes[k];
        match &lane.capacity {
            Some(capacity) => {
                lane.capacity = Some(map_periods(capacity, periods, range, |_| 0.0));
            }
            None => {
                let unlimited = self.unlimited.entry(k).or_insert_with(|| Unlimited {
                    change,
                    open: vec![true; periods],
                });
                for t in range.periods() {
                    if let Some(open) = unlimited.open.get_mut(t as usize) {
                        *open = false;
                    }
                }
            }
        }
    }

    fn outage(&mut self, f: &mut Found, scope: &OutageScope, range: PeriodRange) {
        self.range(f, "periods", range);
        let sites: HashSet<String> = match scope {
            OutageScope::Line(id) => {
                let k = self.line(f, "scope.line", id);
                if let (Some(k), true) = (k, f.ok()) {
                    self.add_downtime(k, range);
                }
                return;
            }
            OutageScope::Site(id) => {
                self.known(f, "scope.site", "site", id);
                HashSet::from([id.clone()])
            }
            OutageScope::Enterprise(id) => {
                self.known(f, "scope.enterprise", "enterprise", id);
                self.doc
                    .sites
                    .iter()
                    .filter(|s| &s.enterprise == id)
                    .map(|s| s.id.clone())
                    .collect()
            }
        };
        if !f.ok() {
            return;
        }
        for k in 0..self.doc.lines.len() {
            if sites.contains(&self.doc.lines[k].site) {
                self.add_downtime(k, range);
            }
        }
        for k in 0..self.doc.lanes.len() {
            let lane = &self.doc.lanes[k];
            let leaving = sites.contains(&lane.from).then_some(range);
            let arriving = if sites.contains(&lane.to) {
                departures_arriving_in(range, lane.lead_time)
            } else {
                None
            };
            for closed in [leaving, arriving].into_iter().flatten() {
                self.close_lane(k, f.change, closed);
            }
        }
    }

    fn capacity_factor(
        &mut self,
        f: &mut Found,
        target: &CapacityTarget,
        range: PeriodRange,
        factor: f64,
    ) {
        self.range(f, "periods", range);
        f.factor("factor", factor);
        let periods = self.periods as usize;
        match target {
            CapacityTarget::Line(id) => {
                let k = self.line(f, "target.line", id);
                let (Some(k), true) = (k, f.ok()) else { return };
                let scaled =
                    map_periods(&self.doc.lines[k].capacity, periods, range, |v| v * factor);
                if fits(f, &scaled, || format!("lines[{k}].capacity")) {
                    self.doc.lines[k].capacity = scaled;
                }
            }
            CapacityTarget::Lane(id) => {
                let k = self.lane(f, "target.lane", id);
                let (Some(k), true) = (k, f.ok()) else { return };
                match &self.doc.lanes[k].capacity {
                    Some(capacity) => {
                        let scaled = map_periods(capacity, periods, range, |v| v * factor);
                        if fits(f, &scaled, || format!("lanes[{k}].capacity")) {
                            self.doc.lanes[k].capacity = Some(scaled);
                        }
                    }
                    // Unlimited times any positive factor is unlimited.
                    None if factor == 0.0 => self.close_lane(k, f.change, range),
                    None => {}
                }
            }
        }
    }

    fn demand_scale(
        &mut self,
        f: &mut Found,
        item: &Option<String>,
        site: &Option<String>,
        customer: &Option<String>,
        periods: &Option<PeriodRange>,
        factor: f64,
    ) {
        if let Some(id) = item {
            self.known(f, "item", "item", id);
        }
        if let Some(id) = site {
            self.known(f, "site", "site", id);
        }
        if let Some(id) = customer {
            self.known(f, "customer", "enterprise", id);
        }
        if let Some(range) = periods {
            self.range(f, "periods", *range);
        }
        f.factor("factor", factor);
        if !f.ok() {
            return;
        }
        let enterprise_of: HashMap<&str, &str> = self
            .doc
            .sites
            .iter()
            .map(|s| (s.id.as_str(), s.enterprise.as_str()))
            .collect();
        let matching: Vec<usize> = self
            .doc
            .demands
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                item.as_ref().is_none_or(|i| &d.item == i)
                    && site.as_ref().is_none_or(|s| &d.site == s)
                    && customer
                        .as_ref()
                        .is_none_or(|c| enterprise_of.get(d.site.as_str()) == Some(&c.as_str()))
                    && periods.is_none_or(|r| r.contains(d.period))
            })
            .map(|(k, _)| k)
            .collect();
        if matching.is_empty() {
            f.add("", "matches no demand");
            return;
        }
        if let Some(&k) = matching
            .iter()
            .find(|&&k| amount_problem(self.doc.demands[k].qty * factor).is_some())
        {
            f.add(
                "factor",
                format!(
                    "makes demands[{k}].qty {}; at most 1e12",
                    num(self.doc.demands[k].qty * factor)
                ),
            );
            return;
        }
        for k in matching {
            self.doc.demands[k].qty *= factor;
        }
    }

    fn add_demand(&mut self, f: &mut Found, demand: &Demand) {
        if demand.id.is_empty() {
            f.add("demand.id", "must not be empty");
        } else if self.doc.demands.iter().any(|d| d.id == demand.id) {
            f.add(
                "demand.id",
                format!("demand \"{}\" already exists", demand.id),
            );
        }
        self.known(f, "demand.site", "site", &demand.site);
        self.known(f, "demand.item", "item", &demand.item);
        self.period(f, "demand.period", demand.period);
        f.amount("demand.qty", demand.qty);
        if let Some(v) = demand.late_penalty {
            f.amount("demand.late_penalty", v);
        }
        if let Some(v) = demand.unmet_penalty {
            f.amount("demand.unmet_penalty", v);
        }
        if f.ok() {
            self.doc.demands.push(demand.clone());
        }
    }

    fn cost_factor(&mut self, f: &mut Found, scope: &CostScope, cost: f64, co2: f64) {
        let (mut line, mut lane, mut item) = (None, None, None);
        match scope {
            CostScope::Line(id) => line = self.line(f, "scope.line", id),
            CostScope::Lane(id) => lane = self.lane(f, "scope.lane", id),
            CostScope::Item(id) => {
                self.known(f, "scope.item", "item", id);
                item = Some(id.as_str());
            }
            CostScope::All => {}
        }
        f.factor("cost_factor", cost);
        f.factor("co2_factor", co2);
        if !f.ok() {
            return;
        }
        // The (cost, co2) fields in scope, with their paths, checked before any is written.
        let mut targets: Vec<(String, &mut f64, &mut f64)> = Vec::new();
        for (l, ln) in self.doc.lines.iter_mut().enumerate() {
            let whole_line = matches!(scope, CostScope::All) || line == Some(l);
            for (o, op) in ln.operations.iter_mut().enumerate() {
                if whole_line || item == Some(op.item.as_str()) {
                    targets.push((
                        format!("lines[{l}].operations[{o}]"),
                        &mut op.cost,
                        &mut op.co2,
                    ));
                }
            }
        }
        for (e, ln) in self.doc.lanes.iter_mut().enumerate() {
            let in_scope = matches!(scope, CostScope::All)
                || lane == Some(e)
                || item.is_some_and(|i| ln.items.iter().any(|x| x == i));
            if in_scope {
                targets.push((format!("lanes[{e}]"), &mut ln.cost, &mut ln.co2));
            }
        }
        for (path, c, g) in &targets {
            for (field, value, factor) in [("cost", **c, cost), ("co2", **g, co2)] {
                if amount_problem(value * factor).is_some() {
                    f.add(
                        &format!("{field}_factor"),
                        format!("makes {path}.{field} {}; at most 1e12", num(value * factor)),
                    );
                }
            }
            if !f.ok() {
                return;
            }
        }
        for (_, c, g) in targets {
            *c *= cost;
            *g *= co2;
        }
    }

    fn add_renovation(&mut self, f: &mut Found, r: &Renovation) {
        if r.id.is_empty() {
            f.add("renovation.id", "must not be empty");
        } else if self.doc.renovations.iter().any(|x| x.id == r.id) {
            f.add(
                "renovation.id",
                format!("renovation \"{}\" already exists", r.id),
            );
        }
        if self.line(f, "renovation.line", &r.line).is_some() {
            if let Some(other) = self.doc.renovations.iter().find(|x| x.line == r.line) {
                f.add(
                    "renovation.line",
                    format!(
                        "line \"{}\" already has a renovation (\"{}\"); at most one per line",
                        r.line, other.id
                    ),
                );
            }
        }
        if r.duration < 1 {
            f.add("renovation.duration", "must be at least 1");
        }
        if r.earliest > r.latest {
            f.add(
                "renovation.earliest",
                format!("earliest > latest ({} > {})", r.earliest, r.latest),
            );
        } else {
            self.period(f, "renovation.latest", r.latest);
        }
        f.amount("renovation.capacity_factor", r.capacity_factor);
        f.amount("renovation.cost_factor", r.cost_factor);
        f.amount("renovation.co2_factor", r.co2_factor);
        f.amount("renovation.capex", r.capex);
        f.amount("renovation.subsidy", r.subsidy);
        if f.ok() {
            self.doc.renovations.push(r.clone());
        }
    }

    fn set_policy(&mut self, f: &mut Found, change: &PolicyValue) {
        let field = change.field.as_str();
        let Some(&(_, clearable)) = POLICY_FIELDS.iter().find(|(name, _)| *name == field) else {
            let names: Vec<&str> = POLICY_FIELDS.iter().map(|(name, _)| *name).collect();
            f.add(
                "field",
                format!(
                    "unknown policy field \"{field}\"; one of {}",
                    names.join(", ")
                ),
            );
            return;
        };
        let value = match change.value {
            None if !clearable => {
                f.add(
                    "value",
                    format!("policy field \"{field}\" cannot be cleared; give a number"),
                );
                return;
            }
            None => None,
            Some(v) => {
                f.amount("value", v);
                if field == "max_concurrent_renovations"
                    && f.ok()
                    && (v.fract() != 0.0 || v > f64::from(u32::MAX))
                {
                    f.add(
                        "value",
                        format!("must be a whole number >= 0, got {}", num(v)),
                    );
                }
                if !f.ok() {
                    return;
                }
                Some(v)
            }
        };
        let policy = &mut self.doc.policy;
        match field {
            "carbon_price" => policy.carbon_price = value.unwrap_or_default(),
            "carbon_cap" => policy.carbon_cap = value,
            "safety_penalty" => policy.safety_penalty = value.unwrap_or_default(),
            "late_penalty" => policy.late_penalty = value.unwrap_or_default(),
            "unmet_penalty" => policy.unmet_penalty = value.unwrap_or_default(),
            "renovation_budget" => policy.renovation_budget = value,
            // A whole number in `0..=u32::MAX`, checked above.
            _ => policy.max_concurrent_renovations = value.map(|v| v as u32),
        }
    }
}

/// Whether a scaled capacity is one a document may hold; if not, its largest
/// value is reported at `changes[i].factor`.
fn fits(f: &mut Found, scaled: &PerPeriod, path: impl Fn() -> String) -> bool {
    let (t, v) = peak(scaled);
    if amount_problem(v).is_none() {
        return true;
    }
    let at = match scaled {
        PerPeriod::Scalar(_) => path(),
        PerPeriod::Series(_) => format!("{}[{t}]", path()),
    };
    f.add("factor", format!("makes {at} {}; at most 1e12", num(v)));
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_and_amounts_reject_what_the_document_cannot_hold() {
        assert_eq!(factor_problem(0.0), None);
        assert_eq!(factor_problem(1e300), None);
        assert!(factor_problem(f64::NAN)
            .unwrap()
            .starts_with("must be a finite number >= 0"));
        assert!(factor_problem(-1.0).is_some());
        assert!(factor_problem(f64::INFINITY).is_some());
        assert!(amount_problem(2e12).unwrap().contains("too large"));
        assert_eq!(num(1e300), "1e300");
    }

    #[test]
    fn periods_map_in_place_and_scalars_stay_scalars_over_the_horizon() {
        let whole = PeriodRange { first: 0, last: 3 };
        let part = PeriodRange { first: 1, last: 2 };
        assert_eq!(
            map_periods(&PerPeriod::Scalar(5.0), 4, whole, |v| v * 2.0),
            PerPeriod::Scalar(10.0)
        );
        assert_eq!(
            map_periods(&PerPeriod::Scalar(5.0), 4, part, |_| 0.0),
            PerPeriod::Series(vec![5.0, 0.0, 0.0, 5.0])
        );
        assert_eq!(
            map_periods(&PerPeriod::Series(vec![1.0, 2.0, 3.0, 4.0]), 4, part, |v| v
                + 1.0),
            PerPeriod::Series(vec![1.0, 3.0, 4.0, 4.0])
        );
    }

    #[test]
    fn arrivals_in_a_range_leave_lead_time_earlier() {
        let r = PeriodRange { first: 3, last: 5 };
        assert_eq!(departures_arriving_in(r, 0), Some(r));
        assert_eq!(
            departures_arriving_in(r, 4),
            Some(PeriodRange { first: 0, last: 1 })
        );
        assert_eq!(departures_arriving_in(r, 6), None);
    }

    #[test]
    fn the_stand_in_bounds_every_unit_and_rounds_to_a_power_of_ten() {
        let mut doc = NetworkDoc::empty(4);
        assert_eq!(unlimited_stand_in(&doc), Ok(1.0));
        doc.lines.push(super::super::Line {
            id: "l".into(),
            site: "s".into(),
            capacity: PerPeriod::Scalar(30.0),
            downtime: Vec::new(),
            operations: vec![super::super::Operation {
                id: None,
                item: "i".into(),
                load: 0.5,
                cost: 0.0,
                co2: 0.0,
                inputs: Vec::new(),
                setup_cost: 0.0,
                setup_time: 0.0,
                min_lot: 0.0,
            }],
        });
        // 4 periods x 30 / 0.5 = 240 units.
        assert_eq!(unlimited_stand_in(&doc), Ok(1000.0));
        doc.lines[0].operations[0].load = 1e-12;
        assert!(unlimited_stand_in(&doc).is_err());
    }
}
