//! A solve job as data: which network version to plan, how (a plain solve
//! or a re-plan against a base plan) and with which solver options. A spec
//! is all a worker needs, together with the store, to produce the plan, so
//! it can wait in a queue shared by several processes and be run again by
//! another worker when the first one dies.

use crate::planning::{LpAlgorithm, SolveOptions, Strategy};
use serde::{Deserialize, Serialize};

/// One solve job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    pub job_id: String,
    /// The id the plan is stored under.
    pub plan_id: String,
    pub network_id: String,
    pub network_version: u64,
    pub options: JobOptions,
    pub kind: JobKind,
}

impl JobSpec {
    /// A spec with fresh job and plan ids (`job-<uuid>`, `plan-<uuid>`).
    pub fn new(
        network_id: &str,
        network_version: u64,
        options: &SolveOptions,
        kind: JobKind,
    ) -> Self {
        let id = uuid::Uuid::new_v4();
        JobSpec {
            job_id: format!("job-{id}"),
            plan_id: format!("plan-{id}"),
            network_id: network_id.to_string(),
            network_version,
            options: JobOptions::from(options),
            kind,
        }
    }
}

/// What the job computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobKind {
    /// the optimum (docs/model.md §4) of the network version.
    Solve,
    /// A re-plan against a base plan: frozen fence and stability penalty.
    Replan {
        base_plan_id: String,
        freeze_until: u32,
        stability_penalty: f64,
        /// Started by a change under an automatic policy, not by a caller.
        automatic: bool,
        /// Publish the plan once it has a solution.
        publish_when_done: bool,
        /// Enterprises or lines whose change caused the re-plan.
        causes: Vec<String>,
    },
}

/// The solver options a job carries; the cancel flag, the progress callback
/// and the baseline belong to the worker that runs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobOptions {
    pub time_limit_seconds: Option<f64>,
    pub relative_gap: Option<f64>,
    pub threads: Option<u32>,
    pub lp_algorithm: LpAlgorithm,
    pub solver_log: bool,
    pub highs_options: Vec<(String, String)>,
    /// The memory budget of the submitting server (see
    /// [`SolveOptions::max_model_mb`]).
    #[serde(default)]
    pub max_model_mb: Option<u64>,
    #[serde(default)]
    pub strategy: Strategy,
}

impl From<&SolveOptions> for JobOptions {
    fn from(o: &SolveOptions) -> JobOptions {
        JobOptions {
            time_limit_seconds: o.time_limit_seconds,
            relative_gap: o.relative_gap,
            threads: o.threads,
            lp_algorithm: o.lp_algorithm,
            solver_log: o.solver_log,
            highs_options: o.highs_options.clone(),
            max_model_mb: o.max_model_mb,
            strategy: o.strategy,
        }
    }
}

impl JobOptions {
    /// The solve options, without cancel flag, progress or baseline.
    pub fn to_solve_options(&self) -> SolveOptions {
        SolveOptions {
            time_limit_seconds: self.time_limit_seconds,
            relative_gap: self.relative_gap,
            threads: self.threads,
            lp_algorithm: self.lp_algorithm,
            solver_log: self.solver_log,
            highs_options: self.highs_options.clone(),
            max_model_mb: self.max_model_mb,
            strategy: self.strategy,
            ..SolveOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replan_spec_round_trips_through_json() {
        let options = SolveOptions {
            time_limit_seconds: Some(12.5),
            relative_gap: Some(1e-4),
            lp_algorithm: LpAlgorithm::Simplex,
            highs_options: vec![("presolve".into(), "off".into())],
            ..SolveOptions::default()
        };
        let spec = JobSpec::new(
            "demo",
            3,
            &options,
            JobKind::Replan {
                base_plan_id: "plan-1".into(),
                freeze_until: 2,
                stability_penalty: 0.5,
                automatic: true,
                publish_when_done: false,
                causes: vec!["gearworks".into()],
            },
        );
        let text = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<JobSpec>(&text).unwrap(), spec);
        assert!(spec.job_id.starts_with("job-") && spec.plan_id.starts_with("plan-"));
        assert_eq!(spec.job_id[4..], spec.plan_id[5..]);
        let back = spec.options.to_solve_options();
        assert_eq!(back.time_limit_seconds, Some(12.5));
        assert_eq!(back.lp_algorithm, LpAlgorithm::Simplex);
        assert_eq!(back.highs_options, options.highs_options);
    }
}
