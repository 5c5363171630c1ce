//! Notices (阳光村务): what staff post for a unit — a kind, a title, a body, attachments, a
//! posting period that is also the objection window, public or for residents only — and the
//! rules of their life: edited only before the period starts, withdrawn with a reason (never
//! deleted), objected to by residents within the period, each objection answered once.

use chrono::NaiveDateTime;

use crate::error::DomainError;
use crate::typed_id;

typed_id!(
    /// A notice of a unit (阳光村务).
    NoticeId
);
typed_id!(
    /// A resident's objection (异议) to a notice.
    NoticeObjectionId
);

/// The longest title, in characters.
pub const MAX_TITLE: usize = 100;
/// The longest body, in characters.
pub const MAX_BODY: usize = 10_000;
/// The longest reason or answer, in characters.
pub const MAX_REASON: usize = 500;
/// Attachments one notice may carry.
pub const MAX_ATTACHMENTS: usize = 9;
/// The longest posting period, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;

fn invalid(field: &'static str, reason: &'static str) -> DomainError {
    DomainError::Invalid { field, reason }
}

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// 财务
    Finance,
    /// 项目
    Project,
    /// 积分公示
    PointsPosting,
    /// 分红
    Dividend,
    /// 决议
    Resolution,
    Other,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 6] = [
        NoticeKind::Finance,
        NoticeKind::Project,
        NoticeKind::PointsPosting,
        NoticeKind::Dividend,
        NoticeKind::Resolution,
        NoticeKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Finance => "finance",
            NoticeKind::Project => "project",
            NoticeKind::PointsPosting => "points_posting",
            NoticeKind::Dividend => "dividend",
            NoticeKind::Resolution => "resolution",
            NoticeKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|k| k.as_str() == text).ok_or_else(|| invalid("kind", "a notice kind"))
    }
}

/// A notice as staff write it, checked: a title, a body within bounds, a period that ends after
/// it starts and lasts at most a year, at most nine attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDraft {
    kind: NoticeKind,
    title: String,
    body: String,
    from: NaiveDateTime,
    to: NaiveDateTime,
    public: bool,
    attachments: Vec<String>,
}

/// The fields of a draft before they are checked.
#[derive(Debug, Clone)]
pub struct DraftInput<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub public: bool,
    pub attachments: Vec<String>,
}

impl NoticeDraft {
    pub fn parse(input: DraftInput<'_>) -> Result<Self, DomainError> {
        let kind = NoticeKind::parse(input.kind)?;
        let title = input.title.trim();
        if title.is_empty() {
            return Err(invalid("title", "required"));
        }
        if title.chars().count() > MAX_TITLE {
            return Err(invalid("title", "at most 100 characters"));
        }
        let body = input.body.trim();
        if body.chars().count() > MAX_BODY {
            return Err(invalid("body", "at most 10000 characters"));
        }
        if input.to <= input.from {
            return Err(invalid("posted_to", "after posted_from"));
        }
        if (input.to - input.from).num_days() > MAX_PERIOD_DAYS {
            return Err(invalid("posted_to", "within a year of posted_from"));
        }
        if input.attachments.len() > MAX_ATTACHMENTS {
            return Err(invalid("attachments", "at most 9"));
        }
        let mut attachments = input.attachments;
        attachments.sort();
        attachments.dedup();
        Ok(Self {
            kind,
            title: title.to_owned(),
            body: body.to_owned(),
            from: input.from,
            to: input.to,
            public: input.public,
            attachments,
        })
    }

    pub fn kind(&self) -> NoticeKind {
        self.kind
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn body(&self) -> &str {
        &self.body
    }
    pub fn from(&self) -> NaiveDateTime {
        self.from
    }
    pub fn to(&self) -> NaiveDateTime {
        self.to
    }
    pub fn public(&self) -> bool {
        self.public
    }
    pub fn attachments(&self) -> &[String] {
        &self.attachments
    }
}

/// A reason or an answer: required, at most 500 characters.
pub fn reason(field: &'static str, text: &str) -> Result<String, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(field, "required"));
    }
    if text.chars().count() > MAX_REASON {
        return Err(invalid(field, "at most 500 characters"));
    }
    Ok(text.to_owned())
}

/// Where a notice is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeStatus {
    Posted,
    Withdrawn,
}

impl NoticeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Posted => "posted",
            NoticeStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "posted" => Ok(NoticeStatus::Posted),
            "withdrawn" => Ok(NoticeStatus::Withdrawn),
            _ => Err(invalid("status", "posted or withdrawn")),
        }
    }
}

/// Why a notice refuses what is asked of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeRefusal {
    /// Withdrawn: nothing more happens to it.
    Withdrawn,
    /// Its period has started: no more edits.
    PeriodStarted,
    /// Outside its posting period: no objection.
    OutsidePeriod,
}

/// Staff edit a notice only while it is posted and its period has not started.
pub fn may_edit(status: NoticeStatus, from: NaiveDateTime, now: NaiveDateTime) -> Result<(), NoticeRefusal> {
    match status {
        NoticeStatus::Withdrawn => Err(NoticeRefusal::Withdrawn),
        NoticeStatus::Posted if now >= from => Err(NoticeRefusal::PeriodStarted),
        NoticeStatus::Posted => Ok(()),
    }
}

/// Staff withdraw a notice that is still posted.
pub fn may_withdraw(status: NoticeStatus) -> Result<(), NoticeRefusal> {
    match status {
        NoticeStatus::Withdrawn => Err(NoticeRefusal::Withdrawn),
        NoticeStatus::Posted => Ok(()),
    }
}

/// Residents object within the posting period (from inclusive, to exclusive) of a posted notice.
pub fn may_object(
    status: NoticeStatus,
    from: NaiveDateTime,
    to: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), NoticeRefusal> {
    match status {
        NoticeStatus::Withdrawn => Err(NoticeRefusal::Withdrawn),
        NoticeStatus::Posted if now < from || now >= to => Err(NoticeRefusal::OutsidePeriod),
        NoticeStatus::Posted => Ok(()),
    }
}

/// Whether the public sees a notice yet: from the start of its period on (then forever, withdrawn
/// ones as withdrawn).
pub fn published(from: NaiveDateTime, now: NaiveDateTime) -> bool {
    now >= from
}

/// How staff answer an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectionAnswer {
    Accepted,
    Rejected,
}

impl ObjectionAnswer {
    pub const ALL: [ObjectionAnswer; 2] = [ObjectionAnswer::Accepted, ObjectionAnswer::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectionAnswer::Accepted => "accepted",
            ObjectionAnswer::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|a| a.as_str() == text).ok_or_else(|| invalid("decision", "accepted or rejected"))
    }
}

/// A name as staff see an objector's: the first character, the rest starred (张** for 张三丰).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => "*".to_owned(),
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day).and_then(|d| d.and_hms_opt(hour, 0, 0)).unwrap()
    }

    fn input<'a>(kind: &'a str, title: &'a str, from: NaiveDateTime, to: NaiveDateTime) -> DraftInput<'a> {
        DraftInput { kind, title, body: "正文", from, to, public: true, attachments: vec![] }
    }

    #[test]
    fn kinds_parse_by_their_names_and_nothing_else() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(NoticeKind::parse("gossip").is_err());
        assert!(NoticeKind::parse("Finance").is_err());
    }

    #[test]
    fn a_draft_needs_a_title_and_a_period_that_ends_after_it_starts() {
        assert!(NoticeDraft::parse(input("finance", "十二月账目", at(2, 0), at(9, 0))).is_ok());
        let empty = NoticeDraft::parse(input("finance", "  ", at(2, 0), at(9, 0)));
        assert_eq!(empty, Err(invalid("title", "required")));
        let backwards = NoticeDraft::parse(input("finance", "账目", at(9, 0), at(2, 0)));
        assert_eq!(backwards, Err(invalid("posted_to", "after posted_from")));
        let empty_period = NoticeDraft::parse(input("finance", "账目", at(2, 0), at(2, 0)));
        assert!(empty_period.is_err());
        let unknown = NoticeDraft::parse(input("gossip", "账目", at(2, 0), at(9, 0)));
        assert_eq!(unknown, Err(invalid("kind", "a notice kind")));
        let long = "长".repeat(MAX_TITLE + 1);
        assert!(NoticeDraft::parse(input("other", &long, at(2, 0), at(9, 0))).is_err());
        let mut many = input("other", "附件", at(2, 0), at(9, 0));
        many.attachments = (0..10).map(|i| format!("m{i}")).collect();
        assert!(NoticeDraft::parse(many).is_err());
    }

    #[test]
    fn edits_stop_when_the_period_starts_and_after_a_withdrawal() {
        assert_eq!(may_edit(NoticeStatus::Posted, at(3, 0), at(2, 23)), Ok(()));
        assert_eq!(may_edit(NoticeStatus::Posted, at(3, 0), at(3, 0)), Err(NoticeRefusal::PeriodStarted));
        assert_eq!(may_edit(NoticeStatus::Withdrawn, at(3, 0), at(2, 0)), Err(NoticeRefusal::Withdrawn));
        assert_eq!(may_withdraw(NoticeStatus::Posted), Ok(()));
        assert_eq!(may_withdraw(NoticeStatus::Withdrawn), Err(NoticeRefusal::Withdrawn));
    }

    #[test]
    fn objections_are_taken_within_the_period_only() {
        let (from, to) = (at(3, 0), at(10, 0));
        assert_eq!(may_object(NoticeStatus::Posted, from, to, at(2, 23)), Err(NoticeRefusal::OutsidePeriod));
        assert_eq!(may_object(NoticeStatus::Posted, from, to, at(3, 0)), Ok(()));
        assert_eq!(may_object(NoticeStatus::Posted, from, to, at(9, 23)), Ok(()));
        assert_eq!(may_object(NoticeStatus::Posted, from, to, at(10, 0)), Err(NoticeRefusal::OutsidePeriod));
        assert_eq!(may_object(NoticeStatus::Withdrawn, from, to, at(5, 0)), Err(NoticeRefusal::Withdrawn));
        assert!(!published(from, at(2, 0)));
        assert!(published(from, at(11, 0)));
    }

    #[test]
    fn answers_and_reasons_parse_and_names_are_masked() {
        assert_eq!(ObjectionAnswer::parse("accepted"), Ok(ObjectionAnswer::Accepted));
        assert_eq!(ObjectionAnswer::parse("rejected"), Ok(ObjectionAnswer::Rejected));
        assert!(ObjectionAnswer::parse("maybe").is_err());
        assert!(reason("reason", " ").is_err());
        assert_eq!(reason("reason", " 金额不对 "), Ok("金额不对".to_owned()));
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李"), "李*");
        assert_eq!(mask_name(""), "*");
    }
}
