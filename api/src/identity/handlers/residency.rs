//! Residency: a resident applies to join a village, compound, group or building with their household;
//! staff whose scope covers it decide. Approved residents are the unit's members (and, later,
//! its electorates).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::identity::ids::{HouseholdId, ResidencyId};
use domain::identity::residency::Decision as Ruling;
use domain::paging::PageLimit;
use infra::identity::{queries, service};

use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::identity::dto::residency::{
    Decision, HouseholdPage, HouseholdQuery, HouseholdView, ResidencyApplication, ResidencyPage, ResidencyQuery,
    ResidencyView,
};
use crate::state::AppState;

/// Applies to join a unit (the caller, or the resident a staff member acts for). Send an
/// `Idempotency-Key`: a retry returns the first answer.
#[utoipa::path(
    tag = "residency",
    request_body = ResidencyApplication,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _ (a UUID fits)")),
    responses(
        (status = 201, body = ResidencyView),
        (status = 409, description = "An application is already pending", body = ErrorBody),
        (status = 422, description = "Invalid, or the key was used for another request", body = ErrorBody),
    )
)]
#[post("/me/residency")]
pub async fn apply_residency(
    state: web::Data<AppState>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let application = crate::http::json::parse_bytes::<ResidencyApplication>(&req, &body)?.parse()?;
    let key = idempotency::key_from(&req, principal.subject(), &body)?;
    let (version, now) = (state.config.privacy_policy_version.clone(), state.clock.now().naive_utc());
    idempotency::create_once(&state, key, actix_web::http::StatusCode::CREATED, move |conn| {
        let row = service::residency::apply(conn, &principal, &application, &version, now)?;
        Ok(ResidencyView::from(row))
    })
    .await
}

/// One's own applications, newest first.
#[utoipa::path(tag = "residency", responses((status = 200, body = ResidencyPage)))]
#[get("/me/residency")]
pub async fn my_residencies(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let user_id = auth.0.subject().to_owned();
    let rows = state.db.run(move |conn| queries::residency::applications_of(conn, &user_id)).await?;
    Ok(HttpResponse::Ok()
        .json(ResidencyPage { items: rows.into_iter().map(ResidencyView::from).collect(), next_cursor: None }))
}

/// Applications in the caller's scope, newest first.
#[utoipa::path(tag = "residency", params(ResidencyQuery), responses((status = 200, body = ResidencyPage)))]
#[get("/residencies")]
pub async fn list_residencies(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<ResidencyQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, status, limit) = (auth.0, query.status()?, PageLimit::parse(query.limit)?);
    let before: Option<String> = query.cursor.as_ref().map(|c| state.cursors.decode("residencies", c)).transpose()?;
    let unit = query.org_unit_id()?;
    let rows = state
        .db
        .run(move |conn| {
            let (before, probe) = (before.as_deref(), limit.probe());
            queries::residency::applications_in_scope(conn, &principal, status, unit.as_ref(), before, probe)
        })
        .await?;
    let views = rows.into_iter().map(ResidencyView::from).collect();
    let page = Page::from_probe(views, limit, &state.cursors, "residencies", |v: &ResidencyView| v.id.clone())?;
    Ok(HttpResponse::Ok().json(ResidencyPage { items: page.items, next_cursor: page.next_cursor }))
}

#[utoipa::path(tag = "residency", params(("id" = String, Path)), responses((status = 200, body = ResidencyView)))]
#[get("/residencies/{id}")]
pub async fn get_residency(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<ResidencyId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let row = state.db.run(move |conn| queries::residency::application(conn, &principal, &id)).await?;
    Ok(HttpResponse::Ok().json(ResidencyView::from(row)))
}

async fn decide(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: ResidencyId,
    decision: Ruling,
) -> Result<HttpResponse, ApiError> {
    let (principal, origin, now) = (auth.0, meta.origin(), state.clock.now().naive_utc());
    let row = state
        .db
        .run(move |conn| service::residency::decide_application(conn, &principal, &origin, &id, &decision, now))
        .await?;
    Ok(HttpResponse::Ok().json(ResidencyView::from(row)))
}

/// Approves a pending application (`village_cadre` and above over the unit): the resident
/// joins the unit and the household (a new one is founded with them as head).
#[utoipa::path(tag = "residency", params(("id" = String, Path)), responses((status = 200, body = ResidencyView), (status = 409, body = ErrorBody)))]
#[post("/residencies/{id}/approve")]
pub async fn approve_residency(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<ResidencyId>,
) -> Result<HttpResponse, ApiError> {
    decide(state, auth, meta, id.into_inner(), Ruling::Approve).await
}

/// Rejects a pending application with a reason.
#[utoipa::path(tag = "residency", params(("id" = String, Path)), request_body = Decision, responses((status = 200, body = ResidencyView), (status = 409, body = ErrorBody)))]
#[post("/residencies/{id}/reject")]
pub async fn reject_residency(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<ResidencyId>,
    body: Json<Decision>,
) -> Result<HttpResponse, ApiError> {
    let decision = body.parse()?;
    decide(state, auth, meta, id.into_inner(), decision).await
}

/// Households of a unit's subtree, with members (phones masked).
#[utoipa::path(tag = "residency", params(HouseholdQuery), responses((status = 200, body = HouseholdPage)))]
#[get("/households")]
pub async fn list_households(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<HouseholdQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, limit) = (auth.0, query.parse()?, PageLimit::parse(query.limit)?);
    let before: Option<String> = query.cursor.as_ref().map(|c| state.cursors.decode("households", c)).transpose()?;
    let households = state
        .db
        .run(move |conn| {
            queries::residency::households_of_unit(conn, &principal, &unit, before.as_deref(), limit.probe())
        })
        .await?;
    let views = households.into_iter().map(HouseholdView::from).collect();
    let page = Page::from_probe(views, limit, &state.cursors, "households", |v: &HouseholdView| v.id.clone())?;
    Ok(HttpResponse::Ok().json(HouseholdPage { items: page.items, next_cursor: page.next_cursor }))
}

/// A household: its members may read it, and staff over its unit.
#[utoipa::path(tag = "residency", params(("id" = String, Path)), responses((status = 200, body = HouseholdView)))]
#[get("/households/{id}")]
pub async fn get_household(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<HouseholdId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let household = state.db.run(move |conn| queries::residency::household(conn, &principal, &id)).await?;
    Ok(HttpResponse::Ok().json(HouseholdView::from(household)))
}
