//! The voting feature's handlers: each extracts, parses into domain values, calls one infra
//! service or query, and maps the answer.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use domain::voting::PollId;
use infra::voting::{casting, queries, service};

use super::dto::*;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

/// Creates a draft poll in a village (staff who manage its polls).
#[utoipa::path(tag = "voting", request_body = PollBody, responses((status = 201, body = PollView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[post("/polls")]
pub async fn create_poll(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<PollBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, draft) = (meta.caller(auth.0), state.clock.now().naive_utc(), body.into_inner().parse()?);
    let min_days = state.config.deliberation.solicit_min_days;
    let seen = state.db.run(move |conn| service::create(conn, &caller, &draft, min_days, now)).await?;
    Ok(HttpResponse::Created().json(PollView::from(seen)))
}

/// The polls of a village the caller may see, newest first, a page at a time.
#[utoipa::path(tag = "voting", params(PollQuery), responses((status = 200, body = PollList), (status = 422, body = ErrorBody)))]
#[get("/polls")]
pub async fn list_polls(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<PollQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, q) = (auth.0, query.into_inner());
    let limit = domain::paging::PageLimit::parse(q.limit)?;
    let before: Option<String> = q.cursor.as_ref().map(|c| state.cursors.decode("polls", c)).transpose()?;
    let viewer = principal.subject().to_owned();
    let page = state
        .db
        .run(move |conn| queries::page_of_village(conn, &principal, &q.village_id, before.as_deref(), limit))
        .await?;
    let next_cursor = page.more_after.map(|last| state.cursors.encode("polls", &last)).transpose()?;
    let items = page.items.into_iter().map(|seen| PollView::seen_by(seen, &viewer)).collect();
    Ok(HttpResponse::Ok().json(PollList { items, next_cursor }))
}

/// One poll: residents of its scope and staff over it (the options in the caller's own order
/// when the poll shuffles).
#[utoipa::path(tag = "voting", params(("id" = String, Path)), responses((status = 200, body = PollView), (status = 404, body = ErrorBody)))]
#[get("/polls/{id}")]
pub async fn get_poll(state: web::Data<AppState>, auth: Auth, id: web::Path<PollId>) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let viewer = principal.subject().to_owned();
    let seen = state.db.run(move |conn| queries::seen(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(PollView::seen_by(seen, &viewer)))
}

/// Changes a draft or scheduled poll.
#[utoipa::path(tag = "voting", request_body = PollBody, params(("id" = String, Path)), responses((status = 200, body = PollView), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[put("/polls/{id}")]
pub async fn update_poll(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<PollId>,
    body: Json<PollBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, draft) =
        (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner(), body.into_inner().parse()?);
    let seen = state.db.run(move |conn| service::update(conn, &caller, id.as_str(), &draft, now)).await?;
    Ok(HttpResponse::Ok().json(PollView::from(seen)))
}

/// Schedules a draft poll: it opens at its time.
#[utoipa::path(tag = "voting", params(("id" = String, Path)), responses((status = 200, body = PollView), (status = 409, body = ErrorBody)))]
#[post("/polls/{id}/schedule")]
pub async fn schedule_poll(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<PollId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner());
    let seen = state.db.run(move |conn| service::schedule(conn, &caller, id.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(PollView::from(seen)))
}

/// Cancels a poll with a reason; an open poll's electorate is told.
#[utoipa::path(tag = "voting", request_body = CancelPollBody, params(("id" = String, Path)), responses((status = 200, body = PollView), (status = 409, body = ErrorBody)))]
#[post("/polls/{id}/cancel")]
pub async fn cancel_poll(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<PollId>,
    body: Json<CancelPollBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, reason) =
        (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner(), body.into_inner().parse()?);
    let seen = state.db.run(move |conn| service::cancel(conn, &caller, id.as_str(), &reason, now)).await?;
    Ok(HttpResponse::Ok().json(PollView::from(seen)))
}

/// Reminds the electors who have not voted yet (staff; at most once an hour). Nobody is told
/// who they were.
#[utoipa::path(tag = "voting", params(("id" = String, Path)), responses((status = 200, body = PollView), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/polls/{id}/remind")]
pub async fn remind_poll(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<PollId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner());
    let seen = state.db.run(move |conn| service::remind(conn, &caller, id.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(PollView::from(seen)))
}

/// Casts the caller's ballot (one each; a household poll one per household; an open poll's
/// recast replaces it). Answers the ballot with its receipt.
#[utoipa::path(
    tag = "voting",
    request_body = BallotBody,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _")),
    responses((status = 201, body = BallotView), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody))
)]
#[post("/polls/{id}/ballots")]
pub async fn cast_ballot(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<PollId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let ballot = crate::http::json::parse_bytes::<BallotBody>(&req, &body)?.parse();
    let (caller, now, id) = (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner());
    let key = idempotency::key_from(&req, &caller.principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(BallotView::from(casting::cast(conn, &caller, id.as_str(), &ballot, now)?))
    })
    .await
}

/// Records a paper ballot for a voter on the roll (staff): the same one-vote rule.
#[utoipa::path(
    tag = "voting",
    request_body = OfflineBallotBody,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _")),
    responses((status = 201, body = BallotView), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody))
)]
#[post("/polls/{id}/offline-ballots")]
pub async fn record_offline_ballot(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<PollId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let ballot = crate::http::json::parse_bytes::<OfflineBallotBody>(&req, &body)?.parse()?;
    let (caller, now, id) = (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner());
    let key = idempotency::key_from(&req, &caller.principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(BallotView::from(casting::cast(conn, &caller, id.as_str(), &ballot, now)?))
    })
    .await
}

/// The results: counts, turnout, outcome (live or after close as the poll says); an open poll's
/// roll call.
#[utoipa::path(tag = "voting", params(("id" = String, Path)), responses((status = 200, body = PollResultsView), (status = 409, body = ErrorBody)))]
#[get("/polls/{id}/results")]
pub async fn poll_results(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<PollId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let results = state.db.run(move |conn| queries::results(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(PollResultsView::from(results)))
}

/// The public board: every ballot's receipt and choices, and the digest once closed.
#[utoipa::path(tag = "voting", params(("id" = String, Path)), responses((status = 200, body = PollBoardView), (status = 409, body = ErrorBody)))]
#[get("/polls/{id}/board")]
pub async fn poll_board(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<PollId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let board = state.db.run(move |conn| queries::board(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(PollBoardView::from(board)))
}

/// The ballot for a receipt: its holder checks it was recorded as cast.
#[utoipa::path(tag = "voting", params(("id" = String, Path), ("receipt" = String, Path)), responses((status = 200, body = BallotView), (status = 404, body = ErrorBody)))]
#[get("/polls/{id}/receipts/{receipt}")]
pub async fn poll_receipt(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(PollId, String)>,
) -> Result<HttpResponse, ApiError> {
    let (principal, (id, receipt)) = (auth.0, path.into_inner());
    let ballot = state.db.run(move |conn| queries::receipt(conn, &principal, id.as_str(), &receipt)).await?;
    Ok(HttpResponse::Ok().json(BallotView::from(ballot)))
}
