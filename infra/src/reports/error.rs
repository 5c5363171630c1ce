//! The reports feature's one error. `api` maps it to HTTP in one place.

use diesel::result::Error as DieselError;

use crate::InfraError;

#[derive(Debug, thiserror::Error)]
pub enum ReportsError {
    /// No such report, or one the caller may not see; also a follow-up code that matches nothing.
    #[error("not found")]
    NotFound,
    /// Visible, but not the caller's to do.
    #[error("forbidden")]
    Forbidden,
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The person filed the day's last report allowed.
    #[error("daily report limit reached")]
    DailyLimit,
    /// The report's status does not allow the move.
    #[error("cannot move to {to} when {status}")]
    NotNow { to: &'static str, status: &'static str },
    /// A stored value that does not parse (a server error).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// The media store failed reading or writing an attachment (a server error).
    #[error("media store: {0}")]
    Files(String),
    #[error(transparent)]
    Db(DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

crate::feature_error!(ReportsError);

impl From<domain::reports::ReportNotNow> for ReportsError {
    fn from(refusal: domain::reports::ReportNotNow) -> Self {
        ReportsError::NotNow { to: refusal.to.as_str(), status: refusal.status.as_str() }
    }
}
