//! The notices feature over HTTP.

pub mod board;
pub mod board_dto;
pub mod board_html;
pub mod documents;
pub mod documents_dto;
#[allow(clippy::module_inception, reason = "the feature's notices beside its board and documents")]
pub mod notices;
pub mod notices_dto;
pub mod powers;
pub mod powers_dto;

use utoipa_actix_web::service_config::ServiceConfig;

/// The feature's routes under `/api/v1`. Each part adds its own, in its own block.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.configure(notices::routes);
    board::routes(cfg);
    documents::routes(cfg);
}
