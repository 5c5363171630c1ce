//! A unit's monthly figures.

use chrono::{TimeZone, Utc};
use domain::cases::SatisfiedFrom;
use infra::cases::queries;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;

#[derive(Debug, Deserialize, IntoParams)]
pub struct FiguresQuery {
    pub org_unit_id: String,
    /// YYYY-MM (Beijing time).
    #[param(example = "2026-11", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
}

/// How many of the cases closed in the month ended with each outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeCountsView {
    pub fixed: i64,
    pub unable_to_fix: i64,
    pub referred: i64,
    pub duplicate: i64,
    pub withdrawn: i64,
}

/// A unit's figures for a month. `received` to `escalations` count the cases reported in the
/// month; `closed` and what follows count the cases closed in it (confirmed or closed unrated),
/// and both rates are over all of those, as townships report theirs ("satisfied 10,418 of
/// 10,768; resolved 10,381").
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresView {
    /// Cases reported in the month.
    pub received: i64,
    /// Reported in the month and overdue at some step.
    pub overdue: i64,
    pub avg_hours_to_accept: Option<f64>,
    /// Cases escalated at least once, and escalations in all.
    pub escalated: i64,
    pub escalations: i64,
    /// Cases closed in the month: the base of every rate below.
    pub closed: i64,
    /// Closed with the problem solved (outcome `fixed`); the other outcomes are closed, not
    /// resolved.
    pub resolved: i64,
    /// `resolved / closed`.
    pub resolution_rate: Option<f64>,
    /// Closed cases never overdue, of all closed.
    pub on_time_rate: Option<f64>,
    /// From report to answer, over the closed cases.
    pub avg_hours_to_resolve: Option<f64>,
    /// Closed cases the reporter rated.
    pub rated: i64,
    /// `rated / closed`.
    pub rated_share: Option<f64>,
    /// Closed cases rated `satisfied_from` or better.
    pub satisfied: i64,
    /// `satisfied / closed`: a closure without a rating counts as not satisfied.
    pub satisfaction_rate: Option<f64>,
    /// The least rating counted as satisfied (`YISHI_CASE_SATISFIED_MIN_RATING`, 4 by default).
    #[schema(minimum = 1, maximum = 5)]
    pub satisfied_from: u8,
    pub outcomes: OutcomeCountsView,
}

impl FiguresView {
    fn new(f: domain::cases::Figures, satisfied_from: SatisfiedFrom) -> Self {
        let r = |v: Option<f64>| v.map(|x| (x * 1000.0).round() / 1000.0);
        let o = f.outcomes;
        Self {
            received: f.received,
            overdue: f.overdue,
            avg_hours_to_accept: r(f.avg_hours_to_accept),
            escalated: f.escalated,
            escalations: f.escalations,
            closed: f.closed,
            resolved: f.resolved,
            resolution_rate: r(f.resolution_rate),
            on_time_rate: r(f.on_time_rate),
            avg_hours_to_resolve: r(f.avg_hours_to_resolve),
            rated: f.rated,
            rated_share: r(f.rated_share),
            satisfied: f.satisfied,
            satisfaction_rate: r(f.satisfaction_rate),
            satisfied_from: satisfied_from.value(),
            outcomes: OutcomeCountsView {
                fixed: o.fixed,
                unable_to_fix: o.unable_to_fix,
                referred: o.referred,
                duplicate: o.duplicate,
                withdrawn: o.withdrawn,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitFigures {
    pub org_unit_id: String,
    pub name: String,
    pub figures: FiguresView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresReport {
    pub org_unit_id: String,
    pub month: String,
    pub totals: FiguresView,
    /// The same per child unit (e.g. each village of a township).
    pub units: Vec<UnitFigures>,
}

impl FiguresQuery {
    /// The month as a period of Beijing time.
    pub fn period(&self) -> Result<domain::cases::Period, ApiError> {
        let first = chrono::NaiveDate::parse_from_str(&format!("{}-01", self.month), "%Y-%m-%d")
            .map_err(|_| ApiError::invalid_field("month", "YYYY-MM"))?;
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(|| ApiError::invalid_field("month", "YYYY-MM"))?;
        let local = |d: chrono::NaiveDate| {
            domain::calendar::beijing()
                .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
                .single()
                .map(|t| t.with_timezone(&Utc).naive_utc())
                .unwrap_or_default()
        };
        Ok(domain::cases::Period { from: local(first).and_utc(), to: local(next).and_utc() })
    }
}

impl FiguresReport {
    pub fn new(report: queries::FiguresReport, month: String, satisfied_from: SatisfiedFrom) -> Self {
        Self {
            org_unit_id: report.org_unit_id,
            month,
            totals: FiguresView::new(report.totals, satisfied_from),
            units: report
                .units
                .into_iter()
                .map(|(org_unit_id, name, figures)| UnitFigures {
                    org_unit_id,
                    name,
                    figures: FiguresView::new(figures, satisfied_from),
                })
                .collect(),
        }
    }
}
