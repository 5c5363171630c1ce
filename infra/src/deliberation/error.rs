//! The deliberation feature's one error: every refusal of a matter, a step, a query or a set-up
//! change, and the failures beneath them. `api` maps it to HTTP in one place.

use diesel::result::Error as DieselError;
use domain::deliberation::Refusal;
use domain::identity::roles::Denial;
use domain::DomainError;

use crate::error::ConnectionLoss;
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

impl DeliberationError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid { field, reason: reason.into() }
    }
}

impl From<DieselError> for DeliberationError {
    fn from(error: DieselError) -> Self {
        Self::Db(error)
    }
}

impl From<DomainError> for DeliberationError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Invalid { field, reason } => Self::Invalid { field, reason: reason.to_owned() },
        }
    }
}

impl From<Denial> for DeliberationError {
    fn from(denial: Denial) -> Self {
        match denial {
            Denial::NotFound => Self::NotFound,
            Denial::Forbidden => Self::Forbidden,
        }
    }
}

impl From<Refusal> for DeliberationError {
    fn from(refusal: Refusal) -> Self {
        Self::Transition(refusal)
    }
}

impl ConnectionLoss for DeliberationError {
    fn connection_lost(&self) -> bool {
        match self {
            Self::Db(e) => e.connection_lost(),
            Self::Infra(e) => e.connection_lost(),
            _ => false,
        }
    }
}

/// For callers that only report failure (the demo seed, a sweeper's log).
impl From<DeliberationError> for InfraError {
    fn from(error: DeliberationError) -> Self {
        match error {
            DeliberationError::Infra(e) => e,
            DeliberationError::Db(e) => InfraError::from(e),
            other => InfraError::Task(other.to_string()),
        }
    }
}
