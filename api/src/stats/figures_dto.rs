//! A unit's monthly figures as JSON: every rate with its two counts.

use domain::stats::figures::{Month, MonthlyFigures, Ratio};
use infra::identity::rows::OrgUnitRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;

#[derive(Debug, Deserialize, IntoParams)]
pub struct StatsMonthQuery {
    /// YYYY-MM (Beijing time).
    #[param(example = "2026-11", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: String,
}

impl StatsMonthQuery {
    pub fn month(&self) -> Result<Month, ApiError> {
        Ok(Month::parse(&self.month)?)
    }
}

/// A part of a whole and the rate from 0 to 1 (null when the whole is 0).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsRate {
    pub part: u64,
    pub whole: u64,
    pub rate: Option<f64>,
}

impl From<Ratio> for StatsRate {
    fn from(r: Ratio) -> Self {
        Self { part: r.part, whole: r.whole, rate: r.rate() }
    }
}

/// Cases received in the month; of those closed in it (the base of each rate), resolved, closed
/// never overdue, and rated satisfied (unrated closures count as not satisfied).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsCases {
    pub received: u64,
    pub closed: u64,
    pub resolved: StatsRate,
    pub on_time: StatsRate,
    pub satisfied: StatsRate,
}

/// Matters raised in the month by tier as triaged (`government`: referred to a department),
/// commitments due in the month kept on time or not, residents' ratings given in the month.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsDeliberation {
    pub raised: u64,
    pub private: u64,
    pub small: u64,
    pub big: u64,
    pub major: u64,
    pub government: u64,
    pub commitments_on_time: StatsRate,
    pub commitments_overdue: u64,
    pub satisfied: StatsRate,
}

/// Polls closed in the month; turnout = ballots of their frozen electorates.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsVoting {
    pub polls: u64,
    pub turnout: StatsRate,
}

/// Points entries that took effect in the month, redemptions handed over in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsPoints {
    pub entries: u64,
    pub points_awarded: i64,
    pub redemptions: u64,
    pub points_redeemed: i64,
}

/// Residents (approved residency in the unit) who reported a case, raised a matter, gave an
/// opinion, voted or earned points in the month, of all residents.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsParticipation {
    pub active_residents: StatsRate,
}

/// One unit's figures (its whole subtree) for one Beijing month.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsFiguresView {
    pub org_unit_id: String,
    pub name: String,
    pub kind: String,
    /// YYYY-MM.
    pub month: String,
    pub cases: StatsCases,
    pub deliberation: StatsDeliberation,
    pub voting: StatsVoting,
    pub points: StatsPoints,
    pub participation: StatsParticipation,
}

impl StatsFiguresView {
    pub fn new(unit: &OrgUnitRow, month: Month, f: MonthlyFigures) -> Self {
        let (c, d) = (f.cases, f.deliberation);
        Self {
            org_unit_id: unit.id.clone(),
            name: unit.name.clone(),
            kind: unit.kind.clone(),
            month: month.to_string(),
            cases: StatsCases {
                received: c.received,
                closed: c.resolved.whole,
                resolved: c.resolved.into(),
                on_time: c.on_time.into(),
                satisfied: c.satisfied.into(),
            },
            deliberation: StatsDeliberation {
                raised: d.raised,
                private: d.private,
                small: d.small,
                big: d.big,
                major: d.major,
                government: d.government,
                commitments_on_time: d.commitments_on_time.into(),
                commitments_overdue: d.commitments_overdue,
                satisfied: d.satisfied.into(),
            },
            voting: StatsVoting { polls: f.voting.polls, turnout: f.voting.turnout.into() },
            points: StatsPoints {
                entries: f.points.entries,
                points_awarded: f.points.points_awarded,
                redemptions: f.points.redemptions,
                points_redeemed: f.points.points_redeemed,
            },
            participation: StatsParticipation { active_residents: f.participation.active_residents.into() },
        }
    }
}

/// Each child unit's figures for the month.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsChildrenView {
    pub org_unit_id: String,
    pub month: String,
    pub children: Vec<StatsFiguresView>,
}
