//! gRPC server reflection (`grpc.reflection.v1` and `v1alpha`): which
//! services the server offers and the proto files that describe them.
//!
//! This module owns the index of every served proto file and symbol, and the
//! reflection service answering from it. It exists because tonic-reflection
//! answers `file_by_filename` and `file_containing_symbol` with the one file
//! alone; the reflection spec lets a server send the file's transitive
//! dependencies with it, and simple clients (our `grpc_call.py`) rely on that
//! to resolve types such as `google.protobuf.Timestamp` that a dependency of
//! a dependency declares. Here the requested file comes first, followed by
//! each of its transitive dependencies once, dependencies before dependents.
//!
//! Unknown files and symbols get a `NOT_FOUND` `ErrorResponse` in the stream,
//! as the spec says, and the stream stays open for further requests.

use prost::Message;
use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorProto};
use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::sync::Arc;
use thiserror::Error;
use tokio_stream::{Stream, StreamExt};
use tonic::{Code, Request, Response, Status, Streaming};
use tonic_reflection::pb::v1;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1alpha;

pub use tonic_reflection::pb::v1::server_reflection_server::ServerReflectionServer;
pub use tonic_reflection::pb::v1alpha::server_reflection_server::ServerReflectionServer as ServerReflectionServerV1Alpha;

/// Why the reflection index could not be built.
#[derive(Debug, Error)]
pub enum ReflectionError {
    #[error("file descriptor set: {0}")]
    Decode(#[from] prost::DecodeError),
    #[error("file descriptor without a name")]
    UnnamedFile,
    #[error("{file} imports {dependency}, which no registered descriptor set holds")]
    MissingDependency { file: String, dependency: String },
}

/// A `FileDescriptorSet` whose files stay undecoded, so each file is served
/// with its original bytes (prost drops unknown fields, such as custom
/// options, when it decodes and re-encodes a `FileDescriptorProto`).
#[derive(Clone, PartialEq, Message)]
struct RawFileDescriptorSet {
    #[prost(bytes = "vec", repeated, tag = "1")]
    file: Vec<Vec<u8>>,
}

/// One served proto file.
#[derive(Debug)]
struct IndexedFile {
    /// The encoded `FileDescriptorProto`, as registered.
    bytes: Vec<u8>,
    /// The names of the files it imports.
    dependencies: Vec<String>,
}

/// Every served proto file by name and every symbol by the file declaring it.
#[derive(Debug, Default)]
pub struct ReflectionIndex {
    files: HashMap<String, IndexedFile>,
    /// Fully-qualified symbol (service, method, message, enum, enum value,
    /// field, oneof) to the name of the file declaring it.
    symbols: HashMap<String, String>,
    /// Fully-qualified message names, for `all_extension_numbers_of_type`.
    messages: HashSet<String>,
    services: Vec<String>,
}

impl ReflectionIndex {
    /// Indexes the encoded `FileDescriptorSet`s. A file name or symbol seen
    /// twice keeps its first registration.
    ///
    /// # Errors
    /// A set that does not decode, a file without a name, or a file importing
    /// one that none of the sets holds.
    pub fn new(encoded_sets: &[&[u8]]) -> Result<ReflectionIndex, ReflectionError> {
        let mut index = ReflectionIndex::default();
        for encoded in encoded_sets {
            for bytes in RawFileDescriptorSet::decode(*encoded)?.file {
                let file = FileDescriptorProto::decode(bytes.as_slice())?;
                index.add_file(&file, bytes)?;
            }
        }
        for (name, file) in &index.files {
            if let Some(missing) = file
                .dependencies
                .iter()
                .find(|d| !index.files.contains_key(*d))
            {
                return Err(ReflectionError::MissingDependency {
                    file: name.clone(),
                    dependency: missing.clone(),
                });
            }
        }
        Ok(index)
    }

    /// The index of everything chainplan serves: the `chainplan.v1` protos
    /// (with `google/protobuf/timestamp.proto`), `grpc.health.v1` and both
    /// versions of the reflection service itself.
    ///
    /// # Errors
    /// As [`ReflectionIndex::new`]; only a broken build produces one.
    pub fn chainplan() -> Result<ReflectionIndex, ReflectionError> {
        ReflectionIndex::new(&[
            crate::server::pb::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
            v1::FILE_DESCRIPTOR_SET,
            v1alpha::FILE_DESCRIPTOR_SET,
        ])
    }

    fn add_file(
        &mut self,
        file: &FileDescriptorProto,
        bytes: Vec<u8>,
    ) -> Result<(), ReflectionError> {
        let name = file.name.clone().ok_or(ReflectionError::UnnamedFile)?;
        if self.files.contains_key(&name) {
            return Ok(());
        }
        let package = file.package();
        for message in &file.message_type {
            self.add_message(&name, package, message);
        }
        for en in &file.enum_type {
            self.add_enum(&name, package, en);
        }
        for service in &file.service {
            let service_name = qualify(package, service.name());
            for method in &service.method {
                self.add_symbol(&name, qualify(&service_name, method.name()));
            }
            self.services.push(service_name.clone());
            self.add_symbol(&name, service_name);
        }
        self.files.insert(
            name,
            IndexedFile {
                bytes,
                dependencies: file.dependency.clone(),
            },
        );
        Ok(())
    }

    fn add_message(&mut self, file: &str, scope: &str, message: &DescriptorProto) {
        let message_name = qualify(scope, message.name());
        for nested in &message.nested_type {
            self.add_message(file, &message_name, nested);
        }
        for en in &message.enum_type {
            self.add_enum(file, &message_name, en);
        }
        for field in &message.field {
            self.add_symbol(file, qualify(&message_name, field.name()));
        }
        for oneof in &message.oneof_decl {
            self.add_symbol(file, qualify(&message_name, oneof.name()));
        }
        self.messages.insert(message_name.clone());
        self.add_symbol(file, message_name);
    }

    fn add_enum(&mut self, file: &str, scope: &str, en: &EnumDescriptorProto) {
        let enum_name = qualify(scope, en.name());
        for value in &en.value {
            // Enum values are scoped like their enum, i.e. siblings of it.
            self.add_symbol(file, qualify(scope, value.name()));
            // tonic-reflection also answers for `Enum.VALUE`; keep that.
            self.add_symbol(file, qualify(&enum_name, value.name()));
        }
        self.add_symbol(file, enum_name);
    }

    fn add_symbol(&mut self, file: &str, symbol: String) {
        self.symbols
            .entry(symbol)
            .or_insert_with(|| file.to_owned());
    }

    /// Every fully-qualified service name, in registration order.
    pub fn services(&self) -> &[String] {
        &self.services
    }

    /// The name of the file declaring `symbol`, if any.
    pub fn file_of_symbol(&self, symbol: &str) -> Option<&str> {
        self.symbols.get(symbol).map(String::as_str)
    }

    /// The names of `file` and its transitive dependencies: `file` first,
    /// then each dependency once, every dependency before the files that
    /// import it. `None` for an unknown file.
    pub fn closure(&self, file: &str) -> Option<Vec<&str>> {
        let (name, _) = self.files.get_key_value(file)?;
        let mut order = vec![name.as_str()];
        let mut seen = HashSet::from([name.as_str()]);
        let mut deps = Vec::new();
        self.push_dependencies(name, &mut seen, &mut deps);
        order.extend(deps);
        Some(order)
    }

    /// Post-order walk of the imports of `file`, skipping files in `seen`.
    fn push_dependencies<'a>(
        &'a self,
        file: &str,
        seen: &mut HashSet<&'a str>,
        out: &mut Vec<&'a str>,
    ) {
        let Some(indexed) = self.files.get(file) else {
            return;
        };
        for dependency in &indexed.dependencies {
            if let Some((name, _)) = self.files.get_key_value(dependency) {
                if seen.insert(name.as_str()) {
                    self.push_dependencies(name, seen, out);
                    out.push(name.as_str());
                }
            }
        }
    }

    /// The encoded descriptors of [`ReflectionIndex::closure`].
    fn descriptors(&self, file: &str) -> Option<Vec<Vec<u8>>> {
        let names = self.closure(file)?;
        Some(
            names
                .into_iter()
                .map(|name| self.files[name].bytes.clone())
                .collect(),
        )
    }

    /// The answer to one reflection request.
    pub fn answer(&self, request: Option<&MessageRequest>) -> MessageResponse {
        let files = |found: Option<Vec<Vec<u8>>>, what: &str, name: &str| match found {
            Some(file_descriptor_proto) => {
                MessageResponse::FileDescriptorResponse(v1::FileDescriptorResponse {
                    file_descriptor_proto,
                })
            }
            None => error(Code::NotFound, format!("{what} '{name}' not found")),
        };
        match request {
            None => error(Code::InvalidArgument, "empty reflection request".into()),
            Some(MessageRequest::ListServices(_)) => {
                MessageResponse::ListServicesResponse(v1::ListServiceResponse {
                    service: self
                        .services
                        .iter()
                        .map(|name| v1::ServiceResponse { name: name.clone() })
                        .collect(),
                })
            }
            Some(MessageRequest::FileByFilename(name)) => {
                files(self.descriptors(name), "file", name)
            }
            Some(MessageRequest::FileContainingSymbol(symbol)) => files(
                self.file_of_symbol(symbol)
                    .and_then(|file| self.descriptors(file)),
                "symbol",
                symbol,
            ),
            Some(MessageRequest::FileContainingExtension(ext)) => error(
                Code::NotFound,
                format!(
                    "extension {} of '{}' not found: no extensions are served",
                    ext.extension_number, ext.containing_type
                ),
            ),
            Some(MessageRequest::AllExtensionNumbersOfType(ty)) => {
                if self.messages.contains(ty) {
                    MessageResponse::AllExtensionNumbersResponse(v1::ExtensionNumberResponse {
                        base_type_name: ty.clone(),
                        extension_number: Vec::new(),
                    })
                } else {
                    error(Code::NotFound, format!("message type '{ty}' not found"))
                }
            }
        }
    }

    /// The full response to one request, echoing it as the spec asks.
    fn respond(&self, request: v1::ServerReflectionRequest) -> v1::ServerReflectionResponse {
        let message_response = self.answer(request.message_request.as_ref());
        v1::ServerReflectionResponse {
            valid_host: request.host.clone(),
            original_request: Some(request),
            message_response: Some(message_response),
        }
    }
}

fn qualify(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_owned()
    } else {
        format!("{scope}.{name}")
    }
}

fn error(code: Code, error_message: String) -> MessageResponse {
    MessageResponse::ErrorResponse(v1::ErrorResponse {
        error_code: code as i32,
        error_message,
    })
}

/// Converts between the v1 and v1alpha messages, which are identical on the
/// wire; a failure (impossible for these types) gives the default message.
fn recode<A: Message, B: Message + Default>(message: &A) -> B {
    B::decode(message.encode_to_vec().as_slice()).unwrap_or_default()
}

/// The reflection service over a [`ReflectionIndex`]; serves both `v1` and
/// `v1alpha` (older grpcurl).
#[derive(Clone, Debug)]
pub struct Reflection {
    index: Arc<ReflectionIndex>,
}

/// A stream of reflection responses.
pub type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

impl Reflection {
    /// The service over `index`.
    pub fn new(index: ReflectionIndex) -> Reflection {
        Reflection {
            index: Arc::new(index),
        }
    }

    /// The service over [`ReflectionIndex::chainplan`].
    ///
    /// # Errors
    /// As [`ReflectionIndex::chainplan`].
    pub fn chainplan() -> Result<Reflection, ReflectionError> {
        ReflectionIndex::chainplan().map(Reflection::new)
    }

    /// The `grpc.reflection.v1` server.
    pub fn v1(&self) -> ServerReflectionServer<Reflection> {
        ServerReflectionServer::new(self.clone())
    }

    /// The `grpc.reflection.v1alpha` server.
    pub fn v1alpha(&self) -> ServerReflectionServerV1Alpha<Reflection> {
        ServerReflectionServerV1Alpha::new(self.clone())
    }
}

#[tonic::async_trait]
impl v1::server_reflection_server::ServerReflection for Reflection {
    type ServerReflectionInfoStream = ResponseStream<v1::ServerReflectionResponse>;

    async fn server_reflection_info(
        &self,
        request: Request<Streaming<v1::ServerReflectionRequest>>,
    ) -> Result<Response<Self::ServerReflectionInfoStream>, Status> {
        let index = self.index.clone();
        let responses = request
            .into_inner()
            .map(move |request| request.map(|request| index.respond(request)));
        Ok(Response::new(Box::pin(responses)))
    }
}

#[tonic::async_trait]
impl v1alpha::server_reflection_server::ServerReflection for Reflection {
    type ServerReflectionInfoStream = ResponseStream<v1alpha::ServerReflectionResponse>;

    async fn server_reflection_info(
        &self,
        request: Request<Streaming<v1alpha::ServerReflectionRequest>>,
    ) -> Result<Response<Self::ServerReflectionInfoStream>, Status> {
        let index = self.index.clone();
        let responses = request
            .into_inner()
            .map(move |request| request.map(|request| recode(&index.respond(recode(&request)))));
        Ok(Response::new(Box::pin(responses)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> ReflectionIndex {
        ReflectionIndex::chainplan().unwrap()
    }

    fn file_names(response: MessageResponse) -> Vec<String> {
        let MessageResponse::FileDescriptorResponse(files) = response else {
            panic!("not a file descriptor response: {response:?}");
        };
        files
            .file_descriptor_proto
            .iter()
            .map(|bytes| {
                FileDescriptorProto::decode(bytes.as_slice())
                    .unwrap()
                    .name()
                    .to_owned()
            })
            .collect()
    }

    fn not_found(response: MessageResponse) -> bool {
        matches!(response, MessageResponse::ErrorResponse(e) if e.error_code == Code::NotFound as i32)
    }

    #[test]
    fn lists_every_service() {
        let index = index();
        for service in [
            "chainplan.v1.NetworkService",
            "chainplan.v1.PlanningService",
            "chainplan.v1.SupplierService",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
        ] {
            assert!(
                index.services().iter().any(|s| s == service),
                "{service} missing"
            );
        }
    }

    #[test]
    fn symbols_map_to_their_files() {
        let index = index();
        for (symbol, file) in [
            (
                "chainplan.v1.NetworkService",
                "chainplan/v1/network_service.proto",
            ),
            (
                "chainplan.v1.NetworkService.GetNetwork",
                "chainplan/v1/network_service.proto",
            ),
            ("chainplan.v1.NetworkDocument", "chainplan/v1/network.proto"),
            ("chainplan.v1.EnterpriseRole", "chainplan/v1/network.proto"),
            (
                "chainplan.v1.ENTERPRISE_ROLE_LEADER",
                "chainplan/v1/network.proto",
            ),
            (
                "google.protobuf.Timestamp",
                "google/protobuf/timestamp.proto",
            ),
            (
                "google.protobuf.Timestamp.seconds",
                "google/protobuf/timestamp.proto",
            ),
        ] {
            assert_eq!(index.file_of_symbol(symbol), Some(file), "{symbol}");
        }
        // tonic-health and tonic-reflection name their files as they like;
        // nested types, enum values and oneofs map to their service's file.
        for (service, symbols) in [
            (
                "grpc.health.v1.Health",
                &[
                    "grpc.health.v1.Health.Check",
                    "grpc.health.v1.HealthCheckResponse.ServingStatus",
                    "grpc.health.v1.HealthCheckResponse.SERVING",
                    "grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING",
                ][..],
            ),
            (
                "grpc.reflection.v1.ServerReflection",
                &["grpc.reflection.v1.ServerReflectionRequest.message_request"][..],
            ),
        ] {
            let file = index.file_of_symbol(service);
            assert!(file.is_some(), "{service}");
            for symbol in symbols {
                assert_eq!(index.file_of_symbol(symbol), file, "{symbol}");
            }
        }
    }

    #[test]
    fn closure_puts_the_file_first_then_transitive_dependencies() {
        let index = index();
        let closure = index.closure("chainplan/v1/network_service.proto").unwrap();
        assert_eq!(closure[0], "chainplan/v1/network_service.proto");
        for file in [
            "chainplan/v1/network.proto",
            "chainplan/v1/plan.proto",
            "google/protobuf/timestamp.proto",
        ] {
            assert_eq!(closure.iter().filter(|f| **f == file).count(), 1, "{file}");
        }
        assert_eq!(closure.len(), 4);
        // Dependencies before dependents after the requested file.
        let at = |f: &str| closure.iter().position(|g| *g == f).unwrap();
        assert!(at("google/protobuf/timestamp.proto") < at("chainplan/v1/network.proto"));
        assert!(at("google/protobuf/timestamp.proto") < at("chainplan/v1/plan.proto"));
    }

    #[test]
    fn symbol_request_answers_with_the_dependency_closure() {
        let index = index();
        let request = MessageRequest::FileContainingSymbol("chainplan.v1.NetworkService".into());
        let names = file_names(index.answer(Some(&request)));
        assert_eq!(names[0], "chainplan/v1/network_service.proto");
        assert!(names.iter().any(|n| n == "google/protobuf/timestamp.proto"));

        // A file without imports comes alone.
        let health = index.file_of_symbol("grpc.health.v1.Health").unwrap();
        let request = MessageRequest::FileByFilename(health.into());
        assert_eq!(file_names(index.answer(Some(&request))), [health]);
    }

    #[test]
    fn unknown_names_are_not_found() {
        let index = index();
        assert_eq!(index.file_of_symbol("chainplan.v1.NoSuchService"), None);
        assert!(index.closure("chainplan/v1/nothing.proto").is_none());
        for request in [
            MessageRequest::FileContainingSymbol("chainplan.v1.NoSuchService".into()),
            MessageRequest::FileByFilename("chainplan/v1/nothing.proto".into()),
            MessageRequest::AllExtensionNumbersOfType("chainplan.v1.Nothing".into()),
            MessageRequest::FileContainingExtension(v1::ExtensionRequest {
                containing_type: "chainplan.v1.NetworkDocument".into(),
                extension_number: 100,
            }),
        ] {
            assert!(not_found(index.answer(Some(&request))), "{request:?}");
        }
    }

    #[test]
    fn known_message_has_no_extension_numbers() {
        let request = MessageRequest::AllExtensionNumbersOfType("google.protobuf.Timestamp".into());
        let MessageResponse::AllExtensionNumbersResponse(numbers) = index().answer(Some(&request))
        else {
            panic!("not an extension number response");
        };
        assert_eq!(numbers.base_type_name, "google.protobuf.Timestamp");
        assert!(numbers.extension_number.is_empty());
    }

    #[test]
    fn missing_dependency_is_an_error() {
        // Our set without the well-known type it imports.
        let mut set =
            prost_types::FileDescriptorSet::decode(crate::server::pb::FILE_DESCRIPTOR_SET).unwrap();
        set.file
            .retain(|f| f.name() != "google/protobuf/timestamp.proto");
        let encoded = set.encode_to_vec();
        assert!(matches!(
            ReflectionIndex::new(&[&encoded]),
            Err(ReflectionError::MissingDependency { dependency, .. }) if dependency == "google/protobuf/timestamp.proto"
        ));
    }
}
