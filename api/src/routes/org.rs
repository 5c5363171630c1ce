//! The org tree, grids and departments. The tree's shape is visible to everyone signed in
//! (residents pick their village from it); changing it is for administrators of the subtree.

use actix_web::{get, patch, post, web, HttpResponse};
use domain::identity::org::{self, Boundary, GridLevel, OrgKind};
use domain::identity::roles::{Permission, Place};
use infra::db::write_tx;
use infra::identity::{audit, org as store};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::{check_id, rfc3339, RequestMeta};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgUnitView {
    pub id: String,
    pub parent_id: Option<String>,
    #[schema(example = "village")]
    pub kind: String,
    pub name: String,
    /// Ids from the root (a county) down to this unit.
    pub path: Vec<String>,
    pub created_at: String,
}

impl From<store::OrgUnitRow> for OrgUnitView {
    fn from(row: store::OrgUnitRow) -> Self {
        Self {
            path: row.path_ids(),
            id: row.id,
            parent_id: row.parent_id,
            kind: row.kind,
            name: row.name,
            created_at: rfc3339(row.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgUnitList {
    pub items: Vec<OrgUnitView>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ChildrenQuery {
    /// The unit whose children to list; absent for the counties.
    pub parent_id: Option<String>,
}

/// The children of a unit (the counties without `parent_id`).
#[utoipa::path(tag = "org", params(ChildrenQuery), responses((status = 200, body = OrgUnitList)))]
#[get("/org-units")]
pub async fn list_units(
    state: web::Data<AppState>,
    _auth: Auth,
    query: Query<ChildrenQuery>,
) -> Result<HttpResponse, ApiError> {
    let parent = query.into_inner().parent_id;
    if let Some(parent) = &parent {
        check_id(parent)?;
    }
    let rows = state
        .db
        .run(move |conn| {
            if let Some(parent) = &parent {
                store::find_unit(conn, parent)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            }
            Ok::<_, ApiError>(store::children(conn, parent.as_deref())?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(OrgUnitList { items: rows.into_iter().map(OrgUnitView::from).collect() }))
}

#[utoipa::path(tag = "org", params(("id" = String, Path)), responses((status = 200, body = OrgUnitView)))]
#[get("/org-units/{id}")]
pub async fn get_unit(
    state: web::Data<AppState>,
    _auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    check_id(&id)?;
    let row = state.db.run(move |conn| store::find_unit(conn, &id).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(OrgUnitView::from(row.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewOrgUnit {
    /// Absent only for a county.
    pub parent_id: Option<String>,
    #[schema(schema_with = crate::contract::org_kind)]
    pub kind: String,
    #[schema(schema_with = crate::contract::name)]
    pub name: String,
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
    let principal = auth.0;
    let NewOrgUnit { parent_id, kind, name } = body.into_inner();
    let kind = OrgKind::parse(&kind)?;
    let name = org::parse_name(&name, "name")?;
    let now = state.clock.now().naive_utc();
    let row = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<store::OrgUnitRow, ApiError> {
                let parent = match &parent_id {
                    Some(id) => Some(store::find_unit(conn, id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?),
                    None => None,
                };
                let place = parent.as_ref().map_or_else(|| Place::in_org(Vec::new()), store::OrgUnitRow::place);
                principal
                    .require(&place, if parent.is_some() { Permission::ManageOrg } else { Permission::Administer })?;
                let parent_kind = parent.as_ref().map(|p| OrgKind::parse(&p.kind)).transpose()?;
                org::check_placement(kind, parent_kind)?;
                let id = domain::new_id();
                let row = store::insert_unit(conn, &id, parent.as_ref(), kind.as_str(), &name, now)?;
                audit::append(
                    conn,
                    &meta.audit(
                        Some(&principal),
                        "org_unit_created",
                        "org_unit",
                        &id,
                        serde_json::json!({ "kind": kind.as_str(), "name": name }),
                    ),
                    now,
                )?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(OrgUnitView::from(row)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrgUnitChange {
    #[schema(schema_with = crate::contract::name)]
    pub name: String,
}

/// Renames a unit (`county_admin` or above over it).
#[utoipa::path(tag = "org", params(("id" = String, Path)), request_body = OrgUnitChange, responses((status = 200, body = OrgUnitView)))]
#[patch("/org-units/{id}")]
pub async fn rename_unit(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
    body: Json<OrgUnitChange>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let name = org::parse_name(&body.name, "name")?;
    let now = state.clock.now().naive_utc();
    let row = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<store::OrgUnitRow, ApiError> {
                let unit = store::find_unit(conn, &id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                principal.require(&unit.place(), Permission::ManageOrg)?;
                store::rename_unit(conn, &id, &name)?;
                audit::append(
                    conn,
                    &meta.audit(
                        Some(&principal),
                        "org_unit_renamed",
                        "org_unit",
                        &id,
                        serde_json::json!({ "from": unit.name, "to": name }),
                    ),
                    now,
                )?;
                Ok(store::OrgUnitRow { name, ..unit })
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(OrgUnitView::from(row)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GridView {
    pub id: String,
    pub org_unit_id: String,
    #[schema(example = "small")]
    pub level: String,
    pub name: String,
    /// GeoJSON (GCJ-02).
    pub boundary: serde_json::Value,
}

impl From<store::GridRow> for GridView {
    fn from(row: store::GridRow) -> Self {
        Self {
            boundary: serde_json::from_str(&row.boundary).unwrap_or(serde_json::Value::Null),
            id: row.id,
            org_unit_id: row.org_unit_id,
            level: row.level,
            name: row.name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GridList {
    pub items: Vec<GridView>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UnitQuery {
    /// The unit whose subtree to list.
    pub org_unit_id: String,
}

/// The grids of a unit's subtree.
#[utoipa::path(tag = "org", params(UnitQuery), responses((status = 200, body = GridList)))]
#[get("/grids")]
pub async fn list_grids(
    state: web::Data<AppState>,
    _auth: Auth,
    query: Query<UnitQuery>,
) -> Result<HttpResponse, ApiError> {
    let unit_id = query.into_inner().org_unit_id;
    check_id(&unit_id)?;
    let rows = state
        .db
        .run(move |conn| {
            let unit = store::find_unit(conn, &unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            let ids: Vec<String> = store::subtree(conn, &unit.path)?.into_iter().map(|u| u.id).collect();
            Ok::<_, ApiError>(store::grids_of_units(conn, &ids)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(GridList { items: rows.into_iter().map(GridView::from).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGrid {
    pub org_unit_id: String,
    #[schema(schema_with = crate::contract::grid_level)]
    pub level: String,
    #[schema(schema_with = crate::contract::name)]
    pub name: String,
    /// A GeoJSON Polygon or MultiPolygon in GCJ-02 ([lng, lat] positions).
    pub boundary: serde_json::Value,
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
    let principal = auth.0;
    let NewGrid { org_unit_id, level, name, boundary } = body.into_inner();
    check_id(&org_unit_id)?;
    let level = GridLevel::parse(&level)?;
    let name = org::parse_name(&name, "name")?;
    let text = boundary.to_string();
    let shape = Boundary::parse(&text)?;
    let now = state.clock.now().naive_utc();
    let row = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<store::GridRow, ApiError> {
                let unit = store::find_unit(conn, &org_unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                principal.require(&unit.place(), Permission::ManageOrg)?;
                let id = domain::new_id();
                let grid = store::NewGrid {
                    id: &id,
                    org_unit_id: &unit.id,
                    level: level.as_str(),
                    name: &name,
                    boundary: &text,
                    min_lat: shape.min_lat,
                    min_lng: shape.min_lng,
                    max_lat: shape.max_lat,
                    max_lng: shape.max_lng,
                    created_at: now,
                };
                store::insert_grid(conn, &grid)?;
                audit::append(
                    conn,
                    &meta.audit(Some(&principal), "grid_created", "grid", &id, serde_json::json!({ "name": name })),
                    now,
                )?;
                store::find_grid(conn, &id)?.ok_or_else(|| ApiError::internal("grid vanished"))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(GridView::from(row)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PointQuery {
    /// Degrees, within ±90 (`domain::identity::org::MAX_LAT`; a test holds the document to it).
    #[param(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// Degrees, within ±180 (`domain::identity::org::MAX_LNG`).
    #[param(minimum = -180, maximum = 180)]
    pub lng: f64,
    /// `wgs84` when the point comes from `wx.getLocation` unconverted; GCJ-02 otherwise.
    #[param(schema_with = crate::contract::coord)]
    pub coord: Option<String>,
}

/// The grid that holds a point: the smallest one when grids nest. Candidates come from the
/// indexed bounding boxes; the exact test is point-in-polygon.
#[utoipa::path(tag = "org", params(PointQuery), responses((status = 200, body = GridView), (status = 404, body = ErrorBody)))]
#[get("/grids/locate")]
pub async fn locate_grid(
    state: web::Data<AppState>,
    _auth: Auth,
    query: Query<PointQuery>,
) -> Result<HttpResponse, ApiError> {
    let PointQuery { lat, lng, coord } = query.into_inner();
    org::check_point(lat, lng)?;
    let (lat, lng) = match coord.as_deref() {
        None | Some("gcj02") => (lat, lng),
        Some("wgs84") => domain::geo_cn::wgs84_to_gcj02(lat, lng),
        Some(_) => return Err(ApiError::invalid_field("coord", "gcj02 or wgs84")),
    };
    let grid = state.db.run(move |conn| store::locate(conn, lat, lng).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(GridView::from(grid.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?)))
}

#[utoipa::path(tag = "org", params(("id" = String, Path)), responses((status = 200, body = GridView)))]
#[get("/grids/{id}")]
pub async fn get_grid(
    state: web::Data<AppState>,
    _auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    check_id(&id)?;
    let row = state.db.run(move |conn| store::find_grid(conn, &id).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(GridView::from(row.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentView {
    pub id: String,
    pub org_unit_id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentList {
    pub items: Vec<DepartmentView>,
}

/// The departments of a county.
#[utoipa::path(tag = "org", params(UnitQuery), responses((status = 200, body = DepartmentList)))]
#[get("/departments")]
pub async fn list_departments(
    state: web::Data<AppState>,
    _auth: Auth,
    query: Query<UnitQuery>,
) -> Result<HttpResponse, ApiError> {
    let unit_id = query.into_inner().org_unit_id;
    check_id(&unit_id)?;
    let rows = state.db.run(move |conn| store::departments_of_units(conn, &[unit_id]).map_err(ApiError::from)).await?;
    let items =
        rows.into_iter().map(|d| DepartmentView { id: d.id, org_unit_id: d.org_unit_id, name: d.name }).collect();
    Ok(HttpResponse::Ok().json(DepartmentList { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDepartment {
    /// The county it serves.
    pub org_unit_id: String,
    #[schema(schema_with = crate::contract::name)]
    pub name: String,
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
    let principal = auth.0;
    let NewDepartment { org_unit_id, name } = body.into_inner();
    check_id(&org_unit_id)?;
    let name = org::parse_name(&name, "name")?;
    let now = state.clock.now().naive_utc();
    let view = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<DepartmentView, ApiError> {
                let unit = store::find_unit(conn, &org_unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                principal.require(&unit.place(), Permission::ManageOrg)?;
                if unit.kind != OrgKind::County.as_str() {
                    return Err(ApiError::invalid_field("org_unit_id", "departments belong to a county"));
                }
                let id = domain::new_id();
                let inserted =
                    infra::db::insert_unique(conn, |conn| store::insert_department(conn, &id, &unit.id, &name, now))?;
                if inserted == infra::db::Inserted::Duplicate {
                    return Err(ApiError::new(ErrorCode::Conflict).with_details(serde_json::json!({ "field": "name" })));
                }
                audit::append(
                    conn,
                    &meta.audit(
                        Some(&principal),
                        "department_created",
                        "department",
                        &id,
                        serde_json::json!({ "name": name }),
                    ),
                    now,
                )?;
                Ok(DepartmentView { id, org_unit_id: unit.id, name })
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
