//! The stats feature over HTTP.

use utoipa_actix_web::service_config::ServiceConfig;

/// The feature's routes under `/api/v1`. Each part adds its own, in its own block.
pub fn routes(_cfg: &mut ServiceConfig) {}
