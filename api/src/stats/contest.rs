//! The good-governance contest (善治大比拼) and the leadership gradings (大家评) over HTTP: hand
//! scores entered by the township with a reason and their history; a village's grading created
//! as a poll of the voting feature.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::identity::ids::OrgUnitId;
use domain::paging::PageLimit;
use infra::stats::contest::{self, ScoreRow};
use utoipa_actix_web::service_config::ServiceConfig;

use super::contest_dto::{
    ContestScoreBody, ContestScorePage, ContestScoreQuery, ContestScoreView, RankingGradingBody, RankingGradingView,
};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(enter_contest_score).service(list_contest_scores).service(create_leadership_grading);
}

/// Enters a village's score on one dimension of the township's contest for a year
/// (`ManageRankings` over the township), with a reason. Every entry is kept and audited; the
/// latest per village, year and dimension counts. Send an `Idempotency-Key`.
#[utoipa::path(
    tag = "stats",
    params(
        ("id" = String, Path, description = "A township"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe"),
    ),
    request_body = ContestScoreBody,
    responses(
        (status = 201, body = ContestScoreView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Invalid (the field is named): score, reason, year, dimension, village_id", body = ErrorBody),
    )
)]
#[post("/org-units/{id}/contest-scores")]
pub async fn enter_contest_score(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now().naive_utc();
    let draft = crate::http::json::parse_bytes::<ContestScoreBody>(&req, &body)?.parse()?;
    let (caller, unit) = (meta.caller(auth.0), id.into_inner().into_string());
    let key = idempotency::key_from(&req, &caller.principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(ContestScoreView::from(contest::enter_score_in_tx(conn, &caller, &unit, &draft, now)?))
    })
    .await
}

/// The township's hand scores of a year, newest first: every entry, superseded ones included
/// (readers of the township's ranking).
#[utoipa::path(
    tag = "stats",
    params(("id" = String, Path, description = "A township"), ContestScoreQuery),
    responses(
        (status = 200, body = ContestScorePage),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[get("/org-units/{id}/contest-scores")]
pub async fn list_contest_scores(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<ContestScoreQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, limit, q) = (auth.0, id.into_inner(), PageLimit::parse(query.limit)?, query.into_inner());
    let before = q.cursor.as_ref().map(|c| state.cursors.decode::<String>("contest_scores", c)).transpose()?;
    let rows = state
        .db
        .run(move |conn| {
            let village = q.village_id.as_deref();
            contest::score_history(conn, &principal, unit.as_str(), q.year, village, before.as_deref(), limit.probe())
        })
        .await?;
    let page = Page::from_probe(rows, limit, &state.cursors, "contest_scores", |r: &ScoreRow| r.id.clone())?;
    let items = page.items.into_iter().map(ContestScoreView::from).collect();
    Ok(HttpResponse::Ok().json(ContestScorePage { items, next_cursor: page.next_cursor }))
}

/// Creates a village's three-yearly leadership grading (大家评) for a term (`ManageRankings`
/// over the village): a secret poll of its residents with the grades 优秀/称职/基本称职/不称职,
/// results after close, scheduled and voted through `/polls`. Once per village and term (409).
#[utoipa::path(
    tag = "stats",
    params(
        ("id" = String, Path, description = "A village"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe"),
    ),
    request_body = RankingGradingBody,
    responses(
        (status = 201, body = RankingGradingView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The village has a grading for the term", body = ErrorBody),
        (status = 422, description = "Invalid (the field is named); not a village", body = ErrorBody),
    )
)]
#[post("/org-units/{id}/leadership-gradings")]
pub async fn create_leadership_grading(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now().naive_utc();
    let draft = crate::http::json::parse_bytes::<RankingGradingBody>(&req, &body)?.parse()?;
    let (caller, unit) = (meta.caller(auth.0), id.into_inner().into_string());
    let key = idempotency::key_from(&req, &caller.principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        let (row, seen) = contest::create_grading_in_tx(conn, &caller, &unit, &draft, now)?;
        Ok(RankingGradingView::created(row, seen.row.status))
    })
    .await
}
