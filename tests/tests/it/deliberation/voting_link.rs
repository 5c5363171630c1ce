//! A major matter decided by a poll of its scope (云议事 × 云票选): put to a vote once its
//! solicitation has run, the published result recorded on the matter's timeline and in its
//! dossier, the resolution citing the poll — with the refusals: a small matter, another
//! village's matter, a second live poll, a `vote_ref` that is not this matter's published poll.

use domain::clock::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::{body, id, TestApp};

use super::support::{act, raise, resident_of, setup, triage};

fn error(v: &Value) -> (Option<&str>, Option<&str>) {
    (v["error"]["code"].as_str(), v["error"]["details"]["field"].as_str())
}

async fn create_poll(app: &TestApp, token: &str, scope: &str, matter: Option<&str>) -> (StatusCode, Value) {
    create_poll_with(app, token, scope, matter, None).await
}

async fn create_poll_with(
    app: &TestApp,
    token: &str,
    scope: &str,
    matter: Option<&str>,
    quorum_percent: Option<u8>,
) -> (StatusCode, Value) {
    let now = app.clock.now();
    let mut poll = json!({
        "scope_id": scope, "title": "村集体土地流转方案表决", "kind": "motion",
        "secrecy": "secret", "electorate": "residents", "results": "after_close", "threshold": "majority",
        "opens_at": (now + chrono::Duration::minutes(10)).to_rfc3339(),
        "closes_at": (now + chrono::Duration::hours(2)).to_rfc3339(),
    });
    if let Some(matter) = matter {
        poll["matter_id"] = json!(matter);
    }
    if let Some(quorum) = quorum_percent {
        poll["quorum_percent"] = json!(quorum);
    }
    body(app.post(Some(token), "/api/v1/polls", poll).await).await
}

async fn timeline(app: &TestApp, token: &str, matter: &str) -> Vec<Value> {
    let (status, m) = body(app.get_as(token, &format!("/api/v1/matters/{matter}")).await).await;
    assert_eq!(status, StatusCode::OK, "{m}");
    m["timeline"].as_array().cloned().unwrap_or_default()
}

fn events<'a>(timeline: &'a [Value], kind: &str) -> Vec<&'a Value> {
    timeline.iter().filter(|e| e["kind"] == kind).collect()
}

#[tokio::test]
async fn a_major_matter_is_decided_by_a_poll_of_its_scope_and_its_file_holds_the_result() {
    let app = yishi_tests::spawn_app_with(yishi_tests::Setup {
        env: vec![
            ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400".to_owned()),
            ("YISHI_MATTER_SOLICIT_MIN_DAYS", "1".to_owned()),
        ],
        ..yishi_tests::Setup::default()
    })
    .await;
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "李春华").await;
    let major = id(&raise(&app, &li, &w.village_a, "村集体土地流转方案").await);
    triage(&app, &w.cadre_a.token, &major, "major").await;
    let other = id(&raise(&app, &li, &w.village_a, "村办加工厂租赁方案").await);
    triage(&app, &w.cadre_a.token, &other, "major").await;
    let small = id(&raise(&app, &li, &w.village_a, "村口垃圾桶挪个位置").await);
    triage(&app, &w.cadre_a.token, &small, "small").await;
    let zhou = resident_of(&app, &w.village_b, &d.cadre_b.token, "周大山").await;
    let elsewhere = id(&raise(&app, &zhou, &w.village_b, "李家村的村道拓宽").await);

    // Before its solicitation has run, a major matter awaits no decision: no poll.
    let (status, e) = create_poll(&app, &w.cadre_a.token, &w.village_a, Some(&major)).await;
    assert_eq!((status, error(&e)), (StatusCode::UNPROCESSABLE_ENTITY, (Some("validation_failed"), Some("matter_id"))));
    let now = app.clock.now();
    let window = json!({ "opens_at": now.to_rfc3339(), "closes_at": (now + chrono::Duration::days(1)).to_rfc3339() });
    for m in [&major, &other] {
        let (status, s) = act(&app, &w.cadre_a.token, m, "solicitation", window.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{s}");
    }
    app.clock.advance(chrono::Duration::days(1) + chrono::Duration::hours(1));
    // (Tokens last a day: people log in again.)
    let login = app.login("cadre-a", yishi_tests::world::STAFF_PASSWORD).await;
    let cadre = login["access_token"].as_str().unwrap().to_owned();
    let voters = [
        resident_of(&app, &w.village_a, &cadre, "王建国").await,
        resident_of(&app, &w.village_a, &cadre, "赵秀英").await,
        resident_of(&app, &w.village_a, &cadre, "钱有福").await,
    ];

    // Refusals, each changing nothing: a small matter (the council settles it), another
    // village's matter (unseen), a poll of another scope than the matter's, a malformed id, a
    // resident.
    let (status, e) = create_poll(&app, &cadre, &w.village_a, Some(&small)).await;
    assert_eq!((status, error(&e)), (StatusCode::UNPROCESSABLE_ENTITY, (Some("validation_failed"), Some("matter_id"))));
    let (status, e) = create_poll(&app, &cadre, &w.village_a, Some(&elsewhere)).await;
    assert_eq!((status, error(&e).0), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, e) = create_poll(&app, &cadre, &w.village_a, Some("not-a-matter")).await;
    assert_eq!((status, error(&e).1), (StatusCode::UNPROCESSABLE_ENTITY, Some("matter_id")));
    // A resident of the scope manages no polls: 403, nothing made.
    let (status, _) = create_poll(&app, &voters[0].token, &w.village_a, Some(&major)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, polls) = body(app.get_as(&cadre, &format!("/api/v1/polls?village_id={}", w.village_a)).await).await;
    assert_eq!(polls["items"].as_array().map(Vec::len), Some(0), "{polls}");
    assert!(events(&timeline(&app, &cadre, &major).await, "put_to_vote").is_empty());

    // Put to a poll of the residents; the timeline says so; a second live poll is refused.
    let (status, poll) = create_poll(&app, &cadre, &w.village_a, Some(&major)).await;
    assert_eq!((status, poll["matter_id"].as_str()), (StatusCode::CREATED, Some(major.as_str())), "{poll}");
    let poll_id = id(&poll);
    let (status, e) = create_poll(&app, &cadre, &w.village_a, Some(&major)).await;
    assert_eq!((status, error(&e).0), (StatusCode::CONFLICT, Some("matter_has_poll")));
    let put = timeline(&app, &cadre, &major).await;
    let put = events(&put, "put_to_vote");
    assert_eq!((put.len(), put[0]["details"]["poll_id"].as_str()), (1, Some(poll_id.as_str())));

    // A cancelled poll frees the matter for another, and its timeline says so.
    let (status, cancelled) = create_poll(&app, &cadre, &w.village_a, Some(&other)).await;
    assert_eq!(status, StatusCode::CREATED, "{cancelled}");
    let path = format!("/api/v1/polls/{}/cancel", id(&cancelled));
    let (status, c) = body(app.post(Some(&cadre), &path, json!({ "reason": "方案需重新讨论" })).await).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let gone = timeline(&app, &cadre, &other).await;
    let gone = events(&gone, "vote_cancelled");
    assert_eq!((gone.len(), gone[0]["note"].as_str()), (1, Some("方案需重新讨论")));
    assert_eq!(create_poll(&app, &cadre, &w.village_a, Some(&other)).await.0, StatusCode::CREATED);

    // Before it is published, the poll is no ground for a resolution; nor is a poll of no matter.
    let decision =
        |vote_ref: &str| json!({ "decided_by": "assembly_vote", "body": "同意土地流转方案", "vote_ref": vote_ref });
    let (status, e) = act(&app, &cadre, &major, "resolution", decision(&poll_id)).await;
    assert_eq!((status, error(&e).1), (StatusCode::UNPROCESSABLE_ENTITY, Some("vote_ref")), "{e}");
    let (status, unrelated) = create_poll(&app, &cadre, &w.village_a, None).await;
    assert_eq!(status, StatusCode::CREATED, "{unrelated}");

    // Scheduled, opened, three residents vote: two for, one against.
    let schedule = format!("/api/v1/polls/{poll_id}/schedule");
    assert_eq!(app.post(Some(&cadre), &schedule, json!({})).await.status(), StatusCode::OK);
    app.clock.advance(chrono::Duration::minutes(11));
    app.state.jobs.run_now("open_polls").await.unwrap();
    for (voter, choice) in voters.iter().zip([0, 0, 1]) {
        let ballot = json!({ "choices": [choice] });
        let res = app.post(Some(&voter.token), &format!("/api/v1/polls/{poll_id}/ballots"), ballot).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    app.clock.advance(chrono::Duration::hours(3));
    app.state.jobs.run_now("close_polls").await.unwrap();
    let (_, poll) = body(app.get_as(&cadre, &format!("/api/v1/polls/{poll_id}")).await).await;
    assert_eq!((poll["status"].as_str(), poll["outcome"].as_str()), (Some("published"), Some("passed")), "{poll}");
    let size = poll["electorate_size"].as_u64().unwrap();
    assert!(size >= 4, "the residents of the village, {size}");

    // The result is on the matter's timeline.
    let steps = timeline(&app, &cadre, &major).await;
    let published = events(&steps, "vote_published");
    assert_eq!(published.len(), 1);
    let result = &published[0]["details"];
    assert_eq!((result["poll_id"].as_str(), result["outcome"].as_str()), (Some(poll_id.as_str()), Some("passed")));
    let counts: Vec<u64> = result["counts"].as_array().unwrap().iter().map(|c| c["count"].as_u64().unwrap()).collect();
    assert_eq!((counts, result["ballots"].as_u64()), (vec![2, 1, 0], Some(3)));

    // Another poll (of no matter) is refused as the resolution's ground; this one resolves it.
    let (status, e) = act(&app, &cadre, &major, "resolution", decision(&id(&unrelated))).await;
    assert_eq!((status, error(&e).1), (StatusCode::UNPROCESSABLE_ENTITY, Some("vote_ref")));
    let (status, resolved) = act(&app, &cadre, &major, "resolution", decision(&poll_id)).await;
    assert_eq!((status, resolved["status"].as_str()), (StatusCode::OK, Some("implementing")), "{resolved}");

    // The file holds the vote: exact counts, turnout, outcome, digest and roll hash.
    let (status, file) = body(app.get_as(&cadre, &format!("/api/v1/matters/{major}/dossier")).await).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(
        (file["resolution"]["decided_by"].as_str(), file["resolution"]["vote_ref"].as_str()),
        (Some("assembly_vote"), Some(poll_id.as_str()))
    );
    let vote = &file["votes"][0];
    assert_eq!(file["votes"].as_array().map(Vec::len), Some(1));
    let texts: Vec<&str> = vote["counts"].as_array().unwrap().iter().filter_map(|c| c["text"].as_str()).collect();
    let counts: Vec<u64> = vote["counts"].as_array().unwrap().iter().filter_map(|c| c["count"].as_u64()).collect();
    assert_eq!((texts.len(), counts), (3, vec![2, 1, 0]));
    assert_eq!((vote["kind"].as_str(), vote["electorate"].as_str()), (Some("motion"), Some("residents")));
    assert_eq!((vote["ballots"].as_u64(), vote["electorate_size"].as_u64()), (Some(3), Some(size)));
    let turnout = (3.0 * 1000.0 / size as f64).round() / 10.0;
    assert_eq!(vote["turnout_percent"].as_f64(), Some(turnout));
    assert_eq!(vote["outcome"], "passed");
    assert_eq!((&vote["board_digest"], &vote["roll_hash"]), (&poll["board_digest"], &poll["roll_hash"]));
    assert!(vote["opens_at"].is_string() && vote["closes_at"].is_string() && vote["published_at"].is_string());
    let page = app.get_as(&cadre, &format!("/api/v1/matters/{major}/dossier.html")).await.text().await.unwrap();
    for text in ["交付表决（云票选）", "村集体土地流转方案表决", "表决结果公布", "通过", "全体村（居）民"]
    {
        assert!(page.contains(text), "{text} missing from the page");
    }
    if let Ok(path) = std::env::var("YISHI_DOSSIER_SAMPLE") {
        std::fs::write(path, &page).unwrap();
    }
}

/// A poll that lacked quorum decided nothing: it is no ground for a resolution, and the matter may
/// be put to a vote again (while a live poll still blocks a second).
#[tokio::test]
async fn a_matter_whose_poll_lacked_quorum_is_put_to_a_vote_again() {
    let app = yishi_tests::spawn_app_with(yishi_tests::Setup {
        env: vec![
            ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400".to_owned()),
            ("YISHI_MATTER_SOLICIT_MIN_DAYS", "1".to_owned()),
        ],
        ..yishi_tests::Setup::default()
    })
    .await;
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "李春华").await;
    let major = id(&raise(&app, &li, &w.village_a, "村集体土地流转方案").await);
    triage(&app, &w.cadre_a.token, &major, "major").await;
    let now = app.clock.now();
    let window = json!({ "opens_at": now.to_rfc3339(), "closes_at": (now + chrono::Duration::days(1)).to_rfc3339() });
    let (status, s) = act(&app, &w.cadre_a.token, &major, "solicitation", window).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    app.clock.advance(chrono::Duration::days(1) + chrono::Duration::hours(1));
    let login = app.login("cadre-a", yishi_tests::world::STAFF_PASSWORD).await;
    let cadre = login["access_token"].as_str().unwrap().to_owned();

    // Half the village must vote; nobody does.
    let (status, poll) = create_poll_with(&app, &cadre, &w.village_a, Some(&major), Some(50)).await;
    assert_eq!(status, StatusCode::CREATED, "{poll}");
    let first = id(&poll);
    assert_eq!(
        app.post(Some(&cadre), &format!("/api/v1/polls/{first}/schedule"), json!({})).await.status(),
        StatusCode::OK
    );
    app.clock.advance(chrono::Duration::minutes(11));
    app.state.jobs.run_now("open_polls").await.unwrap();
    // Open, it still blocks a second poll of the matter.
    let (status, e) = create_poll(&app, &cadre, &w.village_a, Some(&major)).await;
    assert_eq!((status, error(&e).0), (StatusCode::CONFLICT, Some("matter_has_poll")));
    app.clock.advance(chrono::Duration::hours(3));
    app.state.jobs.run_now("close_polls").await.unwrap();
    let (_, poll) = body(app.get_as(&cadre, &format!("/api/v1/polls/{first}")).await).await;
    assert_eq!((poll["status"].as_str(), poll["outcome"].as_str()), (Some("published"), Some("no_quorum")), "{poll}");

    // No ground for a resolution; the matter goes to a vote again.
    let decision = json!({ "decided_by": "assembly_vote", "body": "同意土地流转方案", "vote_ref": first });
    let (status, e) = act(&app, &cadre, &major, "resolution", decision).await;
    assert_eq!((status, error(&e).1), (StatusCode::UNPROCESSABLE_ENTITY, Some("vote_ref")), "{e}");
    let (status, again) = create_poll(&app, &cadre, &w.village_a, Some(&major)).await;
    assert_eq!((status, again["matter_id"].as_str()), (StatusCode::CREATED, Some(major.as_str())), "{again}");
    let (status, e) = create_poll(&app, &cadre, &w.village_a, Some(&major)).await;
    assert_eq!((status, error(&e).0), (StatusCode::CONFLICT, Some("matter_has_poll")));
}
