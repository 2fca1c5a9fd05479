//! A checker of plans written apart from the formulation: every constraint
//! of the model (docs/model.md, section 3) checked from the plan's own
//! quantities, and every cost term recomputed from them.

use chainplan::model::{NetworkDoc, Plan};
use std::collections::HashMap;

pub const TOL: f64 = 1e-5;

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOL * a.abs().max(b.abs()).max(1.0)
}

/// Checks the plan against the document; returns every violation found.
pub fn check(doc: &NetworkDoc, plan: &Plan) -> Vec<String> {
    let mut bad = Vec::new();
    let t_count = doc.periods();
    let policy = &doc.policy;
    let zero = || vec![0.0; t_count];
    // Net inflow per (site, item, period), from every quantity in the plan.
    let mut net: HashMap<(String, String), Vec<f64>> = HashMap::new();
    let mut add = |site: &str, item: &str, t: usize, q: f64| {
        if t < t_count {
            net.entry((site.to_string(), item.to_string()))
                .or_insert_with(zero)[t] += q;
        }
    };
    for r in &doc.receipts {
        add(&r.site, &r.item, r.period as usize, r.qty);
    }
    let mut ops = HashMap::new();
    for line in &doc.lines {
        for op in &line.operations {
            ops.insert(op.id_in(&line.id), (line, op));
        }
    }
    let renovation_of = |line: &str| doc.renovations.iter().find(|r| r.line == line);
    let start_of = |id: &str| {
        plan.renovations
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.start)
    };
    let done = |line: &str, t: usize| {
        renovation_of(line)
            .and_then(|r| {
                start_of(&r.id).map(|s| (s as usize + r.duration as usize <= t) as u8 as f64)
            })
            .unwrap_or(0.0)
    };
    let down = |line: &str, t: usize| {
        renovation_of(line)
            .and_then(|r| {
                start_of(&r.id).map(|s| {
                    let s = s as usize;
                    (s <= t && t < s + r.duration as usize) as u8 as f64
                })
            })
            .unwrap_or(0.0)
    };

    let mut production_cost = 0.0;
    let mut setup_cost = 0.0;
    let mut emissions = 0.0;
    let mut line_use: HashMap<(&str, usize), f64> = HashMap::new();
    for p in &plan.production {
        let Some(&(line, op)) = ops.get(&p.operation) else {
            bad.push(format!("unknown operation {}", p.operation));
            continue;
        };
        let t = p.period as usize;
        add(&line.site, &op.item, t, p.qty);
        for i in &op.inputs {
            add(&line.site, &i.item, t, -i.qty * p.qty);
        }
        let (cf, qf) = renovation_of(&line.id)
            .filter(|_| done(&line.id, t) > 0.5)
            .map_or((1.0, 1.0), |r| (r.cost_factor, r.co2_factor));
        production_cost += op.cost * cf * p.qty;
        emissions += op.co2 * qf * p.qty;
        let mut used = op.load * p.qty;
        if op.needs_setup() {
            setup_cost += op.setup_cost;
            used += op.setup_time;
            if p.qty < op.min_lot - TOL {
                bad.push(format!(
                    "{} in {t}: {} below min lot {}",
                    p.operation, p.qty, op.min_lot
                ));
            }
        }
        *line_use.entry((line.id.as_str(), t)).or_default() += used;
    }
    for line in &doc.lines {
        for t in 0..t_count {
            let mut cap = if line.downtime.contains(&(t as u32)) {
                0.0
            } else {
                line.capacity.at(t)
            };
            if let Some(r) = renovation_of(&line.id) {
                cap *= 1.0 - down(&line.id, t) + (r.capacity_factor - 1.0) * done(&line.id, t);
            }
            let used = line_use.get(&(line.id.as_str(), t)).copied().unwrap_or(0.0);
            if used > cap + TOL * cap.max(1.0) {
                bad.push(format!("line {} in {t}: uses {used} of {cap}", line.id));
            }
        }
    }

    let mut transport = 0.0;
    let mut lane_use: HashMap<(&str, usize), f64> = HashMap::new();
    let mut lane_total: HashMap<(&str, &str), f64> = HashMap::new();
    for s in &plan.shipments {
        let Some(lane) = doc.lanes.iter().find(|e| e.id == s.lane) else {
            bad.push(format!("unknown lane {}", s.lane));
            continue;
        };
        let t = s.period as usize;
        if s.arrival != s.period + lane.lead_time || s.arrival as usize >= t_count {
            bad.push(format!(
                "lane {} in {t}: arrival {} outside the horizon or wrong",
                s.lane, s.arrival
            ));
        }
        add(&lane.from, &s.item, t, -s.qty);
        add(&lane.to, &s.item, s.arrival as usize, s.qty);
        transport += lane.cost * s.qty;
        emissions += lane.co2 * s.qty;
        *lane_use.entry((lane.id.as_str(), t)).or_default() += s.qty;
        *lane_total
            .entry((lane.id.as_str(), s.item.as_str()))
            .or_default() += s.qty;
    }
    for lane in &doc.lanes {
        if let Some(cap) = &lane.capacity {
            for t in 0..t_count {
                let used = lane_use.get(&(lane.id.as_str(), t)).copied().unwrap_or(0.0);
                if used > cap.at(t) + TOL * cap.at(t).max(1.0) {
                    bad.push(format!(
                        "lane {} in {t}: carries {used} of {}",
                        lane.id,
                        cap.at(t)
                    ));
                }
            }
        }
        for item in &lane.items {
            let own = lane_total
                .get(&(lane.id.as_str(), item.as_str()))
                .copied()
                .unwrap_or(0.0);
            let all: f64 = doc
                .lanes
                .iter()
                .filter(|e| e.to == lane.to && e.items.contains(item))
                .map(|e| {
                    lane_total
                        .get(&(e.id.as_str(), item.as_str()))
                        .copied()
                        .unwrap_or(0.0)
                })
                .sum();
            if let Some(m) = lane.min_share {
                if own < m * all - TOL * all.max(1.0) {
                    bad.push(format!(
                        "lane {} item {item}: {own} below min share of {all}",
                        lane.id
                    ));
                }
            }
            if let Some(m) = lane.max_share {
                if own > m * all + TOL * all.max(1.0) {
                    bad.push(format!(
                        "lane {} item {item}: {own} above max share of {all}",
                        lane.id
                    ));
                }
            }
        }
    }

    let mut late = 0.0;
    let mut unmet = 0.0;
    for d in &doc.demands {
        let mut delivered = 0.0;
        for w in plan.deliveries.iter().filter(|w| w.demand == d.id) {
            if w.period < d.period || w.late_by != w.period - d.period {
                bad.push(format!(
                    "demand {} delivered in {} before its due {}",
                    d.id, w.period, d.period
                ));
            }
            add(&d.site, &d.item, w.period as usize, -w.qty);
            late += d.late_penalty_in(policy) * w.late_by as f64 * w.qty;
            delivered += w.qty;
        }
        if delivered > d.qty + TOL * d.qty.max(1.0) {
            bad.push(format!(
                "demand {} over-delivered: {delivered} of {}",
                d.id, d.qty
            ));
        }
        unmet += d.unmet_penalty_in(policy) * (d.qty - delivered).max(0.0);
    }

    // Balance: rebuild stock from the flows and compare with the plan's.
    let mut holding = 0.0;
    let mut shortfall = 0.0;
    let mut pairs: Vec<(String, String)> = net.keys().cloned().collect();
    pairs.extend(doc.stocks.iter().map(|s| (s.site.clone(), s.item.clone())));
    pairs.sort();
    pairs.dedup();
    for (site, item) in &pairs {
        let rec = doc
            .stocks
            .iter()
            .find(|s| &s.site == site && &s.item == item);
        let mut level = rec.map_or(0.0, |s| s.initial);
        for t in 0..t_count {
            level += net.get(&(site.clone(), item.clone())).map_or(0.0, |v| v[t]);
            let reported = plan
                .stock
                .iter()
                .find(|s| &s.site == site && &s.item == item && s.period as usize == t)
                .map_or(0.0, |s| s.qty);
            if !close(level, reported) {
                bad.push(format!(
                    "stock {site}/{item} in {t}: flows give {level}, plan says {reported}"
                ));
            }
            if level < -TOL * level.abs().max(1.0) {
                bad.push(format!("stock {site}/{item} in {t} negative: {level}"));
            }
            if let Some(rec) = rec {
                if let Some(max) = &rec.max {
                    if level > max.at(t) + TOL * max.at(t).max(1.0) {
                        bad.push(format!("stock {site}/{item} in {t}: {level} above max"));
                    }
                }
                holding += rec.holding_cost * reported;
                shortfall += (rec.safety - reported).max(0.0);
            }
        }
    }

    for r in &doc.renovations {
        match start_of(&r.id) {
            Some(s) if s < r.earliest || s > r.latest => {
                bad.push(format!("renovation {} starts at {s}", r.id))
            }
            None if !r.optional => bad.push(format!("mandatory renovation {} not scheduled", r.id)),
            _ => {}
        }
    }
    if let Some(budget) = policy.renovation_budget {
        let spent: f64 = doc
            .renovations
            .iter()
            .filter(|r| start_of(&r.id).is_some())
            .map(|r| r.capex - r.subsidy)
            .sum();
        if spent > budget + TOL {
            bad.push(format!("renovation budget exceeded: {spent} > {budget}"));
        }
    }
    if let Some(m) = policy.max_concurrent_renovations {
        for t in 0..t_count {
            let n: f64 = doc.lines.iter().map(|l| down(&l.id, t)).sum();
            if n > m as f64 + TOL {
                bad.push(format!("{n} renovations at once in {t}"));
            }
        }
    }
    if let Some(cap) = policy.carbon_cap {
        if emissions > cap + TOL * cap.max(1.0) {
            bad.push(format!("emissions {emissions} above cap {cap}"));
        }
    }

    let c = &plan.cost;
    let recomputed = [
        ("production", production_cost, c.production),
        ("setup", setup_cost, c.setup),
        ("transport", transport, c.transport),
        ("holding", holding, c.holding),
        ("late", late, c.late),
        ("unmet", unmet, c.unmet),
        ("safety", policy.safety_penalty * shortfall, c.safety),
        ("carbon", policy.carbon_price * emissions, c.carbon),
    ];
    for (name, mine, theirs) in recomputed {
        if !close(mine, theirs) {
            bad.push(format!("cost {name}: recomputed {mine}, reported {theirs}"));
        }
    }
    if !close(emissions, plan.emissions) {
        bad.push(format!(
            "emissions: recomputed {emissions}, reported {}",
            plan.emissions
        ));
    }
    if let Some(obj) = plan.objective {
        if !close(c.total(), obj) {
            bad.push(format!("terms sum to {}, objective {obj}", c.total()));
        }
    }
    bad
}

/// A plan lists quantities above 1e-7 only, and its cost terms count the
/// solver's values below that too: over many backlog demands with large
/// penalties a recomputed term can differ from the reported one by a few
/// 1e-5 relative. Anything larger is a real violation.
pub fn sub_listing_noise(violation: &str) -> bool {
    let Some(rest) = violation.strip_prefix("cost ") else {
        return false;
    };
    let numbers: Vec<f64> = rest
        .split([' ', ','])
        .filter_map(|w| w.parse().ok())
        .collect();
    matches!(numbers[..], [a, b] if (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1.0))
}
