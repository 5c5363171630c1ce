//! Households with people needing care, and how often they are due a visit; a period of Beijing
//! days, staleness and coverage (走村不漏户) counted exactly.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use crate::calendar::{beijing_day, beijing_midnight, WorkingCalendar};
use crate::{text_enum, DomainError};

text_enum!(
    /// Why a household needs care (set by cadres; personal data, read like a phone number).
    CareNeed "needs" "elderly_alone, disabled or left_behind_child" {
        /// An elderly person living alone (独居老人).
        ElderlyAlone => "elderly_alone",
        Disabled => "disabled",
        /// A child left behind by parents working away (留守儿童).
        LeftBehindChild => "left_behind_child",
    }
);

/// The needs of one household: a non-empty set, stored comma-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareNeeds(BTreeSet<CareNeed>);

impl CareNeeds {
    pub fn parse(needs: impl IntoIterator<Item = CareNeed>) -> Result<Self, DomainError> {
        let given: Vec<CareNeed> = needs.into_iter().collect();
        let set: BTreeSet<CareNeed> = given.iter().copied().collect();
        if set.is_empty() {
            return Err(DomainError::Invalid { field: "needs", reason: "at least one need" });
        }
        if set.len() != given.len() {
            return Err(DomainError::Invalid { field: "needs", reason: "each need once" });
        }
        Ok(Self(set))
    }

    /// Reads the stored text back.
    pub fn from_stored(text: &str) -> Result<Self, DomainError> {
        Self::parse(text.split(',').filter(|s| !s.is_empty()).map(CareNeed::parse).collect::<Result<Vec<_>, _>>()?)
    }

    pub fn to_stored(&self) -> String {
        self.0.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn iter(&self) -> impl Iterator<Item = CareNeed> + '_ {
        self.0.iter().copied()
    }
}

/// The longest interval between visits a care household may be given.
pub const MAX_INTERVAL_DAYS: u32 = 90;

/// How often a care household is due a visit: 1–90 days, calendar or working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CareInterval {
    days: u32,
    working_days: bool,
}

impl CareInterval {
    pub fn parse(days: i64, working_days: bool) -> Result<Self, DomainError> {
        match u32::try_from(days) {
            Ok(days) if (1..=MAX_INTERVAL_DAYS).contains(&days) => Ok(Self { days, working_days }),
            _ => Err(DomainError::Invalid { field: "interval_days", reason: "from 1 to 90 days" }),
        }
    }

    pub fn days(self) -> u32 {
        self.days
    }

    pub fn working_days(self) -> bool {
        self.working_days
    }

    /// The Beijing day a visit is due when the last one (or the marking) was on `since`:
    /// `days` calendar days later, or the `days`-th working day after it.
    pub fn due_day(self, since: NaiveDate, calendar: &WorkingCalendar) -> NaiveDate {
        if !self.working_days {
            return since + Duration::days(i64::from(self.days));
        }
        let (mut day, mut left) = (since, self.days);
        // A calendar with no working day at all: give up after ten years, counting calendar days.
        for _ in 0..3_660 {
            day = day.succ_opt().unwrap_or(day);
            if calendar.is_working_day(day) {
                left -= 1;
                if left == 0 {
                    return day;
                }
            }
        }
        since + Duration::days(i64::from(self.days))
    }
}

/// Where a care household stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CareStatus {
    pub due: NaiveDate,
    /// The due day has passed without a visit.
    pub overdue: bool,
}

/// A care household's due day and whether it is overdue on `today` (Beijing days), counted from
/// its last visit, or from when it was marked if never visited since.
pub fn care_status(
    interval: CareInterval,
    marked_at: NaiveDateTime,
    last_visit: Option<NaiveDateTime>,
    today: NaiveDate,
    calendar: &WorkingCalendar,
) -> CareStatus {
    let since = last_visit.unwrap_or(marked_at);
    let due = interval.due_day(beijing_day(since), calendar);
    CareStatus { due, overdue: today > due }
}

/// The longest stale threshold one may ask for.
pub const MAX_STALE_DAYS: u32 = 365;

/// After how many days without a visit a household counts as not visited (1–365, 30 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleDays(u32);

impl StaleDays {
    pub const DEFAULT: StaleDays = StaleDays(30);

    pub fn parse(days: Option<i64>) -> Result<Self, DomainError> {
        match days.map(u32::try_from) {
            None => Ok(Self::DEFAULT),
            Some(Ok(days)) if (1..=MAX_STALE_DAYS).contains(&days) => Ok(Self(days)),
            Some(_) => Err(DomainError::Invalid { field: "stale_days", reason: "from 1 to 365 days" }),
        }
    }

    pub fn days(self) -> u32 {
        self.0
    }

    /// Visits before this instant (naive UTC) are too old: the start of the Beijing day
    /// `days - 1` days before `today`, so a visit `days` days ago is stale.
    pub fn cutoff(self, today: NaiveDate) -> NaiveDateTime {
        beijing_midnight(today - Duration::days(i64::from(self.0) - 1))
    }

    /// Whether a household last visited at `last` (never: `None`) is stale on `today`.
    pub fn is_stale(self, last: Option<NaiveDateTime>, today: NaiveDate) -> bool {
        last.is_none_or(|at| at < self.cutoff(today))
    }
}

/// The longest period figures are asked for.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// A period of whole Beijing days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    /// From the given days; a missing end is taken from the month of `today` (a missing start
    /// the first of that month, a missing end its last day).
    pub fn parse(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> Result<Self, DomainError> {
        let month = Self::month_of(today);
        let (from, to) = (from.unwrap_or(month.from), to.unwrap_or(month.to));
        for (day, field) in [(from, "from"), (to, "to")] {
            if !(2000..=2100).contains(&day.year()) {
                return Err(DomainError::Invalid { field, reason: "a day of the years 2000 to 2100" });
            }
        }
        if to < from {
            return Err(DomainError::Invalid { field: "to", reason: "not before from" });
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(DomainError::Invalid { field: "to", reason: "at most 366 days after from" });
        }
        Ok(Self { from, to })
    }

    /// The Beijing calendar month holding `day`.
    pub fn month_of(day: NaiveDate) -> Self {
        let from = day.with_day(1).unwrap_or(day);
        let next = if from.month() == 12 {
            NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
        };
        Self { from, to: next.and_then(|n| n.pred_opt()).unwrap_or(from) }
    }

    pub fn from(self) -> NaiveDate {
        self.from
    }

    pub fn to(self) -> NaiveDate {
        self.to
    }

    /// The period as naive UTC instants: start included, end excluded.
    pub fn bounds(self) -> (NaiveDateTime, NaiveDateTime) {
        (beijing_midnight(self.from), beijing_midnight(self.to + Duration::days(1)))
    }
}

/// Households visited out of households on the roll, as exact counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    pub visited: u64,
    pub households: u64,
}

impl Coverage {
    pub fn new(visited: u64, households: u64) -> Self {
        Self { visited: visited.min(households), households }
    }

    /// The share visited (0 when there is no household), for display only: the counts are the
    /// figure.
    pub fn rate(self) -> f64 {
        if self.households == 0 {
            return 0.0;
        }
        // Counts of households fit f64's integers exactly.
        let (v, h) = (self.visited as f64, self.households as f64);
        (v / h * 10_000.0).round() / 10_000.0
    }
}

impl std::ops::Add for Coverage {
    type Output = Coverage;

    fn add(self, other: Coverage) -> Coverage {
        Coverage { visited: self.visited + other.visited, households: self.households + other.households }
    }
}
