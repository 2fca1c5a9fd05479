//! Presenters: every text rendering of the planning core's data for the
//! command line (the plan summary, the renovation answers, what-if
//! comparisons, the criticality ranking, the trade-off curve, a simulated execution loop, the chain as
//! Graphviz DOT) and the table
//! layout they share. The planning core returns data only; the same data
//! serves the CLI, the gRPC API and any other presenter. Imports the domain
//! and the planning core, never the store or the transport.

mod comparison;
mod criticality;
mod curve;
mod graph;
mod plan;
mod simulation;
mod table;

pub use comparison::{comparison_summary, whatif_report};
pub use criticality::criticality_summary;
pub use curve::curve_summary;
pub use graph::graph_dot;
pub use plan::{renovation_summary, summary};
pub use simulation::simulation_summary;
