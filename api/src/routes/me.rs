//! The caller's own account: who they are, their password, consent, phone, and deletion.

use actix_web::{delete, get, post, put, web, HttpResponse};
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use domain::identity::accounts::{NewPassword, Phone};
use infra::db::{insert_unique, write_tx};
use infra::identity::{audit, grants, sessions, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::session_cache;
use crate::auth::{password, Auth, AuthAllowingPasswordChange};
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::json::Json;
use crate::http::support::{rfc3339, Done, RequestMeta};
use crate::routes::auth::WeChatCode;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    pub id: String,
    #[schema(example = "village_cadre")]
    pub role: String,
    #[schema(example = "org_unit")]
    pub scope_kind: String,
    pub scope_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    /// The privacy policy version in force.
    pub policy_version: String,
    /// Whether this user accepted that version.
    pub accepted: bool,
}

/// One's own account, unmasked (it is one's own).
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub id: String,
    #[schema(example = "resident")]
    pub kind: String,
    pub display_name: String,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub roles: Vec<RoleView>,
    pub must_change_password: bool,
    pub consent: ConsentView,
    /// The resident this request acted for (proxy action), if any.
    pub acting_for: Option<String>,
}

pub async fn me_view(state: &AppState, user_id: &str, acting_for: Option<String>) -> Result<MeView, ApiError> {
    let user_id = user_id.to_owned();
    let version = state.config.privacy_policy_version.clone();
    state
        .db
        .run(move |conn| {
            let user = users::find(conn, &user_id)?.ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))?;
            let roles = grants::rows_of(conn, &user_id)?
                .into_iter()
                .map(|g| RoleView { id: g.id, role: g.role, scope_kind: g.scope_kind, scope_id: g.scope_id })
                .collect();
            let accepted = has_consented(conn, &user_id, &version)?;
            Ok(MeView {
                id: user.id,
                kind: user.kind,
                display_name: user.display_name,
                username: user.username,
                phone: user.phone,
                email: user.email,
                roles,
                must_change_password: user.must_change_password,
                consent: ConsentView { policy_version: version, accepted },
                acting_for,
            })
        })
        .await
}

fn has_consented(conn: &mut infra::DbConn, user_id: &str, version: &str) -> Result<bool, ApiError> {
    use diesel::prelude::*;
    use infra::schema::consents::dsl as c;
    let found = diesel::select(diesel::dsl::exists(
        c::consents.filter(c::user_id.eq(user_id)).filter(c::policy_version.eq(version)),
    ))
    .get_result(conn)?;
    Ok(found)
}

/// Refuses personal-data processing until the current privacy policy is accepted.
pub fn require_consent(conn: &mut infra::DbConn, state: &AppState, user_id: &str) -> Result<(), ApiError> {
    if has_consented(conn, user_id, &state.config.privacy_policy_version)? {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::ConsentRequired)
            .with_details(serde_json::json!({ "policy_version": state.config.privacy_policy_version })))
    }
}

/// Who the caller is: account, roles, consent state.
#[utoipa::path(tag = "me", responses((status = 200, description = "The caller", body = MeView)))]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, auth: AuthAllowingPasswordChange) -> Result<HttpResponse, ApiError> {
    let view = me_view(&state, &auth.0.user_id, auth.0.acting_for.clone()).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    #[schema(schema_with = crate::contract::new_password)]
    pub new_password: String,
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
    let user_id = principal.user_id.clone();
    let user = state
        .db
        .run(move |conn| users::find(conn, &user_id).map_err(ApiError::from))
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))?;
    let username = user.username.clone().ok_or_else(|| ApiError::new(ErrorCode::Forbidden))?;
    let PasswordChange { current_password, new_password } = body.into_inner();
    let new_password = NewPassword::parse(&new_password, &username)?;
    // The current password is a guess like a login's, limited the same way.
    let guess = state.limiter.password_guess(&state.config.limits, &username, meta.ip.as_deref()).await?;
    if !password::verify(user.password_hash.clone(), current_password).await? {
        return Err(ApiError::new(ErrorCode::InvalidCredentials));
    }
    guess.was_right(&state.limiter).await?;
    let hash = password::hash(new_password.expose().to_owned()).await?;
    let now = state.clock.now().naive_utc();
    let current_session = principal.session_id.clone();
    let ended = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<Vec<String>, ApiError> {
                users::set_password(conn, &principal.user_id, &hash)?;
                // The session making the change stays; the others end.
                let ended = sessions::revoke_all(conn, &principal.user_id, Some(&current_session), now)?;
                audit::append(
                    conn,
                    &meta.audit(
                        Some(&principal),
                        "password_changed",
                        "user",
                        &principal.user_id,
                        serde_json::json!({}),
                    ),
                    now,
                )?;
                Ok(ended)
            })
        })
        .await?;
    for session in ended {
        session_cache::forget(&state.store, &session, state.config.access_token_ttl).await?;
    }
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConsentRequest {
    #[schema(example = "2026-11")]
    pub policy_version: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentRecord {
    pub policy_version: String,
    pub accepted: bool,
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
    let version = state.config.privacy_policy_version.clone();
    if body.policy_version != version {
        return Err(ApiError::invalid_field("policy_version", "not the version in force").with_details(
            serde_json::json!({ "field": "policy_version", "reason": "not the version in force", "current": version }),
        ));
    }
    let user_id = auth.0.user_id.clone();
    let now = state.clock.now().naive_utc();
    let v = version.clone();
    state
        .db
        .run(move |conn| {
            use infra::schema::consents::dsl as c;
            insert_unique(conn, |conn| {
                diesel::insert_into(c::consents)
                    .values((
                        c::id.eq(domain::new_id()),
                        c::user_id.eq(&user_id),
                        c::policy_version.eq(&v),
                        c::accepted_at.eq(now),
                    ))
                    .execute(conn)
            })
            .map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Created().json(ConsentRecord { policy_version: version, accepted: true }))
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
    let principal = auth.0;
    let user_id = principal.user_id.clone();
    let st = state.clone();
    state.db.run(move |conn| require_consent(conn, &st, &user_id)).await?;
    let raw = state.wechat.phone_number(body.code.trim()).await?;
    let phone = Phone::parse(&raw)?;
    let now = state.clock.now().naive_utc();
    let p = principal.clone();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<(), ApiError> {
                users::set_phone(conn, &p.user_id, phone.as_str())?;
                audit::append(
                    conn,
                    &meta.audit(Some(&p), "phone_bound", "user", &p.user_id, serde_json::json!({})),
                    now,
                )?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(me_view(&state, &principal.user_id, None).await?))
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
    let principal = auth.0;
    if principal.is_admin() {
        return Err(ApiError::new(ErrorCode::Conflict)
            .with_details(serde_json::json!({ "reason": "administrators are removed by another administrator" })));
    }
    let now = state.clock.now().naive_utc();
    let ended = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<Vec<String>, ApiError> {
                use infra::schema::residencies::dsl as r;
                users::anonymise(conn, &principal.user_id, now)?;
                diesel::update(
                    r::residencies.filter(r::user_id.eq(&principal.user_id)).filter(r::status.eq("pending")),
                )
                .set((r::status.eq("withdrawn"), r::decided_at.eq(now)))
                .execute(conn)?;
                let ended = sessions::revoke_all(conn, &principal.user_id, None, now)?;
                audit::append(
                    conn,
                    &meta.audit(
                        Some(&principal),
                        "account_deleted",
                        "user",
                        &principal.user_id,
                        serde_json::json!({ "at": rfc3339(now) }),
                    ),
                    now,
                )?;
                Ok(ended)
            })
        })
        .await?;
    for session in ended {
        session_cache::forget(&state.store, &session, state.config.access_token_ttl).await?;
    }
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailChange {
    /// An address for notices by mail; null (or blank) removes it.
    #[schema(schema_with = email_schema)]
    pub email: Option<String>,
}

/// What `set_email` accepts, trimmed: blank, or one `@` between a non-empty local part and a
/// domain with a dot, no whitespace, at most 254 characters.
fn email_schema() -> utoipa::openapi::Object {
    const PLAIN: &str = r"[^@\s\x00-\x1f\x7f-\x9f]";
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(
            [utoipa::openapi::Type::String, utoipa::openapi::Type::Null]
                .into_iter()
                .collect::<utoipa::openapi::schema::SchemaType>(),
        )
        .max_length(Some(254))
        .pattern(Some(format!(r"^[ \t\n]*({PLAIN}+@{PLAIN}*\.{PLAIN}*[ \t\n]*)?$")))
        .examples(["cadre@example.com"])
        .build()
}

/// Sets (or removes) the address notices may be mailed to.
#[utoipa::path(tag = "me", request_body = EmailChange, responses((status = 200, body = MeView)))]
#[put("/me/email")]
pub async fn set_email(
    state: web::Data<AppState>,
    auth: Auth,
    body: Json<EmailChange>,
) -> Result<HttpResponse, ApiError> {
    let email = body.into_inner().email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
    if let Some(email) = &email {
        let parts: Vec<&str> = email.split('@').collect();
        let valid = email.len() <= 254
            && parts.len() == 2
            && !parts[0].is_empty()
            && parts[1].contains('.')
            && !email.contains(char::is_whitespace);
        if !valid {
            return Err(ApiError::invalid_field("email", "an email address"));
        }
    }
    let user_id = auth.0.user_id.clone();
    let st = state.clone();
    state
        .db
        .run(move |conn| {
            if email.is_some() {
                require_consent(conn, &st, &user_id)?;
            }
            users::set_email(conn, &user_id, email.as_deref()).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(me_view(&state, &auth.0.user_id, None).await?))
}
