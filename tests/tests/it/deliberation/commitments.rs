//! Commitments kept under supervision: an overdue one raises exactly one supervision sheet
//! (民情督办单) and one notice, with two instances sweeping; a supervisor extends it once or
//! escalates it to the township; and residents rate an outcome once, even in a race.

use chrono::Duration;
use diesel::prelude::*;
use domain::clock::Clock;
use reqwest::StatusCode;
use serde_json::json;
use yishi_tests::{body, id, spawn_app_with, Setup, TestApp};

use super::decisions::{due_in, long_tokens, sheets, spawn};
use super::support::{act, inbox, kinds, raise, resident_of, setup, triage};

/// Notices of `kind` queued for `user`, counted in the outbox.
async fn queued(app: &TestApp, user: &str, kind: &'static str) -> i64 {
    let user = user.to_owned();
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::outbox as o;
            let n: i64 =
                o::table.filter(o::kind.eq(kind)).filter(o::recipient_id.eq(&user)).count().get_result(conn)?;
            Ok::<i64, infra::InfraError>(n)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn an_overdue_commitment_raises_one_supervision_sheet_even_with_two_sweepers() {
    let app = spawn().await;
    let second =
        spawn_app_with(Setup { env: long_tokens(), instance_of: Some(app.shared()), ..Setup::default() }).await;
    second.clock.set(app.clock.now());
    let d = setup(&app).await;
    let w = &d.w;
    let supervisor = app.staff(&w.admin, "supervisor-a", &w.village_a).await;
    assert_eq!(
        app.grant(&w.admin, &supervisor.id, "supervisor", "org_unit", &w.village_a).await.status(),
        StatusCode::CREATED
    );
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "li-a").await;
    let matter = id(&raise(&app, &li, &w.village_a, "村道路灯不亮").await);
    triage(&app, &w.cadre_a.token, &matter, "small").await;
    let decision = json!({
        "decided_by": "council",
        "body": "三天内修好路灯",
        "commitments": [
            { "owner_id": w.worker_a.id, "what": "修好路灯", "due_at": due_in(&app, 2) },
            { "owner_id": w.worker_a.id, "what": "清理路边杂草", "due_at": due_in(&app, 2) },
        ],
    });
    let (status, resolved) = act(&app, &w.cadre_a.token, &matter, "resolution", decision).await;
    assert_eq!(status, StatusCode::OK, "{resolved}");

    // Not due yet: nothing.
    assert_eq!(app.state.jobs.run_now("sweep_commitments").await.unwrap(), 0);
    app.clock.advance(Duration::hours(3));
    second.clock.advance(Duration::hours(3));
    let now = app.clock.now().naive_utc();
    let (a, b, c, e) = tokio::join!(
        app.state.jobs.run_now("sweep_commitments"),
        second.state.jobs.run_now("sweep_commitments"),
        app.state
            .db
            .run(move |conn| infra::deliberation::commitments::sweep(conn, now).map_err(infra::InfraError::from)),
        second
            .state
            .db
            .run(move |conn| infra::deliberation::commitments::sweep(conn, now).map_err(infra::InfraError::from)),
    );
    assert_eq!(a.unwrap() + b.unwrap() + c.unwrap() + e.unwrap(), 2, "one sheet per commitment between all sweepers");
    assert_eq!(sheets(&app, &matter, "supervision").await, 2);
    assert_eq!(queued(&app, &w.worker_a.id, "commitment_overdue").await, 2, "one notice per commitment");
    assert_eq!(queued(&app, &supervisor.id, "commitment_supervised").await, 2);
    assert_eq!(second.state.jobs.run_now("sweep_commitments").await.unwrap(), 0);
    assert!(kinds(&inbox(&app, &w.worker_a.token).await).contains(&"commitment_overdue".to_owned()));

    let (_, list) = body(app.get_as(&li.token, &format!("/api/v1/matters/{matter}/commitments")).await).await;
    let items = list["items"].as_array().unwrap().clone();
    assert!(items.iter().all(|c| c["overdue"] == true && c["supervision_sheet_id"].is_string()), "{list}");
    let (first, other) = (&items[0], &items[1]);
    let sheet = |c: &serde_json::Value| c["supervision_sheet_id"].as_str().unwrap().to_owned();

    // Extension: supervisors only, once, to a later deadline.
    let extend = |d: String| json!({ "due_at": d, "reason": "材料未到货" });
    let path = format!("/api/v1/supervision-sheets/{}/extend", sheet(first));
    assert_eq!(app.post(Some(&li.token), &path, extend(due_in(&app, 48))).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post(Some(&w.cadre_a.token), &path, extend(due_in(&app, 48))).await.status(), StatusCode::FORBIDDEN);
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "out-b").await;
    assert_eq!(app.post(Some(&outsider.token), &path, extend(due_in(&app, 48))).await.status(), StatusCode::NOT_FOUND);
    let (status, e) = body(app.post(Some(&supervisor.token), &path, extend(due_in(&app, -1))).await).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("due_at")));
    let (status, extended) = body(app.post(Some(&supervisor.token), &path, extend(due_in(&app, 48))).await).await;
    assert_eq!(
        (status, extended["extensions"].as_i64(), extended["overdue"].as_bool()),
        (StatusCode::OK, Some(1), Some(false)),
        "{extended}"
    );
    let (status, e) = body(app.post(Some(&supervisor.token), &path, extend(due_in(&app, 96))).await).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_done")), "once");

    // Escalation: the commitment goes to the township, whose officer is told.
    let path = format!("/api/v1/supervision-sheets/{}/escalate", sheet(other));
    assert_eq!(app.post(Some(&li.token), &path, json!({})).await.status(), StatusCode::FORBIDDEN);
    let (status, up) = body(app.post(Some(&supervisor.token), &path, json!({ "note": "多次催办未果" })).await).await;
    assert_eq!((status, up["status"].as_str()), (StatusCode::OK, Some("escalated")), "{up}");
    assert!(kinds(&inbox(&app, &w.officer.token).await).contains(&"commitment_escalated".to_owned()));
    assert_eq!(app.post(Some(&supervisor.token), &path, json!({})).await.status(), StatusCode::CONFLICT);

    // Still owed: no evaluation. Kept: the sheets close and evaluation may open.
    let (status, _) = act(&app, &w.cadre_a.token, &matter, "evaluation/open", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    for c in [first, other] {
        let path = format!("/api/v1/commitments/{}/progress", id(c));
        let (status, done) =
            body(app.post(Some(&w.worker_a.token), &path, json!({ "body": "已完成", "done": true })).await).await;
        assert_eq!((status, done["status"].as_str()), (StatusCode::OK, Some("done")), "{done}");
    }
    let (status, opened) = act(&app, &w.cadre_a.token, &matter, "evaluation/open", json!({})).await;
    assert_eq!((status, opened["status"].as_str()), (StatusCode::OK, Some("evaluating")), "{opened}");
}

#[tokio::test]
async fn a_resident_rates_once_even_with_twenty_requests_at_once() {
    let app = spawn().await;
    let d = setup(&app).await;
    let w = &d.w;
    let voters: Vec<_> = {
        let mut v = Vec::new();
        for i in 0..15 {
            v.push(resident_of(&app, &w.village_a, &w.cadre_a.token, &format!("voter-{i}")).await);
        }
        v
    };
    let matter = id(&raise(&app, &voters[0], &w.village_a, "广场舞音响太吵").await);
    triage(&app, &w.cadre_a.token, &matter, "small").await;
    let (status, _) = act(
        &app,
        &w.cadre_a.token,
        &matter,
        "resolution",
        json!({ "decided_by": "council", "body": "限定时段和音量" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = act(&app, &w.cadre_a.token, &matter, "evaluation/open", json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let path = format!("/api/v1/matters/{matter}/ratings");
    for voter in &voters {
        let requests = (0..20).map(|i| app.post(Some(&voter.token), &path, json!({ "rating": 1 + i % 5 })));
        let statuses: Vec<StatusCode> =
            futures_util::future::join_all(requests).await.iter().map(|r| r.status()).collect();
        let won = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        let lost = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
        assert_eq!((won, lost), (1, 19), "{statuses:?}");
    }
    let (_, summary) = body(app.get_as(&voters[0].token, &path).await).await;
    assert_eq!(summary["count"].as_i64(), Some(15), "{summary}");
    let total: i64 = summary["distribution"].as_array().unwrap().iter().map(|n| n.as_i64().unwrap()).sum();
    assert_eq!(total, 15);
}

#[tokio::test]
async fn two_instances_sweeping_at_once_raise_one_sheet_round_after_round() {
    let app = spawn().await;
    let second =
        spawn_app_with(Setup { env: long_tokens(), instance_of: Some(app.shared()), ..Setup::default() }).await;
    second.clock.set(app.clock.now());
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "li-a").await;
    for round in 0..8 {
        let matter = id(&raise(&app, &li, &w.village_a, &format!("第{round}轮：水渠堵塞")).await);
        triage(&app, &w.cadre_a.token, &matter, "small").await;
        let decision = json!({
            "decided_by": "council",
            "body": "一小时内疏通",
            "commitments": [{ "owner_id": w.worker_a.id, "what": "疏通水渠", "due_at": due_in(&app, 1) }],
        });
        assert_eq!(act(&app, &w.cadre_a.token, &matter, "resolution", decision).await.0, StatusCode::OK);
        app.clock.advance(Duration::minutes(61));
        second.clock.advance(Duration::minutes(61));
        // The jobs (under their lease) and two bare passes (no lease), all at once.
        let now = app.clock.now().naive_utc();
        let sweep = |db: &infra::db::Database| {
            let db = db.clone();
            async move {
                db.run(move |conn| infra::deliberation::commitments::sweep(conn, now).map_err(infra::InfraError::from))
                    .await
            }
        };
        let (a, b, c, e) = tokio::join!(
            app.state.jobs.run_now("sweep_commitments"),
            second.state.jobs.run_now("sweep_commitments"),
            sweep(&app.state.db),
            sweep(&second.state.db),
        );
        assert_eq!(a.unwrap() + b.unwrap() + c.unwrap() + e.unwrap(), 1, "round {round}");
        assert_eq!(sheets(&app, &matter, "supervision").await, 1, "round {round}");
    }
    assert_eq!(queued(&app, &w.worker_a.id, "commitment_overdue").await, 8);
}
