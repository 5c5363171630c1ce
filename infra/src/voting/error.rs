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

impl From<ContestNotNow> for VotingError {
    fn from(refusal: ContestNotNow) -> Self {
        Self::ContestNotNow(refusal)
    }
}

crate::feature_error!(VotingError);
