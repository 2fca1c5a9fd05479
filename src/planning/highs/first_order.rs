//! The two HiGHS runs of the fast strategy on a large LP. The first-order
//! run is PDLP (HiGHS' primal-dual hybrid gradient) stopped at a loose KKT
//! tolerance: no factorisation, so it gets near the optimum of models whose
//! interior point factor does not fit, and, stopping at its own tolerance
//! rather than at a time limit, it hands back its primal and dual iterates
//! (HiGHS discards them at a time limit). With them comes the LP's data, for
//! the bound. The repair run is the same LP with chosen columns boxed (around
//! the iterate), solved exactly.

use super::callback::run_watched;
use super::setup::{configure, has_solution, has_values, prepare, set_highs_option};
use crate::planning::error::PlanError;
use crate::planning::extract::SolvedValues;
use crate::planning::formulation::{ModelMap, PlanModel};
use crate::planning::options::{check_cancel, SolveOptions};
use highs::HighsModelStatus;
use highs_sys::HighsInt;

/// HiGHS' own KKT tolerance, restored for the exact repair run.
const DEFAULT_KKT_TOLERANCE: f64 = 1e-7;

/// An LP as HiGHS holds it: `min cost·x + offset` subject to
/// `row_lower <= A x <= row_upper` and `col_lower <= x <= col_upper`, with
/// `A` column-wise.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LpData {
    pub cost: Vec<f64>,
    pub col_lower: Vec<f64>,
    pub col_upper: Vec<f64>,
    pub row_lower: Vec<f64>,
    pub row_upper: Vec<f64>,
    /// Column `j`'s entries are `start[j]..start[j + 1]` of `index`/`value`.
    pub start: Vec<usize>,
    pub index: Vec<usize>,
    pub value: Vec<f64>,
    pub offset: f64,
}

impl LpData {
    /// The objective at column values `x`, its constant term included.
    pub fn cost_of(&self, x: &[f64]) -> f64 {
        self.offset + self.cost.iter().zip(x).map(|(c, x)| c * x).sum::<f64>()
    }
}

/// A first-order run that reached its tolerance.
pub(crate) struct FirstOrder {
    pub columns: Vec<f64>,
    pub row_duals: Vec<f64>,
    pub lp: LpData,
    /// The model, to be solved again with boxed columns.
    model: highs::Model,
}

impl FirstOrder {
    /// Puts `model` in place of the LP the run solved, for the repair: a
    /// re-plan's first-order run leaves out the stability penalty (its
    /// absolute values slow PDLP down by far), and its repair solves the
    /// re-plan itself. Returns the new model's map. The production and
    /// flow columns, which the repair boxes, must be the same in both
    /// (the caller checks).
    ///
    /// # Errors
    /// `Cancelled` or `Solver`, as a build of the model.
    pub(crate) fn repair_as(
        mut self,
        model: PlanModel,
        options: &SolveOptions,
        time_limit: Option<f64>,
    ) -> Result<(FirstOrder, ModelMap), PlanError> {
        let (highs_model, map, _) = prepare(model, options, time_limit)?;
        self.model = highs_model;
        Ok((self, map))
    }
}

/// Runs PDLP on a built LP until its relative KKT errors are within
/// `tolerance`. `None` when it does not get there within `time_limit`.
///
/// # Errors
/// `Cancelled` when the solve is cancelled; `Solver` when HiGHS fails.
pub(crate) fn run_first_order(
    model: PlanModel,
    options: &SolveOptions,
    time_limit: Option<f64>,
    tolerance: f64,
) -> Result<Option<(FirstOrder, ModelMap)>, PlanError> {
    let (mut highs_model, map, threads) = prepare(model, options, time_limit)?;
    highs_model.set_option("solver", "pdlp");
    highs_model.set_option("kkt_tolerance", tolerance);
    for (name, value) in &options.highs_options {
        set_highs_option(&mut highs_model, name, value)?;
    }
    let mut solved = run_watched(highs_model, threads, options.cancel.as_ref(), None)?;
    match solved.status() {
        HighsModelStatus::ReachedInterrupt => return Err(PlanError::Cancelled),
        // PDLP stops on its own tolerances, measured on the scaled model;
        // HiGHS then checks the unscaled one and, finding it a little off,
        // says `Unknown`. The iterate is what the repair is for, and any
        // dual gives a valid bound.
        HighsModelStatus::Optimal | HighsModelStatus::Unknown if has_values(&solved) => {}
        _ => return Ok(None),
    }
    let solution = solved.get_solution();
    let columns = solution.columns().to_vec();
    let row_duals = solution.dual_rows().to_vec();
    let lp = lp_data(&mut solved)?;
    Ok(Some((
        FirstOrder {
            columns,
            row_duals,
            lp,
            model: highs::Model::from(solved),
        },
        map,
    )))
}

/// Solves the first-order run's LP again, exactly, with each column of
/// `boxes` held within its `(column, lower, upper)`.
///
/// # Errors
/// `Cancelled` when the solve is cancelled; `Solver` when HiGHS fails.
pub(crate) fn run_repair(
    first: FirstOrder,
    boxes: &[(usize, f64, f64)],
    options: &SolveOptions,
    time_limit: Option<f64>,
) -> Result<Option<SolvedValues>, PlanError> {
    check_cancel(options)?;
    let mut model = first.model;
    let threads = configure(&mut model, options, time_limit);
    // HiGHS measures its time limit on the object's clock, which still
    // holds the first-order run's time: restart it, so the repair gets the
    // time it is given.
    // SAFETY: the live Highs object `model` owns.
    unsafe { highs_sys::Highs_zeroAllClocks(model.as_mut_ptr()) };
    // Measured on generated chains: the interior point method solves what
    // presolve leaves of the repair LP faster than simplex.
    model.set_option("solver", "ipm");
    model.set_option("kkt_tolerance", DEFAULT_KKT_TOLERANCE);
    let set: Vec<HighsInt> = boxes
        .iter()
        .map(|(c, _, _)| HighsInt::try_from(*c).unwrap_or(HighsInt::MAX))
        .collect();
    let lower: Vec<f64> = boxes.iter().map(|(_, l, _)| *l).collect();
    let upper: Vec<f64> = boxes.iter().map(|(_, _, u)| *u).collect();
    let count = HighsInt::try_from(set.len()).map_err(|e| PlanError::Solver(e.to_string()))?;
    // SAFETY: the live Highs object `model` owns; the three arrays hold
    // `count` entries each and outlive the call, which copies them.
    let changed = unsafe {
        highs_sys::Highs_changeColsBoundsBySet(
            model.as_mut_ptr(),
            count,
            set.as_ptr(),
            lower.as_ptr(),
            upper.as_ptr(),
        )
    };
    if changed == highs_sys::STATUS_ERROR {
        return Err(PlanError::Solver("HiGHS refused the repair bounds".into()));
    }
    let solved = run_watched(model, threads, options.cancel.as_ref(), None)?;
    Ok(match solved.status() {
        HighsModelStatus::Optimal => Some(SolvedValues::read(&solved, false, false)),
        HighsModelStatus::ReachedInterrupt if !has_solution(&solved) => {
            return Err(PlanError::Cancelled)
        }
        _ if has_solution(&solved) => Some(SolvedValues::read(&solved, false, false)),
        _ => None,
    })
}

/// Solves `model` exactly with the columns `boxes_of` its map picks held
/// within their boxes: the repair run without a first-order run before it
/// (a re-plan's base plan, repaired). `None` when no plan comes within
/// `time_limit`.
///
/// # Errors
/// `Cancelled` when the solve is cancelled; `Solver` when HiGHS fails.
pub(crate) fn run_boxed(
    model: PlanModel,
    boxes_of: impl FnOnce(&ModelMap) -> Vec<(usize, f64, f64)>,
    options: &SolveOptions,
    time_limit: Option<f64>,
) -> Result<Option<(SolvedValues, ModelMap)>, PlanError> {
    let (highs_model, map, _) = prepare(model, options, time_limit)?;
    let boxes = boxes_of(&map);
    let held = FirstOrder {
        columns: Vec::new(),
        row_duals: Vec::new(),
        lp: LpData::default(),
        model: highs_model,
    };
    Ok(run_repair(held, &boxes, options, time_limit)?.map(|values| (values, map)))
}

/// The LP HiGHS holds after a run.
pub(super) fn lp_data(solved: &mut highs::SolvedModel) -> Result<LpData, PlanError> {
    // SAFETY: the live Highs object `solved` owns.
    unsafe { read_lp(solved.as_mut_ptr()) }
}

/// The LP HiGHS holds before a run.
pub(super) fn lp_data_before(model: &mut highs::Model) -> Result<LpData, PlanError> {
    // SAFETY: the live Highs object `model` owns.
    unsafe { read_lp(model.as_mut_ptr()) }
}

/// The LP of the Highs object `highs`.
///
/// # Safety
/// `highs` is a live Highs object.
unsafe fn read_lp(highs: *mut std::ffi::c_void) -> Result<LpData, PlanError> {
    let failed = |what: &str| PlanError::Solver(format!("reading the LP's {what} from HiGHS"));
    // SAFETY: `highs` is a live Highs object (the function's contract);
    // every array passed has the length HiGHS writes into it (the column and row counts
    // HiGHS reports, and the nonzero count of the first, sizing call).
    unsafe {
        let cols = highs_sys::Highs_getNumCol(highs);
        let rows = highs_sys::Highs_getNumRow(highs);
        let (n, m) = (
            usize::try_from(cols).map_err(|_| failed("size"))?,
            usize::try_from(rows).map_err(|_| failed("size"))?,
        );
        let mut lp = LpData {
            cost: vec![0.0; n],
            col_lower: vec![0.0; n],
            col_upper: vec![0.0; n],
            row_lower: vec![0.0; m],
            row_upper: vec![0.0; m],
            ..LpData::default()
        };
        let mut got: HighsInt = 0;
        let mut nonzeros: HighsInt = 0;
        if n > 0 {
            let null = std::ptr::null_mut();
            if !read_cols(
                highs,
                &mut lp,
                &mut nonzeros,
                null,
                null,
                std::ptr::null_mut(),
            ) {
                return Err(failed("columns"));
            }
            let nz = usize::try_from(nonzeros).map_err(|_| failed("size"))?;
            let mut start: Vec<HighsInt> = vec![0; n];
            let mut index: Vec<HighsInt> = vec![0; nz];
            let mut value = vec![0.0; nz];
            let (s, i, v) = (start.as_mut_ptr(), index.as_mut_ptr(), value.as_mut_ptr());
            if !read_cols(highs, &mut lp, &mut nonzeros, s, i, v) {
                return Err(failed("matrix"));
            }
            lp.value = value;
            lp.start = start
                .iter()
                .map(|&s| usize::try_from(s).unwrap_or(0))
                .chain(std::iter::once(nz))
                .collect();
            lp.index = index
                .iter()
                .map(|&i| usize::try_from(i).unwrap_or(usize::MAX))
                .collect();
        } else {
            lp.start = vec![0];
        }
        if m > 0 {
            let mut row_nz: HighsInt = 0;
            let read = highs_sys::Highs_getRowsByRange(
                highs,
                0,
                rows - 1,
                &mut got,
                lp.row_lower.as_mut_ptr(),
                lp.row_upper.as_mut_ptr(),
                &mut row_nz,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
            if read == highs_sys::STATUS_ERROR {
                return Err(failed("rows"));
            }
        }
        if highs_sys::Highs_getObjectiveOffset(highs, &mut lp.offset) == highs_sys::STATUS_ERROR {
            return Err(failed("objective offset"));
        }
        Ok(lp)
    }
}

/// Every column's cost and bounds into `lp`, with the matrix when `start`,
/// `index` and `value` are arrays of the column and nonzero counts; with
/// null pointers, only the nonzero count. `false` when HiGHS refuses.
///
/// # Safety
/// `highs` is a live Highs object whose column count is `lp.cost.len()`,
/// as are the column arrays of `lp`; non-null matrix arrays are as large as
/// the counts HiGHS writes into them.
unsafe fn read_cols(
    highs: *mut std::ffi::c_void,
    lp: &mut LpData,
    nonzeros: &mut HighsInt,
    start: *mut HighsInt,
    index: *mut HighsInt,
    value: *mut f64,
) -> bool {
    let cols = HighsInt::try_from(lp.cost.len()).unwrap_or(0);
    let mut got: HighsInt = 0;
    // SAFETY: as the function's contract says.
    unsafe {
        highs_sys::Highs_getColsByRange(
            highs,
            0,
            cols - 1,
            &mut got,
            lp.cost.as_mut_ptr(),
            lp.col_lower.as_mut_ptr(),
            lp.col_upper.as_mut_ptr(),
            nonzeros,
            start,
            index,
            value,
        ) != highs_sys::STATUS_ERROR
    }
}
