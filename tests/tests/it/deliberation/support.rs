//! Fixtures of the deliberation tests: the world with triage schemes chosen, residents of each
//! village, and one-line helpers for the routes every part uses.

use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{body, id, TestApp};

/// The world of `TestApp::world` with village A on Wuyi's scheme, village B on Pengshui's
/// (chosen by its township officer), and a cadre of village B.
pub struct Deliberation {
    pub w: World,
    pub cadre_b: Account,
}

pub async fn setup(app: &TestApp) -> Deliberation {
    let w = app.world().await;
    let cadre_b = app.staff(&w.admin, "cadre-b", &w.village_b).await;
    let res = app.grant(&w.admin, &cadre_b.id, "village_cadre", "org_unit", &w.village_b).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let (status, chosen) = body(scheme(app, &w.cadre_a.token, &w.village_a, "wuyi").await).await;
    assert_eq!(status, StatusCode::OK, "{chosen}");
    let (status, chosen) = body(scheme(app, &w.officer.token, &w.village_b, "pengshui").await).await;
    assert_eq!(status, StatusCode::OK, "{chosen}");
    Deliberation { w, cadre_b }
}

pub async fn scheme(app: &TestApp, token: &str, unit: &str, scheme: &str) -> reqwest::Response {
    app.put(token, &format!("/api/v1/org-units/{unit}/triage-scheme"), json!({ "scheme": scheme })).await
}

/// A resident of `unit` approved by `approver`.
pub async fn resident_of(app: &TestApp, unit: &str, approver: &str, name: &str) -> Account {
    app.member(name, unit, approver).await
}

/// Raises a matter; asserts it was created.
pub async fn raise(app: &TestApp, who: &Account, scope: &str, title: &str) -> Value {
    let payload = json!({ "scope_id": scope, "category": "public_welfare", "title": title, "body": format!("{title}，请大家议一议。") });
    let (status, matter) = body(app.post(Some(&who.token), "/api/v1/matters", payload).await).await;
    assert_eq!(status, StatusCode::CREATED, "raise: {matter}");
    matter
}

/// POSTs an action on a matter.
pub async fn act(app: &TestApp, token: &str, matter: &str, action: &str, payload: Value) -> (StatusCode, Value) {
    body(app.post(Some(token), &format!("/api/v1/matters/{matter}/{action}"), payload).await).await
}

/// Triages; asserts it succeeded.
pub async fn triage(app: &TestApp, token: &str, matter: &str, tier: &str) -> Value {
    let (status, m) = act(app, token, matter, "triage", json!({ "tier": tier, "note": "按分流标准" })).await;
    assert_eq!(status, StatusCode::OK, "triage {tier}: {m}");
    m
}

/// The notices in `token`'s inbox, after a dispatch pass.
pub async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
    let (_, page) = body(app.get_as(token, "/api/v1/me/notifications?limit=100").await).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

pub fn kinds(notices: &[Value]) -> Vec<String> {
    notices.iter().filter_map(|n| n["kind"].as_str().map(str::to_owned)).collect()
}

pub fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().map(|items| items.iter().map(id).collect()).unwrap_or_default()
}
