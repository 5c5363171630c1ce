//! The stats feature over HTTP.

pub mod figures;
pub mod figures_dto;
pub mod report;

use utoipa_actix_web::service_config::ServiceConfig;

/// The feature's routes under `/api/v1`. Each part adds its own, in its own block.
pub fn routes(cfg: &mut ServiceConfig) {
    figures::routes(cfg);
    report::routes(cfg);
}
