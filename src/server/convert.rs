//! Conversions between the generated protobuf types (`crate::server::pb`) and
//! the domain types of `crate::model`: the network document both ways, the
//! plan both ways, and allocations and their changes both ways.
//!
//! This module owns the boundary: proto types stop here, and nothing else in
//! the crate converts the document, the plan or allocations between the two
//! worlds (service metadata around them, in `records.rs`, builds on these).
//! Domain -> proto is infallible (`From`). Proto -> domain is `TryFrom` where
//! the proto can say something the domain type cannot (a missing required
//! message, an UNSPECIFIED or unknown enum number, an empty `PerPeriod`, a
//! count that does not fit); every such problem is collected, with its
//! path, into [`FieldViolations`]. Parts that cannot fail convert with `From`.
//!
//! Optional proto fields whose MODEL.md default is not zero (`load`, the
//! renovation factors, the policy's `late_penalty` and `unmet_penalty`) take
//! the same defaults as the serde types of `model::doc`, so a document sent
//! over gRPC means exactly what the same JSON means; a missing `policy` is the
//! default policy. The model's rules (references, ranges, cycles) are not
//! checked here: `crate::model::validate` does that on the converted document.
//!
//! Every conversion destructures both sides exhaustively (no `..`), so adding
//! a field to a proto message or a domain type breaks the build here until the
//! conversion handles it.
//!
//! Must not import: the store, tonic services or status codes, the planning
//! core. Only `model` and `pb`.

use crate::model::{join_path, Problem};
use crate::model::{
    Allocation, AllocationChange, AllocationEntry, AllocationKind, Bottleneck, Conflict,
    CostBreakdown, Delivery, Demand, Enterprise, Goal, GoalOutcome, Horizon, Input, Item, Lane,
    Line, NetworkDoc, Objective, ObjectiveStage, Operation, PerPeriod, Plan, PlanStatus, Policy,
    Production, Receipt, Renovation, RenovationSchedule, ResourceKind, Role, Service, Shipment,
    Site, SolveStats, Stability, Stock, StockLevel,
};
use crate::server::pb;
use thiserror::Error;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Every structural problem found converting one proto message, in the order
/// of the message's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Error)]
#[error("{}", summary(&self.0))]
pub struct FieldViolations(pub Vec<Problem>);

fn summary(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl FieldViolations {
    /// The same violations with their paths put under `prefix`: `document`
    /// makes `lines[2].capacity` into `document.lines[2].capacity`, and
    /// `changes[3].add_demand` makes `qty` into `changes[3].add_demand.qty`.
    /// A violation of the whole message (empty path) takes the prefix itself.
    pub fn under(self, prefix: &str) -> FieldViolations {
        FieldViolations(self.0.into_iter().map(|p| p.under(prefix)).collect())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The violations, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.0.iter()
    }

    fn push(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(Problem::new(field, description));
    }

    /// `Ok(value)` when nothing was found, else every violation.
    fn into_result<T>(self, value: T) -> Result<T, FieldViolations> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl IntoIterator for FieldViolations {
    type Item = Problem;
    type IntoIter = std::vec::IntoIter<Problem>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// `at.name[i]`.
fn index(at: &str, name: &str, i: usize) -> String {
    join_path(at, &format!("{name}[{i}]"))
}

// ---------------------------------------------------------------------------
// Collecting decoders (proto -> domain, may find problems)
// ---------------------------------------------------------------------------

/// A proto -> domain conversion that records its problems under `at` and
/// always returns a value (a placeholder where the proto was wrong; the
/// public `TryFrom` never hands such a value out).
trait Decode<P>: Sized {
    fn decode(msg: P, at: &str, errs: &mut FieldViolations) -> Self;
}

/// The public `TryFrom` of a message whose conversion is a [`Decode`].
macro_rules! try_from_decode {
    ($($proto:ty => $domain:ty),* $(,)?) => {$(
        impl TryFrom<$proto> for $domain {
            type Error = FieldViolations;
            /// Converts the message, collecting every structural problem with
            /// its path relative to the message.
            fn try_from(msg: $proto) -> Result<Self, FieldViolations> {
                let mut errs = FieldViolations::default();
                let value = <$domain as Decode<$proto>>::decode(msg, "", &mut errs);
                errs.into_result(value)
            }
        }
    )*};
}

try_from_decode! {
    pb::NetworkDocument => NetworkDoc,
    pb::PerPeriod => PerPeriod,
    pb::Enterprise => Enterprise,
    pb::Line => Line,
    pb::Lane => Lane,
    pb::Stock => Stock,
    pb::Plan => Plan,
    pb::Allocation => Allocation,
    pb::AllocationEntry => AllocationEntry,
    pb::AllocationChange => AllocationChange,
    pb::Bottleneck => Bottleneck,
    pb::SolveStats => SolveStats,
}

fn decode_list<P, D: Decode<P>>(
    msgs: Vec<P>,
    at: &str,
    name: &str,
    errs: &mut FieldViolations,
) -> Vec<D> {
    msgs.into_iter()
        .enumerate()
        .map(|(i, msg)| D::decode(msg, &index(at, name, i), errs))
        .collect()
}

fn map_list<A, B: From<A>>(list: Vec<A>) -> Vec<B> {
    list.into_iter().map(B::from).collect()
}

/// A message field the domain requires.
fn required<P, D: Decode<P>>(
    msg: Option<P>,
    at: &str,
    name: &str,
    errs: &mut FieldViolations,
    placeholder: impl FnOnce() -> D,
) -> D {
    let at = join_path(at, name);
    match msg {
        Some(msg) => D::decode(msg, &at, errs),
        None => {
            errs.push(at, "required");
            placeholder()
        }
    }
}

/// A message field that is absent in the domain when absent in the proto.
fn optional<P, D: Decode<P>>(
    msg: Option<P>,
    at: &str,
    name: &str,
    errs: &mut FieldViolations,
) -> Option<D> {
    msg.map(|msg| D::decode(msg, &join_path(at, name), errs))
}

/// A proto3 enum number: UNSPECIFIED (0) and unknown numbers are violations.
fn enum_value<E: TryFrom<i32>>(
    value: i32,
    at: &str,
    name: &str,
    what: &str,
    errs: &mut FieldViolations,
) -> Option<E> {
    let at = join_path(at, name);
    if value == 0 {
        errs.push(at, format!("unknown {what} 0 (unspecified); required"));
        return None;
    }
    match E::try_from(value) {
        Ok(v) => Some(v),
        Err(_) => {
            errs.push(at, format!("unknown {what} {value}"));
            None
        }
    }
}

/// A proto count into `usize`.
fn count(value: u64, at: &str, name: &str, errs: &mut FieldViolations) -> usize {
    usize::try_from(value).unwrap_or_else(|_| {
        errs.push(
            join_path(at, name),
            format!("{value} does not fit this platform"),
        );
        usize::MAX
    })
}

// ---------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------

impl From<Role> for pb::EnterpriseRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Leader => pb::EnterpriseRole::Leader,
            Role::Supplier => pb::EnterpriseRole::Supplier,
            Role::Customer => pb::EnterpriseRole::Customer,
            Role::Logistics => pb::EnterpriseRole::Logistics,
        }
    }
}

fn role_from(value: i32, at: &str, errs: &mut FieldViolations) -> Role {
    match enum_value(value, at, "role", "role", errs) {
        Some(pb::EnterpriseRole::Leader) => Role::Leader,
        Some(pb::EnterpriseRole::Supplier) => Role::Supplier,
        Some(pb::EnterpriseRole::Customer) => Role::Customer,
        Some(pb::EnterpriseRole::Logistics) => Role::Logistics,
        // Reported by enum_value.
        Some(pb::EnterpriseRole::Unspecified) | None => Role::Supplier,
    }
}

impl From<PlanStatus> for pb::PlanStatus {
    fn from(status: PlanStatus) -> Self {
        match status {
            PlanStatus::Optimal => pb::PlanStatus::Optimal,
            PlanStatus::Feasible => pb::PlanStatus::Feasible,
            PlanStatus::Infeasible => pb::PlanStatus::Infeasible,
            PlanStatus::Unbounded => pb::PlanStatus::Unbounded,
            PlanStatus::NoSolution => pb::PlanStatus::NoSolution,
        }
    }
}

fn status_from(value: i32, at: &str, errs: &mut FieldViolations) -> PlanStatus {
    match enum_value(value, at, "status", "plan status", errs) {
        Some(pb::PlanStatus::Optimal) => PlanStatus::Optimal,
        Some(pb::PlanStatus::Feasible) => PlanStatus::Feasible,
        Some(pb::PlanStatus::Infeasible) => PlanStatus::Infeasible,
        Some(pb::PlanStatus::Unbounded) => PlanStatus::Unbounded,
        Some(pb::PlanStatus::NoSolution) => PlanStatus::NoSolution,
        Some(pb::PlanStatus::Unspecified) | None => PlanStatus::NoSolution,
    }
}

impl From<AllocationKind> for pb::AllocationKind {
    fn from(kind: AllocationKind) -> Self {
        match kind {
            AllocationKind::Make => pb::AllocationKind::Make,
            AllocationKind::Ship => pb::AllocationKind::Ship,
        }
    }
}

fn allocation_kind_from(value: i32, at: &str, errs: &mut FieldViolations) -> AllocationKind {
    match enum_value(value, at, "kind", "allocation kind", errs) {
        Some(pb::AllocationKind::Make) => AllocationKind::Make,
        Some(pb::AllocationKind::Ship) => AllocationKind::Ship,
        Some(pb::AllocationKind::Unspecified) | None => AllocationKind::Make,
    }
}

impl From<ResourceKind> for pb::ResourceKind {
    fn from(kind: ResourceKind) -> Self {
        match kind {
            ResourceKind::Line => pb::ResourceKind::Line,
            ResourceKind::Lane => pb::ResourceKind::Lane,
        }
    }
}

fn resource_kind_from(value: i32, at: &str, errs: &mut FieldViolations) -> ResourceKind {
    match enum_value(value, at, "kind", "resource kind", errs) {
        Some(pb::ResourceKind::Line) => ResourceKind::Line,
        Some(pb::ResourceKind::Lane) => ResourceKind::Lane,
        Some(pb::ResourceKind::Unspecified) | None => ResourceKind::Line,
    }
}

// ---------------------------------------------------------------------------
// Network document: domain -> proto
// ---------------------------------------------------------------------------

impl From<PerPeriod> for pb::PerPeriod {
    fn from(value: PerPeriod) -> Self {
        let value = match value {
            PerPeriod::Scalar(v) => pb::per_period::Value::Scalar(v),
            PerPeriod::Series(values) => pb::per_period::Value::Series(pb::PeriodSeries { values }),
        };
        pb::PerPeriod { value: Some(value) }
    }
}

impl From<NetworkDoc> for pb::NetworkDocument {
    fn from(doc: NetworkDoc) -> Self {
        let NetworkDoc {
            name,
            horizon,
            items,
            enterprises,
            sites,
            lines,
            lanes,
            stocks,
            receipts,
            demands,
            renovations,
            policy,
        } = doc;
        pb::NetworkDocument {
            name,
            horizon: Some(horizon.into()),
            items: map_list(items),
            enterprises: map_list(enterprises),
            sites: map_list(sites),
            lines: map_list(lines),
            lanes: map_list(lanes),
            stocks: map_list(stocks),
            receipts: map_list(receipts),
            demands: map_list(demands),
            renovations: map_list(renovations),
            policy: Some(policy.into()),
        }
    }
}

impl From<Horizon> for pb::Horizon {
    fn from(horizon: Horizon) -> Self {
        let Horizon {
            periods,
            period,
            start,
        } = horizon;
        pb::Horizon {
            periods,
            period,
            start,
        }
    }
}

impl From<Item> for pb::Item {
    fn from(item: Item) -> Self {
        let Item { id, name, unit } = item;
        pb::Item { id, name, unit }
    }
}

impl From<Enterprise> for pb::Enterprise {
    fn from(enterprise: Enterprise) -> Self {
        let Enterprise { id, name, role } = enterprise;
        pb::Enterprise {
            id,
            name,
            role: pb::EnterpriseRole::from(role) as i32,
        }
    }
}

impl From<Site> for pb::Site {
    fn from(site: Site) -> Self {
        let Site {
            id,
            enterprise,
            name,
            region,
        } = site;
        pb::Site {
            id,
            enterprise,
            name,
            region,
        }
    }
}

impl From<Line> for pb::Line {
    fn from(line: Line) -> Self {
        let Line {
            id,
            site,
            capacity,
            downtime,
            operations,
        } = line;
        pb::Line {
            id,
            site,
            capacity: Some(capacity.into()),
            downtime,
            operations: map_list(operations),
        }
    }
}

impl From<Operation> for pb::Operation {
    fn from(op: Operation) -> Self {
        let Operation {
            id,
            item,
            load,
            cost,
            co2,
            inputs,
            setup_cost,
            setup_time,
            min_lot,
        } = op;
        pb::Operation {
            id,
            item,
            load: Some(load),
            cost,
            co2,
            inputs: map_list(inputs),
            setup_cost,
            setup_time,
            min_lot,
        }
    }
}

impl From<Input> for pb::Input {
    fn from(input: Input) -> Self {
        let Input { item, qty } = input;
        pb::Input { item, qty }
    }
}

impl From<Lane> for pb::Lane {
    fn from(lane: Lane) -> Self {
        let Lane {
            id,
            from,
            to,
            items,
            lead_time,
            capacity,
            cost,
            co2,
            min_share,
            max_share,
        } = lane;
        pb::Lane {
            id,
            from,
            to,
            items,
            lead_time,
            capacity: capacity.map(Into::into),
            cost,
            co2,
            min_share,
            max_share,
        }
    }
}

impl From<Stock> for pb::Stock {
    fn from(stock: Stock) -> Self {
        let Stock {
            site,
            item,
            initial,
            holding_cost,
            safety,
            max,
        } = stock;
        pb::Stock {
            site,
            item,
            initial,
            holding_cost,
            safety,
            max: max.map(Into::into),
        }
    }
}

impl From<Receipt> for pb::Receipt {
    fn from(receipt: Receipt) -> Self {
        let Receipt {
            site,
            item,
            period,
            qty,
        } = receipt;
        pb::Receipt {
            site,
            item,
            period,
            qty,
        }
    }
}

impl From<Demand> for pb::Demand {
    fn from(demand: Demand) -> Self {
        let Demand {
            id,
            site,
            item,
            period,
            qty,
            late_penalty,
            unmet_penalty,
        } = demand;
        pb::Demand {
            id,
            site,
            item,
            period,
            qty,
            late_penalty,
            unmet_penalty,
        }
    }
}

impl From<Renovation> for pb::Renovation {
    fn from(renovation: Renovation) -> Self {
        let Renovation {
            id,
            line,
            duration,
            earliest,
            latest,
            capacity_factor,
            cost_factor,
            co2_factor,
            capex,
            subsidy,
            optional,
            after,
            group,
            window_cost,
        } = renovation;
        pb::Renovation {
            id,
            line,
            duration,
            earliest,
            latest,
            capacity_factor: Some(capacity_factor),
            cost_factor: Some(cost_factor),
            co2_factor: Some(co2_factor),
            capex,
            subsidy,
            optional,
            after,
            group: group.unwrap_or_default(),
            window_cost,
        }
    }
}

impl From<Policy> for pb::Policy {
    fn from(policy: Policy) -> Self {
        let Policy {
            carbon_price,
            carbon_cap,
            safety_penalty,
            late_penalty,
            unmet_penalty,
            renovation_budget,
            max_concurrent_renovations,
            max_concurrent_per_group,
            keep_sources,
            objective,
        } = policy;
        pb::Policy {
            carbon_price,
            carbon_cap,
            safety_penalty,
            late_penalty: Some(late_penalty),
            unmet_penalty: Some(unmet_penalty),
            renovation_budget,
            max_concurrent_renovations,
            max_concurrent_per_group,
            keep_sources,
            objective: match objective {
                Objective::Cost => None,
                Objective::Lexicographic(stages) => Some(pb::Objective {
                    lexicographic: stages
                        .into_iter()
                        .map(|s| pb::ObjectiveStage {
                            goal: goal_to_pb(s.goal) as i32,
                            tolerance: s.tolerance,
                        })
                        .collect(),
                }),
            },
        }
    }
}

fn goal_to_pb(goal: Goal) -> pb::Goal {
    match goal {
        Goal::Service => pb::Goal::Service,
        Goal::Cost => pb::Goal::Cost,
        Goal::Co2 => pb::Goal::Co2,
    }
}

fn goal_from_pb(goal: pb::Goal) -> Goal {
    match goal {
        pb::Goal::Service => Goal::Service,
        pb::Goal::Cost | pb::Goal::Unspecified => Goal::Cost,
        pb::Goal::Co2 => Goal::Co2,
    }
}

// ---------------------------------------------------------------------------
// Network document: proto -> domain
// ---------------------------------------------------------------------------

/// `load` of an operation without one (serde default `one` in doc.rs).
const DEFAULT_LOAD: f64 = 1.0;
/// A renovation factor left out (serde default `one` in doc.rs).
const DEFAULT_FACTOR: f64 = 1.0;

impl Decode<pb::PerPeriod> for PerPeriod {
    fn decode(msg: pb::PerPeriod, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::PerPeriod { value } = msg;
        match value {
            Some(pb::per_period::Value::Scalar(v)) => PerPeriod::Scalar(v),
            Some(pb::per_period::Value::Series(pb::PeriodSeries { values })) => {
                PerPeriod::Series(values)
            }
            None => {
                errs.push(at, "a per-period value needs `scalar` or `series`");
                PerPeriod::Scalar(0.0)
            }
        }
    }
}

impl Decode<pb::NetworkDocument> for NetworkDoc {
    fn decode(msg: pb::NetworkDocument, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::NetworkDocument {
            name,
            horizon,
            items,
            enterprises,
            sites,
            lines,
            lanes,
            stocks,
            receipts,
            demands,
            renovations,
            policy,
        } = msg;
        let horizon = match horizon {
            Some(horizon) => horizon.into(),
            None => {
                errs.push(join_path(at, "horizon"), "required");
                Horizon {
                    periods: 0,
                    period: None,
                    start: None,
                }
            }
        };
        NetworkDoc {
            name,
            horizon,
            items: map_list(items),
            enterprises: decode_list(enterprises, at, "enterprises", errs),
            sites: map_list(sites),
            lines: decode_list(lines, at, "lines", errs),
            lanes: decode_list(lanes, at, "lanes", errs),
            stocks: decode_list(stocks, at, "stocks", errs),
            receipts: map_list(receipts),
            demands: map_list(demands),
            renovations: map_list(renovations),
            policy: policy
                .map(|p| Policy::decode(p, &join_path(at, "policy"), errs))
                .unwrap_or_default(),
        }
    }
}

impl From<pb::Horizon> for Horizon {
    fn from(msg: pb::Horizon) -> Self {
        let pb::Horizon {
            periods,
            period,
            start,
        } = msg;
        Horizon {
            periods,
            period,
            start,
        }
    }
}

impl From<pb::Item> for Item {
    fn from(msg: pb::Item) -> Self {
        let pb::Item { id, name, unit } = msg;
        Item { id, name, unit }
    }
}

impl Decode<pb::Enterprise> for Enterprise {
    fn decode(msg: pb::Enterprise, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Enterprise { id, name, role } = msg;
        Enterprise {
            id,
            name,
            role: role_from(role, at, errs),
        }
    }
}

impl From<pb::Site> for Site {
    fn from(msg: pb::Site) -> Self {
        let pb::Site {
            id,
            enterprise,
            name,
            region,
        } = msg;
        Site {
            id,
            enterprise,
            name,
            region,
        }
    }
}

impl Decode<pb::Line> for Line {
    fn decode(msg: pb::Line, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Line {
            id,
            site,
            capacity,
            downtime,
            operations,
        } = msg;
        Line {
            id,
            site,
            capacity: required(capacity, at, "capacity", errs, || PerPeriod::Scalar(0.0)),
            downtime,
            operations: map_list(operations),
        }
    }
}

impl From<pb::Operation> for Operation {
    fn from(msg: pb::Operation) -> Self {
        let pb::Operation {
            id,
            item,
            load,
            cost,
            co2,
            inputs,
            setup_cost,
            setup_time,
            min_lot,
        } = msg;
        Operation {
            id,
            item,
            load: load.unwrap_or(DEFAULT_LOAD),
            cost,
            co2,
            inputs: map_list(inputs),
            setup_cost,
            setup_time,
            min_lot,
        }
    }
}

impl From<pb::Input> for Input {
    fn from(msg: pb::Input) -> Self {
        let pb::Input { item, qty } = msg;
        Input { item, qty }
    }
}

impl Decode<pb::Lane> for Lane {
    fn decode(msg: pb::Lane, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Lane {
            id,
            from,
            to,
            items,
            lead_time,
            capacity,
            cost,
            co2,
            min_share,
            max_share,
        } = msg;
        Lane {
            id,
            from,
            to,
            items,
            lead_time,
            capacity: optional(capacity, at, "capacity", errs),
            cost,
            co2,
            min_share,
            max_share,
        }
    }
}

impl Decode<pb::Stock> for Stock {
    fn decode(msg: pb::Stock, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Stock {
            site,
            item,
            initial,
            holding_cost,
            safety,
            max,
        } = msg;
        Stock {
            site,
            item,
            initial,
            holding_cost,
            safety,
            max: optional(max, at, "max", errs),
        }
    }
}

impl From<pb::Receipt> for Receipt {
    fn from(msg: pb::Receipt) -> Self {
        let pb::Receipt {
            site,
            item,
            period,
            qty,
        } = msg;
        Receipt {
            site,
            item,
            period,
            qty,
        }
    }
}

impl From<pb::Demand> for Demand {
    fn from(msg: pb::Demand) -> Self {
        let pb::Demand {
            id,
            site,
            item,
            period,
            qty,
            late_penalty,
            unmet_penalty,
        } = msg;
        Demand {
            id,
            site,
            item,
            period,
            qty,
            late_penalty,
            unmet_penalty,
        }
    }
}

impl From<pb::Renovation> for Renovation {
    fn from(msg: pb::Renovation) -> Self {
        let pb::Renovation {
            id,
            line,
            duration,
            earliest,
            latest,
            capacity_factor,
            cost_factor,
            co2_factor,
            capex,
            subsidy,
            optional,
            after,
            group,
            window_cost,
        } = msg;
        Renovation {
            id,
            line,
            duration,
            earliest,
            latest,
            capacity_factor: capacity_factor.unwrap_or(DEFAULT_FACTOR),
            cost_factor: cost_factor.unwrap_or(DEFAULT_FACTOR),
            co2_factor: co2_factor.unwrap_or(DEFAULT_FACTOR),
            capex,
            subsidy,
            optional,
            after,
            group: (!group.is_empty()).then_some(group),
            window_cost,
        }
    }
}

impl Decode<pb::Policy> for Policy {
    fn decode(msg: pb::Policy, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Policy {
            carbon_price,
            carbon_cap,
            safety_penalty,
            late_penalty,
            unmet_penalty,
            renovation_budget,
            max_concurrent_renovations,
            max_concurrent_per_group,
            keep_sources,
            objective,
        } = msg;
        let defaults = Policy::default();
        let stages: Vec<ObjectiveStage> = objective
            .map(|o| o.lexicographic)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .filter_map(|(i, stage)| {
                let at = format!("{}[{i}]", join_path(at, "objective.lexicographic"));
                let goal = enum_value::<pb::Goal>(stage.goal, &at, "goal", "goal", errs)?;
                Some(ObjectiveStage {
                    goal: goal_from_pb(goal),
                    tolerance: stage.tolerance,
                })
            })
            .collect();
        Policy {
            carbon_price,
            carbon_cap,
            safety_penalty,
            late_penalty: late_penalty.unwrap_or(defaults.late_penalty),
            unmet_penalty: unmet_penalty.unwrap_or(defaults.unmet_penalty),
            renovation_budget,
            max_concurrent_renovations,
            max_concurrent_per_group,
            keep_sources,
            objective: if stages.is_empty() {
                Objective::Cost
            } else {
                Objective::Lexicographic(stages)
            },
        }
    }
}

// ---------------------------------------------------------------------------
// Plan: domain -> proto
// ---------------------------------------------------------------------------

impl From<Plan> for pb::Plan {
    fn from(plan: Plan) -> Self {
        let Plan {
            status,
            objective,
            bound,
            gap,
            cost,
            emissions,
            service,
            production,
            shipments,
            stock,
            deliveries,
            renovations,
            allocations,
            bottlenecks,
            conflicts,
            stats,
            stability,
            goals,
        } = plan;
        pb::Plan {
            status: pb::PlanStatus::from(status) as i32,
            objective,
            bound,
            gap,
            cost: Some(cost.into()),
            emissions,
            service: Some(service.into()),
            production: map_list(production),
            shipments: map_list(shipments),
            stock: map_list(stock),
            deliveries: map_list(deliveries),
            renovations: map_list(renovations),
            allocations: map_list(allocations),
            bottlenecks: map_list(bottlenecks),
            conflicts: map_list(conflicts),
            stats: Some(stats.into()),
            stability: stability.map(Into::into),
            goals: goals
                .into_iter()
                .map(|g| pb::GoalOutcome {
                    goal: goal_to_pb(g.goal) as i32,
                    value: g.value,
                    limit: g.limit,
                })
                .collect(),
        }
    }
}

impl From<Stability> for pb::Stability {
    fn from(stability: Stability) -> Self {
        let Stability {
            freeze_until,
            penalty,
            units_changed,
            cost,
        } = stability;
        pb::Stability {
            freeze_until,
            penalty,
            units_changed,
            cost,
        }
    }
}

impl From<CostBreakdown> for pb::CostBreakdown {
    fn from(cost: CostBreakdown) -> Self {
        let CostBreakdown {
            production,
            setup,
            transport,
            holding,
            late,
            unmet,
            safety,
            carbon,
            renovation_window,
        } = cost;
        pb::CostBreakdown {
            production,
            setup,
            transport,
            holding,
            late,
            unmet,
            safety,
            carbon,
            renovation_window,
        }
    }
}

impl From<Service> for pb::ServiceLevel {
    fn from(service: Service) -> Self {
        let Service {
            demand,
            on_time,
            late,
            unmet,
            fill_rate,
        } = service;
        pb::ServiceLevel {
            demand,
            on_time,
            late,
            unmet,
            fill_rate,
        }
    }
}

impl From<Production> for pb::Production {
    fn from(production: Production) -> Self {
        let Production {
            line,
            operation,
            item,
            period,
            qty,
        } = production;
        pb::Production {
            line,
            operation,
            item,
            period,
            qty,
        }
    }
}

impl From<Shipment> for pb::Shipment {
    fn from(shipment: Shipment) -> Self {
        let Shipment {
            lane,
            item,
            period,
            arrival,
            qty,
        } = shipment;
        pb::Shipment {
            lane,
            item,
            period,
            arrival,
            qty,
        }
    }
}

impl From<StockLevel> for pb::StockLevel {
    fn from(level: StockLevel) -> Self {
        let StockLevel {
            site,
            item,
            period,
            qty,
        } = level;
        pb::StockLevel {
            site,
            item,
            period,
            qty,
        }
    }
}

impl From<Delivery> for pb::Delivery {
    fn from(delivery: Delivery) -> Self {
        let Delivery {
            demand,
            period,
            qty,
            late_by,
        } = delivery;
        pb::Delivery {
            demand,
            period,
            qty,
            late_by,
        }
    }
}

impl From<RenovationSchedule> for pb::RenovationSchedule {
    fn from(schedule: RenovationSchedule) -> Self {
        let RenovationSchedule {
            id,
            line,
            start,
            end,
        } = schedule;
        pb::RenovationSchedule {
            id,
            line,
            start,
            end,
        }
    }
}

impl From<Bottleneck> for pb::Bottleneck {
    fn from(bottleneck: Bottleneck) -> Self {
        let Bottleneck {
            kind,
            id,
            period,
            shadow_price,
        } = bottleneck;
        pb::Bottleneck {
            kind: pb::ResourceKind::from(kind) as i32,
            id,
            period,
            shadow_price,
        }
    }
}

impl From<Conflict> for pb::Conflict {
    fn from(conflict: Conflict) -> Self {
        let Conflict { path, reason } = conflict;
        pb::Conflict { path, reason }
    }
}

impl From<SolveStats> for pb::SolveStats {
    fn from(stats: SolveStats) -> Self {
        let SolveStats {
            variables,
            integer_variables,
            constraints,
            build_seconds,
            solve_seconds,
            extract_seconds,
            threads,
        } = stats;
        pb::SolveStats {
            variables: variables as u64,
            integer_variables: integer_variables as u64,
            constraints: constraints as u64,
            build_seconds,
            solve_seconds,
            extract_seconds,
            threads,
        }
    }
}

// ---------------------------------------------------------------------------
// Plan: proto -> domain
// ---------------------------------------------------------------------------

impl Decode<pb::Plan> for Plan {
    fn decode(msg: pb::Plan, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Plan {
            status,
            objective,
            bound,
            gap,
            cost,
            emissions,
            service,
            production,
            shipments,
            stock,
            deliveries,
            renovations,
            allocations,
            bottlenecks,
            conflicts,
            stats,
            stability,
            goals,
        } = msg;
        let status = status_from(status, at, errs);
        let goals = goals
            .into_iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let at = format!("{}[{i}]", join_path(at, "goals"));
                let goal = enum_value::<pb::Goal>(g.goal, &at, "goal", "goal", errs)?;
                Some(GoalOutcome {
                    goal: goal_from_pb(goal),
                    value: g.value,
                    limit: g.limit,
                })
            })
            .collect();
        // `cost` and `service` are required in the plan's JSON too; `stats`
        // has a serde default there, so an absent one is all zeros here.
        let cost = match cost {
            Some(cost) => cost.into(),
            None => {
                errs.push(join_path(at, "cost"), "required");
                CostBreakdown::default()
            }
        };
        let service = match service {
            Some(service) => service.into(),
            None => {
                errs.push(join_path(at, "service"), "required");
                Service::default()
            }
        };
        let stats = match stats {
            Some(stats) => SolveStats::decode(stats, &join_path(at, "stats"), errs),
            None => SolveStats::default(),
        };
        Plan {
            status,
            objective,
            bound,
            gap,
            cost,
            emissions,
            service,
            production: map_list(production),
            shipments: map_list(shipments),
            stock: map_list(stock),
            deliveries: map_list(deliveries),
            renovations: map_list(renovations),
            allocations: decode_list(allocations, at, "allocations", errs),
            bottlenecks: decode_list(bottlenecks, at, "bottlenecks", errs),
            conflicts: map_list(conflicts),
            stats,
            stability: stability.map(Stability::from),
            goals,
        }
    }
}

impl From<pb::Stability> for Stability {
    fn from(msg: pb::Stability) -> Self {
        let pb::Stability {
            freeze_until,
            penalty,
            units_changed,
            cost,
        } = msg;
        Stability {
            freeze_until,
            penalty,
            units_changed,
            cost,
        }
    }
}

impl From<pb::CostBreakdown> for CostBreakdown {
    fn from(msg: pb::CostBreakdown) -> Self {
        let pb::CostBreakdown {
            production,
            setup,
            transport,
            holding,
            late,
            unmet,
            safety,
            carbon,
            renovation_window,
        } = msg;
        CostBreakdown {
            production,
            setup,
            transport,
            holding,
            late,
            unmet,
            safety,
            carbon,
            renovation_window,
        }
    }
}

impl From<pb::ServiceLevel> for Service {
    fn from(msg: pb::ServiceLevel) -> Self {
        let pb::ServiceLevel {
            demand,
            on_time,
            late,
            unmet,
            fill_rate,
        } = msg;
        Service {
            demand,
            on_time,
            late,
            unmet,
            fill_rate,
        }
    }
}

impl From<pb::Production> for Production {
    fn from(msg: pb::Production) -> Self {
        let pb::Production {
            line,
            operation,
            item,
            period,
            qty,
        } = msg;
        Production {
            line,
            operation,
            item,
            period,
            qty,
        }
    }
}

impl From<pb::Shipment> for Shipment {
    fn from(msg: pb::Shipment) -> Self {
        let pb::Shipment {
            lane,
            item,
            period,
            arrival,
            qty,
        } = msg;
        Shipment {
            lane,
            item,
            period,
            arrival,
            qty,
        }
    }
}

impl From<pb::StockLevel> for StockLevel {
    fn from(msg: pb::StockLevel) -> Self {
        let pb::StockLevel {
            site,
            item,
            period,
            qty,
        } = msg;
        StockLevel {
            site,
            item,
            period,
            qty,
        }
    }
}

impl From<pb::Delivery> for Delivery {
    fn from(msg: pb::Delivery) -> Self {
        let pb::Delivery {
            demand,
            period,
            qty,
            late_by,
        } = msg;
        Delivery {
            demand,
            period,
            qty,
            late_by,
        }
    }
}

impl From<pb::RenovationSchedule> for RenovationSchedule {
    fn from(msg: pb::RenovationSchedule) -> Self {
        let pb::RenovationSchedule {
            id,
            line,
            start,
            end,
        } = msg;
        RenovationSchedule {
            id,
            line,
            start,
            end,
        }
    }
}

impl Decode<pb::Bottleneck> for Bottleneck {
    fn decode(msg: pb::Bottleneck, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Bottleneck {
            kind,
            id,
            period,
            shadow_price,
        } = msg;
        Bottleneck {
            kind: resource_kind_from(kind, at, errs),
            id,
            period,
            shadow_price,
        }
    }
}

impl From<pb::Conflict> for Conflict {
    fn from(msg: pb::Conflict) -> Self {
        let pb::Conflict { path, reason } = msg;
        Conflict { path, reason }
    }
}

impl Decode<pb::SolveStats> for SolveStats {
    fn decode(msg: pb::SolveStats, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::SolveStats {
            variables,
            integer_variables,
            constraints,
            build_seconds,
            solve_seconds,
            extract_seconds,
            threads,
        } = msg;
        SolveStats {
            variables: count(variables, at, "variables", errs),
            integer_variables: count(integer_variables, at, "integer_variables", errs),
            constraints: count(constraints, at, "constraints", errs),
            build_seconds,
            solve_seconds,
            extract_seconds,
            threads,
        }
    }
}

// ---------------------------------------------------------------------------
// Allocations, both ways
// ---------------------------------------------------------------------------

impl From<Allocation> for pb::Allocation {
    fn from(allocation: Allocation) -> Self {
        let Allocation {
            enterprise,
            entries,
        } = allocation;
        pb::Allocation {
            enterprise,
            entries: map_list(entries),
        }
    }
}

impl From<AllocationEntry> for pb::AllocationEntry {
    fn from(entry: AllocationEntry) -> Self {
        let AllocationEntry {
            kind,
            site,
            item,
            period,
            qty,
            resource,
            destination,
        } = entry;
        pb::AllocationEntry {
            kind: pb::AllocationKind::from(kind) as i32,
            site,
            item,
            period,
            qty,
            resource,
            destination,
        }
    }
}

impl From<AllocationChange> for pb::AllocationChange {
    fn from(change: AllocationChange) -> Self {
        let AllocationChange {
            kind,
            site,
            item,
            period,
            resource,
            destination,
            qty_before,
            qty_after,
        } = change;
        pb::AllocationChange {
            kind: pb::AllocationKind::from(kind) as i32,
            site,
            item,
            period,
            resource,
            destination,
            qty_before,
            qty_after,
        }
    }
}

impl Decode<pb::Allocation> for Allocation {
    fn decode(msg: pb::Allocation, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::Allocation {
            enterprise,
            entries,
        } = msg;
        Allocation {
            enterprise,
            entries: decode_list(entries, at, "entries", errs),
        }
    }
}

impl Decode<pb::AllocationEntry> for AllocationEntry {
    fn decode(msg: pb::AllocationEntry, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::AllocationEntry {
            kind,
            site,
            item,
            period,
            qty,
            resource,
            destination,
        } = msg;
        AllocationEntry {
            kind: allocation_kind_from(kind, at, errs),
            site,
            item,
            period,
            qty,
            resource,
            destination,
        }
    }
}

impl Decode<pb::AllocationChange> for AllocationChange {
    fn decode(msg: pb::AllocationChange, at: &str, errs: &mut FieldViolations) -> Self {
        let pb::AllocationChange {
            kind,
            site,
            item,
            period,
            resource,
            destination,
            qty_before,
            qty_after,
        } = msg;
        AllocationChange {
            kind: allocation_kind_from(kind, at, errs),
            site,
            item,
            period,
            resource,
            destination,
            qty_before,
            qty_after,
        }
    }
}

/// Converts a list of allocation changes (an `AllocationDelta`'s `changes`),
/// collecting every problem under `changes[i]`.
pub fn allocation_changes_from_pb(
    changes: Vec<pb::AllocationChange>,
) -> Result<Vec<AllocationChange>, FieldViolations> {
    let mut errs = FieldViolations::default();
    let changes = decode_list(changes, "", "changes", &mut errs);
    errs.into_result(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::generate::{generate, GeneratorSpec};
    use crate::planning::{solve, SolveOptions};
    use prost::Message;

    fn gearbox() -> NetworkDoc {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/gearbox.json");
        let text = std::fs::read_to_string(path).expect("read gearbox.json");
        crate::model::parse_network(&text)
            .expect("gearbox is valid")
            .0
    }

    fn full_featured() -> NetworkDoc {
        generate(&GeneratorSpec {
            suppliers: 12,
            setups: true,
            renovations: 2,
            shares: true,
            carbon: true,
            ..GeneratorSpec::default()
        })
    }

    /// Domain -> proto -> bytes -> proto -> domain.
    fn doc_round_trip(doc: &NetworkDoc) -> NetworkDoc {
        let msg = pb::NetworkDocument::from(doc.clone());
        let bytes = msg.encode_to_vec();
        let back = pb::NetworkDocument::decode(bytes.as_slice()).expect("decode");
        assert_eq!(back, msg, "the wire keeps the message");
        NetworkDoc::try_from(back).expect("converts back")
    }

    fn fields(errs: &FieldViolations) -> Vec<&str> {
        errs.iter().map(|v| v.path.as_str()).collect()
    }

    #[test]
    fn gearbox_document_round_trips() {
        let doc = gearbox();
        assert_eq!(doc_round_trip(&doc), doc);
    }

    #[test]
    fn generated_document_with_every_feature_round_trips() {
        let doc = full_featured();
        assert!(!doc.renovations.is_empty());
        assert!(doc
            .lines
            .iter()
            .flat_map(|l| &l.operations)
            .any(Operation::needs_setup));
        assert!(doc
            .lanes
            .iter()
            .any(|l| l.min_share.is_some() || l.max_share.is_some()));
        assert!(doc.policy.carbon_price > 0.0);
        assert_eq!(doc_round_trip(&doc), doc);
    }

    #[test]
    fn per_period_forms_and_optional_fields_round_trip() {
        let mut doc = gearbox();
        // Forms the demo may not use: zero scalar, empty and one-value series,
        // optional bounds set, optional strings absent.
        doc.name = None;
        doc.horizon.period = None;
        doc.lines[0].capacity = PerPeriod::Scalar(0.0);
        doc.lines[1].capacity = PerPeriod::Series(vec![]);
        doc.lines[0].operations[0].id = None;
        doc.lines[0].operations[0].load = 2.5;
        doc.lanes[0].capacity = Some(PerPeriod::Series(vec![5.0]));
        doc.lanes[0].min_share = Some(0.0);
        doc.stocks[0].max = Some(PerPeriod::Scalar(7.0));
        doc.demands[0].late_penalty = Some(0.0);
        doc.demands[0].unmet_penalty = Some(3.0);
        doc.policy.carbon_cap = Some(0.0);
        doc.policy.late_penalty = 0.0;
        doc.policy.max_concurrent_renovations = Some(0);
        doc.renovations.push(Renovation {
            id: "r".into(),
            line: doc.lines[0].id.clone(),
            duration: 1,
            earliest: 0,
            latest: 1,
            capacity_factor: 0.0,
            cost_factor: 1.0,
            co2_factor: 0.5,
            capex: 1.0,
            subsidy: 0.5,
            optional: true,
            after: vec!["r0".into()],
            group: Some("casting".into()),
            window_cost: 2.5,
        });
        doc.policy.max_concurrent_per_group = Some(1);
        doc.policy.keep_sources = true;
        assert_eq!(doc_round_trip(&doc), doc);
    }

    #[test]
    fn plan_round_trips() {
        let plan = solve(&gearbox(), &SolveOptions::default()).expect("gearbox solves");
        assert!(plan.status.has_solution());
        assert!(!plan.allocations.is_empty());
        let msg = pb::Plan::from(plan.clone());
        let back = pb::Plan::decode(msg.encode_to_vec().as_slice()).expect("decode");
        assert_eq!(Plan::try_from(back).expect("converts back"), plan);
    }

    #[test]
    fn plan_with_every_part_round_trips() {
        let mut plan = Plan::without_solution(PlanStatus::Infeasible);
        plan.conflicts.push(Conflict {
            path: "policy.carbon_cap".into(),
            reason: "relaxed by 3".into(),
        });
        plan.renovations = vec![
            RenovationSchedule {
                id: "r1".into(),
                line: "l1".into(),
                start: None,
                end: None,
            },
            RenovationSchedule {
                id: "r2".into(),
                line: "l2".into(),
                start: Some(0),
                end: Some(2),
            },
        ];
        plan.bottlenecks.push(Bottleneck {
            kind: ResourceKind::Lane,
            id: "e".into(),
            period: 3,
            shadow_price: 1.5,
        });
        plan.stability = Some(Stability {
            freeze_until: 2,
            penalty: 0.1,
            units_changed: 10.0,
            cost: 1.0,
        });
        plan.stats = SolveStats {
            variables: 10,
            integer_variables: 2,
            constraints: 7,
            build_seconds: 0.1,
            solve_seconds: 0.2,
            extract_seconds: 0.3,
            threads: 2,
        };
        plan.objective = Some(0.0);
        for status in [
            PlanStatus::Optimal,
            PlanStatus::Feasible,
            PlanStatus::Infeasible,
            PlanStatus::Unbounded,
            PlanStatus::NoSolution,
        ] {
            plan.status = status;
            let msg = pb::Plan::from(plan.clone());
            let back = pb::Plan::decode(msg.encode_to_vec().as_slice()).expect("decode");
            assert_eq!(Plan::try_from(back).expect("converts back"), plan);
        }
    }

    #[test]
    fn allocations_and_changes_round_trip() {
        let entries = vec![
            AllocationEntry {
                kind: AllocationKind::Make,
                site: "s".into(),
                item: "i".into(),
                period: 0,
                qty: 4.0,
                resource: "line".into(),
                destination: None,
            },
            AllocationEntry {
                kind: AllocationKind::Ship,
                site: "s".into(),
                item: "i".into(),
                period: 1,
                qty: 2.0,
                resource: "lane".into(),
                destination: Some("t".into()),
            },
        ];
        let allocation = Allocation {
            enterprise: "sup".into(),
            entries,
        };
        let msg = pb::Allocation::from(allocation.clone());
        assert_eq!(Allocation::try_from(msg).unwrap(), allocation);

        let changes = vec![
            AllocationChange {
                kind: AllocationKind::Ship,
                site: "s".into(),
                item: "i".into(),
                period: 1,
                resource: "lane".into(),
                destination: Some("t".into()),
                qty_before: 0.0,
                qty_after: 2.0,
            },
            AllocationChange {
                kind: AllocationKind::Make,
                site: "s".into(),
                item: "i".into(),
                period: 0,
                resource: "line".into(),
                destination: None,
                qty_before: 4.0,
                qty_after: 0.0,
            },
        ];
        let msgs: Vec<pb::AllocationChange> = changes.iter().cloned().map(Into::into).collect();
        assert_eq!(
            AllocationChange::try_from(msgs[0].clone()).unwrap(),
            changes[0]
        );
        assert_eq!(allocation_changes_from_pb(msgs).unwrap(), changes);
    }

    #[test]
    fn every_structural_problem_of_a_document_is_reported() {
        let mut msg = pb::NetworkDocument::from(gearbox());
        msg.horizon = None;
        msg.enterprises[0].role = pb::EnterpriseRole::Unspecified as i32;
        msg.enterprises[1].role = 9;
        msg.lines[2].capacity = None;
        msg.lines[3].capacity = Some(pb::PerPeriod { value: None });
        msg.lanes[1].capacity = Some(pb::PerPeriod { value: None });
        let errs = NetworkDoc::try_from(msg)
            .expect_err("rejected")
            .under("document");
        assert_eq!(
            fields(&errs),
            [
                "document.horizon",
                "document.enterprises[0].role",
                "document.enterprises[1].role",
                "document.lines[2].capacity",
                "document.lines[3].capacity",
                "document.lanes[1].capacity",
            ]
        );
        let reasons: Vec<&str> = errs.iter().map(|v| v.reason.as_str()).collect();
        assert_eq!(reasons[0], "required");
        assert!(reasons[1].starts_with("unknown role 0"), "{}", reasons[1]);
        assert_eq!(reasons[2], "unknown role 9");
        assert_eq!(reasons[3], "required");
        assert!(reasons[4].contains("scalar"), "{}", reasons[4]);
        assert!(errs
            .to_string()
            .contains("document.lines[2].capacity: required"));
    }

    #[test]
    fn every_structural_problem_of_a_plan_is_reported() {
        let plan = solve(&gearbox(), &SolveOptions::default()).expect("gearbox solves");
        let mut msg = pb::Plan::from(plan);
        msg.status = pb::PlanStatus::Unspecified as i32;
        msg.cost = None;
        msg.allocations[0].entries[0].kind = 7;
        msg.bottlenecks.push(pb::Bottleneck {
            kind: 0,
            id: "x".into(),
            period: 0,
            shadow_price: 0.0,
        });
        let last = msg.bottlenecks.len() - 1;
        let errs = Plan::try_from(msg).expect_err("rejected").under("plan");
        let expected = [
            "plan.status".to_string(),
            "plan.cost".to_string(),
            "plan.allocations[0].entries[0].kind".to_string(),
            format!("plan.bottlenecks[{last}].kind"),
        ];
        assert_eq!(fields(&errs), expected);
        assert_eq!(errs.0[2].reason, "unknown allocation kind 7");
    }

    #[test]
    fn change_paths_go_under_their_request_field() {
        let mut msg = pb::AllocationChange::from(AllocationChange {
            kind: AllocationKind::Make,
            site: "s".into(),
            item: "i".into(),
            period: 0,
            resource: "l".into(),
            destination: None,
            qty_before: 1.0,
            qty_after: 2.0,
        });
        msg.kind = 0;
        let errs = AllocationChange::try_from(msg.clone())
            .unwrap_err()
            .under("changes[3]");
        assert_eq!(fields(&errs), ["changes[3].kind"]);
        let errs = allocation_changes_from_pb(vec![msg.clone(), msg])
            .unwrap_err()
            .under("delta");
        assert_eq!(
            fields(&errs),
            ["delta.changes[0].kind", "delta.changes[1].kind"]
        );
        // A violation of the whole message takes the prefix itself.
        let whole = FieldViolations(vec![Problem::new("", "required")]);
        assert_eq!(
            fields(&whole.under("changes[3].add_demand")),
            ["changes[3].add_demand"]
        );
    }

    #[test]
    fn absent_optional_fields_take_the_serde_defaults() {
        // An operation without `load` loads 1.
        let op = Operation::from(pb::Operation {
            item: "x".into(),
            ..Default::default()
        });
        assert_eq!(op.load, 1.0);

        // The same minimal document as JSON and as proto means the same.
        let json = r#"{
            "horizon": {"periods": 2},
            "enterprises": [{"id": "e", "role": "leader"}],
            "lines": [{"id": "l", "site": "s", "capacity": 5,
                       "operations": [{"item": "x"}]}],
            "lanes": [{"id": "a", "from": "s", "to": "t", "items": ["x"]}],
            "stocks": [{"site": "s", "item": "x"}],
            "demands": [{"id": "d", "site": "t", "item": "x", "period": 1, "qty": 3}],
            "renovations": [{"id": "r", "line": "l", "duration": 1,
                             "earliest": 0, "latest": 1}]
        }"#;
        let from_json: NetworkDoc = serde_json::from_str(json).expect("json");
        let msg = pb::NetworkDocument {
            horizon: Some(pb::Horizon {
                periods: 2,
                ..Default::default()
            }),
            enterprises: vec![pb::Enterprise {
                id: "e".into(),
                role: pb::EnterpriseRole::Leader as i32,
                ..Default::default()
            }],
            lines: vec![pb::Line {
                id: "l".into(),
                site: "s".into(),
                capacity: Some(PerPeriod::Scalar(5.0).into()),
                operations: vec![pb::Operation {
                    item: "x".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            lanes: vec![pb::Lane {
                id: "a".into(),
                from: "s".into(),
                to: "t".into(),
                items: vec!["x".into()],
                ..Default::default()
            }],
            stocks: vec![pb::Stock {
                site: "s".into(),
                item: "x".into(),
                ..Default::default()
            }],
            demands: vec![pb::Demand {
                id: "d".into(),
                site: "t".into(),
                item: "x".into(),
                period: 1,
                qty: 3.0,
                ..Default::default()
            }],
            renovations: vec![pb::Renovation {
                id: "r".into(),
                line: "l".into(),
                duration: 1,
                earliest: 0,
                latest: 1,
                ..Default::default()
            }],
            ..Default::default()
        };
        let from_proto = NetworkDoc::try_from(msg).expect("converts");
        assert_eq!(from_proto, from_json);
        assert_eq!(from_proto.policy, Policy::default());
        assert_eq!(from_proto.lines[0].operations[0].load, 1.0);
        assert_eq!(from_proto.renovations[0].capacity_factor, 1.0);

        // A policy message with nothing set is the default policy too.
        let empty_policy: Policy = serde_json::from_str("{}").expect("json");
        let mut errs = FieldViolations::default();
        let policy = Policy::decode(pb::Policy::default(), "policy", &mut errs);
        assert_eq!(policy, empty_policy);
    }

    #[test]
    fn absent_stats_are_zero_like_in_json() {
        let mut msg = pb::Plan::from(Plan::without_solution(PlanStatus::Infeasible));
        msg.stats = None;
        let plan = Plan::try_from(msg).expect("converts");
        assert_eq!(plan.stats, SolveStats::default());
    }
}
