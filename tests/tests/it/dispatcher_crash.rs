//! A dispatcher process killed (SIGKILL) after sending a WeChat message and before recording
//! it, then started again: WeChat sees the message at most twice, the inbox holds it once.
//! An announcement's fan-out killed half-way is taken over within its short lease, every
//! resident queued once; a live dispatcher's slow send keeps its claim (renewed) and is not
//! sent a second time by another. Runs the real `yishi` binary as the dispatcher (`cargo test`
//! at the root builds it).

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
    dispatcher_with(app, fake, &[("YISHI_DISPATCH_LEASE_SECS", "1")])
}

fn dispatcher_with(app: &TestApp, fake: &fake_wechat::FakeWeChat, env: &[(&str, &str)]) -> Child {
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
        .env("YISHI_WECHAT_TEMPLATES", TEMPLATES)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in fake.env() {
        command.env(name, value);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    if let Some(redis) = infra::testing::redis_url() {
        command.env("REDIS_URL", redis);
    }
    command.spawn().unwrap()
}

async fn wait_for(what: &str, done: impl AsyncFnMut() -> bool) {
    wait_up_to(Duration::from_secs(30), what, done).await;
}

async fn wait_up_to(limit: Duration, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
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
                use infra::testing::schema::outbox::dsl as o;
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
            use infra::testing::schema::notifications::dsl as n;
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

/// (fanned out, done, lease until) of the one announcement.
async fn fan_out_state(app: &TestApp) -> (i32, bool, Option<chrono::NaiveDateTime>) {
    app.state
        .db
        .run(|conn| {
            use infra::testing::schema::announcements::dsl as a;
            Ok::<_, infra::InfraError>(
                a::announcements.select((a::fanned_out, a::fanout_done, a::lease_until)).first(conn)?,
            )
        })
        .await
        .unwrap()
}

/// Issue 8, item 19: the fan-out's claim was a hard-coded 120 s, so an instance killed half-way
/// through an announcement left the rest of a village waiting two minutes. Its lease is now
/// `YISHI_FANOUT_LEASE_SECS`, renewed with each batch: another instance takes over once it runs
/// out, and every resident is queued exactly once.
#[tokio::test]
async fn a_fan_out_killed_half_way_is_taken_over_within_its_lease_and_queues_everyone_once() {
    use infra::testing::schema::outbox as o;
    const RESIDENTS: i64 = 20_000;
    let fake = fake_wechat::start().await;
    let app = spawn_app_with(Setup::default()).await;
    let w = app.world().await;
    let village = w.village_a.clone();
    app.seed_residents(&village, usize::try_from(RESIDENTS).unwrap()).await;
    let notice = json!({ "org_unit_id": w.village_a, "title": "防汛通知", "body": "请注意防汛安全。" });
    assert_eq!(app.post(Some(&w.cadre_a.token), "/api/v1/announcements", notice).await.status(), StatusCode::CREATED);

    let lease = [("YISHI_FANOUT_LEASE_SECS", "2")];
    let mut first = dispatcher_with(&app, &fake, &lease);
    let deadline = Instant::now() + Duration::from_secs(60);
    let held_until = loop {
        let (fanned, done, until) = fan_out_state(&app).await;
        assert!(!done, "the fan-out finished before it could be killed half-way");
        if fanned > 0 {
            first.kill().unwrap();
            break until;
        }
        assert!(Instant::now() < deadline, "timed out waiting for the fan-out to start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    first.wait().unwrap();
    let killed_at = chrono::Utc::now().naive_utc();
    let (fanned, done, _) = fan_out_state(&app).await;
    assert!(fanned > 0 && i64::from(fanned) < RESIDENTS && !done, "killed half-way: {fanned}");
    let held_until = held_until.expect("the dead instance's claim");
    assert!(
        held_until <= killed_at + chrono::Duration::seconds(3),
        "the claim is the short lease: {held_until} vs {killed_at}"
    );

    let mut second = dispatcher_with(&app, &fake, &lease);
    wait_up_to(Duration::from_secs(20), "another instance to finish the fan-out", async || fan_out_state(&app).await.1)
        .await;
    second.kill().unwrap();
    second.wait().unwrap();
    let (fanned, _, _) = fan_out_state(&app).await;
    let queued: i64 = app
        .state
        .db
        .run(|conn| {
            Ok::<_, infra::InfraError>(
                o::table.filter(o::kind.eq("announcement")).filter(o::channel.eq("inbox")).count().get_result(conn)?,
            )
        })
        .await
        .unwrap();
    assert_eq!((i64::from(fanned), queued), (RESIDENTS, RESIDENTS), "every resident once, no batch twice");
}

/// Issue 8, item 19: a live dispatcher renews its claims while it works, so a send slower than
/// the lease is not taken over and sent again by another dispatcher.
#[tokio::test]
async fn a_send_slower_than_the_lease_keeps_its_claim_and_goes_out_once() {
    let fake = fake_wechat::start().await;
    let mut env = fake.env();
    env.push(("YISHI_WECHAT_TEMPLATES", TEMPLATES.to_owned()));
    env.push(("YISHI_DISPATCH_LEASE_SECS", "1".to_owned()));
    let app = spawn_app_with(Setup { env: env.clone(), ..Setup::default() }).await;
    let other = spawn_app_with(Setup { env, instance_of: Some(app.shared()), ..Setup::default() }).await;
    let w = app.world().await;
    let login = app.wechat_login("c:slow").await;
    let token = login["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post(Some(&token), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await.status(),
        StatusCode::CREATED
    );
    app.post(Some(&token), "/api/v1/me/subscriptions", json!({ "template_ids": ["TPL-REJECT", "TPL-REJECT"] })).await;
    let application = app
        .post(Some(&token), "/api/v1/me/residency", json!({ "org_unit_id": w.village_a, "new_household_name": "慢家" }))
        .await;
    let id = application.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/residencies/{id}/reject");
    assert_eq!(app.post(Some(&w.cadre_a.token), &path, json!({ "reason": "测试" })).await.status(), StatusCode::OK);

    let pending: i64 = app
        .state
        .db
        .run(|conn| {
            use infra::testing::schema::outbox::dsl as o;
            Ok::<_, infra::InfraError>(o::outbox.filter(o::status.eq("pending")).count().get_result(conn)?)
        })
        .await
        .unwrap();
    assert!((2..=10).contains(&pending), "the inbox and WeChat deliveries (and the cadre's), one batch: {pending}");

    // WeChat answers after three leases; meanwhile the other dispatcher tries every 100 ms.
    fake.state.send_delay_ms.store(3_000, Ordering::SeqCst);
    let state = app.state.clone();
    let slow = tokio::spawn(async move {
        infra::notify::dispatch(&state.db, &state.channels, "slow", chrono::Utc::now().naive_utc(), 10).await
    });
    wait_for("the slow send", async || fake.send_attempts() >= 1).await;
    let mut eager_delivered = 0;
    while !slow.is_finished() {
        let now = chrono::Utc::now().naive_utc();
        eager_delivered +=
            infra::notify::dispatch(&other.state.db, &other.state.channels, "eager", now, 10).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let delivered = slow.await.unwrap().unwrap();
    assert_eq!(fake.send_attempts(), 1, "sent once, by the dispatcher that claimed it");
    assert_eq!(fake.sent().len(), 1);
    assert_eq!(
        (delivered as i64, eager_delivered),
        (pending, 0),
        "the slow one delivered all it claimed; the other nothing"
    );
    let grants: serde_json::Value = app.get_as(&token, "/api/v1/me/subscriptions").await.json().await.unwrap();
    assert_eq!(grants["grants"][0]["remaining"], 1, "one grant used");
}
