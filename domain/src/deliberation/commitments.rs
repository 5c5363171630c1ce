//! Commitments (有诺必践) and the supervision sheet (民情督办单) raised when one slips.

use chrono::NaiveDateTime;

use crate::text_enum;

text_enum!(
    CommitmentStatus "status" "open, done or escalated" {
        Open => "open",
        Done => "done",
        /// The supervisor sent it to the township.
        Escalated => "escalated",
    }
);

impl CommitmentStatus {
    /// Still owed.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::Escalated)
    }
}

text_enum!(
    /// The three sheets of the 1+3 loop.
    SheetKind "kind" "record, suggestion or supervision" {
        /// 民情记录单: made with every matter.
        Record => "record",
        /// 民情建议单: the council's advice to the committees.
        Suggestion => "suggestion",
        /// 民情督办单: a commitment slipped.
        Supervision => "supervision",
    }
);

/// Whether an open commitment due at `due` is overdue at `now`.
pub fn is_overdue(status: CommitmentStatus, due: NaiveDateTime, now: NaiveDateTime) -> bool {
    status == CommitmentStatus::Open && due <= now
}

/// A supervisor may extend a slipped commitment's deadline once.
pub const MAX_EXTENSIONS: i32 = 1;

/// Whether one more extension is allowed after `extensions` so far, to a deadline after `now`.
pub fn may_extend(extensions: i32, new_due: NaiveDateTime, now: NaiveDateTime) -> bool {
    extensions < MAX_EXTENSIONS && new_due > now
}
