//! The points feature's one error. `api` maps it to HTTP in one place.

use diesel::result::Error as DieselError;

use crate::InfraError;

#[derive(Debug, thiserror::Error)]
pub enum PointsError {
    /// No such rule set, entry, posting, item, order, team, session or dividend, or one the
    /// caller may not see.
    #[error("not found")]
    NotFound,
    /// Visible, but not the caller's to do.
    #[error("forbidden")]
    Forbidden,
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The same thing a second time (an objection, a member, a rule set version).
    #[error("duplicate")]
    Duplicate,
    /// An object asked to do what its state does not allow (`action` on it while `status`).
    #[error("cannot {action} when {status}")]
    NotNow { action: &'static str, status: &'static str },
    /// The account holds fewer points than the order costs.
    #[error("insufficient points: balance {balance}, needed {needed}")]
    InsufficientPoints { balance: i64, needed: i64 },
    /// The item has fewer left than ordered.
    #[error("out of stock")]
    OutOfStock,
    /// The village has no rule set in force (or none with the rule named).
    #[error("no rules in force")]
    NoRules,
    /// A stored value that does not parse (a server error).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Identity(#[from] crate::identity::IdentityError),
    #[error(transparent)]
    Db(DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

crate::feature_error!(PointsError);

macro_rules! not_now_from {
    ($($ty:ty),+) => {$(
        impl From<$ty> for PointsError {
            fn from(refusal: $ty) -> Self {
                PointsError::NotNow { action: refusal.action.as_str(), status: refusal.status.as_str() }
            }
        }
    )+};
}

not_now_from!(
    domain::points::entries::EntryNotNow,
    domain::points::rules::RuleSetNotNow,
    domain::points::redemption::OrderNotNow,
    domain::points::volunteers::SessionNotNow
);
