//! Coverage of a prepared grid (37 of 40 households visited), care households due on the
//! working-day calendar, a unit's figures adding up, and who sees what: a township sees counts,
//! a village's cadre the names, another village nothing.

use chrono::{NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{body, spawn_app_with, Setup, TestApp};

/// Tokens that outlive the hours the tests move the clock by.
async fn coverage_app() -> TestApp {
    let env = [
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400"),
        ("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "100000"),
        ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "1000000"),
    ];
    spawn_app_with(Setup { env: env.map(|(k, v)| (k, v.to_owned())).to_vec(), ..Setup::default() }).await
}

/// A Beijing wall-clock time.
fn bj(y: i32, m: u32, d: u32, h: u32) -> chrono::DateTime<Utc> {
    domain::calendar::beijing().with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
}

/// One visit prepared by SQL: (household, visitor, info items, when).
struct Prepared<'a> {
    household: &'a str,
    visitor: &'a str,
    info_items: i32,
    at: chrono::DateTime<Utc>,
}

async fn prepare_visits(app: &TestApp, grid: &str, unit: &str, visits: &[Prepared<'_>]) {
    use infra::testing::schema::visits as v;
    let rows: Vec<(String, String, i32, NaiveDateTime)> =
        visits.iter().map(|p| (p.household.to_owned(), p.visitor.to_owned(), p.info_items, p.at.naive_utc())).collect();
    let (grid, unit) = (grid.to_owned(), unit.to_owned());
    app.state
        .db
        .run(move |conn| {
            infra::db::write_tx(conn, |conn| -> Result<(), infra::InfraError> {
                for (household, visitor, info, at) in &rows {
                    diesel::insert_into(v::table)
                        .values((
                            v::id.eq(domain::new_id()),
                            v::grid_id.eq(&grid),
                            v::org_unit_id.eq(&unit),
                            v::household_id.eq(household),
                            v::visitor_id.eq(visitor),
                            v::kind.eq("routine"),
                            v::met.eq("户主"),
                            v::note.eq("身体还好"),
                            v::info_items.eq(info),
                            v::visited_at.eq(at),
                            v::recorded_at.eq(at),
                        ))
                        .execute(conn)?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    body(app.get_as(token, path).await).await
}

async fn coverage(app: &TestApp, token: &str, grid: &str) -> (StatusCode, Value) {
    get(app, token, &format!("/api/v1/grids/{grid}/coverage")).await
}

async fn figures(app: &TestApp, token: &str, unit: &str) -> (StatusCode, Value) {
    get(app, token, &format!("/api/v1/grid-work/figures?org_unit_id={unit}")).await
}

async fn set_care(app: &TestApp, token: &str, household: &str, body: Value) -> (StatusCode, Value) {
    yishi_tests::body(app.put(token, &format!("/api/v1/households/{household}/care"), body).await).await
}

async fn cadre_of_b(app: &TestApp, w: &World) -> Account {
    let cadre_b = app.staff(&w.admin, "cadre-b", &w.village_b).await;
    let res = app.grant(&w.admin, &cadre_b.id, "village_cadre", "org_unit", &w.village_b).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    cadre_b
}

/// Grid A with 40 households, 37 visited in March 2027 by two workers; one of the other three
/// visited in January only. Wednesday 17 March 2027, 10:00 Beijing.
struct Prepared40 {
    households: Vec<(String, String)>,
    worker_b: Account,
}

async fn prepared_grid(app: &TestApp, w: &World) -> Prepared40 {
    let households = app.seed_households(&w.village_a, Some(&w.grid_a), 40).await;
    let worker_b = app.staff(&w.admin, "worker-a2", &w.village_a).await;
    let res = app.grant(&w.admin, &worker_b.id, "grid_worker", "grid", &w.grid_a).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let mut visits = Vec::new();
    for (i, (household, _)) in households.iter().enumerate().take(37) {
        let visitor = if i < 25 { &w.worker_a.id } else { &worker_b.id };
        let day = 1 + (i as u32 % 16);
        visits.push(Prepared { household, visitor, info_items: (i % 3) as i32, at: bj(2027, 3, day, 10) });
        if i < 5 {
            visits.push(Prepared { household, visitor, info_items: 1, at: bj(2027, 3, 16, 15) });
        }
    }
    // Household 37: seen in January only (outside the month, and more than 30 days ago).
    visits.push(Prepared {
        household: &households[37].0,
        visitor: &w.worker_a.id,
        info_items: 5,
        at: bj(2027, 1, 20, 9),
    });
    prepare_visits(app, &w.grid_a, &w.village_a, &visits).await;
    Prepared40 { households, worker_b }
}

#[tokio::test]
async fn coverage_of_a_prepared_grid_is_exact_and_named_only_for_the_village() {
    let app = coverage_app().await;
    app.clock.set(bj(2027, 3, 17, 10));
    let w = app.world().await;
    let p = prepared_grid(&app, &w).await;

    let (status, c) = coverage(&app, &w.cadre_a.token, &w.grid_a).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!((c["from"].as_str(), c["to"].as_str()), (Some("2027-03-01"), Some("2027-03-31")));
    assert_eq!(c["coverage"], json!({ "households": 40, "visited": 37, "rate": 0.925 }));
    // Worker A: 25 households, 30 visits, info Σ(i%3, i<25) plus one item on each of five second
    // visits; worker B: 12 households. January's five items are outside the month.
    let info_a: i64 = (0..25).map(|i| i % 3).sum::<i64>() + 5;
    let info_b: i64 = (25..37).map(|i| i % 3).sum();
    assert_eq!(c["visits"], 42);
    assert_eq!(c["info_items"], info_a + info_b);
    let visitors = c["visitors"].as_array().unwrap();
    assert_eq!(visitors.len(), 2);
    assert_eq!(visitors[0]["user_id"], w.worker_a.id.as_str());
    assert_eq!((visitors[0]["visits"].as_i64(), visitors[0]["households"].as_i64()), (Some(30), Some(25)));
    assert_eq!(visitors[0]["info_items"], info_a);
    assert_eq!(visitors[0]["display_name"], "worker-a");
    assert_eq!(visitors[1]["user_id"], p.worker_b.id.as_str());
    assert_eq!((visitors[1]["visits"].as_i64(), visitors[1]["households"].as_i64()), (Some(12), Some(12)));
    assert_eq!(visitors[1]["info_items"], info_b);
    // The three not visited for 30 days, exactly, in id order; one seen in January.
    let mut expected: Vec<&str> = p.households[37..].iter().map(|(h, _)| h.as_str()).collect();
    expected.sort_unstable();
    let stale = c["stale"].as_array().unwrap();
    assert_eq!(stale.iter().map(|s| s["household_id"].as_str().unwrap()).collect::<Vec<_>>(), expected);
    assert_eq!(c["stale_count"], 3);
    let january = stale.iter().find(|s| s["household_id"] == p.households[37].0.as_str()).unwrap();
    assert_eq!(january["last_visit"], "2027-01-20T01:00:00Z");
    assert_eq!(january["name"], "37号户");
    assert_eq!(stale.iter().filter(|s| s["last_visit"].is_null()).count(), 2);

    // A shorter stale threshold: visits before 10 March (Beijing) are stale too.
    let (_, short) = get(&app, &w.cadre_a.token, &format!("/api/v1/grids/{}/coverage?stale_days=8", w.grid_a)).await;
    let seen_recently = (0..37).filter(|i| i < &5 || 1 + (*i as u32 % 16) >= 10).count();
    assert_eq!(short["stale_count"], 40 - seen_recently as i64);
    // January alone: one household of 40, five information items.
    let path = format!("/api/v1/grids/{}/coverage?from=2027-01-01&to=2027-01-31", w.grid_a);
    let (_, jan) = get(&app, &w.cadre_a.token, &path).await;
    assert_eq!(
        (jan["coverage"]["visited"].as_i64(), jan["visits"].as_i64(), jan["info_items"].as_i64()),
        (Some(1), Some(1), Some(5))
    );
    // Invalid asks store nothing and say which field.
    for bad in ["stale_days=0", "stale_days=366", "from=2027-03-05&to=2027-03-01", "from=03-01"] {
        let res = app.get_as(&w.cadre_a.token, &format!("/api/v1/grids/{}/coverage?{bad}", w.grid_a)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    // The township officer: the same counts, no names.
    let (status, t) = coverage(&app, &w.officer.token, &w.grid_a).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!((t["coverage"].clone(), t["stale_count"].clone()), (c["coverage"].clone(), json!(3)));
    assert!(t["stale"].is_null() && t["care"].is_null(), "{t}");
    assert!(!t.to_string().contains("号户"), "no household names for a township: {t}");
    // The grid's worker sees the list.
    let (status, wk) = coverage(&app, &w.worker_a.token, &w.grid_a).await;
    assert_eq!((status, wk["stale"].as_array().map(Vec::len)), (StatusCode::OK, Some(3)));
}

#[tokio::test]
async fn figures_add_up_from_grids_to_villages_to_the_township() {
    let app = coverage_app().await;
    app.clock.set(bj(2027, 3, 17, 10));
    let w = app.world().await;
    let p = prepared_grid(&app, &w).await;
    // A second grid, in village B, with 10 households, 4 visited once each with 2 items.
    let boundary = json!({"type":"Polygon","coordinates":[[[112.05,27.70],[112.07,27.70],[112.07,27.72],[112.05,27.72],[112.05,27.70]]]});
    let grid = json!({ "org_unit_id": w.village_b, "level": "small", "name": "李家村一网格", "boundary": boundary });
    let (status, grid_b) = body(app.post(Some(&w.admin), "/api/v1/grids", grid).await).await;
    assert_eq!(status, StatusCode::CREATED, "{grid_b}");
    let grid_b = grid_b["id"].as_str().unwrap().to_owned();
    let b_households = app.seed_households(&w.village_b, Some(&grid_b), 10).await;
    let visits: Vec<Prepared> = b_households[..4]
        .iter()
        .map(|(h, _)| Prepared { household: h, visitor: &p.worker_b.id, info_items: 2, at: bj(2027, 3, 2, 9) })
        .collect();
    prepare_visits(&app, &grid_b, &w.village_b, &visits).await;
    // One care household on each grid; grid A's is overdue (household 16, last seen 1 March; 7 days).
    let (s1, _) = set_care(
        &app,
        &w.cadre_a.token,
        &p.households[16].0,
        json!({ "needs": ["elderly_alone"], "interval_days": 7 }),
    )
    .await;
    let cadre_b = cadre_of_b(&app, &w).await;
    let body_b = json!({ "needs": ["disabled", "left_behind_child"], "interval_days": 30, "working_days": true });
    let (s2, _) = set_care(&app, &cadre_b.token, &b_households[0].0, body_b).await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));

    let (status, f) = figures(&app, &w.officer.token, &w.township).await;
    assert_eq!(status, StatusCode::OK, "{f}");
    let grids = f["grids"].as_array().unwrap();
    assert_eq!(grids.len(), 2);
    let line = |list: &Value, id: &str| list.as_array().unwrap().iter().find(|l| l["id"] == id).cloned().unwrap();
    let a = line(&f["grids"], &w.grid_a)["figures"].clone();
    let b = line(&f["grids"], &grid_b)["figures"].clone();
    let info_a: i64 = (0..37).map(|i| i % 3).sum::<i64>() + 5; // five second visits, one item each
    assert_eq!(
        a,
        json!({ "visits": 42, "coverage": { "households": 40, "visited": 37, "rate": 0.925 }, "info_items": info_a, "care_households": 1, "care_overdue": 1 })
    );
    assert_eq!(
        b,
        json!({ "visits": 4, "coverage": { "households": 10, "visited": 4, "rate": 0.4 }, "info_items": 8, "care_households": 1, "care_overdue": 0 })
    );
    assert_eq!(line(&f["villages"], &w.village_a)["figures"], a);
    assert_eq!(line(&f["villages"], &w.village_b)["figures"], b);
    let sum = json!({ "visits": 46, "coverage": { "households": 50, "visited": 41, "rate": 0.82 }, "info_items": info_a + 8, "care_households": 2, "care_overdue": 1 });
    assert_eq!(line(&f["townships"], &w.township)["figures"], sum);
    assert_eq!(f["total"], sum);
    assert!(!f.to_string().contains("号户") && !f.to_string().contains("身体还好"), "no names, no notes: {f}");
    // The village's own figures: only its grid; the county's: the same total.
    let (_, v) = figures(&app, &w.cadre_a.token, &w.village_a).await;
    assert_eq!((v["grids"].as_array().map(Vec::len), v["total"].clone()), (Some(1), a));
    let (_, county) = figures(&app, &w.admin, &w.county).await;
    assert_eq!(county["total"], f["total"]);
}

#[tokio::test]
async fn a_care_household_is_overdue_after_its_working_days_not_counting_the_weekend() {
    let app = coverage_app().await;
    // Tuesday 16 March 2027, 09:00 Beijing.
    app.clock.set(bj(2027, 3, 16, 9));
    let w = app.world().await;
    let hh = app.seed_households(&w.village_a, Some(&w.grid_a), 3).await;
    let working = json!({ "needs": ["elderly_alone"], "interval_days": 3, "working_days": true });
    let calendar = json!({ "needs": ["left_behind_child"], "interval_days": 3, "working_days": false });
    for (household, care) in [(&hh[0].0, &working), (&hh[1].0, &calendar), (&hh[2].0, &working)] {
        let (status, view) = set_care(&app, &w.cadre_a.token, household, care.clone()).await;
        assert_eq!(status, StatusCode::OK, "{view}");
    }
    // Both first two seen on Thursday 11 March: working days Fri, Mon, Tue → due Tuesday 16;
    // calendar days → due Sunday 14. The third never visited since marked today: due Friday 19.
    let thursday = bj(2027, 3, 11, 10);
    let seen =
        [&hh[0].0, &hh[1].0].map(|h| Prepared { household: h, visitor: &w.worker_a.id, info_items: 0, at: thursday });
    prepare_visits(&app, &w.grid_a, &w.village_a, &seen).await;

    let due = |c: &Value, h: &str| {
        let line = c["care"].as_array().unwrap().iter().find(|l| l["household_id"] == h).cloned().unwrap();
        (line["due"].as_str().unwrap().to_owned(), line["overdue"].as_bool().unwrap())
    };
    let (status, c) = coverage(&app, &w.worker_a.token, &w.grid_a).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(due(&c, &hh[0].0), ("2027-03-16".to_owned(), false), "on its due day: not overdue");
    assert_eq!(due(&c, &hh[1].0), ("2027-03-14".to_owned(), true), "calendar days count the weekend");
    assert_eq!(due(&c, &hh[2].0), ("2027-03-19".to_owned(), false));
    assert_eq!((c["care_households"].as_i64(), c["care_overdue"].as_i64()), (Some(3), Some(1)));
    let line = c["care"].as_array().unwrap().iter().find(|l| l["household_id"] == hh[0].0.as_str()).cloned().unwrap();
    assert_eq!((line["needs"].clone(), line["interval_days"].clone()), (json!(["elderly_alone"]), json!(3)));
    assert_eq!(line["last_visit"], "2027-03-11T02:00:00Z");

    // The next working day, Wednesday 17 March 08:00 Beijing: overdue.
    app.clock.advance(chrono::Duration::hours(23));
    let (_, c) = coverage(&app, &w.worker_a.token, &w.grid_a).await;
    assert_eq!(due(&c, &hh[0].0), ("2027-03-16".to_owned(), true));
    assert!(!due(&c, &hh[2].0).1);
    assert_eq!(c["care_overdue"], 2);
    // The township: the counts without the needs.
    let (_, t) = coverage(&app, &w.officer.token, &w.grid_a).await;
    assert_eq!(
        (t["care_households"].as_i64(), t["care_overdue"].as_i64(), t["care"].is_null()),
        (Some(3), Some(2), true)
    );
    assert!(!t.to_string().contains("elderly_alone"));
    let (_, f) = figures(&app, &w.officer.token, &w.village_a).await;
    assert_eq!((f["total"]["care_households"].as_i64(), f["total"]["care_overdue"].as_i64()), (Some(3), Some(2)));
}

#[tokio::test]
async fn coverage_and_figures_stay_in_scope() {
    let app = coverage_app().await;
    app.clock.set(bj(2027, 3, 17, 10));
    let w = app.world().await;
    app.seed_households(&w.village_a, Some(&w.grid_a), 2).await;
    let cadre_b = cadre_of_b(&app, &w).await;
    let resident = app.member("zhang", &w.village_a, &w.cadre_a.token).await;

    // Another village's cadre: grid A does not exist for them; their own village does.
    assert_eq!(coverage(&app, &cadre_b.token, &w.grid_a).await.0, StatusCode::NOT_FOUND);
    assert_eq!(figures(&app, &cadre_b.token, &w.village_a).await.0, StatusCode::NOT_FOUND);
    assert_eq!(figures(&app, &cadre_b.token, &w.village_b).await.0, StatusCode::OK);
    // A resident of the village, no staff role: outside every scope, 404.
    assert_eq!(coverage(&app, &resident.token, &w.grid_a).await.0, StatusCode::NOT_FOUND);
    assert_eq!(figures(&app, &resident.token, &w.village_a).await.0, StatusCode::NOT_FOUND);
    assert_eq!(figures(&app, &resident.token, &w.township).await.0, StatusCode::NOT_FOUND);
    // The township officer: grid A's figures and the township's.
    assert_eq!(coverage(&app, &w.officer.token, &w.grid_a).await.0, StatusCode::OK);
    assert_eq!(figures(&app, &w.officer.token, &w.township).await.0, StatusCode::OK);
    // The grid's worker reaches grid A, not the village's figures (a grid grant covers the grid).
    assert_eq!(coverage(&app, &w.worker_a.token, &w.grid_a).await.0, StatusCode::OK);
    assert_eq!(figures(&app, &w.worker_a.token, &w.village_a).await.0, StatusCode::NOT_FOUND);
    // An unknown grid or unit, and a malformed id: 404.
    let unknown = domain::new_id();
    assert_eq!(coverage(&app, &w.cadre_a.token, &unknown).await.0, StatusCode::NOT_FOUND);
    assert_eq!(figures(&app, &w.cadre_a.token, &unknown).await.0, StatusCode::NOT_FOUND);
    assert_eq!(figures(&app, &w.cadre_a.token, "nope").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn care_flags_are_set_by_the_village_not_the_worker_and_never_across_villages() {
    let app = coverage_app().await;
    app.clock.set(bj(2027, 3, 17, 10));
    let w = app.world().await;
    let hh = app.seed_households(&w.village_a, Some(&w.grid_a), 1).await;
    let household = hh[0].0.clone();
    let cadre_b = cadre_of_b(&app, &w).await;
    let good = json!({ "needs": ["elderly_alone", "disabled"], "interval_days": 7 });

    let (status, view) = set_care(&app, &w.cadre_a.token, &household, good.clone()).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["needs"], json!(["elderly_alone", "disabled"]));
    assert_eq!((view["interval_days"].as_i64(), view["working_days"].as_bool()), (Some(7), Some(false)));
    assert_eq!(set_care(&app, &w.worker_a.token, &household, good.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(set_care(&app, &cadre_b.token, &household, good.clone()).await.0, StatusCode::NOT_FOUND);
    for (bad, field) in [
        (json!({ "needs": ["elderly_alone"], "interval_days": 0 }), "interval_days"),
        (json!({ "needs": ["elderly_alone"], "interval_days": 91, "working_days": true }), "interval_days"),
        (json!({ "needs": [], "interval_days": 7 }), "needs"),
    ] {
        let res = app.put(&w.cadre_a.token, &format!("/api/v1/households/{household}/care"), bad).await;
        yishi_tests::assert_invalid_field(res, field).await;
    }
    // Changed once more by the cadre: one row, the new interval; two audit entries.
    let (status, again) = set_care(
        &app,
        &w.cadre_a.token,
        &household,
        json!({ "needs": ["disabled"], "interval_days": 14, "working_days": true }),
    )
    .await;
    assert_eq!((status, again["interval_days"].as_i64()), (StatusCode::OK, Some(14)));
    let (rows, audits) = count_care(&app, &household).await;
    assert_eq!((rows, audits), (1, 2));

    // Unmarking: the worker may not, another village's cadre sees nothing, the cadre may.
    let path = format!("/api/v1/households/{household}/care");
    let delete = |token: &str| app.client.delete(app.url(&path)).bearer_auth(token.to_owned()).send();
    assert_eq!(delete(&w.worker_a.token).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(delete(&cadre_b.token).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(delete(&w.cadre_a.token).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(delete(&w.cadre_a.token).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(count_care(&app, &household).await, (0, 3));
    let (_, c) = coverage(&app, &w.cadre_a.token, &w.grid_a).await;
    assert_eq!(c["care_households"], 0);
}

/// Care rows of a household and the audit entries about its care.
async fn count_care(app: &TestApp, household: &str) -> (i64, i64) {
    use infra::testing::schema::{audit_log as a, care_households as ch};
    let household = household.to_owned();
    app.state
        .db
        .run(move |conn| -> Result<(i64, i64), infra::InfraError> {
            let rows = ch::table.filter(ch::household_id.eq(&household)).count().get_result(conn)?;
            let audits = a::table
                .filter(a::object_id.eq(&household))
                .filter(a::action.like("care.%"))
                .count()
                .get_result(conn)?;
            Ok((rows, audits))
        })
        .await
        .unwrap()
}

/// Households moved to another grid of the village after their visits: each grid's figures say
/// what its own coverage says (a household counts once, on the grid whose roster holds it), the
/// work stays with the grid it was done on, and a past month is judged as it stood at its end.
#[tokio::test]
async fn figures_and_coverage_agree_when_households_move_between_grids() {
    let app = coverage_app().await;
    app.clock.set(bj(2027, 3, 17, 10));
    let w = app.world().await;
    let households = app.seed_households(&w.village_a, Some(&w.grid_a), 4).await;
    let visits: Vec<Prepared> = households
        .iter()
        .map(|(h, _)| Prepared { household: h, visitor: &w.worker_a.id, info_items: 1, at: bj(2027, 3, 2, 9) })
        .collect();
    prepare_visits(&app, &w.grid_a, &w.village_a, &visits).await;
    let boundary = json!({"type":"Polygon","coordinates":[[[112.02,27.70],[112.04,27.70],[112.04,27.72],[112.02,27.72],[112.02,27.70]]]});
    let grid = json!({ "org_unit_id": w.village_a, "level": "small", "name": "杨家村二网格", "boundary": boundary });
    let (status, second) = body(app.post(Some(&w.admin), "/api/v1/grids", grid).await).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let second = second["id"].as_str().unwrap().to_owned();
    let moved = json!({ "household_ids": [households[2].0, households[3].0] });
    let (status, _) =
        body(app.post(Some(&w.cadre_a.token), &format!("/api/v1/grids/{second}/households"), moved).await).await;
    assert_eq!(status, StatusCode::OK);

    let (_, f) = figures(&app, &w.cadre_a.token, &w.village_a).await;
    let line = |id: &str| f["grids"].as_array().unwrap().iter().find(|l| l["id"] == id).cloned().unwrap();
    for grid in [&w.grid_a, &second] {
        let (status, c) = coverage(&app, &w.cadre_a.token, grid).await;
        assert_eq!(status, StatusCode::OK, "{c}");
        assert_eq!(line(grid)["figures"]["coverage"], c["coverage"], "grid {grid}: {f} against {c}");
        assert_eq!(c["coverage"]["households"], 2);
        assert_eq!(c["coverage"]["visited"], 2);
    }
    assert_eq!(
        (line(&w.grid_a)["figures"]["visits"].clone(), line(&second)["figures"]["visits"].clone()),
        (json!(4), json!(0))
    );
    assert_eq!(
        f["total"]["coverage"],
        json!({ "households": 4, "visited": 4, "rate": 1.0 }),
        "no household twice: {f}"
    );

    // February, read in March: nobody was visited then, and nothing after it counts.
    let feb = format!("/api/v1/grids/{}/coverage?from=2027-02-01&to=2027-02-28&stale_days=30", w.grid_a);
    let (status, c) = get(&app, &w.cadre_a.token, &feb).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!((c["coverage"]["visited"].clone(), c["stale_count"].clone()), (json!(0), json!(2)), "{c}");
    // Years a calendar does not know are a bad request, not a server error.
    let far = format!("/api/v1/grids/{}/coverage?from=2999-01-01&to=2999-01-02", w.grid_a);
    let (status, e) = get(&app, &w.cadre_a.token, &far).await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("from")),
        "{e}"
    );
}
