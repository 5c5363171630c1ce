//! The content check over HTTP: WeChat's verdict asked before a write, the local word list
//! (admins), and moderation — the queue of held matters and opinions of a village, and the
//! moderator's approve or reject.

use std::time::Duration;

use actix_web::{delete, get, post, web, HttpResponse};
use domain::deliberation::{MatterId, OpinionId, WeChatVerdict};
use domain::identity::principal::Principal;
use infra::deliberation::content::{self, HeldOpinion, Moderated, WordRow};
use infra::wechat::{Scene, Suggest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::MatterView;
use super::handlers::now_utc;
use super::opinions::OpinionView;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::{rfc3339, RequestMeta};
use crate::state::AppState;

/// How long a resident's post waits for WeChat's verdict before it is held instead.
const WECHAT_PATIENCE: Duration = Duration::from_secs(3);

/// WeChat's `msg_sec_check` (version 2) on `text` by `author` in `scene`, under the openid of
/// the person who wrote it (the staff member acting for a resident, else the resident): `None`
/// when WeChat is not configured or nobody involved has an openid (a staff member with a
/// password account acting for a resident without WeChat: the word list still applies, and the
/// audit log names them); `Unavailable` (held for a moderator, never blocking) when WeChat errs
/// or is slow.
pub(crate) async fn wechat_verdict(
    state: &AppState,
    author: &Principal,
    text: &str,
    scene: Scene,
) -> Option<WeChatVerdict> {
    if state.wechat.is_development() {
        return None;
    }
    let ids = (author.user_id.clone(), author.subject().to_owned());
    let openid = state
        .db
        .run(move |conn| {
            let contacts = |conn: &mut _, id: &str| {
                infra::identity::queries::users::contacts(conn, id).map_err(infra::InfraError::from)
            };
            match contacts(conn, &ids.0)?.0 {
                Some(openid) => Ok::<_, ApiError>(Some(openid)),
                None => Ok(contacts(conn, &ids.1)?.0),
            }
        })
        .await;
    let openid = match openid {
        Ok(Some(openid)) => openid,
        Ok(None) => return None,
        Err(error) => {
            tracing::warn!(%error, "no openid for the content check: holding the text for a moderator");
            return Some(WeChatVerdict::Unavailable);
        }
    };
    match tokio::time::timeout(WECHAT_PATIENCE, state.wechat.msg_sec_check(&openid, scene, text)).await {
        Ok(Ok(Suggest::Pass)) => Some(WeChatVerdict::Pass),
        Ok(Ok(Suggest::Review)) => Some(WeChatVerdict::Review),
        Ok(Ok(Suggest::Risky)) => Some(WeChatVerdict::Risky),
        Ok(Err(error)) => {
            tracing::warn!(%error, "WeChat content check failed: holding the text for a moderator");
            Some(WeChatVerdict::Unavailable)
        }
        Err(_) => {
            tracing::warn!("WeChat content check timed out: holding the text for a moderator");
            Some(WeChatVerdict::Unavailable)
        }
    }
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_moderation_words)
        .service(add_moderation_word)
        .service(remove_moderation_word)
        .service(moderation_queue)
        .service(moderate_matter)
        .service(moderate_opinion);
}

// ---------------------------------------------------------------------------------------------
// Bodies

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WordBody {
    /// A word or phrase whose presence holds a text for a moderator (spaces inside are ignored
    /// when matching).
    #[schema(example = "法轮", min_length = 1, max_length = 40)]
    pub word: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WordView {
    pub word: String,
    pub added_by: Option<String>,
    pub created_at: String,
}

impl From<WordRow> for WordView {
    fn from(row: WordRow) -> Self {
        Self { word: row.word, added_by: row.added_by, created_at: rfc3339(row.created_at) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WordList {
    pub items: Vec<WordView>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueQuery {
    /// The village whose held text the caller moderates.
    pub village_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeldOpinionView {
    #[serde(flatten)]
    pub opinion: OpinionView,
    pub matter_title: String,
}

impl From<HeldOpinion> for HeldOpinionView {
    fn from(held: HeldOpinion) -> Self {
        Self {
            opinion: OpinionView::from_row(held.row, held.author_name, false, true),
            matter_title: held.matter_title,
        }
    }
}

/// What waits for a moderator in a village, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModerationQueue {
    pub matters: Vec<MatterView>,
    pub opinions: Vec<HeldOpinionView>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ModerationBody {
    /// approve (others see it now) or reject (the author is told the reason).
    #[schema(example = "approve", pattern = "^(approve|reject)$")]
    pub decision: String,
    /// Required to reject; told to the author.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

impl ModerationBody {
    pub fn parse(self) -> Result<Moderated, ApiError> {
        Ok(Moderated::parse(&self.decision, self.reason)?)
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// The local word list of the content check (admins).
#[utoipa::path(tag = "deliberation", responses((status = 200, body = WordList), (status = 403, body = ErrorBody)))]
#[get("/moderation-words")]
pub async fn list_moderation_words(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let rows = state.db.run(move |conn| content::words(conn, &principal).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(WordList { items: rows.into_iter().map(WordView::from).collect() }))
}

/// Adds a word to the list (admins): text containing it is held for a moderator.
#[utoipa::path(tag = "deliberation", request_body = WordBody, responses((status = 201, body = WordView), (status = 409, body = ErrorBody)))]
#[post("/moderation-words")]
pub async fn add_moderation_word(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<WordBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, word) = (meta.caller(auth.0), now_utc(&state), content::word(body.into_inner().word)?);
    let row = state.db.run(move |conn| content::add_word(conn, &caller, &word, now)).await?;
    Ok(HttpResponse::Created().json(WordView::from(row)))
}

/// Takes a word off the list (admins).
#[utoipa::path(tag = "deliberation", params(("word" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[delete("/moderation-words/{word}")]
pub async fn remove_moderation_word(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    word: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, word) = (meta.caller(auth.0), now_utc(&state), word.into_inner());
    state.db.run(move |conn| content::remove_word(conn, &caller, &word, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Held matters and opinions of a village, oldest first, for its moderators.
#[utoipa::path(tag = "deliberation", params(QueueQuery), responses((status = 200, body = ModerationQueue), (status = 403, body = ErrorBody)))]
#[get("/moderation/queue")]
pub async fn moderation_queue(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, village) = (auth.0, query.into_inner().village_id);
    let queue = state.db.run(move |conn| content::queue(conn, &principal, &village)).await?;
    Ok(HttpResponse::Ok().json(ModerationQueue {
        matters: queue.matters.into_iter().map(MatterView::from).collect(),
        opinions: queue.opinions.into_iter().map(HeldOpinionView::from).collect(),
    }))
}

/// Approves a held matter (its triagers are told now) or rejects it with a reason (declined);
/// the author is told either way.
#[utoipa::path(tag = "deliberation", request_body = ModerationBody, params(("id" = String, Path)), responses((status = 200, body = MatterView), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/moderation")]
pub async fn moderate_matter(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<ModerationBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, decision) =
        (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner().parse()?);
    let view = state.db.run(move |conn| content::moderate_matter(conn, &caller, id.as_str(), &decision, now)).await?;
    Ok(HttpResponse::Ok().json(MatterView::from(view)))
}

/// Approves or rejects a held opinion; the author is told either way.
#[utoipa::path(tag = "deliberation", request_body = ModerationBody, params(("id" = String, Path)), responses((status = 200, body = OpinionView), (status = 409, body = ErrorBody)))]
#[post("/opinions/{id}/moderation")]
pub async fn moderate_opinion(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OpinionId>,
    body: Json<ModerationBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, decision) =
        (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner().parse()?);
    let row = state.db.run(move |conn| content::moderate_opinion(conn, &caller, id.as_str(), &decision, now)).await?;
    Ok(HttpResponse::Ok().json(OpinionView::from_row(row, None, false, true)))
}
