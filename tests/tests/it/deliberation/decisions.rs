//! Deciding matters, tier by tier: Wuyi small settled by the council, kept, rated and archived;
//! Wuyi big through a suggestion sheet to the committees; Wuyi major held until its
//! solicitation ends; Pengshui private closed with guidance, small led by the committees, big
//! referred to a county department as a case; a mediation agreement acknowledged by its
//! parties — with the denials.

use chrono::Duration;
use diesel::prelude::*;
use domain::clock::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::{body, id, spawn_app_with, Setup, TestApp};

use super::support::{act, inbox, kinds, raise, resident_of, setup, triage};

/// An app whose tokens outlive the clock jumps of these tests.
pub async fn spawn() -> TestApp {
    spawn_app_with(Setup { env: long_tokens(), ..Setup::default() }).await
}

pub fn long_tokens() -> Vec<(&'static str, String)> {
    vec![("YISHI_ACCESS_TOKEN_TTL_SECS", "86400".to_owned())]
}

/// A fresh token of the resident `name` (after the clock jumped past the old one's life).
pub async fn relogin(app: &TestApp, name: &str) -> String {
    app.wechat_login(&format!("dev:{name}")).await["access_token"].as_str().unwrap_or_default().to_owned()
}

/// `hours` from the app's clock, as RFC 3339.
pub fn due_in(app: &TestApp, hours: i64) -> String {
    (app.clock.now() + Duration::hours(hours)).to_rfc3339()
}

/// The status of a matter as stored.
pub async fn stored_status(app: &TestApp, matter: &str) -> String {
    let matter = matter.to_owned();
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::matters as m;
            Ok::<String, infra::InfraError>(m::table.filter(m::id.eq(&matter)).select(m::status).first(conn)?)
        })
        .await
        .unwrap()
}

/// Sheets of `kind` on a matter.
pub async fn sheets(app: &TestApp, matter: &str, kind: &'static str) -> i64 {
    let matter = matter.to_owned();
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::matter_sheets as s;
            Ok::<i64, infra::InfraError>(
                s::table.filter(s::matter_id.eq(&matter)).filter(s::kind.eq(kind)).count().get_result(conn)?,
            )
        })
        .await
        .unwrap()
}

fn err(v: &Value) -> (Option<&str>, Option<&str>) {
    (v["error"]["code"].as_str(), v["error"]["details"]["field"].as_str().or(v["error"]["details"]["reason"].as_str()))
}

#[tokio::test]
async fn wuyi_small_is_settled_by_the_council_kept_rated_and_archived() {
    let app = spawn().await;
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "li-a").await;
    let wang = resident_of(&app, &w.village_a, &w.cadre_a.token, "wang-a").await;
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "out-b").await;
    let council = app.staff(&w.admin, "council-a", &w.village_a).await;
    assert_eq!(
        app.grant(&w.admin, &council.id, "council_member", "org_unit", &w.village_a).await.status(),
        StatusCode::CREATED
    );
    let matter = id(&raise(&app, &li, &w.village_a, "村口垃圾桶太少").await);
    triage(&app, &w.cadre_a.token, &matter, "small").await;

    // Who may record the council's decision, and what it may say.
    let resolution = json!({
        "decided_by": "council",
        "body": "议事会商定：村口增设两个垃圾桶，由网格员负责。",
        "commitments": [{ "owner_id": w.worker_a.id, "what": "增设两个垃圾桶", "due_at": due_in(&app, 72) }],
    });
    let (status, _) = act(&app, &outsider.token, &matter, "resolution", resolution.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "outside the scope");
    let (status, _) = act(&app, &li.token, &matter, "resolution", resolution.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a resident does not decide");
    let (status, e) =
        act(&app, &council.token, &matter, "resolution", json!({ "decided_by": "committees", "body": "两委决定" }))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a council member is not the committees: {e}");
    let (status, e) =
        act(&app, &w.cadre_a.token, &matter, "resolution", json!({ "decided_by": "committees", "body": "两委决定" }))
            .await;
    assert_eq!((status, err(&e)), (StatusCode::UNPROCESSABLE_ENTITY, (Some("validation_failed"), Some("decided_by"))));
    let mut past = resolution.clone();
    past["commitments"][0]["due_at"] = json!(due_in(&app, -1));
    let (status, e) = act(&app, &council.token, &matter, "resolution", past).await;
    assert_eq!((status, err(&e).1), (StatusCode::UNPROCESSABLE_ENTITY, Some("commitments")));
    assert_eq!(stored_status(&app, &matter).await, "deliberating", "a refused decision changes nothing");

    let (status, resolved) = act(&app, &council.token, &matter, "resolution", resolution.clone()).await;
    assert_eq!((status, resolved["status"].as_str()), (StatusCode::OK, Some("implementing")), "{resolved}");
    assert_eq!(resolved["timeline"].as_array().unwrap().last().unwrap()["details"]["decided_by"], "council");
    let (status, _) = act(&app, &council.token, &matter, "resolution", resolution).await;
    assert_eq!(status, StatusCode::CONFLICT, "resolved once");
    let (status, decided) = body(app.get_as(&li.token, &format!("/api/v1/matters/{matter}/resolution")).await).await;
    assert_eq!((status, decided["decided_by"].as_str()), (StatusCode::OK, Some("council")), "{decided}");
    let outside = app.get_as(&outsider.token, &format!("/api/v1/matters/{matter}/resolution")).await;
    assert_eq!(outside.status(), StatusCode::NOT_FOUND);
    assert!(kinds(&inbox(&app, &w.worker_a.token).await).contains(&"commitment_assigned".to_owned()));

    // The commitment: its owner reports; nobody else does; evaluation waits for it.
    let (status, list) = body(app.get_as(&li.token, &format!("/api/v1/matters/{matter}/commitments")).await).await;
    assert_eq!(status, StatusCode::OK);
    let commitment = id(&list["items"][0]);
    assert_eq!(list["items"][0]["status"], "open");
    let progress = |done: bool| json!({ "body": if done { "两个垃圾桶已安放" } else { "已采购" }, "done": done });
    let path = format!("/api/v1/commitments/{commitment}/progress");
    assert_eq!(app.post(Some(&li.token), &path, progress(true)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post(Some(&outsider.token), &path, progress(true)).await.status(), StatusCode::NOT_FOUND);
    let (status, e) = act(&app, &w.cadre_a.token, &matter, "evaluation/open", json!({})).await;
    assert_eq!((status, err(&e)), (StatusCode::CONFLICT, (Some("invalid_transition"), Some("commitments_open"))));
    let (status, c) = body(app.post(Some(&w.worker_a.token), &path, progress(false)).await).await;
    assert_eq!((status, c["status"].as_str()), (StatusCode::OK, Some("open")), "{c}");
    let (status, c) = body(app.post(Some(&w.worker_a.token), &path, progress(true)).await).await;
    assert_eq!(
        (status, c["status"].as_str(), c["progress"].as_array().map(Vec::len)),
        (StatusCode::OK, Some("done"), Some(2))
    );
    assert_eq!(app.post(Some(&w.worker_a.token), &path, progress(true)).await.status(), StatusCode::CONFLICT);

    // Evaluation: cadres open it, residents rate once, a resident reads no comments, staff do.
    let (status, _) = act(&app, &li.token, &matter, "evaluation/open", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, opened) = act(&app, &w.cadre_a.token, &matter, "evaluation/open", json!({})).await;
    assert_eq!((status, opened["status"].as_str()), (StatusCode::OK, Some("evaluating")), "{opened}");
    assert!(kinds(&inbox(&app, &wang.token).await).contains(&"matter_rating_open".to_owned()));
    let rate = |token: String, rating: i64| {
        let app = &app;
        let matter = matter.clone();
        async move {
            body(
                app.post(
                    Some(&token),
                    &format!("/api/v1/matters/{matter}/ratings"),
                    json!({ "rating": rating, "comment": "很好" }),
                )
                .await,
            )
            .await
        }
    };
    assert_eq!(rate(li.token.clone(), 6).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(rate(outsider.token.clone(), 5).await.0, StatusCode::NOT_FOUND);
    assert_eq!(rate(w.cadre_a.token.clone(), 5).await.0, StatusCode::FORBIDDEN, "staff do not rate");
    assert_eq!(rate(li.token.clone(), 5).await.0, StatusCode::CREATED);
    assert_eq!(rate(wang.token.clone(), 4).await.0, StatusCode::CREATED);
    let (status, again) = rate(li.token.clone(), 1).await;
    assert_eq!((status, err(&again).0), (StatusCode::CONFLICT, Some("already_done")));
    let (_, summary) = body(app.get_as(&li.token, &format!("/api/v1/matters/{matter}/ratings")).await).await;
    assert_eq!((summary["count"].as_i64(), summary["average"].as_f64()), (Some(2), Some(4.5)), "{summary}");
    assert_eq!(summary["distribution"], json!([0, 0, 0, 1, 1]));
    assert_eq!(summary["comments"].as_array().map(Vec::len), Some(0));
    let (_, staff) = body(app.get_as(&w.cadre_a.token, &format!("/api/v1/matters/{matter}/ratings")).await).await;
    assert_eq!(staff["comments"].as_array().map(Vec::len), Some(2));

    // A follow-up visit: staff only.
    let visit = json!({ "note": "回访：群众满意" });
    assert_eq!(act(&app, &li.token, &matter, "revisits", visit.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(act(&app, &council.token, &matter, "revisits", visit).await.0, StatusCode::CREATED);

    // Archived once the window closes, not before.
    assert_eq!(app.state.jobs.run_now("archive_matters").await.unwrap(), 0);
    app.clock.advance(Duration::days(8));
    assert_eq!(rate(relogin(&app, "wang-a").await, 3).await.0, StatusCode::CONFLICT, "the window closed");
    assert_eq!(app.state.jobs.run_now("archive_matters").await.unwrap(), 1);
    assert_eq!(stored_status(&app, &matter).await, "archived");
    assert_eq!(app.state.jobs.run_now("archive_matters").await.unwrap(), 0);
    let token = relogin(&app, "li-a").await;
    let (_, archived) = body(app.get_as(&token, &format!("/api/v1/matters/{matter}")).await).await;
    assert_eq!(archived["timeline"].as_array().unwrap().last().unwrap()["kind"], "archived");
}

#[tokio::test]
async fn wuyi_big_goes_to_the_committees_with_a_suggestion_sheet_and_major_waits_for_its_solicitation() {
    let app = spawn().await;
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "li-a").await;
    let council = app.staff(&w.admin, "council-a", &w.village_a).await;
    app.grant(&w.admin, &council.id, "council_member", "org_unit", &w.village_a).await;

    let big = id(&raise(&app, &li, &w.village_a, "修建村文化礼堂").await);
    triage(&app, &w.cadre_a.token, &big, "big").await;
    let decision = json!({ "decided_by": "committees", "body": "两委决定：明年春季动工", "commitments": [{ "owner_committee": "村委会", "what": "编制礼堂建设方案", "due_at": due_in(&app, 240) }] });
    let (status, e) = act(&app, &w.cadre_a.token, &big, "resolution", decision.clone()).await;
    assert_eq!((status, err(&e).1), (StatusCode::CONFLICT, Some("wrong_route")), "the council suggests first");
    let sheet = json!({ "body": "建议两委将礼堂建设列入明年计划" });
    assert_eq!(act(&app, &li.token, &big, "suggestion", sheet.clone()).await.0, StatusCode::FORBIDDEN);
    let (status, deciding) = act(&app, &council.token, &big, "suggestion", sheet.clone()).await;
    assert_eq!((status, deciding["status"].as_str()), (StatusCode::OK, Some("deciding")), "{deciding}");
    assert_eq!(sheets(&app, &big, "suggestion").await, 1);
    assert!(kinds(&inbox(&app, &w.cadre_a.token).await).contains(&"matter_suggested".to_owned()));
    assert_eq!(act(&app, &council.token, &big, "suggestion", sheet).await.0, StatusCode::CONFLICT);
    // The file prints the council's suggestion in its words.
    let page = app.get_as(&w.cadre_a.token, &format!("/api/v1/matters/{big}/dossier.html")).await.text().await.unwrap();
    assert!(page.contains("民情建议单") && page.contains("建议两委将礼堂建设列入明年计划"), "{page}");
    assert_eq!(
        act(&app, &council.token, &big, "resolution", decision.clone()).await.0,
        StatusCode::FORBIDDEN,
        "the committees decide"
    );
    let (status, resolved) = act(&app, &w.cadre_a.token, &big, "resolution", decision).await;
    assert_eq!((status, resolved["status"].as_str()), (StatusCode::OK, Some("implementing")), "{resolved}");
    let (_, list) = body(app.get_as(&w.cadre_a.token, &format!("/api/v1/matters/{big}/commitments")).await).await;
    assert_eq!(list["items"][0]["owner_committee"], "村委会");
    // A committee's commitment is reported on by the cadres.
    let path = format!("/api/v1/commitments/{}/progress", id(&list["items"][0]));
    assert_eq!(
        app.post(Some(&council.token), &path, json!({ "body": "x", "done": true })).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(Some(&w.cadre_a.token), &path, json!({ "body": "方案已编制", "done": true })).await.status(),
        StatusCode::OK
    );

    // Major: no decision until a solicitation of the required length has closed.
    let major = id(&raise(&app, &li, &w.village_a, "村集体土地流转方案").await);
    triage(&app, &w.cadre_a.token, &major, "major").await;
    let vote = json!({ "decided_by": "assembly_vote", "body": "村民代表会议表决通过", "vote_ref": "2026-表决-01" });
    let (status, e) = act(&app, &w.cadre_a.token, &major, "resolution", vote.clone()).await;
    assert_eq!((status, err(&e)), (StatusCode::CONFLICT, (Some("invalid_transition"), Some("solicitation_not_over"))));
    let (opens, creator, m) = (app.clock.now().naive_utc(), w.cadre_a.id.clone(), major.clone());
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::solicitations as s;
            diesel::insert_into(s::table)
                .values((
                    s::matter_id.eq(&m),
                    s::opens_at.eq(opens - Duration::days(7)),
                    s::closes_at.eq(opens + Duration::hours(2)),
                    s::created_by.eq(&creator),
                    s::created_at.eq(opens),
                ))
                .execute(conn)?;
            Ok::<_, infra::InfraError>(())
        })
        .await
        .unwrap();
    app.clock.advance(Duration::hours(1));
    let (status, e) = act(&app, &w.cadre_a.token, &major, "resolution", vote.clone()).await;
    assert_eq!((status, err(&e).1), (StatusCode::CONFLICT, Some("solicitation_not_over")), "still open");
    app.clock.advance(Duration::hours(2));
    let (status, resolved) = act(&app, &w.cadre_a.token, &major, "resolution", vote).await;
    assert_eq!((status, resolved["status"].as_str()), (StatusCode::OK, Some("implementing")), "{resolved}");
}

async fn member(app: &TestApp, village: &str, kind: &'static str, name: &'static str) -> String {
    let (id, village) = (domain::new_id(), village.to_owned());
    let member = id.clone();
    let now = app.clock.now().naive_utc();
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::deliberation_members as dm;
            diesel::insert_into(dm::table)
                .values((
                    dm::id.eq(&member),
                    dm::village_id.eq(&village),
                    dm::name.eq(name),
                    dm::kind.eq(kind),
                    dm::contact.eq(Some("023-7777-8888")),
                    dm::created_at.eq(now),
                ))
                .execute(conn)?;
            Ok::<_, infra::InfraError>(())
        })
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn pengshui_private_is_closed_with_guidance_and_small_is_led_by_the_committees() {
    let app = spawn().await;
    let d = setup(&app).await;
    let w = &d.w;
    let zhang = resident_of(&app, &w.village_b, &d.cadre_b.token, "zhang-b").await;
    let service = member(&app, &w.village_b, "service", "彭水县家庭服务中心").await;
    let respected = member(&app, &w.village_b, "respected", "老支书").await;
    let elsewhere = member(&app, &w.village_a, "service", "别村的服务").await;

    let private = id(&raise(&app, &zhang, &w.village_b, "家里老人赡养费的事").await);
    triage(&app, &d.cadre_b.token, &private, "private").await;
    let guidance =
        |member: &str| json!({ "guidance": "建议家庭协商解决，可申请法律援助", "referral_member_id": member });
    assert_eq!(act(&app, &zhang.token, &private, "guidance", guidance(&service)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(act(&app, &w.cadre_a.token, &private, "guidance", guidance(&service)).await.0, StatusCode::NOT_FOUND);
    for wrong in [&respected, &elsewhere] {
        let (status, e) = act(&app, &d.cadre_b.token, &private, "guidance", guidance(wrong)).await;
        assert_eq!((status, err(&e).1), (StatusCode::UNPROCESSABLE_ENTITY, Some("referral_member_id")));
    }
    let (status, closed) = act(&app, &d.cadre_b.token, &private, "guidance", guidance(&service)).await;
    assert_eq!((status, closed["status"].as_str()), (StatusCode::OK, Some("closed")), "{closed}");
    let notices = inbox(&app, &zhang.token).await;
    let told = notices.iter().find(|n| n["kind"] == "matter_guided").expect("the author is told");
    assert!(told["body"].as_str().unwrap().contains("彭水县家庭服务中心"), "{told}");
    assert!(told["body"].as_str().unwrap().contains("023-7777-8888"), "{told}");
    assert_eq!(act(&app, &d.cadre_b.token, &private, "guidance", guidance(&service)).await.0, StatusCode::CONFLICT);

    let small = id(&raise(&app, &zhang, &w.village_b, "村里的公共厕所需要修").await);
    triage(&app, &d.cadre_b.token, &small, "small").await;
    let (status, e) =
        act(&app, &d.cadre_b.token, &small, "resolution", json!({ "decided_by": "council", "body": "议事会定" })).await;
    assert_eq!((status, err(&e).1), (StatusCode::UNPROCESSABLE_ENTITY, Some("decided_by")));
    let (status, led) = act(
        &app,
        &d.cadre_b.token,
        &small,
        "resolution",
        json!({ "decided_by": "committees", "body": "两委牵头维修" }),
    )
    .await;
    assert_eq!((status, led["status"].as_str()), (StatusCode::OK, Some("implementing")), "{led}");
    // No commitments: evaluation may open at once.
    let (status, opened) = act(&app, &d.cadre_b.token, &small, "evaluation/open", json!({})).await;
    assert_eq!((status, opened["status"].as_str()), (StatusCode::OK, Some("evaluating")));
}

#[tokio::test]
async fn pengshui_big_becomes_a_department_case_and_is_resolved_by_the_department() {
    let app = spawn().await;
    let d = setup(&app).await;
    let w = &d.w;
    let zhang = resident_of(&app, &w.village_b, &d.cadre_b.token, "zhang-b").await;
    let (status, dept) = body(
        app.post(Some(&w.admin), "/api/v1/departments", json!({ "org_unit_id": w.county, "name": "县水利局" })).await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{dept}");
    let officer_d = app.staff(&w.admin, "dept-officer", &w.county).await;
    app.grant(&w.admin, &officer_d.id, "department_officer", "department", &id(&dept)).await;

    let matter = id(&raise(&app, &zhang, &w.village_b, "全村饮水工程需要改造").await);
    let (status, e) = act(&app, &d.cadre_b.token, &matter, "triage", json!({ "tier": "big" })).await;
    assert_eq!((status, err(&e).1), (StatusCode::UNPROCESSABLE_ENTITY, Some("department_id")), "{e}");
    let (status, e) =
        act(&app, &d.cadre_b.token, &matter, "triage", json!({ "tier": "big", "department_id": domain::new_id() }))
            .await;
    assert_eq!((status, err(&e).1), (StatusCode::UNPROCESSABLE_ENTITY, Some("department_id")));
    assert_eq!(stored_status(&app, &matter).await, "raised");
    let (status, referred) =
        act(&app, &d.cadre_b.token, &matter, "triage", json!({ "tier": "big", "department_id": id(&dept) })).await;
    assert_eq!((status, referred["status"].as_str()), (StatusCode::OK, Some("referred")), "{referred}");
    let case_id = referred["case"]["id"].as_str().expect("the case is linked").to_owned();

    // The case: at the department, its first entry pointing back at the matter.
    let (status, case) = body(app.get_as(&officer_d.token, &format!("/api/v1/cases/{case_id}")).await).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!((case["level"].as_str(), case["department_id"].as_str()), (Some("department"), dept["id"].as_str()));
    assert_eq!(case["timeline"][0]["details"]["matter_id"].as_str(), Some(matter.as_str()), "{case}");

    // Not decided while the case is open; the department resolves it through the cases routes.
    let decision = json!({ "decided_by": "department", "body": "县水利局已立项改造" });
    let (status, e) = act(&app, &d.cadre_b.token, &matter, "resolution", decision.clone()).await;
    assert_eq!((status, err(&e).1), (StatusCode::CONFLICT, Some("department_case_open")));
    for (action, payload) in [("accept", json!({})), ("resolve", json!({ "outcome": "fixed", "note": "已立项改造" }))]
    {
        let (status, c) =
            body(app.post(Some(&officer_d.token), &format!("/api/v1/cases/{case_id}/{action}"), payload).await).await;
        assert_eq!(status, StatusCode::OK, "{action}: {c}");
    }
    let (_, shown) = body(app.get_as(&zhang.token, &format!("/api/v1/matters/{matter}")).await).await;
    assert_eq!(
        (shown["case"]["status"].as_str(), shown["case"]["outcome"].as_str()),
        (Some("resolved"), Some("fixed")),
        "{shown}"
    );
    let (status, e) =
        act(&app, &d.cadre_b.token, &matter, "resolution", json!({ "decided_by": "committees", "body": "x" })).await;
    assert_eq!((status, err(&e).1), (StatusCode::UNPROCESSABLE_ENTITY, Some("decided_by")));
    let (status, resolved) = act(&app, &d.cadre_b.token, &matter, "resolution", decision).await;
    assert_eq!((status, resolved["status"].as_str()), (StatusCode::OK, Some("implementing")), "{resolved}");
    let last = resolved["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["details"]["decided_by"].as_str(), last["details"]["case_id"].as_str()),
        (Some("department"), Some(case_id.as_str()))
    );
}

#[tokio::test]
async fn a_mediation_agreement_is_acknowledged_by_both_parties() {
    let app = spawn().await;
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "li-a").await;
    let wang = resident_of(&app, &w.village_a, &w.cadre_a.token, "wang-a").await;
    let third = resident_of(&app, &w.village_a, &w.cadre_a.token, "third-a").await;
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "out-b").await;
    let matter = id(&raise(&app, &li, &w.village_a, "两家宅基地边界纠纷").await);
    triage(&app, &w.cadre_a.token, &matter, "small").await;

    let draft = json!({
        "body": "双方同意以原围墙为界，李家负责修补围墙。",
        "parties": [{ "user_id": li.id, "name": "李某" }, { "user_id": wang.id, "name": "王某" }, { "name": "赵某（无账号）" }],
        "commitments": [{ "owner_id": li.id, "what": "修补围墙", "due_at": due_in(&app, 120) }],
    });
    assert_eq!(act(&app, &li.token, &matter, "agreements", draft.clone()).await.0, StatusCode::FORBIDDEN);
    let (status, e) =
        act(&app, &w.cadre_a.token, &matter, "agreements", json!({ "body": "x", "parties": [{ "name": "一方" }] }))
            .await;
    assert_eq!((status, err(&e).1), (StatusCode::UNPROCESSABLE_ENTITY, Some("parties")));
    let (status, agreement) = act(&app, &w.cadre_a.token, &matter, "agreements", draft).await;
    assert_eq!(status, StatusCode::CREATED, "{agreement}");
    let agreement_id = id(&agreement);
    assert_eq!(agreement["commitments"].as_array().map(Vec::len), Some(1));
    assert!(kinds(&inbox(&app, &wang.token).await).contains(&"agreement_to_acknowledge".to_owned()));

    let ack = |token: String| {
        let app = &app;
        let path = format!("/api/v1/agreements/{agreement_id}/acknowledge");
        async move { body(app.post(Some(&token), &path, json!({})).await).await }
    };
    assert_eq!(ack(third.token.clone()).await.0, StatusCode::FORBIDDEN, "not a party");
    assert_eq!(ack(outsider.token.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(ack(li.token.clone()).await.0, StatusCode::OK);
    let (status, e) = ack(li.token.clone()).await;
    assert_eq!((status, err(&e).0), (StatusCode::CONFLICT, Some("already_done")));
    let (status, both) = ack(wang.token.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let acknowledged: Vec<bool> =
        both["parties"].as_array().unwrap().iter().map(|p| p["acknowledged"].as_bool().unwrap()).collect();
    assert_eq!(acknowledged, vec![true, true, false]);

    // The party without an account signs on paper, recorded by a cadre.
    let paper_party = id(&both["parties"][2]);
    let paper = format!("/api/v1/agreements/{agreement_id}/parties/{paper_party}/paper");
    assert_eq!(app.post(Some(&li.token), &paper, json!({})).await.status(), StatusCode::FORBIDDEN);
    let (status, all) = body(app.post(Some(&w.cadre_a.token), &paper, json!({})).await).await;
    assert_eq!((status, all["parties"][2]["method"].as_str()), (StatusCode::OK, Some("paper")));
    assert_eq!(app.post(Some(&w.cadre_a.token), &paper, json!({})).await.status(), StatusCode::CONFLICT);
    let (status, seen) = body(app.get_as(&wang.token, &format!("/api/v1/agreements/{agreement_id}")).await).await;
    assert_eq!((status, seen["parties"].as_array().map(Vec::len)), (StatusCode::OK, Some(3)));
    assert_eq!(
        app.get_as(&outsider.token, &format!("/api/v1/agreements/{agreement_id}")).await.status(),
        StatusCode::NOT_FOUND
    );

    // Its commitment is followed like any other.
    let (_, list) = body(app.get_as(&li.token, &format!("/api/v1/matters/{matter}/commitments")).await).await;
    assert_eq!(list["items"][0]["agreement_id"].as_str(), Some(agreement_id.as_str()));
}
