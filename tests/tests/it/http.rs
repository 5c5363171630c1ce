//! The HTTP surface every route inherits: error shapes and languages, request ids, ETags,
//! compression, timeouts, readiness, metrics, OpenAPI and Swagger, graceful shutdown.

use std::time::{Duration, Instant};

use actix_web::{web, HttpResponse};
use reqwest::header::{ACCEPT_ENCODING, ACCEPT_LANGUAGE, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::{spawn_app, spawn_app_with, Setup, TestApp};

/// Probe routes that exercise the shared extractors and middleware the way feature routes do.
#[allow(clippy::disallowed_types, reason = "probes actix's JSON extractor under the app's JsonConfig")]
fn probes(cfg: &mut web::ServiceConfig) {
    #[derive(serde::Deserialize, serde::Serialize)]
    struct Probe {
        name: String,
        count: u32,
    }
    cfg.route("/_probe/echo", web::post().to(|body: web::Json<Probe>| async move { HttpResponse::Ok().json(body.0) }))
        .route(
            "/_probe/slow",
            // Never answers by itself: only the request timeout can end it.
            web::get().to(|| async {
                std::future::pending::<()>().await;
                HttpResponse::Ok().json(json!({ "slow": true }))
            }),
        )
        .route(
            "/_probe/hold",
            // Tells the test it is running, then answers only when the test lets it.
            web::get().to(|| async {
                HOLD_ENTERED.notify_one();
                HOLD_RELEASE.notified().await;
                HttpResponse::Ok().json(json!({ "held": true }))
            }),
        );
}

/// Signals of the `/_probe/hold` handler (one test uses it): "a request is inside the handler",
/// and "let it answer".
static HOLD_ENTERED: tokio::sync::Notify = tokio::sync::Notify::const_new();
static HOLD_RELEASE: tokio::sync::Notify = tokio::sync::Notify::const_new();

async fn probe_app() -> TestApp {
    spawn_app_with(Setup { extra_routes: Some(probes), ..Setup::default() }).await
}

/// Asserts the one error shape and that nothing internal leaks; returns the body.
async fn assert_error(res: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status);
    assert!(res.headers().get("x-request-id").is_some(), "errors carry the request id too");
    let text = res.text().await.unwrap();
    for leak in ["diesel", "actix", "/src/", "serde", "sqlite", "postgres", "panicked"] {
        assert!(!text.to_lowercase().contains(leak), "body leaks {leak}: {text}");
    }
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    body
}

fn is_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "status": "ok" }));

    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    let (db, store) = yishi_tests::backend_label().split_once('+').map(|(a, b)| (a.to_owned(), b.to_owned())).unwrap();
    assert_eq!(body["database"], db);
    assert_eq!(body["store"], store);
}

#[tokio::test]
async fn unknown_routes_are_404_in_the_error_shape_in_both_languages() {
    let app = spawn_app().await;
    let zh = assert_error(app.get("/api/v1/no-such-thing").await, StatusCode::NOT_FOUND, "route_not_found").await;
    assert!(is_chinese(zh["error"]["message"].as_str().unwrap()));

    let res = app
        .client
        .get(app.url("/api/v1/no-such-thing"))
        .header(ACCEPT_LANGUAGE, "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    let en = assert_error(res, StatusCode::NOT_FOUND, "route_not_found").await;
    assert!(!is_chinese(en["error"]["message"].as_str().unwrap()));
}

#[tokio::test]
async fn a_known_path_with_another_method_is_405_with_allow() {
    let app = spawn_app().await;
    let res = app.client.delete(app.url("/healthz")).header(ACCEPT_LANGUAGE, "en").send().await.unwrap();
    assert_eq!(res.headers().get("allow").map(|v| v.to_str().unwrap().to_owned()).as_deref(), Some("GET"));
    let body = assert_error(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    assert_eq!(body["error"]["details"]["allowed"], json!(["GET"]));
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = probe_app().await;
    for lang in ["zh-CN", "en"] {
        let res = app
            .client
            .post(app.url("/_probe/echo"))
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT_LANGUAGE, lang)
            .body("{\"name\": \"王\", ")
            .send()
            .await
            .unwrap();
        let body = assert_error(res, StatusCode::BAD_REQUEST, "invalid_json").await;
        assert_eq!(is_chinese(body["error"]["message"].as_str().unwrap()), lang == "zh-CN");
    }
}

#[tokio::test]
async fn well_formed_json_of_the_wrong_shape_is_422_naming_the_problem() {
    let app = probe_app().await;
    let res = app.client.post(app.url("/_probe/echo")).json(&json!({ "name": "王" })).send().await.unwrap();
    let body = assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(body["error"]["details"]["reason"].as_str().unwrap().contains("count"), "{body}");

    let ok = app.client.post(app.url("/_probe/echo")).json(&json!({ "name": "王", "count": 2 })).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = probe_app().await;
    let name = "村".repeat(200_000); // 600 kB, over the 256 kB default
    for lang in ["zh", "en"] {
        let res = app
            .client
            .post(app.url("/_probe/echo"))
            .header(ACCEPT_LANGUAGE, lang)
            .json(&json!({ "name": name, "count": 1 }))
            .send()
            .await
            .unwrap();
        let body = assert_error(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
        assert_eq!(is_chinese(body["error"]["message"].as_str().unwrap()), lang == "zh");
    }
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = probe_app().await;
    for lang in ["zh", "en"] {
        let res = app
            .client
            .post(app.url("/_probe/echo"))
            .header(CONTENT_TYPE, "text/plain")
            .header(ACCEPT_LANGUAGE, lang)
            .body("{\"name\":\"x\",\"count\":1}")
            .send()
            .await
            .unwrap();
        let body = assert_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
        assert_eq!(is_chinese(body["error"]["message"].as_str().unwrap()), lang == "zh");
    }
}

#[tokio::test]
async fn slow_requests_time_out_in_the_error_shape() {
    let app = spawn_app_with(Setup {
        extra_routes: Some(probes),
        env: vec![("YISHI_REQUEST_TIMEOUT_SECS", "1".into())],
        ..Setup::default()
    })
    .await;
    let res = app.client.get(app.url("/_probe/slow")).header(ACCEPT_LANGUAGE, "en").send().await.unwrap();
    assert!(res.headers().get("retry-after").is_some());
    let body = assert_error(res, StatusCode::SERVICE_UNAVAILABLE, "timeout").await;
    assert!(!is_chinese(body["error"]["message"].as_str().unwrap()));
}

#[tokio::test]
async fn every_response_carries_a_distinct_request_id() {
    let app = spawn_app().await;
    let a = app.get("/healthz").await;
    let b = app.get("/healthz").await;
    let id = |r: &reqwest::Response| r.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    let (a, b) = (id(&a).expect("request id"), id(&b).expect("request id"));
    assert_ne!(a, b);
    assert!(uuid::Uuid::parse_str(&a).is_ok(), "{a}");
}

#[tokio::test]
async fn get_reads_carry_an_etag_and_answer_304_when_unchanged() {
    let app = spawn_app().await;
    let first = app.get("/openapi.json").await;
    assert_eq!(first.status(), StatusCode::OK);
    let tag = first.headers().get(ETAG).expect("etag").to_str().unwrap().to_owned();

    let again = app.client.get(app.url("/openapi.json")).header(IF_NONE_MATCH, &tag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers().get(ETAG).map(|v| v.to_str().unwrap().to_owned()), Some(tag.clone()));
    assert!(again.bytes().await.unwrap().is_empty());

    let stale = app.client.get(app.url("/openapi.json")).header(IF_NONE_MATCH, "\"other\"").send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = spawn_app().await;
    let plain = app.get("/openapi.json").await.bytes().await.unwrap();
    for encoding in ["gzip", "br"] {
        let res = app.client.get(app.url("/openapi.json")).header(ACCEPT_ENCODING, encoding).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_owned()),
            Some(encoding.to_owned())
        );
        let compressed = res.bytes().await.unwrap();
        assert!(compressed.len() * 2 < plain.len(), "{encoding}: {} vs {}", compressed.len(), plain.len());
    }
}

#[tokio::test]
async fn metrics_are_served_on_the_internal_address_only() {
    let app = spawn_app().await;
    app.get("/healthz").await;
    app.get("/api/v1/missing").await;
    let public = app.get("/metrics").await;
    assert_eq!(public.status(), StatusCode::NOT_FOUND);

    let metrics_base = app.metrics_base.as_ref().expect("metrics listener");
    let text = app.client.get(format!("{metrics_base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains(r#"yishi_http_requests_total{method="GET",route="/healthz",status="200"} 1"#), "{text}");
    assert!(text.contains(r#"status="404""#), "{text}");
    assert!(text.contains("yishi_http_request_duration_seconds_bucket"), "{text}");
}

#[tokio::test]
async fn readiness_is_503_within_a_second_when_the_database_is_down() {
    let app = spawn_app_with(Setup {
        no_database: true,
        env: vec![
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/unreachable".into()),
            ("YISHI_AUTO_MIGRATE", "false".into()),
        ],
        ..Setup::default()
    })
    .await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK, "liveness does not depend on the database");
    let started = Instant::now();
    let res = app.get("/readyz").await;
    let took = started.elapsed();
    let body = assert_error(res, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert_eq!(body["error"]["details"]["database"], "down");
}

#[tokio::test]
async fn readiness_is_503_within_a_second_when_redis_is_down() {
    let app =
        spawn_app_with(Setup { env: vec![("REDIS_URL", "redis://127.0.0.1:1".into())], ..Setup::default() }).await;
    let started = Instant::now();
    let res = app.get("/readyz").await;
    let took = started.elapsed();
    let body = assert_error(res, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert_eq!(body["error"]["details"]["store"], "down");
    assert_eq!(body["error"]["details"]["database"], "up");
}

#[tokio::test]
async fn in_flight_requests_finish_on_graceful_shutdown() {
    let app = probe_app().await;
    let client = app.client.clone();
    let url = app.url("/_probe/hold");
    let in_flight = tokio::spawn(async move { client.get(url).send().await });
    tokio::time::timeout(Duration::from_secs(10), HOLD_ENTERED.notified())
        .await
        .expect("the request reaches its handler");
    // What SIGTERM does: stop accepting, let running requests finish.
    let stopping = tokio::spawn(app.handle.stop(true));
    // New connections are refused while the held request is still running.
    let fresh = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while fresh.get(app.url("/healthz")).send().await.is_ok() {
        assert!(Instant::now() < deadline, "the server still accepts new connections while stopping");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!in_flight.is_finished(), "the held request is still running");
    HOLD_RELEASE.notify_one();
    let res = tokio::time::timeout(Duration::from_secs(10), in_flight)
        .await
        .expect("answered once released")
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(res.status(), StatusCode::OK);
    tokio::time::timeout(Duration::from_secs(10), stopping).await.expect("the server stops").unwrap();
    assert!(app.client.get(app.url("/healthz")).send().await.is_err(), "no new connections after shutdown");
}

#[tokio::test]
async fn the_served_document_is_the_committed_openapi_yaml() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml"))
        .expect("openapi.yaml at the repository root");
    let generated = api::openapi::yaml().unwrap();
    assert!(
        committed == generated,
        "openapi.yaml is out of date: regenerate it with `cargo run -q -p yishi-api -- openapi > openapi.yaml`"
    );
    let app = spawn_app().await;
    let served: Value = app.get("/openapi.json").await.json().await.unwrap();
    assert_eq!(served, serde_json::to_value(api::openapi::document()).unwrap());
    assert!(served["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn swagger_ui_is_served_without_internet() {
    let app = spawn_app().await;
    let page = app.get("/swagger-ui/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui-bundle.js"), "{html}");
    assert!(!html.contains("https://"), "the page must not load assets from the internet");
    for asset in ["swagger-ui-bundle.js", "swagger-ui.css", "swagger-initializer.js"] {
        let res = app.get(&format!("/swagger-ui/{asset}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{asset}");
        assert!(res.bytes().await.unwrap().len() > 100, "{asset}");
    }
    let init = app.get("/swagger-ui/swagger-initializer.js").await.text().await.unwrap();
    assert!(init.contains("/openapi.json"), "{init}");
}

/// Every operation not on API.md's public list answers 401 without a token; the public ones do
/// not. Routes added later inherit this check by being in the document.
#[tokio::test]
async fn every_non_public_operation_requires_a_token() {
    let app = spawn_app().await;
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    assert!(!paths.is_empty());
    let mut checked = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let key = format!("{} {path}", method.to_uppercase());
            let concrete = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "0195c1b2-0000-7000-8000-000000000000" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = app.client.request(method, app.url(&concrete)).json(&json!({})).send().await.unwrap();
            let public = api::openapi::PUBLIC_OPERATIONS.contains(&key.as_str());
            if public {
                assert_ne!(res.status(), StatusCode::UNAUTHORIZED, "{key} is public");
                assert!(operation.get("security").is_none(), "{key} is public but documents a token");
            } else {
                assert_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
                assert!(operation["responses"]["401"].is_object(), "{key} must document 401");
            }
            checked += 1;
        }
    }
    assert!(checked >= api::openapi::PUBLIC_OPERATIONS.len());
}
