//! Rate limits through the store, so every instance counts together. A refusal is 429 with
//! `Retry-After` and the `X-RateLimit-*` headers.

use std::time::Duration;

use actix_web::http::header::{HeaderName, HeaderValue};
use infra::store::{Store, WindowCount};

use crate::error::{ApiError, ErrorCode};

/// The error for an exhausted limit.
pub fn too_many(limit: u64, state: WindowCount) -> ApiError {
    let reset = state.resets_in.as_secs().max(1);
    ApiError::new(ErrorCode::RateLimited)
        .with_retry_after(reset)
        .with_header(HeaderName::from_static("x-ratelimit-limit"), HeaderValue::from(limit))
        .with_header(HeaderName::from_static("x-ratelimit-remaining"), HeaderValue::from(0u64))
        .with_header(HeaderName::from_static("x-ratelimit-reset"), HeaderValue::from(reset))
}

/// Counts one hit on `key` and refuses once the window holds more than `limit`.
pub async fn hit(store: &Store, key: &str, (limit, window): (u64, Duration)) -> Result<WindowCount, ApiError> {
    let state = store.hit(key, window).await?;
    if state.count > limit {
        return Err(too_many(limit, state));
    }
    Ok(state)
}

/// Refuses when `key` has already reached `limit` in its window, without counting.
pub async fn check(store: &Store, key: &str, (limit, _): (u64, Duration)) -> Result<(), ApiError> {
    match store.counter(key).await? {
        Some(state) if state.count >= limit => Err(too_many(limit, state)),
        _ => Ok(()),
    }
}
