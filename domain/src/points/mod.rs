//! Points (积分制 / 三治积分): the pure rules. A village's rule set (activity types with their
//! points, caps, who records them, base points by household size, star thresholds), an entry's
//! path (recorded → reviewed → posted 公示 → effective), the ledger's hash chain, redemption
//! orders, volunteer service hours, stars and the dividend (积分分红) shared exactly to the fen.
//! `infra::points` stores them and `api::points` serves them.

pub mod dividends;
pub mod entries;
pub mod ids;
pub mod ledger;
pub mod redemption;
pub mod rules;
pub mod volunteers;

pub use dividends::{share_by_points, DividendError, Share};
pub use ids::{
    DividendId, EntryId, ItemId, LedgerId, ObjectionId, OrderId, PostingId, RuleId, RuleSetId, SessionId, TeamId,
};

#[cfg(test)]
mod tests;
