//! Grid cases over HTTP: reporting, the ladder of handling, figures, the calendar, and Open311.

pub mod csv;
pub mod dto;
pub mod handlers;
pub mod open311;

use infra::cases::service::Rules;
use utoipa_actix_web::service_config::ServiceConfig;

use self::handlers as cases;
use self::open311::handlers as o311;
use crate::state::AppState;

/// The deployment's rules for cases, as the services take them.
pub(crate) fn rules(state: &AppState) -> Rules {
    Rules {
        policy: state.config.cases.policy.clone(),
        require_phone: state.config.cases.require_phone,
        reference: state.cases_reference.clone(),
    }
}

/// The feature's routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(cases::list_categories)
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
        .service(o311::create_key)
        .service(o311::list_keys)
        .service(o311::revoke_key);
}

/// Open311 GeoReport v2, under `/open311/v2`.
pub fn open311_routes(cfg: &mut ServiceConfig) {
    cfg.service(o311::open311_service)
        .service(o311::open311_request)
        .service(o311::open311_token)
        .service(o311::open311_get)
        .service(o311::open311_post);
}
