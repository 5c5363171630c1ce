//! What clients send to report and to read cases, parsed into domain values.

use chrono::NaiveDateTime;
use domain::cases::{CaseStatus, Level, Urgency};
use domain::geo_cn::{ChinaPoint, Datum};
use infra::cases::queries::ListQuery;
use infra::cases::service::Report;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::text;
use crate::contract;
use crate::http::error::ApiError;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NewCase {
    #[schema(example = "road")]
    pub category: String,
    /// At least 5 characters once trimmed, at most 1000.
    #[schema(schema_with = description_schema)]
    pub description: String,
    /// GCJ-02 unless `coord` is `wgs84`; a point in China (`domain::geo_cn::CHINA_REGION`), else
    /// 422 naming `lat` or `lng`. With `lng`, or neither: a report may give an address alone.
    #[schema(schema_with = contract::lat_or_null)]
    pub lat: Option<f64>,
    #[schema(schema_with = contract::lng_or_null)]
    pub lng: Option<f64>,
    #[schema(schema_with = contract::coord_or_null)]
    pub coord: Option<String>,
    pub address: Option<String>,
    /// normal (the default) or urgent.
    #[schema(schema_with = contract::urgency_or_null)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub anonymous: bool,
    /// Whether other residents may see it; the category decides by default.
    pub public: Option<bool>,
    /// Ids from `POST /media`.
    #[serde(default)]
    pub media: Vec<String>,
    /// The phone's own id for this report: a second sync of the same report returns the first.
    pub client_id: Option<String>,
    /// When it was captured on the phone (offline reports sync later).
    pub captured_at: Option<String>,
}

/// A report's description: trimmed, 5 to 1000 characters (a run of 5 that starts and ends with
/// a non-blank character, inside at most 1000).
fn description_schema() -> utoipa::openapi::Object {
    contract::trimmed_text(5, 1000).examples(["村口的路灯坏了，晚上很黑，老人走路不安全"]).build()
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CaseQuery {
    /// Cases of a unit's subtree (staff over it, or anyone with `public=true`).
    pub org_unit_id: Option<String>,
    pub grid_id: Option<String>,
    pub department_id: Option<String>,
    /// Only one's own and followed cases.
    pub mine: Option<bool>,
    /// Only public cases (with `org_unit_id`: a village's public cases, for residents).
    pub public: Option<bool>,
    #[param(schema_with = contract::case_status)]
    pub status: Option<String>,
    pub category: Option<String>,
    #[param(schema_with = contract::level)]
    pub level: Option<String>,
    pub overdue: Option<bool>,
    pub open: Option<bool>,
    /// Reported at or after (RFC 3339).
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Reported before (RFC 3339).
    #[param(format = DateTime)]
    pub to: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DuplicateQuery {
    pub category: String,
    /// A point in China, GCJ-02 unless `coord` is `wgs84`.
    #[schema(schema_with = contract::lat)]
    pub lat: f64,
    #[schema(schema_with = contract::lng)]
    pub lng: f64,
    #[schema(schema_with = contract::coord_or_null)]
    pub coord: Option<String>,
    /// What the resident is about to write.
    #[schema(schema_with = duplicate_text)]
    pub text: String,
}

fn duplicate_text() -> utoipa::openapi::Object {
    contract::required_text(1000).build()
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NearbyQuery {
    /// A point in China (`domain::geo_cn::CHINA_REGION`; a test holds the document to it), GCJ-02
    /// unless `coord` is `wgs84`.
    #[param(minimum = 3, maximum = 54)]
    pub lat: f64,
    #[param(minimum = 73, maximum = 136)]
    pub lng: f64,
    #[param(schema_with = contract::coord)]
    pub coord: Option<String>,
    pub category: Option<String>,
    /// Metres, 1 to 2000 (default 500).
    #[param(minimum = 1, maximum = 2000)]
    pub radius_m: Option<f64>,
}

/// A client's `lat`/`lng` in the datum `coord` names: a point in China, in GCJ-02.
pub fn parse_point(lat: f64, lng: f64, coord: Option<&str>) -> Result<ChinaPoint, ApiError> {
    Ok(ChinaPoint::parse(lat, lng, Datum::parse(coord)?)?)
}

fn parse_time(value: Option<&str>, field: &str) -> Result<Option<NaiveDateTime>, ApiError> {
    value.map(|t| crate::http::support::parse_rfc3339(t, field)).transpose()
}

impl NewCase {
    /// The report as the service takes it; `max_age` bounds how old an offline capture may be.
    pub fn into_report(self, now: NaiveDateTime, max_age: chrono::Duration) -> Result<Report, ApiError> {
        let description = text(Some(self.description), "description", 1000, true)?.unwrap_or_default();
        if description.chars().count() < 5 {
            return Err(ApiError::invalid_field("description", "at least 5 characters"));
        }
        let point = match (self.lat, self.lng) {
            (Some(lat), Some(lng)) => Some(parse_point(lat, lng, self.coord.as_deref())?),
            (None, None) => None,
            _ => return Err(ApiError::invalid_field("lat", "lat and lng come together")),
        };
        let urgency = Urgency::parse(self.urgency.as_deref().unwrap_or("normal"))?;
        let client_id = match self.client_id.map(|c| c.trim().to_owned()) {
            None => None,
            Some(c)
                if (1..=64).contains(&c.len())
                    && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                Some(c)
            }
            Some(_) => return Err(ApiError::invalid_field("client_id", "1-64 of letters, digits, - and _")),
        };
        let captured_at = match self.captured_at {
            None => None,
            Some(t) => {
                let at = crate::http::support::parse_rfc3339(&t, "captured_at")?;
                if at > now + chrono::Duration::minutes(5) {
                    return Err(ApiError::invalid_field("captured_at", "not in the future"));
                }
                if at < now - max_age {
                    return Err(ApiError::invalid_field("captured_at", "too old to report"));
                }
                Some(at)
            }
        };
        Ok(Report {
            category: self.category,
            description,
            point,
            address: text(self.address, "address", 200, false)?,
            urgency,
            anonymous: self.anonymous,
            public: self.public,
            media: self.media,
            client_id,
            grid_id: None,
            captured_at,
            details: serde_json::json!({}),
        })
    }
}

impl CaseQuery {
    /// The filters as domain values (ids stay text: one that is no UUID names nothing).
    pub fn to_list_query(&self) -> Result<ListQuery, ApiError> {
        Ok(ListQuery {
            org_unit_id: self.org_unit_id.clone(),
            grid_id: self.grid_id.clone(),
            department_id: self.department_id.clone(),
            mine: self.mine,
            public: self.public,
            status: self.status.as_deref().map(CaseStatus::parse).transpose()?,
            category: self.category.clone(),
            level: self.level.as_deref().map(Level::parse).transpose()?,
            overdue: self.overdue,
            open: self.open,
            from: parse_time(self.from.as_deref(), "from")?,
            to: parse_time(self.to.as_deref(), "to")?,
        })
    }
}

impl NearbyQuery {
    /// The radius in metres: 1 to 2000, 500 by default.
    pub fn radius(&self) -> Result<f64, ApiError> {
        let radius = self.radius_m.unwrap_or(500.0);
        if !(1.0..=2000.0).contains(&radius) {
            return Err(ApiError::invalid_field("radius_m", "1 to 2000"));
        }
        Ok(radius)
    }
}
