//! The reports feature over HTTP: anonymous reports (举报) filed by residents, handled by the
//! village's supervisory committee and the township, followed up with a code.

#[allow(clippy::module_inception, reason = "the feature's reports routes beside their DTOs")]
pub mod reports;
pub mod reports_dto;

use utoipa_actix_web::service_config::ServiceConfig;

/// The feature's routes under `/api/v1`. Each part adds its own, in its own block.
pub fn routes(cfg: &mut ServiceConfig) {
    reports::routes(cfg);
}
