//! The renovation programme beyond docs/model.md §3.7, resolved to
//! model indices: which renovation waits for which (`renovations[].after`),
//! the groups that `policy.max_concurrent_per_group` limits, the items whose
//! every source line is renovated (`policy.keep_sources`), and the cost of a
//! renovation's downtime window (`renovations[].window_cost`).
//!
//! With none of these fields set, the programme is empty and the model is
//! exactly the model's. The rows themselves are written by the formulation.

use super::network::{Network, RenovationData};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The programme of one network.
pub(crate) struct Programme {
    /// `(r, k, a)`: renovation `r` starts only once `a`, its `after[k]`, is
    /// finished.
    pub precedence: Vec<(usize, usize, usize)>,
    /// `(group, members)` for every group with more members than the limit
    /// (a smaller group can never break it).
    pub groups: Vec<(String, Vec<usize>)>,
    /// `policy.max_concurrent_per_group`.
    pub group_limit: u32,
    /// `(item, renovations)` for every item whose source lines are all
    /// renovated: at most `renovations.len() - 1` of them may be down at once.
    /// An item with a line that is never renovated always keeps a source.
    pub kept_sources: Vec<(usize, Vec<usize>)>,
}

impl Programme {
    pub fn of(net: &Network) -> Programme {
        let policy = &net.doc.policy;
        let by_id: HashMap<&str, usize> = net
            .renovations
            .iter()
            .enumerate()
            .map(|(r, rd)| (rd.doc.id.as_str(), r))
            .collect();
        let mut precedence = Vec::new();
        for (r, rd) in net.renovations.iter().enumerate() {
            for (k, before) in rd.doc.after.iter().enumerate() {
                if let Some(&a) = by_id.get(before.as_str()).filter(|&&a| a != r) {
                    precedence.push((r, k, a));
                }
            }
        }

        let group_limit = policy.max_concurrent_per_group.unwrap_or(u32::MAX);
        let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        if policy.max_concurrent_per_group.is_some() {
            for (r, rd) in net.renovations.iter().enumerate() {
                if let Some(group) = rd.doc.group.as_deref() {
                    members.entry(group).or_default().push(r);
                }
            }
        }
        let groups = members
            .into_iter()
            .filter(|(_, m)| m.len() > group_limit as usize)
            .map(|(g, m)| (g.to_string(), m))
            .collect();

        let mut kept_sources = Vec::new();
        if policy.keep_sources {
            let mut sources: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
            for (l, line) in net.lines.iter().enumerate() {
                for &o in &line.operations {
                    sources.entry(net.operations[o].item).or_default().insert(l);
                }
            }
            for (item, lines) in sources {
                let renovations: Option<Vec<usize>> =
                    lines.iter().map(|&l| net.lines[l].renovation).collect();
                if let Some(renovations) = renovations {
                    kept_sources.push((item, renovations));
                }
            }
        }
        Programme {
            precedence,
            groups,
            group_limit,
            kept_sources,
        }
    }
}

/// The window cost of starting `rd` in `t`: `window_cost` per period of its
/// downtime that falls inside the horizon.
pub(crate) fn window_cost(rd: &RenovationData, t: usize, periods: usize) -> f64 {
    let inside = rd.duration.min(periods.saturating_sub(t));
    rd.doc.window_cost * inside as f64
}
