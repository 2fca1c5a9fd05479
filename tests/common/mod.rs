//! What the gRPC tests share: a server on port 0 over the memory store,
//! clients with or without a bearer token, and the demo network.

#![allow(dead_code)] // each test file uses its own part

pub mod checker;
pub mod docs;
pub mod http;
pub mod invariants;
pub mod processes;
pub mod raw;

use chainplan::model::{parse_network, NetworkDoc};
use chainplan::server::auth::Tokens;
use chainplan::server::pb;
use chainplan::server::pb::network_service_client::NetworkServiceClient;
use chainplan::server::pb::planning_service_client::PlanningServiceClient;
use chainplan::server::pb::supplier_service_client::SupplierServiceClient;
use chainplan::server::{run_with_http, ServerConfig};
use chainplan::store::MemoryStore;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::metadata::MetadataValue;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Request, Status};

pub const NET: &str = "gearbox";

pub fn gearbox() -> NetworkDoc {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/gearbox.json");
    parse_network(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .0
}

pub fn pb_doc(doc: &NetworkDoc) -> pb::NetworkDocument {
    pb::NetworkDocument::from(doc.clone())
}

pub struct TestServer {
    pub addr: SocketAddr,
    /// The console and JSON API, when started with [`TestServer::start_http`].
    pub http: Option<SocketAddr>,
    /// The server's store, whose invariants are checked when it stops.
    pub store: Arc<dyn chainplan::store::Store>,
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<()>,
}

impl TestServer {
    pub async fn start(tokens: Option<Tokens>, workers: usize, queue: usize) -> TestServer {
        let mut config = ServerConfig::new(Arc::new(MemoryStore::new()));
        config.tokens = tokens;
        config.solve_workers = workers;
        config.solve_queue = queue;
        TestServer::start_config(config).await
    }

    /// A server with any configuration (a store the test keeps a handle on).
    pub async fn start_config(config: ServerConfig) -> TestServer {
        TestServer::start_with(config, false).await
    }

    /// A server with its HTTP face too (console, JSON API, metrics).
    pub async fn start_http(config: ServerConfig) -> TestServer {
        TestServer::start_with(config, true).await
    }

    async fn start_with(config: ServerConfig, with_http: bool) -> TestServer {
        let store = config.store.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let http_listener = if with_http {
            Some(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
        } else {
            None
        };
        let http = http_listener.as_ref().map(|l| l.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            run_with_http(config, listener, http_listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestServer {
            addr,
            http,
            store,
            stop: Some(tx),
            handle,
        }
    }

    pub async fn channel(&self) -> Channel {
        for _ in 0..50 {
            if let Ok(c) = Channel::from_shared(format!("http://{}", self.addr))
                .unwrap()
                .connect()
                .await
            {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("server did not come up");
    }

    /// Checks the store's invariants, then stops the server.
    pub async fn stop(mut self) {
        invariants::invariants(self.store.as_ref()).await;
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(Duration::from_secs(30), self.handle)
            .await
            .expect("server stops")
            .unwrap();
    }
}

pub type Auth = Box<dyn FnMut(Request<()>) -> Result<Request<()>, Status> + Send>;

pub fn bearer(token: &str) -> Auth {
    let value: MetadataValue<_> = format!("Bearer {token}").parse().unwrap();
    Box::new(move |mut req: Request<()>| {
        req.metadata_mut().insert("authorization", value.clone());
        Ok(req)
    })
}

pub fn open() -> Auth {
    Box::new(Ok)
}

pub type Net = NetworkServiceClient<InterceptedService<Channel, Auth>>;
pub type Plan = PlanningServiceClient<InterceptedService<Channel, Auth>>;
pub type Sup = SupplierServiceClient<InterceptedService<Channel, Auth>>;

pub async fn clients(server: &TestServer, auth: impl Fn() -> Auth) -> (Net, Plan, Sup) {
    let ch = server.channel().await;
    (
        NetworkServiceClient::with_interceptor(ch.clone(), auth()),
        PlanningServiceClient::with_interceptor(ch.clone(), auth()),
        SupplierServiceClient::with_interceptor(ch, auth()),
    )
}

pub async fn put(net: &mut Net, doc: &NetworkDoc) -> u64 {
    net.put_network(pb::PutNetworkRequest {
        network_id: NET.into(),
        document: Some(pb_doc(doc)),
        expected_version: 0,
    })
    .await
    .unwrap()
    .into_inner()
    .network
    .unwrap()
    .version
}

pub async fn solve(plan: &mut Plan) -> pb::SolveResponse {
    plan.solve(pb::SolveRequest {
        network_id: NET.into(),
        network_version: 0,
        options: None,
    })
    .await
    .unwrap()
    .into_inner()
}

pub async fn publish(plan: &mut Plan, plan_id: &str, request_id: &str) -> pb::PublishPlanResponse {
    plan.publish_plan(pb::PublishPlanRequest {
        plan_id: plan_id.into(),
        request_id: request_id.into(),
    })
    .await
    .unwrap()
    .into_inner()
}

/// Changes the first demand's quantity so that the next plan differs.
pub async fn bump_demand(net: &mut Net, doc: &mut NetworkDoc, qty: f64) {
    doc.demands[0].qty = qty;
    net.update_orders(pb::UpdateOrdersRequest {
        network_id: NET.into(),
        expected_version: 0,
        changes: vec![pb::OrderChange {
            change: Some(pb::order_change::Change::ChangeDemand(
                doc.demands[0].clone().into(),
            )),
        }],
    })
    .await
    .unwrap();
}

pub type Scen = chainplan::server::pb::scenario_service_client::ScenarioServiceClient<
    InterceptedService<Channel, Auth>,
>;

pub async fn scenario_client(server: &TestServer, auth: Auth) -> Scen {
    chainplan::server::pb::scenario_service_client::ScenarioServiceClient::with_interceptor(
        server.channel().await,
        auth,
    )
}
