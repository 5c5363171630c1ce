//! The public board (五亮) over HTTP: staff with `PostNotices` keep a village's cadre posts and
//! its supervisory committee's contact; anyone reads the board without logging in, as JSON and
//! as a server-rendered page for the phone that scanned the code at the village gate.

use actix_web::http::StatusCode;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use domain::identity::ids::OrgUnitId;
use domain::notices::board::CadrePostId;
use domain::stats::figures::Month;
use infra::notices::board;
use utoipa_actix_web::service_config::ServiceConfig;

use super::board_dto::{BoardCadrePostBody, BoardCadrePostView, BoardCommitteeView, BoardSupervisionBody, BoardView};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_board_cadre_post)
        .service(delete_board_cadre_post)
        .service(set_board_supervision)
        .service(public_board);
}

/// The page outside `/api/v1`, at the root.
pub fn page_routes(cfg: &mut ServiceConfig) {
    cfg.service(public_village_page);
}

fn now(state: &AppState) -> chrono::NaiveDateTime {
    state.clock.now().naive_utc()
}

/// The month whose figures the board shows: the last whole month, in Beijing.
fn last_month(state: &AppState) -> Month {
    Month::of(state.clock.now().with_timezone(&domain::calendar::beijing()).date_naive()).previous()
}

/// Puts a cadre's post on a village's board (干部亮职; `PostNotices` over the village): a person
/// holding a role in the village, the post, its duties, its contact phone (masked in public).
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path, description = "A village"), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe")),
    request_body = BoardCadrePostBody,
    responses(
        (status = 201, body = BoardCadrePostView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The person already holds that post", body = ErrorBody),
        (status = 422, description = "Invalid (the field is named); not a village; a person without a role there", body = ErrorBody),
    )
)]
#[post("/org-units/{id}/board/cadre-posts")]
pub async fn create_board_cadre_post(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (unit, now) = (id.into_inner(), now(&state));
    let draft = crate::http::json::parse_bytes::<BoardCadrePostBody>(&req, &body)?.parse()?;
    let key = idempotency::key_from(&req, &auth.0.user_id, &body)?;
    let caller = meta.caller(auth.0);
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(BoardCadrePostView::from(board::create_post_in_tx(conn, &caller, unit.as_str(), &draft, now)?))
    })
    .await
}

/// Takes a post off the board (`PostNotices` over its village).
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path)),
    responses((status = 204, description = "Taken off"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/board/cadre-posts/{id}")]
pub async fn delete_board_cadre_post(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<CadrePostId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id, now) = (meta.caller(auth.0), id.into_inner(), now(&state));
    state.db.run(move |conn| board::delete_post(conn, &caller, id.as_str(), now)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sets the supervisory committee's contact of a village (监督亮责; `PostNotices`).
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path, description = "A village")),
    request_body = BoardSupervisionBody,
    responses(
        (status = 200, body = BoardCommitteeView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Invalid (the field is named); not a village", body = ErrorBody),
    )
)]
#[put("/org-units/{id}/board/supervision")]
pub async fn set_board_supervision(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    body: Json<BoardSupervisionBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, unit, now) = (meta.caller(auth.0), id.into_inner(), now(&state));
    let draft = body.into_inner().parse()?;
    let row = state.db.run(move |conn| board::set_supervision(conn, &caller, unit.as_str(), &draft, now)).await?;
    Ok(HttpResponse::Ok().json(BoardCommitteeView::from(row)))
}

/// The board of a village (五亮), without login: cadres' posts (phones masked), the small-powers
/// list and the documents in force, the public notices, who supervises and how to report, and
/// last month's figures. 404 for a unit that is not a village.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path, description = "A village")),
    responses((status = 200, body = BoardView), (status = 404, body = ErrorBody)),
)]
#[get("/public/org-units/{id}/board")]
pub async fn public_board(state: web::Data<AppState>, id: web::Path<OrgUnitId>) -> Result<HttpResponse, ApiError> {
    let (unit, month, now) = (id.into_inner(), last_month(&state), state.clock.now().naive_utc());
    let satisfied_from = state.config.cases.satisfied_from;
    let board = state.db.run(move |conn| board::public_board(conn, unit.as_str(), month, satisfied_from, now)).await?;
    Ok(HttpResponse::Ok().json(BoardView::from(board)))
}

/// The board as a page for the phone that scanned the village-gate code: Chinese, large type,
/// no script. 404 (as JSON) for a unit that is not a village.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path, description = "A village")),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = ErrorBody)),
)]
#[get("/public/villages/{id}")]
pub async fn public_village_page(
    state: web::Data<AppState>,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    let (unit, month, now) = (id.into_inner(), last_month(&state), state.clock.now().naive_utc());
    let satisfied_from = state.config.cases.satisfied_from;
    let board = state.db.run(move |conn| board::public_board(conn, unit.as_str(), month, satisfied_from, now)).await?;
    let page = super::board_html::render(&BoardView::from(board)).into_string();
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page))
}
