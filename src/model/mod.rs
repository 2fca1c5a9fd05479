//! Domain layer: the network document and the plan of docs/model.md as plain types,
//! parsing with positions, and validation with path-bearing problems.
//! No IO, no solver, no async: everything here is pure data and checks.

pub mod actuals;
pub mod adherence;
pub mod calendar;
pub mod commitment;
pub mod doc;
pub mod edit;
pub mod number;
pub mod parse;
pub mod plan;
pub mod problem;
pub mod roll;
pub mod scenario;
pub mod text;
pub mod validate;

pub use doc::*;
pub use parse::{parse_network, DocError, MAX_DOCUMENT_BYTES};
pub use plan::*;
pub use problem::{join_path, Problem, ValidationReport};
pub use validate::validate;
pub use validate::MAX_PERIODS;
