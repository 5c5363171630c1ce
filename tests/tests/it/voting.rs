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

/// The application with access tokens that outlive the hours the tests move the clock by.
async fn voting_app() -> TestApp {
    spawn_app_with(Setup { env: vec![("YISHI_ACCESS_TOKEN_TTL_SECS", "86400".to_owned())], ..Setup::default() }).await
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

async fn residents(app: &TestApp, w: &World, n: usize, prefix: &str) -> Vec<Account> {
    let mut people = Vec::new();
    for i in 0..n {
        people.push(app.member(&format!("{prefix}-{i}"), &w.village_a, &w.cadre_a.token).await);
    }
    people
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
async fn thirty_residents_vote_once_each_in_parallel_and_the_board_recounts_the_tally() {
    let app = voting_app().await;
    let w = app.world().await;
    let people = residents(&app, &w, 30, "voter").await;
    let poll = opened_poll(&app, &w.cadre_a.token, &w.village_a, json!({})).await;
    let poll_id = id(&poll);
    assert_eq!(poll["electorate_size"], 30);
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
    assert_eq!((counts(&results), results["ballots"].as_u64()), (vec![10, 10, 10], Some(30)));
    assert_eq!(results["turnout"].as_f64(), Some(1.0));

    // After close: refused; the board recounts to the tally and its digest chains the ballots.
    close(&app).await;
    assert_eq!(vote(&app, &people[1], &poll_id, json!([0]), None).await.1["error"]["code"], "poll_not_open");
    let (_, board) = get(&app, &people[3].token, &format!("/api/v1/polls/{poll_id}/board")).await;
    assert_eq!(recount(&board, 3), vec![10, 10, 10]);
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
    for who in &people {
        let (status, ballot) = vote(&app, who, &poll_id, json!([0]), None).await;
        assert_eq!(status, StatusCode::CREATED);
        assert!(!ballot.to_string().contains(&who.id), "{ballot}");
        receipts.push(ballot["receipt"].as_str().unwrap().to_owned());
    }
    let voters: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
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
