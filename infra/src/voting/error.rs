//! The voting feature's one error. `api` maps it to HTTP in one place.

use diesel::result::Error as DieselError;
use domain::voting::contest::ContestNotNow;
use domain::voting::NotNow;

use crate::InfraError;

#[derive(Debug, thiserror::Error)]
pub enum VotingError {
    /// No such poll (or receipt), or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// Visible, but not the caller's to do (not on the frozen roll, no permission).
    #[error("forbidden")]
    Forbidden,
    /// Not on the poll's frozen roll.
    #[error("not on the roll")]
    NotOnRoll,
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The poll's life refuses the step.
    #[error("{:?} is not allowed while {:?}", .0.action, .0.status)]
    NotNow(NotNow),
    /// The contest's life refuses the step.
    #[error("{:?} is not allowed while the contest is {:?}", .0.action, .0.status)]
    ContestNotNow(ContestNotNow),
    /// An idea outside the contest's submission window.
    #[error("the contest is not taking ideas")]
    SubmissionsClosed,
    /// Ballots are taken only while the poll is open and before it closes.
    #[error("the poll is not open")]
    NotOpen,
    /// Results (and the board) of an after-close poll before it closes.
    #[error("results are shown after the poll closes")]
    ResultsHidden,
    /// The voter has voted already (a secret poll takes one ballot each).
    #[error("already voted")]
    AlreadyVoted,
    /// Another member of the household used its one vote.
    #[error("the household has voted")]
    HouseholdVoted,
    /// The organiser reminded the electorate less than an hour ago.
    #[error("reminded less than an hour ago")]
    RemindedRecently,
    /// The matter has a live (not cancelled) poll already.
    #[error("the matter has a poll")]
    MatterHasPoll,
    /// A stored value that does not parse (a server error).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl From<NotNow> for VotingError {
    fn from(refusal: NotNow) -> Self {
        Self::NotNow(refusal)
    }
}

/// What deliberation answers when a poll is put to one of its matters.
impl From<crate::deliberation::DeliberationError> for VotingError {
    fn from(error: crate::deliberation::DeliberationError) -> Self {
        use crate::deliberation::DeliberationError as D;
        match error {
            D::NotFound => Self::NotFound,
            D::Forbidden => Self::Forbidden,
            D::Invalid { field, reason } => Self::Invalid { field, reason },
            D::Db(e) => Self::Db(e),
            D::Infra(e) => Self::Infra(e),
            other => Self::Corrupt(format!("matter: {other}")),
        }
    }
}

impl From<ContestNotNow> for VotingError {
    fn from(refusal: ContestNotNow) -> Self {
        Self::ContestNotNow(refusal)
    }
}

crate::feature_error!(VotingError);
