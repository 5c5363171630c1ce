//! Rankings' request and response bodies: a month's ranking with its red and black lists, the
//! contest and the gradings shown with it; a ranking unit's configuration as written and read.

use std::collections::BTreeMap;

use domain::stats::contest::{Dimension, Source};
use domain::stats::rankings::{ListRules, RankingConfig};
use infra::stats::rankings::{Config, RankedUnit, Ranking, RankingsError};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use super::contest_dto::{RankingContestView, RankingGradingView};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::support::rfc3339;

impl From<RankingsError> for ApiError {
    fn from(error: RankingsError) -> Self {
        match error {
            RankingsError::NotFound => Self::new(ErrorCode::NotFound),
            RankingsError::Forbidden => Self::new(ErrorCode::Forbidden),
            RankingsError::Invalid { field, reason } => Self::invalid_field(field, &reason),
            RankingsError::Duplicate => Self::new(ErrorCode::AlreadyDone),
            RankingsError::Corrupt(what) => Self::internal(what),
            RankingsError::Db(e) => Self::from(infra::InfraError::from(e)),
            RankingsError::Infra(e) => Self::from(e),
        }
    }
}

fn month_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"))
        .examples(["2026-11"])
        .build()
}

/// The month ranked.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// A Beijing calendar month, `YYYY-MM`.
    #[param(schema_with = month_schema)]
    pub month: String,
}

/// A unit's figures as the ranking weighed them (rates 0–1; null when nothing to count).
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingFiguresView {
    pub cases_received: u64,
    pub cases_closed: u64,
    pub cases_resolved: u64,
    pub resolution_rate: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub case_satisfaction_rate: Option<f64>,
    pub commitments_on_time_rate: Option<f64>,
    pub commitments_overdue: u64,
    pub deliberation_satisfaction_rate: Option<f64>,
    pub turnout_rate: Option<f64>,
    pub participation_rate: Option<f64>,
    pub points_entries: u64,
}

/// One ranked unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingUnitView {
    pub org_unit_id: String,
    pub name: String,
    /// 1 for the best; ties broken by the unit's id.
    pub rank: u32,
    /// The composite, 0–100.
    pub score: f64,
    /// `red`, `black` or null.
    pub listing: Option<String>,
    /// The rules that put it on its list.
    pub reasons: Vec<String>,
    /// Each weighed figure normalised to 0–1 (null: nothing to count, its weight left out).
    pub parts: BTreeMap<String, Option<f64>>,
    pub figures: RankingFiguresView,
    /// The village's latest leadership grading (大家评), if any.
    pub grading: Option<RankingGradingView>,
}

/// A month's ranking of a township's villages or a county's townships.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingView {
    pub org_unit_id: String,
    pub name: String,
    pub month: String,
    /// The configuration version used (0: the defaults).
    pub config_version: i32,
    pub units: Vec<RankingUnitView>,
    /// The township's good-governance contest of the month's year (null for a county).
    pub contest: Option<RankingContestView>,
}

fn figures_view(unit: &RankedUnit) -> RankingFiguresView {
    let f = &unit.figures;
    RankingFiguresView {
        cases_received: f.cases.received,
        cases_closed: f.cases.resolved.whole,
        cases_resolved: f.cases.resolved.part,
        resolution_rate: f.cases.resolved.rate(),
        on_time_rate: f.cases.on_time.rate(),
        case_satisfaction_rate: f.cases.satisfied.rate(),
        commitments_on_time_rate: f.deliberation.commitments_on_time.rate(),
        commitments_overdue: f.deliberation.commitments_overdue,
        deliberation_satisfaction_rate: f.deliberation.satisfied.rate(),
        turnout_rate: f.voting.turnout.rate(),
        participation_rate: f.participation.active_residents.rate(),
        points_entries: f.points.entries,
    }
}

impl From<Ranking> for RankingView {
    fn from(r: Ranking) -> Self {
        let names: BTreeMap<String, String> =
            r.units.iter().map(|u| (u.unit.id.clone(), u.unit.name.clone())).collect();
        let units = r
            .units
            .iter()
            .map(|u| RankingUnitView {
                org_unit_id: u.unit.id.clone(),
                name: u.unit.name.clone(),
                rank: u.ranked.rank,
                score: u.ranked.score,
                listing: u.ranked.listing.map(|l| l.as_str().to_owned()),
                reasons: u.ranked.reasons.iter().map(|r| (*r).to_owned()).collect(),
                parts: u.ranked.parts.iter().map(|(m, v)| (m.as_str().to_owned(), *v)).collect(),
                figures: figures_view(u),
                grading: r.gradings.get(&u.unit.id).map(RankingGradingView::from),
            })
            .collect();
        RankingView {
            org_unit_id: r.unit.id,
            name: r.unit.name,
            month: r.month.to_string(),
            config_version: r.config.version,
            units,
            contest: r.contest.map(|c| RankingContestView::new(c, &names)),
        }
    }
}

/// The red and black list rules.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct RankingListRulesDto {
    /// The first N by score are red (1–100).
    #[schema(minimum = 1, maximum = 100)]
    pub red_top: Option<u32>,
    /// A score at or above this is red (0–100).
    #[schema(minimum = 0, maximum = 100)]
    pub red_min_score: Option<f64>,
    /// The last N by score are black (1–100).
    #[schema(minimum = 1, maximum = 100)]
    pub black_bottom: Option<u32>,
    /// A case resolution rate in percent below this is black (0–100).
    #[schema(minimum = 0, maximum = 100)]
    pub black_resolution_below: Option<f64>,
    /// Any commitment overdue at the month's end is black.
    pub black_on_overdue: bool,
}

impl From<&ListRules> for RankingListRulesDto {
    fn from(l: &ListRules) -> Self {
        Self {
            red_top: l.red_top,
            red_min_score: l.red_min_score,
            black_bottom: l.black_bottom,
            black_resolution_below: l.black_resolution_below,
            black_on_overdue: l.black_on_overdue,
        }
    }
}

fn source_schema() -> Object {
    let values: Vec<serde_json::Value> = ["hand", "governance", "participation"].into_iter().map(Into::into).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

/// One dimension of the good-governance contest.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct RankingDimensionDto {
    #[schema(pattern = "^[a-z0-9_]{1,40}$", example = "industry")]
    pub code: String,
    #[schema(min_length = 1, max_length = 40, example = "产业兴不兴")]
    pub name: String,
    #[schema(minimum = 0, maximum = 100)]
    pub weight: u32,
    /// `hand` (scores entered by the township), or computed from the year's figures:
    /// `governance` (case resolution and satisfaction), `participation`.
    #[schema(schema_with = source_schema)]
    pub source: String,
}

impl From<&Dimension> for RankingDimensionDto {
    fn from(d: &Dimension) -> Self {
        Self { code: d.code.clone(), name: d.name.clone(), weight: d.weight, source: d.source.as_str().to_owned() }
    }
}

/// A ranking unit's configuration as written: weights per figure (figures left out weigh
/// nothing), list rules, the contest's dimensions (a township's).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct RankingConfigBody {
    /// Figure → weight (0–100); at least one above zero.
    #[schema(value_type = BTreeMap<String, u32>, example = json!({"case_resolution": 60, "case_satisfaction": 40}))]
    pub weights: BTreeMap<String, u32>,
    pub lists: RankingListRulesDto,
    /// 1 to 12 dimensions; absent: the four of 善治大比拼.
    #[serde(default)]
    pub dimensions: Option<Vec<RankingDimensionDto>>,
}

impl RankingConfigBody {
    pub fn parse(self) -> Result<(RankingConfig, Vec<Dimension>), ApiError> {
        let l = self.lists;
        let lists = ListRules {
            red_top: l.red_top,
            red_min_score: l.red_min_score,
            black_bottom: l.black_bottom,
            black_resolution_below: l.black_resolution_below,
            black_on_overdue: l.black_on_overdue,
        };
        let config = RankingConfig::parse(self.weights.into_iter().collect(), lists)?;
        let dimensions = match self.dimensions {
            None => domain::stats::contest::default_dimensions(),
            Some(dims) => dims
                .into_iter()
                .map(|d| {
                    Ok(Dimension {
                        code: d.code,
                        name: d.name.trim().to_owned(),
                        weight: d.weight,
                        source: Source::parse(&d.source)?,
                    })
                })
                .collect::<Result<_, domain::DomainError>>()?,
        };
        domain::stats::contest::check_dimensions(&dimensions)?;
        Ok((config, dimensions))
    }
}

/// A ranking unit's configuration in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingConfigView {
    pub org_unit_id: String,
    /// 0: the defaults, never written.
    pub version: i32,
    #[schema(value_type = BTreeMap<String, u32>)]
    pub weights: BTreeMap<String, u32>,
    pub lists: RankingListRulesDto,
    pub dimensions: Vec<RankingDimensionDto>,
    pub created_by: Option<String>,
    pub created_at: Option<String>,
}

impl From<Config> for RankingConfigView {
    fn from(c: Config) -> Self {
        Self {
            org_unit_id: c.org_unit_id,
            version: c.version,
            weights: c.ranking.weights.iter().map(|(m, w)| (m.as_str().to_owned(), *w)).collect(),
            lists: RankingListRulesDto::from(&c.ranking.lists),
            dimensions: c.dimensions.iter().map(RankingDimensionDto::from).collect(),
            created_by: c.created_by,
            created_at: c.created_at.map(rfc3339),
        }
    }
}
