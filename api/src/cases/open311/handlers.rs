//! Open311's handlers under `/open311/v2`, and the key administration under `/api/v1`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use domain::cases::routing::Channel;
use domain::cases::Open311KeyId;
use infra::cases::service::{self};
use infra::cases::{keys, queries};
use serde_json::{json, Value};

use super::dto::*;
use super::error::{check_jurisdiction, o311, respond, Open311Error, Open311ErrorItem};
use super::format::*;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::support::{Done, RequestMeta};
use crate::state::AppState;

// ---------------------------------------------------------------------------------------------
// Reading

/// Discovery, services and requests, as `.json` or `.xml` (public). Services lists only the
/// categories whose requests are public, the ones a client may post and then follow. A query
/// parameter holding a control character (other than newline and tab) answers 422.
#[utoipa::path(
    tag = "open311",
    params(("file" = String, Path, description = "discovery, services or requests, with .json or .xml")),
    responses(
        (status = 200, description = "GeoReport v2 answer: discovery is an object; services and requests are arrays", content_type = "application/json", body = serde_json::Value),
        (status = 400, description = "GeoReport v2 errors", body = [Open311ErrorItem]),
        (status = 404, description = "GeoReport v2 errors", body = [Open311ErrorItem]),
        (status = 422, description = "GeoReport v2 errors", body = [Open311ErrorItem])
    )
)]
#[get("/{file}")]
pub async fn open311_get(state: web::Data<AppState>, req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    let file = file.into_inner();
    respond(format_of(&file), async move {
        let (stem, format) = split_file(&file).ok_or_else(|| o311(StatusCode::NOT_FOUND, "no such resource"))?;
        let q = requests_query(&req)?;
        check_jurisdiction(&state.config.open311_jurisdiction, q.jurisdiction_id.as_deref())?;
        let (root, item, value) = match stem {
            "discovery" => ("discovery", "discovery", discovery(&state, &base_url(&req))),
            "services" => ("services", "service", services(&state).await?),
            "requests" => ("service_requests", "request", requests(&state, q.into_public_query()?).await?),
            _ => return Err(o311(StatusCode::NOT_FOUND, "no such resource")),
        };
        Ok(answer(StatusCode::OK, format, root, item, &value))
    })
    .await
}

/// The offered services.
async fn services(state: &AppState) -> Result<Value, Open311Error> {
    let rows = state.db.run(|conn| queries::offered(conn, Channel::Open311)).await?;
    Ok(rows.iter().map(service).collect())
}

/// The public requests a query asks for.
async fn requests(state: &AppState, query: queries::PublicQuery) -> Result<Value, Open311Error> {
    let found = state.db.run(move |conn| queries::public_requests(conn, &query)).await?;
    Ok(Value::Array(found.iter().map(request_view).collect()))
}

/// A service definition: its attributes (public; offered services only).
#[utoipa::path(
    tag = "open311",
    params(("file" = String, Path, description = "service_code with .json or .xml")),
    responses(
        (status = 200, description = "GeoReport v2 service definition", content_type = "application/json", body = Object),
        (status = 404, description = "GeoReport v2 errors", body = [Open311ErrorItem])
    )
)]
#[get("/services/{file}")]
pub async fn open311_service(state: web::Data<AppState>, file: web::Path<String>) -> HttpResponse {
    let file = file.into_inner();
    respond(format_of(&file), async move {
        let (code, format) = split_file(&file).ok_or_else(|| o311(StatusCode::NOT_FOUND, "no such service"))?;
        let code = code.to_owned();
        let row = state
            .db
            .run(move |conn| queries::offered_category(conn, Channel::Open311, &code))
            .await?
            .ok_or_else(|| o311(StatusCode::NOT_FOUND, "no such service"))?;
        Ok(answer(StatusCode::OK, format, "service_definition", "service_definition", &definition(&row)))
    })
    .await
}

/// A public request by the id a path names (a name that is no id names nothing).
async fn public_request(state: &AppState, id: &str) -> Result<Option<queries::PublicRequest>, Open311Error> {
    if !domain::ids::is_valid_id(id) {
        return Ok(None);
    }
    let id = id.to_owned();
    Ok(state.db.run(move |conn| queries::public_request(conn, &id)).await?)
}

/// One public request, as a one-element list (the standard's form).
#[utoipa::path(
    tag = "open311",
    params(("file" = String, Path, description = "service_request_id with .json or .xml")),
    responses(
        (status = 200, description = "GeoReport v2 request: a one-element array, as the standard says", content_type = "application/json", body = Vec<Object>),
        (status = 404, description = "GeoReport v2 errors", body = [Open311ErrorItem])
    )
)]
#[get("/requests/{file}")]
pub async fn open311_request(state: web::Data<AppState>, file: web::Path<String>) -> HttpResponse {
    let file = file.into_inner();
    respond(format_of(&file), async move {
        let missing = || o311(StatusCode::NOT_FOUND, "no such service request");
        let (id, format) = split_file(&file).ok_or_else(missing)?;
        let found = public_request(&state, id).await?.ok_or_else(missing)?;
        Ok(answer(StatusCode::OK, format, "service_requests", "request", &Value::Array(vec![request_view(&found)])))
    })
    .await
}

/// The request a token stands for (the token is the request's id). Like the reads, it answers
/// for public requests only: a private or anonymous case's id is answered as unknown.
#[utoipa::path(
    tag = "open311",
    params(("file" = String, Path, description = "token with .json or .xml")),
    responses(
        (status = 200, description = "GeoReport v2 token answer: a one-element array", content_type = "application/json", body = Vec<Object>),
        (status = 404, description = "GeoReport v2 errors", body = [Open311ErrorItem])
    )
)]
#[get("/tokens/{file}")]
pub async fn open311_token(state: web::Data<AppState>, file: web::Path<String>) -> HttpResponse {
    let file = file.into_inner();
    respond(format_of(&file), async move {
        let missing = || o311(StatusCode::NOT_FOUND, "no such token");
        let (token, format) = split_file(&file).ok_or_else(missing)?;
        let found = public_request(&state, token).await?.ok_or_else(missing)?;
        let body = json!([{ "service_request_id": found.case.id, "token": found.case.id }]);
        Ok(answer(StatusCode::OK, format, "service_requests", "request", &body))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Posting

/// Posts a request (form-encoded, with a staff `api_key`): it becomes a public case, routed to
/// the grid holding `lat`/`long` (WGS-84, in China), reported by the key's account. Only the
/// offered services (categories whose requests are public) may be posted, so the request can be
/// followed at `requests/{id}`; any other `service_code` is unknown. A field holding a control
/// character (other than newline and tab), or a point outside China, answers 422.
#[utoipa::path(
    tag = "open311",
    params(("file" = String, Path, description = "requests.json or requests.xml")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "api_key, service_code, lat, long or address_string, description, media_url, attribute[urgency]"),
    responses(
        (status = 200, description = "[{service_request_id, token, service_notice, account_id}]", content_type = "application/json", body = Vec<Object>),
        (status = 400, description = "GeoReport v2 errors", body = [Open311ErrorItem]),
        (status = 403, description = "GeoReport v2 errors", body = [Open311ErrorItem]),
        (status = 422, description = "GeoReport v2 errors", body = [Open311ErrorItem])
    )
)]
#[post("/{file}")]
pub async fn open311_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    file: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let file = file.into_inner();
    respond(format_of(&file), async move {
        let (stem, format) = split_file(&file).ok_or_else(|| o311(StatusCode::NOT_FOUND, "no such resource"))?;
        if stem != "requests" {
            return Err(o311(StatusCode::NOT_FOUND, "no such resource"));
        }
        let posted = posted_request(&req, &body, &state.config.open311_jurisdiction)?;
        let (rules, now) = (crate::cases::rules(&state), state.clock.now().naive_utc());
        let id = state
            .db
            .run(move |conn| service::open311_request(conn, &posted.api_key, &posted.report, &rules, now))
            .await?;
        let body = json!([{ "service_request_id": id, "token": id, "service_notice": "已受理登记，将由网格员处理", "account_id": Value::Null }]);
        Ok(answer(StatusCode::OK, format, "service_requests", "request", &body))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Keys (under /api/v1)

/// Creates an Open311 API key acting as the caller (staff with a grid worker's role or above);
/// the secret is shown once.
#[utoipa::path(tag = "open311", request_body = NewKey, responses((status = 201, body = KeyView), (status = 403, body = ErrorBody)))]
#[post("/open311-keys")]
pub async fn create_key(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<NewKey>,
) -> Result<HttpResponse, ApiError> {
    let (actor, name, now) = (meta.caller(auth.0), body.into_inner().name, state.clock.now().naive_utc());
    let (key, secret) = state.db.run(move |conn| service::create_key(conn, &actor, &name, now)).await?;
    let mut view = KeyView::from(key);
    view.api_key = Some(secret);
    Ok(HttpResponse::Created().json(view))
}

/// The caller's keys (admins: every key).
#[utoipa::path(tag = "open311", responses((status = 200, body = KeyList)))]
#[get("/open311-keys")]
pub async fn list_keys(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let rows = state.db.run(move |conn| keys::listed_for(conn, &principal).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(KeyList { items: rows.into_iter().map(KeyView::from).collect() }))
}

/// Revokes a key at once (its owner or an admin).
#[utoipa::path(tag = "open311", params(("id" = String, Path)), responses((status = 200, body = Done)))]
#[delete("/open311-keys/{id}")]
pub async fn revoke_key(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<Open311KeyId>,
) -> Result<HttpResponse, ApiError> {
    let (actor, id, now) = (meta.caller(auth.0), id.into_inner(), state.clock.now().naive_utc());
    state.db.run(move |conn| service::revoke_key(conn, &actor, &id, now)).await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}
