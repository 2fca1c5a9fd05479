//! The gRPC transport: tonic services over the store and the planning core.
//! Proto types stop at `convert.rs`; `status.rs` alone picks gRPC codes.

pub mod pb;
