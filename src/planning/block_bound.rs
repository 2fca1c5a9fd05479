//! A lower bound by Lagrangian decomposition over blocks of periods, at the
//! duals the time windows (`windows`) pieced together.
//!
//! The rows whose columns all fall in one block stay; every other row (a
//! balance row receiving stock or arrivals from an earlier block, a
//! demand whose deliveries span blocks, a share or the carbon cap) is
//! moved into the objective with its multiplier. What is left falls apart
//! into one LP per block, each with every column boxed by what some
//! optimal plan respects (`implied`), and
//!
//! ```text
//! bound = offset + sum over moved rows of (y_i times its finite side)
//!       + sum over blocks of the block's optimum at costs c - A'y (moved rows only)
//! ```
//!
//! is the Lagrangian dual function of the moved rows, a lower bound on the
//! optimum for every admissible `y` (a multiplier whose sign asks for an
//! infinite side is taken as zero, as in `bound`). Keeping each block's
//! own rows makes it far tighter than the bound that relaxes every row
//! (`bound::lagrangian_bound`), which pieced-together duals ruin: a stock
//! carried across a block boundary priced by two windows has a reduced
//! cost of either sign, and a negative one times the column's loose box
//! takes the whole bound down.

use super::error::PlanError;
use super::highs::{run_lp, LpData, WindowRun};
use super::options::{Deadline, SolveOptions};

/// A bound side beyond this is infinite (as `bound` reads HiGHS' values).
const INFINITE: f64 = 1e20;

/// A row that falls in no block (no columns) or in several.
const LINKING: usize = usize::MAX;
/// A row not seen yet.
const UNSEEN: usize = usize::MAX - 1;

/// How the columns fall into blocks.
pub(crate) struct Blocks<'a> {
    /// The block of each column.
    pub of_column: &'a [usize],
    /// How many blocks there are.
    pub count: usize,
}

/// The bound of `lp` at the row multipliers `duals`, each column `j` in
/// its block of `blocks` and boxed within `implied[j]`.
/// `None` when a block's LP has no optimum in the time left, or the
/// inputs do not fit together.
///
/// # Errors
/// `Cancelled` when the solve is cancelled; `Solver` when HiGHS fails.
pub(crate) fn block_bound(
    lp: &LpData,
    blocks: &Blocks,
    duals: &[f64],
    implied: &[f64],
    options: &SolveOptions,
    solver: &str,
    deadline: &Deadline,
) -> Result<Option<f64>, PlanError> {
    let (block_of, blocks) = (blocks.of_column, blocks.count);
    let (n, m) = (lp.cost.len(), lp.row_lower.len());
    if block_of.len() != n || implied.len() != n || duals.len() != m || lp.start.len() != n + 1 {
        return Ok(None);
    }
    // Which block each row lies in.
    let mut row_block = vec![UNSEEN; m];
    for (j, &b) in block_of.iter().enumerate() {
        for &i in &lp.index[lp.start[j]..lp.start[j + 1]] {
            row_block[i] = match row_block[i] {
                UNSEEN => b,
                seen if seen == b => b,
                _ => LINKING,
            };
        }
    }
    // The moved rows' multipliers, admissible, and their constant part.
    let mut total = lp.offset;
    let mut y = vec![0.0; m];
    for i in 0..m {
        if row_block[i] != LINKING {
            continue;
        }
        let yi = duals[i];
        if !yi.is_finite() {
            continue;
        }
        if yi > 0.0 && lp.row_lower[i] > -INFINITE {
            y[i] = yi;
            total += yi * lp.row_lower[i];
        } else if yi < 0.0 && lp.row_upper[i] < INFINITE {
            y[i] = yi;
            total += yi * lp.row_upper[i];
        }
    }
    // Each block's LP: its columns at their priced costs, boxed, with the
    // rows wholly inside it.
    let mut block_lps: Vec<(LpData, Vec<usize>)> = (0..blocks)
        .map(|_| {
            (
                LpData {
                    start: vec![0],
                    ..LpData::default()
                },
                Vec::new(),
            )
        })
        .collect();
    // The block's own number of each row inside a block.
    let mut local_row = vec![usize::MAX; m];
    for (i, &b) in row_block.iter().enumerate() {
        if b < blocks {
            let (block, rows) = &mut block_lps[b];
            local_row[i] = rows.len();
            rows.push(i);
            block.row_lower.push(lp.row_lower[i]);
            block.row_upper.push(lp.row_upper[i]);
        }
    }
    for (j, &b) in block_of.iter().enumerate() {
        let Some((block, _)) = block_lps.get_mut(b) else {
            return Ok(None);
        };
        let mut cost = lp.cost[j];
        for k in lp.start[j]..lp.start[j + 1] {
            let i = lp.index[k];
            if row_block[i] == LINKING {
                cost -= lp.value[k] * y[i];
            } else {
                block.index.push(local_row[i]);
                block.value.push(lp.value[k]);
            }
        }
        let upper = lp.col_upper[j].min(implied[j]);
        if lp.col_lower[j] <= -INFINITE || upper >= INFINITE {
            return Ok(None);
        }
        block.cost.push(cost);
        block.col_lower.push(lp.col_lower[j]);
        block.col_upper.push(upper);
        block.start.push(block.index.len());
    }
    for (block, _) in &block_lps {
        if block.cost.is_empty() {
            continue;
        }
        match run_lp(block, options, solver, deadline.remaining())? {
            WindowRun::Solved(solved) => {
                total += block.cost_of(&solved.columns);
            }
            WindowRun::Nothing => return Ok(None),
        }
    }
    Ok(total.is_finite().then_some(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// min x1 + x2 with x1 + x2 >= 2 (moved, multiplier y) and x1 <= 1 in
    /// block 0, x2 free in [0, 5] in block 1: L(y) = 2y + min(1-y)x1 +
    /// min(1-y)x2, which is 2 at y = 1 (the optimum), and below it
    /// elsewhere.
    #[test]
    fn the_bound_is_the_dual_function_of_the_moved_rows() {
        let lp = LpData {
            cost: vec![1.0, 1.0],
            col_lower: vec![0.0, 0.0],
            col_upper: vec![1.0, 5.0],
            row_lower: vec![2.0],
            row_upper: vec![f64::INFINITY],
            start: vec![0, 1, 2],
            index: vec![0, 0],
            value: vec![1.0, 1.0],
            offset: 0.0,
        };
        let at = |y: f64| {
            block_bound(
                &lp,
                &Blocks {
                    of_column: &[0, 1],
                    count: 2,
                },
                &[y],
                &[10.0, 10.0],
                &SolveOptions::default(),
                "simplex",
                &Deadline::after(None),
            )
            .unwrap()
            .unwrap()
        };
        assert!((at(1.0) - 2.0).abs() < 1e-9);
        // y = 0.5: 1 + 0.5 * 0 + 0.5 * 0 = 1.
        assert!((at(0.5) - 1.0).abs() < 1e-9);
        // y = 2: 4 - 1 * 1 - 1 * 5 = -2 (x1 within its own bound 1).
        assert!((at(2.0) + 2.0).abs() < 1e-9);
        // A negative multiplier on a row without an upper side is zero.
        assert!(at(-3.0).abs() < 1e-9);
    }
}
