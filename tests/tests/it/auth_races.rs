//! Identity under parallel requests, sent for real and repeated: password guesses against the
//! limits, and refresh tokens raced against each other.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::{spawn_app_with, Setup, TestApp};

const ROUNDS: usize = 15;

async fn statuses(responses: Vec<reqwest::Response>) -> Vec<StatusCode> {
    responses.iter().map(reqwest::Response::status).collect()
}

fn count(statuses: &[StatusCode], wanted: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == wanted).count()
}

async fn parallel_logins(app: &TestApp, username: &str, n: usize) -> Vec<StatusCode> {
    let body = json!({ "username": username, "password": "wrong-Passw0rd-x" });
    statuses(join_all((0..n).map(|_| app.post(None, "/api/v1/auth/login", body.clone()))).await).await
}

/// Item 1: twelve wrong passwords at once cost twelve attempts: five are checked (401), seven
/// refused (429) — per account, every round, and the right password is refused too once the
/// account is locked.
#[tokio::test]
async fn parallel_password_guesses_cannot_slip_past_the_account_limit() {
    let app = spawn_app_with(Setup {
        env: vec![("YISHI_LIMIT_LOGIN_FAILURES_PER_IP", "1000000".into())],
        ..Setup::default()
    })
    .await;
    let admin = app.admin_token().await;
    let unit = app.unit(&admin, None, "county", "涟源县").await;
    for round in 0..ROUNDS {
        let name = format!("guard-{round}");
        let staff = app.staff(&admin, &name, &unit).await;
        let seen = parallel_logins(&app, &name, 12).await;
        assert_eq!(
            (count(&seen, StatusCode::UNAUTHORIZED), count(&seen, StatusCode::TOO_MANY_REQUESTS)),
            (5, 7),
            "round {round}: {seen:?}"
        );
        let right = json!({ "username": name, "password": yishi_tests::world::STAFF_PASSWORD });
        assert_eq!(app.post(None, "/api/v1/auth/login", right).await.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(!staff.id.is_empty());
    }
}

/// Item 1, per address: guesses spread over many accounts from one address stop at the
/// address's limit, in parallel too.
#[tokio::test]
async fn parallel_guesses_over_many_accounts_stop_at_the_address_limit() {
    let app = spawn_app_with(Setup {
        env: vec![
            ("YISHI_LIMIT_LOGIN_FAILURES_PER_IP", "5".into()),
            ("YISHI_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", "1000".into()),
        ],
        ..Setup::default()
    })
    .await;
    let body = |n: usize| json!({ "username": format!("nobody-{n}"), "password": "wrong-Passw0rd-x" });
    let seen = statuses(join_all((0..12).map(|n| app.post(None, "/api/v1/auth/login", body(n)))).await).await;
    assert_eq!(
        (count(&seen, StatusCode::UNAUTHORIZED), count(&seen, StatusCode::TOO_MANY_REQUESTS)),
        (5, 7),
        "{seen:?}"
    );
}

/// Item 1: the current-password check of a password change goes through the same limiter.
#[tokio::test]
async fn parallel_guesses_of_the_current_password_are_limited_too() {
    let app = spawn_app_with(Setup {
        env: vec![("YISHI_LIMIT_LOGIN_FAILURES_PER_IP", "1000000".into())],
        ..Setup::default()
    })
    .await;
    let admin = app.admin_token().await;
    let unit = app.unit(&admin, None, "county", "涟源县").await;
    for round in 0..ROUNDS {
        let staff = app.staff(&admin, &format!("changer-{round}"), &unit).await;
        let guess = json!({ "current_password": "wrong-Passw0rd-x", "new_password": "another-Passw0rd-3" });
        let seen = statuses(
            join_all((0..12).map(|_| app.post(Some(&staff.token), "/api/v1/me/password", guess.clone()))).await,
        )
        .await;
        assert_eq!(
            (count(&seen, StatusCode::UNAUTHORIZED), count(&seen, StatusCode::TOO_MANY_REQUESTS)),
            (5, 7),
            "round {round}: {seen:?}"
        );
    }
}

/// Item 2: eight parallel refreshes of one token. At most one rotates; the others find it used
/// and end the session. After the race nothing of that session works — not the first access
/// token, not one a winner was handed, not any refresh token — on every one of 30 rounds.
#[tokio::test]
async fn racing_refreshes_never_bring_a_revoked_session_back() {
    let app = spawn_app_with(Setup::default()).await;
    for round in 0..30 {
        let login = app.wechat_login(&format!("dev:racer-{round}")).await;
        let access = login["access_token"].as_str().unwrap().to_owned();
        let refresh = login["refresh_token"].as_str().unwrap().to_owned();
        assert_eq!(app.get_as(&access, "/api/v1/me").await.status(), StatusCode::OK, "positive control");

        let answers = join_all(
            (0..8).map(|_| app.post(None, "/api/v1/auth/refresh", json!({ "refresh_token": refresh.clone() }))),
        )
        .await;
        let mut winners: Vec<Value> = Vec::new();
        let mut refused = 0;
        for res in answers {
            match res.status() {
                StatusCode::OK => winners.push(res.json().await.unwrap()),
                StatusCode::UNAUTHORIZED => refused += 1,
                other => panic!("round {round}: {other}"),
            }
        }
        assert!(winners.len() <= 1 && refused >= 7, "round {round}: {} winners", winners.len());
        let mut tokens = vec![access];
        tokens.extend(winners.iter().map(|w| w["access_token"].as_str().unwrap().to_owned()));
        for token in &tokens {
            assert_eq!(
                app.get_as(token, "/api/v1/me").await.status(),
                StatusCode::UNAUTHORIZED,
                "round {round}: a token of the revoked session still works"
            );
        }
        for w in &winners {
            let again = app.post(None, "/api/v1/auth/refresh", json!({ "refresh_token": w["refresh_token"] })).await;
            assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "round {round}");
        }
    }
}
