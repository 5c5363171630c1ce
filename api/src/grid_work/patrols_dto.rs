//! What clients send to walk a patrol and what they get back, parsed into domain values first.

use chrono::NaiveDateTime;
use domain::grid_work::patrols::{check_start, PatrolPoint};
use infra::cases::service::Report;
use infra::grid_work::patrols::{NewPatrol, PatrolView as PatrolRead, Walked};
use infra::grid_work::rows::{PatrolPointRow, PatrolRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cases::dto::NewCase;
use crate::contract;
use crate::deliberation::decisions::parse_time;
use crate::http::error::ApiError;
use crate::http::support::rfc3339;

/// A note's longest length, in characters.
const NOTE_MAX: usize = 500;

fn note(value: Option<String>) -> Result<Option<String>, ApiError> {
    Ok(domain::cases::text(value, "note", NOTE_MAX, false)?)
}

/// A client id: 1 to 64 letters, digits, `-` and `_`.
fn client_id(value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        None => Ok(None),
        Some(c)
            if (1..=64).contains(&c.len())
                && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(c))
        }
        Some(_) => Err(ApiError::invalid_field("client_id", "1-64 of letters, digits, - and _")),
    }
}

fn note_schema() -> utoipa::openapi::Object {
    contract::required_text(NOTE_MAX).build()
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NewPatrolBody {
    pub grid_id: String,
    /// When the walk began on the phone (RFC 3339); at most 10 minutes ahead of the server.
    #[schema(format = DateTime)]
    pub started_at: String,
    #[schema(schema_with = note_schema, nullable)]
    pub note: Option<String>,
    /// The phone's own id for this patrol: the same id again answers the first patrol (200).
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$", nullable)]
    pub client_id: Option<String>,
}

impl NewPatrolBody {
    pub fn parse(self, now: NaiveDateTime) -> Result<NewPatrol, ApiError> {
        let started_at = check_start(parse_time(&self.started_at, "started_at")?, now)?;
        Ok(NewPatrol {
            grid_id: self.grid_id,
            started_at,
            note: note(self.note)?.unwrap_or_default(),
            client_id: client_id(self.client_id)?,
        })
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointBody {
    /// The phone's number for the point, 0 or more: a point already stored under it is kept.
    #[schema(minimum = 0)]
    #[serde(deserialize_with = "crate::contract::integral")]
    pub seq: i32,
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lng: f64,
    /// When it was passed (RFC 3339): not before the patrol started (less a minute), not ahead.
    #[schema(format = DateTime)]
    pub at: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointBatchBody {
    /// 1 to 500 points with distinct seqs.
    #[schema(min_items = 1, max_items = 500)]
    pub points: Vec<PointBody>,
}

impl PointBatchBody {
    /// The points with their times read; the batch is checked against the patrol in `infra`.
    pub fn parse(self) -> Result<Vec<PatrolPoint>, ApiError> {
        self.points
            .into_iter()
            .map(|p| Ok(PatrolPoint { seq: p.seq, lat: p.lat, lng: p.lng, at: parse_time(&p.at, "at")? }))
            .collect()
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct EndPatrolBody {
    /// Not before the start, not in the future (RFC 3339).
    #[schema(format = DateTime)]
    pub ended_at: String,
    /// Replaces the patrol's note when given.
    #[schema(schema_with = note_schema, nullable)]
    pub note: Option<String>,
}

impl EndPatrolBody {
    pub fn parse(self) -> Result<(NaiveDateTime, Option<String>), ApiError> {
        Ok((parse_time(&self.ended_at, "ended_at")?, note(self.note)?))
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct HazardBody {
    #[schema(example = "road")]
    pub category: String,
    /// At least 5 characters once trimmed, at most 1000.
    #[schema(schema_with = hazard_description)]
    pub description: String,
    /// GCJ-02; a point in China, with `lng` or neither.
    #[schema(schema_with = contract::lat_or_null)]
    pub lat: Option<f64>,
    #[schema(schema_with = contract::lng_or_null)]
    pub lng: Option<f64>,
    /// normal (the default) or urgent.
    #[schema(schema_with = contract::urgency_or_null)]
    pub urgency: Option<String>,
    /// Ids from `POST /media`.
    #[serde(default)]
    pub media: Vec<String>,
    /// The phone's own id for this hazard: the same id again answers the case first filed.
    pub client_id: Option<String>,
}

fn hazard_description() -> utoipa::openapi::Object {
    contract::trimmed_text(5, 1000).build()
}

impl HazardBody {
    /// Read as the cases feature reads an app report (the patrol's grid and details are set
    /// in `infra`).
    pub fn parse(self, now: NaiveDateTime, max_age: chrono::Duration) -> Result<Report, ApiError> {
        NewCase {
            category: self.category,
            description: self.description,
            lat: self.lat,
            lng: self.lng,
            coord: None,
            address: None,
            urgency: self.urgency,
            anonymous: false,
            public: None,
            media: self.media,
            client_id: self.client_id,
            captured_at: None,
        }
        .into_report(now, max_age)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PatrolQuery {
    /// The grid whose patrols are listed.
    pub grid_id: String,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointView {
    pub seq: i32,
    pub lat: f64,
    pub lng: f64,
    #[schema(format = DateTime)]
    pub at: String,
}

impl From<PatrolPointRow> for PointView {
    fn from(row: PatrolPointRow) -> Self {
        Self { seq: row.seq, lat: row.lat, lng: row.lng, at: rfc3339(row.at) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PatrolView {
    pub id: String,
    pub grid_id: String,
    pub walker_id: String,
    pub client_id: Option<String>,
    /// walking or ended.
    #[schema(example = "walking")]
    pub status: String,
    pub note: String,
    #[schema(format = DateTime)]
    pub started_at: String,
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
    pub point_count: i32,
    /// The walked path's length in whole metres (haversine over the points in seq order).
    pub distance_m: i32,
}

impl From<PatrolRow> for PatrolView {
    fn from(row: PatrolRow) -> Self {
        Self {
            id: row.id,
            grid_id: row.grid_id,
            walker_id: row.walker_id,
            client_id: row.client_id,
            status: row.status,
            note: row.note,
            started_at: rfc3339(row.started_at),
            ended_at: row.ended_at.map(rfc3339),
            point_count: row.point_count,
            distance_m: row.distance_m,
        }
    }
}

/// A patrol with the points it passed (in seq order) and the cases its hazards were filed as.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatrolDetail {
    #[serde(flatten)]
    pub patrol: PatrolView,
    pub points: Vec<PointView>,
    pub hazard_case_ids: Vec<String>,
}

impl From<PatrolRead> for PatrolDetail {
    fn from(read: PatrolRead) -> Self {
        Self {
            patrol: read.patrol.into(),
            points: read.points.into_iter().map(PointView::from).collect(),
            hazard_case_ids: read.hazard_case_ids,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PatrolPage {
    pub items: Vec<PatrolView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WalkedView {
    pub point_count: i32,
    pub distance_m: i32,
    /// Points new to the patrol (a batch sent again adds none).
    pub added: i32,
}

impl From<Walked> for WalkedView {
    fn from(w: Walked) -> Self {
        Self { point_count: w.point_count, distance_m: w.distance_m, added: w.added }
    }
}

/// The case a hazard was filed as.
#[derive(Debug, Serialize, ToSchema)]
pub struct HazardFiled {
    pub case_id: String,
    pub patrol_id: String,
}
