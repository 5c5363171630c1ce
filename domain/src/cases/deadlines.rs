//! How long each level has to accept and to resolve a case, and the reporter to confirm.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::{Level, Urgency};
use crate::calendar::{deadline, WorkingCalendar};
use crate::DomainError;

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
