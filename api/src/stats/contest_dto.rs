//! The contest's and the gradings' request and response bodies: a hand score with its reason,
//! the history of entries, the year's standings, a village's leadership grading.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use infra::stats::contest::{Contest, Grading, GradingDraft, GradingRow, ScoreDraft, ScoreRow, GRADES};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};

use super::rankings_dto::RankingDimensionDto;
use crate::http::error::ApiError;
use crate::http::support::{parse_rfc3339, rfc3339};

fn reason_schema() -> Object {
    crate::contract::trimmed_text(2, 500).examples(["产业园二期投产，集体经营收入翻番"]).build()
}

/// A hand score of one dimension for one village and year.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ContestScoreBody {
    /// A village of the township.
    pub village_id: String,
    #[schema(schema_with = crate::contract::calendar_year)]
    pub year: i32,
    /// A dimension code of the township's contest.
    #[schema(pattern = "^[a-z0-9_]{1,40}$", example = "industry")]
    pub dimension: String,
    #[schema(minimum = 0, maximum = 100, example = 85)]
    pub score: f64,
    /// Why (2 to 500 characters); kept with the entry.
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

impl ContestScoreBody {
    pub fn parse(self) -> Result<ScoreDraft, ApiError> {
        domain::stats::contest::check_entry(self.score, &self.reason)?;
        Ok(ScoreDraft {
            village_id: self.village_id,
            year: self.year,
            dimension: self.dimension,
            score: self.score,
            reason: self.reason,
        })
    }
}

/// One hand score as entered.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestScoreView {
    pub id: String,
    pub township_id: String,
    pub village_id: String,
    pub year: i32,
    pub dimension: String,
    pub score: f64,
    pub reason: String,
    pub entered_by: String,
    pub entered_at: String,
}

impl From<ScoreRow> for ContestScoreView {
    fn from(r: ScoreRow) -> Self {
        Self {
            id: r.id,
            township_id: r.township_id,
            village_id: r.village_id,
            year: r.year,
            dimension: r.dimension,
            score: r.score,
            reason: r.reason,
            entered_by: r.entered_by,
            entered_at: rfc3339(r.entered_at),
        }
    }
}

/// Entries of a year, newest first.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContestScoreQuery {
    #[param(schema_with = crate::contract::calendar_year)]
    pub year: i32,
    /// Only this village's entries.
    pub village_id: Option<String>,
    /// Page size, 1–100; 20 when absent.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of entries: every entry, superseded ones included.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestScorePage {
    pub items: Vec<ContestScoreView>,
    pub next_cursor: Option<String>,
}

/// One dimension's score of a village.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestDimensionScoreView {
    pub dimension: String,
    /// 0–100; null when neither entered nor computable (counts as 0 in the total).
    pub score: Option<f64>,
    /// Entered by the township (else computed from the figures).
    pub by_hand: bool,
}

/// A village's standing in the contest.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestStandingView {
    pub org_unit_id: String,
    pub name: String,
    pub rank: u32,
    /// The weighted mean of the dimensions, 0–100.
    pub total: f64,
    pub scores: Vec<ContestDimensionScoreView>,
}

/// The township's contest of a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingContestView {
    pub year: i32,
    pub dimensions: Vec<RankingDimensionDto>,
    pub standings: Vec<ContestStandingView>,
}

impl RankingContestView {
    pub fn new(c: Contest, names: &BTreeMap<String, String>) -> Self {
        let standings = c
            .standings
            .into_iter()
            .map(|s| ContestStandingView {
                name: names.get(&s.org_unit_id).cloned().unwrap_or_default(),
                org_unit_id: s.org_unit_id,
                rank: s.rank,
                total: s.total,
                scores: s
                    .scores
                    .into_iter()
                    .map(|(dimension, score, by_hand)| ContestDimensionScoreView { dimension, score, by_hand })
                    .collect(),
            })
            .collect();
        Self { year: c.year, dimensions: c.dimensions.iter().map(RankingDimensionDto::from).collect(), standings }
    }
}

/// A village's three-yearly grading (大家评) to create.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct RankingGradingBody {
    /// The term's first year.
    #[schema(schema_with = crate::contract::calendar_year)]
    pub term: i32,
    /// RFC 3339.
    #[schema(format = DateTime, example = "2026-12-10T00:00:00Z")]
    pub opens_at: String,
    /// RFC 3339, after `opens_at`.
    #[schema(format = DateTime, example = "2026-12-20T00:00:00Z")]
    pub closes_at: String,
}

impl RankingGradingBody {
    pub fn parse(self) -> Result<GradingDraft, ApiError> {
        let opens_at: NaiveDateTime = parse_rfc3339(&self.opens_at, "opens_at")?;
        let closes_at = parse_rfc3339(&self.closes_at, "closes_at")?;
        Ok(GradingDraft { term: self.term, opens_at, closes_at })
    }
}

/// One grade's ballots.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingGradeCountView {
    /// 优秀, 称职, 基本称职 or 不称职.
    pub grade: String,
    pub count: u64,
}

/// A village's grading: its poll, and once the poll shows results, the distribution and turnout.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingGradingView {
    pub id: String,
    pub org_unit_id: String,
    pub term: i32,
    /// The voting feature's poll (vote at `/polls/{poll_id}/ballots`).
    pub poll_id: String,
    /// The poll's status (`hidden` when the caller may not see it).
    pub status: String,
    pub grades: Option<Vec<RankingGradeCountView>>,
    pub ballots: Option<u64>,
    pub electorate: Option<u64>,
    /// Ballots of the electorate, 0–1.
    pub turnout: Option<f64>,
}

impl RankingGradingView {
    pub fn created(row: GradingRow, status: String) -> Self {
        Self {
            id: row.id,
            org_unit_id: row.org_unit_id,
            term: row.term,
            poll_id: row.poll_id,
            status,
            grades: None,
            ballots: None,
            electorate: None,
            turnout: None,
        }
    }
}

impl From<&Grading> for RankingGradingView {
    fn from(g: &Grading) -> Self {
        let grades = g.counts.as_ref().map(|counts| {
            GRADES
                .iter()
                .zip(counts)
                .map(|(grade, count)| RankingGradeCountView { grade: (*grade).to_owned(), count: *count })
                .collect()
        });
        let turnout = match (g.ballots, g.electorate) {
            (Some(b), Some(e)) if e > 0 => Some(b as f64 / e as f64),
            _ => None,
        };
        Self {
            grades,
            ballots: g.ballots,
            electorate: g.electorate,
            turnout,
            ..Self::created(g.row.clone(), g.status.clone())
        }
    }
}
