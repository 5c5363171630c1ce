//! The GeoReport v2 representation: JSON or XML by the file's extension, lists wrapped as the
//! standard names them, times in Beijing time, and the standard's fields for discovery,
//! services, service definitions and requests. A request shows no reporter and its location
//! coarsened to about 100 m, in WGS-84.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use domain::cases::CaseStatus;
use infra::cases::queries::CategoryRow;
use infra::cases::queries::PublicRequest;
use serde_json::{json, Value};

use crate::middleware::error_shape::OwnErrorFormat;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// `services.json` → ("services", Json). No resource is named with a control character.
pub fn split_file(file: &str) -> Option<(&str, Format)> {
    if !domain::text::is_plain(file) {
        return None;
    }
    if let Some(stem) = file.strip_suffix(".json") {
        return Some((stem, Format::Json));
    }
    file.strip_suffix(".xml").map(|stem| (stem, Format::Xml))
}

pub fn format_of(file: &str) -> Format {
    split_file(file).map_or(Format::Json, |(_, f)| f)
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
pub fn answer(status: StatusCode, format: Format, root: &str, item: &str, value: &Value) -> HttpResponse {
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

pub fn beijing_time(t: NaiveDateTime) -> String {
    t.and_utc().with_timezone(&domain::calendar::beijing()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

pub fn discovery(state: &AppState, base: &str) -> Value {
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

pub fn service(c: &CategoryRow) -> Value {
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

pub fn definition(c: &CategoryRow) -> Value {
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
pub fn request_view(request: &PublicRequest) -> Value {
    let case = &request.case;
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
        "service_name": request.category_name,
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

pub fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}
