//! The real WeChat client against a local fake that speaks WeChat's JSON, errors included.

use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::{fake_wechat, spawn_app_with, Setup, TestApp};

async fn app_with_fake() -> (TestApp, fake_wechat::FakeWeChat) {
    let fake = fake_wechat::start().await;
    let app = spawn_app_with(Setup { env: fake.env(), ..Setup::default() }).await;
    (app, fake)
}

async fn login(app: &TestApp, code: &str) -> (StatusCode, String, Option<String>) {
    let res = app.post(None, "/api/v1/auth/wechat/login", json!({ "code": code })).await;
    let status = res.status();
    let retry_after = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (status, res.text().await.unwrap(), retry_after)
}

#[tokio::test]
async fn residents_log_in_by_openid_and_the_session_key_never_leaves() {
    let (app, fake) = app_with_fake().await;
    let (status, first, _) = login(&app, "c:zhang").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (_, again, _) = login(&app, "c:zhang").await;
    let (_, other, _) = login(&app, "c:li").await;
    let id = |text: &str| serde_json::from_str::<Value>(text).unwrap()["user"]["id"].clone();
    assert_eq!(id(&first), id(&again));
    assert_ne!(id(&first), id(&other));
    for text in [&first, &again, &other] {
        assert!(!text.contains("SESSION-KEY") && !text.contains("o-zhang") && !text.contains("u-zhang"), "{text}");
    }
    let stored = app
        .state
        .db
        .run(|conn| {
            use diesel::prelude::*;
            use infra::testing::schema::users::dsl as u;
            Ok::<_, infra::InfraError>(
                u::users.select((u::openid, u::unionid)).load::<(Option<String>, Option<String>)>(conn)?,
            )
        })
        .await
        .unwrap();
    assert!(
        stored.contains(&(Some("o-zhang".into()), Some("u-zhang".into()))),
        "openid and unionid are kept: {stored:?}"
    );
    assert_eq!(fake.state.login_calls.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn every_wechat_login_error_has_its_status_in_our_shape() {
    let (app, fake) = app_with_fake().await;
    for (errcode, status, code) in [
        (40029, StatusCode::BAD_REQUEST, "wechat_code_invalid"),
        (40163, StatusCode::BAD_REQUEST, "wechat_code_invalid"),
        (45011, StatusCode::TOO_MANY_REQUESTS, "wechat_rate_limited"),
        (40226, StatusCode::FORBIDDEN, "wechat_high_risk"),
    ] {
        fake.script_login_errors(&[errcode]);
        let (got, text, retry_after) = login(&app, "c:someone").await;
        assert_eq!(got, status, "{errcode}: {text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["error"]["code"], code, "{errcode}");
        assert_eq!(retry_after.is_some(), errcode == 45011, "{errcode}");
    }
    // -1 is "busy": retried once, then 503.
    fake.script_login_errors(&[-1]);
    assert_eq!(login(&app, "c:patient").await.0, StatusCode::OK, "one busy answer is retried");
    fake.script_login_errors(&[-1, -1]);
    let (status, text, _) = login(&app, "c:patient").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert!(text.contains("wechat_unavailable"));
}

async fn consenting_resident(app: &TestApp, name: &str) -> String {
    let (status, text, _) = login(app, &format!("c:{name}")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let token = serde_json::from_str::<Value>(&text).unwrap()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post(Some(&token), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await.status(),
        StatusCode::CREATED
    );
    token
}

#[tokio::test]
async fn two_instances_binding_twenty_phones_fetch_one_access_token() {
    let fake = fake_wechat::start().await;
    let one = spawn_app_with(Setup { env: fake.env(), ..Setup::default() }).await;
    let two = spawn_app_with(Setup { env: fake.env(), instance_of: Some(one.shared()), ..Setup::default() }).await;
    let mut tokens = Vec::new();
    for i in 0..20 {
        tokens.push(consenting_resident(&one, &format!("r{i}")).await);
    }
    let bindings = tokens.iter().enumerate().map(|(i, token)| {
        let app = if i % 2 == 0 { &one } else { &two };
        app.post(Some(token), "/api/v1/auth/wechat/phone", json!({ "code": format!("p:139000000{i:02}") }))
    });
    for (i, res) in futures_util::future::join_all(bindings).await.into_iter().enumerate() {
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["phone"], format!("139000000{i:02}"));
    }
    assert_eq!(fake.stable_token_calls(), 1, "one instance fetched the token; the rest waited for it");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_retried() {
    let (app, fake) = app_with_fake().await;
    let token = consenting_resident(&app, "first").await;
    assert_eq!(
        app.post(Some(&token), "/api/v1/auth/wechat/phone", json!({ "code": "p:13800000001" })).await.status(),
        StatusCode::OK
    );
    assert_eq!(fake.stable_token_calls(), 1);

    fake.expire_current_token();
    let second = consenting_resident(&app, "second").await;
    let res = app.post(Some(&second), "/api/v1/auth/wechat/phone", json!({ "code": "p:13800000002" })).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(fake.stable_token_calls(), 2, "one refresh");
    assert_eq!(
        fake.state.phone_calls.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "the refused call, then its one retry"
    );

    let bad = app.post(Some(&second), "/api/v1/auth/wechat/phone", json!({ "code": "garbage" })).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
