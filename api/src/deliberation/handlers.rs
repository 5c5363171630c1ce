//! The deliberation feature's handlers: each extracts, parses into domain values, calls one
//! infra service or query, and maps the answer.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use domain::deliberation::{MatterId, TriageItemId};
use domain::identity::ids::OrgUnitId;
use infra::deliberation::queries;
use infra::deliberation::service::{self};

use super::dto::*;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub(super) fn now_utc(state: &AppState) -> NaiveDateTime {
    state.clock.now().naive_utc()
}

// ---------------------------------------------------------------------------------------------
// Catalogs and schemes

/// The catalog of deliberable matters: four categories and their sub-items.
#[utoipa::path(tag = "deliberation", responses((status = 200, body = DeliberationCategoryList)))]
#[get("/deliberation-categories")]
pub async fn list_deliberation_categories(state: web::Data<AppState>, _auth: Auth) -> Result<HttpResponse, ApiError> {
    let rows = state.db.run(|conn| queries::categories(conn).map_err(ApiError::from)).await?;
    let items = rows.into_iter().map(DeliberationCategoryView::from).collect();
    Ok(HttpResponse::Ok().json(DeliberationCategoryList { items }))
}

/// Adds a sub-item under one of the four categories (admins).
#[utoipa::path(tag = "deliberation", request_body = DeliberationCategoryView, responses((status = 201, body = DeliberationCategoryView), (status = 409, body = ErrorBody)))]
#[post("/deliberation-categories")]
pub async fn create_deliberation_category(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<DeliberationCategoryView>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, row) = (meta.caller(auth.0), now_utc(&state), body.into_inner().into_row()?);
    let row = state.db.run(move |conn| service::add_category(conn, &caller, &row, now)).await?;
    Ok(HttpResponse::Created().json(DeliberationCategoryView::from(row)))
}

/// Renames, reorders or retires a category or sub-item (admins).
#[utoipa::path(tag = "deliberation", request_body = DeliberationCategoryView, params(("code" = String, Path)), responses((status = 200, body = DeliberationCategoryView), (status = 409, body = ErrorBody)))]
#[put("/deliberation-categories/{code}")]
pub async fn update_deliberation_category(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    code: web::Path<String>,
    body: Json<DeliberationCategoryView>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, code, row) =
        (meta.caller(auth.0), now_utc(&state), code.into_inner(), body.into_inner().into_row()?);
    let row = state
        .db
        .run(move |conn| service::update_category(conn, &caller, &code, &row.name, row.sort_order, row.active, now))
        .await?;
    Ok(HttpResponse::Ok().json(DeliberationCategoryView::from(row)))
}

/// The triage scheme in force at a unit (its own or its nearest ancestor's) and its tiers.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = SchemeView)))]
#[get("/org-units/{id}/triage-scheme")]
pub async fn get_triage_scheme(
    state: web::Data<AppState>,
    _auth: Auth,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().into_string();
    let unit = id.clone();
    let found = state.db.run(move |conn| queries::scheme_of_unit(conn, &unit).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(SchemeView::new(id, found)))
}

/// Chooses the triage scheme of a village, township or county (its cadres and officers).
#[utoipa::path(tag = "deliberation", request_body = SchemeBody, params(("id" = String, Path)), responses((status = 200, body = SchemeView), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[put("/org-units/{id}/triage-scheme")]
pub async fn set_triage_scheme(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    body: Json<SchemeBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, scheme) =
        (meta.caller(auth.0), now_utc(&state), id.into_inner().into_string(), body.parse()?);
    let unit = id.clone();
    let found = state
        .db
        .run(move |conn| {
            service::set_scheme(conn, &caller, &unit, scheme, now)?;
            Ok::<_, ApiError>(queries::scheme_of_unit(conn, &unit)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(SchemeView::new(id, found)))
}

/// The triage reference catalog offered at a unit (its township's items).
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = TriageItemList)))]
#[get("/org-units/{id}/triage-items")]
pub async fn list_triage_items(
    state: web::Data<AppState>,
    _auth: Auth,
    id: web::Path<OrgUnitId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().into_string();
    let rows = state.db.run(move |conn| queries::triage_items_of_unit(conn, &id).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(TriageItemList { items: rows.into_iter().map(TriageItemView::from).collect() }))
}

/// Adds an item to a township's triage reference catalog.
#[utoipa::path(tag = "deliberation", request_body = TriageItemBody, params(("id" = String, Path)), responses((status = 201, body = TriageItemView), (status = 409, body = ErrorBody)))]
#[post("/org-units/{id}/triage-items")]
pub async fn create_triage_item(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    body: Json<TriageItemBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, draft) =
        (meta.caller(auth.0), now_utc(&state), id.into_inner().into_string(), body.into_inner().parse()?);
    let row = state.db.run(move |conn| service::add_triage_item(conn, &caller, &id, &draft, now)).await?;
    Ok(HttpResponse::Created().json(TriageItemView::from(row)))
}

/// Changes a catalog item.
#[utoipa::path(tag = "deliberation", request_body = TriageItemBody, params(("id" = String, Path)), responses((status = 200, body = TriageItemView), (status = 409, body = ErrorBody)))]
#[put("/triage-items/{id}")]
pub async fn update_triage_item(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<TriageItemId>,
    body: Json<TriageItemBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, draft) =
        (meta.caller(auth.0), now_utc(&state), id.into_inner().into_string(), body.into_inner().parse()?);
    let row = state.db.run(move |conn| service::update_triage_item(conn, &caller, &id, &draft, now)).await?;
    Ok(HttpResponse::Ok().json(TriageItemView::from(row)))
}

// ---------------------------------------------------------------------------------------------
// Matters

/// Raises a matter (民提) in a scope the author lives in, with its record sheet (民情记录单); a
/// grid worker or cadre may raise it for a resident with `X-Acting-For` (代办). Its text passes
/// the content check; doubtful text is held for a moderator and seen by its author only.
#[utoipa::path(
    tag = "deliberation",
    request_body = NewMatter,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _")),
    responses((status = 201, body = MatterView), (status = 200, description = "Already raised with this client_id", body = MatterView), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[post("/matters")]
pub async fn raise_matter(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let draft = crate::http::json::parse_bytes::<NewMatter>(&req, &body)?.parse()?;
    let (caller, now, rules) = (meta.caller(auth.0), now_utc(&state), super::rules(&state));
    let key = idempotency::key_from(&req, &caller.principal.user_id, &body)?;
    if let Some(client_id) = draft.client_id.clone() {
        let principal = caller.principal.clone();
        if let Some(view) =
            state.db.run(move |conn| queries::synced(conn, &principal, &client_id).map_err(ApiError::from)).await?
        {
            return Ok(HttpResponse::Ok().json(MatterView::from(view)));
        }
    }
    let wechat = super::content_check(&state, &caller.principal, &format!("{}\n{}", draft.title, draft.body)).await;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(MatterView::from(service::raise(conn, &caller, &draft, wechat, &rules, now)?))
    })
    .await
}

/// Matters of a village (or of the caller's villages), newest first, as the caller may see them.
#[utoipa::path(tag = "deliberation", params(MatterQuery), responses((status = 200, body = MatterPage)))]
#[get("/matters")]
pub async fn list_matters(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<MatterQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, q) = (auth.0, query.into_inner());
    let limit = domain::paging::PageLimit::parse(q.limit)?;
    let before: Option<String> = q.cursor.as_ref().map(|c| state.cursors.decode("matters", c)).transpose()?;
    let filters = q.to_list_query()?;
    let page = state.db.run(move |conn| queries::list(conn, &principal, &filters, before.as_deref(), limit)).await?;
    let next_cursor = page.more_after.map(|last| state.cursors.encode("matters", &last)).transpose()?;
    Ok(HttpResponse::Ok()
        .json(MatterPage { items: page.items.into_iter().map(MatterView::from).collect(), next_cursor }))
}

/// One matter with its whole timeline.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = MatterView)))]
#[get("/matters/{id}")]
pub async fn get_matter(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<MatterId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let view = state.db.run(move |conn| queries::view(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(MatterView::from(view)))
}

/// Supports a matter: residents of its scope, once each.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = MatterView), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/supports")]
pub async fn support_matter(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let view = state.db.run(move |conn| service::support(conn, &caller, id.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(MatterView::from(view)))
}

/// Triages a matter (三事分流) under the scheme in force: the tier, or a catalog item's, and who
/// handles it; a tier overriding the item's says why.
#[utoipa::path(tag = "deliberation", request_body = TriageBody, params(("id" = String, Path)), responses((status = 200, body = MatterView), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/triage")]
pub async fn triage_matter(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<TriageBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, mut triage) =
        (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner().parse()?);
    triage.cases = Some(crate::cases::rules(&state));
    let view = state.db.run(move |conn| service::triage(conn, &caller, id.as_str(), &triage, now)).await?;
    Ok(HttpResponse::Ok().json(MatterView::from(view)))
}

/// Folds a matter into another open one of the same village.
#[utoipa::path(tag = "deliberation", request_body = MatterMergeBody, params(("id" = String, Path)), responses((status = 200, body = MatterView), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/merge")]
pub async fn merge_matter(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<MatterMergeBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, body) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner());
    let note = service::note(body.note, "note", false)?;
    let view = state.db.run(move |conn| service::merge(conn, &caller, id.as_str(), &body.into, note, now)).await?;
    Ok(HttpResponse::Ok().json(MatterView::from(view)))
}

/// Declines a raised matter with a reason its author is told.
#[utoipa::path(tag = "deliberation", request_body = DeclineBody, params(("id" = String, Path)), responses((status = 200, body = MatterView), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/decline")]
pub async fn decline_matter(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<DeclineBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let reason = service::note(Some(body.into_inner().reason), "reason", true)?.unwrap_or_default();
    let view = state.db.run(move |conn| service::decline(conn, &caller, id.as_str(), reason, now)).await?;
    Ok(HttpResponse::Ok().json(MatterView::from(view)))
}
