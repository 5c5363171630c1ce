//! Matters: raised with a record sheet, supported once, triaged under the village's scheme
//! (Wuyi: small / big / major; Pengshui: private / small / big), merged or declined, flagged
//! to the township when nobody triages them — with the denials.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::{body, id, spawn_app, spawn_app_with, Setup, TestApp};

use super::support::{act, ids, inbox, kinds, raise, resident_of, setup, triage};

/// Rows of `table` for a matter, counted in the database.
async fn count_for(app: &TestApp, what: &'static str, matter: &str) -> i64 {
    let matter = matter.to_owned();
    app.state
        .db
        .run(move |conn| {
            use infra::testing::schema::{matter_events as e, matter_sheets as s, matter_supports as ms};
            let n = match what {
                "record_sheets" => {
                    s::table.filter(s::matter_id.eq(&matter)).filter(s::kind.eq("record")).count().get_result(conn)?
                }
                "supports" => ms::table.filter(ms::matter_id.eq(&matter)).count().get_result(conn)?,
                "flags" => e::table
                    .filter(e::matter_id.eq(&matter))
                    .filter(e::kind.eq("triage_overdue"))
                    .count()
                    .get_result(conn)?,
                other => panic!("no such count {other}"),
            };
            Ok::<i64, infra::InfraError>(n)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_matter_is_raised_with_its_record_sheet_and_triaged_under_either_scheme() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "li-a").await;

    // Raised: waiting for triage, clear text, a deadline, a record sheet, the village's cadre told.
    let matter = raise(&app, &li, &w.village_a, "村口小广场想装几盏路灯").await;
    let matter_id = id(&matter);
    assert_eq!((matter["status"].as_str(), matter["moderation"].as_str()), (Some("raised"), Some("clear")));
    assert_eq!(matter["author"]["id"].as_str(), Some(li.id.as_str()));
    assert_eq!(matter["scope"]["id"].as_str(), Some(w.village_a.as_str()));
    assert!(matter["triage_due"].is_string());
    assert_eq!(matter["timeline"][0]["kind"], "raised");
    assert_eq!(count_for(&app, "record_sheets", &matter_id).await, 1);
    assert!(kinds(&inbox(&app, &w.cadre_a.token).await).contains(&"matter_raised".to_owned()));

    // Wuyi has no "private" tier; a resident cannot triage; the cadre triages it small.
    let (status, e) = act(&app, &w.cadre_a.token, &matter_id, "triage", json!({ "tier": "private" })).await;
    assert_eq!(
        (status, e["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("tier")),
        "{e}"
    );
    let (status, _) = act(&app, &li.token, &matter_id, "triage", json!({ "tier": "small" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let triaged = triage(&app, &w.cadre_a.token, &matter_id, "small").await;
    assert_eq!(
        (triaged["status"].as_str(), triaged["scheme"].as_str(), triaged["route"].as_str()),
        (Some("deliberating"), Some("wuyi"), Some("council_settles"))
    );
    assert_eq!(triaged["handled_by"].as_str(), Some("村民议事会协商解决"));
    let step = &triaged["timeline"][1];
    assert_eq!((step["kind"].as_str(), step["details"]["tier"].as_str()), (Some("triaged"), Some("small")));
    assert_eq!(step["actor"]["id"].as_str(), Some(w.cadre_a.id.as_str()));
    // Triaged once: again is an invalid transition, and nothing changes.
    let (status, e) = act(&app, &w.cadre_a.token, &matter_id, "triage", json!({ "tier": "big" })).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    let (_, again) = body(app.get_as(&li.token, &format!("/api/v1/matters/{matter_id}")).await).await;
    assert_eq!((again["tier"].as_str(), again["version"].as_i64()), (Some("small"), triaged["version"].as_i64()));
    assert!(kinds(&inbox(&app, &li.token).await).contains(&"matter_status_changed".to_owned()));

    // Pengshui, through the township's catalog: an item suggests its tier; overriding it needs a
    // reason.
    let item =
        json!({ "scheme": "pengshui", "tier": "private", "title": "家庭内部纠纷", "description": "个人和市场的事" });
    let (status, item) =
        body(app.post(Some(&w.officer.token), &format!("/api/v1/org-units/{}/triage-items", w.township), item).await)
            .await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    let (status, _) = body(
        app.post(
            Some(&w.cadre_a.token),
            &format!("/api/v1/org-units/{}/triage-items", w.township),
            json!({ "scheme": "pengshui", "tier": "small", "title": "村道维修" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a village cadre does not keep the township's catalog");
    let (_, offered) =
        body(app.get_as(&d.cadre_b.token, &format!("/api/v1/org-units/{}/triage-items", w.village_b)).await).await;
    assert_eq!(ids(&offered), vec![id(&item)]);
    let zhang = resident_of(&app, &w.village_b, &d.cadre_b.token, "zhang-b").await;
    let private = id(&raise(&app, &zhang, &w.village_b, "家里老人赡养费的事").await);
    let (status, e) =
        act(&app, &d.cadre_b.token, &private, "triage", json!({ "item_id": id(&item), "tier": "small" })).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("note")));
    let (status, guided) = act(&app, &d.cadre_b.token, &private, "triage", json!({ "item_id": id(&item) })).await;
    assert_eq!(status, StatusCode::OK, "{guided}");
    assert_eq!((guided["tier"].as_str(), guided["status"].as_str()), (Some("private"), Some("guiding")));
    assert_eq!(guided["triage_item_id"].as_str(), Some(id(&item).as_str()));
    let small = id(&raise(&app, &zhang, &w.village_b, "村里的公共厕所需要修").await);
    let (status, led) = act(
        &app,
        &d.cadre_b.token,
        &small,
        "triage",
        json!({ "item_id": id(&item), "tier": "small", "note": "涉及全村公共设施" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{led}");
    assert_eq!(
        (led["route"].as_str(), led["timeline"][1]["details"]["overrides_item"].as_bool()),
        (Some("committees"), Some(true))
    );

    // The scheme in force is read down the tree.
    let (_, scheme) =
        body(app.get_as(&zhang.token, &format!("/api/v1/org-units/{}/triage-scheme", w.village_b)).await).await;
    assert_eq!(scheme["scheme"].as_str(), Some("pengshui"));
    assert_eq!(scheme["tiers"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn outsiders_never_see_a_scoped_matter_and_support_counts_once_under_parallel_requests() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let group = app.unit(&w.admin, Some(&w.village_a), "group", "杨家村三组").await;
    let in_group = resident_of(&app, &group, &w.cadre_a.token, "group-member").await;
    let in_village = resident_of(&app, &w.village_a, &w.cadre_a.token, "village-member").await;
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "outsider").await;

    let village_matter = id(&raise(&app, &in_village, &w.village_a, "村里的垃圾清运时间").await);
    let group_matter = id(&raise(&app, &in_group, &group, "三组的水渠该清淤了").await);

    // Positive control: the group member sees both (the village's and the group's).
    let (_, page) = body(app.get_as(&in_group.token, "/api/v1/matters").await).await;
    let seen = ids(&page);
    assert!(seen.contains(&village_matter) && seen.contains(&group_matter), "{page}");
    // A resident of the village but not the group sees the village's matter only; a resident of
    // another village sees neither, and cannot support or even learn they exist.
    let (_, page) = body(app.get_as(&in_village.token, "/api/v1/matters").await).await;
    assert_eq!(ids(&page), vec![village_matter.clone()]);
    let path = format!("/api/v1/matters/{group_matter}");
    assert_eq!(app.get_as(&in_village.token, &path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_as(&outsider.token, &format!("/api/v1/matters/{village_matter}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, _) = act(&app, &outsider.token, &village_matter, "supports", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        body(app.get_as(&outsider.token, &format!("/api/v1/matters?village_id={}", w.village_a)).await).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) =
        body(app.get_as(&outsider.token, &format!("/api/v1/matters?village_id={}", w.village_a)).await).await;
    assert!(ids(&page).is_empty(), "{page}");
    // Raising in a scope one does not live in is refused.
    let payload = json!({ "scope_id": group, "category": "other", "title": "外人提的事", "body": "外人提的事" });
    let (status, e) = body(app.post(Some(&in_village.token), "/api/v1/matters", payload).await).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("scope_id")));
    // The township officer (staff over the village) sees the whole village.
    let (_, page) =
        body(app.get_as(&w.officer.token, &format!("/api/v1/matters?village_id={}", w.village_a)).await).await;
    assert_eq!(ids(&page).len(), 2);

    // One support per person, with 20 requests at once; repeated to catch a rare race.
    for round in 0..4 {
        let supporter = resident_of(&app, &w.village_a, &w.cadre_a.token, &format!("supporter-{round}")).await;
        let target = id(&raise(&app, &in_village, &w.village_a, &format!("第{round}件事：路面坑洼")).await);
        let attempts = (0..20).map(|_| {
            let (client, url, token) =
                (app.client.clone(), app.url(&format!("/api/v1/matters/{target}/supports")), supporter.token.clone());
            tokio::spawn(async move {
                client.post(url).bearer_auth(token).json(&json!({})).send().await.map(|r| r.status())
            })
        });
        let statuses: Vec<StatusCode> =
            futures_util::future::join_all(attempts).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        let refused = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
        assert_eq!((won, refused), (1, 19), "round {round}: {statuses:?}");
        assert_eq!(count_for(&app, "supports", &target).await, 1);
        let (_, m) = body(app.get_as(&supporter.token, &format!("/api/v1/matters/{target}")).await).await;
        assert_eq!((m["supports"].as_i64(), m["supported_by_me"].as_bool()), (Some(1), Some(true)));
    }
    let (status, e) = act(&app, &in_village.token, &village_matter, "supports", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let (status, e) = act(&app, &in_village.token, &village_matter, "supports", json!({})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_done")));
}

#[tokio::test]
async fn a_grid_worker_raises_a_matter_for_a_resident_without_a_phone() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let elder = resident_of(&app, &w.village_a, &w.cadre_a.token, "elder").await;
    let res = app
        .client
        .post(app.url("/api/v1/matters"))
        .bearer_auth(&w.worker_a.token)
        .header("x-acting-for", &elder.id)
        .json(&json!({ "scope_id": w.village_a, "category": "village_affairs", "title": "低保评议想听听大家意见", "body": "代老人提出" }))
        .send()
        .await
        .unwrap();
    let (status, matter) = body(res).await;
    assert_eq!(status, StatusCode::CREATED, "{matter}");
    assert_eq!((matter["origin"].as_str(), matter["author"]["id"].as_str()), (Some("proxy"), Some(elder.id.as_str())));
    assert_eq!(matter["proxy"]["id"].as_str(), Some(w.worker_a.id.as_str()));
    assert_eq!(matter["timeline"][0]["proxy_id"].as_str(), Some(w.worker_a.id.as_str()));
    assert!(kinds(&inbox(&app, &elder.token).await).contains(&"matter_raised_for_you".to_owned()));
    // The resident finds it among their own.
    let (_, mine) = body(app.get_as(&elder.token, "/api/v1/matters?mine=true").await).await;
    assert_eq!(ids(&mine), vec![id(&matter)]);
    // The same client id synced twice is one matter.
    let payload = json!({ "scope_id": w.village_a, "category": "other", "title": "离线提交的事", "body": "离线", "client_id": "phone-1-0001" });
    let (first, a) = body(app.post(Some(&elder.token), "/api/v1/matters", payload.clone()).await).await;
    let (second, b) = body(app.post(Some(&elder.token), "/api/v1/matters", payload).await).await;
    assert_eq!((first, second), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(id(&a), id(&b));
}

#[tokio::test]
async fn merge_and_decline_answer_clearly_and_illegal_moves_change_nothing() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "li").await;
    let zhang = resident_of(&app, &w.village_b, &d.cadre_b.token, "zhang").await;
    let first = id(&raise(&app, &li, &w.village_a, "村东头路灯不亮").await);
    let second = id(&raise(&app, &li, &w.village_a, "东头那几盏路灯坏了").await);
    let elsewhere = id(&raise(&app, &zhang, &w.village_b, "李家村路灯").await);
    let token = &w.officer.token;

    let (status, e) = act(&app, token, &second, "merge", json!({ "into": second })).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("into")));
    let (status, e) = act(&app, token, &second, "merge", json!({ "into": elsewhere })).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("into")));
    let (status, merged) = act(&app, token, &second, "merge", json!({ "into": first, "note": "同一件事" })).await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    assert_eq!((merged["status"].as_str(), merged["merged_into"].as_str()), (Some("merged"), Some(first.as_str())));
    let (_, target) = body(app.get_as(&li.token, &format!("/api/v1/matters/{first}")).await).await;
    assert!(target["timeline"].as_array().unwrap().iter().any(|e| e["kind"] == "absorbed"));

    // Declining needs a reason; a triaged matter can no longer be declined.
    let (status, e) = act(&app, token, &first, "decline", json!({ "reason": "  " })).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")));
    triage(&app, &w.cadre_a.token, &first, "big").await;
    let (status, e) = act(&app, token, &first, "decline", json!({ "reason": "不属于村务" })).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    let (status, declined) =
        act(&app, &d.cadre_b.token, &elsewhere, "decline", json!({ "reason": "不属于村务" })).await;
    assert_eq!((status, declined["status"].as_str()), (StatusCode::OK, Some("declined")));
    // Village A's cadre cannot touch village B's matter, and learns nothing of it.
    let (status, _) = act(&app, &w.cadre_a.token, &elsewhere, "triage", json!({ "tier": "small" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let last: Vec<Value> = inbox(&app, &zhang.token).await;
    assert!(
        last.iter()
            .any(|n| n["kind"] == "matter_status_changed"
                && n["body"].as_str().is_some_and(|b| b.contains("不属于村务"))),
        "{last:?}"
    );
}

#[tokio::test]
async fn a_matter_nobody_triages_is_flagged_to_the_township_once() {
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "li").await;
    let waiting = id(&raise(&app, &li, &w.village_a, "没人理的事").await);
    let handled = id(&raise(&app, &li, &w.village_a, "有人理的事").await);
    triage(&app, &w.cadre_a.token, &handled, "small").await;

    // Before the deadline: nothing.
    app.state.jobs.run_now("flag_untriaged_matters").await.unwrap();
    assert_eq!(count_for(&app, "flags", &waiting).await, 0);
    // Three working days later (nine days cover any weekend or holiday), on two instances at
    // once and then again: flagged once.
    let other = spawn_app_with(Setup { instance_of: Some(app.shared()), ..Setup::default() }).await;
    app.clock.advance(chrono::Duration::days(9));
    other.clock.advance(chrono::Duration::days(9));
    let (a, b) = tokio::join!(
        app.state.jobs.run_now("flag_untriaged_matters"),
        other.state.jobs.run_now("flag_untriaged_matters")
    );
    a.unwrap();
    b.unwrap();
    app.state.jobs.run_now("flag_untriaged_matters").await.unwrap();
    assert_eq!(count_for(&app, "flags", &waiting).await, 1);
    assert_eq!(count_for(&app, "flags", &handled).await, 0);
    // (The officer's access token has expired by now: read their inbox rows.)
    let officer = w.officer.id.clone();
    let told: i64 = app
        .state
        .db
        .run(move |conn| {
            use infra::testing::schema::outbox as o;
            let q = o::table
                .filter(o::recipient_id.eq(officer))
                .filter(o::kind.eq("matter_untriaged"))
                .filter(o::channel.eq("inbox"));
            Ok::<i64, infra::InfraError>(q.count().get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(told, 1);
}

#[tokio::test]
async fn a_matters_photos_are_seen_where_the_matter_is_and_attach_once() {
    use infra::media::fixtures;
    let app = spawn_app().await;
    let d = setup(&app).await;
    let w = &d.w;
    let li = resident_of(&app, &w.village_a, &w.cadre_a.token, "li").await;
    let neighbour = resident_of(&app, &w.village_a, &w.cadre_a.token, "neighbour").await;
    let outsider = resident_of(&app, &w.village_b, &d.cadre_b.token, "outsider").await;
    let (status, photo) = app.upload(&li.token, "image", "square.png", &fixtures::png(16, 16)).await;
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    let payload = json!({ "scope_id": w.village_a, "category": "public_welfare", "title": "广场地面破损", "body": "见照片", "media": [id(&photo)] });
    let (status, matter) = body(app.post(Some(&li.token), "/api/v1/matters", payload.clone()).await).await;
    assert_eq!(status, StatusCode::CREATED, "{matter}");
    assert_eq!(matter["media"][0]["id"].as_str(), Some(id(&photo).as_str()));
    let path = format!("/api/v1/media/{}", id(&photo));
    assert_eq!(app.get_as(&neighbour.token, &path).await.status(), StatusCode::OK, "a resident of the scope sees it");
    assert_eq!(app.get_as(&outsider.token, &path).await.status(), StatusCode::NOT_FOUND);
    // Attached once: a second matter (or a case) cannot take it.
    let payload = json!({ "scope_id": w.village_a, "category": "other", "title": "再用一次", "body": "同一张照片", "media": [id(&photo)] });
    let (status, e) = body(app.post(Some(&li.token), "/api/v1/matters", payload).await).await;
    assert_eq!((status, e["error"]["details"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("media")));
    // Someone else's upload is refused, and nothing is written.
    let (_, theirs) = app.upload(&neighbour.token, "image", "b.png", &fixtures::png(8, 8)).await;
    let payload = json!({ "scope_id": w.village_a, "category": "other", "title": "借用照片", "body": "别人的照片", "media": [id(&theirs)] });
    let (status, _) = body(app.post(Some(&li.token), "/api/v1/matters", payload).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, mine) = body(app.get_as(&li.token, "/api/v1/matters?mine=true").await).await;
    assert_eq!(ids(&mine).len(), 1);
}
