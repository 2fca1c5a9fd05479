//! Local-repair re-plans: after a change at a few lines or sites (a
//! capacity report, an order change), re-plan the part of the chain the
//! change can reach and hold the rest at the base plan.
//!
//! The region starts as the cause's sites, every site downstream of them
//! (the demands they can hurt) and the alternative sources of what they
//! make or ask for: sites shipping those items into the region. Every other
//! production and shipment keeps its base quantity in every period
//! (`fence`), so that HiGHS' presolve leaves an LP of the region's size.
//! The region grows
//! - by every neighbour when the repair is infeasible (a held quantity no
//!   longer fits the changed document), and
//! - by the sites of each held decision whose row's dual lies beyond the
//!   stability penalty: moving that decision would lower what the re-plan
//!   minimises.
//!
//! When no held row's dual says so, the region's duals are dual feasible
//! for the whole chain's LP, and the repair's plan is the exact re-plan's
//! optimum: it says so (`RepairRegion::proven_optimal`). A MILP's repair
//! has no duals to prove that with; it is a feasible plan, optimal within
//! its region. When the region would hold more than half of the chain, or
//! grow more than [`MAX_WIDENINGS`] times, the whole chain is re-planned
//! exactly in the time left; a region's plan stands (feasible, with the
//! bound its duals give) when that re-plan has no better plan by the
//! deadline. A watcher hears of each region's plan as it comes.

use super::error::PlanError;
use super::exact::{solve_exact, Infeasible};
use super::fast::relative_gap;
use super::formulation::Goals;
use super::graph::ChainGraph;
use super::options::{Deadline, SolveOptions};
use super::progress::announce;
use crate::model::{NetworkDoc, Plan, PlanStatus, RepairRegion};
use petgraph::Direction;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

/// How many times the region may grow before the whole chain is
/// re-planned instead: each growth is another build and solve.
pub(crate) const MAX_WIDENINGS: u32 = 4;

/// A held row's dual beyond the penalty by less than this is solver
/// noise, not a reason to widen (HiGHS' dual feasibility tolerance is
/// 1e-7).
const DUAL_TOLERANCE: f64 = 1e-6;

/// A re-plan of a checked document with a baseline, by local repair: the
/// plan, with the region it could change in its `stability`.
///
/// # Errors
/// As `solve_goals`.
pub(crate) fn solve_repair(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
) -> Result<Plan, PlanError> {
    let started = Instant::now();
    let mut first_plan = None;
    let mut plan = repair_rounds(doc, options, goals, started, &mut first_plan)?;
    if plan.status.has_solution() {
        plan.stats.first_plan_seconds = first_plan.or(Some(started.elapsed().as_secs_f64()));
    }
    Ok(plan)
}

/// The rounds of [`solve_repair`]; `first_plan` gets the seconds from
/// `started` to the first region's plan.
fn repair_rounds(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
    started: Instant,
    first_plan: &mut Option<f64>,
) -> Result<Plan, PlanError> {
    let deadline = Deadline::after(options.time_limit_seconds);
    let graph = ChainGraph::build(doc);
    let causes = options
        .baseline
        .as_ref()
        .map(|b| b.causes.as_slice())
        .unwrap_or_default();
    let Some(mut region) = initial_region(doc, &graph, causes) else {
        return whole_chain(doc, options, goals, &deadline, None, 0);
    };
    let penalty = options
        .baseline
        .as_ref()
        .map_or(0.0, |b| b.stability_penalty.max(0.0));
    // The last region's plan: feasible for the whole chain, kept in case
    // the whole re-plan does not finish in time.
    let mut best: Option<Plan> = None;
    let mut widenings = 0;
    loop {
        let solved = solve_exact(
            doc,
            &in_region(options, &region, &deadline),
            goals,
            Infeasible::Report,
        )?;
        let mut plan = solved.plan;
        let grow: BTreeSet<String> = match (&solved.held, plan.status) {
            (_, PlanStatus::Infeasible) => neighbours(&graph, &region),
            (Some(held), status) if status.has_solution() => held
                .iter()
                .filter(|(_, dual)| dual.abs() > penalty + DUAL_TOLERANCE)
                .flat_map(|(h, _)| [h.sites.0, h.sites.1])
                .filter_map(|s| doc.sites.get(s).map(|s| s.id.clone()))
                .collect(),
            // No duals (a MILP, or a solve stopped early): nothing to read.
            _ => BTreeSet::new(),
        };
        let grow: BTreeSet<String> = grow.difference(&region).cloned().collect();
        let proven = plan.status == PlanStatus::Optimal && solved.held.is_some() && grow.is_empty();
        if plan.status.has_solution() {
            if !proven {
                // Optimal within the region only: its bound is the one the
                // region's duals give the whole re-plan.
                plan.status = PlanStatus::Feasible;
                let minimised = plan.bound;
                plan.bound = solved.region_bound;
                plan.gap = minimised
                    .zip(solved.region_bound)
                    .map(|(value, bound)| relative_gap(value, bound));
            }
            mark(&mut plan, region.clone(), widenings, proven);
            first_plan.get_or_insert(started.elapsed().as_secs_f64());
            // Without duals (a MILP) there is nothing more to learn.
            if proven || deadline.expired() || solved.held.is_none() {
                return Ok(plan);
            }
            announce(options.progress.as_ref(), &plan, started);
            best = Some(plan);
        } else if deadline.expired() || plan.status != PlanStatus::Infeasible {
            // Out of time, or no plan for another reason: the best so far.
            return Ok(best.unwrap_or(plan));
        }
        if grow.is_empty() {
            // Infeasible with nowhere to grow: the whole chain says what it
            // can do.
            return whole_chain(doc, options, goals, &deadline, best, widenings);
        }
        region.extend(grow);
        widenings += 1;
        // A region of most of the chain costs what the whole chain does.
        if widenings > MAX_WIDENINGS || 2 * region.len() > doc.sites.len() {
            return whole_chain(doc, options, goals, &deadline, best, widenings);
        }
    }
}

/// The exact re-plan of the whole chain in the time left, marked as the
/// repair's last step; the region's plan `best` when the whole re-plan has
/// no better plan by the deadline.
fn whole_chain(
    doc: &NetworkDoc,
    options: &SolveOptions,
    goals: &Goals,
    deadline: &Deadline,
    best: Option<Plan>,
    widenings: u32,
) -> Result<Plan, PlanError> {
    let mut whole = options.clone();
    if let Some(b) = &mut whole.baseline {
        b.region = None;
    }
    whole.time_limit_seconds = deadline.remaining().or(options.time_limit_seconds);
    let solved = solve_exact(doc, &whole, goals, Infeasible::FindConflicts)?.plan;
    let mut plan = match best {
        Some(region_plan) if !replaces(&solved, &region_plan) => return Ok(region_plan),
        _ => solved,
    };
    let sites = doc.sites.iter().map(|s| s.id.clone()).collect();
    let proven = plan.status == PlanStatus::Optimal;
    mark(&mut plan, sites, widenings, proven);
    Ok(plan)
}

/// Whether the whole re-plan's plan replaces a region's: it is proven
/// optimal, or has a solution that costs less in what both minimise.
fn replaces(whole: &Plan, region: &Plan) -> bool {
    let minimised = |p: &Plan| {
        p.objective
            .map(|o| o + p.stability.as_ref().map_or(0.0, |s| s.cost))
    };
    match whole.status {
        PlanStatus::Optimal => true,
        PlanStatus::Feasible => minimised(whole) < minimised(region),
        _ => false,
    }
}

/// Records the region on the plan's stability.
fn mark(plan: &mut Plan, region: BTreeSet<String>, widenings: u32, proven_optimal: bool) {
    if let Some(stability) = &mut plan.stability {
        stability.region = Some(RepairRegion {
            sites: region.into_iter().collect(),
            widenings,
            proven_optimal,
        });
    }
}

/// The options with `region` held and the time left before `deadline`.
fn in_region(
    options: &SolveOptions,
    region: &BTreeSet<String>,
    deadline: &Deadline,
) -> SolveOptions {
    let mut o = options.clone();
    if let Some(b) = &mut o.baseline {
        b.region = Some(region.clone());
    }
    o.time_limit_seconds = deadline.remaining().or(options.time_limit_seconds);
    o
}

/// Whether a repair has a region to start from: the part of the chain the
/// causes reach is less than the whole of it. A repair whose region must
/// widen to the whole chain costs its region's solve on top of the exact
/// re-plan (on the 180-site generated chain a tier-1 line reaches 80 sites
/// and widens to all), but where the exact re-plan does not fit the time
/// limit its region's plan is the only plan in time
/// (`docs/performance.md`).
pub(crate) fn worth_repairing(doc: &NetworkDoc, causes: &[String]) -> bool {
    let graph = ChainGraph::build(doc);
    initial_region(doc, &graph, causes).is_some_and(|r| r.len() < doc.sites.len())
}

/// The part of the chain `causes` (line, site or enterprise ids) can
/// reach: their sites, every site downstream, and every site shipping an
/// affected item into those. An item is affected when a cause site makes
/// it or asks for it, or it is made from one. `None` when no cause names
/// a site of the document.
pub(crate) fn initial_region(
    doc: &NetworkDoc,
    graph: &ChainGraph,
    causes: &[String],
) -> Option<BTreeSet<String>> {
    let mut cause_sites: BTreeSet<&str> = BTreeSet::new();
    for cause in causes {
        if let Some(line) = doc.lines.iter().find(|l| &l.id == cause) {
            cause_sites.insert(line.site.as_str());
        } else if let Some(site) = doc.sites.iter().find(|s| &s.id == cause) {
            cause_sites.insert(site.id.as_str());
        } else {
            cause_sites.extend(
                doc.sites
                    .iter()
                    .filter(|s| &s.enterprise == cause)
                    .map(|s| s.id.as_str()),
            );
        }
    }
    if cause_sites.is_empty() {
        return None;
    }
    let mut region: BTreeSet<String> = cause_sites.iter().map(|s| s.to_string()).collect();
    for site in &cause_sites {
        region.extend(graph.downstream_sites(site).into_iter().map(String::from));
    }
    let items = affected_items(doc, graph, &cause_sites);
    let sources: Vec<String> = doc
        .lanes
        .iter()
        .filter(|e| region.contains(&e.to) && e.items.iter().any(|i| items.contains(i.as_str())))
        .map(|e| e.from.clone())
        .collect();
    region.extend(sources);
    Some(region)
}

/// The items made or asked for at `sites`, and every item made from them.
fn affected_items<'d>(
    doc: &'d NetworkDoc,
    graph: &ChainGraph,
    sites: &BTreeSet<&str>,
) -> HashSet<&'d str> {
    let made = doc
        .lines
        .iter()
        .filter(|l| sites.contains(l.site.as_str()))
        .flat_map(|l| l.operations.iter().map(|o| o.item.as_str()));
    let asked = doc
        .demands
        .iter()
        .filter(|d| sites.contains(d.site.as_str()))
        .map(|d| d.item.as_str());
    let mut items: HashSet<&str> = made.chain(asked).collect();
    let ids: HashMap<&str, &'d str> = doc
        .items
        .iter()
        .map(|i| (i.id.as_str(), i.id.as_str()))
        .collect();
    let mut stack: Vec<&str> = items.iter().copied().collect();
    let material = graph.material();
    while let Some(item) = stack.pop() {
        let Some(node) = graph.item_node(item) else {
            continue;
        };
        for next in material.neighbors_directed(node, Direction::Outgoing) {
            if let Some(&id) = ids.get(material[next].as_str()) {
                if items.insert(id) {
                    stack.push(id);
                }
            }
        }
    }
    items
}

/// Every site one lane away from the region, in either direction.
fn neighbours(graph: &ChainGraph, region: &BTreeSet<String>) -> BTreeSet<String> {
    let g = graph.graph();
    region
        .iter()
        .filter_map(|s| graph.node(s))
        .flat_map(|n| g.neighbors_undirected(n))
        .map(|n| g[n].site.clone())
        .collect()
}
