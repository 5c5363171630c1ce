//! Notifications III: announcements to a scope, fanned out in the background in batches.

use std::time::Instant;

use diesel::prelude::*;
use infra::testing::schema::outbox as o;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::{spawn_app, TestApp};

async fn inbox_deliveries(app: &TestApp) -> i64 {
    app.state
        .db
        .run(|conn| Ok::<_, infra::InfraError>(o::table.filter(o::channel.eq("inbox")).count().get_result(conn)?))
        .await
        .unwrap()
}

#[tokio::test]
async fn an_announcement_reaches_every_resident_of_its_scope_and_no_one_else() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut in_a = Vec::new();
    for name in ["a1", "a2", "a3"] {
        in_a.push(app.member(name, &w.village_a, &w.cadre_a.token).await);
    }
    let in_b = app.member("b1", &w.village_b, &w.officer.token).await;
    app.state.jobs.run_now("dispatch_outbox").await.unwrap(); // the residency notices
    let before = inbox_deliveries(&app).await;

    let notice = json!({ "org_unit_id": w.village_a, "title": "停水通知", "body": "11月25日全村停水，请提前储水。" });
    let send = |key: &'static str| {
        app.client
            .post(app.url("/api/v1/announcements"))
            .bearer_auth(&w.cadre_a.token)
            .header("idempotency-key", key)
            .json(&notice)
            .send()
    };
    let res = send("0195c1b2-bbbb-7000-8000-000000000001").await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let retry: Value = send("0195c1b2-bbbb-7000-8000-000000000001").await.unwrap().json().await.unwrap();
    assert_eq!(retry["id"], created["id"], "a retry makes no second announcement");
    assert_eq!(inbox_deliveries(&app).await, before, "the request queues nothing itself");

    let elsewhere = app
        .post(
            Some(&w.cadre_a.token),
            "/api/v1/announcements",
            json!({ "org_unit_id": w.village_b, "title": "x", "body": "y" }),
        )
        .await;
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    let by_resident = app
        .post(
            Some(&in_b.token),
            "/api/v1/announcements",
            json!({ "org_unit_id": w.village_b, "title": "x", "body": "y" }),
        )
        .await;
    assert_eq!(by_resident.status(), StatusCode::NOT_FOUND);

    assert_eq!(app.state.jobs.run_now("fan_out_announcements").await.unwrap(), 3);
    assert_eq!(app.state.jobs.run_now("fan_out_announcements").await.unwrap(), 0, "done once");
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
    for resident in &in_a {
        let inbox: Value = app.get_as(&resident.token, "/api/v1/me/notifications").await.json().await.unwrap();
        assert_eq!(inbox["items"][0]["title"], "停水通知");
        assert_eq!(inbox["items"][0]["body"], "11月25日全村停水，请提前储水。");
    }
    let b_inbox: Value = app.get_as(&in_b.token, "/api/v1/me/notifications").await.json().await.unwrap();
    assert!(b_inbox["items"].as_array().unwrap().iter().all(|n| n["kind"] != "announcement"));
    let progress: Value = app
        .get_as(&w.cadre_a.token, &format!("/api/v1/announcements/{}", created["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((progress["fanned_out"].as_i64(), progress["fanout_done"].as_bool()), (Some(3), Some(true)));
}

/// 20,000 residents: the request writes no deliveries; the fan-out then makes exactly 20,000
/// inbox deliveries, a batch per transaction. (Times are printed, not asserted.)
#[tokio::test]
async fn a_township_sized_announcement_fans_out_in_batches() {
    let app = spawn_app().await;
    let w = app.world().await;
    let village = w.village_a.clone();
    let seeding = Instant::now();
    app.seed_residents(&village, 20_000).await;
    println!("seeded 20,000 residents in {:?}", seeding.elapsed());

    let request = Instant::now();
    let res = app
        .post(
            Some(&w.cadre_a.token),
            "/api/v1/announcements",
            json!({ "org_unit_id": w.village_a, "title": "防汛通知", "body": "请注意防汛安全。" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    println!("announcement request answered in {:?}", request.elapsed());
    assert_eq!(inbox_deliveries(&app).await, 0);

    // While the fan-out runs, a second connection watches what is committed: the deliveries
    // appear a whole batch (1,000, the app's fan-out batch) at a time, with the progress mark
    // beside them, and some appear before the last batch is done. One transaction for all
    // would show only 0 and 20,000; a row at a time would show other counts.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (db, done) = (app.state.db.clone(), done.clone());
        tokio::spawn(async move {
            let mut seen = std::collections::BTreeSet::new();
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let (deliveries, progress) = db
                    .run(|conn| {
                        use infra::testing::schema::announcements as a;
                        let deliveries: i64 = o::table.filter(o::channel.eq("inbox")).count().get_result(conn)?;
                        let progress: Vec<i32> = a::table.select(a::fanned_out).load(conn)?;
                        Ok::<_, infra::InfraError>((deliveries, progress))
                    })
                    .await
                    .unwrap();
                seen.insert(deliveries);
                seen.extend(progress.into_iter().map(i64::from));
                tokio::task::yield_now().await;
            }
            seen
        })
    };
    let fan_out = Instant::now();
    assert_eq!(app.state.jobs.run_now("fan_out_announcements").await.unwrap(), 20_000);
    println!("fan-out of 20,000 residents took {:?}", fan_out.elapsed());
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = watcher.await.unwrap();
    println!("committed counts seen while fanning out: {seen:?}");
    assert!(seen.iter().all(|n| n % 1000 == 0), "only whole batches are ever committed: {seen:?}");
    assert!(seen.iter().any(|n| (1..20_000).contains(n)), "batches commit as they go: {seen:?}");
    assert_eq!(inbox_deliveries(&app).await, 20_000);
}
