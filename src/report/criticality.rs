//! The readable criticality ranking (`chainplan criticality --format
//! summary`): what losing each supplier over a window would cost the chain.

use super::table::{number, signed, Align, Table};
use crate::model::PlanStatus;
use crate::planning::Criticality;
use std::fmt::Write as _;

/// The readable ranking: one row per supplier in cost order with both ranks,
/// then the skipped and failed suppliers.
pub fn criticality_summary(c: &Criticality) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Supplier criticality: each supplier out in periods {}..{}",
        c.periods.first, c.periods.last
    );
    let objective = c
        .base_objective
        .map_or_else(|| "-".into(), |o| number(o, 2));
    let _ = writeln!(
        out,
        "  base plan {}, objective {objective}",
        c.base_status.as_str()
    );
    if c.suppliers.is_empty() {
        out.push_str("\n  no supplier outage was solved\n");
    } else {
        out.push('\n');
        let mut table = Table::new(&[
            ("cost rank", Align::Right),
            ("service rank", Align::Right),
            ("supplier", Align::Left),
            ("demands", Align::Right),
            ("objective delta", Align::Right),
            ("fill rate drop", Align::Right),
            ("unmet delta", Align::Right),
            ("late delta", Align::Right),
        ]);
        let or_none = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or_else(|| "-".into(), f);
        for s in &c.suppliers {
            let objective = match s.status {
                PlanStatus::Infeasible => "no plan".into(),
                _ => or_none(s.objective_delta, &|v| signed(v, 2)),
            };
            table.row(vec![
                s.cost_rank.to_string(),
                s.service_rank.to_string(),
                s.enterprise.clone(),
                s.affected_demands.to_string(),
                objective,
                or_none(s.fill_rate_drop, &|v| format!("{:.1} pt", 100.0 * v)),
                or_none(s.unmet_delta, &|v| signed(v, 1)),
                or_none(s.late_delta, &|v| signed(v, 1)),
            ]);
        }
        table.write(&mut out, "  ");
    }
    if !c.skipped.is_empty() {
        let _ = writeln!(
            out,
            "\n  skipped (no demand depends on them): {}",
            c.skipped.join(", ")
        );
    }
    if !c.failed.is_empty() {
        out.push_str("\n  no answer\n");
        for f in &c.failed {
            let _ = writeln!(out, "    {}: {}", f.enterprise, f.reason);
        }
    }
    out
}
