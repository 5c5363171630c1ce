//! The caller's own account: who they are, their password, consent, phone, and deletion.

use actix_web::{delete, get, post, put, web, HttpResponse};
use infra::identity::service;

use crate::auth::{password, session_cache, Auth, AuthAllowingPasswordChange};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::support::{Done, RequestMeta};
use crate::identity::dto::auth::WeChatCode;
use crate::identity::dto::me::{ConsentRecord, ConsentRequest, EmailChange, MeView, PasswordChange};
use crate::identity::sessions;
use crate::state::AppState;

/// Who the caller is: account, roles, consent state.
#[utoipa::path(tag = "me", responses((status = 200, description = "The caller", body = MeView)))]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, auth: AuthAllowingPasswordChange) -> Result<HttpResponse, ApiError> {
    let view = sessions::me(&state, &auth.0.user_id, auth.0.acting_for.clone()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Changes a staff password (the bootstrap administrator must, before anything else). Other
/// sessions of the account end.
#[utoipa::path(
    tag = "me",
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed", body = Done),
        (status = 401, description = "Current password wrong", body = ErrorBody),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    auth: AuthAllowingPasswordChange,
    meta: RequestMeta,
    body: Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let PasswordChange { current_password, new_password } = body.into_inner();
    let new_password =
        sessions::check_password_change(&state, &meta, &principal.user_id, current_password, &new_password).await?;
    let hash = password::hash(new_password.expose().to_owned()).await?;
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let user = principal.user_id.clone();
    let ended = state.db.run(move |conn| service::me::change_password(conn, &principal, &origin, &hash, now)).await?;
    sessions::forget(&state, ended).await?;
    session_cache::user_changed(&state.store, &user).await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}

/// Accepts the privacy policy in force (a repeat is harmless).
#[utoipa::path(
    tag = "me",
    request_body = ConsentRequest,
    responses(
        (status = 201, description = "Accepted", body = ConsentRecord),
        (status = 422, description = "Not the version in force", body = ErrorBody),
    )
)]
#[post("/me/consents")]
pub async fn accept_policy(
    state: web::Data<AppState>,
    auth: Auth,
    body: Json<ConsentRequest>,
) -> Result<HttpResponse, ApiError> {
    let current = state.config.privacy_policy_version.clone();
    let (user_id, given, version) = (auth.0.user_id, body.into_inner().policy_version, current.clone());
    let now = state.clock.now().naive_utc();
    state.db.run(move |conn| service::me::accept_policy(conn, &user_id, &given, &version, now)).await?;
    Ok(HttpResponse::Created().json(ConsentRecord { policy_version: current, accepted: true }))
}

/// Binds the phone number WeChat vouches for (the `getPhoneNumber` button's code).
#[utoipa::path(
    tag = "me",
    request_body = WeChatCode,
    responses(
        (status = 200, description = "Bound; the caller's account", body = MeView),
        (status = 400, description = "Invalid or used code", body = ErrorBody),
    )
)]
#[post("/auth/wechat/phone")]
pub async fn bind_phone(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<WeChatCode>,
) -> Result<HttpResponse, ApiError> {
    let version = state.config.privacy_policy_version.clone();
    let now = state.clock.now().naive_utc();
    let code = body.code.trim();
    let me = service::me::bind_phone(&state.db, &state.wechat, auth.0, meta.origin(), code, version, now).await?;
    Ok(HttpResponse::Ok().json(MeView::new(me, None)))
}

/// Deletes the caller's account by anonymising it: what they contributed stays, they are gone
/// from it; every session ends; a pending residency application is withdrawn.
#[utoipa::path(
    tag = "me",
    responses(
        (status = 200, description = "Deleted", body = Done),
        (status = 409, description = "The last administrator cannot delete itself", body = ErrorBody),
    )
)]
#[delete("/me")]
pub async fn delete_me(
    state: web::Data<AppState>,
    auth: AuthAllowingPasswordChange,
    meta: RequestMeta,
) -> Result<HttpResponse, ApiError> {
    let (principal, origin, now) = (auth.0, meta.origin(), state.clock.now().naive_utc());
    let ended = state.db.run(move |conn| service::me::delete_account(conn, &principal, &origin, now)).await?;
    sessions::forget(&state, ended).await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}

/// Sets (or removes) the address notices may be mailed to.
#[utoipa::path(tag = "me", request_body = EmailChange, responses((status = 200, body = MeView)))]
#[put("/me/email")]
pub async fn set_email(
    state: web::Data<AppState>,
    auth: Auth,
    body: Json<EmailChange>,
) -> Result<HttpResponse, ApiError> {
    let email = body.parse()?;
    let (user_id, version) = (auth.0.user_id, state.config.privacy_policy_version.clone());
    let me = state.db.run(move |conn| service::me::set_email(conn, &user_id, email.as_ref(), &version)).await?;
    Ok(HttpResponse::Ok().json(MeView::new(me, None)))
}
