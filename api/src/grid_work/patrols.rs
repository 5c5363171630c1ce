//! Patrols (巡查) over HTTP: started once per phone's client id, points sent in batches, ended,
//! hazards found on the way filed as cases, read by the walker and the grid's staff.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use domain::grid_work::PatrolId;
use domain::paging::PageLimit;
use infra::grid_work::patrols::{self as service};
use utoipa_actix_web::service_config::ServiceConfig;

use super::patrols_dto::{
    EndPatrolBody, HazardBody, HazardFiled, NewPatrolBody, PatrolDetail, PatrolPage, PatrolQuery, PatrolView,
    PointBatchBody, WalkedView,
};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(start_patrol)
        .service(list_patrols)
        .service(get_patrol)
        .service(add_points)
        .service(end_patrol)
        .service(file_hazard);
}

fn now_utc(state: &AppState) -> NaiveDateTime {
    state.clock.now().naive_utc()
}

/// Starts a patrol of a grid (grid workers, leaders, cadres and volunteers of the grid). A
/// `client_id` the walker already started answers that patrol with 200; without one, send an
/// `Idempotency-Key`.
#[utoipa::path(
    tag = "grid_work",
    request_body = NewPatrolBody,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe without a client_id: 8 to 128 letters, digits, - and _")),
    responses(
        (status = 201, body = PatrolView),
        (status = 200, description = "Already started with this client_id", body = PatrolView),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such grid in the caller's scope", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/patrols")]
pub async fn start_patrol(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let now = now_utc(&state);
    let new = crate::http::json::parse_bytes::<NewPatrolBody>(&req, &body)?.parse(now)?;
    let caller = meta.caller(auth.0);
    if new.client_id.is_none() {
        let key = idempotency::key_from(&req, &caller.principal.user_id, &body)?;
        return idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
            Ok(PatrolView::from(service::start_in_tx(conn, &caller, &new, now)?.0))
        })
        .await;
    }
    let (row, created) = state.db.run(move |conn| service::start(conn, &caller, &new, now)).await?;
    let mut answer = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(answer.json(PatrolView::from(row)))
}

/// A grid's patrols, newest first: all of them for staff reading visits over the grid, one's
/// own for volunteers.
#[utoipa::path(
    tag = "grid_work",
    params(PatrolQuery),
    responses((status = 200, body = PatrolPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/patrols")]
pub async fn list_patrols(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<PatrolQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, q) = (auth.0, query.into_inner());
    let limit = PageLimit::parse(q.limit)?;
    let before: Option<String> = q.cursor.as_ref().map(|c| state.cursors.decode("patrols", c)).transpose()?;
    let grid_id = q.grid_id;
    let rows =
        state.db.run(move |conn| service::list(conn, &principal, &grid_id, before.as_deref(), limit.probe())).await?;
    let views = rows.into_iter().map(PatrolView::from).collect();
    let page = Page::from_probe(views, limit, &state.cursors, "patrols", |v: &PatrolView| v.id.clone())?;
    Ok(HttpResponse::Ok().json(PatrolPage { items: page.items, next_cursor: page.next_cursor }))
}

/// A patrol with its points in seq order and the cases its hazards were filed as: its walker,
/// and staff reading visits over its grid.
#[utoipa::path(
    tag = "grid_work",
    params(("id" = String, Path)),
    responses((status = 200, body = PatrolDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/patrols/{id}")]
pub async fn get_patrol(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<PatrolId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let read = state.db.run(move |conn| service::view(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(PatrolDetail::from(read)))
}

/// Adds a batch of points (1–500) to a walking patrol, each seq once: a batch sent again adds
/// nothing. Answers the patrol's point count and walked distance. Only its walker.
#[utoipa::path(
    tag = "grid_work",
    params(("id" = String, Path)),
    request_body = PointBatchBody,
    responses(
        (status = 200, body = WalkedView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The patrol has ended (invalid_transition)", body = ErrorBody),
        (status = 422, description = "A point refused; nothing stored", body = ErrorBody),
    )
)]
#[post("/patrols/{id}/points")]
pub async fn add_points(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<PatrolId>,
    body: Json<PointBatchBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now_utc(&state));
    let points = body.into_inner().parse()?;
    let walked = state.db.run(move |conn| service::add_points(conn, &principal, id.as_str(), points, now)).await?;
    Ok(HttpResponse::Ok().json(WalkedView::from(walked)))
}

/// Ends a walking patrol. Only its walker; an ended patrol answers 409.
#[utoipa::path(
    tag = "grid_work",
    params(("id" = String, Path)),
    request_body = EndPatrolBody,
    responses(
        (status = 200, body = PatrolView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already ended (invalid_transition)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/patrols/{id}/end")]
pub async fn end_patrol(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<PatrolId>,
    body: Json<EndPatrolBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id, now) = (meta.caller(auth.0), id.into_inner(), now_utc(&state));
    let (ended_at, note) = body.into_inner().parse()?;
    let row = state.db.run(move |conn| service::end(conn, &caller, id.as_str(), ended_at, note, now)).await?;
    Ok(HttpResponse::Ok().json(PatrolView::from(row)))
}

/// Files a hazard found on a patrol as a case in the patrol's grid, the case's first timeline
/// entry naming the patrol. Only its walker, while walking or within a day of the end. A
/// `client_id` the walker already filed answers that case with 200; without one, send an
/// `Idempotency-Key`.
#[utoipa::path(
    tag = "grid_work",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe without a client_id: 8 to 128 letters, digits, - and _")),
    request_body = HazardBody,
    responses(
        (status = 201, body = HazardFiled),
        (status = 200, description = "Already filed with this client_id", body = HazardFiled),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Ended more than a day ago (invalid_transition)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/patrols/{id}/hazards")]
pub async fn file_hazard(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<PatrolId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now_utc(&state));
    let max_age = chrono::Duration::from_std(state.config.cases.max_capture_age).unwrap_or(chrono::Duration::days(30));
    let report = crate::http::json::parse_bytes::<HazardBody>(&req, &body)?.parse(now, max_age)?;
    let (rules, patrol_id) = (crate::cases::rules(&state), id.as_str().to_owned());
    if report.client_id.is_none() {
        let key = idempotency::key_from(&req, &principal.user_id, &body)?;
        return idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
            let (case_id, _) = service::file_hazard_in_tx(conn, &principal, id.as_str(), &report, &rules, now)?;
            Ok(HazardFiled { case_id, patrol_id: id.as_str().to_owned() })
        })
        .await;
    }
    let (case_id, new) =
        state.db.run(move |conn| service::file_hazard(conn, &principal, id.as_str(), &report, &rules, now)).await?;
    let mut answer = if new { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(answer.json(HazardFiled { case_id, patrol_id }))
}
