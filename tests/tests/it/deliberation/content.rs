//! The content check and moderation: text held by the local word list or by WeChat's
//! `msg_sec_check` (the fake: risky, review, errors, slowness) is seen by its author and
//! moderators only; approved, others see it and the triagers are told; rejected, the author is
//! told why — with the denials.

use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::Account;
use yishi_tests::{body, fake_wechat, id, spawn_app, spawn_app_with, Setup, TestApp};

use super::support::{act, ids, inbox, kinds, resident_of, setup, triage};

async fn add_word(app: &TestApp, token: &str, word: &str) -> reqwest::Response {
    app.post(Some(token), "/api/v1/moderation-words", json!({ "word": word })).await
}

async fn raise_text(app: &TestApp, who: &Account, scope: &str, title: &str, text: &str) -> Value {
    let payload = json!({ "scope_id": scope, "category": "other", "title": title, "body": text });
    let (status, matter) = body(app.post(Some(&who.token), "/api/v1/matters", payload).await).await;
    assert_eq!(status, StatusCode::CREATED, "raise: {matter}");
    matter
}

async fn queue(app: &TestApp, token: &str, village: &str) -> (StatusCode, Value) {
    body(app.get_as(token, &format!("/api/v1/moderation/queue?village_id={village}")).await).await
}

fn notice_bodies(notices: &[Value], kind: &str) -> Vec<String> {
    notices.iter().filter(|n| n["kind"] == kind).filter_map(|n| n["body"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn word_listed_text_is_held_until_a_moderator_decides_and_the_author_is_told() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let author = resident_of(&app, &w.village_a, &w.cadre_a.token, "author").await;
    let neighbour = resident_of(&app, &w.village_a, &w.cadre_a.token, "neighbour").await;
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "outsider").await;

    // The list is the admins': a cadre may not touch it; a word twice is a duplicate.
    assert_eq!(add_word(&app, &w.cadre_a.token, "高利贷").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(add_word(&app, &w.admin, "高利贷").await.status(), StatusCode::CREATED);
    assert_eq!(add_word(&app, &w.admin, "高利贷").await.status(), StatusCode::CONFLICT);
    assert_eq!(add_word(&app, &w.admin, "  ").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, words) = body(app.get_as(&w.admin, "/api/v1/moderation-words").await).await;
    assert_eq!(words["items"][0]["word"], "高利贷", "{words}");
    assert_eq!(app.get_as(&w.cadre_a.token, "/api/v1/moderation-words").await.status(), StatusCode::FORBIDDEN);
    inbox(&app, &w.cadre_a.token).await;
    let before = kinds(&inbox(&app, &w.cadre_a.token).await).iter().filter(|k| *k == "matter_raised").count();

    // Held: the author sees it with the reason; a neighbour, an outsider and lists do not.
    let held = raise_text(&app, &author, &w.village_a, "有人放高 利贷", "村里有人放高利贷，利息很高。").await;
    let held_id = id(&held);
    assert_eq!(held["moderation"], "held");
    assert_eq!(held["moderation_note"], "word:高利贷");
    let detail = format!("/api/v1/matters/{held_id}");
    assert_eq!(app.get_as(&author.token, &detail).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&neighbour.token, &detail).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&outsider.token, &detail).await.status(), StatusCode::NOT_FOUND);
    let (_, page) = body(app.get_as(&neighbour.token, "/api/v1/matters").await).await;
    assert!(!ids(&page).contains(&held_id), "{page}");
    assert!(kinds(&inbox(&app, &author.token).await).contains(&"matter_held".to_owned()));
    // Nobody was asked to triage what nobody may see yet.
    let told = kinds(&inbox(&app, &w.cadre_a.token).await).iter().filter(|k| *k == "matter_raised").count();
    assert_eq!(told, before);

    // The queue: the village's moderators; a resident is refused, another village's cadre too.
    let (status, q) = queue(&app, &w.cadre_a.token, &w.village_a).await;
    assert_eq!(status, StatusCode::OK, "{q}");
    assert_eq!(ids(&json!({ "items": q["matters"] })), vec![held_id.clone()]);
    assert_eq!(queue(&app, &author.token, &w.village_a).await.0, StatusCode::NOT_FOUND);
    assert_eq!(queue(&app, &d.cadre_b.token, &w.village_a).await.0, StatusCode::NOT_FOUND);

    // Deciding: the author cannot (403), a neighbour cannot learn it exists (404), a reject needs
    // a reason (422), a bad decision is named; nothing changed.
    let decide = |token: String, payload: Value| {
        let app = &app;
        let held_id = held_id.clone();
        async move { act(app, &token, &held_id, "moderation", payload).await }
    };
    assert_eq!(decide(author.token.clone(), json!({ "decision": "approve" })).await.0, StatusCode::FORBIDDEN);
    assert_eq!(decide(neighbour.token.clone(), json!({ "decision": "approve" })).await.0, StatusCode::NOT_FOUND);
    let (status, e) = decide(w.cadre_a.token.clone(), json!({ "decision": "reject" })).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")));
    let (status, e) = decide(w.cadre_a.token.clone(), json!({ "decision": "maybe" })).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("decision")));

    // Approved: others see it, the triagers are told now, the author is told, the timeline says so.
    let (status, approved) = decide(w.cadre_a.token.clone(), json!({ "decision": "approve" })).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!((approved["moderation"].as_str(), approved["status"].as_str()), (Some("clear"), Some("raised")));
    let step = approved["timeline"].as_array().and_then(|t| t.last()).cloned().unwrap_or_default();
    assert_eq!((step["kind"].as_str(), step["details"]["decision"].as_str()), (Some("moderated"), Some("approve")));
    assert_eq!(app.get_as(&neighbour.token, &detail).await.status(), StatusCode::OK);
    let told = kinds(&inbox(&app, &w.cadre_a.token).await).iter().filter(|k| *k == "matter_raised").count();
    assert_eq!(told, before + 1);
    assert_eq!(notice_bodies(&inbox(&app, &author.token).await, "matter_moderated").len(), 1);
    let (status, e) = decide(w.cadre_a.token.clone(), json!({ "decision": "approve" })).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));

    // Rejected: declined, still hidden from others, the author told the reason.
    let second = id(&raise_text(&app, &author, &w.village_a, "再说高利贷", "高利贷的事还没完。").await);
    let (status, rejected) = act(
        &app,
        &w.cadre_a.token,
        &second,
        "moderation",
        json!({ "decision": "reject", "reason": "涉及违法线索，请直接向派出所反映" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    assert_eq!((rejected["moderation"].as_str(), rejected["status"].as_str()), (Some("rejected"), Some("declined")));
    assert_eq!(
        app.get_as(&neighbour.token, &format!("/api/v1/matters/{second}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let bodies = notice_bodies(&inbox(&app, &author.token).await, "matter_moderated");
    assert!(bodies.iter().any(|b| b.contains("未通过审核") && b.contains("派出所")), "{bodies:?}");

    // Off the list, the same words pass.
    let res = app.client.delete(app.url("/api/v1/moderation-words/高利贷")).bearer_auth(&w.admin).send().await;
    assert_eq!(res.map(|r| r.status()).ok(), Some(StatusCode::NO_CONTENT));
    let res = app.client.delete(app.url("/api/v1/moderation-words/高利贷")).bearer_auth(&w.admin).send().await;
    assert_eq!(res.map(|r| r.status()).ok(), Some(StatusCode::NOT_FOUND));
    let clear = raise_text(&app, &author, &w.village_a, "高利贷宣传", "请村里宣传防范高利贷。").await;
    assert_eq!(clear["moderation"], "clear");
}

/// A resident who logged in through the (fake) WeChat, living in `unit`.
async fn wechat_resident(app: &TestApp, name: &str, unit: &str, approver: &str) -> Account {
    let login = app.wechat_login(&format!("c:{name}")).await;
    let token = login["access_token"].as_str().unwrap_or_default().to_owned();
    let consent = app.post(Some(&token), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await;
    assert_eq!(consent.status(), StatusCode::CREATED);
    let resident = Account { id: login["user"]["id"].as_str().unwrap_or_default().to_owned(), token };
    let application = app.apply(&resident, unit).await;
    let path = format!("/api/v1/residencies/{}/approve", id(&application));
    assert_eq!(app.post(Some(approver), &path, json!({})).await.status(), StatusCode::OK);
    resident
}

#[tokio::test]
async fn wechat_risky_or_review_text_is_held_and_an_outage_holds_rather_than_blocks() {
    let fake = fake_wechat::start().await;
    let app = spawn_app_with(Setup { env: fake.env(), ..Setup::default() }).await;
    let d = setup(&app).await;
    let w = &d.w;
    let author = wechat_resident(&app, "wang", &w.village_a, &w.cadre_a.token).await;
    let neighbour = wechat_resident(&app, "zhao", &w.village_a, &w.cadre_a.token).await;

    // Clean text passes; WeChat was asked in its version 2 wire format, as a forum post.
    let clean = raise_text(&app, &author, &w.village_a, "修桥", "村东的小桥栏杆松了，建议加固。").await;
    assert_eq!(clean["moderation"], "clear");
    let asked = fake.sec_checks();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!((asked[0]["version"].as_i64(), asked[0]["scene"].as_i64()), (Some(2), Some(3)));
    assert_eq!(asked[0]["openid"], "o-wang");
    assert!(asked[0]["content"].as_str().is_some_and(|c| c.contains("栏杆")));

    // A grid worker (no WeChat account) writing for the resident is checked under the resident's
    // openid.
    let res = app
        .client
        .post(app.url("/api/v1/matters"))
        .bearer_auth(&w.worker_a.token)
        .header("x-acting-for", &author.id)
        .json(&json!({ "scope_id": w.village_a, "category": "other", "title": "代办", "body": "代王大爷反映排水沟堵了。" }))
        .send()
        .await
        .unwrap();
    let (status, proxied) = body(res).await;
    assert_eq!((status, proxied["moderation"].as_str()), (StatusCode::CREATED, Some("clear")), "{proxied}");
    assert_eq!(fake.sec_checks().last().map(|c| c["openid"].clone()), Some(json!("o-wang")));

    // risky and review are held, with WeChat's verdict as the reason.
    let risky_text = format!("欢迎来{}玩", fake_wechat::RISKY);
    let risky = raise_text(&app, &author, &w.village_a, "广告", &risky_text).await;
    assert_eq!((risky["moderation"].as_str(), risky["moderation_note"].as_str()), (Some("held"), Some("wechat:risky")));
    let review_text = format!("有人想{}宅基地", fake_wechat::REVIEW);
    let review = raise_text(&app, &author, &w.village_a, "宅基地", &review_text).await;
    assert_eq!(review["moderation_note"], "wechat:review");
    for held in [&risky, &review] {
        let path = format!("/api/v1/matters/{}", id(held));
        assert_eq!(app.get_as(&neighbour.token, &path).await.status(), StatusCode::NOT_FOUND);
    }

    // WeChat down (an error answer, an HTTP 500, a busy answer twice, too slow): held, not lost,
    // and the resident is not blocked.
    fake.script_sec_checks(&[40003]);
    let errored = raise_text(&app, &author, &w.village_a, "停电", "昨晚停电三个小时。").await;
    assert_eq!(errored["moderation_note"], "wechat:unavailable");
    fake.script_sec_checks(&[40001, 40001]);
    let refused = raise_text(&app, &author, &w.village_a, "停气", "燃气管道有异味。").await;
    assert_eq!(refused["moderation_note"], "wechat:unavailable", "a token refused twice");
    fake.script_sec_checks(&[40001]);
    let refreshed = raise_text(&app, &author, &w.village_a, "修路", "村道坑洼需要修补。").await;
    assert_eq!(refreshed["moderation"], "clear", "a stale token is renewed once and the text passes");
    fake.script_sec_checks(&[500]);
    let exploded = raise_text(&app, &author, &w.village_a, "停水", "今天上午停水。").await;
    assert_eq!(exploded["moderation_note"], "wechat:unavailable");
    fake.state.sec_delay_ms.store(5_000, std::sync::atomic::Ordering::SeqCst);
    let slow = raise_text(&app, &author, &w.village_a, "路灯", "路灯不亮了。").await;
    assert_eq!(slow["moderation_note"], "wechat:unavailable");
    fake.state.sec_delay_ms.store(0, std::sync::atomic::Ordering::SeqCst);
    let (_, q) = queue(&app, &w.cadre_a.token, &w.village_a).await;
    let queued = ids(&json!({ "items": q["matters"] }));
    for held in [&risky, &review, &errored, &refused, &exploded, &slow] {
        assert!(queued.contains(&id(held)), "{q}");
    }

    // Opinions are checked as comments (scene 2) and held the same way.
    let matter = id(&clean);
    triage(&app, &w.cadre_a.token, &matter, "small").await;
    let (status, opinion) =
        act(&app, &neighbour.token, &matter, "opinions", json!({ "body": format!("去{}看看", fake_wechat::RISKY) }))
            .await;
    assert_eq!(status, StatusCode::CREATED, "{opinion}");
    assert_eq!(
        (opinion["moderation"].as_str(), opinion["moderation_note"].as_str()),
        (Some("held"), Some("wechat:risky"))
    );
    assert_eq!(fake.sec_checks().last().and_then(|c| c["scene"].as_i64()), Some(2));
    let (_, page) = body(app.get_as(&author.token, &format!("/api/v1/matters/{matter}/opinions")).await).await;
    assert!(ids(&page).is_empty(), "the author of the matter does not see a held opinion: {page}");
    let (_, q) = queue(&app, &w.cadre_a.token, &w.village_a).await;
    assert_eq!(ids(&json!({ "items": q["opinions"] })), vec![id(&opinion)]);
    let queued = &q["opinions"][0];
    assert_eq!(
        (queued["matter_title"].as_str(), queued["moderation_note"].as_str()),
        (Some("修桥"), Some("wechat:risky"))
    );
    assert!(queued["author"]["display_name"].as_str().is_some_and(|n| !n.is_empty()), "{queued}");
}
