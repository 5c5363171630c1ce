//! Open311 GeoReport v2 at `/open311/v2`, so existing Open311 clients and city dashboards work
//! unchanged: discovery, services (the category catalog), service definitions, requests (read
//! publicly, posted by staff clients with an API key) and tokens, in JSON and XML, with the
//! standard's field names and its error form `[{code, description}]`. Reads show public cases
//! only, without reporter, with the location coarsened to about 100 m and given in WGS-84.
//! Staff manage their keys under `/api/v1/open311-keys`.
//!
//! Only categories whose requests are public by default are offered (services, definitions,
//! posts): a client must be able to follow what it posts, and the reads show public cases only.
//! A token answers for a public request only, as for an unknown one otherwise.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::cases::{CaseStatus, Urgency};
use domain::geo_cn::{ChinaPoint, Datum};
use domain::identity::principal::{AccountKind, Principal};
use domain::identity::roles::Permission;
use infra::cases::{self as store, keys, CaseFilter, CaseRow};
use infra::identity::{audit, grants, users};
use infra::DbConn;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::json::Json;
use crate::http::support::{check_id, rfc3339, Done, RequestMeta};
use crate::middleware::error_shape::OwnErrorFormat;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// `services.json` → ("services", Json). No resource is named with a control character.
fn split_file(file: &str) -> Option<(&str, Format)> {
    if !domain::text::is_plain(file) {
        return None;
    }
    if let Some(stem) = file.strip_suffix(".json") {
        return Some((stem, Format::Json));
    }
    file.strip_suffix(".xml").map(|stem| (stem, Format::Xml))
}

/// An Open311 error: its status and `[{code, description}]`.
#[derive(Debug)]
struct Open311Error {
    status: StatusCode,
    description: String,
    /// The database connection broke under the request.
    connection_lost: bool,
}

fn o311(status: StatusCode, description: impl Into<String>) -> Open311Error {
    Open311Error { status, description: description.into(), connection_lost: false }
}

impl infra::error::ConnectionLoss for Open311Error {
    fn connection_lost(&self) -> bool {
        self.connection_lost
    }
}

impl Open311Error {
    /// The same error, naming a field as the standard does (`long` where we say `lng`).
    fn renamed(mut self, ours: &str, theirs: &str) -> Self {
        if let Some(rest) = self.description.strip_prefix(&format!("{ours}:")) {
            self.description = format!("{theirs}:{rest}");
        }
        self
    }
}

impl From<ApiError> for Open311Error {
    fn from(error: ApiError) -> Self {
        let status = error.status();
        if status.is_server_error() {
            tracing::error!(cause = error.cause.as_deref().unwrap_or(""), "open311 request failed");
        }
        let field = error.details.as_ref().and_then(|d| Some((d.get("field")?.as_str()?, d.get("reason")?.as_str()?)));
        let answer = match field {
            Some((field, reason)) => o311(status, format!("{field}: {reason}")),
            None => o311(status, error.code.message(crate::http::error::Lang::En)),
        };
        Open311Error { connection_lost: error.connection_lost, ..answer }
    }
}

impl From<diesel::result::Error> for Open311Error {
    fn from(error: diesel::result::Error) -> Self {
        ApiError::from(error).into()
    }
}

impl From<infra::InfraError> for Open311Error {
    fn from(error: infra::InfraError) -> Self {
        ApiError::from(error).into()
    }
}

/// The standard's error shape for JSON and XML.
#[derive(Debug, Serialize, ToSchema)]
pub struct Open311ErrorItem {
    pub code: u16,
    pub description: String,
}

fn xml_escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// A value of an Open311 answer, written as JSON or as XML elements.
fn xml_value(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => out.push_str(&format!("<{name}/>")),
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            let child = match name {
                "attributes" => "attribute",
                "values" => "value",
                "endpoints" => "endpoint",
                "formats" => "format",
                _ => "item",
            };
            for item in items {
                xml_value(out, child, item);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Object(fields) => {
            out.push_str(&format!("<{name}>"));
            for (key, v) in fields {
                xml_value(out, key, v);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", xml_escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

/// Answers `value` in the asked format; lists are wrapped as the standard names them.
fn answer(status: StatusCode, format: Format, root: &str, item: &str, value: &Value) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.extensions_mut().insert(OwnErrorFormat);
    match format {
        Format::Json => response
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8")))
            .body(value.to_string()),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            match value {
                Value::Array(items) => {
                    out.push_str(&format!("<{root}>"));
                    for v in items {
                        xml_value(&mut out, item, v);
                    }
                    out.push_str(&format!("</{root}>"));
                }
                other => xml_value(&mut out, root, other),
            }
            response
                .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8")))
                .body(out)
        }
    }
}

fn error_answer(error: Open311Error, format: Format) -> HttpResponse {
    let body = json!([{ "code": error.status.as_u16(), "description": error.description }]);
    let mut response = answer(error.status, format, "errors", "error", &body);
    if error.status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(1u64));
    }
    response
}

/// Runs an Open311 handler body, answering errors in the standard's form and format.
async fn respond<F>(format: Format, work: F) -> HttpResponse
where
    F: std::future::Future<Output = Result<HttpResponse, Open311Error>>,
{
    match work.await {
        Ok(response) => response,
        Err(error) => error_answer(error, format),
    }
}

fn format_of(file: &str) -> Format {
    split_file(file).map_or(Format::Json, |(_, f)| f)
}

fn check_jurisdiction(state: &AppState, given: Option<&str>) -> Result<(), Open311Error> {
    match given {
        Some(j) if !j.is_empty() && j != state.config.open311_jurisdiction => {
            Err(o311(StatusCode::NOT_FOUND, format!("jurisdiction_id '{j}' is not served here")))
        }
        _ => Ok(()),
    }
}

fn beijing_time(t: NaiveDateTime) -> String {
    t.and_utc().with_timezone(&domain::calendar::beijing()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

// ---------------------------------------------------------------------------------------------
// Reading

fn discovery(state: &AppState, base: &str) -> Value {
    json!({
        "changeset": "2026-11-22T00:00:00+08:00",
        "contact": "议事 Yishi",
        "key_service": "Staff create API keys at /api/v1/open311-keys",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{base}/open311/v2"),
            "changeset": "2026-11-22T00:00:00+08:00",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
        "jurisdiction_id": state.config.open311_jurisdiction,
    })
}

fn service(c: &store::CategoryRow) -> Value {
    json!({
        "service_code": c.code,
        "service_name": c.name,
        "description": c.description,
        "metadata": true,
        "type": "realtime",
        "keywords": c.duty,
        "group": c.duty,
    })
}

fn definition(c: &store::CategoryRow) -> Value {
    json!({
        "service_code": c.code,
        "attributes": [{
            "variable": true,
            "code": "urgency",
            "datatype": "singlevaluelist",
            "required": false,
            "datatype_description": "normal or urgent",
            "order": 1,
            "description": "紧急程度",
            "values": [{ "key": "normal", "name": "一般" }, { "key": "urgent", "name": "紧急" }],
        }],
    })
}

fn agency(level: &str) -> &'static str {
    match level {
        "grid" => "网格",
        "village" => "村（社区）",
        "township" => "乡镇（街道）",
        _ => "县级部门",
    }
}

/// A public case as an Open311 request: no reporter, coarsened WGS-84 location.
fn request_view(case: &CaseRow, names: &std::collections::HashMap<String, String>) -> Value {
    let open = case.closed_at.is_none();
    let (lat, long) = match (case.lat, case.lng) {
        (Some(lat), Some(lng)) => {
            let (wlat, wlng) = domain::geo_cn::gcj02_to_wgs84(lat, lng);
            let (clat, clng) = domain::geo_cn::coarsen(wlat, wlng);
            (json!(clat), json!(clng))
        }
        _ => (Value::Null, Value::Null),
    };
    let updated = [case.closed_at, case.resolved_at, case.first_accepted_at, Some(case.reported_at)]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(case.reported_at);
    let status = CaseStatus::parse(&case.status).map(CaseStatus::label).unwrap_or_default();
    json!({
        "service_request_id": case.id,
        "status": if open { "open" } else { "closed" },
        "status_notes": format!("{}{}", status, case.outcome.as_deref().map(|o| format!("（{o}）")).unwrap_or_default()),
        "service_name": names.get(&case.category).cloned().unwrap_or_default(),
        "service_code": case.category,
        "description": case.description,
        "agency_responsible": agency(&case.level),
        "service_notice": Value::Null,
        "requested_datetime": beijing_time(case.reported_at),
        "updated_datetime": beijing_time(updated),
        "expected_datetime": case.resolve_due.or(case.accept_due).map(beijing_time),
        "address": case.address.clone().unwrap_or_default(),
        "address_id": Value::Null,
        "zipcode": Value::Null,
        "lat": lat,
        "long": long,
        "media_url": Value::Null,
    })
}

/// Whether Open311 offers a category: active, and its requests public by default — so what a
/// client posts is a request it can read back.
fn offered(category: &store::CategoryRow) -> bool {
    category.active && category.public_by_default
}

/// An offered category by its code.
fn offered_category(conn: &mut DbConn, code: &str) -> Result<Option<store::CategoryRow>, Open311Error> {
    Ok(store::category(conn, code)?.filter(offered))
}

fn category_names(conn: &mut DbConn) -> Result<std::collections::HashMap<String, String>, Open311Error> {
    Ok(store::categories(conn)?.into_iter().map(|c| (c.code, c.name)).collect())
}

#[derive(Debug, Deserialize)]
struct RequestsQuery {
    jurisdiction_id: Option<String>,
    service_request_id: Option<String>,
    service_code: Option<String>,
    status: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    page: Option<i64>,
    page_size: Option<i64>,
}

fn w3c_time(value: Option<&str>, field: &str) -> Result<Option<NaiveDateTime>, Open311Error> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc).naive_utc())
                .map_err(|_| o311(StatusCode::BAD_REQUEST, format!("{field} must be a W3C date-time")))
        })
        .transpose()
}

/// The public requests matching the standard's filters, newest first.
fn requests(conn: &mut DbConn, q: RequestsQuery) -> Result<Value, Open311Error> {
    let mut filter = CaseFilter { public_only: true, ..CaseFilter::default() };
    if let Some(ids) = q.service_request_id.filter(|s| !s.is_empty()) {
        let ids: Vec<String> = ids.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        if ids.len() > 100 {
            return Err(o311(StatusCode::BAD_REQUEST, "at most 100 service_request_id values"));
        }
        filter.ids = Some(ids);
    }
    filter.category = q.service_code.filter(|s| !s.is_empty());
    filter.open = match q.status.as_deref() {
        None | Some("") => None,
        Some("open") => Some(true),
        Some("closed") => Some(false),
        Some(_) => return Err(o311(StatusCode::BAD_REQUEST, "status must be open or closed")),
    };
    filter.reported_from = w3c_time(q.start_date.as_deref(), "start_date")?;
    // end_date is inclusive: requests at that very second count.
    filter.reported_to = w3c_time(q.end_date.as_deref(), "end_date")?.map(|t| t + chrono::Duration::seconds(1));
    let page_size = q.page_size.unwrap_or(50);
    let page = q.page.unwrap_or(1);
    if !(1..=100).contains(&page_size) || !(1..=10_000).contains(&page) {
        return Err(o311(StatusCode::BAD_REQUEST, "page from 1, page_size 1 to 100"));
    }
    filter.offset = Some((page - 1) * page_size);
    let rows = store::page(conn, &filter, None, page_size)?;
    let names = category_names(conn)?;
    Ok(Value::Array(rows.iter().map(|c| request_view(c, &names)).collect()))
}

fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

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
    let format = format_of(&file);
    respond(format, async move {
        let (stem, format) = split_file(&file).ok_or_else(|| o311(StatusCode::NOT_FOUND, "no such resource"))?;
        let q: RequestsQuery = crate::http::query::parse(req.query_string()).map_err(|e| match e.code {
            ErrorCode::InvalidQuery => o311(StatusCode::BAD_REQUEST, "malformed query"),
            _ => Open311Error::from(e),
        })?;
        check_jurisdiction(&state, q.jurisdiction_id.as_deref())?;
        match stem {
            "discovery" => {
                Ok(answer(StatusCode::OK, format, "discovery", "discovery", &discovery(&state, &base_url(&req))))
            }
            "services" => {
                let rows = state.db.run(|conn| store::categories(conn).map_err(Open311Error::from)).await?;
                let list: Vec<Value> = rows.iter().filter(|c| offered(c)).map(service).collect();
                Ok(answer(StatusCode::OK, format, "services", "service", &Value::Array(list)))
            }
            "requests" => {
                let list = state.db.run(move |conn| requests(conn, q)).await?;
                Ok(answer(StatusCode::OK, format, "service_requests", "request", &list))
            }
            _ => Err(o311(StatusCode::NOT_FOUND, "no such resource")),
        }
    })
    .await
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
            .run(move |conn| offered_category(conn, &code))
            .await?
            .ok_or_else(|| o311(StatusCode::NOT_FOUND, "no such service"))?;
        Ok(answer(StatusCode::OK, format, "service_definition", "service_definition", &definition(&row)))
    })
    .await
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
        if check_id(id).is_err() {
            return Err(missing());
        }
        let id = id.to_owned();
        let view = state
            .db
            .run(move |conn| {
                let case = store::find(conn, &id)?.filter(|c| c.is_public);
                let names = category_names(conn)?;
                Ok::<_, Open311Error>(case.map(|c| request_view(&c, &names)))
            })
            .await?
            .ok_or_else(missing)?;
        Ok(answer(StatusCode::OK, format, "service_requests", "request", &Value::Array(vec![view])))
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
        if check_id(token).is_err() {
            return Err(missing());
        }
        let token = token.to_owned();
        let found = state
            .db
            .run(move |conn| store::find(conn, &token).map_err(Open311Error::from))
            .await?
            .filter(|c| c.is_public)
            .ok_or_else(missing)?;
        let body = json!([{ "service_request_id": found.id, "token": found.id }]);
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
        let form_encoded = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !form_encoded {
            return Err(o311(StatusCode::BAD_REQUEST, "the body must be application/x-www-form-urlencoded"));
        }
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&body).map_err(|_| o311(StatusCode::BAD_REQUEST, "malformed form body"))?;
        crate::http::json::check_pairs(&pairs)?;
        let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty());
        check_jurisdiction(&state, field("jurisdiction_id").as_deref())?;
        let api_key = field("api_key").ok_or_else(|| o311(StatusCode::FORBIDDEN, "api_key is required"))?;
        let code = field("service_code").ok_or_else(|| o311(StatusCode::BAD_REQUEST, "service_code is required"))?;
        let description = field("description").unwrap_or_default();
        if description.chars().count() > 1000 {
            return Err(o311(StatusCode::BAD_REQUEST, "description is at most 1000 characters"));
        }
        let number = |name: &str| -> Result<Option<f64>, Open311Error> {
            field(name).map(|v| v.parse::<f64>().map_err(|_| o311(StatusCode::BAD_REQUEST, format!("{name} must be a number")))).transpose()
        };
        let point = match (number("lat")?, number("long")?) {
            (Some(lat), Some(lng)) => Some(
                ChinaPoint::parse(lat, lng, Datum::Wgs84)
                    .map_err(|e| Open311Error::from(ApiError::from(e)).renamed("lng", "long"))?,
            ),
            (None, None) => None,
            _ => return Err(o311(StatusCode::BAD_REQUEST, "lat and long come together")),
        };
        let address = field("address_string");
        if point.is_none() && address.is_none() {
            return Err(o311(StatusCode::BAD_REQUEST, "a location is required: lat/long or address_string"));
        }
        let urgency = match field("attribute[urgency]") {
            None => Urgency::Normal,
            Some(u) => Urgency::parse(&u).map_err(|_| o311(StatusCode::BAD_REQUEST, "attribute[urgency] is normal or urgent"))?,
        };
        let media_url = field("media_url");
        let now = state.clock.now().naive_utc();
        let policy = state.config.cases.policy.clone();
        let id = state
            .db
            .run(move |conn| {
                infra::db::write_tx(conn, |conn| {
                    let key = keys::authenticate(conn, &api_key, now)?
                        .ok_or_else(|| o311(StatusCode::FORBIDDEN, "invalid api_key"))?;
                    let user = users::find(conn, &key.user_id)?.filter(|u| u.deleted_at.is_none());
                    let user = user.ok_or_else(|| o311(StatusCode::FORBIDDEN, "invalid api_key"))?;
                    let principal = Principal {
                        user_id: user.id.clone(),
                        session_id: String::new(),
                        kind: AccountKind::Staff,
                        grants: grants::of_user(conn, &user.id)?,
                        acting_for: None,
                    };
                    let category = offered_category(conn, &code)?
                        .ok_or_else(|| o311(StatusCode::BAD_REQUEST, "unknown service_code"))?;
                    // A point routes by the map; an address alone goes to the key holder's grid.
                    let grid = match point {
                        Some(p) => infra::identity::org::locate(conn, p.lat(), p.lng())?,
                        None => infra::identity::org::first_granted_grid(conn, &principal.grants)?,
                    };
                    let grid = grid.ok_or_else(|| o311(StatusCode::BAD_REQUEST, "the location lies in no grid"))?;
                    let org_path = infra::identity::org::unit_path(conn, &grid.org_unit_id)?.unwrap_or_default();
                    let place = domain::identity::roles::Place { org_path, grid_id: Some(grid.id.clone()), department_id: None };
                    if !principal.may(&place, Permission::HandleGridCase) {
                        return Err(o311(StatusCode::FORBIDDEN, "this api_key may not report there"));
                    }
                    let calendar = store::calendar::load_from(conn, now.date())?;
                    let ctx = infra::cases::flow::Ctx { policy: &policy, calendar: &calendar, now };
                    let report = infra::cases::flow::NewReport {
                        category: category.code.clone(),
                        description: if description.is_empty() { category.name.clone() } else { description.clone() },
                        point: point.map(ChinaPoint::pair),
                        address: address.clone(),
                        urgency,
                        anonymous: false,
                        public: category.public_by_default,
                        reporter_id: user.id.clone(),
                        proxy_id: None,
                        client_id: None,
                        grid_id: grid.id.clone(),
                        org_unit_id: grid.org_unit_id.clone(),
                        captured_at: now,
                        media: Vec::new(),
                        details: json!({ "via": "open311", "api_key_id": key.id, "media_url": media_url }),
                    };
                    let (case, _) =
                        infra::cases::flow::file(conn, report, &ctx).map_err(|e| Open311Error::from(ApiError::from(e)))?;
                    Ok::<_, Open311Error>(case.id)
                })
            })
            .await?;
        let body = json!([{ "service_request_id": id, "token": id, "service_notice": "已受理登记，将由网格员处理", "account_id": Value::Null }]);
        Ok(answer(StatusCode::OK, format, "service_requests", "request", &body))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Keys (under /api/v1)

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewKey {
    /// What the key is for, e.g. "12345 热线".
    #[schema(schema_with = crate::contract::name)]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub id: String,
    pub name: String,
    pub user_id: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
    /// The secret, shown once at creation and never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
}

impl From<keys::KeyRow> for KeyView {
    fn from(k: keys::KeyRow) -> Self {
        Self {
            id: k.id,
            name: k.name,
            user_id: k.user_id,
            created_at: rfc3339(k.created_at),
            revoked_at: k.revoked_at.map(rfc3339),
            last_used_at: k.last_used_at.map(rfc3339),
            api_key: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub items: Vec<KeyView>,
}

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
    let principal = auth.0;
    if principal.acting_for.is_some() || !principal.holds(Permission::UseOpen311) {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    let name = domain::identity::org::parse_name(&body.into_inner().name, "name")?;
    let secret = {
        use rand::Rng;
        let bytes: [u8; 24] = rand::rng().random();
        format!("o311_{}", hex::encode(bytes))
    };
    let now = state.clock.now().naive_utc();
    let shown = secret.clone();
    let view = state
        .db
        .run(move |conn| {
            let id = domain::new_id();
            keys::insert(conn, &id, &name, &secret, &principal.user_id, &principal.user_id, now)?;
            audit::append(
                conn,
                &meta.audit(Some(&principal), "open311_key_created", "open311_key", &id, json!({ "name": name })),
                now,
            )?;
            keys::find(conn, &id)?.ok_or_else(|| ApiError::internal("key vanished"))
        })
        .await?;
    let mut view = KeyView::from(view);
    view.api_key = Some(shown);
    Ok(HttpResponse::Created().json(view))
}

/// The caller's keys (admins: every key).
#[utoipa::path(tag = "open311", responses((status = 200, body = KeyList)))]
#[get("/open311-keys")]
pub async fn list_keys(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let rows = state
        .db
        .run(move |conn| {
            let owner = if principal.is_admin() { None } else { Some(principal.user_id.as_str()) };
            keys::list(conn, owner).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(KeyList { items: rows.into_iter().map(KeyView::from).collect() }))
}

/// Revokes a key at once (its owner or an admin).
#[utoipa::path(tag = "open311", params(("id" = String, Path)), responses((status = 200, body = Done)))]
#[delete("/open311-keys/{id}")]
pub async fn revoke_key(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let now = state.clock.now().naive_utc();
    state
        .db
        .run(move |conn| {
            let key = keys::find(conn, &id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            if key.user_id != principal.user_id && !principal.is_admin() {
                return Err(ApiError::new(ErrorCode::NotFound));
            }
            keys::revoke(conn, &id, now)?;
            audit::append(
                conn,
                &meta.audit(Some(&principal), "open311_key_revoked", "open311_key", &id, json!({})),
                now,
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}
