//! Compiles `proto/chainplan/v1/*.proto` into the tonic server and client
//! code that `src/server/` and the tests include, plus the file descriptor
//! set that server reflection serves. protoc comes vendored, so a fresh
//! machine needs no protobuf compiler installed.

use std::path::PathBuf;

const PROTOS: [&str; 6] = [
    "proto/chainplan/v1/network.proto",
    "proto/chainplan/v1/plan.proto",
    "proto/chainplan/v1/network_service.proto",
    "proto/chainplan/v1/planning_service.proto",
    "proto/chainplan/v1/supplier_service.proto",
    "proto/chainplan/v1/scenario_service.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // SAFETY: build scripts are single-threaded; nothing else reads the
    // environment while it is set.
    unsafe { std::env::set_var("PROTOC", protoc) };
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    tonic_prost_build::configure()
        // Requests that do not decode are INVALID_ARGUMENT, not INTERNAL.
        .codec_path("crate::server::codec::RequestCodec")
        .file_descriptor_set_path(out.join("chainplan_v1_descriptor.bin"))
        .compile_protos(&PROTOS, &["proto"])?;
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    Ok(())
}
