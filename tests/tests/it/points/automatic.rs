//! Automatic entries (acceptance 2) and volunteer hours: a meeting check-in, a ballot, a
//! confirmed case report and a winning golden idea each make one approved entry by the
//! village's automatic rule, once however often (and however concurrently) the event is
//! delivered, within the rule's cap, and nothing without a rule; a volunteer team's session,
//! recorded by its leader and confirmed by a cadre, makes one entry per member by the hours —
//! with the denials and bad input.

use chrono::Duration;
use diesel::prelude::*;
use domain::clock::Clock;
use domain::points::rules::{AutoSource, CapPeriod};
use domain::points::volunteers::points_for;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::points::automatic;
use yishi_tests::world::{Account, World};
use yishi_tests::{assert_invalid_field, body, id, spawn_app_with, Setup, TestApp};

/// Tokens that outlive the hours the clock moves, and limits that let a cadre approve a
/// village's worth of residents.
async fn points_app() -> TestApp {
    let env = [
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400"),
        ("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "100000"),
        ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "1000000"),
    ];
    spawn_app_with(Setup { env: env.map(|(k, v)| (k, v.to_owned())).to_vec(), ..Setup::default() }).await
}

/// One stored entry: (user, points, status, source_ref).
type Entry = (String, i32, String, Option<String>);

/// The entries of `source`, oldest first.
async fn entries(app: &TestApp, source: &'static str) -> Vec<Entry> {
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::points_entries as e;
            e::table
                .filter(e::source.eq(source))
                .order((e::created_at.asc(), e::id.asc()))
                .select((e::user_id, e::points, e::status, e::source_ref))
                .load::<Entry>(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

fn of<'a>(all: &'a [Entry], user: &str) -> Vec<&'a Entry> {
    all.iter().filter(|e| e.0 == user).collect()
}

async fn post(app: &TestApp, token: &str, path: &str, payload: Value) -> (StatusCode, Value) {
    body(app.post(Some(token), path, payload).await).await
}

// ---------------------------------------------------------------------------------------------
// Meetings

/// An announced meeting of village A, with a fresh check-in code: (meeting, code).
async fn announced_meeting(app: &TestApp, w: &World, raiser: &Account, title: &str) -> (String, String) {
    let cadre = &w.cadre_a.token;
    let matter = json!({ "scope_id": w.village_a, "category": "public_welfare", "title": title, "body": format!("{title}，请大家议一议。") });
    let (status, matter) = post(app, &raiser.token, "/api/v1/matters", matter).await;
    assert_eq!(status, StatusCode::CREATED, "{matter}");
    let triage = json!({ "tier": "small", "note": "按分流标准" });
    let (status, e) = post(app, cadre, &format!("/api/v1/matters/{}/triage", id(&matter)), triage).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let meeting = json!({ "scope_id": w.village_a, "title": title, "mode": "offline", "place": "村委会前坪",
        "starts_at": (app.clock.now() + Duration::hours(1)).to_rfc3339() });
    let (status, meeting) = post(app, cadre, "/api/v1/meetings", meeting).await;
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    let path = |action: &str| format!("/api/v1/meetings/{}/{action}", id(&meeting));
    let invitees = json!({ "invitees": [{ "name": "主持人" }] });
    for (action, payload) in
        [("invitees", invitees), ("agenda", json!({ "matter_id": id(&matter) })), ("announce", json!({}))]
    {
        let (status, e) = post(app, cadre, &path(action), payload).await;
        assert_eq!(status, StatusCode::OK, "{action}: {e}");
    }
    let (status, code) = post(app, cadre, &path("checkin-code"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{code}");
    (id(&meeting), code["code"].as_str().unwrap_or_default().to_owned())
}

async fn check_in(app: &TestApp, who: &Account, meeting: &str, code: &str) -> StatusCode {
    post(app, &who.token, &format!("/api/v1/meetings/{meeting}/checkin"), json!({ "code": code })).await.0
}

async fn world_with_scheme(app: &TestApp) -> World {
    let w = app.world().await;
    let scheme = json!({ "scheme": "wuyi" });
    let res = app.put(&w.cadre_a.token, &format!("/api/v1/org-units/{}/triage-scheme", w.village_a), scheme).await;
    assert_eq!(res.status(), StatusCode::OK);
    w
}

#[tokio::test]
async fn a_meeting_check_in_delivered_twice_awards_points_once() {
    let app = points_app().await;
    let w = world_with_scheme(&app).await;
    let cadre = &w.cadre_a.token;
    let li = app.member("li", &w.village_a, cadre).await;
    let early = app.member("early", &w.village_a, cadre).await;
    let (meeting, code) = announced_meeting(&app, &w, &li, "村道硬化").await;

    // Without a rule in force: attending gives nothing.
    assert_eq!(check_in(&app, &early, &meeting, &code).await, StatusCode::OK);
    assert!(entries(&app, "meeting_checkin").await.is_empty());

    app.points_rules(&w.village_a, &w.cadre_a.id, vec![automatic("meeting", 5, AutoSource::MeetingCheckin)], vec![])
        .await;
    // The same check-in twice, then on paper: one entry, approved, the rule's points.
    assert_eq!(check_in(&app, &li, &meeting, &code).await, StatusCode::OK);
    assert_eq!(check_in(&app, &li, &meeting, &code).await, StatusCode::CONFLICT);
    let paper = format!("/api/v1/meetings/{meeting}/attendance");
    assert_eq!(post(&app, cadre, &paper, json!({ "user_id": li.id })).await.0, StatusCode::CONFLICT);
    let all = entries(&app, "meeting_checkin").await;
    let expected = (li.id.clone(), 5, "approved".to_owned(), Some(format!("meeting:{meeting}:{}", li.id)));
    assert_eq!(of(&all, &li.id), [&expected]);

    // On paper first, then the code: one entry.
    let elder = app.member("elder", &w.village_a, cadre).await;
    assert_eq!(post(&app, cadre, &paper, json!({ "user_id": elder.id })).await.0, StatusCode::CREATED);
    assert_eq!(check_in(&app, &elder, &meeting, &code).await, StatusCode::CONFLICT);
    assert_eq!(of(&entries(&app, "meeting_checkin").await, &elder.id).len(), 1);

    // Eight deliveries at once, fifteen rounds: one check-in and one entry each round.
    for round in 0..15 {
        let who = app.member(&format!("attendee-{round}"), &w.village_a, cadre).await;
        let attempts = (0..8).map(|_| {
            let (client, url, token) =
                (app.client.clone(), app.url(&format!("/api/v1/meetings/{meeting}/checkin")), who.token.clone());
            let payload = json!({ "code": code });
            tokio::spawn(
                async move { client.post(url).bearer_auth(token).json(&payload).send().await.map(|r| r.status()) },
            )
        });
        let statuses: Vec<StatusCode> =
            futures_util::future::join_all(attempts).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(won, 1, "round {round}: {statuses:?}");
        let mine = of(&entries(&app, "meeting_checkin").await, &who.id).into_iter().cloned().collect::<Vec<_>>();
        assert_eq!(mine.len(), 1, "round {round}");
        assert_eq!((mine[0].1, mine[0].2.as_str()), (5, "approved"));
    }
    assert_eq!(entries(&app, "meeting_checkin").await.len(), 17, "li, elder and fifteen attendees; not early");
}

#[tokio::test]
async fn a_monthly_cap_limits_the_points_of_check_ins() {
    let app = points_app().await;
    let w = world_with_scheme(&app).await;
    let li = app.member("li", &w.village_a, &w.cadre_a.token).await;
    let capped = domain::points::rules::Rule {
        cap: Some(12),
        cap_period: Some(CapPeriod::Month),
        ..automatic("meeting", 5, AutoSource::MeetingCheckin)
    };
    app.points_rules(&w.village_a, &w.cadre_a.id, vec![capped], vec![]).await;
    for (i, title) in ["第一次议事", "第二次议事", "第三次议事", "第四次议事"].into_iter().enumerate()
    {
        let (meeting, code) = announced_meeting(&app, &w, &li, title).await;
        assert_eq!(check_in(&app, &li, &meeting, &code).await, StatusCode::OK, "meeting {i}");
    }
    let points: Vec<i32> = entries(&app, "meeting_checkin").await.iter().map(|e| e.1).collect();
    assert_eq!(points, [5, 5, 2], "5 + 5 + 2 reaches the cap of 12; the fourth gives nothing");
}

// ---------------------------------------------------------------------------------------------
// Ballots, ideas, case reports

/// A poll of village A, opened (its roll frozen now).
async fn opened_poll(app: &TestApp, token: &str, scope: &str, secrecy: &str) -> String {
    let now = app.clock.now();
    let poll = json!({
        "scope_id": scope, "title": "村道硬化方案", "kind": "single", "options": ["方案一", "方案二"],
        "secrecy": secrecy, "electorate": "residents", "results": "live",
        "opens_at": (now + Duration::minutes(10)).to_rfc3339(),
        "closes_at": (now + Duration::hours(2)).to_rfc3339(),
    });
    let (status, created) = post(app, token, "/api/v1/polls", poll).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let poll_id = id(&created);
    let (status, e) = post(app, token, &format!("/api/v1/polls/{poll_id}/schedule"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    app.clock.advance(Duration::minutes(11));
    app.state.jobs.run_now("open_polls").await.unwrap();
    poll_id
}

async fn vote(app: &TestApp, who: &Account, poll: &str, choice: usize) -> StatusCode {
    post(app, &who.token, &format!("/api/v1/polls/{poll}/ballots"), json!({ "choices": [choice] })).await.0
}

#[tokio::test]
async fn a_ballot_gives_one_entry_per_person_per_poll() {
    let app = points_app().await;
    let w = app.world().await;
    let (li, wang) = (
        app.member("li", &w.village_a, &w.cadre_a.token).await,
        app.member("wang", &w.village_a, &w.cadre_a.token).await,
    );
    app.points_rules(&w.village_a, &w.cadre_a.id, vec![automatic("vote", 2, AutoSource::Ballot)], vec![]).await;
    let secret = opened_poll(&app, &w.cadre_a.token, &w.village_a, "secret").await;
    assert_eq!(vote(&app, &li, &secret, 0).await, StatusCode::CREATED);
    assert_eq!(vote(&app, &li, &secret, 1).await, StatusCode::CONFLICT, "a secret poll takes one ballot");
    let open = opened_poll(&app, &w.cadre_a.token, &w.village_a, "open").await;
    assert_eq!(vote(&app, &li, &open, 0).await, StatusCode::CREATED);
    assert_eq!(vote(&app, &li, &open, 1).await, StatusCode::CREATED, "an open poll takes a recast");
    assert_eq!(vote(&app, &wang, &open, 1).await, StatusCode::CREATED);

    let all = entries(&app, "ballot").await;
    let refs: Vec<(String, i32, Option<String>)> =
        of(&all, &li.id).iter().map(|e| (e.2.clone(), e.1, e.3.clone())).collect();
    assert_eq!(
        refs,
        [
            ("approved".to_owned(), 2, Some(format!("poll:{secret}:{}", li.id))),
            ("approved".to_owned(), 2, Some(format!("poll:{open}:{}", li.id))),
        ]
    );
    assert_eq!(of(&all, &wang.id).len(), 1);
    // Nothing of the ballot itself: the entry names the poll and the voter, as participation does.
    assert!(all.iter().all(|e| !e.3.as_deref().unwrap_or_default().contains("choice")));
}

#[tokio::test]
async fn a_winning_ideas_author_gets_one_entry() {
    let app = points_app().await;
    let w = app.world().await;
    let (wang, li) = (
        app.member("wang", &w.village_a, &w.cadre_a.token).await,
        app.member("li", &w.village_a, &w.cadre_a.token).await,
    );
    app.points_rules(&w.village_a, &w.cadre_a.id, vec![automatic("idea", 20, AutoSource::IdeaWon)], vec![]).await;
    let now = app.clock.now();
    let contest = json!({
        "scope_id": w.village_a, "title": "村庄美化金点子", "winners": 1,
        "submit_opens_at": (now + Duration::hours(1)).to_rfc3339(),
        "submit_closes_at": (now + Duration::hours(2)).to_rfc3339(),
        "vote_opens_at": (now + Duration::hours(3)).to_rfc3339(),
        "vote_closes_at": (now + Duration::hours(5)).to_rfc3339(),
    });
    let (status, contest) = post(&app, &w.cadre_a.token, "/api/v1/contests", contest).await;
    assert_eq!(status, StatusCode::CREATED, "{contest}");
    let contest_id = id(&contest);
    app.clock.advance(Duration::minutes(61));
    let mut ideas = Vec::new();
    for (who, title) in [(&wang, "共享农具站"), (&li, "太阳能路灯")] {
        let payload = json!({ "title": title, "body": format!("建议{title}") });
        let (status, idea) = post(&app, &who.token, &format!("/api/v1/contests/{contest_id}/ideas"), payload).await;
        assert_eq!(status, StatusCode::CREATED, "{idea}");
        let moderate = format!("/api/v1/ideas/{}/moderate", id(&idea));
        let (status, e) = post(&app, &w.cadre_a.token, &moderate, json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::OK, "{e}");
        ideas.push(id(&idea));
    }
    app.clock.advance(Duration::minutes(120));
    app.state.jobs.run_now("contest_voting").await.unwrap();
    app.state.jobs.run_now("open_polls").await.unwrap();
    let (_, contest) = body(app.get_as(&li.token, &format!("/api/v1/contests/{contest_id}")).await).await;
    let poll = contest["poll_id"].as_str().unwrap_or_default().to_owned();
    for who in [&wang, &li] {
        assert_eq!(vote(&app, who, &poll, 1).await, StatusCode::CREATED);
    }
    assert!(entries(&app, "idea_won").await.is_empty(), "not before the announcement");
    app.clock.advance(Duration::hours(3));
    app.state.jobs.run_now("close_polls").await.unwrap();
    app.state.jobs.run_now("close_polls").await.unwrap();
    let (_, contest) = body(app.get_as(&li.token, &format!("/api/v1/contests/{contest_id}")).await).await;
    assert_eq!(contest["status"], "announced", "{contest}");
    let won = entries(&app, "idea_won").await;
    assert_eq!(won, [(li.id.clone(), 20, "approved".to_owned(), Some(format!("idea:{}", ideas[1])))]);
}

async fn report(app: &TestApp, who: &Account, anonymous: bool) -> String {
    let payload = json!({ "category": "road", "description": "村口的路灯坏了，晚上很黑，老人走路不安全",
        "lat": 27.7105, "lng": 112.0005, "anonymous": anonymous });
    let (status, case) = post(app, &who.token, "/api/v1/cases", payload).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    id(&case)
}

async fn resolve(app: &TestApp, w: &World, case: &str, outcome: &str) {
    let payload = json!({ "outcome": outcome, "note": "已处理" });
    let (status, e) = post(app, &w.worker_a.token, &format!("/api/v1/cases/{case}/resolve"), payload).await;
    assert_eq!(status, StatusCode::OK, "{e}");
}

#[tokio::test]
async fn a_case_report_resolved_as_valid_gives_its_named_resident_reporter_one_entry() {
    let app = points_app().await;
    let w = app.world().await;
    let wang = app.villager(&w.village_a, &w.cadre_a.token, "wang", "13900001111").await;
    app.points_rules(&w.village_a, &w.cadre_a.id, vec![automatic("report", 3, AutoSource::CaseConfirmed)], vec![])
        .await;

    // Fixed: one entry; reopened and fixed again: still one.
    let fixed = report(&app, &wang, false).await;
    resolve(&app, &w, &fixed, "fixed").await;
    let reason = json!({ "reason": "路灯还是不亮" });
    let (status, e) = post(&app, &wang.token, &format!("/api/v1/cases/{fixed}/reopen"), reason).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    resolve(&app, &w, &fixed, "fixed").await;
    // A duplicate is not a valid report; an anonymous one stays anonymous (no entry names it).
    let duplicate = report(&app, &wang, false).await;
    resolve(&app, &w, &duplicate, "duplicate").await;
    let anonymous = report(&app, &wang, true).await;
    resolve(&app, &w, &anonymous, "fixed").await;

    let all = entries(&app, "case_confirmed").await;
    assert_eq!(all, [(wang.id.clone(), 3, "approved".to_owned(), Some(format!("case:{fixed}")))]);
}

// ---------------------------------------------------------------------------------------------
// Volunteer teams and sessions

async fn count(app: &TestApp, what: &'static str) -> i64 {
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::{service_sessions as s, volunteer_teams as t};
            match what {
                "teams" => t::table.count().get_result(conn),
                "sessions" => s::table.count().get_result(conn),
                other => panic!("no count {other}"),
            }
            .map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_volunteer_session_recorded_by_the_leader_and_confirmed_gives_one_entry_per_member() {
    let app = points_app().await;
    let w = app.world().await;
    let cadre = &w.cadre_a.token;
    let cadre_b = app.staff(&w.admin, "cadre-b", &w.village_b).await;
    let res = app.grant(&w.admin, &cadre_b.id, "village_cadre", "org_unit", &w.village_b).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let (leader, zhao, sun, other) = (
        app.member("leader", &w.village_a, cadre).await,
        app.member("zhao", &w.village_a, cadre).await,
        app.member("sun", &w.village_a, cadre).await,
        app.member("other", &w.village_a, cadre).await,
    );
    let outsider = app.member("outsider", &w.village_b, &cadre_b.token).await;
    app.points_rules(&w.village_a, &w.cadre_a.id, vec![automatic("service", 10, AutoSource::ServiceHours)], vec![])
        .await;

    // Forming a team: staff of the village only; bad input refused with nothing stored.
    let teams = format!("/api/v1/org-units/{}/volunteer-teams", w.village_a);
    let team = json!({ "name": "第一志愿服务队", "leader_id": leader.id, "member_ids": [leader.id, zhao.id, sun.id] });
    assert_eq!(post(&app, &leader.token, &teams, team.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(post(&app, &cadre_b.token, &teams, team.clone()).await.0, StatusCode::NOT_FOUND);
    let without_leader = json!({ "name": "二队", "leader_id": leader.id, "member_ids": [zhao.id] });
    assert_invalid_field(app.post(Some(cadre), &teams, without_leader).await, "member_ids").await;
    let twice = json!({ "name": "二队", "leader_id": leader.id, "member_ids": [leader.id, leader.id] });
    assert_invalid_field(app.post(Some(cadre), &teams, twice).await, "member_ids").await;
    let foreign = json!({ "name": "二队", "leader_id": leader.id, "member_ids": [leader.id, outsider.id] });
    assert_invalid_field(app.post(Some(cadre), &teams, foreign).await, "member_ids").await;
    assert_invalid_field(
        app.post(Some(cadre), &teams, json!({ "name": " ", "leader_id": leader.id, "member_ids": [leader.id] })).await,
        "name",
    )
    .await;
    assert_eq!(count(&app, "teams").await, 0);
    let (status, created) = post(&app, cadre, &teams, team.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let team_id = id(&created);
    assert_eq!(created["members"].as_array().map(Vec::len), Some(3));
    assert_eq!(post(&app, cadre, &teams, team).await.0, StatusCode::CONFLICT, "the name is taken");

    // Residents of the village and staff see it; the other village does not.
    let team_path = format!("/api/v1/volunteer-teams/{team_id}");
    assert_eq!(app.get_as(&other.token, &team_path).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&outsider.token, &team_path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&cadre_b.token, &team_path).await.status(), StatusCode::NOT_FOUND);
    let (status, page) = body(app.get_as(&other.token, &teams).await).await;
    assert_eq!((status, page["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)), "{page}");
    assert_eq!(app.get_as(&outsider.token, &teams).await.status(), StatusCode::NOT_FOUND);

    // Members: staff add and remove; a resident may not; the leader stays.
    let member = |user: &str| format!("{team_path}/members/{user}");
    assert_eq!(app.put(&other.token, &member(&other.id), json!({})).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.put(&cadre_b.token, &member(&other.id), json!({})).await.status(), StatusCode::NOT_FOUND);
    assert_invalid_field(app.put(cadre, &member(&outsider.id), json!({})).await, "user_id").await;
    let (status, view) = body(app.put(cadre, &member(&other.id), json!({})).await).await;
    assert_eq!((status, view["members"].as_array().map(Vec::len)), (StatusCode::OK, Some(4)), "{view}");
    let delete = |user: String| {
        let (client, url, token) = (app.client.clone(), app.url(&member(&user)), cadre.clone());
        async move { client.delete(url).bearer_auth(token).send().await.unwrap().status() }
    };
    assert_eq!(delete(leader.id.clone()).await, StatusCode::UNPROCESSABLE_ENTITY, "the leader stays");
    assert_eq!(delete(other.id.clone()).await, StatusCode::OK);
    assert_eq!(delete(other.id.clone()).await, StatusCode::NOT_FOUND);

    // Sessions: by the leader; another resident 403, the other village 404; bad input 422.
    let sessions = format!("{team_path}/sessions");
    let today = (app.clock.now() + Duration::hours(8)).date_naive();
    let served_on = today.format("%Y-%m-%d").to_string();
    let session = json!({ "title": "清扫村道积雪", "served_on": served_on,
        "hours": [{ "user_id": leader.id, "minutes": 90 }, { "user_id": zhao.id, "minutes": 45 }] });
    assert_eq!(post(&app, &other.token, &sessions, session.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(post(&app, &outsider.token, &sessions, session.clone()).await.0, StatusCode::NOT_FOUND);
    let tomorrow = (today + Duration::days(1)).format("%Y-%m-%d").to_string();
    let bad = [
        (json!({ "title": "x", "served_on": tomorrow, "hours": [{ "user_id": zhao.id, "minutes": 30 }] }), "served_on"),
        (json!({ "title": "x", "served_on": served_on, "hours": [{ "user_id": zhao.id, "minutes": 0 }] }), "hours"),
        (json!({ "title": "x", "served_on": served_on, "hours": [{ "user_id": zhao.id, "minutes": 1441 }] }), "hours"),
        (json!({ "title": "x", "served_on": served_on, "hours": [{ "user_id": other.id, "minutes": 30 }] }), "hours"),
        (
            json!({ "title": "x", "served_on": served_on, "hours": [{ "user_id": zhao.id, "minutes": 30 }, { "user_id": zhao.id, "minutes": 30 }] }),
            "hours",
        ),
        (json!({ "title": "x", "served_on": served_on, "hours": [] }), "hours"),
        (json!({ "title": "", "served_on": served_on, "hours": [{ "user_id": zhao.id, "minutes": 30 }] }), "title"),
    ];
    for (payload, field) in bad {
        assert_invalid_field(app.post(Some(&leader.token), &sessions, payload).await, field).await;
    }
    assert_eq!(count(&app, "sessions").await, 0);
    // Recorded with a key: a retry is the same session.
    let mut recorded = None;
    for _ in 0..2 {
        let req = app.client.post(app.url(&sessions)).bearer_auth(&leader.token);
        let (status, s) =
            body(req.header("Idempotency-Key", "session-key-0001").json(&session).send().await.unwrap()).await;
        assert_eq!((status, s["status"].as_str()), (StatusCode::CREATED, Some("recorded")), "{s}");
        assert_eq!(recorded.get_or_insert_with(|| id(&s)), &id(&s));
    }
    let session_id = recorded.unwrap_or_default();
    assert_eq!(count(&app, "sessions").await, 1);
    let (_, page) = body(app.get_as(&other.token, &sessions).await).await;
    assert_eq!(page["items"][0]["hours"].as_array().map(Vec::len), Some(2), "{page}");

    // Confirmed by the cadre: one entry per member by the hours; a second confirm 409.
    let confirm = format!("/api/v1/service-sessions/{session_id}/confirm");
    assert_eq!(post(&app, &leader.token, &confirm, json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(post(&app, &cadre_b.token, &confirm, json!({})).await.0, StatusCode::NOT_FOUND);
    assert!(entries(&app, "service_hours").await.is_empty());
    let (status, confirmed) = post(&app, cadre, &confirm, json!({})).await;
    assert_eq!((status, confirmed["status"].as_str()), (StatusCode::OK, Some("confirmed")), "{confirmed}");
    let mut expected = vec![
        (
            leader.id.clone(),
            points_for(10, 90) as i32,
            "approved".to_owned(),
            Some(format!("session:{session_id}:{}", leader.id)),
        ),
        (
            zhao.id.clone(),
            points_for(10, 45) as i32,
            "approved".to_owned(),
            Some(format!("session:{session_id}:{}", zhao.id)),
        ),
    ];
    expected.sort();
    let mut got = entries(&app, "service_hours").await;
    got.sort();
    assert_eq!(got, expected);
    let (status, e) = post(&app, cadre, &confirm, json!({})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")), "{e}");
    let reject = format!("/api/v1/service-sessions/{session_id}/reject");
    assert_eq!(post(&app, cadre, &reject, json!({ "reason": "重复登记" })).await.0, StatusCode::CONFLICT);
    let mut after = entries(&app, "service_hours").await;
    after.sort();
    assert_eq!(after, expected, "entries unchanged");

    // Members are told; a rejected session gives nothing.
    let (_, second) = post(
        &app,
        &leader.token,
        &sessions,
        json!({ "title": "敬老院打扫", "served_on": served_on,
        "hours": [{ "user_id": sun.id, "minutes": 60 }] }),
    )
    .await;
    let reject = format!("/api/v1/service-sessions/{}/reject", id(&second));
    assert_invalid_field(app.post(Some(cadre), &reject, json!({ "reason": " " })).await, "reason").await;
    let (status, rejected) = post(&app, cadre, &reject, json!({ "reason": "当天未开展服务" })).await;
    assert_eq!((status, rejected["status"].as_str()), (StatusCode::OK, Some("rejected")), "{rejected}");
    assert_eq!(entries(&app, "service_hours").await.len(), 2);
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
    for (who, n) in [(&zhao, 1), (&sun, 1), (&other, 0)] {
        let (_, inbox) = body(app.get_as(&who.token, "/api/v1/me/notifications?limit=100").await).await;
        let told = inbox["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "points_service").count();
        assert_eq!(told, n, "{inbox}");
    }
}
