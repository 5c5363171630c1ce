//! Golden-idea contests (金点子评比): ideas submitted only in the window, held by the word
//! list, approved or rejected by staff; voting opens on time with exactly the approved ideas;
//! the published poll announces the winners and every author is told; fewer than two approved
//! ideas cancel the contest — with the denials.

use chrono::Duration;
use domain::clock::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{body, id, spawn_app_with, Setup, TestApp};

async fn contest_app() -> TestApp {
    spawn_app_with(Setup { env: vec![("YISHI_ACCESS_TOKEN_TTL_SECS", "86400".to_owned())], ..Setup::default() }).await
}

/// A contest taking ideas from in one hour to two, voting from three to five.
async fn new_contest(app: &TestApp, w: &World, extra: Value) -> (StatusCode, Value) {
    let now = app.clock.now();
    let mut contest = json!({
        "scope_id": w.village_a, "title": "村庄美化金点子", "winners": 1,
        "submit_opens_at": (now + Duration::hours(1)).to_rfc3339(),
        "submit_closes_at": (now + Duration::hours(2)).to_rfc3339(),
        "vote_opens_at": (now + Duration::hours(3)).to_rfc3339(),
        "vote_closes_at": (now + Duration::hours(5)).to_rfc3339(),
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        contest[k] = v;
    }
    body(app.post(Some(&w.cadre_a.token), "/api/v1/contests", contest).await).await
}

async fn submit(app: &TestApp, who: &Account, contest: &str, title: &str, text: &str) -> (StatusCode, Value) {
    let payload = json!({ "title": title, "body": text });
    body(app.post(Some(&who.token), &format!("/api/v1/contests/{contest}/ideas"), payload).await).await
}

async fn moderate(app: &TestApp, token: &str, idea: &str, decision: Value) -> (StatusCode, Value) {
    body(app.post(Some(token), &format!("/api/v1/ideas/{idea}/moderate"), decision).await).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    body(app.get_as(token, path).await).await
}

async fn idea_titles(app: &TestApp, token: &str, contest: &str) -> Vec<String> {
    let (status, page) = get(app, token, &format!("/api/v1/contests/{contest}/ideas")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect()
}

async fn inbox_kinds(app: &TestApp, token: &str) -> Vec<String> {
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
    let (_, page) = get(app, token, "/api/v1/me/notifications?limit=100").await;
    page["items"].as_array().unwrap().iter().filter_map(|n| n["kind"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn a_contest_takes_ideas_in_its_window_votes_on_the_approved_ones_and_announces_the_winner() {
    let app = contest_app().await;
    let w = app.world().await;
    let (wang, li, zhao) = (
        app.member("wang", &w.village_a, &w.cadre_a.token).await,
        app.member("li", &w.village_a, &w.cadre_a.token).await,
        app.member("zhao", &w.village_a, &w.cadre_a.token).await,
    );
    let outsider = app.member("outsider", &w.village_b, &w.officer.token).await;
    let res = app.post(Some(&w.admin), "/api/v1/moderation-words", json!({ "word": "高利贷" })).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // Staff create; a resident may not; windows out of order are refused.
    let res = app.post(Some(&wang.token), "/api/v1/contests", json!({})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "no body fields");
    let (status, _) = new_contest(&app, &w, json!({ "vote_opens_at": app.clock.now().to_rfc3339() })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "voting before submissions close");
    let (status, _) = new_contest(&app, &w, json!({ "winners": 0 })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, contest) = new_contest(&app, &w, json!({})).await;
    assert_eq!((status, contest["status"].as_str()), (StatusCode::CREATED, Some("submitting")), "{contest}");
    let contest_id = id(&contest);
    let payload = json!({ "scope_id": w.village_a, "title": "x", "winners": 1, "submit_opens_at": "2099-01-01T00:00:00Z",
        "submit_closes_at": "2099-01-02T00:00:00Z", "vote_opens_at": "2099-01-03T00:00:00Z", "vote_closes_at": "2099-01-04T00:00:00Z" });
    assert_eq!(app.post(Some(&wang.token), "/api/v1/contests", payload).await.status(), StatusCode::FORBIDDEN);

    // Before the window: refused, nothing stored. Another village: not found.
    assert_eq!(submit(&app, &wang, &contest_id, "早到", "太早了").await.0, StatusCode::CONFLICT);
    assert_eq!(get(&app, &outsider.token, &format!("/api/v1/contests/{contest_id}")).await.0, StatusCode::NOT_FOUND);
    let (_, others) = get(&app, &outsider.token, &format!("/api/v1/contests?village_id={}", w.village_a)).await;
    assert_eq!(others["items"], json!([]));

    app.clock.advance(Duration::minutes(61));
    assert_eq!(submit(&app, &outsider, &contest_id, "外村", "外村的点子").await.0, StatusCode::NOT_FOUND);
    assert_eq!(submit(&app, &wang, &contest_id, " ", "空标题").await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(idea_titles(&app, &w.cadre_a.token, &contest_id).await.is_empty(), "refusals store nothing");
    let (status, tools) = submit(&app, &wang, &contest_id, "共享农具站", "村口建一个共享农具站").await;
    assert_eq!((status, tools["moderation"].as_str()), (StatusCode::CREATED, Some("pending")), "{tools}");
    let (_, lights) = submit(&app, &li, &contest_id, "太阳能路灯", "主路装太阳能路灯").await;
    let (_, loan) = submit(&app, &zhao, &contest_id, "互助基金", "成立互助基金，杜绝高利贷").await;
    assert_eq!((loan["moderation"].as_str(), loan["moderation_note"].as_str()), (Some("held"), Some("word:高利贷")));
    // A retry with the same key is the same idea.
    let mut first = None;
    for _ in 0..2 {
        let req = app.client.post(app.url(&format!("/api/v1/contests/{contest_id}/ideas"))).bearer_auth(&wang.token);
        let req = req
            .header("Idempotency-Key", "idea-key-0001")
            .json(&json!({ "title": "广场舞音响", "body": "买一套音响" }));
        let (status, idea) = body(req.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{idea}");
        assert!(first.get_or_insert(id(&idea)) == &id(&idea));
    }
    let speakers = first.unwrap();

    // Moderation: staff only (a resident 403), a note to reject.
    let approve = json!({ "decision": "approve" });
    assert_eq!(moderate(&app, &wang.token, &id(&tools), approve.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        moderate(&app, &w.cadre_a.token, &speakers, json!({ "decision": "reject" })).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    for idea in [&id(&tools), &id(&lights), &id(&loan)] {
        let (status, moderated) = moderate(&app, &w.cadre_a.token, idea, approve.clone()).await;
        assert_eq!((status, moderated["moderation"].as_str()), (StatusCode::OK, Some("approved")), "{moderated}");
    }
    let reject = json!({ "decision": "reject", "note": "与村庄美化无关" });
    assert_eq!(moderate(&app, &w.cadre_a.token, &speakers, reject).await.1["moderation"], "rejected");
    // Staff see every idea; residents the approved ones and their own.
    assert_eq!(idea_titles(&app, &w.cadre_a.token, &contest_id).await.len(), 4);
    assert_eq!(idea_titles(&app, &li.token, &contest_id).await, ["共享农具站", "太阳能路灯", "互助基金"]);
    assert_eq!(idea_titles(&app, &wang.token, &contest_id).await.len(), 4, "wang sees his rejected idea");

    // After the window: refused.
    app.clock.advance(Duration::minutes(60));
    assert_eq!(submit(&app, &li, &contest_id, "迟到", "太晚了").await.0, StatusCode::CONFLICT);

    // Voting opens on time with exactly the approved ideas.
    app.clock.advance(Duration::minutes(60));
    app.state.jobs.run_now("contest_voting").await.unwrap();
    app.state.jobs.run_now("open_polls").await.unwrap();
    let (_, contest) = get(&app, &li.token, &format!("/api/v1/contests/{contest_id}")).await;
    assert_eq!(contest["status"], "voting", "{contest}");
    let poll_id = contest["poll_id"].as_str().unwrap().to_owned();
    let (_, poll) = get(&app, &li.token, &format!("/api/v1/polls/{poll_id}")).await;
    assert_eq!((poll["status"].as_str(), poll["secrecy"].as_str()), (Some("open"), Some("secret")), "{poll}");
    let options: Vec<&str> = poll["options"].as_array().unwrap().iter().map(|o| o["text"].as_str().unwrap()).collect();
    assert_eq!(options, ["共享农具站", "太阳能路灯", "互助基金"]);
    assert_eq!(moderate(&app, &w.cadre_a.token, &speakers, approve).await.0, StatusCode::CONFLICT, "too late");
    // The contest's poll ends with its contest, never on its own.
    let cancel = json!({ "reason": "重新评比" });
    let (status, refused) =
        body(app.post(Some(&w.cadre_a.token), &format!("/api/v1/polls/{poll_id}/cancel"), cancel).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    for (who, choice) in [(&wang, 1), (&li, 1), (&zhao, 0)] {
        let path = format!("/api/v1/polls/{poll_id}/ballots");
        let (status, ballot) = body(app.post(Some(&who.token), &path, json!({ "choices": [choice] })).await).await;
        assert_eq!(status, StatusCode::CREATED, "{ballot}");
    }
    app.clock.advance(Duration::hours(3));
    app.state.jobs.run_now("close_polls").await.unwrap();

    // Announced: the winner on the contest, every idea ranked, every author told.
    let (_, contest) = get(&app, &wang.token, &format!("/api/v1/contests/{contest_id}")).await;
    assert_eq!(contest["status"], "announced", "{contest}");
    assert_eq!(contest["winners"], json!([{ "idea_id": id(&lights), "title": "太阳能路灯", "rank": 1, "votes": 2 }]));
    let (_, ideas) = get(&app, &w.cadre_a.token, &format!("/api/v1/contests/{contest_id}/ideas")).await;
    let placed: Vec<(Value, Value, Value)> = ideas["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["status"].clone(), i["rank"].clone(), i["votes"].clone()))
        .collect();
    assert_eq!(
        placed,
        [
            (json!("placed"), json!(2), json!(1)),
            (json!("winner"), json!(1), json!(2)),
            (json!("placed"), json!(3), json!(0)),
            (json!("submitted"), json!(null), json!(null)),
        ]
    );
    let li_told = inbox_kinds(&app, &li.token).await;
    assert!(
        li_told.contains(&"contest_won".to_owned()) && !li_told.contains(&"contest_announced".to_owned()),
        "{li_told:?}"
    );
    let wang_told = inbox_kinds(&app, &wang.token).await;
    assert!(
        wang_told.contains(&"contest_announced".to_owned()) && wang_told.contains(&"idea_moderated".to_owned()),
        "{wang_told:?}"
    );
    assert!(inbox_kinds(&app, &zhao.token).await.contains(&"contest_announced".to_owned()));
    assert!(!inbox_kinds(&app, &outsider.token).await.iter().any(|k| k.starts_with("contest")));
}

#[tokio::test]
async fn fewer_than_two_approved_ideas_cancel_the_contest_and_staff_may_cancel_one() {
    let app = contest_app().await;
    let w = app.world().await;
    let (wang, li) = (
        app.member("wang", &w.village_a, &w.cadre_a.token).await,
        app.member("li", &w.village_a, &w.cadre_a.token).await,
    );
    let (_, lonely) = new_contest(&app, &w, json!({})).await;
    let (_, doomed) = new_contest(&app, &w, json!({})).await;
    let (lonely, doomed) = (id(&lonely), id(&doomed));
    app.clock.advance(Duration::minutes(61));
    let (_, kept) = submit(&app, &wang, &lonely, "共享农具站", "村口建一个共享农具站").await;
    let (_, dropped) = submit(&app, &li, &lonely, "太阳能路灯", "主路装太阳能路灯").await;
    assert_eq!(moderate(&app, &w.cadre_a.token, &id(&kept), json!({ "decision": "approve" })).await.0, StatusCode::OK);
    let reject = json!({ "decision": "reject", "note": "重复" });
    assert_eq!(moderate(&app, &w.cadre_a.token, &id(&dropped), reject).await.0, StatusCode::OK);
    assert_eq!(submit(&app, &li, &doomed, "修桥", "修村口的桥").await.0, StatusCode::CREATED);

    // Staff cancel with a reason; a resident may not; an empty reason is refused.
    let path = format!("/api/v1/contests/{doomed}/cancel");
    assert_eq!(app.post(Some(&li.token), &path, json!({ "reason": "不想办了" })).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.post(Some(&w.cadre_a.token), &path, json!({ "reason": " " })).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, cancelled) =
        body(app.post(Some(&w.cadre_a.token), &path, json!({ "reason": "活动延期" })).await).await;
    assert_eq!((status, cancelled["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{cancelled}");
    assert_eq!(
        app.post(Some(&w.cadre_a.token), &path, json!({ "reason": "再取消" })).await.status(),
        StatusCode::CONFLICT
    );

    // One approved idea at voting time: cancelled with the reason, both authors told, no poll.
    app.clock.advance(Duration::hours(3));
    app.state.jobs.run_now("contest_voting").await.unwrap();
    let (_, contest) = get(&app, &wang.token, &format!("/api/v1/contests/{lonely}")).await;
    assert_eq!((contest["status"].as_str(), contest["poll_id"].as_null()), (Some("cancelled"), Some(())), "{contest}");
    assert!(contest["cancel_reason"].as_str().unwrap().contains("不足两个"));
    let (_, polls) = get(&app, &w.cadre_a.token, &format!("/api/v1/polls?village_id={}", w.village_a)).await;
    assert_eq!(polls["items"], json!([]));
    assert!(inbox_kinds(&app, &wang.token).await.contains(&"contest_cancelled".to_owned()));
    let li_told = inbox_kinds(&app, &li.token).await;
    assert_eq!(li_told.iter().filter(|k| *k == "contest_cancelled").count(), 2, "both of li's contests: {li_told:?}");
}

#[tokio::test]
async fn at_most_fifty_ideas_are_approved_for_the_vote() {
    use diesel::prelude::*;
    use infra::testing::schema::ideas as i;
    let app = contest_app().await;
    let w = app.world().await;
    let author = app.member("prolific", &w.village_a, &w.cadre_a.token).await;
    let (_, contest) = new_contest(&app, &w, json!({})).await;
    let contest_id = id(&contest);
    // Fifty approved ideas, loaded straight into the table.
    let (cid, aid, now) = (contest_id.clone(), author.id.clone(), chrono::Utc::now().naive_utc());
    let fifty: Vec<String> = app
        .state
        .db
        .run(move |conn| {
            let mut ids = Vec::new();
            for n in 0..50 {
                let idea = domain::new_id();
                diesel::insert_into(i::table)
                    .values((
                        i::id.eq(&idea),
                        i::contest_id.eq(&cid),
                        i::author_id.eq(&aid),
                        i::title.eq(format!("点子{n}")),
                        i::body.eq("内容"),
                        i::moderation.eq("approved"),
                        i::status.eq("submitted"),
                        i::created_at.eq(now),
                    ))
                    .execute(conn)?;
                ids.push(idea);
            }
            Ok::<_, infra::InfraError>(ids)
        })
        .await
        .unwrap();
    app.clock.advance(Duration::minutes(61));
    let (status, last) = submit(&app, &author, &contest_id, "第五十一个", "还有一个想法").await;
    assert_eq!(status, StatusCode::CREATED, "{last}");
    let approve = json!({ "decision": "approve" });
    let (status, refused) = moderate(&app, &w.cadre_a.token, &id(&last), approve.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    // Re-approving one of the fifty is fine; after one is rejected the fifty-first fits.
    assert_eq!(moderate(&app, &w.cadre_a.token, &fifty[0], approve.clone()).await.0, StatusCode::OK);
    let reject = json!({ "decision": "reject", "note": "重复" });
    assert_eq!(moderate(&app, &w.cadre_a.token, &fifty[1], reject).await.0, StatusCode::OK);
    let (status, approved) = moderate(&app, &w.cadre_a.token, &id(&last), approve).await;
    assert_eq!((status, approved["moderation"].as_str()), (StatusCode::OK, Some("approved")), "{approved}");
}
