//! The validated values of a case: urgency, outcome, duty, category code, visit method, rating.

use serde::Deserialize;

use crate::calendar::Counting;
use crate::DomainError;

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

    /// Whether the answer confirms the report as valid — a real problem, fixed, found beyond
    /// repair or handed to whoever owns it — which is what earns its reporter points; a
    /// duplicate or a withdrawn report does not.
    pub fn confirms_report(self) -> bool {
        matches!(self, Self::Fixed | Self::UnableToFix | Self::Referred)
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

/// A free text: trimmed, blank meaning none (refused when `required`), at most `max` characters.
pub fn text(
    value: Option<String>,
    field: &'static str,
    max: usize,
    required: bool,
) -> Result<Option<String>, DomainError> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    match value {
        None if required => Err(DomainError::Invalid { field, reason: "required" }),
        Some(v) if v.chars().count() > max => Err(DomainError::Invalid { field, reason: at_most(max) }),
        other => Ok(other),
    }
}

fn at_most(max: usize) -> &'static str {
    match max {
        40 => "at most 40 characters",
        200 => "at most 200 characters",
        500 => "at most 500 characters",
        1000 => "at most 1000 characters",
        _ => "too long",
    }
}

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(text(Some("  路灯  ".into()), "note", 500, true), Ok(Some("路灯".into())));
        assert_eq!(text(Some("   ".into()), "note", 500, false), Ok(None));
        assert_eq!(text(None, "note", 500, true), Err(DomainError::Invalid { field: "note", reason: "required" }));
        let long = "路".repeat(501);
        assert_eq!(
            text(Some(long), "note", 500, false),
            Err(DomainError::Invalid { field: "note", reason: "at most 500 characters" })
        );
    }
}
