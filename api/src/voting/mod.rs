//! E-voting over HTTP: polls (create, edit, schedule, cancel, list, read), ballots cast online
//! or recorded offline by staff, the results, the public board and receipts;
//! golden-idea contests and their ideas.

pub mod contests;
pub mod contests_dto;
pub mod dto;
pub mod handlers;

use utoipa_actix_web::service_config::ServiceConfig;

use self::contests as k;
use self::handlers as v;

/// The feature's routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(v::create_poll)
        .service(v::list_polls)
        .service(v::get_poll)
        .service(v::update_poll)
        .service(v::schedule_poll)
        .service(v::cancel_poll)
        .service(v::remind_poll)
        .service(v::cast_ballot)
        .service(v::record_offline_ballot)
        .service(v::poll_results)
        .service(v::poll_board)
        .service(v::poll_receipt)
        .service(k::create_contest)
        .service(k::list_contests)
        .service(k::get_contest)
        .service(k::cancel_contest)
        .service(k::submit_idea)
        .service(k::list_ideas)
        .service(k::moderate_idea);
}
