//! Identity II: the org tree, scoped roles, residency, households, phone masking, proxy
//! actions, idempotent creation and keyset pagination — with the denials.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::body;
use yishi_tests::{spawn_app, spawn_app_with, Setup, TestApp};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_village_cadre_decides_their_village_and_cannot_see_the_next_one() {
    let app = spawn_app().await;
    let w = app.world().await;
    let in_a = app.resident("zhang").await;
    let in_b = app.resident("li").await;
    let a_app = app.apply(&in_a, &w.village_a).await;
    let b_app = app.apply(&in_b, &w.village_b).await;

    // List and read: A's only.
    let (status, list) = body(app.get_as(&w.cadre_a.token, "/api/v1/residencies?status=pending").await).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = list["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![a_app["id"].as_str().unwrap()]);
    assert_eq!(
        app.get_as(&w.cadre_a.token, &format!("/api/v1/residencies/{}", id(&a_app))).await.status(),
        StatusCode::OK
    );
    let (status, hidden) =
        body(app.get_as(&w.cadre_a.token, &format!("/api/v1/residencies/{}", id(&b_app))).await).await;
    assert_eq!((status, hidden["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let other_unit = app.get_as(&w.cadre_a.token, &format!("/api/v1/residencies?org_unit_id={}", w.village_b)).await;
    assert_eq!(other_unit.status(), StatusCode::NOT_FOUND);

    // Decide: B's is out of reach and stays pending.
    for action in ["approve", "reject"] {
        let res = app
            .post(
                Some(&w.cadre_a.token),
                &format!("/api/v1/residencies/{}/{action}", id(&b_app)),
                json!({ "reason": "不符合" }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{action}");
    }
    let (_, b_now) = body(app.get_as(&in_b.token, &format!("/api/v1/residencies/{}", id(&b_app))).await).await;
    assert_eq!(b_now["status"], "pending");

    // A resident cannot decide even their own.
    let own = app.post(Some(&in_a.token), &format!("/api/v1/residencies/{}/approve", id(&a_app)), json!({})).await;
    assert_eq!(own.status(), StatusCode::NOT_FOUND);

    let no_reason =
        app.post(Some(&w.cadre_a.token), &format!("/api/v1/residencies/{}/reject", id(&a_app)), json!({})).await;
    yishi_tests::assert_invalid_field(no_reason, "reason").await;
    let (status, approved) =
        body(app.post(Some(&w.cadre_a.token), &format!("/api/v1/residencies/{}/approve", id(&a_app)), json!({})).await)
            .await;
    assert_eq!((status, approved["status"].as_str()), (StatusCode::OK, Some("approved")));
    let again =
        app.post(Some(&w.cadre_a.token), &format!("/api/v1/residencies/{}/approve", id(&a_app)), json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // The township officer above both may.
    let (status, rejected) = body(
        app.post(
            Some(&w.officer.token),
            &format!("/api/v1/residencies/{}/reject", id(&b_app)),
            json!({ "reason": "地址不在本村" }),
        )
        .await,
    )
    .await;
    assert_eq!((status, rejected["status"].as_str()), (StatusCode::OK, Some("rejected")));
    let (_, officer_list) = body(app.get_as(&w.officer.token, "/api/v1/residencies").await).await;
    assert_eq!(officer_list["items"].as_array().unwrap().len(), 2);

    // The approval founded a household with the resident as head.
    let (status, households) =
        body(app.get_as(&w.cadre_a.token, &format!("/api/v1/households?org_unit_id={}", w.village_a)).await).await;
    assert_eq!(status, StatusCode::OK);
    let household = &households["items"][0];
    assert_eq!(household["head_user_id"], in_a.id.as_str());
    assert_eq!(household["members"][0]["relation"], "head");
    let foreign = app.get_as(&w.cadre_a.token, &format!("/api/v1/households?org_unit_id={}", w.village_b)).await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn roles_are_granted_only_below_ones_own_within_ones_scope_never_to_oneself() {
    let app = spawn_app().await;
    let w = app.world().await;
    let helper = app.member("helper", &w.village_a, &w.cadre_a.token).await;

    // A grid worker may make a volunteer of their grid, nothing more.
    assert_eq!(
        app.grant(&w.worker_a.token, &helper.id, "volunteer", "grid", &w.grid_a).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.grant(&w.worker_a.token, &w.worker_a.id, "volunteer", "grid", &w.grid_a).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.grant(&w.worker_a.token, &helper.id, "grid_worker", "grid", &w.grid_a).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.grant(&w.worker_a.token, &helper.id, "grid_leader", "grid", &w.grid_a).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.grant(&w.worker_a.token, &helper.id, "volunteer", "org_unit", &w.village_a).await.status(),
        StatusCode::NOT_FOUND
    );

    // A cadre grants within their village only.
    assert_eq!(
        app.grant(&w.cadre_a.token, &w.worker_a.id, "supervisor", "org_unit", &w.village_b).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.grant(&w.cadre_a.token, &w.worker_a.id, "village_cadre", "org_unit", &w.village_a).await.status(),
        StatusCode::FORBIDDEN
    );
    let (status, body_) =
        body(app.grant(&w.cadre_a.token, &w.cadre_a.id, "supervisor", "org_unit", &w.village_a).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body_}");
    let bad_role = app.grant(&w.cadre_a.token, &helper.id, "emperor", "org_unit", &w.village_a).await;
    yishi_tests::assert_invalid_field(bad_role, "role").await;

    // The audit log saw the grants.
    let (status, log) = body(app.get_as(&w.admin, "/api/v1/audit-log?action=role_granted").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(log["items"].as_array().unwrap().iter().any(|e| e["details"]["user_id"] == helper.id.as_str()), "{log}");
    assert_eq!(app.get_as(&w.cadre_a.token, "/api/v1/audit-log").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_revoked_role_stops_working_on_the_next_request() {
    let app = spawn_app().await;
    let w = app.world().await;
    let resident = app.resident("wang").await;
    let application = app.apply(&resident, &w.village_b).await;
    let path = format!("/api/v1/residencies/{}", id(&application));
    assert_eq!(app.get_as(&w.officer.token, &path).await.status(), StatusCode::OK);

    let (_, grants) = body(app.get_as(&w.admin, &format!("/api/v1/role-grants?user_id={}", w.officer.id)).await).await;
    let grant_id = grants["items"][0]["id"].as_str().unwrap().to_owned();
    let revoke = app
        .client
        .delete(app.url(&format!("/api/v1/role-grants/{grant_id}")))
        .bearer_auth(&w.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);
    assert_eq!(
        app.get_as(&w.officer.token, &path).await.status(),
        StatusCode::NOT_FOUND,
        "the same token, the role gone"
    );
}

/// The session entry the store holds for an access token (the principal cached with it).
async fn cached_entry(app: &TestApp, token: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    app.state.store.get(&format!("session:{}", claims["sid"].as_str().unwrap())).await.unwrap()
}

#[tokio::test]
async fn cached_principals_on_two_instances_never_outlive_a_grant_change_or_a_logout() {
    let one = spawn_app().await;
    let two = spawn_app_with(Setup { instance_of: Some(one.shared()), ..Setup::default() }).await;
    let w = one.world().await;
    let resident = one.resident("qian").await;
    let application = one.apply(&resident, &w.village_b).await;
    let path = format!("/api/v1/residencies/{}", id(&application));
    for app in [&one, &two, &two] {
        assert_eq!(app.get_as(&w.officer.token, &path).await.status(), StatusCode::OK);
    }
    // Positive control: the store now holds the officer's principal with the session, so the
    // next requests would be answered without asking the database who is calling.
    let entry = cached_entry(&one, &w.officer.token).await.unwrap_or_default();
    assert!(entry.contains("township_officer"), "principal cached with the session: {entry}");

    let (_, grants) = body(one.get_as(&w.admin, &format!("/api/v1/role-grants?user_id={}", w.officer.id)).await).await;
    let grant_id = grants["items"][0]["id"].as_str().unwrap().to_owned();
    let revoke = one.client.delete(one.url(&format!("/api/v1/role-grants/{grant_id}"))).bearer_auth(&w.admin);
    assert_eq!(revoke.send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        two.get_as(&w.officer.token, &path).await.status(),
        StatusCode::NOT_FOUND,
        "revoked on one, gone on two"
    );
    assert_eq!(one.get_as(&w.officer.token, &path).await.status(), StatusCode::NOT_FOUND, "and on one");

    let regrant = two.grant(&w.admin, &w.officer.id, "township_officer", "org_unit", &w.township).await;
    assert_eq!(regrant.status(), StatusCode::CREATED);
    assert_eq!(one.get_as(&w.officer.token, &path).await.status(), StatusCode::OK, "granted on two, there on one");

    assert_eq!(two.get_as(&w.officer.token, "/api/v1/me").await.status(), StatusCode::OK);
    assert_eq!(one.post(Some(&w.officer.token), "/api/v1/auth/logout", json!({})).await.status(), StatusCode::OK);
    for app in [&two, &one] {
        assert_eq!(app.get_as(&w.officer.token, &path).await.status(), StatusCode::UNAUTHORIZED, "logged out");
    }
}

#[tokio::test]
async fn ten_concurrent_applications_with_one_key_make_one_row() {
    let app = spawn_app().await;
    let w = app.world().await;
    let resident = app.resident("zhao").await;
    let request = json!({ "org_unit_id": w.village_a, "new_household_name": "赵家" });
    let sends = (0..10).map(|_| {
        app.client
            .post(app.url("/api/v1/me/residency"))
            .bearer_auth(&resident.token)
            .header("idempotency-key", "0195c1b2-aaaa-7000-8000-000000000001")
            .json(&request)
            .send()
    });
    let mut bodies = BTreeSet::new();
    for res in futures_util::future::join_all(sends).await {
        let res = res.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        bodies.insert(res.text().await.unwrap());
    }
    assert_eq!(bodies.len(), 1, "identical bodies: {bodies:?}");
    let (_, mine) = body(app.get_as(&resident.token, "/api/v1/me/residency").await).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);

    let other = app
        .client
        .post(app.url("/api/v1/me/residency"))
        .bearer_auth(&resident.token)
        .header("idempotency-key", "0195c1b2-aaaa-7000-8000-000000000001")
        .json(&json!({ "org_unit_id": w.village_b, "new_household_name": "赵家" }))
        .send()
        .await
        .unwrap();
    let (status, refused) = body(other).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused"))
    );
    let second = app.post(Some(&resident.token), "/api/v1/me/residency", request).await;
    assert_eq!(second.status(), StatusCode::CONFLICT, "one pending application at a time");
}

#[tokio::test]
async fn lists_follow_their_cursors_to_the_end_with_no_duplicate_or_gap_under_inserts() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut expected = BTreeSet::new();
    for i in 0..23 {
        let resident = app.resident(&format!("p{i}")).await;
        expected.insert(id(&app.apply(&resident, &w.village_a).await));
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/residencies?limit=10&cursor={c}"),
            None => "/api/v1/residencies?limit=10".to_owned(),
        };
        let (status, page) = body(app.get_as(&w.cadre_a.token, &path).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(page["items"].as_array().unwrap().iter().map(id));
        pages += 1;
        // Someone applies while we read.
        let late = app.resident(&format!("late{pages}")).await;
        app.apply(&late, &w.village_a).await;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicate");
    assert_eq!(unique, expected, "no gap");

    let tampered = app.get_as(&w.cadre_a.token, "/api/v1/residencies?cursor=abc.def").await;
    assert_eq!(tampered.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get_as(&w.cadre_a.token, "/api/v1/residencies?limit=101").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn phones_leave_masked_except_to_the_owner_and_an_audited_reveal() {
    let app = spawn_app().await;
    let w = app.world().await;
    let resident = app.member("sun", &w.village_a, &w.cadre_a.token).await;
    let bound =
        app.post(Some(&resident.token), "/api/v1/auth/wechat/phone", json!({ "code": "dev:13912345678" })).await;
    assert_eq!(bound.status(), StatusCode::OK);
    let other = app.member("zhou", &w.village_b, &w.officer.token).await;

    let mut staff_bodies = String::new();
    let (status, user) = body(app.get_as(&w.cadre_a.token, &format!("/api/v1/users/{}", resident.id)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["phone_masked"], "139****5678");
    staff_bodies.push_str(&user.to_string());
    staff_bodies.push_str(
        &app.get_as(&w.cadre_a.token, &format!("/api/v1/households?org_unit_id={}", w.village_a))
            .await
            .text()
            .await
            .unwrap(),
    );
    staff_bodies.push_str(&app.get_as(&w.cadre_a.token, "/api/v1/residencies").await.text().await.unwrap());
    assert!(!staff_bodies.contains("13912345678"), "{staff_bodies}");
    assert!(!staff_bodies.contains("openid") && !staff_bodies.contains("dev-"), "{staff_bodies}");

    assert_eq!(
        app.get_as(&w.cadre_a.token, &format!("/api/v1/users/{}", other.id)).await.status(),
        StatusCode::NOT_FOUND
    );
    let short = app
        .post(Some(&w.cadre_a.token), &format!("/api/v1/users/{}/reveal-phone", resident.id), json!({ "reason": "" }))
        .await;
    yishi_tests::assert_invalid_field(short, "reason").await;
    let (status, revealed) = body(
        app.post(
            Some(&w.cadre_a.token),
            &format!("/api/v1/users/{}/reveal-phone", resident.id),
            json!({ "reason": "回访核实" }),
        )
        .await,
    )
    .await;
    assert_eq!((status, revealed["phone"].as_str()), (StatusCode::OK, Some("13912345678")));
    let outside = app
        .post(
            Some(&w.cadre_a.token),
            &format!("/api/v1/users/{}/reveal-phone", other.id),
            json!({ "reason": "回访核实" }),
        )
        .await;
    assert_eq!(outside.status(), StatusCode::NOT_FOUND);

    let (_, log) =
        body(app.get_as(&w.admin, &format!("/api/v1/audit-log?action=phone_revealed&object_id={}", resident.id)).await)
            .await;
    let entry = &log["items"][0];
    assert_eq!(entry["actor_id"], w.cadre_a.id.as_str());
    assert_eq!(entry["details"]["reason"], "回访核实");
    assert!(entry["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(!log.to_string().contains("13912345678"), "the log keeps who and why, not the number");
}

#[tokio::test]
async fn staff_act_for_a_resident_in_their_scope_and_both_are_recorded() {
    let app = spawn_app().await;
    let w = app.world().await;
    let elder = app.member("elder", &w.village_a, &w.cadre_a.token).await;
    let stranger = app.member("stranger", &w.village_b, &w.officer.token).await;
    let proxied = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&w.cadre_a.token)
        .header("x-acting-for", &elder.id)
        .send()
        .await
        .unwrap();
    let (status, me) = body(proxied).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((me["id"].as_str(), me["acting_for"].as_str()), (Some(w.cadre_a.id.as_str()), Some(elder.id.as_str())));
    let refused = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&w.cadre_a.token)
        .header("x-acting-for", &stranger.id)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let by_resident = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&stranger.token)
        .header("x-acting-for", &elder.id)
        .send()
        .await
        .unwrap();
    assert_eq!(by_resident.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_tree_keeps_its_levels_and_grids_answer_points() {
    let app = spawn_app().await;
    let w = app.world().await;
    let wrong = app
        .post(
            Some(&w.admin),
            "/api/v1/org-units",
            json!({ "parent_id": w.county, "kind": "village", "name": "跳级村" }),
        )
        .await;
    yishi_tests::assert_invalid_field(wrong, "parent_id").await;
    let by_cadre = app
        .post(
            Some(&w.cadre_a.token),
            "/api/v1/org-units",
            json!({ "parent_id": w.village_a, "kind": "group", "name": "一组" }),
        )
        .await;
    assert_eq!(by_cadre.status(), StatusCode::FORBIDDEN, "editing the tree is for administrators");
    let (_, children) =
        body(app.get_as(&w.cadre_a.token, &format!("/api/v1/org-units?parent_id={}", w.township)).await).await;
    assert_eq!(children["items"].as_array().unwrap().len(), 2);

    let (status, grid) = body(app.get_as(&w.cadre_a.token, "/api/v1/grids/locate?lat=27.71&lng=112.0").await).await;
    assert_eq!((status, grid["id"].as_str()), (StatusCode::OK, Some(w.grid_a.as_str())));
    assert_eq!(
        app.get_as(&w.cadre_a.token, "/api/v1/grids/locate?lat=28.5&lng=112.0").await.status(),
        StatusCode::NOT_FOUND
    );
    // WGS-84 from wx.getLocation sits ~600 m off GCJ-02 here (lng +0.0055°): a point west of
    // the square as given is inside it once converted.
    let raw = app.get_as(&w.cadre_a.token, "/api/v1/grids/locate?lat=27.71&lng=111.987").await;
    assert_eq!(raw.status(), StatusCode::NOT_FOUND);
    let wgs = app.get_as(&w.cadre_a.token, "/api/v1/grids/locate?lat=27.71&lng=111.987&coord=wgs84").await;
    assert_eq!(wgs.status(), StatusCode::OK);
    let bad = app.post(Some(&w.admin), "/api/v1/grids", json!({ "org_unit_id": w.village_a, "level": "small", "name": "x", "boundary": { "type": "Point", "coordinates": [112.0, 27.7] } })).await;
    yishi_tests::assert_invalid_field(bad, "boundary").await;
    let dept = json!({ "org_unit_id": w.county, "name": "县住建局" });
    assert_eq!(app.post(Some(&w.admin), "/api/v1/departments", dept.clone()).await.status(), StatusCode::CREATED);
    assert_eq!(app.post(Some(&w.admin), "/api/v1/departments", dept).await.status(), StatusCode::CONFLICT);
}
