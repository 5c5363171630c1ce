//! Notices (阳光村务), acceptance 1 of issue 15: a notice posted by a village's cadre, seen
//! without logging in, objected to by a resident, answered, the answer visible in public (never
//! the objector); the board's mini-program code fetched from WeChat once and then served from
//! the store, a WeChat error a 502 that stores nothing; denials; bad input refused with no row.

use chrono::Duration;
use diesel::prelude::*;
use domain::clock::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::fake_wechat::{self, CODE_PNG};
use yishi_tests::world::{Account, World};
use yishi_tests::{assert_invalid_field, body, id, spawn_app_with, Setup, TestApp};

fn env() -> Vec<(&'static str, String)> {
    vec![
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400".to_owned()),
        ("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "100000".to_owned()),
        ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "1000000".to_owned()),
    ]
}

async fn notices_app() -> TestApp {
    spawn_app_with(Setup { env: env(), ..Setup::default() }).await
}

fn at(app: &TestApp, offset: Duration) -> String {
    (app.clock.now() + offset).to_rfc3339()
}

fn notice(app: &TestApp, title: &str, public: bool) -> Value {
    json!({
        "kind": "finance",
        "title": title,
        "body": "十一月收入 12,000 元，支出 8,500 元，明细见附件。",
        "posted_from": at(app, -Duration::hours(1)),
        "posted_to": at(app, Duration::days(7)),
        "public": public,
    })
}

async fn post(app: &TestApp, who: &str, path: &str, json: Value) -> (StatusCode, Value) {
    body(app.post(Some(who), path, json).await).await
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::{notice_board_codes as c, notice_objections as o, notices as n};
            let counted = match table {
                "notices" => n::table.count().get_result::<i64>(conn),
                "objections" => o::table.count().get_result::<i64>(conn),
                _ => c::table.count().get_result::<i64>(conn),
            };
            counted.map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

async fn inbox(app: &TestApp, user: &str, kind: &str) -> Vec<String> {
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
    let (user, kind) = (user.to_owned(), kind.to_owned());
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::notifications as n;
            n::table
                .filter(n::user_id.eq(&user))
                .filter(n::kind.eq(&kind))
                .select(n::body)
                .load::<String>(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

async fn cadre_of(app: &TestApp, w: &World, name: &str, village: &str) -> Account {
    let cadre = app.staff(&w.admin, name, village).await;
    let res = app.grant(&w.admin, &cadre.id, "village_cadre", "org_unit", village).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    cadre
}

#[tokio::test]
async fn a_notice_is_posted_seen_without_login_objected_to_answered_and_the_answer_is_public() {
    let app = notices_app().await;
    let w = app.world().await;
    let resident = app.member("nt-resident", &w.village_a, &w.cadre_a.token).await;
    let notices = format!("/api/v1/org-units/{}/notices", w.village_a);

    // Posted by the village's cadre, idempotently; one for residents only.
    let key = ("Idempotency-Key", "notice-post-0001");
    let first = app.client.post(app.url(&notices)).bearer_auth(&w.cadre_a.token).header(key.0, key.1);
    let (status, posted) = body(first.json(&notice(&app, "十一月村级财务收支公开", true)).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    assert_eq!((posted["kind"].as_str(), posted["status"].as_str()), (Some("finance"), Some("posted")));
    let again = app.client.post(app.url(&notices)).bearer_auth(&w.cadre_a.token).header(key.0, key.1);
    let (status, replayed) =
        body(again.json(&notice(&app, "十一月村级财务收支公开", true)).send().await.unwrap()).await;
    assert_eq!((status, id(&replayed)), (StatusCode::CREATED, id(&posted)));
    let (status, private) = post(&app, &w.cadre_a.token, &notices, notice(&app, "低保名单（仅本村居民）", false)).await;
    assert_eq!(status, StatusCode::CREATED, "{private}");
    assert_eq!(count(&app, "notices").await, 2);

    // Seen without logging in: the public one only, by its list and its stable link.
    let (status, list) = body(app.get(&format!("/api/v1/public/org-units/{}/notices", w.village_a)).await).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.iter().map(id).collect::<Vec<_>>(), vec![id(&posted)], "{list}");
    let link = format!("/api/v1/public/notices/{}", id(&posted));
    let (status, seen) = body(app.get(&link).await).await;
    assert_eq!((status, seen["title"].as_str()), (StatusCode::OK, Some("十一月村级财务收支公开")), "{seen}");
    let (status, _) = body(app.get(&format!("/api/v1/public/notices/{}", id(&private))).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The resident, logged in, sees both.
    let (status, theirs) = body(app.get_as(&resident.token, &notices).await).await;
    assert_eq!((status, theirs["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)), "{theirs}");

    // Objected to by the resident, once.
    let objections = format!("/api/v1/notices/{}/objections", id(&posted));
    let reason = json!({ "reason": "修路支出 3,000 元没有发票" });
    let (status, objection) = post(&app, &resident.token, &objections, reason.clone()).await;
    assert_eq!((status, objection["status"].as_str()), (StatusCode::CREATED, Some("pending")), "{objection}");
    let (status, twice) = post(&app, &resident.token, &objections, reason).await;
    assert_eq!((status, twice["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_done")), "{twice}");
    assert_eq!(count(&app, "objections").await, 1);
    assert_eq!(inbox(&app, &w.cadre_a.id, "notice_objected").await.len(), 1);

    // Staff see the reason and a masked objector; the public neither.
    let (status, staff_view) =
        body(app.get_as(&w.cadre_a.token, &format!("/api/v1/notices/{}", id(&posted))).await).await;
    assert_eq!(status, StatusCode::OK, "{staff_view}");
    assert_eq!(staff_view["objections"][0]["reason"], "修路支出 3,000 元没有发票");
    assert!(staff_view["objections"][0]["objector"].as_str().is_some_and(|o| o.contains('*')), "{staff_view}");

    // Answered by the cadre; the answer is public, the objector told.
    let answer_path = format!("/api/v1/notice-objections/{}/answer", id(&objection));
    let answer = json!({ "decision": "accepted", "answer": "已补齐发票，张贴于村务公开栏" });
    let (status, answered) = post(&app, &w.cadre_a.token, &answer_path, answer.clone()).await;
    assert_eq!((status, answered["status"].as_str()), (StatusCode::OK, Some("accepted")), "{answered}");
    let (status, _) = post(&app, &w.cadre_a.token, &answer_path, answer).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let told = inbox(&app, &resident.id, "notice_objection_answered").await;
    assert!(told.len() == 1 && told[0].contains("已补齐发票"), "{told:?}");
    let res = app.get(&link).await;
    let text = res.text().await.unwrap();
    let public: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((public["objection_count"].as_u64(), public["answered_count"].as_u64()), (Some(1), Some(1)), "{public}");
    assert_eq!(public["objections"][0]["answer"], "已补齐发票，张贴于村务公开栏");
    assert!(public["objections"][0].get("objector").is_none() && public["objections"][0].get("reason").is_none());
    assert!(!text.contains(&resident.id) && !text.contains("nt-resident"), "{text}");

    // Withdrawn with a reason: still public, as withdrawn; no more objections (409).
    let withdraw = format!("/api/v1/notices/{}/withdraw", id(&posted));
    let (status, withdrawn) = post(&app, &w.cadre_a.token, &withdraw, json!({ "reason": "数据有误，重新公示" })).await;
    assert_eq!((status, withdrawn["status"].as_str()), (StatusCode::OK, Some("withdrawn")), "{withdrawn}");
    let (_, seen) = body(app.get(&link).await).await;
    assert_eq!(
        (seen["status"].as_str(), seen["withdraw_reason"].as_str()),
        (Some("withdrawn"), Some("数据有误，重新公示"))
    );
    assert_eq!(count(&app, "notices").await, 2);
}

#[tokio::test]
async fn objections_outside_the_period_and_from_elsewhere_and_staff_of_other_villages_are_refused() {
    let app = notices_app().await;
    let w = app.world().await;
    let cadre_b = cadre_of(&app, &w, "nt-cadre-b", &w.village_b).await;
    let resident = app.member("nt-a", &w.village_a, &w.cadre_a.token).await;
    let outsider = app.member("nt-b", &w.village_b, &w.officer.token).await;
    let notices = format!("/api/v1/org-units/{}/notices", w.village_a);

    // A cadre of village B cannot post in A (404), a resident cannot post (403).
    let (status, _) = post(&app, &cadre_b.token, &notices, notice(&app, "越权公示", true)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post(&app, &resident.token, &notices, notice(&app, "居民公示", true)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "notices").await, 0);

    let (status, posted) = post(&app, &w.cadre_a.token, &notices, notice(&app, "项目公示", true)).await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    let objections = format!("/api/v1/notices/{}/objections", id(&posted));
    // A resident of B cannot object in A; A's resident can, and B's cadre cannot answer it.
    let (status, _) = post(&app, &outsider.token, &objections, json!({ "reason": "不同意" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, objection) = post(&app, &resident.token, &objections, json!({ "reason": "预算偏高" })).await;
    assert_eq!(status, StatusCode::CREATED, "{objection}");
    let answer_path = format!("/api/v1/notice-objections/{}/answer", id(&objection));
    let answer = json!({ "decision": "rejected", "answer": "预算经村民代表会议通过" });
    let (status, _) = post(&app, &cadre_b.token, &answer_path, answer.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post(&app, &resident.token, &answer_path, answer).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A notice whose period is over takes no objection (422 outside_posting_period).
    let past = json!({
        "kind": "resolution", "title": "上月决议", "posted_from": at(&app, -Duration::days(10)),
        "posted_to": at(&app, -Duration::days(3)), "public": true,
    });
    let (status, old) = post(&app, &w.cadre_a.token, &notices, past).await;
    assert_eq!(status, StatusCode::CREATED, "{old}");
    let late = format!("/api/v1/notices/{}/objections", id(&old));
    let (status, refused) = post(&app, &resident.token, &late, json!({ "reason": "迟到的异议" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["code"], "outside_posting_period");
    assert_eq!(count(&app, "objections").await, 1);

    // Edits only before the period starts.
    let (status, _) =
        body(app.put(&w.cadre_a.token, &format!("/api/v1/notices/{}", id(&posted)), notice(&app, "改", true)).await)
            .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let mut later = notice(&app, "下周公示", true);
    later["posted_from"] = json!(at(&app, Duration::days(2)));
    let (_, future) = post(&app, &w.cadre_a.token, &notices, later.clone()).await;
    later["title"] = json!("下周公示（修订）");
    let (status, edited) =
        body(app.put(&w.cadre_a.token, &format!("/api/v1/notices/{}", id(&future)), later).await).await;
    assert_eq!((status, edited["title"].as_str()), (StatusCode::OK, Some("下周公示（修订）")), "{edited}");
    // Not yet public: its period has not started.
    let (status, _) = body(app.get(&format!("/api/v1/public/notices/{}", id(&future))).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_notices_are_refused_with_no_row() {
    let app = notices_app().await;
    let w = app.world().await;
    let notices = format!("/api/v1/org-units/{}/notices", w.village_a);
    let mut empty = notice(&app, "  ", true);
    assert_invalid_field(app.post(Some(&w.cadre_a.token), &notices, empty.clone()).await, "title").await;
    empty["title"] = json!("倒置的公示期");
    empty["posted_to"] = json!(at(&app, -Duration::days(2)));
    assert_invalid_field(app.post(Some(&w.cadre_a.token), &notices, empty).await, "posted_to").await;
    let mut unknown = notice(&app, "未知类型", true);
    unknown["kind"] = json!("gossip");
    assert_invalid_field(app.post(Some(&w.cadre_a.token), &notices, unknown).await, "kind").await;
    assert_eq!(count(&app, "notices").await, 0);
}

#[tokio::test]
async fn the_boards_code_is_fetched_from_wechat_once_and_a_wechat_error_stores_nothing() {
    let fake = fake_wechat::start().await;
    let mut env = env();
    env.extend(fake.env());
    let app = spawn_app_with(Setup { env, ..Setup::default() }).await;
    let w = app.world().await;

    let code = format!("/api/v1/public/org-units/{}/notices/code.png", w.village_a);
    for _ in 0..3 {
        let res = app.get(&code).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/png");
        assert_eq!(res.bytes().await.unwrap().as_ref(), CODE_PNG);
    }
    assert_eq!(fake.code_calls(), 1);
    let asked = fake.code_requests();
    assert_eq!(asked[0]["scene"], w.village_a.replace('-', ""));
    assert_eq!(asked[0]["page"], "pages/board/index");

    // WeChat refuses: 502 in the one error shape, nothing stored; the next request fetches.
    fake.script_codes(&[45009]);
    let other = format!("/api/v1/public/org-units/{}/notices/code.png", w.village_b);
    let (status, refused) = body(app.get(&other).await).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("wechat_code_failed")),
        "{refused}"
    );
    assert_eq!(count(&app, "codes").await, 1);
    assert_eq!(app.get(&other).await.status(), StatusCode::OK);
    assert_eq!((fake.code_calls(), count(&app, "codes").await), (3, 2));
    // An unknown unit: 404, WeChat not asked.
    let unknown = format!("/api/v1/public/org-units/{}/notices/code.png", domain::new_id());
    assert_eq!(app.get(&unknown).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(fake.code_calls(), 3);
}

/// Which record an upload is attached to, by column (None: free).
async fn holder(app: &TestApp, media_id: &str) -> (Option<String>, Option<String>) {
    let media_id = media_id.to_owned();
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::media as m;
            m::table
                .filter(m::id.eq(&media_id))
                .select((m::notice_id, m::case_id))
                .first::<(Option<String>, Option<String>)>(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_public_notices_attachments_open_without_login_and_belong_to_it_alone() {
    use infra::media::fixtures;
    let app = notices_app().await;
    let w = app.world().await;
    let resident = app.member("nt-att-resident", &w.village_a, &w.cadre_a.token).await;
    let outsider = app.member("nt-att-outsider", &w.village_b, &w.admin).await;
    let notices = format!("/api/v1/org-units/{}/notices", w.village_a);
    let mut uploads = Vec::new();
    for name in ["发票.png", "名单.png", "预告.png", "另一张.png"] {
        let (status, photo) = app.upload(&w.cadre_a.token, "image", name, &fixtures::png(24, 16)).await;
        assert_eq!(status, StatusCode::CREATED, "{photo}");
        uploads.push(id(&photo));
    }
    let [receipt, roster, early, stray] = [&uploads[0], &uploads[1], &uploads[2], &uploads[3]];

    let mut public_notice = notice(&app, "十一月财务公开（附发票）", true);
    public_notice["attachments"] = json!([receipt]);
    let (status, posted) = post(&app, &w.cadre_a.token, &notices, public_notice).await;
    assert_eq!((status, posted["attachments"].clone()), (StatusCode::CREATED, json!([receipt])), "{posted}");
    let mut residents_only = notice(&app, "低保名单", false);
    residents_only["attachments"] = json!([roster]);
    let (status, private) = post(&app, &w.cadre_a.token, &notices, residents_only).await;
    assert_eq!(status, StatusCode::CREATED, "{private}");
    let mut not_yet = notice(&app, "下月工程预告", true);
    not_yet["posted_from"] = json!(at(&app, Duration::days(2)));
    not_yet["attachments"] = json!([early]);
    let (status, upcoming) = post(&app, &w.cadre_a.token, &notices, not_yet).await;
    assert_eq!(status, StatusCode::CREATED, "{upcoming}");

    // Opened without logging in: the same bytes its poster sees, cacheable in public.
    let link = |notice: &Value, media: &str| format!("/api/v1/public/notices/{}/attachments/{media}", id(notice));
    let res = app.get(&link(&posted, receipt)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["cache-control"], "public, max-age=3600");
    let opened = res.bytes().await.unwrap();
    let own = app.get_as(&w.cadre_a.token, &format!("/api/v1/media/{receipt}")).await.bytes().await.unwrap();
    assert!(!opened.is_empty() && opened == own);

    // Not for a residents-only notice, one not started, or an upload the notice does not hold.
    for (notice, media) in [(&private, roster), (&upcoming, early), (&posted, stray), (&posted, roster)] {
        let res = app.get(&link(notice, media)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{media} of {}", id(notice));
    }
    // The residents-only one is its residents' to open, logged in; not another village's.
    assert_eq!(app.get_as(&resident.token, &format!("/api/v1/media/{roster}")).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&outsider.token, &format!("/api/v1/media/{roster}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&outsider.token, &format!("/api/v1/media/{receipt}")).await.status(), StatusCode::OK);

    // An upload belongs to one record: the notice's cannot go on a case or another notice.
    let case = json!({ "category": "road", "description": "村口路灯不亮已经一周了", "media": [receipt] });
    let (status, refused) = post(&app, &w.cadre_a.token, "/api/v1/cases", case).await;
    assert_eq!(
        (status, refused["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("media")),
        "{refused}"
    );
    let mut again = notice(&app, "重复使用附件", true);
    again["attachments"] = json!([receipt]);
    let (status, refused) = post(&app, &w.cadre_a.token, &notices, again).await;
    assert_eq!(
        (status, refused["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("attachments")),
        "{refused}"
    );
    assert_eq!(holder(&app, receipt).await, (Some(id(&posted)), None));
    assert_eq!(holder(&app, stray).await, (None, None), "the stray upload is still free");

    // The board shows the notice with its picture, linked for anyone.
    let (status, board) = body(app.get(&format!("/api/v1/public/org-units/{}/board", w.village_a)).await).await;
    assert_eq!(status, StatusCode::OK, "{board}");
    let shown: Vec<&str> = board["notices"].as_array().unwrap().iter().filter_map(|n| n["title"].as_str()).collect();
    assert_eq!(shown, vec!["十一月财务公开（附发票）"], "{board}");
    assert_eq!(board["notices"][0]["attachments"][0]["url"], link(&posted, receipt));
    let html = app.get(&format!("/public/villages/{}", w.village_a)).await.text().await.unwrap();
    assert!(html.contains(&format!("src=\"{}\"", link(&posted, receipt))), "{html}");
    assert!(html.contains("公示期："), "{html}");
}
