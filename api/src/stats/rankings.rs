//! Rankings over HTTP: a month's ranking of a township's villages (or a county's townships) with
//! the red and black lists, the contest and the leadership gradings; the ranking unit's
//! configuration (weights, list rules, contest dimensions), versioned and audited.

use actix_web::{get, put, web, HttpResponse};
use domain::identity::ids::OrgUnitId;
use domain::stats::figures::Month;
use infra::stats::rankings;
use utoipa_actix_web::service_config::ServiceConfig;

use super::rankings_dto::{RankingConfigBody, RankingConfigView, RankingQuery, RankingView};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_ranking).service(get_ranking_config).service(set_ranking_config);
}

/// The month's ranking of a township's villages or a county's townships: each figure
/// normalised (rates as they are, counts against the best of the group), a weighted composite,
/// ties by id; the red and black lists by the unit's rules (black outweighs red); for a township
/// its good-governance contest of the year and each village's latest grading (大家评).
/// `ReadFigures` over the unit — or over one of its villages: a village's cadres read their own
/// township's ranking.
#[utoipa::path(
    tag = "stats",
    params(("id" = String, Path, description = "A township or a county"), RankingQuery),
    responses(
        (status = 200, body = RankingView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "A bad month; not a township or a county", body = ErrorBody),
    )
)]
#[get("/org-units/{id}/rankings")]
pub async fn get_ranking(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<RankingQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, month) = (auth.0, id.into_inner(), Month::parse(&query.month)?);
    let satisfied_from = state.config.cases.satisfied_from;
    let ranking =
        state.db.run(move |conn| rankings::ranking(conn, &principal, unit.as_str(), month, satisfied_from)).await?;
    Ok(HttpResponse::Ok().json(RankingView::from(ranking)))
}

/// The unit's configuration in force (version 0: the defaults). Readers of its ranking.
#[utoipa::path(
    tag = "stats",
    params(("id" = String, Path, description = "A township or a county")),
    responses(
        (status = 200, body = RankingConfigView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Not a township or a county", body = ErrorBody),
    )
)]
#[get("/org-units/{id}/ranking-config")]
pub async fn get_ranking_config(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit) = (auth.0, id.into_inner());
    let config = state.db.run(move |conn| rankings::config(conn, &principal, unit.as_str())).await?;
    Ok(HttpResponse::Ok().json(RankingConfigView::from(config)))
}

/// Writes the unit's next configuration version (`ManageRankings` over it; a village's cadre
/// gets 403): figure weights, red and black list rules, the contest's dimensions. Audited; the
/// earlier versions stay.
#[utoipa::path(
    tag = "stats",
    params(("id" = String, Path, description = "A township or a county")),
    request_body = RankingConfigBody,
    responses(
        (status = 200, body = RankingConfigView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Invalid (the field is named)", body = ErrorBody),
    )
)]
#[put("/org-units/{id}/ranking-config")]
pub async fn set_ranking_config(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    body: Json<RankingConfigBody>,
) -> Result<HttpResponse, ApiError> {
    let (ranking, dimensions) = body.into_inner().parse()?;
    let (caller, unit, now) = (meta.caller(auth.0), id.into_inner(), state.clock.now());
    let config = state
        .db
        .run(move |conn| rankings::set_config(conn, &caller, unit.as_str(), &ranking, &dimensions, now.naive_utc()))
        .await?;
    Ok(HttpResponse::Ok().json(RankingConfigView::from(config)))
}
