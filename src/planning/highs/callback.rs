//! Stopping a running HiGHS solve, and reading a MILP's incumbent and bound
//! while it runs, through the HiGHS C callback API (`Highs_setCallback`).
//!
//! The `highs` crate wraps no callbacks, so this module holds the FFI of the
//! planning core. [`run_watched`] installs [`on_callback`] with a pointer to a
//! boxed [`Watch`] that it owns for the whole run, and removes the callback
//! before the box is freed. HiGHS then calls back:
//!
//! - on its interrupt checks (simplex iterations, IPM iterations, the MIP
//!   search's limit checks), where a set cancel flag asks it to stop;
//! - when the MIP search finds a better incumbent or logs a line, and on the
//!   same MIP limit checks, where the incumbent objective, the dual bound and
//!   the relative gap are copied into a [`MipProgress`].
//!
//! A stopped run ends with model status `ReachedInterrupt`, keeping the MIP
//! incumbent if there is one. HiGHS does not call back from its presolve, from
//! IPM crossover or from a MILP's sub-MIPs, so a cancel takes effect at the
//! next check after those.

use crate::planning::error::PlanError;
use crate::planning::progress::MipProgress;
#[cfg(test)]
use crate::planning::progress::MipSnapshot;
use highs::{Model, SolvedModel};
use highs_sys::{
    kHighsCallbackIpmInterrupt, kHighsCallbackMipImprovingSolution, kHighsCallbackMipInterrupt,
    kHighsCallbackMipLogging, kHighsCallbackSimplexInterrupt, HighsCallbackDataIn,
    HighsCallbackDataOut, HighsInt, Highs_setCallback, Highs_startCallback, STATUS_OK,
};
use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The callbacks that can stop a run: one per solver HiGHS may be in.
const INTERRUPTS: [HighsInt; 3] = [
    kHighsCallbackSimplexInterrupt,
    kHighsCallbackIpmInterrupt,
    kHighsCallbackMipInterrupt,
];

/// The callbacks whose data carry the MIP search's incumbent and bound.
const MIP_REPORTS: [HighsInt; 3] = [
    kHighsCallbackMipImprovingSolution,
    kHighsCallbackMipLogging,
    kHighsCallbackMipInterrupt,
];

/// What the callback of one run reads: owned by [`run_watched`], which keeps
/// it alive until the callback is removed.
struct Watch {
    cancel: Option<Arc<AtomicBool>>,
    progress: Option<Arc<MipProgress>>,
}

impl Watch {
    fn cancelled(&self) -> bool {
        // Relaxed: the flag guards no other data; the callback only has to
        // see it eventually, and does at HiGHS' next check.
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }

    fn handle(
        &self,
        kind: HighsInt,
        out: Option<&HighsCallbackDataOut>,
        input: Option<&mut HighsCallbackDataIn>,
    ) {
        if let (Some(progress), Some(out)) = (&self.progress, out) {
            if MIP_REPORTS.contains(&kind) {
                progress.record(
                    out.objective_function_value,
                    out.mip_dual_bound,
                    out.mip_gap,
                );
            }
        }
        // Only interrupt callbacks may ask to stop: HiGHS ignores (and in a
        // debug build asserts against) an interrupt from the others.
        if INTERRUPTS.contains(&kind) && self.cancelled() {
            if let Some(input) = input {
                input.user_interrupt = 1;
            }
        }
    }
}

/// The callback HiGHS calls; `data` is the run's [`Watch`].
unsafe extern "C" fn on_callback(
    kind: c_int,
    _message: *const c_char,
    out: *const HighsCallbackDataOut,
    input: *mut HighsCallbackDataIn,
    data: *mut c_void,
) {
    // A panic must not unwind into HiGHS' C++ frames (it would abort the
    // process); a failed report is not worth that, so it is dropped.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `data` is the pointer `run_watched` registered: a live,
        // boxed `Watch` that is only read (its fields are Sync) and outlives
        // the registration. A null pointer gives `None`.
        let Some(watch) = (unsafe { data.cast_const().cast::<Watch>().as_ref() }) else {
            return;
        };
        // SAFETY: HiGHS passes its own callback data out, valid for this
        // call only, or null; the reference does not escape the call.
        let out = unsafe { out.as_ref() };
        // SAFETY: HiGHS passes a data-in struct it copies back after this
        // call returns, valid and not aliased during the call, or null.
        let input = unsafe { input.as_mut() };
        watch.handle(kind, out, input);
    }));
}

thread_local! {
    /// The thread count this thread's HiGHS scheduler was started with,
    /// once a run here has started it.
    static SCHEDULER_THREADS: Cell<Option<i32>> = const { Cell::new(None) };
}

/// Readies this thread's HiGHS scheduler for a run with `threads` (the
/// model's `threads` option). HiGHS keeps one task scheduler per calling
/// thread, started by the first run there with that run's count; a later
/// run on the thread asking for another count fails outright. A solve runs
/// on one thread at a time, so between runs the scheduler can be stopped,
/// and the run then starts one with its own count.
fn use_scheduler(threads: i32) {
    SCHEDULER_THREADS.with(|started| {
        if started.get() != Some(threads) {
            // SAFETY: called between runs, from the thread that owns the
            // scheduler (a solve thread, never one of HiGHS' workers), as
            // Highs_resetThreadScheduler requires; with no scheduler yet
            // it does nothing. Not blocking: the old workers wind down by
            // themselves.
            unsafe { highs_sys::Highs_resetThreadScheduler(0) };
            started.set(Some(threads));
        }
    });
}

/// Runs HiGHS on `model` with `threads` (which must be the model's
/// `threads` option), letting `cancel` stop it and copying MIP progress
/// into `progress`. With neither it is a plain `try_solve`.
///
/// # Errors
/// `Solver` when HiGHS refuses the callback or fails to run.
pub(crate) fn run_watched(
    mut model: Model,
    threads: i32,
    cancel: Option<&Arc<AtomicBool>>,
    progress: Option<&Arc<MipProgress>>,
) -> Result<SolvedModel, PlanError> {
    use_scheduler(threads);
    if cancel.is_none() && progress.is_none() {
        return model
            .try_solve()
            .map_err(|e| PlanError::Solver(format!("{e:?}")));
    }
    let watch = Box::new(Watch {
        cancel: cancel.cloned(),
        progress: progress.cloned(),
    });
    let data = std::ptr::from_ref::<Watch>(&*watch)
        .cast_mut()
        .cast::<c_void>();
    let mut kinds: Vec<HighsInt> = Vec::with_capacity(5);
    if cancel.is_some() {
        kinds.extend(INTERRUPTS);
    }
    if progress.is_some() {
        for kind in MIP_REPORTS {
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    // SAFETY: `model.as_mut_ptr()` is the live Highs object that `model`
    // owns. `on_callback` has the signature of `HighsCCallbackType` and
    // unwinds no panic. `data` points into the `watch` box, which is neither
    // moved nor freed before the callback is removed below; if `try_solve`
    // fails, the Highs object is destroyed inside it, while `watch` still
    // lives.
    let installed = unsafe {
        let highs = model.as_mut_ptr();
        Highs_setCallback(highs, Some(on_callback), data) == STATUS_OK
            && kinds
                .iter()
                .all(|&kind| Highs_startCallback(highs, kind) == STATUS_OK)
    };
    if !installed {
        // The Highs object may hold `data`: destroy it before `watch`.
        drop(model);
        return Err(PlanError::Solver(
            "HiGHS refused the cancel/progress callback".into(),
        ));
    }
    let mut solved = model
        .try_solve()
        .map_err(|e| PlanError::Solver(format!("{e:?}")))?;
    // SAFETY: `solved` owns the same live Highs object. Setting no callback
    // clears the registration (and every started callback type), so HiGHS
    // holds no pointer to `watch` once it is dropped.
    unsafe {
        Highs_setCallback(solved.as_mut_ptr(), None, std::ptr::null_mut());
    }
    drop(watch);
    Ok(solved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(objective: f64, bound: f64, gap: f64) -> HighsCallbackDataOut {
        // SAFETY: HighsCallbackDataOut is plain C data (numbers and raw
        // pointers) for which all-zero bytes are a valid value.
        let mut out: HighsCallbackDataOut = unsafe { std::mem::zeroed() };
        out.objective_function_value = objective;
        out.mip_dual_bound = bound;
        out.mip_gap = gap;
        out
    }

    fn input() -> HighsCallbackDataIn {
        // SAFETY: as for `out`: plain C data, valid when zeroed.
        unsafe { std::mem::zeroed() }
    }

    #[test]
    fn infinite_reports_keep_the_last_finite_values() {
        let progress = MipProgress::default();
        progress.record(f64::INFINITY, f64::NEG_INFINITY, -1.0);
        assert_eq!(progress.snapshot(), MipSnapshot::default());
        progress.record(120.0, 100.0, 20.0 / 120.0);
        progress.record(f64::INFINITY, 101.0, -1.0);
        let s = progress.snapshot();
        assert_eq!(s.best_objective, Some(120.0));
        assert_eq!(s.bound, Some(101.0));
        assert_eq!(s.gap, Some(20.0 / 120.0));
    }

    #[test]
    fn only_interrupt_callbacks_ask_to_stop_and_only_when_cancelled() {
        let cancel = Arc::new(AtomicBool::new(false));
        let watch = Watch {
            cancel: Some(cancel.clone()),
            progress: None,
        };
        let mut data_in = input();
        watch.handle(kHighsCallbackMipInterrupt, None, Some(&mut data_in));
        assert_eq!(data_in.user_interrupt, 0);
        cancel.store(true, Ordering::Relaxed);
        watch.handle(kHighsCallbackMipLogging, None, Some(&mut data_in));
        assert_eq!(data_in.user_interrupt, 0);
        for kind in INTERRUPTS {
            let mut data_in = input();
            watch.handle(kind, None, Some(&mut data_in));
            assert_eq!(data_in.user_interrupt, 1, "callback type {kind}");
        }
    }

    #[test]
    fn the_c_callback_tolerates_null_pointers() {
        let watch = Watch {
            cancel: Some(Arc::new(AtomicBool::new(true))),
            progress: Some(Arc::default()),
        };
        let data = std::ptr::from_ref(&watch).cast_mut().cast::<c_void>();
        // SAFETY: null data is documented to be ignored; null out/in are
        // treated as absent.
        unsafe {
            on_callback(
                kHighsCallbackMipInterrupt,
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
            on_callback(
                kHighsCallbackMipInterrupt,
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null_mut(),
                data,
            );
        }
        let mut data_in = input();
        let report = out(10.0, 9.0, 0.1);
        // SAFETY: `report`, `data_in` and `watch` live across the call.
        unsafe {
            on_callback(
                kHighsCallbackMipInterrupt,
                std::ptr::null(),
                &report,
                &mut data_in,
                data,
            );
        }
        assert_eq!(data_in.user_interrupt, 1);
        let s = watch.progress.as_ref().map(|p| p.snapshot());
        assert_eq!(s.and_then(|s| s.best_objective), Some(10.0));
    }
}
