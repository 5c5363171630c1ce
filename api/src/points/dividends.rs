//! Dividends over HTTP (积分分红): computed for a village by its cadres, posted publicly for
//! objection, answered, then final — or cancelled and computed anew — and exported as CSV.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::identity::ids::OrgUnitId;
use domain::paging::PageLimit;
use domain::points::{DividendId, ObjectionId};
use infra::points::dividends;
use utoipa_actix_web::service_config::ServiceConfig;

use super::dividends_dto::*;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery};
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_points_dividend)
        .service(get_points_dividend)
        .service(list_points_dividends)
        .service(points_dividend_csv)
        .service(object_to_points_dividend)
        .service(answer_points_dividend_objection)
        .service(finalize_points_dividend)
        .service(cancel_points_dividend);
}

/// Computes a dividend of a village and posts it: `total_fen` shared among its households in
/// proportion to their earned points up to `cut_off` (largest remainders: the shares add up
/// to the total exactly), open for objection for `days`; each household is told its share.
/// Send an `Idempotency-Key`: a retry answers the first dividend.
#[utoipa::path(
    tag = "points",
    params(
        ("id" = String, Path, description = "A village"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _"),
    ),
    request_body = PointsDividendBody,
    responses(
        (status = 201, body = PointsDividendView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Invalid (the field is named); no household has points (cut_off); not a village", body = ErrorBody),
    )
)]
#[post("/org-units/{id}/points/dividends")]
pub async fn create_points_dividend(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now().naive_utc();
    let new = crate::http::json::parse_bytes::<PointsDividendBody>(&req, &body)?.parse(now)?;
    let (caller, unit) = (meta.caller(auth.0), id.into_inner().into_string());
    let key = idempotency::key_from(&req, &caller.principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(PointsDividendView::from(dividends::create_in_tx(conn, &caller, &unit, &new, now)?))
    })
    .await
}

/// One dividend with every household's share and their sum: for the village's residents and
/// staff in scope (staff see every objection, a resident their own).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses((status = 200, body = PointsDividendView), (status = 404, body = ErrorBody))
)]
#[get("/points/dividends/{id}")]
pub async fn get_points_dividend(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<DividendId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner().into_string());
    let view = state.db.run(move |conn| dividends::get(conn, &principal, &id)).await?;
    Ok(HttpResponse::Ok().json(PointsDividendView::from(view)))
}

/// A unit's dividends, newest first (without shares).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = PointsDividendPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/points/dividends")]
pub async fn list_points_dividends(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, limit) = (auth.0, id.into_inner().into_string(), PageLimit::parse(query.limit)?);
    let window = super::redemption::window(&state, "points_dividends", query.cursor.as_ref(), limit)?;
    let rows = state.db.run(move |conn| dividends::list(conn, &principal, &unit, &window)).await?;
    let page = Page::from_probe(rows, limit, &state.cursors, "points_dividends", |d| d.row.id.clone())?;
    let items = page.items.into_iter().map(PointsDividendView::from).collect();
    Ok(HttpResponse::Ok().json(PointsDividendPage { items, next_cursor: page.next_cursor }))
}

/// The shares as CSV (UTF-8 with BOM): 户名, 积分, 分红（元）, 分红（分）. Staff who read or
/// manage points over the village.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/points/dividends/{id}/shares.csv")]
pub async fn points_dividend_csv(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<DividendId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id, now) = (meta.caller(auth.0), id.into_inner().into_string(), state.clock.now().naive_utc());
    let view = state.db.run(move |conn| dividends::shares_for_export(conn, &caller, &id, now)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")))
        .insert_header((header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"dividend.csv\"")))
        .body(shares_csv(view)?))
}

/// A resident's objection to a posted dividend, while the posting runs: once per person
/// (409 `already_done`); after the period, 409 `invalid_transition`.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    request_body = PointsDividendReasonBody,
    responses(
        (status = 201, body = PointsDividendObjection),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/points/dividends/{id}/objections")]
pub async fn object_to_points_dividend(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<DividendId>,
    body: Json<PointsDividendReasonBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, reason) = (meta.caller(auth.0), state.clock.now().naive_utc(), body.into_inner().parse()?);
    let id = id.into_inner().into_string();
    let row = state.db.run(move |conn| dividends::object(conn, &caller, &id, &reason, now)).await?;
    Ok(HttpResponse::Created().json(PointsDividendObjection::from(row)))
}

/// Answers an objection (`village_cadre` and above): upheld or dismissed, once; the objector is
/// told. An upheld objection keeps the dividend from becoming final: cancel it and compute anew.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), ("objection_id" = String, Path)),
    request_body = PointsDividendAnswerBody,
    responses(
        (status = 200, body = PointsDividendObjection),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/points/dividends/{id}/objections/{objection_id}/answer")]
pub async fn answer_points_dividend_objection(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    path: web::Path<(DividendId, ObjectionId)>,
    body: Json<PointsDividendAnswerBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, (ruling, answer)) =
        (meta.caller(auth.0), state.clock.now().naive_utc(), body.into_inner().parse()?);
    let (id, objection) = path.into_inner();
    let (id, objection) = (id.into_string(), objection.into_string());
    let row = state.db.run(move |conn| dividends::answer(conn, &caller, &id, &objection, ruling, &answer, now)).await?;
    Ok(HttpResponse::Ok().json(PointsDividendObjection::from(row)))
}

/// Makes a dividend final (`village_cadre` and above) once its posting period is over with no
/// objection pending or upheld; otherwise 409 `invalid_transition`.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses((status = 200, body = PointsDividendView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[post("/points/dividends/{id}/finalize")]
pub async fn finalize_points_dividend(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<DividendId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner().into_string());
    let view = state.db.run(move |conn| dividends::finalize(conn, &caller, &id, now)).await?;
    Ok(HttpResponse::Ok().json(PointsDividendView::from(view)))
}

/// Cancels a posted dividend (`village_cadre` and above), for one computed anew.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    request_body = PointsDividendReasonBody,
    responses(
        (status = 200, body = PointsDividendView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/points/dividends/{id}/cancel")]
pub async fn cancel_points_dividend(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<DividendId>,
    body: Json<PointsDividendReasonBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, reason) = (meta.caller(auth.0), state.clock.now().naive_utc(), body.into_inner().parse()?);
    let id = id.into_inner().into_string();
    let view = state.db.run(move |conn| dividends::cancel(conn, &caller, &id, &reason, now)).await?;
    Ok(HttpResponse::Ok().json(PointsDividendView::from(view)))
}
