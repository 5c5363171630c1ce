//! The audit log, read by administrators. No route writes or edits it.

use actix_web::{get, web, HttpResponse};
use domain::paging::PageLimit;
use infra::identity::queries;

use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::identity::dto::audit::{AuditPage, AuditQuery, AuditView};
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
