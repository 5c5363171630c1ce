//! Entries', postings' and objections' request and response bodies. A posting shows each entry
//! with the person's name, the rule, the points and the day — never a phone — and its objections;
//! who objected only to staff.

use chrono::NaiveDate;
use domain::points::entries::{EntryStatus, Ruling, DEFAULT_POSTING_DAYS, MAX_POSTING_DAYS};
use infra::points::entries::{Decision, EntryView, NewClaim, NewEntry, MAX_NOTE, MAX_PHOTOS};
use infra::points::postings::{PostedEntry, Seen};
use infra::points::rows::{ObjectionRow, PostingRow};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;
use crate::http::support::rfc3339;

fn day(text: &str, field: &'static str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| ApiError::invalid_field(field, "a date, YYYY-MM-DD"))
}

fn note(text: &str, field: &'static str, required: bool) -> Result<String, ApiError> {
    let text = text.trim();
    if text.chars().count() > MAX_NOTE {
        return Err(ApiError::invalid_field(field, "at most 500 characters"));
    }
    if required && text.is_empty() {
        return Err(ApiError::invalid_field(field, "required"));
    }
    Ok(text.to_owned())
}

fn id(text: &str, field: &'static str) -> Result<String, ApiError> {
    if domain::ids::is_valid_id(text) {
        Ok(text.to_owned())
    } else {
        Err(ApiError::invalid_field(field, "an id"))
    }
}

fn code(text: &str) -> Result<String, ApiError> {
    let ok = (1..=40).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(text.to_owned())
    } else {
        Err(ApiError::invalid_field("rule_code", "a rule's code"))
    }
}

fn status_schema() -> Object {
    let values: Vec<serde_json::Value> = EntryStatus::ALL.iter().map(|s| s.as_str().into()).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

fn decision_schema() -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(vec!["approve", "reject"])).build()
}

fn ruling_schema() -> Object {
    let values: Vec<serde_json::Value> = Ruling::ALL.iter().map(|s| s.as_str().into()).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

fn days_schema() -> Object {
    ObjectBuilder::new()
        .schema_type([Type::Integer, Type::Null].into_iter().collect::<SchemaType>())
        .minimum(Some(1))
        .maximum(Some(MAX_POSTING_DAYS))
        .build()
}

/// An entry staff record for a person.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PointsEntryBody {
    /// The person: a resident of the village (or, for a cadre rule, staff of it).
    pub user_id: String,
    /// A manual rule in force in the person's village.
    #[schema(example = "garbage_sorting")]
    pub rule_code: String,
    /// YYYY-MM-DD (Beijing), not in the future, within a year.
    #[schema(example = "2026-12-01", format = Date)]
    pub occurred_on: String,
    /// At most 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

impl PointsEntryBody {
    pub fn parse(self) -> Result<NewEntry, ApiError> {
        Ok(NewEntry {
            user_id: id(&self.user_id, "user_id")?,
            rule_code: code(&self.rule_code)?,
            occurred_on: day(&self.occurred_on, "occurred_on")?,
            note: note(&self.note, "note", false)?,
        })
    }
}

/// What a resident claims, with evidence.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PointsClaimBody {
    /// A claimable rule in force in the resident's village.
    #[schema(example = "garbage_sorting")]
    pub rule_code: String,
    /// YYYY-MM-DD (Beijing), not in the future, within a year.
    #[schema(example = "2026-12-01", format = Date)]
    pub occurred_on: String,
    /// What happened: 1 to 500 characters.
    #[schema(schema_with = note_schema)]
    pub note: String,
    /// Up to 9 ids from `POST /media`: the caller's own, attached to nothing yet.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub media: Vec<String>,
}

fn note_schema() -> Object {
    crate::contract::required_text(MAX_NOTE).build()
}

impl PointsClaimBody {
    pub fn parse(self) -> Result<NewClaim, ApiError> {
        if self.media.len() > MAX_PHOTOS {
            return Err(ApiError::invalid_field("media", "at most 9 files"));
        }
        Ok(NewClaim {
            rule_code: code(&self.rule_code)?,
            occurred_on: day(&self.occurred_on, "occurred_on")?,
            note: note(&self.note, "note", true)?,
            media: self.media,
        })
    }
}

/// A review: approve, or reject with a reason.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PointsReviewBody {
    #[schema(schema_with = decision_schema)]
    pub decision: String,
    /// Required to reject: 1 to 500 characters.
    #[serde(default)]
    #[schema(max_length = 500, nullable)]
    pub reason: Option<String>,
}

impl PointsReviewBody {
    pub fn parse(self) -> Result<Decision, ApiError> {
        match self.decision.as_str() {
            "approve" => Ok(Decision::Approve),
            "reject" => Ok(Decision::Reject { reason: note(self.reason.as_deref().unwrap_or(""), "reason", true)? }),
            _ => Err(ApiError::invalid_field("decision", "approve or reject")),
        }
    }
}

/// Which entries a staff list shows.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointsEntryQuery {
    /// An org unit: the entries of its villages.
    pub unit: String,
    #[param(schema_with = status_schema)]
    pub status: Option<String>,
    /// 1 to 100; 20 when absent.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PointsEntryQuery {
    pub fn parse(&self) -> Result<(String, Option<EntryStatus>), ApiError> {
        let status = self
            .status
            .as_deref()
            .map(EntryStatus::parse)
            .transpose()
            .map_err(|_| ApiError::invalid_field("status", "an entry status"))?;
        Ok((id(&self.unit, "unit")?, status))
    }
}

/// Paging of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointsPageQuery {
    /// 1 to 100; 20 when absent.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An entry as the person and the staff over them see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsEntryView {
    pub id: String,
    /// The village whose rules and ledger it belongs to.
    pub org_unit_id: String,
    pub user_id: String,
    pub person_name: String,
    pub rule_code: String,
    pub rule_name: String,
    /// resident or cadre.
    pub subject: String,
    pub points: i32,
    pub note: String,
    #[schema(format = Date)]
    pub occurred_on: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// manual, claim or the event that recorded it.
    pub source: String,
    pub recorded_by: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub reject_reason: Option<String>,
    pub posting_id: Option<String>,
    pub effective_at: Option<String>,
    pub created_at: String,
    /// Evidence photos (media ids) of a claim.
    pub media: Vec<String>,
}

impl From<EntryView> for PointsEntryView {
    fn from(view: EntryView) -> Self {
        let row = view.row;
        Self {
            id: row.id,
            org_unit_id: row.org_unit_id,
            user_id: row.user_id,
            person_name: view.person_name,
            rule_code: row.rule_code,
            rule_name: view.rule_name,
            subject: row.subject,
            points: row.points,
            note: row.note,
            occurred_on: row.occurred_on.to_string(),
            status: row.status,
            source: row.source,
            recorded_by: row.recorded_by,
            reviewed_by: row.reviewed_by,
            reviewed_at: row.reviewed_at.map(rfc3339),
            reject_reason: row.reject_reason,
            posting_id: row.posting_id,
            effective_at: row.effective_at.map(rfc3339),
            created_at: rfc3339(row.created_at),
            media: view.media,
        }
    }
}

/// A page of entries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsEntryPage {
    pub items: Vec<PointsEntryView>,
    pub next_cursor: Option<String>,
}

/// A posting of the village's approved entries.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PointsPostingBody {
    /// 1 to 100 characters.
    #[schema(schema_with = title_schema)]
    pub title: String,
    /// The posting period in days, 1 to 30 (7 when absent).
    #[serde(default, deserialize_with = "super::rules_dto::integral_or_null")]
    #[schema(schema_with = days_schema)]
    pub days: Option<i64>,
}

fn title_schema() -> Object {
    crate::contract::required_text(100).build()
}

impl PointsPostingBody {
    pub fn parse(self) -> Result<(String, u32), ApiError> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 100 {
            return Err(ApiError::invalid_field("title", "1 to 100 characters"));
        }
        let days = self.days.unwrap_or(i64::from(DEFAULT_POSTING_DAYS));
        let days = u32::try_from(days)
            .ok()
            .filter(|d| (1..=MAX_POSTING_DAYS).contains(d))
            .ok_or_else(|| ApiError::invalid_field("days", "1 to 30"))?;
        Ok((title.to_owned(), days))
    }
}

/// A posting without its entries (in lists).
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsPostingSummary {
    pub id: String,
    pub org_unit_id: String,
    pub title: String,
    /// open (its days run, or objections wait) or closed (settled).
    pub status: String,
    pub opened_at: String,
    pub ends_at: String,
    pub closed_at: Option<String>,
}

impl From<&PostingRow> for PointsPostingSummary {
    fn from(row: &PostingRow) -> Self {
        Self {
            id: row.id.clone(),
            org_unit_id: row.org_unit_id.clone(),
            title: row.title.clone(),
            status: row.status.clone(),
            opened_at: rfc3339(row.opened_at),
            ends_at: rfc3339(row.ends_at),
            closed_at: row.closed_at.map(rfc3339),
        }
    }
}

/// An objection; who raised it and why only to staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsObjectionView {
    pub id: String,
    pub posting_id: String,
    pub entry_id: Option<String>,
    /// pending, upheld or dismissed.
    pub status: String,
    pub answer: Option<String>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objector_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl PointsObjectionView {
    pub fn new(row: ObjectionRow, staff: bool) -> Self {
        Self {
            id: row.id,
            posting_id: row.posting_id,
            entry_id: row.entry_id,
            status: row.status,
            answer: row.answer,
            created_at: rfc3339(row.created_at),
            objector_id: staff.then_some(row.objector_id),
            reason: staff.then_some(row.reason),
        }
    }
}

/// An entry on a posting: whose (name only), which rule, how many points, the day, and the
/// objections to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsPostedEntryView {
    pub entry_id: String,
    pub person_name: String,
    pub rule_name: String,
    pub points: i32,
    #[schema(format = Date)]
    pub occurred_on: String,
    /// posted, struck or effective.
    pub status: String,
    pub objection_count: usize,
    pub objections: Vec<PointsObjectionView>,
}

impl PointsPostedEntryView {
    fn new(posted: PostedEntry, staff: bool) -> Self {
        let entry = posted.entry;
        Self {
            entry_id: entry.row.id,
            person_name: entry.person_name,
            rule_name: entry.rule_name,
            points: entry.row.points,
            occurred_on: entry.row.occurred_on.to_string(),
            status: entry.row.status,
            objection_count: posted.objections.len(),
            objections: posted.objections.into_iter().map(|o| PointsObjectionView::new(o, staff)).collect(),
        }
    }
}

/// A posting with its entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsPostingView {
    #[serde(flatten)]
    pub posting: PointsPostingSummary,
    pub entries: Vec<PointsPostedEntryView>,
}

impl From<Seen> for PointsPostingView {
    fn from(seen: Seen) -> Self {
        let staff = seen.staff;
        Self {
            posting: PointsPostingSummary::from(&seen.posting.row),
            entries: seen.posting.entries.into_iter().map(|e| PointsPostedEntryView::new(e, staff)).collect(),
        }
    }
}

/// A page of postings, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsPostingPage {
    pub items: Vec<PointsPostingSummary>,
    pub next_cursor: Option<String>,
}

/// An objection to an entry of a running posting.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PointsObjectionBody {
    pub entry_id: String,
    /// 1 to 500 characters.
    #[schema(schema_with = note_schema)]
    pub reason: String,
}

impl PointsObjectionBody {
    pub fn parse(self) -> Result<(String, String), ApiError> {
        Ok((id(&self.entry_id, "entry_id")?, note(&self.reason, "reason", true)?))
    }
}

/// Staff's answer to an objection.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PointsAnswerBody {
    #[schema(schema_with = ruling_schema)]
    pub ruling: String,
    /// 1 to 500 characters.
    #[schema(schema_with = note_schema)]
    pub answer: String,
}

impl PointsAnswerBody {
    pub fn parse(self) -> Result<(Ruling, String), ApiError> {
        let ruling = Ruling::parse(&self.ruling).map_err(|_| ApiError::invalid_field("ruling", "uphold or dismiss"))?;
        Ok((ruling, note(&self.answer, "answer", true)?))
    }
}
