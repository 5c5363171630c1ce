//! Grid cases (网格事件): the lifecycle, the escalation ladder, deadlines, duplicate detection
//! and the monthly figures. "The grid blows the whistle, the departments report for duty."

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::calendar::{deadline, Counting, WorkingCalendar};
use crate::identity::roles::Permission;
use crate::DomainError;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    /// Filed; the grid has not accepted it yet.
    Reported,
    /// Sent up the ladder; the receiving level has not reported for duty (报到) yet.
    Escalated,
    Accepted,
    InProgress,
    /// Staff answered with an outcome; the reporter confirms or reopens.
    Resolved,
    /// Confirmed and rated by the reporter.
    Closed,
    /// Not confirmed in time: closed without a rating (outside the satisfaction rate).
    ClosedUnrated,
    /// Folded into another case; its people follow that one.
    Merged,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 8] = [
        Self::Reported,
        Self::Escalated,
        Self::Accepted,
        Self::InProgress,
        Self::Resolved,
        Self::Closed,
        Self::ClosedUnrated,
        Self::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Escalated => "escalated",
            Self::Accepted => "accepted",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::ClosedUnrated => "closed_unrated",
            Self::Merged => "merged",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or(DomainError::Invalid { field: "status", reason: "unknown case status" })
    }

    /// Still asking for work: counted by the ladder, offered as a duplicate.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Closed | Self::ClosedUnrated | Self::Merged)
    }

    /// How residents read it (the notice says "已{label}").
    pub fn label(self) -> &'static str {
        match self {
            Self::Reported => "提交",
            Self::Escalated => "上报上级",
            Self::Accepted => "受理",
            Self::InProgress => "开始办理",
            Self::Resolved => "办结",
            Self::Closed => "确认关闭",
            Self::ClosedUnrated => "自动关闭",
            Self::Merged => "合并到相同问题",
        }
    }
}

/// The ladder a case climbs: grid → village/community → township/street → county department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Grid,
    Village,
    Township,
    Department,
}

impl Level {
    pub const ALL: [Level; 4] = [Self::Grid, Self::Village, Self::Township, Self::Department];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grid => "grid",
            Self::Village => "village",
            Self::Township => "township",
            Self::Department => "department",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == text)
            .ok_or(DomainError::Invalid { field: "level", reason: "grid, village, township or department" })
    }

    /// The next rung, if any.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Grid => Some(Self::Village),
            Self::Village => Some(Self::Township),
            Self::Township => Some(Self::Department),
            Self::Department => None,
        }
    }

    /// What handling a case at this level takes.
    pub fn handling(self) -> Permission {
        match self {
            Self::Grid => Permission::HandleGridCase,
            Self::Village => Permission::HandleVillageCase,
            Self::Township => Permission::HandleTownshipCase,
            Self::Department => Permission::HandleDepartmentCase,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Normal,
    Urgent,
}

impl Urgency {
    pub const ALL: [Urgency; 2] = [Self::Normal, Self::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Urgent => "urgent",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "normal" => Ok(Self::Normal),
            "urgent" => Ok(Self::Urgent),
            _ => Err(DomainError::Invalid { field: "urgency", reason: "normal or urgent" }),
        }
    }

    /// Urgent cases count calendar hours: a burst pipe does not wait for Monday.
    pub fn counting(self) -> Counting {
        match self {
            Self::Normal => Counting::WorkingHours,
            Self::Urgent => Counting::CalendarHours,
        }
    }
}

/// How staff answered a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Fixed,
    UnableToFix,
    /// Not our responsibility: referred elsewhere.
    Referred,
    Duplicate,
    Withdrawn,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [Self::Fixed, Self::UnableToFix, Self::Referred, Self::Duplicate, Self::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::UnableToFix => "unable_to_fix",
            Self::Referred => "referred",
            Self::Duplicate => "duplicate",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|o| o.as_str() == text).ok_or(DomainError::Invalid {
            field: "outcome",
            reason: "fixed, unable_to_fix, referred, duplicate or withdrawn",
        })
    }
}

/// Which of the grid workers' five duties (网格员五项职责) a category falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Duty {
    /// 基础信息采集
    Information,
    /// 社情民意收集
    PublicOpinion,
    /// 安全隐患排查
    Hazard,
    /// 矛盾纠纷化解
    Dispute,
    /// 政策宣传
    Policy,
}

impl Duty {
    pub const ALL: [Duty; 5] = [Self::Information, Self::PublicOpinion, Self::Hazard, Self::Dispute, Self::Policy];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Information => "information",
            Self::PublicOpinion => "public_opinion",
            Self::Hazard => "hazard",
            Self::Dispute => "dispute",
            Self::Policy => "policy",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|d| d.as_str() == text).ok_or(DomainError::Invalid {
            field: "duty",
            reason: "information, public_opinion, hazard, dispute or policy",
        })
    }
}

/// A case category's code: 2 to 32 of a-z, 0-9 and `_` (it appears in URLs and Open311).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryCode(String);

impl CategoryCode {
    pub const MIN_LEN: usize = 2;
    pub const MAX_LEN: usize = 32;
    /// The same rule as [`CategoryCode::parse`], as a regular expression (for the API document).
    pub const PATTERN: &'static str = "^[a-z0-9_]{2,32}$";

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let ok = (Self::MIN_LEN..=Self::MAX_LEN).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::Invalid { field: "code", reason: "2-32 of a-z, 0-9 and _" })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// How a follow-up visit (回访) reached the reporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VisitMethod {
    Phone,
    InPerson,
}

impl VisitMethod {
    pub const ALL: [VisitMethod; 2] = [Self::Phone, Self::InPerson];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::InPerson => "in_person",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == text)
            .ok_or(DomainError::Invalid { field: "method", reason: "phone or in_person" })
    }
}

/// What someone does to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Accept,
    Start,
    Escalate,
    Resolve,
    Confirm,
    Reopen,
    AutoClose,
    Merge,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Self::Accept,
        Self::Start,
        Self::Escalate,
        Self::Resolve,
        Self::Confirm,
        Self::Reopen,
        Self::AutoClose,
        Self::Merge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Start => "start",
            Self::Escalate => "escalate",
            Self::Resolve => "resolve",
            Self::Confirm => "confirm",
            Self::Reopen => "reopen",
            Self::AutoClose => "auto_close",
            Self::Merge => "merge",
        }
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionError {
    /// The action makes no sense in this status.
    NotAllowed { action: Action, status: CaseStatus },
    /// A department is the top of the ladder.
    TopOfLadder,
}

/// The case after `action`, or why not. The state machine of the issue: reported → accepted →
/// in_progress → resolved → closed, with reopen, and escalation as a move up the ladder that
/// waits for the next level to accept.
pub fn transition(status: CaseStatus, level: Level, action: Action) -> Result<(CaseStatus, Level), TransitionError> {
    use CaseStatus::*;
    let refused = Err(TransitionError::NotAllowed { action, status });
    match (action, status) {
        (Action::Accept, Reported | Escalated) => Ok((Accepted, level)),
        (Action::Start, Accepted) => Ok((InProgress, level)),
        (Action::Escalate, Reported | Escalated | Accepted | InProgress) => {
            level.next().map(|up| (Escalated, up)).ok_or(TransitionError::TopOfLadder)
        }
        (Action::Resolve, Reported | Escalated | Accepted | InProgress) => Ok((Resolved, level)),
        (Action::Confirm, Resolved) => Ok((Closed, level)),
        (Action::Reopen, Resolved) => Ok((InProgress, level)),
        (Action::AutoClose, Resolved) => Ok((ClosedUnrated, level)),
        (Action::Merge, s) if s.is_open() => Ok((Merged, level)),
        _ => refused,
    }
}

/// A satisfaction rating, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating(u8);

impl Rating {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;

    pub fn parse(value: i64) -> Result<Self, DomainError> {
        u8::try_from(value)
            .ok()
            .filter(|v| (Self::MIN..=Self::MAX).contains(v))
            .map(Self)
            .ok_or(DomainError::Invalid { field: "rating", reason: "1 to 5" })
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

/// The least rating that counts as satisfied: 4 by default (four or five stars, as townships
/// count "满意"); a deployment may choose another (`YISHI_CASE_SATISFIED_MIN_RATING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SatisfiedFrom(u8);

impl Default for SatisfiedFrom {
    fn default() -> Self {
        Self(4)
    }
}

impl SatisfiedFrom {
    pub fn parse(value: i64) -> Result<Self, DomainError> {
        Rating::parse(value)
            .map(|r| Self(r.value()))
            .map_err(|_| DomainError::Invalid { field: "satisfied_from", reason: "a rating, 1 to 5" })
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn satisfied(self, rating: i32) -> bool {
        rating >= i32::from(self.0)
    }
}

/// Hours to accept and to resolve at one level and urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Limits {
    pub accept_hours: u32,
    pub resolve_hours: u32,
}

/// The deadlines: per level and urgency, and the reporter's time to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlinePolicy {
    /// `[level][urgency]`, in the order of [`Level::ALL`] and normal/urgent.
    limits: [[Limits; 2]; 4],
    /// Calendar hours a reporter has to confirm or reopen before the case closes unrated.
    pub confirm_hours: u32,
}

impl Default for DeadlinePolicy {
    /// Working hours for normal cases, calendar hours for urgent ones.
    fn default() -> Self {
        let l = |accept_hours, resolve_hours| Limits { accept_hours, resolve_hours };
        Self {
            limits: [
                [l(4, 24), l(1, 12)],  // grid: accept within half a working day, resolve in three
                [l(8, 40), l(2, 24)],  // village
                [l(8, 40), l(2, 24)],  // township
                [l(16, 80), l(4, 48)], // county department
            ],
            confirm_hours: 7 * 24,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyOverrides {
    #[serde(default)]
    levels: std::collections::HashMap<String, std::collections::HashMap<String, Limits>>,
    confirm_hours: Option<u32>,
}

impl DeadlinePolicy {
    pub fn limits(&self, level: Level, urgency: Urgency) -> Limits {
        let row = Level::ALL.iter().position(|l| *l == level).unwrap_or(0);
        let col = usize::from(urgency == Urgency::Urgent);
        self.limits[row][col]
    }

    /// The defaults with overrides from configuration, e.g.
    /// `{"levels": {"grid": {"normal": {"accept_hours": 2, "resolve_hours": 16}}}, "confirm_hours": 72}`.
    pub fn with_overrides(json: &str) -> Result<Self, DomainError> {
        let invalid = DomainError::Invalid { field: "YISHI_CASE_DEADLINES", reason: "see the README for its form" };
        let overrides: PolicyOverrides = serde_json::from_str(json).map_err(|_| invalid.clone())?;
        let mut policy = Self::default();
        for (level, per_urgency) in overrides.levels {
            let row = Level::ALL.iter().position(|l| l.as_str() == level).ok_or(invalid.clone())?;
            for (urgency, limits) in per_urgency {
                let col = usize::from(Urgency::parse(&urgency).map_err(|_| invalid.clone())? == Urgency::Urgent);
                if limits.accept_hours == 0 || limits.resolve_hours == 0 {
                    return Err(invalid);
                }
                policy.limits[row][col] = limits;
            }
        }
        if let Some(hours) = overrides.confirm_hours {
            policy.confirm_hours = hours.max(1);
        }
        Ok(policy)
    }

    /// When a level that received a case at `since` must accept it.
    pub fn accept_due(
        &self,
        cal: &WorkingCalendar,
        level: Level,
        urgency: Urgency,
        since: DateTime<Utc>,
    ) -> DateTime<Utc> {
        deadline(cal, since, self.limits(level, urgency).accept_hours, urgency.counting())
    }

    /// When a level that accepted a case at `since` must resolve it.
    pub fn resolve_due(
        &self,
        cal: &WorkingCalendar,
        level: Level,
        urgency: Urgency,
        since: DateTime<Utc>,
    ) -> DateTime<Utc> {
        deadline(cal, since, self.limits(level, urgency).resolve_hours, urgency.counting())
    }

    pub fn confirm_due(&self, resolved_at: DateTime<Utc>) -> DateTime<Utc> {
        resolved_at + Duration::hours(i64::from(self.confirm_hours))
    }
}

/// Which deadline of a case has passed, and what the sweeper does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lapse {
    /// The level did not accept in time: the case climbs one rung (or, at the top, is only
    /// marked overdue).
    NotAccepted,
    /// Accepted but not resolved in time: overdue, and the level above is told.
    NotResolved,
    /// The reporter did not confirm in time: closed unrated.
    NotConfirmed,
}

/// What deadline a case in `status` is waiting on.
pub fn waiting_on(status: CaseStatus) -> Option<Lapse> {
    match status {
        CaseStatus::Reported | CaseStatus::Escalated => Some(Lapse::NotAccepted),
        CaseStatus::Accepted | CaseStatus::InProgress => Some(Lapse::NotResolved),
        CaseStatus::Resolved => Some(Lapse::NotConfirmed),
        _ => None,
    }
}

/// Text similarity for "reflect at most once": the mean of the Dice coefficients of character
/// unigrams and bigrams over letters and digits (CJK included, punctuation and spaces dropped).
/// Chinese has no spaces between words, so words are never split on whitespace.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (ca, cb) = (normalise(a), normalise(b));
    if ca.is_empty() || cb.is_empty() {
        return 0.0;
    }
    let uni = |c: &[char]| c.iter().copied().collect::<HashSet<char>>();
    let bi = |c: &[char]| c.windows(2).map(|w| (w[0], w[1])).collect::<HashSet<(char, char)>>();
    let dice = |x: usize, y: usize, both: usize| if x + y == 0 { 0.0 } else { 2.0 * both as f64 / (x + y) as f64 };
    let (ua, ub) = (uni(&ca), uni(&cb));
    let (ba, bb) = (bi(&ca), bi(&cb));
    let u = dice(ua.len(), ub.len(), ua.intersection(&ub).count());
    if ba.is_empty() || bb.is_empty() {
        return u;
    }
    let b2 = dice(ba.len(), bb.len(), ba.intersection(&bb).count());
    (u + b2) / 2.0
}

fn normalise(text: &str) -> Vec<char> {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// What the figures need of one case.
#[derive(Debug, Clone)]
pub struct CaseFacts {
    pub status: CaseStatus,
    pub reported_at: DateTime<Utc>,
    pub first_accepted_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub overdue: bool,
    pub escalations: i32,
    pub rating: Option<i32>,
}

impl CaseFacts {
    /// Closed with its loop complete: confirmed, or closed unrated. A case merged into another
    /// is counted with that one.
    fn closed_in(&self, period: &Period) -> bool {
        matches!(self.status, CaseStatus::Closed | CaseStatus::ClosedUnrated)
            && self.closed_at.is_some_and(|t| period.holds(t))
    }
}

/// A half-open period `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    pub fn holds(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && t < self.to
    }
}

/// How many closed cases ended with each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    pub fixed: i64,
    pub unable_to_fix: i64,
    pub referred: i64,
    pub duplicate: i64,
    pub withdrawn: i64,
}

impl OutcomeCounts {
    fn add(&mut self, outcome: Outcome) {
        let count = match outcome {
            Outcome::Fixed => &mut self.fixed,
            Outcome::UnableToFix => &mut self.unable_to_fix,
            Outcome::Referred => &mut self.referred,
            Outcome::Duplicate => &mut self.duplicate,
            Outcome::Withdrawn => &mut self.withdrawn,
        };
        *count += 1;
    }
}

/// A unit's figures for a period, in two parts. Of the cases reported in it: how many, how
/// fast accepted, how many overdue or escalated. Of the cases closed in it, as townships count
/// their rates ("satisfied 10,418 of 10,768, 96.8 %; resolved 10,381, 96.4 %"): both rates
/// over all of them, rated or not, whatever the outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Reported in the period (merged cases are counted with the case they joined).
    pub received: i64,
    pub overdue: i64,
    pub avg_hours_to_accept: Option<f64>,
    pub escalated: i64,
    pub escalations: i64,
    /// Closed in the period (confirmed or closed unrated): the base of the rates below.
    pub closed: i64,
    /// Closed with the problem solved (outcome `fixed`); unable to fix, referred, duplicate and
    /// withdrawn are closed but not resolved.
    pub resolved: i64,
    /// `resolved / closed`.
    pub resolution_rate: Option<f64>,
    /// Closed cases never overdue, of all closed.
    pub on_time_rate: Option<f64>,
    /// Hours from report to answer, over the closed cases.
    pub avg_hours_to_resolve: Option<f64>,
    pub rated: i64,
    /// `rated / closed`: how much of the closed work the reporters rated.
    pub rated_share: Option<f64>,
    /// Closed cases rated at or above the threshold.
    pub satisfied: i64,
    /// `satisfied / closed`: unrated closures count as not satisfied.
    pub satisfaction_rate: Option<f64>,
    pub outcomes: OutcomeCounts,
}

pub fn figures(cases: &[CaseFacts], period: &Period, satisfied_from: SatisfiedFrom) -> Figures {
    let ratio = |n: i64, d: i64| if d == 0 { None } else { Some(n as f64 / d as f64) };
    let mean = |v: &[f64]| if v.is_empty() { None } else { Some(v.iter().sum::<f64>() / v.len() as f64) };
    let count =
        |cases: &[&CaseFacts], keep: &dyn Fn(&CaseFacts) -> bool| cases.iter().filter(|c| keep(c)).count() as i64;
    let hours = |from: DateTime<Utc>, to: DateTime<Utc>| (to - from).num_seconds() as f64 / 3600.0;

    let received: Vec<&CaseFacts> =
        cases.iter().filter(|c| c.status != CaseStatus::Merged && period.holds(c.reported_at)).collect();
    let to_accept: Vec<f64> =
        received.iter().filter_map(|c| c.first_accepted_at.map(|t| hours(c.reported_at, t))).collect();

    let closed: Vec<&CaseFacts> = cases.iter().filter(|c| c.closed_in(period)).collect();
    let to_resolve: Vec<f64> = closed.iter().filter_map(|c| c.resolved_at.map(|t| hours(c.reported_at, t))).collect();
    let mut outcomes = OutcomeCounts::default();
    closed.iter().filter_map(|c| c.outcome).for_each(|o| outcomes.add(o));
    let n_closed = closed.len() as i64;
    let rated = count(&closed, &|c| c.rating.is_some());
    let satisfied = count(&closed, &|c| c.rating.is_some_and(|r| satisfied_from.satisfied(r)));
    Figures {
        received: received.len() as i64,
        overdue: count(&received, &|c| c.overdue),
        avg_hours_to_accept: mean(&to_accept),
        escalated: count(&received, &|c| c.escalations > 0),
        escalations: received.iter().map(|c| i64::from(c.escalations)).sum(),
        closed: n_closed,
        resolved: outcomes.fixed,
        resolution_rate: ratio(outcomes.fixed, n_closed),
        on_time_rate: ratio(count(&closed, &|c| !c.overdue), n_closed),
        avg_hours_to_resolve: mean(&to_resolve),
        rated,
        rated_share: ratio(rated, n_closed),
        satisfied,
        satisfaction_rate: ratio(satisfied, n_closed),
        outcomes,
    }
}

/// A spreadsheet cell that cannot run as a formula: text starting with `=`, `+`, `-`, `@` (or a
/// tab or carriage return) gets a leading apostrophe.
pub fn spreadsheet_safe(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// Whether a caller sees a report's exact point and house-number address: staff whose scope
/// reads the case, the reporter, and residents of the case's own village. Everyone else sees
/// the point coarsened (about 100 m) and no address.
pub fn sees_exact_location(in_scope: bool, reporter: bool, case_path: &[String], caller_homes: &[Vec<String>]) -> bool {
    in_scope
        || reporter
        || crate::identity::org::village_of(case_path).is_some_and(|village| {
            caller_homes.iter().any(|home| crate::identity::org::village_of(home) == Some(village))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::beijing;
    use chrono::TimeZone;

    #[test]
    fn the_whole_journey_and_every_refusal() {
        use Action::*;
        use CaseStatus::*;
        let (s, l) = transition(Reported, Level::Grid, Accept).unwrap_or((Merged, Level::Grid));
        assert_eq!((s, l), (Accepted, Level::Grid));
        assert_eq!(transition(Accepted, Level::Grid, Escalate), Ok((Escalated, Level::Village)));
        assert_eq!(transition(Escalated, Level::Village, Escalate), Ok((Escalated, Level::Township)));
        assert_eq!(transition(Escalated, Level::Township, Accept), Ok((Accepted, Level::Township)));
        assert_eq!(transition(Accepted, Level::Township, Start), Ok((InProgress, Level::Township)));
        assert_eq!(transition(InProgress, Level::Township, Resolve), Ok((Resolved, Level::Township)));
        assert_eq!(transition(Resolved, Level::Township, Reopen), Ok((InProgress, Level::Township)));
        assert_eq!(transition(Resolved, Level::Township, Confirm), Ok((Closed, Level::Township)));
        assert_eq!(transition(Resolved, Level::Grid, AutoClose), Ok((ClosedUnrated, Level::Grid)));
        assert_eq!(transition(InProgress, Level::Department, Escalate), Err(TransitionError::TopOfLadder));

        // Every pair: exactly the listed moves are allowed; closed cases accept nothing.
        let allowed = |a: Action, s: CaseStatus| match a {
            Accept => matches!(s, Reported | Escalated),
            Start => s == Accepted,
            Escalate | Resolve => matches!(s, Reported | Escalated | Accepted | InProgress),
            Confirm | Reopen | AutoClose => s == Resolved,
            Merge => s.is_open(),
        };
        for action in Action::ALL {
            for status in CaseStatus::ALL {
                let result = transition(status, Level::Grid, action);
                assert_eq!(result.is_ok(), allowed(action, status), "{action:?} on {status:?}");
                if !status.is_open() {
                    assert!(result.is_err());
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Ok(s));
        }
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Ok(l));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Ok(o));
        }
        assert!(Urgency::parse("whenever").is_err());
        assert!(Rating::parse(0).is_err() && Rating::parse(6).is_err() && Rating::parse(5).is_ok());
        assert_eq!(Level::Township.handling(), Permission::HandleTownshipCase);
    }

    #[test]
    fn only_staff_in_scope_the_reporter_and_villagers_see_the_exact_location() {
        let path = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let case = path(&["c", "t", "v1", "g1"]);
        let same_village = vec![path(&["c", "t", "v1", "g2", "b1"])];
        let other_village = vec![path(&["c", "t", "v2"])];
        assert!(sees_exact_location(true, false, &case, &[]));
        assert!(sees_exact_location(false, true, &case, &other_village));
        assert!(sees_exact_location(false, false, &case, &same_village));
        assert!(!sees_exact_location(false, false, &case, &other_village));
        assert!(!sees_exact_location(false, false, &case, &[]));
        assert!(!sees_exact_location(false, false, &path(&["c", "t"]), &[path(&["c", "t"])]), "no village, no exact");
    }

    #[test]
    fn similar_chinese_reports_score_high_and_unrelated_ones_low() {
        let first = "村口的路灯坏了，晚上很黑，老人走路不安全";
        let same = "村口路灯不亮了，晚上太黑，老人出门不安全";
        let other = "张家和李家因为宅基地边界吵架";
        assert!(similarity(first, same) > 0.5, "{}", similarity(first, same));
        assert!(similarity(first, other) < 0.15, "{}", similarity(first, other));
        assert!((similarity(first, first) - 1.0).abs() < 1e-9);
        assert_eq!(similarity("", first), 0.0);
        assert!(similarity("Road  BROKEN!", "road broken") > 0.99, "case and punctuation do not matter");
    }

    #[test]
    fn deadlines_follow_level_urgency_and_overrides() {
        let policy = DeadlinePolicy::default();
        let cal = WorkingCalendar::default();
        // Friday 2026-11-27 16:00 Beijing: a normal grid case must be accepted within 4 working
        // hours (Monday 12:00); an urgent one within 1 calendar hour.
        let friday = beijing().with_ymd_and_hms(2026, 11, 27, 16, 0, 0).unwrap().with_timezone(&Utc);
        let monday_noon = beijing().with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(policy.accept_due(&cal, Level::Grid, Urgency::Normal, friday), monday_noon);
        assert_eq!(policy.accept_due(&cal, Level::Grid, Urgency::Urgent, friday), friday + Duration::hours(1));
        let custom = DeadlinePolicy::with_overrides(
            r#"{"levels": {"grid": {"normal": {"accept_hours": 1, "resolve_hours": 2}}}, "confirm_hours": 24}"#,
        )
        .unwrap();
        assert_eq!(custom.limits(Level::Grid, Urgency::Normal), Limits { accept_hours: 1, resolve_hours: 2 });
        assert_eq!(custom.limits(Level::Village, Urgency::Normal), policy.limits(Level::Village, Urgency::Normal));
        assert_eq!(custom.confirm_hours, 24);
        assert!(DeadlinePolicy::with_overrides(r#"{"levels": {"moon": {}}}"#).is_err());
        assert!(DeadlinePolicy::with_overrides("not json").is_err());
    }

    fn november() -> Period {
        Period {
            from: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
        }
    }

    /// A case reported on 2 November, `h` hours in: accepted, answered and closed at the given
    /// hours (closed at hour 720 is 2 December, outside the month).
    fn fact(
        status: CaseStatus,
        times: (Option<i64>, Option<i64>, Option<i64>),
        outcome: Option<Outcome>,
        rating: Option<i32>,
    ) -> CaseFacts {
        let t = |h: i64| Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap() + Duration::hours(h);
        CaseFacts {
            status,
            reported_at: t(0),
            first_accepted_at: times.0.map(t),
            resolved_at: times.1.map(t),
            closed_at: times.2.map(t),
            outcome,
            overdue: false,
            escalations: 0,
            rating,
        }
    }

    #[test]
    fn rates_are_over_all_cases_closed_in_the_period_as_townships_count_them() {
        use CaseStatus::*;
        use Outcome::*;
        let closed = |outcome, rating| fact(Closed, (Some(1), Some(10), Some(20)), Some(outcome), rating);
        let mut cases = vec![
            closed(Fixed, Some(5)),
            closed(Fixed, Some(4)),
            closed(Fixed, Some(3)),
            closed(UnableToFix, Some(5)),
            closed(Referred, None),
            fact(ClosedUnrated, (Some(1), Some(10), Some(178)), Some(Fixed), None),
            fact(ClosedUnrated, (Some(1), Some(10), Some(178)), Some(Duplicate), None),
            fact(ClosedUnrated, (Some(1), Some(10), Some(178)), Some(Withdrawn), None),
            // Not closed in November: still open, answered but unconfirmed, closed in December,
            // merged into another case.
            fact(Reported, (None, None, None), None, None),
            fact(Resolved, (Some(1), Some(10), None), Some(Fixed), None),
            fact(Closed, (Some(1), Some(10), Some(720)), Some(Fixed), Some(5)),
            fact(Merged, (None, None, Some(5)), None, None),
        ];
        cases[0].overdue = true;
        cases[8].overdue = true;
        cases[8].escalations = 2;
        let f = figures(&cases, &november(), SatisfiedFrom::default());
        assert_eq!((f.closed, f.resolved, f.rated, f.satisfied), (8, 4, 4, 3));
        assert_eq!(f.resolution_rate, Some(4.0 / 8.0), "only `fixed` counts as resolved");
        assert_eq!(f.satisfaction_rate, Some(3.0 / 8.0), "4 and 5 of all closed, unrated ones included");
        assert_eq!(f.rated_share, Some(4.0 / 8.0));
        assert_eq!(f.outcomes, OutcomeCounts { fixed: 4, unable_to_fix: 1, referred: 1, duplicate: 1, withdrawn: 1 });
        assert_eq!(f.on_time_rate, Some(7.0 / 8.0));
        assert_eq!(f.avg_hours_to_resolve, Some(10.0));
        // Of the reported: every case but the merged one, reported in November.
        assert_eq!((f.received, f.overdue, f.escalated, f.escalations), (11, 2, 1, 2));
        assert_eq!(f.avg_hours_to_accept, Some(1.0));
        assert_eq!(figures(&[], &november(), SatisfiedFrom::default()), Figures::default());
    }

    #[test]
    fn jiande_reported_figures_come_out_as_they_count_them() {
        // "satisfied 10,418 of 10,768, 96.8 %; resolved 10,381, 96.4 %".
        let mut cases = Vec::new();
        for i in 0..10_768 {
            let outcome = if i < 10_381 { Outcome::Fixed } else { Outcome::UnableToFix };
            let rating = if i < 10_418 {
                Some(5)
            } else if i < 10_600 {
                Some(2)
            } else {
                None
            };
            cases.push(fact(CaseStatus::Closed, (Some(1), Some(2), Some(3)), Some(outcome), rating));
        }
        let f = figures(&cases, &november(), SatisfiedFrom::default());
        // Both over the 10,768 closed: 96.75 % (Jiande's notice rounds it up to 96.8 %) and 96.4 %.
        let basis_points = |r: Option<f64>| r.map(|r| (r * 10_000.0).round() as i64);
        assert_eq!((basis_points(f.satisfaction_rate), basis_points(f.resolution_rate)), (Some(9675), Some(9641)));
        assert_eq!(f.rated_share, Some(10_600.0 / 10_768.0));
    }

    #[test]
    fn the_satisfaction_threshold_is_a_rating_and_configurable() {
        assert_eq!(SatisfiedFrom::default().value(), 4);
        assert!(SatisfiedFrom::default().satisfied(4) && !SatisfiedFrom::default().satisfied(3));
        assert!(SatisfiedFrom::parse(0).is_err() && SatisfiedFrom::parse(6).is_err());
        let five = SatisfiedFrom::parse(5).unwrap();
        let cases =
            [4, 5].map(|r| fact(CaseStatus::Closed, (Some(1), Some(2), Some(3)), Some(Outcome::Fixed), Some(r)));
        let f = figures(&cases, &november(), five);
        assert_eq!((f.satisfied, f.satisfaction_rate), (1, Some(0.5)));
    }

    #[test]
    fn spreadsheet_cells_never_start_a_formula() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for bad in ["+1", "-2", "@SUM(A1)", "\tx"] {
            assert!(spreadsheet_safe(bad).starts_with('\''));
        }
        assert_eq!(spreadsheet_safe("路灯坏了"), "路灯坏了");
    }
}

#[cfg(test)]
mod contract_tests {
    use super::*;

    #[test]
    fn duties_visit_methods_and_codes_parse_what_they_list() {
        for duty in Duty::ALL {
            assert_eq!(Duty::parse(duty.as_str()), Ok(duty));
        }
        assert!(Duty::parse("").is_err());
        for method in VisitMethod::ALL {
            assert_eq!(VisitMethod::parse(method.as_str()), Ok(method));
        }
        assert!(VisitMethod::parse("mail").is_err());
        for good in ["road", "a1", "water_supply", "abcdefghijklmnopqrstuvwxyz012345"] {
            assert!(CategoryCode::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "a", "Road", "water-supply", "道路", "abcdefghijklmnopqrstuvwxyz0123456"] {
            assert!(CategoryCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Rating::parse(i64::from(Rating::MIN)).map(Rating::value), Ok(Rating::MIN));
        assert_eq!(Rating::parse(i64::from(Rating::MAX)).map(Rating::value), Ok(Rating::MAX));
        assert!(Rating::parse(i64::from(Rating::MAX) + 1).is_err());
    }
}
