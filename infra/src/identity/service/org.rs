//! Changing the org tree: units, grids and departments, each change with its audit entry.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::identity::ids::OrgUnitId;
use domain::identity::org::{self as rules, Boundary, GridLevel, OrgKind};
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use domain::DomainError;

use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::audit::{self, Origin};
use crate::identity::error::IdentityError;
use crate::identity::queries;
use crate::identity::rows::{child_path, DepartmentRow, GridRow, NewGrid, OrgUnitRow};
use crate::schema::departments::dsl as d;
use crate::schema::grids::dsl as g;
use crate::schema::org_units::dsl as o;
use crate::DbConn;

/// Adds a unit under a parent (a county at the root: administrators only), in one transaction.
pub fn add_unit(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    parent: Option<&OrgUnitId>,
    kind: OrgKind,
    name: &str,
    now: NaiveDateTime,
) -> Result<OrgUnitRow, IdentityError> {
    write_tx(conn, |conn| {
        let parent = parent.map(|id| queries::org::unit(conn, id)).transpose()?;
        let place = parent.as_ref().map_or_else(|| Place::in_org(Vec::new()), OrgUnitRow::place);
        principal.require(&place, rules::permission_to_add_unit(parent.is_some()))?;
        let parent_kind = parent
            .as_ref()
            .map(|p| OrgKind::parse(&p.kind).map_err(|_| IdentityError::Corrupt("org unit of unknown kind")))
            .transpose()?;
        rules::check_placement(kind, parent_kind)?;
        let id = domain::new_id();
        let row = insert_unit(conn, &id, parent.as_ref(), kind.as_str(), name, now)?;
        let details = serde_json::json!({ "kind": kind.as_str(), "name": name });
        audit::append(conn, &origin.entry(Some(principal), "org_unit_created", "org_unit", &id, details), now)?;
        Ok(row)
    })
}

/// Renames a unit, in one transaction.
pub fn rename(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    id: &OrgUnitId,
    name: &str,
    now: NaiveDateTime,
) -> Result<OrgUnitRow, IdentityError> {
    write_tx(conn, |conn| {
        let unit = queries::org::unit(conn, id)?;
        principal.require(&unit.place(), Permission::ManageOrg)?;
        rename_unit(conn, &unit.id, name)?;
        let details = serde_json::json!({ "from": unit.name, "to": name });
        audit::append(conn, &origin.entry(Some(principal), "org_unit_renamed", "org_unit", &unit.id, details), now)?;
        Ok(OrgUnitRow { name: name.to_owned(), ..unit })
    })
}

/// A grid to draw in a unit.
#[derive(Debug, Clone)]
pub struct GridDraft<'a> {
    pub org_unit_id: &'a OrgUnitId,
    pub level: GridLevel,
    pub name: &'a str,
    /// The GeoJSON as stored, and its shape as parsed from it.
    pub boundary: &'a str,
    pub shape: &'a Boundary,
    /// The unified code, parsed; the grid's id when none is given.
    pub code: Option<&'a str>,
}

/// Draws a grid in a unit, in one transaction.
pub fn add_grid(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    draft: &GridDraft<'_>,
    now: NaiveDateTime,
) -> Result<GridRow, IdentityError> {
    write_tx(conn, |conn| {
        let unit = queries::org::unit(conn, draft.org_unit_id)?;
        principal.require(&unit.place(), Permission::ManageOrg)?;
        let id = domain::new_id();
        let grid = NewGrid {
            id: &id,
            org_unit_id: &unit.id,
            level: draft.level.as_str(),
            name: draft.name,
            boundary: draft.boundary,
            min_lat: draft.shape.min_lat,
            min_lng: draft.shape.min_lng,
            max_lat: draft.shape.max_lat,
            max_lng: draft.shape.max_lng,
            created_at: now,
            code: draft.code.unwrap_or(&id),
        };
        if insert_unique(conn, |conn| insert_grid(conn, &grid))? == Inserted::Duplicate {
            return Err(IdentityError::GridCodeTaken);
        }
        let details = serde_json::json!({ "name": draft.name });
        audit::append(conn, &origin.entry(Some(principal), "grid_created", "grid", &id, details), now)?;
        queries::org::find_grid(conn, &id)?.ok_or(IdentityError::Corrupt("grid vanished"))
    })
}

/// Adds a department to a county, in one transaction; a name the county has is
/// [`IdentityError::DepartmentNameTaken`].
pub fn add_department(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    county: &OrgUnitId,
    name: &str,
    now: NaiveDateTime,
) -> Result<DepartmentRow, IdentityError> {
    write_tx(conn, |conn| {
        let unit = queries::org::unit(conn, county)?;
        principal.require(&unit.place(), Permission::ManageOrg)?;
        if unit.kind != OrgKind::County.as_str() {
            return Err(domain::DomainError::Invalid {
                field: "org_unit_id",
                reason: "departments belong to a county",
            }
            .into());
        }
        let id = domain::new_id();
        if insert_unique(conn, |conn| insert_department(conn, &id, &unit.id, name, now))? == Inserted::Duplicate {
            return Err(IdentityError::DepartmentNameTaken);
        }
        let details = serde_json::json!({ "name": name });
        audit::append(conn, &origin.entry(Some(principal), "department_created", "department", &id, details), now)?;
        Ok(DepartmentRow { id, org_unit_id: unit.id, name: name.to_owned(), created_at: now })
    })
}

pub fn insert_unit(
    conn: &mut DbConn,
    id: &str,
    parent: Option<&OrgUnitRow>,
    kind: &str,
    name: &str,
    now: NaiveDateTime,
) -> Result<OrgUnitRow, DieselError> {
    let row = OrgUnitRow {
        id: id.to_owned(),
        parent_id: parent.map(|p| p.id.clone()),
        kind: kind.to_owned(),
        name: name.to_owned(),
        path: child_path(parent.map(|p| p.path.as_str()), id),
        created_at: now,
    };
    diesel::insert_into(o::org_units)
        .values((
            o::id.eq(&row.id),
            o::parent_id.eq(&row.parent_id),
            o::kind.eq(&row.kind),
            o::name.eq(&row.name),
            o::path.eq(&row.path),
            o::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(row)
}

pub fn rename_unit(conn: &mut DbConn, id: &str, name: &str) -> Result<usize, DieselError> {
    diesel::update(o::org_units.filter(o::id.eq(id))).set(o::name.eq(name)).execute(conn)
}

pub fn insert_grid(conn: &mut DbConn, grid: &NewGrid<'_>) -> Result<usize, DieselError> {
    diesel::insert_into(g::grids).values(grid).execute(conn)
}

pub fn insert_department(
    conn: &mut DbConn,
    id: &str,
    org_unit_id: &str,
    name: &str,
    now: NaiveDateTime,
) -> Result<usize, DieselError> {
    diesel::insert_into(d::departments)
        .values((d::id.eq(id), d::org_unit_id.eq(org_unit_id), d::name.eq(name), d::created_at.eq(now)))
        .execute(conn)
}

/// The most households one request assigns to a grid.
pub const MAX_ASSIGNED: usize = 500;

/// Puts households on a grid's roster (the grid whose workers walk to them), in one transaction:
/// each must live in the grid's village and be the caller's to arrange (`DecideResidency` over
/// its unit); one that is not refuses the whole request. Returns how many changed grid.
pub fn assign_households(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    grid_id: &str,
    household_ids: &[String],
    now: NaiveDateTime,
) -> Result<usize, IdentityError> {
    use crate::schema::households::dsl as h;
    let mut distinct = household_ids.to_vec();
    distinct.sort();
    distinct.dedup();
    if household_ids.is_empty() || household_ids.len() > MAX_ASSIGNED || distinct.len() != household_ids.len() {
        return Err(DomainError::Invalid { field: "household_ids", reason: "1 to 500 distinct households" }.into());
    }
    write_tx(conn, |conn| {
        let grid = queries::org::find_grid(conn, grid_id)?.ok_or(IdentityError::NotFound)?;
        let grid_path = queries::org::unit_path(conn, &grid.org_unit_id)?.ok_or(IdentityError::NotFound)?;
        let rows: Vec<(String, String)> =
            h::households.filter(h::id.eq_any(household_ids)).select((h::id, h::org_unit_id)).load(conn)?;
        if rows.len() != household_ids.len() {
            return Err(IdentityError::NotFound);
        }
        let units: Vec<String> = rows.iter().map(|(_, unit)| unit.clone()).collect();
        let paths = queries::org::unit_paths(conn, &units)?;
        for (_, unit) in &rows {
            let path = paths.get(unit).cloned().unwrap_or_default();
            principal.require(&Place::in_org(path.clone()), Permission::DecideResidency)?;
            if rules::village_of(&path).is_none() || rules::village_of(&path) != rules::village_of(&grid_path) {
                let reason = "each household must live in the grid's village";
                return Err(DomainError::Invalid { field: "household_ids", reason }.into());
            }
        }
        let changed = put_on_grid(conn, grid_id, household_ids)?;
        let details = serde_json::json!({ "households": household_ids.len(), "changed": changed });
        audit::append(conn, &origin.entry(Some(principal), "grid_households_assigned", "grid", grid_id, details), now)?;
        Ok(changed)
    })
}

/// Puts households on a grid's roster, unchecked (the caller checked); returns how many changed.
pub fn put_on_grid(conn: &mut DbConn, grid_id: &str, household_ids: &[String]) -> Result<usize, DieselError> {
    use crate::schema::households::dsl as h;
    diesel::update(h::households.filter(h::id.eq_any(household_ids)))
        .filter(h::grid_id.is_null().or(h::grid_id.ne(grid_id)))
        .set(h::grid_id.eq(grid_id))
        .execute(conn)
}

/// What changes in a grid: each field left `None` stays.
#[derive(Debug, Clone, Default)]
pub struct GridChange<'a> {
    pub name: Option<&'a str>,
    /// The unified code, parsed (upper-case).
    pub code: Option<&'a str>,
    pub level: Option<GridLevel>,
    /// The GeoJSON as stored, and its shape as parsed from it.
    pub boundary: Option<(&'a str, &'a Boundary)>,
}

#[derive(AsChangeset)]
#[diesel(table_name = crate::schema::grids)]
struct GridUpdate<'a> {
    name: Option<&'a str>,
    code: Option<&'a str>,
    level: Option<&'a str>,
    boundary: Option<&'a str>,
    min_lat: Option<f64>,
    min_lng: Option<f64>,
    max_lat: Option<f64>,
    max_lng: Option<f64>,
    updated_at: Option<NaiveDateTime>,
}

/// Edits or re-draws a grid (`ManageOrg` over its unit), in one transaction with its audit
/// entry: a code another grid has is [`IdentityError::GridCodeTaken`]. Cases keep the grid they
/// were filed in and households their roster grid; reports routed afterwards follow the new
/// boundary (the caller tells the cases' reference data that the org tree changed).
pub fn change_grid(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    id: &domain::identity::ids::GridId,
    change: &GridChange<'_>,
    now: NaiveDateTime,
) -> Result<GridRow, IdentityError> {
    write_tx(conn, |conn| {
        let grid = queries::org::grid(conn, id)?;
        let path = queries::org::unit_path(conn, &grid.org_unit_id)?.ok_or(IdentityError::NotFound)?;
        principal.require(&Place::in_org(path), Permission::ManageOrg)?;
        let shape = change.boundary.map(|(_, shape)| shape);
        let update = GridUpdate {
            name: change.name,
            code: change.code,
            level: change.level.map(GridLevel::as_str),
            boundary: change.boundary.map(|(text, _)| text),
            min_lat: shape.map(|s| s.min_lat),
            min_lng: shape.map(|s| s.min_lng),
            max_lat: shape.map(|s| s.max_lat),
            max_lng: shape.map(|s| s.max_lng),
            updated_at: Some(now),
        };
        let write = |conn: &mut DbConn| diesel::update(g::grids.filter(g::id.eq(&grid.id))).set(&update).execute(conn);
        if insert_unique(conn, write)? == Inserted::Duplicate {
            return Err(IdentityError::GridCodeTaken);
        }
        let details = serde_json::json!({
            "name": change.name,
            "code": change.code,
            "level": change.level.map(GridLevel::as_str),
            "redrawn": change.boundary.is_some(),
        });
        audit::append(conn, &origin.entry(Some(principal), "grid_changed", "grid", &grid.id, details), now)?;
        queries::org::find_grid(conn, &grid.id)?.ok_or(IdentityError::Corrupt("grid vanished"))
    })
}
