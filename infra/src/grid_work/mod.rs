//! The grid worker's day in the database: visits to households (each offline client id made
//! once), patrols and the points they passed, households that need care, coverage and figures,
//! the grid's staff terms, published contacts and WeChat group. `rows` are the diesel rows;
//! `visits`, `patrols`, `coverage` and `grids` each own their reads and writes.

pub mod coverage;
pub mod error;
pub mod grids;
pub mod patrols;
pub mod rows;
pub mod visits;

pub use error::GridWorkError;

use diesel::result::Error as DieselError;
use domain::identity::roles::Place;

/// Where grid work is authorized: the path of `unit_id` (empty, so reached only from the root,
/// if the unit is gone) and the grid, if any. Every visit, patrol, coverage and grid check asks
/// this one place.
pub(crate) fn place(conn: &mut crate::DbConn, unit_id: &str, grid_id: Option<&str>) -> Result<Place, DieselError> {
    let org_path = crate::identity::queries::org::unit_path(conn, unit_id)?.unwrap_or_default();
    Ok(Place { org_path, grid_id: grid_id.map(str::to_owned), department_id: None })
}
