//! A local stand-in for WeChat's server API, speaking its documented JSON: `jscode2session`,
//! `stable_token`, `getuserphonenumber`, `subscribeMessage.send`, `msg_sec_check` (version 2) and `wxacode.getUnlimited`,
//! with scripted errors and call counters.
#![allow(
    clippy::disallowed_types,
    reason = "a fake of WeChat's server, not our API: actix's extractors are right here"
)]

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use serde::Deserialize;
use serde_json::json;

pub const APPID: &str = "wx-test-app";
pub const SECRET: &str = "wx-test-secret";

#[derive(Default)]
pub struct FakeState {
    pub stable_token_calls: AtomicUsize,
    pub login_calls: AtomicUsize,
    pub phone_calls: AtomicUsize,
    /// Errcodes the next `jscode2session` calls answer with, in order.
    pub login_errors: Mutex<VecDeque<i64>>,
    /// Tokens WeChat no longer accepts (answered with 40001).
    pub expired: Mutex<HashSet<String>>,
    pub issued: Mutex<Vec<String>>,
    /// What the next `subscribeMessage.send` calls answer: an errcode, or 500 for an HTTP error.
    pub send_script: Mutex<VecDeque<i64>>,
    /// Every send attempt's body, and the bodies of those that were accepted.
    pub send_attempts: Mutex<Vec<serde_json::Value>>,
    pub sent: Mutex<Vec<serde_json::Value>>,
    /// How long a send waits before answering (to kill a dispatcher mid-send).
    pub send_delay_ms: std::sync::atomic::AtomicU64,
    /// What the next `msg_sec_check` calls answer: an errcode, or 500 for an HTTP error.
    pub sec_script: Mutex<VecDeque<i64>>,
    /// How long `msg_sec_check` waits before answering (a WeChat too slow to wait for).
    pub sec_delay_ms: std::sync::atomic::AtomicU64,
    /// Every `msg_sec_check` body received.
    pub sec_checks: Mutex<Vec<serde_json::Value>>,
    /// `wxacode.getUnlimited` calls, and the errcodes the next ones answer with, in order.
    pub code_calls: AtomicUsize,
    pub code_script: Mutex<VecDeque<i64>>,
    /// Every `wxacode.getUnlimited` body received.
    pub code_requests: Mutex<Vec<serde_json::Value>>,
}

pub struct FakeWeChat {
    pub base: String,
    pub state: Arc<FakeState>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for FakeWeChat {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl FakeWeChat {
    pub fn script_login_errors(&self, codes: &[i64]) {
        self.state.login_errors.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(codes);
    }

    pub fn expire_current_token(&self) {
        let issued = self.state.issued.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        self.state.expired.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(issued);
    }

    /// Scripts the next send answers: an errcode, or 500 for an HTTP 500.
    pub fn script_sends(&self, answers: &[i64]) {
        self.state.send_script.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(answers);
    }

    /// The accepted subscribe messages.
    pub fn sent(&self) -> Vec<serde_json::Value> {
        self.state.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub fn send_attempts(&self) -> usize {
        self.state.send_attempts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    /// Scripts the next `msg_sec_check` answers: an errcode, or 500 for an HTTP 500.
    pub fn script_sec_checks(&self, answers: &[i64]) {
        self.state.sec_script.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(answers);
    }

    /// The bodies `msg_sec_check` received.
    pub fn sec_checks(&self) -> Vec<serde_json::Value> {
        self.state.sec_checks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Scripts the next `wxacode.getUnlimited` answers: an errcode each.
    pub fn script_codes(&self, answers: &[i64]) {
        self.state.code_script.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(answers);
    }

    /// How many `wxacode.getUnlimited` calls arrived.
    pub fn code_calls(&self) -> usize {
        self.state.code_calls.load(Ordering::SeqCst)
    }

    /// The bodies `wxacode.getUnlimited` received.
    pub fn code_requests(&self) -> Vec<serde_json::Value> {
        self.state.code_requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub fn stable_token_calls(&self) -> usize {
        self.state.stable_token_calls.load(Ordering::SeqCst)
    }

    /// The environment that points an application at this fake.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![("WECHAT_APPID", APPID.into()), ("WECHAT_SECRET", SECRET.into()), ("WECHAT_API_BASE", self.base.clone())]
    }
}

#[derive(Deserialize)]
struct LoginQuery {
    appid: String,
    secret: String,
    js_code: String,
    grant_type: String,
}

#[derive(Deserialize)]
struct TokenQuery {
    access_token: String,
}

fn error(code: i64, message: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "errcode": code, "errmsg": message }))
}

async fn jscode2session(state: web::Data<FakeState>, query: web::Query<LoginQuery>) -> HttpResponse {
    state.login_calls.fetch_add(1, Ordering::SeqCst);
    if query.appid != APPID || query.secret != SECRET || query.grant_type != "authorization_code" {
        return error(40013, "invalid appid");
    }
    let scripted = state.login_errors.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop_front();
    if let Some(code) = scripted {
        return error(code, "scripted");
    }
    match query.js_code.strip_prefix("c:") {
        Some(name) => HttpResponse::Ok().json(json!({
            "openid": format!("o-{name}"),
            "session_key": "SESSION-KEY-MUST-NOT-LEAK",
            "unionid": format!("u-{name}"),
        })),
        None => error(40029, "invalid code"),
    }
}

async fn stable_token(state: web::Data<FakeState>, body: web::Json<serde_json::Value>) -> HttpResponse {
    let n = state.stable_token_calls.fetch_add(1, Ordering::SeqCst) + 1;
    if body["appid"] != APPID || body["secret"] != SECRET || body["grant_type"] != "client_credential" {
        return error(40013, "invalid appid");
    }
    // Slow enough that racing instances would all call, were they not coordinated.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let token = format!("ACCESS-TOKEN-{n}");
    state.issued.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(token.clone());
    HttpResponse::Ok().json(json!({ "access_token": token, "expires_in": 7200 }))
}

async fn phone_number(
    state: web::Data<FakeState>,
    query: web::Query<TokenQuery>,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    state.phone_calls.fetch_add(1, Ordering::SeqCst);
    let known = state.issued.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&query.access_token);
    let expired = state.expired.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&query.access_token);
    if !known || expired {
        return error(40001, "invalid credential, access_token is invalid or not latest");
    }
    match body["code"].as_str().and_then(|c| c.strip_prefix("p:")) {
        Some(phone) => HttpResponse::Ok().json(json!({
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": format!("+86{phone}"),
                "purePhoneNumber": phone,
                "countryCode": "86",
                "watermark": { "timestamp": 1_700_000_000, "appid": APPID }
            }
        })),
        None => error(40029, "invalid code"),
    }
}

async fn subscribe_send(
    state: web::Data<FakeState>,
    query: web::Query<TokenQuery>,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    let body = body.into_inner();
    let delay = state.send_delay_ms.load(Ordering::SeqCst);
    state.send_attempts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(body.clone());
    let known = state.issued.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&query.access_token);
    let expired = state.expired.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&query.access_token);
    if !known || expired {
        return error(40001, "invalid credential");
    }
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let scripted = state.send_script.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop_front();
    match scripted {
        Some(500) => HttpResponse::InternalServerError().body("upstream exploded"),
        Some(code) => error(code, "scripted"),
        None if body["touser"].as_str().is_some_and(|t| t.starts_with("o-")) && body["template_id"].is_string() => {
            state.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(body);
            error(0, "ok")
        }
        None => error(47003, "argument invalid"),
    }
}

/// Text containing this is judged risky by the fake's content check.
pub const RISKY: &str = "赌博网站";
/// Text containing this is judged doubtful (review) by the fake's content check.
pub const REVIEW: &str = "私下交易";

/// `msg_sec_check` version 2: `{content, version: 2, scene, openid}` in, `{errcode, errmsg,
/// result: {suggest, label}, detail: [...], trace_id}` out.
async fn msg_sec_check(
    state: web::Data<FakeState>,
    query: web::Query<TokenQuery>,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    let body = body.into_inner();
    state.sec_checks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(body.clone());
    let delay = state.sec_delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let known = state.issued.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&query.access_token);
    let expired = state.expired.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&query.access_token);
    if !known || expired {
        return error(40001, "invalid credential, access_token is invalid or not latest");
    }
    match state.sec_script.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop_front() {
        Some(500) => return HttpResponse::InternalServerError().body("upstream exploded"),
        Some(code) => return error(code, "scripted"),
        None => {}
    }
    let valid = body["version"] == 2
        && body["scene"].as_i64().is_some_and(|s| (1..=4).contains(&s))
        && body["openid"].as_str().is_some_and(|o| o.starts_with("o-"))
        && body["content"].is_string();
    if !valid {
        return error(47001, "data format error");
    }
    let content = body["content"].as_str().unwrap_or_default();
    let (suggest, label) = if content.contains(RISKY) {
        ("risky", 20006)
    } else if content.contains(REVIEW) {
        ("review", 21000)
    } else {
        ("pass", 100)
    };
    HttpResponse::Ok().json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "result": { "suggest": suggest, "label": label },
        "detail": [{ "strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90 }],
        "trace_id": "fake-trace",
    }))
}

/// The image the fake's `wxacode.getUnlimited` answers with: a 1×1 PNG.
pub const CODE_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// `wxacode.getUnlimited` (`POST /wxa/getwxacodeunlimit`): `{scene, page, check_path, width…}`
/// in; on success the image itself with an `image/*` content type, on failure JSON `{errcode,
/// errmsg}` (a scene over 32 characters is 40169).
async fn unlimited_code(
    state: web::Data<FakeState>,
    query: web::Query<TokenQuery>,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    let body = body.into_inner();
    state.code_calls.fetch_add(1, Ordering::SeqCst);
    state.code_requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(body.clone());
    let known = state.issued.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&query.access_token);
    let expired = state.expired.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&query.access_token);
    if !known || expired {
        return error(40001, "invalid credential, access_token is invalid or not latest");
    }
    if let Some(code) = state.code_script.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop_front() {
        return error(code, "scripted");
    }
    match body["scene"].as_str() {
        Some(scene) if !scene.is_empty() && scene.len() <= 32 => {
            HttpResponse::Ok().content_type("image/png").body(CODE_PNG)
        }
        _ => error(40169, "invalid length for scene"),
    }
}

/// Starts the fake on a free port.
///
/// # Panics
/// When it cannot listen.
pub async fn start() -> FakeWeChat {
    let state = Arc::new(FakeState::default());
    let data = web::Data::from(state.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("fake WeChat: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/sns/jscode2session", web::get().to(jscode2session))
            .route("/cgi-bin/stable_token", web::post().to(stable_token))
            .route("/wxa/business/getuserphonenumber", web::post().to(phone_number))
            .route("/cgi-bin/message/subscribe/send", web::post().to(subscribe_send))
            .route("/wxa/msg_sec_check", web::post().to(msg_sec_check))
            .route("/wxa/getwxacodeunlimit", web::post().to(unlimited_code))
    })
    .workers(2)
    .disable_signals()
    .listen(listener)
    .unwrap_or_else(|e| panic!("fake WeChat: {e}"))
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    FakeWeChat { base: format!("http://127.0.0.1:{port}"), state, handle }
}
