//! E-voting (云票选): polls, golden-idea contests and assembly motions. The rules here are pure:
//! the poll's life, the choices a ballot may make, who votes, and how a result is decided
//! (quorum and threshold, in exact integer arithmetic), and the tally a recount repeats.

pub mod contest;
pub mod ids;
pub mod rules;
pub mod status;

pub use ids::{BallotId, ContestId, IdeaId, OptionId, PollId};
pub use rules::{
    check_choices, check_options, tally, Decision, Electorate, Outcome, PollKind, Secrecy, Threshold, Visibility,
};
pub use status::{transition, NotNow, PollAction, PollStatus};

#[cfg(test)]
mod tests;
