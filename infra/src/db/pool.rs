//! The bounded connection pool, and running blocking database work off the async executor.

use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::{Backend, DbConn, DbOptions, DbTarget};
use crate::InfraError;

/// Opens connections of the configured backend. SQLite connections get their pragmas here, when
/// the pool opens them: WAL so readers never block the writer, a busy timeout so writers queue
/// instead of failing, foreign keys on.
#[derive(Debug)]
pub struct Connector {
    target: DbTarget,
    options: DbOptions,
}

impl ManageConnection for Connector {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self.target.backend {
            Backend::Postgres => {
                let url = with_connect_timeout(&self.target.location, &self.options);
                let conn = PgConnection::establish(&url).map_err(r2d2::Error::ConnectionError)?;
                Ok(DbConn::Pg(conn))
            }
            Backend::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.target.location).map_err(r2d2::Error::ConnectionError)?;
                let busy_ms = self.options.sqlite_busy_timeout.as_millis();
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {busy_ms}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

fn with_connect_timeout(url: &str, options: &DbOptions) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}connect_timeout={}", options.connect_timeout.as_secs().max(1))
}

/// A connection checked out of the pool; it goes back when dropped.
pub type PooledConn = r2d2::PooledConnection<Connector>;

/// The database handle the application shares: a pool and what it was opened on.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<Connector>,
    target: Arc<DbTarget>,
    options: DbOptions,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("target", &self.target).finish()
    }
}

impl Database {
    /// Builds the pool without connecting: the server starts (and reports not-ready) even while
    /// the database is down. For SQLite the file's directory is created.
    pub fn open(url: &str, options: DbOptions) -> Result<Self, InfraError> {
        let target = DbTarget::parse(url)?;
        if target.backend == Backend::Sqlite {
            if let Some(dir) = std::path::Path::new(&target.location).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| InfraError::Config(format!("cannot create {}: {e}", dir.display())))?;
                }
            }
        }
        let pool = r2d2::Pool::builder()
            .max_size(options.max_connections)
            .min_idle(Some(0))
            .connection_timeout(options.checkout_timeout)
            .test_on_check_out(false)
            .build_unchecked(Connector { target: target.clone(), options: options.clone() });
        Ok(Self { pool, target: Arc::new(target), options })
    }

    pub fn backend(&self) -> Backend {
        self.target.backend
    }

    pub fn target(&self) -> &DbTarget {
        &self.target
    }

    /// A pooled connection for blocking code (migrations, jobs already off the executor).
    pub fn get(&self) -> Result<PooledConn, InfraError> {
        self.get_within(self.options.checkout_timeout)
    }

    fn get_within(&self, timeout: std::time::Duration) -> Result<r2d2::PooledConnection<Connector>, InfraError> {
        self.pool.get_timeout(timeout).map_err(|e| InfraError::DbUnavailable(e.to_string()))
    }

    /// Runs blocking database work on the blocking thread pool, never on the async executor.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<InfraError> + Send + 'static,
    {
        let db = self.clone();
        // Keep the request's span (and its request id) on whatever the work logs.
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            span.in_scope(|| {
                let mut conn = db.get()?;
                work(&mut conn)
            })
        })
        .await
        .map_err(|e| E::from(InfraError::Task(e.to_string())))?
    }

    /// Answers whether a connection can be had and answers `SELECT 1`, within `timeout`.
    pub async fn ping(&self, timeout: std::time::Duration) -> Result<(), InfraError> {
        let db = self.clone();
        let check = tokio::task::spawn_blocking(move || {
            let mut conn = db.get_within(timeout)?;
            conn.batch_execute("SELECT 1").map_err(InfraError::from)
        });
        match tokio::time::timeout(timeout, check).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(InfraError::Task(join.to_string())),
            Err(_) => Err(InfraError::DbUnavailable("no answer in time".into())),
        }
    }
}
