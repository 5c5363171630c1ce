//! Operations: liveness and readiness. `/metrics` is on the internal listener.

pub mod dto;
pub mod handlers;

use utoipa_actix_web::service_config::ServiceConfig;

/// The feature's routes, at the root.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::healthz).service(handlers::readyz);
}
