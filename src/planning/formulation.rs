//! The LP/MILP of docs/model.md §2-4, built with good_lp for HiGHS.
//!
//! `PlanModel::build` creates every decision of section 2 that the scope keeps,
//! the objective of section 4, then the constraints of section 3 in order. It
//! remembers which column and row is which, so the solution, the duals of the
//! capacity rows and the slack of an elastic re-solve can be read back.
//!
//! Two variants share the code: `Mode::FixedIntegers` turns the binaries into
//! fixed continuous columns (the LP whose duals price a MILP's capacities), and
//! `Mode::Elastic` adds penalised slack to every constraint that can make a
//! document infeasible, minimising only that slack, to name the conflicts.
//!
//! A re-plan (`PlanModel::build_with` and a baseline) adds the frozen fence
//! and the stability penalty of `fence` on top, in every mode.

use super::fence::{keep_everything, Fence, HeldRow};
use super::lot_sizing::{lot_sizing_columns, LotSizing};
use super::lp::{sum_of, Col, Columns, Making, Mode, Relaxation, Rows, EPS};
use super::network::{DemandData, LineData, Network, Pair};
use super::programme::{window_cost, Programme};
use super::replan::Baseline;
use super::scope::Scope;
use crate::model::Goal;
use good_lp::solvers::highs::{highs, HighsProblem};
use good_lp::Expression;
use std::collections::HashMap;

/// Which delivery periods of demand `d` get a column. A delivery `t - due`
/// periods late is left out when it costs more than leaving the units unmet
/// and holding them to the end of the horizon: moving the units of such a
/// delivery to `u[d]` keeps every row satisfied (the stock only grows, its
/// pair has no `max`, and with no safety target there is no row the extra
/// stock enters) and the service goal unchanged (late and unmet units count
/// alike), and lowers the cost. So no optimum of any objective uses it, and
/// the LP duals of the smaller model price the left-out columns at a
/// non-negative reduced cost. A re-plan keeps every column: its fence may
/// pin a published late delivery. Documents with backlog penalties far above
/// holding costs (the lot-sizing imports) lose most of their delivery columns.
fn worth_delivering_late<'a>(
    net: &'a Network,
    d: &'a DemandData,
    fenced: bool,
) -> impl Fn(usize) -> bool + 'a {
    let holding = net.stocks.get(&(d.site, d.item)).map_or(Some(0.0), |s| {
        (s.max.is_none() && s.safety <= 0.0).then_some(s.holding_cost)
    });
    move |t| match holding {
        Some(h) if !fenced && t > d.due => {
            d.late_penalty * (t - d.due) as f64 <= d.unmet_penalty + h * (net.periods - t) as f64
        }
        _ => true,
    }
}

/// Which relaxable constraint a slack column belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum SlackKey {
    CarbonCap,
    MinShare(usize),
    Renovation(usize),
    Budget,
    Concurrent(usize),
    StockMax(usize, usize),
    /// Renovation `r` waits for its `after[k]`.
    After(usize, usize),
    /// A renovation group, by position in the programme's groups.
    Group(usize),
    /// An item whose source lines are all renovated.
    KeepSource(usize),
}

/// What a model minimises, and the goals it holds within limits: a stage of
/// a lexicographic objective or a point of a trade-off curve. The default is
/// the model's: minimise cost, nothing held.
#[derive(Debug, Clone)]
pub(crate) struct Goals {
    pub minimise: Goal,
    pub limits: Vec<(Goal, f64)>,
}

impl Default for Goals {
    fn default() -> Self {
        Goals {
            minimise: Goal::Cost,
            limits: Vec::new(),
        }
    }
}

/// The built model: the HiGHS problem and the map to read it back.
pub(crate) struct PlanModel {
    pub problem: HighsProblem,
    pub map: ModelMap,
}

/// Which column and row is which decision and constraint of the document.
pub(crate) struct ModelMap {
    pub columns: usize,
    pub rows: usize,
    pub integer_columns: usize,
    /// Whether the lot-sizing rows reach components through echelon
    /// requirements (`lot_sizing.rs`), whose LP relaxation is large and
    /// degenerate.
    pub echelon_lots: bool,
    /// `making[o][t]`.
    pub making: Vec<Vec<Making>>,
    /// `setup[o][t]`.
    pub setup: Vec<Vec<Option<Col>>>,
    /// `flow[lane][position of item][t]`.
    pub flow: Vec<Vec<Vec<Option<Col>>>>,
    pub stock_pairs: Vec<Pair>,
    /// `stock[pair index][t]`.
    pub stock: Vec<Vec<Col>>,
    /// `shortfall[pair index][t]`, where the pair has a safety target.
    pub shortfall: Vec<Option<Vec<Col>>>,
    /// `delivered[d]` as (period, column).
    pub delivered: Vec<Vec<(usize, Col)>>,
    pub unmet: Vec<Col>,
    /// `start[r]` as (period, column).
    pub start: Vec<Vec<(usize, Col)>>,
    /// Line capacity rows: (line, period, row).
    ///
    /// Row numbers hold for this model only: the modes differ in the rows
    /// before and among the capacity rows (`FixedIntegers` leaves out the
    /// setup links of setups fixed at 1 and the lot-sizing rows, `Elastic`
    /// adds stock maxima), so duals are read through the map of the model
    /// that produced them. That is sturdier than a mode-independent layout,
    /// which any new mode-dependent row would silently break.
    pub line_rows: Vec<(usize, usize, usize)>,
    /// Lane capacity rows: (lane, period, row).
    pub lane_rows: Vec<(usize, usize, usize)>,
    pub relaxations: Vec<Relaxation>,
    /// The baseline of a re-plan, to measure the plan's stability against.
    pub fence: Option<Fence>,
    /// The rows holding decisions outside a repair's region after the
    /// fence, whose duals `repair` reads.
    pub held_outside: Vec<HeldRow>,
    /// The objective's constant term, HiGHS' objective offset.
    pub objective_offset: f64,
    /// Each row's period, or `WHOLE_HORIZON` (see `Rows::periods`).
    pub row_period: Vec<u32>,
}

impl PlanModel {
    /// Builds the model of `net` restricted to `scope`, with no baseline.
    #[cfg(test)]
    pub fn build(net: &Network, scope: &Scope, mode: Mode) -> PlanModel {
        PlanModel::build_with(net, scope, mode, None)
    }

    /// Builds the model of `net` restricted to `scope`; with a baseline, the
    /// re-plan against it, which keeps every decision whatever the scope.
    pub fn build_with(
        net: &Network,
        scope: &Scope,
        mode: Mode,
        baseline: Option<&Baseline>,
    ) -> PlanModel {
        PlanModel::build_goals(net, scope, mode, baseline, &Goals::default())
    }

    /// As [`PlanModel::build_with`], minimising `goals.minimise` with every
    /// goal of `goals.limits` held within its limit. In elastic mode the
    /// goals are ignored: only feasibility is asked.
    pub fn build_goals(
        net: &Network,
        scope: &Scope,
        mode: Mode,
        baseline: Option<&Baseline>,
        goals: &Goals,
    ) -> PlanModel {
        let fence = baseline.map(|b| Fence::resolve(net, b));
        let everything;
        let scope = if fence.is_some() {
            everything = keep_everything(net);
            &everything
        } else {
            scope
        };
        let t_count = net.periods;
        let policy = &net.doc.policy;
        let price = policy.carbon_price;
        let elastic = matches!(mode, Mode::Elastic(_));
        let mut cols = Columns::new(mode);

        // Section 2, production x (split by renovation state) and setups y.
        let mut making = vec![vec![Making::default(); t_count]; net.operations.len()];
        let mut setup = vec![vec![None; t_count]; net.operations.len()];
        let mut most = vec![vec![0.0; t_count]; net.operations.len()];
        for (o, op) in net.operations.iter().enumerate() {
            if !scope.operation_kept[o] {
                continue;
            }
            let reno = net.lines[op.line]
                .renovation
                .map(|r| &net.renovations[r])
                .filter(|r| r.changes_unit_cost());
            for t in 0..t_count {
                let peak = net.peak_capacity(op.line, t);
                let setup_time = if op.needs_setup { op.setup_time } else { 0.0 };
                let m = (peak - setup_time) / op.load;
                if peak <= 0.0 || m <= EPS {
                    continue;
                }
                most[o][t] = m;
                let (can_be_done, can_be_undone) = match reno {
                    Some(r) => (
                        r.starts_done_by(t).next().is_some(),
                        r.doc.optional || r.latest + r.duration > t,
                    ),
                    None => (false, true),
                };
                // No column bounds from capacity: the capacity rows alone must
                // bind, or their duals (the bottleneck prices) would be lost.
                if can_be_undone {
                    making[o][t].before = Some(cols.add(f64::INFINITY, op.cost + price * op.co2));
                }
                // Only a line with a renovation can be done with it.
                if let (true, Some(r)) = (can_be_done, reno) {
                    let (cf, qf) = (r.doc.cost_factor, r.doc.co2_factor);
                    making[o][t].after =
                        Some(cols.add(f64::INFINITY, op.cost * cf + price * op.co2 * qf));
                }
                if op.needs_setup {
                    setup[o][t] = Some(cols.binary(op.setup_cost));
                }
            }
        }

        // Renovation starts z.
        let start: Vec<Vec<(usize, Col)>> = net
            .renovations
            .iter()
            .map(|r| {
                r.starts()
                    .map(|t| (t, cols.binary(window_cost(r, t, net.periods))))
                    .collect()
            })
            .collect();

        // Flows f, only where the arrival falls inside the horizon.
        let flow: Vec<Vec<Vec<Option<Col>>>> = net
            .lanes
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let unit = e.cost + price * e.co2;
                (0..e.items.len())
                    .map(|pos| {
                        (0..t_count)
                            .map(|t| {
                                let open = scope.lane_item_kept[k][pos]
                                    && t + e.lead_time < t_count
                                    && e.capacity.as_ref().is_none_or(|c| c[t] > 0.0);
                                open.then(|| cols.add(f64::INFINITY, unit))
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();

        // Stock s and safety shortfall k.
        let stock_pairs = scope.stock_pairs(net);
        let mut stock = Vec::with_capacity(stock_pairs.len());
        let mut shortfall = Vec::with_capacity(stock_pairs.len());
        for pair in &stock_pairs {
            let rec = net.stocks.get(pair);
            let holding = rec.map_or(0.0, |s| s.holding_cost);
            let max = rec.and_then(|s| s.max.as_ref());
            stock.push(
                (0..t_count)
                    .map(|t| {
                        // In elastic mode the bound becomes a row with slack.
                        let upper = match max {
                            Some(m) if !elastic => m[t],
                            _ => f64::INFINITY,
                        };
                        cols.add(upper, holding)
                    })
                    .collect::<Vec<_>>(),
            );
            shortfall.push(rec.filter(|s| s.safety > 0.0).map(|_| {
                (0..t_count)
                    .map(|_| cols.add(f64::INFINITY, policy.safety_penalty))
                    .collect()
            }));
        }
        let pair_index: HashMap<Pair, usize> = stock_pairs
            .iter()
            .enumerate()
            .map(|(k, &p)| (p, k))
            .collect();

        // Deliveries w (only where the item can be at the site) and unmet u.
        let mut delivered = Vec::with_capacity(net.demands.len());
        let mut unmet = Vec::with_capacity(net.demands.len());
        for d in &net.demands {
            let worth_delivering = worth_delivering_late(net, d, fence.is_some());
            delivered.push(
                (d.due..t_count)
                    .filter(|&t| worth_delivering(t))
                    .map(|t| {
                        (
                            t,
                            cols.add(f64::INFINITY, d.late_penalty * (t - d.due) as f64),
                        )
                    })
                    .collect::<Vec<_>>(),
            );
            unmet.push(cols.add(f64::INFINITY, d.unmet_penalty));
        }

        // Valid inequalities of the facility-location kind for lot sizing.
        let lots = match mode {
            Mode::FixedIntegers(_) => Vec::new(),
            _ => lot_sizing_columns(net, scope, &setup, &mut cols),
        };

        let mut model = ModelRows {
            net,
            elastic,
            slack_cols: HashMap::new(),
            making,
            setup,
            most,
            flow,
            stock_pairs,
            stock,
            shortfall,
            pair_index,
            delivered,
            unmet,
            start,
            fixed_on: cols.fixed_on().clone(),
            lots,
        };
        // Slack columns must exist before the problem is created.
        let mut slack_plan = if elastic {
            model.plan_slack(&mut cols)
        } else {
            Vec::new()
        };
        let mut fence_parts = fence
            .as_ref()
            .map(|f| f.columns(net, &model.making, &model.flow, &mut cols));
        if let Some(parts) = &mut fence_parts {
            slack_plan.append(&mut parts.relaxations);
        }
        let built = cols.finish();
        let columns = built.count;
        let integer_columns = built.integers;
        let objective_offset = if elastic { 0.0 } else { built.constant };
        let echelon_lots = model.lots.iter().any(LotSizing::has_echelon);
        // the objective of docs/model.md §4 (on a re-plan, with the stability penalty).
        let cost = built.objective;
        let objective = if elastic {
            cost.clone()
        } else {
            model.goal_expr(goals.minimise, &cost)
        };
        let problem = built.vars.minimise(objective).using(highs);
        let mut rows = Rows::new(problem);
        let (line_rows, lane_rows) = model.add_constraints(&mut rows);
        if !elastic {
            for &(goal, limit) in &goals.limits {
                rows.add(model.goal_expr(goal, &cost).leq(limit));
            }
        }
        // Last. Rows are read back only through this model's own map
        // (`ModelMap::line_rows`), so their numbers need not agree between modes.
        let held_outside = fence_parts
            .map(|parts| parts.add_rows(&mut rows))
            .unwrap_or_default();
        let row_count = rows.count();
        let row_period = rows.periods().to_vec();
        let map = ModelMap {
            columns,
            rows: row_count,
            integer_columns,
            echelon_lots,
            making: model.making,
            setup: model.setup,
            flow: model.flow,
            stock_pairs: model.stock_pairs,
            stock: model.stock,
            shortfall: model.shortfall,
            delivered: model.delivered,
            unmet: model.unmet,
            start: model.start,
            line_rows,
            lane_rows,
            relaxations: slack_plan,
            fence,
            held_outside,
            objective_offset,
            row_period,
        };
        PlanModel {
            problem: rows.into_problem(),
            map,
        }
    }
}

/// The columns by meaning, while the rows are being added.
struct ModelRows<'n, 'd> {
    net: &'n Network<'d>,
    elastic: bool,
    slack_cols: HashMap<SlackKey, Col>,
    making: Vec<Vec<Making>>,
    setup: Vec<Vec<Option<Col>>>,
    most: Vec<Vec<f64>>,
    flow: Vec<Vec<Vec<Option<Col>>>>,
    stock_pairs: Vec<Pair>,
    stock: Vec<Vec<Col>>,
    shortfall: Vec<Option<Vec<Col>>>,
    pair_index: HashMap<Pair, usize>,
    delivered: Vec<Vec<(usize, Col)>>,
    unmet: Vec<Col>,
    start: Vec<Vec<(usize, Col)>>,
    fixed_on: std::collections::HashSet<usize>,
    lots: Vec<LotSizing>,
}

impl ModelRows<'_, '_> {
    /// Creates one slack column per constraint that can make the document
    /// infeasible, with the path and reason that name it as a conflict.
    fn plan_slack(&mut self, cols: &mut Columns) -> Vec<Relaxation> {
        let net = self.net;
        let doc = net.doc;
        let policy = &doc.policy;
        let mut wanted: Vec<(SlackKey, String, String)> = Vec::new();
        if let Some(cap) = policy.carbon_cap {
            wanted.push((
                SlackKey::CarbonCap,
                "policy.carbon_cap".into(),
                format!("emissions must stay within {cap}"),
            ));
        }
        for (k, e) in net.lanes.iter().enumerate() {
            if let Some(share) = e.min_share {
                wanted.push((
                    SlackKey::MinShare(k),
                    format!("lanes[{k}].min_share"),
                    format!(
                        "lane \"{}\" must carry at least {share} of the inflow of its items",
                        doc.lanes[k].id
                    ),
                ));
            }
        }
        for (r, rd) in net.renovations.iter().enumerate() {
            if !rd.doc.optional {
                wanted.push((
                    SlackKey::Renovation(r),
                    format!("renovations[{}]", rd.index),
                    format!(
                        "renovation \"{}\" must start in periods {}..={}",
                        rd.doc.id, rd.earliest, rd.latest
                    ),
                ));
            }
        }
        if !net.renovations.is_empty() {
            if let Some(budget) = policy.renovation_budget {
                wanted.push((
                    SlackKey::Budget,
                    "policy.renovation_budget".into(),
                    format!("capex net of subsidy must stay within {budget}"),
                ));
            }
            if let Some(m) = policy.max_concurrent_renovations {
                for t in 0..net.periods {
                    wanted.push((
                        SlackKey::Concurrent(t),
                        "policy.max_concurrent_renovations".into(),
                        format!("at most {m} line(s) down for renovation in period {t}"),
                    ));
                }
            }
        }
        let programme = Programme::of(net);
        for &(r, k, _) in &programme.precedence {
            let rd = &net.renovations[r];
            wanted.push((
                SlackKey::After(r, k),
                format!("renovations[{}].after[{k}]", rd.index),
                format!(
                    "renovation \"{}\" starts only once \"{}\" is finished",
                    rd.doc.id, rd.doc.after[k]
                ),
            ));
        }
        for (g, (group, _)) in programme.groups.iter().enumerate() {
            wanted.push((
                SlackKey::Group(g),
                "policy.max_concurrent_per_group".into(),
                format!(
                    "at most {} line(s) of group \"{group}\" down for renovation in any period",
                    programme.group_limit
                ),
            ));
        }
        for &(item, _) in &programme.kept_sources {
            wanted.push((
                SlackKey::KeepSource(item),
                "policy.keep_sources".into(),
                format!(
                    "a line able to make \"{}\" stays up in every period",
                    doc.items[item].id
                ),
            ));
        }
        for (p, pair) in self.stock_pairs.iter().enumerate() {
            if let Some(s) = net.stocks.get(pair).filter(|s| s.max.is_some()) {
                for t in 0..net.periods {
                    wanted.push((
                        SlackKey::StockMax(p, t),
                        format!("stocks[{}].max", s.index),
                        format!(
                            "stock of \"{}\" at \"{}\" must stay within its maximum in period {t}",
                            doc.items[pair.1].id, doc.sites[pair.0].id
                        ),
                    ));
                }
            }
        }
        let forbidden: &[String] = match cols.mode() {
            Mode::Elastic(paths) => paths,
            _ => &[],
        };
        wanted
            .into_iter()
            .map(|(key, path, what)| {
                let col = cols.slack(!forbidden.contains(&path));
                self.slack_cols.insert(key, col);
                Relaxation {
                    path,
                    what,
                    col,
                    excess: false,
                }
            })
            .collect()
    }

    /// In elastic mode, adds the slack of `key` to `e` with `sign`.
    fn relax(&self, e: &mut Expression, sign: f64, key: SlackKey) {
        if let Some(c) = self.slack_cols.get(&key) {
            e.add_mul(sign, c.var);
        }
    }

    /// Section 3, items 1-9, in that order. Returns the capacity rows.
    #[allow(clippy::type_complexity)]
    fn add_constraints(
        &self,
        rows: &mut Rows,
    ) -> (Vec<(usize, usize, usize)>, Vec<(usize, usize, usize)>) {
        let net = self.net;
        self.add_balance(rows);

        // 2. Line capacity, with the renovation's downtime and uplift.
        let mut lot_of: Vec<Option<&LotSizing>> = vec![None; net.operations.len()];
        for lot in &self.lots {
            lot_of[lot.operation()] = Some(lot);
        }
        let mut line_rows = Vec::new();
        for (l, line) in net.lines.iter().enumerate() {
            let reno = line.renovation.map(|r| (r, &net.renovations[r]));
            for t in 0..net.periods {
                let mut e = Expression::with_capacity(line.operations.len() * 2);
                let mut any = false;
                for &o in &line.operations {
                    let op = &net.operations[o];
                    for c in self.making[o][t].cols() {
                        e.add_mul(op.load, c.var);
                        any = true;
                    }
                    if let Some(y) = self.setup[o][t] {
                        if op.setup_time > 0.0 {
                            e.add_mul(op.setup_time, y.var);
                        }
                    }
                }
                if !any {
                    continue;
                }
                rows.in_period(Some(t));
                let cap = line.capacity[t];
                if let Some((r, rd)) = reno {
                    for tau in rd.starts_down_in(t) {
                        e.add_mul(cap, self.start_col(r, tau).var);
                    }
                    let uplift = cap * (rd.doc.capacity_factor - 1.0);
                    if uplift != 0.0 {
                        for tau in rd.starts_done_by(t) {
                            e.add_mul(-uplift, self.start_col(r, tau).var);
                        }
                    }
                }
                if let Some(fl) = self.allocated_capacity(line, t, &e, &lot_of) {
                    rows.add(fl.leq(cap));
                }
                line_rows.push((l, t, rows.add(e.leq(cap))));
            }
        }

        // 3. Setups, and the split production's link to the renovation state.
        for (o, op) in net.operations.iter().enumerate() {
            let reno = net.lines[op.line].renovation;
            for t in 0..net.periods {
                rows.in_period(Some(t));
                let mk = self.making[o][t];
                let m = self.most[o][t];
                if let (Some(before), Some(after), Some(r)) = (mk.before, mk.after, reno) {
                    let done = self.done_expr(r, t);
                    // before <= M (1 - done);  after <= M done
                    rows.add((sum_of([(1.0, &before)]) + done.clone() * m).leq(m));
                    rows.add((sum_of([(1.0, &after)]) - done * m).leq(0.0));
                }
                if let Some(y) = self.setup[o][t] {
                    let made: Vec<Col> = mk.cols().collect();
                    let made = sum_of(made.iter().map(|c| (1.0, c)));
                    // With y fixed at 1 the link is implied by the capacity row;
                    // leaving it out keeps the capacity's dual on the capacity.
                    if !self.fixed_on.contains(&y.col) {
                        rows.add((made.clone() - sum_of([(m, &y)])).leq(0.0));
                    }
                    if op.min_lot > 0.0 {
                        rows.add((made - sum_of([(op.min_lot, &y)])).geq(0.0));
                    }
                }
            }
        }

        // 4. Lane capacity.
        let mut lane_rows = Vec::new();
        for (k, e) in net.lanes.iter().enumerate() {
            let Some(cap) = &e.capacity else { continue };
            for (t, &c) in cap.iter().enumerate() {
                let cols: Vec<&Col> = self.flow[k].iter().filter_map(|f| f[t].as_ref()).collect();
                if cols.is_empty() {
                    continue;
                }
                let sum = sum_of(cols.into_iter().map(|c| (1.0, c)));
                rows.in_period(Some(t));
                lane_rows.push((k, t, rows.add(sum.leq(c))));
            }
        }
        rows.in_period(None);

        for lot in &self.lots {
            lot.add_rows(net, &self.making, &self.setup, &self.delivered, rows);
        }

        // 5. Demand, each row in its due period.
        for (d, dem) in net.demands.iter().enumerate() {
            let mut e = sum_of(self.delivered[d].iter().map(|(_, c)| (1.0, c)));
            e.add_mul(1.0, self.unmet[d].var);
            rows.in_period(Some(dem.due));
            rows.add(e.eq(dem.qty));
        }
        rows.in_period(None);

        // 6. Sourcing shares over the horizon.
        self.add_shares(rows);

        // 7. Renovations: one start (or at most one), budget, concurrency.
        let policy = &net.doc.policy;
        for (r, rd) in net.renovations.iter().enumerate() {
            let mut e = sum_of(self.start[r].iter().map(|(_, c)| (1.0, c)));
            if rd.doc.optional {
                rows.add(e.leq(1.0));
            } else {
                self.relax(&mut e, 1.0, SlackKey::Renovation(r));
                rows.add(e.eq(1.0));
            }
        }
        if let Some(budget) = policy.renovation_budget {
            if !net.renovations.is_empty() {
                let mut e = Expression::with_capacity(16);
                for (r, rd) in net.renovations.iter().enumerate() {
                    let net_capex = rd.doc.capex - rd.doc.subsidy;
                    for (_, c) in &self.start[r] {
                        e.add_mul(net_capex, c.var);
                    }
                }
                self.relax(&mut e, -1.0, SlackKey::Budget);
                rows.add(e.leq(budget));
            }
        }
        if let Some(m) = policy.max_concurrent_renovations {
            if !net.renovations.is_empty() {
                for t in 0..net.periods {
                    let mut e = Expression::with_capacity(16);
                    for (r, rd) in net.renovations.iter().enumerate() {
                        for tau in rd.starts_down_in(t) {
                            e.add_mul(1.0, self.start_col(r, tau).var);
                        }
                    }
                    self.relax(&mut e, -1.0, SlackKey::Concurrent(t));
                    rows.add(e.leq(m as f64));
                }
            }
        }

        // 7'. The programme beyond the core model (docs/model.md §6): precedence, groups, sources kept.
        self.add_programme(rows);

        // 9. Carbon cap.
        if let Some(cap) = policy.carbon_cap {
            let mut e = self.emissions_expr();
            self.relax(&mut e, -1.0, SlackKey::CarbonCap);
            rows.add(e.leq(cap));
        }

        // Stock maxima, as rows only in elastic mode (bounds otherwise).
        if self.elastic {
            for (p, pair) in self.stock_pairs.iter().enumerate() {
                if let Some(max) = net.stocks.get(pair).and_then(|s| s.max.as_ref()) {
                    for (t, &m) in max.iter().enumerate() {
                        let mut e = sum_of([(1.0, &self.stock[p][t])]);
                        self.relax(&mut e, -1.0, SlackKey::StockMax(p, t));
                        rows.add(e.leq(m));
                    }
                }
            }
        }
        (line_rows, lane_rows)
    }

    /// The capacity row of line `line` in period `t` (`used`, without its
    /// right-hand side) with each lot-sizing operation's production replaced
    /// by the part of it allocated to on-time demands, or `None` when the
    /// line has no such operation (`lot_of` maps operations to theirs).
    /// Allocations never exceed production, so the row cuts no plan; it
    /// exists because HiGHS's flow-cover cuts read the variable bounds of the
    /// columns in a row, and the allocations carry the tight ones
    /// (`alloc <= qty_d y`) where production carries big-M.
    fn allocated_capacity(
        &self,
        line: &LineData,
        t: usize,
        used: &Expression,
        lot_of: &[Option<&LotSizing>],
    ) -> Option<Expression> {
        let mut lots = line
            .operations
            .iter()
            .filter_map(|&o| lot_of[o].map(|lot| (o, lot)))
            .peekable();
        lots.peek()?;
        let mut e = used.clone();
        for (o, lot) in lots {
            let load = self.net.operations[o].load;
            for c in self.making[o][t].cols() {
                e.add_mul(-load, c.var);
            }
            for c in lot.allocated_in(t) {
                e.add_mul(load, c.var);
            }
        }
        Some(e)
    }

    /// The renovation programme's rows (see `programme.rs`).
    fn add_programme(&self, rows: &mut Rows) {
        let net = self.net;
        let programme = Programme::of(net);
        // Started by t implies the prerequisite finished by t:
        // sum_{tau <= t} z[r,tau] <= sum_{tau <= t - D_a} z[a,tau].
        for &(r, k, a) in &programme.precedence {
            let (rd, ad) = (&net.renovations[r], &net.renovations[a]);
            for t in rd.starts() {
                let mut e = Expression::with_capacity(2 * (t + 1));
                for tau in rd.earliest..=t {
                    e.add_mul(1.0, self.start_col(r, tau).var);
                }
                for tau in ad.starts_done_by(t) {
                    e.add_mul(-1.0, self.start_col(a, tau).var);
                }
                self.relax(&mut e, -1.0, SlackKey::After(r, k));
                rows.add(e.leq(0.0));
            }
        }
        let down = |members: &[usize], t: usize| {
            let mut e = Expression::with_capacity(4 * members.len());
            for &r in members {
                for tau in net.renovations[r].starts_down_in(t) {
                    e.add_mul(1.0, self.start_col(r, tau).var);
                }
            }
            e
        };
        for (g, (_, members)) in programme.groups.iter().enumerate() {
            for t in 0..net.periods {
                let mut e = down(members, t);
                self.relax(&mut e, -1.0, SlackKey::Group(g));
                rows.add(e.leq(f64::from(programme.group_limit)));
            }
        }
        for (item, members) in &programme.kept_sources {
            for t in 0..net.periods {
                let mut e = down(members, t);
                self.relax(&mut e, -1.0, SlackKey::KeepSource(*item));
                rows.add(e.leq((members.len() - 1) as f64));
            }
        }
    }

    /// A goal as an expression over the columns; `cost` is the objective
    /// docs/model.md §4 minimises.
    fn goal_expr(&self, goal: Goal, cost: &Expression) -> Expression {
        match goal {
            Goal::Cost => cost.clone(),
            Goal::Co2 => self.emissions_expr(),
            Goal::Service => {
                let mut e = Expression::with_capacity(self.unmet.len() * 4);
                for (d, delivered) in self.delivered.iter().enumerate() {
                    let due = self.net.demands[d].due;
                    for (_, c) in delivered.iter().filter(|(t, _)| *t > due) {
                        e.add_mul(1.0, c.var);
                    }
                }
                for u in &self.unmet {
                    e.add_mul(1.0, u.var);
                }
                e
            }
        }
    }

    fn start_col(&self, r: usize, tau: usize) -> Col {
        let first = self.net.renovations[r].earliest;
        self.start[r][tau - first].1
    }

    fn done_expr(&self, r: usize, t: usize) -> Expression {
        let rd = &self.net.renovations[r];
        sum_of(
            rd.starts_done_by(t)
                .map(|tau| (1.0, &self.start[r][tau - rd.earliest].1)),
        )
    }

    /// Total CO2 as an expression (section 3, item 9).
    fn emissions_expr(&self) -> Expression {
        let net = self.net;
        let mut e = Expression::with_capacity(1024);
        for (o, op) in net.operations.iter().enumerate() {
            let factor = net.lines[op.line]
                .renovation
                .map_or(1.0, |r| net.renovations[r].doc.co2_factor);
            for mk in &self.making[o] {
                if let Some(c) = mk.before {
                    e.add_mul(op.co2, c.var);
                }
                if let Some(c) = mk.after {
                    e.add_mul(op.co2 * factor, c.var);
                }
            }
        }
        for (k, lane) in net.lanes.iter().enumerate() {
            if lane.co2 == 0.0 {
                continue;
            }
            for f in self.flow[k].iter().flatten().flatten() {
                e.add_mul(lane.co2, f.var);
            }
        }
        e
    }

    /// 1. Balance of every (site, item) pair in every period.
    fn add_balance(&self, rows: &mut Rows) {
        let net = self.net;
        let n_pairs = self.stock_pairs.len();
        // Contributors per pair: (coefficient, column) lists filled per period.
        let mut makers: Vec<Vec<usize>> = vec![Vec::new(); n_pairs];
        let mut consumers: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n_pairs];
        for (o, op) in net.operations.iter().enumerate() {
            if let Some(&p) = self.pair_index.get(&(op.site, op.item)) {
                makers[p].push(o);
            }
            for &(i, q) in &op.inputs {
                if let Some(&p) = self.pair_index.get(&(op.site, i)) {
                    consumers[p].push((o, q));
                }
            }
        }
        let mut inbound: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n_pairs];
        let mut outbound: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n_pairs];
        for (k, e) in net.lanes.iter().enumerate() {
            for (pos, &i) in e.items.iter().enumerate() {
                if let Some(&p) = self.pair_index.get(&(e.to, i)) {
                    inbound[p].push((k, pos));
                }
                if let Some(&p) = self.pair_index.get(&(e.from, i)) {
                    outbound[p].push((k, pos));
                }
            }
        }
        let mut demands: Vec<Vec<usize>> = vec![Vec::new(); n_pairs];
        for (d, dem) in net.demands.iter().enumerate() {
            if let Some(&p) = self.pair_index.get(&(dem.site, dem.item)) {
                demands[p].push(d);
            }
        }
        for (p, &pair) in self.stock_pairs.iter().enumerate() {
            for t in 0..net.periods {
                rows.in_period(Some(t));
                // s[t] - s[t-1] - made - arrivals + consumed + departures + deliveries = receipts (+ initial)
                let mut e = Expression::with_capacity(8);
                e.add_mul(1.0, self.stock[p][t].var);
                let mut rhs = net
                    .receipts
                    .get(&(pair.0, pair.1, t))
                    .copied()
                    .unwrap_or(0.0);
                if t == 0 {
                    rhs += net.initial(pair);
                } else {
                    e.add_mul(-1.0, self.stock[p][t - 1].var);
                }
                for &o in &makers[p] {
                    for c in self.making[o][t].cols() {
                        e.add_mul(-1.0, c.var);
                    }
                }
                for &(o, q) in &consumers[p] {
                    for c in self.making[o][t].cols() {
                        e.add_mul(q, c.var);
                    }
                }
                for &(k, pos) in &inbound[p] {
                    let lead = net.lanes[k].lead_time;
                    if t >= lead {
                        if let Some(f) = self.flow[k][pos][t - lead] {
                            e.add_mul(-1.0, f.var);
                        }
                    }
                }
                for &(k, pos) in &outbound[p] {
                    if let Some(f) = self.flow[k][pos][t] {
                        e.add_mul(1.0, f.var);
                    }
                }
                for &d in &demands[p] {
                    if let Some((_, w)) = self.delivered[d].iter().find(|(tt, _)| *tt == t) {
                        e.add_mul(1.0, w.var);
                    }
                }
                rows.add(e.eq(rhs));
                if let Some(k) = &self.shortfall[p] {
                    let safety = net.stocks.get(&pair).map_or(0.0, |s| s.safety);
                    rows.add(sum_of([(1.0, &self.stock[p][t]), (1.0, &k[t])]).geq(safety));
                }
            }
        }
        rows.in_period(None);
    }

    /// 6. Shares: each bounded lane's total against all lanes into its site.
    fn add_shares(&self, rows: &mut Rows) {
        let net = self.net;
        let mut into: HashMap<Pair, Vec<(usize, usize)>> = HashMap::new();
        for (k, e) in net.lanes.iter().enumerate() {
            for (pos, &i) in e.items.iter().enumerate() {
                into.entry((e.to, i)).or_default().push((k, pos));
            }
        }
        for (k, e) in net.lanes.iter().enumerate() {
            for (pos, &i) in e.items.iter().enumerate() {
                let peers = into.get(&(e.to, i)).map_or(&[][..], |v| v.as_slice());
                for (share, lower) in [(e.min_share, true), (e.max_share, false)] {
                    let Some(share) = share else { continue };
                    // sum_t f[e,i,t] - share * sum_{e'} sum_t f[e',i,t]  (>= or <=) 0
                    let mut ex = Expression::with_capacity(net.periods * (peers.len() + 1));
                    for c in self.flow[k][pos].iter().flatten() {
                        ex.add_mul(1.0, c.var);
                    }
                    for &(k2, pos2) in peers {
                        for c in self.flow[k2][pos2].iter().flatten() {
                            ex.add_mul(-share, c.var);
                        }
                    }
                    if lower {
                        self.relax(&mut ex, 1.0, SlackKey::MinShare(k));
                        rows.add(ex.geq(0.0));
                    } else {
                        rows.add(ex.leq(0.0));
                    }
                }
            }
        }
    }
}
