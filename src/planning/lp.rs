//! The building blocks of an LP/MILP over good_lp: columns (with the
//! objective they carry), rows, the modes a model is built in, and what a
//! slack column relaxes. `formulation` builds the model of docs/model.md from them;
//! `fence` and `lot_sizing` add their columns and rows with them.

use good_lp::solvers::highs::HighsProblem;
use good_lp::{variable, Constraint, Expression, ProblemVariables, SolverModel, Variable};
use std::collections::HashSet;

/// A decision column: the good_lp variable and its column in HiGHS.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Col {
    pub var: Variable,
    pub col: usize,
}

/// Units made by an operation in a period, split by whether its line's
/// renovation is done (item 8 of section 3 prices the two parts differently).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Making {
    pub before: Option<Col>,
    pub after: Option<Col>,
}

impl Making {
    pub(crate) fn cols(&self) -> impl Iterator<Item = Col> {
        self.before.into_iter().chain(self.after)
    }
}

/// Which variant of the model to build.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mode<'a> {
    /// The model as docs/model.md states it.
    Exact,
    /// Binaries fixed to these values (setups then starts, in column order).
    FixedIntegers(&'a [f64]),
    /// Slack on the constraints that can conflict, except those at the
    /// given paths; minimise total slack.
    Elastic(&'a [String]),
}

/// What a slack column relaxes, for naming conflicts.
#[derive(Debug, Clone)]
pub(crate) struct Relaxation {
    pub path: String,
    pub what: String,
    pub col: Col,
    /// The slack lets the quantity exceed what is asked (a frozen quantity
    /// made or shipped in excess), rather than fall short of it.
    pub excess: bool,
}

/// Values below this are solver noise.
pub(crate) const EPS: f64 = 1e-9;

/// The columns of a model being built, with its objective.
pub(crate) struct Columns<'a> {
    vars: ProblemVariables,
    objective: Expression,
    /// The objective's constant term, which good_lp does not hand HiGHS:
    /// the model sets it as HiGHS' objective offset.
    constant: f64,
    count: usize,
    integers: usize,
    mode: Mode<'a>,
    fixed_next: usize,
    /// Columns of binaries fixed to 1 (only in `Mode::FixedIntegers`).
    fixed_on: HashSet<usize>,
}

/// What the columns came to: the variables, the objective so far, and the
/// column and integer counts.
pub(crate) struct BuiltColumns {
    pub vars: ProblemVariables,
    pub objective: Expression,
    /// The objective's constant term (see [`Columns::add_constant`]).
    pub constant: f64,
    pub count: usize,
    pub integers: usize,
}

impl<'a> Columns<'a> {
    /// No columns yet, for a model of `mode`.
    pub(crate) fn new(mode: Mode<'a>) -> Columns<'a> {
        Columns {
            vars: ProblemVariables::new(),
            objective: Expression::with_capacity(1024),
            constant: 0.0,
            count: 0,
            integers: 0,
            mode,
            fixed_next: 0,
            fixed_on: HashSet::new(),
        }
    }

    /// The columns added, to make the problem from.
    pub(crate) fn finish(self) -> BuiltColumns {
        BuiltColumns {
            vars: self.vars,
            objective: self.objective,
            constant: self.constant,
            count: self.count,
            integers: self.integers,
        }
    }

    /// The mode the model is built in.
    pub(crate) fn mode(&self) -> Mode<'a> {
        self.mode
    }

    /// Binaries fixed to 1 so far (only in `Mode::FixedIntegers`).
    pub(crate) fn fixed_on(&self) -> &HashSet<usize> {
        &self.fixed_on
    }

    pub(crate) fn add(&mut self, upper: f64, cost: f64) -> Col {
        let def = if upper.is_finite() {
            variable().min(0.0).max(upper)
        } else {
            variable().min(0.0)
        };
        self.push(def, cost)
    }

    /// A binary column; in `Mode::FixedIntegers`, a column fixed to the
    /// next given value.
    pub(crate) fn binary(&mut self, cost: f64) -> Col {
        let def = match self.mode {
            Mode::FixedIntegers(values) => {
                let v = values.get(self.fixed_next).copied().unwrap_or(0.0).round();
                self.fixed_next += 1;
                if v > 0.5 {
                    self.fixed_on.insert(self.count);
                }
                variable().min(v).max(v)
            }
            _ => {
                self.integers += 1;
                variable().binary()
            }
        };
        self.push(def, cost)
    }

    fn push(&mut self, def: good_lp::variable::VariableDefinition, cost: f64) -> Col {
        let var = self.vars.add(def);
        let col = self.count;
        self.count += 1;
        if cost != 0.0 && !matches!(self.mode, Mode::Elastic(_)) {
            self.objective.add_mul(cost, var);
        }
        Col { var, col }
    }

    /// Adds a constant to the objective: a cost no decision can change.
    pub(crate) fn add_constant(&mut self, cost: f64) {
        self.constant += cost;
    }

    /// Adds `cost` per unit of an existing column to the objective (not in
    /// elastic mode, which minimises slack only).
    pub(crate) fn add_cost(&mut self, col: &Col, cost: f64) {
        if cost != 0.0 && !self.is_elastic() {
            self.objective.add_mul(cost, col.var);
        }
    }

    pub(crate) fn is_elastic(&self) -> bool {
        matches!(self.mode, Mode::Elastic(_))
    }

    /// Whether an elastic re-solve may relax the constraint at `path`.
    pub(crate) fn may_relax(&self, path: &str) -> bool {
        match self.mode {
            Mode::Elastic(forbidden) => !forbidden.iter().any(|p| p == path),
            _ => false,
        }
    }

    /// A slack column priced 1 (held at 0 unless `allowed`).
    pub(crate) fn slack(&mut self, allowed: bool) -> Col {
        let upper = if allowed { f64::INFINITY } else { 0.0 };
        let var = self.vars.add(variable().min(0.0).max(upper));
        let col = self.count;
        self.count += 1;
        self.objective.add_mul(1.0, var);
        Col { var, col }
    }
}

/// The period of a row that spans the horizon (a demand's total, a share,
/// the carbon cap) in [`Rows::periods`].
pub(crate) const WHOLE_HORIZON: u32 = u32::MAX;

/// The rows of a model being built.
pub(crate) struct Rows {
    problem: HighsProblem,
    count: usize,
    /// The period each row belongs to, or [`WHOLE_HORIZON`]: the time
    /// windows (`windows`) take each period's duals from the window that
    /// settled it.
    periods: Vec<u32>,
    period: u32,
}

impl Rows {
    /// No rows yet, on the problem made from the columns.
    pub(crate) fn new(problem: HighsProblem) -> Rows {
        Rows {
            problem,
            count: 0,
            periods: Vec::new(),
            period: WHOLE_HORIZON,
        }
    }

    /// The rows added from now on belong to period `t`, or to the whole
    /// horizon with `None`.
    pub(crate) fn in_period(&mut self, t: Option<usize>) {
        self.period = t.map_or(WHOLE_HORIZON, |t| u32::try_from(t).unwrap_or(WHOLE_HORIZON));
    }

    /// Each row's period, as [`Rows::in_period`] set it.
    pub(crate) fn periods(&self) -> &[u32] {
        &self.periods
    }

    /// How many rows were added.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The problem with its rows.
    pub(crate) fn into_problem(self) -> HighsProblem {
        self.problem
    }

    pub(crate) fn add(&mut self, c: Constraint) -> usize {
        self.problem.add_constraint(c);
        self.periods.push(self.period);
        self.count += 1;
        self.count - 1
    }
}

/// `sum a * col` over the given pairs.
pub(crate) fn sum_of<'c>(cols: impl IntoIterator<Item = (f64, &'c Col)>) -> Expression {
    let mut e = Expression::with_capacity(4);
    for (a, c) in cols {
        e.add_mul(a, c.var);
    }
    e
}
