//! Role grants: who holds which role on which scope. One grants only roles below one's own,
//! within one's own subtree, never to oneself; revoking follows the same rule.

use actix_web::{delete, get, post, web, HttpResponse};
use domain::identity::ids::GrantId;
use infra::identity::service::grants::GrantDraft;
use infra::identity::{queries, service};

use crate::auth::{session_cache, Auth};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::{Done, RequestMeta};
use crate::identity::dto::grants::{GrantList, GrantQuery, GrantView, NewGrant};
use crate::state::AppState;

/// A user's live grants, as far as the caller's scopes reach.
#[utoipa::path(tag = "roles", params(GrantQuery), responses((status = 200, body = GrantList)))]
#[get("/role-grants")]
pub async fn list_grants(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<GrantQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, user_id) = (auth.0, query.parse()?);
    let rows = state.db.run(move |conn| queries::grants::visible_of(conn, &principal, &user_id)).await?;
    Ok(HttpResponse::Ok().json(GrantList { items: rows.into_iter().map(GrantView::from).collect() }))
}

/// Grants a role on a scope.
#[utoipa::path(tag = "roles", request_body = NewGrant, responses((status = 201, body = GrantView), (status = 403, body = ErrorBody)))]
#[post("/role-grants")]
pub async fn create_grant(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<NewGrant>,
) -> Result<HttpResponse, ApiError> {
    let (principal, asked) = (auth.0, body.into_inner().parse()?);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let row = state
        .db
        .run(move |conn| {
            let grant = GrantDraft {
                user_id: &asked.user_id,
                role: asked.role,
                scope_kind: asked.scope_kind,
                scope_id: &asked.scope_id,
            };
            service::grants::grant(conn, &principal, &origin, &grant, now)
        })
        .await?;
    session_cache::user_changed(&state.store, &row.user_id).await?;
    Ok(HttpResponse::Created().json(GrantView::from(row)))
}

/// Revokes a grant; it stops working on the holder's next request.
#[utoipa::path(tag = "roles", params(("id" = String, Path)), responses((status = 200, body = Done)))]
#[delete("/role-grants/{id}")]
pub async fn revoke_grant(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<GrantId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, origin, now) = (auth.0, id.into_inner(), meta.origin(), state.clock.now().naive_utc());
    let holder = state.db.run(move |conn| service::grants::revoke_grant(conn, &principal, &origin, &id, now)).await?;
    session_cache::user_changed(&state.store, &holder).await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}
