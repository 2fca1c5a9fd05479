//! Answers about a solved renovation programme: for each renovation its
//! window, net capex, the capacity it takes and gives, the cost and CO2 its
//! upgrade saves on what the plan makes on the line, and the demands its
//! downtime can have delayed; and what one more step of budget would change
//! (a re-solve). `report::renovation_summary` prints them with the line
//! timeline.
//!
//! Savings are counted on the plan's own production after the upgrade
//! (`qty x unit cost x (1 - cost_factor)`, the same for CO2), not against a
//! counterfactual plan without the renovation, which would need a solve per
//! renovation.

use super::error::PlanError;
use super::graph::ChainGraph;
use super::network::Network;
use super::options::SolveOptions;
use super::solve::solve;
use crate::model::{NetworkDoc, Plan};
use serde::Serialize;
use std::collections::HashMap;

/// One renovation of a solved plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenovationAnswer {
    pub id: String,
    pub line: String,
    /// First and last period down; `None` when an optional one is not done.
    pub start: Option<u32>,
    pub end: Option<u32>,
    /// Capex less subsidy, counted against the budget when done.
    pub net_capex: f64,
    /// Capacity the line loses while down, inside the horizon.
    pub capacity_lost: f64,
    /// Capacity the upgrade adds after it, inside the horizon
    /// (`(capacity_factor - 1) x capacity`).
    pub capacity_gained: f64,
    /// Unit cost saved on what the plan makes on the line after the upgrade.
    pub cost_saved: f64,
    /// CO2 saved on the same units.
    pub co2_saved: f64,
    /// Late or unmet demands at or downstream of the line's site, due no
    /// earlier than the downtime starts: those the downtime can have delayed.
    pub delayed_demands: Vec<String>,
}

/// What one more step of renovation budget would change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetStep {
    pub budget: f64,
    pub step: f64,
    /// The objective with the budget as it is, and one step higher.
    pub objective_before: Option<f64>,
    pub objective_after: Option<f64>,
    /// Renovations whose start differs: id, start before, start after.
    pub changed: Vec<(String, Option<u32>, Option<u32>)>,
}

/// The answers for every renovation of `plan`, a plan of `doc`.
pub fn renovation_answers(doc: &NetworkDoc, plan: &Plan) -> Vec<RenovationAnswer> {
    let net = Network::resolve(doc);
    let graph = ChainGraph::build(doc);
    let operations: HashMap<&str, usize> = net
        .operations
        .iter()
        .enumerate()
        .map(|(o, op)| (op.id.as_str(), o))
        .collect();
    let line_index: HashMap<&str, usize> = doc
        .lines
        .iter()
        .enumerate()
        .map(|(l, line)| (line.id.as_str(), l))
        .collect();
    let (late_or_unmet, due) = service_gaps(doc, plan);
    plan.renovations
        .iter()
        .filter_map(|schedule| {
            let r = doc.renovations.iter().find(|r| r.id == schedule.id)?;
            let l = *line_index.get(r.line.as_str())?;
            let capacity = &net.lines.get(l)?.capacity;
            let mut answer = RenovationAnswer {
                id: r.id.clone(),
                line: r.line.clone(),
                start: schedule.start,
                end: schedule.end,
                net_capex: r.capex - r.subsidy,
                capacity_lost: 0.0,
                capacity_gained: 0.0,
                cost_saved: 0.0,
                co2_saved: 0.0,
                delayed_demands: Vec::new(),
            };
            let (Some(start), Some(end)) = (schedule.start, schedule.end) else {
                return Some(answer);
            };
            for (t, c) in capacity.iter().enumerate() {
                let t = t as u32;
                if (start..=end).contains(&t) {
                    answer.capacity_lost += c;
                } else if t > end {
                    answer.capacity_gained += c * (r.capacity_factor - 1.0);
                }
            }
            for p in plan
                .production
                .iter()
                .filter(|p| p.line == r.line && p.period > end)
            {
                if let Some(op) = operations
                    .get(p.operation.as_str())
                    .map(|&o| &net.operations[o])
                {
                    answer.cost_saved += p.qty * op.cost * (1.0 - r.cost_factor);
                    answer.co2_saved += p.qty * op.co2 * (1.0 - r.co2_factor);
                }
            }
            let site = &doc.lines[l].site;
            let mut delayed: Vec<String> = graph
                .demands_affected_by(site)
                .into_iter()
                .filter_map(|d| doc.demands.get(d))
                .filter(|d| {
                    late_or_unmet.contains_key(d.id.as_str()) && due[d.id.as_str()] >= start
                })
                .map(|d| d.id.clone())
                .collect();
            delayed.sort();
            delayed.dedup();
            answer.delayed_demands = delayed;
            Some(answer)
        })
        .collect()
}

/// Demands the plan serves late or not at all (with those units), and every
/// demand's due period.
fn service_gaps<'d>(
    doc: &'d NetworkDoc,
    plan: &Plan,
) -> (HashMap<&'d str, f64>, HashMap<&'d str, u32>) {
    let mut on_time: HashMap<&str, f64> = HashMap::new();
    for d in plan.deliveries.iter().filter(|d| d.late_by == 0) {
        *on_time.entry(d.demand.as_str()).or_default() += d.qty;
    }
    let mut gaps = HashMap::new();
    let mut due = HashMap::new();
    for d in &doc.demands {
        due.insert(d.id.as_str(), d.period);
        let short = d.qty - on_time.get(d.id.as_str()).copied().unwrap_or(0.0);
        if short > 1e-6 {
            gaps.insert(d.id.as_str(), short);
        }
    }
    (gaps, due)
}

/// The smallest net capex of a renovation the plan leaves out: the least
/// extra budget that could let one more in.
pub fn default_budget_step(doc: &NetworkDoc, plan: &Plan) -> Option<f64> {
    plan.renovations
        .iter()
        .filter(|s| s.start.is_none())
        .filter_map(|s| doc.renovations.iter().find(|r| r.id == s.id))
        .map(|r| r.capex - r.subsidy)
        .filter(|c| *c > 0.0)
        .min_by(f64::total_cmp)
}

/// Re-solves `doc` with its renovation budget one `step` higher and says
/// what changes against `plan`. `None` when the document sets no budget.
///
/// # Errors
/// As [`solve`].
pub fn budget_step(
    doc: &NetworkDoc,
    plan: &Plan,
    step: f64,
    options: &SolveOptions,
) -> Result<Option<BudgetStep>, PlanError> {
    let Some(budget) = doc.policy.renovation_budget else {
        return Ok(None);
    };
    if !(step.is_finite() && step > 0.0) {
        return Err(PlanError::Option {
            field: "budget_step",
            reason: format!("must be a positive amount, got {step}"),
        });
    }
    let mut richer = doc.clone();
    richer.policy.renovation_budget = Some(budget + step);
    let after = solve(&richer, options)?;
    let changed = plan
        .renovations
        .iter()
        .filter_map(|before| {
            let now = after.renovations.iter().find(|r| r.id == before.id)?.start;
            (now != before.start).then(|| (before.id.clone(), before.start, now))
        })
        .collect();
    Ok(Some(BudgetStep {
        budget,
        step,
        objective_before: plan.objective,
        objective_after: after.objective,
        changed,
    }))
}
