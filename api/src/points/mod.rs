//! Points (积分制) over HTTP: rule sets, entries recorded, claimed, reviewed, posted publicly and
//! objected to, the ledger and balances, redemption, volunteer teams and their hours, rankings
//! and stars, dividends.

pub mod dividends;
pub mod dividends_dto;
pub mod entries;
pub mod entries_dto;
pub mod ledger;
pub mod ledger_dto;
pub mod redemption;
pub mod redemption_dto;
pub mod rules;
pub mod rules_dto;
pub mod volunteers;
pub mod volunteers_dto;

use utoipa_actix_web::service_config::ServiceConfig;

/// The feature's routes under `/api/v1`. Each part adds its own, in its own block.
pub fn routes(cfg: &mut ServiceConfig) {
    rules::routes(cfg);
    entries::routes(cfg);
    ledger::routes(cfg);
    redemption::routes(cfg);
    volunteers::routes(cfg);
    dividends::routes(cfg);
}
