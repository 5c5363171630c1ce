//! A points entry's path: recorded by staff (or claimed by a resident with evidence) → reviewed
//! (approved, or rejected with a reason) → publicly posted (公示) for a set number of days, when
//! residents may object → effective (in the ledger) unless an objection was upheld (struck).
//! An automatic entry starts approved: the event that made it was its review.

use chrono::{Duration, NaiveDateTime};

use crate::text_enum;

text_enum!(
    EntryStatus "status" "recorded, claimed, approved, rejected, posted, struck or effective" {
        /// Recorded by staff, waiting for review.
        Recorded => "recorded",
        /// Claimed by the resident, waiting for review.
        Claimed => "claimed",
        /// Reviewed, waiting for the next posting.
        Approved => "approved",
        Rejected => "rejected",
        /// On the village's public posting.
        Posted => "posted",
        /// An objection to it was upheld: it never counts.
        Struck => "struck",
        /// In the ledger.
        Effective => "effective",
    }
);

text_enum!(
    EntryAction "action" "approve, reject, post, strike or take_effect" {
        Approve => "approve",
        Reject => "reject",
        Post => "post",
        /// Uphold an objection.
        Strike => "strike",
        TakeEffect => "take_effect",
    }
);

text_enum!(
    /// Where an entry came from.
    EntrySource "source" "manual, claim, meeting_checkin, ballot, case_confirmed, idea_won or service_hours" {
        Manual => "manual",
        Claim => "claim",
        MeetingCheckin => "meeting_checkin",
        Ballot => "ballot",
        CaseConfirmed => "case_confirmed",
        IdeaWon => "idea_won",
        ServiceHours => "service_hours",
    }
);

impl From<super::rules::AutoSource> for EntrySource {
    fn from(source: super::rules::AutoSource) -> Self {
        use super::rules::AutoSource as A;
        match source {
            A::MeetingCheckin => EntrySource::MeetingCheckin,
            A::Ballot => EntrySource::Ballot,
            A::CaseConfirmed => EntrySource::CaseConfirmed,
            A::IdeaWon => EntrySource::IdeaWon,
            A::ServiceHours => EntrySource::ServiceHours,
        }
    }
}

/// A move an entry's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryNotNow {
    pub action: EntryAction,
    pub status: EntryStatus,
}

/// The one place an entry moves.
pub fn transition(status: EntryStatus, action: EntryAction) -> Result<EntryStatus, EntryNotNow> {
    use EntryAction as A;
    use EntryStatus as S;
    match (action, status) {
        (A::Approve, S::Recorded | S::Claimed) => Ok(S::Approved),
        (A::Reject, S::Recorded | S::Claimed) => Ok(S::Rejected),
        (A::Post, S::Approved) => Ok(S::Posted),
        (A::Strike, S::Posted) => Ok(S::Struck),
        (A::TakeEffect, S::Posted) => Ok(S::Effective),
        _ => Err(EntryNotNow { action, status }),
    }
}

text_enum!(
    /// What a posting shows.
    PostingKind "kind" "entries or dividend" {
        Entries => "entries",
        Dividend => "dividend",
    }
);

text_enum!(
    PostingStatus "status" "open or closed" {
        /// Within its days, or past them with objections still to answer.
        Open => "open",
        /// Settled: its entries took effect or were struck.
        Closed => "closed",
    }
);

text_enum!(
    ObjectionStatus "status" "pending, upheld or dismissed" {
        Pending => "pending",
        Upheld => "upheld",
        Dismissed => "dismissed",
    }
);

text_enum!(
    /// How staff answer an objection.
    Ruling "ruling" "uphold or dismiss" {
        Uphold => "uphold",
        Dismiss => "dismiss",
    }
);

/// The usual posting period (公示期), and its bounds.
pub const DEFAULT_POSTING_DAYS: u32 = 7;
pub const MAX_POSTING_DAYS: u32 = 30;

/// When a posting opened at `opened` for `days` closes.
pub fn posting_ends(opened: NaiveDateTime, days: u32) -> NaiveDateTime {
    opened + Duration::days(i64::from(days))
}

/// Whether a posting may settle: its days are over and no objection is left unanswered.
pub fn may_settle(ends_at: NaiveDateTime, pending_objections: u64, now: NaiveDateTime) -> bool {
    now >= ends_at && pending_objections == 0
}

/// Whether an objection may still be raised: only while the posting's days run.
pub fn may_object(status: PostingStatus, ends_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    status == PostingStatus::Open && now < ends_at
}
