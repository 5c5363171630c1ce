//! Deciding a matter over HTTP: the suggestion sheet, the resolution with its commitments,
//! guidance closing a private matter, and mediation agreements with their acknowledgements.

use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDateTime;
use domain::deliberation::values::{BODY_MAX, OPINION_MAX};
use domain::deliberation::{AgreementId, DecidedBy, MatterId};
use infra::deliberation::commitments::CommitmentDraft;
use infra::deliberation::decisions::{self, AgreementDraft, AgreementView as Agreement, PartyDraft, Resolution};
use infra::deliberation::service::written;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::commitments::CommitmentView;
use super::dto::MatterView;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::support::{rfc3339, RequestMeta};
use crate::state::AppState;

pub(crate) fn now_utc(state: &AppState) -> NaiveDateTime {
    state.clock.now().naive_utc()
}

/// An RFC 3339 time, as `field`.
pub(crate) use crate::http::support::parse_rfc3339 as parse_time;

fn text(value: String, field: &'static str, max: usize) -> Result<String, ApiError> {
    Ok(written(Some(value), field, max, true)?.unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// DTOs

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SuggestionBody {
    /// The council's suggestion to the committees.
    #[schema(schema_with = super::dto::text_schema)]
    pub body: String,
}

/// A commitment as a resolution or agreement states it: `owner_id` (a person) or
/// `owner_committee` (e.g. 村委会), never both.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CommitmentBody {
    pub owner_id: Option<String>,
    pub owner_committee: Option<String>,
    #[schema(schema_with = super::dto::note_schema)]
    pub what: String,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub due_at: String,
}

impl CommitmentBody {
    fn parse(self) -> Result<CommitmentDraft, ApiError> {
        let owner_committee = written(self.owner_committee, "owner_committee", 40, false)?;
        Ok(CommitmentDraft {
            owner_id: self.owner_id,
            owner_committee,
            what: text(self.what, "what", OPINION_MAX)?,
            due_at: parse_time(&self.due_at, "due_at")?,
        })
    }
}

fn parse_all(items: Vec<CommitmentBody>) -> Result<Vec<CommitmentDraft>, ApiError> {
    items.into_iter().map(CommitmentBody::parse).collect()
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ResolutionBody {
    /// council, committees, assembly_vote or department.
    #[schema(schema_with = crate::contract::decided_by)]
    pub decided_by: String,
    #[schema(schema_with = super::dto::text_schema)]
    pub body: String,
    pub meeting_id: Option<String>,
    /// The poll (its id) whose published result decided — a poll of this matter that reached
    /// its quorum — or the reference of a paper vote at an assembly meeting.
    pub vote_ref: Option<String>,
    #[serde(default)]
    pub commitments: Vec<CommitmentBody>,
}

impl ResolutionBody {
    fn parse(self) -> Result<Resolution, ApiError> {
        Ok(Resolution {
            decided_by: DecidedBy::parse(&self.decided_by)?,
            body: text(self.body, "body", BODY_MAX)?,
            meeting_id: self.meeting_id,
            vote_ref: written(self.vote_ref, "vote_ref", 100, false)?,
            commitments: parse_all(self.commitments)?,
        })
    }
}

/// The decision that resolved a matter (民识).
#[derive(Debug, Serialize, ToSchema)]
pub struct ResolutionView {
    pub matter_id: String,
    pub decided_by: String,
    pub body: String,
    pub meeting_id: Option<String>,
    pub vote_ref: Option<String>,
    pub recorded_by: String,
    pub decided_at: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct GuidanceBody {
    #[schema(schema_with = super::dto::note_schema)]
    pub guidance: String,
    /// A service, social organisation or social worker of the village's directory.
    pub referral_member_id: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PartyBody {
    pub user_id: Option<String>,
    #[schema(schema_with = super::dto::short_schema)]
    pub name: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AgreementBody {
    #[schema(schema_with = super::dto::text_schema)]
    pub body: String,
    /// Two to twenty parties.
    #[schema(min_items = 2, max_items = 20)]
    pub parties: Vec<PartyBody>,
    #[serde(default)]
    pub commitments: Vec<CommitmentBody>,
}

impl AgreementBody {
    fn parse(self) -> Result<AgreementDraft, ApiError> {
        let parties = self
            .parties
            .into_iter()
            .map(|p| Ok(PartyDraft { user_id: p.user_id, name: text(p.name, "parties", 40)? }))
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(AgreementDraft {
            body: text(self.body, "body", BODY_MAX)?,
            parties,
            commitments: parse_all(self.commitments)?,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyView {
    pub id: String,
    pub user_id: Option<String>,
    pub name: String,
    pub acknowledged: bool,
    pub acknowledged_at: Option<String>,
    /// app or paper.
    pub method: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: String,
    pub matter_id: String,
    pub body: String,
    pub created_by: String,
    pub created_at: String,
    pub parties: Vec<PartyView>,
    pub commitments: Vec<CommitmentView>,
}

impl From<Agreement> for AgreementView {
    fn from(v: Agreement) -> Self {
        Self {
            id: v.row.id,
            matter_id: v.row.matter_id,
            body: v.row.body,
            created_by: v.row.created_by,
            created_at: rfc3339(v.row.created_at),
            parties: v
                .parties
                .into_iter()
                .map(|p| PartyView {
                    id: p.id,
                    user_id: p.user_id,
                    name: p.name,
                    acknowledged: p.acknowledged_at.is_some(),
                    acknowledged_at: p.acknowledged_at.map(rfc3339),
                    method: p.method,
                })
                .collect(),
            commitments: v.commitments.into_iter().map(CommitmentView::from).collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// The council's suggestion sheet (民情建议单) to the committees (Wuyi big): the matter waits for
/// their decision.
#[utoipa::path(tag = "deliberation", request_body = SuggestionBody, params(("id" = String, Path)), responses((status = 200, body = MatterView), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/suggestion")]
pub async fn suggest_matter(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<SuggestionBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, rules) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), super::rules(&state));
    let text = text(body.into_inner().body, "body", BODY_MAX)?;
    let min_days = rules.solicit_min_days;
    let view = state.db.run(move |conn| decisions::suggest(conn, &caller, id.as_str(), text, min_days, now)).await?;
    Ok(HttpResponse::Ok().json(MatterView::from(view)))
}

/// Records the decision resolving a matter (民识), by whoever decides on its route, with its
/// commitments.
#[utoipa::path(tag = "deliberation", request_body = ResolutionBody, params(("id" = String, Path)), responses((status = 200, body = MatterView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/matters/{id}/resolution")]
pub async fn resolve_matter(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<ResolutionBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, rules) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), super::rules(&state));
    let resolution = body.into_inner().parse()?;
    let min_days = rules.solicit_min_days;
    let view =
        state.db.run(move |conn| decisions::resolve(conn, &caller, id.as_str(), &resolution, min_days, now)).await?;
    Ok(HttpResponse::Ok().json(MatterView::from(view)))
}

/// The decision that resolved a matter; not found before it is resolved.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = ResolutionView), (status = 404, body = ErrorBody)))]
#[get("/matters/{id}/resolution")]
pub async fn get_resolution(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<MatterId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let found = state.db.run(move |conn| decisions::resolution_of(conn, &principal, id.as_str())).await?;
    let r = found.ok_or_else(|| ApiError::from(infra::deliberation::DeliberationError::NotFound))?;
    Ok(HttpResponse::Ok().json(ResolutionView {
        matter_id: r.matter_id,
        decided_by: r.decided_by,
        body: r.body,
        meeting_id: r.meeting_id,
        vote_ref: r.vote_ref,
        recorded_by: r.recorded_by,
        decided_at: rfc3339(r.decided_at),
    }))
}

/// Closes a private matter (Pengshui) with guidance and a referral to a service.
#[utoipa::path(tag = "deliberation", request_body = GuidanceBody, params(("id" = String, Path)), responses((status = 200, body = MatterView), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/guidance")]
pub async fn guide_matter(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<GuidanceBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, body) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner());
    let guidance = text(body.guidance, "guidance", OPINION_MAX)?;
    let member = body.referral_member_id;
    let view = state
        .db
        .run(move |conn| decisions::guide(conn, &caller, id.as_str(), guidance, member.as_deref(), now))
        .await?;
    Ok(HttpResponse::Ok().json(MatterView::from(view)))
}

/// Records a mediation agreement on a matter, with its parties and commitments.
#[utoipa::path(tag = "deliberation", request_body = AgreementBody, params(("id" = String, Path)), responses((status = 201, body = AgreementView), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/agreements")]
pub async fn create_agreement(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<AgreementBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, draft) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner().parse()?);
    let view = state.db.run(move |conn| decisions::agree(conn, &caller, id.as_str(), &draft, now)).await?;
    Ok(HttpResponse::Created().json(AgreementView::from(view)))
}

/// A mediation agreement with each party's acknowledgement.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = AgreementView)))]
#[get("/agreements/{id}")]
pub async fn get_agreement(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<AgreementId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let view = state.db.run(move |conn| decisions::agreement(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(AgreementView::from(view)))
}

/// A party acknowledges the agreement, once.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = AgreementView), (status = 409, body = ErrorBody)))]
#[post("/agreements/{id}/acknowledge")]
pub async fn acknowledge_agreement(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<AgreementId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let view = state.db.run(move |conn| decisions::acknowledge(conn, &caller, id.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(AgreementView::from(view)))
}

/// A cadre records a party's signature on paper.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path), ("party_id" = String, Path)), responses((status = 200, body = AgreementView), (status = 409, body = ErrorBody)))]
#[post("/agreements/{id}/parties/{party_id}/paper")]
pub async fn record_paper_acknowledgement(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    path: web::Path<(AgreementId, String)>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, (id, party)) = (meta.caller(auth.0), now_utc(&state), path.into_inner());
    let view = state.db.run(move |conn| decisions::record_paper(conn, &caller, id.as_str(), &party, now)).await?;
    Ok(HttpResponse::Ok().json(AgreementView::from(view)))
}
