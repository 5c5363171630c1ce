//! The one route table.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Every documented route: each feature adds its own.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(crate::ops::routes);
    cfg.configure(crate::notices::board::page_routes);
    cfg.service(
        scope::scope("/api/v1")
            .configure(crate::identity::routes)
            .configure(crate::notify::routes)
            .configure(crate::media::routes)
            .configure(crate::cases::routes)
            .configure(crate::deliberation::routes)
            .configure(crate::voting::routes)
            .configure(crate::grid_work::routes)
            .configure(crate::points::routes)
            .configure(crate::notices::routes)
            .configure(crate::reports::routes)
            .configure(crate::stats::routes),
    );
    cfg.service(scope::scope("/open311/v2").configure(crate::cases::open311_routes));
}
