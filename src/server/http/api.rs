//! The routes of the JSON API under `/api/v1`: each one a gRPC method of
//! the five services, its path parameters filling the request fields of the
//! same name (docs/http.md lists them). Body limits are the gRPC services'
//! own ([`crate::server::limits`]).

use crate::model::{parse_network, DocError};
use crate::server::auth::{Authenticator, Caller, Need, Role};
use crate::server::execution::ExecutionApi;
use crate::server::http::call::{self, CallInput};
use crate::server::http::problem::Problem;
use crate::server::limits::{
    ACTUALS_REQUEST_BYTES, NETWORK_REQUEST_BYTES, SCENARIO_REQUEST_BYTES, SMALL_REQUEST_BYTES,
};
use crate::server::network::NetworkApi;
use crate::server::pb;
use crate::server::pb::execution_service_server::ExecutionService;
use crate::server::pb::network_service_server::NetworkService;
use crate::server::pb::planning_service_server::PlanningService;
use crate::server::pb::scenario_service_server::ScenarioService;
use crate::server::pb::supplier_service_server::SupplierService;
use crate::server::planning::PlanningApi;
use crate::server::scenario::ScenarioApi;
use crate::server::status::ServiceError;
use crate::server::supplier::SupplierApi;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, RawPathParamsRejection};
use axum::extract::{DefaultBodyLimit, Query, RawPathParams, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde::Serialize;
use serde_json::json;

/// What the API's handlers share: the five services and the interceptor.
#[derive(Clone)]
pub struct Services {
    pub auth: Authenticator,
    pub network: NetworkApi,
    pub planning: PlanningApi,
    pub scenario: ScenarioApi,
    pub supplier: SupplierApi,
    pub execution: ExecutionApi,
}

/// A route's handler: reads the path, query, headers and body, and calls
/// `$service.$method` through [`call::unary`] or [`call::streaming`].
macro_rules! rpc {
    ($kind:ident, $service:ident, $method:ident, $limit:expr) => {
        |State(services): State<Services>,
         path: Result<RawPathParams, RawPathParamsRejection>,
         Query(query): Query<Vec<(String, String)>>,
         headers: HeaderMap,
         body: Result<Bytes, BytesRejection>| async move {
            let mut fields: Vec<(String, String)> = match &path {
                Ok(path) => path
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                Err(_) => Vec::new(),
            };
            fields.extend(query);
            let input = CallInput {
                headers,
                fields,
                body,
                limit: $limit,
            };
            let api = services.$service.clone();
            call::$kind(&services.auth, input, move |request| async move {
                api.$method(request).await
            })
            .await
        }
    };
}

/// The `/api/v1` router.
pub fn router(services: Services) -> Router {
    let documents = Router::new()
        .route(
            "/networks/{network_id}",
            put(rpc!(unary, network, put_network, NETWORK_REQUEST_BYTES)).get(rpc!(
                unary,
                network,
                get_network,
                SMALL_REQUEST_BYTES
            )),
        )
        .route("/networks/{network_id}/document", put(put_document))
        .route(
            "/networks/{network_id}/orders",
            post(rpc!(unary, network, update_orders, NETWORK_REQUEST_BYTES)),
        )
        .route(
            "/networks/{network_id}/capacity",
            post(rpc!(unary, network, update_capacity, NETWORK_REQUEST_BYTES)),
        )
        .layer(DefaultBodyLimit::max(NETWORK_REQUEST_BYTES));
    let scenarios = Router::new()
        .route(
            "/networks/{network_id}/scenarios",
            post(rpc!(
                unary,
                scenario,
                create_scenario,
                SCENARIO_REQUEST_BYTES
            ))
            .get(rpc!(
                unary,
                scenario,
                list_scenarios,
                SCENARIO_REQUEST_BYTES
            )),
        )
        .route(
            "/scenarios/{scenario_id}",
            get(rpc!(unary, scenario, get_scenario, SCENARIO_REQUEST_BYTES)).delete(rpc!(
                unary,
                scenario,
                delete_scenario,
                SCENARIO_REQUEST_BYTES
            )),
        )
        .route(
            "/scenarios/solve",
            post(rpc!(
                streaming,
                scenario,
                solve_scenarios,
                SCENARIO_REQUEST_BYTES
            )),
        )
        .route(
            "/scenarios/compare",
            post(rpc!(
                unary,
                scenario,
                compare_scenarios,
                SCENARIO_REQUEST_BYTES
            )),
        )
        .route(
            "/scenarios/{scenario_id}/promote",
            post(rpc!(
                unary,
                scenario,
                promote_scenario,
                SCENARIO_REQUEST_BYTES
            )),
        )
        .route(
            "/networks/{network_id}/criticality",
            post(rpc!(
                unary,
                scenario,
                sweep_criticality,
                SCENARIO_REQUEST_BYTES
            )),
        )
        .layer(DefaultBodyLimit::max(SCENARIO_REQUEST_BYTES));
    let execution = Router::new()
        .route(
            "/networks/{network_id}/actuals",
            post(rpc!(
                unary,
                execution,
                report_actuals,
                ACTUALS_REQUEST_BYTES
            )),
        )
        .route(
            "/networks/{network_id}/suppliers/{enterprise}/actuals",
            post(rpc!(
                unary,
                execution,
                report_actuals,
                ACTUALS_REQUEST_BYTES
            )),
        )
        .route(
            "/networks/{network_id}/roll",
            post(rpc!(unary, execution, roll_horizon, ACTUALS_REQUEST_BYTES)),
        )
        .route(
            "/networks/{network_id}/adherence",
            get(rpc!(unary, execution, get_adherence, ACTUALS_REQUEST_BYTES)),
        )
        .route(
            "/networks/{network_id}/suppliers/{enterprise}/adherence",
            get(rpc!(unary, execution, get_adherence, ACTUALS_REQUEST_BYTES)),
        )
        .layer(DefaultBodyLimit::max(ACTUALS_REQUEST_BYTES));
    let small = Router::new()
        .route("/session", get(session))
        .route(
            "/networks",
            get(rpc!(unary, network, list_networks, SMALL_REQUEST_BYTES)),
        )
        .route(
            "/networks/{network_id}/solve",
            post(rpc!(unary, planning, solve, SMALL_REQUEST_BYTES)),
        )
        .route(
            "/networks/{network_id}/jobs",
            post(rpc!(unary, planning, submit_solve, SMALL_REQUEST_BYTES)),
        )
        .route(
            "/jobs/{job_id}/events",
            get(rpc!(streaming, planning, watch_solve, SMALL_REQUEST_BYTES)),
        )
        .route(
            "/plans/{plan_id}",
            get(rpc!(unary, planning, get_plan, SMALL_REQUEST_BYTES)),
        )
        .route(
            "/plans/{plan_id}/publish",
            post(rpc!(unary, planning, publish_plan, SMALL_REQUEST_BYTES)),
        )
        .route(
            "/plans/{plan_id}/explanation",
            get(rpc!(unary, planning, explain_plan, SMALL_REQUEST_BYTES)),
        )
        .route(
            "/plans/{plan_id}/renovation-answers",
            post(rpc!(
                unary,
                planning,
                explain_renovations,
                SMALL_REQUEST_BYTES
            )),
        )
        .route(
            "/networks/{network_id}/replan",
            post(rpc!(unary, planning, replan, SMALL_REQUEST_BYTES)),
        )
        .route(
            "/networks/{network_id}/replan-policy",
            get(rpc!(
                unary,
                planning,
                get_replan_policy,
                SMALL_REQUEST_BYTES
            ))
            .put(rpc!(
                unary,
                planning,
                set_replan_policy,
                SMALL_REQUEST_BYTES
            )),
        )
        .route(
            "/networks/{network_id}/suppliers/{enterprise}/allocations",
            get(rpc!(
                streaming,
                supplier,
                watch_allocations,
                SMALL_REQUEST_BYTES
            )),
        )
        .route(
            "/networks/{network_id}/suppliers/{enterprise}/acknowledgements",
            post(rpc!(unary, supplier, acknowledge, SMALL_REQUEST_BYTES)),
        )
        .route(
            "/networks/{network_id}/suppliers/{enterprise}/capacity-reports",
            post(rpc!(unary, supplier, report_capacity, SMALL_REQUEST_BYTES)),
        )
        .layer(DefaultBodyLimit::max(SMALL_REQUEST_BYTES));
    Router::new()
        .merge(documents)
        .merge(scenarios)
        .merge(execution)
        .merge(small)
        .fallback(not_a_route)
        .with_state(services)
}

/// Who the caller is, for a page that must know whether to offer the
/// planner's screens or the supplier's.
#[derive(Debug, Serialize)]
struct Session {
    /// `open` (no tokens configured), `erp`, `planner` or `supplier`.
    role: &'static str,
    /// A supplier's own enterprise.
    #[serde(skip_serializing_if = "Option::is_none")]
    enterprise: Option<String>,
    /// Whether the caller may promote scenarios.
    promote: bool,
}

async fn session(State(services): State<Services>, headers: HeaderMap) -> Response {
    let request = match call::authenticate(&services.auth, &headers) {
        Ok(request) => request,
        Err(problem) => return problem.into_response(),
    };
    let session = match Caller::of(&request) {
        Caller::Open => Session {
            role: "open",
            enterprise: None,
            promote: true,
        },
        Caller::Token(Role::Erp) => Session {
            role: "erp",
            enterprise: None,
            promote: true,
        },
        Caller::Token(Role::Planner { promote }) => Session {
            role: "planner",
            enterprise: None,
            promote,
        },
        Caller::Token(Role::Supplier { enterprise }) => Session {
            role: "supplier",
            enterprise: Some(enterprise),
            promote: false,
        },
    };
    axum::Json(session).into_response()
}

/// `PutNetwork` with the document in its own JSON format (docs/model.md,
/// what `chainplan solve` reads) as the whole body, rather than the proto's
/// mapping: an ERP that already writes documents sends them as they are.
/// Field paths of a refused document are the document's own
/// (`lanes[0].to`); `?expected_version=N` as in `PutNetwork`.
async fn put_document(
    State(services): State<Services>,
    path: Result<RawPathParams, RawPathParamsRejection>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(_) => return Problem::too_large(NETWORK_REQUEST_BYTES).into_response(),
    };
    // The caller is checked before the document is read.
    let allowed = call::authenticate(&services.auth, &headers).and_then(|request| {
        Caller::of(&request)
            .require(Need::Erp)
            .map_err(Problem::from_error)
    });
    if let Err(problem) = allowed {
        return problem.into_response();
    }
    let parsed = std::str::from_utf8(&body)
        .map_err(|_| DocError::Syntax {
            line: 1,
            column: 1,
            message: "the document is not UTF-8".into(),
        })
        .and_then(parse_network);
    let document = match parsed {
        Ok((doc, _warnings)) => pb::NetworkDocument::from(doc),
        Err(err) => return Problem::from_error(ServiceError::from_doc("", err)).into_response(),
    };
    let mut fields: Vec<(String, String)> = match &path {
        Ok(path) => path
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        Err(_) => Vec::new(),
    };
    fields.extend(query);
    let message = json!({ "document": document });
    let input = CallInput {
        headers,
        fields,
        body: Ok(Bytes::from(message.to_string())),
        limit: NETWORK_REQUEST_BYTES,
    };
    let api = services.network.clone();
    call::unary(&services.auth, input, move |request| async move {
        api.put_network(request).await
    })
    .await
}

async fn not_a_route() -> Response {
    Problem::from_error(ServiceError::NotFound(
        "no such API route; see docs/http.md".into(),
    ))
    .into_response()
}
