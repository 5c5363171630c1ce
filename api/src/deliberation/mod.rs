//! Cloud deliberation over HTTP: the catalogs and schemes, matters — raising, supporting,
//! triaging, merging, declining — and (in later parts) opinions, meetings, resolutions,
//! commitments, evaluations and the dossier.

pub mod content;
pub mod dto;
pub mod handlers;
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
        .service(d::decline_matter);
    content::routes(cfg);
    opinions::routes(cfg);
    members::routes(cfg);
}
