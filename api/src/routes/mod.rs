//! The one route table.

pub mod announcements;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod fallback;
pub mod grants;
pub mod me;
pub mod media;
pub mod notifications;
pub mod open311;
pub mod ops;
pub mod org;
pub mod residency;
pub mod users;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Every documented route. Feature modules add their services here.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz).service(ops::readyz);
    cfg.service(
        scope::scope("/api/v1")
            .service(auth::login)
            .service(auth::wechat_login)
            .service(auth::refresh)
            .service(auth::logout)
            .service(me::bind_phone)
            .service(me::get_me)
            .service(me::change_password)
            .service(me::accept_policy)
            .service(me::delete_me)
            .service(me::set_email)
            .service(org::list_units)
            .service(org::create_unit)
            .service(org::get_unit)
            .service(org::rename_unit)
            .service(org::locate_grid)
            .service(org::list_grids)
            .service(org::create_grid)
            .service(org::get_grid)
            .service(org::list_departments)
            .service(org::create_department)
            .service(grants::list_grants)
            .service(grants::create_grant)
            .service(grants::revoke_grant)
            .service(users::create_staff)
            .service(users::get_user)
            .service(users::reveal_phone)
            .service(audit::list_audit_log)
            .service(residency::apply_residency)
            .service(residency::my_residencies)
            .service(residency::list_residencies)
            .service(residency::get_residency)
            .service(residency::approve_residency)
            .service(residency::reject_residency)
            .service(residency::list_households)
            .service(residency::get_household)
            .service(notifications::list_notifications)
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
            .service(announcements::get_announcement)
            .service(media::upload_media)
            .service(media::get_media)
            .service(cases::list_categories)
            .service(cases::create_category)
            .service(cases::update_category)
            .service(cases::report_case)
            .service(cases::list_cases)
            .service(cases::export_cases)
            .service(cases::find_duplicates)
            .service(cases::nearby_cases)
            .service(cases::get_case)
            .service(cases::accept_case)
            .service(cases::start_case)
            .service(cases::escalate_case)
            .service(cases::resolve_case)
            .service(cases::confirm_case)
            .service(cases::reopen_case)
            .service(cases::follow_case)
            .service(cases::merge_case)
            .service(cases::record_visit)
            .service(cases::reveal_reporter_phone)
            .service(cases::case_figures)
            .service(cases::calendar_years)
            .service(cases::calendar_year)
            .service(cases::upload_calendar_year)
            .service(open311::create_key)
            .service(open311::list_keys)
            .service(open311::revoke_key),
    );
    cfg.service(
        scope::scope("/open311/v2")
            .service(open311::open311_service)
            .service(open311::open311_request)
            .service(open311::open311_token)
            .service(open311::open311_get)
            .service(open311::open311_post),
    );
}
