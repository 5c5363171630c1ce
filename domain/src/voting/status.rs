//! A poll's life: draft → scheduled → open → closed → published, or cancelled with a reason.
//! Options change only before it opens; ballots are taken only while it is open.

use crate::text_enum;

text_enum!(
    PollStatus "status" "draft, scheduled, open, closed, published or cancelled" {
        Draft => "draft",
        /// Opening and closing times set; the sweeper opens it on time.
        Scheduled => "scheduled",
        Open => "open",
        /// Voting ended; the result is being published.
        Closed => "closed",
        Published => "published",
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// What may be done to a poll.
    PollAction "action" "schedule, open, close, publish, cancel or edit" {
        Schedule => "schedule",
        Open => "open",
        Close => "close",
        Publish => "publish",
        Cancel => "cancel",
        /// Change the title, text, options or rules.
        Edit => "edit",
    }
);

/// Why a move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotNow {
    pub action: PollAction,
    pub status: PollStatus,
}

/// The one place a poll moves. `Edit` keeps the status.
pub fn transition(status: PollStatus, action: PollAction) -> Result<PollStatus, NotNow> {
    use PollAction as A;
    use PollStatus as S;
    match (action, status) {
        (A::Edit, S::Draft | S::Scheduled) => Ok(status),
        (A::Schedule, S::Draft) => Ok(S::Scheduled),
        (A::Open, S::Draft | S::Scheduled) => Ok(S::Open),
        (A::Close, S::Open) => Ok(S::Closed),
        (A::Publish, S::Closed) => Ok(S::Published),
        (A::Cancel, S::Draft | S::Scheduled | S::Open) => Ok(S::Cancelled),
        _ => Err(NotNow { action, status }),
    }
}

impl PollStatus {
    /// Ballots are taken.
    pub fn takes_ballots(self) -> bool {
        self == Self::Open
    }

    /// Nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Published | Self::Cancelled)
    }
}
