//! The cases feature's handlers: each extracts, parses into domain values, calls one infra
//! service or query, and maps the answer.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use domain::cases::{CaseId, Rating, VisitMethod};
use infra::cases::service::{self, Prepared, StepRequest, Visit};
use infra::cases::{calendar, queries};

use super::dto::*;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

fn now_utc(state: &AppState) -> NaiveDateTime {
    state.clock.now().naive_utc()
}

// ---------------------------------------------------------------------------------------------
// Categories

/// The case categories (the grid workers' five duties and the common problem types).
#[utoipa::path(tag = "cases", responses((status = 200, body = CategoryList)))]
#[get("/case-categories")]
pub async fn list_categories(state: web::Data<AppState>, _auth: Auth) -> Result<HttpResponse, ApiError> {
    let rows = state.db.run(|conn| queries::categories(conn).map_err(ApiError::from)).await?;
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
    let (actor, now, draft) = (meta.caller(auth.0), now_utc(&state), body.into_inner().into());
    let row = state.db.run(move |conn| service::create_category(conn, &actor, draft, now)).await?;
    state.cases_reference.forget();
    Ok(HttpResponse::Created().json(CategoryView::from(row)))
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
    let (actor, now, code, draft) = (meta.caller(auth.0), now_utc(&state), code.into_inner(), body.into_inner().into());
    let row = state.db.run(move |conn| service::update_category(conn, &actor, &code, draft, now)).await?;
    state.cases_reference.forget();
    Ok(HttpResponse::Ok().json(CategoryView::from(row)))
}

// ---------------------------------------------------------------------------------------------
// Reporting

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
    let report = new.into_report(now, max_age)?;
    let key = idempotency::key_from(&req, &principal.user_id, &body)?;
    let (rules, p, r, retryable) = (super::rules(&state), principal.clone(), report.clone(), key.is_some());
    let ready = match state.db.run(move |conn| service::prepare_report(conn, &p, &r, &rules, retryable, now)).await? {
        Prepared::Synced(view) => return Ok(HttpResponse::Ok().json(CaseView::from(*view))),
        Prepared::Ready(ready) => Some(ready),
        Prepared::Recheck => None,
    };
    let rules = super::rules(&state);
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(CaseView::from(service::report(conn, &principal, &report, &rules, ready.as_deref(), now)?))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Reading

/// One case with its whole timeline.
#[utoipa::path(tag = "cases", params(("id" = String, Path)), responses((status = 200, body = CaseView)))]
#[get("/cases/{id}")]
pub async fn get_case(state: web::Data<AppState>, auth: Auth, id: web::Path<CaseId>) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let view = state.db.run(move |conn| queries::case_view(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(CaseView::from(view)))
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
    let filters = q.to_list_query()?;
    let page = state.db.run(move |conn| queries::list(conn, &principal, &filters, before.as_deref(), limit)).await?;
    let next_cursor = page.more_after.map(|last| state.cursors.encode("cases", &last)).transpose()?;
    Ok(HttpResponse::Ok().json(CasePage { items: page.items.into_iter().map(CaseView::from).collect(), next_cursor }))
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
    let filters = q.to_list_query()?;
    let lines = state.db.run(move |conn| queries::ledger(conn, &principal, &filters)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")))
        .insert_header((header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"cases.csv\"")))
        .body(super::csv::ledger(lines)?))
}

// ---------------------------------------------------------------------------------------------
// Reflect at most once

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
    let point = parse_point(q.lat, q.lng, q.coord.as_deref())?.pair();
    let wanted = domain::cases::text(Some(q.text), "text", 1000, true)?.unwrap_or_default();
    let (radius, threshold) = (state.config.cases.duplicate_radius_m, state.config.cases.duplicate_similarity);
    let found = state
        .db
        .run(move |conn| queries::duplicates(conn, &principal, &q.category, point, &wanted, radius, threshold))
        .await?;
    Ok(HttpResponse::Ok().json(DuplicateList { items: found.into_iter().map(DuplicateCandidate::from).collect() }))
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
    let point = parse_point(q.lat, q.lng, q.coord.as_deref())?.pair();
    let radius = q.radius()?;
    let views =
        state.db.run(move |conn| queries::nearby(conn, &principal, point, q.category.as_deref(), radius)).await?;
    Ok(HttpResponse::Ok().json(CasePage { items: views.into_iter().map(CaseView::from).collect(), next_cursor: None }))
}

// ---------------------------------------------------------------------------------------------
// Steps

/// Takes one step through the service and answers with the case.
async fn take_step(
    state: &AppState,
    auth: Auth,
    meta: RequestMeta,
    id: CaseId,
    request: StepRequest,
) -> Result<HttpResponse, ApiError> {
    let (actor, now, rules) = (meta.caller(auth.0), now_utc(state), super::rules(state));
    let view = state.db.run(move |conn| service::step(conn, &actor, &id, request, &rules, now)).await?;
    Ok(HttpResponse::Ok().json(CaseView::from(view)))
}

/// The holding level reports for duty (报到): the case is accepted there.
#[utoipa::path(tag = "cases", request_body = Option<StepBody>, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/accept")]
pub async fn accept_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<CaseId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: StepBody = optional_body(&req, &body)?;
    let request = StepRequest::Accept { note: body.note, media: body.media };
    take_step(&state, auth, meta, id.into_inner(), request).await
}

/// Work starts on an accepted case.
#[utoipa::path(tag = "cases", request_body = Option<StepBody>, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/start")]
pub async fn start_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<CaseId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: StepBody = optional_body(&req, &body)?;
    let request = StepRequest::Start { note: body.note, media: body.media };
    take_step(&state, auth, meta, id.into_inner(), request).await
}

/// Blows the whistle (吹哨): the case climbs one rung — grid → village → township → county
/// department — whose handlers must accept it within their deadline.
#[utoipa::path(tag = "cases", request_body = EscalateBody, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/cases/{id}/escalate")]
pub async fn escalate_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<CaseId>,
    body: Json<EscalateBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let request = StepRequest::Escalate { reason: body.reason, department_id: body.department_id, media: body.media };
    take_step(&state, auth, meta, id.into_inner(), request).await
}

/// Staff answer the case with an outcome; the reporter then confirms or reopens.
#[utoipa::path(tag = "cases", request_body = ResolveBody, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/resolve")]
pub async fn resolve_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<CaseId>,
    body: Json<ResolveBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let request = StepRequest::Resolve { outcome: body.outcome()?, note: body.note, media: body.media };
    take_step(&state, auth, meta, id.into_inner(), request).await
}

/// The reporter confirms the answer and rates it; the case closes.
#[utoipa::path(tag = "cases", request_body = ConfirmBody, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/confirm")]
pub async fn confirm_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<CaseId>,
    body: Json<ConfirmBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let request = StepRequest::Confirm { rating: Rating::parse(body.rating)?, comment: body.comment };
    take_step(&state, auth, meta, id.into_inner(), request).await
}

/// The reporter disagrees with the answer: the case goes back to work at its level.
#[utoipa::path(tag = "cases", request_body = ReopenBody, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/reopen")]
pub async fn reopen_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<CaseId>,
    body: Json<ReopenBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let request = StepRequest::Reopen { reason: body.reason, media: body.media };
    take_step(&state, auth, meta, id.into_inner(), request).await
}

/// "Me too": follow an open case instead of reporting it again; followers are told of every
/// change.
#[utoipa::path(tag = "cases", params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/follow")]
pub async fn follow_case(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<CaseId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now_utc(&state));
    let view = state.db.run(move |conn| service::follow(conn, &principal, &id, now)).await?;
    Ok(HttpResponse::Ok().json(CaseView::from(view)))
}

/// Staff fold a duplicate into the case it repeats: it closes as merged, and its reporter and
/// followers follow the other case from now on.
#[utoipa::path(tag = "cases", request_body = MergeBody, params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/merge")]
pub async fn merge_case(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<CaseId>,
    body: Json<MergeBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let into = CaseId::parse(&body.into).ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    take_step(&state, auth, meta, id.into_inner(), StepRequest::Merge { into, note: body.note }).await
}

/// Records a follow-up visit (回访) on an answered case.
#[utoipa::path(tag = "cases", request_body = VisitBody, params(("id" = String, Path)), responses((status = 201, body = CaseView), (status = 409, body = ErrorBody)))]
#[post("/cases/{id}/visits")]
pub async fn record_visit(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<CaseId>,
    body: Json<VisitBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, body) = (auth.0, id.into_inner(), body.into_inner());
    let method = VisitMethod::parse(&body.method)?;
    let note = domain::cases::text(Some(body.note), "note", 500, true)?.unwrap_or_default();
    let visit = Visit { method, note, satisfied: body.satisfied };
    let now = now_utc(&state);
    let view = state.db.run(move |conn| service::record_visit(conn, &principal, &id, &visit, now)).await?;
    Ok(HttpResponse::Created().json(CaseView::from(view)))
}

/// Staff in scope who must call the reporter reveal the phone; recorded in the audit log. An
/// anonymous reporter is revealed only to admins, with a reason.
#[utoipa::path(tag = "cases", request_body = RevealBody, params(("id" = String, Path)), responses((status = 200, body = RevealedReporter), (status = 403, body = ErrorBody)))]
#[post("/cases/{id}/reveal-reporter-phone")]
pub async fn reveal_reporter_phone(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<CaseId>,
    body: Json<RevealBody>,
) -> Result<HttpResponse, ApiError> {
    let (actor, id, now) = (meta.caller(auth.0), id.into_inner(), now_utc(&state));
    let reason = body.into_inner().into_reason()?;
    let revealed = state.db.run(move |conn| service::reveal_reporter(conn, &actor, &id, &reason, now)).await?;
    Ok(HttpResponse::Ok().json(RevealedReporter::from(revealed)))
}

// ---------------------------------------------------------------------------------------------
// Figures

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
    let (principal, q) = (auth.0, query.into_inner());
    if !domain::ids::is_valid_id(&q.org_unit_id) {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    let period = q.period()?;
    let satisfied_from = state.config.cases.satisfied_from;
    let unit_id = q.org_unit_id.clone();
    let report =
        state.db.run(move |conn| queries::figures(conn, &principal, &unit_id, &period, satisfied_from)).await?;
    Ok(HttpResponse::Ok().json(FiguresReport::new(report, q.month, satisfied_from)))
}

// ---------------------------------------------------------------------------------------------
// The working-day calendar

/// The years the working-day calendar knows.
#[utoipa::path(tag = "cases", responses((status = 200, body = CalendarYears)))]
#[get("/working-calendar")]
pub async fn calendar_years(state: web::Data<AppState>, _auth: Auth) -> Result<HttpResponse, ApiError> {
    let years = state.db.run(|conn| calendar::years(conn).map_err(ApiError::from)).await?;
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
    let days = state.db.run(move |conn| calendar::year(conn, year).map_err(ApiError::from)).await?;
    if days.is_empty() {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    Ok(HttpResponse::Ok().json(CalendarYear::new(year, days)))
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
    let (actor, year, upload, now) = (meta.caller(auth.0), year.into_inner(), body.into_inner(), now_utc(&state));
    let (given, days) = (upload.year, upload.drafts());
    state.db.run(move |conn| service::upload_calendar_year(conn, &actor, year, given, &days, now)).await?;
    state.cases_reference.forget();
    Ok(HttpResponse::Ok().json(upload))
}
