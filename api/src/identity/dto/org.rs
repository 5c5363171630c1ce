//! The org tree, grids and departments.

use domain::identity::ids::OrgUnitId;
use domain::identity::org::{Boundary, GridLevel, OrgKind};
use infra::identity::rows::{DepartmentRow, GridRow, OrgUnitRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::known;
use crate::http::error::ApiError;
use crate::http::support::rfc3339;

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

impl From<OrgUnitRow> for OrgUnitView {
    fn from(row: OrgUnitRow) -> Self {
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

impl ChildrenQuery {
    pub fn parse(&self) -> Result<Option<OrgUnitId>, ApiError> {
        self.parent_id.as_deref().map(|id| known(OrgUnitId::parse(id))).transpose()
    }
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

/// A unit as asked for, parsed.
#[derive(Debug)]
pub struct UnitRequest {
    pub parent_id: Option<OrgUnitId>,
    pub kind: OrgKind,
    pub name: String,
}

impl NewOrgUnit {
    pub fn parse(self) -> Result<UnitRequest, ApiError> {
        let kind = OrgKind::parse(&self.kind)?;
        let name = domain::identity::org::parse_name(&self.name, "name")?;
        let parent_id = self.parent_id.as_deref().map(|id| known(OrgUnitId::parse(id))).transpose()?;
        Ok(UnitRequest { parent_id, kind, name })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrgUnitChange {
    #[schema(schema_with = crate::contract::name)]
    pub name: String,
}

impl OrgUnitChange {
    pub fn parse(&self) -> Result<String, ApiError> {
        Ok(domain::identity::org::parse_name(&self.name, "name")?)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GridView {
    pub id: String,
    pub org_unit_id: String,
    #[schema(example = "small")]
    pub level: String,
    pub name: String,
    /// The unified code (统一编码), unique.
    #[schema(example = "JD-XAJ-TW-01")]
    pub code: String,
    /// GeoJSON (GCJ-02).
    pub boundary: serde_json::Value,
}

impl From<GridRow> for GridView {
    fn from(row: GridRow) -> Self {
        Self {
            code: row.code().to_owned(),
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

impl UnitQuery {
    pub fn parse(&self) -> Result<OrgUnitId, ApiError> {
        known(OrgUnitId::parse(&self.org_unit_id))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGrid {
    pub org_unit_id: String,
    #[schema(schema_with = crate::contract::grid_level)]
    pub level: String,
    #[schema(schema_with = crate::contract::name)]
    pub name: String,
    /// The unified code (统一编码): 2–32 letters, digits and hyphens, unique (kept upper-case);
    /// the grid's id when left out.
    #[schema(pattern = "^[A-Za-z0-9-]{2,32}$")]
    pub code: Option<String>,
    /// A GeoJSON Polygon or MultiPolygon in GCJ-02 ([lng, lat] positions).
    pub boundary: serde_json::Value,
}

/// Households to put on a grid's roster.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GridHouseholds {
    /// 1 to 500 distinct households of the grid's village.
    #[schema(schema_with = crate::contract::household_ids)]
    pub household_ids: Vec<String>,
}

/// How many of the households changed grid.
#[derive(Debug, Serialize, ToSchema)]
pub struct GridHouseholdsAssigned {
    pub changed: usize,
}

/// A grid as asked for, parsed: the boundary as stored and as a shape.
#[derive(Debug)]
pub struct GridRequest {
    pub org_unit_id: OrgUnitId,
    pub level: GridLevel,
    pub name: String,
    pub boundary: String,
    pub shape: Boundary,
    pub code: Option<String>,
}

impl NewGrid {
    pub fn parse(self) -> Result<GridRequest, ApiError> {
        let org_unit_id = known(OrgUnitId::parse(&self.org_unit_id))?;
        let level = GridLevel::parse(&self.level)?;
        let name = domain::identity::org::parse_name(&self.name, "name")?;
        let boundary = self.boundary.to_string();
        let shape = Boundary::parse(&boundary)?;
        let code = self.code.as_deref().map(domain::identity::org::parse_grid_code).transpose()?;
        Ok(GridRequest { org_unit_id, level, name, boundary, shape, code })
    }
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

impl PointQuery {
    /// The point in GCJ-02.
    pub fn parse(&self) -> Result<(f64, f64), ApiError> {
        Ok(domain::identity::org::point_in_gcj02(self.lat, self.lng, self.coord.as_deref())?)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentView {
    pub id: String,
    pub org_unit_id: String,
    pub name: String,
}

impl From<DepartmentRow> for DepartmentView {
    fn from(d: DepartmentRow) -> Self {
        Self { id: d.id, org_unit_id: d.org_unit_id, name: d.name }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentList {
    pub items: Vec<DepartmentView>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDepartment {
    /// The county it serves.
    pub org_unit_id: String,
    #[schema(schema_with = crate::contract::name)]
    pub name: String,
}

impl NewDepartment {
    pub fn parse(&self) -> Result<(OrgUnitId, String), ApiError> {
        let county = known(OrgUnitId::parse(&self.org_unit_id))?;
        Ok((county, domain::identity::org::parse_name(&self.name, "name")?))
    }
}

/// What to change in a grid: each field left out stays.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GridChange {
    /// Null or absent: unchanged (so for every field).
    #[schema(schema_with = crate::contract::optional_name)]
    pub name: Option<String>,
    /// The unified code (统一编码): 2–32 letters, digits and hyphens, unique (kept upper-case).
    #[schema(pattern = "^[A-Za-z0-9-]{2,32}$", nullable)]
    pub code: Option<String>,
    #[schema(schema_with = crate::contract::optional_grid_level)]
    pub level: Option<String>,
    /// A GeoJSON Polygon or MultiPolygon in GCJ-02 ([lng, lat] positions): re-draws the grid.
    pub boundary: Option<serde_json::Value>,
}

/// A grid change as asked for, parsed.
#[derive(Debug)]
pub struct GridChangeRequest {
    pub name: Option<String>,
    pub code: Option<String>,
    pub level: Option<GridLevel>,
    pub boundary: Option<(String, Boundary)>,
}

impl GridChange {
    pub fn parse(self) -> Result<GridChangeRequest, ApiError> {
        let name = self.name.as_deref().map(|n| domain::identity::org::parse_name(n, "name")).transpose()?;
        let code = self.code.as_deref().map(domain::identity::org::parse_grid_code).transpose()?;
        let level = self.level.as_deref().map(GridLevel::parse).transpose()?;
        let boundary = self
            .boundary
            .map(|b| {
                let text = b.to_string();
                Boundary::parse(&text).map(|shape| (text, shape))
            })
            .transpose()?;
        Ok(GridChangeRequest { name, code, level, boundary })
    }
}

impl GridChangeRequest {
    /// The change as the service takes it.
    pub fn as_change(&self) -> infra::identity::service::org::GridChange<'_> {
        infra::identity::service::org::GridChange {
            name: self.name.as_deref(),
            code: self.code.as_deref(),
            level: self.level,
            boundary: self.boundary.as_ref().map(|(text, shape)| (text.as_str(), shape)),
        }
    }
}
