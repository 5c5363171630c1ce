//! The ledger over HTTP: balances (one's own per village, a household's, a person's for staff),
//! ledger pages, corrections by a reversing row, base points by household size, verifying the
//! hash chains, rankings (all-time and monthly, residents and cadres apart) and stars.

use actix_web::{get, post, web, HttpResponse};
use domain::identity::ids::{HouseholdId, OrgUnitId, UserId};
use domain::paging::PageLimit;
use domain::points::LedgerId;
use infra::points::standings::{self, PersonLedger, RowsWindow};
use utoipa_actix_web::service_config::ServiceConfig;

use super::ledger_dto::{
    PointsBasePostedView, PointsHouseholdView, PointsLedgerRowView, PointsMine, PointsMyLedgerQuery,
    PointsPersonLedger, PointsRankingQuery, PointsRankingView, PointsReversalView, PointsReverseBody, PointsStarsView,
    PointsVerifyView,
};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery};
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_points)
        .service(my_points_ledger)
        .service(household_points)
        .service(person_points)
        .service(reverse_points_row)
        .service(post_base_points)
        .service(verify_points)
        .service(points_rankings)
        .service(points_stars);
}

const LEDGER_LIST: &str = "points_ledger";

fn rows_window(state: &AppState, cursor: Option<&String>, limit: PageLimit) -> Result<RowsWindow, ApiError> {
    let before = cursor.map(|c| state.cursors.decode::<i64>(LEDGER_LIST, c)).transpose()?;
    Ok(RowsWindow { before, limit: limit.probe() })
}

fn ledger_page(state: &AppState, found: PersonLedger, limit: PageLimit) -> Result<PointsPersonLedger, ApiError> {
    let page = Page::from_probe(found.rows, limit, &state.cursors, LEDGER_LIST, |r| r.seq)?;
    Ok(PointsPersonLedger {
        village_id: found.village_id,
        person: found.person.into(),
        items: page.items.into_iter().map(PointsLedgerRowView::from).collect(),
        next_cursor: page.next_cursor,
    })
}

/// The caller's points per village where they hold an account or live: their balance and earned
/// points, and their household's total (base points plus every member's) with its stars. Read
/// from the cached accounts: as fast at a million ledger rows as at ten.
#[utoipa::path(tag = "points", responses((status = 200, body = PointsMine)))]
#[get("/me/points")]
pub async fn my_points(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let mine = state.db.run(move |conn| standings::mine(conn, &principal)).await?;
    Ok(HttpResponse::Ok().json(PointsMine::from(mine)))
}

/// The caller's own ledger rows in a village (`unit`), newest first.
#[utoipa::path(
    tag = "points",
    params(PointsMyLedgerQuery),
    responses((status = 200, body = PointsPersonLedger), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/me/points/ledger")]
pub async fn my_points_ledger(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<PointsMyLedgerQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, limit) = (auth.0, PageLimit::parse(query.limit)?);
    let unit = OrgUnitId::parse(&query.unit).ok_or_else(|| ApiError::invalid_field("unit", "an id"))?;
    let window = rows_window(&state, query.cursor.as_ref(), limit)?;
    let found = state.db.run(move |conn| standings::my_ledger(conn, &principal, unit.as_str(), window)).await?;
    Ok(HttpResponse::Ok().json(ledger_page(&state, found, limit)?))
}

/// A household's points: base points plus every member's account in its village, with its
/// stars (its members; staff reading or reviewing points over its unit).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses((status = 200, body = PointsHouseholdView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/households/{id}/points")]
pub async fn household_points(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<HouseholdId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let found = state.db.run(move |conn| standings::of_household(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(PointsHouseholdView::from(found)))
}

/// One person's balance in a village and their ledger, newest first (staff reading points over
/// the village). Someone who neither holds an account there nor lives there is 404.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), ("user_id" = String, Path), PageQuery),
    responses((status = 200, body = PointsPersonLedger), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/points/people/{user_id}")]
pub async fn person_points(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(OrgUnitId, UserId)>,
    meta: RequestMeta,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, (unit, user), limit) = (auth.0, path.into_inner(), PageLimit::parse(query.limit)?);
    let window = rows_window(&state, query.cursor.as_ref(), limit)?;
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let found = state
        .db
        .run(move |conn| standings::person(conn, &principal, &origin, unit.as_str(), user.as_str(), window, now))
        .await?;
    Ok(HttpResponse::Ok().json(ledger_page(&state, found, limit)?))
}

/// Corrects a ledger row by a reversing row on the same account (its points negated, the reason
/// as memo), once (409 `already_done` after). Spending, refunds and reversals are not reversed
/// (422: an order is cancelled instead). Village cadres and officers over the row's village.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    request_body = PointsReverseBody,
    responses(
        (status = 201, body = PointsReversalView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already reversed", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/points/ledger/{id}/reverse")]
pub async fn reverse_points_row(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<LedgerId>,
    body: Json<PointsReverseBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, reason) = (auth.0, id.into_inner(), body.into_inner().reason);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let (reversal, appended) =
        state.db.run(move |conn| standings::reverse(conn, &principal, &origin, id.as_str(), &reason, now)).await?;
    let view = PointsReversalView { reversal: reversal.into(), balance: appended.balance };
    Ok(HttpResponse::Created().json(view))
}

/// Posts every household's base points in a village by its size under the rules in force: once
/// per rule-set version per household, a new version only the difference (village cadres and
/// officers over it). A second run posts nothing.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = PointsBasePostedView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "No rules in force", body = ErrorBody),
        (status = 422, description = "Not a village", body = ErrorBody),
    )
)]
#[post("/org-units/{id}/points/base-points")]
pub async fn post_base_points(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit) = (auth.0, id.into_inner());
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let done =
        state.db.run(move |conn| standings::post_base_points(conn, &principal, &origin, unit.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(PointsBasePostedView::from(done)))
}

/// Verifies the hash chains of the accounts in a unit's subtree (village cadres and officers
/// over it; audited): each broken account named with its first bad row and why.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses((status = 200, body = PointsVerifyView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/org-units/{id}/points/verify")]
pub async fn verify_points(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit) = (auth.0, id.into_inner());
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let verified =
        state.db.run(move |conn| standings::verify_unit(conn, &principal, &origin, unit.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(PointsVerifyView::from(verified)))
}

/// A village's ranking of people or households, all-time or in a Beijing month; residents and
/// cadres ranked apart; ties share a rank (residents of the village, staff reading points over
/// it).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), PointsRankingQuery),
    responses((status = 200, body = PointsRankingView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/points/rankings")]
pub async fn points_rankings(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<PointsRankingQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, ask) = (auth.0, id.into_inner(), query.parse()?);
    let found = state.db.run(move |conn| standings::rankings(conn, &principal, unit.as_str(), &ask)).await?;
    Ok(HttpResponse::Ok().json(PointsRankingView::from(found)))
}

/// A village's star-rated households (星级文明户) by the thresholds in force, most stars first
/// (residents of the village, staff reading points over it).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses((status = 200, body = PointsStarsView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/points/stars")]
pub async fn points_stars(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit) = (auth.0, id.into_inner());
    let found = state.db.run(move |conn| standings::starred(conn, &principal, unit.as_str())).await?;
    Ok(HttpResponse::Ok().json(PointsStarsView::from(found)))
}
