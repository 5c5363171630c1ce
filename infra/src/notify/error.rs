//! The notify feature's one error.

use diesel::result::Error as DieselError;
use domain::identity::roles::Denial;

use crate::error::ConnectionLoss;
use crate::InfraError;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// No such notice, delivery, announcement or unit (or not the caller's).
    #[error("not found")]
    NotFound,
    /// The rules refuse the caller (see `domain::notify`).
    #[error("refused: {0:?}")]
    Denied(Denial),
    /// A stored value that cannot be what it says: a server fault.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(#[from] DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl From<Denial> for NotifyError {
    fn from(denial: Denial) -> Self {
        Self::Denied(denial)
    }
}

impl ConnectionLoss for NotifyError {
    fn connection_lost(&self) -> bool {
        match self {
            Self::Db(e) => e.connection_lost(),
            Self::Infra(e) => e.connection_lost(),
            Self::NotFound | Self::Denied(_) | Self::Corrupt(_) => false,
        }
    }
}

/// For the jobs, whose failures are logged: a refusal or a corrupt value fails the task.
impl From<NotifyError> for InfraError {
    fn from(error: NotifyError) -> Self {
        match error {
            NotifyError::Db(e) => Self::from(e),
            NotifyError::Infra(e) => e,
            other => Self::Task(other.to_string()),
        }
    }
}
