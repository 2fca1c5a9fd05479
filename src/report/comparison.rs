//! The readable what-if report (`chainplan whatif --format summary`): each
//! scenario's comparison with the base plan, and the scenarios ranked by
//! their objective change.

use super::table::{number, signed, Align, Table};
use crate::model::{NetworkDoc, Plan, ResourceKind};
use crate::planning::compare::{RenovationChange, SupplierChange};
use crate::planning::{rank, Comparison, Delta, Kpi};
use std::fmt::Write as _;

/// The readable report of `chainplan whatif`: a line on the base plan, the
/// [`comparison_summary`] of each scenario, and with two or more scenarios their
/// ranking by objective change.
pub fn whatif_report(
    base_doc: &NetworkDoc,
    base: &Plan,
    comparisons: &[(String, Comparison)],
) -> String {
    let network = base_doc.name.as_deref().unwrap_or("(unnamed network)");
    let mut out = format!("Base plan: {network}, {}", base.status.as_str());
    if let Some(objective) = base.objective {
        let _ = write!(out, ", objective {}", number(objective, 2));
    }
    out.push('\n');
    for (name, c) in comparisons {
        out.push('\n');
        out.push_str(&comparison_summary(name, c));
    }
    let ranked = rank(comparisons, Kpi::Objective);
    if ranked.len() > 1 {
        out.push_str("\nScenarios by objective change (largest increase first)\n");
        let width = ranked.iter().map(|(n, _)| n.chars().count()).max();
        let width = width.unwrap_or(0);
        for (k, (name, delta)) in ranked.iter().enumerate() {
            let _ = writeln!(out, "  {}. {name:<width$}  {}", k + 1, signed(*delta, 2));
        }
    }
    out
}

/// The readable report of one scenario against the base plan: the KPI
/// table (base / scenario / delta), the renovations that moved, the
/// bottlenecks that appear or vanish, and each supplier's gain or loss.
pub fn comparison_summary(name: &str, comparison: &Comparison) -> String {
    let c = comparison;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Scenario: {name} (base {}, scenario {})",
        c.base_status.as_str(),
        c.scenario_status.as_str()
    );
    if !c.comparable() {
        out.push_str("  no comparison: one of the plans has no solution\n");
        return out;
    }
    let mut table = Table::new(&[
        ("kpi", Align::Left),
        ("base", Align::Right),
        ("scenario", Align::Right),
        ("delta", Align::Right),
    ]);
    let row = |label: &str, d: Delta, decimals: usize| {
        vec![
            label.to_string(),
            number(d.base, decimals),
            number(d.scenario, decimals),
            signed(d.delta, decimals),
        ]
    };
    if let Some(objective) = c.objective {
        table.row(row("objective", objective, 2));
    }
    for (term, d) in c.cost.terms() {
        // The window cost is an extension, docs/model.md §6: shown when either plan has one.
        if term == "renovation_window" && d.base == 0.0 && d.scenario == 0.0 {
            continue;
        }
        table.row(row(&format!("cost {term}"), d, 2));
    }
    table.row(row("demand", c.demand, 1));
    table.row(row("on time", c.on_time, 1));
    table.row(row("late", c.late, 1));
    table.row(row("unmet", c.unmet, 1));
    table.row(vec![
        "fill rate".into(),
        percent(c.fill_rate.base),
        percent(c.fill_rate.scenario),
        format!("{} pt", signed(100.0 * c.fill_rate.delta, 1)),
    ]);
    table.row(row("emissions", c.emissions, 2));
    table.write(&mut out, "  ");

    let moved: Vec<&RenovationChange> = c.renovations.iter().filter(|r| r.changed).collect();
    if !moved.is_empty() {
        out.push_str("\n  Renovations moved\n");
        let mut table = Table::new(&[
            ("renovation", Align::Left),
            ("line", Align::Left),
            ("base", Align::Left),
            ("scenario", Align::Left),
        ]);
        for r in moved {
            table.row(vec![
                r.id.clone(),
                r.line.clone(),
                window(r.base_start, r.base_end),
                window(r.scenario_start, r.scenario_end),
            ]);
        }
        table.write(&mut out, "    ");
    }

    let b = &c.bottlenecks;
    for (title, list) in [("appear", &b.appeared), ("vanish", &b.vanished)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n  Bottlenecks that {title}");
        let mut table = Table::new(&[
            ("kind", Align::Left),
            ("id", Align::Left),
            ("period", Align::Right),
            ("shadow price", Align::Right),
        ]);
        for bn in list.iter() {
            table.row(vec![
                kind_name(bn.kind).into(),
                bn.id.clone(),
                bn.period.to_string(),
                number(bn.shadow_price, 2),
            ]);
        }
        table.write(&mut out, "    ");
    }
    if !b.stayed.is_empty() {
        out.push_str("\n  Bottlenecks that stay\n");
        let mut table = Table::new(&[
            ("kind", Align::Left),
            ("id", Align::Left),
            ("period", Align::Right),
            ("base price", Align::Right),
            ("scenario price", Align::Right),
        ]);
        for bn in &b.stayed {
            table.row(vec![
                kind_name(bn.kind).into(),
                bn.id.clone(),
                bn.period.to_string(),
                number(bn.base_shadow_price, 2),
                number(bn.scenario_shadow_price, 2),
            ]);
        }
        table.write(&mut out, "    ");
    }

    let moved: Vec<&SupplierChange> = c
        .suppliers
        .iter()
        .filter(|s| s.made.delta.abs() > UNIT_NOISE || s.shipped.delta.abs() > UNIT_NOISE)
        .collect();
    out.push_str("\n  Suppliers (units made and shipped)\n");
    if moved.is_empty() {
        out.push_str("    no supplier gains or loses work\n");
    } else {
        let mut table = Table::new(&[
            ("supplier", Align::Left),
            ("made", Align::Right),
            ("delta", Align::Right),
            ("shipped", Align::Right),
            ("delta", Align::Right),
        ]);
        for s in moved {
            table.row(vec![
                s.enterprise.clone(),
                number(s.made.scenario, 1),
                signed(s.made.delta, 1),
                number(s.shipped.scenario, 1),
                signed(s.shipped.delta, 1),
            ]);
        }
        table.write(&mut out, "    ");
    }
    out
}

/// Changes in units smaller than this are solver noise in a report.
const UNIT_NOISE: f64 = 1e-6;

fn kind_name(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Line => "line",
        ResourceKind::Lane => "lane",
    }
}

fn window(start: Option<u32>, end: Option<u32>) -> String {
    match (start, end) {
        (Some(s), Some(e)) => format!("{s}..{e}"),
        (Some(s), None) => format!("{s}.."),
        (None, _) => "not done".into(),
    }
}

fn percent(v: f64) -> String {
    format!("{:.1} %", 100.0 * v)
}
