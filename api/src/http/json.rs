//! The JSON body extractor every route uses: actix's (size, content type and syntax errors are
//! mapped by `error::json_error`), plus the rules that a body is a JSON object — serde would
//! otherwise read a struct from an array (`[null]` as `{"email": null}`) — and that no text in
//! it, key or value, holds a control character other than newline and tab
//! (`domain::text`). Every JSON body goes through [`from_object`], so no route can forget.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::http::error::{ApiError, ErrorCode};

#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Reads `value` as `T`, refusing anything but an object, and text with control characters
/// (422 `validation_failed` naming the field).
pub fn from_object<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::new(ErrorCode::ValidationFailed)
            .with_details(serde_json::json!({ "reason": "the body must be a JSON object" })));
    }
    if let Some(field) = control_character_at(&value, "") {
        return Err(ApiError::invalid_field(&field, domain::text::CONTROL_CHARACTER_REASON));
    }
    serde_json::from_value(value).map_err(|e| {
        ApiError::new(ErrorCode::ValidationFailed).with_details(serde_json::json!({ "reason": e.to_string() }))
    })
}

/// Where in `value` the first text with a control character is, as a path: `description`,
/// `media[2]`, `boundary.properties.name`. A key that holds one is named itself.
fn control_character_at(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(text) => (!domain::text::is_plain(text)).then(|| path.to_owned()),
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, item)| control_character_at(item, &format!("{path}[{i}]")))
        }
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            if domain::text::is_plain(key) {
                control_character_at(item, &here)
            } else {
                Some(here.escape_default().to_string())
            }
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

/// Checks decoded `name=value` pairs (a query string, a form body): a control character in a
/// value is refused naming its parameter.
pub fn check_pairs(pairs: &[(String, String)]) -> Result<(), ApiError> {
    match pairs.iter().find(|(name, value)| !domain::text::is_plain(name) || !domain::text::is_plain(value)) {
        Some((name, _)) => {
            Err(ApiError::invalid_field(&name.escape_default().to_string(), domain::text::CONTROL_CHARACTER_REASON))
        }
        None => Ok(()),
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    #[allow(clippy::disallowed_types, reason = "the one place actix's JSON extractor is used: it reads, we check")]
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = value.await?.into_inner();
            Ok(Json(from_object(value)?))
        })
    }
}

/// Reads a JSON body kept as bytes (the idempotency digest needs the exact bytes).
pub fn parse_bytes<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    let json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType)
            .with_details(serde_json::json!({ "expected": "application/json" })));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(ErrorCode::InvalidJson)
            .with_details(serde_json::json!({ "line": e.line(), "column": e.column() }))
    })?;
    from_object(value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field_of(value: Value) -> Option<Value> {
        from_object::<Value>(value).err().map(|e| e.details.unwrap_or_default()["field"].clone())
    }

    #[test]
    fn control_characters_are_refused_naming_the_field() {
        assert_eq!(field_of(json!({ "description": "路灯\n坏了\t很久", "n": 1 })), None);
        assert_eq!(field_of(json!({ "description": "a\u{0}b" })), Some(json!("description")));
        assert_eq!(field_of(json!({ "media": ["ok", "\u{1b}[2J"] })), Some(json!("media[1]")));
        assert_eq!(
            field_of(json!({ "boundary": { "properties": { "name": "\r" } } })),
            Some(json!("boundary.properties.name"))
        );
        assert_eq!(field_of(json!({ "a\u{0}": "x" })), Some(json!("a\\u{0}")));
        let refused = from_object::<Value>(json!({ "code": "dev:\u{0}" })).err().map(|e| e.code);
        assert_eq!(refused, Some(ErrorCode::ValidationFailed));
    }

    #[test]
    fn pairs_name_their_parameter() {
        let pairs = |p: &[(&str, &str)]| p.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect::<Vec<_>>();
        assert!(check_pairs(&pairs(&[("category", "road"), ("text", "a\nb")])).is_ok());
        let refused = check_pairs(&pairs(&[("category", "ro\u{0}ad")])).err();
        assert_eq!(refused.and_then(|e| e.details).map(|d| d["field"].clone()), Some(json!("category")));
    }
}
