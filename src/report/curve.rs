//! The readable trade-off curve (`chainplan tradeoff --format summary`):
//! cost against emissions, one row per point.

use super::table::{number, Align, Table};
use crate::model::{Goal, Plan};
use crate::planning::goal_value;

/// The curve as a table: one row per point, highest emissions first.
pub fn curve_summary(curve: &[Plan]) -> String {
    let mut table = Table::new(&[
        ("point", Align::Right),
        ("co2 limit", Align::Right),
        ("emissions", Align::Right),
        ("cost", Align::Right),
        ("late + unmet", Align::Right),
        ("status", Align::Left),
    ]);
    for (k, plan) in curve.iter().enumerate() {
        let co2_limit = plan
            .goals
            .iter()
            .find(|g| g.goal == Goal::Co2)
            .and_then(|g| g.limit)
            .map_or_else(|| "-".to_string(), |l| number(l, 2));
        let solved = plan.status.has_solution();
        let shown = |v: f64, decimals| {
            if solved {
                number(v, decimals)
            } else {
                "-".to_string()
            }
        };
        table.row(vec![
            (k + 1).to_string(),
            co2_limit,
            shown(plan.emissions, 2),
            shown(goal_value(plan, Goal::Cost), 2),
            shown(goal_value(plan, Goal::Service), 1),
            plan.status.as_str().to_string(),
        ]);
    }
    let mut out = String::from("Cost-CO2 trade-off (cheapest first, cleanest last)\n");
    table.write(&mut out, "  ");
    out
}
