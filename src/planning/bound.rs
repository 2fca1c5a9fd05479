//! A valid lower bound on an LP's optimum from any dual vector: the
//! Lagrangian bound. Relaxing `row_lower <= A x <= row_upper` with
//! multipliers `y` leaves
//!
//! ```text
//! L(y) = offset + sum_i min(y_i row_lower_i, y_i row_upper_i)
//!               + sum_j min(d_j l_j, d_j u_j),   d = cost - A' y,
//! ```
//!
//! a lower bound on the optimum for every `y`, provided each column's box
//! `[l_j, u_j]` holds an optimal solution. Columns without an upper bound
//! in the LP get one the chain implies (production within capacity, flows
//! and stock within every unit the chain can ever hold; see `fast`). A
//! multiplier whose sign asks for an infinite row bound is taken as zero,
//! which keeps the bound valid. With the exact duals it is the optimum;
//! with a first-order method's approximate duals it is a little below.

use super::fence::HeldRow;
use super::highs::LpData;
use super::implied::costs_nonnegative;

/// A bound above this is infinite: HiGHS and good_lp write infinity as
/// `f64::INFINITY` or as 1e30 and up.
const INFINITE: f64 = 1e20;

/// The Lagrangian bound of `lp` at the row multipliers `duals`, with each
/// column's upper bound tightened to `implied_upper`; `None` when a column
/// needed for it has no finite bound, or the sizes do not match.
pub(crate) fn lagrangian_bound(lp: &LpData, duals: &[f64], implied_upper: &[f64]) -> Option<f64> {
    let m = lp.row_lower.len();
    let n = lp.cost.len();
    if duals.len() != m || implied_upper.len() != n || lp.start.len() != n + 1 {
        return None;
    }
    let mut y = duals.to_vec();
    let mut total = Sum::default();
    total.add(lp.offset);
    for ((yi, &lower), &upper) in y.iter_mut().zip(&lp.row_lower).zip(&lp.row_upper) {
        if !yi.is_finite() {
            *yi = 0.0;
        } else if *yi > 0.0 {
            if lower > -INFINITE {
                total.add(*yi * lower);
            } else {
                *yi = 0.0;
            }
        } else if *yi < 0.0 {
            if upper < INFINITE {
                total.add(*yi * upper);
            } else {
                *yi = 0.0;
            }
        }
    }
    for (j, (&cost, &implied)) in lp.cost.iter().zip(implied_upper).enumerate() {
        let mut d = cost;
        for k in lp.start[j]..lp.start[j + 1] {
            let i = *lp.index.get(k)?;
            d -= lp.value.get(k)? * y.get(i)?;
        }
        let lower = *lp.col_lower.get(j)?;
        let upper = lp.col_upper.get(j)?.min(implied);
        if d > 0.0 {
            if lower <= -INFINITE {
                return None;
            }
            total.add(d * lower);
        } else if d < 0.0 {
            if upper >= INFINITE {
                return None;
            }
            total.add(d * upper);
        }
    }
    let bound = total.value();
    bound.is_finite().then_some(bound)
}

/// A compensated (Kahan-Babuska) sum: the terms are many and of every
/// magnitude, and the bound is compared with objectives to six digits.
#[derive(Default)]
struct Sum {
    sum: f64,
    carry: f64,
}

impl Sum {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.carry += (self.sum - t) + x;
        } else {
            self.carry += (x - t) + self.sum;
        }
        self.sum = t;
    }

    fn value(&self) -> f64 {
        self.sum + self.carry
    }
}

/// The Lagrangian bound of `lp` at `duals` (columns boxed by
/// `implied_upper`) for a plan of cost `plan_cost`: at most that cost (a
/// bound a hair above it is rounding, and says the plan is optimal) and,
/// with no cost negative and every column at least zero, at least the
/// objective's constant term, which a rough dual can undercut.
pub(crate) fn plan_bound(
    lp: &LpData,
    duals: &[f64],
    implied_upper: &[f64],
    plan_cost: f64,
) -> Option<f64> {
    let bound = lagrangian_bound(lp, duals, implied_upper)?.min(plan_cost);
    Some(if costs_nonnegative(lp) {
        bound.max(lp.offset)
    } else {
        bound
    })
}

/// The duals of a repair's region with each held row's multiplier clipped
/// to `[-penalty, penalty]`.
///
/// The whole re-plan has, for a held decision `q`, the row
/// `q - up + down = base` with `up` and `down` priced at the penalty (or,
/// where the base is 0, the penalty on `q` itself). At a multiplier within
/// the penalty those columns add nothing to the Lagrangian bound, and the
/// region's row `q = base` adds exactly what the whole re-plan's does: the
/// region's bound at these multipliers is at most the whole re-plan's, so
/// it bounds the whole re-plan's optimum too.
pub(crate) fn held_within_penalty(duals: &[f64], held: &[HeldRow], penalty: f64) -> Vec<f64> {
    let mut clipped = duals.to_vec();
    for h in held {
        if let Some(y) = clipped.get_mut(h.row) {
            *y = y.clamp(-penalty, penalty);
        }
    }
    clipped
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `min x1 + 2 x2` s.t. `x1 + x2 >= 3`, `x1 <= 2` (a row), `x >= 0`:
    /// optimum 4 at (2, 1), duals (2, -1).
    fn lp() -> LpData {
        LpData {
            cost: vec![1.0, 2.0],
            col_lower: vec![0.0, 0.0],
            col_upper: vec![f64::INFINITY, f64::INFINITY],
            row_lower: vec![3.0, f64::NEG_INFINITY],
            row_upper: vec![f64::INFINITY, 2.0],
            start: vec![0, 2, 3],
            index: vec![0, 1, 0],
            value: vec![1.0, 1.0, 1.0],
            offset: 0.0,
        }
    }

    #[test]
    fn the_exact_duals_give_the_optimum() {
        let bound = lagrangian_bound(&lp(), &[2.0, -1.0], &[10.0, 10.0]).unwrap();
        assert!((bound - 4.0).abs() < 1e-12, "{bound}");
    }

    #[test]
    fn any_duals_give_a_bound_no_higher_than_the_optimum() {
        for y in [
            [0.0, 0.0],
            [1.0, 0.0],
            [3.0, -2.0],
            [2.5, 1.0],
            [-1.0, -1.0],
            [1.9, -0.9],
        ] {
            let bound = lagrangian_bound(&lp(), &y, &[10.0, 10.0]).unwrap();
            assert!(bound <= 4.0 + 1e-12, "{y:?} gives {bound}");
        }
    }

    #[test]
    fn a_column_without_any_upper_bound_gives_none_when_it_is_needed() {
        // y = (3, 0): d2 = 2 - 3 < 0 and x2 has no bound at all.
        assert_eq!(
            lagrangian_bound(&lp(), &[3.0, 0.0], &[10.0, f64::INFINITY]),
            None
        );
        assert_eq!(lagrangian_bound(&lp(), &[1.0], &[10.0, 10.0]), None);
    }
}
