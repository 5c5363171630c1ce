//! A unit's figures for one Beijing calendar month, drawn from every feature. Counts are exact;
//! a rate is kept as its two counts and a satisfaction as its sum and number of ratings, so a
//! township's figures are the sums of its villages' and nothing is rounded twice.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::error::DomainError;
use crate::grid_work::care::Period;

/// A Beijing calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let invalid = DomainError::Invalid { field: "month", reason: "a month written YYYY-MM, 2000 to 2100" };
        let (year, month) = text.split_once('-').ok_or(invalid.clone())?;
        if year.len() != 4 || month.len() != 2 {
            return Err(invalid);
        }
        let (year, month) =
            (year.parse::<i32>().map_err(|_| invalid.clone())?, month.parse::<u32>().map_err(|_| invalid.clone())?);
        if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(invalid);
        }
        Ok(Self { year, month })
    }

    /// The month holding a Beijing day.
    pub fn of(day: NaiveDate) -> Self {
        Self { year: day.year(), month: day.month() }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// The month's Beijing days as naive UTC instants: start included, end excluded.
    pub fn bounds(self) -> (NaiveDateTime, NaiveDateTime) {
        Period::month_of(self.first_day()).bounds()
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self { year: self.year - 1, month: 12 }
        } else {
            Self { year: self.year, month: self.month - 1 }
        }
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self { year: self.year + 1, month: 1 }
        } else {
            Self { year: self.year, month: self.month + 1 }
        }
    }

    /// The `count` months ending with this one, oldest first.
    pub fn trailing(self, count: usize) -> Vec<Month> {
        let mut months = Vec::with_capacity(count);
        let mut month = self;
        for _ in 0..count {
            months.push(month);
            month = month.previous();
        }
        months.reverse();
        months
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A part of a whole, exactly (resolved of received, on time of resolved, ballots of electorate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ratio {
    pub part: u64,
    pub whole: u64,
}

impl Ratio {
    pub fn new(part: u64, whole: u64) -> Self {
        Self { part, whole }
    }

    /// The rate from 0 to 1; none when the whole is empty.
    pub fn rate(self) -> Option<f64> {
        (self.whole > 0).then(|| self.part as f64 / self.whole as f64)
    }

    pub fn plus(self, other: Ratio) -> Ratio {
        Ratio { part: self.part + other.part, whole: self.whole + other.whole }
    }
}

/// Ratings on a 1–5 scale: their sum and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Score {
    pub sum: u64,
    pub count: u64,
}

impl Score {
    pub fn mean(self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    pub fn plus(self, other: Score) -> Score {
        Score { sum: self.sum + other.sum, count: self.count + other.count }
    }
}

/// Grid cases in the month, counted as `domain::cases::figures` counts them: received in it, and
/// of those closed in it (the base of every rate, as townships count) how many were resolved,
/// closed never overdue, and rated satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaseFigures {
    pub received: u64,
    pub resolved: Ratio,
    pub on_time: Ratio,
    pub satisfied: Ratio,
}

/// Deliberation in the month: matters triaged by tier, commitments due, residents' ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeliberationFigures {
    pub raised: u64,
    pub private: u64,
    pub small: u64,
    pub big: u64,
    pub major: u64,
    pub government: u64,
    /// Commitments due in the month kept by their deadline, of commitments due.
    pub commitments_on_time: Ratio,
    /// Commitments past their deadline and not kept at the month's end.
    pub commitments_overdue: u64,
    /// Matters evaluated in the month rated satisfied, of those evaluated.
    pub satisfied: Ratio,
}

/// Polls closed in the month and their turnout (ballots of the frozen electorates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VotingFigures {
    pub polls: u64,
    pub turnout: Ratio,
}

/// Points entries that took effect in the month and redemptions handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PointsFigures {
    pub entries: u64,
    pub points_awarded: i64,
    pub redemptions: u64,
    pub points_redeemed: i64,
}

/// Residents who did anything in the month (reported, raised, gave an opinion, voted, earned
/// points), of residents on the roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParticipationFigures {
    pub active_residents: Ratio,
}

/// One unit's figures for one month.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MonthlyFigures {
    pub org_unit_id: String,
    pub cases: CaseFigures,
    pub deliberation: DeliberationFigures,
    pub voting: VotingFigures,
    pub points: PointsFigures,
    pub participation: ParticipationFigures,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_parses_prints_and_counts_back_over_a_year() {
        let month = Month::parse("2026-02").unwrap();
        assert_eq!(month.to_string(), "2026-02");
        assert_eq!(
            month.trailing(3).iter().map(|m| m.to_string()).collect::<Vec<_>>(),
            ["2025-12", "2026-01", "2026-02"]
        );
        for bad in ["2026-13", "2026-00", "26-01", "2026-1", "1999-12", "x"] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
        let (from, to) = month.bounds();
        assert_eq!(from.to_string(), "2026-01-31 16:00:00");
        assert_eq!(to.to_string(), "2026-02-28 16:00:00");
    }

    #[test]
    fn an_empty_whole_has_no_rate() {
        assert_eq!(Ratio::new(0, 0).rate(), None);
        assert_eq!(Ratio::new(1, 4).plus(Ratio::new(1, 4)).rate(), Some(0.25));
        assert_eq!(Score { sum: 9, count: 2 }.mean(), Some(4.5));
    }
}
