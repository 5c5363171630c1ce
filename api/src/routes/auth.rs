//! Login, token refresh and logout: staff with username and password, residents with WeChat.

use actix_web::{post, web, HttpResponse};
use chrono::NaiveDateTime;
use domain::identity::accounts::Username;
use infra::db::{insert_unique, write_tx, Inserted};
use infra::identity::{sessions, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::session_cache;
use crate::auth::tokens::{hash_refresh_token, new_refresh_token};
use crate::auth::{password, AuthAllowingPasswordChange};
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::json::Json;
use crate::http::support::{Done, RequestMeta};
use crate::routes::me::{me_view, MeView};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(example = "admin")]
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WeChatCode {
    /// The code from `wx.login` (or, for phone binding, from the `getPhoneNumber` button).
    #[schema(example = "dev:zhangsan", min_length = 1, max_length = 256, pattern = r"\S")]
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Opaque; send to `/auth/refresh` for a new pair. Each one works once.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub user: MeView,
}

/// Opens a session for `user_id`: a session row with its first refresh token, the store's
/// record that it lives, and an access token.
async fn open_session(state: &AppState, user_id: String) -> Result<TokenPair, ApiError> {
    let now = state.clock.now();
    let session_id = domain::new_id();
    let refresh_token = new_refresh_token();
    let hash = hash_refresh_token(&refresh_token);
    let ttl = chrono::Duration::from_std(state.config.refresh_token_ttl).map_err(ApiError::internal)?;
    let (sid, uid) = (session_id.clone(), user_id.clone());
    state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<(), ApiError> {
                sessions::create(conn, &sid, &uid, &hash, now.naive_utc(), (now + ttl).naive_utc())?;
                Ok(())
            })
        })
        .await?;
    session_cache::remember(&state.store, &session_id, &user_id, state.config.access_token_ttl).await?;
    let access_token =
        state.tokens.issue(&user_id, &session_id, now, state.config.access_token_ttl).map_err(ApiError::internal)?;
    Ok(TokenPair { access_token, refresh_token, expires_in: state.config.access_token_ttl.as_secs() })
}

async fn login_response(state: &AppState, user_id: String) -> Result<HttpResponse, ApiError> {
    let pair = open_session(state, user_id.clone()).await?;
    let user = me_view(state, &user_id, None).await?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        access_token: pair.access_token,
        refresh_token: pair.refresh_token,
        expires_in: pair.expires_in,
        user,
    }))
}

/// Staff login with username and password. Failed attempts are counted per account (strict)
/// and per client address (loose) across every instance; past the limit the answer is 429.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password: given } = body.into_inner();
    let name = username.trim().to_lowercase();
    let guess = state.limiter.password_guess(&state.config.limits, &name, meta.ip.as_deref()).await?;

    let user = match Username::parse(&name) {
        Ok(valid) => {
            state.db.run(move |conn| users::find_by_username(conn, valid.as_str()).map_err(ApiError::from)).await?
        }
        Err(_) => None,
    };
    let user = user.filter(|u| u.kind == "staff");
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = password::verify(stored, given).await?;
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!("failed staff login");
        return Err(ApiError::new(ErrorCode::InvalidCredentials));
    };
    guess.was_right(&state.limiter).await?;
    login_response(&state, user.id).await
}

/// Resident login with the code of `wx.login`. The account is found or created by openid;
/// WeChat's `session_key` is neither returned, logged nor stored.
#[utoipa::path(
    tag = "auth",
    request_body = WeChatCode,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 400, description = "Invalid or used code (`wechat_code_invalid`)", body = ErrorBody),
        (status = 403, description = "WeChat flags the user as high-risk", body = ErrorBody),
        (status = 429, description = "WeChat rate limit", body = ErrorBody),
        (status = 503, description = "WeChat busy or unreachable", body = ErrorBody),
    )
)]
#[post("/auth/wechat/login")]
pub async fn wechat_login(state: web::Data<AppState>, body: Json<WeChatCode>) -> Result<HttpResponse, ApiError> {
    let code = body.into_inner().code;
    if code.trim().is_empty() || code.len() > 256 {
        return Err(ApiError::invalid_field("code", "required, at most 256 characters"));
    }
    let identity = state.wechat.login(code.trim()).await?;
    let display_name = match (&state.wechat, code.trim().strip_prefix("dev:")) {
        (infra::wechat::WeChat::Development, Some(name)) => name.chars().take(32).collect(),
        _ => "微信用户".to_owned(),
    };
    let now = state.clock.now().naive_utc();
    let user_id = state.db.run(move |conn| find_or_create_resident(conn, &identity, &display_name, now)).await?;
    login_response(&state, user_id).await
}

fn find_or_create_resident(
    conn: &mut infra::DbConn,
    identity: &infra::wechat::WeChatIdentity,
    display_name: &str,
    now: NaiveDateTime,
) -> Result<String, ApiError> {
    write_tx(conn, |conn| {
        if let Some(user) = users::find_by_openid(conn, &identity.openid)? {
            return Ok(user.id);
        }
        let id = domain::new_id();
        let new = users::NewUser::resident(&id, &identity.openid, identity.unionid.as_deref(), display_name, now);
        match insert_unique(conn, |conn| users::insert(conn, &new))? {
            Inserted::New => Ok(id),
            // A concurrent first login of the same person created it.
            Inserted::Duplicate => users::find_by_openid(conn, &identity.openid)?
                .map(|u| u.id)
                .ok_or_else(|| ApiError::internal("user vanished after a duplicate insert")),
        }
    })
}

/// A new token pair for a refresh token. Each refresh token works once; presenting a used one
/// again means it was stolen, and the whole session ends.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenPair),
        (status = 401, description = "Unknown, expired or reused refresh token", body = ErrorBody),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let presented = hash_refresh_token(body.refresh_token.trim());
    let next = new_refresh_token();
    let next_hash = hash_refresh_token(&next);
    let now = state.clock.now();
    let rotation = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<sessions::Rotation, ApiError> {
                Ok(sessions::rotate(conn, &presented, &next_hash, now.naive_utc())?)
            })
        })
        .await?;
    match rotation {
        sessions::Rotation::Rotated { session_id, user_id } => {
            session_cache::remember(&state.store, &session_id, &user_id, state.config.access_token_ttl).await?;
            let access_token = state
                .tokens
                .issue(&user_id, &session_id, now, state.config.access_token_ttl)
                .map_err(ApiError::internal)?;
            Ok(HttpResponse::Ok().json(TokenPair {
                access_token,
                refresh_token: next,
                expires_in: state.config.access_token_ttl.as_secs(),
            }))
        }
        sessions::Rotation::Reused { session_id, .. } => {
            session_cache::forget(&state.store, &session_id, state.config.access_token_ttl).await?;
            tracing::warn!(session = %session_id, "refresh token reused; session revoked");
            Err(ApiError::new(ErrorCode::Unauthorized)
                .with_details(serde_json::json!({ "reason": "refresh_token_reused" })))
        }
        sessions::Rotation::Invalid => Err(ApiError::new(ErrorCode::Unauthorized)),
    }
}

/// Ends the session at once: its access token stops working on the next request.
#[utoipa::path(tag = "auth", responses((status = 200, description = "Logged out", body = Done)))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, auth: AuthAllowingPasswordChange) -> Result<HttpResponse, ApiError> {
    let session_id = auth.0.session_id.clone();
    let now = state.clock.now().naive_utc();
    let sid = session_id.clone();
    state.db.run(move |conn| sessions::revoke(conn, &sid, now).map_err(ApiError::from)).await?;
    session_cache::forget(&state.store, &session_id, state.config.access_token_ttl).await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}
