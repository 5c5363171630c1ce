//! The end-to-end harness: the real application, built as the binary builds it, listening on a
//! free port, on a throwaway database and store prefix of the backend the environment chose
//! (see `infra::testing`), with a manual clock.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::web;
use api::{AppOptions, AppState, Application, Config};
use domain::ManualClock;
use infra::testing::{self, TestDb};

pub use infra::testing::TestDb as Db;

pub mod fake_wechat;
pub mod points;
pub mod smtp_sink;
pub mod world;

/// A running application and what a test needs to talk to it and look behind it.
pub struct TestApp {
    pub base: String,
    pub metrics_base: Option<String>,
    pub client: reqwest::Client,
    pub state: web::Data<AppState>,
    pub clock: ManualClock,
    pub handle: ServerHandle,
    pub database_url: String,
    pub redis_prefix: String,
    /// Kept so the database outlives the server; dropped last.
    pub db: Option<TestDb>,
}

/// How to vary the application a test starts.
#[derive(Default)]
pub struct Setup {
    /// Environment variables over the test defaults.
    pub env: Vec<(&'static str, String)>,
    /// Extra routes (probes of cross-cutting behaviour).
    pub extra_routes: Option<fn(&mut web::ServiceConfig)>,
    /// Do not create a test database (the test points `DATABASE_URL` elsewhere).
    pub no_database: bool,
    /// Run as a second instance of this application: same database, same store.
    pub instance_of: Option<Shared>,
}

/// What a second instance shares with the first.
#[derive(Clone)]
pub struct Shared {
    pub database_url: String,
    pub store: infra::store::Store,
    pub redis_prefix: String,
    pub media_dir: String,
}

/// The bootstrap administrator's first password in tests.
pub const BOOTSTRAP_PASSWORD: &str = "bootstrap-Passw0rd";
/// What tests change it to.
pub const ADMIN_PASSWORD: &str = "village-Passw0rd-2026";

impl TestApp {
    /// How many audit entries record `action` on `object_id`.
    pub async fn audited(&self, action: &str, object_id: &str) -> i64 {
        use diesel::prelude::*;
        use infra::testing::schema::audit_log::dsl as a;
        let (action, object_id) = (action.to_owned(), object_id.to_owned());
        self.state
            .db
            .run(move |conn| {
                a::audit_log
                    .filter(a::action.eq(action))
                    .filter(a::object_id.eq(object_id))
                    .count()
                    .get_result(conn)
                    .map_err(infra::InfraError::from)
            })
            .await
            .unwrap_or_else(|e| panic!("reading the audit log: {e}"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// GET with a bearer token.
    pub async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// POST JSON, with a bearer token when given.
    pub async fn post(&self, token: Option<&str>, path: &str, body: serde_json::Value) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// PUT JSON with a bearer token.
    pub async fn put(&self, token: &str, path: &str, body: serde_json::Value) -> reqwest::Response {
        let request = self.client.put(self.url(path)).json(&body).bearer_auth(token);
        request.send().await.unwrap_or_else(|e| panic!("PUT {path}: {e}"))
    }

    /// Uploads a photo or voice note as `wx.uploadFile` sends it (multipart: `kind`, `file`).
    pub async fn upload(
        &self,
        token: &str,
        kind: &str,
        filename: &str,
        bytes: &[u8],
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let boundary = "----yishi-test-boundary";
        let mut payload = Vec::new();
        payload.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n").as_bytes(),
        );
        payload.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        payload.extend_from_slice(bytes);
        payload.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let res = self
            .client
            .post(self.url("/api/v1/media"))
            .bearer_auth(token)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(payload)
            .send()
            .await
            .unwrap_or_else(|e| panic!("upload: {e}"));
        body(res).await
    }

    /// What a second instance needs to share this one's database and store.
    pub fn shared(&self) -> Shared {
        Shared {
            database_url: self.database_url.clone(),
            store: self.state.store.clone(),
            redis_prefix: self.redis_prefix.clone(),
            media_dir: self.state.config.media_dir.display().to_string(),
        }
    }

    /// Logs in with a password; panics unless it succeeds. Returns the login answer.
    pub async fn login(&self, username: &str, password: &str) -> serde_json::Value {
        let res = self
            .post(None, "/api/v1/auth/login", serde_json::json!({ "username": username, "password": password }))
            .await;
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        assert_eq!(status, reqwest::StatusCode::OK, "login {username}: {body}");
        body
    }

    /// An access token of the bootstrap administrator, its password changed.
    pub async fn admin_token(&self) -> String {
        let first = self.login("admin", BOOTSTRAP_PASSWORD).await;
        let token = first["access_token"].as_str().unwrap_or_default().to_owned();
        let res = self
            .post(
                Some(&token),
                "/api/v1/me/password",
                serde_json::json!({ "current_password": BOOTSTRAP_PASSWORD, "new_password": ADMIN_PASSWORD }),
            )
            .await;
        assert_eq!(res.status(), reqwest::StatusCode::OK, "admin password change");
        token
    }

    /// Logs a resident in through WeChat (`dev:<name>` on the development WeChat).
    pub async fn wechat_login(&self, code: &str) -> serde_json::Value {
        let res = self.post(None, "/api/v1/auth/wechat/login", serde_json::json!({ "code": code })).await;
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        assert_eq!(status, reqwest::StatusCode::OK, "wechat login {code}: {body}");
        body
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting at once; the database is dropped after.
        drop(self.handle.stop(false));
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Setup::default()).await
}

/// Starts the application.
///
/// # Panics
/// When it cannot start: the test fails there.
pub async fn spawn_app_with(setup: Setup) -> TestApp {
    let shared = setup.instance_of.clone();
    let db = if setup.no_database || shared.is_some() { None } else { Some(TestDb::create()) };
    let mut env: HashMap<&str, String> = HashMap::new();
    env.insert("YISHI_BIND", "127.0.0.1:0".into());
    env.insert("YISHI_METRICS_BIND", "127.0.0.1:0".into());
    env.insert("YISHI_BOOTSTRAP_ADMIN_PASSWORD", BOOTSTRAP_PASSWORD.into());
    env.insert("YISHI_DEMO_DATA", "off".into());
    env.insert("YISHI_REDIS_PREFIX", shared.as_ref().map_or_else(testing::store_prefix, |s| s.redis_prefix.clone()));
    if let Some(db) = &db {
        env.insert("DATABASE_URL", db.url.clone());
    }
    if let Some(shared) = &shared {
        env.insert("DATABASE_URL", shared.database_url.clone());
    }
    let media_dir = shared.as_ref().map_or_else(
        || std::env::temp_dir().join("yishi-media").join(domain::new_id()).display().to_string(),
        |s| s.media_dir.clone(),
    );
    env.insert("YISHI_MEDIA_DIR", media_dir);
    if let Some(redis) = testing::redis_url() {
        env.insert("REDIS_URL", redis);
    }
    for (name, value) in setup.env {
        env.insert(name, value);
    }
    let config = Config::from_lookup(|name| env.get(name).cloned()).unwrap_or_else(|e| panic!("test config: {e}"));
    let database_url = config.database_url.clone();
    let redis_prefix = config.redis_prefix.clone();
    let clock = ManualClock::starting_at(chrono::Utc::now());
    let options = AppOptions {
        clock: Arc::new(clock.clone()),
        run_jobs: false,
        workers: Some(2),
        extra_routes: setup.extra_routes,
        store: shared.as_ref().map(|s| s.store.clone()),
    };
    let app = Application::build(config, options).await.unwrap_or_else(|e| panic!("application failed to start: {e}"));
    let base = format!("http://127.0.0.1:{}", app.port());
    let metrics_base = app.metrics_port().map(|p| format!("http://127.0.0.1:{p}"));
    let state = app.state();
    let handle = app.server_handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    TestApp { base, metrics_base, client, state, clock, handle, database_url, redis_prefix, db }
}

/// Which backends this run uses, for test names in logs.
pub fn backend_label() -> String {
    let db = if std::env::var(testing::DATABASE_ENV).is_ok() { "postgres" } else { "sqlite" };
    let store = if testing::redis_url().is_some() { "redis" } else { "memory" };
    format!("{db}+{store}")
}

/// Asserts a 422 `validation_failed` that names `field` as the one that failed.
///
/// # Panics
/// When the answer is anything else.
pub async fn assert_invalid_field(res: reqwest::Response, field: &str) {
    let status = res.status();
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "validation_failed", "{body}");
    assert_eq!(body["error"]["details"]["field"], field, "the failing field is named: {body}");
}

/// A response's status and JSON body (`null` when it has none).
pub async fn body(res: reqwest::Response) -> (reqwest::StatusCode, serde_json::Value) {
    let status = res.status();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// The `id` of a JSON object, or "".
pub fn id(v: &serde_json::Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}
