//! Compiles `proto/chainplan/v1/*.proto` into the tonic server and client
//! code that `src/server/` and the tests include, plus the file descriptor
//! set that server reflection serves, and the proto3 JSON mapping of every
//! message (pbjson) that the HTTP API speaks. protoc comes vendored, so a
//! fresh machine needs no protobuf compiler installed.

use std::path::PathBuf;

const PROTOS: [&str; 7] = [
    "proto/chainplan/v1/network.proto",
    "proto/chainplan/v1/plan.proto",
    "proto/chainplan/v1/network_service.proto",
    "proto/chainplan/v1/planning_service.proto",
    "proto/chainplan/v1/supplier_service.proto",
    "proto/chainplan/v1/scenario_service.proto",
    "proto/chainplan/v1/execution_service.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // SAFETY: build scripts are single-threaded; nothing else reads the
    // environment while it is set.
    unsafe { std::env::set_var("PROTOC", protoc) };
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptors = out.join("chainplan_v1_descriptor.bin");
    tonic_prost_build::configure()
        // Requests that do not decode are INVALID_ARGUMENT, not INTERNAL.
        .codec_path("crate::server::codec::RequestCodec")
        // The well-known types with serde, so every message maps to JSON.
        .compile_well_known_types(true)
        .extern_path(".google.protobuf", "::pbjson_types")
        .file_descriptor_set_path(&descriptors)
        .compile_protos(&PROTOS, &["proto"])?;
    // The proto3 JSON mapping, with the proto's own field names so a JSON
    // error names the same field path as the gRPC one. Unknown fields are
    // refused, as a misspelt field should be.
    pbjson_build::Builder::new()
        .register_descriptors(&std::fs::read(&descriptors)?)?
        .preserve_proto_field_names()
        .build(&[".chainplan.v1"])?;
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    Ok(())
}
