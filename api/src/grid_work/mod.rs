//! The grid worker's day over HTTP: visits to households (offline ones synced once, a visit
//! raising a case), coverage and care households, figures, patrols, and a grid as residents
//! find it (its staff, their contact, its WeChat group).

pub mod coverage;
pub mod coverage_dto;
pub mod grids;
pub mod grids_dto;
pub mod patrols;
pub mod patrols_dto;
pub mod visits;
pub mod visits_dto;

use utoipa_actix_web::service_config::ServiceConfig;

/// The feature's routes under `/api/v1`. Each part adds its own, in its own block.
pub fn routes(cfg: &mut ServiceConfig) {
    visits::routes(cfg);
    coverage::routes(cfg);
    grids::routes(cfg);
    patrols::routes(cfg);
}
