//! The org tree, grids and departments. The tree's shape is visible to everyone signed in
//! (residents pick their village from it); changing it is for administrators of the subtree.

use actix_web::{get, patch, post, web, HttpResponse};
use domain::identity::ids::{GridId, OrgUnitId};
use infra::identity::service::org::GridDraft;
use infra::identity::{queries, service};

use crate::auth::{session_cache, Auth};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::identity::dto::org::{
    ChildrenQuery, DepartmentList, DepartmentView, GridChange, GridHouseholds, GridHouseholdsAssigned, GridList,
    GridView, NewDepartment, NewGrid, NewOrgUnit, OrgUnitChange, OrgUnitList, OrgUnitView, UnitQuery,
};
use crate::state::AppState;

/// The children of a unit (the counties without `parent_id`).
#[utoipa::path(tag = "org", params(ChildrenQuery), responses((status = 200, body = OrgUnitList)))]
#[get("/org-units")]
pub async fn list_units(
    state: web::Data<AppState>,
    _auth: Auth,
    query: Query<ChildrenQuery>,
) -> Result<HttpResponse, ApiError> {
    let parent = query.parse()?;
    let rows = state.db.run(move |conn| queries::org::children_of(conn, parent.as_ref())).await?;
    Ok(HttpResponse::Ok().json(OrgUnitList { items: rows.into_iter().map(OrgUnitView::from).collect() }))
}

#[utoipa::path(tag = "org", params(("id" = String, Path)), responses((status = 200, body = OrgUnitView)))]
#[get("/org-units/{id}")]
pub async fn get_unit(
    state: web::Data<AppState>,
    _auth: Auth,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = state.db.run(move |conn| queries::org::unit(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(OrgUnitView::from(row)))
}

/// Adds a unit under a parent (a county at the root: administrators only). Needs
/// `county_admin` or above over the parent.
#[utoipa::path(tag = "org", request_body = NewOrgUnit, responses((status = 201, body = OrgUnitView), (status = 404, body = ErrorBody)))]
#[post("/org-units")]
pub async fn create_unit(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<NewOrgUnit>,
) -> Result<HttpResponse, ApiError> {
    let (principal, asked) = (auth.0, body.into_inner().parse()?);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let row = state
        .db
        .run(move |conn| {
            let parent = asked.parent_id.as_ref();
            service::org::add_unit(conn, &principal, &origin, parent, asked.kind, &asked.name, now)
        })
        .await?;
    session_cache::org_changed(&state.store, &state.cases_reference).await?;
    Ok(HttpResponse::Created().json(OrgUnitView::from(row)))
}

/// Renames a unit (`county_admin` or above over it).
#[utoipa::path(tag = "org", params(("id" = String, Path)), request_body = OrgUnitChange, responses((status = 200, body = OrgUnitView)))]
#[patch("/org-units/{id}")]
pub async fn rename_unit(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    body: Json<OrgUnitChange>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, name) = (auth.0, id.into_inner(), body.parse()?);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let row = state.db.run(move |conn| service::org::rename(conn, &principal, &origin, &id, &name, now)).await?;
    Ok(HttpResponse::Ok().json(OrgUnitView::from(row)))
}

/// The grids of a unit's subtree.
#[utoipa::path(tag = "org", params(UnitQuery), responses((status = 200, body = GridList)))]
#[get("/grids")]
pub async fn list_grids(
    state: web::Data<AppState>,
    _auth: Auth,
    query: Query<UnitQuery>,
) -> Result<HttpResponse, ApiError> {
    let unit = query.parse()?;
    let rows = state.db.run(move |conn| queries::org::grids_in_subtree(conn, &unit)).await?;
    Ok(HttpResponse::Ok().json(GridList { items: rows.into_iter().map(GridView::from).collect() }))
}

/// Draws a grid in a unit (`county_admin` or above over the unit).
#[utoipa::path(tag = "org", request_body = NewGrid, responses((status = 201, body = GridView)))]
#[post("/grids")]
pub async fn create_grid(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<NewGrid>,
) -> Result<HttpResponse, ApiError> {
    let (principal, asked) = (auth.0, body.into_inner().parse()?);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let row = state
        .db
        .run(move |conn| {
            let draft = GridDraft {
                org_unit_id: &asked.org_unit_id,
                level: asked.level,
                name: &asked.name,
                boundary: &asked.boundary,
                shape: &asked.shape,
                code: asked.code.as_deref(),
            };
            service::org::add_grid(conn, &principal, &origin, &draft, now)
        })
        .await?;
    session_cache::org_changed(&state.store, &state.cases_reference).await?;
    Ok(HttpResponse::Created().json(GridView::from(row)))
}

/// Puts households of the grid's village on its roster: the grid whose workers visit them
/// (`village_cadre` or above over each household). One that is not the caller's, or of another
/// village, refuses the whole request.
#[utoipa::path(tag = "org", params(("id" = String, Path)), request_body = GridHouseholds, responses((status = 200, body = GridHouseholdsAssigned), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/grids/{id}/households")]
pub async fn assign_households(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<GridId>,
    body: Json<GridHouseholds>,
) -> Result<HttpResponse, ApiError> {
    let (principal, grid, ids) = (auth.0, id.into_inner(), body.into_inner().household_ids);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let changed = state
        .db
        .run(move |conn| service::org::assign_households(conn, &principal, &origin, grid.as_str(), &ids, now))
        .await?;
    Ok(HttpResponse::Ok().json(GridHouseholdsAssigned { changed }))
}

#[utoipa::path(tag = "org", params(("id" = String, Path)), responses((status = 200, body = GridView)))]
#[get("/grids/{id}")]
pub async fn get_grid(
    state: web::Data<AppState>,
    _auth: Auth,
    id: web::Path<GridId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = state.db.run(move |conn| queries::org::grid(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(GridView::from(row)))
}

/// The departments of a county.
#[utoipa::path(tag = "org", params(UnitQuery), responses((status = 200, body = DepartmentList)))]
#[get("/departments")]
pub async fn list_departments(
    state: web::Data<AppState>,
    _auth: Auth,
    query: Query<UnitQuery>,
) -> Result<HttpResponse, ApiError> {
    let county = query.parse()?;
    let rows = state.db.run(move |conn| queries::org::departments_of(conn, &county)).await?;
    Ok(HttpResponse::Ok().json(DepartmentList { items: rows.into_iter().map(DepartmentView::from).collect() }))
}

/// Adds a county department (`county_admin` or above over the county).
#[utoipa::path(tag = "org", request_body = NewDepartment, responses((status = 201, body = DepartmentView), (status = 409, body = ErrorBody)))]
#[post("/departments")]
pub async fn create_department(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<NewDepartment>,
) -> Result<HttpResponse, ApiError> {
    let (principal, (county, name)) = (auth.0, body.parse()?);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let row =
        state.db.run(move |conn| service::org::add_department(conn, &principal, &origin, &county, &name, now)).await?;
    Ok(HttpResponse::Created().json(DepartmentView::from(row)))
}

/// Edits or re-draws a grid (`county_admin` or above over its unit): name, unified code, level,
/// boundary. Cases keep the grid they were filed in and households their roster grid; reports
/// made afterwards follow the new boundary. A code another grid has is 409 (`field: code`).
#[utoipa::path(tag = "org", params(("id" = String, Path)), request_body = GridChange, responses((status = 200, body = GridView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/grids/{id}")]
pub async fn change_grid(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<GridId>,
    body: Json<GridChange>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, asked) = (auth.0, id.into_inner(), body.into_inner().parse()?);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let row = state
        .db
        .run(move |conn| service::org::change_grid(conn, &principal, &origin, &id, &asked.as_change(), now))
        .await?;
    session_cache::org_changed(&state.store, &state.cases_reference).await?;
    Ok(HttpResponse::Ok().json(GridView::from(row)))
}
