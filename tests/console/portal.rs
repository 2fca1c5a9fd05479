//! The supplier portal: a supplier signs in with its token, sees its own
//! allocation, accepts it, reports lost capacity and sees the re-plan's
//! version arrive without a reload; nothing of another supplier is
//! reachable from the page or with its token.

use crate::browser::Browser;
use crate::common::NET;
use crate::{demo_server, url};
use chainplan::server::auth::{Role, Tokens};
use reqwest::Method;
use serde_json::{json, Value};

fn tokens() -> Tokens {
    Tokens::from_pairs([
        ("erp-token".to_string(), Role::Erp),
        (
            "gearworks-token".to_string(),
            Role::Supplier {
                enterprise: "gearworks".into(),
            },
        ),
        (
            "rolltec-token".to_string(),
            Role::Supplier {
                enterprise: "rolltec".into(),
            },
        ),
    ])
}

/// The HTTP status of a call the page makes with the token it holds.
async fn status_from_page(browser: &Browser, path: &str) -> u64 {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         fetch({path:?}, {{headers: {{authorization: 'Bearer ' + sessionStorage.getItem('chainplan.token')}}}})
           .then(r => done(r.status), e => done(-1));"
    );
    let value: Value = browser
        .client
        .execute_async(&script, Vec::new())
        .await
        .expect("the script runs");
    value.as_u64().expect("a status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplier_follows_accepts_and_reports_in_the_portal() {
    let (server, erp) = demo_server(Some(tokens()), Some("erp-token")).await;
    let solved = erp
        .post(&format!("/api/v1/networks/{NET}/solve"), json!({}))
        .await
        .ok();
    let plan_id = solved["info"]["plan_id"].as_str().unwrap().to_string();
    erp.post(
        &format!("/api/v1/plans/{plan_id}/publish"),
        json!({ "request_id": "p1" }),
    )
    .await
    .ok();
    erp.call(
        Method::PUT,
        &format!("/api/v1/networks/{NET}/replan-policy"),
        Some(json!({ "policy": { "mode": "REPLAN_MODE_AUTOMATIC_PUBLISH" } })),
    )
    .await
    .ok();

    let browser = Browser::start().await;
    browser.goto(&url(&server, "/portal")).await;
    browser
        .fill("[data-testid=portal-token]", "gearworks-token")
        .await;
    browser.fill("[data-testid=portal-network]", NET).await;
    browser.click("[data-testid=portal-sign-in]").await;
    browser
        .wait_for_text("[data-testid=portal-version]", |t| t.trim() == "1")
        .await;
    let allocation = browser
        .wait_for_text("[data-testid=portal-allocation]", |t| {
            t.contains("gearworks-linz")
        })
        .await;
    for other in ["rolltec", "fonderia", "nordstahl", "schmiede"] {
        assert!(!allocation.contains(other), "{other} in {allocation}");
    }
    // A marker that a reload would wipe.
    browser.run("window.portalMarker = 42; return true;").await;

    browser.click("[data-testid=accept-button]").await;
    browser
        .wait_for_text("[data-testid=ack-status]", |t| {
            t.to_lowercase().contains("accept")
        })
        .await;

    // Lost capacity: the network re-plans and publishes by its policy, and
    // the new version arrives on the open page.
    browser
        .fill("[data-testid=capacity-line]", "gearworks-hobbing")
        .await;
    browser.fill("[data-testid=capacity-periods]", "2-5").await;
    browser.fill("[data-testid=capacity-value]", "0").await;
    browser
        .fill("[data-testid=capacity-reason]", "hobbing machine breakdown")
        .await;
    browser.click("[data-testid=capacity-submit]").await;
    browser
        .wait_for_text("[data-testid=capacity-status]", |t| !t.trim().is_empty())
        .await;
    browser
        .wait_for_text("[data-testid=portal-version]", |t| t.trim() == "2")
        .await;
    assert_eq!(
        browser.run("return window.portalMarker;").await,
        json!(42),
        "the page was not reloaded"
    );

    // The weekly cycle from the page: reject the new version with what the
    // supplier can do instead, report what a line made, read its figures.
    browser
        .fill("[data-testid=reject-reason]", "hobber down")
        .await;
    browser
        .fill("[data-testid=counter-proposal]", "gear 3 10\nship gear 4 5")
        .await;
    browser.click("[data-testid=reject-button]").await;
    browser
        .wait_for_text("[data-testid=ack-status]", |t| t.contains("rejected"))
        .await;
    let answers = server
        .store
        .acknowledgements(NET, "gearworks")
        .await
        .unwrap();
    let limits = &answers.last().unwrap().limits;
    assert_eq!(limits.len(), 2, "{answers:?}");
    assert_eq!(
        (limits[0].item.as_str(), limits[0].period, limits[0].qty),
        ("gear", 3, 10.0)
    );
    browser
        .fill("[data-testid=actuals-line]", "gearworks-hobbing")
        .await;
    browser.fill("[data-testid=actuals-item]", "gear").await;
    browser.fill("[data-testid=actuals-period]", "0").await;
    browser.fill("[data-testid=actuals-qty]", "118").await;
    browser.click("[data-testid=actuals-submit]").await;
    browser
        .wait_for_text("[data-testid=actuals-status]", |t| {
            t.contains("Recorded as report 1")
        })
        .await;
    let reports = server.store.open_actuals(NET).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].enterprise.as_deref(), Some("gearworks"));
    assert_eq!(reports[0].actuals.production[0].qty, 118.0);
    browser.click("[data-testid=adherence-refresh]").await;
    browser
        .wait_for_text("[data-testid=portal-adherence]", |t| {
            t.contains("No period has been rolled yet")
        })
        .await;
    browser.screenshot("portal").await;

    // With its token, the page reaches nothing beyond its own enterprise,
    // and cannot tell another supplier from one that does not exist.
    let other = format!("/api/v1/networks/{NET}/suppliers/rolltec/allocations");
    let ghost = format!("/api/v1/networks/{NET}/suppliers/no-such-supplier/allocations");
    assert_eq!(status_from_page(&browser, &other).await, 403);
    assert_eq!(status_from_page(&browser, &ghost).await, 403);
    for path in [
        format!("/api/v1/networks/{NET}"),
        "/api/v1/networks".to_string(),
        format!("/api/v1/plans/{plan_id}"),
        format!("/api/v1/networks/{NET}/scenarios"),
        "/metrics".to_string(),
    ] {
        assert_eq!(status_from_page(&browser, &path).await, 403, "{path}");
    }
    let page = browser.run("return document.body.innerText;").await;
    let page = page.as_str().unwrap();
    assert!(
        !page.contains("rolltec") && !page.contains("RollTec"),
        "{page}"
    );
    browser.close().await;
    server.stop().await;
}
