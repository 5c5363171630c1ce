//! E-voting: polls opened with a frozen roll, one ballot each under concurrency and retries,
//! one vote per household, an open poll's recast, a secret poll that never links a voter to a
//! choice, and a motion decided by quorum and two-thirds — with the refusals.

use std::collections::HashSet;

use diesel::prelude::*;
use domain::clock::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use yishi_tests::world::{Account, World};
use yishi_tests::{body, id, spawn_app_with, Setup, TestApp};

/// The application with access tokens that outlive the hours the tests move the clock by, and
/// limits that let a cadre approve a village's worth of residents.
async fn voting_app() -> TestApp {
    let env = [
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400"),
        ("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "100000"),
        ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "1000000"),
    ];
    spawn_app_with(Setup { env: env.map(|(k, v)| (k, v.to_owned())).to_vec(), ..Setup::default() }).await
}

/// Creates a poll in `scope` by `token`, schedules it, moves the clock past its opening and
/// runs the opening job; answers the opened poll.
async fn opened_poll(app: &TestApp, token: &str, scope: &str, extra: Value) -> Value {
    let now = app.clock.now();
    let mut poll = json!({
        "scope_id": scope, "title": "村道硬化方案", "kind": "single", "options": ["方案一", "方案二", "方案三"],
        "secrecy": "secret", "electorate": "residents", "results": "live",
        "opens_at": (now + chrono::Duration::minutes(10)).to_rfc3339(),
        "closes_at": (now + chrono::Duration::hours(2)).to_rfc3339(),
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        poll[k] = v;
    }
    let (status, created) = body(app.post(Some(token), "/api/v1/polls", poll).await).await;
    assert_eq!(status, StatusCode::CREATED, "create: {created}");
    let poll_id = id(&created);
    let (status, scheduled) =
        body(app.post(Some(token), &format!("/api/v1/polls/{poll_id}/schedule"), json!({})).await).await;
    assert_eq!((status, scheduled["status"].as_str()), (StatusCode::OK, Some("scheduled")), "{scheduled}");
    app.clock.advance(chrono::Duration::minutes(11));
    app.state.jobs.run_now("open_polls").await.unwrap();
    let (status, poll) = body(app.get_as(token, &format!("/api/v1/polls/{poll_id}")).await).await;
    assert_eq!((status, poll["status"].as_str()), (StatusCode::OK, Some("open")), "{poll}");
    poll
}

async fn vote(app: &TestApp, who: &Account, poll: &str, choices: Value, key: Option<&str>) -> (StatusCode, Value) {
    let mut req = app.client.post(app.url(&format!("/api/v1/polls/{poll}/ballots"))).bearer_auth(&who.token);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    body(req.json(&json!({ "choices": choices })).send().await.unwrap()).await
}

async fn close(app: &TestApp) {
    app.clock.advance(chrono::Duration::hours(3));
    app.state.jobs.run_now("close_polls").await.unwrap();
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    body(app.get_as(token, path).await).await
}

/// `n` approved residents of village A, signed up through the API eight at a time.
async fn residents(app: &TestApp, w: &World, n: usize, prefix: &str) -> Vec<Account> {
    use futures_util::stream::{self, StreamExt};
    let names: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
    stream::iter(names.iter().map(|name| app.member(name, &w.village_a, &w.cadre_a.token))).buffered(8).collect().await
}

fn counts(results: &Value) -> Vec<u64> {
    results["counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect()
}

/// Recounts the board: each ballot's choices tallied.
fn recount(board: &Value, options: usize) -> Vec<u64> {
    let mut counts = vec![0; options];
    for ballot in board["ballots"].as_array().unwrap() {
        for c in ballot["choices"].as_array().unwrap() {
            counts[c.as_u64().unwrap() as usize] += 1;
        }
    }
    counts
}

fn sha(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[tokio::test]
async fn two_hundred_residents_vote_once_each_in_parallel_and_the_board_recounts_the_tally() {
    let app = voting_app().await;
    let w = app.world().await;
    let people = residents(&app, &w, 200, "voter").await;
    let poll = opened_poll(&app, &w.cadre_a.token, &w.village_a, json!({})).await;
    let poll_id = id(&poll);
    assert_eq!(poll["electorate_size"], 200);
    let mut keys: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    keys.sort();
    assert_eq!(poll["roll_hash"].as_str(), Some(sha(&keys.join("\n")).as_str()));

    // Approved after opening: not on the frozen roll. Outside the village: not found.
    let late = app.member("late", &w.village_a, &w.cadre_a.token).await;
    assert_eq!(vote(&app, &late, &poll_id, json!([0]), None).await.0, StatusCode::FORBIDDEN);
    let outsider = app.member("outsider", &w.village_b, &w.officer.token).await;
    assert_eq!(vote(&app, &outsider, &poll_id, json!([0]), None).await.0, StatusCode::NOT_FOUND);
    // Malformed choices: nothing stored.
    for bad in [json!([]), json!([0, 1]), json!([7])] {
        assert_eq!(vote(&app, &people[0], &poll_id, bad, None).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    }

    // Every voter sends three requests at once: two retries with one key, one without.
    let mut tasks = Vec::new();
    for (i, who) in people.iter().enumerate() {
        for attempt in 0..3 {
            let (app_url, client, token) =
                (app.url(&format!("/api/v1/polls/{poll_id}/ballots")), app.client.clone(), who.token.clone());
            let key = (attempt < 2).then(|| format!("ballot-key-{i:04}"));
            tasks.push(tokio::spawn(async move {
                let mut req = client.post(app_url).bearer_auth(token);
                if let Some(key) = key {
                    req = req.header("Idempotency-Key", key);
                }
                let res = req.json(&json!({ "choices": [i % 3] })).send().await.unwrap();
                (i, body(res).await)
            }));
        }
    }
    let mut receipts: Vec<HashSet<String>> = vec![HashSet::new(); people.len()];
    for task in tasks {
        let (i, (status, answer)) = task.await.unwrap();
        match status {
            StatusCode::CREATED => {
                receipts[i].insert(answer["receipt"].as_str().unwrap().to_owned());
            }
            StatusCode::CONFLICT => assert_eq!(answer["error"]["code"], "already_voted", "{answer}"),
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    assert!(receipts.iter().all(|r| r.len() == 1), "one ballot each: {receipts:?}");

    let (status, results) = get(&app, &people[0].token, &format!("/api/v1/polls/{poll_id}/results")).await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!((counts(&results), results["ballots"].as_u64()), (vec![67, 67, 66], Some(200)));
    assert_eq!(results["turnout"].as_f64(), Some(1.0));

    // After close: refused; the board recounts to the tally and its digest chains the ballots.
    close(&app).await;
    assert_eq!(vote(&app, &people[1], &poll_id, json!([0]), None).await.1["error"]["code"], "poll_not_open");
    let (_, board) = get(&app, &people[3].token, &format!("/api/v1/polls/{poll_id}/board")).await;
    assert_eq!(recount(&board, 3), vec![67, 67, 66]);
    let chain = board["ballots"].as_array().unwrap().iter().fold(sha(&poll_id), |chain, b| {
        sha(&format!("{chain}|{}|{}", b["receipt"].as_str().unwrap(), serde_json::to_string(&b["choices"]).unwrap()))
    });
    assert_eq!(board["digest"].as_str(), Some(chain.as_str()));
    let (_, poll) = get(&app, &people[0].token, &format!("/api/v1/polls/{poll_id}")).await;
    assert_eq!((poll["status"].as_str(), poll["outcome"].as_str()), (Some("published"), Some("counted")));
    let receipt = receipts[4].iter().next().unwrap();
    let (status, ballot) = get(&app, &people[4].token, &format!("/api/v1/polls/{poll_id}/receipts/{receipt}")).await;
    assert_eq!((status, ballot["choices"].clone()), (StatusCode::OK, json!([1])));
}

/// Moves `user` into the household of `member` (an approved resident of `unit`).
async fn join_household(app: &TestApp, user: &str, member: &str, unit: &str) {
    use infra::testing::schema::{household_members as hm, residencies as r};
    let (user, member, unit, now) =
        (user.to_owned(), member.to_owned(), unit.to_owned(), chrono::Utc::now().naive_utc());
    app.state
        .db
        .run(move |conn| {
            let household: String = hm::table.filter(hm::user_id.eq(&member)).select(hm::household_id).first(conn)?;
            diesel::insert_into(hm::table)
                .values((
                    hm::user_id.eq(&user),
                    hm::household_id.eq(&household),
                    hm::relation.eq("spouse"),
                    hm::joined_at.eq(now),
                ))
                .execute(conn)?;
            diesel::insert_into(r::table)
                .values((
                    r::id.eq(domain::new_id()),
                    r::user_id.eq(&user),
                    r::org_unit_id.eq(&unit),
                    r::household_id.eq(&household),
                    r::relation.eq("spouse"),
                    r::status.eq("approved"),
                    r::created_at.eq(now),
                ))
                .execute(conn)?;
            Ok::<_, infra::InfraError>(())
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_household_votes_once_and_an_open_poll_takes_a_recast() {
    let app = voting_app().await;
    let w = app.world().await;
    let head = app.member("head", &w.village_a, &w.cadre_a.token).await;
    let spouse = app.resident("spouse").await;
    join_household(&app, &spouse.id, &head.id, &w.village_a).await;
    let other = app.member("other-home", &w.village_a, &w.cadre_a.token).await;

    let poll = opened_poll(&app, &w.cadre_a.token, &w.village_a, json!({ "electorate": "households" })).await;
    let poll_id = id(&poll);
    assert_eq!(poll["electorate_size"], 2);
    assert_eq!(vote(&app, &head, &poll_id, json!([1]), None).await.0, StatusCode::CREATED);
    let (status, refused) = vote(&app, &spouse, &poll_id, json!([2]), None).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("household_voted")));
    assert_eq!(vote(&app, &other, &poll_id, json!([2]), None).await.0, StatusCode::CREATED);
    let (_, results) = get(&app, &head.token, &format!("/api/v1/polls/{poll_id}/results")).await;
    assert_eq!(counts(&results), vec![0, 1, 1]);

    // An open (roll-call) poll: a recast replaces the choices; the roll call names the voter.
    let open = opened_poll(&app, &w.cadre_a.token, &w.village_a, json!({ "secrecy": "open" })).await;
    let open_id = id(&open);
    assert_eq!(vote(&app, &head, &open_id, json!([0]), None).await.0, StatusCode::CREATED);
    assert_eq!(vote(&app, &head, &open_id, json!([2]), None).await.0, StatusCode::CREATED);
    // Offline ballot recorded by the cadre for the spouse.
    let offline = json!({ "voter_id": spouse.id, "choices": [1] });
    let (status, ballot) =
        body(app.post(Some(&w.cadre_a.token), &format!("/api/v1/polls/{open_id}/offline-ballots"), offline).await)
            .await;
    assert_eq!((status, ballot["origin"].as_str()), (StatusCode::CREATED, Some("offline")), "{ballot}");
    // Staff never record over a vote cast online, and a paper ballot is final.
    let over = json!({ "voter_id": head.id, "choices": [1] });
    let (status, refused) =
        body(app.post(Some(&w.cadre_a.token), &format!("/api/v1/polls/{open_id}/offline-ballots"), over).await).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_voted")));
    let (status, refused) = vote(&app, &spouse, &open_id, json!([0]), None).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_voted")));
    let (_, results) = get(&app, &head.token, &format!("/api/v1/polls/{open_id}/results")).await;
    assert_eq!(
        (counts(&results), results["offline"].as_u64(), results["online"].as_u64()),
        (vec![0, 1, 1], Some(1), Some(1))
    );
    assert_eq!(results["roll_call"].as_array().unwrap().len(), 2, "{results}");

    // The electorate was told of the opening; cancelling an open poll tells them why.
    let reason = json!({ "reason": "方案需重新讨论" });
    let (status, cancelled) =
        body(app.post(Some(&w.cadre_a.token), &format!("/api/v1/polls/{open_id}/cancel"), reason).await).await;
    assert_eq!((status, cancelled["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{cancelled}");
    assert_eq!(vote(&app, &other, &open_id, json!([0]), None).await.1["error"]["code"], "poll_not_open");
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
    let (_, inbox) = get(&app, &other.token, "/api/v1/me/notifications?limit=100").await;
    let kinds: Vec<&str> = inbox["items"].as_array().unwrap().iter().filter_map(|n| n["kind"].as_str()).collect();
    assert!(kinds.contains(&"poll_opened") && kinds.contains(&"poll_cancelled"), "{kinds:?}");
    // A resident cannot manage polls.
    let (status, _) =
        body(app.post(Some(&head.token), &format!("/api/v1/polls/{poll_id}/cancel"), json!({ "reason": "x" })).await)
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Every string in a JSON value.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(map) => map.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

#[tokio::test]
async fn a_secret_poll_never_shows_a_voter_with_a_choice() {
    let app = voting_app().await;
    let w = app.world().await;
    let people = residents(&app, &w, 3, "secret").await;
    let poll = opened_poll(&app, &w.cadre_a.token, &w.village_a, json!({})).await;
    let poll_id = id(&poll);
    let mut receipts = Vec::new();
    for (i, who) in people.iter().enumerate() {
        let (status, ballot) = vote(&app, who, &poll_id, json!([0]), Some(&format!("secret-key-{i:04}"))).await;
        assert_eq!(status, StatusCode::CREATED);
        assert!(!ballot.to_string().contains(&who.id), "{ballot}");
        receipts.push(ballot["receipt"].as_str().unwrap().to_owned());
    }
    let voters: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
    // A keyed cast's idempotency record names no voter and holds no key in the clear.
    let records = app
        .state
        .db
        .run(|conn| {
            use infra::testing::schema::idempotency_keys as k;
            Ok::<_, infra::InfraError>(k::table.select((k::scope, k::idem_key, k::request_hash)).load::<(
                String,
                String,
                String,
            )>(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(records.len(), people.len(), "each keyed cast left a record");
    for (scope, key, hash) in &records {
        let row = format!("{scope}|{key}|{hash}");
        assert!(!voters.iter().any(|v| row.contains(v)) && !row.contains("secret-key"), "{row}");
    }
    for phase in 0..2 {
        for token in [&w.cadre_a.token, &w.officer.token, &people[0].token, &w.worker_a.token, &w.admin] {
            let mut paths = vec![
                format!("/api/v1/polls/{poll_id}"),
                format!("/api/v1/polls?village_id={}", w.village_a),
                format!("/api/v1/polls/{poll_id}/results"),
                format!("/api/v1/polls/{poll_id}/board"),
            ];
            paths.extend(receipts.iter().map(|r| format!("/api/v1/polls/{poll_id}/receipts/{r}")));
            for path in paths {
                let (status, answer) = get(&app, token, &path).await;
                assert_ne!(status, StatusCode::UNAUTHORIZED, "{path}");
                let mut found = Vec::new();
                strings(&answer, &mut found);
                assert!(!found.iter().any(|s| voters.iter().any(|v| s.contains(v))), "phase {phase} {path}: {answer}");
            }
        }
        close(&app).await;
    }
}

#[tokio::test]
async fn a_motion_passes_fails_or_lacks_quorum() {
    let app = voting_app().await;
    let w = app.world().await;
    let people = residents(&app, &w, 6, "rep").await;
    let rules = json!({ "kind": "motion", "options": [], "quorum_percent": 50, "threshold": "two_thirds" });
    let mut outcomes = Vec::new();
    // 6 on the roll: 4 for of 6 (passed), 3 for of 6 (failed), 2 voting (no quorum).
    for votes in [vec![0, 0, 0, 0, 1, 2], vec![0, 0, 0, 1, 1, 1], vec![0, 0]] {
        let poll = opened_poll(&app, &w.cadre_a.token, &w.village_a, rules.clone()).await;
        let poll_id = id(&poll);
        assert_eq!(poll["options"].as_array().unwrap().len(), 3);
        for (who, choice) in people.iter().zip(votes) {
            assert_eq!(vote(&app, who, &poll_id, json!([choice]), None).await.0, StatusCode::CREATED);
        }
        close(&app).await;
        let (_, results) = get(&app, &people[0].token, &format!("/api/v1/polls/{poll_id}/results")).await;
        outcomes.push(results["outcome"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(outcomes, ["passed", "failed", "no_quorum"]);
}

/// How many notices of `kind` an account's inbox holds.
async fn notices(app: &TestApp, who: &Account, kind: &str) -> usize {
    let (status, inbox) = get(app, &who.token, "/api/v1/me/notifications?limit=100").await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    inbox["items"].as_array().unwrap().iter().filter(|n| n["kind"] == kind).count()
}

#[tokio::test]
async fn reminders_reach_only_the_electors_who_have_not_voted() {
    let app = voting_app().await;
    let w = app.world().await;
    let people = residents(&app, &w, 4, "remind").await;
    let closes = (app.clock.now() + chrono::Duration::hours(30)).to_rfc3339();
    let poll = opened_poll(&app, &w.cadre_a.token, &w.village_a, json!({ "closes_at": closes })).await;
    let poll_id = id(&poll);
    let remind = format!("/api/v1/polls/{poll_id}/remind");
    for who in &people[..2] {
        assert_eq!(vote(&app, who, &poll_id, json!([0]), None).await.0, StatusCode::CREATED);
    }
    // Residents cannot send reminders; the organiser can, once an hour.
    assert_eq!(app.post(Some(&people[3].token), &remind, json!({})).await.status(), StatusCode::FORBIDDEN);
    let (status, reminded) = body(app.post(Some(&w.cadre_a.token), &remind, json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{reminded}");
    assert!(reminded["reminded_at"].is_string(), "{reminded}");
    let mut found = Vec::new();
    strings(&reminded, &mut found);
    assert!(!people.iter().any(|p| found.iter().any(|s| s.contains(&p.id))), "names nobody: {reminded}");
    let (status, again) = body(app.post(Some(&w.cadre_a.token), &remind, json!({})).await).await;
    assert_eq!((status, again["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("reminded_recently")));
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
    let mut got = Vec::new();
    for who in &people {
        got.push(notices(&app, who, "poll_reminder").await);
    }
    assert_eq!(got, [0, 0, 1, 1], "only the two who had not voted");

    // The automatic reminder, once, inside the last 24 hours (YISHI_POLL_REMINDER_HOURS), to
    // whoever has still not voted.
    assert_eq!(vote(&app, &people[2], &poll_id, json!([1]), None).await.0, StatusCode::CREATED);
    app.clock.advance(chrono::Duration::hours(3));
    app.state.jobs.run_now("remind_polls").await.unwrap();
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
    assert_eq!(notices(&app, &people[3], "poll_reminder").await, 1, "not yet inside the lead");
    app.clock.advance(chrono::Duration::hours(4));
    for _ in 0..2 {
        app.state.jobs.run_now("remind_polls").await.unwrap();
    }
    app.state.jobs.run_now("dispatch_outbox").await.unwrap();
    let mut got = Vec::new();
    for who in &people {
        got.push(notices(&app, who, "poll_reminder").await);
    }
    assert_eq!(got, [0, 0, 1, 2], "the automatic reminder went once, to the one left");
    // After close there is nobody to remind.
    app.clock.advance(chrono::Duration::hours(24));
    app.state.jobs.run_now("close_polls").await.unwrap();
    let cadre = app.login("cadre-a", yishi_tests::world::STAFF_PASSWORD).await;
    let cadre = cadre["access_token"].as_str().unwrap();
    let (status, closed) = body(app.post(Some(cadre), &remind, json!({})).await).await;
    assert_eq!((status, closed["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("poll_not_open")));
}

#[tokio::test]
async fn representatives_vote_on_an_assembly_motion_and_nobody_else() {
    let app = voting_app().await;
    let w = app.world().await;
    let reps = residents(&app, &w, 3, "rep").await;
    for rep in &reps {
        let res = app.grant(&w.cadre_a.token, &rep.id, "representative", "org_unit", &w.village_a).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let villager = app.member("plain", &w.village_a, &w.cadre_a.token).await;
    let rules = json!({ "kind": "motion", "options": [], "electorate": "representatives", "secrecy": "open" });
    let poll = opened_poll(&app, &w.cadre_a.token, &w.village_a, rules).await;
    let poll_id = id(&poll);
    assert_eq!(poll["electorate_size"], 3, "the three representatives: {poll}");
    let (status, refused) = vote(&app, &villager, &poll_id, json!([0]), None).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_on_roll")));
    for (rep, choice) in reps.iter().zip([0, 0, 1]) {
        assert_eq!(vote(&app, rep, &poll_id, json!([choice]), None).await.0, StatusCode::CREATED);
    }
    let (_, results) = get(&app, &villager.token, &format!("/api/v1/polls/{poll_id}/results")).await;
    assert_eq!((counts(&results), results["roll_call"].as_array().map(Vec::len)), (vec![2, 1, 0], Some(3)));

    // "Adults": identity holds no birth dates, so the approved residents (the README says so).
    let adults = opened_poll(&app, &w.cadre_a.token, &w.village_a, json!({ "electorate": "adults" })).await;
    assert_eq!(adults["electorate_size"], 4, "three representatives and the villager: {adults}");
}

#[tokio::test]
async fn results_wait_for_close_and_a_poll_changes_only_before_it_opens() {
    let app = voting_app().await;
    let w = app.world().await;
    let voter = app.member("hidden", &w.village_a, &w.cadre_a.token).await;
    let now = app.clock.now();
    let draft = json!({
        "scope_id": w.village_a, "title": "垃圾分类点位", "kind": "multiple", "max_choices": 2,
        "options": ["村口", "祠堂", "学校"], "secrecy": "secret", "electorate": "residents", "results": "after_close",
        "opens_at": (now + chrono::Duration::minutes(10)).to_rfc3339(),
        "closes_at": (now + chrono::Duration::hours(2)).to_rfc3339(),
    });
    let (status, created) = body(app.post(Some(&w.cadre_a.token), "/api/v1/polls", draft.clone()).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let poll_id = id(&created);
    let path = format!("/api/v1/polls/{poll_id}");
    // A draft and a scheduled poll take edits (options included); a bad edit changes nothing.
    let mut edited = draft.clone();
    edited["options"] = json!(["村口", "祠堂", "学校", "桥头"]);
    let (status, after) = body(app.put(&w.cadre_a.token, &path, edited.clone()).await).await;
    assert_eq!((status, after["options"].as_array().map(Vec::len)), (StatusCode::OK, Some(4)), "{after}");
    let mut bad = edited.clone();
    bad["max_choices"] = json!(9);
    assert_eq!(app.put(&w.cadre_a.token, &path, bad).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, other) = body(app.put(&voter.token, &path, edited.clone()).await).await;
    assert_eq!(other["error"]["code"], "forbidden", "a resident edits: {other}");
    assert_eq!(app.post(Some(&w.cadre_a.token), &format!("{path}/schedule"), json!({})).await.status(), StatusCode::OK);
    edited["title"] = json!("垃圾分类点位（修订）");
    assert_eq!(app.put(&w.cadre_a.token, &path, edited.clone()).await.status(), StatusCode::OK);
    app.clock.advance(chrono::Duration::minutes(11));
    app.state.jobs.run_now("open_polls").await.unwrap();
    // Open: no more edits.
    edited["options"] = json!(["村口", "祠堂"]);
    let (status, refused) = body(app.put(&w.cadre_a.token, &path, edited).await).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    let (_, poll) = get(&app, &voter.token, &path).await;
    assert_eq!(
        (poll["title"].as_str(), poll["options"].as_array().map(Vec::len)),
        (Some("垃圾分类点位（修订）"), Some(4))
    );

    assert_eq!(vote(&app, &voter, &poll_id, json!([1, 3]), None).await.0, StatusCode::CREATED);
    for tail in ["results", "board"] {
        let (status, hidden) = get(&app, &voter.token, &format!("{path}/{tail}")).await;
        assert_eq!((status, hidden["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("results_hidden")));
    }
    close(&app).await;
    let (status, results) = get(&app, &voter.token, &format!("{path}/results")).await;
    assert_eq!((status, counts(&results)), (StatusCode::OK, vec![0, 1, 0, 1]), "{results}");
}

#[tokio::test]
async fn polls_come_a_page_at_a_time_and_each_voter_sees_options_in_an_order_of_their_own() {
    let app = voting_app().await;
    let w = app.world().await;
    let people = residents(&app, &w, 5, "order").await;
    let options: Vec<String> = (1..=6).map(|i| format!("方案{i}")).collect();
    let shuffled =
        opened_poll(&app, &w.cadre_a.token, &w.village_a, json!({ "options": options, "shuffle": true })).await;
    let poll_id = id(&shuffled);
    for _ in 0..2 {
        opened_poll(&app, &w.cadre_a.token, &w.village_a, json!({})).await;
    }
    let mut orders = HashSet::new();
    for who in &people {
        let order = |poll: &Value| -> Vec<u64> {
            poll["options"].as_array().unwrap().iter().map(|o| o["position"].as_u64().unwrap()).collect()
        };
        let (_, first) = get(&app, &who.token, &format!("/api/v1/polls/{poll_id}")).await;
        let (_, again) = get(&app, &who.token, &format!("/api/v1/polls/{poll_id}")).await;
        assert_eq!(order(&first), order(&again), "the same order on every read");
        let mut sorted = order(&first);
        sorted.sort();
        assert_eq!(sorted, (0..6).collect::<Vec<u64>>(), "every option once");
        // The text stays with its position.
        for o in first["options"].as_array().unwrap() {
            assert_eq!(o["text"].as_str().unwrap(), format!("方案{}", o["position"].as_u64().unwrap() + 1));
        }
        orders.insert(order(&first));
        // A ballot names the position, whatever the order shown.
        assert_eq!(vote(&app, who, &poll_id, json!([5]), None).await.0, StatusCode::CREATED);
    }
    assert!(orders.len() > 1, "five voters, one order: {orders:?}");
    let (_, results) = get(&app, &people[0].token, &format!("/api/v1/polls/{poll_id}/results")).await;
    assert_eq!(counts(&results), vec![0, 0, 0, 0, 0, 5]);

    // Three polls, two a page; a cadre of another village lists none of them.
    let list = format!("/api/v1/polls?village_id={}&limit=2", w.village_a);
    let (status, page) = get(&app, &people[0].token, &list).await;
    assert_eq!((status, page["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)), "{page}");
    let cursor = page["next_cursor"].as_str().expect("a next page").to_owned();
    let (_, rest) = get(&app, &people[0].token, &format!("{list}&cursor={cursor}")).await;
    let mut seen: Vec<String> =
        page["items"].as_array().unwrap().iter().chain(rest["items"].as_array().unwrap()).map(id).collect();
    assert!(rest["next_cursor"].is_null(), "{rest}");
    seen.dedup();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen.last(), Some(&poll_id), "newest first");
    let cadre_b = app.staff(&w.admin, "cadre-b", &w.village_b).await;
    app.grant(&w.admin, &cadre_b.id, "village_cadre", "org_unit", &w.village_b).await;
    let (status, none) = get(&app, &cadre_b.token, &list).await;
    assert_eq!((status, none["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{none}");
}

#[tokio::test]
async fn an_option_shows_its_picture_to_those_who_see_the_poll_and_nobody_else() {
    use infra::media::fixtures;
    let app = voting_app().await;
    let w = app.world().await;
    let voter = app.member("picture", &w.village_a, &w.cadre_a.token).await;
    let outsider = app.member("far", &w.village_b, &w.officer.token).await;
    let (status, photo) = app.upload(&w.cadre_a.token, "image", "bridge.png", &fixtures::png(16, 16)).await;
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    let (_, theirs) = app.upload(&voter.token, "image", "mine.png", &fixtures::png(8, 8)).await;
    let now = app.clock.now();
    let poll = |options: Value| {
        json!({
            "scope_id": w.village_a, "title": "新桥选址", "kind": "single", "options": options,
            "secrecy": "secret", "electorate": "residents", "results": "live",
            "opens_at": (now + chrono::Duration::minutes(10)).to_rfc3339(),
            "closes_at": (now + chrono::Duration::hours(2)).to_rfc3339(),
        })
    };
    // Someone else's upload is refused, and nothing is created.
    let stolen = poll(json!([{ "text": "东头", "media_id": id(&theirs) }, "西头"]));
    let (status, refused) = body(app.post(Some(&w.cadre_a.token), "/api/v1/polls", stolen).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["error"]["details"].to_string().contains("options"), "{refused}");
    let (_, list) = get(&app, &w.cadre_a.token, &format!("/api/v1/polls?village_id={}", w.village_a)).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");

    let (status, created) = body(
        app.post(
            Some(&w.cadre_a.token),
            "/api/v1/polls",
            poll(json!([{ "text": "东头", "media_id": id(&photo) }, "西头"])),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let url = created["options"][0]["media_url"].as_str().expect("the picture").to_owned();
    assert!(created["options"][1]["media_url"].is_null());
    assert_eq!(app.get_as(&voter.token, &url).await.status(), StatusCode::OK, "a resident of the scope");
    // Another organiser of the village edits the poll, its picture kept.
    let deputy = app.staff(&w.admin, "cadre-a2", &w.village_a).await;
    assert_eq!(
        app.grant(&w.admin, &deputy.id, "village_cadre", "org_unit", &w.village_a).await.status(),
        StatusCode::CREATED
    );
    let mut edit = poll(json!([{ "text": "东头（靠河）", "media_id": id(&photo) }, "西头"]));
    edit["title"] = json!("新桥选址（修订）");
    let (status, edited) = body(app.put(&deputy.token, &format!("/api/v1/polls/{}", id(&created)), edit).await).await;
    assert_eq!((status, edited["options"][0]["media_url"].as_str()), (StatusCode::OK, Some(url.as_str())), "{edited}");
    assert_eq!(app.get_as(&outsider.token, &url).await.status(), StatusCode::NOT_FOUND, "another village");
    // The picture belongs to this poll now: another poll cannot take it.
    let again = poll(json!([{ "text": "南头", "media_id": id(&photo) }, "北头"]));
    let (status, _) = body(app.post(Some(&w.cadre_a.token), "/api/v1/polls", again).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_grid_workers_grant_lists_no_poll_it_cannot_open() {
    let app = voting_app().await;
    let w = app.world().await;
    let group = app.unit(&w.admin, Some(&w.village_a), "group", "杨家村一组").await;
    let boundary: Value = serde_json::from_str(yishi_tests::world::GRID_A).unwrap();
    let grid = json!({ "org_unit_id": group, "level": "small", "name": "一组网格", "boundary": boundary });
    let (status, grid) = body(app.post(Some(&w.admin), "/api/v1/grids", grid).await).await;
    assert_eq!(status, StatusCode::CREATED, "{grid}");
    let worker = app.staff(&w.admin, "worker-g", &w.village_a).await;
    assert_eq!(app.grant(&w.admin, &worker.id, "grid_worker", "grid", &id(&grid)).await.status(), StatusCode::CREATED);
    app.member("group-member", &group, &w.cadre_a.token).await;
    let poll = opened_poll(&app, &w.cadre_a.token, &group, json!({})).await;
    let list = format!("/api/v1/polls?village_id={}", w.village_a);
    // The grid worker neither opens the group's poll nor finds it in the list.
    assert_eq!(
        app.get_as(&worker.token, &format!("/api/v1/polls/{}", id(&poll))).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, page) = get(&app, &worker.token, &list).await;
    assert_eq!((status, page["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{page}");
    // Positive control: the village cadre finds it.
    let (_, page) = get(&app, &w.cadre_a.token, &list).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1), "{page}");
}

#[tokio::test]
async fn every_ballot_stored_when_a_poll_closes_is_counted() {
    let app = voting_app().await;
    let w = app.world().await;
    let people = residents(&app, &w, 40, "edge").await;
    for round in 0..5 {
        let poll = opened_poll(&app, &w.cadre_a.token, &w.village_a, json!({ "results": "after_close" })).await;
        let poll_id = id(&poll);
        // Forty casts race the close: the clock passes the closing time while they are in flight
        // and the closing job runs beside them.
        let mut casts = Vec::new();
        for (i, who) in people.iter().enumerate() {
            let (url, client, token) =
                (app.url(&format!("/api/v1/polls/{poll_id}/ballots")), app.client.clone(), who.token.clone());
            casts.push(tokio::spawn(async move {
                body(client.post(url).bearer_auth(token).json(&json!({ "choices": [i % 3] })).send().await.unwrap())
                    .await
            }));
        }
        tokio::task::yield_now().await;
        app.clock.advance(chrono::Duration::hours(3));
        app.state.jobs.run_now("close_polls").await.unwrap();
        let mut accepted = 0u64;
        for cast in casts {
            match cast.await.unwrap() {
                (StatusCode::CREATED, _) => accepted += 1,
                (StatusCode::CONFLICT, e) => assert_eq!(e["error"]["code"], "poll_not_open", "{e}"),
                (other, e) => panic!("round {round}: {other} {e}"),
            }
        }
        app.state.jobs.run_now("close_polls").await.unwrap();
        let (_, results) = get(&app, &people[0].token, &format!("/api/v1/polls/{poll_id}/results")).await;
        let (_, board) = get(&app, &people[0].token, &format!("/api/v1/polls/{poll_id}/board")).await;
        let stored = board["ballots"].as_array().map(|b| b.len() as u64);
        assert_eq!(
            (results["ballots"].as_u64(), stored),
            (Some(accepted), Some(accepted)),
            "round {round}: every accepted ballot is stored and counted: {results}"
        );
        assert_eq!(counts(&results).iter().sum::<u64>(), accepted);
        // The digest sealed at close chains exactly the ballots stored.
        let chain = board["ballots"].as_array().unwrap().iter().fold(sha(&poll_id), |chain, b| {
            sha(&format!(
                "{chain}|{}|{}",
                b["receipt"].as_str().unwrap(),
                serde_json::to_string(&b["choices"]).unwrap()
            ))
        });
        assert_eq!(board["digest"].as_str(), Some(chain.as_str()), "round {round}");
    }
}
