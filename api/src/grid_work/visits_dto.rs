//! Visits' request and response bodies: what a phone sends parsed into checked visits, and the
//! views of infra's read models (whole for the visitor and staff, short for the household).

use chrono::NaiveDateTime;
use domain::cases::Urgency;
use domain::grid_work::visits::{self as rules, Draft, Visit, VisitKind};
use domain::identity::ids::{GridId, HouseholdId};
use infra::grid_work::visits::{NewVisit, Of, RaisedCase, ResidentVisit, Seen, VisitView as Whole};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;
use crate::http::support::rfc3339;

fn kind_schema() -> Object {
    let kinds: Vec<serde_json::Value> = VisitKind::ALL.iter().map(|k| k.as_str().into()).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(kinds)).build()
}

fn met_schema() -> Object {
    crate::contract::required_text(rules::MET_MAX).examples(["户主王大伯及老伴"]).build()
}

fn client_id_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(rules::CLIENT_ID_MAX))
        .pattern(Some("^[A-Za-z0-9_-]{1,64}$"))
        .build()
}

/// A case a visit raises, filed in the visit's grid as the visitor.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct VisitCase {
    #[schema(schema_with = crate::contract::category_code)]
    pub category: String,
    /// 5 to 1000 characters once trimmed.
    #[schema(example = "老人家中电线老化，有火灾隐患")]
    pub description: String,
    /// normal (the default) or urgent.
    #[schema(schema_with = crate::contract::urgency_or_null)]
    pub urgency: Option<String>,
    /// Whether other residents may see it; the category decides by default.
    pub public: Option<bool>,
}

impl VisitCase {
    fn parse(self) -> Result<RaisedCase, ApiError> {
        let description = crate::cases::dto::text(Some(self.description), "case.description", 1000, true)?;
        let description = description.unwrap_or_default();
        if description.chars().count() < 5 {
            return Err(ApiError::invalid_field("case.description", "at least 5 characters"));
        }
        let urgency = Urgency::parse(self.urgency.as_deref().unwrap_or("normal"))
            .map_err(|_| ApiError::invalid_field("case.urgency", "normal or urgent"))?;
        Ok(RaisedCase { category: self.category, description, urgency, public: self.public })
    }
}

/// A visit as a phone sends it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct NewVisitBody {
    /// A household on a grid of the caller's.
    pub household_id: String,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    /// Who was met: 1 to 64 characters once trimmed.
    #[schema(schema_with = met_schema)]
    pub met: String,
    /// At most 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
    /// Pieces of information collected, 0 to 100.
    #[serde(default, deserialize_with = "crate::contract::integral")]
    #[schema(minimum = 0, maximum = 100)]
    pub info_items: i64,
    /// RFC 3339: at most 10 minutes ahead of the server, at most 60 days ago.
    #[schema(example = "2026-12-01T09:30:00+08:00")]
    pub visited_at: String,
    /// The phone's id for the visit: the same id synced again returns the first visit.
    #[schema(schema_with = client_id_schema)]
    pub client_id: Option<String>,
    /// GCJ-02, with `lng`.
    #[schema(schema_with = crate::contract::lat_or_null)]
    pub lat: Option<f64>,
    #[schema(schema_with = crate::contract::lng_or_null)]
    pub lng: Option<f64>,
    /// Up to 9 ids from `POST /media`: the caller's own, attached to nothing yet.
    #[serde(default)]
    pub media: Vec<String>,
    /// A case to raise from the visit, linked both ways.
    pub case: Option<VisitCase>,
}

impl NewVisitBody {
    /// Checks every field against the server's clock; the first that fails is named.
    pub fn parse(self, now: NaiveDateTime) -> Result<NewVisit, ApiError> {
        let household_id =
            HouseholdId::parse(&self.household_id).ok_or_else(|| ApiError::invalid_field("household_id", "an id"))?;
        let visited_at = crate::deliberation::decisions::parse_time(&self.visited_at, "visited_at")?;
        let draft = Draft {
            kind: &self.kind,
            met: &self.met,
            note: &self.note,
            info_items: self.info_items,
            visited_at: Some(visited_at),
            client_id: self.client_id.as_deref(),
            lat: self.lat,
            lng: self.lng,
        };
        let visit = Visit::parse(&draft, now)?;
        if self.media.len() > infra::grid_work::visits::MAX_PHOTOS {
            return Err(ApiError::invalid_field("media", "at most 9 files"));
        }
        let case = self.case.map(VisitCase::parse).transpose()?;
        Ok(NewVisit { household_id: household_id.into_string(), visit, media: self.media, case })
    }
}

/// A sync's items: each one's client id and what parsing made of it.
pub type SyncItems = Vec<(String, Result<NewVisit, ApiError>)>;

/// Offline visits synced at once: up to 50, each with its `client_id`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SyncBody {
    #[schema(min_items = 1, max_items = 50)]
    pub visits: Vec<NewVisitBody>,
}

impl SyncBody {
    /// Each item checked on its own (a `client_id` required): its client id and what parsing
    /// made of it.
    pub fn parse(self, now: NaiveDateTime) -> Result<SyncItems, ApiError> {
        if self.visits.is_empty() || self.visits.len() > rules::SYNC_MAX {
            return Err(ApiError::invalid_field("visits", "1 to 50 visits"));
        }
        Ok(self
            .visits
            .into_iter()
            .map(|item| {
                let client_id = item.client_id.clone().unwrap_or_default();
                let parsed = match item.client_id {
                    None => Err(ApiError::invalid_field("client_id", "required in a sync")),
                    Some(_) => item.parse(now),
                };
                (client_id, parsed)
            })
            .collect())
    }
}

/// Who made a visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitorRef {
    pub id: String,
    pub display_name: String,
}

/// A photo of a visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitPhoto {
    pub id: String,
    /// Where to fetch it (with the caller's token).
    pub url: String,
}

/// A visit as its visitor and the staff who read the grid's visits see it; the visited
/// household sees only `id`, `household_id`, `kind`, `visitor.display_name` and `visited_at`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitView {
    pub id: String,
    pub household_id: String,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    pub visitor: VisitorRef,
    pub visited_at: String,
    /// whole (the visitor and staff) or resident (the household: no note, no `met`).
    #[schema(example = "whole")]
    pub view: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub household_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info_items: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lng: Option<f64>,
    /// The case the visit raised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Vec<VisitPhoto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

impl From<Whole> for VisitView {
    fn from(v: Whole) -> Self {
        let row = v.row;
        let photos = v.media.into_iter().map(|id| VisitPhoto { url: format!("/api/v1/media/{id}"), id }).collect();
        Self {
            id: row.id,
            household_id: row.household_id,
            kind: row.kind,
            visitor: VisitorRef { id: row.visitor_id, display_name: v.visitor_name },
            visited_at: rfc3339(row.visited_at),
            view: "whole".into(),
            grid_id: Some(row.grid_id),
            household_name: Some(v.household_name),
            met: Some(row.met),
            note: Some(row.note),
            info_items: Some(row.info_items),
            lat: row.lat,
            lng: row.lng,
            case_id: row.case_id,
            media: Some(photos),
            recorded_at: Some(rfc3339(row.recorded_at)),
            client_id: row.client_id,
        }
    }
}

impl From<ResidentVisit> for VisitView {
    fn from(v: ResidentVisit) -> Self {
        Self {
            id: v.id,
            household_id: v.household_id,
            kind: v.kind,
            // The household learns who came, not the account behind the name.
            visitor: VisitorRef { id: String::new(), display_name: v.visitor_name },
            visited_at: rfc3339(v.visited_at),
            view: "resident".into(),
            grid_id: None,
            household_name: None,
            met: None,
            note: None,
            info_items: None,
            lat: None,
            lng: None,
            case_id: None,
            media: None,
            recorded_at: None,
            client_id: None,
        }
    }
}

impl From<Seen> for VisitView {
    fn from(seen: Seen) -> Self {
        match seen {
            Seen::Whole(whole) => Self::from(*whole),
            Seen::Resident(short) => Self::from(short),
        }
    }
}

/// One synced item's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncItem {
    pub client_id: String,
    /// created, synced (made before: nothing new) or refused.
    #[schema(example = "created")]
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visit: Option<VisitView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<SyncError>,
}

/// Why an item was refused: the code and message a single request would have answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncAnswer {
    /// In the order sent.
    pub items: Vec<SyncItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitPage {
    pub items: Vec<VisitView>,
    pub next_cursor: Option<String>,
}

/// Which visits: a grid's or a household's (one of them), in an optional window, newest first.
#[derive(Debug, Deserialize, IntoParams)]
pub struct VisitQuery {
    pub grid_id: Option<String>,
    pub household_id: Option<String>,
    /// RFC 3339: visits at or after.
    pub from: Option<String>,
    /// RFC 3339: visits before.
    pub to: Option<String>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

fn time(value: Option<&str>, field: &'static str) -> Result<Option<NaiveDateTime>, ApiError> {
    value.map(|t| crate::deliberation::decisions::parse_time(t, field)).transpose()
}

impl VisitQuery {
    /// The grid or household, and the window's bounds.
    pub fn parse(&self) -> Result<(Of, Option<NaiveDateTime>, Option<NaiveDateTime>), ApiError> {
        let of = match (&self.grid_id, &self.household_id) {
            (Some(grid), None) => {
                Of::Grid(GridId::parse(grid).ok_or_else(|| ApiError::invalid_field("grid_id", "an id"))?.into_string())
            }
            (None, Some(household)) => Of::Household(
                HouseholdId::parse(household)
                    .ok_or_else(|| ApiError::invalid_field("household_id", "an id"))?
                    .into_string(),
            ),
            _ => return Err(ApiError::invalid_field("grid_id", "grid_id or household_id, one of them")),
        };
        let (from, to) = (time(self.from.as_deref(), "from")?, time(self.to.as_deref(), "to")?);
        if let (Some(from), Some(to)) = (from, to) {
            if from >= to {
                return Err(ApiError::invalid_field("to", "after from"));
            }
        }
        Ok((of, from, to))
    }
}

/// A page of one's own household's visits.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MyVisitQuery {
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}
