//! A ceiling on how long one request may take, answered in the error shape.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

pub async fn timeout(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let limit =
        req.app_data::<web::Data<AppState>>().map_or(std::time::Duration::from_secs(30), |s| s.config.request_timeout);
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(result) => result,
        Err(_) => Err(ApiError::new(ErrorCode::Timeout).with_retry_after(5).with_cause("request timed out").into()),
    }
}
