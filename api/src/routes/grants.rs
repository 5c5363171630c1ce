//! Role grants: who holds which role on which scope. One grants only roles below one's own,
//! within one's own subtree, never to oneself; revoking follows the same rule.

use actix_web::{delete, get, post, web, HttpResponse};
use domain::identity::roles::{self, Role, ScopeKind};
use infra::db::write_tx;
use infra::identity::{audit, grants as store, users};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::{check_id, rfc3339, Done, RequestMeta};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    pub id: String,
    pub user_id: String,
    #[schema(example = "village_cadre")]
    pub role: String,
    #[schema(example = "org_unit")]
    pub scope_kind: String,
    pub scope_id: String,
    pub granted_by: Option<String>,
    pub created_at: String,
}

impl From<store::GrantRow> for GrantView {
    fn from(row: store::GrantRow) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            role: row.role,
            scope_kind: row.scope_kind,
            scope_id: row.scope_id,
            granted_by: row.granted_by,
            created_at: rfc3339(row.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantList {
    pub items: Vec<GrantView>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct GrantQuery {
    pub user_id: String,
}

/// A user's live grants, as far as the caller's scopes reach.
#[utoipa::path(tag = "roles", params(GrantQuery), responses((status = 200, body = GrantList)))]
#[get("/role-grants")]
pub async fn list_grants(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<GrantQuery>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let user_id = query.into_inner().user_id;
    check_id(&user_id)?;
    let items = state
        .db
        .run(move |conn| {
            let mut visible = Vec::new();
            for row in store::rows_of(conn, &user_id)? {
                let own = row.user_id == principal.user_id;
                let reachable = store::resolve(conn, &row)?
                    .is_some_and(|g| principal.grants.iter().any(|mine| mine.covers_scope(&g)));
                if own || reachable {
                    visible.push(GrantView::from(row));
                }
            }
            Ok::<_, ApiError>(visible)
        })
        .await?;
    Ok(HttpResponse::Ok().json(GrantList { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGrant {
    pub user_id: String,
    #[schema(schema_with = crate::contract::role)]
    pub role: String,
    #[schema(schema_with = crate::contract::scope_kind)]
    pub scope_kind: String,
    /// An org unit, grid or department id (`root` for the whole tree).
    pub scope_id: String,
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
    let principal = auth.0;
    let NewGrant { user_id, role, scope_kind, scope_id } = body.into_inner();
    let role = Role::parse(&role)?;
    let scope_kind = ScopeKind::parse(&scope_kind)?;
    check_id(&user_id)?;
    let now = state.clock.now().naive_utc();
    let view = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<GrantView, ApiError> {
                let wanted = store::resolve_scope(conn, role, scope_kind, &scope_id)?
                    .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                roles::may_grant(&principal.user_id, &principal.grants, &user_id, &wanted)?;
                // Only people who live or serve in the caller's scope; anyone else answers as an
                // unknown id would, so the answer tells nothing of what lies outside it.
                let unknown_user =
                    || ApiError::new(ErrorCode::NotFound).with_details(serde_json::json!({ "field": "user_id" }));
                let grantee = users::find(conn, &user_id)?.ok_or_else(unknown_user)?;
                if !principal.reaches_person(&store::places_of_person(conn, &grantee.id)?) {
                    return Err(unknown_user());
                }
                if grantee.kind != "staff" && !role.open_to_residents() {
                    return Err(ApiError::invalid_field("role", "this role is for staff accounts"));
                }
                let id = domain::new_id();
                store::insert(conn, &id, &user_id, &wanted, Some(&principal.user_id), now)?;
                audit::append(
                    conn,
                    &meta.audit(
                        Some(&principal),
                        "role_granted",
                        "role_grant",
                        &id,
                        serde_json::json!({ "user_id": user_id, "role": role.as_str(), "scope_kind": scope_kind.as_str(), "scope_id": scope_id }),
                    ),
                    now,
                )?;
                store::find(conn, &id)?.map(GrantView::from).ok_or_else(|| ApiError::internal("grant vanished"))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Revokes a grant; it stops working on the holder's next request.
#[utoipa::path(tag = "roles", params(("id" = String, Path)), responses((status = 200, body = Done)))]
#[delete("/role-grants/{id}")]
pub async fn revoke_grant(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let now = state.clock.now().naive_utc();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<(), ApiError> {
                let row = store::find(conn, &id)?
                    .filter(|r| r.revoked_at.is_none())
                    .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                let grant = store::resolve(conn, &row)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                roles::may_grant(&principal.user_id, &principal.grants, &row.user_id, &grant)?;
                store::revoke(conn, &id, &principal.user_id, now)?;
                audit::append(
                    conn,
                    &meta.audit(
                        Some(&principal),
                        "role_revoked",
                        "role_grant",
                        &id,
                        serde_json::json!({ "user_id": row.user_id, "role": row.role }),
                    ),
                    now,
                )?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}
