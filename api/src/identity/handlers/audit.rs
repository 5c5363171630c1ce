//! The audit log, read by administrators. No route writes or edits it.

use actix_web::{get, web, HttpResponse};
use domain::paging::PageLimit;
use infra::identity::queries;
use infra::InfraError;

use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::identity::dto::audit::{AuditPage, AuditQuery, AuditVerifyView, AuditView};
use crate::state::AppState;

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
            queries::audit::page(conn, before.as_deref(), action.as_deref(), object_id.as_deref(), limit.probe())
        })
        .await?;
    let views: Vec<AuditView> = rows.into_iter().map(AuditView::from).collect();
    let page = Page::from_probe(views, limit, &state.cursors, "audit-log", |v| v.id.clone())?;
    Ok(HttpResponse::Ok().json(AuditPage { items: page.items, next_cursor: page.next_cursor }))
}

/// Recomputes the audit log's hash chain from its start (`admin` only): whether it is intact,
/// or the first entry edited, deleted or inserted in the database, or a cut-off tail. Entries
/// appended in the last few seconds are counted as unsealed, not yet checked.
#[utoipa::path(
    tag = "audit",
    responses((status = 200, body = AuditVerifyView), (status = 403, body = crate::http::error::ErrorBody))
)]
#[get("/audit-log/verify")]
pub async fn verify_audit_log(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    if !auth.0.is_admin() {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    let verified = state.db.run(|conn| infra::identity::audit::verify(conn).map_err(InfraError::from)).await?;
    Ok(HttpResponse::Ok().json(AuditVerifyView::from(verified)))
}
