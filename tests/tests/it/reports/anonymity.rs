//! Anonymous reports, acceptance 2: a resident with a known id, openid, phone and name files
//! reports; every route a handler, a village cadre, the named cadre, an administrator and the
//! reporter can call that touches reports answers without any of them (the reporter's own
//! `/me` does, as the control). Routing: the village's supervisory committee and the township,
//! the township only when a cadre is named, never the named cadre. The follow-up code reads the
//! answers and adds information; a wrong code and a missing one get the same answer.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{body, spawn_app_with, Setup, TestApp};

pub(super) async fn reports_app(extra: &[(&'static str, &str)]) -> TestApp {
    let mut env = vec![
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400".to_owned()),
        ("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "100000".to_owned()),
        ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "1000000".to_owned()),
    ];
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    spawn_app_with(Setup { env, ..Setup::default() }).await
}

pub(super) async fn post(app: &TestApp, who: Option<&str>, path: &str, json: Value) -> (StatusCode, Value) {
    body(app.post(who, path, json).await).await
}

async fn get_text(app: &TestApp, who: &str, path: &str) -> (StatusCode, String) {
    let res = app.get_as(who, path).await;
    (res.status(), res.text().await.unwrap_or_default())
}

pub(super) async fn count(app: &TestApp, table: &'static str) -> i64 {
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::{report_messages as m, report_quota as q, reports as r};
            match table {
                "reports" => r::table.count().get_result::<i64>(conn),
                "report_messages" => m::table.count().get_result::<i64>(conn),
                _ => q::table.count().get_result::<i64>(conn),
            }
            .map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

/// Notices of `kind` in a user's inbox (after the outbox is dispatched).
async fn notices(app: &TestApp, user: &str, kind: &str) -> Vec<String> {
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

pub(super) struct Cast {
    pub world: World,
    pub supervisor: Account,
    pub named: Account,
    pub other_officer: Account,
    pub reporter: Account,
}

pub(super) const REPORTER_NAME: &str = "举报人赵秀英";
pub(super) const REPORTER_PHONE: &str = "13812345678";

pub(super) async fn cast(app: &TestApp) -> Cast {
    let world = app.world().await;
    let admin = world.admin.clone();
    let supervisor = app.staff(&admin, "super-a", &world.village_a).await;
    let named = app.staff(&admin, "named-a", &world.village_a).await;
    let other_township = app.unit(&admin, Some(&world.county), "township", "茅塘镇").await;
    let other_officer = app.staff(&admin, "officer-2", &other_township).await;
    for (who, role, scope) in [
        (&supervisor, "supervisor", &world.village_a),
        (&named, "village_cadre", &world.village_a),
        // The named cadre also sits on the supervisory committee: still never sees the report.
        (&named, "supervisor", &world.village_a),
        (&other_officer, "township_officer", &other_township),
    ] {
        let res = app.grant(&admin, &who.id, role, "org_unit", scope).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{role}");
    }
    let reporter = app.villager(&world.village_a, &world.cadre_a.token, REPORTER_NAME, REPORTER_PHONE).await;
    Cast { world, supervisor, named, other_officer, reporter }
}

pub(super) fn report(village: &str) -> Value {
    json!({ "org_unit_id": village, "subject": "small_project", "text": "村道硬化工程用料不足，账目没有公开。" })
}

#[tokio::test]
async fn no_route_reveals_the_reporter_and_the_code_follows_up() {
    let app = reports_app(&[]).await;
    let c = cast(&app).await;
    let w = &c.world;

    // Filed: one about the village's small project, one naming a cadre (by account).
    let (status, plain) = post(&app, Some(&c.reporter.token), "/api/v1/reports", report(&w.village_a)).await;
    assert_eq!(status, StatusCode::CREATED, "{plain}");
    let named_body = json!({ "org_unit_id": w.village_a, "subject": "cadre_misconduct",
        "text": "村干部在低保评定中优亲厚友。", "named_user_id": c.named.id });
    let (status, named) = post(&app, Some(&c.reporter.token), "/api/v1/reports", named_body).await;
    assert_eq!(status, StatusCode::CREATED, "{named}");
    let (plain_id, named_id) = (plain["id"].as_str().unwrap().to_owned(), named["id"].as_str().unwrap().to_owned());
    let code = plain["follow_up_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 25, "{plain}");
    assert!(plain["created_at"].as_str().unwrap().ends_with(":00:00Z"), "rounded to the hour: {plain}");

    // Stored: no reporter, times on the hour, the code only hashed, the audit entry actor-less.
    let ids = vec![plain_id.clone(), named_id.clone()];
    let code_for_db = code.clone();
    let (times, hashes, audits) = app
        .state
        .db
        .run(move |conn| {
            use infra::testing::schema::audit_log as a;
            use infra::testing::schema::reports as r;
            let rows: Vec<(chrono::NaiveDateTime, String)> =
                r::table.filter(r::id.eq_any(&ids)).select((r::created_at, r::follow_up_hash)).load(conn)?;
            let audits: Vec<(Option<String>, Option<String>, Option<String>)> =
                a::table.filter(a::action.eq("report.filed")).select((a::actor_id, a::ip, a::request_id)).load(conn)?;
            Ok::<_, infra::InfraError>((
                rows.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
                rows.into_iter().map(|(_, h)| h).collect::<Vec<_>>(),
                audits,
            ))
        })
        .await
        .unwrap();
    assert!(times.iter().all(|t| t.format("%M:%S%.f").to_string() == "00:00"), "{times:?}");
    assert!(!hashes.contains(&code_for_db) && hashes.contains(&infra::reports::service::code_hash(&code)));
    // Filing leaves no audit entry (its precise id would time it beside the filer's own entries).
    assert_eq!(audits, vec![], "filing not audited");

    // Routing: the supervisory committee and the township for the plain one; the township only
    // for the named one; never the named cadre.
    assert_eq!(notices(&app, &c.supervisor.id, "report_received").await.len(), 1);
    assert_eq!(notices(&app, &w.officer.id, "report_received").await.len(), 2);
    // The named cadre sits on the committee: told of the plain report, never of the one on them.
    assert_eq!(notices(&app, &c.named.id, "report_received").await.len(), 1, "named cadre not told");
    assert!(notices(&app, &w.cadre_a.id, "report_received").await.is_empty(), "cadres without the right not told");
    assert!(notices(&app, &c.other_officer.id, "report_received").await.is_empty());
    let told = notices(&app, &w.officer.id, "report_received").await;
    assert!(told.iter().all(|b| b.contains("杨家村")), "{told:?}");

    // Who reads what.
    let one = |id: &str| format!("/api/v1/reports/{id}");
    assert_eq!(app.get_as(&w.officer.token, &one(&plain_id)).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&w.officer.token, &one(&named_id)).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&c.supervisor.token, &one(&plain_id)).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&c.supervisor.token, &one(&named_id)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&c.named.token, &one(&named_id)).await.status(), StatusCode::NOT_FOUND, "named cadre");
    assert_eq!(app.get_as(&w.cadre_a.token, &one(&plain_id)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_as(&w.cadre_a.token, &one(&named_id)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&c.other_officer.token, &one(&plain_id)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&c.other_officer.token, &one(&named_id)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&c.reporter.token, &one(&plain_id)).await.status(), StatusCode::NOT_FOUND);
    let list_a = format!("/api/v1/reports?org_unit_id={}", w.village_a);
    let (_, page) = body(app.get_as(&c.named.token, &list_a).await).await;
    let listed: Vec<&str> = page["items"].as_array().unwrap().iter().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(listed, vec![plain_id.as_str()], "the named cadre's list leaves out the report on them");
    let (_, page) =
        body(app.get_as(&w.officer.token, &format!("/api/v1/reports?org_unit_id={}", w.township)).await).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2, "{page}");
    assert_eq!(app.get_as(&c.other_officer.token, &list_a).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&w.cadre_a.token, &list_a).await.status(), StatusCode::FORBIDDEN);

    // Answered by the township; the reporter reads it with the code and adds information.
    let answer = json!({ "status": "answered", "text": "经核查，已责令施工方整改并公开账目。" });
    let (status, answered) = post(&app, Some(&w.officer.token), &format!("{}/answers", one(&plain_id)), answer).await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    let named_answer = json!({ "status": "investigating", "text": "已立案调查，请耐心等待。" });
    let (status, _) = post(&app, Some(&c.named.token), &format!("{}/answers", one(&named_id)), named_answer).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the named cadre cannot answer");
    let (status, seen) = post(&app, None, "/api/v1/reports/follow-up", json!({ "code": code })).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["status"], "answered");
    assert_eq!(seen["messages"][0]["text"], "经核查，已责令施工方整改并公开账目。");
    assert!(seen["messages"][0].get("author_id").is_none(), "{seen}");
    let lower = code.to_lowercase();
    let (status, _) = post(&app, Some(&c.reporter.token), "/api/v1/reports/follow-up", json!({ "code": lower })).await;
    assert_eq!(status, StatusCode::OK, "any login, and the code as typed");
    let addition = json!({ "code": code, "text": "补充：施工时间是十一月中旬。" });
    let (status, added) = post(&app, None, "/api/v1/reports/follow-up/additions", addition).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    // The addition's time is rounded down to the hour, so it may sort before the answer.
    let kinds: Vec<&str> = added["messages"].as_array().unwrap().iter().filter_map(|m| m["kind"].as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "addition").count(), 1, "{added}");
    assert_eq!(notices(&app, &c.supervisor.id, "report_added_to").await.len(), 1);

    // A wrong code and a missing one: the same answer, byte for byte.
    let wrong = app.post(None, "/api/v1/reports/follow-up", json!({ "code": "0000000000000000000000000" })).await;
    let (wrong_status, wrong_body) = (wrong.status(), wrong.text().await.unwrap());
    let missing = app.post(None, "/api/v1/reports/follow-up", json!({})).await;
    let (missing_status, missing_body) = (missing.status(), missing.text().await.unwrap());
    let garbage = app.post(None, "/api/v1/reports/follow-up", json!({ "code": "not a code" })).await;
    let (garbage_status, garbage_body) = (garbage.status(), garbage.text().await.unwrap());
    assert_eq!(wrong_status, StatusCode::NOT_FOUND);
    assert_eq!((wrong_status, &wrong_body), (missing_status, &missing_body));
    assert_eq!((wrong_status, &wrong_body), (garbage_status, &garbage_body));
    let add_wrong = json!({ "code": "0000000000000000000000000", "text": "补充材料补充材料" });
    let (status, _) = post(&app, None, "/api/v1/reports/follow-up/additions", add_wrong).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Reading by code and by a handler are audited, without the reporter.
    let audit_rows = app
        .state
        .db
        .run(|conn| {
            use infra::testing::schema::audit_log as a;
            a::table
                .filter(a::object_kind.eq("report"))
                .select((a::action, a::actor_id, a::ip))
                .load::<(String, Option<String>, Option<String>)>(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit_rows.iter().map(|(a, _, _)| a.as_str()).collect();
    for action in ["report.read", "report.answered", "report.follow_up_read"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
    for (action, actor, ip) in &audit_rows {
        assert!(action != "report.filed" && action != "report.added_to", "{action}");
        if action == "report.follow_up_read" {
            assert_eq!((actor, ip), (&None, &None), "{action}");
        }
        assert_ne!(actor.as_deref(), Some(c.reporter.id.as_str()), "{action}");
    }

    // Every response any of them gets on the routes touching reports, searched.
    let (status, me) = get_text(&app, &c.reporter.token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    let openid = infra::wechat::dev_openid(REPORTER_NAME);
    let masked = format!("{}****{}", &REPORTER_PHONE[..3], &REPORTER_PHONE[7..]);
    let secrets = [c.reporter.id.as_str(), openid.as_str(), REPORTER_PHONE, masked.as_str(), REPORTER_NAME];
    assert!(me.contains(&c.reporter.id), "control: the search finds the reporter in their own /me: {me}");
    let mut seen_bodies: Vec<(String, String)> = Vec::new();
    let everyone = [&w.officer, &c.supervisor, &c.named, &w.cadre_a, &c.other_officer, &c.reporter];
    let mut tokens: Vec<&str> = everyone.iter().map(|a| a.token.as_str()).collect();
    tokens.push(&w.admin);
    let reads = [
        format!("/api/v1/reports?org_unit_id={}", w.village_a),
        format!("/api/v1/reports?org_unit_id={}", w.township),
        format!("/api/v1/reports?org_unit_id={}", w.county),
        one(&plain_id),
        one(&named_id),
        "/api/v1/me/notifications".to_owned(),
        "/api/v1/me/notifications/unread-count".to_owned(),
        format!("/api/v1/audit-log?object_id={plain_id}"),
        format!("/api/v1/audit-log?object_id={named_id}"),
        "/api/v1/outbox".to_owned(),
    ];
    for token in &tokens {
        for path in &reads {
            let (_, text) = get_text(&app, token, path).await;
            seen_bodies.push((path.clone(), text));
        }
        for (path, payload) in [
            ("/api/v1/reports/follow-up", json!({ "code": code })),
            ("/api/v1/reports/follow-up", json!({ "code": "0000000000000000000000000" })),
        ] {
            let res = app.post(Some(token), path, payload).await;
            seen_bodies.push((path.to_owned(), res.text().await.unwrap_or_default()));
        }
    }
    // The whole audit log names the reporter for their own doings (a phone bound): the entries
    // about reports must not.
    let (_, log) = body(app.get_as(&w.admin, "/api/v1/audit-log?limit=100").await).await;
    let about_reports: Vec<&Value> =
        log["items"].as_array().unwrap().iter().filter(|e| e["object_kind"] == "report").collect();
    assert!(!about_reports.is_empty());
    seen_bodies.push(("audit-log, report entries".into(), json!(about_reports).to_string()));
    seen_bodies.push(("answer".into(), answered.to_string()));
    seen_bodies.push(("addition".into(), added.to_string()));
    seen_bodies.push(("filed".into(), plain.to_string()));
    seen_bodies.push(("filed named".into(), named.to_string()));
    assert!(seen_bodies.iter().any(|(_, t)| t.contains(&plain_id)), "the reads did reach the reports");
    for (path, text) in &seen_bodies {
        for secret in secrets {
            assert!(!text.contains(secret), "{path} reveals {secret}: {text}");
        }
    }
}

/// The media rows owned by a user, and whether a report attachment row has this id.
async fn uploads_of(app: &TestApp, owner: &str) -> Vec<String> {
    let owner = owner.to_owned();
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::media as m;
            m::table.filter(m::owner_id.eq(&owner)).select(m::id).load::<String>(conn).map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reports_photo_is_copied_without_its_uploader_and_only_handlers_open_it() {
    use infra::media::fixtures;
    let app = reports_app(&[]).await;
    let c = cast(&app).await;
    let w = &c.world;
    let (status, upload) = app.upload(&c.reporter.token, "image", "工地.png", &fixtures::png(32, 24)).await;
    assert_eq!(status, StatusCode::CREATED, "{upload}");
    let upload_id = upload["id"].as_str().unwrap().to_owned();
    let uploaded = app.get_as(&c.reporter.token, &format!("/api/v1/media/{upload_id}")).await.bytes().await.unwrap();
    assert!(!uploaded.is_empty());
    assert_eq!(uploads_of(&app, &c.reporter.id).await, vec![upload_id.clone()], "control: the upload is theirs");

    // Refused, changing nothing: another's upload, the same id twice, more than nine.
    let (_, others) = app.upload(&w.cadre_a.token, "image", "别人的.png", &fixtures::png(8, 8)).await;
    let mut refused_bodies = Vec::new();
    for attachments in [
        json!([others["id"]]),
        json!([upload_id, upload_id]),
        json!((0..10).map(|_| domain::new_id()).collect::<Vec<_>>()),
    ] {
        let mut filing = report(&w.village_a);
        filing["attachments"] = attachments;
        let (status, refused) = post(&app, Some(&c.reporter.token), "/api/v1/reports", filing).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["details"]["field"], "attachments", "{refused}");
        refused_bodies.push(refused);
    }
    // An upload whose file is lost, after one that was copied: refused, and the copy's file
    // goes with the rolled-back transaction (the store holds what it held).
    let (_, lost) = app.upload(&c.reporter.token, "image", "丢失.png", &fixtures::png(8, 8)).await;
    let lost_id = lost["id"].as_str().unwrap().to_owned();
    app.state.media.delete(&lost_id).unwrap();
    let files_in_store = || std::fs::read_dir(app.state.media.root()).unwrap().count();
    let held = files_in_store();
    let mut filing = report(&w.village_a);
    filing["attachments"] = json!([upload_id, lost_id]);
    let (status, refused) = post(&app, Some(&c.reporter.token), "/api/v1/reports", filing).await;
    assert_eq!(
        (status, refused["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("attachments")),
        "{refused}"
    );
    assert_eq!(files_in_store(), held, "no copy left behind");
    let mut expected = vec![upload_id.clone(), lost_id.clone()];
    expected.sort();
    let mut theirs = uploads_of(&app, &c.reporter.id).await;
    theirs.sort();
    assert_eq!(theirs, expected, "both uploads' rows still there");
    assert_eq!(count(&app, "reports").await, 0, "no report for a refused filing");
    assert_eq!(count(&app, "quota").await, 0, "nor a quota slot");
    assert!(uploads_of(&app, &c.reporter.id).await.contains(&upload_id), "the upload untouched");

    // Filed with the photo: the upload and its file are gone, the report holds a copy.
    let mut filing = report(&w.village_a);
    filing["attachments"] = json!([upload_id]);
    let (status, filed) = post(&app, Some(&c.reporter.token), "/api/v1/reports", filing).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let report_id = filed["id"].as_str().unwrap().to_owned();
    assert_eq!(uploads_of(&app, &c.reporter.id).await, vec![lost_id.clone()], "only the lost one is left");
    assert_eq!(app.state.media.get(&upload_id).unwrap(), None, "the upload's file is deleted");
    let (status, _) = body(app.get_as(&c.reporter.token, &format!("/api/v1/media/{upload_id}")).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, seen) = body(app.get_as(&w.officer.token, &format!("/api/v1/reports/{report_id}")).await).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let attachments = seen["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "{seen}");
    let copy_id = attachments[0]["id"].as_str().unwrap().to_owned();
    assert_ne!(copy_id, upload_id, "a new id");
    let copy_ms = uuid::Uuid::parse_str(&copy_id).unwrap().get_timestamp().unwrap().to_unix();
    assert_eq!((copy_ms.0 % 3600, copy_ms.1), (0, 0), "the copy's id is of the hour: {copy_id}");
    let url = attachments[0]["url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("/api/v1/reports/{report_id}/attachments/{copy_id}"));

    // The handler opens it: the very bytes uploaded; audited. Nobody else does.
    let res = app.get_as(&w.officer.token, &url).await;
    assert_eq!((res.status(), res.headers()["content-type"].to_str().unwrap()), (StatusCode::OK, "image/png"));
    assert_eq!(res.bytes().await.unwrap(), uploaded);
    assert_eq!(app.audited("report.attachment_read", &report_id).await, 1);
    assert_eq!(app.get_as(&c.supervisor.token, &url).await.status(), StatusCode::OK, "the village's committee");
    for (who, status) in [
        (&c.reporter, StatusCode::NOT_FOUND),
        (&c.other_officer, StatusCode::NOT_FOUND),
        (&w.cadre_a, StatusCode::FORBIDDEN),
    ] {
        assert_eq!(app.get_as(&who.token, &url).await.status(), status, "{}", who.id);
        assert_eq!(app.get_as(&who.token, &format!("/api/v1/media/{copy_id}")).await.status(), StatusCode::NOT_FOUND);
    }
    let elsewhere = format!("/api/v1/reports/{report_id}/attachments/{}", domain::new_id());
    assert_eq!(app.get_as(&w.officer.token, &elsewhere).await.status(), StatusCode::NOT_FOUND);

    // Nothing the handlers or the filer got names the reporter or the upload.
    let masked = format!("{}****{}", &REPORTER_PHONE[..3], &REPORTER_PHONE[7..]);
    let (_, log) = body(app.get_as(&w.admin, &format!("/api/v1/audit-log?object_id={report_id}")).await).await;
    let texts = [seen.to_string(), filed.to_string(), log.to_string()];
    for text in &texts {
        for secret in [c.reporter.id.as_str(), REPORTER_PHONE, masked.as_str(), REPORTER_NAME, upload_id.as_str()] {
            assert!(!text.contains(secret), "reveals {secret}: {text}");
        }
    }
    assert!(log.to_string().contains("report.attachment_read"), "control: the log was read: {log}");
}
