//! What only HTTP needs of sessions and passwords: the store's session cache, access tokens, and
//! password guesses limited per account and per client address. The database side is
//! `infra::identity::service::sessions`.

use domain::identity::accounts::{NewPassword, Username};
use infra::identity::queries;
use infra::identity::rows::UserRow;
use infra::identity::service::sessions::{self, Rotation};
use infra::identity::IdentityError;

use crate::auth::password;
use crate::auth::session_cache;
use crate::auth::tokens::{hash_refresh_token, new_refresh_token};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::support::RequestMeta;
use crate::identity::dto::auth::{LoginResponse, TokenPair};
use crate::identity::dto::me::MeView;
use crate::state::AppState;

/// Opens a session for `user_id`: a session row with its first refresh token, the store's
/// record that it lives, and an access token.
async fn open(state: &AppState, user_id: String) -> Result<TokenPair, ApiError> {
    let now = state.clock.now();
    let session_id = domain::new_id();
    let refresh_token = new_refresh_token();
    let hash = hash_refresh_token(&refresh_token);
    let ttl = chrono::Duration::from_std(state.config.refresh_token_ttl).map_err(ApiError::internal)?;
    let (sid, uid) = (session_id.clone(), user_id.clone());
    let (created, expires) = (now.naive_utc(), (now + ttl).naive_utc());
    state.db.run(move |conn| sessions::open(conn, &sid, &uid, &hash, created, expires)).await?;
    session_cache::remember(&state.store, &session_id, &user_id, state.config.access_token_ttl).await?;
    let access_token =
        state.tokens.issue(&user_id, &session_id, now, state.config.access_token_ttl).map_err(ApiError::internal)?;
    Ok(TokenPair { access_token, refresh_token, expires_in: state.config.access_token_ttl.as_secs() })
}

/// A new session for `user_id`, answered with the account.
pub async fn logged_in(state: &AppState, user_id: String) -> Result<LoginResponse, ApiError> {
    let pair = open(state, user_id.clone()).await?;
    let user = me(state, &user_id, None).await?;
    Ok(LoginResponse {
        access_token: pair.access_token,
        refresh_token: pair.refresh_token,
        expires_in: pair.expires_in,
        user,
    })
}

/// One's own account as the caller sees it.
pub async fn me(state: &AppState, user_id: &str, acting_for: Option<String>) -> Result<MeView, ApiError> {
    let (user_id, version) = (user_id.to_owned(), state.config.privacy_policy_version.clone());
    let me = state.db.run(move |conn| queries::me::me(conn, &user_id, &version)).await?;
    Ok(MeView::new(me, acting_for))
}

/// A new token pair for a refresh token. Presenting a used one again ends the session.
pub async fn refreshed(state: &AppState, refresh_token: &str) -> Result<TokenPair, ApiError> {
    let presented = hash_refresh_token(refresh_token.trim());
    let next = new_refresh_token();
    let next_hash = hash_refresh_token(&next);
    let now = state.clock.now();
    let naive_now = now.naive_utc();
    let rotation = state.db.run(move |conn| sessions::refresh(conn, &presented, &next_hash, naive_now)).await?;
    let (session_id, user_id) = match rotation {
        Rotation::Rotated { session_id, user_id } => (session_id, user_id),
        Rotation::Reused { session_id, .. } => {
            session_cache::forget(&state.store, &session_id, state.config.access_token_ttl).await?;
            tracing::warn!(session = %session_id, "refresh token reused; session revoked");
            return Err(IdentityError::RefreshTokenReused.into());
        }
        Rotation::Invalid => return Err(IdentityError::RefreshTokenInvalid.into()),
    };
    session_cache::remember(&state.store, &session_id, &user_id, state.config.access_token_ttl).await?;
    let access_token =
        state.tokens.issue(&user_id, &session_id, now, state.config.access_token_ttl).map_err(ApiError::internal)?;
    Ok(TokenPair { access_token, refresh_token: next, expires_in: state.config.access_token_ttl.as_secs() })
}

/// Leaves the store's tombstones of sessions the database ended.
pub async fn forget(state: &AppState, ended: Vec<String>) -> Result<(), ApiError> {
    for session in ended {
        session_cache::forget(&state.store, &session, state.config.access_token_ttl).await?;
    }
    Ok(())
}

/// A staff member's password login: answers the account's id. Failed attempts are counted per
/// account (strict) and per client address (loose) across every instance.
pub async fn staff_login(
    state: &AppState,
    meta: &RequestMeta,
    username: &str,
    given: String,
) -> Result<String, ApiError> {
    let name = username.trim().to_lowercase();
    let guess = state.limiter.password_guess(&state.config.limits, &name, meta.ip.as_deref()).await?;
    let user: Option<UserRow> = match Username::parse(&name) {
        Ok(valid) => state.db.run(move |conn| queries::users::staff_by_username(conn, &valid)).await?,
        Err(_) => None,
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = password::verify(stored, given).await?;
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!("failed staff login");
        return Err(ApiError::new(ErrorCode::InvalidCredentials));
    };
    guess.was_right(&state.limiter).await?;
    Ok(user.id)
}

/// Checks a password change: the caller's account must have a password (staff), the new one must
/// be acceptable for its username, and the current one right — a guess like a login's, limited
/// the same way. Answers the new password.
pub async fn check_password_change(
    state: &AppState,
    meta: &RequestMeta,
    user_id: &str,
    current: String,
    new: &str,
) -> Result<NewPassword, ApiError> {
    let user_id = user_id.to_owned();
    let user = state.db.run(move |conn| queries::me::account(conn, &user_id)).await?;
    let username = user.username.clone().ok_or(IdentityError::NoPassword)?;
    let new = NewPassword::parse(new, &username)?;
    let guess = state.limiter.password_guess(&state.config.limits, &username, meta.ip.as_deref()).await?;
    if !password::verify(user.password_hash.clone(), current).await? {
        return Err(ApiError::new(ErrorCode::InvalidCredentials));
    }
    guess.was_right(&state.limiter).await?;
    Ok(new)
}
