//! The readable record of a simulated execution loop (`chainplan
//! simulate`): one line per week (the plan, what happened, the
//! counter-proposal it was held to and its cost, a new one, what the roll
//! carried), then each supplier's adherence over all the weeks.

use super::table::{number, signed, Align, Table};
use crate::planning::simulate::Week;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The weekly KPIs and the adherence table.
pub fn simulation_summary(weeks: &[Week]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Simulated execution: {} weeks", weeks.len());
    out.push('\n');
    let mut table = Table::new(&[
        ("week", Align::Right),
        ("starts", Align::Left),
        ("plan", Align::Left),
        ("objective", Align::Right),
        ("delivered plan", Align::Right),
        ("delivered actual", Align::Right),
        ("backlog", Align::Right),
        ("in transit", Align::Right),
        ("held to", Align::Left),
        ("its cost", Align::Right),
        ("pushback", Align::Left),
    ]);
    for w in weeks {
        let backlog: f64 = w.roll.backlog.iter().map(|b| b.qty).sum();
        let in_transit: f64 = w.roll.in_transit.iter().map(|r| r.qty).sum();
        table.row(vec![
            w.week.to_string(),
            w.document
                .horizon
                .start
                .clone()
                .unwrap_or_else(|| "-".into()),
            w.status.to_string(),
            w.objective.map_or_else(|| "-".into(), |o| number(o, 2)),
            number(w.adherence.planned_delivered, 1),
            number(w.adherence.actual_delivered, 1),
            number(backlog, 1),
            number(in_transit, 1),
            w.held_to
                .as_ref()
                .map_or_else(|| "-".into(), |p| p.enterprise.clone()),
            w.pushback_cost.map_or_else(|| "-".into(), |c| signed(c, 2)),
            w.pushback
                .as_ref()
                .map_or_else(|| "-".into(), |p| p.enterprise.clone()),
        ]);
    }
    table.write(&mut out, "  ");

    // Supplier adherence summed over the weeks.
    let mut sums: BTreeMap<&str, (f64, f64, u32, u32, u32)> = BTreeMap::new();
    for w in weeks {
        for s in &w.adherence.suppliers {
            let e = sums.entry(&s.enterprise).or_default();
            e.0 += s.planned_made;
            e.1 += s.actual_made;
            e.2 += s.shipments_planned;
            e.3 += s.shipments_on_time_in_full;
        }
        if let Some(p) = &w.pushback {
            sums.entry(&p.enterprise).or_default().4 += 1;
        }
    }
    out.push_str("\nSupplier adherence (all weeks)\n");
    let mut table = Table::new(&[
        ("supplier", Align::Left),
        ("made plan", Align::Right),
        ("made actual", Align::Right),
        ("adherence", Align::Right),
        ("shipments", Align::Right),
        ("on time in full", Align::Right),
        ("counter-proposals", Align::Right),
    ]);
    for (enterprise, (planned, actual, shipments, otif, pushbacks)) in sums {
        let adherence = if planned > 1e-6 {
            format!("{:.1} %", 100.0 * actual / planned)
        } else {
            "-".into()
        };
        let otif = if shipments > 0 {
            format!("{:.1} %", 100.0 * f64::from(otif) / f64::from(shipments))
        } else {
            "-".into()
        };
        table.row(vec![
            enterprise.to_string(),
            number(planned, 1),
            number(actual, 1),
            adherence,
            shipments.to_string(),
            otif,
            pushbacks.to_string(),
        ]);
    }
    table.write(&mut out, "  ");
    out
}
