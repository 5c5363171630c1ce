//! Operations: liveness and readiness. `/metrics` is on the internal listener.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::ops;

/// The feature's routes, at the root.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz).service(ops::readyz);
}
