//! The OpenAPI document: paths collected from the route table, plus what every operation shares
//! — the bearer scheme, and the error responses that apply to it. `openapi.yaml` at the
//! repository root is this document, committed; a test fails when they differ.

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, Response, ResponseBuilder};
use utoipa::OpenApi;

use crate::http::error::{ErrorBody, ErrorCode, Lang};

/// Operations anyone may call without a token (API.md "Public routes"), as `METHOD path`.
/// Everything else answers 401 without a valid token, and a test walks the document to prove it.
pub const PUBLIC_OPERATIONS: &[&str] = &[
    "GET /healthz",
    "GET /readyz",
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/wechat/login",
    "POST /api/v1/auth/refresh",
    "GET /open311/v2/{file}",
    "POST /open311/v2/{file}",
    "GET /open311/v2/services/{file}",
    "GET /open311/v2/requests/{file}",
    "GET /open311/v2/tokens/{file}",
    "GET /api/v1/org-units/{id}/matter-showcase",
    "POST /api/v1/reports/follow-up",
    "POST /api/v1/reports/follow-up/additions",
    "GET /api/v1/public/org-units/{id}/notices",
    "GET /api/v1/public/notices/{id}",
    "GET /api/v1/public/notices/{id}/attachments/{media_id}",
    "GET /api/v1/public/org-units/{id}/notices/code.png",
    "GET /api/v1/public/org-units/{id}/board",
    "GET /api/v1/public/org-units/{id}/board/documents",
    "GET /public/villages/{id}",
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yishi 议事 API",
        description = "The backend of the Yishi village and community governance mini-program: \
                       deliberation, voting, grid cases, points and village-affairs transparency. \
                       Errors share one shape: `{\"error\": {\"code\", \"message\", \"details\"}}`; \
                       messages are Chinese unless `Accept-Language: en`.",
        license(name = "MIT")
    ),
    components(schemas(ErrorBody, ErrorCode))
)]
struct Base;

/// Completes the document collected from the routes.
pub fn finish(mut doc: Document) -> Document {
    let base = Base::openapi();
    doc.info = base.info;
    let components = doc.components.get_or_insert_with(Default::default);
    if let Some(base_components) = base.components {
        components.schemas.extend(base_components.schemas);
    }
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("The access token from a login route"))
                .build(),
        ),
    );
    let public: Vec<(String, String)> = PUBLIC_OPERATIONS
        .iter()
        .filter_map(|op| op.split_once(' '))
        .map(|(m, p)| (m.to_lowercase(), p.to_owned()))
        .collect();
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, operation) in operations(item) {
            let is_public = public.iter().any(|(m, p)| m == method && p == path);
            document_errors(operation, path, is_public);
        }
    }
    no_control_characters(doc)
}

/// Any JSON whose text, keys included, holds no control character but newline and tab: what
/// the server takes in a body's free-form parts and in properties an operation does not read
/// (it checks the whole body where JSON is parsed).
const PLAIN_JSON: &str = "PlainJson";

fn plain_json() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let plain_string = || ObjectBuilder::new().schema_type(Type::String).pattern(Some(crate::contract::NO_CONTROL));
    AnyOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type([Type::Null, Type::Boolean, Type::Number].into_iter().collect::<SchemaType>()),
        )
        .item(plain_string())
        .item(ArrayBuilder::new().items(Ref::from_schema_name(PLAIN_JSON)))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property_names(Some(plain_string()))
                .additional_properties(Some(Ref::from_schema_name(PLAIN_JSON))),
        )
        .description(Some("Any JSON without control characters (but newline and tab) in its text or keys."))
        .into()
}

/// Every string the document leaves unconstrained (no enum, pattern or format) refuses control
/// characters but newline and tab, as the server does where it parses JSON and query strings;
/// so do the keys and values of properties an object does not name, and free-form JSON.
fn no_control_characters(mut doc: Document) -> Document {
    use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, ObjectBuilder, Schema, SchemaType, Type};
    fn schema(item: &mut RefOr<Schema>) {
        if let RefOr::T(Schema::Object(o)) = item {
            let free_form = matches!(o.schema_type, SchemaType::AnyValue)
                || (o.schema_type == SchemaType::Type(Type::Object)
                    && o.properties.is_empty()
                    && o.additional_properties.is_none());
            if free_form && o.enum_values.is_none() {
                *item = RefOr::Ref(Ref::from_schema_name(PLAIN_JSON));
                return;
            }
        }
        let RefOr::T(s) = item else { return };
        match s {
            Schema::Object(o) => {
                let is_string = match &o.schema_type {
                    SchemaType::Type(t) => *t == Type::String,
                    SchemaType::Array(types) => types.contains(&Type::String),
                    SchemaType::AnyValue => false,
                };
                if is_string && o.enum_values.is_none() && o.pattern.is_none() && o.format.is_none() {
                    o.pattern = Some(crate::contract::NO_CONTROL.to_owned());
                }
                if !o.properties.is_empty() {
                    o.additional_properties.get_or_insert_with(|| {
                        Box::new(AdditionalProperties::RefOr(RefOr::Ref(Ref::from_schema_name(PLAIN_JSON))))
                    });
                    o.property_names.get_or_insert_with(|| {
                        Box::new(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .pattern(Some(crate::contract::NO_CONTROL))
                                .build()
                                .into(),
                        )
                    });
                }
                o.properties.values_mut().for_each(schema);
            }
            Schema::Array(a) => {
                if let ArrayItems::RefOrSchema(items) = &mut a.items {
                    schema(items);
                }
            }
            Schema::OneOf(o) => o.items.iter_mut().for_each(schema),
            Schema::AllOf(a) => a.items.iter_mut().for_each(schema),
            Schema::AnyOf(a) => a.items.iter_mut().for_each(schema),
            _ => {}
        }
    }
    // Multipart forms are not JSON: the server reads their named parts only.
    let mut forms = Vec::new();
    for item in doc.paths.paths.values_mut() {
        for (_, operation) in operations(item) {
            if let Some(RefOr::T(body)) = operation.request_body.as_ref() {
                for (media_type, content) in &body.content {
                    if let (true, RefOr::T(content)) = (media_type.starts_with("multipart/"), content) {
                        if let Some(RefOr::Ref(form)) = &content.schema {
                            forms.extend(form.ref_location.rsplit('/').next().map(str::to_owned));
                        }
                    }
                }
            }
        }
    }
    if let Some(components) = doc.components.as_mut() {
        for (name, item) in components.schemas.iter_mut() {
            if !forms.contains(name) {
                schema(item);
            }
        }
        components.schemas.insert(PLAIN_JSON.to_owned(), RefOr::T(plain_json()));
    }
    for item in doc.paths.paths.values_mut() {
        for (_, operation) in operations(item) {
            for param in operation.parameters.iter_mut().flatten() {
                if let RefOr::T(param) = param {
                    param.schema.iter_mut().for_each(schema);
                }
            }
            if let Some(RefOr::T(body)) = operation.request_body.as_mut() {
                for content in body.content.values_mut() {
                    if let RefOr::T(content) = content {
                        content.schema.iter_mut().for_each(schema);
                    }
                }
            }
        }
    }
    doc
}

fn operations(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
        ("head", item.head.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

/// Open311 answers in the GeoReport v2 form, `[{code, description}]`, whatever refused the
/// request inside the handler; what the shared middleware refuses (rate limits, timeouts,
/// oversized bodies) comes in our own shape.
const OPEN311_PREFIX: &str = "/open311/v2/";
/// What an Open311 handler can answer besides 200: its own refusals and anything a shared step
/// refused, in the standard's form.
const OPEN311_REFUSALS: [u16; 5] = [400, 403, 404, 409, 422];

/// Adds the error responses that apply to an operation, unless it documents its own.
fn document_errors(operation: &mut Operation, path: &str, is_public: bool) {
    if path.starts_with(OPEN311_PREFIX) {
        for status in OPEN311_REFUSALS {
            operation.responses.responses.entry(status.to_string()).or_insert_with(open311_errors);
        }
        for (status, code) in [(500, ErrorCode::Internal), (503, ErrorCode::ServiceUnavailable)] {
            operation.responses.responses.insert(status.to_string(), either_error_shape(code));
        }
    }
    let has_body = operation.request_body.is_some();
    let has_path_params = path.contains('{');
    let has_query = operation.parameters.as_ref().is_some_and(|ps| {
        ps.iter()
            .any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)))
    });
    let mut codes: Vec<(u16, ErrorCode)> = Vec::new();
    if has_body {
        codes.push((400, ErrorCode::InvalidJson));
        codes.push((413, ErrorCode::PayloadTooLarge));
        codes.push((415, ErrorCode::UnsupportedMediaType));
        codes.push((422, ErrorCode::ValidationFailed));
    }
    if !is_public {
        codes.push((401, ErrorCode::Unauthorized));
        codes.push((403, ErrorCode::Forbidden));
    }
    if has_query {
        codes.push((400, ErrorCode::InvalidQuery));
        codes.push((422, ErrorCode::ValidationFailed));
    }
    // Path ids, and ids in bodies, name objects that may not exist or lie outside the
    // caller's scope: both answer 404.
    if has_path_params || !is_public {
        codes.push((404, ErrorCode::NotFound));
    }
    codes.push((429, ErrorCode::RateLimited));
    codes.push((500, ErrorCode::Internal));
    codes.push((503, ErrorCode::ServiceUnavailable));
    for (status, code) in codes {
        operation.responses.responses.entry(status.to_string()).or_insert_with(|| error_response(code));
    }
    if !is_public {
        operation.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

fn open311_errors() -> RefOr<Response> {
    let list = utoipa::openapi::schema::ArrayBuilder::new().items(Ref::from_schema_name("Open311ErrorItem"));
    RefOr::T(
        ResponseBuilder::new()
            .description("GeoReport v2 errors: [{code, description}]")
            .content("application/json", ContentBuilder::new().schema(Some(list)).build())
            .build(),
    )
}

/// A 5xx of an Open311 route: from its handler in the standard's form, from the shared
/// middleware (a timeout) in ours.
fn either_error_shape(code: ErrorCode) -> RefOr<Response> {
    let list = utoipa::openapi::schema::ArrayBuilder::new().items(Ref::from_schema_name("Open311ErrorItem"));
    let either = utoipa::openapi::schema::OneOfBuilder::new().item(Ref::from_schema_name("ErrorBody")).item(list);
    RefOr::T(
        ResponseBuilder::new()
            .description(code.message(Lang::En))
            .content("application/json", ContentBuilder::new().schema(Some(either)).build())
            .build(),
    )
}

fn error_response(code: ErrorCode) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(code.message(Lang::En))
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
            .build(),
    )
}

/// The whole document, built from the same route table the server serves.
pub fn document() -> Document {
    crate::app::api_document()
}

/// The document as committed in `openapi.yaml`.
pub fn yaml() -> Result<String, serde_json::Error> {
    document().to_yaml().map_err(serde::ser::Error::custom)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// Every operation documents the errors every route can give, and those its shape implies.
    #[test]
    fn every_operation_documents_its_error_responses() {
        let doc = serde_json::to_value(super::document()).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let responses = operation["responses"].as_object().unwrap();
                for status in ["429", "500", "503"] {
                    assert!(responses.contains_key(status), "{method} {path} lacks {status}");
                }
                if operation.get("requestBody").is_some() {
                    for status in ["400", "413", "415", "422"] {
                        assert!(responses.contains_key(status), "{method} {path} lacks {status}");
                    }
                }
                if path.contains('{') {
                    assert!(responses.contains_key("404"), "{method} {path} lacks 404");
                }
            }
        }
    }

    /// Coordinates in query parameters carry the bounds the server enforces: a case's point lies
    /// in `domain::geo_cn::CHINA_REGION`, other points within `domain::identity::org::check_point`'s (written
    /// as literals where utoipa needs them, so this test keeps them from drifting).
    #[test]
    fn coordinate_parameters_carry_the_domain_bounds() {
        let doc = serde_json::to_value(super::document()).unwrap();
        let china = domain::geo_cn::CHINA_REGION;
        let mut seen = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            let in_china = path.contains("/cases");
            for operation in item.as_object().unwrap().values() {
                for param in operation["parameters"].as_array().into_iter().flatten() {
                    let (min, max) = match (param["name"].as_str(), in_china) {
                        (Some("lat"), true) => (china.min_lat, china.max_lat),
                        (Some("lng"), true) => (china.min_lng, china.max_lng),
                        (Some("lat"), false) => (-domain::identity::org::MAX_LAT, domain::identity::org::MAX_LAT),
                        (Some("lng"), false) => (-domain::identity::org::MAX_LNG, domain::identity::org::MAX_LNG),
                        _ => continue,
                    };
                    assert_eq!(param["schema"]["maximum"].as_f64(), Some(max), "{path} {param}");
                    assert_eq!(param["schema"]["minimum"].as_f64(), Some(min), "{path} {param}");
                    seen += 1;
                }
            }
        }
        assert!(seen >= 4, "lat and lng of nearby and locate");
    }
}
