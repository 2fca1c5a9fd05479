//! Server reflection over a real socket: the services are listed, a
//! service and a message are described from their file descriptors, and a
//! method is called with a request built from those descriptors alone, as a
//! generic client (grpcurl) does.

mod common;

use common::raw::{frame, send};
use common::*;
use prost::Message;
use prost_types::FileDescriptorProto;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1::ServerReflectionRequest;

/// One reflection request, one answer.
async fn ask(
    client: &mut ServerReflectionClient<tonic::transport::Channel>,
    request: MessageRequest,
) -> MessageResponse {
    let outbound = tokio_stream::once(ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    });
    let mut answers = client
        .server_reflection_info(outbound)
        .await
        .unwrap()
        .into_inner();
    answers
        .next()
        .await
        .unwrap()
        .unwrap()
        .message_response
        .unwrap()
}

/// The file descriptors of the file that declares `symbol`.
async fn files_of(
    client: &mut ServerReflectionClient<tonic::transport::Channel>,
    symbol: &str,
) -> Vec<FileDescriptorProto> {
    match ask(client, MessageRequest::FileContainingSymbol(symbol.into())).await {
        MessageResponse::FileDescriptorResponse(files) => files
            .file_descriptor_proto
            .iter()
            .map(|bytes| FileDescriptorProto::decode(bytes.as_slice()).unwrap())
            .collect(),
        other => panic!("no descriptor for {symbol}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_lists_describes_and_calls_through_reflection_alone() {
    let server = TestServer::start(None, 1, 4).await;
    let channel = server.channel().await;
    let mut client = ServerReflectionClient::new(channel.clone());

    let MessageResponse::ListServicesResponse(list) =
        ask(&mut client, MessageRequest::ListServices(String::new())).await
    else {
        panic!("no service list");
    };
    let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
    for service in [
        "chainplan.v1.NetworkService",
        "chainplan.v1.PlanningService",
        "chainplan.v1.SupplierService",
        "chainplan.v1.ScenarioService",
        "chainplan.v1.ExecutionService",
        "grpc.health.v1.Health",
    ] {
        assert!(names.contains(&service), "{service} missing from {names:?}");
    }

    // Describe: the service's method and its request type.
    let files = files_of(&mut client, "chainplan.v1.PlanningService").await;
    let method = files
        .iter()
        .flat_map(|f| &f.service)
        .filter(|s| s.name() == "PlanningService")
        .flat_map(|s| &s.method)
        .find(|m| m.name() == "GetPlan")
        .expect("GetPlan described");
    assert_eq!(method.input_type(), ".chainplan.v1.GetPlanRequest");
    let files = files_of(&mut client, "chainplan.v1.GetPlanRequest").await;
    let field = files
        .iter()
        .flat_map(|f| &f.message_type)
        .filter(|m| m.name() == "GetPlanRequest")
        .flat_map(|m| &m.field)
        .find(|f| f.name() == "plan_id")
        .expect("plan_id described");
    assert_eq!(
        field.r#type(),
        prost_types::field_descriptor_proto::Type::String
    );

    // Call: the request encoded from the described field number.
    let id = b"plan-nowhere";
    let mut request = vec![(field.number() as u8) << 3 | 2, id.len() as u8];
    request.extend_from_slice(id);
    let (code, message) = send(
        &channel,
        server.addr,
        "chainplan.v1.PlanningService/GetPlan",
        None,
        frame(&request),
    )
    .await;
    assert_eq!(code, Code::NotFound);
    assert!(message.contains("plan-nowhere"), "{message}");
    server.stop().await;
}
