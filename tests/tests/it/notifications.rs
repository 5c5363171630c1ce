//! Notifications I: the outbox written with the change, the dispatcher, the in-app inbox,
//! retries, dead letters and retention — with a real producer (residency decisions).

use diesel::prelude::*;
use infra::testing::schema::{notifications as n, outbox as o};
use reqwest::StatusCode;
use serde_json::json;
use yishi_tests::body;
use yishi_tests::{spawn_app, TestApp};

/// The inbox deliveries of the outbox (WeChat ones end skipped here: no template is configured).
async fn outbox_rows(app: &TestApp) -> Vec<(String, String, i32)> {
    app.state
        .db
        .run(|conn| {
            let rows = o::table
                .filter(o::channel.eq("inbox"))
                .select((o::id, o::status, o::attempts))
                .order(o::id.asc())
                .load(conn)?;
            Ok::<_, infra::InfraError>(rows)
        })
        .await
        .unwrap()
}

async fn inbox_rows(app: &TestApp) -> i64 {
    app.state.db.run(|conn| Ok::<_, infra::InfraError>(n::table.count().get_result(conn)?)).await.unwrap()
}

async fn dispatch(app: &TestApp) -> usize {
    app.state.jobs.run_now("dispatch_outbox").await.unwrap()
}

#[tokio::test]
async fn a_decision_reaches_the_inbox_and_a_refused_one_leaves_nothing() {
    let app = spawn_app().await;
    let w = app.world().await;
    let resident = app.resident("qian").await;
    let application = app.apply(&resident, &w.village_a).await;
    let id = application["id"].as_str().unwrap();

    // Refused changes roll back with their notices.
    let no_reason = app.post(Some(&w.cadre_a.token), &format!("/api/v1/residencies/{id}/reject"), json!({})).await;
    yishi_tests::assert_invalid_field(no_reason, "reason").await;
    assert!(outbox_rows(&app).await.is_empty());

    assert_eq!(
        app.post(Some(&w.cadre_a.token), &format!("/api/v1/residencies/{id}/approve"), json!({})).await.status(),
        StatusCode::OK
    );
    let again = app.post(Some(&w.cadre_a.token), &format!("/api/v1/residencies/{id}/approve"), json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let queued = outbox_rows(&app).await;
    assert_eq!(queued.len(), 1, "one notice for one decision: {queued:?}");
    assert_eq!(queued[0].1, "pending", "nothing is sent inside the request");
    assert_eq!(inbox_rows(&app).await, 0);

    assert_eq!(dispatch(&app).await, 1);
    let (status, inbox) = body(app.get_as(&resident.token, "/api/v1/me/notifications").await).await;
    assert_eq!(status, StatusCode::OK);
    let notice = &inbox["items"][0];
    assert_eq!(notice["title"], "入户申请已通过");
    assert_eq!(notice["body"], "您加入杨家村的申请已通过审核，欢迎参与村（社区）事务。");
    assert_eq!(notice["read"], false);
    let (_, count) = body(app.get_as(&resident.token, "/api/v1/me/notifications/unread-count").await).await;
    assert_eq!(count["unread"], 1);

    // Only its owner reads it.
    let notice_id = notice["id"].as_str().unwrap();
    let other =
        app.post(Some(&w.cadre_a.token), &format!("/api/v1/me/notifications/{notice_id}/read"), json!({})).await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.post(Some(&resident.token), &format!("/api/v1/me/notifications/{notice_id}/read"), json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    let (_, unread) = body(app.get_as(&resident.token, "/api/v1/me/notifications?unread=true").await).await;
    assert!(unread["items"].as_array().unwrap().is_empty());
    assert_eq!(dispatch(&app).await, 0, "delivered once");
}

#[tokio::test]
async fn a_redelivery_after_a_crash_adds_no_second_notice() {
    let app = spawn_app().await;
    let w = app.world().await;
    app.member("sun", &w.village_a, &w.cadre_a.token).await;
    assert_eq!(dispatch(&app).await, 1);
    // The dispatcher died after delivering but before recording it: the row is due again.
    app.state
        .db
        .run(|conn| {
            Ok::<_, infra::InfraError>(
                diesel::update(o::table.filter(o::channel.eq("inbox")))
                    .set((o::status.eq("pending"), o::delivered_at.eq(None::<chrono::NaiveDateTime>)))
                    .execute(conn)?,
            )
        })
        .await
        .unwrap();
    dispatch(&app).await;
    assert_eq!(inbox_rows(&app).await, 1);
    assert!(outbox_rows(&app).await.iter().all(|(_, status, _)| status == "delivered"));
}

#[tokio::test]
async fn failures_back_off_end_dead_and_an_administrator_retries_them() {
    let app = spawn_app().await;
    let w = app.world().await;
    app.member("zhou", &w.village_a, &w.cadre_a.token).await;
    // A delivery that cannot succeed (its kind unknown to this build of the templates).
    app.state
        .db
        .run(|conn| {
            Ok::<_, infra::InfraError>(
                diesel::update(o::table.filter(o::channel.eq("inbox")))
                    .set(o::kind.eq("retired_kind"))
                    .execute(conn)?,
            )
        })
        .await
        .unwrap();
    assert_eq!(dispatch(&app).await, 0);
    let first = outbox_rows(&app).await;
    assert_eq!((first[0].1.as_str(), first[0].2), ("pending", 1));
    assert_eq!(dispatch(&app).await, 0);
    assert_eq!(outbox_rows(&app).await[0].2, 1, "not due again before its backoff");
    for _ in 0..6 {
        app.clock.advance(chrono::Duration::hours(2));
        dispatch(&app).await;
    }
    let dead = outbox_rows(&app).await;
    assert_eq!((dead[0].1.as_str(), dead[0].2), ("dead", 6));

    let admin = app.login("admin", yishi_tests::ADMIN_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let cadre =
        app.login("cadre-a", yishi_tests::world::STAFF_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let (status, letters) = body(app.get_as(&admin, "/api/v1/outbox/dead").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(letters["items"][0]["attempts"], 6);
    assert!(letters["items"][0]["last_error"].as_str().is_some());
    let (_, stats) = body(app.get_as(&admin, "/api/v1/outbox/stats").await).await;
    assert_eq!(
        stats["items"],
        json!([{ "status": "dead", "channel": "inbox", "count": 1 }, { "status": "skipped", "channel": "wechat", "count": 1 }])
    );
    assert_eq!(app.get_as(&cadre, "/api/v1/outbox/dead").await.status(), StatusCode::FORBIDDEN);

    // Repaired, then retried by an administrator.
    app.state
        .db
        .run(|conn| {
            Ok::<_, infra::InfraError>(diesel::update(o::table).set(o::kind.eq("residency_approved")).execute(conn)?)
        })
        .await
        .unwrap();
    let letter = dead[0].0.clone();
    // Hours have passed on the clock: a fresh login.
    let admin = app.login("admin", yishi_tests::ADMIN_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post(Some(&admin), &format!("/api/v1/outbox/{letter}/retry"), json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(dispatch(&app).await, 1);
    assert_eq!(inbox_rows(&app).await, 1);
    assert_eq!(
        app.post(Some(&admin), &format!("/api/v1/outbox/{letter}/retry"), json!({})).await.status(),
        StatusCode::NOT_FOUND,
        "only dead ones"
    );
}

#[tokio::test]
async fn two_dispatchers_share_the_queue_and_deliver_each_notice_once() {
    let app = spawn_app().await;
    let w = app.world().await;
    let resident = app.resident("many").await;
    let now = chrono::Utc::now().naive_utc();
    let recipient = resident.id.clone();
    app.state
        .db
        .run(move |conn| {
            for i in 0..300 {
                infra::notify::enqueue(
                    conn,
                    "announcement",
                    &recipient,
                    &json!({ "title": format!("通知{i}"), "body": "内容" }),
                    now,
                )?;
            }
            Ok::<_, infra::InfraError>(())
        })
        .await
        .unwrap();
    let later = now + chrono::Duration::seconds(1);
    // Each dispatcher takes small batches until a claim comes back empty, so both are at work
    // on the queue at once; a deadline turns a stuck queue into a failure, not a hang.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let drain = |owner: &'static str| {
        let (db, channels) = (app.state.db.clone(), app.state.channels.clone());
        async move {
            let mut total = 0;
            loop {
                assert!(std::time::Instant::now() < deadline, "{owner}: still delivering at the deadline");
                total += infra::notify::dispatch(&db, &channels, owner, later, 10).await.unwrap();
                let pending: i64 = db
                    .run(|conn| {
                        Ok::<_, infra::InfraError>(o::table.filter(o::status.eq("pending")).count().get_result(conn)?)
                    })
                    .await
                    .unwrap();
                if pending == 0 {
                    return total;
                }
            }
        }
    };
    let (a, b) = tokio::join!(drain("dispatcher-a"), drain("dispatcher-b"));
    assert_eq!(a + b, 300, "the inbox deliveries (WeChat ones end skipped: no template configured): a={a} b={b}");
    assert!(a > 0 && b > 0, "both dispatchers took part: a={a} b={b}");
    assert_eq!(inbox_rows(&app).await, 300, "each notice delivered once");
    let _ = w;
}

#[tokio::test]
async fn delivered_rows_and_old_read_notices_are_purged() {
    let app = spawn_app().await;
    let w = app.world().await;
    let resident = app.member("old", &w.village_a, &w.cadre_a.token).await;
    dispatch(&app).await;
    assert_eq!(
        app.post(Some(&resident.token), "/api/v1/me/notifications/read-all", json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.state.jobs.run_now("purge_notifications").await.unwrap(), 0, "nothing is old yet");
    app.clock.advance(chrono::Duration::days(181));
    assert_eq!(
        app.state.jobs.run_now("purge_notifications").await.unwrap(),
        3,
        "two finished deliveries and the read notice"
    );
    assert!(outbox_rows(&app).await.is_empty());
    assert_eq!(inbox_rows(&app).await, 0);
}
