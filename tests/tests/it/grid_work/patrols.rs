//! Patrols (巡查) end to end: started once per client id (also in parallel), points in batches
//! stored once per seq with the walked distance, hazards filed as cases linked both ways, the
//! end, and who may do and read what.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use domain::clock::Clock;
use domain::grid_work::patrols::{path_length_m, PatrolPoint};
use futures_util::future::join_all;
use infra::testing::schema::{patrol_hazards as h, patrol_points as pp, patrols as p};
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{body, id, spawn_app, spawn_app_with, Setup, TestApp};

/// Inside grid A (a square 27.70–27.72, 111.99–112.01, GCJ-02).
const P: (f64, f64) = (27.7105, 112.0005);
const HOLE: &str = "巡查发现村道塌陷一处，约两米宽，需尽快处理";

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// The `i`th point of a walk north-east from P, a minute apart from `start`.
fn walk(i: i32, start: DateTime<Utc>) -> (i32, f64, f64, DateTime<Utc>) {
    let k = f64::from(i);
    (i, P.0 + 0.0004 * k, P.1 + 0.0001 * k * k / 10.0, start + Duration::minutes(i64::from(i)))
}

fn batch(seqs: std::ops::Range<i32>, start: DateTime<Utc>) -> Value {
    let points: Vec<Value> = seqs
        .map(|i| {
            let (seq, lat, lng, t) = walk(i, start);
            json!({ "seq": seq, "lat": lat, "lng": lng, "at": at(t) })
        })
        .collect();
    json!({ "points": points })
}

async fn start(
    app: &TestApp,
    who: &str,
    grid: &str,
    started: DateTime<Utc>,
    client_id: Option<&str>,
) -> (StatusCode, Value) {
    let payload = json!({ "grid_id": grid, "started_at": at(started), "note": "晚间巡查", "client_id": client_id });
    body(app.post(Some(who), "/api/v1/patrols", payload).await).await
}

async fn send(app: &TestApp, who: &str, patrol: &str, what: &str, payload: Value) -> (StatusCode, Value) {
    body(app.post(Some(who), &format!("/api/v1/patrols/{patrol}/{what}"), payload).await).await
}

async fn count<F>(app: &TestApp, query: F) -> i64
where
    F: FnOnce(&mut infra::DbConn) -> QueryResult<i64> + Send + 'static,
{
    app.state.db.run(move |conn| Ok::<_, infra::InfraError>(query(conn)?)).await.unwrap()
}

/// A second grid, in village B, with its own worker.
async fn grid_b(app: &TestApp, w: &World) -> (String, Account) {
    let boundary = json!({"type":"Polygon","coordinates":[[[112.02,27.70],[112.04,27.70],[112.04,27.72],[112.02,27.72],[112.02,27.70]]]});
    let grid = json!({ "org_unit_id": w.village_b, "level": "small", "name": "李家村一网格", "boundary": boundary });
    let (status, grid) = body(app.post(Some(&w.admin), "/api/v1/grids", grid).await).await;
    assert_eq!(status, StatusCode::CREATED, "{grid}");
    let worker = app.staff(&w.admin, "worker-b", &w.village_b).await;
    assert_eq!(app.grant(&w.admin, &worker.id, "grid_worker", "grid", &id(&grid)).await.status(), StatusCode::CREATED);
    (id(&grid), worker)
}

#[tokio::test]
async fn a_patrol_is_walked_its_hazard_filed_and_ended() {
    let app = spawn_app().await;
    let w = app.world().await;
    let worker = &w.worker_a.token;
    let started = app.clock.now() - Duration::minutes(30);

    let (status, patrol) = start(&app, worker, &w.grid_a, started, None).await;
    assert_eq!(status, StatusCode::CREATED, "{patrol}");
    assert_eq!((patrol["status"].as_str(), patrol["point_count"].as_i64()), (Some("walking"), Some(0)));
    let pid = id(&patrol);

    // Two batches, the second overlapping the first by 3 seqs; then the first again.
    let (status, first) = send(&app, worker, &pid, "points", batch(0..10, started)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!((first["added"].as_i64(), first["point_count"].as_i64()), (Some(10), Some(10)));
    let (_, second) = send(&app, worker, &pid, "points", batch(7..20, started)).await;
    assert_eq!((second["added"].as_i64(), second["point_count"].as_i64()), (Some(10), Some(20)));
    let (status, again) = send(&app, worker, &pid, "points", batch(0..10, started)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((again["added"].as_i64(), again["point_count"].as_i64()), (Some(0), Some(20)));
    let walked: Vec<PatrolPoint> = (0..20)
        .map(|i| {
            let (seq, lat, lng, t) = walk(i, started);
            PatrolPoint { seq, lat, lng, at: t.naive_utc() }
        })
        .collect();
    let expected = path_length_m(&walked);
    let distance = again["distance_m"].as_f64().unwrap();
    assert!((distance - expected).abs() <= 1.0, "{distance} m against {expected} m");
    assert!(expected > 500.0, "a real walk: {expected} m");
    let stored = pid.clone();
    assert_eq!(count(&app, move |c| pp::table.filter(pp::patrol_id.eq(stored)).count().get_result(c)).await, 20);

    // A hazard on the way, filed as a case in grid A; its client id synced twice files it once.
    let hazard =
        json!({ "category": "road", "description": HOLE, "lat": P.0 + 0.001, "lng": P.1, "client_id": "hz-1" });
    let (status, filed) = send(&app, worker, &pid, "hazards", hazard.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let case_id = filed["case_id"].as_str().unwrap().to_owned();
    let (status, refiled) = send(&app, worker, &pid, "hazards", hazard).await;
    assert_eq!((status, refiled["case_id"].as_str()), (StatusCode::OK, Some(case_id.as_str())));
    let linked = pid.clone();
    assert_eq!(count(&app, move |c| h::table.filter(h::patrol_id.eq(linked)).count().get_result(c)).await, 1);

    let (status, case) = body(app.get_as(worker, &format!("/api/v1/cases/{case_id}")).await).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["grid_id"].as_str(), Some(w.grid_a.as_str()));
    assert_eq!(case["timeline"][0]["details"], json!({ "via": "patrol", "patrol_id": pid }));

    let (status, seen) = body(app.get_as(worker, &format!("/api/v1/patrols/{pid}")).await).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["hazard_case_ids"], json!([case_id]));
    let seqs: Vec<i64> = seen["points"].as_array().unwrap().iter().map(|p| p["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (0..20).collect::<Vec<i64>>());
    assert_eq!(seen["distance_m"], again["distance_m"]);

    // The end; nothing walks after it, and it ends once.
    let (status, ended) = send(&app, worker, &pid, "end", json!({ "ended_at": at(app.clock.now()) })).await;
    assert_eq!((status, ended["status"].as_str()), (StatusCode::OK, Some("ended")), "{ended}");
    let (status, late) = send(&app, worker, &pid, "points", batch(20..22, started)).await;
    assert_eq!((status, late["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    let (status, twice) = send(&app, worker, &pid, "end", json!({ "ended_at": at(app.clock.now()) })).await;
    assert_eq!((status, twice["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    let stored = pid.clone();
    assert_eq!(count(&app, move |c| pp::table.filter(pp::patrol_id.eq(stored)).count().get_result(c)).await, 20);

    // A hazard synced after the end (the phone was offline) is still taken. Without a client id
    // the Idempotency-Key makes a retry safe: sent twice, one case, the same answer.
    let later = json!({ "category": "road", "description": HOLE, "lat": P.0, "lng": P.1 + 0.001 });
    let keyed = || {
        app.client
            .post(app.url(&format!("/api/v1/patrols/{pid}/hazards")))
            .bearer_auth(worker)
            .header("idempotency-key", "0195c1b2-cccc-7000-8000-000000000001")
            .json(&later)
            .send()
    };
    let (status, filed) = body(keyed().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let (status, retried) = body(keyed().await.unwrap()).await;
    assert_eq!((status, &retried["case_id"]), (StatusCode::CREATED, &filed["case_id"]));
    let linked = pid.clone();
    assert_eq!(count(&app, move |c| h::table.filter(h::patrol_id.eq(linked)).count().get_result(c)).await, 2);
}

#[tokio::test]
async fn a_client_id_sent_in_parallel_starts_one_patrol() {
    // 120 starts by one walker: above the per-user write limit of a minute.
    let env = vec![("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "1000".to_owned())];
    let app = spawn_app_with(Setup { env, ..Setup::default() }).await;
    let w = app.world().await;
    let started = app.clock.now() - Duration::minutes(5);
    for round in 0..15 {
        let client_id = format!("round-{round}");
        let answers =
            join_all((0..8).map(|_| start(&app, &w.worker_a.token, &w.grid_a, started, Some(&client_id)))).await;
        let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let repeated = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        assert_eq!((created, repeated), (1, 7), "round {round}: {answers:?}");
        let first = id(&answers[0].1);
        assert!(answers.iter().all(|(_, patrol)| id(patrol) == first), "round {round}: {answers:?}");
        let cid = client_id.clone();
        assert_eq!(count(&app, move |c| p::table.filter(p::client_id.eq(cid)).count().get_result(c)).await, 1);
    }
    assert_eq!(count(&app, |c| p::table.count().get_result(c)).await, 15);
}

#[tokio::test]
async fn patrols_stay_in_their_scope_and_bad_points_store_nothing() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (grid_b, worker_b) = grid_b(&app, &w).await;
    let resident = app.member("zhang", &w.village_a, &w.cadre_a.token).await;
    let started = app.clock.now() - Duration::minutes(20);

    // Starting: only in one's own grid (a neighbour grid is not there at all).
    let (status, _) = start(&app, &worker_b.token, &w.grid_a, started, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = start(&app, &resident.token, &w.grid_a, started, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = start(&app, &w.officer.token, &w.grid_a, started, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, own) = start(&app, &worker_b.token, &grid_b, started, None).await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    let (status, patrol) = start(&app, &w.worker_a.token, &w.grid_a, started, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let pid = id(&patrol);
    let path = format!("/api/v1/patrols/{pid}");

    // Reading: the walker and the village's cadre; the township officer is in scope without
    // the role; the other grid's worker and a resident do not see it.
    for (who, expected) in [
        (&w.worker_a.token, StatusCode::OK),
        (&w.cadre_a.token, StatusCode::OK),
        (&w.officer.token, StatusCode::FORBIDDEN),
        (&worker_b.token, StatusCode::NOT_FOUND),
        (&resident.token, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(app.get_as(who, &path).await.status(), expected);
    }
    let list = format!("/api/v1/patrols?grid_id={}", w.grid_a);
    let (status, page) = body(app.get_as(&w.cadre_a.token, &list).await).await;
    assert_eq!((status, page["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
    assert_eq!(page["items"][0]["id"].as_str(), Some(pid.as_str()));
    assert_eq!(app.get_as(&w.officer.token, &list).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_as(&worker_b.token, &list).await.status(), StatusCode::NOT_FOUND);

    // Only the walker adds points: who may read it hears 403, others 404.
    let (status, _) = send(&app, &w.cadre_a.token, &pid, "points", batch(0..2, started)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(&app, &worker_b.token, &pid, "points", batch(0..2, started)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&app, &worker_b.token, &pid, "end", json!({ "ended_at": at(app.clock.now()) })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad points: the whole batch is refused, nothing stored.
    let good = |seq: i32| json!({ "seq": seq, "lat": P.0, "lng": P.1, "at": at(started + Duration::minutes(1)) });
    let too_many: Vec<Value> = (0..501).map(good).collect();
    for (points, field) in [
        (json!([good(0), { "seq": 1, "lat": 91.0, "lng": P.1, "at": at(started) }]), "lat"),
        (json!([good(0), { "seq": -1, "lat": P.0, "lng": P.1, "at": at(started) }]), "seq"),
        (
            json!([good(0), { "seq": 1, "lat": P.0, "lng": P.1, "at": at(app.clock.now() + Duration::minutes(11)) }]),
            "at",
        ),
        (json!([good(0), { "seq": 1, "lat": P.0, "lng": P.1, "at": at(started - Duration::minutes(2)) }]), "at"),
        (json!([good(0), { "seq": 1, "lat": P.0, "lng": P.1, "at": "yesterday" }]), "at"),
        (json!([good(0), good(0)]), "seq"),
        (json!([]), "points"),
        (json!(too_many), "points"),
    ] {
        let (status, refused) = send(&app, &w.worker_a.token, &pid, "points", json!({ "points": points })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["details"]["field"].as_str(), Some(field), "{refused}");
    }
    let stored = pid.clone();
    assert_eq!(count(&app, move |c| pp::table.filter(pp::patrol_id.eq(stored)).count().get_result(c)).await, 0);
    let (_, seen) = body(app.get_as(&w.worker_a.token, &path).await).await;
    assert_eq!((seen["point_count"].as_i64(), seen["distance_m"].as_i64()), (Some(0), Some(0)));
    // A positive control: the same walker's good batch is taken.
    let (status, walked) = send(&app, &w.worker_a.token, &pid, "points", json!({ "points": [good(0), good(1)] })).await;
    assert_eq!((status, walked["added"].as_i64()), (StatusCode::OK, Some(2)));
}
