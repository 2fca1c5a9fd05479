//! `ExecutionService`: the execution loop's calls. Actuals reports (the ERP
//! for any site, a supplier for its own), rolling the horizon (the ERP),
//! and plan against actual (a supplier reads its own figures only). The
//! domain does the work (`model::actuals`, `model::roll`,
//! `model::adherence`); this module checks callers, reads the clock for
//! the calendar, and stores.

use crate::model::actuals::{validate_actuals, Actuals, Reporter};
use crate::model::adherence::{adherence, Adherence};
use crate::model::calendar::Calendar;
use crate::model::roll::roll;
use crate::model::text::echo;
use crate::model::{NetworkDoc, Problem};
use crate::server::auth::{Caller, Need};
use crate::server::convert::execution as convert;
use crate::server::convert::records::timestamp;
use crate::server::horizon::{offset_at, plan_at};
use crate::server::pb;
use crate::server::pb::execution_service_server::ExecutionService;
use crate::server::publish::suppliers;
use crate::server::state::AppState;
use crate::server::status::{check_id, ServiceError};
use crate::server::supplier::supplier_network;
use crate::store::{ActualsReport, NetworkVersion, RollRecord, StoreError};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tonic::{Request, Response, Status};

#[derive(Clone)]
pub struct ExecutionApi {
    pub state: AppState,
}

/// Today by the server's clock (UTC), for the calendar.
fn today() -> NaiveDate {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(days)))
        .unwrap_or(NaiveDate::MIN)
}

/// Periods of `doc` closed by today.
///
/// # Errors
/// FAILED_PRECONDITION when the horizon has no calendar (no start date, or
/// a period label of no known length).
fn closed_periods(doc: &NetworkDoc) -> Result<u32, ServiceError> {
    let calendar = Calendar::of(&doc.horizon).map_err(|(field, reason)| {
        ServiceError::FailedPrecondition(format!("the network's {field}: {reason}"))
    })?;
    Ok(calendar.closed_periods(doc.horizon.periods, today()))
}

/// Who a report or a reading is for: a supplier token acts for its own
/// enterprise; the ERP (and, for readings, a planner) for the chain or
/// the enterprise it names.
fn acting_for(caller: &Caller, enterprise: &str) -> Result<Option<String>, ServiceError> {
    if caller.is_supplier() {
        return caller.supplier_watch(enterprise).map(Some);
    }
    if enterprise.is_empty() {
        Ok(None)
    } else {
        check_id("enterprise", enterprise)?;
        Ok(Some(enterprise.to_string()))
    }
}

impl ExecutionApi {
    /// The latest version of the network, as the caller may see it: a
    /// supplier gets NOT_FOUND for a network it is not part of, exactly as
    /// for one that does not exist; an enterprise named by the ERP must
    /// be a supplier of it.
    async fn network_for(
        &self,
        caller: &Caller,
        network_id: &str,
        enterprise: Option<&str>,
    ) -> Result<NetworkVersion, ServiceError> {
        match enterprise {
            Some(enterprise) => supplier_network(&self.state, caller, network_id, enterprise).await,
            None => {
                crate::server::network::check_network_id(network_id)?;
                Ok(self.state.store.get_network(network_id, None).await?)
            }
        }
    }
}

/// A store conflict as ABORTED, with its message.
fn moved_on(e: StoreError) -> ServiceError {
    match e {
        StoreError::Conflict(m) => ServiceError::Aborted(m),
        e => e.into(),
    }
}

#[tonic::async_trait]
impl ExecutionService for ExecutionApi {
    async fn report_actuals(
        &self,
        request: Request<pb::ReportActualsRequest>,
    ) -> Result<Response<pb::ReportActualsResponse>, Status> {
        let caller = Caller::of(&request);
        if !caller.is_supplier() {
            caller.require(Need::Erp)?;
        }
        let pb::ReportActualsRequest {
            network_id,
            enterprise,
            request_id,
            network_version,
            actuals,
        } = request.into_inner();
        let enterprise = acting_for(&caller, &enterprise)?;
        if request_id.is_empty() {
            return Err(ServiceError::invalid(
                "request_id",
                "required: a retry with the same id is stored once",
            )
            .into());
        }
        check_id("request_id", &request_id)?;
        let actuals = convert::actuals_from_pb("actuals", actuals)?;
        if actuals.is_empty() {
            return Err(ServiceError::invalid("actuals", "no entries reported").into());
        }
        let latest = self
            .network_for(&caller, &network_id, enterprise.as_deref())
            .await?;
        let network = match network_version {
            0 => latest,
            v if v == latest.version => latest,
            v => self
                .state
                .store
                .get_network(&network_id, Some(v))
                .await
                .map_err(ServiceError::from)?,
        };
        let closed = closed_periods(&network.document)?;
        let reporter = match &enterprise {
            Some(e) => Reporter::Enterprise(e),
            None => Reporter::Chain,
        };
        let problems = validate_actuals(&network.document, &actuals, reporter, closed);
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(
                problems.into_iter().map(|p| p.under("actuals")).collect(),
            )
            .into());
        }
        let entries = u32::try_from(actuals.len()).unwrap_or(u32::MAX);
        let stored = self
            .state
            .store
            .report_actuals(
                &network_id,
                ActualsReport {
                    request_id,
                    enterprise,
                    network_version: network.version,
                    actuals,
                    at: SystemTime::now(),
                    sequence: 0,
                },
            )
            .await
            .map_err(moved_on)?;
        Ok(Response::new(pb::ReportActualsResponse {
            sequence: stored.sequence,
            network_version: stored.network_version,
            entries: u32::try_from(stored.actuals.len()).unwrap_or(entries),
            closed_periods: closed,
            reported_at: Some(timestamp(stored.at)),
        }))
    }

    async fn roll_horizon(
        &self,
        request: Request<pb::RollHorizonRequest>,
    ) -> Result<Response<pb::RollHorizonResponse>, Status> {
        Caller::of(&request).require(Need::Erp)?;
        let pb::RollHorizonRequest {
            network_id,
            network_version,
            periods,
            extensions,
            request_id,
        } = request.into_inner();
        crate::server::network::check_network_id(&network_id)?;
        if !request_id.is_empty() {
            check_id("request_id", &request_id)?;
        }
        let extensions = convert::extensions_from_pb("extensions", extensions)?;
        let store = &self.state.store;
        let network = store
            .get_network(&network_id, None)
            .await
            .map_err(ServiceError::from)?;
        let rolls = store.rolls(&network_id).await.map_err(ServiceError::from)?;
        // A retry of a roll that was applied answers as the roll did, even
        // though the network has moved on since.
        if let Some(done) = rolls
            .iter()
            .find(|r| !request_id.is_empty() && r.request_id.as_deref() == Some(&request_id))
        {
            return Ok(Response::new(roll_response(done)));
        }
        if network_version != 0 && network_version != network.version {
            return Err(ServiceError::Aborted(format!(
                "network \"{}\" is at version {}, not {network_version}",
                echo(&network_id),
                network.version
            ))
            .into());
        }
        if periods == 0 {
            return Err(ServiceError::invalid("periods", "at least 1 period must close").into());
        }
        let closed = closed_periods(&network.document)?;
        if periods > closed {
            return Err(ServiceError::invalid(
                "periods",
                format!(
                    "{periods} periods cannot close: {closed} have ended by the network's calendar"
                ),
            )
            .into());
        }
        let reports = store
            .open_actuals(&network_id)
            .await
            .map_err(ServiceError::from)?;
        let actuals = reports
            .iter()
            .fold(Actuals::default(), |all, r| all.merged(&r.actuals));
        let committed = store
            .published_plan(&network_id)
            .await
            .map_err(ServiceError::from)?
            .map(|p| {
                let plan = plan_at(&rolls, &p.plan, p.network_version, network.version);
                (p.plan_id, plan)
            });
        let doc = network.document.clone();
        let rolled = {
            let committed = committed.as_ref().map(|(_, p)| Arc::clone(p));
            let actuals = actuals.clone();
            let extensions = extensions.clone();
            tokio::task::spawn_blocking(move || {
                roll(&doc, &actuals, committed.as_deref(), periods, &extensions)
            })
            .await
            .map_err(|e| ServiceError::Internal(format!("the roll's thread failed: {e}")))?
        }
        .map_err(roll_error)?;
        self.state
            .check_limits("rolled document", &rolled.document)?;
        let adherence = committed
            .as_ref()
            .map(|(_, plan)| adherence(&network.document, plan, &actuals, periods));
        let record = RollRecord {
            request_id: (!request_id.is_empty()).then_some(request_id),
            from_version: network.version,
            to_version: 0,
            period_offset: offset_at(&rolls, network.version),
            at: SystemTime::now(),
            actuals,
            report: rolled.report,
            plan_id: committed.map(|(id, _)| id),
            adherence,
        };
        let reason = format!(
            "RollHorizon: {periods} period{} closed with {} actuals report{}",
            if periods == 1 { "" } else { "s" },
            reports.len(),
            if reports.len() == 1 { "" } else { "s" }
        );
        // Under an automatic policy the rolled version is re-planned against
        // the committed plan, as any change is.
        let pending = self.state.reserve_replan(&network_id).await?;
        let stored = store
            .roll(&network_id, Arc::new(rolled.document), &reason, record)
            .await
            .map_err(moved_on)?;
        let mut response = roll_response(&stored);
        response.reports = u32::try_from(reports.len()).unwrap_or(u32::MAX);
        if let Some(pending) = pending {
            let version = store
                .get_network(&network_id, Some(stored.to_version))
                .await
                .map_err(ServiceError::from)?;
            let started = self
                .state
                .start_pending(&version, pending, Vec::new())
                .await?;
            response.replan = Some(pb::ReplanTrigger {
                job_id: started.job_id,
                plan_id: started.plan_id,
            });
        }
        Ok(Response::new(response))
    }

    async fn get_adherence(
        &self,
        request: Request<pb::GetAdherenceRequest>,
    ) -> Result<Response<pb::GetAdherenceResponse>, Status> {
        let caller = Caller::of(&request);
        if !caller.is_supplier() {
            caller.require(Need::ErpOrPlanner)?;
        }
        let pb::GetAdherenceRequest {
            network_id,
            enterprise,
            last_periods,
        } = request.into_inner();
        let enterprise = acting_for(&caller, &enterprise)?;
        let network = self
            .network_for(&caller, &network_id, enterprise.as_deref())
            .await?;
        let store = &self.state.store;
        let rolls = store.rolls(&network_id).await.map_err(ServiceError::from)?;
        // The last rolls that cover `last_periods` (all of them for 0).
        let mut first = rolls.len();
        let mut covered = 0u32;
        while first > 0 && (last_periods == 0 || covered < last_periods) {
            first -= 1;
            covered += rolls[first].report.periods;
        }
        let window = &rolls[first..];
        let mut figures = Adherence::default();
        for r in window {
            if let Some(a) = &r.adherence {
                figures.add(a);
            }
        }
        // Counter-proposals made since the roll before the window.
        let since = first
            .checked_sub(1)
            .map_or(UNIX_EPOCH, |before| rolls[before].at);
        let mut counts = HashMap::new();
        let counted: Vec<String> = match &enterprise {
            Some(e) => vec![e.clone()],
            None => suppliers(&network.document),
        };
        for e in counted {
            let acks = store
                .acknowledgements(&network_id, &e)
                .await
                .map_err(ServiceError::from)?;
            let n = acks
                .iter()
                .filter(|a| !a.accepted && !a.limits.is_empty() && a.at >= since)
                .count();
            counts.insert(e, u32::try_from(n).unwrap_or(u32::MAX));
        }
        if let Some(e) = &enterprise {
            figures = figures.of_enterprise(e);
        }
        Ok(Response::new(pb::GetAdherenceResponse {
            adherence: Some(convert::adherence_to_pb(&figures, covered, &counts)),
            first_period: window.first().map_or(0, |r| r.period_offset),
        }))
    }
}

/// Why a roll does not apply: INVALID_ARGUMENT for the request's own
/// fields (`periods`, `extensions`), FAILED_PRECONDITION when the reported
/// actuals (or the document they roll) do not add up, with every reason.
fn roll_error(problems: Vec<Problem>) -> ServiceError {
    let (request, state): (Vec<_>, Vec<_>) = problems
        .into_iter()
        .partition(|p| p.path.starts_with("periods") || p.path.starts_with("extensions"));
    if !request.is_empty() {
        return ServiceError::Invalid(request);
    }
    let shown: Vec<String> = state
        .iter()
        .take(3)
        .map(|p| format!("{}: {}", p.path, p.reason))
        .collect();
    let more = match state.len().saturating_sub(shown.len()) {
        0 => String::new(),
        n => format!(" (and {n} more)"),
    };
    ServiceError::FailedPrecondition(format!(
        "the actuals reported since the last roll do not roll: {}{more}",
        shown.join("; ")
    ))
}

/// The answer to a roll, from its record.
fn roll_response(r: &RollRecord) -> pb::RollHorizonResponse {
    pb::RollHorizonResponse {
        network_version: r.to_version,
        period_offset: r.period_offset + u64::from(r.report.periods),
        report: Some(convert::roll_report_to_pb(&r.report)),
        adherence: r
            .adherence
            .as_ref()
            .map(|a| convert::adherence_to_pb(a, r.report.periods, &HashMap::new())),
        reports: 0,
        replan: None,
    }
}
