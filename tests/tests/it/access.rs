//! Who may see and do what, as residents, staff and an attacker try it: grids that nest, the
//! reporter's identity, the civic roles, staff administration inside one's scope, and the exact
//! location of residents' reports. Each test has its positive control beside the denial.

use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{body, id};
use yishi_tests::{spawn_app, TestApp};

/// Inside grid A (a square 27.70–27.72, 111.99–112.01, GCJ-02); about 59 m from the point it
/// coarsens to (27.710, 112.000).
const P: (f64, f64) = (27.7104, 112.0004);
/// Inside the group grid made by `nested_grids` (27.73–27.74), outside grid A.
const Q: (f64, f64) = (27.7352, 112.0051);
const LAMP: &str = "村口的路灯坏了，晚上很黑，老人走路不安全";

fn square(lat0: f64, lat1: f64, lng0: f64, lng1: f64) -> Value {
    json!({"type":"Polygon","coordinates":[[[lng0,lat0],[lng1,lat0],[lng1,lat1],[lng0,lat1],[lng0,lat0]]]})
}

async fn report(app: &TestApp, who: &Account, body_json: Value) -> Value {
    let (status, case) = body(app.post(Some(&who.token), "/api/v1/cases", body_json).await).await;
    assert_eq!(status, StatusCode::CREATED, "report: {case}");
    case
}

async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
    let (_, page) = body(app.get_as(token, "/api/v1/me/notifications?limit=100").await).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn granted(app: &TestApp, by: &str, user: &str, role: &str, kind: &str, scope: &str) {
    let (status, grant) = body(app.grant(by, user, role, kind, scope).await).await;
    assert_eq!(status, StatusCode::CREATED, "grant {role}: {grant}");
}

/// Village A's big grid holding grid A and a group's small grid: (big grid, group grid).
async fn nested_grids(app: &TestApp, w: &World) -> (String, String) {
    let group = app.unit(&w.admin, Some(&w.village_a), "group", "杨家村一组").await;
    let grid = |unit: &str, level: &str, name: &str, boundary: Value| json!({ "org_unit_id": unit, "level": level, "name": name, "boundary": boundary });
    let (status, big) = body(
        app.post(
            Some(&w.admin),
            "/api/v1/grids",
            grid(&w.village_a, "big", "杨家村网格", square(27.69, 27.75, 111.98, 112.02)),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{big}");
    let (status, small) = body(
        app.post(
            Some(&w.admin),
            "/api/v1/grids",
            grid(&group, "small", "杨家村一组网格", square(27.73, 27.74, 112.00, 112.01)),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{small}");
    (id(&big), id(&small))
}

/// Item 3: a grant on a grid covers the grids inside it — for reading, handling and notices.
#[tokio::test]
async fn a_grid_leader_reads_handles_and_hears_of_the_grids_inside_theirs() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (big, group_grid) = nested_grids(&app, &w).await;
    let leader = app.staff(&w.admin, "leader-a", &w.village_a).await;
    granted(&app, &w.admin, &leader.id, "grid_leader", "grid", &big).await;
    let reporter = app.villager(&w.village_a, &w.cadre_a.token, "zhao", "13900002222").await;

    let case =
        report(&app, &reporter, json!({ "category": "road", "description": LAMP, "lat": Q.0, "lng": Q.1 })).await;
    let case_id = id(&case);
    assert_eq!(case["grid_id"].as_str(), Some(group_grid.as_str()), "routed to the smallest grid");

    // Told, like the small grid's own workers would be.
    let notices = inbox(&app, &leader.token).await;
    assert!(
        notices.iter().any(|n| n["kind"] == "case_assigned" && n["data"]["case_id"] == case_id.as_str()),
        "the leader of the holding grid is told: {notices:?}"
    );
    // Reads it, alone and in the big grid's list, and handles it.
    let path = format!("/api/v1/cases/{case_id}");
    assert_eq!(app.get_as(&leader.token, &path).await.status(), StatusCode::OK);
    let (status, page) = body(app.get_as(&leader.token, &format!("/api/v1/cases?grid_id={big}")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page["items"].as_array().unwrap().iter().any(|c| c["id"] == case_id.as_str()), "{page}");
    let (status, mine) = body(app.get_as(&leader.token, "/api/v1/cases").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(mine["items"].as_array().unwrap().iter().any(|c| c["id"] == case_id.as_str()), "widest scope: {mine}");
    let (status, accepted) = body(app.post(Some(&leader.token), &format!("{path}/accept"), json!({})).await).await;
    assert_eq!((status, accepted["status"].as_str()), (StatusCode::OK, Some("accepted")));

    // Sideways stays closed: grid A's worker (a sibling small grid) neither reads nor hears of it.
    assert_eq!(app.get_as(&w.worker_a.token, &path).await.status(), StatusCode::NOT_FOUND);
    assert!(inbox(&app, &w.worker_a.token).await.iter().all(|n| n["data"]["case_id"] != case_id.as_str()));
    // And nesting does not run upwards: the small grid's leader does not reach grid A.
    let small_leader = app.staff(&w.admin, "leader-g1", &w.village_a).await;
    granted(&app, &w.admin, &small_leader.id, "grid_leader", "grid", &group_grid).await;
    let in_a =
        report(&app, &reporter, json!({ "category": "road", "description": LAMP, "lat": P.0, "lng": P.1 })).await;
    assert_eq!(in_a["grid_id"].as_str(), Some(w.grid_a.as_str()));
    assert_eq!(
        app.get_as(&small_leader.token, &format!("/api/v1/cases/{}", id(&in_a))).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get_as(&leader.token, &format!("/api/v1/cases/{}", id(&in_a))).await.status(), StatusCode::OK);
}

/// Item 4: who reported is shown to the reporter and staff in scope; never to a volunteer, a
/// supervisor or another resident, in the case, its timeline or a list.
#[tokio::test]
async fn only_the_reporter_and_staff_in_scope_see_who_reported() {
    let app = spawn_app().await;
    let w = app.world().await;
    let reporter = app.villager(&w.village_a, &w.cadre_a.token, "qian", "13900003333").await;
    let volunteer = app.villager(&w.village_a, &w.cadre_a.token, "sun", "13900004444").await;
    granted(&app, &w.admin, &volunteer.id, "volunteer", "grid", &w.grid_a).await;
    let supervisor = app.villager(&w.village_a, &w.cadre_a.token, "li", "13900005555").await;
    granted(&app, &w.admin, &supervisor.id, "supervisor", "org_unit", &w.village_a).await;

    let case = report(
        &app,
        &reporter,
        json!({ "category": "road", "description": LAMP, "lat": P.0, "lng": P.1, "public": false }),
    )
    .await;
    let path = format!("/api/v1/cases/{}", id(&case));

    // Positive control: the grid worker and the reporter see the name and masked phone.
    for who in [&w.worker_a.token, &reporter.token] {
        let (status, seen) = body(app.get_as(who, &path).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(seen["reporter"]["phone_masked"], "139****3333", "{seen}");
        assert_eq!(seen["timeline"][0]["actor"]["id"], reporter.id.as_str());
    }
    // The volunteer and the supervisor read the private case, but not who reported it.
    for who in [&volunteer, &supervisor] {
        let (status, seen) = body(app.get_as(&who.token, &path).await).await;
        assert_eq!(status, StatusCode::OK, "{seen}");
        assert!(seen["reporter"].is_null(), "{seen}");
        assert!(seen["timeline"][0]["actor"].is_null(), "{seen}");
        let text = seen.to_string();
        assert!(!text.contains(&reporter.id) && !text.contains("3333"), "no trace of the reporter: {text}");
    }
    let (status, page) = body(app.get_as(&volunteer.token, &format!("/api/v1/cases?grid_id={}", w.grid_a)).await).await;
    assert_eq!(status, StatusCode::OK);
    let listed = page["items"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{page}");
    assert!(listed[0]["reporter"].is_null() && !page.to_string().contains(&reporter.id), "{page}");
    // The volunteer may not reveal the phone either.
    let (status, _) = body(
        app.post(Some(&volunteer.token), &format!("{path}/reveal-reporter-phone"), json!({ "reason": "回访核实" }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Item 5: representatives, supervisors and council members are residents with a duty: no
/// phone reveal, no households, no case handling, no grants.
#[tokio::test]
async fn civic_roles_carry_no_staff_powers() {
    let app = spawn_app().await;
    let w = app.world().await;
    let neighbour = app.villager(&w.village_a, &w.cadre_a.token, "zhou", "13900006666").await;
    let case =
        report(&app, &neighbour, json!({ "category": "road", "description": LAMP, "lat": P.0, "lng": P.1 })).await;
    let reveal = format!("/api/v1/users/{}/reveal-phone", neighbour.id);
    let households = format!("/api/v1/households?org_unit_id={}", w.village_a);

    // Positive control: the village cadre reveals (audited) and reads households.
    let (status, revealed) =
        body(app.post(Some(&w.cadre_a.token), &reveal, json!({ "reason": "回访核实情况" })).await).await;
    assert_eq!((status, revealed["phone"].as_str()), (StatusCode::OK, Some("13900006666")));
    assert_eq!(app.get_as(&w.cadre_a.token, &households).await.status(), StatusCode::OK);

    for (n, role) in ["representative", "supervisor", "council_member"].into_iter().enumerate() {
        let civic = app.villager(&w.village_a, &w.cadre_a.token, role, &format!("1390000700{n}")).await;
        granted(&app, &w.cadre_a.token, &civic.id, role, "org_unit", &w.village_a).await;
        let (status, denied) = body(app.post(Some(&civic.token), &reveal, json!({ "reason": "想知道" })).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role} reveals a phone: {denied}");
        assert!(!denied.to_string().contains("13900006666"));
        assert_eq!(app.get_as(&civic.token, &households).await.status(), StatusCode::FORBIDDEN, "{role} households");
        let (status, page) = body(app.get_as(&civic.token, "/api/v1/residencies").await).await;
        assert_eq!((status, page["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{role}: {page}");
        let accept = format!("/api/v1/cases/{}/accept", id(&case));
        let status = app.post(Some(&civic.token), &accept, json!({})).await.status();
        assert!(status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND, "{role} accepts: {status}");
        let outsider = app.resident(&format!("{role}-friend")).await;
        let status = app.grant(&civic.token, &outsider.id, "volunteer", "org_unit", &w.village_a).await.status();
        assert!(status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND, "{role} grants: {status}");
    }
    let (_, case_now) = body(app.get_as(&w.worker_a.token, &format!("/api/v1/cases/{}", id(&case))).await).await;
    assert_eq!(case_now["status"], "reported", "nothing changed");
}

/// Item 6: a cadre creates staff and grants roles only inside their subtree, and the answers do
/// not tell which names or ids exist outside it.
#[tokio::test]
async fn staff_administration_stays_inside_ones_scope() {
    let app = spawn_app().await;
    let w = app.world().await;
    let new_staff = |unit: &str, name: &str| json!({ "username": name, "display_name": "新网格员", "password": "first-Passw0rd-9", "org_unit_id": unit });
    // Outside the subtree: 404, and nothing created.
    let (status, _) =
        body(app.post(Some(&w.cadre_a.token), "/api/v1/users", new_staff(&w.village_b, "b-worker")).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Inside: created, with a suffixed name, whether or not the name is taken somewhere.
    let (status, fresh) =
        body(app.post(Some(&w.cadre_a.token), "/api/v1/users", new_staff(&w.village_a, "a-worker")).await).await;
    assert_eq!(status, StatusCode::CREATED, "{fresh}");
    let (status, clash) =
        body(app.post(Some(&w.cadre_a.token), "/api/v1/users", new_staff(&w.village_a, "officer-t")).await).await;
    assert_eq!(status, StatusCode::CREATED, "a taken name is not confirmed: {clash}");
    for made in [&fresh, &clash] {
        let name = made["username"].as_str().unwrap();
        assert!(name.len() > 5 && name.contains('-') && name != "officer-t", "{name}");
    }
    assert!(clash["username"].as_str().unwrap().starts_with("officer-t-"));
    // The administrator, over the whole tree, gets the exact name or a 409.
    let (status, _) = body(app.post(Some(&w.admin), "/api/v1/users", new_staff(&w.village_b, "officer-t")).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A cadre without the right: the grid worker creates no one.
    let (status, _) =
        body(app.post(Some(&w.worker_a.token), "/api/v1/users", new_staff(&w.village_a, "x-worker")).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Granting: a resident of village B and an id that does not exist answer alike.
    let in_b = app.villager(&w.village_b, &w.admin, "wu", "13900008888").await;
    let unknown = domain::new_id();
    let (status_b, body_b) = body(app.grant(&w.cadre_a.token, &in_b.id, "grid_worker", "grid", &w.grid_a).await).await;
    let (status_u, body_u) = body(app.grant(&w.cadre_a.token, &unknown, "grid_worker", "grid", &w.grid_a).await).await;
    assert_eq!((status_b, status_u), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(body_b["error"], body_u["error"], "the same answer for both");
    // Also the staff of another village: the township officer is not the cadre's to promote.
    let (status, _) = body(app.grant(&w.cadre_a.token, &w.officer.id, "volunteer", "grid", &w.grid_a).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Positive controls: a villager of A, and the account the cadre just created.
    let in_a = app.villager(&w.village_a, &w.cadre_a.token, "zheng", "13900009999").await;
    granted(&app, &w.cadre_a.token, &in_a.id, "grid_worker", "grid", &w.grid_a).await;
    granted(&app, &w.cadre_a.token, &id(&fresh), "grid_leader", "grid", &w.grid_a).await;
    let (_, grants) = body(app.get_as(&w.admin, &format!("/api/v1/role-grants?user_id={}", in_b.id)).await).await;
    assert_eq!(grants["items"].as_array().map(Vec::len), Some(0), "no grant was made outside: {grants}");
}

/// Item 8: a public report's exact point and house-number address are for staff in scope, the
/// reporter and residents of its village; other villages see it coarsened, and cannot narrow a
/// search circle onto it.
#[tokio::test]
async fn residents_outside_the_village_see_a_coarsened_location() {
    let app = spawn_app().await;
    let w = app.world().await;
    let reporter = app.villager(&w.village_a, &w.cadre_a.token, "feng", "13900001212").await;
    let same_village = app.villager(&w.village_a, &w.cadre_a.token, "chen", "13900001313").await;
    let other_village = app.villager(&w.village_b, &w.admin, "chu", "13900001414").await;
    let case = report(
        &app,
        &reporter,
        json!({ "category": "road", "description": LAMP, "lat": P.0, "lng": P.1, "address": "杨家村村口3号", "public": true }),
    )
    .await;
    let path = format!("/api/v1/cases/{}", id(&case));

    for who in [&reporter.token, &same_village.token, &w.worker_a.token] {
        let (status, seen) = body(app.get_as(who, &path).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((seen["lat"].as_f64(), seen["lng"].as_f64()), (Some(P.0), Some(P.1)), "{seen}");
        assert_eq!(seen["address"], "杨家村村口3号");
    }
    let (status, seen) = body(app.get_as(&other_village.token, &path).await).await;
    assert_eq!(status, StatusCode::OK, "public: visible");
    assert!(seen["address"].is_null(), "{seen}");
    let (lat, lng) = (seen["lat"].as_f64().unwrap(), seen["lng"].as_f64().unwrap());
    assert!((lat - 27.710).abs() < 1e-9 && (lng - 112.000).abs() < 1e-9, "coarsened: {lat},{lng}");
    assert!(!seen.to_string().contains("3号"));

    // The map: a tight circle on the exact point finds it for a villager, not for an outsider.
    let nearby = format!("/api/v1/cases/nearby?lat={}&lng={}&radius_m=10", P.0, P.1);
    let (_, mine) = body(app.get_as(&same_village.token, &nearby).await).await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1), "{mine}");
    let (_, theirs) = body(app.get_as(&other_village.token, &nearby).await).await;
    assert_eq!(theirs["items"].as_array().map(Vec::len), Some(0), "{theirs}");
    // Duplicates measure to the point shown.
    let (_, dups) = body(
        app.post(
            Some(&other_village.token),
            "/api/v1/cases/duplicates",
            json!({ "category": "road", "lat": P.0, "lng": P.1, "text": LAMP }),
        )
        .await,
    )
    .await;
    for d in dups["items"].as_array().unwrap() {
        assert!(d["distance_m"].as_f64().unwrap() > 40.0, "no exact distance: {d}");
        assert!(d["case"]["address"].is_null());
    }
}
