//! The media feature's one error.

use diesel::result::Error as DieselError;

use super::MediaKind;
use crate::error::ConnectionLoss;
use crate::InfraError;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// Not one of the accepted formats (executables, PDFs, text, anything unknown).
    #[error("unsupported media format")]
    Unsupported,
    /// An accepted format, but of the other kind (a photo sent as a voice note).
    #[error("expected {expected}, found {found}")]
    WrongKind { expected: MediaKind, found: MediaKind },
    /// More bytes than allowed, or a photo whose pixels would take more than allowed.
    #[error("larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// Claims a format but does not decode.
    #[error("corrupt media")]
    Corrupt,
    /// No such upload, or one the caller may not see.
    #[error("no such media")]
    NotFound,
    /// The file store failed (a server error).
    #[error("media file store: {0}")]
    Files(String),
    #[error(transparent)]
    Db(DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl PartialEq for MediaError {
    /// Refusals compare by what they say; server errors never compare equal.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Unsupported, Self::Unsupported)
            | (Self::Corrupt, Self::Corrupt)
            | (Self::NotFound, Self::NotFound) => true,
            (Self::WrongKind { expected: a, found: b }, Self::WrongKind { expected: c, found: d }) => a == c && b == d,
            (Self::TooLarge { limit: a }, Self::TooLarge { limit: b }) => a == b,
            _ => false,
        }
    }
}

impl From<DieselError> for MediaError {
    fn from(error: DieselError) -> Self {
        Self::Db(error)
    }
}

impl From<crate::cases::CasesError> for MediaError {
    /// What media asks of cases is whether a case may be seen; anything else is a server error.
    fn from(error: crate::cases::CasesError) -> Self {
        match error {
            crate::cases::CasesError::NotFound => Self::NotFound,
            crate::cases::CasesError::Db(e) => Self::Db(e),
            other => Self::Infra(other.into()),
        }
    }
}

impl From<crate::deliberation::DeliberationError> for MediaError {
    /// What media asks of deliberation is whether a matter may be seen.
    fn from(error: crate::deliberation::DeliberationError) -> Self {
        match error {
            crate::deliberation::DeliberationError::NotFound => Self::NotFound,
            crate::deliberation::DeliberationError::Db(e) => Self::Db(e),
            other => Self::Infra(other.into()),
        }
    }
}

impl From<crate::voting::VotingError> for MediaError {
    /// What media asks of voting is whether a poll may be seen.
    fn from(error: crate::voting::VotingError) -> Self {
        match error {
            crate::voting::VotingError::NotFound => Self::NotFound,
            crate::voting::VotingError::Db(e) => Self::Db(e),
            other => Self::Infra(other.into()),
        }
    }
}

impl ConnectionLoss for MediaError {
    fn connection_lost(&self) -> bool {
        match self {
            Self::Db(e) => e.connection_lost(),
            Self::Infra(e) => e.connection_lost(),
            _ => false,
        }
    }
}
