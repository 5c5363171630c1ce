//! The infrastructure layer's one error type. `api` decides what each means over HTTP.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum InfraError {
    /// No pooled connection came free in time: the database is overloaded or down.
    #[error("database unavailable: {0}")]
    DbUnavailable(String),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("database connection error: {0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("store error: {0}")]
    Store(String),
    #[error("background task failed: {0}")]
    Task(String),
    #[error("outbound http error: {0}")]
    Http(String),
}

impl From<redis::RedisError> for InfraError {
    fn from(error: redis::RedisError) -> Self {
        Self::Store(error.to_string())
    }
}
