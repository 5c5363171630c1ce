//! The grid-work feature's one error. `api` maps it to HTTP in one place.

use diesel::result::Error as DieselError;

use crate::InfraError;

#[derive(Debug, thiserror::Error)]
pub enum GridWorkError {
    /// No such visit, patrol, grid or household, or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// Visible, but not the caller's to do.
    #[error("forbidden")]
    Forbidden,
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// A stored value that does not parse (a server error).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// A case a visit or patrol filed was refused (its category, its grid…): answered as the
    /// cases feature answers.
    #[error(transparent)]
    Case(#[from] crate::cases::CasesError),
    /// The org tree or a household refused (as identity answers).
    #[error(transparent)]
    Identity(#[from] crate::identity::IdentityError),
    #[error(transparent)]
    Db(DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
    /// A patrol asked to do what its state does not allow (points or an end after it ended, a
    /// hazard more than a day after).
    #[error("patrol: cannot {} when {}", .0.action.as_str(), .0.status.as_str())]
    PatrolNotNow(domain::grid_work::patrols::NotNow),
}

crate::feature_error!(GridWorkError);
