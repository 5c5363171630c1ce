//! Volunteer teams and their service sessions over HTTP: staff form a village's teams, the
//! leader records who served how long, a cadre confirms (points per hour, once) or rejects.

use actix_web::http::StatusCode;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use domain::identity::ids::{OrgUnitId, UserId};
use domain::paging::PageLimit;
use domain::points::{SessionId, TeamId};
use infra::points::volunteers::{self, Decision, SessionView, Window};
use utoipa_actix_web::service_config::ServiceConfig;

use super::volunteers_dto::{
    PointsRejectSessionBody, PointsSessionBody, PointsSessionPage, PointsSessionView, PointsTeamBody, PointsTeamPage,
    PointsTeamSummary, PointsTeamView,
};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery};
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_team)
        .service(list_teams)
        .service(get_team)
        .service(add_team_member)
        .service(remove_team_member)
        .service(record_session)
        .service(list_sessions)
        .service(confirm_session)
        .service(reject_session);
}

fn now(state: &AppState) -> chrono::NaiveDateTime {
    state.clock.now().naive_utc()
}

fn window(state: &AppState, list: &str, query: &PageQuery) -> Result<(Window, PageLimit), ApiError> {
    let limit = PageLimit::parse(query.limit)?;
    let before = query.cursor.as_ref().map(|c| state.cursors.decode::<String>(list, c)).transpose()?;
    Ok((Window { before, limit: limit.probe() }, limit))
}

/// Forms a volunteer team in a village (`village_cadre` and above over it): a name unique in the
/// village, 1 to 30 distinct approved residents of it, the leader among them.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path, description = "The village")),
    request_body = PointsTeamBody,
    responses(
        (status = 201, body = PointsTeamView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "A team of that name exists in the village", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/org-units/{id}/volunteer-teams")]
pub async fn create_team(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    body: Json<PointsTeamBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, origin, now, unit) = (auth.0, meta.origin(), now(&state), id.into_inner().into_string());
    let new = body.into_inner().parse()?;
    let team = state.db.run(move |conn| volunteers::create_team(conn, &principal, &origin, &unit, &new, now)).await?;
    Ok(HttpResponse::Created().json(PointsTeamView::from(team)))
}

/// A village's volunteer teams, newest first: for its residents and staff over it.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path, description = "The village"), PageQuery),
    responses((status = 200, body = PointsTeamPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/volunteer-teams")]
pub async fn list_teams(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, (window, limit)) = (auth.0, id.into_inner().into_string(), window(&state, "teams", &query)?);
    let rows = state.db.run(move |conn| volunteers::list_teams(conn, &principal, &unit, &window)).await?;
    let page = Page::from_probe(rows, limit, &state.cursors, "teams", |t| t.id.clone())?;
    let items = page.items.into_iter().map(PointsTeamSummary::from).collect();
    Ok(HttpResponse::Ok().json(PointsTeamPage { items, next_cursor: page.next_cursor }))
}

/// One team with its members: for its village's residents and staff.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses((status = 200, body = PointsTeamView), (status = 404, body = ErrorBody))
)]
#[get("/volunteer-teams/{id}")]
pub async fn get_team(state: web::Data<AppState>, auth: Auth, id: web::Path<TeamId>) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let team = state.db.run(move |conn| volunteers::team(conn, &principal, &id)).await?;
    Ok(HttpResponse::Ok().json(PointsTeamView::from(team)))
}

/// Adds an approved resident of the village to a team (`village_cadre` and above); one already
/// on it stays as they were.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses(
        (status = 200, body = PointsTeamView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Not a resident of the village, or the team is full", body = ErrorBody),
    )
)]
#[put("/volunteer-teams/{id}/members/{user_id}")]
pub async fn add_team_member(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    path: web::Path<(TeamId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (principal, origin, now, (team, user)) = (auth.0, meta.origin(), now(&state), path.into_inner());
    let team =
        state.db.run(move |conn| volunteers::add_member(conn, &principal, &origin, &team, user.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(PointsTeamView::from(team)))
}

/// Takes a member off a team (`village_cadre` and above); the leader stays.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses(
        (status = 200, body = PointsTeamView),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such team, or not a member", body = ErrorBody),
        (status = 422, description = "The leader", body = ErrorBody),
    )
)]
#[delete("/volunteer-teams/{id}/members/{user_id}")]
pub async fn remove_team_member(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    path: web::Path<(TeamId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (principal, origin, now, (team, user)) = (auth.0, meta.origin(), now(&state), path.into_inner());
    let team = state
        .db
        .run(move |conn| volunteers::remove_member(conn, &principal, &origin, &team, user.as_str(), now))
        .await?;
    Ok(HttpResponse::Ok().json(PointsTeamView::from(team)))
}

/// Records a service session: by the team's leader (or `village_cadre` and above), each member's
/// minutes. Send an `Idempotency-Key`: a retry answers the first session and records nothing new.
#[utoipa::path(
    tag = "points",
    params(
        ("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _"),
    ),
    request_body = PointsSessionBody,
    responses(
        (status = 201, body = PointsSessionView),
        (status = 403, description = "Not the team's leader", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/volunteer-teams/{id}/sessions")]
pub async fn record_session(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<TeamId>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (principal, origin, now, team) = (auth.0, meta.origin(), now(&state), id.into_inner());
    let new = crate::http::json::parse_bytes::<PointsSessionBody>(&req, &body)?.parse()?;
    let key = idempotency::key_from(&req, &principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        let view = volunteers::record_session_in_tx(conn, &principal, &origin, &team, &new, now)?;
        Ok(PointsSessionView::from(view))
    })
    .await
}

/// A team's service sessions, newest first: for its village's residents and staff.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = PointsSessionPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/volunteer-teams/{id}/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<TeamId>,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, team, (window, limit)) = (auth.0, id.into_inner(), window(&state, "sessions", &query)?);
    let rows = state.db.run(move |conn| volunteers::sessions(conn, &principal, &team, &window)).await?;
    let page = Page::from_probe(rows, limit, &state.cursors, "sessions", |s: &SessionView| s.row.id.clone())?;
    let items = page.items.into_iter().map(PointsSessionView::from).collect();
    Ok(HttpResponse::Ok().json(PointsSessionPage { items, next_cursor: page.next_cursor }))
}

/// Confirms a recorded session (`village_cadre` and above over its village): each member's
/// minutes become an automatic entry by the village's service-hours rule (points per hour),
/// once; members are told. A second decision answers 409 `invalid_transition`.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = PointsSessionView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Decided already", body = ErrorBody),
    )
)]
#[post("/service-sessions/{id}/confirm")]
pub async fn confirm_session(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, origin, now, id) = (auth.0, meta.origin(), now(&state), id.into_inner());
    let view =
        state.db.run(move |conn| volunteers::decide(conn, &principal, &origin, &id, &Decision::Confirm, now)).await?;
    Ok(HttpResponse::Ok().json(PointsSessionView::from(view)))
}

/// Rejects a recorded session with a reason (`village_cadre` and above over its village):
/// no points; members are told. A second decision answers 409 `invalid_transition`.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    request_body = PointsRejectSessionBody,
    responses(
        (status = 200, body = PointsSessionView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Decided already", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/service-sessions/{id}/reject")]
pub async fn reject_session(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<SessionId>,
    body: Json<PointsRejectSessionBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, origin, now, id) = (auth.0, meta.origin(), now(&state), id.into_inner());
    let decision = Decision::Reject { reason: body.into_inner().parse()? };
    let view = state.db.run(move |conn| volunteers::decide(conn, &principal, &origin, &id, &decision, now)).await?;
    Ok(HttpResponse::Ok().json(PointsSessionView::from(view)))
}
