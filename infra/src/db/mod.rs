//! The database: one connection type over SQLite and PostgreSQL, a bounded pool, and the
//! helpers every feature uses (write transactions, unique inserts, leases, migrations).
//!
//! Queries are written once against [`DbConn`]. A branch per backend is rare and commented at
//! the place it happens.

mod lease;
mod migrate;
mod pool;
pub mod stats;
mod tx;

use std::time::Duration;

use diesel::{PgConnection, SqliteConnection};

pub use lease::{Lease, PassClock};
pub use migrate::{applied_migrations, revert_all, run_pending, setup_tx, MIGRATION_LOCK_KEY};
pub use pool::{Connector, Database, PooledConn};
pub use tx::{insert_unique, lock_key, write_tx, Inserted};

use crate::InfraError;

/// The one connection type every query is written against.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend type queries are built for (boxed queries name it).
pub type DbBackend = <DbConn as diesel::Connection>::Backend;

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where the database is, parsed from `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub struct DbTarget {
    pub backend: Backend,
    /// For PostgreSQL the URL as given; for SQLite the file path.
    pub location: String,
}

impl DbTarget {
    /// `postgres://` or `postgresql://` selects PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a
    /// bare path selects SQLite. (SQLite would accept any string, so the choice is ours.)
    pub fn parse(url: &str) -> Result<Self, InfraError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self { backend: Backend::Postgres, location: url.to_owned() });
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() || path.contains("://") || path == ":memory:" {
            return Err(InfraError::Config(
                "DATABASE_URL must be postgres://… or a SQLite file path (sqlite://PATH)".into(),
            ));
        }
        Ok(Self { backend: Backend::Sqlite, location: path.to_owned() })
    }

    /// The target with any password removed, for logs.
    pub fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.location),
            Backend::Postgres => crate::http::redact_url_str(&self.location),
        }
    }
}

impl std::fmt::Debug for DbTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before answering 503.
    pub checkout_timeout: Duration,
    /// How long SQLite waits on a locked database before giving up.
    pub sqlite_busy_timeout: Duration,
    /// How long PostgreSQL waits to connect.
    pub connect_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            checkout_timeout: Duration::from_secs(3),
            sqlite_busy_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(3),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_scheme_chooses_the_backend() {
        let pg = DbTarget::parse("postgres://u:pw@localhost/db").ok();
        assert_eq!(pg.map(|t| t.backend), Some(Backend::Postgres));
        let sqlite = DbTarget::parse("sqlite://data/yishi.db").ok();
        assert_eq!(sqlite.as_ref().map(|t| t.location.as_str()), Some("data/yishi.db"));
        assert_eq!(DbTarget::parse("./x.db").ok().map(|t| t.backend), Some(Backend::Sqlite));
        assert!(DbTarget::parse("mysql://localhost/db").is_err());
        assert!(DbTarget::parse("sqlite::memory:").is_err());
    }

    #[test]
    fn redacted_target_hides_the_password() {
        let pg = DbTarget::parse("postgres://yishi:s3cret@db:5432/yishi");
        let shown = pg.map(|t| t.redacted()).unwrap_or_default();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db:5432"), "{shown}");
    }
}
