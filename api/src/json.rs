//! The JSON body extractor every route uses: actix's (size, content type and syntax errors are
//! mapped by `error::json_error`), plus the rule that a body is a JSON object — serde would
//! otherwise read a struct from an array (`[null]` as `{"email": null}`).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};

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

/// Reads `value` as `T`, refusing anything but an object.
pub fn from_object<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::new(ErrorCode::ValidationFailed)
            .with_details(serde_json::json!({ "reason": "the body must be a JSON object" })));
    }
    serde_json::from_value(value).map_err(|e| {
        ApiError::new(ErrorCode::ValidationFailed).with_details(serde_json::json!({ "reason": e.to_string() }))
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = value.await?.into_inner();
            Ok(Json(from_object(value)?))
        })
    }
}
