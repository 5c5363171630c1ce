//! Reading the org tree, grids and departments, and where things sit in them.

use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::identity::org::{smallest_holding, GridCandidate, GridLevel};
use std::collections::HashMap;

use crate::schema::departments::dsl as d;
use crate::schema::grids::dsl as g;
use crate::schema::org_units::dsl as o;
use domain::identity::ids::{GridId, OrgUnitId};

use crate::identity::error::IdentityError;
use crate::identity::rows::{split_path, DepartmentRow, GridRow, OrgUnitRow};
use crate::DbConn;

pub fn find_unit(conn: &mut DbConn, id: &str) -> Result<Option<OrgUnitRow>, DieselError> {
    o::org_units.filter(o::id.eq(id)).select(OrgUnitRow::as_select()).first(conn).optional()
}

pub fn children(conn: &mut DbConn, parent_id: Option<&str>) -> Result<Vec<OrgUnitRow>, DieselError> {
    let query = o::org_units.select(OrgUnitRow::as_select()).order(o::name.asc()).into_boxed();
    match parent_id {
        Some(parent) => query.filter(o::parent_id.eq(parent)).load(conn),
        None => query.filter(o::parent_id.is_null()).load(conn),
    }
}

/// Every unit at or below `path`.
pub fn subtree(conn: &mut DbConn, path: &str) -> Result<Vec<OrgUnitRow>, DieselError> {
    o::org_units
        .filter(o::path.like(format!("{path}%")))
        .select(OrgUnitRow::as_select())
        .order(o::path.asc())
        .load(conn)
}

pub fn has_children(conn: &mut DbConn, id: &str) -> Result<bool, DieselError> {
    diesel::select(diesel::dsl::exists(o::org_units.filter(o::parent_id.eq(id)))).get_result(conn)
}

pub fn find_grid(conn: &mut DbConn, id: &str) -> Result<Option<GridRow>, DieselError> {
    g::grids.filter(g::id.eq(id)).select(GridRow::as_select()).first(conn).optional()
}

pub fn grids_of_units(conn: &mut DbConn, unit_ids: &[String]) -> Result<Vec<GridRow>, DieselError> {
    g::grids.filter(g::org_unit_id.eq_any(unit_ids)).select(GridRow::as_select()).order(g::name.asc()).load(conn)
}

/// The grid a point is routed to (`domain::identity::org::smallest_holding`), among the grids whose
/// bounding box holds it.
pub fn locate(conn: &mut DbConn, lat: f64, lng: f64) -> Result<Option<GridRow>, DieselError> {
    let mut boxing = grids_boxing(conn, lat, lng)?;
    let candidates: Vec<GridCandidate<'_>> =
        boxing.iter().map(|g| GridCandidate { id: &g.id, level: &g.level, boundary: &g.boundary }).collect();
    Ok(smallest_holding(&candidates, lat, lng).map(|i| boxing.swap_remove(i)))
}

/// The first grid, in the order given, of the grid grants among `grants` that still exists
/// (where a staff member's reports without a point go).
pub fn first_granted_grid(
    conn: &mut DbConn,
    grants: &[domain::identity::roles::Grant],
) -> Result<Option<GridRow>, DieselError> {
    for grant in grants.iter().filter(|g| g.scope_kind == domain::identity::roles::ScopeKind::Grid) {
        if let Some(grid) = find_grid(conn, &grant.scope_id)? {
            return Ok(Some(grid));
        }
    }
    Ok(None)
}

/// Grids whose bounding box holds the point: the indexed narrowing before the exact test.
pub fn grids_boxing(conn: &mut DbConn, lat: f64, lng: f64) -> Result<Vec<GridRow>, DieselError> {
    g::grids
        .filter(g::min_lat.le(lat))
        .filter(g::max_lat.ge(lat))
        .filter(g::min_lng.le(lng))
        .filter(g::max_lng.ge(lng))
        .select(GridRow::as_select())
        .load(conn)
}

/// Whether grid `outer` holds grid `inner` (see [`GridLevel::holds`]).
fn holds(outer: (&str, &[String]), inner: (&str, &[String])) -> bool {
    match (GridLevel::parse(outer.0), GridLevel::parse(inner.0)) {
        (Ok(outer_level), Ok(inner_level)) => outer_level.holds(inner_level, outer.1, inner.1),
        _ => false,
    }
}

/// The grids nested inside `grid_id`, one query.
/// A grid's level and the path text of its unit.
fn level_and_unit_path(conn: &mut DbConn, grid_id: &str) -> Result<Option<(String, String)>, DieselError> {
    g::grids.inner_join(o::org_units).filter(g::id.eq(grid_id)).select((g::level, o::path)).first(conn).optional()
}

pub fn grids_within(conn: &mut DbConn, grid_id: &str) -> Result<Vec<String>, DieselError> {
    let Some((level, unit_path)) = level_and_unit_path(conn, grid_id)? else {
        return Ok(Vec::new());
    };
    let outer_path = split_path(&unit_path);
    let below: Vec<(String, String, String)> = g::grids
        .inner_join(o::org_units)
        .filter(o::path.like(format!("{unit_path}%")))
        .filter(g::id.ne(grid_id))
        .select((g::id, g::level, o::path))
        .load(conn)?;
    Ok(below
        .into_iter()
        .filter(|(_, inner_level, inner_path)| holds((&level, &outer_path), (inner_level, &split_path(inner_path))))
        .map(|(id, _, _)| id)
        .collect())
}

/// The grid `grid_id` and the grids that hold it, innermost first.
pub fn grid_and_holders(conn: &mut DbConn, grid_id: &str) -> Result<Vec<String>, DieselError> {
    let Some((level, unit_path)) = level_and_unit_path(conn, grid_id)? else {
        return Ok(Vec::new());
    };
    grid_and_holders_at(conn, grid_id, &level, &split_path(&unit_path))
}

/// [`grid_and_holders`] of a grid already read: its level, and the path of its unit.
pub fn grid_and_holders_at(
    conn: &mut DbConn,
    grid_id: &str,
    level: &str,
    inner_path: &[String],
) -> Result<Vec<String>, DieselError> {
    let above: Vec<(String, String, String)> = g::grids
        .inner_join(o::org_units)
        .filter(o::id.eq_any(inner_path.to_vec()))
        .filter(g::id.ne(grid_id))
        .select((g::id, g::level, o::path))
        .load(conn)?;
    let mut ids = vec![grid_id.to_owned()];
    ids.extend(
        above
            .into_iter()
            .filter(|(_, outer_level, outer_path)| holds((outer_level, &split_path(outer_path)), (level, inner_path)))
            .map(|(id, _, _)| id),
    );
    Ok(ids)
}

/// Every grid with the path of its unit: what routing a report needs of the grids, read in one
/// query and held in memory by the cases' reference data (`cases::reference`), which reads it
/// afresh when the org tree's version changes.
#[derive(Debug, Clone, Default)]
pub struct GridMap {
    grids: Vec<(GridRow, Vec<String>)>,
}

/// The [`GridMap`] of the grids now.
pub fn grid_map(conn: &mut DbConn) -> Result<GridMap, DieselError> {
    let rows: Vec<(GridRow, String)> =
        g::grids.inner_join(o::org_units).select((GridRow::as_select(), o::path)).load(conn)?;
    Ok(GridMap { grids: rows.into_iter().map(|(grid, path)| (grid, split_path(&path))).collect() })
}

impl GridMap {
    /// As [`locate`]: the grid a point is routed to, among those whose bounding box holds it.
    pub fn locate(&self, lat: f64, lng: f64) -> Option<GridRow> {
        let boxing: Vec<&GridRow> = self
            .grids
            .iter()
            .map(|(grid, _)| grid)
            .filter(|g| g.min_lat <= lat && g.max_lat >= lat && g.min_lng <= lng && g.max_lng >= lng)
            .collect();
        let candidates: Vec<GridCandidate<'_>> =
            boxing.iter().map(|g| GridCandidate { id: &g.id, level: &g.level, boundary: &g.boundary }).collect();
        smallest_holding(&candidates, lat, lng).map(|i| boxing[i].clone())
    }

    /// The path of a grid's unit, for a grid in the map.
    pub fn unit_path(&self, grid_id: &str) -> Option<Vec<String>> {
        self.grids.iter().find(|(grid, _)| grid.id == grid_id).map(|(_, path)| path.clone())
    }

    /// As [`grid_and_holders_at`]: the grid and the grids that hold it, innermost first.
    pub fn grid_and_holders_at(&self, grid_id: &str, level: &str, inner_path: &[String]) -> Vec<String> {
        let mut ids = vec![grid_id.to_owned()];
        ids.extend(
            self.grids
                .iter()
                .filter(|(outer, _)| outer.id != grid_id && inner_path.contains(&outer.org_unit_id))
                .filter(|(outer, outer_path)| holds((&outer.level, outer_path), (level, inner_path)))
                .map(|(outer, _)| outer.id.clone()),
        );
        ids
    }
}

pub fn find_department(conn: &mut DbConn, id: &str) -> Result<Option<DepartmentRow>, DieselError> {
    d::departments.filter(d::id.eq(id)).select(DepartmentRow::as_select()).first(conn).optional()
}

pub fn departments_of_units(conn: &mut DbConn, unit_ids: &[String]) -> Result<Vec<DepartmentRow>, DieselError> {
    d::departments
        .filter(d::org_unit_id.eq_any(unit_ids))
        .select(DepartmentRow::as_select())
        .order(d::name.asc())
        .load(conn)
}

/// Paths of units read so far, by unit id. A unit's path is the chain of its ancestors' ids,
/// fixed when it is inserted: units are renamed but never moved or removed, and ids are never
/// reused (UUIDv7). So a path read once from a committed row stays true for the process on
/// every instance, and the cache needs no invalidation: a unit created elsewhere is a miss,
/// read from the database on its first use. It holds the reference data of a few counties;
/// past [`PATHS_KEPT`] it starts afresh rather than grow without bound.
static PATHS: std::sync::LazyLock<std::sync::RwLock<HashMap<String, Vec<String>>>> =
    std::sync::LazyLock::new(Default::default);

const PATHS_KEPT: usize = 100_000;

fn cached_paths(unit_ids: &[String]) -> (HashMap<String, Vec<String>>, Vec<String>) {
    let (mut found, mut missing) = (HashMap::new(), Vec::new());
    let paths = PATHS.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    for id in unit_ids {
        match paths.get(id) {
            Some(path) => {
                found.insert(id.clone(), path.clone());
            }
            None => missing.push(id.clone()),
        }
    }
    (found, missing)
}

fn keep_paths(read: &HashMap<String, Vec<String>>) {
    if read.is_empty() {
        return;
    }
    let mut paths = PATHS.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    if paths.len() + read.len() > PATHS_KEPT {
        paths.clear();
    }
    paths.extend(read.iter().map(|(id, path)| (id.clone(), path.clone())));
}

fn in_transaction(conn: &mut DbConn) -> bool {
    use diesel::connection::TransactionManager;
    let status = <DbConn as diesel::Connection>::TransactionManager::transaction_manager_status_mut(conn);
    !matches!(status.transaction_depth(), Ok(None))
}

/// The org path of the unit a grid or department belongs to (from the path cache when it was
/// read before).
pub fn unit_path(conn: &mut DbConn, unit_id: &str) -> Result<Option<Vec<String>>, DieselError> {
    Ok(unit_paths(conn, &[unit_id.to_owned()])?.remove(unit_id))
}

/// Where a unit sits, for authorization: its place from the root (`None` for an unknown unit).
pub fn place_of(conn: &mut DbConn, unit_id: &str) -> Result<Option<domain::identity::roles::Place>, DieselError> {
    Ok(unit_path(conn, unit_id)?.map(domain::identity::roles::Place::in_org))
}

/// The org paths of several units at once: those read before from the path cache, the others
/// in one query (none when all were cached); an unknown id is absent.
pub fn unit_paths(conn: &mut DbConn, unit_ids: &[String]) -> Result<HashMap<String, Vec<String>>, DieselError> {
    let (mut found, missing) = cached_paths(unit_ids);
    if missing.is_empty() {
        return Ok(found);
    }
    let rows: Vec<(String, String)> =
        o::org_units.filter(o::id.eq_any(&missing)).select((o::id, o::path)).load(conn)?;
    let read: HashMap<String, Vec<String>> = rows.into_iter().map(|(id, path)| (id, split_path(&path))).collect();
    // Rows read inside a transaction that may still roll back are not kept.
    if !in_transaction(conn) {
        keep_paths(&read);
    }
    found.extend(read);
    Ok(found)
}

/// A unit, or not found.
pub fn unit(conn: &mut DbConn, id: &OrgUnitId) -> Result<OrgUnitRow, IdentityError> {
    find_unit(conn, id.as_str())?.ok_or(IdentityError::NotFound)
}

/// The children of a unit (that must exist), or the counties.
pub fn children_of(conn: &mut DbConn, parent: Option<&OrgUnitId>) -> Result<Vec<OrgUnitRow>, IdentityError> {
    if let Some(parent) = parent {
        unit(conn, parent)?;
    }
    Ok(children(conn, parent.map(OrgUnitId::as_str))?)
}

/// The grids of a unit's subtree.
pub fn grids_in_subtree(conn: &mut DbConn, id: &OrgUnitId) -> Result<Vec<GridRow>, IdentityError> {
    let unit = unit(conn, id)?;
    let ids: Vec<String> = subtree(conn, &unit.path)?.into_iter().map(|u| u.id).collect();
    Ok(grids_of_units(conn, &ids)?)
}

/// A grid, or not found.
pub fn grid(conn: &mut DbConn, id: &GridId) -> Result<GridRow, IdentityError> {
    find_grid(conn, id.as_str())?.ok_or(IdentityError::NotFound)
}

/// The grid a point (GCJ-02) is routed to, or not found.
pub fn grid_at(conn: &mut DbConn, lat: f64, lng: f64) -> Result<GridRow, IdentityError> {
    locate(conn, lat, lng)?.ok_or(IdentityError::NotFound)
}

/// The departments of a county (none for an unknown one).
pub fn departments_of(conn: &mut DbConn, county: &OrgUnitId) -> Result<Vec<DepartmentRow>, IdentityError> {
    Ok(departments_of_units(conn, &[county.as_str().to_owned()])?)
}

/// The unit of `kind` on the path of unit `unit_id` (itself or an ancestor), if any.
pub fn ancestor_of_kind(conn: &mut DbConn, unit_id: &str, kind: &str) -> Result<Option<String>, DieselError> {
    let Some(path) = unit_path(conn, unit_id)? else {
        return Ok(None);
    };
    o::org_units.filter(o::id.eq_any(path)).filter(o::kind.eq(kind)).select(o::id).first(conn).optional()
}

/// Several units at once, by id (an unknown id is absent).
pub fn units_by_id(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, OrgUnitRow>, DieselError> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<OrgUnitRow> = o::org_units.filter(o::id.eq_any(ids)).select(OrgUnitRow::as_select()).load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id.clone(), r)).collect())
}

/// The units of `ids` (any order; unknown ids left out).
pub fn units_by_ids(conn: &mut DbConn, ids: &[String]) -> Result<Vec<OrgUnitRow>, DieselError> {
    o::org_units.filter(o::id.eq_any(ids.to_vec())).select(OrgUnitRow::as_select()).load(conn)
}

/// (id, path) of every unit at or below any of `paths`, in one statement.
pub fn under_paths(conn: &mut DbConn, paths: &[String]) -> Result<Vec<(String, String)>, DieselError> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = o::org_units.select((o::id, o::path)).into_boxed::<crate::db::DbBackend>();
    for path in paths {
        query = query.or_filter(o::path.like(format!("{path}%")));
    }
    query.load(conn)
}
