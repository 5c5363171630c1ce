//! One matter, one file: the dossier as JSON holds every step and sheet, as a page it is a
//! printable document (text escaped), staff of the scope read it (audited), residents do not;
//! the village's showcase and monthly report count what happened.

use diesel::prelude::*;
use domain::Clock;
use reqwest::StatusCode;
use serde_json::json;
use yishi_tests::{body, id, spawn_app};

use super::support::{act, raise, resident_of, setup, triage};

#[tokio::test]
async fn the_dossier_holds_every_step_reads_as_a_document_and_is_for_staff_only() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "li").await;
    let matter = id(&raise(&app, &li, &w.village_a, "修缮祠堂<script>alert(1)</script>").await);
    let second = id(&raise(&app, &li, &w.village_a, "祠堂门口的路").await);
    triage(&app, &w.cadre_a.token, &matter, "small").await;
    let (status, _) = act(&app, &w.cadre_a.token, &second, "merge", json!({ "into": matter })).await;
    assert_eq!(status, StatusCode::OK);

    // The JSON file: the matter with every step, the record sheet.
    let path = format!("/api/v1/matters/{matter}/dossier");
    let (status, file) = body(app.get_as(&w.cadre_a.token, &path).await).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    let kinds: Vec<&str> =
        file["matter"]["timeline"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["raised", "triaged", "absorbed"]);
    assert_eq!(file["sheets"][0]["kind"], "record");
    assert_eq!(file["sheets"][0]["body"]["raised_by"], "li");
    assert_eq!(file["village_name"], "杨家村");
    // The page: a document with the title escaped, never markup.
    let res = app.get_as(&w.cadre_a.token, &format!("{path}.html")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = res.text().await.unwrap();
    assert!(page.contains("一事一档") && page.contains("三事分流") && page.contains("小事"), "{page}");
    assert!(page.contains("&lt;script&gt;") && !page.contains("<script>alert"), "escaped");

    // Residents (its author included) and other villages' staff do not read the file.
    assert_eq!(app.get_as(&li.token, &path).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_as(&d.cadre_b.token, &path).await.status(), StatusCode::NOT_FOUND);
    // Each read is in the audit log, by whom.
    let (matter_id, cadre) = (matter.clone(), w.cadre_a.id.clone());
    let reads: i64 = app
        .state
        .db
        .run(move |conn| {
            use infra::testing::schema::audit_log as a;
            let q = a::table
                .filter(a::object_id.eq(matter_id))
                .filter(a::action.eq("matter.dossier.read"))
                .filter(a::actor_id.eq(cadre));
            Ok::<i64, infra::InfraError>(q.count().get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(reads, 2);

    // The month's report: two raised, one triaged small on time; the showcase has nothing
    // resolved yet.
    let month = app.clock.now().with_timezone(&domain::calendar::beijing()).format("%Y-%m").to_string();
    let (status, report) = body(
        app.get_as(&w.cadre_a.token, &format!("/api/v1/org-units/{}/matter-report?month={month}", w.village_a)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!((report["raised"].as_i64(), report["triaged_on_time"].as_i64()), (Some(2), Some(1)));
    assert_eq!(report["triaged_by_tier"], json!([{ "tier": "small", "count": 1 }]));
    assert_eq!(
        app.get_as(&li.token, &format!("/api/v1/org-units/{}/matter-report?month={month}", w.village_a)).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, e) = body(
        app.get_as(&w.cadre_a.token, &format!("/api/v1/org-units/{}/matter-report?month=2026-13", w.village_a)).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (status, shown) =
        body(app.get_as(&li.token, &format!("/api/v1/org-units/{}/matter-showcase", w.village_a)).await).await;
    assert_eq!((status, shown["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
}
