//! WeChat's server API for the mini-program: `jscode2session` (login), `stable_token` (the
//! access token) and `getuserphonenumber` (phone binding), against a configurable base URL.
//!
//! The access token is shared by every instance through the store: cached until shortly before
//! it expires, and fetched by one instance at a time under a store lock — token races between
//! instances are the commonest complaint against WeChat SDKs. `session_key` is never kept: it is
//! not even deserialised.
//!
//! Without an app id the development WeChat answers: a login code `dev:<name>` stands for the
//! resident `<name>`, a phone code `dev:<11 digits>` for that number.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use crate::http::{redact_error, redact_url};
use crate::store::{Store, StoreLock};
use crate::InfraError;

const TOKEN_KEY: &str = "wechat:access_token";
const TOKEN_LOCK: &str = "wechat:access_token";
/// Refresh this long before WeChat's expiry, so no request carries a token about to die.
const TOKEN_MARGIN_SECS: u64 = 300;

/// What WeChat said, in the terms the API answers in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeChatError {
    /// 40029 / 40163: the code is invalid or already used.
    #[error("invalid or used code ({0})")]
    InvalidCode(i64),
    /// 45011: too many calls; retry later.
    #[error("rate limited by WeChat")]
    RateLimited,
    /// 40226: WeChat flags the user as high-risk.
    #[error("high-risk user")]
    HighRisk,
    /// -1 twice, or WeChat unreachable.
    #[error("WeChat busy or unreachable: {0}")]
    Unavailable(String),
    /// Any other answer.
    #[error("WeChat error {code}: {message}")]
    Other { code: i64, message: String },
}

/// The identity `jscode2session` gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeChatIdentity {
    pub openid: String,
    pub unionid: Option<String>,
}

#[derive(Debug, Clone)]
pub struct WeChatApp {
    pub appid: String,
    pub secret: SecretString,
    pub base: Url,
}

/// The WeChat the server talks to.
#[derive(Debug, Clone)]
pub enum WeChat {
    Development,
    Real(RealWeChat),
}

impl WeChat {
    pub fn new(app: Option<WeChatApp>, store: Store) -> Result<Self, InfraError> {
        match app {
            None => Ok(Self::Development),
            Some(app) => Ok(Self::Real(RealWeChat {
                client: crate::http::client(crate::http::ClientTimeouts::default())?,
                app,
                store,
                busy_retry: Duration::from_millis(300),
            })),
        }
    }

    pub fn is_development(&self) -> bool {
        matches!(self, Self::Development)
    }

    pub async fn login(&self, code: &str) -> Result<WeChatIdentity, WeChatError> {
        match self {
            Self::Development => Ok(WeChatIdentity { openid: dev_openid(dev_code(code)?), unionid: None }),
            Self::Real(real) => real.login(code).await,
        }
    }

    /// Sends a subscribe message (`subscribeMessage.send`).
    pub async fn send_subscribe(&self, message: &SubscribeMessage) -> Result<Sent, WeChatError> {
        match self {
            Self::Development => {
                tracing::info!(template = %message.template_id, page = %message.page, "development WeChat: subscribe message not sent");
                Ok(Sent::Delivered)
            }
            Self::Real(real) => real.send_subscribe(message).await,
        }
    }

    /// WeChat's content check (`msg_sec_check`, version 2) of `content` written by the user
    /// `openid` in `scene`. The development WeChat passes everything.
    pub async fn msg_sec_check(&self, openid: &str, scene: Scene, content: &str) -> Result<Suggest, WeChatError> {
        match self {
            Self::Development => Ok(Suggest::Pass),
            Self::Real(real) => real.msg_sec_check(openid, scene, content).await,
        }
    }

    /// A mini-program code (`wxacode.getUnlimited`) opening `page` with `scene`: the image's
    /// content type and bytes. The development WeChat draws a plain placeholder PNG.
    pub async fn unlimited_code(&self, scene: &str, page: &str) -> Result<(String, Vec<u8>), WeChatError> {
        match self {
            Self::Development => placeholder_code(scene).map(|png| ("image/png".to_owned(), png)),
            Self::Real(real) => real.unlimited_code(scene, page).await,
        }
    }

    /// The phone number a `getPhoneNumber` code stands for.
    pub async fn phone_number(&self, code: &str) -> Result<String, WeChatError> {
        match self {
            Self::Development => dev_code(code).map(str::to_owned),
            Self::Real(real) => real.phone_number(code).await,
        }
    }
}

/// The openid the development WeChat gives the resident `name` (the demo data uses it, so
/// `dev:<name>` logs in as that demo resident).
pub fn dev_openid(name: &str) -> String {
    format!("dev-{}", hex::encode(&Sha256::digest(name.as_bytes())[..12]))
}

/// The development WeChat's stand-in for a mini-program code: a 43×43 PNG whose dark squares
/// follow the scene's hash (not scannable; something to look at).
fn placeholder_code(scene: &str) -> Result<Vec<u8>, WeChatError> {
    let hash = Sha256::digest(scene.as_bytes());
    let image = image::GrayImage::from_fn(43, 43, |x, y| {
        let bit = (x / 5 + (y / 5) * 9) as usize;
        let dark = hash.get(bit / 8 % 32).is_some_and(|b| b >> (bit % 8) & 1 == 1);
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| WeChatError::Other { code: 0, message: format!("placeholder: {e}") })?;
    Ok(png)
}

/// A subscribe message to send.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SubscribeMessage {
    pub touser: String,
    pub template_id: String,
    /// The mini-program page the message opens; carries the delivery key.
    pub page: String,
    pub data: serde_json::Map<String, serde_json::Value>,
    pub miniprogram_state: &'static str,
    pub lang: &'static str,
}

/// What WeChat did with a subscribe message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Delivered,
    /// 43101: the user refused (or used up) the subscription.
    Refused,
}

/// Where a text checked by `msg_sec_check` appears (WeChat's scene numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    /// 1: a profile.
    Profile = 1,
    /// 2: a comment (an opinion on a matter).
    Comment = 2,
    /// 3: a forum post (a matter).
    Forum = 3,
    /// 4: a social log.
    SocialLog = 4,
}

/// `msg_sec_check`'s overall verdict (`result.suggest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suggest {
    Pass,
    Review,
    Risky,
}

/// The most characters `msg_sec_check` takes at once.
const SEC_CHECK_MAX_CHARS: usize = 2500;

fn dev_code(code: &str) -> Result<&str, WeChatError> {
    code.strip_prefix("dev:").filter(|rest| !rest.trim().is_empty()).ok_or(WeChatError::InvalidCode(40029))
}

#[derive(Debug, Clone)]
pub struct RealWeChat {
    client: reqwest::Client,
    app: WeChatApp,
    store: Store,
    busy_retry: Duration,
}

/// Every WeChat answer carries `errcode`/`errmsg` on failure; the rest depends on the call.
#[derive(Debug, Deserialize)]
struct Answer<T> {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(flatten)]
    body: T,
}

#[derive(Debug, Deserialize)]
struct SessionBody {
    openid: Option<String>,
    unionid: Option<String>,
    // session_key is deliberately absent: it is neither kept nor logged.
}

#[derive(Debug, Deserialize)]
struct TokenBody {
    access_token: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct PhoneBody {
    phone_info: Option<PhoneInfo>,
}

#[derive(Debug, Deserialize)]
struct SecCheckBody {
    result: Option<SecCheckResult>,
}

#[derive(Debug, Deserialize)]
struct SecCheckResult {
    suggest: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhoneInfo {
    phone_number: Option<String>,
    pure_phone_number: Option<String>,
}

fn classify(code: i64, message: &str) -> WeChatError {
    match code {
        40029 | 40163 => WeChatError::InvalidCode(code),
        45011 => WeChatError::RateLimited,
        40226 => WeChatError::HighRisk,
        -1 => WeChatError::Unavailable("system busy (-1)".into()),
        _ => WeChatError::Other { code, message: message.chars().take(200).collect() },
    }
}

/// Errcodes meaning the access token is invalid or expired.
fn token_expired(code: i64) -> bool {
    matches!(code, 40001 | 40014 | 42001)
}

impl RealWeChat {
    fn url(&self, path: &str) -> Result<Url, WeChatError> {
        self.app.base.join(path).map_err(|e| WeChatError::Unavailable(format!("bad WeChat base URL: {e}")))
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        request: reqwest::RequestBuilder,
        url: &Url,
    ) -> Result<Answer<T>, WeChatError> {
        let response = request.send().await.map_err(|e| {
            let shown = redact_error(e);
            tracing::warn!(url = %redact_url(url), error = %shown, "WeChat unreachable");
            WeChatError::Unavailable(shown)
        })?;
        let status = response.status();
        if !status.is_success() {
            tracing::warn!(url = %redact_url(url), %status, "WeChat answered with an HTTP error");
            return Err(WeChatError::Unavailable(format!("HTTP {status}")));
        }
        response
            .json::<Answer<T>>()
            .await
            .map_err(|e| WeChatError::Unavailable(format!("unreadable answer: {}", redact_error(e))))
    }

    async fn login(&self, code: &str) -> Result<WeChatIdentity, WeChatError> {
        let mut url = self.url("/sns/jscode2session")?;
        url.query_pairs_mut()
            .append_pair("appid", &self.app.appid)
            .append_pair("secret", self.app.secret.expose_secret())
            .append_pair("js_code", code)
            .append_pair("grant_type", "authorization_code");
        // -1 means "busy, try again": once, after a short pause.
        for attempt in 0..2 {
            let answer: Answer<SessionBody> = self.send(self.client.get(url.clone()), &url).await?;
            match (answer.errcode, answer.body.openid) {
                (0, Some(openid)) => return Ok(WeChatIdentity { openid, unionid: answer.body.unionid }),
                (0, None) => return Err(WeChatError::Other { code: 0, message: "no openid".into() }),
                (-1, _) if attempt == 0 => tokio::time::sleep(self.busy_retry).await,
                (code, _) => return Err(classify(code, &answer.errmsg)),
            }
        }
        Err(classify(-1, "busy"))
    }

    async fn phone_number(&self, code: &str) -> Result<String, WeChatError> {
        let mut token = self.access_token(false).await?;
        for attempt in 0..2 {
            let mut url = self.url("/wxa/business/getuserphonenumber")?;
            url.query_pairs_mut().append_pair("access_token", &token);
            let request = self.client.post(url.clone()).json(&serde_json::json!({ "code": code }));
            let answer: Answer<PhoneBody> = self.send(request, &url).await?;
            if token_expired(answer.errcode) && attempt == 0 {
                self.forget_token(&token).await;
                token = self.access_token(true).await?;
                continue;
            }
            if answer.errcode != 0 {
                return Err(classify(answer.errcode, &answer.errmsg));
            }
            let info = answer
                .body
                .phone_info
                .ok_or_else(|| WeChatError::Other { code: 0, message: "no phone_info".into() })?;
            return info
                .pure_phone_number
                .or(info.phone_number)
                .ok_or_else(|| WeChatError::Other { code: 0, message: "no phone number".into() });
        }
        Err(WeChatError::Other { code: 40001, message: "access token refused twice".into() })
    }

    async fn send_subscribe(&self, message: &SubscribeMessage) -> Result<Sent, WeChatError> {
        let mut token = self.access_token(false).await?;
        for attempt in 0..2 {
            let mut url = self.url("/cgi-bin/message/subscribe/send")?;
            url.query_pairs_mut().append_pair("access_token", &token);
            let answer: Answer<serde_json::Value> =
                self.send(self.client.post(url.clone()).json(message), &url).await?;
            match answer.errcode {
                0 => return Ok(Sent::Delivered),
                43101 => return Ok(Sent::Refused),
                code if token_expired(code) && attempt == 0 => {
                    self.forget_token(&token).await;
                    token = self.access_token(true).await?;
                }
                code => return Err(classify(code, &answer.errmsg)),
            }
        }
        Err(WeChatError::Other { code: 40001, message: "access token refused twice".into() })
    }

    async fn msg_sec_check(&self, openid: &str, scene: Scene, content: &str) -> Result<Suggest, WeChatError> {
        let content: String = content.chars().take(SEC_CHECK_MAX_CHARS).collect();
        let body = serde_json::json!({ "content": content, "version": 2, "scene": scene as u8, "openid": openid });
        let mut token = self.access_token(false).await?;
        for attempt in 0..2 {
            let mut url = self.url("/wxa/msg_sec_check")?;
            url.query_pairs_mut().append_pair("access_token", &token);
            let answer: Answer<SecCheckBody> = self.send(self.client.post(url.clone()).json(&body), &url).await?;
            match answer.errcode {
                0 => {}
                code if token_expired(code) && attempt == 0 => {
                    self.forget_token(&token).await;
                    token = self.access_token(true).await?;
                    continue;
                }
                code => return Err(classify(code, &answer.errmsg)),
            }
            return match answer.body.result.and_then(|r| r.suggest).as_deref() {
                Some("pass") => Ok(Suggest::Pass),
                Some("review") => Ok(Suggest::Review),
                Some("risky") => Ok(Suggest::Risky),
                other => Err(WeChatError::Other { code: 0, message: format!("unknown suggest {other:?}") }),
            };
        }
        Err(WeChatError::Other { code: 40001, message: "access token refused twice".into() })
    }

    /// `POST /wxa/getwxacodeunlimit`: the image itself on success (an `image/*` content type),
    /// JSON `{errcode, errmsg}` on failure.
    async fn unlimited_code(&self, scene: &str, page: &str) -> Result<(String, Vec<u8>), WeChatError> {
        let body = serde_json::json!({ "scene": scene, "page": page, "check_path": false, "width": 430 });
        let mut token = self.access_token(false).await?;
        for attempt in 0..2 {
            let mut url = self.url("/wxa/getwxacodeunlimit")?;
            url.query_pairs_mut().append_pair("access_token", &token);
            let response = self.client.post(url.clone()).json(&body).send().await.map_err(|e| {
                let shown = redact_error(e);
                tracing::warn!(url = %redact_url(&url), error = %shown, "WeChat unreachable");
                WeChatError::Unavailable(shown)
            })?;
            let status = response.status();
            if !status.is_success() {
                tracing::warn!(url = %redact_url(&url), %status, "WeChat answered with an HTTP error");
                return Err(WeChatError::Unavailable(format!("HTTP {status}")));
            }
            let mime = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| WeChatError::Unavailable(format!("unreadable answer: {}", redact_error(e))))?;
            if mime.starts_with("image/") {
                return Ok((mime, bytes.to_vec()));
            }
            let answer: Answer<serde_json::Value> = serde_json::from_slice(&bytes)
                .map_err(|_| WeChatError::Unavailable("neither an image nor an error".into()))?;
            match answer.errcode {
                code if token_expired(code) && attempt == 0 => {
                    self.forget_token(&token).await;
                    token = self.access_token(true).await?;
                }
                0 => return Err(WeChatError::Other { code: 0, message: "no image".into() }),
                code => return Err(classify(code, &answer.errmsg)),
            }
        }
        Err(WeChatError::Other { code: 40001, message: "access token refused twice".into() })
    }

    async fn forget_token(&self, bad: &str) {
        if let Err(error) = self.store.delete_if_equals(TOKEN_KEY, bad).await {
            tracing::warn!(%error, "could not drop the stale WeChat token");
        }
    }

    /// The shared access token: from the store, or fetched by the one instance holding the lock
    /// while the others wait for it.
    async fn access_token(&self, force: bool) -> Result<String, WeChatError> {
        let store_error = |e: InfraError| WeChatError::Unavailable(format!("store: {e}"));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
        loop {
            if let Some(token) = self.store.get(TOKEN_KEY).await.map_err(store_error)? {
                return Ok(token);
            }
            if let Some(lock) =
                StoreLock::try_acquire(&self.store, TOKEN_LOCK, Duration::from_secs(10)).await.map_err(store_error)?
            {
                // Someone may have stored it between our read and our lock.
                let cached = self.store.get(TOKEN_KEY).await.map_err(store_error)?;
                let result = match cached {
                    Some(token) => Ok(token),
                    None => self.fetch_token(force).await,
                };
                if let Err(error) = lock.release().await {
                    tracing::warn!(%error, "could not release the WeChat token lock");
                }
                return result;
            }
            if tokio::time::Instant::now() > deadline {
                return Err(WeChatError::Unavailable("timed out waiting for the access token".into()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn fetch_token(&self, force: bool) -> Result<String, WeChatError> {
        let url = self.url("/cgi-bin/stable_token")?;
        let body = serde_json::json!({
            "grant_type": "client_credential",
            "appid": self.app.appid,
            "secret": self.app.secret.expose_secret(),
            "force_refresh": force,
        });
        let answer: Answer<TokenBody> = self.send(self.client.post(url.clone()).json(&body), &url).await?;
        if answer.errcode != 0 {
            return Err(classify(answer.errcode, &answer.errmsg));
        }
        let token = answer
            .body
            .access_token
            .ok_or_else(|| WeChatError::Other { code: 0, message: "no access_token".into() })?;
        let lifetime = answer.body.expires_in.unwrap_or(7200).saturating_sub(TOKEN_MARGIN_SECS).max(60);
        self.store
            .set(TOKEN_KEY, &token, Duration::from_secs(lifetime))
            .await
            .map_err(|e| WeChatError::Unavailable(format!("store: {e}")))?;
        tracing::info!(expires_in = lifetime, "WeChat access token refreshed");
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errcodes_map_to_their_meaning() {
        assert_eq!(classify(40029, ""), WeChatError::InvalidCode(40029));
        assert_eq!(classify(40163, ""), WeChatError::InvalidCode(40163));
        assert_eq!(classify(45011, ""), WeChatError::RateLimited);
        assert_eq!(classify(40226, ""), WeChatError::HighRisk);
        assert!(matches!(classify(-1, ""), WeChatError::Unavailable(_)));
        assert!(token_expired(40001) && token_expired(40014) && token_expired(42001) && !token_expired(40029));
    }

    #[test]
    fn content_check_scenes_are_wechats_numbers() {
        assert_eq!([Scene::Profile, Scene::Comment, Scene::Forum, Scene::SocialLog].map(|s| s as u8), [1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn the_development_wechat_passes_all_text() {
        let verdict = WeChat::Development.msg_sec_check("dev-x", Scene::Comment, "任何内容").await;
        assert_eq!(verdict, Ok(Suggest::Pass));
    }

    #[tokio::test]
    async fn the_development_wechat_knows_residents_by_name() {
        let dev = WeChat::Development;
        let a = dev.login("dev:alice").await;
        assert_eq!(a, dev.login("dev:alice").await);
        assert_ne!(a, dev.login("dev:bob").await);
        assert_eq!(dev.login("alice").await, Err(WeChatError::InvalidCode(40029)));
        assert_eq!(dev.phone_number("dev:13800001111").await.as_deref(), Ok("13800001111"));
    }
}
