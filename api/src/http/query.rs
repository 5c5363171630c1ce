//! The query-string extractor every route uses, in place of actix's `web::Query` (clippy's
//! `disallowed-types` keeps it out): the same decoding, plus the rule of `domain::text` — a
//! parameter holding a control character other than newline and tab is refused with 422
//! `validation_failed` naming it, before any handler or query sees it.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{ready, Ready};
use serde::de::DeserializeOwned;

use crate::http::error::{ApiError, ErrorCode};

#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

fn malformed(error: serde_urlencoded::de::Error) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery).with_details(serde_json::json!({ "reason": error.to_string() }))
}

/// Reads a query string as `T`: 400 `invalid_query` when it does not decode, 422
/// `validation_failed` naming the parameter that holds a control character.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(malformed)?;
    crate::http::json::check_pairs(&pairs)?;
    serde_urlencoded::from_str(query).map_err(malformed)
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(parse(req.query_string()).map(Query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Q {
        category: Option<String>,
        limit: Option<i64>,
    }

    #[test]
    fn decodes_like_actix_and_refuses_control_characters_by_name() {
        assert_eq!(parse::<Q>("category=road&limit=5").ok(), Some(Q { category: Some("road".into()), limit: Some(5) }));
        assert_eq!(parse::<Q>("category=%E8%B7%AF%0A").ok().and_then(|q| q.category), Some("路\n".into()));
        let refused = parse::<Q>("category=ro%00ad").err();
        assert_eq!(refused.as_ref().map(|e| e.code), Some(ErrorCode::ValidationFailed));
        assert_eq!(refused.and_then(|e| e.details).map(|d| d["field"].clone()), Some(serde_json::json!("category")));
        let wrong = parse::<Q>("limit=many").err().map(|e| e.code);
        assert_eq!(wrong, Some(ErrorCode::InvalidQuery));
    }
}
