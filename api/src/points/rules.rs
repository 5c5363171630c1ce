//! Points rule sets over HTTP: versions written per unit (a county, township or village),
//! activated at once or tied to an assembly vote, and the rules in force at a unit (its own or
//! inherited from above).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::identity::ids::OrgUnitId;
use domain::paging::PageLimit;
use domain::points::RuleSetId;
use infra::points::rows::RuleSetRow;
use infra::points::rules;
use utoipa_actix_web::service_config::ServiceConfig;

use super::rules_dto::{
    PointsRuleSetBody, PointsRuleSetPage, PointsRuleSetQuery, PointsRuleSetSummary, PointsRuleSetView,
    PointsRulesInForceView, PointsSubmitToVoteBody,
};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_rule_set)
        .service(list_rule_sets)
        .service(get_rule_set)
        .service(activate_rule_set)
        .service(submit_rule_set_to_vote)
        .service(rules_in_force);
}

fn now(state: &AppState) -> chrono::NaiveDateTime {
    state.clock.now().naive_utc()
}

/// Writes the unit's next version of its points rules, a draft (`ManagePoints` over a county,
/// township or village). Nothing changes until it is activated or its vote passes.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe")),
    request_body = PointsRuleSetBody,
    responses(
        (status = 201, body = PointsRuleSetView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Invalid (the field is named)", body = ErrorBody),
    )
)]
#[post("/org-units/{id}/points/rule-sets")]
pub async fn create_rule_set(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, now) = (auth.0, id.into_inner(), now(&state));
    let draft = crate::http::json::parse_bytes::<PointsRuleSetBody>(&req, &body)?.parse()?;
    let key = idempotency::key_from(&req, &principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(PointsRuleSetView::from(rules::create_in_tx(conn, &principal, unit.as_str(), &draft, now)?))
    })
    .await
}

/// A unit's versions, newest first (`ReadPoints` over the unit).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), PointsRuleSetQuery),
    responses((status = 200, body = PointsRuleSetPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/points/rule-sets")]
pub async fn list_rule_sets(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<PointsRuleSetQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, limit) = (auth.0, id.into_inner(), PageLimit::parse(query.limit)?);
    let before = query.cursor.as_ref().map(|c| state.cursors.decode::<i32>("points_rule_sets", c)).transpose()?;
    let rows =
        state.db.run(move |conn| rules::versions(conn, &principal, unit.as_str(), before, limit.probe())).await?;
    let page = Page::from_probe(rows, limit, &state.cursors, "points_rule_sets", |r: &RuleSetRow| r.version)?;
    let items = page.items.iter().map(PointsRuleSetSummary::from).collect();
    Ok(HttpResponse::Ok().json(PointsRuleSetPage { items, next_cursor: page.next_cursor }))
}

/// One version with its rules (`ReadPoints` over its unit).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses((status = 200, body = PointsRuleSetView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/points/rule-sets/{id}")]
pub async fn get_rule_set(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<RuleSetId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let set = state.db.run(move |conn| rules::get(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(PointsRuleSetView::from(set)))
}

/// Puts a draft in force at once (`ManagePoints`); the unit's active version is superseded.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = PointsRuleSetView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not a draft", body = ErrorBody),
    )
)]
#[post("/points/rule-sets/{id}/activate")]
pub async fn activate_rule_set(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<RuleSetId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now(&state));
    let set = state.db.run(move |conn| rules::activate(conn, &principal, id.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(PointsRuleSetView::from(set)))
}

/// Ties a draft to an assembly vote (`ManagePoints`): a poll of the set's own unit, not yet
/// closed, with a threshold. When the poll is published the set comes into force if it passed
/// and is rejected otherwise. One set per unit waits for a vote (409).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    request_body = PointsSubmitToVoteBody,
    responses(
        (status = 200, body = PointsRuleSetView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not a draft, or another set of the unit waits for a vote", body = ErrorBody),
        (status = 422, description = "Not a poll the set can be tied to", body = ErrorBody),
    )
)]
#[post("/points/rule-sets/{id}/submit-to-vote")]
pub async fn submit_rule_set_to_vote(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<RuleSetId>,
    body: Json<PointsSubmitToVoteBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, poll) = (auth.0, id.into_inner(), body.into_inner().poll_id);
    let set = state.db.run(move |conn| rules::submit_to_vote(conn, &principal, id.as_str(), &poll)).await?;
    Ok(HttpResponse::Ok().json(PointsRuleSetView::from(set)))
}

/// The rules in force at a unit: its own active version, or the nearest one above it (said in
/// `from_unit_id`). For the unit's residents and the staff over it; 404 `no_points_rules` when
/// none is in force.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses((status = 200, body = PointsRulesInForceView), (status = 404, body = ErrorBody))
)]
#[get("/org-units/{id}/points/rules")]
pub async fn rules_in_force(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit) = (auth.0, id.into_inner().into_string());
    let asked = unit.clone();
    let set = state.db.run(move |conn| rules::in_force_for(conn, &principal, &unit)).await?;
    Ok(HttpResponse::Ok().json(PointsRulesInForceView::new(asked, set)))
}
