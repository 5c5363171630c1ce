//! Identity I: logins, sessions, refresh rotation, logout, rate limits, consent and deletion.

use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::body;
use yishi_tests::{spawn_app, spawn_app_with, Setup, ADMIN_PASSWORD, BOOTSTRAP_PASSWORD};

fn token(login: &Value) -> String {
    login["access_token"].as_str().expect("access token").to_owned()
}

#[tokio::test]
async fn the_bootstrap_administrator_must_change_the_password_first() {
    let app = spawn_app().await;
    let login = app.login("admin", BOOTSTRAP_PASSWORD).await;
    assert_eq!(login["user"]["must_change_password"], true);
    assert_eq!(login["user"]["roles"][0]["role"], "admin");
    let t = token(&login);

    let (status, me) = body(app.get_as(&t, "/api/v1/me").await).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (status, refused) =
        body(app.post(Some(&t), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["error"]["code"], "password_change_required");

    let weak = app
        .post(
            Some(&t),
            "/api/v1/me/password",
            json!({ "current_password": BOOTSTRAP_PASSWORD, "new_password": "short" }),
        )
        .await;
    yishi_tests::assert_invalid_field(weak, "new_password").await;
    let wrong = app
        .post(
            Some(&t),
            "/api/v1/me/password",
            json!({ "current_password": "nope-nope-1", "new_password": ADMIN_PASSWORD }),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let ok = app
        .post(
            Some(&t),
            "/api/v1/me/password",
            json!({ "current_password": BOOTSTRAP_PASSWORD, "new_password": ADMIN_PASSWORD }),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);

    let (status, _) =
        body(app.post(Some(&t), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await).await;
    assert_eq!(status, StatusCode::CREATED, "the same session works on once the password is changed");
    let old =
        app.post(None, "/api/v1/auth/login", json!({ "username": "admin", "password": BOOTSTRAP_PASSWORD })).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let again = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(again["user"]["must_change_password"], false);
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_answer() {
    let app = spawn_app().await;
    let (s1, b1) = body(
        app.post(None, "/api/v1/auth/login", json!({ "username": "admin", "password": "wrong-password-1" })).await,
    )
    .await;
    let (s2, b2) = body(
        app.post(None, "/api/v1/auth/login", json!({ "username": "nobody", "password": "wrong-password-1" })).await,
    )
    .await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(b1, b2);
    assert_eq!(b1["error"]["code"], "invalid_credentials");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_ends_the_session() {
    let app = spawn_app().await;
    let login = app.wechat_login("dev:lihua").await;
    let first_refresh = login["refresh_token"].as_str().unwrap().to_owned();

    let (status, pair) =
        body(app.post(None, "/api/v1/auth/refresh", json!({ "refresh_token": first_refresh })).await).await;
    assert_eq!(status, StatusCode::OK, "{pair}");
    let second_access = pair["access_token"].as_str().unwrap().to_owned();
    let second_refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(app.get_as(&second_access, "/api/v1/me").await.status(), StatusCode::OK);

    // The first refresh token again: stolen. The whole session ends.
    let (status, reused) =
        body(app.post(None, "/api/v1/auth/refresh", json!({ "refresh_token": first_refresh })).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(reused["error"]["details"]["reason"], "refresh_token_reused");
    assert_eq!(app.get_as(&second_access, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    let later = app.post(None, "/api/v1/auth/refresh", json!({ "refresh_token": second_refresh })).await;
    assert_eq!(later.status(), StatusCode::UNAUTHORIZED, "the session's current token died with it");
}

#[tokio::test]
async fn logout_ends_the_access_token_at_once() {
    let app = spawn_app().await;
    let login = app.wechat_login("dev:wangwu").await;
    let t = token(&login);
    assert_eq!(app.get_as(&t, "/api/v1/me").await.status(), StatusCode::OK);
    assert_eq!(app.post(Some(&t), "/api/v1/auth/logout", json!({})).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&t, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    let refresh = app.post(None, "/api/v1/auth/refresh", json!({ "refresh_token": login["refresh_token"] })).await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn access_tokens_expire_on_the_clock() {
    let app = spawn_app().await;
    let t = token(&app.wechat_login("dev:zhaoliu").await);
    assert_eq!(app.get_as(&t, "/api/v1/me").await.status(), StatusCode::OK, "the token works at first");
    app.clock.advance(chrono::Duration::minutes(14));
    assert_eq!(app.get_as(&t, "/api/v1/me").await.status(), StatusCode::OK, "and still within its 15 minutes");
    app.clock.advance(chrono::Duration::minutes(2));
    let res = app.get_as(&t, "/api/v1/me").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "expired once the clock passes 15 minutes");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized", "{body}");
    let forged = format!("{}x", &t[..t.len() - 1]);
    assert_eq!(app.get_as(&forged, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn failed_logins_on_two_instances_count_together() {
    let proxies = vec![("YISHI_TRUSTED_PROXIES", "127.0.0.1".to_owned())];
    let one = spawn_app_with(Setup { env: proxies.clone(), ..Setup::default() }).await;
    let two = spawn_app_with(Setup { env: proxies, instance_of: Some(one.shared()), ..Setup::default() }).await;
    let attempt = |app: &yishi_tests::TestApp, ip: &'static str, username: &'static str, password: &'static str| {
        let request = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&json!({ "username": username, "password": password }));
        async move { request.send().await.unwrap() }
    };
    for i in 0..5 {
        let app = if i % 2 == 0 { &one } else { &two };
        assert_eq!(attempt(app, "198.51.100.7", "admin", "wrong-password-1").await.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = attempt(&two, "198.51.100.7", "admin", BOOTSTRAP_PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    for header in ["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
        assert!(locked.headers().get(header).is_some(), "{header}");
    }
    assert_eq!(locked.headers()["x-ratelimit-limit"], "5");
    let (_, locked_body) = body(locked).await;
    assert_eq!(locked_body["error"]["code"], "rate_limited");

    let other = attempt(&one, "203.0.113.50", "someone-else", "wrong-password-1").await;
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED, "another account from another address is not affected");
}

#[tokio::test]
async fn residents_log_in_with_the_development_wechat() {
    let app = spawn_app().await;
    let a = app.wechat_login("dev:zhangsan").await;
    let b = app.wechat_login("dev:lisi").await;
    let a_again = app.wechat_login("dev:zhangsan").await;
    assert_ne!(a["user"]["id"], b["user"]["id"]);
    assert_eq!(a["user"]["id"], a_again["user"]["id"]);
    assert_eq!(a["user"]["kind"], "resident");
    assert_eq!(a["user"]["display_name"], "zhangsan");
    let text = a.to_string();
    assert!(!text.contains("openid") && !text.contains("session_key") && !text.contains("dev-"), "{text}");

    let (status, bad) = body(app.post(None, "/api/v1/auth/wechat/login", json!({ "code": "garbage" })).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"]["code"], "wechat_code_invalid");
}

#[tokio::test]
async fn concurrent_first_logins_create_one_account() {
    let app = spawn_app().await;
    let logins = (0..8).map(|_| app.post(None, "/api/v1/auth/wechat/login", json!({ "code": "dev:newcomer" })));
    let answers = futures_util::future::join_all(logins).await;
    let mut ids = std::collections::BTreeSet::new();
    for res in answers {
        let (status, b) = body(res).await;
        assert_eq!(status, StatusCode::OK, "{b}");
        ids.insert(b["user"]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1);
}

#[tokio::test]
async fn consent_is_versioned_and_needed_before_the_phone_is_bound() {
    let app = spawn_app().await;
    let login = app.wechat_login("dev:chenqi").await;
    let t = token(&login);
    assert_eq!(login["user"]["consent"], json!({ "policy_version": "2026-11", "accepted": false }));

    let (status, refused) =
        body(app.post(Some(&t), "/api/v1/auth/wechat/phone", json!({ "code": "dev:13800138000" })).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["error"]["code"], "consent_required");

    let old = app.post(Some(&t), "/api/v1/me/consents", json!({ "policy_version": "2025-01" })).await;
    assert_eq!(old.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for _ in 0..2 {
        let res = app.post(Some(&t), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let (status, me) =
        body(app.post(Some(&t), "/api/v1/auth/wechat/phone", json!({ "code": "dev:13800138000" })).await).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["phone"], "13800138000", "the owner sees their own number");
    assert_eq!(me["consent"]["accepted"], true);
}

#[tokio::test]
async fn deleting_an_account_anonymises_it_and_ends_its_sessions() {
    let app = spawn_app().await;
    let login = app.wechat_login("dev:leaving").await;
    let t = token(&login);
    let id = login["user"]["id"].as_str().unwrap().to_owned();
    let res = app.client.delete(app.url("/api/v1/me")).bearer_auth(&t).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.get_as(&t, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);

    let (name, openid, deleted): (String, Option<String>, bool) = app
        .state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            use infra::testing::schema::users::dsl as u;
            let row = u::users
                .filter(u::id.eq(&id))
                .select((u::display_name, u::openid, u::deleted_at.is_not_null()))
                .first::<(String, Option<String>, bool)>(conn)?;
            Ok::<_, infra::InfraError>(row)
        })
        .await
        .unwrap();
    assert_eq!((name.as_str(), openid, deleted), ("已注销用户", None, true));

    let again = app.wechat_login("dev:leaving").await;
    assert_ne!(again["user"]["id"], login["user"]["id"], "a new account; the old one is gone");
}

#[tokio::test]
async fn one_address_past_its_ceiling_gets_429_with_the_headers() {
    let app =
        spawn_app_with(Setup { env: vec![("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "5".into())], ..Setup::default() })
            .await;
    for _ in 0..5 {
        assert_eq!(app.get("/openapi.json").await.status(), StatusCode::OK);
    }
    let refused = app.get("/openapi.json").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["x-ratelimit-limit"], "5");
    assert!(refused.headers().get("retry-after").is_some());
    let (_, b) = body(refused).await;
    assert_eq!(b["error"]["code"], "rate_limited");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK, "health probes are exempt");
}

#[tokio::test]
async fn writes_per_user_are_limited() {
    let app =
        spawn_app_with(Setup { env: vec![("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", "3".into())], ..Setup::default() })
            .await;
    let t = token(&app.wechat_login("dev:busy").await);
    for _ in 0..3 {
        assert_eq!(
            app.post(Some(&t), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await.status(),
            StatusCode::CREATED
        );
    }
    let refused = app.post(Some(&t), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.get_as(&t, "/api/v1/me").await.status(), StatusCode::OK, "reads are not writes");
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_only() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let other = token(&app.login("admin", ADMIN_PASSWORD).await);
    let change = json!({ "current_password": ADMIN_PASSWORD, "new_password": "another-Passw0rd-9" });
    assert_eq!(app.post(Some(&admin), "/api/v1/me/password", change).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&admin, "/api/v1/me").await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&other, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_body_must_be_a_json_object() {
    let app = spawn_app().await;
    let t = token(&app.wechat_login("dev:arrays").await);
    let (status, b) =
        body(app.client.put(app.url("/api/v1/me/email")).bearer_auth(&t).json(&json!([null])).send().await.unwrap())
            .await;
    assert_eq!((status, b["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")));
    let login = app.post(None, "/api/v1/auth/login", json!(["admin", "x"])).await;
    assert_eq!(login.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let residency = app.post(Some(&t), "/api/v1/me/residency", json!([])).await;
    assert_eq!(residency.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
