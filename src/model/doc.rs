//! The network document of docs/model.md §1 as plain serde types, with the
//! contract's defaults. Parsing only: the rules that span fields (references,
//! lengths, ranges) live in `validate`. No IO here.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A per-period value: one number for every period, or exactly `T` numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PerPeriod {
    /// The same value in every period.
    Scalar(f64),
    /// One value per period; validation checks the length is `T`.
    Series(Vec<f64>),
}

impl PerPeriod {
    /// The value in period `t` (a series shorter than `t` reads as its last value,
    /// which validation never lets through).
    pub fn at(&self, t: usize) -> f64 {
        match self {
            PerPeriod::Scalar(v) => *v,
            PerPeriod::Series(vs) => vs.get(t).or(vs.last()).copied().unwrap_or(0.0),
        }
    }

    /// All values, expanded to `periods` entries.
    pub fn expand(&self, periods: usize) -> Vec<f64> {
        (0..periods).map(|t| self.at(t)).collect()
    }

    /// The raw numbers, for range checks.
    pub fn values(&self) -> &[f64] {
        match self {
            PerPeriod::Scalar(v) => std::slice::from_ref(v),
            PerPeriod::Series(vs) => vs,
        }
    }
}

impl From<f64> for PerPeriod {
    fn from(v: f64) -> Self {
        PerPeriod::Scalar(v)
    }
}

impl<'de> Deserialize<'de> for PerPeriod {
    // Hand-written so that a wrong type says "a number or an array of numbers"
    // with its line and column, instead of serde's untagged "did not match".
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = PerPeriod;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or an array of numbers (one per period)")
            }
            fn visit_f64<E>(self, v: f64) -> Result<PerPeriod, E> {
                Ok(PerPeriod::Scalar(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<PerPeriod, E> {
                Ok(PerPeriod::Scalar(v as f64))
            }
            fn visit_i64<E>(self, v: i64) -> Result<PerPeriod, E> {
                Ok(PerPeriod::Scalar(v as f64))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<PerPeriod, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(v) = seq.next_element::<f64>()? {
                    out.push(v);
                }
                Ok(PerPeriod::Series(out))
            }
        }
        de.deserialize_any(Visitor)
    }
}

fn one() -> f64 {
    1.0
}

fn default_late_penalty() -> f64 {
    1.0
}

fn default_unmet_penalty() -> f64 {
    100.0
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The whole network document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub horizon: Horizon,
    #[serde(default)]
    pub items: Vec<Item>,
    #[serde(default)]
    pub enterprises: Vec<Enterprise>,
    #[serde(default)]
    pub sites: Vec<Site>,
    #[serde(default)]
    pub lines: Vec<Line>,
    #[serde(default)]
    pub lanes: Vec<Lane>,
    #[serde(default)]
    pub stocks: Vec<Stock>,
    #[serde(default)]
    pub receipts: Vec<Receipt>,
    #[serde(default)]
    pub demands: Vec<Demand>,
    #[serde(default)]
    pub renovations: Vec<Renovation>,
    #[serde(default)]
    pub policy: Policy,
}

impl NetworkDoc {
    /// A document of `periods` periods with nothing in it and the default
    /// policy, for builders to fill.
    pub fn empty(periods: u32) -> NetworkDoc {
        NetworkDoc {
            name: None,
            horizon: Horizon {
                periods,
                period: None,
                start: None,
            },
            items: Vec::new(),
            enterprises: Vec::new(),
            sites: Vec::new(),
            lines: Vec::new(),
            lanes: Vec::new(),
            stocks: Vec::new(),
            receipts: Vec::new(),
            demands: Vec::new(),
            renovations: Vec::new(),
            policy: Policy::default(),
        }
    }

    /// The number of periods `T`.
    pub fn periods(&self) -> usize {
        self.horizon.periods as usize
    }

    /// The ids of an enterprise's sites.
    pub fn sites_of(&self, enterprise: &str) -> HashSet<&str> {
        self.sites
            .iter()
            .filter(|s| s.enterprise == enterprise)
            .map(|s| s.id.as_str())
            .collect()
    }

    /// Each line's site, by line id.
    pub fn line_sites(&self) -> HashMap<&str, &str> {
        self.lines
            .iter()
            .map(|l| (l.id.as_str(), l.site.as_str()))
            .collect()
    }
}

/// The planning horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Horizon {
    /// `T`, the number of periods (>= 1).
    pub periods: u32,
    /// A label such as "week".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// ISO date of period 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
}

/// A material or product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// What an enterprise is to the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Leader,
    Supplier,
    Customer,
    Logistics,
}

impl Role {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Supplier => "supplier",
            Role::Customer => "customer",
            Role::Logistics => "logistics",
        }
    }
}

/// A company in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enterprise {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub role: Role,
}

/// A plant, warehouse or distribution centre of an enterprise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub id: String,
    pub enterprise: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// A production line at a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub id: String,
    pub site: String,
    /// Capacity units per period.
    pub capacity: PerPeriod,
    /// Periods in which the capacity is 0.
    #[serde(default)]
    pub downtime: Vec<u32>,
    #[serde(default)]
    pub operations: Vec<Operation>,
}

/// One thing a line can make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// Defaults to `<line>/<item>`; see [`Operation::id_in`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub item: String,
    #[serde(default = "one")]
    pub load: f64,
    #[serde(default)]
    pub cost: f64,
    #[serde(default)]
    pub co2: f64,
    #[serde(default)]
    pub inputs: Vec<Input>,
    #[serde(default)]
    pub setup_cost: f64,
    #[serde(default)]
    pub setup_time: f64,
    #[serde(default)]
    pub min_lot: f64,
}

impl Operation {
    /// The operation's id, defaulted from its line.
    pub fn id_in(&self, line: &str) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("{line}/{}", self.item))
    }

    /// Whether the operation needs a setup decision `y[o,t]`.
    pub fn needs_setup(&self) -> bool {
        self.setup_cost > 0.0 || self.setup_time > 0.0 || self.min_lot > 0.0
    }
}

/// An input consumed per unit made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub item: String,
    pub qty: f64,
}

/// A transport lane between two sites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lane {
    pub id: String,
    pub from: String,
    pub to: String,
    pub items: Vec<String>,
    #[serde(default)]
    pub lead_time: u32,
    /// Units per period over all items; absent means unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<PerPeriod>,
    #[serde(default)]
    pub cost: f64,
    #[serde(default)]
    pub co2: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_share: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_share: Option<f64>,
}

/// Stock policy of one item at one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stock {
    pub site: String,
    pub item: String,
    #[serde(default)]
    pub initial: f64,
    #[serde(default)]
    pub holding_cost: f64,
    #[serde(default)]
    pub safety: f64,
    /// Upper bound per period; absent means unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<PerPeriod>,
}

/// A fixed arrival: an open order or goods in transit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub site: String,
    pub item: String,
    pub period: u32,
    pub qty: f64,
}

/// A customer order line due at a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demand {
    pub id: String,
    pub site: String,
    pub item: String,
    pub period: u32,
    pub qty: f64,
    /// Per unit per period late; defaults to the policy's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_penalty: Option<f64>,
    /// Per unit never delivered; defaults to the policy's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmet_penalty: Option<f64>,
}

/// A line's technology upgrade: down for `duration` periods from its start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Renovation {
    pub id: String,
    pub line: String,
    pub duration: u32,
    pub earliest: u32,
    pub latest: u32,
    #[serde(default = "one")]
    pub capacity_factor: f64,
    #[serde(default = "one")]
    pub cost_factor: f64,
    #[serde(default = "one")]
    pub co2_factor: f64,
    #[serde(default)]
    pub capex: f64,
    #[serde(default)]
    pub subsidy: f64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    /// Renovations that must be finished before this one starts (programme
    /// precedence; an extension, docs/model.md §6).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// The renovation group, for `policy.max_concurrent_per_group` (say, the
    /// casting suppliers that must not be down together).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Cost per period of downtime within the horizon: the lost output the
    /// enterprise bears beyond the model. Enters the objective.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub window_cost: f64,
}

/// Chain-wide prices, penalties and limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default)]
    pub carbon_price: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carbon_cap: Option<f64>,
    #[serde(default)]
    pub safety_penalty: f64,
    #[serde(default = "default_late_penalty")]
    pub late_penalty: f64,
    #[serde(default = "default_unmet_penalty")]
    pub unmet_penalty: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renovation_budget: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent_renovations: Option<u32>,
    /// At most this many renovations of one `group` down in any period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent_per_group: Option<u32>,
    /// For every item, at least one line able to make it stays up (is not
    /// down for renovation) in every period.
    #[serde(default, skip_serializing_if = "is_false")]
    pub keep_sources: bool,
    /// What plans minimise: the model's cost (docs/model.md §4) (the default) or goals in order.
    #[serde(default, skip_serializing_if = "Objective::is_cost")]
    pub objective: Objective,
}

/// What a plan minimises (`policy.objective`, an extension, docs/model.md §6).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Objective {
    /// docs/model.md §4.
    #[default]
    Cost,
    /// Goals minimised one after another: each stage keeps every earlier
    /// goal within its tolerance of the best that stage found.
    Lexicographic(Vec<ObjectiveStage>),
}

impl Objective {
    pub fn is_cost(&self) -> bool {
        matches!(self, Objective::Cost)
    }
}

/// One stage of a lexicographic objective.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveStage {
    pub goal: Goal,
    /// Relative slack the later stages may take from this goal's best value
    /// (0.01: up to 1 % worse; default 0).
    #[serde(default)]
    pub tolerance: f64,
}

/// A quantity a plan can minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    /// Late plus unmet units of demand.
    Service,
    /// docs/model.md §4's objective.
    Cost,
    /// Total emissions (docs/model.md §3.9).
    Co2,
}

impl Goal {
    pub fn as_str(self) -> &'static str {
        match self {
            Goal::Service => "service",
            Goal::Cost => "cost",
            Goal::Co2 => "co2",
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            carbon_price: 0.0,
            carbon_cap: None,
            safety_penalty: 0.0,
            late_penalty: default_late_penalty(),
            unmet_penalty: default_unmet_penalty(),
            renovation_budget: None,
            max_concurrent_renovations: None,
            max_concurrent_per_group: None,
            keep_sources: false,
            objective: Objective::Cost,
        }
    }
}

impl Demand {
    /// The late penalty in force for this demand.
    pub fn late_penalty_in(&self, policy: &Policy) -> f64 {
        self.late_penalty.unwrap_or(policy.late_penalty)
    }

    /// The unmet penalty in force for this demand.
    pub fn unmet_penalty_in(&self, policy: &Policy) -> f64 {
        self.unmet_penalty.unwrap_or(policy.unmet_penalty)
    }
}
