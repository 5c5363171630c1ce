//! The public board (五亮) and the village's documents: the board read without login with every
//! section filled, phones masked; a document version tied to an assembly poll in force only when
//! the poll passes; the refusals (another village's cadre 404, a resident 403, bad input 422 with
//! no row written); the page escaping what staff wrote.

use diesel::prelude::*;
use domain::clock::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::Account;
use yishi_tests::{assert_invalid_field, body, id, spawn_app_with, Setup, TestApp};

async fn board_app() -> TestApp {
    let env = [
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400"),
        ("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "100000"),
        ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "1000000"),
    ];
    spawn_app_with(Setup { env: env.map(|(k, v)| (k, v.to_owned())).to_vec(), ..Setup::default() }).await
}

async fn post(app: &TestApp, who: &str, path: &str, json: Value) -> (StatusCode, Value) {
    body(app.post(Some(who), path, json).await).await
}

async fn public(app: &TestApp, path: &str) -> (StatusCode, Value) {
    body(app.get(path).await).await
}

fn powers_doc() -> Value {
    json!({
        "kind": "small_powers", "title": "小微权力清单",
        "powers": [{
            "name": "村级工程项目", "category": "重大事项决策", "exercised_by": "村两委",
            "steps": ["村党组织提议", "村两委商议", "党员大会审议", "村民代表会议决议"],
            "basis": "《村民委员会组织法》",
        }],
    })
}

fn rules_doc(title: &str) -> Value {
    json!({ "kind": "village_rules", "title": title, "body": "第一条 爱党爱国。\n第二条 垃圾分类。" })
}

/// Writes a document of village A and publishes it; answers it.
async fn published(app: &TestApp, cadre: &Account, village: &str, doc: Value) -> Value {
    let (status, draft) = post(app, &cadre.token, &format!("/api/v1/org-units/{village}/board/documents"), doc).await;
    assert_eq!((status, draft["status"].as_str()), (StatusCode::CREATED, Some("draft")), "{draft}");
    let (status, doc) =
        post(app, &cadre.token, &format!("/api/v1/board/documents/{}/publish", id(&draft)), json!({})).await;
    assert_eq!((status, doc["status"].as_str()), (StatusCode::OK, Some("in_force")), "{doc}");
    doc
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    app.state
        .db
        .run(move |conn| -> Result<i64, infra::InfraError> {
            use infra::testing::schema::{board_cadre_posts as p, board_documents as d, board_supervision as s};
            Ok(match table {
                "posts" => p::table.count().get_result(conn)?,
                "documents" => d::table.count().get_result(conn)?,
                _ => s::table.count().get_result(conn)?,
            })
        })
        .await
        .unwrap_or_else(|e| panic!("counting {table}: {e}"))
}

#[tokio::test]
async fn the_board_is_public_with_every_section_filled() {
    let app = board_app().await;
    let w = app.world().await;
    let village = &w.village_a;
    let supervisor = app.villager(village, &w.cadre_a.token, "sup", "13912345678").await;
    let res = app.grant(&w.admin, &supervisor.id, "supervisor", "org_unit", village).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let post_body = json!({ "person_id": w.cadre_a.id, "title": "村党组织书记", "duties": "主持村党组织全面工作", "phone": "13812348888", "position": 1 });
    let (status, created) =
        post(&app, &w.cadre_a.token, &format!("/api/v1/org-units/{village}/board/cadre-posts"), post_body.clone())
            .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["phone_masked"], "138****8888");
    let again =
        post(&app, &w.cadre_a.token, &format!("/api/v1/org-units/{village}/board/cadre-posts"), post_body).await;
    assert_eq!(again.0, StatusCode::CONFLICT, "the same post twice: {}", again.1);
    let committee = json!({ "committee": "杨家村村务监督委员会", "phone": "0738-5551234", "address": "村部二楼" });
    let res = app.put(&w.cadre_a.token, &format!("/api/v1/org-units/{village}/board/supervision"), committee).await;
    assert_eq!(res.status(), StatusCode::OK);
    published(&app, &w.cadre_a, village, powers_doc()).await;
    published(&app, &w.cadre_a, village, rules_doc("杨家村村规民约")).await;

    let (status, board) = public(&app, &format!("/api/v1/public/org-units/{village}/board")).await;
    assert_eq!(status, StatusCode::OK, "{board}");
    assert_eq!(board["village_name"], "杨家村");
    assert_eq!(board["cadres"][0]["title"], "村党组织书记");
    assert_eq!(board["cadres"][0]["name"], "cadre-a");
    assert_eq!(board["cadres"][0]["phone_masked"], "138****8888");
    assert_eq!(board["small_powers"]["items"][0]["steps"].as_array().map(Vec::len), Some(4));
    assert_eq!(board["documents"][0]["kind"], "village_rules");
    assert_eq!(board["notices"], json!([]), "the notices part fills this after merge");
    assert_eq!(board["supervision"]["supervisors"][0]["phone_masked"], "139****5678");
    assert_eq!(board["supervision"]["committee"]["committee"], "杨家村村务监督委员会");
    assert_eq!(board["supervision"]["report_url"], "/api/v1/reports");
    assert!(board["results"]["month"].as_str().is_some_and(|m| m.len() == 7), "{board}");
    let text = board.to_string();
    assert!(!text.contains("13812348888") && !text.contains("13912345678"), "no full personal phone: {text}");

    let page = app.get(&format!("/public/villages/{village}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/html"));
    let html = page.text().await.unwrap_or_default();
    for shown in [
        "干部亮职",
        "村党组织书记",
        "138****8888",
        "村级工程项目",
        "杨家村村规民约",
        "杨家村村务监督委员会",
        "清廉亮效",
    ] {
        assert!(html.contains(shown), "the page shows {shown}");
    }
    assert!(!html.contains("13812348888"));
    assert_eq!(public(&app, &format!("/api/v1/public/org-units/{}/board", w.township)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/public/villages/{}", domain::new_id())).await.status(), StatusCode::NOT_FOUND);
}

/// Creates a motion of the village by the cadre (a draft, to be scheduled): answers its id.
async fn motion(app: &TestApp, cadre: &Account, village: &str) -> String {
    let now = app.clock.now();
    let poll = json!({
        "scope_id": village, "title": "村规民约修订", "kind": "motion", "options": [],
        "secrecy": "secret", "electorate": "residents", "results": "live", "threshold": "majority",
        "opens_at": (now + chrono::Duration::minutes(10)).to_rfc3339(),
        "closes_at": (now + chrono::Duration::hours(2)).to_rfc3339(),
    });
    let (status, created) = post(app, &cadre.token, "/api/v1/polls", poll).await;
    assert_eq!(status, StatusCode::CREATED, "poll: {created}");
    id(&created)
}

/// Schedules and opens the poll, has each voter choose `choice` (0 for, 1 against), and closes
/// and publishes it.
async fn hold_vote(app: &TestApp, cadre: &Account, poll: &str, voters: &[Account], choice: usize) {
    let (status, scheduled) = post(app, &cadre.token, &format!("/api/v1/polls/{poll}/schedule"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{scheduled}");
    app.clock.advance(chrono::Duration::minutes(11));
    app.state.jobs.run_now("open_polls").await.unwrap();
    for voter in voters {
        let (status, ballot) =
            post(app, &voter.token, &format!("/api/v1/polls/{poll}/ballots"), json!({ "choices": [choice] })).await;
        assert_eq!(status, StatusCode::CREATED, "{ballot}");
    }
    app.clock.advance(chrono::Duration::hours(3));
    app.state.jobs.run_now("close_polls").await.unwrap();
}

async fn rules_in_force(app: &TestApp, village: &str) -> Value {
    let (status, board) = public(app, &format!("/api/v1/public/org-units/{village}/board")).await;
    assert_eq!(status, StatusCode::OK);
    board["documents"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["kind"] == "village_rules").cloned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_version_tied_to_a_poll_comes_into_force_only_when_the_poll_passes() {
    let app = board_app().await;
    let w = app.world().await;
    let village = &w.village_a;
    let voters = vec![
        app.member("bv-1", village, &w.cadre_a.token).await,
        app.member("bv-2", village, &w.cadre_a.token).await,
        app.member("bv-3", village, &w.cadre_a.token).await,
    ];
    let v1 = published(&app, &w.cadre_a, village, rules_doc("村规民约（2025）")).await;
    let documents = format!("/api/v1/org-units/{village}/board/documents");

    // Version 2 tied to a vote that passes: in force once the poll is published.
    let (_, v2) = post(&app, &w.cadre_a.token, &documents, rules_doc("村规民约（2026）")).await;
    let submit = format!("/api/v1/board/documents/{}/submit-to-vote", id(&v2));
    assert_invalid_field(
        app.post(Some(&w.cadre_a.token), &submit, json!({ "poll_id": domain::new_id() })).await,
        "poll_id",
    )
    .await;
    let poll = motion(&app, &w.cadre_a, village).await;
    let (status, pending) = post(&app, &w.cadre_a.token, &submit, json!({ "poll_id": poll })).await;
    assert_eq!((status, pending["status"].as_str()), (StatusCode::OK, Some("pending_vote")), "{pending}");
    assert_eq!(rules_in_force(&app, village).await["id"], v1["id"], "not in force while the vote runs");
    hold_vote(&app, &w.cadre_a, &poll, &voters, 0).await;
    assert_eq!(rules_in_force(&app, village).await["id"], v2["id"], "in force once the vote passed");

    // Version 3 tied to a vote that fails: rejected, version 2 still in force.
    let (_, v3) = post(&app, &w.cadre_a.token, &documents, rules_doc("村规民约（草案）")).await;
    let poll = motion(&app, &w.cadre_a, village).await;
    let submit = format!("/api/v1/board/documents/{}/submit-to-vote", id(&v3));
    assert_eq!(post(&app, &w.cadre_a.token, &submit, json!({ "poll_id": poll })).await.0, StatusCode::OK);
    hold_vote(&app, &w.cadre_a, &poll, &voters, 1).await;
    assert_eq!(rules_in_force(&app, village).await["id"], v2["id"]);
    let (_, rejected) = body(app.get_as(&w.cadre_a.token, &format!("/api/v1/board/documents/{}", id(&v3))).await).await;
    assert_eq!(rejected["status"], "rejected");

    // The history: version 2 in force, version 1 superseded and still readable; no draft, no
    // rejected version in public.
    let (status, history) =
        public(&app, &format!("/api/v1/public/org-units/{village}/board/documents?kind=village_rules")).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let seen: Vec<(i64, String)> = history["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|d| (d["version"].as_i64().unwrap_or(0), d["status"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(seen, vec![(2, "in_force".to_owned()), (1, "superseded".to_owned())]);
    assert_eq!(
        post(&app, &w.cadre_a.token, &format!("/api/v1/board/documents/{}/publish", id(&v2)), json!({})).await.0,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn only_the_villages_keepers_edit_its_board_and_bad_input_writes_nothing() {
    let app = board_app().await;
    let w = app.world().await;
    let village = &w.village_a;
    let cadre_b = app.staff(&w.admin, "cadre-b", &w.village_b).await;
    assert_eq!(
        app.grant(&w.admin, &cadre_b.id, "village_cadre", "org_unit", &w.village_b).await.status(),
        StatusCode::CREATED
    );
    let resident = app.member("br-1", village, &w.cadre_a.token).await;
    let posts = format!("/api/v1/org-units/{village}/board/cadre-posts");
    let documents = format!("/api/v1/org-units/{village}/board/documents");
    let supervision = format!("/api/v1/org-units/{village}/board/supervision");
    let post_body = json!({ "person_id": w.cadre_a.id, "title": "村委会主任" });
    let committee = json!({ "committee": "监委会" });

    // Another village's cadre: 404, existence not revealed. A resident of the village: 403.
    for (who, status) in [(&cadre_b, StatusCode::NOT_FOUND), (&resident, StatusCode::FORBIDDEN)] {
        assert_eq!(post(&app, &who.token, &posts, post_body.clone()).await.0, status);
        assert_eq!(post(&app, &who.token, &documents, rules_doc("村规民约")).await.0, status);
        assert_eq!(app.put(&who.token, &supervision, committee.clone()).await.status(), status);
    }
    let doc = published(&app, &w.cadre_a, village, rules_doc("村规民约")).await;
    let (status, post_a) = post(&app, &w.cadre_a.token, &posts, post_body.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    let delete = app.client.delete(app.url(&format!("/api/v1/board/cadre-posts/{}", id(&post_a))));
    let res = delete.bearer_auth(&cadre_b.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .client
        .get(app.url(&format!("/api/v1/board/documents/{}", id(&doc))))
        .bearer_auth(&resident.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (posts_before, documents_before) = (count(&app, "posts").await, count(&app, "documents").await);

    // Bad input: 422 naming the field, and nothing written.
    let bad_posts = [
        (json!({ "person_id": w.cadre_a.id, "title": "" }), "title"),
        (json!({ "person_id": w.cadre_a.id, "title": "主任", "phone": "abc" }), "phone"),
        (json!({ "person_id": resident.id, "title": "主任" }), "person_id"),
    ];
    for (bad, field) in bad_posts {
        assert_invalid_field(app.post(Some(&w.cadre_a.token), &posts, bad).await, field).await;
    }
    let bad_documents = [
        (json!({ "kind": "village_rules", "title": "村规民约", "body": "" }), "body"),
        (json!({ "kind": "small_powers", "title": "清单", "powers": [] }), "powers"),
        (json!({ "kind": "manifesto", "title": "x", "body": "x" }), "kind"),
    ];
    for (bad, field) in bad_documents {
        assert_invalid_field(app.post(Some(&w.cadre_a.token), &documents, bad).await, field).await;
    }
    assert_invalid_field(app.put(&w.cadre_a.token, &supervision, json!({ "committee": " " })).await, "committee").await;
    assert_eq!((count(&app, "posts").await, count(&app, "documents").await), (posts_before, documents_before));
    assert_eq!(count(&app, "supervision").await, 0);
    let township = format!("/api/v1/org-units/{}/board/documents", w.township);
    assert_invalid_field(app.post(Some(&w.officer.token), &township, rules_doc("x")).await, "org_unit_id").await;
}

#[tokio::test]
async fn the_page_escapes_what_staff_wrote() {
    let app = board_app().await;
    let w = app.world().await;
    published(&app, &w.cadre_a, &w.village_a, rules_doc("<script>alert('村规')</script>")).await;
    let page = app.get(&format!("/public/villages/{}", w.village_a)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("&lt;script&gt;alert"), "escaped: {html}");
    assert!(!html.contains("<script>"), "no script on the page");
}
