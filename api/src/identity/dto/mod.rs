//! Identity's request and response types with their OpenAPI schemas, and their parsing into
//! domain values.

pub mod audit;
pub mod auth;
pub mod grants;
pub mod me;
pub mod org;
pub mod residency;
pub mod users;

use crate::http::error::{ApiError, ErrorCode};

/// An id given in a body or a query string: one that is no UUID names nothing (404), as a path
/// id does.
fn known<T>(parsed: Option<T>) -> Result<T, ApiError> {
    parsed.ok_or_else(|| ApiError::new(ErrorCode::NotFound))
}
