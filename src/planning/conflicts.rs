//! Naming what makes a document infeasible: re-solve with slack on every
//! constraint that can conflict (carbon cap, minimum shares, mandatory
//! renovations, budget, concurrency, stock maxima, and a re-plan's frozen
//! production and shipments), minimising total slack,
//! and report the constraints that had to take some. Minimising slack blames
//! one side of a conflict; forbidding slack on each blamed constraint in turn
//! reveals the constraints it conflicts with.

use super::error::PlanError;
use super::formulation::PlanModel;
use super::highs::{run_highs, Outcome};
use super::lp::{Mode, EPS};
use super::network::Network;
use super::options::{Deadline, SolveOptions};
use super::scope::Scope;
use crate::model::Conflict;

/// At most this many extra solves to find the other side of each conflict.
const MAX_PROBES: usize = 8;

/// The constraints that cannot all hold, with how much each had to give.
///
/// # Errors
/// `Solver` when HiGHS fails on the elastic model.
pub(crate) fn find_conflicts(
    net: &Network,
    scope: &Scope,
    options: &SolveOptions,
    deadline: &Deadline,
) -> Result<Vec<Conflict>, PlanError> {
    let Some(mut conflicts) = relaxed(net, scope, options, deadline, &[])? else {
        return Ok(vec![Conflict {
            path: "$".into(),
            reason: "infeasible even with every relaxable constraint relaxed".into(),
        }]);
    };
    let blamed: Vec<String> = conflicts.iter().map(|c| c.path.clone()).collect();
    for path in blamed.into_iter().take(MAX_PROBES) {
        if deadline.expired() {
            break;
        }
        let forbidden = std::slice::from_ref(&path);
        let Some(others) = relaxed(net, scope, options, deadline, forbidden)? else {
            continue;
        };
        for c in others {
            if !conflicts.iter().any(|k| k.path == c.path) {
                conflicts.push(c);
            }
        }
    }
    Ok(conflicts)
}

/// One elastic solve with slack forbidden at `forbidden`; `None` when even
/// that is infeasible.
fn relaxed(
    net: &Network,
    scope: &Scope,
    options: &SolveOptions,
    deadline: &Deadline,
    forbidden: &[String],
) -> Result<Option<Vec<Conflict>>, PlanError> {
    let baseline = options.baseline.as_ref();
    let model = PlanModel::build_with(net, scope, Mode::Elastic(forbidden), baseline);
    let is_mip = model.map.integer_columns > 0;
    let run = run_highs(model, options, is_mip, deadline.remaining())?;
    let Outcome::Solved(values) = run.outcome else {
        return Ok(None);
    };
    let mut conflicts: Vec<Conflict> = Vec::new();
    for r in &run.model_map.relaxations {
        let slack = values.columns[r.col.col];
        if slack <= 1e3 * EPS {
            continue;
        }
        // Per-period relaxations of one field are merged into one conflict.
        let side = if r.excess { "over" } else { "short" };
        let part = format!("{} ({side} by {})", r.what, round6(slack));
        match conflicts.iter_mut().find(|c| c.path == r.path) {
            Some(c) => {
                c.reason.push_str("; ");
                c.reason.push_str(&part);
            }
            None => conflicts.push(Conflict {
                path: r.path.clone(),
                reason: part,
            }),
        }
    }
    Ok(Some(conflicts))
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
