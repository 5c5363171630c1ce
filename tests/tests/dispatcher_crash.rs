//! A dispatcher process killed (SIGKILL) after sending a WeChat message and before recording
//! it, then started again: WeChat sees the message at most twice, the inbox holds it once.
//! Runs the real `yishi` binary as the dispatcher (`cargo test` at the root builds it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;
use yishi_tests::{fake_wechat, spawn_app_with, Setup, TestApp};

const TEMPLATES: &str =
    r#"{"residency_rejected": {"template_id": "TPL-REJECT", "fields": {"thing1": "unit", "thing2": "reason"}}}"#;

fn yishi_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let binary = dir.join("yishi");
    assert!(
        binary.exists(),
        "{} is missing: run `cargo test` at the workspace root, which builds it",
        binary.display()
    );
    binary
}

fn dispatcher(app: &TestApp, fake: &fake_wechat::FakeWeChat) -> Child {
    let mut command = Command::new(yishi_binary());
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.database_url)
        .env("YISHI_REDIS_PREFIX", &app.redis_prefix)
        .env("YISHI_BIND", "127.0.0.1:0")
        .env("YISHI_METRICS_BIND", "off")
        .env("YISHI_DEMO_DATA", "off")
        .env("YISHI_DISPATCH_INTERVAL_MS", "100")
        .env("YISHI_DISPATCH_LEASE_SECS", "1")
        .env("YISHI_WECHAT_TEMPLATES", TEMPLATES)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in fake.env() {
        command.env(name, value);
    }
    if let Some(redis) = infra::testing::redis_url() {
        command.env("REDIS_URL", redis);
    }
    command.spawn().unwrap()
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_dispatcher_killed_mid_send_causes_at_most_a_second_send_and_one_inbox_entry() {
    let fake = fake_wechat::start().await;
    let mut env = fake.env();
    env.push(("YISHI_WECHAT_TEMPLATES", TEMPLATES.to_owned()));
    let app = spawn_app_with(Setup { env, ..Setup::default() }).await;
    let w = app.world().await;
    let login = app.wechat_login("c:crash").await;
    let token = login["access_token"].as_str().unwrap().to_owned();
    let user = login["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post(Some(&token), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await.status(),
        StatusCode::CREATED
    );
    app.post(Some(&token), "/api/v1/me/subscriptions", json!({ "template_ids": ["TPL-REJECT", "TPL-REJECT"] })).await;
    let application = app
        .post(
            Some(&token),
            "/api/v1/me/residency",
            json!({ "org_unit_id": w.village_a, "new_household_name": "崩溃家" }),
        )
        .await;
    let id = application.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let reject = app
        .post(Some(&w.cadre_a.token), &format!("/api/v1/residencies/{id}/reject"), json!({ "reason": "测试" }))
        .await;
    assert_eq!(reject.status(), StatusCode::OK);

    // WeChat takes the message and is slow to answer; the dispatcher dies waiting.
    fake.state.send_delay_ms.store(5_000, Ordering::SeqCst);
    let mut first = dispatcher(&app, &fake);
    wait_for("the first send", async || fake.send_attempts() >= 1).await;
    first.kill().unwrap();
    first.wait().unwrap();

    fake.state.send_delay_ms.store(0, Ordering::SeqCst);
    let mut second = dispatcher(&app, &fake);
    let db = app.state.db.clone();
    wait_for("every delivery to finish", async || {
        let pending: i64 = db
            .run(|conn| {
                use infra::schema::outbox::dsl as o;
                Ok::<_, infra::InfraError>(o::outbox.filter(o::status.eq("pending")).count().get_result(conn)?)
            })
            .await
            .unwrap();
        pending == 0
    })
    .await;
    second.kill().unwrap();
    second.wait().unwrap();

    // The killed process's send, then the restarted one's: never more.
    assert_eq!(fake.send_attempts(), 2, "at most two sends");
    // The killed process's request may still complete at WeChat's end: delivered once or twice.
    assert!((1..=2).contains(&fake.sent().len()), "delivered");
    let grants: serde_json::Value = app.get_as(&token, "/api/v1/me/subscriptions").await.json().await.unwrap();
    assert_eq!(grants["grants"][0]["remaining"], 1, "the message took one grant, once");
    let inbox: i64 = app
        .state
        .db
        .run(move |conn| {
            use infra::schema::notifications::dsl as n;
            Ok::<_, infra::InfraError>(
                n::notifications
                    .filter(n::user_id.eq(&user))
                    .filter(n::kind.eq("residency_rejected"))
                    .count()
                    .get_result(conn)?,
            )
        })
        .await
        .unwrap();
    assert_eq!(inbox, 1);
}
