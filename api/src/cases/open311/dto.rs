//! Open311's inputs (the requests query, the posted form) parsed into what the cases feature
//! takes, and the key administration's bodies under `/api/v1`.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::cases::Urgency;
use domain::geo_cn::{ChinaPoint, Datum};
use infra::cases::keys::KeyRow;
use infra::cases::queries::PublicQuery;
use infra::cases::service::Report;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::error::{check_jurisdiction, o311, Open311Error};
use crate::http::error::{ApiError, ErrorCode};
use crate::http::support::rfc3339;

#[derive(Debug, Deserialize)]
pub struct RequestsQuery {
    pub jurisdiction_id: Option<String>,
    pub service_request_id: Option<String>,
    pub service_code: Option<String>,
    pub status: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
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

impl From<KeyRow> for KeyView {
    fn from(k: KeyRow) -> Self {
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

impl RequestsQuery {
    /// The standard's filters as a query of public cases.
    pub fn into_public_query(self) -> Result<PublicQuery, Open311Error> {
        let mut query = PublicQuery::default();
        if let Some(ids) = self.service_request_id.filter(|s| !s.is_empty()) {
            let ids: Vec<String> = ids.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
            if ids.len() > 100 {
                return Err(o311(StatusCode::BAD_REQUEST, "at most 100 service_request_id values"));
            }
            query.ids = Some(ids);
        }
        query.category = self.service_code.filter(|s| !s.is_empty());
        query.open = match self.status.as_deref() {
            None | Some("") => None,
            Some("open") => Some(true),
            Some("closed") => Some(false),
            Some(_) => return Err(o311(StatusCode::BAD_REQUEST, "status must be open or closed")),
        };
        query.from = w3c_time(self.start_date.as_deref(), "start_date")?;
        // end_date is inclusive: requests at that very second count.
        query.to = w3c_time(self.end_date.as_deref(), "end_date")?.map(|t| t + chrono::Duration::seconds(1));
        let page_size = self.page_size.unwrap_or(50);
        let page = self.page.unwrap_or(1);
        if !(1..=100).contains(&page_size) || !(1..=10_000).contains(&page) {
            return Err(o311(StatusCode::BAD_REQUEST, "page from 1, page_size 1 to 100"));
        }
        query.offset = (page - 1) * page_size;
        query.limit = page_size;
        Ok(query)
    }
}

/// The requests query, read the standard's way: a malformed one is a 400.
pub fn requests_query(req: &HttpRequest) -> Result<RequestsQuery, Open311Error> {
    crate::http::query::parse(req.query_string()).map_err(|e| match e.code {
        ErrorCode::InvalidQuery => o311(StatusCode::BAD_REQUEST, "malformed query"),
        _ => Open311Error::from(e),
    })
}

/// A posted request: the key, and the report it files.
pub struct PostedRequest {
    pub api_key: String,
    pub report: Report,
}

/// Reads a posted form (`application/x-www-form-urlencoded`) as the standard defines it.
pub fn posted_request(req: &HttpRequest, body: &[u8], served: &str) -> Result<PostedRequest, Open311Error> {
    let form_encoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return Err(o311(StatusCode::BAD_REQUEST, "the body must be application/x-www-form-urlencoded"));
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| o311(StatusCode::BAD_REQUEST, "malformed form body"))?;
    crate::http::json::check_pairs(&pairs)?;
    let field =
        |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty());
    check_jurisdiction(served, field("jurisdiction_id").as_deref())?;
    let api_key = field("api_key").ok_or_else(|| o311(StatusCode::FORBIDDEN, "api_key is required"))?;
    let code = field("service_code").ok_or_else(|| o311(StatusCode::BAD_REQUEST, "service_code is required"))?;
    let description = field("description").unwrap_or_default();
    if description.chars().count() > 1000 {
        return Err(o311(StatusCode::BAD_REQUEST, "description is at most 1000 characters"));
    }
    let number = |name: &str| -> Result<Option<f64>, Open311Error> {
        field(name)
            .map(|v| v.parse::<f64>().map_err(|_| o311(StatusCode::BAD_REQUEST, format!("{name} must be a number"))))
            .transpose()
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
        Some(u) => {
            Urgency::parse(&u).map_err(|_| o311(StatusCode::BAD_REQUEST, "attribute[urgency] is normal or urgent"))?
        }
    };
    let report = Report {
        category: code,
        description,
        point,
        address,
        urgency,
        anonymous: false,
        public: None,
        media: Vec::new(),
        client_id: None,
        grid_id: None,
        captured_at: None,
        // The key's id is filled in by the service, which knows it.
        details: json!({ "via": "open311", "api_key_id": Value::Null, "media_url": field("media_url") }),
    };
    Ok(PostedRequest { api_key, report })
}
