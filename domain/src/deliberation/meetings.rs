//! Meetings: online, courtyard (屋场会) or both. The three confirms (三确) — time, people,
//! items — come before a meeting may be announced; check-in codes expire and serve each person
//! once.

use chrono::NaiveDateTime;

use crate::text_enum;

text_enum!(
    MeetingStatus "status" "draft, announced, held or cancelled" {
        Draft => "draft",
        Announced => "announced",
        Held => "held",
        Cancelled => "cancelled",
    }
);

text_enum!(
    MeetingMode "mode" "online, offline or both" {
        /// A conference link.
        Online => "online",
        /// A courtyard meeting: a place in words, an optional point.
        Offline => "offline",
        Both => "both",
    }
);

text_enum!(
    Rsvp "rsvp" "pending, yes or no" {
        Pending => "pending",
        Yes => "yes",
        No => "no",
    }
);

/// What the three confirms look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirms {
    pub has_time: bool,
    pub invitees: usize,
    pub agenda_items: usize,
}

/// The confirms still missing, by name ("time", "participants", "agenda"); empty when the
/// meeting may be announced.
pub fn missing_confirms(c: Confirms) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !c.has_time {
        missing.push("time");
    }
    if c.invitees == 0 {
        missing.push("participants");
    }
    if c.agenda_items == 0 {
        missing.push("agenda");
    }
    missing
}

/// Why a check-in is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInRefusal {
    /// No such code for this meeting.
    Wrong,
    Expired,
    /// This person checked in already.
    AlreadyIn,
    /// The meeting is not announced (draft, held, cancelled).
    NotOpen,
}

/// Whether a person may check in with a code that matched (or not) at `now`.
pub fn check_in(
    status: MeetingStatus,
    code_matches: bool,
    code_expires_at: Option<NaiveDateTime>,
    already_in: bool,
    now: NaiveDateTime,
) -> Result<(), CheckInRefusal> {
    if status != MeetingStatus::Announced {
        return Err(CheckInRefusal::NotOpen);
    }
    if !code_matches {
        return Err(CheckInRefusal::Wrong);
    }
    if code_expires_at.is_none_or(|t| t <= now) {
        return Err(CheckInRefusal::Expired);
    }
    if already_in {
        return Err(CheckInRefusal::AlreadyIn);
    }
    Ok(())
}
