//! A village's member pool and service directory, the stakeholders invited to a matter, and the
//! village's versioned rules of procedure, over HTTP.

use actix_web::{get, post, put, web, HttpResponse};
use domain::deliberation::{MatterId, MemberId};
use domain::identity::ids::OrgUnitId;
use infra::deliberation::members::{self, DocumentRow, Invitation, MemberDraft, MemberRow, StakeholderRow};
use infra::deliberation::service;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::handlers::now_utc;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::{rfc3339, RequestMeta};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_members)
        .service(add_member)
        .service(update_member)
        .service(list_stakeholders)
        .service(invite_stakeholder)
        .service(get_document)
        .service(publish_document);
}

// ---------------------------------------------------------------------------------------------
// Bodies

/// An entry of a village's member pool (成员库) or of its service directory (kind `service`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MemberBody {
    /// resident_elite (respected resident), xiangxian (乡贤), social_worker, social_org, or
    /// service (the directory of services Pengshui's private matters are referred to).
    #[schema(example = "xiangxian", pattern = "^(resident_elite|xiangxian|social_worker|social_org|service)$")]
    pub kind: String,
    #[schema(example = "杨老师", min_length = 1, max_length = 80)]
    pub name: String,
    /// The member's account, when they have one (invitations reach them in the app).
    pub user_id: Option<String>,
    /// A phone number or address for people without the app.
    #[schema(max_length = 80)]
    pub contact: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl MemberBody {
    pub fn parse(self) -> Result<MemberDraft, ApiError> {
        Ok(MemberDraft {
            kind: members::member_kind(&self.kind)?,
            name: service::written(Some(self.name), "name", 80, true)?.unwrap_or_default(),
            user_id: self.user_id,
            contact: service::written(self.contact, "contact", 80, false)?,
            note: service::note(Some(self.note), "note", false)?.unwrap_or_default(),
            active: self.active,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PoolMemberView {
    pub id: String,
    pub village_id: String,
    pub kind: String,
    pub name: String,
    pub user_id: Option<String>,
    pub contact: Option<String>,
    pub note: String,
    pub active: bool,
    pub created_at: String,
}

impl From<MemberRow> for PoolMemberView {
    fn from(row: MemberRow) -> Self {
        Self {
            id: row.id,
            village_id: row.village_id,
            kind: row.kind,
            name: row.name,
            user_id: row.user_id,
            contact: row.contact,
            note: row.note,
            active: row.active,
            created_at: rfc3339(row.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<PoolMemberView>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MemberQuery {
    /// Only entries of this kind (`service` for the directory).
    #[param(pattern = "^(resident_elite|xiangxian|social_worker|social_org|service)$")]
    pub kind: Option<String>,
}

/// Who is invited: an entry of the village's pool, an account, or a person by name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StakeholderBody {
    pub member_id: Option<String>,
    pub user_id: Option<String>,
    /// Required for a person outside the pool without an account; otherwise defaults to theirs.
    #[schema(max_length = 80)]
    pub name: Option<String>,
}

impl StakeholderBody {
    pub fn parse(self) -> Result<Invitation, ApiError> {
        Ok(Invitation {
            member_id: self.member_id,
            user_id: self.user_id,
            name: service::written(self.name, "name", 80, false)?,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StakeholderView {
    pub id: String,
    pub matter_id: String,
    pub member_id: Option<String>,
    pub user_id: Option<String>,
    pub name: String,
    pub invited_by: String,
    pub created_at: String,
}

impl From<StakeholderRow> for StakeholderView {
    fn from(row: StakeholderRow) -> Self {
        Self {
            id: row.id,
            matter_id: row.matter_id,
            member_id: row.member_id,
            user_id: row.user_id,
            name: row.name,
            invited_by: row.invited_by,
            created_at: rfc3339(row.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StakeholderList {
    pub items: Vec<StakeholderView>,
}

impl From<Vec<StakeholderRow>> for StakeholderList {
    fn from(rows: Vec<StakeholderRow>) -> Self {
        Self { items: rows.into_iter().map(StakeholderView::from).collect() }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DocumentBody {
    #[schema(example = "杨家村村民议事协商规则", min_length = 1, max_length = 80)]
    pub title: String,
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
}

/// The longest document text.
const DOCUMENT_MAX: usize = 20_000;

impl DocumentBody {
    pub fn parse(self) -> Result<(String, String), ApiError> {
        let title = service::title(Some(self.title))?;
        let body = domain::deliberation::values::text(Some(self.body), "body", DOCUMENT_MAX, true)?.unwrap_or_default();
        Ok((title, body))
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub village_id: String,
    pub kind: String,
    pub version: i32,
    pub title: String,
    pub body: String,
    pub created_by: String,
    pub created_at: String,
}

impl From<DocumentRow> for DocumentView {
    fn from(row: DocumentRow) -> Self {
        Self {
            id: row.id,
            village_id: row.village_id,
            kind: row.kind,
            version: row.version,
            title: row.title,
            body: row.body,
            created_by: row.created_by,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// A village's document: the version in force and every version, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentHistory {
    pub latest: Option<DocumentView>,
    pub versions: Vec<DocumentView>,
}

impl From<Vec<DocumentRow>> for DocumentHistory {
    fn from(rows: Vec<DocumentRow>) -> Self {
        let versions: Vec<DocumentView> = rows.into_iter().map(DocumentView::from).collect();
        let latest = versions.first().cloned();
        Self { latest, versions }
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// A village's member pool and service directory (its council members and cadres).
#[utoipa::path(tag = "deliberation", params(("id" = String, Path), MemberQuery), responses((status = 200, body = MemberList), (status = 403, body = ErrorBody)))]
#[get("/org-units/{id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<MemberQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, kind) = (auth.0, id.into_inner().into_string(), query.into_inner().kind);
    let rows = state.db.run(move |conn| members::members(conn, &principal, &id, kind.as_deref())).await?;
    Ok(HttpResponse::Ok().json(MemberList { items: rows.into_iter().map(PoolMemberView::from).collect() }))
}

/// Adds an entry to a village's member pool or service directory (its cadres).
#[utoipa::path(tag = "deliberation", request_body = MemberBody, params(("id" = String, Path)), responses((status = 201, body = PoolMemberView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[post("/org-units/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    body: Json<MemberBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, draft) =
        (meta.caller(auth.0), now_utc(&state), id.into_inner().into_string(), body.into_inner().parse()?);
    let row = state.db.run(move |conn| members::add_member(conn, &caller, &id, &draft, now)).await?;
    Ok(HttpResponse::Created().json(PoolMemberView::from(row)))
}

/// Changes an entry of the pool (its village's cadres).
#[utoipa::path(tag = "deliberation", request_body = MemberBody, params(("id" = String, Path)), responses((status = 200, body = PoolMemberView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[put("/members/{id}")]
pub async fn update_member(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MemberId>,
    body: Json<MemberBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, draft) =
        (meta.caller(auth.0), now_utc(&state), id.into_inner().into_string(), body.into_inner().parse()?);
    let row = state.db.run(move |conn| members::update_member(conn, &caller, &id, &draft, now)).await?;
    Ok(HttpResponse::Ok().json(PoolMemberView::from(row)))
}

/// The stakeholders invited to a matter.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = StakeholderList)))]
#[get("/matters/{id}/stakeholders")]
pub async fn list_stakeholders(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<MatterId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let rows = state.db.run(move |conn| members::stakeholders(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(StakeholderList::from(rows)))
}

/// Invites a stakeholder to a matter (邀约协商): from the member pool, an account, or by name
/// (council members and cadres); an invitee with an account is told.
#[utoipa::path(tag = "deliberation", request_body = StakeholderBody, params(("id" = String, Path)), responses((status = 201, body = StakeholderList), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/stakeholders")]
pub async fn invite_stakeholder(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<StakeholderBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, invitation) =
        (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner().parse()?);
    let rows = state.db.run(move |conn| members::invite(conn, &caller, id.as_str(), &invitation, now)).await?;
    Ok(HttpResponse::Created().json(StakeholderList::from(rows)))
}

/// A village's document (`rules_of_procedure`: 《议事协商规则》): the version in force and
/// every version.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path), ("kind" = String, Path)), responses((status = 200, body = DocumentHistory), (status = 404, body = ErrorBody)))]
#[get("/org-units/{id}/documents/{kind}")]
pub async fn get_document(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(OrgUnitId, String)>,
) -> Result<HttpResponse, ApiError> {
    let (principal, (id, kind)) = (auth.0, path.into_inner());
    let kind = members::document_kind(&kind)?;
    let rows = state.db.run(move |conn| members::documents(conn, &principal, id.as_str(), kind)).await?;
    Ok(HttpResponse::Ok().json(DocumentHistory::from(rows)))
}

/// Publishes the next version of a village's document (its cadres).
#[utoipa::path(tag = "deliberation", request_body = DocumentBody, params(("id" = String, Path), ("kind" = String, Path)), responses((status = 201, body = DocumentView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[post("/org-units/{id}/documents/{kind}")]
pub async fn publish_document(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    path: web::Path<(OrgUnitId, String)>,
    body: Json<DocumentBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, (id, kind)) = (meta.caller(auth.0), now_utc(&state), path.into_inner());
    let (kind, (title, text)) = (members::document_kind(&kind)?, body.into_inner().parse()?);
    let row = state.db.run(move |conn| members::publish(conn, &caller, id.as_str(), kind, &title, &text, now)).await?;
    Ok(HttpResponse::Created().json(DocumentView::from(row)))
}
