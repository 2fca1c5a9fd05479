//! Conversions between the generated protobuf types (`crate::server::pb`) and
//! the domain types of `crate::model`: the network document both ways, the
//! plan both ways, and allocations and their changes both ways.
//!
//! This module owns the boundary: proto types stop here, and nothing else in
//! the crate converts the document, the plan or allocations between the two
//! worlds (service metadata around them, in `records` and `scenario_records`, builds on these).
//! Domain -> proto is infallible (`From`). Proto -> domain is `TryFrom` where
//! the proto can say something the domain type cannot (a missing required
//! message, an UNSPECIFIED or unknown enum number, an empty `PerPeriod`, a
//! count that does not fit); every such problem is collected, with its
//! path, into [`FieldViolations`]. Parts that cannot fail convert with `From`.
//!
//! Optional proto fields whose default in the model is not zero (`load`, the
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

mod allocation;
mod decode;
mod document;
mod enums;
pub mod execution;
mod plan;
pub mod records;
pub mod scenario_records;
#[cfg(test)]
mod tests;

pub use allocation::allocation_changes_from_pb;
pub use decode::FieldViolations;
