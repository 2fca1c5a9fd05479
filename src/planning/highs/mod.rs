//! Everything that touches HiGHS: running a built model with the solve's
//! options (time limit, gap, threads, algorithm, the caller's own HiGHS
//! options), handing it a MIP start, and reading how the run ended
//! ([`run`]); the first-order and repair runs of the fast strategy
//! ([`first_order`]); one model run again with other column bounds, for
//! the time windows ([`windowed`]); what every run shares ([`setup`]); and
//! the C callback that cancels a run and reports a MILP's progress
//! ([`callback`]).

mod callback;
mod first_order;
mod run;
mod setup;
mod windowed;

pub(crate) use first_order::{run_boxed, run_first_order, run_repair, LpData};
pub(crate) use run::{run_highs, run_highs_reporting, Outcome, Run};
pub(crate) use windowed::{lp_of, run_lp, WindowRun};
