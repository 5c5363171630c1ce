//! Meetings: the three confirms before an announcement, invitations and reminders, registration
//! up to a capacity, check-in codes that expire and serve each person once, minutes, and the
//! courtyard meeting's problem ledger with its deadline — with the denials.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use domain::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::Account;
use yishi_tests::{body, id, spawn_app, spawn_app_with, Setup, TestApp};

use super::support::{inbox, kinds, raise, resident_of, setup, triage};

fn at(app: &TestApp, later: Duration) -> String {
    (app.clock.now() + later).to_rfc3339()
}

/// Drafts a meeting in village `scope`; asserts it was created.
async fn draft(app: &TestApp, token: &str, scope: &str, extra: Value) -> String {
    let mut payload = json!({ "scope_id": scope, "title": "杨家村屋场会", "mode": "offline", "place": "村委会前坪" });
    if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    let (status, m) = body(app.post(Some(token), "/api/v1/meetings", payload).await).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    id(&m)
}

async fn act(app: &TestApp, token: &str, meeting: &str, action: &str, payload: Value) -> (StatusCode, Value) {
    body(app.post(Some(token), &format!("/api/v1/meetings/{meeting}/{action}"), payload).await).await
}

/// A matter of village A triaged small (deliberating).
async fn deliberating(app: &TestApp, cadre: &str, who: &Account, scope: &str, title: &str) -> String {
    let matter = id(&raise(app, who, scope, title).await);
    triage(app, cadre, &matter, "small").await;
    matter
}

/// An announced meeting with one invitee (by name) and one agenda matter.
async fn announced(app: &TestApp, cadre: &str, scope: &str, matter: &str, extra: Value) -> String {
    let meeting = draft(app, cadre, scope, extra).await;
    let (status, e) = act(app, cadre, &meeting, "invitees", json!({ "invitees": [{ "name": "主持人" }] })).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let (status, e) = act(app, cadre, &meeting, "agenda", json!({ "matter_id": matter })).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let (status, e) = act(app, cadre, &meeting, "announce", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    meeting
}

async fn count(app: &TestApp, what: &'static str, a: &str, b: &str) -> i64 {
    let (a, b) = (a.to_owned(), b.to_owned());
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::{matter_events as e, meeting_attendance as at, outbox as o};
            let n = match what {
                "notices" => o::table
                    .filter(o::recipient_id.eq(&a))
                    .filter(o::kind.eq(&b))
                    .filter(o::channel.eq("inbox"))
                    .count()
                    .get_result(conn)?,
                "events" => e::table.filter(e::matter_id.eq(&a)).filter(e::kind.eq(&b)).count().get_result(conn)?,
                "attendance" => at::table.filter(at::meeting_id.eq(&a)).count().get_result(conn)?,
                other => panic!("no such count {other}"),
            };
            Ok::<i64, infra::InfraError>(n)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_meeting_is_announced_only_after_the_three_confirms_and_its_invitees_are_told_and_reminded() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let cadre = &w.cadre_a.token;
    let li = resident_of(&app, &w.village_a, cadre, "li-a").await;
    let wang = resident_of(&app, &w.village_a, cadre, "wang-a").await;
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "outsider").await;
    let matter = deliberating(&app, cadre, &li, &w.village_a, "村口路灯的事").await;

    // Bad input is refused clearly: an online meeting needs a link, a point must lie in China.
    let (status, e) = body(
        app.post(
            Some(cadre),
            "/api/v1/meetings",
            json!({ "scope_id": w.village_a, "title": "线上议事", "mode": "online" }),
        )
        .await,
    )
    .await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("link")));
    let payload = json!({ "scope_id": w.village_a, "title": "屋场会", "mode": "offline", "place": "前坪", "lat": 10.0, "lng": 10.0 });
    let (status, _) = body(app.post(Some(cadre), "/api/v1/meetings", payload).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A resident cannot draft one; the other village's cadre cannot either.
    let payload = json!({ "scope_id": w.village_a, "title": "屋场会", "mode": "offline", "place": "前坪" });
    let (status, _) = body(app.post(Some(&li.token), "/api/v1/meetings", payload.clone()).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not a unit a resident works on");
    let (status, _) = body(app.post(Some(&d.cadre_b.token), "/api/v1/meetings", payload).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A council member of the village (a resident with the civic role) drafts one.
    let member = resident_of(&app, &w.village_a, cadre, "council-a").await;
    assert_eq!(
        app.grant(cadre, &member.id, "council_member", "org_unit", &w.village_a).await.status(),
        StatusCode::CREATED
    );
    draft(&app, &member.token, &w.village_a, json!({})).await;

    let meeting =
        draft(&app, cadre, &w.village_a, json!({ "courtyard": true, "lat": 28.2, "lng": 112.9, "capacity": 50 })).await;
    // A draft is the staff's: residents and outsiders do not see it.
    assert_eq!(app.get_as(&li.token, &format!("/api/v1/meetings/{meeting}")).await.status(), StatusCode::NOT_FOUND);
    let missing = |e: &Value| e["error"]["details"]["missing"].clone();

    // The three confirms, one at a time; each refusal changes nothing.
    let (status, e) = act(&app, cadre, &meeting, "announce", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert_eq!(missing(&e), json!(["time", "participants", "agenda"]));
    let put = json!({ "scope_id": w.village_a, "title": "杨家村屋场会", "mode": "offline", "place": "村委会前坪", "courtyard": true, "starts_at": at(&app, Duration::days(3)), "ends_at": at(&app, Duration::days(3) + Duration::hours(2)) });
    let (status, e) = body(app.put(cadre, &format!("/api/v1/meetings/{meeting}"), put.clone()).await).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let (_, e) = act(&app, cadre, &meeting, "announce", json!({})).await;
    assert_eq!(missing(&e), json!(["participants", "agenda"]));
    let (status, e) = act(&app, cadre, &meeting, "invitees", json!({ "invitees": [{ "user_id": outsider.id }] })).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("user_id")));
    let invitees = json!({ "invitees": [{ "user_id": li.id }, { "user_id": wang.id }, { "name": "老党员王伯" }] });
    let (status, e) = act(&app, cadre, &meeting, "invitees", invitees).await;
    assert_eq!((status, e["invitees"].as_array().map(Vec::len)), (StatusCode::OK, Some(3)), "{e}");
    let (_, e) = act(&app, cadre, &meeting, "announce", json!({})).await;
    assert_eq!(missing(&e), json!(["agenda"]));
    let (_, view) = body(app.get_as(cadre, &format!("/api/v1/meetings/{meeting}")).await).await;
    assert_eq!(view["status"].as_str(), Some("draft"));
    // Only a matter of the village being deliberated goes on the agenda.
    let raised = id(&raise(&app, &li, &w.village_a, "还没分流的事").await);
    let (status, e) = act(&app, cadre, &meeting, "agenda", json!({ "matter_id": raised })).await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("matter_id"))
    );
    let (status, e) = act(&app, cadre, &meeting, "agenda", json!({ "matter_id": matter })).await;
    assert_eq!((status, e["agenda"][0]["matter_id"].as_str()), (StatusCode::OK, Some(matter.as_str())), "{e}");
    // A resident sees nothing yet and may do nothing.
    let (status, _) = act(&app, &li.token, &meeting, "announce", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Each confirm alone is missed too: no time, or nobody invited.
    let untimed = draft(&app, cadre, &w.village_a, json!({})).await;
    act(&app, cadre, &untimed, "invitees", json!({ "invitees": [{ "name": "王伯" }] })).await;
    act(&app, cadre, &untimed, "agenda", json!({ "matter_id": matter })).await;
    let (status, e) = act(&app, cadre, &untimed, "announce", json!({})).await;
    assert_eq!((status, missing(&e)), (StatusCode::CONFLICT, json!(["time"])));
    let lonely = draft(&app, cadre, &w.village_a, json!({ "starts_at": at(&app, Duration::days(4)) })).await;
    act(&app, cadre, &lonely, "agenda", json!({ "matter_id": matter })).await;
    let (status, e) = act(&app, cadre, &lonely, "announce", json!({})).await;
    assert_eq!((status, missing(&e)), (StatusCode::CONFLICT, json!(["participants"])));
    let (status, cancelled) = act(&app, cadre, &lonely, "cancel", json!({})).await;
    assert_eq!((status, cancelled["status"].as_str()), (StatusCode::OK, Some("cancelled")));
    let (status, view) = act(&app, cadre, &meeting, "announce", json!({})).await;
    assert_eq!((status, view["status"].as_str()), (StatusCode::OK, Some("announced")), "{view}");
    let (status, _) = act(&app, cadre, &meeting, "announce", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "announced once");

    // Announced: the invitees are told, the matter's timeline shows it, residents see it, the
    // outsider does not, and a resident is refused the staff's actions.
    assert!(kinds(&inbox(&app, &li.token).await).contains(&"meeting_scheduled".to_owned()));
    assert_eq!(count(&app, "events", &matter, "meeting_announced").await, 1);
    let (status, seen) = body(app.get_as(&li.token, &format!("/api/v1/meetings/{meeting}")).await).await;
    assert_eq!((status, seen["my_rsvp"].as_str()), (StatusCode::OK, Some("pending")));
    assert_eq!(
        app.get_as(&outsider.token, &format!("/api/v1/meetings/{meeting}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, _) = act(&app, &outsider.token, &meeting, "rsvp", json!({ "rsvp": "yes" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for action in ["cancel", "announce", "checkin-code"] {
        let (status, _) = act(&app, &li.token, &meeting, action, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action}");
    }
    let (status, _) = body(app.put(cadre, &format!("/api/v1/meetings/{meeting}"), put).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "an announced meeting is no longer a draft");
    let (_, page) = body(app.get_as(&li.token, &format!("/api/v1/meetings?village_id={}", w.village_a)).await).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));

    // RSVPs; the reminder goes once, 24 hours before, to those who said yes or nothing.
    let (status, e) = act(&app, &li.token, &meeting, "rsvp", json!({ "rsvp": "yes" })).await;
    assert_eq!((status, e["my_rsvp"].as_str()), (StatusCode::OK, Some("yes")));
    let (status, _) = act(&app, &wang.token, &meeting, "rsvp", json!({ "rsvp": "no" })).await;
    assert_eq!(status, StatusCode::OK);
    let (status, e) = act(&app, &wang.token, &meeting, "rsvp", json!({ "rsvp": "maybe" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    app.state.jobs.run_now("remind_meetings").await.unwrap();
    assert_eq!(count(&app, "notices", &li.id, "meeting_reminder").await, 0, "not yet");
    app.clock.advance(Duration::days(2) + Duration::hours(1));
    let second = spawn_app_with(Setup { instance_of: Some(app.shared()), ..Setup::default() }).await;
    second.clock.set(app.clock.now());
    app.state.jobs.run_now("remind_meetings").await.unwrap();
    second.state.jobs.run_now("remind_meetings").await.unwrap();
    app.state.jobs.run_now("remind_meetings").await.unwrap();
    assert_eq!(count(&app, "notices", &li.id, "meeting_reminder").await, 1);
    assert_eq!(count(&app, "notices", &wang.id, "meeting_reminder").await, 0);
}

#[tokio::test]
async fn check_in_codes_expire_and_count_each_person_once_under_parallel_requests() {
    let env = vec![("YISHI_MEETING_CHECKIN_MINUTES", "5".to_owned())];
    let app = spawn_app_with(Setup { env, ..Setup::default() }).await;
    let d = setup(&app).await;
    let w = &d.w;
    let cadre = &w.cadre_a.token;
    let li = resident_of(&app, &w.village_a, cadre, "li-a").await;
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "outsider").await;
    let matter = deliberating(&app, cadre, &li, &w.village_a, "村道硬化").await;
    let meeting =
        announced(&app, cadre, &w.village_a, &matter, json!({ "starts_at": at(&app, Duration::hours(1)) })).await;

    let (status, _) = act(&app, &li.token, &meeting, "checkin-code", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, first) = act(&app, cadre, &meeting, "checkin-code", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let first_code = first["code"].as_str().unwrap().to_owned();
    assert_eq!(first["qr"].as_str(), Some(format!("yishi:checkin:{meeting}:{first_code}").as_str()));
    // A fresh code replaces the last: the old one is now wrong.
    let (_, fresh) = act(&app, cadre, &meeting, "checkin-code", json!({})).await;
    let code = fresh["code"].as_str().unwrap().to_owned();
    if code != first_code {
        let (status, e) = act(&app, &li.token, &meeting, "checkin", json!({ "code": first_code })).await;
        assert_eq!(
            (status, e["error"]["details"]["reason"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("wrong"))
        );
    }
    let (status, e) = act(&app, &li.token, &meeting, "checkin", json!({ "code": "not-it" })).await;
    assert_eq!((status, e["error"]["details"]["reason"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("wrong")));
    let (status, _) = act(&app, &outsider.token, &meeting, "checkin", json!({ "code": code })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The same person 20 times at once: one check-in, 19 already done; repeated.
    for round in 0..4 {
        let who = resident_of(&app, &w.village_a, cadre, &format!("attendee-{round}")).await;
        let attempts = (0..20).map(|_| {
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
        let refused = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
        assert_eq!((won, refused), (1, 19), "round {round}: {statuses:?}");
        assert_eq!(count(&app, "attendance", &meeting, "").await, round + 1);
    }
    let (status, e) = act(&app, &li.token, &meeting, "checkin", json!({ "code": code })).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let (status, e) = act(&app, &li.token, &meeting, "checkin", json!({ "code": code })).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_done")));

    // On paper, by staff only; twice is refused; the list is the staff's.
    let elder = resident_of(&app, &w.village_a, cadre, "elder").await;
    let (status, _) = act(&app, &li.token, &meeting, "attendance", json!({ "user_id": elder.id })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = act(&app, cadre, &meeting, "attendance", json!({ "user_id": outsider.id })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, list) = act(&app, cadre, &meeting, "attendance", json!({ "user_id": elder.id })).await;
    assert_eq!((status, list["count"].as_u64()), (StatusCode::CREATED, Some(6)), "{list}");
    let (status, _) = act(&app, cadre, &meeting, "attendance", json!({ "user_id": elder.id })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let path = format!("/api/v1/meetings/{meeting}/attendance");
    assert_eq!(app.get_as(&li.token, &path).await.status(), StatusCode::FORBIDDEN);
    let (_, list) = body(app.get_as(cadre, &path).await).await;
    assert_eq!(list["count"].as_u64(), Some(6));
    let (_, view) = body(app.get_as(&li.token, &format!("/api/v1/meetings/{meeting}")).await).await;
    assert_eq!((view["attendance"].as_i64(), view["checked_in"].as_bool()), (Some(6), Some(true)));

    // The code expires.
    let late = resident_of(&app, &w.village_a, cadre, "late").await;
    app.clock.advance(Duration::minutes(6));
    let (status, e) = act(&app, &late.token, &meeting, "checkin", json!({ "code": code })).await;
    assert_eq!((status, e["error"]["details"]["reason"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("expired")));
    assert_eq!(count(&app, "attendance", &meeting, "").await, 6);

    // Minutes: held, with the matter's outcome on its timeline; no check-in afterwards.
    let minutes =
        json!({ "minutes": "会议讨论了村道硬化。", "outcomes": [{ "matter_id": matter, "outcome": "同意先修东段" }] });
    let (status, _) = act(&app, &li.token, &meeting, "minutes", minutes.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, held) = act(&app, cadre, &meeting, "minutes", minutes).await;
    assert_eq!((status, held["status"].as_str()), (StatusCode::OK, Some("held")), "{held}");
    assert_eq!(held["agenda"][0]["outcome"].as_str(), Some("同意先修东段"));
    assert_eq!(count(&app, "events", &matter, "meeting_held").await, 1);
    let (status, _) = act(&app, cadre, &meeting, "cancel", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn registration_stops_exactly_at_capacity_under_parallel_requests() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let cadre = &w.cadre_a.token;
    let li = resident_of(&app, &w.village_a, cadre, "li-a").await;
    let matter = deliberating(&app, cadre, &li, &w.village_a, "文化广场怎么用").await;
    let mut people = Vec::new();
    for n in 0..20 {
        people.push(resident_of(&app, &w.village_a, cadre, &format!("reg-{n}")).await);
    }
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "outsider").await;
    for round in 0..4 {
        let extra = json!({ "starts_at": at(&app, Duration::days(5)), "capacity": 1, "registration": true });
        let meeting = announced(&app, cadre, &w.village_a, &matter, extra).await;
        let attempts = people.iter().map(|who| {
            let (client, url, token) =
                (app.client.clone(), app.url(&format!("/api/v1/meetings/{meeting}/registrations")), who.token.clone());
            tokio::spawn(async move {
                client.post(url).bearer_auth(token).json(&json!({})).send().await.map(|r| r.status())
            })
        });
        let statuses: Vec<StatusCode> =
            futures_util::future::join_all(attempts).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        let won = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        let refused = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
        assert_eq!((won, refused), (1, 19), "round {round}: {statuses:?}");
        let (_, view) = body(app.get_as(cadre, &format!("/api/v1/meetings/{meeting}")).await).await;
        let yes = view["invitees"].as_array().unwrap().iter().filter(|i| i["rsvp"] == "yes").count();
        assert_eq!(yes, 1, "{view}");
        let (status, _) = act(&app, &outsider.token, &meeting, "registrations", json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_courtyard_ledger_answers_questions_and_flags_the_unanswered_once_at_their_deadline() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let cadre = &w.cadre_a.token;
    let li = resident_of(&app, &w.village_a, cadre, "li-a").await;
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "outsider").await;
    let matter = deliberating(&app, cadre, &li, &w.village_a, "屋场会议题").await;
    let extra = json!({ "courtyard": true, "starts_at": at(&app, Duration::hours(1)) });
    let meeting = announced(&app, cadre, &w.village_a, &matter, extra).await;

    let spoken =
        json!({ "title": "水井旁的排水沟堵了", "body": "下雨就漫到路上", "speaker_id": li.id, "answer_days": 2 });
    let (status, _) = act(&app, &li.token, &meeting, "ledger", spoken.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = act(&app, &outsider.token, &meeting, "ledger", spoken.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, e) = act(&app, cadre, &meeting, "ledger", json!({ "title": "没说是谁", "body": "？" })).await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("speaker_id"))
    );
    let (status, first) = act(&app, cadre, &meeting, "ledger", spoken).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["speaker"]["id"].as_str(), Some(li.id.as_str()));
    let unknown = json!({ "title": "类别不明", "body": "？", "anonymous": true, "category": "no_such" });
    let (status, e) = act(&app, cadre, &meeting, "ledger", unknown).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("category")));
    let anonymous = json!({ "title": "低保评定不公开", "body": "希望公开评议过程", "anonymous": true, "answer_days": 3,
        "category": "village_affairs" });
    let (status, second) = act(&app, cadre, &meeting, "ledger", anonymous).await;
    assert_eq!((status, second["speaker"].is_null()), (StatusCode::CREATED, true), "{second}");
    let (first_id, second_id) =
        (first["matter_id"].as_str().unwrap().to_owned(), second["matter_id"].as_str().unwrap().to_owned());
    let (_, m) = body(app.get_as(cadre, &format!("/api/v1/matters/{second_id}")).await).await;
    assert_eq!(m["category"], "village_affairs", "the recorder's category");
    // Each is a matter of the village, raised in one step from the courtyard.
    let (status, m) = body(app.get_as(&li.token, &format!("/api/v1/matters/{first_id}")).await).await;
    assert_eq!(
        (status, m["origin"].as_str(), m["status"].as_str()),
        (StatusCode::OK, Some("courtyard"), Some("raised"))
    );
    assert_eq!(m["author"]["id"].as_str(), Some(li.id.as_str()));

    // Answered once (the speaker is told), then revisited; the unanswered cannot be revisited.
    let (status, _) = body(
        app.post(Some(&li.token), &format!("/api/v1/ledger-items/{first_id}/answer"), json!({ "answer": "我" })).await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let path = format!("/api/v1/ledger-items/{first_id}/answer");
    let (status, answered) = body(app.post(Some(cadre), &path, json!({ "answer": "本周内组织清淤" })).await).await;
    assert_eq!((status, answered["answer"].as_str()), (StatusCode::OK, Some("本周内组织清淤")), "{answered}");
    let (status, _) = body(app.post(Some(cadre), &path, json!({ "answer": "再答一次" })).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(kinds(&inbox(&app, &li.token).await).contains(&"ledger_answered".to_owned()));
    let (status, _) = body(
        app.post(Some(cadre), &format!("/api/v1/ledger-items/{second_id}/revisit"), json!({ "note": "回访" })).await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = body(
        app.post(
            Some(cadre),
            &format!("/api/v1/ledger-items/{first_id}/revisit"),
            json!({ "note": "已清淤，群众满意" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, ledger) = body(app.get_as(&li.token, &format!("/api/v1/meetings/{meeting}/ledger")).await).await;
    assert_eq!(
        (ledger["total"].as_u64(), ledger["answered"].as_u64(), ledger["revisited"].as_u64()),
        (Some(2), Some(1), Some(1)),
        "{ledger}"
    );
    assert!(ledger["items"].as_array().unwrap().iter().any(|i| i["anonymous"] == true && i["speaker"].is_null()));
    let (status, _) =
        body(app.get_as(&outsider.token, &format!("/api/v1/org-units/{}/ledger", w.village_a)).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, village) = body(app.get_as(cadre, &format!("/api/v1/org-units/{}/ledger", w.village_a)).await).await;
    assert_eq!((village["total"].as_u64(), village["overdue"].as_u64()), (Some(2), Some(0)));

    // The unanswered one turns overdue exactly at its deadline, once, and the cadre is told.
    let due: DateTime<Utc> = second["answer_due"].as_str().unwrap().parse().unwrap();
    app.clock.set(due - Duration::seconds(1));
    app.state.jobs.run_now("sweep_courtyard_ledger").await.unwrap();
    assert_eq!(count(&app, "events", &second_id, "ledger_overdue").await, 0);
    app.clock.set(due + Duration::seconds(1));
    app.state.jobs.run_now("sweep_courtyard_ledger").await.unwrap();
    app.state.jobs.run_now("sweep_courtyard_ledger").await.unwrap();
    assert_eq!(count(&app, "events", &second_id, "ledger_overdue").await, 1);
    assert_eq!(count(&app, "events", &first_id, "ledger_overdue").await, 0);
    assert_eq!(count(&app, "notices", &w.cadre_a.id, "ledger_overdue").await, 1);
}
