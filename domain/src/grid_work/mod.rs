//! The grid worker's day (走访、巡查): visits to the households of a grid, patrols with the points
//! they passed, the households that need care and how often they are due a visit, coverage
//! (走村不漏户: every household seen), the grid's staff and how residents find them. The rules
//! here are pure; `infra::grid_work` stores them and `api::grid_work` serves them.

pub mod care;
pub mod ids;
pub mod patrols;
pub mod staff;
pub mod visits;

pub use ids::{PatrolId, VisitId};

#[cfg(test)]
mod tests;
