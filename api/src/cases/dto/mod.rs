//! The cases feature's request and response bodies with their OpenAPI schemas, and the
//! conversions from what clients send into domain values and from infra's read models into
//! what they get.

mod admin;
mod figures;
mod reports;
mod steps;
mod views;

pub use admin::*;
pub use figures::*;
pub use reports::*;
pub use steps::*;
pub use views::*;

use crate::http::error::ApiError;

/// A free text as `domain::cases::text` reads it.
pub(crate) fn text(
    value: Option<String>,
    field: &'static str,
    max: usize,
    required: bool,
) -> Result<Option<String>, ApiError> {
    Ok(domain::cases::text(value, field, max, required)?)
}
