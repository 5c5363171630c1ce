//! The infrastructure layer's one error type. `api` decides what each means over HTTP.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum InfraError {
    /// No pooled connection came free in time: the database is overloaded or down.
    #[error("database unavailable: {0}")]
    DbUnavailable(String),
    /// SQLite's file stayed locked by another writer past the busy timeout: retry in a moment.
    #[error("database busy: {0}")]
    DbBusy(String),
    #[error("database error: {0}")]
    Db(diesel::result::Error),
    /// The connection broke under a statement (the server restarted, or an administrator ended
    /// the session): worth a retry on a fresh connection.
    #[error("database connection lost: {0}")]
    DbConnectionLost(String),
    #[error("database connection error: {0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("store error: {0}")]
    Store(String),
    /// The store (Redis) cannot be reached: down, restarting, or not answering in time.
    #[error("store unavailable: {0}")]
    StoreUnavailable(String),
    #[error("background task failed: {0}")]
    Task(String),
    #[error("outbound http error: {0}")]
    Http(String),
}

impl From<redis::RedisError> for InfraError {
    fn from(error: redis::RedisError) -> Self {
        let unreachable = error.is_io_error()
            || error.is_connection_refusal()
            || error.is_connection_dropped()
            || error.is_timeout()
            || error.is_unrecoverable_error();
        if unreachable {
            Self::StoreUnavailable(error.to_string())
        } else {
            Self::Store(error.to_string())
        }
    }
}

/// Whether a diesel error means the connection itself is gone rather than the statement failed.
pub fn is_lost_connection(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        error,
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _)
    )
}

/// Whether a diesel error means the database is busy: SQLite's file held by another writer past
/// the busy timeout.
pub fn is_busy(error: &diesel::result::Error) -> bool {
    matches!(error, diesel::result::Error::DatabaseError(_, info)
        if info.message().contains("database is locked") || info.message().contains("database is busy"))
}

impl From<diesel::result::Error> for InfraError {
    fn from(error: diesel::result::Error) -> Self {
        if is_lost_connection(&error) {
            Self::DbConnectionLost(error.to_string())
        } else if is_busy(&error) {
            Self::DbBusy(error.to_string())
        } else {
            Self::Db(error)
        }
    }
}

/// Errors that can tell whether the database connection was lost under them, so the pool can
/// let go of its other connections, which a restarted server has closed too.
pub trait ConnectionLoss {
    fn connection_lost(&self) -> bool;
}

impl ConnectionLoss for InfraError {
    fn connection_lost(&self) -> bool {
        matches!(self, Self::DbConnectionLost(_))
    }
}

impl ConnectionLoss for diesel::result::Error {
    fn connection_lost(&self) -> bool {
        is_lost_connection(self)
    }
}

/// The conversions every feature's error shares, for an enum with the variants `NotFound`,
/// `Forbidden`, `Invalid { field, reason }`, `Db(diesel::result::Error)` and
/// `Infra(InfraError)`: `invalid(field, reason)`, `From` a diesel error, a domain error and a
/// scope denial, `ConnectionLoss`, and `From` it for `InfraError` (for callers that only report
/// failure: a job's log, the demo seed — the database's own errors stay themselves, anything
/// else is a task that failed).
#[macro_export]
macro_rules! feature_error {
    ($name:ident) => {
        impl $name {
            pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
                Self::Invalid { field, reason: reason.into() }
            }
        }

        impl From<diesel::result::Error> for $name {
            fn from(error: diesel::result::Error) -> Self {
                Self::Db(error)
            }
        }

        impl From<domain::DomainError> for $name {
            fn from(error: domain::DomainError) -> Self {
                match error {
                    domain::DomainError::Invalid { field, reason } => Self::invalid(field, reason),
                }
            }
        }

        impl From<domain::identity::roles::Denial> for $name {
            fn from(denial: domain::identity::roles::Denial) -> Self {
                match denial {
                    domain::identity::roles::Denial::NotFound => Self::NotFound,
                    domain::identity::roles::Denial::Forbidden => Self::Forbidden,
                }
            }
        }

        impl $crate::error::ConnectionLoss for $name {
            fn connection_lost(&self) -> bool {
                match self {
                    Self::Db(e) => $crate::error::ConnectionLoss::connection_lost(e),
                    Self::Infra(e) => $crate::error::ConnectionLoss::connection_lost(e),
                    _ => false,
                }
            }
        }

        impl From<$name> for $crate::InfraError {
            fn from(error: $name) -> Self {
                match error {
                    $name::Infra(e) => e,
                    $name::Db(e) => $crate::InfraError::from(e),
                    other => $crate::InfraError::Task(other.to_string()),
                }
            }
        }
    };
}
