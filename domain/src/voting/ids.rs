//! Ids of the voting feature's objects.

use crate::typed_id;

typed_id!(
    /// A poll, a golden-idea contest's vote, or an assembly motion.
    PollId
);
typed_id!(
    /// One option of a poll.
    OptionId
);
typed_id!(
    /// A ballot: random, never derived from the voter.
    BallotId
);
typed_id!(
    /// A golden-idea contest (金点子评比).
    ContestId
);
typed_id!(
    /// An idea submitted to a contest.
    IdeaId
);
