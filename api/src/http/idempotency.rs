//! `Idempotency-Key` on creating POSTs (API.md): a retry with the same key and body gets the
//! first answer and creates nothing; the same key with another body is 422. The record is
//! written in the creation's own transaction (see `infra::idempotency`).

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use infra::idempotency::{self, IdempotencyError, IdempotencyKey, Outcome, StoredResponse};
use infra::DbConn;
use serde::Serialize;

use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on an answer that repeats an earlier one.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The key a request carries, checked: 8–128 characters of letters, digits, `-` and `_`
/// (a UUID fits).
pub fn key_from(req: &HttpRequest, caller: &str, body: &[u8]) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value.to_str().map_err(|_| ApiError::new(ErrorCode::InvalidIdempotencyKey))?.trim();
    let well_formed =
        (8..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(ApiError::new(ErrorCode::InvalidIdempotencyKey));
    }
    let route = format!("{} {}", req.method(), req.path());
    Ok(Some(IdempotencyKey::new(caller, key, &route, body)))
}

/// Runs `create` once per key and answers with its status and JSON body, replayed verbatim for
/// retries. `create` runs inside the write transaction that also stores the answer.
pub async fn create_once<T, F>(
    state: &AppState,
    key: Option<IdempotencyKey>,
    status: StatusCode,
    create: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize,
    F: Fn(&mut DbConn) -> Result<T, ApiError> + Send + Sync + 'static,
{
    let now = state.clock.now().naive_utc();
    let code = status.as_u16();
    let outcome = idempotency::run_once(&state.db, key, now, move |conn| {
        let created = create(conn)?;
        let body = serde_json::to_string(&created).map_err(ApiError::internal)?;
        Ok::<_, ApiError>(StoredResponse { status: code, body })
    })
    .await
    .map_err(|e| match e {
        IdempotencyError::KeyReused => ApiError::new(ErrorCode::IdempotencyKeyReused),
        IdempotencyError::Failed(e) => e,
    })?;
    let stored = outcome.response();
    let mut response = HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(status));
    response.content_type("application/json");
    if matches!(outcome, Outcome::Replayed(_)) {
        response.insert_header((IDEMPOTENT_REPLAYED, HeaderValue::from_static("true")));
    }
    Ok(response.body(stored.body.clone()))
}
