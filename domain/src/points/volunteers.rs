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

/// The most characters of a team's name and of a session's title.
pub const MAX_NAME: usize = 40;
/// The most characters of a rejection's reason.
pub const MAX_REASON: usize = 200;

/// Checks a team as staff write it: a name of 1 to [`MAX_NAME`] characters once trimmed, 1 to
/// [`MAX_TEAM`] distinct members, the leader among them.
pub fn check_team(name: &str, leader: &str, members: &[String]) -> Result<(), crate::DomainError> {
    let invalid = |field, reason| crate::DomainError::Invalid { field, reason };
    if !(1..=MAX_NAME).contains(&name.trim().chars().count()) {
        return Err(invalid("name", "1 to 40 characters"));
    }
    if members.is_empty() || members.len() > MAX_TEAM {
        return Err(invalid("member_ids", "1 to 30 members"));
    }
    if members.iter().enumerate().any(|(i, m)| members[..i].contains(m)) {
        return Err(invalid("member_ids", "distinct"));
    }
    if !members.iter().any(|m| m == leader) {
        return Err(invalid("member_ids", "include the leader"));
    }
    Ok(())
}

/// Checks a session as its leader records it: a title, a day not after `today`, and each
/// member's minutes (1 to [`MAX_MINUTES`], each member once, at least one, at most
/// [`MAX_TEAM`]).
pub fn check_session(
    title: &str,
    served_on: chrono::NaiveDate,
    today: chrono::NaiveDate,
    hours: &[(String, u32)],
) -> Result<(), crate::DomainError> {
    let invalid = |field, reason| crate::DomainError::Invalid { field, reason };
    if !(1..=MAX_NAME).contains(&title.trim().chars().count()) {
        return Err(invalid("title", "1 to 40 characters"));
    }
    if served_on > today {
        return Err(invalid("served_on", "not in the future"));
    }
    if hours.is_empty() || hours.len() > MAX_TEAM {
        return Err(invalid("hours", "1 to 30 members"));
    }
    if hours.iter().any(|(_, m)| !(1..=MAX_MINUTES).contains(m)) {
        return Err(invalid("hours", "minutes 1 to 1440 each"));
    }
    if hours.iter().enumerate().any(|(i, (u, _))| hours[..i].iter().any(|(v, _)| v == u)) {
        return Err(invalid("hours", "each member once"));
    }
    Ok(())
}
