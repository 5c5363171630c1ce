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

/// A matter from raise to archive — supported, triaged, discussed, put to a courtyard meeting,
/// settled by the council with a commitment kept, rated and revisited — has one file holding
/// every step. With `YISHI_DOSSIER_SAMPLE=PATH` the printable page is written there to look at.
#[tokio::test]
async fn a_finished_matter_has_one_file_with_every_step() {
    let app = yishi_tests::spawn_app_with(yishi_tests::Setup {
        env: vec![("YISHI_ACCESS_TOKEN_TTL_SECS", "86400".to_owned())],
        ..yishi_tests::Setup::default()
    })
    .await;
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "李春华").await;
    let wang = resident_of(&app, &w.village_a, &w.cadre_a.token, "王建国").await;
    let council = app.staff(&w.admin, "council-a", &w.village_a).await;
    assert_eq!(
        app.grant(&w.admin, &council.id, "council_member", "org_unit", &w.village_a).await.status(),
        StatusCode::CREATED
    );
    let later = |hours: i64| (app.clock.now() + chrono::Duration::hours(hours)).to_rfc3339();
    let ok = |(status, v): (StatusCode, serde_json::Value), what: &str| {
        assert!(status.is_success(), "{what}: {status} {v}");
        v
    };

    let matter = id(&raise(&app, &li, &w.village_a, "村口小广场想装几盏路灯").await);
    ok(act(&app, &wang.token, &matter, "supports", json!({})).await, "support");
    triage(&app, &w.cadre_a.token, &matter, "small").await;
    ok(
        act(&app, &wang.token, &matter, "opinions", json!({ "body": "赞成，建议装太阳能路灯，省电费。" })).await,
        "opinion",
    );
    // A courtyard meeting on it: three confirms, announced, one check-in, minutes.
    let meeting = json!({ "scope_id": w.village_a, "title": "村口路灯屋场会", "mode": "offline", "courtyard": true,
        "starts_at": later(24), "place": "村部院坝" });
    let meeting = id(&ok(body(app.post(Some(&council.token), "/api/v1/meetings", meeting).await).await, "meeting"));
    let path = |action: &str| format!("/api/v1/meetings/{meeting}/{action}");
    let invite = json!({ "invitees": [{ "user_id": li.id }, { "user_id": wang.id }] });
    ok(body(app.post(Some(&council.token), &path("invitees"), invite).await).await, "invite");
    ok(body(app.post(Some(&council.token), &path("agenda"), json!({ "matter_id": matter })).await).await, "agenda");
    ok(body(app.post(Some(&council.token), &path("announce"), json!({})).await).await, "announce");
    let code = ok(body(app.post(Some(&council.token), &path("checkin-code"), json!({})).await).await, "code");
    ok(body(app.post(Some(&li.token), &path("checkin"), json!({ "code": code["code"] })).await).await, "checkin");
    let minutes = json!({ "minutes": "到会村民一致同意安装四盏太阳能路灯。", "outcomes": [{ "matter_id": matter, "outcome": "同意安装四盏太阳能路灯" }] });
    ok(body(app.post(Some(&council.token), &path("minutes"), minutes).await).await, "minutes");
    // The council settles it; the commitment is kept; residents rate it; a revisit; archived.
    let resolution = json!({ "decided_by": "council", "body": "安装四盏太阳能路灯，费用从村集体公益金列支。",
        "commitments": [{ "owner_id": w.worker_a.id, "what": "采购并安装四盏太阳能路灯", "due_at": later(72) }] });
    // A commitment is owned by a person of the village: another village's cadre is refused.
    let mut elsewhere = resolution.clone();
    elsewhere["commitments"][0]["owner_id"] = json!(d.cadre_b.id);
    let (status, e) = act(&app, &council.token, &matter, "resolution", elsewhere).await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("commitments"))
    );
    ok(act(&app, &council.token, &matter, "resolution", resolution).await, "resolution");
    let (_, list) = body(app.get_as(&li.token, &format!("/api/v1/matters/{matter}/commitments")).await).await;
    let progress = format!("/api/v1/commitments/{}/progress", id(&list["items"][0]));
    ok(
        body(
            app.post(Some(&w.worker_a.token), &progress, json!({ "body": "四盏路灯已安装并通电", "done": true })).await,
        )
        .await,
        "done",
    );
    ok(act(&app, &w.cadre_a.token, &matter, "evaluation/open", json!({})).await, "evaluate");
    ok(act(&app, &li.token, &matter, "ratings", json!({ "rating": 5, "comment": "晚上亮堂了" })).await, "rate");
    ok(act(&app, &wang.token, &matter, "ratings", json!({ "rating": 4 })).await, "rate");
    ok(
        act(&app, &council.token, &matter, "revisits", json!({ "note": "回访：路灯运行正常，群众满意。" })).await,
        "revisit",
    );
    app.clock.advance(chrono::Duration::days(8));
    app.state.jobs.run_now("archive_matters").await.unwrap();
    // (Tokens last a day: the cadre logs in again.)
    let login = app.login("cadre-a", yishi_tests::world::STAFF_PASSWORD).await;
    let cadre = login["access_token"].as_str().unwrap().to_owned();

    let (status, file) = body(app.get_as(&cadre, &format!("/api/v1/matters/{matter}/dossier")).await).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(file["matter"]["status"], "archived");
    let kinds: Vec<&str> =
        file["matter"]["timeline"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    for step in ["raised", "triaged", "meeting_announced", "meeting_held", "archived"] {
        assert!(kinds.contains(&step), "{step} missing from {kinds:?}");
    }
    assert_eq!(file["opinions"]["total"], 1);
    assert_eq!(file["meetings"][0]["attendees"], json!(["李春华"]));
    assert_eq!(file["meetings"][0]["outcome"], "同意安装四盏太阳能路灯");
    assert_eq!(file["resolution"]["decided_by"], "council");
    assert_eq!(
        (file["commitments"][0]["status"].as_str(), file["commitments"][0]["progress"].as_array().map(Vec::len)),
        (Some("done"), Some(1))
    );
    assert_eq!((file["evaluation"]["count"].as_i64(), file["evaluation"]["average"].as_f64()), (Some(2), Some(4.5)));
    assert_eq!(file["revisits"].as_array().map(Vec::len), Some(1));
    let page = app.get_as(&cadre, &format!("/api/v1/matters/{matter}/dossier.html")).await.text().await.unwrap();
    for text in ["一事一档", "村口路灯屋场会", "安装四盏太阳能路灯", "四盏路灯已安装并通电", "平均 4.50 分", "回访"]
    {
        assert!(page.contains(text), "{text} missing from the page: {}", page.chars().take(300).collect::<String>());
    }
    if let Ok(path) = std::env::var("YISHI_DOSSIER_SAMPLE") {
        std::fs::write(path, &page).unwrap();
    }
    // The village's showcase, public, names the matter and nobody.
    let (_, shown) = body(app.get(&format!("/api/v1/org-units/{}/matter-showcase", w.village_a)).await).await;
    assert_eq!(shown["items"][0]["id"].as_str(), Some(matter.as_str()));
    let item = &shown["items"][0];
    assert_eq!((item["commitments"].as_i64(), item["commitments_done"].as_i64()), (Some(1), Some(1)));
    assert_eq!((item["average_rating"].as_f64(), item["decided_by"].as_str()), (Some(4.5), Some("council")));
    assert!(!shown.to_string().contains("李春华"));
}
