//! The monthly report of an org unit over HTTP: HTML with inline charts, a PNG of the charts,
//! XLSX and CSV (`ReadFigures` in scope).

use actix_web::{get, web, HttpResponse};
use infra::stats::report::{self, MonthlyReport};
use infra::stats::StatsError;
use utoipa_actix_web::service_config::ServiceConfig;

use super::figures_dto::StatsMonthQuery;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::query::Query;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(monthly_html).service(monthly_png).service(monthly_xlsx).service(monthly_csv);
}

/// Gathers the report and turns it into a file, off the async threads.
async fn render<F>(state: &AppState, auth: Auth, id: String, q: StatsMonthQuery, make: F) -> Result<Vec<u8>, ApiError>
where
    F: FnOnce(&MonthlyReport) -> Result<Vec<u8>, StatsError> + Send + 'static,
{
    let (principal, month, satisfied_from) = (auth.0, q.month()?, state.config.cases.satisfied_from);
    Ok(state.db.run(move |conn| make(&report::gather(conn, &principal, &id, month, satisfied_from)?)).await?)
}

fn file(content_type: &str, name: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Content-Disposition", format!("inline; filename=\"{name}\"")))
        .body(bytes)
}

/// The report as an HTML document: headline figures, a table per child unit, and the charts
/// (bars per child unit, lines of the last twelve months) inline as SVG.
#[utoipa::path(tag = "stats", params(("id" = String, Path), StatsMonthQuery), responses((status = 200, description = "HTML", content_type = "text/html"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/org-units/{id}/reports/monthly.html")]
pub async fn monthly_html(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    query: Query<StatsMonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let make = |r: &MonthlyReport| Ok(report::html(r, &report::charts_svg(r)?).into_bytes());
    let bytes = render(&state, auth, id.into_inner(), query.into_inner(), make).await?;
    Ok(file("text/html; charset=utf-8", "monthly.html", bytes))
}

/// The report's charts as a PNG.
#[utoipa::path(tag = "stats", params(("id" = String, Path), StatsMonthQuery), responses((status = 200, description = "PNG", content_type = "image/png"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/org-units/{id}/reports/monthly.png")]
pub async fn monthly_png(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    query: Query<StatsMonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let make = |r: &MonthlyReport| report::png(&report::charts_svg(r)?);
    let bytes = render(&state, auth, id.into_inner(), query.into_inner(), make).await?;
    Ok(file("image/png", "monthly.png", bytes))
}

/// The report as a workbook: the figures, a sheet per child unit, the twelve-month series.
#[utoipa::path(tag = "stats", params(("id" = String, Path), StatsMonthQuery), responses((status = 200, description = "XLSX", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/org-units/{id}/reports/monthly.xlsx")]
pub async fn monthly_xlsx(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    query: Query<StatsMonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let bytes = render(&state, auth, id.into_inner(), query.into_inner(), report::xlsx).await?;
    Ok(file("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "monthly.xlsx", bytes))
}

/// The report as CSV (UTF-8 with a BOM): the unit and each child unit, one row each.
#[utoipa::path(tag = "stats", params(("id" = String, Path), StatsMonthQuery), responses((status = 200, description = "CSV", content_type = "text/csv"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/org-units/{id}/reports/monthly.csv")]
pub async fn monthly_csv(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    query: Query<StatsMonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let bytes = render(&state, auth, id.into_inner(), query.into_inner(), |r| Ok(report::csv(r))).await?;
    Ok(file("text/csv; charset=utf-8", "monthly.csv", bytes))
}
