//! The stats feature over HTTP.

pub mod contest;
pub mod contest_dto;
pub mod figures;
pub mod figures_dto;
pub mod rankings;
pub mod rankings_dto;
pub mod report;

use utoipa_actix_web::service_config::ServiceConfig;

/// The feature's routes under `/api/v1`. Each part adds its own, in its own block.
pub fn routes(cfg: &mut ServiceConfig) {
    figures::routes(cfg);
    rankings::routes(cfg);
    contest::routes(cfg);
    report::routes(cfg);
}
