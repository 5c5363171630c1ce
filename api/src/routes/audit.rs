//! The audit log, read by administrators. No route writes or edits it.

use actix_web::{get, web, HttpResponse};
use domain::paging::PageLimit;
use infra::identity::audit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::http::support::rfc3339;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: String,
    pub actor_id: Option<String>,
    /// The resident a proxy action was done for.
    pub acting_for: Option<String>,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub details: serde_json::Value,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub object_id: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Audit entries, newest first (`admin` only).
#[utoipa::path(tag = "audit", params(AuditQuery), responses((status = 200, body = AuditPage)))]
#[get("/audit-log")]
pub async fn list_audit_log(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    if !auth.0.is_admin() {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    let AuditQuery { action, object_id, limit, cursor } = query.into_inner();
    let limit = PageLimit::parse(limit)?;
    let before: Option<String> = cursor.map(|c| state.cursors.decode("audit-log", &c)).transpose()?;
    let rows = state
        .db
        .run(move |conn| {
            audit::page(conn, before.as_deref(), action.as_deref(), object_id.as_deref(), limit.probe())
                .map_err(ApiError::from)
        })
        .await?;
    let views: Vec<AuditView> = rows
        .into_iter()
        .map(|r| AuditView {
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            id: r.id,
            actor_id: r.actor_id,
            acting_for: r.acting_for,
            action: r.action,
            object_kind: r.object_kind,
            object_id: r.object_id,
            ip: r.ip,
            request_id: r.request_id,
            created_at: rfc3339(r.created_at),
        })
        .collect();
    let page = Page::from_probe(views, limit, &state.cursors, "audit-log", |v| v.id.clone())?;
    Ok(HttpResponse::Ok().json(AuditPage { items: page.items, next_cursor: page.next_cursor }))
}
