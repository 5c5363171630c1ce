//! Opinions (民议) over HTTP: give one (or reply to one), read a matter's opinions, support one
//! once; and a major matter's solicitation window.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use domain::deliberation::{MatterId, OpinionId};
use domain::paging::PageLimit;
use infra::deliberation::opinions::{self, NewOpinion, OpinionRow, SolicitationRow};
use infra::wechat::Scene;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::PersonRef;
use super::handlers::now_utc;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::{rfc3339, RequestMeta};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(post_opinion).service(list_opinions).service(support_opinion).service(open_solicitation);
}

// ---------------------------------------------------------------------------------------------
// Bodies

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewOpinionBody {
    #[schema(min_length = 1, max_length = 500, example = "建议路灯装在小广场东侧，晚上跳舞的人多。")]
    pub body: String,
    /// The opinion this one answers (replies are one level deep: not to a reply).
    pub parent_id: Option<String>,
}

impl NewOpinionBody {
    pub fn parse(self) -> Result<NewOpinion, ApiError> {
        let parent_id = match self.parent_id {
            Some(p) if domain::ids::is_valid_id(&p) => Some(p),
            Some(_) => return Err(ApiError::invalid_field("parent_id", "an opinion id")),
            None => None,
        };
        Ok(NewOpinion { body: opinions::body(Some(self.body))?, parent_id })
    }
}

/// An opinion on a matter, or a reply to one.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionView {
    pub id: String,
    pub matter_id: String,
    pub parent_id: Option<String>,
    pub author: PersonRef,
    /// The staff member who wrote it for the author (代办).
    pub proxy_id: Option<String>,
    pub body: String,
    /// clear, held (seen by its author and moderators only) or rejected.
    pub moderation: String,
    /// Why it was held or rejected: for the author and moderators.
    pub moderation_note: Option<String>,
    pub supports: i32,
    pub supported_by_me: bool,
    pub created_at: String,
}

impl OpinionView {
    pub fn from_row(row: OpinionRow, author_name: Option<String>, supported_by_me: bool, show_note: bool) -> Self {
        Self {
            id: row.id,
            matter_id: row.matter_id,
            parent_id: row.parent_id,
            author: PersonRef { id: row.author_id, display_name: author_name.unwrap_or_default() },
            proxy_id: row.proxy_id,
            body: row.body,
            moderation: row.moderation,
            moderation_note: Some(row.moderation_note).filter(|n| show_note && !n.is_empty()),
            supports: row.supports,
            supported_by_me,
            created_at: rfc3339(row.created_at),
        }
    }
}

impl From<opinions::OpinionView> for OpinionView {
    fn from(v: opinions::OpinionView) -> Self {
        Self::from_row(v.row, v.author_name, v.supported_by_me, v.show_moderation)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionPage {
    pub items: Vec<OpinionView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OpinionQuery {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SolicitationBody {
    /// RFC 3339.
    #[schema(example = "2026-12-02T00:00:00Z")]
    pub opens_at: String,
    /// RFC 3339; at least the deployment's minimum (7 days by default) after `opens_at`.
    #[schema(example = "2026-12-09T00:00:00Z")]
    pub closes_at: String,
}

fn instant(value: &str, field: &str) -> Result<NaiveDateTime, ApiError> {
    crate::http::support::parse_rfc3339(value, field)
}

impl SolicitationBody {
    pub fn parse(&self) -> Result<(NaiveDateTime, NaiveDateTime), ApiError> {
        Ok((instant(&self.opens_at, "opens_at")?, instant(&self.closes_at, "closes_at")?))
    }
}

/// A major matter's solicitation window.
#[derive(Debug, Serialize, ToSchema)]
pub struct SolicitationView {
    pub matter_id: String,
    pub opens_at: String,
    pub closes_at: String,
    pub created_by: String,
    pub created_at: String,
}

impl From<SolicitationRow> for SolicitationView {
    fn from(row: SolicitationRow) -> Self {
        Self {
            matter_id: row.matter_id,
            opens_at: rfc3339(row.opens_at),
            closes_at: rfc3339(row.closes_at),
            created_by: row.created_by,
            created_at: rfc3339(row.created_at),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// Gives an opinion on a matter, or replies to one: residents of its scope, while it is
/// deliberated (inside its solicitation window when one is set). The text passes the content
/// check; doubtful text is held for a moderator and seen by its author only.
#[utoipa::path(
    tag = "deliberation",
    request_body = NewOpinionBody,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _")),
    responses((status = 201, body = OpinionView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/matters/{id}/opinions")]
pub async fn post_opinion(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<MatterId>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let new = crate::http::json::parse_bytes::<NewOpinionBody>(&req, &body)?.parse()?;
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let key = idempotency::key_from(&req, &caller.principal.user_id, &body)?;
    let wechat = super::content::wechat_verdict(&state, &caller.principal, &new.body, Scene::Comment).await;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(OpinionView::from(opinions::post(conn, &caller, id.as_str(), &new, wechat, now)?))
    })
    .await
}

/// A matter's opinions and replies, newest first (replies name their `parent_id`); held ones
/// only for their author and moderators.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path), OpinionQuery), responses((status = 200, body = OpinionPage)))]
#[get("/matters/{id}/opinions")]
pub async fn list_opinions(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<MatterId>,
    query: Query<OpinionQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, q) = (auth.0, id.into_inner(), query.into_inner());
    let limit = PageLimit::parse(q.limit)?;
    let before: Option<String> = q.cursor.as_ref().map(|c| state.cursors.decode("opinions", c)).transpose()?;
    let (items, more_after) =
        state.db.run(move |conn| opinions::list(conn, &principal, id.as_str(), before.as_deref(), limit)).await?;
    let next_cursor = more_after.map(|last| state.cursors.encode("opinions", &last)).transpose()?;
    Ok(HttpResponse::Ok().json(OpinionPage { items: items.into_iter().map(OpinionView::from).collect(), next_cursor }))
}

/// Supports an opinion: residents of the matter's scope, once each.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = OpinionView), (status = 409, body = ErrorBody)))]
#[post("/opinions/{id}/supports")]
pub async fn support_opinion(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OpinionId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let view = state.db.run(move |conn| opinions::support(conn, &caller, id.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(OpinionView::from(view)))
}

/// Opens a major matter's solicitation (征求意见) for a window of at least the minimum period
/// (triagers and council members); the residents of its scope are told. Once per matter.
#[utoipa::path(tag = "deliberation", request_body = SolicitationBody, params(("id" = String, Path)), responses((status = 201, body = SolicitationView), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/solicitation")]
pub async fn open_solicitation(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<SolicitationBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, (opens, closes)) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.parse()?);
    let min_days = state.config.deliberation.solicit_min_days;
    let row =
        state.db.run(move |conn| opinions::solicit(conn, &caller, id.as_str(), opens, closes, min_days, now)).await?;
    Ok(HttpResponse::Created().json(SolicitationView::from(row)))
}
