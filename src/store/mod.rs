//! Where chainplan keeps its state: versioned network documents, plans, the
//! published allocation log of every supplier with its acknowledgements, the
//! actuals reported and the rolls of the horizon, and the re-plan policy of
//! each network. One object-safe async trait, [`Store`],
//! with the embedded [`MemoryStore`] as the default; a Redis store slots in
//! behind the same trait without the services noticing.
//!
//! The store imports the domain and the planning core (to diff allocations
//! when a plan is published) and never the transport: no tonic, no proto.

mod backend;
mod error;
mod jobs;
mod memory;
mod records;
mod redis;

pub use self::redis::{RedisJobQueue, RedisStore, CLAIM_AFTER};
pub use backend::Store;
pub use error::StoreError;
pub use jobs::{JobConsumer, JobQueue, QueuedJob, TakenJob};
pub use memory::MemoryStore;
pub use records::{
    Acknowledgement, ActualsReport, AffectedDemand, AllocationVersion, CounterProposalCost,
    DemandOutcome, NetworkChange, NetworkSummary, NetworkVersion, PlanOrigin, PlanRecord, Publish,
    PublishReceipt, ReplanImpact, ReplanMode, ReplanPolicy, Retention, RollRecord, ScenarioRecord,
};
