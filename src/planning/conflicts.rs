//! Naming what makes a document infeasible: re-solve with slack on every
//! constraint that can conflict (carbon cap, minimum shares, mandatory
//! renovations, budget, concurrency, stock maxima), minimising total slack,
//! and report the constraints that had to take some.

use super::formulation::{Mode, PlanModel, EPS};
use super::network::Network;
use super::scope::Scope;
use super::solve::{run_highs, Outcome, PlanError, SolveOptions};
use crate::model::Conflict;

/// The constraints that cannot all hold, with how much each had to give.
///
/// # Errors
/// `Solver` when HiGHS fails on the elastic model.
pub(crate) fn find_conflicts(
    net: &Network,
    scope: &Scope,
    options: &SolveOptions,
) -> Result<Vec<Conflict>, PlanError> {
    let model = PlanModel::build(net, scope, Mode::Elastic);
    let is_mip = model.map.integer_columns > 0;
    let run = run_highs(model, options, is_mip, options.time_limit_seconds)?;
    let Outcome::Solved(values) = run.outcome else {
        return Ok(vec![Conflict {
            path: "$".into(),
            reason: "infeasible even with every relaxable constraint relaxed".into(),
        }]);
    };
    let mut conflicts: Vec<Conflict> = Vec::new();
    for r in &run.model_map.relaxations {
        let slack = values.columns[r.col.col];
        if slack <= 1e3 * EPS {
            continue;
        }
        // Per-period relaxations of one field are merged into one conflict.
        match conflicts.iter_mut().find(|c| c.path == r.path) {
            Some(c) => c.reason.push_str(&format!("; {} (short by {:.6})", r.what, slack)),
            None => conflicts.push(Conflict {
                path: r.path.clone(),
                reason: format!("{} (short by {:.6})", r.what, slack),
            }),
        }
    }
    Ok(conflicts)
}
