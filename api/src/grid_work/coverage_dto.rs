//! The request and response bodies of care households, a grid's coverage and a unit's figures.

use chrono::NaiveDate;
use domain::grid_work::care::{CareInterval, CareNeed, CareNeeds, Coverage, Period, StaleDays};
use domain::identity::ids::OrgUnitId;
use infra::grid_work::coverage::{
    CareLine, CareSetting, Figures, FiguresLine, GridCoverage, StaleHousehold, UnitFigures, VisitorFigures,
};
use infra::grid_work::rows::CareRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::{ApiError, ErrorCode};
use crate::http::support::rfc3339;

/// A household's care needs and how often it is due a visit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CareBody {
    /// At least one need, each once.
    #[schema(schema_with = crate::contract::care_needs)]
    pub needs: Vec<CareNeedWord>,
    /// Days between visits, 1 to 90.
    #[schema(minimum = 1, maximum = 90, example = 7)]
    #[serde(deserialize_with = "crate::contract::integral")]
    pub interval_days: i64,
    /// Whether the interval counts working days (the holiday calendar) rather than calendar days.
    #[serde(default)]
    pub working_days: bool,
}

/// A need, as sent.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CareNeedWord {
    /// An elderly person living alone (独居老人).
    ElderlyAlone,
    Disabled,
    /// A child left behind (留守儿童).
    LeftBehindChild,
}

impl From<CareNeedWord> for CareNeed {
    fn from(word: CareNeedWord) -> Self {
        match word {
            CareNeedWord::ElderlyAlone => CareNeed::ElderlyAlone,
            CareNeedWord::Disabled => CareNeed::Disabled,
            CareNeedWord::LeftBehindChild => CareNeed::LeftBehindChild,
        }
    }
}

fn word(need: CareNeed) -> CareNeedWord {
    match need {
        CareNeed::ElderlyAlone => CareNeedWord::ElderlyAlone,
        CareNeed::Disabled => CareNeedWord::Disabled,
        CareNeed::LeftBehindChild => CareNeedWord::LeftBehindChild,
    }
}

impl CareBody {
    pub fn parse(self) -> Result<CareSetting, ApiError> {
        Ok(CareSetting {
            needs: CareNeeds::parse(self.needs.into_iter().map(CareNeed::from))?,
            interval: CareInterval::parse(self.interval_days, self.working_days)?,
        })
    }
}

/// A household's care setting as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct CareView {
    pub household_id: String,
    pub needs: Vec<CareNeedWord>,
    pub interval_days: i32,
    pub working_days: bool,
    /// RFC 3339.
    pub set_at: String,
}

impl From<CareRow> for CareView {
    fn from(row: CareRow) -> Self {
        let needs = CareNeeds::from_stored(&row.needs).map(|n| n.iter().map(word).collect()).unwrap_or_default();
        Self {
            household_id: row.household_id,
            needs,
            interval_days: row.interval_days,
            working_days: row.working_days,
            set_at: rfc3339(row.set_at),
        }
    }
}

fn day(value: Option<&str>, field: &'static str) -> Result<Option<NaiveDate>, ApiError> {
    value
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| ApiError::invalid_field(field, "a date, YYYY-MM-DD"))
        })
        .transpose()
}

fn period(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Period, ApiError> {
    Ok(Period::parse(day(from, "from")?, day(to, "to")?, today)?)
}

/// A grid's coverage over a period of Beijing days (both ends included; the current month by
/// default).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// First day (Beijing), YYYY-MM-DD.
    #[param(format = Date, example = "2027-03-01")]
    pub from: Option<String>,
    /// Last day (Beijing), YYYY-MM-DD; at most 366 days after `from`.
    #[param(format = Date, example = "2027-03-31")]
    pub to: Option<String>,
    /// Households not visited for this many days are listed (1–365, 30 by default).
    #[param(minimum = 1, maximum = 365)]
    pub stale_days: Option<i64>,
}

impl CoverageQuery {
    pub fn parse(&self, today: NaiveDate) -> Result<(Period, StaleDays), ApiError> {
        Ok((period(self.from.as_deref(), self.to.as_deref(), today)?, StaleDays::parse(self.stale_days)?))
    }
}

/// A unit's figures over a period (the current Beijing month by default).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GridWorkFiguresQuery {
    pub org_unit_id: String,
    #[param(format = Date, example = "2027-03-01")]
    pub from: Option<String>,
    #[param(format = Date, example = "2027-03-31")]
    pub to: Option<String>,
}

impl GridWorkFiguresQuery {
    pub fn parse(&self, today: NaiveDate) -> Result<(OrgUnitId, Period), ApiError> {
        let unit = OrgUnitId::parse(&self.org_unit_id).ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
        Ok((unit, period(self.from.as_deref(), self.to.as_deref(), today)?))
    }
}

/// Households visited out of households on the roll, and the share (for display: the counts
/// are the figure).
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageView {
    pub households: u64,
    pub visited: u64,
    /// visited / households, four decimals (0 when there is no household).
    pub rate: f64,
}

impl From<Coverage> for CoverageView {
    fn from(c: Coverage) -> Self {
        Self { households: c.households, visited: c.visited, rate: c.rate() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaleHouseholdView {
    pub household_id: String,
    pub name: String,
    /// RFC 3339; absent when never visited.
    pub last_visit: Option<String>,
}

impl From<StaleHousehold> for StaleHouseholdView {
    fn from(s: StaleHousehold) -> Self {
        Self { household_id: s.household_id, name: s.name, last_visit: s.last_visit.map(rfc3339) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitorView {
    pub user_id: String,
    pub display_name: String,
    pub visits: i64,
    /// Distinct households reached.
    pub households: i64,
    pub info_items: i64,
}

impl From<VisitorFigures> for VisitorView {
    fn from(v: VisitorFigures) -> Self {
        Self {
            user_id: v.user_id,
            display_name: v.display_name,
            visits: v.visits,
            households: v.households,
            info_items: v.info_items,
        }
    }
}

/// A care household: personal data, shown only to staff who read the grid's households.
#[derive(Debug, Serialize, ToSchema)]
pub struct CareLineView {
    pub household_id: String,
    pub name: String,
    pub needs: Vec<CareNeedWord>,
    pub interval_days: u32,
    pub working_days: bool,
    /// RFC 3339; absent when never visited since marked.
    pub last_visit: Option<String>,
    /// The Beijing day the next visit is due (YYYY-MM-DD).
    #[schema(format = Date)]
    pub due: String,
    /// The due day has passed without a visit.
    pub overdue: bool,
}

impl From<CareLine> for CareLineView {
    fn from(c: CareLine) -> Self {
        Self {
            household_id: c.household_id,
            name: c.name,
            needs: c.needs.iter().map(word).collect(),
            interval_days: c.interval.days(),
            working_days: c.interval.working_days(),
            last_visit: c.last_visit.map(rfc3339),
            due: c.status.due.to_string(),
            overdue: c.status.overdue,
        }
    }
}

/// A grid's coverage. `stale` and `care` are present only for staff who read the grid's visits
/// and households (not for a township, which sees the counts).
#[derive(Debug, Serialize, ToSchema)]
pub struct GridCoverageView {
    pub grid_id: String,
    #[schema(format = Date)]
    pub from: String,
    #[schema(format = Date)]
    pub to: String,
    pub stale_days: u32,
    pub coverage: CoverageView,
    pub visits: i64,
    pub info_items: i64,
    pub stale_count: u64,
    pub stale: Option<Vec<StaleHouseholdView>>,
    pub visitors: Vec<VisitorView>,
    pub care_households: u64,
    pub care_overdue: u64,
    pub care: Option<Vec<CareLineView>>,
}

impl From<GridCoverage> for GridCoverageView {
    fn from(g: GridCoverage) -> Self {
        Self {
            grid_id: g.grid_id,
            from: g.period.from().to_string(),
            to: g.period.to().to_string(),
            stale_days: g.stale_days.days(),
            coverage: g.coverage.into(),
            visits: g.visits,
            info_items: g.info_items,
            stale_count: g.stale_count,
            stale: g.stale.map(|s| s.into_iter().map(Into::into).collect()),
            visitors: g.visitors.into_iter().map(Into::into).collect(),
            care_households: g.care_households,
            care_overdue: g.care_overdue,
            care: g.care.map(|c| c.into_iter().map(Into::into).collect()),
        }
    }
}

/// Counts only: no names, no notes.
#[derive(Debug, Serialize, ToSchema)]
pub struct GridWorkFiguresView {
    pub visits: i64,
    pub coverage: CoverageView,
    pub info_items: i64,
    pub care_households: u64,
    pub care_overdue: u64,
}

impl From<Figures> for GridWorkFiguresView {
    fn from(f: Figures) -> Self {
        Self {
            visits: f.visits,
            coverage: f.coverage.into(),
            info_items: f.info_items,
            care_households: f.care_households,
            care_overdue: f.care_overdue,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GridWorkFiguresLine {
    pub id: String,
    pub name: String,
    /// A grid's village (or unit), a village's township, a township's county.
    pub parent_id: Option<String>,
    pub figures: GridWorkFiguresView,
}

impl From<FiguresLine> for GridWorkFiguresLine {
    fn from(l: FiguresLine) -> Self {
        Self { id: l.id, name: l.name, parent_id: l.parent_id, figures: l.figures.into() }
    }
}

/// A unit's grid-work figures: per grid, village and township, and the total under the unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct GridWorkFiguresReport {
    pub org_unit_id: String,
    #[schema(format = Date)]
    pub from: String,
    #[schema(format = Date)]
    pub to: String,
    pub grids: Vec<GridWorkFiguresLine>,
    pub villages: Vec<GridWorkFiguresLine>,
    pub townships: Vec<GridWorkFiguresLine>,
    pub total: GridWorkFiguresView,
}

impl From<UnitFigures> for GridWorkFiguresReport {
    fn from(u: UnitFigures) -> Self {
        Self {
            org_unit_id: u.org_unit_id,
            from: u.period.from().to_string(),
            to: u.period.to().to_string(),
            grids: u.grids.into_iter().map(Into::into).collect(),
            villages: u.villages.into_iter().map(Into::into).collect(),
            townships: u.townships.into_iter().map(Into::into).collect(),
            total: u.total.into(),
        }
    }
}
