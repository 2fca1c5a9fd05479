//! The planner console: the demo solved and published from the page, its
//! chain map and renovation timeline, and a what-if comparison.

use crate::browser::Browser;
use crate::common::{gearbox, NET};
use crate::{demo_server, url};
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_solves_and_publishes_from_the_page() {
    let (server, erp) = demo_server(None, None).await;
    let browser = Browser::start().await;
    browser
        .goto(&url(&server, &format!("/#/network/{NET}")))
        .await;

    // The chain map shows every site of the demo.
    browser
        .wait_for("[data-testid=chain-map] [data-site]")
        .await;
    let mut shown = BTreeSet::new();
    for site in browser.all("[data-testid=chain-map] [data-site]").await {
        shown.insert(site.attr("data-site").await.unwrap().unwrap());
    }
    let sites: BTreeSet<String> = gearbox().sites.iter().map(|s| s.id.clone()).collect();
    assert_eq!(shown, sites);

    // Solve with live progress, then the plan.
    browser.click("[data-testid=solve-button]").await;
    browser
        .wait_for("[data-testid=solve-progress][data-done=true]")
        .await;
    let status = browser
        .wait_for_text("[data-testid=plan-status]", |t| !t.is_empty())
        .await;
    assert!(status.to_lowercase().contains("optimal"), "{status}");

    // Publish, confirmed in the dialog.
    browser.click("[data-testid=publish-button]").await;
    browser.click("[data-testid=publish-confirm]").await;
    browser
        .wait_for_text("[data-testid=publish-result]", |t| t.contains("version 1"))
        .await;

    // The renovation timeline shows both demo renovations in the periods the
    // plan chose: the committed plan, read back from the API.
    let listed = erp.get("/api/v1/networks").await.ok();
    let plan_id = listed["networks"][0]["published_plan_id"]
        .as_str()
        .expect("a committed plan")
        .to_string();
    let plan = erp.get(&format!("/api/v1/plans/{plan_id}")).await.ok();
    let mut chosen = BTreeSet::new();
    for r in plan["plan"]["renovations"].as_array().unwrap() {
        let start = r["start"].as_u64().expect("scheduled");
        let end = r["end"].as_u64().unwrap();
        chosen.insert((r["id"].as_str().unwrap().to_string(), start, end));
    }
    assert_eq!(chosen.len(), 2, "the demo schedules both renovations");
    browser
        .wait_for("[data-testid=renovation-timeline] [data-renovation]")
        .await;
    let mut bars = BTreeSet::new();
    for bar in browser
        .all("[data-testid=renovation-timeline] [data-renovation]")
        .await
    {
        let attr = |name: &'static str| {
            let bar = bar.clone();
            async move { bar.attr(name).await.unwrap().unwrap() }
        };
        bars.insert((
            attr("data-renovation").await,
            attr("data-start").await.parse::<u64>().unwrap(),
            attr("data-end").await.parse::<u64>().unwrap(),
        ));
    }
    assert_eq!(bars, chosen);
    browser.screenshot("console-plan").await;
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gearworks_outage_shows_its_unmet_units_and_moved_renovation_in_the_comparison() {
    let (server, erp) = demo_server(None, None).await;
    let browser = Browser::start().await;
    browser
        .goto(&url(&server, &format!("/#/scenarios/{NET}")))
        .await;

    // The outage of the demo's what-if, built in the form.
    browser
        .fill("[data-testid=scenario-name]", "gearworks down")
        .await;
    browser
        .fill("[data-testid=scenario-change-kind]", "outage")
        .await;
    browser
        .fill("[data-testid=change-scope]", "enterprise")
        .await;
    browser
        .fill("[data-testid=change-target]", "gearworks")
        .await;
    browser.fill("[data-testid=change-first]", "4").await;
    browser.fill("[data-testid=change-last]", "6").await;
    browser.click("[data-testid=scenario-add-change]").await;
    browser.click("[data-testid=scenario-submit]").await;
    browser
        .wait_for("[data-testid=scenario-select][data-scenario]")
        .await;

    // The scenario as stored: what the form made of it.
    let listed = erp
        .get(&format!("/api/v1/networks/{NET}/scenarios"))
        .await
        .ok();
    let scenario = &listed["scenarios"][0];
    let id = scenario["scenario_id"].as_str().unwrap().to_string();
    assert_eq!(scenario["name"], "gearworks down");
    let outage = &scenario["changes"][0]["outage"];
    assert_eq!(outage["enterprise"], "gearworks", "{scenario}");
    assert_eq!(outage["periods"]["first"], 4);
    assert_eq!(outage["periods"]["last"], 6);

    browser.click("[data-testid=scenario-solve]").await;
    browser
        .wait_for("[data-testid=scenario-progress][data-done=true]")
        .await;
    browser.click("[data-testid=scenario-compare]").await;
    let shown = browser
        .wait_for(&format!(
            "[data-testid=comparison] [data-testid=unmet-units][data-scenario={id:?}]"
        ))
        .await;
    let shown_unmet: f64 = shown
        .attr("data-value")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();

    // The same comparison from the API: the page shows its figures.
    let compared = erp
        .post(
            "/api/v1/scenarios/compare",
            serde_json::json!({ "scenario_ids": [id] }),
        )
        .await
        .ok();
    let comparison = &compared["comparisons"][0];
    let unmet = comparison["unmet"]["scenario"].as_f64().unwrap_or(0.0);
    assert!(unmet > 0.0, "the outage leaves demand unmet: {comparison}");
    assert!(
        (shown_unmet - unmet).abs() < 1e-6,
        "{shown_unmet} vs {unmet}"
    );
    let moved: BTreeSet<String> = comparison["renovations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["changed"].as_bool().unwrap_or(false))
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !moved.is_empty(),
        "the outage moves a renovation: {comparison}"
    );
    let mut shown_moved = BTreeSet::new();
    for r in browser
        .all(&format!(
            "[data-testid=moved-renovation][data-scenario={id:?}]"
        ))
        .await
    {
        shown_moved.insert(r.attr("data-renovation").await.unwrap().unwrap());
    }
    assert_eq!(shown_moved, moved);
    browser.screenshot("console-scenario").await;
    browser.close().await;
    server.stop().await;
}
