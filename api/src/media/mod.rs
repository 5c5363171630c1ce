//! Photos and voice notes over HTTP: upload once, refer to by id.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod dto;
pub mod handlers;

use self::handlers as media;

/// The feature's routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(media::upload_media).service(media::get_media);
}
