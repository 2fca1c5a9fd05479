//! chainplan: supply-chain collaboration scheduling. The domain types of the
//! network document and the plan (`model`), the planning core that turns one
//! into the other (`planning`), where state is kept (`store`), the gRPC
//! service and its HTTP face (`server`), the operating figures (`metrics`,
//! which imports nothing of the crate), document sources besides callers (`import`: public
//! benchmark formats and the generator of synthetic chains) and the text
//! presenters of the command line (`report`). Imports point one way:
//! model <- planning <- store <- server, with import and report beside
//! them; `tests/module_cycles.rs` checks that no folder has a cycle.

pub mod import;
pub mod metrics;
pub mod model;
pub mod planning;
pub mod report;
pub mod server;
pub mod store;
