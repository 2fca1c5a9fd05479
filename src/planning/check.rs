//! The checks before any solve: the options, the document against docs/model.md,
//! the memory budget, and a re-plan's baseline against the document.

use super::error::PlanError;
use super::options::{check_cancel, check_options, SolveOptions};
use super::replan::check_baseline;
use crate::model::{validate, DocError, NetworkDoc};

/// Checks the options, the document and the baseline before any solve.
pub(crate) fn check_document(doc: &NetworkDoc, options: &SolveOptions) -> Result<(), PlanError> {
    check_cancel(options)?;
    check_options(options)?;
    let report = validate(doc);
    if !report.is_valid() {
        return Err(DocError::Invalid(report.errors).into());
    }
    if let Some(reason) = options
        .max_model_mb
        .and_then(|budget| super::size::over_budget(doc, budget))
    {
        return Err(PlanError::TooLarge(reason));
    }
    check_baseline(doc, options.baseline.as_ref())
}
