//! Notices over HTTP: the inbox, preferences, WeChat subscriptions, announcements, and the
//! outbox as administrators see it.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::{announcements, notifications};

/// The feature's routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(notifications::list_notifications)
        .service(notifications::unread_count)
        .service(notifications::mark_all_read)
        .service(notifications::mark_read)
        .service(notifications::outbox_stats)
        .service(notifications::dead_letters)
        .service(notifications::retry_dead)
        .service(notifications::get_subscriptions)
        .service(notifications::add_subscriptions)
        .service(notifications::get_preferences)
        .service(notifications::set_preference)
        .service(announcements::create_announcement)
        .service(announcements::list_announcements)
        .service(announcements::get_announcement);
}
