//! Volunteer teams (志愿服务队, Loudi: 4–6 people each) and their service sessions: the leader
//! records who served how long, a cadre confirms, and a rule turns the hours into points once.

use crate::text_enum;

text_enum!(
    SessionStatus "status" "recorded, confirmed or rejected" {
        Recorded => "recorded",
        Confirmed => "confirmed",
        Rejected => "rejected",
    }
);

text_enum!(
    SessionAction "action" "confirm or reject" {
        Confirm => "confirm",
        Reject => "reject",
    }
);

/// A move a session's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionNotNow {
    pub action: SessionAction,
    pub status: SessionStatus,
}

pub fn transition(status: SessionStatus, action: SessionAction) -> Result<SessionStatus, SessionNotNow> {
    match (action, status) {
        (SessionAction::Confirm, SessionStatus::Recorded) => Ok(SessionStatus::Confirmed),
        (SessionAction::Reject, SessionStatus::Recorded) => Ok(SessionStatus::Rejected),
        _ => Err(SessionNotNow { action, status }),
    }
}

/// The most members a team has.
pub const MAX_TEAM: usize = 30;
/// The most minutes one member serves in one session.
pub const MAX_MINUTES: u32 = 24 * 60;

/// Points for `minutes` of service at `per_hour`: whole points, rounded down.
pub fn points_for(per_hour: i64, minutes: u32) -> i64 {
    per_hour * i64::from(minutes) / 60
}
