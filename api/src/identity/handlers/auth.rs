//! Login, token refresh and logout: staff with username and password, residents with WeChat.

use actix_web::{post, web, HttpResponse};
use infra::identity::service;

use crate::auth::AuthAllowingPasswordChange;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::support::{Done, RequestMeta};
use crate::identity::dto::auth::{LoginRequest, LoginResponse, RefreshRequest, TokenPair, WeChatCode};
use crate::identity::sessions;
use crate::state::AppState;

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
    let LoginRequest { username, password } = body.into_inner();
    let user_id = sessions::staff_login(&state, &meta, &username, password).await?;
    Ok(HttpResponse::Ok().json(sessions::logged_in(&state, user_id).await?))
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
    let code = body.parse()?;
    let now = state.clock.now().naive_utc();
    let user_id = service::users::wechat_login(&state.db, &state.wechat, code, now).await?;
    Ok(HttpResponse::Ok().json(sessions::logged_in(&state, user_id).await?))
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
    Ok(HttpResponse::Ok().json(sessions::refreshed(&state, &body.refresh_token).await?))
}

/// Ends the session at once: its access token stops working on the next request.
#[utoipa::path(tag = "auth", responses((status = 200, description = "Logged out", body = Done)))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, auth: AuthAllowingPasswordChange) -> Result<HttpResponse, ApiError> {
    let session_id = auth.0.session_id.clone();
    let now = state.clock.now().naive_utc();
    let sid = session_id.clone();
    state.db.run(move |conn| service::sessions::log_out(conn, &sid, now)).await?;
    sessions::forget(&state, vec![session_id]).await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}
