//! Bad input (issue 8, items 9 and 10): control characters in any text of a JSON body or a
//! query string are refused once, where bodies and query strings are read, with 422
//! `validation_failed` naming the field (PostgreSQL cannot even store NUL: it was a 500 there);
//! reports with a point outside China are refused on the coordinate that is wrong.

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{spawn_app, TestApp};

/// Inside grid A (GCJ-02).
const P: (f64, f64) = (27.7105, 112.0005);

async fn send(
    app: &TestApp,
    method: Method,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let res = request.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// What a request is, who sends it, where, with which body, and the field it must be refused on.
type Probe<'a> = (&'a str, Method, Option<&'a str>, String, Option<Value>, &'a str);

fn assert_refused(what: &str, (status, body): &(StatusCode, Value), field: &str) {
    assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
    assert_eq!(body["error"]["code"], "validation_failed", "{what}: {body}");
    assert_eq!(body["error"]["details"]["field"], field, "{what}: {body}");
}

/// A resident of village A with a bound phone.
async fn villager(app: &TestApp, w: &World, name: &str, phone: &str) -> Account {
    let resident = app.member(name, &w.village_a, &w.cadre_a.token).await;
    let res =
        app.post(Some(&resident.token), "/api/v1/auth/wechat/phone", json!({ "code": format!("dev:{phone}") })).await;
    assert_eq!(res.status(), StatusCode::OK, "bind phone");
    resident
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    app.state
        .db
        .run(move |conn| {
            let n = match table {
                "cases" => infra::testing::schema::cases::table.count().get_result(conn)?,
                "users" => infra::testing::schema::users::table.count().get_result(conn)?,
                "open311_keys" => infra::testing::schema::open311_keys::table.count().get_result(conn)?,
                _ => infra::testing::schema::subscription_grants::table.count().get_result(conn)?,
            };
            Ok::<i64, infra::InfraError>(n)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn control_characters_are_refused_in_every_body_and_query_naming_the_field() {
    let app = spawn_app().await;
    let w = app.world().await;
    let reporter = villager(&app, &w, "ctl", "13900002222").await;
    let before = (count(&app, "cases").await, count(&app, "users").await, count(&app, "open311_keys").await);
    let grants_before = count(&app, "grants").await;

    let nul = "a\u{0}b";
    let report = |description: &str| json!({ "category": "road", "description": description, "lat": P.0, "lng": P.1 });
    let unit = format!("/api/v1/org-units/{}", w.village_b);
    let refused: Vec<Probe> = vec![
        (
            "report",
            Method::POST,
            Some(reporter.token.as_str()),
            "/api/v1/cases".into(),
            Some(report("路灯坏了很久\u{0}")),
            "description",
        ),
        (
            "report, CR",
            Method::POST,
            Some(reporter.token.as_str()),
            "/api/v1/cases".into(),
            Some(report("路灯坏了\r很久了")),
            "description",
        ),
        (
            "report, media id",
            Method::POST,
            Some(reporter.token.as_str()),
            "/api/v1/cases".into(),
            Some(json!({ "category": "road", "description": "路灯坏了很久", "media": ["\u{7}"] })),
            "media[0]",
        ),
        (
            "staff account",
            Method::POST,
            Some(w.admin.as_str()),
            "/api/v1/users".into(),
            Some(json!({ "username": "nul-staff", "display_name": nul, "password": "first-Passw0rd-1" })),
            "display_name",
        ),
        (
            "open311 key",
            Method::POST,
            Some(w.worker_a.token.as_str()),
            "/api/v1/open311-keys".into(),
            Some(json!({ "name": nul })),
            "name",
        ),
        (
            "subscriptions",
            Method::POST,
            Some(reporter.token.as_str()),
            "/api/v1/me/subscriptions".into(),
            Some(json!({ "template_ids": ["TPL", "TPL\u{0}"] })),
            "template_ids[1]",
        ),
        (
            "email",
            Method::PUT,
            Some(reporter.token.as_str()),
            "/api/v1/me/email".into(),
            Some(json!({ "email": "a\u{0}@example.com" })),
            "email",
        ),
        (
            "rename unit",
            Method::PATCH,
            Some(w.admin.as_str()),
            unit.clone(),
            Some(json!({ "name": "李家\u{1b}村" })),
            "name",
        ),
        (
            "wechat login",
            Method::POST,
            None,
            "/api/v1/auth/wechat/login".into(),
            Some(json!({ "code": "dev:x\u{0}" })),
            "code",
        ),
        (
            "password login",
            Method::POST,
            None,
            "/api/v1/auth/login".into(),
            Some(json!({ "username": "admin\u{0}", "password": "x" })),
            "username",
        ),
        (
            "duplicates",
            Method::POST,
            Some(reporter.token.as_str()),
            "/api/v1/cases/duplicates".into(),
            Some(json!({ "category": "road\u{0}", "lat": P.0, "lng": P.1, "text": "路灯" })),
            "category",
        ),
        (
            "case filter",
            Method::GET,
            Some(w.cadre_a.token.as_str()),
            "/api/v1/cases?category=ro%00ad".into(),
            None,
            "category",
        ),
        (
            "case filter, C1",
            Method::GET,
            Some(w.cadre_a.token.as_str()),
            "/api/v1/cases?status=%C2%85".into(),
            None,
            "status",
        ),
        (
            "export filter",
            Method::GET,
            Some(w.cadre_a.token.as_str()),
            "/api/v1/cases/export?category=%00".into(),
            None,
            "category",
        ),
        (
            "nearby",
            Method::GET,
            Some(reporter.token.as_str()),
            format!("/api/v1/cases/nearby?lat={}&lng={}&category=road%00", P.0, P.1),
            None,
            "category",
        ),
        ("audit log", Method::GET, Some(w.admin.as_str()), "/api/v1/audit-log?action=login%00".into(), None, "action"),
        (
            "list cursor",
            Method::GET,
            Some(reporter.token.as_str()),
            "/api/v1/me/notifications?cursor=%00".into(),
            None,
            "cursor",
        ),
        (
            "parameter name",
            Method::GET,
            Some(w.admin.as_str()),
            "/api/v1/audit-log?act%00ion=x".into(),
            None,
            "act\\u{0}ion",
        ),
    ];
    for (what, method, token, path, body, field) in refused {
        let answer = send(&app, method, token, &path, body).await;
        assert_refused(what, &answer, field);
        assert!(!answer.1.to_string().contains('\u{0}'), "{what}: the answer echoes no NUL");
    }
    assert_eq!(
        (count(&app, "cases").await, count(&app, "users").await, count(&app, "open311_keys").await),
        before,
        "nothing was created"
    );
    assert_eq!(count(&app, "grants").await, grants_before);
    let (_, unit_now) = send(&app, Method::GET, Some(w.admin.as_str()), &unit, None).await;
    assert_eq!(unit_now["name"], "李家村", "the unit kept its name");

    // Positive controls: newline and tab are writing; the same routes take clean text.
    let (status, case) = send(
        &app,
        Method::POST,
        Some(reporter.token.as_str()),
        "/api/v1/cases",
        Some(report("路灯坏了\n已经一周\t晚上很黑")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["description"], "路灯坏了\n已经一周\t晚上很黑");
    let (status, _) =
        send(&app, Method::GET, Some(w.cadre_a.token.as_str()), "/api/v1/cases?category=road", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(&app, Method::GET, Some(w.admin.as_str()), "/api/v1/audit-log?action=login", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, renamed) =
        send(&app, Method::PATCH, Some(w.admin.as_str()), &unit, Some(json!({ "name": "李家新村" }))).await;
    assert_eq!((status, renamed["name"].as_str()), (StatusCode::OK, Some("李家新村")), "{renamed}");
    assert_eq!(count(&app, "cases").await, before.0 + 1);
}

#[tokio::test]
async fn reports_outside_china_are_refused_on_the_wrong_coordinate_and_address_only_reports_stay() {
    let app = spawn_app().await;
    let w = app.world().await;
    let reporter = villager(&app, &w, "abroad", "13900003333").await;
    let report = |point: Value| {
        let mut body =
            json!({ "category": "road", "description": "村口的路灯坏了，晚上很黑", "address": "杨家村村口" });
        body.as_object_mut().unwrap().extend(point.as_object().unwrap().clone());
        body
    };
    let outside = [
        ("a failed GPS fix", json!({ "lat": 0.0, "lng": 0.0 }), "lat"),
        ("Paris", json!({ "lat": 48.8584, "lng": 2.2945 }), "lng"),
        ("New York", json!({ "lat": 40.7128, "lng": -74.006 }), "lng"),
        ("New York, WGS-84", json!({ "lat": 40.7128, "lng": -74.006, "coord": "wgs84" }), "lng"),
        ("Sydney", json!({ "lat": -33.87, "lng": 151.21 }), "lat"),
    ];
    for (what, point, field) in &outside {
        let answer =
            send(&app, Method::POST, Some(reporter.token.as_str()), "/api/v1/cases", Some(report(point.clone()))).await;
        assert_refused(what, &answer, field);
        let mut probe = point.clone();
        probe
            .as_object_mut()
            .unwrap()
            .extend(json!({ "category": "road", "text": "路灯坏了" }).as_object().unwrap().clone());
        let answer =
            send(&app, Method::POST, Some(reporter.token.as_str()), "/api/v1/cases/duplicates", Some(probe)).await;
        assert_refused(&format!("duplicates near {what}"), &answer, field);
        let query = format!("lat={}&lng={}", point["lat"], point["lng"]);
        let answer =
            send(&app, Method::GET, Some(reporter.token.as_str()), &format!("/api/v1/cases/nearby?{query}"), None)
                .await;
        assert_refused(&format!("nearby {what}"), &answer, field);
    }
    assert_eq!(count(&app, "cases").await, 0, "no foreign pin was filed");

    // Positive controls: a point in the grid, a WGS-84 one, and an address alone (the home grid).
    let (status, inside) = send(
        &app,
        Method::POST,
        Some(reporter.token.as_str()),
        "/api/v1/cases",
        Some(report(json!({ "lat": P.0, "lng": P.1 }))),
    )
    .await;
    assert_eq!((status, inside["grid_id"].as_str()), (StatusCode::CREATED, Some(w.grid_a.as_str())), "{inside}");
    let (wlat, wlng) = domain::geo_cn::gcj02_to_wgs84(P.0, P.1);
    let (status, wgs) = send(
        &app,
        Method::POST,
        Some(reporter.token.as_str()),
        "/api/v1/cases",
        Some(report(json!({ "lat": wlat, "lng": wlng, "coord": "wgs84" }))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{wgs}");
    assert!(domain::geo_cn::distance_m((wgs["lat"].as_f64().unwrap(), wgs["lng"].as_f64().unwrap()), P) < 1.0);
    let (status, by_address) =
        send(&app, Method::POST, Some(reporter.token.as_str()), "/api/v1/cases", Some(report(json!({})))).await;
    assert_eq!(status, StatusCode::CREATED, "{by_address}");
    assert_eq!((by_address["lat"].is_null(), by_address["grid_id"].as_str()), (true, Some(w.grid_a.as_str())));
    let (status, nearby) = send(
        &app,
        Method::GET,
        Some(reporter.token.as_str()),
        &format!("/api/v1/cases/nearby?lat={}&lng={}", P.0, P.1),
        None,
    )
    .await;
    assert_eq!((status, nearby["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)), "{nearby}");
    assert_eq!(count(&app, "cases").await, 3);
}
