//! Visits to households (走访): offline visits synced twice made once (also when eight sends of
//! one client id race), a visit raising a case linked both ways, a grid worker held to their
//! grid, a volunteer to their own visits, a township to figures, residents to their own
//! household's visits (without the note), and every invalid field refused with nothing stored.

use diesel::prelude::*;
use domain::clock::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{assert_invalid_field, body, id, spawn_app_with, Setup, TestApp};

/// A square in village A east of GRID_A, not overlapping it.
const GRID_A2: &str = r#"{"type":"Polygon","coordinates":[[[112.02,27.70],[112.04,27.70],[112.04,27.72],[112.02,27.72],[112.02,27.70]]]}"#;

/// The application with write limits that let one worker send a day's visits in a burst.
async fn visits_app() -> TestApp {
    let env = [
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400"),
        ("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "100000"),
        ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "1000000"),
    ];
    spawn_app_with(Setup { env: env.map(|(k, v)| (k, v.to_owned())).to_vec(), ..Setup::default() }).await
}

fn ago(app: &TestApp, minutes: i64) -> String {
    (app.clock.now() - chrono::Duration::minutes(minutes)).to_rfc3339()
}

fn visit(app: &TestApp, household: &str, client_id: Option<&str>) -> Value {
    json!({
        "household_id": household, "kind": "routine", "met": "户主及老伴", "note": "老人身体好，提到屋后排水沟堵了",
        "info_items": 2, "visited_at": ago(app, 30), "client_id": client_id,
    })
}

async fn visits_in_db(app: &TestApp) -> i64 {
    use infra::testing::schema::visits::dsl as v;
    app.state.db.run(|conn| v::visits.count().get_result::<i64>(conn).map_err(infra::InfraError::from)).await.unwrap()
}

async fn record(app: &TestApp, who: &Account, body_: Value) -> (StatusCode, Value) {
    body(app.post(Some(&who.token), "/api/v1/visits", body_).await).await
}

/// A second grid of village A.
async fn second_grid(app: &TestApp, w: &World) -> String {
    let grid = json!({ "org_unit_id": w.village_a, "level": "small", "name": "杨家村二网格", "code": "YJC-02",
        "boundary": serde_json::from_str::<Value>(GRID_A2).unwrap() });
    let (status, made) = body(app.post(Some(&w.admin), "/api/v1/grids", grid).await).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    id(&made)
}

/// A resident of village A (approved by its cadre) whose household is on `grid`; answers the
/// resident and their household.
async fn household_on_grid(app: &TestApp, w: &World, name: &str, grid: &str) -> (Account, String) {
    use infra::testing::schema::household_members::dsl as m;
    let resident = app.member(name, &w.village_a, &w.cadre_a.token).await;
    let user = resident.id.clone();
    let household: String = app
        .state
        .db
        .run(move |conn| {
            m::household_members
                .filter(m::user_id.eq(user))
                .select(m::household_id)
                .first(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap();
    let path = format!("/api/v1/grids/{grid}/households");
    let (status, put) = body(app.post(Some(&w.admin), &path, json!({ "household_ids": [household] })).await).await;
    assert_eq!(status, StatusCode::OK, "{put}");
    (resident, household)
}

#[tokio::test]
async fn offline_visits_synced_twice_are_made_once() {
    let app = visits_app().await;
    let w = app.world().await;
    let households = app.seed_households(&w.village_a, Some(&w.grid_a), 3).await;
    let batch: Vec<Value> =
        households.iter().enumerate().map(|(i, (h, _))| visit(&app, h, Some(&format!("phone-{i}")))).collect();

    let (status, first) =
        body(app.post(Some(&w.worker_a.token), "/api/v1/visits/sync", json!({ "visits": batch })).await).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|i| i["status"] == "created"), "{first}");
    assert_eq!(visits_in_db(&app).await, 3);

    // The phone did not hear the answer and sends the day again.
    let (status, again) =
        body(app.post(Some(&w.worker_a.token), "/api/v1/visits/sync", json!({ "visits": batch })).await).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let again = again["items"].as_array().unwrap();
    assert!(again.iter().all(|i| i["status"] == "synced"), "{again:?}");
    for (made, found) in items.iter().zip(again) {
        assert_eq!(made["client_id"], found["client_id"]);
        assert_eq!(made["visit"]["id"], found["visit"]["id"], "the same visit answers");
    }
    assert_eq!(visits_in_db(&app).await, 3, "nothing new");

    // One bad item (no client id, an unknown household) does not refuse the others.
    let mut mixed = vec![visit(&app, &households[0].0, Some("phone-new"))];
    mixed.push(visit(&app, &households[1].0, None));
    mixed.push(visit(&app, &domain::new_id(), Some("phone-ghost")));
    let (status, answer) =
        body(app.post(Some(&w.worker_a.token), "/api/v1/visits/sync", json!({ "visits": mixed })).await).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let statuses: Vec<&str> =
        answer["items"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["created", "refused", "refused"], "{answer}");
    assert_eq!(answer["items"][1]["error"]["field"], "client_id");
    assert_eq!(answer["items"][2]["error"]["code"], "not_found");
    assert_eq!(visits_in_db(&app).await, 4);

    // The same client id sent eight times at once, round after round: one visit each round, and
    // every answer names it (201 once, 200 for the others).
    for round in 0..15 {
        let client_id = format!("race-{round}");
        let sends = (0..8).map(|_| record(&app, &w.worker_a, visit(&app, &households[2].0, Some(&client_id))));
        let answers = futures_util::future::join_all(sends).await;
        let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let synced = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        assert_eq!((created, synced), (1, 7), "round {round}: {answers:?}");
        let ids: std::collections::HashSet<String> = answers.iter().map(|(_, v)| id(v)).collect();
        assert_eq!(ids.len(), 1, "round {round}: one visit named");
        assert_eq!(visits_in_db(&app).await, 5 + round, "round {round}: exactly one row");
    }
}

#[tokio::test]
async fn a_visit_raises_a_case_linked_both_ways() {
    let app = visits_app().await;
    let w = app.world().await;
    let households = app.seed_households(&w.village_a, Some(&w.grid_a), 1).await;
    let mut body_ = visit(&app, &households[0].0, Some("with-case"));
    body_["case"] = json!({ "category": "road", "description": "屋后排水沟堵塞，下雨会淹到老人家里" });
    let (status, made) = record(&app, &w.worker_a, body_).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (visit_id, case_id) = (id(&made), made["case_id"].as_str().unwrap().to_owned());

    let (status, case) = body(app.get_as(&w.worker_a.token, &format!("/api/v1/cases/{case_id}")).await).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["grid_id"], w.grid_a.as_str(), "filed in the visit's grid");
    assert_eq!(case["timeline"][0]["details"]["via"], "visit");
    assert_eq!(case["timeline"][0]["details"]["visit_id"], visit_id.as_str(), "{case}");

    let (status, seen) = body(app.get_as(&w.cadre_a.token, &format!("/api/v1/visits/{visit_id}")).await).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["case_id"], case_id.as_str());
    assert_eq!(seen["note"], "老人身体好，提到屋后排水沟堵了", "the cadre reads notes");

    // A case the cases feature refuses (an unknown category) stores no visit either.
    let before = visits_in_db(&app).await;
    let mut bad = visit(&app, &households[0].0, Some("bad-case"));
    bad["case"] = json!({ "category": "no-such-thing", "description": "屋后排水沟堵塞，下雨会淹到老人家里" });
    let (status, refused) = record(&app, &w.worker_a, bad).await;
    assert!(status.is_client_error(), "{status} {refused}");
    assert_eq!(visits_in_db(&app).await, before);
}

#[tokio::test]
async fn a_worker_visits_only_their_grid_and_reads_follow_the_roles() {
    let app = visits_app().await;
    let w = app.world().await;
    let grid_2 = second_grid(&app, &w).await;
    let on_a = app.seed_households(&w.village_a, Some(&w.grid_a), 1).await;
    let on_2 = app.seed_households(&w.village_a, Some(&grid_2), 1).await;
    let in_b = app.seed_households(&w.village_b, None, 1).await;
    let no_grid = app.seed_households(&w.village_a, None, 1).await;

    // The positive control, then the neighbour grid's household and village B's: 404, nothing stored.
    let (status, mine) = record(&app, &w.worker_a, visit(&app, &on_a[0].0, None)).await;
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    let (status, _) = record(&app, &w.worker_a, visit(&app, &on_2[0].0, None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = record(&app, &w.worker_a, visit(&app, &in_b[0].0, None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(visits_in_db(&app).await, 1);
    // A household on no grid: the cadre is told why; the grid worker learns nothing.
    assert_invalid_field(record_raw(&app, &w.cadre_a, visit(&app, &no_grid[0].0, None)).await, "household_id").await;
    let (status, _) = record(&app, &w.worker_a, visit(&app, &no_grid[0].0, None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(visits_in_db(&app).await, 1);

    // A volunteer under grid A records and lists only their own.
    let volunteer = app.member("志愿者小李", &w.village_a, &w.cadre_a.token).await;
    let (status, granted) = body(app.grant(&w.admin, &volunteer.id, "volunteer", "grid", &w.grid_a).await).await;
    assert_eq!(status, StatusCode::CREATED, "{granted}");
    let (status, theirs) = record(&app, &volunteer, visit(&app, &on_a[0].0, None)).await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    let list = format!("/api/v1/visits?grid_id={}", w.grid_a);
    let (status, page) = body(app.get_as(&volunteer.token, &list).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let ids: Vec<&str> = page["items"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [theirs["id"].as_str().unwrap()]);
    let (status, _) = body(app.get_as(&volunteer.token, &format!("/api/v1/visits/{}", id(&mine))).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another's visit, in scope without ReadVisits");

    // The worker and the cadre see both, newest first, notes included.
    for staff in [&w.worker_a, &w.cadre_a] {
        let (status, page) = body(app.get_as(&staff.token, &list).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["items"].as_array().unwrap().len(), 2, "{page}");
        assert!(page["items"][0]["note"].is_string());
    }
    // Paged one at a time.
    let (_, first) = body(app.get_as(&w.cadre_a.token, &format!("{list}&limit=1")).await).await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let (_, second) = body(app.get_as(&w.cadre_a.token, &format!("{list}&limit=1&cursor={cursor}")).await).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
    assert!(second["next_cursor"].is_null());

    // The township sees figures, not notes: 403; village B's cadre: 404.
    let (status, _) = body(app.get_as(&w.officer.token, &list).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = body(app.get_as(&w.officer.token, &format!("/api/v1/visits/{}", id(&mine))).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let cadre_b = app.staff(&w.admin, "cadre-b", &w.village_b).await;
    let (status, _) = body(app.grant(&w.admin, &cadre_b.id, "village_cadre", "org_unit", &w.village_b).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = body(app.get_as(&cadre_b.token, &list).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = body(app.get_as(&cadre_b.token, &format!("/api/v1/visits/{}", id(&mine))).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        body(app.get_as(&cadre_b.token, &format!("/api/v1/visits?household_id={}", on_a[0].0)).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn record_raw(app: &TestApp, who: &Account, body_: Value) -> reqwest::Response {
    app.post(Some(&who.token), "/api/v1/visits", body_).await
}

#[tokio::test]
async fn residents_see_their_own_household_visits_without_the_note() {
    use infra::media::fixtures;
    let app = visits_app().await;
    let w = app.world().await;
    let (visited, household) = household_on_grid(&app, &w, "王大伯", &w.grid_a).await;
    let (neighbour, _) = household_on_grid(&app, &w, "李奶奶", &w.grid_a).await;

    let (status, photo) = app.upload(&w.worker_a.token, "image", "IMG_0002.jpg", &fixtures::png(16, 16)).await;
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    let mut body_ = visit(&app, &household, Some("with-photo"));
    body_["media"] = json!([id(&photo)]);
    let (status, made) = record(&app, &w.worker_a, body_).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["media"][0]["id"], id(&photo).as_str());

    // The household sees that it was visited, and by whom — not what was noted.
    let (status, mine) = body(app.get_as(&visited.token, "/api/v1/me/household/visits").await).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{mine}");
    assert_eq!(items[0]["id"], made["id"]);
    assert_eq!(items[0]["visitor"]["display_name"], "worker-a");
    assert_eq!(items[0]["kind"], "routine");
    assert!(items[0].get("note").is_none() && items[0].get("met").is_none(), "{mine}");
    let (status, one) = body(app.get_as(&visited.token, &format!("/api/v1/visits/{}", id(&made))).await).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert!(one.get("note").is_none() && one["view"] == "resident", "{one}");

    // Another household: 404 on the visit, an empty list of its own.
    let (status, _) = body(app.get_as(&neighbour.token, &format!("/api/v1/visits/{}", id(&made))).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, theirs) = body(app.get_as(&neighbour.token, "/api/v1/me/household/visits").await).await;
    assert_eq!((status, theirs["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
    let nobody = app.resident("路人").await;
    let (status, none) = body(app.get_as(&nobody.token, "/api/v1/me/household/visits").await).await;
    assert_eq!((status, none["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "no household: empty");

    // The photo: the worker and the cadre fetch it, the other household cannot.
    let photo_path = format!("/api/v1/media/{}", id(&photo));
    assert_eq!(app.get_as(&w.worker_a.token, &photo_path).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&w.cadre_a.token, &photo_path).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&neighbour.token, &photo_path).await.status(), StatusCode::NOT_FOUND);

    // A photo attached once is not attached again.
    let mut again = visit(&app, &household, None);
    again["media"] = json!([id(&photo)]);
    assert_invalid_field(record_raw(&app, &w.worker_a, again).await, "media").await;
}

#[tokio::test]
async fn each_invalid_field_is_refused_and_nothing_is_stored() {
    let app = visits_app().await;
    let w = app.world().await;
    let households = app.seed_households(&w.village_a, Some(&w.grid_a), 1).await;
    let household = households[0].0.clone();
    let good = visit(&app, &household, None);
    let cases: Vec<(&str, Value)> = vec![
        ("household_id", json!("not-an-id")),
        ("kind", json!("chat")),
        ("met", json!("   ")),
        ("met", json!("王".repeat(65))),
        ("note", json!("记".repeat(501))),
        ("info_items", json!(101)),
        ("info_items", json!(-1)),
        ("visited_at", json!("yesterday")),
        ("visited_at", json!((app.clock.now() + chrono::Duration::minutes(11)).to_rfc3339())),
        ("visited_at", json!((app.clock.now() - chrono::Duration::days(61)).to_rfc3339())),
        ("client_id", json!("has space")),
        ("client_id", json!("x".repeat(65))),
        ("lat", json!(91.0)),
        ("media", json!([domain::new_id()])),
        ("media", json!((0..10).map(|_| domain::new_id()).collect::<Vec<_>>())),
    ];
    for (field, value) in cases {
        let mut bad = good.clone();
        bad[field] = value;
        if field == "lat" {
            bad["lng"] = json!(112.0);
        }
        assert_invalid_field(record_raw(&app, &w.worker_a, bad).await, field).await;
    }
    let mut half = good.clone();
    half["lat"] = json!(27.71);
    assert_invalid_field(record_raw(&app, &w.worker_a, half).await, "lng").await;
    let mut bad_case = good.clone();
    bad_case["case"] = json!({ "category": "road", "description": "短" });
    assert_invalid_field(record_raw(&app, &w.worker_a, bad_case).await, "case.description").await;
    assert_eq!(visits_in_db(&app).await, 0, "nothing stored");

    // The control: the same body unaltered is stored.
    let (status, made) = record(&app, &w.worker_a, good).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(visits_in_db(&app).await, 1);

    // A sync of none or of more than 50 is refused whole.
    let res = app.post(Some(&w.worker_a.token), "/api/v1/visits/sync", json!({ "visits": [] })).await;
    assert_invalid_field(res, "visits").await;
    let many: Vec<Value> = (0..51).map(|i| visit(&app, &household, Some(&format!("m{i}")))).collect();
    let res = app.post(Some(&w.worker_a.token), "/api/v1/visits/sync", json!({ "visits": many })).await;
    assert_invalid_field(res, "visits").await;
    assert_eq!(visits_in_db(&app).await, 1);
}
