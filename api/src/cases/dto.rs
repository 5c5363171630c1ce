//! The cases feature's request and response bodies with their OpenAPI schemas, and the
//! conversions from what clients send into domain values and from infra's read models into
//! what they get.

use actix_web::HttpRequest;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use domain::cases::{CaseStatus, Level, Outcome, SatisfiedFrom, Urgency};
use domain::geo_cn::{ChinaPoint, Datum};
use infra::cases::queries::{self, ListQuery};
use infra::cases::queries::CategoryRow;
use infra::cases::service::{CategoryDraft, DayDraft, Report};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::contract;
use crate::http::error::ApiError;
use crate::http::support::rfc3339;
use crate::media::dto::MediaView;

/// A required note or reason of at most 500 characters, as [`text`] reads it.
fn note_500() -> utoipa::openapi::Object {
    contract::required_text(500).build()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReporterView {
    pub id: String,
    pub display_name: String,
    pub phone_masked: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActorView {
    pub id: String,
    pub display_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub seq: i32,
    /// reported, accepted, started, escalated, auto_escalated, overdue, resolved, confirmed,
    /// reopened, closed_unrated, merged, merged_in, visit.
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub from_level: Option<String>,
    pub to_level: Option<String>,
    /// Who did it; absent for the system (deadlines) and for an anonymous reporter.
    pub actor: Option<ActorView>,
    /// The step was the reporter's own.
    pub by_reporter: bool,
    /// The grid worker who acted for the reporter (shown to staff).
    pub proxy: Option<ActorView>,
    pub note: Option<String>,
    pub attachments: Vec<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: String,
    pub category: String,
    pub description: String,
    /// GCJ-02. Exact for staff in scope, the reporter and residents of the case's village;
    /// coarsened to about 100 m for everyone else.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// The house-number address: only for those who see the exact point.
    pub address: Option<String>,
    pub urgency: String,
    pub anonymous: bool,
    pub public: bool,
    pub status: String,
    /// grid, village, township or department: who holds the case now.
    pub level: String,
    pub outcome: Option<String>,
    pub overdue: bool,
    pub escalations: i32,
    pub grid_id: Option<String>,
    pub org_unit_id: String,
    pub department_id: Option<String>,
    pub merged_into: Option<String>,
    /// When the reporter captured it (an offline report keeps its real time).
    pub captured_at: String,
    pub reported_at: String,
    pub first_accepted_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub accept_due: Option<String>,
    pub resolve_due: Option<String>,
    pub confirm_due: Option<String>,
    pub rating: Option<i32>,
    /// The caller reported it.
    pub mine: bool,
    pub following: bool,
    /// Shown to the reporter and to staff whose scope holds the case (not volunteers, the civic
    /// roles or other residents); never for an anonymous report.
    pub reporter: Option<ReporterView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followers: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Vec<MediaView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<EventView>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CategoryView {
    /// 2 to 32 of a-z, 0-9 and `_`.
    #[schema(schema_with = contract::category_code)]
    pub code: String,
    #[schema(schema_with = contract::name)]
    pub name: String,
    /// Which of the grid workers' five duties it falls under: information, public_opinion,
    /// hazard, dispute, policy.
    #[schema(schema_with = contract::duty)]
    pub duty: String,
    pub description: String,
    /// The county department a case of this category climbs to.
    pub department_id: Option<String>,
    pub public_by_default: bool,
    pub active: bool,
    #[serde(deserialize_with = "contract::integral")]
    pub sort_order: i32,
}

impl From<CategoryRow> for CategoryView {
    fn from(r: CategoryRow) -> Self {
        Self {
            code: r.code,
            name: r.name,
            duty: r.duty,
            description: r.description,
            department_id: r.department_id,
            public_by_default: r.public_by_default,
            active: r.active,
            sort_order: r.sort_order,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<CategoryView>,
}

/// A category's code in the path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CategoryPath {
    #[param(schema_with = contract::category_code)]
    pub code: String,
}

/// A calendar year in the path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct YearPath {
    #[param(schema_with = contract::calendar_year)]
    pub year: i32,
}

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

#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseView>,
    pub next_cursor: Option<String>,
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

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateCandidate {
    pub case: CaseView,
    pub distance_m: f64,
    /// 0–1.
    pub similarity: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateList {
    pub items: Vec<DuplicateCandidate>,
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

#[derive(Debug, Serialize, ToSchema)]
pub struct RevealedReporter {
    pub user_id: String,
    pub display_name: String,
    pub phone: Option<String>,
}

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

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarDay {
    #[schema(example = "2026-10-01", format = Date)]
    pub day: String,
    /// holiday or makeup_workday (调休).
    #[schema(schema_with = contract::day_kind)]
    pub kind: String,
    #[schema(schema_with = calendar_day_name)]
    pub name: String,
}

fn calendar_day_name() -> utoipa::openapi::Object {
    contract::required_text(40).examples(["National Day"]).build()
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarYear {
    /// The year in the path.
    #[schema(schema_with = contract::calendar_year)]
    pub year: i32,
    pub days: Vec<CalendarDay>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarYears {
    pub years: Vec<i32>,
}
// ---------------------------------------------------------------------------------------------
// From clients: into domain values

/// A client's `lat`/`lng` in the datum `coord` names: a point in China, in GCJ-02.
pub fn parse_point(lat: f64, lng: f64, coord: Option<&str>) -> Result<ChinaPoint, ApiError> {
    Ok(ChinaPoint::parse(lat, lng, Datum::parse(coord)?)?)
}

fn text(value: Option<String>, field: &'static str, max: usize, required: bool) -> Result<Option<String>, ApiError> {
    Ok(domain::cases::text(value, field, max, required)?)
}

fn parse_time(value: Option<&str>, field: &str) -> Result<Option<NaiveDateTime>, ApiError> {
    value
        .map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc).naive_utc())
                .map_err(|_| ApiError::invalid_field(field, "an RFC 3339 time"))
        })
        .transpose()
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
                let at = DateTime::parse_from_rfc3339(&t)
                    .map_err(|_| ApiError::invalid_field("captured_at", "an RFC 3339 time"))?
                    .with_timezone(&Utc)
                    .naive_utc();
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

impl From<CategoryView> for CategoryDraft {
    fn from(v: CategoryView) -> Self {
        Self {
            code: v.code,
            name: v.name,
            duty: v.duty,
            description: v.description,
            department_id: v.department_id,
            public_by_default: v.public_by_default,
            active: v.active,
            sort_order: v.sort_order,
        }
    }
}

impl CalendarYear {
    pub fn drafts(&self) -> Vec<DayDraft> {
        self.days.iter().map(|d| DayDraft { day: d.day.clone(), kind: d.kind.clone(), name: d.name.clone() }).collect()
    }
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

// ---------------------------------------------------------------------------------------------
// To clients: from infra's read models

fn opt_time(t: Option<NaiveDateTime>) -> Option<String> {
    t.map(rfc3339)
}

impl From<queries::Actor> for ActorView {
    fn from(a: queries::Actor) -> Self {
        Self { id: a.id, display_name: a.display_name }
    }
}

impl From<queries::Event> for EventView {
    fn from(e: queries::Event) -> Self {
        Self {
            seq: e.seq,
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            from_level: e.from_level,
            to_level: e.to_level,
            actor: e.actor.map(ActorView::from),
            by_reporter: e.by_reporter,
            proxy: e.proxy.map(ActorView::from),
            note: e.note,
            attachments: e.attachments,
            details: e.details,
            at: rfc3339(e.at),
        }
    }
}

impl From<queries::CaseView> for CaseView {
    fn from(c: queries::CaseView) -> Self {
        Self {
            id: c.id,
            category: c.category,
            description: c.description,
            lat: c.lat,
            lng: c.lng,
            address: c.address,
            urgency: c.urgency,
            anonymous: c.anonymous,
            public: c.public,
            status: c.status,
            level: c.level,
            outcome: c.outcome,
            overdue: c.overdue,
            escalations: c.escalations,
            grid_id: c.grid_id,
            org_unit_id: c.org_unit_id,
            department_id: c.department_id,
            merged_into: c.merged_into,
            captured_at: rfc3339(c.captured_at),
            reported_at: rfc3339(c.reported_at),
            first_accepted_at: opt_time(c.first_accepted_at),
            resolved_at: opt_time(c.resolved_at),
            closed_at: opt_time(c.closed_at),
            accept_due: opt_time(c.accept_due),
            resolve_due: opt_time(c.resolve_due),
            confirm_due: opt_time(c.confirm_due),
            rating: c.rating,
            mine: c.mine,
            following: c.following,
            reporter: c.reporter.map(|r| ReporterView {
                id: r.id,
                display_name: r.display_name,
                phone_masked: r.phone_masked,
            }),
            followers: c.followers,
            media: c.media.map(|m| m.iter().map(MediaView::from).collect()),
            timeline: c.timeline.map(|t| t.into_iter().map(EventView::from).collect()),
        }
    }
}

impl From<queries::Duplicate> for DuplicateCandidate {
    fn from(d: queries::Duplicate) -> Self {
        Self { case: d.case.into(), distance_m: d.distance_m, similarity: d.similarity }
    }
}

impl From<infra::cases::service::Revealed> for RevealedReporter {
    fn from(r: infra::cases::service::Revealed) -> Self {
        Self { user_id: r.user_id, display_name: r.display_name, phone: r.phone }
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

impl CalendarYear {
    pub fn new(year: i32, days: Vec<domain::calendar::SpecialDay>) -> Self {
        let days = days
            .into_iter()
            .map(|d| CalendarDay {
                day: d.day.format("%Y-%m-%d").to_string(),
                kind: d.kind.as_str().into(),
                name: d.name,
            })
            .collect();
        Self { year, days }
    }
}
