//! Golden-idea contests (金点子评比) over HTTP: staff create, list, read and cancel contests;
//! residents submit ideas in the submission window; staff approve or reject them. The voting
//! itself is the contest's poll (`/polls/{poll_id}`).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::voting::{ContestId, IdeaId};
use infra::voting::contests;

use super::contests_dto::*;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

/// Creates a contest in a village (staff who manage its polls).
#[utoipa::path(tag = "voting", request_body = ContestBody, responses((status = 201, body = ContestView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[post("/contests")]
pub async fn create_contest(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<ContestBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, new) = (meta.caller(auth.0), state.clock.now().naive_utc(), body.into_inner().parse()?);
    let seen = state.db.run(move |conn| contests::create(conn, &caller, &new, now)).await?;
    Ok(HttpResponse::Created().json(ContestView::from(seen)))
}

/// The contests of a village the caller may see, newest first.
#[utoipa::path(tag = "voting", params(ContestQuery), responses((status = 200, body = ContestList)))]
#[get("/contests")]
pub async fn list_contests(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<ContestQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, village) = (auth.0, query.into_inner().village_id);
    let found = state.db.run(move |conn| contests::of_village(conn, &principal, &village)).await?;
    Ok(HttpResponse::Ok().json(ContestList { items: found.into_iter().map(ContestView::from).collect() }))
}

/// One contest with its winners once announced: residents of its scope and staff over it.
#[utoipa::path(tag = "voting", params(("id" = String, Path)), responses((status = 200, body = ContestView), (status = 404, body = ErrorBody)))]
#[get("/contests/{id}")]
pub async fn get_contest(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<ContestId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let seen = state.db.run(move |conn| contests::seen(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(ContestView::from(seen)))
}

/// Cancels a contest with a reason (staff); its poll too while voting. The authors are told.
#[utoipa::path(tag = "voting", request_body = CancelContestBody, params(("id" = String, Path)), responses((status = 200, body = ContestView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[post("/contests/{id}/cancel")]
pub async fn cancel_contest(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<ContestId>,
    body: Json<CancelContestBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, reason) =
        (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner(), body.into_inner().parse()?);
    let seen = state.db.run(move |conn| contests::cancel(conn, &caller, id.as_str(), &reason, now)).await?;
    Ok(HttpResponse::Ok().json(ContestView::from(seen)))
}

/// Submits an idea (residents of the scope, in the submission window). It passes the content
/// check and waits for staff review: `pending`, or `held` when the check flags it.
#[utoipa::path(
    tag = "voting",
    request_body = IdeaBody,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _")),
    responses((status = 201, body = IdeaView), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/contests/{id}/ideas")]
pub async fn submit_idea(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<ContestId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let idea = crate::http::json::parse_bytes::<IdeaBody>(&req, &body)?.parse()?;
    let (caller, now, id) = (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner());
    let key = idempotency::key_from(&req, &caller.principal.user_id, &body)?;
    let wechat =
        crate::deliberation::content_check(&state, &caller.principal, &format!("{}\n{}", idea.title, idea.body)).await;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(IdeaView::from(contests::submit(conn, &caller, id.as_str(), &idea, wechat, now)?))
    })
    .await
}

/// A contest's ideas: staff see all with their moderation; residents the approved ones and
/// their own.
#[utoipa::path(tag = "voting", params(("id" = String, Path)), responses((status = 200, body = IdeaList), (status = 404, body = ErrorBody)))]
#[get("/contests/{id}/ideas")]
pub async fn list_ideas(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<ContestId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let found = state.db.run(move |conn| contests::ideas(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(IdeaList { items: found.into_iter().map(IdeaView::from).collect() }))
}

/// Approves or rejects an idea (staff over the contest's scope) until voting starts.
#[utoipa::path(tag = "voting", request_body = IdeaModerationBody, params(("id" = String, Path)), responses((status = 200, body = IdeaView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[post("/ideas/{id}/moderate")]
pub async fn moderate_idea(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<IdeaId>,
    body: Json<IdeaModerationBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, decision) =
        (meta.caller(auth.0), state.clock.now().naive_utc(), id.into_inner(), body.into_inner().parse()?);
    let idea = state.db.run(move |conn| contests::moderate(conn, &caller, id.as_str(), &decision, now)).await?;
    Ok(HttpResponse::Ok().json(IdeaView::from(idea)))
}
