//! The execution loop run offline, for a planner or a demo: each week plan
//! (a re-plan against what remains of last week's committed plan, under
//! the suppliers' counter-proposals), commit, draw what actually happened
//! in the week from the plan with random deviations (yield loss, late
//! shipments, a breakdown now and then), let a supplier push back on its
//! next week's work, roll the horizon by one period, and again. The first
//! document's orders repeat in the periods the rolls open, so the chain
//! keeps its load.
//!
//! Drawn actuals are always possible: no stock goes below zero, nothing
//! is made or shipped beyond what the plan allowed. Deterministic for a
//! seed (the solver's answers aside, which are deterministic for a model).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use super::error::PlanError;
use super::options::SolveOptions;
use super::replan::Baseline;
use super::solve::solve;
use crate::model::actuals::{
    ActualDelivery, ActualProduction, ActualShipment, Actuals, RenovationStart,
};
use crate::model::adherence::{adherence, Adherence};
use crate::model::commitment::{excesses, CounterProposal, LimitKind, SupplyLimit};
use crate::model::roll::{roll, RollReport};
use crate::model::{NetworkDoc, Plan, Role};

/// How the simulated weeks deviate from their plans.
#[derive(Debug, Clone)]
pub struct SimulationSpec {
    pub weeks: u32,
    pub seed: u64,
    /// Each production quantity loses a uniform share in `[0, yield_loss)`.
    pub yield_loss: f64,
    /// Chance that a shipment arrives one period later than planned.
    pub late_chance: f64,
    /// Chance that a line makes nothing in a week.
    pub breakdown_chance: f64,
    /// Chance, each week, that one supplier rejects its next week's work
    /// with a counter-proposal.
    pub pushback_chance: f64,
    /// Cost per unit a re-plan moves from the committed plan.
    pub stability_penalty: f64,
    /// The solve options of every plan (time limit, gap, threads).
    pub options: SolveOptions,
}

impl SimulationSpec {
    /// Twelve weeks of moderate trouble.
    pub fn new(weeks: u32, seed: u64) -> SimulationSpec {
        SimulationSpec {
            weeks,
            seed,
            yield_loss: 0.1,
            late_chance: 0.1,
            breakdown_chance: 0.03,
            pushback_chance: 0.3,
            stability_penalty: 0.01,
            options: SolveOptions::default(),
        }
    }
}

/// One simulated week.
#[derive(Debug, Clone, Serialize)]
pub struct Week {
    pub week: u32,
    /// The document planned this week (period 0 is this week).
    #[serde(skip)]
    pub document: NetworkDoc,
    /// The plan committed this week.
    #[serde(skip)]
    pub plan: Plan,
    pub status: &'static str,
    pub objective: Option<f64>,
    /// What the plan promised for this week and what happened.
    pub adherence: Adherence,
    /// What happened, as reported.
    #[serde(skip)]
    pub actuals: Actuals,
    /// The counter-proposal the plan was held to (made last week).
    pub held_to: Option<CounterProposal>,
    /// What holding to it cost: this plan's objective less the objective
    /// of the same re-plan without it.
    pub pushback_cost: Option<f64>,
    /// A supplier's counter-proposal made this week, for next week's plan.
    pub pushback: Option<CounterProposal>,
    /// What the roll at the end of the week carried over.
    pub roll: RollReport,
    /// Seconds spent on the week's plan (its re-plan without the
    /// counter-proposal included), drawing the actuals, and the roll.
    pub plan_seconds: f64,
    pub actuals_seconds: f64,
    pub roll_seconds: f64,
}

/// Runs `spec.weeks` weeks from `doc`; calls `on_week` after each.
///
/// # Errors
/// A plan that fails ([`PlanError`]) or has no solution, or a roll that
/// does not apply (which would be a defect: drawn actuals always fit).
pub fn simulate(
    doc: &NetworkDoc,
    spec: &SimulationSpec,
    mut on_week: impl FnMut(&Week),
) -> Result<Vec<Week>, PlanError> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let original = doc;
    let mut doc = doc.clone();
    let mut remaining: Option<(Vec<crate::model::Production>, Vec<crate::model::Shipment>)> = None;
    let mut held: Option<CounterProposal> = None;
    let mut weeks = Vec::new();
    for week in 0..spec.weeks {
        let baseline = |limits: Vec<CounterProposal>| {
            remaining.as_ref().map(|(production, shipments)| Baseline {
                production: production.clone(),
                shipments: shipments.clone(),
                freeze_until: 0,
                stability_penalty: spec.stability_penalty,
                causes: Vec::new(),
                region: None,
                limits,
            })
        };
        let options = SolveOptions {
            baseline: baseline(held.iter().cloned().collect()),
            ..spec.options.clone()
        };
        let started = Instant::now();
        let plan = solve(&doc, &options)?;
        if !plan.status.has_solution() {
            return Err(PlanError::Option {
                field: "simulation",
                reason: format!("week {week}: the plan is {}", plan.status.as_str()),
            });
        }
        let pushback_cost = match &held {
            Some(_) => {
                let free = SolveOptions {
                    baseline: baseline(Vec::new()),
                    ..spec.options.clone()
                };
                let free = solve(&doc, &free)?;
                plan.objective
                    .zip(free.objective)
                    .map(|(held, free)| held - free)
            }
            None => None,
        };
        let plan_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let actuals = draw_actuals(&doc, &plan, spec, &mut rng);
        let pushback = push_back(&doc, &plan, spec, &mut rng);
        let actuals_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let rolled =
            roll(&doc, &actuals, Some(&plan), 1, &[]).map_err(|problems| PlanError::Option {
                field: "simulation",
                reason: format!(
                    "week {week}: the roll failed: {}",
                    problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            })?;
        let roll_seconds = started.elapsed().as_secs_f64();
        let w = Week {
            plan_seconds,
            actuals_seconds,
            roll_seconds,
            week,
            status: plan.status.as_str(),
            objective: plan.objective,
            adherence: adherence(&doc, &plan, &actuals, 1),
            held_to: held.take(),
            pushback_cost,
            pushback: pushback.clone(),
            roll: rolled.report,
            document: doc,
            plan,
            actuals,
        };
        on_week(&w);
        weeks.push(w);
        doc = rolled.document;
        renew_orders(&mut doc, original, week);
        remaining = Some((rolled.production, rolled.shipments));
        // The counter-proposal was for period 1; after the roll that is 0.
        held = pushback.map(|mut p| {
            for l in &mut p.limits {
                l.period -= 1;
            }
            p
        });
    }
    Ok(weeks)
}

/// New orders for the period a roll opened at the end of the horizon: the
/// first document's orders repeat, horizon after horizon, so the chain
/// keeps its load. After week `week`'s roll the last period is, counted
/// from the first document's period 0, `T + week`; it gets that document's
/// demands due in period `(T + week) mod T`, as `<id>~<cycle>`.
fn renew_orders(doc: &mut NetworkDoc, original: &NetworkDoc, week: u32) {
    let t_len = original.horizon.periods;
    let absolute = t_len + week;
    let cycle = absolute / t_len;
    let due = absolute % t_len;
    let last = doc.horizon.periods - 1;
    for d in original.demands.iter().filter(|d| d.period == due) {
        let mut renewed = d.clone();
        renewed.id = format!("{}~{cycle}", d.id);
        renewed.period = last;
        doc.demands.push(renewed);
    }
}

/// One week's draw, as the loop makes it: what happened in period 0 of
/// `plan` (feasible actuals), and a supplier's counter-proposal on its
/// period-1 work now and then. The same `seed` gives the same draw; used
/// to drive the service's loop from outside (tests, benchmarks).
pub fn draw_week(
    doc: &NetworkDoc,
    plan: &Plan,
    spec: &SimulationSpec,
    seed: u64,
) -> (Actuals, Option<CounterProposal>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let actuals = draw_actuals(doc, plan, spec, &mut rng);
    let pushback = push_back(doc, plan, spec, &mut rng);
    (actuals, pushback)
}

/// What happened in period 0 of `plan`: its production less a random
/// yield loss (nothing on a broken line), its shipments (some late), its
/// deliveries; then cut back until no stock goes below zero.
fn draw_actuals(doc: &NetworkDoc, plan: &Plan, spec: &SimulationSpec, rng: &mut StdRng) -> Actuals {
    let last = doc.horizon.periods.saturating_sub(1);
    let mut broken: HashMap<&str, bool> = HashMap::new();
    let mut production: Vec<ActualProduction> = Vec::new();
    for p in plan.production.iter().filter(|p| p.period == 0) {
        let down = *broken
            .entry(p.line.as_str())
            .or_insert_with(|| rng.random_bool(spec.breakdown_chance.clamp(0.0, 1.0)));
        let kept = if down {
            0.0
        } else {
            1.0 - rng.random_range(0.0..spec.yield_loss.clamp(0.0, 1.0).max(f64::MIN_POSITIVE))
        };
        production.push(ActualProduction {
            line: p.line.clone(),
            item: p.item.clone(),
            operation: Some(p.operation.clone()),
            period: 0,
            qty: p.qty * kept,
        });
    }
    let mut shipments: Vec<ActualShipment> = Vec::new();
    for s in plan.shipments.iter().filter(|s| s.period == 0) {
        let late = s.arrival < last && rng.random_bool(spec.late_chance.clamp(0.0, 1.0));
        shipments.push(ActualShipment {
            lane: s.lane.clone(),
            item: s.item.clone(),
            period: 0,
            qty: s.qty,
            arrival: Some(s.arrival + u32::from(late)),
        });
    }
    let mut deliveries: Vec<ActualDelivery> = plan
        .deliveries
        .iter()
        .filter(|d| d.period == 0)
        .map(|d| ActualDelivery {
            demand: d.demand.clone(),
            period: 0,
            qty: d.qty,
        })
        .collect();
    make_possible(doc, &mut production, &mut shipments, &mut deliveries);
    let renovation_starts = plan
        .renovations
        .iter()
        .filter(|r| r.start == Some(0))
        .map(|r| RenovationStart {
            renovation: r.id.clone(),
            period: Some(0),
        })
        .collect();
    Actuals {
        production,
        shipments,
        receipts: Vec::new(),
        stock_counts: Vec::new(),
        deliveries,
        renovation_starts,
    }
}

/// Scales down the outflows of every (site, item) whose period-0 stock
/// would go below zero (what its operations consume, ships and delivers),
/// until none does. Each pass only lowers quantities, so it ends.
fn make_possible(
    doc: &NetworkDoc,
    production: &mut [ActualProduction],
    shipments: &mut [ActualShipment],
    deliveries: &mut [ActualDelivery],
) {
    let line_site = doc.line_sites();
    let inputs: HashMap<String, Vec<(String, f64)>> = doc
        .lines
        .iter()
        .flat_map(|l| {
            l.operations.iter().map(move |o| {
                (
                    o.id_in(&l.id),
                    o.inputs.iter().map(|i| (i.item.clone(), i.qty)).collect(),
                )
            })
        })
        .collect();
    let lanes: HashMap<&str, (&str, &str)> = doc
        .lanes
        .iter()
        .map(|l| (l.id.as_str(), (l.from.as_str(), l.to.as_str())))
        .collect();
    let demand_at: HashMap<&str, (&str, &str)> = doc
        .demands
        .iter()
        .map(|d| (d.id.as_str(), (d.site.as_str(), d.item.as_str())))
        .collect();
    for _ in 0..100 {
        // (site, item) -> (available, outflow)
        let mut books: BTreeMap<(String, String), (f64, f64)> = BTreeMap::new();
        let mut add = |site: &str, item: &str, inflow: f64, outflow: f64| {
            let e = books
                .entry((site.to_string(), item.to_string()))
                .or_default();
            e.0 += inflow;
            e.1 += outflow;
        };
        for s in &doc.stocks {
            add(&s.site, &s.item, s.initial, 0.0);
        }
        for r in doc.receipts.iter().filter(|r| r.period == 0) {
            add(&r.site, &r.item, r.qty, 0.0);
        }
        for p in production.iter() {
            let site = line_site.get(p.line.as_str()).copied().unwrap_or("");
            add(site, &p.item, p.qty, 0.0);
            let op = p.operation.clone().unwrap_or_default();
            for (item, qty) in inputs.get(&op).into_iter().flatten() {
                add(site, item, 0.0, qty * p.qty);
            }
        }
        for s in shipments.iter() {
            let (from, to) = lanes.get(s.lane.as_str()).copied().unwrap_or(("", ""));
            add(from, &s.item, 0.0, s.qty);
            if s.arrival == Some(0) {
                add(to, &s.item, s.qty, 0.0);
            }
        }
        for d in deliveries.iter() {
            let (site, item) = demand_at
                .get(d.demand.as_str())
                .copied()
                .unwrap_or(("", ""));
            add(site, item, 0.0, d.qty);
        }
        let short: HashMap<(String, String), f64> = books
            .into_iter()
            .filter(|(_, (inflow, outflow))| *outflow > inflow + 1e-9)
            .map(|(k, (inflow, outflow))| (k, (inflow / outflow).clamp(0.0, 1.0) * (1.0 - 1e-12)))
            .collect();
        if short.is_empty() {
            return;
        }
        let scale =
            |site: &str, item: &str| short.get(&(site.to_string(), item.to_string())).copied();
        for p in production.iter_mut() {
            let site = line_site.get(p.line.as_str()).copied().unwrap_or("");
            let op = p.operation.clone().unwrap_or_default();
            let factor = inputs
                .get(&op)
                .into_iter()
                .flatten()
                .filter_map(|(item, _)| scale(site, item))
                .fold(1.0, f64::min);
            p.qty *= factor;
        }
        for s in shipments.iter_mut() {
            let (from, _) = lanes.get(s.lane.as_str()).copied().unwrap_or(("", ""));
            if let Some(f) = scale(from, &s.item) {
                s.qty *= f;
            }
        }
        for d in deliveries.iter_mut() {
            let (site, item) = demand_at
                .get(d.demand.as_str())
                .copied()
                .unwrap_or(("", ""));
            if let Some(f) = scale(site, item) {
                d.qty *= f;
            }
        }
    }
}

/// Now and then one supplier with work next week says it can make only
/// 50 to 90 % of it: a counter-proposal on its period-1 production.
fn push_back(
    doc: &NetworkDoc,
    plan: &Plan,
    spec: &SimulationSpec,
    rng: &mut StdRng,
) -> Option<CounterProposal> {
    if doc.horizon.periods < 2 || !rng.random_bool(spec.pushback_chance.clamp(0.0, 1.0)) {
        return None;
    }
    let enterprise_of_site: HashMap<&str, &str> = doc
        .sites
        .iter()
        .map(|s| (s.id.as_str(), s.enterprise.as_str()))
        .collect();
    let suppliers: Vec<&str> = doc
        .enterprises
        .iter()
        .filter(|e| e.role == Role::Supplier)
        .map(|e| e.id.as_str())
        .collect();
    let line_enterprise: HashMap<&str, &str> = doc
        .lines
        .iter()
        .filter_map(|l| {
            enterprise_of_site
                .get(l.site.as_str())
                .map(|e| (l.id.as_str(), *e))
        })
        .collect();
    let mut work: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
    for p in plan
        .production
        .iter()
        .filter(|p| p.period == 1 && p.qty > 1e-6)
    {
        if let Some(e) = line_enterprise
            .get(p.line.as_str())
            .filter(|e| suppliers.contains(e))
        {
            *work
                .entry(e)
                .or_default()
                .entry(p.item.as_str())
                .or_default() += p.qty;
        }
    }
    let candidates: Vec<(&str, BTreeMap<&str, f64>)> = work.into_iter().collect();
    if candidates.is_empty() {
        return None;
    }
    let (enterprise, items) = &candidates[rng.random_range(0..candidates.len())];
    let share = rng.random_range(0.5..0.9);
    Some(CounterProposal {
        enterprise: enterprise.to_string(),
        limits: items
            .iter()
            .map(|(item, qty)| SupplyLimit {
                kind: LimitKind::Make,
                item: item.to_string(),
                period: 1,
                qty: qty * share,
            })
            .collect(),
    })
}

/// Whether each week's plan kept to the counter-proposal it was held to.
pub fn kept_counter_proposals(weeks: &[Week]) -> bool {
    weeks.iter().all(|w| match &w.held_to {
        Some(p) => excesses(&w.document, &w.plan, std::slice::from_ref(p), 1e-6).is_empty(),
        None => true,
    })
}
