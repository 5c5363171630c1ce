//! The request id: tracing-actix-web puts it on the request's span (so on every log line) and
//! this sends it back in `X-Request-Id`, so a villager's screenshot leads to the log lines.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing_actix_web::RequestId;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let value = id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok());
    match next.call(req).await {
        Ok(mut res) => {
            if let Some(value) = value {
                res.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            Ok(res)
        }
        // A failure that already carries its response (see the error-shape middleware): add the
        // header to that response.
        Err(error) => {
            let mut response = error.error_response();
            if let Some(value) = value {
                response.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            Err(InternalError::from_response(error.to_string(), response).into())
        }
    }
}
