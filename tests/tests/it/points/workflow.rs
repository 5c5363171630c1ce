//! Points, the workflow (acceptance 1): entries recorded by staff and claimed by a resident,
//! reviewed, posted publicly, objected to (one objection upheld: that entry never counts; one
//! dismissed), settled after the posting period — with the person's and the household's
//! balances equal to their ledger rows at every step; the refusals; rule sets versioned, put in
//! force at once or by an assembly vote, inherited down the tree.

use diesel::prelude::*;
use domain::clock::Clock;
use domain::identity::roles::Role;
use domain::points::rules::{AutoSource, Category, Subject};
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::points::{automatic, rule};
use yishi_tests::world::{Account, World, STAFF_PASSWORD};
use yishi_tests::{assert_invalid_field, body, id, spawn_app_with, Setup, TestApp};

async fn points_app() -> TestApp {
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

async fn get(app: &TestApp, who: &str, path: &str) -> (StatusCode, Value) {
    body(app.get_as(who, path).await).await
}

fn today(app: &TestApp) -> String {
    app.clock.now().with_timezone(&domain::calendar::beijing()).date_naive().to_string()
}

async fn record(app: &TestApp, by: &str, user: &str, code: &str) -> (StatusCode, Value) {
    let entry = json!({ "user_id": user, "rule_code": code, "occurred_on": today(app), "note": "帮邻居收稻谷" });
    post(app, by, "/api/v1/points/entries", entry).await
}

/// The person's balance and their household's (members' accounts plus the household's own) in
/// a village, each asserted equal to the sum of its ledger rows and to the sums the cached
/// accounts hold.
async fn balances(app: &TestApp, village: &str, user: &str) -> (i64, i64) {
    let (village, user) = (village.to_owned(), user.to_owned());
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::household_members as hm;
            use infra::testing::schema::points_accounts as a;
            use infra::testing::schema::points_ledger as l;
            let mut sums = Vec::new();
            let household: Option<String> =
                hm::table.filter(hm::user_id.eq(&user)).select(hm::household_id).first(conn).optional()?;
            let members: Vec<String> = match &household {
                Some(h) => hm::table.filter(hm::household_id.eq(h)).select(hm::user_id).load(conn)?,
                None => vec![user.clone()],
            };
            let holders: Vec<(&str, Vec<String>)> =
                vec![("user", vec![user.clone()]), ("user", members), ("household", household.into_iter().collect())];
            for (kind, ids) in holders {
                let accounts: Vec<(String, i64)> = a::table
                    .filter(a::org_unit_id.eq(&village))
                    .filter(a::holder.eq(kind))
                    .filter(a::holder_id.eq_any(ids))
                    .select((a::id, a::balance))
                    .load(conn)?;
                let ids: Vec<String> = accounts.iter().map(|(id, _)| id.clone()).collect();
                let rows: Vec<i64> = l::table.filter(l::account_id.eq_any(ids)).select(l::points).load(conn)?;
                let cached: i64 = accounts.iter().map(|(_, b)| b).sum();
                assert_eq!(cached, rows.iter().sum::<i64>(), "{kind} accounts against their ledger rows");
                sums.push(cached);
            }
            Ok::<_, infra::InfraError>((sums[0], sums[1] + sums[2]))
        })
        .await
        .unwrap()
}

/// How many notices of `kind` a user's inbox holds (read in the database: tokens expire while
/// the tests move the clock by days).
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
                .order(n::created_at.asc())
                .select(n::body)
                .load::<String>(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

async fn entry_count(app: &TestApp) -> i64 {
    app.state
        .db
        .run(|conn| {
            use infra::testing::schema::points_entries as e;
            e::table.count().get_result::<i64>(conn).map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

async fn relogin_staff(app: &TestApp, username: &str) -> String {
    let login = app.login(username, STAFF_PASSWORD).await;
    login["access_token"].as_str().unwrap_or_default().to_owned()
}

async fn relogin_resident(app: &TestApp, name: &str) -> String {
    let login = app.wechat_login(&format!("dev:{name}")).await;
    login["access_token"].as_str().unwrap_or_default().to_owned()
}

fn village_rules() -> Vec<domain::points::rules::Rule> {
    let cadre_only = domain::points::rules::Rule { recorders: vec![Role::VillageCadre], ..rule("meeting_help", 4) };
    let capped = domain::points::rules::Rule {
        cap: Some(5),
        cap_period: Some(domain::points::rules::CapPeriod::Month),
        ..rule("weekly_clean", 5)
    };
    let attendance = domain::points::rules::Rule {
        category: Category::Attendance,
        subject: Subject::Cadre,
        recorders: vec![Role::VillageCadre, Role::TownshipOfficer],
        claimable: false,
        ..rule("duty_attendance", 2)
    };
    vec![
        rule("help_neighbour", 5),
        rule("clean_lane", 3),
        rule("garbage_sorting", 2),
        cadre_only,
        capped,
        attendance,
        automatic("meeting_checkin", 1, AutoSource::MeetingCheckin),
    ]
}

async fn setup(app: &TestApp) -> World {
    let w = app.world().await;
    app.points_rules(&w.village_a, &w.cadre_a.id, village_rules(), vec![]).await;
    w
}

#[tokio::test]
async fn an_entry_goes_from_record_to_review_to_posting_to_the_ledger_and_an_upheld_objection_never_counts() {
    let app = points_app().await;
    let w = setup(&app).await;
    let person = app.member("pw-person", &w.village_a, &w.cadre_a.token).await;
    let neighbour = app.member("pw-neighbour", &w.village_a, &w.cadre_a.token).await;
    assert_eq!(balances(&app, &w.village_a, &person.id).await, (0, 0));

    // Recorded by the grid worker and by the cadre, claimed by the person.
    let (status, helped) = record(&app, &w.worker_a.token, &person.id, "help_neighbour").await;
    assert_eq!((status, helped["status"].as_str()), (StatusCode::CREATED, Some("recorded")), "{helped}");
    assert_eq!(helped["points"], 5);
    let (status, cleaned) = record(&app, &w.cadre_a.token, &person.id, "clean_lane").await;
    assert_eq!(status, StatusCode::CREATED, "{cleaned}");
    let claim = json!({ "rule_code": "garbage_sorting", "occurred_on": today(&app), "note": "每天分类投放" });
    let (status, claimed) = post(&app, &person.token, "/api/v1/points/claims", claim).await;
    assert_eq!((status, claimed["status"].as_str()), (StatusCode::CREATED, Some("claimed")), "{claimed}");
    assert_eq!(claimed["source"], "claim");
    let (status, mine) = get(&app, &person.token, "/api/v1/me/points/entries").await;
    assert_eq!((status, mine["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(3)), "{mine}");
    let unit_list = format!("/api/v1/points/entries?unit={}&status=recorded", w.village_a);
    let (status, recorded) = get(&app, &w.cadre_a.token, &unit_list).await;
    assert_eq!((status, recorded["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)), "{recorded}");
    assert_eq!(balances(&app, &w.village_a, &person.id).await, (0, 0));

    // Reviewed: two approved, one rejected with its reason (a reason is required to reject).
    let review = |entry: &Value| format!("/api/v1/points/entries/{}/review", id(entry));
    let res = app.post(Some(&w.officer.token), &review(&cleaned), json!({ "decision": "reject" })).await;
    assert_invalid_field(res, "reason").await;
    for (entry, decision) in [(&helped, json!({ "decision": "approve" })), (&claimed, json!({ "decision": "approve" }))]
    {
        let (status, reviewed) = post(&app, &w.cadre_a.token, &review(entry), decision).await;
        assert_eq!((status, reviewed["status"].as_str()), (StatusCode::OK, Some("approved")), "{reviewed}");
    }
    let reject = json!({ "decision": "reject", "reason": "当天未核实到" });
    // Four eyes: the cadre who recorded it does not review it; the township officer does.
    let (status, own) = post(&app, &w.cadre_a.token, &review(&cleaned), reject.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{own}");
    let (status, rejected) = post(&app, &w.officer.token, &review(&cleaned), reject).await;
    assert_eq!((status, rejected["status"].as_str()), (StatusCode::OK, Some("rejected")), "{rejected}");
    let (status, again) = post(&app, &w.officer.token, &review(&cleaned), json!({ "decision": "approve" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let reviewed = inbox(&app, &person.id, "points_reviewed").await;
    assert_eq!(reviewed.len(), 3, "{reviewed:?}");
    assert!(reviewed.iter().any(|b| b.contains("未通过") && b.contains("当天未核实到")), "{reviewed:?}");
    assert_eq!(balances(&app, &w.village_a, &person.id).await, (0, 0));

    // Posted: both approved entries, each person told; nothing left to post a second time.
    let postings = format!("/api/v1/org-units/{}/points/postings", w.village_a);
    let (status, posting) =
        post(&app, &w.officer.token, &postings, json!({ "title": "十二月积分公示", "days": 1 })).await;
    assert_eq!(status, StatusCode::CREATED, "{posting}");
    assert_eq!(posting["entries"].as_array().map(Vec::len), Some(2), "{posting}");
    let res = app.post(Some(&w.officer.token), &postings, json!({ "title": "再次公示" })).await;
    assert_invalid_field(res, "entries").await;
    assert_eq!(inbox(&app, &person.id, "points_posted").await.len(), 2);
    let posting_path = format!("/api/v1/points/postings/{}", id(&posting));
    let (status, seen) = get(&app, &neighbour.token, &posting_path).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert!(seen["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["person_name"].is_string() && e.get("phone").is_none()));
    let (status, list) = get(&app, &neighbour.token, &postings).await;
    assert_eq!((status, list["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)), "{list}");

    // Objections by a neighbour: once per entry, even sent eight times at once.
    let objections = format!("{posting_path}/objections");
    let object = json!({ "entry_id": id(&helped), "reason": "那天他不在村里" });
    let sends = (0..8).map(|_| app.post(Some(&neighbour.token), &objections, object.clone()));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(sends).await.iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{statuses:?}");
    let (status, second) =
        post(&app, &neighbour.token, &objections, json!({ "entry_id": id(&claimed), "reason": "分类不到位" })).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(inbox(&app, &person.id, "points_objected").await.len(), 2);
    let (_, seen) = get(&app, &person.token, &posting_path).await;
    let shown: Vec<&Value> =
        seen["entries"].as_array().unwrap().iter().flat_map(|e| e["objections"].as_array().unwrap()).collect();
    assert_eq!(shown.len(), 2, "{seen}");
    assert!(shown.iter().all(|o| o.get("objector_id").is_none()), "a resident never sees who objected: {seen}");
    let (_, seen) = get(&app, &w.cadre_a.token, &posting_path).await;
    let shown: Vec<&Value> =
        seen["entries"].as_array().unwrap().iter().flat_map(|e| e["objections"].as_array().unwrap()).collect();
    assert!(shown.iter().all(|o| o["objector_id"] == neighbour.id.as_str()), "{seen}");
    let first = shown.iter().find(|o| o["entry_id"] == id(&helped).as_str()).map(|o| id(o)).unwrap();
    let other = shown.iter().find(|o| o["entry_id"] == id(&claimed).as_str()).map(|o| id(o)).unwrap();

    // Answered: the first upheld (struck, never counts), the second dismissed.
    let answer = |objection: &str| format!("/api/v1/points/objections/{objection}/answer");
    let res =
        app.post(Some(&neighbour.token), &answer(&first), json!({ "ruling": "uphold", "answer": "核实属实" })).await;
    assert!(matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "a resident never answers");
    let (status, upheld) =
        post(&app, &w.cadre_a.token, &answer(&first), json!({ "ruling": "uphold", "answer": "核实属实" })).await;
    assert_eq!((status, upheld["status"].as_str()), (StatusCode::OK, Some("upheld")), "{upheld}");
    let (status, dismissed) =
        post(&app, &w.cadre_a.token, &answer(&other), json!({ "ruling": "dismiss", "answer": "照片为证" })).await;
    assert_eq!((status, dismissed["status"].as_str()), (StatusCode::OK, Some("dismissed")), "{dismissed}");
    let (status, _) =
        post(&app, &w.cadre_a.token, &answer(&other), json!({ "ruling": "uphold", "answer": "再议" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(inbox(&app, &neighbour.id, "points_objection_answered").await.len(), 2);
    let effective = inbox(&app, &person.id, "points_effective").await;
    assert!(effective.len() == 1 && effective[0].contains("未生效"), "{effective:?}");
    let (_, struck) = get(&app, &person.token, &format!("/api/v1/points/entries/{}", id(&helped))).await;
    assert_eq!(struck["status"], "struck");

    // Settling before the period is over does nothing.
    app.state.jobs.run_now("settle_points_postings").await.unwrap();
    assert_eq!(balances(&app, &w.village_a, &person.id).await, (0, 0));

    // The period over: settled once, even by four instances at once; only the claim counts.
    app.clock.advance(chrono::Duration::hours(24) + chrono::Duration::minutes(1));
    let now = app.clock.now().naive_utc();
    let settles = (0..4).map(|_| app.state.db.run(move |conn| infra::points::postings::settle_due(conn, now)));
    let settled: usize = futures_util::future::join_all(settles).await.into_iter().map(Result::unwrap).sum();
    assert_eq!(settled, 1);
    app.state.jobs.run_now("settle_points_postings").await.unwrap();
    assert_eq!(balances(&app, &w.village_a, &person.id).await, (2, 2));
    let effective = inbox(&app, &person.id, "points_effective").await;
    assert!(effective.len() == 2 && effective[1].contains("已生效"), "{effective:?}");

    // Tokens issued a day ago have expired; sign in again.
    let person_token = relogin_resident(&app, "pw-person").await;
    let neighbour_token = relogin_resident(&app, "pw-neighbour").await;
    let (_, entry) = get(&app, &person_token, &format!("/api/v1/points/entries/{}", id(&claimed))).await;
    assert_eq!(entry["status"], "effective", "{entry}");
    assert!(entry["effective_at"].is_string());
    let (_, seen) = get(&app, &neighbour_token, &posting_path).await;
    assert_eq!(seen["status"], "closed", "{seen}");
    let late = json!({ "entry_id": id(&claimed), "reason": "迟到的异议" });
    let (status, refused) = post(&app, &neighbour_token, &objections, late).await;
    assert_eq!(status, StatusCode::CONFLICT, "after the period: {refused}");
    let cadre = relogin_staff(&app, "cadre-a").await;
    let (status, effective) =
        get(&app, &cadre, &format!("/api/v1/points/entries?unit={}&status=effective", w.village_a)).await;
    assert_eq!((status, effective["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)), "{effective}");
}

#[tokio::test]
async fn entries_are_refused_to_those_who_may_not_record_review_or_object() {
    let app = points_app().await;
    let w = setup(&app).await;
    let person = app.member("pd-person", &w.village_a, &w.cadre_a.token).await;
    let other = app.member("pd-other", &w.village_a, &w.cadre_a.token).await;
    let cadre_b = app.staff(&w.admin, "cadre-b", &w.village_b).await;
    assert_eq!(
        app.grant(&w.admin, &cadre_b.id, "village_cadre", "org_unit", &w.village_b).await.status(),
        StatusCode::CREATED
    );
    let before = entry_count(&app).await;

    // Another village's cadre: the person is not found; a resident: refused; a grid worker for a
    // rule that names only cadres: refused.
    assert_eq!(record(&app, &cadre_b.token, &person.id, "help_neighbour").await.0, StatusCode::NOT_FOUND);
    let list = format!("/api/v1/points/entries?unit={}", w.village_a);
    assert_eq!(get(&app, &cadre_b.token, &list).await.0, StatusCode::NOT_FOUND);
    assert_eq!(record(&app, &other.token, &person.id, "help_neighbour").await.0, StatusCode::FORBIDDEN);
    assert_eq!(record(&app, &w.worker_a.token, &person.id, "meeting_help").await.0, StatusCode::FORBIDDEN);

    // Bad bodies: each field named, nothing stored.
    let tomorrow = (app.clock.now() + chrono::Duration::days(2)).date_naive().to_string();
    for (body, field) in [
        (json!({ "user_id": person.id, "rule_code": "help_neighbour", "occurred_on": tomorrow }), "occurred_on"),
        (json!({ "user_id": person.id, "rule_code": "help_neighbour", "occurred_on": "12/01/2026" }), "occurred_on"),
        (json!({ "user_id": person.id, "rule_code": "no_such_rule", "occurred_on": today(&app) }), "rule_code"),
        (json!({ "user_id": person.id, "rule_code": "meeting_checkin", "occurred_on": today(&app) }), "rule_code"),
        (json!({ "user_id": "nobody", "rule_code": "help_neighbour", "occurred_on": today(&app) }), "user_id"),
        (
            json!({ "user_id": person.id, "rule_code": "help_neighbour", "occurred_on": today(&app), "note": "长".repeat(501) }),
            "note",
        ),
    ] {
        assert_invalid_field(app.post(Some(&w.cadre_a.token), "/api/v1/points/entries", body).await, field).await;
    }
    let claim = json!({ "rule_code": "duty_attendance", "occurred_on": today(&app), "note": "值班" });
    assert_invalid_field(app.post(Some(&person.token), "/api/v1/points/claims", claim).await, "rule_code").await;
    let claim = json!({ "rule_code": "garbage_sorting", "occurred_on": today(&app), "note": " " });
    assert_invalid_field(app.post(Some(&person.token), "/api/v1/points/claims", claim).await, "note").await;
    let postings = format!("/api/v1/org-units/{}/points/postings", w.village_a);
    let res = app.post(Some(&w.cadre_a.token), &postings, json!({ "title": "公示", "days": 31 })).await;
    assert_invalid_field(res, "days").await;
    assert_eq!(entry_count(&app).await, before, "nothing stored");

    // A cap per month: the second occurrence is refused, saying what is left.
    assert_eq!(record(&app, &w.cadre_a.token, &person.id, "weekly_clean").await.0, StatusCode::CREATED);
    let res = record(&app, &w.cadre_a.token, &person.id, "weekly_clean").await;
    assert_eq!(res.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.1);
    assert!(res.1.to_string().contains("0 left"), "{}", res.1);

    // A cadre scored by a cadre rule: recorded by the township officer, never reviewed by
    // themselves; a resident is no subject of a cadre rule.
    let (status, duty) = record(&app, &w.officer.token, &w.cadre_a.id, "duty_attendance").await;
    assert_eq!((status, duty["subject"].as_str()), (StatusCode::CREATED, Some("cadre")), "{duty}");
    let review = format!("/api/v1/points/entries/{}/review", id(&duty));
    assert_eq!(post(&app, &w.cadre_a.token, &review, json!({ "decision": "approve" })).await.0, StatusCode::FORBIDDEN);
    let res = app.post(Some(&w.officer.token), &review, json!({ "decision": "maybe" })).await;
    assert_invalid_field(res, "decision").await;
    // Nor by who recorded it: the county's administrator approves.
    assert_eq!(post(&app, &w.officer.token, &review, json!({ "decision": "approve" })).await.0, StatusCode::FORBIDDEN);
    assert_eq!(post(&app, &w.admin, &review, json!({ "decision": "approve" })).await.0, StatusCode::OK);
    let resident_on_cadre_rule =
        json!({ "user_id": person.id, "rule_code": "duty_attendance", "occurred_on": today(&app) });
    let res = app.post(Some(&w.officer.token), "/api/v1/points/entries", resident_on_cadre_rule).await;
    assert_invalid_field(res, "user_id").await;

    // An entry is seen by its person and the staff over it, nobody else.
    let (_, helped) = record(&app, &w.worker_a.token, &person.id, "help_neighbour").await;
    let path = format!("/api/v1/points/entries/{}", id(&helped));
    assert_eq!(get(&app, &person.token, &path).await.0, StatusCode::OK);
    assert_eq!(get(&app, &w.worker_a.token, &path).await.0, StatusCode::OK);
    assert_eq!(get(&app, &cadre_b.token, &path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, &other.token, &path).await.0, StatusCode::NOT_FOUND);

    // A posting is objected to by residents of the village only; another village's cadre does
    // not see it.
    post(&app, &w.cadre_a.token, &format!("{path}/review"), json!({ "decision": "approve" })).await;
    let (status, posting) = post(&app, &w.cadre_a.token, &postings, json!({ "title": "公示" })).await;
    assert_eq!(status, StatusCode::CREATED, "{posting}");
    let posting_path = format!("/api/v1/points/postings/{}", id(&posting));
    assert_eq!(get(&app, &cadre_b.token, &posting_path).await.0, StatusCode::NOT_FOUND);
    let object = json!({ "entry_id": id(&helped), "reason": "不属实" });
    let objections = format!("{posting_path}/objections");
    assert_eq!(post(&app, &cadre_b.token, &objections, object.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(post(&app, &w.cadre_a.token, &objections, object).await.0, StatusCode::FORBIDDEN);
    let res =
        app.post(Some(&other.token), &objections, json!({ "entry_id": domain::new_id(), "reason": "不属实" })).await;
    assert_invalid_field(res, "entry_id").await;
    assert_eq!(post(&app, &cadre_b.token, &postings, json!({ "title": "公示" })).await.0, StatusCode::NOT_FOUND);
}

/// Creates a motion of village A by the cadre (a draft, to be scheduled): answers its id.
async fn motion(app: &TestApp, cadre: &Account, village: &str) -> String {
    let now = app.clock.now();
    let poll = json!({
        "scope_id": village, "title": "积分规则修订", "kind": "motion", "options": [],
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

fn rule_set(code: &str) -> Value {
    json!({
        "note": format!("规则{code}"),
        "rules": [{ "code": code, "name": "邻里互助", "category": "neighbourly", "points": 5, "recorders": ["grid_worker", "village_cadre"], "claimable": true }],
        "base_points": [{ "min_members": 1, "points": 10 }, { "min_members": 4, "points": 20 }],
        "star_thresholds": [50, 100, 200],
    })
}

#[tokio::test]
async fn rule_sets_are_versioned_and_a_vote_decides_a_new_one() {
    let app = points_app().await;
    let w = app.world().await;
    let voters = vec![
        app.member("pv-1", &w.village_a, &w.cadre_a.token).await,
        app.member("pv-2", &w.village_a, &w.cadre_a.token).await,
        app.member("pv-3", &w.village_a, &w.cadre_a.token).await,
    ];
    let sets = format!("/api/v1/org-units/{}/points/rule-sets", w.village_a);
    let in_force = format!("/api/v1/org-units/{}/points/rules", w.village_a);

    // No rules yet; bad sets refused with the field; a resident writes none.
    assert_eq!(get(&app, &voters[0].token, &in_force).await.0, StatusCode::CONFLICT);
    let mut bad = rule_set("help");
    bad["rules"][0]["points"] = json!(-5);
    assert_invalid_field(app.post(Some(&w.cadre_a.token), &sets, bad).await, "points").await;
    let mut bad = rule_set("help");
    bad["star_thresholds"] = json!([100, 50]);
    assert_invalid_field(app.post(Some(&w.cadre_a.token), &sets, bad).await, "star_thresholds").await;
    assert_eq!(post(&app, &voters[0].token, &sets, rule_set("help")).await.0, StatusCode::NOT_FOUND);

    // Version 1, activated at once.
    let (status, v1) = post(&app, &w.cadre_a.token, &sets, rule_set("help_v1")).await;
    assert_eq!(
        (status, v1["version"].as_i64(), v1["status"].as_str()),
        (StatusCode::CREATED, Some(1), Some("draft")),
        "{v1}"
    );
    let (status, active) =
        post(&app, &w.cadre_a.token, &format!("/api/v1/points/rule-sets/{}/activate", id(&v1)), json!({})).await;
    assert_eq!((status, active["status"].as_str()), (StatusCode::OK, Some("active")), "{active}");
    let (status, rules) = get(&app, &voters[0].token, &in_force).await;
    assert_eq!(status, StatusCode::OK, "{rules}");
    assert_eq!(
        (rules["from_unit_id"].as_str(), rules["inherited"].as_bool()),
        (Some(w.village_a.as_str()), Some(false))
    );
    assert_eq!(rules["rule_set"]["rules"][0]["code"], "help_v1");

    // Version 2 tied to a vote that passes: in force once the poll is published.
    let (_, v2) = post(&app, &w.cadre_a.token, &sets, rule_set("help_v2")).await;
    let poll = motion(&app, &w.cadre_a, &w.village_a).await;
    let submit = format!("/api/v1/points/rule-sets/{}/submit-to-vote", id(&v2));
    let res = app.post(Some(&w.cadre_a.token), &submit, json!({ "poll_id": domain::new_id() })).await;
    assert_invalid_field(res, "poll_id").await;
    let (status, pending) = post(&app, &w.cadre_a.token, &submit, json!({ "poll_id": poll })).await;
    assert_eq!((status, pending["status"].as_str()), (StatusCode::OK, Some("pending_vote")), "{pending}");
    hold_vote(&app, &w.cadre_a, &poll, &voters, 0).await;
    let (_, rules) = get(&app, &voters[0].token, &in_force).await;
    assert_eq!(
        (rules["rule_set"]["version"].as_i64(), rules["rule_set"]["rules"][0]["code"].as_str()),
        (Some(2), Some("help_v2")),
        "{rules}"
    );

    // Version 3 tied to a vote that fails: rejected, version 2 still in force.
    let (_, v3) = post(&app, &w.cadre_a.token, &sets, rule_set("help_v3")).await;
    let poll = motion(&app, &w.cadre_a, &w.village_a).await;
    let submit = format!("/api/v1/points/rule-sets/{}/submit-to-vote", id(&v3));
    assert_eq!(post(&app, &w.cadre_a.token, &submit, json!({ "poll_id": poll })).await.0, StatusCode::OK);
    hold_vote(&app, &w.cadre_a, &poll, &voters, 1).await;
    let (_, rules) = get(&app, &voters[0].token, &in_force).await;
    assert_eq!(rules["rule_set"]["version"], 2, "{rules}");
    let (status, versions) = get(&app, &w.cadre_a.token, &sets).await;
    assert_eq!(status, StatusCode::OK, "{versions}");
    let shown: Vec<(i64, String)> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap_or_default(), v["status"].as_str().unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(shown, [(3, "rejected".into()), (2, "active".into()), (1, "superseded".into())]);
    let (status, one) = get(&app, &w.cadre_a.token, &format!("/api/v1/points/rule-sets/{}", id(&v3))).await;
    assert_eq!((status, one["base_points"][1]["points"].as_i64()), (StatusCode::OK, Some(20)), "{one}");
    let activate = format!("/api/v1/points/rule-sets/{}/activate", id(&v3));
    assert_eq!(post(&app, &w.cadre_a.token, &activate, json!({})).await.0, StatusCode::CONFLICT);

    // A township's set is inherited by its villages without their own; another village's staff
    // see nothing of village A's versions.
    let township_sets = format!("/api/v1/org-units/{}/points/rule-sets", w.township);
    let (_, t1) = post(&app, &w.officer.token, &township_sets, rule_set("township_help")).await;
    post(&app, &w.officer.token, &format!("/api/v1/points/rule-sets/{}/activate", id(&t1)), json!({})).await;
    let (status, inherited) =
        get(&app, &w.officer.token, &format!("/api/v1/org-units/{}/points/rules", w.village_b)).await;
    assert_eq!(status, StatusCode::OK, "{inherited}");
    assert_eq!(
        (inherited["from_unit_id"].as_str(), inherited["inherited"].as_bool()),
        (Some(w.township.as_str()), Some(true))
    );
    let cadre_b = app.staff(&w.admin, "cadre-vb", &w.village_b).await;
    assert_eq!(
        app.grant(&w.admin, &cadre_b.id, "village_cadre", "org_unit", &w.village_b).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(get(&app, &cadre_b.token, &sets).await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, &cadre_b.token, &in_force).await.0, StatusCode::NOT_FOUND);
}

/// A capped rule (5 points, cap 5 a month: one occurrence a month) recorded four times at once
/// for the same person and month, 16 times over (two people, eight months): each time exactly
/// one entry is recorded and the three others are refused with the cap, never two under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_records_under_a_cap_let_exactly_one_through() {
    let app = points_app().await;
    let w = setup(&app).await;
    let people = [
        app.member("pw-cap-1", &w.village_a, &w.cadre_a.token).await,
        app.member("pw-cap-2", &w.village_a, &w.cadre_a.token).await,
    ];
    let today = app.clock.now().with_timezone(&domain::calendar::beijing()).date_naive();
    let before = entry_count(&app).await;
    let mut rounds = 0;
    for person in &people {
        for months_back in 0..8 {
            let on = today - chrono::Duration::days(31 * months_back);
            let entry = json!({ "user_id": person.id, "rule_code": "weekly_clean", "occurred_on": on.to_string() });
            let sends = (0..4).map(|_| app.post(Some(&w.cadre_a.token), "/api/v1/points/entries", entry.clone()));
            let answers = futures_util::future::join_all(sends).await;
            let mut statuses = Vec::new();
            for res in answers {
                let (status, answer) = body(res).await;
                if status == StatusCode::UNPROCESSABLE_ENTITY {
                    assert!(answer.to_string().contains("cap reached: 0 left"), "{answer}");
                }
                statuses.push(status);
            }
            statuses.sort();
            let expected = [
                StatusCode::CREATED,
                StatusCode::UNPROCESSABLE_ENTITY,
                StatusCode::UNPROCESSABLE_ENTITY,
                StatusCode::UNPROCESSABLE_ENTITY,
            ];
            assert_eq!(statuses, expected, "{} on {on}", person.id);
            rounds += 1;
        }
    }
    assert_eq!(rounds, 16);
    assert_eq!(entry_count(&app).await, before + 16, "one entry per person and month");
}
