//! Redemption (兑换): 50 parallel orders by one resident whose balance covers 10 make exactly 10
//! (balance exactly zero, on the account row and in the ledger; stock 20), round after round;
//! stock as the limit among many residents; a cancellation returns points and stock once;
//! hand-over; one order per Idempotency-Key; the catalog by who asks; denials and bad input.

use diesel::prelude::*;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::world::{Account, World};
use yishi_tests::{assert_invalid_field, body, id, spawn_app_with, Setup, TestApp};

/// The application with write limits that let bursts through.
async fn app() -> TestApp {
    let env = [
        ("YISHI_ACCESS_TOKEN_TTL_SECS", "86400"),
        ("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "100000"),
        ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "1000000"),
    ];
    spawn_app_with(Setup { env: env.map(|(k, v)| (k, v.to_owned())).to_vec(), ..Setup::default() }).await
}

async fn item(app: &TestApp, w: &World, village: &str, price: i64, stock: i64) -> Value {
    let body_ = json!({ "kind": "goods", "name": "大米一袋", "description": "5公斤", "price": price, "stock": stock });
    let (status, item) =
        body(app.post(Some(&w.cadre_a.token), &format!("/api/v1/org-units/{village}/points/items"), body_).await).await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    item
}

async fn order(app: &TestApp, who: &Account, item_id: &str, quantity: i64, key: Option<&str>) -> (StatusCode, Value) {
    let mut request = app
        .client
        .post(app.url("/api/v1/points/orders"))
        .bearer_auth(&who.token)
        .json(&json!({ "item_id": item_id, "quantity": quantity }));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    body(request.send().await.unwrap()).await
}

/// (cached balance on the account row, sum of the account's ledger rows).
async fn balance(app: &TestApp, village: &str, user: &str) -> (i64, i64) {
    use infra::testing::schema::points_accounts::dsl as a;
    use infra::testing::schema::points_ledger::dsl as l;
    let (village, user) = (village.to_owned(), user.to_owned());
    app.state
        .db
        .run(move |conn| -> Result<(i64, i64), infra::InfraError> {
            let (account, cached): (String, i64) = a::points_accounts
                .filter(a::org_unit_id.eq(&village))
                .filter(a::holder.eq("user"))
                .filter(a::holder_id.eq(&user))
                .select((a::id, a::balance))
                .first(conn)?;
            let rows: Vec<i64> = l::points_ledger.filter(l::account_id.eq(&account)).select(l::points).load(conn)?;
            Ok((cached, rows.iter().sum()))
        })
        .await
        .unwrap()
}

async fn stock(app: &TestApp, item_id: &str) -> i32 {
    use infra::testing::schema::points_items::dsl as it;
    let item_id = item_id.to_owned();
    app.state
        .db
        .run(move |conn| {
            it::points_items
                .filter(it::id.eq(&item_id))
                .select(it::stock)
                .first::<i32>(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

async fn orders_of(app: &TestApp, user: &str, status: &str) -> i64 {
    use infra::testing::schema::points_orders::dsl as o;
    let (user, status) = (user.to_owned(), status.to_owned());
    app.state
        .db
        .run(move |conn| {
            o::points_orders
                .filter(o::user_id.eq(&user))
                .filter(o::status.eq(&status))
                .count()
                .get_result::<i64>(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

async fn notices(app: &TestApp, user: &str, kind: &str) -> i64 {
    use infra::testing::schema::outbox::dsl as ob;
    let (user, kind) = (user.to_owned(), kind.to_owned());
    app.state
        .db
        .run(move |conn| {
            ob::outbox
                .filter(ob::recipient_id.eq(&user))
                .filter(ob::kind.eq(&kind))
                .filter(ob::channel.eq("inbox"))
                .count()
                .get_result::<i64>(conn)
                .map_err(infra::InfraError::from)
        })
        .await
        .unwrap()
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn fifty_parallel_orders_on_a_balance_for_ten_make_exactly_ten_round_after_round() {
    let app = app().await;
    let w = app.world().await;
    let price = 7;
    for round in 0..4 {
        let resident = app.member(&format!("spender{round}"), &w.village_a, &w.cadre_a.token).await;
        assert_eq!(app.points_grant(&w.village_a, &resident.id, 10 * price).await, 10 * price);
        let it = item(&app, &w, &w.village_a, price, 30).await;
        let item_id = id(&it);
        // Half with distinct Idempotency-Keys, half without: each is its own order.
        let keys: Vec<Option<String>> =
            (0..50).map(|i| (i % 2 == 0).then(|| format!("round{round}-order-{i:03}"))).collect();
        let answers = join_all(keys.iter().map(|k| order(&app, &resident, &item_id, 1, k.as_deref()))).await;
        let made = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let short =
            answers.iter().filter(|(s, b)| *s == StatusCode::CONFLICT && code(b) == "insufficient_points").count();
        assert_eq!((made, short), (10, 40), "round {round}: {:?}", answers.iter().map(|a| a.0).collect::<Vec<_>>());
        assert_eq!(balance(&app, &w.village_a, &resident.id).await, (0, 0), "round {round}: balance exactly zero");
        assert_eq!(stock(&app, &item_id).await, 20, "round {round}: stock reserved for ten only");
        assert_eq!(orders_of(&app, &resident.id, "ordered").await, 10);
    }
}

#[tokio::test]
async fn stock_is_the_limit_when_many_residents_order_at_once() {
    let app = app().await;
    let w = app.world().await;
    let mut buyers = Vec::new();
    for i in 0..10 {
        let buyer = app.member(&format!("buyer{i}"), &w.village_a, &w.cadre_a.token).await;
        app.points_grant(&w.village_a, &buyer.id, 1_000).await;
        buyers.push(buyer);
    }
    for round in 0..3 {
        let item_id = id(&item(&app, &w, &w.village_a, 5, 3).await);
        let answers = join_all(buyers.iter().map(|b| order(&app, b, &item_id, 1, None))).await;
        let made = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let gone = answers.iter().filter(|(s, b)| *s == StatusCode::CONFLICT && code(b) == "out_of_stock").count();
        assert_eq!((made, gone), (3, 7), "round {round}");
        assert_eq!(stock(&app, &item_id).await, 0);
    }
    // Each buyer paid exactly for what they got, and no balance was touched by a refusal.
    let mut spent = 0;
    for buyer in &buyers {
        let (cached, summed) = balance(&app, &w.village_a, &buyer.id).await;
        assert_eq!(cached, summed);
        assert_eq!((1_000 - cached) % 5, 0);
        assert_eq!((1_000 - cached) / 5, orders_of(&app, &buyer.id, "ordered").await);
        spent += 1_000 - cached;
    }
    assert_eq!(spent, 9 * 5);
}

#[tokio::test]
async fn a_cancellation_returns_points_and_stock_once_and_staff_hand_over() {
    let app = app().await;
    let w = app.world().await;
    let resident = app.member("wang", &w.village_a, &w.cadre_a.token).await;
    app.points_grant(&w.village_a, &resident.id, 100).await;
    let item_id = id(&item(&app, &w, &w.village_a, 20, 5).await);

    let (status, first) = order(&app, &resident, &item_id, 2, None).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!((first["status"].as_str(), first["points"].as_i64()), (Some("ordered"), Some(40)));
    assert_eq!(balance(&app, &w.village_a, &resident.id).await, (60, 60));
    assert_eq!(stock(&app, &item_id).await, 3);

    // Two cancels at once: one returns the points and the stock, the other is refused.
    let path = format!("/api/v1/points/orders/{}/cancel", id(&first));
    let reason = json!({ "reason": "家里已经有了" });
    let answers = join_all((0..4).map(|_| app.post(Some(&resident.token), &path, reason.clone()))).await;
    let statuses: Vec<StatusCode> = answers.iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 3, "{statuses:?}");
    assert_eq!(balance(&app, &w.village_a, &resident.id).await, (100, 100));
    assert_eq!(stock(&app, &item_id).await, 5);
    let (status, again) = body(app.post(Some(&resident.token), &path, reason.clone()).await).await;
    assert_eq!((status, code(&again)), (StatusCode::CONFLICT, "invalid_transition"));
    assert_eq!(notices(&app, &resident.id, "points_order").await, 1);

    // Hand-over: staff of the village; the resident is refused (403), a cancel after it too.
    let (_, second) = order(&app, &resident, &item_id, 1, None).await;
    let hand = format!("/api/v1/points/orders/{}/hand-over", id(&second));
    assert_eq!(app.post(Some(&resident.token), &hand, json!({})).await.status(), StatusCode::FORBIDDEN);
    let other = app.member("li", &w.village_a, &w.cadre_a.token).await;
    assert_eq!(app.post(Some(&other.token), &hand, json!({})).await.status(), StatusCode::NOT_FOUND);
    let (status, handed) = body(app.post(Some(&w.cadre_a.token), &hand, json!({})).await).await;
    assert_eq!((status, handed["status"].as_str()), (StatusCode::OK, Some("handed_over")), "{handed}");
    assert_eq!(handed["handled_by"], json!(w.cadre_a.id));
    let cancel_path = format!("/api/v1/points/orders/{}/cancel", id(&second));
    assert_eq!(app.post(Some(&w.cadre_a.token), &cancel_path, reason).await.status(), StatusCode::CONFLICT);
    assert_eq!(balance(&app, &w.village_a, &resident.id).await, (80, 80));
    assert_eq!(notices(&app, &resident.id, "points_order").await, 2);

    // Staff cancel: the order is returned as well.
    let (_, third) = order(&app, &resident, &item_id, 1, None).await;
    let path = format!("/api/v1/points/orders/{}/cancel", id(&third));
    let (status, cancelled) =
        body(app.post(Some(&w.cadre_a.token), &path, json!({ "reason": "货物损坏" })).await).await;
    assert_eq!((status, cancelled["status"].as_str()), (StatusCode::OK, Some("cancelled")));
    assert_eq!(cancelled["cancel_reason"], "货物损坏");
    assert_eq!(balance(&app, &w.village_a, &resident.id).await, (80, 80));
    assert_eq!(stock(&app, &item_id).await, 4);

    // Lists: one's own orders; the village's for staff, by status; not for residents.
    let (_, mine) = body(app.get_as(&resident.token, "/api/v1/me/points/orders").await).await;
    let statuses: Vec<&str> = mine["items"].as_array().unwrap().iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["cancelled", "handed_over", "cancelled"]);
    let unit = format!("/api/v1/org-units/{}/points/orders?status=handed_over", w.village_a);
    let (status, handed) = body(app.get_as(&w.cadre_a.token, &unit).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(handed["items"].as_array().unwrap().len(), 1);
    assert_eq!(handed["items"][0]["item_name"], "大米一袋");
    assert_eq!(app.get_as(&resident.token, &unit).await.status(), StatusCode::NOT_FOUND);
    let (_, paged) = body(app.get_as(&resident.token, "/api/v1/me/points/orders?limit=2").await).await;
    let cursor = paged["next_cursor"].as_str().unwrap().to_owned();
    let (_, rest) =
        body(app.get_as(&resident.token, &format!("/api/v1/me/points/orders?limit=2&cursor={cursor}")).await).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
}

#[tokio::test]
async fn one_idempotency_key_makes_one_order() {
    let app = app().await;
    let w = app.world().await;
    let resident = app.member("zhao", &w.village_a, &w.cadre_a.token).await;
    app.points_grant(&w.village_a, &resident.id, 100).await;
    let item_id = id(&item(&app, &w, &w.village_a, 10, 10).await);
    let key = "0f3c2b1a-retry-key";
    let answers = join_all((0..5).map(|_| order(&app, &resident, &item_id, 3, Some(key)))).await;
    for (status, answer) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "{answer}");
        assert_eq!(id(answer), id(&answers[0].1));
    }
    assert_eq!(orders_of(&app, &resident.id, "ordered").await, 1);
    assert_eq!(balance(&app, &w.village_a, &resident.id).await, (70, 70));
    assert_eq!(stock(&app, &item_id).await, 7);
    // The same key with another body is refused.
    let (status, _) = order(&app, &resident, &item_id, 1, Some(key)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_catalog_by_who_asks_and_denials_and_bad_input() {
    let app = app().await;
    let w = app.world().await;
    let resident = app.member("sun", &w.village_a, &w.cadre_a.token).await;
    app.points_grant(&w.village_a, &resident.id, 1_000).await;
    let offered = item(&app, &w, &w.village_a, 10, 2).await;
    let withdrawn = item(&app, &w, &w.village_a, 10, 2).await;
    let patch = |path: String, body: Value| {
        let request = app.client.patch(app.url(&path)).bearer_auth(&w.cadre_a.token).json(&body);
        async move { body_of(request.send().await.unwrap()).await }
    };
    let (status, changed) =
        patch(format!("/api/v1/points/items/{}", id(&withdrawn)), json!({ "active": false, "name": "旧米" })).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!((changed["active"].as_bool(), changed["name"].as_str()), (Some(false), Some("旧米")));
    // Restock and write off; never below zero.
    let item_path = format!("/api/v1/points/items/{}", id(&offered));
    let (status, changed) = patch(item_path.clone(), json!({ "stock_delta": 5, "price": 12 })).await;
    assert_eq!((status, changed["stock"].as_i64(), changed["price"].as_i64()), (StatusCode::OK, Some(7), Some(12)));
    let (status, refused) = patch(item_path.clone(), json!({ "stock_delta": -8 })).await;
    assert_eq!((status, code(&refused)), (StatusCode::CONFLICT, "out_of_stock"));
    assert_eq!(stock(&app, &id(&offered)).await, 7);
    let (status, refused) = patch(item_path.clone(), json!({ "price": 0 })).await;
    assert_eq!(
        (status, refused["error"]["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("price"))
    );
    let res = app
        .client
        .patch(app.url(&item_path))
        .bearer_auth(&resident.token)
        .json(&json!({ "price": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "a resident cannot change the catalog");

    // Residents see what is offered; staff see all.
    let list = format!("/api/v1/org-units/{}/points/items", w.village_a);
    let (_, seen) = body(app.get_as(&resident.token, &list).await).await;
    assert_eq!(seen["items"].as_array().unwrap().iter().map(id).collect::<Vec<_>>(), [id(&offered)]);
    let (_, all) = body(app.get_as(&w.cadre_a.token, &list).await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    // A withdrawn item cannot be ordered.
    let (status, refused) = order(&app, &resident, &id(&withdrawn), 1, None).await;
    assert_eq!((status, code(&refused)), (StatusCode::CONFLICT, "out_of_stock"));

    // Another village: its catalog and its items are not found for village A's people.
    let b_cadre = app.staff(&w.admin, "cadre-b", &w.village_b).await;
    assert_eq!(
        app.grant(&w.admin, &b_cadre.id, "village_cadre", "org_unit", &w.village_b).await.status(),
        StatusCode::CREATED
    );
    let b_item = {
        let body_ = json!({ "kind": "service", "name": "理发一次", "price": 5, "stock": 9 });
        let (status, v) = body(
            app.post(Some(&b_cadre.token), &format!("/api/v1/org-units/{}/points/items", w.village_b), body_).await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v
    };
    assert_eq!(order(&app, &resident, &id(&b_item), 1, None).await.0, StatusCode::NOT_FOUND);
    let b_list = format!("/api/v1/org-units/{}/points/items", w.village_b);
    assert_eq!(app.get_as(&resident.token, &b_list).await.status(), StatusCode::NOT_FOUND);
    let b_patch = app
        .client
        .patch(app.url(&format!("/api/v1/points/items/{}", id(&b_item))))
        .bearer_auth(&w.cadre_a.token)
        .json(&json!({ "price": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(b_patch.status(), StatusCode::NOT_FOUND);
    let create_b = app
        .post(Some(&w.cadre_a.token), &b_list, json!({ "kind": "goods", "name": "x", "price": 1, "stock": 1 }))
        .await;
    assert_eq!(create_b.status(), StatusCode::NOT_FOUND);
    // Staff who do not live in the village do not order; a grid worker (a grid's grant does not
    // reach the village's catalog) cannot add items.
    assert_eq!(order(&app, &w.cadre_a, &id(&offered), 1, None).await.0, StatusCode::FORBIDDEN);
    let by_worker =
        app.post(Some(&w.worker_a.token), &list, json!({ "kind": "goods", "name": "x", "price": 1, "stock": 1 })).await;
    assert_eq!(by_worker.status(), StatusCode::NOT_FOUND);
    // Items belong to villages.
    let at_township = format!("/api/v1/org-units/{}/points/items", w.township);
    assert_invalid_field(
        app.post(Some(&w.officer.token), &at_township, json!({ "kind": "goods", "name": "x", "price": 1, "stock": 1 }))
            .await,
        "id",
    )
    .await;

    // Bad input is named, and nothing is stored.
    for (bad, field) in [
        (json!({ "kind": "gold", "name": "x", "price": 1, "stock": 1 }), "kind"),
        (json!({ "kind": "goods", "name": "  ", "price": 1, "stock": 1 }), "name"),
        (json!({ "kind": "goods", "name": "x", "price": 0, "stock": 1 }), "price"),
        (json!({ "kind": "goods", "name": "x", "price": 1, "stock": -1 }), "stock"),
    ] {
        assert_invalid_field(app.post(Some(&w.cadre_a.token), &list, bad).await, field).await;
    }
    let (_, all) = body(app.get_as(&w.cadre_a.token, &list).await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    for (bad, field) in [
        (json!({ "item_id": id(&offered), "quantity": 0 }), "quantity"),
        (json!({ "item_id": id(&offered), "quantity": 11 }), "quantity"),
        (json!({ "item_id": "nope", "quantity": 1 }), "item_id"),
    ] {
        assert_invalid_field(app.post(Some(&resident.token), "/api/v1/points/orders", bad).await, field).await;
    }
    assert_eq!(orders_of(&app, &resident.id, "ordered").await, 0);
    assert_eq!(balance(&app, &w.village_a, &resident.id).await, (1_000, 1_000));
}

async fn body_of(res: reqwest::Response) -> (StatusCode, Value) {
    body(res).await
}
