//! Everything that touches HiGHS: running a built model with the solve's
//! options (time limit, gap, threads, algorithm, the caller's own HiGHS
//! options), handing it a MIP start, and reading how the run ended
//! ([`run`]); the first-order and repair runs of the fast strategy
//! ([`first_order`]); what every run shares ([`setup`]); and the C callback
//! that cancels a run and reports a MILP's progress ([`callback`]).

mod callback;
mod first_order;
mod run;
mod setup;

pub(crate) use first_order::{run_first_order, run_repair, LpData};
pub(crate) use run::{run_highs, run_highs_reporting, Outcome, Run};
