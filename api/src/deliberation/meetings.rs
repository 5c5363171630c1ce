//! Meetings (online and courtyard 屋场会) and the courtyard problem ledger over HTTP: each
//! handler extracts, parses, calls one infra service or query, and maps the answer.

use actix_web::{get, post, put, web, HttpResponse};
use chrono::NaiveDateTime;
use domain::deliberation::{MatterId, MeetingId};
use domain::identity::ids::OrgUnitId;
use infra::deliberation::ledger;
use infra::deliberation::meetings as m;

use super::meetings_dto::*;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

fn now_utc(state: &AppState) -> NaiveDateTime {
    state.clock.now().naive_utc()
}

fn ok(view: m::MeetingView) -> HttpResponse {
    HttpResponse::Ok().json(MeetingView::from(view))
}

/// Drafts a meeting (council staff over its scope): online, in person or both, a courtyard
/// meeting (屋场会) or not.
#[utoipa::path(tag = "deliberation", request_body = MeetingBody, responses((status = 201, body = MeetingView), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[post("/meetings")]
pub async fn create_meeting(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<MeetingBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, draft) = (meta.caller(auth.0), now_utc(&state), body.into_inner().parse()?);
    let view = state.db.run(move |conn| m::create(conn, &caller, &draft, now)).await?;
    Ok(HttpResponse::Created().json(MeetingView::from(view)))
}

/// Changes a draft meeting.
#[utoipa::path(tag = "deliberation", request_body = MeetingBody, params(("id" = String, Path)), responses((status = 200, body = MeetingView), (status = 409, body = ErrorBody)))]
#[put("/meetings/{id}")]
pub async fn update_meeting(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
    body: Json<MeetingBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, draft) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner().parse()?);
    Ok(ok(state.db.run(move |conn| m::update(conn, &caller, id.as_str(), &draft, now)).await?))
}

/// A village's meetings as the caller may see them (drafts for staff only), newest first.
#[utoipa::path(tag = "deliberation", params(MeetingQuery), responses((status = 200, body = MeetingList)))]
#[get("/meetings")]
pub async fn list_meetings(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<MeetingQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, village) = (auth.0, query.into_inner().village_id);
    let rows = state.db.run(move |conn| m::list(conn, &principal, &village)).await?;
    Ok(HttpResponse::Ok().json(MeetingList { items: rows.into_iter().map(MeetingView::from).collect() }))
}

/// One meeting with its invitees and their answers, its agenda with outcomes and how many came.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = MeetingView)))]
#[get("/meetings/{id}")]
pub async fn get_meeting(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<MeetingId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    Ok(ok(state.db.run(move |conn| m::view(conn, &principal, id.as_str())).await?))
}

/// Invites residents of the scope, members of the village's pool, or people by name.
#[utoipa::path(tag = "deliberation", request_body = InviteesBody, params(("id" = String, Path)), responses((status = 200, body = MeetingView), (status = 409, body = ErrorBody)))]
#[post("/meetings/{id}/invitees")]
pub async fn invite_to_meeting(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
    body: Json<InviteesBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, people) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner().parse()?);
    Ok(ok(state.db.run(move |conn| m::invite(conn, &caller, id.as_str(), &people, now)).await?))
}

/// An invitee answers yes or no.
#[utoipa::path(tag = "deliberation", request_body = RsvpBody, params(("id" = String, Path)), responses((status = 200, body = MeetingView), (status = 409, body = ErrorBody)))]
#[post("/meetings/{id}/rsvp")]
pub async fn rsvp_meeting(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
    body: Json<RsvpBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, answer) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.parse()?);
    Ok(ok(state.db.run(move |conn| m::rsvp(conn, &caller, id.as_str(), answer, now)).await?))
}

/// A resident of the scope registers for a meeting open to registration, while seats remain.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 201, body = MeetingView), (status = 409, body = ErrorBody)))]
#[post("/meetings/{id}/registrations")]
pub async fn register_for_meeting(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let view = state.db.run(move |conn| m::register(conn, &caller, id.as_str(), now)).await?;
    Ok(HttpResponse::Created().json(MeetingView::from(view)))
}

/// Puts a matter being deliberated or decided on the agenda.
#[utoipa::path(tag = "deliberation", request_body = AgendaBody, params(("id" = String, Path)), responses((status = 200, body = MeetingView), (status = 409, body = ErrorBody)))]
#[post("/meetings/{id}/agenda")]
pub async fn add_meeting_agenda(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
    body: Json<AgendaBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, matter) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner());
    Ok(ok(state.db.run(move |conn| m::add_agenda(conn, &caller, id.as_str(), &matter.matter_id, now)).await?))
}

/// Announces a draft after the three confirms (三确): a time, participants and an agenda;
/// otherwise 409 with `details.missing`.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = MeetingView), (status = 409, body = ErrorBody)))]
#[post("/meetings/{id}/announce")]
pub async fn announce_meeting(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    Ok(ok(state.db.run(move |conn| m::announce(conn, &caller, id.as_str(), now)).await?))
}

/// A fresh check-in code for an announced meeting (shown once, kept as a hash) and its QR text.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 201, body = CheckInCodeView), (status = 409, body = ErrorBody)))]
#[post("/meetings/{id}/checkin-code")]
pub async fn issue_checkin_code(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let minutes = state.config.deliberation.checkin_minutes;
    let code = state.db.run(move |conn| m::issue_code(conn, &caller, id.as_str(), minutes, now)).await?;
    Ok(HttpResponse::Created().json(CheckInCodeView::from(code)))
}

/// Checks in with the organiser's code: a wrong or expired code is 422 (`details.reason`), a
/// second check-in 409.
#[utoipa::path(tag = "deliberation", request_body = CheckInBody, params(("id" = String, Path)), responses((status = 200, body = MeetingView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/meetings/{id}/checkin")]
pub async fn check_in_meeting(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
    body: Json<CheckInBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, code) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner().code);
    Ok(ok(state.db.run(move |conn| m::check_in_with(conn, &caller, id.as_str(), &code, now)).await?))
}

/// Staff record someone present on paper.
#[utoipa::path(tag = "deliberation", request_body = AttendanceBody, params(("id" = String, Path)), responses((status = 201, body = AttendanceList), (status = 409, body = ErrorBody)))]
#[post("/meetings/{id}/attendance")]
pub async fn record_meeting_attendance(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
    body: Json<AttendanceBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, user) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner().user_id);
    let list = state.db.run(move |conn| m::record_attendance(conn, &caller, id.as_str(), &user, now)).await?;
    Ok(HttpResponse::Created().json(AttendanceList::from(list)))
}

/// Who attended (council staff).
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = AttendanceList)))]
#[get("/meetings/{id}/attendance")]
pub async fn list_meeting_attendance(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<MeetingId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let list = state.db.run(move |conn| m::attendance(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(AttendanceList::from(list)))
}

/// Records the minutes and each agenda matter's outcome: the meeting is held.
#[utoipa::path(tag = "deliberation", request_body = MinutesBody, params(("id" = String, Path)), responses((status = 200, body = MeetingView), (status = 409, body = ErrorBody)))]
#[post("/meetings/{id}/minutes")]
pub async fn record_meeting_minutes(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
    body: Json<MinutesBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let (minutes, outcomes) = body.into_inner().parse()?;
    Ok(ok(state.db.run(move |conn| m::record_minutes(conn, &caller, id.as_str(), &minutes, &outcomes, now)).await?))
}

/// Cancels a draft or announced meeting.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = MeetingView), (status = 409, body = ErrorBody)))]
#[post("/meetings/{id}/cancel")]
pub async fn cancel_meeting(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    Ok(ok(state.db.run(move |conn| m::cancel(conn, &caller, id.as_str(), now)).await?))
}

// ---------------------------------------------------------------------------------------------
// The courtyard problem ledger

/// Records a question raised on the spot at a courtyard meeting: a matter of the village, with
/// an answer due in working days.
#[utoipa::path(tag = "deliberation", request_body = LedgerBody, params(("id" = String, Path)), responses((status = 201, body = LedgerItemView), (status = 409, body = ErrorBody)))]
#[post("/meetings/{id}/ledger")]
pub async fn record_ledger_item(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MeetingId>,
    body: Json<LedgerBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, question) =
        (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner().parse()?);
    let rules = super::rules(&state);
    let item = state.db.run(move |conn| ledger::record(conn, &caller, id.as_str(), &question, &rules, now)).await?;
    Ok(HttpResponse::Created().json(LedgerItemView::from(item)))
}

/// A meeting's ledger: its items and how many are answered, overdue, revisited.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = LedgerView)))]
#[get("/meetings/{id}/ledger")]
pub async fn meeting_ledger(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<MeetingId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let ledger = state.db.run(move |conn| ledger::of_meeting(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(LedgerView::from(ledger)))
}

/// A village's courtyard ledger across its meetings.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = LedgerView)))]
#[get("/org-units/{id}/ledger")]
pub async fn village_ledger(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner().into_string());
    let ledger = state.db.run(move |conn| ledger::of_village(conn, &principal, &id)).await?;
    Ok(HttpResponse::Ok().json(LedgerView::from(ledger)))
}

/// Answers a ledger item, once.
#[utoipa::path(tag = "deliberation", request_body = AnswerBody, params(("matter_id" = String, Path)), responses((status = 200, body = LedgerItemView), (status = 409, body = ErrorBody)))]
#[post("/ledger-items/{matter_id}/answer")]
pub async fn answer_ledger_item(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<AnswerBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let answer = ledger_text(body.into_inner().answer, "answer")?;
    let item = state.db.run(move |conn| ledger::answer(conn, &caller, id.as_str(), &answer, now)).await?;
    Ok(HttpResponse::Ok().json(LedgerItemView::from(item)))
}

/// Records the revisit (回访) of an answered ledger item, once.
#[utoipa::path(tag = "deliberation", request_body = RevisitBody, params(("matter_id" = String, Path)), responses((status = 200, body = LedgerItemView), (status = 409, body = ErrorBody)))]
#[post("/ledger-items/{matter_id}/revisit")]
pub async fn revisit_ledger_item(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<RevisitBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let note = ledger_text(body.into_inner().note, "note")?;
    let item = state.db.run(move |conn| ledger::revisit(conn, &caller, id.as_str(), &note, now)).await?;
    Ok(HttpResponse::Ok().json(LedgerItemView::from(item)))
}
