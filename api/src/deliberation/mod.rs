//! Cloud deliberation over HTTP: the catalogs and schemes, matters — raising, supporting,
//! triaging, merging, declining — and (in later parts) opinions, meetings, resolutions,
//! commitments, evaluations and the dossier.

pub mod commitments;
pub mod decisions;
pub mod dto;
pub mod evaluation;
pub mod handlers;

use domain::deliberation::WeChatVerdict;
use domain::identity::principal::Principal;
use infra::deliberation::service::Rules;
use utoipa_actix_web::service_config::ServiceConfig;

use self::handlers as d;
use crate::state::AppState;

/// The deployment's rules for deliberation, as the services take them.
pub(crate) fn rules(state: &AppState) -> Rules {
    let settings = &state.config.deliberation;
    Rules {
        triage_days: settings.triage_days,
        solicit_min_days: settings.solicit_min_days,
        rating_days: settings.rating_days,
        reference: state.cases_reference.clone(),
    }
}

/// WeChat's verdict on a text its author is about to publish, asked before the write: `None`
/// when WeChat is not configured (the local word list still applies).
pub(crate) async fn content_check(_state: &AppState, _author: &Principal, _text: &str) -> Option<WeChatVerdict> {
    None
}

/// The feature's routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(d::list_deliberation_categories)
        .service(d::create_deliberation_category)
        .service(d::update_deliberation_category)
        .service(d::get_triage_scheme)
        .service(d::set_triage_scheme)
        .service(d::list_triage_items)
        .service(d::create_triage_item)
        .service(d::update_triage_item)
        .service(d::raise_matter)
        .service(d::list_matters)
        .service(d::get_matter)
        .service(d::support_matter)
        .service(d::triage_matter)
        .service(d::merge_matter)
        .service(d::decline_matter);
    cfg.service(decisions::suggest_matter)
        .service(decisions::resolve_matter)
        .service(decisions::get_resolution)
        .service(decisions::guide_matter)
        .service(decisions::create_agreement)
        .service(decisions::get_agreement)
        .service(decisions::acknowledge_agreement)
        .service(decisions::record_paper_acknowledgement)
        .service(commitments::list_commitments)
        .service(commitments::report_progress)
        .service(commitments::extend_commitment)
        .service(commitments::escalate_commitment)
        .service(evaluation::open_evaluation)
        .service(evaluation::rate_matter)
        .service(evaluation::get_ratings)
        .service(evaluation::revisit_matter);
}
