//! Cloud deliberation over HTTP: the catalogs and schemes, matters — raising, supporting,
//! triaging, merging, declining — and (in later parts) opinions, meetings, resolutions,
//! commitments, evaluations and the dossier.

pub mod commitments;
pub mod content;
pub mod decisions;
pub mod dossier;
pub mod dto;
pub mod evaluation;
pub mod handlers;
pub mod meetings;
pub mod meetings_dto;
pub mod members;
pub mod opinions;

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

/// WeChat's verdict on a matter its author is about to publish (a forum post, scene 3), asked
/// before the write: `None` when WeChat is not configured (the local word list still applies).
pub(crate) async fn content_check(state: &AppState, author: &Principal, text: &str) -> Option<WeChatVerdict> {
    content::wechat_verdict(state, author, text, infra::wechat::Scene::Forum).await
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
        .service(d::decline_matter)
        .service(dossier::matter_dossier)
        .service(dossier::matter_dossier_page)
        .service(dossier::matter_showcase)
        .service(dossier::matter_report);
    meeting_routes(cfg);
    content::routes(cfg);
    opinions::routes(cfg);
    members::routes(cfg);
    decision_routes(cfg);
}

/// Meetings and the courtyard problem ledger.
fn meeting_routes(cfg: &mut ServiceConfig) {
    use self::meetings as mt;
    cfg.service(mt::create_meeting)
        .service(mt::list_meetings)
        .service(mt::get_meeting)
        .service(mt::update_meeting)
        .service(mt::invite_to_meeting)
        .service(mt::rsvp_meeting)
        .service(mt::register_for_meeting)
        .service(mt::add_meeting_agenda)
        .service(mt::announce_meeting)
        .service(mt::issue_checkin_code)
        .service(mt::check_in_meeting)
        .service(mt::record_meeting_attendance)
        .service(mt::list_meeting_attendance)
        .service(mt::record_meeting_minutes)
        .service(mt::cancel_meeting)
        .service(mt::record_ledger_item)
        .service(mt::meeting_ledger)
        .service(mt::village_ledger)
        .service(mt::answer_ledger_item)
        .service(mt::revisit_ledger_item);
}

/// Decisions, agreements, commitments and evaluation.
fn decision_routes(cfg: &mut ServiceConfig) {
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
