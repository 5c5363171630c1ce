//! Dependencies failing for real under the running application: a Redis this test starts on a
//! free port and kills, and the database's connections ended by the server (PostgreSQL) or its
//! file held locked by another writer (SQLite). A dependency that is away answers 503 with
//! `Retry-After`, never 500, and everything works again once it is back.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yishi_tests::{spawn_app_with, Setup, TestApp};

/// A free loopback port (bound, then released for the child to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A Redis of this test's own, keeping nothing on disk.
struct OwnRedis {
    port: u16,
    child: Child,
}

impl OwnRedis {
    async fn start(port: u16) -> Self {
        let dir = std::env::temp_dir().join(format!("yishi-redis-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed to run this test");
        let redis = Self { port, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "own Redis did not start on {port}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn status_of(res: reqwest::Response) -> (StatusCode, Option<String>, Value) {
    let status = res.status();
    let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

fn session_of(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sid"].as_str().unwrap().to_owned()
}

async fn resident_token(app: &TestApp, name: &str) -> String {
    app.wechat_login(&format!("dev:{name}")).await["access_token"].as_str().unwrap().to_owned()
}

/// Item 16: Redis stopped under the application. Sessions fall through to the database, rate
/// limits count in the instance's own memory (still enforced), a logout still ends the session,
/// `/readyz` says not ready; nothing answers 500. Back up, the store is used again.
#[tokio::test]
async fn a_redis_outage_degrades_without_a_single_500() {
    let mut redis = OwnRedis::start(free_port()).await;
    let app = spawn_app_with(Setup {
        env: vec![("REDIS_URL", redis.url()), ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "40".into())],
        ..Setup::default()
    })
    .await;
    let token = resident_token(&app, "outage-a").await;
    let other = resident_token(&app, "outage-b").await;
    assert_eq!(app.get_as(&token, "/api/v1/me").await.status(), StatusCode::OK);
    let key = format!("session:{}", session_of(&token));
    assert!(app.state.store.get(&key).await.unwrap().is_some(), "positive control: the session is cached in Redis");

    redis.kill();

    // Reads and writes go on, from the database and the local limiter.
    let (status, _, me) = status_of(app.get_as(&token, "/api/v1/me").await).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (status, _, consent) =
        status_of(app.post(Some(&token), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await).await;
    assert_eq!(status, StatusCode::CREATED, "a write: {consent}");
    let (status, _, _) = status_of(app.get("/readyz").await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    // A logout during the outage ends the session at once (the database is the truth).
    assert_eq!(app.post(Some(&other), "/api/v1/auth/logout", json!({})).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(&other, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);

    // The per-address limit still holds, counted in this instance: 40 a minute in all from the
    // start of the outage (the requests above included), then 429 with Retry-After.
    let mut statuses = Vec::new();
    for _ in 0..45 {
        let (status, retry, body) = status_of(app.get_as(&token, "/api/v1/me").await).await;
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry.is_some(), "429 carries Retry-After");
        }
        statuses.push(status);
    }
    let limited = statuses.iter().position(|s| *s == StatusCode::TOO_MANY_REQUESTS).expect("the limit holds");
    assert!(statuses[..limited].iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    assert!(statuses[limited..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert!((30..=40).contains(&limited), "about 40 a minute from the outage on: {limited}");

    // Redis back on the same port: ready again, and the application uses it again — a fresh
    // session is cached there, and the limits count there (the local count is left behind).
    let _redis = OwnRedis::start(redis.port).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.get("/readyz").await.status() != StatusCode::OK {
        assert!(Instant::now() < deadline, "not ready again after Redis came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let fresh = resident_token(&app, "back-again").await;
    assert_eq!(app.get_as(&fresh, "/api/v1/me").await.status(), StatusCode::OK);
    let cached = app.state.store.get(&format!("session:{}", session_of(&fresh))).await.unwrap();
    assert!(cached.is_some(), "the session is cached in Redis again");
}

/// Item 17: the database drops the application's connections (PostgreSQL: the server ends them,
/// as a restart does, with "terminating connection due to administrator command"; SQLite: another
/// writer holds the file past the busy timeout). Requests answer 503 with Retry-After, never 500;
/// the pool does not hand out the dead connections again: the next requests succeed.
#[tokio::test]
async fn lost_database_connections_answer_503_and_the_pool_recovers() {
    let app = spawn_app_with(Setup {
        env: vec![("YISHI_DB_POOL_SIZE", "4".into()), ("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", "100000".into())],
        ..Setup::default()
    })
    .await;
    let tokens: Vec<String> = {
        let mut tokens = Vec::new();
        for n in 0..4 {
            tokens.push(resident_token(&app, &format!("pool-{n}")).await);
        }
        tokens
    };
    // Fill the pool: four requests at once hold four connections.
    let all_ok = futures_util::future::join_all(tokens.iter().map(|t| app.get_as(t, "/api/v1/me"))).await;
    assert!(all_ok.iter().all(|r| r.status() == StatusCode::OK));

    let db = app.db.as_ref().unwrap();
    match db.backend() {
        infra::Backend::Postgres => {
            let mut admin = diesel::PgConnection::establish(&infra::testing::plain_on_loopback(&db.url)).unwrap();
            admin
                .batch_execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .unwrap();
            // Every request after the cut: a 503 with Retry-After for a connection found dead,
            // else 200; then only 200s, the dead ones having been let go.
            let mut seen_503 = 0;
            for round in 0..12 {
                let answers = futures_util::future::join_all(tokens.iter().map(|t| app.get_as(t, "/api/v1/me"))).await;
                for res in answers {
                    let (status, retry, body) = status_of(res).await;
                    match status {
                        StatusCode::OK => {}
                        StatusCode::SERVICE_UNAVAILABLE => {
                            assert_eq!(body["error"]["code"], "service_unavailable");
                            assert!(retry.is_some(), "503 carries Retry-After");
                            assert!(round < 2, "dead connections handed out again in round {round}");
                            seen_503 += 1;
                        }
                        other => panic!("after the cut: {other} {body}"),
                    }
                }
            }
            assert!(seen_503 >= 1, "positive control: the cut was felt");
            assert!(seen_503 <= 4, "at most one failure per pooled connection: {seen_503}");
        }
        infra::Backend::Sqlite => {
            let path = db.url.trim_start_matches("sqlite://").to_owned();
            let (hold, release) = std::sync::mpsc::channel::<()>();
            let (held, is_held) = std::sync::mpsc::channel::<()>();
            let holder = std::thread::spawn(move || {
                let mut other = diesel::SqliteConnection::establish(&path).unwrap();
                other.batch_execute("BEGIN EXCLUSIVE").unwrap();
                held.send(()).unwrap();
                release.recv().unwrap();
                other.batch_execute("ROLLBACK").unwrap();
            });
            is_held.recv().unwrap();
            let (status, retry, body) = status_of(
                app.post(Some(&tokens[0]), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await,
            )
            .await;
            hold.send(()).unwrap();
            holder.join().unwrap();
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (StatusCode::SERVICE_UNAVAILABLE, Some("service_unavailable")),
                "{body}"
            );
            assert!(retry.is_some(), "503 carries Retry-After");
            let (status, _, body) = status_of(
                app.post(Some(&tokens[0]), "/api/v1/me/consents", json!({ "policy_version": "2026-11" })).await,
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "the lock gone, the same write goes through: {body}");
        }
    }
    let after = futures_util::future::join_all(tokens.iter().map(|t| app.get_as(t, "/api/v1/me"))).await;
    assert!(after.iter().all(|r| r.status() == StatusCode::OK));
}
