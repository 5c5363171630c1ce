//! Commitments over HTTP: a matter's list, progress reports by their owner, and the supervision
//! sheet's extension and escalation.

use actix_web::{get, post, web, HttpResponse};
use domain::deliberation::values::OPINION_MAX;
use domain::deliberation::{CommitmentId, MatterId, SheetId};
use infra::deliberation::commitments::{self, CommitmentView as Commitment, Progress};
use infra::deliberation::service::written;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::decisions::{now_utc, parse_time};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::support::{rfc3339, RequestMeta};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressView {
    pub id: String,
    pub author_id: String,
    pub body: String,
    pub done: bool,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommitmentView {
    pub id: String,
    pub matter_id: String,
    pub agreement_id: Option<String>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub owner_committee: Option<String>,
    pub what: String,
    pub due_at: String,
    /// open, done or escalated.
    pub status: String,
    pub extensions: i32,
    pub overdue: bool,
    pub done_at: Option<String>,
    /// Its supervision sheet (民情督办单), once it slipped.
    pub supervision_sheet_id: Option<String>,
    pub progress: Vec<ProgressView>,
}

impl From<Commitment> for CommitmentView {
    fn from(v: Commitment) -> Self {
        let r = v.row;
        Self {
            id: r.id,
            matter_id: r.matter_id,
            agreement_id: r.agreement_id,
            owner_id: r.owner_id,
            owner_name: v.owner_name,
            owner_committee: r.owner_committee,
            what: r.what,
            due_at: rfc3339(r.due_at),
            status: r.status,
            extensions: r.extensions,
            overdue: r.overdue_at.is_some(),
            done_at: r.done_at.map(rfc3339),
            supervision_sheet_id: v.sheet_id,
            progress: v
                .progress
                .into_iter()
                .map(|p| ProgressView {
                    id: p.id,
                    author_id: p.author_id,
                    body: p.body,
                    done: p.done,
                    created_at: rfc3339(p.created_at),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommitmentList {
    pub items: Vec<CommitmentView>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ProgressBody {
    #[schema(schema_with = super::dto::note_schema)]
    pub body: String,
    #[serde(default)]
    pub done: bool,
    #[serde(default)]
    pub media: Vec<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ExtendBody {
    /// The new deadline, RFC 3339.
    #[schema(format = DateTime)]
    pub due_at: String,
    #[schema(schema_with = super::dto::note_schema)]
    pub reason: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SheetEscalateBody {
    pub note: Option<String>,
}

fn required(value: String, field: &'static str) -> Result<String, ApiError> {
    Ok(written(Some(value), field, OPINION_MAX, true)?.unwrap_or_default())
}

/// The commitments of a matter (有诺必践), with their reports.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = CommitmentList)))]
#[get("/matters/{id}/commitments")]
pub async fn list_commitments(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<MatterId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let rows = state.db.run(move |conn| commitments::of_matter(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(CommitmentList { items: rows.into_iter().map(CommitmentView::from).collect() }))
}

/// Reports progress on a commitment (its owner; cadres for a committee's); `done` keeps it.
#[utoipa::path(tag = "deliberation", request_body = ProgressBody, params(("id" = String, Path)), responses((status = 200, body = CommitmentView), (status = 409, body = ErrorBody)))]
#[post("/commitments/{id}/progress")]
pub async fn report_progress(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<CommitmentId>,
    body: Json<ProgressBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, body) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner());
    let progress = Progress { body: required(body.body, "body")?, done: body.done, media: body.media };
    let view = state.db.run(move |conn| commitments::report(conn, &caller, id.as_str(), &progress, now)).await?;
    Ok(HttpResponse::Ok().json(CommitmentView::from(view)))
}

/// Extends a slipped commitment's deadline, once (supervisors).
#[utoipa::path(tag = "deliberation", request_body = ExtendBody, params(("id" = String, Path)), responses((status = 200, body = CommitmentView), (status = 409, body = ErrorBody)))]
#[post("/supervision-sheets/{id}/extend")]
pub async fn extend_commitment(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<SheetId>,
    body: Json<ExtendBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, body) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner());
    let (due, reason) = (parse_time(&body.due_at, "due_at")?, required(body.reason, "reason")?);
    let view = state.db.run(move |conn| commitments::extend(conn, &caller, id.as_str(), due, reason, now)).await?;
    Ok(HttpResponse::Ok().json(CommitmentView::from(view)))
}

/// Sends a slipped commitment to the township (supervisors).
#[utoipa::path(tag = "deliberation", request_body = SheetEscalateBody, params(("id" = String, Path)), responses((status = 200, body = CommitmentView), (status = 409, body = ErrorBody)))]
#[post("/supervision-sheets/{id}/escalate")]
pub async fn escalate_commitment(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<SheetId>,
    body: Json<SheetEscalateBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let note = written(body.into_inner().note, "note", OPINION_MAX, false)?;
    let view = state.db.run(move |conn| commitments::escalate(conn, &caller, id.as_str(), note, now)).await?;
    Ok(HttpResponse::Ok().json(CommitmentView::from(view)))
}
