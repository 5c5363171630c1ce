//! The deliberation feature's one error: every refusal of a matter, a step, a query or a set-up
//! change, and the failures beneath them. `api` maps it to HTTP in one place.

use diesel::result::Error as DieselError;
use domain::deliberation::Refusal;

use crate::InfraError;

#[derive(Debug, thiserror::Error)]
pub enum DeliberationError {
    /// No such matter (or item, meeting…), or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// Visible, but not the caller's to do.
    #[error("forbidden")]
    Forbidden,
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The state machine refuses the step.
    #[error("transition refused: {0:?}")]
    Transition(Refusal),
    /// An action that needs another status (supporting a resolved matter…).
    #[error("{action} is not allowed while {status}")]
    NotNow { action: &'static str, status: String },
    /// Someone else changed the matter first.
    #[error("the matter changed meanwhile")]
    Stale,
    /// Done once already (a support, a rating, a category code).
    #[error("already done")]
    Duplicate,
    /// A meeting announced before its three confirms: the ones missing ("time",
    /// "participants", "agenda").
    #[error("missing confirms: {0:?}")]
    Unconfirmed(Vec<&'static str>),
    /// Neither the village nor a unit above it has chosen a triage scheme.
    #[error("no triage scheme")]
    NoScheme,
    /// A stored value that does not parse (a server error, not the caller's).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl From<Refusal> for DeliberationError {
    fn from(refusal: Refusal) -> Self {
        Self::Transition(refusal)
    }
}

crate::feature_error!(DeliberationError);
