//! A unit's monthly figures, and the ledger's cells.

use chrono::{DateTime, Utc};

use super::{CaseStatus, Outcome, SatisfiedFrom};

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
