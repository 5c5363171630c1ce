//! Opinions (民议): threaded one level, residents of the scope only, while deliberated and inside
//! a solicitation window; supports once each under parallel requests; a major matter's
//! solicitation told to its scope; the member pool, stakeholders and the rules of procedure.

use diesel::prelude::*;
use domain::clock::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::Account;
use yishi_tests::{body, id, spawn_app, TestApp};

use super::support::{act, ids, inbox, kinds, raise, resident_of, setup, triage};

async fn opinion(app: &TestApp, who: &Account, matter: &str, payload: Value) -> (StatusCode, Value) {
    act(app, &who.token, matter, "opinions", payload).await
}

async fn opinions_seen_by(app: &TestApp, who: &Account, matter: &str) -> Vec<String> {
    let (status, page) = body(app.get_as(&who.token, &format!("/api/v1/matters/{matter}/opinions")).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    ids(&page)
}

async fn matter_of(app: &TestApp, who: &Account, matter: &str) -> Value {
    body(app.get_as(&who.token, &format!("/api/v1/matters/{matter}")).await).await.1
}

/// A fresh token for a development-WeChat resident (the manual clock outlives access tokens).
async fn again(app: &TestApp, name: &str, who: &Account) -> Account {
    let login = app.wechat_login(&format!("dev:{name}")).await;
    Account { id: who.id.clone(), token: login["access_token"].as_str().unwrap_or_default().to_owned() }
}

#[tokio::test]
async fn opinions_thread_one_level_reach_residents_of_the_scope_only_and_held_ones_stay_hidden() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let author = resident_of(&app, &w.village_a, &w.cadre_a.token, "op-author").await;
    let wang = resident_of(&app, &w.village_a, &w.cadre_a.token, "op-wang").await;
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "op-outsider").await;
    let matter = id(&raise(&app, &author, &w.village_a, "村口小广场想装几盏路灯").await);

    // Not before triage.
    let (status, e) = opinion(&app, &wang, &matter, json!({ "body": "支持" })).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")), "{e}");
    triage(&app, &w.cadre_a.token, &matter, "small").await;

    // An opinion, a reply to it, and no reply to a reply.
    let (status, first) = opinion(&app, &wang, &matter, json!({ "body": "建议装在小广场东侧。" })).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!((first["moderation"].as_str(), first["author"]["id"].as_str()), (Some("clear"), Some(wang.id.as_str())));
    let (status, reply) =
        opinion(&app, &author, &matter, json!({ "body": "东侧人多，同意。", "parent_id": id(&first) })).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert_eq!(reply["parent_id"].as_str(), Some(id(&first).as_str()));
    let (status, e) = opinion(&app, &wang, &matter, json!({ "body": "再回一句", "parent_id": id(&reply) })).await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("parent_id"))
    );
    let (status, e) = opinion(&app, &wang, &matter, json!({ "body": "  " })).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("body")));
    let other = id(&raise(&app, &author, &w.village_a, "另一件事").await);
    let (status, e) = opinion(&app, &wang, &other, json!({ "body": "答非所问", "parent_id": id(&first) })).await;
    assert_eq!(status, StatusCode::CONFLICT, "the other matter is not deliberated yet: {e}");
    triage(&app, &w.cadre_a.token, &other, "small").await;
    let (status, e) = opinion(&app, &wang, &other, json!({ "body": "答非所问", "parent_id": id(&first) })).await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("parent_id"))
    );
    assert_eq!(matter_of(&app, &author, &matter).await["opinions"], 2);

    // A retry with the same Idempotency-Key gives the first answer and creates nothing.
    let url = app.url(&format!("/api/v1/matters/{matter}/opinions"));
    let mut answers = Vec::new();
    for _ in 0..2 {
        let res = app
            .client
            .post(&url)
            .bearer_auth(&wang.token)
            .header("Idempotency-Key", "opinion-retry-0001")
            .json(&json!({ "body": "网络不好，重发一次。" }))
            .send()
            .await
            .unwrap();
        answers.push(body(res).await);
    }
    assert_eq!((answers[0].0, id(&answers[0].1)), (answers[1].0, id(&answers[1].1)));
    assert_eq!(matter_of(&app, &author, &matter).await["opinions"], 3);

    // Outsiders learn nothing (404); staff without a home in the scope do not take part (403).
    assert_eq!(opinion(&app, &outsider, &matter, json!({ "body": "外人" })).await.0, StatusCode::NOT_FOUND);
    let path = format!("/api/v1/matters/{matter}/opinions");
    assert_eq!(app.get_as(&outsider.token, &path).await.status(), StatusCode::NOT_FOUND);
    let support = |who: &Account, op: &str| {
        let (app, token, op) = (&app, who.token.clone(), op.to_owned());
        async move { body(app.post(Some(&token), &format!("/api/v1/opinions/{op}/supports"), json!({})).await).await }
    };
    assert_eq!(support(&outsider, &id(&first)).await.0, StatusCode::NOT_FOUND);
    let (status, _) = act(&app, &w.cadre_a.token, &matter, "opinions", json!({ "body": "干部意见" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Held by the word list: its author sees it, others and the count do not, until approved.
    assert_eq!(
        app.post(Some(&w.admin), "/api/v1/moderation-words", json!({ "word": "骗子" })).await.status(),
        StatusCode::CREATED
    );
    let (status, held) = opinion(&app, &wang, &matter, json!({ "body": "装路灯的包工头是骗子" })).await;
    assert_eq!((status, held["moderation"].as_str()), (StatusCode::CREATED, Some("held")));
    assert!(!opinions_seen_by(&app, &author, &matter).await.contains(&id(&held)));
    assert!(opinions_seen_by(&app, &wang, &matter).await.contains(&id(&held)));
    assert!(opinions_seen_by(&app, &w.cadre_a, &matter).await.contains(&id(&held)));
    assert_eq!(support(&author, &id(&held)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(matter_of(&app, &author, &matter).await["opinions"], 3);
    let moderate = |who: &Account, op: &str, payload: Value| {
        let (app, token, op) = (&app, who.token.clone(), op.to_owned());
        async move { body(app.post(Some(&token), &format!("/api/v1/opinions/{op}/moderation"), payload).await).await }
    };
    assert_eq!(moderate(&wang, &id(&held), json!({ "decision": "approve" })).await.0, StatusCode::FORBIDDEN);
    assert_eq!(moderate(&author, &id(&held), json!({ "decision": "approve" })).await.0, StatusCode::NOT_FOUND);
    let (status, approved) = moderate(&w.cadre_a, &id(&held), json!({ "decision": "approve" })).await;
    assert_eq!((status, approved["moderation"].as_str()), (StatusCode::OK, Some("clear")), "{approved}");
    assert!(opinions_seen_by(&app, &author, &matter).await.contains(&id(&held)));
    assert_eq!(matter_of(&app, &author, &matter).await["opinions"], 4);
    let (_, rejected_one) = opinion(&app, &wang, &matter, json!({ "body": "那个骗子又来了" })).await;
    let (status, rejected) =
        moderate(&w.cadre_a, &id(&rejected_one), json!({ "decision": "reject", "reason": "请文明发言" })).await;
    assert_eq!((status, rejected["moderation"].as_str()), (StatusCode::OK, Some("rejected")));
    assert!(!opinions_seen_by(&app, &author, &matter).await.contains(&id(&rejected_one)));
    let notices = inbox(&app, &wang.token).await;
    assert!(notices
        .iter()
        .any(|n| n["kind"] == "matter_moderated" && n["body"].as_str().is_some_and(|b| b.contains("请文明发言"))));
    let timeline = matter_of(&app, &w.cadre_a, &matter).await["timeline"].clone();
    let moderated = timeline.as_array().map(|t| t.iter().filter(|e| e["kind"] == "opinion_moderated").count());
    assert_eq!(moderated, Some(2));

    // Keyset pages, newest first.
    let (_, page) = body(app.get_as(&author.token, &format!("{path}?limit=2")).await).await;
    assert_eq!(ids(&page).len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
    let (_, rest) = body(app.get_as(&author.token, &format!("{path}?limit=2&cursor={cursor}")).await).await;
    assert_eq!(ids(&rest).len(), 2, "{rest}");
    assert!(ids(&rest).iter().all(|r| !ids(&page).contains(r)));
}

#[tokio::test]
async fn twenty_parallel_supports_of_an_opinion_count_once() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let author = resident_of(&app, &w.village_a, &w.cadre_a.token, "sup-author").await;
    let matter = id(&raise(&app, &author, &w.village_a, "村道两侧种树").await);
    triage(&app, &w.cadre_a.token, &matter, "small").await;
    for round in 0..5 {
        let supporter = resident_of(&app, &w.village_a, &w.cadre_a.token, &format!("sup-{round}")).await;
        let (_, op) = opinion(&app, &author, &matter, json!({ "body": format!("第{round}条：种桂花树") })).await;
        let target = id(&op);
        let attempts = (0..20).map(|_| {
            let (client, url, token) =
                (app.client.clone(), app.url(&format!("/api/v1/opinions/{target}/supports")), supporter.token.clone());
            tokio::spawn(async move {
                let res = client.post(url).bearer_auth(token).json(&json!({})).send().await.unwrap();
                let status = res.status();
                (status, res.json::<Value>().await.unwrap_or_default())
            })
        });
        let answers: Vec<(StatusCode, Value)> =
            futures_util::future::join_all(attempts).await.into_iter().map(|r| r.unwrap()).collect();
        let won = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        let refused =
            answers.iter().filter(|(s, b)| *s == StatusCode::CONFLICT && b["error"]["code"] == "already_done").count();
        assert_eq!((won, refused), (1, 19), "round {round}: {answers:?}");
        let target2 = target.clone();
        let (rows, counter) = app
            .state
            .db
            .run(move |conn| {
                use infra::testing::schema::{opinion_supports as s, opinions as o};
                let rows: i64 = s::table.filter(s::opinion_id.eq(&target2)).count().get_result(conn)?;
                let counter: i32 = o::table.filter(o::id.eq(&target2)).select(o::supports).first(conn)?;
                Ok::<_, infra::InfraError>((rows, counter))
            })
            .await
            .unwrap();
        assert_eq!((rows, counter), (1, 1), "round {round}");
    }
}

#[tokio::test]
async fn a_major_matter_solicits_its_whole_scope_and_takes_opinions_only_inside_the_window() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let group = app.unit(&w.admin, Some(&w.village_a), "group", "杨家村二组").await;
    let author = resident_of(&app, &w.village_a, &w.cadre_a.token, "maj-author").await;
    let in_group = resident_of(&app, &group, &w.cadre_a.token, "maj-group").await;
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "maj-outsider").await;
    let major = id(&raise(&app, &author, &w.village_a, "村集体土地流转方案").await);
    let small = id(&raise(&app, &author, &w.village_a, "村委会门口的台阶").await);
    triage(&app, &w.cadre_a.token, &major, "major").await;
    triage(&app, &w.cadre_a.token, &small, "small").await;

    let now = app.clock.now();
    let at = |hours: i64| (now + chrono::Duration::hours(hours)).to_rfc3339();
    let window = json!({ "opens_at": at(1), "closes_at": at(1 + 24 * 7) });
    let solicit = |token: &str, matter: &str, payload: Value| {
        let (app, token, matter) = (&app, token.to_owned(), matter.to_owned());
        async move { act(app, &token, &matter, "solicitation", payload).await }
    };
    assert_eq!(solicit(&author.token, &major, window.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(solicit(&outsider.token, &major, window.clone()).await.0, StatusCode::NOT_FOUND);
    let (status, e) = solicit(&w.cadre_a.token, &small, window.clone()).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    let short = json!({ "opens_at": at(1), "closes_at": at(48) });
    let (status, e) = solicit(&w.cadre_a.token, &major, short).await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("closes_at"))
    );
    let (status, e) = solicit(&w.cadre_a.token, &major, json!({ "opens_at": "tomorrow", "closes_at": at(200) })).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("opens_at")));
    let (status, opened) = solicit(&w.cadre_a.token, &major, window.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    let (status, e) = solicit(&w.cadre_a.token, &major, window).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_done")));

    // Every resident of the scope is told, the group's too; not the other village.
    for who in [&author, &in_group] {
        assert!(kinds(&inbox(&app, &who.token).await).contains(&"solicitation_opened".to_owned()));
    }
    assert!(!kinds(&inbox(&app, &outsider.token).await).contains(&"solicitation_opened".to_owned()));

    // Before it opens, refused; inside, taken; after it closes, refused — and then solicited.
    let (status, e) = opinion(&app, &in_group, &major, json!({ "body": "先听听大家的" })).await;
    assert_eq!(
        (status, e["error"]["details"]["status"].as_str()),
        (StatusCode::CONFLICT, Some("solicitation_not_open"))
    );
    let solicited = |at: chrono::DateTime<chrono::Utc>| {
        let (app, major) = (&app, major.clone());
        async move {
            app.state
                .db
                .run(move |conn| {
                    infra::deliberation::opinions::solicited(conn, &major, at.naive_utc(), 7)
                        .map_err(infra::InfraError::from)
                })
                .await
                .unwrap()
        }
    };
    assert!(!solicited(app.clock.now()).await);
    app.clock.advance(chrono::Duration::hours(2));
    let in_group = again(&app, "maj-group", &in_group).await;
    let (status, taken) = opinion(&app, &in_group, &major, json!({ "body": "流转收益要公开" })).await;
    assert_eq!(status, StatusCode::CREATED, "{taken}");
    app.clock.advance(chrono::Duration::days(7));
    let in_group = again(&app, "maj-group", &in_group).await;
    let (status, e) = opinion(&app, &in_group, &major, json!({ "body": "晚了" })).await;
    assert_eq!((status, e["error"]["details"]["status"].as_str()), (StatusCode::CONFLICT, Some("solicitation_closed")));
    assert!(solicited(app.clock.now()).await);
}

#[tokio::test]
async fn the_member_pool_invited_stakeholders_and_the_rules_of_procedure() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let author = resident_of(&app, &w.village_a, &w.cadre_a.token, "mem-author").await;
    let elder = resident_of(&app, &w.village_a, &w.cadre_a.token, "mem-elder").await;
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "mem-outsider").await;
    let members = format!("/api/v1/org-units/{}/members", w.village_a);

    // The pool: kept by the village's cadres.
    let entry = json!({ "kind": "xiangxian", "name": "杨老师", "user_id": elder.id, "note": "退休教师" });
    let (status, teacher) = body(app.post(Some(&w.cadre_a.token), &members, entry.clone()).await).await;
    assert_eq!(status, StatusCode::CREATED, "{teacher}");
    let service = json!({ "kind": "service", "name": "县法律援助中心", "contact": "0738-1234567" });
    assert_eq!(app.post(Some(&w.cadre_a.token), &members, service).await.status(), StatusCode::CREATED);
    let bad = json!({ "kind": "boss", "name": "某人" });
    let (status, e) = body(app.post(Some(&w.cadre_a.token), &members, bad).await).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("kind")));
    assert_eq!(app.post(Some(&d.cadre_b.token), &members, entry.clone()).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post(Some(&author.token), &members, entry).await.status(), StatusCode::NOT_FOUND);
    let (_, pool) = body(app.get_as(&w.cadre_a.token, &format!("{members}?kind=service")).await).await;
    assert_eq!(pool["items"].as_array().map(Vec::len), Some(1), "{pool}");
    assert_eq!(app.get_as(&outsider.token, &members).await.status(), StatusCode::NOT_FOUND);
    let renamed = json!({ "kind": "xiangxian", "name": "杨振华老师", "user_id": elder.id });
    let (status, changed) =
        body(app.put(&w.cadre_a.token, &format!("/api/v1/members/{}", id(&teacher)), renamed).await).await;
    assert_eq!((status, changed["name"].as_str()), (StatusCode::OK, Some("杨振华老师")));

    // Stakeholders: from the pool (told in the app), by name; once each; council work only.
    let matter = id(&raise(&app, &author, &w.village_a, "老旧楼道加装电梯").await);
    triage(&app, &w.cadre_a.token, &matter, "small").await;
    let invite = |token: &str, payload: Value| {
        let (app, token, matter) = (&app, token.to_owned(), matter.clone());
        async move { act(app, &token, &matter, "stakeholders", payload).await }
    };
    let (status, list) = invite(&w.cadre_a.token, json!({ "member_id": id(&teacher) })).await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    assert_eq!(list["items"][0]["name"], "杨振华老师");
    assert!(kinds(&inbox(&app, &elder.token).await).contains(&"stakeholder_invited".to_owned()));
    let (status, e) = invite(&w.cadre_a.token, json!({ "member_id": id(&teacher) })).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_done")));
    let (status, list) = invite(&w.cadre_a.token, json!({ "name": "一楼住户老周" })).await;
    assert_eq!((status, list["items"].as_array().map(Vec::len)), (StatusCode::CREATED, Some(2)));
    let (status, e) = invite(&w.cadre_a.token, json!({})).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("name")));
    assert_eq!(invite(&author.token, json!({ "name": "某某" })).await.0, StatusCode::FORBIDDEN);
    assert_eq!(invite(&outsider.token, json!({ "name": "某某" })).await.0, StatusCode::NOT_FOUND);
    let (_, listed) = body(app.get_as(&author.token, &format!("/api/v1/matters/{matter}/stakeholders")).await).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    let timeline = matter_of(&app, &author, &matter).await["timeline"].clone();
    assert!(timeline.as_array().is_some_and(|t| t.iter().any(|e| e["kind"] == "stakeholder_invited")));

    // The rules of procedure: versioned, read by the village, published by its cadres.
    let rules = format!("/api/v1/org-units/{}/documents/rules_of_procedure", w.village_a);
    let (status, none) = body(app.get_as(&author.token, &rules).await).await;
    assert_eq!((status, none["latest"].clone()), (StatusCode::OK, Value::Null));
    for (title, text) in [
        ("杨家村议事协商规则", "第一条 有事好商量。"),
        ("杨家村议事协商规则（修订）", "第一条 有事好商量，众人的事情由众人商量。"),
    ] {
        let (status, doc) =
            body(app.post(Some(&w.cadre_a.token), &rules, json!({ "title": title, "body": text })).await).await;
        assert_eq!(status, StatusCode::CREATED, "{doc}");
    }
    let (_, history) = body(app.get_as(&author.token, &rules).await).await;
    assert_eq!(history["latest"]["version"], 2, "{history}");
    let versions: Vec<i64> = history["versions"]
        .as_array()
        .map(|v| v.iter().filter_map(|d| d["version"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(versions, vec![2, 1]);
    assert_eq!(app.get_as(&outsider.token, &rules).await.status(), StatusCode::NOT_FOUND);
    let payload = json!({ "title": "我的规则", "body": "我说了算" });
    assert_eq!(app.post(Some(&author.token), &rules, payload.clone()).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post(Some(&d.cadre_b.token), &rules, payload).await.status(), StatusCode::NOT_FOUND);
    let other_kind = format!("/api/v1/org-units/{}/documents/bylaws", w.village_a);
    assert_eq!(app.get_as(&author.token, &other_kind).await.status(), StatusCode::NOT_FOUND);
    let village = w.village_a.clone();
    let current = app
        .state
        .db
        .run(move |conn| infra::deliberation::members::current_rules(conn, &village).map_err(infra::InfraError::from))
        .await
        .unwrap();
    assert_eq!(current.map(|(version, title, _)| (version, title)), Some((2, "杨家村议事协商规则（修订）".to_owned())));
}
