//! Grid upkeep and "find my grid": re-drawing a grid moves new reports, not old cases; the unified
//! code is unique; staff terms (专职/兼职); the contact a worker publishes, masked unless chosen
//! otherwise; the grid's WeChat group; a resident finding their grid — with the denials.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{assert_invalid_field, body, id, spawn_app, TestApp};

/// Inside grid A (a square 27.70–27.72, 111.99–112.01, GCJ-02).
const P: (f64, f64) = (27.7105, 112.0005);
const LAMP: &str = "村口的路灯坏了，晚上很黑，老人走路不安全";
const WORKER_PHONE: &str = "13812345678";
const LEADER_WECHAT: &str = "lead_wx_2026";

fn square(lng: (f64, f64), lat: (f64, f64)) -> Value {
    json!({ "type": "Polygon", "coordinates": [[[lng.0, lat.0], [lng.1, lat.0], [lng.1, lat.1], [lng.0, lat.1], [lng.0, lat.0]]] })
}

async fn patch(app: &TestApp, token: &str, path: &str, payload: Value) -> (StatusCode, Value) {
    let res = app.client.patch(app.url(path)).bearer_auth(token).json(&payload).send().await;
    body(res.unwrap_or_else(|e| panic!("PATCH {path}: {e}"))).await
}

async fn put(app: &TestApp, token: &str, path: &str, payload: Value) -> (StatusCode, Value) {
    body(app.put(token, path, payload).await).await
}

/// Staff serving in `unit` holding `role` on `kind`/`scope`.
async fn staff_with(app: &TestApp, w: &World, name: &str, unit: &str, role: &str, kind: &str, scope: &str) -> Account {
    let who = app.staff(&w.admin, name, unit).await;
    let res = app.grant(&w.admin, &who.id, role, kind, scope).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{role}");
    who
}

async fn draw(app: &TestApp, w: &World, unit: &str, level: &str, name: &str, boundary: Value) -> (StatusCode, Value) {
    let grid = json!({ "org_unit_id": unit, "level": level, "name": name, "boundary": boundary });
    body(app.post(Some(&w.admin), "/api/v1/grids", grid).await).await
}

async fn grid_row(app: &TestApp, grid: &str) -> (String, Option<String>, String) {
    let grid = grid.to_owned();
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::grids::dsl as g;
            Ok::<_, infra::InfraError>(
                g::grids.filter(g::id.eq(grid)).select((g::name, g::code, g::boundary)).first(conn)?,
            )
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn redrawing_a_grid_moves_new_reports_not_old_cases() {
    let app = spawn_app().await;
    let w = app.world().await;
    // A middle grid of village A holding P too: P goes to the small grid A while it holds P.
    let (status, wide) =
        draw(&app, &w, &w.village_a, "middle", "杨家村大网格", square((111.98, 112.03), (27.69, 27.73))).await;
    assert_eq!(status, StatusCode::CREATED, "{wide}");
    let wide = id(&wide);
    let reporter = app.villager(&w.village_a, &w.cadre_a.token, "zhou", "13900001111").await;
    let at_p = json!({ "category": "road", "description": LAMP, "lat": P.0, "lng": P.1 });
    let (status, old) = body(app.post(Some(&reporter.token), "/api/v1/cases", at_p.clone()).await).await;
    assert_eq!(status, StatusCode::CREATED, "{old}");
    assert_eq!(old["grid_id"].as_str(), Some(w.grid_a.as_str()));

    // Re-drawn west of P.
    let redrawn = square((111.99, 112.0), (27.70, 27.72));
    let (status, grid) =
        patch(&app, &w.admin, &format!("/api/v1/grids/{}", w.grid_a), json!({ "boundary": redrawn.clone() })).await;
    assert_eq!(status, StatusCode::OK, "{grid}");
    assert_eq!(grid["boundary"], redrawn);
    assert_eq!(grid["id"].as_str(), Some(w.grid_a.as_str()));
    let (_, _, stored) = grid_row(&app, &w.grid_a).await;
    assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), redrawn);
    let grid_a = w.grid_a.clone();
    let (min_lng, max_lng, updated): (f64, f64, Option<chrono::NaiveDateTime>) = app
        .state
        .db
        .run(move |conn| {
            use infra::testing::schema::grids::dsl as g;
            Ok::<_, infra::InfraError>(
                g::grids.filter(g::id.eq(grid_a)).select((g::min_lng, g::max_lng, g::updated_at)).first(conn)?,
            )
        })
        .await
        .unwrap();
    assert_eq!((min_lng, max_lng), (111.99, 112.0), "the bounding box follows the boundary");
    assert!(updated.is_some());

    // The old case keeps grid A, over HTTP and in its row.
    let (status, seen) = body(app.get_as(&reporter.token, &format!("/api/v1/cases/{}", id(&old))).await).await;
    assert_eq!((status, seen["grid_id"].as_str()), (StatusCode::OK, Some(w.grid_a.as_str())), "{seen}");
    let old_id = id(&old);
    let stored_grid: Option<String> = app
        .state
        .db
        .run(move |conn| {
            use infra::testing::schema::cases::dsl as c;
            Ok::<_, infra::InfraError>(c::cases.filter(c::id.eq(old_id)).select(c::grid_id).first(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(stored_grid.as_deref(), Some(w.grid_a.as_str()));

    // A new report at P follows the new boundary; locating P agrees.
    let (status, new) = body(app.post(Some(&reporter.token), "/api/v1/cases", at_p).await).await;
    assert_eq!(status, StatusCode::CREATED, "{new}");
    assert_eq!(new["grid_id"].as_str(), Some(wide.as_str()));
    let (status, card) =
        body(app.get_as(&reporter.token, &format!("/api/v1/grids/locate?lat={}&lng={}", P.0, P.1)).await).await;
    assert_eq!((status, card["id"].as_str()), (StatusCode::OK, Some(wide.as_str())));
    let audited: i64 = app
        .state
        .db
        .run(|conn| {
            use infra::testing::schema::audit_log::dsl as a;
            Ok::<_, infra::InfraError>(a::audit_log.filter(a::action.eq("grid_changed")).count().get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_grid_code_is_unique_whatever_its_case() {
    let app = spawn_app().await;
    let w = app.world().await;
    let path = format!("/api/v1/grids/{}", w.grid_a);
    let (status, grid) = patch(&app, &w.admin, &path, json!({ "code": "ly-ys-yj-01", "name": "杨家村第一网格" })).await;
    assert_eq!(status, StatusCode::OK, "{grid}");
    assert_eq!((grid["code"].as_str(), grid["name"].as_str()), (Some("LY-YS-YJ-01"), Some("杨家村第一网格")));

    // A second grid with the first's code, in other letters' case: 409 on code.
    let boundary = square((112.02, 112.04), (27.72, 27.74));
    let taken = json!({ "org_unit_id": w.village_a, "level": "small", "name": "二网格", "code": "Ly-Ys-Yj-01", "boundary": boundary });
    let (status, e) = body(app.post(Some(&w.admin), "/api/v1/grids", taken).await).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::CONFLICT, Some("code")), "{e}");
    let (status, second) = draw(&app, &w, &w.village_a, "small", "二网格", boundary).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let second_path = format!("/api/v1/grids/{}", id(&second));
    let before = grid_row(&app, &id(&second)).await;

    // PATCH to a taken code: 409, nothing changed (the name asked with it neither).
    let (status, e) = patch(&app, &w.admin, &second_path, json!({ "code": "ly-ys-yj-01", "name": "改名" })).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::CONFLICT, Some("code")), "{e}");
    assert_eq!(grid_row(&app, &id(&second)).await, before);

    // A bad code or boundary: 422 on the field, nothing changed.
    let res = app.client.patch(app.url(&second_path)).bearer_auth(&w.admin).json(&json!({ "code": "x" })).send().await;
    assert_invalid_field(res.unwrap(), "code").await;
    let point = json!({ "boundary": { "type": "Point", "coordinates": [112.0, 27.7] } });
    let res = app.client.patch(app.url(&second_path)).bearer_auth(&w.admin).json(&point).send().await;
    assert_invalid_field(res.unwrap(), "boundary").await;
    assert_eq!(grid_row(&app, &id(&second)).await, before);
    // Its own code again is no clash.
    let (status, _) = patch(&app, &w.admin, &path, json!({ "code": "LY-YS-YJ-01" })).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn changing_a_grid_is_for_administrators_over_it() {
    let app = spawn_app().await;
    let w = app.world().await;
    let path = format!("/api/v1/grids/{}", w.grid_a);
    let rename = json!({ "name": "改名网格" });
    let (status, _) = patch(&app, &w.cadre_a.token, &path, rename.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a cadre in scope without ManageOrg");
    let cadre_b = staff_with(&app, &w, "cadre-b", &w.village_b, "village_cadre", "org_unit", &w.village_b).await;
    let (status, _) = patch(&app, &cadre_b.token, &path, rename.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another village's cadre");
    let other_county = app.unit(&w.admin, None, "county", "双峰县").await;
    let admin_elsewhere =
        staff_with(&app, &w, "county-b", &other_county, "county_admin", "org_unit", &other_county).await;
    let (status, _) = patch(&app, &admin_elsewhere.token, &path, rename.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another county's administrator");
    assert_eq!(grid_row(&app, &w.grid_a).await.0, "杨家村一网格", "nothing changed");
    let county_admin = staff_with(&app, &w, "county-a", &w.county, "county_admin", "org_unit", &w.county).await;
    let (status, grid) = patch(&app, &county_admin.token, &path, rename).await;
    assert_eq!((status, grid["name"].as_str()), (StatusCode::OK, Some("改名网格")), "{grid}");
}

#[tokio::test]
async fn staff_terms_are_set_by_officers_over_the_grid() {
    let app = spawn_app().await;
    let w = app.world().await;
    let terms = |user: &str| format!("/api/v1/grids/{}/staff/{user}", w.grid_a);
    let full = json!({ "employment": "full_time" });
    let (status, member) = put(&app, &w.cadre_a.token, &terms(&w.worker_a.id), full.clone()).await;
    assert_eq!(status, StatusCode::OK, "{member}");
    assert_eq!((member["employment"].as_str(), member["role"].as_str()), (Some("full_time"), Some("grid_worker")));

    let (status, _) = put(&app, &w.worker_a.token, &terms(&w.worker_a.id), json!({ "employment": "part_time" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a worker does not set their own terms");
    let cadre_b = staff_with(&app, &w, "cadre-b", &w.village_b, "village_cadre", "org_unit", &w.village_b).await;
    let (status, _) = put(&app, &cadre_b.token, &terms(&w.worker_a.id), full.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another village's cadre");
    let stranger = app.staff(&w.admin, "no-grant", &w.village_a).await;
    let res = app.put(&w.cadre_a.token, &terms(&stranger.id), full.clone()).await;
    assert_invalid_field(res, "user_id").await;
    let res = app.put(&w.cadre_a.token, &terms(&w.worker_a.id), json!({ "employment": "casual" })).await;
    assert_invalid_field(res, "employment").await;
    // A volunteer under the grid is staff too; terms not set yet count in neither.
    let helper = app.member("helper", &w.village_a, &w.cadre_a.token).await;
    let res = app.grant(&w.admin, &helper.id, "volunteer", "grid", &w.grid_a).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let staff_path = format!("/api/v1/grids/{}/staff", w.grid_a);
    let (status, list) = body(app.get_as(&w.officer.token, &staff_path).await).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!((list["full_time"].as_u64(), list["part_time"].as_u64()), (Some(1), Some(0)), "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    let worker = items.iter().find(|s| s["user_id"] == w.worker_a.id.as_str()).unwrap();
    assert_eq!(worker["employment"].as_str(), Some("full_time"));
    let volunteer = items.iter().find(|s| s["user_id"] == helper.id.as_str()).unwrap();
    assert_eq!((volunteer["role"].as_str(), &volunteer["employment"]), (Some("volunteer"), &Value::Null));
    assert_eq!(app.get_as(&cadre_b.token, &staff_path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&helper.token, &staff_path).await.status(), StatusCode::FORBIDDEN);
    let (status, _) = body(app.get_as(&w.worker_a.token, &staff_path).await).await;
    assert_eq!(status, StatusCode::OK);
    let stored: Vec<(String, Option<String>)> = app
        .state
        .db
        .run(|conn| {
            use infra::testing::schema::grid_staff::dsl as s;
            Ok::<_, infra::InfraError>(s::grid_staff.select((s::user_id, s::employment)).load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(stored, vec![(w.worker_a.id.clone(), Some("full_time".to_owned()))]);
}

#[tokio::test]
async fn a_resident_finds_their_grid_its_people_and_its_group() {
    let app = spawn_app().await;
    let w = app.world().await;
    let leader = staff_with(&app, &w, "leader-a", &w.village_a, "grid_leader", "grid", &w.grid_a).await;
    let contact = format!("/api/v1/grids/{}/contact", w.grid_a);
    let (status, shown) = put(&app, &w.worker_a.token, &contact, json!({ "contact": WORKER_PHONE })).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["contact"].as_str(), Some("138****5678"));
    let (status, _) = put(&app, &leader.token, &contact, json!({ "contact": LEADER_WECHAT, "unmasked": true })).await;
    assert_eq!(status, StatusCode::OK);
    // Publishing is for the grid's own worker or leader.
    let (status, _) = put(&app, &w.cadre_a.token, &contact, json!({ "contact": "13900000000" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let cadre_b = staff_with(&app, &w, "cadre-b", &w.village_b, "village_cadre", "org_unit", &w.village_b).await;
    let (status, _) = put(&app, &cadre_b.token, &contact, json!({ "contact": "13900000000" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = app.put(&w.worker_a.token, &contact, json!({ "contact": "has space" })).await;
    assert_invalid_field(res, "contact").await;

    // The group: a link and a QR image the worker uploaded.
    let resident = app.villager(&w.village_a, &w.cadre_a.token, "qian", "13700007777").await;
    let png = infra::media::fixtures::png(16, 16);
    let (status, qr) = app.upload(&w.worker_a.token, "image", "group.png", &png).await;
    assert_eq!(status, StatusCode::CREATED, "{qr}");
    let qr_path = format!("/api/v1/media/{}", id(&qr));
    assert_eq!(app.get_as(&resident.token, &qr_path).await.status(), StatusCode::NOT_FOUND, "not yet a group's");
    let group = format!("/api/v1/grids/{}/group", w.grid_a);
    let link = "https://weixin.qq.com/g/yangjia-1";
    let (_, theirs) = app.upload(&resident.token, "image", "mine.png", &png).await;
    let res = app.put(&w.worker_a.token, &group, json!({ "link": link, "qr_media_id": id(&theirs) })).await;
    assert_invalid_field(res, "qr_media_id").await;
    let res = app.put(&w.worker_a.token, &group, json!({ "link": "http://weixin.qq.com/g/x" })).await;
    assert_invalid_field(res, "link").await;
    let (status, _) = put(&app, &resident.token, &group, json!({ "link": link })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a resident arranges no group");
    let (status, set) = put(&app, &w.worker_a.token, &group, json!({ "link": link, "qr_media_id": id(&qr) })).await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["qr_url"].as_str(), Some(qr_path.as_str()));

    // Locating a point in grid A.
    let res = app.get_as(&resident.token, &format!("/api/v1/grids/locate?lat={}&lng={}", P.0, P.1)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    let card: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(card["id"].as_str(), Some(w.grid_a.as_str()));
    assert_eq!(card["workers"], json!([{ "display_name": "worker-a", "employment": null, "contact": "138****5678" }]));
    assert_eq!(card["leaders"], json!([{ "display_name": "leader-a", "employment": null, "contact": LEADER_WECHAT }]));
    assert_eq!(card["group"], json!({ "link": link, "qr_url": qr_path }));
    for secret in [w.worker_a.id.as_str(), leader.id.as_str(), WORKER_PHONE] {
        assert!(!text.contains(secret), "the card shows no user id or raw phone: {text}");
    }
    assert_eq!(app.get_as(&resident.token, &qr_path).await.status(), StatusCode::OK, "the group's QR image");

    // Their own grid: none until the household is put on grid A's roster.
    assert_eq!(app.get_as(&resident.token, "/api/v1/me/grid").await.status(), StatusCode::NOT_FOUND);
    let member = resident.id.clone();
    let household: String = app
        .state
        .db
        .run(move |conn| {
            use infra::testing::schema::household_members::dsl as m;
            Ok::<_, infra::InfraError>(
                m::household_members.filter(m::user_id.eq(member)).select(m::household_id).first(conn)?,
            )
        })
        .await
        .unwrap();
    let roster = format!("/api/v1/grids/{}/households", w.grid_a);
    // A household named twice is a bad request, not an unknown one; nothing moves.
    let twice = json!({ "household_ids": [household, household] });
    yishi_tests::assert_invalid_field(app.post(Some(&w.cadre_a.token), &roster, twice).await, "household_ids").await;
    assert_eq!(app.get_as(&resident.token, "/api/v1/me/grid").await.status(), StatusCode::NOT_FOUND);
    let res = app.post(Some(&w.cadre_a.token), &roster, json!({ "household_ids": [household] })).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.get_as(&resident.token, "/api/v1/me/grid").await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    let mine: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(mine, card, "the same card");
    assert!(!text.contains(WORKER_PHONE) && !text.contains(w.worker_a.id.as_str()));

    // Withdrawn: the worker shows no contact; the audit names none.
    let (status, _) = put(&app, &w.worker_a.token, &contact, json!({ "contact": null })).await;
    assert_eq!(status, StatusCode::OK);
    let (_, card) = body(app.get_as(&resident.token, "/api/v1/me/grid").await).await;
    assert_eq!(card["workers"][0]["contact"], Value::Null);
    let details: Vec<String> = app
        .state
        .db
        .run(|conn| {
            use infra::testing::schema::audit_log::dsl as a;
            Ok::<_, infra::InfraError>(
                a::audit_log.filter(a::action.eq("grid_contact_set")).select(a::details).load(conn)?,
            )
        })
        .await
        .unwrap();
    assert_eq!(details.len(), 3);
    assert!(details.iter().all(|d| !d.contains(WORKER_PHONE) && !d.contains(LEADER_WECHAT)));
}
