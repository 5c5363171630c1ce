//! A visit to a household: what kind it was, who was met, what was noted, and the checks a
//! visit passes before it is stored (an offline phone syncs late, not forever).

use chrono::{Duration, NaiveDateTime, Timelike};

use crate::text_enum;
use crate::DomainError;

text_enum!(
    /// What a visit was for.
    VisitKind "kind" "routine, policy, elderly_care, information or hazard_patrol" {
        /// A routine call (走访).
        Routine => "routine",
        /// Explaining a policy (政策宣讲).
        Policy => "policy",
        /// Care for the elderly living alone (关爱独居老人).
        ElderlyCare => "elderly_care",
        /// Collecting information (信息采集).
        Information => "information",
        /// Checking the household for hazards (隐患排查).
        HazardPatrol => "hazard_patrol",
    }
);

/// Who was met: 1 to this many characters, trimmed.
pub const MET_MAX: usize = 64;
/// The note: at most this many characters, trimmed.
pub const NOTE_MAX: usize = 500;
/// Pieces of information one visit may count.
pub const INFO_ITEMS_MAX: i64 = 100;
/// How far ahead of the server's clock a phone's clock may run.
pub const FUTURE_SLACK_MINUTES: i64 = 10;
/// How long an offline visit may wait to be synced.
pub const MAX_AGE_DAYS: i64 = 60;
/// A phone's id for a visit: 1 to this many of letters, digits, `-` and `_`.
pub const CLIENT_ID_MAX: usize = 64;
/// Visits one sync may carry.
pub const SYNC_MAX: usize = 50;

fn invalid(field: &'static str, reason: &'static str) -> DomainError {
    DomainError::Invalid { field, reason }
}

/// Who was met, trimmed: 1 to 64 characters.
pub fn met(value: &str) -> Result<String, DomainError> {
    let met = value.trim();
    let chars = met.chars().count();
    if chars == 0 || chars > MET_MAX {
        return Err(invalid("met", "1 to 64 characters"));
    }
    Ok(met.to_owned())
}

/// The note, trimmed: at most 500 characters (empty is fine).
pub fn note(value: &str) -> Result<String, DomainError> {
    let note = value.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(invalid("note", "at most 500 characters"));
    }
    Ok(note.to_owned())
}

/// Pieces of information collected: 0 to 100.
pub fn info_items(value: i64) -> Result<i32, DomainError> {
    if !(0..=INFO_ITEMS_MAX).contains(&value) {
        return Err(invalid("info_items", "0 to 100"));
    }
    i32::try_from(value).map_err(|_| invalid("info_items", "0 to 100"))
}

/// When the visit took place, to the second (as it is shown): at most 10 minutes after `now`,
/// at most 60 days before it.
pub fn visited_at(at: NaiveDateTime, now: NaiveDateTime) -> Result<NaiveDateTime, DomainError> {
    let at = at.with_nanosecond(0).unwrap_or(at);
    if at > now + Duration::minutes(FUTURE_SLACK_MINUTES) {
        return Err(invalid("visited_at", "not in the future"));
    }
    if at < now - Duration::days(MAX_AGE_DAYS) {
        return Err(invalid("visited_at", "at most 60 days ago"));
    }
    Ok(at)
}

/// The phone's id for a visit: 1 to 64 of letters, digits, `-` and `_`.
pub fn client_id(value: &str) -> Result<String, DomainError> {
    let well_formed = (1..=CLIENT_ID_MAX).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(invalid("client_id", "1 to 64 of letters, digits, - and _"));
    }
    Ok(value.to_owned())
}

/// A visit's point (GCJ-02): both coordinates or neither, within range.
pub fn point(lat: Option<f64>, lng: Option<f64>) -> Result<Option<(f64, f64)>, DomainError> {
    match (lat, lng) {
        (None, None) => Ok(None),
        (Some(lat), Some(lng)) => {
            crate::identity::org::check_point(lat, lng)?;
            Ok(Some((lat, lng)))
        }
        (Some(_), None) => Err(invalid("lng", "lat and lng come together")),
        (None, Some(_)) => Err(invalid("lat", "lat and lng come together")),
    }
}

/// A visit as sent, before its checks.
#[derive(Debug, Clone, Default)]
pub struct Draft<'a> {
    pub kind: &'a str,
    pub met: &'a str,
    pub note: &'a str,
    pub info_items: i64,
    pub visited_at: Option<NaiveDateTime>,
    pub client_id: Option<&'a str>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
}

/// A visit that passed its checks: only [`Visit::parse`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    kind: VisitKind,
    met: String,
    note: String,
    info_items: i32,
    visited_at: NaiveDateTime,
    client_id: Option<String>,
    point: Option<(f64, f64)>,
}

impl Visit {
    /// Checks every field of `draft` against the server's `now`; the first failing field is named.
    pub fn parse(draft: &Draft<'_>, now: NaiveDateTime) -> Result<Self, DomainError> {
        let at = draft.visited_at.ok_or_else(|| invalid("visited_at", "an RFC 3339 time"))?;
        Ok(Self {
            kind: VisitKind::parse(draft.kind)?,
            met: met(draft.met)?,
            note: note(draft.note)?,
            info_items: info_items(draft.info_items)?,
            visited_at: visited_at(at, now)?,
            client_id: draft.client_id.map(client_id).transpose()?,
            point: point(draft.lat, draft.lng)?,
        })
    }

    pub fn kind(&self) -> VisitKind {
        self.kind
    }
    pub fn met(&self) -> &str {
        &self.met
    }
    pub fn note(&self) -> &str {
        &self.note
    }
    pub fn info_items(&self) -> i32 {
        self.info_items
    }
    pub fn visited_at(&self) -> NaiveDateTime {
        self.visited_at
    }
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }
    pub fn point(&self) -> Option<(f64, f64)> {
        self.point
    }
}
