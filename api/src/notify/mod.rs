//! Notices over HTTP: the inbox, preferences, WeChat subscriptions, announcements, and the
//! outbox as administrators see it.

pub mod dto;
pub mod handlers;

use utoipa_actix_web::service_config::ServiceConfig;

/// The feature's routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_notifications)
        .service(handlers::unread_count)
        .service(handlers::mark_all_read)
        .service(handlers::mark_read)
        .service(handlers::outbox_stats)
        .service(handlers::dead_letters)
        .service(handlers::retry_dead)
        .service(handlers::get_subscriptions)
        .service(handlers::add_subscriptions)
        .service(handlers::get_preferences)
        .service(handlers::set_preference)
        .service(handlers::create_announcement)
        .service(handlers::list_announcements)
        .service(handlers::get_announcement);
}
