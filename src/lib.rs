//! chainplan: supply-chain collaboration scheduling. The domain types of the
//! network document and the plan (`model`), the planning core that turns one
//! into the other (`planning`), importers of public benchmark formats
//! (`import`), the readable plan report (`report`) and the gRPC service
//! (`server`).

pub mod import;
pub mod model;
pub mod planning;
pub mod report;
pub mod server;

pub mod store;
