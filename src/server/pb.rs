//! The generated protobuf and tonic code of package `chainplan.v1`, with
//! its proto3 JSON mapping (serde, from pbjson). Nothing
//! outside `src/server/` (and the tests' clients) touches these types: they
//! stop at `convert.rs`.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

tonic::include_proto!("chainplan.v1");
include!(concat!(env!("OUT_DIR"), "/chainplan.v1.serde.rs"));

/// The encoded file descriptor set, served by gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    tonic::include_file_descriptor_set!("chainplan_v1_descriptor");
