//! The readable plan report that `chainplan solve --format summary` prints: a
//! header, service KPIs, the cost breakdown, the renovation schedule with a
//! per-line timeline, the top bottlenecks and each supplier's load, or the
//! conflicts of an infeasible document.
//!
//! Pure formatting of a document and its plan into a `String`: no IO, no
//! solver. Imports the domain types (`crate::model`), the renovation
//! answers it prints, and `std`.

use super::table::{number, signed, Align, Table};
use crate::model::{
    AllocationKind, Line, NetworkDoc, Operation, Plan, PlanStatus, ResourceKind, Role,
};
use crate::planning::renovation::{BudgetStep, RenovationAnswer};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// Bottlenecks listed; the plan may carry many more.
const TOP_BOTTLENECKS: usize = 10;

/// Width of the key column in key-value lines.
const KEY_WIDTH: usize = 12;

/// The readable report of `plan`, which was solved from `doc`.
///
/// Sections are separated by blank lines. A plan without a solution has the
/// header only, followed by the conflicts (infeasible) or a note on why there
/// is no plan (unbounded, stopped by a limit).
pub fn summary(doc: &NetworkDoc, plan: &Plan) -> String {
    let mut out = String::new();
    header(&mut out, doc, plan);
    match plan.status {
        PlanStatus::Optimal | PlanStatus::Feasible => {
            service(&mut out, plan);
            cost(&mut out, plan);
            renovations(&mut out, doc, plan);
            bottlenecks(&mut out, plan);
            suppliers(&mut out, doc, plan);
        }
        PlanStatus::Infeasible => conflicts(&mut out, plan),
        PlanStatus::Unbounded => {
            out.push_str("\nThe objective has no lower bound: no plan is reported.\n");
        }
        PlanStatus::NoSolution => {
            out.push_str(
                "\nA limit stopped the solver before it found any plan; \
                 a longer time limit may help.\n",
            );
        }
    }
    out
}

fn header(out: &mut String, doc: &NetworkDoc, plan: &Plan) {
    let name = doc.name.as_deref().unwrap_or("(unnamed network)");
    let _ = writeln!(out, "Plan: {name}");
    let mut horizon = format!("{} periods", doc.horizon.periods);
    if let Some(label) = &doc.horizon.period {
        let _ = write!(horizon, " ({label})");
    }
    if let Some(start) = &doc.horizon.start {
        let _ = write!(horizon, ", period 0 starts {start}");
    }
    key_value(out, "horizon", &horizon);
    key_value(out, "status", plan.status.as_str());
    if let Some(objective) = plan.objective {
        key_value(out, "objective", &number(objective, 2));
    }
    // A plan of goals in order says which, with the limits each was held to.
    if !plan.goals.is_empty() {
        let goals: Vec<String> = plan
            .goals
            .iter()
            .map(|g| match g.limit {
                Some(limit) => format!(
                    "{} {} (held <= {})",
                    g.goal.as_str(),
                    number(g.value, 2),
                    number(limit, 2)
                ),
                None => format!("{} {} (minimised)", g.goal.as_str(), number(g.value, 2)),
            })
            .collect();
        key_value(out, "goals", &goals.join(", then "));
    }
    // Bound and gap mean something only when branch and bound ran.
    if plan.stats.integer_variables > 0 && plan.status.has_solution() {
        let bound = plan.bound.map_or_else(|| "-".into(), |b| number(b, 2));
        let gap = plan
            .gap
            .map_or_else(|| "-".into(), |g| format!("{:.2} %", 100.0 * g));
        key_value(out, "bound", &format!("{bound}   gap {gap}"));
    }
    let stats = &plan.stats;
    key_value(
        out,
        "model",
        &format!(
            "{} variables ({} integer), {} constraints",
            number(stats.variables as f64, 0),
            number(stats.integer_variables as f64, 0),
            number(stats.constraints as f64, 0),
        ),
    );
}

fn service(out: &mut String, plan: &Plan) {
    let s = &plan.service;
    out.push_str("\nService\n");
    let mut table = Table::new(&[
        ("", Align::Left),
        ("units", Align::Right),
        ("of demand", Align::Right),
    ]);
    table.row(vec![
        "demand".into(),
        number(s.demand, 1),
        share(s.demand, s.demand),
    ]);
    table.row(vec![
        "on time".into(),
        number(s.on_time, 1),
        share(s.on_time, s.demand),
    ]);
    table.row(vec![
        "late".into(),
        number(s.late, 1),
        share(s.late, s.demand),
    ]);
    table.row(vec![
        "unmet".into(),
        number(s.unmet, 1),
        share(s.unmet, s.demand),
    ]);
    table.write(out, "  ");
    key_value(out, "fill rate", &format!("{:.1} %", 100.0 * s.fill_rate));
    key_value(out, "emissions", &number(plan.emissions, 2));
    key_value(out, "carbon cost", &number(plan.cost.carbon, 2));
}

fn cost(out: &mut String, plan: &Plan) {
    out.push_str("\nCost\n");
    let total = plan.cost.total();
    let mut table = Table::new(&[
        ("term", Align::Left),
        ("amount", Align::Right),
        ("share", Align::Right),
    ]);
    for (term, amount) in plan.cost.terms() {
        // The window cost is an extension, docs/model.md §6: shown when a plan has one.
        if term == "renovation_window" && amount == 0.0 {
            continue;
        }
        table.row(vec![term.into(), number(amount, 2), share(amount, total)]);
    }
    table.row(vec!["total".into(), number(total, 2), share(total, total)]);
    table.write(out, "  ");
}

fn renovations(out: &mut String, doc: &NetworkDoc, plan: &Plan) {
    out.push_str("\nRenovations\n");
    if plan.renovations.is_empty() {
        out.push_str("  none in the document\n");
    } else {
        let mut table = Table::new(&[
            ("renovation", Align::Left),
            ("line", Align::Left),
            ("down in periods", Align::Left),
        ]);
        for r in &plan.renovations {
            let when = match (r.start, r.end) {
                (Some(start), Some(end)) => format!("{start}..{end}"),
                (Some(start), None) => format!("{start}.."),
                (None, _) => "not done".into(),
            };
            table.row(vec![r.id.clone(), r.line.clone(), when]);
        }
        table.write(out, "  ");
    }

    line_timeline(out, doc, plan);
}

/// Every line that is not available throughout, one symbol per period.
fn line_timeline(out: &mut String, doc: &NetworkDoc, plan: &Plan) {
    let periods = doc.periods();
    let timelines: Vec<(&str, String)> = doc
        .lines
        .iter()
        .map(|line| {
            let states = LineStates::of(doc, plan, line);
            let text: String = (0..periods).map(|t| states.at(t).symbol()).collect();
            (line.id.as_str(), text)
        })
        // A line available throughout says nothing the reader needs.
        .filter(|(_, text)| text.chars().any(|c| c != '.'))
        .collect();
    let _ = writeln!(
        out,
        "\nLine timeline (R renovation, D downtime, . available; periods 0..{})",
        periods.saturating_sub(1)
    );
    if timelines.is_empty() {
        out.push_str("  every line is available in every period\n");
    } else {
        let width = timelines.iter().map(|(id, _)| id.chars().count()).max();
        let width = width.unwrap_or(0);
        for (id, text) in &timelines {
            let _ = writeln!(out, "  {id:<width$}  {text}");
        }
        let hidden = doc.lines.len() - timelines.len();
        if hidden > 0 {
            let _ = writeln!(out, "  ({hidden} other lines available throughout)");
        }
    }
}

fn bottlenecks(out: &mut String, plan: &Plan) {
    let mut ranked: Vec<_> = plan.bottlenecks.iter().collect();
    // The plan lists them largest first already; sorting again costs nothing
    // and keeps the report right for a plan built by hand.
    ranked.sort_by(|a, b| b.shadow_price.total_cmp(&a.shadow_price));
    let _ = writeln!(
        out,
        "\nBottlenecks (top {} of {}, by shadow price)",
        ranked.len().min(TOP_BOTTLENECKS),
        ranked.len()
    );
    if ranked.is_empty() {
        out.push_str("  no line or lane capacity binds\n");
        return;
    }
    let mut table = Table::new(&[
        ("kind", Align::Left),
        ("id", Align::Left),
        ("period", Align::Right),
        ("shadow price", Align::Right),
    ]);
    for b in ranked.into_iter().take(TOP_BOTTLENECKS) {
        let kind = match b.kind {
            ResourceKind::Line => "line",
            ResourceKind::Lane => "lane",
        };
        table.row(vec![
            kind.into(),
            b.id.clone(),
            b.period.to_string(),
            number(b.shadow_price, 2),
        ]);
    }
    table.write(out, "  ");
}

fn suppliers(out: &mut String, doc: &NetworkDoc, plan: &Plan) {
    out.push_str("\nSupplier load (utilisation of the capacity left by downtime and renovation)\n");
    let suppliers: Vec<_> = doc
        .enterprises
        .iter()
        .filter(|e| e.role == Role::Supplier)
        .collect();
    if suppliers.is_empty() {
        out.push_str("  no supplier enterprises\n");
        return;
    }
    let operations: HashMap<(&str, String), &Operation> = doc
        .lines
        .iter()
        .flat_map(|l| {
            l.operations
                .iter()
                .map(|o| ((l.id.as_str(), o.id_in(&l.id)), o))
        })
        .collect();
    for enterprise in suppliers {
        let sites: HashSet<&str> = doc
            .sites
            .iter()
            .filter(|s| s.enterprise == enterprise.id)
            .map(|s| s.id.as_str())
            .collect();
        // The plan's allocations already say what each supplier makes and ships.
        let entries = plan
            .allocations
            .iter()
            .filter(|a| a.enterprise == enterprise.id)
            .flat_map(|a| &a.entries);
        let (mut made, mut shipped) = (0.0, 0.0);
        for e in entries {
            match e.kind {
                AllocationKind::Make => made += e.qty,
                AllocationKind::Ship => shipped += e.qty,
            }
        }
        let name = match &enterprise.name {
            Some(name) => format!("{} ({name})", enterprise.id),
            None => enterprise.id.clone(),
        };
        let _ = writeln!(
            out,
            "  {name}: made {} units, shipped {} units",
            number(made, 1),
            number(shipped, 1)
        );

        let lines: Vec<&Line> = doc
            .lines
            .iter()
            .filter(|l| sites.contains(l.site.as_str()))
            .collect();
        if lines.is_empty() {
            out.push_str("    no lines\n");
            continue;
        }
        let mut table = Table::new(&[
            ("line", Align::Left),
            ("used", Align::Right),
            ("available", Align::Right),
            ("utilisation", Align::Right),
        ]);
        for line in lines {
            let used: f64 = plan
                .production
                .iter()
                .filter(|p| p.line == line.id)
                .map(|p| {
                    let key = (line.id.as_str(), p.operation.clone());
                    operations.get(&key).map_or(p.qty, |op| {
                        // A period with output was set up (x > 0 forces y = 1).
                        let setup = if p.qty > 0.0 { op.setup_time } else { 0.0 };
                        op.load * p.qty + setup
                    })
                })
                .sum();
            let states = LineStates::of(doc, plan, line);
            let available: f64 = (0..doc.periods()).map(|t| states.capacity(t)).sum();
            table.row(vec![
                line.id.clone(),
                number(used, 1),
                number(available, 1),
                share(used, available),
            ]);
        }
        table.write(out, "    ");
    }
}

fn conflicts(out: &mut String, plan: &Plan) {
    out.push_str("\nConflicts (no plan satisfies these together)\n");
    if plan.conflicts.is_empty() {
        out.push_str("  the solver named no conflicting element\n");
        return;
    }
    let mut table = Table::new(&[("path", Align::Left), ("reason", Align::Left)]);
    for c in &plan.conflicts {
        table.row(vec![c.path.clone(), c.reason.clone()]);
    }
    table.write(out, "  ");
}

/// What a line can do in one period.
#[derive(Debug, Clone, Copy, PartialEq)]
enum LineState {
    /// Capacity times this factor (the renovation's, once it is finished).
    Available(f64),
    /// Down for its renovation.
    Renovation,
    /// A downtime period of the document.
    Downtime,
}

impl LineState {
    fn symbol(self) -> char {
        match self {
            LineState::Available(_) => '.',
            LineState::Renovation => 'R',
            LineState::Downtime => 'D',
        }
    }
}

/// A line's downtime and its renovation as the plan scheduled it.
struct LineStates<'a> {
    line: &'a Line,
    downtime: HashSet<u32>,
    /// First and last period down, and the capacity factor afterwards.
    renovation: Option<(u32, u32, f64)>,
}

impl<'a> LineStates<'a> {
    fn of(doc: &NetworkDoc, plan: &Plan, line: &'a Line) -> LineStates<'a> {
        let scheduled = plan
            .renovations
            .iter()
            .find(|r| r.line == line.id)
            .and_then(|r| r.start.map(|start| (r, start)));
        let renovation = scheduled.map(|(r, start)| {
            let factor = doc
                .renovations
                .iter()
                .find(|d| d.id == r.id)
                .map_or(1.0, |d| d.capacity_factor);
            (start, r.end.unwrap_or(start), factor)
        });
        LineStates {
            line,
            downtime: line.downtime.iter().copied().collect(),
            renovation,
        }
    }

    fn at(&self, t: usize) -> LineState {
        let period = u32::try_from(t).unwrap_or(u32::MAX);
        match self.renovation {
            Some((start, end, _)) if (start..=end).contains(&period) => LineState::Renovation,
            _ if self.downtime.contains(&period) => LineState::Downtime,
            Some((_, end, factor)) if period > end => LineState::Available(factor),
            _ => LineState::Available(1.0),
        }
    }

    fn capacity(&self, t: usize) -> f64 {
        match self.at(t) {
            LineState::Available(factor) => self.line.capacity.at(t) * factor,
            LineState::Renovation | LineState::Downtime => 0.0,
        }
    }
}

fn key_value(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "  {key:<KEY_WIDTH$} {value}");
}

/// `part` as a percentage of `whole`, or `-` when the whole is zero.
fn share(part: f64, whole: f64) -> String {
    if whole.abs() < 1e-12 {
        "-".into()
    } else {
        format!("{:.1} %", 100.0 * part / whole)
    }
}

/// The answers about a renovation programme (`chainplan renovate`): one row
/// per renovation, the line timeline, and what one more budget step changes.
pub fn renovation_summary(
    doc: &NetworkDoc,
    plan: &Plan,
    answers: &[RenovationAnswer],
    step: Option<&BudgetStep>,
) -> String {
    let mut out = String::from("Renovations\n");
    let mut table = Table::new(&[
        ("renovation", Align::Left),
        ("line", Align::Left),
        ("down", Align::Left),
        ("net capex", Align::Right),
        ("capacity lost", Align::Right),
        ("gained", Align::Right),
        ("cost saved", Align::Right),
        ("co2 saved", Align::Right),
        ("delayed demands", Align::Left),
    ]);
    for a in answers {
        let down = match (a.start, a.end) {
            (Some(s), Some(e)) => format!("{s}..{e}"),
            _ => "not done".into(),
        };
        let delayed = if a.delayed_demands.is_empty() {
            "-".into()
        } else {
            a.delayed_demands.join(" ")
        };
        table.row(vec![
            a.id.clone(),
            a.line.clone(),
            down,
            number(a.net_capex, 0),
            number(a.capacity_lost, 1),
            number(a.capacity_gained, 1),
            number(a.cost_saved, 2),
            number(a.co2_saved, 2),
            delayed,
        ]);
    }
    table.write(&mut out, "  ");
    line_timeline(&mut out, doc, plan);
    out.push_str("\nOne more budget step\n");
    let Some(s) = step else {
        out.push_str("  no renovation budget in the document, or nothing left out to fund\n");
        return out;
    };
    let shown = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| number(v, 2));
    let delta = match (s.objective_before, s.objective_after) {
        (Some(a), Some(b)) => signed(b - a, 2),
        _ => "-".into(),
    };
    let _ = writeln!(
        out,
        "  budget {} + {}: objective {} -> {} ({delta})",
        number(s.budget, 0),
        number(s.step, 0),
        shown(s.objective_before),
        shown(s.objective_after),
    );
    if s.changed.is_empty() {
        out.push_str("  no renovation moves\n");
    }
    for (id, before, after) in &s.changed {
        let at =
            |p: &Option<u32>| p.map_or_else(|| "not done".to_string(), |t| format!("starts {t}"));
        let _ = writeln!(out, "  {id}: {} -> {}", at(before), at(after));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Allocation, AllocationEntry, Bottleneck, Conflict, CostBreakdown, Production,
        RenovationSchedule, Service, Shipment, SolveStats,
    };
    use serde_json::json;

    fn doc() -> NetworkDoc {
        serde_json::from_value(json!({
            "name": "demo chain",
            "horizon": {"periods": 6, "period": "week", "start": "2025-03-03"},
            "items": [{"id": "raw"}, {"id": "p"}],
            "enterprises": [
                {"id": "lead", "role": "leader"},
                {"id": "acme", "name": "Acme Castings", "role": "supplier"}
            ],
            "sites": [
                {"id": "plant", "enterprise": "lead"},
                {"id": "acme-1", "enterprise": "acme"}
            ],
            "lines": [
                {"id": "cast", "site": "acme-1", "capacity": 100, "downtime": [5],
                 "operations": [{"item": "raw", "load": 2, "setup_time": 10, "setup_cost": 1}]},
                {"id": "assembly", "site": "plant", "capacity": 50,
                 "operations": [{"item": "p", "inputs": [{"item": "raw", "qty": 1}]}]},
                {"id": "spare", "site": "plant", "capacity": 50,
                 "operations": [{"item": "p"}]}
            ],
            "lanes": [{"id": "acme-plant", "from": "acme-1", "to": "plant", "items": ["raw"]}],
            "demands": [{"id": "d", "site": "plant", "item": "p", "period": 4, "qty": 40}],
            "renovations": [{"id": "r-assembly", "line": "assembly", "duration": 2,
                             "earliest": 1, "latest": 3, "capacity_factor": 1.5}]
        }))
        .expect("test document parses")
    }

    fn plan() -> Plan {
        let mut plan = Plan::without_solution(PlanStatus::Optimal);
        plan.objective = Some(1234.5);
        plan.bound = Some(1230.0);
        plan.gap = Some(0.0036);
        plan.cost = CostBreakdown {
            production: 1000.0,
            setup: 34.5,
            transport: 200.0,
            ..CostBreakdown::default()
        };
        plan.emissions = 321.0;
        plan.service = Service {
            demand: 40.0,
            on_time: 30.0,
            late: 6.0,
            unmet: 4.0,
            fill_rate: 0.75,
        };
        plan.production = vec![
            Production {
                line: "cast".into(),
                operation: "cast/raw".into(),
                item: "raw".into(),
                period: 0,
                qty: 40.0,
            },
            Production {
                line: "assembly".into(),
                operation: "assembly/p".into(),
                item: "p".into(),
                period: 4,
                qty: 36.0,
            },
        ];
        plan.shipments = vec![Shipment {
            lane: "acme-plant".into(),
            item: "raw".into(),
            period: 0,
            arrival: 0,
            qty: 36.0,
        }];
        let entry = |kind, resource: &str, destination: Option<&str>, qty| AllocationEntry {
            kind,
            site: "acme-1".into(),
            item: "raw".into(),
            period: 0,
            qty,
            resource: resource.into(),
            destination: destination.map(Into::into),
        };
        plan.allocations = vec![Allocation {
            enterprise: "acme".into(),
            entries: vec![
                entry(AllocationKind::Make, "cast", None, 40.0),
                entry(AllocationKind::Ship, "acme-plant", Some("plant"), 36.0),
            ],
        }];
        plan.renovations = vec![RenovationSchedule {
            id: "r-assembly".into(),
            line: "assembly".into(),
            start: Some(2),
            end: Some(3),
        }];
        plan.bottlenecks = (0..12)
            .map(|i| Bottleneck {
                kind: if i % 2 == 0 {
                    ResourceKind::Line
                } else {
                    ResourceKind::Lane
                },
                id: format!("res-{i}"),
                period: i,
                shadow_price: f64::from(i) * 1.25,
            })
            .collect();
        plan.stats = SolveStats {
            variables: 1234,
            integer_variables: 10,
            constraints: 567,
            ..SolveStats::default()
        };
        plan
    }

    #[test]
    fn shares_are_percentages_or_a_dash() {
        assert_eq!(share(1.0, 4.0), "25.0 %");
        assert_eq!(share(1.0, 0.0), "-");
    }

    #[test]
    fn solved_plan_has_every_section() {
        let text = summary(&doc(), &plan());
        for section in [
            "Plan: demo chain",
            "\nService\n",
            "\nCost\n",
            "\nRenovations\n",
            "\nLine timeline",
            "\nBottlenecks (top 10 of 12",
            "\nSupplier load",
        ] {
            assert!(text.contains(section), "missing {section:?} in\n{text}");
        }
        assert!(!text.contains("Conflicts"), "{text}");
    }

    #[test]
    fn header_shows_horizon_status_bound_and_size() {
        let text = summary(&doc(), &plan());
        assert!(
            text.contains("6 periods (week), period 0 starts 2025-03-03"),
            "{text}"
        );
        assert!(text.contains("status       optimal"), "{text}");
        assert!(text.contains("objective    1,234.50"), "{text}");
        assert!(
            text.contains("bound        1,230.00   gap 0.36 %"),
            "{text}"
        );
        assert!(
            text.contains("1,234 variables (10 integer), 567 constraints"),
            "{text}"
        );
    }

    #[test]
    fn service_and_cost_are_formatted_with_shares() {
        let text = summary(&doc(), &plan());
        let line = |start: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(start))
                .unwrap_or_else(|| panic!("no line {start:?} in\n{text}"))
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(line("on time"), "on time 30.0 75.0 %");
        assert_eq!(line("unmet   "), "unmet 4.0 10.0 %");
        assert_eq!(line("fill rate"), "fill rate 75.0 %");
        assert_eq!(line("production"), "production 1,000.00 81.0 %");
        assert_eq!(line("carbon  "), "carbon 0.00 0.0 %");
        assert_eq!(line("total"), "total 1,234.50 100.0 %");
    }

    #[test]
    fn columns_line_up() {
        let text = summary(&doc(), &plan());
        let cost: Vec<&str> = text
            .lines()
            .skip_while(|l| *l != "Cost")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .collect();
        assert_eq!(cost.len(), 10, "{text}");
        // Right-aligned amounts and shares end in the same column.
        let ends: HashSet<usize> = cost.iter().map(|l| l.len()).collect();
        assert_eq!(ends.len(), 1, "{cost:#?}");
    }

    #[test]
    fn renovation_schedule_and_timeline() {
        let text = summary(&doc(), &plan());
        assert!(text.contains("r-assembly  assembly  2..3"), "{text}");
        assert!(text.contains("  assembly  ..RR.."), "{text}");
        assert!(text.contains("  cast      .....D"), "{text}");
        assert!(
            text.contains("(1 other lines available throughout)"),
            "{text}"
        );

        let mut skipped = plan();
        skipped.renovations[0].start = None;
        skipped.renovations[0].end = None;
        let text = summary(&doc(), &skipped);
        assert!(text.contains("r-assembly  assembly  not done"), "{text}");
    }

    #[test]
    fn bottlenecks_are_the_ten_largest() {
        let text = summary(&doc(), &plan());
        assert!(
            text.contains("lane  res-11      11         13.75"),
            "{text}"
        );
        assert!(text.contains("res-2 "), "{text}");
        assert!(!text.contains("res-1 "), "{text}");
        assert!(!text.contains("res-0 "), "{text}");
    }

    #[test]
    fn supplier_load_counts_load_setup_and_available_capacity() {
        let text = summary(&doc(), &plan());
        assert!(
            text.contains("acme (Acme Castings): made 40.0 units, shipped 36.0 units"),
            "{text}"
        );
        // 2 x 40 + setup 10 = 90 of 5 x 100 (period 5 is downtime): 18 %.
        assert!(
            text.contains("    cast  90.0      500.0       18.0 %"),
            "{text}"
        );
        // The leader's lines are not a supplier's load.
        assert!(!text.contains("    assembly "), "{text}");
    }

    #[test]
    fn renovated_capacity_counts_the_factor() {
        let doc = doc();
        let plan = plan();
        let states = LineStates::of(&doc, &plan, &doc.lines[1]);
        let capacity: Vec<f64> = (0..6).map(|t| states.capacity(t)).collect();
        assert_eq!(capacity, vec![50.0, 50.0, 0.0, 0.0, 75.0, 75.0]);
    }

    #[test]
    fn infeasible_plan_shows_conflicts_only() {
        let mut plan = Plan::without_solution(PlanStatus::Infeasible);
        plan.conflicts = vec![
            Conflict {
                path: "policy.carbon_cap".into(),
                reason: "cap 10 needs 25 more".into(),
            },
            Conflict {
                path: "lanes[0].min_share".into(),
                reason: "asks 0.5".into(),
            },
        ];
        let text = summary(&doc(), &plan);
        assert!(text.contains("status       infeasible"), "{text}");
        assert!(text.contains("Conflicts"), "{text}");
        assert!(
            text.contains("  policy.carbon_cap   cap 10 needs 25 more"),
            "{text}"
        );
        assert!(text.contains("  lanes[0].min_share  asks 0.5"), "{text}");
        for absent in ["\nCost\n", "\nService\n", "Bottlenecks", "objective"] {
            assert!(!text.contains(absent), "{absent:?} in\n{text}");
        }
    }

    #[test]
    fn plan_without_solution_says_why() {
        let text = summary(&doc(), &Plan::without_solution(PlanStatus::NoSolution));
        assert!(text.contains("status       no_solution"), "{text}");
        assert!(text.contains("before it found any plan"), "{text}");
    }
}
