//! Notifications II: WeChat subscribe messages, against the fake WeChat — grants counted and
//! consumed, fields cut to WeChat's limits, 43101, opt-out, and a retry after a 500.

use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{fake_wechat, spawn_app_with, Setup, TestApp};

const TEMPLATES: &str = r#"{"residency_rejected": {"template_id": "TPL-REJECT", "page": "pages/residency/index",
    "fields": {"thing1": "unit", "thing2": "reason", "phrase3": "$title"}}}"#;
/// 25 characters: WeChat's `thing` holds 20.
const REASON: &str = "户籍地址与申请地址不一致请到村委会当面核实办理谢谢";

async fn setup() -> (TestApp, fake_wechat::FakeWeChat, World) {
    let fake = fake_wechat::start().await;
    let mut env = fake.env();
    env.push(("YISHI_WECHAT_TEMPLATES", TEMPLATES.to_owned()));
    let app = spawn_app_with(Setup { env, ..Setup::default() }).await;
    let world = app.world().await;
    (app, fake, world)
}

async fn wechat_resident(app: &TestApp, name: &str) -> Account {
    let login = app.wechat_login(&format!("c:{name}")).await;
    let token = login["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post(Some(&token), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await.status(),
        StatusCode::CREATED
    );
    Account { id: login["user"]["id"].as_str().unwrap().to_owned(), token }
}

/// An application by `resident`, rejected by the cadre: one notice.
async fn rejected(app: &TestApp, w: &World, resident: &Account) {
    let application = app.apply(resident, &w.village_a).await;
    let path = format!("/api/v1/residencies/{}/reject", application["id"].as_str().unwrap());
    assert_eq!(app.post(Some(&w.cadre_a.token), &path, json!({ "reason": REASON })).await.status(), StatusCode::OK);
}

async fn dispatch(app: &TestApp) {
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
}

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

#[tokio::test]
async fn grants_are_consumed_one_per_message_and_fields_fit_their_limits() {
    let (app, fake, w) = setup().await;
    let resident = wechat_resident(&app, "zhang").await;
    let granted = app
        .post(
            Some(&resident.token),
            "/api/v1/me/subscriptions",
            json!({ "template_ids": ["TPL-REJECT", "TPL-REJECT"] }),
        )
        .await;
    assert_eq!(json_of(granted).await["grants"], json!([{ "template_id": "TPL-REJECT", "remaining": 2 }]));

    for _ in 0..3 {
        rejected(&app, &w, &resident).await;
        dispatch(&app).await;
    }
    let sent = fake.sent();
    assert_eq!(sent.len(), 2, "two grants, two messages");
    let message = &sent[0];
    assert_eq!(message["touser"], "o-zhang");
    assert_eq!(message["template_id"], "TPL-REJECT");
    assert!(message["page"].as_str().unwrap().starts_with("pages/residency/index?delivery="));
    assert_eq!(message["data"]["thing1"]["value"], "杨家村");
    let reason = message["data"]["thing2"]["value"].as_str().unwrap();
    assert_eq!(reason.chars().count(), 20);
    assert_eq!(reason, format!("{}…", REASON.chars().take(19).collect::<String>()));
    assert_eq!(message["data"]["phrase3"]["value"], "入户申请…");
    assert_eq!(message["lang"], "zh_CN");
    assert_ne!(sent[0]["page"], sent[1]["page"], "each delivery has its own key");

    let inbox = json_of(app.get_as(&resident.token, "/api/v1/me/notifications").await).await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 3, "the third still lands in the inbox");
    let subscriptions = json_of(app.get_as(&resident.token, "/api/v1/me/subscriptions").await).await;
    assert_eq!(
        subscriptions,
        json!({ "grants": [{ "template_id": "TPL-REJECT", "remaining": 0 }], "pending_without_grant": 1 })
    );
}

async fn subscriptions(app: &TestApp, who: &Account) -> Value {
    json_of(app.get_as(&who.token, "/api/v1/me/subscriptions").await).await
}

async fn grant(app: &TestApp, who: &Account) {
    let res = app.post(Some(&who.token), "/api/v1/me/subscriptions", json!({ "template_ids": ["TPL-REJECT"] })).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// Issue 8, item 11: notices arriving together, dispatched after they were queued, use up the
/// grants; every one left without a grant is counted, until the user gives a new one.
#[tokio::test]
async fn every_notice_of_a_burst_that_found_no_grant_is_counted_until_a_grant_is_given() {
    let (app, fake, w) = setup().await;
    let resident = wechat_resident(&app, "burst").await;
    grant(&app, &resident).await;
    grant(&app, &resident).await;

    // Five notices queued at once, dispatched a minute later: two grants, three left without.
    for _ in 0..5 {
        rejected(&app, &w, &resident).await;
    }
    app.clock.advance(chrono::Duration::minutes(1));
    dispatch(&app).await;
    assert_eq!(fake.sent().len(), 2);
    assert_eq!(
        subscriptions(&app, &resident).await,
        json!({ "grants": [{ "template_id": "TPL-REJECT", "remaining": 0 }], "pending_without_grant": 3 })
    );

    // A new grant answers them: the count starts again from zero, and the next notice uses it.
    app.clock.advance(chrono::Duration::minutes(1));
    grant(&app, &resident).await;
    assert_eq!(subscriptions(&app, &resident).await["pending_without_grant"], 0);
    // Another burst of three with the one grant: two more without, counted however queued.
    for _ in 0..3 {
        rejected(&app, &w, &resident).await;
    }
    app.clock.advance(chrono::Duration::minutes(1));
    dispatch(&app).await;
    assert_eq!(fake.sent().len(), 3);
    assert_eq!(subscriptions(&app, &resident).await["pending_without_grant"], 2);
}

#[tokio::test]
async fn a_refusal_zeroes_the_grants_and_is_not_retried() {
    let (app, fake, w) = setup().await;
    let resident = wechat_resident(&app, "li").await;
    app.post(
        Some(&resident.token),
        "/api/v1/me/subscriptions",
        json!({ "template_ids": ["TPL-REJECT", "TPL-REJECT"] }),
    )
    .await;
    fake.script_sends(&[43101]);
    rejected(&app, &w, &resident).await;
    dispatch(&app).await;
    app.clock.advance(chrono::Duration::hours(3));
    dispatch(&app).await;
    assert_eq!(fake.send_attempts(), 1, "43101 is final");
    let token = app.wechat_login("c:li").await["access_token"].as_str().unwrap().to_owned();
    let subscriptions = json_of(app.get_as(&token, "/api/v1/me/subscriptions").await).await;
    assert_eq!(subscriptions["grants"][0]["remaining"], 0);
}

#[tokio::test]
async fn an_opted_out_channel_is_skipped_and_the_inbox_still_tells() {
    let (app, fake, w) = setup().await;
    let resident = wechat_resident(&app, "wang").await;
    app.post(Some(&resident.token), "/api/v1/me/subscriptions", json!({ "template_ids": ["TPL-REJECT"] })).await;
    let off = app
        .client
        .put(app.url("/api/v1/me/notification-preferences"))
        .bearer_auth(&resident.token)
        .json(&json!({ "channel": "wechat", "enabled": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), StatusCode::OK);
    let inbox_off = app
        .client
        .put(app.url("/api/v1/me/notification-preferences"))
        .bearer_auth(&resident.token)
        .json(&json!({ "channel": "inbox", "enabled": false }))
        .send()
        .await
        .unwrap();
    yishi_tests::assert_invalid_field(inbox_off, "enabled").await;
    rejected(&app, &w, &resident).await;
    dispatch(&app).await;
    assert_eq!(fake.send_attempts(), 0);
    let inbox = json_of(app.get_as(&resident.token, "/api/v1/me/notifications").await).await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1);
    let subscriptions = json_of(app.get_as(&resident.token, "/api/v1/me/subscriptions").await).await;
    assert_eq!(subscriptions["grants"][0]["remaining"], 1, "a skipped message uses no grant");
}

#[tokio::test]
async fn a_500_is_retried_and_the_message_delivered_once_with_one_grant() {
    let (app, fake, w) = setup().await;
    let resident = wechat_resident(&app, "zhao").await;
    app.post(
        Some(&resident.token),
        "/api/v1/me/subscriptions",
        json!({ "template_ids": ["TPL-REJECT", "TPL-REJECT"] }),
    )
    .await;
    fake.script_sends(&[500]);
    rejected(&app, &w, &resident).await;
    dispatch(&app).await;
    assert!(fake.sent().is_empty());
    dispatch(&app).await;
    assert_eq!(fake.send_attempts(), 1, "not before the backoff");
    app.clock.advance(chrono::Duration::minutes(2));
    dispatch(&app).await;
    assert_eq!(fake.sent().len(), 1);
    let subscriptions = json_of(app.get_as(&resident.token, "/api/v1/me/subscriptions").await).await;
    assert_eq!(subscriptions["grants"][0]["remaining"], 1, "the retry reused its grant");
}

/// Two dispatchers on one database and 1,000 queued WeChat deliveries: both take part, and the
/// fake sees 1,000 distinct delivery keys, none twice.
#[tokio::test]
async fn two_dispatchers_send_a_thousand_messages_once_each() {
    use diesel::prelude::*;
    use infra::testing::schema::{subscription_grants as g, users as u};
    let (app, fake, _w) = setup().await;
    let now = chrono::Utc::now().naive_utc();
    app.state
        .db
        .run(move |conn| {
            infra::db::write_tx(conn, |conn| -> Result<(), infra::InfraError> {
                for i in 0..1000 {
                    let id = domain::new_id();
                    diesel::insert_into(u::table)
                        .values((
                            u::id.eq(&id),
                            u::kind.eq("resident"),
                            u::display_name.eq(format!("村民{i}")),
                            u::openid.eq(format!("o-bulk{i}")),
                            u::created_at.eq(now),
                        ))
                        .execute(conn)?;
                    diesel::insert_into(g::table)
                        .values((
                            g::user_id.eq(&id),
                            g::template_id.eq("TPL-REJECT"),
                            g::remaining.eq(1),
                            g::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                    infra::notify::enqueue(
                        conn,
                        "residency_rejected",
                        &id,
                        &json!({ "unit": "杨家村", "reason": "测试" }),
                        now,
                    )?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    let second = spawn_app_with(Setup {
        env: vec![
            ("WECHAT_APPID", fake_wechat::APPID.into()),
            ("WECHAT_SECRET", fake_wechat::SECRET.into()),
            ("WECHAT_API_BASE", fake.base.clone()),
            ("YISHI_WECHAT_TEMPLATES", TEMPLATES.into()),
        ],
        instance_of: Some(app.shared()),
        ..Setup::default()
    })
    .await;
    let later = now + chrono::Duration::seconds(1);
    let (one, two) = (app.state.clone(), second.state.clone());
    // Each dispatcher drains until nothing is pending; a row that never leaves `pending` fails
    // the test at the deadline instead of hanging it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let run = |state: actix_web::web::Data<api::AppState>, name: &'static str| async move {
        let mut total = 0;
        loop {
            assert!(std::time::Instant::now() < deadline, "{name}: deliveries still pending at the deadline");
            total += infra::notify::dispatch(&state.db, &state.channels, name, later, 50).await.unwrap();
            let pending: i64 = state
                .db
                .run(|conn| {
                    use infra::testing::schema::outbox::dsl as o;
                    Ok::<_, infra::InfraError>(o::outbox.filter(o::status.eq("pending")).count().get_result(conn)?)
                })
                .await
                .unwrap();
            if pending == 0 {
                return total;
            }
        }
    };
    let (a, b) = tokio::join!(run(one, "dispatcher-a"), run(two, "dispatcher-b"));
    assert!(a > 0 && b > 0, "both dispatchers took part: a={a} b={b}");
    let sent = fake.sent();
    let keys: std::collections::BTreeSet<String> =
        sent.iter().map(|m| m["page"].as_str().unwrap().to_owned()).collect();
    assert_eq!(keys.len(), 1000);
    assert_eq!(sent.len(), 1000, "none twice");
}

#[tokio::test]
async fn an_expired_token_on_send_is_refreshed_once_and_the_send_retried() {
    let (app, fake, w) = setup().await;
    let resident = wechat_resident(&app, "qian").await;
    app.post(
        Some(&resident.token),
        "/api/v1/me/subscriptions",
        json!({ "template_ids": ["TPL-REJECT", "TPL-REJECT"] }),
    )
    .await;
    rejected(&app, &w, &resident).await;
    dispatch(&app).await;
    assert_eq!((fake.sent().len(), fake.stable_token_calls()), (1, 1));
    fake.expire_current_token();
    rejected(&app, &w, &resident).await;
    dispatch(&app).await;
    assert_eq!(fake.sent().len(), 2, "sent within the same attempt");
    assert_eq!(fake.stable_token_calls(), 2, "one refresh");
    assert_eq!(fake.send_attempts(), 3, "the refused send and its one retry");
}
