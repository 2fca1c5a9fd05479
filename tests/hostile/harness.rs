//! The hostile suite's harness: a server with a token per role over a store
//! the test keeps a handle on, clients per token, and the three checks every
//! refused call gets: the exact code and field path, nothing stored changed,
//! and the server still answers health. After every call, refused or not,
//! the store's invariants are checked.

pub use crate::common::invariants::invariants;
use crate::common::{gearbox, pb_doc, TestServer, NET};
use chainplan::import::generate::{generate, GeneratorSpec};
use chainplan::model::{NetworkDoc, Role as EnterpriseRole};
use chainplan::server::auth::{Role, Tokens};
use chainplan::server::jobs::SharedQueue;
use chainplan::server::pb;
use chainplan::server::pb::network_service_client::NetworkServiceClient;
use chainplan::server::pb::planning_service_client::PlanningServiceClient;
use chainplan::server::pb::scenario_service_client::ScenarioServiceClient;
use chainplan::server::pb::supplier_service_client::SupplierServiceClient;
use chainplan::server::ServerConfig;
use chainplan::store::{MemoryStore, Retention, Store};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use tonic::metadata::MetadataValue;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Code, Request, Response, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tonic_types::StatusExt;

pub type Auth = Box<dyn FnMut(Request<()>) -> Result<Request<()>, Status> + Send>;
pub type Net = NetworkServiceClient<InterceptedService<Channel, Auth>>;
pub type Plan = PlanningServiceClient<InterceptedService<Channel, Auth>>;
pub type Sup = SupplierServiceClient<InterceptedService<Channel, Auth>>;
pub type Scen = ScenarioServiceClient<InterceptedService<Channel, Auth>>;

pub const ERP: &str = "erp-token";
pub const PLANNER: &str = "planner-token";
pub const PROMOTER: &str = "promoter-token";
/// The supplier whose tokens most cases use, and one of its lines.
pub const GEARWORKS: &str = "gearworks";
pub const GEARWORKS_LINE: &str = "gearworks-hobbing";
/// A supplier of the demo chain other than gearworks, and its line.
pub const ROLLTEC: &str = "rolltec";
pub const ROLLTEC_LINE: &str = "rolltec-bearing-line";

/// The token of a supplier enterprise.
pub fn supplier_token(enterprise: &str) -> String {
    format!("supplier-{enterprise}")
}

fn tokens(doc: &NetworkDoc) -> Tokens {
    let mut pairs = vec![
        (ERP.to_string(), Role::Erp),
        (PLANNER.to_string(), Role::Planner { promote: false }),
        (PROMOTER.to_string(), Role::Planner { promote: true }),
        (
            supplier_token("no-such-supplier"),
            Role::Supplier {
                enterprise: "no-such-supplier".into(),
            },
        ),
    ];
    for e in doc
        .enterprises
        .iter()
        .filter(|e| e.role == EnterpriseRole::Supplier)
    {
        pairs.push((
            supplier_token(&e.id),
            Role::Supplier {
                enterprise: e.id.clone(),
            },
        ));
    }
    Tokens::from_pairs(pairs)
}

/// How a hostile test's server runs.
pub struct Setup {
    pub workers: usize,
    pub queue: usize,
    pub retention: Retention,
    pub max_model_mb: Option<u64>,
    /// Jobs go to a shared queue in Redis with this capacity and no worker
    /// takes them, so that the queue stays exactly as full as the test
    /// makes it. Needs the Redis at `REDIS_URL` (default: local).
    pub parked_queue: Option<usize>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            workers: 1,
            queue: 2,
            retention: Retention::default(),
            max_model_mb: None,
            parked_queue: None,
        }
    }
}

/// A running hostile-test server.
pub struct Hostile {
    pub server: TestServer,
    /// The key prefix of a parked queue in Redis, deleted when the server stops.
    parked_prefix: Option<String>,
    pub store: Arc<MemoryStore>,
    pub channel: Channel,
    pub doc: NetworkDoc,
}

impl Hostile {
    /// The demo chain stored as network `NET`, not yet solved.
    pub async fn start() -> Hostile {
        Hostile::start_with(Setup::default()).await
    }

    pub async fn start_with(setup: Setup) -> Hostile {
        let doc = gearbox();
        let store = Arc::new(MemoryStore::with_retention(setup.retention));
        let mut config = ServerConfig::new(store.clone());
        config.tokens = Some(tokens(&doc));
        config.solve_workers = setup.workers;
        config.solve_queue = setup.queue;
        if let Some(mb) = setup.max_model_mb {
            config.limits.max_model_mb = mb;
        }
        let mut parked_prefix = None;
        if let Some(capacity) = setup.parked_queue {
            let url = crate::common::processes::redis_url();
            let prefix = format!("hostile-{}", uuid::Uuid::new_v4().simple());
            parked_prefix = Some(prefix.clone());
            let queue = SharedQueue::open_redis(&url, &prefix, capacity).unwrap();
            config.shared_queue = Some(Arc::new(queue));
            // Nobody takes the jobs: no worker runs on this server.
            config.solve_workers = 0;
        }
        let server = TestServer::start_config(config).await;
        let channel = server.channel().await;
        let h = Hostile {
            server,
            parked_prefix,
            store,
            channel,
            doc,
        };
        let doc = h.doc.clone();
        h.net(ERP)
            .put_network(pb::PutNetworkRequest {
                network_id: NET.into(),
                document: Some(pb_doc(&doc)),
                expected_version: 0,
            })
            .await
            .unwrap();
        h
    }

    /// Started, solved and published: suppliers have version 1 of their logs.
    pub async fn published() -> Hostile {
        Hostile::published_with(Setup::default()).await
    }

    pub async fn published_with(setup: Setup) -> Hostile {
        let h = Hostile::start_with(setup).await;
        let plan_id = h.solve_latest().await;
        h.plan(ERP)
            .publish_plan(pb::PublishPlanRequest {
                plan_id,
                request_id: "publish-setup".into(),
            })
            .await
            .unwrap();
        h
    }

    /// Solves the latest version and returns the plan id.
    pub async fn solve_latest(&self) -> String {
        self.plan(ERP)
            .solve(pb::SolveRequest {
                network_id: NET.into(),
                network_version: 0,
                options: None,
            })
            .await
            .unwrap()
            .into_inner()
            .info
            .unwrap()
            .plan_id
    }

    pub async fn stop(self) {
        self.server.stop().await;
        if let Some(prefix) = self.parked_prefix {
            let url = crate::common::processes::redis_url();
            if let Ok(redis) = chainplan::store::RedisStore::connect(&url, &prefix).await {
                let _ = redis.delete_all_keys().await;
            }
        }
    }

    fn auth(token: &str) -> Auth {
        let value: MetadataValue<_> = format!("Bearer {token}").parse().unwrap();
        Box::new(move |mut req: Request<()>| {
            req.metadata_mut().insert("authorization", value.clone());
            Ok(req)
        })
    }

    pub fn net(&self, token: &str) -> Net {
        NetworkServiceClient::with_interceptor(self.channel.clone(), Hostile::auth(token))
            .max_decoding_message_size(usize::MAX)
            .max_encoding_message_size(usize::MAX)
    }

    pub fn plan(&self, token: &str) -> Plan {
        PlanningServiceClient::with_interceptor(self.channel.clone(), Hostile::auth(token))
            .max_decoding_message_size(usize::MAX)
            .max_encoding_message_size(usize::MAX)
    }

    pub fn sup(&self, token: &str) -> Sup {
        SupplierServiceClient::with_interceptor(self.channel.clone(), Hostile::auth(token))
            .max_encoding_message_size(usize::MAX)
    }

    pub fn scen(&self, token: &str) -> Scen {
        ScenarioServiceClient::with_interceptor(self.channel.clone(), Hostile::auth(token))
            .max_encoding_message_size(usize::MAX)
    }

    /// The gearworks supplier's client.
    pub fn gearworks(&self) -> Sup {
        self.sup(&supplier_token(GEARWORKS))
    }

    /// Runs a call that must be refused with `code` and, for
    /// INVALID_ARGUMENT, a first field violation at `field`; then checks
    /// that nothing stored changed, the store's invariants, and health.
    /// Returns the status for further checks.
    pub async fn refused<T>(
        &self,
        code: Code,
        field: Option<&str>,
        call: impl Future<Output = Result<Response<T>, Status>>,
    ) -> Status {
        let before = snapshot(self.store.as_ref()).await;
        let status = match call.await {
            Ok(_) => panic!("expected {code:?} at {field:?}, the call succeeded"),
            Err(status) => status,
        };
        assert_eq!(
            status.code(),
            code,
            "expected {code:?} at {field:?}, got: {}",
            status.message()
        );
        if let Some(field) = field {
            let bad = status
                .get_details_bad_request()
                .unwrap_or_else(|| panic!("no BadRequest detail in {status:?}"));
            let fields: Vec<&str> = bad
                .field_violations
                .iter()
                .map(|v| v.field.as_str())
                .collect();
            assert_eq!(
                fields.first().copied(),
                Some(field),
                "violations: {:?}",
                bad.field_violations
            );
        }
        assert_small(&status);
        let after = snapshot(self.store.as_ref()).await;
        assert_eq!(before, after, "a refused call changed stored state");
        self.healthy().await;
        status
    }

    /// Runs a call that must succeed, then checks invariants and health.
    pub async fn accepted<T>(&self, call: impl Future<Output = Result<Response<T>, Status>>) -> T {
        let answer = call
            .await
            .unwrap_or_else(|s| panic!("expected success, got {:?}: {}", s.code(), s.message()))
            .into_inner();
        invariants(self.store.as_ref()).await;
        self.healthy().await;
        answer
    }

    /// The server answers health checks as SERVING.
    pub async fn healthy(&self) {
        let mut health = HealthClient::new(self.channel.clone());
        let answer = health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .expect("health answers")
            .into_inner();
        assert_eq!(answer.status(), ServingStatus::Serving);
    }

    /// The latest version of the network.
    pub async fn latest(&self) -> u64 {
        self.store.get_network(NET, None).await.unwrap().version
    }
}

/// A refusal fits in the metadata a standard client accepts (16 KiB with
/// headers); the server keeps the message to 1,024 characters and ten
/// violations.
pub fn assert_small(status: &Status) {
    assert!(
        status.message().chars().count() <= 1024,
        "message of {} characters",
        status.message().chars().count()
    );
    assert!(
        status.details().len() <= 8 * 1024,
        "details of {} bytes",
        status.details().len()
    );
}

/// What a call could change, read through the store.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    networks: BTreeMap<String, NetworkState>,
}

#[derive(Debug, PartialEq)]
struct NetworkState {
    latest: u64,
    versions: Vec<(u64, String)>,
    published_plan_id: Option<String>,
    publish_version: u64,
    policy: String,
    logs: BTreeMap<String, Vec<(u64, String)>>,
    acks: BTreeMap<String, Vec<(u64, bool, String)>>,
    scenarios: Vec<(String, u64, Option<String>)>,
}

/// Every network's versions, publish state, policy, supplier logs,
/// acknowledgements and scenarios.
pub async fn snapshot(store: &dyn Store) -> Snapshot {
    let mut networks = BTreeMap::new();
    for summary in store.list_networks().await.unwrap() {
        let id = summary.latest.network_id.clone();
        let latest = summary.latest.version;
        let mut versions = Vec::new();
        for v in 1..=latest {
            if let Ok(found) = store.get_network(&id, Some(v)).await {
                versions.push((v, found.reason));
            }
        }
        let mut logs = BTreeMap::new();
        let mut acks = BTreeMap::new();
        for e in suppliers(&summary.latest.document) {
            let log = store.allocation_log(&id, &e, 0).await.unwrap();
            logs.insert(
                e.clone(),
                log.iter().map(|v| (v.version, v.plan_id.clone())).collect(),
            );
            let answers = store.acknowledgements(&id, &e).await.unwrap();
            acks.insert(
                e,
                answers
                    .iter()
                    .map(|a| (a.version, a.accepted, a.text.clone()))
                    .collect(),
            );
        }
        let scenarios = store
            .list_scenarios(&id)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.scenario_id, s.base_version, s.plan_id))
            .collect();
        let policy = format!("{:?}", store.replan_policy(&id).await.unwrap());
        networks.insert(
            id,
            NetworkState {
                latest,
                versions,
                published_plan_id: summary.published_plan_id,
                publish_version: summary.publish_version,
                policy,
                logs,
                acks,
                scenarios,
            },
        );
    }
    Snapshot { networks }
}

use crate::common::invariants::suppliers;

/// A MILP that HiGHS cannot prove optimal within minutes on any machine
/// (a 1.5% gap after 30 s here), to hold a solver worker for as long as a
/// test needs it; the server's shutdown stops it.
pub fn slow_document() -> NetworkDoc {
    generate(&GeneratorSpec {
        suppliers: 30,
        items_per_tier: 4,
        periods: 20,
        customers: 4,
        seed: 3,
        setups: true,
        renovations: 6,
        ..GeneratorSpec::default()
    })
}

/// Options that keep the slow document's solve running: no gap allowed,
/// ten minutes.
pub fn slow_options() -> Option<pb::SolveOptions> {
    Some(pb::SolveOptions {
        time_limit_seconds: Some(600.0),
        relative_gap: Some(0.0),
        threads: Some(1),
        lp_algorithm: 0,
        strategy: pb::SolveStrategy::Exact as i32,
    })
}

/// The first violation's field of an INVALID_ARGUMENT status.
pub fn first_field(status: &Status) -> String {
    status
        .get_details_bad_request()
        .and_then(|b| b.field_violations.first().map(|v| v.field.clone()))
        .unwrap_or_default()
}

/// `Code` of a result, for cases that only look at the code.
pub fn code<T>(result: &Result<T, Status>) -> Option<Code> {
    result.as_ref().err().map(Status::code)
}
