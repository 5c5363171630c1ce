//! The stats feature's one error. `api` maps it to HTTP.

use diesel::result::Error as DieselError;

use crate::InfraError;

#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// No such unit, or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// Visible, but the caller may not read its figures.
    #[error("forbidden")]
    Forbidden,
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// A report that could not be drawn or written (a server error).
    #[error("report: {0}")]
    Report(String),
    #[error(transparent)]
    Db(DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

crate::feature_error!(StatsError);
