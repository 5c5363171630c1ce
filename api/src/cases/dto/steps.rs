//! The bodies of the ladder's steps, a visit and revealing the reporter.

use actix_web::HttpRequest;
use domain::cases::Outcome;
use serde::Deserialize;
use utoipa::ToSchema;

use super::text;
use crate::contract;
use crate::http::error::ApiError;

/// A required note or reason of at most 500 characters, as [`text`] reads it.
fn note_500() -> utoipa::openapi::Object {
    contract::required_text(500).build()
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StepBody {
    pub note: Option<String>,
    /// Ids from `POST /media`: photos of the work, a voice note.
    #[serde(default)]
    pub media: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EscalateBody {
    /// Why this level cannot solve it (吹哨).
    #[schema(schema_with = note_500)]
    pub reason: String,
    /// For the step to the county: the department (else the category's).
    pub department_id: Option<String>,
    #[serde(default)]
    pub media: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResolveBody {
    /// fixed, unable_to_fix, referred (not our responsibility), duplicate, withdrawn.
    #[schema(schema_with = contract::outcome)]
    pub outcome: String,
    #[schema(schema_with = note_500)]
    pub note: String,
    #[serde(default)]
    pub media: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmBody {
    #[schema(schema_with = contract::rating)]
    #[serde(deserialize_with = "contract::integral")]
    pub rating: i64,
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReopenBody {
    /// Why the answer does not solve it.
    #[schema(schema_with = note_500)]
    pub reason: String,
    #[serde(default)]
    pub media: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeBody {
    /// The case this one duplicates; this one closes into it.
    pub into: String,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VisitBody {
    /// phone or in_person.
    #[schema(schema_with = contract::visit_method)]
    pub method: String,
    #[schema(schema_with = note_500)]
    pub note: String,
    /// Whether the reporter said they were satisfied.
    pub satisfied: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevealBody {
    /// Why the phone is needed (kept in the audit log).
    #[schema(schema_with = reveal_reason)]
    pub reason: String,
}

fn reveal_reason() -> utoipa::openapi::Object {
    contract::required_text(200).build()
}

impl ResolveBody {
    pub fn outcome(&self) -> Result<Outcome, ApiError> {
        Ok(Outcome::parse(&self.outcome)?)
    }
}

impl RevealBody {
    pub fn into_reason(self) -> Result<String, ApiError> {
        Ok(text(Some(self.reason), "reason", 200, true)?.unwrap_or_default())
    }
}

/// An optional step body: empty, or JSON `null` (as the document's `StepBody | null` allows),
/// means none; when sent, it must be a valid JSON object.
pub fn optional_body<T: Default + serde::de::DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) || body.trim_ascii() == b"null" {
        return Ok(T::default());
    }
    crate::http::json::parse_bytes(req, body)
}
