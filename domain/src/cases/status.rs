//! The state machine: where a case stands, the ladder it climbs, what may be done to it, and
//! which deadline it waits on.

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
