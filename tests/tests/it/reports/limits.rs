//! Anonymous reports' limits and refusals: five a day per person (the sixth 429, no row), bad
//! input 422 with no row, follow-up code attempts limited per client address, no filing by
//! proxy.

use reqwest::StatusCode;
use serde_json::json;
use yishi_tests::body;

use super::anonymity::{cast, count, post, report, reports_app};

#[tokio::test]
async fn the_sixth_report_of_a_day_is_refused_and_bad_input_stores_nothing() {
    let app = reports_app(&[]).await;
    let c = cast(&app).await;
    let w = &c.world;
    let bad = [
        (json!({ "org_unit_id": w.village_a, "subject": "bribes", "text": "村干部收受好处费。" }), "subject"),
        (json!({ "org_unit_id": w.village_a, "subject": "other", "text": "短" }), "text"),
        (json!({ "org_unit_id": w.township, "subject": "other", "text": "乡镇不是村，不收举报。" }), "org_unit_id"),
        (json!({ "org_unit_id": "nope", "subject": "other", "text": "编号不对的举报内容。" }), "org_unit_id"),
        (
            json!({ "org_unit_id": w.village_a, "subject": "other", "text": "点名的不是本村干部。", "named_user_id": c.other_officer.id }),
            "named_user_id",
        ),
        (
            json!({ "org_unit_id": w.village_a, "subject": "other", "text": "名字太长的举报内容。", "named_name": "名".repeat(41) }),
            "named_name",
        ),
    ];
    for (payload, field) in bad {
        let (status, refused) = post(&app, Some(&c.reporter.token), "/api/v1/reports", payload).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {refused}");
        assert_eq!(refused["error"]["details"]["field"], field, "{refused}");
    }
    assert_eq!((count(&app, "reports").await, count(&app, "report_quota").await), (0, 0), "bad input: no row");

    // Filing by proxy is refused (the proxy would know who reported).
    let proxied = app
        .client
        .post(app.url("/api/v1/reports"))
        .bearer_auth(&w.worker_a.token)
        .header("X-Acting-For", &c.reporter.id)
        .json(&report(&w.village_a))
        .send()
        .await
        .unwrap();
    assert!(proxied.status().is_client_error(), "{}", proxied.status());
    assert_eq!(count(&app, "reports").await, 0);

    for n in 0..5 {
        let (status, filed) = post(&app, Some(&c.reporter.token), "/api/v1/reports", report(&w.village_a)).await;
        assert_eq!(status, StatusCode::CREATED, "report {n}: {filed}");
    }
    let res = app.post(Some(&c.reporter.token), "/api/v1/reports", report(&w.village_a)).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get("retry-after").is_some());
    let (_, refused) = body(res).await;
    assert_eq!(refused["error"]["code"], "rate_limited", "{refused}");
    assert_eq!(count(&app, "reports").await, 5, "the sixth left no row");
    // Another person is not held back by the first one's day.
    let other = app.member("另一位村民", &w.village_a, &w.cadre_a.token).await;
    let (status, _) = post(&app, Some(&other.token), "/api/v1/reports", report(&w.village_a)).await;
    assert_eq!(status, StatusCode::CREATED);
    // The next day (Beijing), the first one may report again.
    app.clock.advance(chrono::Duration::hours(24));
    let login = app.wechat_login(&format!("dev:{}", super::anonymity::REPORTER_NAME)).await;
    let token = login["access_token"].as_str().unwrap_or_default().to_owned();
    let (status, filed) = post(&app, Some(&token), "/api/v1/reports", report(&w.village_a)).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(count(&app, "report_quota").await, 7);
}

#[tokio::test]
async fn follow_up_code_attempts_are_limited_per_address() {
    let app = reports_app(&[("YISHI_LIMIT_REPORT_CODES_PER_IP_PER_HOUR", "3")]).await;
    for _ in 0..3 {
        let (status, _) =
            post(&app, None, "/api/v1/reports/follow-up", json!({ "code": "0000000000000000000000000" })).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let res = app.post(None, "/api/v1/reports/follow-up", json!({ "code": "0000000000000000000000000" })).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get("retry-after").is_some());
    let add = json!({ "code": "0000000000000000000000000", "text": "补充材料补充材料" });
    let (status, refused) = post(&app, None, "/api/v1/reports/follow-up/additions", add).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
}
