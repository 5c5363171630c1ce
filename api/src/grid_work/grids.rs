//! A grid as residents find it (`/grids/locate`, `/me/grid`), its staff's terms, the contact a
//! worker or leader publishes and the grid's WeChat group.

use actix_web::{get, put, web, HttpResponse};
use domain::identity::ids::{GridId, UserId};
use infra::grid_work::grids;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Auth;
use crate::grid_work::grids_dto::{
    ContactChange, ContactView, GridCardView, GroupChange, GroupView, StaffListView, StaffTerms, StaffView,
};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::identity::dto::org::PointQuery;
use crate::state::AppState;

/// The routes of this part. `GET /grids/locate` is registered with identity's grid routes, ahead
/// of `GET /grids/{id}` (see `crate::identity::routes`).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_grid)
        .service(list_grid_staff)
        .service(set_grid_staff_terms)
        .service(set_grid_contact)
        .service(set_grid_group);
}

/// The grid that holds a point (the smallest one when grids nest), as residents find it: its
/// workers and leaders by name, the contact each published (masked unless they chose otherwise)
/// and the grid's WeChat group. Any signed-in user.
#[utoipa::path(tag = "grid_work", params(PointQuery), responses((status = 200, body = GridCardView), (status = 404, body = ErrorBody)))]
#[get("/grids/locate")]
pub async fn locate_grid(
    state: web::Data<AppState>,
    _auth: Auth,
    query: Query<PointQuery>,
) -> Result<HttpResponse, ApiError> {
    let (lat, lng) = query.parse()?;
    let card = state.db.run(move |conn| grids::card_at(conn, lat, lng)).await?;
    Ok(HttpResponse::Ok().json(GridCardView::from(card)))
}

/// The card of the grid on whose roster the caller's household is (404 when none).
#[utoipa::path(tag = "grid_work", responses((status = 200, body = GridCardView), (status = 404, body = ErrorBody)))]
#[get("/me/grid")]
pub async fn my_grid(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let user = auth.0.subject().to_owned();
    let card = state.db.run(move |conn| grids::card_of_member(conn, &user)).await?;
    Ok(HttpResponse::Ok().json(GridCardView::from(card)))
}

/// A grid's staff with their terms and the full- and part-time counts (`ReadGridFigures` over
/// the grid).
#[utoipa::path(tag = "grid_work", params(("id" = String, Path)), responses((status = 200, body = StaffListView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/grids/{id}/staff")]
pub async fn list_grid_staff(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<GridId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let list = state.db.run(move |conn| grids::staff_list(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(StaffListView::from(list)))
}

/// Marks one of a grid's staff full- or part-time (officers over the grid, `ManageCare`). The
/// user must hold a grid_worker, grid_leader or volunteer role on the grid (else 422 `user_id`).
#[utoipa::path(tag = "grid_work", params(("id" = String, Path), ("user_id" = String, Path)), request_body = StaffTerms, responses((status = 200, body = StaffView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/grids/{id}/staff/{user_id}")]
pub async fn set_grid_staff_terms(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    path: web::Path<(GridId, UserId)>,
    body: Json<StaffTerms>,
) -> Result<HttpResponse, ApiError> {
    let (principal, (grid, user), employment) = (auth.0, path.into_inner(), body.parse()?);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let member = state
        .db
        .run(move |conn| grids::set_terms(conn, &principal, &origin, grid.as_str(), user.as_str(), employment, now))
        .await?;
    Ok(HttpResponse::Ok().json(StaffView::from(&member)))
}

/// Publishes (or withdraws, with null) the caller's own contact on a grid where they are a
/// grid_worker or grid_leader: residents see it masked unless `unmasked`.
#[utoipa::path(tag = "grid_work", params(("id" = String, Path)), request_body = ContactChange, responses((status = 200, body = ContactView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/grids/{id}/contact")]
pub async fn set_grid_contact(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<GridId>,
    body: Json<ContactChange>,
) -> Result<HttpResponse, ApiError> {
    let (principal, grid, (contact, unmasked)) = (auth.0, id.into_inner(), body.parse()?);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let shown = state
        .db
        .run(move |conn| grids::set_contact(conn, &principal, &origin, grid.as_str(), contact.as_ref(), unmasked, now))
        .await?;
    Ok(HttpResponse::Ok().json(ContactView { contact: shown, unmasked }))
}

/// Sets the grid's WeChat group entry: a link, a QR image the caller uploaded, both, or neither
/// to withdraw it (a worker or leader of the grid, or an officer over it).
#[utoipa::path(tag = "grid_work", params(("id" = String, Path)), request_body = GroupChange, responses((status = 200, body = GroupView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/grids/{id}/group")]
pub async fn set_grid_group(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<GridId>,
    body: Json<GroupChange>,
) -> Result<HttpResponse, ApiError> {
    let (principal, grid, (link, qr)) = (auth.0, id.into_inner(), body.parse()?);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let row = state
        .db
        .run(move |conn| {
            grids::set_group(
                conn,
                &principal,
                &origin,
                grid.as_str(),
                link.as_ref(),
                qr.as_ref().map(|q| q.as_str()),
                now,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(GroupView::from(row)))
}
