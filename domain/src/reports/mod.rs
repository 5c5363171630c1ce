//! Anonymous reports (举报) of misconduct by cadres or about the small powers, projects and funds
//! (三小): where a report goes (never to the cadre it names), the follow-up code the reporter
//! keeps, and what is kept of the reporter (only a keyed hash against abuse).
//! `infra::reports` stores them and `api::reports` serves them.

use chrono::{NaiveDateTime, Timelike};

use crate::identity::roles::{Denial, Grant, Permission, Place, ScopeKind};
use crate::{text_enum, typed_id};

typed_id!(
    /// An anonymous report.
    ReportId
);

text_enum!(
    /// What a report is about.
    ReportSubject "subject" "cadre_misconduct, small_power, small_project, small_fund or other" {
        /// A cadre's misconduct.
        CadreMisconduct => "cadre_misconduct",
        /// 小微权力: how a small power was exercised.
        SmallPower => "small_power",
        /// 小项目.
        SmallProject => "small_project",
        /// 小资金.
        SmallFund => "small_fund",
        Other => "other",
    }
);

text_enum!(
    ReportStatus "status" "received, investigating, answered or closed" {
        /// Filed, nobody has taken it up yet.
        Received => "received",
        Investigating => "investigating",
        /// Answered; the reporter may add information and it may be taken up again.
        Answered => "answered",
        /// Settled for good.
        Closed => "closed",
    }
);

text_enum!(
    /// One message of a report's thread.
    MessageKind "kind" "addition or answer" {
        /// Information the reporter added with the follow-up code.
        Addition => "addition",
        /// A handler's answer (with the status it moved the report to).
        Answer => "answer",
    }
);

/// A move the status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportNotNow {
    pub to: ReportStatus,
    pub status: ReportStatus,
}

/// The one place a report's status moves: received → investigating → answered or closed; an
/// answered report may be investigated again or closed; a closed one stays closed. Answering
/// without changing the status is allowed while it is open.
pub fn transition(status: ReportStatus, to: ReportStatus) -> Result<ReportStatus, ReportNotNow> {
    use ReportStatus as S;
    match (status, to) {
        (S::Closed, _) | (_, S::Received) => Err(ReportNotNow { to, status }),
        (S::Received | S::Investigating | S::Answered, S::Investigating | S::Answered | S::Closed) => Ok(to),
    }
}

/// Reports one person may file per day (Beijing).
pub const DAILY_LIMIT: i64 = 5;
/// The shortest and longest report or addition.
pub const MIN_TEXT: usize = 5;
pub const MAX_TEXT: usize = 2000;
/// The most photos and voice notes one report carries.
pub const MAX_ATTACHMENTS: usize = 9;

/// A report's attachments as the reporter lists them: at most [`MAX_ATTACHMENTS`] distinct ids.
pub fn attachments(ids: &[String]) -> Result<Vec<String>, crate::DomainError> {
    let mut distinct = ids.to_vec();
    distinct.sort();
    distinct.dedup();
    if distinct.len() != ids.len() || ids.len() > MAX_ATTACHMENTS || !ids.iter().all(|i| crate::ids::is_valid_id(i)) {
        return Err(crate::DomainError::Invalid { field: "attachments", reason: "up to 9 distinct upload ids" });
    }
    Ok(ids.to_vec())
}

/// The longest free-text name of a cadre.
pub const MAX_NAME: usize = 40;
/// The follow-up code: this many characters of [`CODE_ALPHABET`] (5 bits each: 125 bits).
pub const CODE_LEN: usize = 25;
/// Crockford's base32 alphabet (no I, L, O, U): read aloud and typed without confusion.
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A report's or an addition's text, trimmed, of a sensible length.
pub fn text(value: &str) -> Result<String, crate::DomainError> {
    let value = value.trim();
    let n = value.chars().count();
    if !(MIN_TEXT..=MAX_TEXT).contains(&n) {
        return Err(crate::DomainError::Invalid { field: "text", reason: "5 to 2000 characters" });
    }
    Ok(value.to_owned())
}

/// A free-text cadre name, trimmed; empty is none.
pub fn named_name(value: &str) -> Result<Option<String>, crate::DomainError> {
    let value = value.trim();
    if value.chars().count() > MAX_NAME {
        return Err(crate::DomainError::Invalid { field: "named_name", reason: "at most 40 characters" });
    }
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

/// A follow-up code as typed: upper-cased, spaces and dashes dropped. `None` when it cannot be
/// one (which the caller answers exactly as a code that matches nothing).
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String =
        typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    let ok = code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b));
    ok.then_some(code)
}

/// Encodes random bytes as a follow-up code (the first [`CODE_LEN`] 5-bit groups).
pub fn code_from_bytes(bytes: &[u8; 16]) -> String {
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(*b);
    }
    (0..CODE_LEN).map(|i| char::from(CODE_ALPHABET[((bits >> (i * 5)) & 31) as usize])).collect()
}

/// The stored time of anything a reporter does: rounded down to the hour, so it cannot be
/// matched to an access log's line.
pub fn coarse_time(now: NaiveDateTime) -> NaiveDateTime {
    now.with_minute(0).and_then(|t| t.with_second(0)).and_then(|t| t.with_nanosecond(0)).unwrap_or(now)
}

/// Where a report goes: a report naming a cadre of the village goes to the township only (the
/// village's own supervisory committee works beside the cadre); else to both.
pub fn township_only(names_someone: bool) -> bool {
    names_someone
}

/// Where a report sits and whom it names, for deciding who handles it.
#[derive(Debug, Clone)]
pub struct ReportScope<'a> {
    /// The village's place.
    pub place: &'a Place,
    pub township_only: bool,
    pub named_user_id: Option<&'a str>,
}

/// Whether `user_id` with `grants` may read and answer a report: `HandleReports` over its village
/// (above the village only, for a report that goes to the township only), and never the person
/// it names. A caller outside the village, the named person, and a village's own people for a
/// report that went to the township only get not found; people of the village (or above it)
/// without the permission get forbidden.
pub fn may_handle(user_id: &str, grants: &[Grant], report: &ReportScope<'_>) -> Result<(), Denial> {
    if report.named_user_id == Some(user_id) {
        return Err(Denial::NotFound);
    }
    let above_village =
        |g: &&Grant| g.scope_kind == ScopeKind::OrgUnit && g.org_path.len() < report.place.org_path.len();
    let covering: Vec<&Grant> = grants
        .iter()
        .filter(|g| g.covers(report.place))
        .filter(|g| !report.township_only || above_village(g))
        .collect();
    if covering.is_empty() {
        return Err(Denial::NotFound);
    }
    if covering.iter().any(|g| Permission::HandleReports.allows(g.role)) {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

#[cfg(test)]
mod tests;
