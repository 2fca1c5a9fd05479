//! The time-window strategy (relax-and-fix over overlapping windows): a
//! feasible plan of a long LP from LPs a few periods wide, with a valid
//! bound.
//!
//! The horizon is cut into windows of [`WindowShape::length`] periods,
//! each starting [`WindowShape::commit`] periods after the last. A window
//! is the whole model with
//! - every production, flow and delivery of the periods before it held at
//!   the value an earlier window settled;
//! - every production, flow and delivery of the periods after it held at
//!   zero: the window plans as if the horizon ended with it, so what its
//!   last periods would build for later demand is left to the next window,
//!   which sees that demand (hence the overlap);
//! - stock, shortfall and unmet demand free everywhere, so every row holds
//!   whatever was settled: receipts after the window go to stock, demand
//!   after it is unmet until a later window serves it.
//!
//! Presolve removes what is held, so each run is an LP of a window's size:
//! on chains whose exact solve grows much faster than the horizon, a few
//! small solves beat one large one. The first window's plan, extended by
//! the held zeros, is feasible for the second window, and so on, so every
//! window has a plan; the last window's is a plan of the whole horizon.
//!
//! The bound is the Lagrangian bound (`bound`) at duals pieced together
//! from the windows: each period's rows take the duals of the window that
//! settled the period, rows over the whole horizon those of the last.
//!
//! Only a linear program: setups and renovation starts couple periods in
//! ways held zeros do not respect. A re-plan is repaired or solved
//! exactly instead (its fence holds decisions of its own).

use super::block_bound::{block_bound, Blocks};
use super::bound::plan_bound;
use super::error::PlanError;
use super::extract::{extract_plan, RowDuals, SolvedValues};
use super::fast::{relative_gap, Round};
use super::formulation::{Goals, ModelMap, PlanModel};
use super::highs::{lp_of, run_lp, LpData, WindowRun};
use super::implied::implied_upper;
use super::lp::{Mode, WHOLE_HORIZON};
use super::network::Network;
use super::options::{solver_threads, Deadline, LpAlgorithm, SolveOptions};
use super::progress::{Phase, Ticker};
use super::scope::Scope;
use crate::model::{NetworkDoc, PlanStatus};
use std::time::Instant;

/// How the horizon is cut into windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WindowShape {
    /// Periods each window plans.
    pub length: usize,
    /// Periods each window settles before the next starts: the rest of the
    /// window is look-ahead. At least 1 and at most `length`.
    pub commit: usize,
}

impl WindowShape {
    /// The passes the strategy makes: a first plan from short windows, then
    /// a better one from a longer look-ahead. On Willems chain 38 the first
    /// comes in 65 s, 5.5 % above the optimum; the second in another 195 s,
    /// 0.75 % above it, both passes within 300 s (`docs/performance.md`).
    pub(crate) const PASSES: [WindowShape; 2] = [
        WindowShape {
            length: 7,
            commit: 4,
        },
        WindowShape {
            length: 9,
            commit: 4,
        },
    ];

    /// The windows of a horizon of `periods`: `(first, settled_until,
    /// end)` each, the window planning `first..end` and settling
    /// `first..settled_until`. The last window reaches the end and settles
    /// it.
    pub(crate) fn windows(self, periods: usize) -> Vec<(usize, usize, usize)> {
        let length = self.length.max(1);
        let commit = self.commit.clamp(1, length);
        let mut windows = Vec::new();
        let mut first = 0;
        while first < periods {
            let end = (first + length).min(periods);
            let settled = if end == periods { end } else { first + commit };
            windows.push((first, settled, end));
            first = settled;
        }
        windows
    }
}

/// The time-window strategy on a linear program.
///
/// # Errors
/// `Cancelled` when the solve is cancelled; `Solver` when HiGHS fails.
pub(crate) fn solve_windows(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
    deadline: &Deadline,
    shape: WindowShape,
) -> Result<Round, PlanError> {
    let started = Instant::now();
    let ticker = Ticker::start(options.progress.clone(), started);
    ticker.phase(Phase::Build);
    let net = Network::resolve(doc);
    let scope = Scope::of(&net);
    let model = PlanModel::build_goals(&net, &scope, Mode::Exact, None, goals);
    if model.map.integer_columns > 0 {
        return Ok(Round::NotLinear);
    }
    let (lp, map) = lp_of(model, options)?;
    let build_seconds = started.elapsed().as_secs_f64();

    ticker.phase(Phase::Solve);
    let solve_started = Instant::now();
    let (columns, rows) = (lp.cost.len(), lp.row_lower.len());
    let Some(period_of) = column_periods(&net, &map) else {
        return Ok(Round::NoPlan);
    };
    if period_of.len() != columns || map.row_period.len() != rows {
        return Err(PlanError::Solver(
            "the window map does not match the model".into(),
        ));
    }
    let solver = window_algorithm(doc, options);
    let mut values = vec![0.0; columns];
    let mut duals = vec![0.0; rows];
    // A flow settled with its departure must be able to arrive within the
    // window that settles it.
    let longest_lead = net.lanes.iter().map(|e| e.lead_time).max().unwrap_or(0);
    let shape = WindowShape {
        length: shape.length.max(shape.commit + longest_lead),
        ..shape
    };
    let windows = shape.windows(net.periods);
    // The block of periods each window settles, for the bound.
    let mut block_of_period = vec![0; net.periods];
    for (k, &(first, settled, _)) in windows.iter().enumerate() {
        for block in &mut block_of_period[first..settled] {
            *block = k;
        }
    }
    let block_of: Vec<usize> = period_of
        .iter()
        .map(|p| block_of_period.get(p.period()).copied().unwrap_or(0))
        .collect();
    // The earliest block each row reaches: a row between blocks is priced
    // by the window that settled the earlier one, in which the row lies
    // in the look-ahead with both sides free, so its dual agrees with the
    // earlier block's. The later window sees the earlier side held, and
    // prices the row by what more of it would be worth there.
    let mut first_block = vec![usize::MAX; rows];
    for (j, &b) in block_of.iter().enumerate() {
        for &i in &lp.index[lp.start[j]..lp.start[j + 1]] {
            first_block[i] = first_block[i].min(b);
        }
    }
    let mut link_duals = vec![0.0; rows];
    for (k, &(first, settled, end)) in windows.iter().enumerate() {
        let window = Window::cut(&lp, &period_of, &map.row_period, &values, first, end);
        let solved = match run_lp(&window.lp, options, solver, deadline.remaining())? {
            WindowRun::Solved(solved) => solved,
            // A window cut short by the deadline settles nothing, and an
            // infeasible one (a stock maximum the held arrivals overflow)
            // has no plan to give: the caller goes on without this strategy.
            WindowRun::Nothing => return Ok(Round::NoPlan),
        };
        for (&j, &v) in window.columns.iter().zip(&solved.columns) {
            values[j] = v;
        }
        let last = settled == net.periods;
        for (&i, &dual) in window.rows.iter().zip(&solved.row_duals) {
            let period = map.row_period[i];
            let settles = period == WHOLE_HORIZON
                || (period as usize >= first && (last || (period as usize) < settled));
            if settles {
                duals[i] = dual;
            }
            if first_block[i] == k || period == WHOLE_HORIZON {
                link_duals[i] = dual;
            }
        }
    }
    let plan_seconds = started.elapsed().as_secs_f64();
    let cost = lp.cost_of(&values);
    let bound = match implied_upper(&net, &map, &lp, cost) {
        Some(implied) => {
            let relaxed = plan_bound(&lp, &duals, &implied, cost);
            let blocks = Blocks {
                of_column: &block_of,
                count: windows.len(),
            };
            let decomposed = block_bound(
                &lp,
                &blocks,
                &link_duals,
                &implied,
                options,
                solver,
                deadline,
            )?
            .map(|b| b.min(cost));
            match (relaxed, decomposed) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            }
        }
        None => None,
    };
    let solve_seconds = solve_started.elapsed().as_secs_f64();

    ticker.phase(Phase::Extract);
    let extract_started = Instant::now();
    let solved = SolvedValues {
        columns: values,
        row_duals: duals,
        bound: bound.unwrap_or(f64::NEG_INFINITY),
        gap: 1.0,
        proven: false,
    };
    // Each period's capacities are priced by the window that settled it.
    let mut plan = extract_plan(
        &net,
        &map,
        &solved,
        Some(RowDuals {
            map: &map,
            duals: &solved.row_duals,
        }),
    );
    plan.status = PlanStatus::Feasible;
    plan.bound = bound;
    plan.gap = match (plan.objective, bound) {
        (Some(objective), Some(bound)) => Some(relative_gap(objective, bound)),
        _ => None,
    };
    plan.stats.variables = map.columns;
    plan.stats.integer_variables = map.integer_columns;
    plan.stats.constraints = map.rows;
    plan.stats.build_seconds = build_seconds;
    plan.stats.solve_seconds = solve_seconds;
    plan.stats.extract_seconds = extract_started.elapsed().as_secs_f64();
    plan.stats.threads = solver_threads(options.threads);
    // The plan was there before its bound.
    plan.stats.first_plan_seconds = Some(plan_seconds);
    Ok(Round::Plan(Box::new(plan)))
}

/// The LP algorithm of a window: as asked, or by the chain's shape, as for
/// the exact solve (`LpAlgorithm::for_document`) but without its site
/// limit: a window is a fraction of the whole model.
fn window_algorithm(doc: &NetworkDoc, options: &SolveOptions) -> &'static str {
    match options.lp_algorithm {
        LpAlgorithm::Auto => {
            let simple_lanes = doc
                .lanes
                .iter()
                .all(|e| e.items.len() <= 1 && e.capacity.is_none());
            if simple_lanes {
                LpAlgorithm::Simplex.as_str()
            } else {
                LpAlgorithm::Ipm.as_str()
            }
        }
        other => other.highs_solver(),
    }
}

/// What a column is to the windows, by its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnPeriod {
    /// Production or a delivery in a period: settled by the window that
    /// settles the period, zero after a window.
    Decision(usize),
    /// A flow by its departure and arrival: as a decision of its
    /// departure, and zero in a window it would arrive after, where it
    /// could only cost.
    Flow(usize, usize),
    /// Stock or a safety shortfall at the end of a period.
    State(usize),
    /// A demand's unmet units, by the demand's due period: free in every
    /// window that reaches the due period.
    Unmet(usize),
}

impl ColumnPeriod {
    /// The period whose block the column lies in for the bound: a flow's
    /// departure, a demand's due period.
    fn period(self) -> usize {
        match self {
            ColumnPeriod::Decision(t)
            | ColumnPeriod::State(t)
            | ColumnPeriod::Flow(t, _)
            | ColumnPeriod::Unmet(t) => t,
        }
    }
}

/// Each column's [`ColumnPeriod`]; `None` when a column is none of them
/// (the model is not a linear program of a cold solve).
fn column_periods(net: &Network, map: &ModelMap) -> Option<Vec<ColumnPeriod>> {
    let mut period = vec![None; map.columns];
    let mut set = |col: usize, p: ColumnPeriod| {
        if let Some(slot) = period.get_mut(col) {
            *slot = Some(p);
        }
    };
    for making in &map.making {
        for (t, m) in making.iter().enumerate() {
            for c in m.cols() {
                set(c.col, ColumnPeriod::Decision(t));
            }
        }
    }
    for (lane, flows) in net.lanes.iter().zip(&map.flow) {
        for flow in flows {
            for (t, f) in flow.iter().enumerate() {
                if let Some(c) = f {
                    set(c.col, ColumnPeriod::Flow(t, t + lane.lead_time));
                }
            }
        }
    }
    for delivered in &map.delivered {
        for (t, c) in delivered {
            set(c.col, ColumnPeriod::Decision(*t));
        }
    }
    for states in map.stock.iter().chain(map.shortfall.iter().flatten()) {
        for (t, c) in states.iter().enumerate() {
            set(c.col, ColumnPeriod::State(t));
        }
    }
    for (d, c) in map.unmet.iter().enumerate() {
        set(c.col, ColumnPeriod::Unmet(net.demands.get(d)?.due));
    }
    period.into_iter().collect()
}

/// A value below this is taken as zero when held: an LP solution carries
/// round-off such as 1e-13, which HiGHS warns of as a bound and which
/// holds nothing.
const ROUND_OFF: f64 = 1e-9;

/// One window's LP: the columns free in it and the rows they reach before
/// its end, each row's bounds less what the held columns contribute.
struct Window {
    lp: LpData,
    /// The whole LP's column of each of the window's.
    columns: Vec<usize>,
    /// The whole LP's row of each of the window's.
    rows: Vec<usize>,
}

impl Window {
    /// The window `first..end` of `lp`, the columns before it held at
    /// `settled` and those after it at zero. The rows after the window are
    /// left out: with every decision after it zero they only carry stock.
    fn cut(
        lp: &LpData,
        period_of: &[ColumnPeriod],
        row_period: &[u32],
        settled: &[f64],
        first: usize,
        end: usize,
    ) -> Window {
        let free = |p: ColumnPeriod| match p {
            ColumnPeriod::Decision(t) | ColumnPeriod::State(t) => t >= first && t < end,
            ColumnPeriod::Flow(t, arrival) => t >= first && arrival < end,
            ColumnPeriod::Unmet(due) => due < end,
        };
        let row_in = |i: usize| {
            let p = row_period[i];
            p == WHOLE_HORIZON || (p as usize) < end
        };
        // What the held columns put into each row.
        let mut held = vec![0.0; lp.row_lower.len()];
        let mut columns = Vec::new();
        for (j, &p) in period_of.iter().enumerate() {
            if free(p) {
                columns.push(j);
                continue;
            }
            let v = match p {
                ColumnPeriod::Decision(t) | ColumnPeriod::State(t) | ColumnPeriod::Flow(t, _)
                    if t < first =>
                {
                    settled[j]
                }
                _ => 0.0,
            };
            let v = if v.abs() < ROUND_OFF {
                0.0
            } else {
                v.clamp(lp.col_lower[j], lp.col_upper[j])
            };
            if v != 0.0 {
                for k in lp.start[j]..lp.start[j + 1] {
                    held[lp.index[k]] += lp.value[k] * v;
                }
            }
        }
        let mut row_of = vec![usize::MAX; lp.row_lower.len()];
        let mut rows = Vec::new();
        for &j in &columns {
            for k in lp.start[j]..lp.start[j + 1] {
                let i = lp.index[k];
                if row_of[i] == usize::MAX && row_in(i) {
                    row_of[i] = 0;
                }
            }
        }
        for (i, slot) in row_of.iter_mut().enumerate() {
            if *slot == 0 {
                *slot = rows.len();
                rows.push(i);
            }
        }
        let mut window = LpData {
            offset: 0.0,
            start: vec![0],
            ..LpData::default()
        };
        for &j in &columns {
            window.cost.push(lp.cost[j]);
            window.col_lower.push(lp.col_lower[j]);
            window.col_upper.push(lp.col_upper[j]);
            for k in lp.start[j]..lp.start[j + 1] {
                let r = row_of[lp.index[k]];
                if r != usize::MAX {
                    window.index.push(r);
                    window.value.push(lp.value[k]);
                }
            }
            window.start.push(window.index.len());
        }
        for &i in &rows {
            window.row_lower.push(lp.row_lower[i] - held[i]);
            window.row_upper.push(lp.row_upper[i] - held[i]);
        }
        Window {
            lp: window,
            columns,
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_overlap_and_settle_every_period_once() {
        let shape = WindowShape {
            length: 7,
            commit: 4,
        };
        assert_eq!(shape.windows(12), vec![(0, 4, 7), (4, 8, 11), (8, 12, 12)]);
        assert_eq!(shape.windows(7), vec![(0, 7, 7)]);
        assert_eq!(shape.windows(3), vec![(0, 3, 3)]);
        assert_eq!(shape.windows(0), vec![]);
        // A commit beyond the length is the length: no period is skipped.
        let wide = WindowShape {
            length: 3,
            commit: 9,
        };
        assert_eq!(wide.windows(7), vec![(0, 3, 3), (3, 6, 6), (6, 7, 7)]);
    }
}
