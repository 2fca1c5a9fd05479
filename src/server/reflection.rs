//! gRPC server reflection (`grpc.reflection.v1` and `v1alpha`), from
//! tonic-reflection over the descriptors of everything the server offers:
//! the `chainplan.v1` protos (with the well-known types they import) and
//! `grpc.health.v1`. Clients such as `grpcurl` list the services, describe
//! their messages and call them without the proto files.

use crate::server::pb;
use tonic_reflection::server::v1::{ServerReflection, ServerReflectionServer};
use tonic_reflection::server::v1alpha::{
    ServerReflection as ServerReflectionV1Alpha,
    ServerReflectionServer as ServerReflectionServerV1Alpha,
};
use tonic_reflection::server::{Builder, Error};

/// Both versions of the reflection service.
///
/// # Errors
/// A descriptor set that does not decode: only a broken build has one.
pub fn services() -> Result<
    (
        ServerReflectionServer<impl ServerReflection>,
        ServerReflectionServerV1Alpha<impl ServerReflectionV1Alpha>,
    ),
    Error,
> {
    let builder = || {
        Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    Ok((builder().build_v1()?, builder().build_v1alpha()?))
}
