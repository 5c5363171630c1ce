//! Open311's own error form, `[{code, description}]` in the asked format, and how the API's and
//! the cases feature's errors read in it.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use infra::cases::CasesError;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::format::{answer, Format};
use crate::http::error::ApiError;

/// An Open311 error: its status and `[{code, description}]`.
#[derive(Debug)]
pub struct Open311Error {
    status: StatusCode,
    description: String,
    /// The database connection broke under the request.
    connection_lost: bool,
}

pub fn o311(status: StatusCode, description: impl Into<String>) -> Open311Error {
    Open311Error { status, description: description.into(), connection_lost: false }
}

impl infra::error::ConnectionLoss for Open311Error {
    fn connection_lost(&self) -> bool {
        self.connection_lost
    }
}

impl Open311Error {
    /// The same error, naming a field as the standard does (`long` where we say `lng`).
    pub fn renamed(mut self, ours: &str, theirs: &str) -> Self {
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

/// The standard's error shape for JSON and XML.
#[derive(Debug, Serialize, ToSchema)]
pub struct Open311ErrorItem {
    pub code: u16,
    pub description: String,
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
pub async fn respond<F>(format: Format, work: F) -> HttpResponse
where
    F: std::future::Future<Output = Result<HttpResponse, Open311Error>>,
{
    match work.await {
        Ok(response) => response,
        Err(error) => error_answer(error, format),
    }
}

pub fn check_jurisdiction(served: &str, given: Option<&str>) -> Result<(), Open311Error> {
    match given {
        Some(j) if !j.is_empty() && j != served => {
            Err(o311(StatusCode::NOT_FOUND, format!("jurisdiction_id '{j}' is not served here")))
        }
        _ => Ok(()),
    }
}

impl From<CasesError> for Open311Error {
    /// The refusals the standard names in its own words; the rest read as the API's.
    fn from(error: CasesError) -> Self {
        match error {
            CasesError::UnknownCategory => o311(StatusCode::BAD_REQUEST, "unknown service_code"),
            CasesError::NoGrid => o311(StatusCode::BAD_REQUEST, "the location lies in no grid"),
            CasesError::InvalidApiKey => o311(StatusCode::FORBIDDEN, "invalid api_key"),
            CasesError::OutsideKeyScope => o311(StatusCode::FORBIDDEN, "this api_key may not report there"),
            other => ApiError::from(other).into(),
        }
    }
}

impl From<infra::InfraError> for Open311Error {
    fn from(error: infra::InfraError) -> Self {
        ApiError::from(error).into()
    }
}
