//! `PlanningService.ExplainRenovations` over a real socket: the answers for
//! the demo chain's renovation programme, and its errors.

mod common;

use chainplan::server::pb;
use common::{clients, gearbox, open, put, solve, TestServer};
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renovation_answers_come_with_the_plan_they_explain() {
    let server = TestServer::start(None, 1, 4).await;
    let (mut net, mut planning, _) = clients(&server, open).await;
    let doc = gearbox();
    put(&mut net, &doc).await;
    let solved = solve(&mut planning).await;
    let plan_id = solved.info.unwrap().plan_id;
    let plan = solved.plan.unwrap();
    let answers = planning
        .explain_renovations(pb::ExplainRenovationsRequest {
            plan_id: plan_id.clone(),
            budget_step: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answers.renovations.len(), doc.renovations.len());
    for (answer, scheduled) in answers.renovations.iter().zip(&plan.renovations) {
        assert_eq!(answer.id, scheduled.id);
        assert_eq!(answer.start, scheduled.start);
        let r = doc.renovations.iter().find(|r| r.id == answer.id).unwrap();
        assert_eq!(answer.net_capex, r.capex - r.subsidy);
        if answer.start.is_some() {
            assert!(answer.capacity_lost > 0.0, "{answer:?}");
        }
    }

    let bad = planning
        .explain_renovations(pb::ExplainRenovationsRequest {
            plan_id: plan_id.clone(),
            budget_step: Some(-5.0),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    let unknown = planning
        .explain_renovations(pb::ExplainRenovationsRequest {
            plan_id: "plan-nope".into(),
            budget_step: None,
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    server.stop().await;
}
