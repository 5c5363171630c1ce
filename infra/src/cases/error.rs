//! The cases feature's one error: every refusal of a report, a step, a query or an admin
//! change, and the failures beneath them. `api` maps it to HTTP in one place.

use diesel::result::Error as DieselError;
use domain::cases::TransitionError;

use crate::InfraError;

#[derive(Debug, thiserror::Error)]
pub enum CasesError {
    /// No such case (or category, key, unit…), or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// Visible, but not the caller's to do.
    #[error("forbidden")]
    Forbidden,
    /// A field that failed validation.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The state machine refuses the step.
    #[error("transition refused: {0:?}")]
    Transition(TransitionError),
    /// An action that needs another status (following a closed case, visiting an open one).
    #[error("{action} is not allowed while {status}")]
    NotNow { action: &'static str, status: String },
    /// Someone else changed the case first.
    #[error("the case changed meanwhile")]
    Stale,
    /// The thing exists already (a category code).
    #[error("already exists")]
    Duplicate,
    /// Escalating to the county needs a department, and the category maps to none.
    #[error("no department for this case")]
    NoDepartment,
    /// The report's point lies in no grid and there is no grid to fall back on.
    #[error("the report lies in no grid")]
    NoGrid,
    /// A resident must bind a phone before reporting (the real-name rule).
    #[error("a bound phone is required")]
    PhoneRequired,
    /// The category is unknown, inactive, or not offered on this channel.
    #[error("unknown category")]
    UnknownCategory,
    /// An Open311 API key that is unknown, revoked, or whose account is gone.
    #[error("invalid api key")]
    InvalidApiKey,
    /// An Open311 key's account may not handle cases where the report lands.
    #[error("the key may not report there")]
    OutsideKeyScope,
    /// A stored value that does not parse (a server error, not the caller's).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl From<TransitionError> for CasesError {
    fn from(error: TransitionError) -> Self {
        Self::Transition(error)
    }
}

crate::feature_error!(CasesError);
