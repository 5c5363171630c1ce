//! A unit's monthly figures over HTTP, and its child units'.

use actix_web::{get, web, HttpResponse};
use infra::stats::figures;
use utoipa_actix_web::service_config::ServiceConfig;

use super::figures_dto::{StatsChildrenView, StatsFiguresView, StatsMonthQuery};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::query::Query;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(unit_stats).service(children_stats);
}

impl From<infra::stats::StatsError> for ApiError {
    fn from(error: infra::stats::StatsError) -> Self {
        use infra::stats::StatsError as E;
        match error {
            E::NotFound => Self::new(ErrorCode::NotFound),
            E::Forbidden => Self::new(ErrorCode::Forbidden),
            E::Invalid { field, reason } => Self::invalid_field(field, &reason),
            E::Report(what) => Self::internal(what),
            E::Db(e) => Self::from(infra::InfraError::from(e)),
            E::Infra(e) => Self::from(e),
        }
    }
}

/// A unit's figures for a Beijing month, its whole subtree counted: cases, deliberation, voting,
/// points and participation, every rate with its two counts (`ReadFigures` in scope).
#[utoipa::path(
    tag = "stats",
    params(("id" = String, Path), StatsMonthQuery),
    responses((status = 200, body = StatsFiguresView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/stats")]
pub async fn unit_stats(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    query: Query<StatsMonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, month) = (auth.0, id.into_inner(), query.month()?);
    let satisfied_from = state.config.cases.satisfied_from;
    let (unit, f) = state.db.run(move |conn| figures::of_unit(conn, &principal, &id, month, satisfied_from)).await?;
    Ok(HttpResponse::Ok().json(StatsFiguresView::new(&unit, month, f)))
}

/// Each child unit's figures for a Beijing month (the villages of a township, the townships of a
/// county), by name.
#[utoipa::path(
    tag = "stats",
    params(("id" = String, Path), StatsMonthQuery),
    responses((status = 200, body = StatsChildrenView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/stats/children")]
pub async fn children_stats(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    query: Query<StatsMonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit_id, month) = (auth.0, id.into_inner(), query.month()?);
    let id = unit_id.clone();
    let satisfied_from = state.config.cases.satisfied_from;
    let rows = state.db.run(move |conn| figures::of_children(conn, &principal, &id, month, satisfied_from)).await?;
    let children = rows.into_iter().map(|(u, f)| StatsFiguresView::new(&u, month, f)).collect();
    Ok(HttpResponse::Ok().json(StatsChildrenView { org_unit_id: unit_id, month: month.to_string(), children }))
}
