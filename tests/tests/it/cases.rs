//! Grid cases end to end: report → route to the grid → accept → escalate up the ladder →
//! resolve → confirm; deadlines and the sweeper; duplicates and followers; offline client ids;
//! media; anonymity; the ledger and figures — with the denials.

use chrono::TimeZone;
use diesel::prelude::*;
use domain::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{body, id};
use yishi_tests::{spawn_app, spawn_app_with, Setup, TestApp};

/// Inside grid A (a square 27.70–27.72, 111.99–112.01, GCJ-02).
const P: (f64, f64) = (27.7105, 112.0005);
const LAMP: &str = "村口的路灯坏了，晚上很黑，老人走路不安全";
const LAMP_AGAIN: &str = "村口路灯不亮了，晚上太黑，老人出门不安全";

/// A resident of `unit` with a bound phone.
async fn villager(app: &TestApp, w: &World, name: &str, phone: &str) -> Account {
    app.villager(&w.village_a, &w.cadre_a.token, name, phone).await
}

async fn report(app: &TestApp, who: &Account, body_json: Value) -> Value {
    let (status, case) = body(app.post(Some(&who.token), "/api/v1/cases", body_json).await).await;
    assert_eq!(status, StatusCode::CREATED, "report: {case}");
    case
}

async fn step(app: &TestApp, who: &str, case: &str, action: &str, payload: Value) -> (StatusCode, Value) {
    body(app.post(Some(who), &format!("/api/v1/cases/{case}/{action}"), payload).await).await
}

async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
    let (_, page) = body(app.get_as(token, "/api/v1/me/notifications?limit=100").await).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

/// A second grid, in village B, with its own worker.
async fn grid_b(app: &TestApp, w: &World) -> (String, Account) {
    let boundary = json!({"type":"Polygon","coordinates":[[[112.02,27.70],[112.04,27.70],[112.04,27.72],[112.02,27.72],[112.02,27.70]]]});
    let (status, grid) = body(
        app.post(
            Some(&w.admin),
            "/api/v1/grids",
            json!({ "org_unit_id": w.village_b, "level": "small", "name": "李家村一网格", "boundary": boundary }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let worker = app.staff(&w.admin, "worker-b", &w.village_b).await;
    assert_eq!(app.grant(&w.admin, &worker.id, "grid_worker", "grid", &id(&grid)).await.status(), StatusCode::CREATED);
    (id(&grid), worker)
}

#[tokio::test]
async fn a_case_climbs_the_ladder_and_closes_the_loop() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (_, worker_b) = grid_b(&app, &w).await;
    let reporter = villager(&app, &w, "wang", "13900001111").await;

    let case = report(
        &app,
        &reporter,
        json!({ "category": "road", "description": LAMP, "lat": P.0, "lng": P.1, "address": "杨家村村口" }),
    )
    .await;
    let case_id = id(&case);
    assert_eq!((case["status"].as_str(), case["level"].as_str()), (Some("reported"), Some("grid")));
    assert_eq!(case["grid_id"].as_str(), Some(w.grid_a.as_str()), "routed to the grid holding the point");
    assert!(case["accept_due"].is_string());

    // The grid's worker is told; the other grid's worker is not, and cannot see the case.
    let notices = inbox(&app, &w.worker_a.token).await;
    assert!(notices.iter().any(|n| n["kind"] == "case_assigned" && n["data"]["case_id"] == case_id.as_str()));
    assert!(inbox(&app, &worker_b.token).await.iter().all(|n| n["data"]["case_id"] != case_id.as_str()));
    let path = format!("/api/v1/cases/{case_id}");
    assert_eq!(app.get_as(&worker_b.token, &path).await.status(), StatusCode::NOT_FOUND);

    // Grid accepts, then blows the whistle to the village.
    let (status, accepted) = step(&app, &w.worker_a.token, &case_id, "accept", json!({})).await;
    assert_eq!((status, accepted["status"].as_str()), (StatusCode::OK, Some("accepted")));
    let (status, e) = step(&app, &w.worker_a.token, &case_id, "escalate", json!({ "reason": "" })).await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
        "a reason is required: {e}"
    );
    let (status, up) =
        step(&app, &w.worker_a.token, &case_id, "escalate", json!({ "reason": "需要村里协调电工" })).await;
    assert_eq!(
        (status, up["status"].as_str(), up["level"].as_str()),
        (StatusCode::OK, Some("escalated"), Some("village"))
    );

    // The grid worker cannot act for the village (403, the case is visible to them).
    let (status, denied) = step(&app, &w.worker_a.token, &case_id, "accept", json!({})).await;
    assert_eq!((status, denied["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));

    // The village reports for duty, then sends it on to the township.
    assert_eq!(step(&app, &w.cadre_a.token, &case_id, "accept", json!({})).await.0, StatusCode::OK);
    let (status, up) = step(&app, &w.cadre_a.token, &case_id, "escalate", json!({ "reason": "需镇里安排资金" })).await;
    assert_eq!((status, up["level"].as_str()), (StatusCode::OK, Some("township")));

    // The township officer sees it; the other grid's worker still gets 404.
    assert_eq!(app.get_as(&w.officer.token, &path).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&worker_b.token, &path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(step(&app, &worker_b.token, &case_id, "accept", json!({})).await.0, StatusCode::NOT_FOUND);

    assert_eq!(step(&app, &w.officer.token, &case_id, "accept", json!({})).await.0, StatusCode::OK);
    assert_eq!(step(&app, &w.officer.token, &case_id, "start", json!({})).await.0, StatusCode::OK);
    // Illegal moves are refused with a clear error and change nothing.
    let (status, refused) = step(&app, &reporter.token, &case_id, "confirm", json!({ "rating": 5 })).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    assert_eq!(refused["error"]["details"]["status"], "in_progress");
    let (status, e) =
        step(&app, &w.officer.token, &case_id, "resolve", json!({ "outcome": "magic", "note": "x" })).await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("outcome")),
        "{e}"
    );
    let (status, resolved) =
        step(&app, &w.officer.token, &case_id, "resolve", json!({ "outcome": "fixed", "note": "已更换路灯" })).await;
    assert_eq!((status, resolved["status"].as_str()), (StatusCode::OK, Some("resolved")));

    // Only the reporter confirms; the rating is checked.
    assert_eq!(
        step(&app, &w.officer.token, &case_id, "confirm", json!({ "rating": 5 })).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, e) = step(&app, &reporter.token, &case_id, "confirm", json!({ "rating": 9 })).await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("rating")),
        "{e}"
    );
    let (status, closed) =
        step(&app, &reporter.token, &case_id, "confirm", json!({ "rating": 5, "comment": "修得很快" })).await;
    assert_eq!(
        (status, closed["status"].as_str(), closed["rating"].as_i64()),
        (StatusCode::OK, Some("closed"), Some(5))
    );

    // The timeline, every step with its actor.
    let (_, seen) = body(app.get_as(&w.officer.token, &path).await).await;
    let steps: Vec<(String, String)> = seen["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["actor"]["id"].as_str().unwrap_or("").to_owned()))
        .collect();
    let expect = |a: &str, who: &Account| (a.to_owned(), who.id.clone());
    assert_eq!(
        steps,
        vec![
            expect("reported", &reporter),
            expect("accepted", &w.worker_a),
            expect("escalated", &w.worker_a),
            expect("accepted", &w.cadre_a),
            expect("escalated", &w.cadre_a),
            expect("accepted", &w.officer),
            expect("started", &w.officer),
            expect("resolved", &w.officer),
            expect("confirmed", &reporter),
        ]
    );
    assert_eq!(seen["timeline"][2]["note"], "需要村里协调电工");
    assert_eq!(seen["reporter"]["phone_masked"], "139****1111", "staff see the reporter, masked");

    // In the database: closed, rated, two escalations; the reporter was told of each change.
    let row = app
        .state
        .db
        .run({
            let case_id = case_id.clone();
            move |conn| Ok::<_, infra::InfraError>(infra::cases::find(conn, &case_id)?.unwrap())
        })
        .await
        .unwrap();
    assert_eq!(
        (row.status.as_str(), row.rating, row.escalations, row.closed_at.is_some()),
        ("closed", Some(5), 2, true)
    );
    let told: Vec<Value> =
        inbox(&app, &reporter.token).await.into_iter().filter(|n| n["kind"] == "case_status_changed").collect();
    assert_eq!(told.len(), 7, "every step but the reporter's own: {told:?}");
    assert!(told.iter().any(|n| n["body"].as_str().unwrap().contains("办结")));
}

#[tokio::test]
async fn the_sweeper_escalates_an_unaccepted_case_once_and_the_figures_count_it_overdue() {
    let ttl = vec![("YISHI_ACCESS_TOKEN_TTL_SECS", "86400".to_owned())];
    let app = spawn_app_with(Setup { env: ttl.clone(), ..Setup::default() }).await;
    // Monday 23 November 2026, 09:00 Beijing: an ordinary working day.
    let monday =
        domain::calendar::beijing().with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap().with_timezone(&chrono::Utc);
    app.clock.set(monday);
    let second = spawn_app_with(Setup { env: ttl, instance_of: Some(app.shared()), ..Setup::default() }).await;
    second.clock.set(monday);
    let w = app.world().await;
    let reporter = villager(&app, &w, "zhao", "13900002222").await;
    let case = report(
        &app,
        &reporter,
        json!({ "category": "water", "description": "自来水管破了，路上一直在流水", "lat": P.0, "lng": P.1 }),
    )
    .await;
    // Four working hours for the grid to accept: 13:00 Beijing.
    assert_eq!(case["accept_due"], "2026-11-23T05:00:00Z");

    // Not yet due: nothing moves.
    app.clock.advance(chrono::Duration::hours(3));
    second.clock.advance(chrono::Duration::hours(3));
    assert_eq!(app.state.jobs.run_now("sweep_case_deadlines").await.unwrap(), 0);

    // Past due, with two instances sweeping at once (the job and the bare pass each twice).
    app.clock.advance(chrono::Duration::minutes(61));
    second.clock.advance(chrono::Duration::minutes(61));
    let now = app.clock.now();
    let policy = app.state.config.cases.policy.clone();
    let (a, b, c, d) = tokio::join!(
        app.state.jobs.run_now("sweep_case_deadlines"),
        second.state.jobs.run_now("sweep_case_deadlines"),
        infra::cases::flow::sweep(&app.state.db, now.naive_utc(), policy.clone()),
        infra::cases::flow::sweep(&second.state.db, now.naive_utc(), policy),
    );
    let moved = a.unwrap() + b.unwrap() + c.unwrap() + d.unwrap();
    assert_eq!(moved, 1, "one escalation between all sweepers");

    let (_, after) = body(app.get_as(&w.cadre_a.token, &format!("/api/v1/cases/{}", id(&case))).await).await;
    assert_eq!(
        (after["status"].as_str(), after["level"].as_str(), after["overdue"].as_bool()),
        (Some("escalated"), Some("village"), Some(true))
    );
    let autos: Vec<&Value> =
        after["timeline"].as_array().unwrap().iter().filter(|e| e["action"] == "auto_escalated").collect();
    assert_eq!(autos.len(), 1);
    assert!(autos[0]["actor"].is_null(), "the system acted");
    // The village has 8 working hours from 13:01 Monday: Tuesday 13:01.
    assert_eq!(after["accept_due"], "2026-11-24T05:01:00Z");
    // The village's cadre was told.
    assert!(inbox(&app, &w.cadre_a.token).await.iter().any(|n| n["kind"] == "case_assigned"));

    // A second pass changes nothing.
    assert_eq!(app.state.jobs.run_now("sweep_case_deadlines").await.unwrap(), 0);

    let (status, figures) = body(
        app.get_as(&w.officer.token, &format!("/api/v1/case-figures?org_unit_id={}&month=2026-11", w.township)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    assert_eq!(
        (
            figures["totals"]["received"].as_i64(),
            figures["totals"]["overdue"].as_i64(),
            figures["totals"]["escalated"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    let village_a =
        figures["units"].as_array().unwrap().iter().find(|u| u["org_unit_id"] == w.village_a.as_str()).unwrap();
    assert_eq!(village_a["figures"]["overdue"], 1);
    // Figures are for staff over the unit.
    assert_eq!(
        app.get_as(&w.cadre_a.token, &format!("/api/v1/case-figures?org_unit_id={}&month=2026-11", w.village_b))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_as(&reporter.token, &format!("/api/v1/case-figures?org_unit_id={}&month=2026-11", w.village_a))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_second_report_of_the_same_problem_is_offered_the_first_and_follows_it() {
    let app = spawn_app().await;
    let w = app.world().await;
    let first = villager(&app, &w, "li1", "13900003333").await;
    let second = villager(&app, &w, "li2", "13900004444").await;
    let original =
        report(&app, &first, json!({ "category": "road", "description": LAMP, "lat": P.0, "lng": P.1 })).await;
    // Not offered: dissimilar text nearby, similar text at twice the radius, a closed case.
    report(
        &app,
        &first,
        json!({ "category": "road", "description": "张家和李家因为宅基地边界吵架", "lat": P.0, "lng": P.1 }),
    )
    .await;
    report(&app, &first, json!({ "category": "road", "description": LAMP, "lat": P.0 + 0.0018, "lng": P.1 })).await;
    let closed =
        report(&app, &first, json!({ "category": "road", "description": LAMP, "lat": P.0, "lng": P.1 + 0.0001 })).await;
    let (status, _) =
        step(&app, &w.worker_a.token, &id(&closed), "resolve", json!({ "outcome": "duplicate", "note": "重复" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(step(&app, &first.token, &id(&closed), "confirm", json!({ "rating": 4 })).await.0, StatusCode::OK);
    // Another category at the same spot is not the same problem either.
    report(&app, &first, json!({ "category": "power", "description": LAMP, "lat": P.0, "lng": P.1 })).await;

    // 30 m north, similar words.
    let query = json!({ "category": "road", "lat": P.0 + 0.00027, "lng": P.1, "text": LAMP_AGAIN });
    let (status, offered) = body(app.post(Some(&second.token), "/api/v1/cases/duplicates", query).await).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> =
        offered["items"].as_array().unwrap().iter().map(|c| c["case"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![original["id"].as_str().unwrap()], "{offered}");
    let distance = offered["items"][0]["distance_m"].as_f64().unwrap();
    assert!((25.0..35.0).contains(&distance), "{distance}");
    assert!(offered["items"][0]["case"]["reporter"].is_null(), "another resident never sees who reported");

    // "Me too" instead of a second report; following twice is following once.
    for _ in 0..2 {
        let (status, followed) = step(&app, &second.token, &id(&original), "follow", json!({})).await;
        assert_eq!(
            (status, followed["following"].as_bool(), followed["followers"].as_i64()),
            (StatusCode::OK, Some(true), Some(1))
        );
    }
    let (_, mine) = body(app.get_as(&second.token, "/api/v1/cases?mine=true").await).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "a followed case is in one's list");

    let (status, _) =
        step(&app, &w.worker_a.token, &id(&original), "resolve", json!({ "outcome": "fixed", "note": "已修好" })).await;
    assert_eq!(status, StatusCode::OK);
    let told = inbox(&app, &second.token).await;
    assert!(
        told.iter().any(|n| n["kind"] == "case_status_changed"
            && n["data"]["case_id"] == original["id"]
            && n["data"]["status_code"] == "resolved"),
        "{told:?}"
    );
    // A follower cannot confirm for the reporter.
    assert_eq!(
        step(&app, &second.token, &id(&original), "confirm", json!({ "rating": 5 })).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn staff_merge_duplicates_and_the_merged_reporter_follows_the_survivor() {
    let app = spawn_app().await;
    let w = app.world().await;
    let first = villager(&app, &w, "m1", "13900005555").await;
    let second = villager(&app, &w, "m2", "13900006666").await;
    let keep = report(
        &app,
        &first,
        json!({ "category": "sanitation", "description": "垃圾站三天没人清运，味道很大", "lat": P.0, "lng": P.1 }),
    )
    .await;
    let dup = report(
        &app,
        &second,
        json!({ "category": "sanitation", "description": "垃圾站好几天没清运了", "lat": P.0, "lng": P.1 }),
    )
    .await;
    let (status, _) = step(&app, &second.token, &id(&dup), "merge", json!({ "into": id(&keep) })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "residents do not merge");
    let (status, merged) = step(&app, &w.worker_a.token, &id(&dup), "merge", json!({ "into": id(&keep) })).await;
    assert_eq!(
        (status, merged["status"].as_str(), merged["merged_into"].as_str()),
        (StatusCode::OK, Some("merged"), keep["id"].as_str())
    );
    let (_, survivor) = body(app.get_as(&second.token, &format!("/api/v1/cases/{}", id(&keep))).await).await;
    assert_eq!(survivor["following"], true);
    step(&app, &w.worker_a.token, &id(&keep), "accept", json!({})).await;
    assert!(inbox(&app, &second.token)
        .await
        .iter()
        .any(|n| n["data"]["case_id"] == keep["id"] && n["data"]["status_code"] == "accepted"));
}

#[tokio::test]
async fn the_same_client_id_makes_one_case_with_its_capture_time() {
    let app = spawn_app().await;
    let w = app.world().await;
    let reporter = villager(&app, &w, "offline", "13900007777").await;
    let captured = (app.clock.now() - chrono::Duration::days(3)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let payload = json!({ "category": "hazard", "description": "山坡上有落石，路过很危险", "lat": P.0, "lng": P.1, "client_id": "phone-7-0001", "captured_at": captured });
    let first = report(&app, &reporter, payload.clone()).await;
    assert_eq!(first["captured_at"].as_str(), Some(captured.as_str()));
    let (status, again) = body(app.post(Some(&reporter.token), "/api/v1/cases", payload).await).await;
    assert_eq!(
        (status, id(&again), again["captured_at"].as_str()),
        (StatusCode::OK, id(&first), Some(captured.as_str()))
    );

    // Ten phones' worth of retries at once with a new client id: still one case.
    let racing = json!({ "category": "hazard", "description": "桥栏杆松动了，小孩靠上去危险", "client_id": "phone-7-0002", "lat": P.0, "lng": P.1 });
    let sends = (0..10).map(|_| app.post(Some(&reporter.token), "/api/v1/cases", racing.clone()));
    let answers = futures_util::future::join_all(sends).await;
    let mut ids = std::collections::BTreeSet::new();
    for res in answers {
        let (status, case) = body(res).await;
        assert!(status == StatusCode::CREATED || status == StatusCode::OK, "{status} {case}");
        ids.insert(id(&case));
    }
    assert_eq!(ids.len(), 1);
    let reporter_id = reporter.id.clone();
    let count: i64 = app
        .state
        .db
        .run(move |conn| {
            use infra::testing::schema::cases::dsl as c;
            Ok::<_, infra::InfraError>(c::cases.filter(c::reporter_id.eq(reporter_id)).count().get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(count, 2);

    // A capture time in the future or a malformed client id is refused.
    let (status, e) = body(
        app.post(
            Some(&reporter.token),
            "/api/v1/cases",
            json!({ "category": "hazard", "description": "未来的问题描述", "captured_at": "2999-01-01T00:00:00Z" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captured_at")),
        "{e}"
    );
    let (status, e) = body(
        app.post(
            Some(&reporter.token),
            "/api/v1/cases",
            json!({ "category": "hazard", "description": "问题描述足够长", "client_id": "bad id!" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("client_id")),
        "{e}"
    );
}

#[tokio::test]
async fn reporting_needs_a_bound_phone_a_known_category_and_a_place() {
    let app = spawn_app().await;
    let w = app.world().await;
    let no_phone = app.member("nophone", &w.village_a, &w.cadre_a.token).await;
    let (status, refused) = body(
        app.post(
            Some(&no_phone.token),
            "/api/v1/cases",
            json!({ "category": "road", "description": LAMP, "lat": P.0, "lng": P.1 }),
        )
        .await,
    )
    .await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("phone_required")));

    // A grid worker reports for them (proxy): both are recorded.
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&w.worker_a.token)
        .header("x-acting-for", &no_phone.id)
        .json(&json!({ "category": "road", "description": "老人家门口的台阶塌了，进出不便" }))
        .send()
        .await
        .unwrap();
    let (status, proxied) = body(res).await;
    assert_eq!(status, StatusCode::CREATED, "{proxied}");
    assert_eq!(proxied["grid_id"].as_str(), Some(w.grid_a.as_str()), "no point: the resident's own grid");
    assert_eq!(proxied["timeline"][0]["proxy"]["id"].as_str(), Some(w.worker_a.id.as_str()));
    assert_eq!(proxied["timeline"][0]["actor"]["id"].as_str(), Some(no_phone.id.as_str()));
    let (_, mine) = body(app.get_as(&no_phone.token, "/api/v1/cases").await).await;
    assert_eq!(mine["items"][0]["id"], proxied["id"], "the resident owns the report");

    let reporter = villager(&app, &w, "checked", "13900008888").await;
    for (payload, field) in [
        (json!({ "category": "no_such", "description": LAMP }), "category"),
        (json!({ "category": "road", "description": "短" }), "description"),
        (json!({ "category": "road", "description": LAMP, "lat": 95.0, "lng": 112.0 }), "lat"),
        (json!({ "category": "road", "description": LAMP, "lat": 27.7 }), "lat"),
        (json!({ "category": "road", "description": LAMP, "urgency": "whenever" }), "urgency"),
        (
            json!({ "category": "road", "description": LAMP, "media": ["0195c1b2-0000-7000-8000-000000000000"] }),
            "media",
        ),
    ] {
        let (status, error) = body(app.post(Some(&reporter.token), "/api/v1/cases", payload).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {error}");
    }
    // A point in no grid, from someone living nowhere: nowhere to send it.
    let stranger = app.resident("stranger").await;
    app.post(Some(&stranger.token), "/api/v1/auth/wechat/phone", json!({ "code": "dev:13900009999" })).await;
    let (status, error) = body(
        app.post(
            Some(&stranger.token),
            "/api/v1/cases",
            json!({ "category": "road", "description": LAMP, "lat": 30.0, "lng": 120.0 }),
        )
        .await,
    )
    .await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("no_grid")));
    let nothing: i64 = app
        .state
        .db
        .run(|conn| Ok::<_, infra::InfraError>(infra::testing::schema::cases::table.count().get_result(conn)?))
        .await
        .unwrap();
    assert_eq!(nothing, 1, "refused reports leave nothing behind");
}

#[tokio::test]
async fn media_are_judged_by_content_stripped_of_location_and_kept_private() {
    let app =
        spawn_app_with(Setup { env: vec![("YISHI_MEDIA_MAX_VOICE_BYTES", "100000".into())], ..Setup::default() }).await;
    let w = app.world().await;
    let reporter = villager(&app, &w, "photo", "13911112222").await;
    let other = villager(&app, &w, "nosy", "13911113333").await;
    use infra::media::fixtures;

    let (status, e) = app.upload(&reporter.token, "voice", "note.mp3", &fixtures::png(8, 8)).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("media_wrong_kind")));
    let (status, e) = app.upload(&reporter.token, "image", "photo.jpg", &fixtures::elf_executable()).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("media_unsupported")));
    let mut big = fixtures::wav(1);
    big.resize(150_000, 0);
    let (status, e) = app.upload(&reporter.token, "voice", "long.wav", &big).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")));
    let (status, voice) = app.upload(&reporter.token, "voice", "x.png", &fixtures::wav(5)).await;
    assert_eq!((status, voice["mime"].as_str()), (StatusCode::CREATED, Some("audio/wav")), "the name does not matter");
    let not_multipart = app.post(Some(&reporter.token), "/api/v1/media", json!({})).await;
    assert_eq!(not_multipart.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // A photo with GPS, taken with the phone turned (orientation 6): served without EXIF,
    // the right way up.
    let original = fixtures::jpeg_with_gps(40, 20, 6);
    assert!(fixtures::has_exif(&original));
    let (status, photo) = app.upload(&reporter.token, "image", "IMG_0001.jpg", &original).await;
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    let served = app.get_as(&reporter.token, &format!("/api/v1/media/{}", id(&photo))).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    let bytes = served.bytes().await.unwrap();
    assert!(!fixtures::has_exif(&bytes), "no EXIF, no GPS");
    let picture = image::load_from_memory(&bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (20, 40), "turned as the phone was held");

    // Attached to a private report: the reporter and the grid see it; another resident does not.
    let case = report(
        &app,
        &reporter,
        json!({ "category": "neighbour_dispute", "description": "邻居把垃圾堆在我家门口", "lat": P.0, "lng": P.1, "media": [id(&photo), id(&voice)] }),
    )
    .await;
    assert_eq!(case["public"], false, "disputes are private by default");
    assert_eq!(case["media"].as_array().unwrap().len(), 2);
    let path = format!("/api/v1/media/{}", id(&photo));
    assert_eq!(app.get_as(&other.token, &path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&other.token, &format!("/api/v1/cases/{}", id(&case))).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        step(&app, &other.token, &id(&case), "follow", json!({})).await.0,
        StatusCode::NOT_FOUND,
        "nor follow it"
    );
    assert_eq!(app.get_as(&w.worker_a.token, &path).await.status(), StatusCode::OK);
    // Media already attached cannot be attached again, and others' uploads not at all.
    let (status, e) = body(
        app.post(
            Some(&reporter.token),
            "/api/v1/cases",
            json!({ "category": "road", "description": LAMP, "media": [id(&photo)] }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("media")),
        "{e}"
    );
}

#[tokio::test]
async fn an_anonymous_reporter_is_in_no_answer_but_an_admins_audited_reveal() {
    let app = spawn_app().await;
    let w = app.world().await;
    let phone = "13912345678";
    let whistle = villager(&app, &w, "whistle", phone).await;
    let neighbour = villager(&app, &w, "neighbour", "13912340000").await;
    let case = report(&app, &whistle, json!({ "category": "safety", "description": "有人在河边非法采砂，晚上动静很大", "lat": P.0, "lng": P.1, "anonymous": true })).await;
    let case_id = id(&case);
    assert_eq!((case["anonymous"].as_bool(), case["mine"].as_bool()), (Some(true), Some(true)));

    let mut bodies: Vec<(String, String)> = Vec::new();
    let mut record = |who: &str, text: String| bodies.push((who.to_owned(), text));
    record("reporter's own view", serde_json::to_string(&case).unwrap());
    let path = format!("/api/v1/cases/{case_id}");
    for (who, token) in [
        ("worker", &w.worker_a.token),
        ("cadre", &w.cadre_a.token),
        ("officer", &w.officer.token),
        ("neighbour", &neighbour.token),
        ("reporter", &whistle.token),
    ] {
        // Every body scanned below is a real answer: a 404 would hold no secret and prove nothing.
        let res = app.get_as(token, &path).await;
        assert_eq!(res.status(), StatusCode::OK, "{who} reads the (public) case");
        record(who, res.text().await.unwrap());
    }
    for (action, token, payload) in [
        ("accept", &w.worker_a.token, json!({})),
        ("escalate", &w.worker_a.token, json!({ "reason": "需要村里处理" })),
        ("accept", &w.cadre_a.token, json!({})),
        ("resolve", &w.cadre_a.token, json!({ "outcome": "referred", "note": "已移交水利部门" })),
    ] {
        let res = app.post(Some(token), &format!("{path}/{action}"), payload).await;
        assert_eq!(res.status(), StatusCode::OK);
        record(action, res.text().await.unwrap());
    }
    let follow = app.post(Some(&neighbour.token), &format!("{path}/follow"), json!({})).await;
    assert_eq!(follow.status(), StatusCode::OK, "follow");
    record("follow", follow.text().await.unwrap());
    for (who, token, route) in [
        ("worker list", &w.worker_a.token, format!("/api/v1/cases?grid_id={}", w.grid_a)),
        ("cadre list", &w.cadre_a.token, format!("/api/v1/cases?org_unit_id={}", w.village_a)),
        ("officer export", &w.officer.token, format!("/api/v1/cases/export?org_unit_id={}", w.township)),
        ("public list", &neighbour.token, format!("/api/v1/cases?public=true&org_unit_id={}", w.village_a)),
        ("nearby", &neighbour.token, format!("/api/v1/cases/nearby?lat={}&lng={}", P.0, P.1)),
        ("neighbour inbox", &neighbour.token, "/api/v1/me/notifications".to_owned()),
        ("worker inbox", &w.worker_a.token, "/api/v1/me/notifications".to_owned()),
        ("cadre inbox", &w.cadre_a.token, "/api/v1/me/notifications".to_owned()),
    ] {
        app.state.jobs.run_now("dispatch_outbox").await.unwrap();
        let res = app.get_as(token, &route).await;
        assert_eq!(res.status(), StatusCode::OK, "{who}");
        record(who, res.text().await.unwrap());
    }
    let dup = app
        .post(
            Some(&neighbour.token),
            "/api/v1/cases/duplicates",
            json!({ "category": "safety", "lat": P.0, "lng": P.1, "text": "河边有人非法采砂" }),
        )
        .await;
    assert_eq!(dup.status(), StatusCode::OK, "duplicates");
    record("duplicates", dup.text().await.unwrap());
    for route in [
        format!("/open311/v2/requests/{case_id}.json"),
        format!("/open311/v2/requests/{case_id}.xml"),
        "/open311/v2/requests.json".into(),
    ] {
        let res = app.get(&route).await;
        assert_eq!(res.status(), StatusCode::OK, "{route}: the case is public");
        let text = res.text().await.unwrap();
        assert!(text.contains(&case_id), "{route} shows the case: {text}");
        record("open311", text);
    }
    // Staff in scope may not reveal an anonymous reporter; an admin may, with a reason, audited.
    let denied = app
        .post(Some(&w.cadre_a.token), &format!("{path}/reveal-reporter-phone"), json!({ "reason": "核实情况" }))
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    record("denied reveal", denied.text().await.unwrap());

    assert!(bodies.len() >= 20);
    for (who, text) in &bodies {
        for secret in [whistle.id.as_str(), phone, "139****5678"] {
            assert!(!text.contains(secret), "{who} saw {secret}: {text}");
        }
    }
    assert!(
        bodies.iter().any(|(who, text)| who == "duplicates" && text.contains(&case_id)),
        "the case itself is offered"
    );

    let (status, revealed) = body(
        app.post(Some(&w.admin), &format!("{path}/reveal-reporter-phone"), json!({ "reason": "涉嫌诬告，依法核查" }))
            .await,
    )
    .await;
    assert_eq!(
        (status, revealed["phone"].as_str(), revealed["user_id"].as_str()),
        (StatusCode::OK, Some(phone), Some(whistle.id.as_str()))
    );
    let (_, audit) = body(
        app.get_as(&w.admin, &format!("/api/v1/audit-log?action=case_reporter_revealed&object_id={case_id}")).await,
    )
    .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_ledger_exports_csv_safely_and_lists_stay_in_scope() {
    let app = spawn_app().await;
    let w = app.world().await;
    let reporter = villager(&app, &w, "csv", "13922223333").await;
    report(
        &app,
        &reporter,
        json!({ "category": "other", "description": "=HYPERLINK(\"http://evil\",\"点我\")", "lat": P.0, "lng": P.1 }),
    )
    .await;
    report(
        &app,
        &reporter,
        json!({ "category": "noise", "description": "+1 夜里广场舞声音太大", "lat": P.0, "lng": P.1 }),
    )
    .await;
    let res = app.get_as(&w.cadre_a.token, &format!("/api/v1/cases/export?org_unit_id={}", w.village_a)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = res.text().await.unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(text.contains("'+1 夜里"));
    assert!(!text.contains(",=HYPERLINK") && !text.contains("\"=HYPERLINK"));
    assert_eq!(text.lines().count(), 3);

    // Village B's cadre... does not exist; the township officer sees A's; A's cadre not B's.
    assert_eq!(
        app.get_as(&w.cadre_a.token, &format!("/api/v1/cases/export?org_unit_id={}", w.village_b)).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, page) =
        body(app.get_as(&w.officer.token, &format!("/api/v1/cases?org_unit_id={}&limit=1", w.township)).await).await;
    assert_eq!((status, page["items"].as_array().unwrap().len()), (StatusCode::OK, 1));
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, next) = body(
        app.get_as(&w.officer.token, &format!("/api/v1/cases?org_unit_id={}&limit=1&cursor={cursor}", w.township))
            .await,
    )
    .await;
    assert_eq!(next["items"].as_array().unwrap().len(), 1);
    assert!(next["next_cursor"].is_null());
    assert_ne!(page["items"][0]["id"], next["items"][0]["id"]);
    let (status, _) =
        body(app.get_as(&w.worker_a.token, &format!("/api/v1/cases?org_unit_id={}", w.village_a)).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a grid worker lists their grid, not the village");
    let (status, filtered) =
        body(app.get_as(&w.worker_a.token, &format!("/api/v1/cases?grid_id={}&category=noise", w.grid_a)).await).await;
    assert_eq!((status, filtered["items"].as_array().unwrap().len()), (StatusCode::OK, 1));
}

#[tokio::test]
async fn admins_map_categories_to_departments_and_upload_calendars() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (status, dept) = body(
        app.post(Some(&w.admin), "/api/v1/departments", json!({ "org_unit_id": w.county, "name": "县交通运输局" }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{dept}");
    let (_, list) = body(app.get_as(&w.cadre_a.token, "/api/v1/case-categories").await).await;
    let codes: Vec<&str> = list["items"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    for code in [
        "information",
        "public_opinion",
        "hazard",
        "dispute",
        "policy",
        "road",
        "water",
        "power",
        "sanitation",
        "noise",
        "safety",
        "neighbour_dispute",
        "other",
    ] {
        assert!(codes.contains(&code), "{code}");
    }
    let mut road = list["items"].as_array().unwrap().iter().find(|c| c["code"] == "road").unwrap().clone();
    road["department_id"] = json!(id(&dept));
    let new_category = json!({ "code": "livestock", "name": "禽畜散养", "duty": "hazard", "description": "", "department_id": null, "public_by_default": true, "active": true, "sort_order": 140 });
    assert_eq!(
        app.post(Some(&w.cadre_a.token), "/api/v1/case-categories", new_category.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(Some(&w.admin), "/api/v1/case-categories", new_category.clone()).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(app.post(Some(&w.admin), "/api/v1/case-categories", new_category).await.status(), StatusCode::CONFLICT);
    let bad = json!({ "code": "X Y", "name": "x", "duty": "nothing", "description": "", "department_id": null, "public_by_default": true, "active": true, "sort_order": 1 });
    assert_eq!(
        app.post(Some(&w.admin), "/api/v1/case-categories", bad).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let put = |token: &str, v: &Value| {
        app.client.put(app.url("/api/v1/case-categories/road")).bearer_auth(token).json(v).send()
    };
    assert_eq!(put(&w.cadre_a.token, &road).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(put(&w.admin, &road).await.unwrap().status(), StatusCode::OK);

    // A township escalation now climbs to the county's transport bureau.
    let officer_d = app.staff(&w.admin, "dept-officer", &w.county).await;
    assert_eq!(
        app.grant(&w.admin, &officer_d.id, "department_officer", "department", &id(&dept)).await.status(),
        StatusCode::CREATED
    );
    let reporter = villager(&app, &w, "road", "13933334444").await;
    let case = report(&app, &reporter, json!({ "category": "road", "description": "县道边坡塌方，半边路被堵", "lat": P.0, "lng": P.1, "urgency": "urgent" })).await;
    let c = id(&case);
    assert_eq!(
        app.get_as(&officer_d.token, &format!("/api/v1/cases/{c}")).await.status(),
        StatusCode::NOT_FOUND,
        "not the department's yet"
    );
    for (token, reason) in
        [(&w.worker_a.token, "村里处理不了"), (&w.cadre_a.token, "需要镇里"), (&w.officer.token, "需要交通局")]
    {
        let (status, up) = step(&app, token, &c, "escalate", json!({ "reason": reason })).await;
        assert_eq!(status, StatusCode::OK, "{up}");
    }
    let (status, seen) = body(app.get_as(&officer_d.token, &format!("/api/v1/cases/{c}")).await).await;
    assert_eq!(
        (status, seen["level"].as_str(), seen["department_id"].as_str()),
        (StatusCode::OK, Some("department"), dept["id"].as_str())
    );
    let (status, top) = step(&app, &officer_d.token, &c, "escalate", json!({ "reason": "更高" })).await;
    assert_eq!((status, top["error"]["details"]["reason"].as_str()), (StatusCode::CONFLICT, Some("top_of_ladder")));
    assert_eq!(
        step(&app, &w.officer.token, &c, "accept", json!({})).await.0,
        StatusCode::FORBIDDEN,
        "the township cannot accept for the department"
    );
    assert_eq!(step(&app, &officer_d.token, &c, "accept", json!({})).await.0, StatusCode::OK);

    // The calendar: the shipped years, and an upload for a new year by admins only.
    let (_, years) = body(app.get_as(&w.cadre_a.token, "/api/v1/working-calendar").await).await;
    assert!(years["years"].as_array().unwrap().contains(&json!(2026)));
    let (_, y2022) = body(app.get_as(&w.cadre_a.token, "/api/v1/working-calendar/2022").await).await;
    assert!(y2022["days"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["day"] == "2022-10-08" && d["kind"] == "makeup_workday"));
    let upload =
        json!({ "year": 2027, "days": [{ "day": "2027-01-01", "kind": "holiday", "name": "New Year's Day" }] });
    let send = |token: &str, v: &Value| {
        app.client.put(app.url("/api/v1/working-calendar/2027")).bearer_auth(token).json(v).send()
    };
    assert_eq!(send(&w.cadre_a.token, &upload).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(
        send(&w.admin, &json!({ "year": 2027, "days": [{ "day": "2028-01-01", "kind": "holiday", "name": "x" }] }))
            .await
            .unwrap()
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(send(&w.admin, &upload).await.unwrap().status(), StatusCode::OK);
    let (_, y2027) = body(app.get_as(&w.cadre_a.token, "/api/v1/working-calendar/2027").await).await;
    assert_eq!(y2027["days"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn resolved_cases_close_unrated_when_not_confirmed_and_visits_are_recorded() {
    let ttl = vec![
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400".to_owned()),
        ("YISHI_CASE_DEADLINES", r#"{"confirm_hours": 2}"#.to_owned()),
    ];
    let app = spawn_app_with(Setup { env: ttl, ..Setup::default() }).await;
    let w = app.world().await;
    let reporter = villager(&app, &w, "silent", "13944445555").await;
    let case = report(
        &app,
        &reporter,
        json!({ "category": "water", "description": "井水发浑，不敢喝", "lat": P.0, "lng": P.1 }),
    )
    .await;
    let c = id(&case);
    step(&app, &w.worker_a.token, &c, "accept", json!({})).await;
    let (status, _) =
        step(&app, &w.worker_a.token, &c, "visits", json!({ "method": "phone", "note": "还没办完" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "a visit follows an answer");
    step(&app, &w.worker_a.token, &c, "resolve", json!({ "outcome": "fixed", "note": "已清洗水井" })).await;
    let (status, reopened) = step(&app, &reporter.token, &c, "reopen", json!({ "reason": "还是浑的" })).await;
    assert_eq!((status, reopened["status"].as_str()), (StatusCode::OK, Some("in_progress")));
    step(&app, &w.worker_a.token, &c, "resolve", json!({ "outcome": "fixed", "note": "更换了滤网" })).await;
    app.clock.advance(chrono::Duration::hours(3));
    app.state.jobs.run_now("sweep_case_deadlines").await.unwrap();
    let (_, closed) = body(app.get_as(&reporter.token, &format!("/api/v1/cases/{c}")).await).await;
    assert_eq!((closed["status"].as_str(), closed["rating"].as_i64()), (Some("closed_unrated"), None));
    assert_eq!(step(&app, &reporter.token, &c, "confirm", json!({ "rating": 1 })).await.0, StatusCode::CONFLICT);
    let (status, visited) = step(
        &app,
        &w.worker_a.token,
        &c,
        "visits",
        json!({ "method": "in_person", "note": "上门回访，群众表示满意", "satisfied": true }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(visited["timeline"].as_array().unwrap().last().unwrap()["action"], "visit");
    assert_eq!(
        step(&app, &reporter.token, &c, "visits", json!({ "method": "phone", "note": "x" })).await.0,
        StatusCode::FORBIDDEN
    );
    // An unrated closure counts in the satisfaction rate as not satisfied (issue 8, item 14).
    let closed_at = chrono::DateTime::parse_from_rfc3339(closed["closed_at"].as_str().unwrap()).unwrap();
    let month = closed_at.with_timezone(&domain::calendar::beijing()).format("%Y-%m").to_string();
    let (_, figures) = body(
        app.get_as(&w.cadre_a.token, &format!("/api/v1/case-figures?org_unit_id={}&month={month}", w.village_a)).await,
    )
    .await;
    let t = &figures["totals"];
    assert_eq!((t["closed"].as_i64(), t["resolved"].as_i64(), t["rated"].as_i64()), (Some(1), Some(1), Some(0)));
    assert_eq!((t["satisfaction_rate"].as_f64(), t["rated_share"].as_f64()), (Some(0.0), Some(0.0)));
}

/// Two steps racing on one case: exactly one takes effect, the other is refused (403 when the
/// winner moved the case out of the loser's hands, 409 when it lost the version race or the
/// step no longer applies), never a 500 and never a lost update. Thirty rounds, so a race that
/// shows once in fifteen is caught.
#[tokio::test]
async fn concurrent_steps_on_one_case_take_effect_once() {
    let app = spawn_app_with(Setup {
        env: vec![("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "100000".into())],
        ..Setup::default()
    })
    .await;
    let w = app.world().await;
    let second_worker = app.staff(&w.admin, "worker-a2", &w.village_a).await;
    assert_eq!(
        app.grant(&w.admin, &second_worker.id, "grid_worker", "grid", &w.grid_a).await.status(),
        StatusCode::CREATED
    );
    let reporter = villager(&app, &w, "race", "13966667777").await;
    let new_case = |round: usize| {
        let description = format!("电线杆歪了，随时会倒（第{round}根）");
        report(&app, &reporter, json!({ "category": "power", "description": description, "lat": P.0, "lng": P.1 }))
    };
    let case = new_case(0).await;
    let c = id(&case);
    // Ten accepts from two workers at once: one takes effect, the others are refused.
    let tokens = [&w.worker_a.token, &second_worker.token];
    let accept_path = format!("/api/v1/cases/{c}/accept");
    let sends = (0..10).map(|i| app.post(Some(tokens[i % 2]), &accept_path, json!({})));
    let statuses: Vec<StatusCode> =
        futures_util::future::join_all(sends).await.into_iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT), "{statuses:?}");

    // An escalation racing a resolution, on a fresh accepted case each round.
    let mut winners = std::collections::BTreeMap::<&str, usize>::new();
    for round in 1..=30 {
        let c = id(&new_case(round).await);
        assert_eq!(step(&app, &w.worker_a.token, &c, "accept", json!({})).await.0, StatusCode::OK);
        let (escalate_path, resolve_path) =
            (format!("/api/v1/cases/{c}/escalate"), format!("/api/v1/cases/{c}/resolve"));
        let escalate = app.post(Some(&w.worker_a.token), &escalate_path, json!({ "reason": "需要村里" }));
        let resolve =
            app.post(Some(&second_worker.token), &resolve_path, json!({ "outcome": "fixed", "note": "已扶正" }));
        let (a, b) = tokio::join!(escalate, resolve);
        let (a, b) = (body(a).await, body(b).await);
        let (winner, loser, won) = match (a.0, b.0) {
            (StatusCode::OK, _) => ("escalated", &b, &a.1),
            (_, StatusCode::OK) => ("resolved", &a, &b.1),
            _ => panic!("round {round}: neither step took effect: {a:?} {b:?}"),
        };
        assert_ne!(loser.0, StatusCode::OK, "round {round}: both steps took effect: {a:?} {b:?}");
        assert!(
            matches!(
                (loser.0, loser.1["error"]["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("forbidden"))
                    | (StatusCode::CONFLICT, Some("conflict" | "invalid_transition"))
            ),
            "round {round}: the loser is refused as such: {loser:?}"
        );
        *winners.entry(winner).or_default() += 1;
        let (_, seen) = body(app.get_as(&w.officer.token, &format!("/api/v1/cases/{c}")).await).await;
        assert_eq!(seen["status"], won["status"], "round {round}: the row is the winner's");
        let timeline = seen["timeline"].as_array().unwrap();
        let actions: Vec<&str> = timeline.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions.len(), 3, "round {round}: reported, accepted and the winner's step only: {actions:?}");
        assert_eq!(actions.iter().filter(|a| **a == "accepted").count(), 1, "{actions:?}");
        assert_eq!(timeline[2]["to_status"], seen["status"], "round {round}: the timeline ends where the row is");
    }
    println!("winners over 30 rounds: {winners:?}");
}

/// Issue 8, item 14: both rates over every case closed in the month, as townships count them —
/// "satisfied" a rating of 4 or 5, "resolved" only the problems fixed — with the rated share
/// and each outcome's count beside them.
#[tokio::test]
async fn figures_rate_every_case_closed_in_the_month_as_townships_count_them() {
    let env = vec![
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400".to_owned()),
        ("YISHI_CASE_DEADLINES", r#"{"confirm_hours": 1}"#.to_owned()),
    ];
    let app = spawn_app_with(Setup { env, ..Setup::default() }).await;
    // Everything below happens within a few hours: start clear of a month's end (Beijing).
    let beijing_month =
        |app: &TestApp| app.clock.now().with_timezone(&domain::calendar::beijing()).format("%Y-%m").to_string();
    let later = app.clock.now() + chrono::Duration::hours(6);
    if later.with_timezone(&domain::calendar::beijing()).format("%Y-%m").to_string() != beijing_month(&app) {
        app.clock.advance(chrono::Duration::hours(7));
    }
    let month = beijing_month(&app);
    let w = app.world().await;
    let reporter = villager(&app, &w, "rates", "13900004444").await;
    let worker = &w.worker_a.token;
    let answered = |outcome: &'static str| {
        let (app, reporter) = (&app, &reporter);
        async move {
            let case =
                report(app, reporter, json!({ "category": "road", "description": LAMP, "lat": P.0, "lng": P.1 })).await;
            let c = id(&case);
            assert_eq!(step(app, worker, &c, "accept", json!({})).await.0, StatusCode::OK);
            let (status, done) =
                step(app, worker, &c, "resolve", json!({ "outcome": outcome, "note": "已处理" })).await;
            assert_eq!(status, StatusCode::OK, "{done}");
            c
        }
    };

    // Two closed unrated by the sweeper: one fixed, one withdrawn.
    answered("fixed").await;
    answered("withdrawn").await;
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(app.state.jobs.run_now("sweep_case_deadlines").await.unwrap(), 2);
    // Four confirmed with a rating.
    for (outcome, rating) in [("fixed", 5), ("fixed", 3), ("unable_to_fix", 4), ("referred", 5)] {
        let c = answered(outcome).await;
        let (status, closed) = step(&app, &reporter.token, &c, "confirm", json!({ "rating": rating })).await;
        assert_eq!((status, closed["status"].as_str()), (StatusCode::OK, Some("closed")), "{closed}");
    }
    // Not closed: answered but unconfirmed, and only reported.
    answered("fixed").await;
    report(&app, &reporter, json!({ "category": "road", "description": LAMP_AGAIN, "lat": P.0, "lng": P.1 })).await;
    assert_eq!(beijing_month(&app), month, "all of it in one month");

    let (status, figures) = body(
        app.get_as(&w.officer.token, &format!("/api/v1/case-figures?org_unit_id={}&month={month}", w.township)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    let t = &figures["totals"];
    assert_eq!(
        (
            t["received"].as_i64(),
            t["closed"].as_i64(),
            t["resolved"].as_i64(),
            t["rated"].as_i64(),
            t["satisfied"].as_i64()
        ),
        (Some(8), Some(6), Some(3), Some(4), Some(3)),
        "{t}"
    );
    assert_eq!(t["resolution_rate"], json!(0.5), "fixed of all closed: 3 of 6");
    assert_eq!(t["satisfaction_rate"], json!(0.5), "4 or 5 of all closed, unrated ones included: 3 of 6");
    assert_eq!(t["rated_share"], json!(0.667));
    assert_eq!(t["satisfied_from"], 4);
    assert_eq!(t["outcomes"], json!({ "fixed": 3, "unable_to_fix": 1, "referred": 1, "duplicate": 0, "withdrawn": 1 }));
    let village_a =
        figures["units"].as_array().unwrap().iter().find(|u| u["org_unit_id"] == w.village_a.as_str()).unwrap();
    assert_eq!(&village_a["figures"], t, "the village holds them all");
    let village_b =
        figures["units"].as_array().unwrap().iter().find(|u| u["org_unit_id"] == w.village_b.as_str()).unwrap();
    assert_eq!(
        (village_b["figures"]["closed"].as_i64(), village_b["figures"]["satisfaction_rate"].is_null()),
        (Some(0), true)
    );
}

#[tokio::test]
async fn a_grid_drawn_on_one_instance_routes_the_next_report_on_another() {
    let one = spawn_app().await;
    let two = spawn_app_with(Setup { instance_of: Some(one.shared()), ..Setup::default() }).await;
    let w = one.world().await;
    let reporter = villager(&one, &w, "sun", "13900002222").await;
    // Outside every grid, a report goes to its reporter's home grid; filing it on two makes two
    // hold the grids in memory.
    const R: (f64, f64) = (27.7305, 112.0305);
    let at_r = json!({ "category": "road", "description": LAMP, "lat": R.0, "lng": R.1 });
    let before = report(&two, &reporter, at_r.clone()).await;
    assert_eq!(before["grid_id"].as_str(), Some(w.grid_a.as_str()), "no grid holds R yet: the home grid");

    let boundary = json!({"type":"Polygon","coordinates":[[[112.02,27.72],[112.04,27.72],[112.04,27.74],[112.02,27.74],[112.02,27.72]]]});
    let drawn = json!({ "org_unit_id": w.village_b, "level": "small", "name": "李家村网格", "boundary": boundary });
    let (status, grid) = body(one.post(Some(&w.admin), "/api/v1/grids", drawn).await).await;
    assert_eq!(status, StatusCode::CREATED, "{grid}");

    let after = report(&two, &reporter, at_r).await;
    assert_eq!(after["grid_id"], grid["id"], "drawn on one, routing the very next report on two");
}
