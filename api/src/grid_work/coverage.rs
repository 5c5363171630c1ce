//! Care households, a grid's coverage (走村不漏户) and a unit's grid-work figures over HTTP.

use actix_web::{delete, get, put, web, HttpResponse};
use chrono::{Duration, NaiveDate};
use domain::grid_work::care::MAX_INTERVAL_DAYS;
use domain::identity::ids::{GridId, HouseholdId};
use infra::grid_work::coverage::{self, CoverageAsk};
use utoipa_actix_web::service_config::ServiceConfig;

use super::coverage_dto::{
    CareBody, CareView, CoverageQuery, GridCoverageView, GridWorkFiguresQuery, GridWorkFiguresReport,
};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(set_care).service(clear_care).service(grid_coverage).service(grid_work_figures);
}

/// Today in Beijing, by the application's clock.
fn today(state: &AppState) -> NaiveDate {
    state.clock.now().with_timezone(&domain::calendar::beijing()).date_naive()
}

/// The first day the working-day calendar is read from: far enough back for any care interval
/// counted from a visit that is not yet long overdue.
fn calendar_from(today: NaiveDate) -> NaiveDate {
    today - Duration::days(i64::from(MAX_INTERVAL_DAYS) * 2)
}

/// Marks a household as needing care, or changes its needs and interval (`village_cadre` and
/// above over the household's unit). The needs are personal data.
#[utoipa::path(
    tag = "grid_work",
    params(("id" = String, Path, description = "The household")),
    request_body = CareBody,
    responses(
        (status = 200, body = CareView),
        (status = 403, description = "In scope, but not the caller's to set", body = ErrorBody),
        (status = 404, description = "No such household in the caller's scope", body = ErrorBody),
        (status = 422, description = "No need given, or an interval outside 1–90 days", body = ErrorBody),
    )
)]
#[put("/households/{id}/care")]
pub async fn set_care(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<HouseholdId>,
    body: Json<CareBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, origin, id, now) = (auth.0, meta.origin(), id.into_inner(), state.clock.now().naive_utc());
    let setting = body.into_inner().parse()?;
    let row = state.db.run(move |conn| coverage::set_care(conn, &principal, &origin, &id, &setting, now)).await?;
    Ok(HttpResponse::Ok().json(CareView::from(row)))
}

/// Unmarks a household (answers the same when it was not marked).
#[utoipa::path(
    tag = "grid_work",
    params(("id" = String, Path, description = "The household")),
    responses(
        (status = 204, description = "Not (or no longer) a care household"),
        (status = 403, description = "In scope, but not the caller's to change", body = ErrorBody),
        (status = 404, description = "No such household in the caller's scope", body = ErrorBody),
    )
)]
#[delete("/households/{id}/care")]
pub async fn clear_care(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<HouseholdId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, origin, id, now) = (auth.0, meta.origin(), id.into_inner(), state.clock.now().naive_utc());
    state.db.run(move |conn| coverage::clear_care(conn, &principal, &origin, &id, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A grid's coverage over a period: households visited of those on the roll, visits and
/// households reached per visitor, information items collected, households not visited for
/// `stale_days`, and care households with their due day. Names and needs only for staff who
/// read the grid's visits and households; a township sees the counts.
#[utoipa::path(
    tag = "grid_work",
    params(("id" = String, Path, description = "The grid"), CoverageQuery),
    responses(
        (status = 200, body = GridCoverageView),
        (status = 403, description = "In scope, without a role that reads figures", body = ErrorBody),
        (status = 404, description = "No such grid in the caller's scope", body = ErrorBody),
        (status = 422, description = "A bad period or stale_days", body = ErrorBody),
    )
)]
#[get("/grids/{id}/coverage")]
pub async fn grid_coverage(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<GridId>,
    query: Query<CoverageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, today) = (auth.0, id.into_inner(), today(&state));
    let (period, stale) = query.parse(today)?;
    let reference = state.cases_reference.clone();
    let found = state
        .db
        .run(move |conn| {
            let calendar = reference.calendar(conn, calendar_from(today))?;
            coverage::grid_coverage(conn, &principal, &id, CoverageAsk { period, stale, today }, &calendar)
        })
        .await?;
    Ok(HttpResponse::Ok().json(GridCoverageView::from(found)))
}

/// A unit's grid-work figures over a period: visits, households, households visited, coverage,
/// information items, care households and those overdue, per grid, village and township and in
/// total. Counts only: no names, no notes.
#[utoipa::path(
    tag = "grid_work",
    params(GridWorkFiguresQuery),
    responses(
        (status = 200, body = GridWorkFiguresReport),
        (status = 403, description = "In scope, without a role that reads figures", body = ErrorBody),
        (status = 404, description = "No such unit in the caller's scope", body = ErrorBody),
        (status = 422, description = "A bad period", body = ErrorBody),
    )
)]
#[get("/grid-work/figures")]
pub async fn grid_work_figures(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<GridWorkFiguresQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, today) = (auth.0, today(&state));
    let (unit, period) = query.parse(today)?;
    let reference = state.cases_reference.clone();
    let found = state
        .db
        .run(move |conn| {
            let calendar = reference.calendar(conn, calendar_from(today))?;
            coverage::unit_figures(conn, &principal, &unit, period, today, &calendar)
        })
        .await?;
    Ok(HttpResponse::Ok().json(GridWorkFiguresReport::from(found)))
}
