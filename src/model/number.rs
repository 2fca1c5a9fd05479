//! The checks of numbers that every reader of callers' input shares
//! (validation, scenario changes, edits, a re-plan's baseline, the
//! service's requests), with the messages they give, so that one rule has
//! one wording.

/// The largest magnitude accepted for any number: beyond it the solver's
/// numerics break down (coefficient ranges of 1e20 and more).
pub const MAX_MAGNITUDE: f64 = 1e12;

/// A number for a message: plain when readable, exponent form when huge or tiny
/// (Rust prints `1e308` as 309 digits otherwise).
pub fn num(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-6..1e15).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Why `v` is not a finite amount in `[min, MAX_MAGNITUDE]`, if it is not.
/// `strict` makes the lower bound exclusive (`load > 0`).
pub fn amount_problem(v: f64, min: f64, strict: bool) -> Option<String> {
    if !v.is_finite() {
        Some(format!("{} is not a finite number", num(v)))
    } else if strict && v <= min {
        Some(format!("must be greater than {}, got {}", num(min), num(v)))
    } else if v < min {
        Some(format!("must be at least {}, got {}", num(min), num(v)))
    } else if v > MAX_MAGNITUDE {
        Some(format!("{} is too large; at most 1e12", num(v)))
    } else {
        None
    }
}

/// Why `v` is not a finite number `>= 0` (a factor, a penalty, a quantity
/// of a baseline), if it is not.
pub fn nonnegative_problem(v: f64) -> Option<String> {
    (!(v.is_finite() && v >= 0.0)).then(|| format!("must be a finite number >= 0, got {}", num(v)))
}

/// Why `v` is not a finite number `>= 0` a document may hold (at most
/// [`MAX_MAGNITUDE`]), if it is not.
pub fn nonnegative_amount_problem(v: f64) -> Option<String> {
    nonnegative_problem(v)
        .or_else(|| (v > MAX_MAGNITUDE).then(|| format!("{} is too large; at most 1e12", num(v))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_refuses_what_is_not_finite() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(amount_problem(v, 0.0, false).is_some());
            assert!(nonnegative_problem(v).is_some());
            assert!(nonnegative_amount_problem(v).is_some());
        }
        assert_eq!(nonnegative_problem(0.0), None);
        assert_eq!(
            nonnegative_amount_problem(2e12).as_deref(),
            Some("2000000000000 is too large; at most 1e12")
        );
        assert_eq!(num(1e300), "1e300");
    }
}
