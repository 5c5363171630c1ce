//! Grid cases (网格事件): report, "reflect at most once", the ladder, closing the loop, the
//! problem ledger and its figures. Who sees a case: its reporter and followers, anyone when it
//! is public, staff whose scope holds it (its grid, village, township, or the department it was
//! escalated to). An anonymous reporter is never shown, not even to staff.

use std::collections::HashMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use domain::cases::{
    self as rules, Action, CaseStatus, CategoryCode, Duty, Level, Outcome, Rating, Urgency, VisitMethod,
};
use domain::geo_cn::{ChinaPoint, Datum};
use domain::identity::principal::{AccountKind, Principal};
use domain::identity::roles::{Permission, Place, ScopeKind};
use infra::cases::flow::{self, Step};
use infra::cases::{self as store, CaseFilter, CaseRow, EventRow};
use infra::identity::{audit, org, users};
use infra::DbConn;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::contract;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::{check_id, rfc3339, RequestMeta};
use crate::routes::media::MediaView;
use crate::state::AppState;

/// The most photos and voice notes on one report or step.
const MAX_ATTACHMENTS: usize = 9;

// ---------------------------------------------------------------------------------------------
// Who may see and act

/// How the caller relates to a case they may see.
#[derive(Debug, Clone)]
pub struct Seen {
    pub place: Place,
    /// A grant of the caller that reads cases covers it (volunteers and supervisors included).
    pub in_scope: bool,
    /// A staff grant of the caller covers it: they see who reported it.
    pub staff: bool,
    pub reporter: bool,
    pub follower: bool,
    /// The exact point and address, else coarsened (see `rules::sees_exact_location`).
    pub exact_location: bool,
}

impl Seen {
    fn new(principal: &Principal, case: &CaseRow, place: Place, follower: bool, homes: &[Vec<String>]) -> Self {
        let in_scope = principal.may(&place, Permission::ReadCases);
        let reporter = is_reporter(principal, case);
        Self {
            in_scope,
            staff: principal.may(&place, Permission::SeeReporter),
            reporter,
            follower,
            exact_location: rules::sees_exact_location(in_scope, reporter, &place.org_path, homes),
            place,
        }
    }

    fn visible(&self, principal: &Principal, case: &CaseRow) -> bool {
        self.in_scope || self.reporter || self.follower || sees_public(principal, case)
    }

    /// Whether the caller is shown who reported: the reporter and staff in scope, never for an
    /// anonymous report.
    fn shows_reporter(&self, case: &CaseRow) -> bool {
        !case.anonymous && (self.staff || self.reporter)
    }
}

pub fn place_of(conn: &mut DbConn, case: &CaseRow) -> Result<Place, ApiError> {
    let org_path = org::unit_path(conn, &case.org_unit_id)?.unwrap_or_default();
    Ok(Place { org_path, grid_id: case.grid_id.clone(), department_id: case.department_id.clone() })
}

fn is_reporter(principal: &Principal, case: &CaseRow) -> bool {
    case.reporter_id == principal.subject()
}

/// Public cases are public to residents; staff see by scope only (a neighbouring grid's worker
/// gets 404, public or not).
fn sees_public(principal: &Principal, case: &CaseRow) -> bool {
    case.is_public && (principal.kind == AccountKind::Resident || principal.acting_for.is_some())
}

/// Where the caller (or the resident they act for) lives: the org paths of their residencies.
fn homes_of(conn: &mut DbConn, principal: &Principal) -> Result<Vec<Vec<String>>, ApiError> {
    Ok(infra::identity::residency::member_places(conn, principal.subject())?.into_iter().map(|p| p.org_path).collect())
}

/// The caller's relation to a case, or 404 when they may not see it at all.
pub fn visible(conn: &mut DbConn, principal: &Principal, case: &CaseRow) -> Result<Seen, ApiError> {
    let place = place_of(conn, case)?;
    let follower = !is_reporter(principal, case) && store::is_follower(conn, &case.id, principal.subject())?;
    let homes = if principal.may(&place, Permission::ReadCases) || is_reporter(principal, case) {
        Vec::new()
    } else {
        homes_of(conn, principal)?
    };
    let seen = Seen::new(principal, case, place, follower, &homes);
    if seen.visible(principal, case) {
        Ok(seen)
    } else {
        Err(ApiError::new(ErrorCode::NotFound))
    }
}

/// The caller handles the case at `level` (or above it): else 403, the case being visible.
fn require_handler(principal: &Principal, seen: &Seen, level: Level) -> Result<(), ApiError> {
    principal.require(&seen.place, level.handling()).map_err(|_| ApiError::new(ErrorCode::Forbidden))
}

fn now_utc(state: &AppState) -> NaiveDateTime {
    state.clock.now().naive_utc()
}

/// A client's `lat`/`lng` in the datum `coord` names: a point in China, in GCJ-02.
fn parse_point(lat: f64, lng: f64, coord: Option<&str>) -> Result<ChinaPoint, ApiError> {
    Ok(ChinaPoint::parse(lat, lng, Datum::parse(coord)?)?)
}

/// A required note or reason of at most 500 characters, as [`text`] reads it.
fn note_500() -> utoipa::openapi::Object {
    contract::required_text(500).build()
}

fn text(value: Option<String>, field: &str, max: usize, required: bool) -> Result<Option<String>, ApiError> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    match value {
        None if required => Err(ApiError::invalid_field(field, "required")),
        Some(v) if v.chars().count() > max => Err(ApiError::invalid_field(field, &format!("at most {max} characters"))),
        other => Ok(other),
    }
}

/// Checks attachments: ids of media the caller uploaded that belong to nothing yet.
fn check_attachments(conn: &mut DbConn, principal: &Principal, ids: &[String]) -> Result<(), ApiError> {
    if ids.len() > MAX_ATTACHMENTS {
        return Err(ApiError::invalid_field("media", "at most 9 files"));
    }
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if unique.len() != ids.len() || ids.iter().any(|id| !domain::ids::is_valid_id(id)) {
        return Err(ApiError::invalid_field("media", "distinct media ids"));
    }
    let rows = store::media_of(conn, ids)?;
    let usable = rows
        .iter()
        .filter(|m| m.case_id.is_none() && (m.owner_id == principal.user_id || m.owner_id == principal.subject()))
        .count();
    if usable != ids.len() {
        return Err(ApiError::invalid_field("media", "each id must be an unattached upload of yours"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Views

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

fn opt_time(t: Option<NaiveDateTime>) -> Option<String> {
    t.map(rfc3339)
}

fn base_view(case: &CaseRow, seen: &Seen, reporter: Option<ReporterView>) -> CaseView {
    let coarse = case.lat.zip(case.lng).map(|(lat, lng)| domain::geo_cn::coarsen(lat, lng));
    CaseView {
        id: case.id.clone(),
        category: case.category.clone(),
        description: case.description.clone(),
        lat: if seen.exact_location { case.lat } else { coarse.map(|(lat, _)| lat) },
        lng: if seen.exact_location { case.lng } else { coarse.map(|(_, lng)| lng) },
        address: if seen.exact_location { case.address.clone() } else { None },
        urgency: case.urgency.clone(),
        anonymous: case.anonymous,
        public: case.is_public,
        status: case.status.clone(),
        level: case.level.clone(),
        outcome: case.outcome.clone(),
        overdue: case.overdue,
        escalations: case.escalations,
        grid_id: case.grid_id.clone(),
        org_unit_id: case.org_unit_id.clone(),
        department_id: case.department_id.clone(),
        merged_into: case.merged_into.clone(),
        captured_at: rfc3339(case.captured_at),
        reported_at: rfc3339(case.reported_at),
        first_accepted_at: opt_time(case.first_accepted_at),
        resolved_at: opt_time(case.resolved_at),
        closed_at: opt_time(case.closed_at),
        accept_due: opt_time(case.accept_due),
        resolve_due: opt_time(case.resolve_due),
        confirm_due: opt_time(case.confirm_due),
        rating: case.rating,
        mine: seen.reporter,
        following: seen.follower,
        reporter,
        followers: None,
        media: None,
        timeline: None,
    }
}

fn names(conn: &mut DbConn, ids: &[String]) -> Result<HashMap<String, String>, ApiError> {
    use infra::schema::users::dsl as u;
    let rows: Vec<(String, String)> =
        u::users.filter(u::id.eq_any(ids.to_vec())).select((u::id, u::display_name)).load(conn)?;
    Ok(rows.into_iter().collect())
}

fn reporter_view(conn: &mut DbConn, case: &CaseRow, seen: &Seen) -> Result<Option<ReporterView>, ApiError> {
    if !seen.shows_reporter(case) {
        return Ok(None);
    }
    Ok(users::find(conn, &case.reporter_id)?.map(|u| ReporterView {
        id: u.id,
        display_name: u.display_name,
        phone_masked: u.phone.as_deref().map(domain::identity::accounts::mask_phone),
    }))
}

/// A case as the caller may see it, with its timeline and media.
pub fn detail(conn: &mut DbConn, case: &CaseRow, seen: &Seen) -> Result<CaseView, ApiError> {
    let events = store::timeline(conn, &case.id)?;
    let mut people: Vec<String> =
        events.iter().flat_map(|e| e.actor_id.iter().chain(e.proxy_id.iter())).cloned().collect();
    people.sort();
    people.dedup();
    let names = names(conn, &people)?;
    let actor = |id: &Option<String>| {
        id.as_ref().map(|id| ActorView { id: id.clone(), display_name: names.get(id).cloned().unwrap_or_default() })
    };
    let timeline = events
        .iter()
        .map(|e: &EventRow| {
            let reporters_own = e.by_reporter || e.actor_id.as_deref() == Some(case.reporter_id.as_str());
            let hide_actor = reporters_own && !seen.shows_reporter(case);
            EventView {
                seq: e.seq,
                action: e.action.clone(),
                from_status: e.from_status.clone(),
                to_status: e.to_status.clone(),
                from_level: e.from_level.clone(),
                to_level: e.to_level.clone(),
                actor: if hide_actor { None } else { actor(&e.actor_id) },
                by_reporter: e.by_reporter,
                proxy: if seen.staff && !case.anonymous { actor(&e.proxy_id) } else { None },
                note: e.note.clone(),
                attachments: serde_json::from_str(&e.attachments).unwrap_or_default(),
                details: serde_json::from_str(&e.details).unwrap_or_default(),
                at: rfc3339(e.created_at),
            }
        })
        .collect();
    let media = store::case_media(conn, &case.id)?.iter().map(MediaView::from).collect();
    let mut view = base_view(case, seen, reporter_view(conn, case, seen)?);
    view.followers = Some(store::follower_count(conn, &case.id)?);
    view.media = Some(media);
    view.timeline = Some(timeline);
    Ok(view)
}

/// Views of listed cases: the caller's relation to each is worked out with the unit paths read
/// once per unit.
fn list_views(conn: &mut DbConn, principal: &Principal, rows: Vec<CaseRow>) -> Result<Vec<CaseView>, ApiError> {
    let mut paths: HashMap<String, Vec<String>> = HashMap::new();
    let followed: Vec<String> = {
        use infra::schema::case_followers::dsl as cf;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        cf::case_followers
            .filter(cf::user_id.eq(principal.subject()))
            .filter(cf::case_id.eq_any(ids))
            .select(cf::case_id)
            .load(conn)?
    };
    let mut homes: Option<Vec<Vec<String>>> = None;
    let mut shown = Vec::with_capacity(rows.len());
    for case in rows {
        if !paths.contains_key(&case.org_unit_id) {
            let path = org::unit_path(conn, &case.org_unit_id)?.unwrap_or_default();
            paths.insert(case.org_unit_id.clone(), path);
        }
        let place = Place {
            org_path: paths.get(&case.org_unit_id).cloned().unwrap_or_default(),
            grid_id: case.grid_id.clone(),
            department_id: case.department_id.clone(),
        };
        if homes.is_none() && !principal.may(&place, Permission::ReadCases) && !is_reporter(principal, &case) {
            homes = Some(homes_of(conn, principal)?);
        }
        let seen = Seen::new(principal, &case, place, followed.contains(&case.id), homes.as_deref().unwrap_or(&[]));
        if seen.visible(principal, &case) {
            shown.push((case, seen));
        }
    }
    // The reporters the caller may see, read in one query.
    let mut wanted: Vec<String> = shown
        .iter()
        .filter(|(case, seen)| seen.shows_reporter(case))
        .map(|(case, _)| case.reporter_id.clone())
        .collect();
    wanted.sort();
    wanted.dedup();
    let reporters: HashMap<String, (String, Option<String>)> = {
        use infra::schema::users::dsl as u;
        let rows: Vec<(String, String, Option<String>)> =
            u::users.filter(u::id.eq_any(wanted)).select((u::id, u::display_name, u::phone)).load(conn)?;
        rows.into_iter().map(|(id, name, phone)| (id, (name, phone))).collect()
    };
    Ok(shown
        .iter()
        .map(|(case, seen)| {
            let reporter =
                seen.shows_reporter(case).then(|| reporters.get(&case.reporter_id)).flatten().map(|(name, phone)| {
                    ReporterView {
                        id: case.reporter_id.clone(),
                        display_name: name.clone(),
                        phone_masked: phone.as_deref().map(domain::identity::accounts::mask_phone),
                    }
                });
            base_view(case, seen, reporter)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Categories

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

impl From<store::CategoryRow> for CategoryView {
    fn from(r: store::CategoryRow) -> Self {
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

fn category_row(conn: &mut DbConn, v: CategoryView) -> Result<store::CategoryRow, ApiError> {
    let code = CategoryCode::parse(&v.code)?.into_inner();
    let name = domain::identity::org::parse_name(&v.name, "name")?;
    let duty = Duty::parse(&v.duty)?.as_str().to_owned();
    if let Some(department) = &v.department_id {
        check_id(department).map_err(|_| ApiError::invalid_field("department_id", "a department id"))?;
        if org::find_department(conn, department)?.is_none() {
            return Err(ApiError::invalid_field("department_id", "no such department"));
        }
    }
    Ok(store::CategoryRow {
        code,
        name,
        duty,
        description: text(Some(v.description), "description", 200, false)?.unwrap_or_default(),
        department_id: v.department_id,
        public_by_default: v.public_by_default,
        active: v.active,
        sort_order: v.sort_order,
    })
}

/// The case categories (the grid workers' five duties and the common problem types).
#[utoipa::path(tag = "cases", responses((status = 200, body = CategoryList)))]
#[get("/case-categories")]
pub async fn list_categories(state: web::Data<AppState>, _auth: Auth) -> Result<HttpResponse, ApiError> {
    let rows = state.db.run(|conn| store::categories(conn).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(CategoryList { items: rows.into_iter().map(CategoryView::from).collect() }))
}

/// Adds a category (admins).
#[utoipa::path(tag = "cases", request_body = CategoryView, responses((status = 201, body = CategoryView), (status = 409, body = ErrorBody)))]
#[post("/case-categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<CategoryView>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    if !principal.is_admin() {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    let now = now_utc(&state);
    let view = body.into_inner();
    let row = state
        .db
        .run(move |conn| {
            let row = category_row(conn, view)?;
            if store::insert_category(conn, &row)? == infra::db::Inserted::Duplicate {
                return Err(ApiError::new(ErrorCode::Conflict));
            }
            audit::append(
                conn,
                &meta.audit(
                    Some(&principal),
                    "case_category_created",
                    "case_category",
                    &row.code,
                    serde_json::json!({}),
                ),
                now,
            )?;
            Ok::<_, ApiError>(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(CategoryView::from(row)))
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

/// Changes a category, e.g. the department its cases climb to (admins).
#[utoipa::path(tag = "cases", request_body = CategoryView, params(CategoryPath), responses((status = 200, body = CategoryView)))]
#[put("/case-categories/{code}")]
pub async fn update_category(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    code: web::Path<String>,
    body: Json<CategoryView>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    if !principal.is_admin() {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    let now = now_utc(&state);
    let code = code.into_inner();
    let mut view = body.into_inner();
    // The body's code must be a code too; the path names the category changed.
    CategoryCode::parse(&view.code)?;
    view.code = code;
    let row = state
        .db
        .run(move |conn| {
            let row = category_row(conn, view)?;
            if store::update_category(conn, &row)? == 0 {
                return Err(ApiError::new(ErrorCode::NotFound));
            }
            audit::append(
                conn,
                &meta.audit(
                    Some(&principal),
                    "case_category_updated",
                    "case_category",
                    &row.code,
                    serde_json::json!({ "department_id": row.department_id }),
                ),
                now,
            )?;
            Ok::<_, ApiError>(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CategoryView::from(row)))
}

// ---------------------------------------------------------------------------------------------
// Reporting

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

fn validate_new(
    new: NewCase,
    now: NaiveDateTime,
    max_age: chrono::Duration,
) -> Result<(String, ValidNewParts), ApiError> {
    let description = text(Some(new.description), "description", 1000, true)?.unwrap_or_default();
    if description.chars().count() < 5 {
        return Err(ApiError::invalid_field("description", "at least 5 characters"));
    }
    let point = match (new.lat, new.lng) {
        (Some(lat), Some(lng)) => Some(parse_point(lat, lng, new.coord.as_deref())?),
        (None, None) => None,
        _ => return Err(ApiError::invalid_field("lat", "lat and lng come together")),
    };
    let urgency = Urgency::parse(new.urgency.as_deref().unwrap_or("normal"))?;
    let client_id = match new.client_id.map(|c| c.trim().to_owned()) {
        None => None,
        Some(c)
            if (1..=64).contains(&c.len())
                && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Some(c)
        }
        Some(_) => return Err(ApiError::invalid_field("client_id", "1-64 of letters, digits, - and _")),
    };
    let captured_at = match new.captured_at {
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
    Ok((
        new.category,
        ValidNewParts {
            description,
            point,
            address: text(new.address, "address", 200, false)?,
            urgency,
            anonymous: new.anonymous,
            public: new.public,
            media: new.media,
            client_id,
            captured_at,
        },
    ))
}

struct ValidNewParts {
    description: String,
    point: Option<ChinaPoint>,
    address: Option<String>,
    urgency: Urgency,
    anonymous: bool,
    public: Option<bool>,
    media: Vec<String>,
    client_id: Option<String>,
    captured_at: Option<NaiveDateTime>,
}

/// The grid a report without a usable point goes to: the reporter's (by residence), or for
/// staff their own grid.
fn home_grid(conn: &mut DbConn, principal: &Principal) -> Result<Option<org::GridRow>, ApiError> {
    let places = infra::identity::residency::member_places(conn, principal.subject())?;
    for place in places {
        // The deepest unit on the residence's path that has a grid.
        for unit in place.org_path.iter().rev() {
            if let Some(grid) = org::grids_of_units(conn, std::slice::from_ref(unit))?.into_iter().next() {
                return Ok(Some(grid));
            }
        }
    }
    if principal.acting_for.is_none() {
        return Ok(org::first_granted_grid(conn, &principal.grants)?);
    }
    Ok(None)
}

/// Reports a case. It is routed to the grid holding its point (else the reporter's grid), whose
/// workers are told. A resident needs a bound phone (the real-name rule); a grid worker may
/// report for a resident with `X-Acting-For`. A `client_id` makes offline syncs safe: the same
/// id again returns the first case with its original capture time.
#[utoipa::path(
    tag = "cases",
    request_body = NewCase,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _ (a UUID fits)")),
    responses((status = 201, body = CaseView), (status = 200, description = "Already reported with this client_id", body = CaseView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/cases")]
pub async fn report_case(
    state: web::Data<AppState>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let new: NewCase = crate::http::json::parse_bytes(&req, &body)?;
    let now = now_utc(&state);
    let max_age = chrono::Duration::from_std(state.config.cases.max_capture_age).unwrap_or(chrono::Duration::days(30));
    let (category_code, parts) = validate_new(new, now, max_age)?;
    let key = idempotency::key_from(&req, &principal.user_id, &body)?;
    let reporter = principal.subject().to_owned();

    // A synced retry of an offline report: answer with the case it made.
    if let Some(client_id) = parts.client_id.clone() {
        let p = principal.clone();
        let existing = state
            .db
            .run(move |conn| {
                let Some(case) = store::find_by_client_id(conn, &reporter, &client_id)? else { return Ok(None) };
                let seen = visible(conn, &p, &case)?;
                Ok::<_, ApiError>(Some(detail(conn, &case, &seen)?))
            })
            .await?;
        if let Some(view) = existing {
            return Ok(HttpResponse::Ok().json(view));
        }
    }

    let require_phone = state.config.cases.require_phone;
    let policy = state.config.cases.policy.clone();
    let parts = std::sync::Arc::new(parts);
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        let parts = parts.as_ref();
        let category = store::category(conn, &category_code)?
            .filter(|c| c.active)
            .ok_or_else(|| ApiError::invalid_field("category", "an active category code"))?;
        let reporter_id = principal.subject().to_owned();
        let reporter = users::find(conn, &reporter_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
        let self_reporting_resident = principal.acting_for.is_none() && reporter.kind == "resident";
        if require_phone && self_reporting_resident && reporter.phone.is_none() {
            return Err(ApiError::new(ErrorCode::PhoneRequired));
        }
        check_attachments(conn, &principal, &parts.media)?;
        let grid = match parts.point {
            Some(point) => org::locate(conn, point.lat(), point.lng())?,
            None => None,
        };
        let grid = match grid {
            Some(g) => g,
            None => home_grid(conn, &principal)?.ok_or_else(|| ApiError::new(ErrorCode::NoGrid))?,
        };
        let calendar = store::calendar::load_from(conn, now.date())?;
        let ctx = flow::Ctx { policy: &policy, calendar: &calendar, now };
        let report = flow::NewReport {
            category: category.code.clone(),
            description: parts.description.clone(),
            point: parts.point.map(ChinaPoint::pair),
            address: parts.address.clone(),
            urgency: parts.urgency,
            anonymous: parts.anonymous,
            public: parts.public.unwrap_or(category.public_by_default),
            reporter_id: reporter_id.clone(),
            proxy_id: principal.proxy().map(str::to_owned),
            client_id: parts.client_id.clone(),
            grid_id: grid.id.clone(),
            org_unit_id: grid.org_unit_id.clone(),
            captured_at: parts.captured_at.unwrap_or(now),
            media: parts.media.clone(),
            details: serde_json::json!({}),
        };
        let (case, _) = flow::file(conn, report, &ctx).map_err(ApiError::from)?;
        let seen = visible(conn, &principal, &case)?;
        detail(conn, &case, &seen)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Reading

/// One case with its whole timeline.
#[utoipa::path(tag = "cases", params(("id" = String, Path)), responses((status = 200, body = CaseView)))]
#[get("/cases/{id}")]
pub async fn get_case(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let view = state
        .db
        .run(move |conn| {
            let case = store::find(conn, &id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            let seen = visible(conn, &principal, &case)?;
            detail(conn, &case, &seen)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
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

fn parse_time(value: Option<&str>, field: &str) -> Result<Option<NaiveDateTime>, ApiError> {
    value
        .map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc).naive_utc())
                .map_err(|_| ApiError::invalid_field(field, "an RFC 3339 time"))
        })
        .transpose()
}

/// Turns the query into a filter the caller is entitled to.
fn scoped_filter(conn: &mut DbConn, principal: &Principal, q: &CaseQuery) -> Result<CaseFilter, ApiError> {
    let mut filter = CaseFilter {
        status: q.status.clone().map(|s| CaseStatus::parse(&s).map(|s| s.as_str().to_owned())).transpose()?,
        category: q.category.clone(),
        level: q.level.clone().map(|l| Level::parse(&l).map(|l| l.as_str().to_owned())).transpose()?,
        overdue: q.overdue,
        open: q.open,
        reported_from: parse_time(q.from.as_deref(), "from")?,
        reported_to: parse_time(q.to.as_deref(), "to")?,
        ..CaseFilter::default()
    };
    let staff = principal.holds(Permission::ReadCases) && principal.acting_for.is_none();
    if q.mine == Some(true) || (!staff && q.public != Some(true)) {
        filter.reporter_or_follower = Some(principal.subject().to_owned());
        return Ok(filter);
    }
    if let Some(unit_id) = &q.org_unit_id {
        check_id(unit_id)?;
        let unit = org::find_unit(conn, unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
        if q.public == Some(true) {
            filter.public_only = true;
        } else {
            principal.require(&unit.place(), Permission::ReadCaseFigures)?;
        }
        filter.units = Some(infra::identity::residency::units_under(conn, &[unit.path])?);
        return Ok(filter);
    }
    if q.public == Some(true) {
        return Err(ApiError::invalid_field("org_unit_id", "required with public=true"));
    }
    if let Some(grid_id) = &q.grid_id {
        check_id(grid_id)?;
        let grid = org::find_grid(conn, grid_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
        let path = org::unit_path(conn, &grid.org_unit_id)?.unwrap_or_default();
        principal.require(
            &Place { org_path: path, grid_id: Some(grid.id.clone()), department_id: None },
            Permission::ReadCases,
        )?;
        let mut grids = org::grids_within(conn, &grid.id)?;
        grids.push(grid.id);
        filter.grid_ids = Some(grids);
        return Ok(filter);
    }
    if let Some(department_id) = &q.department_id {
        check_id(department_id)?;
        let department =
            org::find_department(conn, department_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
        let path = org::unit_path(conn, &department.org_unit_id)?.unwrap_or_default();
        principal.require(
            &Place { org_path: path, grid_id: None, department_id: Some(department.id.clone()) },
            Permission::HandleDepartmentCase,
        )?;
        filter.department_ids = Some(vec![department.id]);
        return Ok(filter);
    }
    // No scope named: the caller's org units if they read cases on any, else their grids (with
    // the grids inside them), else their departments.
    if principal.is_admin() {
        return Ok(filter);
    }
    let reading: Vec<&domain::identity::roles::Grant> =
        principal.grants.iter().filter(|g| Permission::ReadCases.allows(g.role)).collect();
    let of_kind = |kind: ScopeKind| reading.iter().filter(move |g| g.scope_kind == kind);
    let unit_paths: Vec<String> = of_kind(ScopeKind::OrgUnit).map(|g| format!("/{}/", g.org_path.join("/"))).collect();
    let grids: Vec<String> = of_kind(ScopeKind::Grid)
        .flat_map(|g| std::iter::once(g.scope_id.clone()).chain(g.grids_within.iter().cloned()))
        .collect();
    let departments: Vec<String> = of_kind(ScopeKind::Department).map(|g| g.scope_id.clone()).collect();
    if !unit_paths.is_empty() {
        filter.units = Some(infra::identity::residency::units_under(conn, &unit_paths)?);
    } else if !grids.is_empty() {
        filter.grid_ids = Some(grids);
    } else if !departments.is_empty() {
        filter.department_ids = Some(departments);
    } else {
        filter.reporter_or_follower = Some(principal.subject().to_owned());
    }
    Ok(filter)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseView>,
    pub next_cursor: Option<String>,
}

/// The problem ledger (问题台账) as a list: a resident's own and followed cases; a unit's public
/// cases; staff: their grid, subtree or department, filtered. Newest first.
#[utoipa::path(tag = "cases", params(CaseQuery), responses((status = 200, body = CasePage)))]
#[get("/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<CaseQuery>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let q = query.into_inner();
    let limit = domain::paging::PageLimit::parse(q.limit)?;
    let before: Option<String> = q.cursor.as_ref().map(|c| state.cursors.decode("cases", c)).transpose()?;
    let views = state
        .db
        .run(move |conn| {
            let filter = scoped_filter(conn, &principal, &q)?;
            let rows = store::page(conn, &filter, before.as_deref(), limit.probe())?;
            // The probe row decides the cursor; views are made for what is shown.
            let more = rows.len() > limit.get() as usize;
            let last_shown = rows.iter().take(limit.get() as usize).next_back().map(|r| r.id.clone());
            let shown: Vec<CaseRow> = rows.into_iter().take(limit.get() as usize).collect();
            Ok::<_, ApiError>((list_views(conn, &principal, shown)?, more, last_shown))
        })
        .await?;
    let (items, more, last) = views;
    let next_cursor = match (more, last) {
        (true, Some(last)) => Some(state.cursors.encode("cases", &last)?),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(CasePage { items, next_cursor }))
}

/// The ledger as CSV (UTF-8 with BOM, for spreadsheets; cells that could start a formula are
/// escaped). Same filters as the list; at most 10,000 rows.
#[utoipa::path(tag = "cases", params(CaseQuery), responses((status = 200, description = "CSV", content_type = "text/csv")))]
#[get("/cases/export")]
pub async fn export_cases(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<CaseQuery>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let q = query.into_inner();
    domain::paging::PageLimit::parse(q.limit)?;
    let csv = state
        .db
        .run(move |conn| {
            let filter = scoped_filter(conn, &principal, &q)?;
            let categories: HashMap<String, String> =
                store::categories(conn)?.into_iter().map(|c| (c.code, c.name)).collect();
            let mut out = csv::Writer::from_writer(Vec::new());
            out.write_record([
                "编号",
                "类别",
                "问题描述",
                "地址",
                "紧急程度",
                "状态",
                "层级",
                "办理结果",
                "是否超期",
                "上报次数",
                "反映时间",
                "受理时间",
                "办结时间",
                "关闭时间",
                "满意度",
            ])
            .map_err(ApiError::internal)?;
            let mut before: Option<String> = None;
            let mut written = 0;
            loop {
                let rows = store::page(conn, &filter, before.as_deref(), 500)?;
                let last = rows.last().map(|r| r.id.clone());
                let views = list_views(conn, &principal, rows)?;
                for v in &views {
                    let cells = [
                        v.id.clone(),
                        categories.get(&v.category).cloned().unwrap_or_else(|| v.category.clone()),
                        v.description.clone(),
                        v.address.clone().unwrap_or_default(),
                        v.urgency.clone(),
                        v.status.clone(),
                        v.level.clone(),
                        v.outcome.clone().unwrap_or_default(),
                        if v.overdue { "是" } else { "否" }.to_owned(),
                        v.escalations.to_string(),
                        v.reported_at.clone(),
                        v.first_accepted_at.clone().unwrap_or_default(),
                        v.resolved_at.clone().unwrap_or_default(),
                        v.closed_at.clone().unwrap_or_default(),
                        v.rating.map(|r| r.to_string()).unwrap_or_default(),
                    ];
                    out.write_record(cells.iter().map(|c| rules::spreadsheet_safe(c))).map_err(ApiError::internal)?;
                }
                written += views.len();
                match last {
                    Some(last) if written < 10_000 => before = Some(last),
                    _ => break,
                }
            }
            let mut bytes = "\u{feff}".as_bytes().to_vec();
            bytes.extend(out.into_inner().map_err(ApiError::internal)?);
            Ok::<_, ApiError>(bytes)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")))
        .insert_header((header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"cases.csv\"")))
        .body(csv))
}

// ---------------------------------------------------------------------------------------------
// Reflect at most once

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

/// Before reporting: open cases of the same category nearby whose text is similar, most similar
/// first, so the resident can follow one instead ("reflect at most once").
#[utoipa::path(tag = "cases", request_body = DuplicateQuery, responses((status = 200, body = DuplicateList)))]
#[post("/cases/duplicates")]
pub async fn find_duplicates(
    state: web::Data<AppState>,
    auth: Auth,
    body: Json<DuplicateQuery>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let q = body.into_inner();
    let (lat, lng) = parse_point(q.lat, q.lng, q.coord.as_deref())?.pair();
    let wanted = text(Some(q.text), "text", 1000, true)?.unwrap_or_default();
    let (radius, threshold) = (state.config.cases.duplicate_radius_m, state.config.cases.duplicate_similarity);
    let items = state
        .db
        .run(move |conn| {
            let around = store::Around::new(lat, lng, radius);
            let mut scored: Vec<(CaseRow, f64, f64)> = store::open_around(conn, Some(&q.category), &around, 500)?
                .into_iter()
                .filter_map(|c| {
                    let distance = domain::geo_cn::distance_m((lat, lng), (c.lat?, c.lng?));
                    let similarity = rules::similarity(&wanted, &c.description);
                    (distance <= radius && similarity >= threshold).then_some((c, distance, similarity))
                })
                .collect();
            scored.sort_by(|a, b| b.2.total_cmp(&a.2));
            scored.truncate(20);
            let rows: Vec<CaseRow> = scored.iter().map(|(c, _, _)| c.clone()).collect();
            let views = list_views(conn, &principal, rows)?;
            Ok::<_, ApiError>(
                views
                    .into_iter()
                    .filter_map(|v| {
                        let (_, _, s) = scored.iter().find(|(c, _, _)| c.id == v.id)?;
                        // Measured to the point the caller is shown, coarsened or not.
                        let d = domain::geo_cn::distance_m((lat, lng), (v.lat?, v.lng?));
                        Some(DuplicateCandidate {
                            distance_m: (d * 10.0).round() / 10.0,
                            similarity: (s * 1000.0).round() / 1000.0,
                            case: v,
                        })
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(DuplicateList { items }))
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

/// Open cases around a point that the caller may see (the map), newest first, at most 100.
#[utoipa::path(tag = "cases", params(NearbyQuery), responses((status = 200, body = CasePage)))]
#[get("/cases/nearby")]
pub async fn nearby_cases(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<NearbyQuery>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let q = query.into_inner();
    let (lat, lng) = parse_point(q.lat, q.lng, q.coord.as_deref())?.pair();
    let radius = q.radius_m.unwrap_or(500.0);
    if !(1.0..=2000.0).contains(&radius) {
        return Err(ApiError::invalid_field("radius_m", "1 to 2000"));
    }
    let items = state
        .db
        .run(move |conn| {
            let around = store::Around::new(lat, lng, radius);
            let rows: Vec<CaseRow> = store::open_around(conn, q.category.as_deref(), &around, 500)?
                .into_iter()
                .filter(|c| matches!((c.lat, c.lng), (Some(a), Some(b)) if domain::geo_cn::distance_m((lat, lng), (a, b)) <= radius))
                .collect();
            // The radius is tested again on the point each caller is shown, so a coarsened case
            // cannot be pinned down by narrowing the circle.
            let mut views: Vec<CaseView> = list_views(conn, &principal, rows)?
                .into_iter()
                .filter(|v| matches!((v.lat, v.lng), (Some(a), Some(b)) if domain::geo_cn::distance_m((lat, lng), (a, b)) <= radius))
                .collect();
            views.truncate(100);
            Ok::<_, ApiError>(views)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CasePage { items, next_cursor: None }))
}

// ---------------------------------------------------------------------------------------------
// Steps

/// Runs one step in a write transaction: finds the case, checks the caller with `allow`, takes
/// the step through the shared flow, and answers with the case.
async fn take_step<F>(
    state: &AppState,
    principal: Principal,
    id: String,
    meta: RequestMeta,
    allow: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConn, &Principal, &CaseRow, &Seen) -> Result<Step, ApiError> + Send + 'static,
{
    check_id(&id)?;
    let now = now_utc(state);
    let policy = state.config.cases.policy.clone();
    let view = state
        .db
        .run(move |conn| {
            infra::db::write_tx(conn, |conn| {
                let case = store::find(conn, &id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                let seen = visible(conn, &principal, &case)?;
                let mut step = allow(conn, &principal, &case, &seen)?;
                step.actor_id = Some(principal.subject().to_owned());
                step.proxy_id = principal.proxy().map(str::to_owned);
                check_attachments(conn, &principal, &step.attachments)?;
                let calendar = store::calendar::load_from(conn, now.date())?;
                let ctx = flow::Ctx { policy: &policy, calendar: &calendar, now };
                let after = flow::apply(conn, &case, &step, &ctx).map_err(ApiError::from)?;
                if principal.acting_for.is_some() {
                    audit::append(
                        conn,
                        &meta.audit(
                            Some(&principal),
                            &format!("case_{}", step.action.as_str()),
                            "case",
                            &case.id,
                            serde_json::json!({}),
                        ),
                        now,
                    )?;
                }
                let seen = visible(conn, &principal, &after)?;
                detail(conn, &after, &seen)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A body that may be left out entirely; when sent, it must be a valid JSON object.
/// An optional step body: empty, or JSON `null` (as the document's `StepBody | null` allows),
/// means none.
fn optional_body<T: Default + serde::de::DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) || body.trim_ascii() == b"null" {
        return Ok(T::default());
    }
    crate::http::json::parse_bytes(req, body)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StepBody {
    pub note: Option<String>,
    /// Ids from `POST /media`: photos of the work, a voice note.
    #[serde(default)]
    pub media: Vec<String>,
}

fn handler_step(
    action: Action,
    body: StepBody,
    note_required: bool,
) -> impl FnOnce(&mut DbConn, &Principal, &CaseRow, &Seen) -> Result<Step, ApiError> {
    move |_conn, principal, case, seen| {
        let level = Level::parse(&case.level)?;
        require_handler(principal, seen, level)?;
        let mut step = Step::by(action, &principal.user_id);
        step.note = text(body.note, "note", 500, note_required)?;
        step.attachments = body.media;
        Ok(step)
    }
}

/// The holding level reports for duty (报到): the case is accepted there.
#[utoipa::path(tag = "cases", request_body = Option<StepBody>, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/accept")]
pub async fn accept_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: StepBody = optional_body(&req, &body)?;
    take_step(&state, auth.0, id.into_inner(), meta, handler_step(Action::Accept, body, false)).await
}

/// Work starts on an accepted case.
#[utoipa::path(tag = "cases", request_body = Option<StepBody>, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/start")]
pub async fn start_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: StepBody = optional_body(&req, &body)?;
    take_step(&state, auth.0, id.into_inner(), meta, handler_step(Action::Start, body, false)).await
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

/// Blows the whistle (吹哨): the case climbs one rung — grid → village → township → county
/// department — whose handlers must accept it within their deadline.
#[utoipa::path(tag = "cases", request_body = EscalateBody, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/cases/{id}/escalate")]
pub async fn escalate_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
    body: Json<EscalateBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    take_step(&state, auth.0, id.into_inner(), meta, move |conn, principal, case, seen| {
        let level = Level::parse(&case.level)?;
        require_handler(principal, seen, level)?;
        let mut step = Step::by(Action::Escalate, &principal.user_id);
        step.note = text(Some(body.reason), "reason", 500, true)?;
        step.attachments = body.media;
        if let Some(department) = body.department_id {
            check_id(&department).map_err(|_| ApiError::invalid_field("department_id", "a department id"))?;
            org::find_department(conn, &department)?
                .ok_or_else(|| ApiError::invalid_field("department_id", "no such department"))?;
            step.department_id = Some(department);
        }
        Ok(step)
    })
    .await
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

/// Staff answer the case with an outcome; the reporter then confirms or reopens.
#[utoipa::path(tag = "cases", request_body = ResolveBody, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/resolve")]
pub async fn resolve_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
    body: Json<ResolveBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let outcome = Outcome::parse(&body.outcome)?;
    take_step(&state, auth.0, id.into_inner(), meta, move |_conn, principal, case, seen| {
        require_handler(principal, seen, Level::parse(&case.level)?)?;
        let mut step = Step::by(Action::Resolve, &principal.user_id);
        step.outcome = Some(outcome);
        step.note = text(Some(body.note), "note", 500, true)?;
        step.attachments = body.media;
        Ok(step)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmBody {
    #[schema(schema_with = contract::rating)]
    #[serde(deserialize_with = "contract::integral")]
    pub rating: i64,
    pub comment: Option<String>,
}

/// The reporter confirms the answer and rates it; the case closes.
#[utoipa::path(tag = "cases", request_body = ConfirmBody, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/confirm")]
pub async fn confirm_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
    body: Json<ConfirmBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let rating = Rating::parse(body.rating)?;
    take_step(&state, auth.0, id.into_inner(), meta, move |_conn, principal, _case, seen| {
        if !seen.reporter {
            return Err(ApiError::new(ErrorCode::Forbidden));
        }
        let mut step = Step::by(Action::Confirm, principal.subject());
        step.by_reporter = true;
        step.rating = Some((i32::from(rating.value()), text(body.comment, "comment", 500, false)?));
        Ok(step)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReopenBody {
    /// Why the answer does not solve it.
    #[schema(schema_with = note_500)]
    pub reason: String,
    #[serde(default)]
    pub media: Vec<String>,
}

/// The reporter disagrees with the answer: the case goes back to work at its level.
#[utoipa::path(tag = "cases", request_body = ReopenBody, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/reopen")]
pub async fn reopen_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
    body: Json<ReopenBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    take_step(&state, auth.0, id.into_inner(), meta, move |_conn, principal, _case, seen| {
        if !seen.reporter {
            return Err(ApiError::new(ErrorCode::Forbidden));
        }
        let mut step = Step::by(Action::Reopen, principal.subject());
        step.by_reporter = true;
        step.note = text(Some(body.reason), "reason", 500, true)?;
        step.attachments = body.media;
        Ok(step)
    })
    .await
}

/// "Me too": follow an open case instead of reporting it again; followers are told of every
/// change.
#[utoipa::path(tag = "cases", params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/follow")]
pub async fn follow_case(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let now = now_utc(&state);
    let view = state
        .db
        .run(move |conn| {
            infra::db::write_tx(conn, |conn| {
                let case = store::find(conn, &id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                visible(conn, &principal, &case)?;
                if case.closed_at.is_some() {
                    return Err(ApiError::new(ErrorCode::InvalidTransition)
                        .with_details(serde_json::json!({ "action": "follow", "status": case.status })));
                }
                if !is_reporter(&principal, &case) {
                    store::follow(conn, &case.id, principal.subject(), now)?;
                }
                let seen = visible(conn, &principal, &case)?;
                detail(conn, &case, &seen)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeBody {
    /// The case this one duplicates; this one closes into it.
    pub into: String,
    pub note: Option<String>,
}

/// Staff fold a duplicate into the case it repeats: it closes as merged, and its reporter and
/// followers follow the other case from now on.
#[utoipa::path(tag = "cases", request_body = MergeBody, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/merge")]
pub async fn merge_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
    body: Json<MergeBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let into = body.into.clone();
    check_id(&into)?;
    let now = now_utc(&state);
    take_step(&state, auth.0, id.into_inner(), meta, move |conn, principal, case, seen| {
        require_handler(principal, seen, Level::parse(&case.level)?)?;
        if into == case.id {
            return Err(ApiError::invalid_field("into", "another case"));
        }
        let target = store::find(conn, &into)?.ok_or_else(|| ApiError::invalid_field("into", "no such case"))?;
        let target_place = place_of(conn, &target)?;
        if !principal.may(&target_place, Permission::HandleGridCase) || target.closed_at.is_some() {
            return Err(ApiError::invalid_field("into", "an open case in your scope"));
        }
        let mut people = store::followers(conn, &case.id)?;
        people.push(case.reporter_id.clone());
        for person in people.iter().filter(|p| **p != target.reporter_id) {
            store::follow(conn, &target.id, person, now)?;
        }
        let mut event = EventRow::on(&target, "merged_in", Some(&principal.user_id), now);
        event.details = serde_json::json!({ "from": case.id }).to_string();
        store::append_event(conn, &mut event)?;
        let mut step = Step::by(Action::Merge, &principal.user_id);
        step.merged_into = Some(target.id);
        step.note = text(body.note, "note", 500, false)?;
        Ok(step)
    })
    .await
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

/// Records a follow-up visit (回访) on an answered case.
#[utoipa::path(tag = "cases", request_body = VisitBody, params(("id" = String, Path)), responses((status = 201, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/visits")]
pub async fn record_visit(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    body: Json<VisitBody>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let body = body.into_inner();
    VisitMethod::parse(&body.method)?;
    let note = text(Some(body.note), "note", 500, true)?;
    let now = now_utc(&state);
    let view = state
        .db
        .run(move |conn| {
            infra::db::write_tx(conn, |conn| {
                let case = store::find(conn, &id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                let seen = visible(conn, &principal, &case)?;
                require_handler(&principal, &seen, Level::Grid)?;
                let status = CaseStatus::parse(&case.status)?;
                if !matches!(status, CaseStatus::Resolved | CaseStatus::Closed | CaseStatus::ClosedUnrated) {
                    return Err(ApiError::new(ErrorCode::InvalidTransition)
                        .with_details(serde_json::json!({ "action": "visit", "status": status.as_str() })));
                }
                let mut event = EventRow::on(&case, "visit", Some(&principal.user_id), now);
                event.note = note.clone();
                event.details = serde_json::json!({ "method": body.method, "satisfied": body.satisfied }).to_string();
                store::append_event(conn, &mut event)?;
                detail(conn, &case, &seen)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
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

/// Staff in scope who must call the reporter reveal the phone; recorded in the audit log. An
/// anonymous reporter is revealed only to admins, with a reason.
#[utoipa::path(tag = "cases", request_body = RevealBody, params(("id" = String, Path)), responses((status = 200, body = RevealedReporter), (status = 403, body = ErrorBody)))]
#[post("/cases/{id}/reveal-reporter-phone")]
pub async fn reveal_reporter_phone(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
    body: Json<RevealBody>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let reason = text(Some(body.into_inner().reason), "reason", 200, true)?.unwrap_or_default();
    let now = now_utc(&state);
    let revealed = state
        .db
        .run(move |conn| {
            let case = store::find(conn, &id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            let seen = visible(conn, &principal, &case)?;
            if !seen.staff {
                return Err(ApiError::new(ErrorCode::Forbidden));
            }
            // Those who handle the case: at its grid, or at the level that holds it now.
            let level = Level::parse(&case.level)?;
            require_handler(&principal, &seen, Level::Grid).or_else(|_| require_handler(&principal, &seen, level))?;
            if case.anonymous && !principal.is_admin() {
                return Err(ApiError::new(ErrorCode::Forbidden));
            }
            let user = users::find(conn, &case.reporter_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            audit::append(
                conn,
                &meta.audit(
                    Some(&principal),
                    "case_reporter_revealed",
                    "case",
                    &case.id,
                    serde_json::json!({ "reason": reason, "anonymous": case.anonymous }),
                ),
                now,
            )?;
            Ok::<_, ApiError>(RevealedReporter { user_id: user.id, display_name: user.display_name, phone: user.phone })
        })
        .await?;
    Ok(HttpResponse::Ok().json(revealed))
}

// ---------------------------------------------------------------------------------------------
// Figures

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
    fn new(f: rules::Figures, satisfied_from: rules::SatisfiedFrom) -> Self {
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

/// A unit's monthly figures: of the cases reported in the month (received, overdue, time to
/// accept, escalations) and of the cases closed in it (closed, resolved, satisfied, rated and
/// each outcome, with the rates over all closed cases); and the same per child unit.
#[utoipa::path(tag = "cases", params(FiguresQuery), responses((status = 200, body = FiguresReport)))]
#[get("/case-figures")]
pub async fn case_figures(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<FiguresQuery>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let q = query.into_inner();
    check_id(&q.org_unit_id)?;
    let first = chrono::NaiveDate::parse_from_str(&format!("{}-01", q.month), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid_field("month", "YYYY-MM"))?;
    let next =
        first.checked_add_months(chrono::Months::new(1)).ok_or_else(|| ApiError::invalid_field("month", "YYYY-MM"))?;
    let local = |d: chrono::NaiveDate| {
        domain::calendar::beijing()
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .single()
            .map(|t| t.with_timezone(&Utc).naive_utc())
            .unwrap_or_default()
    };
    let (from, to) = (local(first), local(next));
    let period = rules::Period { from: from.and_utc(), to: to.and_utc() };
    let satisfied_from = state.config.cases.satisfied_from;
    let report = state
        .db
        .run(move |conn| {
            let unit = org::find_unit(conn, &q.org_unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            principal.require(&unit.place(), Permission::ReadCaseFigures)?;
            let units = infra::identity::residency::units_under(conn, std::slice::from_ref(&unit.path))?;
            let rows = store::facts(conn, &units, from, to)?;
            let fact = |r: &store::FactRow| rules::CaseFacts {
                status: CaseStatus::parse(&r.status).unwrap_or(CaseStatus::Reported),
                reported_at: r.reported_at.and_utc(),
                first_accepted_at: r.first_accepted_at.map(|t| t.and_utc()),
                resolved_at: r.resolved_at.map(|t| t.and_utc()),
                closed_at: r.closed_at.map(|t| t.and_utc()),
                outcome: r.outcome.as_deref().and_then(|o| Outcome::parse(o).ok()),
                overdue: r.overdue,
                escalations: r.escalations,
                rating: r.rating,
            };
            let totals = rules::figures(&rows.iter().map(fact).collect::<Vec<_>>(), &period, satisfied_from);
            let mut per_unit = Vec::new();
            for child in org::children(conn, Some(&unit.id))? {
                let under = infra::identity::residency::units_under(conn, std::slice::from_ref(&child.path))?;
                let facts: Vec<_> = rows.iter().filter(|r| under.contains(&r.org_unit_id)).map(fact).collect();
                per_unit.push(UnitFigures {
                    org_unit_id: child.id,
                    name: child.name,
                    figures: FiguresView::new(rules::figures(&facts, &period, satisfied_from), satisfied_from),
                });
            }
            Ok::<_, ApiError>(FiguresReport {
                org_unit_id: unit.id,
                month: q.month,
                totals: FiguresView::new(totals, satisfied_from),
                units: per_unit,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

// ---------------------------------------------------------------------------------------------
// The working-day calendar

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

/// The years the working-day calendar knows.
#[utoipa::path(tag = "cases", responses((status = 200, body = CalendarYears)))]
#[get("/working-calendar")]
pub async fn calendar_years(state: web::Data<AppState>, _auth: Auth) -> Result<HttpResponse, ApiError> {
    let years = state.db.run(|conn| store::calendar::years(conn).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(CalendarYears { years }))
}

/// One year's statutory holidays and make-up workdays.
#[utoipa::path(tag = "cases", params(YearPath), responses((status = 200, body = CalendarYear)))]
#[get("/working-calendar/{year}")]
pub async fn calendar_year(
    state: web::Data<AppState>,
    _auth: Auth,
    year: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let year = year.into_inner();
    let days = state.db.run(move |conn| store::calendar::year(conn, year).map_err(ApiError::from)).await?;
    if days.is_empty() {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    let days = days
        .into_iter()
        .map(|d| CalendarDay { day: d.day.format("%Y-%m-%d").to_string(), kind: d.kind.as_str().into(), name: d.name })
        .collect();
    Ok(HttpResponse::Ok().json(CalendarYear { year, days }))
}

/// Uploads a year's calendar as the State Council published it (admins); replaces that year.
#[utoipa::path(tag = "cases", request_body = CalendarYear, params(YearPath), responses((status = 200, body = CalendarYear), (status = 422, body = ErrorBody)))]
#[put("/working-calendar/{year}")]
pub async fn upload_calendar_year(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    year: web::Path<i32>,
    body: Json<CalendarYear>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    if !principal.is_admin() {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    let year = year.into_inner();
    let upload = body.into_inner();
    if upload.year != year || !domain::calendar::YEARS.contains(&year) {
        return Err(ApiError::invalid_field("year", "the year in the path, 2000-2100"));
    }
    let mut days = Vec::with_capacity(upload.days.len());
    for d in &upload.days {
        let day = chrono::NaiveDate::parse_from_str(&d.day, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid_field("days", "dates as YYYY-MM-DD"))?;
        if chrono::Datelike::year(&day) != year {
            return Err(ApiError::invalid_field("days", "every day within the year"));
        }
        let kind = domain::calendar::DayKind::parse(&d.kind)?;
        let name = text(Some(d.name.clone()), "name", 40, true)?.unwrap_or_default();
        days.push(domain::calendar::SpecialDay { day, kind, name });
    }
    days.sort_by_key(|d| d.day);
    if days.windows(2).any(|w| w[0].day == w[1].day) {
        return Err(ApiError::invalid_field("days", "each day once"));
    }
    let now = now_utc(&state);
    let count = days.len();
    state
        .db
        .run(move |conn| {
            store::calendar::replace_year(conn, year, &days)?;
            audit::append(
                conn,
                &meta.audit(
                    Some(&principal),
                    "working_calendar_uploaded",
                    "working_calendar",
                    &year.to_string(),
                    serde_json::json!({ "days": count }),
                ),
                now,
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::Ok().json(upload))
}
