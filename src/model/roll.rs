//! Rolling the horizon: the first periods close, and the document moves on.
//!
//! Actuals replace the plan for the closed periods: the stock counted (or,
//! uncounted, the stock the actuals leave on the books) becomes the initial
//! stock; shipments still in transit become receipts in the periods they
//! arrive; demand not delivered becomes backlog due in period 0 that keeps
//! the cost of its lateness so far (see [`Backlog`]); per-period arrays drop
//! their closed values and are extended at the end (the last value repeated,
//! or values given); downtime, receipts, demands and renovation windows move
//! back; a renovation under way must finish as started, one finished leaves
//! its line renovated; the renovation budget loses what was spent; and the
//! horizon's start date moves on. The committed plan's remaining production
//! and shipments move with it, so the next re-plan can be held to them.
//!
//! The rolled document is a plain document of docs/model.md: any solver of
//! that contract plans it. Pure; imports only the domain types.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::actuals::Actuals;
use super::calendar::shift_start;
use super::doc::{NetworkDoc, PerPeriod, Receipt, Stock};
use super::number::amount_problem;
use super::plan::{Plan, Production, Shipment};
use super::problem::Problem;
use super::validate::validate;

/// Stock the books may show below zero from rounding alone.
const STOCK_TOLERANCE: f64 = 1e-6;

/// A per-period array the caller extends with its own values instead of
/// repeating the last one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub kind: SeriesKind,
    /// The line, the lane, or the site (with `item`) of a stock.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// One value per period rolled.
    pub values: Vec<f64>,
}

/// Which per-period array an [`Extension`] extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    LineCapacity,
    LaneCapacity,
    StockMax,
}

/// A rolled document, what the roll did, and the committed plan's
/// remaining decisions in the new periods.
#[derive(Debug, Clone, PartialEq)]
pub struct Rolled {
    pub document: NetworkDoc,
    pub report: RollReport,
    /// The committed plan's production from the first open period on,
    /// renumbered (empty without a committed plan).
    pub production: Vec<Production>,
    /// The committed plan's shipments leaving in open periods, renumbered.
    pub shipments: Vec<Shipment>,
}

/// What a roll carried into the new horizon.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RollReport {
    /// Periods closed.
    pub periods: u32,
    /// The new initial stock of every (site, item) the roll touched.
    pub stock: Vec<StockCarry>,
    /// Receipts made of shipments still in transit (in the new periods).
    pub in_transit: Vec<Receipt>,
    pub backlog: Vec<Backlog>,
    /// Demands delivered in full in the closed periods (gone from the document).
    pub closed_demands: Vec<String>,
    pub renovations: Vec<RenovationCarry>,
    /// Capex less subsidy of the renovations started in the closed periods,
    /// taken from `policy.renovation_budget`.
    pub budget_spent: f64,
}

/// How one (site, item)'s stock was carried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockCarry {
    pub site: String,
    pub item: String,
    /// The initial stock before the roll.
    pub opening: f64,
    pub received: f64,
    pub made: f64,
    pub consumed: f64,
    pub arrived: f64,
    pub shipped: f64,
    pub delivered: f64,
    /// `opening + received + made - consumed + arrived - shipped - delivered`.
    pub book: f64,
    /// The count at the end of the last closed period, if one was taken.
    pub counted: Option<f64>,
    /// The new initial stock: the count, else the book.
    pub initial: f64,
}

/// A demand due in a closed period and not delivered in full: due in
/// period 0 of the new horizon for what is left.
///
/// Its lateness so far is kept by lowering its unmet penalty by
/// `late_penalty * late_by` (not below 0): delivering a unit in new period
/// `t` then costs, against leaving it unmet, exactly what delivering it
/// `late_by + t` periods late cost before the roll, so the plan chooses
/// between late and never as the unrolled model would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backlog {
    pub demand: String,
    pub qty: f64,
    /// Periods late at the first open period.
    pub late_by: u32,
    pub unmet_penalty_before: f64,
    pub unmet_penalty_after: f64,
}

/// What became of one renovation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenovationCarry {
    pub id: String,
    /// Its start in the closed periods (old numbering), if it started.
    pub start: Option<u32>,
    pub state: RenovationState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RenovationState {
    /// Done: its line is renovated for the whole new horizon.
    Finished,
    /// Started and not done: down from period 0 for `remaining` periods.
    UnderWay { remaining: u32 },
    /// Not started: its window moved back (`window_passed` when it closed
    /// unused; it is then open at period 0).
    NotStarted { window_passed: bool },
}

/// The document after closing its first `periods` periods with `actuals`
/// (merged: the last report of each thing). `committed` is the published
/// plan the roll continues, when there is one: its renovation starts stand
/// for those not reported, and its remaining decisions come back renumbered.
///
/// # Errors
/// Every problem found, each with its path: `periods` outside `1..=T`,
/// extensions that do not fit, deliveries beyond a demand's quantity, stock
/// the actuals would leave below zero without a count, a horizon whose start
/// date cannot move. Nothing is rolled when any is found.
pub fn roll(
    doc: &NetworkDoc,
    actuals: &Actuals,
    committed: Option<&Plan>,
    periods: u32,
    extensions: &[Extension],
) -> Result<Rolled, Vec<Problem>> {
    let t_len = doc.horizon.periods;
    if periods == 0 || periods > t_len {
        return Err(vec![Problem::new(
            "periods",
            format!("must be between 1 and the horizon's {t_len} periods, got {periods}"),
        )]);
    }
    let k = periods;
    let mut problems = check_extensions(doc, extensions, k);
    let mut out = doc.clone();
    let mut report = RollReport {
        periods: k,
        ..RollReport::default()
    };
    match shift_start(&doc.horizon, k) {
        Ok(h) => out.horizon = h,
        Err((path, reason)) => problems.push(Problem::new(path, reason)),
    }

    let ext = |kind: SeriesKind, id: &str, item: Option<&str>| {
        extensions
            .iter()
            .find(|e| e.kind == kind && e.id == id && e.item.as_deref() == item)
            .map(|e| e.values.as_slice())
    };
    for line in &mut out.lines {
        line.capacity = shift_series(
            &line.capacity,
            t_len,
            k,
            ext(SeriesKind::LineCapacity, &line.id, None),
        );
        line.downtime = line
            .downtime
            .iter()
            .filter(|&&t| t >= k)
            .map(|t| t - k)
            .collect();
    }
    for lane in &mut out.lanes {
        if let Some(cap) = &lane.capacity {
            lane.capacity = Some(shift_series(
                cap,
                t_len,
                k,
                ext(SeriesKind::LaneCapacity, &lane.id, None),
            ));
        }
    }
    for stock in &mut out.stocks {
        if let Some(max) = &stock.max {
            let given = ext(SeriesKind::StockMax, &stock.site, Some(&stock.item));
            stock.max = Some(shift_series(max, t_len, k, given));
        }
    }

    carry_stock(doc, actuals, k, &mut out, &mut report, &mut problems);
    carry_demands(doc, actuals, k, &mut out, &mut report, &mut problems);
    carry_renovations(doc, actuals, committed, k, &mut out, &mut report);
    out.receipts = doc
        .receipts
        .iter()
        .filter(|r| r.period >= k)
        .map(|r| Receipt {
            period: r.period - k,
            ..r.clone()
        })
        .chain(report.in_transit.iter().cloned())
        .collect();

    if !problems.is_empty() {
        return Err(problems);
    }
    let check = validate(&out);
    if !check.is_valid() {
        // A valid document and valid actuals always roll to a valid
        // document; say so plainly if they did not.
        return Err(check
            .errors
            .into_iter()
            .map(|p| p.under("rolled document"))
            .collect());
    }
    let (production, shipments) = match committed.map(|plan| plan.rolled(k)) {
        Some(plan) => (plan.production, plan.shipments),
        None => (Vec::new(), Vec::new()),
    };
    Ok(Rolled {
        document: out,
        report,
        production,
        shipments,
    })
}

/// Extensions name an array that exists, once each, with one finite amount
/// per period rolled.
fn check_extensions(doc: &NetworkDoc, extensions: &[Extension], k: u32) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, e) in extensions.iter().enumerate() {
        let at = |f: &str| format!("extensions[{i}].{f}");
        let exists = match e.kind {
            SeriesKind::LineCapacity => doc.lines.iter().any(|l| l.id == e.id),
            SeriesKind::LaneCapacity => doc
                .lanes
                .iter()
                .any(|l| l.id == e.id && l.capacity.is_some()),
            SeriesKind::StockMax => doc
                .stocks
                .iter()
                .any(|s| s.site == e.id && Some(&s.item) == e.item.as_ref() && s.max.is_some()),
        };
        if !exists {
            let what = match e.kind {
                SeriesKind::LineCapacity => format!("unknown line \"{}\"", e.id),
                SeriesKind::LaneCapacity => format!("no lane \"{}\" with a capacity", e.id),
                SeriesKind::StockMax => format!(
                    "no stock of \"{}\" at site \"{}\" with a max",
                    e.item.as_deref().unwrap_or(""),
                    e.id
                ),
            };
            problems.push(Problem::new(at("id"), what));
        }
        if !seen.insert((e.kind as u8, e.id.clone(), e.item.clone())) {
            problems.push(Problem::new(at("id"), "extended twice".to_string()));
        }
        if e.values.len() != k as usize {
            problems.push(Problem::new(
                at("values"),
                format!(
                    "{} values; one per period rolled ({k}) is needed",
                    e.values.len()
                ),
            ));
        }
        for (j, v) in e.values.iter().enumerate() {
            if let Some(reason) = amount_problem(*v, 0.0, false) {
                problems.push(Problem::new(format!("extensions[{i}].values[{j}]"), reason));
            }
        }
    }
    problems
}

/// A per-period value without its first `k` periods, extended at the end
/// by `given` or by its last value. A single number stays one unless
/// values are given.
fn shift_series(value: &PerPeriod, t_len: u32, k: u32, given: Option<&[f64]>) -> PerPeriod {
    match (value, given) {
        (PerPeriod::Scalar(v), None) => PerPeriod::Scalar(*v),
        (_, given) => {
            let all = value.expand(t_len as usize);
            let last = all.last().copied().unwrap_or(0.0);
            let mut out: Vec<f64> = all.into_iter().skip(k as usize).collect();
            match given {
                Some(values) => out.extend_from_slice(values),
                None => out.extend(std::iter::repeat_n(last, k as usize)),
            }
            out.truncate(t_len as usize);
            PerPeriod::Series(out)
        }
    }
}

/// The closed periods' flows of one (site, item).
#[derive(Default)]
struct Flows {
    opening: f64,
    received: f64,
    made: f64,
    consumed: f64,
    arrived: f64,
    shipped: f64,
    delivered: f64,
}

/// The flows of (site, item), created empty on first use.
fn book<'a>(
    books: &'a mut BTreeMap<(String, String), Flows>,
    site: &str,
    item: &str,
) -> &'a mut Flows {
    books
        .entry((site.to_string(), item.to_string()))
        .or_default()
}

/// Books the closed periods' flows of every (site, item) and sets the new
/// initial stocks; turns shipments still in transit into receipts.
fn carry_stock(
    doc: &NetworkDoc,
    actuals: &Actuals,
    k: u32,
    out: &mut NetworkDoc,
    report: &mut RollReport,
    problems: &mut Vec<Problem>,
) {
    let mut books: BTreeMap<(String, String), Flows> = BTreeMap::new();
    for s in &doc.stocks {
        book(&mut books, &s.site, &s.item).opening += s.initial;
    }
    // Fixed receipts of the closed periods: as reported where reported,
    // as the document has them elsewhere.
    let reported: BTreeMap<(&str, &str, u32), f64> = actuals
        .receipts
        .iter()
        .filter(|r| r.period < k)
        .map(|r| ((r.site.as_str(), r.item.as_str(), r.period), r.qty))
        .collect();
    for r in doc.receipts.iter().filter(|r| r.period < k) {
        if !reported.contains_key(&(r.site.as_str(), r.item.as_str(), r.period)) {
            book(&mut books, &r.site, &r.item).received += r.qty;
        }
    }
    for ((site, item, _), qty) in &reported {
        book(&mut books, site, item).received += qty;
    }
    let lines: HashMap<&str, &super::doc::Line> =
        doc.lines.iter().map(|l| (l.id.as_str(), l)).collect();
    for p in actuals.production.iter().filter(|p| p.period < k) {
        let Some(line) = lines.get(p.line.as_str()) else {
            continue;
        };
        let Some(op) = line.operations.iter().find(|o| {
            o.item == p.item
                && p.operation
                    .as_ref()
                    .is_none_or(|id| *id == o.id_in(&line.id))
        }) else {
            continue;
        };
        book(&mut books, &line.site, &p.item).made += p.qty;
        for input in &op.inputs {
            book(&mut books, &line.site, &input.item).consumed += input.qty * p.qty;
        }
    }
    let lanes: HashMap<&str, &super::doc::Lane> =
        doc.lanes.iter().map(|l| (l.id.as_str(), l)).collect();
    let mut in_transit: BTreeMap<(String, String, u32), f64> = BTreeMap::new();
    for s in actuals.shipments.iter().filter(|s| s.period < k) {
        let Some(lane) = lanes.get(s.lane.as_str()) else {
            continue;
        };
        book(&mut books, &lane.from, &s.item).shipped += s.qty;
        let arrival = s.arrival.unwrap_or(s.period + lane.lead_time);
        if arrival < k {
            book(&mut books, &lane.to, &s.item).arrived += s.qty;
        } else {
            *in_transit
                .entry((lane.to.clone(), s.item.clone(), arrival - k))
                .or_default() += s.qty;
        }
    }
    let demands: HashMap<&str, &super::doc::Demand> =
        doc.demands.iter().map(|d| (d.id.as_str(), d)).collect();
    for d in actuals.deliveries.iter().filter(|d| d.period < k) {
        if let Some(demand) = demands.get(d.demand.as_str()) {
            book(&mut books, &demand.site, &demand.item).delivered += d.qty;
        }
    }
    let counts: BTreeMap<(&str, &str), f64> = actuals
        .stock_counts
        .iter()
        .filter(|c| c.period == k - 1)
        .map(|c| ((c.site.as_str(), c.item.as_str()), c.qty))
        .collect();
    for (site, item) in counts.keys() {
        book(&mut books, site, item);
    }

    let mut initial: BTreeMap<(String, String), f64> = BTreeMap::new();
    for ((site, item), f) in books {
        let on_books =
            f.opening + f.received + f.made - f.consumed + f.arrived - f.shipped - f.delivered;
        let counted = counts.get(&(site.as_str(), item.as_str())).copied();
        let new_initial = match counted {
            Some(c) => c,
            None if on_books < -STOCK_TOLERANCE => {
                problems.push(Problem::new(
                    "stock_counts",
                    format!(
                        "the actuals leave {} units of \"{item}\" at site \"{site}\" at the end of period {}; \
                         report a stock count there, or what is missing (receipts, production, arrivals)",
                        round(on_books),
                        k - 1
                    ),
                ));
                0.0
            }
            None => on_books.max(0.0),
        };
        initial.insert((site.clone(), item.clone()), new_initial);
        report.stock.push(StockCarry {
            site,
            item,
            opening: f.opening,
            received: f.received,
            made: f.made,
            consumed: f.consumed,
            arrived: f.arrived,
            shipped: f.shipped,
            delivered: f.delivered,
            book: on_books,
            counted,
            initial: new_initial,
        });
    }
    for stock in &mut out.stocks {
        if let Some(v) = initial.remove(&(stock.site.clone(), stock.item.clone())) {
            stock.initial = v;
        }
    }
    // Stock where the document had no record: a plain one holding it.
    for ((site, item), v) in initial {
        if v > 0.0 {
            out.stocks.push(Stock {
                site,
                item,
                initial: v,
                holding_cost: 0.0,
                safety: 0.0,
                max: None,
            });
        }
    }
    report.in_transit = in_transit
        .into_iter()
        .map(|((site, item, period), qty)| Receipt {
            site,
            item,
            period,
            qty,
        })
        .collect();
}

/// Moves demands back; what a closed period left undelivered becomes
/// backlog (see [`Backlog`]).
fn carry_demands(
    doc: &NetworkDoc,
    actuals: &Actuals,
    k: u32,
    out: &mut NetworkDoc,
    report: &mut RollReport,
    problems: &mut Vec<Problem>,
) {
    let mut delivered: HashMap<&str, f64> = HashMap::new();
    for d in actuals.deliveries.iter().filter(|d| d.period < k) {
        *delivered.entry(d.demand.as_str()).or_default() += d.qty;
    }
    let mut kept = Vec::with_capacity(doc.demands.len());
    for (i, d) in doc.demands.iter().enumerate() {
        let got = delivered.get(d.id.as_str()).copied().unwrap_or(0.0);
        if got > d.qty * (1.0 + 1e-9) + 1e-9 {
            problems.push(Problem::new(
                format!("deliveries (demand \"{}\")", d.id),
                format!(
                    "{} units delivered in all, to demands[{i}] which ordered {}",
                    round(got),
                    d.qty
                ),
            ));
            continue;
        }
        if d.period >= k {
            let mut d = d.clone();
            d.period -= k;
            kept.push(d);
            continue;
        }
        let left = d.qty - got;
        if left <= STOCK_TOLERANCE {
            report.closed_demands.push(d.id.clone());
            continue;
        }
        let late_by = k - d.period;
        let late = d.late_penalty_in(&doc.policy);
        let unmet = d.unmet_penalty_in(&doc.policy);
        let after = (unmet - late * f64::from(late_by)).max(0.0);
        report.backlog.push(Backlog {
            demand: d.id.clone(),
            qty: left,
            late_by,
            unmet_penalty_before: unmet,
            unmet_penalty_after: after,
        });
        let mut d = d.clone();
        d.period = 0;
        d.qty = left;
        d.late_penalty = Some(late);
        d.unmet_penalty = Some(after);
        kept.push(d);
    }
    out.demands = kept;
}

/// Finished renovations renovate their line; one under way keeps its line
/// down to its end; the rest move their windows back.
fn carry_renovations(
    doc: &NetworkDoc,
    actuals: &Actuals,
    committed: Option<&Plan>,
    k: u32,
    out: &mut NetworkDoc,
    report: &mut RollReport,
) {
    let reported: HashMap<&str, Option<u32>> = actuals
        .renovation_starts
        .iter()
        .map(|r| (r.renovation.as_str(), r.period))
        .collect();
    let planned: HashMap<&str, u32> = committed
        .map(|p| {
            p.renovations
                .iter()
                .filter_map(|r| r.start.map(|s| (r.id.as_str(), s)))
                .collect()
        })
        .unwrap_or_default();
    let mut finished = BTreeSet::new();
    let mut kept = Vec::with_capacity(doc.renovations.len());
    for r in &doc.renovations {
        let start = match reported.get(r.id.as_str()) {
            Some(reported) => *reported,
            None => planned.get(r.id.as_str()).copied(),
        }
        .filter(|&s| s < k);
        let state = match start {
            Some(s) if s + r.duration <= k => {
                finished.insert(r.id.clone());
                renovate_line(out, r);
                RenovationState::Finished
            }
            Some(s) => {
                let remaining = s + r.duration - k;
                let mut r = r.clone();
                r.duration = remaining;
                r.earliest = 0;
                r.latest = 0;
                r.optional = false;
                r.capex = 0.0;
                r.subsidy = 0.0;
                kept.push(r);
                RenovationState::UnderWay { remaining }
            }
            None => {
                let mut moved = r.clone();
                moved.earliest = r.earliest.saturating_sub(k);
                moved.latest = r.latest.saturating_sub(k);
                kept.push(moved);
                RenovationState::NotStarted {
                    window_passed: r.latest < k,
                }
            }
        };
        if start.is_some() {
            report.budget_spent += r.capex - r.subsidy;
        }
        report.renovations.push(RenovationCarry {
            id: r.id.clone(),
            start,
            state,
        });
    }
    for r in &mut kept {
        r.after.retain(|a| !finished.contains(a));
    }
    out.renovations = kept;
    if let Some(budget) = &mut out.policy.renovation_budget {
        *budget = (*budget - report.budget_spent).max(0.0);
    }
}

/// The line of a finished renovation as renovated: its capacity, and its
/// operations' unit cost and emissions, scaled by the renovation's factors.
fn renovate_line(doc: &mut NetworkDoc, r: &super::doc::Renovation) {
    let Some(line) = doc.lines.iter_mut().find(|l| l.id == r.line) else {
        return;
    };
    line.capacity = match &line.capacity {
        PerPeriod::Scalar(v) => PerPeriod::Scalar(v * r.capacity_factor),
        PerPeriod::Series(vs) => {
            PerPeriod::Series(vs.iter().map(|v| v * r.capacity_factor).collect())
        }
    };
    for op in &mut line.operations {
        op.cost *= r.cost_factor;
        op.co2 *= r.co2_factor;
    }
}

fn round(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}
