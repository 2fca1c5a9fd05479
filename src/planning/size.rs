//! The memory a document's model will take, estimated from the document
//! alone before anything is built, so that a solve too large for its budget
//! is refused with a clear error instead of running the process out of
//! memory halfway through. The estimate is linear in the model's
//! period-indexed elements (operations, lane items, stocks and demands,
//! times the periods); its constants come from the peak resident memory of
//! offline solves of generated chains of 10 to 300 suppliers, 1.3 to 1.7 KiB
//! per element, rounded up (`docs/performance.md`). It is a budget check,
//! not a promise: an interior point method whose factor fills in far beyond
//! the matrix (the 600-site chain) takes more.

use crate::model::validate::period_indexed_elements;
use crate::model::NetworkDoc;

/// Resident memory of a solve with an empty model: the process, HiGHS'
/// workspaces and the document's own copies.
const BASE_BYTES: u64 = 64 * 1024 * 1024;

/// Peak bytes per period-indexed element: the columns and rows good_lp
/// builds, HiGHS' copy of them with presolve and factorisation, and the plan
/// read back.
const BYTES_PER_ELEMENT: u64 = 2048;

/// The estimated peak memory of solving `doc`, in bytes.
pub fn estimate_model_bytes(doc: &NetworkDoc) -> u64 {
    let elements = period_indexed_elements(doc).saturating_mul(u64::from(doc.horizon.periods));
    BASE_BYTES.saturating_add(elements.saturating_mul(BYTES_PER_ELEMENT))
}

/// Why `doc` is too large for a budget of `budget_mb` MiB, if it is.
pub fn over_budget(doc: &NetworkDoc, budget_mb: u64) -> Option<String> {
    let needed = estimate_model_bytes(doc).div_ceil(1024 * 1024);
    (needed > budget_mb).then(|| {
        format!(
            "solving this document needs about {needed} MiB of memory \
             ({} periods x {} operations, lane items, stocks and demands); \
             the budget is {budget_mb} MiB (--max-model-mb)",
            doc.horizon.periods,
            period_indexed_elements(doc)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_network;

    #[test]
    fn the_estimate_grows_with_the_periods_and_is_refused_over_budget() {
        let mut doc = parse_network(include_str!("../../examples/data/gearbox.json"))
            .unwrap()
            .0;
        let small = estimate_model_bytes(&doc);
        assert!(small > BASE_BYTES);
        doc.horizon.periods *= 10;
        assert!(estimate_model_bytes(&doc) > small);
        assert_eq!(over_budget(&doc, 1 << 20), None);
        let reason = over_budget(&doc, 1).unwrap();
        assert!(reason.contains("--max-model-mb"), "{reason}");
    }
}
