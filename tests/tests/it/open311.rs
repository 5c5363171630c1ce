//! Open311 GeoReport v2: the standard's shapes in JSON and XML, public reads of public cases
//! only (no reporter, coarsened WGS-84), posting with a revocable staff API key, and the
//! standard's error form. (Third-party client libraries drive it in CI: tests/open311/.)

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::body;
use yishi_tests::spawn_app;

fn assert_open311_error(status: StatusCode, value: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "{value}");
    let errors = value.as_array().unwrap_or_else(|| panic!("an array: {value}"));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"].as_u64(), Some(u64::from(expected.as_u16())));
    assert!(errors[0]["description"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn georeport_v2_reads_posts_and_errors_in_its_own_forms() {
    let app = spawn_app().await;
    let w = app.world().await;

    // Discovery and services, JSON and XML, without a token.
    let (status, discovery) = body(app.get("/open311/v2/discovery.json").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(discovery["endpoints"][0]["url"].as_str().unwrap().ends_with("/open311/v2"));
    let (status, services) = body(app.get("/open311/v2/services.json").await).await;
    assert_eq!(status, StatusCode::OK);
    let road = services.as_array().unwrap().iter().find(|s| s["service_code"] == "road").unwrap();
    assert_eq!(
        (road["service_name"].as_str(), road["metadata"].as_bool(), road["type"].as_str()),
        (Some("道路交通"), Some(true), Some("realtime"))
    );
    let xml = app.get("/open311/v2/services.xml").await;
    assert!(xml.headers()["content-type"].to_str().unwrap().starts_with("text/xml"));
    let xml = xml.text().await.unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("<services><service>"), "{xml}");
    assert!(xml.contains("<service_code>road</service_code>") && xml.contains("<metadata>true</metadata>"));
    let (status, definition) = body(app.get("/open311/v2/services/road.json").await).await;
    assert_eq!((status, definition["attributes"][0]["code"].as_str()), (StatusCode::OK, Some("urgency")));

    // A staff key posts a form-encoded request at a WGS-84 point inside grid A.
    let (status, key) =
        body(app.post(Some(&w.worker_a.token), "/api/v1/open311-keys", json!({ "name": "12345 热线" })).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = key["api_key"].as_str().unwrap().to_owned();
    let (_, listed) = body(app.get_as(&w.worker_a.token, "/api/v1/open311-keys").await).await;
    assert!(listed["items"][0].get("api_key").is_none(), "the secret is shown once");
    let (wlat, wlng) = domain::geo_cn::gcj02_to_wgs84(27.7105, 112.0005);
    let form = [
        ("api_key", secret.as_str()),
        ("service_code", "road"),
        ("lat", &wlat.to_string()),
        ("long", &wlng.to_string()),
        ("description", "市民来电：村口路面塌陷"),
        ("attribute[urgency]", "urgent"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let res = app.client.post(app.url("/open311/v2/requests.json")).form(&form).send().await.unwrap();
    let (status, posted) = body(res).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let request_id = posted[0]["service_request_id"].as_str().unwrap().to_owned();
    let (_, token) =
        body(app.get(&format!("/open311/v2/tokens/{}.json", posted[0]["token"].as_str().unwrap())).await).await;
    assert_eq!(token[0]["service_request_id"].as_str(), Some(request_id.as_str()));

    // It is a case of grid A, reported by the key's account, urgent.
    let (_, case) = body(app.get_as(&w.worker_a.token, &format!("/api/v1/cases/{request_id}")).await).await;
    assert_eq!((case["grid_id"].as_str(), case["urgency"].as_str()), (Some(w.grid_a.as_str()), Some("urgent")));

    // Read back publicly: a one-element array, the standard's fields, a coarsened WGS-84 point,
    // no reporter.
    let (status, one) = body(app.get(&format!("/open311/v2/requests/{request_id}.json")).await).await;
    assert_eq!(status, StatusCode::OK);
    let one = one.as_array().unwrap();
    assert_eq!(one.len(), 1);
    let r = &one[0];
    assert_eq!((r["status"].as_str(), r["service_code"].as_str()), (Some("open"), Some("road")));
    assert!(r["requested_datetime"].as_str().unwrap().ends_with("+08:00"));
    let (lat, long) = (r["lat"].as_f64().unwrap(), r["long"].as_f64().unwrap());
    assert!(((lat * 1000.0).round() - lat * 1000.0).abs() < 1e-6, "three decimals: {lat}");
    assert!(domain::geo_cn::distance_m((lat, long), (wlat, wlng)) < 120.0, "WGS-84, about 100 m");
    let text = serde_json::to_string(&one).unwrap();
    assert!(!text.contains(&w.worker_a.id), "no reporter");
    let xml = app.get(&format!("/open311/v2/requests/{request_id}.xml")).await.text().await.unwrap();
    assert!(xml.contains("<service_requests><request>"), "{xml}");
    assert!(xml.contains(&format!("<service_request_id>{request_id}</service_request_id>")));

    // Filters.
    let (_, by_code) = body(app.get("/open311/v2/requests.json?service_code=road&status=open").await).await;
    assert_eq!(by_code.as_array().unwrap().len(), 1);
    let (_, none) = body(app.get("/open311/v2/requests.json?service_code=road&status=closed").await).await;
    assert_eq!(none, json!([]));
    let (_, old) = body(app.get("/open311/v2/requests.json?end_date=2001-01-31T00:00:00Z").await).await;
    assert_eq!(old, json!([]));
    let (_, by_id) = body(
        app.get(&format!(
            "/open311/v2/requests.json?service_request_id={request_id},0195c1b2-0000-7000-8000-000000000000"
        ))
        .await,
    )
    .await;
    assert_eq!(by_id.as_array().unwrap().len(), 1);

    // Private cases never show.
    let resident = app.member("o311", &w.village_a, &w.cadre_a.token).await;
    app.post(Some(&resident.token), "/api/v1/auth/wechat/phone", json!({ "code": "dev:13955556666" })).await;
    let (status, private) = body(
        app.post(Some(&resident.token), "/api/v1/cases", json!({ "category": "neighbour_dispute", "description": "邻居占用了我家的晒谷坪", "lat": 27.7105, "lng": 112.0005 })).await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, hidden) =
        body(app.get(&format!("/open311/v2/requests/{}.json", private["id"].as_str().unwrap())).await).await;
    assert_open311_error(status, &hidden, StatusCode::NOT_FOUND);
    let (_, all) = body(app.get("/open311/v2/requests.json").await).await;
    assert_eq!(all.as_array().unwrap().len(), 1);

    // Errors: the standard's form, JSON or XML, 4xx.
    let (status, e) = body(app.get("/open311/v2/requests/nothing.json").await).await;
    assert_open311_error(status, &e, StatusCode::NOT_FOUND);
    let res = app.get("/open311/v2/requests/nothing.xml").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("<errors><error><code>404</code>"));
    let (status, e) = body(app.get("/open311/v2/requests.json?status=maybe").await).await;
    assert_open311_error(status, &e, StatusCode::BAD_REQUEST);
    let (status, e) = body(app.get("/open311/v2/services.json?jurisdiction_id=elsewhere.gov").await).await;
    assert_open311_error(status, &e, StatusCode::NOT_FOUND);
    let mut wrong = form.clone();
    wrong[0].1 = "o311_wrong".into();
    let (status, e) =
        body(app.client.post(app.url("/open311/v2/requests.json")).form(&wrong).send().await.unwrap()).await;
    assert_open311_error(status, &e, StatusCode::FORBIDDEN);
    let mut outside = form.clone();
    outside[2].1 = "30.0".into();
    outside[3].1 = "120.0".into();
    let (status, e) =
        body(app.client.post(app.url("/open311/v2/requests.json")).form(&outside).send().await.unwrap()).await;
    assert_open311_error(status, &e, StatusCode::BAD_REQUEST);
    let mut unknown = form.clone();
    unknown[1].1 = "spaceship".into();
    let (status, e) =
        body(app.client.post(app.url("/open311/v2/requests.json")).form(&unknown).send().await.unwrap()).await;
    assert_open311_error(status, &e, StatusCode::BAD_REQUEST);

    // A key only reports where its account works: grid A's worker cannot report into grid B.
    let boundary = json!({"type":"Polygon","coordinates":[[[112.02,27.70],[112.04,27.70],[112.04,27.72],[112.02,27.72],[112.02,27.70]]]});
    let grid_b = app
        .post(
            Some(&w.admin),
            "/api/v1/grids",
            json!({ "org_unit_id": w.village_b, "level": "small", "name": "李家村网格", "boundary": boundary }),
        )
        .await;
    assert_eq!(grid_b.status(), StatusCode::CREATED);
    let (blat, blng) = domain::geo_cn::gcj02_to_wgs84(27.71, 112.03);
    let mut elsewhere = form.clone();
    elsewhere[2].1 = blat.to_string();
    elsewhere[3].1 = blng.to_string();
    let (status, e) =
        body(app.client.post(app.url("/open311/v2/requests.json")).form(&elsewhere).send().await.unwrap()).await;
    assert_open311_error(status, &e, StatusCode::FORBIDDEN);

    // Revoked at once; another staff member cannot revoke it.
    let key_path = format!("/api/v1/open311-keys/{}", key["id"].as_str().unwrap());
    let res = app.client.delete(app.url(&key_path)).bearer_auth(&w.cadre_a.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app.client.delete(app.url(&key_path)).bearer_auth(&w.worker_a.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (status, e) =
        body(app.client.post(app.url("/open311/v2/requests.json")).form(&form).send().await.unwrap()).await;
    assert_open311_error(status, &e, StatusCode::FORBIDDEN);
    // Residents hold no keys; keys are stored only as digests.
    assert_eq!(
        app.post(Some(&resident.token), "/api/v1/open311-keys", json!({ "name": "x" })).await.status(),
        StatusCode::FORBIDDEN
    );
    let stored: Vec<String> = app
        .state
        .db
        .run(|conn| {
            Ok::<_, infra::InfraError>(
                infra::testing::schema::open311_keys::table
                    .select(infra::testing::schema::open311_keys::key_hash)
                    .load(conn)?,
            )
        })
        .await
        .unwrap();
    assert!(stored.iter().all(|h| h != &secret && h.len() == 64));
}

/// A staff key of grid A's worker, and the form fields of a request at a point inside grid A.
async fn key_and_form(app: &yishi_tests::TestApp, w: &yishi_tests::world::World) -> Vec<(String, String)> {
    let (status, key) =
        body(app.post(Some(&w.worker_a.token), "/api/v1/open311-keys", json!({ "name": "12345 热线" })).await).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let (wlat, wlng) = domain::geo_cn::gcj02_to_wgs84(27.7105, 112.0005);
    [
        ("api_key", key["api_key"].as_str().unwrap()),
        ("service_code", "road"),
        ("lat", &wlat.to_string()),
        ("long", &wlng.to_string()),
        ("description", "市民来电：村口路面塌陷"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec()
}

async fn post_form(app: &yishi_tests::TestApp, form: &[(String, String)]) -> (StatusCode, Value) {
    body(app.client.post(app.url("/open311/v2/requests.json")).form(form).send().await.unwrap()).await
}

fn with(form: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    form.iter().map(|(k, v)| (k.clone(), if k == name { value.to_owned() } else { v.clone() })).collect()
}

async fn case_count(app: &yishi_tests::TestApp) -> i64 {
    app.state
        .db
        .run(|conn| Ok::<_, infra::InfraError>(infra::testing::schema::cases::table.count().get_result(conn)?))
        .await
        .unwrap()
}

/// Issue 8, item 7: a token is the request's id, so answering for any id would confirm that a
/// private or anonymous case exists. Only a public request's token is answered.
#[tokio::test]
async fn a_token_answers_only_for_a_public_request_and_as_unknown_otherwise() {
    let app = spawn_app().await;
    let w = app.world().await;
    let resident = app.member("tok", &w.village_a, &w.cadre_a.token).await;
    app.post(Some(&resident.token), "/api/v1/auth/wechat/phone", json!({ "code": "dev:13955550000" })).await;
    let mut ids = Vec::new();
    for extra in [
        json!({ "category": "road" }),
        json!({ "category": "neighbour_dispute" }),
        json!({ "category": "road", "anonymous": true, "public": false }),
    ] {
        let mut report = json!({ "description": "村口的路灯坏了，晚上很黑", "lat": 27.7105, "lng": 112.0005 });
        report.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let (status, case) = body(app.post(Some(&resident.token), "/api/v1/cases", report).await).await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        ids.push(case["id"].as_str().unwrap().to_owned());
    }
    let (public, private, anonymous) = (&ids[0], &ids[1], &ids[2]);

    // Positive control: the public request's token is answered.
    let (status, found) = body(app.get(&format!("/open311/v2/tokens/{public}.json")).await).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found, json!([{ "service_request_id": public, "token": public }]));

    // The private and the anonymous private case answer exactly as an id that never existed.
    let (unknown_status, unknown) =
        body(app.get("/open311/v2/tokens/0195c1b2-0000-7000-8000-000000000000.json").await).await;
    assert_open311_error(unknown_status, &unknown, StatusCode::NOT_FOUND);
    for hidden in [private, anonymous] {
        let (status, answer) = body(app.get(&format!("/open311/v2/tokens/{hidden}.json")).await).await;
        assert_eq!((status, &answer), (unknown_status, &unknown), "{hidden}");
        let xml = app.get(&format!("/open311/v2/tokens/{hidden}.xml")).await;
        assert_eq!(xml.status(), StatusCode::NOT_FOUND);
        assert!(!xml.text().await.unwrap().contains(hidden.as_str()));
    }
}

/// Issue 8, item 13: Open311 offers only the categories whose requests are public, so a client
/// can follow every request it posts; the private ones are unknown to it.
#[tokio::test]
async fn open311_offers_only_categories_whose_requests_a_client_can_follow() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (status, services) = body(app.get("/open311/v2/services.json").await).await;
    assert_eq!(status, StatusCode::OK);
    let offered: std::collections::BTreeSet<String> =
        services.as_array().unwrap().iter().map(|s| s["service_code"].as_str().unwrap().to_owned()).collect();
    let (_, categories) = body(app.get_as(&w.worker_a.token, "/api/v1/case-categories").await).await;
    let public: std::collections::BTreeSet<String> = categories
        .as_array()
        .or_else(|| categories["items"].as_array())
        .unwrap()
        .iter()
        .filter(|c| c["public_by_default"] == true && c["active"] == true)
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(offered, public, "exactly the public categories");
    assert_eq!(offered.len(), 10);
    for private in ["information", "dispute", "neighbour_dispute"] {
        assert!(!offered.contains(private), "{private}");
        let (status, e) = body(app.get(&format!("/open311/v2/services/{private}.json")).await).await;
        assert_open311_error(status, &e, StatusCode::NOT_FOUND);
    }

    // Posting a private category is refused as an unknown service, and files nothing.
    let form = key_and_form(&app, &w).await;
    let (status, e) = post_form(&app, &with(&form, "service_code", "information")).await;
    assert_open311_error(status, &e, StatusCode::BAD_REQUEST);
    assert!(e[0]["description"].as_str().unwrap().contains("service_code"), "{e}");
    assert_eq!(case_count(&app).await, 0);

    // The first offered service can be posted and then followed, anonymously, by its id.
    let first = services[0]["service_code"].as_str().unwrap();
    let (status, posted) = post_form(&app, &with(&form, "service_code", first)).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let id = posted[0]["service_request_id"].as_str().unwrap();
    let (status, followed) = body(app.get(&format!("/open311/v2/requests/{id}.json")).await).await;
    assert_eq!((status, followed[0]["service_code"].as_str()), (StatusCode::OK, Some(first)), "{followed}");
    let (status, _) = body(app.get(&format!("/open311/v2/tokens/{id}.json")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(case_count(&app).await, 1);
}

/// Issue 8, items 9 and 10 at the Open311 edge: control characters in a form field or a query
/// parameter, and points outside China, are refused naming the field; nothing is filed.
#[tokio::test]
async fn open311_refuses_control_characters_and_points_outside_china_naming_the_field() {
    let app = spawn_app().await;
    let w = app.world().await;
    let form = key_and_form(&app, &w).await;

    for (field, value, named) in [
        ("description", "路面塌陷\u{0}", "description"),
        ("description", "路面\r塌陷", "description"),
        ("address_string", "村口\u{1b}[2J", "address_string"),
        ("lat", "0", "lat"),
        ("long", "0", "long"),
    ] {
        let mut bad = with(&form, field, value);
        if field == "address_string" {
            bad.push((field.to_owned(), value.to_owned()));
        }
        let (status, e) = post_form(&app, &bad).await;
        assert_open311_error(status, &e, StatusCode::UNPROCESSABLE_ENTITY);
        let description = e[0]["description"].as_str().unwrap();
        assert!(description.starts_with(&format!("{named}:")), "{field}={value:?}: {description}");
    }
    for (lat, long, named) in [("0", "0", "lat"), ("48.8584", "2.2945", "long"), ("40.7128", "-74.006", "long")] {
        let (status, e) = post_form(&app, &with(&with(&form, "lat", lat), "long", long)).await;
        assert_open311_error(status, &e, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e[0]["description"].as_str().unwrap().starts_with(&format!("{named}:")), "{lat},{long}: {e}");
    }
    assert_eq!(case_count(&app).await, 0, "nothing filed");

    for query in ["service_code=ro%00ad", "status=open&start_date=2026%0D", "jurisdiction_id=%7F"] {
        let (status, e) = body(app.get(&format!("/open311/v2/requests.json?{query}")).await).await;
        assert_open311_error(status, &e, StatusCode::UNPROCESSABLE_ENTITY);
        let named = query.split('&').next_back().unwrap().split('=').next().unwrap();
        assert!(e[0]["description"].as_str().unwrap().starts_with(&format!("{named}:")), "{query}: {e}");
    }

    for path in ["/open311/v2/services/ro%00ad.json", "/open311/v2/requests/%00.json", "/open311/v2/tokens/%00.xml"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}: a name with a control character names nothing");
    }

    // Positive control: newline and tab are writing, and the same form files one case.
    let (status, posted) = post_form(&app, &with(&form, "description", "路面塌陷\n约两米\t深")).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    assert_eq!(case_count(&app).await, 1);
    let (status, listed) = body(app.get("/open311/v2/requests.json?service_code=road").await).await;
    assert_eq!((status, listed.as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
}

/// Issue 9: the app and Open311 file through one service with one set of refusals. A category
/// mapped to no county department is filed through Open311 (filing needs none); when its case
/// must climb to the county it is refused with 422 `no_department`, never a 500, and nothing is
/// written. A category taken out of service is refused by both ways of filing, each in its own
/// form, and nothing is filed.
#[tokio::test]
async fn open311_and_the_app_file_through_one_service_and_refuse_alike() {
    let app = spawn_app().await;
    let w = app.world().await;
    let form = key_and_form(&app, &w).await;
    let (_, categories) = body(app.get_as(&w.admin, "/api/v1/case-categories").await).await;
    let road = categories["items"].as_array().unwrap().iter().find(|c| c["code"] == "road").unwrap().clone();
    assert!(road["department_id"].is_null(), "{road}");

    let (status, posted) = post_form(&app, &form).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    assert_eq!(case_count(&app).await, 1);
    let path = format!("/api/v1/cases/{}", posted[0]["service_request_id"].as_str().unwrap());
    let escalate = |token: &str, reason: &str| {
        let (token, reason, path) = (token.to_owned(), reason.to_owned(), path.clone());
        let app = &app;
        async move { body(app.post(Some(&token), &format!("{path}/escalate"), json!({ "reason": reason })).await).await }
    };
    for (token, reason) in [(&w.worker_a.token, "村里处理不了"), (&w.cadre_a.token, "需要镇里")] {
        let (status, up) = escalate(token, reason).await;
        assert_eq!(status, StatusCode::OK, "{up}");
    }
    let (_, before) = body(app.get_as(&w.officer.token, &path).await).await;
    let (status, refused) = escalate(&w.officer.token, "需要县里的部门").await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("no_department")),
        "{refused}"
    );
    let (_, after) = body(app.get_as(&w.officer.token, &path).await).await;
    assert_eq!(after["level"].as_str(), Some("township"));
    assert_eq!(after["timeline"], before["timeline"], "nothing written");

    // Out of service: the app refuses the category by name, Open311 as an unknown service.
    let mut retired = road.clone();
    retired["active"] = json!(false);
    let res = app.client.put(app.url("/api/v1/case-categories/road")).bearer_auth(&w.admin).json(&retired).send();
    assert_eq!(res.await.unwrap().status(), StatusCode::OK);
    let resident = app.villager(&w.village_a, &w.cadre_a.token, "retired", "13955557777").await;
    let report = json!({ "category": "road", "description": "村口路面塌陷约两米", "lat": 27.7105, "lng": 112.0005 });
    let (status, e) = body(app.post(Some(&resident.token), "/api/v1/cases", report).await).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("category")));
    let (status, e) = post_form(&app, &form).await;
    assert_open311_error(status, &e, StatusCode::BAD_REQUEST);
    assert!(e[0]["description"].as_str().unwrap().contains("service_code"), "{e}");
    assert_eq!(case_count(&app).await, 1, "nothing filed");
}
