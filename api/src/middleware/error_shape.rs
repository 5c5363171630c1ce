//! Every error leaves in API.md's shape and in the caller's language, whoever produced it: our
//! handlers, actix's extractors, the router (unknown route, wrong method) or a middleware.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};

use crate::http::error::{ApiError, ErrorCode, Lang};

/// Marks a response whose error body follows another standard (Open311) and must stay as is.
#[derive(Debug, Clone, Copy)]
pub struct OwnErrorFormat;

pub async fn error_shape(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let lang = Lang::from_headers(req.headers());
    match next.call(req).await {
        Ok(res) => {
            let status = res.status();
            if !(status.is_client_error() || status.is_server_error())
                || res.response().extensions().get::<OwnErrorFormat>().is_some()
            {
                return Ok(res.map_into_boxed_body());
            }
            let api = match res.response().error() {
                Some(error) => to_api_error(error),
                None => ApiError::new(ErrorCode::from_status(status)),
            };
            let (req, _) = res.into_parts();
            Ok(ServiceResponse::new(req, render(&api, lang)))
        }
        // An inner middleware failed (say, the timeout) and the request is gone with it: hand the
        // rendered response up inside the error, which actix answers with as is.
        Err(error) => {
            let api = to_api_error(&error);
            let response = render(&api, lang);
            Err(InternalError::from_response(api, response).into())
        }
    }
}

fn to_api_error(error: &Error) -> ApiError {
    match error.as_error::<ApiError>() {
        Some(api) => api.clone(),
        None => {
            let status = error.as_response_error().status_code();
            ApiError::new(ErrorCode::from_status(status)).with_cause(error)
        }
    }
}

fn render(api: &ApiError, lang: Lang) -> HttpResponse {
    if api.status().is_server_error() {
        tracing::error!(code = api.code.as_str(), cause = api.cause.as_deref().unwrap_or(""), "request failed");
    } else if let Some(cause) = &api.cause {
        tracing::debug!(code = api.code.as_str(), cause = cause.as_str(), "request refused");
    }
    api.to_response(lang)
}
